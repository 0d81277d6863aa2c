"""Foot strike, toe-out and the sensor-to-foot alignment on real running
motion: the two Fukuchi treadmill runners (virtual IMUs from their motion
capture, bench/fukuchi_imu.py), scored against their markers and force
plate by bench/validate_fukuchi_mounts.py.

The checks of the real-metrics issue that are met are asserted; those not
met yet are expected failures (not strict) naming the measured figure, so a
fix shows up as XPASS. Skipped when ../shared/data/fukuchi_rbds is absent.
"""

from __future__ import annotations

import numpy as np
import pytest
from bench_modules import load_bench

fk = load_bench("fukuchi_imu")
SUBJECTS = [s for s in fk.SUBJECTS if fk.data_available(fk.DATA_DIR, s)]
pytestmark = pytest.mark.skipif(not SUBJECTS, reason=f"Fukuchi data not found in {fk.DATA_DIR}")


@pytest.fixture(scope="module")
def vm():
    return load_bench("validate_fukuchi_mounts")


@pytest.fixture(scope="module")
def scores(vm):
    """Per runner: the foot scores of three mountings (laces, lateral heel, a
    random rotation), per side."""
    out = {}
    names = ("laces", "lateral heel", "random 2")
    for subject in SUBJECTS:
        out[subject] = {}
        for name in names:
            m = vm.mountings()[name]
            rec, truth, _ = fk.make_fukuchi_imu(mounting=m, subject=subject)
            out[subject][name] = {}
            for st in rec.streams:
                if st.placement.value != "foot":
                    continue
                res = vm.analyze_imu_stream(st, vm.CONDITION)
                out[subject][name][st.side.value] = vm._foot_scores(
                    vm._pair(truth, res.steps, st.side.value), res
                )
    return out


def test_the_same_foot_gives_the_same_strike_angle_whatever_the_mounting(scores):
    for subject, by_mount in scores.items():
        for side in ("left", "right"):
            med = [m[side]["foot_strike_angle_median_ff"] for m in by_mount.values()]
            assert max(med) - min(med) <= 0.5, (subject, side, med)


def test_toe_out_within_5_deg_of_the_markers(scores):
    for subject, by_mount in scores.items():
        for side in ("left", "right"):
            err = by_mount["laces"][side]["toe_out"]
            assert err["n"] >= 30
            assert err["mae"] <= 5.0, (subject, side, err)


def test_lateral_axis_from_the_push_off_not_the_swing():
    """On a foot turned out, the swing's axis is across the direction of
    travel, not across the foot: the alignment's lateral axis (from the heel
    rise) is within 6 deg of the markers' foot lateral axis on every foot,
    where the swing's axis is 9 deg or more away on at least three of the
    four feet."""
    from footfall.gait.imu import analyze_imu_stream

    vm = load_bench("validate_fukuchi_mounts")
    pushoff, swing = [], []
    for subject in SUBJECTS:
        rec, _, _ = fk.make_fukuchi_imu(subject=subject)  # sensor axes = foot axes
        for st in rec.streams:
            if st.placement.value != "foot":
                continue
            al = analyze_imu_stream(st, vm.CONDITION).alignment
            lat = al.R[1]  # the found lateral axis in sensor (= true foot) axes
            heading = np.degrees(np.arctan2(-lat[0], lat[1]))
            pushoff.append(abs((heading + 90.0) % 180.0 - 90.0))
            swing.append(abs(al.swing_heading_deg + heading))
    assert max(pushoff) <= 6.0, pushoff
    assert sum(s >= 9.0 for s in swing) >= min(3, len(swing) - 1), swing


def test_quiet_standing_before_the_run_is_the_zero_pose(vm):
    """With the runner's standing trial before the run, the up axis comes
    from standing (the pose the markers' angles are relative to) and the
    strike angle's bias on RBDS001's right foot falls from about 1.5 deg to
    under 1 deg; the standing is found."""
    if "RBDS001" not in SUBJECTS:
        pytest.skip("RBDS001 not present")
    with_standing = vm.run_standing("RBDS001")["laces"]["right"]
    alone = None
    rec, truth, _ = fk.make_fukuchi_imu(subject="RBDS001")
    for st in rec.streams:
        if st.placement.value == "foot" and st.side.value == "right":
            res = vm.analyze_imu_stream(st, vm.CONDITION)
            assert res.alignment.standing_s == 0.0
            alone = vm._err(
                vm._pair(truth, res.steps, "right"),
                "foot_strike_angle_deg",
                "foot_strike_angle_deg_ff",
            )
    assert with_standing["standing_s"] >= 1.0
    assert abs(with_standing["foot_strike_angle"]["bias"]) < 1.0
    assert abs(with_standing["foot_strike_angle"]["bias"]) < abs(alone["bias"]) - 0.5


@pytest.mark.xfail(
    strict=False,
    reason=(
        "not met: strike angle bias +1.5 to +5.7 deg (RBDS001 left +3.4: the long axis from the "
        "push-off is 3-5 deg off and the foot lands 17 deg inverted; RBDS0041: its heel-strike "
        "contacts come 19-24 ms early in the virtual signal, whose 12 Hz markers smear the "
        "landing: docs/validation.md)"
    ),
)
def test_foot_strike_angle_within_3_deg_and_bias_within_1_5(scores):
    for subject, by_mount in scores.items():
        for side in ("left", "right"):
            err = by_mount["laces"][side]["foot_strike_angle"]
            assert err["mae"] <= 3.0 and abs(err["bias"]) <= 1.5, (subject, side, err)


@pytest.mark.xfail(
    strict=False,
    reason=(
        "not met: contact time +1.5 to +7.1 %: RBDS0041's heel-strike contacts come 19-24 ms early "
        "in the virtual signal (3-17 ms at a 20-30 Hz marker cutoff), RBDS001's right contacts "
        "10 ms early and its toe-offs 9 ms late"
    ),
)
def test_contact_time_within_5_pct_of_the_force_plate(scores):
    for subject, by_mount in scores.items():
        for side in ("left", "right"):
            err = by_mount["laces"][side]["contact_time_pct"]
            assert abs(err["bias"]) <= 5.0, (subject, side, err)


def test_a_biased_pitch_moves_no_real_contact_by_tens_of_ms():
    """On both real runners, a foot pitch 3 deg off either way moves no
    contact by more than 20 ms (measured: at most 14 ms, on RBDS001's left
    foot with +3 deg)."""
    from footfall.gait.alignment import align_and_integrate
    from footfall.gait.events import detect_events
    from footfall.gait.segment import segment_strides
    from footfall.gait.trajectory import pitch_per_sample

    for subject in SUBJECTS:
        rec, _, _ = fk.make_fukuchi_imu(subject=subject)
        for st in rec.streams:
            if st.placement.value != "foot":
                continue
            seg = segment_strides(st.gyr_rps, st.fs_hz, leading_partial=True, acc_mps2=st.acc_mps2)
            _, acc, gyr, traj = align_and_integrate(st.acc_mps2, st.gyr_rps, st.fs_hz, seg)
            pitch = pitch_per_sample(traj, len(acc))
            base = detect_events(acc, gyr, st.fs_hz, seg, pitch_deg=pitch).ic
            for d in (-3.0, 3.0):
                ic = detect_events(acc, gyr, st.fs_hz, seg, pitch_deg=pitch + d).ic
                shift = np.nanmax(np.abs(ic - base)) / st.fs_hz * 1000.0
                assert shift <= 20.0, (subject, st.side.value, d, shift)


# ---- rearfoot eversion: a foot IMU and a shank IMU on the same leg ----------

ANKLE_COMBOS = ("laces / 0 deg", "random 1 / 10 + 10 deg")


@pytest.fixture(scope="module")
def ankle(vm):
    """Per runner: rearfoot eversion scores (whole pipeline) of two foot
    mounting + shank strap combinations, per side."""
    out = {}
    combos = vm.ankle_pairs()
    for subject in SUBJECTS:
        out[subject] = {}
        for name in ANKLE_COMBOS:
            import footfall

            rec, truth, _ = fk.make_fukuchi_imu(mounting=combos[name], subject=subject)
            an = footfall.analyze(rec)
            out[subject][name] = {}
            for side in ("left", "right"):
                p = vm._pair(truth, an.steps, side)
                v = p[["eversion_velocity_dps", "rearfoot_eversion_velocity_dps_ff"]].dropna()
                out[subject][name][side] = {
                    "excursion": vm._err(p, "eversion_excursion_deg", "rearfoot_eversion_deg_ff"),
                    "median": float(p["rearfoot_eversion_deg_ff"].median()),
                    "velocity_pct": 100.0
                    * (
                        v["rearfoot_eversion_velocity_dps_ff"].median()
                        / v["eversion_velocity_dps"].median()
                        - 1.0
                    ),
                }
    return out


def test_rearfoot_eversion_is_measured_on_every_step_and_is_the_joint_angle(ankle):
    """Every paired step gets a value, and it tracks the markers' eversion:
    within 4 deg MAE and 17 % in peak velocity on every leg (measured
    1.0-3.8 deg and -2 to -16 %, docs/validation.md)."""
    for subject, by in ankle.items():
        for side in ("left", "right"):
            s = by["laces / 0 deg"][side]
            assert s["excursion"]["n"] >= 30, (subject, side, s)
            assert s["excursion"]["mae"] <= 4.0, (subject, side, s)
            assert abs(s["velocity_pct"]) <= 17.0, (subject, side, s)


def test_rearfoot_eversion_is_the_same_whatever_the_mountings(ankle):
    for subject, by in ankle.items():
        for side in ("left", "right"):
            med = [by[c][side]["median"] for c in ANKLE_COMBOS]
            assert max(med) - min(med) <= 0.5, (subject, side, med)


@pytest.mark.xfail(
    strict=False,
    reason=(
        "not met on one leg of four: RBDS001 right excursion MAE 3.8 deg (bias -3.8) and peak "
        "velocity -16 %; the other legs 1.0-2.6 deg and -2 to -7 % (docs/validation.md)"
    ),
)
def test_rearfoot_eversion_within_3_deg_and_velocity_within_15_pct(ankle):
    for subject, by in ankle.items():
        for side in ("left", "right"):
            for name in ANKLE_COMBOS:
                s = by[name][side]
                assert s["excursion"]["mae"] <= 3.0, (subject, side, name, s)
                assert abs(s["velocity_pct"]) <= 15.0, (subject, side, name, s)
