"""A sample buffer for one device: appends blocks, forgets the oldest samples.

Samples keep an absolute index (counted from the device's first sample), so a
detector can refer to a sample after older ones were dropped.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "SampleBuffer",
]


class SampleBuffer:
    """Times and values of the newest samples of one device.

    Storage is one preallocated array twice the largest size seen; dropping
    old samples moves the kept ones to the front only when the space runs out,
    so appending costs O(block) amortised and memory stays bounded by what the
    caller keeps.

    Parameters
    ----------
    n_columns
        Values per sample.
    capacity
        Initial number of samples the storage holds (grows when needed).
    """

    def __init__(self, n_columns: int, capacity: int = 4096):
        self._cap = max(16, int(capacity))
        self._t = np.empty(self._cap)
        self._v = np.empty((self._cap, n_columns))
        self._lo = 0  # first kept sample in storage
        self._hi = 0  # one past the last sample in storage
        self.base = 0
        """Absolute index of the first kept sample."""

    def __len__(self) -> int:
        return self._hi - self._lo

    @property
    def end(self) -> int:
        """Absolute index one past the newest sample."""
        return self.base + len(self)

    @property
    def time_s(self) -> np.ndarray:
        """(n,) times of the kept samples (a view; do not modify)."""
        return self._t[self._lo : self._hi]

    @property
    def values(self) -> np.ndarray:
        """(n, k) values of the kept samples (a view; do not modify)."""
        return self._v[self._lo : self._hi]

    def append(self, t_s: np.ndarray, values: np.ndarray) -> None:
        """Add samples at the end.

        Parameters
        ----------
        t_s
            (m,) sample times, s.
        values
            (m, k) samples.
        """
        m = len(t_s)
        if m == 0:
            return
        if self._hi + m > self._cap:
            n = len(self)
            if n + m > self._cap // 2:
                self._cap = 2 * (n + m)
                t = np.empty(self._cap)
                v = np.empty((self._cap, self._v.shape[1]))
            else:
                t, v = self._t, self._v
            t[:n] = self._t[self._lo : self._hi]
            v[:n] = self._v[self._lo : self._hi]
            self._t, self._v = t, v
            self._lo, self._hi = 0, n
        self._t[self._hi : self._hi + m] = t_s
        self._v[self._hi : self._hi + m] = values
        self._hi += m

    def drop_before(self, index: int) -> None:
        """Forget the samples with absolute index below ``index``."""
        k = min(max(0, int(index) - self.base), len(self))
        self._lo += k
        self.base += k
