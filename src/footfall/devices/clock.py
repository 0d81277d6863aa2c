"""Map a device's microsecond clock onto the host's time axis.

Every frame says when (device time) its last sample was taken; the host notes
when (host time) the frame arrived. Arrival = sampling + transport delay, and
the delay is never negative: USB polling, the operating system and buffering
only ever add to it. So the least-delayed frames trace a straight line,
host = slope * device + offset, below all the others: the *lower envelope*.
The slope absorbs the device crystal's drift (+-50 ppm is 180 ms an hour);
jitter and bursts of delay sit above the line and do not move it.

The fit takes the smallest delay in each window of device time (2 s by
default), fits a line through those minima by least squares, refits on the
lower half of the residuals (so windows whose every frame was late, e.g.
during a stall, do not pull it) and finally lowers the line to the lowest
minimum. Mapped times are then "sampling time + the smallest transport
delay seen", a constant of about a millisecond on USB, the same for every
device on the host.

References
----------
The lower-envelope idea is the one used for one-way clock offset and skew
estimation in network time measurement: S. B. Moon, P. Skelly and
D. Towsley, "Estimation and removal of clock skew from network delay
measurements", Proc. IEEE INFOCOM 1999.
"""

from __future__ import annotations

from array import array
from collections import deque

import numpy as np

__all__ = [
    "ClockMapper",
    "LowerEnvelope",
    "MAX_DRIFT_PPM",
    "MIN_SPAN_S",
    "WINDOW_S",
    "fit_clock",
]


WINDOW_S = 2.0
"""Width of the windows of device time whose least-delayed frame is kept, s."""
MAX_DRIFT_PPM = 1000.0
"""Slopes further than this from 1 are clamped (crystals stay within +-100 ppm)."""
MIN_SPAN_S = 20.0
"""Device-time span needed before the slope is estimated; until then slope = 1."""


def _window_minima(
    dev_s: np.ndarray, host_s: np.ndarray, window_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """The least-delayed (device, host) pair in each window of device time."""
    order = np.argsort(dev_s, kind="stable")
    d, h = dev_s[order], host_s[order]
    delay = h - d
    win = np.floor((d - d[0]) / window_s).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, win[1:] != win[:-1]])
    # argmin within each window: sort by (window, delay) and take the first of each
    idx = np.lexsort((delay, win))
    first = idx[starts]
    return d[first], h[first]


def fit_clock(
    dev_s: np.ndarray,
    host_s: np.ndarray,
    *,
    window_s: float = WINDOW_S,
    max_drift_ppm: float = MAX_DRIFT_PPM,
    min_span_s: float = MIN_SPAN_S,
) -> tuple[float, float, float]:
    """Fit host = offset + slope * (device - device_ref) as a lower envelope.

    Parameters
    ----------
    dev_s
        Device times of the frames (last sample of each), seconds, shape (n,).
    host_s
        Host receive times of the same frames, seconds, shape (n,).
    window_s
        Window of device time whose least-delayed frame is kept, s.
    max_drift_ppm
        Clamp of ``|slope - 1|``, ppm.
    min_span_s
        Device-time span needed to estimate the slope; shorter: slope 1.

    Returns
    -------
    slope, offset_s, device_ref_s
        The line: ``host = offset_s + slope * (device - device_ref_s)``.
    """
    dev_s = np.asarray(dev_s, dtype=np.float64)
    host_s = np.asarray(host_s, dtype=np.float64)
    if dev_s.size == 0:
        return 1.0, 0.0, 0.0
    ref = float(dev_s.min())
    d, h = _window_minima(dev_s - ref, host_s, window_s)
    return _fit_minima(d, h, ref, max_drift_ppm=max_drift_ppm, min_span_s=min_span_s)


def _fit_minima(
    d: np.ndarray, h: np.ndarray, ref: float, *, max_drift_ppm: float, min_span_s: float
) -> tuple[float, float, float]:
    """The line of :func:`fit_clock` through the window minima ``d`` (device
    time less ``ref``) and ``h`` (host time), in window order."""
    slope = 1.0
    if d.size >= 3 and d[-1] - d[0] >= min_span_s:
        keep = np.ones(d.size, dtype=bool)
        for _ in range(2):
            a, b = np.polyfit(d[keep], h[keep], 1)
            resid = h - (a * d + b)
            keep = resid <= np.median(resid[keep])
            if keep.sum() < 3:
                break
        slope = float(a)
    lim = max_drift_ppm * 1e-6
    slope = float(np.clip(slope, 1.0 - lim, 1.0 + lim))
    offset = float(np.min(h - slope * d))
    return slope, offset, ref


class LowerEnvelope:
    """:func:`fit_clock` over frames given a batch at a time, in memory that
    does not grow with the frames: only each window's least-delayed frame is
    kept.

    Feed the frames of one device boot in the order they came with
    :meth:`add`, then :meth:`fit` gives the line :func:`fit_clock` gives for
    all of them at once, to the bit. The windows are counted from the
    smallest device time, which is known once the frames are past it: each
    batch says how low later frames can go (``later_at_least_s``; for a
    device frame, the device time of its first sample, which does not go
    back within a boot). Until then the frames are held as they are (in
    practice the first one or two); after, a window is closed and kept as
    one point once later frames can no longer fall into it.

    Parameters
    ----------
    window_s, max_drift_ppm, min_span_s
        As :func:`fit_clock`.
    """

    def __init__(
        self,
        *,
        window_s: float = WINDOW_S,
        max_drift_ppm: float = MAX_DRIFT_PPM,
        min_span_s: float = MIN_SPAN_S,
    ):
        self.window_s = window_s
        self.max_drift_ppm = max_drift_ppm
        self.min_span_s = min_span_s
        self.ref: float | None = None
        self._low = np.inf
        self._held: list[tuple[np.ndarray, np.ndarray]] = []
        # open windows: window -> (delay, device time - ref, host time)
        self._open: dict[int, tuple[float, float, float]] = {}
        self._d, self._h = array("d"), array("d")
        self.n = 0

    def add(self, dev_s: np.ndarray, host_s: np.ndarray, later_at_least_s: float) -> None:
        """Frames' device times (last sample of each) and host receive
        times, s, in the order they came; no frame added after these has a
        device time below ``later_at_least_s``."""
        dev_s = np.asarray(dev_s, dtype=np.float64)
        host_s = np.asarray(host_s, dtype=np.float64)
        if dev_s.size:
            self.n += dev_s.size
            if self.ref is None:
                self._held.append((dev_s.copy(), host_s.copy()))
                self._low = min(self._low, float(dev_s.min()))
            else:
                self._bucket(dev_s, host_s)
        if self.ref is None and self._held and later_at_least_s >= self._low:
            self._settle()
        if self.ref is not None:
            self._close(int(np.floor((later_at_least_s - self.ref) / self.window_s)))

    def _settle(self) -> None:
        """The smallest device time is known: window the frames held."""
        self.ref = self._low
        held, self._held = self._held, []
        for dev, host in held:
            self._bucket(dev, host)

    def _bucket(self, dev: np.ndarray, host: np.ndarray) -> None:
        """Each window's least-delayed frame of a batch, merged into the open
        windows. Ties go as in :func:`fit_clock`: the smaller device time,
        then the frame that came first."""
        assert self.ref is not None
        d = dev - self.ref
        delay = host - d
        win = np.floor(d / self.window_s).astype(np.int64)
        idx = np.lexsort((np.arange(d.size), d, delay, win))
        ws = win[idx]
        first = idx[np.flatnonzero(np.r_[True, ws[1:] != ws[:-1]])]
        for i in first.tolist():
            w = int(win[i])
            new = (float(delay[i]), float(d[i]), float(host[i]))
            old = self._open.get(w)
            # a NaN delay sorts last in fit_clock, as here
            if old is None or new[:2] < old[:2] or (old[0] != old[0] and new[0] == new[0]):
                self._open[w] = new

    def _close(self, below: int) -> None:
        """Keep the windows before ``below`` as points, in window order."""
        done = sorted(w for w in self._open if w < below)
        for w in done:
            _, d, h = self._open.pop(w)
            self._d.append(d)
            self._h.append(h)

    def fit(self) -> tuple[float, float, float]:
        """The line of :func:`fit_clock` over every frame added:
        ``(slope, offset_s, device_ref_s)``."""
        if self.n == 0:
            return 1.0, 0.0, 0.0
        if self.ref is None:
            self._settle()
        self._close(np.iinfo(np.int64).max)
        d = np.frombuffer(self._d, dtype=np.float64)
        h = np.frombuffer(self._h, dtype=np.float64)
        assert self.ref is not None
        return _fit_minima(
            d.copy(),
            h.copy(),
            self.ref,
            max_drift_ppm=self.max_drift_ppm,
            min_span_s=self.min_span_s,
        )


class ClockMapper:
    """Online device-to-host clock mapping for one device (one boot of it).

    Feed it every frame with :meth:`observe`; map sample times with
    :meth:`to_host`. Before ``min_span_s`` of device time the slope is 1 and
    the offset the smallest delay seen; after, the lower-envelope fit of
    :func:`fit_clock` over the last ``history_s`` of window minima.

    Parameters
    ----------
    window_s, max_drift_ppm, min_span_s
        As :func:`fit_clock`.
    history_s
        Device time kept for the fit, s.
    """

    def __init__(
        self,
        *,
        window_s: float = WINDOW_S,
        max_drift_ppm: float = MAX_DRIFT_PPM,
        min_span_s: float = MIN_SPAN_S,
        history_s: float = 600.0,
    ):
        self.window_s = window_s
        self.max_drift_ppm = max_drift_ppm
        self.min_span_s = min_span_s
        self._minima: deque[tuple[float, float]] = deque(maxlen=max(int(history_s / window_s), 4))
        self._ref: float | None = None
        self._win: int | None = None
        self._win_best: tuple[float, float] | None = None
        self.slope = 1.0
        self.offset_s = 0.0
        self.n_observed = 0

    def observe(self, dev_s: float, host_s: float) -> None:
        """Record that a frame whose last sample was taken at device time ``dev_s``
        arrived at host time ``host_s`` (both seconds)."""
        if self._ref is None:
            self._ref = dev_s
            self.offset_s = host_s
        x = dev_s - self._ref
        win = int(np.floor(x / self.window_s))
        if self._win is not None and win != self._win and self._win_best is not None:
            self._minima.append(self._win_best)
            self._win_best = None
            self._refit()
        self._win = win
        if self._win_best is None or host_s - x < self._win_best[1] - self._win_best[0]:
            self._win_best = (x, host_s)
        # a frame earlier than the line says is possible moves the line down at once
        predicted = self.offset_s + self.slope * x
        if host_s < predicted:
            self.offset_s -= predicted - host_s
        self.n_observed += 1

    def _refit(self) -> None:
        pts = np.array(self._minima)
        slope, offset, ref = fit_clock(
            pts[:, 0],
            pts[:, 1],
            window_s=self.window_s,
            max_drift_ppm=self.max_drift_ppm,
            min_span_s=self.min_span_s,
        )
        self.slope = slope
        self.offset_s = offset - slope * ref

    def to_host(self, dev_s: np.ndarray | float) -> np.ndarray:
        """Host times (s) of device times ``dev_s`` (s)."""
        if self._ref is None:
            raise RuntimeError("ClockMapper.to_host before any observe()")
        return self.offset_s + self.slope * (np.asarray(dev_s, dtype=np.float64) - self._ref)
