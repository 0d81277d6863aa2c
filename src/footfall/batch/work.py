"""What a worker does: analyse a chunk of recordings with
:func:`footfall.analyze` and hand back, per recording, its steps as an Arrow
table, one flat summary row and its findings' rows, or the reason it could
not be analysed (a :class:`~footfall.errors.FootfallError`'s problem and
fix; never a traceback).

Everything here runs in a worker process (a local process pool or a Dask
worker): :func:`analyse_chunk` is a module-level function so that both
pickle it by reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from footfall.registry import Group, names

if TYPE_CHECKING:
    import pyarrow as pa

    from footfall.batch.inputs import BatchInput

__all__ = [
    "FINDING_COLUMNS",
    "ID_COLUMNS",
    "STEP_TABLE_COLUMNS",
    "SUMMARY_COLUMNS",
    "RecordingResult",
    "analyse_chunk",
    "analyse_one",
    "findings_rows",
    "steps_schema",
    "summary_row",
]

ID_COLUMNS = ("recording_id", "athlete", "session", "tag", "date")
"""Columns naming the recording, in every output table."""

STEP_TABLE_COLUMNS: tuple[str, ...] = tuple(
    n for n in names() if n not in set(names(group=Group.RUNNING_DYNAMICS))
)
"""The steps-table columns of the registry (every column a steps table can have)."""

_TEXT_COLUMNS = frozenset(names(dtype="object"))

_PER_METRIC = ("median", "left", "right", "asymmetry_pct")
_PER_DRIFT = ("change_pct", "per_minute")


def _summary_metric_names() -> tuple[str, ...]:
    from footfall.summary import SUMMARY_METRICS

    return tuple(SUMMARY_METRICS)


SUMMARY_TOP = (
    "kind",
    "duration_s",
    "n_steps",
    "n_steps_left",
    "n_steps_right",
    "cadence_spm",
    "contact_balance_left_pct",
)


def _summary_columns() -> tuple[str, ...]:
    metrics = _summary_metric_names()
    return (
        ("recording_id", "input", "athlete", "session", "tag", "date")
        + SUMMARY_TOP
        + tuple(f"{m}_{s}" for m in metrics for s in _PER_METRIC)
        + tuple(f"{m}_drift_{s}" for m in metrics for s in _PER_DRIFT)
        + ("n_findings", "n_red_flags", "n_notes", "notes")
    )


SUMMARY_COLUMNS: tuple[str, ...] = _summary_columns()
"""The flat summary table's columns: one row per recording; per metric its
median, left, right and asymmetry, and its drift (change from the first to
the last third, % and per minute); counts of findings, red flags and notes."""

FINDING_COLUMNS = (
    "recording_id",
    "athlete",
    "session",
    "tag",
    "date",
    "id",
    "title",
    "kind",
    "severity",
    "confidence",
    "side",
    "part_of_run",
    "basis",
    "evidence",
    "suggestion",
    "sources",
)
"""The findings table's columns: one row per finding per recording."""


def steps_schema(partition: str) -> pa.Schema:
    """The Arrow schema of a steps file: the recording's ids (the partition
    column left out: its value is the folder's) then every steps column."""
    import pyarrow as pa

    fields = [pa.field(c, pa.string()) for c in ID_COLUMNS if c != partition]
    fields += [
        pa.field(c, pa.string() if c in _TEXT_COLUMNS else pa.float64()) for c in STEP_TABLE_COLUMNS
    ]
    return pa.schema(fields)


@dataclass
class RecordingResult:
    """One recording's outcome, as a worker hands it back."""

    index: int
    recording_id: str
    date: str | None = None
    steps: Any = None  # a pyarrow.Table without id columns, or None
    summary: dict[str, Any] | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    fix: str | None = None
    error_path: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _date(started_at: Any) -> str | None:
    if not isinstance(started_at, str) or len(started_at) < 10:
        return None
    from datetime import date

    try:
        return date.fromisoformat(started_at[:10]).isoformat()
    except ValueError:
        return None


def _steps_arrow(steps: Any) -> pa.Table:
    """The steps DataFrame as Arrow columns of :data:`STEP_TABLE_COLUMNS`;
    a column outside the registry is an error (it would be lost)."""
    import pyarrow as pa

    extra = [c for c in steps.columns if c not in STEP_TABLE_COLUMNS]
    if extra:
        raise RuntimeError(f"steps columns not in footfall.registry: {extra}")
    n = len(steps)
    arrays = []
    for c in STEP_TABLE_COLUMNS:
        typ = pa.string() if c in _TEXT_COLUMNS else pa.float64()
        if c in steps.columns:
            arrays.append(pa.array(steps[c], type=typ, from_pandas=True))
        else:
            arrays.append(pa.nulls(n, typ))
    return pa.Table.from_arrays(arrays, names=list(STEP_TABLE_COLUMNS))


def summary_row(summary: Any, notes: list[str]) -> dict[str, Any]:
    """The flat summary row of one analysis (no id columns)."""
    from footfall.summary import finite_or_none

    row: dict[str, Any] = {}
    row["kind"] = "running_dynamics" if "running_dynamics" in summary else "steps"
    for k in SUMMARY_TOP[1:]:
        v = summary.get(k)
        row[k] = int(v) if k.startswith("n_") and v is not None else finite_or_none(v)
    metrics = summary.get("metrics") or {}
    drift = summary.get("drift") or {}
    for m in _summary_metric_names():
        stats = metrics.get(m) or {}
        for s in _PER_METRIC:
            row[f"{m}_{s}"] = finite_or_none(stats.get(s))
        d = drift.get(m) or {}
        for s in _PER_DRIFT:
            row[f"{m}_drift_{s}"] = finite_or_none(d.get(s))
    findings = summary.get("findings") or []
    row["n_findings"] = len(findings)
    row["n_red_flags"] = sum(1 for f in findings if f.get("kind") == "red-flag")
    row["n_notes"] = len(notes)
    row["notes"] = [str(n) for n in notes]
    return row


def findings_rows(findings: list[Any]) -> list[dict[str, Any]]:
    """One row per finding (no id columns)."""
    out = []
    for f in findings:
        d = f.to_dict() if hasattr(f, "to_dict") else dict(f)
        row = {c: d.get(c) for c in FINDING_COLUMNS[5:]}
        row["sources"] = [str(s) for s in d.get("sources") or []]
        for c in FINDING_COLUMNS[5:-1]:
            if row[c] is not None:
                row[c] = str(row[c])
        out.append(row)
    return out


def analyse_one(index: int, item: BatchInput, symptoms: Any = None) -> RecordingResult:
    """Analyse one recording; every exception becomes the result's error
    (a FootfallError's problem and fix; anything else is footfall's bug,
    named with its type and message)."""
    from footfall.errors import FootfallError
    from footfall.pipeline import analyze

    rid = item.recording_id
    try:
        if isinstance(symptoms, BaseException):
            raise symptoms
        analysis = analyze(item.path, symptoms=symptoms)
        summary = analysis.summary
        date = _date(analysis.recording.meta.get("started_at")) or _date(item.started_at)
        is_steps = "running_dynamics" not in summary
        return RecordingResult(
            index,
            rid,
            date=date,
            steps=_steps_arrow(analysis.steps) if is_steps else None,
            summary=summary_row(summary, analysis.notes),
            findings=findings_rows(analysis.findings),
        )
    except FootfallError as e:
        return RecordingResult(index, rid, error=e.problem, fix=e.fix, error_path=e.path)
    except MemoryError as e:
        return RecordingResult(
            index,
            rid,
            error=f"not enough memory to analyse it ({e})" if str(e) else "not enough memory",
            fix="run the batch with fewer --jobs, or on a machine with more memory",
        )
    except Exception as e:
        first = str(e).splitlines()[0] if str(e) else ""
        return RecordingResult(
            index,
            rid,
            error=f"internal error: {type(e).__name__}" + (f": {first}" if first else ""),
            fix=f"this is a bug in footfall; footfall analyze {item.path} --debug shows the "
            "traceback for a report",
        )


def analyse_chunk(chunk: list[tuple[int, BatchInput]]) -> list[RecordingResult]:
    """Analyse several recordings in one task (each symptom profile read once)."""
    from footfall.errors import FootfallError
    from footfall.rules.symptoms import load_symptoms

    profiles: dict[str, Any] = {}
    out = []
    for index, item in chunk:
        profile: Any = None
        if item.symptoms is not None:
            if item.symptoms not in profiles:
                try:
                    profiles[item.symptoms] = load_symptoms(item.symptoms)
                except FootfallError as e:
                    profiles[item.symptoms] = e
            profile = profiles[item.symptoms]
        out.append(analyse_one(index, item, profile))
    return out
