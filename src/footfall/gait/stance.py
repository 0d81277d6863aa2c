"""What the report's stance curves and pressure map need of the analysed
signals, kept with the :class:`~footfall.pipeline.Analysis`: gait signals
normalised to the stance phase, reduced while each stream is analysed.

:func:`footfall.analyze` hands each stream's analysis to a
:class:`StanceData` while the stream's analysed signals are in memory, and
the stance figures (:func:`footfall.report.figures.stance_curves`,
:func:`~footfall.report.figures.pressure_map`) draw from it, so the report
neither reads the recording again nor analyses it a second time.

What is kept is bounded: per signal of :data:`STANCE_SIGNALS` and foot, the
number of whole stances and the mean and SD of the stance-normalised curve
(101 points each, whatever the run's length); per insole, each valid
contact's peak pressure of every cell (as many rows as the insole's steps in
the steps table) and the insole's layout. No sample of any stream is kept.

:func:`imu_profiles` and :func:`insole_profiles` give every stance of one
stream (:func:`footfall.report.figures.stance_profiles` uses them on a
recording analysed again); :class:`StanceData` reduces them to
:class:`StanceCurve`. This module does not import matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from footfall.registry import metric

if TYPE_CHECKING:
    from footfall.gait.imu import ImuResult
    from footfall.gait.layouts import InsoleLayout
    from footfall.gait.pressure import InsoleResult
    from footfall.model import Stream

__all__ = [
    "SENSORS",
    "STANCE_POINTS",
    "STANCE_SIGNALS",
    "InsoleStance",
    "StanceCurve",
    "StanceData",
    "StanceSignal",
    "imu_profiles",
    "insole_profiles",
]

STANCE_POINTS = 101
"""Points of a stance-normalised curve: 0, 1, ..., 100 % of stance."""

SIDES = ("left", "right")

SENSORS: tuple[str, ...] = ("foot IMU", "shank IMU", "insole")
"""The sensors the stance figures draw from, as named when one is missing."""


@dataclass(frozen=True)
class StanceSignal:
    """A signal drawn over stance (not a steps-table column)."""

    name: str
    label: str
    unit: str
    sensor: str
    """What records it, as named when it is missing ("foot IMU")."""


STANCE_SIGNALS: tuple[StanceSignal, ...] = (
    StanceSignal(
        "foot_pitch", "Foot pitch, toes up", metric("foot_strike_angle_deg").unit, "foot IMU"
    ),
    StanceSignal(
        "foot_roll_rate",
        "Foot roll rate, eversion up",
        metric("pronation_velocity_dps").unit,
        "foot IMU",
    ),
    StanceSignal(
        "shank_angle", "Shank angle, ankle ahead up", metric("shank_angle_ic_deg").unit, "shank IMU"
    ),
    StanceSignal("insole_load", "Insole load", "body weights", "insole"),
)
"""The stance curves: foot pitch from the stride integration (the angle the
foot strike angle is read from), the gyroscope's rate about the foot's long
axis signed so eversion is positive on either foot (as the foot roll rate),
the shank's sagittal angle (the shank angle at contact, then the gyroscope's
rotation from it), and the insole's total load over the body weight the
insole analysis estimates."""


# ---------------------------------------------------------------------------
# every stance of one stream
# ---------------------------------------------------------------------------


def _stances(ic: np.ndarray, to_next: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Which strides have a whole stance inside the ``n`` samples, (m,) bool,
    and the (k, 101) fractional sample positions of those stances."""
    ok = np.isfinite(ic) & np.isfinite(to_next) & (to_next > ic) & (ic >= 0) & (to_next <= n - 1)
    frac = np.linspace(0.0, 1.0, STANCE_POINTS)
    return ok, ic[ok, None] + (to_next[ok] - ic[ok])[:, None] * frac[None, :]


def _stance_bounds(ev: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each stride's initial contact and the toe-off that ends that contact
    (in the next stride, when it starts at the mid-stance this one ends at);
    fractional sample indices, NaN where the stance is not whole."""
    ic = np.asarray(ev.ic, dtype=float)
    to_next = np.full(len(ic), np.nan)
    if len(ic) > 1:
        cont = np.asarray(ev.ms_before)[1:] == np.asarray(ev.ms_after)[:-1]
        to_next[:-1] = np.where(cont, np.asarray(ev.to, dtype=float)[1:], np.nan)
    return ic, to_next


def _at(signal: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``signal`` (n,) linearly interpolated at fractional samples ``x``."""
    return np.interp(x, np.arange(len(signal), dtype=float), signal)


def imu_profiles(stream: Stream, result: ImuResult) -> dict[str, np.ndarray]:
    """Every whole stance of an IMU stream's stance signals.

    Parameters
    ----------
    stream
        The IMU stream (its rate, side and placement are read).
    result
        Its analysis (:func:`footfall.gait.imu.analyze_imu_stream`), with
        the analysed signals, events and stride integration.

    Returns
    -------
    dict
        ``{"foot_pitch": (k, 101), "foot_roll_rate": (k, 101)}`` for a foot
        IMU, ``{"shank_angle": (k, 101)}`` for a shank IMU; empty without
        gait. A stance runs from a stride's initial contact to the toe-off
        that ends that contact.
    """
    from footfall.gait.shank import shank_angle_ic
    from footfall.gait.trajectory import pitch_per_sample
    from footfall.model import Placement, Side

    if result.signals is None or result.events is None or not len(result.events):
        return {}
    time_s, acc_f, gyr_f = result.signals
    ev, fs, n = result.events, stream.fs_hz, len(time_s)
    ic, to_next = _stance_bounds(ev)
    out: dict[str, np.ndarray] = {}
    if stream.placement == Placement.FOOT:
        if result.trajectories is None:
            return {}
        _, x = _stances(ic, to_next, n)
        pitch = pitch_per_sample(result.trajectories, n)
        sign = 1.0 if stream.side == Side.LEFT else -1.0
        out["foot_pitch"] = _at(pitch, x)
        out["foot_roll_rate"] = sign * np.degrees(_at(gyr_f[:, 0], x))
    elif result.alignment is not None and result.alignment.tibia is not None:
        angle_ic = shank_angle_ic(acc_f, gyr_f, fs, time_s, ev, result.alignment.tibia)
        ok, x = _stances(np.where(np.isfinite(angle_ic), ic, np.nan), to_next, n)
        a0 = angle_ic[ok]
        # the sagittal angle changes at minus the rate about the shank's
        # lateral axis (footfall.gait.shank.sagittal_angle_deg): the angle at
        # contact, then the gyroscope's rotation, trapezoid rule
        rate = np.degrees(gyr_f[:, 1])
        cum = np.r_[0.0, np.cumsum(0.5 * (rate[1:] + rate[:-1]))] / fs
        out["shank_angle"] = a0[:, None] - (_at(cum, x) - _at(cum, x[:, :1]))
    return out


def insole_profiles(stream: Stream, result: InsoleResult) -> dict[str, Any] | None:
    """What the insole figures need of one insole stream's analysis
    (:func:`footfall.gait.pressure.analyze_insole_stream`, with its
    signals): ``{"layout", "peaks_kpa": (k, c) each valid contact's cell
    peaks (offsets removed, as the steps table's peak columns), "load_bw":
    (k, 101) the load over stance in body weights}``; None without a valid
    contact."""
    from footfall.gait.layouts import layout_for_stream

    c = result.contacts
    if c is None or result.signals is None or not c.valid.any():
        return None
    pressure, load = result.signals
    layout = layout_for_stream(stream.meta, stream.side.value, pressure.shape[1])
    v = np.flatnonzero(c.valid)
    peaks = np.stack([pressure[c.first[i] : c.stop[i]].max(axis=0) for i in v])
    times = (
        c.ic_s[v, None]
        + (c.to_s[v] - c.ic_s[v])[:, None] * np.linspace(0.0, 1.0, STANCE_POINTS)[None, :]
    )
    curve = np.interp(times, stream.time_s, load) / c.body_weight
    return {"layout": layout, "peaks_kpa": peaks, "load_bw": curve}


# ---------------------------------------------------------------------------
# what is kept
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StanceCurve:
    """One foot's stance-normalised curve of one signal, over its stances."""

    n: int
    """Whole stances."""
    mean: np.ndarray
    """(101,) mean over the stances (NaN where none has a value)."""
    sd: np.ndarray
    """(101,) standard deviation over the stances (population, ``ddof=0``)."""

    @classmethod
    def of(cls, profiles: np.ndarray) -> StanceCurve:
        """The mean and SD of ``profiles`` (k, 101), NaN ignored."""
        import warnings

        p = np.asarray(profiles, dtype=float).reshape(-1, STANCE_POINTS)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a column without a value: NaN
            mean = np.nanmean(p, axis=0)
            sd = np.nanstd(p, axis=0)
        return cls(len(p), mean, sd)


@dataclass(frozen=True)
class InsoleStance:
    """What the pressure map needs of one insole."""

    layout: InsoleLayout
    peaks_kpa: np.ndarray
    """(k, c): each valid contact's peak pressure of each cell, kPa."""
    length_m: float | None
    width_m: float | None
    """The insole's size from its metadata, or None."""


@dataclass
class StanceData:
    """The stance curves and insole peaks of an analysed recording, by
    signal (or insole) and foot; see the module docstring."""

    curves: dict[str, dict[str, StanceCurve]] = field(
        default_factory=lambda: {s.name: {} for s in STANCE_SIGNALS}
    )
    insoles: dict[str, InsoleStance] = field(default_factory=dict)
    has: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SENSORS})
    """The feet each sensor of :data:`SENSORS` is on, gait or not."""

    def add_imu(self, stream: Stream, result: ImuResult) -> None:
        """Keep the stance curves of an analysed IMU stream (the first
        stream of a foot and placement wins)."""
        from footfall.model import Placement

        side = stream.side.value
        if side not in SIDES:
            return
        self.has["foot IMU" if stream.placement == Placement.FOOT else "shank IMU"].add(side)
        for name, arr in imu_profiles(stream, result).items():
            if side not in self.curves[name] and len(arr):
                self.curves[name][side] = StanceCurve.of(arr)

    def add_insole(self, stream: Stream, result: InsoleResult | None) -> None:
        """Keep the load curve and cell peaks of an analysed insole stream;
        ``result`` None: the insole could not be analysed (its layout)."""
        side = stream.side.value
        if side not in SIDES:
            return
        self.has["insole"].add(side)
        parts = insole_profiles(stream, result) if result is not None else None
        if parts is None or side in self.insoles:
            return
        self.curves["insole_load"][side] = StanceCurve.of(parts["load_bw"])
        length = stream.meta.get("insole_length_m")
        width = stream.meta.get("insole_width_m")
        self.insoles[side] = InsoleStance(
            parts["layout"],
            parts["peaks_kpa"],
            float(length) if length else None,
            float(width) if width else None,
        )

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays kept."""
        curves = sum(c.mean.nbytes + c.sd.nbytes for d in self.curves.values() for c in d.values())
        return curves + sum(i.peaks_kpa.nbytes for i in self.insoles.values())
