"""The rules file, overrides and the engine on hand-made summaries.

Scenario tests with the virtual runner are in test_rules_scenarios.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footfall.errors import FootfallError
from footfall.model import NUMERIC_STEP_METRICS
from footfall.rules import SymptomProfile, evaluate, load_rules
from footfall.rules.ruleset import STEP_METRICS, default_rules_text, parse_rules
from footfall.summary import summarize

ROOT = Path(__file__).resolve().parents[1]


def fit_like(cadence=None, contact_left=None, contact_right=None, **extra):
    """A summary with only what a running watch gives: cadence, contact time, balance."""
    metrics = {}
    if contact_left is not None:
        metrics["contact_ms"] = {
            "median": (contact_left + contact_right) / 2,
            "left": contact_left,
            "right": contact_right,
            "asymmetry_pct": 200 * (contact_left - contact_right) / (contact_left + contact_right),
        }
    balance = (
        100 * contact_left / (contact_left + contact_right) if contact_left is not None else None
    )
    return {
        "cadence_spm": cadence,
        "contact_balance_left_pct": balance,
        "metrics": metrics,
        **extra,
    }


def ids(findings):
    return [f.id for f in findings]


# --------------------------------------------------------------------------
# The rules file
# --------------------------------------------------------------------------


def test_shipped_rules_load_and_cover_every_cause_in_the_brief():
    rules = load_rules()
    got = {r.id for r in rules.rules}
    # the causes and red flags of the issue, by rule id
    expected = {
        "lacing-pressure",
        "tight-toe-box-swelling",
        "mortons-neuroma-pattern",
        "tarsal-tunnel-pattern",
        "overstride",
        "low-cadence",
        "heavy-strike",
        "one-sided-loading",
        "fatigue-drift",
        "socks",
        "hydration",
        "tight-muscles",
        "back-or-leg-nerve-pattern",
        "lower-leg-pressure-pattern",
        "neuropathy-circulation-risk",
        "red-flag-lasting",
        "red-flag-at-rest",
        "red-flag-weakness",
        "red-flag-pain",
        "red-flag-recurring",
    }
    assert expected <= got
    for r in rules.rules:
        assert r.suggestions and r.explanation and r.symptom_pattern
        if r.kind == "red-flag":
            assert r.severity == {"symptoms_only": "high"}


def test_every_rule_source_resolves():
    rules = load_rules()
    for r in rules.rules:
        for key in r.sources:
            src = rules.sources[key]
            if src["kind"] == "paper":
                assert re.search(r"\(\d{4}\)", src["citation"]), key  # a year
            else:
                assert src["citation"].strip(), key
    used = {k for r in rules.rules for k in r.sources}
    assert used == set(rules.sources), "sources listed but never cited"


def test_sensor_vocabulary_matches_the_steps_table():
    # every contract metric, and the summarised extra columns (toe-out,
    # rearfoot eversion, insole regions) too
    assert set(NUMERIC_STEP_METRICS) < set(STEP_METRICS)
    assert {"rearfoot_eversion_deg", "foot_progression_deg", "loading_rate_bw_s"} <= set(
        STEP_METRICS
    )


def test_rules_are_data_not_code():
    text = default_rules_text()
    data = tomllib.loads(text)
    # every value is a plain TOML value; nothing names a Python object to run
    assert "import" not in text and "lambda" not in text and "__" not in text
    for rule in data["rule"]:
        for block in ("sensors", "symptoms"):
            for check in rule.get(block, {}).get("all", []) + rule.get(block, {}).get("any", []):
                assert set(check) <= {
                    "name",
                    "fact",
                    "op",
                    "value",
                    "per_side",
                    "guard",
                    "show",
                    "note",
                }


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["rule"][0].update(sources=["nowhere"]), "'nowhere' is not in [sources]"),
        (
            lambda d: d["rule"][0]["symptoms"]["any"][0].update(fact="numbness_level"),
            "unknown symptom field",
        ),
        (lambda d: d["rule"][0]["symptoms"]["any"][0].update(op="matches"), "unknown operator"),
        (
            lambda d: d["rule"][-1]["sensors"]["any"][0].update(fact="cadence_spm.mean"),
            "unknown sensor fact",
        ),
        (
            lambda d: d["rule"][0].update(severity={"sensors_only": "high"}),
            "names evidence the rule does not check",
        ),
        (lambda d: d["rule"][1].update(id=d["rule"][0]["id"]), "used twice"),
        (
            lambda d: d["rule"][0].update(suggestions=["Try {pace_min_per_km}"]),
            "unknown placeholder",
        ),
    ],
)
def test_malformed_rules_file_errors_name_the_rule_and_key(mutate, message):
    data = tomllib.loads(default_rules_text())
    mutate(data)
    with pytest.raises(FootfallError) as e:
        parse_rules(data, path="my-rules.toml")
    assert message in e.value.message
    assert e.value.path == "my-rules.toml"


# --------------------------------------------------------------------------
# Overrides (--rules FILE)
# --------------------------------------------------------------------------


def test_override_changes_a_threshold_and_the_findings(tmp_path):
    summary = fit_like(cadence=160.0)
    assert "low-cadence" not in ids(evaluate(summary))
    f = tmp_path / "mine.toml"
    f.write_text("[rules.low-cadence]\ncadence_low_spm = 162\n")
    rules = load_rules(overrides=f)
    assert rules.rule("low-cadence").check("cadence_low_spm").value == 162.0
    found = evaluate(summary, rules=rules)
    assert "low-cadence" in ids(found)
    assert any(i["threshold"] == 162.0 for i in found[0].evidence_items)


def test_override_can_disable_a_rule(tmp_path):
    f = tmp_path / "off.toml"
    f.write_text("[rules.red-flag-at-rest]\nenabled = false\n")
    profile = SymptomProfile(at_night=True)
    assert "red-flag-at-rest" in ids(evaluate(None, symptoms=profile))
    assert "red-flag-at-rest" not in ids(
        evaluate(None, symptoms=profile, rules=load_rules(overrides=f))
    )


@pytest.mark.parametrize(
    "text, words",
    [
        (
            "[rules.low-cadense]\ncadence_low_spm = 160\n",
            ["unknown rule id 'low-cadense'", "did you mean 'low-cadence'"],
        ),
        (
            "[rules.low-cadence]\ncadence_low = 160\n",
            ["rule 'low-cadence'", "key 'cadence_low'", "did you mean 'cadence_low_spm'"],
        ),
        (
            '[rules.low-cadence]\ncadence_low_spm = "fast"\n',
            ["rule 'low-cadence'", "key 'cadence_low_spm'", "not a number"],
        ),
        (
            "[rules.lacing-pressure]\nearly_onset_max_min = true\n",
            ["rule 'lacing-pressure'", "not a number"],
        ),
        ('[rules.socks]\nenabled = "no"\n', ["rule 'socks'", "key 'enabled'"]),
        ("[thresholds]\nx = 1\n", ["key 'thresholds'"]),
        ("[rules.low-cadence\n", ["not valid TOML"]),
    ],
)
def test_override_errors_name_file_rule_and_key(tmp_path, text, words):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(FootfallError) as e:
        load_rules(overrides=f)
    assert e.value.path == str(f)
    for w in words:
        assert w in e.value.message


def test_missing_override_file(tmp_path):
    with pytest.raises(FootfallError, match="no such rules override file"):
        load_rules(overrides=tmp_path / "none.toml")


# --------------------------------------------------------------------------
# Engine: whatever data exists
# --------------------------------------------------------------------------


def test_fit_like_summary_low_cadence_and_one_sided():
    summary = fit_like(cadence=150.0, contact_left=300.0, contact_right=270.0)
    found = evaluate(
        summary, symptoms=SymptomProfile(foot="left", locations=("toes",), onset_min=20.0)
    )
    by = {f.id: f for f in found}
    assert by["low-cadence"].severity == "moderate" and by["low-cadence"].basis == "both"
    one = by["one-sided-loading"]
    assert one.side == "left" and one.basis == "both"
    item = next(i for i in one.evidence_items if i["check"] == "contact_balance_offset_pct")
    assert item["value"] == pytest.approx(100 * 300 / 570 - 50)


def test_sensors_point_to_the_other_foot_lowers_the_finding():
    summary = fit_like(cadence=165.0, contact_left=300.0, contact_right=270.0)
    same = evaluate(summary, symptoms=SymptomProfile(foot="left"))
    other = evaluate(summary, symptoms=SymptomProfile(foot="right"))
    f_same = next(f for f in same if f.id == "one-sided-loading")
    f_other = next(f for f in other if f.id == "one-sided-loading")
    assert (f_same.severity, f_other.severity) == ("moderate", "low")
    assert f_other.confidence == "low" and "other" not in f_same.evidence
    assert "the sensors point to the left foot, but the right foot" in f_other.evidence


def test_symptoms_only_without_any_sensor():
    profile = SymptomProfile(foot="right", locations=("top",), onset_min=4.0)
    found = evaluate(None, symptoms=profile)
    assert ids(found) == ["lacing-pressure"]
    f = found[0]
    assert f.basis == "symptoms_only" and f.side == "right"
    assert "window" in " ".join(f.suggestions).lower()


def test_symptoms_only_keeps_sensor_rules_that_need_sensors_silent():
    profile = SymptomProfile(foot="both", locations=("sole_arch",), onset_min=30.0)
    found = {f.id: f for f in evaluate(None, symptoms=profile)}
    assert "low-cadence" not in found and "overstride" not in found
    tarsal = found["tarsal-tunnel-pattern"]
    assert tarsal.basis == "symptoms_only" and "no sensor data" in tarsal.evidence


def test_no_data_no_findings():
    assert evaluate(None) == []
    assert evaluate({"metrics": {}, "cadence_spm": None}) == []


def test_walking_is_not_low_cadence():
    assert "low-cadence" not in ids(evaluate(fit_like(cadence=112.0)))


def test_onset_in_km_uses_the_run_speed():
    summary = fit_like(cadence=150.0)
    summary["metrics"]["speed_mps"] = {"median": 2.5}
    profile = SymptomProfile(onset_km=3.0, locations=("toes",))
    f = next(f for f in evaluate(summary, symptoms=profile) if f.id == "low-cadence")
    onset = next(i for i in f.evidence_items if i["fact"] == "onset_min")
    assert onset["value"] == pytest.approx(3000 / 2.5 / 60)
    # the runner's words stay km; the minutes are an estimate that says how it was made
    assert (
        "numbness starts after 3 km (about 20 min at this run's pace of 6:40 min/km)" in f.evidence
    )


def test_baseline_from_history():
    now = fit_like(cadence=160.0)
    history = [fit_like(cadence=c) for c in (172.0, 170.0, 171.0)]
    assert "low-cadence" not in ids(evaluate(now))
    f = next(f for f in evaluate(now, history=history) if f.id == "low-cadence")
    item = next(i for i in f.evidence_items if i["check"] == "cadence_drop_vs_baseline_pct")
    assert item["value"] == pytest.approx(100 * (160 - 171) / 171)
    assert "3 earlier sessions" in item["part"]


def _drifting_steps(minutes=20.0, onset_min=10.0, spm=168.0, drop_spm=10.0):
    """Steps with cadence falling and strike angle rising after ``onset_min``."""
    t = np.arange(0.0, minutes * 60.0, 60.0 / spm)
    late = np.clip((t / 60.0 - onset_min) / (minutes - onset_min), 0, 1)
    n = t.size
    return pd.DataFrame(
        {
            "side": np.where(np.arange(n) % 2 == 0, "left", "right"),
            "ic_s": t,
            "cadence_spm": spm - drop_spm * late,
            "contact_ms": 250.0 + 30.0 * late,
            "foot_strike_angle_deg": 12.0 + 5.0 * late,
        }
    )


def test_fatigue_compares_before_and_after_the_reported_onset():
    steps = _drifting_steps()
    summary = summarize(steps, duration_s=1200.0)
    profile = SymptomProfile(locations=("whole_foot",), onset_min=10.0)
    f = next(f for f in evaluate(summary, steps, symptoms=profile) if f.id == "fatigue-drift")
    assert f.basis == "both" and f.severity == "moderate"
    c = next(i for i in f.evidence_items if i["fact"] == "cadence_spm.late_change_pct")
    after = steps.loc[steps.ic_s >= 600, "cadence_spm"].median()
    before = steps.loc[steps.ic_s < 600, "cadence_spm"].median()
    assert c["value"] == pytest.approx(100 * (after - before) / before)
    # without symptoms: the last third against the first, from the summary's drift
    g = next(f for f in evaluate(summary, steps) if f.id == "fatigue-drift")
    assert g.severity == "low" and g.part_of_run == "last third vs first third of the run"


def test_steady_run_has_no_fatigue_finding():
    steps = _drifting_steps(drop_spm=0.0)
    steps["contact_ms"] = 250.0
    steps["foot_strike_angle_deg"] = 12.0
    summary = summarize(steps, duration_s=1200.0)
    profile = SymptomProfile(locations=("whole_foot",), onset_min=10.0)
    assert "fatigue-drift" not in ids(evaluate(summary, steps, symptoms=profile))


def test_findings_json_round_trip_and_contract_keys():
    profile = SymptomProfile(foot="left", locations=("top",), onset_min=2.0, at_rest=True)
    found = evaluate(fit_like(cadence=150.0), symptoms=profile)
    doc = json.loads(json.dumps([f.to_dict() for f in found], allow_nan=False))
    assert doc[0]["kind"] == "red-flag"
    for d in doc:
        for key in (
            "id",
            "severity",
            "confidence",
            "side",
            "evidence",
            "suggestion",
            "sources",
            "evidence_strength",
            "suggestions",
            "explanation",
        ):
            assert key in d
        assert d["suggestion"] == d["suggestions"][0]
        assert all(isinstance(s, str) and s for s in d["sources"])


def test_never_a_diagnosis():
    text = default_rules_text().lower()
    for pattern in (r"\byou have (a|an)\b", r"diagnosed with", r"you suffer"):
        assert not re.search(pattern, text), pattern


# --------------------------------------------------------------------------
# Command line: footfall analyze --symptoms / --rules
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    from footfall.sim import simulate

    out = tmp_path_factory.mktemp("rec") / "lco"
    simulate("low-cadence-overstride", 2.0, 5, out)
    return out


def _footfall(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "footfall", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_analyze_with_symptoms_puts_findings_in_json_and_first_in_terminal(recording, tmp_path):
    sym = tmp_path / "me.toml"
    sym.write_text('foot = "left"\nlocations = ["toes"]\nonset_min = 12.0\nat_night = true\n')
    r = _footfall("analyze", str(recording), "--symptoms", str(sym), "--json", "-")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    found = [f["id"] for f in doc["findings"]]
    assert found[0] == "red-flag-at-rest" and "low-cadence" in found
    t = _footfall("analyze", str(recording), "--symptoms", str(sym))
    assert t.returncode == 0, t.stderr
    out = t.stdout
    assert out.index("SEE A PROFESSIONAL") < out.index("Low cadence") < out.index("Per step")


def test_analyze_rejects_bad_symptoms_and_rules_without_traceback(recording, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('foot = "middle"\n')
    r = _footfall("analyze", str(recording), "--symptoms", str(bad))
    assert r.returncode == 2 and "foot" in r.stderr and "Traceback" not in r.stderr
    rules = tmp_path / "rules.toml"
    rules.write_text("[rules.overstride]\nstrike_angle = 20\n")
    r = _footfall("analyze", str(recording), "--rules", str(rules))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "rule 'overstride'" in r.stderr and "strike_angle_high_deg" in r.stderr


def test_rules_doc_is_generated_from_the_rules():
    from footfall.rules.doc import render_markdown

    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_markdown(load_rules()), (
        "docs/rules.md is out of date: run python tools/gen_rules_doc.py"
    )
    for r in load_rules().rules:
        assert f"`{r.id}`" in committed
        for c in r.check_names:
            assert f"`{c}`" in committed
