"""Small index helpers shared by the event and stride functions of
:mod:`footfall.gait`: sub-sample peaks and crossings, and padded index
windows (many windows of different widths read as one array)."""

from __future__ import annotations

import numpy as np

__all__ = ["crossing", "index_windows", "parabolic_peak"]


def parabolic_peak(y: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Sub-sample location of extrema at indices ``i`` of ``y`` (parabola fit)."""
    i = np.clip(i, 1, len(y) - 2)
    a, b, c = y[i - 1], y[i], y[i + 1]
    den = a - 2 * b + c
    with np.errstate(invalid="ignore", divide="ignore"):
        off = np.where(np.abs(den) > 1e-12, 0.5 * (a - c) / den, 0.0)
    return i + np.clip(off, -0.5, 0.5)


def crossing(y: np.ndarray, i0: np.ndarray, level: np.ndarray | float) -> np.ndarray:
    """Fractional index where ``y`` passes ``level`` between samples ``i0``
    and ``i0 + 1`` (linear interpolation, clipped to that interval)."""
    i1 = np.minimum(i0 + 1, len(y) - 1)
    y0, y1 = y[i0], y[i1]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(y1 != y0, (level - y0) / (y1 - y0), 0.0)
    return i0 + np.clip(frac, 0.0, 1.0)


def index_windows(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Padded index matrix for windows [lo, hi) and its validity mask."""
    width = int(max(1, (hi - lo).max(initial=1)))
    idx = lo[:, None] + np.arange(width)[None, :]
    return idx, idx < hi[:, None]
