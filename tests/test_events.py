"""Event rules of footfall.gait.events on edited copies of the sample walk
(foot frame): each test adds what a real recording has and checks that the
events found do not move."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from footfall.gait import trajectory as tr
from footfall.gait.alignment import align_and_integrate
from footfall.gait.events import detect_events
from footfall.gait.segment import segment_strides
from footfall.io import read_recording

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"


@pytest.fixture(scope="module")
def foot_frame():
    s = read_recording(SAMPLE).streams[0]
    seg = segment_strides(s.gyr_rps, s.fs_hz)
    _, acc, gyr, traj = align_and_integrate(s.acc_mps2, s.gyr_rps, s.fs_hz, seg)
    pitch = tr.pitch_per_sample(traj, len(acc))
    return s.fs_hz, seg, acc, gyr, pitch


def test_impact_ringing_is_not_taken_for_mid_swing(foot_frame):
    """A loosely strapped sensor rings at the impact: a few samples of pitch
    rate of both signs, the negative ones faster than the swing's toes-up
    rotation. Mid-swing and toe-off must stay where they were (before the
    rule, mid-swing jumped to the ringing and toe-off to its positive spike,
    at the contact), and the contact must not move by more than 15 ms."""
    fs, seg, acc, gyr, pitch = foot_frame
    ev = detect_events(acc, gyr, fs, seg, pitch_deg=pitch)
    ok = np.isfinite(ev.ic) & np.isfinite(ev.to)
    assert ok.sum() > 10
    rung = gyr.copy()
    swing_min = gyr[:, 1].min()
    for i in np.flatnonzero(ok):
        k = int(np.ceil(ev.ic[i])) + 2  # just after the contact, in the loading
        if k + 4 < ev.ms_after[i]:
            rung[k:k + 4, 1] += np.array([2.5, -1.3, -1.3, 1.2]) * abs(swing_min)
    assert rung[:, 1].min() < 1.2 * swing_min  # the ringing is the fastest toes-up rate
    got = detect_events(acc, rung, fs, seg, pitch_deg=pitch)
    assert np.array_equal(got.mid_swing[ok], ev.mid_swing[ok])
    assert np.allclose(got.to[ok], ev.to[ok])
    assert np.nanmax(np.abs(got.ic[ok] - ev.ic[ok])) <= 0.015 * fs
