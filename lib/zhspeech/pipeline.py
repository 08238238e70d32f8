"""The whole chain for one document — read, clean, parse, segment, match themes — as
one plain function, so that corpus work, the command line and the notebooks all
compute the same tables the same way.

:func:`analyze` computes the stages it is asked for in memory. The command line goes
through :class:`DocumentStages` instead: each stage's table of each document is kept
in the on-disk cache (:mod:`zhspeech.cache`), keyed by

* the sha256 of the file's bytes, how it is decoded (``--encoding-errors``) and its
  doc_id;
* the stage's configuration: the sha256 of zhspeech's own code, the versions of the
  segmenter, OpenCC, pandas and numpy, the hash of every lexicon file the stage and the
  stages before it read (:data:`STAGE_LEXICONS`; a user's ``--lexicon`` for theme
  hits) and the options that change the table (the backend for tokens);

so a stage is recomputed only when something it depends on changed: editing
``themes.yaml`` recomputes theme hits and emphasis but not tokens or terms. A command
reads only the stages it shows (``freq`` terms, ``sections`` sections, ``themes``
emphasis), and a document whose stages are all cached is not even read.
On top of the stages, a command's finished output is kept under a key made of its
options, the sha256 of its input files (from the file-stat index), the code and the
lexicons its stages read (:func:`output_key`): a repeated command prints it without
importing pandas.

Nothing heavy is imported here at module level: ``zhspeech.cli`` builds output keys
from this module on its fast path.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

STAGES = ("sections", "tokens", "hits")

# Lexicon files (bundled, in data/lexicons/) each cached stage reads itself. A stage's
# key covers these and those of the stages it is computed from (UPSTREAM).
STAGE_LEXICONS = {
    "cleaned": ("boilerplate.yaml", "corrections.tsv", "redactions.yaml"),
    "sections": ("structure.yaml", "numbered_formulas.txt"),
    "tokens": ("userdict.txt", "stopwords.txt", "measure_words.txt"),
    "terms-doc": (),
    "terms-section": (),
    "hits": (),                  # + the theme lexicon: THEME_LEXICON or the user's --lexicon
    "emphasis-doc": (),
    "emphasis-section": (),
}
UPSTREAM = {
    "cleaned": (),
    "sections": ("cleaned",),
    "tokens": ("cleaned",),
    "terms-doc": ("tokens",),
    "terms-section": ("tokens", "sections"),
    "hits": ("cleaned", "sections"),
    "emphasis-doc": ("hits", "sections", "cleaned"),
    "emphasis-section": ("hits", "sections", "cleaned"),
}
THEME_LEXICON = "themes.yaml"
# Lexicon files read by the commands themselves after the stages (row filters).
COMMAND_LEXICONS = {"freq": ("single_char_terms.txt", "stopwords_generic.txt")}
# Bundled lexicons no cached stage reads (the discourse commands are not cached).
UNCACHED_LEXICONS = ("tifa.yaml", "directives.yaml", "targets.yaml")
# Packages whose version can change a table or its printed form.
PACKAGES = ("rjieba", "jieba", "opencc", "pandas", "numpy", "pyahocorasick")

# Stage computations done by this process, by stage (tests count them).
COMPUTED: Counter = Counter()

STAGE_FORMAT = 1


@dataclass
class Analysis:
    """Every table zhspeech derives from one document (None for a stage not asked for)."""

    doc_id: str
    document: object
    cleaned: object
    sections: object
    tokens: object
    hits: object

    @property
    def text(self) -> str:
        return self.cleaned.text


def analyze(source, *, doc_id: str | None = None, tokenizer=None,
            lexicon=None, cache: bool = True,
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
    from . import clean, corpus, structure, themes, tokenize

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
    from . import corpus

    if "\n" in text or len(text) > 4096:
        return False
    suffix = Path(text).suffix.lower()
    return suffix in corpus.SUPPORTED or (bool(suffix) and Path(text).exists())


def analyze_corpus(source, *, tokenizer=None, lexicon=None, cache: bool = True,
                   progress: bool = True) -> dict[str, Analysis]:
    """Analyse every document of a :class:`~zhspeech.corpus.Corpus` (or a folder).
    Lines repeated as headers/footers across the corpus are removed as boilerplate."""
    from tqdm import tqdm

    from . import clean, corpus, themes, tokenize

    corp = source if isinstance(source, corpus.Corpus) else corpus.load_corpus(source)
    extra = clean.find_repeated_lines([d.raw for d in corp])
    tokenizer = tokenizer or tokenize.default_tokenizer()
    lexicon = lexicon or themes.load_lexicon(warn_shared=False)
    out = {}
    for doc in tqdm(list(corp), desc="analysing", unit="doc", disable=not progress):
        out[doc.doc_id] = analyze(doc, tokenizer=tokenizer, lexicon=lexicon, cache=cache, extra_lines=extra)
    return out


# -- configuration: what a cached table depends on -----------------------------------------

_MEMO: dict = {}


def code_hash() -> str:
    """sha256 over zhspeech's version and the source of every module of the package:
    any change to the code makes every cached table and output stale."""
    if "code" not in _MEMO:
        from . import __version__

        h = hashlib.sha256(f"{__version__}|{STAGE_FORMAT}|".encode())
        here = Path(__file__).resolve().parent
        for p in sorted(here.glob("*.py")):
            h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
        _MEMO["code"] = h.hexdigest()[:32]
    return _MEMO["code"]


def package_versions() -> str:
    """The installed versions of :data:`PACKAGES`, read from the names of their
    ``*.dist-info`` folders (one folder listing; importlib.metadata costs 0.1 s)."""
    if "packages" not in _MEMO:
        wanted = {p.replace("-", "_").lower() for p in PACKAGES}
        found = []
        for entry in sys.path:
            try:
                names = os.listdir(entry or ".")
            except OSError:
                continue
            for n in names:
                if n.endswith(".dist-info"):
                    name, _, version = n[:-len(".dist-info")].partition("-")
                    if name.replace("-", "_").lower() in wanted:
                        found.append(f"{name.lower()}={version}")
        _MEMO["packages"] = ",".join(sorted(set(found)))
    return _MEMO["packages"]


_FILE_HASHES: dict = {}


def _file_hash(path) -> str:
    """sha256 of a lexicon file (16 hex digits), read again whenever its stat changes."""
    st = os.stat(path)
    known = _FILE_HASHES.get(str(path))
    if known is not None and known[0] == (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns):
        return known[1]
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    _FILE_HASHES[str(path)] = ((st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns), digest)
    return digest


def lexicon_hashes(names) -> str:
    """``name=sha256`` of bundled lexicon files (``missing`` for an absent one)."""
    from . import paths

    out = []
    for name in names:
        p = paths.lexicon(name)
        try:
            out.append(f"{name}={_file_hash(p)}")
        except FileNotFoundError:
            out.append(f"{name}=missing")
    return ";".join(out)


def stage_closure(stage: str) -> list[str]:
    """The stage and every stage it is computed from, each once."""
    out: list[str] = []

    def walk(s):
        for up in UPSTREAM[s]:
            walk(up)
        if s not in out:
            out.append(s)
    walk(stage)
    return out


@dataclass(frozen=True)
class Settings:
    """The options that change stage tables: segmenter backend, a user's theme
    lexicon file (None: the bundled one) and how undecodable bytes are read."""

    backend: str = "rjieba"
    lexicon: str | None = None
    encoding_errors: str = "strict"

    def theme_lexicon_hash(self) -> str:
        from . import paths

        return _file_hash(self.lexicon if self.lexicon is not None else paths.lexicon(THEME_LEXICON))

    def config(self, stage: str) -> str:
        """Everything besides the document that ``stage``'s table depends on (the
        lexicon files are looked at each time: an edited one changes the key at once)."""
        parts = [f"code={code_hash()}", f"packages={package_versions()}"]
        for s in stage_closure(stage):
            parts.append(f"{s}:{lexicon_hashes(STAGE_LEXICONS[s])}")
            if s == "tokens":
                parts.append(f"backend={self.backend}")
            if s == "hits":
                parts.append(f"themes={self.theme_lexicon_hash()}")
        return "|".join(parts)


def output_key(verb: str, options: dict, inputs: list, stages, settings: Settings) -> str:
    """The key of a command's finished output: its verb and options, its input files'
    names and sha256 (``inputs``: (name, sha256) pairs) and the configuration of every
    stage it reads plus the lexicons the command itself reads."""
    parts = {"verb": verb, "options": options, "inputs": inputs,
             "stages": {s: settings.config(s) for s in stages},
             "command": lexicon_hashes(COMMAND_LEXICONS.get(verb, ())),
             "encoding_errors": settings.encoding_errors}
    return "output|" + json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)


# -- per-document stages, cached ---------------------------------------------------------

class DocumentStages:
    """The stage tables of one document file, each read from the cache or computed
    (with the stages it needs) and stored. The file is decoded only when a stage has
    to be computed.

    Args:
        path: the file; doc_id: its identifier (as ``corpus.list_documents`` gives it).
        sha256: the sha256 of the file's bytes (``cache.file_digests``).
        settings: :class:`Settings`; cache: a :class:`zhspeech.cache.Cache`.
        document: the already decoded Document, if any.
    """

    def __init__(self, path, doc_id: str, sha256: str, *, settings: Settings, cache,
                 document=None, tokenizer=None, lexicon=None):
        self.path = Path(path)
        self.doc_id = doc_id
        self.sha256 = sha256
        self.settings = settings
        self.cache = cache
        self._document = document
        self._tokenizer = tokenizer
        self._lexicon = lexicon
        self._values: dict = {}
        self._deps: dict = {}

    # -- keys ----------------------------------------------------------------------------
    def key(self, stage: str) -> str:
        return "|".join([stage, self.sha256, self.path.suffix.lower(), self.settings.encoding_errors,
                         self.doc_id, self.settings.config(stage)])

    # -- inputs --------------------------------------------------------------------------
    def document(self):
        if self._document is None:
            from . import corpus

            self._document = corpus.load_document(self.path, doc_id=self.doc_id,
                                                  errors=self.settings.encoding_errors)
        return self._document

    def tokenizer(self):
        if self._tokenizer is None:
            from . import tokenize

            self._tokenizer = tokenize.default_tokenizer(self.settings.backend)
        return self._tokenizer

    def lexicon(self):
        if self._lexicon is None:
            from . import themes

            self._lexicon = themes.load_lexicon(self.settings.lexicon, warn_shared=False)
        return self._lexicon

    # -- stages --------------------------------------------------------------------------
    def get(self, stage: str):
        """The table of ``stage`` (``cleaned`` gives a :class:`~zhspeech.clean.Cleaned`)."""
        if stage not in self._values:
            value = self._read(stage)
            if value is None:
                value = self._compute(stage)
                self._store(stage, value)
            self._values[stage] = value
        return self._values[stage]

    def _read(self, stage: str):
        if not self.cache.usable:
            return None
        deps: dict = {}
        if stage == "cleaned":
            data = self.cache.get_bytes("cleaned", self.key(stage), deps_out=deps)
            value = None if data is None else _cleaned_from_json(data, self.doc_id)
        elif stage == "tokens":
            value = None        # segment_cached keeps the words; see _compute
        else:
            value = self.cache.get_table(stage, self.key(stage), deps_out=deps)
        if value is not None:
            self._deps[stage] = deps
        return value

    def entry(self, stage: str) -> dict:
        """``{entry: signature}`` of ``stage``'s own cache entry."""
        if stage == "tokens":
            return dict(self._tokens_dep)
        suffix = ".bin" if stage == "cleaned" else ".arrow"
        return self.cache.dep(stage, self.key(stage), suffix) if self.cache.usable else {}

    def deps(self, stage: str) -> dict:
        """Every cache entry ``stage``'s table was derived from, and its own entry."""
        return {**self._deps.get(stage, {}), **self.entry(stage)}

    def _deps_of(self, stage: str) -> dict:
        """The cache entries ``stage``'s entry is derived from, with their signatures."""
        out: dict = {}
        for up in UPSTREAM[stage]:
            if up in self._values:
                out.update(self.deps(up))
        return out

    def _compute(self, stage: str):
        from . import clean, stats, structure, themes, tokenize

        COMPUTED[stage] += 1
        did = self.doc_id
        if stage == "cleaned":
            doc = self.document()
            clean.check_text(doc.raw, did)
            return clean.clean_text(doc.raw, doc_id=did, replacements=doc.replacements)
        cleaned = self.get("cleaned")
        if stage == "sections":
            return structure.parse_structure(cleaned.text, did)
        if stage == "tokens":
            tok = self.tokenizer()
            table = tokenize.tokenize_corpus({did: cleaned}, tok, cache=self.cache.usable, progress=False)
            text, spans = clean.text_and_masks(cleaned)
            self._tokens_dep = self.cache.dep("tokens", tokenize._cache_key(tok, text, [tuple(map(int, m))
                                                                                    for m in spans])) \
                if self.cache.usable else {}
            return table
        if stage == "terms-doc":
            return stats.count_terms(self.get("tokens"))
        if stage == "terms-section":
            return stats.count_terms(self.get("tokens"), by="section", sections=self.get("sections"))
        if stage == "hits":
            return themes.count_themes(cleaned, lexicon=self.lexicon(), sections=self.get("sections"), doc_id=did)
        if stage in ("emphasis-doc", "emphasis-section"):
            return themes.emphasis(self.get("hits"), self.get("sections"), cleaned.text,
                                   by=stage.split("-")[1], lexicon=self.lexicon())
        raise ValueError(f"unknown stage {stage!r}")

    _tokens_dep: dict = {}

    def _store(self, stage: str, value) -> None:
        deps = self._deps_of(stage)
        self._deps[stage] = deps
        if not self.cache.usable or stage == "tokens":
            return
        if stage == "cleaned":
            self.cache.put_bytes("cleaned", self.key(stage), _cleaned_json(value), deps=deps)
        else:
            self.cache.put_table(stage, self.key(stage), value, deps=deps)


def _cleaned_json(c) -> bytes:
    record = {"text": c.text, "edits": _rows(c.edits), "masks": _rows(c.masks)}
    return json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _rows(df) -> list:
    return [[v.item() if hasattr(v, "item") else v for v in row] for row in df.itertuples(index=False, name=None)]


def _cleaned_from_json(data: bytes, doc_id: str):
    """A :class:`~zhspeech.clean.Cleaned` rebuilt from its cached text, edit log and
    masks: the raw text is the log's exact inverse (``clean.restore``) and the offset
    maps of ``to_raw`` are rebuilt pass by pass from the logged edits."""
    import pandas as pd

    from . import clean

    record = json.loads(data.decode("utf-8", "surrogatepass"))
    text = record["text"]
    edits = pd.DataFrame([tuple(r) for r in record["edits"]], columns=clean.EDIT_COLUMNS)
    masks = pd.DataFrame([tuple(r) for r in record["masks"]], columns=clean.MASK_COLUMNS)
    c = clean.Cleaned(text=text, edits=edits, masks=masks, doc_id=doc_id, raw=clean.restore(text, edits))
    c._maps = _back_maps(edits)
    return c


def _back_maps(edits) -> list:
    """One offset map per cleaning pass, from the edit log: an edit logged at output
    offset ``at`` with ``before`` → ``after`` spans ``at - shift … + len(before)`` of
    that pass's input, ``shift`` being the growth of the pass's earlier edits."""
    from . import clean

    rows = edits[edits["pass"] >= 0] if len(edits) else edits
    passes: dict[int, list] = {}
    for p, at, before, after in zip(rows["pass"], rows["at"], rows["before"], rows["after"]):
        passes.setdefault(int(p), []).append((int(at), before, after))
    maps = []
    for p in range(max(passes) + 1 if passes else 0):
        shift, pass_edits = 0, []
        for at, before, after in passes.get(p, []):
            start = at - shift
            pass_edits.append((start, start + len(before), before, after, ""))
            shift += len(after) - len(before)
        maps.append(clean._BackMap(pass_edits))
    return maps


# -- tables of many documents -------------------------------------------------------------

def combine_terms(frames: list):
    """The term table of several documents from each one's own ``count_terms`` table,
    as ``stats.count_terms`` gives it for all of them at once: rows in document order;
    ``df`` (units — documents or sections — holding the term) summed over documents."""
    import pandas as pd

    from . import stats

    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=stats.TERM_COLUMNS + ["df"])
    table = pd.concat(frames, ignore_index=True)
    # Each document's rows of a term all carry that document's df: count it once.
    per_doc = table.drop_duplicates(["doc_id", "term"])
    table["df"] = table["term"].map(per_doc.groupby("term", sort=False)["df"].sum()).astype(int)
    return table
