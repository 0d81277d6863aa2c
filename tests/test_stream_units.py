"""Parts of the streaming path: sample buffer, rolling summaries, flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.rules.ruleset import load_rules
from footfall.stream.buffer import SampleBuffer
from footfall.stream.flags import FlagTracker, exit_margin, relaxed_rules
from footfall.stream.live_summary import LiveSummary, drift_metrics
from footfall.stream.rolling import RollingSummary
from footfall.summary import drift, summarize

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
    # last minute: the steps within 60 s of the newest contact
    t = steps["ic_s"].to_numpy()
    recent = steps[t >= t[-1] - 60.0]
    got = roll.summary(last_steps=None, last_s=60.0)
    assert got["n_steps"] == len(recent)
    assert got["metrics"]["contact_ms"]["median"] == pytest.approx(recent["contact_ms"].median())


def test_live_summary_is_the_run_summary_of_the_window_with_the_sessions_drift() -> None:
    steps = _steps(1200)  # about 7 minutes
    steps.loc[800:, "contact_ms"] *= 1.08  # contact longer late in the session
    live = LiveSummary(window_s=120.0)
    for k in range(0, len(steps), 17):  # arrive in uneven batches
        live.add(steps.iloc[k : k + 17])
    t = steps["ic_s"].to_numpy()
    got = live.summary(float(t[-1]) + 0.5)
    window = steps[t >= t[-1] - 120.0]
    ref = summarize(window, duration_s=float(t[-1] + 0.5 - t[0]))
    assert got["n_steps"] == len(window) and got["n_steps_left"] == ref["n_steps_left"]
    assert got["duration_s"] == pytest.approx(ref["duration_s"])
    for m in ("contact_ms", "cadence_spm", "foot_strike_angle_deg"):
        for key in ("median", "left", "right", "asymmetry_pct", "n_left"):
            assert got["metrics"][m][key] == pytest.approx(ref["metrics"][m][key])
    assert got["contact_balance_left_pct"] == pytest.approx(ref["contact_balance_left_pct"])
    # drift: the whole session's, first third against last third, as offline
    metrics = drift_metrics(None)
    assert "contact_ms" in metrics and "cadence_spm" in metrics
    whole = drift(steps, steps["ic_s"], [m for m in metrics if m in steps.columns])
    assert got["drift"]["contact_ms"]["change_pct"] == pytest.approx(
        whole["contact_ms"]["change_pct"]
    )
    assert got["drift"]["contact_ms"]["change_pct"] > 5


# ----------------------------------------------------------------- flags


def _run_summary(cadence: float, *, steps_per_side: int = 150, minutes: float = 10.0) -> dict:
    """A run summary with one cadence (what the engine reads for low cadence)."""
    return {
        "duration_s": 60.0 * minutes,
        "n_steps_left": steps_per_side,
        "n_steps_right": steps_per_side,
        "cadence_spm": cadence,
        "metrics": {"cadence_spm": {"median": cadence, "left": cadence, "right": cadence}},
    }


def test_flags_are_the_rules_findings_with_the_users_overrides(tmp_path) -> None:
    rules = load_rules()
    low = rules.rule("low-cadence").check("cadence_low_spm").value
    tracker = FlagTracker(rules, min_on_s=0, min_off_s=0)
    assert "low-cadence" in tracker.titles()
    assert tracker.titles()["low-cadence"] == rules.rule("low-cadence").title
    tracker.update(0.0, _run_summary(low - 2))
    assert tracker.active == ["low-cadence"]
    assert tracker.states[[s.id for s in tracker.states].index("low-cadence")].finding.evidence
    # a user's override moves the live threshold as it moves the offline one
    over = tmp_path / "rules.toml"
    over.write_text("[rules.low-cadence]\ncadence_low_spm = 170.0\n")
    tracker = FlagTracker(load_rules(overrides=over), min_on_s=0, min_off_s=0)
    tracker.update(0.0, _run_summary(165.0))
    assert tracker.active == ["low-cadence"]
    # walking (below the rules' running cadence) and too few steps: no flag
    tracker = FlagTracker(rules, min_on_s=0, min_off_s=0)
    tracker.update(0.0, _run_summary(110.0))
    tracker.update(1.0, _run_summary(low - 2, steps_per_side=10))
    assert tracker.active == []


def test_relaxed_rules_move_each_threshold_by_its_margin() -> None:
    rules = load_rules()
    loose = relaxed_rules(rules)
    for rid, name in (
        ("low-cadence", "cadence_low_spm"),
        ("one-sided-loading", "contact_balance_offset_pct"),
        ("heavy-strike", "impact_high_g"),
        ("fatigue-drift", "cadence_late_drop_pct"),
    ):
        c, r = rules.rule(rid).check(name), loose.rule(rid).check(name)
        m = exit_margin(c.fact)
        assert m > 0, name
        expected = c.value + m if c.op in ("<", "<=") else c.value - m
        assert r.value == pytest.approx(expected), name
    assert exit_margin("contact_balance.offset_pct") == pytest.approx(1.5)  # clears at 50.7 %


def test_low_cadence_flag_does_not_flicker_and_needs_time() -> None:
    tracker = FlagTracker(min_on_s=10, min_off_s=10)
    threshold = load_rules().rule("low-cadence").check("cadence_low_spm").value
    margin = exit_margin("cadence_spm")
    t = 0.0
    # well above: never on
    for _ in range(30):
        t += 1
        tracker.update(t, _run_summary(threshold + 10))
    assert tracker.active == []
    # below for less than min_on_s, then back above: still off
    for _ in range(5):
        t += 1
        tracker.update(t, _run_summary(threshold - 5))
    t += 1
    tracker.update(t, _run_summary(threshold + 10))
    assert tracker.active == []
    # below long enough: on (with overstride, which low cadence alone does not raise)
    changes = []
    for _ in range(15):
        t += 1
        changes += tracker.update(t, _run_summary(threshold - 5))
    assert tracker.active == ["low-cadence"] and changes == ["low-cadence"]
    # wobbling around the entry threshold (inside the exit margin) keeps it on
    for k in range(60):
        t += 1
        v = threshold + (0.5 * margin if k % 2 else -1.0)
        assert tracker.update(t, _run_summary(v)) == []
    assert tracker.active == ["low-cadence"]
    # clearly above (past the margin) for min_off_s: off, exactly once
    changes = []
    for _ in range(15):
        t += 1
        changes += tracker.update(t, _run_summary(threshold + margin + 1))
    assert tracker.active == [] and changes == ["low-cadence"]
    low = [s for s in tracker.states if s.id == "low-cadence"][0]
    assert [on for _, on in low.history] == [True, False]
    assert tracker.raised() == ["low-cadence"]


def test_overstride_flag_needs_two_signs_while_running() -> None:
    tracker = FlagTracker(min_on_s=0, min_off_s=0)
    running = _run_summary(150.0)  # low cadence: one sign of overstride
    tracker.update(0.0, running)
    assert "overstride" not in tracker.active
    steep = dict(running)
    steep["metrics"] = {
        **running["metrics"],
        "foot_strike_angle_deg": {"median": 25.0, "left": 25.0, "right": 25.0},
    }
    tracker.update(1.0, steep)  # a second sign
    assert "overstride" in tracker.active
    walking = _run_summary(110.0)
    walking["metrics"] = {
        **walking["metrics"],
        **{"foot_strike_angle_deg": steep["metrics"]["foot_strike_angle_deg"]},
    }
    tracker = FlagTracker(min_on_s=0, min_off_s=0)
    tracker.update(0.0, walking)  # walking: the rules are about running
    assert "overstride" not in tracker.active
