"""The notebooks' sources are notebooks/NN-name.md (Jupytext MyST Markdown); the paired
.ipynb that nbval runs must hold exactly the same cells, so that the two never drift."""
from __future__ import annotations

import jupytext
import nbformat
import pytest

import zhspeech as zs

NB_DIR = zs.paths.notebooks_dir()
SOURCES = sorted(NB_DIR.glob("[0-9][0-9]-*.md"))
FIX = "run `make notebooks` to sync the .ipynb from the .md (or open it in JupyterLab, which keeps the pair in step)"


def _cells(nb):
    return [(c.cell_type, c.source, list(c.metadata.get("tags", []))) for c in nb.cells]


def test_every_notebook_has_its_markdown_source_and_the_other_way_round():
    ipynb = {p.stem for p in NB_DIR.glob("*.ipynb")}
    md = {p.stem for p in SOURCES}
    assert len(md) == 7
    assert ipynb - md == set(), f"notebooks without a .md source: {sorted(ipynb - md)}"
    assert md - ipynb == set(), f"sources without a notebook: {sorted(md - ipynb)}; {FIX}"


def drift(source, paired) -> str | None:
    """Why ``paired`` (.ipynb) does not match its source (.md), or None when it does."""
    text = jupytext.read(source)
    nb = nbformat.read(paired, as_version=4)
    if nb.metadata.get("jupytext", {}).get("formats") != "ipynb,md:myst":
        return f"{paired.name} is not paired with {source.name}; {FIX}"
    want, got = _cells(text), _cells(nb)
    for i, (w, g) in enumerate(zip(want, got)):
        if g != w:
            return f"{paired.name} cell {i} differs from {source.name}; {FIX}"
    if len(got) != len(want):
        return f"{paired.name} has {len(got)} cells, {source.name} {len(want)}; {FIX}"
    return None


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ipynb_cells_equal_the_markdown_source(source):
    meta = jupytext.read(source).metadata["jupytext"]
    assert meta["formats"] == "ipynb,md:myst"
    assert meta["text_representation"]["format_name"] == "myst"
    problem = drift(source, source.with_suffix(".ipynb"))
    assert problem is None, problem


def test_drift_names_the_cell_and_the_fix(tmp_path):
    source = NB_DIR / "00-tour.md"
    edited = tmp_path / "00-tour.md"
    edited.write_text(source.read_text(encoding="utf-8").replace('speech = "', 'speech  = "', 1), encoding="utf-8")
    paired = NB_DIR / "00-tour.ipynb"
    params = next(i for i, c in enumerate(nbformat.read(paired, as_version=4).cells)
                  if "parameters" in c.metadata.get("tags", []))
    assert drift(edited, paired) == f"00-tour.ipynb cell {params} differs from 00-tour.md; {FIX}"
    edited.write_text(source.read_text(encoding="utf-8") + "\n+++\n\nA new cell.\n", encoding="utf-8")
    n = len(nbformat.read(paired, as_version=4).cells)
    assert drift(edited, paired) == f"00-tour.ipynb has {n} cells, 00-tour.md {n + 1}; {FIX}"


def test_each_notebook_has_one_parameters_cell_and_checked_cells():
    for source in SOURCES:
        cells = _cells(jupytext.read(source))
        assert len([c for c in cells if "parameters" in c[2]]) == 1, source.name
        assert any(c[0] == "code" and c[1].startswith("# NBVAL_CHECK_OUTPUT") for c in cells), source.name
