"""Running the notebooks with parameters and writing self-contained HTML reports.

Each notebook is executed with papermill (parameters go into the cell tagged
``parameters``), converted with nbconvert, and given an embedded subset of the
Chinese font as ``@font-face``, listed first in every font family, so that Chinese
shows as glyphs even in a browser with no CJK font. ``reports/index.html`` links
them all. A failing notebook is still written (up to the failing cell) and named.
"""
from __future__ import annotations

import base64
import fnmatch
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from . import paths, provenance
from .errors import ReportError

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
    from fontTools import subset

    from .plot import find_chinese_font

    font_path = font_path or find_chinese_font()
    if font_path is None:
        return ""
    chars = {c for c in text if ord(c) > 0x2000} | set("0123456789")
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.layout_features = ["*"]
    font = subset.load_font(str(font_path), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    font.close()
    data = base64.b64encode(buf.getvalue()).decode("ascii")
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


def _quiet_kernel_manager(log_path: Path):
    """A kernel manager whose kernel writes its own stdout and stderr (ipykernel's
    transport warning, "KeyboardInterrupt caught in kernel" at shutdown) to ``log_path``
    instead of the terminal. Cell outputs still reach the notebook over ZeroMQ."""
    from jupyter_client.manager import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            log = open(log_path, "ab")  # noqa: SIM115 - kept open for the kernel's lifetime
            try:
                kw.setdefault("stdout", log)
                kw.setdefault("stderr", log)
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            finally:
                log.close()  # the kernel process holds its own copy of the descriptor

    return QuietKernelManager


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


def build_reports(pattern: str = "*.ipynb", out=None, *, no_input: bool = False, parameters: dict | None = None,
                  progress: bool = True, folder=None) -> list[NotebookResult]:
    """Execute the matching notebooks and write ``out/NAME.html`` and ``out/index.html``."""
    import tempfile

    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError
    from tqdm import tqdm

    out = Path(out) if out is not None else paths.project_root() / "reports"
    notebooks = find_notebooks(pattern, folder)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        kernel_log = Path(tmp) / "kernel.log"
        for path in tqdm(notebooks, desc="notebooks", unit="nb", disable=not progress):
            executed = Path(tmp) / path.name
            error = None
            try:
                pm.execute_notebook(str(path), str(executed), parameters=parameters or {}, kernel_name="python3",
                                    progress_bar=False, log_output=False, cwd=str(path.parent),
                                    kernel_manager_class=_quiet_kernel_manager(kernel_log))
            except PapermillExecutionError as exc:
                where = _original_cell_number(executed, exc.cell_index)
                error = f"cell {where} raised {exc.ename}: {exc.evalue}".splitlines()[0]
            except Exception as exc:  # kernel death, missing kernel: still report this notebook
                error = f"could not execute ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
            nb = nbformat.read(str(executed if executed.exists() else path), as_version=4)
            target = out / (path.stem + ".html")
            record = provenance.notebook_record(nb, path, parameters)
            target.write_text(to_html(nb, no_input=no_input, provenance=record, css=""), encoding="utf-8")
            results.append(NotebookResult(paths.display(path), target, error is None, notebook_title(nb),
                                          error or "", record))
    write_index(results, out, css="")
    provenance.write_manifest(results, out)
    # One font subset for the whole run: the characters of every page, embedded in each.
    pages = [r.html for r in results] + [out / "index.html"]
    texts = {p: p.read_text(encoding="utf-8") for p in pages if p.is_file()}
    css = font_face_css("".join(texts.values()))
    for p, page in texts.items():
        p.write_text(_inject(page, css), encoding="utf-8")
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
