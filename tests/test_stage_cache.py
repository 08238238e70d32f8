"""The commands' per-stage cache and stored outputs (issue 15, "each command computes
what it shows"): warm outputs equal cold ones byte for byte, each command computes only
the stages it shows, a changed file or lexicon recomputes exactly what depends on it,
and damaged or stale entries are recomputed.

The speeches are our own sentences (tests/data/speeches and the short texts below)."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest

import zhspeech as zs
from zhspeech import pipeline
from zhspeech.cache import Cache, file_digests
from zhspeech.cli import main

OWN = Path(__file__).parent / "data" / "speeches"
SPEECHES = ["own-01-yi-parts.txt", "own-05-shouxian.txt", "own-09-nonumbers.txt"]
# A text that exercises every cleaning pass: a traditional paragraph, full-width digits,
# a CR LF line break, doubled spaces and a redaction mask.
EDITED = ("關於加強基層治理的幾點意見\r\n同志們：\n"
          "今年全县新建农田２０２４亩，  投入资金XX万元。\n"
          "一、加强基层治理。基层治理是社会治理的基础，要把人才工作放在突出位置。\n")
THEMES = """version: test
themes:
  治理:
    description: 治理相关
    terms: [基层治理, 社会治理]
  我的主题:
    description: 自定义
    terms: [乡村振兴]
"""


def run(argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """Three of our own speeches in a folder, and an empty cache of this test's own."""
    d = tmp_path / "in"
    d.mkdir()
    for name in SPEECHES:
        shutil.copy(OWN / name, d / name)
    monkeypatch.setenv("ZHSPEECH_CACHE", str(tmp_path / "cache"))
    pipeline.COMPUTED.clear()
    return d


def entries(tmp_path) -> dict:
    """Number of cache entries per table."""
    root = tmp_path / "cache"
    return {p.name: len([f for f in p.iterdir() if not f.name.endswith(".tmp")])
            for p in sorted(root.iterdir())} if root.is_dir() else {}


def computed() -> dict:
    out = dict(pipeline.COMPUTED)
    pipeline.COMPUTED.clear()
    return out


COMMANDS = [
    ["freq", "{d}", "--format", "csv"],
    ["freq", "{d}", "--by", "section", "--top", "5"],
    ["freq", "{d}", "--pos", "n", "--generic-verbs", "--format", "csv"],
    ["themes", "{d}", "--format", "csv"],
    ["themes", "{d}", "--by", "section", "--theme", "人才"],
    ["sections", "{d}", "--depth", "1", "--format", "csv"],
    ["sections", "{d}"],
    ["count", "治理", "人才", "{d}", "--format", "csv"],
    ["count", "乡村振兴", "{d}"],
    ["kwic", "{d}", "人才", "--window", "6", "--format", "csv"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a[:1] + a[2:]) for a in COMMANDS])
def test_warm_output_is_byte_identical_to_cold(folder, argv):
    argv = [a.replace("{d}", str(folder)) for a in argv]
    cold = run(argv)
    assert cold[0] == 0 and cold[2] == "" and cold[1]
    computed()
    assert run(argv) == cold                       # the stored output
    assert computed() == {}
    shutil.rmtree(folder.parent / "cache" / "outputs")
    assert run(argv) == cold                       # from the stage tables alone
    assert computed() == {"tokens": 3} if argv[0] == "count" else computed() == {}


def test_no_cache_computes_everything_and_stores_nothing(folder, tmp_path):
    cached = run(["freq", folder, "--by", "section", "--format", "csv"])
    computed()
    assert run(["freq", folder, "--by", "section", "--format", "csv", "--no-cache"]) == cached
    assert computed() == {"cleaned": 3, "tokens": 3, "sections": 3, "terms-section": 3}
    shutil.rmtree(tmp_path / "cache")
    assert run(["themes", folder, "--no-cache"])[0] == 0
    assert computed() == {"cleaned": 3, "sections": 3, "hits": 3, "emphasis-doc": 3}
    assert entries(tmp_path) == {}


def test_json_rows_are_the_same_warm(folder):
    argv = ["themes", folder, "--format", "json"]
    cold = json.loads(run(argv)[1])
    warm = json.loads(run(argv)[1])
    assert warm["rows"] == cold["rows"] and len(cold["rows"]) == 3 * len(zs.themes.load_lexicon().names)


def test_stage_tables_equal_the_in_memory_pipeline(folder):
    """The command's tables from cached stages equal those of pipeline.analyze and
    stats.count_terms over all documents at once (df summed over documents)."""
    run(["freq", folder, "--format", "csv"])
    analyses = [pipeline.analyze(folder / n) for n in SPEECHES]
    tokens = pd.concat([a.tokens for a in analyses], ignore_index=True)
    sections = pd.concat([a.sections for a in analyses], ignore_index=True)
    settings = pipeline.Settings()
    cache = Cache()
    docs = [pipeline.DocumentStages(folder / n, Path(n).stem, file_digests([folder / n], cache)[0],
                                    settings=settings, cache=cache) for n in SPEECHES]
    for by in ("doc", "section"):
        expected = zs.stats.count_terms(tokens, by=by, sections=sections)
        got = pipeline.combine_terms([d.get(f"terms-{by}") for d in docs])
        pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(docs[0].get("sections"), analyses[0].sections)
    lexicon = zs.themes.load_lexicon(warn_shared=False)
    pd.testing.assert_frame_equal(docs[1].get("emphasis-section"),
                                  zs.themes.emphasis(analyses[1].hits, analyses[1].sections, analyses[1].text,
                                                     by="section", lexicon=lexicon))


def test_a_document_without_counted_tokens(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHSPEECH_CACHE", str(tmp_path / "cache"))
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("１２３。\n４５６\n", encoding="utf-8")
    cold = run(["freq", d, "--format", "csv"])
    assert cold == (0, "doc_id,section_id,term,n,per_10k,df\n", "")
    shutil.rmtree(tmp_path / "cache" / "outputs")
    assert run(["freq", d, "--format", "csv"]) == cold
    (d / "b.txt").write_text("基层治理，基层治理。\n", encoding="utf-8")
    assert run(["freq", d, "--format", "csv"])[1].splitlines()[1:] == ["b,,基层治理,2,10000.0,1"]


def test_each_command_computes_only_what_it_shows(folder, tmp_path):
    """Exact entries after each command: freq cleans and tokenizes, sections parses,
    themes needs sections, hits and emphasis; nothing is computed twice."""
    assert run(["freq", folder])[0] == 0
    assert computed() == {"cleaned": 3, "tokens": 3, "terms-doc": 3}
    assert entries(tmp_path) == {"cleaned": 3, "outputs": 1, "stat-index": 1, "terms-doc": 3, "tokens": 3}
    assert run(["sections", folder])[0] == 0
    assert computed() == {"sections": 3}
    assert run(["themes", folder])[0] == 0
    assert computed() == {"hits": 3, "emphasis-doc": 3}
    assert entries(tmp_path) == {"cleaned": 3, "emphasis-doc": 3, "hits": 3, "outputs": 3, "sections": 3,
                                 "stat-index": 1, "terms-doc": 3, "tokens": 3}
    assert run(["freq", folder, "--by", "section"])[0] == 0
    assert computed() == {"tokens": 3, "terms-section": 3}     # tokens from segment_cached's entries


def test_a_changed_file_recomputes_only_that_file(folder):
    first = run(["freq", folder, "--format", "csv", "--top", "100000"])
    computed()
    target = folder / "own-05-shouxian.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n要把基层治理抓紧抓实。\n", encoding="utf-8")
    second = run(["freq", folder, "--format", "csv", "--top", "100000"])
    assert computed() == {"cleaned": 1, "tokens": 1, "terms-doc": 1}
    assert second != first
    rows = [r for r in second[1].splitlines() if r.startswith("own-05-shouxian,,基层治理,")]
    old = [r for r in first[1].splitlines() if r.startswith("own-05-shouxian,,基层治理,")]
    assert int(rows[0].split(",")[3]) == (int(old[0].split(",")[3]) if old else 0) + 1
    (folder / "extra.txt").write_text("乡村振兴要靠人才。\n", encoding="utf-8")
    run(["freq", folder, "--format", "csv", "--top", "100000"])
    assert computed() == {"cleaned": 1, "tokens": 1, "terms-doc": 1}
    (folder / "extra.txt").unlink()
    assert run(["freq", folder, "--format", "csv", "--top", "100000"]) == second and computed() == {}


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """The bundled lexicons in a folder of this test's own ($ZHSPEECH_DATA)."""
    data = tmp_path / "data"
    shutil.copytree(zs.paths.lexicon_dir(), data / "lexicons")
    monkeypatch.setenv("ZHSPEECH_DATA", str(data))
    return data / "lexicons"


def test_editing_a_lexicon_recomputes_exactly_the_stages_that_read_it(folder, data_copy):
    for argv in (["freq", folder], ["sections", folder], ["themes", folder, "--format", "csv"]):
        run(argv)
    computed()
    # themes.yaml: theme hits and emphasis only; freq and sections stay as they were.
    themes = data_copy / "themes.yaml"
    themes.write_text(themes.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    run(["freq", folder])
    run(["sections", folder])
    assert computed() == {}
    run(["themes", folder, "--format", "csv"])
    assert computed() == {"hits": 3, "emphasis-doc": 3}
    # userdict.txt: tokens and terms; cleaning and sections stay.
    (data_copy / "userdict.txt").write_text((data_copy / "userdict.txt").read_text(encoding="utf-8")
                                            + "\n网格员队伍 100 n\n", encoding="utf-8")
    run(["sections", folder])
    run(["freq", folder])
    assert computed() == {"tokens": 3, "terms-doc": 3}
    # structure.yaml: sections, and the theme tables that are assigned to sections.
    (data_copy / "structure.yaml").write_text((data_copy / "structure.yaml").read_text(encoding="utf-8") + "\n",
                                              encoding="utf-8")
    run(["freq", folder])
    assert computed() == {}
    run(["themes", folder])
    assert computed() == {"sections": 3, "hits": 3, "emphasis-doc": 3}
    # corrections.tsv: cleaning comes first, so every stage a command reads.
    (data_copy / "corrections.tsv").write_text((data_copy / "corrections.tsv").read_text(encoding="utf-8") + "\n",
                                               encoding="utf-8")
    run(["freq", folder])
    assert computed() == {"cleaned": 3, "tokens": 3, "terms-doc": 3}


def test_a_users_theme_lexicon_keys_the_theme_stages(folder, tmp_path):
    lexicon = tmp_path / "mine.yaml"
    lexicon.write_text(THEMES, encoding="utf-8")
    (folder / "meeting.txt").write_text("在乡镇干部会议上的讲话\n同志们：\n基层治理要靠人才。人才是乡村振兴的关键，"
                                        "社会治理和基层治理都离不开人才。\n", encoding="utf-8")
    run(["freq", folder])
    computed()
    argv = ["themes", folder / "meeting.txt", "--lexicon", lexicon, "--format", "csv"]
    code, out, _ = run(argv)
    assert computed() == {"sections": 1, "hits": 1, "emphasis-doc": 1}
    # 基层治理 ×2 + 社会治理 = 3; 乡村振兴 once.
    assert [r.split(",")[2:4] for r in out.splitlines()[1:]] == [["治理", "3"], ["我的主题", "1"]]
    # A term added to the user's lexicon: its themes are recomputed, freq stays warm.
    lexicon.write_text(THEMES.replace("[乡村振兴]", "[乡村振兴, 人才]"), encoding="utf-8")
    code, out, _ = run(argv)
    assert computed() == {"hits": 1, "emphasis-doc": 1}
    assert [r.split(",")[2:4] for r in out.splitlines()[1:]] == [["治理", "3"], ["我的主题", "4"]]   # + 人才 ×3
    run(["freq", folder])
    assert computed() == {}


def test_a_cached_cleaned_text_maps_offsets_back_like_a_fresh_one(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHSPEECH_CACHE", str(tmp_path / "cache"))
    f = tmp_path / "edited.txt"
    f.write_bytes(EDITED.encode("utf-8"))
    fresh = zs.clean.clean_document(zs.corpus.load_document(f))
    assert set(fresh.edits["step"]) >= {"newlines", "width", "layout", "simplify"} and len(fresh.masks) == 1
    cache = Cache()
    digest = file_digests([f], cache)[0]
    pipeline.DocumentStages(f, "edited", digest, settings=pipeline.Settings(), cache=cache).get("cleaned")
    computed()
    cached = pipeline.DocumentStages(f, "edited", digest, settings=pipeline.Settings(), cache=cache).get("cleaned")
    assert computed() == {}
    assert cached.text == fresh.text and cached.raw == fresh.raw == EDITED
    pd.testing.assert_frame_equal(cached.edits, fresh.edits)
    pd.testing.assert_frame_equal(cached.masks, fresh.masks)
    assert [cached.to_raw(i) for i in range(len(fresh.text) + 1)] == \
        [fresh.to_raw(i) for i in range(len(fresh.text) + 1)]


# -- damaged, forged and stale entries ----------------------------------------------------

@pytest.mark.parametrize("table", ["outputs", "terms-doc", "cleaned"])
def test_a_damaged_entry_is_recomputed_with_one_warning(folder, tmp_path, table):
    argv = ["freq", folder, "--format", "csv"]
    cold = run(argv)
    run(argv)
    shutil.rmtree(tmp_path / "cache" / "outputs") if table != "outputs" else None
    entry = sorted((tmp_path / "cache" / table).iterdir())[0]
    data = entry.read_bytes()
    entry.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))       # one bit flipped in the content
    computed()
    code, out, err = run(argv)
    assert (code, out) == cold[:2]
    assert err.count("\n") == 1 and entry.name in err and "content does not match its checksum" in err
    assert run(argv) == cold                                    # healed


def test_an_entry_of_another_key_is_refused(folder, tmp_path):
    argv = ["freq", folder, "--format", "csv"]
    cold = run(argv)
    other = run(["sections", folder, "--format", "csv"])
    outputs = sorted((tmp_path / "cache" / "outputs").iterdir(), key=lambda p: p.stat().st_mtime_ns)
    shutil.copy(outputs[1], outputs[0])          # the sections output under freq's name
    code, out, err = run(argv)
    assert (code, out) == cold[:2] and out != other[1]
    assert "belongs to another input; discarded and recomputed" in err


def test_an_entry_derived_from_a_changed_entry_is_stale(folder, tmp_path):
    """The stored output lists the stage entries it was made from: when one of them is
    rewritten, the output is made again from the stages (not printed stale)."""
    argv = ["freq", folder, "--format", "csv"]
    cold = run(argv)
    computed()
    [tokens] = [p for p in (tmp_path / "cache" / "tokens").iterdir()
                if p.stat().st_mtime_ns == min(q.stat().st_mtime_ns for q in (tmp_path / "cache" / "tokens").iterdir())]
    tokens.unlink()
    assert run(argv) == cold
    assert computed() == {"tokens": 1, "terms-doc": 1}


def test_file_stat_index(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHSPEECH_CACHE", str(tmp_path / "cache"))
    f = tmp_path / "a.txt"
    f.write_text("基层治理", encoding="utf-8")
    old = time.time_ns() - 10_000_000_000
    os.utime(f, ns=(old, old))
    first = file_digests([f])
    index = json.loads(Cache().get_bytes("stat-index", str(tmp_path)))
    st = f.stat()
    assert index["a.txt"][:4] == [12, old, st.st_ino, st.st_ctime_ns] and index["a.txt"][5] == first[0]
    # Known and old enough: not read again.
    with monkeypatch.context() as m:
        read = Path.read_bytes
        m.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read again") if self == f else read(self))
        assert file_digests([f]) == first
    # Rewritten in place with the same size, mtime and inode put back: the ctime, which
    # no tool can set back, tells.
    with open(f, "r+", encoding="utf-8") as fh:
        fh.write("社会治理")
    os.utime(f, ns=(old, old))
    assert f.stat().st_ino == st.st_ino and f.stat().st_size == 12
    assert file_digests([f]) == [hashlib.sha256("社会治理".encode()).hexdigest()]
    # Same size, new content: a new mtime gives a new hash.
    f.write_text("社会治理", encoding="utf-8")
    assert file_digests([f]) != first
    # Changed again within the same timestamp (mtime put back): a file hashed less than
    # two seconds after it was modified is hashed again, so the change is seen.
    st = f.stat()
    f.write_text("乡村振兴", encoding="utf-8")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert file_digests([f]) == [hashlib.sha256("乡村振兴".encode()).hexdigest()]


# -- what the fast path needs ---------------------------------------------------------------

def test_a_repeated_command_imports_neither_pandas_nor_numpy(folder):
    code = ("import sys\nfrom zhspeech.cli import main\n"
            f"status = main(['freq', {str(folder)!r}, '--format', 'csv'])\n"
            "print(status, 'pandas' in sys.modules, 'numpy' in sys.modules, file=sys.stderr)\n")
    env = dict(os.environ)
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert first.stderr == "0 True True\n"
    assert second.stderr == "0 False False\n" and second.stdout == first.stdout


def test_every_bundled_lexicon_is_claimed_by_a_stage_or_listed_as_uncached():
    claimed = {n for names in (*pipeline.STAGE_LEXICONS.values(), *pipeline.COMMAND_LEXICONS.values())
               for n in names} | {pipeline.THEME_LEXICON}
    bundled = {p.name for p in zs.paths.lexicon_dir().iterdir() if p.is_file()}
    assert bundled == claimed | set(pipeline.UNCACHED_LEXICONS)
    assert not claimed & set(pipeline.UNCACHED_LEXICONS)


def test_output_keys_cover_every_document_suffix():
    from zhspeech import cli

    assert set(zs.corpus.SUPPORTED) | {".csv"} == set(cli._INPUT_SUFFIXES)
