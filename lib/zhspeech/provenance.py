"""How a result was made: one provenance record for reports, exports and papers.

``record(...)`` returns a plain, JSON-serialisable dict:

* ``zhspeech``: version, and the git commit (with a ``dirty`` flag) when run from a checkout;
* ``python`` and ``packages``: the versions of Python and of the packages that shape the
  numbers (jieba, rjieba, pandas, numpy, OpenCC, pyahocorasick, charset-normalizer);
* ``tokenizer``: backend, HMM, the user dictionary's path, entries and sha256, the
  stopword list's sha256;
* ``lexicons``: every rule file of ``data/lexicons/`` (or the files given instead) with
  its path, version (the ``version:`` key or a ``# version:`` comment, empty if none) and
  sha256;
* ``inputs``: each input's name, path, sha256 of its bytes, detected encoding, format,
  characters as read (``chars``), characters after cleaning (``chars_clean``) and CJK
  ideographs after cleaning (``hanzi``);
* ``reference`` (when asked): the derived comparable-corpus tables used, with hashes;
* ``parameters``, ``statistics`` (name and formula of each measure reported), and
  ``created`` (UTC, to the second).

The HTML reports end with :func:`to_html` of it, exports carry it (see
:mod:`zhspeech.export`), and :func:`methods_text` turns it into the methods paragraph
of a paper. Hashes are full sha256 hex digests, so they can be checked with
``sha256sum``.
"""
from __future__ import annotations

import hashlib
import html
import json
import platform
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from . import __version__, paths

RECORD_VERSION = 1
PACKAGES = ("jieba", "rjieba", "pandas", "numpy", "opencc", "pyahocorasick", "charset-normalizer")
LEXICON_SUFFIXES = (".txt", ".tsv", ".csv", ".yaml", ".yml")
_VERSION_KEY = re.compile(r"^version\s*:\s*[\"']?([^\"'\n#]*?)[\"']?\s*(?:#.*)?$", re.M)
_VERSION_COMMENT = re.compile(r"^#\s*version\s*:\s*(\S+)\s*$", re.M)

# The measures zhspeech reports, each with its formula (English, Chinese). Keys are the
# column names of the tables they appear in.
FORMULAS = {
    "n": ("n = occurrences of the term among counted tokens",
          "n = 该词在计数词元中的出现次数"),
    "per_10k": ("per_10k = n / counted tokens of the unit × 10,000",
                "per_10k = n ÷ 该单位计数词元总数 × 10,000"),
    "per_1k_hanzi": ("per_1k_hanzi = theme hits / hanzi of the unit × 1,000",
                     "per_1k_hanzi = 主题命中数 ÷ 该单位汉字数 × 1,000"),
    "sentence_share": ("sentence_share = sentences with at least one hit of the theme / sentences of the unit",
                       "sentence_share = 含该主题命中的句子数 ÷ 该单位句子数"),
    "hit_share": ("hit_share = hits of the theme / hits of all themes in the unit",
                  "hit_share = 该主题命中数 ÷ 该单位全部主题命中数"),
    "g2": ("G² = 2 Σ O·ln(O/E) over the 2×2 table of target and reference counts, signed + when the "
           "target uses the term more (Rayson & Garside 2000)",
           "G² = 2 Σ O·ln(O/E)（目标与参照语料 2×2 列联表），目标更常用时取正号（Rayson & Garside 2000）"),
    "log_ratio": ("Log Ratio = log2((a/Nt) / (b/Nr)), a zero count replaced by 0.5 (Hardie 2014)",
                  "Log Ratio = log2((a/Nt) ÷ (b/Nr))，零频以 0.5 代替（Hardie 2014）"),
    "similarity": ("similarity = cosine of the documents' per_10k term vectors",
                   "similarity = 两文本 per_10k 词频向量的余弦"),
}
DEFAULT_STATISTICS = ("n", "per_10k", "per_1k_hanzi", "sentence_share", "hit_share", "g2", "log_ratio")


def sha256_file(path) -> str:
    """Full sha256 hex digest of a file's bytes (what ``sha256sum`` prints)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _package_versions() -> dict:
    from importlib import metadata

    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit(root=None) -> dict | None:
    """``{"commit": sha, "dirty": bool}`` when ``root`` (the project) is a git checkout
    and git is available; None otherwise (an installed wheel, no git)."""
    root = Path(root) if root is not None else paths.project_root()
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, stdin=subprocess.DEVNULL)
        if head.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}


def lexicon_version(path) -> str:
    """The version a rule file declares: a ``version:`` key (YAML) or a ``# version:``
    comment line; empty when it declares none (its sha256 still identifies it)."""
    p = Path(path)
    pattern = _VERSION_KEY if p.suffix in (".yaml", ".yml") else _VERSION_COMMENT
    m = pattern.search(p.read_text(encoding="utf-8-sig", errors="replace"))
    return m.group(1).strip() if m else ""


def lexicon_entry(path, name: str | None = None) -> dict:
    p = Path(path)
    return {"name": name or p.name, "path": paths.display(p), "version": lexicon_version(p),
            "sha256": sha256_file(p)}


def _lexicons(overrides: dict | None) -> list[dict]:
    """Every rule file of the lexicon folder, with ``overrides`` (name → path) replacing
    the bundled file of that name or adding a user file."""
    from .errors import LexiconError

    files = {p.name: p for p in sorted(paths.lexicon_dir().iterdir())
             if p.is_file() and p.suffix in LEXICON_SUFFIXES} if paths.lexicon_dir().is_dir() else {}
    for name, given in (overrides or {}).items():
        if given in (None, ""):
            continue
        p = Path(given)
        if not p.is_file():
            raise LexiconError(p, "no such file")
        files[name] = p
    return [lexicon_entry(p, name) for name, p in files.items()]


def _tokenizer_entry(tokenizer) -> dict:
    from . import tokenize

    if tokenizer is None or isinstance(tokenizer, str):
        tokenizer = tokenize.default_tokenizer(tokenizer or "rjieba")
    ud = tokenizer.userdict
    return {"backend": tokenizer.backend, "hmm": bool(tokenizer.hmm),
            "userdict": paths.display(ud.path) if ud.path else "",
            "userdict_entries": len(ud.entries),
            "userdict_sha256": sha256_file(ud.path) if ud.path else "",
            "stopwords": len(tokenizer.stopwords),
            "stopwords_sha256": hashlib.sha256("\n".join(sorted(tokenizer.stopwords)).encode()).hexdigest()}


def _documents(item) -> list:
    """(document, cleaned or None) pairs of an input: a path (file or folder), a
    Document, or an Analysis."""
    from . import corpus
    from .errors import DocumentError

    if hasattr(item, "cleaned") and hasattr(item, "document"):      # pipeline.Analysis
        return [(item.document, item.cleaned)] if item.document is not None else []
    if isinstance(item, corpus.Document):
        return [(item, None)]
    p = Path(item)
    if p.is_dir():
        return [(d, None) for d in corpus.load_corpus(p)]
    if not p.exists():
        raise DocumentError(p, "no such file or folder")
    return [(corpus.load_document(p), None)]


def input_entry(document, cleaned=None) -> dict:
    """Name, path, sha256, encoding, format and character counts of one document."""
    from . import clean
    from .structure import count_hanzi

    if cleaned is None:
        cleaned = clean.clean_text(document.raw, doc_id=document.doc_id)
    path = document.path
    digest = document.sha256 or (sha256_file(path) if path else hashlib.sha256(document.raw.encode()).hexdigest())
    return {"name": Path(path).name if path else document.doc_id, "doc_id": document.doc_id,
            "path": paths.display(path) if path else "", "sha256": digest, "encoding": document.encoding,
            "format": document.format, "chars": len(document.raw), "chars_clean": len(cleaned.text),
            "hanzi": count_hanzi(cleaned.text)}


def _reference_entry() -> dict:
    folder = paths.reference_dir()
    files = {p.name: sha256_file(p) for p in sorted(folder.glob("*")) if p.is_file()} if folder.is_dir() else {}
    meta = {}
    if (folder / "meta.json").is_file():
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return {"path": paths.display(folder), "documents": meta.get("documents"),
            "lexicon_version": meta.get("lexicon_version"), "files": files}


def _plain(value):
    """Parameters as JSON values (paths and other objects as strings)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Path):
        return paths.display(value)
    return str(value)


def _unreadable(item, exc) -> list[dict]:
    """The entry of an input that could not be read: what is known, and why."""
    p = Path(str(item))
    return [{"name": p.name, "doc_id": "", "path": paths.display(p) if p.exists() else str(item),
             "sha256": sha256_file(p) if p.is_file() else "", "encoding": "", "format": p.suffix.lstrip("."),
             "chars": None, "chars_clean": None, "hanzi": None, "error": exc.cause}]


def record(inputs=(), *, parameters: dict | None = None, tokenizer=None, lexicons: dict | None = None,
           statistics=None, reference: bool = False, command: str = "", now: datetime | None = None,
           unreadable: str = "raise") -> dict:
    """The provenance record of a run.

    Args:
        inputs: files, folders, :class:`~zhspeech.corpus.Document` or
            :class:`~zhspeech.pipeline.Analysis` objects (an Analysis gives its cleaned
            text, so nothing is cleaned twice).
        parameters: the options of the run (any JSON-able values; paths shown
            relative to the project).
        tokenizer: a :class:`~zhspeech.tokenize.Tokenizer` or a backend name
            (default: the jieba tokenizer with the bundled dictionary).
        lexicons: rule files used instead of (or besides) the bundled ones, as
            name → path, e.g. ``{"themes.yaml": "my_themes.yaml"}``.
        statistics: names of the measures reported (keys of :data:`FORMULAS`);
            default: all of :data:`DEFAULT_STATISTICS`.
        reference: include the comparable-corpus tables of ``data/reference/``.
        command: what was run (``zhspeech freq …`` or a notebook name).
        now: the time to record (default: now, UTC).
        unreadable: ``"raise"`` (default) or ``"record"``: an input that cannot be read
            is then an entry with its ``error`` (a report of a failing notebook still
            says what it was given).

    Raises:
        DocumentError / LexiconError: an input or lexicon file does not exist or
            cannot be read (the same one-line errors as everywhere else).
    """
    if isinstance(inputs, (str, Path)) or hasattr(inputs, "raw") or hasattr(inputs, "cleaned"):
        inputs = [inputs]
    from .errors import ZhspeechError

    entries = []
    for item in inputs:
        try:
            entries.extend(input_entry(d, c) for d, c in _documents(item))
        except ZhspeechError as exc:
            if unreadable != "record":
                raise
            entries.extend(_unreadable(item, exc))
    stats = list(DEFAULT_STATISTICS if statistics is None else statistics)
    unknown = [s for s in stats if s not in FORMULAS]
    if unknown:
        raise ValueError(f"unknown statistics {unknown}; known: {', '.join(FORMULAS)}")
    rec = {
        "record_version": RECORD_VERSION,
        "created": (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds"),
        "command": command,
        "zhspeech": {"version": __version__, "git": git_commit()},
        "python": platform.python_version(),
        "packages": _package_versions(),
        "tokenizer": _tokenizer_entry(tokenizer),
        "lexicons": _lexicons(lexicons),
        "inputs": entries,
        "parameters": _plain(parameters or {}),
        "statistics": [{"name": s, "formula": FORMULAS[s][0]} for s in stats],
    }
    if reference:
        rec["reference"] = _reference_entry()
    return rec


def flatten(rec: dict, prefix: str = "") -> list[tuple[str, str]]:
    """The record as (key, value) rows — ``inputs.0.sha256`` — for a spreadsheet sheet."""
    rows = []
    if isinstance(rec, dict):
        for k, v in rec.items():
            rows.extend(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(rec, list):
        if not rec:
            rows.append((prefix, "[]"))
        for i, v in enumerate(rec):
            rows.extend(flatten(v, f"{prefix}.{i}"))
    else:
        rows.append((prefix, "" if rec is None else json.dumps(rec, ensure_ascii=False)
                     if isinstance(rec, bool) else str(rec)))
    return rows


# -- the methods paragraph -------------------------------------------------------------------

def _cleaning_steps() -> tuple[str, str]:
    from .clean import STEPS

    en = {"boilerplate": "removal of platform boilerplate and watermark lines (boilerplate.yaml)",
          "newlines": "normalisation of line breaks and zero-width characters",
          "width": "full-width Latin letters and digits to half-width",
          "layout": "normalisation of spaces and layout whitespace",
          "simplify": "paragraphs written in traditional script converted to simplified (OpenCC t2s)",
          "corrections": "typo and OCR corrections (corrections.tsv)"}
    zh = {"boilerplate": "删除平台广告与水印行（boilerplate.yaml）", "newlines": "统一换行符并删除零宽字符",
          "width": "全角字母数字转半角", "layout": "规范空格与版式空白",
          "simplify": "以繁体书写的段落转为简体（OpenCC t2s）", "corrections": "错别字与 OCR 错误校正（corrections.tsv）"}
    return ("; ".join(en.get(s, s) for s in STEPS), "；".join(zh.get(s, s) for s in STEPS))


def _short(sha: str) -> str:
    return sha[:16]


def methods_text(rec: dict, lang: str = "en") -> str:
    """A methods paragraph for a paper, in English (``"en"``) or Chinese (``"zh"``),
    built only from the record (and the cleaning steps and formulas in the code)."""
    if lang not in ("en", "zh"):
        raise ValueError("lang must be 'en' or 'zh'")
    z, tok = rec["zhspeech"], rec["tokenizer"]
    commit = f", commit {z['git']['commit'][:12]}" if z.get("git") else ""
    pk = rec["packages"]
    steps_en, steps_zh = _cleaning_steps()
    lex = rec["lexicons"]
    inputs = [i for i in rec["inputs"] if not i.get("error")]
    en_inputs = "; ".join(f"{i['name']} ({i['encoding']}, {i['chars']} characters as received, {i['hanzi']} "
                          f"Chinese characters after cleaning, sha256 {i['sha256']})" for i in inputs)
    zh_inputs = "；".join(f"{i['name']}（{i['encoding']} 编码，原文 {i['chars']} 字符，清洗后汉字 {i['hanzi']} 个，"
                          f"sha256 {i['sha256']}）" for i in inputs)
    en_lex = "; ".join(f"{e['name']}" + (f" version {e['version']}" if e["version"] else "")
                       + f" (sha256 {_short(e['sha256'])}…)" for e in lex)
    zh_lex = "；".join(f"{e['name']}" + (f" 版本 {e['version']}" if e["version"] else "")
                       + f"（sha256 {_short(e['sha256'])}…）" for e in lex)
    names = [s["name"] for s in rec["statistics"]]
    en_stats = "; ".join(FORMULAS[n][0] for n in names)
    zh_stats = "；".join(FORMULAS[n][1] for n in names)
    ref = rec.get("reference")
    substring = rec.get("parameters", {}).get("method") == "substring"
    if lang == "en":
        parts = [
            f"Texts were analysed with zhspeech {z['version']}{commit} (Python {rec['python']}, "
            f"jieba {pk.get('jieba')}, rjieba {pk.get('rjieba')}, pandas {pk.get('pandas')}, "
            f"OpenCC {pk.get('opencc')}) on {rec['created'][:10]}.",
            f"Inputs: {en_inputs}." if inputs else "",
            f"Each text was cleaned in logged, reversible steps: {steps_en}; redaction placeholders "
            "(redactions.yaml) were masked and excluded from every count.",
            f"Texts were segmented with {tok['backend']} (HMM {'on' if tok['hmm'] else 'off'}) and a domain "
            f"dictionary of {tok['userdict_entries']} terms (sha256 {_short(tok['userdict_sha256'])}…); every "
            "occurrence of a dictionary term is kept as one token, overlapping occurrences resolved so that the "
            "most terms stay whole.",
            f"Only word and Latin-letter tokens were counted; {tok['stopwords']} stopwords, numbers, punctuation "
            "and masked spans were not. " + (
                "Term frequencies count non-overlapping occurrences of each term in the cleaned text (substring "
                "convention)" if substring else "Term frequencies count tokens: a word inside a longer word "
                "(经济 in 经济社会) is not counted") + "; rates divide by all counted tokens of the unit. Length is measured in Chinese characters (CJK ideographs only); theme "
            "hits are leftmost-longest matches of the theme lexicon's terms in the cleaned text.",
            f"Rule files: {en_lex}.",
            (f"The comparable corpus is {ref['documents']} documents (derived tables in {ref['path']})."
             if ref else ""),
            f"Measures: {en_stats}.",
        ]
        return " ".join(p for p in parts if p)
    parts = [
        f"本研究使用 zhspeech {z['version']}{commit.replace(', commit', '，提交')}（Python {rec['python']}，"
        f"jieba {pk.get('jieba')}，rjieba {pk.get('rjieba')}，pandas {pk.get('pandas')}，OpenCC {pk.get('opencc')}）"
        f"于 {rec['created'][:10]} 进行分析。",
        f"输入文本：{zh_inputs}。" if inputs else "",
        f"每篇文本按可记录、可还原的步骤清洗：{steps_zh}；匿名化占位符（redactions.yaml）被遮蔽，不计入任何统计。",
        f"分词使用 {tok['backend']}（HMM {'开启' if tok['hmm'] else '关闭'}），并加载含 {tok['userdict_entries']} "
        f"个术语的领域词典（sha256 {_short(tok['userdict_sha256'])}…）；词典术语的每次出现均保持为一个词元，"
        "相互重叠的出现按“保持最多完整术语”的原则取舍。",
        f"只统计词语和拉丁字母词元；{tok['stopwords']} 个停用词、数字、标点和遮蔽片段不计入。"
        + ("词频按术语在清洗后文本中不重叠的出现次数计（子串口径）" if substring
           else "词频按词元计：长词中包含的词不单独计数（如“经济社会”中的“经济”）")
        + "；频率的分母为该单位全部计数词元。篇幅以汉字数（仅 CJK 表意文字）"
        "计量；主题命中为主题词表术语在清洗后文本中的最左最长匹配。",
        f"规则文件：{zh_lex}。",
        f"参照语料为 {ref['documents']} 篇文本（派生表位于 {ref['path']}）。" if ref else "",
        f"统计量：{zh_stats}。",
    ]
    return "".join(p for p in parts if p)


# -- HTML ------------------------------------------------------------------------------------

def _table(headers, rows) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    def cell(v):
        text = html.escape("" if v is None else str(v))
        if _HEX64.fullmatch(text):
            return f"<td class=\"h\"><code>{text}</code></td>"
        return f"<td class=\"s\">{text}</td>" if len(text) < 30 else f"<td>{text}</td>"

    body = "".join("<tr>" + "".join(cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table class=\"zs-prov\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_HEX64 = re.compile(r"[0-9a-f]{64}")


def when(rec: dict) -> str:
    """The record's time as people read it: ``2026-11-28 08:35:37 UTC``."""
    return datetime.fromisoformat(rec["created"]).strftime("%Y-%m-%d %H:%M:%S UTC")


def to_html(rec: dict) -> str:
    """The "Methods and provenance" section of an HTML report."""
    z = rec["zhspeech"]
    git = z.get("git")
    commit = (f", commit <code>{html.escape(git['commit'])}</code>" + (" (uncommitted changes)" if git["dirty"] else "")
              if git else "")
    tok = rec["tokenizer"]
    inputs = _table(["input", "sha256", "encoding", "chars", "chars after cleaning", "hanzi"],
                    [(i["path"] or i["name"], i["sha256"], i["encoding"] or f"unreadable: {i.get('error')}",
                      i["chars"], i["chars_clean"], i["hanzi"]) for i in rec["inputs"]]) \
        if rec["inputs"] else "<p>No input document.</p>"
    lex = _table(["lexicon", "path", "version", "sha256"],
                 [(e["name"], e["path"], e["version"], e["sha256"]) for e in rec["lexicons"]])
    env = _table(["", ""], [("Python", rec["python"]), *[(k, v) for k, v in rec["packages"].items()],
                            ("tokenizer", f"{tok['backend']}, HMM {tok['hmm']}"),
                            ("user dictionary", f"{tok['userdict']} ({tok['userdict_entries']} entries)"),
                            ("user dictionary sha256", tok["userdict_sha256"]),
                            ("stopwords", f"{tok['stopwords']} words"),
                            ("stopwords sha256", tok["stopwords_sha256"])])
    params = _table(["parameter", "value"], [(k, json.dumps(v, ensure_ascii=False)) for k, v in
                                             rec["parameters"].items()]) if rec["parameters"] else ""
    ref = rec.get("reference")
    ref_html = (f"<h3>Comparable corpus 参照语料</h3><p>{ref['documents']} documents, {html.escape(ref['path'])}</p>"
                + _table(["table", "sha256"], list(ref["files"].items()))) if ref else ""
    return (
        "<section id=\"methods-and-provenance\" class=\"zs-provenance\">\n"
        "<style>.zs-provenance{margin:2em auto 3em;max-width:70em;padding:0 1em;font-size:.9em}"
        ".zs-provenance table{border-collapse:collapse;margin:.5em 0}.zs-provenance td,.zs-provenance th"
        "{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left;font-family:inherit}"
        ".zs-provenance td{vertical-align:top}.zs-provenance td.h{word-break:break-all;font-size:.9em}.zs-provenance td.s{white-space:nowrap}</style>\n"
        "<h2>Methods and provenance 方法与来源</h2>\n"
        f"<p>Generated {when(rec)} by zhspeech {html.escape(z['version'])}{commit}"
        f"{' — ' + html.escape(rec['command']) if rec.get('command') else ''}.</p>\n"
        f"<h3>Inputs 输入</h3>{inputs}\n<h3>Lexicons 词表与规则</h3>{lex}\n"
        f"<h3>Software 软件</h3>{env}\n" + (f"<h3>Parameters 参数</h3>{params}\n" if params else "") + ref_html +
        f"<h3>Methods 方法</h3><p lang=\"zh-CN\">{html.escape(methods_text(rec, 'zh'))}</p>\n"
        f"<p lang=\"en\">{html.escape(methods_text(rec, 'en'))}</p>\n</section>\n")


# -- notebooks ---------------------------------------------------------------------------------

def notebook_parameters(nb, parameters: dict | None = None) -> dict:
    """The parameter values a notebook ran with: the literal assignments of its cell
    tagged ``parameters`` (and of papermill's injected cell), then ``parameters``."""
    import ast

    values = {}
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or not {"parameters", "injected-parameters"} & set(tags):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue          # a broken parameters cell: the notebook's own error says so
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    values[node.targets[0].id] = ast.literal_eval(node.value)
                except ValueError:
                    values[node.targets[0].id] = ast.get_source_segment(cell.source, node.value)
    values.update(parameters or {})
    return values


def _existing(value: str, folder: Path | None) -> Path | None:
    """Where a parameter value names an existing file or folder: in data/raw/, beside
    the notebook, in the project, or as given."""
    if not value or "\n" in value or len(value) > 1000:
        return None
    for base in (paths.raw_dir(), folder, paths.project_root(), None):
        p = Path(value) if base is None else Path(base) / value
        try:
            if p.exists():
                return p
        except OSError:
            return None
    return None


def notebook_record(nb, notebook=None, parameters: dict | None = None, *, now: datetime | None = None) -> dict:
    """The record of one executed notebook: its parameters, and as inputs every
    parameter that names an existing document (.txt .md .docx .pdf) or folder; any other
    existing file a parameter names is recorded as a rule file (``lexicon_file`` …)."""
    from .corpus import SUPPORTED

    folder = Path(notebook).parent if notebook else None
    params = notebook_parameters(nb, parameters)
    inputs, rules = [], {}
    for name, value in params.items():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            p = _existing(v, folder) if isinstance(v, str) else None
            if p is None:
                continue
            if p.is_dir() or p.suffix.lower() in SUPPORTED:
                inputs.append(p)
            else:
                rules[f"{p.name} ({name})"] = p
    source = "\n".join(c.source for c in nb.cells if c.get("cell_type") == "code")
    return record(inputs, parameters=params, lexicons=rules, reference="reference" in source,
                  command=f"zhspeech report: {Path(notebook).name if notebook else 'notebook'}", now=now,
                  unreadable="record")


def index_html(records: list[dict]) -> str:
    """The provenance block of ``reports/index.html``: date, zhspeech version and commit,
    and each input's sha256 (over all reports of the run)."""
    if not records:
        return ""
    first = records[0]
    z = first["zhspeech"]
    git = z.get("git")
    commit = f", commit <code>{html.escape(git['commit'][:12])}</code>" if git else ""
    seen = {}
    for rec in records:
        for i in rec["inputs"]:
            seen.setdefault((i["path"] or i["name"], i["sha256"]), i)
    rows = [(path, sha) for path, sha in seen]
    return ("<section id=\"methods-and-provenance\">\n<h2>Methods and provenance 方法与来源</h2>\n"
            f"<p>Generated {when(min(records, key=lambda r: r['created']))} by zhspeech "
            f"{html.escape(z['version'])}{commit}. Every report ends with its full record; all of them are in "
            "<a href=\"manifest.json\">manifest.json</a>.</p>\n"
            + (_table(["input 输入", "sha256"], rows) if rows else "") + "\n</section>\n")


def write_manifest(results, out) -> Path:
    """``out/manifest.json``: the record of every report of the run."""
    records = [r.provenance for r in results if r.provenance]
    manifest = {"created": min((r["created"] for r in records), default=""),
                "zhspeech": records[0]["zhspeech"] if records else {"version": __version__},
                "reports": [{"notebook": r.notebook, "html": Path(r.html).name if r.html else None, "ok": r.ok,
                             "error": r.error, "provenance": r.provenance} for r in results]}
    path = Path(out) / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path
