"""Plausibility checks applied to every stream when it is read.

Each check raises :class:`~footfall.errors.RecordingError` with the file, the
problem and the fix. A stream with no movement at all passes: that is not a
file problem (the gait layer reports "no gait" with its reason).

Thresholds
----------
The unit heuristics rest on two facts: an accelerometer that is worn always
feels gravity (9.81 m/s^2 = 1 g at rest), so the median magnitude of its
signal over a recording is about 1 in g and about 10 in m/s^2, walking or
running alike; and a foot swinging in walking or running turns at hundreds of
degrees per second (roughly 5-30 rad/s at the peaks), so a gyroscope whose
busiest 1 % stays below 20 while the foot clearly moves is reporting rad/s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from footfall.errors import RecordingError
from footfall.io.units import ACC_UNITS
from footfall.model import G_MPS2

__all__ = [
    "ACC_G_LIKE_RANGE",
    "ACC_MAX_MEDIAN_G",
    "ACC_MPS2_LIKE_RANGE",
    "GYR_DEG_LIKE_P99",
    "GYR_RAD_LIKE_P99",
    "MAX_MEDIAN_PERIOD_S",
    "MIN_MOVING_S",
    "MIN_MOVING_SAMPLES",
    "MIN_SAMPLES",
    "MOVING_ACC_DEV_MPS2",
    "UnitFix",
    "check_finite",
    "check_imu_units",
    "check_time",
]


MIN_SAMPLES = 10
"""Fewer samples than this cannot be a recording."""

MAX_MEDIAN_PERIOD_S = 0.5
"""A median sample interval longer than this (under 2 samples per second) means
time_s is not in seconds (typically milliseconds)."""

ACC_G_LIKE_RANGE = (0.5, 4.0)
"""Median |acc| in this range while declared m/s^2 means the values are in g."""

ACC_MPS2_LIKE_RANGE = (5.0, 30.0)
"""Median |acc| in this range while declared g means the values are in m/s^2."""

ACC_MAX_MEDIAN_G = 30.0
"""A median |acc| above this many g is no body-worn accelerometer in g or m/s^2
(raw sensor counts or milli-g)."""

MOVING_ACC_DEV_MPS2 = 3.0
"""A sample 'moves' when |acc| differs from the recording's median |acc| by more
than this (m/s^2)."""

MIN_MOVING_S = 1.0
"""The gyroscope unit check runs only with at least this much moving time (s)."""

MIN_MOVING_SAMPLES = 20
"""... and at least this many moving samples."""

GYR_RAD_LIKE_P99 = (1.0, 20.0)
"""99th percentile of |gyr| over moving samples in this range while declared
deg/s means the values are in rad/s (below the lower end the gyroscope reads
nothing useful and no unit can be inferred)."""

GYR_DEG_LIKE_P99 = 60.0
"""99th percentile of |gyr| above this while declared rad/s (3400 deg/s) means the
values are in deg/s."""

UnitFix = Callable[[str, str], str]
"""fix_unit(quantity, unit) -> how to declare ``quantity`` as ``unit`` (a sentence)."""


def check_finite(
    columns: dict[str, np.ndarray],
    time_s: np.ndarray,
    *,
    path: str,
    where: Callable[[int], str],
) -> None:
    """Raise when any value is missing (empty cell, NaN) or infinite.

    Parameters
    ----------
    columns
        Column name -> values (any units), each shape (n,).
    time_s
        Sample times, s, shape (n,), used to say where the first missing value is.
    """
    bad_rows = np.zeros(len(time_s), dtype=bool)
    per_col = []
    for name, v in columns.items():
        bad = ~np.isfinite(v)
        n = int(bad.sum())
        if n:
            per_col.append(f"{name} ({n})")
            bad_rows |= bad
    if not bad_rows.any():
        return
    first = int(np.argmax(bad_rows))
    t = time_s[first]
    at = f"t = {t:.3f} s, {where(first)}" if np.isfinite(t) else where(first)
    raise RecordingError(
        f"{int(bad_rows.sum())} row(s) have missing, NaN or infinite values, the first at "
        f"{at}; by column: {', '.join(per_col)}.",
        path=path,
        fix="delete those rows. footfall never fills in missing samples: the rows you "
        "leave out are reported as a gap in the data.",
    )


def check_time(
    time_s: np.ndarray, *, path: str, where: Callable[[int], str], check_rate: bool = True
) -> float:
    """Raise when there are too few samples, time does not strictly increase,
    or (``check_rate``) the sample interval shows that time_s is not in seconds.

    Parameters
    ----------
    time_s
        Sample times, s, shape (n,), finite.
    check_rate
        Also check that the median sample interval is at most
        :data:`MAX_MEDIAN_PERIOD_S`.

    Returns
    -------
    float
        The median sample interval, s.
    """
    n = len(time_s)
    if n < MIN_SAMPLES:
        raise RecordingError(
            f"has only {n} sample(s); a recording needs at least {MIN_SAMPLES}.",
            path=path,
            fix="check that the export finished and that this is the right file.",
        )
    dt = np.diff(time_s)
    bad = np.flatnonzero(dt <= 0)
    if len(bad):
        i = int(bad[0])
        how = "repeats" if dt[i] == 0 else "goes back"
        raise RecordingError(
            f"time_s {how} at {where(i + 1)}: {float(time_s[i])!r} s is followed by "
            f"{float(time_s[i + 1])!r} s ({len(bad)} such place(s)). Time must increase from each "
            "row to the next.",
            path=path,
            fix="sort the rows by time_s and delete repeated rows; if the sensor's clock "
            f"restarted, split the file at {where(i + 1)}.",
        )
    period = float(np.median(dt))
    if check_rate and period > MAX_MEDIAN_PERIOD_S:
        raise RecordingError(
            f"time_s steps by {period:g} between samples (median), which would be "
            f"{1.0 / period:.3g} samples per second: too slow for a foot sensor, so time_s is "
            "probably not in seconds.",
            path=path,
            fix=f"{_time_unit_guess(period)}footfall reads time_s in seconds only: divide "
            "milliseconds by 1000, microseconds by 1e6, nanoseconds by 1e9.",
        )
    return period


def _time_unit_guess(period: float) -> str:
    """A sentence naming the unit that makes the median interval ``period``
    a foot sensor's rate, 10 to 10000 samples per second (e.g. "time_s looks
    like milliseconds (100 samples per second). "), or an empty string. The
    units are 1000 times apart, so at most one fits."""
    for unit, per_s in (("milliseconds", 1e3), ("microseconds", 1e6), ("nanoseconds", 1e9)):
        rate = per_s / period
        if 10 <= rate < 10_000:
            return f"time_s looks like {unit} ({rate:.3g} samples per second). "
    return ""


def check_imu_units(
    acc: np.ndarray,
    gyr: np.ndarray,
    time_s: np.ndarray,
    *,
    acc_unit: str,
    gyr_unit: str,
    path: str,
    fix_unit: UnitFix,
    period_s: float | None = None,
) -> None:
    """Raise when the declared IMU units contradict the data.

    Parameters
    ----------
    acc, gyr
        Accelerometer and gyroscope samples as stored in the file, in the
        declared units, shape (n, 3).
    time_s
        Sample times, s, shape (n,), strictly increasing.
    acc_unit, gyr_unit
        Declared units (keys of :data:`~footfall.io.units.ACC_UNITS` and
        :data:`~footfall.io.units.GYR_UNITS`).
    fix_unit
        Phrases the fix for declaring another unit.
    period_s
        Median sample interval, s, when already known.
    """
    mag = _norm(acc)
    med = float(np.median(mag))
    med_g = med * ACC_UNITS[acc_unit] / G_MPS2
    if med_g > ACC_MAX_MEDIAN_G:
        raise RecordingError(
            f"the acceleration is far too large: its median magnitude is {med:.4g} {acc_unit} "
            f"({med_g:.3g} g), while a worn sensor reads about 1 g (9.81 m/s2).",
            path=path,
            fix="the values may be raw sensor counts or milli-g; convert them to m/s2 or g "
            "before reading.",
        )
    if acc_unit == "m/s2" and ACC_G_LIKE_RANGE[0] <= med <= ACC_G_LIKE_RANGE[1]:
        raise RecordingError(
            f"the acceleration looks like it is in g, not m/s2: its median magnitude is "
            f"{med:.3g}, and gravity alone is 9.81 m/s2 (1 g).",
            path=path,
            fix=fix_unit("acc", "g"),
        )
    if acc_unit == "g" and ACC_MPS2_LIKE_RANGE[0] <= med <= ACC_MPS2_LIKE_RANGE[1]:
        raise RecordingError(
            f"the acceleration looks like it is in m/s2, not g: its median magnitude is "
            f"{med:.3g}, which would be {med:.3g} times gravity.",
            path=path,
            fix=fix_unit("acc", "m/s2"),
        )

    gmag = _norm(gyr)
    if gyr_unit == "rad/s":
        p99 = float(np.percentile(gmag, 99))
        if p99 > GYR_DEG_LIKE_P99:
            raise RecordingError(
                f"the rotation rate looks like it is in deg/s, not rad/s: its 99th percentile "
                f"is {p99:.3g}, which would be {np.rad2deg(p99):.0f} deg/s.",
                path=path,
                fix=fix_unit("gyr", "deg/s"),
            )
        return

    factor = ACC_UNITS[acc_unit]
    moving = np.abs(mag - med) * factor > MOVING_ACC_DEV_MPS2
    n_moving = int(moving.sum())
    if period_s is None:
        period_s = float(np.median(np.diff(time_s)))
    fs_hz = 1.0 / period_s
    if n_moving < max(MIN_MOVING_SAMPLES, MIN_MOVING_S * fs_hz):
        return  # too little movement to judge: never an error
    p99 = float(np.percentile(gmag[moving], 99))
    lo, hi = GYR_RAD_LIKE_P99
    if gyr_unit == "deg/s" and lo < p99 < hi:
        raise RecordingError(
            f"the rotation rate looks like it is in rad/s, not deg/s: while the sensor moves, "
            f"its 99th percentile is only {p99:.3g}, while a foot swinging in a step turns at "
            f"hundreds of deg/s ({p99:.3g} rad/s would be {np.rad2deg(p99):.0f} deg/s).",
            path=path,
            fix=fix_unit("gyr", "rad/s"),
        )


def _norm(xyz: np.ndarray) -> np.ndarray:
    """Row-wise Euclidean norm of an (n, 3) array (also for strided views)."""
    return np.sqrt(np.einsum("ij,ij->i", xyz, xyz))
