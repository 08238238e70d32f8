"""Audited cleaning: boilerplate out, widths and whitespace normalised, stray
traditional characters simplified, typos corrected, redaction placeholders masked.

Each step is a function ``step(text, ...) -> (new_text, edits)`` whose edits are
``(start, end, before, after, rule)`` in the step's input text. ``clean_text`` runs
the steps in order and returns a :class:`Cleaned` whose ``edits`` table has the
DESIGN.md columns (doc_id, step, start, end, before, after, rule; offsets in the raw
text) plus ``pass`` and ``at`` (where ``after`` sits in that pass's output), which
make ``restore(cleaned.text, cleaned.edits) == raw`` exact. Masks do not change the
text; they are listed in ``Cleaned.masks`` and excluded from every later count.
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache

import pandas as pd

from . import lexicons, prefilter

EDIT_COLUMNS = ["doc_id", "step", "start", "end", "before", "after", "rule", "pass", "at"]
MASK_COLUMNS = ["doc_id", "start", "end", "text", "kind", "raw_start", "raw_end"]

# Full-width forms converted to ASCII. Chinese punctuation (，。：；？！（）“”、) stays.
_FULLWIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ" \
             "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ％＋－＝＠＃＄＆＊／＜＞＾＿｜～．"
_FW_TABLE = {ord(c): ord(c) - 0xFEE0 for c in _FULLWIDTH}
_FW_RUN = re.compile(f"[{re.escape(_FULLWIDTH)}]+")
_FW_CHARS = prefilter.char_table(_FULLWIDTH)

_NEWLINES = re.compile(r"(?P<newline>\r\n|\r|\f|\v|\u2028|\u2029)|(?P<zero_width>[\u200b\u200c\u200d\u2060\ufeff]+)")
_NEWLINES_AT = prefilter.Finder(_NEWLINES, 1)
_WS_CHARS = " \t\u3000\u00a0"
_WS_TABLE = prefilter.char_table(_WS_CHARS)
_ODD_WS = re.compile("[ \t\u3000\u00a0]{2,}|[\t\u3000\u00a0]")


def apply_edits(text: str, edits: list) -> str:
    """Apply non-overlapping ``(start, end, before, after, rule)`` edits to ``text``."""
    if not edits:
        return text
    out, pos = [], 0
    for start, end, _before, after, _rule in edits:
        out.append(text[pos:start])
        out.append(after)
        pos = end
    out.append(text[pos:])
    return "".join(out)


# --- steps ------------------------------------------------------------------------------

def remove_boilerplate(text: str, *, rules: dict | None = None, extra_lines: frozenset = frozenset()):
    """Remove platform adverts, watermarks and repeated header/footer lines.

    A line matching a rule of ``boilerplate.yaml`` is removed with its newline when it
    is no longer than the rule's ``max_chars``; in a longer line only the match is
    removed. Rules with ``where: head`` apply to the first ``head_window`` lines only,
    and with ``head_block`` the short lines sandwiched between two head matches go too
    (a platform's slogan lines). ``extra_lines`` are exact lines to drop (see
    :func:`find_repeated_lines`).
    """
    rules = rules or lexicons.load_boilerplate()
    lines = text.split("\n")
    hits: dict[int, tuple] = {}
    head = rules["head_window"]
    candidates = _boilerplate_candidates(text, rules, head)
    for i in (range(len(lines)) if extra_lines or candidates is None else sorted(candidates)):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            continue
        if stripped in extra_lines:
            hits[i] = ("line", "repeated_line")
            continue
        may = candidates.get(i, ()) if candidates is not None else None
        for k, rule in enumerate(rules["rules"]):
            if rule["where"] == "head" and i >= head:
                continue
            if may is not None and k not in may:
                continue  # none of the rule's prefixes is in the line: it cannot match
            m = rule["regex"].search(line)
            if m:
                if len(stripped) <= rule["max_chars"]:
                    hits[i] = ("line", rule["name"])
                else:
                    hits[i] = ("span", rule["name"], m.start(), m.end())
                break
    if rules["head_block"]:
        head_hits = [i for i, h in hits.items() if i < head and h[0] == "line" and h[1] != "repeated_line"]
        if len(head_hits) >= 2:
            for i in range(min(head_hits), max(head_hits)):
                line = lines[i].strip()
                # Only short lines that are not sentences: a platform's name or slogan.
                if i not in hits and 0 < len(line) <= 40 and line[-1] not in "。！？!?":
                    hits[i] = ("line", "head_block")
    edits = []
    if not hits:
        return text, edits
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    for i in sorted(hits):
        h = hits[i]
        s = starts[i]
        if h[0] == "line":
            e = min(s + len(lines[i]) + 1, len(text))
            edits.append((s, e, text[s:e], "", h[1]))
        else:
            edits.append((s + h[2], s + h[3], text[s + h[2]:s + h[3]], "", h[1]))
    return apply_edits(text, edits), edits


def _boilerplate_candidates(text: str, rules: dict, head: int) -> dict[int, set] | None:
    """For each line a boilerplate rule may match, the indices of those rules: the
    rules one of whose prefixes (:mod:`zhspeech.prefilter`) the line holds. None when
    some rule's prefixes are unknown (every line is then tried with every rule).

    The prefixes of ``where: head`` rules are looked for in the first ``head`` lines
    only (beyond them those rules are never tried); 不断 or 实时 of a platform slogan
    would otherwise make half the lines of a speech candidates."""
    found = _rule_owners(rules["rules"])
    if found is None:
        return None
    everything, owners, head_owners = found
    if head_owners and head > 0 and text.count("\n", 0, len(text) // 2) < head:
        # The head is most of the text: one scan of the whole text for every prefix.
        owners, head_owners = everything, {}
    out: dict[int, set] = {}
    hits = []
    if head_owners and head > 0:
        # The head: up to the newline that ends line ``head - 1`` (a prefix may start on
        # that newline), read with one character more for a two-character prefix there.
        end = -1
        for _ in range(head):
            end = text.find("\n", end + 1)
            if end < 0:
                end = len(text)
                break
        hits = [(p, s, head_owners) for p, s in prefilter.occurrences(text[:end + 2], head_owners, 0, end + 1)
                if p <= end]
    hits += [(p, s, owners) for p, s in prefilter.occurrences(text, owners)] if owners else []
    if not hits:
        return out
    import numpy as np

    breaks = prefilter.char_positions(text, _NEWLINE_TABLE)
    lines = np.searchsorted(breaks, np.fromiter((p for p, _, _ in hits), dtype=np.int64, count=len(hits)),
                            side="left").tolist()
    for i, (_, s, table) in zip(lines, hits):
        out.setdefault(i, set()).update(table[s])
    return out


_NEWLINE_TABLE = prefilter.char_table("\n")
_OWNERS: dict = {}


def _rule_owners(rules: tuple):
    """The rules (their indices) each prefix belongs to: of all rules, of the rules that
    apply anywhere, and of the ``where: head`` rules; None when some rule's prefixes are
    unknown. Kept for the last few rule tuples (the loaded ones are reused as such)."""
    kept = _OWNERS.get(id(rules))
    if kept is not None and kept[0] is rules:
        return kept[1]
    everything: dict[str, list[int]] = {}
    owners: dict[str, list[int]] = {}
    head_owners: dict[str, list[int]] = {}
    value = (everything, owners, head_owners)
    for k, rule in enumerate(rules):
        found = prefilter.prefixes(rule["regex"])
        if found is None:
            value = None
            break
        for p in found:
            everything.setdefault(p, []).append(k)
            (head_owners if rule["where"] == "head" else owners).setdefault(p, []).append(k)
    if len(_OWNERS) >= 16:
        _OWNERS.clear()
    _OWNERS[id(rules)] = (rules, value)   # the tuple is held, so its id is not reused
    return value


def find_repeated_lines(texts, *, rules: dict | None = None) -> frozenset:
    """Header/footer lines: short lines (no sentence punctuation at the end) that occur
    at least ``min_repeats`` times within a document, in at least ``min_docs``
    documents of a corpus (``repeated_lines`` in boilerplate.yaml)."""
    rules = rules or lexicons.load_boilerplate()
    return repeated_across([repeated_in(text, rules=rules) for text in texts], rules=rules)


def repeated_in(text: str, *, rules: dict | None = None) -> frozenset:
    """The header/footer candidates of one document: short lines without sentence
    punctuation at the end that it repeats at least ``min_repeats`` times."""
    settings = (rules or lexicons.load_boilerplate())["repeated"]
    counts: dict[str, int] = {}
    longest = settings["max_chars"]
    for line in text.split("\n"):
        if len(line) > longest and not line[0].isspace() and not line[-1].isspace():
            continue  # too long, and no space for strip() to remove
        s = line.strip()
        if s and len(s) <= settings["max_chars"] and s[-1] not in "。！？：；，!?:;,":
            counts[s] = counts.get(s, 0) + 1
    return frozenset(s for s, n in counts.items() if n >= settings["min_repeats"])


def repeated_across(candidates, *, rules: dict | None = None) -> frozenset:
    """The lines that are candidates (:func:`repeated_in`) of at least ``min_docs``
    documents."""
    settings = (rules or lexicons.load_boilerplate())["repeated"]
    doc_counts: dict[str, int] = {}
    for lines in candidates:
        for s in lines:
            doc_counts[s] = doc_counts.get(s, 0) + 1
    return frozenset(s for s, n in doc_counts.items() if n >= settings["min_docs"])


def normalize_newlines(text: str):
    """CR/LF variants and form feeds become LF; zero-width characters are removed."""
    edits = []
    for m in _NEWLINES_AT.finditer(text):
        rule = m.lastgroup
        edits.append((m.start(), m.end(), m.group(), "\n" if rule == "newline" else "", rule))
    return apply_edits(text, edits), edits


def normalize_width(text: str):
    """Full-width ASCII letters, digits and symbols become half-width (％ → %)."""
    at = prefilter.char_positions(text, _FW_CHARS)
    if not len(at):
        return text, []
    import numpy as np

    # The matches of _FW_RUN are the runs of consecutive full-width offsets.
    cut = np.flatnonzero(np.diff(at) != 1)
    starts = np.concatenate([at[:1], at[cut + 1]]).tolist()
    ends = np.concatenate([at[cut] + 1, at[-1:] + 1]).tolist()
    edits = [(a, b, text[a:b], text[a:b].translate(_FW_TABLE), "fullwidth") for a, b in zip(starts, ends)]
    return apply_edits(text, edits), edits


def normalize_layout(text: str):
    """One paragraph per line: strip indents and trailing spaces, drop blank lines,
    collapse runs of spaces, and end the text with exactly one newline."""
    edits = []
    lines = text.split("\n")
    last = len(lines) - 1
    pos = 0
    leading = True
    spaced = _lines_with(text, _WS_TABLE)
    for i, line in enumerate(lines):
        start, end = pos, pos + len(line)
        pos = end + 1
        if i == last and not line and i > 0:
            break  # the text already ends with a newline
        if line and i not in spaced:
            # No space of any kind in the line: nothing to strip or collapse.
            leading = False
            if i == last:
                edits.append((len(text), len(text), "", "\n", "final_newline"))
            continue
        body = line.strip(_WS_CHARS)
        if not body:
            if leading:
                edits.append((start, min(end + 1, len(text)), text[start:end + 1], "", "leading_blank"))
            elif i == last:
                edits.append((start, end, line, "", "trailing"))
            else:
                edits.append((start - 1, end, text[start - 1:end], "", "blank_lines"))
            continue
        leading = False
        left = len(line) - len(line.lstrip(_WS_CHARS))
        right = len(line.rstrip(_WS_CHARS))
        if left:
            edits.append((start, start + left, line[:left], "", "indent"))
        if _ODD_WS.search(line, left, right):
            for m in _ODD_WS.finditer(line, left, right):
                edits.append((start + m.start(), start + m.end(), m.group(), " ", "spaces"))
        if right < len(line):
            edits.append((start + right, end, line[right:], "", "trailing"))
        if i == last:
            edits.append((len(text), len(text), "", "\n", "final_newline"))
    return apply_edits(text, _merge(edits)), _merge(edits)


def _lines_with(text: str, table) -> set:
    """Indices of the lines of ``text`` that hold a character marked in ``table``."""
    import numpy as np

    at = prefilter.char_positions(text, table)
    if not len(at):
        return set()
    breaks = prefilter.char_positions(text, _NEWLINE_TABLE)
    return set(np.searchsorted(breaks, at, side="left").tolist())


def _merge(edits: list) -> list:
    """Join adjacent deletions of the same rule into one edit (one log row per run)."""
    out = []
    for edit in edits:
        if out and not edit[3] and not out[-1][3] and out[-1][4] == edit[4] and out[-1][1] == edit[0]:
            prev = out[-1]
            out[-1] = (prev[0], edit[1], prev[2] + edit[2], "", edit[4])
        else:
            out.append(edit)
    return out


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


# Script is decided paragraph by paragraph. A paragraph is traditional when at least this
# share of its 汉字 change under OpenCC t2s (and at least two do), simplified when fewer
# change and it has enough 汉字 to tell. Measured: the 16 comparable texts (simplified) have
# 0 such characters, the sample 1 in 7,440; the sample converted to traditional has 38 %.
TRADITIONAL_SHARE = 0.15
TRADITIONAL_MIN = 2     # distinct changed characters a paragraph needs to count as traditional
                        # (a simplified line naming 乾县 three times changes only one)
SIMPLIFIED_MIN = 10     # 汉字 a paragraph needs to count as simplified

_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _han_table():
    import numpy as np

    table = np.zeros(0x110000, dtype=bool)
    for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):  # as _HAN_CHAR
        table[lo:hi + 1] = True
    return table


_HAN_TABLE = _han_table()


def _t2s_edits(text: str) -> list:
    """Every change OpenCC t2s would make, as edits on ``text``."""
    try:
        converted = _opencc().convert(text)
    except UnicodeEncodeError:
        # Lone surrogates (never in a decoded file, possible in a Python string) cannot
        # pass through OpenCC's UTF-8 interface: convert around them.
        parts = re.split("([\ud800-\udfff]+)", text)
        converted = "".join(p if i % 2 else _opencc().convert(p) for i, p in enumerate(parts))
    if converted == text:
        return []
    edits = []
    if len(converted) == len(text):
        block = 4096
        for b in range(0, len(text), block):
            if text[b:b + block] == converted[b:b + block]:
                continue
            i, end = b, min(b + block, len(text))
            while i < end:
                if text[i] != converted[i]:
                    j = i
                    while j < end and text[j] != converted[j]:
                        j += 1
                    edits.append((i, j, text[i:j], converted[i:j]))
                    i = j
                else:
                    i += 1
    else:
        import difflib

        sm = difflib.SequenceMatcher(None, text, converted, autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op != "equal":
                edits.append((i1, i2, text[i1:i2], converted[j1:j2]))
    return edits


def _changed_han(edits) -> int:
    return sum(len(_HAN_CHAR.findall(before)) for _, _, before, _ in edits)


def traditional_share(text: str) -> float:
    """Share of a text's 汉字 that OpenCC t2s would change (0.0 for a text without 汉字).

    The measure behind :func:`to_simplified`: simplified texts score near 0 (a few
    characters such as 乾 in 乾县 are legitimate in simplified writing), traditional
    texts around 0.3–0.4.
    """
    han = len(_HAN_CHAR.findall(text))
    return _changed_han(_t2s_edits(text)) / han if han else 0.0


def to_simplified(text: str, *, share: float = TRADITIONAL_SHARE, changed_min: int = TRADITIONAL_MIN,
                  simplified_min: int = SIMPLIFIED_MIN):
    """Traditional script becomes simplified (OpenCC ``t2s``), only where the text is
    written in it.

    Script is decided before anything is converted, paragraph by paragraph, from the
    share of 汉字 that t2s would change (:func:`traditional_share`):

    * traditional: at least ``share`` of its 汉字 change, and at least ``changed_min``
      different characters — converted;
    * simplified: less than ``share`` change and it has at least ``simplified_min``
      汉字 — left as written (乾县, 乾坤, 瞭望 are legitimate simplified text);
    * too short to tell: follows the majority script of the paragraphs that could be
      told, weighted by their 汉字 (a traditional document's short headings convert,
      a short line in a simplified report does not).

    Each edit's rule records the decision and the measured share, e.g.
    ``opencc:t2s paragraph 37.7% traditional``. A stray traditional character in a
    simplified text is a typo: list it in ``corrections.tsv``.
    """
    edits = _t2s_edits(text)
    if not edits:
        return text, []
    paragraphs, i = [], 0
    # 汉字 before each offset (as _HAN_CHAR counts them), to count a paragraph's in O(1).
    import numpy as np

    before = np.concatenate([[0], np.cumsum(_HAN_TABLE.take(prefilter.codes(text)))])
    for start, end in _paragraph_spans(text):
        j = i
        while j < len(edits) and edits[j][0] < end:
            j += 1
        han = int(before[end] - before[start])
        if i == j:  # nothing to convert in the paragraph
            changed = distinct = 0
        else:
            changed = _changed_han(edits[i:j])
            distinct = len({c for x in edits[i:j] for c in _HAN_CHAR.findall(x[2])})
        p_share = changed / han if han else 0.0
        if distinct >= changed_min and p_share >= share:
            verdict = "traditional"
        elif p_share < share and han >= simplified_min:
            verdict = "simplified"
        else:
            verdict = "short"
        paragraphs.append((edits[i:j], han, p_share, verdict))
        i = j
    weight = {"traditional": 0, "simplified": 0}
    for _, han, _, verdict in paragraphs:
        if verdict != "short":
            weight[verdict] += han
    told = weight["traditional"] + weight["simplified"]
    majority = weight["traditional"] / told if told else 0.0
    kept = []
    for inside, _, p_share, verdict in paragraphs:
        if not inside:
            continue
        if verdict == "traditional":
            rule = f"opencc:t2s paragraph {p_share:.1%} traditional"
        elif verdict == "short" and majority > 0.5:
            rule = f"opencc:t2s short paragraph {p_share:.1%}, text {majority:.1%} traditional"
        else:
            continue
        kept.extend((s, e, b, a, rule) for s, e, b, a in inside)
    if not kept:
        return text, []
    return apply_edits(text, kept), kept


def _paragraph_spans(text: str):
    start = 0
    for end in (prefilter.char_positions(text, _NEWLINE_TABLE) + 1).tolist():
        yield start, end
        start = end
    if start < len(text):
        yield start, len(text)


@lru_cache(maxsize=8)
def _corrections_regex(rows: tuple):
    if not rows:
        return None, None
    parts = [f"(?P<r{i}>{row.pattern()})" for i, row in enumerate(rows)]
    # Longer wrong forms first, so a phrase rule wins over a character rule.
    order = sorted(range(len(rows)), key=lambda i: -len(rows[i].wrong))
    full = re.compile("|".join(parts[i] for i in order))
    # Plain literals let the regex engine skip ahead fast; the guarded rule is then
    # tried only where a wrong form actually occurs.
    firsts = sorted({re.escape(row.wrong) for row in rows}, key=len, reverse=True)
    return prefilter.Finder(re.compile("|".join(firsts))), full


def _scan(candidates, full, text: str):
    pos = 0
    while True:
        c = candidates.search(text, pos)
        if c is None:
            return
        m = full.match(text, c.start())
        if m is None or m.end() == m.start():
            pos = c.start() + 1
            continue
        yield m
        pos = m.end()


_LAST_CORRECTIONS: list = [None]   # (rows, their compiled patterns), replaced as one object


def correct_typos(text: str, *, rows: tuple | None = None):
    """Apply the corrections table (``corrections.tsv``): each row's wrong form is
    replaced where its context allows; the rule column records the table line."""
    rows = lexicons.load_corrections() if rows is None else rows
    kept = _LAST_CORRECTIONS[0]
    if kept is not None and kept[0] is rows:
        # the same (immutable) table as last time: its rows need no hashing again
        candidates, full = kept[1]
    else:
        candidates, full = _corrections_regex(tuple(rows))
        if isinstance(rows, tuple):
            _LAST_CORRECTIONS[0] = (rows, (candidates, full))
    if full is None:
        return text, []
    edits = []
    for m in _scan(candidates, full, text):
        row = rows[int(m.lastgroup[1:])]
        edits.append((m.start(), m.end(), m.group(), row.right,
                      f"corrections.tsv:{row.line} {row.wrong}→{row.right}"))
    return apply_edits(text, edits), edits


@lru_cache(maxsize=8)
def _mask_regex(patterns: tuple):
    marks = next((p for k, p in patterns if k == "__marks__"), None)
    full = re.compile("|".join(f"(?P<m{i}>{p})" for i, (k, p) in enumerate(patterns) if k != "__marks__"))
    return (prefilter.Finder(re.compile(marks), 1) if marks else None), full


def find_masks(text: str, *, patterns: tuple | None = None) -> list[tuple]:
    """Redaction placeholders (XX, X月X日, XX%, 第X次, X个, X市, …) as
    ``(start, end, text, kind)``; patterns come from ``redactions.yaml``."""
    patterns = lexicons.load_redactions() if patterns is None else patterns
    if not [k for k, _ in patterns if k != "__marks__"]:
        return []
    marks, full = _mask_regex(tuple(patterns))
    if marks is None:
        return [(m.start(), m.end(), m.group(), patterns[int(m.lastgroup[1:])][0]) for m in full.finditer(text)]
    # With marks (every placeholder contains one), only look near them; a match may
    # start up to 4 characters before its mark (第X次, XX年X月).
    out, pos = [], 0
    while True:
        c = marks.search(text, pos)
        if c is None:
            return out
        m = None
        for start in range(max(pos, c.start() - 4), c.start() + 1):
            m = full.match(text, start)
            if m is not None and m.end() > c.start():
                break
            m = None
        if m is None:
            pos = c.start() + 1
            continue
        out.append((m.start(), m.end(), m.group(), patterns[int(m.lastgroup[1:])][0]))
        pos = m.end()


# --- composition ----------------------------------------------------------------------

class _BackMap:
    """Maps offsets in a pass's output back to its input, from that pass's edits."""

    def __init__(self, edits: list):
        self.out_starts, self.rows = [], []
        shift = 0
        for start, end, _before, after, _ in edits:
            out_start = start + shift
            self.out_starts.append(out_start)
            self.rows.append((out_start, out_start + len(after), start, end))
            shift += len(after) - (end - start)

    def __call__(self, x: int) -> int:
        k = bisect.bisect_right(self.out_starts, x) - 1
        if k < 0:
            return x
        out_start, out_end, in_start, in_end = self.rows[k]
        if x < out_end:
            return in_start + min(x - out_start, in_end - in_start)
        return in_end + (x - out_end)


class Cleaned:
    """A cleaned text with its edit log and redaction masks.

    The ``edits`` and ``masks`` tables are built from the logged rows when first read:
    a pipeline that needs only the text and the mask spans (the corpus store) never
    pays for them.
    """

    def __init__(self, text: str, edits: pd.DataFrame | None = None, masks: pd.DataFrame | None = None,
                 doc_id: str = "", raw: str = "", *, edit_rows: list | None = None,
                 mask_rows: list | None = None):
        self.text = text
        self.doc_id = doc_id
        self.raw = raw
        self._edits, self._edit_rows = edits, edit_rows or []
        self._masks, self._mask_rows = masks, mask_rows or []
        self._maps: list = []

    @property
    def edits(self) -> pd.DataFrame:
        if self._edits is None:
            self._edits = pd.DataFrame(self._edit_rows, columns=EDIT_COLUMNS)
        return self._edits

    @edits.setter
    def edits(self, table: pd.DataFrame):
        self._edits = table

    @property
    def masks(self) -> pd.DataFrame:
        if self._masks is None:
            self._masks = pd.DataFrame(self._mask_rows, columns=MASK_COLUMNS)
        return self._masks

    @masks.setter
    def masks(self, table: pd.DataFrame):
        self._masks = table

    def __repr__(self) -> str:
        return f"Cleaned(text={self.text!r}, edits={self.edits!r}, masks={self.masks!r}, doc_id={self.doc_id!r})"

    def restore(self) -> str:
        return restore(self.text, self.edits)

    def to_raw(self, offset: int) -> int:
        """Map an offset of the cleaned text to the raw text."""
        for back in reversed(self._maps):
            offset = back(offset)
        return offset

    @property
    def mask_spans(self) -> list[tuple[int, int]]:
        if self._masks is None:
            return [(row[1], row[2]) for row in self._mask_rows]
        return list(zip(self.masks["start"], self.masks["end"]))

    @property
    def masked_text(self) -> str:
        """The cleaned text with each mask replaced by spaces of the same length, so
        offsets still match; segmenters and matchers read this version."""
        return blank_spans(self.text, self.mask_spans)


def blank_spans(text: str, spans) -> str:
    """``text`` with each ``(start, end)`` span replaced by as many spaces."""
    if not spans:
        return text
    edits = [(s, e, "", " " * (e - s), "mask") for s, e in sorted(spans)]
    return apply_edits(text, edits)


def text_and_masks(source, masks=None) -> tuple[str, list]:
    """The text and mask spans of a :class:`Cleaned` (or of a plain string, whose masks
    are only those given). Explicit ``masks`` win over a Cleaned's own."""
    if isinstance(source, Cleaned):
        return source.text, source.mask_spans if masks is None else list(masks)
    return source, list(masks) if masks is not None else []


STEPS = ("boilerplate", "newlines", "width", "layout", "simplify", "corrections")


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(raw, where: str = "text") -> str:
    """``raw`` if it is text zhspeech can process: TypeError for anything but a str,
    DocumentError for a lone surrogate (not valid Unicode; it cannot be saved or hashed)."""
    from .errors import DocumentError

    if not isinstance(raw, str):
        raise TypeError(f"expected the text as a str, got {type(raw).__name__}")
    m = _SURROGATE.search(raw)
    if m:
        raise DocumentError(where or "text", f"lone surrogate U+{ord(m.group()):04X} at offset {m.start()} "
                                             "(not valid Unicode text)")
    return raw


def clean_text(raw: str, *, doc_id: str = "", steps=STEPS, boilerplate: dict | None = None,
               corrections: tuple | None = None, redactions: tuple | None = None,
               extra_lines: frozenset = frozenset(), replacements=()) -> Cleaned:
    """Run the cleaning steps on ``raw`` and log every change.

    Args:
        raw: the text as read.
        doc_id: written into the edits and masks tables.
        steps: which steps to run, in this order: boilerplate, newlines, width,
            layout, simplify, corrections. Masks are always found.
        boilerplate, corrections, redactions: rules loaded from your own files with
            :mod:`zhspeech.lexicons` (default: the bundled ``data/lexicons`` files).
        extra_lines: exact header/footer lines to remove (``find_repeated_lines``).
        replacements: undecodable bytes the reader replaced by U+FFFD
            (``Document.replacements``); logged first as ``decode`` edits (pass -1,
            before the raw text exists, so ``restore`` leaves them alone).

    Raises:
        TypeError: ``raw`` is not a str.

    Example:
        >>> c = clean_text("千部队伍\\n")
        >>> c.text, list(c.edits["after"])
        ('干部队伍\\n', ['干部'])
    """
    if not isinstance(raw, str):
        raise TypeError(f"clean_text expects the text as a str, got {type(raw).__name__}")
    unknown = set(steps) - set(STEPS)
    if unknown:
        raise ValueError(f"unknown cleaning steps: {sorted(unknown)}")
    functions = {
        "boilerplate": lambda t: remove_boilerplate(t, rules=boilerplate, extra_lines=extra_lines),
        "newlines": normalize_newlines,
        "width": normalize_width,
        "layout": normalize_layout,
        "simplify": to_simplified,
        "corrections": lambda t: correct_typos(t, rows=corrections),
    }
    text = raw
    maps: list[_BackMap] = []
    rows = [(doc_id, "decode", off, off + 1, "".join(f"\\x{b:02x}" for b in bad), "\ufffd",
             f"undecodable bytes at byte offset {byte}", -1, off) for off, byte, bad in replacements]
    for n, name in enumerate(s for s in STEPS if s in steps):
        text_out, edits = functions[name](text)
        back = _BackMap(edits)
        shift = 0
        for start, end, before, after, rule in edits:
            rs, re_ = start, end
            for m in reversed(maps):
                rs, re_ = m(rs), m(re_)
            rows.append((doc_id, name, rs, re_, before, after, rule, n, start + shift))
            shift += len(after) - (end - start)
        maps.append(back)
        text = text_out
    masks = []
    for s, e, t, kind in find_masks(text, patterns=redactions):
        rs, re_ = s, e
        for m in reversed(maps):
            rs, re_ = m(rs), m(re_)
        masks.append((doc_id, s, e, t, kind, rs, re_))
    cleaned = Cleaned(text=text, edit_rows=rows, mask_rows=masks, doc_id=doc_id, raw=raw)
    cleaned._maps = maps
    return cleaned


def restore(text: str, edits: pd.DataFrame) -> str:
    """Rebuild the raw text from a cleaned text and its edit log (exact inverse)."""
    if edits is None or len(edits) == 0:
        return text
    edits = edits[edits["pass"] >= 0]  # "decode" edits precede the raw text
    for _n, group in sorted(edits.groupby("pass"), key=lambda g: -g[0]):
        pieces, pos = [], 0
        # A stable sort keeps adjacent deletions (same ``at``) in their logged order.
        for at, before, after in sorted(zip(group["at"], group["before"], group["after"]),
                                        key=lambda row: row[0]):
            pieces.append(text[pos:at])
            pieces.append(before)
            pos = at + len(after)
        pieces.append(text[pos:])
        text = "".join(pieces)
    return text


def clean_document(doc, **options) -> Cleaned:
    """``clean_text`` on a :class:`~zhspeech.corpus.Document`."""
    return clean_text(doc.raw, doc_id=doc.doc_id, replacements=getattr(doc, "replacements", ()), **options)


def clean_corpus(corpus, *, detect_repeated: bool = True, **options) -> dict:
    """Clean every document; lines repeated as headers/footers across the corpus are
    removed as boilerplate too. Returns ``{doc_id: Cleaned}``."""
    extra = find_repeated_lines([d.raw for d in corpus]) if detect_repeated else frozenset()
    return {d.doc_id: clean_text(d.raw, doc_id=d.doc_id, extra_lines=extra, **options) for d in corpus}


def correction_summary(cleaned: Cleaned) -> pd.DataFrame:
    """One row per correction or simplification, with 8 characters of context."""
    e = cleaned.edits
    sel = e[e["step"].isin(["corrections", "simplify"])].copy()
    sel["context"] = [cleaned.raw[max(0, s - 8):min(len(cleaned.raw), t + 8)].replace("\n", " ")
                      for s, t in zip(sel["start"], sel["end"])]
    return sel[["step", "start", "end", "before", "after", "rule", "context"]].reset_index(drop=True)

