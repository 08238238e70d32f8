"""The fast tokenizer against the reference oracle (tests/_reference_tokenize.py, the
straightforward implementation as it was before the speed work): the same words, the same
offsets, the same counts and the same tokens tables, for both backends, on the shared
corpus, the sample and many generated texts that stress the special cases (repeated
characters, runs of single characters, overlapping user terms, masks, non-Chinese text)."""
from __future__ import annotations

import random
from collections import Counter

import numpy as np

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhspeech as zs
from zhspeech.tokenize import Tokenizer

from _reference_tokenize import Tokenizer as Reference

BACKENDS = ("jieba", "rjieba")


@pytest.fixture(autouse=True, scope="module")
def _fast_path_on_every_text():
    """Short texts normally take the rules one by one (FAST_FROM); here every text of
    any length takes the fast path, so the generated short texts test it."""
    before = zs.tokenize.FAST_FROM
    zs.tokenize.FAST_FROM = 0
    yield
    zs.tokenize.FAST_FROM = before


@pytest.fixture(scope="module")
def pairs():
    """(fast, reference) tokenizers for each backend, with the bundled lexicons."""
    return {b: (Tokenizer(backend=b), Reference(backend=b)) for b in BACKENDS}


def same(fast, ref, text, masks=None, table=True):
    """Words, offsets, counts and (with ``table``) the tokens table of ``text`` agree
    with the oracle."""
    from zhspeech.clean import blank_spans, text_and_masks

    plain, spans = text_and_masks(text, masks)
    blanked = blank_spans(plain, spans)
    assert fast.segment(blanked) == ref.segment(blanked), blanked
    assert fast.count(text, masks=masks) == ref.count(text, masks=masks), blanked
    if table:
        assert fast.tokens(text, masks=masks).equals(ref.tokens(text, masks=masks)), blanked


@pytest.mark.parametrize("backend", BACKENDS)
def test_shared_corpus_and_sample_are_unchanged(backend, pairs, shared_cleaned, sample):
    fast, ref = pairs[backend]
    for doc_id, cleaned in [("sample", sample), *shared_cleaned.items()]:
        same(fast, ref, cleaned)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_corpus_joined_into_one_text_is_unchanged(backend, pairs, shared_cleaned, sample):
    """One long text (many runs, repeats and terms at once, cache reuse across them)."""
    fast, ref = pairs[backend]
    text = "\n".join(c.masked_text for c in [sample, *shared_cleaned.values()])
    words, starts = fast.segment(text)
    assert (words, starts) == ref.segment(text)
    assert all(text[s:s + len(w)] == w for w, s in zip(words, starts))
    assert fast.count(text) == ref.count(text)


# Sentences of my own, in several styles: a report, a plan, a speech with repeats and
# enumerations, an English-mixed bulletin.
OWN_TEXTS = [
    "各级党委要把脱贫攻坚作为头等大事来抓，治治治攻坚，攻部部部攻，一二三四五六七八九十。",
    "今年GDP增长6.5%左右，PM2.5浓度下降10%；CPI涨幅3%，城镇新增就业1100万人以上。",
    "加强领导干部队伍建设，村集体经济组织成员大会、农村集体经济组织和个体工商户都要参加。",
    "哈哈哈哈，嗯嗯，啊啊啊啊啊！好好好，行行行，对对对对，是是是。人人人人人人。",
    "第一，要坚持；第二，要落实；第三，要创新。一要稳，二要进，三要好。",
    "  \n\t  空白　与　换行\n\n\n乡村振兴战略和基层治理体系的现代化 \u3000 党建引领",
    "壮大村集体经济，健全集体经济组织，完善农村集体经济组织运行机制。村集体经济组织成员",
    "𠀀𠀁字外字、〇〇〇、丨丨丨；ABC123def，x_y-z！？…—",
    # stretches re-cut side by side, sharing an edge
    "中央政治局常委狠抓落实，市委党校带薪休假制度中国共产党的领导",
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", OWN_TEXTS)
def test_own_texts(backend, pairs, text):
    same(*pairs[backend], text)


@pytest.mark.parametrize("backend", BACKENDS)
def test_short_and_long_texts_take_either_path_to_the_same_words(backend, pairs, monkeypatch):
    fast, ref = pairs[backend]
    text = "".join(OWN_TEXTS) * 3
    for limit in (0, len(text) + 1):           # the fast path, then the rules one by one
        monkeypatch.setattr(zs.tokenize, "FAST_FROM", limit)
        same(fast, ref, text)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_overlapping_pair_alone_and_chained(backend, pairs):
    fast, ref = pairs[backend]
    terms = fast.userdict.words
    overlapping = zs.lexicons.overlapping_terms(terms)
    assert len(overlapping) > 100
    for left, right, joined, _ in overlapping:
        same(fast, ref, f"要{joined}。")
        for text in (joined, f"{left}{right}", f"{joined}{joined}", f"农{joined}村"):
            same(fast, ref, text, table=False)
    # many overlapping terms in a row, with and without separators between them
    rng = random.Random(15)
    for _ in range(60):
        chosen = rng.sample(overlapping, 4)
        glue = rng.choice(["", "", "的", "，", "治治"])
        text = glue.join(j for _, _, j, _ in chosen) + glue.join(rng.sample(terms, 3))
        same(fast, ref, text, table=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_dictionary_of_overlapping_chains(backend, tmp_path):
    """A user dictionary made of chains: every term overlaps the next one."""
    path = tmp_path / "chains.txt"
    path.write_text("甲乙丙\n丙丁戊\n戊己庚\n乙丙丁戊己\n部部\n攻部\n治治治\n村集体经济\n集体经济组织\n组织成员\n",
                    encoding="utf-8")
    fast, ref = Tokenizer(backend=backend, userdict=path), Reference(backend=backend, userdict=path)
    for text in ["甲乙丙丁戊己庚", "甲乙丙丁戊己庚甲乙丙丁戊", "村集体经济组织成员大会", "攻部部部攻治治治治",
                 "甲乙丙，丙丁戊；戊己庚", "乙丙丁戊己庚辛"]:
        same(fast, ref, text)


# Alphabets that stress the special cases: repeated characters, runs of single
# characters, user terms and their overlaps, masks, Latin, digits and punctuation.
REPEATS = st.text(alphabet="治攻部人", max_size=24)
SINGLES = st.text(alphabet="攻部门干党员的人才队伍建设集体经济组织农村一二三", max_size=40)
PIECES = st.lists(st.sampled_from(
    ["脱贫攻坚", "党校", "县级党校", "村集体经济", "集体经济组织", "农村", "领导干部", "干部队伍", "成员",
     "治", "治治", "攻", "部", "的", "。", "，", " ", "\n", "PM2.5", "A股", "X月X日", "２０２０", "1", "%",
     "哈", "嗯", "𠀀", "个体工商户", "户", "一肩挑", "两委"]), max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(BACKENDS), REPEATS | SINGLES | PIECES | st.text(max_size=30))
def test_generated_texts(pairs, backend, text):
    same(*pairs[backend], text, table=False)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(BACKENDS), PIECES, st.lists(st.tuples(st.integers(0, 60), st.integers(1, 4)), max_size=4))
def test_generated_texts_with_masks(pairs, backend, text, raw_masks):
    masks, reach = [], 0
    for start, length in sorted(raw_masks):
        if start >= reach and start + length <= len(text):
            masks.append((start, start + length))
            reach = start + length
    same(*pairs[backend], text, masks)


def test_the_dictionary_file_gives_jiebas_word_frequencies():
    """The rjieba backend reads jieba's dictionary file rather than loading jieba: the
    same words have a frequency (and prefixes, which jieba stores with 0, do not)."""
    from zhspeech import tokenize

    freq = tokenize._dictionary_freq()
    words = [w for w, n in freq.items() if n]
    assert len(words) > 300_000
    assert all(tokenize._dictionary_word(w) for w in words)
    prefixes = [w for w, n in freq.items() if not n][:20_000]
    assert prefixes and not any(tokenize._dictionary_word(w) for w in prefixes)
    assert not tokenize._dictionary_word("部部") and tokenize._dictionary_word("中国")


# -- the second round of speed work (numbered words, crossings by automaton) against
# today's fast path before it, frozen in tests/oracle/tokenize_v1.py ---------------------

import sys  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from oracle import texts as oracle_texts  # noqa: E402
from oracle import tokenize_v1  # noqa: E402

OWN_SPEECHES = sorted((Path(__file__).parent / "data" / "speeches").glob("*.txt"))


@pytest.fixture(scope="module")
def before():
    """(new, frozen v1) tokenizers for each backend, with the bundled lexicons; the frozen
    copy takes the fast path on every text too (as the library does here), since the
    order of a count's words is the path's (first occurrence among the segmenter's words
    on the fast path, among the final words on the other)."""
    was = tokenize_v1.FAST_FROM
    tokenize_v1.FAST_FROM = 0
    yield {b: (Tokenizer(backend=b), tokenize_v1.Tokenizer(backend=b)) for b in BACKENDS}
    tokenize_v1.FAST_FROM = was


def same_as_before(new, old, text):
    """Words, offsets and counts (with their order) agree with the frozen fast path."""
    assert new.segment(text) == old.segment(text), text[:40]
    # the numbered segmentation: the same words and starts, each word's number naming it
    words, starts, ids, table = new.segment_numbered(text)
    assert (words, starts) == old.segment(text), text[:40]
    assert ids.dtype == np.intp and [table.words[k] for k in ids.tolist()] == words, text[:40]
    assert table is new._words
    got, want = new.count(text), old.count(text)
    assert list(got.items()) == list(want.items()), text[:40]


@pytest.mark.parametrize("backend", BACKENDS)
def test_corpus_sample_and_own_speeches_as_before(backend, before, shared_cleaned, sample):
    new, old = before[backend]
    texts = [sample.masked_text, *(c.masked_text for c in shared_cleaned.values())]
    texts += [zs.clean.clean_text(p.read_text(encoding="utf-8")).masked_text for p in OWN_SPEECHES]
    assert len(OWN_SPEECHES) >= 10
    for text in texts:
        same_as_before(new, old, text)
    # one long text: many documents' words numbered, counted by number
    same_as_before(new, old, "\n".join(texts))


@pytest.mark.parametrize("backend", BACKENDS)
def test_generated_speeches_in_every_style_as_before(backend, before):
    new, old = before[backend]
    styled = oracle_texts.styled_texts()
    assert len(styled) >= 8
    for name, text in styled.items():
        for variant in [text, *oracle_texts.damaged(text, seed=len(name)).values()]:
            same_as_before(new, old, variant)
    for text in oracle_texts.fuzz_texts(30):
        same_as_before(new, old, text)


@pytest.mark.parametrize("backend", BACKENDS)
def test_numbering_started_again_gives_the_same_words(backend, before, monkeypatch, shared_cleaned):
    """Past WORDS_LIMIT distinct words the numbering starts again (memory stays bounded):
    with a limit of 50 it restarts on almost every text."""
    monkeypatch.setattr(zs.tokenize, "WORDS_LIMIT", 50)
    new, old = Tokenizer(backend=backend), before[backend][1]
    tables = set()
    for cleaned in list(shared_cleaned.values())[:4]:
        same_as_before(new, old, cleaned.masked_text)
        tables.add(id(new._words))
    assert len(tables) >= 2


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(BACKENDS), REPEATS | SINGLES | PIECES | st.text(max_size=40))
def test_generated_texts_as_before(before, backend, text):
    same_as_before(*before[backend], text)


def test_words_are_numbered_in_order_with_their_facts():
    tok = Tokenizer(backend="rjieba")
    table = zs.tokenize._Words(tok)
    words = ["治治", "治", "中国", "A股", "\n", "2020", "市委党校", "治治", "。", "PM2.5", "中国"]
    assert table.numbers(words).tolist() == [0, 1, 2, 3, 4, 5, 6, 0, 7, 8, 2]
    assert table.words == ["治治", "治", "中国", "A股", "\n", "2020", "市委党校", "。", "PM2.5"]
    cols = table.tables()
    n = len(table.words)
    assert cols.lens[:n].tolist() == [2, 1, 2, 2, 1, 4, 4, 1, 5]
    assert cols.head[:n].tolist() == [ord(w[0]) for w in table.words]
    assert cols.single[:n].tolist() == [False, True, False, False, False, False, False, False, False]
    assert cols.repeat[:n].tolist() == [True, True, False, False, False, False, False, False, False]
    # dropped (whitespace) or split by the shared rule: A股 → A 股, PM2.5 → PM 2 . 5
    assert cols.odd[:n].tolist() == [False, False, False, True, True, False, False, False, True]
    # 市委党校 holds the listed term 党校 (not as the whole word)
    assert cols.hold[:n].tolist() == [False, False, False, False, False, False, True, False, False]
    # the neighbouring-character table: 中|国 are neighbours in a term only if some term
    # spells 中国; checked against the tables themselves
    number, width, pairs, *_ = tok._term_bigrams()
    assert cols.left[2] == number[ord("国")] * width and cols.right[2] == number[ord("中")]
    assert table.numbers([]).tolist() == [] and table.numbers(["治"]).tolist() == [1]


def test_tally_counts_by_number_in_order_of_first_occurrence():
    table = zs.tokenize._Words(Tokenizer(backend="rjieba"))
    table.numbers(["甲", "乙", "丙", "丁"])
    numbers = np.array([2, 0, 2, 1, 0], dtype=np.intp)
    assert list(table.tally(numbers).items()) == [("丙", 2), ("甲", 2), ("乙", 1)]
    # few words among many numbered: the sorting branch gives the same
    table.numbers([f"词{k}" for k in range(100)])
    numbers = np.array([90, 3, 90, 50], dtype=np.intp)
    assert list(table.tally(numbers).items()) == [("词86", 2), ("丁", 1), ("词46", 1)]
    assert table.tally(np.zeros(0, dtype=np.intp)) == Counter()


def test_words_numbered_from_several_threads_at_once():
    table = zs.tokenize._Words(Tokenizer(backend="rjieba"))
    words = [f"词{k % 500}" for k in range(5000)]
    results = []

    def work(seed):
        mine = words[seed:] + words[:seed]
        results.append((seed, table.numbers(mine).tolist()))

    threads = [threading.Thread(target=work, args=(s * 37,)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(table.words) == sorted(set(words)) and len(table) == 500
    for seed, got in results:
        mine = words[seed:] + words[:seed]
        assert [table.words[k] for k in got] == mine
    assert table.tables().lens[:500].tolist() == [len(w) for w in table.words]


def test_crossed_boundaries_by_hand(tmp_path):
    path = tmp_path / "terms.txt"
    path.write_text("甲乙丙\n乙丙丁戊\n", encoding="utf-8")
    tok = Tokenizer(backend="rjieba", userdict=path)
    text = "子甲乙丙丑乙丙丁戊寅"
    # 甲乙丙 spans [1, 4), 乙丙丁戊 spans [5, 9): the boundaries strictly inside them
    assert tok._crossed(text, list(range(1, len(text)))) == [2, 3, 6, 7, 8]
    assert tok._crossed(text, [1, 4, 5, 9]) == []
    assert tok._crossed("甲乙", [1]) == []


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="甲乙丙丁戊己庚子", min_size=2, max_size=30))
def test_the_trigram_filter_keeps_every_crossed_boundary(text):
    """_may_cross only drops boundaries no term can cross: whatever _crossed finds among
    all boundaries, _may_cross keeps."""
    tok = _chains_tokenizer()
    at = np.arange(1, len(text), dtype=np.int64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    kept = set(at[tok._may_cross(at, codes)].tolist())
    crossed = tok._crossed(text, at.tolist())
    assert set(crossed) <= kept
    # and _crossed is exactly "a term spelt from before the boundary to after it"
    terms = tok.userdict.words
    assert crossed == [b for b in at.tolist()
                       if any(text[s:e] in terms for s in range(b) for e in range(b + 1, len(text) + 1))]


_CHAINS: dict = {}


def _chains_tokenizer():
    if not _CHAINS:
        import tempfile

        folder = Path(tempfile.mkdtemp())
        (folder / "chains.txt").write_text("甲乙\n乙丙丁\n丙丁戊己\n己庚\n子甲乙丙丁戊\n", encoding="utf-8")
        _CHAINS["tok"] = Tokenizer(backend="rjieba", userdict=folder / "chains.txt")
    return _CHAINS["tok"]


def test_numbered_segmentation_by_hand():
    """Every final word carries its number: the segmenter's own, HMM words, words re-cut
    around a user term, pieces of the shared rule; on the short and the long path."""
    tok = Tokenizer(backend="rjieba")
    short = "坚决打赢脱贫攻坚战 PM2.5\n"
    words, starts, ids, table = tok.segment_numbered(short)
    assert words == ["坚决", "打赢", "脱贫攻坚", "战", "PM", "2", ".", "5"]
    assert starts == [0, 2, 4, 8, 10, 12, 13, 14]
    assert [table.words[k] for k in ids.tolist()] == words
    assert table.numbers(words).tolist() == ids.tolist()          # the same numbers
    long = short * 200                                             # 3,200 characters
    words, starts, ids, table2 = tok.segment_numbered(long)
    assert table2 is table and len(words) == 1600 and starts[8] == 16
    assert ids.tolist() == table.numbers(words).tolist()
    assert tok.segment_numbered("")[:2] == ([], [])
    assert tok.segment_numbered("")[2].tolist() == []


def test_splice_by_hand_and_against_a_loop():
    splice = zs.tokenize._splice
    ids = np.array([5, 6, 7, 8])
    assert splice(ids, [1, 3], [2, 3], np.array([0, 1, 2]), [1, 2]).tolist() == [5, 0, 7, 1, 2, 8]
    assert splice(ids, [1, 3], [3, 3], np.array([0, 1, 2]), [1, 2]).tolist() == [5, 0, 1, 2, 8]
    assert splice(ids, [0], [4], np.array([], dtype=np.int64), [0]).tolist() == []
    assert splice(ids, [4], [4], np.array([9]), [1]).tolist() == [5, 6, 7, 8, 9]
    assert splice(ids, [], [], np.array([], dtype=np.int64), []).tolist() == [5, 6, 7, 8]
    rng = random.Random(7)
    for _ in range(2000):
        n = rng.randint(0, 12)
        ids = np.arange(100, 100 + n)
        first, last, at = [], [], 0
        while at <= n and rng.random() < 0.7:          # stretches, ascending, some empty
            a = rng.randint(at, n)
            b = rng.randint(a, min(n, a + 3))
            first.append(a)
            last.append(b)
            at = b + 1 if b > a else b + 1
        many = [rng.randint(0, 3) for _ in first]
        new = np.arange(sum(many))
        want, pos, q = [], 0, 0
        for a, b, m in zip(first, last, many):
            want += ids[pos:a].tolist() + new[q:q + m].tolist()
            q, pos = q + m, b
        want += ids[pos:].tolist()
        assert splice(ids, first, last, new, many).tolist() == want, (n, first, last, many)
