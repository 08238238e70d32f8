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
