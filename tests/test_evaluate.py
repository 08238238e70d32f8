"""evaluate: gold outlines, their checks, the scores, and ``zhspeech eval structure``."""
from pathlib import Path

import pytest

import zhspeech as zs
from zhspeech import evaluate
from zhspeech.cli import main

HERE = Path(__file__).resolve().parent
GOLD = HERE / "gold" / "structure"
OWN_TEXTS = HERE / "data" / "speeches"
HEADER = "\t".join(evaluate.GOLD_COLUMNS)


def test_own_speeches_gold_scores_full_marks():
    table = evaluate.evaluate_structure(GOLD / "speeches", OWN_TEXTS)
    assert len(table) == 14
    assert table["recall"].tolist() == [1.0] * 14 and table["precision"].tolist() == [1.0] * 14
    assert table["misassigned"].max() == 0.0
    assert (table["linked"] == table["announced"]).all() and table["announced"].sum() == 18
    assert table["false_warnings"].sum() == 0 and table["ok"].all()


def test_shared_corpus_gold_scores_full_marks(shared_corpus):
    table = evaluate.evaluate_structure(GOLD / "corpus", zs.paths.corpus_dir())
    assert len(table) == 16
    assert (table["recall"] == 1.0).all() and (table["precision"] == 1.0).all()
    assert (table["misassigned"] <= 0.01).all()
    assert (table["linked"] == table["announced"]).all() and (table["false_warnings"] == 0).all()
    assert table["expected"].sum() == 507


def test_every_own_style_is_in_the_gold_outlines():
    kinds = {}
    for gold in evaluate.load_gold_dir(GOLD / "speeches"):
        parts = gold.sections[gold.sections["kind"] == "part"]["label"].tolist()
        kinds[gold.doc_id] = parts
    assert kinds["own-01-yi-parts"] == ["一", "二"]
    assert kinds["own-02-wenti-cn"] == ["第一个问题", "第二个问题", "第三个问题"]
    assert kinds["own-06-wenti-nobreaks"] == kinds["own-02-wenti-cn"]
    assert kinds["own-03-fangmian-arabic"] == ["第一个方面", "第二个方面", "第三个方面", "第四个方面"]
    assert kinds["own-04-diyi-parts"] == ["第一", "第二", "第三"]
    assert kinds["own-05-shouxian"] == ["首先", "其次", "再次", "最后"]
    assert kinds["own-10-dian-parts"] == ["第一点", "第二点", "第三点", "第四点"]
    assert kinds["own-09-nonumbers"] == [] and kinds["own-08-slogans"] == []
    assert kinds["own-12-dian-nobreaks-closing"] == ["第一点", "第二点", "第三点"]
    assert kinds["own-13-bufen-final"] == ["第一部分", "第二部分"]
    assert kinds["own-14-wenti-nobreaks-noclosing"] == ["第一个问题", "第二个问题"]
    tops = {g.doc_id: g.sections[g.sections["parent"] == ""][["kind", "label", "start"]].values.tolist()[-2:]
            for g in evaluate.load_gold_dir(GOLD / "speeches")}
    # Final remarks before a closing that opens 同志们， (mid-line in 12); no closing in 14.
    assert tops["own-12-dian-nobreaks-closing"] == [["body", "最后", 525], ["closing", "", 579]]
    assert tops["own-13-bufen-final"] == [["body", "最后", 543], ["closing", "", 608]]
    assert tops["own-14-wenti-nobreaks-noclosing"] == [["part", "第一个问题", 86], ["part", "第二个问题", 225]]
    mismatch = evaluate.load_gold(GOLD / "speeches" / "own-11-count-mismatch.tsv").announcements
    assert mismatch[["label", "declared", "items"]].values.tolist() == [["四项工作", 4, 3]]


def write(tmp_path, name, rows, text=None):
    gold = tmp_path / "gold"
    gold.mkdir(exist_ok=True)
    (gold / f"{name}.tsv").write_text("# a test outline\n" + HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    if text is not None:
        (gold / f"{name}.txt").write_text(text, encoding="utf-8")
    return gold


TEXT = "标题\n一、甲\n内容甲。\n二、乙\n内容乙。\n"  # parsed: T 0-3, P1 3-12, P2 12-21


def test_scores_against_a_hand_made_outline(tmp_path):
    # The gold reads the text as a title and one body: the parser's two parts are extra.
    gold = write(tmp_path, "doc", ["T\t\ttitle\t\t0\t\t\t标题", "B1\t\tbody\t\t3\t\t\t"], TEXT)
    r = evaluate.score_structure(evaluate.load_gold(gold / "doc.tsv"), TEXT)
    assert (r["expected"], r["found"], r["matched"]) == (1, 3, 1)
    assert r["recall"] == 1.0 and r["precision"] == pytest.approx(1 / 3)
    assert r["misassigned"] == pytest.approx(18 / 21)  # every character after the title
    assert r["extra"] == [("part", "一", 3, ("", -1)), ("part", "二", 12, ("", -1))]


def test_announcements_and_expected_warnings(tmp_path):
    text = "标题\n下面讲三点：一是学习。二是落实。\n"
    rows = ["T\t\ttitle\t\t0\t\t\t", "B1\t\tbody\t\t3\t\t\t", "B1.B1\tB1\tbody\t\t3\t\t\t",
            "B1.I1\tB1\titem\t一是\t9\t\t\t学习", "B1.I2\tB1\titem\t二是\t14\t\t\t落实",
            "\t\tannouncement\t三点\t6\t3\t2\t"]
    gold = write(tmp_path, "doc", rows, text)
    r = evaluate.score_structure(evaluate.load_gold(gold / "doc.tsv"), text)
    assert (r["matched"], r["expected"], r["misassigned"]) == (3, 3, 0.0)
    # The gold expects the count to disagree: the parser's warning is not a false one.
    assert (r["announced"], r["linked"], r["false_warnings"]) == (1, 1, 0)


@pytest.mark.parametrize("rows,line,cause", [
    (["T\t\ttitle\t\t0\t\t"], 3, "expected 8 tab-separated columns, got 7"),
    (["T\t\theader\t\t0\t\t\t"], 3, "unknown kind 'header'"),
    (["T\t\ttitle\t\t0\t\t\t", "T\t\tbody\t\t3\t\t\t"], 4, "duplicate id 'T' (first on line 3)"),
    (["T\tP1\ttitle\t\t0\t\t\t"], 3, "parent 'P1' is not an earlier row"),
    (["T\t\ttitle\t\tx\t\t\t"], 3, "start must be a whole number"),
    (["T\t\ttitle\t\t0\t\t\t标题标题标题标题标题标题标"], 3, "heading stub longer than 12 characters"),
    (["T\t\ttitle\t\t3\t\t\t", "B\t\tbody\t\t0\t\t\t"], 4, "does not follow its previous sibling"),
    (["T\t\ttitle\t\t0\t\t\t", "P1\t\tpart\t一\t500\t\t\t"], 4, "start 500 is outside the text (21 characters)"),
    (["T\t\ttitle\t\t0\t\t\t", "\t\tannouncement\t三点\t99\t3\t3\t"], 4, "outside the text"),
])
def test_bad_gold_files_exit_2_naming_file_and_line(tmp_path, capsys, rows, line, cause):
    gold = write(tmp_path, "doc", rows, TEXT)
    assert main(["eval", "structure", str(gold)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("zhspeech: error: ") and f"doc.tsv:{line}: " in err and cause in err
    assert len(err.splitlines()) == 1


def test_missing_header_and_missing_text(tmp_path, capsys):
    gold = tmp_path / "g"
    gold.mkdir()
    (gold / "a.tsv").write_text("T\t\ttitle\t\t0\t\t\t\n", encoding="utf-8")
    assert main(["eval", "structure", str(gold)]) == 2
    assert "a.tsv:1: expected the header" in capsys.readouterr().err
    gold = write(tmp_path, "lonely", ["T\t\ttitle\t\t0\t\t\t"], None)
    (gold / "other.txt").write_text(TEXT, encoding="utf-8")
    assert main(["eval", "structure", str(gold)]) == 2
    assert "lonely.tsv: no text named lonely in" in capsys.readouterr().err


def test_cli_exit_3_below_thresholds_and_0_with_looser_ones(tmp_path, capsys):
    gold = write(tmp_path, "doc", ["T\t\ttitle\t\t0\t\t\t标题", "B1\t\tbody\t\t3\t\t\t"], TEXT)
    assert main(["eval", "structure", str(gold), "--format", "csv"]) == 3
    out, err = capsys.readouterr()
    assert out.splitlines()[0] == ",".join(evaluate.SCORE_COLUMNS)
    assert out.splitlines()[1].startswith("doc,1,3,1,1.0,0.333") and out.splitlines()[1].endswith(",False")
    assert "1 of 1 documents below the thresholds: doc" in err
    assert main(["eval", "structure", str(gold), "--min-precision", "0.3", "--max-misassigned", "0.9"]) == 0


def test_draft_gold_is_a_valid_outline_of_the_parse(tmp_path):
    text = (OWN_TEXTS / "own-04-diyi-parts.txt").read_text(encoding="utf-8")
    (tmp_path / "d.tsv").write_text(evaluate.draft_gold(zs.clean.clean_text(text).text, "d"), encoding="utf-8")
    g = evaluate.load_gold(tmp_path / "d.tsv")
    assert g.sections["kind"].tolist()[:4] == ["title", "salutation", "opening", "part"]
    assert g.announcements[["label", "declared", "items"]].values.tolist() == [["三点要求", 3, 3], ["三项工作", 3, 3]]


@pytest.mark.parametrize("option,value", [("--min-recall", "1.5"), ("--max-misassigned", "-1"),
                                          ("--min-recall", "nan"), ("--max-false-warnings", "-3"),
                                          ("--min-linked", "abc")])
def test_cli_thresholds_out_of_range_are_refused(tmp_path, capsys, option, value):
    gold = write(tmp_path, "doc", ["T\t\ttitle\t\t0\t\t\t标题", "B1\t\tbody\t\t3\t\t\t"], TEXT)
    assert main(["eval", "structure", str(gold), option, value]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and option in err
