"""The document tree of a 讲话 or 报告, read from its numbering.

``parse_structure(text)`` returns the sections table (DESIGN.md): title, salutation,
opening, parts (一、 / 第一部分), subparts (（一）, standalone or opening a paragraph),
items (1. / （1） / 一是… / 一要… / 第一，… / 首先…其次), closing, and ``body`` for
text without structure. Sections tile the cleaned text exactly: every character
belongs to exactly one leaf, and each parent spans its children.

Announced counts (“抓好五项工作：”, “我再强调六个方面工作：”, “几点要求：”) are linked to
the enumeration that follows them; ``declared_items`` is set on the section that
holds that enumeration and compared with ``items``. Irregularities (numbering that
jumps, duplicate labels, counts that disagree, announcements with no enumeration)
are written to the ``warnings`` column, never raised. ``parse_structure(...,
enumerations=True)`` also returns the enumerations themselves.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from . import prefilter

SECTION_COLUMNS = ["doc_id", "section_id", "parent_id", "level", "kind", "label", "ordinal", "heading",
                   "start", "end", "chars", "hanzi", "sentences", "declared_items", "items",
                   "share", "position", "top_id", "is_leaf", "warnings"]
ENUM_COLUMNS = ["doc_id", "parent_id", "family", "first", "last", "items", "declared_items",
                "announcement", "start", "announced_at"]
KINDS = ("title", "salutation", "opening", "part", "subpart", "item", "closing", "body")

_CN = "一二三四五六七八九十"
_NUM = f"[{_CN}]{{1,3}}"
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_DIGITS["两"] = 2
_CLAUSE_START = set("。；！？：:;!?，,\n“")

_PART = re.compile(rf"(?P<n>{_NUM})、|第(?P<n2>{_NUM})部分[、，：:\s]?")
_SUBPART = re.compile(rf"（(?P<n>{_NUM})）|\((?P<n2>{_NUM})\)")
_FAMILIES = {
    "shi": re.compile(rf"(?P<n>{_NUM})是"),
    "yao": re.compile(rf"(?P<n>{_NUM})要"),
    "di": re.compile(rf"第(?P<n>{_NUM})[，、,：:]"),
    "seq": re.compile(r"(?P<w>首先|其次|再次|最后)[，,、：:]"),
    "paren": re.compile(r"[（(](?P<d>\d{1,2})[）)]"),
    "point": re.compile(r"(?P<d>\d{1,2})[.．、](?!\d)"),
    # ——经济运行保持在合理区间。 Paragraphs opened by a dash: numbered by their order.
    "dash": re.compile(r"——"),
}
# Families read at the start of a paragraph only, or anywhere at a clause start.
_LINE_FAMILIES = ("point", "paren", "di", "shi", "yao", "seq", "dash")
_INLINE_FAMILIES = ("shi", "yao", "di", "paren", "seq")
_SEQ = {"首先": 1, "其次": 2, "再次": 3}

_MAX_GAP = 2000  # characters allowed between two markers of one inline chain
_SENTENCE_START = set("。；！？：:;!?\n")
# A 第一，/首先 chain is the speech's parts (not items) when its markers stand on average
# at least this many characters apart, it runs over at least this share of the body, and
# the text after its last marker is not much longer than one such distance.
_LEAD_MIN_CHARS = 60
_LEAD_MIN_SHARE = 0.4
_LEAD_MAX_TAIL = 3  # the last part runs at most this many times the mean distance
# A closing is at most this many paragraphs and this share of the body.
_CLOSING_MAX_PARAS = 5
_CLOSING_MAX_SHARE = 1 / 3
# A closing found in the middle of a text without paragraph breaks is at most this many sentences.
_CLOSING_MAX_SENTENCES = 6
# Forms of address, counting units and final-remark words come from
# data/lexicons/structure.yaml (lexicons.load_structure_rules).
_SENT_END = "。！？!?"
_NEWLINE = prefilter.char_table("\n")
_HEADING_END = re.compile(r"[。！？；!?;：:]")
_TRAIL = " \n\t”’」』）)"


def cn_number(text: str) -> int | None:
    """Value of a Chinese numeral up to 九十九 (一 → 1, 十二 → 12, 二十 → 20)."""
    if not text:
        return None
    if text.isdigit():
        return int(text)
    if text in _SEQ:
        return _SEQ[text]
    if "十" in text:
        tens, _, ones = text.partition("十")
        if "十" in ones:
            return None
        t = _DIGITS.get(tens, None) if tens else 1
        o = _DIGITS.get(ones, None) if ones else 0
        return None if t is None or o is None else t * 10 + o
    if len(text) == 1:
        return _DIGITS.get(text)
    return None


@dataclass
class _Node:
    kind: str
    start: int
    end: int
    label: str = ""
    ordinal: float = np.nan
    heading: str = ""
    children: list = field(default_factory=list)
    declared: float = np.nan
    announcement: str = ""
    warnings: list = field(default_factory=list)
    chains: int = 0
    found: int = -1  # headings of the enumeration linked to ``declared`` (-1: none linked)


@dataclass
class _Marker:
    start: int          # where the item begins (the marker)
    body: int           # where the text after the marker begins
    ordinal: int
    label: str
    family: str


_CN_TABLE = prefilter.char_table(_CN)
_SEPARATORS = prefilter.char_table(".．、")


@lru_cache(maxsize=None)
def _literal_prefixes(family: str) -> frozenset:
    """The strings a marker of a literal family starts with: the longest prefixes that
    are at most two strings, else the two-character ones."""
    options = [prefilter.prefixes(_FAMILIES[family], k) for k in (2, 1)]
    return next((p for p in options if p is not None and len(p) <= 2), options[0] or options[1])


_LITERAL_FAMILIES = ("di", "seq", "paren", "dash")
_KEYS: list = []


def _key_tables():
    """Lookup tables over code points, built once: every character a family's starts
    are read from (the first characters of the literal families' prefixes, 是 and 要
    of 一是/二要, the separators of 1.), and for each literal family the first
    characters of its one-character prefixes."""
    if not _KEYS:
        chars = {s[0] for f in _LITERAL_FAMILIES for s in _literal_prefixes(f)} | set("是要.．、")
        singles = {f: prefilter.char_table("".join(s for s in _literal_prefixes(f) if len(s) == 1))
                   for f in _LITERAL_FAMILIES}
        _KEYS.append((prefilter.char_table("".join(sorted(chars))), singles))
    return _KEYS[0]


def _family_starts(text: str) -> dict[str, list[int]]:
    """For each family, the sorted offsets where one of its markers may start: a
    superset of where its pattern matches (in the whole text or any span of it), so
    each pattern is tried only there. Read from the text in a few numpy passes over
    the places holding a key character, not by running seven patterns at every
    character; the numpy calls do not grow with the number of families' prefixes
    (a short document pays little more than its characters)."""
    keys, singles = _key_tables()
    c = prefilter.codes(text)
    n = len(c)
    hits = np.flatnonzero(keys.take(c)) if n else np.zeros(0, dtype=np.int64)
    at = c[hits]
    out = {}
    for family in _LITERAL_FAMILIES:
        pairs = [s for s in _literal_prefixes(family) if len(s) == 2]
        found = hits[singles[family].take(at)]
        if pairs:
            more = [found]
            for s in pairs:
                h = hits[at == ord(s[0])]
                h = h[h + 1 < n]
                more.append(h[c[h + 1] == ord(s[1])])
            found = np.unique(np.concatenate(more))
        out[family] = found.tolist()
    # [一…十]{1,3}是 / 要: one to three numerals right before 是 or 要. Each offset is
    # found from one 是/要 only (the numerals before two of them cannot overlap), so
    # the offsets need sorting, not deduplicating.
    words = (at == ord("是")) | (at == ord("要"))
    q = hits[words]
    if len(q):
        word = at[words]
        ok = np.ones(len(q), dtype=bool)
        found, owner = [], []
        for back in (1, 2, 3):
            p = q - back
            ok &= p >= 0
            ok &= _CN_TABLE.take(c.take(np.maximum(p, 0)))
            found.append(p[ok])
            owner.append(word[ok])
        found, owner = np.concatenate(found), np.concatenate(owner)
        order = np.argsort(found, kind="stable")
        found, owner = found[order], owner[order]
        out["shi"] = found[owner == ord("是")].tolist()
        out["yao"] = found[owner == ord("要")].tolist()
    else:
        out["shi"], out["yao"] = [], []
    # \d{1,2}[.．、]: one or two decimal digits (str.isdecimal is what \d matches)
    # right before the separator.
    seps = hits[(at == ord(".")) | (at == ord("．")) | (at == ord("、"))]
    seps = seps[seps > 0]
    before = c[seps - 1]
    # No decimal digit lies in U+3000–U+9FFF (CJK): those are skipped unread.
    points = set()
    for q in seps[(before >= 0x30) & ((before < 0x3000) | (before > 0x9FFF))].tolist():
        if text[q - 1].isdecimal():
            points.add(q - 1)
            if q >= 2 and text[q - 2].isdecimal():
                points.add(q - 2)
    out["point"] = sorted(points)
    return out


class _Text:
    """A cleaned text seen as paragraphs and sentences: the positions the detectors ask about."""

    def __init__(self, text: str, rules: dict):
        self.text = text
        self.rules = rules
        # Paragraph spans, each including its newline.
        ends = (prefilter.char_positions(text, _NEWLINE) + 1).tolist()
        if (ends[-1] if ends else 0) < len(text):
            ends.append(len(text))  # the last line, without a newline
        self.para_starts = [0, *ends[:-1]]
        self.paras = list(zip(self.para_starts, ends))
        # Paragraphs that open with a form of address (同志们！ / 各位代表：…): they
        # close an open subpart or item and return to the level of the part.
        # In a text whose line breaks were lost, 同志们！ at a sentence start does the same.
        closing, salutation = rules["closing_start"], rules["salutation_line"]
        # Only paragraphs that open with a prefix of either pattern (or with a space,
        # which the strip removes) can match: the others are not tried.
        opens = prefilter.prefixes(closing), prefilter.prefixes(salutation)
        opens = None if None in opens else tuple(opens[0] | opens[1])
        firsts = frozenset(o[0] for o in opens) if opens is not None else None
        address = {ps for ps, pe in self.paras
                   if (opens is None or (text[ps] in firsts and text.startswith(opens, ps)) or text[ps].isspace())
                   and (closing.match(text, ps) or salutation.fullmatch(text[ps:pe].strip()))}
        address.update(m.start() for m in prefilter.Finder(closing).finditer(text)
                       if m.group()[-1] in "！!" and self.sentence_start(m.start()))
        self.address = sorted(address)

    def paras_in(self, s: int, e: int):
        """Paragraphs that overlap [s, e)."""
        import bisect

        k = max(bisect.bisect_right(self.para_starts, s) - 1, 0)
        while k < len(self.paras) and self.paras[k][0] < e:
            if self.paras[k][1] > s:
                yield self.paras[k]
            k += 1

    def line(self, i: int) -> str:
        s, e = self.paras[i]
        return self.text[s:e].rstrip("\n")

    def para_end(self, pos: int) -> int:
        i = self.text.find("\n", pos)
        return len(self.text) if i < 0 else i + 1

    def heading_at(self, pos: int, limit: int) -> str:
        """Text from ``pos`` to the first 。！？； or the end of the line."""
        stop = min(self.para_end(pos), limit)
        # searched in place: the newlines the line ends with never match _HEADING_END
        m = _HEADING_END.search(self.text, pos, stop)
        head = self.text[pos:m.start()] if m else self.text[pos:stop].rstrip("\n")
        return head.strip()[:80]

    def sentence_start(self, pos: int) -> bool:
        """``pos`` starts a paragraph or follows 。！？；：."""
        k = pos - 1
        while k >= 0 and self.text[k] in " \t“\"":
            k -= 1
        return k < 0 or self.text[k] in _SENTENCE_START

    def first_address(self, s: int, e: int) -> int | None:
        """The first paragraph in (s, e) that opens with a form of address."""
        import bisect

        k = bisect.bisect_right(self.address, s)
        return self.address[k] if k < len(self.address) and self.address[k] < e else None

    def segments(self, starts: list[int], end: int) -> list[tuple[int, int, bool]]:
        """Spans of consecutive headings ``starts`` up to ``end``, each cut where a
        paragraph opens with a form of address; the rest up to the next heading is
        returned as a body (flag False)."""
        out = []
        bounds = list(starts) + [end]
        for k, st in enumerate(starts):
            nxt = bounds[k + 1]
            cut = self.first_address(st, nxt)
            out.append((st, cut if cut is not None else nxt, True))
            if cut is not None:
                out.append((cut, nxt, False))
        return out

    def para_start_index(self, pos: int) -> int:
        import bisect

        return bisect.bisect_right(self.para_starts, pos) - 1

    def clause_start(self, pos: int, lo: int) -> bool:
        if pos <= lo or pos == 0:
            return True
        prev = self.text[pos - 1]
        if prev == " ":
            prev = self.text[pos - 2] if pos >= 2 else "\n"
        return prev in _CLAUSE_START



class _Parser(_Text):
    """Builds the section tree: boundaries (title, salutation, closing, notes), parts from
    the first PART_DETECTORS entry that finds some, then subparts and items inside."""

    def __init__(self, text: str, rules: dict):
        super().__init__(text, rules)
        self.enums: list[dict] = []
        self._line_cache: dict = {}
        self._starts: dict = {}
        self.announcements = _Announcements(self)

    def parse(self) -> list[_Node]:
        n = len(self.paras)
        if n == 0:
            return []
        nodes: list[_Node] = []
        i = 0
        if n >= 2 and self._title_like(self.line(0)):
            j = 1
            while j < min(n - 1, 6) and self._byline_like(self.line(j)):
                j += 1
            nodes.append(_Node("title", 0, self.paras[j - 1][1], label="", heading=self.line(0).strip()))
            i = j
        if i < n - 1 and self.rules["salutation_line"].fullmatch(self.line(i).strip()):
            nodes.append(_Node("salutation", self.paras[i][0], self.paras[i][1], heading=self.line(i).strip()))
            i += 1
        if i >= n:
            return nodes
        body_start = self.paras[i][0]
        note = find_note_start(self, i)
        end = note if note is not None else len(self.text)
        parts = self._parts(body_start, end)
        closing = find_closing_start(self, body_start, parts[-1].body if parts else body_start, end,
                                     parts[-2].start if len(parts) >= 2 else body_start)
        body_end = closing if closing is not None else end
        parts = [m for m in parts if m.start < body_end]
        nodes.extend(self._top_level(body_start, body_end, parts))
        if closing is not None:
            nodes.append(_Node("closing", closing, end, label="", heading=self.heading_at(closing, end)))
        if note is not None:
            nodes.append(_Node("body", note, len(self.text), label="注", heading=self.heading_at(note, len(self.text))))
        return nodes

    def _title_like(self, line: str) -> bool:
        s = line.strip()
        return (0 < len(s) <= 80 and not re.search(r"[。；，,;！？!?：:]", s)
                and not _PART.match(s) and not self.rules["salutation_line"].fullmatch(s))

    def _byline_like(self, line: str) -> bool:
        s = line.strip()
        if not s or len(s) > 60 or self.rules["salutation_line"].fullmatch(s) or _PART.match(s):
            return False
        if s.startswith(("——", "—", "（", "(", "※")):
            return True
        return not re.search(r"[。；，,;！？!?：:]", s) and len(s) <= 40

    def _parts(self, s: int, e: int) -> list[_Marker]:
        """The parts of the body: the first detector that finds a chain wins."""
        for detect in PART_DETECTORS:
            found = detect(self, s, e)
            if found:
                return found
        return []

    def _top_level(self, s: int, e: int, parts: list[_Marker]) -> list[_Node]:
        if parts:
            nodes = []
            if parts[0].start > s:
                nodes.append(_Node("opening", s, parts[0].start))
            merged_from = parts[-2].start if len(parts) >= 2 else s
            tail = self._finally_paragraph(parts[-1].start, e, merged_from) if parts[-1].label != "最后" else None
            bounds = [m.start for m in parts] + [tail if tail is not None else e]
            for k, m in enumerate(parts):
                nodes.append(_Node("part", m.start, bounds[k + 1], label=m.label, ordinal=m.ordinal,
                                   heading=self.heading_at(m.body, bounds[k + 1])))
            if parts[-1].ordinal == -1:
                nodes[-1].ordinal = len(parts)
            self._check_numbering(nodes, "part")
            if tail is not None:
                nodes.append(_Node("body", tail, e, label="最后", heading=self.heading_at(tail, e)))
            self._link_announcement([n for n in nodes if n.kind == "part"], s, "", "part")
            family = parts[0].family
            for node in nodes:
                self._fill(node, stage=1, exclude=(family,) if node.kind == "part" else ())
            return nodes
        node = _Node("body", s, e)
        self._fill(node, stage=1, top=True)
        if node.children and node.children[0].kind == "body" and len(node.children) > 1:
            # Text before the first top-level structure is the opening.
            opening = node.children[0]
            rest = node.children[1:]
            if any(c.kind in ("subpart", "item") for c in rest) and self._line_level(rest):
                opening.kind = "opening"
                return [opening, *rest]
        return [node] if not node.children or not self._line_level(node.children) else node.children

    def _line_level(self, nodes) -> bool:
        return any(c.kind in ("subpart", "item") and c.start in self._para_start_set for c in nodes)

    @property
    def _para_start_set(self):
        if not hasattr(self, "_pss"):
            self._pss = set(self.para_starts)
        return self._pss

    def _finally_paragraph(self, after: int, e: int, merged_from: int) -> int | None:
        """Final remarks after the last part (最后，我再强调…, 最后，提几点要求) are not
        part of it: they are a top-level body labelled 最后, before the closing.

        They open a paragraph; in a text whose paragraph breaks are lost (the
        paragraph of the last part also holds ``merged_from``, the part before it or
        the start of the body), they open a sentence, unless a 其次/再次 sentence
        between the last part and them makes 最后 the end of a 首先… chain."""
        for ps, _pe in self.paras_in(after, e):
            if ps <= after or ps >= e:
                continue
            if self.rules["final_remarks"].match(self.text, ps):
                return ps
        k = self.para_start_index(after)
        if k < 0 or self.paras[k][0] > merged_from:
            return None
        stop = min(self.paras[k][1], e)
        for m in self.rules["final_remarks"].finditer(self.text, after + 1, stop):
            if not self.sentence_start(m.start()):
                continue
            chain = [c for c in self._family_candidates("seq", after, m.start(), False)
                     if c.ordinal in (2, 3) and self.sentence_start(c.start)]
            if not chain:
                return m.start()
        return None

    # -- markers --------------------------------------------------------------------
    def _line_markers(self, s: int, e: int, what: str) -> list[_Marker]:
        """Part (一、) or subpart (（一）) headings at paragraph starts in [s, e); found
        once for the whole text, a region takes its slice."""
        import bisect

        key = "line-" + what
        if key not in self._line_cache:
            found = self._all_line_markers(what)
            self._line_cache[key] = ([m.start for m in found], found)
        starts, found = self._line_cache[key]
        return found[bisect.bisect_left(starts, s):bisect.bisect_left(starts, e)]

    def _all_line_markers(self, what: str) -> list[_Marker]:
        regex = _PART if what == "part" else _SUBPART
        opens = prefilter.prefixes(regex, 1)   # one-character strings: a set lookup of text[ps]
        out = []
        text = self.text
        for ps, _pe in self.paras:
            if text[ps] not in opens:
                continue  # neither a numeral nor 第 nor a bracket: no heading here
            m = regex.match(self.text, ps)
            if m:
                num = m.group("n") or m.group("n2")
                val = cn_number(num)
                if val is None:
                    continue
                # Labels are the marker as written, without its separator (一、 → 一,
                # 第二部分 → 第二部分, （三） → （三）): the same convention as 第一个问题, 一是, 1.
                label = (num if m.group("n") else f"第{num}部分") if what == "part" else f"（{num}）"
                out.append(_Marker(ps, m.end(), val, label, what))
        return out

    def _family_candidates(self, family: str, s: int, e: int, line_start: bool) -> list[_Marker]:
        if line_start:
            return self._line_candidates(family, s, e)
        if family == "dash":
            return []
        at = self._family_at(family)
        if not at or at[-1] < s or at[0] >= e:
            return []  # no marker of the family can start in [s, e)
        out = []
        for m in self._finditer(family, s, e):
            if self.clause_start(m.start(), s):
                mk = self._marker(m, family)
                if mk is not None:
                    out.append(mk)
        return out

    def _family_at(self, family: str) -> list[int]:
        if not self._starts:
            self._starts = _family_starts(self.text)
        return self._starts[family]

    def _finditer(self, family: str, s: int, e: int):
        """``_FAMILIES[family].finditer(text, s, e)``, with the pattern tried only where a
        match can start (:func:`_family_starts`, found once for the whole text)."""
        import bisect

        at = self._family_at(family)
        regex, text = _FAMILIES[family], self.text
        k = bisect.bisect_left(at, s)
        while k < len(at) and at[k] < e:
            m = regex.match(text, at[k], e)
            if m is None:
                k += 1
                continue
            yield m
            k = bisect.bisect_left(at, m.end(), k + 1)

    def _line_candidates(self, family: str, s: int, e: int) -> list[_Marker]:
        """Markers of ``family`` at paragraph starts in [s, e). Each family's markers are
        found once for the whole text; a region takes its slice."""
        import bisect

        if family not in self._line_cache:
            found = []
            # Only paragraphs that start where a marker of the family may start.
            opening = self._para_start_set
            for ps in [p for p in self._family_at(family) if p in opening]:
                m = _FAMILIES[family].match(self.text, ps)
                mk = m and (_Marker(ps, ps + 2, 0, "——", "dash") if family == "dash" else self._marker(m, family))
                if mk:
                    found.append(mk)
            self._line_cache[family] = ([m.start for m in found], found)
        starts, found = self._line_cache[family]
        if not starts:
            return []
        out = [m for m in found[bisect.bisect_left(starts, s):bisect.bisect_left(starts, e)] if m.body <= e]
        if family == "dash":
            # Numbered along each run of consecutive dash paragraphs within the region.
            numbered, prev = [], None
            for m in out:
                k = self.para_start_index(m.start)
                n = numbered[-1].ordinal + 1 if numbered and prev == k - 1 else 1
                numbered.append(_Marker(m.start, m.body, n, m.label, "dash"))
                prev = k
            out = numbered
        return out

    def _marker(self, m, family) -> _Marker | None:
        if family == "seq":
            word = m.group("w")
            val = _SEQ.get(word, -1)  # 最后 continues any chain
            return _Marker(m.start(), m.end(), val, word, family)
        num = m.groupdict().get("n") or m.groupdict().get("d")
        val = cn_number(num)
        if val is None:
            return None
        return _Marker(m.start(), m.end(), val, m.group().rstrip("，、,：:."), family)

    @staticmethod
    def _chains(cands: list[_Marker], max_gap: int | None = None) -> list[list[_Marker]]:
        chains, cur = [], []
        for c in cands:
            if c.ordinal == 1:
                if len(cur) >= 2:
                    chains.append(cur)
                cur = [c]
            elif cur and max_gap is not None and c.start - cur[-1].start > max_gap:
                if len(cur) >= 2:
                    chains.append(cur)
                cur = []
            elif cur and (c.ordinal == cur[-1].ordinal + 1 or (c.ordinal == -1 and cur[-1].ordinal >= 2)):
                cur.append(c)
                if c.ordinal == -1:
                    chains.append(cur)
                    cur = []
        if len(cur) >= 2:
            chains.append(cur)
        return chains

    # -- filling a node with children --------------------------------------------------
    def _fill(self, node: _Node, stage: int, top: bool = False, exclude=()):
        """Find the children of ``node`` (subparts, line items, inline items)."""
        s, e = node.start, node.end
        if stage <= 1:
            subs = self._line_markers(s, e, "subpart")
            subs = [m for m in subs if m.start > s or node.kind != "subpart"]
            if len(subs) >= 1 and any(m.ordinal == 1 for m in subs):
                subs = subs[next(k for k, m in enumerate(subs) if m.ordinal == 1):]
                children = []
                if subs[0].start > s:
                    children.append(_Node("body", s, subs[0].start))
                children.extend(self._heads("subpart", subs, e))
                self._check_numbering(children, "subpart", node)
                self._link_announcement([c for c in children if c.kind == "subpart"], s, node, "subpart")
                node.children = children
                for c in children:
                    self._fill(c, stage=2)
                return
        if stage <= 2:
            children, pos = [], s
            chain = self._best_chain(s, e, _LINE_FAMILIES, True, exclude)
            while chain:
                after_last = self.para_end(chain[-1].start)
                nxt = self._best_chain(after_last, e, _LINE_FAMILIES, True, exclude) if after_last < e else None
                paras = [self.para_start_index(m.start) for m in chain]
                one_each = all(b == a + 1 for a, b in zip(paras, paras[1:]))
                if one_each:
                    last_end = min(after_last, e)
                else:
                    last_end = nxt[0].start if nxt else e
                if chain[0].start > pos:
                    children.append(_Node("body", pos, chain[0].start))
                children.extend(self._heads("item", chain, last_end))
                self._register_chain(node, chain, s)
                pos = last_end
                chain = nxt if nxt and nxt[0].start >= pos else None
            if children:
                if pos < e:
                    children.append(_Node("body", pos, e))
                node.children = children
                for c in children:
                    if c.kind == "item":
                        self._fill(c, stage=3, exclude=(*exclude, self._family_of(c)))
                    else:
                        self._fill_inline(c, exclude)
                return
        self._fill_inline(node, exclude)

    def _heads(self, kind: str, markers: list[_Marker], end: int) -> list[_Node]:
        """Nodes for consecutive markers up to ``end``; a paragraph opening with a form
        of address ends the open one, and the text after it is a body."""
        out = []
        by_start = {m.start: m for m in markers}
        for st, en, is_head in self.segments([m.start for m in markers], end):
            if not is_head:
                out.append(_Node("body", st, en))
                continue
            m = by_start[st]
            out.append(_Node(kind, st, en, label=m.label, ordinal=m.ordinal if m.ordinal > 0 else len(markers),
                             heading=self.heading_at(m.body, en)))
        return out

    @staticmethod
    def _family_of(node: _Node) -> str:
        for fam, regex in _FAMILIES.items():
            if regex.fullmatch(node.label + ("，" if fam in ("di", "seq") else "")) or \
                    (fam in ("point",) and regex.fullmatch(node.label + ".")):
                return fam
        return ""

    def _any_marker(self, s: int, e: int, line_start: bool) -> bool:
        """Whether a marker of any family may start in [s, e) (at a paragraph start, or
        anywhere): a region without one needs no family tried."""
        import bisect

        key = "any-line" if line_start else "any-inline"
        if key not in self._line_cache:
            if line_start:
                for fam in _LINE_FAMILIES:
                    self._line_candidates(fam, 0, 0)  # fills the family's cache
                found = {st for fam in _LINE_FAMILIES for st in self._line_cache[fam][0]}
            else:
                found = {st for fam in _INLINE_FAMILIES for st in self._family_at(fam)}
            self._line_cache[key] = sorted(found)
        starts = self._line_cache[key]
        k = bisect.bisect_left(starts, s)
        return k < len(starts) and starts[k] < e

    def _best_chain(self, s, e, families, line_start, exclude):
        best = None
        if not self._any_marker(s, e, line_start):
            return best
        for fam in families:
            if fam in exclude:
                continue
            chains = self._chains(self._family_candidates(fam, s, e, line_start))
            if chains:
                c = max(chains, key=len) if line_start else chains[0]
                if best is None or c[0].start < best[0].start:
                    best = c
        return best

    def _fill_inline(self, node: _Node, exclude=()):
        """Inline enumerations: markers at clause starts with consecutive ordinals. An
        item runs to the next marker of its chain (possibly in a later paragraph, for
        texts whose line breaks are not paragraphs); the last item ends with its
        paragraph."""
        s, e = node.start, node.end
        chains = []
        if not self._any_marker(s, e, False):
            return
        for fam in _INLINE_FAMILIES:
            if fam not in exclude:
                at = self._family_at(fam)
                if bisect.bisect_left(at, e) - bisect.bisect_left(at, s) < 2:
                    continue  # fewer than two places where a marker may start: no chain
                chains.extend(self._chains(self._family_candidates(fam, s, e, False), _MAX_GAP))
        if not chains:
            return
        chains.sort(key=lambda c: c[0].start)
        children, pos = [], s
        for chain in chains:
            if chain[0].start < pos:
                continue  # inside an item of an earlier chain: found when that item is filled
            last_end = min(self.para_end(chain[-1].start), e)
            if chain[0].start > pos:
                children.append(_Node("body", pos, chain[0].start))
            items = self._heads("item", chain, last_end)
            self._register_chain(node, chain, s)
            for item in items:
                if item.kind == "item":
                    self._fill_inline(item, exclude=(*exclude, chain[0].family))
            children.extend(items)
            pos = last_end
        if pos < e:
            children.append(_Node("body", pos, e))
        node.children = children

    # -- announced counts -------------------------------------------------------------
    def _record(self, owner, family: str, heads: list, lo: int, what: str) -> tuple[float, str]:
        """Link an enumeration (items, subparts or parts) to its announcement, list it,
        and warn on its owner when the announced count disagrees with the count found."""
        declared, phrase, at = self.announcements.before(heads[0].start, lo)
        self.enums.append({"parent": owner, "family": family, "first": heads[0].label,
                           "last": heads[-1].label, "items": len(heads), "declared_items": declared,
                           "announcement": phrase, "start": heads[0].start, "announced_at": at})
        if phrase and not np.isnan(declared) and declared != len(heads):
            target = owner if owner is not None else heads[0]
            target.warnings.append(f"announced {phrase} ({int(declared)}) but found {len(heads)} {what} "
                                   f"({heads[0].label}…{heads[-1].label})")
        if owner is not None and phrase and np.isnan(owner.declared) and not owner.announcement:
            owner.declared, owner.announcement, owner.found = declared, phrase, len(heads)
        return declared, phrase

    def _register_chain(self, owner: _Node, chain: list[_Marker], lo: int):
        owner.chains += 1
        self._record(owner, chain[0].family, chain, lo, "items")

    def _link_announcement(self, heads: list[_Node], lo: int, owner, family: str):
        if heads:
            self._record(owner if isinstance(owner, _Node) else None, family, heads, lo, f"{family}s")

    def _check_numbering(self, nodes: list[_Node], kind: str, owner: _Node | None = None):
        seen = {}
        prev = prev_label = None
        for node in nodes:
            if node.kind != kind:
                continue
            if node.ordinal in seen:
                node.warnings.append(f"duplicate label {node.label}")
            elif prev is not None and node.ordinal != prev + 1:
                node.warnings.append(f"numbering jumps from {prev_label} to {node.label}")
            elif prev is None and node.ordinal != 1:
                node.warnings.append(f"numbering starts at {node.label}")
            seen[node.ordinal] = True
            prev, prev_label = node.ordinal, node.label


# -- boundaries and part detectors: each takes the parser and a span of its text ----------
def find_note_start(p: _Parser, first: int) -> int | None:
    """Editorial notes at the end (※这是…的讲话。): paragraphs that open with a note mark."""
    marks = tuple(p.rules.get("note_marks", ()))
    k = len(p.paras)
    while marks and k - 1 > first and p.line(k - 1).lstrip().startswith(marks):
        k -= 1
    return p.paras[k][0] if k < len(p.paras) else None


def find_closing_start(p: _Parser, body_start: int, after: int, end: int, merged_from: int | None = None) -> int | None:
    """The closing starts at the last paragraph that opens with a form of address
    after the last part's heading, when what follows is short (a few paragraphs).

    In a text whose paragraph breaks are lost (the paragraph that holds the last
    part also holds the part before it, or the start of the body: ``merged_from``),
    the last sentence that opens with a form of address and a comma (同志们，…) after
    the last part's heading starts the closing when what follows it is closing-type
    content (``closing_cues``), at most ``_CLOSING_MAX_SENTENCES`` sentences, with no
    numbering of its own."""
    lo = max(after, body_start)
    later = [a for a in p.address if lo < a < end]
    inline = find_inline_closing(p, body_start, lo, end, merged_from) if merged_from is not None else None
    if inline is not None and (not later or inline > later[-1]):
        return inline
    if not later:
        return None
    start = later[-1]
    k, last = p.para_start_index(start), p.para_start_index(end - 1)
    if last - k + 1 > _CLOSING_MAX_PARAS or end - start > _CLOSING_MAX_SHARE * (end - body_start):
        return None
    if p.paras[k][1] >= end and p.rules["salutation_line"].fullmatch(p.line(k).strip()):
        return None  # a form of address with nothing after it
    return start


def find_inline_closing(p: _Parser, body_start: int, lo: int, end: int, merged_from: int) -> int | None:
    """A closing form of address in the middle of a merged paragraph (see
    ``find_closing_start``), or None."""
    k = p.para_start_index(lo)
    if k < 0 or p.paras[k][0] > merged_from or p.paras[k][1] < end:
        return None  # the paragraph breaks are kept: closings open paragraphs
    cues = p.rules.get("closing_cues", ())
    if not cues:
        return None
    found = None
    for m in p.rules["closing_start"].finditer(p.text, lo + 1, end):
        if m.group()[-1] in "，,：:" and p.sentence_start(m.start()):
            found = m.start()
    if found is None:
        return None
    rest = p.text[found:end]
    sentences = len(re.findall(r"[。！？!?]+", rest.rstrip(_TRAIL))) + (rest.rstrip(_TRAIL)[-1:] not in _SENT_END)
    if sentences > _CLOSING_MAX_SENTENCES or len(rest) > _CLOSING_MAX_SHARE * (end - body_start):
        return None
    if not any(c in rest for c in cues):
        return None
    if detect_inline_parts(p, found, end) or any(
            p._chains(p._family_candidates(f, found, end, False)) for f in _INLINE_FAMILIES):
        return None  # numbered content is not a closing
    return found


def detect_line_parts(p: _Parser, s: int, e: int) -> list[_Marker]:
    """一、 / 第一部分 at paragraph starts."""
    return p._line_markers(s, e, "part")


def detect_inline_parts(p: _Parser, s: int, e: int) -> list[_Marker]:
    """第一个问题： / 第二个方面， / 第三点， at sentence starts, also mid-paragraph."""
    regex = p.rules["part_marker"]
    if regex is None:
        return []
    cands = []
    for m in regex.finditer(p.text, s, e):
        if p.sentence_start(m.start()):
            val = cn_number(m.group("n"))
            if val is not None:
                cands.append(_Marker(m.start(), m.end(), val, m.group("label"), "part"))
    chains = p._chains(cands)
    return max(chains, key=len) if chains else []


def detect_lead_chain_parts(p: _Parser, s: int, e: int) -> list[_Marker]:
    """A 第一，… / 首先… chain at sentence starts whose items are long and run over
    much of the body: the speech's parts, in a text with no part headings."""
    for fam in ("di", "seq"):
        cands = [m for m in p._family_candidates(fam, s, e, False) if p.sentence_start(m.start)]
        for chain in p._chains(cands):
            gap = (chain[-1].start - chain[0].start) / (len(chain) - 1)
            if (e - chain[0].start >= _LEAD_MIN_SHARE * (e - s) and gap >= _LEAD_MIN_CHARS
                    and e - chain[-1].start <= _LEAD_MAX_TAIL * gap):
                return chain
    return []


# Tried in order on the body of a text; the first that finds a chain gives the parts.
PART_DETECTORS = (detect_line_parts, detect_inline_parts, detect_lead_chain_parts)


class _Announcements:
    """Announced counts (“抓好五项工作：”, “讲3个问题。”) and the formulas that only look
    like them (两个维护, “两个确保”)."""

    def __init__(self, text: _Text):
        self.text = text.text
        self.rules = text.rules
        self._formulas = tuple(self.rules.get("formulas", ()))

    def _match_before(self, pos: int, lo: int):
        """The count phrase ending right before ``pos`` (only spaces, newlines or an
        opening quote between its colon and the first marker)."""
        best = None
        lo = max(lo, pos - 60)
        for m in self.rules["announce_link"].finditer(self.text, lo, pos):
            if self.text[m.end():pos].strip(" \n“\"") == "" and not self.is_name(m):
                best = m
        if best is None:
            # The count may sit inside the sentence that ends right before the list:
            # “我从4个方面谈谈下一步的打算。第一个方面，…”
            head = self.text[lo:pos].rstrip(" \n“\"")
            if head and head[-1] in "：:。":
                begin = lo + max(head.rfind(c, 0, len(head) - 1) for c in "。！？；\n") + 1
                for m in self.rules["count"].finditer(self.text, begin, lo + len(head)):
                    if not self.is_name(m):
                        best = m
        return best

    def is_name(self, m) -> bool:
        """A count phrase that names a formula (两个维护, “两个确保”, 三个一批) rather
        than announcing a list: a listed numbered formula, a quoted 个-count, or 个
        with a short term that is not a counting noun (问题, 方面, 要求, …)."""
        start = m.start()
        if self.text.startswith(self._formulas, start):
            return True
        unit, what = m.group("unit"), m.group("what")
        if unit != "个" and not unit.startswith("个"):
            return False
        if start > 0 and self.text[start - 1] in "“\"「『":
            return True
        return unit == "个" and 2 <= len(what) <= 4 and not what.startswith(tuple(self.rules.get("count_nouns", ())))

    def before(self, pos: int, lo: int) -> tuple[float, str, int]:
        """(declared count, phrase, offset) of the announcement right before ``pos``;
        the count is NaN for 几 or when nothing is announced."""
        ann = self._match_before(pos, lo)
        if ann is None:
            return np.nan, "", -1
        val = cn_number(ann.group("n"))
        return (float(val) if val is not None else np.nan), ann.group().rstrip("：:。”’\""), ann.start()


def _han_table():
    table = np.zeros(0x110000, dtype=bool)
    for lo, hi in ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2FFFF), (0xF900, 0xFAFF)):
        table[lo:hi + 1] = True
    return table


# One lookup per character: 1 = 汉字, 2 = sentence end, 4 = trailing space, quote or bracket.
_FLAGS = (_han_table().astype(np.uint8) | prefilter.char_table(_SENT_END).astype(np.uint8) * 2
          | prefilter.char_table(_TRAIL).astype(np.uint8) * 4)


class _Counter:
    """Prefix sums for hanzi and sentence ends, so each section is measured in O(1)."""

    def __init__(self, text: str):
        codes = prefilter.codes(text)
        flags = _FLAGS.take(codes)
        n = len(flags)
        self.han = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(flags & 1, dtype=np.int64, out=self.han[1:])
        ender = (flags & 2).astype(bool)
        run_end = ender.copy()              # the last end of each run of sentence ends
        run_end[:-1] &= ~ender[1:]
        self.ends = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(run_end, dtype=np.int64, out=self.ends[1:])
        self.text = text
        self._flags, self._ender = flags, ender
        self._kept = None

    def measure(self, starts, ends) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`hanzi` and :meth:`sentences` of many sections at once."""
        s, e = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
        hanzi = self.han[e] - self.han[s]
        n = self.ends[e] - self.ends[s]
        if self._kept is None:
            # the characters that are not trailing space, quote or bracket (_TRAIL)
            self._kept = np.flatnonzero((self._flags & 4) == 0)
        # the offset of the last of them before each end (-1: none)
        k = np.searchsorted(self._kept, e, side="left") - 1
        last = np.where(k >= 0, self._kept[np.maximum(k, 0)] if len(self._kept) else -1, -1)
        # As sentences(): text after the last sentence end, seen in the last 12 characters.
        tail = (e > s) & (last >= np.maximum(s, e - 12))
        tail[tail] = ~self._ender[last[tail]]
        return hanzi, n + tail

    def hanzi(self, s: int, e: int) -> int:
        return int(self.han[e] - self.han[s])

    def sentences(self, s: int, e: int) -> int:
        n = int(self.ends[e] - self.ends[s])
        tail = self.text[max(s, e - 12):e].rstrip(_TRAIL)
        if tail and tail[-1] not in _SENT_END and e > s:
            # Text after the last sentence end (a heading, an unfinished sentence).
            chunk = self.text[s:e].rstrip(_TRAIL)
            if chunk and chunk[-1] not in _SENT_END:
                n += 1
        return n


def parse_structure(text: str, doc_id: str = "", *, enumerations: bool = False, rules: dict | None = None):
    """The sections table of a cleaned text.

    Args:
        text: the cleaned text (one paragraph per line).
        doc_id: written into the table.
        rules: words read as structure (salutations, count units, final-remark
            words), from ``lexicons.load_structure_rules(your_file)``; default:
            the bundled ``data/lexicons/structure.yaml``.

    Returns:
        One row per section, in document order (parents before children), with the
        DESIGN.md columns plus ``share`` (chars / document chars), ``position``
        (start / document chars), ``top_id`` (top-level ancestor), ``is_leaf`` and
        ``warnings``. With ``enumerations=True``, a pair (sections, enumerations):
        one row per enumeration found, with its announced and found counts.

    Example:
        >>> t = "标题\\n下面讲两点：一是学习。二是落实。\\n"
        >>> parse_structure(t)[["kind", "label", "start", "end"]].values.tolist()
        [['title', '', 0, 3], ['body', '', 3, 19], ['body', '', 3, 9], ['item', '一是', 9, 14], ['item', '二是', 14, 19]]
    """
    from .lexicons import load_structure_rules

    if not isinstance(text, str):
        raise TypeError(f"parse_structure expects the cleaned text as a str, got {type(text).__name__}")
    parser = _Parser(text, rules or load_structure_rules())
    nodes = parser.parse()
    counter = _Counter(text)
    total = max(len(text), 1)
    rows = []
    ids = {}

    letters = {"title": "T", "salutation": "SAL", "opening": "O", "part": "P", "subpart": "S",
               "item": "I", "closing": "C", "body": "B"}

    def emit(node: _Node, parent_id: str, level: int, top_id: str, counts: dict):
        letter = letters[node.kind]
        counts[letter] = counts.get(letter, 0) + 1
        if letter in ("T", "SAL", "O", "C") and parent_id == "" and counts[letter] == 1:
            sid = letter
        else:
            sid = f"{parent_id + '.' if parent_id else ''}{letter}{counts[letter]}"
        ids[id(node)] = sid
        top = top_id or sid
        # items: the headings found in the enumeration linked to declared_items, of
        # whatever family (subparts （一）…, items 一是…, 1.…); without a linked count,
        # the subparts directly below, or else the items directly below.
        subparts = sum(1 for c in node.children if c.kind == "subpart")
        items = subparts or sum(1 for c in node.children if c.kind == "item")
        if node.found >= 0 and node.chains <= 1:
            items = node.found
        rows.append({
            "doc_id": doc_id, "section_id": sid, "parent_id": parent_id, "level": level,
            "kind": node.kind, "label": node.label, "ordinal": node.ordinal,
            "heading": node.heading, "start": node.start, "end": node.end,
            "chars": node.end - node.start,
            # With several enumerations in one section, the counts are per enumeration
            # (attrs["enumerations"]), not per section.
            "declared_items": node.declared if node.chains <= 1 else np.nan, "items": items,
            "share": (node.end - node.start) / total, "position": node.start / total,
            "top_id": top, "is_leaf": not node.children, "warnings": "; ".join(node.warnings),
        })
        child_counts: dict = {}
        for child in node.children:
            emit(child, sid, level + 1, top, child_counts)

    top_counts: dict = {}
    for node in nodes:
        emit(node, "", 1, "", top_counts)
    # Announcements that no enumeration follows.
    _flag_orphan_announcements(text, rows, parser)
    hanzi, sentences = counter.measure([r["start"] for r in rows], [r["end"] for r in rows])
    measured = {"hanzi": hanzi, "sentences": sentences}
    df = _sections_frame(rows, doc_id, measured)
    enums = [{"doc_id": doc_id,
              "parent_id": e["parent_id"] if "parent_id" in e else
              (ids.get(id(e["parent"]), "") if e["parent"] is not None else ""),
              **{k: e[k] for k in ENUM_COLUMNS[2:]}} for e in parser.enums]
    enums.sort(key=lambda e: e["start"])
    if enumerations:
        return df, pd.DataFrame(enums, columns=ENUM_COLUMNS)
    return df


# The sections table's column types (strings: pandas' default string type).
_INT_COLUMNS = ("level", "start", "end", "chars", "hanzi", "sentences", "items")
_FLOAT_COLUMNS = ("ordinal", "declared_items", "share", "position")


def _sections_frame(rows: list[dict], doc_id, measured: dict) -> pd.DataFrame:
    """The sections table from its rows and the ``measured`` columns, built column by
    column with each column's type given (pandas infers nothing, which is most of the
    cost on small tables)."""
    if not rows or not isinstance(doc_id, str):
        for name, values in measured.items():
            for row, value in zip(rows, values.tolist()):
                row[name] = value
        df = pd.DataFrame(rows, columns=SECTION_COLUMNS)
        df["ordinal"] = df["ordinal"].astype(float)
        df["declared_items"] = df["declared_items"].astype(float)
        return df
    text_type, strings, arrow = _string_dtype()
    columns = {}
    # Every row has the same keys in the same order: transpose them all at once.
    by_name = dict(zip(rows[0], zip(*(r.values() for r in rows))))
    for c in SECTION_COLUMNS:
        if c in measured:
            columns[c] = measured[c].astype(np.int64)
            continue
        values = list(by_name[c])
        if c in _INT_COLUMNS:
            columns[c] = np.array(values, dtype=np.int64)
        elif c in _FLOAT_COLUMNS:
            columns[c] = np.array(values, dtype=np.float64)
        elif c == "is_leaf":
            columns[c] = np.array(values, dtype=bool)
        else:
            columns[c] = strings(values)
    if arrow:
        # Every column is already an array of its final type and length: skip the checks
        # and copies of the public constructor (five times slower on a 50-row table).
        return pd.DataFrame._from_arrays(list(columns.values()), columns=_column_index(),
                                         index=pd.RangeIndex(len(rows)), verify_integrity=False)
    return pd.DataFrame(columns, copy=False)


_COLUMN_INDEX: list = []


def _column_index() -> pd.Index:
    if not _COLUMN_INDEX:
        _COLUMN_INDEX.append(pd.DataFrame(columns=SECTION_COLUMNS).columns)
    return _COLUMN_INDEX[0]


_STRING_DTYPE: list = []


def _string_dtype():
    """The type pandas gives a column of Python strings (``str`` in pandas 3), and a
    function that makes such a column from a list of str."""
    if not _STRING_DTYPE:
        dtype = pd.Series(["x"]).dtype
        made = pd.array(["x"], dtype=dtype)
        storage = getattr(getattr(made, "_pa_array", None), "type", None)
        if type(made).__name__ == "ArrowStringArray" and storage is not None:
            import pyarrow as pa

            # pandas' own conversion checks every value again; an Arrow array of the
            # same storage type is what it would build.
            def strings(values, cls=type(made)):
                return cls(pa.array(values, storage), dtype=dtype)
            arrow = hasattr(pd.DataFrame, "_from_arrays")
        else:  # pandas 2 without the string type: plain object columns
            def strings(values):
                return np.array(values, dtype=object)
            arrow = False
        _STRING_DTYPE.append((dtype, strings, arrow))
    return _STRING_DTYPE[0]


def _flag_orphan_announcements(text: str, rows: list, parser: _Parser):
    """Announcements that no enumeration follows: a 、 list right after the colon is
    their enumeration (family ``dun``); otherwise the holding leaf gets a warning."""
    import bisect

    linked = {e["start"] for e in parser.enums}
    leaves = [r for r in rows if r["is_leaf"]]
    starts = [r["start"] for r in leaves]
    for m in _colon_counts(text, parser.rules["announce"]):
        if parser.announcements.is_name(m):
            continue
        nxt = m.end()
        while nxt < len(text) and text[nxt] in " \n“\"":
            nxt += 1
        if nxt in linked or nxt >= len(text):
            continue
        k = bisect.bisect_right(starts, m.start()) - 1
        if k < 0:
            continue
        row = leaves[k]
        elements = _dun_list(text, m.end())
        val = cn_number(m.group("n"))
        declared = float(val) if val is not None else np.nan
        phrase = m.group().rstrip("：:。”’\"")
        if elements:
            if row["declared_items"] != row["declared_items"] and row["items"] == 0:
                # The 、 list is the leaf's enumeration: report its counts on the row.
                row["declared_items"], row["items"] = declared, len(elements)
            parser.enums.append({"parent_id": row["section_id"], "family": "dun", "first": elements[0][:6],
                                 "last": elements[-1][:6], "items": len(elements), "declared_items": declared,
                                 "announcement": phrase, "start": m.end(), "announced_at": m.start()})
            if declared == declared and declared != len(elements):
                note = f"announced {phrase} ({int(declared)}) but found {len(elements)} items (、 list)"
            else:
                continue
        else:
            note = f"announced {m.group().rstrip('：:')} but no enumeration follows"
        row["warnings"] = f"{row['warnings']}; {note}" if row["warnings"] else note


def _colon_counts(text: str, regex):
    """Matches of the announcement pattern (a count ending in a colon), found from the
    colons backwards: scanning every character for a numeral is the slow way."""
    for colon in prefilter.positions(text, ("：", ":")):
        end = colon + 1
        m = regex.search(text, max(0, end - 16), end)
        while m is not None and m.end() != end:
            m = regex.search(text, m.start() + 1, end)
        if m is not None:
            yield m


def _dun_list(text: str, pos: int) -> list[str]:
    """The elements of a 、 list that runs from ``pos`` to the end of its clause
    (推进A、推进B、推动C。), or [] when the clause is not such a list."""
    m = re.compile(r"[^。；！？，,;!?\n]*").match(text, pos)
    parts = m.group().split("、")
    return parts if len(parts) >= 2 and all(p.strip() for p in parts) else []


def count_hanzi(text: str) -> int:
    """CJK ideographs in ``text`` (the ``hanzi`` measure of the sections table)."""
    return _Counter(text).hanzi(0, len(text))


def leaves(sections: pd.DataFrame) -> pd.DataFrame:
    """The leaf sections (they tile the text)."""
    return sections[sections["is_leaf"]]


def top_level(sections: pd.DataFrame) -> pd.DataFrame:
    return sections[sections["level"] == 1]


def section_of(sections: pd.DataFrame, offsets, *, level: int | None = None) -> np.ndarray:
    """section_id of the leaf (or of the ancestor at ``level``) holding each offset."""
    table = leaves(sections) if level is None else sections[sections["level"] == level]
    table = table.sort_values("start")
    starts = table["start"].to_numpy()
    idx = np.searchsorted(starts, np.asarray(offsets), side="right") - 1
    ids = table["section_id"].to_numpy()
    out = np.where(idx >= 0, ids[np.clip(idx, 0, None)] if len(ids) else "", "")
    return out


def parts_table(sections: pd.DataFrame) -> pd.DataFrame:
    """Top-level parts with their length measures, for plots and reports."""
    cols = ["doc_id", "section_id", "label", "heading", "chars", "hanzi", "sentences",
            "share", "position", "declared_items", "items", "warnings"]
    return sections[sections["kind"] == "part"][cols].reset_index(drop=True)


def describe_outline(sections: pd.DataFrame) -> str:
    """One paragraph of Markdown stating the outline of a text: how many numbered
    top-level parts it has (一、… or 第一，…), their share of the text's 汉字, what the
    rest is, and the longest part. A text without numbered parts is said to have none."""
    top = sections[sections["level"] == 1]
    parts = top[top["kind"].isin(["part", "item"])]
    total = int(top["hanzi"].sum())

    def kinds(rows):
        return "、".join(dict.fromkeys(_KIND_ZH.get(k, k) for k in rows["kind"]))

    if parts.empty:
        return (f"This text has no numbered parts (一、… or 第一，…), so lengths are given for its "
                f"top-level sections ({kinds(top)}); its {total:,} 汉字 are not divided any further by numbering.")
    inside = parts["hanzi"].sum() / total if total else 0.0
    rest = top[~top.index.isin(parts.index)]
    text = f"The text has **{len(parts)} numbered parts** ({'、'.join(parts['label'])}) holding {inside:.0%} of its {total:,} 汉字"
    text += f"; the rest is {kinds(rest)}. " if len(rest) else ". "
    longest = parts.loc[parts["hanzi"].idxmax()]
    text += f"The longest is part {longest['label']} ({int(longest['hanzi']):,} 汉字, {longest['hanzi'] / total:.0%} of the text)"
    return text + (f": “{longest['heading'][:30]}”." if longest["heading"] else ".")


_KIND_ZH = {"title": "标题", "salutation": "称呼", "opening": "开场", "part": "部分", "subpart": "小节",
            "item": "条目", "closing": "结尾", "body": "正文"}


def describe_enumerations(sections: pd.DataFrame, enumerations: pd.DataFrame) -> str:
    """Markdown stating whether the counts a text announces (“五项工作：”) match the items
    found after them, naming each disagreement; one sentence when a text has no
    enumeration or announces no count."""
    if enumerations.empty:
        return ("No enumeration (一是…, 一要…, （一）…, 一、…) was found in this text, so there are no "
                "announced counts to check.")
    announced = enumerations[enumerations["declared_items"].notna()]
    head = f"{len(enumerations)} enumerations found"
    if announced.empty:
        return (f"{head}; none is preceded by an announced count (such as “五项工作：”), so there is "
                "nothing to compare.")
    wrong = announced[announced["declared_items"].astype(int) != announced["items"]]
    names = dict(zip(sections["section_id"], sections["label"]))
    text = f"{head}, {len(announced)} of them after an announced count. "
    if wrong.empty:
        return text + "Every announced count matches the items found."
    for r in wrong.itertuples():
        where = f"part {names[r.parent_id]}" if names.get(r.parent_id) else "the text"
        text += (f"In {where} “{r.announcement}” announces {int(r.declared_items)} but {r.items} items are "
                 f"found ({r.first}…{r.last}). ")
    return text + "Where a count disagrees, check the source before quoting the announced number."
