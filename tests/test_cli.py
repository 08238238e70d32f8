"""The zhspeech command: verbs, formats and one-line errors with exit status 2."""
import json
import subprocess
import sys

import pandas as pd

import zhspeech as zs
from zhspeech.cli import main

SAMPLE = str(zs.paths.sample_speech())


def test_kwic_json(capsys):
    assert main(["kwic", SAMPLE, "一肩挑", "--window", "4", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["left"], r["match"], r["right"], r["section_id"]) for r in rows] == [
        ("，实现“", "一肩挑", "”XX名", "O"), ("影响，“", "一肩挑", "”、乡村", "O"), ("村主任“", "一肩挑", "”，村支", "P2")]


def test_compare_with_reference_keyness(capsys):
    assert main(["compare", SAMPLE, "--reference", "--show", "keyness", "--top", "3", "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert table["term"].tolist() == ["干部", "组织工作", "全市"]


def test_freq_by_section(capsys):
    assert main(["freq", SAMPLE, "--by", "section", "--top", "1", "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    top = dict(zip(table["section_id"], table["term"]))
    assert top["P6"] == "人才" and top["P4"] == "工作" and top["O"] == "工作"


def test_bad_input_is_one_line_with_exit_2(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    folder = tmp_path / "nothing"
    folder.mkdir()
    lexicon = tmp_path / "bad.yaml"
    lexicon.write_text("themes: [", encoding="utf-8")
    cases = [
        (["clean", str(empty)], "empty.txt: empty file"),
        (["sections", str(tmp_path / "x.rtf")], "x.rtf: no such file or folder"),
        (["freq", str(folder)], "nothing: no readable texts"),
        (["themes", SAMPLE, "--lexicon", str(lexicon)], "bad.yaml:1: malformed YAML"),
    ]
    for argv, expected in cases:
        proc = subprocess.run([sys.executable, "-m", "zhspeech.cli", *argv], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 2, argv
        err = proc.stderr.strip()
        assert err.startswith("zhspeech: error: ") and expected in err and "\n" not in err, err
        assert "Traceback" not in proc.stderr


def test_clean_out_file_and_log_format(tmp_path, capsys):
    out = tmp_path / "clean.txt"
    assert main(["clean", SAMPLE, "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("在县市组织工作半年推进会上的讲话\n")
    assert main(["clean", SAMPLE, "--format", "csv"]) == 0
    log = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert list(log.columns[:7]) == ["doc_id", "step", "start", "end", "before", "after", "rule"]


def test_freq_generic_verbs_and_pos(capsys):
    assert main(["freq", SAMPLE, "--top", "3", "--generic-verbs", "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert table["term"].tolist() == ["干部", "建设", "发展"]
    assert main(["freq", SAMPLE, "--top", "2", "--pos", "nz", "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert table[["term", "n"]].values.tolist() == [["脱贫攻坚", 18], ["组织工作", 17]]


def _csv(capsys):
    return pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out), keep_default_na=False)


def test_freq_rates_do_not_move_with_display_filters(capsys):
    rates = []
    for extra in ([], ["--pos", "n,v"], ["--generic-verbs"]):
        assert main(["freq", SAMPLE, "--top", "50", "--format", "csv", *extra]) == 0
        table = _csv(capsys)
        rates.append(table.set_index("term").loc["干部", "per_10k"])
    assert rates == [155.4, 155.4, 155.4]


def test_freq_by_section_in_text_order_and_no_lone_characters(capsys):
    assert main(["freq", SAMPLE, "--by", "section", "--top", "1", "--format", "csv"]) == 0
    table = _csv(capsys)
    assert table["section_id"].tolist() == ["T", "O", "P1", "P2", "P3", "P4", "P5", "P6", "B1", "C"]
    assert main(["freq", SAMPLE, "--top", "1000", "--format", "csv"]) == 0
    terms = _csv(capsys)["term"].tolist()
    assert "们" not in terms and "早" not in terms
    assert main(["freq", SAMPLE, "--top", "1000", "--single-chars", "--format", "csv"]) == 0
    assert "们" in _csv(capsys)["term"].tolist()


def test_themes_shares_and_ranks_before_the_theme_filter(capsys):
    assert main(["themes", SAMPLE, "--by", "section", "--format", "csv"]) == 0
    full = _csv(capsys)
    assert main(["themes", SAMPLE, "--by", "section", "--theme", "人才", "--format", "csv"]) == 0
    one = _csv(capsys)
    assert set(one["theme"]) == {"人才"}
    pd.testing.assert_frame_equal(one, full[full["theme"] == "人才"].reset_index(drop=True))
    opening = one[one["section_id"] == "O"].iloc[0]
    assert opening["hit_share"] == 0.108 and opening["rank"] == "1"
    assert (one[one["hits"] == 0]["rank"] == "").all()       # no rank without a hit


def test_count_substring_and_token(capsys, shared_corpus):
    texts = zs.paths.corpus_dir() / "texts"
    assert main(["count", "改革", str(texts / "gwr-2015.txt"), "--format", "csv"]) == 0
    row = _csv(capsys).iloc[0]
    assert (row["substring"], row["token"]) == (86, 62)
    assert row["absorbed_by"].startswith("体制改革 7; 改革开放 6; 全面深化改革 5")
    assert main(["count", "就业", "脱贫攻坚", str(texts / "gwr-2019.txt"), "--format", "csv"]) == 0
    table = _csv(capsys).set_index("term")
    assert table.loc["就业", "substring"] == 30 and table.loc["就业", "token"] == 21
    assert table.loc["脱贫攻坚", "difference"] == 0


def test_count_needs_terms_and_existing_paths(tmp_path):
    for argv, expected in [(["count", "改革"], "give the terms, then at least one file"),
                           (["count", SAMPLE], "give at least one term"),
                           (["count", "改革", str(tmp_path / "none.txt")], "none.txt: no such file or folder")]:
        proc = subprocess.run([sys.executable, "-m", "zhspeech.cli", *argv], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 2 and expected in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
