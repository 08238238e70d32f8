"""zs.discourse: 提法, directive force, stated targets and attention, checked against
hand-made examples, the sample speech and (where present) the comparable corpus."""
import math

import numpy as np
import pandas as pd
import pytest

import zhspeech as zs
from zhspeech import discourse
from zhspeech.cli import main
from zhspeech.errors import LexiconError

SAMPLE = str(zs.paths.sample_speech())


def cleaned(text, doc_id="t"):
    return zs.clean.clean_text(text, doc_id=doc_id)


# -- lexicons -------------------------------------------------------------------------------

def test_bundled_lexicons_load():
    tifa = discourse.load_tifa()
    assert len(tifa.info) >= 40
    assert tifa.surface["两不愁、三保障"] == "两不愁三保障"
    assert tifa.info["一肩挑"][0] == "numbered" and tifa.info["交硬账"][0] == "phrase"
    marks = discourse.load_directives()
    assert marks.surface["不要"] == ("prohibitive", "不要")
    assert marks.surface["不得不"] == ("strong", "不得不")
    assert marks.surface["要"] == ("standard", "要") and marks.surface["鼓励"] == ("soft", "鼓励")
    assert "重要" in marks.not_markers
    rules = discourse.load_target_rules()
    assert ("左右", "about", "after") in rules.modifiers and "预期目标" in rules.announce


@pytest.mark.parametrize("loader,content,line,cause", [
    ("load_directives", "markers:\n  - {canonical: 要, level: standard}\n  - {level: strong}\n", 3,
     "markers entry 2 has no canonical form"),
    ("load_directives", "markers:\n  - {canonical: 要, level: standard}\n  - {canonical: 务必, level: urgent}\n", 3,
     "level must be one of prohibitive, strong, standard, soft, got 'urgent'"),
    ("load_directives", "markers:\n  - canonical: 要\n    level: standard\n  - canonical: ''\n    level: soft\n", 4,
     "markers entry 2 has no canonical form"),
    ("load_directives", "markers:\n  - {canonical: 要, level: standard}\n  - {canonical: 要, level: soft}\n", 3,
     "marker '要' listed twice (first at line 2)"),
    ("load_directives", "markers:\n  - {canonical: 不要, level: prohibitive, negates: 要}\n", 2,
     "negates '要', which is not a marker"),
    ("load_tifa", "formulas:\n  - {canonical: 四风, kind: numbered, gloss: x}\n  - {kind: numbered, gloss: y}\n", 3,
     "formulas entry 2 has no canonical form"),
    ("load_tifa", "formulas:\n  - {canonical: 四风, kind: numbered}\n", 2, "formula '四风' has no gloss"),
    ("load_tifa", "formulas:\n  - {canonical: 四风, kind: slogan, gloss: x}\n", 2, "kind must be numbered or phrase"),
    ("load_tifa", "formulas:\n  - {canonical: 四风, kind: numbered, gloss: x}\n\n  - {canonical: 三公, "
                  "variants: [四风], kind: numbered, gloss: y}\n", 4, "form '四风' already belongs to '四风' (line 2)"),
    ("load_tifa", "formulas:\n  - {canonical: “两委”, kind: numbered, gloss: x}\n", 2, "leave out quotation marks"),
    ("load_target_rules", "announce: [目标]\nunits: ['%']\nmodifiers:\n  - {canonical: 左右, bound: near, "
                          "position: after}\n", 4, "bound must be one of about, at_least, at_most"),
])
def test_bad_entries_name_file_and_line(tmp_path, loader, content, line, cause):
    path = tmp_path / "lex.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        getattr(discourse, loader)(path)
    assert f"lex.yaml:{line}: " in str(info.value) and cause in str(info.value)


def test_cli_bad_lexicon_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "d.yaml"
    bad.write_text("markers:\n  - {canonical: 必须, level: strong}\n  - {canonical: 可, level: maybe}\n",
                   encoding="utf-8")
    assert main(["directives", SAMPLE, "--lexicon", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("zhspeech: error: ") and "d.yaml:3: " in err[0]
    tifa = tmp_path / "t.yaml"
    tifa.write_text("formulas:\n  - {gloss: x, kind: phrase}\n", encoding="utf-8")
    assert main(["formulas", SAMPLE, "--lexicon", str(tifa)]) == 2
    assert "t.yaml:2: formulas entry 1 has no canonical form" in capsys.readouterr().err


# -- formulas -----------------------------------------------------------------------------

def test_sample_formulas_with_offsets(sample, sample_sections):
    hits = discourse.find_formulas(sample, sample_sections)
    listed = hits[hits["status"] == "listed"]

    def spans(name):
        return [(r.start, r.end, r.section_id) for r in hits[hits["formula"] == name].itertuples()]

    assert spans("一肩挑") == [(848, 851, "O.I4"), (1462, 1465, "O.I8"), (3680, 3683, "P2.I2")]
    assert all(sample.text[s:e] == "一肩挑" and sample.text[s - 1] == "“" for s, e, _ in spans("一肩挑"))
    assert spans("两委") == [(814, 816, "O.I4"), (1507, 1509, "O.I9")]
    assert spans("三件大事") == [(2016, 2020, "O.B4"), (2122, 2126, "O.B4")]
    assert spans("双报到、双评价") == [(6908, 6915, "P5.I3")]
    assert spans("交硬账") == [(2285, 2288, "O.I16")]
    assert set(listed["formula"]) >= {"两个一线", "三个一批", "十个带头", "挂牌督战", "三学一提升", "凡提必下", "两项法规"}
    cand = hits[hits["status"] == "candidate"]
    assert cand[cand["rule"] == "plus"].empty and cand[cand["formula"] == "1+10"]["rule"].tolist() == ["quoted"]
    assert {"走过场", "做样子", "回头看", "两不管、有空白"} <= set(cand["formula"])
    assert "十四五" in set(listed["formula"])  # listed since numbered_formulas.txt feeds tifa.yaml
    # No candidate is made of redaction marks (“XX”党建工程, “XX人才周”).
    assert not any("X" in f or " " in f for f in hits["formula"])
    assert not (set(cand["formula"]) & {"三项工作", "五项工作", "六个方面工作"})


def test_candidates_find_the_sample_formulas_without_a_lexicon(tmp_path, sample, sample_sections):
    lex = tmp_path / "t.yaml"
    lex.write_text("formulas:\n  - {canonical: 四风, kind: numbered, gloss: x}\n", encoding="utf-8")
    hits = discourse.find_formulas(sample, sample_sections, lexicon=discourse.load_tifa(lex))
    found = hits.groupby("formula")["start"].apply(list).to_dict()
    assert found["一肩挑"] == [848, 1462, 3680]
    assert found["两委"] == [814, 1507]
    assert found["双报到、双评价"] == [6908]
    assert found["三件大事"] == [2016, 2122]  # quoted once, then counted by the number rule
    assert hits.set_index("start").loc[2122, "rule"] == "number"


def test_formula_rules_on_own_text():
    text = "坚持“1+N”政策体系，推行1+10模式。要落实两不愁三保障，做到四个意识，抓好三项工作。“红色引擎”和“一二三”都是提法。"
    hits = discourse.find_formulas(cleaned(text))
    rows = [(r.formula, r.status, r.rule, r.start, r.end) for r in hits.itertuples()]
    assert rows == [
        ("1+N", "listed", "lexicon", 3, 6),
        ("1+10", "candidate", "plus", 14, 18),
        ("两不愁三保障", "listed", "lexicon", 24, 30),
        ("四个意识", "listed", "lexicon", 33, 37),
        ("红色引擎", "candidate", "quoted", 46, 50),
        ("一二三", "candidate", "quoted", 53, 56),
    ]
    counts = discourse.count_formulas(hits)
    assert counts["n"].tolist() == [1] * 6


def test_counts_of_things_are_not_formula_candidates():
    # Own text: counts of places, people and monitoring sites (once or twice) are not
    # names; a name shows itself by quotation marks, recurrence, a colon or two counts.
    text = ("刚才，三个县区和六个乡镇的负责同志作了发言，十位同志提了很好的建议。今年要办好“五件实事”，办好五件实事，"
            "是对群众的承诺。全市要抓好两张清单：一张是责任清单，一张是负面清单。坚持两不减三提升，落实三会一课制度，"
            "开展主题党日活动，落实一岗双责。三个国控断面水质全部达标，三个国控断面水质全部达标。"
            "学习贯彻二十大精神，学习贯彻二十大精神。")
    hits = discourse.find_formulas(cleaned(text))
    rows = [(r.formula, r.matched, r.status, r.rule, r.start, r.end) for r in hits.itertuples()]
    assert rows == [
        ("五件实事", "五件实事", "candidate", "quoted", 40, 44),
        ("五件实事", "五件实事", "candidate", "number", 48, 52),
        ("两张清单", "两张清单", "candidate", "number", 66, 70),
        ("两不减三提升", "两不减三提升", "candidate", "number", 89, 95),
        ("三会一课", "三会一课", "listed", "lexicon", 98, 102),
        ("主题党日", "主题党日活动", "listed", "lexicon", 107, 113),
        ("一岗双责", "一岗双责", "listed", "lexicon", 116, 120),
    ]
    # Said once and unquoted, a count with a term that is no count noun stays out too.
    assert discourse.find_formulas(cleaned("全市建成八条绿道。")).empty


def test_count_nouns_and_stop_words_come_from_the_lexicon(tmp_path):
    lex = tmp_path / "t.yaml"
    lex.write_text("count_nouns: [绿道]\nformulas:\n  - {canonical: 四风, kind: numbered, gloss: x}\n",
                   encoding="utf-8")
    text = "建成八条绿道，连通八条绿道。"
    assert discourse.find_formulas(cleaned(text), lexicon=discourse.load_tifa(lex)).empty
    assert discourse.find_formulas(cleaned(text))["start"].tolist() == [2, 9]  # recurring: a name
    lex.write_text("formulas:\n  - {canonical: 四风, kind: numbered, gloss: x}\ncount_nouns: [绿道, [x]]\n",
                   encoding="utf-8")
    with pytest.raises(LexiconError, match=r"t.yaml:3: 'count_nouns' must be a list of non-empty strings"):
        discourse.load_tifa(lex)


def test_every_numbered_formula_of_the_structure_list_is_in_tifa():
    tifa = discourse.load_tifa()
    formulas = zs.lexicons.load_structure_rules()["formulas"]
    assert len(formulas) >= 38  # 38 lines when this test was written
    assert sorted(f for f in formulas if f not in tifa.surface) == []
    for name in ("三会一课", "主题党日", "两学一做", "四个合格", "一岗双责", "三农", "十四五", "两个确保"):
        assert tifa.info[tifa.surface[name]][0] in ("numbered", "phrase") and tifa.info[tifa.surface[name]][1]


# -- directive force ------------------------------------------------------------------------

# Sentences written for this test, each labelled by hand before the lexicon was run.
HAND_LABELLED = [
    ("各单位必须在月底前报送名单。", "strong", "必须"),
    ("务必把安全责任压实到每一个岗位。", "strong", "务必"),
    ("坚决守住不发生规模性返贫的底线。", "strong", "坚决"),
    ("确保明年春耕物资供应充足。", "strong", "确保"),
    ("今后三年一定要把老旧小区改造完。", "strong", "一定要"),
    ("严禁借检查之名向基层摊派费用。", "prohibitive", "严禁"),
    ("任何单位不得擅自提高收费标准。", "prohibitive", "不得"),
    ("不要把会议开成表态会。", "prohibitive", "不要"),
    ("决不允许在扶贫资金上动手脚。", "prohibitive", "不允许"),
    ("干部不能把群众的事当作小事。", "prohibitive", "不能"),
    ("禁止在水源地周边新建养殖场。", "prohibitive", "禁止"),
    ("杜绝数字造假。", "prohibitive", "杜绝"),
    ("各地要结合实际制定实施方案。", "standard", "要"),
    ("着力提升县城的公共服务水平。", "standard", "着力"),
    ("推进农村厕所改造。", "standard", "推进"),
    ("加强对新任干部的培训。", "standard", "加强"),
    ("乡镇应当公开财务收支情况。", "standard", "应"),
    ("鼓励高校毕业生到基层工作。", "soft", "鼓励"),
    ("支持有条件的地方先行先试。", "soft", "支持"),
    ("探索建立跨区域的人才共享机制。", "soft", "探索"),
    ("符合条件的企业可以申请贴息贷款。", "soft", "可以"),
    ("力争年底前完成全部登记工作。", "soft", "力争"),
    ("这次会议开得很成功。", "none", ""),
    ("去年全县粮食产量创历史新高。", "none", ""),
    ("这是一项重要的工作。", "none", ""),
    ("主要问题是投入不足。", "none", ""),
    ("我们需要更多的时间。", "none", ""),
    ("这个方案可能还有漏洞。", "none", ""),
    ("他们及时回应了群众关切。", "none", ""),
    ("全市应急物资储备充足。", "none", ""),
    ("必须严格执行考勤制度，不得迟到早退。", "prohibitive", "不得"),
    ("要抓紧研究，必要时可以请专家论证。", "standard", "要"),
    ("我们不得不承认差距依然存在。", "strong", "不得不"),
    ("不能不看到困难的一面。", "strong", "不能不"),
    ("各地可结合本地情况适当调整。", "soft", "可"),
    ("原则上不再新设议事协调机构。", "soft", "原则上"),
    ("逐步提高农村低保标准。", "soft", "逐步"),
    ("要加强学习，也要注意休息。", "standard", "要"),
    ("不应把考核结果简单排名。", "prohibitive", "不应"),
    ("倡导节约用餐的好风气。", "soft", "倡导"),
    ("一定要把纪律挺在前面，决不能搞特殊化。", "prohibitive", "决不能"),
    ("对群众反映的问题要尽快答复。", "standard", "要"),
    ("只要方向对了，就不怕路远。", "none", ""),
    ("这项技术已经广泛应用于农业生产。", "none", ""),
    ("各单位要严格落实值班制度。", "strong", "严格"),
    ("适时启动第二批试点。", "soft", "适时"),
    ("不可在林区使用明火。", "prohibitive", "不可"),
    ("允许村集体经济组织依法流转土地。", "soft", "允许"),
    # markers spelt across words, in either-or questions and in names give no instruction
    ("人才问题解决不好，发展就没有后劲。", "none", ""),
    ("机会摆在面前，能不能抓住，关键在人。", "none", ""),
    ("在全县推进会上的讲话", "none", ""),
    ("要不要改，群众说了算。", "none", ""),
]


def test_hand_labelled_sentences_agree_on_every_label():
    assert len(HAND_LABELLED) >= 40
    text = "\n".join(s for s, _, _ in HAND_LABELLED) + "\n"
    force = discourse.directive_force(cleaned(text))
    assert len(force) == len(HAND_LABELLED)
    got = list(zip(force["level"], force["marker"]))
    assert got == [(lvl, m) for _, lvl, m in HAND_LABELLED]
    # Offsets point at the marker in the text.
    for r in force[force["level"] != "none"].itertuples():
        surface = text[r.marker_start:r.marker_end]
        assert surface == r.marker or discourse.load_directives().surface[surface][1] == r.marker


def test_strongest_marker_and_its_offset():
    c = cleaned("要加强学习，必须按时到岗，鼓励参加培训。\n")
    row = discourse.directive_force(c).iloc[0]
    assert (row["level"], row["marker"], row["marker_start"], row["marker_end"], row["markers"]) == \
        ("strong", "必须", 6, 8, 4)


def test_sample_directive_profile_per_part(sample, sample_sections):
    force = discourse.directive_force(sample, sample_sections)
    assert len(force) == 158
    # the title (…推进会上的讲话) names a meeting: no instruction
    assert force["level"].value_counts().to_dict() == {"standard": 104, "none": 29, "strong": 16,
                                                       "prohibitive": 6, "soft": 3}
    shares = discourse.directive_shares(force, sample_sections, by="section")
    p2 = shares[shares["section_id"] == "P2"].set_index("level")
    assert p2["sentences"].to_dict() == {"prohibitive": 2, "strong": 3, "standard": 17, "soft": 0, "none": 2}
    assert p2.loc["standard", "share"] == pytest.approx(17 / 24)
    assert p2["heading"].iloc[0] == "强力推进抓党建促决战决胜脱贫攻坚"
    doc = discourse.directive_shares(force, by="doc")
    assert doc["share"].sum() == pytest.approx(1.0)
    assert dict(zip(doc["level"], doc["sentences"]))["strong"] == 16


# Our own sentences, each labelled by hand: does it report past work (True) or instruct?
REVIEW_LABELLED = [
    ("一年来，我们推进了农村人居环境整治。", True),         # cue before the marker
    ("过去五年，全县新建学校十二所。", True),               # cue, no marker
    ("我们加强了村级组织建设。", True),                     # first marker followed by 了
    ("今年以来，各乡镇克服困难，完成了全年任务。", True),
    ("党的十八大以来，脱贫攻坚取得了决定性成就。", True),
    ("要表彰近年来涌现的优秀村干部。", False),              # the cue sits inside the instruction
    ("要认真总结已经取得的经验。", False),
    ("必须确保今年全面完成任务。", False),
    ("各地要加强基层治理。", False),
    ("这真是不得了的大事。", False),                        # 不得了 is no ban
]


def test_review_sentences_agree_with_the_hand_labels():
    text = "\n".join(s for s, _ in REVIEW_LABELLED) + "\n"
    force = discourse.directive_force(cleaned(text))
    assert list(force["review"]) == [r for _, r in REVIEW_LABELLED]
    assert list(force["level"])[-1] == "none"


def test_a_review_part_leaves_the_shares_and_keeps_its_rows():
    text = ("一、过去一年工作回顾\n过去一年，我们坚决打赢了脱贫攻坚战。各地要加强基层治理。\n"
            "二、今年的主要任务\n要推进乡村振兴。我们加强了队伍建设。必须确保粮食安全。"
            "这真是不得了的事。党的十八大以来，我们推进改革。\n")
    c = cleaned(text)
    sections = zs.structure.parse_structure(c.text, "t")
    force = discourse.directive_force(c, sections)
    # every sentence of part 一 (its heading says 回顾); in part 二 加强了 and 以来 before 推进
    assert force["review"].tolist() == [True, True, True, False, False, True, False, False, True]
    shares = discourse.directive_shares(force, sections, by="section")
    p1 = shares[shares["section_id"] == "P1"]
    assert p1["sentences"].tolist() == [0, 0, 0, 0, 0] and p1["share"].isna().all()
    p2 = shares[shares["section_id"] == "P2"].set_index("level")
    assert p2["sentences"].to_dict() == {"prohibitive": 0, "strong": 1, "standard": 1, "soft": 0, "none": 2}
    assert p2.loc["strong", "share"] == 0.25
    everything = discourse.directive_shares(force, by="doc", review="include").set_index("level")
    assert everything["sentences"].to_dict() == {"prohibitive": 0, "strong": 2, "standard": 4, "soft": 0,
                                                 "none": 3}
    past = discourse.directive_shares(force, by="doc", review="only").set_index("level")
    assert past["sentences"].sum() == 5 and past.loc["standard", "share"] == 3 / 5
    with pytest.raises(ValueError):
        discourse.directive_shares(force, review="past")


def test_cli_sentences_list_every_sentence_unless_review_is_given(tmp_path, capsys):
    speech = tmp_path / "part-review.txt"
    speech.write_text("一、过去一年工作回顾\n过去一年，我们坚决打赢了脱贫攻坚战。各地要加强基层治理。\n"
                      "二、今年的主要任务\n要推进乡村振兴。我们加强了队伍建设。必须确保粮食安全。\n",
                      encoding="utf-8")

    def rows(*extra):
        assert main(["directives", str(speech), "--sentences", "--format", "csv", *extra]) == 0
        return pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))

    every = rows()
    # sentence 0 is part 一's heading, 3 part 二's; 加强了 reports past work
    assert every["review"].tolist() == [True, True, True, False, False, True, False]
    assert rows("--review", "include")["review"].tolist() == every["review"].tolist()
    assert rows("--review", "exclude")["sentence"].tolist() == [3, 4, 6]
    assert rows("--review", "only")["sentence"].tolist() == [0, 1, 2, 5]
    # the shares leave review sentences out by default: the heading, 要推进 standard, 必须 strong
    assert main(["directives", str(speech), "--format", "csv"]) == 0
    shares = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out)).set_index("level")
    assert shares["sentences"].to_dict() == {"prohibitive": 0, "strong": 1, "standard": 1, "soft": 0, "none": 1}


def test_review_lists_are_validated(tmp_path):
    bad = tmp_path / "d.yaml"
    bad.write_text("version: x\nmarkers:\n  - {canonical: 要, level: standard}\nreview_cues:\n  - ''\n",
                   encoding="utf-8")
    with pytest.raises(LexiconError, match="d.yaml:5"):
        discourse.load_directives(bad)

# -- targets ------------------------------------------------------------------------------

def test_a_past_figure_is_no_target_unless_asked():
    text = ("今年以来，全县生产总值增长6%左右。\n"          # 今年 looks forward, 以来 looks back
            "我们完成了植树造林3万亩以上。\n"
            "今年要实现生产总值增长6.5%左右。\n")
    found = discourse.targets(cleaned(text))
    assert found[["scope", "indicator", "low", "unit", "modifier"]].values.tolist() == \
        [["other", "生产总值增长", 6.5, "%", "左右"]]
    assert found["start"].tolist() == [text.index("今年要")]
    everything = discourse.targets(cleaned(text), review=False)
    assert everything["low"].tolist() == [6.0, 6.5]       # the second has no forward word at all


@pytest.mark.parametrize("numeral,value", [
    ("一千一百", 1100), ("十一万", 110000), ("三亿五千万", 350000000), ("两千", 2000), ("二〇二〇", 2020),
    ("十", 10), ("二十五", 25), ("一百零八", 108), ("一些", None),
])
def test_chinese_numerals(numeral, value):
    assert discourse.cn_value(numeral) == value


OWN_PLAN = ("关于明年工作的安排\n"
            "今年的主要预期目标是：全县地区生产总值增长7%至7.5%，城镇新增就业一千一百万人以上，农村居民人均可支配收入增长8%左右。\n"
            "明年要把空气优良天数比例提高到XX%以上，新建农村公路不少于300公里。\n"
            "全年城镇新增就业1000万人，增速比去年提高2个百分点。\n"
            "经过研究，我们没有提出全年经济增速的具体目标。\n")


def test_targets_of_own_plan():
    c = cleaned(OWN_PLAN)
    t = discourse.targets(c)
    rows = [(r.scope, r.indicator, r.low, r.high, r.unit, r.modifier, r.bound, r.direction, r.mask)
            for r in t.itertuples()]
    nan = rows[3][2]
    assert math.isnan(nan) and math.isnan(rows[3][3])
    rows[3] = rows[3][:2] + (None, None) + rows[3][4:]
    assert rows == [
        ("main", "全县地区生产总值增长", 7.0, 7.5, "%", "range", "range", "up", ""),
        ("main", "城镇新增就业", 1100.0, 1100.0, "万人", "以上", "at_least", "", ""),
        ("main", "农村居民人均可支配收入增长", 8.0, 8.0, "%", "左右", "about", "up", ""),
        ("other", "空气优良天数比例", None, None, "%", "以上", "at_least", "", "XX%"),
        ("other", "新建农村公路", 300.0, 300.0, "公里", "不少于", "at_least", "", ""),
    ]
    assert c.text[t["value_start"][1]:t["value_start"][1] + 6] == "一千一百万人"
    assert (t["start"][0], t["end"][0]) == (10, 72)
    assert c.text[t["start"][3]:t["end"][3]].startswith("明年要把")


ENV_PLAN = ("今年生态环境工作的主要预期目标是：森林覆盖率达到百分之四十五以上，城乡居民医保参保率稳定在百分之九十五左右，"
            "农村自来水普及率保持百分之百，细颗粒物平均浓度控制在38微克/立方米以内，二氧化硫年均浓度每立方米十二微克以下。"
            "围绕上述目标，重点抓好以下六个方面工作，落实3项任务。\n"
            "明年力争全市居民人均可支配收入增长百分之五点五至百分之六，城镇新增就业不少于二点五万人。\n"
            "去年全市森林覆盖率为百分之四十三点二，完成了五个方面的工作。\n")


def test_commitment_and_aim_words_leave_the_indicator():
    text = ("今年要确保每个村至少有2名后备干部。力争全年粮食产量达到1.3万亿斤以上。"
            "必须确保城镇新增就业1100万人以上。争取培训基层干部5000人次以上。\n")
    t = discourse.targets(cleaned(text))
    assert t["indicator"].tolist() == ["每个村有", "粮食产量", "城镇新增就业", "培训基层干部"]
    assert t["aim"].fillna("").tolist() == ["", "力争", "", "争取"]
    assert t["low"].tolist() == [2.0, 1.3, 1100.0, 5000.0]
    assert t["unit"].tolist() == ["名", "万亿斤", "万人", "人次"]
    assert t["bound"].tolist() == ["at_least"] * 4


def test_time_limits_are_targets_with_their_unit():
    text = ("会议开了3天。今年要把企业开办时间压缩到3天以内。力争审批时间压缩到5个工作日以内。"
            "工程建设项目审批时间压缩至120个工作日以内。\n")
    t = discourse.targets(cleaned(text))
    # 会议开了3天 reports, and the last sentence has no forward-looking word: neither is a target
    assert t["indicator"].tolist() == ["企业开办时间", "审批时间"]
    assert t["unit"].tolist() == ["天", "个工作日"] and t["low"].tolist() == [3.0, 5.0]
    assert t["bound"].tolist() == ["at_most", "at_most"] and t["aim"].fillna("").tolist() == ["", "力争"]


def test_targets_read_percent_words_compound_units_and_skip_task_counts():
    c = cleaned(ENV_PLAN)
    t = discourse.targets(c)
    rows = [(r.scope, r.indicator, r.low, r.high, r.unit, r.modifier, r.bound, r.aim, r.value_start)
            for r in t.itertuples()]
    assert rows == [
        ("main", "森林覆盖率", 45.0, 45.0, "%", "以上", "at_least", "", 24),
        ("main", "城乡居民医保参保率", 95.0, 95.0, "%", "左右", "about", "", 45),
        ("main", "农村自来水普及率", 100.0, 100.0, "%", "", "exact", "", 64),
        ("main", "细颗粒物平均浓度", 38.0, 38.0, "微克/立方米", "以内", "at_most", "", 80),
        ("main", "二氧化硫年均浓度", 12.0, 12.0, "微克/立方米", "以下", "at_most", "", 99),
        ("other", "全市居民人均可支配收入增长", 5.5, 6.0, "%", "range", "range", "力争", 155),
        ("other", "城镇新增就业", 2.5, 2.5, "万人", "不少于", "at_least", "", 176),
    ]
    assert c.text[64:68] == "百分之百" and c.text[99:108] == "每立方米十二微克以"
    # Counts of tasks (六个方面工作, 3项任务) are not targets, in the announced list or not.
    assert not t["indicator"].str.contains("以下|落实|工作").any()
    assert discourse.format_target(t.iloc[3]) == "≤38微克/立方米"
    # A count that goes on into another noun (10个重点项目) is a count of things, kept.
    t = discourse.targets(cleaned("今年的主要目标是：新开工10个重点项目，抓好4个方面的工作。"))
    assert [(r.indicator, r.low, r.unit) for r in t.itertuples()] == [("新开工", 10.0, "个")]


@pytest.mark.parametrize("numeral, value, mag", [
    ("五点五", 5.5, ""), ("八十四点七", 84.7, ""), ("零点三", 0.3, ""), ("二点五万", 2.5, "万"), ("十二点零五", 12.05, ""),
])
def test_chinese_decimals(numeral, value, mag):
    assert discourse._number(numeral) == (value, mag)


def test_a_number_inside_a_listed_formula_is_no_target():
    t = discourse.targets(cleaned("今年的主要目标是：坚持“四个全面”，新建五所学校，三公里内设一个站点。"))
    assert [(r.indicator, r.low, r.unit) for r in t.itertuples()] == [
        ("新建", 5.0, "所"), ("新建", 3.0, "公里"), ("内设", 1.0, "个")]  # 三公里 is a distance, not 三公


def test_masked_numbers_are_never_values(sample, sample_sections):
    t = discourse.targets(sample, sample_sections)
    assert len(t) == 1
    row = t.iloc[0]
    assert (row["mask"], row["unit"], row["modifier"], row["section_id"]) == ("XX%", "%", "左右", "P5.I1")
    assert np.isnan(row["low"]) and np.isnan(row["high"])
    assert sample.text[row["value_start"]:row["value_start"] + 5] == "XX%左右"
    assert t["low"].isna().all()


def _rows(t):
    return [(r.scope, r.indicator, r.low, r.high, r.unit, r.modifier, r.direction) for r in t.itertuples()]


@pytest.fixture(scope="module")
def gwr(shared_cleaned):
    def get(doc_id):
        c = shared_cleaned[doc_id]
        return c, discourse.targets(c, zs.structure.parse_structure(c.text, doc_id))
    return get


def test_gwr_2019_every_target(gwr):
    c, t = gwr("gwr-2019")
    assert _rows(t) == [
        ("main", "国内生产总值增长", 6.0, 6.5, "%", "range", "up"),
        ("main", "城镇新增就业", 1100.0, 1100.0, "万人", "以上", ""),
        ("main", "城镇调查失业率", 5.5, 5.5, "%", "左右", ""),
        ("main", "城镇登记失业率", 4.5, 4.5, "%", "以内", ""),
        ("main", "居民消费价格涨幅", 3.0, 3.0, "%", "左右", "up"),
        ("main", "农村贫困人口减少", 1000.0, 1000.0, "万", "以上", "down"),
        ("main", "单位国内生产总值能耗下降", 3.0, 3.0, "%", "左右", "down"),
        ("other", "财政支出", 23.0, 23.0, "万亿元", "超过", ""),
        ("other", "一般性支出压减", 5.0, 5.0, "%", "以上", "down"),
        ("other", "“三公”经费再压减", 3.0, 3.0, "%", "左右", "down"),
        ("other", "国有大型商业银行小微企业贷款要增长", 30.0, 30.0, "%", "以上", "up"),
        ("other", "移动网络流量平均资费再降低", 20.0, 20.0, "%", "以上", "down"),
        ("other", "国家财政性教育经费占国内生产总值比例", 4.0, 4.0, "%", "以上", ""),
        ("other", "中央财政教育支出安排", 1.0, 1.0, "万亿元", "超过", ""),
    ]
    main_rows = t[t["scope"] == "main"]
    assert main_rows["bound"].tolist() == ["range", "at_least", "about", "at_most", "about", "at_least", "about"]
    assert main_rows["start"].nunique() == 1 and main_rows["section_id"].iloc[0] == "P2.B1"
    assert c.text[main_rows["value_start"].iloc[0]:main_rows["value_start"].iloc[0] + 8] == "6%-6.5%；"[:8]


def test_gwr_2024_every_target(gwr):
    _, t = gwr("gwr-2024")
    assert _rows(t) == [
        ("main", "国内生产总值增长", 5.0, 5.0, "%", "左右", "up"),
        ("main", "城镇新增就业", 1200.0, 1200.0, "万人", "以上", ""),
        ("main", "城镇调查失业率", 5.5, 5.5, "%", "左右", ""),
        ("main", "居民消费价格涨幅", 3.0, 3.0, "%", "左右", "up"),
        ("main", "粮食产量", 1.3, 1.3, "万亿斤", "以上", ""),
        ("main", "单位国内生产总值能耗降低", 2.5, 2.5, "%", "左右", "down"),
        ("main", "经济增长预期目标", 5.0, 5.0, "%", "左右", ""),
    ]


def test_gwr_2020_has_no_growth_target_invented(gwr):
    _, t = gwr("gwr-2020")
    main_rows = t[t["scope"] == "main"]
    assert not main_rows["indicator"].str.contains("生产总值|经济增长|经济增速").any()
    assert _rows(main_rows) == [
        ("main", "城镇新增就业", 900.0, 900.0, "万人", "以上", ""),
        ("main", "城镇调查失业率", 6.0, 6.0, "%", "左右", ""),
        ("main", "城镇登记失业率", 5.5, 5.5, "%", "左右", ""),
        ("main", "居民消费价格涨幅", 3.5, 3.5, "%", "左右", "up"),
    ]


# -- attention ----------------------------------------------------------------------------

def test_mann_kendall_by_hand():
    s, z, p, tau = discourse.mann_kendall([1.0, 2.0, 3.0, 4.0])
    # S = 6, Var = 4·3·13/18 = 26/3, z = (6 − 1)/√(26/3)
    assert s == 6 and tau == 1.0
    assert z == pytest.approx(5 / math.sqrt(26 / 3))
    assert p == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert discourse.theil_sen([2000, 2001, 2003], [1.0, 3.0, 4.0]) == pytest.approx(1.0)


def test_attention_on_hand_made_tables():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "year": [2001, 2002, 2003, 2004],
                         "tokens": [10_000, 10_000, 20_000, 10_000]})
    terms = pd.DataFrame({"doc_id": ["a", "b", "c", "d", "a", "b", "c", "c", "d", "d"],
                          "term": ["旧词", "旧词", "旧词", "旧词", "常词", "常词", "常词", "新词", "新词", "常词"],
                          "n": [40, 30, 20, 5, 10, 10, 20, 6, 9, 10]})
    tables = type("T", (), {"documents": docs, "terms": terms})()
    att = discourse.attention(tables, by="year", min_n=5)
    spans = att.spans.set_index("term")
    assert spans.loc["新词", ["first_year", "last_year", "years", "n"]].tolist() == [2003, 2004, 2, 15]
    assert bool(spans.loc["新词", "new"]) and not bool(spans.loc["旧词", "new"])
    rate = att.per_year.set_index(["term", "year"])["per_10k"]
    assert rate[("旧词", 2003)] == pytest.approx(10.0) and rate[("新词", 2004)] == pytest.approx(9.0)
    trend = att.trend.set_index("term")
    assert trend.loc["旧词", "s"] == -6 and trend.loc["常词", "s"] == 0
    assert trend.loc["旧词", "slope"] == pytest.approx(-(12.5 + 35 / 3) / 2)  # median of six pairwise slopes
    key = att.keyness[att.keyness["year"] == 2003].set_index("term")
    assert key.loc["新词", "n_target"] == 6 and key.loc["新词", "n_reference"] == 0
    with pytest.raises(ValueError):
        discourse.attention(tables, by="doc")


def test_attention_on_the_reference_reports():
    ref = zs.reference.load_reference()
    gwr = ref.documents[(ref.documents["genre"] == "government_work_report")
                        & (ref.documents["level"] == "central")]["doc_id"]
    att = discourse.attention(ref, doc_ids=gwr)
    assert sorted(att.per_year["year"].unique()) == [2015, 2016, 2017, 2018, 2019, 2020, 2022, 2023, 2024, 2025]
    spans = att.spans.set_index("term")
    assert spans.loc["高质量发展", ["first_year", "last_year", "n"]].tolist() == [2018, 2025, 66]
    assert bool(spans.loc["高质量发展", "new"]) and not bool(spans.loc["高质量发展", "gone"])
    assert spans.loc["疫情防控", ["first_year", "last_year"]].tolist() == [2020, 2024]
    assert bool(spans.loc["疫情防控", "gone"])
    trend = att.trend.set_index("term")
    assert trend.loc["科技创新", "direction"] == "rising" and trend.loc["和谐", "direction"] == "falling"
    assert trend.loc["科技创新", "s"] == 35
    assert "化" not in spans.index  # lone characters are left out (min_chars=2)
    generic = zs.lexicons.load_stopwords(zs.paths.lexicon("stopwords_generic.txt"))
    trimmed = discourse.attention(ref, doc_ids=gwr, exclude=generic)
    assert "推进" in att.trend["term"].values and "推进" not in trimmed.trend["term"].values
    assert set(att.keyness["year"]) == {2016, 2017, 2018, 2019, 2020, 2022, 2023, 2024, 2025}


# -- reference and command line ------------------------------------------------------------

def test_reference_has_discourse_tables():
    ref = zs.reference.load_reference()
    t = ref.targets
    g = t[(t["doc_id"] == "gwr-2019") & (t["scope"] == "main")]
    assert g["indicator"].tolist()[:2] == ["国内生产总值增长", "城镇新增就业"]
    assert (g["low"].iloc[0], g["high"].iloc[0]) == (6.0, 6.5)
    assert not ((t["doc_id"] == "gwr-2020") & t["indicator"].str.contains("生产总值")).any()
    assert set(ref.directives["level"]) == {"prohibitive", "strong", "standard", "soft", "none"}
    assert set(ref.formulas["status"]) == {"listed", "candidate"}
    assert (ref.formulas["formula"].str.len() <= 13).all() and (t["indicator"].str.len() <= 13).all()


def test_cli_formulas_targets_directives(capsys):
    assert main(["formulas", SAMPLE, "--format", "json", "--listed-only"]) == 0
    import json
    rows = json.loads(capsys.readouterr().out)["rows"]
    counts = {r["formula"]: r["n"] for r in rows}
    assert counts["一肩挑"] == 3 and counts["两委"] == 2 and counts["三件大事"] == 2
    assert all(r["status"] == "listed" for r in rows)
    assert main(["formulas", SAMPLE, "--by", "section", "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert table[(table["formula"] == "一肩挑")][["section_id", "n"]].values.tolist() == [["O", 2], ["P2", 1]]
    assert main(["targets", SAMPLE, "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert table["mask"].tolist() == ["XX%"] and table["low"].isna().all()
    assert main(["directives", SAMPLE, "--by", "section", "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out), keep_default_na=False)
    p1 = table[table["section_id"] == "P1"].set_index("level")["sentences"].to_dict()
    assert sum(p1.values()) == 11


def test_target_series_keeps_the_year_without_a_growth_target():
    ref = zs.reference.load_reference()
    docs = ref.documents[(ref.documents["genre"] == "government_work_report") & (ref.documents["level"] == "central")]
    series = discourse.target_series(ref.targets, docs, "生产总值增长")
    assert series["year"].tolist() == [2015, 2016, 2017, 2018, 2019, 2020, 2022, 2023, 2024, 2025]
    assert series["stated"].tolist() == [True] * 5 + [False] + [True] * 4
    assert series.set_index("year").loc[2019, ["low", "high", "modifier"]].tolist() == [6.0, 6.5, "range"]
    assert series.set_index("year").loc[2016, ["low", "high"]].tolist() == [6.5, 7.0]
    assert np.isnan(series.set_index("year").loc[2020, "low"])
    import matplotlib
    matplotlib.use("Agg")
    ax = zs.plot.plot_target_series(series)
    labels = [t.get_text() for t in ax.texts]
    assert labels.count("未设目标") == 1 and labels.count("无报告") == 1 and "6–6.5" in labels


@pytest.mark.parametrize("row,text", [
    ({"mask": "", "low": 6.0, "high": 6.5, "unit": "%", "bound": "range"}, "6–6.5%"),
    ({"mask": "", "low": 1100.0, "high": 1100.0, "unit": "万人", "bound": "at_least"}, "≥1100万人"),
    ({"mask": "", "low": 5.5, "high": 5.5, "unit": "%", "bound": "about"}, "≈5.5%"),
    ({"mask": "XX%", "low": np.nan, "high": np.nan, "unit": "%", "bound": "about"}, "≈XX%"),
])
def test_format_target(row, text):
    assert discourse.format_target(row) == text
