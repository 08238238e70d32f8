"""Scoring the structure parser against hand-made gold outlines.

A gold outline is a tab-separated file ``<doc_id>.tsv`` with a header line and one
row per section of the cleaned text (``clean.clean_text(raw).text``), in document
order, parents before children, bodies included (so the gold sections tile the text
as the parser's do). Lines starting with ``#`` are comments. Columns:

=========  ===============================================================
id         the row's name within the file (P1, P1.S2, …); unique
parent     the id of the parent row, empty at the top level
kind       a section kind (title, salutation, opening, part, subpart, item,
           closing, body) or ``announcement``
label      the section label (一, （二）, 一是, 第一个问题…), or for an
           announcement its phrase (五项工作)
start      offset in the cleaned text where the section (or announcement) starts
declared   announcements only: the announced count, empty for 几
items      announcements only: the count found after it (0: nothing follows)
heading    a stub of the heading (at most 12 characters), for the reader
=========  ===============================================================

A section ends where the next section with the same parent starts, or where its
parent ends. ``score_structure`` compares one outline with ``parse_structure``:
headings found and expected (every kind but body; a heading counts as found when
kind, label, start and parent agree), the share of characters whose leaf section
differs, announced counts linked, and warnings the gold does not expect.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import GoldError
from .structure import KINDS

GOLD_COLUMNS = ["id", "parent", "kind", "label", "start", "declared", "items", "heading"]
HEADING_STUB = 12
SCORE_COLUMNS = ["doc_id", "expected", "found", "matched", "recall", "precision", "misassigned",
                 "announced", "linked", "false_warnings", "ok"]


@dataclass
class GoldOutline:
    """One gold file: its sections and announcements (each row keeps its file line)."""

    doc_id: str
    path: Path
    sections: pd.DataFrame
    announcements: pd.DataFrame


def _int(path, n, name, value, *, empty_ok=False):
    if value == "" and empty_ok:
        return None
    if not value.isdigit():
        raise GoldError(f"{path}:{n}", f"{name} must be a whole number ≥ 0, got {value!r}")
    return int(value)


def load_gold(path) -> GoldOutline:
    """Read and check one gold outline file.

    Raises:
        GoldError: naming the file and line of a malformed row (wrong number of
            columns, unknown kind, duplicate id, a parent that is not an earlier row,
            starts out of order, a heading stub longer than 12 characters).
    """
    from .lexicons import read_text
    from .errors import LexiconError

    path = Path(path)
    try:
        text = read_text(path)
    except LexiconError as exc:
        raise GoldError(exc.source, exc.cause) from None
    rows, anns, seen = [], [], {}
    header = False
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if not header:
            if fields != GOLD_COLUMNS:
                raise GoldError(f"{path}:{n}", f"expected the header {' '.join(GOLD_COLUMNS)} (tab-separated)")
            header = True
            continue
        if len(fields) != len(GOLD_COLUMNS):
            raise GoldError(f"{path}:{n}", f"expected {len(GOLD_COLUMNS)} tab-separated columns, got {len(fields)}")
        rid, parent, kind, label, start, declared, items, heading = (f.strip() for f in fields)
        start = _int(path, n, "start", start)
        if len(heading) > HEADING_STUB:
            raise GoldError(f"{path}:{n}", f"heading stub longer than {HEADING_STUB} characters")
        if kind == "announcement":
            if not label:
                raise GoldError(f"{path}:{n}", "an announcement needs its phrase as label")
            anns.append({"label": label, "start": start,
                         "declared": _int(path, n, "declared", declared, empty_ok=True),
                         "items": _int(path, n, "items", items), "line": n})
            continue
        if kind not in KINDS:
            raise GoldError(f"{path}:{n}", f"unknown kind {kind!r} (one of {', '.join(KINDS)}, announcement)")
        if declared or items:
            raise GoldError(f"{path}:{n}", "declared and items are for announcement rows only")
        if not rid:
            raise GoldError(f"{path}:{n}", "empty id")
        if rid in seen:
            raise GoldError(f"{path}:{n}", f"duplicate id {rid!r} (first on line {seen[rid]})")
        if parent and parent not in seen:
            raise GoldError(f"{path}:{n}", f"parent {parent!r} is not an earlier row")
        siblings = [r for r in rows if r["parent"] == parent]
        if siblings and start <= siblings[-1]["start"]:
            raise GoldError(f"{path}:{n}", f"start {start} does not follow its previous sibling "
                                           f"{siblings[-1]['id']} ({siblings[-1]['start']})")
        if parent:
            p = next(r for r in rows if r["id"] == parent)
            if start < p["start"]:
                raise GoldError(f"{path}:{n}", f"start {start} is before its parent {parent} ({p['start']})")
        seen[rid] = n
        rows.append({"id": rid, "parent": parent, "kind": kind, "label": label, "start": start,
                     "heading": heading, "line": n})
    if not header:
        raise GoldError(path, "empty gold file (no header line)")
    sections = pd.DataFrame(rows, columns=["id", "parent", "kind", "label", "start", "heading", "line"])
    announcements = pd.DataFrame(anns, columns=["label", "start", "declared", "items", "line"])
    return GoldOutline(path.stem, path, sections, announcements)


def gold_spans(gold: GoldOutline, text: str) -> pd.DataFrame:
    """The gold sections with their ``end``, checked against the text.

    Raises:
        GoldError: an offset outside the text, or children that do not tile their
            parent (the first child must start where its parent starts).
    """
    sec = gold.sections.copy()
    n = len(text)
    next_start = {}
    for _parent, group in sec.groupby("parent", sort=False):
        next_start.update(zip(group["id"], group["start"].tolist()[1:] + [None]))
    parent_of = dict(zip(sec["id"], sec["parent"]))
    ends: dict = {}

    def end_of(rid):
        if rid not in ends:
            nxt = next_start[rid]
            ends[rid] = nxt if nxt is not None else (end_of(parent_of[rid]) if parent_of[rid] else n)
        return ends[rid]

    for rid in sec["id"]:
        end_of(rid)
    sec["end"] = sec["id"].map(ends)
    by_id = sec.set_index("id")
    for row in sec.itertuples():
        if row.start >= n:
            raise GoldError(f"{gold.path}:{row.line}", f"start {row.start} is outside the text ({n} characters)")
    for row in sec.itertuples():
        kids = sec[sec["parent"] == row.id]
        if len(kids) and kids["start"].iloc[0] != row.start:
            first = kids.iloc[0]
            raise GoldError(f"{gold.path}:{first.line}", f"the first child of {row.id} must start at "
                                                         f"{row.start}, not {first.start}")
        if row.parent and row.end > by_id.loc[row.parent, "end"]:
            raise GoldError(f"{gold.path}:{row.line}", f"ends after its parent {row.parent}")
    top = sec[sec["parent"] == ""]
    if len(top) and top["start"].iloc[0] != 0:
        raise GoldError(f"{gold.path}:{top['line'].iloc[0]}", "the first top-level section must start at 0")
    for row in gold.announcements.itertuples():
        if row.start >= n:
            raise GoldError(f"{gold.path}:{row.line}", f"announcement start {row.start} is outside the text "
                                                       f"({n} characters)")
    return sec


def _keys(table: pd.DataFrame, id_col: str, parent_col: str) -> list[tuple]:
    """(kind, label, start, parent's kind and start) for every headed section."""
    where = dict(zip(table[id_col], zip(table["kind"], table["start"])))
    out = []
    for row in table.itertuples():
        if row.kind == "body":
            continue
        parent = getattr(row, parent_col)
        out.append((row.kind, row.label, int(row.start), where.get(parent, ("", -1)) if parent else ("", -1)))
    return out


def _leaf_codes(starts, ends, kinds, n) -> tuple[np.ndarray, np.ndarray]:
    """For every character, the start and the kind of the leaf section holding it."""
    start = np.full(n, -1, dtype=np.int64)
    kind = np.full(n, -1, dtype=np.int64)
    for s, e, k in zip(starts, ends, kinds):
        start[s:e] = s
        kind[s:e] = KINDS.index(k)
    return start, kind


def _misassigned(gold: pd.DataFrame, parsed: pd.DataFrame, n: int) -> float:
    """Share of characters whose leaf differs (leaves compared by kind and start)."""
    if n == 0:
        return 0.0
    g = gold[~gold["id"].isin(gold["parent"])]
    p = parsed[parsed["is_leaf"].astype(bool)]
    g_start, g_kind = _leaf_codes(g["start"], g["end"], g["kind"], n)
    p_start, p_kind = _leaf_codes(p["start"].astype(int), p["end"].astype(int), p["kind"], n)
    return float(((g_start != p_start) | (g_kind != p_kind)).sum()) / n


def score_structure(gold: GoldOutline, text: str, *, rules=None) -> dict:
    """Score ``parse_structure(text)`` against one gold outline.

    Returns:
        A dict with the SCORE_COLUMNS: expected / found / matched headings, recall
        (matched / expected) and precision (matched / found), misassigned (share of
        characters in a leaf other than the gold one), announced (gold announcements)
        and linked (those the parser links with the same declared and found counts),
        false_warnings (parser warnings the gold does not expect), and the tables
        ``missing`` / ``extra`` (headings) and ``warnings`` for a closer look.
    """
    from .structure import parse_structure

    gsec = gold_spans(gold, text)
    parsed, enums = parse_structure(text, gold.doc_id, enumerations=True, rules=rules)
    g_keys = _keys(gsec, "id", "parent")
    p_keys = _keys(parsed, "section_id", "parent_id")
    matched = len(set(g_keys) & set(p_keys))
    # Announcements: (offset, declared, found) must agree.
    p_ann = {(int(r.announced_at), None if r.declared_items != r.declared_items else int(r.declared_items),
              int(r.items)) for r in enums.itertuples() if r.announcement}
    warnings = [w for ws in parsed["warnings"] for w in ws.split("; ") if w]
    orphans = [w for w in warnings if w.endswith("but no enumeration follows")]
    linked = 0
    for r in gold.announcements.itertuples():
        declared = None if pd.isna(r.declared) else int(r.declared)
        if r.items == 0:  # nothing follows: the parser must say so
            linked += any(w.startswith(f"announced {r.label}") for w in orphans)
        else:
            linked += (r.start, declared, r.items) in p_ann
    # Warnings the gold expects: an announced count that disagrees, or nothing after it.
    expected = [r.label for r in gold.announcements.itertuples()
                if r.items == 0 or (not pd.isna(r.declared) and r.declared != r.items)]
    false = []
    for w in warnings:
        hit = next((lab for lab in expected if w.startswith(f"announced {lab}")), None)
        if hit is None:
            false.append(w)
        else:
            expected.remove(hit)
    n_exp, n_found = len(g_keys), len(p_keys)
    return {
        "doc_id": gold.doc_id, "expected": n_exp, "found": n_found, "matched": matched,
        "recall": matched / n_exp if n_exp else 1.0, "precision": matched / n_found if n_found else 1.0,
        "misassigned": _misassigned(gsec, parsed, len(text)),
        "announced": len(gold.announcements), "linked": linked, "false_warnings": len(false),
        "missing": sorted(set(g_keys) - set(p_keys), key=lambda k: k[2]),
        "extra": sorted(set(p_keys) - set(g_keys), key=lambda k: k[2]),
        "warnings": false,
    }


def load_gold_dir(folder) -> list[GoldOutline]:
    """Every ``*.tsv`` gold outline of a folder, checked."""
    folder = Path(folder)
    if not folder.is_dir():
        raise GoldError(folder, "no such folder")
    files = sorted(folder.glob("*.tsv"))
    if not files:
        raise GoldError(folder, "no gold outlines (*.tsv) in this folder")
    return [load_gold(f) for f in files]


def evaluate_structure(gold_dir, text_dir=None, *, min_recall: float = 1.0, min_precision: float = 1.0,
                       max_misassigned: float = 0.01, max_false_warnings: int = 0,
                       min_linked: float = 1.0) -> pd.DataFrame:
    """Score every gold outline of ``gold_dir`` against the texts of ``text_dir``.

    Texts are read (recursively) from ``text_dir``, default the gold folder itself,
    and cleaned with the bundled rules; a gold file ``<doc_id>.tsv`` needs a text
    whose document id is ``doc_id``.

    Returns:
        One row per document with the SCORE_COLUMNS; ``ok`` is False when a
        document falls below a threshold (recall, precision, linked share) or above
        one (misassigned share, false warnings).

    Raises:
        GoldError: a malformed gold file, offsets outside its text, or no text.
    """
    from . import clean, corpus

    golds = load_gold_dir(gold_dir)
    source = Path(text_dir) if text_dir is not None else Path(gold_dir)
    texts = corpus.load_corpus(source, recursive=True)
    rows = []
    for gold in golds:
        if gold.doc_id not in texts.docs:
            raise GoldError(gold.path, f"no text named {gold.doc_id} in {source}")
        text = clean.clean_text(texts[gold.doc_id].raw).text
        r = score_structure(gold, text)
        linked_share = r["linked"] / r["announced"] if r["announced"] else 1.0
        r["ok"] = bool(r["recall"] >= min_recall and r["precision"] >= min_precision
                       and r["misassigned"] <= max_misassigned and r["false_warnings"] <= max_false_warnings
                       and linked_share >= min_linked)
        rows.append({k: r[k] for k in SCORE_COLUMNS})
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def draft_gold(text: str, doc_id: str = "") -> str:
    """A gold file drafted from the parser's own outline, to be checked line by line
    by a reader before it is used (a draft scores 100 % by construction)."""
    from .structure import parse_structure

    sec, enums = parse_structure(text, doc_id, enumerations=True)
    lines = ["# Drafted by zhspeech.evaluate.draft_gold: check every row against the text.",
             "\t".join(GOLD_COLUMNS)]
    for r in sec.itertuples():
        lines.append("\t".join([r.section_id, r.parent_id, r.kind, r.label, str(r.start), "", "",
                                r.heading[:HEADING_STUB]]))
    for r in enums[enums["announcement"] != ""].itertuples():
        declared = "" if r.declared_items != r.declared_items else str(int(r.declared_items))
        lines.append("\t".join(["", "", "announcement", r.announcement[:HEADING_STUB], str(r.announced_at),
                                declared, str(r.items), ""]))
    return "\n".join(lines) + "\n"
