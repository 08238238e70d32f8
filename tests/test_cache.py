"""The cache module: named tables keyed by strings, checked on every read."""
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
