"""The on-disk cache of derived tables: named tables keyed by strings.

Each entry is one ``.npz`` file holding plain arrays (never pickles) and a header with
the sha256 of its key and of its content. Both are checked on every read, together
with an optional caller's check against the input it claims to describe; a damaged,
truncated or mismatching entry is deleted and recomputed with one warning. Writes go
to a unique temporary file renamed into place, so concurrent runs never see half an
entry. A location that cannot be used means running without a cache (one warning).

The default folder is ``$ZHSPEECH_CACHE`` or the user's cache folder
(``platformdirs.user_cache_dir("zhspeech")``), never the install tree.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

FORMAT = 1
_META = "__meta__"
# Folders found unusable in this process (warned once each).
_UNUSABLE: dict[str, str] = {}


class CacheWarning(UserWarning):
    """A cache entry was damaged and recomputed, or the cache could not be used."""


def _digest(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def content_hash(arrays: dict) -> str:
    """sha256 over every array's name, dtype, shape and bytes (in name order)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


class Cache:
    """A folder of cached tables. ``get``/``put`` store dicts of numpy arrays,
    ``get_table``/``put_table`` pandas DataFrames of numbers, booleans and strings.

    Args:
        folder: where entries live; default :func:`zhspeech.paths.cache_dir`.
        enabled: False gives a cache that stores nothing (``cache=False`` options).
    """

    def __init__(self, folder=None, *, enabled: bool = True):
        from . import paths

        self.folder = Path(folder) if folder is not None else paths.cache_dir()
        self.enabled = enabled

    # -- locations ---------------------------------------------------------------------

    def path(self, name: str, key: str) -> Path:
        """The file of the entry ``key`` of table ``name``."""
        return self.folder / name / f"{_digest(key)[:32]}.npz"

    @property
    def usable(self) -> bool:
        return self.enabled and str(self.folder) not in _UNUSABLE

    def _unusable(self, exc: OSError) -> None:
        where = str(self.folder)
        if where not in _UNUSABLE:
            _UNUSABLE[where] = exc.strerror or type(exc).__name__
            warnings.warn(f"{where}: cache folder unusable ({_UNUSABLE[where]}); running without a cache",
                          CacheWarning, stacklevel=3)

    def _discard(self, path: Path, why: str) -> None:
        warnings.warn(f"{path}: cache entry {why}; discarded and recomputed", CacheWarning, stacklevel=3)
        try:
            path.unlink()
        except FileNotFoundError:
            return  # another process discarded it first
        except OSError as exc:
            self._unusable(exc)

    # -- arrays ------------------------------------------------------------------------

    def get(self, name: str, key: str, *, check=None) -> dict | None:
        """The arrays stored for ``key``, or None (absent, or damaged and discarded).

        ``check(arrays)`` may verify the entry against the input it was computed from
        and return a reason string when it does not match (None when it does).
        """
        if not self.usable:
            return None
        path = self.path(name, key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            if isinstance(exc, IsADirectoryError):
                self._discard_folder(path)
                return None
            self._unusable(exc)
            return None
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            meta = json.loads(str(arrays.pop(_META)))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, TypeError) as exc:
            self._discard(path, f"unreadable ({type(exc).__name__})")
            return None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("name") != name:
            self._discard(path, "written by another version")
            return None
        if meta.get("key") != _digest(key):
            self._discard(path, "belongs to another input")
            return None
        if meta.get("content") != content_hash(arrays):
            self._discard(path, "content does not match its checksum")
            return None
        if check is not None:
            why = check(arrays)
            if why:
                self._discard(path, why)
                return None
        return arrays

    def _discard_folder(self, path: Path) -> None:
        warnings.warn(f"{path}: a folder where a cache entry belongs; running without this entry",
                      CacheWarning, stacklevel=3)

    def put(self, name: str, key: str, arrays: dict) -> None:
        """Store ``arrays`` (name → numpy array, no object arrays) under ``key``."""
        if not self.usable:
            return
        arrays = {k: np.asarray(v) for k, v in arrays.items()}
        for k, a in arrays.items():
            if a.dtype == object:
                raise TypeError(f"cache table {name!r}: column {k!r} holds Python objects, not plain values")
        meta = {"format": FORMAT, "name": name, "key": _digest(key), "content": content_hash(arrays)}
        path = self.path(name, key)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=path.stem[:8] + ".", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays, **{_META: np.array(json.dumps(meta))})
            os.replace(tmp, path)
        except OSError as exc:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)
            self._unusable(exc)

    # -- tables ------------------------------------------------------------------------

    def get_table(self, name: str, key: str, *, check=None):
        """The DataFrame stored for ``key``, or None."""
        import pandas as pd

        arrays = self.get(name, key, check=None)
        if arrays is None:
            return None
        try:
            columns = json.loads(str(arrays.pop("__columns__")))
            df = pd.DataFrame({c: arrays[f"c{i}"] for i, c in enumerate(columns)}, columns=columns)
        except (KeyError, ValueError) as exc:
            self._discard(self.path(name, key), f"not a table ({type(exc).__name__})")
            return None
        if check is not None:
            why = check(df)
            if why:
                self._discard(self.path(name, key), why)
                return None
        return df

    def put_table(self, name: str, key: str, df) -> None:
        """Store a DataFrame whose columns hold numbers, booleans or strings."""
        arrays = {"__columns__": np.array(json.dumps([str(c) for c in df.columns]))}
        for i, c in enumerate(df.columns):
            col = df[c]
            if col.dtype == object or str(col.dtype) in ("string", "str"):
                values = col.tolist()
                if any(not isinstance(v, str) for v in values):
                    raise TypeError(f"cache table {name!r}: column {c!r} mixes strings with other values")
                arrays[f"c{i}"] = np.array(values, dtype=str) if values else np.array([], dtype="<U1")
            else:
                arrays[f"c{i}"] = col.to_numpy()
        self.put(name, key, arrays)


def default(*, enabled: bool = True) -> Cache:
    """The cache at the current default location (read from the environment each time)."""
    return Cache(enabled=enabled)
