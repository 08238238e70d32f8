"""Measures of political discourse: 提法 and numbered formulas, directive force,
stated quantitative targets, and attention across years.

Each reads the cleaned text (a :class:`~zhspeech.clean.Cleaned`, whose redaction masks
are never read as words or numbers) and, optionally, the sections table, and returns
one long-format table:

=================  ==============================================================
find_formulas      doc_id, section_id, top_id, formula, matched, status (listed or
                   candidate), rule, kind, start, end
directive_force    doc_id, section_id, top_id, sentence, start, end, level, marker,
                   marker_start, marker_end, markers (one row per sentence)
directive_shares   doc_id, section_id, level, sentences, share
targets            doc_id, section_id, top_id, scope, indicator, low, high, unit,
                   modifier, bound, aim, direction, mask, start, end, value_start
attention          per_year, spans (first and last year), trend, keyness
=================  ==============================================================

The word lists are data: ``data/lexicons/tifa.yaml``, ``directives.yaml`` and
``targets.yaml``, validated on load (an error names the file and line).
"""
from __future__ import annotations

import bisect
import math
import re
from itertools import chain
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import lexicons, prefilter
from .clean import blank_spans, text_and_masks
from .errors import LexiconError
from .themes import sentence_ends

LEVELS = ("prohibitive", "strong", "standard", "soft")
# Most binding first: a ban or an obligation outranks an ordinary instruction.
RANK = {"prohibitive": 4, "strong": 3, "standard": 2, "soft": 1}
KINDS = ("numbered", "phrase")
BOUNDS = ("about", "at_least", "at_most")

FORMULA_COLUMNS = ["doc_id", "section_id", "top_id", "formula", "matched", "status", "rule", "kind",
                   "start", "end"]
DIRECTIVE_COLUMNS = ["doc_id", "section_id", "top_id", "sentence", "start", "end", "level", "marker",
                     "marker_start", "marker_end", "markers", "review"]
SHARE_COLUMNS = ["doc_id", "section_id", "level", "sentences", "share"]
TARGET_COLUMNS = ["doc_id", "section_id", "top_id", "scope", "indicator", "low", "high", "unit", "modifier",
                  "bound", "aim", "direction", "mask", "start", "end", "value_start"]


# -- lexicons -----------------------------------------------------------------------------

def _where(path, node, i=None) -> str:
    line = node.lines[i] if i is not None and getattr(node, "lines", None) else getattr(node, "line", 0)
    return f"{path}:{line}" if line else str(path)


def _str_list(path, node, key, where) -> list[str]:
    items = node.get(key)
    if items is None:
        return []
    if not isinstance(items, list) or any(not isinstance(v, str) or not v.strip() for v in items):
        raise LexiconError(where, f"'{key}' must be a list of non-empty strings")
    return [v.strip() for v in items]


def _entries(path, data, key):
    if not isinstance(data, dict) or not isinstance(data.get(key), list) or not data[key]:
        raise LexiconError(path, f"expected a mapping with a non-empty '{key}' list")
    items = data[key]
    for i, entry in enumerate(items):
        where = _where(path, items, i)
        if not isinstance(entry, dict):
            raise LexiconError(where, f"{key} entry {i + 1} must be a mapping with 'canonical'")
        canonical = entry.get("canonical")
        if not isinstance(canonical, (str, int, float)) or not str(canonical).strip():
            raise LexiconError(where, f"{key} entry {i + 1} has no canonical form")
        yield where, str(canonical).strip(), entry


@dataclass(frozen=True)
class Tifa:
    """A validated 提法 lexicon: ``surface`` maps every form to its canonical formula;
    ``info`` maps a canonical formula to (kind, gloss)."""

    version: str
    path: str
    digest: str
    surface: dict
    info: dict
    candidate_stop: frozenset
    count_nouns: tuple = ()

    def table(self) -> pd.DataFrame:
        """One row per formula: canonical, kind, variants, gloss."""
        variants: dict = {}
        for form, canon in self.surface.items():
            if form != canon:
                variants.setdefault(canon, []).append(form)
        return pd.DataFrame([(c, k, "、".join(variants.get(c, [])), g) for c, (k, g) in self.info.items()],
                            columns=["formula", "kind", "variants", "gloss"])

    @cached_property
    def automaton(self):
        # cached on the lexicon (which is frozen): not rebuilt and re-hashed per document
        return _automaton(tuple(sorted(self.surface.items())))


@lru_cache(maxsize=16)
def _automaton(items: tuple):
    """An Aho–Corasick automaton over the forms; each value carries the form's length:
    (length, value) for a string value, length << 16 | value for an integer one."""
    import ahocorasick

    auto = ahocorasick.Automaton()
    for form, value in items:
        auto.add_word(form, (len(form) << 16 | value) if isinstance(value, int) else (len(form), value))
    if items:
        auto.make_automaton()
    return auto


def _check_form(where, form):
    if any(q in form for q in "“”\"‘’"):
        raise LexiconError(where, f"form {form!r}: leave out quotation marks (quoted and bare forms both match)")


@lru_cache(maxsize=8)
def _load_tifa(path: str, mtime: float) -> Tifa:
    p = Path(path)
    data = lexicons.load_yaml_lines(p)
    surface, info, first = {}, {}, {}
    for where, canon, entry in _entries(p, data, "formulas"):
        unknown = set(entry) - {"canonical", "variants", "kind", "gloss"}
        if unknown:
            raise LexiconError(where, f"formula {canon!r}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        kind = entry.get("kind")
        if kind not in KINDS:
            raise LexiconError(where, f"formula {canon!r}: kind must be numbered or phrase, got {kind!r}")
        gloss = entry.get("gloss")
        if not isinstance(gloss, str) or not gloss.strip():
            raise LexiconError(where, f"formula {canon!r} has no gloss")
        if canon in info:
            raise LexiconError(where, f"duplicate formula {canon!r} (first at line {first[canon]})")
        for form in [canon, *_str_list(p, entry, "variants", where)]:
            _check_form(where, form)
            if form in surface:
                raise LexiconError(where, f"form {form!r} already belongs to {surface[form]!r} "
                                          f"(line {first[surface[form]]})")
            surface[form] = canon
        info[canon] = (kind, gloss.strip())
        first[canon] = where.rsplit(":", 1)[-1]
    stop = _str_list(p, data, "candidate_stop", _where(p, data.get("candidate_stop", data)))
    nouns = _str_list(p, data, "count_nouns", _where(p, data.get("count_nouns", data)))
    return Tifa(str(data.get("version", "")), str(p), lexicons.file_hash(p), surface, info, frozenset(stop),
                tuple(sorted(set(nouns), key=len, reverse=True)))


def load_tifa(path=None) -> Tifa:
    """Load and validate a 提法 lexicon (``data/lexicons/tifa.yaml`` by default).

    Raises :class:`~zhspeech.errors.LexiconError` naming file and line for an entry
    without a canonical form or gloss, an unknown kind, quotation marks in a form, or a
    form listed twice."""
    p = lexicons.lexicon_file(path, "tifa.yaml")
    return _load_tifa(*lexicons.cache_key(p))


@dataclass(frozen=True)
class Directives:
    """A validated directive lexicon: ``surface`` maps every marker form to
    (level, canonical); ``not_markers`` are words matched only to block a marker."""

    version: str
    path: str
    digest: str
    surface: dict
    not_markers: frozenset
    review_cues: tuple = ()
    review_headings: tuple = ()

    @cached_property
    def forms(self) -> tuple:
        """Every matched word: the markers, then the not_markers (index = automaton value)."""
        return (*sorted(self.surface), *sorted(self.not_markers))

    @cached_property
    def automaton(self):
        return _automaton(tuple((w, i) for i, w in enumerate(self.forms)))

    @cached_property
    def ranks(self) -> np.ndarray:
        ranks = np.array([RANK[self.surface[w][0]] if w in self.surface else 0 for w in self.forms],
                         dtype=np.int64)
        ranks.flags.writeable = False
        return ranks

    @cached_property
    def alphabet(self) -> np.ndarray:
        """True at the code point of every character of :attr:`forms`."""
        return prefilter.char_table("".join(self.forms))

    @cached_property
    def canonical(self) -> np.ndarray:
        """The canonical marker of each of :attr:`forms` ("" for a not_marker)."""
        canon = np.array([self.surface[w][1] if w in self.surface else "" for w in self.forms], dtype=object)
        canon.flags.writeable = False
        return canon

    def table(self) -> pd.DataFrame:
        rows = [(c, lvl, f) for f, (lvl, c) in self.surface.items()]
        df = pd.DataFrame(rows, columns=["marker", "level", "form"])
        return df.sort_values(["level", "marker"], key=lambda s: s.map(RANK) if s.name == "level" else s,
                              ascending=[False, True], kind="stable").reset_index(drop=True)


@lru_cache(maxsize=8)
def _load_directives(path: str, mtime: float) -> Directives:
    p = Path(path)
    data = lexicons.load_yaml_lines(p)
    surface, lines, negates = {}, {}, []
    for where, canon, entry in _entries(p, data, "markers"):
        unknown = set(entry) - {"canonical", "variants", "level", "negates", "note"}
        if unknown:
            raise LexiconError(where, f"marker {canon!r}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        level = entry.get("level")
        if level not in LEVELS:
            raise LexiconError(where, f"marker {canon!r}: level must be one of {', '.join(LEVELS)}, got {level!r}")
        for form in [canon, *_str_list(p, entry, "variants", where)]:
            if form in surface:
                raise LexiconError(where, f"marker {form!r} listed twice (first at line {lines[form]})")
            surface[form] = (level, canon)
            lines[form] = where.rsplit(":", 1)[-1]
        if entry.get("negates") is not None:
            negates.append((where, canon, str(entry["negates"])))
    for where, canon, target in negates:
        if target not in surface:
            raise LexiconError(where, f"marker {canon!r} negates {target!r}, which is not a marker of this file")
    not_markers = data.get("not_markers") or []
    if not isinstance(not_markers, list):
        raise LexiconError(_where(p, data), "'not_markers' must be a list")
    for i, w in enumerate(not_markers):
        if not isinstance(w, str) or not w.strip():
            raise LexiconError(_where(p, not_markers, i), "not_markers entries must be non-empty strings")
        if w in surface:
            raise LexiconError(_where(p, not_markers, i), f"{w!r} is both a marker and a not_marker")
    review = {}
    for key in ("review_cues", "review_headings"):
        words = data.get(key) or []
        if not isinstance(words, list):
            raise LexiconError(_where(p, data), f"'{key}' must be a list")
        for i, w in enumerate(words):
            if not isinstance(w, str) or not w.strip():
                raise LexiconError(_where(p, words, i), f"{key} entries must be non-empty strings")
        review[key] = tuple(sorted({w.strip() for w in words}))
    return Directives(str(data.get("version", "")), str(p), lexicons.file_hash(p), surface,
                      frozenset(w.strip() for w in not_markers), review["review_cues"], review["review_headings"])


def load_directives(path=None) -> Directives:
    """Load and validate a directive lexicon (``data/lexicons/directives.yaml``).

    Raises :class:`~zhspeech.errors.LexiconError` naming file and line for an entry
    without a canonical form, a level outside prohibitive/strong/standard/soft, a form
    listed twice, or a negation of a marker the file does not have."""
    p = lexicons.lexicon_file(path, "directives.yaml")
    return _load_directives(*lexicons.cache_key(p))


@dataclass(frozen=True)
class TargetRules:
    version: str
    path: str
    digest: str
    announce: tuple
    list_start: tuple
    forward: tuple
    not_forward: tuple
    forecast: tuple
    modifiers: tuple          # (canonical, bound, position)
    aims: tuple
    units: tuple
    rise: tuple
    fall: tuple
    trim: tuple
    per: tuple = ()           # denominators of compound units (微克/立方米, 每立方米…微克)
    task_nouns: tuple = ()    # nouns that make a count a list of tasks, not a target


@lru_cache(maxsize=8)
def _load_target_rules(path: str, mtime: float) -> TargetRules:
    p = Path(path)
    data = lexicons.load_yaml_lines(p)
    if not isinstance(data, dict):
        raise LexiconError(p, "expected a mapping (announce, forward, modifiers, aims, units, rise, fall, trim)")
    lists = {}
    for key in ("announce", "list_start", "forward", "not_forward", "forecast", "aims", "units", "rise", "fall", "trim"):
        lists[key] = _str_list(p, data, key, _where(p, data.get(key, data)))
        if not lists[key] and key in ("announce", "units"):
            raise LexiconError(p, f"'{key}' must list at least one word")
    mods = []
    for where, canon, entry in _entries(p, data, "modifiers"):
        if entry.get("bound") not in BOUNDS:
            raise LexiconError(where, f"modifier {canon!r}: bound must be one of {', '.join(BOUNDS)}")
        if entry.get("position") not in ("before", "after"):
            raise LexiconError(where, f"modifier {canon!r}: position must be before or after")
        mods.append((canon, entry["bound"], entry["position"]))
    extra = {key: tuple(_str_list(p, data, key, _where(p, data.get(key, data)))) for key in ("per", "task_nouns")}
    return TargetRules(str(data.get("version", "")), str(p), lexicons.file_hash(p),
                       *(tuple(lists[k]) for k in ("announce", "list_start", "forward", "not_forward", "forecast")),
                       tuple(mods),
                       *(tuple(lists[k]) for k in ("aims", "units", "rise", "fall", "trim")), **extra)


def load_target_rules(path=None) -> TargetRules:
    """Load and validate the target-writing rules (``data/lexicons/targets.yaml``)."""
    p = lexicons.lexicon_file(path, "targets.yaml")
    return _load_target_rules(*lexicons.cache_key(p))


def bundled_lexicons() -> tuple[Tifa, Directives, TargetRules]:
    """``(load_tifa(), load_directives(), load_target_rules())``: the bundled lexicons
    of the three tables (each loaded again when its file changes)."""
    return load_tifa(), load_directives(), load_target_rules()


# -- shared helpers -----------------------------------------------------------------------

def _doc_id(cleaned, doc_id):
    return doc_id if doc_id is not None else getattr(cleaned, "doc_id", "") or ""


def _frame(doc_id: str, sections, rows: list, columns: list, ints, floats, *, empty_id=object) -> pd.DataFrame:
    """A discourse table from row tuples (its columns after doc_id, section_id and
    top_id), built column by column with its types; the sections are located from
    ``start``. Without rows, text columns are of type object and doc_id of type
    ``empty_id``."""
    cols = _columns(rows, columns, ints, floats)
    sec, top = (sections if isinstance(sections, _Sections) else _Sections(sections)).locate(cols["start"])
    ids = [doc_id] * len(rows) if rows else pd.Series([], dtype=empty_id)
    return pd.DataFrame({"doc_id": ids, "section_id": sec, "top_id": top, **cols}, columns=columns)


def _columns(rows: list, columns: list, ints, floats) -> dict:
    """The columns after doc_id, section_id and top_id of a table's row tuples: lists
    of values, numpy arrays for ``ints`` and ``floats``."""
    names = columns[3:]
    empty = np.empty(0, dtype=object)        # an empty table's text columns are of type object
    cols = dict(zip(names, map(list, zip(*rows)))) if rows else {name: empty for name in names}
    for name in ints:
        cols[name] = np.array(cols[name], dtype=np.int64)
    for name in floats:
        cols[name] = np.array(cols[name], dtype=np.float64)
    return cols


def locate(sections: pd.DataFrame | None, offsets) -> tuple[np.ndarray, np.ndarray]:
    """(section_id of the innermost section, section_id of the top-level section) for
    each offset, from the public columns of the sections table (section_id, parent_id,
    level, start). Without sections both are empty strings."""
    return _Sections(sections).locate(offsets)


class _Sections:
    """A sections table read once for the lookups of one text's discourse tables: the
    leaf and the top-level sections as start offsets in order with their ids, and the
    top-level sections whose heading reports past work."""

    def __init__(self, sections: pd.DataFrame | None):
        self.frame = sections
        self.empty = sections is None or not len(sections)
        if self.empty:
            return
        # plain arrays rather than frame filtering: this runs for every document
        self.ids = sections["section_id"].tolist()
        ids = np.array([str(x) for x in self.ids], dtype=object)
        parents = {str(x) for x in sections["parent_id"].tolist()}
        level = sections["level"].to_numpy()
        start = sections["start"].to_numpy(dtype=np.int64)

        def ordered(mask):
            rows = np.flatnonzero(mask)
            rows = rows[np.argsort(start[rows], kind="quicksort")]      # as sort_values("start")
            return start[rows], ids[rows]

        leaf = np.fromiter((i not in parents for i in ids), dtype=bool, count=len(ids))
        self.leaf, self.top = ordered(leaf), ordered(level == level.min())
        self._past: dict = {}

    def locate(self, offsets) -> tuple[np.ndarray, np.ndarray]:
        offsets = np.asarray(offsets, dtype=np.int64)
        if self.empty or not len(offsets):
            empty = np.full(len(offsets), "", dtype=object)
            return empty, empty.copy()
        return self._find(*self.leaf, offsets), self._find(*self.top, offsets)

    @staticmethod
    def _find(starts, ids, offsets):
        if not len(ids):
            return np.full(len(offsets), "", dtype=object)
        idx = np.searchsorted(starts, offsets, side="right") - 1
        return np.where(idx >= 0, ids[np.maximum(idx, 0)], "").astype(object)

    def past(self, headings: tuple, offsets: np.ndarray, top: np.ndarray) -> np.ndarray | None:
        """True at each of ``offsets`` (whose top-level section ids :meth:`locate` gave
        as ``top``) in a top-level section whose heading holds one of ``headings``;
        None when no section's heading does."""
        if headings not in self._past:
            self._past[headings] = self._find_past(headings)
        past, by_row = self._past[headings]
        if not past:
            return None
        if by_row is None:
            return np.isin(top.astype(str), list(past))
        starts = self.top[0]
        if not len(starts) or not len(offsets):
            return np.full(len(offsets), "" in past, dtype=bool)
        idx = np.searchsorted(starts, offsets, side="right") - 1
        return np.where(idx >= 0, by_row[np.maximum(idx, 0)], "" in past)

    def _find_past(self, headings: tuple) -> tuple[set, np.ndarray | None]:
        """The ids of the sections whose heading holds one of ``headings``, and for
        each top-level section (in order) whether its id is one of them (None when
        the ids are not all strings: then the ids are compared as text)."""
        sections = self.frame
        ids, heads = self.ids, sections["heading"].tolist()
        if all(type(i) is str for i in ids) and \
                all(type(h) is str or h is None or (type(h) is float and h != h) for h in heads):
            # as fillna("").astype(str) below, without building a frame
            search = re.compile("|".join(map(re.escape, headings))).search
            past = {sid for sid, h in zip(ids, heads) if h.__class__ is str and search(h)}
            return past, np.array([i in past for i in self.top[1].tolist()], dtype=bool)
        heads = sections.set_index(sections["section_id"].astype(str))["heading"].fillna("").astype(str)
        return {sid for sid, h in heads.items() if any(w in h for w in headings)}, None


class _Text:
    """One cleaned text as the discourse tables read it, with what they share worked out
    once: the masked text, its code points, its sentences and the section lookup."""

    def __init__(self, cleaned, sections, doc_id):
        self.text, self.masks = text_and_masks(cleaned)
        self.did = _doc_id(cleaned, doc_id)
        self.masked = blank_spans(self.text, self.masks)
        self.sections = sections if isinstance(sections, _Sections) else _Sections(sections)
        self._bounds = None

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        if self._bounds is None:
            self._bounds = sentence_bounds(self.masked)
        return self._bounds

    @cached_property
    def codes(self) -> np.ndarray:
        return prefilter.codes(self.masked)

    @cached_property
    def numerals(self) -> list:
        """Offsets of the numerals that open a numbered name (二 … 十, 两, 双)."""
        return np.flatnonzero(self.classes & _NUMERAL).tolist()

    @cached_property
    def classes(self) -> np.ndarray:
        """Each character's classes (:func:`_char_classes`)."""
        return _char_classes().take(self.codes)


# the characters sentences are cut at or after (themes.sentence_ends, and line breaks)
_CUT = frozenset("。！？!?”’」』）)\n")


_SENT = re.compile(r"[。！？!?]+[”’」』）)]*|\n")
def sentence_bounds(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Start and end offsets of the sentences of ``text``: a sentence ends after a run
    of 。！？ (with any closing quotation marks or brackets) or at a line break, which
    belongs to no sentence. Same cut points as ``_SENT``, found with numpy for speed."""
    n = len(text)
    if not n:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    a = prefilter.codes(text)
    ends = sentence_ends(a)
    newlines = np.flatnonzero(a == 10)
    # Each cut: (where the sentence ends, where the next one may start).
    cut_end = np.concatenate([ends, newlines, [n]])
    cut_next = np.concatenate([ends, newlines + 1, [n]])
    order = np.lexsort((cut_next, cut_end))
    cut_end, cut_next = cut_end[order], cut_next[order]
    starts = np.concatenate([[0], cut_next[:-1]])
    keep = cut_end > starts
    return starts[keep].astype(np.int64), cut_end[keep].astype(np.int64)


def _sentence_bounds_regex(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The same cut points by a plain regex scan (reference for the tests)."""
    starts, ends = [], []
    pos = 0
    for m in _SENT.finditer(text):
        end = m.end() if m.group() != "\n" else m.start()
        if end > pos:
            starts.append(pos)
            ends.append(end)
        pos = m.end()
        if pos < len(text) and text[pos] == "\n":
            pos += 1
    if pos < len(text):
        starts.append(pos)
        ends.append(len(text))
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


# -- 提法 and numbered formulas ----------------------------------------------------------------

_CN_DIGIT = "一二三四五六七八九十两双"
_CLASSIFIERS = "个项大条件不种批支张位类"
_QUOTED = re.compile(r"“([^“”\n]{1,8})”")
# The patterns start with what they consume (no leading look-behind), so that the regex
# engine can skip ahead to candidate characters; the character before is checked after.
_NUMBERED = re.compile(rf"([二三四五六七八九十两双]{{1,2}})([{_CLASSIFIERS}])"
                       r"([\u4e00-\u9fff]{1,4}?)(?=[，。；：、！？”）)\s]|的|和|与|及|等|$)")
_NOT_BEFORE_NUMBER = set(_CN_DIGIT + "第每这那某各一")
_PLUS = re.compile(r"(\d{1,2})\s?[+＋]\s?(\d{1,3}|[NnXx])(?![\d.%])")
_NAME_PUNCT = frozenset("。，；：！？,.;:!?（）()《》 ")
_HANZI = re.compile(r"[\u4e00-\u9fff]")
_NUMERAL_IN_TERM = set("一二三四五六七八九十两双")


def _named(t: _Text, m, counts: dict) -> bool:
    """Whether a number + classifier + term match is used as a name, not a count:
    quoted (“三件大事”), recurring in the document, followed by a colon or a bracket that
    spells it out (三件大事：…), or built of two counts (两不愁三保障, 三个一批)."""
    masked = t.masked
    s, e = m.start(), m.end()
    if s and masked[s - 1] in "“‘「\"" and e < len(masked) and masked[e] in "”’」\"":
        return True
    if e < len(masked) and masked[e] in "：:（(":
        return True
    if any(c in _NUMERAL_IN_TERM for c in m.group(3)):
        return True
    phrase = m.group()
    if phrase not in counts:
        counts[phrase] = _recurs(masked, phrase, t.numerals)
    return counts[phrase]


def _recurs(masked: str, phrase: str, numerals: list) -> bool:
    """``masked.count(phrase) >= 2`` for a phrase that starts with a numeral, looking
    only at the numerals' offsets: two occurrences that do not overlap."""
    starts, after = masked.startswith, -1
    for p in numerals:
        if p >= after and starts(phrase, p):
            if after >= 0:
                return True
            after = p + len(phrase)
    return False


def find_formulas(cleaned, sections: pd.DataFrame | None = None, *, lexicon: Tifa | None = None,
                  doc_id: str | None = None, candidates: bool = True) -> pd.DataFrame:
    """Hits of listed 提法 and, with ``candidates``, formula-like phrases found by rule.

    * ``listed``: every form of ``tifa.yaml`` (canonical or variant), matched on the
      cleaned text leftmost-longest without overlap, masks blanked first.
    * ``candidate`` (rule ``quoted``): a short name in quotation marks, 2–8 characters
      without sentence punctuation (“交硬账”, “双报到、双评价”); offsets are those of the
      name inside the marks.
    * ``candidate`` (rule ``number``): a Chinese numeral (二 … 十, 两, 双) with a
      classifier (个 项 大 条 件 不 …) and a 1–4 character term ending at punctuation
      or a particle (三件大事, 两不愁), used as a name: quoted, recurring in the
      document, followed by a colon or bracket that spells it out, or built of two
      counts (两不愁三保障). Terms in the lexicon's ``candidate_stop`` and terms that
      start with one of its ``count_nouns`` (县区, 乡镇, 同志 …) are skipped: 三项工作
      and 三个县区 are counts, not formulas.
    * ``candidate`` (rule ``plus``): ``1+N`` patterns (1+10, 1+X).

    A candidate that overlaps a listed hit or an earlier candidate is dropped, so each
    stretch of text counts once. This follows the practice of counting exact
    formulations (China Media Project's tifa work; RAND 2025 on 提法) and lets the
    lexicon grow from what the corpus shows.
    """
    t = _Text(cleaned, sections, doc_id)
    return _frame(t.did, t.sections, _formula_rows(t, lexicon or load_tifa(), candidates), FORMULA_COLUMNS,
                  ("start", "end"), (), empty_id="str")


# the character classes of _char_classes()
_NUMERAL, _NUMERAL_OR_CLASSIFIER, _PLUS_SIGN, _DIGIT = 1, 2, 4, 8


@lru_cache(maxsize=1)
def _char_classes() -> np.ndarray:
    """For every code point, the classes the discourse scans look for, as bits: a
    numeral that opens ``_NUMBERED``, a numeral or classifier (its second character),
    a plus sign (of ``_PLUS``), a character ``\\d`` matches (a Unicode decimal digit,
    as ``rx["candidate"]`` reads them)."""
    table = np.zeros(0x110000, dtype=np.uint8)
    for bit, chars in ((_NUMERAL, "二三四五六七八九十两双"), (_NUMERAL_OR_CLASSIFIER, "二三四五六七八九十两双" + _CLASSIFIERS),
                       (_PLUS_SIGN, "+＋")):
        table[[ord(c) for c in chars]] |= bit
    every = "".join(map(chr, range(0x110000)))
    table[[m.start() for m in re.finditer(r"\d", every)]] |= _DIGIT
    return table


def _numbered_matches(masked: str, classes: np.ndarray):
    """The matches of ``_NUMBERED.finditer(masked)``, the pattern tried only where a
    numeral is followed by a numeral or a classifier (where every match starts);
    ``classes`` are the text's character classes (:func:`_char_classes`)."""
    if len(classes) < 2:
        return
    at = np.flatnonzero((classes[:-1] & _NUMERAL) & (classes[1:] >> 1)).tolist()
    match = _NUMBERED.match
    after = 0
    for p in at:
        if p < after:
            continue
        m = match(masked, p)
        if m is not None:
            yield m
            after = m.end()


def _formula_rows(t: _Text, lexicon: Tifa, candidates: bool = True) -> list:
    """The rows of :func:`find_formulas` after doc_id, section_id and top_id."""
    masked = t.masked
    rows = []
    if lexicon.surface and masked:
        info = lexicon.info
        for end, (length, canon) in lexicon.automaton.iter_long(masked):
            s = end + 1 - length
            rows.append((canon, masked[s:end + 1], "listed", "lexicon", info[canon][0], s, end + 1))
    if candidates:
        found = []
        for m in _QUOTED.finditer(masked):
            name = m.group(1)
            if len(name) < 2 or not _NAME_PUNCT.isdisjoint(name) or not _HANZI.search(name) \
                    and not _PLUS.fullmatch(name):
                continue
            kind = "numbered" if name[0] in _CN_DIGIT or name[0].isdigit() else "phrase"
            found.append((m.start(1), m.end(1), name, "quoted", kind))
        seen: dict = {}
        for m in _numbered_matches(masked, t.classes):
            if m.start() and masked[m.start() - 1] in _NOT_BEFORE_NUMBER:
                continue
            if m.group(3) in lexicon.candidate_stop or m.group(2) + m.group(3) in lexicon.candidate_stop \
                    or m.group(3).startswith(lexicon.count_nouns or ("\0",)):
                continue  # a count of things (三个县区, 十位同志), not a name
            if m.group(2) == "大" and len(m.group(1)) == 2:
                continue  # 十九大精神, 二十大以来: a Party congress, not a formula
            if not _named(t, m, seen):
                continue
            found.append((m.start(), m.end(), m.group(), "number", "numbered"))
        for at in np.flatnonzero(t.classes & _PLUS_SIGN).tolist():
            m = _PLUS.search(masked, max(0, at - 3), at + 1 + 4)
            if m is None or m.start() > at or \
                    m.start() and (masked[m.start() - 1].isdigit() or masked[m.start() - 1] == "."):
                continue
            found.append((m.start(), m.end(), m.group(), "plus", "numbered"))
        found.sort(key=lambda f: (f[0], -(f[1] - f[0])))

        listed = [(r[5], r[6]) for r in rows]  # sorted and without overlap (leftmost-longest)
        listed_starts = [a for a, _ in listed]
        last_end = -1
        for s, e, name, rule, kind in found:
            k = bisect.bisect_left(listed_starts, e) - 1
            if s < last_end or (k >= 0 and listed[k][1] > s):
                continue  # overlaps an earlier candidate or a listed hit
            last_end = e
            rows.append((name, name, "candidate", rule, kind, s, e))
    rows.sort(key=lambda r: r[5])                  # by start; Python's sort is stable
    return rows


def store_tables(cleaned, sections: pd.DataFrame | None, doc_id: str, lexicons_=None) -> dict:
    """The three discourse tables of one cleaned text for the corpus store, as columns
    (``{table: {column: values}}``, every column but doc_id; text columns as lists or
    object arrays, numbers as numpy arrays; missing ``low``/``high`` as NaN): the
    values of :func:`find_formulas`, :func:`directive_force` and :func:`targets` (with
    that directive table's review sentences), computed with what they share worked out
    once and no DataFrame built. ``lexicons_`` is ``(tifa, directives, rules)``, the
    bundled ones by default."""
    tifa, directives, rules = lexicons_ or bundled_lexicons()
    t = _Text(cleaned, sections, doc_id)
    formulas = _columns(_formula_rows(t, tifa), FORMULA_COLUMNS, ("start", "end"), ())
    force = _directive_columns(t, directives)
    found = _columns(_target_rows(t, rules, _Flags(force["review"])), TARGET_COLUMNS,
                     ("start", "end", "value_start"), ("low", "high"))
    for cols in (formulas, found):
        cols["section_id"], cols["top_id"] = t.sections.locate(cols["start"])
    return {"formulas": formulas, "targets": found, "directives": force}


def count_formulas(hits: pd.DataFrame, *, by: str = "doc") -> pd.DataFrame:
    """Counts of each formula per document (``by="doc"``) or per top-level section
    (``by="section"``): doc_id, section_id, formula, status, kind, n, first (offset of
    the first hit)."""
    if by not in ("doc", "section"):
        raise ValueError("by must be 'doc' or 'section'")
    keys = ["doc_id", "top_id"] if by == "section" else ["doc_id"]
    cols = ["doc_id", "section_id", "formula", "status", "kind", "n", "first"]
    if hits.empty:
        return pd.DataFrame(columns=cols)
    out = (hits.groupby([*keys, "formula", "status", "kind"], sort=False)
           .agg(n=("start", "size"), first=("start", "min")).reset_index())
    out = out.rename(columns={"top_id": "section_id"}) if by == "section" else out.assign(section_id="")
    # Sections in document order (by their first hit), formulas by count, then position.
    out["order"] = out.groupby(["doc_id", "section_id"])["first"].transform("min")
    return out.sort_values(["doc_id", "order", "n", "first"], ascending=[True, True, False, True],
                           kind="stable")[cols].reset_index(drop=True)


# -- directive force -----------------------------------------------------------------------

def directive_force(cleaned, sections: pd.DataFrame | None = None, *, lexicon: Directives | None = None,
                    doc_id: str | None = None) -> pd.DataFrame:
    """Each sentence's most binding directive marker.

    Markers from ``directives.yaml`` are matched leftmost-longest without overlap on
    the cleaned text (masks blanked), together with the ``not_markers`` that block
    them (重要 is not 要), so a negated form listed in the file (不要, 不得, 不得不)
    is read before the marker it contains. A sentence's ``level`` is that of its most
    binding marker, prohibitive > strong > standard > soft, or ``none``; ``marker``
    and ``marker_start``/``marker_end`` locate the first marker of that level, and
    ``markers`` counts all markers in the sentence.

    ``review`` is True for a sentence that reports past work rather than instructs:
    it holds one of the file's ``review_cues`` (一年来, 取得了), a marker followed at
    once by 了 (推进了, 加强了), or it lies in a top-level section whose heading holds
    one of ``review_headings`` (工作回顾). Its level is still given, but
    :func:`directive_shares` leaves review sentences out unless asked.

    The grading of mandatory, guiding and permissive wording follows studies of
    directive clarity (Ang, *China Quarterly* 2023) and of degree words (程度词) in
    policy texts.
    """
    t = _Text(cleaned, sections, doc_id)
    return pd.DataFrame({"doc_id": t.did, **_directive_columns(t, lexicon or load_directives())},
                        columns=DIRECTIVE_COLUMNS)


_LEVEL_NAMES = np.array(["none", *sorted(RANK, key=RANK.get)], dtype=object)   # by rank 0 … 4


def _directive_columns(t: _Text, lexicon: Directives) -> dict:
    """The columns of :func:`directive_force` after doc_id."""
    masked = t.masked
    starts, ends = t.bounds
    hits = _long_matches(lexicon, t)
    codes = hits[:, 1] & 0xFFFF
    lens = hits[:, 1] >> 16
    rank_all = lexicon.ranks[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    keep = rank_all > 0
    pos_a = (hits[:, 0] + 1 - lens)[keep]
    end_a = hits[:, 0][keep] + 1
    rank_a, code_a = rank_all[keep], codes[keep]
    n = len(starts)
    level = np.full(n, "none", dtype=object)
    marker = np.full(n, "", dtype=object)
    m_start = np.full(n, -1, dtype=np.int64)
    m_end = np.full(n, -1, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    if len(pos_a) and n:
        sent = np.searchsorted(starts, pos_a, side="right") - 1
        inside = (sent >= 0) & (pos_a < ends[np.maximum(sent, 0)])
        idx = np.nonzero(inside)[0]
        sent_in = sent[idx]
        count = np.bincount(sent_in, minlength=n)
        order = idx[np.lexsort((pos_a[idx], -rank_a[idx], sent_in))]
        first_sent, best = _firsts(sent[order], order)
        level[first_sent] = _LEVEL_NAMES[rank_a[best]]
        marker[first_sent] = lexicon.canonical[code_a[best]]
        m_start[first_sent] = pos_a[best]
        m_end[first_sent] = end_a[best]
    sec, top = t.sections.locate(starts)
    review = _review_sentences(t, pos_a, end_a, top, lexicon)
    return {"section_id": sec, "top_id": top, "sentence": np.arange(n), "start": starts, "end": ends,
            "level": level, "marker": marker, "marker_start": m_start, "marker_end": m_end, "markers": count,
            "review": review}


def _long_matches(lexicon: Directives, t: _Text) -> np.ndarray:
    """``lexicon.automaton.iter_long(t.masked)`` as rows of (end, value), found on a
    shorter text: each run of characters that no form holds is cut to one NUL, and
    the ends are mapped back. The automaton has no transition on any of them, so it
    reads the same words between them (pyahocorasick's iter_long gives out a pending
    match at such a character and goes back to its root), on about a third of the
    characters of a speech."""
    masked, codes = t.masked, t.codes
    alphabet = lexicon.alphabet
    if not masked or alphabet[0]:
        found = lexicon.automaton.iter_long(masked) if masked else ()
        return np.fromiter(chain.from_iterable(found), dtype=np.int64).reshape(-1, 2)
    known = alphabet.take(codes)
    first_other = ~known
    first_other[1:] &= known[:-1]
    kept = np.flatnonzero(known | first_other)
    short = np.where(known[kept], codes[kept], 0).astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    hits = np.fromiter(chain.from_iterable(lexicon.automaton.iter_long(short)), dtype=np.int64).reshape(-1, 2)
    hits[:, 0] = kept[hits[:, 0]]
    return hits


def _firsts(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ``keys`` in ascending order: each distinct key and the value at its first
    place (``np.unique(keys, return_index=True)``, without its sort)."""
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    at = np.flatnonzero(new)
    return keys[at], values[at]


def _review_sentences(t: _Text, marker_starts, marker_ends, top, lexicon: Directives) -> np.ndarray:
    """True for each sentence that reports past work (see :func:`directive_force`): a
    review cue before the sentence's first marker (or in a sentence without one), or a
    first marker followed at once by 了. A cue after the first marker sits in a clause
    of an instruction (要表彰近年来…), so it does not count."""
    masked = t.masked
    starts, ends = t.bounds
    n = len(starts)
    review = np.zeros(n, dtype=bool)
    if not n:
        return review

    def sentence_of(positions):
        positions = np.asarray(positions, dtype=np.int64)
        sent = np.searchsorted(starts, positions, side="right") - 1
        ok = (sent >= 0) & (positions < ends[np.maximum(sent, 0)])
        return sent, ok

    first = np.full(n, len(masked) + 1, dtype=np.int64)      # each sentence's first marker
    first_end = np.full(n, -1, dtype=np.int64)
    if len(marker_starts):
        sent, ok = sentence_of(marker_starts)
        order = np.lexsort((marker_starts[ok], sent[ok]))
        s_ok, m_ok, e_ok = sent[ok][order], marker_starts[ok][order], marker_ends[ok][order]
        uniq, at = _firsts(s_ok, np.arange(len(s_ok)))
        first[uniq], first_end[uniq] = m_ok[at], e_ok[at]
    if lexicon.review_cues:
        cue_starts = _cue_starts(masked, lexicon.review_cues)
        if len(cue_starts):
            sent, ok = sentence_of(cue_starts)
            before = ok & (cue_starts < first[np.maximum(sent, 0)])
            review[sent[before]] = True
    # a first marker followed at once by 了
    inside = (first_end >= 0) & (first_end < len(masked))
    review[inside] |= t.codes[first_end[inside]] == ord("了")
    if lexicon.review_headings and not t.sections.empty:
        past = t.sections.past(lexicon.review_headings, starts, top)
        if past is not None:
            review |= past
    return review


def _cue_starts(masked: str, cues: tuple) -> np.ndarray:
    """Start offsets of review cues in ``masked``, enough to give each sentence its
    first cue: the matches of one regular expression of them all, which skips a cue
    that starts inside another, always after that one's start and in its sentence.
    With a cue that holds a character sentences are cut at (it could reach into the
    next sentence), every occurrence is listed, with an Aho–Corasick automaton."""
    pattern = _cue_pattern(cues)
    if pattern is None:
        auto = _automaton(tuple((w, i) for i, w in enumerate(cues)))
        return np.array([e + 1 - (v >> 16) for e, v in auto.iter(masked)], dtype=np.int64)
    return np.array([m.start() for m in pattern.finditer(masked)], dtype=np.int64)


@lru_cache(maxsize=8)
def _cue_pattern(cues: tuple):
    if any(not _CUT.isdisjoint(w) for w in cues):
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(cues, key=len, reverse=True)))


LEVELS_BY_RANK = {0: "none", **{r: lvl for lvl, r in RANK.items()}}


def directive_shares(force: pd.DataFrame, sections: pd.DataFrame | None = None, *,
                     by: str = "section", review: str = "exclude") -> pd.DataFrame:
    """Shares of sentences at each directive level, per document or per top-level
    section: share = sentences whose most binding marker is at that level / all
    sentences of the unit that are considered (``none`` included, so the five shares
    add up to 1).

    ``review`` says which sentences are considered: ``"exclude"`` (default) leaves
    out sentences that report past work (the ``review`` column of
    :func:`directive_force`), ``"only"`` keeps just those, ``"include"`` takes all.
    A unit with no sentence considered keeps its rows, with 0 sentences and no share.

    With ``sections``, the rows of ``by="section"`` carry the section's kind, label
    and heading and follow the document's order."""
    if by not in ("doc", "section"):
        raise ValueError("by must be 'doc' or 'section'")
    if review not in ("exclude", "include", "only"):
        raise ValueError("review must be 'exclude', 'include' or 'only'")
    levels = [*LEVELS, "none"]
    f = force.assign(section_id=force["top_id"] if by == "section" else "")
    units = f.groupby(["doc_id", "section_id"], sort=False).size().index
    if review != "include" and "review" in f:
        f = f[~f["review"].astype(bool)] if review == "exclude" else f[f["review"].astype(bool)]
    total = f.groupby(["doc_id", "section_id"], sort=False).size().reindex(units, fill_value=0).rename("total")
    counts = f.groupby(["doc_id", "section_id", "level"], sort=False).size()
    idx = pd.MultiIndex.from_tuples([(d, s, lvl) for d, s in total.index for lvl in levels],
                                    names=["doc_id", "section_id", "level"])
    out = counts.reindex(idx, fill_value=0).rename("sentences").reset_index()
    denominator = out.set_index(["doc_id", "section_id"]).index.map(total).to_numpy(dtype=float)
    denominator[denominator == 0] = np.nan          # nothing considered: no share
    out["share"] = out["sentences"] / denominator
    out = out[SHARE_COLUMNS]
    if by == "section" and sections is not None and len(out):
        info = sections.drop_duplicates("section_id").set_index("section_id")[["kind", "label", "heading"]]
        out = out.join(info, on="section_id")
    return out.reset_index(drop=True)


# -- stated targets ----------------------------------------------------------------------------

_CN_NUM = "零〇一二三四五六七八九十百千万亿两"
_CN_VALUES = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_MAGNITUDE = {"万亿": 1e12, "亿": 1e8, "万": 1e4}


def cn_value(numeral: str) -> float | None:
    """Value of a Chinese numeral with 十 百 千 万 亿 (一千一百 → 1100, 十一万 → 110000,
    三亿五千万 → 350000000); digit strings (二〇二〇) read digit by digit. None if
    ``numeral`` is not a numeral."""
    if not numeral or any(c not in _CN_NUM for c in numeral):
        return None
    if all(c in _CN_VALUES for c in numeral):
        if len(numeral) == 1:
            return float(_CN_VALUES[numeral])
        return float("".join(str(_CN_VALUES[c]) for c in numeral))
    total, section, digit = 0.0, 0.0, None
    small = {"十": 10, "百": 100, "千": 1000}
    for c in numeral:
        if c in _CN_VALUES:
            digit = _CN_VALUES[c]
        elif c in small:
            section += (1 if digit is None else digit) * small[c]
            digit = None
        else:  # 万 or 亿
            section += digit or 0
            if section == 0 and total == 0:
                return None
            if c == "亿":
                total = (total + section) * 1e8
            else:
                total += section * 1e4
            section, digit = 0.0, None
    return total + section + (digit or 0)


def _number(s: str) -> tuple[float | None, str]:
    """A written number (Arabic or Chinese) as (value, magnitude word): the trailing
    万/亿/万亿 is kept as part of the unit, as in the text (1100万 → 1100, 万)."""
    for mag in ("万亿", "亿", "万"):
        if s.endswith(mag) and len(s) > len(mag):
            head = s[: -len(mag)]
            v = _number(head)[0]
            if v is not None:
                return v, mag
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s), ""
    if "点" in s:  # 五点五 → 5.5, 八十四点七 → 84.7: the digits after 点 are read one by one
        whole, _, frac = s.partition("点")
        w = cn_value(whole) if whole else None
        if w is None or not frac or any(c not in _CN_VALUES for c in frac):
            return None, ""
        return float(f"{int(w)}.{''.join(str(_CN_VALUES[c]) for c in frac)}"), ""
    v = cn_value(s)
    if v is None:
        return None, ""
    # 一亿二千万 (no single head before the last magnitude): express it in that magnitude.
    for mag in ("亿", "万"):
        if s.endswith(mag):
            return v / _MAGNITUDE[mag], mag
    return v, ""


def _target_regex(rules: TargetRules) -> dict:
    """The patterns of ``rules`` (:func:`_compile_target_regex`), kept on the rules
    object: hashing a frozen TargetRules for a cache lookup reads all its word lists,
    a cost paid for every document."""
    rx = rules.__dict__.get("_patterns")
    if rx is None:
        rx = _compile_target_regex(rules)
        object.__setattr__(rules, "_patterns", rx)      # a cache, not a field
    return rx


@lru_cache(maxsize=8)
def _compile_target_regex(rules: TargetRules):
    alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # noqa: E731
    num = rf"(?:\d+(?:\.\d+)?(?:万亿|亿|万)?|[{_CN_NUM}]+(?:点[零〇一二三四五六七八九]+(?:万亿|亿|万)?)?)"
    # A unit, or a compound unit with a slash: 微克/立方米, 元/吨.
    units = alt(rules.units)
    if rules.per:
        units = rf"(?:{units})(?:[/／](?:{alt(rules.per)}))?"
    # 百分之 (百分之八十五, 百分之五点五, 百分之百) is a percent written in words.
    quantity = re.compile(
        rf"(?P<pct>百分之)?(?P<low>{num})(?P<u1>%|{units})?"
        rf"(?:\s*[-－—–~～至到]\s*(?:百分之)?(?P<high>{num}))?(?P<unit>{units})?")
    after = [m for m in rules.modifiers if m[2] == "after"]
    before = [m for m in rules.modifiers if m[2] == "before"]
    return {
        "quantity": quantity,
        "after": re.compile(rf"(?:{alt([m[0] for m in after])})") if after else None,
        "before": re.compile(rf"(?:{alt([m[0] for m in before])})") if before else None,
        "aims": re.compile(rf"(?:{alt(rules.aims)})") if rules.aims else None,
        "announce": re.compile(alt(rules.announce)),
        "announce_strong": re.compile(rf"(?:{alt(rules.announce)})(?:是|为|[：:])"),
        # no announcing word holds a character sentences are cut at: a match lies
        # within a sentence, and each sentence's first one is found by a whole-text scan
        "announce_in_sentence": all(_CUT.isdisjoint(w) for w in rules.announce),
        "list_start": re.compile(rf"(?:{alt(rules.list_start)})") if rules.list_start else None,
        # Longer blocking words first, so 主要 is read before 要; a cue is group "cue".
        "forward": re.compile(rf"(?:{alt(rules.not_forward)})|(?P<cue>{alt(rules.forward)})"
                              if rules.not_forward else rf"(?P<cue>{alt(rules.forward)})") if rules.forward else None,
        "forecast": re.compile(alt(rules.forecast)) if rules.forecast else None,
        "bounds": {m[0]: m[1] for m in rules.modifiers},
        "trim": re.compile(rf"^(?:{alt(rules.trim)})+|(?:{alt(rules.trim)})+$") if rules.trim else None,
        "rise": tuple(rules.rise), "fall": tuple(rules.fall),
        "candidate": re.compile(r"\d+|百分之"),
        # 每立方米 before a number: the unit is per cubic metre (每立方米三十一微克).
        "per_before": re.compile(rf"每({alt(rules.per)})$") if rules.per else None,
        # A count of tasks (五个方面工作, 三项任务) is not a target.
        "tasks": _task_regex(rules),
        # A number that opens a listed formula (四个全面, 三个一批) is a name, not a value.
        "formulas": _formula_starts(),
        "modifier": re.compile(alt([m[0] for m in rules.modifiers])),
        "unit_set": frozenset(rules.units),
    }


_CLAUSE = re.compile(r"[，；：、,;:]")
_RANGE_SIGN = re.compile(r"[-－—–~～至到]")     # the signs of a range in rx["quantity"]


def _formula_starts() -> dict:
    """The numbered forms of ``tifa.yaml``, by first character."""
    out: dict = {}
    for form, canon in load_tifa().surface.items():
        if load_tifa().info[canon][0] == "numbered":
            out.setdefault(form[0], []).append(form)
    return {c: tuple(forms) for c, forms in out.items()}


def _task_regex(rules: TargetRules):
    """A count unit followed by a noun that counts tasks, aspects or items of a speech:
    the units and nouns of ``structure.yaml`` (count_units, count_nouns) and the
    ``task_nouns`` of ``targets.yaml``."""
    structure = lexicons.load_structure_rules()
    nouns = [*structure["count_nouns"], *rules.task_nouns]
    if not nouns:
        return None
    alt = lambda words: "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))  # noqa: E731
    # The noun ends the phrase (五个方面工作。 三项任务， 五个方面的工作): 10个重点项目 is a count
    # of projects, which can be a target.
    return frozenset(structure["count_units"]), re.compile(rf"(?:的?(?:{alt(nouns)}))+(?![\u4e00-\u9fff])")


def targets(cleaned, sections: pd.DataFrame | None = None, *, rules: TargetRules | None = None,
            doc_id: str | None = None, review: Directives | pd.DataFrame | bool | None = None) -> pd.DataFrame:
    """Stated quantitative targets: one row per target.

    * scope ``main``: every quantity in a sentence that announces targets (a word of
      ``announce`` such as 预期目标), or in the next sentence of the same paragraph when
      the announcing one has no number. Plain numbers count here (bound ``exact``).
    * scope ``other``: elsewhere, a quantity with a modifier or a range in a
      forward-looking sentence (a word of ``forward``: 今年, 要, 力争 …) that does not
      report past work (the ``review`` sentences of :func:`directive_force`, read with
      the review lists of ``review``, the bundled ``directives.yaml`` by default, or
      taken from ``review`` when it is that function's table for the same text;
      ``review=False`` keeps them): 今年以来…增长6%左右 is a result, not a target.

    Each row gives the ``indicator`` (the clause before the number, trimmed of linking
    words; a bare number after 、 inherits the previous indicator), ``low``/``high``
    (equal unless a range: 6%－6.5%, 6%至6.5%), ``unit`` (%, 万人, 亿元 …; 万/亿 as
    written), ``modifier`` (左右, 以上, 以内, 不低于 … or ``range``), ``bound`` (about,
    at_least, at_most, range, exact), ``aim`` (力争 when the target is aspirational),
    ``direction`` (up/down from the indicator's last word: 增长, 下降 …), and offsets:
    the sentence's ``start``/``end`` and the number's ``value_start``. Chinese numerals
    are read (一千一百万人 → 1100 万人). A redaction mask in the number's place (XX%)
    gives a row with ``low``/``high`` missing and the mask in ``mask``; no value is
    ever guessed. This follows how analysts read 政府工作报告 targets (indicator, value
    or range, modifier, unit), e.g. factiq's target tables.
    """
    t = _Text(cleaned, sections, doc_id)
    rows = _target_rows(t, rules or load_target_rules(), review)
    return _frame(t.did, t.sections, rows, TARGET_COLUMNS, ("start", "end", "value_start"), ("low", "high"))


def _target_rows(t: _Text, rules: TargetRules, review) -> list:
    """The rows of :func:`targets` after doc_id, section_id and top_id; ``review`` as
    there, or :class:`_Flags` holding the review column of :func:`directive_force`."""
    rx = _target_regex(rules)
    text, masks, masked = t.text, t.masks, t.masked
    # Masks that stand for a quantity (XX%, XX个, XX余名), by start offset.
    mask_at = {}
    for ms, me in masks:
        rest = re.sub(r"[X×余.]", "", text[ms:me])
        if rest and rest in rx["unit_set"]:
            mask_at[int(ms)] = (int(me), text[ms:me], rest)
    mask_starts = np.array(sorted(mask_at), dtype=np.int64)
    starts, ends = t.bounds
    n = len(starts)

    def sentences_of(positions) -> np.ndarray:
        return np.searchsorted(starts, np.asarray(positions, dtype=np.int64), side="right") - 1

    # Whole-text scans, then sentence by sentence only where a number (or a mask) stands.
    with_number = np.zeros(n, dtype=bool)
    # (a digit anywhere in a run of digits, or 百分之: the sentences of the starts of
    # rx["candidate"]'s matches, found with numpy)
    codes = t.codes
    with_number[sentences_of(np.flatnonzero(t.classes & _DIGIT))] = True
    with_number[sentences_of(_find_all(masked, "百分之"))] = True
    if len(mask_starts):
        with_number[sentences_of(mask_starts)] = True
    # A number written in Chinese (一千一百万人) is read in an announced list, or next to
    # a modifier (以上, 左右 …): outside those, a target needs a modifier anyway.
    with_number[sentences_of([m.start() for m in rx["modifier"].finditer(masked)])] = True
    announce = np.zeros(n, dtype=bool)
    mentions = set(sentences_of([m.start() for m in rx["announce"].finditer(masked)]).tolist())
    if rx["announce_in_sentence"]:
        # a strong announcement (目标是, 目标为) is a mention: looked for in those sentences only
        strong = rx["announce_strong"].search
        for i in mentions:
            if 0 <= i < n and strong(masked, int(starts[i]), int(ends[i])):
                announce[i] = True
    else:
        announce[sentences_of([m.start() for m in rx["announce_strong"].finditer(masked)])] = True
    paragraph = np.searchsorted(np.flatnonzero(codes == 10), starts) if n else starts
    # A plain mention (…预期目标作了适当调整。) announces the next sentence if that one opens
    # this year's list (今年要…).
    if rx["list_start"] is not None:
        for i in mentions:
            if 0 <= i < n - 1 and paragraph[i] == paragraph[i + 1] and \
                    rx["list_start"].match(masked, int(starts[i + 1])):
                announce[i + 1] = True
    # An announcement holds for the rest of its paragraph.
    last = np.maximum.accumulate(np.where(announce, np.arange(n), -1)) if n else starts
    in_list = (last >= 0) & (paragraph[np.maximum(last, 0)] == paragraph)
    with_number |= in_list
    past = None          # sentences that report past work, found when first needed
    rows = []
    # plain lists: the loop reads one value at a time, which numpy makes slow
    starts_at, ends_at, listed = starts.tolist(), ends.tolist(), in_list.tolist()
    masks_at = mask_starts.tolist()
    modifier = rx["modifier"].search
    # With the review flags at hand (or none to read), the tests that leave out a
    # sentence have no side effect, so the cheapest go first; otherwise the review
    # sentences are found only when a forward-looking sentence needs them.
    eager = review is False or isinstance(review, _Flags)
    if isinstance(review, _Flags):
        past = review.flags.tolist()
    for i in np.flatnonzero(with_number).tolist():
        s, e = starts_at[i], ends_at[i]
        sent = masked[s:e]
        main = listed[i]
        if eager:
            if not main and ((past is not None and past[i]) or not modifier(sent) and not _RANGE_SIGN.search(sent)
                             or not _forward(sent, rx)):
                continue
        elif not main and not _forward(sent, rx):
            continue
        elif not main and review is not False:
            if past is None:
                if isinstance(review, pd.DataFrame):
                    if len(review) != n:
                        raise ValueError("review: a directive_force table of another text")
                    past = review["review"].to_numpy(dtype=bool)
                else:
                    lexicon = review if isinstance(review, Directives) else load_directives()
                    past = _directive_columns(t, lexicon)["review"]
                past = past.tolist()
            if past[i]:
                continue
        if not eager and not main and not modifier(sent) and not _RANGE_SIGN.search(sent):
            continue  # outside a list only a modifier or a range makes a target: none here
        k = bisect.bisect_left(masks_at, s)
        has_mask = k < len(masks_at) and masks_at[k] < e
        found = _quantities(sent, s, rx, mask_at if has_mask else {})
        indicator = ""
        for q in found:
            ind = q["indicator"] or indicator
            indicator = ind
            if not main and (q["bound"] == "exact" or q["forecast"]):
                continue
            rows.append(("main" if main else "other", ind, q["low"], q["high"], q["unit"],
                         q["modifier"], q["bound"], q["aim"], _direction(ind, rx), q["mask"], s, e, q["at"]))
    return rows


@dataclass(frozen=True)
class _Flags:
    """The review column of :func:`_directive_columns` for the same text, handed to
    :func:`_target_rows`."""

    flags: np.ndarray


def _find_all(text: str, word: str) -> list[int]:
    """Start offsets of the occurrences of ``word`` in ``text`` that do not overlap."""
    out, find = [], text.find
    i = find(word)
    while i >= 0:
        out.append(i)
        i = find(word, i + len(word))
    return out


_BOUND_SIGN = {"about": "≈", "at_least": "≥", "at_most": "≤", "range": "", "exact": ""}


def format_target(row) -> str:
    """A target as people write it: ≈5.5%, ≥1100万人, ≤4.5%, 6–6.5%; a masked value
    shows its mask (XX%) and never a number."""
    if row["mask"]:
        return f"{_BOUND_SIGN.get(row['bound'], '')}{row['mask']}"
    low, high = f"{row['low']:g}", f"{row['high']:g}"
    value = low if low == high else f"{low}–{high}"
    return f"{_BOUND_SIGN.get(row['bound'], '')}{value}{row['unit']}"


def target_series(targets_table: pd.DataFrame, documents: pd.DataFrame, indicator: str, *,
                  scope: str = "main") -> pd.DataFrame:
    """One indicator's stated target across documents, one row per document with a year:
    year, doc_id, stated (False when the document states no such target), indicator,
    low, high, unit, modifier. ``indicator`` is a regular expression matched against the
    indicator text (``"生产总值增长"``); the first matching target of a document counts.
    A document without one keeps its row with ``stated`` False: an absent target is a
    finding, not a gap to fill."""
    docs = documents.dropna(subset=["year"])[["doc_id", "year"]].copy()
    docs["year"] = docs["year"].astype(int)
    t = targets_table[(targets_table["scope"] == scope) if scope else slice(None)]
    t = t[t["indicator"].str.contains(indicator, regex=True)].drop_duplicates("doc_id")
    out = docs.merge(t[["doc_id", "indicator", "low", "high", "unit", "modifier"]], on="doc_id", how="left")
    out.insert(2, "stated", out["indicator"].notna())
    out[["indicator", "unit", "modifier"]] = out[["indicator", "unit", "modifier"]].fillna("")
    return out.sort_values("year").reset_index(drop=True)


def _forward(sent: str, rx) -> bool:
    if rx["forward"] is None:
        return False
    return any(m.group("cue") for m in rx["forward"].finditer(sent))


def _direction(indicator: str, rx) -> str:
    if any(indicator.endswith(w) for w in rx["fall"]):
        return "down"
    if any(indicator.endswith(w) for w in rx["rise"]):
        return "up"
    return ""


def _quantities(sent: str, offset: int, rx, mask_at: dict) -> list[dict]:
    """The quantities of one sentence, each with its clause's indicator and modifier."""
    spans = []
    for m in rx["quantity"].finditer(sent):
        low_s, high_s = m.group("low"), m.group("high")
        unit = m.group("unit") or m.group("u1") or ""
        if not (high_s or unit or low_s[0].isdigit() or low_s[-1] in "万亿" or m.group("pct")):
            continue  # a Chinese numeral alone (一些): the check below, made before reading it
        low, mag = _number(low_s)
        if low is None:
            continue
        high = low
        if high_s:
            high, mag_h = _number(high_s)
            if high is None:
                continue
            mag = mag or mag_h
        if any(len(f) > m.end() - m.start() and sent.startswith(f, m.start())
               for f in rx["formulas"].get(sent[m.start()], ())):
            continue  # “四个全面”: the number is part of a formula's name (but 三公里 is not 三公)
        if m.group("pct"):
            unit = "%"
        elif rx["tasks"] and unit in rx["tasks"][0] and rx["tasks"][1].match(sent, m.end()):
            continue  # 五个方面工作, 三项任务: a count of tasks, not a target
        if not low_s[0].isdigit() and not (mag or unit):
            continue  # 一些, 十四五: a Chinese numeral is a quantity only with a unit
        if low_s[0].isdigit() and not (mag or unit or high_s):
            # A bare number (a year, an ordinal) is a quantity only with a modifier after it.
            if not (rx["after"] and rx["after"].match(sent, m.end())):
                continue
        start = m.start()
        if rx["per_before"] and not mag and unit and "/" not in unit:
            per = rx["per_before"].search(sent, 0, m.start())
            if per:  # 每立方米三十一微克 → 31 微克/立方米; the 每… is not part of the indicator
                unit, start = f"{unit}/{per.group(1)}", per.start()
        spans.append((start, m.end(), low, high, mag + unit, bool(high_s), ""))
    for ms, (me, mtext, unit) in mask_at.items():
        if offset <= ms < offset + len(sent):
            spans.append((ms - offset, me - offset, None, None, unit, False, mtext))
    spans.sort(key=lambda x: x[0])
    out = []
    clause_start = last_end = 0
    for start, end, low, high, unit, is_range, mask in spans:
        # 、 ends a clause only after a quantity of the same clause (3%左右、城镇…); in a
        # clause without one (国控、省控断面水质优良比例) it joins nouns into one indicator.
        cut, hard = [], False
        for c in _CLAUSE.finditer(sent, last_end, start):
            if c.group() != "、" or (last_end and not hard):
                cut.append(c.end())
                hard = hard or c.group() != "、"
        if cut:
            clause_start = cut[-1]
        head = sent[max(clause_start, last_end):start]
        if head.strip("和及与或、 ") == "":
            head = ""  # 3%左右和5%左右: the second number shares the first one's indicator
        last_end = end
        modifier, bound, aim = "", "exact", ""
        am = rx["after"].match(sent, end) if rx["after"] else None
        if am:
            last_end = am.end()
        bm = None
        if rx["before"]:
            for bm in rx["before"].finditer(head):
                pass
        if am:
            modifier, bound = am.group(), rx["bounds"][am.group()]
        elif bm:
            modifier, bound = bm.group(), rx["bounds"][bm.group()]
        if bm:
            head = head[: bm.start()] + head[bm.end():]
        if is_range:
            modifier, bound = ("range" if not modifier else f"range+{modifier}"), "range"
        if rx["aims"]:
            a = rx["aims"].search(head)
            if a:
                aim = a.group()
                head = head[: a.start()] + head[a.end():]
        forecast = bool(rx["forecast"] and rx["forecast"].search(head))
        indicator = head.strip()
        if rx["trim"]:
            for _ in range(3):
                indicator = rx["trim"].sub("", indicator).strip()
        out.append({"indicator": indicator, "low": low, "high": high, "unit": unit, "modifier": modifier,
                    "bound": bound, "aim": aim, "mask": mask, "at": offset + start,
                    "forecast": forecast})
    return out


# -- attention across years ---------------------------------------------------------------------

@dataclass
class Attention:
    """Attention across years (see :func:`attention`)."""

    per_year: pd.DataFrame   # term, year, n, tokens, per_10k
    spans: pd.DataFrame      # term, first_year, last_year, years, n, new, gone
    trend: pd.DataFrame      # term, n, s, z, p, tau, slope, direction
    keyness: pd.DataFrame    # year, term, n_target, n_reference, g2, log_ratio, p, effect


def mann_kendall(values) -> tuple[float, float, float, float]:
    """Mann–Kendall trend test (Mann 1945; Kendall 1975) of a series in time order:
    S = Σ_{i<j} sign(x_j − x_i), Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18 over
    groups of t tied values, z = (S − sign(S)) / √Var(S), two-sided p from the normal
    distribution, and Kendall's τ = S / (n(n−1)/2). Returns (S, z, p, τ)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 3:
        return 0.0, 0.0, 1.0, 0.0
    diff = np.sign(x[None, :] - x[:, None])
    s = float(np.triu(diff, 1).sum())
    _, ties = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float(np.sum(ties * (ties - 1) * (2 * ties + 5)))) / 18.0
    if var <= 0:
        return s, 0.0, 1.0, 0.0
    z = (s - np.sign(s)) / math.sqrt(var)
    p = math.erfc(abs(z) / math.sqrt(2))
    return s, z, p, s / (n * (n - 1) / 2)


def theil_sen(years, values) -> float:
    """Theil–Sen slope: the median of the pairwise slopes (x_j − x_i) / (t_j − t_i)."""
    t = np.asarray(years, dtype=float)
    x = np.asarray(values, dtype=float)
    i, j = np.triu_indices(len(t), 1)
    ok = t[j] != t[i]
    return float(np.median((x[j] - x[i])[ok] / (t[j] - t[i])[ok])) if ok.any() else 0.0


def attention(corpus_tables, by: str = "year", *, doc_ids=None, min_n: int = 5, alpha: float = 0.05,
              min_prior: int = 2, min_chars: int = 2, exclude=()) -> Attention:
    """Which terms enter, rise, fall and leave across years, from reference tables.

    ``corpus_tables`` is a :class:`~zhspeech.reference.Reference` (or anything with
    ``documents`` — doc_id, year, tokens — and ``terms`` — doc_id, term, n); pick the
    documents with ``doc_ids`` (a series of reports of one genre: mixing genres shows
    genre, not time). Documents of one year are pooled.

    * ``per_year``: n and per_10k = n / tokens of the year × 10,000.
    * ``spans``: first and last year with the term; ``new`` when the first year has at
      least ``min_prior`` earlier years without it and the term has ≥ ``min_n`` uses in
      total; ``gone`` when it was used ≥ ``min_n`` times and is absent from the last
      year. Years missing from the series (no report) are not counted as absences.
    * ``trend``: Mann–Kendall test of per_10k over the years (:func:`mann_kendall`)
      with the Theil–Sen slope (per 10k tokens per year); ``direction`` rising or
      falling where p < ``alpha``. Terms with fewer than ``min_n`` uses are left out.
    * ``keyness``: each year against all earlier years pooled, G² and Log Ratio
      (:func:`zhspeech.stats.keyness`; Rayson & Garside 2000, Hardie 2014).

    Terms shorter than ``min_chars`` (lone characters, mostly segmentation residue) and
    the words in ``exclude`` (for example the generic verbs of ``stopwords_generic.txt``)
    are left out of ``spans``, ``trend`` and ``keyness``; their tokens still count in
    the denominators.

    The caveat of attention studies holds: a change in which documents survive, or in
    their genre, looks like a change of attention.
    """
    from .stats import keyness

    if by != "year":
        raise ValueError("attention is measured by='year'")
    docs = corpus_tables.documents
    if doc_ids is not None:
        docs = docs[docs["doc_id"].isin(list(doc_ids))]
    docs = docs.dropna(subset=["year"])
    if docs.empty:
        raise ValueError("no documents with a year to compare")
    year_of = dict(zip(docs["doc_id"], docs["year"].astype(int)))
    terms = corpus_tables.terms
    terms = terms[terms["doc_id"].isin(year_of)].assign(year=lambda t: t["doc_id"].map(year_of))
    tokens = docs.assign(year=docs["year"].astype(int)).groupby("year")["tokens"].sum()
    years = sorted(tokens.index)
    counts = terms.groupby(["term", "year"])["n"].sum().unstack("year").reindex(columns=years).fillna(0)
    counts = counts.astype(np.int64)
    rates = counts / tokens.reindex(years).to_numpy() * 10_000
    per_year = (counts.stack().rename("n").to_frame().join(rates.stack().rename("per_10k"))
                .reset_index())
    per_year["tokens"] = per_year["year"].map(tokens)
    excluded = set(exclude)
    kept = [t for t in counts.index if len(t) >= min_chars and t not in excluded]
    counts, rates = counts.loc[kept], rates.loc[kept]
    per_year = per_year[per_year["term"].isin(kept)]
    per_year = per_year[per_year["n"] > 0][["term", "year", "n", "tokens", "per_10k"]].reset_index(drop=True)
    present = counts.to_numpy() > 0
    total = counts.sum(axis=1).to_numpy()
    first_idx = present.argmax(axis=1)
    last_idx = len(years) - 1 - present[:, ::-1].argmax(axis=1)
    yarr = np.array(years)
    spans = pd.DataFrame({"term": counts.index, "first_year": yarr[first_idx], "last_year": yarr[last_idx],
                          "years": present.sum(axis=1), "n": total})
    spans["new"] = (first_idx >= min_prior) & (total >= min_n)
    spans["gone"] = (last_idx < len(years) - 1) & (total >= min_n)
    trend_rows = []
    keep = total >= min_n
    for term, row in zip(rates.index[keep], rates.to_numpy()[keep]):
        s, z, p, tau = mann_kendall(row)
        slope = theil_sen(years, row)
        direction = ("rising" if s > 0 else "falling") if p < alpha else ""
        trend_rows.append((term, int(counts.loc[term].sum()), s, z, p, tau, slope, direction))
    trend = pd.DataFrame(trend_rows, columns=["term", "n", "s", "z", "p", "tau", "slope", "direction"])
    trend = trend.sort_values(["p", "term"]).reset_index(drop=True)
    key = []
    for k, year in enumerate(years[1:], start=1):
        target = counts[year]
        reference = counts[years[:k]].sum(axis=1)
        kt = keyness(target[target > 0], reference[reference > 0], alpha=alpha)
        kt.insert(0, "year", year)
        key.append(kt)
    keyness_table = pd.concat(key, ignore_index=True) if key else pd.DataFrame()
    return Attention(per_year, spans.reset_index(drop=True), trend, keyness_table)
