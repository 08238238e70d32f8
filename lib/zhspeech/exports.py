"""Tables written with their provenance record (:mod:`zhspeech.provenance`).

=========  =====================================================================
format     what is written
=========  =====================================================================
csv        the table, plain (UTF-8, ``\\n``); the record goes to a separate
           ``--meta FILE`` (JSON) when asked
json       ``{"meta": record, "rows": [{column: value, …}, …]}``
xlsx       a workbook: sheet ``table`` (the table), sheet ``provenance`` (the
           record as key/value rows, e.g. ``inputs.0.sha256``) — openpyxl
parquet    the table; the record as JSON in the file's key-value metadata under
           ``zhspeech.provenance``, also read by pandas as
           ``DataFrame.attrs["zhspeech.provenance"]`` — pyarrow
=========  =====================================================================

``zs.export(table, path)`` picks the format from the suffix; ``read_record(path)``
gives the record back from any of them.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .errors import ZhspeechError

FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".parquet": "parquet"}
BINARY = ("xlsx", "parquet")
META_KEY = "zhspeech.provenance"
TABLE_SHEET, RECORD_SHEET = "table", "provenance"


def format_of(path) -> str:
    """The export format named by a file's suffix (ZhspeechError for any other)."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ZhspeechError(path, f"unknown export format {suffix or '(no suffix)'}; "
                                  f"use one of {', '.join(FORMATS)}")
    return FORMATS[suffix]


def _rows(df: pd.DataFrame, index: bool) -> pd.DataFrame:
    return df.reset_index() if index else df


def json_text(df: pd.DataFrame, rec: dict, *, index: bool = False) -> str:
    rows = json.loads(_rows(df, index).to_json(orient="records", force_ascii=False))
    return json.dumps({"meta": rec, "rows": rows}, ensure_ascii=False, indent=1) + "\n"


def write(df: pd.DataFrame, path, rec: dict | None, *, fmt: str | None = None, index: bool = False) -> Path:
    """Write ``df`` to ``path`` as ``fmt`` (default: from the suffix) with the record."""
    path = Path(path)
    fmt = fmt or format_of(path)
    data = _rows(df, index)
    if fmt == "csv":
        path.write_text(data.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json_text(data, rec), encoding="utf-8")
    elif fmt == "xlsx":
        from . import provenance

        sheet = pd.DataFrame(provenance.flatten(rec or {}), columns=["key", "value"])
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            data.to_excel(xl, sheet_name=TABLE_SHEET, index=False)
            sheet.to_excel(xl, sheet_name=RECORD_SHEET, index=False)
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(data, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[META_KEY.encode()] = json.dumps(rec or {}, ensure_ascii=False).encode("utf-8")
        # pandas restores this as DataFrame.attrs and writes it back: the record survives a round trip.
        meta[b"PANDAS_ATTRS"] = json.dumps({**data.attrs, META_KEY: rec or {}}).encode("utf-8")
        pq.write_table(table.replace_schema_metadata(meta), path)
    else:
        raise ZhspeechError(f"--format {fmt}", "unknown export format")
    return path


def export(table: pd.DataFrame, path, *, record: dict | None = None, meta=None, index: bool = False,
           **record_args) -> Path:
    """Write a table to ``path`` in the format its suffix names (.csv, .json, .xlsx,
    .parquet), with a provenance record: ``record``, or one made by
    :func:`zhspeech.provenance.record` from ``record_args`` (inputs=, parameters=, …).
    ``meta``: also write the record as JSON to this file (useful beside a CSV).

    Raises:
        ZhspeechError: the suffix names no export format (one line naming the file).
    """
    fmt = format_of(path)
    if record is None:
        from . import provenance

        record = provenance.record(**record_args)
    if meta:
        Path(meta).write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return write(table, path, record, fmt=fmt, index=index)


def read_record(path) -> dict:
    """The provenance record stored in an export (.json, .xlsx, .parquet) or in a
    ``--meta`` file (.json holding the record itself)."""
    path = Path(path)
    fmt = format_of(path)
    if fmt == "json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["meta"] if isinstance(data, dict) and "rows" in data and "meta" in data else data
    if fmt == "parquet":
        import pyarrow.parquet as pq

        raw = (pq.read_schema(path).metadata or {}).get(META_KEY.encode())
        if raw is None:
            raise ZhspeechError(path, f"no {META_KEY} metadata in this Parquet file")
        return json.loads(raw.decode("utf-8"))
    if fmt == "xlsx":
        sheet = pd.read_excel(path, sheet_name=RECORD_SHEET, dtype=str, keep_default_na=False)
        return dict(zip(sheet["key"], sheet["value"]))
    raise ZhspeechError(path, "a CSV export holds no record; it is in the --meta file")


# -- the command line --------------------------------------------------------------------------

# Which bundled rule file a verb's --lexicon or --rules option replaces.
REPLACES = {("freq", "lexicon"): "themes.yaml", ("themes", "lexicon"): "themes.yaml",
            ("compare", "lexicon"): "themes.yaml", ("formulas", "lexicon"): "tifa.yaml",
            ("directives", "lexicon"): "directives.yaml", ("targets", "rules"): "targets.yaml"}


def command_record(args) -> dict:
    """The record of a ``zhspeech`` verb, from its parsed arguments."""
    from . import provenance

    inputs = list(getattr(args, "paths", None) or ([args.path] if getattr(args, "path", None) else []))
    if getattr(args, "items", None):           # zhspeech count TERM… PATH…: the paths after the terms
        from .cli import _split_terms_and_paths

        inputs += _split_terms_and_paths(args.items)[1]
    skip = {"func", "format", "out", "meta", "path", "paths", "verb"}
    params = {k: v for k, v in vars(args).items() if k not in skip and v not in (None, False, [])}
    stats = {"freq": ["n", "per_10k"], "themes": ["per_1k_hanzi", "sentence_share", "hit_share"],
             "compare": ["per_1k_hanzi", "sentence_share", "hit_share", "g2", "log_ratio", "similarity"]}
    verb = getattr(args, "verb", "") or ""
    rules = {}
    for option in ("lexicon", "rules"):        # a user's rule file replaces the bundled one it stands for
        given = getattr(args, option, None)
        if given:
            rules[REPLACES.get((verb, option), f"{Path(given).name} (--{option})")] = given
    return provenance.record(inputs, parameters=params, tokenizer=getattr(args, "backend", None) or "jieba",
                             lexicons=rules,
                             statistics=stats.get(verb, []), reference=bool(getattr(args, "reference", False)),
                             command=f"zhspeech {verb}".strip())


def emit(df: pd.DataFrame, args, *, index: bool = False) -> bool:
    """The provenance part of the command line's output: write ``--meta`` and, for
    json/xlsx/parquet, the table itself. True when the table was written here."""
    fmt = getattr(args, "format", "table")
    out = getattr(args, "out", None)
    if fmt in BINARY and not out:
        raise ZhspeechError(f"--format {fmt}", "a binary format needs --out FILE")
    rec = command_record(args)
    if getattr(args, "meta", None):
        Path(args.meta).write_text(json.dumps(rec, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if fmt == "json" and not out:
        import sys

        sys.stdout.write(json_text(df, rec, index=index))
        return True
    if fmt in ("json", *BINARY):
        write(df, out, rec, fmt=fmt, index=index)
        return True
    return False
