"""Low-level reading of one stream file (CSV or Parquet) into named columns.

Turns every way a file can fail to be read into a :class:`RecordingError` that
names the file, the problem and the fix.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from footfall.errors import RecordingError

__all__ = [
    "CSV_SUFFIXES",
    "PARQUET_SUFFIXES",
    "RawTable",
    "STREAM_SUFFIXES",
    "available_memory",
    "check_fits_in_memory",
    "file_format",
    "read_table",
]


CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
STREAM_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES

_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")


def file_format(path: Path) -> str | None:
    """``"csv"``, ``"parquet"`` or None from a file name's extension."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    return None


@dataclass
class RawTable:
    """A stream file as read, before any check: column names as written and
    the Arrow table."""

    path: Path
    fmt: str
    table: pa.Table

    released_names: list[str] | None = None
    """The column names once :meth:`release` let go of the table."""

    @property
    def names(self) -> list[str]:
        if self.released_names is not None:
            return list(self.released_names)
        return list(self.table.column_names)

    @property
    def num_rows(self) -> int:
        return int(self.table.num_rows)

    def release(self) -> None:
        """Let go of the file's data once its columns are copied out (the
        column names stay), and hand the Arrow buffers it freed back to the
        system (the Arrow allocator keeps them otherwise, beside the arrays
        made from them)."""
        self.released_names = list(self.table.column_names)
        del self.table
        _release_arrow_buffers()

    def where(self, row: int) -> str:
        """Human position of data row ``row`` (0-based): a CSV line number
        (the header is line 1) or a 1-based Parquet row number."""
        if self.fmt == "csv":
            return f"line {row + 2}"
        return f"row {row + 1}"

    def float_column(self, name: str, *, fix: str) -> np.ndarray:
        """Column ``name`` as float64 (missing cells become NaN).

        Raises
        ------
        RecordingError
            When the column holds something other than numbers.
        """
        col = self.table.column(name)
        typ = col.type
        if pa.types.is_null(typ):
            return np.full(self.num_rows, np.nan)
        if pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ):
            if not pa.types.is_float64(typ):
                import pyarrow.compute as pc  # about 0.07 s to import: only when needed

                # unsafe: an integer beyond 2**53 becomes the nearest float
                # instead of failing the read
                col = pc.cast(col, pa.float64(), safe=False)
            return _float64_array(col)
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            import pandas as pd

            raw = pd.Series(col.to_numpy(zero_copy_only=False), dtype=object)
            num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
            bad = np.flatnonzero(np.isnan(num) & raw.notna().to_numpy())
            if len(bad) == 0:
                return num
            value = str(raw.iloc[bad[0]])
            hint = ""
            if _DECIMAL_COMMA.match(value):
                hint = " The numbers seem to use a decimal comma; export them with a decimal point."
            raise RecordingError(
                f"column {name} holds text that is not a number: {value!r} at "
                f"{self.where(int(bad[0]))} ({len(bad)} such value(s) in this column).",
                path=str(self.path),
                fix=f"make every value of {name} a plain number (or delete those rows).{hint}",
            )
        kind = "dates or times" if pa.types.is_temporal(typ) else f"{typ} values"
        raise RecordingError(
            f"column {name} holds {kind}, not numbers.",
            path=str(self.path),
            fix=fix,
        )


def _float64_array(col: pa.ChunkedArray) -> np.ndarray:
    """A float64 Arrow column as a NumPy array, nulls as NaN.

    Read from the Arrow buffers directly: ``to_numpy`` loads pandas (about
    half a second) on its first call, which a reader of numbers does not need.
    """
    parts = []
    for chunk in col.chunks:
        n = len(chunk)
        bufs = chunk.buffers()
        if n == 0 or bufs[1] is None:
            parts.append(np.full(n, np.nan))
            continue
        data = np.frombuffer(bufs[1], dtype=np.float64, count=n, offset=chunk.offset * 8).copy()
        if chunk.null_count:
            valid = np.unpackbits(np.frombuffer(bufs[0], dtype=np.uint8), bitorder="little")[
                chunk.offset : chunk.offset + n
            ]
            data[valid == 0] = np.nan
        parts.append(data)
    return np.concatenate(parts) if parts else np.empty(0)


def read_table(path: Path) -> RawTable:
    """Read a CSV or Parquet stream file.

    CSV: comma, semicolon or tab separated (guessed from the header line),
    first line = column names. Empty cells and NaN become missing values.

    Raises
    ------
    RecordingError
        The file cannot be opened or parsed.
    """
    fmt = file_format(path)
    if fmt is None and path.suffix.lower() == ".fit":
        raise RecordingError(
            "is a FIT file: a watch's or foot pod's running dynamics (one record a "
            "second), not a sensor's samples, so it cannot be read as a stream.",
            path=str(path),
            fix="analyse it with 'footfall analyze FILE.fit' (without stream options such as "
            "--mount or --side), or read it with footfall.io.fit.read_fit.",
        )
    if fmt is None:
        raise RecordingError(
            f"unsupported file type {path.suffix or '(no extension)'!r}.",
            path=str(path),
            fix="give a .csv or .parquet stream file, or a recording folder with recording.json.",
        )
    if not path.is_file():
        raise RecordingError(
            "file not found.", path=str(path), fix="check the path and the file name."
        )
    if fmt == "parquet":
        try:
            # ParquetFile, not read_table: read_table goes through
            # pyarrow.dataset, which loads pandas
            with pq.ParquetFile(path) as pf:
                meta = pf.metadata
                check_fits_in_memory(
                    path,
                    sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)),
                )
                table = pf.read()
        except MemoryError as exc:  # pyarrow's ArrowMemoryError too
            raise _no_memory(path, exc) from None
        except (OSError, pa.ArrowException) as exc:
            raise RecordingError(
                f"cannot be read as a Parquet file ({exc}).",
                path=str(path),
                fix="check that the file was written completely and really is Parquet; "
                "if it is text, rename it to .csv.",
            ) from exc
        _release_arrow_buffers()
        return RawTable(path, fmt, table)

    # the numbers of a CSV take about as many bytes in memory as their text
    check_fits_in_memory(path, path.stat().st_size)
    delimiter = _sniff_delimiter(path)
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
        )
    except MemoryError as exc:  # pyarrow's ArrowMemoryError too
        raise _no_memory(path, exc) from None
    except pa.ArrowInvalid as exc:
        msg = str(exc)
        if "Empty CSV" in msg:
            raise RecordingError(
                "the file is empty.",
                path=str(path),
                fix="export the recording again; this file has no data.",
            ) from exc
        line, quote = _first_broken_line(path, delimiter)
        sep = _DELIMITER_NAMES[delimiter]
        if quote:
            raise RecordingError(
                f'cannot be read as CSV: line {line} opens a quote (") that is not closed on '
                "that line.",
                path=str(path),
                fix=f"close the quote at line {line} or delete it (a value may be written "
                'in quotes, "like this", and a quote inside it doubled).',
            ) from exc
        where = f" at line {line}" if line else ""
        raise RecordingError(
            f"cannot be read as CSV{where}: {msg.splitlines()[0]}",
            path=str(path),
            fix="every line must have as many values as the header line (the first line), "
            f"separated by {sep} as the header's are; remove or complete the broken line.",
        ) from exc
    except (OSError, UnicodeDecodeError, pa.ArrowException) as exc:
        if "Failed to launch worker thread" in str(exc):  # no memory for a thread's stack
            raise _no_memory(path, exc) from None
        raise RecordingError(
            f"cannot be read as a CSV text file ({exc}).",
            path=str(path),
            fix="check that the file is a plain-text CSV export (not a spreadsheet or a "
            "compressed file).",
        ) from exc
    _release_arrow_buffers()
    return RawTable(path, fmt, table)


def _release_arrow_buffers() -> None:
    """Hand back the buffers the Arrow reader used and freed (the CSV parser's
    blocks, the Parquet decoder's pages: for a long stream, more than the
    table itself) before the table's columns are copied out."""
    pa.default_memory_pool().release_unused()


def available_memory() -> int | None:
    """Bytes of memory the system can give without swapping (Linux's
    MemAvailable; elsewhere the free physical pages), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def check_fits_in_memory(path: Path, need_bytes: int) -> None:
    """Refuse, before reading it, a stream file whose data (``need_bytes``
    once read) are more than the memory available: footfall holds a stream
    whole, and a read that cannot finish would only end in a MemoryError
    after minutes of reading.

    Raises
    ------
    RecordingError
        Naming the file, its size and the memory available.
    """
    free = available_memory()
    if free is None or need_bytes <= free:
        return
    size = path.stat().st_size
    raise RecordingError(
        f"is too large to read: {_gb(size)} on disk, about {_gb(need_bytes)} in memory, "
        f"and {_gb(free)} of memory is free (footfall holds a stream file whole).",
        path=str(path),
        fix="split the recording into shorter files (e.g. an hour each) and analyse them "
        "one at a time, or free memory or use a computer with more.",
    )


def _gb(n: int) -> str:
    return f"{n / 1e9:,.1f} GB"


def _no_memory(path: Path, exc: BaseException) -> RecordingError:
    """The error of a stream file that does not fit in the memory left."""
    try:
        size = f"{path.stat().st_size / 1e6:,.0f} MB"
    except OSError:
        size = "its size unknown"
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return RecordingError(
        f"not enough memory to read this file ({size}; {detail}).",
        path=str(path),
        fix="free memory (close other programs) or use a computer with more, or split the "
        "recording into shorter files.",
    )


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _sniff_delimiter(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            block = fh.read(65536)
    except OSError as exc:
        raise RecordingError(
            f"cannot be opened ({exc.strerror}).",
            path=str(path),
            fix="check the file exists and that you may read it.",
        ) from exc
    for bom, name in _BOMS:
        if block.startswith(bom):
            raise RecordingError(
                f"is {name} text; footfall reads CSV files in UTF-8 (or plain ASCII).",
                path=str(path),
                fix="export or save the file as UTF-8 CSV (most spreadsheet programs: "
                "'CSV UTF-8').",
            )
    if b"\x00" in block:
        raise RecordingError(
            "holds binary data (zero bytes), not CSV text.",
            path=str(path),
            fix="give the CSV export of the recording (a spreadsheet or compressed file must "
            "be exported to CSV first), or a .parquet file with that extension.",
        )
    head = block.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    counts = {d: head.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _first_broken_line(path: Path, delimiter: str) -> tuple[int | None, bool]:
    """The first non-empty line (1-based) that opens a quote it does not
    close, or whose number of delimiters (outside quotes) differs from the
    header's; and whether it was a quote. Reads line by line until it finds
    one: the memory of one line, whatever the file's size."""
    d = delimiter.encode()
    try:
        with path.open("rb") as fh:
            header = None
            for k, line in enumerate(fh, start=1):
                if not line.strip(b"\r\n"):
                    continue
                if b'"' in line:
                    parts = line.split(b'"')
                    if len(parts) % 2 == 0:  # an odd number of quotes
                        return k, True
                    n = sum(part.count(d) for part in parts[::2])  # outside quotes
                else:
                    n = line.count(d)
                if header is None:
                    header = n
                elif n != header:
                    return k, False
    except OSError:
        return None, False
    return None, False
