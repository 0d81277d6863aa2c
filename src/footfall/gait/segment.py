"""Stride segmentation from the gyroscope: swing phases and mid-stances.

Works on the norm of the angular rate, so it needs no knowledge of how the
sensor is mounted: it runs before sensor-to-foot alignment and is what the
alignment uses to find the foot at rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SWING_MIN_RPS = 1.2
"""Smoothed angular-rate peak that counts as a swing (rad/s, about 69 deg/s).
Slow walking gives about 3 rad/s at mid-swing, running 10-20 rad/s; the
first step out of standing and the last one into it can stay under 2 rad/s."""

SWING_REL_MIN = 0.25
"""A swing's smoothed angular-rate peak must reach this fraction of the
recording's median swing peak (a step out of standing reaches about a third
of it on the gaitmap example walk)."""

MIN_STRIDE_S = 0.4
"""Shortest stride accepted (s): sprinting cadence of 300 steps/min."""

MAX_STRIDE_S = 2.5
"""Longest stride (s); longer intervals between swings are separate bouts."""


@dataclass
class Segmentation:
    """Swings and the mid-stances around them.

    Attributes
    ----------
    swing_peak
        Sample index of each swing's angular-rate peak.
    ms_before, ms_after
        Mid-stance sample before and after each swing: the quietest sample
        (lowest smoothed angular rate) of the stance.
    quiet_rps
        Smoothed angular rate at the mid-stances (rad/s); small when the foot
        really rests.
    reason
        Why nothing was found, when nothing was.
    """

    swing_peak: np.ndarray
    ms_before: np.ndarray
    ms_after: np.ndarray
    quiet_rps: np.ndarray
    reason: str = ""

    def __len__(self) -> int:
        return len(self.swing_peak)


def smooth(x: np.ndarray, fs_hz: float, window_s: float) -> np.ndarray:
    """Centred moving average over ``window_s`` seconds along axis 0, edges
    extended with the end values (a cumulative-sum filter: O(n))."""
    n = max(1, int(round(window_s * fs_hz)))
    if n == 1 or len(x) == 0:
        return np.asarray(x, dtype=float)
    left = n // 2
    right = n - 1 - left
    pad = [(left, right)] + [(0, 0)] * (np.ndim(x) - 1)
    xp = np.pad(np.asarray(x, dtype=float), pad, mode="edge")
    c = np.cumsum(xp, axis=0)
    c = np.concatenate([np.zeros((1,) + c.shape[1:]), c], axis=0)
    return (c[n:] - c[:-n]) / n


def find_swing_peaks(x: np.ndarray, *, height: float, distance: int,
                     window: int) -> tuple[np.ndarray, np.ndarray]:
    """Local maxima of ``x`` at least ``height`` high and ``distance`` samples
    apart (higher peaks win), with their prominence: the height above the
    higher of the two lowest points between the peak and the nearest higher
    sample on each side, searched within ``window`` samples.

    The same definitions as ``scipy.signal.find_peaks`` (``height``,
    ``distance``, ``prominence`` with ``wlen``), written in NumPy so that the
    command line does not pay for importing scipy.signal.
    """
    x = np.asarray(x, dtype=float)
    if len(x) < 3:
        return np.zeros(0, dtype=int), np.zeros(0)
    d = np.diff(x)
    # rising then not rising: a maximum (first sample of a plateau)
    cand = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0)) + 1
    cand = cand[x[cand] >= height]
    if len(cand) == 0:
        return cand, np.zeros(0)
    keep = np.ones(len(cand), dtype=bool)
    # neighbours closer than ``distance``: a slice of the sorted candidates
    lo_n = np.searchsorted(cand, cand - distance, side="right")
    hi_n = np.searchsorted(cand, cand + distance, side="left")
    for i in np.argsort(-x[cand], kind="stable"):  # one iteration per candidate
        if not keep[i]:
            continue
        keep[lo_n[i]:hi_n[i]] = False
        keep[i] = True
    peaks = cand[keep]
    prom = np.empty(len(peaks))
    n = len(x)
    for j, p in enumerate(peaks):
        lo = max(0, p - window)
        seg = x[lo:p]
        higher = np.flatnonzero(seg > x[p])
        left_min = seg[higher[-1] + 1:].min() if len(higher) else (seg.min() if len(seg) else x[p])
        hi = min(n, p + window + 1)
        seg = x[p + 1:hi]
        higher = np.flatnonzero(seg > x[p])
        right_min = seg[:higher[0]].min() if len(higher) and higher[0] > 0 else (
            x[p] if len(higher) else (seg.min() if len(seg) else x[p]))
        prom[j] = x[p] - max(left_min, right_min)
    return peaks, prom


def segment_strides(
    gyr_rps: np.ndarray,
    fs_hz: float,
    *,
    breaks: np.ndarray | None = None,
    swing_min_rps: float = SWING_MIN_RPS,
) -> Segmentation:
    """Find swing phases and the mid-stance before and after each.

    Parameters
    ----------
    gyr_rps
        (n, 3) angular rate, any sensor frame, rad/s.
    fs_hz
        Sampling rate, Hz.
    breaks
        Sorted sample indices ``i`` where the data has a gap between sample
        ``i-1`` and ``i``; no stride may span one.
    swing_min_rps
        Minimum smoothed angular rate of a swing.

    Returns
    -------
    Segmentation
        Possibly empty, with ``reason`` set.
    """
    n = gyr_rps.shape[0]
    empty = np.zeros(0, dtype=int)
    if n < int(2 * MIN_STRIDE_S * fs_hz):
        return Segmentation(empty, empty, empty, np.zeros(0), "recording shorter than a stride")
    norm = np.linalg.norm(gyr_rps, axis=1)
    coarse = smooth(norm, fs_hz, 0.2)
    fine = smooth(norm, fs_hz, 0.06)
    peaks, prom = find_swing_peaks(coarse, height=swing_min_rps,
                                   distance=max(1, int(MIN_STRIDE_S * fs_hz)),
                                   window=int(MAX_STRIDE_S * fs_hz))
    # a swing is followed and preceded by a stance: its peak must rise well
    # above the quieter of the dips around it (rejects the landing rebound)
    peaks = peaks[prom >= 0.5 * coarse[peaks]]
    if len(peaks) == 0:
        if coarse.max() < 0.3:
            why = "the sensor hardly moved (no rotation above 17 deg/s): no gait"
        else:
            why = (f"no swing phase found (peak angular rate {np.degrees(coarse.max()):.0f} deg/s, "
                   f"a swing needs {np.degrees(swing_min_rps):.0f} deg/s)")
        return Segmentation(empty, empty, empty, np.zeros(0), why)
    # keep peaks that stand out from their surroundings: at least half the
    # median swing peak of the recording (rejects turning shuffles and
    # stumbles at the height of real swings only if they are much smaller)
    ref = np.median(coarse[peaks])
    peaks = peaks[coarse[peaks] >= SWING_REL_MIN * ref]

    bounds = np.concatenate([[0], np.sort(breaks) if breaks is not None else empty, [n]])
    max_gap = int(MAX_STRIDE_S * fs_hz)
    half = int(0.6 * fs_hz)
    ms_b = np.empty(len(peaks), dtype=int)
    ms_a = np.empty(len(peaks), dtype=int)
    seg_id = np.searchsorted(bounds, peaks, side="right") - 1
    for i, p in enumerate(peaks):  # one iteration per stride, not per sample
        lo_bound = bounds[seg_id[i]]
        hi_bound = bounds[seg_id[i] + 1]
        prev_p = peaks[i - 1] if i > 0 and seg_id[i - 1] == seg_id[i] else None
        next_p = peaks[i + 1] if i + 1 < len(peaks) and seg_id[i + 1] == seg_id[i] else None
        lo = prev_p if prev_p is not None and p - prev_p <= max_gap else max(lo_bound, p - half)
        hi = next_p if next_p is not None and next_p - p <= max_gap else min(hi_bound, p + half)
        lo = max(lo, lo_bound)
        hi = min(hi, hi_bound)
        ms_b[i] = lo + int(np.argmin(fine[lo:p + 1])) if p > lo else lo
        ms_a[i] = p + int(np.argmin(fine[p:hi])) if hi > p else p
    keep = (ms_a - ms_b >= int(MIN_STRIDE_S * fs_hz * 0.8)) & (ms_a - ms_b <= max_gap)
    keep &= (ms_b < peaks) & (peaks < ms_a)
    peaks, ms_b, ms_a = peaks[keep], ms_b[keep], ms_a[keep]
    reason = "" if len(peaks) else "no complete stride between two stances"
    return Segmentation(peaks, ms_b, ms_a, fine[ms_a] if len(ms_a) else np.zeros(0), reason)
