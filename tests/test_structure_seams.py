"""Seams found on speeches the parser was not written against: a closing form of address
mid-line with a comma, final remarks in a text without paragraph breaks, the items
count of an enumeration of subparts, and labels written as in the text."""
import numpy as np
import pytest

import zhspeech as zs
from zhspeech.structure import parse_structure

# A speech whose paragraph breaks are lost: two 第N个方面 parts, then a closing that
# opens 同志们， (a comma, not ！) in the middle of the line.
HEAD = "今天讲两个方面。第一个方面，抓发展。要稳住增长，确保完成全年目标任务。第二个方面，抓安全。要压实责任，决不能出事故。"


def top(text, **kw):
    sec = parse_structure(text, **kw)
    return [(r.kind, r.label, r.start, r.end) for r in sec[sec["level"] == 1].itertuples()]


def test_closing_with_a_comma_mid_line_in_a_text_without_breaks():
    text = HEAD + "同志们，希望大家振奋精神，把工作抓实。"
    assert len(HEAD) == 58
    assert top(text) == [("opening", "", 0, 8), ("part", "第一个方面", 8, 35), ("part", "第二个方面", 35, 58),
                         ("closing", "", 58, 77)]


@pytest.mark.parametrize("tail", [
    # 同志们，我们要… in the middle of the last part: what follows is work, not a closing.
    "同志们，我们要看到，任务还很重。各部门要抓紧推进，月底前报送方案。",
    # Closing words, but a numbered list follows: content, not a closing.
    "同志们，希望大家做到两点：一是抓紧，二是抓实。",
    # Closing words, but more than six sentences follow.
    "同志们，希望大家抓紧。一。二。三。四。五。六。",
])
def test_mid_line_address_with_a_comma_that_is_no_closing(tail):
    text = HEAD + tail
    assert top(text)[-1] == ("part", "第二个方面", 35, len(text))


def test_mid_speech_address_with_a_comma_stays_in_its_part():
    text = ("今天讲两个方面。第一个方面，抓发展。同志们，希望大家看到，任务很重。要稳住增长。"
            "第二个方面，抓安全。要压实责任，决不能出事故，各部门要抓紧落实，层层传导压力。同志们，让我们共同努力。")
    assert top(text) == [("opening", "", 0, 8), ("part", "第一个方面", 8, 40), ("part", "第二个方面", 40, 79),
                         ("closing", "", 79, 91)]


def test_with_paragraph_breaks_a_mid_line_comma_address_is_not_read():
    # Breaks kept: a closing opens its own paragraph; a 同志们， sentence inside the last
    # part's paragraph stays in the part.
    text = "标题\n同志们：\n开场。\n一、抓发展\n要稳增长。\n二、抓安全\n要压实责任。同志们，希望大家抓好落实。\n"
    assert top(text)[-1] == ("part", "二", 24, len(text))


def test_closing_cues_come_from_the_rules_file(tmp_path):
    path = tmp_path / "structure.yaml"
    path.write_text("salutations: [同志们]\ncount_units: [个方面]\nfinal_remarks: [强调]\n"
                    "part_units: [个方面]\n", encoding="utf-8")
    text = HEAD + "同志们，希望大家振奋精神，把工作抓实。"
    rules = zs.lexicons.load_structure_rules(path)
    assert top(text, rules=rules)[-1] == ("part", "第二个方面", 35, 77)
    path.write_text(path.read_text(encoding="utf-8") + "closing_cues: [振奋]\n", encoding="utf-8")
    rules = zs.lexicons.load_structure_rules(path)
    assert top(text, rules=rules)[-1] == ("closing", "", 58, 77)


def test_final_remarks_mid_line_in_a_text_without_breaks():
    text = HEAD + "最后，我再强调一下值班工作。要严格执行制度。同志们，希望大家抓好落实。"
    assert top(text) == [("opening", "", 0, 8), ("part", "第一个方面", 8, 35), ("part", "第二个方面", 35, 58),
                         ("body", "最后", 58, 80), ("closing", "", 80, 93)]


def test_final_remarks_paragraph_comes_before_the_closing():
    text = "标题\n同志们：\n开场。\n一、抓发展\n要稳增长。\n二、抓安全\n要压实责任。\n最后，我再强调一下值班。\n同志们，希望大家抓好落实。\n"
    assert top(text)[-3:] == [("part", "二", 24, 37), ("body", "最后", 37, 50), ("closing", "", 50, 64)]


def test_a_first_second_last_chain_keeps_its_last_item():
    # 其次 before it: this 最后 ends a 首先… chain inside the part, it is no final remark.
    text = ("今天讲两个方面。第一个方面，抓发展。要稳住增长，确保完成全年目标任务。第二个方面，抓安全。"
            "首先，要压实责任。其次，要加强检查。最后，要强调问责。")
    assert top(text)[-1] == ("part", "第二个方面", 35, len(text))


def test_items_report_the_linked_enumeration_of_subparts():
    text = ("标题\n同志们：\n开场。\n第一部分 回顾\n（一）甲。\n（二）乙。\n第二部分 任务\n要抓好三个方面工作：\n"
            "（一）丙。\n（二）丁。\n（三）戊。\n")
    sec = parse_structure(text)
    parts = sec[sec["kind"] == "part"]
    assert parts["label"].tolist() == ["第一部分", "第二部分"]
    assert parts["declared_items"].tolist()[0] != parts["declared_items"].tolist()[0]  # NaN: nothing announced
    assert parts["declared_items"].tolist()[1] == 3.0
    assert parts["items"].tolist() == [2, 3]
    assert (sec["warnings"] == "").all()


def test_numbering_warning_names_the_labels_as_written():
    text = "标题\n同志们：\n开场。\n第一部分 回顾\n内容。\n第三部分 任务\n内容。\n"
    sec = parse_structure(text)
    assert sec[sec["kind"] == "part"]["warnings"].tolist() == ["", "numbering jumps from 第一部分 to 第三部分"]


def test_a_dun_list_reports_its_counts_on_its_leaf():
    text = "标题\n同志们：\n我们要办好“三件大事”：修路、建桥、通水。各地要抓紧。\n"
    sec = parse_structure(text)
    body = sec[sec["start"] == 8].iloc[-1]
    assert (body["declared_items"], body["items"]) == (3.0, 3)
    assert np.isnan(sec[sec["kind"] == "title"]["declared_items"].iloc[0])
