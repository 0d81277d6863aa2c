"""Sensor-to-foot alignment: which strides set it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from footfall.gait import alignment
from footfall.gait.alignment import ALIGN_STRIDES, estimate_alignment
from footfall.gait.segment import segment_strides
from footfall.io import read_recording
from footfall.stream.detector import _subset

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"
needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="sample_data/gaitmap_walk absent")


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(a @ b, -1.0, 1.0))))


def _axis_angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Angle between two axes whatever their signs."""
    return float(np.degrees(np.arccos(np.clip(abs(a @ b), 0.0, 1.0))))


@needs_sample
def test_turning_strides_do_not_set_the_lateral_axis(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first strides of the gaitmap walk include its turn. Turning strides
    (found here independently: more than 45 deg of rotation about the up axis
    over the stride) are left out of the lateral axis, which then is the axis
    of the straight strides alone; without the rejection it is not."""
    apart, apart_without = [], []
    for stream in read_recording(SAMPLE).streams:
        seg = segment_strides(stream.gyr_rps, stream.fs_hz)
        seg = _subset(seg, np.arange(ALIGN_STRIDES))
        args = (stream.acc_mps2, stream.gyr_rps, stream.fs_hz)
        al = estimate_alignment(*args, seg)
        up = al.R[2]
        yaw_deg = np.array(
            [
                np.degrees(abs(float((stream.gyr_rps[b:e] @ up).sum())) / stream.fs_hz)
                for b, e in zip(seg.ms_before, seg.ms_after, strict=True)
            ]
        )
        turning = yaw_deg > 45.0
        assert 0 < turning.sum() < 4
        straight = estimate_alignment(*args, _subset(seg, ~turning))
        apart.append(_angle_deg(al.R[1], straight.R[1]))
        with monkeypatch.context() as m:
            m.setattr(alignment, "TURN_SHARE", 0.0)
            apart_without.append(_angle_deg(estimate_alignment(*args, seg).R[1], straight.R[1]))
    assert max(apart) < 0.2
    assert max(apart_without) > 0.3


def test_mid_swing_found_and_lateral_axis_from_the_push_off() -> None:
    """The swing's first estimate of the lateral axis is taken around each
    stride's mid-swing, the fastest toes-up rotation (checked here against
    the true foot frame's pitch rate); the lateral axis itself comes from
    the heel rise at push-off: the forward axis is within 5 deg of the
    simulated foot's long axis (whose swing carries roll as the foot turns
    back to the landing's inversion, so the swing's axis alone is further
    off on this runner)."""
    from footfall.sim import simulate
    from footfall.sim.sensors import foot_mounting

    rec, _ = simulate("overpronator", 1.0, seed=7, sensors=("foot",), mounting="laces")
    swing, final = [], []
    for stream in rec.streams:
        true_rot, _, _ = foot_mounting(
            "laces", stream.side.value == "left", 0.27, np.random.default_rng(0)
        )
        args = (stream.acc_mps2, stream.gyr_rps, stream.fs_hz)
        seg = segment_strides(stream.gyr_rps, stream.fs_hz)
        pick = np.arange(min(len(seg), ALIGN_STRIDES))
        pitch_rate = alignment.smooth(stream.gyr_rps @ true_rot[1], stream.fs_hz, 0.1)
        truth = np.array(
            [
                a + np.argmin(pitch_rate[a : b + 1])
                for a, b in zip(seg.ms_before[pick], seg.ms_after[pick], strict=True)
            ]
        )
        found = alignment._mid_swings(stream.gyr_rps, true_rot[1], seg, pick, stream.fs_hz)
        assert np.array_equal(found, truth)
        swing.append(_axis_angle_deg(alignment._fit_axes(*args, seg).fwd, true_rot[0]))
        final.append(_axis_angle_deg(estimate_alignment(*args, seg).R[0], true_rot[0]))
    assert max(final) < 5.0
    assert max(final) < max(swing)


def test_quiet_standing_found_only_when_still_long_enough() -> None:
    """quiet_standing finds the still stretch before the gait (gyroscope noise
    and a sensor tilted any way are still standing), not a shorter one, and
    not a foot that moves."""
    from footfall.gait.alignment import STANDING_MIN_S, quiet_standing
    from footfall.model import G_MPS2

    fs = 200.0
    rng = np.random.default_rng(3)
    up = np.array([0.3, -0.5, 0.81])
    up /= np.linalg.norm(up)

    def still(seconds: float) -> tuple[np.ndarray, np.ndarray]:
        n = int(seconds * fs)
        return (G_MPS2 * up + rng.normal(0, 0.05, (n, 3)), rng.normal(0, 0.01, (n, 3)))

    t = np.arange(int(3 * fs)) / fs
    moving_gyr = np.column_stack(
        [np.zeros_like(t), 6 * np.sin(2 * np.pi * 1.3 * t), np.zeros_like(t)]
    )
    moving_acc = G_MPS2 * up + np.column_stack(
        [8 * np.cos(2 * np.pi * 1.3 * t), np.zeros_like(t), np.zeros_like(t)]
    )
    a0, g0 = still(2.0)
    acc, gyr = np.vstack([a0, moving_acc]), np.vstack([g0, moving_gyr])
    span = quiet_standing(acc, gyr, fs, len(acc))
    assert span is not None
    assert span[0] <= 0.1 * fs and abs(span[1] - 2.0 * fs) <= 0.15 * fs
    # too short a stillness, or none at all
    a1, g1 = still(0.6 * STANDING_MIN_S)
    assert (
        quiet_standing(
            np.vstack([moving_acc, a1, moving_acc]),
            np.vstack([moving_gyr, g1, moving_gyr]),
            fs,
            2 * len(t) + len(a1),
        )
        is None
    )
    assert quiet_standing(moving_acc, moving_gyr, fs, len(t)) is None
