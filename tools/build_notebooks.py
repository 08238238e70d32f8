"""Sync notebooks/NN-name.md (Jupytext MyST Markdown, the sources) to their paired
NN-name.ipynb, execute each notebook, and keep only the outputs of cells marked
NBVAL_CHECK_OUTPUT (the key numbers that nbval compares in `make test`).

Run it with `make notebooks` after editing a notebook, or after a change that
legitimately moves a checked number:  python tools/build_notebooks.py [NN-name ...]
"""
from __future__ import annotations

import sys
from pathlib import Path

import jupytext
import nbformat

from nbexec import KERNEL, execute

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
CHECK = "# NBVAL_CHECK_OUTPUT"


def sources(names=()) -> list[Path]:
    """The .md sources to sync: all NN-*.md of notebooks/, or those named."""
    if not names:
        return sorted(NB_DIR.glob("[0-9][0-9]-*.md"))
    paths = [NB_DIR / f"{Path(n).stem}.md" for n in names]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise SystemExit(f"build_notebooks: error: no source notebooks/{', '.join(missing)}")
    return paths


def sync(md: Path) -> Path:
    """Write md's paired .ipynb from md alone (no outputs yet); stable cell ids."""
    nb = jupytext.read(md)
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,md:myst"
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{md.stem[:2]}-{i:02d}"
    path = md.with_suffix(".ipynb")
    jupytext.write(nb, path, fmt="ipynb")
    return path


def execute_and_strip(path: Path):
    executed = execute(path, path.name, path.parent)
    nb = nbformat.read(str(path), as_version=4)
    for cell, done in zip(nb.cells, executed.cells):
        if cell.cell_type != "code":
            continue
        if cell.source.startswith(CHECK):
            # nbval needs an execution count on a cell whose outputs it compares.
            cell.execution_count = done.execution_count
            cell.outputs = [o for o in done.outputs if o.get("output_type") == "stream" and o.get("name") == "stdout"]
        else:
            cell.execution_count = None
            cell.outputs = []
    nbformat.write(nb, str(path))


def main(argv):
    for md in sources(argv[1:]):
        path = sync(md)
        execute_and_strip(path)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv)
