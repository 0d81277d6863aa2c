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
