"""Tests of footfall.summary on hand-built steps tables.

Every expected value is worked out by hand in the test from the numbers put
into the table, not taken from the code under test.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.model import NUMERIC_STEP_METRICS, conform_steps, empty_steps
from footfall.summary import (
    _select,
    asymmetry_pct,
    contact_balance_left_pct,
    drift,
    metric_stats,
    strike_pattern_shares,
    summarize,
    theil_sen_slope,
    windows,
)

CONTRACT_KEYS = {
    "duration_s",
    "n_steps",
    "n_steps_left",
    "n_steps_right",
    "cadence_spm",
    "contact_balance_left_pct",
    "metrics",
    "strike_pattern",
    "drift",
    "windows",
    "findings",
}


def steps_table(**columns: object) -> pd.DataFrame:
    """A conformed steps table from the given columns."""
    return conform_steps(pd.DataFrame(columns))


def assert_plain_json(obj: object) -> None:
    """Only dict/list/str/int/float/bool/None inside, no NaN or infinity."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            assert isinstance(k, str)
            assert_plain_json(v)
    elif isinstance(obj, list):
        for v in obj:
            assert_plain_json(v)
    elif isinstance(obj, float):
        assert type(obj) is float and math.isfinite(obj)
    else:
        assert obj is None or type(obj) in (int, str, bool), type(obj)


# --------------------------------------------------------------------------
# medians per side, asymmetry, balance
# --------------------------------------------------------------------------


def two_sided_table() -> pd.DataFrame:
    # left contacts 200, 210, 220 ms; right 230, 240, 250, 260 ms, interleaved
    return steps_table(
        side=["left", "right", "left", "right", "left", "right", "right"],
        ic_s=[0.0, 0.35, 0.7, 1.05, 1.4, 1.75, 2.1],
        contact_ms=[200.0, 230.0, 210.0, 240.0, 220.0, 250.0, 260.0],
    )


def test_medians_per_side_and_quartiles():
    s = summarize(two_sided_table(), duration_s=3.0)
    m = s["metrics"]["contact_ms"]
    assert m["left"] == pytest.approx(210.0)  # middle of 200, 210, 220
    assert m["right"] == pytest.approx(245.0)  # mean of the middle two of 230..260
    assert m["median"] == pytest.approx(230.0)  # middle of all seven
    # sorted: 200 210 220 230 240 250 260; linear interpolation at 1.5 and 4.5
    assert m["p25"] == pytest.approx(215.0)
    assert m["p75"] == pytest.approx(245.0)
    assert (m["n"], m["n_left"], m["n_right"]) == (7, 3, 4)
    assert (s["n_steps"], s["n_steps_left"], s["n_steps_right"]) == (7, 3, 4)
    assert s["duration_s"] == 3.0


def test_asymmetry_sign_and_value():
    s = summarize(two_sided_table(), duration_s=3.0)
    m = s["metrics"]["contact_ms"]
    # right larger -> negative: 100 * (210 - 245) / ((210 + 245) / 2)
    assert m["asymmetry_pct"] == pytest.approx(-3500.0 / 227.5)
    assert m["asymmetry_pct"] < 0
    assert m["left_minus_right"] == pytest.approx(-35.0)
    # Garmin-style balance: left share of the sum
    assert s["contact_balance_left_pct"] == pytest.approx(100.0 * 210.0 / 455.0)

    swapped = two_sided_table()
    swapped["side"] = swapped["side"].map({"left": "right", "right": "left"})
    m2 = summarize(swapped, duration_s=3.0)["metrics"]["contact_ms"]
    assert m2["asymmetry_pct"] == pytest.approx(3500.0 / 227.5)  # left larger -> positive


def test_asymmetry_function():
    assert asymmetry_pct(110.0, 90.0) == pytest.approx(20.0)  # 100 * 20 / 100
    assert asymmetry_pct(90.0, 110.0) == pytest.approx(-20.0)
    assert asymmetry_pct(100.0, 100.0) == 0.0
    assert asymmetry_pct(None, 100.0) is None
    assert asymmetry_pct(float("nan"), 100.0) is None
    assert asymmetry_pct(0.0, 100.0) is None  # not ratio-scale
    assert asymmetry_pct(-5.0, 5.0) is None
    assert contact_balance_left_pct(260.0, 240.0) == pytest.approx(52.0)


def test_signed_metric_uses_difference_not_percent():
    t = steps_table(
        side=["left", "right"] * 3,
        ic_s=np.arange(6) * 0.35,
        foot_strike_angle_deg=[5.0, -5.0, 6.0, -6.0, 7.0, -7.0],
    )
    m = summarize(t, duration_s=2.0)["metrics"]["foot_strike_angle_deg"]
    assert m["left"] == pytest.approx(6.0) and m["right"] == pytest.approx(-6.0)
    assert m["asymmetry_pct"] is None
    assert m["left_minus_right"] == pytest.approx(12.0)


def test_cadence_is_run_median_both_feet():
    t = steps_table(
        side=["left", "right", "left", "right", "left"],
        ic_s=[0.0, 0.35, 0.7, 1.05, 1.4],
        cadence_spm=[160.0, 170.0, 165.0, 180.0, 175.0],
    )
    s = summarize(t, duration_s=2.0)
    assert s["cadence_spm"] == pytest.approx(170.0)  # middle of 160 165 170 175 180
    assert s["metrics"]["cadence_spm"]["median"] == pytest.approx(170.0)


def test_cadence_falls_back_to_stride_time():
    t = steps_table(
        side=["left", "right", "left"], ic_s=[0.0, 0.375, 0.75], stride_ms=[750.0, 750.0, 750.0]
    )
    # one stride (two steps) every 0.75 s -> 2 * 60 / 0.75 = 160 steps/min
    assert summarize(t, duration_s=1.0)["cadence_spm"] == pytest.approx(160.0)


# --------------------------------------------------------------------------
# strike pattern
# --------------------------------------------------------------------------


def test_strike_pattern_shares():
    t = steps_table(
        side=["left", "right", "left", "right", "left", "left", "right"],
        ic_s=np.arange(7) * 0.35,
        strike_pattern=[
            "rearfoot",
            "forefoot",
            "rearfoot",
            "forefoot",
            "midfoot",
            "rearfoot",
            None,
        ],
    )
    sp = summarize(t, duration_s=3.0)["strike_pattern"]
    assert sp["left"]["n"] == 4
    assert sp["left"]["rearfoot"] == pytest.approx(75.0)
    assert sp["left"]["midfoot"] == pytest.approx(25.0)
    assert sp["left"]["forefoot"] == pytest.approx(0.0)
    assert sp["right"] == {"n": 2, "rearfoot": 0.0, "midfoot": 0.0, "forefoot": 100.0}
    assert sp["both"]["n"] == 6
    assert sp["both"]["rearfoot"] == pytest.approx(50.0)
    assert sp["both"]["forefoot"] == pytest.approx(100.0 / 3.0)


# --------------------------------------------------------------------------
# drift
# --------------------------------------------------------------------------


def linear_trend_table(n: int = 300, slope_per_min: float = 2.0) -> pd.DataFrame:
    """One step per second from t = 0, contact_ms = 200 + slope * minutes."""
    t = np.arange(n, dtype=float)
    return steps_table(
        side=np.where(np.arange(n) % 2 == 0, "left", "right"),
        ic_s=t,
        contact_ms=200.0 + slope_per_min * t / 60.0,
    )


def test_drift_thirds_and_slope_on_linear_trend():
    d = summarize(linear_trend_table(), duration_s=300.0)["drift"]["contact_ms"]
    # span 0..299 s; first third t <= 99.67 -> t = 0..99, median t = 49.5 s
    # last third t >= 199.33 -> t = 200..299, median t = 249.5 s
    first = 200.0 + 2.0 * 49.5 / 60.0
    last = 200.0 + 2.0 * 249.5 / 60.0
    assert d["first_third"] == pytest.approx(first)
    assert d["last_third"] == pytest.approx(last)
    assert d["change"] == pytest.approx(last - first)
    assert d["change_pct"] == pytest.approx(100.0 * (last - first) / first)
    assert d["per_minute"] == pytest.approx(2.0)
    assert (d["n_first"], d["n_last"]) == (100, 100)


def test_drift_slope_is_robust_to_outlier_steps():
    t = linear_trend_table()
    t.loc[t.index % 10 == 3, "contact_ms"] += 400.0  # every tenth step wildly off
    d = summarize(t, duration_s=300.0)["drift"]["contact_ms"]
    assert d["per_minute"] == pytest.approx(2.0, abs=0.1)


def test_drift_slope_on_long_run_is_exact_for_a_line():
    # 20 000 steps: more than the pairwise step takes at once (grouped first)
    n = 20000
    t = np.arange(n) * 0.35
    table = steps_table(
        side=np.where(np.arange(n) % 2 == 0, "left", "right"),
        ic_s=t,
        contact_ms=250.0 - 0.5 * t / 60.0,
    )
    d = summarize(table, duration_s=float(t[-1]))["drift"]["contact_ms"]
    assert d["per_minute"] == pytest.approx(-0.5)


def test_theil_sen_matches_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(0, 30, 200))
    y = 3.0 - 0.7 * x + rng.standard_t(2, 200)
    assert theil_sen_slope(x, y) == pytest.approx(scipy_stats.theilslopes(y, x)[0])
    assert theil_sen_slope(np.array([1.0]), np.array([2.0])) is None
    assert theil_sen_slope(np.array([1.0, 1.0]), np.array([2.0, 3.0])) is None


def test_drift_needs_six_steps_per_third():
    # 18 steps at 0..17 s: thirds t <= 5.67 and t >= 11.33 hold 6 steps each
    ok = summarize(linear_trend_table(n=18), duration_s=18.0)["drift"]
    assert set(ok) == {"contact_ms"}
    assert ok["contact_ms"]["n_first"] == 6
    # 15 steps at 0..14 s: t <= 4.67 holds only 5 steps -> no drift entry
    assert summarize(linear_trend_table(n=15), duration_s=15.0)["drift"] == {}


def test_drift_ignores_metric_missing_in_a_third():
    t = linear_trend_table()
    t["impact_g"] = np.where(t["ic_s"] < 150, 8.0, np.nan)  # only in the first half
    s = summarize(t, duration_s=300.0)
    assert "impact_g" in s["metrics"]
    assert "impact_g" not in s["drift"]


# --------------------------------------------------------------------------
# windows
# --------------------------------------------------------------------------


def test_windows_per_minute_medians():
    k = np.arange(300)
    t = steps_table(
        side=np.where(k % 2 == 0, "left", "right"), ic_s=10.0 + 0.5 * k, contact_ms=k.astype(float)
    )
    w = summarize(t, duration_s=170.0)["windows"]
    # first step at 10 s: windows [10, 70), [70, 130), [130, 190)
    assert [x["start_s"] for x in w] == [10.0, 70.0, 130.0]
    assert [x["end_s"] for x in w] == [70.0, 130.0, 190.0]
    assert [x["n_steps"] for x in w] == [120, 120, 60]
    assert [x["n_left"] for x in w] == [60, 60, 30]
    # k = 0..119 -> 59.5; 120..239 -> 179.5; 240..299 -> 269.5
    assert [x["contact_ms"] for x in w] == pytest.approx([59.5, 179.5, 269.5])
    assert "stride_length_m" not in w[0]  # no data -> not listed


def test_windows_keep_empty_minutes():
    k = np.arange(300)
    t = steps_table(
        side=np.where(k % 2 == 0, "left", "right"), ic_s=0.5 * k, contact_ms=np.full(300, 230.0)
    )
    t = t[(t["ic_s"] < 60) | (t["ic_s"] >= 120)]
    w = summarize(t, duration_s=150.0)["windows"]
    assert [x["n_steps"] for x in w] == [120, 0, 60]
    assert w[1]["contact_ms"] is None
    assert w[0]["contact_balance_left_pct"] == pytest.approx(50.0)


# --------------------------------------------------------------------------
# edge cases
# --------------------------------------------------------------------------


@pytest.mark.parametrize("table", [empty_steps(), pd.DataFrame()], ids=["contract", "bare"])
def test_empty_steps(table):
    s = summarize(table, duration_s=12.5)
    assert set(s) == CONTRACT_KEYS
    assert s["n_steps"] == s["n_steps_left"] == s["n_steps_right"] == 0
    assert s["metrics"] == {} and s["drift"] == {} and s["strike_pattern"] == {}
    assert s["windows"] == [] and s["findings"] == []
    assert s["cadence_spm"] is None and s["contact_balance_left_pct"] is None
    assert s["duration_s"] == 12.5
    json.dumps(s, allow_nan=False)


def test_one_side_only():
    t = steps_table(
        side=["left"] * 5,
        ic_s=np.arange(5) * 0.7,
        contact_ms=[220.0, 230.0, 240.0, 250.0, 260.0],
        strike_pattern=["rearfoot"] * 5,
    )
    s = summarize(t, duration_s=4.0)
    m = s["metrics"]["contact_ms"]
    assert m["left"] == pytest.approx(240.0) and m["median"] == pytest.approx(240.0)
    assert m["right"] is None and m["asymmetry_pct"] is None
    assert m["left_minus_right"] is None
    assert (m["n_left"], m["n_right"]) == (5, 0)
    assert (s["n_steps_left"], s["n_steps_right"]) == (5, 0)
    assert s["contact_balance_left_pct"] is None
    assert set(s["strike_pattern"]) == {"left", "both"}
    json.dumps(s, allow_nan=False)


def test_nan_handling():
    t = steps_table(
        side=["left", "right", "left", "right", "left", "right"],
        ic_s=np.arange(6) * 0.35,
        contact_ms=[200.0, np.nan, 220.0, 240.0, np.inf, 260.0],
        impact_g=[np.nan] * 6,
    )
    s = summarize(t, duration_s=2.0)
    m = s["metrics"]["contact_ms"]
    # NaN and inf ignored: left 200, 220; right 240, 260
    assert m["left"] == pytest.approx(210.0) and m["right"] == pytest.approx(250.0)
    assert m["median"] == pytest.approx(230.0)
    assert (m["n"], m["n_left"], m["n_right"]) == (4, 2, 2)
    assert "impact_g" not in s["metrics"]  # all-NaN metrics are skipped
    assert set(s["metrics"]) == {"contact_ms"}
    assert s["n_steps"] == 6


def test_unsorted_partial_table_and_input_untouched():
    t = pd.DataFrame(
        {
            "side": ["right", "left", "right", "left"],
            "ic_s": [1.05, 0.0, 0.35, 0.7],
            "contact_ms": [240.0, 200.0, 230.0, 210.0],
        }
    )
    before = t.copy()
    s = summarize(t, duration_s=2.0)
    pd.testing.assert_frame_equal(t, before)
    assert s["metrics"]["contact_ms"]["left"] == pytest.approx(205.0)
    assert s["metrics"]["contact_ms"]["right"] == pytest.approx(235.0)


def test_output_is_plain_json():
    rng = np.random.default_rng(7)
    n = 400
    t = steps_table(
        side=np.where(np.arange(n) % 2 == 0, "left", "right"),
        ic_s=np.arange(n) * 0.35,
        **{m: rng.normal(100, 10, n) for m in NUMERIC_STEP_METRICS},
        strike_pattern=rng.choice(["rearfoot", "midfoot", "forefoot"], n),
    )
    t.loc[::7, "contact_ms"] = np.nan
    s = summarize(t, duration_s=140.0)
    assert set(s) == CONTRACT_KEYS
    assert set(s["metrics"]) == set(NUMERIC_STEP_METRICS)
    assert set(s["drift"]) == set(NUMERIC_STEP_METRICS)
    assert_plain_json(s)
    assert json.loads(json.dumps(s, allow_nan=False)) == s


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["left", "right"]),
            st.floats(0, 3600, allow_nan=False),
            st.one_of(st.none(), st.floats(-1e6, 1e6), st.just(float("inf"))),
            st.one_of(st.none(), st.sampled_from(["rearfoot", "midfoot", "forefoot"])),
        ),
        max_size=60,
    ),
    duration=st.one_of(st.floats(0, 1e5), st.just(float("nan"))),
)
def test_any_table_gives_plain_json(rows, duration):
    t = (
        steps_table(
            side=[r[0] for r in rows],
            ic_s=[r[1] for r in rows],
            contact_ms=[np.nan if r[2] is None else r[2] for r in rows],
            strike_pattern=[r[3] for r in rows],
        )
        if rows
        else empty_steps()
    )
    s = summarize(t, duration_s=duration)
    assert s["n_steps"] == len(rows)
    assert_plain_json(s)
    json.dumps(s, allow_nan=False)


# --------------------------------------------------------------------------
# Theil-Sen: against scipy and against a plain reduction loop
# --------------------------------------------------------------------------


def finite_pairs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


@pytest.mark.parametrize("n", [2, 3, 40, 121, 300, 460, 599, 600])
@pytest.mark.parametrize("seed", [0, 1])
def test_theil_sen_matches_scipy_with_nans_ties_and_unsorted_x(n, seed):
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(100 * n + seed)
    x = rng.uniform(0, 30, n)  # unsorted
    if seed:
        x = np.round(x)  # many equal x: those pairs have no slope
    y = 3.0 - 0.7 * x + rng.standard_t(2, n)
    if seed:
        y = np.round(y, 1)  # many equal slopes
    y[rng.random(n) < 0.1] = np.nan
    x[rng.random(n) < 0.05] = np.inf
    xf, yf = finite_pairs(x, y)
    got = theil_sen_slope(x, y)
    if np.unique(xf).size < 2:
        assert got is None
    else:
        assert got == pytest.approx(scipy_stats.theilslopes(yf, xf)[0], rel=1e-12)


def test_theil_sen_exact_line_and_all_equal_slopes():
    # 600 points, 179 700 pairs, every slope exactly 2 (the sampled bracket is a
    # single value)
    x = np.arange(600.0)
    assert theil_sen_slope(x, 2.0 * x + 1.0) == 2.0
    assert theil_sen_slope(x, np.full(600, 5.0)) == 0.0
    assert theil_sen_slope(np.full(600, 3.0), x) is None  # no two distinct x


def reduced_reference(x: np.ndarray, y: np.ndarray, max_points: int) -> float | None:
    """The documented reduction step by step: finite points sorted by x (stable),
    point k of n in group k * max_points // n, each group -> (median x, median y),
    then the median of the slopes of all pairs with different x."""
    x, y = finite_pairs(np.asarray(x, float), np.asarray(y, float))
    if x.size > max_points:
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        groups: dict[int, list[int]] = {}
        for k in range(x.size):
            groups.setdefault(k * max_points // x.size, []).append(k)
        x = np.array([np.median(x[members]) for members in groups.values()])
        y = np.array([np.median(y[members]) for members in groups.values()])
    slopes = [
        (y[j] - y[i]) / (x[j] - x[i])
        for i in range(x.size)
        for j in range(i + 1, x.size)
        if x[j] != x[i]
    ]
    return float(np.median(slopes)) if slopes else None


@pytest.mark.parametrize(("n", "max_points"), [(25, 7), (101, 10), (333, 50), (1000, 300)])
def test_theil_sen_reduction_matches_plain_loop(n, max_points):
    rng = np.random.default_rng(n)
    x = rng.uniform(0, 60, n)
    x[::9] = x[1]  # ties across group boundaries
    y = 250.0 + 0.4 * x + rng.normal(0, 8, n)
    y[rng.random(n) < 0.08] = np.nan
    assert theil_sen_slope(x, y, max_points=max_points) == pytest.approx(
        reduced_reference(x, y, max_points), rel=1e-12
    )


def test_theil_sen_reduction_on_a_long_run_matches_plain_loop():
    # more than the default 600 points: the summary's own path (uneven groups of 2 and 3)
    rng = np.random.default_rng(3)
    n = 1679
    x = np.sort(rng.uniform(0, 10, n))
    y = 230.0 + 1.5 * x + rng.normal(0, 6, n)
    assert theil_sen_slope(x, y) == pytest.approx(reduced_reference(x, y, 600), rel=1e-12)


def test_select_is_exact_when_the_sample_misses_the_middle():
    rng = np.random.default_rng(4)
    values = rng.normal(size=50_001)
    values[::7] = np.nan
    n_valid = int(np.count_nonzero(~np.isnan(values)))
    ks = (n_valid // 2 - 1, n_valid // 2)
    expected = np.sort(values[~np.isnan(values)])[list(ks)]
    largest = np.argsort(np.nan_to_num(values, nan=-np.inf))[-4096:]  # a useless sample
    for sample in (None, np.sort(rng.integers(0, values.size, 4096)), np.sort(largest)):
        assert list(_select(values, ks, n_valid, sample)) == list(expected)


# --------------------------------------------------------------------------
# medians and quartiles against numpy; public parts on DataFrame / Series input
# --------------------------------------------------------------------------


def test_metric_stats_match_numpy_nan_functions():
    rng = np.random.default_rng(8)
    n = 501
    num = pd.DataFrame({"contact_ms": rng.normal(250, 20, n), "impact_g": rng.gamma(3, 2, n)})
    num.loc[rng.random(n) < 0.2, "contact_ms"] = np.nan
    side = pd.Series(rng.choice(["left", "right", "other"], n))
    got = metric_stats(num, side, ["contact_ms", "impact_g"])
    for m in ("contact_ms", "impact_g"):
        v = num[m].to_numpy()
        left, right = v[side.to_numpy() == "left"], v[side.to_numpy() == "right"]
        assert got[m]["median"] == pytest.approx(np.nanmedian(v), rel=1e-12)
        assert got[m]["p25"] == pytest.approx(np.nanquantile(v, 0.25), rel=1e-12)
        assert got[m]["p75"] == pytest.approx(np.nanquantile(v, 0.75), rel=1e-12)
        assert got[m]["left"] == pytest.approx(np.nanmedian(left), rel=1e-12)
        assert got[m]["right"] == pytest.approx(np.nanmedian(right), rel=1e-12)
        assert got[m]["n"] == np.count_nonzero(~np.isnan(v))
        assert got[m]["n_left"] == np.count_nonzero(~np.isnan(left))
        assert got[m]["n_right"] == np.count_nonzero(~np.isnan(right))


def test_public_parts_accept_frames_and_series():
    ic = pd.Series(np.arange(30) * 2.0)  # one step every 2 s, 0..58 s
    num = pd.DataFrame({"contact_ms": 200.0 + ic.to_numpy()})
    side = pd.Series(np.where(np.arange(30) % 2 == 0, "left", "right"))
    d = drift(num, ic, ["contact_ms"])["contact_ms"]
    # thirds: t <= 19.33 -> t = 0..18 (10 steps), t >= 38.67 -> t = 40..58 (10 steps)
    assert (d["n_first"], d["n_last"]) == (10, 10)
    assert d["first_third"] == pytest.approx(209.0) and d["last_third"] == pytest.approx(249.0)
    assert d["per_minute"] == pytest.approx(60.0)  # 1 ms per s
    w = windows(num, side, ic, window_s=20.0, origin_s=-10.0)
    # windows [-10, 10), [10, 30), [30, 50), [50, 70): steps 0..8, 10..28, 30..48, 50..58 s
    assert [x["n_steps"] for x in w] == [5, 10, 10, 5]
    assert [x["contact_ms"] for x in w] == pytest.approx([204.0, 219.0, 239.0, 254.0])
    steps = pd.DataFrame({"strike_pattern": ["rearfoot"] * 20 + ["forefoot"] * 10})
    sp = strike_pattern_shares(steps, side)
    assert sp["both"]["n"] == 30 and sp["left"]["n"] == 15
    assert sp["both"]["rearfoot"] == pytest.approx(200.0 / 3.0)


# --------------------------------------------------------------------------
# windows by hand; labels and column types
# --------------------------------------------------------------------------


def test_windows_by_hand():
    t = steps_table(
        side=["left", "right", "left", "right", "left", "right", "left"],
        ic_s=[5.0, 6.0, 7.0, 8.0, 31.0, 32.0, 58.0],
        contact_ms=[200.0, 220.0, 210.0, np.nan, 240.0, 250.0, 260.0],
        impact_g=[np.nan] * 7,
    )
    w = summarize(t, duration_s=60.0, window_s=10.0)["windows"]
    # origin 5 s: windows [5, 15), [15, 25), [25, 35), [35, 45), [45, 55), [55, 65)
    assert [x["start_s"] for x in w] == [5.0, 15.0, 25.0, 35.0, 45.0, 55.0]
    assert [x["end_s"] for x in w] == [15.0, 25.0, 35.0, 45.0, 55.0, 65.0]
    assert [x["n_steps"] for x in w] == [4, 0, 2, 0, 0, 1]
    assert [x["n_left"] for x in w] == [2, 0, 1, 0, 0, 1]
    assert [x["n_right"] for x in w] == [2, 0, 1, 0, 0, 0]
    # first window: contact 200, 220, 210 (the NaN is skipped) -> 210
    assert w[0]["contact_ms"] == pytest.approx(210.0)
    assert w[2]["contact_ms"] == pytest.approx(245.0)
    assert w[5]["contact_ms"] == pytest.approx(260.0)
    assert w[1]["contact_ms"] is None and w[3]["contact_ms"] is None
    # balance: left median 205 vs right 220 (its NaN skipped); 240 vs 250; one side only
    assert w[0]["contact_balance_left_pct"] == pytest.approx(100.0 * 205.0 / 425.0)
    assert w[2]["contact_balance_left_pct"] == pytest.approx(100.0 * 240.0 / 490.0)
    assert w[5]["contact_balance_left_pct"] is None
    assert list(w[0]) == [
        "start_s",
        "end_s",
        "n_steps",
        "n_left",
        "n_right",
        "contact_ms",
        "contact_balance_left_pct",
    ]  # impact_g has no value


def test_side_labels_case_missing_and_other():
    t = pd.DataFrame(
        {
            "side": ["LEFT", "Left", "right", None, "x", "left"],
            "ic_s": np.arange(6) * 0.4,
            "contact_ms": [200.0, 210.0, 250.0, 300.0, 400.0, 220.0],
            "strike_pattern": ["rearfoot", "rearfoot", "forefoot", "midfoot", "midfoot", None],
        }
    )
    s = summarize(t, duration_s=3.0)
    assert (s["n_steps"], s["n_steps_left"], s["n_steps_right"]) == (6, 3, 1)
    m = s["metrics"]["contact_ms"]
    assert (m["n"], m["n_left"], m["n_right"]) == (6, 3, 1)
    assert m["left"] == pytest.approx(210.0) and m["right"] == pytest.approx(250.0)
    # all six, whatever their side label: 200 210 220 250 300 400 -> (220 + 250) / 2
    assert m["median"] == pytest.approx(235.0)
    sp = s["strike_pattern"]
    assert sp["left"] == {"n": 2, "rearfoot": 100.0, "midfoot": 0.0, "forefoot": 0.0}
    # "both": every classified step with a side label, "x" included, the missing one not
    assert sp["both"]["n"] == 4
    assert sp["both"]["midfoot"] == pytest.approx(25.0)


def test_object_columns_are_coerced_and_input_left_alone():
    t = pd.DataFrame(
        {
            "side": ["left", "right", "left", "right", "left"],
            "ic_s": ["0.0", "0.4", "0.8", "1.2", "oops"],
            "contact_ms": pd.Series(["200", "bad", 220.0, np.inf, None], dtype=object),
        }
    )
    before = t.copy()
    s = summarize(t, duration_s=2.0)
    pd.testing.assert_frame_equal(t, before)
    m = s["metrics"]["contact_ms"]
    assert (m["n"], m["median"], m["left"], m["right"]) == (2, 210.0, 210.0, None)
    assert [x["n_steps"] for x in s["windows"]] == [4]  # the step without a time is left out
