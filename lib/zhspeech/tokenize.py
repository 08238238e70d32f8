"""Segmentation that keeps political terms whole, with offsets, stopwords and masks.

A :class:`Tokenizer` owns its segmenter (never jieba's global instance) and is built
from a configuration: backend (``"jieba"``, or ``"rjieba"`` for the same tokens about
ten times faster), the domain user dictionary, stopword lists and HMM on/off.

Tokens table (``Tokenizer.tokens``)::

    doc_id, token, start, end, kind[, pos]

``start``/``end`` are offsets in the cleaned text. ``kind`` is ``word`` (counted),
``stop`` (stopword), ``number``, ``latin``, ``punct`` or ``mask`` (a redaction
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
from collections import Counter
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import numpy as np
import pandas as pd

from . import lexicons, paths
from .clean import blank_spans, text_and_masks

TOKEN_COLUMNS = ["doc_id", "token", "start", "end", "kind"]
DEFAULT_FREQ = 20000   # frequency for user-dictionary words listed without one
DEFAULT_TAG = "nz"     # part of speech for user-dictionary words listed without one
CACHE_VERSION = "1"
COUNTED = ("word", "latin")

_HAN_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Outside Chinese characters, a token is a run of Latin letters, a run of digits or one
# other character. Nothing is joined across punctuation (2.5 → 2 . 5), so the result does
# not depend on where a backend happened to cut: jieba and rjieba give the same tokens.
_PIECES = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[A-Za-z]+|\d+|[^\s]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?|[零〇一二三四五六七八九十百千万亿两]+|[\d.]+[万亿]")
_NUMERAL_ONLY = re.compile(r"[零〇一二三四五六七八九十百千万亿两几]+")


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
        backend: ``"jieba"`` (default) or ``"rjieba"``; both give the same tokens.
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

    def __init__(self, *, backend: str = "jieba", userdict=None, stopwords=None,
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
        self.config = TokenizerConfig(backend, hmm, self.userdict.path, self.userdict.digest,
                                      hashlib.sha256("\n".join(sorted(stop)).encode()).hexdigest()[:16])
        self._seg = None
        self._automaton = None
        self._userwords = frozenset(self.userdict.words)

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
        seg = self._segmenter()
        if self.backend == "jieba":
            return seg.lcut(text, HMM=self.hmm)
        return seg.cut(text, self.hmm)

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
        words = self._raw_cut(text)
        ends = list(accumulate(map(len, words)))
        words, ends = self._enforce_terms(text, words, ends)
        out_w, out_s = [], []
        start = 0
        for w, e in zip(words, ends):
            if _HAN_ONLY.fullmatch(w):
                out_w.append(w)
                out_s.append(start)
            elif not w.isspace():
                for m in _PIECES.finditer(w):
                    out_w.append(m.group())
                    out_s.append(start + m.start())
            start = e
        return out_w, out_s

    def _repairs(self, text, ends, matches=None) -> list[tuple[int, int, list[str]]]:
        """Where the segmenter cut through a leftmost-longest user-term occurrence:
        ``(first, last, words)`` — tokens first..last are to be replaced by ``words``
        (the term whole, the rest re-cut). ``matches`` are the automaton's
        (end, length) pairs when already computed."""
        auto = self._terms()
        if auto is None:
            return []
        fixes = []
        for end_idx, length in (auto.iter_long(text) if matches is None else matches):
            s, e = end_idx + 1 - length, end_idx + 1
            i = bisect.bisect_left(ends, e)
            if i < len(ends) and ends[i] == e and (s == 0 if i == 0 else ends[i - 1] == s):
                continue
            first = bisect.bisect_right(ends, s)       # token holding offset s
            last = bisect.bisect_left(ends, e)         # token holding offset e-1
            if fixes and first <= fixes[-1][1]:        # occurrences sharing tokens: one repair
                prev = fixes[-1]
                fixes[-1] = (prev[0], max(prev[1], last), prev[2] + [(s, e)])
            else:
                fixes.append((first, last, [(s, e)]))
        out = []
        for first, last, occs in fixes:
            cursor, right, words = (ends[first - 1] if first > 0 else 0), ends[last], []
            for s, e in occs:
                if s > cursor:
                    words.extend(self._raw_cut(text[cursor:s]))
                words.append(text[s:e])
                cursor = e
            if cursor < right:
                words.extend(self._raw_cut(text[cursor:right]))
            out.append((first, last, words))
        return out

    def _enforce_terms(self, text, words, ends, matches=None):
        """Make every leftmost-longest user-term occurrence a single token."""
        repairs = self._repairs(text, ends, matches)
        if not repairs:
            return words, ends
        new_w, pos = [], 0
        for first, last, fixed in repairs:
            new_w.extend(words[pos:first])
            new_w.extend(fixed)
            pos = last + 1
        new_w.extend(words[pos:])
        return new_w, list(accumulate(map(len, new_w)))

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
        lookup = _dictionary_tags()
        user = {w: (t or DEFAULT_TAG) for w, _, t in self.userdict.entries}
        tags = []
        for w in words:
            if w in user:
                tags.append(user[w])
            elif _HAN_ONLY.fullmatch(w):
                tags.append(lookup.get(w, "x"))
            elif w[0].isdigit():
                tags.append("m")
            elif w[0].isascii() and w[0].isalpha():
                tags.append("eng")
            else:
                tags.append("x")
        return words, starts, tags

    def count(self, text, *, masks=None) -> Counter:
        """Counts of the counted tokens (``word`` and ``latin``) of a text.

        Same result as counting :meth:`tokens`, computed faster: the segmenter's words
        are counted by type (non-Chinese types are split by the shared rule once per
        type, not once per token), and the positional repair of user terms runs only
        if some term's token count differs from its leftmost-longest occurrences.
        """
        text, spans = text_and_masks(text, masks)
        blanked = blank_spans(text, spans)
        if not blanked:
            return Counter()
        words = self._raw_cut(blanked)
        types = Counter(words)
        auto = self._terms()
        if auto is not None:
            matches = list(auto.iter_long(blanked))
            occurrences = Counter(blanked[end + 1 - n:end + 1] for end, n in matches)
            cut = {t for t, n in occurrences.items() if types.get(t, 0) != n}
            if cut or any(types.get(t, 0) and t not in occurrences for t in self._userwords):
                # Adjust the counts where a term was cut, without rebuilding the token list;
                # only the occurrences of terms whose counts disagree can need it.
                suspects = [(e, n) for e, n in matches if blanked[e + 1 - n:e + 1] in cut] if cut else matches
                for first, last, fixed in self._repairs(blanked, list(accumulate(map(len, words))), suspects):
                    types.subtract(words[first:last + 1])
                    types.update(fixed)
                types = +types
        out: Counter = Counter()
        for w, n in types.items():
            if _HAN_ONLY.fullmatch(w):
                out[w] += n
            elif not w.isspace():
                for piece in _PIECES.findall(w):
                    out[piece] += n
        return Counter({w: n for w, n in out.items() if self.kind_of(w) in COUNTED})


_TAGS: dict = {}


def _dictionary_tags() -> dict:
    """jieba's dictionary part-of-speech table (read once; jieba's global state untouched)."""
    if not _TAGS:
        _quiet_jieba()
        import jieba
        import jieba.posseg

        _TAGS.update(jieba.posseg.POSTokenizer(jieba.Tokenizer()).word_tag_tab)
    return _TAGS


# -- corpus-level segmentation with an on-disk cache -------------------------------------

def _cache_key(tokenizer: Tokenizer, text: str, masks) -> str:
    h = hashlib.sha256()
    h.update(text.encode("utf-8", "surrogatepass"))
    h.update(repr(sorted(masks)).encode())
    h.update(tokenizer.config.key.encode())
    return "segment:" + h.hexdigest()


def _check_segments(text: str):
    """A cache check: the stored words must spell the text at their offsets."""
    def check(arrays):
        joined = str(arrays["words"])
        words = joined.split("\x1f") if joined else []
        starts = arrays["starts"].tolist()
        if len(words) != len(starts):
            return "has as many words as offsets"
        for w, s in zip(words, starts):
            if text[s:s + len(w)] != w:
                return f"does not match the text (word {w[:12]!r} at offset {s})"
        return None
    return check


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
    arrays = store.get("tokens", key, check=_check_segments(blanked)) if store.usable else None
    if arrays is not None:
        joined = str(arrays["words"])
        return (joined.split("\x1f") if joined else []), arrays["starts"].tolist()
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


def default_tokenizer(backend: str = "jieba") -> Tokenizer:
    """A shared Tokenizer with the bundled lexicons (built on first use)."""
    if backend not in _DEFAULT:
        _DEFAULT[backend] = Tokenizer(backend=backend)
    return _DEFAULT[backend]
