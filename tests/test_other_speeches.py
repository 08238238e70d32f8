"""The whole notebook collection on speeches other than the sample.

``zhspeech report`` runs on four speeches written for the tests (tests/speeches.py):
with and without 一、 parts, with and without a title, 2,000 to 30,000 characters, one
GB18030-encoded and one a .docx. Every run must exit 0 with no failed cell, and no report
may repeat what is true only of the sample.
"""
from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import zhspeech as zs

sys.path.insert(0, str(Path(__file__).parent))
import speeches  # noqa: E402

SAMPLE_TITLE = "在县市组织工作半年推进会上的讲话"
SAMPLE_PHRASES = ("六个部分", "样本讲话", "我再强调", SAMPLE_TITLE)
TINY = "关于做好今年防汛工作的几点意见\n今年汛期来得早，各地要提前准备。\n要加强值班值守，确保信息畅通。\n"
ZHSPEECH = Path(sys.executable).with_name("zhspeech")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("speeches")
    files = speeches.write_speeches(folder)
    # Two more that users bring: a note too short to rank its sections (three sentences
    # under a title) and a speech whose paragraph breaks were lost (第一个问题 parts).
    (folder / "tiny.txt").write_text(TINY, encoding="utf-8")
    files["tiny"] = folder / "tiny.txt"
    files["no_breaks"] = Path(__file__).parent / "data" / "speeches" / "own-06-wenti-nobreaks.txt"

    def run(item):
        name, path = item
        out = folder / f"reports-{name}"
        proc = subprocess.run([str(ZHSPEECH), "report", "--out", str(out), "--quiet", "--param", f"speech={path}"],
                              capture_output=True, text=True, timeout=900)
        return name, (path, out, proc)

    # Two at a time: the machine has two cores, and each run is one kernel at a time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, files.items()))


def test_the_speeches_have_the_styles_asked_for(tmp_path):
    files = speeches.write_speeches(tmp_path)
    kinds = {}
    for name, path in files.items():
        doc = zs.corpus.load_document(path)
        assert 2000 <= len(doc.raw) <= 30000, (name, len(doc.raw))
        sections = zs.structure.parse_structure(zs.clean.clean_text(doc.raw).text, name)
        top = sections[sections["level"] == 1]
        kinds[name] = (set(top["kind"]), doc.encoding)
        assert not any(p in doc.raw for p in SAMPLE_PHRASES)
    assert "part" in kinds["parts_utf8"][0] and "title" in kinds["parts_utf8"][0]
    assert "title" not in kinds["no_title_gb18030"][0] and kinds["no_title_gb18030"][1] == "gb18030"
    assert not kinds["no_parts"][0] & {"part", "item"}
    assert files["docx"].suffix == ".docx" and "part" in kinds["docx"][0]


@pytest.mark.parametrize("name", ["parts_utf8", "no_title_gb18030", "no_parts", "docx", "tiny", "no_breaks"])
def test_report_runs_on_another_speech(runs, name):
    path, out, proc = runs[name]
    assert proc.returncode == 0, proc.stderr
    # No kernel warnings on the terminal (parameter parsing notes are issue 12's).
    assert "IPKernelApp" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr, proc.stderr
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("✓") == len(zs.report.find_notebooks()) and "✗" not in index
    for page in sorted(out.glob("0*.html")):
        html = page.read_text(encoding="utf-8")
        assert 'class="ename"' not in html and "Traceback" not in html, page.name
        # the sample's title is named in notebook 00's introduction, and only there
        found = [p for p in SAMPLE_PHRASES if p in html and not (page.stem == "00-tour" and p == SAMPLE_TITLE)]
        assert not found, (page.name, found)
        assert "NBVAL_CHECK_OUTPUT" not in html, page.name


def test_reports_describe_the_text_given(runs):
    # Notebook 02 names as many parts as the text has, and says so when there are none.
    _, out, _ = runs["parts_utf8"]
    assert "4 numbered parts" in (out / "02-structure-and-section-lengths.html").read_text(encoding="utf-8")
    _, out, _ = runs["no_parts"]
    page = (out / "02-structure-and-section-lengths.html").read_text(encoding="utf-8")
    assert "This text has no numbered parts" in page
    assert "No enumeration" in page
    # The GB18030 file is read as such: its own sentences show in notebook 00.
    path, out, _ = runs["no_title_gb18030"]
    assert "这次到北坡乡调研" in (out / "00-tour.html").read_text(encoding="utf-8")
    # Without an announced count nothing is claimed about counts.
    _, out, _ = runs["docx"]
    assert re.search(r"none is preceded by an announced count",
                     (out / "02-structure-and-section-lengths.html").read_text(encoding="utf-8"))


def test_reports_name_the_speech_by_its_own_doc_id(runs):
    # Tables in the reports carry the file's doc_id (its name without extension), never the
    # sample's placeholder.
    path, out, _ = runs["parts_utf8"]
    doc_id = zs.corpus.load_document(path).doc_id
    for name in ("02-structure-and-section-lengths", "03-term-frequency", "04-theme-emphasis"):
        html = (out / f"{name}.html").read_text(encoding="utf-8")
        assert doc_id in html, name
        assert not re.search(r">\s*sample\s*<", html), name


def test_a_text_too_short_to_rank_says_so(runs):
    _, out, _ = runs["tiny"]
    page = (out / "06-political-discourse.html").read_text(encoding="utf-8")
    assert "No section has five sentences or more, too few to rank the sections" in page
    assert "关于做好今年防汛工作的几点意见" in (out / "02-structure-and-section-lengths.html").read_text(encoding="utf-8")
