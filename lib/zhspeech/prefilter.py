"""Where a regular expression can match, found without running it everywhere.

Python's regex engine tries a pattern such as ``(本文|文档)来源于…|关注公众号`` at every
character of a text; on a Chinese text that costs far more than the rare matches.
:func:`prefixes` reads a compiled pattern and returns the literal strings every match
must start with (``{"本文", "文档", "关注"}``); :func:`positions` finds those strings
with ``str.find``. A scan that runs the pattern only at those positions finds exactly
what a full scan finds, because no match can start anywhere else. Patterns whose
prefixes cannot be known (``.``, negated or very large classes, case-insensitive
matching, backreferences, a possibly empty match) give None, and callers then scan
as before.
"""
from __future__ import annotations

import bisect
import re
import threading
from functools import lru_cache

try:  # Python ≥ 3.11
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

_MAX_STRINGS = 64   # more alternatives than this: not worth a prefilter
_MAX_CLASS = 64     # a character class larger than this: give up


class _Unknown(Exception):
    pass


def _chars_of_class(items) -> set[str]:
    out = set()
    for op, av in items:
        if op is _c.LITERAL:
            out.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            out.update(chr(x) for x in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY (\d, \s), big ranges
            raise _Unknown
    if len(out) > _MAX_CLASS:
        raise _Unknown
    return out


def _trunc(seq, k: int) -> set[str]:
    """Every match of ``seq`` cut to its first ``k`` characters; a string shorter than
    ``k`` is a whole match."""
    out = {""}
    for op, av in seq:
        if all(len(s) >= k for s in out):
            break
        item = _trunc_item(op, av, k)
        out = {s if len(s) >= k else s + t[:k - len(s)] for s in out
               for t in (item if len(s) < k else ("",))}
        if len(out) > _MAX_STRINGS:
            raise _Unknown
    return out


def _trunc_item(op, av, k: int) -> set[str]:
    if op is _c.LITERAL:
        return {chr(av)}
    if op is _c.IN:
        return _chars_of_class(av)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return {""}  # zero-width
    if op is _c.SUBPATTERN:
        add_flags, del_flags, sub = av[1], av[2], av[3]
        if add_flags & re.IGNORECASE:
            raise _Unknown
        return _trunc(sub, k)
    if op is _c.BRANCH:
        out = set()
        for alt in av[1]:
            out |= _trunc(alt, k)
        return out
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        if lo > 16:
            raise _Unknown
        one = _trunc(sub, k)
        out = {""} if lo == 0 else set()
        cur = {""}
        n = 0
        # Each repeat that is not empty adds a character: after ``lo + k`` repeats every
        # string is cut at ``k`` or can grow no further.
        while n < hi and n <= lo + k:
            n += 1
            cur = {s if len(s) >= k else s + t[:k - len(s)] for s in cur for t in (one if len(s) < k else ("",))}
            if len(cur) > _MAX_STRINGS:
                raise _Unknown
            if n >= lo:
                out |= cur
                if all(len(s) >= k for s in cur):
                    break
        return out
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _trunc(av, k)
    raise _Unknown  # ANY, NOT_LITERAL, GROUPREF, conditionals, …


@lru_cache(maxsize=256)
def prefixes(pattern: re.Pattern, k: int = 2) -> frozenset[str] | None:
    """The strings (up to ``k`` characters) that every match of ``pattern`` starts
    with, or None when they cannot be known or a match may be empty.

    Example:
        >>> sorted(prefixes(re.compile(r"(会员|QQ)群\\s*[:：]")))
        ['QQ', '会员']
    """
    if pattern.flags & re.IGNORECASE or not isinstance(pattern.pattern, str):
        return None
    try:
        found = _trunc(_p.parse(pattern.pattern, pattern.flags), k)
    except (_Unknown, RecursionError, re.error):
        return None
    if "" in found or not found:
        return None
    # A shorter string covers the longer ones it starts: keep only what needs finding.
    kept = {s for s in found if not any(t != s and s.startswith(t) for t in found)}
    return frozenset(kept)


def positions(text: str, strings, start: int = 0, end: int | None = None) -> list[int]:
    """Sorted start offsets (in [start, end)) of every occurrence of any of ``strings``
    in ``text``, overlapping occurrences included."""
    return sorted({p for p, _ in occurrences(text, strings, start, end)})


# Below this many (strings × characters), occurrences() runs str.find for each string:
# the numpy pass costs some 30 µs whatever the length (measured on 7 strings in 150
# characters: 36 µs by numpy, 2 µs by str.find).
_FIND_BELOW = 20_000


def occurrences(text: str, strings, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
    """``(offset, string)`` for every occurrence of each of ``strings`` that starts in
    [start, end), sorted by offset."""
    end = len(text) if end is None else end
    strings = frozenset(strings)
    out: list[tuple[int, str]] = []
    if len(strings) <= 2 or len(strings) * (end - start) <= _FIND_BELOW:
        # str.find is fastest for one or two strings, or a short stretch of text.
        if len(strings) > 2:
            _tables(strings)  # many strings must be short, however long the text (ValueError)
        for s in strings:
            find = text.find
            i = find(s, start, end + len(s) - 1)
            while i >= 0:
                out.append((i, s))
                i = find(s, i + 1, end + len(s) - 1)
    else:
        # Many strings: one pass over the text for their first characters, then the
        # second characters compared at those places only.
        import numpy as np

        first, singles, pairs, names = _tables(strings)
        c = codes(text)
        hits = np.flatnonzero(first[c]) if len(c) else np.zeros(0, dtype=np.int64)
        if start or end < len(text):
            hits = hits[(hits >= start) & (hits < end)]
        if singles is not None:
            one = hits[singles[c[hits]]]
            out.extend(zip(one.tolist(), (chr(x) for x in c[one].tolist())))
        if len(pairs):
            h = hits[hits + 1 < len(c)]
            code = (c[h].astype(np.uint64) << np.uint64(21)) | c[h + 1].astype(np.uint64)
            # pairs is sorted: one bisection per place, however many strings
            keep = pairs.take(np.minimum(np.searchsorted(pairs, code), len(pairs) - 1)) == code
            out.extend(zip(h[keep].tolist(), (names[x] for x in code[keep].tolist())))
    out.sort()
    return out


@lru_cache(maxsize=64)
def _tables(strings: frozenset):
    """Lookup tables for :func:`occurrences`: first characters, one-character strings,
    and two-character strings as ``first << 21 | second`` codes (with their names)."""
    import numpy as np

    if any(len(s) > 2 for s in strings):
        raise ValueError("occurrences() looks for strings of one or two characters when given many")
    first = char_table("".join(s[0] for s in strings))
    one = "".join(s for s in strings if len(s) == 1)
    names = {(ord(s[0]) << 21) | ord(s[1]): s for s in strings if len(s) == 2}
    return first, (char_table(one) if one else None), np.array(sorted(names), dtype=np.uint64), names


class Finder:
    """``search(text, pos)`` and ``finditer(text, pos, endpos)`` of a compiled pattern
    that try it only where one of its prefixes occurs; the same matches as the
    pattern's own methods. Falls back to the pattern when its prefixes are unknown."""

    def __init__(self, pattern: re.Pattern, k: int = 2):
        self.pattern = pattern
        self.prefixes = prefixes(pattern, k)
        # (text, its candidate offsets), replaced as one object: a Finder shared by
        # threads never pairs one text with another's offsets.
        self._last: tuple = (None, [])

    def _candidates(self, text: str) -> list[int]:
        last = self._last
        if last[0] is not text:
            last = self._last = (text, positions(text, self.prefixes))
        return last[1]

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):
        """Like ``pattern.finditer(text, pos, endpos)`` for a pattern that cannot match
        an empty string (guaranteed when :func:`prefixes` is known)."""
        endpos = len(text) if endpos is None else endpos
        if self.prefixes is None:
            yield from self.pattern.finditer(text, pos, endpos)
            return
        at = self._candidates(text)
        k = bisect.bisect_left(at, pos)
        match = self.pattern.match
        while k < len(at) and at[k] < endpos:
            m = match(text, at[k], endpos)
            if m is None:
                k += 1
                continue
            yield m
            k = bisect.bisect_left(at, m.end(), k + 1)

    def search(self, text: str, pos: int = 0, endpos: int | None = None):
        return next(self.finditer(text, pos, endpos), None)


_CODES = threading.local()


def codes(text: str):
    """The code points of ``text`` as a numpy array (each thread keeps its last text's,
    so several steps reading one text convert it once)."""
    import numpy as np

    last = getattr(_CODES, "last", None)
    if last is None or last[0] is not text:
        last = _CODES.last = (text, np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32))
    return last[1]


def char_table(chars: str):
    """A lookup table for :func:`char_positions`: True at the code points of ``chars``."""
    import numpy as np

    table = np.zeros(0x110000, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return table


def char_positions(text: str, table):
    """Offsets of the characters of ``text`` that ``table`` (:func:`char_table`) marks."""
    import numpy as np

    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(table.take(codes(text)))
