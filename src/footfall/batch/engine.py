"""The batch engine: many recordings analysed through any executor, the
results written to one output folder.

:func:`run_batch` takes the recordings (:func:`footfall.batch.collect_inputs`)
and an executor with the :class:`concurrent.futures.Executor` interface
(``submit`` returning futures): a local process pool, a thread pool, or a
Dask client's (:meth:`distributed.Client.get_executor`; a
:class:`distributed.Client` itself is accepted and asked for it). Recordings
go in chunks (several per task, so that small files do not drown in
overhead); at most a few chunks per worker are in flight, and each chunk's
steps are written to the output as it comes back, so memory holds a few
chunks' steps, not the batch's.

The output folder ``OUT``:

``steps/``
    A Parquet dataset (hive partitioning) of every step of every recording:
    ``steps/athlete=ID/<recording_id>-0.parquet`` when any recording names an
    athlete (a recording that names none goes under ``athlete=unknown``),
    else ``steps/date=YYYY-MM-DD/...`` by the recording's ``started_at``
    (``date=unknown`` without one). Each row carries ``recording_id``,
    ``athlete``, ``session``, ``tag`` and ``date``.
``summaries.parquet``
    One row per analysed recording (:data:`footfall.batch.work.SUMMARY_COLUMNS`).
``findings.parquet``
    One row per finding per recording.
``failures.parquet``, ``failures.csv``
    One row per recording that could not be analysed: the error and the fix.
``done.parquet``
    The work done: per input, the fingerprint of its files
    (:func:`footfall.batch.inputs.content_fingerprint`), of its symptom
    profile, its labels, footfall's version and the outcome. A re-run skips
    a recording whose entry is unchanged and analyses the others again.

A run writes the new output as a hidden folder beside ``OUT`` and renames
it into place at the end: an interrupted run leaves the earlier output
whole. A run with nothing to analyse and the same recordings leaves ``OUT``
untouched.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footfall.batch.inputs import BatchInput, content_fingerprint, file_fingerprint
from footfall.batch.work import (
    FINDING_COLUMNS,
    ID_COLUMNS,
    SUMMARY_COLUMNS,
    RecordingResult,
    analyse_chunk,
    steps_schema,
)
from footfall.errors import FootfallError

__all__ = [
    "DONE_FILE",
    "FAILURE_COLUMNS",
    "OUTPUT_FILES",
    "BatchReport",
    "plan_chunks",
    "run_batch",
]

DONE_FILE = "done.parquet"
STEPS_DIR = "steps"
OUTPUT_FILES = (
    "summaries.parquet",
    "findings.parquet",
    "failures.parquet",
    "failures.csv",
    DONE_FILE,
)
FAILURE_COLUMNS = ("recording_id", "input", "athlete", "session", "tag", "error", "fix")
UNKNOWN = "unknown"
"""The partition value of a recording without an athlete (or a date)."""

MAX_CHUNK = 16
"""Most recordings in one task."""
CHUNK_BYTES = 64 << 20
"""A chunk is closed once its recordings' files hold this many bytes."""
CHUNKS_PER_WORKER = 4
"""Chunks planned per worker, so the work spreads evenly to the end."""


@dataclass
class BatchReport:
    """What a batch did: ``analysed`` and ``failed`` count the recordings
    analysed in this run, ``skipped`` those unchanged since the last
    (analysed or failed then); ``failures`` lists every failure in the
    output, earlier ones included."""

    out: Path
    analysed: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    rewritten: bool = True

    @property
    def total(self) -> int:
        return self.analysed + self.skipped


def _version() -> str:
    import footfall

    return str(footfall.__version__)


def _size(path: str) -> int:
    p = Path(path)
    try:
        if p.is_dir():
            return sum(f.stat().st_size for f in p.iterdir() if f.is_file())
        return p.stat().st_size
    except OSError:
        return 0


def plan_chunks(
    items: list[tuple[int, BatchInput]], workers: int
) -> list[list[tuple[int, BatchInput]]]:
    """Recordings grouped into tasks: about :data:`CHUNKS_PER_WORKER` per
    worker, at most :data:`MAX_CHUNK` recordings and about
    :data:`CHUNK_BYTES` of files in one."""
    if not items:
        return []
    per = max(1, min(MAX_CHUNK, math.ceil(len(items) / (max(1, workers) * CHUNKS_PER_WORKER))))
    chunks: list[list[tuple[int, BatchInput]]] = []
    cur: list[tuple[int, BatchInput]] = []
    cur_bytes = 0
    for it in items:
        size = _size(it[1].path)
        if cur and (len(cur) >= per or cur_bytes + size > CHUNK_BYTES):
            chunks.append(cur)
            cur, cur_bytes = [], 0
        cur.append(it)
        cur_bytes += size
    chunks.append(cur)
    return chunks


def _check_out(out: Path, items: list[BatchInput]) -> None:
    if out.exists() and not out.is_dir():
        raise FootfallError("exists and is not a folder", path=str(out), fix="give -o a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / DONE_FILE).is_file():
        raise FootfallError(
            "is a folder that holds files and is not a footfall batch output "
            f"(no {DONE_FILE}); footfall batch replaces its output folder",
            path=str(out),
            fix="give -o a new or empty folder",
        )
    parent = out.absolute().parent
    if not parent.is_dir():
        raise FootfallError(
            "its parent folder does not exist", path=str(out), fix=f"create {parent} first"
        )
    real = out.resolve()
    for it in items:
        p = Path(it.path).resolve()
        if p == real or p.is_relative_to(real) or real.is_relative_to(p):
            raise FootfallError(
                "the output folder and a recording would hold one another",
                path=it.path,
                fix="give -o a folder outside the recordings",
            )


def _done_key(item: BatchInput, version: str) -> dict[str, Any]:
    return {
        "input": item.path,
        "recording_id": item.recording_id,
        "fingerprint": content_fingerprint(item.path),
        "symptoms": item.symptoms,
        "symptoms_fingerprint": file_fingerprint(item.symptoms),
        "athlete": item.athlete,
        "session": item.session,
        "tag": item.tag,
        "footfall_version": version,
    }


_KEY_FIELDS = (
    "fingerprint",
    "symptoms",
    "symptoms_fingerprint",
    "athlete",
    "session",
    "tag",
    "footfall_version",
    "partition",
)


def _read_done(out: Path) -> dict[str, dict[str, Any]]:
    path = out / DONE_FILE
    if not path.is_file():
        return {}
    import pyarrow.parquet as pq

    try:
        rows = pq.read_table(path).to_pylist()
    except Exception:  # an unreadable record of earlier work: everything is redone
        return {}
    return {str(r["input"]): r for r in rows if r.get("input")}


def _partition_of(items: list[BatchInput]) -> str:
    return "athlete" if any(it.athlete for it in items) else "date"


def _write_table(rows: list[dict[str, Any]], columns: tuple[str, ...], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([pa.field(c, _column_type(c)) for c in columns])
    table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows], schema=schema)
    pq.write_table(table, path)


_TEXT = frozenset(
    {*ID_COLUMNS, *FINDING_COLUMNS, *FAILURE_COLUMNS, "input", "kind", "steps_file", "status"}
)


def _column_type(name: str) -> Any:
    """The Arrow type of an output table's column: text, lists of text,
    counts, else numbers (the summary's metrics)."""
    import pyarrow as pa

    if name in ("notes", "sources"):
        return pa.list_(pa.string())
    if name in _TEXT or name in _DONE_TEXT:
        return pa.string()
    if name.startswith("n_"):
        return pa.int64()
    return pa.float64()


_DONE_TEXT = frozenset(
    {
        "fingerprint",
        "symptoms",
        "symptoms_fingerprint",
        "footfall_version",
        "partition",
    }
)


def _failures_csv(rows: list[dict[str, Any]], path: Path) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(FAILURE_COLUMNS), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: "" if r.get(c) is None else r.get(c) for c in FAILURE_COLUMNS})


def _executor_of(executor: Any) -> Any:
    """A Dask client gives its concurrent.futures executor; anything with
    ``submit`` is used as it is."""
    if not isinstance(executor, cf.Executor) and hasattr(executor, "get_executor"):
        return executor.get_executor()
    return executor


def _run_chunks(
    executor: Any,
    chunks: list[list[tuple[int, BatchInput]]],
    in_flight: int,
) -> Iterator[list[RecordingResult]]:
    """Each chunk's results as it completes, at most ``in_flight`` submitted
    at once; a chunk whose task failed (a worker that died, a worker that
    cannot import footfall) gives each of its recordings that error."""
    pending: dict[Any, list[tuple[int, BatchInput]]] = {}
    todo = iter(chunks)

    def fill() -> None:
        while len(pending) < in_flight:
            chunk = next(todo, None)
            if chunk is None:
                return
            pending[executor.submit(analyse_chunk, chunk)] = chunk

    fill()
    while pending:
        done, _ = cf.wait(list(pending), return_when=cf.FIRST_COMPLETED)
        for fut in done:
            chunk = pending.pop(fut)
            try:
                results = fut.result()
            except Exception as e:
                first = str(e).splitlines()[0] if str(e) else ""
                why = f"{type(e).__name__}" + (f": {first}" if first else "")
                results = [
                    RecordingResult(
                        i,
                        it.recording_id,
                        error=f"the worker's task failed ({why})",
                        fix="run the batch again (a re-run redoes only what failed to "
                        "finish); if it fails again, analyse the recording alone with "
                        "footfall analyze",
                    )
                    for i, it in chunk
                ]
            yield results
        fill()


def run_batch(
    items: list[BatchInput],
    out: str | os.PathLike[str],
    executor: Any,
    *,
    workers: int = 1,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Analyse ``items`` with ``executor`` and write the outputs to ``out``.

    Parameters
    ----------
    items
        The recordings (:func:`footfall.batch.collect_inputs`).
    out
        The output folder: new, empty, or an earlier batch's output.
    executor
        Anything with ``submit(fn, *args)`` returning
        :class:`concurrent.futures.Future` objects (a
        ``ProcessPoolExecutor``, a Dask client's executor); a
        :class:`distributed.Client` is asked for its executor.
    workers
        How many workers the executor runs (sets the chunk size and how
        many chunks are in flight).
    force
        Analyse every recording, unchanged or not.
    progress
        Called as ``progress(done, total)`` as recordings finish (skipped
        ones count as done at the start).

    Returns
    -------
    BatchReport
        Counts (analysed, skipped as unchanged, failed) and the failures.
        A recording that cannot be analysed never stops the batch.
    """
    out = Path(out)
    _check_out(out, items)
    version = _version()
    partition = _partition_of(items)
    earlier = {} if force else _read_done(out)
    keys = [_done_key(it, version) | {"partition": partition} for it in items]
    redo: list[tuple[int, BatchInput]] = []
    kept: dict[int, dict[str, Any]] = {}
    for i, (it, key) in enumerate(zip(items, keys, strict=True)):
        old = earlier.get(it.path)
        steps_ok = old is not None and (
            not old.get("steps_file") or (out / str(old["steps_file"])).is_file()
        )
        if old is not None and steps_ok and all(old.get(k) == key[k] for k in _KEY_FIELDS):
            kept[i] = old
        else:
            redo.append((i, it))
    report = BatchReport(out=out, skipped=len(kept))
    if not redo and set(earlier) == {it.path for it in items}:
        report.failures = _old_failures(out, {r["recording_id"] for r in kept.values()})
        report.rewritten = False
        if progress is not None:
            progress(len(items), len(items))
        return report

    parent = out.absolute().parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        steps_root = tmp / STEPS_DIR
        steps_root.mkdir()
        done_rows: dict[int, dict[str, Any]] = {}
        summaries: dict[int, dict[str, Any]] = {}
        findings: dict[int, list[dict[str, Any]]] = {}
        failures: dict[int, dict[str, Any]] = {}
        _carry(out, tmp, kept, done_rows, summaries, findings, failures)
        finished = len(kept)
        if progress is not None:
            progress(finished, len(items))
        ex = _executor_of(executor)
        chunks = plan_chunks(redo, workers)
        for results in _run_chunks(ex, chunks, in_flight=max(2, 2 * workers)):
            for r in results:
                it = items[r.index]
                ids = {
                    "recording_id": it.recording_id,
                    "athlete": it.athlete,
                    "session": it.session,
                    "tag": it.tag,
                    "date": r.date,
                }
                row = dict(keys[r.index])
                if r.ok:
                    steps_file = _write_steps(steps_root, r, ids, partition)
                    report.analysed += 1
                    summaries[r.index] = {"input": it.path, **ids, **(r.summary or {})}
                    findings[r.index] = [{**ids, **f} for f in r.findings]
                    row |= {"status": "analysed", "steps_file": steps_file, "date": r.date}
                else:
                    report.failed += 1
                    msg = r.error or "unknown error"
                    if r.error_path and r.error_path != it.path:
                        msg = f"{r.error_path}: {msg}"
                    failures[r.index] = {
                        "recording_id": it.recording_id,
                        "input": it.path,
                        "athlete": it.athlete,
                        "session": it.session,
                        "tag": it.tag,
                        "error": msg,
                        "fix": r.fix,
                    }
                    row |= {"status": "failed", "steps_file": None, "date": None}
                done_rows[r.index] = row
                finished += 1
            if progress is not None:
                progress(finished, len(items))
        order = sorted(range(len(items)))
        _write_table(
            [summaries[i] for i in order if i in summaries], SUMMARY_COLUMNS, tmp / OUTPUT_FILES[0]
        )
        _write_table(
            [f for i in order for f in findings.get(i, [])], FINDING_COLUMNS, tmp / OUTPUT_FILES[1]
        )
        fail_rows = [failures[i] for i in order if i in failures]
        _write_table(fail_rows, FAILURE_COLUMNS, tmp / OUTPUT_FILES[2])
        _failures_csv(fail_rows, tmp / OUTPUT_FILES[3])
        done_cols = (*_done_key(items[0], version), "partition", "status", "steps_file", "date")
        _write_table([done_rows[i] for i in order], tuple(done_cols), tmp / DONE_FILE)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.failures = fail_rows
    return report


def _write_steps(root: Path, r: RecordingResult, ids: dict[str, Any], partition: str) -> str | None:
    """Write one recording's steps under its partition; the file's path
    relative to the output folder (None for a recording without steps)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if r.steps is None:
        return None
    steps: pa.Table = r.steps
    n = steps.num_rows
    schema = steps_schema(partition)
    cols = [c for c in ID_COLUMNS if c != partition]
    arrays = [pa.array([ids[c]] * n, pa.string()) for c in cols] + list(steps.columns)
    table = pa.Table.from_arrays(arrays, schema=schema)
    value = ids[partition] or UNKNOWN
    folder = root / _hive_dir(partition, value)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{r.recording_id}-0.parquet"
    pq.write_table(table, path)
    return str(path.relative_to(root.parent))


def _hive_dir(key: str, value: str) -> str:
    """``key=value`` with the value escaped as pyarrow's hive partitioning reads it."""
    from urllib.parse import quote

    return f"{key}={quote(str(value), safe='')}"


def _carry(
    out: Path,
    tmp: Path,
    kept: dict[int, dict[str, Any]],
    done_rows: dict[int, dict[str, Any]],
    summaries: dict[int, dict[str, Any]],
    findings: dict[int, list[dict[str, Any]]],
    failures: dict[int, dict[str, Any]],
) -> None:
    """The earlier output of unchanged recordings, carried into the new one
    (steps files linked, or copied where links cannot be made)."""
    if not kept:
        return
    by_id = {str(r["recording_id"]): i for i, r in kept.items()}
    for name, target in (
        ("summaries.parquet", summaries),
        ("failures.parquet", failures),
    ):
        for row in _rows(out / name, by_id):
            target[by_id[str(row["recording_id"])]] = row
    for row in _rows(out / "findings.parquet", by_id):
        findings.setdefault(by_id[str(row["recording_id"])], []).append(row)
    for i, r in kept.items():
        done_rows[i] = dict(r)
        rel = r.get("steps_file")
        if rel:
            src, dst = out / str(rel), tmp / str(rel)
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)


def _rows(path: Path, ids: Iterable[str]) -> list[dict[str, Any]]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if not path.is_file():
        return []
    table = pq.read_table(path)
    if not table.num_rows:
        return []
    mask = pc.is_in(table["recording_id"], value_set=_string_array(list(ids)))
    return list(table.filter(mask).to_pylist())


def _string_array(values: list[str]) -> Any:
    import pyarrow as pa

    return pa.array(values, pa.string())


def _old_failures(out: Path, ids: set[str]) -> list[dict[str, Any]]:
    return _rows(out / "failures.parquet", ids)


def _replace(tmp: Path, out: Path) -> None:
    """Put the finished output folder in place of the earlier one."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.absolute().parent))
        old.rmdir()
        out.rename(old)
    try:
        tmp.rename(out)
    except BaseException:
        if old is not None:
            with contextlib.suppress(OSError):
                old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
