"""FIT activity files (Garmin, Stryd, Coros, ...): running dynamics, one row per record.

A watch or foot pod does not record the foot's motion; it records what it
measured of it, about once a second, in ``record`` messages (FIT profile,
message 20): cadence, ground contact ("stance") time and its left/right
balance, step length, vertical oscillation and ratio, speed, heart rate,
distance, power, and fields a third party defines in the file itself
(developer fields, e.g. Stryd's Form Power and Leg Spring Stiffness).

:func:`read_fit` reads those records with ``fitdecode``'s streaming reader
into a :class:`FitRecording`: a table with one row per record (no row is
interpolated or dropped; a value the record does not carry is NaN), in
footfall's units:

==================================  ============================================
column                              from (FIT profile field, unit, scale)
==================================  ============================================
``time_s``                          ``timestamp`` (s), from the first record
``interval_s``                      time since the previous record while the
                                    timer ran; 0 for the first record and after
                                    a pause or a gap
``lap_start_s``                     ``lap.start_time`` of the row's lap
``cadence_spm``                     2 x (``cadence`` + ``fractional_cadence``):
                                    a running record's cadence is strides
                                    (cycles) per minute, scale 1, plus 1/128
                                    steps; two steps per stride
``contact_ms``                      ``stance_time`` (ms, scale 10)
``contact_balance_left_pct``        ``stance_time_balance`` (%, scale 100):
                                    the left foot's share of contact time
``contact_time_pct``                ``stance_time_percent`` (%, scale 100)
``step_length_m``                   ``step_length`` (mm, scale 10) / 1000
``vertical_oscillation_mm``         ``vertical_oscillation`` (mm, scale 10)
``vertical_ratio_pct``              ``vertical_ratio`` (%, scale 100)
``speed_mps``                       ``enhanced_speed`` (m/s, scale 1000), else
                                    ``speed``
``heart_rate_bpm``                  ``heart_rate`` (bpm)
``distance_m``                      ``distance`` (m, scale 100)
``power_w``                         ``power`` (W)
``form_power_w``,                   developer fields named ``Form Power`` and
``leg_spring_stiffness_kn_m``, ...  ``Leg Spring Stiffness`` (Stryd); others as
                                    ``dev_<name>``
==================================  ============================================

Developer fields are found by the name their ``field_description`` message
gives them under their developer data index (whose ``developer_data_id``
names the application), never by a field number.

Laps (``lap`` messages) give ``lap_start_s`` and ``FitRecording.laps``, with
the device's own lap averages. Pauses (timer ``stop``/``stop_all`` ...
``start`` events) and gaps (more than :data:`MAX_INTERVAL_S` between two
records while the timer runs) are kept as marked spans in ``meta`` with
``interval_s`` 0 across them: nothing is filled in. A file that ends early (cut
short while copying, a device that stopped writing) gives every record read
before the break and a note saying where it broke.

What a FIT file cannot give: foot strike, foot roll (pronation), impact and
braking, plantar pressure, and per-foot values (only the balance of contact
time between the feet).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from footfall.errors import RecordingError

__all__ = [
    "COLUMNS",
    "FitRecording",
    "MAX_INTERVAL_S",
    "STRYD_FIELDS",
    "dev_column",
    "device_averages",
    "is_fit_file",
    "present",
    "read_fit",
    "record_intervals",
    "record_values",
]

MAX_INTERVAL_S = 15.0
"""Longest time between two records that still counts as recorded running
while the timer runs. Smart recording writes a record when something changes,
so records come irregularly: the longest interval in the shared fenix 5 sample
(garmin-fenix-5-run.fit) is 9 s. Longer spans are marked as gaps."""

COLUMNS: tuple[str, ...] = (
    "time_s",
    "interval_s",
    "lap_start_s",
    "cadence_spm",
    "contact_ms",
    "contact_balance_left_pct",
    "contact_time_pct",
    "step_length_m",
    "vertical_oscillation_mm",
    "vertical_ratio_pct",
    "speed_mps",
    "heart_rate_bpm",
    "distance_m",
    "power_w",
)
"""The table's columns from the FIT profile's own fields, in order;
developer fields follow."""

STRYD_FIELDS: dict[str, str] = {
    "form power": "form_power_w",
    "leg spring stiffness": "leg_spring_stiffness_kn_m",
    "air power": "air_power_w",
}
"""Developer fields footfall names itself (by the field's name, case
ignored): Stryd's. Any other developer field becomes ``dev_<name>``."""

_TIMER_STOPS = {"stop", "stop_all", "stop_disable", "stop_disable_all"}
_FIX = (
    "export the activity again as a .fit file from the watch, the app or the web "
    "service (Garmin Connect: 'Export Original'; Stryd PowerCenter: 'Export FIT')."
)


def is_fit_file(path: str | os.PathLike[str]) -> bool:
    """True for a ``.fit`` name, or a file whose header says ``.FIT``."""
    p = Path(path)
    if p.suffix.lower() == ".fit":
        return True
    try:
        with p.open("rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return len(head) == 12 and head[8:12] == b".FIT"


def dev_column(name: str) -> str:
    """The table column of a developer field called ``name``."""
    key = " ".join(name.lower().split())
    if key in STRYD_FIELDS:
        return STRYD_FIELDS[key]
    slug = re.sub(r"[^a-z0-9]+", "_", key).strip("_") or "field"
    return f"dev_{slug}"


def _num(value: Any) -> float:
    if value is None or isinstance(value, (bool, str, tuple)):
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def record_values(fields: Mapping[str, Any]) -> dict[str, float]:
    """One FIT ``record`` message's values (by FIT profile field name, as
    ``fitdecode`` gives them: scaled, in the profile's units) in footfall's
    columns and units; NaN for what the record does not carry.

    >>> v = record_values({"cadence": 84, "fractional_cadence": 0.5, "stance_time": 251.0})
    >>> v["cadence_spm"], v["contact_ms"]
    (169.0, 251.0)
    """
    cadence = _num(fields.get("cadence"))
    frac = _num(fields.get("fractional_cadence"))
    speed = _num(fields.get("enhanced_speed"))
    if not np.isfinite(speed):
        speed = _num(fields.get("speed"))
    return {
        "cadence_spm": 2.0 * (cadence + (frac if np.isfinite(frac) else 0.0)),
        "contact_ms": _num(fields.get("stance_time")),
        "contact_balance_left_pct": _num(fields.get("stance_time_balance")),
        "contact_time_pct": _num(fields.get("stance_time_percent")),
        "step_length_m": _num(fields.get("step_length")) / 1000.0,
        "vertical_oscillation_mm": _num(fields.get("vertical_oscillation")),
        "vertical_ratio_pct": _num(fields.get("vertical_ratio")),
        "speed_mps": speed,
        "heart_rate_bpm": _num(fields.get("heart_rate")),
        "distance_m": _num(fields.get("distance")),
        "power_w": _num(fields.get("power")),
    }


_LAP_AVERAGES = {
    "contact_ms": "avg_stance_time",
    "contact_balance_left_pct": "avg_stance_time_balance",
    "contact_time_pct": "avg_stance_time_percent",
    "vertical_oscillation_mm": "avg_vertical_oscillation",
    "vertical_ratio_pct": "avg_vertical_ratio",
    "heart_rate_bpm": "avg_heart_rate",
    "power_w": "avg_power",
}


def device_averages(fields: Mapping[str, Any]) -> dict[str, float]:
    """A ``lap`` or ``session`` message's own averages in footfall's columns
    and units (only those present): the cadence as steps per minute from
    ``avg_running_cadence`` (strides/min; ``avg_cadence`` when the sport
    subfield was not resolved) plus ``avg_fractional_cadence``."""
    out: dict[str, float] = {}
    cad = _num(fields.get("avg_running_cadence"))
    if not np.isfinite(cad):
        cad = _num(fields.get("avg_cadence"))
    if np.isfinite(cad):
        frac = _num(fields.get("avg_fractional_cadence"))
        out["cadence_spm"] = 2.0 * (cad + (frac if np.isfinite(frac) else 0.0))
    for col, name in _LAP_AVERAGES.items():
        v = _num(fields.get(name))
        if np.isfinite(v):
            out[col] = v
    step = _num(fields.get("avg_step_length"))
    if np.isfinite(step):
        out["step_length_m"] = step / 1000.0
    speed = _num(fields.get("enhanced_avg_speed"))
    if not np.isfinite(speed):
        speed = _num(fields.get("avg_speed"))
    if np.isfinite(speed):
        out["speed_mps"] = speed
    for col, name in (("distance_m", "total_distance"), ("timer_s", "total_timer_time")):
        v = _num(fields.get(name))
        if np.isfinite(v):
            out[col] = v
    return out


@dataclass
class FitRecording:
    """A FIT activity's running dynamics (:func:`read_fit`).

    Attributes
    ----------
    columns
        Name -> array, one entry per record (:data:`COLUMNS`, then developer
        fields), time ordered as the file has them.
    meta
        ``started_at`` (ISO, UTC), ``device``, ``sport``, ``laps`` (each
        ``start_s``, ``end_s`` and the device's ``averages``), ``session``
        (the device's averages for the whole activity), ``pauses`` and
        ``gaps`` (``[from_s, to_s]`` on ``time_s``), ``developer_fields``
        (column -> field name, units, developer data index, application id),
        ``truncated`` (bool).
    notes
        Plain-language remarks: a file that ends early, a damaged checksum,
        pauses and gaps.
    source
        The file's path.
    """

    columns: dict[str, np.ndarray]
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    source: str = ""

    def __len__(self) -> int:
        return int(self.columns["time_s"].shape[0]) if "time_s" in self.columns else 0

    @property
    def duration_s(self) -> float:
        t = self.columns.get("time_s")
        return float(t[-1] - t[0]) if t is not None and t.size else 0.0


def _timestamp(value: Any) -> float | None:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        return value.timestamp()
    return None


class _Collected:
    """What the reader keeps while it walks the file."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.rows: list[dict[str, float]] = []
        self.laps: list[dict[str, Any]] = []
        self.session: dict[str, float] = {}
        self.timer: list[tuple[float, str]] = []  # (time, "start" | "stop")
        self.dev_ids: dict[int, str] = {}
        self.dev_fields: dict[str, dict[str, Any]] = {}
        self.device: str = ""
        self.sport: str = ""


def _message(frame: Any, got: _Collected) -> None:
    name = frame.name
    if name == "record":
        t = _timestamp(frame.get_value("timestamp", fallback=None))
        if t is None:
            return
        values: dict[str, Any] = {}
        dev: dict[str, float] = {}
        for f in frame.fields:
            fdef = f.field_def
            if fdef is not None and getattr(fdef, "is_dev", False):
                index = int(getattr(fdef, "dev_data_index", 0))
                col = _dev_entry(got, index, f.name, f.units)
                dev[col] = _num(f.value)
            else:
                values[f.name] = f.value
        row = record_values(values)
        row.update(dev)
        got.times.append(t)
        got.rows.append(row)
    elif name == "event":
        if str(frame.get_value("event", fallback="")) != "timer":
            return
        t = _timestamp(frame.get_value("timestamp", fallback=None))
        kind = str(frame.get_value("event_type", fallback=""))
        if t is not None and (kind == "start" or kind in _TIMER_STOPS):
            got.timer.append((t, "start" if kind == "start" else "stop"))
    elif name == "lap":
        values = {f.name: f.value for f in frame.fields}
        end = _timestamp(values.get("timestamp"))
        start = _timestamp(values.get("start_time"))
        if start is not None and end is not None:
            got.laps.append({"start": start, "end": end, "averages": device_averages(values)})
    elif name == "session":
        got.session = device_averages({f.name: f.value for f in frame.fields})
        got.sport = str(frame.get_value("sport", fallback="") or got.sport)
    elif name == "developer_data_id":
        index = frame.get_value("developer_data_index", fallback=None)
        app = frame.get_value("application_id", fallback=None)
        if index is not None:
            got.dev_ids[int(index)] = (
                bytes(int(b) & 0xFF for b in app).hex() if isinstance(app, (tuple, list)) else ""
            )
    elif name == "file_id" and not got.device:
        maker = frame.get_value("manufacturer", fallback=None)
        product = frame.get_value("garmin_product", fallback=None) or frame.get_value(
            "product", fallback=None
        )
        got.device = " ".join(str(x) for x in (maker, product) if x not in (None, ""))
    elif name == "sport":
        got.sport = str(frame.get_value("sport", fallback="") or got.sport)


def _dev_entry(got: _Collected, index: int, name: str, units: Any) -> str:
    """The column of developer field ``name`` of developer data index
    ``index``; the same name from another developer gets the index appended."""
    col = dev_column(name)
    entry = got.dev_fields.get(col)
    if entry is not None and entry["developer_data_index"] != index:
        col = f"{col}_{index}"
        entry = got.dev_fields.get(col)
    if entry is None:
        got.dev_fields[col] = {
            "name": name,
            "units": "" if units is None else str(units),
            "developer_data_index": index,
            "application_id": got.dev_ids.get(index, ""),
        }
    return col


def _read_messages(p: Path, got: _Collected) -> list[str]:
    """Walk the file's messages into ``got``; notes about where it broke."""
    import fitdecode

    notes: list[str] = []
    try:
        with fitdecode.FitReader(
            str(p),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.WARN,
        ) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage):
                    _message(frame, got)
    except OSError as exc:
        raise RecordingError(
            f"cannot be read ({exc.strerror or exc}).",
            path=str(p),
            fix="check the file exists and that you may read it.",
        ) from exc
    except fitdecode.FitHeaderError as exc:
        if not got.rows:
            raise RecordingError(
                f"is not a FIT file: its header cannot be read ({exc}).", path=str(p), fix=_FIX
            ) from None
        notes.append(
            f"the file goes on with data that is not FIT after record {len(got.rows)} "
            f"({exc}); the {len(got.rows)} records before it were read"
        )
    except fitdecode.FitCRCError as exc:
        notes.append(
            f"the file's checksum does not match ({exc}): some bytes may be damaged; "
            f"all {len(got.rows)} records were read as they are"
        )
    except fitdecode.FitEOFError as exc:
        notes.append(
            f"the file ends early ({exc}): it was probably cut short while being copied or "
            f"written; the {len(got.rows)} records before the break were read, nothing after it"
        )
    except (fitdecode.FitError, ValueError, KeyError, IndexError) as exc:
        notes.append(
            f"the file cannot be decoded past record {len(got.rows)} ({type(exc).__name__}: "
            f"{exc}); the records before it were read"
        )
    return notes


def _timer_spans(timer: list[tuple[float, str]], t0: float, t_end: float) -> list[list[float]]:
    """Spans with the timer stopped, from the timer events (absolute times)."""
    spans: list[list[float]] = []
    stopped_at: float | None = None
    for t, kind in sorted(timer, key=lambda e: e[0]):
        if kind == "stop" and stopped_at is None:
            stopped_at = t
        elif kind == "start" and stopped_at is not None:
            spans.append([stopped_at, t])
            stopped_at = None
    if stopped_at is not None and stopped_at < t_end:
        spans.append([stopped_at, t_end])
    return spans


def _intervals(
    t: np.ndarray, stopped: list[list[float]], max_interval_s: float
) -> tuple[np.ndarray, list[list[float]]]:
    """Each record's ``interval_s`` (time since the previous record while the
    timer ran and the records came no more than ``max_interval_s`` apart; 0
    otherwise) and the gaps found."""
    n = t.size
    interval = np.zeros(n)
    gaps: list[list[float]] = []
    if n < 2:
        return interval, gaps
    dt = np.diff(t)
    prev, now = t[:-1], t[1:]
    in_pause = np.zeros(n - 1, dtype=bool)
    for a, b in stopped:
        in_pause |= (now > a) & (prev < b)
    gap = (dt > max_interval_s) & ~in_pause
    ok = (dt > 0) & ~in_pause & ~gap
    interval[1:][ok] = dt[ok]
    gaps = [[float(a), float(b)] for a, b in zip(prev[gap], now[gap], strict=True)]
    return interval, gaps


record_intervals = _intervals
"""Each record's ``interval_s`` and the gaps, from the record times and the
timer's stopped spans (for tables of records read otherwise, footfall.io.mapping)."""


def read_fit(
    path: str | os.PathLike[str], *, max_interval_s: float = MAX_INTERVAL_S
) -> FitRecording:
    """Read a FIT activity file's records into running dynamics.

    Parameters
    ----------
    path
        The ``.fit`` file.
    max_interval_s
        Longest time between records that counts as recorded (:data:`MAX_INTERVAL_S`).

    Returns
    -------
    FitRecording
        One row per ``record`` message; laps, pauses, gaps and the device's
        own averages in ``meta``; notes.

    Raises
    ------
    RecordingError
        The file cannot be read, is not a FIT file, or has no record with a
        time stamp.
    """
    p = Path(path)
    if not p.is_file():
        raise RecordingError(
            "file not found." if not p.exists() else "is not a file.",
            path=str(p),
            fix="check the path and the file name.",
        )
    got = _Collected()
    notes = _read_messages(p, got)
    truncated = any(n.startswith("the file ends early") for n in notes)
    if not got.rows:
        why = (
            "is empty"
            if p.stat().st_size == 0
            else "ends before its first record"
            if truncated
            else "has no record messages"
        )
        raise RecordingError(
            f"{why}: it holds no per-second data (a FIT course, workout, settings or "
            "a summary-only file has none).",
            path=str(p),
            fix="give the FIT file of a recorded activity: " + _FIX,
        )
    t_abs = np.asarray(got.times, dtype=np.float64)
    order = np.argsort(t_abs, kind="stable")
    if not np.array_equal(order, np.arange(t_abs.size)):
        notes.append("some records are out of time order in the file; the table lists them by time")
    t_abs = t_abs[order]
    rows = [got.rows[i] for i in order]
    t0 = float(t_abs[0])
    names = list(COLUMNS[3:]) + sorted(got.dev_fields)
    columns: dict[str, np.ndarray] = {"time_s": t_abs - t0}
    stopped = _timer_spans(got.timer, t0, float(t_abs[-1]))
    interval, gaps = _intervals(t_abs, stopped, max_interval_s)
    columns["interval_s"] = interval
    lap_start = np.full(t_abs.size, np.nan)
    laps_meta = []
    for lap in sorted(got.laps, key=lambda a: a["start"]):
        inside = (t_abs >= lap["start"]) & (t_abs <= lap["end"])
        lap_start[inside & np.isnan(lap_start)] = lap["start"] - t0
        laps_meta.append(
            {
                "start_s": lap["start"] - t0,
                "end_s": lap["end"] - t0,
                "n_records": int(inside.sum()),
                "averages": lap["averages"],
            }
        )
    columns["lap_start_s"] = lap_start
    for name in names:
        columns[name] = np.fromiter(
            (r.get(name, np.nan) for r in rows), dtype=np.float64, count=len(rows)
        )
    pauses = [[a - t0, b - t0] for a, b in stopped if b > t0 and a < float(t_abs[-1])]
    gaps_rel = [[a - t0, b - t0] for a, b in gaps]
    if pauses:
        total = sum(b - a for a, b in pauses)
        notes.append(
            f"{len(pauses)} pause{'s' if len(pauses) != 1 else ''} with the timer stopped "
            f"({total:.0f} s in all), kept as marked gaps"
        )
    if gaps_rel:
        total = sum(b - a for a, b in gaps_rel)
        notes.append(
            f"{len(gaps_rel)} gap{'s' if len(gaps_rel) != 1 else ''} of more than "
            f"{max_interval_s:g} s between records ({total:.0f} s in all), kept as marked gaps"
        )
    meta: dict[str, Any] = {
        "format": "fit",
        "started_at": _dt.datetime.fromtimestamp(t0, tz=_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "device": got.device,
        "sport": got.sport,
        "n_records": len(rows),
        "laps": laps_meta,
        "session": got.session,
        "pauses": pauses,
        "gaps": gaps_rel,
        "developer_fields": got.dev_fields,
        "truncated": truncated,
    }
    return FitRecording(columns=columns, meta=meta, notes=notes, source=str(p))


def present(columns: Mapping[str, np.ndarray], names: Iterable[str]) -> list[str]:
    """The names of ``names`` with at least one finite value in ``columns``."""
    return [n for n in names if n in columns and bool(np.isfinite(columns[n]).any())]
