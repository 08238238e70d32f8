"""The classroom exercises: every self-check with a right answer, a wrong answer and each
typical mistake it names (exact messages, computed from the sample speech and the
reference tables); the checks file's validation; the student and solution versions made
from one source; and the student versions executed."""
from __future__ import annotations

import re

import jupytext
import nbformat
import numpy as np
import pandas as pd
import pytest

import zhspeech as zs
from zhspeech import classroom
from zhspeech.errors import LexiconError

EX_DIR = zs.paths.notebooks_dir() / "exercises"
SOURCES = sorted(EX_DIR.glob("ex[0-9][0-9]-*.md"))
FIX = "run `make classroom` to write the student and solution versions from the source"

# task: (right answer, a wrong answer, the message for the wrong answer,
#        [(a typical mistake's value, its message), ...]) — values of the sample speech.
TASKS = {
    "ex01.task1": (8, 9, '✗ ex01.task1: not yet. Hint: Each removed line is one row of the edit log whose step is "boilerplate".',
        [(19, '≈ ex01.task1: close: you counted every edit; the question asks only for rows whose step is "boilerplate".')]),
    "ex01.task2": (9, 10, '✗ ex01.task2: not yet. Hint: Use zs.clean.correction_summary(cleaned) and count its rows.',
        [(8, '≈ ex01.task2: close: you counted distinct corrections; one of them was made twice, and every occurrence counts.')]),
    "ex01.task3": (58, 59, '✗ ex01.task3: not yet. Hint: The masks are a table of their own, cleaned.masks; count its rows.',
        [(51, '≈ ex01.task3: close: you counted the string "XX"; placeholders take other forms too (X月X日, XX%, X市 …), and one mask can hold several X.'),
         (23, '≈ ex01.task3: close: you counted only the masks of one kind; the question asks for all of them.')]),
    "ex02.task1": (6, 7, '✗ ex02.task1: not yet. Hint: Keep the rows of the sections table at level 1 whose kind is "part".',
        [(10, '≈ ex02.task1: close: you counted every top-level section (title, opening, closing …); the question asks only for the numbered parts (kind == "part").')]),
    "ex02.task2": (1130, 1131, '✗ ex02.task2: not yet. Hint: Sort the numbered parts by their hanzi column.',
        [(1286, '≈ ex02.task2: close: you took the characters column, which counts punctuation too; the question asks for 汉字 (the hanzi column).'),
         (2104, '≈ ex02.task2: close: that is the opening, which has no number; keep only the numbered parts (kind == "part").')]),
    "ex02.task3": (0.154, 0.308, '✗ ex02.task3: not yet. Hint: Divide the hanzi of part 二 by the hanzi of all top-level sections together.',
        [(15.37, '≈ ex02.task3: close: that is a percentage; give the share as a fraction between 0 and 1.'),
         (0.239, '≈ ex02.task3: close: you divided by the six numbered parts only; the question asks for the share of the whole speech (opening and closing included).')]),
    "ex02.task4": ('五', '工作', '✗ ex02.task4: not yet. Hint: Compare the declared_items and items columns of the numbered parts.',
        [('P5', '≈ ex02.task4: close: that is the section_id; the question asks for the label, the numeral the speech itself uses.')]),
    "ex03.task1": (0, 1, '✗ ex03.task1: not yet. Hint: Look the term up in zs.stats.naive_counts(doc.raw, top=100000); a term that is missing there was counted zero times.',
        [(18, '≈ ex03.task1: close: that is how often the text says it; the question asks what the naive count reports.')]),
    "ex03.task2": (9, 10, '✗ ex03.task2: not yet. Hint: The naive table is sorted from the most frequent term down; find the row of "XX".',
        [(8, "≈ ex03.task2: close: that is pandas' row index, which starts at 0; ranks start at 1.")]),
    "ex03.task3": (39, 40, '✗ ex03.task3: not yet. Hint: zs.stats.count_conventions(["人才"], analysis.cleaned, analysis.tokens) gives both conventions; read the right column.',
        [(14, '≈ ex03.task3: close: you counted tokens, the question asks for substrings.')]),
    "ex03.task4": (43, 44, '✗ ex03.task4: not yet. Hint: Count the rows of analysis.tokens whose token is exactly "干部", or read count_conventions.',
        [(82, '≈ ex03.task4: close: you counted substrings (干部 inside 年轻干部, 领导干部 …), the question asks for tokens.')]),
    "ex04.task1": (18, 19, '✗ ex04.task1: not yet. Hint: Build the concordance with zs.stats.kwic(analysis.cleaned, "治理") and count its lines.',
        [(6, '≈ ex04.task1: close: you counted tokens; KWIC finds every occurrence in the text, also inside longer words such as 基层治理.')]),
    "ex04.task2": ('加强', '工作', '✗ ex04.task2: not yet. Hint: zs.stats.collocations(analysis.tokens, "干部", window=5, min_n=3) is sorted by logDice already.',
        [('乡镇干部', '≈ ex04.task2: close: you ranked by PMI, which favours rare words; the question asks for logDice.'),
         ('边远', '≈ ex04.task2: close: you ranked by PMI, which favours rare words; the question asks for logDice.'),
         ('市管', '≈ ex04.task2: close: you ranked by G², a test of significance; the question asks for logDice, a measure of strength.')]),
    "ex04.task3": ('脱贫攻坚', '工作', '✗ ex04.task3: not yet. Hint: Compare the gries_dp column of zs.stats.dispersion for the three terms.',
        [('人才', "≈ ex04.task3: close: that term is the least evenly spread; Gries's DP is 0 for a perfectly even spread, so look for the smallest.")]),
    "ex05.task1": (62, 63, '✗ ex05.task1: not yet. Hint: Count the rows of analysis.hits whose theme is "人才".',
        [(39, '≈ ex05.task1: close: you counted the word 人才; the theme counts every term of its lexicon (引才, 紧缺专业 …), each occurrence once, longest match first.'),
         (14, '≈ ex05.task1: close: you counted the token 人才; the theme counts every term of its lexicon, on the text, not on tokens.')]),
    "ex05.task2": (63.4, 126.8, '✗ ex05.task2: not yet. Hint: In the emphasis table, find the row of theme 人才 for the part labelled 六 and read per_1k_hanzi.',
        [(55.07, '≈ ex05.task2: close: you divided by characters; the rate is per 1,000 汉字 (the hanzi column), which leaves punctuation out.'),
         (0.0634, '≈ ex05.task2: close: that is hits per 汉字; multiply by 1,000.')]),
    "ex05.task3": (10, 11, '✗ ex05.task3: not yet. Hint: zs.themes.unmatched_terms(hits, lexicon) lists the forms that never matched; keep those of one theme.',
        [(75, '≈ ex05.task3: close: you counted the unmatched forms of every theme; keep only those of 脱贫攻坚.')]),
    "ex06.task1": (10, 12, "✗ ex06.task1: not yet. Hint: Filter reference.documents on genre and on level.",
        [(11, '≈ ex06.task1: close: you included the provincial report; the State Council\'s reports have level "central".'),
         (16, '≈ ex06.task1: close: you counted every reference document; keep the government work reports only.')]),
    "ex06.task2": (6.26, 12.52, '✗ ex06.task2: not yet. Hint: zs.themes.emphasis(..., by="doc") gives one row per theme for the whole speech.',
        [(5.51, '≈ ex06.task2: close: you divided by characters; the reference tables count 汉字, so use 汉字 for the speech too.'),
         (0.006256, '≈ ex06.task2: close: that is hits per 汉字; multiply by 1,000.')]),
    "ex06.task3": (2020, 2021, '✗ ex06.task3: not yet. Hint: Use zs.reference.document_emphasis(reference), keep the central government work reports and sort by per_1k_hanzi.',
        [(2019, '≈ ex06.task3: close: that report has the most hits, but reports differ in length; compare hits per 1,000 汉字.')]),
    "ex06.task4": ('gwr-2024', '工作', "✗ ex06.task4: not yet. Hint: Take the speech's row of the similarity table, leave out the speech itself, and sort.",
        [('sample', "≈ ex06.task4: close: every text is most similar to itself; drop the speech's own column first.")]),
}


# What follows "right." where a task sends the student on.
RIGHT_TAIL = {
    "ex01.task1": " Read their `rule` column — which rule removed the most lines?",
    "ex03.task1": " Now look at how jieba's default dictionary cuts the term.",
}


@pytest.fixture(scope="module")
def study():
    return classroom._study()


def test_the_table_covers_every_task_of_the_checks_file():
    assert sorted(TASKS) == sorted(classroom.load_checks())


@pytest.mark.parametrize("task_id", sorted(TASKS))
def test_right_wrong_and_each_typical_mistake(task_id, study):
    right, wrong, wrong_message, mistakes = TASKS[task_id]
    assert classroom.evaluate(task_id, right, study=study).message == \
        f"✓ {task_id}: right.{RIGHT_TAIL.get(task_id, '')}"
    assert classroom.evaluate(task_id, wrong, study=study).message == wrong_message
    for value, message in mistakes:
        assert classroom.evaluate(task_id, value, study=study).message == message


@pytest.mark.parametrize("task_id", sorted(TASKS))
def test_no_message_shows_the_expected_answer(task_id, study):
    task = classroom.load_checks()[task_id]
    expected = task.answer.value(study)
    right, wrong, _, mistakes = TASKS[task_id]
    said = [classroom.evaluate(task_id, a, study=study).message for a in (right, wrong, ..., *[m[0] for m in mistakes])]
    if task.type == "float":
        shown = [f"{expected:.{d}f}" for d in (1, 2, 3)]
    else:
        shown = [str(expected)]
    for message in said:
        for s in shown:
            assert not re.search(rf"(?<![\d.]){re.escape(s)}(?![\d])", message), (message, s)


def test_right_messages_exactly(study):
    assert classroom.evaluate("ex03.task3", 39, study=study).message == "✓ ex03.task3: right."
    assert classroom.evaluate("ex01.task1", 8, study=study).message == \
        "✓ ex01.task1: right. Read their `rule` column — which rule removed the most lines?"


def test_the_brief_example_tokens_for_substrings(study):
    assert classroom.evaluate("ex03.task3", 14, study=study).message == \
        "≈ ex03.task3: close: you counted tokens, the question asks for substrings."


def test_answers_in_the_forms_students_give_them(study):
    # numpy scalars, a one-element Series, a float that is a whole number
    assert classroom.evaluate("ex03.task3", np.int64(39), study=study).status == "right"
    assert classroom.evaluate("ex03.task3", pd.Series([39]), study=study).status == "right"
    assert classroom.evaluate("ex06.task3", 2020.0, study=study).status == "right"
    assert classroom.evaluate("ex02.task4", " 五 ", study=study).status == "right"
    # within the tolerance, and a percentage within the tolerance scaled by 100
    assert classroom.evaluate("ex02.task3", 1130 / 7353, study=study).status == "right"
    assert classroom.evaluate("ex02.task3", 15.4, study=study).status == "close"
    assert classroom.evaluate("ex02.task3", 0.156, study=study).status == "wrong"


def test_no_answer_and_answers_of_the_wrong_type(study):
    assert classroom.evaluate("ex01.task1", ..., study=study).message == \
        "→ ex01.task1: no answer yet: replace `...` with your answer and run the cell again."
    assert classroom.evaluate("ex01.task1", None, study=study).status == "missing"
    frame = pd.DataFrame({"n": [1, 2]})
    assert classroom.evaluate("ex01.task1", frame, study=study).message == \
        "✗ ex01.task1: not yet: the answer should be a whole number, not a DataFrame."
    assert classroom.evaluate("ex01.task1", "8", study=study).message == \
        "✗ ex01.task1: not yet: the answer should be a whole number, not a str."
    assert classroom.evaluate("ex01.task1", True, study=study).status == "wrong"
    assert classroom.evaluate("ex01.task1", 8.5, study=study).status == "wrong"
    assert classroom.evaluate("ex04.task2", 3, study=study).message == \
        "✗ ex04.task2: not yet: the answer should be a piece of text (a str), not a int."


def test_check_prints_one_line(capsys):
    classroom.check("ex03.task3", 14)
    assert capsys.readouterr().out == "≈ ex03.task3: close: you counted tokens, the question asks for substrings.\n"


def test_unknown_task_names_the_known_ones():
    with pytest.raises(KeyError, match=r"no self-check 'ex09.task1' \(known: ex01.task1, ex01.task2"):
        classroom.evaluate("ex09.task1", 1)


# -- the checks file is data, validated on load --------------------------------------------

GOOD = """tasks:
  ex01.task1:
    question: How many edits?
    type: int
    answer: {compute: edits}
    hint: Count the rows.
    mistakes:
      - value: {compute: edits, step: boilerplate}
        message: only one step.
"""


@pytest.mark.parametrize("edit, error", [
    ("compute: edits}", None),
    ("{compute: edits}\n", None),
    ("answer: {compute: edits}", "answer: {compute: count_words}"),
    ("answer: {compute: edits}", "answer: {compute: edits, stepp: x}"),
    ("type: int", "type: number"),
    ("type: int", "type: float"),
    ("    hint: Count the rows.\n", ""),
    ("    mistakes:\n      - value: {compute: edits, step: boilerplate}\n        message: only one step.\n",
     "    mistakes: []\n"),
    ("        message: only one step.", "        text: only one step."),
    ("ex01.task1:", "exercise1:"),
    ("    question: How many edits?\n", "    question: How many edits?\n    answr: 3\n"),
    ("type: int", "type: [int"),
])
def test_malformed_checks_files_are_rejected_naming_file_and_task(tmp_path, edit, error):
    path = tmp_path / "checks.yaml"
    if error is None:
        path.write_text(GOOD, encoding="utf-8")
        assert list(classroom.load_checks(path)) == ["ex01.task1"]
        return
    path.write_text(GOOD.replace(edit, error), encoding="utf-8")
    with pytest.raises(LexiconError) as info:
        classroom.load_checks(path)
    expected = {
        "answer: {compute: count_words}": "task 'ex01.task1' answer: unknown compute 'count_words' (known: edits,",
        "answer: {compute: edits, stepp: x}": "task 'ex01.task1' answer: compute 'edits': got an unexpected keyword "
                                              "argument 'stepp'",
        "type: number": "task 'ex01.task1': 'type' must be one of int, float, text",
        "type: float": "task 'ex01.task1': a float answer needs a positive 'tolerance'",
        "": "task 'ex01.task1': 'hint' must be a non-empty string",
        "    mistakes: []\n": "task 'ex01.task1': 'mistakes' must list at least one typical mistake",
        "        text: only one step.": "task 'ex01.task1' mistake 1: expected 'value' and 'message'",
        "exercise1:": "task 'exercise1': task ids look like ex03.task2",
        "    question: How many edits?\n    answr: 3\n": "task 'ex01.task1': unknown key(s) answr",
        "type: [int": "malformed YAML",
    }[error]
    assert str(info.value).startswith(str(path))
    assert expected in str(info.value)


def test_a_missing_checks_file():
    with pytest.raises(LexiconError, match="no such file"):
        classroom.load_checks("/nonexistent/checks.yaml")


# -- the exercises: one source each, two versions made from it -----------------------------

def test_six_exercises_with_two_to_four_checked_tasks_each():
    assert [p.stem[:4] for p in SOURCES] == ["ex01", "ex02", "ex03", "ex04", "ex05", "ex06"]
    checked = []
    for source in SOURCES:
        ids = classroom.task_ids(source.read_text(encoding="utf-8"))
        n = int(source.stem[2:4])
        assert ids == [f"ex{n:02d}.task{i}" for i in range(1, len(ids) + 1)], source.name
        assert 2 <= len(ids) <= 4, source.name
        checked += ids
    assert sorted(checked) == sorted(classroom.load_checks())


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_each_exercise_has_the_header_teachers_expect(source):
    nb = jupytext.read(source)
    header = nb.cells[0].source
    assert re.match(r"# 练习 \d\d · ", header)
    for field in ("**Level**", "**Time**", "**Prerequisites**", "**Follows**", "**Learning goals.**"):
        assert field in header, (source.name, field)
    follows = re.search(r"\*\*Follows\*\* \| notebook `(\d\d-[\w-]+)`", header).group(1)
    assert (zs.paths.notebooks_dir() / f"{follows}.md").is_file()
    assert re.search(r"\*\*Time\*\* \| \d+ minutes", header)
    assert re.search(r"\*\*Level\*\* \| (beginner|intermediate|advanced)", header)
    assert nb.cells[-1].source.startswith("## Lesson complete")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_every_task_has_a_solution_cell_before_its_check(source):
    cells = jupytext.read(source).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and classroom.task_ids(cell.source):
            assert classroom.is_solution(cells[i - 1]) and cells[i - 1].cell_type == "code", (source.name, i)
            assert re.search(r"^answer\s*=", cells[i - 1].source, re.M), (source.name, i)


def _cells(nb):
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_student_and_solution_versions_are_made_from_the_source(source):
    text = jupytext.read(source)
    for kind, make in (("student", classroom.student_notebook), ("solutions", classroom.solution_notebook)):
        path = EX_DIR / kind / f"{source.stem}.ipynb"
        assert path.is_file(), f"{kind}/{path.name} missing; {FIX}"
        assert _cells(nbformat.read(path, as_version=4)) == _cells(make(text)), f"{kind}/{path.name} differs; {FIX}"


def test_no_student_file_contains_a_solution_cell():
    students = sorted((EX_DIR / "student").glob("*.ipynb"))
    assert [p.stem for p in students] == [p.stem for p in SOURCES]
    for path in students:
        nb = nbformat.read(path, as_version=4)
        solutions = [c.source for c in jupytext.read(EX_DIR / f"{path.stem}.md").cells if classroom.is_solution(c)]
        assert solutions
        for cell in nb.cells:
            assert "solution" not in cell.metadata.get("tags", []), path.name
            assert cell.source not in solutions, path.name
            assert cell.get("outputs", []) == [], path.name
        stubs = [c for c in nb.cells if "your-answer" in c.metadata.get("tags", [])]
        assert len(stubs) == len(solutions)
        assert {c.source for c in stubs} <= {classroom.CODE_STUB, classroom.TEXT_STUB}


def test_solution_versions_keep_a_right_self_check_for_nbval():
    for path in sorted((EX_DIR / "solutions").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        checks = [c for c in nb.cells if c.cell_type == "code" and classroom.task_ids(c.source)]
        assert checks
        for cell in checks:
            assert cell.source.startswith("# NBVAL_CHECK_OUTPUT\n")
            task = classroom.task_ids(cell.source)[0]
            assert [o["text"] for o in cell.outputs] == [f"✓ {task}: right." +
                                                          (f" {classroom.load_checks()[task].right}"
                                                           if classroom.load_checks()[task].right else "") + "\n"]


def test_student_notebooks_run_to_the_end_each_check_waiting_for_an_answer():
    """Every student notebook executes without an error (cells that load, look and plot
    run; each unanswered task's self-check says so). One kernel runs all six, its
    namespace reset between them, so no notebook leans on another's variables."""
    from nbclient import NotebookClient

    combined = nbformat.v4.new_notebook()
    owner = []
    for path in sorted((EX_DIR / "student").glob("*.ipynb")):
        combined.cells.append(nbformat.v4.new_code_cell("%reset -f"))
        owner.append((path.name, None))
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                combined.cells.append(nbformat.v4.new_code_cell(cell.source))
                owner.append((path.name, cell.id))
    NotebookClient(combined, kernel_name="python3", allow_errors=True, timeout=600,
                   resources={"metadata": {"path": str(EX_DIR)}}).execute()
    waiting = []
    for (name, cell_id), cell in zip(owner, combined.cells):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{name} cell {cell_id}: {errors[0].ename}: {errors[0].evalue}" if errors else ""
        ids = classroom.task_ids(cell.source)
        if ids:
            said = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert said == f"→ {ids[0]}: no answer yet: replace `...` with your answer and run the cell again.\n"
            waiting.append(ids[0])
    assert sorted(waiting) == sorted(TASKS)


# -- launch links -----------------------------------------------------------------------------

def test_launch_links_for_binder_and_a_jupyterhub():
    links = classroom.launch_links("https://github.com/someone/zhspeech.git", hub="https://hub.example.edu/")
    assert links == {
        "binder": "https://mybinder.org/v2/gh/someone/zhspeech/main?urlpath="
                  "lab%2Ftree%2Fnotebooks%2Fexercises%2Fstudent",
        "jupyterhub": "https://hub.example.edu/hub/user-redirect/git-pull?repo="
                      "https%3A%2F%2Fgithub.com%2Fsomeone%2Fzhspeech&branch=main&urlpath="
                      "lab%2Ftree%2Fzhspeech%2Fnotebooks%2Fexercises%2Fstudent",
    }
    assert list(classroom.launch_links("someone/zhspeech")) == ["binder"]
    with pytest.raises(ValueError, match="repo must be a GitHub URL or owner/name"):
        classroom.launch_links("not a repo")


# -- the teacher's guide and the glossary ---------------------------------------------------

def test_the_guide_covers_every_exercise_and_the_lab_room():
    guide = (zs.paths.project_root() / "docs" / "teaching.md").read_text(encoding="utf-8")
    for source in SOURCES:
        assert f"`{source.stem}`" in guide, source.stem
    for needed in ("## A 90-minute session", "## Three sessions", "## Common student mistakes",
                   "make report", "make test", "make lab", "make classroom", "environment.yml",
                   "mybinder.org", "git-pull?repo=", "Binder does not keep work"):
        assert needed in guide, needed


def test_the_glossary_names_existing_notebooks_for_each_term():
    glossary = (zs.paths.project_root() / "docs" / "glossary.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line.split("|")[3] for line in glossary.splitlines()
            if line.startswith("| **")}
    for term in ("词频", "关键性", "搭配", "KWIC", "离散度", "提法", "讲话结构词"):
        row = next((v for k, v in rows.items() if term in k), None)
        assert row is not None, term
        names = re.findall(r"`((?:\d\d|ex\d\d)-[\w-]+)`", row)
        assert names, term
        for name in names:
            folder = EX_DIR if name.startswith("ex") else zs.paths.notebooks_dir()
            assert (folder / f"{name}.md").is_file(), (term, name)


def test_answers_are_computed_from_the_speech_not_stored(tmp_path):
    """The same checks on a speech of our own: the right answers follow the text."""
    speech = tmp_path / "my_speech.txt"
    speech.write_text(
        "在全县人才工作会议上的讲话\n\n同志们：\n\n今天召开会议，主要是部署下一阶段的人才工作。\n\n"
        "一、认清形势\n\n人才是第一资源。近年来全县引进人才XX名，人才队伍不断壮大。\n\n"
        "二、突出重点\n\n要抓好人才培养，用好本土人才，留住青年人才。\n\n"
        "三、强化保障\n\n各部门要为人才办实事，让人才安心干事。\n\n同志们，让我们共同努力！\n",
        encoding="utf-8")
    mine = classroom.Study(speech)
    assert classroom.evaluate("ex02.task1", 3, study=mine).status == "right"
    assert classroom.evaluate("ex02.task1", 6, study=mine).status == "wrong"
    assert classroom.evaluate("ex03.task3", 10, study=mine).status == "right"
    assert classroom.evaluate("ex01.task3", 1, study=mine).status == "right"
