"""The advice as a table: pattern + what the runner reports -> the findings
that must come first, and those that must stay silent.

Each row names where the run comes from (a short simulated scenario, a
watch-style summary with only cadence, contact time and balance, the shared
real recordings, or no sensors at all), the symptom profile, and what the
domain logic (../shared/science/numbness-and-gait.md, docs/rules.md) says
must follow: red flags first; the Morton's neuroma check on the forefoot
loader and not on a healthy run; nothing of moderate or high severity or
confidence on a walk or a healthy easy run; no sensor rule on too little
data, and a ``not_evaluated`` entry saying why; the runner's words quoted as
given. Simulated runs are 0.5-2 min and analysed once per module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import footfall
from footfall.rules import evaluate
from footfall.rules.engine import Confidence, Severity, not_evaluated
from footfall.sim import simulate

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
MOTICON = SHARED / "moticon_opengo"
WALK_SAMPLE = ROOT / "sample_data" / "gaitmap_walk"
MOTICON_WALKS = ("230927_102114.txt", "230927_102137.txt", "230927_102231.txt")

RED_FLAGS = {
    "at_night": "red-flag-at-rest",
    "weakness": "red-flag-weakness",
    "sharp_pain": "red-flag-pain",
    "resolves_after_stopping": "red-flag-lasting",
    "every_run_regardless": "red-flag-recurring",
    "back_or_leg_pain": "back-or-leg-nerve-pattern",
    "lower_leg_tightness": "lower-leg-pressure-pattern",
    "diabetes_or_circulation": "neuropathy-circulation-risk",
}
"""A symptom answer and the red flag it raises (``resolves_after_stopping`` is
answered False, the others True)."""


def _flag(answer: str) -> dict[str, Any]:
    return {answer: answer != "resolves_after_stopping"}


@dataclass(frozen=True)
class Case:
    """One row. ``source``: ``sim:NAME:MINUTES``, ``fit`` (with ``fit``),
    ``real:walk`` / ``real:moticon:FILE``, or ``none``.

    ``first``: id of the first finding; ``first_contributor``: of the first
    finding that is not a red flag; ``present``: ids that must be there;
    ``absent``: ids that must not; ``quiet``: no finding of moderate or high
    severity or confidence; ``silent``: no finding at all; ``side``,
    ``confidence`` (ceiling), ``basis``: per finding id; ``evidence`` /
    ``explanation`` / ``not_in_explanation``: (id, text) pairs;
    ``skipped``: ids the run's ``not_evaluated`` list must name, with a word of
    the reason."""

    name: str
    source: str
    symptoms: dict[str, Any] | None = None
    fit: dict[str, Any] | None = None
    first: str | None = None
    first_contributor: str | None = None
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    quiet: bool = False
    silent: bool = False
    side: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, str] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)
    evidence: tuple[tuple[str, str], ...] = ()
    explanation: tuple[tuple[str, str], ...] = ()
    not_in_explanation: tuple[tuple[str, str], ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()


SENSOR_RULES = (
    "tight-toe-box-swelling",
    "mortons-neuroma-pattern",
    "tarsal-tunnel-pattern",
    "low-cadence",
    "overstride",
    "heavy-strike",
    "one-sided-loading",
    "fatigue-drift",
)

CASES = [
    # --- a healthy easy run: nothing to say without symptoms --------------------------
    Case("easy run, no symptoms", "sim:easy-run:1", silent=True),
    Case(
        "easy run, numb toes with no other sign: nothing strong",
        "sim:easy-run:1",
        {"foot": "both", "locations": ["toes"]},
        quiet=True,
        absent=SENSOR_RULES[3:],
    ),
    # --- red flags come first, whatever the run ----------------------------------------
    *[
        Case(
            f"easy run + {answer}",
            "sim:easy-run:1",
            {"foot": "left", "locations": ["toes"], "onset_min": 15.0, **_flag(answer)},
            first=flag,
            confidence={flag: "high"},
        )
        for answer, flag in RED_FLAGS.items()
    ],
    *[
        Case(
            f"no sensors + {answer}",
            "none",
            {"foot": "right", **_flag(answer)},
            first=flag,
            basis={flag: "symptoms_only"},
        )
        for answer, flag in RED_FLAGS.items()
    ],
    Case(
        "forefoot loader + burning between 3rd and 4th toes",
        "sim:forefoot-loader:1",
        {"foot": "left", "locations": ["between_3_4"], "burning_pain": True},
        first="red-flag-pain",
        first_contributor="mortons-neuroma-pattern",
    ),
    Case(
        "low cadence + weakness",
        "sim:low-cadence-overstride:1",
        {"foot": "left", "locations": ["whole_foot"], "weakness": True, "onset_min": 10.0},
        first="red-flag-weakness",
        present=("low-cadence",),
    ),
    # --- Morton's neuroma: the forefoot loader's lateral load, not a healthy run --------
    Case(
        "forefoot loader, no symptoms",
        "sim:forefoot-loader:1",
        present=("mortons-neuroma-pattern",),
        basis={"mortons-neuroma-pattern": "sensors_only"},
        evidence=(("mortons-neuroma-pattern", "lateral forefoot load"),),
    ),
    Case(
        "forefoot loader + between 3rd and 4th toes, left",
        "sim:forefoot-loader:1",
        {"foot": "left", "locations": ["between_3_4"]},
        first="mortons-neuroma-pattern",
        basis={"mortons-neuroma-pattern": "both"},
        side={"mortons-neuroma-pattern": "left"},
        evidence=(("mortons-neuroma-pattern", "lateral forefoot load"),),
    ),
    Case(
        "forefoot loader + toes 3 and 4, right",
        "sim:forefoot-loader:1",
        {"foot": "right", "locations": ["toes"], "toes": [3, 4]},
        first="mortons-neuroma-pattern",
        side={"mortons-neuroma-pattern": "right"},
    ),
    Case(
        "midfoot runner: no Morton's from the sensors",
        "sim:midfoot-runner:1",
        absent=("mortons-neuroma-pattern",),
    ),
    Case(
        "midfoot runner (healthy, 73 % of the load on the forefoot): no tight toe box",
        "sim:midfoot-runner:1",
        absent=("tight-toe-box-swelling",),
    ),
    Case(
        "easy run + between 3rd and 4th toes: symptoms carry it, sensors normal",
        "sim:easy-run:1",
        {"foot": "left", "locations": ["between_3_4"]},
        first="mortons-neuroma-pattern",
        basis={"mortons-neuroma-pattern": "symptoms_sensors_normal"},
        evidence=(("mortons-neuroma-pattern", "lateral forefoot load"),),
    ),
    # --- other gait patterns ----------------------------------------------------------
    Case(
        "overpronator + sole and arch",
        "sim:overpronator:1",
        {"foot": "both", "locations": ["sole_arch"]},
        first="tarsal-tunnel-pattern",
        basis={"tarsal-tunnel-pattern": "both"},
    ),
    Case(
        "overpronator, no symptoms",
        "sim:overpronator:1",
        present=("tarsal-tunnel-pattern",),
        absent=("mortons-neuroma-pattern", "low-cadence"),
    ),
    Case(
        "heavy heel striker",
        "sim:heavy-heel-striker:1",
        first="heavy-strike",
        absent=("mortons-neuroma-pattern",),
    ),
    Case(
        "low cadence and overstride",
        "sim:low-cadence-overstride:1",
        present=("low-cadence", "overstride"),
        absent=("mortons-neuroma-pattern",),
    ),
    Case(
        "low cadence + onset in km: quoted in km",
        "sim:low-cadence-overstride:1",
        {"foot": "both", "locations": ["toes"], "onset_km": 2.0},
        present=("low-cadence",),
        basis={"low-cadence": "both"},
        evidence=(
            ("low-cadence", "numbness starts after 2 km (about"),
            ("low-cadence", "at this run's pace of"),
        ),
    ),
    # --- one foot: which side, and only on enough steps -------------------------------
    Case(
        "one-sided, left numb, 2 min",
        "sim:one-sided:2",
        {"foot": "left", "locations": ["ball"], "onset_min": 15.0},
        first="one-sided-loading",
        side={"one-sided-loading": "left"},
        basis={"one-sided-loading": "both"},
    ),
    Case(
        "one-sided, right numb: the other foot loads more",
        "sim:one-sided:2",
        {"foot": "right", "locations": ["ball"]},
        side={"one-sided-loading": "right"},
        confidence={"one-sided-loading": "low"},
        evidence=(("one-sided-loading", "the sensors point to the left foot"),),
    ),
    Case(
        "one-sided, 1 min: too few steps for more than low",
        "sim:one-sided:1",
        {"foot": "left", "locations": ["ball"]},
        present=("one-sided-loading",),
        confidence={"one-sided-loading": "low"},
        evidence=(("one-sided-loading", "few steps"),),
    ),
    Case(
        "one-sided, 0.5 min: not evaluated",
        "sim:one-sided:0.5",
        {"foot": "left", "locations": ["ball"]},
        absent=("one-sided-loading",),
        skipped=(("one-sided-loading", "steps per foot"),),
    ),
    Case(
        "forefoot loader, 1 min: no fatigue drift on a short run",
        "sim:forefoot-loader:1",
        absent=("fatigue-drift",),
        skipped=(("fatigue-drift", "min recorded"),),
    ),
    # --- symptoms only: the runner's words, the onset they gave -----------------------
    Case(
        "top of the foot early: laces",
        "sim:easy-run:1",
        {"foot": "right", "locations": ["top"], "onset_min": 3.0},
        first="lacing-pressure",
        side={"lacing-pressure": "right"},
        explanation=(("lacing-pressure", "yours starts after 3 min"),),
    ),
    Case(
        "toes after 30 min, narrow toe box: the explanation names 30 min",
        "sim:easy-run:1",
        {"foot": "left", "locations": ["toes"], "onset_min": 30.0, "toe_box": "narrow"},
        first="tight-toe-box-swelling",
        explanation=(("tight-toe-box-swelling", "after 30 min in your case"),),
        not_in_explanation=(("tight-toe-box-swelling", "10-20"),),
        evidence=(("tight-toe-box-swelling", "numbness starts after 30 min"),),
    ),
    Case(
        "toes after 5 km, no sensors: km kept, minutes an estimate",
        "none",
        {"foot": "left", "locations": ["toes"], "onset_km": 5.0, "toe_box": "narrow"},
        first="tight-toe-box-swelling",
        side={"tight-toe-box-swelling": "left"},
        evidence=(
            (
                "tight-toe-box-swelling",
                "numbness starts after 5 km (about 30 min at an assumed pace of 6:00 min/km",
            ),
        ),
        explanation=(("tight-toe-box-swelling", "after 5 km in your case"),),
    ),
    Case(
        "cotton, thick socks",
        "sim:easy-run:1",
        {"foot": "both", "locations": ["toes"], "sock_type": "cotton", "sock_thickness": "thick"},
        present=("socks",),
        absent=("low-cadence",),
    ),
    # --- watch-style summaries: cadence, contact time, balance only -------------------
    Case(
        "watch: low cadence",
        "fit",
        fit={"cadence_spm": 150.0, "contact_ms": 290.0, "contact_balance_left_pct": 50.2},
        first="low-cadence",
        absent=("one-sided-loading",),
        confidence={"low-cadence": "moderate"},
    ),
    Case(
        "watch: healthy run",
        "fit",
        fit={"cadence_spm": 172.0, "contact_ms": 240.0, "contact_balance_left_pct": 50.4},
        silent=True,
    ),
    Case(
        "watch: left loads more, left numb",
        "fit",
        {"foot": "left", "locations": ["ball"]},
        fit={"cadence_spm": 170.0, "contact_ms": 250.0, "contact_balance_left_pct": 53.5},
        first="one-sided-loading",
        side={"one-sided-loading": "left"},
        evidence=(("one-sided-loading", "the left foot is also the one that goes numb"),),
    ),
    Case(
        "watch: left loads more, right numb",
        "fit",
        {"foot": "right", "locations": ["ball"]},
        fit={"cadence_spm": 170.0, "contact_ms": 250.0, "contact_balance_left_pct": 53.5},
        side={"one-sided-loading": "right"},
        confidence={"one-sided-loading": "low"},
    ),
    Case(
        "watch: walking cadence is not a running finding",
        "fit",
        fit={"cadence_spm": 110.0, "contact_ms": 600.0, "contact_balance_left_pct": 55.0},
        silent=True,
        skipped=(("one-sided-loading", "walking"),),
    ),
    Case(
        "watch: 20 s of low cadence is too little",
        "fit",
        fit={"cadence_spm": 150.0, "contact_ms": 290.0, "duration_s": 20.0},
        silent=True,
        skipped=(("low-cadence", "about 25 steps per foot"),),
    ),
    Case(
        "watch: 40 s of low cadence, low confidence",
        "fit",
        fit={"cadence_spm": 150.0, "contact_ms": 290.0, "duration_s": 40.0},
        present=("low-cadence",),
        confidence={"low-cadence": "low"},
        evidence=(("low-cadence", "few steps (about 50 per foot"),),
    ),
    Case(
        "watch: low cadence + weakness",
        "fit",
        {"foot": "left", "weakness": True},
        fit={"cadence_spm": 150.0, "contact_ms": 290.0, "contact_balance_left_pct": 50.0},
        first="red-flag-weakness",
        first_contributor="low-cadence",
    ),
    # --- the shared real recordings: walks, quiet -------------------------------------
    Case(
        "README walking sample",
        "real:walk",
        silent=True,
        skipped=(("one-sided-loading", "walking"), ("tarsal-tunnel-pattern", "walking")),
    ),
    Case(
        "README walking sample + numb at night",
        "real:walk",
        {"foot": "left", "at_night": True},
        first="red-flag-at-rest",
        absent=SENSOR_RULES,
    ),
    Case(
        "README walking sample + between 3rd and 4th toes",
        "real:walk",
        {"foot": "left", "locations": ["between_3_4"]},
        basis={"mortons-neuroma-pattern": "symptoms_only"},
        evidence=(("mortons-neuroma-pattern", "not enough sensor data"),),
    ),
    *[
        Case(
            f"Moticon walk {name}",
            f"real:moticon:{name}",
            silent=True,
            skipped=(("one-sided-loading", "walking"),),
        )
        for name in MOTICON_WALKS
    ],
    *[
        Case(
            f"Moticon walk {name} + left forefoot numb",
            f"real:moticon:{name}",
            {"foot": "left", "locations": ["ball", "toes"]},
            quiet=True,
            absent=SENSOR_RULES[3:],
        )
        for name in MOTICON_WALKS
    ],
]


_RUNS: dict[str, Any] = {}


@pytest.fixture(scope="module")
def run_of():
    """The analysed run of a source (summary and steps), made once per module."""

    def get(source: str) -> tuple[dict[str, Any] | None, Any]:
        if source not in _RUNS:
            kind, _, rest = source.partition(":")
            if kind == "sim":
                name, minutes = rest.rsplit(":", 1)
                rec, _ = simulate(name, float(minutes), 3)
                a = footfall.analyze(rec)
            elif rest == "walk":
                a = footfall.analyze(WALK_SAMPLE)
            else:
                path = MOTICON / rest.partition(":")[2]
                if not path.is_file():
                    pytest.skip(f"{path} not available (../shared/data is absent)")
                a = footfall.analyze(path)
            _RUNS[source] = (a.summary, a.steps)
        return _RUNS[source]

    yield get
    _RUNS.clear()


def _findings(case: Case, run_of) -> tuple[list[Any], list[dict[str, str]]]:
    if case.source == "none":
        return evaluate(None, symptoms=case.symptoms), []
    if case.source == "fit":
        return evaluate(case.fit, symptoms=case.symptoms), not_evaluated(case.fit)
    summary, steps = run_of(case.source)
    return evaluate(summary, steps, symptoms=case.symptoms), summary["not_evaluated"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_advice(case: Case, run_of):
    found, skipped = _findings(case, run_of)
    ids = [f.id for f in found]
    by = {f.id: f for f in found}
    if case.silent:
        assert found == [], [(f.id, f.evidence) for f in found]
    if case.quiet:
        loud = [
            (f.id, f.severity, f.confidence)
            for f in found
            if Severity(f.severity).rank >= Severity.MODERATE.rank
            or Confidence(f.confidence).rank >= Confidence.MODERATE.rank
        ]
        assert loud == []
    if case.first:
        assert ids and ids[0] == case.first, ids
    if case.first_contributor:
        assert next(f.id for f in found if not f.is_red_flag) == case.first_contributor, ids
    red = [f.is_red_flag for f in found]
    assert red == sorted(red, reverse=True), ids  # red flags before any contributor
    for rid in case.present + tuple(case.side) + tuple(case.confidence) + tuple(case.basis):
        assert rid in by, (rid, ids)
    for rid in case.absent:
        assert rid not in by, (rid, by[rid].evidence)
    for rid, side in case.side.items():
        assert by[rid].side == side
    for rid, ceiling in case.confidence.items():
        assert Confidence(by[rid].confidence) == Confidence(ceiling), by[rid].evidence
    for rid, basis in case.basis.items():
        assert by[rid].basis == basis
    for rid, text in case.evidence:
        assert text in by[rid].evidence, by[rid].evidence
    for rid, text in case.explanation:
        assert text in by[rid].explanation, by[rid].explanation
    for rid, text in case.not_in_explanation:
        assert text not in by[rid].explanation, by[rid].explanation
    reasons = {s["id"]: s["reason"] for s in skipped}
    for rid, word in case.skipped:
        assert word in reasons.get(rid, ""), reasons
    assert not any(reasons.get(f.id) and f.basis in ("both", "sensors_only") for f in found), (
        "a rule not evaluated on the sensors fired on them"
    )


def test_the_mortons_measurement_separates_the_pattern_from_healthy_runs(run_of):
    """The measured lateral forefoot load: above the rule's threshold on the
    forefoot loader, below it on the easy run and the midfoot runner."""
    from footfall.rules import load_rules

    threshold = (
        load_rules().rule("mortons-neuroma-pattern").check("lateral_forefoot_load_high").value
    )
    lateral = {
        name: run_of(f"sim:{name}:1")[0]["metrics"]["lateral_forefoot_load_pct"]
        for name in ("forefoot-loader", "easy-run", "midfoot-runner")
    }
    for side in ("left", "right"):
        assert lateral["forefoot-loader"][side] >= threshold
        assert lateral["easy-run"][side] < threshold
        assert lateral["midfoot-runner"][side] < threshold


def test_the_pipeline_writes_not_evaluated_next_to_findings():
    a = footfall.analyze(WALK_SAMPLE, symptoms={"foot": "left", "locations": ["between_3_4"]})
    assert a.summary["findings"] and a.summary["not_evaluated"]
    entry = next(e for e in a.summary["not_evaluated"] if e["id"] == "mortons-neuroma-pattern")
    assert set(entry) == {"id", "title", "reason"} and "walking" in entry["reason"]
    # symptom-only rules and red flags never appear: they need no sensor data
    kinds = {r.id: r for r in footfall.rules.load_rules().rules}
    assert all(kinds[e["id"]].sensors is not None for e in a.summary["not_evaluated"])
