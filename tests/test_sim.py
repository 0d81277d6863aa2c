"""Properties of the virtual runner that fail if the generator breaks."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import cumulative_trapezoid
from scipy.spatial.transform import Rotation

from footfall.errors import FootfallError
from footfall.model import G_MPS2, STEP_COLUMNS, SensorKind, validate_steps
from footfall.sim import SCENARIOS, get_scenario, simulate
from footfall.sim import cli as sim_cli
from footfall.sim.hermite import evaluate, evaluate_d2
from footfall.sim.insole import SIM16_CELLS
from footfall.sim.kinematics import (
    build_track,
    ideal_imu,
    ideal_imu_fd,
    velocity_world,
)
from footfall.sim.plan import make_plan
from footfall.sim.sensors import foot_mounting

MIN = 1.0  # minutes per simulated run in these tests


@pytest.fixture(scope="module")
def easy():
    return simulate("easy-run-treadmill", MIN, seed=3, profile="ideal")


def _stream(rec, side, placement="foot", kind="imu"):
    if kind == "insole":
        return rec.select(kind="insole", side=side)[0]
    return rec.select(kind=kind, side=side, placement=placement)[0]


# --------------------------------------------------------------------------
# curves
# --------------------------------------------------------------------------


def test_hermite_hits_knots_and_derivatives():
    kt = np.array([0.0, 0.3, 1.0])
    p, v, a = np.array([0.0, 1.0, -0.5]), np.array([0.5, 0.0, 2.0]), np.array([0.0, -3.0, 1.0])
    val, d1, d2 = evaluate_d2(kt, kt, p, v, a)
    np.testing.assert_allclose(val, p, atol=1e-12)
    np.testing.assert_allclose(d1, v, atol=1e-9)
    np.testing.assert_allclose(d2, a, atol=1e-9)
    t = np.linspace(0.01, 0.99, 50)
    h = 1e-5
    num = (evaluate(t + h, kt, p, v, a) - evaluate(t - h, kt, p, v, a)) / (2 * h)
    np.testing.assert_allclose(evaluate_d2(t, kt, p, v, a)[1], num, atol=1e-5)


def test_hermite_repeated_knot_jumps_second_derivative_only():
    # a knot given twice: value and rate continuous, acceleration -4 before, +6 after
    kt = np.array([0.0, 0.5, 0.5, 1.0])
    p, v, a = (
        np.array([0.0, 1.0, 1.0, 0.0]),
        np.array([0.0, 2.0, 2.0, 0.0]),
        np.array([0.0, -4.0, 6.0, 0.0]),
    )
    eps = 1e-9
    val, d1, d2 = evaluate_d2(np.array([0.5 - eps, 0.5, 0.5 + eps]), kt, p, v, a)
    np.testing.assert_allclose(val, 1.0, atol=1e-8)
    np.testing.assert_allclose(d1, 2.0, atol=1e-6)
    np.testing.assert_allclose(d2, [-4.0, 6.0, 6.0], atol=1e-5)
    assert np.isfinite(evaluate(np.linspace(0.0, 1.0, 101), kt, p, v, a)).all()


@pytest.mark.parametrize("name", ["forefoot-loader-treadmill", "midfoot-runner-treadmill"])
def test_flat_landing_pitch_rate_peaks_at_contact(name):
    # nothing but the ground stops a flat or toes-first landing's toes-down
    # rotation: the rate rises up to contact and falls after it
    sc = get_scenario(name).with_(mounting="aligned")
    rec, truth = simulate(sc, 0.5, seed=1, sensors=("foot",), profile="ideal")
    s = _stream(rec, "left")
    ic = truth.loc[truth["side"] == "left", "ic_s"].to_numpy()[2:-2]
    wy = s.gyr_rps[:, 1]
    before = np.array([np.interp(ic - 0.004, s.time_s, wy), np.interp(ic - 0.002, s.time_s, wy)])
    assert (np.diff(before, axis=0) > 0).mean() > 0.95


def test_analytic_imu_matches_finite_differences():
    sc = get_scenario("overpronator-treadmill")
    plan = make_plan(sc, 30.0, seed=1)
    tr = build_track(plan, left=False)
    t = np.linspace(2.0, 28.0, 4000)
    mount = Rotation.from_euler("zyx", [40, -30, 70], degrees=True).as_matrix()
    for site, placement in (
        (np.array([0.12, 0.0, 0.075]), "foot"),
        (np.array([0.035, 0.0, 0.16]), "shank"),
    ):
        a1, g1, _ = ideal_imu(tr, t, site, mount, placement)
        a2, g2, _ = ideal_imu_fd(tr, t, site, mount, placement)
        assert np.abs(a1 - a2).max() < 0.5  # m/s^2, finite-difference error at knots
        assert np.abs(g1 - g2).max() < 1e-3  # rad/s


# --------------------------------------------------------------------------
# physics
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["easy-run-treadmill", "forefoot-loader-overground"])
def test_stance_foot_still_on_ground_or_belt(name):
    sc = get_scenario(name)
    plan = make_plan(sc, 40.0, seed=2)
    belt = sc.gait.speed_mps if sc.surface == "treadmill" else 0.0
    for left in (True, False):
        tr = build_track(plan, left)
        idx = plan.side_index(left)
        # the still part of stance: peak eversion / foot flat .. heel rise
        a = np.maximum(plan.t_ff, plan.t_pe)[idx]
        b = plan.t_hr[idx]
        sel = (a > 0) & (b < 40)
        t = np.linspace(a[sel], b[sel], 7).T.ravel()
        laces = np.array([0.45 * plan.foot_length, 0.0, 0.075])
        v = velocity_world(tr, t, laces)
        np.testing.assert_allclose(v, np.tile([-belt, 0.0, 0.0], (len(t), 1)), atol=1e-4)
        # the first-contact point rests from the end of the impact to foot flat
        t2 = np.linspace((plan.ic + plan.impact_s)[idx][sel], plan.t_ff[idx][sel], 5).T.ravel()
        k = np.repeat(np.arange(sel.sum()), 5)
        o = tr.origin(t2) + tr.lab_shift(t2)
        p1 = o + np.einsum("nij,nj->ni", tr.foot_rotation(t2), tr.r_p1[sel][k])
        target = tr.p1_ground[sel][k] + tr.lab_shift(t2)
        np.testing.assert_allclose(p1, target, atol=1e-9)


def test_accelerometer_reads_g_when_still(easy):
    rec, truth = easy
    for side in ("left", "right"):
        s = _stream(rec, side)
        ms = truth.loc[truth["side"] == side, "ms_s"].to_numpy()
        k = np.searchsorted(s.time_s, ms)
        norm = np.linalg.norm(s.acc_mps2[k], axis=1)
        np.testing.assert_allclose(norm, G_MPS2, atol=1e-6)
        assert np.abs(s.gyr_rps[k]).max() < 1e-9


def test_zupt_integration_recovers_stride_length():
    """Double integration of the world acceleration between mid-stances gives
    the truth stride length (the acceleration is that of a consistent path)."""
    sc = get_scenario("low-cadence-overstride-overground")
    plan = make_plan(sc, 30.0, seed=5)
    tr = build_track(plan, left=True)
    site = np.array([0.45 * plan.foot_length, 0.0, 0.075])
    idx = plan.side_index(True)
    ms = (0.5 * (np.maximum(plan.t_ff, plan.t_pe) + plan.t_hr))[idx]
    fp = plan.footprint[idx]
    checked = 0
    for k in np.flatnonzero((ms > 1) & (ms < 28))[:-1]:
        t = np.arange(ms[k], ms[k + 1], 0.001)
        acc, _, _ = ideal_imu(tr, t, site, np.eye(3))
        a_w = np.einsum("nij,nj->ni", tr.foot_rotation(t), acc) - [0.0, 0.0, G_MPS2]
        v = cumulative_trapezoid(a_w, t, axis=0, initial=0)
        d = cumulative_trapezoid(v, t, axis=0, initial=0)[-1]
        truth = np.hypot(*(fp[k + 1, :2] - fp[k, :2]))
        assert np.hypot(d[0], d[1]) == pytest.approx(truth, rel=0.002)
        assert abs(v[-1]).max() < 0.01
        checked += 1
    assert checked >= 15


# --------------------------------------------------------------------------
# truth table
# --------------------------------------------------------------------------


def test_truth_table_contract_and_counts(easy):
    _, truth = easy
    validate_steps(truth)
    assert list(truth.columns[: len(STEP_COLUMNS)]) == list(STEP_COLUMNS)
    cad = SCENARIOS["easy-run-treadmill"].gait.cadence_spm
    assert abs(len(truth) - cad * MIN) <= 4
    sides = truth["side"].to_numpy()
    assert (sides[1:] != sides[:-1]).all()
    assert truth["cadence_spm"].median() == pytest.approx(cad, abs=1.0)
    assert (truth["to_s"] > truth["ic_s"]).all()
    assert truth[["ic_s", "to_s"]].min().min() >= 0
    assert truth["to_s"].max() <= MIN * 60


@pytest.mark.parametrize(
    "name",
    [
        "easy-run",
        "low-cadence-overstride",
        "forefoot-loader",
        "midfoot-runner",
        "walk-run-intervals",
    ],
)
def test_truth_follows_parameters(name):
    sc = get_scenario(name)
    _, truth = simulate(name, 1.0, seed=1, profile="ideal", sensors=("insole",))
    g = sc.gait
    run = truth[truth["contact_ms"] < 400] if sc.phases else truth
    assert run["cadence_spm"].median() == pytest.approx(g.cadence_spm, abs=1.0)
    assert run["foot_strike_angle_deg"].median() == pytest.approx(g.foot_strike_angle_deg, abs=0.5)
    assert (run["contact_ms"] / run["stride_ms"]).median() == pytest.approx(
        g.contact_fraction, abs=0.01
    )
    assert run["speed_mps"].median() == pytest.approx(g.speed_mps, rel=0.05)
    assert (run["strike_pattern"].value_counts(normalize=True).iloc[0]) > 0.95


def test_walk_run_intervals_have_walking():
    _, truth = simulate("walk-run-intervals", 6.0, seed=1, profile="ideal", sensors=("insole",))
    duty = truth["contact_ms"] / truth["stride_ms"]
    walking = truth[duty > 0.5]
    assert len(walking) > 60
    assert walking["ic_s"].between(230, 310).all()  # minute 4 to 5 (+ ramps)
    assert walking["cadence_spm"].median() < 120


def test_fatigue_drift_direction():
    _, truth = simulate("fatigue-drift", 15.0, seed=2, profile="ideal", sensors=("insole",))
    first = truth[truth["ic_s"] < 300]
    last = truth[truth["ic_s"] > 600]
    assert last["cadence_spm"].median() < first["cadence_spm"].median() - 3
    assert last["contact_ms"].median() > first["contact_ms"].median()
    assert last["foot_strike_angle_deg"].median() > first["foot_strike_angle_deg"].median() + 2


def test_one_sided_left_loads_more():
    _, truth = simulate("one-sided", 2.0, seed=4, profile="ideal", sensors=("insole",))
    med = truth.groupby("side")[
        ["contact_ms", "forefoot_load_pct", "pronation_excursion_deg"]
    ].median()
    assert (med.loc["left"] > med.loc["right"]).all()


# --------------------------------------------------------------------------
# insole
# --------------------------------------------------------------------------


def _cop_at_contact(rec, truth, side):
    s = _stream(rec, side, kind="insole")
    p = s.values[:, :16]
    x = SIM16_CELLS[:, 0]
    ic = truth.loc[truth["side"] == side, "ic_s"].to_numpy()
    k = np.searchsorted(s.time_s, ic + 0.012)  # first samples with load
    return (p[k] @ x) / p[k].sum(axis=1)


@pytest.mark.parametrize(
    "name,lo,hi",
    [
        ("heavy-heel-striker", 0.0, 0.33),
        ("midfoot-runner", 0.34, 0.67),
        ("forefoot-loader", 0.60, 1.0),
    ],
)
def test_insole_cop_at_contact_follows_strike_pattern(name, lo, hi):
    rec, truth = simulate(name, MIN, seed=1, profile="ideal", sensors=("insole",))
    for side in ("left", "right"):
        cop = _cop_at_contact(rec, truth, side)
        assert lo <= np.median(cop) <= hi


def test_insole_loads_follow_scenario():
    _, easy = simulate("easy-run", MIN, seed=1, profile="ideal", sensors=("insole",))
    _, ff = simulate("forefoot-loader", MIN, seed=1, profile="ideal", sensors=("insole",))
    assert ff["lateral_forefoot_load_pct"].median() > easy["lateral_forefoot_load_pct"].median() + 5
    assert ff["forefoot_load_pct"].median() > easy["forefoot_load_pct"].median() + 5
    assert 150 < easy["peak_forefoot_kpa"].median() < 450


def test_insole_impulse_is_body_weight(easy):
    rec, truth = easy
    force = np.concatenate(
        [_stream(rec, s, kind="insole").column("force_n") for s in ("left", "right")]
    )
    fs = _stream(rec, "left", kind="insole").fs_hz
    mean_force = force.sum() / fs / (MIN * 60) / 2 * 2  # both feet over the run
    mass = SCENARIOS["easy-run-treadmill"].mass_kg
    assert mean_force == pytest.approx(mass * G_MPS2, rel=0.03)


# --------------------------------------------------------------------------
# sensors and mounting
# --------------------------------------------------------------------------


def test_determinism_by_seed():
    a, ta = simulate("overpronator", 0.3, seed=11)
    b, tb = simulate("overpronator", 0.3, seed=11)
    c, _ = simulate("overpronator", 0.3, seed=12)
    pd.testing.assert_frame_equal(ta, tb)
    for sa, sb in zip(a.streams, b.streams, strict=True):
        np.testing.assert_array_equal(sa.values, sb.values)
        np.testing.assert_array_equal(sa.time_s, sb.time_s)
    assert not np.array_equal(a.streams[0].values, c.streams[0].values)


def test_mounting_rotation_preserves_norms():
    rot = Rotation.from_euler("xyz", [25, 160, -75], degrees=True)
    a, _ = simulate("easy-run", 0.3, seed=2, profile="ideal", sensors=("foot",), mounting="aligned")
    b, _ = simulate("easy-run", 0.3, seed=2, profile="ideal", sensors=("foot",), mounting=rot)
    for sa, sb in zip(a.streams, b.streams, strict=True):
        np.testing.assert_allclose(
            np.linalg.norm(sb.acc_mps2, axis=1), np.linalg.norm(sa.acc_mps2, axis=1), atol=1e-9
        )
        np.testing.assert_allclose(sb.acc_mps2, sa.acc_mps2 @ rot.as_matrix(), atol=1e-9)
        np.testing.assert_allclose(sb.gyr_rps, sa.gyr_rps @ rot.as_matrix(), atol=1e-9)


def test_named_mountings_are_rotations():
    rng = np.random.default_rng(0)
    for name in ("aligned", "laces", "lateral", "heel", "random"):
        for left in (True, False):
            m, site, _ = foot_mounting(name, left, 0.27, rng)
            np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-12)
            assert np.linalg.det(m) == pytest.approx(1.0)
            assert np.linalg.norm(site) < 0.2


def test_saturation_at_16g():
    rec, _ = simulate("heavy-heel-striker", 0.5, seed=1, sensors=("foot",))
    acc = _stream(rec, "left").acc_mps2
    full = 16 * G_MPS2
    assert np.abs(acc).max() <= full + 1e-9
    assert (np.abs(acc) >= full - 1e-9).any()


def test_field_profile_drops_and_drifts():
    rec, _ = simulate("easy-run", 2.0, seed=1, profile="field", sensors=("foot", "insole"))
    clocks = rec.meta["simulation"]["clocks"]
    assert clocks["left_foot"] == {"drift_ppm": 0.0, "offset_s": 0.0}
    assert clocks["right_foot"]["drift_ppm"] != 0.0
    s = _stream(rec, "right")
    dt = np.diff(s.time_s)
    assert (dt > 1.5 / 200).any()  # lost packets leave gaps
    assert np.all(dt > 0)


def test_typical_noise_level():
    rec, _ = simulate("easy-run-treadmill", 0.2, seed=3)
    ideal, _ = simulate("easy-run-treadmill", 0.2, seed=3, profile="ideal")
    a, b = _stream(rec, "left").values, _stream(ideal, "left").values
    n = min(len(a), len(b)) - 1  # jitter may push the last instant past the end
    d = a[:n] - b[:n]
    assert d.shape[0] > 0
    assert 0.0 < np.median(np.abs(d[:, 3:])) < np.radians(3)


# --------------------------------------------------------------------------
# folder and command line
# --------------------------------------------------------------------------


def test_writes_canonical_folder(tmp_path):
    out = tmp_path / "run"
    rec, truth = simulate("one-sided-treadmill", 0.2, seed=1, out_dir=out)
    meta = json.loads((out / "recording.json").read_text())
    assert meta["format"] == "footfall-recording/1"
    assert meta["condition"] == {"surface": "treadmill", "speed_mps": 2.8}
    files = {e["file"] for e in meta["streams"]}
    assert files == {
        "left_foot.csv",
        "right_foot.csv",
        "left_shank.csv",
        "right_shank.csv",
        "left_insole.csv",
        "right_insole.csv",
    }
    imu = pd.read_csv(out / "left_foot.csv")
    assert list(imu.columns) == ["time_s", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    s = _stream(rec, "left")
    np.testing.assert_allclose(
        imu["gyr_y"].to_numpy(), np.degrees(s.gyr_rps[:, 1]), rtol=1e-4, atol=1e-3
    )
    ins = pd.read_csv(out / "left_insole.csv")
    assert list(ins.columns) == ["time_s"] + [f"p{i}" for i in range(1, 17)] + ["force_n"]
    t = pd.read_csv(out / "truth_steps.csv")
    assert list(t.columns[: len(STEP_COLUMNS)]) == list(STEP_COLUMNS)
    assert len(t) == len(truth)


def test_folder_reads_back_with_io(tmp_path):
    io = pytest.importorskip("footfall.io")
    if not hasattr(io, "read_recording"):
        pytest.skip("footfall.io.read_recording not available")
    out = tmp_path / "run"
    rec, _ = simulate("easy-run", 0.2, seed=1, out_dir=out)
    back = io.read_recording(out)
    assert len(back.streams) == len(rec.streams)
    for s in rec.streams:
        b = back.select(
            kind=s.kind, side=s.side, placement=s.placement if s.kind == SensorKind.IMU else None
        )[0]
        np.testing.assert_allclose(b.values, s.values, rtol=1e-5, atol=1e-4)


def test_cli_functions(tmp_path, capsys):
    import argparse

    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers()
    sim_cli.add_parser(sub)
    args = ap.parse_args(["simulate", "--list"])
    assert args.func(args) == 0
    assert "easy-run" in capsys.readouterr().out
    args = ap.parse_args(["simulate", "--scenario", "nope", "-o", str(tmp_path / "x")])
    with pytest.raises(FootfallError, match="unknown scenario 'nope'"):
        args.func(args)
    out = tmp_path / "cli"
    args = ap.parse_args(
        [
            "simulate",
            "--scenario",
            "overground",
            "--minutes",
            "0.1",
            "--sensors",
            "foot",
            "-o",
            str(out),
        ]
    )
    assert args.func(args) == 0
    assert (out / "truth_steps.csv").is_file()
    from footfall.cli import main

    assert main(["simulate", "--scenario", "easy-run", "--minutes", "0.1"]) == 2  # no -o
    assert "give the folder to write with -o DIR" in capsys.readouterr().err


def test_footfall_simulate_command_then_analyze(tmp_path, capsys):
    """``footfall simulate`` writes a folder that ``footfall analyze`` reads."""
    from footfall.cli import main

    out = tmp_path / "run"
    assert (
        main(
            [
                "simulate",
                "--scenario",
                "easy-run",
                "--minutes",
                "0.2",
                "--sensors",
                "foot",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert (out / "recording.json").is_file() and (out / "truth_steps.csv").is_file()
    capsys.readouterr()
    assert main(["analyze", str(out), "--json", "-"]) == 0
    doc = json.loads(capsys.readouterr().out)
    truth = pd.read_csv(out / "truth_steps.csv")
    assert doc["n_steps"] >= 0.9 * len(truth)
    assert main(["simulate", "--scenario", "nope", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'nope'" in err and "Traceback" not in err
