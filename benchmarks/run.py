"""zhspeech benchmarks: throughput and ratios measured side by side in one run.

    .venv/bin/python benchmarks/run.py            # full sizes (≥ 5 M characters)
    .venv/bin/python benchmarks/run.py --quick    # small sizes, to try the script

Each phase runs in its own process, so that its peak memory (ru_maxrss) is its own.
Goals (from the issues), reported next to each measure:

* cleaning ≥ 2 M chars/s on one core;
* a 1 MB document parses in under 1 s;
* tokenize-and-count overhead ≤ 15 % over the raw segmenter of the same backend
  (raw ``jieba.lcut`` / ``rjieba.cut`` over the same text); a cached re-run ≥ 20×
  faster than a cold one;
* theme matching ≥ 5 M chars/s;
* formula (提法) matching and directive scoring ≥ 5 M chars/s each; stated targets
  ≥ 1 M chars/s (zs.discourse on the cleaned text).

Results go to stdout and ``benchmarks/results/latest.json`` (not committed).
"""
from __future__ import annotations

import argparse
import json
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


def best(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def phase_clean(size: int) -> dict:
    import zhspeech as zs

    raw = "".join(corpus_text(size))
    zs.clean.clean_text(raw[:10000])  # load rules and OpenCC once
    seconds = best(lambda: zs.clean.clean_text(raw), 3)
    return {"chars": len(raw), "seconds": seconds, "chars_per_s": len(raw) / seconds, "goal_chars_per_s": 2e6}


def phase_structure(size: int) -> dict:
    import zhspeech as zs

    text = "".join(zs.clean.clean_text(t).text for t in corpus_text(size))[:size]
    seconds = best(lambda: zs.structure.parse_structure(text), 3)
    n = len(zs.structure.parse_structure(text))
    return {"chars": len(text), "bytes_utf8": len(text.encode("utf-8")), "sections": n, "seconds": seconds,
            "goal_seconds": 1.0}


def phase_tokenize(size: int, backend: str) -> dict:
    import jieba
    import rjieba

    import zhspeech as zs

    text = "".join(zs.clean.clean_text(t).text for t in corpus_text(size))
    tok = zs.tokenize.Tokenizer(backend=backend)
    tok.count(text[:1000])  # build the segmenter and the user-term automaton
    if backend == "jieba":
        zs.tokenize._quiet_jieba()
        jieba.initialize()
        raw = lambda: jieba.lcut(text)  # noqa: E731
    else:
        rjieba.cut("预热")
        raw = lambda: rjieba.cut(text)  # noqa: E731
    ours = lambda: tok.count(text)  # noqa: E731
    rounds = 1 if backend == "jieba" else 3
    t_raw, t_ours = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine state
        t_raw.append(best(raw, 1))
        t_ours.append(best(ours, 1))
    r, o = min(t_raw), min(t_ours)
    return {"backend": backend, "chars": len(text), "raw_seconds": r, "ours_seconds": o,
            "raw_chars_per_s": len(text) / r, "ours_chars_per_s": len(text) / o,
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
    return {"chars": len(text), "hits": hits, "seconds": seconds, "chars_per_s": len(text) / seconds,
            "goal_chars_per_s": 5e6}


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
    return {"chars": len(text), "rows": len(fn(text)), "seconds": seconds, "chars_per_s": len(text) / seconds,
            "cpu_seconds": min(cpu), "chars_per_cpu_s": len(text) / min(cpu), "goal_chars_per_s": goal}


PHASES = {
    "clean": lambda a: phase_clean(a.size),
    "structure": lambda a: phase_structure(a.doc_size),
    "tokenize-jieba": lambda a: phase_tokenize(a.size, "jieba"),
    "tokenize-rjieba": lambda a: phase_tokenize(a.size, "rjieba"),
    "cache-jieba": lambda a: phase_cache(a.size, "jieba"),
    "themes": lambda a: phase_themes(a.size),
    "formulas": lambda a: _discourse(a.size, "formulas", 5e6),
    "directives": lambda a: _discourse(a.size, "directives", 5e6),
    "targets": lambda a: _discourse(a.size, "targets", 1e6),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--phase", choices=list(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", choices=list(PHASES), help="run only these phases")
    args = parser.parse_args()
    args.size = 200_000 if args.quick else 5_000_000
    args.doc_size = 100_000 if args.quick else 1_000_000
    if args.phase:
        result = PHASES[args.phase](args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    results = {}
    for name in args.only or PHASES:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", name] + (["--quick"] if args.quick else [])
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
        r = results[name]
        summary = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}
        print(f"{name:16} {json.dumps(summary, ensure_ascii=False)}", flush=True)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / ("quick.json" if args.quick else "latest.json")).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
