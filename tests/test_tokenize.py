"""Segmentation: whole political terms, offsets, identical backends, the cache and
bad user dictionaries."""
from itertools import accumulate

import ahocorasick
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhspeech as zs
from zhspeech.errors import LexiconError
from zhspeech.tokenize import Tokenizer


@pytest.mark.parametrize("text,tokens", [
    ("坚决打赢脱贫攻坚战", ["坚决", "打赢", "脱贫攻坚", "战"]),
    ("稳步推进村书记、村主任“一肩挑”", ["稳步", "推进", "村", "书记", "、", "村主任", "“", "一肩挑", "”"]),
    ("推动公务员职务与职级并行制度化运行", ["推动", "公务员", "职务与职级并行", "制度化", "运行"]),
    ("突出党建引领城乡基层治理", ["突出", "党建引领", "城乡", "基层治理"]),
    ("PM2.5浓度下降4.5%", ["PM", "2", ".", "5", "浓度", "下降", "4", ".", "5", "%"]),
    # compounds listed in the dictionary win over the entries inside them
    ("健全农村集体经济组织", ["健全", "农村集体经济组织"]),
    ("村集体经济组织成员", ["村集体经济组织", "成员"]),
    ("壮大村集体经济", ["壮大", "村集体经济"]),
    ("个体工商户增加", ["个体工商户", "增加"]),
    # 领导干部 + 干部队伍 overlap and no compound is listed: one term either way, and the
    # segmenter's own route (领导|干部队伍) is the cover that cuts none of its words
    ("加强领导干部队伍建设", ["加强", "领导", "干部队伍", "建设"]),
    # jieba's HMM for both backends (rjieba's own gives 攻部|部部攻)
    ("攻部部部攻", ["攻部部", "部攻"]),
    # words of one repeated character in a fixed order (the backends break this exact tie
    # differently: 治|治治 or 治治|治)
    ("治治治攻", ["治治", "治攻"]),
])
def test_exact_tokens(tokenizer, text, tokens):
    assert tokenizer.cut(text) == tokens


def test_offsets_and_kinds(tokenizer):
    text = "X月X日，召开XX会议的讲话。"
    masks = [(0, 4), (7, 9)]
    df = tokenizer.tokens(text, masks=masks)
    assert df[["token", "start", "end", "kind"]].values.tolist() == [
        ["X月X日", 0, 4, "mask"], ["，", 4, 5, "punct"], ["召开", 5, 7, "word"], ["XX", 7, 9, "mask"],
        ["会议", 9, 11, "word"], ["的", 11, 12, "stop"], ["讲话", 12, 14, "word"], ["。", 14, 15, "punct"]]
    for row in df.itertuples():
        assert text[row.start:row.end] == row.token


def test_sample_terms_are_whole_and_counts_equal_substring_counts(sample, sample_tokens, tokenizer):
    words = zs.stats.counted(sample_tokens)["token"].value_counts()
    assert words["脱贫攻坚"] == 18 and words["基层治理"] == 7
    for term in tokenizer.userdict.words:
        assert words.get(term, 0) == sample.masked_text.count(term), term


def test_sample_top_30_has_no_stopword_punctuation_number_or_mask(sample_tokens, tokenizer):
    top = zs.stats.top_terms(sample_tokens, 30)["term"].tolist()
    assert top[:10] == ["工作", "干部", "推进", "建设", "重点", "加强", "发展", "开展", "脱贫攻坚", "组织工作"]
    for term in top:
        assert term not in tokenizer.stopwords
        assert not any(ch.isdigit() or ch in "XX%，。、；：“”（）" for ch in term), term


def test_overlapping_entries_without_a_compound_are_resolved_by_best_cover(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("村集体经济\n集体经济组织\n", encoding="utf-8")
    for backend in ("jieba", "rjieba"):
        tok = Tokenizer(backend=backend, userdict=path)
        # 村集体经济 would cut 农村; 集体经济组织 cuts nothing
        assert tok.cut("发展农村集体经济组织") == ["发展", "农村", "集体经济组织"]
        # one term either way: the segmenter's route 村集体经济|组织 is cut by neither
        assert tok.cut("村集体经济组织") == ["村集体经济", "组织"]
        assert tok.cut("壮大村集体经济，健全集体经济组织") == ["壮大", "村集体经济", "，", "健全", "集体经济组织"]


def test_best_cover_prefers_more_terms_then_fewer_cuts():
    from zhspeech.tokenize import best_cover

    words = {0, 2, 4, 6, 8}                        # 农村|集体|经济|组织
    assert best_cover([(1, 6), (2, 8)], words.__contains__) == [(2, 8)]
    # three spans: A B overlap, C after A: {A, C} keeps two terms
    assert best_cover([(0, 4), (2, 6), (4, 8)], words.__contains__) == [(0, 4), (4, 8)]
    assert best_cover([], words.__contains__) == []


def _brute_force_score(occ, boundary):
    """(terms, -cuts) of the best non-overlapping subset, by trying every subset."""
    from itertools import combinations

    best = (0, 0)
    for k in range(1, len(occ) + 1):
        for subset in combinations(sorted(occ), k):
            if any(a[1] > b[0] for a, b in zip(subset, subset[1:])):
                continue
            cuts = sum((not boundary(s)) + (not boundary(e)) for s, e in subset)
            best = max(best, (k, -cuts))
    return best


def test_every_overlapping_pair_of_the_dictionary(tokenizer, fast_tokenizer):
    words = tokenizer.userdict.words
    pairs = zs.lexicons.overlapping_terms(words)
    assert len(pairs) > 100
    userwords = set(words)
    for left, right, joined, cover in pairs:
        sentence = f"要{joined}。"
        got = tokenizer.cut(sentence)
        assert got == fast_tokenizer.cut(sentence), joined
        if cover:
            assert cover in got, joined
            continue
        # the result keeps as many whole terms as any cover of the outermost occurrences,
        # cutting as few of the segmenter's words
        raw = tokenizer._raw_cut(sentence)
        ends = set(accumulate(map(len, raw))) | {0}
        occ = [(e + 1 - n, e + 1) for e, n in tokenizer._terms().iter(sentence)]
        outer = [o for o in occ if not any(p != o and p[0] <= o[0] and o[1] <= p[1] for p in occ)]
        spans, pos = [], 0
        for w in got:
            if w in userwords:
                spans.append((pos, pos + len(w)))
            pos += len(w)
        cuts = sum((s not in ends) + (e not in ends) for s, e in spans)
        # (a term inside an outermost one may come back whole in the re-cut rest:
        # 农业农村 + 集体经济组织 in 农业农村集体经济组织, hence ≥)
        assert (len(spans), -cuts) >= _brute_force_score(outer, ends.__contains__), (joined, got)
        # where the two terms appear apart, each is one token: token count = substring count
        apart = f"{left}，{right}。"
        toks = tokenizer.cut(apart)
        for term in (left, right):
            assert toks.count(term) == apart.count(term), (apart, toks)


def test_corpus_user_terms_are_segmented_whole_wherever_they_occur(shared_cleaned, tokenizer, fast_tokenizer):
    auto = ahocorasick.Automaton()
    for w in tokenizer.userdict.words:
        auto.add_word(w, w)
    auto.make_automaton()
    for doc_id, c in shared_cleaned.items():
        toks = tokenizer.tokens(c, doc_id=doc_id)
        spans = set(zip(toks["start"], toks["end"]))
        for end, word in auto.iter_long(c.masked_text):
            start = end + 1 - len(word)
            assert (start, end + 1) in spans, (doc_id, word, start)
        assert fast_tokenizer.tokens(c, doc_id=doc_id).equals(toks), doc_id
        counts = toks["token"].value_counts()
        words = tokenizer.userdict.words
        for term in words:  # so token counts equal substring counts, less those inside listed compounds
            inside = sum(c.masked_text.count(big) * big.count(term) for big in words if big != term and term in big)
            assert counts.get(term, 0) == c.masked_text.count(term) - inside, (doc_id, term)


def test_compound_counts_in_a_report(shared_cleaned, tokenizer):
    counts = tokenizer.count(shared_cleaned["gwr-2020"])
    assert counts["个体工商户"] == shared_cleaned["gwr-2020"].masked_text.count("个体工商户") == 3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list("脱贫攻坚基层治理一肩挑两委人才干部队伍建设的了和。，、A1.5% \nPM_-攻部") +
                                ["易地扶贫搬迁", "职务与职级并行", "XX", "２０２０", "PM_2.5", "卡拉OK", "领导干部",
                                 "村集体经济", "集体经济组织", "农村", "党员干部队伍"]),
                max_size=40).map("".join) | st.text(max_size=40) | st.text(alphabet="PX-_.5%AB脱贫 ", max_size=12))
def test_backends_are_identical(tokenizer, fast_tokenizer, text):
    assert tokenizer.segment(text) == fast_tokenizer.segment(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="攻部部门干党员的人才队伍建设集体经济组织农村一二三", max_size=30))
def test_backends_are_identical_on_runs_of_rare_characters(tokenizer, fast_tokenizer, text):
    assert tokenizer.segment(text) == fast_tokenizer.segment(text)


def test_empty_text_gives_empty_tables(tokenizer):
    df = tokenizer.tokens("")
    assert df.empty and list(df.columns) == ["doc_id", "token", "start", "end", "kind"]
    assert zs.stats.count_terms(df).empty
    assert zs.stats.keyness(df, df).empty
    assert zs.stats.top_terms(df).empty


def test_pos_tags_keep_user_terms_as_nouns(tokenizer):
    df = tokenizer.tokens("全面推进乡村振兴", pos=True)
    assert df[["token", "pos"]].values.tolist() == [["全面", "n"], ["推进", "v"], ["乡村振兴", "nz"]]


@pytest.mark.parametrize("token,kind", [
    ("一项", "number"), ("两个", "number"), ("五年", "number"), ("万亿元", "number"), ("四是", "number"),
    ("五要", "number"), ("一要", "stop"), ("三", "number"), ("一线", "word"), ("一体", "word"), ("三农", "word"),
    ("四风", "word"), ("两委", "word"), ("一肩挑", "word"),
])
def test_numerals_with_measure_words_are_numbers(tokenizer, token, kind):
    assert tokenizer.kind_of(token) == kind


def test_generic_verbs_are_optional_stopwords():
    plain, strict = Tokenizer(), Tokenizer(generic_verbs=True)
    assert plain.kind_of("推进") == "word" and strict.kind_of("推进") == "stop"


@pytest.mark.parametrize("content,ok", [
    ("\ufeff脱贫攻坚 3000 nz\r\n基层治理\r\n", True),
    ("脱贫攻坚\n# a comment\n\n基层治理 500\n", True),
])
def test_userdict_crlf_bom_and_missing_frequency_load(tmp_path, content, ok):
    path = tmp_path / "dict.txt"
    path.write_bytes(content.encode("utf-8"))
    tok = Tokenizer(userdict=path)
    assert tok.userdict.words == ["脱贫攻坚", "基层治理"]
    assert tok.cut("推进基层治理") == ["推进", "基层治理"]


@pytest.mark.parametrize("content,line,cause", [
    ("脱贫攻坚\n基层治理 many\n", 2, "malformed field 'many'"),
    ("脱贫攻坚 10 nz extra\n", 1, "expected 'word [freq] [tag]'"),
    ("脱贫攻坚\n\n脱贫攻坚 5\n", 3, "duplicate word '脱贫攻坚' (first on line 1)"),
    ("GDP 100\n", 1, "must be Chinese characters only"),
])
def test_userdict_malformed_lines_fail_with_the_line_number(tmp_path, content, line, cause):
    path = tmp_path / "dict.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        Tokenizer(userdict=path)
    assert f"dict.txt:{line}: " in str(info.value) and cause in str(info.value)


def test_cache_is_keyed_by_text_and_dictionary(tmp_path, monkeypatch, sample):
    monkeypatch.setenv("ZHSPEECH_CACHE", str(tmp_path / "cache"))
    tok = Tokenizer()
    first = zs.tokenize.tokenize_corpus({"s": sample}, tok, progress=False)
    files = list((tmp_path / "cache" / "tokens").glob("*.npz"))
    assert len(files) == 1
    again = zs.tokenize.tokenize_corpus({"s": sample}, tok, progress=False)
    pd.testing.assert_frame_equal(first, again)
    custom = tmp_path / "dict.txt"
    custom.write_text("脱贫攻坚\n", encoding="utf-8")
    zs.tokenize.tokenize_corpus({"s": sample}, Tokenizer(userdict=custom), progress=False)
    assert len(list((tmp_path / "cache" / "tokens").glob("*.npz"))) == 2
    assert first[first["kind"] == "mask"].shape[0] == 58


def test_cli_freq_top_terms(capsys):
    from zhspeech.cli import main

    assert main(["freq", str(zs.paths.sample_speech()), "--top", "3", "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert table[["term", "n"]].values.tolist() == [["工作", 62], ["干部", 43], ["推进", 38]]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["脱贫攻坚", "党校", "县级党校", "休假制度", "带薪休假制度", "抓落实", "的", "。", "，",
                                 "PM2.5", "A股", "X月X日", " ", "\n", "人才", "工作"]), max_size=30).map("".join))
def test_count_equals_counting_the_tokens_table(tokenizer, fast_tokenizer, text):
    for tok in (tokenizer, fast_tokenizer):
        table = tok.tokens(text)
        expected = table[table["kind"].isin(["word", "latin"])]["token"].value_counts().to_dict()
        assert dict(tok.count(text)) == expected


def test_pos_tags_do_not_depend_on_the_backend(sample, tokenizer, fast_tokenizer):
    a = tokenizer.tokens(sample, pos=True)
    b = fast_tokenizer.tokens(sample, pos=True)
    assert a.equals(b)
    nouns = a[a["pos"].str.startswith("n")]["token"].value_counts()
    assert nouns["干部"] == 43 and nouns["脱贫攻坚"] == 18
