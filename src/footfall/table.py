"""A table as named NumPy columns: what the analysis builds, pandas on request.

The foot-IMU pipeline measures every step with array operations and writes
its rows as NumPy columns. Building a pandas DataFrame from them, and merely
importing pandas, costs more than the analysis of a short recording, and the
command line's summary and JSON need neither. So the pipeline passes a
:class:`ColumnTable` along, and :attr:`footfall.pipeline.Analysis.steps`
turns it into a DataFrame the first time someone asks.

A :class:`ColumnTable` reads like a DataFrame where the summary and the rules
read a steps table: ``len(t)`` is the number of rows, ``t.columns`` the
names, ``t[name]`` a column (a NumPy array), ``name in t`` a column test.
It is deliberately small: the pipeline's joins and merges of several sensors
(insoles, shank IMUs) work on DataFrames.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ColumnTable",
]


def _column(value: Any, n_rows: int) -> np.ndarray:
    """``value`` as a 1-D array of ``n_rows``: arrays are kept (float, int,
    bool) or stored as object arrays (text); a scalar is repeated."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        arr = value
    elif np.ndim(value) == 0:
        arr = np.empty(n_rows, dtype=object)
        arr[:] = [value] * n_rows if n_rows else []
        return arr
    else:
        arr = np.asarray(value)
    if arr.dtype.kind in "USO":
        arr = arr.astype(object)
    if arr.shape != (n_rows,):
        raise ValueError(f"column of {arr.shape} does not fit a table of {n_rows} rows")
    return arr


class ColumnTable:
    """Named 1-D NumPy columns of equal length.

    Parameters
    ----------
    columns
        Column name -> array (or a scalar, repeated on every row), in order.
    n_rows
        Number of rows; needed when every column is a scalar, otherwise taken
        from the first array.
    """

    __slots__ = ("_data", "_n")

    def __init__(self, columns: Mapping[str, Any] | None = None, n_rows: int | None = None):
        columns = dict(columns or {})
        if n_rows is None:
            lengths = [len(v) for v in columns.values() if np.ndim(v) > 0]
            n_rows = lengths[0] if lengths else 0
        self._n = int(n_rows)
        self._data = {str(k): _column(v, self._n) for k, v in columns.items()}

    # --- reading, as a DataFrame reads ----------------------------------
    def __len__(self) -> int:
        return self._n

    @property
    def columns(self) -> list[str]:
        return list(self._data)

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def items(self) -> Iterable[tuple[str, np.ndarray]]:
        return self._data.items()

    def __repr__(self) -> str:
        return f"ColumnTable({self._n} rows: {', '.join(self._data)})"

    # --- making new tables ------------------------------------------------
    def take(self, rows: np.ndarray) -> ColumnTable:
        """The rows at positions ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.intp)
        return ColumnTable({k: v[rows] for k, v in self._data.items()}, n_rows=len(rows))

    @staticmethod
    def concat(tables: Iterable[ColumnTable]) -> ColumnTable:
        """Rows of ``tables`` one after the other. Columns in order of first
        appearance; a column a table lacks is NaN on its rows (as
        ``pandas.concat`` does)."""
        tables = [t for t in tables]
        if not tables:
            return ColumnTable()
        if len(tables) == 1:
            return tables[0]
        names = list(dict.fromkeys(k for t in tables for k in t.columns))
        out: dict[str, np.ndarray] = {}
        for name in names:
            parts = []
            for t in tables:
                if name in t:
                    parts.append(t[name])
                else:
                    parts.append(np.full(len(t), np.nan))
            kinds = {p.dtype.kind for p in parts if len(p)}
            if "O" in kinds:
                parts = [p.astype(object) for p in parts]
            out[name] = np.concatenate(parts)
        return ColumnTable(out, n_rows=sum(len(t) for t in tables))

    # --- pandas -------------------------------------------------------------
    def to_pandas(self) -> pd.DataFrame:
        """The table as a DataFrame (default RangeIndex); imports pandas."""
        import pandas as pd

        return pd.DataFrame(self._data, index=pd.RangeIndex(self._n), copy=False)
