"""Each statistic against an example computed by hand (the arithmetic is in the comments)."""
import math

import pandas as pd
import pytest

import zhspeech as zs
from zhspeech import stats


def toks(words, doc_id="d", kinds=None, step=2):
    kinds = kinds or ["word"] * len(words)
    return pd.DataFrame({"doc_id": doc_id, "token": words, "start": [i * step for i in range(len(words))],
                         "end": [i * step + len(w) for i, w in enumerate(words)], "kind": kinds})


def test_count_terms_per_10k_and_df():
    t = pd.concat([toks(["甲", "甲", "乙", "的", "，"], "a", ["word", "word", "word", "stop", "punct"]),
                   toks(["乙"], "b")])
    table = stats.count_terms(t)
    # doc a: 3 counted tokens; 甲 2/3 × 10,000 = 6666.67; 乙 occurs in both documents → df 2
    assert table[["doc_id", "term", "n", "df"]].values.tolist() == [["a", "甲", 2, 1], ["a", "乙", 1, 2],
                                                                    ["b", "乙", 1, 2]]
    assert table["per_10k"].tolist() == pytest.approx([20000 / 3, 10000 / 3, 10000])


def test_keyness_against_hand_computed_two_by_two_table():
    # a=10 of Nt=100 target tokens, b=20 of Nr=1000 reference tokens; N=1100
    # E11=100·30/1100=2.72727, E12=97.27273, E21=27.27273, E22=972.72727
    # G² = 2(10 ln(10/2.72727) + 90 ln(90/97.27273) + 20 ln(20/27.27273) + 980 ln(980/972.72727))
    #    = 2(12.99283 − 6.99381 − 6.20310 + 7.29982) = 14.1915
    # χ² (Yates) = 1100 (|10·980 − 20·90| − 550)² / (30·1070·100·1000) = 19.0195
    # Log Ratio = log2((10/100)/(20/1000)) = log2 5 = 2.32193
    target = {"甲": 10, "其他": 90}
    reference = {"甲": 20, "其他": 980}
    row = stats.keyness(target, reference, single_chars=True).set_index("term").loc["甲"]
    assert row["n_target"] == 10 and row["n_reference"] == 20
    assert row["g2"] == pytest.approx(14.1915, rel=1e-4)
    assert row["chi2"] == pytest.approx(19.0195, rel=1e-4)
    assert row["log_ratio"] == pytest.approx(2.32193, rel=1e-5)
    assert row["p"] == pytest.approx(math.erfc(math.sqrt(14.1915 / 2)), rel=1e-3)
    assert row["effect"] == "target"
    other = stats.keyness(target, reference).set_index("term").loc["其他"]
    assert other["g2"] == pytest.approx(-14.1915, rel=1e-4)  # the complement is under-represented


def test_keyness_zero_frequency_uses_half():
    # a=0 of 100, b=5 of 1000: Log Ratio = log2((0.5/100)/(5/1000)) = log2(1) = 0, sign negative
    row = stats.keyness({"乙": 100}, {"甲": 5, "乙": 995}, single_chars=True).set_index("term").loc["甲"]
    assert row["log_ratio"] == pytest.approx(0.0)
    assert row["g2"] < 0 and row["n_target"] == 0


def test_tfidf_with_reference_idf():
    # D = 3 reference documents; 甲 in 1 → idf = ln(4/2) + 1 = 1.693147; tf = 3/4
    ref = pd.DataFrame({"doc_id": ["r1", "r1", "r2", "r3"], "term": ["甲", "丙", "丙", "乙"], "n": [1, 2, 1, 5]})
    out = stats.tfidf({"甲": 3, "乙": 1}, ref).set_index("term")
    assert out.loc["甲", "idf"] == pytest.approx(math.log(2) + 1)
    assert out.loc["甲", "tfidf"] == pytest.approx(0.75 * (math.log(2) + 1))
    assert out.loc["乙", "tfidf"] == pytest.approx(0.25 * (math.log(2) + 1))


def test_collocations_pmi_logdice_g2():
    # 甲 乙 丙 甲 乙 丁, window 1: 甲 at 0 and 3 → neighbours 乙, 丙, 乙 → O11(乙) = 2
    # N = 6, f(甲) = 2, f(乙) = 2, R1 = 2·2·1 = 4, E11 = 4·2/6 = 1.3333
    # PMI = log2(2/1.3333) = 0.58496; logDice = 14 + log2(2·2/(2+2)) = 14
    # G²: O = [2, 2, 0, 2], E = [1.3333, 2.6667, 0.6667, 1.3333] → 2(2 ln1.5 + 2 ln0.75 + 2 ln1.5) = 2.09299
    out = stats.collocations(toks(["甲", "乙", "丙", "甲", "乙", "丁"]), "甲", window=1, min_n=1).set_index("collocate")
    assert out.loc["乙", "o11"] == 2 and out.loc["丙", "o11"] == 1
    assert out.loc["乙", "e11"] == pytest.approx(4 / 3)
    assert out.loc["乙", "pmi"] == pytest.approx(0.5849625)
    assert out.loc["乙", "log_dice"] == pytest.approx(14.0)
    assert out.loc["乙", "g2"] == pytest.approx(2.092992, rel=1e-5)


def test_dispersion_juilland_d_and_gries_dp():
    # parts of 4, 4 and 2 counted tokens → s = (.4, .4, .2); 甲 occurs 2, 0, 1 times → v = (2/3, 0, 1/3)
    # DP = ½(|2/3 − .4| + |0 − .4| + |1/3 − .2|) = 0.4; DP_norm = 0.4 / (1 − .2) = 0.5
    # p = f/size = (.5, 0, .5): mean 1/3, population sd 0.235702, V = 0.707107, D = 1 − V/√2 = 0.5
    t = pd.DataFrame({"doc_id": "d", "token": ["甲", "乙", "甲", "丙", "乙", "丙", "乙", "丁", "甲", "丁"],
                      "start": [0, 2, 4, 6, 10, 12, 14, 16, 20, 22], "end": [1, 3, 5, 7, 11, 13, 15, 17, 21, 23],
                      "kind": "word"})
    sections = pd.DataFrame({"doc_id": "d", "section_id": ["A", "B", "C"], "level": 1, "kind": "part",
                             "start": [0, 10, 20], "end": [10, 20, 30]})
    row = stats.dispersion(t, sections, ["甲"]).iloc[0]
    assert row["n"] == 3 and row["parts"] == 3
    assert row["gries_dp"] == pytest.approx(0.4)
    assert row["dp_norm"] == pytest.approx(0.5)
    assert row["juilland_d"] == pytest.approx(0.5)


def test_cosine_similarity():
    # d1 = (1, 1), d2 = (1, 0): cos = 1 / (√2 · 1) = 0.707107
    terms = pd.DataFrame({"doc_id": ["d1", "d1", "d2"], "term": ["甲", "乙", "甲"], "n": [1, 1, 1]})
    sim = stats.similarity(terms, value="n")
    assert sim.loc["d1", "d2"] == pytest.approx(1 / math.sqrt(2))
    assert sim.loc["d1", "d1"] == pytest.approx(1.0)


def test_kwic_offsets_and_context():
    text = "我们推进基层治理，基层治理很重要。"
    out = stats.kwic(text, "基层治理", window=2)
    assert out[["start", "end", "left", "match", "right"]].values.tolist() == [
        [4, 8, "推进", "基层治理", "，基"], [9, 13, "理，", "基层治理", "很重"]]
    assert stats.kwic(text, r"基层\w{2}", regex=True, window=0)["match"].tolist() == ["基层治理", "基层治理"]


def test_kwic_names_the_cleaned_texts_document():
    c = zs.clean.clean_text("我们推进基层治理。\n", doc_id="county-2024")
    assert stats.kwic(c, "基层治理", window=2)["doc_id"].tolist() == ["county-2024"]
    assert stats.kwic(c, "基层治理", window=2, doc_id="other")["doc_id"].tolist() == ["other"]
    assert stats.kwic("我们推进基层治理。", "基层治理")["doc_id"].tolist() == [""]


def test_kwic_skips_masked_matches():
    assert stats.kwic("XX县和XX县", "XX", masks=[(0, 3), (4, 7)]).empty


def test_ngrams_stop_at_punctuation_and_stopwords():
    t = toks(["甲", "乙", "，", "丙", "丁", "戊", "的", "己"], kinds=["word", "word", "punct", "word", "word",
                                                                  "word", "stop", "word"])
    assert stats.ngrams(t, 2)[["ngram", "n"]].values.tolist() == [["丁_戊", 1], ["丙_丁", 1], ["甲_乙", 1]]


def test_sample_keyness_against_reference(sample_tokens):
    ref = zs.reference.load_reference()
    key = stats.keyness(sample_tokens, ref.terms)
    assert key.iloc[0]["term"] == "干部" and key.iloc[0]["effect"] == "target"
    assert key.set_index("term").loc["脱贫攻坚", "n_target"] == 18


def test_single_characters_leave_ranked_tables_but_not_the_statistics():
    target = {"甲": 10, "稳": 10, "脱贫攻坚": 10, "其他": 970}
    reference = {"甲": 1, "稳": 1, "脱贫攻坚": 1, "其他": 997}
    full = stats.keyness(target, reference, single_chars=True).set_index("term")
    ranked = stats.keyness(target, reference).set_index("term")
    assert "甲" in full.index and "甲" not in ranked.index
    assert "稳" in ranked.index                      # listed in single_char_terms.txt
    assert ranked.loc["脱贫攻坚", "g2"] == full.loc["脱贫攻坚", "g2"]
    toks = pd.DataFrame({"doc_id": "d", "token": ["们", "们", "们", "稳", "干部"], "start": range(5),
                         "end": range(1, 6), "kind": "word"})
    assert stats.top_terms(toks)[["term", "n", "per_10k"]].values.tolist() == [["干部", 1, 2000.0],
                                                                              ["稳", 1, 2000.0]]
    assert stats.top_terms(toks, single_chars=True)["term"].tolist() == ["们", "干部", "稳"]
    assert stats.drop_single_chars(pd.DataFrame({"term": ["们", "稳"]}), keep={"们"})["term"].tolist() == ["们"]


def test_count_terms_rates_keep_their_denominator_and_sections_their_order():
    # 10 counted tokens: A×4 in section P2 (text first), B×6 in P1 (text second)
    toks = pd.DataFrame({"doc_id": "d", "token": ["甲乙"] * 4 + ["丙丁"] * 6, "start": range(10),
                         "end": range(1, 11), "kind": "word"})
    sections = pd.DataFrame({"doc_id": "d", "section_id": ["P2", "P1"], "level": 1, "start": [0, 4],
                             "end": [4, 10]})
    by_sec = stats.count_terms(toks, by="section", sections=sections)
    assert by_sec[["section_id", "term", "n", "per_10k"]].values.tolist() == [
        ["P2", "甲乙", 4, 10000.0], ["P1", "丙丁", 6, 10000.0]]
    doc = stats.count_terms(toks)
    # a display filter applied afterwards keeps the rate per 10,000 of all 10 tokens
    assert doc[doc["term"] == "甲乙"]["per_10k"].tolist() == [4000.0]


def test_substring_and_token_conventions():
    text = "经济社会发展，实体经济，经济增长。脱贫攻坚，经济。"
    toks = pd.DataFrame({"doc_id": "d",
                         "token": ["经济社会", "发展", "，", "实体经济", "，", "经济", "增长", "。",
                                   "脱贫", "攻坚", "，", "经济", "。"],
                         "kind": ["word", "word", "punct", "word", "punct", "word", "word", "punct",
                                  "word", "word", "punct", "word", "punct"]})
    starts, pos = [], 0
    for t in toks["token"]:
        starts.append(pos)
        pos += len(t)
    toks["start"] = starts
    toks["end"] = [s + len(t) for s, t in zip(starts, toks["token"])]
    both = stats.count_conventions(["经济", "脱贫攻坚"], text, toks, doc_id="d")
    assert both.values.tolist() == [
        ["d", "经济", 4, 2, 2, "实体经济 1; 经济社会 1", ""],
        ["d", "脱贫攻坚", 1, 0, 1, "", "脱贫|攻坚 1"]]
    sub = stats.count_terms(toks, method="substring", terms=["经济"], text={"d": text})
    tok = stats.count_terms(toks)
    assert sub[["term", "n"]].values.tolist() == [["经济", 4]]
    assert tok.set_index("term").loc["经济", "n"] == 2
    # the same denominator: 8 counted tokens (punctuation is not counted)
    assert sub["per_10k"].iloc[0] == pytest.approx(4 / 8 * 10_000)
