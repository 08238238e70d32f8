"""Theme matching that runs the automaton only over the stretches of text that can hold
a form (themes._automaton_hits) finds exactly what pyahocorasick's iter_long finds on
the whole text — including where iter_long's handling of overlapping forms is not
leftmost-longest (pyahocorasick issues #133, #185) — and match_themes gives exactly
the hits of its frozen copy (tests/oracle/themes_v0.py)."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhspeech as zs
from zhspeech import themes

sys.path.insert(0, str(Path(__file__).parent))
from oracle import texts, themes_v0  # noqa: E402

OWN = sorted((Path(__file__).parent / "data" / "speeches").glob("*.txt"))


@pytest.fixture
def always_cut(monkeypatch):
    """Cut every text, however short and however much of it can hold a form."""
    monkeypatch.setattr(themes, "_WHOLE_BELOW", 0)
    monkeypatch.setattr(themes, "_WHOLE_ABOVE", 1.0)


def whole(matcher, text):
    return np.array(list(matcher.automaton.iter_long(text)), dtype=np.int64).reshape(-1, 2)


def matcher_of(*forms):
    return themes._matcher(tuple((f, (("主题", "", f),)) for f in forms))


def same(matcher, text):
    got = themes._automaton_hits(matcher, text)
    want = whole(matcher, text)
    assert got.dtype == want.dtype and got.shape == want.shape and (got == want).all(), text
    return got


def test_the_cut_reads_only_what_can_hold_a_form(always_cut):
    m = matcher_of("人才", "干部队伍")
    # 人才 at 2 and 干部队伍 at 8 (ends 3 and 11); everything else has no letter of a form, or too few
    text = "加强人才工作，人干部队伍建设。才"
    got = same(m, text)
    assert [(end, m.matched[m.first[f]]) for end, f in got.tolist()] == [(3, "人才"), (11, "干部队伍")]
    assert m.shortest == 2
    assert m.letters[ord("人")] and m.letters[ord("伍")] and not m.letters[ord("加")]


def test_overlapping_forms_as_iter_long_reads_them(always_cut):
    # The cases of pyahocorasick's iter_long issues, inside text and at its ends.
    cases = [(("b", "c", "abd"), ["abc", "xabcx", "abdabc", "ab", "zabc"]),
             (("知识产权", "国家知识产权局"), ["国家知识产权", "在国家知识产权。", "国家知识产权局长", "国家知识国家知识产权"]),
             (("ab", "abcabd"), ["zzabcabdzz", "abcab", "zzabcabd", "abcabcabd"]),
             (("bc", "abcdefg"), ["abcdefx", "xabcdef", "abcdefgh", "abcdeabcdefg"])]
    for forms, samples in cases:
        m = matcher_of(*forms)
        for text in samples:
            same(m, text)
            same(m, f"。{text}")
            same(m, f"{text}。")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d", "ab", "abc", "abd", "bc", "。", "x", "国家", "知识产权", "局", "\n", " "]),
                max_size=40),
       st.lists(st.sampled_from(["a", "b", "c", "ab", "bc", "abd", "abcabd", "abcdefg", "cd", "国家知识产权局",
                                 "知识产权", "xa"]), min_size=1, max_size=6, unique=True))
def test_generated_texts_and_lexicons(pieces, forms):
    m = matcher_of(*forms)
    text = "".join(pieces)
    saved = themes._WHOLE_BELOW, themes._WHOLE_ABOVE
    for below, above in ((0, 1.0), (10**9, 0.75)):   # always cut, never cut
        themes._WHOLE_BELOW, themes._WHOLE_ABOVE = below, above
        try:
            same(m, text)
        finally:
            themes._WHOLE_BELOW, themes._WHOLE_ABOVE = saved


def test_astral_characters_and_lone_surrogates(always_cut):
    m = matcher_of("人才", "😀人")
    for text in ["😀人才", "x😀人才人才", "\ud800人才😀", "人😀才", "😀" * 3 + "人才"]:
        same(m, text)


def test_real_lexicon_on_speeches_matches_the_oracle(always_cut, lexicon):
    m = lexicon.matcher
    old = themes_v0.load_lexicon(warn_shared=False).matcher
    raws = [p.read_text(encoding="utf-8") for p in OWN] + list(texts.styled_texts().values())
    rnd = random.Random(8)
    letters = "".join(sorted({c for f in m.matched for c in f}))
    raws += ["".join(rnd.choice(letters + "，。的和\n ") for _ in range(rnd.randint(0, 400))) for _ in range(60)]
    n = 0
    for raw in raws:
        masked = zs.clean.clean_text(raw).masked_text
        got = themes.match_themes(masked, m)
        want = themes_v0.match_themes(masked, old)
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and (g == w).all()
        assert list(m.term[got[2]]) == list(old.term[want[2]])
        n += len(got[0])
    assert n > 500


@pytest.mark.corpus
def test_corpus_hits_unchanged(shared_cleaned, sample, lexicon, monkeypatch):
    m = lexicon.matcher
    old = themes_v0.load_lexicon(warn_shared=False).matcher
    docs = [*shared_cleaned.values(), sample]
    assert sum(len(c.masked_text) >= themes._WHOLE_BELOW for c in docs) >= 8   # the cut is taken
    for below in (themes._WHOLE_BELOW, 0):
        monkeypatch.setattr(themes, "_WHOLE_BELOW", below)
        for cleaned in docs:
            masked = cleaned.masked_text
            got, want = themes.match_themes(masked, m), themes_v0.match_themes(masked, old)
            for g, w in zip(got, want):
                assert g.dtype == w.dtype and len(g) == len(w) and (g == w).all(), cleaned.doc_id
