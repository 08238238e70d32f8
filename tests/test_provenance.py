"""Provenance: the record (hashes, encodings, counts, versions), the reports' closing
section and manifest, exports that carry the record, and the methods paragraph."""
import hashlib
import json
import re
import shutil
import subprocess
import sys
from datetime import datetime, timezone

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import zhspeech as zs
from zhspeech import provenance
from zhspeech.cli import main
from zhspeech.errors import LexiconError, ZhspeechError

SAMPLE = zs.paths.sample_speech()
SAMPLE_SHA = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
WHEN = datetime(2026, 3, 5, 9, 30, 15, tzinfo=timezone.utc)
# Our own sentences, in two styles, for inputs that are not the sample.
MINE = "关于加强基层治理的几点意见\n\n一、坚持人才优先。我们要把人才工作摆在突出位置。\n二、夯实基层基础。\n"


def _han(text):
    return len(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]", text))


def _sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_sample_sha_is_what_sha256sum_prints():
    assert SAMPLE_SHA == "e5ecf0edaca9f6b2f9b1644de5e43aea327472f5676d4cabf777c2e0afc5406a"
    if shutil.which("sha256sum"):
        out = subprocess.run(["sha256sum", str(SAMPLE)], capture_output=True, text=True, check=True).stdout
        assert out.split()[0] == SAMPLE_SHA


def test_record_of_the_sample():
    rec = provenance.record(SAMPLE, parameters={"top": 30, "out": SAMPLE.parent}, statistics=["n", "per_10k"],
                            now=WHEN)
    assert rec["created"] == "2026-03-05T09:30:15+00:00"
    assert rec["zhspeech"]["version"] == zs.__version__
    [inp] = rec["inputs"]
    raw = zs.corpus.load_document(SAMPLE).raw
    cleaned = zs.clean.clean_text(raw)
    assert inp == {"name": SAMPLE.name, "doc_id": SAMPLE.stem, "path": "data/raw/" + SAMPLE.name,
                   "sha256": SAMPLE_SHA, "encoding": "utf-8", "format": "txt", "chars": len(raw),
                   "chars_clean": len(cleaned.text), "hanzi": _han(cleaned.text)}
    assert inp["chars"] == 8508
    assert rec["parameters"] == {"top": 30, "out": "data/raw"}
    assert [s["name"] for s in rec["statistics"]] == ["n", "per_10k"]
    assert rec["statistics"][1]["formula"] == "per_10k = n / counted tokens of the unit × 10,000"
    lex = {e["name"]: e for e in rec["lexicons"]}
    folder = zs.paths.lexicon_dir()
    assert set(lex) == {p.name for p in folder.iterdir() if p.suffix in (".txt", ".tsv", ".yaml")}
    themes = zs.themes.load_lexicon()
    assert lex["themes.yaml"]["version"] == themes.version
    assert lex["themes.yaml"]["sha256"] == _sha(folder / "themes.yaml")
    assert lex["themes.yaml"]["sha256"][:16] == themes.digest
    assert lex["userdict.txt"]["version"] == ""
    tok = rec["tokenizer"]
    assert tok["backend"] == "rjieba" and tok["hmm"] is True      # the default, as in every command
    assert tok["userdict_sha256"] == _sha(folder / "userdict.txt")
    assert tok["userdict_entries"] == len(zs.lexicons.load_userdict().entries)
    assert set(rec["packages"]) >= {"jieba", "rjieba", "pandas", "opencc"}
    assert rec["packages"]["pandas"] == pd.__version__
    assert json.loads(json.dumps(rec)) == rec


def test_record_of_legacy_encodings_and_folders(tmp_path):
    gb = tmp_path / "mine_gb.txt"
    gb.write_bytes(MINE.encode("gb18030"))
    big5 = tmp_path / "folder" / "trad.txt"
    big5.parent.mkdir()
    trad = "關於加強基層治理的意見\n\n我們要把人才工作擺在突出位置，堅持黨管人才原則。\n"
    big5.write_bytes(trad.encode("big5"))
    rec = provenance.record([gb, big5.parent], statistics=[], now=WHEN)
    by_name = {i["name"]: i for i in rec["inputs"]}
    assert by_name["mine_gb.txt"]["encoding"] == "gb18030"
    assert by_name["mine_gb.txt"]["sha256"] == hashlib.sha256(MINE.encode("gb18030")).hexdigest()
    assert by_name["mine_gb.txt"]["chars"] == len(MINE)
    assert by_name["mine_gb.txt"]["hanzi"] == _han(MINE)
    assert by_name["trad.txt"]["encoding"] == "big5" and by_name["trad.txt"]["chars"] == len(trad)
    assert rec["statistics"] == []


def test_versions_of_rule_files(tmp_path):
    y = tmp_path / "t.yaml"
    y.write_text("# Format:\n#   version: a string\nversion: \"2027.1-2\"  # reviewed\nthemes: {}\n", encoding="utf-8")
    t = tmp_path / "s.txt"
    t.write_text("# my stopwords\n# version: 3b\n的\n", encoding="utf-8")
    n = tmp_path / "n.tsv"
    n.write_text("wrong\tright\n", encoding="utf-8")
    assert [provenance.lexicon_version(p) for p in (y, t, n)] == ["2027.1-2", "3b", ""]


def test_user_lexicon_replaces_the_bundled_one_and_a_missing_one_is_an_error(tmp_path):
    mine = tmp_path / "my_themes.yaml"
    mine.write_text("version: mine-1\nthemes:\n  人才:\n    terms: [人才]\n", encoding="utf-8")
    rec = provenance.record([], lexicons={"themes.yaml": mine}, statistics=[])
    [entry] = [e for e in rec["lexicons"] if e["name"] == "themes.yaml"]
    assert entry["version"] == "mine-1" and entry["sha256"] == _sha(mine)
    with pytest.raises(LexiconError, match="nothing.yaml: no such file"):
        provenance.record([], lexicons={"themes.yaml": tmp_path / "nothing.yaml"})
    with pytest.raises(ZhspeechError, match="gone.txt: no such file"):
        provenance.record([tmp_path / "gone.txt"])


def test_flatten_gives_key_value_rows():
    rows = dict(provenance.flatten({"a": {"b": [1, {"c": None}], "d": True}, "e": [], "f": "文"}))
    assert rows == {"a.b.0": "1", "a.b.1.c": "", "a.d": "true", "e": "[]", "f": "文"}


def test_methods_paragraph_is_built_from_the_record(capsys):
    rec = provenance.record(SAMPLE, now=WHEN, statistics=["per_10k", "g2"])
    en, zh = provenance.methods_text(rec, "en"), provenance.methods_text(rec, "zh")
    for text in (en, zh):
        assert SAMPLE_SHA in text and "2026-03-05" in text
        assert f"zhspeech {zs.__version__}" in text
        themes = next(e for e in rec["lexicons"] if e["name"] == "themes.yaml")
        assert "themes.yaml" in text and themes["sha256"][:16] in text and themes["version"] in text
        assert str(rec["tokenizer"]["userdict_entries"]) in text
        assert "OpenCC t2s" in text and "Rayson & Garside 2000" in text
    assert "per_10k = n / counted tokens of the unit × 10,000" in en
    assert "per_10k = n ÷ 该单位计数词元总数 × 10,000" in zh
    assert "Log Ratio" not in en                 # only the statistics named in the record
    assert main(["methods", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    zh_part, en_part = out.strip().split("\n\n")
    assert zh_part.startswith("本研究使用 zhspeech") and en_part.startswith("Texts were analysed with zhspeech")
    assert SAMPLE_SHA in zh_part and SAMPLE_SHA in en_part
    assert main(["methods", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["inputs"] == []


# -- exports ---------------------------------------------------------------------------------------

def _run(argv):
    return subprocess.run([sys.executable, "-m", "zhspeech.cli", *argv], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def test_freq_xlsx_has_the_table_and_the_record(tmp_path, capsys):
    csv, xlsx = tmp_path / "t.csv", tmp_path / "t.xlsx"
    assert main(["freq", str(SAMPLE), "--top", "12", "--format", "csv", "--out", str(csv),
                 "--meta", str(tmp_path / "t.meta.json")]) == 0
    assert main(["freq", str(SAMPLE), "--top", "12", "--format", "xlsx", "--out", str(xlsx)]) == 0
    sheets = pd.read_excel(xlsx, sheet_name=None, keep_default_na=False)
    assert list(sheets) == ["table", "provenance"]
    table = pd.read_csv(csv, keep_default_na=False)
    assert len(table) == 12 and table["term"].iloc[0] == "工作"
    pd.testing.assert_frame_equal(sheets["table"], table)
    record = dict(zip(sheets["provenance"]["key"], sheets["provenance"]["value"].astype(str)))
    assert record["inputs.0.sha256"] == SAMPLE_SHA
    assert record["command"] == "zhspeech freq" and record["parameters.top"] == "12"
    assert record["statistics.1.name"] == "per_10k"
    assert zs.exports.read_record(xlsx) == record
    meta = json.loads((tmp_path / "t.meta.json").read_text(encoding="utf-8"))
    assert meta["inputs"][0]["sha256"] == SAMPLE_SHA
    assert csv.read_text(encoding="utf-8").startswith("doc_id,section_id,term,n,per_10k")  # plain CSV


def test_parquet_round_trips_with_pandas_and_keeps_the_record(tmp_path):
    path = tmp_path / "themes.parquet"
    assert main(["themes", str(SAMPLE), "--format", "parquet", "--out", str(path)]) == 0
    assert main(["themes", str(SAMPLE), "--format", "csv", "--out", str(tmp_path / "themes.csv")]) == 0
    df = pd.read_parquet(path)
    csv = pd.read_csv(tmp_path / "themes.csv", dtype={"section_id": str}).fillna({"section_id": ""})
    pd.testing.assert_frame_equal(df.reset_index(drop=True), csv, check_dtype=False)
    rec = df.attrs["zhspeech.provenance"]
    assert rec["inputs"][0]["sha256"] == SAMPLE_SHA
    assert [s["name"] for s in rec["statistics"]] == ["per_1k_hanzi", "sentence_share", "hit_share"]
    assert zs.exports.read_record(path) == rec
    again = tmp_path / "again.parquet"
    df.to_parquet(again)                      # a user's own pandas round trip keeps it too
    assert pd.read_parquet(again).attrs["zhspeech.provenance"] == rec


def test_json_wraps_meta_and_rows(capsys):
    assert main(["sections", str(SAMPLE), "--depth", "1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"meta", "rows"}
    assert data["meta"]["inputs"][0]["sha256"] == SAMPLE_SHA
    assert [r["section_id"] for r in data["rows"]][:3] == ["T", "O", "P1"]


def test_library_export_picks_the_format_from_the_suffix(tmp_path):
    table = pd.DataFrame({"term": ["人才", "基层治理"], "n": [14, 7]})
    rec = provenance.record([], statistics=["n"], now=WHEN)
    for suffix in (".csv", ".json", ".xlsx", ".parquet"):
        path = zs.export(table, tmp_path / f"t{suffix}", record=rec)
        if suffix == ".json":
            assert json.loads(path.read_text(encoding="utf-8")) == {
                "meta": rec, "rows": [{"term": "人才", "n": 14}, {"term": "基层治理", "n": 7}]}
        elif suffix == ".parquet":
            pd.testing.assert_frame_equal(pd.read_parquet(path), table)
            assert zs.exports.read_record(path) == rec
        elif suffix == ".xlsx":
            pd.testing.assert_frame_equal(pd.read_excel(path, sheet_name="table"), table)
        else:
            assert path.read_text(encoding="utf-8") == "term,n\n人才,14\n基层治理,7\n"
    made = zs.export(table, tmp_path / "auto.json", inputs=[SAMPLE], statistics=["n"])
    assert json.loads(made.read_text(encoding="utf-8"))["meta"]["inputs"][0]["sha256"] == SAMPLE_SHA
    with pytest.raises(ZhspeechError, match=r"t\.xls: unknown export format \.xls; use one of "
                                            r"\.csv, \.json, \.xlsx, \.parquet$"):
        zs.export(table, tmp_path / "t.xls", record=rec)


def test_binary_format_without_out_is_one_line_exit_2():
    for fmt in ("xlsx", "parquet"):
        proc = _run(["freq", str(SAMPLE), "--format", fmt])
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr == f"zhspeech: error: --format {fmt}: a binary format needs --out FILE\n"


# -- reports ---------------------------------------------------------------------------------------

def _notebook(path, cells):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = cells
    nbformat.write(nb, str(path))


def test_notebook_parameters_and_inputs(tmp_path):
    params = new_code_cell(f'speech = "{SAMPLE.name}"\nrules = "my.yaml"\ntop = 3\nfolder = ""\nn = 2 * 3')
    params.metadata["tags"] = ["parameters"]
    injected = new_code_cell('top = 5')
    injected.metadata["tags"] = ["injected-parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# t"), params, injected])
    (tmp_path / "my.yaml").write_text("version: 7\nthemes: {}\n", encoding="utf-8")
    assert provenance.notebook_parameters(nb, {"folder": "x"}) == {
        "speech": SAMPLE.name, "rules": "my.yaml", "top": 5, "folder": "x", "n": "2 * 3"}
    rec = provenance.notebook_record(nb, tmp_path / "nb.ipynb", now=WHEN)
    assert [i["sha256"] for i in rec["inputs"]] == [SAMPLE_SHA]
    assert {"name": "my.yaml (rules)", "path": "my.yaml", "version": "7",
            "sha256": _sha(tmp_path / "my.yaml")} in rec["lexicons"]
    assert rec["command"] == "zhspeech report: nb.ipynb"


@pytest.fixture(scope="module")
def small_reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nbs")
    params = new_code_cell(f'speech = "{SAMPLE.name}"')
    params.metadata["tags"] = ["parameters"]
    _notebook(folder / "p-one.ipynb", [new_markdown_cell("# 溯源测试"), params,
                                        new_code_cell("print('最后一个单元格')")])
    out = tmp_path_factory.mktemp("reports")
    results = zs.report.build_reports("*", out, folder=folder, progress=False)
    return out, results


def test_every_report_ends_with_the_provenance_section(small_reports):
    out, results = small_reports
    assert [r.ok for r in results] == [True]
    page = (out / "p-one.html").read_text(encoding="utf-8")
    section = page.index('<section id="methods-and-provenance"')
    assert page.index("最后一个单元格") < section
    assert page.index("</section>", section) < page.index("</main>") and page.count("<section id=\"methods") == 1
    assert page[page.index("</section>", section):].replace("</section>", "").split() == [
        "</main>", "</body>", "</html>"]
    assert "Methods and provenance 方法与来源" in page
    assert f"<code>{SAMPLE_SHA}</code>" in page
    assert f"zhspeech {zs.__version__}" in page and "本研究使用 zhspeech" in page


def test_manifest_and_index(small_reports):
    out, results = small_reports
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    [entry] = manifest["reports"]
    assert entry["html"] == "p-one.html" and entry["ok"] is True
    assert entry["provenance"]["inputs"][0]["sha256"] == SAMPLE_SHA
    assert entry["provenance"]["parameters"] == {"speech": SAMPLE.name}
    assert manifest["created"] == entry["provenance"]["created"]
    index = (out / "index.html").read_text(encoding="utf-8")
    day = entry["provenance"]["created"][:10]
    assert f"Generated {day} " in index and f"by zhspeech {zs.__version__}" in index
    assert f"<code>{SAMPLE_SHA}</code>" in index and 'href="manifest.json"' in index


def test_changing_one_line_of_themes_yaml_changes_the_hash_in_report_04(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(zs.paths.data_dir(), data)
    themes = data / "lexicons" / "themes.yaml"
    before = _sha(themes)
    text = themes.read_text(encoding="utf-8")
    assert text.count('version: "2026.11-1"') == 1 or re.search(r"^version: .+$", text, re.M)
    themes.write_text(re.sub(r"^version: (.+)$", r'version: "changed-in-test"', text, count=1, flags=re.M),
                      encoding="utf-8")
    after = _sha(themes)
    assert before != after
    monkeypatch.setenv("ZHSPEECH_DATA", str(data))
    out = tmp_path / "reports"
    [result] = zs.report.build_reports("04", out, progress=False, parameters={})
    assert result.ok, result.error
    page = (out / "04-theme-emphasis.html").read_text(encoding="utf-8")
    tail = page[page.index('<section id="methods-and-provenance"'):]
    assert after in tail and before not in tail
    assert "changed-in-test" in tail
    assert SAMPLE_SHA in tail


def test_citation_file_names_the_current_version():
    import tomllib

    import yaml

    root = zs.paths.project_root()
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    version = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == version == zs.__version__
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "## How to cite" in readme and f"version {version}" in readme


def test_a_report_whose_input_cannot_be_read_still_says_what_it_was_given(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    params = new_code_cell(f'speech = "{empty}"')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params])
    rec = provenance.notebook_record(nb, tmp_path / "x.ipynb", now=WHEN)
    assert rec["inputs"] == [{"name": "empty.txt", "doc_id": "", "path": "empty.txt",
                              "sha256": hashlib.sha256(b"").hexdigest(), "encoding": "", "format": "txt",
                              "chars": None, "chars_clean": None, "hanzi": None, "error": "empty file"}]
    assert "unreadable: empty file" in provenance.to_html(rec)
    assert "empty.txt" not in provenance.methods_text(rec)
    with pytest.raises(ZhspeechError, match="empty.txt: empty file"):
        provenance.record([empty])


def test_a_verbs_own_rule_file_replaces_the_bundled_one_it_stands_for(tmp_path):
    import argparse

    mine = tmp_path / "my_tifa.yaml"
    mine.write_text("version: t-1\n", encoding="utf-8")
    args = argparse.Namespace(verb="formulas", paths=[], lexicon=str(mine), by="doc", format="json", out=None,
                              meta=None)
    lex = {e["name"]: e for e in zs.exports.command_record(args)["lexicons"]}
    assert lex["tifa.yaml"]["sha256"] == _sha(mine) and lex["tifa.yaml"]["version"] == "t-1"
    assert lex["themes.yaml"]["sha256"] == _sha(zs.paths.lexicon("themes.yaml"))
    args = argparse.Namespace(verb="themes", path=str(SAMPLE), lexicon=str(mine), format="json", out=None)
    lex = {e["name"]: e for e in zs.exports.command_record(args)["lexicons"]}
    assert lex["themes.yaml"]["sha256"] == _sha(mine) and lex["tifa.yaml"]["sha256"] != _sha(mine)


def test_count_records_the_paths_after_the_terms(capsys):
    assert main(["count", "人才", "脱贫攻坚", str(SAMPLE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [i["sha256"] for i in data["meta"]["inputs"]] == [SAMPLE_SHA]
    assert [(r["term"], r["substring"]) for r in data["rows"]] == [("人才", 39), ("脱贫攻坚", 18)]
