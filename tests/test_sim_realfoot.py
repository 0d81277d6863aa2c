"""The virtual runner's real foot: toe-out, inversion at contact, strap tilt.

Part (a) checks that the simulator makes what it is asked for, from the
foot's and shank's orientation as the model moves them (not from the
parameters it was given): the heel-to-toe line's heading against the
direction of travel is the toe-out for the whole stride, the foot lands with
the asked inversion and everts to the asked mid-stance eversion, the truth
table follows the definitions of docs/metrics.md, and a tilted strap turns
the sensor by the asked rotation (the accelerometer of a still foot reads
1 g along the vertical seen through that rotation).

Part (b) runs footfall's analysis on the new scenarios. Bounds: strike angle
and shank angle as tests/test_sim_analysis.py (median absolute error
<= 3 deg) plus a median bias within 1.5 deg; foot roll (pronation) excursion
within 2 deg and its peak rate within 10 %; toe-out within 3 deg. Pairs that
miss today are in KNOWN_GAPS, each with the figures measured when it was
written, and marked xfail (not strict): remove an entry when it passes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

from footfall.model import G_MPS2
from footfall.sim import get_scenario, simulate
from footfall.sim.kinematics import build_track
from footfall.sim.plan import make_plan

REAL_FOOT = ["toe-out-heel-striker", "toe-out-forefoot"]
STRAPS = ["tilted-straps", "shank-strap-pitched"]


def _model(name: str, minutes: float, seed: int):
    """The plan and foot tracks ``simulate`` builds for this run."""
    sc = get_scenario(name)
    plan = make_plan(sc, minutes * 60.0, seed)
    return sc, plan, {left: build_track(plan, left) for left in (True, False)}


def _heading_deg(r: np.ndarray) -> np.ndarray:
    """Heading of the frame's x axis (heel to toe) about the vertical, deg."""
    return np.degrees(np.arctan2(r[:, 1, 0], r[:, 0, 0]))


def _elevation_deg(r: np.ndarray) -> np.ndarray:
    """Elevation of the frame's x axis above the horizontal, deg."""
    return np.degrees(np.arcsin(np.clip(r[:, 2, 0], -1.0, 1.0)))


def _roll_deg(r: np.ndarray) -> np.ndarray:
    """Rotation about the frame's own x axis from level (left edge up
    positive): the tilt of its lateral axis seen along the long axis."""
    return np.degrees(np.arctan2(r[:, 2, 1], r[:, 2, 2]))


def _rows(truth: pd.DataFrame, plan, left: bool) -> tuple[pd.DataFrame, np.ndarray]:
    """Truth rows of one side and the plan's index of each."""
    tr = truth[truth["side"] == ("left" if left else "right")].reset_index(drop=True)
    idx = plan.side_index(left)
    k = np.searchsorted(plan.ic[idx], tr["ic_s"].to_numpy())
    assert np.allclose(plan.ic[idx][k], tr["ic_s"].to_numpy(), atol=1e-9)
    return tr, idx[k]


# ----------------------------------------------------------------------------
# (a) the simulator makes what it is asked for


@pytest.mark.parametrize("name", [f"{n}-treadmill" for n in REAL_FOOT])
def test_foot_is_turned_out_for_the_whole_stride(name):
    sc, plan, tracks = _model(name, 1.0, seed=4)
    asked = sc.gait.toe_out_deg
    for left, tr in tracks.items():
        sgn = 1.0 if left else -1.0
        side = plan.side_index(left)
        idx = side[2:-2]
        # direction of travel: from one footprint of this foot to the next
        d = np.diff(plan.footprint[side][:, :2], axis=0)
        travel = np.degrees(np.arctan2(d[:, 1], d[:, 0]))[2:-1]
        ms = 0.5 * (plan.t_ff[idx] + plan.t_hr[idx])
        toe_out = sgn * (_heading_deg(tr.foot_rotation(ms)) - travel)
        assert abs(np.median(toe_out) - asked) < 0.5, (name, left, np.median(toe_out))
        assert np.std(toe_out) > 0.3  # it varies from step to step
        # in the swing the foot still points out (between this stance's
        # toe-out and the next one's), and its heel travels forwards
        to, ic_next = plan.to[idx[:-1]], plan.ic[idx[1:]]
        mid = 0.5 * (to + ic_next)
        sw = sgn * (_heading_deg(tr.foot_rotation(mid)) - travel[:-1])
        lo = np.minimum(toe_out[:-1], toe_out[1:])
        hi = np.maximum(toe_out[:-1], toe_out[1:])
        assert np.all((sw > lo - 0.01) & (sw < hi + 0.01)), (name, left)
        step = tr.origin(ic_next) - tr.origin(to)
        swing_dir = np.degrees(np.arctan2(step[:, 1], step[:, 0])) - travel[:-1]
        assert np.max(np.abs(swing_dir)) < 1.0, (name, left, np.max(np.abs(swing_dir)))
        # the leg swings in the direction of travel, not along the foot
        assert np.max(np.abs(_heading_deg(tr.shank_rotation(mid)) - travel[:-1])) < 0.01


@pytest.mark.parametrize("name", REAL_FOOT)
def test_truth_follows_the_foot(name):
    """The truth table's strike angle, foot roll and toe-out are the model
    foot's, measured from its orientation, and match what was asked."""
    sc, plan, tracks = _model(name, 1.0, seed=5)
    _, truth = simulate(name, 1.0, seed=5, sensors=("foot",), profile="ideal")
    g = sc.gait
    for left, track in tracks.items():
        sgn = 1.0 if left else -1.0
        tr, k = _rows(truth, plan, left)
        r_ic = track.foot_rotation(tr["ic_s"].to_numpy())
        r_ms = track.foot_rotation(tr["ms_s"].to_numpy())
        # strike angle: elevation of the heel-to-toe line at contact (standing = 0)
        np.testing.assert_allclose(_elevation_deg(r_ic), tr["foot_strike_angle_deg"], atol=1e-6)
        assert abs(tr["foot_strike_angle_deg"].median() - g.foot_strike_angle_deg) < 0.5
        # foot roll at contact = the asked inversion; eversion at mid-stance
        ev_ic = sgn * _roll_deg(r_ic)
        ev_ms = sgn * _roll_deg(r_ms)
        assert abs(np.median(-ev_ic) - g.inversion_ic_deg) < 0.5, (name, left, np.median(ev_ic))
        want_ms = g.pronation_excursion_deg - g.inversion_ic_deg
        assert abs(np.median(ev_ms) - want_ms) < 0.5, (name, left, np.median(ev_ms))
        # excursion: from the contact's roll to the peak eversion (held at mid-stance)
        np.testing.assert_allclose(ev_ms - ev_ic, tr["pronation_excursion_deg"], atol=1e-6)
        # toe-out: heading of the heel-to-toe line against the step's direction of travel
        prog = sgn * (_heading_deg(r_ms) - np.degrees(plan.heading[k]))
        np.testing.assert_allclose(prog, tr["foot_progression_deg"], atol=1e-6)
        assert abs(tr["foot_progression_deg"].median() - g.toe_out_deg) < 0.5


def _strap(angles, left):
    """Strap rotation built here from its documented definition: right-hand
    rotations about the segment's x, then y, then z; mirrored on the right."""
    a, b, c = angles
    if not left:
        a, c = -a, -c
    rx = Rotation.from_rotvec([np.radians(a), 0, 0])
    ry = Rotation.from_rotvec([0, np.radians(b), 0])
    rz = Rotation.from_rotvec([0, 0, np.radians(c)])
    return (rz * ry * rx).as_matrix()


@pytest.mark.parametrize("name", [f"{n}-treadmill" for n in REAL_FOOT + ["tilted-straps"]])
def test_still_foot_reads_one_g_through_its_strap(name):
    """At mid-stance the foot rests on the belt (constant speed): the
    accelerometer reads 1 g, along the vertical seen through the foot's
    orientation, the laces mounting (20 deg toes-down) and the strap."""
    sc, plan, tracks = _model(name, 0.5, seed=6)
    rec, truth = simulate(name, 0.5, seed=6, sensors=("foot",), profile="ideal")
    laces = Rotation.from_rotvec([0, np.radians(20.0), 0]).as_matrix()
    for s in rec.streams:
        left = s.side.value == "left"
        tr = truth[truth["side"] == s.side.value]
        ms = tr["ms_s"].to_numpy()
        j = np.clip(np.searchsorted(s.time_s, ms), 1, len(s.time_s) - 1)
        j = np.where(np.abs(s.time_s[j - 1] - ms) < np.abs(s.time_s[j] - ms), j - 1, j)
        acc = s.acc_mps2[j]
        np.testing.assert_allclose(np.linalg.norm(acc, axis=1), G_MPS2, atol=1e-6)
        sensor = tracks[left].foot_rotation(s.time_s[j]) @ _strap(sc.foot_strap_deg, left) @ laces
        want = np.einsum("nji,j->ni", sensor, np.array([0.0, 0.0, G_MPS2]))
        np.testing.assert_allclose(acc, want, atol=1e-6)


@pytest.mark.parametrize(
    "name,placement",
    [("tilted-straps", "foot"), ("tilted-straps", "shank"), ("shank-strap-pitched", "shank")],
)
def test_strap_turns_the_sensor(name, placement):
    """The same motion read by a square sensor and by the tilted one: the
    tilted sensor's readings are the square one's in its turned axes."""
    sc = get_scenario(name)
    field = f"{placement}_strap_deg"
    asked = getattr(sc, field)
    assert any(asked)
    tilted, _ = simulate(sc, 0.3, seed=2, sensors=(placement,), profile="ideal")
    square, _ = simulate(
        sc.with_(**{field: (0.0, 0.0, 0.0)}), 0.3, seed=2, sensors=(placement,), profile="ideal"
    )
    laces = Rotation.from_rotvec([0, np.radians(20.0), 0]).as_matrix()
    for a, b in zip(tilted.streams, square.streams, strict=True):
        assert a.side == b.side and np.array_equal(a.time_s, b.time_s)
        left = a.side.value == "left"
        # sensor axes in the segment: strap @ mounting (laces on the foot)
        m0 = laces if placement == "foot" else np.eye(3)
        m = _strap(asked, left) @ m0
        turn = m0.T @ m  # the tilted sensor's axes in the square sensor's
        np.testing.assert_allclose(a.acc_mps2, b.acc_mps2 @ turn, atol=1e-9)
        np.testing.assert_allclose(a.gyr_rps, b.gyr_rps @ turn, atol=1e-12)
        assert np.median(np.linalg.norm(a.acc_mps2 - b.acc_mps2, axis=1)) > 1.0
        np.testing.assert_allclose(a.meta["mounting_matrix"], np.round(m, 6), atol=1e-6)


# ----------------------------------------------------------------------------
# (b) footfall's analysis on the new scenarios

pytest.importorskip("footfall.gait.imu")

from footfall.gait.imu import analyze_imu_stream  # noqa: E402

BOUNDS = {
    "match_window_s": 0.1,
    "strike_mae_deg": 3.0,
    "strike_bias_deg": 1.5,
    "strike_pattern_correct": 0.95,
    "pronation_excursion_deg": 2.0,
    "pronation_velocity_rel": 0.10,
    "toe_out_deg": 3.0,
    "shank_mae_deg": 3.0,
    "shank_bias_deg": 1.5,
}

KNOWN_GAPS: dict[tuple[str, str], str] = {
    ("toe-out-forefoot", "contacts"): (
        "flat landing 13 deg inverted: footfall matches 143 and 136 of 168 contacts "
        "(left/right, 2 min, seed 7); the rest are detected about 100 ms early"
    ),
    ("toe-out-forefoot", "strike"): (
        "flat landing 13 deg inverted: strike pattern right on 66 % / 72 % of the matched "
        "contacts (left/right; strike angle bias +1.15 / -0.08 deg, MAE 1.46 / 0.43 deg)"
    ),
    ("toe-out-forefoot", "toe_out"): (
        "toe-out read 5.8 / 4.9 deg too large (left/right MAE; truth 11 deg)"
    ),
    ("shank-strap-pitched", "shank"): (
        "shank sensor pitched 10 deg on the tibia: shank angle at contact biased "
        "-9.9 / -10.2 deg (left/right)"
    ),
}
"""Scenario/check pairs that miss their bound today (figures: 2 min, seed 7,
typical sensors), marked xfail (not strict)."""


def _known_gap(request, name: str, check: str) -> None:
    reason = KNOWN_GAPS.get((name, check))
    if reason:
        request.node.add_marker(pytest.mark.xfail(reason=reason, strict=False))


def _match(steps: pd.DataFrame, truth: pd.DataFrame, side: str):
    tr = truth[truth["side"] == side].reset_index(drop=True)
    st = steps.reset_index(drop=True)
    if st.empty:
        return st, tr.iloc[:0]
    got_ic, want_ic = st["ic_s"].to_numpy(), tr["ic_s"].to_numpy()
    j = (
        np.clip(np.searchsorted(got_ic, want_ic), 1, len(st) - 1)
        if len(st) > 1
        else np.zeros(len(tr), dtype=int)
    )
    j0 = np.maximum(j - 1, 0)
    jj = np.where(np.abs(got_ic[j0] - want_ic) <= np.abs(got_ic[j] - want_ic), j0, j)
    ok = np.abs(got_ic[jj] - want_ic) <= BOUNDS["match_window_s"]
    return st.iloc[jj[ok]].reset_index(drop=True), tr[ok].reset_index(drop=True)


@pytest.fixture(scope="module", params=REAL_FOOT + STRAPS)
def analysed(request):
    name = request.param
    rec, truth = simulate(name, 2.0, seed=7, sensors=("foot", "shank"))
    out = {}
    for s in rec.streams:
        steps = analyze_imu_stream(s, rec.condition).steps
        out[(s.placement.value, s.side.value)] = _match(steps, truth, s.side.value)
    return name, truth, out


def _foot(out):
    return {side: v for (pl, side), v in out.items() if pl == "foot"}


def test_every_contact_found(analysed, request):
    name, truth, out = analysed
    _known_gap(request, name, "contacts")
    for (pl, side), (_got, tr) in out.items():
        n_truth = int((truth["side"] == side).sum())
        assert len(tr) >= n_truth - 2, f"{name} {pl} {side}: found {len(tr)} of {n_truth}"


def test_foot_strike_angle(analysed, request):
    name, _, out = analysed
    _known_gap(request, name, "strike")
    for side, (got, tr) in _foot(out).items():
        err = got["foot_strike_angle_deg"] - tr["foot_strike_angle_deg"]
        mae, bias = np.nanmedian(np.abs(err)), np.nanmedian(err)
        assert mae <= BOUNDS["strike_mae_deg"], f"{name} {side}: MAE {mae:.2f} deg"
        assert abs(bias) <= BOUNDS["strike_bias_deg"], f"{name} {side}: bias {bias:+.2f} deg"
        right = (got["strike_pattern"].to_numpy() == tr["strike_pattern"].to_numpy()).mean()
        assert right >= BOUNDS["strike_pattern_correct"], f"{name} {side}: pattern {right:.0%}"


def test_foot_roll(analysed, request):
    name, _, out = analysed
    _known_gap(request, name, "pronation")
    for side, (got, tr) in _foot(out).items():
        exc = np.nanmedian(np.abs(got["pronation_excursion_deg"] - tr["pronation_excursion_deg"]))
        assert exc <= BOUNDS["pronation_excursion_deg"], f"{name} {side}: {exc:.2f} deg"
        rel = np.nanmedian(got["pronation_velocity_dps"] / tr["pronation_velocity_dps"] - 1.0)
        assert abs(rel) <= BOUNDS["pronation_velocity_rel"], f"{name} {side}: {100 * rel:+.1f} %"


def test_toe_out(analysed, request):
    name, _, out = analysed
    _known_gap(request, name, "toe_out")
    for side, (got, tr) in _foot(out).items():
        err = np.nanmedian(np.abs(got["foot_progression_deg"] - tr["foot_progression_deg"]))
        assert err <= BOUNDS["toe_out_deg"], f"{name} {side}: {err:.2f} deg"


def test_shank_angle_at_contact(analysed, request):
    name, _, out = analysed
    _known_gap(request, name, "shank")
    shanks = {side: v for (pl, side), v in out.items() if pl == "shank"}
    assert set(shanks) == {"left", "right"}
    for side, (got, tr) in shanks.items():
        assert len(tr) > 0, f"{name} {side}: no shank contact matched"
        err = got["shank_angle_ic_deg"] - tr["shank_angle_ic_deg"]
        mae, bias = np.nanmedian(np.abs(err)), np.nanmedian(err)
        assert mae <= BOUNDS["shank_mae_deg"], f"{name} {side}: MAE {mae:.2f} deg"
        assert abs(bias) <= BOUNDS["shank_bias_deg"], f"{name} {side}: bias {bias:+.2f} deg"
