"""The reviewed rule files of data/lexicons/ and their validation."""
import pytest

import zhspeech as zs
from zhspeech import lexicons
from zhspeech.errors import LexiconError


def test_userdict_has_hundreds_of_terms_and_only_reviewed_compounds_contain_others():
    words = lexicons.load_userdict().words
    assert len(words) >= 300
    for term in ("脱贫攻坚", "基层治理", "乡村振兴", "一肩挑", "两委", "易地扶贫搬迁", "职务与职级并行",
                 "党建引领", "软弱涣散", "个体工商户", "农村集体经济组织"):
        assert term in words
    inside = sorted((a, b) for a in words for b in words if a != b and a in b)
    assert inside == [("村集体经济", "农村集体经济组织"), ("村集体经济", "村集体经济组织"),
                      ("村集体经济组织", "农村集体经济组织"), ("集体经济组织", "农村集体经济组织"),
                      ("集体经济组织", "村集体经济组织")]


def test_overlapping_terms_are_listed_with_their_cover():
    pairs = lexicons.overlapping_terms(["村集体经济", "集体经济组织", "村集体经济组织", "领导干部", "干部队伍",
                                        "脱贫攻坚"])
    assert pairs == [("村集体经济", "集体经济组织", "村集体经济组织", "村集体经济组织"),
                     ("领导干部", "干部队伍", "领导干部队伍", "")]


def test_stopwords_are_function_words_not_content():
    stop = lexicons.load_stopwords()
    assert {"的", "了", "和", "我们", "进行"} <= stop
    assert not stop & {"脱贫攻坚", "人才", "干部", "治理", "工作"}
    generic = lexicons.load_stopwords(zs.paths.lexicon("stopwords_generic.txt"))
    assert {"加强", "推进", "工作"} <= generic


def test_corrections_table_is_valid_and_guarded():
    rows = lexicons.load_corrections()
    assert len(rows) >= 15
    assert all(r.note for r in rows), "every correction explains itself"
    by_wrong = {r.wrong: r for r in rows}
    assert by_wrong["班于"].pattern() == "(?<=领导)班于"


@pytest.mark.parametrize("content,where,cause", [
    ("wrong\tright\tcontext\tnote\n千部\t\t\tx\n", ":2", "empty wrong or right form"),
    ("千部\t干部\t\tx\n千部\t干部\t\ty\n", ":2", "duplicate rule for '千部' (first on line 1)"),
    ("千部\t干部\t领导班子\tx\n", ":1", "must contain the wrong form"),
    ("千部\t干部\t(?<=领导@\tx\n", ":1", "bad context pattern"),
    ("千部\n", ":1", "expected wrong<TAB>right"),
    ("千部\t千部\n", ":1", "the same"),
])
def test_bad_correction_rows_name_the_line(tmp_path, content, where, cause):
    path = tmp_path / "c.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        lexicons.load_corrections(path)
    assert f"c.tsv{where}: " in str(info.value) and cause in str(info.value)


def test_literal_context_and_crlf_bom(tmp_path):
    path = tmp_path / "c.tsv"
    path.write_bytes("\ufeff班于\t班子\t领导班于\tOCR\r\n".encode("utf-8"))
    rows = lexicons.load_corrections(path)
    assert zs.clean.correct_typos("领导班于和航班于", rows=rows)[0] == "领导班子和航班于"


@pytest.mark.parametrize("content,cause", [
    ("line_rules:\n  - {name: a}\n", "needs 'name' and 'pattern'"),
    ("line_rules:\n  - {name: a, pattern: '('}\n", "bad pattern"),
    ("line_rules:\n  - {name: a, pattern: x, where: top}\n", "'where' must be head or anywhere"),
    ("rules: []\n", "expected a mapping with a 'line_rules' list"),
])
def test_bad_boilerplate_rules(tmp_path, content, cause):
    path = tmp_path / "b.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=cause.replace("(", r"\(")):
        lexicons.load_boilerplate(path)


def test_user_files_replace_the_bundled_ones(tmp_path):
    rules = tmp_path / "b.yaml"
    rules.write_text("head_window: 3\nline_rules:\n  - {name: stamp, pattern: '内部资料'}\n", encoding="utf-8")
    red = tmp_path / "r.yaml"
    red.write_text("patterns:\n  - {kind: name, pattern: '某某'}\n", encoding="utf-8")
    c = zs.clean.clean_text("内部资料\n某某同志讲话。\n", boilerplate=lexicons.load_boilerplate(rules),
                            redactions=lexicons.load_redactions(red))
    assert c.text == "某某同志讲话。\n"
    assert c.masks[["start", "end", "kind"]].values.tolist() == [[0, 2, "name"]]


def test_structure_words_are_data(tmp_path):
    rules = tmp_path / "s.yaml"
    rules.write_text("salutations: [各位老师]\ncount_units: [项]\nfinal_remarks: [要求]\n", encoding="utf-8")
    text = "开学讲话\n各位老师：\n开场白。\n一、第一件事\n内容。\n二、第二件事\n内容。\n各位老师，谢谢大家。\n"
    sec = zs.structure.parse_structure(text, rules=lexicons.load_structure_rules(rules))
    assert sec[sec["level"] == 1]["kind"].tolist() == ["title", "salutation", "opening", "part", "part", "closing"]
    default = zs.structure.parse_structure(text)
    assert "salutation" not in set(default["kind"])


@pytest.mark.parametrize("content,cause", [
    ("salutations: []\ncount_units: [项]\nfinal_remarks: [要求]\n", "'salutations' must be a non-empty list"),
    ("salutations: [同志们, 同志们]\ncount_units: [项]\nfinal_remarks: [要求]\n", "duplicate entry '同志们'"),
    ("salutations: [同志们]\nfinal_remarks: [要求]\n", "'count_units' must be"),
])
def test_bad_structure_rules(tmp_path, content, cause):
    path = tmp_path / "s.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=cause):
        lexicons.load_structure_rules(path)


def test_numbered_formulas_are_loaded_with_the_structure_rules():
    rules = lexicons.load_structure_rules()
    assert {"两个维护", "四个意识", "三个一批", "两个确保", "两不愁三保障", "两委", "1+N"} <= rules["formulas"]
    assert rules["part_marker"].match("第三个问题：").group("label") == "第三个问题"
    assert rules["part_marker"].match("第12点，").group("n") == "12"


@pytest.mark.parametrize("content,line,cause", [
    ("两个维护\n四个 意识\n", 2, "one formula per line"),
    ("两个维护\n维护核心\n", 2, "has no numeral"),
    ("# c\n两个维护\n两个维护\n", 3, "duplicate formula '两个维护' (first on line 2)"),
])
def test_bad_numbered_formulas_name_the_line(tmp_path, content, line, cause):
    base = zs.paths.lexicon("structure.yaml").read_text(encoding="utf-8")
    (tmp_path / "structure.yaml").write_text(base, encoding="utf-8")
    (tmp_path / "numbered_formulas.txt").write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        lexicons.load_structure_rules(tmp_path / "structure.yaml")
    assert f"numbered_formulas.txt:{line}: " in str(info.value) and cause in str(info.value)


def test_structure_yaml_naming_a_missing_formula_file(tmp_path):
    base = zs.paths.lexicon("structure.yaml").read_text(encoding="utf-8")
    (tmp_path / "structure.yaml").write_text(base, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        lexicons.load_structure_rules(tmp_path / "structure.yaml")
    assert "'numbered_formulas': no such file 'numbered_formulas.txt'" in str(info.value)


@pytest.mark.parametrize("loader,content,line,cause", [
    (lexicons.load_single_chars, "稳\n保稳\n", 2, "expected one Chinese character per line, got '保稳'"),
    (lexicons.load_single_chars, "稳\n\n稳\n", 3, "duplicate '稳' (first on line 1)"),
    (lexicons.load_measure_words, "个\nkg\n", 2, "expected one word of Chinese characters per line, got 'kg'"),
])
def test_word_lists_name_the_bad_line(tmp_path, loader, content, line, cause):
    path = tmp_path / "list.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        loader(path)
    assert f"list.txt:{line}: " in str(info.value) and cause in str(info.value)


def test_a_lexicon_is_read_again_when_edited_or_when_its_link_points_elsewhere(tmp_path):
    import os
    import time

    a, b, link = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "stop.txt"
    a.write_text("的\n了\n", encoding="utf-8")
    b.write_text("和\n", encoding="utf-8")
    os.symlink(a, link)
    assert zs.lexicons.load_stopwords(link) == {"的", "了"}
    assert zs.lexicons.cache_key(link)[0] == str(a.resolve())
    link.unlink()
    os.symlink(b, link)                       # the same path, another file
    assert zs.lexicons.load_stopwords(link) == {"和"}
    assert zs.lexicons.cache_key(link)[0] == str(b.resolve())
    b.write_text("和\n与\n", encoding="utf-8")
    os.utime(b, (time.time() + 5, time.time() + 5))
    assert zs.lexicons.load_stopwords(link) == {"和", "与"}
