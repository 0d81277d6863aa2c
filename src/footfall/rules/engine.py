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
one step lower when the sensors point to the other foot than the numb one;
never above the rule's ``max_confidence``. Red flags rest on what the runner
reports and have high confidence.

Order: red flags first, then severity, then confidence, then the order of
the rules file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from footfall.registry import metric
from footfall.rules.ruleset import (
    CONFIDENCES,
    SEVERITIES,
    Block,
    Check,
    Rule,
    RuleSet,
    load_rules,
)
from footfall.rules.symptoms import FIELD_LABELS, LOCATION_LABELS, SymptomProfile

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
    severity: str
    confidence: str
    evidence_strength: str
    evidence_strength_text: str
    side: str | None
    part_of_run: str | None
    basis: str
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
            "id": self.id, "title": self.title, "kind": self.kind,
            "severity": self.severity, "confidence": self.confidence,
            "evidence_strength": self.evidence_strength,
            "evidence_strength_text": self.evidence_strength_text,
            "side": self.side, "part_of_run": self.part_of_run, "basis": self.basis,
            "evidence": self.evidence, "evidence_items": [dict(i) for i in self.evidence_items],
            "explanation": self.explanation,
            "suggestion": self.suggestions[0] if self.suggestions else "",
            "suggestions": list(self.suggestions),
            "sources": list(self.sources), "source_keys": list(self.source_keys),
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
    _cache: dict[str, tuple[float | None, float | None, str]] = field(default_factory=dict)

    @property
    def metrics(self) -> Mapping[str, Any]:
        return (self.summary or {}).get("metrics") or {}

    @property
    def available(self) -> bool:
        """Whether there is any sensor measurement at all."""
        s = self.summary or {}
        return bool(self.metrics) or _num(s.get("cadence_spm")) is not None \
            or _num(s.get("contact_balance_left_pct")) is not None

    def _metric(self, m: str, side: str | None) -> float | None:
        entry = self.metrics.get(m) or {}
        if side is None:
            v = _num(entry.get("median"))
            if v is None and m == "cadence_spm":
                v = _num((self.summary or {}).get("cadence_spm"))
            return v
        return _num(entry.get(side))

    def get(self, fact: str, side: str | None = None) -> Reading:
        """The value of a sensor fact (for one side when ``side`` is given)."""
        s = self.summary or {}
        if fact.startswith("strike."):
            pattern = fact[len("strike."):-len("_pct")]
            shares = (s.get("strike_pattern") or {}).get(side or "both") or {}
            return Reading(_num(shares.get(pattern)), side)
        if fact == "contact_balance_left_pct":
            return Reading(_num(s.get("contact_balance_left_pct")))
        if fact == "contact_balance.offset_pct":
            bal = _num(s.get("contact_balance_left_pct"))
            if bal is None:
                return Reading(None)
            return Reading(abs(bal - 50.0), "left" if bal > 50 else "right" if bal < 50 else None)
        base, _, suffix = fact.partition(".")
        if not suffix:
            return Reading(self._metric(base, side), side)
        if suffix == "asymmetry_pct":
            a = _num((self.metrics.get(base) or {}).get("asymmetry_pct"))
            if a is None:
                return Reading(None)
            return Reading(abs(a), "left" if a > 0 else "right" if a < 0 else None)
        if suffix in ("late_change_pct", "late_change"):
            before, after, part = self._late(base)
            if before is None or after is None:
                return Reading(None, part=part)
            if suffix == "late_change":
                return Reading(after - before, part=part)
            return Reading(100.0 * (after - before) / before if before > 0 else None, part=part)
        if suffix == "vs_baseline_pct":
            now = self._metric(base, None)
            base_values = [v for h in self.history
                           if (v := SensorFacts(h)._metric(base, None)) is not None]
            if now is None or not base_values:
                return Reading(None)
            ref = float(np.median(base_values))
            part = f"this run vs your baseline ({len(base_values)} earlier " \
                   f"session{'s' if len(base_values) != 1 else ''})"
            return Reading(100.0 * (now - ref) / ref if ref > 0 else None, part=part)
        return Reading(None)

    def _late(self, m: str) -> tuple[float | None, float | None, str]:
        """Medians before/after the symptom onset, or first/last third, and the label."""
        if m in self._cache:
            return self._cache[m]
        result = self._onset_split_steps(m) or self._onset_split_windows(m)
        if result is None:
            d = ((self.summary or {}).get("drift") or {}).get(m) or {}
            result = (_num(d.get("first_third")), _num(d.get("last_third")),
                      "last third vs first third of the run")
        self._cache[m] = result
        return result

    def _onset_label(self) -> str:
        return f"after the symptom onset ({self.onset_min:.0f} min) vs before"

    def _onset_split_steps(self, m: str) -> tuple[float, float, str] | None:
        steps = self.steps
        if self.onset_min is None or steps is None or len(steps) == 0 \
                or "ic_s" not in steps or m not in steps:
            return None
        t = np.asarray(steps["ic_s"], dtype=np.float64)
        v = np.asarray(steps[m], dtype=np.float64)
        ok = np.isfinite(t) & np.isfinite(v)
        if not ok.any():
            return None
        t, v = t[ok], v[ok]
        after = (t - t.min()) >= self.onset_min * 60.0
        n_after = int(after.sum())
        if n_after < MIN_STEPS_EACH_SIDE_OF_ONSET or \
                after.size - n_after < MIN_STEPS_EACH_SIDE_OF_ONSET:
            return None
        return float(np.median(v[~after])), float(np.median(v[after])), self._onset_label()

    def _onset_split_windows(self, m: str) -> tuple[float, float, str] | None:
        wins = [w for w in (self.summary or {}).get("windows") or []
                if _num(w.get(m)) is not None]
        if self.onset_min is None or not wins:
            return None
        origin = min(_num(w.get("start_s")) or 0.0 for w in wins)
        onset_s = origin + self.onset_min * 60.0
        before = [float(w[m]) for w in wins if (_num(w.get("end_s")) or 0.0) <= onset_s]
        after = [float(w[m]) for w in wins if (_num(w.get("start_s")) or 0.0) >= onset_s]
        if min(len(before), len(after)) < MIN_WINDOWS_EACH_SIDE_OF_ONSET:
            return None
        return float(np.median(before)), float(np.median(after)), self._onset_label()


def symptom_facts(profile: SymptomProfile | None,
                  summary: Mapping[str, Any] | None) -> tuple[dict[str, Any], str | None]:
    """The profile's fields, with ``onset_min`` estimated from ``onset_km`` when
    only that was given (using the run's speed, else a 6 min/km pace).

    Returns
    -------
    facts, note
        Field values by name; a note saying how the onset was estimated, or None.
    """
    if profile is None:
        return {}, None
    facts = profile.to_dict()
    note = None
    if profile.onset_min is None and profile.onset_km is not None:
        speed = _num((((summary or {}).get("metrics") or {}).get("speed_mps") or {})
                     .get("median"))
        if speed and speed > 0:
            facts["onset_min"] = profile.onset_km * 1000.0 / speed / 60.0
            note = (f"onset {profile.onset_km:g} km is about {facts['onset_min']:.0f} min "
                    f"at this run's speed")
        else:
            facts["onset_min"] = profile.onset_km * ASSUMED_PACE_MIN_PER_KM
            note = (f"onset {profile.onset_km:g} km taken as about {facts['onset_min']:.0f} min "
                    f"(assumed pace {ASSUMED_PACE_MIN_PER_KM:g} min/km)")
    return facts, note


# --------------------------------------------------------------------------
# Checks and blocks
# --------------------------------------------------------------------------


def _compare(value: Any, op: str, threshold: Any) -> bool | None:
    """``value op threshold``; None when the value is unknown."""
    if value is None or value == () or value == []:
        return None
    if op == "<":
        return value < threshold
    if op == "<=":
        return value <= threshold
    if op == ">":
        return value > threshold
    if op == ">=":
        return value >= threshold
    if op == "==":
        return value == threshold
    if op == "!=":
        return value != threshold
    if op == "in":
        return value in threshold
    if op == "has":
        return threshold in value
    if op == "has_any":
        return any(t in value for t in threshold)
    if op == "is":
        return value is threshold
    raise ValueError(f"unknown operator {op!r}")  # parse_rules rejects these


def _unit_of(fact: str) -> tuple[str, str, int]:
    """Label, unit and decimals of a sensor fact."""
    if fact.startswith("strike."):
        pattern = fact[len("strike."):-len("_pct")]
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


def _sensor_check(c: Check, sensors: SensorFacts) -> tuple[bool | None, list[dict[str, Any]]]:
    label, unit, dec = _unit_of(c.fact)
    readings: list[Reading] = []
    if c.per_side:
        readings = [r for s in ("left", "right")
                    if (r := sensors.get(c.fact, s)).value is not None]
    if not readings:
        r = sensors.get(c.fact)
        readings = [r] if r.value is not None else []
    if not readings:
        return None, []
    items = []
    holds_any = False
    for r in readings:
        holds = bool(_compare(r.value, c.op, c.value))
        holds_any |= holds
        signed = c.fact.endswith(("late_change_pct", "late_change", "vs_baseline_pct"))
        value_text = f"{r.value:+.{dec}f}" if signed else f"{r.value:.{dec}f}"
        side_text = f"{r.side} foot, " if r.side and c.per_side else \
            (f"{r.side} higher, " if r.side else "")
        items.append({
            "source": "sensors", "check": c.name, "fact": c.fact, "label": label,
            "value": r.value, "op": c.op, "threshold": c.value, "unit": unit,
            "side": r.side, "part": r.part, "holds": holds, "note": c.note, "guard": c.guard,
            "text": f"{label} {value_text} {unit} ({'' if holds else 'not '}{c.op} "
                    f"{_fmt(c.value, dec)}; {side_text}{r.part})",
        })
    return holds_any, items


def _symptom_check(c: Check, facts: Mapping[str, Any]) -> tuple[bool | None, list[dict]]:
    value = facts.get(c.fact)
    if isinstance(value, list):
        value = tuple(value)
    holds = _compare(value, c.op, tuple(c.value) if isinstance(c.value, list) else c.value)
    if holds is None:
        return None, []
    label = FIELD_LABELS.get(c.fact, c.fact)
    if c.fact == "locations":
        shown = ", ".join(LOCATION_LABELS.get(x, x) for x in value)
    elif c.fact == "onset_min":
        shown = f"{value:.0f}"
    else:
        shown = _fmt(value)
    return holds, [{
        "source": "symptoms", "check": c.name, "fact": c.fact, "label": label,
        "value": list(value) if isinstance(value, tuple) else value, "op": c.op,
        "threshold": c.value, "unit": "", "side": None, "part": None, "holds": holds,
        "note": c.note, "guard": c.guard, "text": f"you reported {label}: {shown}",
    }]


def _block(block: Block, check_fn: Any) -> tuple[bool | None, list[dict[str, Any]]]:
    """Evaluate a condition block: True, False or None (unknown), with the items."""
    items: list[dict[str, Any]] = []
    all_res = []
    for c in block.all:
        res, its = check_fn(c)
        all_res.append(res)
        items += its
    any_res = []
    for c in block.any:
        res, its = check_fn(c)
        any_res.append(res)
        items += its
    if any(r is False for r in all_res):
        all_ok: bool | None = False
    elif all(r is True for r in all_res):
        all_ok = True
    else:
        all_ok = None
    if not block.any:
        any_ok: bool | None = True
    else:
        n_true = sum(r is True for r in any_res)
        n_unknown = sum(r is None for r in any_res)
        any_ok = True if n_true >= block.count else \
            (False if n_true + n_unknown < block.count else None)
    if all_ok is False or any_ok is False:
        return False, items
    if all_ok and any_ok:
        return True, items
    return None, items


# --------------------------------------------------------------------------
# Rules -> findings
# --------------------------------------------------------------------------


def _step(level: str, scale: tuple[str, ...], by: int) -> str:
    return scale[max(0, min(len(scale) - 1, scale.index(level) + by))]


def _sides(items: Iterable[Mapping[str, Any]]) -> str | None:
    sides = {i["side"] for i in items if i.get("holds") and i.get("side") in ("left", "right")}
    if not sides:
        return None
    return sides.pop() if len(sides) == 1 else "both"


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


def _evaluate_rule(rule: Rule, rules: RuleSet, sensors: SensorFacts,
                   facts: Mapping[str, Any], profile: SymptomProfile | None,
                   onset_note: str | None) -> Finding | None:
    sens_ok: bool | None = None
    sens_items: list[dict[str, Any]] = []
    if rule.sensors is not None and sensors.available:
        sens_ok, sens_items = _block(rule.sensors, lambda c: _sensor_check(c, sensors))
    symp_ok: bool | None = None
    symp_items: list[dict[str, Any]] = []
    if rule.symptoms is not None and profile is not None:
        symp_ok, symp_items = _block(rule.symptoms, lambda c: _symptom_check(c, facts))

    if sens_ok and symp_ok:
        state = "both"
    elif sens_ok:
        state = "sensors_only"
    elif symp_ok and sens_ok is None:
        state = "symptoms_only"
    elif symp_ok:
        state = "symptoms_sensors_normal"
    else:
        return None

    side = _sides(sens_items) if sens_ok else None
    numb = profile.foot if profile is not None else None
    mismatch = side in ("left", "right") and numb in ("left", "right") and side != numb
    if mismatch and state == "both":
        state = "sensors_only"
    if state not in rule.severity:
        return None
    severity = rule.severity[state]

    if rule.kind == "red-flag":
        confidence = "high"
    elif state == "both":
        confidence = "high"
    elif state == "sensors_only":
        confidence = "low" if (symp_ok is False or mismatch) else "moderate"
    elif state == "symptoms_only":
        confidence = "moderate"
    else:
        confidence = "low"
    if mismatch and state != "sensors_only":
        confidence = _step(confidence, CONFIDENCES, -1)
    if CONFIDENCES.index(confidence) > CONFIDENCES.index(rule.max_confidence):
        confidence = rule.max_confidence

    if side is None and not sens_ok:
        side = numb

    # Evidence: the checks that hold; for 'sensors normal', the measured values too.
    if sens_ok:
        shown = [i for i in sens_items if i["holds"]]
    elif state == "symptoms_sensors_normal":  # what was measured, one item per check
        shown = list({i["check"]: i for i in reversed(sens_items)}.values())[::-1]
    else:
        shown = []
    shown += [i for i in symp_items if i["holds"]]
    shown = [i for i in shown if not i["guard"]]
    notes = []
    if onset_note and any(i["fact"] == "onset_min" for i in shown):
        notes.append(onset_note)
    if mismatch:
        notes.append(f"the sensors point to the {side} foot, but the {numb} foot goes numb")
    elif side in ("left", "right") and numb == side and sens_ok:
        notes.append(f"the {side} foot is also the one that goes numb")
    if state == "symptoms_sensors_normal":
        notes.append("the sensors measured these metrics within the usual range")
    elif rule.sensors is not None and state == "symptoms_only":
        notes.append("the sensors in this recording cannot check this" if sensors.available
                     else "no sensor data to check this against")
    evidence = "; ".join([i["text"] for i in shown] + notes)
    parts = list(dict.fromkeys(i["part"] for i in shown if i.get("part")))

    cadence = sensors.get("cadence_spm").value
    values = {
        "cadence_spm": f"{cadence:.0f}" if cadence else None,
        "cadence_target_low_spm": f"{cadence * CADENCE_TARGET_LOW:.0f}" if cadence else None,
        "cadence_target_high_spm": f"{cadence * CADENCE_TARGET_HIGH:.0f}" if cadence else None,
        "onset_min": f"{facts['onset_min']:.0f}" if facts.get("onset_min") is not None else None,
        "numb_side": numb, "loaded_side": side,
    }
    suggestions = []
    for s in rule.suggestions:
        text = _fill(s.text, values)
        if text is None:
            text = s.fallback or None
        if text:
            suggestions.append(text)

    return Finding(
        id=rule.id, title=rule.title, kind=rule.kind, severity=severity,
        confidence=confidence, evidence_strength=rule.evidence_strength,
        evidence_strength_text=rules.evidence_strength.get(rule.evidence_strength, ""),
        side=side, part_of_run=", ".join(parts) if parts else None, basis=state,
        evidence=evidence, evidence_items=tuple(shown), explanation=rule.explanation,
        suggestions=tuple(suggestions),
        sources=tuple(rules.sources[k]["citation"] for k in rule.sources),
        source_keys=rule.sources,
    )


def sort_key(f: Finding, order: Mapping[str, int]) -> tuple[int, int, int, int]:
    """Red flags first, then severity, confidence, and the rules file's order."""
    return (0 if f.is_red_flag else 1, -SEVERITIES.index(f.severity),
            -CONFIDENCES.index(f.confidence), order.get(f.id, len(order)))


def evaluate(summary: Mapping[str, Any] | None, steps: Any = None,
             symptoms: SymptomProfile | Mapping[str, Any] | None = None,
             history: Sequence[Mapping[str, Any]] | None = None,
             rules: RuleSet | None = None) -> list[Finding]:
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
    facts, onset_note = symptom_facts(symptoms, summary)
    sensors = SensorFacts(summary, steps=steps, onset_min=facts.get("onset_min"),
                          history=list(history or ()))
    findings = [f for r in rules.rules if r.enabled
                if (f := _evaluate_rule(r, rules, sensors, facts, symptoms, onset_note))]
    order = {r.id: i for i, r in enumerate(rules.rules)}
    return sorted(findings, key=lambda f: sort_key(f, order))


def findings_json(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The findings as JSON-ready dicts, for ``summary["findings"]``."""
    return [f.to_dict() for f in findings]
