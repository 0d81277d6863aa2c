"""One IMU stream in, steps-table rows out: the foot-IMU pipeline.

segment strides -> align sensor to foot -> detect events -> ZUPT trajectories
-> per-step metrics. Each step is a public function of this package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from footfall.gait.alignment import Alignment, align_and_integrate
from footfall.gait.belt import BeltSchedule
from footfall.gait.events import StrideEvents, detect_events
from footfall.gait.gaps import BRIDGE_MAX_S, bridge_gaps, drop_implausible
from footfall.gait.metrics import imu_step_columns
from footfall.gait.segment import Segmentation, segment_strides
from footfall.gait.shank import detect_shank_events, shank_angle_ic, with_standing_tibia
from footfall.gait.trajectory import PitchLookup, StrideTrajectories, integrate_strides
from footfall.model import (
    IMU_COLUMNS,
    Condition,
    Placement,
    SensorKind,
    Side,
    Stream,
    Surface,
    parse_mount,
)
from footfall.table import ColumnTable

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CLIP_MIN_SHARE",
    "HEADING_SPREAD_NOTE_DEG",
    "ImuResult",
    "MOUNT_OFFSET_NOTE_DEG",
    "PARTIAL_BLANK",
    "analyze_imu_stream",
    "clipped_samples",
    "gap_breaks",
    "saturation",
    "saturation_note",
    "steps_with_alignment",
]


@dataclass
class ImuResult:
    """Steps of one IMU stream and how they were found.

    ``table`` holds the steps-table rows as NumPy columns; ``steps`` gives
    them as a pandas DataFrame (built on first use)."""

    table: ColumnTable
    alignment: Alignment | None = None
    events: StrideEvents | None = None
    notes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    signals: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    """``(time_s, acc, gyr)`` as analysed: gaps bridged, in the foot (or
    shank) frame of :attr:`alignment`; what a second sensor of the same leg
    is combined with (:mod:`footfall.gait.ankle`). None without gait."""
    trajectories: StrideTrajectories | None = None
    """Every stride's integration in the foot (or shank) frame, the one the
    metrics were read from (foot pitch over stance for the report's
    figures). None without gait."""

    @property
    def steps(self) -> pd.DataFrame:
        df = self.__dict__.get("_steps_df")
        if df is None:
            df = self.__dict__["_steps_df"] = self.table.to_pandas()
        return df


HEADING_SPREAD_NOTE_DEG = 5.0
"""A foot stream whose strides' push-off axes spread more than this (deg,
median absolute deviation; :attr:`Alignment.heading_spread_deg`) gets a note
that its long axis is uncertain. On the Fukuchi runners it was 0.7-1.9 deg."""


CLIP_MIN_SHARE = 0.0005
"""A channel whose samples sit at its largest absolute value, in runs of two
or more, for at least this share of the stream (and at least 3 samples) is
saturated: the sensor's full scale cut the signal (:func:`saturation`)."""


def saturation(stream: Stream) -> dict[str, Any]:
    """Saturated channels of an IMU stream: ``{channel: {"limit": value in
    the stream's SI unit, "share_pct": share of samples at it}}``, empty when
    none. A real signal reaches its largest value once; a clipped one sits
    on it, sample after sample (a sensor set to +-2 g or +-250 deg/s, common
    defaults, clips every running stride's impact and swing)."""
    out: dict[str, Any] = {}
    names = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
    n = len(stream)
    for name in names:
        # one channel at a time: no copy of the whole stream
        x = np.abs(stream.column(name))
        finite = np.isfinite(x)
        if not finite.all():
            x = x[finite]
        del finite
        if len(x) < 3:
            continue
        m = float(x.max())
        if m <= 0:
            continue
        at = x >= m * (1.0 - 1e-9)
        run = at[1:] & at[:-1]
        in_runs = int(np.sum(at & (np.r_[run, False] | np.r_[False, run])))
        if in_runs >= 3 and in_runs >= CLIP_MIN_SHARE * n:
            out[name] = {"limit": round(m, 4), "share_pct": round(100.0 * in_runs / n, 3)}
    return out


def clipped_samples(
    vals: np.ndarray, clip: dict[str, Any], gyr: np.ndarray | None = None
) -> np.ndarray:
    """(n,) True where a channel that :func:`saturation` found saturated sits
    at its limit (``vals``: acc then gyr, as analysed; or ``vals`` the acc
    and ``gyr`` the gyr, each (n, 3), which spares joining them)."""
    names = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
    at = np.zeros(len(vals), dtype=bool)
    for name, c in clip.items():
        k = names.index(name)
        col = vals[:, k] if gyr is None or k < 3 else gyr[:, k - 3]
        with np.errstate(invalid="ignore"):
            at |= np.abs(col) >= c["limit"] * (1.0 - 1e-6)
    return at


def saturation_note(clip: dict[str, Any]) -> str:
    """The analysis note for :func:`saturation`'s result."""
    acc = [k for k in clip if k.startswith("acc")]
    gyr = [k for k in clip if k.startswith("gyr")]

    def shares(keys: list[str]) -> str:
        return ", ".join(f"{k} {clip[k]['share_pct']:.2g} %" for k in keys)

    parts = []
    if acc:
        lim = max(clip[k]["limit"] for k in acc)
        parts.append(
            f"the accelerometer is saturated at {lim / 9.80665:.1f} g ({shares(acc)} of samples)"
        )
    if gyr:
        lim = max(clip[k]["limit"] for k in gyr)
        parts.append(
            f"the gyroscope is saturated at {np.degrees(lim):.0f} deg/s ({shares(gyr)} of samples)"
        )
    return (
        "; ".join(parts) + ": stride length, speed, foot angles, impact and braking are "
        "too low or wrong where the signal was cut; set the sensor to a wider range "
        "(16 g, 2000 deg/s) for running"
    )


MOUNT_OFFSET_NOTE_DEG = 20.0
"""A mounting whose long axis is further than this (deg) from the one the heel
rise gives gets a note (the heel rise was 3-5 deg from the markers' axis on
the Fukuchi runners; a sensor clearly not square on the shoe is further)."""


def _imu_values(stream: Stream) -> np.ndarray:
    """(n, 6) acc then gyr of an IMU stream, as analysed.

    A stream holding exactly these six columns in this order, column-major
    (every stream footfall reads), gives its own array, read-only: the
    analysis never changes a recording, and no copy of a long stream is
    made. Any other gives a copy, column-major too: the analysis sees the
    same numbers in the same memory layout either way (which matters: a
    matrix product may round differently in another layout)."""
    v = stream.values
    if stream.columns == IMU_COLUMNS and v.shape[1] == len(IMU_COLUMNS) and v.flags.f_contiguous:
        view = v.view()
        view.flags.writeable = False
        return view
    return np.hstack([stream.acc_mps2, stream.gyr_rps])


def gap_breaks(time_s: np.ndarray, fs_hz: float) -> np.ndarray:
    """Sample indices ``i`` where the interval ``t[i] - t[i-1]`` is more than
    1.5 nominal sample periods: data is missing there."""
    dt = np.diff(time_s)
    return np.flatnonzero(dt > 1.5 / fs_hz) + 1


def analyze_imu_stream(
    stream: Stream, condition: Condition | None = None, belt: BeltSchedule | None = None
) -> ImuResult:
    """Gait events and per-step metrics of one foot or shank IMU stream.

    Parameters
    ----------
    stream
        An IMU :class:`~footfall.model.Stream` (SI units; ``placement`` foot
        or shank; ``meta["mount"]`` used when given).
    condition
        Running conditions; on a treadmill with a belt speed, stride length
        is the belt speed times the stride time.
    belt
        On a treadmill, the belt speeds (and inclines) the treadmill sent
        over the run (:func:`footfall.io.read_treadmill_values`): each step
        takes the speed in effect at its initial contact, ``condition.speed_mps``
        before the first (:mod:`footfall.gait.belt`). Ignored overground.

    Returns
    -------
    ImuResult
        The steps table, the alignment, the events, notes and details.
        Never raises for lack of gait: returns an empty table with a note
        saying why (sensor still, no swing, too short).

    Raises
    ------
    ValueError
        When ``stream`` is not an IMU stream.
    """
    if stream.kind != SensorKind.IMU:
        raise ValueError(f"{stream.name}: not an IMU stream")
    condition = condition or Condition()
    fs = stream.fs_hz
    info: dict[str, Any] = {"fs_hz": fs, "n_samples": len(stream)}
    if not np.isfinite(fs) or len(stream) < 10:
        return ImuResult(ColumnTable(), notes=["too few samples to analyse"], info=info)
    notes: list[str] = []
    time_s, vals, n_bad = drop_implausible(stream.time_s, _imu_values(stream))
    if n_bad:
        info["implausible_samples"] = n_bad
        notes.append(
            f"{n_bad} sample(s) beyond any sensor's range or not numbers "
            f"({100.0 * n_bad / len(stream):.3g} % of the stream) are analysed as "
            "missing data, not as values"
        )
    clip = saturation(stream)
    if clip:
        info["saturation"] = clip
        notes.append(saturation_note(clip))
    raw_breaks = gap_breaks(time_s, fs)
    info["gaps"] = len(raw_breaks)
    acc, gyr, filled = vals[:, :3], vals[:, 3:6], None
    if len(raw_breaks):
        lost = float(np.sum(np.diff(time_s)[raw_breaks - 1]) - len(raw_breaks) / fs)
        br = bridge_gaps(time_s, np.hstack([acc, gyr]), fs)
        time_s, acc, gyr, filled = br.time_s, br.values[:, :3], br.values[:, 3:], br.filled
        n_long = len(raw_breaks) - br.n_bridged
        info["gaps_bridged"] = br.n_bridged
        msg = f"{len(raw_breaks)} gap(s) in the data ({lost:.2f} s missing)"
        if br.n_bridged:
            msg += (
                f"; {br.n_bridged} of at most {1000 * BRIDGE_MAX_S:.0f} ms were bridged "
                "for the analysis by interpolation (steps across them carry gap_ms)"
            )
        if n_long:
            msg += f"; no stride is measured across the {n_long} longer one(s)"
        notes.append(msg)
    breaks = gap_breaks(time_s, fs)
    # data that starts in a swing keeps the contact that ends it (a leading
    # partial stride: its timing is measured, its angles and loads are not)
    seg = segment_strides(gyr, fs, breaks=breaks, leading_partial=True, acc_mps2=acc)
    info["n_swings"] = len(seg)
    if len(seg) == 0:
        return ImuResult(ColumnTable(), notes=notes + [f"no gait: {seg.reason}"], info=info)

    # the alignment and the integration of every stride in the foot frame
    # (steps_with_alignment's first steps) share one integration
    toes = parse_mount(stream.meta.get("mount")) if stream.placement == Placement.FOOT else None
    al, acc_f, gyr_f, traj = align_and_integrate(acc, gyr, fs, seg, stream.placement, toes=toes)
    if stream.placement == Placement.SHANK:
        al = with_standing_tibia(al, acc, gyr, fs, seg)
    info["alignment"] = {
        "R": al.R.round(4).tolist(),
        "sagittal_share": round(al.sagittal_share, 3),
        "forward_mps": round(al.forward_mps, 3),
        "up_spread_deg": round(al.up_spread_deg, 2),
    }
    if np.isfinite(al.heading_spread_deg):
        info["alignment"]["heading_spread_deg"] = round(al.heading_spread_deg, 2)
        info["alignment"]["swing_heading_deg"] = round(al.swing_heading_deg, 2)
        if toes is not None:
            info["alignment"]["mount"] = str(stream.meta.get("mount"))
            info["alignment"]["mount_offset_deg"] = round(al.mount_offset_deg, 2)
            if al.mount_ok is False:
                notes.append(
                    f"the mounting {stream.meta.get('mount')!r} does not fit the data (its toes "
                    "axis is near vertical, or the foot travels towards what it calls the "
                    "heel): the foot's axes were found from the data instead"
                )
            elif abs(al.mount_offset_deg) > MOUNT_OFFSET_NOTE_DEG:
                notes.append(
                    f"the mounting {stream.meta.get('mount')!r} puts the foot's long axis "
                    f"{abs(al.mount_offset_deg):.0f} deg from the heel rise's: check that the "
                    "sensor sits square on the shoe, or leave the mounting out"
                )
        if al.standing_s > 0:
            info["alignment"]["standing_s"] = round(al.standing_s, 2)
        if al.heel_raises:
            info["alignment"]["heel_raises"] = al.heel_raises
        if al.heading_spread_deg > HEADING_SPREAD_NOTE_DEG:
            notes.append(
                f"the foot's long axis is uncertain (single strides' push-off axes spread "
                f"{al.heading_spread_deg:.1f} deg); foot strike angle, toe-out and foot roll "
                "are less certain"
            )
    if al.sagittal_share < 0.5:
        notes.append(
            f"the swing is not clearly in one plane (sagittal share {al.sagittal_share:.2f}); "
            "sensor-to-foot alignment and angle metrics are uncertain"
        )
    on_belt: float | BeltSchedule | None = None
    if condition.surface == Surface.TREADMILL:
        on_belt = condition.speed_mps if belt is None else belt.with_fallback(condition.speed_mps)
    table, ev = _steps(
        time_s,
        acc_f,
        gyr_f,
        fs,
        seg,
        traj,
        side=stream.side,
        placement=stream.placement,
        belt_speed_mps=on_belt,
        filled=filled,
        tibia=al.tibia,
        clipped=clipped_samples(acc, clip, gyr) if clip else None,
    )
    if "saturated_ms" in table and len(table):
        hit = int(np.sum(np.asarray(table["saturated_ms"]) > 0))
        notes.append(
            f"{hit} of {len(table)} steps were measured from data the sensor's range "
            "cut (saturated_ms > 0 in the steps table)"
        )
    info["n_steps"] = len(table)
    return ImuResult(
        table,
        alignment=al,
        events=ev,
        notes=notes,
        info=info,
        signals=(time_s, acc_f, gyr_f),
        trajectories=traj,
    )


def steps_with_alignment(
    time_s: np.ndarray,
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    seg: Segmentation,
    alignment: Alignment,
    *,
    side: Side | str,
    placement: Placement | str = Placement.FOOT,
    belt_speed_mps: float | BeltSchedule | None = None,
    filled: np.ndarray | None = None,
) -> tuple[pd.DataFrame, StrideEvents]:
    """Steps-table rows of the given strides with a given (possibly frozen)
    sensor-to-foot alignment: rotate, integrate, detect events, measure.

    :func:`analyze_imu_stream` calls this once for a whole stream; the live
    path (:mod:`footfall.stream`) calls it on a window of the newest strides
    with the alignment it estimated earlier, so both share one chain.

    Parameters
    ----------
    time_s
        (n,) sample times, s.
    acc_mps2, gyr_rps
        (n, 3) accelerometer (m/s^2) and gyroscope (rad/s), sensor axes.
    fs_hz
        Sampling rate, Hz.
    seg
        Strides to measure (indices into these arrays), e.g. from
        :func:`~footfall.gait.segment.segment_strides` or a subset of it.
    alignment
        Sensor-to-foot rotation (:func:`~footfall.gait.alignment.estimate_alignment`).
    side, placement, belt_speed_mps, filled
        As in :func:`~footfall.gait.metrics.imu_step_columns`.

    Returns
    -------
    steps : pandas.DataFrame
        Rows of :func:`~footfall.gait.metrics.imu_step_columns`, as a DataFrame.
    events : StrideEvents
        The events of every stride of ``seg``.
    """
    acc_f = alignment.apply(acc_mps2)
    gyr_f = alignment.apply(gyr_rps)
    traj = integrate_strides(acc_f, gyr_f, fs_hz, seg.ms_before, seg.ms_after)
    table, ev = _steps(
        time_s,
        acc_f,
        gyr_f,
        fs_hz,
        seg,
        traj,
        side=side,
        placement=placement,
        belt_speed_mps=belt_speed_mps,
        filled=filled,
        tibia=alignment.tibia,
    )
    return table.to_pandas(), ev


def _steps(
    time_s: np.ndarray,
    acc_f: np.ndarray,
    gyr_f: np.ndarray,
    fs_hz: float,
    seg: Segmentation,
    traj: StrideTrajectories,
    *,
    side: Side | str,
    placement: Placement | str,
    belt_speed_mps: float | BeltSchedule | None,
    filled: np.ndarray | None,
    tibia: np.ndarray | None,
    clipped: np.ndarray | None = None,
) -> tuple[ColumnTable, StrideEvents]:
    """Events and steps-table rows from foot-frame data and its integration
    (``tibia``: a shank's tibia direction, :attr:`Alignment.tibia`)."""
    if Placement(placement) == Placement.SHANK:
        ev = detect_shank_events(gyr_f, fs_hz, seg)
        # the shank's strides run from one stance minimum to the next
        traj = integrate_strides(acc_f, gyr_f, fs_hz, ev.ms_before, ev.ms_after)
    else:
        ev = detect_events(acc_f, gyr_f, fs_hz, seg, pitch_deg=PitchLookup(traj, len(time_s)))
    # a shank's angle at contact is measured once, below, with its own tilt
    # reference (footfall.gait.shank.shank_angle_ic), not from each stride
    table = imu_step_columns(
        time_s,
        gyr_f,
        fs_hz,
        ev,
        traj,
        side=side,
        placement=placement,
        belt_speed_mps=belt_speed_mps,
        filled=filled,
        clipped=clipped,
    )
    if Placement(placement) == Placement.SHANK and tibia is not None and len(table):
        table = _with_shank_angle(table, time_s, acc_f, gyr_f, fs_hz, ev, tibia)
    if seg.partial is not None and np.any(seg.partial) and len(table):
        table = _blank_partial(table, time_s, ev.ms_after[np.asarray(seg.partial, dtype=bool)])
    return table, ev


def _with_shank_angle(
    table: ColumnTable,
    time_s: np.ndarray,
    acc_f: np.ndarray,
    gyr_f: np.ndarray,
    fs_hz: float,
    ev: StrideEvents,
    tibia: np.ndarray,
) -> ColumnTable:
    """``table`` with ``shank_angle_ic_deg``: :func:`footfall.gait.shank.shank_angle_ic`
    (the tilt from a window of several strides around each contact), matched
    to the rows by their contact times."""
    ang = shank_angle_ic(acc_f, gyr_f, fs_hz, time_s, ev, tibia)
    ic = np.asarray(ev.ic, dtype=float)
    has = np.isfinite(ic)
    ic_s = np.interp(ic[has], np.arange(len(time_s), dtype=float), time_s)
    col = np.full(len(table), np.nan)
    row_ic = np.asarray(table["ic_s"], dtype=float)
    order = np.argsort(ic_s, kind="stable")
    pos = np.clip(np.searchsorted(ic_s[order], row_ic), 0, max(len(ic_s) - 1, 0))
    if len(ic_s):
        hit = ic_s[order][pos] == row_ic
        col[hit] = ang[has][order][pos[hit]]
    cols = dict(table.items())
    cols["shank_angle_ic_deg"] = col
    return ColumnTable(cols, n_rows=len(table))


PARTIAL_BLANK = (
    "foot_strike_angle_deg",
    "strike_pattern",
    "pronation_excursion_deg",
    "pronation_velocity_dps",
    "impact_g",
    "braking_g",
    "shank_angle_ic_deg",
)
"""Columns left blank on the row of a leading partial stride (the data starts
in its swing): they come from integrating that stride, which starts with the
foot in the air, not at rest, so its orientation is unknown. Its contact,
toe-off, stride and contact times and stride length come from its events and
from the next stride, and are kept."""


def _blank_partial(table: ColumnTable, time_s: np.ndarray, ms_after: np.ndarray) -> ColumnTable:
    """``table`` with :data:`PARTIAL_BLANK` missing on the rows of the strides
    ending at mid-stances ``ms_after`` (sample indices; a row's ``ms_s``)."""
    ms_t = np.interp(ms_after.astype(float), np.arange(len(time_s), dtype=float), time_s)
    rows = np.isin(table["ms_s"], ms_t)
    if not rows.any():
        return table
    cols = {}
    for k, v in table.items():
        if k in PARTIAL_BLANK:
            v = v.copy()
            v[rows] = None if v.dtype == object else np.nan
        cols[k] = v
    return ColumnTable(cols, n_rows=len(table))
