"""Reading documents and corpora.

``load_document`` turns a file (.txt in any common Chinese encoding, .docx, .pdf with
a text layer, .md) into a :class:`Document`; ``load_corpus`` does so for a folder or a
manifest CSV and returns a :class:`Corpus` whose ``documents`` table has the columns

    doc_id, title, date, issuer, level, genre, path, chars, sha256, encoding, format

``path`` is shown relative to the project (or the shared corpus), never as an absolute
path of this machine. ``chars`` counts the code points of the raw text.
"""
from __future__ import annotations

import csv
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import paths
from .errors import DocumentError, EmptyCorpusError, UnsupportedFormatError, ZhspeechError

SUPPORTED = (".txt", ".md", ".docx", ".pdf")
META_FIELDS = ("title", "date", "issuer", "level", "genre")
DOCUMENT_COLUMNS = ["doc_id", *META_FIELDS, "path", "chars", "sha256", "encoding", "format"]
# Files that describe a corpus folder rather than belong to it.
NOT_TEXTS = re.compile(r"^(readme|sources|license|licence|changelog)(\.|$)", re.I)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n", re.S)
_COMMON = re.compile(r"[\x20-\x7e\n\u3000-\u303f\u4e00-\u9fff\uff01-\uff5e]+")
_SENTENCE_END = "。！？!?；;：:…”’」』）).\"'"


@dataclass
class Document:
    """One text as read from disk: ``raw`` is exactly what the file says."""

    doc_id: str
    raw: str
    meta: dict = field(default_factory=dict)
    path: Path | None = None
    encoding: str = "utf-8"
    format: str = "txt"
    sha256: str = ""
    # Undecodable bytes replaced by U+FFFD (read with errors="replace"):
    # (offset in raw, byte offset in the file, the bytes), logged as "decode" edits.
    replacements: list = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.meta.get("title", "")

    def record(self) -> dict:
        row = {"doc_id": self.doc_id}
        row.update({k: self.meta.get(k, "") for k in META_FIELDS})
        row.update(path=paths.display(self.path) if self.path else "", chars=len(self.raw),
                   sha256=self.sha256, encoding=self.encoding, format=self.format)
        return row


def _decode(data: bytes, path: Path, errors: str = "strict") -> tuple[str, str, list]:
    """Decode bytes as UTF-8 (BOM optional), UTF-16, GB18030 or Big5; return text,
    encoding and the replacements made (only with ``errors="replace"``)."""
    if not data or data.isspace():
        raise DocumentError(path, "empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        text, repl = _utf8(data[3:], path, errors, base=3)
        return text, "utf-8-sig", repl
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", path), "utf-16", []
    if b"\x00" in data:
        # UTF-16 without BOM has NULs in every ASCII character; anything else is binary.
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _looks_like_text(text):
                return text, enc, []
        nul = data.index(b"\x00")
        raise DocumentError(path, f"binary file (NUL byte at byte offset {nul}), not a text document")
    replacements: list = []
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        bad = _utf8_damage(data)
        if bad is not None:
            text, replacements = _utf8(data, path, errors)
            encoding = "utf-8"
        else:
            text, encoding = _decode_legacy(data, path, exc.start)
    if not _looks_like_text(text):
        raise DocumentError(path, f"binary or garbled content (decoded as {encoding} but mostly control characters)")
    return text, encoding, replacements


def _utf8_errors(data: bytes, limit: int) -> list[tuple[int, int]]:
    """Byte spans of invalid UTF-8 sequences, at most ``limit + 1`` of them."""
    spans, pos = [], 0
    while len(spans) <= limit:
        try:
            data[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            spans.append((pos + exc.start, pos + exc.end))
            pos += exc.end
    return spans


def _utf8_damage(data: bytes) -> list | None:
    """The invalid spans of UTF-8 text with a few damaged bytes, or None when the
    bytes are not UTF-8 at all (another encoding: nearly every character fails)."""
    non_ascii = sum(1 for b in data if b >= 0x80)
    limit = max(8, non_ascii // 100)
    spans = _utf8_errors(data, limit)
    if len(spans) > limit:
        return None
    # UTF-8 lead bytes outside the damage: the characters that did decode.
    bad = {i for s, e in spans for i in range(s, e)}
    decoded = sum(1 for i, b in enumerate(data) if b >= 0xC0 and i not in bad)
    return spans if decoded >= 10 * len(spans) else None


def _utf8(data: bytes, path: Path, errors: str, base: int = 0) -> tuple[str, list]:
    """Decode UTF-8; damaged bytes raise (naming the first byte offset) unless
    ``errors="replace"``, which puts U+FFFD in their place and lists each one."""
    spans = _utf8_errors(data, len(data))
    if not spans:
        return data.decode("utf-8"), []
    if errors != "replace":
        first = spans[0][0]
        more = f" and {len(spans) - 1} more" if len(spans) > 1 else ""
        raise DocumentError(path, f"undecodable byte 0x{data[first]:02x} at byte offset {first + base}{more} "
                                  "in UTF-8 text; read it anyway with --encoding-errors replace")
    pieces, replacements, pos, length = [], [], 0, 0
    for start, end in spans:
        good = data[pos:start].decode("utf-8")
        pieces.append(good)
        length += len(good)
        replacements.append((length, start + base, data[start:end]))
        pieces.append("\ufffd")
        length += 1
        pos = end
    pieces.append(data[pos:].decode("utf-8"))
    return "".join(pieces), replacements


def _strict(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentError(path, f"undecodable bytes at byte offset {exc.start} for {encoding}") from None


def _decode_legacy(data: bytes, path: Path, utf8_offset: int = 0) -> tuple[str, str]:
    candidates = {}
    for enc in ("gb18030", "big5"):
        try:
            candidates[enc] = data.decode(enc)
        except UnicodeDecodeError:
            pass
    if not candidates:
        raise DocumentError(path, "undecodable bytes: not UTF-8, UTF-16, GB18030/GBK or Big5 "
                                  f"(first invalid UTF-8 at byte offset {utf8_offset})")
    if len(candidates) == 1:
        return next(iter(candidates.items()))[::-1]
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(candidates)).best()
    enc = "gb18030" if best is None else best.encoding.replace("_", "")
    enc = "big5" if enc.startswith("big5") else "gb18030"
    return candidates[enc], enc


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    sample = text[:20000]
    # Only characters outside the common ranges (ASCII, CJK, CJK punctuation, full-width
    # forms) can be control, private-use, surrogate or unassigned: look at those alone.
    # Each distinct character is classified once (quotes and dashes recur by the thousand).
    bad = sum(n for ch, n in _rare_chars(sample).items()
              if unicodedata.category(ch) in ("Cc", "Co", "Cs", "Cn") and ch not in "\n\r\t\f")
    return bad / len(sample) < 0.02


_COMMON_TABLE: list = []


def _rare_chars(sample: str) -> dict[str, int]:
    """The characters of ``sample`` outside the common ranges (what ``_COMMON.sub("",
    sample)`` leaves), each with its count; found with one table lookup per character
    instead of the regex engine."""
    import numpy as np

    if not _COMMON_TABLE:
        table = np.zeros(0x110000, dtype=bool)
        for lo, hi in ((0x20, 0x7E), (0x0A, 0x0A), (0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF01, 0xFF5E)):
            table[lo:hi + 1] = True  # as _COMMON
        _COMMON_TABLE.append(table)
    codes = np.frombuffer(sample.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    rare, counts = np.unique(codes[~_COMMON_TABLE[0].take(codes)], return_counts=True)
    return dict(zip(map(chr, rare.tolist()), counts.tolist()))


def _front_matter(text: str, path: Path) -> tuple[dict, str]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    import yaml

    from .lexicons import parse_yaml

    try:
        meta = parse_yaml(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(path, f"malformed YAML front matter: {str(exc).splitlines()[0]}") from None
    if not isinstance(meta, dict):
        raise DocumentError(path, "YAML front matter must be a mapping of field: value")
    return {k: str(v) for k, v in meta.items() if v is not None}, text[m.end():]


def _read_docx(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for bad zips
        raise DocumentError(path, f"not a readable .docx ({type(exc).__name__})") from None
    return "\n".join(p.text for p in document.paragraphs)


def _read_pdf(path: Path) -> str:
    import logging

    import pdfplumber

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
    except Exception as exc:  # pdfminer raises many types for damaged files
        raise DocumentError(path, f"not a readable PDF ({type(exc).__name__})") from None
    lines = [ln.strip() for page in pages for ln in page.splitlines()]
    if not any(lines):
        raise DocumentError(path, "PDF has no text layer (a scan?); run OCR first")
    return rejoin_lines(lines)


def rejoin_lines(lines: list[str]) -> str:
    """Join lines that a PDF broke inside a paragraph.

    A line continues onto the next one unless it ends with sentence-final punctuation
    or is short enough to be a heading (under 60% of the typical line length).
    """
    lines = [ln for ln in lines if ln]
    if not lines:
        return ""
    typical = sorted(len(ln) for ln in lines)[len(lines) * 3 // 4]
    out = [lines[0]]
    for ln in lines[1:]:
        prev = out[-1]
        ends = prev[-1] in _SENTENCE_END
        short = len(prev.splitlines()[-1]) < 0.6 * typical
        if ends or short:
            out.append(ln)
        else:
            # Latin words broken across lines need their space back; Chinese does not.
            glue = " " if prev[-1].isascii() and prev[-1].isalnum() and ln[0].isascii() and ln[0].isalnum() else ""
            out[-1] = prev + glue + ln
    return "\n".join(out)


def _read_markdown(text: str) -> str:
    return re.sub(r"(?m)^#{1,6}[ \t]+", "", text)


def load_document(path, *, doc_id: str | None = None, meta: dict | None = None,
                  errors: str = "strict") -> Document:
    """Read one file into a :class:`Document`.

    Args:
        path: a .txt (UTF-8 with or without BOM, UTF-16, GB18030/GBK or Big5), .md,
            .docx or .pdf (with a text layer) file.
        doc_id: identifier to use; defaults to the file name without extension.
        meta: metadata (title, date, issuer, level, genre) that overrides what is
            found in YAML front matter or inferred (title = first non-empty line).
        errors: ``"strict"`` rejects UTF-8 text with damaged bytes, naming the first
            byte offset; ``"replace"`` reads it with U+FFFD in their place and lists
            each replacement in ``Document.replacements`` (logged as "decode" edits).

    Raises:
        UnsupportedFormatError: the extension is not one of .txt .md .docx .pdf.
        DocumentError: the file is missing, empty, binary, undecodable, or a PDF
            without a text layer.

    Example:
        >>> doc = load_document(paths.sample_speech())
        >>> doc.encoding
        'utf-8'
    """
    path, data, raw, encoding, found, replaced = _read(path, errors, "load_document")
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    info = {k: v for k, v in found.items() if k in META_FIELDS}
    info.update({k: v for k, v in (meta or {}).items() if v not in (None, "") and not _isnan(v)})
    if not info.get("title"):
        info["title"] = infer_title(raw)
    if replaced:
        # Front matter or Markdown marks removed: find the replacements where they now sit.
        at = [i for i, ch in enumerate(raw) if ch == "\ufffd"]
        if len(at) == len(replaced):
            replaced = [(i, b, bad) for i, (_, b, bad) in zip(at, replaced)]
    return Document(doc_id=doc_id or _slug(path.stem), raw=raw, meta=info, path=path,
                    encoding=encoding, format=suffix.lstrip("."), sha256=digest, replacements=replaced)


def read_raw(path, *, errors: str = "strict") -> str:
    """The text of a file, exactly ``load_document(path, errors=errors).raw`` (and
    the same errors for a bad file), without its metadata, title or checksum: for a
    pass that only looks at the text (the corpus store's scan for repeated lines)."""
    return _read(path, errors, "read_raw")[2]


def _read(path, errors: str, caller: str):
    """``(path, bytes, raw text, encoding, front-matter fields, replacements)`` of a
    file, every check of :func:`load_document` made."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"{caller} expects a path, got {type(path).__name__}")
    if errors not in ("strict", "replace"):
        raise ValueError("errors must be 'strict' or 'replace'")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise UnsupportedFormatError(path, f"unsupported file type {suffix or '(none)'}; "
                                           f"zhspeech reads {', '.join(SUPPORTED)}")
    if path.is_dir():
        raise DocumentError(path, "is a folder, not a file")
    if not path.is_file():
        raise DocumentError(path, "no such file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(path, f"cannot read ({exc.strerror or type(exc).__name__})") from None
    if not data or data.isspace():
        raise DocumentError(path, "empty file")
    encoding, found, replaced = "utf-8", {}, []
    if suffix == ".docx":
        raw = _read_docx(path)
    elif suffix == ".pdf":
        raw = _read_pdf(path)
    else:
        raw, encoding, replaced = _decode(data, path, errors)
        found, raw = _front_matter(raw, path)
        if suffix == ".md":
            raw = _read_markdown(raw)
    if not raw or raw.isspace():  # as ``not raw.strip()``, without copying the text
        raise DocumentError(path, "no text in file")
    return path, data, raw, encoding, found, replaced


def _isnan(value) -> bool:
    return isinstance(value, float) and value != value


def infer_title(raw: str) -> str:
    """The first non-empty line once the boilerplate rules (``boilerplate.yaml``: a
    platform's advert or watermark at the top) have removed theirs."""
    from .clean import remove_boilerplate

    # Lines are read from the start of the text only; the last line of that start may
    # be cut, so it counts only when the start is the whole text.
    head = raw[:4096]
    lines = head.splitlines()
    if len(head) < len(raw):
        lines = lines[:-1]
    lines = remove_boilerplate("\n".join(lines))[0].split("\n")
    for line in lines:
        if line.strip():
            return line.strip()[:80]
    if len(head) == len(raw):
        return ""
    for line in raw.splitlines():
        if line.strip():
            return line.strip()[:80]
    return ""


def _slug(stem: str) -> str:
    slug = re.sub(r"\s+", "-", stem.strip())
    return slug or "doc"


@dataclass
class Corpus:
    """Documents read from a folder or manifest, with a ``documents`` table and, when
    loaded with ``errors="collect"``, a ``problems`` table (path, error, cause)."""

    docs: dict[str, Document]
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["path", "error", "cause"]))
    source: str = ""

    @property
    def documents(self) -> pd.DataFrame:
        return pd.DataFrame([d.record() for d in self.docs.values()], columns=DOCUMENT_COLUMNS)

    def __iter__(self):
        return iter(self.docs.values())

    def __len__(self) -> int:
        return len(self.docs)

    def __getitem__(self, doc_id: str) -> Document:
        return self.docs[doc_id]


_DATE = re.compile(r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?")


def _read_manifest(path: Path) -> dict[str, dict]:
    """The rows of a manifest CSV by id. An id listed twice is an error (which row
    would be meant?); a date that is not YYYY, YYYY-MM or YYYY-MM-DD is warned about."""
    import warnings

    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DocumentError(path, f"unreadable manifest ({exc})") from None
    if rows and "id" not in rows[0][1] and "doc_id" not in rows[0][1]:
        raise DocumentError(path, "manifest needs an 'id' (or 'doc_id') column")
    out, lines = {}, {}
    for line, row in rows:
        key = (row.get("id") or row.get("doc_id") or "").strip()
        if not key:
            continue
        if key in out:
            raise DocumentError(path, f"line {line}: id {key!r} is listed twice (first on line {lines[key]})")
        date = str(row.get("date") or "").strip()
        if date and not _DATE.fullmatch(date):
            warnings.warn(f"{path}: line {line}: date {date!r} of {key} is not YYYY, YYYY-MM or YYYY-MM-DD; "
                          "kept as written; a year is read only from its first four digits", stacklevel=2)
        out[key], lines[key] = row, line
    return out


def load_corpus(source, *, errors: str = "raise", recursive: bool = False, manifest=None,
                encoding_errors: str = "strict") -> Corpus:
    """Read every supported file of a folder, or the files a manifest CSV lists.

    Metadata comes from the manifest (columns id, title, date, issuer, level, genre and
    optionally path), else from YAML front matter, else it is inferred (title = first
    line). A folder's own ``manifest.csv`` is used when present. Files named README,
    SOURCES, LICENSE or CHANGELOG describe a folder and are not read as texts.

    Args:
        source: a folder, or a manifest CSV whose rows name files by ``path`` or by
            ``id`` (``<id>.txt`` etc. next to the manifest).
        errors: ``"raise"`` stops at the first bad file; ``"collect"`` loads the good
            files and lists the others in ``Corpus.problems``.
        recursive: also read sub-folders.
        encoding_errors: passed to :func:`load_document` as ``errors``.
        manifest: a manifest CSV to take the metadata of a folder's files from, when
            it is not the folder's own ``manifest.csv``.

    Raises:
        EmptyCorpusError: no readable text was found.
    """
    if errors not in ("raise", "collect"):
        raise ValueError("errors must be 'raise' or 'collect'")
    source = Path(source)
    docs: dict[str, Document] = {}
    problems = []
    for path, doc_id, row in list_documents(source, recursive=recursive, manifest=manifest):
        try:
            doc = load_document(path, doc_id=doc_id, meta={k: row.get(k, "") for k in META_FIELDS},
                                errors=encoding_errors)
        except ZhspeechError as exc:
            if errors == "raise":
                raise
            problems.append({"path": paths.display(path), "error": type(exc).__name__, "cause": exc.cause})
            continue
        docs[doc_id] = doc
    if not docs:
        what = "; ".join(f"{p['path']}: {p['cause']}" for p in problems[:3])
        raise EmptyCorpusError(source, "no readable texts" + (f" ({what})" if what else
                                                              f" (looked for {', '.join(SUPPORTED)})"))
    return Corpus(docs=docs, problems=pd.DataFrame(problems, columns=["path", "error", "cause"]),
                  source=paths.display(source))


def list_documents(source, *, recursive: bool = False, manifest=None) -> list[tuple[Path, str, dict]]:
    """The files :func:`load_corpus` reads, without reading them: ``(path, doc_id,
    manifest row)`` for each, in order. Same arguments as :func:`load_corpus`."""
    source = Path(source)
    if not source.exists():
        raise EmptyCorpusError(source, "no such file or folder")
    if source.is_file() and source.suffix.lower() == ".csv":
        meta_rows = _read_manifest(source)
        folder = source.parent
        files = []
        for key, row in meta_rows.items():
            rel = (row.get("path") or "").strip()
            if rel:
                files.append(folder / rel)
            else:
                hits = sorted(p for p in folder.glob(f"{glob_escape(key)}.*") if p.suffix.lower() in SUPPORTED)
                files.append(hits[0] if hits else folder / f"{key}.txt")
    elif source.is_file():
        files = [source]
        meta_rows = {}
    else:
        folder = source
        try:
            with os.scandir(folder) as entries:
                next(entries, None)
        except OSError as exc:
            raise DocumentError(folder, f"cannot read folder ({exc.strerror or type(exc).__name__})") from None
        own = Path(manifest) if manifest is not None else folder / "manifest.csv"
        meta_rows = _read_manifest(own) if own.is_file() else {}
        pattern = "**/*" if recursive else "*"
        files = sorted(p for p in folder.glob(pattern)
                       if p.is_file() and p.suffix.lower() in SUPPORTED and not NOT_TEXTS.match(p.name))
    out: list[tuple[Path, str, dict]] = []
    taken: set[str] = set()
    stems: dict[str, int] = {}
    for path in files:
        stems[_slug(path.stem)] = stems.get(_slug(path.stem), 0) + 1
    for path in files:
        key = _slug(path.stem)
        # Files that share a stem (x.txt, x.md) get the extension in their id; a
        # manifest row then has to name them that way (x-txt, x-md).
        doc_id = key if stems[key] == 1 else f"{key}-{path.suffix.lower().lstrip('.')}"
        n = 2
        while doc_id in taken:
            doc_id = f"{key}-{n}"
            n += 1
        taken.add(doc_id)
        out.append((path, doc_id, meta_rows.get(doc_id) or {}))
    unused = sorted(set(meta_rows) - taken) if source.is_dir() else []
    if unused:
        import warnings

        shown = ", ".join(unused[:5]) + (f" and {len(unused) - 5} more" if len(unused) > 5 else "")
        warnings.warn(f"{own}: {len(unused)} row(s) name no file in {folder}: {shown}", stacklevel=2)
    return out


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def load_group(folder) -> Corpus:
    """A folder of texts whose manifest is its own ``manifest.csv`` or, as in the shared
    corpus (``texts/`` with ``manifest.csv`` beside it), the one in its parent folder."""
    folder = Path(folder)
    manifest = next((m for m in (folder / "manifest.csv", folder.parent / "manifest.csv") if m.is_file()), None)
    return load_corpus(folder, manifest=manifest)


def load_shared_corpus(which: str = "all", *, required: bool = False) -> Corpus | None:
    """The comparable corpus of ../shared/corpus: ``"texts"``, ``"speeches"`` or ``"all"``.

    Returns None when the folder is absent, unless ``required``.
    """
    base = paths.corpus_dir()
    parts = {"texts": ["texts"], "speeches": ["speeches"], "all": ["texts", "speeches"]}[which]
    if not (base / parts[0]).is_dir():
        if required:
            raise EmptyCorpusError(base, "comparable corpus folder not found; set ZHSPEECH_CORPUS_DIR")
        return None
    docs = {}
    for part in parts:
        for doc in load_group(base / part):
            docs[doc.doc_id] = doc
    return Corpus(docs=docs, source="corpus")
