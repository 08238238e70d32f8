"""Self-checks for the classroom exercises (``notebooks/exercises/``), and the two
versions of an exercise notebook: the student's (solution cells replaced by a stub)
and the teacher's (solution cells kept, self-check outputs kept for nbval).

``check("ex03.task2", answer)`` compares a student's answer with the value the library
computes from the sample speech (or the reference tables) at check time, and prints one
line: right, wrong with a hint, or the typical mistake the answer matches ("close: you
counted tokens, the question asks for substrings"). It never prints the expected value.
What each task asks for, how its answer is computed, its hint and its typical mistakes
are data: ``notebooks/exercises/checks.yaml``, validated on load.
"""
from __future__ import annotations

import copy
import inspect
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import paths
from .errors import LexiconError

SOLUTION_TAG = "solution"
CODE_STUB = "# your code here\nanswer = ..."
TEXT_STUB = "✏️ *Your answer (double-click to write):*"
CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
TYPES = ("int", "float", "text")
_TASK_ID = re.compile(r"^ex\d{2}\.task\d$")
_CHECK_CALL = re.compile(r"zs\.classroom\.check\(\s*[\"'](ex\d{2}\.task\d)[\"']")


def checks_file() -> Path:
    """The bundled checks: ``notebooks/exercises/checks.yaml``."""
    return paths.notebooks_dir() / "exercises" / "checks.yaml"


# -- what the library computes: the answers and the typical mistakes ----------------------

class Study:
    """The tables the exercises ask about, computed once per session: the sample speech
    analysed by :func:`zhspeech.pipeline.analyze`, the naive jieba count of its raw file,
    and the reference tables of ``data/reference/``."""

    def __init__(self, speech=None):
        self.speech = Path(speech) if speech is not None else paths.sample_speech()
        self._cache = {}

    def _get(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def analysis(self):
        from . import corpus, pipeline

        return self._get("analysis", lambda: pipeline.analyze(corpus.load_document(self.speech), doc_id="sample"))

    @property
    def naive(self):
        from . import stats

        return self._get("naive", lambda: stats.naive_counts(self.analysis.document.raw, top=10**9))

    @property
    def reference(self):
        from . import reference

        return self._get("reference", reference.load_reference)

    @property
    def lexicon(self):
        from . import themes

        return self._get("lexicon", lambda: themes.load_lexicon(warn_shared=False))

    def conventions(self, term):
        from . import stats

        a = self.analysis
        return stats.count_conventions([term], a.cleaned, a.tokens).iloc[0]


def _edits(study, step: str = ""):
    e = study.analysis.cleaned.edits
    return int(len(e[e["step"] == step]) if step else len(e))


def _corrections(study, distinct: bool = False):
    from .clean import correction_summary

    rows = correction_summary(study.analysis.cleaned)
    return int(len(rows.drop_duplicates(["before", "after"])) if distinct else len(rows))


def _masks(study, kind: str = ""):
    m = study.analysis.cleaned.masks
    return int(len(m[m["kind"] == kind]) if kind else len(m))


def _substring(study, term: str):
    """Occurrences in the cleaned text, redaction masks blanked (``count_conventions``)."""
    return int(study.conventions(term)["substring"])


def _plain_count(study, term: str, text: str = "cleaned"):
    """``str.count`` on the cleaned or the raw text, masks not blanked."""
    source = study.analysis.text if text == "cleaned" else study.analysis.document.raw
    return source.count(term)


def _token(study, term: str):
    return int(study.conventions(term)["token"])


def _naive_count(study, term: str):
    n = study.naive
    return int(n.loc[n["term"] == term, "n"].sum())


def _naive_rank(study, term: str, base: int = 1):
    terms = study.naive["term"].tolist()
    return terms.index(term) + base if term in terms else -1


def _sections(study, level: int = 1, kind: str = ""):
    s = study.analysis.sections
    s = s[s["level"] == level]
    return int(len(s[s["kind"] == kind]) if kind else len(s))


def _longest(study, measure: str = "hanzi", kind: str = "part"):
    """The length in ``measure`` of the longest top-level section of ``kind`` (of any
    kind when empty)."""
    s = study.analysis.sections
    s = s[s["level"] == 1]
    if kind:
        s = s[s["kind"] == kind]
    return int(s[measure].max())


def _part_share(study, label: str, measure: str = "hanzi", of: str = "text"):
    """A numbered part's share of the whole text's ``measure`` (``of="text"``) or of the
    numbered parts' total (``of="parts"``)."""
    s = study.analysis.sections
    top = s[s["level"] == 1]
    parts = top[top["kind"] == "part"]
    whole = parts if of == "parts" else top
    return float(parts.loc[parts["label"] == label, measure].sum() / whole[measure].sum())


def _announced_mismatch(study, column: str = "label"):
    """The parts whose announced count differs from the items found."""
    s = study.analysis.sections
    parts = s[(s["kind"] == "part") & s["declared_items"].notna()]
    return ",".join(parts.loc[parts["declared_items"] != parts["items"], column].astype(str))


def _kwic_lines(study, term: str, window: int = 20):
    from . import stats

    a = study.analysis
    return int(len(stats.kwic(a.cleaned, term, window=window)))


def _top_collocate(study, node: str, by: str = "log_dice", window: int = 5, min_n: int = 3):
    """The strongest collocate of ``node`` by ``by``; all of them when several tie."""
    from . import stats

    table = stats.collocations(study.analysis.tokens, node, window=window, min_n=min_n)
    top = table.loc[table[by] == table[by].max(), "collocate"]
    return str(top.iloc[0]) if len(top) == 1 else frozenset(top)


def _most_even(study, terms, measure: str = "gries_dp", least: bool = False):
    """Of ``terms``, the one spread most evenly over the top-level sections by Gries's
    DP (smallest; ``measure="juilland_d"``: largest), or the least evenly with ``least``."""
    from . import stats

    a = study.analysis
    table = stats.dispersion(a.tokens, a.sections, list(terms))
    ascending = (measure == "gries_dp") != least
    return str(table.sort_values([measure, "term"], ascending=[ascending, True]).iloc[0]["term"])


def _theme_hits(study, theme: str):
    h = study.analysis.hits
    return int((h["theme"] == theme).sum())


def _part_rate(study, theme: str, label: str, per: str = "hanzi"):
    """Hits of ``theme`` in the numbered part ``label`` per 1,000 汉字 (or characters)."""
    a = study.analysis
    s = a.sections
    part = s[(s["kind"] == "part") & (s["label"] == label)].iloc[0]
    h = a.hits
    n = int(((h["theme"] == theme) & (h["top_id"] == part["section_id"])).sum())
    return n / part[per if per == "hanzi" else "chars"] * 1000


def _unmatched(study, theme: str = ""):
    from . import themes

    table = themes.unmatched_terms(study.analysis.hits, study.lexicon)
    return int(len(table[table["theme"] == theme]) if theme else len(table))


def _reference_docs(study, genre: str = "", level: str = ""):
    d = study.reference.documents
    if genre:
        d = d[d["genre"] == genre]
    if level:
        d = d[d["level"] == level]
    return int(len(d))


def _speech_rate(study, theme: str, per: str = "hanzi"):
    """The speech's hits of ``theme`` per 1,000 汉字 (or per 1,000 characters)."""
    from . import themes

    a = study.analysis
    if per == "hanzi":
        emph = themes.emphasis(a.hits, a.sections, a.text, by="doc", lexicon=study.lexicon)
        return float(emph.loc[emph["theme"] == theme, "per_1k_hanzi"].iloc[0])
    return _theme_hits(study, theme) / len(a.text) * 1000


def _peak_year(study, theme: str, by: str = "per_1k_hanzi", level: str = "central"):
    """Year of the government work report (of ``level``) where ``theme`` is strongest."""
    from . import reference

    ref = study.reference
    docs = ref.documents
    gwr = docs[(docs["genre"] == "government_work_report") & (docs["level"] == level)]
    emph = reference.document_emphasis(ref, lexicon=study.lexicon)
    rows = emph[(emph["theme"] == theme) & emph["doc_id"].isin(gwr["doc_id"])].merge(gwr[["doc_id", "year"]])
    return int(rows.sort_values([by, "year"], ascending=[False, True]).iloc[0]["year"])


def _most_similar(study, include_self: bool = False):
    """The text most similar to the speech (cosine of per-10k term profiles)."""
    from . import compare

    sim = compare.compare([study.analysis], reference=study.reference, lexicon=study.lexicon).similarity
    row = sim.loc["sample"]
    if not include_self:
        row = row.drop("sample")
    return str(row.sort_values(ascending=False, kind="stable").index[0])


COMPUTE = {
    "edits": _edits, "corrections": _corrections, "masks": _masks, "substring": _substring,
    "plain_count": _plain_count, "token": _token, "naive_count": _naive_count, "naive_rank": _naive_rank,
    "sections": _sections, "longest": _longest, "part_share": _part_share,
    "announced_mismatch": _announced_mismatch, "kwic_lines": _kwic_lines, "top_collocate": _top_collocate,
    "most_even": _most_even, "theme_hits": _theme_hits, "part_rate": _part_rate, "unmatched": _unmatched,
    "reference_docs": _reference_docs, "speech_rate": _speech_rate, "peak_year": _peak_year,
    "most_similar": _most_similar,
}


# -- the checks file ----------------------------------------------------------------------

@dataclass(frozen=True)
class Computed:
    """A value computed by the library: ``COMPUTE[name](study, **params) × times``."""

    name: str
    params: tuple
    times: float = 1.0

    def value(self, study):
        # The same value serves several tasks and mistakes: compute it once per study.
        v = study._get((self.name, self.params), lambda: COMPUTE[self.name](study, **dict(self.params)))
        return v * self.times if self.times != 1.0 else v


@dataclass(frozen=True)
class Mistake:
    value: Computed
    message: str


@dataclass(frozen=True)
class Task:
    task_id: str
    question: str
    type: str
    answer: Computed
    hint: str
    mistakes: tuple
    tolerance: float = 0.0
    right: str = ""


def _computed(spec, where: str, path) -> Computed:
    if not isinstance(spec, dict) or not isinstance(spec.get("compute"), str):
        raise LexiconError(path, f"{where}: expected a mapping with 'compute' (one of {', '.join(COMPUTE)})")
    spec = dict(spec)
    name = spec.pop("compute")
    times = spec.pop("times", 1.0)
    if name not in COMPUTE:
        raise LexiconError(path, f"{where}: unknown compute {name!r} (known: {', '.join(COMPUTE)})")
    if not isinstance(times, (int, float)) or isinstance(times, bool):
        raise LexiconError(path, f"{where}: 'times' must be a number")
    try:
        inspect.signature(COMPUTE[name]).bind(None, **spec)
    except TypeError as exc:
        raise LexiconError(path, f"{where}: compute {name!r}: {exc}") from None
    params = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in spec.items()))
    return Computed(name, params, float(times))


def _text(spec: dict, key: str, where: str, path, required: bool = True) -> str:
    value = spec.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise LexiconError(path, f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _parse_checks(path: Path, data) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), dict) or not data["tasks"]:
        raise LexiconError(path, "expected a mapping with a non-empty 'tasks' mapping")
    tasks = {}
    for task_id, spec in data["tasks"].items():
        where = f"task {task_id!r}"
        if not isinstance(task_id, str) or not _TASK_ID.match(task_id):
            raise LexiconError(path, f"{where}: task ids look like ex03.task2")
        if not isinstance(spec, dict):
            raise LexiconError(path, f"{where}: expected question, type, answer, hint, mistakes")
        unknown = set(spec) - {"question", "type", "answer", "hint", "mistakes", "tolerance", "right"}
        if unknown:
            raise LexiconError(path, f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        kind = spec.get("type")
        if kind not in TYPES:
            raise LexiconError(path, f"{where}: 'type' must be one of {', '.join(TYPES)}")
        tolerance = spec.get("tolerance", 0.0)
        if kind == "float" and (not isinstance(tolerance, (int, float)) or tolerance <= 0):
            raise LexiconError(path, f"{where}: a float answer needs a positive 'tolerance'")
        mistakes = spec.get("mistakes")
        if not isinstance(mistakes, list) or not mistakes:
            raise LexiconError(path, f"{where}: 'mistakes' must list at least one typical mistake")
        parsed = []
        for i, m in enumerate(mistakes, start=1):
            mw = f"{where} mistake {i}"
            if not isinstance(m, dict) or set(m) != {"value", "message"}:
                raise LexiconError(path, f"{mw}: expected 'value' and 'message'")
            parsed.append(Mistake(_computed(m["value"], mw, path), _text(m, "message", mw, path)))
        tasks[task_id] = Task(task_id, _text(spec, "question", where, path), kind,
                              _computed(spec.get("answer"), f"{where} answer", path),
                              _text(spec, "hint", where, path), tuple(parsed), float(tolerance),
                              _text(spec, "right", where, path, required=False))
    return tasks


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict:
    from .lexicons import load_yaml

    p = Path(path)
    return _parse_checks(p, load_yaml(p))


def load_checks(path=None) -> dict:
    """The tasks of a checks file (default: the bundled one), validated: a malformed
    entry raises :class:`~zhspeech.errors.LexiconError` naming the file and the task."""
    p = Path(path) if path is not None else checks_file()
    if not p.is_file():
        raise LexiconError(p, "no such file")
    return _load(str(p.resolve()), p.stat().st_mtime)


# -- checking an answer -------------------------------------------------------------------

@dataclass(frozen=True)
class Feedback:
    task_id: str
    status: str          # right, close, wrong, missing
    message: str

    def __str__(self) -> str:
        return self.message


_TYPE_WORDS = {"int": "a whole number", "float": "a number", "text": "a piece of text (a str)"}


def _plain(answer):
    """A student's answer as a plain Python value: numpy scalars and one-element
    Series or arrays are unwrapped; anything else is returned as it is."""
    if hasattr(answer, "item") and getattr(answer, "size", None) == 1:
        try:
            return answer.item()
        except (ValueError, TypeError):
            return answer
    return answer


def _coerce(kind: str, answer):
    """``(value, ok)``: the answer as the task's type, or ok=False."""
    a = _plain(answer)
    if kind == "text":
        return (a.strip(), True) if isinstance(a, str) else (a, False)
    if isinstance(a, bool) or not isinstance(a, (int, float)):
        return a, False
    if kind == "int":
        return (int(a), True) if float(a).is_integer() else (a, False)
    return (float(a), True) if math.isfinite(a) else (a, False)


def _equal(task: Task, given, expected, scale: float = 1.0) -> bool:
    """Equal as the task's type; floats within the tolerance (× ``scale``, the factor of
    a mistake such as a percentage given for a fraction)."""
    if task.type == "float":
        return abs(float(given) - float(expected)) <= task.tolerance * abs(scale)
    if task.type == "int":
        return int(given) == int(expected)
    if isinstance(expected, frozenset):  # several values tie: any of them
        return given in expected or given == expected
    return given == expected


def evaluate(task_id: str, answer, *, study: Study | None = None, checks=None) -> Feedback:
    """Compare ``answer`` with the task's computed answer; the feedback never contains
    the expected value. ``checks`` is a checks file path or a loaded dict."""
    tasks = checks if isinstance(checks, dict) else load_checks(checks)
    if task_id not in tasks:
        known = ", ".join(sorted(tasks))
        raise KeyError(f"no self-check {task_id!r} (known: {known})")
    task = tasks[task_id]
    if answer is ... or answer is None:
        return Feedback(task_id, "missing", f"→ {task_id}: no answer yet: replace `...` with your answer "
                                            "and run the cell again.")
    given, ok = _coerce(task.type, answer)
    if not ok:
        return Feedback(task_id, "wrong", f"✗ {task_id}: not yet: the answer should be "
                                          f"{_TYPE_WORDS[task.type]}, not a {type(answer).__name__}.")
    study = study or _study()
    expected = task.answer.value(study)
    if _equal(task, given, expected):
        tail = f" {task.right}" if task.right else ""
        return Feedback(task_id, "right", f"✓ {task_id}: right.{tail}")
    for mistake in task.mistakes:
        value = mistake.value.value(study)
        if not _equal(task, value, expected) and _equal(task, given, value, mistake.value.times):
            return Feedback(task_id, "close", f"≈ {task_id}: close: {mistake.message}")
    return Feedback(task_id, "wrong", f"✗ {task_id}: not yet. Hint: {task.hint}")


@lru_cache(maxsize=1)
def _study() -> Study:
    return Study()


def check(task_id: str, answer) -> None:
    """Print whether ``answer`` is right for the exercise task ``task_id``, with a hint
    or the typical mistake it matches when it is not (never the expected answer)."""
    print(evaluate(task_id, answer).message)


def task_ids(source: str) -> list[str]:
    """The task ids checked in a notebook's source text, in order."""
    return _CHECK_CALL.findall(source)


# -- the two versions of an exercise ------------------------------------------------------

def is_solution(cell) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def student_notebook(nb):
    """The student's version: every cell tagged ``solution`` replaced by a stub (code:
    ``# your code here`` and ``answer = ...``; text: a prompt to write), no outputs."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if is_solution(cell):
            cell.source = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            tags = [t for t in cell.metadata.get("tags", []) if t != SOLUTION_TAG]
            cell.metadata["tags"] = tags + ["your-answer"]
        _clear(cell)
    return out


def solution_notebook(nb):
    """The teacher's version: solution cells kept; each self-check cell is marked
    ``# NBVAL_CHECK_OUTPUT`` so that nbval compares its stored "right" line."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "code" and task_ids(cell.source) and not cell.source.startswith(CHECK_MARK):
            cell.source = f"{CHECK_MARK}\n{cell.source}"
        _clear(cell)
    return out


def _clear(cell):
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    if not cell.metadata.get("tags"):
        cell.metadata.pop("tags", None)


# -- launch links ----------------------------------------------------------------------------

def launch_links(repo: str, *, branch: str = "main", path: str = "notebooks/exercises/student",
                 hub: str | None = None) -> dict:
    """Links that open the exercises in a browser: ``binder`` (mybinder.org builds the
    environment from the repository's ``environment.yml``; work is not kept) and, with
    ``hub``, ``jupyterhub`` (nbgitpuller clones or updates the repository in each
    student's home on your JupyterHub). ``repo`` is a GitHub URL or ``owner/name``."""
    from urllib.parse import quote

    m = re.match(r"^(?:https?://github\.com/)?([\w.-]+)/([\w.-]+?)(?:\.git)?/?$", repo)
    if not m:
        raise ValueError(f"repo must be a GitHub URL or owner/name, got {repo!r}")
    owner, name = m.groups()
    links = {"binder": f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath="
                       + quote(f"lab/tree/{path}", safe="")}
    if hub:
        url = f"https://github.com/{owner}/{name}"
        links["jupyterhub"] = (f"{hub.rstrip('/')}/hub/user-redirect/git-pull?repo={quote(url, safe='')}"
                               f"&branch={branch}&urlpath=" + quote(f"lab/tree/{name}/{path}", safe=""))
    return links
