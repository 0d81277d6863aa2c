"""A treadmill's belt speed and incline over a run, and the value each step uses.

A treadmill (Bluetooth FTMS) sends its belt speed and incline as they change;
footfall keeps every value with its time on the recording's time axis
(``profile_values.csv`` of a captured recording, read by
:func:`footfall.io.profile_values.read_treadmill_values`; live, as the values
arrive, :meth:`footfall.stream.StreamingAnalyzer.set_belt_speed`). A
:class:`BeltSchedule` holds them, and one lookup gives each step its belt
speed, offline and live alike: the last value sent at or before the step's
initial contact (a treadmill holds its speed until it is told otherwise).
Before the first value the schedule's fallback (the recording's
``condition.speed_mps``) holds, or none; a value of 0 (the belt stopped)
gives none. A step without a belt speed has its stride length and speed from
the IMU as overground (:func:`footfall.gait.metrics.stride_length_speed`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["BeltSchedule"]


class _Series:
    """Times and values of one quantity, in time order (a value sent at the
    same time as an earlier one comes after it)."""

    def __init__(self) -> None:
        self.t = np.empty(0)
        self.v = np.empty(0)

    def add(self, t: np.ndarray, v: np.ndarray) -> None:
        ok = np.isfinite(t) & np.isfinite(v)
        t, v = t[ok], v[ok]
        if not len(t):
            return
        if (not len(self.t) or t[0] >= self.t[-1]) and np.all(np.diff(t) >= 0):
            self.t = np.concatenate([self.t, t])
            self.v = np.concatenate([self.v, v])
            return
        t_all = np.concatenate([self.t, t])
        order = np.argsort(t_all, kind="stable")
        self.t = t_all[order]
        self.v = np.concatenate([self.v, v])[order]

    def at(self, t_s: np.ndarray, before: float) -> np.ndarray:
        """The value in effect at each of ``t_s``: the last at or before it;
        ``before`` before the first; NaN at a time that is not a number."""
        k = np.searchsorted(self.t, t_s, side="right") - 1
        out = np.where(k >= 0, self.v[np.maximum(k, 0)] if len(self.v) else before, before)
        out = np.asarray(out, dtype=float)
        out[~np.isfinite(t_s)] = np.nan
        return out


class BeltSchedule:
    """A treadmill's belt speeds and inclines over time.

    Parameters
    ----------
    t_s
        (n,) times of the values, s on the recording's time axis.
    speed_mps, incline_pct
        (n,) belt speed (m/s) and incline (%) sent at those times; NaN (or
        None) where the treadmill did not send one (it is then left out of
        that quantity's lookup: the one before holds).
    fallback_mps
        Belt speed before the first value (the recording's
        ``condition.speed_mps``), or None: such steps are measured as
        overground.

    Notes
    -----
    :meth:`add` appends values as they arrive (live); a value may arrive out
    of time order and is put in its place.
    """

    def __init__(
        self,
        t_s: Iterable[float] = (),
        speed_mps: Iterable[float | None] = (),
        incline_pct: Iterable[float | None] = (),
        *,
        fallback_mps: float | None = None,
    ):
        self.fallback_mps = float(fallback_mps) if fallback_mps else None
        self._speed = _Series()
        self._incline = _Series()
        t = _floats(t_s)
        speed = _floats(speed_mps)
        incline = _floats(incline_pct)
        if len(t):
            if len(speed) == 0:
                speed = np.full(len(t), np.nan)
            if len(incline) == 0:
                incline = np.full(len(t), np.nan)
            if not (len(speed) == len(incline) == len(t)):
                raise ValueError("t_s, speed_mps and incline_pct must have one value per time")
            self._speed.add(t, speed)
            self._incline.add(t, incline)

    def add(
        self, t_s: float, speed_mps: float | None = None, incline_pct: float | None = None
    ) -> None:
        """One value of the treadmill (either quantity may be missing)."""
        t = np.array([t_s], dtype=float)
        self._speed.add(t, _floats([speed_mps]))
        self._incline.add(t, _floats([incline_pct]))

    def with_fallback(self, fallback_mps: float | None) -> BeltSchedule:
        """The same values with another :attr:`fallback_mps`."""
        out = BeltSchedule(fallback_mps=fallback_mps)
        for mine, theirs in ((self._speed, out._speed), (self._incline, out._incline)):
            theirs.t, theirs.v = mine.t, mine.v  # arrays are replaced on adding, never changed
        return out

    @property
    def n_speeds(self) -> int:
        """Belt speeds held."""
        return len(self._speed.t)

    @property
    def has_incline(self) -> bool:
        """True when the treadmill sent its incline."""
        return len(self._incline.t) > 0

    def speed_at(self, t_s: np.ndarray | float) -> np.ndarray:
        """(m,) belt speed in effect at each of ``t_s`` (a step's initial
        contact), m/s; NaN where there is none (before the first value
        without a fallback, the belt stopped, or a time that is not a number)."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        before = self.fallback_mps if self.fallback_mps else np.nan
        out = self._speed.at(t, before)
        with np.errstate(invalid="ignore"):
            out[out <= 0] = np.nan  # the belt stopped: no belt speed
        return out

    def incline_at(self, t_s: np.ndarray | float) -> np.ndarray:
        """(m,) incline in effect at each of ``t_s``, %; NaN before the first."""
        t = np.atleast_1d(np.asarray(t_s, dtype=float))
        return self._incline.at(t, np.nan)

    def __repr__(self) -> str:
        return (
            f"BeltSchedule({self.n_speeds} speeds, {len(self._incline.t)} inclines, "
            f"fallback_mps={self.fallback_mps})"
        )


def _floats(values: Iterable[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)
