"""zhspeech.prefilter: the literal prefixes every match of a pattern starts with, and
scans that try the pattern only there yet find exactly what a full scan finds."""
import random
import re

import pytest

from zhspeech import prefilter


@pytest.mark.parametrize("pattern, k, expected", [
    (r"(会员|QQ)群\s*[:：]", 2, {"会员", "QQ"}),
    (r"(本文|文档)(来源于|下载自).{0,20}网|关注公众号", 2, {"本文", "文档", "关注"}),
    (r"(?<![A-Za-z])[X×]+余?[个名]", 1, {"X", "×"}),
    (r"(?<![A-Za-z])[X×]+余?[个名]", 2, {"XX", "X×", "X余", "X个", "X名", "×X", "××", "×余", "×个", "×名"}),
    (r"(?:ab|c)?d", 2, {"ab", "cd", "d"}),      # "d" alone: the optional group skipped
    (r"a{2,3}b", 3, {"aab", "aaa"}),
    (r"(ab)+", 3, {"ab"}),    # "ab" is a whole match, and it covers "aba" (of "abab")
    (r"——|首先[，,]", 2, {"——", "首先"}),
])
def test_prefixes_of_patterns(pattern, k, expected):
    assert prefilter.prefixes(re.compile(pattern), k) == expected


@pytest.mark.parametrize("pattern", [
    r"a*",            # may match the empty string, anywhere
    r"x{0,2}",
    r"(?i)ab",        # case-insensitive: prefixes would need every case
    r"[^a]b",         # negated class
    r"\d+x",          # a category
    r".是",           # any character
    r"(a)\1",         # a backreference within the first two characters
])
def test_prefixes_unknown(pattern):
    assert prefilter.prefixes(re.compile(pattern), 2) is None


def test_prefixes_cut_before_a_backreference():
    assert prefilter.prefixes(re.compile(r"(a)\1"), 1) == {"a"}


def test_occurrences_overlapping_and_sorted():
    text = "资料本文资料资本文"
    assert prefilter.occurrences(text, {"资料"}) == [(0, "资料"), (4, "资料")]
    assert prefilter.occurrences(text, {"资料", "本文", "文", "资"}) == [
        (0, "资"), (0, "资料"), (2, "本文"), (3, "文"), (4, "资"), (4, "资料"), (6, "资"), (7, "本文"), (8, "文")]
    assert prefilter.positions(text, {"资料", "本文", "文"}, 1, 8) == [2, 3, 4, 7]
    assert prefilter.positions("", {"资料", "本文", "文"}) == []


def test_finder_finds_what_the_pattern_finds():
    rnd = random.Random(7)
    alphabet = "第一二三四五是要，、。（）()12.\nX×余个年月日abXP"
    patterns = [r"(?<![A-Za-z])[X×]+余?[个年](?![A-Za-z])", r"第[一二三四五]+[，、]", r"（[一二三]）|\([一二三]\)",
                r"[X×]{1,2}月(?:[X×]{1,2}日)?", r"\d{1,2}[.、](?!\d)", r"ab|a"]
    for pattern in patterns:
        regex = re.compile(pattern)
        finder = prefilter.Finder(regex, 2)
        for _ in range(300):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
            pos, end = sorted(rnd.randint(0, len(text)) for _ in range(2))
            expected = [(m.start(), m.group()) for m in regex.finditer(text, pos, end)]
            assert [(m.start(), m.group()) for m in finder.finditer(text, pos, end)] == expected, (pattern, text)
            first = regex.search(text, pos)
            got = finder.search(text, pos)
            assert (got and (got.start(), got.group())) == (first and (first.start(), first.group()))


def test_occurrences_by_find_and_by_numpy_agree(monkeypatch):
    # A short stretch (strings × characters below _FIND_BELOW) is read with str.find,
    # a long one with numpy: the same (offset, string) list either way, overlaps and
    # occurrences running past ``end`` included.
    import random

    rnd = random.Random(4)
    alphabet = "会员群本文档资料关注扫码ab\n。"
    assert prefilter.occurrences("本文档本文", {"本文", "文档", "档", "a"}) == [(0, "本文"), (1, "文档"), (2, "档"), (3, "本文")]
    for _ in range(300):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
        strings = {rnd.choice(alphabet) + rnd.choice(alphabet + "") for _ in range(rnd.randint(3, 8))}
        start = rnd.randint(0, len(text))
        end = rnd.choice([None, rnd.randint(start, len(text))])
        got = {}
        for limit in (0, 10**9):
            monkeypatch.setattr(prefilter, "_FIND_BELOW", limit)
            got[limit] = prefilter.occurrences(text, strings, start, end)
        assert got[0] == got[10**9], (text, strings, start, end)
    monkeypatch.undo()
    assert prefilter.occurrences("关注关注", {"关注", "注关", "扫码"}, 1, 3) == [(1, "注关"), (2, "关注")]


def test_many_strings_must_be_short_whatever_the_text():
    for text in ("", "短", "长" * 50_000):
        with pytest.raises(ValueError, match="one or two characters"):
            prefilter.occurrences(text, {"abc", "d", "e"})
