"""Stride segmentation from the gyroscope: swing phases and mid-stances.

Works on the norm of the angular rate, so it needs no knowledge of how the
sensor is mounted: it runs before sensor-to-foot alignment and is what the
alignment uses to find the foot at rest. Swings are searched in the norm of
the rate vector averaged over a few tens of milliseconds (so that an impact's
ringing, which turns back and forth, is not a swing), mid-stances in the
norm itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from footfall.gait import checks
from footfall.model import G_MPS2

__all__ = [
    "EDGE_STANCE_S",
    "MAX_STRIDE_S",
    "MIN_STRIDE_S",
    "REST_ACC_FLOOR_MPS2",
    "REST_RATE_FLOOR_RPS",
    "REST_START_TOL_S",
    "RINGING_SMOOTH_S",
    "SWING_MIN_RPS",
    "SWING_REL_MIN",
    "Segmentation",
    "find_swing_peaks",
    "segment_strides",
    "smooth",
    "swing_rate",
]


SWING_MIN_RPS = 1.2
"""Smoothed angular-rate peak that counts as a swing (rad/s, about 69 deg/s).
Slow walking gives about 3 rad/s at mid-swing, running 10-20 rad/s; the
first step out of standing and the last one into it can stay under 2 rad/s."""

SWING_REL_MIN = 0.25
"""A swing's smoothed angular-rate peak must reach this fraction of the
recording's median swing peak (a step out of standing reaches about a third
of it on the gaitmap example walk)."""

RINGING_SMOOTH_S = 0.04
"""The angular-rate vector is averaged over this window (s) before its norm
is taken for the swing search (:func:`swing_rate`): a loosely strapped
sensor rings at the impact for a few tens of milliseconds, back and forth at
+-5-15 rad/s, which the norm alone turns into a peak as high as a swing's (on
the IPOL walks such peaks were taken for swings of 0.1 s between two real
ones); a swing turns one way for 0.2-0.4 s and keeps its size."""

MIN_STRIDE_S = 0.4
"""Shortest stride accepted (s): sprinting cadence of 300 steps/min."""

MAX_STRIDE_S = 2.5
"""Longest stride (s); longer intervals between swings are separate bouts."""

EDGE_STANCE_S = 1.0
"""A swing with no neighbour on one side (the first or last of a bout, next
to a gap or the data's edge) takes the quietest sample within this time (s)
of its peak, on that side, as its mid-stance. In a slow last step into
standing the smoothed peak can be the push-off, with the swing going on for
another 0.5-0.6 s: a window of 0.6 s ended such strides in the dip between
push-off and swing, before their contact (IPOL walks; docs/validation.md)."""

REST_RATE_FLOOR_RPS = 0.2
REST_ACC_FLOOR_MPS2 = 1.0
"""Where data starts (:func:`segment_strides` with ``leading_partial``), the
foot is taken to rest when its angular rate (60 ms average of the norm) is
within three times, plus 0.2 rad/s, and the size of its acceleration within
three times, plus 1 m/s^2, of gravity, of those at the first mid-stance that
follows. The slowest moment of a swing is not rest: in walking the foot
still turns, in running it is accelerating hard."""

REST_START_TOL_S = 0.02
"""Data whose first rest comes within this time (s) of its start starts at rest."""


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
    partial
        True for a leading partial stride (``segment_strides(...,
        leading_partial=True)``): the data starts in its swing, so
        ``ms_before`` is the first sample of the data, not a mid-stance, and
        nothing before its swing (toe-off, the foot at rest) is in the data.
        None when there are none.
    """

    swing_peak: np.ndarray
    ms_before: np.ndarray
    ms_after: np.ndarray
    quiet_rps: np.ndarray
    reason: str = ""
    partial: np.ndarray | None = None

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


def swing_rate(gyr_rps: np.ndarray, fs_hz: float) -> np.ndarray:
    """The smoothed angular-rate size in which swings are looked for: the
    norm of the rate vector averaged over :data:`RINGING_SMOOTH_S` (impact
    ringing cancels), then averaged over 0.2 s."""
    return smooth(np.linalg.norm(smooth(gyr_rps, fs_hz, RINGING_SMOOTH_S), axis=1), fs_hz, 0.2)


def find_swing_peaks(
    x: np.ndarray, *, height: float, distance: int, window: int
) -> tuple[np.ndarray, np.ndarray]:
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
    # neighbours closer than ``distance``: a slice of the sorted candidates
    lo_n = np.searchsorted(cand, cand - distance, side="right").tolist()
    hi_n = np.searchsorted(cand, cand + distance, side="left").tolist()
    keep = bytearray(b"\x01") * len(cand)  # Python ints and bytes: a cheap loop
    for i in np.argsort(-x[cand], kind="stable").tolist():  # one iteration per candidate
        if not keep[i]:
            continue
        lo, hi = lo_n[i], hi_n[i]
        keep[lo:hi] = bytes(hi - lo)
        keep[i] = 1
    peaks = cand[np.frombuffer(keep, dtype=bool)]
    return peaks, _prominences(x, peaks, window)


_CHUNK = 1 << 20
"""Window samples handled at once by the vectorised window searches (8 MB of
float64): bounds the memory of an hour-long recording."""

_ROWS = 1024
"""Windows per batch of the mid-stance search."""


def _row_chunks(n_rows: int, width: int):
    """Slices of rows, each covering at most :data:`_CHUNK` window samples."""
    step = max(1, _CHUNK // max(width, 1))
    for a in range(0, n_rows, step):
        yield slice(a, min(n_rows, a + step))


def _prominences(x: np.ndarray, peaks: np.ndarray, window: int) -> np.ndarray:
    """Prominence of each peak of ``x`` within ``window`` samples on each side
    (see :func:`find_swing_peaks`), all peaks at once.

    Left of a peak, the lowest point after the last higher sample (or in the
    whole window if none); right of it, the lowest point before the first
    higher sample (or in the whole window), or the peak itself when the next
    sample is already higher. Minima are exact, so this gives the same
    numbers as a search peak by peak.
    """
    prom = np.zeros(len(peaks))
    if len(peaks) == 0 or window < 1:
        return prom
    # each peak's window, +inf beyond the recording: a sample there counts
    # as higher, which limits the search to the recording's samples
    pad = np.full(window, np.inf)
    wins = np.lib.stride_tricks.sliding_window_view(np.concatenate([pad, x, pad]), 2 * window + 1)
    j = np.arange(window)
    for sl in _row_chunks(len(peaks), 2 * window + 1):
        w = wins[peaks[sl]]
        v = w[:, window : window + 1]
        left, right = w[:, :window], w[:, window + 1 :]
        higher = left > v
        last = np.where(higher.any(axis=1), window - 1 - np.argmax(higher[:, ::-1], axis=1), -1)
        left_min = np.where(j > last[:, None], left, np.inf).min(axis=1)
        higher = right > v
        first = np.where(higher.any(axis=1), np.argmax(higher, axis=1), window)
        right_min = np.where(j < first[:, None], right, np.inf).min(axis=1)
        v = v[:, 0]
        # nothing to search on a side: the peak itself
        left_min = np.where(left_min == np.inf, v, left_min)
        right_min = np.where(right_min == np.inf, v, right_min)
        prom[sl] = v - np.maximum(left_min, right_min)
    return prom


def _window_argmin(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Index of the first minimum of ``x[lo[i]:hi[i]]`` for each ``i``
    (``hi > lo``), as ``lo + np.argmin(x[lo:hi])`` would give it.

    Windows of similar width are searched together, each batch padded to its
    widest: a few long windows (a pause) do not widen all the others."""
    out = np.empty(len(lo), dtype=int)
    xp = np.append(np.asarray(x, dtype=float), np.inf)
    width = hi - lo
    order = np.argsort(width, kind="stable")
    a = 0
    while a < len(order):
        b = min(len(order), a + _ROWS)
        b = min(b, a + max(1, _CHUNK // int(width[order[b - 1]])))
        rows = order[a:b]
        pos = lo[rows, None] + np.arange(int(width[order[b - 1]]))[None, :]
        pos = np.where(pos < hi[rows, None], pos, len(x))  # past the window: +inf
        out[rows] = lo[rows] + np.argmin(xp[pos], axis=1)
        a = b
    return out


def segment_strides(
    gyr_rps: np.ndarray,
    fs_hz: float,
    *,
    breaks: np.ndarray | None = None,
    swing_min_rps: float = SWING_MIN_RPS,
    leading_partial: bool = False,
    acc_mps2: np.ndarray | None = None,
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
    leading_partial
        Also return the leading partial stride of each stretch of data that
        starts with the foot moving (``Segmentation.partial``): the data
        before the first rest (see :data:`REST_RATE_FLOOR_RPS`) is the end
        of a stride, from the data's start to the mid-stance after it. Its
        contact may be in the data (the events tell); its toe-off is taken
        to be not (the foot was not at rest before its swing).
    acc_mps2
        (n, 3) acceleration, m/s^2, any sensor frame: with
        ``leading_partial``, rest also needs the acceleration's size near
        gravity (without it, the angular rate alone decides).

    Returns
    -------
    Segmentation
        Possibly empty, with ``reason`` set.

    Raises
    ------
    ValueError
        When an array has the wrong shape, the rate is not positive, or a
        break is outside the data.
    """
    gyr_rps = checks.samples(gyr_rps, "gyr_rps")
    fs_hz = checks.rate(fs_hz)
    if acc_mps2 is not None:
        acc_mps2 = checks.samples(acc_mps2, "acc_mps2")
        checks.same_length(gyr_rps=gyr_rps, acc_mps2=acc_mps2)
    if breaks is not None:
        breaks = checks.indices(breaks, "breaks", len(gyr_rps) + 1)
    n = gyr_rps.shape[0]
    empty = np.zeros(0, dtype=int)
    if n < int(2 * MIN_STRIDE_S * fs_hz):
        return Segmentation(empty, empty, empty, np.zeros(0), "recording shorter than a stride")
    norm = np.linalg.norm(gyr_rps, axis=1)
    coarse = swing_rate(gyr_rps, fs_hz)
    fine = smooth(norm, fs_hz, 0.06)
    window = int(MAX_STRIDE_S * fs_hz)
    peaks, prom = find_swing_peaks(
        coarse, height=swing_min_rps, distance=max(1, int(MIN_STRIDE_S * fs_hz)), window=window
    )
    bounds = np.concatenate([[0], np.sort(breaks) if breaks is not None else empty, [n]])
    # a swing is followed and preceded by a stance: its peak must rise well
    # above the quieter of the dips around it (rejects the landing rebound)
    swing = prom >= 0.5 * coarse[peaks]
    peaks = peaks[swing]
    if len(peaks) == 0:
        if coarse.max() < 0.3:
            why = "the sensor hardly moved (no rotation above 17 deg/s): no gait"
        else:
            why = (
                f"no swing phase found (peak angular rate {np.degrees(coarse.max()):.0f} deg/s, "
                f"a swing needs {np.degrees(swing_min_rps):.0f} deg/s)"
            )
        return Segmentation(empty, empty, empty, np.zeros(0), why)
    # keep peaks that stand out from their surroundings: at least half the
    # median swing peak of the recording (rejects turning shuffles and
    # stumbles at the height of real swings only if they are much smaller)
    ref = np.median(coarse[peaks])
    peaks = peaks[coarse[peaks] >= SWING_REL_MIN * ref]

    max_gap = int(MAX_STRIDE_S * fs_hz)
    half = int(EDGE_STANCE_S * fs_hz)
    seg_id = np.searchsorted(bounds, peaks, side="right") - 1
    lo_bound = bounds[seg_id]
    hi_bound = bounds[seg_id + 1]
    # the neighbouring swing in the same stretch of data, if close enough
    same = seg_id[1:] == seg_id[:-1]
    gap = np.diff(peaks)
    has_prev = np.concatenate([[False], same & (gap <= max_gap)])
    has_next = np.concatenate([same & (gap <= max_gap), [False]])
    prev_p = np.concatenate([peaks[:1], peaks[:-1]])
    next_p = np.concatenate([peaks[1:], peaks[-1:]])
    lo = np.where(has_prev, prev_p, np.maximum(lo_bound, peaks - half))
    hi = np.where(has_next, next_p, np.minimum(hi_bound, peaks + half))
    lo = np.maximum(lo, lo_bound)
    hi = np.minimum(hi, hi_bound)
    # the quietest sample between the swing and each neighbour (or within
    # ``half`` of it)
    ms_b = lo.copy()
    ok = peaks > lo
    ms_b[ok] = _window_argmin(fine, lo[ok], peaks[ok] + 1)
    ms_a = peaks.copy()
    ok = hi > peaks
    ms_a[ok] = _window_argmin(fine, peaks[ok], hi[ok])
    keep = (ms_a - ms_b >= int(MIN_STRIDE_S * fs_hz * 0.8)) & (ms_a - ms_b <= max_gap)
    keep &= (ms_b < peaks) & (peaks < ms_a)
    peaks, ms_b, ms_a = peaks[keep], ms_b[keep], ms_a[keep]
    lead = np.zeros(len(peaks), dtype=bool)
    if leading_partial and len(peaks):
        peaks, ms_b, ms_a, lead = _leading_partial(
            coarse,
            fine,
            acc_mps2,
            fs_hz,
            peaks,
            ms_b,
            ms_a,
            bounds,
            height=max(swing_min_rps, SWING_REL_MIN * ref),
            max_gap=max_gap,
            tol=max(1, int(round(REST_START_TOL_S * fs_hz))),
        )
    reason = "" if len(peaks) else "no complete stride between two stances"
    return Segmentation(
        peaks,
        ms_b,
        ms_a,
        fine[ms_a] if len(ms_a) else np.zeros(0),
        reason,
        partial=lead if leading_partial else None,
    )


def _leading_partial(
    coarse: np.ndarray,
    fine: np.ndarray,
    acc_mps2: np.ndarray | None,
    fs_hz: float,
    peaks: np.ndarray,
    ms_b: np.ndarray,
    ms_a: np.ndarray,
    bounds: np.ndarray,
    *,
    height: float,
    max_gap: int,
    tol: int,
) -> tuple[np.ndarray, ...]:
    """Mark or add the leading partial stride of each stretch of data
    (between ``bounds``) whose first samples are not rest.

    Rest is judged against the first mid-stance of the stretch's first
    stride (``ms_a``; see :data:`REST_RATE_FLOOR_RPS`), so the answer depends
    on that stride alone, as live, where the window grows, it must. When the
    data does not start at rest (more than ``tol`` samples before the first
    rest ``r``): a first stride whose swing peak comes before ``r`` is a
    leading partial one and starts with the data; otherwise the samples
    before ``r`` make one when their rate rises to a swing's ``height``,
    ending at the first stride's mid-stance (which is searched after ``r``).
    Returns peaks, ms_before, ms_after and partial, in order."""
    peaks, ms_b, ms_a = peaks.copy(), ms_b.copy(), ms_a.copy()
    lead = np.zeros(len(peaks), dtype=bool)
    seg_id = np.searchsorted(bounds, peaks, side="right") - 1
    add = []
    w = int(round(0.06 * fs_hz))
    for sid, i0 in zip(*np.unique(seg_id, return_index=True), strict=True):  # per stretch
        lo, end = int(bounds[sid]), int(ms_a[i0])
        still = fine[lo : end + 1] <= 3.0 * fine[end] + REST_RATE_FLOOR_RPS
        if acc_mps2 is not None:
            # |acc| - g averaged over 60 ms, from the stretch's start to its
            # first mid-stance only (plus the average's reach past it)
            a = acc_mps2[lo : min(int(bounds[sid + 1]), end + 1 + w)]
            dev = smooth(np.abs(np.linalg.norm(a, axis=1) - G_MPS2), fs_hz, 0.06)
            still &= dev[: end + 1 - lo] <= 3.0 * dev[end - lo] + REST_ACC_FLOOR_MPS2
        r = lo + int(np.argmax(still))  # ms_a[i0] itself is rest
        if r - lo <= tol:
            continue  # the data starts with the foot at rest
        p = int(peaks[i0])
        if p < r:  # the data starts in this stride's swing (or just before)
            ms_b[i0], lead[i0] = lo, True
            continue
        if ms_b[i0] < r:  # its mid-stance was taken in the motion before the rest
            ms_b[i0] = r + int(np.argmin(fine[r:p]))
        q = lo + int(np.argmax(coarse[lo:r]))
        if coarse[q] >= height and ms_b[i0] - lo <= max_gap:
            add.append((q, lo, int(ms_b[i0])))
    if add:
        new_pk, new_b, new_a = (np.array(v, dtype=int) for v in zip(*add, strict=True))
        peaks, ms_b, ms_a = (
            np.concatenate([x, y]) for x, y in ((new_pk, peaks), (new_b, ms_b), (new_a, ms_a))
        )
        lead = np.concatenate([np.ones(len(new_pk), dtype=bool), lead])
        order = np.argsort(peaks, kind="stable")
        peaks, ms_b, ms_a, lead = (x[order] for x in (peaks, ms_b, ms_a, lead))
    return peaks, ms_b, ms_a, lead
