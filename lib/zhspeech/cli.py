"""The ``zhspeech`` command: batch work with the same functions the notebooks call.

Exit status is 0 on success and 2 on bad input, with one line on stderr that names
the file (or theme, or pattern, or option) and the cause; 130 when interrupted
(Ctrl-C); 1 for a bug, with one line naming the file that holds the traceback;
3 when ``eval structure`` finds a document below its thresholds.
Outputs never overwrite an input and are written whole or not at all.
"""
from __future__ import annotations

import argparse
import re
import sys
import warnings
from pathlib import Path

from . import __version__
from .errors import UsageError, ZhspeechError, one_line, quote


def _emit(df, args, *, index: bool = False):
    import pandas as pd

    fmt = getattr(args, "format", "table")
    if fmt in ("json", "xlsx", "parquet") or getattr(args, "meta", None):
        from . import exports

        if exports.emit(df, args, index=index):  # written with its provenance record
            return
    if fmt == "csv":
        text = df.to_csv(index=index, lineterminator="\n")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                               "display.max_colwidth", 40, "display.unicode.east_asian_width", True):
            text = (df.to_string(index=index) if len(df) else "(no rows)") + "\n"
    if hasattr(args, "_memo_text"):
        args._memo_text = text
    _deliver(text, args)


def _deliver(text: str, args) -> None:
    out = getattr(args, "out", None)
    if out:
        from .output import write_text

        write_text(out, text, option="--out")
    else:
        sys.stdout.write(text)


def _documents(path: str, args=None):
    """Documents of a PATH that may be a file or a folder."""
    from . import corpus

    from .errors import DocumentError

    p = Path(path)
    if not p.exists():
        raise DocumentError(p, "no such file or folder")
    errors = getattr(args, "encoding_errors", "strict") if args is not None else "strict"
    if p.is_dir():
        docs = list(corpus.load_corpus(p, encoding_errors=errors))
    else:
        docs = [corpus.load_document(p, errors=errors)]
    for d in docs:
        if d.replacements:
            first = d.replacements[0][1]
            warnings.warn(f"{d.path}: {len(d.replacements)} undecodable byte sequence(s) replaced by U+FFFD "
                          f"(first at byte offset {first}); each is a 'decode' row of the edit log "
                          "(zhspeech clean --log)", stacklevel=2)
    return docs


def _analyses(path: str, args=None, stages=("sections", "tokens", "hits")):
    """Analyses of every document of PATH, with the whole theme lexicon: shares and ranks
    keep their meaning, and ``--theme`` selects rows of the result (:func:`_theme_rows`).
    Only the ``stages`` a command shows are computed (see pipeline.analyze)."""
    from . import pipeline, themes, tokenize

    lexicon = themes.load_lexicon(getattr(args, "lexicon", None), warn_shared=False) \
        if args and "hits" in stages else None
    if lexicon is not None and getattr(args, "theme", None):
        lexicon.select(args.theme)          # an unknown theme is an error before any work
    tok = tokenize.default_tokenizer(getattr(args, "backend", "rjieba") or "rjieba") if "tokens" in stages else None
    return [pipeline.analyze(d, tokenizer=tok, lexicon=lexicon, stages=stages)
            for d in _documents(path, args)], lexicon


class _Memo:
    """A command's finished output, kept in the cache and printed again when the
    command is repeated on unchanged inputs (see :func:`zhspeech.pipeline.output_key`).

    Used as ``with _Memo(...) as memo:``; ``memo.replayed`` says the output (and the
    warnings the first run gave) were printed and there is nothing left to do. On a
    miss, the warnings shown and the text :func:`_emit` writes are recorded and stored
    when the command succeeds, with ``memo.deps`` (the stage entries it was made from:
    a change to any of them makes it stale). Only plain outputs are kept (table, csv);
    json, xlsx, parquet and ``--meta`` carry a provenance record made at each run.
    """

    def __init__(self, args, verb: str, paths, stages, options: dict):
        self.args, self.verb, self.stages = args, verb, stages
        self.key = None
        self.replayed = False
        self.deps: dict = {}
        self.warned: list = []
        if getattr(args, "format", "table") not in ("table", "csv") or getattr(args, "meta", None) \
                or getattr(args, "no_cache", False):
            return
        from . import pipeline
        from .cache import Cache, file_digests

        self.cache = Cache()
        if not self.cache.usable:
            return
        try:
            files = _input_files(paths)
            digests = file_digests([f for _, f in files], self.cache)
            settings = _settings(args)
            self.key = pipeline.output_key(verb, options, [[label, d] for (label, _), d in zip(files, digests)],
                                           stages, settings)
        except OSError:
            return      # an unreadable input or lexicon: the command itself says so

    def __enter__(self):
        if self.key is None:
            return self
        import json

        data = self.cache.get_bytes("outputs", self.key)
        if data is not None:
            record = json.loads(data.decode("utf-8"))
            for category, message in record["warnings"]:
                warnings.warn(message, _warning_class(category), stacklevel=2)
            _deliver(record["text"], self.args)
            self.replayed = True
            return self
        self.args._memo_text = None
        self._shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            from .cache import CacheWarning

            if not issubclass(category, CacheWarning):
                self.warned.append((category.__name__, str(message)))
            self._shown(message, category, filename, lineno, file, line)
        warnings.showwarning = show
        return self

    def __exit__(self, kind, exc, tb):
        if self.key is None or self.replayed:
            return False
        import json

        warnings.showwarning = self._shown
        text = getattr(self.args, "_memo_text", None)
        del self.args._memo_text
        if kind is None and text is not None:
            record = {"text": text, "warnings": self.warned}
            self.cache.put_bytes("outputs", self.key, json.dumps(record, ensure_ascii=False).encode("utf-8"),
                                 deps=self.deps)
        return False


def _warning_class(name: str):
    import builtins

    from . import cache

    found = getattr(builtins, name, None) or getattr(cache, name, None)
    return found if isinstance(found, type) and issubclass(found, Warning) else UserWarning


# The file suffixes a folder's documents may have, and its manifest (corpus.SUPPORTED
# and manifest.csv; a test keeps them the same): the files an output key covers.
_INPUT_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".csv")


def _input_files(paths) -> list:
    """(label, file) of every file the command may read from each PATH: the file
    itself, or a folder's files that could be documents or its manifest."""
    import os

    out = []
    for i, path in enumerate(paths):
        p = Path(path)
        if p.is_dir():
            with os.scandir(p) as entries:
                names = sorted(e.name for e in entries
                               if e.is_file() and os.path.splitext(e.name)[1].lower() in _INPUT_SUFFIXES)
            out.extend((f"{i}/{n}", p / n) for n in names)
        elif p.is_file():
            out.append((f"{i}:{p.name}", p))
        else:
            raise FileNotFoundError(path)
    return out


def _settings(args):
    from .pipeline import Settings

    return Settings(backend=getattr(args, "backend", None) or "rjieba", lexicon=getattr(args, "lexicon", None),
                    encoding_errors=getattr(args, "encoding_errors", "strict") or "strict")


def _stages(path: str, args=None, *, lexicon=None):
    """The cached stages (:class:`zhspeech.pipeline.DocumentStages`) of every document
    of PATH, in the order :func:`_documents` gives them. Files are hashed (through the
    file-stat index), not decoded: a document is read only if a stage must be computed.
    With ``--encoding-errors replace`` every file is decoded first, so that each
    replacement is reported. ``lexicon``: the loaded theme lexicon, if the caller has it."""
    from . import corpus, pipeline
    from .cache import Cache, file_digests
    from .errors import DocumentError

    settings, cache = _settings(args), Cache(enabled=not getattr(args, "no_cache", False))
    p = Path(path)
    if not p.exists():
        raise DocumentError(p, "no such file or folder")
    if settings.encoding_errors != "strict":
        return [pipeline.DocumentStages(d.path, d.doc_id, d.sha256, settings=settings, cache=cache, document=d,
                                        lexicon=lexicon) for d in _documents(path, args)]
    listed = corpus.list_documents(p) if p.is_dir() or p.suffix.lower() in corpus.SUPPORTED else []
    try:
        digests = file_digests([f for f, _, _ in listed], cache)
    except OSError:
        digests = None
    if not listed or digests is None:   # let the reader say what is wrong, as it always has
        return [pipeline.DocumentStages(d.path, d.doc_id, d.sha256, settings=settings, cache=cache, document=d,
                                        lexicon=lexicon) for d in _documents(path, args)]
    return [pipeline.DocumentStages(f, doc_id, digest, settings=settings, cache=cache, lexicon=lexicon)
            for (f, doc_id, _row), digest in zip(listed, digests)]


def _theme_rows(df, args):
    wanted = getattr(args, "theme", None)
    return df[df["theme"].isin(wanted)].reset_index(drop=True) if wanted else df


def cmd_clean(args):
    """Cleaned text to stdout (or --out); the edit log to --log. With --format csv/json
    and no --log, the edit log is what goes to stdout."""
    import pandas as pd

    from . import clean

    from .output import write_text

    texts, logs = [], []
    for doc in _documents(args.path, args):
        c = clean.clean_document(doc)
        texts.append(c.text)
        logs.append(c.edits)
    log = pd.concat(logs, ignore_index=True)
    if args.log:
        write_text(args.log, log.to_csv(index=False, lineterminator="\n"), option="--log")
    if args.format != "table" and not args.log:
        _emit(log, args)
    elif args.out:
        write_text(args.out, "".join(texts), option="--out")
    else:
        sys.stdout.write("".join(texts))


def cmd_sections(args):
    with _Memo(args, "sections", [args.path], ["sections"], _options(args)) as memo:
        if not memo.replayed:
            _sections(args, memo)


def _options(args, *, drop=("path", "paths", "items")) -> dict:
    """The options that shape a command's output (for its output key)."""
    return {k: v for k, v in vars(args).items() if k not in ("func", "out", "meta", *drop) and not k.startswith("_")}


def _sections(args, memo):
    import pandas as pd

    frames = []
    for ds in _stages(args.path, args):
        s = ds.get("sections")
        memo.deps.update(ds.deps("sections"))
        if args.depth:
            s = s[s["level"] <= args.depth]
        frames.append(s)
    df = pd.concat(frames, ignore_index=True)
    if args.format == "table":
        cols = ["doc_id", "section_id", "level", "kind", "label", "heading", "start", "end", "chars", "hanzi",
                "sentences", "share", "declared_items", "items", "warnings"]
        df = df[cols].assign(share=df["share"].round(3))
    _emit(df, args)


def cmd_freq(args):
    """Term frequencies. Rates are per 10,000 counted tokens of the document or section;
    --pos, --generic-verbs and lone characters only choose which rows are shown."""
    stage = f"terms-{args.by}"
    with _Memo(args, "freq", [args.path], [stage], _options(args)) as memo:
        if not memo.replayed:
            _freq(args, memo, stage)


def _freq(args, memo, stage):
    from . import lexicons, paths, pipeline, stats, tokenize

    frames = []
    for ds in _stages(args.path, args):
        frames.append(ds.get(stage))
        memo.deps.update(ds.deps(stage))
    terms = pipeline.combine_terms(frames)
    if args.pos:
        tags = tokenize.default_tokenizer(args.backend).tags(terms["term"].unique())
        wanted = tuple(p.strip() for p in args.pos.split(","))
        terms = terms[terms["term"].map(tags).str.startswith(wanted)]
    if args.generic_verbs:
        generic = lexicons.load_stopwords(paths.lexicon("stopwords_generic.txt"))
        terms = terms[~terms["term"].isin(generic)]
    if not args.single_chars:
        terms = stats.drop_single_chars(terms)
    terms = terms.groupby(["doc_id", "section_id"], sort=False).head(args.top)
    _emit(terms.assign(per_10k=terms["per_10k"].round(2)).reset_index(drop=True), args)


def cmd_count(args):
    """Substring and token counts of each TERM in each document, side by side."""
    import pandas as pd

    from . import stats

    terms, targets = _split_terms_and_paths(args.items)
    with _Memo(args, "count", targets, ["tokens"], {**_options(args), "terms": terms}) as memo:
        if memo.replayed:
            return
        frames = []
        for target in targets:
            for ds in _stages(target, args):
                frames.append(stats.count_conventions(terms, ds.get("cleaned"), ds.get("tokens"), doc_id=ds.doc_id))
                memo.deps.update(ds.deps("tokens"))
        _emit(pd.concat(frames, ignore_index=True), args)


def _split_terms_and_paths(items: list[str]) -> tuple[list[str], list[str]]:
    """``TERM… PATH…``: the paths are the trailing items that exist or look like paths
    (a folder separator or a file suffix); at least one of each."""
    from .errors import DocumentError

    def pathlike(x):
        return Path(x).exists() or "/" in x or "\\" in x or Path(x).suffix.lower() in (".txt", ".docx", ".pdf", ".md")

    k = len(items)
    while k > 0 and pathlike(items[k - 1]):
        k -= 1
    terms, targets = items[:k], items[k:]
    if not targets:
        raise ZhspeechError("count", "give the terms, then at least one file or folder")
    if not terms:
        raise ZhspeechError("count", "give at least one term before the files")
    for t in targets:
        if not Path(t).exists():
            raise DocumentError(t, "no such file or folder")
    return terms, targets


def cmd_kwic(args):
    import pandas as pd

    from . import stats

    if not args.term:
        raise UsageError("TERM", "empty search term")
    if args.regex:
        import re

        try:
            re.compile(args.term)
        except re.error as exc:
            raise UsageError("TERM", f"invalid regular expression {quote(args.term)} ({exc})") from None
    with _Memo(args, "kwic", [args.path], ["sections"], _options(args)) as memo:
        if memo.replayed:
            return
        frames = []
        for ds in _stages(args.path, args):
            frames.append(stats.kwic(ds.get("cleaned"), args.term, window=args.window, regex=args.regex,
                                     doc_id=ds.doc_id, sections=ds.get("sections")))
            memo.deps.update(ds.deps("sections"))
        _emit(pd.concat(frames, ignore_index=True), args)


def cmd_themes(args):
    stage = f"emphasis-{args.by}"
    with _Memo(args, "themes", [args.path], [stage], _options(args)) as memo:
        if not memo.replayed:
            _themes(args, memo, stage)


def _themes(args, memo, stage):
    import pandas as pd

    from . import themes

    lexicon = themes.load_lexicon(getattr(args, "lexicon", None), warn_shared=False)
    if args.theme:
        lexicon.select(args.theme)          # an unknown theme is an error before any work
    frames = []
    for ds in _stages(args.path, args, lexicon=lexicon):
        frames.append(ds.get(stage))
        memo.deps.update(ds.deps(stage))
    df = _theme_rows(pd.concat(frames, ignore_index=True), args)
    for col in ("per_1k_hanzi", "sentence_share", "hit_share", "doc_share"):
        df[col] = df[col].round(3)
    _emit(df, args)


def cmd_compare(args):
    from . import compare as cmp

    analyses, lexicon = [], None
    for p in args.paths:
        found, lexicon = _analyses(p, args)
        analyses.extend(found)
    # The whole lexicon (--lexicon or the bundled one) goes to compare(); --theme picks columns.
    result = cmp.compare(analyses, with_reference=args.reference, lexicon=lexicon)
    profile = result.profile[args.theme] if args.theme else result.profile
    what = {"profile": profile, "keyness": result.keyness.head(args.top),
            "similarity": result.similarity}[args.show]
    _emit(what.round(3) if args.show != "keyness" else what, args, index=args.show != "keyness")


def cmd_methods(args):
    import json

    from . import provenance

    rec = provenance.record(args.paths, tokenizer=args.backend, reference=args.reference,
                            lexicons={"themes.yaml": args.lexicon} if args.lexicon else None,
                            command="zhspeech methods")
    if args.json:
        print(json.dumps(rec, ensure_ascii=False, indent=1))
        return
    langs = ["zh", "en"] if args.lang == "both" else [args.lang]
    print("\n\n".join(provenance.methods_text(rec, lang) for lang in langs))


def _discourse_inputs(args):
    """(doc_id, cleaned, sections) for every document of every PATH."""
    from . import clean, structure

    for path in args.paths:
        for doc in _documents(path, args):
            c = clean.clean_document(doc)
            yield doc.doc_id, c, structure.parse_structure(c.text, doc.doc_id)


def cmd_formulas(args):
    import pandas as pd

    from . import discourse

    tifa = discourse.load_tifa(args.lexicon)
    hits = pd.concat([discourse.find_formulas(c, s, lexicon=tifa, doc_id=d, candidates=not args.listed_only)
                      for d, c, s in _discourse_inputs(args)], ignore_index=True)
    _emit(hits if args.hits else discourse.count_formulas(hits, by=args.by), args)


def cmd_directives(args):
    import pandas as pd

    from . import discourse

    marks = discourse.load_directives(args.lexicon)
    frames = []
    for d, c, s in _discourse_inputs(args):
        force = discourse.directive_force(c, s, lexicon=marks, doc_id=d)
        if args.sentences:
            # every sentence with its review flag, unless --review asks for one kind
            if args.review in ("exclude", "only"):
                force = force[force["review"].astype(bool) == (args.review == "only")]
            frames.append(force)
        else:
            frames.append(discourse.directive_shares(force, s, by=args.by, review=args.review or "exclude"))
    df = pd.concat(frames, ignore_index=True)
    if not args.sentences:
        df["share"] = df["share"].round(3)
    _emit(df, args)


def cmd_targets(args):
    import pandas as pd

    from . import discourse

    rules = discourse.load_target_rules(args.rules)
    df = pd.concat([discourse.targets(c, s, rules=rules, doc_id=d) for d, c, s in _discourse_inputs(args)],
                   ignore_index=True)
    if args.scope != "all":
        df = df[df["scope"] == args.scope]
    if args.by == "doc":
        df = df.drop(columns=["section_id", "top_id"])
    _emit(df.reset_index(drop=True), args)


def cmd_build_reference(args):
    from . import reference

    tables = reference.build_reference([Path(p) for p in args.source], args.out, progress=not args.quiet)
    out = args.out or "data/reference"
    print(f"wrote {len(tables['documents'])} documents, {len(tables['sections'])} sections, "
          f"{len(tables['terms'])} term counts and {len(tables['theme_hits'])} theme hits to {out}")


def cmd_index(args):
    from . import store

    summary = store.index(args.folder, args.out, workers=args.workers, scheduler=args.scheduler,
                          backend=args.backend, lexicon=args.lexicon, chunk_chars=args.chunk_chars,
                          progress=not args.quiet, discourse=args.discourse,
                          encoding_errors=args.encoding_errors)
    print(summary.line())


def cmd_cache(args):
    from .cache import Cache

    cache = Cache()
    where = cache.folder
    if args.clear or args.prune is not None:
        limit = 0 if args.clear else int(args.prune * 1_000_000)
        removed, freed = cache.prune(limit)
        print(f"removed {removed} {_plural(removed, 'entry', 'entries')} ({_size(freed)}) from {where}")
    usage = cache.usage()
    entries = sum(n for n, _ in usage.values())
    size = sum(b for _, b in usage.values())
    print(f"{where}: {entries} {_plural(entries, 'entry', 'entries')}, {_size(size)}")
    for name, (n, b) in sorted(usage.items()):
        print(f"  {name:<16} {n:>7} {_size(b):>10}")


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def cmd_query(args):
    from . import store

    verbs = [v for v in ("trend", "top_terms", "theme_share") if getattr(args, v)]
    if bool(args.sql) + len(verbs) != 1:
        raise ZhspeechError("query", "give either one SQL query or one of --trend, --top-terms, --theme-share")
    with store.open(args.store) as st:
        if args.sql:
            df = st.sql(args.sql)
        elif args.trend:
            df = st.term_trend(args.trend, by=args.by or "year")
        elif args.top_terms:
            df = st.top_terms(by=args.by or "genre", n=args.top_terms)
        else:
            df = st.theme_share(by=args.by or "kind")
    _emit(df, args)


def cmd_report(args):
    from . import report

    out = Path(args.out or report.paths.project_root() / "reports")
    results = report.build_reports(args.notebooks, out, no_input=args.no_input, parameters=args.param or [],
                                   progress=not args.quiet)
    failed = [r for r in results if not r.ok]
    for r in results:
        if r.ok:
            print(f"wrote {paths_display(r.html)}")
    print(f"wrote {paths_display(out / 'index.html')}")
    for r in failed:
        print(f"zhspeech: error: {r.notebook}: {r.error}", file=sys.stderr)
    return 2 if failed else 0


# `eval structure`: a document below the thresholds is a result, not a bug (1) or bad input (2)
BELOW_THRESHOLDS = 3


def cmd_eval_structure(args):
    from . import evaluate

    table = evaluate.evaluate_structure(args.gold, args.texts, min_recall=args.min_recall,
                                        min_precision=args.min_precision, max_misassigned=args.max_misassigned,
                                        max_false_warnings=args.max_false_warnings, min_linked=args.min_linked)
    if args.format == "table":
        shown = table.assign(recall=table["recall"].round(3), precision=table["precision"].round(3),
                             misassigned=table["misassigned"].round(4))
        _emit(shown, args)
    else:
        _emit(table, args)
    failed = table[~table["ok"]]
    if len(failed):
        print(f"zhspeech: {len(failed)} of {len(table)} documents below the thresholds: "
              f"{', '.join(failed['doc_id'])}", file=sys.stderr)
        return BELOW_THRESHOLDS
    return 0


def paths_display(p) -> str:
    from . import paths

    try:
        return str(Path(p).resolve().relative_to(Path.cwd()))
    except ValueError:
        return paths.display(p)


class _Parser(argparse.ArgumentParser):
    """argparse with the one-line error format: ``zhspeech: error: OPTION: cause``."""

    def error(self, message):
        m = re.match(r"argument ([^:]+): (.*)", message, re.S)
        if m:
            where, cause = m.group(1).split("/")[-1], m.group(2)
        elif message.startswith("the following arguments are required: "):
            where = message.split(": ", 1)[1]
            cause = f"required; see '{self.prog} --help'"
        elif message.startswith("unrecognized arguments: "):
            where, cause = message.split(": ", 1)[1], f"unknown option or extra argument; see '{self.prog} --help'"
        else:
            where, cause = self.prog, message
        raise UsageError(one_line(where, 80), one_line(cause, 200))


def _share(text: str) -> float:
    """argparse type: a number from 0 to 1 (a share)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {quote(text)}") from None
    if not 0 <= value <= 1:      # also refuses nan
        raise argparse.ArgumentTypeError(f"must be from 0 to 1, got {text}")
    return value


def _whole_number(low: int):
    """argparse type: a whole number ≥ ``low``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number ≥ {low}, got {quote(text)}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value
    return parse


_at_least_zero, _at_least_one = _whole_number(0), _whole_number(1)


def _megabytes(text: str) -> float:
    """argparse type: a size in megabytes, ≥ 0 (decimals allowed)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of megabytes, got {quote(text)}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number ≥ 0, got {quote(text)}")
    return value


def _no_cache(p):
    p.add_argument("--no-cache", action="store_true",
                   help="compute every stage afresh, reading and writing no cache entry")


def _encoding_errors(p):
    p.add_argument("--encoding-errors", choices=["strict", "replace"], default="strict",
                   help="'replace' reads text with damaged bytes, replacing each by U+FFFD and logging it "
                        "as a 'decode' edit (default: strict, the error names the byte offset)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="zhspeech", description="Analyse Chinese political speeches and reports.")
    parser.add_argument("--version", action="version", version=f"zhspeech {__version__}")
    sub = parser.add_subparsers(dest="verb", required=True, metavar="VERB", parser_class=_Parser)

    def common(p, formats=True):
        _encoding_errors(p)
        if formats:
            p.add_argument("--format", choices=["table", "csv", "json", "xlsx", "parquet"], default="table",
                           help="json/xlsx/parquet carry the provenance record (xlsx/parquet need --out)")
            p.add_argument("--out", help="write to this file instead of standard output")
            p.add_argument("--meta", metavar="FILE", help="also write the provenance record (JSON) to FILE")

    p = sub.add_parser("report", help="execute the notebooks and write HTML reports with an index")
    p.add_argument("--out", default=None, help="folder for the reports (default: reports/)")
    p.add_argument("--notebooks", default="*.ipynb", help="glob or prefix of notebook names (default: all)")
    p.add_argument("--no-input", action="store_true", help="hide code cells (reports for readers)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="notebook parameter (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("clean", help="cleaned text to stdout; the edit log as CSV")
    p.add_argument("path")
    p.add_argument("--log", help="write the edit log (CSV) to this file")
    common(p)
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("sections", help="the sections table")
    p.add_argument("path")
    p.add_argument("--depth", type=_at_least_one, default=None, help="only sections up to this level (≥ 1)")
    common(p)
    _no_cache(p)
    p.set_defaults(func=cmd_sections)

    p = sub.add_parser("freq", help="term frequencies")
    p.add_argument("path")
    p.add_argument("--by", choices=["doc", "section"], default="doc")
    p.add_argument("--top", type=_at_least_one, default=30, help="rows per document or section (≥ 1)")
    p.add_argument("--pos", help="keep parts of speech starting with these jieba tags, e.g. n,v")
    p.add_argument("--generic-verbs", action="store_true", help="also drop generic verbs (加强, 推进, …)")
    p.add_argument("--single-chars", action="store_true",
                   help="show lone characters too (default: only those in single_char_terms.txt)")
    p.add_argument("--backend", choices=["jieba", "rjieba"], default="rjieba",
                   help="segmenter (identical tokens; rjieba is faster)")
    common(p)
    _no_cache(p)
    p.set_defaults(func=cmd_freq)

    p = sub.add_parser("count", help="substring and token counts of terms, side by side",
                       description="For each TERM in each document: its substring count (as newspapers "
                                   "count), its token count (as frequency tables count) and the words that "
                                   "absorb the difference.")
    p.add_argument("items", nargs="+", metavar="TERM… PATH…", help="terms, then files or folders")
    p.add_argument("--backend", choices=["jieba", "rjieba"], default="rjieba")
    common(p)
    _no_cache(p)
    p.set_defaults(func=cmd_count)

    p = sub.add_parser("kwic", help="concordance lines")
    p.add_argument("path")
    p.add_argument("term")
    p.add_argument("--window", type=_at_least_one, default=20, help="characters of context on each side (≥ 1)")
    p.add_argument("--regex", action="store_true", help="TERM is a regular expression")
    common(p)
    _no_cache(p)
    p.set_defaults(func=cmd_kwic)

    p = sub.add_parser("themes", help="theme emphasis")
    p.add_argument("path")
    p.add_argument("--by", choices=["doc", "section"], default="doc")
    p.add_argument("--lexicon", help="a theme lexicon (YAML like themes.yaml, or CSV theme,term)")
    p.add_argument("--theme", action="append", help="only this theme (repeatable)")
    common(p)
    _no_cache(p)
    p.set_defaults(func=cmd_themes)

    p = sub.add_parser("compare", help="theme profiles, keyness and similarity across documents")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--reference", action="store_true", help="add the comparable corpus (data/reference/)")
    p.add_argument("--show", choices=["profile", "keyness", "similarity"], default="profile")
    p.add_argument("--top", type=_at_least_one, default=30, help="rows of keyness to show (≥ 1)")
    p.add_argument("--lexicon", help="a theme lexicon file")
    p.add_argument("--theme", action="append", help="only this theme (repeatable)")
    common(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("methods", help="a methods paragraph (Chinese and English) for a paper")
    p.add_argument("paths", nargs="*", metavar="PATH", help="the texts analysed (files or folders)")
    p.add_argument("--backend", choices=["jieba", "rjieba"], default="rjieba")
    p.add_argument("--lexicon", help="the theme lexicon used, if not the bundled one")
    p.add_argument("--reference", action="store_true", help="the comparable corpus (data/reference/) was used")
    p.add_argument("--lang", choices=["zh", "en", "both"], default="both")
    p.add_argument("--json", action="store_true", help="print the provenance record instead")
    p.set_defaults(func=cmd_methods)

    p = sub.add_parser("formulas", help="提法 and numbered formulas: listed and candidate hits")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--by", choices=["doc", "section"], default="doc")
    p.add_argument("--hits", action="store_true", help="one row per hit with offsets instead of counts")
    p.add_argument("--listed-only", action="store_true", help="no candidates found by rule")
    p.add_argument("--lexicon", help="a 提法 lexicon (YAML like data/lexicons/tifa.yaml)")
    common(p)
    p.set_defaults(func=cmd_formulas)

    p = sub.add_parser("directives", help="directive force: shares of sentences by level")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--by", choices=["doc", "section"], default="doc")
    p.add_argument("--sentences", action="store_true", help="one row per sentence with its strongest marker")
    p.add_argument("--review", choices=["exclude", "include", "only"],
                   help="sentences reporting past work (一年来…取得了, 推进了): left out of the shares by default; "
                        "--sentences lists them all with a review column unless this is given")
    p.add_argument("--lexicon", help="a directive lexicon (YAML like data/lexicons/directives.yaml)")
    common(p)
    p.set_defaults(func=cmd_directives)

    p = sub.add_parser("targets", help="stated quantitative targets")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--by", choices=["doc", "section"], default="doc")
    p.add_argument("--scope", choices=["main", "other", "all"], default="all")
    p.add_argument("--rules", help="target-writing rules (YAML like data/lexicons/targets.yaml)")
    common(p)
    p.set_defaults(func=cmd_targets)

    p = sub.add_parser("corpus", help="corpus maintenance")
    csub = p.add_subparsers(dest="corpus_verb", required=True, metavar="ACTION")
    b = csub.add_parser("build-reference", help="rebuild data/reference/ from a folder of texts")
    b.add_argument("--from", dest="source", action="append", required=True, metavar="DIR",
                   help="folder of texts (repeatable; texts/ and speeches/ inside are read)")
    b.add_argument("--out", default=None, help="output folder (default: data/reference/)")
    b.add_argument("--quiet", action="store_true")
    b.set_defaults(func=cmd_build_reference)
    b = csub.add_parser("index", help="build or update a corpus store (Parquet tables, queried with `zhspeech query`)")
    b.add_argument("folder", metavar="FOLDER", help="a folder of texts (sub-folders included) or one file")
    b.add_argument("--out", required=True, metavar="STORE", help="the store folder (created or updated)")
    b.add_argument("--workers", type=_at_least_one, default=None, help="processes (default: all cores)")
    b.add_argument("--scheduler", default=None, metavar="ADDR",
                   help="local (default), dask (a local Dask cluster) or tcp://HOST:PORT (a running one)")
    b.add_argument("--backend", choices=["jieba", "rjieba"], default="rjieba",
                   help="segmenter (identical tokens; rjieba is faster)")
    b.add_argument("--lexicon", help="a theme lexicon file (default: the bundled themes.yaml)")
    b.add_argument("--chunk-chars", type=int, default=500_000, metavar="N",
                   help="read documents longer than N characters in chunks (default 500,000)")
    b.add_argument("--encoding-errors", choices=["strict", "replace"], default="strict",
                   help="undecodable bytes: stop (strict, default) or read them as U+FFFD (replace)")
    b.add_argument("--no-discourse", dest="discourse", action="store_false",
                   help="leave out the formulas, directives and targets tables (faster)")
    b.add_argument("--quiet", action="store_true", help="no progress bar")
    b.set_defaults(func=cmd_index)

    b = csub.add_parser("cache", help="where the cache is and what it holds; --prune MB or --clear to shrink it")
    how = b.add_mutually_exclusive_group()
    how.add_argument("--prune", type=_megabytes, metavar="MB",
                     help="remove the least recently used entries until at most MB megabytes are left")
    how.add_argument("--clear", action="store_true", help="remove every entry")
    b.set_defaults(func=cmd_cache)

    p = sub.add_parser("query", help="ask a corpus store a question (SQL through DuckDB, or a ready one)")
    p.add_argument("store", metavar="STORE", help="a store folder, or 'reference' for data/reference/")
    p.add_argument("sql", nargs="?", metavar="SQL",
                   help="tables: documents, sections, terms, section_terms, theme_hits")
    p.add_argument("--trend", action="append", metavar="TERM", help="a term's use per --by (default year)")
    p.add_argument("--top-terms", type=_at_least_one, metavar="N", help="the N most frequent terms per --by (default genre)")
    p.add_argument("--theme-share", action="store_true", help="theme hits per section --by (default kind)")
    p.add_argument("--by", help="a documents column (year, issuer, level, genre, group) or, for "
                                "--theme-share, a sections column")
    common(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("eval", help="score a stage against hand-made gold files")
    esub = p.add_subparsers(dest="eval_verb", required=True, metavar="STAGE")
    e = esub.add_parser("structure", help="score the structure parser against gold outlines (*.tsv)")
    e.add_argument("gold", metavar="GOLD_DIR", help="folder of gold outlines, one <doc_id>.tsv per text")
    e.add_argument("texts", metavar="TEXT_DIR", nargs="?", default=None,
                   help="folder of the texts (read recursively; default: GOLD_DIR)")
    e.add_argument("--min-recall", type=_share, default=1.0, help="headings found / expected (default 1.0)")
    e.add_argument("--min-precision", type=_share, default=1.0, help="headings right / found (default 1.0)")
    e.add_argument("--max-misassigned", type=_share, default=0.01,
                   help="share of characters in the wrong section (default 0.01)")
    e.add_argument("--max-false-warnings", type=_at_least_zero, default=0, help="warnings the gold does not expect (default 0)")
    e.add_argument("--min-linked", type=_share, default=1.0,
                   help="share of announced counts linked as in the gold (default 1.0)")
    common(e)
    e.set_defaults(func=cmd_eval_structure)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line each: ``zhspeech: warning: ...``."""
    print(f"zhspeech: warning: {one_line(message)}", file=file or sys.stderr)


def _save_traceback() -> str:
    import tempfile
    import traceback

    try:
        fd, name = tempfile.mkstemp(prefix="zhspeech-traceback-", suffix=".txt")
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(f"zhspeech {__version__}, argv: {sys.argv!r}\n\n{traceback.format_exc()}")
        return name
    except OSError as exc:
        return f"(could not be saved: {exc.strerror})"


def _check_outputs(args) -> None:
    """Refuse --out/--log that would overwrite an input or each other (before any work)."""
    from .output import check_outputs

    if args.verb in ("report", "corpus"):
        return
    inputs = [*(getattr(args, "paths", None) or []), *(getattr(args, "items", None) or []),
              *([args.path] if getattr(args, "path", None) else [])]
    for option in ("lexicon", "rules", "gold", "texts", "store"):
        if getattr(args, option, None):
            inputs.append(getattr(args, option))
    if getattr(args, "store", None) == "reference" and not Path("reference").exists():
        from . import paths

        inputs.append(paths.reference_dir())
    outputs = {"--out": getattr(args, "out", None), "--log": getattr(args, "log", None)}
    check_outputs(outputs, [p for p in inputs if Path(p).exists()])


def main(argv=None) -> int:
    """Run the command; return the exit status (0, 2 bad input, 130 interrupted, 1 bug)."""
    import errno

    warnings.simplefilter("default")
    old_show = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        args = build_parser().parse_args(argv)
        _check_outputs(args)
        code = args.func(args)
        sys.stdout.flush()
    except ZhspeechError as exc:
        print(f"zhspeech: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("zhspeech: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            _quiet_stdout()
            return 0
        if exc.filename is None:  # writing to stdout (a full disk, a closed terminal)
            _quiet_stdout()
            print(f"zhspeech: error: standard output: cannot write ({exc.strerror or exc})", file=sys.stderr)
            return 2
        print(f"zhspeech: error: {one_line(exc.filename)}: {exc.strerror or type(exc).__name__}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else 2
    except Exception as exc:
        where = _save_traceback()
        print(f"zhspeech: internal error: {type(exc).__name__}: {one_line(str(exc), 200)} "
              f"(a bug in zhspeech; traceback saved to {where})", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = old_show
    return int(code or 0)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so Python's exit-time flush cannot fail a second time."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout replaced by a non-file object (tests): nothing to flush
        return


if __name__ == "__main__":
    sys.exit(main())
