"""Gait events from a foot IMU in the foot frame: toe-off, initial contact and
mid-stance.

The pitch rate ``w_y`` (rotation about the foot's lateral axis, positive when
the toes go down) has a stereotyped shape over a stride:

* **Toe-off** (terminal contact): the heel rises and the foot rolls over the
  toes, pitching toes-down faster and faster; the rate peaks (Falbriard et
  al. 2018 take that peak as toe-off: "minimum of the pitch angular velocity
  in the second half of the mid-swing to mid-swing cycle", in their opposite
  sign convention) and is already falling when the toes leave the ground.
  In running, toe-off follows the peak by :data:`TOE_OFF_CONTACT_SHARE` of
  the stance's contact (against the force plates under two treadmill
  runners the peak comes 16-34 ms early); in walking, and in a running
  stride whose contact is not in the data, it is a share of the way from
  the peak to where the rate has halved (:data:`WALKING_TOE_OFF_SHARE`,
  :data:`TOE_OFF_SHARE`); docs/validation.md, "Event rules".
* **Mid-swing**: the most negative ``w_y`` (toes rotating up fastest) of the
  swing: the fastest sample near the most negative ``w_y`` averaged over
  :data:`MID_SWING_SMOOTH_S`, so that a short spike of the impact's ringing
  (a loosely strapped sensor rings at +-7 rad/s for a few samples) is not
  taken for the swing.
* **Initial contact**: contact stops the foot's toes-up rotation and starts
  the toes-down rotation of loading (foot slap). Initial contact is the last
  up-crossing of zero of ``w_y`` before that landing peak, interpolated
  between samples, so that a foot hovering near level in terminal swing is
  not taken for a contact. When there is no such crossing, the strongest
  accelerometer jerk after mid-swing is used instead.
  Running (the swing is more than half of the stride): the foot already
  pitches toes-down just before it lands, so the crossing is early against
  the force plate; the contact is the impact, the first
  accelerometer jerk of at least half the landing's largest, when it comes
  after the crossing. Walking keeps the crossing (see
  :data:`WALKING_IMPACT_LAG_S` for the bound by the impact that is not taken).
  In a flat or toes-first landing the toes-down rotation before contact is
  stopped by the ground: there the landing peak itself is the contact, or
  in running the impact when that comes first (a midfoot landing whose heel
  touches a few degrees before the forefoot, whose slap is the peak). In
  running the landing is judged by the foot's pitch at the impact when that
  comes before the landing peak: a fast eversion after a heel strike delays
  the peak until the foot is nearly flat.
* **Mid-stance**: the quietest sample (lowest angular rate) between initial
  contact and the next toe-off; the zero-velocity point of the trajectory.

Using the gyroscope's shape, not thresholds on its size, makes the detector
indifferent to speed; the accelerometer impact is only a fallback, because
sensor bounce at impact rings for tens of milliseconds.

References
----------
Falbriard M, Meyer F, Mariani B, Millet GP, Aminian K (2018). Accurate
estimation of running temporal parameters using foot-worn inertial sensors.
Front Physiol 9:610. doi:10.3389/fphys.2018.00610
Mariani B, Rouhani H, Crevoisier X, Aminian K (2013). Quantitative estimation
of foot-flat and stance phase of gait using foot-worn inertial sensors. Gait
Posture 37(2):229-234.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from footfall.gait import checks
from footfall.gait.indexing import crossing, index_windows, parabolic_peak
from footfall.gait.segment import Segmentation, smooth
from footfall.gait.trajectory import PitchLookup, length_groups

__all__ = [
    "HEEL_FIRST_PITCH_DEG",
    "IMPACT_MARGIN_S",
    "IMPACT_SEARCH_S",
    "MID_SWING_SMOOTH_S",
    "PARTIAL_LANDING_SHARE",
    "RUNNING_SWING_SHARE",
    "StrideEvents",
    "TOE_OFF_CONTACT_SHARE",
    "TOE_OFF_SHARE",
    "WALKING_IMPACT_LAG_S",
    "WALKING_TOE_OFF_SHARE",
    "detect_events",
    "landing_crossings",
    "mid_swings",
    "stride_bounds",
]


TOE_OFF_SHARE = 0.3
"""Where toe-off lies on the falling edge of the push-off pitch-rate peak in
running when the stance's contact is not in the data (otherwise
:data:`TOE_OFF_CONTACT_SHARE`): this share of the way from the peak to the
sample where the rate has fallen to half of it. Chosen on the force plate
under the first Fukuchi runner (RBDS001), where it removes the bias; the
second (RBDS0041), whose rate falls two to three times slower after the
peak, has its toe-offs 21-24 ms late with it (docs/validation.md, "Event
rules"). The running test (:data:`RUNNING_SWING_SHARE`) measures the swing
from this toe-off."""

TOE_OFF_CONTACT_SHARE = 0.09
"""In running, toe-off follows the push-off pitch-rate peak by this share of
the contact (initial contact to toe-off). On both Fukuchi runners the force
plate's toe-off came 16-34 ms after the peak, 0.06-0.11 of the contact
(median 0.09), while the time the rate takes to halve after the peak differs
two- to three-fold between them (65-85 ms against 170-180 ms), so the share
of the way to half (:data:`TOE_OFF_SHARE`) put the heel striker's toe-offs
21-24 ms late. A share of the contact shortens with the contact at speed.
Strides whose contact is not in the data keep :data:`TOE_OFF_SHARE`."""

WALKING_TOE_OFF_SHARE = 0.5
"""The same share in walking (strides that are not running). Both walking
references put toe-off later down the edge than the running share does:
the gaitmap example's motion capture (bias about zero at 0.5) and the IPOL
annotations (docs/validation.md, "Event rules", which scores 0.3, 0.4 and
0.6 beside it)."""

RUNNING_SWING_SHARE = 0.5
"""A stride whose swing (toe-off to initial contact) is more than this share
of it is running: walking swings take about 40 % of the stride, running
swings 60-70 % (a flight phase on each side)."""

IMPACT_MARGIN_S = 0.03
"""The impact is looked for from this long before the zero crossing, and up
to this long after the landing peak, s."""

IMPACT_SEARCH_S = 0.2
"""The impact is looked for up to this long after the zero crossing (and no
later than the landing peak), s."""

WALKING_IMPACT_LAG_S = np.inf
"""In walking, initial contact no earlier than this long before the impact
(the first accelerometer jerk of at least half the landing's largest, as
in running), s; ``inf``: no such bound, the contact is the pitch rate's zero
crossing. The bound is not taken. Two of the IPOL walkers pitch the foot
slowly toes-down for tens of ms before a sharp impact, and the data set's
annotations mark the impact; a bound of 25 ms (about the delay from the
gaitmap example's motion-capture contacts to their impacts) brings many of
those contacts within 50 ms of the annotations. But the gaitmap example's
first step out of standing rolls slowly toes-down before its impact too,
and the motion capture puts its contact at the crossing (the heel on the
ground), not near the impact: the bound moves it out of the 30 ms match.
docs/validation.md, "Event rules", scores both."""

PARTIAL_LANDING_SHARE = 0.5
"""A leading partial stride's contact is kept when the landing peak of its
pitch rate reaches this share of the whole strides' median
(:func:`_swing_in_data`)."""

MID_SWING_SMOOTH_S = 0.1
"""Window of the moving average of ``w_y`` in which mid-swing is looked for,
s: the swing's toes-up rotation lasts 0.2-0.4 s, the ringing of an impact a
few tens of milliseconds, which the average cancels (its swings are of both
signs). Mid-swing is the fastest raw sample within half this window of the
average's minimum."""

HEEL_FIRST_PITCH_DEG = 5.0
"""Foot pitch (toes up) at the landing peak above which the landing is heel
first: the toes-down peak then belongs to the foot slap after contact."""


@dataclass
class StrideEvents:
    """Events of each segmented stride (one swing between two mid-stances).

    All times are fractional sample indices (NaN where not found).

    Attributes
    ----------
    ms_before, ms_after
        Mid-stance samples bounding the stride (integers).
    to
        Toe-off before the swing.
    mid_swing
        Sample of fastest toes-up rotation.
    ic
        Initial contact ending the swing.
    """

    ms_before: np.ndarray
    ms_after: np.ndarray
    to: np.ndarray
    mid_swing: np.ndarray
    ic: np.ndarray

    def __len__(self) -> int:
        return len(self.ic)

    @classmethod
    def empty(cls) -> StrideEvents:
        """Events of no stride."""
        i, e = np.zeros(0, dtype=int), np.zeros(0)
        return cls(i, i, e, e, e)


def _jerk_at(acc_mps2: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Size of the accelerometer's change from sample ``i - 1`` to ``i`` (0 at
    the first sample), at the samples ``i`` only: ``np.linalg.norm(np.diff(acc,
    axis=0, prepend=acc[:1]), axis=1)[i]``."""
    d = acc_mps2[i] - acc_mps2[np.maximum(i - 1, 0)]
    return np.sqrt(np.add.reduce(d * d, axis=-1))


def mid_swings(
    wy: np.ndarray, wy_avg: np.ndarray, fs_hz: float, b: np.ndarray, a: np.ndarray
) -> np.ndarray:
    """Mid-swing sample of each stride ``b[i]..a[i]``: the most negative rate
    ``wy`` near the most negative of its moving average ``wy_avg`` over
    :data:`MID_SWING_SMOOTH_S` (not a spike of the impact's ringing)."""
    n = len(wy)
    rows = np.arange(len(b))
    idx, ok = index_windows(b, a + 1)
    idx = np.minimum(idx, n - 1)
    vals = np.where(ok, wy_avg[idx], np.inf)
    centre = idx[rows, np.argmin(vals, axis=1)]
    h = max(0, int(round(0.5 * MID_SWING_SMOOTH_S * fs_hz)))
    lo, hi = np.maximum(centre - h, b), np.minimum(centre + h, a) + 1
    idx, ok = index_windows(lo, hi)
    idx = np.minimum(idx, n - 1)
    vals = np.where(ok, wy[idx], np.inf)
    return idx[rows, np.argmin(vals, axis=1)]


def stride_bounds(seg: Segmentation) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mid-stance samples before and after each stride (integers) and which
    strides are leading partial ones (the data starts in their swing)."""
    b = seg.ms_before.astype(int)
    partial = (
        np.zeros(len(b), dtype=bool) if seg.partial is None else np.asarray(seg.partial, dtype=bool)
    )
    return b, seg.ms_after.astype(int), partial


def landing_crossings(wy: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    """In each window ``[lo[i], hi[i])`` of the rate ``wy``: the landing peak
    (its largest value) and the last up-crossing of zero before it
    (fractional index).

    Returns
    -------
    crossing, peak, found, idx, ok
        The crossing, the peak's sample, whether both exist (a positive peak
        after a non-positive sample), and the windows' index matrix and its
        validity mask (:func:`index_windows`, clipped to the data).
    """
    n = len(wy)
    rows = np.arange(len(lo))
    idx, ok = index_windows(lo, hi)
    idx = np.minimum(idx, n - 1)
    vals = np.where(ok, wy[idx], -np.inf)
    land = np.argmax(vals, axis=1)
    cols = np.arange(idx.shape[1])[None, :]
    nonpos = ok & (wy[idx] <= 0) & (cols < land[:, None])
    found = nonpos.any(axis=1) & (vals[rows, land] > 0)
    last = idx.shape[1] - 1 - np.argmax(nonpos[:, ::-1], axis=1)
    return crossing(wy, idx[rows, last], 0.0), idx[rows, land], found, idx, ok


def detect_events(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    seg: Segmentation,
    pitch_deg: np.ndarray | PitchLookup | None = None,
) -> StrideEvents:
    """Toe-off, mid-swing and initial contact of every segmented stride.

    Parameters
    ----------
    acc_mps2, gyr_rps
        (n, 3) accelerometer (m/s^2) and gyroscope (rad/s), **foot frame**
        (see :func:`footfall.gait.alignment.estimate_alignment`).
    fs_hz
        Sampling rate, Hz.
    seg
        Stride segmentation (:func:`footfall.gait.segment.segment_strides`).
    pitch_deg
        (n,) foot pitch, degrees, positive toes up
        (:func:`footfall.gait.trajectory.pitch_per_sample`, or a
        :class:`footfall.gait.trajectory.PitchLookup` that computes only the
        samples read: one per stride). When given, a
        landing that is not heel first (foot pitch below
        :data:`HEEL_FIRST_PITCH_DEG` at the landing peak) takes the landing
        peak as initial contact.

    A leading partial stride (``seg.partial``: the data starts in its swing)
    has no toe-off (NaN); its contact follows the running rule when most of
    the other strides are running, and the flat-landing rule when most of
    them land flat (its own pitch comes from integrating a stride that starts
    with the foot in the air, and is not used).

    Raises
    ------
    ValueError
        When an array has the wrong shape or the rate is not positive.
    """
    acc_mps2 = checks.samples(acc_mps2, "acc_mps2")
    gyr_rps = checks.samples(gyr_rps, "gyr_rps")
    checks.same_length(acc_mps2=acc_mps2, gyr_rps=gyr_rps)
    fs_hz = checks.rate(fs_hz)
    if isinstance(pitch_deg, np.ndarray) and pitch_deg.shape != (len(gyr_rps),):
        raise ValueError(
            f"pitch_deg must have one value per sample ({len(gyr_rps)}), "
            f"got shape {pitch_deg.shape}"
        )
    b, a, partial = stride_bounds(seg)
    if len(b) == 0:
        return StrideEvents.empty()
    wy_avg = smooth(gyr_rps[:, 1], fs_hz, MID_SWING_SMOOTH_S)
    to, msw, ic, running, flat, peak = _detect_groups(
        acc_mps2, gyr_rps, fs_hz, b, a, pitch_deg, wy_avg, partial, False, False
    )
    if partial.any():
        whole = ~partial & np.isfinite(to) & np.isfinite(ic)
        run_p = bool(whole.any() and running[whole].mean() > 0.5)
        flat_p = bool(whole.any() and flat[whole].mean() > 0.5)
        rows = np.flatnonzero(partial)
        _, _, ic[rows], _, _, _ = _detect_groups(
            acc_mps2,
            gyr_rps,
            fs_hz,
            b[rows],
            a[rows],
            pitch_deg,
            wy_avg,
            partial[rows],
            run_p,
            flat_p,
        )
        wy = gyr_rps[:, 1]
        land = wy[landing_crossings(wy, msw.astype(int), a + 1)[1]]
        ok = _swing_in_data(
            wy_avg,
            fs_hz,
            b[rows],
            msw[rows],
            ic[rows],
            land[rows],
            ic[whole] - msw[whole],
            land[whole],
        )
        ic[rows[~ok]] = np.nan
    to = _running_toe_off(to, peak, ic, b, a, running)
    return StrideEvents(b, a, to, msw, ic)


def _running_toe_off(
    to: np.ndarray,
    peak: np.ndarray,
    ic: np.ndarray,
    b: np.ndarray,
    a: np.ndarray,
    running: np.ndarray,
) -> np.ndarray:
    """Running strides' toe-off from the contact's own length: the push-off
    peak ``peak`` plus :data:`TOE_OFF_CONTACT_SHARE` of the contact, where the
    stance's initial contact is the previous stride's (strides that meet at
    the mid-stance ``b[i] == a[i - 1]``); other strides keep ``to``."""
    out = to.copy()
    if len(to) < 2:
        return out
    prev_ic = np.full(len(to), np.nan)
    joined = b[1:] == a[:-1]
    prev_ic[1:] = np.where(joined, ic[:-1], np.nan)
    s = TOE_OFF_CONTACT_SHARE
    with np.errstate(invalid="ignore"):
        new = peak + s / (1.0 - s) * (peak - prev_ic)
        use = running & np.isfinite(new) & np.isfinite(to) & (peak > prev_ic)
    out[use] = new[use]
    return out


def _swing_in_data(
    wy_avg: np.ndarray,
    fs_hz: float,
    b: np.ndarray,
    msw: np.ndarray,
    ic: np.ndarray,
    land: np.ndarray,
    lag_whole: np.ndarray,
    land_whole: np.ndarray,
) -> np.ndarray:
    """Whether the contact ``ic`` found in each leading partial stride (data
    from ``b``, fastest toes-up rotation ``msw``, landing peak rate
    ``land``) can be trusted, compared with the whole strides (their
    mid-swing-to-contact lags and landing peak rates).

    - Its landing is one: the toes-down rotation after the contact reaches
      :data:`PARTIAL_LANDING_SHARE` of the whole strides' median. Data that
      starts on the ground, after the contact, has no landing left: what is
      found there is a wobble of the stance.
    - When the data's fastest toes-up rotation is not at its edge, the
      contact follows it by at least 0.3 of the whole strides' median lag:
      data that starts just before a forefoot landing has the heel drop
      after it as its fastest toes-up rotation, and the landing peak that
      ends the heel drop is not the contact.

    False for all when there is no whole stride to compare with.
    """
    if len(lag_whole) == 0:
        return np.zeros(len(b), dtype=bool)
    m = msw.astype(int)
    edge = max(1, int(round(0.5 * MID_SWING_SMOOTH_S * fs_hz)))
    with np.errstate(invalid="ignore"):
        heel_drop = (m - b >= edge) & (wy_avg[m] < 0) & (ic - msw < 0.3 * np.median(lag_whole))
        return (land >= PARTIAL_LANDING_SHARE * np.median(land_whole)) & ~heel_drop


def _detect_groups(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    b: np.ndarray,
    a: np.ndarray,
    pitch_deg: np.ndarray | PitchLookup | None,
    wy_avg: np.ndarray,
    partial: np.ndarray,
    run_partial: bool,
    flat_partial: bool,
) -> tuple[np.ndarray, ...]:
    """:func:`_detect` of the strides ``b[i]..a[i]`` in groups of similar length."""
    # every stride's events come from its own samples: strides of similar
    # length are searched together, so that a long one (a step out of
    # standing) does not widen the search windows of all the others
    order = np.argsort(-(a - b), kind="stable")
    groups = length_groups((a - b + 1)[order])
    if len(groups) == 1:
        return _detect(
            acc_mps2, gyr_rps, fs_hz, b, a, pitch_deg, wy_avg, partial, run_partial, flat_partial
        )
    to, msw, ic, peak = (np.empty(len(b)), np.empty(len(b)), np.empty(len(b)), np.empty(len(b)))
    running = np.empty(len(b), dtype=bool)
    flat = np.empty(len(b), dtype=bool)
    for sl in groups:
        rows = order[sl]
        to[rows], msw[rows], ic[rows], running[rows], flat[rows], peak[rows] = _detect(
            acc_mps2,
            gyr_rps,
            fs_hz,
            b[rows],
            a[rows],
            pitch_deg,
            wy_avg,
            partial[rows],
            run_partial,
            flat_partial,
        )
    return to, msw, ic, running, flat, peak


def _detect(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    b: np.ndarray,
    a: np.ndarray,
    pitch_deg: np.ndarray | PitchLookup | None,
    wy_avg: np.ndarray,
    partial: np.ndarray,
    run_partial: bool,
    flat_partial: bool,
) -> tuple[np.ndarray, ...]:
    """Toe-off, mid-swing, initial contact, whether running and whether the
    landing is not heel first, of the strides ``b[i]..a[i]``; ``wy_avg`` is
    the pitch rate's moving average over :data:`MID_SWING_SMOOTH_S`;
    ``partial`` strides (the data starts in their swing) have no toe-off, are
    running when ``run_partial`` and land flat when ``flat_partial``."""
    n = len(gyr_rps)
    wy = gyr_rps[:, 1]
    rows = np.arange(len(b))

    msw = mid_swings(wy, wy_avg, fs_hz, b, a)

    # toe-off: largest toes-down pitch rate between the mid-stance and mid-swing
    idx, ok = index_windows(b, msw)
    idx = np.minimum(idx, n - 1)
    vals = np.where(ok, wy[idx], -np.inf)
    k = np.argmax(vals, axis=1)
    to_i = idx[rows, k]
    peak = vals[rows, k]
    to = parabolic_peak(wy, to_i)
    # the toes leave the ground on the falling edge of that peak: a fixed
    # share of the way from the peak to where the rate has halved
    idx, ok = index_windows(to_i, np.maximum(msw, to_i + 1))
    idx = np.minimum(idx, n - 1)
    below = ok & (wy[idx] <= 0.5 * peak[:, None])
    has_half = below.any(axis=1)
    j1 = idx[rows, np.argmax(below, axis=1)]
    half = crossing(wy, np.maximum(j1 - 1, 0), 0.5 * peak)
    edge = has_half & (half > to)
    peak_to = to
    to = np.where(edge, peak_to + TOE_OFF_SHARE * (half - peak_to), peak_to)
    to[((msw - b) < 2) | (peak <= 0) | partial] = np.nan

    # initial contact: the last up-crossing of zero before the landing peak
    # (the toes-down rotation that follows contact); hovering near zero in
    # terminal swing does not count as contact
    ic, land_i, has, idx, ok = landing_crossings(wy, msw, a + 1)
    # in running the foot starts to pitch toes-down just before it lands,
    # so the crossing comes early: there the contact is the impact, the
    # first accelerometer jerk of at least half the landing's largest
    with np.errstate(invalid="ignore", divide="ignore"):
        running = has & np.where(
            partial, run_partial, (ic - to) / np.maximum(a - b, 1) > RUNNING_SWING_SHARE
        )
    # walking: the toes leave the ground further down the falling edge
    walk = edge & ~running & np.isfinite(to)
    to[walk] = peak_to[walk] + WALKING_TOE_OFF_SHARE * (half[walk] - peak_to[walk])
    onset_ic = np.full(len(b), np.nan)  # running strides' impacts
    impact = has & (running | np.isfinite(WALKING_IMPACT_LAG_S))
    if impact.any():
        r = np.flatnonzero(impact)
        margin = max(1, int(round(IMPACT_MARGIN_S * fs_hz)))
        start = np.floor(ic[r]).astype(int)
        lo = np.maximum(msw[r], start - margin)
        stop = np.minimum(land_i[r], start + int(round(IMPACT_SEARCH_S * fs_hz)))
        hi = np.minimum(stop + margin, n - 1) + 1
        jdx, jok = index_windows(lo, np.maximum(hi, lo + 1))
        jdx = np.minimum(jdx, n - 1)
        jv = np.where(jok, _jerk_at(acc_mps2, jdx), -np.inf)
        first = np.argmax(jv >= 0.5 * jv.max(axis=1, keepdims=True), axis=1)
        onset = jdx[np.arange(len(r)), first].astype(float)
        lag = np.where(running[r], 0.0, WALKING_IMPACT_LAG_S * fs_hz)
        ic[r] = np.maximum(ic[r], onset - lag)
        onset_ic[r] = np.where(running[r], onset, np.nan)
        r = np.flatnonzero(running)
    not_heel = np.zeros(len(b), dtype=bool)
    if pitch_deg is not None:
        # flat or toes-first landing: contact ends the toes-down rotation, so
        # the landing peak is the contact (Falbriard et al. 2018)
        # the landing is judged by the foot's pitch at the landing peak, or
        # in running at the impact when it comes first: a fast eversion after
        # a heel strike can delay the peak until the foot is nearly flat
        at = land_i.copy()
        if running.any():
            at[r] = np.minimum(land_i[r], np.floor(ic[r]).astype(int))
        not_heel = np.where(partial, flat_partial, pitch_deg[at] < HEEL_FIRST_PITCH_DEG)
        # the foot is down by its impact at the latest: a running midfoot
        # landing whose heel touches a few degrees first has its impact
        # before the landing peak, which is then the forefoot's slap
        flat_ic = parabolic_peak(wy, land_i)
        with np.errstate(invalid="ignore"):
            flat_ic = np.where(onset_ic < flat_ic, onset_ic, flat_ic)
        ic = np.where(not_heel, flat_ic, ic)
    # a leading partial stride with no landing in it (the data starts on
    # the ground, after the contact) has no contact
    ic[partial & ~has] = np.nan
    # fallback: strongest acceleration jerk after mid-swing
    if (~has & ~partial).any():
        an = np.linalg.norm(acc_mps2, axis=1)
        jerk = np.abs(np.diff(an, append=an[-1]))
        jj = np.where(ok, jerk[idx], -np.inf)
        ic = np.where(has | partial, ic, idx[rows, np.argmax(jj, axis=1)].astype(float))
    return to, msw.astype(float), ic, running, not_heel, peak_to
