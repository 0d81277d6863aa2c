"""Per-step metrics from foot (or shank) IMU events and trajectories.

One function, :func:`imu_step_columns`, turns the stride events and the
ZUPT trajectories of a stream into steps-table rows (NumPy columns;
:func:`imu_step_metrics` gives the same rows as a DataFrame). The offline
pipeline calls it once for a whole stream; the live path calls it on each
block of newly confirmed strides. Definitions, methods and expected accuracy of each
metric are in docs/metrics.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from footfall.gait import quaternion as quat
from footfall.gait.events import StrideEvents
from footfall.gait.gaps import filled_ms
from footfall.gait.trajectory import StrideTrajectories, pitch_roll_deg
from footfall.model import G_MPS2, Placement, Side
from footfall.table import ColumnTable

if TYPE_CHECKING:
    import pandas as pd

# Foot strike angle bands (deg, positive = toes up at contact): Altman AR,
# Davis IS (2012). A kinematic method for footstrike pattern detection in
# barefoot and shod runners. Gait Posture 35(2):298-300.
STRIKE_ANGLE_REARFOOT_DEG = 8.0
STRIKE_ANGLE_FOREFOOT_DEG = -1.6

IMPACT_WINDOW_S = 0.06
"""Window after initial contact in which the impact peak is sought."""

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

_ROWS = 1024
"""Strides whose loading-phase windows are searched together."""


def strike_pattern_from_angle(angle_deg: np.ndarray) -> np.ndarray:
    """``rearfoot`` / ``midfoot`` / ``forefoot`` from the foot strike angle."""
    angle_deg = np.asarray(angle_deg, dtype=float)
    out = np.full(angle_deg.shape, None, dtype=object)
    out[angle_deg > STRIKE_ANGLE_REARFOOT_DEG] = "rearfoot"
    out[(angle_deg <= STRIKE_ANGLE_REARFOOT_DEG) & (angle_deg >= STRIKE_ANGLE_FOREFOOT_DEG)] = (
        "midfoot"
    )
    out[angle_deg < STRIKE_ANGLE_FOREFOOT_DEG] = "forefoot"
    return out


def _interp_pitch(traj: StrideTrajectories, x: np.ndarray) -> np.ndarray:
    """Foot pitch (deg) of each stride ``i`` linearly interpolated at absolute
    fractional sample ``x[i]`` (clipped to the padded stride)."""
    L = traj.padded_length
    rel = np.clip(x - traj.start, 0, L - 1)
    rel = np.where(np.isfinite(rel), rel, 0.0)
    i0 = np.floor(rel).astype(int)
    i1 = np.minimum(i0 + 1, L - 1)
    f = rel - i0
    r = np.arange(len(x))
    # the orientation at the two samples only
    p0, _ = pitch_roll_deg(traj.take("q", r, i0))
    p1, _ = pitch_roll_deg(traj.take("q", r, i1))
    return p0 * (1 - f) + p1 * f


def imu_step_metrics(
    time_s: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    ev: StrideEvents,
    traj: StrideTrajectories,
    *,
    side: Side | str,
    placement: Placement | str = Placement.FOOT,
    belt_speed_mps: float | None = None,
    filled: np.ndarray | None = None,
) -> pd.DataFrame:
    """:func:`imu_step_columns` as a pandas DataFrame (same arguments)."""
    return imu_step_columns(time_s, gyr_rps, fs_hz, ev, traj, side=side, placement=placement,
                            belt_speed_mps=belt_speed_mps, filled=filled).to_pandas()


def _level_long_axis(q_ms: np.ndarray) -> np.ndarray:
    """(m, 3) unit long axis of the foot in its own frame at mid-stance: the
    forward axis made perpendicular to the mid-stance gravity direction (the
    foot-flat orientation of each stance, whatever the sensor alignment's
    tilt)."""
    up = quat.rotate(quat.conjugate(q_ms), np.array([0.0, 0.0, 1.0]))
    fwd = np.array([1.0, 0.0, 0.0]) - up[:, :1] * up
    norm = np.linalg.norm(fwd, axis=1, keepdims=True)
    return np.where(norm > 1e-6, fwd / np.maximum(norm, 1e-12), np.array([1.0, 0.0, 0.0]))


def stride_turn_deg(traj: StrideTrajectories) -> np.ndarray:
    """(n,) change of heading of the foot over each stride, deg: the angle
    about the vertical from the foot's long axis at the stride's first
    mid-stance to its long axis at the last, positive counter-clockwise seen
    from above (a turn to the left). Both ends are foot-flat moments, so the
    long axis is near level there; the angle is that of the axes' horizontal
    projections. It is followed through :data:`TURN_POINTS` orientations
    spread over the stride, so a pivot of more than 180 degrees keeps its
    size and sign."""
    n = len(traj)
    if n == 0:
        return np.zeros(0)
    last = (traj.stop - traj.start).astype(int)
    k = np.rint(np.linspace(0.0, 1.0, TURN_POINTS)[None, :] * last[:, None]).astype(int)
    r = np.broadcast_to(np.arange(n)[:, None], k.shape)
    f = quat.rotate(traj.take("q", r, k), np.array([1.0, 0.0, 0.0]))
    heading = np.unwrap(np.arctan2(f[..., 1], f[..., 0]), axis=1)
    return np.degrees(heading[:, -1] - heading[:, 0])


def foot_progression_deg(traj: StrideTrajectories, side: Side | str,
                         turn_deg: np.ndarray | None = None) -> np.ndarray:
    """(n,) foot progression angle of each stride, deg, positive = toe-out:
    the angle about the vertical from the direction the foot travels to its
    long axis at the stride's first mid-stance (the stance it leaves),
    mirrored for the right foot. The direction of travel is that of the
    stride's displacement, turned back by half the stride's heading change
    (:func:`stride_turn_deg`, ``turn_deg`` when already computed) so that a
    curving path does not count as toe-out; strides turning more than
    :data:`PROGRESSION_MAX_TURN_DEG` get NaN. Each stride's level frame has
    the foot's long axis at heading zero at its start, so the angle is minus
    the heading of travel. The long axis is the alignment's forward axis
    (:mod:`footfall.gait.alignment`)."""
    if len(traj) == 0:
        return np.zeros(0)
    if turn_deg is None:
        turn_deg = stride_turn_deg(traj)
    disp = traj.displacement_m()
    travel = np.degrees(np.arctan2(disp[:, 1], disp[:, 0])) - 0.5 * np.asarray(turn_deg)
    sign = 1.0 if Side(side) == Side.LEFT else -1.0
    out = -sign * travel
    out[np.hypot(disp[:, 0], disp[:, 1]) < 0.05] = np.nan
    out[np.abs(turn_deg) > PROGRESSION_MAX_TURN_DEG] = np.nan
    return out


def row_windows(ev: StrideEvents) -> tuple[np.ndarray, np.ndarray]:
    """First and last sample (float indices) of the data each steps-table row
    is measured from: from the mid-stance before its contact to the
    mid-stance after the stride that follows it (its own stride when the
    next does not continue it). What ``gap_ms`` counts over, and the
    saturation of ``saturated_ms`` (footfall.gait.imu)."""
    n_str = len(ev.ic)
    cont = np.zeros(n_str, dtype=bool)
    cont[:-1] = ev.ms_before[1:] == ev.ms_after[:-1]
    nxt = np.minimum(np.arange(n_str) + 1, max(n_str - 1, 0))
    stop = np.where(cont, ev.ms_after[nxt], ev.ms_after) if n_str else ev.ms_after
    return ev.ms_before.astype(float), np.asarray(stop, dtype=float)


def imu_step_columns(
    time_s: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    ev: StrideEvents,
    traj: StrideTrajectories,
    *,
    side: Side | str,
    placement: Placement | str = Placement.FOOT,
    belt_speed_mps: float | None = None,
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
        Treadmill belt speed. When given, ``speed_mps`` is the belt speed and
        ``stride_length_m`` is belt speed x stride time; the ZUPT estimate is
        kept in ``stride_length_zupt_m``.
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
    """
    side = Side(side)
    placement = Placement(placement)
    n_str = len(ev)
    n = len(time_s)
    if n_str == 0:
        return ColumnTable()
    samples = np.arange(n, dtype=float)

    def to_time(x: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(x), np.interp(np.nan_to_num(x), samples, time_s), np.nan)

    # contact i starts at ic[i]; it continues into stride i+1 when that stride
    # begins at the mid-stance where stride i ends
    cont = np.zeros(n_str, dtype=bool)
    cont[:-1] = ev.ms_before[1:] == ev.ms_after[:-1]
    nxt = np.minimum(np.arange(n_str) + 1, n_str - 1)
    to_next = np.where(cont, ev.to[nxt], np.nan)
    ic_next = np.where(cont, ev.ic[nxt], np.nan)

    ic_s = to_time(ev.ic)
    to_s = to_time(to_next)
    ic_next_s = to_time(ic_next)
    contact_ms = (to_s - ic_s) * 1000.0
    stride_ms = (ic_next_s - ic_s) * 1000.0
    swing_ms = (ic_next_s - to_s) * 1000.0
    bad = ~((contact_ms >= CONTACT_RANGE_MS[0]) & (contact_ms <= CONTACT_RANGE_MS[1]))
    to_s[bad] = np.nan
    contact_ms[bad] = np.nan
    swing_ms[bad] = np.nan
    # a stride interrupted by a gap in the data is not a stride
    gap = np.zeros(n_str, dtype=bool)
    if n_str > 1:
        span = (ev.ms_after - ev.ms_before).astype(float)
        dur = time_s[ev.ms_after] - time_s[ev.ms_before]
        gap = dur > 1.5 * span / fs_hz
    stride_ms[gap | np.roll(gap, -1)] = np.nan
    cadence = 2 * 60000.0 / stride_ms

    # data filled into short gaps within the strides of each row
    if filled is not None and len(filled) == n:
        gap_ms = filled_ms(filled, *row_windows(ev), fs_hz)
    else:
        gap_ms = np.zeros(n_str)
    # samples a saturated channel sat at its limit, over the same span
    sat_ms = (filled_ms(clipped, *row_windows(ev), fs_hz)
              if clipped is not None and len(clipped) == n else None)

    # orientation at contact
    pitch_ic = _interp_pitch(traj, ev.ic)

    # stride length: the swing that ends at the next contact (stride i+1)
    disp = traj.displacement_m()
    horiz = np.hypot(disp[:, 0], disp[:, 1])
    stride_len = np.where(cont, horiz[nxt], np.nan)
    stride_len[np.isnan(stride_ms)] = np.nan
    turn_all = stride_turn_deg(traj)
    turn = np.where(cont, turn_all[nxt], np.nan)
    turn[np.isnan(stride_ms)] = np.nan
    progression = np.where(cont, foot_progression_deg(traj, side, turn_all)[nxt], np.nan)
    progression[np.isnan(stride_ms)] = np.nan
    if belt_speed_mps:
        speed = np.full(n_str, float(belt_speed_mps))
        stride_len_out = speed * stride_ms / 1000.0
    else:
        speed = stride_len / (stride_ms / 1000.0)
        stride_len_out = stride_len

    # impact and braking: level-frame acceleration just after contact
    fs = float(fs_hz)
    w_imp = max(2, int(round(IMPACT_WINDOW_S * fs)))
    ic_i = np.where(np.isfinite(ev.ic), np.ceil(ev.ic), traj.start).astype(int)
    L = traj.padded_length
    rel = np.clip(ic_i - traj.start, 0, L - 1)
    cols = rel[:, None] + np.arange(w_imp)[None, :]
    inside = cols <= (traj.stop - traj.start)[:, None]
    cols = np.minimum(cols, L - 1)
    r = np.arange(n_str)[:, None]
    a_win = traj.take("acc_mps2", r, cols)
    impact_g = np.where(inside, a_win[..., 2], -np.inf).max(axis=1) / G_MPS2
    # heading of the stride: direction of its displacement (forward)
    head = np.arctan2(disp[:, 1], disp[:, 0])
    a_fwd = a_win[..., 0] * np.cos(head)[:, None] + a_win[..., 1] * np.sin(head)[:, None]
    braking_g = np.where(inside, -a_fwd, -np.inf).max(axis=1) / G_MPS2
    impact_g[~np.isfinite(ev.ic)] = np.nan
    braking_g[~np.isfinite(ev.ic)] = np.nan

    # pronation: rearfoot eversion during the loading phase (contact to
    # mid-stance), as rotation about the foot's own long axis. The axis and
    # the reference orientation come from the stance itself: the orientation
    # at mid-stance (foot flat), whose forward axis is made level with the
    # mid-stance gravity direction. The rotation from mid-stance to each
    # sample is split into a twist about that axis and the rest (swing-twist
    # decomposition), so the pitch of the landing does not enter as Euler
    # roll does; the rate is the gyroscope projected on the same axis.
    ever_sign = 1.0 if side == Side.LEFT else -1.0
    ms_i = ev.ms_after.astype(int)
    excursion = np.empty(n_str)
    pron_vel = np.empty(n_str)
    # the window opens PRONATION_LEAD_S before the detected contact, so a
    # contact found a few samples late still has the whole loading rotation
    # in it (the eversion starts at contact and is fast);
    # the excursion is the largest rise of eversion over its own running
    # minimum, so the terminal swing before contact adds nothing unless the
    # foot everts then
    lead = max(1, int(round(PRONATION_LEAD_S * float(fs_hz))))
    p0 = np.maximum(ic_i - lead, traj.start)
    # strides with loading phases of similar length together (a step out of
    # standing does not widen every stride's window)
    span = ms_i - p0
    order = np.argsort(span, kind="stable")
    for a in range(0, n_str, _ROWS):
        rows = order[a:a + _ROWS]
        width = int(max(2, span[rows].max(initial=2) + 1))
        start = traj.start[rows]
        cols = (p0[rows] - start)[:, None] + np.arange(width)[None, :]
        inside = cols <= (ms_i[rows] - start)[:, None]
        cols = np.clip(cols, 0, L - 1)
        q = traj.take("q", rows[:, None], cols)
        ms_col = np.clip(ms_i[rows] - start, 0, L - 1)
        q_ms = traj.take("q", rows, ms_col)
        axis = _level_long_axis(q_ms)
        rel = quat.multiply(quat.conjugate(q_ms)[:, None, :], q)
        twist = 2.0 * np.arctan2(np.einsum("rkj,rj->rk", rel[..., 1:], axis), rel[..., 0])
        twist = np.degrees((twist + np.pi) % (2.0 * np.pi) - np.pi)
        ever = ever_sign * twist
        low = np.minimum.accumulate(np.where(inside, ever, np.inf), axis=1)
        excursion[rows] = np.where(inside, ever - low, -np.inf).max(axis=1)
        abs_idx = np.minimum(start[:, None] + cols, n - 1)
        rate = np.einsum("rkj,rj->rk", gyr_rps[abs_idx], axis)
        ever_rate = ever_sign * np.degrees(rate)
        pron_vel[rows] = np.where(inside, ever_rate, -np.inf).max(axis=1)
    no_stance = ~np.isfinite(ev.ic) | (ms_i <= ic_i)
    excursion[no_stance] = np.nan
    pron_vel[no_stance] = np.nan

    cols = {
        "side": side.value,
        "ic_s": ic_s,
        "to_s": to_s,
        "contact_ms": contact_ms,
        "stride_ms": stride_ms,
        "swing_ms": swing_ms,
        "cadence_spm": cadence,
        "ms_s": to_time(ev.ms_after.astype(float)),
        "gap_ms": gap_ms,
        "source": f"{side.value}_{placement.value}_imu",
    }
    if placement == Placement.FOOT:
        cols["stride_length_m"] = stride_len_out
        cols["speed_mps"] = speed
        cols["stride_length_zupt_m"] = stride_len
        cols["turn_deg"] = turn
        cols["foot_progression_deg"] = progression
        cols["foot_strike_angle_deg"] = pitch_ic
        cols["strike_pattern"] = strike_pattern_from_angle(pitch_ic)
        cols["pronation_excursion_deg"] = excursion
        cols["pronation_velocity_dps"] = pron_vel
        cols["impact_g"] = impact_g
        cols["braking_g"] = braking_g
    else:
        if belt_speed_mps:
            cols["speed_mps"] = speed
            cols["stride_length_m"] = stride_len_out
    if sat_ms is not None:
        cols["saturated_ms"] = sat_ms
    # rows with a contact, in time order; the table is built once
    rows = np.flatnonzero(np.isfinite(ic_s))
    rows = rows[np.argsort(ic_s[rows], kind="stable")]
    table = ColumnTable(cols, n_rows=n_str)
    if len(rows) == n_str and np.array_equal(rows, np.arange(n_str)):
        return table
    return table.take(rows)
