"""Where things live: the project root, data folders, the shared comparable corpus and
the cache. Environment variables override each (ZHSPEECH_DATA, ZHSPEECH_CORPUS_DIR,
ZHSPEECH_CACHE), so notebooks never depend on the working directory."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).resolve()


def project_root() -> Path:
    """The repository root (the folder holding ``data/`` and ``notebooks/``)."""
    return _HERE.parents[2]


def data_dir() -> Path:
    """The data folder: ``$ZHSPEECH_DATA`` or ``<root>/data``."""
    env = os.environ.get("ZHSPEECH_DATA")
    return Path(env) if env else project_root() / "data"


@lru_cache(maxsize=1)
def package_data_dir() -> Path:
    """The bundled lexicons and reference tables as installed with the package.

    The build maps the repository's ``data/`` folder to the package ``zhspeech.data``
    (see ``pyproject.toml``), so in a checkout this *is* ``data/`` and in a wheel it
    is the copy made from it: one source of truth. Found once per process (where the
    package is installed does not change while it runs; asking importlib each time
    cost more than reading a cached lexicon).
    """
    from importlib.resources import files

    return Path(str(files("zhspeech.data")))


def _bundled(sub: str) -> Path:
    env = os.environ.get("ZHSPEECH_DATA")
    if env:
        return Path(env) / sub
    return package_data_dir() / sub


def raw_dir() -> Path:
    return data_dir() / "raw"


def lexicon_dir() -> Path:
    return _bundled("lexicons")


def lexicon(name: str) -> Path:
    """Path of a bundled lexicon file such as ``themes.yaml``."""
    return lexicon_dir() / name


def reference_dir() -> Path:
    return _bundled("reference")


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def gold_dir() -> Path:
    """The hand-checked gold outlines (``structure/corpus``, ``structure/speeches``) and,
    beside them, the project's own test speeches (``tests/data/speeches``)."""
    return project_root() / "tests" / "gold"


def sample_speech() -> Path:
    """The sample speech as received (data/raw/)."""
    return raw_dir() / "000_20ad1a32e8f79341.txt"


def corpus_dir() -> Path:
    """The comparable corpus: ``$ZHSPEECH_CORPUS_DIR`` or ``../shared/corpus``.

    It holds ``texts/`` (official reports) and ``speeches/`` (published speeches),
    each with a ``manifest.csv``. The folder may be absent on a user's machine.
    """
    env = os.environ.get("ZHSPEECH_CORPUS_DIR")
    return Path(env) if env else project_root().parent / "shared" / "corpus"


def cache_dir() -> Path:
    """The cache: ``$ZHSPEECH_CACHE`` or the user's cache folder
    (``platformdirs.user_cache_dir("zhspeech")``), never inside the install tree."""
    env = os.environ.get("ZHSPEECH_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("zhspeech", appauthor=False))


def display(path) -> str:
    """A path as shown to people: relative to the project root when inside it, so that
    notebook outputs and reports never show this machine's absolute paths."""
    p = _resolved_file(Path(path))
    for base, prefix in ((project_root(), ""), (_resolved(corpus_dir()), "corpus/")):
        try:
            return prefix + str(p.relative_to(base))
        except ValueError:
            continue
    return p.name


def _resolved(folder: Path) -> Path:
    """``folder.resolve()``, remembered per path and folder identity (device, inode: a
    link pointed at another folder resolves anew); a missing folder is resolved each time."""
    try:
        st = os.stat(folder)
    except OSError:
        return folder.resolve()
    return realpath(str(folder), st.st_dev, st.st_ino)


@lru_cache(maxsize=256)
def realpath(path: str, device: int, inode: int) -> Path:
    """``Path(path).resolve()``, remembered per path and the identity (device, inode)
    of what it names: a link pointed elsewhere names another identity and resolves
    anew. Resolving costs ten times the ``stat`` that gives the identity."""
    return Path(path).resolve()


def _resolved_file(path: Path) -> Path:
    """``path.resolve()``: for a file that is not itself a link, its resolved folder
    (remembered, :func:`_resolved`) and its name."""
    import stat

    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return path.resolve()
    if link or path.name in ("", ".", ".."):
        return path.resolve()
    return _resolved(path.parent) / path.name
