"""Rearfoot eversion: the foot's roll relative to the shank, from a foot IMU
and a shank IMU on the same leg.

A foot IMU alone measures the shoe's roll relative to the ground (the
``pronation_*`` columns, docs/metrics.md). Rearfoot eversion is a joint
angle, the foot relative to the shank in the frontal plane, so it needs both
segments' orientations in one frame. Each IMU knows its own tilt from gravity
but not its heading, and the two headings cannot be tied by gravity. They are
tied here by the ankle itself: both sensors ride on segments joined at the
ankle, so the acceleration of the ankle's centre, computed from either
sensor, is the same vector seen from two frames.

Method (docs/metrics.md, "Rearfoot eversion"):

1. **Where the ankle is** (:func:`joint_offsets`): the ankle centre's
   acceleration from a sensor is ``a - (w' x r + w x (w x r))``, with ``r``
   the sensor's position relative to the joint in the sensor's frame. Its size
   does not depend on the frame, so ``r_foot`` and ``r_shank`` are the pair
   that makes the two sizes agree over the recording (robust least squares;
   Seel, Raisch & Schauer 2012, "IMU-based joint angle measurement for gait
   analysis", Sensors 14:6891-6909, 2014).
2. **The two frames at mid-stance** (:func:`rearfoot_eversion`): around each
   stance, from :data:`PRE_S` before contact to :data:`POST_S` after toe-off,
   each sensor's rotation from its own mid-stance pose is integrated from its
   gyroscope (under half a second: little drift), the ankle accelerations are
   brought into the mid-stance frames, and the rotation between the two
   mid-stance frames is the one that best maps one set of vectors onto the
   other (Kabsch's solution of Wahba's problem). Gravity ties the tilts; the
   push-off and swing accelerations, which point forwards and sideways, tie
   the headings.
3. **The angle**: the foot's orientation in the shank's frame through the
   stance, relative to a neutral pose (foot level, shank upright, the foot's
   heading in the shank's frame the median over the run's mid-stances),
   split flexion first (about the lateral axis), then eversion (about the
   long axis), then rotation: a Cardan sequence close to the ankle's joint
   coordinate system (Wu et al. 2002). Positive = eversion on either foot.
4. **The metrics**: ``rearfoot_eversion_deg``, the rise of eversion from
   initial contact to its peak before toe-off; ``rearfoot_eversion_velocity_dps``,
   the fastest rise of eversion from contact to that peak.

The shank's frame is its anatomical one from the shank alignment: the tibia
(towards the knee) and the knee's flexion axis from the swing
(:mod:`footfall.gait.shank`). The joint-centre fit also says how well the two
sensors behave as two segments joined at one point: :func:`joint_offsets`
returns the residual, and when it is large (sensors not on the same leg, one
loose, or not on one clock) the columns stay blank and a note says why.

References
----------
Seel T, Raisch J, Schauer T (2014). IMU-based joint angle measurement for
gait analysis. Sensors 14(4):6891-6909.
Wu G, Siegler S, Allard P, et al. (2002). ISB recommendation on definitions
of joint coordinate system of various joints for the reporting of human
joint motion - part I: ankle, hip, and spine. J Biomech 35(4):543-548.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from footfall.gait import quaternion as quat

__all__ = [
    "FIT_RESIDUAL_MAX_MPS2",
    "POST_S",
    "PRE_S",
    "EVERSION_COLUMNS",
    "EversionResult",
    "eversion_for_leg",
    "angular_acceleration",
    "joint_acceleration",
    "joint_offsets",
    "rearfoot_eversion",
    "shank_anatomical",
    "shank_clock",
]

PRE_S = 0.05
"""Each stance's window opens this long before the detected contact (s)."""

POST_S = 0.15
"""... and closes this long after toe-off (s): the push-off and early swing,
whose forward and sideways accelerations fix the two sensors' relative
heading."""

RATE_CUTOFF_HZ = 15.0
"""Low-pass cutoff for the angular rates whose derivative (angular
acceleration) enters the ankle's acceleration, Hz."""

FIT_RESIDUAL_MAX_MPS2 = 3.0
"""Largest median disagreement (m/s^2) between the sizes of the ankle's
acceleration seen from the two sensors for the eversion to be reported. On
the two Fukuchi runners the fit leaves 0.9-1.4 m/s^2, on the simulator's
field profile (impact ringing, noise, clock drift) 1.0-1.1; a foot sensor
paired with the other leg's shank sensor leaves 4.6-10.2."""

OFFSET_MAX_M = 0.5
"""Largest distance from a sensor to the ankle found by the fit for it to be
believed, m (a shank sensor sits within a shank's length of the ankle)."""

FIT_SAMPLES = 4000
"""At most this many samples, evenly spread over the recording, enter the
joint-centre fit (it has six unknowns; more samples only cost time)."""


@dataclass
class EversionResult:
    """Rearfoot eversion of each stance, with what the fit found.

    Attributes
    ----------
    excursion_deg, velocity_dps
        (m,) rise of eversion from initial contact to its peak, deg, and its
        fastest rate on the way, deg/s; NaN where not measured.
    heading_deg
        (m,) heading of the foot's long axis in the shank's frame at each
        mid-stance, deg (counter-clockwise seen from above): how far the
        shank is turned against the foot.
    r_foot_m, r_shank_m
        (3,) each sensor's position relative to the ankle's centre, in the
        foot and shank frames, m.
    fit_residual_mps2
        Median absolute disagreement of the ankle's acceleration sizes after
        the fit (the median, so that impacts, which each sensor feels through
        its own soft tissue and strap, do not count).
    clock_offset_s, clock_drift, clock_windows
        The shank's clock against the foot's (:func:`shank_clock`): offset
        at the foot's first sample (s), drift (s per s) and how many windows
        measured it (0: the two share one clock, or it was not measured).
    """

    excursion_deg: np.ndarray
    velocity_dps: np.ndarray
    heading_deg: np.ndarray
    r_foot_m: np.ndarray
    r_shank_m: np.ndarray
    fit_residual_mps2: float
    clock_offset_s: float = 0.0
    clock_drift: float = 0.0
    clock_windows: int = 0

    @property
    def ok(self) -> bool:
        """Whether the fit behaves like two segments joined at the ankle."""
        return bool(
            np.isfinite(self.fit_residual_mps2)
            and self.fit_residual_mps2 <= FIT_RESIDUAL_MAX_MPS2
            and np.linalg.norm(self.r_foot_m) <= OFFSET_MAX_M
            and np.linalg.norm(self.r_shank_m) <= OFFSET_MAX_M
        )


def shank_anatomical(tibia: np.ndarray) -> np.ndarray:
    """(3, 3) rotation from the aligned shank frame to the shank's anatomical
    frame: rows x (forward), y (the knee's flexion axis, the aligned frame's
    y made perpendicular to the tibia), z (the tibia, towards the knee)."""
    z = np.asarray(tibia, dtype=float)
    z = z / np.linalg.norm(z)
    y = np.array([0.0, 1.0, 0.0]) - z[1] * z
    y = y / np.linalg.norm(y)
    return np.stack([np.cross(y, z), y, z])


def _skew(w: np.ndarray) -> np.ndarray:
    z = np.zeros(len(w))
    return np.stack(
        [
            np.stack([z, -w[:, 2], w[:, 1]], -1),
            np.stack([w[:, 2], z, -w[:, 0]], -1),
            np.stack([-w[:, 1], w[:, 0], z], -1),
        ],
        1,
    )


def angular_acceleration(gyr: np.ndarray, fs_hz: float) -> np.ndarray:
    """(n, 3) derivative of the angular rate (rad/s^2), after a zero-phase
    low-pass at :data:`RATE_CUTOFF_HZ`; NaN taken as 0."""
    from scipy.signal import butter, sosfiltfilt

    cut = min(RATE_CUTOFF_HZ, 0.4 * fs_hz)
    sos = butter(2, cut / (fs_hz / 2.0), output="sos")
    g = np.nan_to_num(gyr)
    if len(g) > 15:
        g = sosfiltfilt(sos, g, axis=0)
    return np.gradient(g, 1.0 / fs_hz, axis=0) if len(g) > 1 else np.zeros_like(g)


def joint_acceleration(
    acc: np.ndarray, gyr: np.ndarray, fs_hz: float, r: np.ndarray, gyr_dot: np.ndarray | None = None
) -> np.ndarray:
    """(n, 3) specific force at the joint centre, in the sensor's frame, from
    the sensor's specific force ``acc`` and angular rate ``gyr`` (n, 3) and its
    position ``r`` (3,) relative to the joint."""
    wd = angular_acceleration(gyr, fs_hz) if gyr_dot is None else gyr_dot
    r = np.asarray(r, dtype=float)
    return acc - (np.cross(wd, r) + np.cross(gyr, np.cross(gyr, r)))


def _gamma(w: np.ndarray, wd: np.ndarray) -> np.ndarray:
    """(n, 3, 3) matrices ``G`` with ``G @ r = wd x r + w x (w x r)``."""
    g = w[:, :, None] * w[:, None, :]
    idx = np.arange(3)
    g[:, idx, idx] -= np.sum(w * w, axis=1)[:, None]
    return g + _skew(wd)


def joint_offsets(
    foot_acc: np.ndarray,
    foot_gyr: np.ndarray,
    shank_acc: np.ndarray,
    shank_gyr: np.ndarray,
    fs_hz: float,
    foot_gyr_dot: np.ndarray | None = None,
    shank_gyr_dot: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Each sensor's position relative to the ankle's centre (foot frame,
    shank frame; m) and the fit's median absolute residual (m/s^2).

    All four arrays are (n, 3) on one sample grid, the foot's in the foot
    frame and the shank's in the shank's anatomical frame
    (:func:`shank_anatomical`); NaN samples are skipped. The start values
    (a dorsal foot sensor a few centimetres in front of and below the ankle,
    a shank sensor 20 cm above it) only steer the solver towards the
    physical solution. ``*_gyr_dot``: the angular accelerations when the
    caller has them (:func:`angular_acceleration`).
    """
    from scipy.optimize import least_squares

    n = min(len(foot_acc), len(shank_acc))
    keep = np.flatnonzero(
        np.isfinite(foot_acc[:n]).all(1)
        & np.isfinite(foot_gyr[:n]).all(1)
        & np.isfinite(shank_acc[:n]).all(1)
        & np.isfinite(shank_gyr[:n]).all(1)
    )
    if len(keep) < 50:
        return np.full(3, np.nan), np.full(3, np.nan), float("nan")
    idx = keep[np.linspace(0, len(keep) - 1, min(FIT_SAMPLES, len(keep))).astype(int)]
    wdf = (angular_acceleration(foot_gyr[:n], fs_hz) if foot_gyr_dot is None else foot_gyr_dot)[idx]
    wds = (angular_acceleration(shank_gyr[:n], fs_hz) if shank_gyr_dot is None else shank_gyr_dot)[
        idx
    ]
    gf = _gamma(foot_gyr[idx], wdf)
    gs = _gamma(shank_gyr[idx], wds)
    af, as_ = foot_acc[idx], shank_acc[idx]

    def residual(p: np.ndarray) -> np.ndarray:
        return np.linalg.norm(af - gf @ p[:3], axis=1) - np.linalg.norm(as_ - gs @ p[3:], axis=1)

    fit = least_squares(
        residual, np.array([0.05, 0.0, -0.05, 0.0, 0.0, 0.2]), loss="soft_l1", f_scale=2.0
    )
    return fit.x[:3].copy(), fit.x[3:].copy(), float(np.median(np.abs(fit.fun)))


def _integrate(
    gyr: np.ndarray, k0: np.ndarray, lo: np.ndarray, hi: np.ndarray, dt: float
) -> np.ndarray:
    """(m, width, 4) rotation from the sensor frame at each sample ``lo ..
    hi`` of each row to its frame at sample ``k0`` (identity there), from the
    body-frame angular rate (midpoint rule, forwards and backwards)."""
    m = len(k0)
    width = int(np.max(hi - lo)) + 1
    one = np.array([1.0, 0.0, 0.0, 0.0])
    out = np.tile(one, (m, width, 1))
    rows = np.arange(m)
    n = len(gyr)
    for sign, last in ((1, hi), (-1, lo)):
        q = np.tile(one, (m, 1))
        for s in range(1, int(np.max(sign * (last - k0))) + 1):
            k = k0 + sign * s
            live = sign * (last - k) >= 0
            a, b = np.clip(k - sign, 0, n - 1), np.clip(k, 0, n - 1)
            step = quat.from_rotvec(0.5 * sign * (gyr[a] + gyr[b]) * dt)
            q = np.where(live[:, None], quat.multiply(q, step), q)
            out[rows[live], (k - lo)[live]] = q[live]
    return out


def _kabsch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(m, 3, 3) rotations ``M`` minimising ``sum |a - M b|^2`` over the second
    axis of (m, w, 3) ``a`` and ``b`` (rows of zeros do not count)."""
    h = np.einsum("mwi,mwj->mij", b, a)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.einsum("mji,mkj->mik", vt, u)))
    fix = np.ones((len(h), 3))
    fix[:, 2] = d
    return np.einsum("mji,mj,mkj->mik", vt, fix, u)


def _windows(lo: np.ndarray, hi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(m, width) mask of the samples ``lo .. hi`` of each row, and their
    indices (clipped to ``0 .. n - 1``), width the longest window."""
    k = lo[:, None] + np.arange(int(np.max(hi - lo)) + 1)[None, :]
    return k <= hi[:, None], np.clip(k, 0, n - 1)


def rearfoot_eversion(
    foot_acc: np.ndarray,
    foot_gyr: np.ndarray,
    shank_acc: np.ndarray,
    shank_gyr: np.ndarray,
    fs_hz: float,
    ic: np.ndarray,
    ms: np.ndarray,
    to: np.ndarray,
    left: bool,
    foot_gyr_dot: np.ndarray | None = None,
    shank_gyr_dot: np.ndarray | None = None,
) -> EversionResult:
    """Rearfoot eversion of each stance (module docstring).

    Parameters
    ----------
    foot_acc, foot_gyr
        (n, 3) foot IMU in the foot frame (m/s^2, rad/s).
    shank_acc, shank_gyr
        (n, 3) shank IMU of the same leg in the shank's anatomical frame
        (:func:`shank_anatomical`), on the same sample grid.
    fs_hz
        Sampling rate, Hz.
    ic, ms, to
        (m,) initial contact, mid-stance and toe-off of each stance, as
        fractional sample indices of that grid (NaN: not measured).
    left
        Whether this is the left leg (eversion turns the left foot's sole
        outwards about the forward axis, the right foot's the other way).
    foot_gyr_dot, shank_gyr_dot
        The two angular accelerations (:func:`angular_acceleration`) on the
        same grid, when the caller has them.
    """
    m = len(ic)
    exc = np.full(m, np.nan)
    vel = np.full(m, np.nan)
    head = np.full(m, np.nan)
    n = min(len(foot_acc), len(shank_acc))
    wd_f = angular_acceleration(foot_gyr[:n], fs_hz) if foot_gyr_dot is None else foot_gyr_dot[:n]
    wd_s = (
        angular_acceleration(shank_gyr[:n], fs_hz) if shank_gyr_dot is None else shank_gyr_dot[:n]
    )
    r_f, r_s, resid = joint_offsets(
        foot_acc[:n], foot_gyr[:n], shank_acc[:n], shank_gyr[:n], fs_hz, wd_f, wd_s
    )
    res = EversionResult(exc, vel, head, r_f, r_s, resid)
    if not res.ok or m == 0:
        return res
    a_f = joint_acceleration(foot_acc[:n], foot_gyr[:n], fs_hz, r_f, wd_f)
    a_s = joint_acceleration(shank_acc[:n], shank_gyr[:n], fs_hz, r_s, wd_s)
    pre, post = int(round(PRE_S * fs_hz)), int(round(POST_S * fs_hz))
    ok = np.isfinite(ic) & np.isfinite(ms) & np.isfinite(to)
    rows = np.flatnonzero(ok)
    k0 = np.rint(ms[rows]).astype(int)
    kic = np.floor(ic[rows]).astype(int)
    kto = np.rint(to[rows]).astype(int)
    lo, hi = kic - pre, kto + post
    inside = (lo >= 0) & (hi < n) & (lo < kic) & (kic <= k0) & (k0 <= kto)
    rows, k0, kic, kto, lo, hi = (v[inside] for v in (rows, k0, kic, kto, lo, hi))
    if len(rows) == 0:
        return res
    valid, kc = _windows(lo, hi, n)
    finite = (
        np.isfinite(a_f[kc]).all(-1)
        & np.isfinite(a_s[kc]).all(-1)
        & np.isfinite(foot_gyr[kc]).all(-1)
        & np.isfinite(shank_gyr[kc]).all(-1)
    )
    whole = (finite | ~valid).all(axis=1)
    rows, k0, kic, kto, lo, hi = (v[whole] for v in (rows, k0, kic, kto, lo, hi))
    frac = ic[rows] - kic
    if len(rows) == 0:
        return res
    valid, kc = _windows(lo, hi, n)
    width = valid.shape[1]
    dt = 1.0 / float(fs_hz)
    q_f = _integrate(np.nan_to_num(foot_gyr[:n]), k0, lo, hi, dt)
    q_s = _integrate(np.nan_to_num(shank_gyr[:n]), k0, lo, hi, dt)
    af0 = np.where(valid[..., None], quat.rotate(q_f, a_f[kc]), 0.0)
    as0 = np.where(valid[..., None], quat.rotate(q_s, a_s[kc]), 0.0)
    m_fs = _kabsch(af0, as0)  # shank frame at mid-stance -> foot frame at mid-stance
    # the foot in the shank's frame at each sample: R_s(t)^T M^T R_f(t)
    r_f_t = quat.to_matrix(q_f)
    r_s_t = quat.to_matrix(q_s)
    rel = np.einsum("mwji,mkj,mwkl->mwil", r_s_t, m_fs, r_f_t)
    j0 = k0 - lo
    idx = np.arange(len(rows))
    heading = np.degrees(np.arctan2(rel[idx, j0, 1, 0], rel[idx, j0, 0, 0]))
    psi = np.radians(np.median(heading))
    c, s = np.cos(psi), np.sin(psi)
    neutral = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    kmat = np.einsum("ji,mwjk->mwik", neutral, rel)
    # intrinsic Y-X-Z: K = Ry(a) Rx(b) Rz(c), so K[1, 2] = -sin(b)
    ever = np.degrees(np.arcsin(np.clip(-kmat[..., 1, 2], -1.0, 1.0)))
    ever = ever if left else -ever
    span = np.arange(width)[None, :]
    stance = (span >= (kic - lo)[:, None]) & (span <= (kto - lo)[:, None])
    masked = np.where(stance, ever, -np.inf)
    peak = np.argmax(masked, axis=1)
    start = kic - lo
    at_ic = ever[idx, start] + frac * (ever[idx, start + 1] - ever[idx, start])
    exc[rows] = ever[idx, peak] - at_ic
    rate = np.gradient(ever, dt, axis=1)
    upto = stance & (span <= peak[:, None])
    vel[rows] = np.max(np.where(upto, rate, -np.inf), axis=1)
    head[rows] = heading
    return res


EVERSION_COLUMNS = ("rearfoot_eversion_deg", "rearfoot_eversion_velocity_dps")
"""The steps-table columns this module adds to a foot's rows."""


def _on_grid(t_to: np.ndarray, t_from: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(n, 3) ``v`` sampled at ``t_from`` read at ``t_to`` (linear; NaN
    outside ``t_from``'s span, and across its gaps wider than two samples)."""
    if len(t_to) == len(t_from) and np.array_equal(t_to, t_from):
        return v
    out = np.column_stack(
        [np.interp(t_to, t_from, v[:, i], left=np.nan, right=np.nan) for i in range(3)]
    )
    if len(t_from) > 2:
        step = np.median(np.diff(t_from))
        j = np.clip(np.searchsorted(t_from, t_to), 1, len(t_from) - 1)
        out[(t_from[j] - t_from[j - 1]) > 2.5 * step] = np.nan
    return out


CLOCK_MAX_S = 0.15
"""Largest clock offset between a leg's foot and shank IMUs that
:func:`shank_clock` looks for, s. Well under half a stride (0.3 s even at
200 steps/min), so that it cannot line a leg up with the other leg's
sensor, whose motion repeats half a stride later; the footfall recorder
stamps every device on one host clock, so a leg's two sensors are
milliseconds apart (the simulator's field profile: up to 30 ms)."""

SAME_LEG_MATCH_S = 0.08
"""A shank contact within this of a foot contact (after the clock
correction) is the same contact."""

SAME_LEG_SHARE = 0.5
"""At least this share of the foot's contacts must have a shank contact
(:data:`SAME_LEG_MATCH_S`) for the two sensors to be taken as one leg's."""

CLOCK_WINDOW_S = 20.0
"""Length of the windows in which :func:`shank_clock` measures the offset
(a line through them follows a clock drift), s."""

CLOCK_PASSES = 2
"""Rounds of joint-centre fit and windowed offsets in :func:`shank_clock`
(the second starts from the first's clock)."""

CLOCK_MIN_R = 0.5
"""Windows whose best correlation of the two ankle accelerations is below
this do not enter the clock line."""


def _xcorr_lag(x: np.ndarray, y: np.ndarray, max_lag: int) -> tuple[float, float]:
    """Lag (samples, fractional) by which ``y`` must be read later to match
    ``x`` best (normalised cross-correlation, parabolic peak), and the
    correlation there."""
    x = np.nan_to_num(x - np.nanmean(x))
    y = np.nan_to_num(y - np.nanmean(y))
    n = len(x)
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    c = np.fft.irfft(np.fft.rfft(y, nfft) * np.conj(np.fft.rfft(x, nfft)), nfft)
    c = np.concatenate([c[-max_lag:], c[: max_lag + 1]])
    norm = np.sqrt(np.sum(x * x) * np.sum(y * y))
    if norm <= 0:
        return float("nan"), 0.0
    c = c / norm
    k = int(np.argmax(c))
    frac = 0.0
    if 0 < k < len(c) - 1:
        den = c[k - 1] - 2 * c[k] + c[k + 1]
        frac = 0.5 * (c[k - 1] - c[k + 1]) / den if den < 0 else 0.0
    return float(k - max_lag + frac), float(c[k])


def _norm_hp(v: np.ndarray, fs: float) -> np.ndarray:
    """Size of each vector less its 0.2 s moving average (the impacts and the
    stride's swings, not the slow level)."""
    from scipy.ndimage import uniform_filter1d

    x = np.linalg.norm(np.nan_to_num(v), axis=1)
    return x - uniform_filter1d(x, max(1, int(0.2 * fs)), mode="nearest")


def shank_clock(
    t_f: np.ndarray,
    acc_f: np.ndarray,
    gyr_f: np.ndarray,
    t_s: np.ndarray,
    acc_s: np.ndarray,
    gyr_s: np.ndarray,
    fs: float,
    wd_f: np.ndarray | None = None,
    wd_s: np.ndarray | None = None,
) -> tuple[float, float, int]:
    """The shank IMU's clock against the foot IMU's of the same leg: ``offset_s``
    and ``drift`` such that the shank sample taken at foot time ``t`` carries
    the time stamp ``t + offset_s + drift * (t - t_f[0])``; and the number of
    windows that measured it (0: not measured, offset 0).

    Two devices start their clocks apart and tick at slightly different
    rates. Both sensors feel the same ankle, so the sizes of the ankle's
    acceleration seen from each (:func:`joint_acceleration`) are one signal:
    first the sizes of the raw specific forces give a coarse offset over the
    whole recording, then the joint-centre fit at that offset, then the
    ankle accelerations' cross-correlation in windows of
    :data:`CLOCK_WINDOW_S` gives an offset per window, and a line through
    them (outlying windows dropped) the offset and the drift. ``wd_f``,
    ``wd_s``: each sensor's angular acceleration on its own time base, when
    the caller has them.
    """
    if len(t_f) < 50 or len(t_s) < 50:
        return 0.0, 0.0, 0
    wd_f = angular_acceleration(gyr_f, fs) if wd_f is None else wd_f
    wd_s = angular_acceleration(gyr_s, fs) if wd_s is None else wd_s
    max_lag = max(1, int(round(CLOCK_MAX_S * fs)))
    t0 = t_f[0]
    raw_s = np.column_stack([np.interp(t_f, t_s, acc_s[:, i]) for i in range(3)])
    lag, r = _xcorr_lag(_norm_hp(acc_f, fs), _norm_hp(raw_s, fs), max_lag)
    if not np.isfinite(lag):
        return 0.0, 0.0, 0
    offset, drift = lag / fs, 0.0
    for _ in range(CLOCK_PASSES):
        read = t_f + offset + drift * (t_f - t0)
        a_s, g_s, d_s = (
            np.column_stack([np.interp(read, t_s, v[:, i]) for i in range(3)])
            for v in (acc_s, gyr_s, wd_s)
        )
        r_f, r_s, _ = joint_offsets(acc_f, gyr_f, a_s, g_s, fs, wd_f, d_s)
        if not np.isfinite(r_f).all():
            return 0.0, 0.0, 0
        jf = _norm_hp(joint_acceleration(acc_f, gyr_f, fs, r_f, wd_f), fs)
        js = _norm_hp(joint_acceleration(a_s, g_s, fs, r_s, d_s), fs)
        w = max(int(CLOCK_WINDOW_S * fs), 4 * int(fs))
        small = max(2, int(0.1 * fs))
        mids, lags = [], []
        for a in range(0, max(1, len(jf) - w // 2), w // 2):
            b = min(len(jf), a + w)
            if b - a < w // 2:
                break
            lg, rr = _xcorr_lag(jf[a:b], js[a:b], small)
            if np.isfinite(lg) and rr >= CLOCK_MIN_R and abs(lg) < small:
                mids.append(0.5 * (t_f[a] + t_f[b - 1]) - t0)
                lags.append(lg / fs)
        if not lags:
            return offset, drift, 0
        mids_a, lags_a = np.array(mids), np.array(lags)
        keep = np.abs(lags_a - np.median(lags_a)) <= 3.0 / fs
        mids_a, lags_a = mids_a[keep], lags_a[keep]
        if len(lags_a) >= 3 and np.ptp(mids_a) > 0:
            b1, b0 = np.polyfit(mids_a, lags_a, 1)
        else:
            b1, b0 = 0.0, float(np.median(lags_a))
        offset, drift = offset + b0, drift + b1
    return float(offset), float(drift), int(len(lags_a))


def _same_leg_share(
    foot_table: Any, shank_table: Any, clock: tuple[float, float, int], t0: float
) -> float:
    """Share of the foot's contacts with a shank contact within
    :data:`SAME_LEG_MATCH_S`, the shank's times brought to the foot's clock."""
    from footfall.gait.fusion import pair_events

    if "ic_s" not in foot_table or "ic_s" not in shank_table or not len(foot_table):
        return 0.0
    ic_f = np.asarray(foot_table["ic_s"], dtype=float)
    ic_s = np.sort(np.asarray(shank_table["ic_s"], dtype=float))
    offset, drift = clock[0], clock[1]
    ic_s = (ic_s - offset + drift * t0) / (1.0 + drift)
    _, matched = pair_events(ic_s[np.isfinite(ic_s)], ic_f, SAME_LEG_MATCH_S)
    return len(matched) / max(1, int(np.isfinite(ic_f).sum()))


def eversion_for_leg(
    foot: Any, shank: Any, side: str, same_clock: bool = False
) -> tuple[dict[str, np.ndarray], EversionResult | None, str | None]:
    """Rearfoot eversion columns for the rows of a foot IMU's result ``foot``
    from the shank IMU's result ``shank`` of the same leg
    (:class:`footfall.gait.imu.ImuResult` each, on one clock).

    Returns the columns (:data:`EVERSION_COLUMNS`, NaN where not measured),
    the fit, and a note when nothing could be measured (None otherwise).
    """
    m = len(foot.table)
    blank = {c: np.full(m, np.nan) for c in EVERSION_COLUMNS}
    if (
        foot.signals is None
        or shank.signals is None
        or shank.alignment is None
        or shank.alignment.tibia is None
        or not m
    ):
        return blank, None, None
    t_f, acc_f, gyr_f = foot.signals
    t_s, acc_s, gyr_s = shank.signals
    anat = shank_anatomical(shank.alignment.tibia)
    acc_s, gyr_s = acc_s @ anat.T, gyr_s @ anat.T
    # the stream's nominal rate (the analysed grid can hold gaps too long to bridge)
    fs = float(foot.info.get("fs_hz", np.nan))
    clock = (0.0, 0.0, 0)
    wd_f = angular_acceleration(gyr_f, fs) if np.isfinite(fs) else None
    wd_s = angular_acceleration(gyr_s, fs) if np.isfinite(fs) else None
    if not same_clock and np.isfinite(fs):
        clock = shank_clock(t_f, acc_f, gyr_f, t_s, acc_s, gyr_s, fs, wd_f, wd_s)
    read = t_f + clock[0] + clock[1] * (t_f - t_f[0])
    share = _same_leg_share(foot.table, shank.table, clock, t_f[0])
    if share < SAME_LEG_SHARE:
        return (
            blank,
            None,
            (
                f"rearfoot eversion not measured for the {side} leg: only {100 * share:.0f} % "
                f"of the foot's contacts coincide with a contact of the {side} shank IMU; "
                "check that both sensors sit on the same leg and are labelled with its side"
            ),
        )
    acc_s, gyr_s = _on_grid(read, t_s, acc_s), _on_grid(read, t_s, gyr_s)
    wd_s = None if wd_s is None else _on_grid(read, t_s, wd_s)
    if not np.isfinite(fs) or np.isfinite(acc_s).all(axis=1).sum() < 50:
        return (
            blank,
            None,
            (
                f"rearfoot eversion not measured for the {side} leg: its foot "
                "and shank IMUs do not overlap in time"
            ),
        )
    index = np.arange(len(t_f), dtype=float)
    cols = foot.table
    at = {
        c: np.interp(np.asarray(cols[c], dtype=float), t_f, index, left=np.nan, right=np.nan)
        if c in cols
        else np.full(m, np.nan)
        for c in ("ic_s", "ms_s", "to_s")
    }
    res = rearfoot_eversion(
        acc_f,
        gyr_f,
        acc_s,
        gyr_s,
        fs,
        at["ic_s"],
        at["ms_s"],
        at["to_s"],
        left=(side == "left"),
        foot_gyr_dot=wd_f,
        shank_gyr_dot=wd_s,
    )
    if not res.ok:
        return (
            blank,
            res,
            (
                f"rearfoot eversion not measured for the {side} leg: its foot and shank IMUs "
                f"do not move as two segments joined at the ankle (the ankle's acceleration "
                f"seen from each disagrees by {res.fit_residual_mps2:.1f} m/s2, median, more "
                f"than {FIT_RESIDUAL_MAX_MPS2:g}); check that both sit on the same leg, firmly "
                "attached"
            ),
        )
    res.clock_offset_s, res.clock_drift, res.clock_windows = clock
    return (
        {EVERSION_COLUMNS[0]: res.excursion_deg, EVERSION_COLUMNS[1]: res.velocity_dps},
        res,
        None,
    )
