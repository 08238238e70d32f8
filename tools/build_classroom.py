"""Write the two versions of every classroom exercise from its one source,
notebooks/exercises/exNN-name.md (Jupytext MyST; cells tagged `solution` hold the
solutions):

  notebooks/exercises/student/exNN-name.ipynb    solution cells replaced by a stub, no outputs
  notebooks/exercises/solutions/exNN-name.ipynb  solutions kept; executed, and the output of
                                                 each self-check kept for nbval (it must say right)

With --html DIR, also the executed HTML of both versions (DIR/student, DIR/solutions), for
reading without Python. Run it with `make classroom`:
  python tools/build_classroom.py [--html reports/classroom] [exNN ...]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat

import zhspeech as zs
from nbexec import KERNEL, execute

ROOT = Path(__file__).resolve().parents[1]
EX_DIR = ROOT / "notebooks" / "exercises"


def sources(names=()) -> list[Path]:
    found = sorted(EX_DIR.glob("ex[0-9][0-9]-*.md"))
    if names:
        found = [p for p in found if any(p.stem.startswith(Path(n).stem) for n in names)]
        if not found:
            raise SystemExit(f"build_classroom: error: no exercise matches {' '.join(names)}")
    return found


def read_source(md: Path):
    nb = jupytext.read(md)
    nb.metadata = {"kernelspec": KERNEL, "language_info": {"name": "python"}}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{md.stem[:4]}-{i:02d}"
    return nb


def keep_checked_outputs(nb, executed, name: str):
    """Outputs of the self-check cells only; each must say right."""
    for cell, done in zip(nb.cells, executed.cells):
        if cell.cell_type == "code" and cell.source.startswith(zs.classroom.CHECK_MARK):
            cell.execution_count = done.execution_count
            cell.outputs = [o for o in done.outputs if o.get("output_type") == "stream" and o.get("name") == "stdout"]
            said = "".join(o["text"] for o in cell.outputs)
            if not said.startswith("✓"):
                raise SystemExit(f"{name}: the solution's self-check in cell {cell.id} says: {said.strip()}")


def without_marks(nb):
    """The notebook as readers see it: the nbval marker line is test machinery."""
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(zs.classroom.CHECK_MARK):
            cell.source = cell.source[len(zs.classroom.CHECK_MARK):].lstrip("\n")
    return nb


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--html", type=Path, help="also write executed HTML of both versions here")
    args = parser.parse_args(argv[1:])
    for md in sources(args.names):
        source = read_source(md)
        for kind, make in (("student", zs.classroom.student_notebook), ("solutions", zs.classroom.solution_notebook)):
            nb = make(source)
            path = EX_DIR / kind / f"{md.stem}.ipynb"
            path.parent.mkdir(exist_ok=True)
            executed = None
            if kind == "solutions" or args.html:
                executed = execute(nb, f"{kind}/{path.name}", EX_DIR)
            if kind == "solutions":
                keep_checked_outputs(nb, executed, path.name)
            nbformat.write(nb, str(path))
            print(f"wrote {path.relative_to(ROOT)}")
            if args.html:
                html = args.html / kind / f"{md.stem}.html"
                html.parent.mkdir(parents=True, exist_ok=True)
                html.write_text(zs.report.to_html(without_marks(executed)), encoding="utf-8")
                print(f"wrote {html}")


if __name__ == "__main__":
    main(sys.argv)
