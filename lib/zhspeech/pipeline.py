"""The whole chain for one document — read, clean, parse, segment, match themes — as
one plain function, so that corpus work, the command line and the notebooks all
compute the same tables the same way."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import clean, corpus, structure, themes, tokenize


STAGES = ("sections", "tokens", "hits")


@dataclass
class Analysis:
    """Every table zhspeech derives from one document (None for a stage not asked for)."""

    doc_id: str
    document: corpus.Document | None
    cleaned: clean.Cleaned
    sections: pd.DataFrame
    tokens: pd.DataFrame
    hits: pd.DataFrame

    @property
    def text(self) -> str:
        return self.cleaned.text


def analyze(source, *, doc_id: str | None = None, tokenizer: tokenize.Tokenizer | None = None,
            lexicon: themes.Lexicon | None = None, cache: bool = True,
            extra_lines: frozenset = frozenset(), stages=STAGES) -> Analysis:
    """Analyse a file, a :class:`~zhspeech.corpus.Document` or a text string.

    A ``Path``, or a one-line string ending in a supported extension (``.txt``,
    ``.md``, ``.docx``, ``.pdf``), is read as a file: a missing one raises
    DocumentError. Any other string is the text itself. ``stages`` says which tables
    to compute besides the cleaned text (``sections``, ``tokens``, ``hits``; theme hits
    need the sections); the others are None.

    Raises:
        TypeError: ``source`` is none of these.
        DocumentError: the file cannot be read, or the text is not valid Unicode.
    """
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stages {sorted(unknown)}; choose from {STAGES}")
    if isinstance(source, Path) or (isinstance(source, str) and _names_a_file(source)):
        doc = corpus.load_document(source, doc_id=doc_id)
    elif isinstance(source, corpus.Document):
        doc = source
    elif isinstance(source, str):
        doc = corpus.Document(doc_id=doc_id or "text", raw=source, meta={"title": corpus.infer_title(source)})
    else:
        raise TypeError(f"cannot analyse {type(source).__name__}: give a path, a Document or a str")
    did = doc_id or doc.doc_id
    clean.check_text(doc.raw, did)
    cleaned = clean.clean_text(doc.raw, doc_id=did, extra_lines=extra_lines, replacements=doc.replacements)
    sections = tokens = hits = None
    if "sections" in stages or "hits" in stages:
        sections = structure.parse_structure(cleaned.text, did)
    if "tokens" in stages:
        tokenizer = tokenizer or tokenize.default_tokenizer()
        tokens = tokenize.tokenize_corpus({did: cleaned}, tokenizer, cache=cache, progress=False)
    if "hits" in stages:
        lexicon = lexicon or themes.load_lexicon(warn_shared=False)
        hits = themes.count_themes(cleaned, lexicon=lexicon, sections=sections, doc_id=did)
    return Analysis(did, doc, cleaned, sections, tokens, hits)


def _names_a_file(text: str) -> bool:
    if "\n" in text or len(text) > 4096:
        return False
    suffix = Path(text).suffix.lower()
    return suffix in corpus.SUPPORTED or (bool(suffix) and Path(text).exists())


def analyze_corpus(source, *, tokenizer=None, lexicon=None, cache: bool = True,
                   progress: bool = True) -> dict[str, Analysis]:
    """Analyse every document of a :class:`~zhspeech.corpus.Corpus` (or a folder).
    Lines repeated as headers/footers across the corpus are removed as boilerplate."""
    from tqdm import tqdm

    corp = source if isinstance(source, corpus.Corpus) else corpus.load_corpus(source)
    extra = clean.find_repeated_lines([d.raw for d in corp])
    tokenizer = tokenizer or tokenize.default_tokenizer()
    lexicon = lexicon or themes.load_lexicon(warn_shared=False)
    out = {}
    for doc in tqdm(list(corp), desc="analysing", unit="doc", disable=not progress):
        out[doc.doc_id] = analyze(doc, tokenizer=tokenizer, lexicon=lexicon, cache=cache, extra_lines=extra)
    return out
