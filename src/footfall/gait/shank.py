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

**Shank angle at contact** (:func:`shank_angle_ic`): the tibia's
inclination from vertical in the sagittal plane, positive when the ankle is
ahead of the knee (overstriding), measured about the swing's (knee's) axis:
the tibia is perpendicular to it (:attr:`footfall.gait.alignment.Alignment.tibia`,
from quiet standing when the run starts with some, :func:`with_standing_tibia`),
and gravity at contact comes from the mean specific force over three strides
around it (:func:`gravity_at`). Strides cut by the recording are left blank.
docs/metrics.md has the method, the measured strap-tilt table and what
running alone cannot show (a strap pitched about the knee's axis).

References
----------
Aminian K, Najafi B, Bula C, Leyvraz PF, Robert P (2002). Spatio-temporal
parameters of gait measured by an ambulatory system using miniature
gyroscopes. J Biomech 35(5):689-699.
McGrath D, Greene BR, O'Donovan KJ, Caulfield B (2012). Gyroscope-based
assessment of temporal gait parameters during treadmill walking and running.
Sports Eng 15:207-213.
Seel T, Raisch J, Schauer T (2014). IMU-based joint angle measurement for
gait analysis. Sensors 14(4):6891-6909.
Fukuchi RK, Fukuchi CA, Duarte M (2017). A public dataset of running
biomechanics and the effects of running speed on lower extremity kinematics
and kinetics. PeerJ 5:e3298.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from footfall.gait.events import (
    MID_SWING_SMOOTH_S,
    StrideEvents,
    landing_crossings,
    mid_swings,
    stride_bounds,
)
from footfall.gait.indexing import crossing, index_windows, parabolic_peak
from footfall.gait.segment import MAX_STRIDE_S, Segmentation, smooth
from footfall.gait.trajectory import start_gravity

if TYPE_CHECKING:
    from footfall.gait.alignment import Alignment

__all__ = [
    "LANDING_PEAK_S",
    "SHANK_IC_SHARE",
    "SHANK_TO_SHARE",
    "TILT_PERIODS_EACH_SIDE",
    "detect_shank_events",
    "gravity_at",
    "rotate_about",
    "sagittal_angle_deg",
    "shank_angle_ic",
    "tibia_in_plane",
    "with_standing_tibia",
]


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
    land = parabolic_peak(wy, land_i)
    ic = np.where(has_ic, zc + SHANK_IC_SHARE * (land - zc), np.nan)

    # toe-off: the climb from the stance minimum to the early swing's peak,
    # looked for from the previous landing peak (or the stride's start) to
    # mid-swing: the largest rise of the rate over its running minimum
    lo = b.copy()
    prev = np.r_[False, has_ic[:-1] & (msw[1:] - msw[:-1] <= MAX_STRIDE_S * fs_hz)]
    lo[prev] = np.minimum(land_i[:-1][prev[1:]], msw[prev] - 1)
    idx, ok = index_windows(lo, np.maximum(msw, lo + 1))
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
    to = np.where(has_to, crossing(wy, idx[rows, last], level), np.nan)

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


TILT_PERIODS_EACH_SIDE = 1
"""The gravity direction at a contact is the mean specific force over the
contact's stride (one stance minimum to the next) and this many strides'
lengths before and after it, brought into the sensor frame at the contact by
the gyroscope (:func:`gravity_at`)."""


def gravity_at(
    acc_f: np.ndarray,
    gyr_f: np.ndarray,
    fs_hz: float,
    k: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """(n, 3) direction of gravity (up) in the sensor frame at samples ``k``:
    the mean specific force over samples ``lo[i]..hi[i]`` (``lo <= k <= hi``),
    each sample's brought into the frame at ``k[i]`` by integrating the
    gyroscope forwards (``k..hi``) and backwards (``lo..k``, the reversed
    data with the rate negated). Over a window whose two ends are at the
    same phase of a steady gait, the sensor's own acceleration averages to
    the change of its velocity between the ends over the window's length,
    which a longer window makes smaller (over one stride of a running
    shank it tilted the estimate by about 2 deg, see docs/metrics.md)."""
    k = np.asarray(k, dtype=int)
    lo = np.minimum(np.asarray(lo, dtype=int), k)
    hi = np.maximum(np.asarray(hi, dtype=int), k)
    n = len(acc_f)
    g_f = start_gravity(acc_f, gyr_f, fs_hz, k, hi)
    g_b = start_gravity(acc_f[::-1], -gyr_f[::-1], fs_hz, n - 1 - k, n - 1 - lo)
    w_f = (hi - k).astype(float)[:, None]
    w_b = (k - lo).astype(float)[:, None]
    g = (w_f * g_f + w_b * g_b) / np.maximum(w_f + w_b, 1.0)
    return g / np.linalg.norm(g, axis=1, keepdims=True)


def sagittal_angle_deg(up: np.ndarray, tibia: np.ndarray) -> np.ndarray:
    """Inclination of the tibia from vertical in the sagittal plane (deg,
    positive when the ankle is ahead of the knee) from the direction of
    gravity ``up`` ((n, 3), shank frame, y lateral to the left) and the
    tibia's direction ``tibia`` (towards the knee, perpendicular to y)."""
    t = np.asarray(tibia, dtype=float)
    f = np.cross([0.0, 1.0, 0.0], t)  # forward: lateral x tibia
    return np.degrees(np.arctan2(up @ f, up @ t))


def shank_angle_ic(
    acc_f: np.ndarray,
    gyr_f: np.ndarray,
    fs_hz: float,
    time_s: np.ndarray,
    ev: StrideEvents,
    tibia: np.ndarray,
) -> np.ndarray:
    """Shank angle at each stride's initial contact (deg; NaN where the
    stride has no contact, or is not a whole cycle inside the data).

    The tilt at contact is :func:`gravity_at` over the contact's stride
    (``ev.ms_before .. ev.ms_after``, stance minimum to stance minimum) and
    :data:`TILT_PERIODS_EACH_SIDE` stride lengths on either side, as far as
    the data reach without a gap (the ends stay at the same phase of the
    gait); the angle is the tibia's from it (:func:`sagittal_angle_deg`),
    interpolated between the samples on either side of the contact. A
    stride that starts at the first sample or ends at the last is cut by
    the recording and is left out: its mean specific force is not gravity.
    """
    ic = np.asarray(ev.ic, dtype=float)
    out = np.full(len(ic), np.nan)
    n = len(acc_f)
    a = np.asarray(ev.ms_before, dtype=int)
    b = np.asarray(ev.ms_after, dtype=int)
    ok = np.isfinite(ic) & (a > 0) & (b < n - 1) & (b > a + 2) & (ic >= a) & (ic <= b)
    rows = np.flatnonzero(ok)
    if not len(rows):
        return out
    a, b, x = a[rows], b[rows], ic[rows]
    # samples after a gap in the time stamps (a window must not cross one)
    dt = np.diff(np.asarray(time_s, dtype=float))
    breaks = np.r_[0, np.cumsum(~(dt <= 1.5 / fs_hz))]
    lo, hi = a.copy(), b.copy()
    for _ in range(TILT_PERIODS_EACH_SIDE):
        p = b - a
        ext_lo = lo - p
        fits = (ext_lo >= 0) & (breaks[np.maximum(hi, 0)] == breaks[np.maximum(ext_lo, 0)])
        lo = np.where(fits, ext_lo, lo)
        ext_hi = hi + p
        fits = (ext_hi <= n - 1) & (breaks[np.minimum(ext_hi, n - 1)] == breaks[lo])
        hi = np.where(fits, ext_hi, hi)
    k0 = np.floor(x).astype(int)
    k1 = np.minimum(k0 + 1, b)
    f = x - k0
    ang0 = sagittal_angle_deg(gravity_at(acc_f, gyr_f, fs_hz, k0, lo, hi), tibia)
    ang1 = sagittal_angle_deg(gravity_at(acc_f, gyr_f, fs_hz, k1, lo, hi), tibia)
    out[rows] = ang0 * (1 - f) + ang1 * f
    return out


def rotate_about(v: np.ndarray, axis: np.ndarray, angle_deg: float) -> np.ndarray:
    """``v`` turned by ``angle_deg`` about the unit ``axis`` (right hand)."""
    a = np.radians(angle_deg)
    axis = np.asarray(axis, dtype=float)
    v = np.asarray(v, dtype=float)
    return v * np.cos(a) + np.cross(axis, v) * np.sin(a) + axis * (axis @ v) * (1 - np.cos(a))


def tibia_in_plane(direction: np.ndarray, lat: np.ndarray, angle_deg: float) -> np.ndarray:
    """The unit vector perpendicular to ``lat`` (the lateral axis, to the
    left) from which the direction of gravity ``direction`` is at shank angle
    ``angle_deg`` (:func:`sagittal_angle_deg`): ``direction`` made
    perpendicular to ``lat`` and turned back by that angle about it."""
    lat = np.asarray(lat, dtype=float) / np.linalg.norm(lat)
    d = np.asarray(direction, dtype=float)
    d = d - (d @ lat) * lat
    d /= np.linalg.norm(d)
    t = rotate_about(d, lat, -angle_deg)
    return t / np.linalg.norm(t)


def with_standing_tibia(
    al: Alignment, acc_mps2: np.ndarray, gyr_rps: np.ndarray, fs_hz: float, seg: Segmentation
) -> Alignment:
    """A shank's alignment with the tibia's direction from quiet standing
    before its first alignment stride, when there is some
    (:func:`footfall.gait.alignment.standing_gravity`): standing is the pose
    the shank angle is measured from, so gravity then is the tibia's
    direction, made perpendicular to the lateral axis (the strap's tilt
    about that axis is measured, not assumed). Without standing, or for a
    foot, ``al`` is returned unchanged."""
    from footfall.gait.alignment import standing_gravity

    if al.tibia is None:
        return al
    found = standing_gravity(acc_mps2, gyr_rps, fs_hz, seg)
    if found is None:
        return al
    m, seconds = found
    t = tibia_in_plane(al.R @ m, np.array([0.0, 1.0, 0.0]), 0.0)
    return replace(al, tibia=t, standing_s=seconds)
