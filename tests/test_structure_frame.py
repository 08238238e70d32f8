"""The sections table built column by column with each column's type given
(structure._sections_frame) is the table pandas' public constructor gives from the same
rows: same values, column types, column order and index."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zhspeech import structure


def _public(rows, measured) -> pd.DataFrame:
    rows = [dict(r) for r in rows]
    for name, values in measured.items():
        for row, value in zip(rows, values.tolist()):
            row[name] = value
    df = pd.DataFrame(rows, columns=structure.SECTION_COLUMNS)
    return df.astype({"ordinal": float, "declared_items": float})


def test_hand_made_rows_keep_their_values_and_types():
    rows = [{"doc_id": "演讲", "section_id": "P1", "parent_id": "", "level": 1, "kind": "part", "label": "一、",
             "ordinal": 1.0, "heading": "抓发展", "start": 0, "end": 12, "chars": 12, "declared_items": 3.0,
             "items": 2, "share": 0.75, "position": 0.0, "top_id": "P1", "is_leaf": False,
             "warnings": "announced 三项 (3) but found 2 items"},
            {"doc_id": "演讲", "section_id": "P1.I1", "parent_id": "P1", "level": 2, "kind": "item", "label": "一是",
             "ordinal": np.nan, "heading": "", "start": 4, "end": 16, "chars": 12, "declared_items": np.nan,
             "items": 0, "share": 0.25, "position": 0.25, "top_id": "P1", "is_leaf": True, "warnings": ""}]
    measured = {"hanzi": np.array([10, 9], dtype=np.int64), "sentences": np.array([2, 1], dtype=np.int64)}
    got = structure._sections_frame([dict(r) for r in rows], "演讲", measured)
    pd.testing.assert_frame_equal(got, _public(rows, measured), check_exact=True)
    assert list(got.columns) == structure.SECTION_COLUMNS and isinstance(got.index, pd.RangeIndex)
    assert got["hanzi"].tolist() == [10, 9] and got["sentences"].tolist() == [2, 1]
    assert got["end"].tolist() == [12, 16] and got["items"].tolist() == [2, 0]
    assert got["declared_items"].tolist()[0] == 3.0 and np.isnan(got["declared_items"].tolist()[1])
    assert got["label"].tolist() == ["一、", "一是"] and got["is_leaf"].tolist() == [False, True]
    assert got["warnings"].tolist() == ["announced 三项 (3) but found 2 items", ""]
    assert str(got["level"].dtype) == "int64" and str(got["share"].dtype) == "float64"


@pytest.mark.parametrize("doc_id", ["", "文-1"])
def test_empty_text_and_plain_ids(doc_id):
    for text in ("", "\n", "一、\n"):
        got = structure.parse_structure(text, doc_id)
        assert list(got.columns) == structure.SECTION_COLUMNS
        assert (got["doc_id"] == doc_id).all()
