"""The store's tables and the theme hits are the same as before the speed work of issue 15.

tests/store_oracle.py keeps the per-document table building, the Parquet writer and
``count_themes`` as they were. Each test indexes the same folder twice, once with the
library's code and once with the oracle's, and requires every table to be equal value
for value and type for type (rows sorted: their order is not part of a store). The
folders hold the 16 shared texts, the sample and speeches of our own: with and without
parts, redaction masks next to theme terms, a traditional passage, no theme at all, a
footer line repeated across documents, metadata with and without a year, one-line
documents, and a long speech read in chunks.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import zhspeech as zs

sys.path.insert(0, str(Path(__file__).parent))
import speeches  # noqa: E402
import store_oracle  # noqa: E402

FOOTER = "青山县人民政府办公室编印"
OWN = {
    # masks (XX, ×× and dates) right next to theme terms; a subpart under a part
    "masked.txt": "关于XX县脱贫攻坚工作的汇报\n各位领导：\n一、基本情况\n"
                  "XXX同志带领XX乡干部推进脱贫攻坚XX，××村的产业扶贫项目于XX月XX日完工。\n"
                  "（一）乡村振兴\n我们把乡村振兴作为头等大事，XX名人才返乡创业。\n"
                  "二、下一步打算\n继续巩固脱贫攻坚成果，加强基层治理，做好人才引进工作。\n" + FOOTER + "\n",
    # a traditional passage inside a simplified text
    "mixed.txt": "座谈会发言\n我们要坚持人才是第一资源。\n"
                 "我們要堅持脫貧攻堅，推進鄉村振興，加強基層治理，讓人才留得住。\n"
                 "最后，祝大家工作顺利。\n" + FOOTER + "\n",
    # no theme term, no heading
    "plain.txt": "今天的天气很好，我们一起去公园散步。\n湖边的柳树发芽了，孩子们在草地上放风筝。\n" + FOOTER + "\n",
    # one line, no sentence end
    "one-line.txt": "同志们",
    # inline enumerations and numbered items, with themes in every item
    "items.txt": "在全市人才工作会议上的讲话\n同志们：\n下面我讲三点。\n"
                 "第一，人才是第一资源。一是引进人才，二是用好人才，三是留住人才。\n"
                 "第二，基层治理要抓实。1. 网格化管理。2. 矛盾纠纷就地化解。\n"
                 "第三，生态环境要守牢。绿水青山就是金山银山。\n谢谢大家！\n",
}
MANIFEST = ("id,title,date,issuer,genre\nmasked,汇报,2021-03-02,青山县,report\nmixed,发言,,青山县,speech\n"
            "plain,散文,2020,,\nitems,讲话,二〇二〇年,某市,speech\n")


def own_folder(root: Path) -> Path:
    """Our own texts: the speeches of tests/speeches.py and the short ones above."""
    speeches.write_speeches(root / "speeches")
    own = root / "own"
    own.mkdir(parents=True)
    for name, text in OWN.items():
        (own / name).write_text(text, encoding="utf-8")
    (own / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    return root


def store_tables(root: Path) -> dict:
    """Each table of a store as one Arrow table (its part files in manifest order),
    sorted by all of its columns, with the schema its files carry."""
    import json

    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    out = {}
    for table in store_oracle.TABLES:      # the tables the oracle writes
        files = [root / info[table]["file"] for _, info in sorted(manifest["parts"].items())]
        parts = [pq.read_table(f) for f in files]
        schemas = {p.schema.to_string(show_schema_metadata=True) for p in parts}
        assert len(schemas) == 1, (table, schemas)
        data = pa.concat_tables(parts)
        out[table] = data.sort_by([(c, "ascending") for c in data.column_names])
    return out


def index_both(source: Path, tmp: Path, monkeypatch, **kw) -> tuple[dict, dict]:
    zs.store.index(source, tmp / "new", workers=1, backend="rjieba", progress=False, **kw)
    with monkeypatch.context() as m:
        m.setattr(zs.store, "document_tables", store_oracle.document_tables)
        # the oracle writes its own tables (the discourse tables came after it)
        m.setattr(zs.store, "_PartWriter", lambda root, part, tables=None: store_oracle._PartWriter(root, part))
        zs.store.index(source, tmp / "old", workers=1, backend="rjieba", progress=False, **kw)
    return store_tables(tmp / "new"), store_tables(tmp / "old")


def assert_same_tables(new: dict, old: dict) -> None:
    for table in store_oracle.TABLES:
        a, b = new[table], old[table]
        assert a.schema.equals(b.schema, check_metadata=True), (table, a.schema, b.schema)
        assert a.num_rows == b.num_rows, (table, a.num_rows, b.num_rows)
        if not a.equals(b):
            da, db = a.to_pandas(), b.to_pandas()
            diff = da.compare(db) if da.shape == db.shape else None
            pytest.fail(f"{table}: tables differ\n{diff}")


def test_store_equals_the_oracle_on_the_shared_corpus_sample_and_own_texts(shared_corpus, tmp_path,
                                                                            monkeypatch):
    src = tmp_path / "in"
    shutil.copytree(zs.paths.corpus_dir(), src / "corpus")
    (src / "sample").mkdir()
    shutil.copy(zs.paths.sample_speech(), src / "sample")
    own_folder(src / "ours")
    new, old = index_both(src, tmp_path, monkeypatch)
    assert new["documents"].num_rows == len(shared_corpus) + 1 + 4 + len(OWN)
    assert new["theme_hits"].num_rows > 1000 and new["section_terms"].num_rows > 10_000
    assert_same_tables(new, old)


def test_store_equals_the_oracle_in_chunks_and_one_document_per_part(tmp_path, monkeypatch):
    """Long documents read in chunks of 3,000 characters, and each document its own
    part (so some parts have no theme hits and one has no terms at all)."""
    src = own_folder(tmp_path / "in")
    new, old = index_both(src, tmp_path, monkeypatch, chunk_chars=3_000, task_chars=10)
    assert new["documents"]["chunks"].to_pylist().count(1) < new["documents"].num_rows
    assert_same_tables(new, old)


def test_count_themes_equals_the_oracle(shared_cleaned, sample, sample_sections, lexicon, tmp_path):
    own = own_folder(tmp_path / "in")
    texts = {**shared_cleaned, "sample": sample}
    for path in sorted(own.rglob("*")):
        if path.suffix in (".txt", ".docx"):
            doc = zs.corpus.load_document(path)
            texts[doc.doc_id] = zs.clean.clean_text(doc.raw, doc_id=doc.doc_id)
    assert any(len(c.masks) for c in texts.values())
    small = lexicon.select(["人才", "基层治理"])
    for doc_id, cleaned in texts.items():
        sec = zs.structure.parse_structure(cleaned.text, doc_id)
        for kw in ({}, {"sections": sec}, {"sections": sec, "lexicon": small}, {"masks": []}):
            new = zs.themes.count_themes(cleaned, doc_id=doc_id, **{"lexicon": lexicon, **kw})
            old = store_oracle.count_themes(cleaned, doc_id=doc_id, **{"lexicon": lexicon, **kw})
            pd.testing.assert_frame_equal(new, old, obj=f"{doc_id} {sorted(kw)}")
    # a plain string, an empty one, and an empty lexicon selection
    for text in ("", "人才", "XX人才XX"):
        pd.testing.assert_frame_equal(zs.themes.count_themes(text, lexicon=lexicon),
                                      store_oracle.count_themes(text, lexicon=lexicon))


# -- today's store as a whole (tests/oracle/store_v1.py), the discourse tables included ---

def generated_folder(root: Path) -> Path:
    """Texts of tests/oracle/texts.py: speeches in every numbering style, their damaged
    variants (lost breaks, traditional script, redaction marks, adverts) and random
    assemblies of structure markers; with a manifest giving some of them metadata."""
    from oracle import texts

    root.mkdir(parents=True)
    styled = texts.styled_texts()
    names = []
    for k, (name, text) in enumerate(sorted(styled.items())):
        (root / f"{name}.txt").write_text(text, encoding="utf-8")
        names.append(name)
        for variant, damaged in sorted(texts.damaged(text, seed=k).items()):
            if k % 3 == 0:
                (root / f"{name}-{variant}.txt").write_text(damaged, encoding="utf-8")
    for i, text in enumerate(texts.fuzz_texts(12)):
        (root / f"fuzz-{i:02d}.txt").write_text(text, encoding="utf-8")
    # long documents, read in chunks: all the styles one after another, twice
    (root / "long-styles.txt").write_text("\n".join(styled[n] for n in names), encoding="utf-8")
    (root / "long-fuzz.txt").write_text("\n".join(texts.fuzz_texts(6, seed=3)), encoding="utf-8")
    rows = [f"{name},题{k},{2000 + k}-01-0{1 + k % 9},某{'县市省'[k % 3]},{'speech' if k % 2 else 'report'}"
            for k, name in enumerate(names)]
    (root / "manifest.csv").write_text("id,title,date,issuer,genre\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return root


def all_tables(root: Path) -> dict:
    """Every table of a store, as :func:`store_tables` reads the oracle's five."""
    import json

    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    out = {}
    for table in manifest["tables"]:
        parts = [pq.read_table(root / info[table]["file"]) for _, info in sorted(manifest["parts"].items())]
        schemas = {p.schema.to_string(show_schema_metadata=True) for p in parts}
        assert len(schemas) == 1, (table, schemas)
        data = pa.concat_tables(parts)
        out[table] = data.sort_by([(c, "ascending") for c in data.column_names])
    return out


def same_as_today(source: Path, tmp: Path, **kw) -> dict:
    from oracle import store_v1

    zs.store.index(source, tmp / "new", workers=1, backend="rjieba", progress=False, **kw)
    store_v1.index(source, tmp / "today", workers=1, backend="rjieba", progress=False, **kw)
    new, today = all_tables(tmp / "new"), all_tables(tmp / "today")
    assert list(new) == list(today) == list(zs.store.Settings(discourse=kw.get("discourse", True)).tables)
    for table in today:
        a, b = new[table], today[table]
        assert a.schema.equals(b.schema, check_metadata=True), (table, a.schema, b.schema)
        assert a.num_rows == b.num_rows, (table, a.num_rows, b.num_rows)
        assert a.equals(b), table
    return new


def test_store_equals_todays_store_on_the_shared_corpus_sample_and_own_texts(shared_corpus, tmp_path):
    src = tmp_path / "in"
    shutil.copytree(zs.paths.corpus_dir(), src / "corpus")
    (src / "sample").mkdir()
    shutil.copy(zs.paths.sample_speech(), src / "sample")
    own_folder(src / "ours")
    new = same_as_today(src, tmp_path)
    assert new["documents"].num_rows == len(shared_corpus) + 1 + 4 + len(OWN)
    assert min(new[t].num_rows for t in zs.store.TABLES) >= 20          # targets: the fewest


def test_store_equals_todays_store_on_generated_texts_in_chunks_and_small_parts(tmp_path):
    """Generated texts, read in chunks of 2,000 characters, a few documents per part
    (so parts hold several documents, and documents several chunks)."""
    src = generated_folder(tmp_path / "in")
    new = same_as_today(src, tmp_path, chunk_chars=2_000, task_chars=20_000)
    assert new["documents"].num_rows >= 30 and max(new["documents"]["chunks"].to_pylist()) > 1
    assert new["documents"]["chunks"].to_pylist().count(1) > 0


def test_store_equals_todays_store_without_discourse_in_one_part(tmp_path):
    src = own_folder(tmp_path / "in")
    new = same_as_today(src, tmp_path, discourse=False, task_chars=10_000_000)
    assert "formulas" not in new and new["terms"].num_rows > 1000


def test_vocabulary_numbers_by_table_number_by_hand():
    """Tokens mapped to vocabulary numbers through the tokenizer's word numbers: new
    words numbered in the order they first occur, stopwords and punctuation -1, and a
    fresh table (numbering started again) mapped anew."""
    import numpy as np

    tok = zs.tokenize.Tokenizer(backend="rjieba")
    vocabulary = zs.store._Vocabulary(tok)
    table = zs.tokenize._Words(tok)
    table.numbers(["改革", "的", "开放", "。", "发展"])            # numbers 0..4
    ids = np.array([4, 0, 1, 4, 3, 2, 0])                         # 发展 改革 的 发展 。 开放 改革
    got = zs.store._vocabulary_numbers(vocabulary, table, ids)
    assert got.tolist() == [0, 1, -1, 0, -1, 2, 1]
    assert vocabulary.words[:3].tolist() == ["发展", "改革", "开放"]
    # a second document: known words by array, a new one gets the next number
    table.numbers(["创新"])                                       # number 5
    got = zs.store._vocabulary_numbers(vocabulary, table, np.array([5, 2, 5]))
    assert got.tolist() == [3, 2, 3]
    # a new table numbers words differently; the vocabulary keeps its numbers
    fresh = zs.tokenize._Words(tok)
    fresh.numbers(["开放", "协调"])
    assert zs.store._vocabulary_numbers(vocabulary, fresh, np.array([1, 0, 1])).tolist() == [4, 2, 4]
    assert zs.store._vocabulary_numbers(vocabulary, fresh, np.array([], dtype=np.intp)).tolist() == []


def test_store_equals_todays_store_with_the_word_numbering_started_again(tmp_path, monkeypatch):
    """With a limit of 300 words the tokenizer's numbering starts again on almost every
    document: the store's rows do not change."""
    monkeypatch.setattr(zs.tokenize, "WORDS_LIMIT", 300)
    started = []
    init = zs.tokenize._Words.__init__
    monkeypatch.setattr(zs.tokenize._Words, "__init__", lambda self, tok: (started.append(1), init(self, tok))[1])
    zs.store._TOOLS.clear()
    src = own_folder(tmp_path / "in")
    try:
        same_as_today(src, tmp_path, discourse=False)
    finally:
        zs.store._TOOLS.clear()
    assert len(started) >= 4
