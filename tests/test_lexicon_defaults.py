"""The bundled rule files loaded by default (no path given) are found once per value of
$ZHSPEECH_DATA, but still checked on every call: an edited file is reloaded, a removed
one is an error naming it, and the rules are those an explicit path gives."""
from __future__ import annotations

import os
import shutil

import pytest

import zhspeech as zs
from zhspeech import lexicons
from zhspeech.errors import LexiconError

LOADERS = {"boilerplate.yaml": lexicons.load_boilerplate, "corrections.tsv": lexicons.load_corrections,
           "redactions.yaml": lexicons.load_redactions, "structure.yaml": lexicons.load_structure_rules}


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the bundled lexicons, made the bundled folder through $ZHSPEECH_DATA."""
    shutil.copytree(zs.paths.lexicon_dir(), tmp_path / "lexicons")
    monkeypatch.setenv("ZHSPEECH_DATA", str(tmp_path))
    return tmp_path / "lexicons"


def _touch_later(path):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_default_is_the_same_object_as_the_explicit_bundled_path(name):
    loader = LOADERS[name]
    assert loader() is loader(zs.paths.lexicon(name))   # one cache entry: same key


def test_edited_default_file_is_reloaded(data_copy):
    before = lexicons.load_boilerplate()
    assert before["head_window"] == 15
    path = data_copy / "boilerplate.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("head_window: 15", "head_window: 7"), encoding="utf-8")
    _touch_later(path)
    assert lexicons.load_boilerplate()["head_window"] == 7
    tsv = data_copy / "corrections.tsv"
    n = len(lexicons.load_corrections())
    tsv.write_text(tsv.read_text(encoding="utf-8") + "甲乙丙丁\t甲乙丙戊\t\t测试行\n", encoding="utf-8")
    _touch_later(tsv)
    rows = lexicons.load_corrections()
    assert len(rows) == n + 1 and (rows[-1].wrong, rows[-1].right) == ("甲乙丙丁", "甲乙丙戊")


def test_structure_rules_follow_their_formulas_file(data_copy):
    assert "两个维护" in lexicons.load_structure_rules()["formulas"]
    formulas = data_copy / "numbered_formulas.txt"
    formulas.write_text("三个一批\n", encoding="utf-8")
    _touch_later(formulas)
    assert lexicons.load_structure_rules()["formulas"] == frozenset({"三个一批"})


def test_switching_the_data_folder_switches_the_files(data_copy, monkeypatch):
    path = data_copy / "boilerplate.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("head_window: 15", "head_window: 9"), encoding="utf-8")
    assert lexicons.load_boilerplate()["head_window"] == 9
    monkeypatch.delenv("ZHSPEECH_DATA")
    assert lexicons.load_boilerplate()["head_window"] == 15
    monkeypatch.setenv("ZHSPEECH_DATA", str(data_copy.parent))
    assert lexicons.load_boilerplate()["head_window"] == 9


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_removed_default_file_is_an_error_naming_it(data_copy, name):
    LOADERS[name]()                       # found and remembered
    (data_copy / name).unlink()
    with pytest.raises(LexiconError, match=f"{name}.*no such file"):
        LOADERS[name]()
    (data_copy / name).mkdir()            # a folder in its place is not the file either
    with pytest.raises(LexiconError, match=f"{name}.*no such file"):
        LOADERS[name]()
