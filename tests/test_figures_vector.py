"""Publication figures: PDF with TrueType (Type 42) fonts only, Chinese and Latin text
found as text and drawn when the page is rasterised; SVG with the font embedded or the
text as paths. The first PDF of a machine converts the font once (about half a minute)."""
import io
import re
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import zhspeech as zs  # noqa: E402
from zhspeech import plot  # noqa: E402
from zhspeech.errors import ZhspeechError  # noqa: E402

TITLE = "样本讲话的主题词"
LATIN = "Themes 2020"
TICKS = ["脱贫攻坚", "基层治理", "人才"]


def _figure(title=TITLE):
    plot.use_chinese_font()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar(TICKS, [18, 7, 14], color="#b22222")
    ax.set_title(f"{title} {LATIN}")
    ax.set_ylabel("出现次数 (n)")
    return fig


def _fonts(pdf_path):
    """(subtype, base font, embedded font program or None) of every font of every page."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    out = []
    with open(pdf_path, "rb") as fh:
        doc = PDFDocument(PDFParser(fh))
        for page in PDFPage.create_pages(doc):
            for ref in resolve1(resolve1(page.resources).get("Font", {})).values():
                font = resolve1(ref)
                subtype = resolve1(font.get("Subtype")).name
                descr = font
                if subtype == "Type0":
                    descr = resolve1(resolve1(font["DescendantFonts"])[0])
                fd = resolve1(descr.get("FontDescriptor")) or {}
                stream = next((resolve1(fd[k]) for k in ("FontFile2", "FontFile3", "FontFile") if k in fd), None)
                out.append((subtype, resolve1(font["BaseFont"]).name, stream.get_data() if stream else None))
    return out


def _embedded_outlines(program: bytes) -> str:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(program))
    return "glyf" if "glyf" in font else "CFF" if "CFF " in font else "?"


def _title_box(page, title):
    chars = page.chars
    text = "".join(c["text"] for c in chars)
    i = text.index(title)
    box = chars[i:i + len(title)]
    return (min(c["x0"] for c in box), min(c["top"] for c in box), max(c["x1"] for c in box),
            max(c["bottom"] for c in box))


def _ink(png_gray, box, scale):
    x0, top, x1, bottom = (int(round(v * scale)) for v in box)
    region = png_gray[top:bottom, x0:x1]
    return region.size, int((region < 128).sum())


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fig") / "figure.pdf"
    fig = _figure()
    assert plot.save_figure(fig, path) == path
    plt.close(fig)
    return path


def test_pdf_text_is_chinese_and_latin_text(pdf_file):
    import pdfplumber

    with pdfplumber.open(pdf_file) as pdf:
        assert len(pdf.pages) == 1
        text = pdf.pages[0].extract_text()
    lines = text.splitlines()
    assert f"{TITLE} {LATIN}" in lines
    assert " ".join(TICKS) in lines
    assert set("出现次数") <= set(text)       # the rotated y label: text too, read bottom-up


def test_pdf_has_no_type3_font_and_embeds_truetype_outlines(pdf_file):
    fonts = _fonts(pdf_file)
    assert fonts, "no font in the PDF"
    assert not [f for f in fonts if f[0] == "Type3"]
    for subtype, name, program in fonts:
        assert subtype in ("Type0", "TrueType"), (subtype, name)
        assert program is not None, f"{name} is not embedded"
        assert _embedded_outlines(program) == "glyf", name
    assert any("NotoSansSCTT" in name for _, name, _ in fonts)


def test_the_check_catches_cff_outlines_given_as_type42(tmp_path):
    """The failure this design avoids: Noto Sans SC (CFF outlines) written as Type 42 by
    matplotlib. Some viewers (MuPDF) then draw no label at all; the check above sees it."""
    fig = _figure()
    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig.savefig(tmp_path / "naive.pdf")
    plt.close(fig)
    outlines = {_embedded_outlines(p) for s, n, p in _fonts(tmp_path / "naive.pdf") if "NotoSansSC" in n}
    assert outlines == {"CFF"}


def test_pdf_title_pixels_are_drawn(pdf_file, tmp_path):
    import pdfplumber
    import pypdfium2 as pdfium

    with pdfplumber.open(pdf_file) as pdf:
        box = _title_box(pdf.pages[0], TITLE)
    scale = 3
    image = np.asarray(pdfium.PdfDocument(str(pdf_file))[0].render(scale=scale).to_pil().convert("L"))
    area, dark = _ink(image, box, scale)
    assert area > 0 and dark > 0.08 * area, (area, dark)
    # A different title of the same length draws different pixels: glyphs, not boxes.
    other = tmp_path / "other.pdf"
    fig = _figure("干部队伍建设工作")
    plot.save_figure(fig, other)
    plt.close(fig)
    image2 = np.asarray(pdfium.PdfDocument(str(other))[0].render(scale=scale).to_pil().convert("L"))
    assert image.shape == image2.shape
    x0, top, x1, bottom = (int(round(v * scale)) for v in box)
    assert not np.array_equal(image[top:bottom, x0:x1], image2[top:bottom, x0:x1])
    if shutil.which("pdftoppm"):   # poppler, where installed: no font-type mismatch, title drawn
        proc = subprocess.run(["pdftoppm", "-r", "216", "-png", "-singlefile", str(pdf_file), str(tmp_path / "p")],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and "Mismatch" not in proc.stderr, proc.stderr
        from PIL import Image

        area, dark = _ink(np.asarray(Image.open(tmp_path / "p.png").convert("L")), box, 3)
        assert dark > 0.08 * area


def test_pdf_bytes_are_reproducible(pdf_file, tmp_path):
    again = tmp_path / "again.pdf"
    fig = _figure()
    plot.save_figure(fig, again)
    plt.close(fig)
    assert again.read_bytes() == pdf_file.read_bytes()


def test_truetype_copy_is_renamed_and_keeps_the_licence():
    from fontTools.ttLib import TTFont

    path = plot.truetype_font()
    font = TTFont(str(path), lazy=True)
    assert "glyf" in font and "CFF " not in font
    assert font["name"].getDebugName(1) == "Noto Sans SC TT"
    assert font["name"].getDebugName(6) == "NotoSansSCTT-Regular"
    assert "SIL Open Font License" in font["name"].getDebugName(13)
    source = TTFont(str(plot.find_chinese_font()), lazy=True)
    assert font.getGlyphOrder() == source.getGlyphOrder()
    assert font.getBestCmap()[ord("脱")] == source.getBestCmap()[ord("脱")]
    assert plot.truetype_font() == path  # cached, not converted again


def _chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        import os

        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true but chromium is missing")
        pytest.skip("headless Chromium not installed")
    return exe


def _render_svg(exe, svg, tmp_path, name):
    from PIL import Image

    png = tmp_path / f"{name}.png"
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=520,380", f"--screenshot={png}",
                    svg.as_uri()], check=True, capture_output=True, timeout=120)
    return np.asarray(Image.open(png).convert("L"))


def test_svg_keeps_text_with_the_font_embedded_and_renders(tmp_path):
    exe = _chromium()
    shots = {}
    for name, title in (("a", TITLE), ("b", "干部队伍建设工作")):
        fig = _figure(title)
        path = plot.save_figure(fig, tmp_path / f"{name}.svg")
        plt.close(fig)
        svg = path.read_text(encoding="utf-8")
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
        assert f"{title} {LATIN}" in texts and set(TICKS) <= set(texts)
        assert "@font-face { font-family: 'Noto Sans SC'; src: url(data:font/otf;base64," in svg
        assert "<dc:date>" not in svg
        shots[name] = _render_svg(exe, path, tmp_path, name)
    assert (shots["a"] < 128).sum() > 2000, "nothing drawn"
    assert not np.array_equal(shots["a"], shots["b"]), "different titles look the same: boxes, not glyphs"
    # Without the embedded font (and no CJK font on the system) the titles would be boxes:
    # the embedded font is what draws them.
    if shutil.which("fc-list") and not subprocess.run(["fc-list", ":lang=zh"], capture_output=True,
                                                       text=True).stdout.strip():
        bare = {}
        for name in ("a", "b"):
            text = (tmp_path / f"{name}.svg").read_text(encoding="utf-8")
            stripped = tmp_path / f"{name}-bare.svg"
            stripped.write_text(re.sub(r"@font-face \{[^}]*\}\n", "", text), encoding="utf-8")
            bare[name] = _render_svg(exe, stripped, tmp_path, f"{name}-bare")
        assert not np.array_equal(bare["a"], shots["a"])


def test_svg_text_as_paths_needs_no_font(tmp_path):
    exe = _chromium()
    fig = _figure()
    path = plot.save_figure(fig, tmp_path / "paths.svg", svg_text="path")
    plt.close(fig)
    svg = path.read_text(encoding="utf-8")
    assert "<text" not in svg and "@font-face" not in svg
    assert f"<!-- {TITLE} {LATIN} -->" in svg       # matplotlib notes each string beside its glyphs
    assert (_render_svg(exe, path, tmp_path, "paths") < 128).sum() > 2000


def test_png_and_bad_suffix(tmp_path):
    fig = _figure()
    from PIL import Image

    small = Image.open(plot.save_figure(fig.axes[0], tmp_path / "sub" / "fig.png", dpi=100)).size
    large = Image.open(plot.save_figure(fig, tmp_path / "fig200.png", dpi=200)).size
    assert abs(large[0] - 2 * small[0]) <= 6 and abs(large[1] - 2 * small[1]) <= 6   # tight box: a few pixels
    assert 400 < small[0] < 500       # 5 inches at 100 dpi, trimmed to the content
    with pytest.raises(ZhspeechError, match=r"fig\.jpg: unknown figure format \.jpg; use one of \.pdf, \.svg, \.png$"):
        plot.save_figure(fig, tmp_path / "fig.jpg")
    plt.close(fig)
    assert zs.plot.SAVE_FORMATS == (".pdf", ".svg", ".png")
