"""The store's per-document tables and Parquet writing, and ``count_themes``, as they were
before issue 15's speed work (copied from lib/zhspeech/store.py and themes.py at main
600cf27). tests/test_store_oracle.py runs the store with these and with the library's
current code and requires the same tables: the oracle is produced at test time, so it
follows the other stages (cleaning, structure, tokens) wherever they go."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from zhspeech.clean import blank_spans, text_and_masks
from zhspeech.store import Settings, _schemas, _tools, paragraph_chunks
from zhspeech.themes import Lexicon, load_lexicon

HIT_COLUMNS = ["doc_id", "section_id", "top_id", "theme", "subtheme", "term", "matched", "start", "end"]
TABLES = ("documents", "sections", "terms", "section_terms", "theme_hits")
FLUSH_ROWS = 200_000
ROW_GROUP_ROWS = 2_048
SORTED_BY_TERM = ("terms", "section_terms")
DOC_FIELDS = ("title", "date", "issuer", "level", "genre")
_COUNTED: dict = {}


def _counted_cache(tokenizer) -> dict:
    """word -> counted or not, for one tokenizer, kept for the life of the process:
    each distinct word is classified once, not once per document."""
    cache = _COUNTED.setdefault(id(tokenizer), (tokenizer, {}))
    return cache[1]


_SENT = re.compile(r"[。！？!?]+[”’」』）)]*|\n")


@lru_cache(maxsize=8)
def _automaton(words: tuple):
    import ahocorasick

    auto = ahocorasick.Automaton()
    for w in words:
        auto.add_word(w, len(w))
    if words:
        auto.make_automaton()
    return auto


def sentence_spans(text: str) -> np.ndarray:
    """Start offsets of sentences (split after 。！？ and at line breaks)."""
    starts = [0] + [m.end() for m in _SENT.finditer(text) if m.end() < len(text)]
    # A line break right after 。 belongs to that sentence; it does not start a new one.
    starts = [s for s in starts if s == 0 or text[s] != "\n"]
    return np.array(sorted(set(starts)), dtype=np.int64)


def count_themes(text, *, lexicon: Lexicon | None = None, sections: pd.DataFrame | None = None,
                 doc_id: str = "", masks=None) -> pd.DataFrame:
    """Theme hits of a cleaned text (a string or a :class:`~zhspeech.clean.Cleaned`).

    Matching is leftmost-longest without overlap over all surface forms of all themes
    at once; a form that belongs to two themes gives one hit per theme. Masked spans
    are blanked first, so a placeholder is never part of a hit. With ``sections``,
    each hit gets its leaf ``section_id`` and its top-level ``top_id``.
    """
    text, masks = text_and_masks(text, masks)
    lexicon = lexicon or load_lexicon(warn_shared=False)
    masked = blank_spans(text, masks)
    rows = []
    auto = _automaton(tuple(sorted(lexicon.surface)))
    if lexicon.surface and masked:
        for end, length in auto.iter_long(masked):
            s, e = end + 1 - length, end + 1
            form = masked[s:e]
            for theme, sub, term in lexicon.surface[form]:
                rows.append((doc_id, "", "", theme, sub, term, form, s, e))
    hits = pd.DataFrame(rows, columns=HIT_COLUMNS)
    if sections is not None and len(hits):
        from zhspeech.structure import section_of

        pos = hits["start"].to_numpy()
        hits["section_id"] = section_of(sections, pos)
        hits["top_id"] = section_of(sections, pos, level=1)
    return hits.astype({"start": "int64", "end": "int64"})


def document_tables(doc, *, group: str = "", settings: Settings = Settings(),
                    extra_lines: frozenset = frozenset()):
    """Analyse one :class:`~zhspeech.corpus.Document`; yield ``(table, rows)`` pairs as
    they are ready (sections, section terms and hits chunk by chunk, then the
    document's terms and its documents row). Rows are a pandas DataFrame or a pyarrow
    Table (terms, section terms), in no particular order."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from zhspeech import clean, structure
    from zhspeech.tokenize import COUNTED

    tokenizer, lexicon = _tools(settings)
    did = doc.doc_id
    totals: dict[str, int] = {}
    base = hanzi = sentences = tokens = nchunks = 0
    kinds = _counted_cache(tokenizer)
    for k, piece in enumerate(paragraph_chunks(doc.raw, settings.chunk_chars)):
        nchunks += 1
        c = clean.clean_text(piece, doc_id=did, extra_lines=extra_lines)
        text = c.text
        sec = structure.parse_structure(text, did)
        top = sec[sec["level"] == 1].sort_values("start")
        hanzi += int(top["hanzi"].sum())
        sent = sentence_spans(text)
        sentences += len(sent)
        # terms: classify each distinct word once, count (section, word) pairs
        words, starts = tokenizer.segment(c.masked_text)
        codes, uniques = pd.factorize(np.array(words, dtype=object), sort=False)
        uniques = np.asarray(uniques, dtype=object)
        keep = np.fromiter((kinds[w] if w in kinds else kinds.setdefault(w, tokenizer.kind_of(w) in COUNTED)
                            for w in uniques), dtype=bool, count=len(uniques))
        sel = keep[codes] if len(codes) else np.zeros(0, dtype=bool)
        codes = codes[sel]
        tokens += int(sel.sum())
        top_starts = top["start"].to_numpy()
        top_ids = np.asarray(top["section_id"].tolist(), dtype=object)
        where = np.searchsorted(top_starts, np.asarray(starts, dtype=np.int64)[sel], side="right") - 1
        where = np.clip(where, 0, None)
        nsec = max(len(top_ids), 1)
        pairs, counts = np.unique(codes.astype(np.int64) * nsec + where, return_counts=True)
        wcode, scode = pairs // nsec, pairs % nsec
        prefix = f"c{k}:" if k else ""
        term_list = uniques[wcode].tolist()
        for w, n in zip(term_list, counts.tolist()):
            totals[w] = totals.get(w, 0) + n
        sids = top_ids[scode].tolist() if len(top_ids) else [""] * len(term_list)
        st = pa.table({"doc_id": pa.array([did] * len(term_list), pa.string()),
                       "section_id": pa.array([prefix + s for s in sids] if prefix else sids, pa.string()),
                       "term": pa.array(term_list, pa.string()), "n": pa.array(counts, pa.int64())})
        hits = count_themes(c, lexicon=lexicon, sections=sec, doc_id=did)
        hits["sentence"] = np.searchsorted(sent, hits["start"].to_numpy(), side="right") - 1
        out_sec = sec.copy()
        out_sec.insert(1, "chunk", k)
        if k:
            for frame, cols in ((out_sec, ("section_id", "parent_id", "top_id")), (hits, ("section_id", "top_id"))):
                for col in cols:
                    frame[col] = [prefix + v if v else v for v in frame[col]]
            for frame in (out_sec, hits):
                frame["start"] += base
                frame["end"] += base
        yield "sections", out_sec
        yield "section_terms", st
        yield "theme_hits", hits
        base += len(text)
    yield "terms", pa.table({"doc_id": pa.array([did] * len(totals), pa.string()),
                             "term": pa.array(list(totals), pa.string()),
                             "n": pa.array(list(totals.values()), pa.int64())})
    meta = doc.meta
    date = str(meta.get("date", "") or "")
    yield "documents", pd.DataFrame([{
        "doc_id": did, **{f: str(meta.get(f, "") or "") for f in DOC_FIELDS},
        "year": int(date[:4]) if date[:4].isdigit() else None, "group": group,
        "path": doc.record()["path"], "format": doc.format, "encoding": doc.encoding,
        "raw_chars": len(doc.raw), "chars": base, "hanzi": hanzi, "sentences": sentences,
        "tokens": tokens, "chunks": nchunks, "sha256": doc.sha256}])


class _PartWriter:
    """Streams one task's rows to one Parquet file per table."""

    def __init__(self, root: Path, part: str):
        self.root, self.part = root, part
        self.schemas = _schemas()
        self.buffers = {t: [] for t in TABLES}
        self.rows = {t: 0 for t in TABLES}
        self.buffered = {t: 0 for t in TABLES}
        self.writers = {}

    def rel(self, table: str) -> str:
        return f"{table}/{self.part}.parquet"

    def add(self, table: str, df):
        if len(df):
            self.buffers[table].append(df)
            self.buffered[table] += len(df)
            self.rows[table] += len(df)
            if self.buffered[table] >= FLUSH_ROWS:
                self.flush(table)

    def flush(self, table: str):
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = self.schemas[table]
        if table not in self.writers:
            path = self.root / self.rel(table)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writers[table] = pq.ParquetWriter(path, schema, compression="zstd")
        if self.buffers[table]:
            parts = [b if isinstance(b, pa.Table) else
                     pa.Table.from_pandas(b[schema.names], schema=schema, preserve_index=False)
                     for b in self.buffers[table]]
            data = pa.concat_tables([p.select(schema.names).cast(schema) for p in parts])
            if table in SORTED_BY_TERM:
                # sorted by term in small row groups: a query for a few terms reads only
                # the row groups whose min/max statistics can hold them
                data = data.sort_by([("term", "ascending"), ("doc_id", "ascending")])
            self.writers[table].write_table(data, row_group_size=ROW_GROUP_ROWS)
        self.buffers[table], self.buffered[table] = [], 0

    def close(self) -> dict:
        out = {}
        for t in TABLES:
            self.flush(t)
            self.writers[t].close()
            out[t] = {"file": self.rel(t), "bytes": (self.root / self.rel(t)).stat().st_size, "rows": self.rows[t]}
        return out
