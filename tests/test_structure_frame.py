"""The sections table built straight from pandas blocks (structure._sections_blocks) is
the table the column-by-column construction (structure._sections_frame) gives: same
values, column types, column order and index, on every outline; and parse_structure
gives the same table when the block construction is not available."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import zhspeech as zs
from zhspeech import structure

sys.path.insert(0, str(Path(__file__).parent))
from oracle import texts  # noqa: E402

OWN = sorted((Path(__file__).parent / "data" / "speeches").glob("*.txt"))


def _captured(raw_texts):
    """The rows and measured columns parse_structure hands to the table builder."""
    seen = []
    real = structure._sections_blocks

    def spy(rows, measured):
        seen.append(([dict(r) for r in rows], {k: v.copy() for k, v in measured.items()}))
        return real(rows, measured)

    structure._sections_blocks = spy
    try:
        for raw in raw_texts:
            structure.parse_structure(zs.clean.clean_text(raw).text, "doc-7")
    finally:
        structure._sections_blocks = real
    return seen


def _same(fast: pd.DataFrame, slow: pd.DataFrame):
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.equals(slow)
    assert list(fast.dtypes) == list(slow.dtypes)
    assert list(fast.columns) == structure.SECTION_COLUMNS
    assert isinstance(fast.index, pd.RangeIndex) and fast.index.equals(slow.index)


def test_blocks_are_available_with_this_pandas():
    assert structure._block_tools() is not None


def test_block_table_equals_column_table_on_every_outline():
    raws = [p.read_text(encoding="utf-8") for p in OWN] + list(texts.styled_texts().values())
    raws += texts.fuzz_texts(40, seed=11)
    seen = _captured(raws)
    assert len(seen) == len(raws) and sum(len(rows) for rows, _ in seen) > 500
    for rows, measured in seen:
        if not rows:
            continue
        _same(structure._sections_blocks([dict(r) for r in rows], measured),
              structure._sections_frame([dict(r) for r in rows], "doc-7", measured))


def test_hand_made_rows_keep_their_values_and_types():
    rows = [{"doc_id": "演讲", "section_id": "P1", "parent_id": "", "level": 1, "kind": "part", "label": "一、",
             "ordinal": 1.0, "heading": "抓发展", "start": 0, "end": 12, "chars": 12, "declared_items": 3.0,
             "items": 2, "share": 0.75, "position": 0.0, "top_id": "P1", "is_leaf": False,
             "warnings": "announced 三项 (3) but found 2 items"},
            {"doc_id": "演讲", "section_id": "P1.I1", "parent_id": "P1", "level": 2, "kind": "item", "label": "一是",
             "ordinal": np.nan, "heading": "", "start": 4, "end": 16, "chars": 12, "declared_items": np.nan,
             "items": 0, "share": 0.25, "position": 0.25, "top_id": "P1", "is_leaf": True, "warnings": ""}]
    measured = {"hanzi": np.array([10, 9], dtype=np.int64), "sentences": np.array([2, 1], dtype=np.int64)}
    fast = structure._sections_blocks(rows, measured)
    _same(fast, structure._sections_frame([dict(r) for r in rows], "演讲", measured))
    assert fast["hanzi"].tolist() == [10, 9] and fast["sentences"].tolist() == [2, 1]
    assert fast["end"].tolist() == [12, 16] and fast["items"].tolist() == [2, 0]
    assert fast["declared_items"].tolist()[0] == 3.0 and np.isnan(fast["declared_items"].tolist()[1])
    assert fast["label"].tolist() == ["一、", "一是"] and fast["is_leaf"].tolist() == [False, True]
    assert fast["warnings"].tolist() == ["announced 三项 (3) but found 2 items", ""]


def test_parse_structure_without_blocks_gives_the_same_table(monkeypatch):
    text = zs.clean.clean_text(texts.styled_texts()["mixed"]).text
    fast = structure.parse_structure(text, "d")
    monkeypatch.setattr(structure, "_BLOCK_TOOLS", [None])
    slow = structure.parse_structure(text, "d")
    _same(fast, slow)
    assert len(slow) > 10


@pytest.mark.parametrize("doc_id", ["", "文-1"])
def test_empty_text_and_plain_ids(doc_id):
    for text in ("", "\n", "一、\n"):
        got = structure.parse_structure(text, doc_id)
        assert list(got.columns) == structure.SECTION_COLUMNS
        assert (got["doc_id"] == doc_id).all()
