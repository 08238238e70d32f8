"""The on-disk cache of derived tables: named tables keyed by strings.

Each entry is one ``.npz`` file holding plain arrays (never pickles) and a header with
the sha256 of its key and of its content. Both are checked on every read, together
with an optional caller's check against the input it claims to describe; a damaged,
truncated or mismatching entry is deleted and recomputed with one warning. Writes go
to a unique temporary file renamed into place, so concurrent runs never see half an
entry. A location that cannot be used means running without a cache (one warning).

The default folder is ``$ZHSPEECH_CACHE`` or the user's cache folder
(``platformdirs.user_cache_dir("zhspeech")``), never the install tree.

Beside the array entries, the cache keeps plain byte entries (``get_bytes``/``put_bytes``:
a command's finished output, see :mod:`zhspeech.pipeline`) and a file-stat index per
folder (:func:`file_digests`): name, size, mtime, inode and ctime → sha256, so that an
unchanged input file is not read again to learn its hash. Entries may name the entries they were
derived from (``deps``); a derived entry whose sources changed on disk since it was
written is stale and recomputed. Nothing here imports numpy or pandas until an array
entry is read or written: a warm command that only reads a byte entry stays light.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import warnings
from pathlib import Path

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
    import numpy as np

    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


class Cache:
    """A folder of cached tables. ``get``/``put`` store dicts of numpy arrays,
    ``get_table``/``put_table`` pandas DataFrames of numbers, booleans and strings
    (an Arrow IPC stream in a byte entry), ``get_bytes``/``put_bytes`` bytes.

    Args:
        folder: where entries live; default :func:`zhspeech.paths.cache_dir`.
        enabled: False gives a cache that stores nothing (``cache=False`` options).
    """

    def __init__(self, folder=None, *, enabled: bool = True):
        from . import paths

        self.folder = Path(folder) if folder is not None else paths.cache_dir()
        self.enabled = enabled

    # -- locations ---------------------------------------------------------------------

    def path(self, name: str, key: str, suffix: str = ".npz") -> Path:
        """The file of the entry ``key`` of table ``name``."""
        return self.folder / name / f"{_digest(key)[:32]}{suffix}"

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

    # -- upkeep ------------------------------------------------------------------------

    def entries(self) -> list[tuple[str, Path, int, float]]:
        """Every entry file: ``(table name, path, bytes, last use)``, the last use being
        the later of its access and modification times (what the file system records
        of reads; entries are never rewritten in place)."""
        out = []
        if not self.folder.is_dir():
            return out
        for table in sorted(self.folder.iterdir()):
            if not table.is_dir():
                continue
            for f in table.iterdir():
                if f.suffix == ".tmp" or not f.is_file():
                    continue
                try:
                    st = f.stat()
                except FileNotFoundError:
                    continue  # removed by another process while listing
                out.append((table.name, f, st.st_size, max(st.st_atime, st.st_mtime)))
        return out

    def usage(self) -> dict[str, tuple[int, int]]:
        """``{table name: (entries, bytes)}``."""
        out: dict[str, tuple[int, int]] = {}
        for name, _, size, _ in self.entries():
            n, b = out.get(name, (0, 0))
            out[name] = (n + 1, b + size)
        return out

    def prune(self, max_bytes: int) -> tuple[int, int]:
        """Remove the least recently used entries until the cache holds at most
        ``max_bytes``; ``(entries removed, bytes freed)``. An entry derived from a
        removed one is recomputed when next asked for (its ``deps`` no longer match)."""
        found = sorted(self.entries(), key=lambda e: e[3])
        total = sum(e[2] for e in found)
        removed = freed = 0
        for _, path, size, _ in found:
            if total - freed <= max_bytes:
                break
            try:
                path.unlink()
            except FileNotFoundError:
                continue  # another process removed it first: nothing freed here
            removed, freed = removed + 1, freed + size
        return removed, freed

    # -- arrays ------------------------------------------------------------------------

    def _read(self, path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            if isinstance(exc, IsADirectoryError):
                self._discard_folder(path)
                return None
            self._unusable(exc)
            return None

    def signature(self, name: str, key: str) -> str | None:
        """Size, mtime and inode of an entry's file (None when absent): what a derived
        entry records of the entries it was computed from."""
        return file_signature(self.path(name, key))

    def _stale(self, path: Path, deps) -> bool:
        """True (and the entry removed, quietly) when an entry it was derived from has
        changed or gone since it was written: it is recomputed from them."""
        if not deps:
            return False
        for rel, sig in deps.items():
            if file_signature(self.folder / rel) != sig:
                try:
                    path.unlink()
                except FileNotFoundError:
                    return True  # another process removed it first
                except OSError as exc:
                    self._unusable(exc)
                return True
        return False

    def dep(self, name: str, key: str, suffix: str = ".npz") -> dict:
        """``{entry: signature}`` of one entry, for the ``deps`` of entries derived from it."""
        path = self.path(name, key, suffix)
        return {f"{name}/{path.name}": file_signature(path)}

    def get(self, name: str, key: str, *, check=None, deps_out: dict | None = None) -> dict | None:
        """The arrays stored for ``key``, or None (absent, stale, or damaged and discarded).

        ``check(arrays)`` may verify the entry against the input it was computed from
        and return a reason string when it does not match (None when it does).
        ``deps_out``, a dict, receives the entries this one was derived from.
        """
        import zipfile

        import numpy as np

        if not self.usable:
            return None
        path = self.path(name, key)
        data = self._read(path)
        if data is None:
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
        if self._stale(path, meta.get("deps")):
            return None
        if check is not None:
            why = check(arrays)
            if why:
                self._discard(path, why)
                return None
        if deps_out is not None:
            deps_out.update(meta.get("deps") or {})
        return arrays

    def _discard_folder(self, path: Path) -> None:
        warnings.warn(f"{path}: a folder where a cache entry belongs; running without this entry",
                      CacheWarning, stacklevel=3)

    def put(self, name: str, key: str, arrays: dict, *, deps: dict | None = None) -> None:
        """Store ``arrays`` (name → numpy array, no object arrays) under ``key``;
        ``deps`` (from :meth:`dep`) names the entries it was computed from."""
        import numpy as np

        if not self.usable:
            return
        arrays = {k: np.asarray(v) for k, v in arrays.items()}
        for k, a in arrays.items():
            if a.dtype == object:
                raise TypeError(f"cache table {name!r}: column {k!r} holds Python objects, not plain values")
        meta = {"format": FORMAT, "name": name, "key": _digest(key), "content": content_hash(arrays)}
        if deps:
            meta["deps"] = deps
        self._write(self.path(name, key), lambda fh: np.savez(fh, **arrays, **{_META: np.array(json.dumps(meta))}))

    def _write(self, path: Path, write) -> None:
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=path.stem[:8] + ".", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, path)
        except OSError as exc:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)
            self._unusable(exc)

    # -- bytes -------------------------------------------------------------------------

    def get_bytes(self, name: str, key: str, *, deps_out: dict | None = None, suffix: str = ".bin") -> bytes | None:
        """The bytes stored for ``key`` (checked like arrays), or None."""
        if not self.usable:
            return None
        path = self.path(name, key, suffix)
        data = self._read(path)
        if data is None:
            return None
        head, sep, body = data.partition(b"\n")
        try:
            meta = json.loads(head.decode("utf-8")) if sep else None
        except (UnicodeDecodeError, ValueError):
            meta = None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("name") != name:
            self._discard(path, "unreadable (not a cache entry of this version)")
            return None
        if meta.get("key") != _digest(key):
            self._discard(path, "belongs to another input")
            return None
        if meta.get("content") != _digest(body) or meta.get("length") != len(body):
            self._discard(path, "content does not match its checksum")
            return None
        if self._stale(path, meta.get("deps")):
            return None
        if deps_out is not None:
            deps_out.update(meta.get("deps") or {})
        return body

    def put_bytes(self, name: str, key: str, data: bytes, *, deps: dict | None = None, suffix: str = ".bin") -> None:
        """Store ``data`` under ``key`` (a JSON header line, then the bytes)."""
        if not self.usable:
            return
        meta = {"format": FORMAT, "name": name, "key": _digest(key), "content": _digest(data), "length": len(data)}
        if deps:
            meta["deps"] = deps
        head = json.dumps(meta).encode("utf-8") + b"\n"
        self._write(self.path(name, key, suffix), lambda fh: fh.write(head + data))

    # -- tables ------------------------------------------------------------------------

    def get_table(self, name: str, key: str, *, check=None, deps_out: dict | None = None):
        """The DataFrame stored for ``key``, or None. Columns keep the types they were
        stored with (missing values of nullable columns included)."""
        import pyarrow as pa

        data = self.get_bytes(name, key, deps_out=deps_out, suffix=".arrow")
        if data is None:
            return None
        try:
            table = pa.ipc.open_stream(data).read_all()
            df = table.to_pandas()
            kinds = json.loads((table.schema.metadata or {}).get(b"zhspeech.dtypes", b"{}"))
            for c in df.columns:      # Arrow reads text columns back as str: keep object ones object
                if kinds.get(str(c)) == "object" and df[c].dtype != object:
                    df[c] = df[c].astype(object)
        except (pa.ArrowException, ValueError, KeyError, TypeError) as exc:
            self._discard(self.path(name, key, ".arrow"), f"not a table ({type(exc).__name__})")
            return None
        if check is not None:
            why = check(df)
            if why:
                self._discard(self.path(name, key, ".arrow"), why)
                return None
        return df

    def put_table(self, name: str, key: str, df, *, deps: dict | None = None) -> None:
        """Store a DataFrame whose columns hold numbers, booleans or strings (missing
        values allowed), as an Arrow IPC stream; ``deps`` as for :meth:`put`."""
        import pyarrow as pa

        if not self.usable:
            return
        for c in df.columns:
            col = df[c]
            if col.dtype == object and len(col):
                kinds = {type(v) for v in col.tolist() if v is not None and v == v}
                if len(kinds) > 1 or (kinds and not kinds <= {str}):
                    raise TypeError(f"cache table {name!r}: column {c!r} mixes strings with other values")
        table = pa.Table.from_pandas(df, preserve_index=False)
        kinds = json.dumps({str(c): str(df[c].dtype) for c in df.columns}).encode("utf-8")
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"zhspeech.dtypes": kinds})
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        self.put_bytes(name, key, sink.getvalue().to_pybytes(), deps=deps, suffix=".arrow")


def file_signature(path) -> str | None:
    """``size-mtime_ns-inode-ctime_ns`` of a file, or None when it cannot be stat'ed."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size}-{st.st_mtime_ns}-{st.st_ino}-{st.st_ctime_ns}"


# A file whose mtime is this close to the moment it was hashed may still change within
# the same timestamp tick without its stat changing: its hash is not trusted next time.
RACY_NS = 2_000_000_000
STAT_INDEX = "stat-index"
STAT_INDEX_MAX = 200_000


def file_digests(files, cache: Cache | None = None) -> list[str]:
    """sha256 of each file's bytes, read only when the file-stat index does not know it.

    The index (one byte entry of ``cache`` per folder) maps a file's name to the size,
    mtime, inode and ctime (which no tool can set back) it had when it was hashed. A file is
    hashed again when its stat
    differs, or when it was modified less than two seconds before it was hashed (a
    change in the same timestamp tick would otherwise go unseen). Raises OSError for a
    file that cannot be read; the caller decides what that means.
    """
    import time

    cache = cache if cache is not None else Cache()
    indexes: dict = {}
    changed: set = set()
    out = []
    for f in files:
        folder, name = os.path.split(os.path.abspath(f))
        if folder not in indexes:
            raw = cache.get_bytes(STAT_INDEX, folder) if cache.usable else None
            try:
                index = json.loads(raw) if raw else {}
            except ValueError:
                index = {}
            indexes[folder] = index if isinstance(index, dict) and len(index) <= STAT_INDEX_MAX else {}
        index = indexes[folder]
        st = os.stat(os.path.join(folder, name))
        stat = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]
        known = index.get(name)
        if isinstance(known, list) and len(known) == 6 and known[:4] == stat and known[4] - stat[1] > RACY_NS:
            out.append(known[5])
            continue
        now = time.time_ns()
        digest = hashlib.sha256(Path(folder, name).read_bytes()).hexdigest()
        index[name] = [*stat, now, digest]
        out.append(digest)
        changed.add(folder)
    if cache.usable:
        for folder in changed:
            cache.put_bytes(STAT_INDEX, folder, json.dumps(indexes[folder], separators=(",", ":")).encode("utf-8"))
    return out


def default(*, enabled: bool = True) -> Cache:
    """The cache at the current default location (read from the environment each time)."""
    return Cache(enabled=enabled)
