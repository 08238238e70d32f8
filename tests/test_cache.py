"""The cache module: named tables keyed by strings, checked on every read."""
import os
import warnings

import numpy as np
import pandas as pd
import pytest

from zhspeech.cache import Cache, CacheWarning, content_hash
from zhspeech.output import check_outputs, write_text
from zhspeech.errors import OutputError


def test_table_round_trip_keeps_columns_types_and_values(tmp_path):
    store = Cache(tmp_path)
    df = pd.DataFrame({"doc_id": ["a", "a", "b"], "term": ["人才", "基层治理", ""], "n": [3, 2, 1],
                       "per_10k": [1304.35, 869.57, 0.5], "stop": [False, True, False]})
    store.put_table("terms", "doc a|v1", df)
    back = store.get_table("terms", "doc a|v1")
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert back["n"].tolist() == [3, 2, 1] and back["term"].tolist() == ["人才", "基层治理", ""]
    assert store.get_table("terms", "doc a|v2") is None  # another key: nothing


def test_entry_of_another_key_is_discarded_with_one_warning(tmp_path):
    store = Cache(tmp_path)
    store.put("tokens", "key one", {"x": np.arange(3)})
    store.path("tokens", "key one").replace(store.path("tokens", "key two"))
    with pytest.warns(CacheWarning, match="belongs to another input; discarded and recomputed") as record:
        assert store.get("tokens", "key two") is None
    assert len(record) == 1
    assert not store.path("tokens", "key two").exists()


def test_callers_check_rejects_a_consistent_but_wrong_entry(tmp_path):
    store = Cache(tmp_path)
    store.put("tokens", "k", {"starts": np.array([0, 2])})
    with pytest.warns(CacheWarning, match="does not match the text"):
        assert store.get("tokens", "k", check=lambda a: "does not match the text") is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store.put("tokens", "k", {"starts": np.array([0, 2])})
        assert store.get("tokens", "k", check=lambda a: None)["starts"].tolist() == [0, 2]


def test_content_hash_covers_names_types_and_values():
    a = content_hash({"x": np.array([1, 2])})
    assert a != content_hash({"y": np.array([1, 2])})
    assert a != content_hash({"x": np.array([1, 3])})
    assert a != content_hash({"x": np.array([1.0, 2.0])})
    assert a == content_hash({"x": np.array([1, 2])})


def test_disabled_cache_stores_nothing(tmp_path):
    store = Cache(tmp_path, enabled=False)
    store.put("tokens", "k", {"x": np.arange(2)})
    assert store.get("tokens", "k") is None and not any(tmp_path.iterdir())


def test_write_text_replaces_atomically_and_keeps_the_mode(tmp_path):
    target = tmp_path / "t.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    write_text(target, "新的\n")
    assert target.read_text(encoding="utf-8") == "新的\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_check_outputs_names_the_option_and_the_input(tmp_path):
    src = tmp_path / "speech.txt"
    src.write_text("x", encoding="utf-8")
    check_outputs({"--out": tmp_path / "new.csv", "--log": None}, [src])
    with pytest.raises(OutputError, match=r"^--out: .*speech.txt is an input"):
        check_outputs({"--out": tmp_path / "." / "speech.txt"}, [src])


def _aged(store, name, key, data, when):
    """A byte entry of ``data`` last used at ``when`` (seconds since the epoch)."""
    store.put_bytes(name, key, data)
    path = store.path(name, key, ".bin")
    os.utime(path, (when, when))
    return path


def test_usage_and_prune_remove_the_least_recently_used_first(tmp_path):
    store = Cache(tmp_path)
    old = _aged(store, "outputs", "a", b"x" * 1000, 1_000_000)
    mid = _aged(store, "outputs", "b", b"y" * 2000, 2_000_000)
    new = _aged(store, "cleaned", "c", b"z" * 3000, 3_000_000)
    (tmp_path / "outputs" / "half.1234.tmp").write_bytes(b"partial")   # a write under way: not an entry
    sizes = {p: p.stat().st_size for p in (old, mid, new)}
    assert store.usage() == {"outputs": (2, sizes[old] + sizes[mid]), "cleaned": (1, sizes[new])}
    # at most the two newer ones' bytes: only the oldest goes
    assert store.prune(sizes[mid] + sizes[new]) == (1, sizes[old])
    assert not old.exists() and mid.exists() and new.exists()
    assert store.prune(sizes[new]) == (1, sizes[mid])
    assert store.prune(0) == (1, sizes[new]) and store.usage() == {}
    assert (tmp_path / "outputs" / "half.1234.tmp").exists()
    assert Cache(tmp_path / "none").usage() == {} and Cache(tmp_path / "none").prune(0) == (0, 0)


def test_cli_cache_reports_prunes_and_clears(tmp_path, monkeypatch, capsys):
    from zhspeech.cli import main

    monkeypatch.setenv("ZHSPEECH_CACHE", str(tmp_path))
    store = Cache(tmp_path)
    first = _aged(store, "outputs", "a", b"x" * 150_000, 1_000_000)
    second = _aged(store, "tokens", "b", b"y" * 50_000, 2_000_000)
    a, b = first.stat().st_size, second.stat().st_size
    assert main(["corpus", "cache"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{tmp_path}: 2 entries, {(a + b) / 1e6:.1f} MB",
        f"  outputs                1 {a / 1e6:>7.1f} MB",
        f"  tokens                 1 {b / 1e3:>7.1f} kB"]
    assert main(["corpus", "cache", "--prune", "0.1"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == f"removed 1 entry ({a / 1e6:.1f} MB) from {tmp_path}"
    assert not first.exists() and second.exists()
    assert main(["corpus", "cache", "--clear"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"removed 1 entry ({b / 1e3:.1f} kB) from {tmp_path}",
                                                    f"{tmp_path}: 0 entries, 0.0 kB"]
    assert main(["corpus", "cache", "--prune", "-3"]) == 2
    assert capsys.readouterr().err.strip().endswith("--prune: must be a finite number ≥ 0, got '-3'")


def test_cached_words_must_spell_the_text_at_their_offsets():
    from zhspeech.tokenize import _check_segments, _misspelt

    text = "加强基层治理，做好人才工作。"
    words, starts = ["加强", "基层治理", "做好", "人才", "工作"], [0, 2, 7, 9, 11]
    def misspelt(ws, offsets):
        return _misspelt(text, "\x1f".join(ws), offsets)

    assert misspelt(words, starts) is None
    assert misspelt(["加强", "基层治理", "做好", "人材", "工作"], starts) == 3
    assert misspelt(words, [0, 2, 7, 9, 12]) == 4          # off by one: 作。 is not 工作
    assert misspelt(words, [0, 2, 7, 9, 13]) == 4          # runs past the end
    assert misspelt(["加强", "基层"], [0, -1]) == 1
    assert misspelt(["强", "治理"], [0, 4]) == 0            # the first wrong one is named
    assert misspelt(["加强", "", "基层"], [0, 2, 2]) is None   # an empty word spells nothing
    assert misspelt(["加强", "基层"], [0]) is None          # counts differ: the caller says so
    assert _misspelt("", "", []) is None
    found = []
    arrays = {"words": np.array("\x1f".join(words)), "starts": np.array(starts)}
    assert _check_segments(text, found)(arrays) is None and found == [words]
    arrays["starts"] = np.array([0, 2, 7, 10, 11])
    assert _check_segments(text)(arrays) == "does not match the text (word '人才' at offset 10)"
    arrays["starts"] = np.array([0, 2, 7])
    assert _check_segments(text)(arrays) == "has as many words as offsets"
