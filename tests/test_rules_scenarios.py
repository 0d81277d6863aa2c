"""Scenario tests of the rules: virtual runner with known gait + a symptom profile
-> the expected top findings.

Each scenario is simulated and analysed once per module (the real pipeline,
not the truth table), so the findings rest on what footfall measures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

import footfall
from footfall.rules import SymptomProfile, evaluate
from footfall.rules.ruleset import SEVERITIES
from footfall.sim import simulate

MINUTES = {"fatigue-drift": 18.0}
"""Run length per scenario (default 4 min); fatigue drift starts at minute 10."""

_ANALYSES: dict[str, Any] = {}


@pytest.fixture(scope="module")
def analysed():
    """Simulate and analyse a scenario once per module."""

    def get(scenario: str):
        if scenario not in _ANALYSES:
            rec, _ = simulate(scenario, MINUTES.get(scenario, 4.0), 3)
            _ANALYSES[scenario] = footfall.analyze(rec)
        return _ANALYSES[scenario]

    yield get
    _ANALYSES.clear()


@dataclass(frozen=True)
class Case:
    """``first``: id of the first finding; ``first_contributor``: of the first
    non-red-flag finding; ``includes``: ids that must be present (with at least
    the given severity); ``excludes``: ids that must not be present at all;
    ``side``: side of ``includes[0]``."""

    name: str
    scenario: str
    symptoms: dict[str, Any] | None
    first: str | None = None
    first_contributor: str | None = None
    includes: tuple[tuple[str, str], ...] = ()
    excludes: tuple[str, ...] = ()
    top_two: frozenset[str] = field(default_factory=frozenset)
    side: str | None = None


CASES = [
    Case(
        "overstride-numb-after-2km",
        "low-cadence-overstride",
        {"foot": "both", "locations": ["toes"], "onset_km": 2.0},
        top_two=frozenset({"low-cadence", "overstride"}),
        includes=(("low-cadence", "moderate"), ("overstride", "moderate")),
    ),
    Case(
        "overstride-sensors-only",
        "low-cadence-overstride",
        None,
        top_two=frozenset({"low-cadence", "overstride"}),
        excludes=("lacing-pressure", "tight-toe-box-swelling"),
    ),
    Case(
        "overstride-treadmill",
        "low-cadence-overstride-treadmill",
        {"foot": "right", "locations": ["whole_foot"], "onset_min": 20.0},
        top_two=frozenset({"low-cadence", "overstride"}),
    ),
    Case(
        "forefoot-burning-3-4",
        "forefoot-loader",
        {"foot": "left", "locations": ["between_3_4"], "burning_pain": True},
        first="red-flag-pain",
        first_contributor="mortons-neuroma-pattern",
        includes=(("mortons-neuroma-pattern", "moderate"),),
    ),
    Case(
        "forefoot-between-3-4",
        "forefoot-loader",
        {"foot": "left", "locations": ["between_3_4"]},
        first="mortons-neuroma-pattern",
        excludes=("red-flag-pain",),
    ),
    Case(
        "forefoot-toes-3-and-4",
        "forefoot-loader",
        {"foot": "right", "locations": ["toes"], "toes": [3, 4]},
        first="mortons-neuroma-pattern",
    ),
    Case(
        "forefoot-toes-late-narrow-shoe",
        "forefoot-loader",
        {
            "foot": "both",
            "locations": ["toes", "ball"],
            "onset_min": 15.0,
            "toe_box": "narrow",
            "shoe_size_vs_street": 0.0,
        },
        first="tight-toe-box-swelling",
        includes=(("tight-toe-box-swelling", "moderate"),),
    ),
    Case(
        "overpronator-sole",
        "overpronator",
        {"foot": "both", "locations": ["sole_arch"]},
        first="tarsal-tunnel-pattern",
        includes=(("tarsal-tunnel-pattern", "moderate"),),
    ),
    Case(
        "overpronator-sensors-only",
        "overpronator",
        None,
        includes=(("tarsal-tunnel-pattern", "low"),),
    ),
    Case(
        "top-of-foot-early",
        "easy-run",
        {"foot": "right", "locations": ["top"], "onset_min": 3.0},
        first="lacing-pressure",
        includes=(("lacing-pressure", "moderate"),),
        excludes=("low-cadence", "overstride", "heavy-strike"),
        side="right",
    ),
    Case(
        "top-of-foot-tight-laces",
        "easy-run",
        {"foot": "left", "locations": ["top", "toes"], "lacing_tightness": "tight"},
        first="lacing-pressure",
    ),
    Case(
        "numb-at-night",
        "easy-run",
        {"foot": "right", "locations": ["toes"], "at_night": True, "onset_min": 15.0},
        first="red-flag-at-rest",
        includes=(("red-flag-at-rest", "high"),),
    ),
    Case(
        "weakness",
        "low-cadence-overstride",
        {"foot": "left", "locations": ["whole_foot"], "weakness": True, "onset_min": 10.0},
        first="red-flag-weakness",
        first_contributor="low-cadence",
    ),
    Case(
        "back-pain-sciatica-pattern",
        "easy-run",
        {"foot": "left", "locations": ["sole_arch", "heel"], "back_or_leg_pain": True},
        first="back-or-leg-nerve-pattern",
    ),
    Case(
        "lower-leg-tightness",
        "easy-run",
        {
            "foot": "both",
            "locations": ["top", "toes"],
            "lower_leg_tightness": True,
            "onset_min": 20.0,
        },
        first="lower-leg-pressure-pattern",
    ),
    Case(
        "diabetes",
        "easy-run",
        {"foot": "both", "locations": ["whole_foot"], "diabetes_or_circulation": True},
        first="neuropathy-circulation-risk",
    ),
    Case(
        "lasting-hours",
        "easy-run",
        {"foot": "right", "locations": ["toes"], "resolves_after_stopping": False},
        first="red-flag-lasting",
    ),
    Case(
        "every-run-regardless",
        "overpronator",
        {"foot": "both", "locations": ["sole_arch"], "every_run_regardless": True},
        first="red-flag-recurring",
        first_contributor="tarsal-tunnel-pattern",
    ),
    Case(
        "heavy-heel-sensors-only",
        "heavy-heel-striker",
        None,
        first="heavy-strike",
        includes=(("heavy-strike", "moderate"),),
    ),
    Case(
        "heavy-heel-whole-foot",
        "heavy-heel-striker",
        {"foot": "both", "locations": ["whole_foot"], "onset_min": 20.0},
        first="heavy-strike",
    ),
    Case(
        "one-sided-left-numb",
        "one-sided",
        {"foot": "left", "locations": ["ball"], "onset_min": 15.0},
        first="one-sided-loading",
        includes=(("one-sided-loading", "moderate"),),
        side="left",
    ),
    Case(
        "fatigue-numb-at-12-min",
        "fatigue-drift",
        {"foot": "both", "locations": ["whole_foot"], "onset_min": 12.0},
        first="fatigue-drift",
        includes=(("fatigue-drift", "moderate"),),
    ),
    Case(
        "cotton-thick-socks",
        "easy-run",
        {"foot": "both", "locations": ["toes"], "sock_type": "cotton", "sock_thickness": "thick"},
        includes=(("socks", "low"),),
        excludes=("low-cadence", "overstride"),
    ),
    Case(
        "water-only-long-runs",
        "easy-run",
        {
            "foot": "both",
            "locations": ["whole_foot"],
            "onset_min": 70.0,
            "hydration": "lots-of-water",
        },
        includes=(("hydration", "low"),),
    ),
    Case(
        "tight-muscles",
        "easy-run",
        {"foot": "left", "locations": ["whole_foot"], "tight_muscles": True},
        includes=(("tight-muscles", "low"),),
    ),
]


def _at_least(severity: str, minimum: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(minimum)


def _cases():
    for c in CASES:
        yield pytest.param(c, id=c.name)


@pytest.mark.parametrize("case", list(_cases()))
def test_scenario_findings(case: Case, analysed):
    a = analysed(case.scenario)
    profile = SymptomProfile(**case.symptoms) if case.symptoms is not None else None
    findings = evaluate(a.summary, a.steps, symptoms=profile)
    ids = [f.id for f in findings]
    by_id = {f.id: f for f in findings}
    assert findings, "no findings"
    if case.first:
        assert ids[0] == case.first, ids
    if case.first_contributor:
        contributors = [f.id for f in findings if not f.is_red_flag]
        assert contributors and contributors[0] == case.first_contributor, ids
    if case.top_two:
        assert set(ids[:2]) == case.top_two, ids
    for rule_id, minimum in case.includes:
        assert rule_id in by_id, ids
        assert _at_least(by_id[rule_id].severity, minimum), by_id[rule_id]
    for rule_id in case.excludes:
        assert rule_id not in by_id, ids
    if case.side:
        assert by_id[case.includes[0][0]].side == case.side
    # red flags always lead
    kinds = [f.is_red_flag for f in findings]
    assert kinds == sorted(kinds, reverse=True)


def test_at_least_twenty_cases():
    assert len(CASES) >= 20


@pytest.mark.parametrize("scenario", ["easy-run", "easy-run-treadmill", "walk-run-intervals"])
def test_healthy_run_without_symptoms_raises_no_alarm(scenario, analysed):
    findings = evaluate(analysed(scenario).summary, analysed(scenario).steps)
    assert all(not _at_least(f.severity, "moderate") for f in findings), [
        (f.id, f.severity) for f in findings
    ]


def test_low_cadence_suggests_a_metronome_beat_from_the_measured_cadence(analysed):
    a = analysed("low-cadence-overstride")
    f = next(f for f in evaluate(a.summary, a.steps) if f.id == "low-cadence")
    cadence = a.summary["cadence_spm"]
    assert f.suggestions[0].count(f"{cadence * 1.05:.0f}") == 2  # target and beat
    assert f"{cadence * 1.10:.0f}" in f.suggestions[1]
    item = next(i for i in f.evidence_items if i["check"] == "cadence_low_spm")
    assert item["value"] == pytest.approx(cadence) and item["threshold"] == 157.0


def test_fatigue_evidence_is_from_around_the_symptom_onset(analysed):
    a = analysed("fatigue-drift")
    profile = SymptomProfile(foot="both", locations=("whole_foot",), onset_min=12.0)
    f = next(f for f in evaluate(a.summary, a.steps, symptoms=profile) if f.id == "fatigue-drift")
    parts = {i["part"] for i in f.evidence_items if i["source"] == "sensors"}
    assert parts == {"after the symptom onset (12 min) vs before"}
    cadence = next(i for i in f.evidence_items if i["fact"] == "cadence_spm.late_change_pct")
    assert cadence["value"] < 0  # cadence fell after the onset
    # the same run without a step table falls back to the per-minute windows
    g = next(f for f in evaluate(a.summary, None, symptoms=profile) if f.id == "fatigue-drift")
    assert g.basis == "both"
