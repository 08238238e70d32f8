"""Running the notebooks with parameters and writing self-contained HTML reports.

Each notebook is executed with papermill (parameters go into the cell tagged
``parameters``), converted with nbconvert, and given an embedded subset of the
Chinese font as ``@font-face``, listed first in every font family, so that Chinese
shows as glyphs even in a browser with no CJK font. ``reports/index.html`` links
them all. A failing notebook is still written (up to the failing cell) and named.

Parameters are checked before any kernel starts: only names assigned in a notebook's
``parameters`` cell (read with ``ast``, never executed), values converted to the type
of the default there. Reports are written to a new folder that replaces the target
only when every notebook has run, so ``index.html`` always lists exactly one run.
Ctrl-C shuts the running kernel down and leaves the target folder as it was.
"""
from __future__ import annotations

import ast
import base64
import fnmatch
import html
import json
import keyword
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from . import paths, provenance
from .errors import ReportError, UsageError, quote

FONT_FAMILY = "ZhspeechSC"


@dataclass
class NotebookResult:
    notebook: str
    html: Path | None
    ok: bool
    title: str = ""
    error: str = ""
    provenance: dict | None = None


def find_notebooks(pattern: str = "*.ipynb", folder=None) -> list[Path]:
    """Notebooks of ``folder`` (default ``notebooks/``) whose name matches ``pattern``."""
    folder = Path(folder) if folder is not None else paths.notebooks_dir()
    if Path(pattern).parent != Path("."):  # a pattern with a folder: other/*.ipynb
        folder = Path(pattern).parent
        if not folder.is_absolute() and not folder.is_dir():
            folder = paths.project_root() / folder
    pattern = Path(pattern).name

    def matches(p: Path) -> bool:
        return (fnmatch.fnmatch(p.name, pattern) or fnmatch.fnmatch(p.stem, pattern)
                or p.name.startswith(pattern))

    found = sorted(p for p in folder.glob("*.ipynb") if matches(p))
    if not found:
        names = ", ".join(p.name for p in sorted(folder.glob("*.ipynb"))) or "none"
        raise ReportError(pattern, f"no notebook matches this pattern in {paths.display(folder)} (there are: {names})")
    return found


def notebook_title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return ""


def font_face_css(text: str, font_path=None) -> str:
    """An ``@font-face`` rule embedding the glyphs of ``text`` from the Chinese font
    (a subset made with fontTools), plus rules that put it first in every family."""
    from .plot import find_chinese_font, font_subset

    font_path = font_path or find_chinese_font()
    if font_path is None:
        return ""
    chars = {c for c in text if ord(c) > 0x2000} | set("0123456789")
    data = base64.b64encode(font_subset(font_path, chars)).decode("ascii")
    fam = f"'{FONT_FAMILY}'"
    return (
        "<style id=\"zhspeech-font\">\n"
        f"@font-face {{ font-family: {fam}; src: url(data:font/otf;base64,{data}) format('opentype'); }}\n"
        f":root {{ --jp-ui-font-family: {fam}, system-ui, sans-serif; "
        f"--jp-content-font-family: {fam}, system-ui, sans-serif; "
        f"--jp-code-font-family: monospace, {fam}; }}\n"
        f"body, .jp-Notebook, .jp-RenderedHTMLCommon, table, th, td {{ font-family: {fam}, system-ui, sans-serif; }}\n"
        f"pre, code, .jp-InputArea-editor, .highlight {{ font-family: monospace, {fam}; }}\n"
        "</style>\n")


def _inject(page: str, css: str) -> str:
    if "</head>" in page:
        return page.replace("</head>", css + "</head>", 1)
    return css + page


CHECK_MARKER = "# NBVAL_CHECK_OUTPUT"


def strip_check_markers(nb):
    """Drop the ``# NBVAL_CHECK_OUTPUT`` marker lines (instructions to the tests, not
    to the reader) from the code cells of ``nb``, in place; returns ``nb``."""
    for cell in nb.cells:
        if cell.cell_type == "code" and CHECK_MARKER in cell.source:
            lines = [ln for ln in cell.source.split("\n") if ln.strip() != CHECK_MARKER]
            cell.source = "\n".join(lines)
    return nb


def to_html(nb, *, no_input: bool = False, provenance: dict | None = None,
            css: str | None = None) -> str:
    """HTML of an executed notebook, with the Chinese font embedded and the test markers
    taken out of the code; ``provenance`` (a :func:`zhspeech.provenance.record`) becomes
    its closing "Methods and provenance" section; ``css`` from
    :func:`font_face_css`, made for this page when not given."""
    from nbconvert import HTMLExporter

    nb = strip_check_markers(nb)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = no_input
    exporter.exclude_input_prompt = no_input
    exporter.exclude_output_prompt = no_input
    body, _ = exporter.from_notebook_node(nb)
    if provenance is not None:
        from .provenance import to_html as section

        end = body.rfind("</main>") if "</main>" in body else body.rfind("</body>")
        body = body[:end] + section(provenance) + body[end:] if end >= 0 else body + section(provenance)
    return _inject(body, font_face_css(body) if css is None else css)


def notebook_parameters(nb) -> dict:
    """``{name: default}`` of the cell tagged ``parameters`` (a notebook or a path).

    The cell is parsed with :mod:`ast`, never executed: each ``name = literal``
    assignment counts; a default that is not a literal is kept as None (any text
    accepted).
    """
    import nbformat

    if not hasattr(nb, "cells"):
        nb = nbformat.read(str(nb), as_version=4)
    out = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" not in cell.metadata.get("tags", []):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError as exc:
            raise ReportError(cell.source[:40], f"parameters cell is not valid Python ({exc.msg})") from None
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else []
            for t in targets:
                if isinstance(t, ast.Name):
                    try:
                        out[t.id] = ast.literal_eval(node.value)
                    except ValueError:
                        out[t.id] = None
    return out


_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


def _typed(name: str, value: str, default):
    """``value`` (text from the command line) converted to the type of ``default``."""
    want = type(default)
    try:
        if isinstance(default, bool):
            low = value.strip().lower()
            if low not in _TRUE | _FALSE:
                raise ValueError
            return low in _TRUE
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, (list, tuple)):
            import json

            items = json.loads(value) if value.lstrip().startswith("[") else \
                [v.strip() for v in value.split(",") if v.strip()]
            kinds = {type(x) for x in default} or {str}
            if not isinstance(items, list) or any(type(x) not in kinds for x in items):
                raise ValueError
            return items
    except ValueError:
        what = {bool: "true or false", int: "a whole number", float: "a number",
                list: "a list (a,b,c or a JSON list)", tuple: "a list"}.get(want, want.__name__)
        raise UsageError("--param", f"{name}: {quote(value)} is not {what} like the default "
                                    f"{quote(default)}") from None
    return value


def check_parameters(items, notebooks) -> dict:
    """Parse ``NAME=VALUE`` items for the given notebooks.

    Returns ``{notebook path: {name: typed value}}``: each notebook receives only the
    names its ``parameters`` cell defines. Raises UsageError (``--param``) for a
    malformed item, a name that is not an identifier or that no selected notebook
    defines, a value of the wrong type, or a ``speech`` file that does not exist.
    """
    defaults = {Path(nb): notebook_parameters(nb) for nb in notebooks}
    known = {n for d in defaults.values() for n in d}
    given = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError("--param", f"{quote(item)}: expected NAME=VALUE")
        name, value = item.split("=", 1)
        name = name.strip()
        if not name.isidentifier() or keyword.iskeyword(name):
            raise UsageError("--param", f"{quote(name)} is not a parameter name")
        if name not in known:
            raise UsageError("--param", f"{quote(name)}: no such parameter in the selected notebooks "
                                        f"(they have {', '.join(sorted(known)) or 'none'})")
        default = next(d[name] for d in defaults.values() if name in d)
        given[name] = value if default is None else _typed(name, value, default)
    if "speech" in given:
        speech = paths.raw_dir() / str(given["speech"])
        if not speech.is_file():
            raise UsageError("--param", f"speech={quote(given['speech'])}: no such file in "
                                        f"{paths.display(paths.raw_dir())} (give a file name there or a full path)")
    return {nb: {k: v for k, v in given.items() if k in d} for nb, d in defaults.items()}


def _inject_parameters(nb, values: dict):
    """A copy of ``nb`` with a cell after the parameters cell assigning ``values``
    (typed literals written with ``repr``, so no value can become code)."""
    import copy

    from nbformat.v4 import new_code_cell

    nb = copy.deepcopy(nb)
    if not values:
        return nb
    at = next((i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), -1)
    source = "# Parameters\n" + "".join(f"{k} = {v!r}\n" for k, v in values.items())
    cell = new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(at + 1, cell)
    return nb


# Kernel managers started for the notebook running now, so that Ctrl-C can stop them.
_KERNELS: list = []


def _kernel_manager_class(log: Path):
    """A kernel manager that registers itself (for Ctrl-C) and sends the kernel's own
    stdout and stderr (ipykernel's transport warning, "KeyboardInterrupt caught in
    kernel" at shutdown) to ``log`` instead of the user's terminal. Cell outputs still
    reach the notebook over ZeroMQ."""
    from jupyter_client.manager import AsyncKernelManager

    class TrackedKernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            _KERNELS.append(self)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            with open(log, "ab") as fh:
                kw["stdout"] = fh
                kw["stderr"] = fh
                return await super()._async_launch_kernel(kernel_cmd, **kw)

    return TrackedKernelManager


def _stop_kernels() -> None:
    """Terminate every kernel still running (after Ctrl-C); the client shuts it down."""
    for km in list(_KERNELS):
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.terminate()


def _execute(source: Path, executed: Path, cwd: Path) -> None:
    """Run one notebook with papermill in a worker thread. The main thread stays free
    to receive Ctrl-C, stop the kernel and let the worker finish before it re-raises."""
    import logging

    import papermill as pm

    # papermill logs a dying kernel itself; our one line about the notebook says it.
    log = logging.getLogger("papermill")
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())
    outcome: dict = {}

    def work():
        import asyncio

        try:
            pm.execute_notebook(str(source), str(executed), parameters={}, kernel_name="python3",
                                progress_bar=False, log_output=False, cwd=str(cwd),
                                kernel_manager_class=_kernel_manager_class(executed.with_suffix(".stderr")))
        except BaseException as exc:  # handed to the main thread below
            outcome["error"] = exc
        finally:
            try:
                loop = asyncio.get_event_loop_policy().get_event_loop()
            except RuntimeError:  # this thread never made a loop
                loop = None
            if loop is not None and not loop.is_running():
                loop.close()

    _KERNELS.clear()
    worker = threading.Thread(target=work, name="zhspeech-notebook", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        _stop_kernels()
        worker.join(30)
        raise
    if "error" in outcome:
        raise outcome["error"]


def build_reports(pattern: str = "*.ipynb", out=None, *, no_input: bool = False, parameters=None,
                  progress: bool = True, folder=None) -> list[NotebookResult]:
    """Execute the matching notebooks and write ``out/NAME.html`` and ``out/index.html``.

    ``parameters`` is a list of ``NAME=VALUE`` strings (checked with
    :func:`check_parameters`) or a dict of already typed values. ``out`` is replaced
    whole when the run completes; an existing ``out`` must be a report folder.
    """
    import shutil
    import tempfile

    import nbformat
    from papermill.exceptions import PapermillExecutionError
    from tqdm import tqdm

    from .output import new_folder_beside, replace_folder

    out = Path(out) if out is not None else paths.project_root() / "reports"
    notebooks = find_notebooks(pattern, folder)
    if isinstance(parameters, dict):
        parameters = [f"{k}={v}" if not isinstance(v, (list, tuple)) else f"{k}={json.dumps(v)}"
                      for k, v in parameters.items()]
    values = check_parameters(parameters or [], notebooks)
    staging = new_folder_beside(out)
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for path in tqdm(notebooks, desc="notebooks", unit="nb", disable=not progress):
                source = Path(tmp) / ("in-" + path.name)
                executed = Path(tmp) / path.name
                nbformat.write(_inject_parameters(nbformat.read(str(path), as_version=4), values[path]),
                               str(source))
                error = None
                try:
                    _execute(source, executed, path.parent)
                except PapermillExecutionError as exc:
                    where = _original_cell_number(executed, exc.cell_index)
                    error = f"cell {where} raised {exc.ename}: {exc.evalue}".splitlines()[0]
                except Exception as exc:  # kernel death, missing kernel: still report this notebook
                    error = f"could not execute ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
                nb = nbformat.read(str(executed if executed.exists() else source), as_version=4)
                target = staging / (path.stem + ".html")
                record = provenance.notebook_record(nb, path, values[path])
                target.write_text(to_html(nb, no_input=no_input, provenance=record, css=""), encoding="utf-8")
                results.append(NotebookResult(paths.display(path), out / target.name, error is None,
                                              notebook_title(nb), error or "", record))
        write_index(results, staging, css="")
        provenance.write_manifest(results, staging)
        # One font subset for the whole run: the characters of every page, embedded in each.
        pages = [staging / r.html.name for r in results] + [staging / "index.html"]
        texts = {p: p.read_text(encoding="utf-8") for p in pages if p.is_file()}
        css = font_face_css("".join(texts.values()))
        for p, page in texts.items():
            p.write_text(_inject(page, css), encoding="utf-8")
        replace_folder(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return results


def _original_cell_number(executed: Path, index: int) -> int:
    """1-based position of the failing cell in the notebook as written, not counting
    the cell papermill injects for parameters."""
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    injected = sum(1 for c in nb.cells[:index] if "injected-parameters" in c.metadata.get("tags", []))
    return index - injected + 1


def write_index(results: list[NotebookResult], out: Path, *, css: str | None = None) -> Path:
    rows = []
    for r in results:
        status = "✓" if r.ok else f"✗ {html.escape(r.error)}"
        rows.append(f"<tr><td><a href=\"{html.escape(r.html.name)}\">{html.escape(Path(r.notebook).stem)}</a></td>"
                    f"<td>{html.escape(r.title)}</td><td>{status}</td></tr>")
    body = (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<title>zhspeech 报告 / reports</title>\n"
        "<style>body{margin:2em auto;max-width:60em;line-height:1.6} table{border-collapse:collapse}"
        "td,th{border-bottom:1px solid #ddd;padding:.4em .8em;text-align:left}</style>\n</head><body>\n"
        "<h1>zhspeech 报告</h1>\n<p>Reports generated by <code>zhspeech report</code> from the notebooks "
        "in <code>notebooks/</code>. 每个报告对应一个笔记本。</p>\n"
        "<table><tr><th>notebook</th><th>标题 / title</th><th>status</th></tr>\n" + "\n".join(rows) +
        "\n</table>\n" + provenance.index_html([r.provenance for r in results if r.provenance]) +
        "</body></html>\n")
    path = out / "index.html"
    path.write_text(_inject(body, font_face_css(body) if css is None else css), encoding="utf-8")
    return path
