"""Segmentation that keeps political terms whole, with offsets, stopwords and masks.

A :class:`Tokenizer` owns its segmenter (never jieba's global instance) and is built
from a configuration: backend (``"rjieba"`` by default, or ``"jieba"``, which gives the
same tokens more slowly), the domain user dictionary, stopword lists and HMM on/off.

Tokens table (``Tokenizer.tokens``)::

    doc_id, token, start, end, kind[, pos]

``start``/``end`` are offsets in the cleaned text. ``kind`` is ``word`` (counted),
``stop`` (stopword), ``number`` (digits, numerals, or a numeral with a measure word
of ``measure_words.txt``: 一项, 五年, 二是), ``latin``, ``punct`` or ``mask`` (a redaction
placeholder). Only ``word`` and ``latin`` tokens are counted by :mod:`zhspeech.stats`.

Two guarantees hold for both backends and are tested:

* every occurrence of a user-dictionary term (leftmost-longest) is exactly one token;
* the backends give identical tokens: text outside Chinese characters is split by one
  shared rule rather than by each backend's own.
"""
from __future__ import annotations

import bisect
import hashlib
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, compress

import numpy as np
import pandas as pd

from . import lexicons, paths, prefilter
from .clean import blank_spans, text_and_masks

TOKEN_COLUMNS = ["doc_id", "token", "start", "end", "kind"]
DEFAULT_FREQ = 20000   # frequency for user-dictionary words listed without one
DEFAULT_TAG = "nz"     # part of speech for user-dictionary words listed without one
CACHE_VERSION = "1"
COUNTED = ("word", "latin")
# Texts shorter than this are segmented by the rules applied one after the other over the
# whole word list; longer ones by the fast path (Tokenizer._split), which gives the same
# words but has a fixed cost (numpy tables) that only pays off on longer texts.
FAST_FROM = 2000
# The fast path numbers every word its segmenter gives (:class:`_Words`); past this many
# distinct words the numbering starts again, so that memory stays bounded.
WORDS_LIMIT = 1_000_000

_HAN_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HAN_CHAR = re.compile(r"[\u4e00-\u9fd5]")     # the characters jieba's HMM works on
# Outside Chinese characters, a token is a run of Latin letters, a run of digits or one
# other character. Nothing is joined across punctuation (2.5 → 2 . 5), so the result does
# not depend on where a backend happened to cut: jieba and rjieba give the same tokens.
_PIECES = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z]+|\d+|[^\s]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?|[零〇一二三四五六七八九十百千万亿两]+|[\d.]+[万亿]")
_NUMERAL_ONLY = re.compile(r"[零〇一二三四五六七八九十百千万亿两几]+")
_NUMERAL_LEAD = re.compile(r"[零〇一二三四五六七八九十百千万亿两几]+")


def _order_repeats(words: list[str]) -> list[str]:
    """Neighbouring words made of one repeated character, longest first (治治|治, not
    治|治治).

    Such words can be put in either order with exactly the same probability, and the
    backends break that tie differently (it even moves with the dictionary's total
    frequency), so one fixed order keeps the two identical.
    """
    joined = "".join(words)
    sep = next(c for c in "\x00\ue000\ue001\ue002" if c not in joined)
    line = sep.join(words)
    pattern = _repeat_runs(sep)
    if not pattern.search(line):
        return words

    def order(m):
        return sep.join(sorted(m.group().split(sep), key=len, reverse=True))

    return pattern.sub(order, line).split(sep)


@lru_cache(maxsize=4)
def _repeat_runs(sep: str) -> re.Pattern:
    s = re.escape(sep)
    return re.compile(f"(?:(?<={s})|^)([\u4e00-\u9fd5])\\1*(?:{s}\\1+)+(?={s}|$)")


@lru_cache(maxsize=4)
def _single_runs(sep: str) -> re.Pattern:
    s = re.escape(sep)
    return re.compile(f"(?:(?<={s})|^)[\u4e00-\u9fd5](?:{s}[\u4e00-\u9fd5])+(?={s}|$)")


def _quiet_jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba


@dataclass(frozen=True)
class TokenizerConfig:
    backend: str
    hmm: bool
    userdict: str
    userdict_hash: str
    stopwords_hash: str

    @property
    def key(self) -> str:
        raw = f"{CACHE_VERSION}|{self.backend}|{self.hmm}|{self.userdict_hash}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


class Tokenizer:
    """A segmenter with the domain dictionary, stopwords and masks.

    Args:
        backend: ``"rjieba"`` (default, faster) or ``"jieba"``; both give the same tokens.
        userdict: a user dictionary file (``word [freq] [tag]`` per line), the
            bundled ``data/lexicons/userdict.txt`` by default, or ``False`` for none.
        stopwords: a stopword file, the bundled ``stopwords.txt`` by default, or
            ``False`` to keep everything.
        generic_verbs: also treat the generic verbs of ``stopwords_generic.txt``
            (加强, 推进, 坚持, …) as stopwords.
        hmm: let the segmenter guess words that are in no dictionary.

    Example:
        >>> tok = Tokenizer()
        >>> [t for t in tok.cut("坚决打赢脱贫攻坚战")]
        ['坚决', '打赢', '脱贫攻坚', '战']
    """

    def __init__(self, *, backend: str = "rjieba", userdict=None, stopwords=None,
                 generic_verbs: bool = False, hmm: bool = True):
        if backend not in ("jieba", "rjieba"):
            raise ValueError(f"unknown backend {backend!r}; use 'jieba' or 'rjieba'")
        self.backend = backend
        self.hmm = hmm
        self.userdict = lexicons.UserDict((), "", "none") if userdict is False else lexicons.load_userdict(userdict)
        stop = frozenset() if stopwords is False else lexicons.load_stopwords(stopwords)
        if generic_verbs:
            stop = stop | lexicons.load_stopwords(paths.lexicon("stopwords_generic.txt"))
        self.stopwords = stop
        self.measure_words = lexicons.load_measure_words()
        self.config = TokenizerConfig(backend, hmm, self.userdict.path, self.userdict.digest,
                                      hashlib.sha256("\n".join(sorted(stop)).encode()).hexdigest()[:16])
        self._seg = None
        self._automaton = None
        self._userwords = frozenset(self.userdict.words)
        self._guesses: dict[str, str] = {}     # HMM results by run of characters
        self._pieces: dict = {}    # word -> True (keep), False (whitespace) or its pieces
        # caches of the fast path (:meth:`_split`), all keyed by text, never by position
        self._runs: dict[str, tuple | None] = {}   # run of single characters -> HMM words, None if kept
        self._inside: dict[str, bool] = {}         # word -> holds a user term that is not the whole word
        self._holding: set[str] = set()            # the words of _inside that do
        self._guess_checked: set[str] = set()      # runs whose HMM words were checked for terms
        self._guess_holding: set[str] = set()      # the runs among them with such a word
        self._windows: dict[tuple, list | None] = {}   # stretch of words -> its words re-cut, None if kept
        self._counted: dict[str, tuple] = {}       # word -> its counted pieces
        self._as_is: set[str] = set()              # the words of _counted counted as themselves
        self._kinds: dict[str, str] = {}           # token -> kind
        self._bigrams = None
        self._trigrams = None
        self._words: _Words | None = None          # the segmenter's words, numbered (fast path)

    # -- segmenter --------------------------------------------------------------------
    def _segmenter(self):
        if self._seg is None:
            entries = [(w, f if f is not None else DEFAULT_FREQ, t or DEFAULT_TAG)
                       for w, f, t in self.userdict.entries]
            if self.backend == "jieba":
                jieba = _quiet_jieba()
                seg = jieba.Tokenizer()
                seg.initialize()
                for w, f, t in entries:
                    seg.add_word(w, f, t)
            else:
                import rjieba

                seg = rjieba.Jieba()
                for w, f, t in entries:
                    seg.add_word(w, f, t)
            self._seg = seg
        return self._seg

    def _raw_cut(self, text: str) -> list[str]:
        """The segmenter's words: its dictionary route, then (with ``hmm``) one shared
        rule for the words no dictionary knows (:meth:`_guess_words`)."""
        seg = self._segmenter()
        words = seg.lcut(text, HMM=False) if self.backend == "jieba" else seg.cut(text, False)
        words = _order_repeats(words)
        return self._guess_words(words) if self.hmm else words

    def _guess_words(self, words: list[str]) -> list[str]:
        """Runs of single 汉字 that are no dictionary word go through jieba's HMM.

        This is what jieba itself does with HMM on, but done here for both backends:
        rjieba's own HMM breaks ties differently (攻部部部攻: jieba 攻部部|部攻, rjieba
        攻部|部部攻), so running the same Viterbi on the same runs is what makes the two
        backends give identical tokens on any input.
        """
        from jieba import finalseg

        if len(words) < 2:
            return words
        is_word = self._dictionary_word
        joined_words = "".join(words)
        sep = next(c for c in "\x00\ue000\ue001\ue002" if c not in joined_words)

        cache = self._guesses

        def guess(m):
            run = m.group().replace(sep, "")
            if is_word(run):
                return m.group()
            found = cache.get(run)
            if found is None:
                if len(cache) > 200_000:
                    cache.clear()
                found = cache[run] = "\x00".join(finalseg.cut(run))
            return found.replace("\x00", sep) if sep != "\x00" else found

        # words joined by a character the text lacks; a run is two or more one-character
        # words in a row
        return _single_runs(sep).sub(guess, sep.join(words)).split(sep)

    def _terms(self):
        if self._automaton is None and self.userdict.entries:
            import ahocorasick

            auto = ahocorasick.Automaton()
            for w, _, _ in self.userdict.entries:
                auto.add_word(w, len(w))
            auto.make_automaton()
            self._automaton = auto
        return self._automaton

    def _dictionary_word(self, run: str) -> bool:
        """Whether ``run`` is a word of jieba's dictionary (with a frequency) or a user
        term: such runs of single characters are left to the dictionary route.

        The jieba backend's own segmenter holds jieba's dictionary with the user terms
        added (a user term's frequency replaces jieba's, hence the user terms first);
        rjieba's is not readable, so jieba's dictionary file is read once per process
        (:func:`_dictionary_word`).
        """
        if run in self._userwords:
            return True
        if self.backend == "jieba":
            return bool(self._segmenter().FREQ.get(run))
        return _dictionary_word(run)

    # -- the fast path ------------------------------------------------------------------
    # The rules of _raw_cut and _keep_terms_whole, applied to a whole text at once. The
    # segmenter's words are kept as they are and only the few stretches where a rule
    # changes something are spliced: the places are found with numpy over the characters
    # and the word boundaries, and each rule's result is cached by the text of its
    # stretch. tests/test_tokenize_oracle.py checks the result against the rules applied
    # one by one to the whole word list (the previous code, kept there as the oracle).

    def _term_bigrams(self):
        """Tables of the user terms' characters: a small number for each character
        that occurs in a term (0 for the others), which pairs of those numbers are
        neighbours in a term, and for each length of term the sorted keys of the terms
        (their characters' numbers packed ``bits`` to a character; terms longer than
        fit in 64 bits are keyed by their beginning, which only lets more places through
        to the exact check)."""
        if self._bigrams is None:
            words = self.userdict.words
            chars = sorted({ch for w in words for ch in w})
            number = np.zeros(0x110000, dtype=np.uint16 if len(chars) < 65535 else np.uint32)
            number[[ord(ch) for ch in chars]] = np.arange(1, len(chars) + 1)
            width = len(chars) + 1
            bits = width.bit_length()
            fit = 64 // bits
            pairs = np.zeros(width * width, dtype=bool)
            keys: dict[int, set] = {}
            for w in words:
                c = [int(number[ord(ch)]) for ch in w]
                for a, b in zip(c, c[1:]):
                    pairs[a * width + b] = True
                key = 0
                for x in c[:fit]:
                    key = (key << bits) | x
                keys.setdefault(len(w), set()).add(key)
            self._bigrams = (number, width, pairs, bits, fit,
                             {n: np.array(sorted(k), dtype=np.uint64) for n, k in sorted(keys.items())})
        return self._bigrams

    def _term_trigrams(self):
        """Sorted keys (characters' numbers of :meth:`_term_bigrams`, packed) of the
        two-character terms, and of every three neighbouring characters of a term."""
        if self._trigrams is None:
            number, _, _, bits, _, _ = self._term_bigrams()
            duo, tri = set(), set()
            for w in self.userdict.words:
                c = [int(number[ord(ch)]) for ch in w]
                if len(c) == 2:
                    duo.add((c[0] << bits) | c[1])
                for a, b, d in zip(c, c[1:], c[2:]):
                    tri.add((a << 2 * bits) | (b << bits) | d)
            self._trigrams = tuple(np.array(sorted(k), dtype=np.uint64) for k in (duo, tri))
        return self._trigrams

    def _may_cross(self, at: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Which boundaries ``at`` (offsets, each with characters on both sides) a user
        term may cross: a term of two characters spelt around it, or three neighbouring
        characters of a term spelt over it (the two before and the one after, or the
        one before and the two after), as any longer term crossing it must be. Only
        the boundaries kept here need the exact check."""
        number, _, _, bits, _, _ = self._term_bigrams()
        duo, tri = self._term_trigrams()
        size, b = len(codes), np.uint64(bits)
        at2 = np.maximum(at - 2, 0)
        at3 = np.minimum(at + 1, size - 1)
        c0 = np.where(at >= 2, number[codes[at2]], 0).astype(np.uint64)
        c1 = number[codes[at - 1]].astype(np.uint64)
        c2 = number[codes[at]].astype(np.uint64)
        c3 = np.where(at + 1 < size, number[codes[at3]], 0).astype(np.uint64)
        middle = (c1 << b) | c2
        return (_among(middle, duo) | _among((c0 << (b + b)) | middle, tri)
                | _among((middle << b) | c3, tri))

    def _crossed(self, text: str, at: list[int]) -> list[int]:
        """The boundaries of ``at`` (offsets, ascending) that an occurrence of a user
        term crosses: some term is spelt from a character before the boundary to one
        after it. The text around each boundary (as far as the longest term reaches) is
        searched with the terms' automaton, all of them at once, joined by a line break
        (which no term holds)."""
        reach = max(self._term_bigrams()[5]) - 1
        lo = [max(b - reach, 0) for b in at]
        windows = [text[x:b + reach] for x, b in zip(lo, at)]
        begin = list(accumulate((len(w) + 1 for w in windows), initial=0))
        hit = set()
        for end, n in self._terms().iter("\n".join(windows)):
            k = bisect.bisect_right(begin, end) - 1          # the window of the match
            middle = begin[k] + at[k] - lo[k]                # its boundary, in the joined text
            if end + 1 - n < middle <= end:
                hit.add(k)
        return [at[k] for k in sorted(hit)]

    def _holds_term(self, word: str) -> bool:
        """Whether a user term occurs in ``word`` other than as the whole word."""
        found = self._inside.get(word)
        if found is None:
            n = len(word)
            found = self._inside[word] = n > 2 and any(k != n for _, k in self._terms().iter(word))
            if found:
                self._holding.add(word)
        return found

    def _word_table(self) -> "_Words":
        """The numbered words of the fast path (started again past WORDS_LIMIT; a call
        keeps the table it started with)."""
        table = self._words
        if table is None or len(table) > WORDS_LIMIT:
            table = self._words = _Words(self)
        return table

    def _split(self, text: str) -> "_Split":
        """The segmenter's words of ``text`` and the changes the rules make to them
        (see :class:`_Split`). Each word is looked up once in the numbered words
        (:class:`_Words`); lengths, offsets and the rules' tests come from their tables."""
        seg = self._segmenter()
        words = seg.lcut(text, HMM=False) if self.backend == "jieba" else seg.cut(text, False)
        n, size = len(words), len(text)
        index = np.int32 if size < 2**31 - 1 else np.int64
        table = self._word_table()
        ids = table.numbers(words)
        cols = table.tables()
        lens = cols.lens[ids].astype(index, copy=False)
        ends = np.cumsum(lens, dtype=index)
        starts = ends - lens

        # (1) words of one repeated character in a row, longest first (_order_repeats):
        # only where two neighbouring words are both made of one same character
        # (reordering them moves boundaries but changes no word's characters)
        if n > 1:
            repeat = cols.repeat[ids]
            near = np.flatnonzero(repeat[:-1] & repeat[1:])
            near = near[cols.head[ids[near]] == cols.head[ids[near + 1]]]
        else:
            near = ()
        for k in near.tolist() if len(near) else ():
            c = words[k + 1][0]
            if words[k].strip(c) or words[k + 1].strip(c):
                continue
            i, j = k, k + 2
            while i > 0 and not words[i - 1].strip(c):
                i -= 1
            while j < n and not words[j].strip(c):
                j += 1
            run = words[i:j]
            ordered = sorted(run, key=len, reverse=True)
            if ordered != run:
                words[i:j] = ordered
                ids[i:j] = [table[w] for w in ordered]
                lens[i:j] = [len(w) for w in ordered]
                ends = np.cumsum(lens, dtype=index)
                starts = ends - lens
        out = _Split(words, starts, lens, ids, table, cols)

        # (2) runs of two or more one-character words through jieba's HMM (_guess_words)
        if self.hmm and n > 1:
            edges = np.diff(cols.single[ids].view(np.int8), prepend=np.int8(0), append=np.int8(0))
            first, stop = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
            longer = stop - first >= 2
            first = first[longer]
            at = starts[first]
            texts = list(map(text.__getitem__, map(slice, at.tolist(), (at + (stop[longer] - first)).tolist())))
            cache = self._runs            # run -> (words, removed offsets), () when it stays
            if len(cache) > 200_000:
                cache.clear()
            found = list(map(cache.get, texts))
            if None in found:
                for k, run in enumerate(texts):
                    if found[k] is None:
                        got = cache.get(run)
                        found[k] = cache[run] = got if got is not None else self._guess_run(run) or ()
            changed = np.fromiter(map(bool, found), dtype=bool, count=len(found))
            if changed.any():
                texts = list(compress(texts, changed))
                kinds = list(dict.fromkeys(texts))
                out.runs = (first[changed].tolist(), at[changed], texts)
                out.guesses = {r: cache[r][0] for r in kinds}
                # the boundaries the HMM removes, gathered run by run from one table
                number = {r: k for k, r in enumerate(kinds)}
                which = np.fromiter(map(number.__getitem__, texts), np.int64, count=len(texts))
                gone = [cache[r][1] for r in kinds]
                many = np.fromiter(map(len, gone), np.int64, count=len(gone))
                table = np.fromiter(chain.from_iterable(gone), np.int64)
                each = many[which]
                step = np.arange(int(each.sum())) - np.repeat(np.cumsum(each) - each, each)
                out.removed = (np.repeat(out.runs[1].astype(np.int64), each)
                               + table[np.repeat((np.cumsum(many) - many)[which], each) + step])

        # (3) user terms kept whole (_keep_terms_whole)
        if self._terms() is not None and n:
            out.changes = self._terms_whole(text, out)
        return out

    def _guess_run(self, run: str):
        """jieba's HMM words of a run of single characters and the offsets in the run
        where they remove a boundary; ``None`` when the run stays as it is (a dictionary
        word, or the HMM keeps every character apart)."""
        from jieba import finalseg

        if self._dictionary_word(run):
            return None
        found = tuple(finalseg.cut(run))
        if len(found) == len(run):
            return None
        kept = set(accumulate(map(len, found)))
        return found, tuple(x for x in range(1, len(run)) if x not in kept)

    def _terms_whole(self, text, split) -> list:
        """``(start, end, old_words, new_words)`` of the stretches where keeping user
        terms whole changes the words.

        An occurrence of a term that is not exactly one word either crosses a boundary
        (the two characters around that boundary are neighbours in the term) or lies
        inside a longer word (a word that holds a term). Around each such place the
        stretch reaches out to the nearest boundaries that no occurrence crosses, so
        every chain of overlapping occurrences lies whole in it, and
        :meth:`_keep_terms_whole` re-cuts the stretch exactly as it would in the whole
        text.
        """
        size = len(text)
        pairs = self._term_bigrams()[2]
        starts, removed, ids, cols = split.starts, split.removed, split.ids, split.cols
        # boundaries an occurrence crosses: first those where the characters on each side
        # are neighbours in a term (and the HMM kept the boundary), then those where a
        # term's two or three neighbouring characters are spelt over it (_may_cross),
        # then those where a whole term is spelt around (_crossed)
        maybe = np.flatnonzero(pairs[cols.left[ids[:-1]] + cols.right[ids[1:]]])
        maybe = starts[maybe + 1].astype(np.int64)
        if len(removed):
            maybe = maybe[~_among(maybe, removed)]
        crossed = maybe[:0]
        if len(maybe):
            codes = prefilter.codes(text)
            maybe = maybe[self._may_cross(maybe, codes)]
        if len(maybe):
            crossed = np.array(self._crossed(text, maybe.tolist()), dtype=np.int64)
        triggers = list(zip((crossed - 1).tolist(), (crossed + 1).tolist()))
        # words that hold a term (other than as the whole word): the segmenter's tokens of
        # such a word, and the runs the HMM cut into such words
        for k in np.flatnonzero(cols.hold[ids]).tolist():
            triggers.append((int(starts[k]), int(starts[k] + split.lens[k])))
        guesses = split.guesses
        checked = self._guess_checked
        for run in [r for r in guesses if r not in checked]:
            checked.add(run)
            if any(self._holds_term(w) for w in guesses[run]):
                self._guess_holding.add(run)
        if self._guess_holding.intersection(guesses):
            for a, run in zip(split.runs[1].tolist(), split.runs[2]):
                if run in self._guess_holding:
                    triggers.append((a, a + len(run)))
        if not triggers:
            return []
        # each reaches out to the nearest boundaries that no occurrence crosses
        # (the boundaries are the words' starts and the text's end, offset ``size`` at
        # index ``n``: searched in ``starts`` without copying them)
        # (keys of the array's own type: a Python int would have numpy cast the whole
        # array to int64 on every search)
        n, key = len(starts), starts.dtype.type

        def edge(k):
            return size if k == n else int(starts[k])

        unsafe = set(crossed.tolist()).union(removed.tolist())
        spans = []
        for lo, hi in sorted(triggers):
            k = int(starts.searchsorted(key(lo), side="right")) - 1
            while edge(k) in unsafe:
                k -= 1
            m = int(starts.searchsorted(key(hi), side="left"))
            while edge(m) in unsafe:
                m += 1
            if spans and k < spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], m)
            else:
                spans.append([k, m])
        changed = []
        cache = self._windows
        if len(cache) > 200_000:
            cache.clear()
        for k, m in spans:
            cut = starts[k:m + 1].astype(np.int64)
            if m == n:
                cut = np.append(cut, np.int64(size))
            if len(removed):
                cut = cut[~_among(cut, removed)]
            a, b = int(cut[0]), int(cut[-1])
            key = (text[a:b], (cut - a).tobytes())
            new = cache.get(key, False)
            if new is False:
                old = [text[x:y] for x, y in zip(cut.tolist(), cut[1:].tolist())]
                new = self._keep_terms_whole(text[a:b], old)
                new = cache[key] = None if new == old else tuple(new)
            if new is not None:
                changed.append((a, b, [text[x:y] for x, y in zip(cut.tolist(), cut[1:].tolist())], new))
        return changed

    def _final_cuts(self, text: str, split: "_Split") -> np.ndarray:
        """The offsets where the final words start, and the text's length."""
        cuts = np.append(split.starts, len(text)).astype(np.int64)
        if len(split.removed):      # each one the start of a segmenter word
            cuts = np.delete(cuts, np.searchsorted(cuts, split.removed))
        if split.changes:
            parts, k = [], 0
            for a, b, _, new in split.changes:        # in order; two may share an edge
                i, j = int(np.searchsorted(cuts, a)), int(np.searchsorted(cuts, b, side="right"))
                parts += [cuts[k:i], np.fromiter(accumulate(map(len, new), initial=a), np.int64)[int(i < k):]]
                k = j
            cuts = np.concatenate(parts + [cuts[k:]])
        return cuts

    def _final_words(self, text: str, split: "_Split", cuts) -> tuple[list[str], list[int], np.ndarray]:
        """The final words: the segmenter's, with the HMM's runs and the re-cut
        stretches spliced in (``cuts`` from :meth:`_final_cuts`); the indices of
        the final words that the shared rule drops or splits (:func:`_shared_pieces`),
        ascending: the segmenter's, known by number, moved by the spans spliced in
        before them, and those among the re-cut words (the HMM's words are Chinese);
        and each final word's number in ``split.table`` (the segmenter's words keep
        theirs, the words spliced in are looked up)."""
        words, starts = split.words, split.starts
        odd = np.flatnonzero(split.cols.odd[split.ids])
        if not split.runs and not split.changes:
            return words, odd.tolist(), split.ids
        guesses = split.guesses
        # (start, end, first word, word after, new words, re-cut or not)
        spans = ([(a, a + len(run), i, i + len(run), guesses[run], False)
                  for i, a, run in zip(split.runs[0], split.runs[1].tolist(), split.runs[2])] if split.runs else [])
        if split.changes:
            spans += [(a, b, int(np.searchsorted(starts, a)), int(np.searchsorted(starts, b)), new, True)
                      for a, b, _, new in split.changes]
            spans.sort(key=lambda s: s[0])
            merged = []
            for s in spans:
                if merged and s[0] < merged[-1][1]:     # a run and a stretch overlap
                    a, b = merged[-1][0], max(merged[-1][1], s[1])
                    cut = cuts[np.searchsorted(cuts, a):np.searchsorted(cuts, b, side="right")].tolist()
                    merged[-1] = (a, b, merged[-1][2], int(np.searchsorted(starts, b)),
                                  [text[x:y] for x, y in zip(cut, cut[1:])], True)
                else:
                    merged.append(s)
            spans = merged
        out, k, odd_new, pieces = [], 0, [], self._pieces
        for _, _, i, j, new, recut in spans:
            out += words[k:i]
            if recut:
                for x, w in enumerate(new):
                    kind = pieces.get(w)
                    if kind is None:
                        kind = pieces[w] = _shared_pieces(w)
                    if kind is not True:
                        odd_new.append(len(out) + x)
            out += new
            k = j
        out += words[k:]
        out_ids = _splice(split.ids, [s[2] for s in spans], [s[3] for s in spans],
                          split.table.numbers(list(chain.from_iterable(s[4] for s in spans))),
                          [len(s[4]) for s in spans])
        if len(odd):
            first = np.array([s[2] for s in spans], dtype=np.int64)
            last = np.array([s[3] for s in spans], dtype=np.int64)
            grow = np.cumsum([len(s[4]) - (s[3] - s[2]) for s in spans])
            p = np.searchsorted(first, odd, side="right") - 1
            before = np.maximum(p, 0)
            outside = (p < 0) | (odd >= last[before])
            odd = (odd + np.where(p >= 0, grow[before], 0))[outside]
        return out, sorted(odd.tolist() + odd_new) if odd_new else odd.tolist(), out_ids

    def segment(self, text: str) -> tuple[list[str], list[int]]:
        """Words and their start offsets, whitespace dropped, user terms kept whole."""
        return self.segment_numbered(text)[:2]

    def segment_numbered(self, text: str) -> tuple[list[str], list[int], np.ndarray, "_Words"]:
        """:meth:`segment`'s words and starts, with each word's number (a numpy array)
        in the tokenizer's numbered words, and that table (:class:`_Words`;
        ``table.words[number]`` is the word). A caller that keeps something per word
        can then keep it per number, in an array, instead of looking every token up
        again. A table is replaced by a fresh one past ``WORDS_LIMIT`` words, so
        numbers are only comparable within one table."""
        table = self._word_table()
        if not text:
            return [], [], np.zeros(0, dtype=np.intp), table
        if len(text) < FAST_FROM:
            words = self._keep_terms_whole(text, self._raw_cut(text))
            lens = np.fromiter(map(len, words), np.int64, count=len(words))
            cuts = np.concatenate(([0], np.cumsum(lens)))
            starts = cuts[:-1]
            # Only words with a character outside the Chinese ranges can be dropped
            # (whitespace) or split by the shared rule; each distinct word is classified once.
            codes = prefilter.codes(text)
            other = ~(((codes >= 0x4E00) & (codes <= 0x9FFF)) | ((codes >= 0x3400) & (codes <= 0x4DBF))
                      | ((codes >= 0xF900) & (codes <= 0xFAFF)))
            before = np.concatenate(([0], np.cumsum(other, dtype=np.int64)))
            odd = np.flatnonzero(before[cuts[1:]] != before[starts]).tolist()
            ids = table.numbers(words)
        else:
            split = self._split(text)
            table = split.table
            cuts = self._final_cuts(text, split)
            words, odd, ids = self._final_words(text, split, cuts)
            starts = cuts[:-1]
        starts = starts.tolist()
        if not odd:
            return words, starts, ids, table
        pieces = self._pieces
        out_w, out_s, i = [], [], 0
        at, many = [], []       # the words dropped or split, and into how many pieces
        for k in odd:
            w = words[k]
            kind = pieces.get(w)
            if kind is None:
                kind = pieces[w] = _shared_pieces(w)
            if kind is True:
                continue
            out_w += words[i:k]
            out_s += starts[i:k]
            for piece, off in kind or ():
                out_w.append(piece)
                out_s.append(starts[k] + off)
            at.append(k)
            many.append(len(kind) if kind else 0)
            i = k + 1
        out_w += words[i:]
        out_s += starts[i:]
        if not at:
            return out_w, out_s, ids, table
        new = table.numbers([p for k in at for p, _ in pieces[words[k]] or ()])
        return out_w, out_s, _splice(ids, at, [k + 1 for k in at], new, many), table

    def _keep_terms_whole(self, text: str, words: list[str]) -> list[str]:
        """Re-cut where the segmenter's words and the user terms disagree.

        Only outermost occurrences count: a term inside a longer listed term (集体经济组织
        inside 农村集体经济组织) is absorbed by it. Wherever an occurrence is not one word,
        or two occurrences overlap (村集体经济 and 集体经济组织 in 村集体经济组织成员, when
        no compound covers them), the stretch of words they touch
        is covered anew: among the sets of non-overlapping occurrences there, the one
        with (1) the most whole user terms, then (2) the fewest segmenter words cut
        at its edges, then (3) the most characters in terms (:func:`best_cover`). The
        rest of the stretch keeps the segmenter's words; only fragments of cut words
        are segmented again. Where nothing disagrees, ``words`` are returned as they are.
        """
        auto = self._terms()
        if auto is None or not words:
            return words
        occ = _outermost(sorted((e + 1 - n, -(e + 1)) for e, n in auto.iter(text)))
        if not occ:
            return words
        ends = list(accumulate(map(len, words)))

        def boundary(x):
            i = bisect.bisect_left(ends, x)
            return x == 0 or (i < len(ends) and ends[i] == x)

        def whole(s, e):
            i = bisect.bisect_left(ends, e)
            return ends[i] == e and (s == 0 if i == 0 else ends[i - 1] == s)

        # groups of occurrences chained by overlap; a group needs work when it has more
        # than one member or its one member is not a single word
        regions = []
        k = 0
        while k < len(occ):
            j, reach = k + 1, occ[k][1]
            while j < len(occ) and occ[j][0] < reach:
                reach = max(reach, occ[j][1])
                j += 1
            if j - k > 1 or not whole(*occ[k]):
                first = bisect.bisect_right(ends, occ[k][0])          # word holding the start
                last = bisect.bisect_left(ends, reach)                # word holding reach - 1
                lo, hi = (ends[first - 1] if first else 0), ends[last]
                if regions and lo < regions[-1][1]:
                    regions[-1][1] = max(regions[-1][1], hi)
                else:
                    regions.append([lo, hi])
            k = j
        if not regions:
            return words

        def keep_or_recut(a, b):
            """Words covering text[a:b]: the segmenter's where whole, fragments re-cut."""
            if a >= b:
                return []
            out = []
            i = bisect.bisect_right(ends, a)                 # the word holding offset a
            if (ends[i - 1] if i else 0) != a:
                stop = min(ends[i], b)
                out.extend(self._raw_cut(text[a:stop]))
                a = stop
                i += 1
            j = bisect.bisect_right(ends, b)                 # words ending at or before b
            if i < j:
                out.extend(words[i:j])
                a = ends[j - 1]
            if a < b:
                out.extend(self._raw_cut(text[a:b]))
            return out

        new_words, pos = [], 0
        for lo, hi in regions:
            new_words.extend(keep_or_recut(pos, lo))
            inside = [o for o in occ if lo <= o[0] and o[1] <= hi]
            cursor = lo
            for s, e in best_cover(inside, boundary):
                new_words.extend(keep_or_recut(cursor, s))
                new_words.append(text[s:e])
                cursor = e
            new_words.extend(keep_or_recut(cursor, hi))
            pos = hi
        new_words.extend(keep_or_recut(pos, len(text)))
        return new_words

    # -- public API -------------------------------------------------------------------
    def cut(self, text: str) -> list[str]:
        """Tokens of ``text`` (whitespace dropped), as a list of strings."""
        return self.segment(text)[0]

    def kind_of(self, token: str) -> str:
        if token in self._userwords:
            return "word"
        if _HAN_ONLY.fullmatch(token):
            if token in self.stopwords:
                return "stop"
            if _NUMERAL_ONLY.fullmatch(token):
                return "number"
            lead = _NUMERAL_LEAD.match(token)
            if lead and token[lead.end():] in self.measure_words:
                return "number"
            return "word"
        if token[0].isdigit():
            return "number"
        if token[0].isascii() and token[0].isalpha():
            return "stop" if token.lower() in self.stopwords else "latin"
        return "punct"

    def tokens(self, text, *, doc_id: str = "", masks=None, pos: bool = False) -> pd.DataFrame:
        """The tokens table of a text.

        Args:
            text: a cleaned text, or a :class:`~zhspeech.clean.Cleaned` (its masks are
                then used automatically).
            masks: ``(start, end)`` spans to blank out before segmenting; each becomes
                one ``mask`` token.
            pos: add a ``pos`` column: each token's part of speech in jieba's
                dictionary (the tag table jieba.posseg uses for known words), the
                user dictionary's tag (``nz`` by default) for user terms, ``m`` for
                numbers, ``eng`` for Latin, ``x`` otherwise (punctuation, words the
                HMM found). Tags do not depend on the backend.
        """
        text, spans = text_and_masks(text, masks)
        masked = blank_spans(text, spans)
        if pos:
            words, starts, tags = self._segment_pos(masked)
        else:
            words, starts = self.segment(masked)
            tags = None
        return self.table(doc_id, text, words, starts, spans, tags)

    def table(self, doc_id: str, text: str, words, starts, spans, tags=None) -> pd.DataFrame:
        """The tokens table from segmented words and their starts, with one ``mask``
        row per masked span (``pos`` column when ``tags`` are given)."""
        kinds = self._kinds
        for w in set(words).difference(kinds):
            kinds[w] = self.kind_of(w)
        begin = np.asarray(starts, dtype=np.int64)
        rows = {"doc_id": doc_id, "token": words, "start": begin,
                "end": begin + np.fromiter(map(len, words), np.int64, count=len(words)),
                "kind": list(map(kinds.__getitem__, words))}
        if tags is not None:
            rows["pos"] = tags
        df = pd.DataFrame(rows, columns=TOKEN_COLUMNS + (["pos"] if tags is not None else []))
        if spans:
            extra = pd.DataFrame({"doc_id": doc_id, "token": [text[s:e] for s, e in spans],
                                  "start": [s for s, _ in spans], "end": [e for _, e in spans], "kind": "mask"})
            if tags is not None:
                extra["pos"] = "mask"
            df = pd.concat([df, extra], ignore_index=True).sort_values("start", kind="stable")
        df["doc_id"] = doc_id
        return df.reset_index(drop=True).astype({"start": "int64", "end": "int64"})

    def _segment_pos(self, text: str):
        words, starts = self.segment(text)
        tags = self.tags(words)
        return words, starts, [tags[w] for w in words]

    def tags(self, words) -> dict:
        """Part of speech of each distinct word, as in :meth:`tokens` with ``pos=True``:
        the user dictionary's tag, jieba's dictionary tag, ``m`` for numbers, ``eng`` for
        Latin, ``x`` otherwise. A word's tag does not depend on its context."""
        lookup = _dictionary_tags()
        user = {w: (t or DEFAULT_TAG) for w, _, t in self.userdict.entries}
        out = {}
        for w in set(words):
            if w in user:
                out[w] = user[w]
            elif _HAN_ONLY.fullmatch(w):
                out[w] = lookup.get(w, "x")
            elif w[:1].isdigit():
                out[w] = "m"
            elif w[:1].isascii() and w[:1].isalpha():
                out[w] = "eng"
            else:
                out[w] = "x"
        return out

    def count(self, text, *, masks=None) -> Counter:
        """Counts of the counted tokens (``word`` and ``latin``) of a text.

        The same result as counting :meth:`tokens`, without building the table: words
        are counted by type, and non-Chinese types are split by the shared rule once per
        type rather than once per token.
        """
        text, spans = text_and_masks(text, masks)
        blanked = blank_spans(text, spans)
        if not blanked:
            return Counter()
        if len(blanked) < FAST_FROM:
            types = Counter(self._keep_terms_whole(blanked, self._raw_cut(blanked)))
        else:
            split = self._split(blanked)
            types = split.table.tally(split.ids)
            for run, n in Counter(split.runs[2] if split.runs else ()).items():
                for w in run:
                    types[w] -= n
                for w in split.guesses[run]:
                    types[w] += n
            for _, _, old, new in split.changes:
                types.subtract(old)
                types.update(new)
        counted = self._counted
        for w in [w for w in types if w not in counted]:
            kind = _shared_pieces(w)
            counted[w] = tuple(p for p, _ in ([(w, 0)] if kind is True else kind or ()) if self.kind_of(p) in COUNTED)
            if counted[w] == (w,):
                self._as_is.add(w)
        # words counted as they are, then the pieces of the others (which may add to them)
        as_is = self._as_is
        out = {w: n for w, n in types.items() if w in as_is and n > 0}
        get = out.get
        for w in [w for w in types if w not in as_is]:       # in a fixed order
            n = types[w]
            if n > 0:
                for piece in counted[w]:
                    out[piece] = get(piece, 0) + n
        return Counter(out)


def _shared_pieces(word: str):
    """How the shared rule treats a word: ``True`` (kept as it is: Chinese, or one
    piece), ``False`` (whitespace, dropped) or its ``(piece, offset)`` list."""
    if _HAN_ONLY.fullmatch(word):
        return True
    if word.isspace():
        return False
    found = [(m.group(), m.start()) for m in _PIECES.finditer(word)]
    return True if len(found) == 1 and found[0][0] == word else found


def _splice(ids: np.ndarray, first, last, new: np.ndarray, many) -> np.ndarray:
    """``ids`` with each stretch ``ids[first[p]:last[p]]`` replaced by the next
    ``many[p]`` values of ``new`` (stretches ascending, not overlapping; a stretch may
    be empty, to insert, and ``many[p]`` 0, to delete), in a few array operations
    whatever the number of stretches.

    Example:
        >>> _splice(np.array([5, 6, 7, 8]), [1, 3], [2, 3], np.array([0, 1, 2]), [1, 2]).tolist()
        [5, 0, 7, 1, 2, 8]
    """
    first = np.asarray(first, dtype=np.int64)
    last = np.asarray(last, dtype=np.int64)
    many = np.asarray(many, dtype=np.int64)
    n = len(ids)
    if not len(first):
        return ids
    cover = np.zeros(n + 1, dtype=np.int64)
    np.add.at(cover, first, 1)
    np.add.at(cover, last, -1)
    keep = np.cumsum(cover[:n]) == 0
    grow = many - (last - first)
    begin = first + np.cumsum(grow) - grow             # each stretch's first place in the result
    out = np.empty(n + int(grow.sum()), dtype=ids.dtype)
    start = np.cumsum(many) - many
    where = np.repeat(begin - start, many) + np.arange(int(many.sum()))
    added = np.zeros(len(out), dtype=bool)
    added[where] = True
    out[where] = new
    out[~added] = ids[keep]
    return out


def _among(keys, table) -> np.ndarray:
    """Which of ``keys`` are in the sorted array ``table``."""
    if not len(table):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return table[at] == keys


class _WordColumns:
    """Facts about numbered words, one numpy array each, indexed by the word's number:
    ``lens``; ``head``, its first character's code point; ``single``, one character of
    jieba's HMM range (\u4e00-\u9fd5); ``repeat``, made of one such character repeated;
    ``odd``, dropped or split by the shared rule (:func:`_shared_pieces`); and, for the
    user terms (0 / False without them): ``left``, the last character's number in the
    term-character table times its width, ``right``, the first character's number
    (``left[a] + right[b]`` indexes the table of neighbouring term characters for word
    ``a`` followed by word ``b``), ``hold``, holds a user term other than as the whole
    word. Arrays may be longer than the words numbered so far."""

    NAMES = ("lens", "head", "single", "repeat", "odd", "left", "right", "hold")

    def __init__(self, arrays):
        for name, array in zip(self.NAMES, arrays):
            setattr(self, name, array)


class _Words(dict):
    """word -> its number, for every word a tokenizer's segmenter has given on the fast
    path, with the facts the rules need about each word (:class:`_WordColumns`): each
    token is then one dictionary lookup, and its length, offsets and tests are array
    lookups by number, never a pass over its characters. A word's facts are worked out
    once, when it is first numbered. New words are numbered under a lock, so threads of
    one process can share a tokenizer; :meth:`tables` covers every word numbered before
    it is called."""

    def __init__(self, tokenizer):
        super().__init__()
        self.tokenizer = tokenizer
        self.words: list[str] = []
        self._lock = threading.RLock()
        self._done = 0
        self._cols = _WordColumns([np.zeros(0, dtype=d) for d in
                                   (np.int32, np.uint32, bool, bool, bool, np.int32, np.int32, bool)])

    def __missing__(self, word):
        with self._lock:
            number = dict.get(self, word)
            if number is None:
                number = len(self.words)
                self.words.append(word)
                self[word] = number
            return number

    def numbers(self, words: list[str]) -> np.ndarray:
        """The numbers of ``words`` (numbering the new ones), as a numpy array: the
        dictionary's own lookup mapped over the list, the cheapest lookup per token (on
        the segmenter's fresh strings, 10-15 % cheaper than one itemgetter call over the
        whole list, which first builds two tuples of every word)."""
        return np.fromiter(map(self.__getitem__, words), np.intp, count=len(words))

    def tally(self, numbers: np.ndarray) -> Counter:
        """A Counter of the words of ``numbers``, in the order they first occur (as
        ``Counter(words)`` would give), counted by number."""
        n = len(numbers)
        if not n:
            return Counter()
        top = int(numbers.max()) + 1
        if top > 4 * n:         # few words among many numbered: sort them
            present, first, counts = np.unique(numbers, return_index=True, return_counts=True)
        else:
            counts = np.bincount(numbers, minlength=top)
            present = np.flatnonzero(counts)
            counts = counts[present]
            first = np.full(top, n, dtype=np.intp)
            np.minimum.at(first, numbers, np.arange(n, dtype=np.intp))
            first = first[present]
        order = np.argsort(first, kind="stable")
        words = self.words
        return Counter(dict(zip([words[k] for k in present[order].tolist()], counts[order].tolist())))

    def tables(self) -> _WordColumns:
        with self._lock:
            if self._done < len(self.words):
                self._cols = self._extend(self.words[self._done:])
                self._done = len(self.words)
            return self._cols

    def _extend(self, new: list[str]) -> _WordColumns:
        tok, m = self.tokenizer, len(new)
        lens = np.fromiter(map(len, new), np.int32, count=m)
        head = np.fromiter((ord(w[0]) if w else 0 for w in new), np.uint32, count=m)
        tail = np.fromiter((ord(w[-1]) if w else 0 for w in new), np.uint32, count=m)
        han = (head >= 0x4E00) & (head <= 0x9FD5)            # _HAN_CHAR
        repeat = han & np.fromiter((not w.strip(w[0]) if w else False for w in new), bool, count=m)
        pieces = tok._pieces
        for w in new:
            if w not in pieces:
                pieces[w] = _shared_pieces(w) if w else False
        odd = np.fromiter((pieces[w] is not True for w in new), bool, count=m)
        if tok._terms() is not None:
            number, width = tok._term_bigrams()[:2]
            left = np.multiply(number[tail], width, dtype=np.int32)
            right = number[head].astype(np.int32)
            hold = np.fromiter(map(tok._holds_term, new), bool, count=m)
        else:
            left = right = np.zeros(m, dtype=np.int32)
            hold = np.zeros(m, dtype=bool)
        fresh = (lens, head, han & (lens == 1), repeat, odd, left, right, hold)
        done = self._done
        old = [getattr(self._cols, name) for name in _WordColumns.NAMES]
        if done + m > len(old[0]):          # room for twice as many words
            size = max(2 * (done + m), 1024)
            grown = []
            for a in old:
                b = np.zeros(size, dtype=a.dtype)
                b[:done] = a[:done]
                grown.append(b)
            old = grown
        for a, f in zip(old, fresh):
            a[done:done + m] = f
        return _WordColumns(old)


class _Split:
    """A text's segmentation as the fast path builds it: the segmenter's ``words``
    (repeats already ordered), their ``starts``, ``lens`` and numbers ``ids`` (numpy)
    among the numbered words ``table`` (:class:`_Words`), whose tables ``cols`` cover
    them; ``runs``, the word indices, starts (numpy)
    and texts of the runs of single characters the HMM changes, ``guesses`` the HMM's
    words of each such run and ``removed`` the boundaries it removes (sorted offsets);
    ``changes``, the ``(start, end, old words, new words)`` of the stretches re-cut to
    keep user terms whole."""

    def __init__(self, words, starts, lens, ids, table, cols):
        self.words, self.starts, self.lens, self.ids = words, starts, lens, ids
        self.table, self.cols = table, cols
        self.runs: tuple = ()
        self.guesses: dict = {}
        self.removed = np.zeros(0, dtype=np.int64)
        self.changes: list = []


def _outermost(spans) -> list[tuple[int, int]]:
    """``(start, end)`` of the occurrences not inside another, from spans given as
    ``(start, -end)`` sorted (by start, longest first)."""
    out, reach = [], -1
    for start, neg_end in spans:
        if -neg_end > reach:
            out.append((start, -neg_end))
            reach = -neg_end
    return out


def best_cover(occurrences, boundary) -> list[tuple[int, int]]:
    """The non-overlapping subset of ``occurrences`` (``(start, end)`` spans) that keeps
    the most terms whole, then cuts the fewest segmenter words, then covers the most
    characters.

    A weighted-interval-scheduling dynamic programme over the spans sorted by end;
    ``boundary(x)`` tells whether offset ``x`` lies between two segmenter words (an
    edge elsewhere cuts a word). Scores are compared as tuples, so the result is the
    same whatever order the spans come in.

    Example:
        >>> # 农村集体经济组织 segmented 农村|集体|经济|组织: 村集体经济 would cut 农村
        >>> best_cover([(1, 6), (2, 8)], lambda x: x in (0, 2, 4, 6, 8))
        [(2, 8)]
    """
    spans = sorted(set(occurrences), key=lambda o: (o[1], o[0]))
    if not spans:
        return []
    ends = [e for _, e in spans]
    best = [((0, 0, 0), ())]                 # best[i]: over the first i spans
    for i, (s, e) in enumerate(spans):
        p = bisect.bisect_right(ends, s, 0, i)          # spans ending at or before s
        score, chosen = best[p]
        cut = (not boundary(s)) + (not boundary(e))
        with_it = ((score[0] + 1, score[1] - cut, score[2] + e - s), chosen + ((s, e),))
        best.append(max(best[i], with_it, key=lambda x: x[0]))
    return sorted(best[-1][1])


_JIEBA: dict = {}


def _jieba_dictionary():
    """jieba's own dictionary, loaded once per process into a private Tokenizer (jieba's
    global instance is never touched): its word frequencies, and its part-of-speech
    table once asked for (``tags``; loading it costs more than the dictionary itself)."""
    if not _JIEBA:
        _quiet_jieba()
        import jieba

        base = jieba.Tokenizer()
        base.initialize()
        _JIEBA["base"] = base
        _JIEBA["freq"] = base.FREQ
    return _JIEBA


def _dictionary_freq() -> dict:
    return _jieba_dictionary()["freq"]


_LINES: dict = {}


def _dictionary_word(word: str) -> bool:
    """Whether ``word`` is in jieba's dictionary with a frequency other than 0, as in
    ``_dictionary_freq()`` (the last line of a word wins, as in jieba), but read from
    the dictionary file with one regular expression: a third of the time of loading
    jieba's dictionary, which also builds every prefix of every word."""
    if "freq" in _JIEBA:
        return bool(_JIEBA["freq"].get(word))
    if not _LINES:
        jieba = _quiet_jieba()
        with jieba.get_dict_file() as f:
            data = f.read().decode("utf-8")
        _LINES["lines"] = dict(re.findall(r"^[ \t]*([^ \r\n]+) ([^ \r\n]+)", data, re.M))
    found = _LINES["lines"].get(word)
    return found is not None and int(found) != 0


def _dictionary_tags() -> dict:
    """jieba's dictionary part-of-speech table (the one jieba.posseg uses)."""
    d = _jieba_dictionary()
    if "tags" not in d:
        import jieba.posseg

        d["tags"] = jieba.posseg.POSTokenizer(d["base"]).word_tag_tab
    return d["tags"]


# -- corpus-level segmentation with an on-disk cache -------------------------------------

def _cache_key(tokenizer: Tokenizer, text: str, masks) -> str:
    h = hashlib.sha256()
    h.update(text.encode("utf-8", "surrogatepass"))
    h.update(repr(sorted(masks)).encode())
    h.update(tokenizer.config.key.encode())
    return "segment:" + h.hexdigest()


def _check_segments(text: str, found: list | None = None):
    """A cache check: the stored words must spell the text at their offsets. The words
    of an entry that passes are appended to ``found`` (split once, not again)."""
    def check(arrays):
        joined = str(arrays["words"])
        starts = arrays["starts"]
        bad = _misspelt(text, joined, starts)
        words = joined.split("\x1f") if joined else []
        if len(words) != len(starts):
            return "has as many words as offsets"
        if bad is not None:
            return f"does not match the text (word {words[bad][:12]!r} at offset {int(starts[bad])})"
        if found is not None:
            found.append(words)
        return None
    return check


def _misspelt(text: str, joined: str, starts) -> int | None:
    """For words stored joined by U+001F: the index of the first word that is not
    ``text`` at its start offset (or runs past its end), None when every word is (or
    when there are not as many words as offsets, which the caller reports). Compared
    code point by code point in numpy; the words' lengths come from where the
    separators are, so no word is looked at in Python."""
    starts = np.asarray(starts, dtype=np.int64)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    seps = np.flatnonzero(codes == 0x1F)
    n = len(seps) + 1 if joined else 0
    if n != len(starts) or not n:
        return None
    ends = np.append(seps, len(codes))
    lens = ends - np.concatenate(([0], seps + 1))
    outside = np.flatnonzero((starts < 0) | (starts + lens > len(text)))
    first = int(outside[0]) if len(outside) else n
    if first:
        head = lens[:first]
        at = np.cumsum(head) - head                      # each word's offset, separators left out
        idx = np.repeat(starts[:first] - at, head) + np.arange(int(head.sum()))
        here = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        said = np.delete(codes[:ends[first - 1]], seps[:first - 1])
        wrong = np.flatnonzero(here[idx] != said)
        if len(wrong):
            return int(np.searchsorted(at, wrong[0], side="right")) - 1
    return first if first < n else None


def segment_cached(tokenizer: Tokenizer, text: str, masks=(), *, cache: bool = True):
    """``(words, starts)`` of a text, from the on-disk cache when possible.

    The key is the text's hash, its masks and the tokenizer configuration (backend,
    HMM and the user dictionary's hash), so editing the dictionary invalidates it. A
    cached entry is used only if its words spell the text at their offsets.
    """
    from .cache import Cache

    masks = [tuple(map(int, m)) for m in masks]
    blanked = blank_spans(text, masks)
    store = Cache(enabled=cache)
    key = _cache_key(tokenizer, text, masks) if store.usable else ""
    found: list = []
    arrays = store.get("tokens", key, check=_check_segments(blanked, found)) if store.usable else None
    if arrays is not None:
        return found[0], arrays["starts"].tolist()
    words, starts = tokenizer.segment(blanked)
    if store.usable:
        store.put("tokens", key, {"words": np.array("\x1f".join(words)),
                                  "starts": np.asarray(starts, dtype=np.int64)})
    return words, starts


def tokenize_corpus(cleaned: dict, tokenizer: Tokenizer | None = None, *, cache: bool = True,
                    progress: bool = True) -> pd.DataFrame:
    """Tokens of many documents (``{doc_id: Cleaned or text}``), cached on disk."""
    from tqdm import tqdm

    tokenizer = tokenizer or default_tokenizer()
    frames = []
    items = list(cleaned.items())
    for doc_id, c in tqdm(items, desc="segmenting", unit="doc", disable=not progress or len(items) < 2):
        text, spans = text_and_masks(c, None)
        words, starts = segment_cached(tokenizer, text, spans, cache=cache)
        frames.append(tokenizer.table(doc_id, text, words, starts, spans))
    if not frames:
        return pd.DataFrame(columns=TOKEN_COLUMNS)
    return pd.concat(frames, ignore_index=True)


_DEFAULT: dict = {}


def default_tokenizer(backend: str = "rjieba") -> Tokenizer:
    """A shared Tokenizer with the bundled lexicons (built on first use)."""
    if backend not in _DEFAULT:
        _DEFAULT[backend] = Tokenizer(backend=backend)
    return _DEFAULT[backend]
