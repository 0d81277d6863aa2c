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
        yaw_deg = np.array([np.degrees(abs(float((stream.gyr_rps[b:e] @ up).sum()))
                                       / stream.fs_hz)
                            for b, e in zip(seg.ms_before, seg.ms_after, strict=True)])
        turning = yaw_deg > 45.0
        assert 0 < turning.sum() < 4
        straight = estimate_alignment(*args, _subset(seg, ~turning))
        apart.append(_angle_deg(al.R[1], straight.R[1]))
        with monkeypatch.context() as m:
            m.setattr(alignment, "TURN_SHARE", 0.0)
            apart_without.append(_angle_deg(estimate_alignment(*args, seg).R[1],
                                            straight.R[1]))
    assert max(apart) < 0.2
    assert max(apart_without) > 0.3


def test_lateral_axis_from_the_mid_swing_not_the_push_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """A simulated overpronator inverts fast as the foot leaves the ground, and
    the rate's norm peaks at the push-off, where roll adds to pitch. The
    lateral axis is taken around each stride's mid-swing (the fastest toes-up
    rotation, checked here against the true foot frame's pitch rate), so the
    forward axis is the foot's long axis (the sensor's mounting is known in
    the simulation) to about a degree; around the norm's peak it is not."""
    from footfall.sim import get_scenario, simulate
    from footfall.sim.sensors import foot_mounting

    # a strong overpronator (24 deg of eversion, undone in the push-off)
    sc = get_scenario("overpronator")
    sc = sc.with_(gait=sc.gait.with_(pronation_excursion_deg=24.0, pronation_velocity_dps=1200.0))
    rec, _ = simulate(sc, 1.0, seed=7, sensors=("foot",), mounting="laces")
    true_rot, _, _ = foot_mounting("laces", True, 0.27, np.random.default_rng(0))
    off, off_norm_peak = [], []
    for stream in rec.streams:
        args = (stream.acc_mps2, stream.gyr_rps, stream.fs_hz)
        seg = segment_strides(stream.gyr_rps, stream.fs_hz)
        pick = np.arange(min(len(seg), ALIGN_STRIDES))
        # the true toes-up rate peak of each stride, in the true foot frame
        pitch_rate = alignment.smooth(stream.gyr_rps @ true_rot[1], stream.fs_hz, 0.1)
        truth = np.array([a + np.argmin(pitch_rate[a:b + 1])
                          for a, b in zip(seg.ms_before[pick], seg.ms_after[pick], strict=True)])
        lat = true_rot[1]
        found = alignment._mid_swings(stream.gyr_rps, lat, seg, pick, stream.fs_hz)
        assert np.array_equal(found, truth)
        assert np.median(np.abs(seg.swing_peak[pick] - truth)) > 0.05 * stream.fs_hz
        off.append(_angle_deg(estimate_alignment(*args, seg).R[0], true_rot[0]))
        with monkeypatch.context() as m:
            m.setattr(alignment, "_mid_swings", lambda g, la, s, p, fs: s.swing_peak[p])
            off_norm_peak.append(_angle_deg(estimate_alignment(*args, seg).R[0], true_rot[0]))
    assert max(off) < 2.0
    assert min(off_norm_peak) > 5.0
