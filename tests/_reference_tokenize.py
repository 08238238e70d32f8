"""The reference oracle for :mod:`zhspeech.tokenize`: the straightforward implementation
of Tokenizer as it stood before the speed work of issue 15 (commit 600cf27), kept
verbatim (corpus-level caching left out) so that tests can check that the fast code
gives exactly the same words, offsets and counts on any input. Do not optimise this
file: its only job is to be obviously the old behaviour."""
from __future__ import annotations

import bisect
import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import numpy as np
import pandas as pd

from zhspeech import lexicons, paths
from zhspeech.clean import blank_spans, text_and_masks

TOKEN_COLUMNS = ["doc_id", "token", "start", "end", "kind"]
DEFAULT_FREQ = 20000   # frequency for user-dictionary words listed without one
DEFAULT_TAG = "nz"     # part of speech for user-dictionary words listed without one
CACHE_VERSION = "1"
COUNTED = ("word", "latin")

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
        known = _dictionary_freq()
        userwords = self._userwords
        joined_words = "".join(words)
        sep = next(c for c in "\x00\ue000\ue001\ue002" if c not in joined_words)

        cache = self._guesses

        def guess(m):
            run = m.group().replace(sep, "")
            if known.get(run) or run in userwords:
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

    def segment(self, text: str) -> tuple[list[str], list[int]]:
        """Words and their start offsets, whitespace dropped, user terms kept whole."""
        if not text:
            return [], []
        words = self._keep_terms_whole(text, self._raw_cut(text))
        starts = list(accumulate(map(len, words), initial=0))
        # Each distinct word is classified once: kept as it is (Chinese, or one piece of
        # the shared rule), dropped (whitespace) or split by the shared rule.
        pieces = self._pieces
        for w in set(words).difference(pieces):
            if _HAN_ONLY.fullmatch(w):
                pieces[w] = True
            elif w.isspace():
                pieces[w] = False
            else:
                found = [(m.group(), m.start()) for m in _PIECES.finditer(w)]
                pieces[w] = True if len(found) == 1 and found[0][0] == w else found
        kinds = [pieces[w] for w in words]
        if not any(k is not True and k is not False for k in kinds):
            kept = [(w, s) for w, s, k in zip(words, starts, kinds) if k]
            return [w for w, _ in kept], [s for _, s in kept]
        out_w, out_s = [], []
        for w, s, k in zip(words, starts, kinds):
            if k is True:
                out_w.append(w)
                out_s.append(s)
            elif k:
                for piece, off in k:
                    out_w.append(piece)
                    out_s.append(s + off)
        return out_w, out_s

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
        rows = {"doc_id": doc_id, "token": words, "start": starts,
                "end": [s + len(w) for s, w in zip(starts, words)], "kind": [self.kind_of(w) for w in words]}
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
        types = Counter(self._keep_terms_whole(blanked, self._raw_cut(blanked)))
        out: Counter = Counter()
        for w, n in types.items():
            if _HAN_ONLY.fullmatch(w):
                out[w] += n
            elif not w.isspace():
                for piece in _PIECES.findall(w):
                    out[piece] += n
        return Counter({w: n for w, n in out.items() if self.kind_of(w) in COUNTED})


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


def _dictionary_tags() -> dict:
    """jieba's dictionary part-of-speech table (the one jieba.posseg uses)."""
    d = _jieba_dictionary()
    if "tags" not in d:
        import jieba.posseg

        d["tags"] = jieba.posseg.POSTokenizer(d["base"]).word_tag_tab
    return d["tags"]
