"""Output files in Parquet: the steps table and the run summary.

``footfall analyze --steps FILE.parquet`` writes the steps table (or a FIT
file's per-record table) as a Parquet table, the same columns and rows as
the CSV: text columns as strings, missing values as nulls.

``footfall analyze --json FILE.parquet`` writes the summary document (what
``--json FILE.json`` writes) as a Parquet table of one row: each top-level
key a column, objects as structs and lists as lists, so that a dataframe
library reads the same nesting as the JSON. Parquet cannot store an object
without keys, so an empty object (e.g. ``"strike_pattern": {}`` without
insoles) is written as null; and the entries of one list share one struct
type, so a key that only some entries have (a metric absent from some
windows) reads back as null in the others.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "PARQUET_SUFFIXES",
    "document_parquet_bytes",
    "is_parquet_name",
    "table_parquet_bytes",
]

PARQUET_SUFFIXES = (".parquet",)
"""File names that ask for Parquet output."""


def is_parquet_name(name: str) -> bool:
    """Whether an output file name asks for Parquet (by its suffix)."""
    return name.lower().endswith(PARQUET_SUFFIXES)


def table_parquet_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as the bytes of a Parquet file (no index column)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buf)
    return buf.getvalue()


def _without_empty_objects(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _without_empty_objects(v) for k, v in value.items()} if value else None
    if isinstance(value, (list, tuple)):
        return [_without_empty_objects(v) for v in value]
    return value


def document_parquet_bytes(doc: Mapping[str, Any]) -> bytes:
    """A JSON-ready document (plain dicts, lists, numbers, strings, None) as
    the bytes of a one-row Parquet file (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = _without_empty_objects(dict(doc)) or {}
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist([row]), buf)
    return buf.getvalue()
