"""The fast cleaning and structure code gives exactly what the code before the speed work
gave (a frozen copy in tests/oracle/): every edit-log row, mask, offset mapping, section
boundary, count and warning, on the comparable corpus, the sample, the project's own test
speeches, generated speeches in every numbering style with damaged variants, and random
assemblies of structure markers."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

import zhspeech as zs

sys.path.insert(0, str(Path(__file__).parent))
from oracle import clean_v0, structure_v0, texts  # noqa: E402

OWN = sorted((Path(__file__).parent / "data" / "speeches").glob("*.txt"))


def same_cleaning(raw: str, **options):
    new = zs.clean.clean_text(raw, doc_id="d", **options)
    old = clean_v0.clean_text(raw, doc_id="d", **options)
    assert new.text == old.text
    pd.testing.assert_frame_equal(new.edits, old.edits, check_exact=True)
    pd.testing.assert_frame_equal(new.masks, old.masks, check_exact=True)
    assert new.masked_text == old.masked_text
    assert new.mask_spans == old.mask_spans
    assert [tuple(map(type, span)) for span in new.mask_spans] == [tuple(map(type, span)) for span in old.mask_spans]
    assert new.restore() == raw
    step = max(1, len(new.text) // 500)
    offsets = list(range(0, len(new.text) + 1, step)) + [len(new.text)]
    assert [new.to_raw(x) for x in offsets] == [old.to_raw(x) for x in offsets]
    return new


def same_structure(text: str):
    new = zs.structure.parse_structure(text, "d", enumerations=True)
    old = structure_v0.parse_structure(text, "d", enumerations=True)
    for n, o in zip(new, old):
        pd.testing.assert_frame_equal(n, o, check_exact=True)
    return new[0]


def same_pipeline(raw: str):
    cleaned = same_cleaning(raw)
    sections = same_structure(cleaned.text)
    for level in ((None, 1, 2) if len(sections) else ()):  # (section_of needs a non-empty table)
        offsets = list(range(0, len(cleaned.text), 97))
        assert list(zs.structure.section_of(sections, offsets, level=level)) == \
            list(structure_v0.section_of(sections, offsets, level=level))
    return cleaned, sections


@pytest.mark.corpus
def test_shared_corpus_and_sample_unchanged(shared_corpus, sample_doc):
    for doc in [*shared_corpus, sample_doc]:
        cleaned, sections = same_pipeline(doc.raw)
        assert len(sections) > 3  # a real outline was compared, not an empty table


def test_own_test_speeches_unchanged():
    assert len(OWN) >= 14
    for path in OWN:
        same_pipeline(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(texts.styled_texts()))
def test_numbering_styles_and_damaged_variants_unchanged(name):
    text = texts.styled_texts()[name]
    cleaned, sections = same_pipeline(text)
    assert len(sections) >= 2
    for k, variant in enumerate(texts.damaged(text, seed=len(name)).values()):
        same_pipeline(variant)


def test_random_marker_assemblies_unchanged():
    for text in ["", "\n", "\n\n", " ", "一、", "同志们！", "\n一、\n"] + texts.fuzz_texts(120):
        same_structure(text)
        same_pipeline(text)


def test_cleaning_options_unchanged():
    text = texts.styled_texts()["mixed"]
    repeated = "某某县人民政府办公室"
    raw = "\n".join(f"{line}\n{repeated}" if k % 4 == 0 else line for k, line in enumerate(text.split("\n")))
    same_cleaning(raw, extra_lines=frozenset({repeated}))
    for steps in (("layout",), ("newlines", "simplify"), ("boilerplate", "corrections"), ()):
        same_cleaning(raw, steps=steps)
    doc = zs.corpus.Document("d", "甲\ufffd乙\n", replacements=[(1, 3, b"\xff")])
    new, old = zs.clean.clean_document(doc), clean_v0.clean_document(doc)
    pd.testing.assert_frame_equal(new.edits, old.edits, check_exact=True)


def test_repeated_line_detection_unchanged():
    docs = [t + "\n某某日报\n某某日报\n某某日报\n" for t in texts.styled_texts().values()]
    assert zs.clean.find_repeated_lines(docs) == clean_v0.find_repeated_lines(docs) == {"某某日报"}


def _infer_title_v0(raw: str) -> str:
    # corpus.infer_title before it read only the start of a long text
    for line in raw.splitlines():
        if line.strip():
            return line.strip()[:80]
    return ""


def test_inferred_title_unchanged():
    import random

    rnd = random.Random(15)
    pieces = ["\n", "\r", "\r\n", " ", "\u3000", "\u2028", "\x1c", "标题", "目" * 50]
    for _ in range(2000):
        raw = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 120))) * rnd.choice([1, 40])
        if rnd.random() < 0.3:
            raw = " \n" * rnd.randint(1, 3000) + raw   # the first line beyond the first 4,096 characters
        assert zs.corpus.infer_title(raw) == _infer_title_v0(raw)


def test_family_starts_hold_every_marker():
    # Each marker pattern is tried only at the offsets _family_starts lists: they must
    # hold every place where it matches, in the whole text and in any span of it.
    import random

    rnd = random.Random(3)
    samples = texts.fuzz_texts(60, seed=4) + ["12.3、4．5、12、第十二，其次,——一是二要十一是", "1、(1)（2）首先，最后、"]
    for text in samples:
        starts = zs.structure._family_starts(text)
        assert set(starts) == set(zs.structure._FAMILIES)
        for family, regex in zs.structure._FAMILIES.items():
            spans = [(0, len(text))] + [tuple(sorted(rnd.randint(0, len(text)) for _ in range(2))) for _ in range(20)]
            for s, e in spans:
                assert {m.start() for m in regex.finditer(text, s, e)} <= set(starts[family]), (family, text)
    starts = zs.structure._family_starts("要求一是二要第三，12、")
    assert (starts["shi"], starts["yao"], starts["di"], starts["point"]) == ([2], [4], [6], [9, 10])


def test_rare_character_filter_unchanged():
    # corpus._looks_like_text reads the characters outside the common ranges; they were
    # found with the regex _COMMON, now with a lookup table.
    import random

    rnd = random.Random(5)
    chars = [chr(c) for c in (0, 1, 9, 10, 13, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x85, 0xA0, 0x2FFF, 0x3000, 0x303F,
                              0x3040, 0x4E00, 0x9FFF, 0xA000, 0xE000, 0xFF01, 0xFF5E, 0xFF5F, 0x10FFFF, 0x1F600)]
    for _ in range(1000):
        sample = "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 60)))
        assert zs.corpus._rare_chars(sample) == Counter(zs.corpus._COMMON.sub("", sample))


def test_repeated_line_candidates_unchanged():
    line = "某某市人民政府办公室文件"
    long_line = "这是一个很长的段落，" * 6
    for pad in ("", " ", "\u3000", "\t", " " * 30):
        text = "\n".join([pad + line + pad, long_line, pad + long_line + pad, pad + "短" * 38 + pad] * 3)
        assert zs.clean.repeated_in(text) == clean_v0.repeated_in(text)


def test_same_results_from_many_threads():
    # The scans keep the last text's offsets (per thread, or replaced as one object):
    # documents cleaned and parsed side by side in threads (a Dask worker's threads)
    # must not see each other's.
    from concurrent.futures import ThreadPoolExecutor

    docs = list(texts.styled_texts().values()) * 3
    alone = [zs.clean.clean_text(t).text for t in docs]
    outlines = [zs.structure.parse_structure(t)[["kind", "start", "end", "hanzi"]].values.tolist() for t in alone]

    def both(text):
        cleaned = zs.clean.clean_text(text)
        return cleaned.text, zs.structure.parse_structure(cleaned.text)[["kind", "start", "end", "hanzi"]].values.tolist()

    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            got = list(pool.map(both, docs))
            assert [g[0] for g in got] == alone
            assert [g[1] for g in got] == outlines


def test_family_starts_unchanged_from_v1():
    # _family_starts reads the 是/要 numerals and the literal families with fewer numpy
    # calls than the copy at main 47d9b7b (tests/oracle/structure_v1.py): same offsets.
    from oracle import structure_v1

    samples = texts.fuzz_texts(150, seed=21) + list(texts.styled_texts().values())
    samples += [p.read_text(encoding="utf-8") for p in OWN]
    samples += ["", "是", "要", "一是", "十二要", "一二三四是", "1.", "——", "—", "（", "第", "首先，", "12、3．",
                "是一是二要三要", "一是\n二要\n十一是"]
    for text in samples:
        assert zs.structure._family_starts(text) == structure_v1._family_starts(text)


@pytest.mark.corpus
def test_family_starts_unchanged_from_v1_on_the_corpus(shared_cleaned, sample):
    from oracle import structure_v1

    for cleaned in [*shared_cleaned.values(), sample]:
        assert zs.structure._family_starts(cleaned.text) == structure_v1._family_starts(cleaned.text)


def test_boilerplate_head_rules_looked_for_in_the_head_only():
    # The prefixes of head rules are searched in the first head_window lines only: the
    # same removals as the frozen copy, whatever the window, wherever the words fall
    # (on the last head line, right after it, in both kinds of rule at once).
    import random
    import re

    base = zs.lexicons.load_boilerplate()
    extra = ({"name": "nl_head", "regex": re.compile("\n?订阅号"), "where": "head", "max_chars": 20, "note": ""},
             {"name": "dash_any", "regex": re.compile("—扫码"), "where": "anywhere", "max_chars": 20, "note": ""})
    rnd = random.Random(6)
    pieces = ["不断提高", "实时分享", "自建平台", "会员资料", "会员群：", "关注公众号", "倒卖必究", "立享",
              "订阅号", "本文来源于某某网", "干部队伍建设", "。", "，", " ", "\n", "\n", "\n", "—扫码"]
    for k in range(400):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 40)))
        rules = dict(base, head_window=rnd.choice([0, 1, 2, 3, 15]), head_block=bool(k % 2))
        if k % 3 == 0:
            rules["rules"] = base["rules"] + extra
        assert zs.clean.remove_boilerplate(text, rules=rules) == clean_v0.remove_boilerplate(text, rules=rules), text
        assert zs.clean.remove_boilerplate(text, rules=rules, extra_lines=frozenset({"立享"})) == \
            clean_v0.remove_boilerplate(text, rules=rules, extra_lines=frozenset({"立享"}))


def test_counter_and_headings_unchanged_from_v1():
    # _Counter's prefix sums and last-kept-character lookup, and _Text.heading_at,
    # against the copy at main 47d9b7b, on every span end of texts full of sentence
    # ends, closing quotes, brackets and spaces.
    import random

    import numpy as np

    from oracle import structure_v1

    rnd = random.Random(12)
    pieces = ["。", "！", "？", "”", "’", "）", ")", " ", "\n", "\t", "」", "』", "汉", "字", "a", "：", "；", "一、"]
    samples = ["", "。", "”", "汉。”\n"] + ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 80))) for _ in range(300)]
    samples += list(texts.styled_texts().values())
    rules = zs.lexicons.load_structure_rules()
    for text in samples:
        new, old = zs.structure._Counter(text), structure_v1._Counter(text)
        n = len(text)
        starts = np.array([rnd.randint(0, n) for _ in range(40)], dtype=np.int64)
        ends = np.array([rnd.randint(s, n) for s in starts], dtype=np.int64)
        for a, b in zip(new.measure(starts, ends), old.measure(starts, ends)):
            assert a.dtype == b.dtype and (a == b).all(), text
        assert (new.han == old.han).all() and (new.ends == old.ends).all()
        t_new, t_old = zs.structure._Text(text, rules), structure_v1._Text(text, rules)
        for s, e in zip(starts.tolist(), ends.tolist()):
            assert t_new.heading_at(s, e) == t_old.heading_at(s, e)
            assert t_new.heading_at(s, n) == t_old.heading_at(s, n)


def test_corrections_follow_the_table_given():
    # The compiled corrections of the last table are reused only for that same tuple: a
    # list changed in place, or another table, is read afresh.
    rows = zs.lexicons.load_corrections()
    text = "千部队伍要自已动手，巳经开始。"
    assert zs.clean.correct_typos(text, rows=rows) == clean_v0.correct_typos(text, rows=rows)
    assert zs.clean.correct_typos(text)[0] == "干部队伍要自己动手，已经开始。"
    mine = [r for r in rows if r.wrong != "自已"]
    assert zs.clean.correct_typos(text, rows=mine)[0] == "干部队伍要自已动手，已经开始。"
    mine.append(next(r for r in rows if r.wrong == "自已"))
    assert zs.clean.correct_typos(text, rows=mine)[0] == "干部队伍要自己动手，已经开始。"
    assert zs.clean.correct_typos(text, rows=())[0] == text
    assert zs.clean.correct_typos(text, rows=rows) == clean_v0.correct_typos(text, rows=rows)
