"""The committed reference tables: derived from the comparable corpus, never its text,
and rebuilt identically from it."""
import subprocess

import pandas as pd
import pytest

import zhspeech as zs

ROOT = zs.paths.project_root()


def test_committed_tables_are_not_stale(shared_corpus, tmp_path):
    zs.reference.build_reference([zs.paths.corpus_dir()], tmp_path, progress=False)
    committed = zs.paths.reference_dir()
    for name in zs.reference.FILES:
        fresh = (tmp_path / name).read_text(encoding="utf-8")
        assert (committed / name).read_text(encoding="utf-8") == fresh, (
            f"data/reference/{name} is stale: run `zhspeech corpus build-reference --from ../shared/corpus`")


def test_reference_covers_the_16_texts():
    ref = zs.reference.load_reference()
    assert len(ref.documents) == 16
    assert ref.documents["group"].value_counts().to_dict() == {"texts": 12, "speeches": 4}
    gwr = ref.documents[ref.documents["genre"] == "government_work_report"]
    assert sorted(gwr["year"].astype(int)) == [2015, 2016, 2017, 2018, 2019, 2020, 2022, 2023, 2024, 2025, 2026]
    assert set(ref.hits["doc_id"]) <= set(ref.documents["doc_id"])


def _windows(text, width=20):
    flat = "".join(text.split())
    return {flat[i:i + width] for i in range(max(len(flat) - width + 1, 0))}


def test_no_text_of_the_corpus_is_committed(shared_corpus):
    corpus_windows = set()
    for doc in shared_corpus:
        corpus_windows |= _windows(doc.raw)
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    files = [ROOT / f for f in tracked] or list((ROOT / "data").rglob("*")) + list((ROOT / "notebooks").rglob("*"))
    for path in files:
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        copied = _windows(text) & corpus_windows
        assert not copied, f"{path.relative_to(ROOT)} contains corpus text: {sorted(copied)[:2]}"


def test_cli_build_reference_to_a_folder(shared_corpus, tmp_path, capsys):
    from zhspeech.cli import main

    assert main(["corpus", "build-reference", "--from", str(zs.paths.corpus_dir()), "--out", str(tmp_path),
                 "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("wrote 16 documents")
    assert pd.read_csv(tmp_path / "documents.csv").shape[0] == 16


def test_users_can_add_their_own_texts_to_a_comparison(tmp_path):
    own = tmp_path / "mine"
    own.mkdir()
    (own / "a.txt").write_text("关于人才工作的讲话\n同志们：\n要加强人才工作，引才聚才。\n", encoding="utf-8")
    analyses = [zs.pipeline.analyze(zs.paths.sample_speech(), doc_id="sample")]
    analyses += list(zs.pipeline.analyze_corpus(own, progress=False).values())
    result = zs.compare.compare(analyses, with_reference=True)
    assert list(result.profile.index[:2]) == ["sample", "a"]
    assert len(result.profile) == 18
    assert result.profile.loc["a", "人才"] > result.profile.loc["sample", "人才"]
    assert result.similarity.loc["sample", "sample"] == pytest.approx(1.0)
