"""HTML reports: parameters, failures named, no jieba noise, Chinese font embedded and
rendered in a browser without CJK fonts."""
import os
import shutil
import subprocess

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import zhspeech as zs
from zhspeech.cli import main
from zhspeech.errors import ReportError

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _notebook(path, cells):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = cells
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nbs")
    params = new_code_cell('term = "人才"')
    params.metadata["tags"] = ["parameters"]
    _notebook(folder / "a-good.ipynb", [
        new_markdown_cell("# 好的笔记本\n正文：脱贫攻坚与基层治理。"),
        params,
        new_code_cell("import zhspeech as zs\ntok = zs.tokenize.Tokenizer()\nprint(tok.cut('加强' + term + '工作'))"),
        new_code_cell("import pandas as pd\npd.DataFrame({'主题': ['人才'], '次数': [14]})"),
    ])
    _notebook(folder / "b-bad.ipynb", [
        new_markdown_cell("# 出错的笔记本"),
        new_code_cell("x = 1"),
        new_code_cell("raise ValueError('故意的错误')"),
    ])
    out = tmp_path_factory.mktemp("reports")
    results = zs.report.build_reports("*", out, folder=folder, parameters={"term": "干部"}, progress=False)
    return folder, out, results


def test_reports_are_written_and_failures_named(notebooks):
    folder, out, results = notebooks
    assert [(r.notebook.split("/")[-1], r.ok) for r in results] == [("a-good.ipynb", True), ("b-bad.ipynb", False)]
    assert results[1].error == "cell 3 raised ValueError: 故意的错误"
    assert sorted(p.name for p in out.iterdir()) == ["a-good.html", "b-bad.html", "index.html", "manifest.json"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="a-good.html"' in index and 'href="b-bad.html"' in index and "故意的错误" in index


def test_parameters_reach_the_notebook_and_jieba_is_quiet(notebooks):
    _, out, _ = notebooks
    page = (out / "a-good.html").read_text(encoding="utf-8")
    assert "[&#39;加强&#39;, &#39;干部&#39;, &#39;工作&#39;]" in page or "['加强', '干部', '工作']" in page
    for noise in ("Building prefix dict", "Loading model", "Prefix dict has been built", "jieba.cache"):
        assert noise not in page


def test_font_is_embedded_first_in_every_family(notebooks):
    _, out, _ = notebooks
    page = (out / "a-good.html").read_text(encoding="utf-8")
    assert "@font-face { font-family: 'ZhspeechSC'; src: url(data:font/otf;base64," in page
    assert "body, .jp-Notebook, .jp-RenderedHTMLCommon, table, th, td { font-family: 'ZhspeechSC'" in page


def test_unknown_pattern_is_a_clear_error():
    with pytest.raises(ReportError, match="^zz-nothing: no notebook matches this pattern"):
        zs.report.find_notebooks("zz-nothing")
    assert [p.name for p in zs.report.find_notebooks("03")] == ["03-term-frequency.ipynb"]


def test_cli_report_exit_2_names_the_notebook_and_cell(notebooks, tmp_path, capsys):
    folder, _, _ = notebooks
    code = main(["report", "--notebooks", str(folder / "b-*.ipynb"), "--out", str(tmp_path), "--quiet",
                 "--no-input"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.strip().endswith("b-bad.ipynb: cell 3 raised ValueError: 故意的错误")
    assert (tmp_path / "b-bad.html").is_file() and (tmp_path / "index.html").is_file()
    assert main(["report", "--notebooks", "zz-nothing", "--out", str(tmp_path), "--quiet"]) == 2


def _chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        if IN_CI:
            pytest.fail("CI=true but chromium is missing (.ci/run installs Debian's chromium)")
        pytest.skip("headless Chromium not installed (apt-get install chromium)")
    return exe


def _system_has_cjk_font() -> bool:
    """True when fontconfig lists a Chinese font (or cannot be asked: then assume yes,
    so that the comparison with a font-less page is not made)."""
    if shutil.which("fc-list") is None:
        return True
    return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip())


def _screenshot(exe, html_path, png, tmp_path):
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", "--window-size=600,200",
                    f"--screenshot={png}", html_path.as_uri()],
                   check=True, capture_output=True, timeout=120)
    from PIL import Image

    return Image.open(png).convert("L")


def test_chinese_renders_as_glyphs_in_headless_chromium(tmp_path):
    """Two different Chinese strings of equal length: as glyphs their pixels differ; as
    missing-glyph boxes (no CJK font) they would be identical."""
    import numpy as np

    exe = _chromium()
    a, b = "脱贫攻坚基层治理人才", "干部队伍党的建设疫情"
    css = zs.report.font_face_css(a + b)
    images = {}
    for name, text, style in (("a", a, css), ("b", b, css), ("a0", a, ""), ("b0", b, "")):
        page = tmp_path / f"{name}.html"
        page.write_text(f"<html><head><meta charset='utf-8'>{style}</head>"
                        f"<body style='font-size:40px;margin:10px'>{text}</body></html>", encoding="utf-8")
        images[name] = np.asarray(_screenshot(exe, page, tmp_path / f"{name}.png", tmp_path))
    assert (images["a"] < 128).sum() > 2000, "no text drawn"
    assert not np.array_equal(images["a"], images["b"]), "Chinese shows as identical boxes"
    if not _system_has_cjk_font():
        # Without the embedded font this machine has no CJK glyphs: both strings are boxes.
        assert np.array_equal(images["a0"], images["b0"])


def test_report_page_screenshot_shows_glyphs(notebooks, tmp_path):
    import numpy as np

    exe = _chromium()
    _, out, _ = notebooks
    page = out / "a-good.html"
    shot = np.asarray(_screenshot(exe, page, tmp_path / "report.png", tmp_path))
    stripped = tmp_path / "nofont.html"
    text = page.read_text(encoding="utf-8")
    start = text.index('<style id="zhspeech-font">')
    stripped.write_text(text[:start] + text[text.index("</style>", start) + 8:], encoding="utf-8")
    bare = np.asarray(_screenshot(exe, stripped, tmp_path / "bare.png", tmp_path))
    assert shot.shape == bare.shape
    if not _system_has_cjk_font():
        assert not np.array_equal(shot, bare), "the embedded font changes nothing: Chinese is not rendered"


def test_one_font_subset_for_the_whole_run(notebooks):
    _, out, _ = notebooks
    pages = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    styles = {name: page.count('<style id="zhspeech-font">') for name, page in pages.items()}
    assert styles == {"a-good.html": 1, "b-bad.html": 1, "index.html": 1}
    fonts = {page.split('<style id="zhspeech-font">')[1].split("</style>")[0] for page in pages.values()}
    assert len(fonts) == 1                     # the same subset in every page


def test_parameters_are_read_with_ast_and_typed_like_their_defaults(tmp_path):
    nb = new_notebook()
    cell = new_code_cell("speech = 'a.txt'  # a comment\ntop_n: int = 30\nratio = 0.5\nshow = True\n"
                         "terms = ['人才', '干部']\nstamp = __import__('time').time()\n")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    _notebook(tmp_path / "p.ipynb", nb.cells)
    assert zs.report.notebook_parameters(tmp_path / "p.ipynb") == {
        "speech": "a.txt", "top_n": 30, "ratio": 0.5, "show": True, "terms": ["人才", "干部"], "stamp": None}
    values = zs.report.check_parameters(["top_n=5", "ratio=2", "show=no", "terms=基层治理,人才", "stamp=x"],
                                        [tmp_path / "p.ipynb"])
    assert values[tmp_path / "p.ipynb"] == {"top_n": 5, "ratio": 2.0, "show": False, "terms": ["基层治理", "人才"],
                                             "stamp": "x"}
    injected = zs.report._inject_parameters(nb, {"top_n": 5, "speech": "x'); import os; ('"})
    assert injected.cells[1].source == "# Parameters\ntop_n = 5\nspeech = \"x'); import os; ('\"\n"
