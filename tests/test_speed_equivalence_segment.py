"""The vectorised stride segmentation (footfall.gait.segment) gives exactly
what the search peak by peak and stride by stride gave, kept here as the
reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from footfall.gait import segment as sg
from footfall.io import read_recording

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"


def _ref_prominences(x: np.ndarray, peaks: np.ndarray, window: int) -> np.ndarray:
    prom = np.empty(len(peaks))
    n = len(x)
    for j, p in enumerate(peaks):
        lo = max(0, p - window)
        seg = x[lo:p]
        higher = np.flatnonzero(seg > x[p])
        left_min = seg[higher[-1] + 1 :].min() if len(higher) else (seg.min() if len(seg) else x[p])
        hi = min(n, p + window + 1)
        seg = x[p + 1 : hi]
        higher = np.flatnonzero(seg > x[p])
        right_min = (
            seg[: higher[0]].min()
            if len(higher) and higher[0] > 0
            else (x[p] if len(higher) else (seg.min() if len(seg) else x[p]))
        )
        prom[j] = x[p] - max(left_min, right_min)
    return prom


def _ref_mid_stances(fine, peaks, bounds, max_gap, half):
    ms_b = np.empty(len(peaks), dtype=int)
    ms_a = np.empty(len(peaks), dtype=int)
    seg_id = np.searchsorted(bounds, peaks, side="right") - 1
    for i, p in enumerate(peaks):
        lo_bound = bounds[seg_id[i]]
        hi_bound = bounds[seg_id[i] + 1]
        prev_p = peaks[i - 1] if i > 0 and seg_id[i - 1] == seg_id[i] else None
        next_p = peaks[i + 1] if i + 1 < len(peaks) and seg_id[i + 1] == seg_id[i] else None
        lo = prev_p if prev_p is not None and p - prev_p <= max_gap else max(lo_bound, p - half)
        hi = next_p if next_p is not None and next_p - p <= max_gap else min(hi_bound, p + half)
        lo = max(lo, lo_bound)
        hi = min(hi, hi_bound)
        ms_b[i] = lo + int(np.argmin(fine[lo : p + 1])) if p > lo else lo
        ms_a[i] = p + int(np.argmin(fine[p:hi])) if hi > p else p
    return ms_b, ms_a


def _signals(seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        n = int(rng.integers(3, 3000))
        x = sg.smooth(np.cumsum(rng.normal(size=n)), 100, float(rng.choice([0.01, 0.1, 0.3])))
        yield np.round(x, 1) if rng.random() < 0.4 else x  # plateaus and ties too


@pytest.mark.parametrize("seed", [0, 1])
def test_prominences_equal_the_search_peak_by_peak(seed):
    rng = np.random.default_rng(100 + seed)
    for x in _signals(seed):
        window = int(rng.integers(1, 700))
        peaks, prom = sg.find_swing_peaks(
            x, height=-np.inf, distance=int(rng.integers(1, 60)), window=window
        )
        assert np.array_equal(prom, _ref_prominences(x, peaks, window))


def test_small_chunks_give_the_same_prominences_and_minima(monkeypatch):
    x = next(iter(_signals(3)))
    while len(x) < 500:
        x = np.concatenate([x, x[::-1]])
    peaks, prom = sg.find_swing_peaks(x, height=-np.inf, distance=5, window=200)
    rng = np.random.default_rng(7)
    lo = np.maximum(peaks - rng.integers(0, 300, len(peaks)), 0)  # windows of any width
    want = sg._window_argmin(x, lo, peaks + 1)
    assert np.array_equal(
        want, [a + np.argmin(x[a : b + 1]) for a, b in zip(lo, peaks, strict=True)]
    )
    monkeypatch.setattr(sg, "_CHUNK", 64)
    monkeypatch.setattr(sg, "_ROWS", 3)
    peaks2, prom2 = sg.find_swing_peaks(x, height=-np.inf, distance=5, window=200)
    assert np.array_equal(peaks, peaks2) and np.array_equal(prom, prom2)
    assert np.array_equal(sg._window_argmin(x, lo, peaks + 1), want)


def _gyros():
    for s in read_recording(SAMPLE).streams:
        yield s.gyr_rps, s.fs_hz
    rng = np.random.default_rng(4)
    for _ in range(30):
        n = int(rng.integers(50, 6000))
        yield np.cumsum(rng.normal(size=(n, 3)), axis=0) * 0.3, float(rng.choice([50, 100, 204.8]))


def test_mid_stances_equal_the_search_stride_by_stride():
    rng = np.random.default_rng(5)
    found = 0
    for gyr, fs in _gyros():
        n = len(gyr)
        n_breaks = int(rng.integers(0, 6))
        for breaks in (None, np.sort(rng.choice(np.arange(1, n), n_breaks, replace=False))):
            seg = sg.segment_strides(gyr, fs, breaks=breaks)
            # the reference on the same swings, before the final filter
            norm = np.linalg.norm(gyr, axis=1)
            coarse = sg.swing_rate(gyr, fs)
            fine = sg.smooth(norm, fs, 0.06)
            peaks, prom = sg.find_swing_peaks(
                coarse,
                height=sg.SWING_MIN_RPS,
                distance=max(1, int(sg.MIN_STRIDE_S * fs)),
                window=int(sg.MAX_STRIDE_S * fs),
            )
            peaks = peaks[prom >= 0.5 * coarse[peaks]]
            if len(peaks) == 0:
                assert len(seg) == 0
                continue
            peaks = peaks[coarse[peaks] >= sg.SWING_REL_MIN * np.median(coarse[peaks])]
            empty = np.zeros(0, dtype=int)
            bounds = np.concatenate([[0], np.sort(breaks) if breaks is not None else empty, [n]])
            max_gap = int(sg.MAX_STRIDE_S * fs)
            ms_b, ms_a = _ref_mid_stances(fine, peaks, bounds, max_gap, int(sg.EDGE_STANCE_S * fs))
            keep = (ms_a - ms_b >= int(sg.MIN_STRIDE_S * fs * 0.8)) & (ms_a - ms_b <= max_gap)
            keep &= (ms_b < peaks) & (peaks < ms_a)
            assert np.array_equal(seg.swing_peak, peaks[keep])
            assert np.array_equal(seg.ms_before, ms_b[keep])
            assert np.array_equal(seg.ms_after, ms_a[keep])
            assert np.array_equal(seg.quiet_rps, fine[ms_a[keep]])
            found += len(seg)
    assert found > 100
