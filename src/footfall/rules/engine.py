"""The rules engine: run summary + steps + symptom profile (+ history) -> findings.

Pure functions: no I/O, no printing. :func:`evaluate` interprets the rules of
``rules.toml`` (a small condition vocabulary, see :mod:`footfall.rules.ruleset`);
nothing in a rules file is ever executed.

How a rule fires
----------------
Each rule has a sensor block and/or a symptom block. A block *matches*, does
*not match*, or is *unknown* (the data it needs is missing). The pair of
outcomes picks an evidence state, and the rule's ``severity`` table says
whether that state gives a finding and how severe it is:

``both``
    sensors and symptoms match.
``sensors_only``
    sensors match; symptoms absent, unknown or not matching.
``symptoms_only``
    symptoms match; no sensor data for the rule.
``symptoms_sensors_normal``
    symptoms match; the sensors measured the rule's metrics and found them
    normal.

Confidence (in the link for this runner, not in the measurement alone) is
``high`` when sensors and symptoms agree, ``moderate`` when one matches and
the other is unknown, ``low`` when the other was checked and does not match;
when the sensors point to the other foot than the numb one, the finding is
``sensors_only`` with ``low`` confidence. Never above the rule's
``max_confidence``. Red flags rest on what the runner reports and have high
confidence.

The code follows that description: :func:`_gather_sensors` and
:func:`_gather_symptoms` evaluate the blocks, each gives a :class:`Verdict`,
:data:`STATE_TABLE` maps the pair to a :class:`Basis` and a
:class:`Confidence` (:func:`decide_state`, :func:`grade_confidence`), and
small functions build the evidence text and the :class:`Finding`.
Severity, confidence and basis are :class:`~enum.StrEnum` members, equal to
their strings and written to JSON as them.

Enough data: a rule with sensor conditions needs a least amount of data
(``[defaults]`` and its ``needs`` in rules.toml: steps per foot, minutes,
running rather than walking). Below it (:func:`shortfall`) its sensor block is
unknown, the rule can fire on its symptoms only, and :func:`not_evaluated`
lists it with the reason. A sensor finding on fewer than twice the minimum
steps has at most low confidence (:func:`evidence_cap`).

The runner's words: an onset given in km is quoted in km, with the estimated
minutes and how they were made; the finding's side is the foot the runner
named (the sensors' side when none was named).

Order: red flags first, then severity, then confidence, then the order of
the rules file.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Self

import numpy as np

from footfall.registry import metric
from footfall.rules.ruleset import (
    Block,
    Check,
    Rule,
    RuleSet,
    load_rules,
)
from footfall.rules.symptoms import FIELD_LABELS, LOCATION_LABELS, SymptomProfile

__all__ = [
    "ASSUMED_PACE_MIN_PER_KM",
    "Basis",
    "BlockResult",
    "CADENCE_TARGET_HIGH",
    "CADENCE_TARGET_LOW",
    "Confidence",
    "DataAmount",
    "Finding",
    "MIN_STEPS_EACH_SIDE_OF_ONSET",
    "MIN_WINDOWS_EACH_SIDE_OF_ONSET",
    "NO_FINDING",
    "Outcome",
    "Reading",
    "SENSOR_VERDICTS",
    "STATE_TABLE",
    "SYMPTOM_VERDICTS",
    "SensorFacts",
    "Severity",
    "Verdict",
    "WHOLE_RUN",
    "decide_state",
    "evaluate",
    "evidence_cap",
    "findings_json",
    "grade_confidence",
    "not_evaluated",
    "shortfall",
    "sort_key",
    "symptom_facts",
]


ASSUMED_PACE_MIN_PER_KM = 6.0
"""Pace used to turn a symptom onset in km into minutes when the run's speed
is unknown (10 km/h, an easy recreational pace)."""

MIN_STEPS_EACH_SIDE_OF_ONSET = 20
"""Fewest steps with a value before and after the symptom onset for an
onset-based comparison; otherwise the last third is compared with the first."""

MIN_WINDOWS_EACH_SIDE_OF_ONSET = 2

CADENCE_TARGET_LOW = 1.05
CADENCE_TARGET_HIGH = 1.10
"""Suggested cadence targets: current +5 % and +10 % (Heiderscheit et al. 2011)."""

WHOLE_RUN = "whole run"


class _Scale(StrEnum):
    """Levels of an ordered scale, declared lowest first."""

    @property
    def rank(self) -> int:
        """Position on the scale: 0 for the lowest level."""
        return list(type(self)).index(self)

    def at_most(self, ceiling: str) -> Self:
        """This level, or ``ceiling`` when that is lower."""
        top = type(self)(ceiling)
        return top if self.rank > top.rank else self


class Severity(_Scale):
    """How much a finding matters (the rule's ``severity`` table), lowest first."""

    INFO = "info"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Confidence(_Scale):
    """How well this runner's data support the link, lowest first."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Basis(StrEnum):
    """The evidence state of a finding (see the module docstring)."""

    BOTH = "both"
    SENSORS_ONLY = "sensors_only"
    SYMPTOMS_ONLY = "symptoms_only"
    SYMPTOMS_SENSORS_NORMAL = "symptoms_sensors_normal"


@dataclass(frozen=True)
class Finding:
    """A likely contributor or a red flag (CONTRACTS.md section 3).

    Attributes
    ----------
    id, title
        The rule's id and title.
    kind
        ``red-flag`` or ``contributor``.
    severity
        ``info``, ``low``, ``moderate`` or ``high``.
    confidence
        ``low``, ``moderate`` or ``high``: how well this runner's data support
        the link (see the module docstring).
    evidence_strength, evidence_strength_text
        How well the link to numbness is supported in general (rules.toml
        ``[evidence_strength]``), and what that level means.
    side
        ``left``, ``right``, ``both`` or None.
    part_of_run
        Which part of the run the sensor evidence is from (None without it).
    basis
        The evidence state: ``both``, ``sensors_only``, ``symptoms_only`` or
        ``symptoms_sensors_normal``.
    evidence
        One line summarising the evidence.
    evidence_items
        Each check behind the finding: source (sensors, symptoms), check name,
        fact, label, value, op, threshold, unit, side, part, holds, note, text.
    explanation
        Why this may cause numbness, in plain language.
    suggestions
        What to try, simplest first, specialist last.
    sources, source_keys
        Citations and their keys in rules.toml.
    """

    id: str
    title: str
    kind: str
    severity: Severity
    confidence: Confidence
    evidence_strength: str
    evidence_strength_text: str
    side: str | None
    part_of_run: str | None
    basis: Basis
    evidence: str
    evidence_items: tuple[dict[str, Any], ...]
    explanation: str
    suggestions: tuple[str, ...]
    sources: tuple[str, ...]
    source_keys: tuple[str, ...]

    @property
    def is_red_flag(self) -> bool:
        return self.kind == "red-flag"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``suggestion`` is the first (simplest) suggestion."""
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "severity": str(self.severity),
            "confidence": str(self.confidence),
            "evidence_strength": self.evidence_strength,
            "evidence_strength_text": self.evidence_strength_text,
            "side": self.side,
            "part_of_run": self.part_of_run,
            "basis": str(self.basis),
            "evidence": self.evidence,
            "evidence_items": [dict(i) for i in self.evidence_items],
            "explanation": self.explanation,
            "suggestion": self.suggestions[0] if self.suggestions else "",
            "suggestions": list(self.suggestions),
            "sources": list(self.sources),
            "source_keys": list(self.source_keys),
        }


# --------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------


def _num(x: Any) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


@dataclass(frozen=True)
class Reading:
    """A sensor fact's value, the side it belongs to and the part of the run."""

    value: float | None
    side: str | None = None
    part: str = WHOLE_RUN


@dataclass
class SensorFacts:
    """Sensor facts from a run summary (and optionally steps and history).

    Parameters
    ----------
    summary
        The run summary (CONTRACTS.md section 3); a FIT-like one with only
        ``cadence_spm``, some ``metrics`` and ``contact_balance_left_pct`` works.
    steps
        The steps table (a DataFrame or a ColumnTable) or None; used to compare the
        steps before and after the symptom onset.
    onset_min
        When the symptoms start, minutes into the run, or None.
    history
        Earlier sessions' summaries, for the runner's baseline.
    """

    summary: Mapping[str, Any] | None
    steps: Any = None
    onset_min: float | None = None
    history: Sequence[Mapping[str, Any]] = ()
    onset_text: str | None = None
    """The onset as the runner gave it, with any estimate ("5 km, about 30 min")."""
    _cache: dict[str, tuple[float | None, float | None, str]] = field(default_factory=dict)

    @property
    def metrics(self) -> Mapping[str, Any]:
        return (self.summary or {}).get("metrics") or {}

    @property
    def available(self) -> bool:
        """Whether there is any sensor measurement at all."""
        s = self.summary or {}
        return (
            bool(self.metrics)
            or _num(s.get("cadence_spm")) is not None
            or _num(s.get("contact_balance_left_pct")) is not None
        )

    def _metric(self, m: str, side: str | None) -> float | None:
        entry = self.metrics.get(m) or {}
        if side is None:
            v = _num(entry.get("median"))
            if v is None:  # a watch-style summary: the run's value at the top level
                v = _num((self.summary or {}).get(m))
            return v
        return _num(entry.get(side))

    def get(self, fact: str, side: str | None = None) -> Reading:
        """The value of a sensor fact (for one side when ``side`` is given)."""
        if fact.startswith("strike."):
            return self._strike_share(fact, side)
        if fact == "contact_balance_left_pct":
            return Reading(_num((self.summary or {}).get("contact_balance_left_pct")))
        if fact == "contact_balance.offset_pct":
            return self._balance_offset()
        base, _, suffix = fact.partition(".")
        if not suffix:
            return Reading(self._metric(base, side), side)
        reader = _SUFFIX_READERS.get(suffix)
        return reader(self, base, suffix) if reader else Reading(None)

    def _strike_share(self, fact: str, side: str | None) -> Reading:
        """``strike.<pattern>_pct``: the share of strikes of one pattern."""
        pattern = fact[len("strike.") : -len("_pct")]
        shares = ((self.summary or {}).get("strike_pattern") or {}).get(side or "both") or {}
        return Reading(_num(shares.get(pattern)), side)

    def _balance_offset(self) -> Reading:
        """``contact_balance.offset_pct``: points away from 50 %, and the higher side."""
        bal = _num((self.summary or {}).get("contact_balance_left_pct"))
        if bal is None:
            return Reading(None)
        return Reading(abs(bal - 50.0), _higher_side(bal - 50.0))

    def _asymmetry(self, base: str, suffix: str) -> Reading:
        """``<metric>.asymmetry_pct``: the size of the left-right difference."""
        a = _num((self.metrics.get(base) or {}).get("asymmetry_pct"))
        if a is None:
            return Reading(None)
        return Reading(abs(a), _higher_side(a))

    def _late_change(self, base: str, suffix: str) -> Reading:
        """``<metric>.late_change`` (metric unit) or ``.late_change_pct`` (percent)."""
        before, after, part = self._late(base)
        if before is None or after is None:
            return Reading(None, part=part)
        if suffix == "late_change":
            return Reading(after - before, part=part)
        return Reading(100.0 * (after - before) / before if before > 0 else None, part=part)

    def _vs_baseline(self, base: str, suffix: str) -> Reading:
        """``<metric>.vs_baseline_pct``: percent from the median of earlier sessions."""
        now = self._metric(base, None)
        base_values = [
            v for h in self.history if (v := SensorFacts(h)._metric(base, None)) is not None
        ]
        if now is None or not base_values:
            return Reading(None)
        ref = float(np.median(base_values))
        n = len(base_values)
        part = f"this run vs your baseline ({n} earlier session{'s' if n != 1 else ''})"
        return Reading(100.0 * (now - ref) / ref if ref > 0 else None, part=part)

    def _late(self, m: str) -> tuple[float | None, float | None, str]:
        """Medians before/after the symptom onset, or first/last third, and the label."""
        if m in self._cache:
            return self._cache[m]
        split = self._onset_split_steps(m) or self._onset_split_windows(m)
        result: tuple[float | None, float | None, str]
        if split is None:
            d = ((self.summary or {}).get("drift") or {}).get(m) or {}
            result = (
                _num(d.get("first_third")),
                _num(d.get("last_third")),
                "last third vs first third of the run",
            )
        else:
            result = split
        self._cache[m] = result
        return result

    def _onset_label(self) -> str:
        when = self.onset_text or f"{self.onset_min:.0f} min"
        return f"after the symptom onset ({when}) vs before"

    def _onset_split_steps(self, m: str) -> tuple[float, float, str] | None:
        steps = self.steps
        if (
            self.onset_min is None
            or steps is None
            or len(steps) == 0
            or "ic_s" not in steps
            or m not in steps
        ):
            return None
        t = np.asarray(steps["ic_s"], dtype=np.float64)
        v = np.asarray(steps[m], dtype=np.float64)
        ok = np.isfinite(t) & np.isfinite(v)
        if not ok.any():
            return None
        t, v = t[ok], v[ok]
        after = (t - t.min()) >= self.onset_min * 60.0
        n_after = int(after.sum())
        if (
            n_after < MIN_STEPS_EACH_SIDE_OF_ONSET
            or after.size - n_after < MIN_STEPS_EACH_SIDE_OF_ONSET
        ):
            return None
        return float(np.median(v[~after])), float(np.median(v[after])), self._onset_label()

    def _windows_with(self, m: str) -> list[Mapping[str, Any]]:
        """The summary's windows that have a value of ``m``."""
        windows = (self.summary or {}).get("windows") or []
        return [w for w in windows if _num(w.get(m)) is not None]

    def _onset_split_windows(self, m: str) -> tuple[float, float, str] | None:
        """Medians of the windows before and after the symptom onset (None
        when too few on either side)."""
        wins = self._windows_with(m)
        if self.onset_min is None or not wins:
            return None
        origin = min(_window_time(w, "start_s") for w in wins)
        onset_s = origin + self.onset_min * 60.0
        before = [float(w[m]) for w in wins if _window_time(w, "end_s") <= onset_s]
        after = [float(w[m]) for w in wins if _window_time(w, "start_s") >= onset_s]
        if min(len(before), len(after)) < MIN_WINDOWS_EACH_SIDE_OF_ONSET:
            return None
        return float(np.median(before)), float(np.median(after)), self._onset_label()


def _window_time(window: Mapping[str, Any], key: str) -> float:
    """A window's ``start_s`` or ``end_s``; 0 when missing."""
    return _num(window.get(key)) or 0.0


def _higher_side(signed: float) -> str | None:
    """``left`` for a positive left-minus-right difference, ``right`` for a
    negative one, None for none."""
    return "left" if signed > 0 else "right" if signed < 0 else None


_SUFFIX_READERS: dict[str, Callable[[SensorFacts, str, str], Reading]] = {
    "asymmetry_pct": SensorFacts._asymmetry,
    "late_change_pct": SensorFacts._late_change,
    "late_change": SensorFacts._late_change,
    "vs_baseline_pct": SensorFacts._vs_baseline,
}
"""How each ``<metric>.<suffix>`` fact is read."""


def _pace_text(min_per_km: float) -> str:
    """A pace as ``m:ss min/km``."""
    total = round(min_per_km * 60.0)
    return f"{total // 60}:{total % 60:02d} min/km"


def symptom_facts(
    profile: SymptomProfile | None, summary: Mapping[str, Any] | None
) -> tuple[dict[str, Any], str | None]:
    """The profile's fields, with ``onset_min`` estimated from ``onset_km`` when
    only that was given (using the run's speed, else a 6 min/km pace).

    Returns
    -------
    facts, note
        Field values by name, plus ``onset_reported`` (the onset in the
        runner's own words, "after 5 km", or None); a note saying how a
        minutes value was estimated from a distance, or None.
    """
    if profile is None:
        return {}, None
    facts = profile.to_dict()
    note = None
    if profile.onset_min is not None:
        facts["onset_reported"] = f"after {profile.onset_min:g} min"
    elif profile.onset_km is not None:
        facts["onset_reported"] = f"after {profile.onset_km:g} km"
        speed = _num((((summary or {}).get("metrics") or {}).get("speed_mps") or {}).get("median"))
        if speed and speed > 0:
            pace = 1000.0 / speed / 60.0
            how = f"at this run's pace of {_pace_text(pace)}"
        else:
            pace = ASSUMED_PACE_MIN_PER_KM
            how = f"at an assumed pace of {_pace_text(pace)} (this run has no speed)"
        facts["onset_min"] = profile.onset_km * pace
        note = f"about {facts['onset_min']:.0f} min {how}"
    else:
        facts["onset_reported"] = None
    facts["onset_estimate"] = note
    return facts, note


# --------------------------------------------------------------------------
# Checks and blocks
# --------------------------------------------------------------------------

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "in": lambda value, threshold: value in threshold,
    "has": lambda value, threshold: threshold in value,
    "has_any": lambda value, threshold: any(t in value for t in threshold),
    "is": operator.is_,
}
"""What each operator of a check means: ``value op threshold``."""


def _compare(value: Any, op: str, threshold: Any) -> bool | None:
    """``value op threshold``; None when the value is unknown."""
    if value is None or value == () or value == []:
        return None
    if op not in _OPERATORS:
        raise ValueError(f"unknown operator {op!r}")  # parse_rules rejects these
    return _OPERATORS[op](value, threshold)


def _unit_of(fact: str) -> tuple[str, str, int]:
    """Label, unit and decimals of a sensor fact."""
    if fact.startswith("strike."):
        pattern = fact[len("strike.") : -len("_pct")]
        return f"share of {pattern} strikes", "%", 0
    if fact == "contact_balance_left_pct":
        return "contact time balance (left share)", "%", 1
    if fact == "contact_balance.offset_pct":
        return "contact time balance away from 50 %", "points", 1
    base, _, suffix = fact.partition(".")
    entry = metric(base)
    label, unit, dec = entry.sentence_label, entry.sentence_unit, entry.decimals
    if suffix == "asymmetry_pct":
        return f"{label} left-right difference", "%", 1
    if suffix == "late_change_pct":
        return f"{label} change", "%", 1
    if suffix == "late_change":
        return f"{label} change", unit, dec
    if suffix == "vs_baseline_pct":
        return f"{label} vs your baseline", "%", 1
    return label, unit, dec


def _fmt(v: Any, dec: int = 1) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.{dec}f}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_fmt(x, dec) for x in v)
    return str(v)


_SIGNED_SUFFIXES = ("late_change_pct", "late_change", "vs_baseline_pct")
"""Facts shown with a sign: changes, not levels."""


def _sensor_readings(c: Check, sensors: SensorFacts) -> list[Reading]:
    """The readings a sensor check compares: one per foot for a ``per_side``
    check when the summary has them, else the whole-run value; empty when
    the fact was not measured."""
    readings: list[Reading] = []
    if c.per_side:
        readings = [r for s in ("left", "right") if (r := sensors.get(c.fact, s)).value is not None]
    if not readings:
        r = sensors.get(c.fact)
        readings = [r] if r.value is not None else []
    span = (sensors.summary or {}).get("part_of_run")  # a summary of part of a run (live)
    if span:
        readings = [replace(r, part=str(span)) if r.part == WHOLE_RUN else r for r in readings]
    return readings


def _sensor_item(c: Check, r: Reading, label: str, unit: str, dec: int) -> dict[str, Any]:
    """The evidence item of one reading of a sensor check (label, unit and
    decimals from :func:`_unit_of`)."""
    holds = bool(_compare(r.value, c.op, c.value))
    value_text = (
        f"{r.value:+.{dec}f}" if c.fact.endswith(_SIGNED_SUFFIXES) else f"{r.value:.{dec}f}"
    )
    side_text = (
        f"{r.side} foot, " if r.side and c.per_side else (f"{r.side} higher, " if r.side else "")
    )
    return {
        "source": "sensors",
        "check": c.name,
        "fact": c.fact,
        "label": label,
        "value": r.value,
        "op": c.op,
        "threshold": c.value,
        "unit": unit,
        "side": r.side,
        "part": r.part,
        "holds": holds,
        "note": c.note,
        "guard": c.guard,
        "text": f"{label} {value_text} {unit} ({'' if holds else 'not '}{c.op} "
        f"{_fmt(c.value, dec)}; {side_text}{r.part})",
    }


def _sensor_check(c: Check, sensors: SensorFacts) -> tuple[bool | None, list[dict[str, Any]]]:
    """A sensor check: holds when any of its readings does; None when unmeasured."""
    label, unit, dec = _unit_of(c.fact)
    items = [_sensor_item(c, r, label, unit, dec) for r in _sensor_readings(c, sensors)]
    if not items:
        return None, []
    return any(i["holds"] for i in items), items


def _symptom_check(c: Check, facts: Mapping[str, Any]) -> tuple[bool | None, list[dict]]:
    value = facts.get(c.fact)
    if isinstance(value, list):
        value = tuple(value)
    holds = _compare(value, c.op, tuple(c.value) if isinstance(c.value, list) else c.value)
    if holds is None:
        return None, []
    label = FIELD_LABELS.get(c.fact, c.fact)
    if c.fact == "locations":
        shown = ", ".join(LOCATION_LABELS.get(x, x) for x in (value or ()))
    elif c.fact == "onset_min":
        shown = f"{value:.0f}"
    else:
        shown = _fmt(value)
    text = f"you reported {label}: {shown}"
    if c.fact == "onset_min":  # the runner's own words; an estimate says how it was made
        estimate = facts.get("onset_estimate")
        reported = facts.get("onset_reported") or f"after {value:g} min"
        text = f"you reported numbness starts {reported}" + (f" ({estimate})" if estimate else "")
    return holds, [
        {
            "source": "symptoms",
            "check": c.name,
            "fact": c.fact,
            "label": label,
            "value": list(value) if isinstance(value, tuple) else value,
            "op": c.op,
            "threshold": c.value,
            "unit": "",
            "side": None,
            "part": None,
            "holds": holds,
            "note": c.note,
            "guard": c.guard,
            "text": text,
        }
    ]


def _all_outcome(results: Sequence[bool | None]) -> bool | None:
    """``all`` checks: False if one fails, True if every one holds, else None."""
    if any(r is False for r in results):
        return False
    if all(r is True for r in results):
        return True
    return None


def _any_outcome(results: Sequence[bool | None], count: int) -> bool | None:
    """``any`` checks: True when ``count`` hold, False when too few can, else None.
    An empty ``any`` holds."""
    if not results:
        return True
    n_true = sum(r is True for r in results)
    n_unknown = sum(r is None for r in results)
    if n_true >= count:
        return True
    return False if n_true + n_unknown < count else None


def _block(block: Block, check_fn: Any) -> tuple[bool | None, list[dict[str, Any]]]:
    """Evaluate a condition block: True, False or None (unknown), with the items."""
    items: list[dict[str, Any]] = []
    results: dict[str, list[bool | None]] = {"all": [], "any": []}
    for part, checks in (("all", block.all), ("any", block.any)):
        for c in checks:
            res, its = check_fn(c)
            results[part].append(res)
            items += its
    all_ok = _all_outcome(results["all"])
    any_ok = _any_outcome(results["any"], block.count)
    if all_ok is False or any_ok is False:
        return False, items
    if all_ok and any_ok:
        return True, items
    return None, items


# --------------------------------------------------------------------------
# Rules -> findings
# --------------------------------------------------------------------------


class Verdict(StrEnum):
    """What a rule's sensor or symptom block says about this run."""

    MATCH = "match"
    """The block holds."""
    OTHER_FOOT = "match_other_foot"
    """Sensors only: the block holds, but on the other foot than the numb one."""
    NO_MATCH = "no_match"
    """The data were there and the block does not hold."""
    UNKNOWN = "unknown"
    """No block, no data for it, or too little to decide."""


SENSOR_VERDICTS: tuple[Verdict, ...] = tuple(Verdict)
SYMPTOM_VERDICTS: tuple[Verdict, ...] = (Verdict.MATCH, Verdict.NO_MATCH, Verdict.UNKNOWN)
"""Symptoms have no side of their own, so never :attr:`Verdict.OTHER_FOOT`."""


@dataclass(frozen=True)
class Outcome:
    """What a pair of verdicts leads to: the evidence state (None: no finding)
    and the confidence of a contributor in that state."""

    basis: Basis | None
    confidence: Confidence | None = None


NO_FINDING = Outcome(None)

STATE_TABLE: dict[tuple[Verdict, Verdict], Outcome] = {
    # (sensors, symptoms): evidence state, confidence
    (Verdict.MATCH, Verdict.MATCH): Outcome(Basis.BOTH, Confidence.HIGH),
    (Verdict.MATCH, Verdict.UNKNOWN): Outcome(Basis.SENSORS_ONLY, Confidence.MODERATE),
    (Verdict.MATCH, Verdict.NO_MATCH): Outcome(Basis.SENSORS_ONLY, Confidence.LOW),
    (Verdict.OTHER_FOOT, Verdict.MATCH): Outcome(Basis.SENSORS_ONLY, Confidence.LOW),
    (Verdict.OTHER_FOOT, Verdict.UNKNOWN): Outcome(Basis.SENSORS_ONLY, Confidence.LOW),
    (Verdict.OTHER_FOOT, Verdict.NO_MATCH): Outcome(Basis.SENSORS_ONLY, Confidence.LOW),
    (Verdict.UNKNOWN, Verdict.MATCH): Outcome(Basis.SYMPTOMS_ONLY, Confidence.MODERATE),
    (Verdict.NO_MATCH, Verdict.MATCH): Outcome(Basis.SYMPTOMS_SENSORS_NORMAL, Confidence.LOW),
    (Verdict.UNKNOWN, Verdict.UNKNOWN): NO_FINDING,
    (Verdict.UNKNOWN, Verdict.NO_MATCH): NO_FINDING,
    (Verdict.NO_MATCH, Verdict.UNKNOWN): NO_FINDING,
    (Verdict.NO_MATCH, Verdict.NO_MATCH): NO_FINDING,
}
"""The evidence state and confidence for every pair of block verdicts.

Sensors matching on the other foot than the numb one count as sensors only,
with low confidence, whatever the symptoms say. Whether a state gives a
finding, and how severe, is the rule's ``severity`` table; red flags always
have high confidence; no rule goes above its ``max_confidence``."""


def decide_state(sensor: Verdict, symptom: Verdict) -> Outcome:
    """The evidence state and confidence for a rule's two verdicts (:data:`STATE_TABLE`)."""
    return STATE_TABLE[(sensor, symptom)]


@dataclass(frozen=True)
class BlockResult:
    """A condition block's outcome (True, False or None for unknown) and the
    evidence items of its checks."""

    ok: bool | None = None
    items: tuple[dict[str, Any], ...] = ()

    @property
    def verdict(self) -> Verdict:
        """MATCH, NO_MATCH or UNKNOWN."""
        if self.ok is None:
            return Verdict.UNKNOWN
        return Verdict.MATCH if self.ok else Verdict.NO_MATCH


@dataclass(frozen=True)
class DataAmount:
    """How much sensor data a run summary rests on, as far as it says.

    ``steps_per_side``: steps of the foot with fewer steps (of the feet that
    have any); estimated from duration x cadence when the summary gives no
    count (``steps_estimated``); None when it says neither. ``minutes``: the
    recording's length, or None. ``cadence_spm``: the run's cadence, or None.
    """

    steps_per_side: int | None = None
    steps_estimated: bool = False
    minutes: float | None = None
    cadence_spm: float | None = None

    @classmethod
    def of(cls, summary: Mapping[str, Any] | None) -> DataAmount:
        s = summary or {}
        cadence = SensorFacts(s)._metric("cadence_spm", None)
        duration = _num(s.get("duration_s"))
        minutes = duration / 60.0 if duration is not None else None
        counts = [
            n
            for k in ("n_steps_left", "n_steps_right")
            if (n := _num(s.get(k))) is not None and n > 0
        ]
        if not counts:
            entry = (s.get("metrics") or {}).get("cadence_spm") or {}
            counts = [
                n for k in ("n_left", "n_right") if (n := _num(entry.get(k))) is not None and n > 0
            ]
        if counts:
            return cls(int(min(counts)), False, minutes, cadence)
        if minutes is not None and cadence is not None:
            return cls(int(minutes * cadence / 2.0), True, minutes, cadence)
        return cls(None, False, minutes, cadence)


def shortfall(rule: Rule, amount: DataAmount) -> str | None:
    """Why the rule's sensor block cannot be evaluated on this much data
    (:class:`~footfall.rules.ruleset.Needs`), or None when it can."""
    if rule.sensors is None:
        return None
    needs = rule.needs
    walk_below = rule.running_min_spm
    if needs.running_only and amount.cadence_spm is not None and amount.cadence_spm < walk_below:
        return (
            f"a walking recording (cadence {amount.cadence_spm:.0f} steps/min, below "
            f"{walk_below:g}): this rule is about running"
        )
    if (
        needs.min_steps_per_side
        and amount.steps_per_side is not None
        and amount.steps_per_side < needs.min_steps_per_side
    ):
        about = "about " if amount.steps_estimated else ""
        return (
            f"{about}{amount.steps_per_side} steps per foot; this rule needs at least "
            f"{needs.min_steps_per_side}"
        )
    if needs.min_minutes and amount.minutes is not None and amount.minutes < needs.min_minutes:
        return (
            f"{amount.minutes:.1f} min recorded; this rule needs at least {needs.min_minutes:g} min"
        )
    return None


def evidence_cap(rule: Rule, amount: DataAmount) -> tuple[Confidence, str | None]:
    """The highest confidence a sensor finding of the rule can have on this much
    data, and a note when that is below high: low under twice the minimum
    steps per foot, moderate when the summary does not say how many steps it
    covers."""
    least = rule.needs.min_steps_per_side
    if not least:
        return Confidence.HIGH, None
    n = amount.steps_per_side
    if n is None:
        return Confidence.MODERATE, "the summary does not say how many steps it rests on"
    if n < 2 * least:
        about = "about " if amount.steps_estimated else ""
        return Confidence.LOW, (
            f"few steps ({about}{n} per foot; more than low confidence needs {2 * least})"
        )
    return Confidence.HIGH, None


def _gather_sensors(rule: Rule, sensors: SensorFacts, skip: str | None = None) -> BlockResult:
    """The rule's sensor block on this run; unknown without a block or any sensor
    data, or when there is too little data for it (``skip`` says why)."""
    if rule.sensors is None or not sensors.available or skip:
        return BlockResult()
    ok, items = _block(rule.sensors, lambda c: _sensor_check(c, sensors))
    return BlockResult(ok, tuple(items))


def _gather_symptoms(
    rule: Rule, facts: Mapping[str, Any], profile: SymptomProfile | None
) -> BlockResult:
    """The rule's symptom block on the profile; unknown without a block or a profile."""
    if rule.symptoms is None or profile is None:
        return BlockResult()
    ok, items = _block(rule.symptoms, lambda c: _symptom_check(c, facts))
    return BlockResult(ok, tuple(items))


def _sides(items: Iterable[Mapping[str, Any]]) -> str | None:
    """The side the holding checks point to: left, right, both, or None."""
    sides = {i["side"] for i in items if i.get("holds") and i.get("side") in ("left", "right")}
    if not sides:
        return None
    return sides.pop() if len(sides) == 1 else "both"


def _sensor_verdict(sens: BlockResult, loaded: str | None, numb: str | None) -> Verdict:
    """The sensor block's verdict, OTHER_FOOT when it holds on the side that is
    not numb (both sides named, one foot each)."""
    feet = ("left", "right")
    if sens.ok and loaded in feet and numb in feet and loaded != numb:
        return Verdict.OTHER_FOOT
    return sens.verdict


def grade_confidence(rule: Rule, outcome: Outcome) -> Confidence:
    """The finding's confidence: high for a red flag, else the table's; never
    above the rule's ``max_confidence``."""
    level = Confidence.HIGH if rule.kind == "red-flag" else outcome.confidence
    assert level is not None  # only states that give a finding are graded
    return level.at_most(Confidence(rule.max_confidence))


@dataclass(frozen=True)
class _Facts:
    """What one rule's checks found, and the sides involved."""

    sens: BlockResult
    symp: BlockResult
    verdict: Verdict
    """The sensor verdict (with OTHER_FOOT)."""
    numb: str | None
    """The numb foot from the profile."""
    loaded: str | None
    """The side the matching sensor checks point to (None when they do not match)."""
    side: str | None
    """The finding's side: the numb foot as the runner answered it, else the one
    the sensors point to."""


def _shown_items(f: _Facts, basis: Basis) -> list[dict[str, Any]]:
    """The evidence items shown: the checks that hold (for 'sensors normal',
    what was measured, one item per check), without guards."""
    if f.sens.ok:  # what holds, and the rule's key measurement (``show``) in any case
        shown = [i for i in f.sens.items if i["holds"] or i.get("show")]
    elif basis == Basis.SYMPTOMS_SENSORS_NORMAL:  # what was measured, one item per check
        shown = list({i["check"]: i for i in reversed(f.sens.items)}.values())[::-1]
    else:
        shown = []
    shown += [i for i in f.symp.items if i["holds"]]
    return [i for i in shown if not i["guard"]]


def _side_note(f: _Facts) -> list[str]:
    """A note when the sensors point to the other foot, or to the numb one."""
    if f.verdict == Verdict.OTHER_FOOT:
        return [f"the sensors point to the {f.loaded} foot, but the {f.numb} foot goes numb"]
    if f.loaded in ("left", "right") and f.numb == f.loaded and f.sens.ok:
        return [f"the {f.loaded} foot is also the one that goes numb"]
    if f.loaded == "both" and f.numb in ("left", "right") and f.sens.ok:
        return [f"the sensors show this on both feet; you reported the {f.numb} foot"]
    return []


def _state_note(
    rule: Rule, basis: Basis, sensors: SensorFacts, skip: str | None = None
) -> list[str]:
    """A note on what the sensors could say when the symptoms carry the finding."""
    if basis == Basis.SYMPTOMS_SENSORS_NORMAL:
        return ["the sensors measured these metrics within the usual range"]
    if rule.sensors is not None and basis == Basis.SYMPTOMS_ONLY:
        if not sensors.available:
            return ["no sensor data to check this against"]
        if skip:
            return [f"not enough sensor data to check this: {skip}"]
        return ["the sensors in this recording cannot check this"]
    return []


def _evidence_text(shown: Sequence[Mapping[str, Any]], notes: Sequence[str]) -> str:
    """One line: the items' texts, then the notes."""
    return "; ".join([i["text"] for i in shown] + list(notes))


def _placeholder_values(
    sensors: SensorFacts, facts: Mapping[str, Any], numb: str | None, side: str | None
) -> dict[str, str | None]:
    """The values a suggestion's ``{placeholders}`` are filled with."""
    cadence = sensors.get("cadence_spm").value
    return {
        "cadence_spm": f"{cadence:.0f}" if cadence else None,
        "cadence_target_low_spm": f"{cadence * CADENCE_TARGET_LOW:.0f}" if cadence else None,
        "cadence_target_high_spm": f"{cadence * CADENCE_TARGET_HIGH:.0f}" if cadence else None,
        "onset_min": f"{facts['onset_min']:.0f}" if facts.get("onset_min") is not None else None,
        "onset_reported": facts.get("onset_reported"),
        "numb_side": numb,
        "loaded_side": side,
    }


def _fill(text: str, values: Mapping[str, Any]) -> str | None:
    """Replace ``{name}`` placeholders; None if one has no value."""
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        v = values.get(m.group(1))
        if v is None:
            missing = True
            return ""
        return str(v)

    out = re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", sub, text)
    return None if missing else out


def _suggestions(rule: Rule, values: Mapping[str, Any]) -> tuple[str, ...]:
    """The rule's suggestions, filled; a suggestion with an unknown placeholder
    gives its fallback, or nothing."""
    out = []
    for s in rule.suggestions:
        text = _fill(s.text, values)
        if text is None:
            text = s.fallback or None
        if text:
            out.append(text)
    return tuple(out)


def _build_finding(
    rule: Rule,
    rules: RuleSet,
    f: _Facts,
    basis: Basis,
    confidence: Confidence,
    shown: list[dict[str, Any]],
    evidence: str,
    suggestions: tuple[str, ...],
) -> Finding:
    """The Finding of a rule in a state that gives one."""
    parts = list(dict.fromkeys(i["part"] for i in shown if i.get("part")))
    return Finding(
        id=rule.id,
        title=rule.title,
        kind=rule.kind,
        severity=Severity(rule.severity[basis]),
        confidence=confidence,
        evidence_strength=rule.evidence_strength,
        evidence_strength_text=rules.evidence_strength.get(rule.evidence_strength, ""),
        side=f.side,
        part_of_run=", ".join(parts) if parts else None,
        basis=basis,
        evidence=evidence,
        evidence_items=tuple(shown),
        explanation=rule.explanation,
        suggestions=suggestions,
        sources=tuple(rules.sources[k]["citation"] for k in rule.sources),
        source_keys=rule.sources,
    )


def _rule_facts(
    rule: Rule,
    sensors: SensorFacts,
    facts: Mapping[str, Any],
    profile: SymptomProfile | None,
    skip: str | None = None,
) -> _Facts:
    """Both blocks of a rule evaluated, the sensor verdict and the finding's side."""
    sens = _gather_sensors(rule, sensors, skip)
    symp = _gather_symptoms(rule, facts, profile)
    numb = profile.foot if profile is not None else None
    loaded = _sides(sens.items) if sens.ok else None
    return _Facts(
        sens=sens,
        symp=symp,
        verdict=_sensor_verdict(sens, loaded, numb),
        numb=numb,
        loaded=loaded,
        side=numb or loaded,
    )


def _explanation(rule: Rule, values: Mapping[str, Any]) -> str:
    """The rule's explanation, with its placeholders filled when they all have a
    value (e.g. the reported onset), else the plain one."""
    if rule.explanation_text:
        filled = _fill(rule.explanation_text, values)
        if filled is not None:
            return filled
    return rule.explanation


def _evaluate_rule(
    rule: Rule,
    rules: RuleSet,
    sensors: SensorFacts,
    facts: Mapping[str, Any],
    profile: SymptomProfile | None,
    amount: DataAmount | None = None,
) -> Finding | None:
    """The rule's finding on this run and profile, or None when it does not fire."""
    amount = amount if amount is not None else DataAmount.of(sensors.summary)
    skip = shortfall(rule, amount) if sensors.available else None
    f = _rule_facts(rule, sensors, facts, profile, skip)
    outcome = decide_state(f.verdict, f.symp.verdict)
    if outcome.basis is None or outcome.basis not in rule.severity:
        return None
    basis = outcome.basis
    shown = _shown_items(f, basis)
    notes = _side_note(f) + _state_note(rule, basis, sensors, skip)
    confidence = grade_confidence(rule, outcome)
    if f.sens.ok:  # a finding that rests on the sensors: as sure as their amount allows
        cap, cap_note = evidence_cap(rule, amount)
        if cap.rank < confidence.rank:
            confidence = cap
            notes.append(str(cap_note))
    values = _placeholder_values(sensors, facts, f.numb, f.loaded)
    finding = _build_finding(
        rule,
        rules,
        f,
        basis,
        confidence,
        shown,
        _evidence_text(shown, notes),
        _suggestions(rule, values),
    )
    return replace(finding, explanation=_explanation(rule, values))


def sort_key(f: Finding, order: Mapping[str, int]) -> tuple[int, int, int, int]:
    """Red flags first, then severity, confidence, and the rules file's order."""
    return (
        0 if f.is_red_flag else 1,
        -Severity(f.severity).rank,
        -Confidence(f.confidence).rank,
        order.get(f.id, len(order)),
    )


def evaluate(
    summary: Mapping[str, Any] | None,
    steps: Any = None,
    symptoms: SymptomProfile | Mapping[str, Any] | None = None,
    history: Sequence[Mapping[str, Any]] | None = None,
    rules: RuleSet | None = None,
) -> list[Finding]:
    """Findings for a run: likely contributors to numbness and red flags, ranked.

    Parameters
    ----------
    summary
        The run summary (:func:`footfall.summary.summarize`, CONTRACTS.md
        section 3), a FIT-like summary with only cadence, contact time and
        balance, or None for symptoms only.
    steps
        The steps table (DataFrame or ColumnTable) or None. When given with a symptom
        onset, metrics are compared before and after the onset step by step.
    symptoms
        The runner's :class:`~footfall.rules.symptoms.SymptomProfile` (or a
        dict of its fields), or None for sensors only.
    history
        Summaries of the runner's earlier sessions: the baseline for the
        ``vs_baseline_pct`` checks.
    rules
        A :class:`~footfall.rules.ruleset.RuleSet`; default the shipped rules.

    Returns
    -------
    list of Finding
        Red flags first, then by severity, confidence and the rules' order.
        Empty when nothing stands out.

    Raises
    ------
    FootfallError
        ``symptoms`` is a dict with an unknown field or a bad value.

    Notes
    -----
    footfall never diagnoses: a finding names a likely contributor, the
    evidence for it, how strong that kind of evidence is, and what to try.
    """
    if rules is None:
        rules = load_rules()
    if symptoms is not None and not isinstance(symptoms, SymptomProfile):
        symptoms = SymptomProfile.from_dict(dict(symptoms))
    facts, estimate = symptom_facts(symptoms, summary)
    onset_text = None
    if estimate and facts.get("onset_reported"):
        onset_text = f"{facts['onset_reported'][len('after ') :]}, {estimate}"
    sensors = SensorFacts(
        summary,
        steps=steps,
        onset_min=facts.get("onset_min"),
        history=list(history or ()),
        onset_text=onset_text,
    )
    amount = DataAmount.of(summary)
    findings = [
        f
        for r in rules.rules
        if r.enabled
        if (f := _evaluate_rule(r, rules, sensors, facts, symptoms, amount))
    ]
    order = {r.id: i for i, r in enumerate(rules.rules)}
    return sorted(findings, key=lambda f: sort_key(f, order))


def not_evaluated(
    summary: Mapping[str, Any] | None, rules: RuleSet | None = None
) -> list[dict[str, str]]:
    """The rules whose sensor conditions were not evaluated on this run for
    lack of data, each ``{"id", "title", "reason"}``: for the summary's
    ``not_evaluated`` list next to ``findings``. Empty without sensor data
    (nothing to evaluate) or when every rule had enough."""
    if rules is None:
        rules = load_rules()
    if not SensorFacts(summary).available:
        return []
    amount = DataAmount.of(summary)
    return [
        {"id": r.id, "title": r.title, "reason": why}
        for r in rules.rules
        if r.enabled and (why := shortfall(r, amount))
    ]


def findings_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The findings as JSON-ready dicts, for ``summary["findings"]``."""
    return [f.to_dict() for f in findings]
