"""Short gaps bridged for the analysis: filled on the grid, marked, never
beyond the limit, and the same whether a stream arrives whole or in blocks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from footfall.gait.gaps import BRIDGE_MAX_S, bridge_gaps, filled_ms

FS = 100.0


def _stream_with_gaps(drop: list[tuple[int, int]], n: int = 400):
    t = np.arange(n) / FS
    v = np.column_stack([np.sin(t * 3.0), t * 2.0 + 1.0])
    keep = np.ones(n, bool)
    for lo, hi in drop:
        keep[lo:hi] = False
    return t, v, keep


def test_short_gap_filled_on_the_grid_by_straight_lines() -> None:
    t, v, keep = _stream_with_gaps([(100, 105)])  # 5 samples = 50 ms missing
    br = bridge_gaps(t[keep], v[keep], FS)
    assert br.n_bridged == 1
    np.testing.assert_allclose(br.time_s, t, atol=1e-12)
    assert np.flatnonzero(br.filled).tolist() == [100, 101, 102, 103, 104]
    # the linear column comes back exactly; the real samples are untouched
    np.testing.assert_allclose(br.values[:, 1], v[:, 1], atol=1e-12)
    np.testing.assert_array_equal(br.values[~br.filled], v[keep])
    # the curved one is the chord between the samples around the gap
    chord = np.interp(t[100:105], [t[99], t[105]], [v[99, 0], v[105, 0]])
    np.testing.assert_allclose(br.values[100:105, 0], chord, atol=1e-12)


def test_long_gap_stays_a_gap() -> None:
    missing = int(round(BRIDGE_MAX_S * FS)) + 1
    t, v, keep = _stream_with_gaps([(50, 52), (200, 200 + missing)])
    br = bridge_gaps(t[keep], v[keep], FS)
    assert br.n_bridged == 1
    assert br.filled.sum() == 2
    assert np.max(np.diff(br.time_s)) == pytest.approx((missing + 1) / FS)


def test_gap_at_the_limit_is_bridged() -> None:
    missing = int(round(BRIDGE_MAX_S * FS))
    t, v, keep = _stream_with_gaps([(200, 200 + missing)])
    br = bridge_gaps(t[keep], v[keep], FS)
    assert br.n_bridged == 1 and br.filled.sum() == missing


def test_blocks_give_the_whole_stream_result() -> None:
    rng = np.random.default_rng(5)
    t, v, keep = _stream_with_gaps([(30, 33), (97, 99), (150, 158), (260, 290), (330, 331)])
    t, v = t[keep], v[keep]
    whole = bridge_gaps(t, v, FS)
    cuts = np.sort(rng.choice(np.arange(1, len(t)), size=25, replace=False))
    parts, prev = [], None
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(t)], strict=True):
        br = bridge_gaps(t[lo:hi], v[lo:hi], FS, prev=prev)
        parts.append(br)
        prev = (t[hi - 1], v[hi - 1])
    np.testing.assert_array_equal(np.concatenate([p.time_s for p in parts]), whole.time_s)
    np.testing.assert_array_equal(np.vstack([p.values for p in parts]), whole.values)
    np.testing.assert_array_equal(np.concatenate([p.filled for p in parts]), whole.filled)
    assert sum(p.n_bridged for p in parts) == whole.n_bridged == 4


def test_filled_ms_counts_filled_samples_in_each_span() -> None:
    filled = np.zeros(50, bool)
    filled[[3, 4, 20]] = True
    got = filled_ms(filled, np.array([0, 5, 0, np.nan]), np.array([4, 19, 49, 10]), FS)
    np.testing.assert_allclose(got[:3], [20.0, 0.0, 30.0])
    assert np.isnan(got[3])


def test_analysis_measures_strides_across_short_gaps(tmp_path) -> None:
    """A simulated run that loses a few samples now and then: the strides
    across the gaps are measured, carry gap_ms, and agree with the same run
    without losses."""
    from footfall import analyze
    from footfall.model import Recording
    from footfall.sim import simulate

    rec, _ = simulate("easy-run", 0.5, 7, sensors=("foot",))
    full = analyze(rec).steps
    rng = np.random.default_rng(1)
    streams = []
    for s in rec.streams:
        keep = np.ones(len(s), bool)
        for start in rng.choice(np.arange(100, len(s) - 100), size=15, replace=False):
            keep[start : start + int(rng.integers(1, 8))] = False
        streams.append(dataclasses.replace(s, time_s=s.time_s[keep], values=s.values[keep]))
    res = analyze(Recording(streams, meta=rec.meta))
    bridged = res.steps[res.steps["gap_ms"] > 0]
    assert len(bridged) >= 10
    # no stride is lost to the gaps: only the last of each side has none
    assert res.steps["stride_ms"].isna().sum() == full["stride_ms"].isna().sum()
    assert any("bridged" in n for n in res.notes)
    for side in ("left", "right"):
        a = full[full["side"] == side]
        b = bridged[bridged["side"] == side]
        k = np.searchsorted(a["ic_s"].to_numpy(), b["ic_s"].to_numpy())
        k = np.clip(k, 1, len(a) - 1)
        ic_a = a["ic_s"].to_numpy()
        ic_b = b["ic_s"].to_numpy()
        near = np.where(np.abs(ic_a[k] - ic_b) < np.abs(ic_a[k - 1] - ic_b), k, k - 1)
        assert np.all(np.abs(ic_a[near] - ic_b) < 0.02)
        stride_err = np.abs(a["stride_ms"].to_numpy()[near] - b["stride_ms"].to_numpy())
        assert np.nanmedian(stride_err) < 10.0
