"""footfall's IMU analysis against the virtual runner's truth (issue 3).

Tolerances live in TOLERANCES and are not loosened to make a test pass.
Skipped until ``footfall.gait.imu`` exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("footfall.gait.imu")

from footfall.gait.imu import analyze_imu_stream  # noqa: E402
from footfall.sim import get_scenario, simulate  # noqa: E402

TOLERANCES = {
    "event_median_abs_ms": 5.0,  # <= 1 sample at 200 Hz, median over contacts
    "cadence_spm": 1.0,
    "stride_length_rel": 0.03,
    "foot_strike_angle_deg": 3.0,
    "shank_angle_ic_deg": 3.0,  # as the foot strike angle (the issue names none)
    "strike_pattern_correct": 0.95,
    "match_window_s": 0.1,
}
"""Acceptance of the analysis on simulated data (issue 3, "How it is checked")."""

KNOWN_GAPS: dict[tuple[str, str], str] = {}
"""Scenario/check pairs where the analysis is known to miss the tolerance today;
marked xfail (not strict) so that a fix shows up as XPASS. Remove entries when fixed."""


def _known_gap(request, name: str, check: str) -> None:
    reason = KNOWN_GAPS.get((name, check))
    if reason:
        request.node.add_marker(pytest.mark.xfail(reason=reason, strict=False))


SCENARIOS = [
    "easy-run",
    "low-cadence-overstride",
    "heavy-heel-striker",
    "overpronator",
    "forefoot-loader",
    "one-sided",
    "midfoot-runner",
    "easy-run-treadmill",
]


def _match(
    steps: pd.DataFrame, truth: pd.DataFrame, side: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    tr = truth[truth["side"] == side].reset_index(drop=True)
    st = steps.reset_index(drop=True)
    if st.empty:
        return st, tr.iloc[:0]
    j = np.searchsorted(st["ic_s"].to_numpy(), tr["ic_s"].to_numpy())
    j0 = np.clip(j - 1, 0, len(st) - 1)
    j1 = np.clip(j, 0, len(st) - 1)
    d0 = np.abs(st["ic_s"].to_numpy()[j0] - tr["ic_s"].to_numpy())
    d1 = np.abs(st["ic_s"].to_numpy()[j1] - tr["ic_s"].to_numpy())
    jj = np.where(d0 <= d1, j0, j1)
    ok = np.minimum(d0, d1) <= TOLERANCES["match_window_s"]
    return st.iloc[jj[ok]].reset_index(drop=True), tr[ok].reset_index(drop=True)


@pytest.fixture(scope="module", params=SCENARIOS)
def analysed(request):
    name = request.param
    rec, truth = simulate(name, 2.0, seed=7, sensors=("foot",))
    out = {}
    for s in rec.streams:
        res = analyze_imu_stream(s, rec.condition)
        out[s.side.value] = _match(res.steps, truth, s.side.value)
    return name, truth, out


def test_every_contact_found(analysed):
    name, truth, out = analysed
    for side, (_got, tr) in out.items():
        n_truth = (truth["side"] == side).sum()
        assert len(tr) >= n_truth - 2, f"{name} {side}: found {len(tr)} of {n_truth}"


@pytest.mark.parametrize("col", ["ic_s", "to_s"])
def test_events_within_one_sample(analysed, col, request):
    name, _, out = analysed
    _known_gap(request, name, col)
    for side, (got, tr) in out.items():
        err = np.nanmedian(np.abs(got[col] - tr[col])) * 1000
        assert err <= TOLERANCES["event_median_abs_ms"], f"{name} {side} {col}: {err:.1f} ms"


def test_cadence_within_1_spm(analysed):
    name, truth, out = analysed
    got = pd.concat([g for g, _ in out.values()])
    assert (
        abs(np.nanmedian(got["cadence_spm"]) - truth["cadence_spm"].median())
        <= TOLERANCES["cadence_spm"]
    ), name


def test_stride_length_within_3pct(analysed):
    name, _, out = analysed
    for side, (got, tr) in out.items():
        rel = np.nanmedian(np.abs(got["stride_length_m"] / tr["stride_length_m"] - 1))
        assert rel <= TOLERANCES["stride_length_rel"], f"{name} {side}: {100 * rel:.1f} %"


def test_foot_strike_angle_and_pattern(analysed, request):
    name, _, out = analysed
    _known_gap(request, name, "angles")
    for side, (got, tr) in out.items():
        err = np.nanmedian(np.abs(got["foot_strike_angle_deg"] - tr["foot_strike_angle_deg"]))
        assert err <= TOLERANCES["foot_strike_angle_deg"], f"{name} {side}: {err:.1f} deg"
        right = (got["strike_pattern"].to_numpy() == tr["strike_pattern"].to_numpy()).mean()
        assert right >= TOLERANCES["strike_pattern_correct"], f"{name} {side}: {right:.0%}"


def test_asymmetry_side_and_drift_direction():
    rec, truth = simulate("one-sided", 2.0, seed=3, sensors=("foot",))
    med = {}
    for s in rec.streams:
        med[s.side.value] = np.nanmedian(analyze_imu_stream(s, rec.condition).steps["contact_ms"])
    assert med["left"] > med["right"]
    sc = get_scenario("fatigue-drift").with_(fatigue_onset_min=1.0)
    rec, truth = simulate(sc, 4.0, seed=3, sensors=("foot",))
    steps = analyze_imu_stream(rec.streams[0], rec.condition).steps
    first = steps[steps["ic_s"] < 60]["cadence_spm"].median()
    last = steps[steps["ic_s"] > 180]["cadence_spm"].median()
    assert last < first


@pytest.fixture(scope="module", params=["easy-run", "low-cadence-overstride"])
def shank_analysed(request):
    rec, truth = simulate(request.param, 2.0, seed=7, sensors=("shank",))
    out = {}
    for s in rec.streams:
        out[s.side.value] = _match(analyze_imu_stream(s, rec.condition).steps, truth, s.side.value)
    return request.param, out


@pytest.mark.parametrize("col", ["ic_s", "to_s"])
def test_shank_events_within_one_sample(shank_analysed, col, request):
    name, out = shank_analysed
    _known_gap(request, "shank", col)
    for side, (got, tr) in out.items():
        assert len(tr) > 0, f"{name} {side}: no shank contact matched"
        err = np.nanmedian(np.abs(got[col] - tr[col])) * 1000
        assert err <= TOLERANCES["event_median_abs_ms"], f"{name} {side} {col}: {err:.1f} ms"


def test_shank_angle_at_contact(shank_analysed):
    name, out = shank_analysed
    for side, (got, tr) in out.items():
        err = np.nanmedian(np.abs(got["shank_angle_ic_deg"] - tr["shank_angle_ic_deg"]))
        assert err <= TOLERANCES["shank_angle_ic_deg"], f"{name} {side}: {err:.1f} deg"
