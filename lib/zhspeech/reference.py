"""The comparable corpus as derived tables only.

``build_reference`` reads folders of texts (such as ../shared/corpus/texts and
speeches), analyses them with the bundled lexicons and writes to ``data/reference/``:

=================  ==============================================================
documents.csv      doc_id, title (first 15 characters), date, year, issuer, level,
                   genre, group, chars, hanzi, sentences, tokens, sha256
sections.csv       the sections table (headings cut to 12 characters), no text
terms.csv          doc_id, term, n — counted tokens per document
theme_hits.csv     doc_id, section_id, top_id, theme, subtheme, term, start, end,
                   sentence (index of the sentence holding the hit)
formulas.csv       doc_id, section_id, top_id, formula, status, rule, kind, start, end
                   (提法 hits, listed and candidates; names cut to 12 characters)
directives.csv     doc_id, section_id, top_id, sentence, start, end, level, marker,
                   marker_start, markers, review (one row per sentence)
targets.csv        doc_id, section_id, top_id, scope, indicator (cut to 12
                   characters), low, high, unit, modifier, bound, aim, direction,
                   mask, start, end, value_start
meta.json          lexicon version and hashes, tokenizer configuration
=================  ==============================================================

No text of the documents is stored: counts and offsets only. ``load_reference``
reads the tables back; a test rebuilds them from the shared corpus and fails if the
committed ones are stale.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import corpus, discourse, lexicons, paths, pipeline, themes, tokenize
from .errors import EmptyCorpusError

TITLE_CHARS = 15
HEADING_CHARS = 12
FILES = ("documents.csv", "sections.csv", "terms.csv", "theme_hits.csv", "formulas.csv", "directives.csv",
         "targets.csv", "meta.json")
FORMULA_COLUMNS = ["doc_id", "section_id", "top_id", "formula", "status", "rule", "kind", "start", "end"]
DIRECTIVE_COLUMNS = ["doc_id", "section_id", "top_id", "sentence", "start", "end", "level", "marker",
                     "marker_start", "markers", "review"]
DOC_COLUMNS = ["doc_id", "title", "date", "year", "issuer", "level", "genre", "group",
               "chars", "hanzi", "sentences", "tokens", "sha256"]
SECTION_COLUMNS = ["doc_id", "section_id", "parent_id", "level", "kind", "label", "ordinal", "heading",
                   "start", "end", "chars", "hanzi", "sentences", "declared_items", "items", "warnings"]
HIT_COLUMNS = ["doc_id", "section_id", "top_id", "theme", "subtheme", "term", "start", "end", "sentence"]


@dataclass
class Reference:
    documents: pd.DataFrame
    sections: pd.DataFrame
    terms: pd.DataFrame
    hits: pd.DataFrame
    meta: dict
    formulas: pd.DataFrame | None = None
    directives: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None

    def doc_ids(self, genre: str | None = None) -> list[str]:
        d = self.documents
        return d[d["genre"] == genre]["doc_id"].tolist() if genre else d["doc_id"].tolist()


def _cut(text, n: int) -> str:
    text = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    return text if len(text) <= n else text[:n] + "…"


def analyses_to_tables(analyses: dict, groups: dict | None = None, *, lexicon=None, tokenizer=None) -> dict:
    """The reference tables (no text) of already analysed documents."""
    groups = groups or {}
    docs, secs, terms, hits = [], [], [], []
    formulas, directives, targets = [], [], []
    tifa, marks, rules = discourse.load_tifa(), discourse.load_directives(), discourse.load_target_rules()
    for doc_id, a in analyses.items():
        meta = a.document.meta if a.document else {}
        date = str(meta.get("date", "") or "")
        sec = a.sections
        top = sec[sec["level"] == 1]
        counted = a.tokens[a.tokens["kind"].isin(tokenize.COUNTED)]
        sent = themes.sentence_spans(a.text)
        docs.append({"doc_id": doc_id, "title": _cut(meta.get("title", ""), TITLE_CHARS), "date": date,
                     "year": int(date[:4]) if date[:4].isdigit() else np.nan,
                     "issuer": _cut(meta.get("issuer", ""), TITLE_CHARS), "level": meta.get("level", ""),
                     "genre": meta.get("genre", ""), "group": groups.get(doc_id, ""),
                     "chars": len(a.text), "hanzi": int(top["hanzi"].sum()), "sentences": len(sent),
                     "tokens": len(counted), "sha256": a.document.sha256 if a.document else ""})
        s = sec[SECTION_COLUMNS].copy()
        s["heading"] = s["heading"].map(lambda h: _cut(h, HEADING_CHARS))
        secs.append(s)
        t = counted.groupby("token").size().rename("n").reset_index().rename(columns={"token": "term"})
        t.insert(0, "doc_id", doc_id)
        terms.append(t.sort_values(["n", "term"], ascending=[False, True]))
        h = a.hits.copy()
        h["sentence"] = np.searchsorted(sent, h["start"].to_numpy(), side="right") - 1
        hits.append(h[HIT_COLUMNS])
        f = discourse.find_formulas(a.cleaned, sec, lexicon=tifa, doc_id=doc_id)
        f["formula"] = f["formula"].map(lambda x: _cut(x, HEADING_CHARS))
        formulas.append(f[FORMULA_COLUMNS])
        directives.append(discourse.directive_force(a.cleaned, sec, lexicon=marks, doc_id=doc_id)[DIRECTIVE_COLUMNS])
        t = discourse.targets(a.cleaned, sec, rules=rules, doc_id=doc_id)
        t["indicator"] = t["indicator"].map(lambda x: _cut(x, HEADING_CHARS))
        targets.append(t)
    lexicon = lexicon or themes.load_lexicon(warn_shared=False)
    tokenizer = tokenizer or tokenize.default_tokenizer()
    meta = {"lexicon_version": lexicon.version, "themes_sha": lexicon.digest,
            "userdict_sha": tokenizer.userdict.digest, "tokenizer": f"{tokenizer.backend}, HMM {tokenizer.hmm}",
            "stopwords_sha": tokenizer.config.stopwords_hash,
            "corrections_sha": lexicons.file_hash(paths.lexicon("corrections.tsv")),
            "structure_sha": lexicons.file_hash(paths.lexicon("structure.yaml")),
            "numbered_formulas_sha": lexicons.file_hash(paths.lexicon("numbered_formulas.txt")),
            "redactions_sha": lexicons.file_hash(paths.lexicon("redactions.yaml")),
            "boilerplate_sha": lexicons.file_hash(paths.lexicon("boilerplate.yaml")),
            "tifa_sha": tifa.digest, "directives_sha": marks.digest, "targets_sha": rules.digest,
            "documents": len(docs)}

    def frame(parts, columns):
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)

    return {"documents": pd.DataFrame(docs, columns=DOC_COLUMNS),
            "sections": pd.concat(secs, ignore_index=True) if secs else pd.DataFrame(columns=SECTION_COLUMNS),
            "terms": pd.concat(terms, ignore_index=True) if terms else pd.DataFrame(columns=["doc_id", "term", "n"]),
            "theme_hits": pd.concat(hits, ignore_index=True) if hits else pd.DataFrame(columns=HIT_COLUMNS),
            "formulas": frame(formulas, FORMULA_COLUMNS),
            "directives": frame(directives, DIRECTIVE_COLUMNS),
            "targets": frame(targets, discourse.TARGET_COLUMNS),
            "meta": meta}


def build_reference(folders, out=None, *, progress: bool = True, cache: bool = True) -> dict:
    """Analyse every text of ``folders`` and write the derived tables to ``out``
    (default ``data/reference/``). Returns the tables."""
    if isinstance(folders, (str, Path)):
        folders = [folders]
    analyses, groups = {}, {}
    tokenizer = tokenize.default_tokenizer()
    lexicon = themes.load_lexicon(warn_shared=False)
    for folder in folders:
        folder = Path(folder)
        sub = [folder / "texts", folder / "speeches"]
        targets = [p for p in sub if p.is_dir()] or [folder]
        for target in targets:
            corp = corpus.load_group(target)
            for doc_id, a in pipeline.analyze_corpus(corp, tokenizer=tokenizer, lexicon=lexicon,
                                                     cache=cache, progress=progress).items():
                analyses[doc_id] = a
                groups[doc_id] = target.name
    if not analyses:
        raise EmptyCorpusError(", ".join(map(str, folders)), "no texts to build a reference from")
    tables = analyses_to_tables(analyses, groups, lexicon=lexicon, tokenizer=tokenizer)
    write_reference(tables, out)
    return tables


def write_reference(tables: dict, out=None) -> Path:
    out = Path(out) if out is not None else paths.reference_dir()
    out.mkdir(parents=True, exist_ok=True)
    for name in ("documents", "sections", "terms", "theme_hits", "formulas", "directives", "targets"):
        tables[name].to_csv(out / f"{name}.csv", index=False, float_format="%.6g", lineterminator="\n")
    (out / "meta.json").write_text(json.dumps(tables["meta"], ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                   encoding="utf-8")
    return out


def load_reference(folder=None) -> Reference:
    """Read the reference tables (``data/reference/`` by default)."""
    folder = Path(folder) if folder is not None else paths.reference_dir()
    missing = [f for f in FILES if not (folder / f).is_file()]
    if missing:
        raise EmptyCorpusError(folder, f"reference tables missing ({', '.join(missing)}); "
                                       "run `zhspeech corpus build-reference --from DIR`")
    text_cols = {"doc_id": str, "section_id": str, "parent_id": str, "top_id": str, "label": str,
                 "subtheme": str, "heading": str, "warnings": str, "term": str, "title": str, "issuer": str,
                 "level": str, "genre": str, "group": str, "date": str, "kind": str, "theme": str, "sha256": str,
                 "formula": str, "status": str, "rule": str, "marker": str, "scope": str, "indicator": str,
                 "unit": str, "modifier": str, "bound": str, "aim": str, "direction": str, "mask": str}

    def read(name):
        return pd.read_csv(folder / name, dtype=text_cols, keep_default_na=False)

    docs = read("documents.csv")
    secs = read("sections.csv")
    secs["level"] = secs["level"].astype(int)  # 'level' of documents.csv is text (central, …)
    for col in ("ordinal", "declared_items"):
        secs[col] = pd.to_numeric(secs[col], errors="coerce")
    docs["year"] = pd.to_numeric(docs["year"], errors="coerce")
    hits = read("theme_hits.csv")
    targets = read("targets.csv")
    for col in ("low", "high"):
        targets[col] = pd.to_numeric(targets[col], errors="coerce")
    directives = read("directives.csv")
    directives["level"] = directives["level"].astype(str)
    return Reference(docs, secs, read("terms.csv"), hits,
                     json.loads((folder / "meta.json").read_text(encoding="utf-8")),
                     read("formulas.csv"), directives, targets)


def document_emphasis(ref: Reference, *, lexicon=None) -> pd.DataFrame:
    """Document-level emphasis of the reference documents, from the tables alone:
    hits, per_1k_hanzi, sentence_share and hit_share per document and theme."""
    lexicon = lexicon or themes.load_lexicon(warn_shared=False)
    counted_with = ref.meta.get("themes_sha")
    if counted_with and lexicon.digest and lexicon.digest != counted_with:
        # The reference keeps hits, not text: they cannot be recounted with other terms.
        from .errors import LexiconError

        raise LexiconError(lexicon.path, "the reference corpus was counted with the bundled themes.yaml and "
                                         "holds no text to recount; compare it with the bundled lexicon "
                                         "(--theme selects themes) or rebuild it with corpus build-reference")
    rows = []
    for d in ref.documents.itertuples():
        h = ref.hits[ref.hits["doc_id"] == d.doc_id]
        total = len(h)
        for theme in lexicon.names:
            th = h[h["theme"] == theme]
            rows.append((d.doc_id, theme, len(th), len(th) / d.hanzi * 1000 if d.hanzi else 0.0,
                         th["sentence"].nunique() / d.sentences if d.sentences else 0.0,
                         len(th) / total if total else 0.0))
    return pd.DataFrame(rows, columns=["doc_id", "theme", "hits", "per_1k_hanzi", "sentence_share", "hit_share"])
