"""The discourse tables are the same as before their speed work (issue 15).

tests/oracle/discourse_v0.py is a frozen copy of find_formulas, directive_force and
targets (and what they call) from before. Here the library's public functions, the
columns it hands the corpus store (``discourse.store_tables``) and the store's
formulas, directives and targets tables are compared with what the frozen copy gives,
value for value and type for type, on: the 16 shared texts and the sample, our own
speeches (tests/data/speeches, tests/speeches.py, every numbering style of
tests/oracle/texts.py and their damaged variants), and generated texts dense in what
these tables read (directive markers and their blockers, 提法 of the lexicon, quoted and
numbered names, 1+N, numbers with units and modifiers, masks, announcements of targets,
review cues and headings).
"""
from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhspeech as zs
from zhspeech import discourse

sys.path.insert(0, str(Path(__file__).parent))
import speeches  # noqa: E402
from oracle import discourse_v0 as old  # noqa: E402
from oracle import texts  # noqa: E402

# -- generated texts ------------------------------------------------------------------------

def _pieces() -> list[str]:
    """What the three tables read, written here, plus words drawn from the lexicons."""
    tifa, directives, rules = discourse.bundled_lexicons()
    own = ["要", "必须", "确保", "不得", "不要", "不得不", "重要", "主要", "需要", "力争", "应当", "可以", "鼓励",
           "严禁", "坚决", "努力", "今年", "明年", "一年来", "过去五年", "取得了", "推进了", "加强了", "实现了",
           "预期目标", "主要预期目标是：", "主要目标是", "今年要", "今年发展的主要预期目标作了调整",
           "增长6.5%左右", "6%－6.5%", "百分之五点五", "百分之百", "一千一百万人以上", "3.5万亿元", "XX%",
           "XX个", "XX余名", "×××", "不低于85%", "控制在3%以内", "达到1100万人", "下降13.5%", "每立方米三十一微克",
           "35微克/立方米", "五个方面工作", "三项任务", "十个重点项目", "十四五", "二〇二五年", "2025年",
           "1+N", "1＋10", "1+X", "2+3", "“三件大事”", "三件大事：", "两不愁三保障", "三个一批", "十九大精神",
           "二十大以来", "“交硬账”", "“双报到、双评价”", "三个县区", "四个全面", "五位一体", "两个维护",
           "工作回顾", "一、过去一年工作回顾", "二、今年重点工作", "（一）", "（二）", "1.", "一是", "二是",
           "同志们：", "谢谢大家！"]
    drawn = sorted(tifa.surface)[::7] + sorted(directives.surface)[::3] + sorted(directives.not_markers)[::3] \
        + list(directives.review_cues[::2]) + list(directives.review_headings) + list(rules.units[::4]) \
        + [m[0] for m in rules.modifiers] + list(rules.announce) + list(rules.forward[::3])
    return own + drawn


FILLER = ["抓好粮食生产", "群众满意度", "城镇新增就业", "居民收入", "单位生产总值能耗", "细颗粒物浓度",
          "财政赤字率", "基层治理", "乡村振兴", "各乡镇", "我们", "干部队伍"]
PUNCT = ["，", "。", "；", "：", "、", "！", "？", "\n", "\n\n", "“", "”", "（", "）", " ", "—"]


def dense_texts(n: int, seed: int = 2015) -> list[str]:
    """``n`` texts assembled at random from markers, numbers, names and punctuation."""
    rnd = random.Random(seed)
    pieces = _pieces()
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rnd.randint(1, 160)):
            r = rnd.random()
            parts.append(rnd.choice(pieces) if r < 0.5 else rnd.choice(FILLER) if r < 0.75 else rnd.choice(PUNCT))
        out.append("".join(parts))
    return out


def own_texts() -> dict[str, str]:
    out = {p.name: p.read_text(encoding="utf-8") for p in sorted((zs.paths.gold_dir().parent / "data" /
                                                                    "speeches").glob("*.txt"))}
    styled = texts.styled_texts()
    out.update(styled)
    for name in ("yi-parts-subparts", "wenti", "mixed"):
        if name in styled:
            out.update({f"{name}-{k}": v for k, v in texts.damaged(styled[name], 3).items()})
    w = speeches._Writer()
    out["speech-with-parts"] = speeches.speech_with_parts(w)
    out["speech-without-title"] = speeches.speech_without_title(w)
    out["speech-without-parts"] = speeches.speech_without_parts(w)
    out["speech-for-docx"] = "\n".join(speeches.speech_for_docx(w))
    out.update({f"fuzz-{i}": t for i, t in enumerate(texts.fuzz_texts(12))})
    return out


# -- comparison -----------------------------------------------------------------------------

def assert_same(cleaned, doc_id: str, sections) -> None:
    """Every public function and the store's columns equal the frozen copy's."""
    frames = {}
    for secs in (sections, None):
        where = f"{doc_id} ({'sections' if secs is not None else 'no sections'})"
        for cand in (True, False):
            pd.testing.assert_frame_equal(discourse.find_formulas(cleaned, secs, doc_id=doc_id, candidates=cand),
                                          old.find_formulas(cleaned, secs, doc_id=doc_id, candidates=cand),
                                          obj=f"formulas {where}")
        force = old.directive_force(cleaned, secs, doc_id=doc_id)
        pd.testing.assert_frame_equal(discourse.directive_force(cleaned, secs, doc_id=doc_id), force,
                                      obj=f"directives {where}")
        for review in (None, False, force, discourse.load_directives()):
            pd.testing.assert_frame_equal(discourse.targets(cleaned, secs, doc_id=doc_id, review=review),
                                          old.targets(cleaned, secs, doc_id=doc_id, review=review),
                                          obj=f"targets {where} review={type(review).__name__}")
        frames[secs is None] = {"formulas": old.find_formulas(cleaned, secs, doc_id=doc_id), "directives": force,
                                "targets": old.targets(cleaned, secs, doc_id=doc_id, review=force)}
        # the columns the store writes
        got = discourse.store_tables(cleaned, secs, doc_id)
        for table, frame in frames[secs is None].items():
            cols = got[table]
            assert list(cols) == list(frame.columns[1:]) or set(cols) == set(frame.columns[1:]), table
            for name in frame.columns[1:]:
                want = frame[name].to_numpy()
                have = np.asarray(cols[name])
                assert len(have) == len(want), (where, table, name)
                if want.dtype.kind == "f":
                    np.testing.assert_array_equal(have, want, err_msg=f"{where} {table}.{name}")
                else:
                    assert have.tolist() == want.tolist(), (where, table, name)


def test_the_public_functions_and_store_columns_equal_the_oracle_on_the_shared_corpus(shared_cleaned, sample,
                                                                                       sample_sections):
    assert_same(sample, "sample", sample_sections)
    for doc_id, cleaned in shared_cleaned.items():
        assert_same(cleaned, doc_id, zs.structure.parse_structure(cleaned.text, doc_id))


def test_the_tables_equal_the_oracle_on_our_own_speeches():
    own = own_texts()
    assert len(own) > 40
    for name, text in own.items():
        cleaned = zs.clean.clean_text(text, doc_id=name)
        assert_same(cleaned, name, zs.structure.parse_structure(cleaned.text, name))


def test_the_tables_equal_the_oracle_on_texts_dense_in_markers():
    found = {"formulas": 0, "directives": 0, "targets": 0, "masks": 0}
    for i, text in enumerate(dense_texts(60)):
        cleaned = zs.clean.clean_text(text, doc_id=f"dense-{i}")
        found["masks"] += len(cleaned.masks)
        sections = zs.structure.parse_structure(cleaned.text, f"dense-{i}")
        assert_same(cleaned, f"dense-{i}", sections)
        got = discourse.store_tables(cleaned, sections, "x")
        found["formulas"] += len(got["formulas"]["start"])
        found["directives"] += int((np.asarray(got["directives"]["level"]) != "none").sum())
        found["targets"] += len(got["targets"]["start"])
    # the generated texts do reach every kind of row
    assert min(found.values()) > 50, found


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_pieces() + FILLER + PUNCT), max_size=60))
def test_the_tables_equal_the_oracle_on_generated_texts(parts):
    text = "".join(parts)
    cleaned = zs.clean.clean_text(text, doc_id="g")
    sections = zs.structure.parse_structure(cleaned.text, "g") if cleaned.text else None
    assert_same(cleaned, "g", sections)


def test_review_headings_read_from_any_sections_frame():
    """A sections table of the caller's own making (ids that are not strings, missing
    headings) gives the review column the old code gave."""
    text = "一、过去一年工作回顾\n我们推进了改革。要加强管理。\n二、今年工作\n要抓好落实。一年来成效明显。\n"
    cleaned = zs.clean.clean_text(text, doc_id="r")
    sections = zs.structure.parse_structure(cleaned.text, "r")
    odd = sections.astype({"section_id": object, "heading": object}).copy()
    odd.loc[odd.index[0], "heading"] = None
    numbered = sections.copy()
    numbered["section_id"] = list(range(len(numbered)))
    numbered["parent_id"] = [str(x) for x in numbered["parent_id"]]
    for secs in (sections, odd, numbered):
        pd.testing.assert_frame_equal(discourse.directive_force(cleaned, secs, doc_id="r"),
                                      old.directive_force(cleaned, secs, doc_id="r"))
    review = discourse.directive_force(cleaned, sections, doc_id="r")["review"].tolist()
    # 推进了 (a marker followed by 了), the whole first part (its heading), 一年来 (a cue)
    assert review == [True, True, True, False, False, True]


# -- the store ------------------------------------------------------------------------------

def _discourse_store(root: Path) -> dict:
    import json

    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    out = {}
    for table in zs.store.DISCOURSE_TABLES:
        parts = [pq.read_table(root / info[table]["file"]) for _, info in sorted(manifest["parts"].items())]
        data = pa.concat_tables(parts)
        out[table] = data.sort_by([(c, "ascending") for c in data.column_names])
    return out


def _index_both(src: Path, tmp: Path, monkeypatch, **kw):
    zs.store.index(src, tmp / "new", workers=1, backend="rjieba", progress=False, **kw)
    with monkeypatch.context() as m:
        m.setattr(zs.store, "_discourse_tables", old.store_step)
        zs.store.index(src, tmp / "old", workers=1, backend="rjieba", progress=False, **kw)
    new, before = _discourse_store(tmp / "new"), _discourse_store(tmp / "old")
    for table in zs.store.DISCOURSE_TABLES:
        a, b = new[table], before[table]
        assert a.schema.equals(b.schema, check_metadata=True), table
        assert a.num_rows == b.num_rows, (table, a.num_rows, b.num_rows)
        assert a.equals(b), table
    return new


def _own_folder(root: Path) -> Path:
    speeches.write_speeches(root / "speeches")
    (root / "own").mkdir(parents=True)
    for i, text in enumerate(dense_texts(12, seed=7)):
        (root / "own" / f"dense-{i}.txt").write_text(text, encoding="utf-8")
    for name, text in list(texts.styled_texts().items())[:6]:
        (root / "own" / f"{name}.txt").write_text(text, encoding="utf-8")
    return root


def test_store_discourse_tables_equal_the_oracle_on_the_shared_corpus_and_own_texts(shared_corpus, tmp_path,
                                                                                     monkeypatch):
    src = tmp_path / "in"
    shutil.copytree(zs.paths.corpus_dir(), src / "corpus")
    (src / "sample").mkdir()
    shutil.copy(zs.paths.sample_speech(), src / "sample")
    _own_folder(src / "ours")
    new = _index_both(src, tmp_path, monkeypatch)
    assert new["formulas"].num_rows > 500 and new["targets"].num_rows > 100
    assert new["directives"]["review"].to_pylist().count(True) > 100


def test_store_discourse_tables_equal_the_oracle_in_chunks(tmp_path, monkeypatch):
    """Long texts read in chunks of 2,000 characters: later chunks' section ids
    prefixed, offsets moved, sentences numbered on through the document."""
    src = _own_folder(tmp_path / "in")
    new = _index_both(src, tmp_path, monkeypatch, chunk_chars=2_000, task_chars=10)
    assert any(s.startswith("c1:") for s in new["directives"]["top_id"].to_pylist())
    assert pa.compute.max(new["directives"]["sentence"]).as_py() > 100


def test_the_tables_equal_the_oracle_with_lexicons_of_the_users_own(tmp_path):
    """Replaced lexicons: review cues that overlap (年来 inside 一年来), a cue that runs
    over a sentence end (好。我们) and one of a single character; a modifier and an
    announcing word of a single character. Each reaches the tables as it did."""
    bundled = zs.paths.lexicon_dir()
    directives = (bundled / "directives.yaml").read_text(encoding="utf-8")
    directives = directives.replace("review_cues:\n", "review_cues:\n  - 年来\n  - 好。我们\n  - 曾\n", 1)
    (tmp_path / "directives.yaml").write_text(directives, encoding="utf-8")
    rules = (bundled / "targets.yaml").read_text(encoding="utf-8")
    plain = rules.replace("announce: [预期目标, 主要目标, 目标]", "announce: [预期目标, 主要目标, 目标, 标]")
    (tmp_path / "targets.yaml").write_text(plain, encoding="utf-8")
    cut = rules.replace("announce: [预期目标, 主要目标, 目标]", "announce: [预期目标, 主要目标, 目标, 目标）]")
    (tmp_path / "targets-cut.yaml").write_text(cut, encoding="utf-8")
    lex = discourse.load_directives(tmp_path / "directives.yaml")
    rul = discourse.load_target_rules(tmp_path / "targets.yaml")
    rul_cut = discourse.load_target_rules(tmp_path / "targets-cut.yaml")
    assert discourse._target_regex(rul)["announce_in_sentence"]
    assert not discourse._target_regex(rul_cut)["announce_in_sentence"]
    assert "好。我们" in lex.review_cues and discourse._cue_pattern(lex.review_cues) is None
    text = ("一、过去一年工作回顾\n一年来，我们曾推进改革。工作很好。我们要加强管理，两年来成效明显。\n"
            "二、今年目标\n今年主要目标是：生产总值增长6%左右，城镇新增就业1100万人以上。标为3%以内。\n"
            "要确保粮食产量稳定在1.3万亿斤以上。过去五年年来取得了成绩，要继续努力。\n"
            "（今年目标）为：粮食产量6.5亿吨以上，失业率控制在5.5%左右。\n")
    for i, t in enumerate([text, *dense_texts(20, seed=11)]):
        cleaned = zs.clean.clean_text(t, doc_id=f"u{i}")
        sections = zs.structure.parse_structure(cleaned.text, f"u{i}")
        force = old.directive_force(cleaned, sections, lexicon=lex, doc_id="u")
        pd.testing.assert_frame_equal(discourse.directive_force(cleaned, sections, lexicon=lex, doc_id="u"), force)
        for review in (lex, force, False):
            for r in (rul, rul_cut):
                pd.testing.assert_frame_equal(
                    discourse.targets(cleaned, sections, rules=r, doc_id="u", review=review),
                    old.targets(cleaned, sections, rules=r, doc_id="u", review=review))
        got = discourse.store_tables(cleaned, sections, "u", (discourse.load_tifa(), lex, rul))
        assert got["directives"]["review"].tolist() == force["review"].tolist()
    review = discourse.directive_force(zs.clean.clean_text(text), None, lexicon=lex)["review"].tolist()
    # the heading holds the cue 过去一年; 一年来 and 曾; 工作很好。 (the cue 好。我们 starts
    # there); 我们要…两年来 (the cue comes after the marker 要)
    assert review[:4] == [True, True, True, False]


def test_cut_characters_are_those_sentences_are_cut_at():
    from zhspeech.themes import _CLOSING, _ENDS

    assert discourse._CUT == {chr(c) for c in (*_ENDS.tolist(), *_CLOSING.tolist())} | {"\n"}


def _plain_long(lexicon, text: str) -> list:
    return [(e, v) for e, v in lexicon.automaton.iter_long(text)] if text else []


SMALL = discourse.Directives("t", "small", "", {"不要": ("prohibitive", "不要"), "不得": ("prohibitive", "不得"),
                                                "不得不": ("strong", "不得不"), "要": ("standard", "要"),
                                                "必须": ("strong", "必须"), "可": ("soft", "可")},
                             frozenset({"重要", "要求", "不可", "须知"}))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["不", "要", "得", "求", "重", "必", "须", "知", "可", "不得不", "不要", "重要求",
                                 "中", "的", "𠀀", "。", "\n", " ", "XX", "必须知"]), max_size=40))
def test_long_matches_on_the_shortened_text_are_the_automatons_own(parts):
    """The directive markers found on the text with the stretches no marker holds cut
    to one character are those the automaton finds on the whole text."""
    text = "".join(parts)
    t = discourse._Text(text, None, "x")
    for lexicon in (SMALL, discourse.load_directives()):
        assert discourse._long_matches(lexicon, t).tolist() == [list(h) for h in _plain_long(lexicon, t.masked)]


def test_long_matches_by_hand():
    t = discourse._Text("中不得不要求的重要，必须知道不可以可", None, "x")
    hits = discourse._long_matches(SMALL, t)
    forms = SMALL.forms
    found = [(int(e) + 1 - (int(v) >> 16), forms[int(v) & 0xFFFF]) for e, v in hits.tolist()]
    # leftmost-longest without overlap: 不得不 (not 不得), 要求 (a not_marker: 要 is not read), 重要,
    # 必须 (须知 overlaps it), 不可 (a not_marker), 可
    assert found == [(1, "不得不"), (4, "要求"), (7, "重要"), (10, "必须"), (14, "不可"), (17, "可")]
    # a form holding NUL (the placeholder) makes it search the whole text
    odd = discourse.Directives("t", "odd", "", {"要\0": ("standard", "要\0"), "要": ("standard", "要")}, frozenset())
    t = discourse._Text("要\0要的要", None, "x")
    assert discourse._long_matches(odd, t).tolist() == [list(h) for h in _plain_long(odd, t.masked)]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="三两个件大事不愁三保障，。", max_size=40), st.sampled_from(["三个", "三三", "两不愁", "三件大事",
                                                                                  "两两", "三个三个"]))
def test_a_phrase_recurs_as_str_count_says(text, phrase):
    t = discourse._Text(text, None, "x")
    assert discourse._recurs(t.masked, phrase, t.numerals) == (text.count(phrase) >= 2)


def test_recurs_by_hand():
    t = discourse._Text("三个三个三个，两不愁", None, "x")
    # 三个三个 twice would overlap (at 0 and 2): str.count finds it once
    assert discourse._recurs(t.masked, "三个三个", t.numerals) is False
    assert discourse._recurs(t.masked, "三个", t.numerals) is True
    assert discourse._recurs(t.masked, "两不愁", t.numerals) is False
