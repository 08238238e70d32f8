"""Term statistics that a researcher can cite: frequency, keyness, TF-IDF, KWIC,
collocations, dispersion and similarity.

All functions take long-format tables (the tokens table of :mod:`zhspeech.tokenize`,
the sections table of :mod:`zhspeech.structure`) and return long-format tables.
Only tokens of kind ``word`` and ``latin`` are counted: stopwords, punctuation,
numbers and redaction masks never are. Each docstring names its formula and source;
``tests/test_stats.py`` checks each against a hand-computed example.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pandas as pd

from .clean import blank_spans, text_and_masks
from .tokenize import COUNTED

TERM_COLUMNS = ["doc_id", "section_id", "term", "n", "per_10k"]
KEYNESS_COLUMNS = ["term", "n_target", "n_reference", "g2", "log_ratio", "chi2", "p", "effect"]


def counted(tokens: pd.DataFrame) -> pd.DataFrame:
    """The tokens that are counted (kind ``word`` or ``latin``)."""
    return tokens[tokens["kind"].isin(COUNTED)]


def count_terms(tokens: pd.DataFrame, *, by: str = "doc", sections: pd.DataFrame | None = None,
                level: int = 1, method: str = "token", terms=None, text=None) -> pd.DataFrame:
    """Term frequency per document or per section, in either counting convention.

    * ``method="token"`` (default): ``n`` is the number of tokens equal to the term, as
      segmented. A word inside a longer word is not counted (经济 in 经济社会).
    * ``method="substring"``: ``n`` is the number of non-overlapping occurrences of each
      of ``terms`` in the cleaned ``text`` (redaction masks blanked), the convention of
      newspapers and most papers (``str.count``). ``text`` is a text or a Cleaned, or a
      dict of them by doc_id.

    ``per_10k`` = n / (counted tokens of the unit) × 10,000 in both conventions, where
    the counted tokens are all tokens of kind ``word`` or ``latin`` in the document or
    section: the denominator does not change with what a table later shows. ``df`` is
    the number of units (documents or sections) in which the term occurs at all.
    Sections come in text order.

    Args:
        tokens: the tokens table.
        by: ``"doc"`` or ``"section"`` (then ``sections`` is required; tokens are
            assigned to the section at ``level``, 1 = top-level parts).
    """
    if by not in ("doc", "section"):
        raise ValueError("by must be 'doc' or 'section'")
    if method not in ("token", "substring"):
        raise ValueError("method must be 'token' or 'substring'")
    if by == "section" and sections is None:
        raise ValueError("by='section' needs the sections table")
    tok = counted(tokens)
    cols = TERM_COLUMNS + ["df"]
    keys = ["doc_id", "section_id"]
    tok = tok.assign(section_id="")
    if by == "section" and len(tok):
        tok = tok.assign(section_id=_assign_sections(tok, sections, level))
    totals = tok.groupby(keys, sort=False).size()
    if method == "token":
        table = tok.groupby(keys + ["token"], sort=False).size().rename("n").reset_index()
        table = table.rename(columns={"token": "term"})
    else:
        if terms is None or text is None:
            raise ValueError("method='substring' needs terms= and text=")
        table = _substring_table(list(dict.fromkeys(terms)), text, tok, sections if by == "section" else None,
                                 level)
    if table.empty:
        return pd.DataFrame(columns=cols)
    total = totals.reindex(pd.MultiIndex.from_frame(table[keys])).fillna(0).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["per_10k"] = np.where(total > 0, table["n"] / np.where(total > 0, total, 1) * 10_000, 0.0)
    units = table[table["n"] > 0].drop_duplicates(keys + ["term"]).groupby("term").size()
    table["df"] = table["term"].map(units).fillna(0).astype(int)
    table["_doc"] = table["doc_id"].map({d: i for i, d in enumerate(dict.fromkeys(tok["doc_id"]))})
    table["_sec"] = _section_order(table, sections)
    table = table.sort_values(["_doc", "_sec", "n", "term"], ascending=[True, True, False, True])
    return table[cols].reset_index(drop=True)


def _section_order(table: pd.DataFrame, sections) -> np.ndarray:
    """Position of each row's section in its document's text (0 for whole documents)."""
    if sections is None or table["section_id"].eq("").all():
        return np.zeros(len(table))
    sec = sections.assign(doc_id=sections["doc_id"] if "doc_id" in sections else "")
    start = {(d, s): st for d, s, st in zip(sec["doc_id"], sec["section_id"], sec["start"])}
    any_doc = {s: st for s, st in zip(sec["section_id"], sec["start"])}
    return np.array([start.get((d, s), any_doc.get(s, -1)) for d, s in zip(table["doc_id"], table["section_id"])])


def _substring_table(terms: list, text, tok: pd.DataFrame, sections, level: int) -> pd.DataFrame:
    from .structure import section_of

    texts = text if isinstance(text, dict) else {(tok["doc_id"].iloc[0] if len(tok) else ""): text}
    rows = []
    for doc_id, source in texts.items():
        blanked = blank_spans(*text_and_masks(source, None))
        sec = None
        if sections is not None:
            sec = sections[sections["doc_id"] == doc_id] if "doc_id" in sections else sections
        for term in terms:
            if not term:
                raise ValueError("terms must not be empty strings")
            starts = [m.start() for m in re.finditer(re.escape(term), blanked)]
            if sec is None:
                rows.append((doc_id, "", term, len(starts)))
                continue
            units = section_of(sec, np.asarray(starts, dtype=np.int64), level=level) if starts else []
            per = Counter(units)
            for sid in dict.fromkeys(sec.loc[sec["level"] == level, "section_id"]):
                rows.append((doc_id, sid, term, per.get(sid, 0)))
    return pd.DataFrame(rows, columns=["doc_id", "section_id", "term", "n"])


def count_conventions(terms, text, tokens: pd.DataFrame, *, doc_id: str | None = None) -> pd.DataFrame:
    """Each term's substring count and token count side by side, and where they differ,
    which tokens took the difference.

    Columns: doc_id, term, substring, token, difference (substring − token), absorbed_by
    (the tokens that contain an occurrence, with counts, most frequent first:
    ``经济社会 12; 实体经济 5``) and split_as (occurrences cut across tokens, such as
    ``脱贫|攻坚 3``). Occurrences are non-overlapping (``str.count``) in the cleaned text
    with redaction masks blanked; tokens are those of ``tokens`` (all kinds), so a
    stopword or a number is counted too if it is asked for.

    Cite the substring count when comparing with counts published elsewhere
    (newspapers count strings); cite the token count when the unit is the word, as in
    frequency tables, keyness and collocations.
    """
    import bisect

    text_str, spans = text_and_masks(text, None)
    blanked = blank_spans(text_str, spans)
    if doc_id is None:
        doc_id = tokens["doc_id"].iloc[0] if len(tokens) else getattr(text, "doc_id", "")
    tok = tokens[tokens["doc_id"] == doc_id] if len(tokens) and "doc_id" in tokens else tokens
    tok = tok.sort_values("start")
    starts = tok["start"].tolist()
    ends = tok["end"].tolist()
    words = tok["token"].tolist()
    rows = []
    for term in dict.fromkeys(terms):
        if not term:
            raise ValueError("terms must not be empty strings")
        absorbed: Counter = Counter()
        split: Counter = Counter()
        n_sub = n_tok = 0
        for m in re.finditer(re.escape(term), blanked):
            n_sub += 1
            s, e = m.start(), m.end()
            i = bisect.bisect_right(starts, s) - 1
            if i < 0 or ends[i] <= s:
                continue
            if starts[i] == s and ends[i] == e:
                n_tok += 1
            elif ends[i] >= e:
                absorbed[words[i]] += 1
            else:
                j = bisect.bisect_left(starts, e)
                split["|".join(words[i:j])] += 1
        rows.append((doc_id, term, n_sub, n_tok, n_sub - n_tok, _listing(absorbed), _listing(split)))
    return pd.DataFrame(rows, columns=["doc_id", "term", "substring", "token", "difference",
                                       "absorbed_by", "split_as"])


def _listing(c: Counter) -> str:
    return "; ".join(f"{w} {n}" for w, n in sorted(c.items(), key=lambda x: (-x[1], x[0])))


def drop_single_chars(table: pd.DataFrame, *, column: str = "term", keep=None) -> pd.DataFrame:
    """Rows whose term is not a lone Chinese character, except the characters listed in
    ``data/lexicons/single_char_terms.txt`` (or ``keep``, a set or a file path).

    Ranked tables (top terms, keyness) call this after every statistic is computed, so
    rates and test statistics are the same with or without it.
    """
    from . import lexicons

    if keep is None or isinstance(keep, (str, bytes)) or hasattr(keep, "__fspath__"):
        keep = lexicons.load_single_chars(keep)
    terms = table[column].astype(str)
    lone = (terms.str.len() == 1) & terms.str.match(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
    return table[~lone | terms.isin(keep)].reset_index(drop=True)


def _assign_sections(tok: pd.DataFrame, sections: pd.DataFrame, level: int) -> list:
    from .structure import section_of

    out = np.empty(len(tok), dtype=object)
    for doc_id, idx in tok.groupby("doc_id").groups.items():
        sec = sections[sections["doc_id"] == doc_id] if "doc_id" in sections else sections
        if sec.empty:
            sec = sections
        pos = tok.loc[idx, "start"].to_numpy()
        out[tok.index.get_indexer(idx)] = section_of(sec, pos, level=level)
    return list(out)


def top_terms(tokens: pd.DataFrame, n: int = 30, *, single_chars: bool = False) -> pd.DataFrame:
    """The ``n`` most frequent counted terms of all tokens (ties broken by term).

    Lone characters are left out unless listed in ``single_char_terms.txt`` or
    ``single_chars`` is true; ``per_10k`` is per 10,000 of all counted tokens either way.
    """
    terms = count_terms(tokens.assign(doc_id="all"))
    if not single_chars:
        terms = drop_single_chars(terms)
    return terms.head(n)[["term", "n", "per_10k"]].reset_index(drop=True)


def ngrams(tokens: pd.DataFrame, n: int = 2, *, sep: str = "_") -> pd.DataFrame:
    """Frequencies of n-grams of consecutive counted tokens.

    An n-gram never crosses punctuation, a stopword, a number or a redaction mask
    (any of them breaks the run), as in quanteda's ``tokens_ngrams`` applied after
    ``tokens_remove(..., padding = TRUE)``.
    """
    rows: Counter = Counter()
    for doc_id, group in tokens.groupby("doc_id", sort=False):
        run: list[str] = []
        for tok, kind in zip(group["token"], group["kind"]):
            if kind in COUNTED:
                run.append(tok)
                if len(run) >= n:
                    rows[(doc_id, sep.join(run[-n:]))] += 1
            else:
                run = []
    df = pd.DataFrame([(d, g, c) for (d, g), c in rows.items()], columns=["doc_id", "ngram", "n"])
    return df.sort_values(["doc_id", "n", "ngram"], ascending=[True, False, True]).reset_index(drop=True)


# -- keyness ---------------------------------------------------------------------------

def _p_chi2_1df(x):
    """Upper tail of the chi-squared distribution with one degree of freedom."""
    x = np.asarray(x, dtype=float)
    return np.array([math.erfc(math.sqrt(v / 2)) if v > 0 else 1.0 for v in np.abs(x).ravel()]).reshape(x.shape)


def keyness(target, reference, *, alpha: float = 0.05, min_n: int = 1,
            single_chars: bool = False) -> pd.DataFrame:
    """Keyness of each term of a target against a reference.

    For a term with ``a`` occurrences among ``Nt`` target tokens and ``b`` among
    ``Nr`` reference tokens, the 2×2 table is O = [[a, Nt−a], [b, Nr−b]] with expected
    values E_ij = row_i × col_j / N.

    * ``g2``: signed log-likelihood G² = 2 Σ O_ij ln(O_ij / E_ij) over the four cells
      (Dunning 1993; Rayson & Garside 2000), positive when a > E_11.
    * ``chi2``: signed Pearson χ² with Yates' continuity correction,
      N (|ad − bc| − N/2)² / ((a+b)(c+d)(a+c)(b+d)).
    * ``log_ratio``: log2((a/Nt) / (b/Nr)), a zero frequency replaced by 0.5
      (Hardie 2014), the effect size.
    * ``p``: from G² with one degree of freedom.
    * ``effect``: ``"target"`` or ``"reference"`` where p < ``alpha``, else ``""``.

    Same as quanteda's ``textstat_keyness``: the 2×2 table, the sign convention and
    Yates' correction for χ². Different: G² is reported without Williams' correction
    (quanteda's default applies it), and all three measures are returned at once.

    Args:
        target, reference: term counts (a Counter, a dict, a Series indexed by term,
            or a tokens table).
        single_chars: ``False`` leaves lone characters out of the table (see
            :func:`drop_single_chars`) after every statistic is computed on all terms.
    """
    t = _as_counts(target)
    r = _as_counts(reference)
    nt, nr = float(sum(t.values())), float(sum(r.values()))
    terms = sorted(set(t) | set(r))
    terms = [w for w in terms if t.get(w, 0) + r.get(w, 0) >= min_n]
    if not terms or nt == 0 or nr == 0:
        return pd.DataFrame(columns=KEYNESS_COLUMNS)
    a = np.array([t.get(w, 0) for w in terms], dtype=float)
    b = np.array([r.get(w, 0) for w in terms], dtype=float)
    c, d = nt - a, nr - b
    n = nt + nr
    e11, e12 = nt * (a + b) / n, nt * (c + d) / n
    e21, e22 = nr * (a + b) / n, nr * (c + d) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2 * (_xlogy(a, e11) + _xlogy(c, e12) + _xlogy(b, e21) + _xlogy(d, e22))
        sign = np.where(a > e11, 1.0, -1.0)
        chi2 = n * np.maximum(np.abs(a * d - b * c) - n / 2, 0) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
        log_ratio = np.log2((np.where(a == 0, 0.5, a) / nt) / (np.where(b == 0, 0.5, b) / nr))
    g2 = sign * np.nan_to_num(g2)
    chi2 = sign * np.nan_to_num(chi2)
    p = _p_chi2_1df(g2)
    effect = np.where(p < alpha, np.where(g2 > 0, "target", "reference"), "")
    out = pd.DataFrame({"term": terms, "n_target": a.astype(int), "n_reference": b.astype(int),
                        "g2": g2, "log_ratio": log_ratio, "chi2": chi2, "p": p, "effect": effect})
    out = out.sort_values(["g2", "term"], ascending=[False, True]).reset_index(drop=True)
    return out if single_chars else drop_single_chars(out)


def format_p(p) -> str:
    """A p-value as a reader should see it: scientific notation with two significant
    digits (``1.2e-05``), ``< 1e-300`` where the value underflowed to 0 in floating point,
    and an empty string for a missing value. ``round(2)`` would print 0.0 for all of them."""
    if p is None or (isinstance(p, float) and math.isnan(p)) or pd.isna(p):
        return ""
    p = float(p)
    if p <= 0:
        return "< 1e-300"
    if p >= 0.001:
        return f"{p:.3f}".rstrip("0").rstrip(".") if p < 1 else "1"
    return f"{p:.1e}"


def _xlogy(o, e):
    return np.where(o > 0, o * np.log(np.where(o > 0, o, 1) / np.where(e > 0, e, 1)), 0.0)


def _as_counts(x) -> dict:
    if isinstance(x, pd.DataFrame):
        if "token" in x.columns:
            return dict(Counter(counted(x)["token"]))
        if {"term", "n"} <= set(x.columns):
            return x.groupby("term")["n"].sum().to_dict()
    if isinstance(x, pd.Series):
        return x.to_dict()
    return dict(x)


def tfidf(target, reference_terms: pd.DataFrame, *, top: int | None = None) -> pd.DataFrame:
    """Keywords by TF-IDF, with IDF learned from a reference corpus.

    tf = n / (counted tokens of the target); idf = ln((1 + D) / (1 + df)) + 1, where D
    is the number of reference documents and df the number of them that contain the
    term (the smoothed IDF of scikit-learn's ``TfidfTransformer``); tfidf = tf × idf.
    Unlike jieba's ``extract_tags``, the IDF comes from your reference, not a bundled
    table of unknown origin.

    Args:
        target: term counts of the target (Counter, Series or tokens table).
        reference_terms: a terms table (doc_id, term, n) of the reference documents.
    """
    t = _as_counts(target)
    total = float(sum(t.values()))
    docs = reference_terms["doc_id"].nunique()
    df = reference_terms[reference_terms["n"] > 0].groupby("term")["doc_id"].nunique()
    rows = []
    for term, n in t.items():
        d = int(df.get(term, 0))
        idf = math.log((1 + docs) / (1 + d)) + 1
        rows.append((term, n, n / total if total else 0.0, d, idf, (n / total if total else 0.0) * idf))
    out = pd.DataFrame(rows, columns=["term", "n", "tf", "df", "idf", "tfidf"])
    out = out.sort_values(["tfidf", "term"], ascending=[False, True]).reset_index(drop=True)
    return out.head(top) if top else out


# -- KWIC ------------------------------------------------------------------------------

def kwic(text: str, pattern: str, *, window: int = 20, regex: bool = False, doc_id: str | None = None,
         sections: pd.DataFrame | None = None, masks=None) -> pd.DataFrame:
    """Concordance lines: each match of a term (or a regular expression) with
    ``window`` characters of context on each side, line breaks shown as ⏎.

    Matches that overlap a redaction mask are left out. Columns: doc_id (by default
    that of a :class:`~zhspeech.clean.Cleaned` text), start, end, left, match, right,
    section_id.
    """
    if doc_id is None:
        doc_id = getattr(text, "doc_id", "") or ""
    text, masks = text_and_masks(text, masks)
    from .errors import UsageError, quote

    if not isinstance(pattern, str):
        raise TypeError(f"kwic expects the pattern as a str, got {type(pattern).__name__}")
    if not pattern:
        raise UsageError("pattern", "empty search term")
    try:
        rx = re.compile(pattern if regex else re.escape(pattern))
    except re.error as exc:
        raise UsageError("pattern", f"invalid regular expression {quote(pattern)} ({exc})") from None
    mask_list = sorted(masks or [])
    rows = []
    for m in rx.finditer(text):
        if m.end() == m.start():
            continue
        if any(s < m.end() and m.start() < e for s, e in mask_list):
            continue
        left = text[max(0, m.start() - window):m.start()].replace("\n", "⏎")
        right = text[m.end():m.end() + window].replace("\n", "⏎")
        rows.append((doc_id, m.start(), m.end(), left, m.group(), right))
    out = pd.DataFrame(rows, columns=["doc_id", "start", "end", "left", "match", "right"])
    if sections is not None and not out.empty:
        from .structure import section_of

        out["section_id"] = section_of(sections, out["start"].to_numpy(), level=1)
    else:
        out["section_id"] = ""
    return out


# -- collocations ----------------------------------------------------------------------

def collocations(tokens: pd.DataFrame, node: str, *, window: int = 5, min_n: int = 2) -> pd.DataFrame:
    """Collocates of ``node`` within ``window`` counted tokens on either side.

    With O11 = co-occurrences in the window, f_node and f_coll the corpus frequencies,
    N the counted tokens, R1 = f_node × 2 × window (the window slots) and
    E11 = R1 × f_coll / N (Evert 2008; Brezina 2018):

    * ``pmi`` = log2(O11 / E11) (Church & Hanks 1990);
    * ``log_dice`` = 14 + log2(2 × O11 / (f_node + f_coll)) (Rychlý 2008);
    * ``g2`` = 2 Σ O ln(O/E) over the 2×2 table [[O11, R1−O11], [f_coll−O11, N−R1−f_coll+O11]].

    Windows stop at document boundaries; stopwords, punctuation and masks are removed
    before the window is counted.
    """
    tok = counted(tokens)
    n_total = len(tok)
    freq = Counter(tok["token"])
    f_node = freq.get(node, 0)
    cols = ["collocate", "o11", "f_node", "f_coll", "e11", "pmi", "log_dice", "g2"]
    if f_node == 0 or n_total == 0:
        return pd.DataFrame(columns=cols)
    co: Counter = Counter()
    for _doc, group in tok.groupby("doc_id", sort=False):
        words = group["token"].tolist()
        for i, w in enumerate(words):
            if w != node:
                continue
            for j in range(max(0, i - window), min(len(words), i + window + 1)):
                if j != i:
                    co[words[j]] += 1
    r1 = f_node * 2 * window
    rows = []
    for coll, o11 in co.items():
        if o11 < min_n or coll == node:
            continue
        f_coll = freq[coll]
        e11 = r1 * f_coll / n_total
        pmi = math.log2(o11 / e11)
        log_dice = 14 + math.log2(2 * o11 / (f_node + f_coll))
        o = np.array([o11, max(r1 - o11, 0), max(f_coll - o11, 0), max(n_total - r1 - f_coll + o11, 0)], float)
        rows_ = np.array([r1, r1, n_total - r1, n_total - r1], float)
        cols_ = np.array([f_coll, n_total - f_coll, f_coll, n_total - f_coll], float)
        e = rows_ * cols_ / n_total
        g2 = float(2 * np.sum(_xlogy(o, e)))
        rows.append((coll, o11, f_node, f_coll, e11, pmi, log_dice, g2))
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["log_dice", "collocate"], ascending=[False, True]).reset_index(drop=True)


# -- dispersion ------------------------------------------------------------------------

def dispersion(tokens: pd.DataFrame, sections: pd.DataFrame, terms=None, *, level: int = 1,
               kinds=None) -> pd.DataFrame:
    """How evenly terms spread over the sections of one document.

    Parts are the sections at ``level`` (optionally only some ``kinds``), with size
    s_i = their share of the counted tokens and v_i = share of the term's occurrences.

    * Juilland's D = 1 − (σ(p) / mean(p)) / √(n − 1), where p_i = f_i / size_i (the
      term's relative frequency in part i, which allows unequal parts) and σ is the
      population standard deviation (Juilland & Chang-Rodríguez 1964). 1 = even.
    * Gries's DP = ½ Σ |v_i − s_i| (Gries 2008), 0 = even; ``dp_norm`` = DP / (1 − min s_i)
      (Lijffijt & Gries 2012).
    """
    tok = counted(tokens)
    parts = sections[sections["level"] == level]
    if kinds is not None:
        parts = parts[parts["kind"].isin(kinds)]
    parts = parts.sort_values("start")
    cols = ["term", "n", "parts", "juilland_d", "gries_dp", "dp_norm"]
    if tok.empty or parts.empty:
        return pd.DataFrame(columns=cols)
    starts, ends = parts["start"].to_numpy(), parts["end"].to_numpy()
    pos = tok["start"].to_numpy()
    idx = np.searchsorted(starts, pos, side="right") - 1
    inside = (idx >= 0) & (pos < ends[np.clip(idx, 0, None)])
    tok = tok[inside].assign(part=idx[inside])
    size = np.bincount(tok["part"], minlength=len(parts)).astype(float)
    if size.sum() == 0:
        return pd.DataFrame(columns=cols)
    s = size / size.sum()
    if terms is None:
        terms = tok["token"].value_counts().index.tolist()
    rows = []
    grouped = tok.groupby("token")["part"]
    for term in terms:
        f = np.bincount(grouped.get_group(term), minlength=len(parts)).astype(float) \
            if term in grouped.groups else np.zeros(len(parts))
        total = f.sum()
        if total == 0:
            rows.append((term, 0, len(parts), np.nan, np.nan, np.nan))
            continue
        v = f / total
        dp = 0.5 * np.abs(v - s).sum()
        dp_norm = dp / (1 - s.min()) if s.min() < 1 else np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(size > 0, f / size, 0.0)
        n = len(parts)
        d = 1 - (p.std() / p.mean()) / math.sqrt(n - 1) if n > 1 and p.mean() > 0 else np.nan
        rows.append((term, int(total), n, d, dp, dp_norm))
    return pd.DataFrame(rows, columns=cols)


def positions(tokens: pd.DataFrame, terms, *, text_length: int | None = None) -> pd.DataFrame:
    """Where each term occurs (for the lexical dispersion plot): doc_id, term, start,
    relative position (start / text length)."""
    tok = tokens[tokens["token"].isin(list(terms))]
    length = text_length or (int(tokens["end"].max()) if len(tokens) else 1)
    return pd.DataFrame({"doc_id": tok["doc_id"], "term": tok["token"], "start": tok["start"],
                         "position": tok["start"] / max(length, 1)}).reset_index(drop=True)


# -- similarity ------------------------------------------------------------------------

def similarity(terms: pd.DataFrame, *, value: str = "per_10k") -> pd.DataFrame:
    """Cosine similarity between documents: cos(x, y) = x·y / (‖x‖ ‖y‖) over their
    term vectors (``per_10k`` by default, so length does not dominate)."""
    if terms.empty:
        return pd.DataFrame()
    matrix = terms.pivot_table(index="doc_id", columns="term", values=value, aggfunc="sum", fill_value=0)
    x = matrix.to_numpy(dtype=float)
    norms = np.linalg.norm(x, axis=1)
    norms[norms == 0] = 1
    sim = (x @ x.T) / np.outer(norms, norms)
    return pd.DataFrame(sim, index=matrix.index, columns=matrix.index)


def naive_counts(text: str, top: int = 30) -> pd.DataFrame:
    """What a plain ``jieba.lcut`` + ``Counter`` reports (for comparison in the notebooks):
    jieba's default dictionary, every token counted, punctuation and placeholders included
    except whitespace."""
    from .tokenize import _jieba_dictionary

    seg = _jieba_dictionary()["base"]     # jieba's own dictionary, loaded once per process
    counts = Counter(w for w in seg.lcut(text) if w.strip())
    return pd.DataFrame(counts.most_common(top), columns=["term", "n"])
