"""The corpus store: a folder of texts analysed once, kept as Parquet tables, asked
questions later with SQL.

``index(FOLDER, NAME)`` (``zhspeech corpus index FOLDER --out NAME``) runs the pipeline
once per document and writes, under ``NAME/``::

    documents/      doc_id, title, date, year, issuer, level, genre, group, path, format,
                    encoding, raw_chars, chars, hanzi, sentences, tokens, chunks, sha256
    sections/       the sections table (+ chunk)
    terms/          doc_id, term, n              counted tokens per document
    section_terms/  doc_id, section_id, term, n  per top-level section
    theme_hits/     doc_id, section_id, top_id, theme, subtheme, term, matched, start, end,
                    sentence (index of the sentence holding the hit)
    formulas/       提法 hits (zhspeech.discourse.find_formulas)
    directives/     each sentence's directive force and review flag (directive_force)
    targets/        stated targets (discourse.targets)
    manifest.json   tool version, lexicon hashes, tokenizer, and for each document its
                    sha256 and the part files that hold its rows

Each table is a Parquet dataset of part files. Work is split into tasks of a few
documents; a task streams each document's rows into its own part files, so memory is
bounded by the largest document, never by the corpus. A document longer than
``chunk_chars`` is read in chunks cut at paragraph boundaries (offsets stay those of
the whole cleaned text). Tasks run in-process (``workers=1``), in a local process pool,
or on a Dask cluster (``scheduler="dask"`` starts a local one; ``"tcp://HOST:PORT"``
uses a running one, whose workers must see the store folder).

The manifest is written last, atomically (a temporary file renamed over the old one),
and only part files it lists are read: a run that crashes, is interrupted or fails on a
bad document leaves the previous store readable and unchanged. A lock file stops a
second index run on the same store while one is writing. Re-indexing reads only new or
changed documents (by sha256 of the file and of its metadata); changing a lexicon, the
tokenizer or zhspeech itself re-indexes everything.

``open(NAME)`` returns a :class:`Store`: SQL through DuckDB (embedded, nothing to
start) over views named after the tables, and ready questions (:meth:`Store.term_trend`,
:meth:`Store.top_terms`, :meth:`Store.theme_share`). ``data/reference/`` opens the same
way (``open("reference")``).
"""
from __future__ import annotations

import builtins
import functools
import hashlib
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import __version__
from .errors import EmptyCorpusError, ZhspeechError

FORMAT = 1
MANIFEST = "manifest.json"
LOCK = ".lock"
TABLES = ("documents", "sections", "terms", "section_terms", "theme_hits", "formulas", "directives", "targets")
DISCOURSE_TABLES = ("formulas", "directives", "targets")
CHUNK_CHARS = 500_000        # documents longer than this are read in chunks
TASK_CHARS = 1_000_000       # input bytes per task, at least (a task holds at least one document)
TASK_CHARS_MAX = 4_000_000   # at most (while every worker still gets TASKS_PER_WORKER tasks)
TASK_DOCS = 64               # documents per task, at most (TASK_DOCS_MAX with larger tasks)
TASK_DOCS_MAX = 256
TASKS_PER_WORKER = 4
FLUSH_ROWS = 200_000         # rows buffered per table before they are written
ROW_GROUP_ROWS = 8_192       # rows per row group of the tables sorted by term
COMPRESSION = "snappy"       # Parquet's default codec: per column chunk, half zstd's fixed cost
SORTED_BY_TERM = ("terms", "section_terms")
DOC_FIELDS = ("title", "date", "issuer", "level", "genre")


class StoreError(ZhspeechError):
    """A store is missing, incomplete, corrupt, or busy with another index run."""


@lru_cache(maxsize=1)
def _schemas():
    import pyarrow as pa

    s, i, f, b = pa.string(), pa.int64(), pa.float64(), pa.bool_()
    return {
        "documents": pa.schema([("doc_id", s), ("title", s), ("date", s), ("year", i), ("issuer", s),
                                ("level", s), ("genre", s), ("group", s), ("path", s), ("format", s),
                                ("encoding", s), ("raw_chars", i), ("chars", i), ("hanzi", i),
                                ("sentences", i), ("tokens", i), ("chunks", i), ("sha256", s)]),
        "sections": pa.schema([("doc_id", s), ("chunk", i), ("section_id", s), ("parent_id", s), ("level", i),
                               ("kind", s), ("label", s), ("ordinal", f), ("heading", s), ("start", i),
                               ("end", i), ("chars", i), ("hanzi", i), ("sentences", i),
                               ("declared_items", f), ("items", i), ("share", f), ("top_id", s),
                               ("is_leaf", b), ("warnings", s)]),
        "terms": pa.schema([("doc_id", s), ("term", s), ("n", i)]),
        "section_terms": pa.schema([("doc_id", s), ("section_id", s), ("term", s), ("n", i)]),
        "theme_hits": pa.schema([("doc_id", s), ("section_id", s), ("top_id", s), ("theme", s),
                                 ("subtheme", s), ("term", s), ("matched", s), ("start", i), ("end", i),
                                 ("sentence", i)]),
        # the discourse tables (zhspeech.discourse): 提法 hits, each sentence's directive
        # force, stated targets
        "formulas": pa.schema([("doc_id", s), ("section_id", s), ("top_id", s), ("formula", s), ("matched", s),
                               ("status", s), ("rule", s), ("kind", s), ("start", i), ("end", i)]),
        "directives": pa.schema([("doc_id", s), ("section_id", s), ("top_id", s), ("sentence", i), ("start", i),
                                 ("end", i), ("level", s), ("marker", s), ("marker_start", i), ("marker_end", i),
                                 ("markers", i), ("review", b)]),
        "targets": pa.schema([("doc_id", s), ("section_id", s), ("top_id", s), ("scope", s), ("indicator", s),
                              ("low", f), ("high", f), ("unit", s), ("modifier", s), ("bound", s), ("aim", s),
                              ("direction", s), ("mask", s), ("start", i), ("end", i), ("value_start", i)]),
    }


# -- settings shared by the driver and the workers ---------------------------------------

@dataclass(frozen=True)
class Settings:
    """What a task needs to rebuild the same tokenizer and lexicon in any process."""

    backend: str = "rjieba"
    lexicon: str | None = None          # a theme lexicon file; None = the bundled one
    chunk_chars: int = CHUNK_CHARS
    discourse: bool = True              # also the formulas, directives and targets tables
    encoding_errors: str = "strict"     # "replace": undecodable bytes read as U+FFFD

    @property
    def tables(self) -> tuple:
        return TABLES if self.discourse else tuple(t for t in TABLES if t not in DISCOURSE_TABLES)


def fingerprint(settings: Settings) -> dict:
    """Everything that changes the tables: tool version, tokenizer, lexicon hashes."""
    from . import lexicons, paths

    tok, lex = _tools(settings)
    return {"format": FORMAT, "tool_version": __version__, "tokenizer": f"{tok.backend}, HMM {tok.hmm}",
            "chunk_chars": settings.chunk_chars, "tables": list(settings.tables),
            "encoding_errors": settings.encoding_errors,
            "lexicons": {"themes": lex.digest, "userdict": tok.userdict.digest,
                         "stopwords": tok.config.stopwords_hash,
                         **{name: lexicons.file_hash(paths.lexicon(f"{name}.{ext}"))
                            for name, ext in (("corrections", "tsv"), ("structure", "yaml"),
                                              ("redactions", "yaml"), ("boilerplate", "yaml"),
                                              ("tifa", "yaml"), ("numbered_formulas", "txt"),
                                              ("directives", "yaml"), ("targets", "yaml"))}}}


_TOOLS: dict = {}


def _tools(settings: Settings):
    """The tokenizer and theme lexicon of ``settings``, built once per process."""
    key = (settings.backend, settings.lexicon)
    if key not in _TOOLS:
        from . import themes, tokenize

        _TOOLS[key] = (tokenize.Tokenizer(backend=settings.backend),
                       themes.load_lexicon(settings.lexicon, warn_shared=False))
    return _TOOLS[key]


_VOCABULARIES: dict = {}


def _vocabulary(tokenizer) -> "_Vocabulary":
    """The counted words of one tokenizer, kept for the life of the process: each
    distinct word is classified once, not once per document."""
    if id(tokenizer) not in _VOCABULARIES:
        _VOCABULARIES[id(tokenizer)] = (tokenizer, _Vocabulary(tokenizer))
    return _VOCABULARIES[id(tokenizer)][1]


_BY_NUMBER: dict = {}      # id(vocabulary) -> [the tokenizer's numbered words, numbers]
_BY_NUMBER_LOCK = threading.Lock()


def _vocabulary_numbers(vocabulary: "_Vocabulary", table, ids):
    """Each token's number among ``vocabulary``'s counted words (-1: not counted), from
    its number ``ids`` in the tokenizer's numbered words ``table``
    (:meth:`Tokenizer.segment_numbered`): one array lookup per token, through an array
    indexed by the table's numbers (-2: not looked up yet) that grows with the table.

    The words not looked up yet are looked up in ``vocabulary`` in the order they first
    occur among ``ids``, which is the order looking every token up would number them in.
    A tokenizer that starts its numbering again (a new table) starts a new array."""
    import numpy as np

    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    top = int(ids.max()) + 1
    with _BY_NUMBER_LOCK:
        entry = _BY_NUMBER.get(id(vocabulary))
        if entry is None or entry[0] is not table:
            entry = _BY_NUMBER[id(vocabulary)] = [table, np.full(max(1024, 2 * top), -2, dtype=np.int64)]
        known = entry[1]
        if top > len(known):
            known = entry[1] = np.concatenate([known, np.full(max(top, 2 * len(known)) - len(known), -2,
                                                              dtype=np.int64)])
        number = known[ids]
        missing = number == -2
        if missing.any():
            new, first = np.unique(ids[missing], return_index=True)
            words = table.words
            for k in new[np.argsort(first, kind="stable")].tolist():
                known[k] = vocabulary[words[k]]
            number = known[ids]
    return number


class _Vocabulary(dict):
    """word -> its number among the counted words (-1: not counted), for one tokenizer;
    a word is classified (:meth:`Tokenizer.kind_of`) the first time it is looked up.
    ``words`` holds the counted words by number, the same string objects each time,
    so Arrow reuses their UTF-8 form. Looking up a known word is one dict lookup; new
    words are numbered under a lock, so threads of one process (Dask workers without
    processes) share a vocabulary safely."""

    def __init__(self, tokenizer):
        import threading

        import numpy as np

        super().__init__()
        self.tokenizer = tokenizer
        self.size = 0
        self.words = np.empty(1024, dtype=object)
        self._chunks: list = []        # the words as Arrow strings, in pieces
        self._converted = 0
        self._lock = threading.RLock()

    def __missing__(self, word):
        import numpy as np

        from .tokenize import COUNTED

        with self._lock:
            if word in self:
                return dict.__getitem__(self, word)
            if self.tokenizer.kind_of(word) not in COUNTED:
                self[word] = -1
                return -1
            if self.size == len(self.words):
                self.words = np.concatenate([self.words, np.empty(len(self.words), dtype=object)])
            number = self.size
            self.words[number] = word
            self.size += 1
            self[word] = number
            return number

    def take(self, numbers):
        """The words of ``numbers`` as Arrow strings (taken from the words converted to
        Arrow once, not converted again for every row)."""
        import pyarrow as pa

        with self._lock:
            if self._converted < self.size:
                self._chunks.append(pa.array(self.words[self._converted:self.size], pa.string()))
                self._converted = self.size
                if len(self._chunks) > 16:
                    self._chunks = [pa.concat_arrays(self._chunks)]
            chunks = list(self._chunks)
        if not chunks:
            return pa.array([], pa.string())
        return pa.chunked_array(chunks, pa.string()).take(pa.array(numbers, pa.int64()))


# -- one document -> tables ------------------------------------------------------------

def paragraph_chunks(text: str, size: int):
    """``text`` in pieces of about ``size`` characters, each cut just after a line break
    (or, in a text without one nearby, after a sentence end; else at ``size``)."""
    if size <= 0 or len(text) <= size:
        yield text
        return
    pos = 0
    while len(text) - pos > size:
        target = pos + size
        cut = text.rfind("\n", pos + size // 2, target)
        if cut < 0:
            cut = max(text.rfind(p, pos + size // 2, target) for p in "。！？!?；;")
        cut = cut + 1 if cut >= 0 else target
        yield text[pos:cut]
        pos = cut
    if pos < len(text):
        yield text[pos:]


_THEMES: dict = {}


def _theme_tools(settings: Settings):
    """The theme matcher of ``settings``' lexicon and its theme, subtheme, term and
    matched columns as Arrow strings, built once per process."""
    import pyarrow as pa

    key = (settings.backend, settings.lexicon)
    if key not in _THEMES:
        matcher = _tools(settings)[1].matcher
        _THEMES[key] = (matcher, [pa.array(col, pa.string()) for col in
                                  (matcher.theme, matcher.subtheme, matcher.term, matcher.matched)])
    return _THEMES[key]


def _prefixed(ids, prefix: str):
    """``prefix`` before every non-empty id (the ids of a later chunk of a document)."""
    import numpy as np

    return np.array([prefix + v if v else v for v in ids], dtype=object)


def _token_sections(starts: list, top_starts: list, ntokens: int):
    """For tokens starting at ``starts`` (ascending), the index of the top-level section
    holding each one: the last of ``top_starts`` (ascending) at or before the token,
    the first section for a token before all of them. Found with one bisection per
    section, not one search per token."""
    import bisect

    import numpy as np

    if len(top_starts) < 2:
        return np.zeros(ntokens, dtype=np.int64)
    first = [bisect.bisect_left(starts, s) for s in top_starts[1:]]
    sizes = np.diff(np.array([0, *first, ntokens], dtype=np.int64))
    return np.repeat(np.arange(len(top_starts), dtype=np.int64), sizes)


class _HitRows:
    """Theme hits of one document chunk, not yet made Arrow: each hit's leaf and
    top-level section as indices into ``ids`` (the chunk's section ids, then ""), its
    row among the theme lexicon's owners (``owner_cols``: theme, subtheme, term and
    matched as Arrow strings), offsets and sentence. The writer builds the columns of
    all the hits of a flush at once (:func:`_hit_table`)."""

    __slots__ = ("owner_cols", "doc_id", "ids", "leaf", "top", "row", "start", "end", "sentence")

    def __init__(self, owner_cols, doc_id: str, ids, leaf, top, row, start, end, sentence):
        self.owner_cols, self.doc_id, self.ids, self.leaf, self.top = owner_cols, doc_id, ids, leaf, top
        self.row, self.start, self.end, self.sentence = row, start, end, sentence

    @property
    def num_rows(self) -> int:
        return len(self.row)

    def arrow(self, schema):
        return _hit_table([self], schema)


def _hit_table(hits: list, schema):
    """The :class:`_HitRows` of a flush (one lexicon's owners) as one Arrow table of
    ``schema``, their rows in order."""
    import numpy as np
    import pyarrow as pa

    lengths = np.array([h.num_rows for h in hits], dtype=np.int64)
    first = np.repeat(np.cumsum([0] + [len(h.ids) for h in hits[:-1]], dtype=np.int64), lengths)
    ids = pa.array(np.concatenate([h.ids for h in hits]), pa.string())
    doc = np.repeat(np.arange(len(hits), dtype=np.int64), lengths)
    rows = pa.array(np.concatenate([np.asarray(h.row, dtype=np.int64) for h in hits]))

    def column(name):
        return np.concatenate([np.asarray(getattr(h, name), dtype=np.int64) for h in hits])

    return pa.Table.from_arrays(
        [pa.array([h.doc_id for h in hits], pa.string()).take(pa.array(doc)),
         ids.take(pa.array(column("leaf") + first)), ids.take(pa.array(column("top") + first)),
         *(col.take(rows) for col in hits[0].owner_cols),
         pa.array(column("start")), pa.array(column("end")), pa.array(column("sentence"))], schema=schema)


class _TermRows:
    """Rows of a term table (``terms``, ``section_terms``) of one document, not yet made
    Arrow: word numbers in the process vocabulary and their counts, and for section terms
    each row's section (an index into ``sections``, the document's top-level section
    ids). The writer builds the columns of all the documents of a flush at once, already
    in their sorted order (:func:`_term_table`), instead of building, then
    sorting, a small Arrow table per document."""

    __slots__ = ("vocabulary", "doc_id", "words", "n", "sections", "section")

    def __init__(self, vocabulary, doc_id: str, words, n, sections=None, section=None):
        self.vocabulary, self.doc_id, self.words, self.n = vocabulary, doc_id, words, n
        self.sections, self.section = sections, section

    @property
    def num_rows(self) -> int:
        return len(self.words)

    def arrow(self, schema):
        """These rows alone as an Arrow table of ``schema`` (in their own order)."""
        import pyarrow as pa

        cols = [pa.repeat(pa.scalar(self.doc_id, pa.string()), len(self.words))]
        if self.sections is not None:
            cols.append(pa.array(self.sections, pa.string()).take(pa.array(self.section, pa.int64())))
        cols += [self.vocabulary.take(self.words), pa.array(self.n, pa.int64())]
        return pa.Table.from_arrays(cols, schema=schema)


def document_tables(doc, *, group: str = "", settings: Settings = Settings(),
                    extra_lines: frozenset = frozenset()):
    """Analyse one :class:`~zhspeech.corpus.Document`; yield ``(table, rows)`` pairs as
    they are ready (sections, section terms and hits chunk by chunk, then the
    document's terms and its documents row), in no particular order.

    Rows are a pyarrow Table with the table's schema (:func:`_schemas`), built straight
    from the stages' arrays, except the terms and section terms, :class:`_TermRows`
    (word numbers and counts), the theme hits, :class:`_HitRows`, the sections,
    ``(frame, {"chunk": k})`` (the frame of :func:`~zhspeech.structure.parse_structure`
    and the column it lacks), and the documents row, ``[dict]``: the writer converts
    those of a part at once."""
    import numpy as np

    from . import clean, paths, structure, themes

    tokenizer, _ = _tools(settings)
    matcher, owner_cols = _theme_tools(settings)
    vocabulary = _vocabulary(tokenizer)
    did = doc.doc_id
    totals: dict[int, int] = {}        # word number -> n, for a document read in chunks
    doc_terms = None
    base = hanzi = sentences = tokens = nchunks = discourse_sentences = 0
    for k, piece in enumerate(paragraph_chunks(doc.raw, settings.chunk_chars)):
        nchunks += 1
        c = clean.clean_text(piece, doc_id=did, extra_lines=extra_lines)
        text = c.text
        masked = c.masked_text
        sec = structure.parse_structure(text, did)
        prefix = f"c{k}:" if k else ""
        sec_start = sec["start"].to_numpy()
        top = sec["level"].to_numpy() == 1
        ids = np.array(sec["section_id"].tolist(), dtype=object)
        hanzi += int(sec["hanzi"].to_numpy()[top].sum())
        top_rows = np.flatnonzero(top)
        top_rows = top_rows[np.argsort(sec_start[top_rows], kind="quicksort")]   # as sort_values("start")
        top_ids = _prefixed(ids[top_rows], prefix) if prefix else ids[top_rows]
        sent = themes.sentence_spans(text)
        sentences += len(sent)
        # terms: each token's word number (-1: not counted), (section, word) pairs counted
        words, starts, word_ids, word_table = tokenizer.segment_numbered(masked)
        number = _vocabulary_numbers(vocabulary, word_table, word_ids)
        sel = number >= 0
        where = _token_sections(starts, sec_start[top_rows].tolist(), len(words))[sel]
        number = number[sel]
        tokens += len(number)
        nsec = max(len(top_rows), 1)
        pairs, counts = np.unique(number * nsec + where, return_counts=True)
        wnum, scode = pairs // nsec, pairs % nsec
        yield "section_terms", _TermRows(vocabulary, did, wnum, counts,
                                         top_ids if len(top_ids) else np.array([""], dtype=object), scode)
        # the chunk's words: pairs are sorted by word, so each word's sections are one run
        first = np.flatnonzero(np.diff(wnum, prepend=-1)) if len(wnum) else np.zeros(0, dtype=np.int64)
        chunk_words, chunk_n = wnum[first], np.add.reduceat(counts, first) if len(first) else counts[:0]
        if k == 0:
            doc_terms = (chunk_words, chunk_n)
        else:
            if doc_terms is not None:
                totals = dict(zip(doc_terms[0].tolist(), doc_terms[1].tolist()))
                doc_terms = None
            for w, n in zip(chunk_words.tolist(), chunk_n.tolist()):
                totals[w] = totals.get(w, 0) + n
        # theme hits, with their leaf and top-level section and their sentence
        h_start, h_end, row = themes.match_themes(masked, matcher)
        if len(row):
            # each hit's section as an index into the chunk's ids and a last "" (before
            # the first section, or a text without sections)
            hit_ids = np.append(_prefixed(ids, prefix) if prefix else ids, "")
            at = [themes._section_rows(sec_start, chosen, h_start)
                  for chosen in (sec["is_leaf"].to_numpy(dtype=bool), top)]
            sentence = np.searchsorted(sent, h_start, side="right") - 1
            yield "theme_hits", _HitRows(owner_cols, did, hit_ids,
                                         *(np.where(a >= 0, a, len(ids)) for a in at),
                                         row, h_start + base, h_end + base, sentence)
        if settings.discourse:
            found, discourse_sentences = _discourse_tables(c, sec, did, prefix, base, discourse_sentences)
            yield from found
        if k:
            sec = sec.copy()
            for col in ("section_id", "parent_id", "top_id"):
                sec[col] = [prefix + v if v else v for v in sec[col]]
            sec["start"] += base
            sec["end"] += base
        yield "sections", (sec, {"chunk": k})
        base += len(text)
    if doc_terms is None:
        doc_terms = (np.fromiter(totals, dtype=np.int64, count=len(totals)),
                     np.fromiter(totals.values(), dtype=np.int64, count=len(totals)))
    yield "terms", _TermRows(vocabulary, did, doc_terms[0], doc_terms[1])
    meta = doc.meta
    date = str(meta.get("date", "") or "")
    row = {"doc_id": did, **{f: str(meta.get(f, "") or "") for f in DOC_FIELDS},
           "year": int(date[:4]) if date[:4].isdigit() else None, "group": group,
           "path": paths.display(doc.path) if doc.path else "", "format": doc.format, "encoding": doc.encoding,
           "raw_chars": len(doc.raw), "chars": base, "hanzi": hanzi, "sentences": sentences,
           "tokens": tokens, "chunks": nchunks, "sha256": doc.sha256}
    yield "documents", [row]


def _warm(settings: Settings) -> None:
    """Load the tokenizer, jieba's dictionary words and every lexicon in this process
    before a local pool starts: workers forked from it share them instead of each
    loading its own (about a second of CPU per worker)."""
    import multiprocessing

    from . import corpus, tokenize

    if multiprocessing.get_start_method(allow_none=False) != "fork":
        return
    text = "我们要巩固脱贫攻坚成果，推进乡村振兴，加强基层治理和人才队伍建设。\n" * 80
    for _ in document_tables(corpus.Document(doc_id="warm-up", raw=text), settings=settings):
        pass
    if settings.backend == "rjieba":
        tokenize._dictionary_word("的")


def _discourse_tables(cleaned, sections, doc_id: str, prefix: str = "", base: int = 0, sentence: int = 0):
    """The discourse tables of one cleaned text or chunk (bundled lexicons): formulas,
    directives, targets, as ``[(table, Arrow table)]`` (tables without rows left out),
    built from the columns of :func:`zhspeech.discourse.store_tables` without a pandas
    frame. A later chunk (``prefix`` "c1:" …) is put in the whole document's terms
    (:func:`_shift`) and its sentences numbered on from ``sentence``, the document's
    sentences so far; returns the tables and the new count."""
    import pyarrow as pa

    from . import discourse

    schemas = _schemas()
    out = []
    for table, cols in discourse.store_tables(cleaned, sections, doc_id).items():
        n = len(cols["start"])
        if table == "directives":
            cols["sentence"] = cols["sentence"] + sentence
            sentence += n
        if not n:
            continue
        if prefix:
            _shift(cols, prefix, base, ("start", "end", "marker_start", "marker_end", "value_start"))
        schema = schemas[table]
        out.append((table, pa.Table.from_arrays(
            [pa.repeat(pa.scalar(doc_id, pa.string()), n),
             *(pa.array(cols[f.name], f.type, from_pandas=True) for f in list(schema)[1:])], schema=schema)))
    return out, sentence


def _shift(cols: dict, prefix: str, base: int, offsets) -> None:
    """A later chunk's rows in the whole document's terms: section ids prefixed, offsets
    moved by ``base`` (an offset of -1, "none", stays)."""
    for col in ("section_id", "top_id"):
        cols[col] = [prefix + v if v else v for v in cols[col]]
    for col in offsets:
        if col in cols:
            values = cols[col]
            cols[col] = values + base * (values >= 0)


# -- tasks -------------------------------------------------------------------------------

@dataclass
class Task:
    """Documents for one worker: ``(path, doc_id, meta, group)`` each, and where to
    write them (``root``/<table>/``part``.parquet)."""

    root: str
    part: str
    docs: list
    settings: Settings
    extra_lines: dict = field(default_factory=dict)   # group -> frozenset of lines


class _PartWriter:
    """Streams one task's rows to one Parquet file per table. Rows come as Arrow tables
    or pandas frames; a table's buffered frames are converted in one go when it is
    flushed."""

    def __init__(self, root: Path, part: str, tables=TABLES):
        self.root, self.part, self.tables = root, part, tuple(tables)
        self.schemas = _schemas()
        self.buffers = {t: [] for t in self.tables}
        self.rows = {t: 0 for t in self.tables}
        self.buffered = {t: 0 for t in self.tables}
        self.writers = {}

    def rel(self, table: str) -> str:
        return f"{table}/{self.part}.parquet"

    def add(self, table: str, rows):
        frame = rows[0] if isinstance(rows, tuple) else rows
        n = frame.num_rows if hasattr(frame, "num_rows") else len(frame)   # Arrow, _TermRows, _HitRows; or len()
        if n:
            self.buffers[table].append(rows)
            self.buffered[table] += n
            self.rows[table] += n
            if self.buffered[table] >= FLUSH_ROWS:
                self.flush(table)

    def _arrow(self, table: str):
        """The buffered rows of ``table`` as one Arrow table of its schema: Arrow tables
        as they are; lists of rows (dicts) and pandas frames (alone, or
        ``(frame, {column: value})`` with columns of one value each) each concatenated
        and converted at once."""
        import numpy as np
        import pandas as pd
        import pyarrow as pa

        schema = self.schemas[table]
        buffers = [b.arrow(schema) if isinstance(b, (_TermRows, _HitRows)) else b for b in self.buffers[table]]
        parts = [b for b in buffers if isinstance(b, pa.Table)]
        records = [r for b in buffers if isinstance(b, list) for r in b]
        if records:
            parts.append(pa.Table.from_pylist(records, schema=schema))
        frames = [b if isinstance(b, tuple) else (b, {}) for b in buffers
                  if not isinstance(b, (pa.Table, list))]
        if frames:
            df = frames[0][0] if len(frames) == 1 else pd.concat([f for f, _ in frames], ignore_index=True)
            lengths = [len(f) for f, _ in frames]
            extra = {name for _, consts in frames for name in consts}
            cols = []
            for fld in schema:
                if fld.name in extra:
                    values = np.repeat(np.array([consts[fld.name] for _, consts in frames]), lengths)
                    cols.append(pa.array(values, fld.type))
                else:
                    cols.append(pa.array(df[fld.name], fld.type, from_pandas=True))
            parts.append(pa.Table.from_arrays(cols, schema=schema))
        return pa.concat_tables([p if p.schema.equals(schema) else p.select(schema.names).cast(schema)
                                 for p in parts])

    def flush(self, table: str):
        import pyarrow.parquet as pq

        schema = self.schemas[table]
        if table not in self.writers:
            path = self.root / self.rel(table)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writers[table] = pq.ParquetWriter(path, schema, compression=COMPRESSION,
                                                   use_dictionary=_dictionary_columns(schema))
        buffers = self.buffers[table]
        if buffers:
            if table in SORTED_BY_TERM:
                # sorted by term in small row groups: a query for a few terms reads only
                # the row groups whose min/max statistics can hold them
                vocabulary = buffers[0].vocabulary if isinstance(buffers[0], _TermRows) else None
                if vocabulary is not None and all(isinstance(b, _TermRows) and b.vocabulary is vocabulary
                                                  for b in buffers):
                    data = _term_table(buffers, schema)
                else:
                    data = sort_by_term(self._arrow(table))
                self.writers[table].write_table(data, row_group_size=ROW_GROUP_ROWS)
            else:
                owners = buffers[0].owner_cols if isinstance(buffers[0], _HitRows) else None
                if owners is not None and all(isinstance(b, _HitRows) and b.owner_cols is owners for b in buffers):
                    data = _hit_table(buffers, schema)
                else:
                    data = self._arrow(table)
                # the other tables are read whole or by document: one row group a flush
                self.writers[table].write_table(data, row_group_size=max(self.buffered[table], 1))
        self.buffers[table], self.buffered[table] = [], 0

    def close(self) -> dict:
        out = {}
        for t in self.tables:
            self.flush(t)
            self.writers[t].close()
            out[t] = {"file": self.rel(t), "bytes": (self.root / self.rel(t)).stat().st_size, "rows": self.rows[t]}
        return out


def _ranks(values):
    """Each value's rank among the distinct values of a string array (byte order, as
    Arrow sorts strings), and the number of distinct values."""
    import numpy as np
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(values)
    if hasattr(encoded, "combine_chunks"):
        encoded = encoded.combine_chunks()
    order = pc.array_sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return rank[encoded.indices.to_numpy()], len(order)


def _dictionary_columns(schema) -> list:
    """Columns written dictionary-encoded: the strings (ids, terms, labels repeat) and
    the counts ``n``; offsets and other numbers are nearly all distinct, and trying a
    dictionary on them costs time and bytes."""
    import pyarrow as pa

    return [f.name for f in schema if pa.types.is_string(f.type) or f.name == "n"]


def _rank_order(term, nterms: int, doc, ndocs: int):
    """The stable order of rows by (term rank, doc rank)."""
    import numpy as np

    if max(nterms, ndocs) <= 1 << 16:
        # two stable passes on 16-bit ranks (NumPy sorts those by radix): by doc, then by term
        order = np.argsort(doc.astype(np.uint16), kind="stable")
        return order[np.argsort(term.astype(np.uint16)[order], kind="stable")]
    return np.argsort(term * ndocs + doc, kind="stable")


def sort_by_term(data):
    """``data`` sorted by term, then doc_id (stable), as
    ``data.sort_by([("term", "ascending"), ("doc_id", "ascending")])`` sorts it, through
    integer ranks of the two columns (the strings are compared once per distinct value)."""
    if data.num_rows < 2 or data["term"].null_count or data["doc_id"].null_count:
        return data.sort_by([("term", "ascending"), ("doc_id", "ascending")])
    term, nterms = _ranks(data["term"])
    doc, ndocs = _ranks(data["doc_id"])
    return data.take(_rank_order(term, nterms, doc, ndocs))


def _term_table(rows: list, schema):
    """The :class:`_TermRows` of a flush (one vocabulary) as one Arrow table of
    ``schema``, in the order of ``sort_by_term`` over their rows concatenated: the
    order is found on integers (each row's word rank among the flush's distinct words,
    in Arrow's byte order, and its document's rank), then each column is built once,
    already in that order."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    vocabulary = rows[0].vocabulary
    lengths = np.array([r.num_rows for r in rows], dtype=np.int64)
    words = np.concatenate([np.asarray(r.words, dtype=np.int64) for r in rows])
    counts = np.concatenate([np.asarray(r.n, dtype=np.int64) for r in rows])
    # documents: ranked among the flush's doc ids (Python orders str by code point, as
    # UTF-8 bytes order); a document read in chunks comes in several rows
    doc_ids, doc_of = np.unique(np.array([r.doc_id for r in rows], dtype=object), return_inverse=True)
    doc = np.repeat(doc_of.reshape(-1).astype(np.int64), lengths)
    # words: ranked among the flush's distinct words, the strings sorted once
    present = np.zeros(vocabulary.size, dtype=bool)
    present[words] = True
    distinct = np.flatnonzero(present)
    rank = np.zeros(vocabulary.size, dtype=np.int64)
    if len(distinct):
        by_term = pc.array_sort_indices(vocabulary.take(distinct)).to_numpy()
        rank[distinct[by_term]] = np.arange(len(distinct), dtype=np.int64)
    order = _rank_order(rank[words], len(distinct), doc, len(doc_ids)) if len(words) > 1 else \
        np.arange(len(words), dtype=np.int64)
    cols = [pa.array(doc_ids, pa.string()).take(pa.array(doc[order]))]
    if "section_id" in schema.names:
        sections = np.concatenate([r.sections for r in rows])
        first = np.cumsum([0] + [len(r.sections) for r in rows[:-1]], dtype=np.int64)
        section = np.concatenate([np.asarray(r.section, dtype=np.int64) for r in rows]) + np.repeat(first, lengths)
        cols.append(pa.array(sections, pa.string()).take(pa.array(section[order])))
    cols += [vocabulary.take(words[order]), pa.array(counts[order], pa.int64())]
    return pa.Table.from_arrays(cols, schema=schema)


def run_task(task: Task) -> dict:
    """Index the documents of a task (the unit of work, locally and on Dask). Returns the
    part's files and each document's record; a bad document gives ``{"error": …}``."""
    from . import corpus

    root = Path(task.root)
    writer = _PartWriter(root, task.part, task.settings.tables)
    docs, chars = {}, 0
    for path, doc_id, meta, group in task.docs:
        try:
            doc = corpus.load_document(path, doc_id=doc_id, meta=meta, errors=task.settings.encoding_errors)
        except ZhspeechError as exc:
            return {"error": [exc.source, exc.cause], "doc_id": doc_id}
        for table, df in document_tables(doc, group=group, settings=task.settings,
                                         extra_lines=task.extra_lines.get(group, frozenset())):
            writer.add(table, df)
        docs[doc_id] = {"sha256": doc.sha256, "chars": len(doc.raw)}
        chars += len(doc.raw)
    return {"part": task.part, "files": writer.close(), "docs": docs, "chars": chars}


def scan_task(items: list, errors: str = "strict") -> dict:
    """Repeated-line candidates of documents (``(path, doc_id, meta, group)`` each)."""
    from . import clean, corpus

    out = {}
    for path, doc_id, _meta, _group in items:
        try:
            raw = corpus.read_raw(path, errors=errors)     # the text alone: no title, no checksum
        except ZhspeechError as exc:
            return {"error": [exc.source, exc.cause], "doc_id": doc_id}
        out[doc_id] = sorted(clean.repeated_in(raw))
    return {"candidates": out}


# -- running tasks ----------------------------------------------------------------------

def _check_scheduler(scheduler) -> None:
    if scheduler is None or not isinstance(scheduler, str):
        return
    if scheduler in ("local", "dask") or re.match(r"^(tcp|tls|inproc|ucx)://", scheduler):
        return
    raise ZhspeechError("--scheduler", f"{scheduler!r}: use local, dask, or a scheduler address like "
                                       "tcp://HOST:8786")


class _Runner:
    """Maps a function over tasks: in this process, in a process pool, or on Dask."""

    def __init__(self, workers: int, scheduler=None):
        self.workers, self.scheduler = workers, scheduler
        self.pool = self.client = self.cluster = None

    def __enter__(self):
        sched = self.scheduler
        if sched not in (None, "local"):
            try:
                from dask.distributed import Client, LocalCluster
            except ImportError as exc:   # pragma: no cover - dask is a dependency
                raise ZhspeechError("--scheduler", f"needs dask[distributed] ({exc})") from None
            if isinstance(sched, str) and sched == "dask":
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None)
                self.client = Client(self.cluster)
            elif isinstance(sched, str):
                try:
                    self.client = Client(sched, timeout="10s")
                except (OSError, TimeoutError) as exc:
                    raise ZhspeechError("--scheduler", f"cannot reach {sched} ({exc})") from None
            else:
                self.client = sched          # a dask.distributed.Client given by the caller
        elif self.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=self.workers)
        return self

    def map(self, fn, tasks):
        """Results as they complete."""
        if not tasks:
            return
        if self.client is not None:
            from dask.distributed import as_completed

            futures = self.client.map(fn, tasks, pure=False)
            for fut in as_completed(futures):
                yield fut.result()
        elif self.pool is not None:
            from concurrent.futures import as_completed

            futures = [self.pool.submit(fn, t) for t in tasks]
            try:
                for fut in as_completed(futures):
                    yield fut.result()
            finally:
                for f in futures:
                    f.cancel()
        else:
            for t in tasks:
                yield fn(t)

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.client is not None and self.client is not self.scheduler:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


# -- the store on disk --------------------------------------------------------------------

def _read_manifest(root: Path) -> dict | None:
    path = root / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(path, f"unreadable manifest ({exc}); delete the store and index again") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or "parts" not in data:
        raise StoreError(path, "not a zhspeech store manifest (or one of another format); index again")
    return data


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with builtins.open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class _Lock:
    """An exclusive lock on a store folder for the length of an index run."""

    def __init__(self, root: Path):
        self.path = root / LOCK
        self.fh = None

    def __enter__(self):
        self.fh = builtins.open(self.path, "a+")
        try:
            import fcntl

            fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:  # pragma: no cover - not POSIX: no lock, the manifest still protects readers
            pass
        except OSError:
            self.fh.close()
            raise StoreError(self.path.parent, "another index run is writing this store; wait for it to finish") \
                from None
        return self

    def __exit__(self, *exc):
        self.fh.close()


def _meta_hash(meta: dict) -> str:
    return hashlib.sha256(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with builtins.open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def plan(source, *, recursive: bool = True) -> list[tuple[Path, str, dict, str]]:
    """The documents of a file or folder: ``(path, doc_id, meta, group)`` each.

    Every folder holding texts is a group (its path relative to ``source``, ``""`` for
    ``source`` itself); its metadata comes from its own ``manifest.csv`` or, failing
    that, its parent's. A doc_id that two groups share becomes ``group/doc_id``.
    """
    from . import corpus

    source = Path(source)
    if not source.exists():
        raise EmptyCorpusError(source, "no such file or folder")
    if source.is_file():
        groups = [("", corpus.list_documents(source))]
    else:
        folders = sorted({p.parent for p in (source.rglob("*") if recursive else source.glob("*"))
                          if p.is_file() and p.suffix.lower() in corpus.SUPPORTED
                          and not corpus.NOT_TEXTS.match(p.name)})
        groups = []
        for folder in folders:
            manifest = next((m for m in (folder / "manifest.csv", folder.parent / "manifest.csv")
                             if m.is_file() and (m.parent == folder or folder != source)), None)
            rel = folder.relative_to(source).as_posix()
            groups.append(("" if rel == "." else rel, corpus.list_documents(folder, manifest=manifest)))
    seen: dict[str, int] = {}
    for _, items in groups:
        for _, doc_id, _ in items:
            seen[doc_id] = seen.get(doc_id, 0) + 1
    out = []
    for group, items in groups:
        for path, doc_id, row in items:
            meta = {k: str(row.get(k, "") or "") for k in DOC_FIELDS if row.get(k)}
            out.append((path, doc_id if seen[doc_id] == 1 else f"{group}/{doc_id}", meta, group))
    if not out:
        raise EmptyCorpusError(source, f"no texts (looked for {', '.join(corpus.SUPPORTED)})")
    return out


@dataclass
class Summary:
    store: str
    documents: int = 0          # in the store after the run
    indexed: int = 0            # read and analysed in this run
    unchanged: int = 0
    removed: int = 0
    chars: int = 0              # characters analysed in this run
    seconds: float = 0.0
    workers: int = 1
    scheduler: str = "local"

    def line(self) -> str:
        def n(count, word):
            return f"{count:,} {word}" + ("" if count == 1 else "s")

        rate = self.chars / self.seconds if self.seconds else 0.0
        docs = self.indexed / self.seconds if self.seconds else 0.0
        speed = f"{rate / 1e6:.2f} M chars/s" if rate >= 1e5 else f"{rate:,.0f} chars/s"
        return (f"indexed {n(self.indexed, 'document')} ({n(self.chars, 'character')}) in {self.seconds:.1f} s "
                f"({docs:.1f} docs/s, {speed}, {n(self.workers, 'worker')}, {self.scheduler}); "
                f"{self.unchanged:,} unchanged, {self.removed:,} removed; {n(self.documents, 'document')} "
                f"in {self.store}")


def _batches(items: list, task_chars: int, task_docs: int) -> list[list]:
    """Group documents into tasks of about ``task_chars`` input characters (file size
    as the estimate), largest first so that the long ones do not finish last."""
    sized = sorted(items, key=lambda it: -it[1])
    out, cur, size = [], [], 0
    for item, n in sized:
        if cur and (size + n > task_chars or len(cur) >= task_docs):
            out.append(cur)
            cur, size = [], 0
        cur.append(item)
        size += n
    if cur:
        out.append(cur)
    return out


def _task_size(total: int, workers: int) -> tuple[int, int]:
    """Input bytes and documents per task for ``total`` bytes to index: each part file
    costs about a millisecond however few rows it holds (eight tables a task), so tasks
    are as large as ``TASK_CHARS_MAX`` allows while each worker still gets
    ``TASKS_PER_WORKER`` of them (so that they finish together); never below
    ``TASK_CHARS``. Memory does not grow with a task: rows are written every
    ``FLUSH_ROWS``."""
    share = total / (TASKS_PER_WORKER * workers) if workers > 1 else float("inf")
    size = int(min(max(share, TASK_CHARS), TASK_CHARS_MAX))
    return size, TASK_DOCS if size <= TASK_CHARS else TASK_DOCS_MAX


def index(source, out, *, workers: int | None = None, scheduler=None, backend: str = "rjieba",
          lexicon=None, chunk_chars: int = CHUNK_CHARS, recursive: bool = True, progress: bool = True,
          task_chars: int | None = None, discourse: bool = True, encoding_errors: str = "strict") -> Summary:
    """Build or update the store ``out`` from the texts of ``source`` (a folder or file).

    Args:
        workers: processes (or Dask workers for ``scheduler="dask"``); default all cores.
        scheduler: ``None``/``"local"`` (process pool), ``"dask"`` (a local Dask
            cluster), ``"tcp://HOST:PORT"`` (a running Dask scheduler) or a
            ``dask.distributed.Client``.
        backend: the segmenter, ``"jieba"`` or ``"rjieba"`` (identical tokens).
        lexicon: a theme lexicon file (default: the bundled one).
        chunk_chars: documents longer than this are analysed in chunks.
        task_chars: input bytes per task (one part file per table each); default
            :func:`_task_size`, from the input's size and ``workers``.
        discourse: also write the discourse tables (formulas, directives, targets);
            without them indexing takes about a third less time.
        encoding_errors: ``"strict"`` (a file with undecodable bytes stops the run) or
            ``"replace"`` (they are read as U+FFFD).

    Returns a :class:`Summary`; ``Summary.line()`` is the one-line report.
    """
    from tqdm import tqdm

    _check_scheduler(scheduler)
    workers = int(workers or os.cpu_count() or 1)
    if workers < 1:
        raise ZhspeechError("--workers", f"must be at least 1, not {workers}")
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise StoreError(root, "exists and is not a folder")
    if root.is_dir() and any(root.iterdir()) and not (root / MANIFEST).is_file() and not (root / LOCK).exists():
        raise StoreError(root, "folder is not empty and holds no zhspeech store; choose a new --out")
    if encoding_errors not in ("strict", "replace"):
        raise ZhspeechError("--encoding-errors", f"must be strict or replace, not {encoding_errors!r}")
    settings = Settings(backend=backend, lexicon=str(lexicon) if lexicon else None, chunk_chars=chunk_chars,
                        discourse=bool(discourse), encoding_errors=encoding_errors)
    t0 = time.perf_counter()
    items = plan(source, recursive=recursive)
    root.mkdir(parents=True, exist_ok=True)
    with _Lock(root):
        previous = _read_manifest(root)
        config = fingerprint(settings)
        same_config = previous is not None and previous.get("config") == config
        old_docs = previous["documents"] if same_config else {}
        records = {}
        changed = []
        for path, doc_id, meta, group in items:
            rec = {"path": str(Path(path).resolve()), "sha256": _file_sha(Path(path)), "meta": _meta_hash(meta),
                   "group": group, "size": Path(path).stat().st_size}
            records[doc_id] = rec
            old = old_docs.get(doc_id)
            if old is None or any(old.get(k) != rec[k] for k in ("sha256", "meta", "group")):
                changed.append(doc_id)
            else:
                rec["candidates"] = old.get("candidates", [])
        spec = {doc_id: (str(path), doc_id, meta, group) for path, doc_id, meta, group in items}
        sched_name = scheduler if isinstance(scheduler, str) else ("dask" if scheduler is not None else "local")
        if workers > 1 and scheduler is None and changed:
            _warm(settings)
        with _Runner(workers, scheduler) as runner:
            # pass 1: header/footer lines repeated across documents (per group)
            scan = _batches([(spec[d], records[d]["size"]) for d in changed], (task_chars or TASK_CHARS) * 4,
                            task_docs=256)
            for res in runner.map(functools.partial(scan_task, errors=settings.encoding_errors), scan):
                _raise_task_error(res)
                for doc_id, lines in res["candidates"].items():
                    records[doc_id]["candidates"] = lines
            from . import clean

            extra = {}
            for group in sorted({r["group"] for r in records.values()}):
                extra[group] = clean.repeated_across(
                    [r["candidates"] for r in records.values() if r["group"] == group])
            extra_hash = hashlib.sha256(json.dumps({g: sorted(v) for g, v in extra.items()},
                                                   ensure_ascii=False).encode()).hexdigest()[:16]
            if same_config and previous.get("repeated_lines") != extra_hash:
                changed = list(records)      # the boilerplate lines changed: every text is cleaned anew
            changed_set = set(changed)
            run = uuid.uuid4().hex[:12]
            sizes = [(spec[d], records[d]["size"]) for d in changed]
            task_size, task_docs = (_task_size(sum(n for _, n in sizes), workers) if task_chars is None
                                    else (task_chars, TASK_DOCS))
            groups = _batches(sizes, task_size, task_docs)
            tasks = [Task(str(root.resolve()), f"part-{run}-{i:05d}", g, settings,
                          {grp: extra[grp] for grp in {it[3] for it in g}}) for i, g in enumerate(groups)]
            parts = {}
            indexed = chars = 0
            bar = tqdm(total=len(changed), desc="indexing", unit="doc", disable=not progress or not changed,
                       dynamic_ncols=True)
            for res in runner.map(run_task, tasks):
                _raise_task_error(res)
                parts[res["part"]] = res["files"]
                for doc_id, info in res["docs"].items():
                    records[doc_id].update(part=res["part"], chars=info["chars"])
                indexed += len(res["docs"])
                chars += res["chars"]
                bar.update(len(res["docs"]))
                elapsed = time.perf_counter() - t0
                bar.set_postfix_str(f"{chars / elapsed / 1e6:.2f} M chars/s", refresh=False)
            bar.close()
        # keep the previous parts whose documents are all current; rewrite mixed ones
        live = set(records)
        removed = [d for d in (previous or {}).get("documents", {}) if d not in live]
        if same_config:
            by_part: dict[str, list] = {}
            for doc_id, old in old_docs.items():
                by_part.setdefault(old.get("part"), []).append(doc_id)
            for part, files in previous["parts"].items():
                keep = [d for d in by_part.get(part, []) if d in live and d not in changed_set]
                if not keep:
                    continue
                if len(keep) == len(by_part.get(part, [])):
                    parts[part] = files
                else:
                    new = f"part-{run}-r{len(parts):05d}"
                    parts[new] = _rewrite_part(root, files, new, set(keep))
                    for d in keep:
                        records[d]["part"] = new
                for d in keep:
                    records[d].setdefault("part", part)
                    records[d]["chars"] = old_docs[d].get("chars", 0)
        manifest = {"format": FORMAT, "tool": "zhspeech", "config": config, "repeated_lines": extra_hash,
                    "scheduler": sched_name, "source": str(Path(source).resolve()),
                    "documents": {d: records[d] for d in sorted(records)}, "parts": parts,
                    "tables": list(settings.tables)}
        _write_atomically(root / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
        _collect_garbage(root, manifest)
    return Summary(store=str(out), documents=len(records), indexed=indexed,
                   unchanged=len(records) - len(changed), removed=len(removed), chars=chars,
                   seconds=time.perf_counter() - t0, workers=workers, scheduler=sched_name)


def _raise_task_error(res: dict) -> None:
    if "error" in res:
        source, cause = res["error"]
        raise ZhspeechError(source, cause + " (the store was left as it was)")


def _rewrite_part(root: Path, files: dict, new: str, keep: set) -> dict:
    """A copy of a part without the rows of documents not in ``keep``."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out = {}
    for table, info in files.items():
        data = pq.read_table(root / info["file"])
        data = data.filter(pc.is_in(data["doc_id"], value_set=__import__("pyarrow").array(sorted(keep))))
        rel = f"{table}/{new}.parquet"
        # as the writer writes them: the term tables (still sorted) in small row groups
        pq.write_table(data, root / rel, compression=COMPRESSION, use_dictionary=_dictionary_columns(data.schema),
                       row_group_size=ROW_GROUP_ROWS if table in SORTED_BY_TERM else max(data.num_rows, 1))
        out[table] = {"file": rel, "bytes": (root / rel).stat().st_size, "rows": data.num_rows}
    return out


def _collect_garbage(root: Path, manifest: dict) -> None:
    """Delete part files that the manifest does not list (from replaced parts or
    from runs that did not finish)."""
    listed = {info["file"] for files in manifest["parts"].values() for info in files.values()}
    for table in TABLES:
        folder = root / table
        if folder.is_dir():
            for p in folder.glob("*.parquet"):
                if f"{table}/{p.name}" not in listed:
                    p.unlink()


# -- reading a store -------------------------------------------------------------------

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Store:
    """A complete store, opened for reading. Tables are DuckDB views; :meth:`sql`
    returns pandas DataFrames."""

    def __init__(self, root: Path, manifest: dict, sources: dict):
        self.root, self.manifest, self._sources = root, manifest, sources
        self._con = None

    @property
    def con(self):
        if self._con is None:
            import duckdb

            con = duckdb.connect(":memory:")
            for table, (kind, files) in self._sources.items():
                listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
                reader = (f"read_parquet([{listed}])" if kind == "parquet"
                          else f"read_csv([{listed}], header=true, all_varchar=false, sample_size=-1)")
                con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM {reader}')
            self._con = con
        return self._con

    @property
    def tables(self) -> list[str]:
        return list(self._sources)

    def sql(self, query: str, params=None):
        """The result of a SQL query over the store's tables, as a DataFrame.

        Only one reading statement is run (SELECT, WITH …, FROM …, DESCRIBE,
        SUMMARIZE, EXPLAIN): a store is never changed by a question, and nothing else
        on disk either (COPY … TO, ATTACH, INSTALL and the like are refused).
        """
        import duckdb

        try:
            statements = duckdb.extract_statements(query)
        except duckdb.Error as exc:
            raise StoreError("query", str(exc).strip().splitlines()[0]) from None
        if len(statements) != 1:
            raise StoreError("query", f"give exactly one SQL statement, not {len(statements)}")
        kind = statements[0].type
        if kind not in (duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN):
            raise StoreError("query", f"only reading statements (SELECT, WITH …) are run on a store; "
                                      f"a {kind.name} statement could change files")
        try:
            return self.con.execute(query, params or []).df()
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            absent = [t for t in DISCOURSE_TABLES if t not in self._sources and f"name {t} does not exist" in first]
            if absent:
                first += f" (this store was indexed with --no-discourse: index it again without it for {absent[0]})"
            raise StoreError("query", first) from None

    def table(self, name: str):
        if name not in self._sources:
            raise StoreError(name, f"no such table; the store has {', '.join(self._sources)}")
        return self.sql(f'SELECT * FROM "{name}"')

    @property
    def documents(self):
        return self.table("documents")

    def _column(self, name: str, table: str = "documents") -> str:
        cols = self.sql(f'SELECT * FROM "{table}" LIMIT 0').columns
        if not _IDENT.match(name) or name not in cols:
            raise StoreError(f"by={name}", f"not a column of {table} ({', '.join(cols)})")
        return f'"{name}"'

    def term_trend(self, terms, *, by: str = "year"):
        """Occurrences of ``terms`` per value of a documents column (``year``,
        ``issuer``, ``level``, ``genre``, ``group``…): ``n``, the counted tokens of those
        documents, ``per_10k`` = n / tokens × 10,000 and ``docs`` (documents with the
        term). Groups where a term is absent have n = 0."""
        terms = [terms] if isinstance(terms, str) else list(terms)
        if not terms:
            raise StoreError("term_trend", "give at least one term")
        col = self._column(by)
        return self.sql(f"""
            WITH g AS (SELECT {col} AS grp, SUM(tokens) AS tokens, COUNT(*) AS documents
                       FROM documents GROUP BY 1),
                 w AS (SELECT UNNEST(?::VARCHAR[]) AS term),
                 h AS (SELECT d.{col} AS grp, t.term, SUM(t.n) AS n, COUNT(*) AS docs
                       FROM terms t JOIN documents d USING (doc_id)
                       WHERE t.term IN ({", ".join("?" * len(terms))}) GROUP BY 1, 2)
            SELECT g.grp AS {col}, w.term, COALESCE(h.n, 0)::BIGINT AS n, g.tokens::BIGINT AS tokens,
                   10000.0 * COALESCE(h.n, 0) / NULLIF(g.tokens, 0) AS per_10k,
                   COALESCE(h.docs, 0)::BIGINT AS docs, g.documents::BIGINT AS documents
            FROM g CROSS JOIN w LEFT JOIN h ON h.grp IS NOT DISTINCT FROM g.grp AND h.term = w.term
            ORDER BY 1 NULLS LAST, 2""", [terms, *terms])

    def top_terms(self, *, by: str = "genre", n: int = 20):
        """The ``n`` most frequent terms of each group of documents (ties by term):
        ``n``, ``per_10k`` of the group's counted tokens and ``docs``."""
        col = self._column(by)
        return self.sql(f"""
            WITH g AS (SELECT {col} AS grp, SUM(tokens) AS tokens FROM documents GROUP BY 1),
                 c AS (SELECT d.{col} AS grp, t.term, SUM(t.n) AS n, COUNT(*) AS docs
                       FROM terms t JOIN documents d USING (doc_id) GROUP BY 1, 2),
                 r AS (SELECT *, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY n DESC, term) AS rank FROM c)
            SELECT r.grp AS {col}, r.rank::BIGINT AS rank, r.term, r.n::BIGINT AS n,
                   10000.0 * r.n / NULLIF(g.tokens, 0) AS per_10k, r.docs::BIGINT AS docs
            FROM r JOIN g ON r.grp IS NOT DISTINCT FROM g.grp
            WHERE r.rank <= ? ORDER BY 1 NULLS LAST, 2""", [int(n)])

    def theme_share(self, *, by: str = "kind"):
        """Theme hits per kind of section (title, opening, part, …; or another sections
        column): ``hits``, ``hit_share`` = the theme's hits / all hits in that kind,
        and ``per_1k_hanzi`` = hits per 1,000 Chinese characters of those sections
        (leaf sections, which tile the text)."""
        col = self._column(by, "sections")
        return self.sql(f"""
            WITH leaf AS (SELECT s.* FROM sections s WHERE NOT EXISTS (
                              SELECT 1 FROM sections c WHERE c.doc_id = s.doc_id AND c.parent_id = s.section_id)),
                 size AS (SELECT {col} AS grp, SUM(hanzi) AS hanzi FROM leaf GROUP BY 1),
                 h AS (SELECT l.{col} AS grp, h.theme, COUNT(*) AS hits FROM theme_hits h
                       JOIN leaf l ON l.doc_id = h.doc_id AND l.section_id = h.section_id GROUP BY 1, 2)
            SELECT h.grp AS {col}, h.theme, h.hits::BIGINT AS hits,
                   h.hits * 1.0 / SUM(h.hits) OVER (PARTITION BY h.grp) AS hit_share,
                   1000.0 * h.hits / NULLIF(size.hanzi, 0) AS per_1k_hanzi
            FROM h JOIN size ON size.grp IS NOT DISTINCT FROM h.grp
            ORDER BY 1, 3 DESC, 2""")

    def close(self):
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def open(name) -> Store:  # noqa: A001 - zs.store.open is the documented name
    """Open a store for reading: a folder written by :func:`index`, or the reference
    tables (``"reference"`` or ``data/reference/``).

    Raises:
        StoreError: no manifest (the folder is not a store, or its first index run did
            not finish), or a part file it lists is missing or has another size.
    """
    from . import paths

    root = Path(name)
    if str(name) == "reference" and not root.exists():
        root = paths.reference_dir()
    if not root.is_dir():
        raise StoreError(root, "no such store")
    manifest = _read_manifest(root)
    if manifest is None:
        if (root / "meta.json").is_file() and (root / "documents.csv").is_file():
            meta = json.loads((root / "meta.json").read_text(encoding="utf-8"))
            sources = {p.stem: ("csv", [p]) for p in sorted(root.glob("*.csv"))}
            return Store(root, {"config": meta, "documents": {}, "parts": {}}, sources)
        raise StoreError(root, "not a complete store (no manifest: an index run did not finish, or this "
                               "is not a store); run `zhspeech corpus index FOLDER --out STORE`")
    sources = {}
    for table in manifest.get("tables", TABLES):
        files = []
        for part, info in sorted(manifest["parts"].items()):
            f = root / info[table]["file"]
            if not f.is_file():
                raise StoreError(f, "part file listed in the manifest is missing; index again")
            if f.stat().st_size != info[table]["bytes"]:
                raise StoreError(f, "part file has another size than the manifest says (corrupt); index again")
            files.append(f)
        sources[table] = ("parquet", files)
    if not manifest["parts"]:
        raise StoreError(root, "the store holds no documents")
    return Store(root, manifest, sources)
