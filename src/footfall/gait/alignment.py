"""Sensor-to-foot alignment found from the data.

The foot frame (docs/coordinate-frames.md): x forward (heel to toe), y to the
left, z up, with the foot flat at mid-stance. The rotation from the sensor's
axes to this frame is found in three steps, with no input from the user:

1. **Up** (z): the mean direction of gravity at the mid-stances, when the
   foot is flat: each stride's mean specific force brought into the sensor
   frame of its first mid-stance by the gyroscope (the foot's own
   accelerations average out between two mid-stances).
2. **Lateral** (y, up to its sign): first the dominant axis of rotation
   during the swings (principal axis of the angular-rate vectors around each
   stride's mid-swing, :func:`_mid_swings`), made orthogonal to z. The leg
   swings in the body's sagittal plane, so this axis is across the direction
   of travel whatever the mounting (laces, heel counter, side). A foot turned
   out does not point where it travels, so for a foot the lateral axis is then
   taken from the heel rise at push-off (:func:`_pushoff_heading`), a
   rotation of the shoe about its own forefoot. Turning strides, whose
   swing has less than :data:`TURN_SHARE` of its energy about that axis,
   are then left out and the axis is taken again
   from the others (on the gaitmap example walk, whose first strides include
   the turn, this brought the left foot's rotation from 0.96 to 0.40 deg
   away from the one estimated from all strides without it).
3. **Forward** (sign of x = y cross z): strides are integrated with zero-velocity
   updates in the candidate frame; the foot moves forward during the swing,
   so the mean forward velocity must be positive. If it is negative, x and y
   are flipped (a 180 deg turn about z). This also holds on a treadmill, where
   the integration runs in the belt's frame.

The same procedure serves a shank IMU, where "up" is the shank's long axis at
mid-stance.

Which strides
-------------
A stream's alignment is estimated from its first :data:`ALIGN_STRIDES`
whole strides (a leading partial stride, whose data starts in its swing, has
no foot at rest to start from), offline and live alike, and kept for the
whole stream. The live
path (:mod:`footfall.stream.detector`) cannot wait for the end of a session
before it measures a step, and the foot's swing axis varies from stride to
stride by several degrees (on the gaitmap example walk, per-stride swing
axes scatter by 3 to 8 deg in heading), so an estimate from a subset never
matches one from all strides to a fraction of a degree: 20 and all 32
strides of that walk gave rotations 0.96 deg apart (0.70 deg with turning
strides left out), enough to move pronation velocity (the roll rate, which
picks up a share of the much larger pitch rate) by almost 3 %. Estimating
from the same strides in both paths makes a replayed session give the
offline steps table. The first strides, rather than any later set,
because they are the only ones the live path has when its first rows are
due; one alignment for the whole stream, because re-estimating it live (as
the detector once did after every 400 strides) gives rows measured in
different frames that offline analysis of the recording would not
reproduce. A mounting that shifts during a run is
followed by neither path (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from footfall.gait import checks
from footfall.gait.segment import Segmentation, smooth
from footfall.gait.trajectory import StrideTrajectories, integrate_strides, start_gravity
from footfall.model import G_MPS2, Placement, parse_mount  # noqa: F401 (re-exported)

__all__ = [
    "ALIGN_STRIDES",
    "Alignment",
    "CALIBRATION_SEARCH_S",
    "HEEL_RAISES_MIN",
    "HEEL_RAISE_ACC_TOL_MPS2",
    "HEEL_RAISE_AGREE_DEG",
    "HEEL_RAISE_DEG",
    "HEEL_RAISE_HALF_S",
    "HEEL_RAISE_RATE_RPS",
    "HEEL_RAISE_SHARE",
    "HEEL_RAISE_TOP_S",
    "MAX_TOE_OUT_DEG",
    "PUSHOFF_SMOOTH_S",
    "STANDING_ACC_TOL_MPS2",
    "STANDING_MIN_S",
    "STANDING_RATE_RPS",
    "STANDING_SEARCH_S",
    "SWING_HALF_S",
    "TURN_SHARE",
    "align_and_integrate",
    "estimate_alignment",
    "heel_raise_axis",
    "quiet_standing",
    "standing_gravity",
]


ALIGN_STRIDES = 20
"""The alignment is estimated from a stream's first strides, this many (all of
them when there are fewer); they also fix the sign of the forward axis. The
live detector estimates it as soon as this many strides are final."""

TURN_SHARE = 0.5
"""Strides whose central swing has less than this share of its angular-rate
energy about the lateral axis (turning strides) do not set that axis."""


@dataclass
class Alignment:
    """Rotation from sensor axes to foot axes: ``v_foot = R @ v_sensor``.

    Attributes
    ----------
    R
        (3, 3) rotation matrix; its rows are the foot's x, y, z axes written
        in sensor coordinates.
    sagittal_share
        Share of the swing angular-rate energy about the lateral axis (0-1);
        above 0.7 means a clear sagittal swing and a trustworthy alignment.
    forward_mps
        Mean forward velocity of the foot over the strides used to fix the
        sign of the forward axis (m/s); its size says how clear the choice was.
    up_spread_deg
        Angular spread of the gravity direction over the mid-stances (deg).
    tibia
        Shank IMUs only: the tibia's direction (towards the knee) in the
        shank frame: perpendicular to the swing's (knee) axis, in the
        direction of the sensor axis closest to the mean specific force over
        the alignment strides, or from quiet standing before the run when
        there is some (:func:`_shank_signed`,
        :func:`footfall.gait.shank.with_standing_tibia`); None for a foot.
    heading_spread_deg
        Foot IMUs: spread (median absolute deviation, deg) of the push-off
        axes of the single strides about the one taken
        (:func:`_pushoff_heading`); small when the foot's long axis is
        clearly found. NaN for a shank.
    swing_heading_deg
        Foot IMUs: angle about the vertical from the foot's lateral axis to
        the swing's axis of rotation, deg (counter-clockwise seen from
        above): how far the direction the leg swings is from the foot's own
        long axis (toe-out or toe-in turns it). NaN for a shank.
    standing_s
        Foot IMUs: how long the quiet standing was whose gravity gave the up
        axis (:func:`quiet_standing`, s); 0 when there was none and up came
        from the mid-stances.
    mount_ok
        Foot IMUs with a mounting given (:func:`parse_mount`): whether it held
        (False: the toes axis was near vertical, so the data's axes were kept,
        or the foot travelled towards what the mounting calls the heel, so the
        frame was turned round); None without a mounting.
    mount_offset_deg
        Foot IMUs with a mounting: angle about up from the mounting's lateral
        axis to the one the data give (the push-off's), deg; a large value
        says the sensor is not square on the shoe or the preset is not the
        one worn.
    heel_raises
        Foot IMUs: how many heel raises before the run gave the lateral axis
        (:func:`heel_raise_axis`); 0 when there were none and it came from
        the push-off.
    """

    R: np.ndarray
    sagittal_share: float
    forward_mps: float
    up_spread_deg: float
    tibia: np.ndarray | None = None
    heading_spread_deg: float = float("nan")
    swing_heading_deg: float = float("nan")
    standing_s: float = 0.0
    mount_ok: bool | None = None
    mount_offset_deg: float = float("nan")
    heel_raises: int = 0

    def apply(self, v: np.ndarray) -> np.ndarray:
        """Rotate (n, 3) sensor-frame vectors into the foot frame."""
        # R @ v.T runs as one large matrix product, twice as fast as v @ R.T
        return (self.R @ np.asarray(v).T).T


def estimate_alignment(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    seg: Segmentation,
    *,
    strides: int = ALIGN_STRIDES,
    placement: Placement | str = Placement.FOOT,
    toes: np.ndarray | None = None,
) -> Alignment:
    """Find the sensor-to-foot rotation from a walking or running recording.

    Parameters
    ----------
    acc_mps2, gyr_rps
        (n, 3) accelerometer (m/s^2) and gyroscope (rad/s), sensor axes.
    fs_hz
        Sampling rate, Hz.
    seg
        Stride segmentation of the same data (:func:`segment_strides`), with
        at least one stride.
    strides
        How many of its first strides are used (:data:`ALIGN_STRIDES`, as in
        offline analysis).
    placement
        ``shank``: the forward axis is signed by the swing (:func:`_shank_signed`).
    toes
        Foot only: the sensor axis that points to the toes when the mounting
        is known (:func:`parse_mount`); the foot's long axis is then that
        axis, levelled, instead of the push-off's.

    Raises
    ------
    ValueError
        When an argument has the wrong shape, the rate is not positive,
        ``seg`` has no stride or indexes beyond the data.
    """
    acc_mps2 = checks.samples(acc_mps2, "acc_mps2")
    gyr_rps = checks.samples(gyr_rps, "gyr_rps")
    n = checks.same_length(acc_mps2=acc_mps2, gyr_rps=gyr_rps)
    fs_hz = checks.rate(fs_hz)
    if len(seg) == 0:
        raise ValueError("seg has no stride: the alignment needs at least one")
    checks.indices(seg.ms_after, "seg (its mid-stances)", n)
    if int(strides) < 1:
        raise ValueError(f"strides must be at least 1, got {strides!r}")
    axes = _fit_axes(acc_mps2, gyr_rps, fs_hz, seg, strides)
    if Placement(placement) == Placement.SHANK:
        return _shank_signed(axes, fs_hz)[0]
    axes = _with_mount(
        _foot_lateral(
            _with_standing(axes, acc_mps2, gyr_rps, fs_hz, seg), acc_mps2, gyr_rps, fs_hz, seg
        ),
        toes,
    )
    # sign of the forward axis from the direction of travel in swing: only
    # the alignment strides' samples (and a margin for the rest window) are
    # rotated and integrated
    R = axes.R
    traj = integrate_strides((R @ axes.acc.T).T, (R @ axes.gyr.T).T, fs_hz, axes.starts, axes.stops)
    return axes.signed(_mean_forward_mps(traj, fs_hz))[0]


def align_and_integrate(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    seg: Segmentation,
    placement: Placement | str = Placement.FOOT,
    toes: np.ndarray | None = None,
) -> tuple[Alignment, np.ndarray, np.ndarray, StrideTrajectories]:
    """:func:`estimate_alignment`, the data in the foot frame and the
    integration of every stride of ``seg`` in it, with one integration.

    The alignment comes from the first :data:`ALIGN_STRIDES` strides of
    ``seg``, as in :func:`estimate_alignment` (the live detector's rows are
    the offline rows). The strides that fix the sign of the forward axis are among those of
    ``seg``, and each stride is integrated on its own, so their displacements
    are taken from the integration of all strides in the unsigned frame
    instead of a second one; when the sign turns the frame by 180 degrees
    about z, the integration is turned with it (x and y negated: the same
    numbers as integrating the turned data). Both shortcuts are taken only
    when the rotated samples they rely on are the very numbers the direct
    route computes (a matrix product may round a column differently where it
    sits in a longer array); otherwise the strides are integrated anew.

    Returns
    -------
    alignment : Alignment
        As :func:`estimate_alignment` gives it.
    acc_mps2, gyr_rps
        (n, 3) the data in the foot frame (``alignment.apply``).
    traj : StrideTrajectories
        :func:`integrate_strides` of them over ``seg.ms_before .. seg.ms_after``.
    """
    axes = _fit_axes(acc_mps2, gyr_rps, fs_hz, seg)
    if Placement(placement) == Placement.SHANK:
        al = _shank_signed(axes, fs_hz)[0]
        acc_f, gyr_f = al.apply(acc_mps2), al.apply(gyr_rps)
        return al, acc_f, gyr_f, integrate_strides(acc_f, gyr_f, fs_hz, seg.ms_before, seg.ms_after)
    axes = _with_mount(
        _foot_lateral(
            _with_standing(axes, acc_mps2, gyr_rps, fs_hz, seg), acc_mps2, gyr_rps, fs_hz, seg
        ),
        toes,
    )
    R = axes.R
    acc_f, gyr_f = (R @ np.asarray(acc_mps2).T).T, (R @ np.asarray(gyr_rps).T).T
    traj = integrate_strides(acc_f, gyr_f, fs_hz, seg.ms_before, seg.ms_after)
    acc_s, gyr_s = (R @ axes.acc.T).T, (R @ axes.gyr.T).T
    if _same(acc_s, acc_f[axes.take]) and _same(gyr_s, gyr_f[axes.take]):
        vx = _mean_forward_mps(traj, fs_hz, axes.pick)
    else:
        vx = _mean_forward_mps(
            integrate_strides(acc_s, gyr_s, fs_hz, axes.starts, axes.stops), fs_hz
        )
    al, turned = axes.signed(vx)
    if turned:
        acc_t, gyr_t = al.apply(acc_mps2), al.apply(gyr_rps)
        flip = np.array([-1.0, -1.0, 1.0])
        if _same(acc_t, acc_f * flip) and _same(gyr_t, gyr_f * flip):
            traj = traj._turned(in_place=True)
        else:
            traj = integrate_strides(acc_t, gyr_t, fs_hz, seg.ms_before, seg.ms_after)
        acc_f, gyr_f = acc_t, gyr_t
    return al, acc_f, gyr_f, traj


@dataclass
class _Axes:
    """Up and lateral axes found from the data, before the sign of the
    forward axis is known, and the strides that fix it."""

    up: np.ndarray
    lat: np.ndarray
    share: float
    spread: float
    pick: np.ndarray  # rows of the segmentation that fix the sign (its first strides)
    take: np.ndarray  # their samples, with a margin, one stride after the other
    starts: np.ndarray  # their mid-stances within ``take``
    stops: np.ndarray
    acc: np.ndarray  # acc_mps2[take], sensor axes
    gyr: np.ndarray
    straight: np.ndarray | None = None  # which of ``pick`` are not turning strides
    swing_lat: np.ndarray | None = None  # the swing's axis, when lat is the push-off's
    heading_spread_deg: float = float("nan")
    standing_s: float = 0.0
    heel_raises: int = 0
    mount_ok: bool | None = None  # None: no mounting given
    data_lat: np.ndarray | None = None  # the data's lateral axis, when lat is the mounting's

    @property
    def fwd(self) -> np.ndarray:
        return np.cross(self.lat, self.up)

    @property
    def R(self) -> np.ndarray:
        """Rotation to the foot frame with the forward axis not yet signed."""
        return np.vstack([self.fwd, self.lat, self.up])

    def signed(self, vx: np.ndarray) -> tuple[Alignment, bool]:
        """The alignment whose forward axis points where the sign strides
        travel (``vx``: their mean forward velocity in the unsigned frame),
        and whether that turned the frame by 180 degrees about z."""
        forward = float(np.median(vx))
        R = self.R
        turned = forward < 0
        if turned:
            R = np.vstack([-self.fwd, -self.lat, self.up])
            forward = -forward
        mount_ok = self.mount_ok
        if mount_ok and turned:
            mount_ok = False  # the foot travels towards what the mounting calls the heel
        al = Alignment(
            R=R,
            sagittal_share=self.share,
            forward_mps=forward,
            up_spread_deg=self.spread,
            heading_spread_deg=self.heading_spread_deg,
            swing_heading_deg=self._swing_heading_deg(),
            standing_s=self.standing_s,
            heel_raises=self.heel_raises,
            mount_ok=mount_ok,
            mount_offset_deg=self._angle_to(self.data_lat),
        )
        return al, turned

    def _angle_to(self, other: np.ndarray | None) -> float:
        """Angle about up from the lateral axis to ``other`` (deg, counter-
        clockwise seen from above, within +-90: axes, not directions); NaN
        for None."""
        if other is None:
            return float("nan")
        a = float(np.degrees(np.arctan2(np.cross(self.lat, other) @ self.up, self.lat @ other)))
        return (a + 90.0) % 180.0 - 90.0

    def _swing_heading_deg(self) -> float:
        """Angle about up from the lateral axis to the swing's axis, deg
        (positive counter-clockwise seen from above); NaN when they are the
        same axis."""
        if self.swing_lat is None:
            return float("nan")
        c = float(self.lat @ self.swing_lat)
        s_ = float(np.cross(self.lat, self.swing_lat) @ self.up)
        return float(np.degrees(np.arctan2(s_, c)))


def _shank_signed(axes: _Axes, fs_hz: float) -> tuple[Alignment, bool]:
    """A shank's alignment: the forward axis signed so that the swing's
    fastest rotation is negative about the lateral axis (the shank swinging
    forward, about -450 deg/s on the Fukuchi run, is faster than it turns the
    other way in the early swing, about +300; footfall.gait.shank), and the
    tibia's direction. A shank is never at rest, so the foot's rule, the
    direction of travel integrated from one rest to the next, does not hold.

    The tibia is perpendicular to the lateral axis (the swing's axis of
    rotation, :func:`_fit_axes`, close to the knee's flexion axis; Seel et
    al. 2014 find that axis from a shank's rotation in the same spirit), so a
    strap rolled on the shin or turned about it does not move the angle; its
    direction in the plane perpendicular to that axis is the sensor axis
    closest to the mean specific force (a pod strapped with one edge along
    the shin), made perpendicular to it. A strap pitched about the knee's
    axis is not seen from running alone (docs/metrics.md); quiet standing
    before the run, when there is some, measures it
    (:func:`footfall.gait.shank.with_standing_tibia`, called by the analysis
    and the live detector alike).
    """
    from footfall.gait.shank import tibia_in_plane

    w = smooth(axes.gyr @ axes.lat, fs_hz, 0.1)
    al, turned = axes.signed(np.array([-(w.min() + w.max())]))
    m = np.nanmean(axes.acc, axis=0)
    k = int(np.argmax(np.abs(m)))
    edge = np.zeros(3)
    edge[k] = np.sign(m[k])
    tibia = tibia_in_plane(al.R @ edge, np.array([0.0, 1.0, 0.0]), 0.0)
    return replace(al, forward_mps=float("nan"), tibia=tibia), turned


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """The same numbers (missing values in the same places)."""
    return bool(
        np.array_equal(a, b) or (np.isnan(a).any() and np.array_equal(a, b, equal_nan=True))
    )


def _mean_forward_mps(
    traj: StrideTrajectories, fs_hz: float, rows: np.ndarray | None = None
) -> np.ndarray:
    """Mean forward velocity of strides ``rows`` (all by default) over their
    samples: the forward displacement over the stride's samples times the
    sample interval. The drift-corrected velocity is zero at both ends of a
    stride, so the trapezoid integral that gives the displacement is the
    interval times the plain sum of the velocities, and no velocity array
    is needed."""
    if rows is None:
        rows = np.arange(len(traj))
    n = traj.stop[rows] - traj.start[rows] + 1
    return traj.displacement_m()[rows, 0] * fs_hz / n


def _fit_axes(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    seg: Segmentation,
    strides: int = ALIGN_STRIDES,
) -> _Axes:
    """Up (gravity at the mid-stances) and lateral (the swings' rotation
    axis) directions in sensor axes from the first ``strides`` strides of
    ``seg``: steps 1 and 2 of the module's procedure."""
    if len(seg) == 0:
        raise ValueError("alignment needs at least one stride")
    # gravity at each alignment stride's starting mid-stance, in sensor axes:
    # the mean specific force over the stride brought into the start frame by
    # the gyroscope (see integrate_strides); a few samples around mid-stance
    # would do when walking, but a running foot is never still long enough
    # a leading partial stride starts with the foot in the air, not at rest:
    # the first whole strides (all strides if there are no whole ones)
    whole = (
        np.arange(len(seg))
        if seg.partial is None
        else np.flatnonzero(~np.asarray(seg.partial, dtype=bool))
    )
    if len(whole) == 0:
        whole = np.arange(len(seg))
    pick = whole[: max(1, int(strides))]
    lo = np.maximum(seg.ms_before[pick] - 3, 0)
    hi = np.minimum(seg.ms_after[pick] + 3, len(acc_mps2) - 1)
    take = np.concatenate([np.arange(a, b + 1) for a, b in zip(lo, hi, strict=True)])
    offset = np.cumsum(np.concatenate([[0], (hi - lo + 1)[:-1]])) - lo
    starts, stops = seg.ms_before[pick] + offset, seg.ms_after[pick] + offset
    acc_take, gyr_take = acc_mps2[take], gyr_rps[take]
    g = start_gravity(acc_take, gyr_take, fs_hz, starts, stops)
    g_dirs = g / np.linalg.norm(g, axis=1, keepdims=True)
    up = _robust_mean_direction(g_dirs)
    spread = float(np.degrees(np.median(np.arccos(np.clip(g_dirs @ up, -1, 1)))))

    # swing samples: the central part of each swing, where the foot rotates
    # about its lateral axis; rotation about the vertical (turning) is
    # projected out before the principal axis is taken. The segmentation's
    # swing peak (of the rate's norm) gives a first axis; it can sit on the
    # push-off, where a foot that inverts fast as it leaves the ground adds
    # roll to pitch, so the axis is taken again around each stride's
    # mid-swing found with the first axis (_mid_swings)
    lat0 = _swing_axis(_windows(gyr_rps, seg.swing_peak[pick], fs_hz).reshape(-1, 3), up)
    w3 = _windows(gyr_rps, _mid_swings(gyr_rps, lat0, seg, pick, fs_hz), fs_hz)
    w = w3.reshape(-1, 3)
    lat = _swing_axis(w, up, lat0)
    share = float((w @ lat) @ (w @ lat) / max(float(np.sum(w * w)), 1e-12))
    # a turning stride's swing is not about the lateral axis: drop the
    # strides whose swing has less than half its energy about it and take
    # the axis of the others
    own = (w3 @ lat) ** 2
    own_share = own.sum(axis=1) / np.maximum((w3 * w3).sum(axis=(1, 2)), 1e-12)
    keep = own_share >= TURN_SHARE
    if 2 * keep.sum() >= len(keep) and not keep.all():
        lat = _swing_axis(w3[keep].reshape(-1, 3), up, lat)
    else:
        keep = np.ones(len(keep), dtype=bool)
    return _Axes(
        up=up,
        lat=lat,
        share=share,
        spread=spread,
        pick=pick,
        take=take,
        starts=starts,
        stops=stops,
        acc=acc_take,
        gyr=gyr_take,
        straight=keep,
    )


MAX_TOE_OUT_DEG = 30.0
"""A push-off axis further than this from the swing's axis (deg) is not taken
(:func:`_pushoff_heading`): runners' feet point within about 25 deg of where
they travel (foot progression angle), so a larger angle means the push-off
carries a large roll (a foot rolling back out onto its lateral edge as the
heel rises turns the axis towards the foot's long axis), and the swing's axis
is the better estimate."""


def _with_mount(axes: _Axes, toes: np.ndarray | None) -> _Axes:
    """``axes`` with the foot's long axis from the mounting (the sensor axis
    ``toes`` levelled, i.e. made perpendicular to up), when one is given; the
    push-off's axis is kept as ``data_lat`` for the report of how far the
    two are apart."""
    if toes is None:
        return axes
    fwd = np.asarray(toes, dtype=float) - (np.asarray(toes, dtype=float) @ axes.up) * axes.up
    norm = float(np.linalg.norm(fwd))
    if norm < 0.5:  # the toes axis is nearly vertical: the mounting cannot be right
        return replace(axes, mount_ok=False)
    fwd /= norm
    lat = np.cross(axes.up, fwd)
    return replace(axes, lat=lat, data_lat=axes.lat, mount_ok=True)


STANDING_MIN_S = 0.5
"""Quiet standing shorter than this (s) is not used as the zero pose."""

STANDING_SEARCH_S = 8.0
"""Quiet standing is looked for within this long (s) before the first
alignment stride (the calibration a runner records by standing still for a
few seconds before starting). Shorter than the data the live detector keeps
before the first swing (footfall.stream.detector: ``FINAL_NO_NEXT_S +
HISTORY_S``, about 11 s), so live and offline see the same standing."""

STANDING_RATE_RPS = 0.1
"""Standing: the angular rate's norm, averaged over 0.2 s, stays below this
(rad/s; a sensor's gyroscope noise is a few hundredths)."""

STANDING_ACC_TOL_MPS2 = 0.4
"""Standing: the specific force's size, averaged over 0.2 s, stays within this
of gravity (m/s^2)."""


def quiet_standing(
    acc_mps2: np.ndarray, gyr_rps: np.ndarray, fs_hz: float, end: int
) -> tuple[int, int] | None:
    """The longest stretch of quiet standing within :data:`STANDING_SEARCH_S`
    before sample ``end`` (the first stride's mid-stance), as ``(start, stop)``
    sample indices (stop exclusive), or None when there is none of at least
    :data:`STANDING_MIN_S`. The foot (or shank) is still: the angular rate and
    the specific force's departure from gravity, both averaged over 0.2 s,
    stay under :data:`STANDING_RATE_RPS` and :data:`STANDING_ACC_TOL_MPS2`.
    """
    lo = max(0, int(end) - int(round(STANDING_SEARCH_S * fs_hz)))
    if end - lo < STANDING_MIN_S * fs_hz:
        return None
    g = np.linalg.norm(gyr_rps[lo:end], axis=1)
    a = np.abs(np.linalg.norm(acc_mps2[lo:end], axis=1) - G_MPS2)
    still = (
        (smooth(g, fs_hz, 0.2) < STANDING_RATE_RPS)
        & (smooth(a, fs_hz, 0.2) < STANDING_ACC_TOL_MPS2)
        & np.isfinite(g)
        & np.isfinite(a)
    )
    if not still.any():
        return None
    edges = np.diff(np.r_[0, still.astype(np.int8), 0])
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    k = int(np.argmax(stops - starts))
    if stops[k] - starts[k] < STANDING_MIN_S * fs_hz:
        return None
    return lo + int(starts[k]), lo + int(stops[k])


def standing_gravity(
    acc_mps2: np.ndarray, gyr_rps: np.ndarray, fs_hz: float, seg: Segmentation
) -> tuple[np.ndarray, float] | None:
    """The mean specific force (sensor axes, m/s^2) of the quiet standing
    before ``seg``'s first whole stride (:func:`quiet_standing`) and how long
    it lasted (s); None when there is none. A foot's up axis and a shank's
    tibia come from it."""
    if len(seg) == 0:
        return None
    whole = (
        np.arange(len(seg))
        if seg.partial is None
        else np.flatnonzero(~np.asarray(seg.partial, dtype=bool))
    )
    first = int(whole[0]) if len(whole) else 0
    span = quiet_standing(acc_mps2, gyr_rps, fs_hz, int(seg.ms_before[first]) + 1)
    if span is None:
        return None
    m = np.nanmean(np.asarray(acc_mps2[span[0] : span[1]], dtype=float), axis=0)
    return m, (span[1] - span[0]) / fs_hz


def _with_standing(
    axes: _Axes, acc_mps2: np.ndarray, gyr_rps: np.ndarray, fs_hz: float, seg: Segmentation
) -> _Axes:
    """``axes`` with up taken from quiet standing before the first alignment
    stride, when there is some (:func:`standing_gravity`): the sole's normal at
    the pose every angle is relative to, where the mid-stance of running is
    only close to it. The lateral axis is made perpendicular to it."""
    found = standing_gravity(acc_mps2, gyr_rps, fs_hz, seg)
    if found is None:
        return axes
    m, seconds = found
    up = m / np.linalg.norm(m)
    lat = axes.lat - (axes.lat @ up) * up
    lat /= np.linalg.norm(lat)
    return replace(axes, up=up, lat=lat, standing_s=seconds)


HEEL_RAISE_RATE_RPS = 0.3
"""A heel raise moves: the angular rate's norm, averaged over 0.05 s, above
this (rad/s)."""

CALIBRATION_SEARCH_S = 10.0
"""Heel raises are looked for within this long (s) before the first
alignment stride: a few seconds of standing and three raises with a hold at
the top. Shorter than the data the live detector keeps before the first
swing (about 11 s, :data:`STANDING_SEARCH_S`), so live and offline see the
same raises."""

HEEL_RAISE_HALF_S = (0.15, 2.0)
"""Shortest and longest rise (or lowering), s."""

HEEL_RAISE_TOP_S = 2.0
"""Longest hold at the top: a lowering must start within this of the end of
its rise, s."""

HEEL_RAISE_DEG = (8.0, 60.0)
"""Smallest and largest heel lift of a raise, deg."""

HEEL_RAISE_ACC_TOL_MPS2 = 2.0
"""A heel raise moves the sensor little: the specific force's size, averaged
over 0.2 s, stays within this of gravity (m/s^2); a step's swing does not."""

HEEL_RAISE_SHARE = 0.9
"""Share of a rise's (or lowering's) angular-rate energy about its own main
axis: a raise turns about one axis."""

HEEL_RAISES_MIN = 2
"""At least this many raises, within :data:`HEEL_RAISE_AGREE_DEG` of each
other, before the run give the lateral axis."""

HEEL_RAISE_AGREE_DEG = 10.0
"""A rise and its lowering turn about axes within this of each other, and a
raise further than this from the axis of all of them (about the vertical)
does not count, deg."""


def _raise_halves(
    g: np.ndarray, quiet: np.ndarray, fs_hz: float, up: np.ndarray, near: np.ndarray
) -> list[tuple[int, int, np.ndarray, float]]:
    """Rotations one way about one horizontal axis with the sensor quiet:
    ``(start, stop, axis, angle_deg)``, the axis signed like ``near`` and the
    angle about it. A stretch of motion is split where the rate about its
    main axis changes sign (a quick raise's rise and lowering run into one
    stretch of motion)."""
    moving = smooth(np.linalg.norm(g, axis=1), fs_hz, 0.05) > HEEL_RAISE_RATE_RPS
    edges = np.diff(np.r_[0, moving.astype(np.int8), 0])
    shortest = HEEL_RAISE_HALF_S[0] * fs_hz
    out = []
    for m0, m1 in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        w = g[m0:m1]
        if m1 - m0 < shortest or not np.isfinite(w).all():
            continue
        main = np.linalg.eigh(w.T @ w)[1][:, -1]
        sign = np.sign(w @ main)
        cuts = np.flatnonzero(sign[1:] != sign[:-1]) + 1
        for s0, s1 in zip(np.r_[0, cuts], np.r_[cuts, len(w)], strict=True):
            if not (shortest <= s1 - s0 <= HEEL_RAISE_HALF_S[1] * fs_hz):
                continue
            part = w[s0:s1]
            if not quiet[m0 + s0 : m0 + s1].all():
                continue
            evals, evecs = np.linalg.eigh(part.T @ part)
            axis = evecs[:, -1] * (1.0 if evecs[:, -1] @ near >= 0 else -1.0)
            if evals[-1] < HEEL_RAISE_SHARE * evals.sum() or abs(axis @ up) > 0.5:
                continue
            out.append(
                (int(m0 + s0), int(m0 + s1), axis, float(np.degrees(np.sum(part @ axis) / fs_hz)))
            )
    return out


def heel_raise_axis(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    end: int,
    up: np.ndarray,
    near: np.ndarray,
) -> tuple[np.ndarray, int, float] | None:
    """The foot's lateral axis (sensor axes, perpendicular to ``up``, the sign
    of ``near``) from heel raises within :data:`CALIBRATION_SEARCH_S` before
    sample ``end``, how many raises gave it, and the spread of their single
    axes about it (deg, median absolute); None with fewer than
    :data:`HEEL_RAISES_MIN`.

    A heel raise while standing turns the shoe about the ground under the
    metatarsal heads, as the push-off does (:func:`_pushoff_heading`), with
    nothing else moving: a rise about one horizontal axis, then, after a
    hold at the top, a lowering about the same axis by the same angle the
    other way, the sensor hardly accelerating in either. A step's swing
    accelerates the sensor and turns the foot both ways in one stretch, so
    it is not taken for one.
    """
    lo = max(0, int(end) - int(round(CALIBRATION_SEARCH_S * fs_hz)))
    if end - lo < 2 * HEEL_RAISE_HALF_S[0] * fs_hz:
        return None
    g = np.asarray(gyr_rps[lo:end], dtype=float)
    a = np.abs(np.linalg.norm(acc_mps2[lo:end], axis=1) - G_MPS2)
    quiet = smooth(a, fs_hz, 0.2) < HEEL_RAISE_ACC_TOL_MPS2
    halves = _raise_halves(g, quiet, fs_hz, up, near)
    kept: list[np.ndarray] = []
    i = 0
    while i + 1 < len(halves):
        (a0, a1, ax_a, up_a), (b0, b1, ax_b, down_b) = halves[i], halves[i + 1]
        lift = max(abs(up_a), abs(down_b))
        if (
            b0 - a1 <= HEEL_RAISE_TOP_S * fs_hz
            and up_a * down_b < 0
            and abs(up_a + down_b) <= 0.3 * lift
            and HEEL_RAISE_DEG[0] <= lift <= HEEL_RAISE_DEG[1]
            and np.degrees(np.arccos(np.clip(ax_a @ ax_b, -1.0, 1.0))) <= HEEL_RAISE_AGREE_DEG
        ):
            kept.append(np.vstack([g[a0:a1], g[b0:b1]]))
            i += 2
        else:
            i += 1
    if len(kept) < HEEL_RAISES_MIN:
        return None
    lat = _swing_axis(np.vstack(kept), up, near)
    off = np.array(
        [
            np.degrees(np.arctan2(np.cross(lat, li) @ up, lat @ li))
            for li in (_swing_axis(w, up, lat) for w in kept)
        ]
    )
    agree = np.abs(off) <= HEEL_RAISE_AGREE_DEG
    if agree.sum() < HEEL_RAISES_MIN:
        return None
    if not agree.all():
        kept = [w for w, ok in zip(kept, agree, strict=True) if ok]
        lat = _swing_axis(np.vstack(kept), up, near)
        off = off[agree]
    return lat, len(kept), float(np.median(np.abs(off)))


def _foot_lateral(
    axes: _Axes, acc_mps2: np.ndarray, gyr_rps: np.ndarray, fs_hz: float, seg: Segmentation
) -> _Axes:
    """The foot's lateral axis: from heel raises before the run when there
    are some (:func:`heel_raise_axis`), otherwise from the push-off
    (:func:`_pushoff_heading`)."""
    whole = (
        np.arange(len(seg))
        if seg.partial is None
        else np.flatnonzero(~np.asarray(seg.partial, dtype=bool))
    )
    first = int(whole[0]) if len(whole) else 0
    found = heel_raise_axis(
        acc_mps2, gyr_rps, fs_hz, int(seg.ms_before[first]) + 1, axes.up, axes.lat
    )
    if found is None:
        return _pushoff_heading(axes, gyr_rps, fs_hz, seg)
    lat, n, spread = found
    return replace(axes, lat=lat, swing_lat=axes.lat, heading_spread_deg=spread, heel_raises=n)


PUSHOFF_SMOOTH_S = 0.02
"""The push-off's pitch rate is averaged over this window (s) before its peak
is sought (:func:`_pushoff_heading`)."""


def _pushoff_heading(axes: _Axes, gyr_rps: np.ndarray, fs_hz: float, seg: Segmentation) -> _Axes:
    """The foot's lateral axis from the heel rise, not the swing.

    From each alignment stride's first mid-stance up to the peak of the
    push-off's toes-down rotation, the shoe turns about the ground under
    the metatarsal heads while the heel rises: a rotation about an axis in
    the foot, across its long axis, whatever the direction the leg swings
    in. The swing's axis, by contrast, is across the direction of travel,
    which a foot turned out (or in) does not point along: on the Fukuchi
    runs (virtual foot IMUs from motion capture) the swing's axis was 9-21
    deg from the foot's lateral axis, the push-off's 3-5 deg
    (docs/coordinate-frames.md). The axis is the principal axis of the
    angular rates in those windows with rotation about the vertical
    projected out; the swing's axis (``axes.lat``) gives the push-off's
    direction and the sign. Turning strides (:data:`TURN_SHARE`) are left
    out, as for the swing's axis. Too few push-off samples, or an axis more
    than :data:`MAX_TOE_OUT_DEG` from the swing's, keep the swing's axis.
    """
    pick = axes.pick if axes.straight is None else axes.pick[axes.straight]
    p = smooth(gyr_rps @ axes.lat, fs_hz, PUSHOFF_SMOOTH_S)
    a, b = seg.ms_before[pick], seg.swing_peak[pick]
    ok = b > a + 1
    if seg.partial is not None:
        ok &= ~np.asarray(seg.partial, dtype=bool)[pick]
    if ok.sum() == 0:
        return axes
    a, b = a[ok], b[ok]
    width = int(np.max(b - a))
    idx = a[:, None] + np.arange(width)[None, :]
    inside = idx < b[:, None]
    pw = np.where(inside, p[np.minimum(idx, len(p) - 1)], 0.0)
    # the push-off turns the toes down, the other way from the swing's
    # fastest rotation (_mid_swings): the sign whose extreme is largest before
    # the swing peak, voted over the strides
    ext = pw[np.arange(len(a)), np.argmax(np.abs(pw), axis=1)]
    push = 1.0 if np.sum(np.sign(ext)) >= 0 else -1.0
    k = np.argmax(np.where(inside, push * pw, -np.inf), axis=1)
    win = np.arange(width)[None, :] <= k[:, None]
    if win.sum() < 3 * len(a):
        return axes
    w = gyr_rps[np.minimum(idx, len(gyr_rps) - 1)]
    lat = _swing_axis(w[win], axes.up, axes.lat)
    if np.degrees(np.arccos(np.clip(lat @ axes.lat, -1.0, 1.0))) > MAX_TOE_OUT_DEG:
        return axes
    # each stride's own axis, for the spread
    per = []
    for r in range(len(a)):
        if win[r].sum() >= 3:
            li = _swing_axis(w[r][win[r]], axes.up, lat)
            per.append(np.degrees(np.arctan2(np.cross(lat, li) @ axes.up, lat @ li)))
    spread = float(np.median(np.abs(per))) if per else float("nan")
    return replace(axes, lat=lat, swing_lat=axes.lat, heading_spread_deg=spread)


SWING_HALF_S = 0.08
"""Half-width of the window around each mid-swing whose angular rates set the
lateral axis (s)."""


def _windows(gyr_rps: np.ndarray, centres: np.ndarray, fs_hz: float) -> np.ndarray:
    """(strides, 2 * half + 1, 3) angular rates within :data:`SWING_HALF_S` of
    each centre sample; zero outside the data."""
    half = max(1, int(SWING_HALF_S * fs_hz))
    idx = np.asarray(centres)[:, None] + np.arange(-half, half + 1)[None, :]
    inside = (idx >= 0) & (idx < len(gyr_rps))
    return np.where(inside[..., None], gyr_rps[np.clip(idx, 0, len(gyr_rps) - 1)], 0.0)


def _mid_swings(
    gyr_rps: np.ndarray, lat: np.ndarray, seg: Segmentation, pick: np.ndarray, fs_hz: float
) -> np.ndarray:
    """Sample of each picked stride's mid-swing: its fastest rotation (rate
    about ``lat`` averaged over 0.1 s) against the push-off's direction.

    From a mid-stance the foot first pitches toes down to toe-off, its largest
    excursion from the flat foot in the stride (on the gaitmap example walk
    about 65 deg at toe-off against 30 deg at landing), then toes up through
    the swing: the sign of the largest excursion of the rate's integral,
    voted over the strides, is the push-off's, and the mid-swing is the
    fastest rotation the other way. A shank does the same (back at toe-off,
    forward in swing).
    """
    a, b = seg.ms_before[pick], seg.ms_after[pick]
    width = int(np.max(b - a)) + 1
    idx = a[:, None] + np.arange(width)[None, :]
    inside = idx <= b[:, None]
    p = np.where(inside, gyr_rps[np.minimum(idx, len(gyr_rps) - 1)] @ lat, 0.0)
    angle = np.cumsum(p, axis=1)
    rows = np.arange(len(a))
    ext = angle[rows, np.argmax(np.abs(angle), axis=1)]
    push = 1.0 if np.sum(np.sign(ext)) >= 0 else -1.0
    rate = np.where(inside, -push * smooth(p.T, fs_hz, 0.1).T, -np.inf)
    return a + np.argmax(rate, axis=1)


def _swing_axis(w: np.ndarray, up: np.ndarray, near: np.ndarray | None = None) -> np.ndarray:
    """Principal axis of the angular rates ``w`` with rotation about ``up``
    projected out, orthogonal to ``up``; the sign of ``near`` when given."""
    w_h = w - np.outer(w @ up, up)
    evals, evecs = np.linalg.eigh(w_h.T @ w_h)
    lat = evecs[:, -1]
    lat = lat - (lat @ up) * up
    lat /= np.linalg.norm(lat)
    if near is not None and lat @ near < 0:
        lat = -lat
    return lat


def _robust_mean_direction(dirs: np.ndarray) -> np.ndarray:
    """Mean of unit vectors after dropping the 20 % farthest from the median."""
    m = np.median(dirs, axis=0)
    m /= np.linalg.norm(m)
    ang = dirs @ m
    keep = ang >= np.quantile(ang, 0.2) if len(ang) >= 5 else np.ones(len(ang), bool)
    v = dirs[keep].mean(axis=0)
    return v / np.linalg.norm(v)
