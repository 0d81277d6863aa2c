"""The rules engine's state table: which evidence state a rule is in, and what
follows from it (fires or not, severity, confidence), on minimal rules."""

from __future__ import annotations

import itertools
import json

import pytest

from footfall.rules.engine import (
    NO_FINDING,
    SENSOR_VERDICTS,
    STATE_TABLE,
    SYMPTOM_VERDICTS,
    Basis,
    Confidence,
    Finding,
    Severity,
    Verdict,
    decide_state,
    evaluate,
    findings_json,
    grade_confidence,
)
from footfall.rules.ruleset import CONFIDENCES, SEVERITIES, STATES, Block, Check, Rule, RuleSet
from footfall.rules.symptoms import SymptomProfile

ALL_STATES = {
    "both": "high",
    "sensors_only": "moderate",
    "symptoms_only": "low",
    "symptoms_sensors_normal": "info",
}


def make_rule(
    *,
    kind: str = "contributor",
    severity: dict[str, str] | None = None,
    max_confidence: str = "high",
    sensors: bool = True,
    symptoms: bool = True,
) -> Rule:
    """One rule: long contact on either foot, and numb toes."""
    return Rule(
        id="probe",
        title="Probe",
        kind=kind,
        symptom_pattern="toes",
        evidence_strength="weak",
        max_confidence=max_confidence,
        severity=dict(ALL_STATES if severity is None else severity),
        explanation="test rule",
        suggestions=(),
        sources=(),
        sensors=Block(all=(Check("contact_long", "contact_ms", ">", 300.0, per_side=True),))
        if sensors
        else None,
        symptoms=Block(all=(Check("toes_numb", "locations", "has", "toes"),)) if symptoms else None,
    )


def ruleset(rule: Rule) -> RuleSet:
    return RuleSet(rules=(rule,), sources={}, evidence_strength={"weak": "a hint"})


# Facts that put the sensor block in each verdict. The numb foot is the left
# one unless the sensors are to point to the other foot.
SENSOR_FACTS = {
    Verdict.MATCH: (
        {"metrics": {"contact_ms": {"median": 290.0, "left": 320.0, "right": 260.0}}},
        "left",
    ),
    Verdict.OTHER_FOOT: (
        {"metrics": {"contact_ms": {"median": 290.0, "left": 320.0, "right": 260.0}}},
        "right",
    ),
    Verdict.NO_MATCH: (
        {"metrics": {"contact_ms": {"median": 265.0, "left": 270.0, "right": 260.0}}},
        "left",
    ),
    Verdict.UNKNOWN: (None, "left"),
}
SYMPTOM_LOCATIONS = {Verdict.MATCH: ("toes",), Verdict.NO_MATCH: ("heel",), Verdict.UNKNOWN: ()}

# Written out by hand (not read from STATE_TABLE) so a change to the table shows here.
EXPECTED = {
    (Verdict.MATCH, Verdict.MATCH): ("both", "high"),
    (Verdict.MATCH, Verdict.UNKNOWN): ("sensors_only", "moderate"),
    (Verdict.MATCH, Verdict.NO_MATCH): ("sensors_only", "low"),
    (Verdict.OTHER_FOOT, Verdict.MATCH): ("sensors_only", "low"),
    (Verdict.OTHER_FOOT, Verdict.UNKNOWN): ("sensors_only", "low"),
    (Verdict.OTHER_FOOT, Verdict.NO_MATCH): ("sensors_only", "low"),
    (Verdict.UNKNOWN, Verdict.MATCH): ("symptoms_only", "moderate"),
    (Verdict.NO_MATCH, Verdict.MATCH): ("symptoms_sensors_normal", "low"),
    (Verdict.UNKNOWN, Verdict.UNKNOWN): None,
    (Verdict.UNKNOWN, Verdict.NO_MATCH): None,
    (Verdict.NO_MATCH, Verdict.UNKNOWN): None,
    (Verdict.NO_MATCH, Verdict.NO_MATCH): None,
}


def run(sensor: Verdict, symptom: Verdict, rule: Rule | None = None) -> list[Finding]:
    summary, numb = SENSOR_FACTS[sensor]
    profile = SymptomProfile(foot=numb, locations=SYMPTOM_LOCATIONS[symptom])
    return evaluate(summary, symptoms=profile, rules=ruleset(rule or make_rule()))


def test_enum_values_are_the_rules_file_strings_in_order():
    assert tuple(Severity) == SEVERITIES and [s.rank for s in Severity] == [0, 1, 2, 3]
    assert tuple(Confidence) == CONFIDENCES and [c.rank for c in Confidence] == [0, 1, 2]
    assert tuple(Basis) == STATES
    assert Severity.MODERATE == "moderate" and Basis("both") is Basis.BOTH
    assert (
        json.dumps([Severity.HIGH, Confidence.LOW, Basis.SENSORS_ONLY])
        == '["high", "low", "sensors_only"]'
    )
    assert f"{Severity.INFO} severity" == "info severity"


def test_at_most_caps_a_level():
    assert Confidence.HIGH.at_most("moderate") is Confidence.MODERATE
    assert Confidence.LOW.at_most("high") is Confidence.LOW
    assert Severity.HIGH.at_most(Severity.INFO) is Severity.INFO


def test_table_covers_every_combination_once():
    pairs = set(itertools.product(SENSOR_VERDICTS, SYMPTOM_VERDICTS))
    assert set(STATE_TABLE) == pairs and len(STATE_TABLE) == len(pairs) == 12
    assert set(EXPECTED) == pairs
    # every evidence state is reachable, and each one that fires has a confidence
    assert {o.basis for o in STATE_TABLE.values()} == set(Basis) | {None}
    for outcome in STATE_TABLE.values():
        assert (outcome.basis is None) == (outcome is NO_FINDING)
        assert (outcome.confidence is None) == (outcome.basis is None)


@pytest.mark.parametrize(("sensor", "symptom"), list(EXPECTED), ids=lambda v: str(v))
def test_each_combination_reaches_its_state(sensor, symptom):
    expected = EXPECTED[(sensor, symptom)]
    outcome = decide_state(sensor, symptom)
    found = run(sensor, symptom)
    if expected is None:
        assert outcome.basis is None and found == []
        return
    basis, confidence = expected
    assert (outcome.basis, outcome.confidence) == expected
    (f,) = found
    assert (f.basis, f.confidence, f.severity) == (basis, confidence, ALL_STATES[basis])
    assert isinstance(f.basis, Basis) and isinstance(f.severity, Severity)
    assert isinstance(f.confidence, Confidence)
    d = findings_json(found)[0]
    assert (d["basis"], d["confidence"], d["severity"]) == (basis, confidence, ALL_STATES[basis])
    assert all(type(d[k]) is str for k in ("basis", "confidence", "severity"))


def test_side_and_notes_follow_the_state():
    (same,) = run(Verdict.MATCH, Verdict.MATCH)
    assert same.side == "left" and "the left foot is also the one that goes numb" in same.evidence
    (other,) = run(Verdict.OTHER_FOOT, Verdict.MATCH)
    assert other.side == "right"  # the side the runner answered; the note names the other
    assert "the sensors point to the left foot, but the right foot goes numb" in other.evidence
    (normal,) = run(Verdict.NO_MATCH, Verdict.MATCH)
    assert normal.side == "left"  # the numb foot when the sensors do not match
    assert "within the usual range" in normal.evidence
    assert [i["check"] for i in normal.evidence_items] == ["contact_long", "toes_numb"]
    (alone,) = run(Verdict.UNKNOWN, Verdict.MATCH)
    assert "no sensor data to check this against" in alone.evidence


def test_a_state_missing_from_the_severity_table_gives_no_finding():
    rule = make_rule(severity={"both": "high"})
    assert run(Verdict.MATCH, Verdict.UNKNOWN, rule) == []
    assert run(Verdict.OTHER_FOOT, Verdict.MATCH, rule) == []  # both, demoted
    assert [f.basis for f in run(Verdict.MATCH, Verdict.MATCH, rule)] == ["both"]


def test_red_flags_are_high_confidence_and_max_confidence_caps():
    flag = make_rule(kind="red-flag")
    assert grade_confidence(flag, decide_state(Verdict.NO_MATCH, Verdict.MATCH)) == "high"
    (f,) = run(Verdict.OTHER_FOOT, Verdict.NO_MATCH, flag)
    assert (f.basis, f.confidence) == ("sensors_only", "high")
    capped = make_rule(max_confidence="moderate")
    (f,) = run(Verdict.MATCH, Verdict.MATCH, capped)
    assert (f.basis, f.confidence) == ("both", "moderate")
    (f,) = run(Verdict.MATCH, Verdict.NO_MATCH, capped)
    assert f.confidence == "low"


def test_a_rule_without_a_sensor_block_is_symptoms_only():
    rule = make_rule(sensors=False)
    (f,) = run(Verdict.MATCH, Verdict.MATCH, rule)
    assert f.basis == "symptoms_only"
    assert "sensors" not in f.evidence  # no note about sensors for a symptoms-only rule


def test_findings_sort_by_severity_rank_not_alphabet():
    rules = RuleSet(
        rules=(
            make_rule(severity={"symptoms_only": "info"}),
            Rule(**{**make_rule(severity={"symptoms_only": "moderate"}).__dict__, "id": "second"}),
        ),
        sources={},
        evidence_strength={},
    )
    found = evaluate(None, symptoms=SymptomProfile(locations=("toes",)), rules=rules)
    assert [(f.id, f.severity) for f in found] == [("second", "moderate"), ("probe", "info")]
