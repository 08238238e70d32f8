"""What a reader sees: p-values, tables, figure colours and gaps, outline sentences,
and reports without test markers."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import zhspeech as zs  # noqa: E402


def test_format_p_is_scientific_and_names_underflow():
    assert zs.stats.format_p(1.23456e-05) == "1.2e-05"
    assert zs.stats.format_p(0.0) == "< 1e-300"
    assert zs.stats.format_p(0.0431) == "0.043"
    assert zs.stats.format_p(1.0) == "1"
    assert zs.stats.format_p(float("nan")) == ""


def test_table_hides_row_numbers_and_prints_counts_as_integers():
    df = pd.DataFrame({"label": ["一", "二"], "items": [6.0, np.nan], "share": [0.12345, 0.5], "p": [0.0, 2e-7]},
                      index=[228, 239])
    html = zs.plot.table(df).to_html()
    assert ">228<" not in html and ">239<" not in html
    assert ">6<" in html and ">6.0<" not in html and ">–<" in html
    assert ">0.12<" in html and "&lt; 1e-300" in html and ">2.0e-07<" in html


def test_cloud_colours_have_text_contrast_on_white():
    assert all(zs.plot.contrast_ratio(c) >= 4.5 for c in zs.plot.CLOUD_COLOURS)
    assert round(zs.plot.contrast_ratio("#000000"), 1) == 21.0
    ax = zs.plot.plot_wordcloud({"加强": 30, "人才": 5, "党组织": 2, "干部": 40}, seed=1, width=300, height=200)
    colours = {item[-1] for item in ax.wordcloud.layout_}
    plt.close(ax.figure)
    assert colours <= set(zs.plot.CLOUD_COLOURS)


def test_trend_line_breaks_at_a_missing_year():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2019, 2020, 2022]})
    emph = pd.DataFrame({"doc_id": ["a", "b", "c"], "theme": ["人才"] * 3, "per_1k_hanzi": [1.0, 2.0, 3.0]})
    ax = zs.plot.plot_theme_trend(emph, docs, ["人才"])
    x, y = ax.lines[0].get_data()
    plt.close(ax.figure)
    assert list(x) == [2019, 2020, 2021, 2022]
    assert y[0] == 1.0 and y[1] == 2.0 and np.isnan(y[2]) and y[3] == 3.0


def test_heatmap_colourbar_is_as_tall_as_the_map():
    ax = zs.plot.plot_heatmap(pd.DataFrame([[1.0, 2.0], [3.0, 4.0], [5.0, 0.0]], columns=["甲", "乙"]))
    ax.figure.canvas.draw()
    bar = ax.figure.axes[-1].get_position()
    box = ax.get_position()
    plt.close(ax.figure)
    assert abs(bar.y0 - box.y0) < 1e-6 and abs(bar.y1 - box.y1) < 1e-6


TEXT = ("关于做好秋季工作的讲话\n同志们：\n今天开会，我讲两个方面。\n"
        "一、抓好秋粮收购\n秋粮收购要早动手，仓容要腾足，收购资金要到位。\n"
        "二、抓好冬季防火\n重点抓好三件事：一是巡山，二是宣传。\n同志们，大家辛苦了。\n")


def test_describe_outline_and_enumerations_follow_the_text():
    sections, enums = zs.structure.parse_structure(TEXT, "t", enumerations=True)
    parts = sections[(sections["level"] == 1) & (sections["kind"] == "part")]
    hanzi = int(sections[sections["level"] == 1]["hanzi"].sum())
    text = zs.structure.describe_outline(sections)
    assert text.startswith("The text has **2 numbered parts** (一、二)")
    longest = parts.loc[parts["hanzi"].idxmax()]
    assert f"The longest is part {longest['label']} ({int(longest['hanzi'])} 汉字, " \
           f"{longest['hanzi'] / hanzi:.0%} of the text)" in text
    said = zs.structure.describe_enumerations(sections, enums)
    assert "“三件事” announces 3 but 2 items are found (一是…二是)" in said
    plain = zs.structure.parse_structure("开会。大家辛苦了。\n明天继续。\n", "p")
    assert zs.structure.describe_outline(plain).startswith("This text has no numbered parts")


def test_candidate_terms_leave_out_counts():
    rules = zs.lexicons.load_structure_rules()["count_phrase"]
    assert [t for t in ["三件", "五项", "两个", "2020", "人才", "三农", "十九大"] if rules.match(t)] == \
        ["三件", "五项", "两个", "2020"]


def test_check_markers_are_stripped_from_the_html():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)")]
    nb = zs.report.strip_check_markers(nb)
    assert nb.cells[0].source == "print(1)"
