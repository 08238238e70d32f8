"""Theme lexicons, hits and emphasis."""
import pandas as pd
import pytest

import zhspeech as zs
from zhspeech.errors import LexiconError, ThemeError
from zhspeech.themes import count_themes, emphasis, load_lexicon, longest_match_count


def test_hits_equal_independent_longest_match_count_on_every_text(sample, shared_cleaned, lexicon):
    texts = {"sample": sample, **shared_cleaned}
    for doc_id, c in texts.items():
        hits = count_themes(c, lexicon=lexicon, doc_id=doc_id)
        got = hits.drop_duplicates("start")["matched"].value_counts().to_dict()
        expected = {t: n for t, n in longest_match_count(c.masked_text, lexicon.surface).items() if n}
        assert got == expected, doc_id
        for row in hits.itertuples():
            assert c.text[row.start:row.end] == row.matched


def test_custom_lexicon_with_one_term_equals_str_count(tmp_path, sample, shared_cleaned):
    path = tmp_path / "one.csv"
    path.write_text("theme,term\n建设,建设\n", encoding="utf-8")
    lex = load_lexicon(path)
    for doc_id, c in {"sample": sample, **shared_cleaned}.items():
        assert len(count_themes(c.text, lexicon=lex)) == c.text.count("建设"), doc_id


def test_longest_match_wins_and_counts_once(lexicon):
    hits = count_themes("推进易地扶贫搬迁和扶贫工作", lexicon=lexicon)
    assert hits[["theme", "subtheme", "term", "start", "end"]].values.tolist() == [
        ["脱贫攻坚", "易地扶贫搬迁", "易地扶贫搬迁", 2, 8], ["脱贫攻坚", "", "扶贫", 9, 11]]


def test_masks_are_never_matched(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("theme,term\n地名,XX县\n地名,县城\n", encoding="utf-8")
    lex = load_lexicon(path)
    c = zs.clean.clean_text("支援XX县城建设。\n")
    assert c.masks["text"].tolist() == ["XX县"]
    hits = count_themes(c, lexicon=lex)
    assert hits["matched"].tolist() == []


def test_sample_parts_with_highest_rates(sample, sample_sections, lexicon):
    hits = count_themes(sample, lexicon=lexicon, sections=sample_sections, doc_id="sample")
    em = emphasis(hits, sample_sections, sample.text, lexicon=lexicon)
    parts = em[em["kind"] == "part"]
    best = {t: parts[parts["theme"] == t].sort_values("per_1k_hanzi", ascending=False).iloc[0]["label"]
            for t in ("脱贫攻坚", "基层治理", "人才")}
    assert best == {"脱贫攻坚": "二", "基层治理": "五", "人才": "六"}
    p6 = parts[(parts["theme"] == "人才") & (parts["label"] == "六")].iloc[0]
    assert p6["hits"] == 44 and p6["hanzi"] == 694
    assert p6["per_1k_hanzi"] == pytest.approx(44 / 694 * 1000)
    assert p6["rank"] == 1
    # every hit carries its section and offsets
    assert (hits["section_id"] != "").all() and (hits["top_id"] != "").all()


def test_emphasis_shares_on_a_small_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("theme,term\n甲,人才\n乙,干部\n", encoding="utf-8")
    lex = load_lexicon(path)
    text = "标题\n人才工作。干部工作。人才干部。\n"
    sec = zs.structure.parse_structure(text)
    hits = count_themes(text, lexicon=lex, sections=sec)
    em = emphasis(hits, sec, text, by="doc", lexicon=lex).set_index("theme")
    # 3 sentences in the body + the title line = 4; 人才 in 2 of them; 4 hits in all, 2 are 人才
    hanzi = 2 + 12
    assert em.loc["甲", "hits"] == 2
    assert em.loc["甲", "per_1k_hanzi"] == pytest.approx(2 / hanzi * 1000)
    assert em.loc["甲", "sentence_share"] == pytest.approx(2 / 4)
    assert em.loc["甲", "hit_share"] == pytest.approx(0.5)


def test_reference_poverty_rates_fall_after_2020(lexicon):
    ref = zs.reference.load_reference()
    em = zs.reference.document_emphasis(ref, lexicon=lexicon)
    rate = em[em["theme"] == "脱贫攻坚"].set_index("doc_id")["per_1k_hanzi"]
    for early in ("gwr-2019", "gwr-2020"):
        for late in ("gwr-2023", "gwr-2024", "gwr-2025"):
            assert rate[early] > rate[late], (early, late)


@pytest.mark.parametrize("content,cause", [
    ("themes:\n  甲: [unclosed\n", "malformed YAML"),
    ("version: 1\nthemes:\n  空: {description: x, terms: []}\n", "theme '空' has no terms"),
    ("version: 1\nthemes:\n  甲: {terms: [人才, 人才]}\n", "theme '甲': duplicate term '人才'"),
    ("version: 1\nthemes:\n  甲: {terms: ['  ']}\n", "empty term"),
    ("version: 1\nthemes:\n  甲: {words: [人才]}\n", "unknown key(s) words"),
    ("version: 1\n", "expected a mapping"),
])
def test_bad_lexicons_give_one_line_naming_file_and_theme(tmp_path, content, cause):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        load_lexicon(path)
    assert "bad.yaml" in str(info.value) and cause in str(info.value) and "\n" not in str(info.value)


def test_shared_terms_are_reported(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("version: t\nthemes:\n  甲: {terms: [人才, 干部]}\n  乙: {terms: [干部]}\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="干部"):
        lex = load_lexicon(path)
    assert lex.shared.values.tolist() == [["干部", "乙, 甲"]]
    assert len(count_themes("干部", lexicon=lex)) == 2


def test_unknown_theme_name(lexicon):
    with pytest.raises(ThemeError, match="^不存在: unknown theme"):
        lexicon.select(["不存在"])


def test_bundled_lexicon_is_valid_and_has_the_core_themes(lexicon):
    for theme in ("脱贫攻坚", "基层治理", "人才", "干部队伍建设", "党的建设", "疫情防控", "乡村振兴"):
        assert theme in lexicon.names and lexicon.themes[theme]
    assert lexicon.shared.empty


def test_validation_tools(sample, sample_sections, lexicon):
    hits = count_themes(sample, lexicon=lexicon, sections=sample_sections)
    tokens = zs.tokenize.Tokenizer().tokens(sample)
    assert "生态文明" in set(zs.themes.unmatched_terms(hits, lexicon)["theme"])
    kw = zs.themes.theme_kwic(sample, hits, "基层治理", window=4)
    assert kw.iloc[0][["left", "match", "right"]].tolist() == ["重在乡镇", "行政区划调整", "改革中发"]
    cands = zs.themes.candidate_terms(tokens, hits, sample.text, "人才", lexicon=lexicon, top=5)
    assert len(cands) == 5 and (cands["g2"] > 0).all()
    assert not set(cands["term"]) & {"人才", "引才"}


def test_cli_themes_unknown_theme_exit_2(capsys):
    from zhspeech.cli import main

    assert main(["themes", str(zs.paths.sample_speech()), "--theme", "不存在"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("zhspeech: error: 不存在: unknown theme") and "\n" not in err


def test_cli_themes_by_section(capsys):
    from zhspeech.cli import main

    assert main(["themes", str(zs.paths.sample_speech()), "--by", "section", "--theme", "人才",
                 "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    top = table.sort_values("per_1k_hanzi", ascending=False).iloc[0]
    assert (top["section_id"], top["hits"]) == ("P6", 44)


# -- the fast paths of issue 15, against their plain references --------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from zhspeech.themes import _sentence_spans_regex, match_themes, sentence_spans  # noqa: E402


@settings(max_examples=400)
@given(st.text(alphabet=st.sampled_from(list("。！？!?”’」』）)\n甲乙 a，")), max_size=30))
def test_sentence_spans_equal_the_regex_scan(text):
    got, expected = sentence_spans(text), _sentence_spans_regex(text)
    assert got.dtype == expected.dtype and got.tolist() == expected.tolist()


def test_sentence_spans_by_hand():
    # 。」 ends a sentence with its closing mark; a line break after 。 starts nothing new;
    # ？！ is one run; a blank line starts a sentence after it
    text = "他说：“好。”我们走吧！？\n\n第二段。\n末尾"
    assert sentence_spans(text).tolist() == [0, 7, 15, 20]
    assert sentence_spans("").tolist() == [0] and sentence_spans("。").tolist() == [0]


def test_match_themes_gives_one_row_per_owner_in_lexicon_order(tmp_path):
    path = tmp_path / "shared.csv"
    path.write_text("theme,term\n甲,人才\n乙,人才工作\n丙,人才\n甲,基层\n", encoding="utf-8")
    m = load_lexicon(path, warn_shared=False).matcher
    start, end, row = match_themes("抓好人才工作和人才，夯实基层", m)
    got = [(s, e, m.theme[r], m.matched[r]) for s, e, r in zip(start.tolist(), end.tolist(), row.tolist())]
    assert got == [(2, 6, "乙", "人才工作"), (7, 9, "甲", "人才"), (7, 9, "丙", "人才"), (12, 14, "甲", "基层")]
    assert [len(a) for a in match_themes("", m)] == [0, 0, 0]
    assert [len(a) for a in match_themes("没有主题词。", m)] == [0, 0, 0]


def test_hits_of_a_form_shared_by_two_themes_keep_their_sections(tmp_path):
    path = tmp_path / "shared.csv"
    path.write_text("theme,term\n甲,人才\n乙,人才\n", encoding="utf-8")
    lex = load_lexicon(path, warn_shared=False)
    text = "讲话\n一、人才\n引进人才。\n二、其他\n留住人才。\n"
    sec = zs.structure.parse_structure(text)
    hits = count_themes(text, lexicon=lex, sections=sec)
    assert hits[["theme", "start", "top_id"]].values.tolist() == [
        ["甲", 5, "P1"], ["乙", 5, "P1"], ["甲", 10, "P1"], ["乙", 10, "P1"], ["甲", 21, "P2"], ["乙", 21, "P2"]]
    assert (hits["section_id"] == zs.structure.section_of(sec, hits["start"].to_numpy())).all()
