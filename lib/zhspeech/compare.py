"""Comparing documents: theme profiles, keyness against a reference and similarity.

``compare`` takes analysed documents (:func:`zhspeech.pipeline.analyze`) and, if
asked, the comparable corpus of ``data/reference/``, and returns three tables:
``profile`` (documents × themes, hits per 1,000 hanzi), ``keyness`` (the first
document against all the others) and ``similarity`` (cosine of term profiles).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import reference as ref_mod
from . import stats, themes


@dataclass
class Comparison:
    profile: pd.DataFrame
    keyness: pd.DataFrame
    similarity: pd.DataFrame
    emphasis: pd.DataFrame
    terms: pd.DataFrame


def compare(analyses, *, with_reference: bool = False, reference: ref_mod.Reference | None = None,
            lexicon: themes.Lexicon | None = None) -> Comparison:
    """Compare analysed documents with each other and, optionally, the reference corpus.

    Keyness: the first document is the target and everything else (the other
    documents plus the reference) is the reference.
    """
    analyses = list(analyses)
    if not analyses:
        raise ValueError("nothing to compare")
    lexicon = lexicon or themes.load_lexicon(warn_shared=False)
    emph = [themes.emphasis(a.hits, a.sections, a.text, by="doc", lexicon=lexicon)[
        ["doc_id", "theme", "hits", "per_1k_hanzi", "sentence_share", "hit_share"]] for a in analyses]
    term_frames = [stats.count_terms(a.tokens)[["doc_id", "term", "n", "per_10k"]] for a in analyses]
    if with_reference or reference is not None:
        reference = reference or ref_mod.load_reference()
        emph.append(ref_mod.document_emphasis(reference, lexicon=lexicon))
        rt = reference.terms.copy()
        rt["per_10k"] = rt["n"] / rt.groupby("doc_id")["n"].transform("sum") * 10_000
        term_frames.append(rt[["doc_id", "term", "n", "per_10k"]])
    emphasis = pd.concat(emph, ignore_index=True)
    terms = pd.concat(term_frames, ignore_index=True)
    order = list(dict.fromkeys(emphasis["doc_id"]))
    profile = emphasis.pivot_table(index="doc_id", columns="theme", values="per_1k_hanzi", sort=False)
    profile = profile.reindex(index=order, columns=lexicon.names)
    target = analyses[0].doc_id
    key = stats.keyness(terms[terms["doc_id"] == target], terms[terms["doc_id"] != target])
    sim = stats.similarity(terms).reindex(index=order, columns=order)
    return Comparison(profile, key, sim, emphasis, terms)


def describe_position(profile: pd.DataFrame, doc_id: str, others, themes_) -> str:
    """Markdown saying, for each theme, whether ``doc_id``'s rate (per 1,000 汉字, from a
    ``profile`` table) lies above, within or below the range of the ``others``."""
    others = [d for d in others if d in profile.index and d != doc_id]
    if doc_id not in profile.index or not others:
        return "There is nothing to compare the speech with here."
    said = []
    for theme in themes_:
        if theme not in profile.columns:
            said.append(f"{theme} is not a theme of this lexicon")
            continue
        v, lo, hi = profile.at[doc_id, theme], profile.loc[others, theme].min(), profile.loc[others, theme].max()
        where = "above" if v > hi else "below" if v < lo else "within"
        said.append(f"{theme} {v:.1f} per 1,000 汉字, {where} the range of the {len(others)} reports ({lo:.1f}–{hi:.1f})")
    return "Against the government work reports: " + "; ".join(said) + "."
