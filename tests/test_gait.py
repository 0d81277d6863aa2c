"""Gait events, alignment and per-step metrics on the shipped sample walk and
on edited copies of it (rotated mounts, gaps, standing still)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

import footfall
from footfall.gait import analyze_imu_stream, strike_pattern_from_angle
from footfall.io import read_recording
from footfall.model import G_MPS2, Recording, Stream, validate_steps

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "gaitmap_walk"


@pytest.fixture(scope="module")
def walk() -> Recording:
    return read_recording(SAMPLE)


@pytest.fixture(scope="module")
def walk_result(walk):
    return footfall.analyze(walk)


def _rotated(stream: Stream, rot: Rotation) -> Stream:
    acc = rot.apply(stream.acc_mps2)
    gyr = rot.apply(stream.gyr_rps)
    return Stream(
        stream.kind,
        stream.side,
        stream.time_s,
        np.hstack([acc, gyr]),
        stream.columns,
        placement=stream.placement,
        name=stream.name,
    )


def test_sample_walk_gives_a_valid_steps_table(walk_result):
    steps = walk_result.steps
    validate_steps(steps)
    assert set(steps["side"]) == {"left", "right"}
    # 2 x 20 m of walking: about 30 contacts per foot, strides about 1.1 s
    assert 25 <= (steps["side"] == "left").sum() <= 40
    assert 1.0 < steps["stride_ms"].median() / 1000 < 1.25
    # walking: contact longer than swing, cadence 100-120, heel first
    assert steps["contact_ms"].median() > steps["swing_ms"].median()
    assert 100 < walk_result.summary["cadence_spm"] < 120
    assert (steps["strike_pattern"].dropna() == "rearfoot").mean() > 0.9
    assert 1.2 < steps["stride_length_m"].median() < 1.5


def test_alignment_puts_foot_axes_where_physics_says(walk_result):
    for name, info in walk_result.streams.items():
        al = info["alignment"]
        assert al["sagittal_share"] > 0.7, name
        assert al["forward_mps"] > 0.5, name  # the foot travels forwards in swing
        R = np.array(al["R"])
        assert np.allclose(R @ R.T, np.eye(3), atol=1e-3)
        assert np.linalg.det(R) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_any_mounting_gives_the_same_steps(walk, walk_result, seed):
    """Rotate each sensor arbitrarily (laces, heel, upside down): the events
    and stride lengths must not change."""
    rots = Rotation.random(2, random_state=seed)
    streams = [_rotated(s, r) for s, r in zip(walk.streams, rots, strict=True)]
    res = footfall.analyze(Recording(streams, meta=walk.meta))
    a, b = walk_result.steps, res.steps
    assert len(a) == len(b)
    assert np.allclose(a["ic_s"], b["ic_s"], atol=0.002)
    assert np.allclose(a["to_s"], b["to_s"], atol=0.002, equal_nan=True)
    assert np.nanmax(np.abs(a["stride_length_m"] - b["stride_length_m"])) < 0.01
    assert np.nanmax(np.abs(a["foot_strike_angle_deg"] - b["foot_strike_angle_deg"])) < 0.5


def test_left_and_right_sensors_swapped_axes_keep_sides(walk):
    """A sensor mirrored across the foot (e.g. moved from the outer to the inner
    side of the shoe) still yields forward travel and the same contacts."""
    flip = Rotation.from_euler("z", 180, degrees=True)
    s = _rotated(walk.streams[0], flip)
    r0 = analyze_imu_stream(walk.streams[0])
    r1 = analyze_imu_stream(s)
    assert np.allclose(r0.steps["ic_s"], r1.steps["ic_s"], atol=0.002)


def _still(n: int, fs: float, t0: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t = t0 + np.arange(n) / fs
    acc = np.tile([0.3, -0.2, G_MPS2], (n, 1)) + rng.normal(0, 0.02, (n, 3))
    gyr = rng.normal(0, 0.005, (n, 3))
    return t, np.hstack([acc, gyr])


def test_standing_still_is_no_gait_not_a_crash():
    rng = np.random.default_rng(0)
    t, v = _still(6000, 200.0, 0.0, rng)
    s = Stream("imu", "left", t, v, ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"))
    res = footfall.analyze(Recording([s]))
    assert len(res.steps) == 0
    assert any("no gait" in n for n in res.notes)
    assert res.summary["n_steps"] == 0


def test_too_short_is_no_gait():
    rng = np.random.default_rng(1)
    t, v = _still(20, 200.0, 0.0, rng)
    s = Stream("imu", "right", t, v, ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"))
    res = analyze_imu_stream(s)
    assert len(res.steps) == 0 and res.notes


def test_pauses_of_standing_do_not_create_or_lose_steps(walk):
    """Stop for 5 s in the middle of the walk: same contacts before and after
    the pause (shifted), no stride measured across the pause."""
    s = walk.streams[0]
    fs = s.fs_hz
    cut = len(s) // 2
    # cut at the quietest sample near the middle (foot flat)
    g = np.linalg.norm(s.gyr_rps, axis=1)
    win = slice(cut - int(0.6 * fs), cut + int(0.6 * fs))
    cut = win.start + int(np.argmin(g[win]))
    rng = np.random.default_rng(2)
    n_pause = int(5 * fs)
    still = np.tile(s.values[cut], (n_pause, 1))
    still[:, 3:] = rng.normal(0, 0.005, (n_pause, 3))
    values = np.vstack([s.values[:cut], still, s.values[cut:]])
    t = np.arange(len(values)) / fs
    paused = Stream(s.kind, s.side, t, values, s.columns, name="paused")
    a = analyze_imu_stream(s).steps
    b = analyze_imu_stream(paused).steps
    assert len(b) == len(a)
    shift = np.where(a["ic_s"] > s.time_s[cut], n_pause / fs, 0.0)
    assert np.allclose(b["ic_s"], a["ic_s"] + shift, atol=0.003)
    assert b["stride_ms"].max() < 2000  # nothing spans the pause


def test_gap_in_data_is_reported_and_never_bridged(walk):
    s = walk.streams[1]
    fs = s.fs_hz
    keep = np.ones(len(s), dtype=bool)
    lo = len(s) // 2
    keep[lo : lo + int(0.4 * fs)] = False  # 0.4 s of samples lost mid-stride
    gappy = Stream(s.kind, s.side, s.time_s[keep], s.values[keep], s.columns, name="gappy")
    res = analyze_imu_stream(gappy)
    assert any("gap" in n for n in res.notes)
    gap_t = s.time_s[lo]
    st = res.steps
    spans = (st["ic_s"] < gap_t) & (st["ic_s"] + st["stride_ms"] / 1000 > gap_t)
    assert not spans.any()
    # the steps away from the gap are the same as without it
    full = analyze_imu_stream(s).steps
    far = np.abs(full["ic_s"] - gap_t) > 2.5
    got = st["ic_s"].to_numpy()
    for t in full.loc[far, "ic_s"]:
        assert np.min(np.abs(got - t)) < 0.002


def test_strike_pattern_bands():
    got = strike_pattern_from_angle(np.array([20.0, 8.1, 8.0, 0.0, -1.6, -1.7, np.nan]))
    assert list(got) == ["rearfoot", "rearfoot", "midfoot", "midfoot", "midfoot", "forefoot", None]


def test_treadmill_speed_sets_stride_length(walk):
    meta = {**walk.meta, "condition": {"surface": "treadmill", "speed_mps": 1.25}}
    res = footfall.analyze(Recording(walk.streams, meta=meta))
    st = res.steps.dropna(subset=["stride_ms"])
    assert np.allclose(st["speed_mps"], 1.25)
    assert np.allclose(st["stride_length_m"], 1.25 * st["stride_ms"] / 1000)
    assert st["stride_length_zupt_m"].notna().all()


def test_peak_finder_and_smoother_agree_with_scipy():
    """footfall's NumPy peak finder and moving average (used to keep the CLI's
    start-up fast) give exactly scipy's answers."""
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import find_peaks

    from footfall.gait.segment import find_swing_peaks, smooth

    rng = np.random.default_rng(0)
    for _ in range(50):
        x = smooth(np.cumsum(rng.normal(size=3000)), 100, 0.1)
        ref, props = find_peaks(x, height=0, distance=40, prominence=0, wlen=2 * 500 + 1)
        got, prom = find_swing_peaks(x, height=0, distance=40, window=500)
        assert np.array_equal(ref, got)
        assert np.allclose(props["prominences"], prom)
        y = rng.normal(size=500)
        assert np.allclose(smooth(y, 100, 0.07), uniform_filter1d(y, 7, mode="nearest"))
