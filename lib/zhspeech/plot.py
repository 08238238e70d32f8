"""Figures with Chinese that renders as glyphs, not boxes.

``use_chinese_font()`` is the one place that touches matplotlib's rcParams: it
registers a Simplified-Chinese font (Noto Sans SC from the ``pylopdf-fonts-zh-cn``
package, SIL Open Font License 1.1), or the file named by ``$ZHSPEECH_FONT``, or a
CJK font installed on the system, and returns its path. Every figure function
calls it, takes ``ax=None`` and returns the Axes; none calls ``plt.show()``.
"""
from __future__ import annotations

import html
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

_FONT: dict = {}
_SYSTEM_CJK = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
               "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
               "AR PL UMing CN", "Droid Sans Fallback")


class FontWarning(UserWarning):
    """No Chinese font could be registered as asked; the message names the fix."""


def _packaged_font() -> Path | None:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        warnings.warn("the font package pylopdf-fonts-zh-cn is not installed; "
                      "fix: pip install pylopdf-fonts-zh-cn (or run `make install`)", FontWarning, stacklevel=3)
        return None
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file() or path.stat().st_size < 1000:
        warnings.warn(f"the font package pylopdf-fonts-zh-cn is broken ({path.name} missing); "
                      "fix: pip install --force-reinstall pylopdf-fonts-zh-cn", FontWarning, stacklevel=3)
        return None
    return path


def _system_font() -> Path | None:
    from matplotlib import font_manager

    by_name = {f.name: f.fname for f in font_manager.fontManager.ttflist}
    for name in _SYSTEM_CJK:
        if name in by_name:
            return Path(by_name[name])
    return None


def find_chinese_font() -> Path | None:
    """The font file zhspeech would use, in order: ``$ZHSPEECH_FONT``, the packaged
    Noto Sans SC, a system CJK font. Warns (once per cause) when falling back."""
    env = os.environ.get("ZHSPEECH_FONT")
    if env:
        p = Path(env)
        if p.is_file():
            return p
        warnings.warn(f"ZHSPEECH_FONT={env} is not a font file; falling back to the packaged font",
                      FontWarning, stacklevel=2)
    path = _packaged_font() or _system_font()
    if path is None:
        warnings.warn("no Chinese font found: Chinese text would show as boxes; "
                      "fix: pip install pylopdf-fonts-zh-cn, or set ZHSPEECH_FONT to a .otf/.ttf file",
                      FontWarning, stacklevel=2)
    return path


def use_chinese_font() -> Path | None:
    """Register a Simplified-Chinese font with matplotlib and make it the default
    sans-serif family; return the font file's path (None if there is none at all)."""
    import matplotlib as mpl
    from matplotlib import font_manager

    key = os.environ.get("ZHSPEECH_FONT", "")
    if key in _FONT:
        return _FONT[key]
    path = find_chinese_font()
    if path is not None:
        font_manager.fontManager.addfont(str(path))
        name = font_manager.FontProperties(fname=str(path)).get_name()
        mpl.rcParams["font.family"] = "sans-serif"
        mpl.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
        mpl.rcParams["axes.unicode_minus"] = False
    _FONT[key] = path
    return path


def setup_notebook() -> Path | None:
    """The set-up every notebook shares: register the Chinese font (``use_chinese_font``)
    and let pandas show table cells up to 60 characters wide. Returns the font's path."""
    pd.set_option("display.max_colwidth", 60)
    return use_chinese_font()


class NoRows:
    """What :func:`table` shows for a frame without rows."""

    def __init__(self, columns: list, caption: str | None = None):
        self.columns, self.caption = columns, caption

    def __repr__(self) -> str:
        lead = f"{self.caption}: " if self.caption else ""
        return f"{lead}no rows (columns: {', '.join(self.columns)})"

    def _repr_html_(self) -> str:
        return f'<p class="zs-no-rows"><em>{html.escape(repr(self))}</em></p>'


def table(df: pd.DataFrame, *, digits: int = 2, p_columns=("p",), caption: str | None = None):
    """A table as a reader should see it (a pandas Styler): no row numbers, whole
    numbers as integers (``6``, not ``6.0``; a missing count as ``–``), other numbers
    rounded to ``digits`` and p-values in scientific notation (:func:`zhspeech.stats.format_p`).
    A frame without rows shows one line naming its columns, not a header with nothing
    under it."""
    from .stats import format_p

    if len(df) == 0:
        return NoRows(list(map(str, df.columns)), caption)

    formats = {}
    for col in df.columns:
        values = df[col]
        if col in p_columns:
            formats[col] = lambda v: html.escape(format_p(v))  # "< 1e-300" is text, not a tag
        elif pd.api.types.is_bool_dtype(values):
            continue
        elif pd.api.types.is_integer_dtype(values):
            formats[col] = lambda v: "–" if pd.isna(v) else f"{int(v)}"
        elif pd.api.types.is_float_dtype(values):
            present = values.dropna()
            whole = len(present) > 0 and bool((present == present.round()).all()) and col in _COUNT_COLUMNS
            formats[col] = ((lambda v: "–" if pd.isna(v) else f"{int(v)}") if whole
                            else (lambda v, d=digits: "–" if pd.isna(v) else f"{v:.{d}f}"))
    styler = df.style.format(formats).hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler


# Columns that hold counts: shown as integers even when a missing value made them float.
_COUNT_COLUMNS = {"n", "items", "declared_items", "chars", "hanzi", "sentences", "hits", "n_target",
                  "n_reference", "n_hits", "terms", "ordinal", "start", "end", "year"}


def _ax(ax, figsize=(8, 5)):
    import matplotlib.pyplot as plt

    use_chinese_font()
    if ax is None:
        _fig, ax = plt.subplots(figsize=figsize)
    return ax


# -- publication figures ----------------------------------------------------------------------
#
# Journals ask for vector figures without Type 3 fonts (``pdf.fonttype = 42``). Type 42
# embeds TrueType outlines, but Noto Sans SC is an OpenType font with CFF outlines: given to
# matplotlib as Type 42, the PDF is written and every label vanishes when it is rendered. So
# PDFs are written with a TrueType-outline copy of the Chinese font, converted once with
# fontTools (cubic CFF curves to quadratic glyf curves, cu2qu) and kept in the user cache
# folder. The copy is a modified version of a font under the SIL Open Font License 1.1, so it
# gets its own family name (``<family> TT``), as the licence asks, and keeps the licence in its
# name table; embedding a subset of it in a PDF is what the licence allows for documents.

SAVE_FORMATS = (".pdf", ".svg", ".png")
TT_SUFFIX = " TT"
_CONVERTER_VERSION = "1"


def font_cache_dir() -> Path:
    """Where the converted font is kept: ``$ZHSPEECH_FONT_CACHE`` or the user cache
    folder (``~/.cache/zhspeech/fonts`` on Linux)."""
    env = os.environ.get("ZHSPEECH_FONT_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("zhspeech", appauthor=False)) / "fonts"


def _to_truetype(source: Path, target: Path) -> None:
    """Write ``target``: ``source`` (OpenType/CFF) with TrueType (glyf) outlines and a
    family name ending in " TT"."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable

    font = TTFont(str(source), fontNumber=0)      # the first face of a collection (.ttc/.otc)
    order = font.getGlyphOrder()
    outlines = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # max_err 1 unit of 1000 per em; CFF contours run the other way round from TrueType's.
        outlines[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    for tag in ("CFF ", "CFF2", "VORG"):
        if tag in font:
            del font[tag]
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        glyph.recalcBounds(glyf)
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)       # left side bearing = xMin in TrueType
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    maxp.maxZones = 1
    for field in ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours", "maxTwilightPoints",
                  "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                  "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, field, 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    family = font["name"].getDebugName(1) or source.stem
    ps_name = (font["name"].getDebugName(6) or source.stem).replace("-", "TT-", 1)
    for rec in font["name"].names:
        if rec.nameID in (1, 4, 16):
            rec.string = str(rec).replace(family, family + TT_SUFFIX, 1) if family in str(rec) \
                else str(rec) + TT_SUFFIX
        elif rec.nameID == 6:
            rec.string = ps_name if "TT-" in ps_name else ps_name + "TT"
        elif rec.nameID == 3:
            rec.string = str(rec) + ";zhspeech-truetype"
    font.sfntVersion = "\x00\x01\x00\x00"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    font.save(str(tmp))       # maxp's counts are recomputed from glyf on save
    os.replace(tmp, target)


def truetype_font(path=None) -> Path | None:
    """A TrueType-outline version of the Chinese font (``path``, default: the one
    :func:`find_chinese_font` picks), for Type 42 embedding in PDF. A font that already
    has TrueType outlines is returned as it is; an OpenType/CFF font is converted once
    (about half a minute for Noto Sans SC) and cached in :func:`font_cache_dir`."""
    from fontTools.ttLib import TTFont

    path = Path(path) if path is not None else find_chinese_font()
    if path is None:
        return None
    with TTFont(str(path), lazy=True, fontNumber=0) as font:
        if "glyf" in font:
            return path
    from .provenance import sha256_file

    name = f"{path.stem}-{sha256_file(path)[:16]}-tt{_CONVERTER_VERSION}.ttf"
    folder = font_cache_dir()
    if (folder / name).is_file():
        return folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _to_truetype(path, folder / name)
    except PermissionError:
        import tempfile

        folder = Path(tempfile.gettempdir()) / "zhspeech-fonts"
        warnings.warn(f"the font cache {font_cache_dir()} is not writable; converting into {folder} "
                      "(set ZHSPEECH_FONT_CACHE to a writable folder to keep the copy)", FontWarning, stacklevel=2)
        if not (folder / name).is_file():
            folder.mkdir(parents=True, exist_ok=True)
            _to_truetype(path, folder / name)
    return folder / name


def _pdf_fonts() -> dict:
    """rcParams that make matplotlib embed TrueType (Type 42) fonts only, the Chinese
    font replaced by its TrueType-outline copy."""
    import matplotlib as mpl
    from matplotlib import font_manager

    source = use_chinese_font()
    rc = {"pdf.fonttype": 42, "ps.fonttype": 42}
    tt = truetype_font(source) if source is not None else None
    if tt is not None and tt != source:
        font_manager.fontManager.addfont(str(tt))
        old = font_manager.FontProperties(fname=str(source)).get_name()
        new = font_manager.FontProperties(fname=str(tt)).get_name()
        for key in ("font.sans-serif", "font.serif", "font.family"):
            rc[key] = [new if f == old else f for f in mpl.rcParams[key]]
    return rc


def font_subset(font_path, chars) -> bytes:
    """The font file at ``font_path`` cut down to the glyphs of ``chars`` (fontTools
    subset, names and layout features kept), as bytes to embed in a page or figure."""
    import io

    from fontTools import subset

    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    font = subset.load_font(str(font_path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    font.close()
    return buf.getvalue()


def _svg_with_font(svg: str, font_path) -> str:
    """Embed a subset of the Chinese font (the characters of the SVG's text) as an
    @font-face rule named like the family the text asks for, so that the text renders
    in the same font everywhere and stays text (searchable, selectable)."""
    import base64
    import html as _html
    import re

    from matplotlib import font_manager

    if font_path is None:
        return svg
    chars = {c for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S) for c in _html.unescape(t)}
    if not chars:
        return svg
    data = base64.b64encode(font_subset(font_path, chars)).decode("ascii")
    family = font_manager.FontProperties(fname=str(font_path)).get_name()
    rule = (f"@font-face {{ font-family: '{family}'; "
            f"src: url(data:font/otf;base64,{data}) format('opentype'); }}\n")
    if '<style type="text/css">' in svg:
        return svg.replace('<style type="text/css">', '<style type="text/css">' + rule, 1)
    return svg.replace("<defs>", f'<defs>\n  <style type="text/css">{rule}</style>', 1)


def save_figure(fig_or_ax, path, *, dpi: int = 300, svg_text: str = "font") -> Path:
    """Save a figure (or the figure of an Axes) for publication; returns the path.

    * ``.pdf``: vector, fonts embedded as TrueType (Type 42), never Type 3; Chinese and
      Latin text stays text (searchable, selectable). The Chinese font is a TrueType
      copy of Noto Sans SC (see :func:`truetype_font`).
    * ``.svg``: vector; ``svg_text="font"`` keeps text as ``<text>`` with a subset of the
      Chinese font embedded (@font-face), ``svg_text="path"`` draws every glyph as a path
      (no font needed anywhere, text no longer selectable).
    * ``.png``: raster at ``dpi``.

    Files carry no creation date, so the same figure gives the same bytes.

    Raises:
        ZhspeechError: the suffix is not .pdf, .svg or .png (one line naming the file).
    """
    import matplotlib as mpl

    from .errors import ZhspeechError

    fig = fig_or_ax.figure if hasattr(fig_or_ax, "figure") and not hasattr(fig_or_ax, "savefig") else fig_or_ax
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SAVE_FORMATS:
        raise ZhspeechError(path, f"unknown figure format {suffix or '(no suffix)'}; "
                                  f"use one of {', '.join(SAVE_FORMATS)}")
    if svg_text not in ("font", "path"):
        raise ValueError("svg_text must be 'font' or 'path'")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        with mpl.rc_context(_pdf_fonts()):
            fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"CreationDate": None, "ModDate": None})
    elif suffix == ".svg":
        font = use_chinese_font()
        with mpl.rc_context({"svg.fonttype": "none" if svg_text == "font" else "path", "svg.hashsalt": "zhspeech"}):
            fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata={"Date": None})
        if svg_text == "font":
            path.write_text(_svg_with_font(path.read_text(encoding="utf-8"), font), encoding="utf-8")
    else:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


# -- term frequency ----------------------------------------------------------------------

def plot_term_bars(terms: pd.DataFrame, *, top: int = 20, value: str = "n", ax=None, title: str = "高频词"):
    """Horizontal bars of the most frequent terms (a terms or top_terms table)."""
    data = terms.sort_values(value, ascending=False).head(top).iloc[::-1]
    ax = _ax(ax, (7, max(3, 0.3 * len(data) + 1)))
    ax.barh(data["term"], data[value], color="#b22222")
    ax.set_xlabel("出现次数" if value == "n" else "每万词次数")
    ax.set_title(title)
    for y, v in enumerate(data[value]):
        ax.text(v, y, f" {v:g}", va="center", fontsize=8)
    return ax


# Word colours for clouds: each has a contrast ratio of at least 4.5:1 on white (WCAG AA
# for text), so that small, rare words stay legible.
CLOUD_COLOURS = ("#8b0000", "#b22222", "#1f3a93", "#2f4f4f", "#6a1b9a", "#7a4a00", "#005f5f")


def contrast_ratio(colour: str, background: str = "#ffffff") -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 = none, 21 = black on white)."""
    def luminance(c):
        rgb = [int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(colour), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _dark_colour(word, font_size, position, orientation, random_state=None, **kwargs):
    rng = random_state if random_state is not None else np.random
    return CLOUD_COLOURS[rng.randint(0, len(CLOUD_COLOURS) - 1) if hasattr(rng, "randint") else 0]


def plot_wordcloud(frequencies, *, ax=None, seed: int = 42, mask=None, max_words: int = 100,
                   width: int = 800, height: int = 500, title: str | None = None):
    """A word cloud drawn from frequencies (never from raw text, so each word appears
    once and stopwords stay out), in the Chinese font, reproducible with ``seed``.

    Args:
        frequencies: a mapping term → count, or a table with term and n.
        mask: optional image array (white = empty) that shapes the cloud.
    """
    from wordcloud import WordCloud

    if isinstance(frequencies, pd.DataFrame):
        frequencies = dict(zip(frequencies["term"], frequencies["n"]))
    freqs = {str(k): float(v) for k, v in dict(frequencies).items() if v > 0}
    font = use_chinese_font()
    cloud = WordCloud(font_path=str(font) if font else None, width=width, height=height,
                      background_color="white", random_state=seed, mask=mask, max_words=max_words,
                      collocations=False, prefer_horizontal=0.95, color_func=_dark_colour)
    if freqs:
        cloud.generate_from_frequencies(freqs)
    ax = _ax(ax, (width / 100, height / 100))
    if freqs:
        ax.imshow(cloud.to_array(), interpolation="bilinear")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    ax.wordcloud = cloud
    return ax


def plot_dispersion(positions: pd.DataFrame, *, sections: pd.DataFrame | None = None, ax=None,
                    title: str = "词语分布（词汇离散图）"):
    """Lexical dispersion plot (like quanteda's ``textplot_xray``): one row per term,
    a tick at each occurrence's relative position; part boundaries as dotted lines."""
    terms = list(dict.fromkeys(positions["term"]))
    ax = _ax(ax, (9, 0.5 * max(len(terms), 1) + 1.2))
    for i, term in enumerate(terms):
        x = positions[positions["term"] == term]["position"]
        ax.vlines(x, i - 0.35, i + 0.35, color="#1f3a93", linewidth=1)
    ax.set_yticks(range(len(terms)))
    ax.set_yticklabels(terms)
    ax.set_ylim(-0.6, len(terms) - 0.4)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("在文本中的相对位置")
    pad = 6
    if sections is not None:
        parts = sections[(sections["level"] == 1) & (sections["kind"] == "part")]
        total = sections["end"].max()
        for p in parts.itertuples():
            ax.axvline(p.start / total, color="grey", linestyle=":", linewidth=0.8)
            # Each part's label sits above the frame, centred on the part.
            ax.text((p.start + p.end) / 2 / total, 1.01, p.label, fontsize=11, color="#444444", ha="center",
                    va="bottom", transform=ax.get_xaxis_transform())
        pad = 24 if len(parts) else 6
    ax.set_title(title, pad=pad)
    return ax


def plot_keyness(key: pd.DataFrame, *, top: int = 15, ax=None, target: str = "目标", reference: str = "参照",
                 value: str = "g2"):
    """Bars of the most key terms each way (signed G² by default)."""
    pos = key[key[value] > 0].nlargest(top, value)
    neg = key[key[value] < 0].nsmallest(top, value)
    data = pd.concat([pos, neg.iloc[::-1]]).iloc[::-1]
    ax = _ax(ax, (7, 0.28 * len(data) + 1.5))
    colors = ["#b22222" if v > 0 else "#1f3a93" for v in data[value]]
    ax.barh(data["term"], data[value], color=colors)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"关键性（带符号 G²）：右 = {target}更常用，左 = {reference}更常用")
    ax.set_title(f"关键词：{target} 对 {reference}")
    return ax


# -- structure ---------------------------------------------------------------------------

KIND_NAMES = {"title": "标题", "salutation": "称呼", "opening": "开场", "part": "部分", "subpart": "小节",
              "item": "条目", "closing": "结尾", "body": "正文"}


def section_labels(sections: pd.DataFrame, *, level: int = 1, width: int = 8) -> dict:
    """Short Chinese labels for sections (``一、持续推进用习近平…``, ``第二，要抓好治理``,
    ``开场``, ``最后``), to name the rows of a heatmap or the bars of a chart."""
    out = {}
    for r in sections[sections["level"] == level].itertuples():
        if r.kind in ("part", "subpart", "item"):
            out[r.section_id] = _marked_heading(r.label, r.heading[:width])
        else:
            out[r.section_id] = r.label or KIND_NAMES.get(r.kind, r.kind)
    return out


_CHINESE_NUMERALS = set("〇零一二三四五六七八九十百")


def _marked_heading(label: str, heading: str) -> str:
    """A section's label joined to its heading as Chinese writes it: 、 after a bare
    numeral (一、), ． after an Arabic one (1．), nothing after 一是 or a bracketed number
    (（一）), ， after an ordinal or a connective (第二，, 第一个问题，, 首先，)."""
    if not label or not heading:
        return label or heading
    if set(label) <= _CHINESE_NUMERALS:
        sep = "、"
    elif label.isascii() and label.isdigit():
        sep = "．"
    elif label.endswith(("是", "）", ")", "．", ".")):
        sep = ""
    else:
        sep = "，"
    return f"{label}{sep}{heading}"


def _part_label(row) -> str:
    head = row.heading if len(row.heading) <= 14 else row.heading[:14] + "…"
    if row.kind in ("part", "item"):
        return _marked_heading(row.label, head)
    return row.label or row.kind


def plot_section_lengths(sections: pd.DataFrame, *, value: str = "hanzi", ax=None, title: str | None = None):
    """Horizontal bars of the top-level parts by length, labelled with their headings and
    their share of the whole text's ``value`` (the x label says what the rest is). A text
    without numbered parts shows its top-level sections (title, opening, body, closing)."""
    top = sections[sections["level"] == 1]
    parts = top[top["kind"].isin(["part", "item"])]  # 一、… or 第一，… at the top level
    numbered = len(parts) > 0
    if not numbered:
        parts = top
    parts = parts.iloc[::-1]
    total = top[value].sum()
    ax = _ax(ax, (8, 0.45 * max(len(parts), 1) + 1.4))
    labels = [_part_label(r) if r.kind in ("part", "item") and numbered else KIND_NAMES.get(r.kind, r.kind)
              for r in parts.itertuples()]
    ax.barh(labels, parts[value], color="#b22222")
    shares = parts[value] / total if total else parts[value] * 0.0
    for y, (v, share) in enumerate(zip(parts[value], shares)):
        ax.text(v, y, f" {v}（{share:.0%}）", va="center", fontsize=9)
    ax.set_xlim(0, max(parts[value].max() if len(parts) else 1, 1) * 1.22)  # room for the labels
    unit = "汉字" if value == "hanzi" else value
    if numbered:
        rest = 1 - (parts[value].sum() / total if total else 0)
        ax.set_xlabel(f"{unit}数（括号内：占全文{unit}的比例；其余 {rest:.0%} 为标题、开场、结尾等）")
        ax.set_title(title or f"{len(parts)}个编号部分的篇幅")
    else:
        ax.set_xlabel(f"{unit}数（括号内：占全文{unit}的比例）")
        ax.set_title(title or "各段落区块的篇幅（无编号部分）")
    return ax


_KIND_COLORS = {"title": "#999999", "salutation": "#bbbbbb", "opening": "#d9a441", "part": "#b22222",
                "body": "#e8c1c1", "closing": "#5b7db1", "subpart": "#d45d5d", "item": "#f4a6a6"}
_NUMERALS = set("一二三四五六七八九十百零0123456789")
# Every other item/subpart of a row in a second shade, so that neighbours stay apart.
_KIND_COLORS_ALT = {"subpart": "#a83232", "item": "#e07b7b"}


def plot_outline(sections: pd.DataFrame, *, ax=None, title: str = "讲话结构（嵌套条形图）", max_depth: int = 2):
    """The outline as nested bars: the top row is the whole text split into its
    top-level sections, the rows below split each one into its children (items,
    subparts). Widths are characters, so the picture is the tiling itself."""
    from matplotlib.patches import Patch

    total = sections["end"].max() if len(sections) else 1
    depth = min(int(sections["level"].max()) if len(sections) else 1, max_depth)
    figwidth = 12
    ax = _ax(ax, (figwidth, 1.4 + 0.8 * depth))
    # A label is drawn only where it fits: about 0.012 of the width per character at 9 pt
    # on a 12-inch figure (0.0095 at 7 pt), plus a margin.
    per_char = {1: 0.012, 2: 0.0095}
    shown = set()
    nth = {}
    for r in sections[sections["level"] <= depth].sort_values(["level", "start"]).itertuples():
        y = r.level - 1
        colour = _KIND_COLORS.get(r.kind, "#cccccc")
        nth[r.level] = nth.get(r.level, -1) + 1
        if r.level > 1 and nth[r.level] % 2:
            colour = _KIND_COLORS_ALT.get(r.kind, colour)
        ax.barh(y, r.chars, left=r.start, height=0.8, color=colour, edgecolor="white", linewidth=1.2)
        shown.add(r.kind)
        width = r.chars / total
        label = r.label if r.kind in ("part", "item", "subpart") else KIND_NAMES.get(r.kind, "")
        if r.level > 1 and label:  # the numeral alone (一是 → 一, （三）→ 三): more of them fit
            label = "".join(ch for ch in label if ch in _NUMERALS) or label
        if r.kind in ("body", "salutation"):
            label = ""
        need = per_char[min(r.level, 2)] * len(label) + 0.004
        if label and width > need:
            ax.text(r.start + r.chars / 2, y, label, ha="center", va="center", fontsize=9 if r.level == 1 else 7,
                    clip_on=True)
    ax.set_yticks(range(depth))
    ax.set_yticklabels([f"第{i + 1}层" for i in range(depth)])
    ax.invert_yaxis()
    ax.set_xlim(0, total)
    ax.set_xlabel("字符位置（宽度 = 字符数）")
    ax.set_title(title, pad=26)
    order = [k for k in _KIND_COLORS if k in shown]
    ax.legend(handles=[Patch(color=_KIND_COLORS[k], label=KIND_NAMES.get(k, k)) for k in order],
              loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(order), frameon=False, fontsize=9)
    return ax


def plot_part_distribution(sections: pd.DataFrame, *, ax=None, title: str = "各文本的部分篇幅分布",
                           labels: dict | None = None):
    """Compare how documents divide their length: one stacked bar per document, each
    segment a top-level section (share of the document's hanzi)."""
    top = sections[sections["level"] == 1].copy()
    totals = top.groupby("doc_id")["hanzi"].transform("sum")
    top["pct"] = top["hanzi"] / totals.where(totals > 0, 1)
    docs = list(dict.fromkeys(top["doc_id"]))
    ax = _ax(ax, (10, 0.45 * len(docs) + 1.5))
    part_colors = ("#b22222", "#e06666")  # alternating reds: one segment per numbered part
    for i, doc in enumerate(docs):
        left = 0.0
        part_no = 0
        for r in top[top["doc_id"] == doc].sort_values("start").itertuples():
            if r.kind == "part":
                color = part_colors[part_no % 2]
                part_no += 1
            else:
                color = _KIND_COLORS.get(r.kind, "#dddddd")
            ax.barh(i, r.pct, left=left, color=color, edgecolor="white", linewidth=0.5)
            if r.kind == "part" and r.pct > 0.04:
                ax.text(left + r.pct / 2, i, r.label, ha="center", va="center", fontsize=7, color="white")
            left += r.pct
    ax.set_yticks(range(len(docs)))
    ax.set_yticklabels([(labels or {}).get(d, d) for d in docs])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("占全文汉字的比例")
    ax.set_title(title, pad=26)
    from matplotlib.patches import Patch

    present = set(top["kind"])
    handles = [Patch(color=part_colors[0], label="编号部分（深浅相间）")] if "part" in present else []
    handles += [Patch(color=_KIND_COLORS.get(k, "#dddddd"), label=KIND_NAMES.get(k, k))
                for k in _KIND_COLORS if k in present and k != "part"]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(handles),
              frameon=False, fontsize=9)
    return ax


# -- themes ------------------------------------------------------------------------------

def plot_heatmap(matrix: pd.DataFrame, *, ax=None, title: str = "", cmap: str = "Reds", fmt: str = "{:.1f}",
                 xlabel: str = "", ylabel: str = ""):
    """A labelled heatmap of a rows × columns table (e.g. documents × themes)."""
    ax = _ax(ax, (1.0 + 0.75 * matrix.shape[1], 0.9 + 0.42 * matrix.shape[0]))
    values = matrix.to_numpy(dtype=float)
    im = ax.imshow(values, cmap=cmap, aspect="auto")
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_xticklabels([str(c) for c in matrix.columns], rotation=45, ha="right")
    ax.set_yticks(range(matrix.shape[0]))
    ax.set_yticklabels([str(i) for i in matrix.index])
    vmax = np.nanmax(values) if values.size else 0
    for (i, j), v in np.ndenumerate(values):
        if not np.isnan(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7,
                    color="white" if vmax and v > 0.6 * vmax else "black")
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    cax = make_axes_locatable(ax).append_axes("right", size=0.18, pad=0.12)  # inches: as tall as the map
    ax.figure.colorbar(im, cax=cax)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_theme_heatmap(emphasis: pd.DataFrame, *, index: str = "section_id", ax=None,
                       title: str = "主题强度（每千汉字命中数）", labels: dict | None = None):
    """Themes × sections (or documents) heatmap of per_1k_hanzi."""
    matrix = emphasis.pivot_table(index=index, columns="theme", values="per_1k_hanzi", sort=False)
    if labels:
        matrix.index = [labels.get(i, i) for i in matrix.index]
    return plot_heatmap(matrix, ax=ax, title=title)


def plot_theme_trend(emphasis: pd.DataFrame, documents: pd.DataFrame, themes, *, ax=None,
                     title: str = "政府工作报告中的主题强度变化"):
    """Lines of per_1k_hanzi by year for the given themes (one point per document)."""
    data = emphasis.merge(documents[["doc_id", "year"]], on="doc_id").dropna(subset=["year"])
    ax = _ax(ax, (9, 4.5))
    years = sorted(data["year"].astype(int).unique())
    every_year = list(range(years[0], years[-1] + 1)) if years else []
    for theme in themes:
        d = data[data["theme"] == theme].assign(year=lambda t: t["year"].astype(int))
        # One value per year over the whole span: a year without a report is NaN, which
        # matplotlib draws as a gap instead of a line across it.
        series = d.groupby("year")["per_1k_hanzi"].mean().reindex(every_year)
        ax.plot(series.index, series.to_numpy(dtype=float), marker="o", label=theme)
    missing = [y for y in every_year if y not in years]
    for y in missing:
        ax.axvspan(y - 0.5, y + 0.5, color="#eeeeee", zorder=0)
    ax.set_xlabel("年份" + (f"（{'、'.join(map(str, missing))} 年无报告，折线在此断开）" if missing else ""))
    ax.set_ylabel("每千汉字命中数")
    ax.legend(frameon=False, ncol=2)
    ax.set_title(title)
    ax.set_xticks(every_year)
    return ax


def plot_target_series(series: pd.DataFrame, *, ax=None, title: str = "政府工作报告的增长目标",
                       ylabel: str = "目标（%）"):
    """A stated target year by year (``discourse.target_series``): a point for a single
    value, a bar from low to high for a range, and a labelled mark for a year whose
    document states no such target. Years without a document are labelled too, so a gap
    in the corpus is not read as a missing target."""
    ax = _ax(ax, (9, 4.5))
    stated = series[series["stated"]]
    for row in stated.itertuples():
        if row.high != row.low:
            ax.plot([row.year, row.year], [row.low, row.high], color="#b2182b", linewidth=6, solid_capstyle="butt")
        else:
            ax.plot(row.year, row.low, "o", color="#b2182b")
        ax.annotate(f"{row.low:g}" + (f"–{row.high:g}" if row.high != row.low else "") + (row.modifier
                    if row.modifier not in ("", "range") else ""),
                    (row.year, row.high), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    low = float(stated["low"].min()) if len(stated) else 0.0
    high = float(stated["high"].max()) if len(stated) else 1.0
    ax.set_ylim(low - 1.5, high + 1)
    for row in series[~series["stated"]].itertuples():
        ax.plot(row.year, low - 1, "x", color="0.3")
        ax.annotate("未设目标", (row.year, low - 1), textcoords="offset points", xytext=(0, 6), ha="center",
                    fontsize=8, color="0.3")
    years = sorted(series["year"].astype(int).unique())
    if years:
        for gap in sorted(set(range(years[0], years[-1] + 1)) - set(years)):
            ax.annotate("无报告", (gap, low - 1), ha="center", fontsize=8, color="0.6")
        ax.set_xticks(range(years[0], years[-1] + 1))
    ax.set_xlabel("年份")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax
