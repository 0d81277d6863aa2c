"""Event detection (footfall.gait.events) gives the same events whether the
strides are searched all at once or in groups of similar length, and the
accelerometer jerk read at a few samples equals the one computed over the
whole stream."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from footfall.gait import trajectory as tr
from footfall.gait.alignment import align_and_integrate
from footfall.gait.events import _jerk_at, detect_events
from footfall.gait.segment import segment_strides
from footfall.io import read_recording
from footfall.sim import simulate

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"


def test_jerk_at_samples_equals_jerk_of_the_whole_stream():
    rng = np.random.default_rng(0)
    acc = rng.normal(size=(2000, 3)) * 5 + np.array([0.0, 0.0, 9.8])
    # C order, Fortran order (a rotated stream) and a column view
    for a in (
        acc,
        Rotation.random(random_state=1).apply(acc).T.copy().T,
        np.hstack([acc, acc])[:, 1:4],
    ):
        full = np.linalg.norm(np.diff(a, axis=0, prepend=a[:1]), axis=1)
        i = rng.integers(0, len(a), size=(50, 30))
        i[0, 0] = 0  # the first sample: no change
        assert np.array_equal(_jerk_at(a, i), full[i])
        assert _jerk_at(a, np.array([0]))[0] == 0.0


def test_events_searched_in_groups_of_strides_equal_one_search(monkeypatch):
    run, _ = simulate("easy-run", minutes=0.3, seed=1)  # running: the impact search
    streams = read_recording(SAMPLE).streams + [s for s in run.streams if s.kind == "imu"]
    for s in streams:
        seg = segment_strides(s.gyr_rps, s.fs_hz)
        _, acc, gyr, traj = align_and_integrate(s.acc_mps2, s.gyr_rps, s.fs_hz, seg)
        pitch = tr.pitch_per_sample(traj, len(acc))
        for pitch_deg in (pitch, None):
            one = detect_events(acc, gyr, s.fs_hz, seg, pitch_deg=pitch_deg)
            with monkeypatch.context() as m:
                m.setattr(tr, "_SPLIT_MIN", 1)
                assert len(tr.length_groups(np.sort(seg.ms_after - seg.ms_before)[::-1])) > 1
                grouped = detect_events(acc, gyr, s.fs_hz, seg, pitch_deg=pitch_deg)
            for f in ("ms_before", "ms_after", "to", "mid_swing", "ic"):
                assert np.array_equal(getattr(one, f), getattr(grouped, f), equal_nan=True), f
