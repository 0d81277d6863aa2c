"""The calibration before a run (stand still, then a few heel raises) gives
the foot's axes: up from standing, the lateral axis from the raises
(footfall.gait.alignment.heel_raise_axis), offline and live alike. The
virtual runner makes the calibration (footfall.sim.calibration)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from replay_check import replay_rows

from footfall.gait.alignment import HEEL_RAISES_MIN
from footfall.gait.imu import analyze_imu_stream
from footfall.sim import simulate
from footfall.sim.calibration import calibration_imu, with_calibration
from footfall.stream.detector import ImuStepDetector


def _errors(stream, condition):
    """Heading and tilt error (deg) of the alignment against the simulated
    mounting, and the alignment."""
    al = analyze_imu_stream(stream, condition).alignment
    e = al.R @ np.asarray(stream.meta["mounting_matrix"]).T
    return (
        float(np.degrees(np.arctan2(e[1, 0], e[0, 0]))),
        float(np.degrees(np.arccos(np.clip(e[2, 2], -1.0, 1.0)))),
        al,
    )


@pytest.fixture(scope="module")
def toe_out_run():
    """The turned-out forefoot runner, whose push-off axis is 5-6 deg off
    the foot's (tests/test_sim_realfoot.py)."""
    return simulate("toe-out-forefoot", minutes=1, seed=7, sensors=("foot",), mounting="random")


def test_without_a_calibration_the_heading_is_off(toe_out_run):
    """The failure the calibration mends: from running alone the long axis of
    this foot is more than 4 deg off."""
    rec, _ = toe_out_run
    for st in rec.streams:
        heading, _, al = _errors(st, rec.condition)
        assert abs(heading) > 4.0 and al.heel_raises == 0


@pytest.mark.parametrize("mounting", ["random", "lateral", "heel", "laces"])
def test_heel_raises_give_the_foot_axes_in_any_mounting(mounting):
    rec, _ = simulate("toe-out-forefoot", minutes=1, seed=7, sensors=("foot",), mounting=mounting)
    cal = with_calibration(rec)
    for st in cal.streams:
        heading, tilt, al = _errors(st, cal.condition)
        assert al.heel_raises == 3 and al.standing_s > 2.0, (st.side, al)
        assert abs(heading) <= 0.5 and tilt <= 0.5, (st.side, heading, tilt)


def test_toe_out_follows_the_calibration(toe_out_run):
    """Toe-out per step, which reads 5-6 deg too large from running alone,
    is within 1.5 deg of the truth after a calibration, and the calibration
    adds no step."""
    rec, truth = toe_out_run
    cal = with_calibration(rec)
    for st in cal.streams:
        steps = analyze_imu_stream(st, cal.condition).steps
        t = truth[truth["side"] == st.side.value]
        ic, ic_t = steps["ic_s"].to_numpy(), t["ic_s"].to_numpy()
        run_start = next(r for r in rec.streams if r.side == st.side).time_s[0]
        assert (ic >= run_start).all()  # no step in the calibration
        j = np.argmin(np.abs(ic[None, :] - ic_t[:, None]), axis=1)
        ok = np.abs(ic[j] - ic_t) < 0.05
        d = (
            steps["foot_progression_deg"].to_numpy()[j][ok]
            - t["foot_progression_deg"].to_numpy()[ok]
        )
        assert ok.sum() > 50 and np.nanmean(np.abs(d)) <= 1.5, (st.side, np.nanmean(np.abs(d)))


@pytest.mark.parametrize("raise_s,hold", [(0.8, 0.0), (1.2, 1.0)])
def test_quick_and_held_raises_are_found(raise_s, hold):
    """A quick raise (0.8 s up and down: the rise and the lowering run into
    one stretch of motion) and a slower one held 1 s at the top (a rate of
    zero between them). Raises quicker than about 0.7 s turn the foot as
    fast as a slow step's swing and are taken for steps
    (docs/coordinate-frames.md)."""
    rec, _ = simulate("easy-run", minutes=0.5, seed=3, sensors=("foot",), mounting="random")
    st = rec.streams[0]
    fs = st.fs_hz
    m, site = np.asarray(st.meta["mounting_matrix"]), np.asarray(st.meta["site_m"])
    acc, gyr = calibration_imu(m, site, fs, standing_s=1.0, raises=0)
    parts = [np.hstack([acc, gyr])]
    for _ in range(3):
        a, g = calibration_imu(m, site, fs, standing_s=0.0, raises=1, raise_s=raise_s)
        top = int(round(raise_s * fs / 2))
        held = np.hstack([a, g])
        parts.append(
            np.vstack([held[:top], np.repeat(held[top : top + 1], int(hold * fs), 0), held[top:]])
        )
    pro = np.vstack(parts)
    rng = np.random.default_rng(0)
    pro = pro + np.hstack([rng.normal(0, 0.03, (len(pro), 3)), rng.normal(0, 0.003, (len(pro), 3))])
    t = st.time_s[0] - (len(pro) - np.arange(len(pro))) / fs
    cal = replace(st, time_s=np.r_[t, st.time_s], values=np.vstack([pro, st.values]))
    heading, _, al = _errors(cal, rec.condition)
    assert al.heel_raises == 3, al
    assert abs(heading) <= 0.5


@pytest.mark.parametrize("raises", [0, 1])
def test_standing_or_one_raise_is_no_calibration(toe_out_run, raises):
    """Standing alone, or a single raise, leaves the lateral axis to the
    push-off: the alignment is the run's own."""
    assert raises < HEEL_RAISES_MIN
    rec, _ = toe_out_run
    cal = with_calibration(rec, raises=raises)
    for st, run in zip(cal.streams, rec.streams, strict=True):
        heading, _, al = _errors(st, cal.condition)
        heading_run, _, _ = _errors(run, rec.condition)
        assert al.heel_raises == 0
        # the push-off's heading, as from running alone (up comes from standing)
        assert abs(heading - heading_run) < 0.5 and abs(heading) > 4.0


def test_the_live_detector_uses_the_same_calibration(toe_out_run):
    rec, _ = toe_out_run
    cal = with_calibration(rec)
    st = cal.streams[0]
    off = analyze_imu_stream(st, cal.condition).alignment
    det = ImuStepDetector(st.fs_hz, st.side, "foot")
    assert len(replay_rows(det, st, 50)) > 50
    assert det.alignment.heel_raises == off.heel_raises == 3
    np.testing.assert_allclose(det.alignment.R, off.R, atol=1e-9)
