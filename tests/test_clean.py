"""Audited cleaning: the sample's advert, typos and redactions; exact restoration; and
no change at all to the clean comparable corpus."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhspeech as zs

# Every OCR/typing error found by reading the sample: (raw offset, wrong, right).
SAMPLE_ERRORS = [
    (656, "千部", "干部"),    # 考察识别和使用千部
    (1455, "招蓦", "招募"),   # 招蓦急需紧缺专业大学生
    (3791, "貧", "贫"),       # 配齐配强貧困乡镇领导班子 (a stray traditional character: corrections.tsv)
    (4510, "班于", "班子"),   # 扎实推进领导班于和干部队伍建设
    (5528, "千部", "干部"),   # 帮扶千部
    (6082, "政洽", "政治"),   # 发挥好政洽效应
    (6868, "设置", "设施"),   # 配套设置不全
    (6960, "洽理", "治理"),   # 社区（小区）洽理机制
    (8135, "自已", "自己"),   # 提高自已
]


def test_sample_begins_with_title_and_has_no_advert(sample):
    assert sample.text.split("\n")[0] == "在县市组织工作半年推进会上的讲话"
    for advert in ("仅供学习", "禁止外传", "酷乐文行", "订阅", "QQ群", "会员", "倒卖", "自建平台"):
        assert advert not in sample.text
    removed = sample.edits[sample.edits["step"] == "boilerplate"]
    assert list(removed["rule"]) == ["no_redistribution", "head_block", "platform_slogan", "platform_slogan",
                                     "subscription_offer", "resale_warning", "subscription_offer", "member_group"]


def test_sample_every_error_is_corrected_and_logged(sample):
    assert (sample.edits["step"] == "simplify").sum() == 0      # a simplified text: no t2s at all
    fixes = sample.edits[sample.edits["step"] == "corrections"].sort_values("start")
    assert list(zip(fixes["start"], fixes["before"], fixes["after"])) == SAMPLE_ERRORS
    for _, wrong, _ in SAMPLE_ERRORS:
        assert wrong not in sample.text
    raw = sample.raw
    for start, wrong, _ in SAMPLE_ERRORS:
        assert raw[start:start + len(wrong)] == wrong  # offsets point into the raw text


def test_sample_placeholders_are_masks(sample):
    masks = sample.masks
    assert len(masks) == 58
    assert masks["kind"].value_counts().to_dict() == {"name": 23, "count": 21, "place": 6, "percent": 3,
                                                       "date": 2, "year": 2, "ordinal": 1}
    assert masks.iloc[0][["start", "end", "text", "kind"]].tolist() == [17, 21, "X月X日", "date"]
    # every X in the cleaned text lies inside a mask, except the Latin word ABC
    covered = set()
    for s, e in zip(masks["start"], masks["end"]):
        covered.update(range(s, e))
    xs = [i for i, ch in enumerate(sample.text) if ch == "X"]
    assert xs and all(i in covered for i in xs)
    assert "ABC" in sample.text and not any(t.startswith("ABC") for t in masks["text"])
    assert sample.masked_text.count("X") == 0 and len(sample.masked_text) == len(sample.text)


def test_sample_raw_is_rebuilt_exactly(sample):
    assert zs.clean.restore(sample.text, sample.edits) == sample.raw
    assert len(sample.raw) == 8508 and len(sample.text) == 8356


@pytest.mark.parametrize("text", [
    "上千部电影和三千部作品",
    "他激动得不能自已。",
    "航班于下午起飞。",
    "以经济建设为中心，自己经历过。",
    "配套设置了新的参数。",
])
def test_corrections_leave_legitimate_text_alone(text):
    assert zs.clean.correct_typos(text)[0] == text


def test_width_and_layout_normalisation_keeps_chinese_punctuation():
    c = zs.clean.clean_text("\u3000\u3000增长１２．５％，ＧＤＰ达到（一）。  \r\n\r\n\r\n第二段\t内容  ")
    assert c.text == "增长12.5%,GDP达到（一）。\n第二段 内容\n".replace("%,", "%，")
    assert c.edits["rule"].tolist() == ["newline", "newline", "newline", "fullwidth", "fullwidth", "indent",
                                        "trailing", "blank_lines", "spaces", "trailing", "final_newline"]
    assert zs.clean.restore(c.text, c.edits) == "\u3000\u3000增长１２．５％，ＧＤＰ达到（一）。  \r\n\r\n\r\n第二段\t内容  "


def test_repeated_header_lines_are_detected_across_documents():
    page = "某某网 www.example.com\n"
    a = "标题甲\n" + ("正文一句。\n" + page) * 3
    b = "标题乙\n" + ("另一句。\n" + page) * 4
    lines = zs.clean.find_repeated_lines([a, b])
    assert lines == frozenset({"某某网 www.example.com"})
    c = zs.clean.clean_text(a, extra_lines=lines)
    assert c.text == "标题甲\n正文一句。\n正文一句。\n正文一句。\n"
    assert set(c.edits[c.edits["step"] == "boilerplate"]["rule"]) == {"repeated_line"}


def test_inline_watermark_in_a_long_paragraph_removes_only_the_mark():
    para = "这是一个很长的段落，" * 10 + "仅供学习 禁止外传"
    c = zs.clean.clean_text(para + "\n")
    assert c.text == "这是一个很长的段落，" * 10 + "\n"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("一二三、。，XX年月日%％１Ａ千部班于自已\u3000 \t\r\n貧仅供学习禁止外传QQ群：")) |
               st.characters(), max_size=200))
def test_restore_is_exact_for_arbitrary_strings(raw):
    c = zs.clean.clean_text(raw)
    assert zs.clean.restore(c.text, c.edits) == raw
    for s, e, t in zip(c.masks["start"], c.masks["end"], c.masks["text"]):
        assert c.text[s:e] == t


def test_comparable_corpus_is_not_changed(shared_corpus, shared_cleaned):
    for doc in shared_corpus:
        c = shared_cleaned[doc.doc_id]
        steps = set(c.edits["step"])
        assert "corrections" not in steps and "simplify" not in steps, doc.doc_id
        assert "boilerplate" not in steps, doc.doc_id
        assert zs.clean.restore(c.text, c.edits) == doc.raw, doc.doc_id
    assert zs.clean.find_repeated_lines([d.raw for d in shared_corpus]) == frozenset()


def test_cli_clean_writes_text_and_log(tmp_path, capsys):
    from zhspeech.cli import main

    log = tmp_path / "edits.csv"
    assert main(["clean", str(zs.paths.sample_speech()), "--log", str(log)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("在县市组织工作半年推进会上的讲话\nX月X日，")
    import pandas as pd

    table = pd.read_csv(log)
    assert len(table) == 19 and (table["step"] == "corrections").sum() == 9


# -- script detection before OpenCC --------------------------------------------------------
# Simplified sentences (our own) with characters that OpenCC t2s maps although they are
# correct simplified writing: 乾 (乾县, 乾陵, 乾坤, 乾隆), 瞭 (瞭望), 於 in a surname, 後 in a name.
SIMPLIFIED_WITH_MAPPED = (
    "陕西省乾县位于关中平原西部，乾陵是唐代帝王陵墓。\n"
    "乾隆年间编修的县志记载了当地的水利工程，如今乾坤朗朗、百业兴旺。\n"
    "瞭望塔上的护林员说，今年森林防火形势总体平稳。\n"
    "在乾县召开乾县乡村振兴工作会议。\n"
    "於姓在当地是大姓，後稷的传说在这里流传很广。\n"
)
TRADITIONAL_PASSAGE = "我們要堅持以人民為中心的發展思想，鞏固拓展脫貧攻堅成果。\n"


def test_simplified_text_gets_no_conversion_edits():
    c = zs.clean.clean_text(SIMPLIFIED_WITH_MAPPED)
    assert c.text == SIMPLIFIED_WITH_MAPPED
    assert c.edits.empty
    # the characters really are ones that t2s would change
    assert zs.clean.traditional_share(SIMPLIFIED_WITH_MAPPED) > 0


def test_traditional_passage_converts_with_its_share_logged():
    c = zs.clean.clean_text(TRADITIONAL_PASSAGE)
    assert c.text == "我们要坚持以人民为中心的发展思想，巩固拓展脱贫攻坚成果。\n"
    e = c.edits
    assert list(e["before"]) == ["們", "堅", "為", "發", "鞏", "脫貧", "堅"]
    assert list(e["start"]) == [1, 3, 8, 12, 17, 21, 24]
    # 8 of 26 汉字 change: 30.8 %
    assert set(e["rule"]) == {"opencc:t2s paragraph 30.8% traditional"}


def test_mixed_text_converts_only_the_traditional_paragraph():
    text = SIMPLIFIED_WITH_MAPPED + TRADITIONAL_PASSAGE + "一、總體要求\n"
    c = zs.clean.clean_text(text)
    assert c.text == SIMPLIFIED_WITH_MAPPED + "我们要坚持以人民为中心的发展思想，巩固拓展脱贫攻坚成果。\n一、总体要求\n"
    assert "乾县" in c.text and "瞭望" in c.text and "乾坤" in c.text
    rules = c.edits.groupby("rule").size().to_dict()
    # 一、總體要求: 2 of its 5 汉字 change, two different characters: traditional
    assert rules == {"opencc:t2s paragraph 30.8% traditional": 7, "opencc:t2s paragraph 40.0% traditional": 1}
    assert zs.clean.restore(c.text, c.edits) == text


def test_traditional_document_converts_its_short_headings_too():
    text = "一、總體要求\n" + TRADITIONAL_PASSAGE * 2 + "謝謝！\n"
    c = zs.clean.clean_text(text)
    assert c.text == "一、总体要求\n" + "我们要坚持以人民为中心的发展思想，巩固拓展脱贫攻坚成果。\n" * 2 + "谢谢！\n"
    # 謝謝 changes only one kind of character: too short to tell, so it follows the text
    # (3 paragraphs told, all traditional)
    assert c.edits.iloc[-1]["rule"] == "opencc:t2s short paragraph 100.0%, text 100.0% traditional"
    assert c.edits.iloc[-1]["before"] == "謝謝"


def test_short_traditional_line_in_simplified_text_stays():
    text = SIMPLIFIED_WITH_MAPPED + "謝謝！\n"
    assert zs.clean.clean_text(text).edits.empty


def test_traditional_share_measures():
    assert zs.clean.traditional_share("") == 0.0
    assert zs.clean.traditional_share("脱贫攻坚") == 0.0
    assert zs.clean.traditional_share("脫貧攻堅") == 0.75
