"""zhspeech: measure term frequency, section lengths and theme emphasis in Chinese
political speeches and official reports.

The library feeds the notebooks in ``notebooks/``; every stage is a plain function
from a document to long-format pandas tables (see DESIGN.md for the contracts).
Submodules are imported lazily so that ``import zhspeech`` stays cheap and quiet.
"""
from __future__ import annotations

import importlib

from .errors import ZhspeechError

__version__ = "0.1.0"

_SUBMODULES = (
    "paths", "corpus", "clean", "structure", "tokenize", "themes",
    "stats", "reference", "plot", "report", "cli", "lexicons", "pipeline", "compare", "discourse",
    "evaluate", "store",
    "classroom",
    "provenance", "exports",
)

__all__ = ["ZhspeechError", "__version__", "export", *_SUBMODULES]


def export(table, path, **kwargs):
    """Write a table with its provenance record, the format chosen by the suffix
    (.csv, .json, .xlsx, .parquet); see :func:`zhspeech.exports.export`."""
    from .exports import export as _export

    return _export(table, path, **kwargs)


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'zhspeech' has no attribute {name!r}")
