"""Short gaps in a sampled stream: bridged for analysis, never hidden.

Wireless sensors lose packets: a foot IMU streaming over a radio link (the
IPOL walks, recorded with XSens Awinda sensors, skip up to 7 packet
counts at a time) or a live device whose frame was corrupted. A gap of a few samples in
the middle of a swing would otherwise cost the whole stride, and on a lossy
link that is most strides.

For the analysis only, a gap of at most :data:`BRIDGE_MAX_S` is filled with
samples on the nominal grid, linearly interpolated between the two real
samples around it. The recording itself is never changed; every filled
sample is marked, the steps measured across filled samples carry the amount
in ``gap_ms``, and the analysis notes say how many gaps were bridged. Longer
gaps stay breaks: no stride is measured across them.

The fill depends only on the two samples around a gap, so a stream bridged
block by block (live, :class:`footfall.stream.detector.ImuStepDetector`)
gets exactly the samples of the whole stream bridged at once (offline).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BRIDGE_MAX_S = 0.1
"""Longest stretch of missing data filled for analysis, s. At walking and
running cadences a stride lasts 0.6-1.4 s; 100 ms is a fraction of the
shortest swing, short enough that the events on either side of it are
still seen, and the trajectory integrated over it still closes at the next
mid-stance (the zero-velocity update bounds the error)."""


ACC_MAX_MPS2 = 2000.0
"""An accelerometer sample larger than this (about 200 g; sensors worn on the
foot go to 16-32 g, and impacts in running shoes reach some 10-20 g) is not a
measurement: a corrupted sample (m/s^2)."""

GYR_MAX_RPS = 70.0
"""A gyroscope sample larger than this (about 4000 deg/s, above the largest
common full scale) is not a measurement (rad/s)."""


def implausible(values: np.ndarray) -> np.ndarray:
    """(n,) True where an IMU sample (acc m/s^2, then gyr rad/s) cannot be a
    measurement: not finite, or beyond :data:`ACC_MAX_MPS2` /
    :data:`GYR_MAX_RPS` on any axis. Such samples are analysed as missing
    (:func:`drop_implausible`), never as values: one sample of 1e308 would
    otherwise turn a stride's orientation."""
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(v[:, :6]).all(axis=1)
        bad |= (np.abs(v[:, :3]) > ACC_MAX_MPS2).any(axis=1)
        bad |= (np.abs(v[:, 3:6]) > GYR_MAX_RPS).any(axis=1)
    return bad


def drop_implausible(time_s: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """``time_s`` and ``values`` without their :func:`implausible` samples (a
    gap where they were, which :func:`bridge_gaps` then treats like a lost
    packet), and how many there were. Sample by sample, so a stream cleaned
    block by block (live) gets the samples of the whole stream cleaned at once."""
    bad = implausible(values)
    if not bad.any():
        return time_s, values, 0
    keep = ~bad
    return np.asarray(time_s)[keep], np.asarray(values)[keep], int(bad.sum())


@dataclass
class Bridged:
    """A stream with its short gaps filled.

    Attributes
    ----------
    time_s
        (m,) sample times: the real ones plus the filled ones.
    values
        (m, k) samples.
    filled
        (m,) True where the sample was filled in, not measured.
    n_bridged
        Number of gaps filled.
    """

    time_s: np.ndarray
    values: np.ndarray
    filled: np.ndarray
    n_bridged: int


def bridge_gaps(
    time_s: np.ndarray,
    values: np.ndarray,
    fs_hz: float,
    max_gap_s: float = BRIDGE_MAX_S,
    prev: tuple[float, np.ndarray] | None = None,
) -> Bridged:
    """Fill gaps of at most ``max_gap_s`` of missing data.

    Parameters
    ----------
    time_s
        (n,) increasing sample times, s.
    values
        (n, k) samples (e.g. accelerometer and gyroscope).
    fs_hz
        Nominal sampling rate, Hz. An interval longer than 1.5 sample periods
        is a gap; it is filled when the missing data (the interval less one
        period) is at most ``max_gap_s``.
    prev
        The last sample before ``time_s[0]`` (time, values), when the stream
        arrives in blocks: a gap between the blocks is filled too. The
        returned arrays hold only the filled samples and this block's, not
        ``prev`` itself.

    Returns
    -------
    Bridged
    """
    time_s = np.asarray(time_s, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    period = 1.0 / fs_hz
    # the common case, a block without a gap (live: every block), costs two
    # comparisons: no interval is longer than 1.5 periods, so nothing is filled
    first_dt = time_s[0] - float(prev[0]) if prev is not None and len(time_s) else 0.0
    if first_dt <= 1.5 * period and (
        len(time_s) < 2 or float(np.diff(time_s).max()) <= 1.5 * period
    ):
        return Bridged(time_s, values, np.zeros(len(time_s), bool), 0)
    if prev is not None:
        t_all = np.concatenate(([float(prev[0])], time_s))
        v_all = np.vstack([np.asarray(prev[1], dtype=np.float64).reshape(1, -1), values])
    else:
        t_all, v_all = time_s, values
    dt = np.diff(t_all)
    n_fill = np.rint(dt * fs_hz).astype(np.int64) - 1
    fill = (dt > 1.5 * period) & (dt - period <= max_gap_s + 1e-9 * max_gap_s) & (n_fill > 0)
    skip = 1 if prev is not None else 0
    if not fill.any():
        return Bridged(time_s, values, np.zeros(len(time_s), bool), 0)
    gaps = np.flatnonzero(fill)
    counts = n_fill[gaps]
    # where each original sample lands in the output
    extra = np.zeros(len(t_all), np.int64)
    extra[gaps + 1] = counts
    pos = np.arange(len(t_all)) + np.cumsum(extra)
    m = len(t_all) + int(counts.sum())
    t_out = np.empty(m)
    v_out = np.empty((m, v_all.shape[1]))
    filled = np.ones(m, bool)
    t_out[pos] = t_all
    v_out[pos] = v_all
    filled[pos] = False
    # filled samples: fraction k / (count + 1) of the way across their gap
    owner = np.repeat(gaps, counts)
    k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    frac = k / np.repeat(counts + 1, counts)
    where = np.flatnonzero(filled)
    t_out[where] = t_all[owner] + frac * dt[owner]
    v_out[where] = v_all[owner] + frac[:, None] * (v_all[owner + 1] - v_all[owner])
    if skip:
        t_out, v_out, filled = t_out[1:], v_out[1:], filled[1:]
    return Bridged(t_out, v_out, filled, len(gaps))


def filled_ms(filled: np.ndarray, start: np.ndarray, stop: np.ndarray, fs_hz: float) -> np.ndarray:
    """Filled data between sample indices ``start`` and ``stop`` (inclusive)
    of each row, ms; 0 where none, NaN where an index is not finite."""
    start = np.asarray(start, dtype=float)
    stop = np.asarray(stop, dtype=float)
    ok = np.isfinite(start) & np.isfinite(stop)
    csum = np.concatenate(([0], np.cumsum(filled, dtype=np.int64)))
    n = len(filled)
    lo = np.clip(np.where(ok, start, 0), 0, n - 1).astype(np.int64)
    hi = np.clip(np.where(ok, stop, 0), 0, n - 1).astype(np.int64)
    count = csum[np.maximum(hi, lo) + 1] - csum[lo]
    return np.where(ok, count * 1000.0 / fs_hz, np.nan)


__all__ = ["BRIDGE_MAX_S", "Bridged", "bridge_gaps", "filled_ms"]
