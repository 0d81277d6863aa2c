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
            rung[k : k + 4, 1] += np.array([2.5, -1.3, -1.3, 1.2]) * abs(swing_min)
    assert rung[:, 1].min() < 1.2 * swing_min  # the ringing is the fastest toes-up rate
    got = detect_events(acc, rung, fs, seg, pitch_deg=pitch)
    assert np.array_equal(got.mid_swing[ok], ev.mid_swing[ok])
    assert np.allclose(got.to[ok], ev.to[ok])
    assert np.nanmax(np.abs(got.ic[ok] - ev.ic[ok])) <= 0.015 * fs


def test_toe_off_share_follows_the_gait(foot_frame, monkeypatch):
    """Walking strides take toe-off at WALKING_TOE_OFF_SHARE of the falling
    edge; running strides TOE_OFF_CONTACT_SHARE of their contact after the
    push-off peak, and TOE_OFF_SHARE of the falling edge only where the
    stance's contact is not in the data (the first stride): changing one
    share moves only the toe-offs it governs, and a larger share gives a
    later toe-off."""
    from footfall.gait import events
    from footfall.sim import simulate

    run, _ = simulate("easy-run", minutes=0.3, seed=1)
    s = next(x for x in run.streams if x.kind == "imu" and x.placement == "foot")
    seg = segment_strides(s.gyr_rps, s.fs_hz)
    _, acc_r, gyr_r, _ = align_and_integrate(s.acc_mps2, s.gyr_rps, s.fs_hz, seg)
    fs, wseg, acc_w, gyr_w, _ = foot_frame
    walk0 = detect_events(acc_w, gyr_w, fs, wseg).to
    run0 = detect_events(acc_r, gyr_r, s.fs_hz, seg).to
    with monkeypatch.context() as m:
        m.setattr(events, "WALKING_TOE_OFF_SHARE", events.WALKING_TOE_OFF_SHARE + 0.2)
        walk1 = detect_events(acc_w, gyr_w, fs, wseg).to
        run1 = detect_events(acc_r, gyr_r, s.fs_hz, seg).to
    with monkeypatch.context() as m:
        m.setattr(events, "TOE_OFF_CONTACT_SHARE", events.TOE_OFF_CONTACT_SHARE + 0.03)
        run2 = detect_events(acc_r, gyr_r, s.fs_hz, seg).to
        walk2 = detect_events(acc_w, gyr_w, fs, wseg).to
    with monkeypatch.context() as m:
        m.setattr(events, "TOE_OFF_SHARE", events.TOE_OFF_SHARE + 0.2)
        run3 = detect_events(acc_r, gyr_r, s.fs_hz, seg).to
    ok = np.isfinite(walk0)
    assert ok.sum() > 10 and np.all(walk1[ok] > walk0[ok])
    assert np.array_equal(walk2, walk0, equal_nan=True)
    assert np.array_equal(run1, run0, equal_nan=True)
    ok = np.isfinite(run0)
    joined = np.r_[False, seg.ms_before[1:] == seg.ms_after[:-1]]
    assert ok.sum() > 10 and np.all(run2[ok & joined] > run0[ok & joined])
    assert np.array_equal(run2[ok & ~joined], run0[ok & ~joined])
    assert np.array_equal(run3[ok & joined], run0[ok & joined])
    assert np.all(run3[ok & ~joined] > run0[ok & ~joined]) and (ok & ~joined).any()


@pytest.mark.parametrize("scenario", ["midfoot-runner", "forefoot-loader", "heavy-heel-striker"])
def test_a_biased_pitch_moves_no_contact_by_tens_of_ms(scenario):
    """The landing rule reads the foot's pitch (heel first or not); a pitch
    3 deg off either way, as a sensor-to-foot alignment a few degrees off
    gives, moves no running contact by more than 20 ms: the impact bounds
    the contact whichever rule is taken."""
    from footfall.gait.trajectory import pitch_per_sample
    from footfall.sim import simulate

    rec, _ = simulate(scenario, 1.0, seed=3, sensors=("foot",))
    st = rec.streams[0]
    seg = segment_strides(st.gyr_rps, st.fs_hz)
    _, acc, gyr, traj = align_and_integrate(st.acc_mps2, st.gyr_rps, st.fs_hz, seg)
    pitch = pitch_per_sample(traj, len(acc))
    base = detect_events(acc, gyr, st.fs_hz, seg, pitch_deg=pitch).ic
    for d in (-3.0, 3.0):
        ic = detect_events(acc, gyr, st.fs_hz, seg, pitch_deg=pitch + d).ic
        shift_ms = np.abs(ic - base) / st.fs_hz * 1000.0
        assert np.nanmax(shift_ms) <= 20.0, (scenario, d, np.nanmax(shift_ms))
