"""Gait events and the shank angle at contact from a shank (tibia) IMU.

A shank IMU sees a different rotation from a foot IMU, so it has its own
event rules. In the shank frame (docs/coordinate-frames.md: y to the left,
z along the tibia towards the knee), the sagittal rate ``w_y`` is positive
when the top of the shank moves forward relative to the ankle. Over a
running stride it has this shape (measured on the virtual shank IMU of the
Fukuchi treadmill run against its force plate, bench/fukuchi_imu.py):

* **Mid-swing**: the most negative ``w_y`` of the stride, the shank swinging
  forward fastest (about -450 deg/s at 2.5 m/s), some 140 ms before contact.
  Found as on the foot (:func:`footfall.gait.events.mid_swings`).
* **Initial contact**: after mid-swing the forward swing slows and reverses
  (the leg retracts before it lands): ``w_y`` crosses zero upwards about
  25-28 ms before contact, and the landing then drives the tibia forward over
  the foot, so ``w_y`` peaks 30-40 ms after contact. Initial contact is
  :data:`SHANK_IC_SHARE` of the way from that zero crossing to that peak.
* **Toe-off**: through stance ``w_y`` falls to a minimum; when the foot
  unloads, the knee flexes into the swing and ``w_y`` climbs to the early
  swing's peak (about +300 deg/s, 90-100 ms after toe-off). Toe-off is the
  last time before that peak when ``w_y`` rises through
  :data:`SHANK_TO_SHARE` of the climb from the stance minimum to the peak
  (a share of the rate, not of the time: the minimum is flat and its
  length varies from leg to leg).
* **Mid-stance** (the stride boundaries) comes from the segmentation: the
  quietest sample of the stance.

Both shares were set on the Fukuchi run itself (one runner at 2.5 m/s, two
legs, 77 contacts), so its event errors in docs/validation.md are a fit,
not an independent test; the virtual runner's shank follows the same
runner's shank angle curve (:mod:`footfall.sim.kinematics`). Walking was not
checked: a walking shank lands at its peak after the zero crossing (Aminian
et al. 2002), where these rules would put contact early.

**Shank angle at contact** (:func:`shank_angle_deg`): the tibia's
inclination from vertical in the sagittal plane, positive when the ankle is
ahead of the knee (overstriding). The tibia's direction in the sensor is
taken to be the sensor axis closest to the mean specific force over the
alignment strides (the shank's mean inclination, 10-20 deg from vertical in
running; :attr:`footfall.gait.alignment.Alignment.tibia`): a shank pod is
strapped with one edge along the shin. Its orientation at
contact is the stride's integrated orientation, whose tilt is set from the
stride-mean specific force (:func:`footfall.gait.trajectory.integrate_strides`),
so it is absolute, not relative to a resting sample (a running shank never
rests).

References
----------
Aminian K, Najafi B, Bula C, Leyvraz PF, Robert P (2002). Spatio-temporal
parameters of gait measured by an ambulatory system using miniature
gyroscopes. J Biomech 35(5):689-699.
McGrath D, Greene BR, O'Donovan KJ, Caulfield B (2012). Gyroscope-based
assessment of temporal gait parameters during treadmill walking and running.
Sports Eng 15:207-213.
Fukuchi RK, Fukuchi CA, Duarte M (2017). A public dataset of running
biomechanics and the effects of running speed on lower extremity kinematics
and kinetics. PeerJ 5:e3298.
"""

from __future__ import annotations

import numpy as np

from footfall.gait import quaternion as quat
from footfall.gait.events import (
    MID_SWING_SMOOTH_S,
    StrideEvents,
    _crossing,
    _parabolic,
    _windows,
    landing_crossings,
    mid_swings,
    stride_bounds,
)
from footfall.gait.segment import MAX_STRIDE_S, Segmentation, smooth
from footfall.gait.trajectory import StrideTrajectories

SHANK_IC_SHARE = 0.4
"""Initial contact is this share of the way from the up-crossing of zero of
the shank's sagittal rate (end of the forward swing) to its peak after
contact (Fukuchi run: 0.35 and 0.45 put contacts 3.4-3.8 ms early and
1.5-2.4 ms late, median)."""

SHANK_TO_SHARE = 0.13
"""Toe-off is where the shank's sagittal rate has climbed this share of the
way from its stance minimum to the early swing's peak (Fukuchi run: 0.10
and 0.16 put toe-offs 3-4 ms early and 3-5 ms late, median)."""

LANDING_PEAK_S = 0.3
"""The peak after contact is looked for up to this long after mid-swing, s
(about 170 ms after it in running)."""


def detect_shank_events(gyr_rps: np.ndarray, fs_hz: float, seg: Segmentation) -> StrideEvents:
    """Toe-off, mid-swing and initial contact of every segmented stride of a
    shank IMU (rules in the module docstring).

    Parameters
    ----------
    gyr_rps
        (n, 3) gyroscope in the shank frame (y lateral, left), rad/s.
    fs_hz
        Sampling rate, Hz.
    seg
        Stride segmentation (:func:`footfall.gait.segment.segment_strides`).

    A leading partial stride (the data starts in its swing) has no toe-off.
    """
    b, a, partial = stride_bounds(seg)
    if len(b) == 0:
        return StrideEvents.empty()
    n = len(gyr_rps)
    wy = np.ascontiguousarray(gyr_rps[:, 1])
    rows = np.arange(len(b))
    msw = mid_swings(wy, smooth(wy, fs_hz, MID_SWING_SMOOTH_S), fs_hz, b, a)

    # initial contact: from the end of the forward swing to the landing peak
    # (looked for after mid-swing, wherever the segmentation put the
    # stride's end: a running shank's quietest sample can be in the swing)
    nxt = np.r_[msw[1:], n - 1]
    hi = np.minimum(nxt, msw + max(2, int(round(LANDING_PEAK_S * fs_hz)))) + 1
    hi = np.minimum(hi, n)
    zc, land_i, has_ic, _, _ = landing_crossings(wy, msw, np.maximum(hi, msw + 1))
    land = _parabolic(wy, land_i)
    ic = np.where(has_ic, zc + SHANK_IC_SHARE * (land - zc), np.nan)

    # toe-off: the climb from the stance minimum to the early swing's peak,
    # looked for from the previous landing peak (or the stride's start) to
    # mid-swing: the largest rise of the rate over its running minimum
    lo = b.copy()
    prev = np.r_[False, has_ic[:-1] & (msw[1:] - msw[:-1] <= MAX_STRIDE_S * fs_hz)]
    lo[prev] = np.minimum(land_i[:-1][prev[1:]], msw[prev] - 1)
    idx, ok = _windows(lo, np.maximum(msw, lo + 1))
    idx = np.minimum(idx, n - 1)
    w = np.where(ok, wy[idx], np.inf)
    run_min = np.minimum.accumulate(w, axis=1)
    rise = np.where(ok, wy[idx] - run_min, -np.inf)
    k_pk = np.argmax(rise, axis=1)
    peak = wy[idx[rows, k_pk]]
    low = run_min[rows, k_pk]
    level = low + SHANK_TO_SHARE * (peak - low)
    cols = np.arange(idx.shape[1])[None, :]
    under = ok & (cols < k_pk[:, None]) & (wy[idx] < level[:, None])
    has_to = under.any(axis=1) & (peak > 0) & ~(partial & ~prev)
    last = idx.shape[1] - 1 - np.argmax(under[:, ::-1], axis=1)
    to = np.where(has_to, _crossing(wy, idx[rows, last], level), np.nan)

    # the shank's mid-stance: its slowest rotation, the stance minimum. The
    # strides are re-cut there, so that each one is a whole cycle from the
    # same phase (the segmentation's quietest sample of a running shank
    # falls sometimes in the stance, sometimes in the swing, and the tilt of
    # a stride's integration needs the same velocity at both ends)
    k_min = np.argmin(np.where(ok & (cols <= k_pk[:, None]), wy[idx], np.inf), axis=1)
    smin = idx[rows, k_min]
    b_new = np.where(has_to & (smin < msw), smin, b)
    a_new = a.copy()
    a_new[:-1] = np.where(prev[1:], b_new[1:], a[:-1])
    return StrideEvents(b_new, a_new, to, msw.astype(float), ic)


def shank_angle_deg(traj: StrideTrajectories, x: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Sagittal inclination of the tibia from vertical (deg, positive when the
    ankle is ahead of the knee) of each stride ``i`` at fractional sample
    ``x[i]`` (NaN stays NaN), the tibia's direction in the shank frame being
    ``axis`` (:attr:`footfall.gait.alignment.Alignment.tibia`)."""
    x = np.asarray(x, dtype=float)
    out = np.full(len(x), np.nan)
    good = np.flatnonzero(np.isfinite(x))
    if not len(good):
        return out
    L = traj.padded_length
    rel = np.clip(x[good] - traj.start[good], 0, L - 1)
    i0 = np.floor(rel).astype(int)
    i1 = np.minimum(i0 + 1, L - 1)
    f = rel - i0
    ang = []
    for i in (i0, i1):
        u = quat.rotate(traj.take("q", good, i), np.asarray(axis, dtype=float))
        ang.append(np.degrees(np.arctan2(-u[:, 0], u[:, 2])))
    out[good] = ang[0] * (1 - f) + ang[1] * f
    return out
