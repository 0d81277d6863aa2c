"""A captured recording's standard-profile values: a treadmill's belt speed
and incline over the run.

``footfall live --ble`` with a treadmill (or a foot pod) writes every value
it sent into ``profile_values.csv`` beside the streams, and names the file
in ``recording.json``: ``"profile_values": {"file": "profile_values.csv",
"rows": n}`` (:mod:`footfall.capture.recorder`). One row per value:
``t_s`` (s on the recording's time axis), ``device_id``, ``profile``
(``treadmill`` or ``rsc``), ``speed_mps``, ``incline_pct``,
``cadence_per_min``, empty where the device did not send it.

:func:`read_treadmill_values` gives the treadmill's rows, from which the
analysis makes a :class:`~footfall.gait.belt.BeltSchedule`: each step of a
foot IMU takes the belt speed in effect at its contact. A foot pod's speed
is the runner's own estimate, not a belt's, and is not used.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from footfall.errors import RecordingError, safe_text

__all__ = [
    "PROFILE_VALUES_KEY",
    "REQUIRED_COLUMNS",
    "TreadmillValues",
    "read_profile_values",
    "read_treadmill_values",
]

PROFILE_VALUES_KEY = "profile_values"
"""The key of ``recording.json`` that names the file."""

REQUIRED_COLUMNS = ("t_s", "profile", "speed_mps")
"""Columns the file must have (``incline_pct`` is read when present)."""

_FIX = (
    "rebuild the recording from its capture log (footfall recover DIR -o NEW_DIR, DIR the "
    'folder holding capture.fflog), or remove "profile_values" from recording.json: every '
    'step then takes the belt speed of "condition".'
)


class TreadmillValues(NamedTuple):
    """A treadmill's values, in file order: (n,) arrays, NaN where not sent."""

    t_s: np.ndarray
    speed_mps: np.ndarray
    incline_pct: np.ndarray


def read_profile_values(
    meta: Mapping[str, Any], source: str | os.PathLike[str]
) -> list[dict[str, Any]] | None:
    """Every row of a recording's ``profile_values.csv``, in file order, as
    the capture log keeps them (``t_s``, ``device_id``, ``profile``,
    ``speed_mps``, ``incline_pct``, ``cadence_per_min``; None where not
    sent), or None when recording.json names no such file.

    Parameters
    ----------
    meta
        The recording's metadata (``Recording.meta``: recording.json's keys).
    source
        The recording's folder (``Recording.source``).

    Raises
    ------
    RecordingError
        The entry in recording.json or the file is unusable (not found,
        outside the folder, a missing column, a value that is not a number,
        fewer or more rows than recording.json says); the message names the
        file, the problem and the fix.
    """
    entry = meta.get(PROFILE_VALUES_KEY)
    if entry is None:
        return None
    folder = Path(source)
    json_path = folder / "recording.json"
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        raise RecordingError(
            f'"{PROFILE_VALUES_KEY}" must be an object like {{"file": "profile_values.csv", '
            f'"rows": 12}}, got {safe_text(repr(entry), 80)}.',
            path=str(json_path),
            fix=f'write "{PROFILE_VALUES_KEY}": {{"file": "profile_values.csv", "rows": n}}, '
            "or remove the key.",
        )
    name = entry["file"]
    path = folder / name
    if Path(name).is_absolute() or not path.resolve().is_relative_to(folder.resolve()):
        raise RecordingError(
            f'"{PROFILE_VALUES_KEY}" names the file {safe_text(name)!r}, which is outside the '
            "recording folder.",
            path=str(json_path),
            fix="give the name of a file in the recording folder (profile_values.csv).",
        )
    if not path.is_file():
        raise RecordingError(
            "recording.json names this file of the treadmill's and foot pods' values, but "
            "it is not there.",
            path=str(path),
            fix=_FIX,
        )
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise RecordingError(
            f"cannot be read as a CSV file ({safe_text(e, 120)}).", path=str(path), fix=_FIX
        ) from None
    if not rows:
        raise RecordingError("is empty: it has no header row.", path=str(path), fix=_FIX)
    header = [h.strip() for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RecordingError(
            f"has no column {', '.join(missing)} (its header is "
            f"{safe_text(','.join(header), 120)!r}; it needs "
            f"{', '.join(REQUIRED_COLUMNS)}, and incline_pct when the treadmill sent it).",
            path=str(path),
            fix=_FIX,
        )
    body = [r for r in rows[1:] if any(x.strip() for x in r)]
    n_rows = entry.get("rows")
    if isinstance(n_rows, int) and not isinstance(n_rows, bool) and n_rows != len(body):
        raise RecordingError(
            f"holds {len(body)} value rows, but recording.json says {n_rows}: values are "
            "missing or were added.",
            path=str(path),
            fix=_FIX,
        )
    out: list[dict[str, Any]] = []
    for line, r in enumerate(body, start=2):
        if len(r) < len(header):
            raise RecordingError(
                f"line {line} has {len(r)} fields, the header {len(header)}.",
                path=str(path),
                fix=_FIX,
            )
        field = {h: r[i].strip() for i, h in enumerate(header)}
        row: dict[str, Any] = {
            "t_s": _number(field["t_s"], "t_s", line, path, required=True),
            "device_id": field.get("device_id", ""),
            "profile": field["profile"],
        }
        for c in ("speed_mps", "incline_pct", "cadence_per_min"):
            row[c] = _number(field[c], c, line, path) if c in field else None
        if row["speed_mps"] is not None and row["speed_mps"] < 0:
            raise RecordingError(
                f"line {line}: speed_mps {row['speed_mps']!r} is negative; a speed is 0 or more.",
                path=str(path),
                fix=_FIX,
            )
        out.append(row)
    return out


def read_treadmill_values(
    meta: Mapping[str, Any], source: str | os.PathLike[str]
) -> TreadmillValues | None:
    """The treadmill rows' times, belt speeds and inclines
    (:func:`read_profile_values`, profile ``treadmill``;
    ``footfall.gait.belt.BeltSchedule(*values)`` is their schedule), or None
    when the recording has no treadmill value.

    Raises
    ------
    RecordingError
        As :func:`read_profile_values`.
    """
    rows = read_profile_values(meta, source)
    tm = [r for r in rows or [] if r["profile"] == "treadmill"]
    if not tm:
        return None

    def col(name: str) -> np.ndarray:
        return np.array([np.nan if r[name] is None else r[name] for r in tm], dtype=float)

    return TreadmillValues(col("t_s"), col("speed_mps"), col("incline_pct"))


def _number(
    text: str, column: str, line: int, path: Path, *, required: bool = False
) -> float | None:
    """A field's number; None when empty (and allowed)."""
    s = text.strip()
    if not s and not required:
        return None
    try:
        x = float(s)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise RecordingError(
            f"line {line}: {column} is {safe_text(s, 40)!r}, not a number.",
            path=str(path),
            fix=_FIX,
        )
    return x
