"""Replaying a recording through the live path gives the offline steps table.

Same steps, event times within one sample, metrics (angles included) within
1 %. Both paths estimate the sensor-to-foot alignment from a stream's first
strides (footfall.gait.alignment.ALIGN_STRIDES), so the angles need no
exception.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from replay_check import assert_same_rows, replay_rows, replay_steps

from footfall.gait.alignment import ALIGN_STRIDES, estimate_alignment
from footfall.gait.imu import analyze_imu_stream
from footfall.gait.segment import segment_strides
from footfall.io import read_recording
from footfall.pipeline import analyze
from footfall.stream import ImuStepDetector
from footfall.stream.detector import _subset

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="sample_data/gaitmap_walk absent")

TIME_METRICS = (
    "contact_ms",
    "stride_ms",
    "swing_ms",
    "cadence_spm",
    "stride_length_m",
    "speed_mps",
    "impact_g",
    "braking_g",
)
ANGLE_METRICS = (
    "foot_strike_angle_deg",
    "pronation_excursion_deg",
    "pronation_velocity_dps",
    "shank_angle_ic_deg",
)


def pair(off: pd.DataFrame, live: pd.DataFrame, side: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    o = off[off["side"] == side].reset_index(drop=True)
    m = live[live["side"] == side].reset_index(drop=True)
    assert len(o) == len(m), f"{side}: {len(o)} offline steps, {len(m)} live"
    return o, m


def assert_same_steps(off: pd.DataFrame, live: pd.DataFrame, fs_hz: float) -> None:
    assert len(off) > 20
    for side in ("left", "right"):
        o, m = pair(off, live, side)
        for col in ("ic_s", "to_s"):
            a, b = o[col].to_numpy(float), m[col].to_numpy(float)
            assert np.array_equal(np.isfinite(a), np.isfinite(b)), col
            ok = np.isfinite(a)
            assert np.all(np.abs(a[ok] - b[ok]) < 1.0 / fs_hz), col
        for col in TIME_METRICS + ANGLE_METRICS:
            if col not in o or o[col].isna().all():
                continue
            a, b = o[col].to_numpy(float), m[col].to_numpy(float)
            assert np.array_equal(np.isfinite(a), np.isfinite(b)), col
            ok = np.isfinite(a)
            assert np.all(np.abs(a[ok] - b[ok]) <= 0.01 * np.abs(a[ok]) + 1e-9), col
        assert (o["strike_pattern"].fillna("") == m["strike_pattern"].fillna("")).mean() > 0.9


@pytest.fixture(scope="module")
def sim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from footfall.sim import simulate

    out = tmp_path_factory.mktemp("sim") / "run"
    simulate("easy-run", 2.0, 11, out, sensors=("foot",))
    return out


def test_replay_of_simulated_run_gives_offline_steps(sim_folder: Path) -> None:
    off = analyze(sim_folder).steps
    live = replay_steps(sim_folder)
    fs = read_recording(sim_folder).streams[0].fs_hz
    assert_same_steps(off, live, fs)


@needs_sample
def test_replay_of_gaitmap_walk_gives_offline_steps() -> None:
    off = analyze(SAMPLE).steps
    live = replay_steps(SAMPLE)
    fs = read_recording(SAMPLE).streams[0].fs_hz
    assert_same_steps(off, live, fs)


@needs_sample
@pytest.mark.parametrize("block", [1, 7, 64])
def test_with_the_offline_alignment_every_metric_agrees(block: int) -> None:
    """The live machinery itself adds nothing: given the alignment offline
    analysis found, the detector's rows are the offline rows, whatever the
    block size."""
    rec = read_recording(SAMPLE)
    for stream in rec.streams:
        res = analyze_imu_stream(stream)
        det = ImuStepDetector(stream.fs_hz, stream.side, stream.placement, alignment=res.alignment)
        assert_same_rows(replay_rows(det, stream, block), res.steps, min_rows=10)


def _rotation_deg(r1: np.ndarray, r2: np.ndarray) -> float:
    c = (np.trace(r1 @ r2.T) - 1.0) / 2.0
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


@needs_sample
def test_alignment_comes_from_the_first_strides() -> None:
    """Offline and live estimate the alignment from the same strides: the
    first ALIGN_STRIDES. Other strides of the same walk give a rotation
    visibly apart, so the choice of strides is what makes the paths agree."""
    for stream in read_recording(SAMPLE).streams:
        seg = segment_strides(stream.gyr_rps, stream.fs_hz)
        assert len(seg) > ALIGN_STRIDES + 5
        args = (stream.acc_mps2, stream.gyr_rps, stream.fs_hz)
        whole = estimate_alignment(*args, seg)
        first = estimate_alignment(*args, _subset(seg, np.arange(ALIGN_STRIDES)))
        assert np.array_equal(whole.R, first.R)
        assert np.array_equal(analyze_imu_stream(stream).alignment.R, whole.R)
        last = estimate_alignment(
            *args, _subset(seg, np.arange(len(seg) - ALIGN_STRIDES, len(seg)))
        )
        assert _rotation_deg(last.R, whole.R) > 0.1


@needs_sample
@pytest.mark.parametrize("block", [1, 64])
def test_live_alignment_is_the_offline_rotation(block: int) -> None:
    rec = read_recording(SAMPLE)
    for stream in rec.streams:
        det = ImuStepDetector(stream.fs_hz, stream.side, stream.placement)
        vals = np.column_stack([stream.acc_mps2, stream.gyr_rps])
        for i in range(0, len(stream), block):
            det.push(stream.time_s[i : i + block], vals[i : i + block])
        det.flush()
        assert det.n_alignments == 1
        np.testing.assert_allclose(
            det.alignment.R, analyze_imu_stream(stream).alignment.R, rtol=0, atol=1e-12
        )


def test_replay_with_lost_samples_and_drifting_clocks_gives_offline_steps(tmp_path: Path) -> None:
    """Cheap sensors that lose samples (short gaps are bridged for the
    analysis and marked in gap_ms, live as offline) and free-running device
    clocks."""
    from footfall.sim import simulate

    out = tmp_path / "field"
    simulate("easy-run", 1.5, 4, out, sensors=("foot",), profile="field")
    rec = read_recording(out)
    assert sum(len(s.meta.get("gaps", [])) for s in rec.streams) > 5
    off = analyze(out).steps
    live = replay_steps(out)
    bridged = off["gap_ms"].to_numpy() > 0
    assert bridged.sum() > 5 and off.loc[bridged, "stride_ms"].notna().all()
    assert_same_steps(off, live, rec.streams[0].fs_hz)
    for side in ("left", "right"):
        o, m = pair(off, live, side)
        np.testing.assert_allclose(m["gap_ms"].to_numpy(float), o["gap_ms"].to_numpy(float))


def test_shank_imus_live_rows_are_the_offline_rows(tmp_path: Path) -> None:
    """Shank IMUs: the live rows, with the detector's own alignment, are the
    offline rows (the shank's tilt decides between the heel-first and flat
    landing rules, so a different alignment would move contacts)."""
    from footfall.sim import simulate

    out = tmp_path / "shank"
    simulate("easy-run", 1.5, 4, out, sensors=("shank",), profile="field")
    for stream in read_recording(out).streams:
        res = analyze_imu_stream(stream)
        det = ImuStepDetector(stream.fs_hz, stream.side, stream.placement)
        assert_same_rows(
            replay_rows(det, stream, 4),
            res.steps,
            min_rows=50,
            cols=("ic_s", "to_s", "contact_ms", "stride_ms", "shank_angle_ic_deg"),
            rtol=1e-3,
            atol=0.02,
        )


def test_standing_before_the_run_gives_the_live_alignment_too() -> None:
    """A runner who stands still for 15 s before running: offline analysis
    takes the up axis from the standing, and so does the live detector,
    which keeps enough data before the first swing to see it (the same
    rotation to 1e-9)."""
    from footfall.model import G_MPS2, Stream
    from footfall.sim import simulate

    rec, _ = simulate("easy-run", 1.0, seed=8, sensors=("foot",), mounting="random")
    run = rec.streams[0]
    up = analyze_imu_stream(run, rec.condition).alignment.R[2]
    fs = run.fs_hz
    n = int(15 * fs)
    rng = np.random.default_rng(2)
    still = np.hstack([G_MPS2 * up + rng.normal(0, 0.03, (n, 3)), rng.normal(0, 0.005, (n, 3))])
    t = np.r_[np.arange(n) / fs, n / fs + run.time_s - run.time_s[0]]
    stream = Stream(
        kind=run.kind,
        side=run.side,
        placement=run.placement,
        time_s=t,
        values=np.vstack([still, run.values]),
        columns=run.columns,
        name=run.name,
    )
    off = analyze_imu_stream(stream, rec.condition).alignment
    assert off.standing_s >= 7.5
    det = ImuStepDetector(fs, stream.side, "foot")
    rows = replay_rows(det, stream, 50)
    assert len(rows) > 50
    assert det.alignment.standing_s == off.standing_s
    np.testing.assert_allclose(det.alignment.R, off.R, atol=1e-9)
