"""The corpus store: tables equal to the library's own counts, incremental re-indexing,
a manifest written last (partial, failed, corrupt and concurrent runs), the same store
from a Dask cluster, DuckDB queries and the ready questions with hand-computed values.
The test speeches are our own sentences."""
import json
import subprocess
import sys

import pandas as pd
import pytest

import zhspeech as zs
from zhspeech.cli import main

TEXTS = {
    "prov-a/a-2019.txt": "关于脱贫攻坚的报告\n各位代表：\n一、过去一年的工作\n我们坚决打赢脱贫攻坚战。脱贫攻坚取得决定性进展。\n"
                         "二、今年的任务\n继续推进乡村振兴，加强人才工作。\n",
    "prov-a/a-2020.txt": "政府工作报告\n各位代表：\n一、回顾\n脱贫攻坚目标任务全面完成。\n二、安排\n人才是第一资源。\n",
    "prov-b/b-2020.txt": "在人才工作座谈会上的讲话\n同志们：\n人才是第一资源。要重视人才，用好人才。\n",
}
MANIFESTS = {
    "prov-a/manifest.csv": "id,title,date,issuer,genre\na-2019,报告甲,2019-01-20,甲省,gwr\na-2020,报告乙,2020-01-18,甲省,gwr\n",
    "prov-b/manifest.csv": "id,title,date,issuer,genre\nb-2020,讲话丙,2020-06-01,乙省,speech\n",
}


def write_corpus(root, texts=TEXTS):
    for rel, text in {**texts, **MANIFESTS}.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root


def tables(store_dir):
    """Every table of a store as sorted DataFrames (order of rows is not part of it)."""
    with zs.store.open(store_dir) as st:
        out = {}
        for name in zs.store.TABLES:
            df = st.table(name)
            out[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
        return out


def assert_same(a, b):
    for name in zs.store.TABLES:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@pytest.fixture
def corpus_dir(tmp_path):
    return write_corpus(tmp_path / "texts")


def test_index_counts_equal_the_library(corpus_dir, tmp_path, fast_tokenizer):
    summary = zs.store.index(corpus_dir, tmp_path / "st", workers=1, backend="rjieba", progress=False)
    assert (summary.indexed, summary.unchanged, summary.documents) == (3, 0, 3)
    t = tables(tmp_path / "st")
    docs = t["documents"].set_index("doc_id")
    assert docs.loc["a-2019", ["year", "issuer", "genre", "group"]].tolist() == [2019, "甲省", "gwr", "prov-a"]
    assert docs.loc["b-2020", ["year", "issuer", "group"]].tolist() == [2020, "乙省", "prov-b"]
    for rel, raw in TEXTS.items():
        doc_id = rel.split("/")[1][:-4]
        cleaned = zs.clean.clean_text(raw, doc_id=doc_id)
        expected = fast_tokenizer.count(cleaned)
        got = t["terms"][t["terms"]["doc_id"] == doc_id]
        assert dict(zip(got["term"], got["n"])) == dict(expected)
        assert docs.loc[doc_id, "tokens"] == sum(expected.values())
        # section terms add up to the document's terms
        st = t["section_terms"][t["section_terms"]["doc_id"] == doc_id]
        assert st.groupby("term")["n"].sum().to_dict() == dict(expected)
        hits = zs.themes.count_themes(cleaned, doc_id=doc_id)
        mine = t["theme_hits"][t["theme_hits"]["doc_id"] == doc_id]
        assert sorted(zip(mine["start"], mine["theme"])) == sorted(zip(hits["start"], hits["theme"]))
        # the discourse tables are the library's, row for row
        sections = zs.structure.parse_structure(cleaned.text, doc_id)
        for table, expected in (("formulas", zs.discourse.find_formulas(cleaned, sections, doc_id=doc_id)),
                                ("directives", zs.discourse.directive_force(cleaned, sections, doc_id=doc_id)),
                                ("targets", zs.discourse.targets(cleaned, sections, doc_id=doc_id))):
            mine = t[table][t[table]["doc_id"] == doc_id].sort_values("start", kind="stable")
            assert mine.drop(columns="doc_id").values.tolist() == \
                expected.sort_values("start", kind="stable").drop(columns="doc_id").values.tolist(), table
    d = t["directives"].set_index(["doc_id", "sentence"])
    # 我们坚决打赢脱贫攻坚战 is in the part headed 过去一年的工作: a review sentence, strong (坚决)
    assert d.loc[("a-2019", 3), ["level", "marker", "review"]].tolist() == ["strong", "坚决", True]
    assert d.loc[("b-2020", 3), ["level", "marker", "review"]].tolist() == ["standard", "要", False]
    n = t["terms"].set_index(["doc_id", "term"])["n"]
    assert (n["a-2019", "脱贫攻坚"], n["a-2020", "脱贫攻坚"]) == (3, 1)   # title, 脱贫攻坚战 and one more
    assert (n["a-2020", "人才"], n["b-2020", "人才"]) == (1, 3)


def test_ready_questions_by_hand(corpus_dir, tmp_path):
    zs.store.index(corpus_dir, tmp_path / "st", workers=1, backend="rjieba", progress=False)
    with zs.store.open(tmp_path / "st") as st:
        tokens = st.documents.set_index("doc_id")["tokens"]
        trend = st.term_trend(["脱贫攻坚", "人才"], by="year")
        row = trend[(trend["year"] == 2020) & (trend["term"] == "人才")].iloc[0]
        assert row["n"] == 4 and row["docs"] == 2 and row["documents"] == 2
        assert row["tokens"] == tokens["a-2020"] + tokens["b-2020"]
        assert row["per_10k"] == pytest.approx(4 / row["tokens"] * 10_000)
        row = trend[(trend["year"] == 2019) & (trend["term"] == "脱贫攻坚")].iloc[0]
        assert (row["n"], row["docs"]) == (3, 1)
        by_issuer = st.term_trend("脱贫攻坚", by="issuer").set_index("issuer")["n"].to_dict()
        assert by_issuer == {"甲省": 4, "乙省": 0}
        top = st.top_terms(by="issuer", n=1).set_index("issuer")
        assert top.loc["乙省", "term"] == "人才" and top.loc["乙省", "n"] == 3
        assert top.loc["甲省", "term"] == "脱贫攻坚" and top.loc["甲省", "n"] == 4
        share = st.theme_share(by="kind")
        hits = st.sql("SELECT theme, COUNT(*) AS n FROM theme_hits GROUP BY 1").set_index("theme")["n"]
        assert share.groupby("theme")["hits"].sum().to_dict() == hits.to_dict()
        assert share.groupby("kind")["hit_share"].sum().round(9).eq(1).all()
        with pytest.raises(zs.store.StoreError, match="by=region: not a column of documents"):
            st.term_trend("人才", by="region")


def test_reindex_reads_only_new_or_changed_documents(corpus_dir, tmp_path):
    out = tmp_path / "st"
    zs.store.index(corpus_dir, out, workers=1, backend="rjieba", progress=False)
    again = zs.store.index(corpus_dir, out, workers=1, backend="rjieba", progress=False)
    assert (again.indexed, again.unchanged, again.removed) == (0, 3, 0)
    (corpus_dir / "prov-a/a-2020.txt").write_text("政府工作报告\n人才工作要加强。\n", encoding="utf-8")
    (corpus_dir / "prov-b/b-2020.txt").unlink()
    (corpus_dir / "prov-b/b-2021.txt").write_text("讲话\n要抓好脱贫攻坚。\n", encoding="utf-8")
    third = zs.store.index(corpus_dir, out, workers=1, backend="rjieba", progress=False)
    assert (third.indexed, third.unchanged, third.removed, third.documents) == (2, 1, 1, 3)
    fresh = tmp_path / "fresh"
    zs.store.index(corpus_dir, fresh, workers=1, backend="rjieba", progress=False)
    assert_same(tables(out), tables(fresh))
    listed = {i["file"] for p in json.loads((out / "manifest.json").read_text())["parts"].values() for i in p.values()}
    on_disk = {f"{p.parent.name}/{p.name}" for p in out.glob("*/*.parquet")}
    assert on_disk == listed            # replaced parts were deleted
    # rewritten parts are written as the writer writes them: same codec, term tables sorted
    import pyarrow.parquet as pq

    for rel in listed:
        meta = pq.ParquetFile(out / rel).metadata
        assert {meta.row_group(g).column(c).compression for g in range(meta.num_row_groups)
                for c in range(meta.num_columns)} <= {"SNAPPY"}, rel
        if rel.split("/")[0] in zs.store.SORTED_BY_TERM:
            data = pq.read_table(out / rel)
            assert data.equals(data.sort_by([("term", "ascending"), ("doc_id", "ascending")])), rel


def test_two_processes_give_the_same_store(corpus_dir, tmp_path):
    zs.store.index(corpus_dir, tmp_path / "one", workers=1, backend="rjieba", progress=False)
    zs.store.index(corpus_dir, tmp_path / "two", workers=2, backend="rjieba", progress=False, task_chars=10)
    assert len(json.loads((tmp_path / "two/manifest.json").read_text())["parts"]) == 3
    assert_same(tables(tmp_path / "one"), tables(tmp_path / "two"))


def test_dask_local_cluster_gives_the_same_store(corpus_dir, tmp_path):
    from dask.distributed import Client, LocalCluster

    zs.store.index(corpus_dir, tmp_path / "local", workers=1, backend="rjieba", progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        summary = zs.store.index(corpus_dir, tmp_path / "dask", scheduler=client, backend="rjieba",
                                 progress=False, task_chars=10)
        assert summary.scheduler == "dask" and summary.indexed == 3
    assert_same(tables(tmp_path / "local"), tables(tmp_path / "dask"))


def test_long_document_in_chunks_equals_whole(tmp_path):
    paragraph = "我们要巩固脱贫攻坚成果，推进乡村振兴，加强人才队伍建设。\n"
    body = "".join(f"{i}. " + paragraph for i in range(1, 41))
    write_corpus(tmp_path / "c", {"big/long.txt": "关于工作的报告\n" + body})
    whole = zs.store.index(tmp_path / "c", tmp_path / "whole", workers=1, backend="rjieba", progress=False)
    zs.store.index(tmp_path / "c", tmp_path / "parts", workers=1, backend="rjieba", progress=False,
                   chunk_chars=300)
    a, b = tables(tmp_path / "whole"), tables(tmp_path / "parts")
    assert whole.indexed == 1 and b["documents"]["chunks"].item() > 4
    pd.testing.assert_frame_equal(a["terms"], b["terms"])
    assert b["terms"].set_index("term")["n"]["脱贫攻坚"] == 40
    for col in ("chars", "tokens", "sentences", "hanzi"):
        assert a["documents"][col].item() == b["documents"][col].item(), col
    cols = ["start", "end", "theme", "term"]
    pd.testing.assert_frame_equal(a["theme_hits"][cols].sort_values(cols).reset_index(drop=True),
                                  b["theme_hits"][cols].sort_values(cols).reset_index(drop=True))
    # sentences numbered through the document, offsets in the whole text
    cols = ["sentence", "start", "end", "level", "marker", "marker_start", "marker_end", "markers", "review"]
    pd.testing.assert_frame_equal(a["directives"][cols].sort_values("start").reset_index(drop=True),
                                  b["directives"][cols].sort_values("start").reset_index(drop=True))
    assert (b["directives"]["level"] == "standard").sum() == 40 and b["directives"]["sentence"].max() == 40


def test_paragraph_chunks_cut_after_line_breaks_and_sentences():
    text = "甲乙丙。\n丁戊己。\n庚辛壬。\n"
    pieces = list(zs.store.paragraph_chunks(text, 7))
    assert pieces == ["甲乙丙。\n", "丁戊己。\n", "庚辛壬。\n"]
    one_line = "甲乙。丙丁。戊己。庚辛。"
    assert list(zs.store.paragraph_chunks(one_line, 7)) == ["甲乙。丙丁。", "戊己。庚辛。"]
    assert list(zs.store.paragraph_chunks("甲" * 10, 4)) == ["甲" * 4, "甲" * 4, "甲" * 2]


def test_failed_run_leaves_the_previous_store(corpus_dir, tmp_path, monkeypatch):
    out = tmp_path / "st"
    zs.store.index(corpus_dir, out, workers=1, backend="rjieba", progress=False)
    before = tables(out)
    manifest = (out / "manifest.json").read_bytes()
    (corpus_dir / "prov-a/a-2020.txt").write_text("报告\n人才。\n", encoding="utf-8")
    original = zs.store.document_tables

    def crash(doc, **kw):
        if doc.doc_id == "a-2020":
            raise KeyboardInterrupt  # an interrupted run
        yield from original(doc, **kw)

    monkeypatch.setattr(zs.store, "document_tables", crash)
    with pytest.raises(KeyboardInterrupt):
        zs.store.index(corpus_dir, out, workers=1, backend="rjieba", progress=False)
    assert (out / "manifest.json").read_bytes() == manifest
    assert_same(tables(out), before)
    # a fresh store whose first run fails does not read as complete
    with pytest.raises(KeyboardInterrupt):
        zs.store.index(corpus_dir, tmp_path / "new", workers=1, backend="rjieba", progress=False)
    with pytest.raises(zs.store.StoreError, match="not a complete store"):
        zs.store.open(tmp_path / "new")


def test_bad_document_stops_the_run_and_names_the_file(corpus_dir, tmp_path, capsys):
    (corpus_dir / "prov-b/broken.txt").write_bytes(b"")
    assert main(["corpus", "index", str(corpus_dir), "--out", str(tmp_path / "st"), "--quiet",
                 "--workers", "1"]) == 2
    assert "broken.txt: empty file" in capsys.readouterr().err
    assert not (tmp_path / "st/manifest.json").exists()


def test_corrupt_part_and_concurrent_run_are_refused(corpus_dir, tmp_path):
    out = tmp_path / "st"
    zs.store.index(corpus_dir, out, workers=1, backend="rjieba", progress=False)
    with zs.store._Lock(out):
        with pytest.raises(zs.store.StoreError, match="another index run is writing this store"):
            zs.store.index(corpus_dir, out, workers=1, backend="rjieba", progress=False)
    part = next(out.glob("terms/*.parquet"))
    part.write_bytes(part.read_bytes()[:-10])
    with pytest.raises(zs.store.StoreError, match="corrupt"):
        zs.store.open(out)


def test_cli_index_and_query(corpus_dir, tmp_path, capsys):
    out = str(tmp_path / "st")
    assert main(["corpus", "index", str(corpus_dir), "--out", out, "--workers", "1", "--backend", "rjieba"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("indexed 3 documents (") and "0 unchanged, 0 removed; 3 documents in" in line
    assert main(["query", out, "SELECT doc_id, n FROM terms WHERE term = '脱贫攻坚' ORDER BY doc_id",
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out == "doc_id,n\na-2019,3\na-2020,1\n"
    assert main(["query", out, "--trend", "人才", "--by", "issuer", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["issuer"], r["n"]) for r in rows] == [("乙省", 3), ("甲省", 1)]   # 人才工作 is one term
    assert main(["query", out, "SELECT nothing FROM terms"]) == 2
    assert "zhspeech: error: query: Binder Error" in capsys.readouterr().err
    assert main(["query", str(tmp_path / "none"), "SELECT 1"]) == 2
    assert "none: no such store" in capsys.readouterr().err
    assert main(["corpus", "index", str(corpus_dir), "--out", out, "--scheduler", "yarn"]) == 2
    assert "--scheduler: 'yarn'" in capsys.readouterr().err


def test_reference_opens_as_a_store():
    with zs.store.open("reference") as st:
        ref = zs.reference.load_reference()
        terms = st.sql("SELECT doc_id, SUM(n) AS n FROM terms GROUP BY 1").set_index("doc_id")["n"]
        assert terms.to_dict() == ref.terms.groupby("doc_id")["n"].sum().to_dict()
        trend = st.term_trend("脱贫攻坚", by="year")
        per_year = ref.terms[ref.terms["term"] == "脱贫攻坚"].merge(ref.documents, on="doc_id")
        assert trend.set_index("year")["n"].loc[2019] == per_year[per_year["year"] == 2019]["n"].sum()


def test_importing_the_command_line_stays_light():
    code = ("import sys, zhspeech.cli; heavy = ('pandas', 'numpy', 'jieba', 'rjieba', 'matplotlib', 'pyarrow',"
            " 'duckdb', 'dask'); print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_each_command_computes_only_what_it_shows(monkeypatch, capsys):
    sample = str(zs.paths.sample_speech())

    def forbidden(*args, **kwargs):
        raise AssertionError("a stage this command does not show was computed")

    with monkeypatch.context() as m:
        m.setattr(zs.themes, "count_themes", forbidden)
        m.setattr(zs.tokenize, "tokenize_corpus", forbidden)
        assert main(["sections", sample, "--depth", "1", "--format", "csv"]) == 0
        assert main(["kwic", sample, "人才", "--format", "csv"]) == 0
    with monkeypatch.context() as m:
        m.setattr(zs.themes, "count_themes", forbidden)
        m.setattr(zs.structure, "parse_structure", forbidden)
        assert main(["freq", sample, "--top", "3", "--format", "csv"]) == 0
    with monkeypatch.context() as m:
        m.setattr(zs.tokenize, "tokenize_corpus", forbidden)
        assert main(["themes", sample, "--format", "csv"]) == 0
    capsys.readouterr()


def test_sort_by_term_equals_arrow_sort_by():
    import random

    import pyarrow as pa

    rng = random.Random(7)
    alphabet = ["人才", "人", "才", "a", "Z", "脱贫攻坚", "脱贫", "𠀀", "é", ""]
    terms = [rng.choice(alphabet) + rng.choice(alphabet) for _ in range(3000)]
    docs = [rng.choice(["d-10", "d-2", "甲", "d-1"]) for _ in terms]
    data = pa.table({"doc_id": docs, "section_id": [str(i) for i in range(len(terms))], "term": terms,
                     "n": list(range(len(terms)))})
    expected = data.sort_by([("term", "ascending"), ("doc_id", "ascending")])
    assert zs.store.sort_by_term(data).equals(expected)          # ties keep their order (n)
    assert zs.store.sort_by_term(data.slice(0, 1)).equals(data.slice(0, 1))


def test_token_sections_equal_a_search_per_token():
    import numpy as np

    starts = [0, 2, 3, 7, 7, 9, 12, 20]
    for tops in ([0], [0, 3], [0, 3, 3, 9], [1, 8, 30], [0, 2, 3, 7, 9, 12, 20], []):
        got = zs.store._token_sections(starts, tops, len(starts))
        expected = np.clip(np.searchsorted(tops, starts, side="right") - 1, 0, None) if tops else [0] * len(starts)
        assert got.tolist() == list(expected), tops


def test_vocabulary_numbers_counted_words_once(fast_tokenizer):
    vocab = zs.store._Vocabulary(fast_tokenizer)
    words = ["人才", "的", "人才", "2020年", "基层", "，"] * 300
    numbers = [vocab[w] for w in words]
    assert numbers[:6] == [0, -1, 0, -1, 1, -1] and vocab.size == 2
    assert vocab.words[:2].tolist() == ["人才", "基层"]
    new = [chr(0x6000 + i) + chr(0x7000 + i) for i in range(3000)]   # two-character Han words
    numbers = [vocab[w] for w in new]          # the array of words grows as needed
    assert numbers == list(range(2, 3002)) and vocab.size == 3002
    assert vocab.words[numbers].tolist() == new
    assert vocab.take([3001, 0, 2]).to_pylist() == [new[-1], "人才", new[0]]
    vocab["基层治理"]
    assert vocab.take([vocab["基层治理"]]).to_pylist() == ["基层治理"]


def test_sort_by_term_with_more_than_65536_terms_equals_arrow_sort_by():
    import pyarrow as pa

    terms = [f"t{(i * 7919) % 70001}" for i in range(70001)]
    data = pa.table({"doc_id": ["b" if i % 3 else "a" for i in range(len(terms))], "term": terms,
                     "n": list(range(len(terms)))})
    assert zs.store.sort_by_term(data).equals(data.sort_by([("term", "ascending"), ("doc_id", "ascending")]))


class _Words:
    """A stand-in vocabulary: numbers of a fixed list of words."""

    def __init__(self, words):
        import pyarrow as pa

        self.words = pa.array(words, pa.string())
        self.size = len(words)

    def take(self, numbers):
        import numpy as np
        import pyarrow as pa

        return self.words.take(pa.array(np.asarray(numbers, dtype=np.int64)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_term_rows_of_a_flush_equal_their_tables_sorted_by_term(seed):
    """_term_table builds the columns of many documents' rows at once, in sorted order:
    the same table as each document's rows made Arrow, concatenated, then sorted (ties
    of term and document keep their order); one document may come in several chunks."""
    import random

    import numpy as np
    import pyarrow as pa

    rng = random.Random(seed)
    words = _Words(["人才", "人", "才", "a", "Z", "脱贫攻坚", "脱贫", "𠀀", "é", "", "基层治理", "ab", "a\x00"])
    schemas = zs.store._schemas()
    for table in ("terms", "section_terms"):
        rows = []
        for k in range(rng.randint(1, 30)):
            doc = rng.choice(["d-10", "d-2", "甲", "d-1", "乙/丙", f"x{k}"])
            n = rng.randint(0, 40)
            nums = np.array([rng.randrange(words.size) for _ in range(n)], dtype=np.int64)
            counts = np.array([rng.randint(1, 9) for _ in range(n)], dtype=np.int64)
            if table == "terms":
                rows.append(zs.store._TermRows(words, doc, nums, counts))
            else:
                secs = np.array([rng.choice(["", "s1", "s2", "c1:s1", "第三"]) for _ in range(rng.randint(1, 4))],
                                dtype=object)
                which = np.array([rng.randrange(len(secs)) for _ in range(n)], dtype=np.int64)
                rows.append(zs.store._TermRows(words, doc, nums, counts, secs, which))
        rows = [r for r in rows if r.num_rows] or rows[:1]
        got = zs.store._term_table(rows, schemas[table])
        each = pa.concat_tables([r.arrow(schemas[table]) for r in rows])
        assert got.schema.equals(schemas[table])
        if each.num_rows > 1:
            assert got.equals(each.sort_by([("term", "ascending"), ("doc_id", "ascending")])), table
        assert got.equals(zs.store.sort_by_term(each)), table
    # by hand: two documents, one of them in two chunks
    d1 = zs.store._TermRows(words, "b", np.array([1, 0]), np.array([5, 6]), np.array(["s1", "s2"], dtype=object),
                            np.array([1, 0]))
    d2 = zs.store._TermRows(words, "a", np.array([0]), np.array([7]), np.array(["t"], dtype=object), np.array([0]))
    d1b = zs.store._TermRows(words, "b", np.array([0]), np.array([8]), np.array(["c1:s1"], dtype=object),
                             np.array([0]))
    got = zs.store._term_table([d1, d2, d1b], schemas["section_terms"]).to_pylist()
    assert [(r["doc_id"], r["section_id"], r["term"], r["n"]) for r in got] == [
        ("b", "s2", "人", 5), ("a", "t", "人才", 7), ("b", "s1", "人才", 6), ("b", "c1:s1", "人才", 8)]


def test_hit_rows_of_a_flush_become_one_table_in_their_order():
    """_hit_table: each hit's sections are indices into its chunk's ids (the last one,
    "", for a hit before the first section), its owner a row of the lexicon columns."""
    import numpy as np
    import pyarrow as pa

    owners = [pa.array(["人才", "治理"]), pa.array(["", "基层"]), pa.array(["人才", "基层治理"]),
              pa.array(["人才", "基层治理"])]
    a = zs.store._HitRows(owners, "甲", np.array(["s1", "s1.1", ""], dtype=object), np.array([1, 2]),
                          np.array([0, 2]), np.array([1, 0]), np.array([10, 3]), np.array([14, 5]), np.array([2, 0]))
    b = zs.store._HitRows(owners, "乙", np.array(["c1:s2", ""], dtype=object), np.array([0]), np.array([0]),
                          np.array([0]), np.array([600]), np.array([602]), np.array([7]))
    got = zs.store._hit_table([a, b], zs.store._schemas()["theme_hits"])
    assert got.schema.equals(zs.store._schemas()["theme_hits"])
    assert [tuple(r.values()) for r in got.to_pylist()] == [
        ("甲", "s1.1", "s1", "治理", "基层", "基层治理", "基层治理", 10, 14, 2),
        ("甲", "", "", "人才", "", "人才", "人才", 3, 5, 0),
        ("乙", "c1:s2", "c1:s2", "人才", "", "人才", "人才", 600, 602, 7)]
    assert got.equals(pa.concat_tables([a.arrow(got.schema), b.arrow(got.schema)]))


def test_task_size_gives_every_worker_tasks_and_parts_of_up_to_four_million_bytes():
    s = zs.store
    assert s._task_size(10_000_000, 1) == (4_000_000, 256)          # one worker: the largest parts
    assert s._task_size(500_000, 1) == (4_000_000, 256)
    assert s._task_size(10_000_000, 2) == (1_250_000, 256)          # 10 MB / (4 tasks x 2 workers)
    assert s._task_size(3_000_000, 2) == (1_000_000, 64)            # never below TASK_CHARS
    assert s._task_size(100_000_000, 2) == (4_000_000, 256)
    assert s._task_size(100_000_000, 16) == (1_562_500, 256)


def test_vocabulary_shared_by_threads_numbers_each_word_once(fast_tokenizer):
    import sys
    from concurrent.futures import ThreadPoolExecutor

    vocab = zs.store._Vocabulary(fast_tokenizer)
    words = [chr(0x6000 + i) + chr(0x7000 + i % 50) for i in range(4000)]
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)                # switch threads as often as possible
    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda k: [vocab[w] for w in words[k::2] + words], range(4)))
    finally:
        sys.setswitchinterval(old)
    numbers = {w: vocab[w] for w in words}
    assert sorted(numbers.values()) == list(range(len(words))) and vocab.size == len(words)
    assert all(vocab.words[n] == w for w, n in numbers.items())
    assert all(r[-len(words):] == [numbers[w] for w in words] for r in results)


def test_without_discourse_tables(corpus_dir, tmp_path):
    zs.store.index(corpus_dir, tmp_path / "all", workers=1, progress=False)
    lean = zs.store.index(corpus_dir, tmp_path / "lean", workers=1, progress=False, discourse=False)
    assert lean.indexed == 3
    with zs.store.open(tmp_path / "lean") as st:
        assert st.tables == ["documents", "sections", "terms", "section_terms", "theme_hits"]
    full, part = tables(tmp_path / "all"), {}
    with zs.store.open(tmp_path / "lean") as st:
        for name in st.tables:
            df = st.table(name)
            part[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    for name in ("terms", "section_terms", "theme_hits", "sections"):
        pd.testing.assert_frame_equal(full[name], part[name], obj=name)
    # asking for them later re-indexes every document
    again = zs.store.index(corpus_dir, tmp_path / "lean", workers=1, progress=False)
    assert (again.indexed, again.unchanged) == (3, 0)
    with zs.store.open(tmp_path / "lean") as st:
        assert "directives" in st.tables and len(st.table("directives")) == len(full["directives"])
    assert main(["corpus", "index", str(corpus_dir), "--out", str(tmp_path / "cli"), "--no-discourse",
                 "--quiet", "--workers", "1"]) == 0
    assert json.loads((tmp_path / "cli" / "manifest.json").read_text())["tables"] == \
        ["documents", "sections", "terms", "section_terms", "theme_hits"]


def test_summary_line_counts_in_words():
    one = zs.store.Summary(store="st", documents=1, indexed=1, chars=1200, seconds=0.5, workers=1)
    assert one.line() == ("indexed 1 document (1,200 characters) in 0.5 s (2.0 docs/s, 2,400 chars/s, "
                          "1 worker, local); 0 unchanged, 0 removed; 1 document in st")
    many = zs.store.Summary(store="st", documents=2073, indexed=2000, chars=33_900_000, seconds=100.0, workers=2)
    assert "(20.0 docs/s, 0.34 M chars/s, 2 workers, local)" in many.line()


def test_a_query_reads_and_never_writes(corpus_dir, tmp_path, capsys):
    zs.store.index(corpus_dir, tmp_path / "st", workers=1, progress=False, discourse=False)
    before = {p: p.read_bytes() for p in (tmp_path / "st").rglob("*") if p.is_file()}
    victim = corpus_dir / "prov-a" / "a-2019.txt"
    text = victim.read_text(encoding="utf-8")
    errors = []
    for sql in (f"COPY (SELECT 'x' AS a) TO '{victim}' (HEADER false)",
                f"ATTACH '{tmp_path / 'evil.db'}' AS e",
                "CREATE TABLE t AS SELECT 1", "INSTALL httpfs", "SET threads = 1",
                "SELECT 1; SELECT 2"):
        assert main(["query", str(tmp_path / "st"), sql]) == 2, sql
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and err.startswith("zhspeech: error: query:"), err
        errors.append(err)
    assert "a COPY statement could change files" in errors[0]
    assert "give exactly one SQL statement, not 2" in errors[-1]
    assert victim.read_text(encoding="utf-8") == text and not (tmp_path / "evil.db").exists()
    # --out may not point into the store it reads
    for target in ("manifest.json", "terms"):
        out = tmp_path / "st" / target
        if out.is_dir():
            out = next(out.glob("*.parquet"))
        assert main(["query", str(tmp_path / "st"), "SELECT 1 AS x", "--out", str(out), "--format", "csv"]) == 2
        assert "is an input of this command" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (tmp_path / "st").rglob("*") if p.is_file()} == before
    with zs.store.open(tmp_path / "st") as st:
        assert st.sql("WITH d AS (SELECT * FROM documents) SELECT COUNT(*) AS n FROM d")["n"][0] == 3
        with pytest.raises(zs.store.StoreError, match="indexed with --no-discourse"):
            st.sql("SELECT * FROM directives")


def test_index_reads_damaged_bytes_when_asked(corpus_dir, tmp_path, capsys):
    bad = corpus_dir / "prov-b" / "b-2020.txt"
    bad.write_bytes(bad.read_bytes()[:30] + b"\xff" + bad.read_bytes()[30:])
    assert main(["corpus", "index", str(corpus_dir), "--out", str(tmp_path / "st"), "--quiet", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "b-2020.txt" in err and "--encoding-errors replace" in err and len(err.strip().splitlines()) == 1
    assert main(["corpus", "index", str(corpus_dir), "--out", str(tmp_path / "st"), "--quiet", "--workers", "1",
                 "--encoding-errors", "replace"]) == 0
    with zs.store.open(tmp_path / "st") as st:
        row = st.sql("SELECT raw_chars FROM documents WHERE doc_id = 'b-2020'")
    assert row["raw_chars"][0] == len(TEXTS["prov-b/b-2020.txt"].encode("utf-8")[:30].decode("utf-8")) + 1 + \
        len(TEXTS["prov-b/b-2020.txt"].encode("utf-8")[30:].decode("utf-8"))
