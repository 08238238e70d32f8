"""What tools/build_notebooks.py and tools/build_classroom.py share: the kernel they name
in the notebooks they write, and one way to execute a notebook (papermill, the kernel's own
start-up chatter sent to a log rather than the terminal, the first error cell reported)."""
from __future__ import annotations

import tempfile
from pathlib import Path

KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def execute(nb, name: str, cwd: Path):
    """``nb`` (a notebook node or a path) executed in ``cwd``; SystemExit naming the cell
    and the exception when a cell raised."""
    import papermill as pm

    from zhspeech.report import _kernel_manager_class

    with tempfile.TemporaryDirectory() as tmp:
        executed = pm.execute_notebook(str(nb) if isinstance(nb, Path) else nb, None, kernel_name=KERNEL["name"],
                                       progress_bar=False, log_output=False, cwd=str(cwd),
                                       kernel_manager_class=_kernel_manager_class(Path(tmp) / "kernel.log"))
    for cell in executed.cells:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            raise SystemExit(f"{name}: cell {cell.id} raised {errors[0]['ename']}: {errors[0]['evalue']}")
    return executed
