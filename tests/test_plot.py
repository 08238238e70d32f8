"""Chinese renders as glyphs in figures; word clouds are reproducible."""
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import zhspeech as zs  # noqa: E402
from zhspeech import plot  # noqa: E402


def _draw_chinese():
    fig, ax = plt.subplots()
    ax.bar(["脱贫攻坚", "基层治理", "人才"], [18, 7, 14])
    ax.set_title("样本讲话的主题词")
    ax.set_xlabel("主题")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught]


def test_packaged_font_is_noto_sans_sc_with_its_licence():
    from importlib import metadata

    path = plot.use_chinese_font()
    assert path is not None and path.name == "NotoSansSC-Regular.otf"
    dist = metadata.distribution("pylopdf-fonts-zh-cn")
    licence = [f for f in dist.files if "LICENSE" in str(f).upper()]
    assert licence and "SIL Open Font License" in licence[0].read_text()


def test_setup_notebook_sets_the_table_width_and_the_chinese_font():
    import matplotlib as mpl
    import pandas as pd
    from matplotlib import font_manager

    with pd.option_context("display.max_colwidth", 50):
        path = plot.setup_notebook()
        assert pd.get_option("display.max_colwidth") == 60
    assert path is not None and path.name == "NotoSansSC-Regular.otf"
    assert mpl.rcParams["font.sans-serif"][0] == font_manager.FontProperties(fname=str(path)).get_name()


def test_chinese_title_and_ticks_have_no_missing_glyphs():
    plot.use_chinese_font()
    messages = _draw_chinese()
    assert not [m for m in messages if "Glyph" in m and "missing" in m]


def test_every_plot_function_draws_without_missing_glyphs(sample, sample_sections, sample_tokens, lexicon):
    hits = zs.themes.count_themes(sample, lexicon=lexicon, sections=sample_sections)
    em = zs.themes.emphasis(hits, sample_sections, sample.text, lexicon=lexicon)
    ref = zs.reference.load_reference()
    terms = zs.stats.top_terms(sample_tokens, 20)
    key = zs.stats.keyness(sample_tokens, ref.terms)
    pos = zs.stats.positions(sample_tokens, ["脱贫攻坚", "人才"], text_length=len(sample.text))
    docemph = zs.reference.document_emphasis(ref, lexicon=lexicon)
    draws = [lambda: plot.plot_term_bars(terms), lambda: plot.plot_keyness(key),
             lambda: plot.plot_dispersion(pos, sections=sample_sections),
             lambda: plot.plot_section_lengths(sample_sections), lambda: plot.plot_outline(sample_sections),
             lambda: plot.plot_part_distribution(ref.sections), lambda: plot.plot_theme_heatmap(em),
             lambda: plot.plot_theme_trend(docemph, ref.documents, ["脱贫攻坚"]),
             lambda: plot.plot_wordcloud(terms, seed=1)]
    for draw in draws:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ax = draw()
            ax.figure.canvas.draw()
        plt.close(ax.figure)
        assert not [w for w in caught if "Glyph" in str(w.message)], draw


def test_wordcloud_is_seeded_and_has_no_duplicates():
    freqs = {"脱贫攻坚": 18, "基层治理": 7, "人才": 14, "干部": 43, "工作": 62}
    a = plot.plot_wordcloud(freqs, seed=3, width=300, height=200)
    b = plot.plot_wordcloud(freqs, seed=3, width=300, height=200)
    c = plot.plot_wordcloud(freqs, seed=4, width=300, height=200)
    arr = [ax.wordcloud.to_array() for ax in (a, b, c)]
    assert np.array_equal(arr[0], arr[1]) and not np.array_equal(arr[0], arr[2])
    words = [w for (w, _), *_ in a.wordcloud.layout_]
    assert sorted(words) == sorted(freqs)
    plt.close("all")


def test_wordcloud_mask_shapes_the_cloud():
    mask = np.full((200, 300), 255, dtype=np.uint8)
    mask[50:150, 75:225] = 0
    ax = plot.plot_wordcloud({"人才": 5, "干部": 3}, seed=1, mask=mask)
    img = ax.wordcloud.to_array()
    assert img.shape[:2] == (200, 300)
    assert (img[:40, :, :] == 255).all()  # nothing drawn outside the mask
    plt.close("all")


def test_broken_font_setting_warns_with_the_fix_and_still_renders(monkeypatch, tmp_path):
    monkeypatch.setenv("ZHSPEECH_FONT", str(tmp_path / "missing.otf"))
    with pytest.warns(plot.FontWarning, match="ZHSPEECH_FONT=.*not a font file"):
        path = plot.use_chinese_font()
    assert path.name == "NotoSansSC-Regular.otf"
    assert not [m for m in _draw_chinese() if "Glyph" in m]


def test_missing_font_package_names_the_fix(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "pylopdf_fonts_zh_cn":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    monkeypatch.setenv("ZHSPEECH_FONT", "")
    plot._FONT.clear()
    with pytest.warns(plot.FontWarning, match="pip install pylopdf-fonts-zh-cn"):
        plot.find_chinese_font()
    plot._FONT.clear()
    fig, ax = plt.subplots()
    ax.set_title("标题")
    fig.savefig(pytest.importorskip("io").BytesIO(), format="png")
    plt.close(fig)


@pytest.mark.parametrize("text, labels", [
    ("同志们：\n第一，要抓好发展。发展很重要。\n第二，要抓好治理。治理很重要。\n",
     {"SAL": "称呼", "I1": "第一，要抓好发展", "I2": "第二，要抓好治理"}),
    ("第一个问题，关于发展。\n发展很重要，要抓好。\n第二个问题，关于治理。\n治理很重要，要抓好。\n",
     {"P1": "第一个问题，关于发展", "P2": "第二个问题，关于治理"}),
    ("一是抓好发展。发展很重要，要抓好。\n二是抓好治理。治理很重要，要抓好。\n",
     {"I1": "一是抓好发展", "I2": "二是抓好治理"}),
])
def test_section_labels_join_marker_and_heading_as_written(text, labels):
    sections = zs.structure.parse_structure(zs.clean.clean_text(text).text, "t")
    assert plot.section_labels(sections) == labels


def test_nested_labels_use_each_numbering_style():
    text = "一、抓好发展\n（一）稳增长。要稳住。\n（二）调结构。要调好。\n二、抓好治理\n1．建机制。要建好。\n2．强队伍。要强化。\n"
    sections = zs.structure.parse_structure(zs.clean.clean_text(text).text, "t")
    assert plot.section_labels(sections, level=2) == {
        "P1.B1": "正文", "P1.S1": "（一）稳增长", "P1.S2": "（二）调结构",
        "P2.B1": "正文", "P2.I1": "1．建机制", "P2.I2": "2．强队伍"}
    assert plot.section_labels(sections) == {"P1": "一、抓好发展", "P2": "二、抓好治理"}


def test_section_labels_are_chinese(sample_sections):
    labels = plot.section_labels(sample_sections)
    assert labels == {"T": "标题", "O": "开场", "P1": "一、持续推进用习近平", "P2": "二、强力推进抓党建促",
                      "P3": "三、扎实推进领导班子", "P4": "四、积极推进公务员管", "P5": "五、深入推进党建引领",
                      "P6": "六、大力推进人才工作", "B1": "最后", "C": "结尾"}


def test_a_table_without_rows_is_one_line_naming_its_columns():
    empty = pd.DataFrame({"start": pd.Series([], dtype="int64"), "before": pd.Series([], dtype=object)})
    shown = plot.table(empty, caption="删除的文字")
    assert repr(shown) == "删除的文字: no rows (columns: start, before)"
    assert shown._repr_html_() == '<p class="zs-no-rows"><em>删除的文字: no rows (columns: start, before)</em></p>'
    assert "<table" in plot.table(pd.DataFrame({"start": [3]}))._repr_html_()
