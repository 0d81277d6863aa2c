"""Per-step metrics from foot (or shank) IMU events and trajectories.

:func:`imu_step_columns` turns the stride events and the ZUPT trajectories
of a stream into steps-table rows (NumPy columns; :func:`imu_step_metrics`
gives the same rows as a DataFrame). The offline pipeline calls it once for
a whole stream; the live path calls it on each block of newly confirmed
strides. It reads the samples each metric needs from the trajectories and
hands them, as plain arrays, to one pure function per metric family:

- :func:`step_times` (contact, stride and swing times, cadence) on the
  event times (:func:`sample_time_s`, :func:`interrupted_strides`);
- :func:`stride_length_speed` on the ZUPT displacement
  (:func:`horizontal_distance_m`);
- :func:`heading_change_deg` (``turn_deg``) and
  :func:`foot_progression_angle_deg` (toe-out);
- :func:`foot_strike_angle_deg` and
  :func:`~footfall.gait.definitions.strike_pattern_from_angle`;
- :func:`impact_braking_g` in :func:`impact_window_samples` after contact;
- :func:`pronation_excursion_velocity` (the foot's roll, about
  :func:`level_long_axis`).

Definitions, methods and expected accuracy of each metric are in
docs/metrics.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from footfall.gait import checks
from footfall.gait import quaternion as quat
from footfall.gait.definitions import (  # re-exported: footfall.gait.metrics names
    IMPACT_WINDOW_S,
    STRIKE_ANGLE_FOREFOOT_DEG,
    STRIKE_ANGLE_REARFOOT_DEG,
    strike_pattern_from_angle,
)
from footfall.gait.events import StrideEvents
from footfall.gait.gaps import filled_ms
from footfall.gait.trajectory import StrideTrajectories, pitch_roll_deg
from footfall.model import G_MPS2, Placement, Side
from footfall.table import ColumnTable

if TYPE_CHECKING:
    import pandas as pd

    from footfall.gait.belt import BeltSchedule

__all__ = [
    "CONTACT_RANGE_MS",
    "IMPACT_WINDOW_S",
    "PROGRESSION_MAX_TURN_DEG",
    "PRONATION_LEAD_S",
    "STRIKE_ANGLE_FOREFOOT_DEG",
    "STRIKE_ANGLE_REARFOOT_DEG",
    "TURN_POINTS",
    "StepTimes",
    "belt_columns",
    "cadence_spm",
    "foot_progression_angle_deg",
    "foot_progression_deg",
    "foot_strike_angle_deg",
    "heading_change_deg",
    "horizontal_distance_m",
    "impact_braking_g",
    "impact_window_samples",
    "imu_step_columns",
    "imu_step_metrics",
    "interrupted_strides",
    "level_long_axis",
    "pronation_excursion_velocity",
    "row_windows",
    "sample_time_s",
    "step_times",
    "stride_length_speed",
    "stride_turn_deg",
    "strike_pattern_from_angle",
]

CONTACT_RANGE_MS = (60.0, 2000.0)
"""Contact times outside this range are not a foot contact of gait."""

PRONATION_LEAD_S = 0.04
"""Pronation is sought from this long before the detected initial contact."""

TURN_POINTS = 17
"""Orientations per stride through which its heading change is followed
(:func:`stride_turn_deg`): one every 1/16 of the stride, a few tens of
milliseconds apart, in which no foot turns half a revolution."""

PROGRESSION_MAX_TURN_DEG = 20.0
"""Strides turning more than this (deg, ``turn_deg``) have no foot progression
angle: in a turn the foot pivots and its heading is not a toe-out."""

PROGRESSION_MIN_TRAVEL_M = 0.05
"""Strides whose horizontal displacement is shorter than this (m) have no
direction of travel, hence no foot progression angle."""

INTERRUPTED_STRIDE_FACTOR = 1.5
"""A stride whose samples span more than this many times their nominal
duration (samples / sampling rate) was interrupted by a gap in the data."""

_ROWS = 1024
"""Strides whose loading-phase windows are searched together."""


# ---------------------------------------------------------------------------
# temporal: contact, stride and swing times, cadence
# ---------------------------------------------------------------------------


class StepTimes(NamedTuple):
    """Temporal columns of steps-table rows (:func:`step_times`)."""

    to_s: np.ndarray
    contact_ms: np.ndarray
    stride_ms: np.ndarray
    swing_ms: np.ndarray
    cadence_spm: np.ndarray


def sample_time_s(samples: np.ndarray, *, time_s: np.ndarray) -> np.ndarray:
    """Times of fractional sample indices on a stream's time axis.

    Parameters
    ----------
    samples
        Fractional sample indices (events are found between samples); NaN
        where an event was not found.
    time_s
        (n,) sample times of the stream, s.

    Returns
    -------
    numpy.ndarray
        Times, s, linearly interpolated between the two samples around each
        index (so a gap in the time axis is followed); NaN stays NaN.
    """
    axis = np.arange(len(time_s), dtype=float)
    return np.where(np.isfinite(samples), np.interp(np.nan_to_num(samples), axis, time_s), np.nan)


def interrupted_strides(
    *, time_s: np.ndarray, ms_before: np.ndarray, ms_after: np.ndarray, fs_hz: float
) -> np.ndarray:
    """Strides interrupted by a gap in the data.

    A stride from sample ``ms_before`` to ``ms_after`` spans
    ``(ms_after - ms_before) / fs_hz`` seconds of samples; when its times
    span more than :data:`INTERRUPTED_STRIDE_FACTOR` times that, samples are
    missing inside it and its stride time is not a stride time
    (docs/metrics.md, "Temporal").

    Parameters
    ----------
    time_s
        (n,) sample times of the stream, s.
    ms_before, ms_after
        (m,) integer samples of the mid-stances bounding each stride.
    fs_hz
        Nominal sampling rate, Hz.

    Returns
    -------
    numpy.ndarray
        (m,) bool, True for an interrupted stride.
    """
    span = (ms_after - ms_before).astype(float)
    dur = time_s[ms_after] - time_s[ms_before]
    return dur > INTERRUPTED_STRIDE_FACTOR * span / fs_hz


def cadence_spm(stride_ms: np.ndarray) -> np.ndarray:
    """Cadence, steps per minute with both feet counted, from stride times:
    one stride of a foot holds two steps, so ``2 * 60000 / stride_ms``
    (docs/metrics.md, "Temporal"). NaN stays NaN.

    Parameters
    ----------
    stride_ms
        Stride times (contact to the next contact of the same foot), ms.
    """
    return 2 * 60000.0 / stride_ms


def step_times(
    *,
    ic_s: np.ndarray,
    to_s: np.ndarray,
    next_ic_s: np.ndarray,
    interrupted: np.ndarray | None = None,
    contact_range_ms: tuple[float, float] = CONTACT_RANGE_MS,
) -> StepTimes:
    """Contact, stride and swing times and cadence of steps-table rows.

    Events from the foot's pitch rate (Falbriard et al. 2018, Front Physiol
    9:610; Mariani et al. 2013, Gait Posture 37(2):229-234;
    docs/metrics.md, "Events" and "Temporal"): contact = toe-off - initial
    contact, stride = next initial contact of the same foot - initial
    contact, swing = next initial contact - toe-off, cadence
    :func:`cadence_spm`.

    Parameters
    ----------
    ic_s
        (m,) initial contact of each row, s.
    to_s
        (m,) toe-off that ends that contact, s (NaN when unknown).
    next_ic_s
        (m,) next initial contact of the same foot, s (NaN when unknown).
    interrupted
        (m,) True where the data between ``ic_s`` and ``next_ic_s`` has a
        gap (:func:`interrupted_strides`): those rows get no stride time and
        no cadence (their contact and swing are kept).
    contact_range_ms
        Contact times outside this range (ms, bounds included in the range)
        are not a contact of gait: that row's toe-off, contact and swing
        become NaN.

    Returns
    -------
    StepTimes
        ``to_s`` (NaN where the contact was rejected), ``contact_ms``,
        ``stride_ms``, ``swing_ms``, ``cadence_spm``; NaN in, NaN out.
    """
    to_s = np.array(to_s, dtype=float)
    contact_ms = (to_s - ic_s) * 1000.0
    stride_ms = (next_ic_s - ic_s) * 1000.0
    swing_ms = (next_ic_s - to_s) * 1000.0
    bad = ~((contact_ms >= contact_range_ms[0]) & (contact_ms <= contact_range_ms[1]))
    to_s[bad] = np.nan
    contact_ms[bad] = np.nan
    swing_ms[bad] = np.nan
    if interrupted is not None:
        stride_ms[interrupted] = np.nan
    return StepTimes(to_s, contact_ms, stride_ms, swing_ms, cadence_spm(stride_ms))


# ---------------------------------------------------------------------------
# spatial: stride length, speed, turn, foot progression
# ---------------------------------------------------------------------------


def horizontal_distance_m(displacement_m: np.ndarray) -> np.ndarray:
    """(m,) length of the horizontal part (x, y of the level frame, z up) of
    (m, 3) displacements, m."""
    return np.hypot(displacement_m[:, 0], displacement_m[:, 1])


def stride_length_speed(
    *,
    zupt_length_m: np.ndarray,
    stride_ms: np.ndarray,
    belt_speed_mps: float | np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stride length and speed of steps-table rows.

    Overground the stride length is the horizontal distance the foot
    travels from one mid-stance to the next, from strapdown integration with
    zero-velocity updates at both (Foxlin E 2005, IEEE CG&A 25(6):38-46;
    Skog I et al. 2010, IEEE TBME 57(11):2657-2666), and speed is stride
    length / stride time. On a treadmill the stance foot moves with the
    belt: speed is the belt speed and stride length belt speed x stride time
    (docs/metrics.md, "Spatial").

    Parameters
    ----------
    zupt_length_m
        (m,) ZUPT horizontal distance of each row's stride, m
        (:func:`horizontal_distance_m`).
    stride_ms
        (m,) stride times, ms; rows without one get no length or speed.
    belt_speed_mps
        Treadmill belt speed, m/s: one for every row, or (m,) one per row
        (NaN or 0 where a row has none: :meth:`BeltSchedule.speed_at
        <footfall.gait.belt.BeltSchedule.speed_at>`); None (or 0) overground.
        A row without a belt speed is measured as overground.

    Returns
    -------
    stride_length_m, speed_mps, stride_length_zupt_m
        (m,) each; ``stride_length_zupt_m`` is the ZUPT distance (NaN where
        there is no stride time), the same as ``stride_length_m``
        overground.
    """
    zupt = np.array(zupt_length_m, dtype=float)
    zupt[np.isnan(stride_ms)] = np.nan
    if belt_speed_mps is not None and np.ndim(belt_speed_mps) == 1:
        belt = np.array(belt_speed_mps, dtype=float)
        with np.errstate(invalid="ignore"):
            on = np.isfinite(belt) & (belt > 0)
        belt[~on] = np.nan
        length = np.where(on, belt * stride_ms / 1000.0, zupt)
        speed = np.where(on, belt, zupt / (stride_ms / 1000.0))
        return length, speed, zupt
    if belt_speed_mps:
        speed = np.full(len(zupt), float(belt_speed_mps))
        return speed * stride_ms / 1000.0, speed, zupt
    return zupt, zupt / (stride_ms / 1000.0), zupt


def belt_columns(
    *,
    ic_s: np.ndarray,
    stride_ms: np.ndarray,
    zupt_length_m: np.ndarray,
    belt: float | BeltSchedule | None,
    foot: bool = True,
) -> dict[str, np.ndarray]:
    """The stride length, speed and incline columns of steps-table rows,
    with a treadmill's belt speed where there is one.

    The one place both the offline pipeline (:func:`imu_step_columns`) and
    the live detector (:mod:`footfall.stream.detector`, as rows become
    final) give rows their belt speed: each row takes the speed in effect at
    its initial contact (:meth:`BeltSchedule.speed_at
    <footfall.gait.belt.BeltSchedule.speed_at>`), then
    :func:`stride_length_speed`.

    Parameters
    ----------
    ic_s
        (m,) initial contacts, s on the recording's time axis.
    stride_ms
        (m,) stride times, ms.
    zupt_length_m
        (m,) ZUPT horizontal distance of each row's stride, m.
    belt
        A belt speed for every row (m/s), a :class:`~footfall.gait.belt.BeltSchedule`,
        or None (overground).
    foot
        A foot sensor's rows: every row gets ``stride_length_m``,
        ``speed_mps`` and ``stride_length_zupt_m``. A shank's rows
        (``foot=False``) get ``stride_length_m`` and ``speed_mps`` only where
        a belt speed gives them (its ZUPT distance is not a stride length),
        and no column without one.

    Returns
    -------
    dict
        The columns; ``incline_pct`` too when ``belt`` is a schedule that
        holds inclines (the incline in effect at each contact).
    """
    from footfall.gait.belt import BeltSchedule

    per_row: float | np.ndarray | None
    per_row = belt.speed_at(ic_s) if isinstance(belt, BeltSchedule) else belt
    length, speed, zupt = stride_length_speed(
        zupt_length_m=zupt_length_m if foot else np.full(len(ic_s), np.nan),
        stride_ms=stride_ms,
        belt_speed_mps=per_row,
    )
    cols: dict[str, np.ndarray] = {}
    if foot:
        cols = {"stride_length_m": length, "speed_mps": speed, "stride_length_zupt_m": zupt}
    elif per_row is not None and (
        np.isfinite(per_row).any() if np.ndim(per_row) == 1 else bool(per_row)
    ):
        cols = {"speed_mps": speed, "stride_length_m": length}
    if isinstance(belt, BeltSchedule) and belt.has_incline:
        cols["incline_pct"] = belt.incline_at(ic_s)
    return cols


def heading_change_deg(forward_xyz: np.ndarray) -> np.ndarray:
    """Change of heading of the foot over each stride, deg.

    The heading is the angle about the vertical of the foot's long axis, in
    the stride's level frame (z up); positive counter-clockwise seen from
    above (a turn to the left). It is unwrapped along the given instants, so
    a pivot of more than 180 degrees keeps its size and sign as long as no
    two consecutive instants are half a turn apart (docs/metrics.md,
    ``turn_deg``).

    Parameters
    ----------
    forward_xyz
        (m, k, 3) the foot's long axis in the level frame at ``k >= 2``
        instants through each stride, the first and last at its two
        mid-stances.

    Returns
    -------
    numpy.ndarray
        (m,) heading at the last instant minus heading at the first, deg.
    """
    heading = np.unwrap(np.arctan2(forward_xyz[..., 1], forward_xyz[..., 0]), axis=1)
    return np.degrees(heading[:, -1] - heading[:, 0])


def stride_turn_deg(traj: StrideTrajectories) -> np.ndarray:
    """(n,) change of heading of the foot over each stride, deg
    (:func:`heading_change_deg`): the angle about the vertical from the
    foot's long axis at the stride's first mid-stance to its long axis at
    the last, positive counter-clockwise seen from above (a turn to the
    left). Both ends are foot-flat moments, so the long axis is near level
    there; the angle is that of the axes' horizontal projections. It is
    followed through :data:`TURN_POINTS` orientations spread over the
    stride, so a pivot of more than 180 degrees keeps its size and sign."""
    n = len(traj)
    if n == 0:
        return np.zeros(0)
    last = (traj.stop - traj.start).astype(int)
    k = np.rint(np.linspace(0.0, 1.0, TURN_POINTS)[None, :] * last[:, None]).astype(int)
    r = np.broadcast_to(np.arange(n)[:, None], k.shape)
    return heading_change_deg(quat.rotate(traj.take("q", r, k), np.array([1.0, 0.0, 0.0])))


def foot_progression_angle_deg(
    *, displacement_m: np.ndarray, turn_deg: np.ndarray, side: Side | str
) -> np.ndarray:
    """Foot progression angle (toe-out) of each stride, deg, positive = toe-out.

    In each stride's level frame the foot's long axis at its first
    mid-stance is at heading zero, so the angle from the direction of travel
    to the long axis is minus the heading of travel, mirrored for the right
    foot (outwards is to the left on a left foot, to the right on a right
    one). The direction of travel is that of the stride's displacement,
    turned back by half its heading change so that a curving path does not
    count as toe-out (docs/metrics.md, ``foot_progression_deg``; footfall's
    definition, no published method).

    Parameters
    ----------
    displacement_m
        (m, 3) displacement of each stride in its level frame, m.
    turn_deg
        (m,) heading change of each stride, deg (:func:`heading_change_deg`).
    side
        Which foot.

    Returns
    -------
    numpy.ndarray
        (m,) deg; NaN where the stride travels less than
        :data:`PROGRESSION_MIN_TRAVEL_M` horizontally or turns more than
        :data:`PROGRESSION_MAX_TURN_DEG` (the foot pivots).
    """
    turn_deg = np.asarray(turn_deg)
    travel = np.degrees(np.arctan2(displacement_m[:, 1], displacement_m[:, 0])) - 0.5 * turn_deg
    sign = 1.0 if Side(side) == Side.LEFT else -1.0
    out = -sign * travel
    out[horizontal_distance_m(displacement_m) < PROGRESSION_MIN_TRAVEL_M] = np.nan
    out[np.abs(turn_deg) > PROGRESSION_MAX_TURN_DEG] = np.nan
    return out


def foot_progression_deg(
    traj: StrideTrajectories, side: Side | str, turn_deg: np.ndarray | None = None
) -> np.ndarray:
    """(n,) :func:`foot_progression_angle_deg` of each stride of ``traj``
    (``turn_deg``: :func:`stride_turn_deg` when already computed). The long
    axis is the alignment's forward axis (:mod:`footfall.gait.alignment`)."""
    if len(traj) == 0:
        return np.zeros(0)
    if turn_deg is None:
        turn_deg = stride_turn_deg(traj)
    return foot_progression_angle_deg(
        displacement_m=traj.displacement_m(), turn_deg=turn_deg, side=side
    )


# ---------------------------------------------------------------------------
# foot strike
# ---------------------------------------------------------------------------


def foot_strike_angle_deg(
    *, q_before_wxyz: np.ndarray, q_after_wxyz: np.ndarray, fraction: np.ndarray
) -> np.ndarray:
    """Foot strike angle: the foot's pitch at initial contact, deg, positive =
    toes up (heel first).

    The contact falls between two samples; the pitch (elevation of the
    foot's long axis above the level plane, :func:`pitch_roll_deg`) of the
    orientation at each is interpolated linearly. The orientation is the
    stride's, integrated from the mid-stance before it where the foot is
    flat, so the angle is relative to the flat foot (docs/metrics.md,
    "Foot strike"; published accuracy of a foot IMU before contact: Falbriard
    et al. 2020). Its pattern: :func:`strike_pattern_from_angle`.

    Parameters
    ----------
    q_before_wxyz, q_after_wxyz
        (..., 4) foot-to-level orientation at the samples before and after
        each contact, scalar first.
    fraction
        (...) position of the contact between the two samples, 0..1.
    """
    p0, _ = pitch_roll_deg(q_before_wxyz)
    p1, _ = pitch_roll_deg(q_after_wxyz)
    return p0 * (1 - fraction) + p1 * fraction


# ---------------------------------------------------------------------------
# impact and braking
# ---------------------------------------------------------------------------


def impact_window_samples(fs_hz: float) -> int:
    """Samples from initial contact in which the impact and braking peaks are
    sought: :data:`~footfall.gait.definitions.IMPACT_WINDOW_S` at ``fs_hz``,
    rounded, at least 2."""
    return max(2, int(round(IMPACT_WINDOW_S * float(fs_hz))))


def impact_braking_g(
    *, acc_level_mps2: np.ndarray, inside: np.ndarray, heading_rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Impact and braking peaks after initial contact, g.

    Impact is the peak upward acceleration of the foot, braking the peak
    acceleration against the stride's direction of travel, both in the level
    frame with gravity removed, within the window after contact
    (docs/metrics.md, "Impact and braking"; footfall's definition, like the
    peak accelerations reported by foot pods; compare within a runner).

    Parameters
    ----------
    acc_level_mps2
        (m, w, 3) acceleration of the foot in the level frame (x, y
        horizontal, z up), gravity removed, m/s^2, over the ``w`` samples of
        the window (:func:`impact_window_samples`).
    inside
        (m, w) True for the samples that belong to the stride (a stride may
        end within the window).
    heading_rad
        (m,) direction of travel of each stride in the level frame, rad
        (from x towards y).

    Returns
    -------
    impact_g, braking_g
        (m,) each, in units of standard gravity; ``-inf`` for a row with no
        sample inside.
    """
    impact = np.where(inside, acc_level_mps2[..., 2], -np.inf).max(axis=1) / G_MPS2
    a_fwd = (
        acc_level_mps2[..., 0] * np.cos(heading_rad)[:, None]
        + acc_level_mps2[..., 1] * np.sin(heading_rad)[:, None]
    )
    braking = np.where(inside, -a_fwd, -np.inf).max(axis=1) / G_MPS2
    return impact, braking


# ---------------------------------------------------------------------------
# pronation: the foot's roll in the loading phase
# ---------------------------------------------------------------------------


def level_long_axis(q_ms: np.ndarray) -> np.ndarray:
    """(m, 3) unit long axis of the foot in its own frame at mid-stance: the
    forward axis (x) made perpendicular to the mid-stance gravity direction
    (the foot-flat orientation of each stance, whatever the sensor
    alignment's tilt). ``q_ms`` (m, 4): foot-to-level orientation at each
    mid-stance, scalar first."""
    up = quat.rotate(quat.conjugate(q_ms), np.array([0.0, 0.0, 1.0]))
    fwd = np.array([1.0, 0.0, 0.0]) - up[:, :1] * up
    norm = np.linalg.norm(fwd, axis=1, keepdims=True)
    return np.where(norm > 1e-6, fwd / np.maximum(norm, 1e-12), np.array([1.0, 0.0, 0.0]))


def pronation_excursion_velocity(
    *,
    q_wxyz: np.ndarray,
    q_ms_wxyz: np.ndarray,
    gyr_rps: np.ndarray,
    inside: np.ndarray,
    side: Side | str,
) -> tuple[np.ndarray, np.ndarray]:
    """Pronation (the foot's roll towards eversion) in the loading phase.

    Eversion is rotation about the foot's own long axis
    (:func:`level_long_axis` at mid-stance), positive about the forward axis
    on a left foot and negative on a right foot (the medial edge goes down).
    The rotation from the mid-stance orientation to each sample is split
    into a twist about that axis and a rotation about an axis perpendicular
    to it (swing-twist decomposition); eversion is the twist, so the
    landing's pitch does not enter it as it enters Euler roll. The
    excursion is the largest rise of eversion over its running minimum in
    the window, the velocity the largest eversion rate (gyroscope projected
    on the same axis). docs/metrics.md, "Pronation"; footfall's method,
    compare within a runner.

    Parameters
    ----------
    q_wxyz
        (m, k, 4) foot-to-level orientation at the ``k`` samples of each
        row's window (contact, less a lead, to mid-stance), scalar first.
    q_ms_wxyz
        (m, 4) orientation at each row's mid-stance.
    gyr_rps
        (m, k, 3) angular rate in the foot frame at the same samples, rad/s.
    inside
        (m, k) True for the samples that belong to the window.
    side
        Which foot.

    Returns
    -------
    excursion_deg, velocity_dps
        (m,) each; ``-inf`` for a row with no sample inside.
    """
    sign = 1.0 if Side(side) == Side.LEFT else -1.0
    axis = level_long_axis(q_ms_wxyz)
    rel = quat.multiply(quat.conjugate(q_ms_wxyz)[:, None, :], q_wxyz)
    twist = 2.0 * np.arctan2(np.einsum("rkj,rj->rk", rel[..., 1:], axis), rel[..., 0])
    twist = np.degrees((twist + np.pi) % (2.0 * np.pi) - np.pi)
    ever = sign * twist
    low = np.minimum.accumulate(np.where(inside, ever, np.inf), axis=1)
    excursion = np.where(inside, ever - low, -np.inf).max(axis=1)
    rate = np.einsum("rkj,rj->rk", gyr_rps, axis)
    velocity = np.where(inside, sign * np.degrees(rate), -np.inf).max(axis=1)
    return excursion, velocity


# ---------------------------------------------------------------------------
# rows: which samples each metric reads
# ---------------------------------------------------------------------------


def _continues(ev: StrideEvents) -> tuple[np.ndarray, np.ndarray]:
    """Contact ``i`` starts at ``ic[i]`` and continues into stride ``i + 1``
    when that stride begins at the mid-stance where stride ``i`` ends:
    (n,) bool ``cont`` and (n,) index of the next stride ``nxt``."""
    n_str = len(ev.ic)
    cont = np.zeros(n_str, dtype=bool)
    cont[:-1] = ev.ms_before[1:] == ev.ms_after[:-1]
    nxt = np.minimum(np.arange(n_str) + 1, max(n_str - 1, 0))
    return cont, nxt


def row_windows(ev: StrideEvents) -> tuple[np.ndarray, np.ndarray]:
    """First and last sample (float indices) of the data each steps-table row
    is measured from: from the mid-stance before its contact to the
    mid-stance after the stride that follows it (its own stride when the
    next does not continue it). What ``gap_ms`` counts over, and the
    saturation of ``saturated_ms`` (footfall.gait.imu)."""
    cont, nxt = _continues(ev)
    stop = np.where(cont, ev.ms_after[nxt], ev.ms_after) if len(ev.ic) else ev.ms_after
    return ev.ms_before.astype(float), np.asarray(stop, dtype=float)


def _strike_angles(traj: StrideTrajectories, x: np.ndarray) -> np.ndarray:
    """:func:`foot_strike_angle_deg` of each stride ``i`` at absolute
    fractional sample ``x[i]`` (clipped to the padded stride)."""
    L = traj.padded_length
    rel = np.clip(x - traj.start, 0, L - 1)
    rel = np.where(np.isfinite(rel), rel, 0.0)
    i0 = np.floor(rel).astype(int)
    i1 = np.minimum(i0 + 1, L - 1)
    r = np.arange(len(x))
    # the orientation at the two samples only
    return foot_strike_angle_deg(
        q_before_wxyz=traj.take("q", r, i0), q_after_wxyz=traj.take("q", r, i1), fraction=rel - i0
    )


def _impact_braking(
    traj: StrideTrajectories, ic_i: np.ndarray, fs_hz: float, heading_rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`impact_braking_g` of each stride from its sample ``ic_i``."""
    L = traj.padded_length
    rel = np.clip(ic_i - traj.start, 0, L - 1)
    cols = rel[:, None] + np.arange(impact_window_samples(fs_hz))[None, :]
    inside = cols <= (traj.stop - traj.start)[:, None]
    cols = np.minimum(cols, L - 1)
    a_win = traj.take("acc_mps2", np.arange(len(ic_i))[:, None], cols)
    return impact_braking_g(acc_level_mps2=a_win, inside=inside, heading_rad=heading_rad)


def _pronation(
    traj: StrideTrajectories,
    gyr_rps: np.ndarray,
    n_samples: int,
    ic_i: np.ndarray,
    ms_i: np.ndarray,
    fs_hz: float,
    side: Side,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`pronation_excursion_velocity` of each stride over its loading
    phase. The window opens :data:`PRONATION_LEAD_S` before the detected
    contact, so a contact found a few samples late still has the whole
    loading rotation in it (the eversion starts at contact and is fast), and
    ends at the mid-stance after it. Strides with loading phases of similar
    length are searched together (a step out of standing does not widen
    every stride's window)."""
    n_str = len(ic_i)
    L = traj.padded_length
    excursion = np.empty(n_str)
    velocity = np.empty(n_str)
    lead = max(1, int(round(PRONATION_LEAD_S * float(fs_hz))))
    p0 = np.maximum(ic_i - lead, traj.start)
    span = ms_i - p0
    order = np.argsort(span, kind="stable")
    for a in range(0, n_str, _ROWS):
        rows = order[a : a + _ROWS]
        width = int(max(2, span[rows].max(initial=2) + 1))
        start = traj.start[rows]
        cols = (p0[rows] - start)[:, None] + np.arange(width)[None, :]
        inside = cols <= (ms_i[rows] - start)[:, None]
        cols = np.clip(cols, 0, L - 1)
        ms_col = np.clip(ms_i[rows] - start, 0, L - 1)
        abs_idx = np.minimum(start[:, None] + cols, n_samples - 1)
        excursion[rows], velocity[rows] = pronation_excursion_velocity(
            q_wxyz=traj.take("q", rows[:, None], cols),
            q_ms_wxyz=traj.take("q", rows, ms_col),
            gyr_rps=gyr_rps[abs_idx],
            inside=inside,
            side=side,
        )
    return excursion, velocity


def imu_step_metrics(
    time_s: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    ev: StrideEvents,
    traj: StrideTrajectories,
    *,
    side: Side | str,
    placement: Placement | str = Placement.FOOT,
    belt_speed_mps: float | BeltSchedule | None = None,
    filled: np.ndarray | None = None,
) -> pd.DataFrame:
    """:func:`imu_step_columns` as a pandas DataFrame.

    Parameters
    ----------
    time_s, gyr_rps, fs_hz, ev, traj, side, placement, belt_speed_mps, filled
        As in :func:`imu_step_columns`.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`imu_step_columns`.
    """
    return imu_step_columns(
        time_s,
        gyr_rps,
        fs_hz,
        ev,
        traj,
        side=side,
        placement=placement,
        belt_speed_mps=belt_speed_mps,
        filled=filled,
    ).to_pandas()


def imu_step_columns(
    time_s: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    ev: StrideEvents,
    traj: StrideTrajectories,
    *,
    side: Side | str,
    placement: Placement | str = Placement.FOOT,
    belt_speed_mps: float | BeltSchedule | None = None,
    filled: np.ndarray | None = None,
    clipped: np.ndarray | None = None,
) -> ColumnTable:
    """Steps-table rows, one per initial contact.

    Parameters
    ----------
    time_s
        (n,) sample times of the stream, s.
    gyr_rps
        (n, 3) gyroscope in the foot (or shank) frame, rad/s.
    fs_hz
        Sampling rate, Hz.
    ev
        Stride events (:func:`footfall.gait.events.detect_events`).
    traj
        ZUPT trajectories of the same strides
        (:func:`footfall.gait.trajectory.integrate_strides` over
        ``ev.ms_before .. ev.ms_after``).
    side, placement
        Which foot, and whether the sensor is on the foot or the shank (a
        shank's angle at contact is not a stride metric: it needs the tilt
        from several strides, :func:`footfall.gait.shank.shank_angle_ic`,
        which :mod:`footfall.gait.imu` adds).
    belt_speed_mps
        Treadmill belt speed (m/s), or a :class:`~footfall.gait.belt.BeltSchedule`
        of the speeds and inclines the treadmill sent, from which each row
        takes those in effect at its initial contact (:func:`belt_columns`).
        Where a row has a belt speed, ``speed_mps`` is the belt speed and
        ``stride_length_m`` is belt speed x stride time; the ZUPT estimate is
        kept in ``stride_length_zupt_m``. With a schedule that holds inclines,
        rows get ``incline_pct``.
    filled
        (n,) True where a sample was filled into a short gap for the analysis
        (:func:`footfall.gait.gaps.bridge_gaps`); each row's ``gap_ms`` is the
        filled data within the strides it is measured from.
    clipped
        (n,) True where a saturated channel sits at the sensor's limit
        (footfall.gait.imu.saturation); when given, each row gets
        ``saturated_ms`` over the same span as ``gap_ms``.

    Returns
    -------
    ColumnTable
        Rows ordered by ``ic_s``; contract columns this sensor can give, plus
        ``ms_s`` (mid-stance), ``stride_length_zupt_m``, ``turn_deg`` (foot
        sensors: :func:`stride_turn_deg` of the stride that ``stride_length_m``
        measures), ``foot_progression_deg`` (foot sensors:
        :func:`foot_progression_deg` of the same stride, the toe-out of this
        contact's stance), ``gap_ms`` and ``source``.

    Raises
    ------
    ValueError
        When ``time_s`` and ``gyr_rps`` do not have one row per sample, or
        the rate is not positive.
    """
    gyr_rps = checks.samples(gyr_rps, "gyr_rps")
    time_s = np.asarray(time_s)
    if time_s.ndim != 1:
        raise ValueError(f"time_s must be a 1-D array of sample times, got shape {time_s.shape}")
    checks.same_length(time_s=time_s, gyr_rps=gyr_rps)
    fs_hz = checks.rate(fs_hz)
    side, placement = Side(side), Placement(placement)
    n_str, n = len(ev), len(time_s)
    if n_str == 0:
        return ColumnTable()
    cont, nxt = _continues(ev)

    def of_next(values: np.ndarray) -> np.ndarray:
        # the stride after this contact, which ends at the next contact
        return np.where(cont, values[nxt], np.nan)

    ic_s = sample_time_s(ev.ic, time_s=time_s)
    gap = np.zeros(n_str, dtype=bool)
    if n_str > 1:
        gap = interrupted_strides(
            time_s=time_s, ms_before=ev.ms_before, ms_after=ev.ms_after, fs_hz=fs_hz
        )
    times = step_times(
        ic_s=ic_s,
        to_s=sample_time_s(of_next(ev.to), time_s=time_s),
        next_ic_s=sample_time_s(of_next(ev.ic), time_s=time_s),
        interrupted=gap | np.roll(gap, -1),
    )
    windows = row_windows(ev)
    cols = {
        "side": side.value,
        "ic_s": ic_s,
        "to_s": times.to_s,
        "contact_ms": times.contact_ms,
        "stride_ms": times.stride_ms,
        "swing_ms": times.swing_ms,
        "cadence_spm": times.cadence_spm,
        "ms_s": sample_time_s(ev.ms_after.astype(float), time_s=time_s),
        # data filled into short gaps within the strides of each row
        "gap_ms": (
            filled_ms(filled, *windows, fs_hz)
            if filled is not None and len(filled) == n
            else np.zeros(n_str)
        ),
        "source": f"{side.value}_{placement.value}_imu",
    }
    disp = traj.displacement_m()
    spatial = belt_columns(
        ic_s=ic_s,
        stride_ms=times.stride_ms,
        zupt_length_m=of_next(horizontal_distance_m(disp)),
        belt=belt_speed_mps,
        foot=placement == Placement.FOOT,
    )
    if placement == Placement.FOOT:
        no_stride = np.isnan(times.stride_ms)
        turn_all = stride_turn_deg(traj)
        turn, progression = of_next(turn_all), of_next(foot_progression_deg(traj, side, turn_all))
        turn[no_stride] = np.nan
        progression[no_stride] = np.nan
        pitch_ic = _strike_angles(traj, ev.ic)
        ic_i = np.where(np.isfinite(ev.ic), np.ceil(ev.ic), traj.start).astype(int)
        ms_i = ev.ms_after.astype(int)
        impact, braking = _impact_braking(traj, ic_i, fs_hz, np.arctan2(disp[:, 1], disp[:, 0]))
        impact[~np.isfinite(ev.ic)] = np.nan
        braking[~np.isfinite(ev.ic)] = np.nan
        excursion, pron_vel = _pronation(traj, gyr_rps, n, ic_i, ms_i, fs_hz, side)
        no_stance = ~np.isfinite(ev.ic) | (ms_i <= ic_i)
        excursion[no_stance] = np.nan
        pron_vel[no_stance] = np.nan
        cols.update(
            {
                "stride_length_m": spatial.pop("stride_length_m"),
                "speed_mps": spatial.pop("speed_mps"),
                "stride_length_zupt_m": spatial.pop("stride_length_zupt_m"),
                "turn_deg": turn,
                "foot_progression_deg": progression,
                "foot_strike_angle_deg": pitch_ic,
                "strike_pattern": strike_pattern_from_angle(pitch_ic),
                "pronation_excursion_deg": excursion,
                "pronation_velocity_dps": pron_vel,
                "impact_g": impact,
                "braking_g": braking,
            }
        )
    cols.update(spatial)  # a shank's belt speed, and the incline
    if clipped is not None and len(clipped) == n:
        # samples a saturated channel sat at its limit, over the same span
        cols["saturated_ms"] = filled_ms(clipped, *windows, fs_hz)
    # rows with a contact, in time order; the table is built once
    rows = np.flatnonzero(np.isfinite(ic_s))
    rows = rows[np.argsort(ic_s[rows], kind="stable")]
    table = ColumnTable(cols, n_rows=n_str)
    if len(rows) == n_str and np.array_equal(rows, np.arange(n_str)):
        return table
    return table.take(rows)
