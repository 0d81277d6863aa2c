"""Parts of the streaming path: sample buffer, rolling summaries, flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.rules.ruleset import load_rules
from footfall.stream.buffer import SampleBuffer
from footfall.stream.flags import EXIT_MARGIN, FlagTracker, flag_specs
from footfall.stream.rolling import RollingSummary
from footfall.summary import summarize

# ---------------------------------------------------------------- buffer


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 60)), min_size=1, max_size=40))
def test_buffer_keeps_the_newest_samples_with_their_absolute_index(ops: list) -> None:
    buf = SampleBuffer(2, capacity=16)
    total = 0
    dropped = 0
    for n_new, drop in ops:
        idx = np.arange(total, total + n_new)
        buf.append(idx * 0.01, np.column_stack([idx, -idx]).astype(float))
        total += n_new
        dropped = max(dropped, min(total, dropped + drop))
        buf.drop_before(dropped)
        assert buf.base == dropped
        assert buf.end == total
        assert len(buf) == total - dropped
        np.testing.assert_array_equal(buf.values[:, 0], np.arange(dropped, total))
        np.testing.assert_array_equal(buf.time_s, np.arange(dropped, total) * 0.01)


# --------------------------------------------------------------- rolling


def _steps(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    side = np.where(np.arange(n) % 2 == 0, "left", "right")
    ic = np.cumsum(rng.uniform(0.33, 0.37, n))
    contact = np.where(side == "left", 240.0, 260.0) + rng.normal(0, 5, n)
    cad = 170 + rng.normal(0, 2, n)
    cad[::7] = np.nan
    return pd.DataFrame(
        {
            "side": side,
            "ic_s": ic,
            "contact_ms": contact,
            "cadence_spm": cad,
            "foot_strike_angle_deg": rng.normal(5, 3, n),
        }
    )


def test_rolling_summary_agrees_with_the_run_summary_on_the_same_steps() -> None:
    steps = _steps(300)
    roll = RollingSummary()
    for k in range(0, 300, 13):  # arrive in uneven batches
        roll.add(steps.iloc[k : k + 13])
    last = steps.iloc[-40:]
    ref = summarize(last, duration_s=60.0)
    got = roll.summary(last_steps=40)
    assert got["n_steps"] == 40
    for m in ("contact_ms", "cadence_spm", "foot_strike_angle_deg"):
        for key in ("median", "left", "right", "asymmetry_pct"):
            assert got["metrics"][m][key] == pytest.approx(ref["metrics"][m][key], nan_ok=True)
    assert got["contact_balance_left_pct"] == pytest.approx(ref["contact_balance_left_pct"])
    assert got["facts"]["contact_balance.offset_pct"] == pytest.approx(
        abs(ref["contact_balance_left_pct"] - 50)
    )
    # last minute: the steps within 60 s of the newest contact
    t = steps["ic_s"].to_numpy()
    recent = steps[t >= t[-1] - 60.0]
    got = roll.summary(last_steps=None, last_s=60.0)
    assert got["n_steps"] == len(recent)
    assert got["metrics"]["contact_ms"]["median"] == pytest.approx(recent["contact_ms"].median())


def test_rolling_baseline_and_vs_baseline_fact() -> None:
    steps = _steps(200)
    steps.loc[150:, "contact_ms"] *= 1.10  # late: contact 10 % longer
    roll = RollingSummary(baseline_skip=20, baseline_steps=100)
    roll.add(steps.iloc[:100])
    assert roll.baseline is None
    roll.add(steps.iloc[100:])
    base = steps["contact_ms"].iloc[20:120].median()
    assert roll.baseline["contact_ms"] == pytest.approx(base)
    facts = roll.summary(last_steps=20)["facts"]
    assert facts["contact_ms.vs_baseline_pct"] == pytest.approx(
        100 * (steps["contact_ms"].iloc[-20:].median() - base) / base
    )
    assert facts["contact_ms.vs_baseline_pct"] > 8


# ----------------------------------------------------------------- flags


def test_flag_thresholds_come_from_the_rules_file() -> None:
    rules = load_rules()
    specs = {s.id: s for s in flag_specs(rules)}
    low = rules.rule("low-cadence").check("cadence_low_spm")
    cond = [c for c in specs["low-cadence"].conditions if c.op == "<"][0]
    assert cond.value == low.value
    bal = rules.rule("one-sided-loading").check("contact_balance_offset_pct")
    assert specs["uneven-balance"].conditions[0].value == bal.value


def test_low_cadence_flag_does_not_flicker_and_needs_time() -> None:
    tracker = FlagTracker(
        [s for s in flag_specs() if s.id == "low-cadence"], min_on_s=10, min_off_s=10
    )
    threshold = [c for c in tracker.states[0].spec.conditions if c.op == "<"][0].value
    margin = EXIT_MARGIN["cadence_spm"]
    t = 0.0
    # well above: never on
    for _ in range(30):
        t += 1
        tracker.update(t, {"cadence_spm": threshold + 10})
    assert tracker.active == []
    # below for less than min_on_s, then back above: still off
    for _ in range(5):
        t += 1
        tracker.update(t, {"cadence_spm": threshold - 5})
    t += 1
    tracker.update(t, {"cadence_spm": threshold + 10})
    assert tracker.active == []
    # below long enough: on
    changes = []
    for _ in range(15):
        t += 1
        changes += tracker.update(t, {"cadence_spm": threshold - 5})
    assert tracker.active == ["low-cadence"] and changes == ["low-cadence"]
    # wobbling around the entry threshold (inside the exit margin) keeps it on
    for k in range(60):
        t += 1
        v = threshold + (0.5 * margin if k % 2 else -1.0)
        assert tracker.update(t, {"cadence_spm": v}) == []
    assert tracker.active == ["low-cadence"]
    # clearly above (past the margin) for min_off_s: off, exactly once
    changes = []
    for _ in range(15):
        t += 1
        changes += tracker.update(t, {"cadence_spm": threshold + margin + 1})
    assert tracker.active == [] and changes == ["low-cadence"]
    assert [on for _, on in tracker.states[0].history] == [True, False]


def test_overstride_flag_needs_two_signs_while_running() -> None:
    spec = [s for s in flag_specs() if s.id == "overstride"][0]
    running = {"cadence_spm": 150.0}  # low cadence: one sign
    assert not spec.holds(running)
    assert spec.holds({**running, "foot_strike_angle_deg": 25.0})  # second sign
    assert not spec.holds(
        {"cadence_spm": 110.0, "foot_strike_angle_deg": 25.0, "contact_ms.vs_baseline_pct": 20.0}
    )  # walking: guard fails
