"""Theme lexicons, theme hits and emphasis measures.

``load_lexicon`` reads ``data/lexicons/themes.yaml`` (or your own YAML, or a CSV of
``theme,term``) and validates it. ``count_themes`` matches the terms on the cleaned
text, longest first and without overlap (one Aho–Corasick automaton, independent of
segmentation), skipping redaction masks, and returns the theme_hits table::

    doc_id, section_id, top_id, theme, subtheme, term, matched, start, end

``emphasis`` turns hits into the emphasis table (hits, per_1k_hanzi, sentence_share,
hit_share, doc_share, rank) per document or per section.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from . import lexicons, paths, prefilter
from .clean import blank_spans, text_and_masks
from .structure import count_hanzi
from .errors import LexiconError, ThemeError, quote

HIT_COLUMNS = ["doc_id", "section_id", "top_id", "theme", "subtheme", "term", "matched", "start", "end"]
EMPHASIS_COLUMNS = ["doc_id", "section_id", "theme", "hits", "per_1k_hanzi", "sentence_share",
                    "hit_share", "doc_share", "rank", "hanzi"]


@dataclass
class Lexicon:
    """Validated theme lexicon.

    ``surface`` maps each matchable string to ``[(theme, subtheme, canonical term)]``;
    ``shared`` lists terms that belong to more than one theme.
    """

    version: str
    path: str
    themes: dict                      # theme -> description
    surface: dict                     # string -> list of (theme, subtheme, term)
    shared: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["term", "themes"]))
    digest: str = ""

    @property
    def names(self) -> list[str]:
        return list(self.themes)

    def terms(self) -> pd.DataFrame:
        """One row per (theme, subtheme, term, surface form)."""
        rows = [(th, sub, term, s) for s, owners in self.surface.items() for th, sub, term in owners]
        df = pd.DataFrame(rows, columns=["theme", "subtheme", "term", "surface"])
        order = {t: i for i, t in enumerate(self.themes)}
        # Themes in file order; within a theme, terms stay in the order the file lists them.
        return df.sort_values("theme", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)

    def select(self, names) -> "Lexicon":
        """A lexicon with only the named themes (ThemeError for an unknown name)."""
        names = list(names)
        for n in names:
            if n not in self.themes:
                raise ThemeError(n, f"unknown theme; the lexicon {Path(self.path).name} has "
                                    f"{', '.join(self.themes)}")
        surface = {}
        for s, owners in self.surface.items():
            kept = [o for o in owners if o[0] in names]
            if kept:
                surface[s] = kept
        return Lexicon(self.version, self.path, {n: self.themes[n] for n in names}, surface,
                       self.shared, self.digest)

    @property
    def automaton(self):
        return _automaton(tuple(sorted(self.surface)))

    @property
    def matcher(self) -> "Matcher":
        """The surface forms and their owners, ready for :func:`match_themes`."""
        return _matcher(tuple((s, tuple(owners)) for s, owners in sorted(self.surface.items())))


@lru_cache(maxsize=8)
def _automaton(words: tuple):
    import ahocorasick

    auto = ahocorasick.Automaton()
    for w in words:
        auto.add_word(w, len(w))
    if words:
        auto.make_automaton()
    return auto


def _term_entries(entry, where: str, path) -> list[tuple[str, list[str]]]:
    if isinstance(entry, str):
        term = entry.strip()
        if not term:
            raise LexiconError(path, f"{where}: empty term")
        return [(term, [])]
    if isinstance(entry, dict) and "term" in entry:
        term = str(entry["term"] or "").strip()
        if not term:
            raise LexiconError(path, f"{where}: empty term")
        variants = entry.get("variants") or []
        if not isinstance(variants, list) or any(not isinstance(v, str) or not v.strip() for v in variants):
            raise LexiconError(path, f"{where}: variants of {term!r} must be a list of non-empty strings")
        return [(term, [v.strip() for v in variants])]
    raise LexiconError(path, f"{where}: a term must be a string or {{term: ..., variants: [...]}}, "
                             f"got {quote(entry)}")


def _add_theme(surface, theme, sub, entries, path, seen_in_theme):
    for term, variants in entries:
        for form in [term, *variants]:
            if form in seen_in_theme:
                raise LexiconError(path, f"theme {theme!r}: duplicate term {form!r}")
            seen_in_theme.add(form)
            surface.setdefault(form, []).append((theme, sub, term))


def _parse_yaml(path: Path) -> Lexicon:
    data = lexicons.load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("themes"), dict):
        raise LexiconError(path, "expected a mapping with 'version' and a 'themes' mapping")
    themes, surface = {}, {}
    for name, spec in data["themes"].items():
        if not isinstance(name, str) or not name.strip():
            raise LexiconError(path, f"theme names must be non-empty strings, got {name!r}")
        if not isinstance(spec, dict):
            raise LexiconError(path, f"theme {name!r}: expected description and terms")
        unknown = set(spec) - {"description", "terms", "subthemes"}
        if unknown:
            raise LexiconError(path, f"theme {name!r}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        terms = spec.get("terms") or []
        subthemes = spec.get("subthemes") or {}
        if not isinstance(terms, list) or not isinstance(subthemes, dict):
            raise LexiconError(path, f"theme {name!r}: 'terms' must be a list and 'subthemes' a mapping")
        seen: set = set()
        entries = [e for i, t in enumerate(terms) for e in _term_entries(t, f"theme {name!r} term {i + 1}", path)]
        _add_theme(surface, name, "", entries, path, seen)
        n_terms = len(entries)
        for sub, sspec in subthemes.items():
            if not isinstance(sub, str) or not sub.strip() or not isinstance(sspec, dict):
                raise LexiconError(path, f"theme {name!r}: subtheme {sub!r} needs a name and terms")
            sterms = sspec.get("terms") or []
            if not sterms:
                raise LexiconError(path, f"theme {name!r}: subtheme {sub!r} has no terms")
            sentries = [e for i, t in enumerate(sterms)
                        for e in _term_entries(t, f"theme {name!r} subtheme {sub!r} term {i + 1}", path)]
            _add_theme(surface, name, sub, sentries, path, seen)
            n_terms += len(sentries)
        if n_terms == 0:
            raise LexiconError(path, f"theme {name!r} has no terms")
        themes[name] = str(spec.get("description", ""))
    if not themes:
        raise LexiconError(path, "no themes defined")
    return Lexicon(str(data.get("version", "")), str(path), themes, surface)


def _parse_csv(path: Path) -> Lexicon:
    text = lexicons.read_text(path)
    themes, surface, seen = {}, {}, {}
    reader = csv.reader(io.StringIO(text))
    for n, row in enumerate(lexicons._rows(reader, path), start=1):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if n == 1 and [c.strip().lower() for c in row[:2]] == ["theme", "term"]:
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise LexiconError(f"{path}:{n}", "expected theme,term with both non-empty")
        theme, term = row[0].strip(), row[1].strip()
        sub = row[2].strip() if len(row) > 2 else ""
        key = (theme, term)
        if key in seen:
            raise LexiconError(f"{path}:{n}", f"theme {theme!r}: duplicate term {term!r} (first on line {seen[key]})")
        seen[key] = n
        themes.setdefault(theme, "")
        surface.setdefault(term, []).append((theme, sub, term))
    if not themes:
        raise LexiconError(path, "no theme,term rows")
    return Lexicon("csv", str(path), themes, surface)


@lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> Lexicon:
    p = Path(path)
    lex = _parse_csv(p) if p.suffix.lower() == ".csv" else _parse_yaml(p)
    shared = [(s, ", ".join(sorted({o[0] for o in owners}))) for s, owners in lex.surface.items()
              if len({o[0] for o in owners}) > 1]
    lex.shared = pd.DataFrame(shared, columns=["term", "themes"])
    lex.digest = lexicons.file_hash(p)
    return lex


def load_lexicon(path=None, *, warn_shared: bool = True) -> Lexicon:
    """Load and validate a theme lexicon (YAML as ``themes.yaml``, or CSV theme,term).

    Raises :class:`LexiconError` naming the file and the theme or line for malformed
    YAML, a theme without terms, an empty term or a duplicate term. Terms shared
    between themes are allowed and reported (``Lexicon.shared`` and a warning).
    """
    p = Path(path) if path is not None else paths.lexicon("themes.yaml")
    if p.is_dir():
        raise LexiconError(p, "is a folder, not a lexicon file")
    if not p.is_file():
        raise LexiconError(p, "no such file")
    lex = _load(str(p.resolve()), p.stat().st_mtime)
    if warn_shared and len(lex.shared):
        warnings.warn(f"{p.name}: {len(lex.shared)} term(s) belong to several themes: "
                      + "; ".join(f"{t} ({th})" for t, th in lex.shared.itertuples(index=False)),
                      stacklevel=2)
    return lex


@dataclass(frozen=True, eq=False)
class Matcher:
    """A lexicon's surface forms in one Aho–Corasick automaton (its value: the form's
    index), and one row per (form, owner): ``theme``, ``subtheme``, ``term`` and the
    form itself (``matched``). ``first[i]`` is the first row of form ``i`` and
    ``owners[i]`` its number of rows, in the order the lexicon lists them."""

    automaton: object
    lengths: np.ndarray
    first: np.ndarray
    owners: np.ndarray
    theme: np.ndarray
    subtheme: np.ndarray
    term: np.ndarray
    matched: np.ndarray
    # The characters the forms are made of (a code point table, None without forms) and
    # the length of the shortest form: where a hit can lie (:func:`_automaton_hits`).
    letters: np.ndarray | None = None
    shortest: int = 0


@lru_cache(maxsize=8)
def _matcher(items: tuple) -> Matcher:
    import ahocorasick

    auto = ahocorasick.Automaton()
    lengths, first, owners, rows = [], [], [], []
    for i, (form, owned) in enumerate(items):
        auto.add_word(form, i)
        lengths.append(len(form))
        first.append(len(rows))
        owners.append(len(owned))
        rows.extend((theme, sub, term, form) for theme, sub, term in owned)
    if items:
        auto.make_automaton()
    cols = [np.array([r[j] for r in rows], dtype=object) for j in range(4)]
    letters = prefilter.char_table("".join({c for form, _ in items for c in form})) if items else None
    return Matcher(auto, np.array(lengths, dtype=np.int64), np.array(first, dtype=np.int64),
                   np.array(owners, dtype=np.int64), *cols, letters=letters, shortest=min(lengths, default=0))


# Texts shorter than this go to the automaton whole: cutting them costs more than it
# saves (measured: the cut pays from about 5,000 characters on).
_WHOLE_BELOW = 6000
# ... and so do texts whose stretches that can hold a form are more than this share of them.
_WHOLE_ABOVE = 0.75


def _automaton_hits(matcher: Matcher, text: str) -> np.ndarray:
    """``list(matcher.automaton.iter_long(text))`` as an ``(n, 2)`` array of (end,
    form), found by running the automaton over the stretches of ``text`` that can hold
    a form only: the runs of characters that occur in some form, at least as long as
    the shortest form, each followed by the character after it in ``text`` (one that
    occurs in no form) or by the end of the text.

    No hit can contain a character that occurs in no form; the automaton reads every
    such character from its root state and stays there, so what it does on a run
    depends only on the run and on whether a character of that kind or the end
    follows — which the shortened text keeps. A run shorter than every form holds no
    hit and leaves the automaton at its root. The hits (and whatever pyahocorasick's
    iter_long makes of overlapping forms) are therefore exactly those of the whole
    text, with their ends mapped back to it; on the comparable corpus about a third
    of the characters is read."""
    whole = matcher.letters is None or len(text) < _WHOLE_BELOW
    if not whole:
        codes = prefilter.codes(text)
        n = len(codes)
        inside = np.zeros(n + 2, dtype=bool)
        inside[1:-1] = matcher.letters.take(codes)
        edges = np.flatnonzero(inside[1:] != inside[:-1])     # run starts and ends, alternately
        starts, stops = edges[0::2], edges[1::2]
        long = stops - starts >= matcher.shortest
        starts, stops = starts[long], np.minimum(stops[long] + 1, n)
        kept = int((stops - starts).sum())
        whole = kept > _WHOLE_ABOVE * n
    if whole:
        return np.array(list(matcher.automaton.iter_long(text)), dtype=np.int64).reshape(-1, 2)
    if not kept:
        return np.zeros((0, 2), dtype=np.int64)
    # where each character of the shortened text stands in ``text`` (a run's stop may be
    # the next run's start: +1 and -1 there cancel)
    step = np.zeros(n + 1, dtype=np.int8)
    step[starts] = 1
    step[stops] -= 1
    at = np.flatnonzero(np.cumsum(step[:n], dtype=np.int8))
    short = codes.take(at).tobytes().decode("utf-32-le", "surrogatepass")
    found = np.array(list(matcher.automaton.iter_long(short)), dtype=np.int64).reshape(-1, 2)
    if len(found):
        found[:, 0] = at[found[:, 0]]
    return found


def match_themes(masked: str, matcher: Matcher) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leftmost-longest, non-overlapping matches of ``matcher``'s forms in ``masked`` (a
    text whose masks are already blanked): ``(start, end, row)`` arrays with one entry
    per hit and owner, in text order and, within a hit, in the lexicon's order of its
    owners; ``row`` indexes the matcher's theme/subtheme/term/matched columns."""
    if not masked or not len(matcher.lengths):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    found = _automaton_hits(matcher, masked)
    form = found[:, 1]
    end = found[:, 0] + 1
    start = end - matcher.lengths[form]
    n = matcher.owners[form]
    if len(n) and n.max() > 1:
        # a form owned by several themes: one row per owner, the hit repeated
        rep = np.repeat(np.arange(len(form)), n)
        within = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
        return start[rep], end[rep], matcher.first[form][rep] + within
    return start, end, matcher.first[form]


def _section_rows(starts: np.ndarray, chosen: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Row (in the sections table) of the chosen section whose start is the last one at
    or before each offset, -1 before the first: what
    :func:`zhspeech.structure.section_of` finds, with the chosen rows sorted by start
    the way ``sort_values`` sorts them."""
    rows = np.flatnonzero(chosen)
    rows = rows[np.argsort(starts[rows], kind="quicksort")]
    idx = np.searchsorted(starts[rows], offsets, side="right") - 1
    return np.where(idx >= 0, rows[np.clip(idx, 0, None)] if len(rows) else -1, -1)


def _ids_at(sections: pd.DataFrame, chosen: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """section_id at each offset among the ``chosen`` rows of ``sections`` ("" before the first)."""
    rows = _section_rows(sections["start"].to_numpy(), chosen, offsets)
    ids = sections["section_id"].to_numpy(dtype=object)
    return np.where(rows >= 0, ids[np.clip(rows, 0, None)] if len(ids) else "", "")


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
    matcher = lexicon.matcher
    start, end, row = match_themes(blank_spans(text, masks), matcher)
    if not len(row):
        return pd.DataFrame([], columns=HIT_COLUMNS).astype({"start": "int64", "end": "int64"})
    n = len(row)
    section_id = top_id = np.full(n, "", dtype=object)
    if sections is not None:
        section_id = _ids_at(sections, sections["is_leaf"].to_numpy(dtype=bool), start)
        top_id = _ids_at(sections, sections["level"].to_numpy() == 1, start)
    return pd.DataFrame({"doc_id": np.full(n, doc_id, dtype=object), "section_id": section_id,
                         "top_id": top_id, "theme": matcher.theme[row], "subtheme": matcher.subtheme[row],
                         "term": matcher.term[row], "matched": matcher.matched[row],
                         "start": start, "end": end})


def longest_match_count(text: str, terms) -> dict:
    """Reference implementation of leftmost-longest matching, for tests and audits:
    scan left to right; at each position take the longest term that starts there."""
    terms = sorted(set(terms), key=len, reverse=True)
    by_first: dict = {}
    for t in terms:
        by_first.setdefault(t[0], []).append(t)
    counts = dict.fromkeys(terms, 0)
    i, n = 0, len(text)
    while i < n:
        for t in by_first.get(text[i], ()):
            if text.startswith(t, i):
                counts[t] += 1
                i += len(t)
                break
        else:
            i += 1
    return counts


# -- emphasis ---------------------------------------------------------------------------

_SENT = re.compile(r"[。！？!?]+[”’」』）)]*|\n")
_ENDS = np.array([ord(c) for c in "。！？!?"], dtype=np.uint32)
_CLOSING = np.array([ord(c) for c in "”’」』）)"], dtype=np.uint32)


def _one_of(codes: np.ndarray, chars: np.ndarray) -> np.ndarray:
    found = codes == chars[0]
    for c in chars[1:]:
        found |= codes == c
    return found


def sentence_ends(codes: np.ndarray) -> np.ndarray:
    """Offsets just after each run of 。！？!? and the closing quotation marks or
    brackets right after it, in a text given as its code points (``uint32``). The one
    rule that :func:`sentence_spans` and :func:`zhspeech.discourse.sentence_bounds`
    cut sentences by."""
    stop = _one_of(codes, _ENDS)
    ends = np.flatnonzero(stop & ~np.append(stop[1:], False)) + 1     # after the last of each run
    closing = np.append(_one_of(codes, _CLOSING), False)
    while True:
        more = closing[ends]
        if not more.any():
            break
        ends = ends + more
    return ends


def sentence_spans(text: str) -> np.ndarray:
    """Start offsets of sentences (split after 。！？ and at line breaks).

    A sentence starts after each match of ``_SENT`` (a run of 。！？!? with the closing
    quotation marks or brackets after it, or a line break), except at a line break:
    a line break right after 。 belongs to that sentence. The matches are found on the
    text's code points with numpy, which gives the same offsets as the regex scan
    (:func:`_sentence_spans_regex`) in a fraction of its time."""
    n = len(text)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    codes = prefilter.codes(text)   # shared with the other scans of this text
    ends = sentence_ends(codes)
    newline = codes == 10
    after = np.concatenate([ends, np.flatnonzero(newline) + 1])
    after = after[after < n]
    after = after[~newline[after]]
    return np.unique(np.concatenate([np.zeros(1, dtype=np.int64), after.astype(np.int64)]))


def _sentence_spans_regex(text: str) -> np.ndarray:
    """:func:`sentence_spans` by a plain regex scan (the reference for the tests)."""
    starts = [0] + [m.end() for m in _SENT.finditer(text) if m.end() < len(text)]
    # A line break right after 。 belongs to that sentence; it does not start a new one.
    starts = [s for s in starts if s == 0 or text[s] != "\n"]
    return np.array(sorted(set(starts)), dtype=np.int64)


def emphasis(hits: pd.DataFrame, sections: pd.DataFrame, text: str, *, by: str = "section",
             level: int = 1, lexicon: Lexicon | None = None) -> pd.DataFrame:
    """Theme emphasis per section (at ``level``) or per document.

    For a unit u (a document or a section) and a theme t:

    * ``hits`` — theme hits in u;
    * ``per_1k_hanzi`` — hits / hanzi(u) × 1,000 (hanzi = CJK ideographs only);
    * ``sentence_share`` — sentences of u with at least one hit of t / sentences of u;
    * ``hit_share`` — hits of t / hits of all themes in u (the theme's share of u's
      theme vocabulary);
    * ``doc_share`` — hits of t in u / hits of t in the document (where the theme sits);
    * ``rank`` — rank of u by per_1k_hanzi for t among the document's units of the same
      kind that have at least one hit (parts among parts; 1 = highest); missing (<NA>)
      where u has no hit of t.

    Every theme of the lexicon gets a row for every unit, zeros included, in text order.
    Shares and ranks are computed over the whole lexicon: select themes from the result
    (``out[out["theme"] == "人才"]``), not from the lexicon, to keep their meaning.
    """
    if by not in ("section", "doc"):
        raise ValueError("by must be 'section' or 'doc'")
    lexicon = lexicon or load_lexicon(warn_shared=False)
    themes = lexicon.names
    doc_id = sections["doc_id"].iloc[0] if len(sections) else (hits["doc_id"].iloc[0] if len(hits) else "")
    if by == "doc":
        units = pd.DataFrame({"section_id": [""], "start": [0], "end": [len(text)],
                              "hanzi": [int(sections["hanzi"][sections["level"] == 1].sum())
                                        if len(sections) else count_hanzi(text)]})
    else:
        units = sections[sections["level"] == level][["section_id", "start", "end", "hanzi"]]
    units = units.sort_values("start").reset_index(drop=True)
    sent = sentence_spans(text)
    starts, ends = units["start"].to_numpy(), units["end"].to_numpy()
    n_sent = np.array([np.sum((sent >= s) & (sent < e)) for s, e in zip(starts, ends)])
    rows = []
    h = hits.copy()
    if len(h):
        h["unit"] = np.searchsorted(starts, h["start"].to_numpy(), side="right") - 1
        h["sentence"] = np.searchsorted(sent, h["start"].to_numpy(), side="right") - 1
    all_hits_by_unit = h.groupby("unit").size() if len(h) else pd.Series(dtype=int)
    for theme in themes:
        th = h[h["theme"] == theme] if len(h) else h
        total_theme = len(th)
        by_unit = th.groupby("unit") if len(th) else None
        for u, row in units.iterrows():
            sub = by_unit.get_group(u) if by_unit is not None and u in by_unit.groups else None
            n = 0 if sub is None else len(sub)
            sents = 0 if sub is None else sub["sentence"].nunique()
            all_u = int(all_hits_by_unit.get(u, 0))
            rows.append((doc_id, row["section_id"], theme, n,
                         n / row["hanzi"] * 1000 if row["hanzi"] else 0.0,
                         sents / n_sent[u] if n_sent[u] else 0.0,
                         n / all_u if all_u else 0.0,
                         n / total_theme if total_theme else 0.0, 0, int(row["hanzi"])))
    out = pd.DataFrame(rows, columns=EMPHASIS_COLUMNS)
    if by == "section":
        info = sections.set_index("section_id")[["kind", "label", "heading"]]
        out = out.join(info, on="section_id")
        # Parts are ranked among parts, other sections among sections of their kind;
        # a unit without a hit of the theme has no rank.
        hit = out["hits"] > 0
        ranks = out[hit].groupby(["theme", "kind"])["per_1k_hanzi"].rank(ascending=False, method="min")
        out["rank"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out.loc[hit, "rank"] = ranks.astype("int64")
    else:
        out["rank"] = pd.array([1 if h > 0 else pd.NA for h in out["hits"]], dtype="Int64")
    return out


def theme_dispersion(hits: pd.DataFrame, sections: pd.DataFrame, *, lexicon: Lexicon | None = None,
                     level: int = 1) -> pd.DataFrame:
    """Where in a document each theme sits: Gries's DP over the sections at ``level``
    (0 = spread in proportion to section length, 1 = all in one place; see
    :func:`zhspeech.stats.dispersion`), and the centroid, the mean relative position
    of the hits (0 = start, 1 = end)."""
    lexicon = lexicon or load_lexicon(warn_shared=False)
    parts = sections[sections["level"] == level].sort_values("start")
    total = parts["end"].max() if len(parts) else 1
    size = parts["hanzi"].to_numpy(dtype=float)
    s = size / size.sum() if size.sum() else size
    starts = parts["start"].to_numpy()
    rows = []
    for theme in lexicon.names:
        th = hits[hits["theme"] == theme]
        if th.empty:
            rows.append((theme, 0, np.nan, np.nan))
            continue
        idx = np.searchsorted(starts, th["start"].to_numpy(), side="right") - 1
        f = np.bincount(idx[idx >= 0], minlength=len(parts)).astype(float)
        v = f / f.sum()
        rows.append((theme, len(th), 0.5 * np.abs(v - s).sum(), float((th["start"] / total).mean())))
    return pd.DataFrame(rows, columns=["theme", "hits", "gries_dp", "centroid"])


# -- validation tools for lexicon authors ----------------------------------------------

def unmatched_terms(hits: pd.DataFrame, lexicon: Lexicon | None = None) -> pd.DataFrame:
    """Lexicon terms (surface forms) that never matched in the given hits."""
    lexicon = lexicon or load_lexicon(warn_shared=False)
    found = set(hits["matched"]) if len(hits) else set()
    terms = lexicon.terms()
    return terms[~terms["surface"].isin(found)].reset_index(drop=True)


def theme_kwic(text, hits: pd.DataFrame, theme: str, *, window: int = 15) -> pd.DataFrame:
    """Concordance of one theme's hits, for checking that each hit means the theme."""
    if hasattr(text, "text"):
        text = text.text
    th = hits[hits["theme"] == theme]
    rows = [(r.section_id, r.term, r.start, text[max(0, r.start - window):r.start].replace("\n", "⏎"),
             r.matched, text[r.end:r.end + window].replace("\n", "⏎")) for r in th.itertuples()]
    return pd.DataFrame(rows, columns=["section_id", "term", "start", "left", "match", "right"])


def candidate_terms(tokens: pd.DataFrame, hits: pd.DataFrame, text: str, theme: str, *,
                    lexicon: Lexicon | None = None, top: int = 20, min_n: int = 2) -> pd.DataFrame:
    """Words that co-occur with a theme but are not in its lexicon.

    Sentences with a hit of ``theme`` form the target and the other sentences the
    reference; words are ranked by signed G² keyness (:func:`zhspeech.stats.keyness`),
    keeping those over-represented near the theme and absent from the lexicon.
    """
    from .stats import counted, keyness

    lexicon = lexicon or load_lexicon(warn_shared=False)
    sent = sentence_spans(text)
    tok = counted(tokens)
    tok_sent = np.searchsorted(sent, tok["start"].to_numpy(), side="right") - 1
    th = hits[hits["theme"] == theme]
    marked = set(np.searchsorted(sent, th["start"].to_numpy(), side="right") - 1)
    inside = np.isin(tok_sent, list(marked))
    # Tokens that are (part of) a hit of this theme are the lexicon itself.
    spans = list(zip(th["start"], th["end"]))
    covered = np.zeros(len(tok), dtype=bool)
    starts = tok["start"].to_numpy()
    for s, e in spans:
        covered |= (starts >= s) & (starts < e)
    near = tok[inside & ~covered]["token"].value_counts()
    far = tok[~inside]["token"].value_counts()
    key = keyness(near, far, min_n=min_n)
    known = {s for s, owners in lexicon.surface.items() if any(o[0] == theme for o in owners)}
    key = key[(key["g2"] > 0) & (key["n_target"] >= min_n) & ~key["term"].isin(known)]
    # Numbers and counts (“三件”, “五项”) are fragments of enumerations, not candidate terms.
    count_phrase = lexicons.load_structure_rules()["count_phrase"]
    key = key[~key["term"].map(lambda t: bool(count_phrase.match(t)))]
    return key.head(top).reset_index(drop=True)


def describe_emphasis(emphasis_rows: pd.DataFrame, themes) -> str:
    """One sentence naming, for each theme, the unit of ``emphasis_rows`` (an
    :func:`emphasis` table, e.g. its parts) where its rate per 1,000 汉字 is highest, or
    saying that the theme has no hit."""
    said = []
    for theme in themes:
        rows = emphasis_rows[emphasis_rows["theme"] == theme]
        if rows.empty or not (rows["hits"] > 0).any():
            said.append(f"{theme} has no hit")
            continue
        best = rows.sort_values("per_1k_hanzi", ascending=False, kind="stable").iloc[0]
        where = f"part {best['label']}" if best.get("kind") == "part" and best["label"] else (
            best["label"] or best.get("kind", best["section_id"]))
        said.append(f"{theme} peaks in {where} ({best['per_1k_hanzi']:.1f} per 1,000 汉字)")
    return "; ".join(said)
