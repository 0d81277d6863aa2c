"""Find gaps in a stream's time stamps (missing samples). Gaps are reported,
never filled: footfall does not invent samples."""

from __future__ import annotations

import numpy as np

__all__ = [
    "GAP_FACTOR",
    "find_gaps",
]


GAP_FACTOR = 1.5
"""A sample interval longer than this many nominal periods is a gap.

1.5 sits halfway between one period (nothing missing) and two periods (one
sample missing): it tolerates timestamp jitter of up to half a period and still
catches a single dropped sample."""


def find_gaps(
    time_s: np.ndarray, fs_hz: float | None = None, *, factor: float = GAP_FACTOR
) -> list[tuple[float, float]]:
    """Intervals with missing samples.

    A gap is any interval between two consecutive samples that is longer than
    ``factor`` times the nominal sample period. The nominal period is
    ``1 / fs_hz`` when the sampling rate is given, otherwise the median
    interval of ``time_s`` (robust to the gaps themselves as long as fewer than
    half the intervals are gaps).

    Parameters
    ----------
    time_s
        Sample times, seconds, strictly increasing, shape (n,).
    fs_hz
        Nominal sampling rate, Hz. None: estimated from the median interval.
    factor
        Threshold in nominal periods (default :data:`GAP_FACTOR`, 1.5).

    Returns
    -------
    list of (start_s, end_s)
        For each gap, the time of the last sample before it and of the first
        sample after it, seconds. Empty when nothing is missing.

    Examples
    --------
    >>> find_gaps(np.array([0.0, 0.01, 0.02, 0.05, 0.06]))
    [(0.02, 0.05)]
    """
    t = np.asarray(time_s, dtype=np.float64)
    if t.ndim != 1 or t.shape[0] < 2:
        return []
    dt = np.diff(t)
    if fs_hz is not None:
        if not np.isfinite(fs_hz) or fs_hz <= 0:
            raise ValueError(f"fs_hz must be a positive number, got {fs_hz!r}")
        period = 1.0 / fs_hz
    else:
        period = float(np.median(dt))
    if not np.isfinite(period) or period <= 0:
        return []
    idx = np.flatnonzero(dt > factor * period)
    return [(float(a), float(b)) for a, b in zip(t[idx], t[idx + 1], strict=True)]
