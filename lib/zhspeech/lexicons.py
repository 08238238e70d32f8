"""Loading and validating the reviewed data files of ``data/lexicons/``.

Every loader takes a path (default: the bundled file), checks it line by line and
raises :class:`~zhspeech.errors.LexiconError` naming the file and line or key that is
wrong. Nothing malformed is silently ignored. ``file_hash`` feeds the cache keys.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import paths
from .errors import LexiconError


def lexicon_file(path, default: str) -> Path:
    """The file to load: ``path``, or the bundled ``default``; it must exist."""
    p = Path(path) if path is not None else paths.lexicon(default)
    if not p.is_file():
        raise LexiconError(p, "no such file")
    return p


def cache_key(p: Path) -> tuple[str, float]:
    """``(resolved path, modification time)`` of a lexicon file: the key its loader
    caches on, so that an edited file is read again. The resolved path is remembered
    per file identity (:func:`zhspeech.paths.realpath`)."""
    st = p.stat()
    return str(paths.realpath(str(p), st.st_dev, st.st_ino)), st.st_mtime


# Rule files are small text files; the limit keeps a mistaken or hostile file from
# exhausting memory before it is validated.
MAX_BYTES = 16 * 1024 * 1024


def read_text(path: Path) -> str:
    """Read a lexicon as UTF-8, accepting a BOM and CRLF line endings."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LexiconError(path, f"too large for a rule file ({size:,} bytes; the limit is {MAX_BYTES:,})")
        data = path.read_bytes()
    except FileNotFoundError:
        raise LexiconError(path, "no such file") from None
    except IsADirectoryError:
        raise LexiconError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise LexiconError(path, f"cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LexiconError(f"{path}:{line}", f"not UTF-8 text (byte offset {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines(p: Path):
    """``(line number, content)`` of each line of a one-entry-a-line file that has
    something left once its ``#`` comment is cut off."""
    for n, line in enumerate(read_text(p).split("\n"), start=1):
        body = line.split("#", 1)[0].strip()
        if body:
            yield n, body


def file_hash(path) -> str:
    """sha256 of a file's bytes (first 16 hex digits), for cache keys and provenance."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _loader():
    """PyYAML's safe loader without aliases: ``*name`` may expand a few hundred bytes
    into gigabytes (nested aliases), and rule files have no use for it."""
    import yaml

    class Loader(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(
                    None, None, f"aliases (*{event.anchor}) are not allowed", event.start_mark)
            return super().compose_node(parent, index)

    return Loader


def parse_yaml(text: str):
    """Parse YAML safely (no Python objects, no aliases); raises ``yaml.YAMLError``."""
    import yaml

    return yaml.load(text, Loader=_loader())  # noqa: S506 - the loader is SafeLoader without aliases


def load_yaml(path: Path):
    import yaml

    text = read_text(path)
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LexiconError(where, f"malformed YAML ({problem})") from None


# jieba's part-of-speech tags (ICTCLAS-style), accepted in the user dictionary's tag column.
POS_TAGS = frozenset("""n nr nr1 nr2 nrj nrf nrt ns nsf nt nz nl ng t tg s f v vd vn vshi vyou vf vx vi vl vg
a ad an ag al b bl z r rr rz rzt rzs rzv ry ryt rys ryv rg m mq mg q qv qt d dg df p pba pbei c cc u
uzhe ule uguo ude1 ude2 ude3 usuo udeng uyy udh uls uzhi ulian ug ud uj ul uv uz e y o h k x xe xs xx xu
w l i j g eng""".split())

_HAN = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")


@dataclass(frozen=True)
class UserDict:
    """Domain dictionary entries: (word, freq, tag) with freq None meaning 'let the
    segmenter choose a frequency that keeps the word whole'."""

    entries: tuple
    path: str
    digest: str

    @property
    def words(self) -> list[str]:
        return [w for w, _, _ in self.entries]


@lru_cache(maxsize=16)
def _load_userdict(path: str, mtime: float) -> UserDict:
    p = Path(path)
    seen = {}
    entries = []
    for n, body in _lines(p):
        fields = body.split()
        word = fields[0]
        if not _HAN.match(word):
            raise LexiconError(f"{p}:{n}", f"word {word!r} must be Chinese characters only")
        if len(fields) > 3:
            raise LexiconError(f"{p}:{n}", f"expected 'word [freq] [tag]', got {len(fields)} fields")
        freq, tag = None, None
        for extra in fields[1:]:
            if extra.isdigit() and freq is None and tag is None:
                freq = int(extra)
            elif extra in POS_TAGS and tag is None:
                tag = extra
            else:
                raise LexiconError(f"{p}:{n}", f"malformed field {extra!r} (frequency must be a "
                                                 "whole number, tag a part-of-speech code)")
        if word in seen:
            raise LexiconError(f"{p}:{n}", f"duplicate word {word!r} (first on line {seen[word]})")
        seen[word] = n
        entries.append((word, freq, tag))
    return UserDict(tuple(entries), str(p), file_hash(p))


def overlapping_terms(words) -> list[tuple[str, str, str, str]]:
    """Pairs of dictionary terms that overlap without either containing the other:
    ``(left, right, joined, covered_by)``, where the end of ``left`` is the start of
    ``right`` (村集体经济 + 集体经济组织 → 村集体经济组织) and ``covered_by`` is a listed
    term containing ``joined`` ('' when there is none).

    Where ``joined`` occurs in a text and no listed term covers it, only one of the two
    can be a token there, so that occurrence counts for one term and not the other. A
    reviewed dictionary lists the compound (the check in tests/test_lexicons.py asks
    for ``covered_by`` on every pair of the bundled file).
    """
    words = sorted(set(words))
    by_prefix: dict[str, list[str]] = {}
    for w in words:
        for k in range(1, len(w)):
            by_prefix.setdefault(w[:k], []).append(w)
    out = []
    for left in words:
        for k in range(1, len(left)):
            suffix = left[k:]
            for right in by_prefix.get(suffix, ()):
                if right == left or suffix == right or right in left or left in right:
                    continue
                joined = left + right[len(suffix):]
                cover = min((w for w in words if joined in w), key=lambda w: (len(w), w), default="")
                out.append((left, right, joined, cover))
    return sorted(set(out))


def load_userdict(path=None) -> UserDict:
    """The domain user dictionary: one ``word [freq] [tag]`` per line, # comments."""
    p = lexicon_file(path, "userdict.txt")
    return _load_userdict(*cache_key(p))


@lru_cache(maxsize=16)
def _load_wordlist(path: str, mtime: float) -> frozenset:
    p = Path(path)
    words = set()
    for n, line in enumerate(read_text(p).split("\n"), start=1):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        if " " in body:
            raise LexiconError(f"{p}:{n}", f"one entry per line expected, got {body!r}")
        words.add(body)
    return frozenset(words)


def load_stopwords(path=None) -> frozenset:
    """Stopwords: one per line; lines starting with # are comments."""
    p = lexicon_file(path, "stopwords.txt")
    return _load_wordlist(*cache_key(p))


@lru_cache(maxsize=16)
def _load_words(path: str, mtime: float, single: bool = False) -> frozenset:
    """Words of Chinese characters, one per line (``single``: one character each)."""
    p = Path(path)
    seen: dict[str, int] = {}
    for n, body in _lines(p):
        if single and (len(body) != 1 or not _HAN.match(body)):
            raise LexiconError(f"{p}:{n}", f"expected one Chinese character per line, got {body[:20]!r}")
        if not _HAN.match(body):
            raise LexiconError(f"{p}:{n}", f"expected one word of Chinese characters per line, got {body[:20]!r}")
        if body in seen:
            raise LexiconError(f"{p}:{n}", f"duplicate {body!r} (first on line {seen[body]})")
        seen[body] = n
    return frozenset(seen)


def load_measure_words(path=None) -> frozenset:
    """Measure words (``measure_words.txt``): a numeral followed by one of them is a count
    (一项, 五年, 万亿元), of kind ``number`` in the tokens table. One word per line."""
    p = lexicon_file(path, "measure_words.txt")
    return _load_words(*cache_key(p))


def load_single_chars(path=None) -> frozenset:
    """Single characters kept in ranked tables (``single_char_terms.txt``): one Chinese
    character per line, # comments."""
    p = lexicon_file(path, "single_char_terms.txt")
    return _load_words(*cache_key(p), single=True)


@dataclass(frozen=True)
class Correction:
    wrong: str
    right: str
    context: str
    note: str
    line: int

    def pattern(self) -> str:
        """The regular expression that finds this error where its context allows.

        ``context`` is either empty (the wrong form anywhere), a regular expression in
        which ``@`` stands for the wrong form (``(?<=领导)@``), or a literal string that
        contains the wrong form (``领导班于``), in which case only that occurrence counts.
        """
        wrong = re.escape(self.wrong)
        if not self.context:
            return wrong
        if "@" in self.context:
            return self.context.replace("@", wrong)
        i = self.context.find(self.wrong)
        before, after = self.context[:i], self.context[i + len(self.wrong):]
        return (f"(?<={re.escape(before)})" if before else "") + wrong + \
               (f"(?={re.escape(after)})" if after else "")


def _rows(reader, path):
    """Rows of a csv reader; a malformed row (an overlong field, a stray quote) is a
    LexiconError naming the line, not a crash."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LexiconError(f"{path}:{reader.line_num}", f"malformed row ({str(exc)[:80]})") from None
        yield row


@lru_cache(maxsize=16)
def _load_corrections(path: str, mtime: float) -> tuple:
    p = Path(path)
    text = read_text(p)
    rows = []
    seen = {}
    reader = csv.reader(io.StringIO(text), delimiter="\t")
    for n, fields in enumerate(_rows(reader, p), start=1):
        if not fields or not "".join(fields).strip() or fields[0].startswith("#"):
            continue
        if n == 1 and fields[0].strip() == "wrong":
            continue
        if len(fields) < 2 or len(fields) > 4:
            raise LexiconError(f"{p}:{n}", f"expected wrong<TAB>right<TAB>context<TAB>note, got {len(fields)} fields")
        wrong, right = fields[0].strip(), fields[1].strip()
        context = fields[2].strip() if len(fields) > 2 else ""
        note = fields[3].strip() if len(fields) > 3 else ""
        if not wrong or not right:
            raise LexiconError(f"{p}:{n}", "empty wrong or right form")
        if wrong == right:
            raise LexiconError(f"{p}:{n}", f"wrong and right forms are the same ({wrong!r})")
        if context and "@" not in context and wrong not in context:
            raise LexiconError(f"{p}:{n}", f"context {context!r} must contain the wrong form {wrong!r} or '@'")
        corr = Correction(wrong, right, context, note, n)
        try:
            re.compile(corr.pattern())
        except re.error as exc:
            raise LexiconError(f"{p}:{n}", f"bad context pattern ({exc})") from None
        key = (wrong, context)
        if key in seen:
            raise LexiconError(f"{p}:{n}", f"duplicate rule for {wrong!r} (first on line {seen[key]})")
        seen[key] = n
        rows.append(corr)
    return tuple(rows)


def load_corrections(path=None) -> tuple:
    """Typo/OCR corrections: TSV with columns wrong, right, context, note."""
    p = lexicon_file(path, "corrections.tsv")
    return _load_corrections(*cache_key(p))


def _compile(p, where, pattern):
    try:
        return re.compile(pattern)
    except (re.error, TypeError) as exc:
        raise LexiconError(f"{p}", f"{where}: bad pattern {pattern!r} ({exc})") from None


@lru_cache(maxsize=16)
def _load_boilerplate(path: str, mtime: float) -> dict:
    p = Path(path)
    data = load_yaml(p)
    if not isinstance(data, dict) or "line_rules" not in data:
        raise LexiconError(p, "expected a mapping with a 'line_rules' list")
    rules = []
    names = set()
    for i, rule in enumerate(data["line_rules"] or []):
        if not isinstance(rule, dict) or not rule.get("name") or not rule.get("pattern"):
            raise LexiconError(p, f"line_rules[{i}] needs 'name' and 'pattern'")
        if rule["name"] in names:
            raise LexiconError(p, f"line_rules[{i}]: duplicate rule name {rule['name']!r}")
        names.add(rule["name"])
        where = rule.get("where", "anywhere")
        if where not in ("head", "anywhere"):
            raise LexiconError(p, f"rule {rule['name']!r}: 'where' must be head or anywhere")
        rules.append({"name": str(rule["name"]), "regex": _compile(p, f"rule {rule['name']!r}", rule["pattern"]),
                      "where": where, "max_chars": int(rule.get("max_chars", 80)),
                      "note": str(rule.get("note", ""))})
    repeated = data.get("repeated_lines") or {}
    return {"rules": tuple(rules), "head_window": int(data.get("head_window", 15)),
            "head_block": bool(data.get("head_block", True)),
            "repeated": {"min_repeats": int(repeated.get("min_repeats", 3)),
                         "min_docs": int(repeated.get("min_docs", 2)),
                         "max_chars": int(repeated.get("max_chars", 40))}}


def load_boilerplate(path=None) -> dict:
    """Boilerplate rules (YAML): named line patterns, the head window and the settings
    for lines repeated across documents."""
    p = lexicon_file(path, "boilerplate.yaml")
    return _load_boilerplate(*cache_key(p))


@lru_cache(maxsize=16)
def _load_redactions(path: str, mtime: float) -> tuple:
    p = Path(path)
    data = load_yaml(p)
    if not isinstance(data, dict) or not isinstance(data.get("patterns"), list):
        raise LexiconError(p, "expected a mapping with a 'patterns' list")
    out = []
    for i, item in enumerate(data["patterns"]):
        if not isinstance(item, dict) or not item.get("kind") or not item.get("pattern"):
            raise LexiconError(p, f"patterns[{i}] needs 'kind' and 'pattern'")
        _compile(p, f"patterns[{i}]", item["pattern"])
        out.append((str(item["kind"]), str(item["pattern"])))
    marks = data.get("marks")
    if marks is not None:
        _compile(p, "marks", marks)
        # A leading entry carries the prefilter: a character class every placeholder contains.
        out.insert(0, ("__marks__", str(marks)))
    return tuple(out)


def load_redactions(path=None) -> tuple:
    """Redaction placeholder patterns: (kind, regex) pairs, tried in file order. An
    optional ``marks`` regex (a character every placeholder contains) speeds up the
    scan; it comes first as ``("__marks__", regex)``."""
    p = lexicon_file(path, "redactions.yaml")
    return _load_redactions(*cache_key(p))


def _word_list(p, data, key) -> list[str]:
    items = data.get(key)
    if not isinstance(items, list) or not items or any(not isinstance(w, str) or not w.strip() for w in items):
        raise LexiconError(p, f"'{key}' must be a non-empty list of non-empty strings")
    if len(set(items)) != len(items):
        dup = next(w for w in items if items.count(w) > 1)
        raise LexiconError(p, f"'{key}': duplicate entry {dup!r}")
    return [w.strip() for w in items]


_NUMERAL = re.compile(r"[一二两三四五六七八九十百千\d]")


def _load_formulas(p: Path) -> tuple:
    """Numbered formulas (两个维护, 三个一批, …): one per line, # comments; each must
    contain a numeral, or it is not a numbered formula."""
    words, seen = [], {}
    for n, body in _lines(p):
        if any(c.isspace() for c in body):
            raise LexiconError(f"{p}:{n}", f"one formula per line expected, got {body!r}")
        if not _NUMERAL.search(body):
            raise LexiconError(f"{p}:{n}", f"{body!r} has no numeral, so it is not a numbered formula")
        if body in seen:
            raise LexiconError(f"{p}:{n}", f"duplicate formula {body!r} (first on line {seen[body]})")
        seen[body] = n
        words.append(body)
    return tuple(words)


def _optional_list(p, data, key) -> list[str]:
    return _word_list(p, data, key) if key in data else []


@lru_cache(maxsize=8)
def _load_structure(path: str, mtime: float, formulas_mtime: float = 0.0) -> dict:
    p = Path(path)
    data = load_yaml(p)
    if not isinstance(data, dict):
        raise LexiconError(p, "expected a mapping with salutations, count_units and final_remarks")
    alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # noqa: E731
    salute = f"(?:{alt(_word_list(p, data, 'salutations'))})"
    # Not after 第 (第一个问题 is an ordinal) nor inside a longer number.
    count = (r"(?<![第\d一二三四五六七八九十两几])(?P<n>[一二三四五六七八九十两几]{1,3}|\d{1,2})"
             f"(?P<unit>{alt(_word_list(p, data, 'count_units'))})" r"(?P<what>[\u4e00-\u9fff]{0,6}?)")
    part_units = _optional_list(p, data, "part_units")
    formulas = ()
    if data.get("numbered_formulas") is not None:
        name = data["numbered_formulas"]
        if not isinstance(name, str) or not name.strip():
            raise LexiconError(p, "'numbered_formulas' must name a file next to structure.yaml")
        fp = p.parent / name
        if not fp.is_file():
            raise LexiconError(p, f"'numbered_formulas': no such file {name!r}")
        formulas = _load_formulas(fp)
    return {
        "salutation_line": re.compile(rf"{salute}[：:！!，,]?"),
        "closing_start": re.compile(rf"{salute}[，,！!：:]"),
        # A count followed by a colon announces a list; right before a chain a full stop
        # does too (“着力把握好三点。一是…”), and the count may close a quotation.
        "count": re.compile(count),
        "announce": re.compile(count + "[”’\"]?[：:]"),
        "announce_link": re.compile(count + "[”’\"]?[：:。]"),
        # A number with or without its counting unit (“三件”, “五项”, “两个”): a fragment
        # of an enumeration, never a term.
        "count_phrase": re.compile(r"^(?:[一二三四五六七八九十两几百千万]+|\d+)"
                                   f"(?:{alt(_word_list(p, data, 'count_units'))})?$"),
        "final_remarks": re.compile(rf"最后[，,、](?:[^。]{{0,30}}?)(?:{alt(_word_list(p, data, 'final_remarks'))})"),
        # 第一个问题： / 第二个方面， / 第三点，: parts marked inside the running text.
        "part_marker": re.compile(r"(?P<label>第(?P<n>[一二三四五六七八九十]{1,3}|\d{1,2})"
                                  rf"(?:{alt(part_units)}))[，,、：:。]?") if part_units else None,
        "count_nouns": tuple(_optional_list(p, data, "count_nouns")),
        "count_units": tuple(_word_list(p, data, "count_units")),
        "note_marks": tuple(_optional_list(p, data, "note_marks")),
        # Words of closing-type content (希望, 让我们, …): they let a form of address in
        # the middle of a text without paragraph breaks start its closing.
        "closing_cues": tuple(_optional_list(p, data, "closing_cues")),
        "formulas": frozenset(formulas),
    }


def load_structure_rules(path=None) -> dict:
    """Words the structure parser reads as structure (``structure.yaml``), compiled,
    with the numbered formulas of the file it names (``numbered_formulas.txt``)."""
    p = lexicon_file(path, "structure.yaml")
    formulas = p.parent / "numbered_formulas.txt"
    return _load_structure(*cache_key(p),
                           formulas.stat().st_mtime if formulas.is_file() else 0.0)


class LinedDict(dict):
    """A YAML mapping that remembers the line it starts on (``line``, 1-based)."""

    line = 0


class LinedList(list):
    """A YAML sequence that remembers its own line and each item's (``lines``)."""

    line = 0
    lines: list = []


def load_yaml_lines(path: Path):
    """Like :func:`load_yaml`, but every mapping and list carries its line numbers, so
    a validator can name the line of a bad entry (``file:line``)."""
    import yaml

    class _Loader(_loader()):  # safe, and without aliases
        pass

    def mapping(loader, node):
        out = LinedDict(loader.construct_mapping(node, deep=True))
        out.line = node.start_mark.line + 1
        return out

    def sequence(loader, node):
        out = LinedList(loader.construct_sequence(node, deep=True))
        out.line = node.start_mark.line + 1
        out.lines = [item.start_mark.line + 1 for item in node.value]
        return out

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    text = read_text(path)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 — a SafeLoader subclass without aliases
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LexiconError(where, f"malformed YAML ({problem})") from None
