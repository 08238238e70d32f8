"""Writing outputs without ever losing an input: an output may not be one of the
inputs (or another output), every file is written to a temporary name in its target
folder and renamed into place, and folders of reports are swapped in only when whole.
"""
from __future__ import annotations

import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path

from .errors import OutputError


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare the resolved names
        return a.resolve() == b.resolve()


def check_outputs(outputs: dict, inputs) -> None:
    """Refuse outputs that would overwrite an input or each other.

    Args:
        outputs: ``{option: path}`` such as ``{"--out": "x.csv", "--log": "edits.csv"}``;
            None values are skipped.
        inputs: paths read by the command (files, or folders whose files are read).

    Raises:
        OutputError: naming the option and the file it would destroy.
    """
    given = [(opt, Path(p)) for opt, p in outputs.items() if p is not None and str(p) != "-"]
    input_files = []
    for p in inputs:
        p = Path(p)
        if p.is_dir():
            input_files.extend(f for f in p.rglob("*") if f.is_file())
        else:
            input_files.append(p)
    for opt, out in given:
        for src in input_files:
            if _same(out, src):
                raise OutputError(opt, f"{out} is an input of this command; writing it would destroy it")
    for i, (opt, out) in enumerate(given):
        for opt2, out2 in given[i + 1:]:
            if _same(out, out2):
                raise OutputError(opt2, f"{out2} is also given to {opt}; one would overwrite the other")


def _special(path: Path) -> bool:
    """True for an existing non-regular file (/dev/stdout, a FIFO, /dev/full): such a
    target is written in place, never replaced by a rename."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _cause(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def prepare_parent(path: Path, option: str) -> Path:
    """Create the folder that will hold ``path`` (and its parents) or say why not."""
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(option, f"{path}: a parent of this path is a file, not a folder") from None
    except OSError as exc:
        raise OutputError(option, f"{path}: cannot create folder {parent} ({_cause(exc)})") from None
    return parent


def write_bytes(path, data: bytes, *, option: str = "--out") -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, then
    a rename, so a reader (or an interrupted run) never sees a half-written file.

    Raises:
        OutputError: the path is a folder, its folder cannot be created, or writing
            failed (read-only, disk full); a temporary file is never left behind.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(option, f"{path} is a folder; give a file name")
    if _special(path):
        try:
            with open(path, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise OutputError(option, f"{path}: cannot write ({_cause(exc)})") from None
        return path
    parent = prepare_parent(path, option)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputError(option, f"{path}: cannot write in {parent} ({_cause(exc)})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise OutputError(option, f"{path}: cannot write ({_cause(exc)})") from None
    except BaseException:
        _discard(tmp)
        raise
    return path


def write_text(path, text: str, *, option: str = "--out") -> Path:
    """:func:`write_bytes` for UTF-8 text."""
    return write_bytes(path, text.encode("utf-8"), option=option)


def _discard(tmp) -> None:
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_report_folder(folder: Path) -> bool:
    """A folder zhspeech may replace: empty, or written by ``zhspeech report`` before."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return False
    if not entries:
        return True
    # What zhspeech report writes: HTML files only, one of them its index.
    index = folder / "index.html"
    if not index.is_file() or any(e.is_dir() or e.suffix != ".html" for e in entries):
        return False
    try:
        return "<title>zhspeech 报告" in index.read_text(encoding="utf-8", errors="replace")[:200000]
    except OSError:
        return False


def new_folder_beside(target: Path, option: str = "--out") -> Path:
    """A fresh temporary folder next to ``target`` (same file system, so the final
    swap is a rename), after checking that ``target`` may be replaced."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError(option, f"{target} is a file; give a folder for the reports")
    if target.is_dir() and not is_report_folder(target):
        raise OutputError(option, f"{target} is a folder with other files, not a zhspeech report folder; "
                                  "give a new or empty folder")
    parent = prepare_parent(target, option)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; reports are not
    except OSError as exc:
        raise OutputError(option, f"{target}: cannot write in {parent} ({_cause(exc)})") from None
    return tmp


def replace_folder(tmp: Path, target: Path, option: str = "--out") -> Path:
    """Put the completed folder ``tmp`` in place of ``target`` (two renames; the old
    folder is deleted only after the new one is in place)."""
    tmp, target = Path(tmp), Path(target)
    old = None
    try:
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.rmdir(old)
            os.replace(target, old)
        os.replace(tmp, target)
    except OSError as exc:
        if old is not None and old.exists() and not target.exists():
            os.replace(old, target)
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise OutputError(option, f"{target}: changed while the reports were written") from None
        raise OutputError(option, f"{target}: cannot replace ({_cause(exc)})") from None
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target
