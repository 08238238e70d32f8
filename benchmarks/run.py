"""zhspeech benchmarks: throughput and ratios measured side by side in one run.

    .venv/bin/python benchmarks/run.py            # full sizes (≥ 5 M characters)
    .venv/bin/python benchmarks/run.py --quick    # small sizes, to try the script
    .venv/bin/python benchmarks/run.py --full     # the store phases at 100 MB

Each phase runs in its own process, so that its peak memory (ru_maxrss) is its own.
Goals (from the issues), reported next to each measure:

* cleaning ≥ 2 M chars/s on one core;
* a 1 MB document parses in under 1 s;
* tokenize-and-count overhead ≤ 15 % over the raw segmenter of the same backend plus
  a Counter (``Counter(jieba.lcut(text))`` / ``Counter(rjieba.cut(text))`` over the same
  text, against ``Tokenizer.count`` already run once, side by side, in CPU seconds,
  best of interleaved rounds); a cached re-run ≥ 20×
  faster than a cold one;
* theme matching ≥ 5 M chars/s;
* cleaning, structure and theme matching document by document as the corpus store
  runs them, on the corpus's documents and on short ones (cut at paragraph ends every
  3,000 characters, where per-document costs show), beside the frozen copies of
  tests/oracle/ (CPU seconds, before → after);
* formula (提法) matching and directive scoring ≥ 5 M chars/s each; stated targets
  ≥ 1 M chars/s (zs.discourse on the cleaned text);
* a warm ``zhspeech freq`` on an unchanged 10 MB folder ≥ 20× faster than cold
  (``themes`` and ``sections`` measured the same way, and each again with other
  options, when only the per-document stage tables are cached);
* corpus store (issue 15): indexing a folder and a single file with peak RSS < 1 GB,
  speed-up ≥ 1.8× with 2 workers over 1, a per-core rate of the whole pipeline
  ≥ 1 M chars per CPU-second with rjieba (jieba's reported too), a term-trend query
  over a 10,000-document store < 1 s, ``zhspeech --help`` < 0.15 s; ``index-stages``
  shows where the CPU time of indexing goes (seconds per million characters per stage,
  an index run already warm in the same process).

The store phases generate their corpus on the fly in a temporary folder (the sample
and the shared corpus replicated, each copy made distinct); nothing is committed.
``--full`` uses the sizes of the issue (100 MB); the default is 10 MB.

Results go to stdout and ``benchmarks/results/latest.json`` (not committed).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def corpus_text(min_chars: int) -> list[str]:
    """Raw texts (the sample and, when present, the comparable corpus) repeated until
    their total length reaches ``min_chars``."""
    import zhspeech as zs

    texts = [zs.paths.sample_speech().read_text(encoding="utf-8")]
    shared = zs.corpus.load_shared_corpus()
    if shared is not None:
        texts += [d.raw for d in shared]
    out, total, i = [], 0, 0
    while total < min_chars:
        t = texts[i % len(texts)]
        out.append(t)
        total += len(t)
        i += 1
    return out


def best(fn, rounds: int, clock=time.perf_counter) -> float:
    """Least time of ``rounds`` runs of ``fn`` on ``clock`` (wall time by default)."""
    times = []
    for _ in range(rounds):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return min(times)


def cpu_best(fn, rounds: int) -> float:
    """Least CPU time (process_time) of ``rounds`` runs: steadier than wall time on a
    shared machine."""
    return best(fn, rounds, time.process_time)


def _oracle(name: str):
    """The frozen pre-speed-work copy of a module (tests/oracle/), when the tests are
    there: the "before" of a side-by-side measure."""
    folder = HERE.parent / "tests"
    if not (folder / "oracle" / f"{name}_v0.py").is_file():
        return None
    sys.path.insert(0, str(folder))
    import importlib

    return importlib.import_module(f"oracle.{name}_v0")


def _side_by_side(run_new, run_old, chars: int, rounds: int = 3) -> dict:
    """CPU seconds of the library and of its frozen copy, interleaved round by round."""
    new, old = [], []
    for _ in range(rounds):
        new.append(cpu_best(run_new, 1))
        if run_old is not None:
            old.append(cpu_best(run_old, 1))
    out = {"cpu_seconds": min(new), "chars_per_cpu_s": chars / min(new)}
    if old:
        out.update(before_cpu_seconds=min(old), before_chars_per_cpu_s=chars / min(old),
                   speedup=min(old) / min(new))
    return out


def small_documents(texts: list[str], chars: int = 3000) -> list[str]:
    """The texts cut at the first paragraph end after every ``chars`` characters: short
    documents (2–5 k characters), where what each document costs whatever its length
    (rule lookups, tables built, numpy calls) shows."""
    out = []
    for t in texts:
        pos = 0
        while pos < len(t):
            end = t.find("\n", pos + chars)
            end = len(t) if end < 0 else end + 1
            out.append(t[pos:end])
            pos = end
    return out


def phase_clean(size: int) -> dict:
    import zhspeech as zs

    texts = corpus_text(size)
    raw = "".join(texts)
    old = _oracle("clean")
    zs.clean.clean_text(raw[:10000])  # load rules and OpenCC once
    seconds = best(lambda: zs.clean.clean_text(raw), 3)
    out = {"chars": len(raw), "seconds": seconds, "chars_per_s": len(raw) / seconds, "goal_chars_per_s": 2e6}
    # One text, and document by document as the corpus store cleans them.
    out["one_text"] = _side_by_side(lambda: zs.clean.clean_text(raw),
                                    old and (lambda: old.clean_text(raw)), len(raw))
    out["per_document"] = _side_by_side(lambda: [zs.clean.clean_text(t) for t in texts],
                                        old and (lambda: [old.clean_text(t) for t in texts]), len(raw))
    out["per_document"].update(documents=len(texts), goal_cpu_seconds_per_m_chars=0.15)
    small = small_documents(texts[:17])
    out["small_documents"] = _side_by_side(lambda: [zs.clean.clean_text(t) for t in small],
                                           old and (lambda: [old.clean_text(t) for t in small]),
                                           sum(map(len, small)))
    out["small_documents"].update(documents=len(small))
    return out


def phase_structure(size: int) -> dict:
    import zhspeech as zs

    cleaned = [zs.clean.clean_text(t).text for t in corpus_text(size)]
    text = "".join(cleaned)[:size]
    seconds = best(lambda: zs.structure.parse_structure(text), 3)
    n = len(zs.structure.parse_structure(text))
    out = {"chars": len(text), "bytes_utf8": len(text.encode("utf-8")), "sections": n, "seconds": seconds,
           "goal_seconds": 1.0}
    old = _oracle("structure")
    if old is not None:
        old.parse_structure(cleaned[0])
    out["one_text"] = _side_by_side(lambda: zs.structure.parse_structure(text),
                                    old and (lambda: old.parse_structure(text)), len(text))
    chars = sum(len(t) for t in cleaned)
    out["per_document"] = _side_by_side(lambda: [zs.structure.parse_structure(t) for t in cleaned],
                                        old and (lambda: [old.parse_structure(t) for t in cleaned]), chars)
    out["per_document"].update(documents=len(cleaned), chars=chars, goal_cpu_seconds_per_m_chars=0.15)
    small = small_documents(cleaned[:17])
    out["small_documents"] = _side_by_side(lambda: [zs.structure.parse_structure(t) for t in small],
                                           old and (lambda: [old.parse_structure(t) for t in small]),
                                           sum(map(len, small)))
    out["small_documents"].update(documents=len(small))
    return out


def phase_tokenize(size: int, backend: str) -> dict:
    from collections import Counter

    import jieba
    import rjieba

    import zhspeech as zs

    text = "".join(zs.clean.clean_text(t).text for t in corpus_text(size))
    tok = zs.tokenize.Tokenizer(backend=backend)
    tok.count(text[:1000])  # build the segmenter and the user-term automaton
    if backend == "jieba":
        zs.tokenize._quiet_jieba()
        jieba.initialize()
        raw = lambda: Counter(jieba.lcut(text))  # noqa: E731
    else:
        rjieba.cut("预热")
        raw = lambda: Counter(rjieba.cut(text))  # noqa: E731
    ours = lambda: tok.count(text)  # noqa: E731
    ours()  # the words of the text numbered once (_Words), as in any later call
    rounds = 1 if backend == "jieba" else 5
    t_raw, t_ours = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine state
        t_raw.append(cpu_best(raw, 1))   # CPU seconds: other processes on a shared
        t_ours.append(cpu_best(ours, 1))  # machine move wall time, not these
    r, o = min(t_raw), min(t_ours)
    return {"backend": backend, "chars": len(text), "raw_cpu_seconds": r, "ours_cpu_seconds": o,
            "raw_chars_per_cpu_s": len(text) / r, "ours_chars_per_cpu_s": len(text) / o,
            "overhead": o / r - 1, "goal_overhead": 0.15}


def phase_cache(size: int, backend: str) -> dict:
    import os

    import zhspeech as zs

    docs = [zs.clean.clean_text(t) for t in corpus_text(size)]
    # The repeated texts are distinct documents for the cache too (as in a real corpus
    # with many files): make each one unique.
    docs = [(f"{i}\n" + c.text, list(zip(c.masks["start"] + len(f"{i}\n"), c.masks["end"] + len(f"{i}\n"))))
            for i, c in enumerate(docs)]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ZHSPEECH_CACHE"] = tmp
        tok = zs.tokenize.Tokenizer(backend=backend)
        tok.count("预热")
        t0 = time.perf_counter()
        for text, masks in docs:
            zs.tokenize.segment_cached(tok, text, masks)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        for text, masks in docs:
            zs.tokenize.segment_cached(tok, text, masks)
        warm = time.perf_counter() - t0
    chars = sum(len(t) for t, _ in docs)
    return {"backend": backend, "chars": chars, "documents": len(docs), "cold_seconds": cold,
            "cached_seconds": warm, "speedup": cold / warm, "goal_speedup": 20}


def phase_themes(size: int) -> dict:
    import zhspeech as zs

    text = "".join(zs.clean.clean_text(t).text for t in corpus_text(size))
    lex = zs.themes.load_lexicon(warn_shared=False)
    zs.themes.count_themes(text[:1000], lexicon=lex)
    seconds = best(lambda: zs.themes.count_themes(text, lexicon=lex), 3)
    hits = len(zs.themes.count_themes(text, lexicon=lex))
    out = {"chars": len(text), "hits": hits, "seconds": seconds, "chars_per_s": len(text) / seconds,
           "goal_chars_per_s": 5e6}
    # match_themes document by document, as the corpus store calls it, beside its frozen copy
    docs = [zs.clean.clean_text(t).masked_text for t in corpus_text(size)]
    small = small_documents(docs[:17])
    matcher = lex.matcher
    old = _oracle("themes")
    before = old.load_lexicon(warn_shared=False).matcher if old is not None else None
    for name, group in (("per_document", docs), ("small_documents", small)):
        out[name] = _side_by_side(lambda: [zs.themes.match_themes(t, matcher) for t in group],
                                  old and (lambda: [old.match_themes(t, before) for t in group]),
                                  sum(map(len, group)))
        out[name].update(documents=len(group))
    out["per_document"]["goal_cpu_seconds_per_m_chars"] = 0.04
    return out


# -- corpus store (issue 15) -------------------------------------------------------------

def make_folder(root: Path, megabytes: float, *, single: bool = False) -> tuple[int, int]:
    """Write the replicated corpus (UTF-8) into ``root``: files of the original texts,
    each copy with its own first line so that no two are the same document; or one
    file holding them all. Returns (bytes, characters)."""
    import zhspeech as zs

    texts = [zs.paths.sample_speech().read_text(encoding="utf-8")]
    shared = zs.corpus.load_shared_corpus()
    if shared is not None:
        texts += [d.raw for d in shared]
    root.mkdir(parents=True, exist_ok=True)
    limit = int(megabytes * 1e6)
    size = chars = i = 0
    fh = open(root / "all.txt", "w", encoding="utf-8") if single else None
    while size < limit:
        t = f"第{i}号文本\n" + texts[i % len(texts)]
        if fh:
            fh.write(t + "\n")
        else:
            (root / f"doc-{i:06d}.txt").write_text(t, encoding="utf-8")
        size += len(t.encode("utf-8"))
        chars += len(t)
        i += 1
    if fh:
        fh.close()
    return size, chars


def _cpu() -> float:
    self_, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return self_.ru_utime + self_.ru_stime + kids.ru_utime + kids.ru_stime


def phase_index(megabytes: float, workers: int, backend: str, single: bool = False, discourse: bool = True) -> dict:
    import zhspeech as zs

    with tempfile.TemporaryDirectory() as tmp:
        size, chars = make_folder(Path(tmp) / "in", megabytes, single=single)
        zs.store._tools(zs.store.Settings(backend=backend))[0].cut("预热")   # dictionary load not timed
        cpu0, t0 = _cpu(), time.perf_counter()
        summary = zs.store.index(Path(tmp) / "in", Path(tmp) / "store", workers=workers, backend=backend,
                                 progress=False, discourse=discourse)
        wall, cpu = time.perf_counter() - t0, _cpu() - cpu0
        store_mb = sum(p.stat().st_size for p in (Path(tmp) / "store").rglob("*") if p.is_file()) / 1e6
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"backend": backend, "workers": workers, "single_file": single, "discourse": discourse,
            "input_mb": size / 1e6,
            "chars": chars, "documents": summary.documents, "seconds": wall, "cpu_seconds": cpu,
            "chars_per_s": chars / wall, "chars_per_cpu_s": chars / cpu, "store_mb": store_mb,
            "largest_worker_rss_mb": kids, "goal_rss_mb": 1000}


def phase_index_stages(megabytes: float, backend: str = "rjieba") -> dict:
    """Where the CPU time of ``zs.store.index`` (1 worker, in this process) goes: CPU
    seconds per million characters of each stage, exclusive of the stages it calls
    (reading, cleaning, structure, segmentation, theme matching, sentences, the rest of
    the per-document tables, Parquet). Timed with ``time.process_time`` around each
    stage's function, not with a profiler, so the stages run at their own speed."""
    import functools

    import zhspeech as zs

    spent: dict[str, float] = {}
    stack: list = []

    def timed(owner, name, label, generator=False):
        fn = getattr(owner, name)

        def enter():
            now = time.process_time()
            if stack:
                stack[-1][1] += now - stack[-1][2]
            stack.append([label, 0.0, now])

        def leave():
            now = time.process_time()
            lab, inner, since = stack.pop()
            spent[lab] = spent.get(lab, 0.0) + inner + now - since
            if stack:
                stack[-1][2] = now

        if generator:
            def wrapper(*args, **kw):
                it = fn(*args, **kw)
                while True:
                    enter()
                    try:
                        item = next(it)
                    except StopIteration:
                        leave()
                        return
                    leave()
                    yield item
        else:
            def wrapper(*args, **kw):
                enter()
                try:
                    return fn(*args, **kw)
                finally:
                    leave()
        setattr(owner, name, functools.wraps(fn)(wrapper))

    store = zs.store
    for owner, name, label in ((zs.corpus, "load_document", "read"), (zs.clean, "clean_text", "clean"),
                               (zs.structure, "parse_structure", "structure"),
                               (zs.tokenize.Tokenizer, "segment", "segment"),
                               (zs.tokenize.Tokenizer, "segment_numbered", "segment"),
                               (zs.themes, "match_themes", "themes"), (zs.themes, "sentence_spans", "sentences"),
                               (store._PartWriter, "flush", "parquet"), (store._PartWriter, "close", "parquet"),
                               (store, "scan_task", "scan")):
        if hasattr(owner, name):
            timed(owner, name, label)
    timed(store, "document_tables", "tables", generator=True)
    with tempfile.TemporaryDirectory() as tmp:
        size, chars = make_folder(Path(tmp) / "in", megabytes)
        store._tools(store.Settings(backend=backend))[0].cut("预热")
        store.index(Path(tmp) / "in", Path(tmp) / "warm", workers=1, backend=backend, progress=False)
        spent.clear()
        cpu0 = time.process_time()
        store.index(Path(tmp) / "in", Path(tmp) / "store", workers=1, backend=backend, progress=False)
        cpu = time.process_time() - cpu0
    m = chars / 1e6
    out = {"backend": backend, "chars": chars, "cpu_seconds": cpu, "chars_per_cpu_s": chars / cpu}
    out.update({f"{k}_s_per_M": v / m for k, v in sorted(spent.items(), key=lambda kv: -kv[1])})
    out["other_s_per_M"] = (cpu - sum(spent.values())) / m
    return out


def phase_query(documents: int) -> dict:
    """A term-trend query over a store of ``documents`` documents: the shared corpus
    indexed once, its part files copied under new doc_ids (years 2000-2024, 31 issuers)."""
    import json as _json

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    import zhspeech as zs

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        src = zs.paths.corpus_dir() if zs.corpus.load_shared_corpus() is not None else zs.paths.raw_dir()
        zs.store.index(src, base, workers=1, backend="rjieba", progress=False)
        tables = {t: pq.read_table(f) for t in zs.store.TABLES for f in (base / t).glob("*.parquet")}
        n0 = tables["documents"].num_rows
        out = Path(tmp) / "big"
        manifest = _json.loads((base / "manifest.json").read_text())
        manifest["parts"], manifest["documents"] = {}, {}
        copies = -(-documents // n0)
        per_part = max(1, copies // 20)
        for start in range(0, copies, per_part):
            part = f"part-bench-{start:06d}"
            files = {}
            for t, data in tables.items():
                chunks = []
                for k in range(start, min(start + per_part, copies)):
                    ids = pc.binary_join_element_wise(data["doc_id"], pa.scalar(f"-{k}"), "")
                    d = data.set_column(data.schema.get_field_index("doc_id"), "doc_id", ids)
                    if t == "documents":
                        d = d.set_column(d.schema.get_field_index("year"), "year",
                                         pa.array([2000 + (k * n0 + j) % 25 for j in range(d.num_rows)], pa.int64()))
                        d = d.set_column(d.schema.get_field_index("issuer"), "issuer",
                                         pa.array([f"省{(k * n0 + j) % 31:02d}" for j in range(d.num_rows)]))
                    chunks.append(d)
                (out / t).mkdir(parents=True, exist_ok=True)
                rel = f"{t}/{part}.parquet"
                data = pa.concat_tables(chunks)
                if t in zs.store.SORTED_BY_TERM:   # as index() writes them: sorted per flush
                    step = zs.store.FLUSH_ROWS
                    data = pa.concat_tables([data.slice(i, step).sort_by([("term", "ascending"),
                                                                          ("doc_id", "ascending")])
                                             for i in range(0, data.num_rows, step)])
                # as index() writes them: its codec; small row groups for the term tables
                dictionary = getattr(zs.store, "_dictionary_columns", lambda schema: True)(data.schema)
                pq.write_table(data, out / rel, compression=getattr(zs.store, "COMPRESSION", "zstd"),
                               use_dictionary=dictionary,
                               row_group_size=zs.store.ROW_GROUP_ROWS if t in zs.store.SORTED_BY_TERM
                               else max(data.num_rows, 1))
                files[t] = {"file": rel, "bytes": (out / rel).stat().st_size, "rows": 0}
            manifest["parts"][part] = files
        (out / "manifest.json").write_text(_json.dumps(manifest))
        times, queries = [], []
        for _ in range(3):       # open + the query, in a fresh connection each time
            t0 = time.perf_counter()
            with zs.store.open(out) as st:
                t1 = time.perf_counter()
                trend = st.term_trend(["脱贫攻坚", "乡村振兴"], by="year")
                queries.append(time.perf_counter() - t1)
            times.append(time.perf_counter() - t0)
        with zs.store.open(out) as st:
            ndocs = int(st.sql("SELECT COUNT(*) AS n FROM documents")["n"][0])
            nterms = int(st.sql("SELECT COUNT(*) AS n FROM terms")["n"][0])
    return {"documents": ndocs, "term_rows": nterms, "rows": len(trend), "seconds": min(times),
            "seconds_all": times, "query_seconds": min(queries), "goal_seconds": 1.0}


def phase_freq_warm(megabytes: float) -> dict:
    """``zhspeech freq``, ``themes`` and ``sections`` on a FOLDER: each on its own empty
    cache (cold), then again on the unchanged folder (warm: the stored output), then
    with other options (``--top 10``, ``--theme 人才``, ``--depth 1``: the command's
    output is new but every document's stage tables are cached)."""
    import os

    exe = Path(sys.executable).with_name("zhspeech")
    commands = {"freq": (["freq"], ["--top", "10"]), "themes": (["themes"], ["--theme", "人才"]),
                "sections": (["sections"], ["--depth", "1"])}
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        size, chars = make_folder(Path(tmp) / "in", megabytes)
        out.update(input_mb=size / 1e6, chars=chars, documents=len(list((Path(tmp) / "in").iterdir())))
        for name, (verb, other) in commands.items():
            env = dict(os.environ, ZHSPEECH_CACHE=str(Path(tmp) / f"cache-{name}"))
            times = []
            for extra in ([], [], other):
                t0 = time.perf_counter()
                subprocess.run([str(exe), *verb, str(Path(tmp) / "in"), "--format", "csv", *extra], env=env,
                               check=True, stdout=subprocess.DEVNULL)
                times.append(time.perf_counter() - t0)
            cold, warm, stages = times
            prefix = "" if name == "freq" else f"{name}_"
            out.update({f"{prefix}cold_seconds": cold, f"{prefix}warm_seconds": warm,
                        f"{prefix}speedup": cold / warm, f"{prefix}stages_warm_seconds": stages,
                        f"{prefix}stages_speedup": cold / stages})
    out["goal_speedup"] = 20
    return out


def phase_help() -> dict:
    import statistics

    exe = Path(sys.executable).with_name("zhspeech")
    out = {}
    for name, cmd in (("python_pass", [sys.executable, "-c", "pass"]), ("help", [str(exe), "--help"]),
                      ("version", [str(exe), "--version"])):
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - t0)
        out[f"{name}_median_s"] = statistics.median(times)
    out["goal_seconds"] = 0.15
    return out


def _discourse(size: int, name: str, goal: float) -> dict:
    import zhspeech as zs

    text = "".join(zs.clean.clean_text(t).text for t in corpus_text(size))
    d = zs.discourse
    fn = {"formulas": lambda t: d.find_formulas(t, lexicon=d.load_tifa()),
          "directives": lambda t: d.directive_force(t, lexicon=d.load_directives()),
          "targets": lambda t: d.targets(t, rules=d.load_target_rules())}[name]
    fn(text[:2000])  # load the lexicon and build its automaton once
    seconds = best(lambda: fn(text), 3)
    # CPU time as well: on a shared machine it is the steadier measure of the code itself.
    cpu = []
    for _ in range(3):
        t0 = time.process_time()
        fn(text)
        cpu.append(time.process_time() - t0)
    out = {"chars": len(text), "rows": len(fn(text)), "seconds": seconds, "chars_per_s": len(text) / seconds,
           "cpu_seconds": min(cpu), "chars_per_cpu_s": len(text) / min(cpu), "goal_chars_per_s": goal}
    old = _oracle("discourse")
    if old is not None:
        before = {"formulas": lambda t: old.find_formulas(t, lexicon=d.load_tifa()),
                  "directives": lambda t: old.directive_force(t, lexicon=d.load_directives()),
                  "targets": lambda t: old.targets(t, rules=d.load_target_rules())}[name]
        side = _side_by_side(lambda: fn(text), lambda: before(text), len(text))
        out.update(before_cpu_seconds=side["before_cpu_seconds"], speedup=side["speedup"])
    return out


def phase_discourse_index(megabytes: float) -> dict:
    """The discourse tables (formulas, directives, targets) as ``corpus index`` makes
    them, document by document, and as it made them before the speed work of issue 15
    (the frozen copy in tests/oracle/discourse_v0.py: pandas frames), side by side in
    this process, round by round: CPU seconds per million characters of the cleaned
    texts, computing the tables alone and computing them and writing them to Parquet
    with the store's writer. The cleaning and structure they read are made beforehand."""
    import zhspeech as zs

    old = _oracle("discourse")
    store = zs.store
    docs = []
    for i, raw in enumerate(corpus_text(int(megabytes * 1e6 / 3))):   # ~3 bytes a character
        did = f"d{i}"
        cleaned = zs.clean.clean_text(raw, doc_id=did)
        docs.append((cleaned, zs.structure.parse_structure(cleaned.text, did), did))
    chars = sum(len(c.text) for c, _, _ in docs)

    def compute(step):
        return lambda: [step(c, s, did) for c, s, did in docs]

    def write(step):
        def run():
            with tempfile.TemporaryDirectory() as tmp:
                writer = store._PartWriter(Path(tmp), "p0", store.DISCOURSE_TABLES)
                for c, s, did in docs:
                    for table, rows in step(c, s, did)[0]:
                        writer.add(table, rows)
                writer.close()
        return run

    new_step = store._discourse_tables
    compute(new_step)()   # lexicons, automata and tables built once
    m = chars / 1e6
    out = {"chars": chars, "documents": len(docs)}
    for label, make in (("compute", compute), ("compute_and_write", write)):
        side = _side_by_side(make(new_step), make(old.store_step) if old else None, chars, rounds=5)
        out[f"{label}_s_per_M"] = side["cpu_seconds"] / m
        if old:
            out[f"{label}_before_s_per_M"] = side["before_cpu_seconds"] / m
            out[f"{label}_speedup"] = side["speedup"]
    out["goal_s_per_M"] = 0.15
    return out


PHASES = {
    "clean": lambda a: phase_clean(a.size),
    "structure": lambda a: phase_structure(a.doc_size),
    "tokenize-jieba": lambda a: phase_tokenize(a.size, "jieba"),
    "tokenize-rjieba": lambda a: phase_tokenize(a.size, "rjieba"),
    "cache-jieba": lambda a: phase_cache(a.size, "jieba"),
    "themes": lambda a: phase_themes(a.size),
    "help": lambda a: phase_help(),
    "index-rjieba-1": lambda a: phase_index(a.megabytes, 1, "rjieba"),
    "index-rjieba-1-lean": lambda a: phase_index(a.megabytes, 1, "rjieba", discourse=False),
    "index-rjieba-2": lambda a: phase_index(a.megabytes, 2, "rjieba"),
    "index-jieba-1": lambda a: phase_index(a.megabytes / 10, 1, "jieba"),
    "index-file": lambda a: phase_index(a.megabytes, 1, "rjieba", single=True),
    "index-stages": lambda a: phase_index_stages(a.megabytes / 3),
    "query": lambda a: phase_query(a.documents),
    "freq-warm": lambda a: phase_freq_warm(1 if a.quick else 10),
    "formulas": lambda a: _discourse(a.size, "formulas", 5e6),
    "directives": lambda a: _discourse(a.size, "directives", 5e6),
    "targets": lambda a: _discourse(a.size, "targets", 1e6),
    "discourse-index": lambda a: phase_discourse_index(a.megabytes / 5),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--full", action="store_true", help="the store phases at the issue's sizes (100 MB)")
    parser.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", choices=list(PHASES), help="run only these phases")
    args = parser.parse_args()
    args.size = 200_000 if args.quick else 5_000_000
    args.doc_size = 100_000 if args.quick else 1_000_000
    args.megabytes = 1 if args.quick else 100 if args.full else 10
    args.documents = 1000 if args.quick else 10_000
    if args.phase:
        result = PHASES[args.phase](args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    results = {}
    for name in args.only or PHASES:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", name] + \
            (["--quick"] if args.quick else []) + (["--full"] if args.full else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[name]
        summary = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}
        print(f"{name:16} {json.dumps(summary, ensure_ascii=False)}", flush=True)
    one, two = results.get("index-rjieba-1"), results.get("index-rjieba-2")
    if one and two:
        results["speedup_2_workers"] = one["seconds"] / two["seconds"]
        print(f"{'speed-up':16} 2 workers over 1: {results['speedup_2_workers']:.2f}x (goal 1.8x); "
              f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / ("quick.json" if args.quick else "full.json" if args.full else "latest.json")).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
