"""Loading and checking the rules file (rules as data, never code).

The shipped rules live in ``rules.toml`` next to this module. A user or
clinician can change thresholds with an override file (``--rules FILE``)::

    [rules.low-cadence]
    cadence_low_spm = 160

    [rules.socks]
    enabled = false

Each key under ``[rules.<id>]`` is the ``name`` of one of the rule's checks
(docs/rules.md lists them), ``enabled``, or, for a rule with sensor
conditions, one of the data minimums of :class:`Needs` (``min_steps_per_side``,
``min_minutes``, ``running_only``, ``running_min_spm``). Every error names the file, the
rule id and the key.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import sys
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from footfall.errors import FootfallError
from footfall.registry import names
from footfall.rules.symptoms import FIELD_KINDS, FIELD_NAMES, field_choices

__all__ = [
    "Block",
    "CONFIDENCES",
    "Check",
    "FORMAT",
    "KINDS",
    "METRIC_SUFFIXES",
    "NEEDS_KEYS",
    "NUMERIC_OPS",
    "Needs",
    "OPS",
    "OTHER_SENSOR_FACTS",
    "PLACEHOLDERS",
    "Rule",
    "RuleSet",
    "SEVERITIES",
    "SOURCE_KINDS",
    "STATES",
    "STEP_METRICS",
    "STRIKE_FACTS",
    "Suggestion",
    "apply_overrides",
    "default_rules_text",
    "load_rules",
    "parse_rules",
    "per_side_ok",
    "sensor_fact_ok",
]


FORMAT = "footfall-rules/1"

KINDS = ("red-flag", "contributor")
SOURCE_KINDS = ("paper", "manual", "web")
"""Kinds of source: journal article, device documentation, web page."""
SEVERITIES = ("info", "low", "moderate", "high")
"""Severity levels, lowest first."""
CONFIDENCES = ("low", "moderate", "high")
"""Confidence levels, lowest first."""
STATES = ("both", "sensors_only", "symptoms_only", "symptoms_sensors_normal")
"""Evidence states a rule's ``severity`` table may name (see rules.toml)."""
NUMERIC_OPS = ("<", "<=", ">", ">=")
OPS = (*NUMERIC_OPS, "==", "!=", "in", "has", "has_any", "is")

STEP_METRICS: tuple[str, ...] = names(summarised=True)
"""Numeric steps-table metrics a sensor check may name: those the summary
aggregates (:mod:`footfall.registry`; CONTRACTS.md section 2)."""
METRIC_SUFFIXES = ("asymmetry_pct", "late_change_pct", "late_change", "vs_baseline_pct")
"""``<metric>.<suffix>`` facts: |left-right| asymmetry; change after the symptom
onset (or last third vs first third) in percent or in the metric's unit;
percent change from the runner's baseline."""
STRIKE_FACTS = ("strike.rearfoot_pct", "strike.midfoot_pct", "strike.forefoot_pct")
OTHER_SENSOR_FACTS = ("contact_balance_left_pct", "contact_balance.offset_pct")
PLACEHOLDERS = (
    "cadence_spm",
    "cadence_target_low_spm",
    "cadence_target_high_spm",
    "onset_min",
    "onset_reported",
    "numb_side",
    "loaded_side",
)
"""Names a suggestion or an explanation may use as ``{name}``; filled from the
run and the profile. ``onset_reported`` is the onset in the runner's own
words ("after 5 km", "after 30 min")."""
NEEDS_KEYS: dict[str, type] = {
    "min_steps_per_side": int,
    "min_minutes": float,
    "running_only": bool,
    "running_min_spm": float,
}
"""The keys of ``[defaults]`` and of a rule's ``needs`` table (see :class:`Needs`)."""
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def sensor_fact_ok(fact: str) -> bool:
    """Whether ``fact`` is in the sensor-fact vocabulary."""
    if fact in STEP_METRICS or fact in STRIKE_FACTS or fact in OTHER_SENSOR_FACTS:
        return True
    base, _, suffix = fact.partition(".")
    return base in STEP_METRICS and suffix in METRIC_SUFFIXES


def per_side_ok(fact: str) -> bool:
    """Whether a check on ``fact`` may use ``per_side``."""
    return fact in STEP_METRICS or fact in STRIKE_FACTS


@dataclass(frozen=True)
class Check:
    """One condition: ``fact op value``.

    ``per_side``: evaluate the left and right foot separately (holds if either
    side does). ``note``: where the threshold comes from. ``guard``: a
    precondition (e.g. "this is running"), not shown as evidence. ``show``:
    the measured value is shown in a finding's evidence even when it does not
    hold (the rule's key measurement).
    """

    name: str
    fact: str
    op: str
    value: Any
    per_side: bool = False
    note: str = ""
    guard: bool = False
    show: bool = False
    """Shown as evidence whenever measured, also when it does not hold."""


@dataclass(frozen=True)
class Block:
    """Holds when all of ``all`` hold and at least ``count`` of ``any`` hold."""

    all: tuple[Check, ...] = ()
    any: tuple[Check, ...] = ()
    count: int = 1

    @property
    def checks(self) -> tuple[Check, ...]:
        return self.all + self.any


@dataclass(frozen=True)
class Needs:
    """The least sensor data a rule's sensor block needs to be evaluated.

    Below it the rule is *not evaluated* on the sensors (its symptoms may
    still carry it), and the run's ``not_evaluated`` list says why. Between
    the minimum and twice the minimum steps a sensor finding has at most low
    confidence. Rules without a sensor block (red flags, equipment) need none.

    Attributes
    ----------
    min_steps_per_side
        Fewest steps of the foot with fewer steps (0: no minimum).
    min_minutes
        Shortest recording, minutes (0: no minimum).
    running_only
        The rule is about running: a recording whose cadence is below
        ``running_min_spm`` is walking and is not evaluated.
    running_min_spm
        Cadence below which a recording is walking. A rule's own check named
        ``running_min_spm`` (a precondition of its sensor block), when it has
        one, sets this value, so one override key changes both.
    """

    min_steps_per_side: int = 0
    min_minutes: float = 0.0
    running_only: bool = False
    running_min_spm: float = 130.0


@dataclass(frozen=True)
class Suggestion:
    """A suggestion's text; ``fallback`` is used when a ``{placeholder}`` has no value."""

    text: str
    fallback: str = ""


@dataclass(frozen=True)
class Rule:
    """One rule of the rules file (see rules.toml for the meaning of each field)."""

    id: str
    title: str
    kind: str
    symptom_pattern: str
    evidence_strength: str
    max_confidence: str
    severity: dict[str, str]
    explanation: str
    suggestions: tuple[Suggestion, ...]
    sources: tuple[str, ...]
    sensors: Block | None = None
    symptoms: Block | None = None
    enabled: bool = True
    needs: Needs = field(default_factory=Needs)
    explanation_text: str = ""
    """The explanation with ``{placeholders}`` (``explanation`` is its fallback,
    used when a placeholder has no value); empty when the explanation has none."""

    @property
    def running_min_spm(self) -> float:
        """The cadence below which this rule sees a walk (:class:`Needs`)."""
        try:
            c = self.check("running_min_spm")
        except KeyError:
            return self.needs.running_min_spm
        return float(c.value)

    def check(self, name: str) -> Check:
        """The check called ``name``."""
        for block in (self.sensors, self.symptoms):
            for c in block.checks if block else ():
                if c.name == name:
                    return c
        raise KeyError(name)

    @property
    def check_names(self) -> tuple[str, ...]:
        return tuple(c.name for b in (self.sensors, self.symptoms) if b for c in b.checks)


@dataclass(frozen=True)
class RuleSet:
    """The rules, the sources they cite, and where they were read from."""

    rules: tuple[Rule, ...]
    sources: dict[str, dict[str, str]]
    evidence_strength: dict[str, str]
    origin: str = ""
    defaults: Needs = field(default_factory=Needs)
    overrides: tuple[str, ...] = field(default=())

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if none)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def with_overrides(self, path: str | Path) -> RuleSet:
        """A copy with the thresholds of an override file applied.

        Raises
        ------
        FootfallError
            The file cannot be read, or names an unknown rule or key, or gives
            a value of the wrong type.
        """
        p = str(path)
        data = _read_toml(Path(path), what="rules override file")
        return apply_overrides(self, data, path=p)


# --------------------------------------------------------------------------
# Reading and checking
# --------------------------------------------------------------------------


def _read_toml(path: Path, *, what: str) -> dict[str, Any]:
    from footfall.io.text import read_user_text

    text = read_user_text(path, what=what, fix="check the path; docs/rules.md shows the format")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        from footfall.rules.filetext import REPEATED_FIX, toml_problem

        problem, repeated = toml_problem(text, e)
        raise FootfallError(
            problem,
            path=str(path),
            fix=REPEATED_FIX if repeated else "fix the syntax; docs/rules.md shows the format",
        ) from None
    except (RecursionError, ValueError) as e:
        raise FootfallError(
            f"cannot be read as TOML ({type(e).__name__}: {str(e)[:120]})",
            path=str(path),
            fix="keep it to the tables and numbers docs/rules.md shows",
        ) from None


class _Ctx:
    """Error helper: names the file and the rule."""

    def __init__(self, path: str, rule_id: str | None = None):
        self.path = path
        self.rule_id = rule_id

    def error(self, key: str, problem: str, fix: str) -> FootfallError:
        where = f"rule {self.rule_id!r}, key {key!r}" if self.rule_id else f"key {key!r}"
        return FootfallError(f"{where}: {problem}", path=self.path, fix=fix)


def _text(ctx: _Ctx, d: dict[str, Any], key: str, *, required: bool = True) -> str:
    v = d.get(key)
    if v is None and not required:
        return ""
    if not isinstance(v, str) or not v.strip():
        raise ctx.error(key, "missing or not text", f"give {key} as a quoted text")
    return v


def _choice(ctx: _Ctx, d: dict[str, Any], key: str, choices: tuple[str, ...]) -> str:
    v = d.get(key)
    if v not in choices:
        raise ctx.error(
            key, f"{v!r} is not one of {', '.join(choices)}", f"use one of {', '.join(choices)}"
        )
    return v


def _check_value(ctx: _Ctx, key: str, c: Check, *, sensor: bool) -> None:
    """Raise unless ``c.value`` suits ``c.op`` and the fact."""
    v = c.value
    if sensor or FIELD_KINDS.get(c.fact) == "number":
        if c.op not in NUMERIC_OPS:
            raise ctx.error(
                key,
                f"operator {c.op!r} does not apply to a number",
                f"use one of {', '.join(NUMERIC_OPS)}",
            )
        if isinstance(v, int) and not isinstance(v, bool) and abs(v) > sys.float_info.max:
            raise ctx.error(
                key, f"a number of {len(str(abs(v)))} digits is too large", "give a plain number"
            )
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ctx.error(key, f"{v!r} is not a number", "give a plain number")
        return
    kind = FIELD_KINDS[c.fact]
    allowed = field_choices(c.fact)
    if kind == "bool":
        if c.op != "is" or not isinstance(v, bool):
            raise ctx.error(
                key,
                "a yes/no symptom field takes op 'is' and true or false",
                'e.g. { fact = "weakness", op = "is", value = true }',
            )
    elif kind == "choice":
        if c.op in ("==", "!="):
            ok = v in allowed
        elif c.op == "in":
            ok = isinstance(v, list) and bool(v) and all(x in allowed for x in v)
        else:
            ok = False
        if not ok:
            raise ctx.error(
                key,
                f"{c.op} {v!r} does not fit field {c.fact!r}",
                f"use ==, != or in with values from {', '.join(allowed)}",
            )
    elif kind in ("choices", "toes"):
        if c.op == "has":
            ok = v in allowed and not isinstance(v, bool)
        elif c.op == "has_any":
            ok = (
                isinstance(v, list)
                and bool(v)
                and all(x in allowed and not isinstance(x, bool) for x in v)
            )
        else:
            ok = False
        if not ok:
            raise ctx.error(
                key,
                f"{c.op} {v!r} does not fit list field {c.fact!r}",
                f"use has or has_any with values from {', '.join(map(str, allowed))}",
            )
    else:
        raise ctx.error(key, f"field {c.fact!r} cannot be checked", "check another symptom field")


def _block(ctx: _Ctx, d: Any, *, sensor: bool, label: str) -> Block:
    if not isinstance(d, dict):
        raise ctx.error(
            label, "must be a table with 'all' and/or 'any'", "see the rules already in rules.toml"
        )
    unknown = set(d) - {"all", "any", "count"}
    if unknown:
        raise ctx.error(
            f"{label}.{sorted(unknown)[0]}",
            "unknown key",
            "a condition block has only all, any and count",
        )
    parts: dict[str, tuple[Check, ...]] = {}
    for part in ("all", "any"):
        items = d.get(part, [])
        if not isinstance(items, list):
            raise ctx.error(
                f"{label}.{part}",
                "must be a list of checks",
                "write [ { fact = ..., op = ..., value = ... }, ... ]",
            )
        checks = []
        for item in items:
            key = f"{label}.{part}"
            if not isinstance(item, dict):
                raise ctx.error(key, "each check must be a table", "{ fact, op, value }")
            extra = set(item) - {"name", "fact", "op", "value", "per_side", "guard", "note", "show"}
            if extra:
                raise ctx.error(
                    f"{key}.{sorted(extra)[0]}",
                    "unknown key in a check",
                    "a check has name, fact, op, value, per_side, guard, show and note",
                )
            fact = item.get("fact")
            if not isinstance(fact, str):
                raise ctx.error(key, "check without a fact", 'give fact = "..."')
            if sensor and not sensor_fact_ok(fact):
                raise ctx.error(
                    key,
                    f"unknown sensor fact {fact!r}",
                    "use a steps-table metric, optionally with ."
                    + ", .".join(METRIC_SUFFIXES)
                    + f", or one of "
                    f"{', '.join(STRIKE_FACTS + OTHER_SENSOR_FACTS)}",
                )
            if not sensor and fact not in FIELD_NAMES:
                close = difflib.get_close_matches(fact, FIELD_NAMES, n=1)
                raise ctx.error(
                    key,
                    f"unknown symptom field {fact!r}",
                    (f"did you mean {close[0]!r}? " if close else "")
                    + "see the symptom profile fields in docs/rules.md",
                )
            op = item.get("op")
            if op not in OPS:
                raise ctx.error(key, f"unknown operator {op!r}", f"use one of {', '.join(OPS)}")
            per_side = item.get("per_side", False)
            if not isinstance(per_side, bool) or (per_side and not per_side_ok(fact)):
                raise ctx.error(
                    key,
                    f"per_side does not apply to {fact!r}",
                    "per_side = true works on plain metrics and strike shares",
                )
            guard = item.get("guard", False)
            if not isinstance(guard, bool):
                raise ctx.error(key, f"guard {guard!r} is not true or false", "guard = true")
            show = item.get("show", False)
            if not isinstance(show, bool) or (show and not sensor):
                raise ctx.error(
                    key,
                    f"show {show!r} is not true or false on a sensor check",
                    "show = true on a sensor check, or leave it out",
                )
            c = Check(
                name=str(item.get("name", fact)),
                fact=fact,
                op=op,
                value=item.get("value"),
                per_side=per_side,
                guard=guard,
                note=str(item.get("note", "")),
                show=show,
            )
            _check_value(ctx, f"{key}.{c.name}", c, sensor=sensor)
            checks.append(c)
        parts[part] = tuple(checks)
    count = d.get("count", 1)
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not 1 <= count <= max(1, len(parts["any"]))
    ):
        raise ctx.error(
            f"{label}.count",
            f"{count!r} is not between 1 and the number of 'any' checks",
            "give a whole number",
        )
    if not parts["all"] and not parts["any"]:
        raise ctx.error(label, "has no checks", "add checks or remove the block")
    return Block(all=parts["all"], any=parts["any"], count=count)


def _suggestions(ctx: _Ctx, items: Any) -> tuple[Suggestion, ...]:
    if not isinstance(items, list) or not items:
        raise ctx.error(
            "suggestions",
            "must be a non-empty list",
            "list suggestions from the simplest to the specialist",
        )
    out = []
    for item in items:
        if isinstance(item, str):
            s = Suggestion(item)
        elif (
            isinstance(item, dict)
            and isinstance(item.get("text"), str)
            and set(item) <= {"text", "fallback"}
        ):
            s = Suggestion(item["text"], str(item.get("fallback", "")))
        else:
            raise ctx.error(
                "suggestions", f"{item!r} is not text or {{text, fallback}}", "write a quoted text"
            )
        for name in _PLACEHOLDER_RE.findall(s.text + s.fallback):
            if name not in PLACEHOLDERS:
                raise ctx.error(
                    "suggestions",
                    f"unknown placeholder {{{name}}}",
                    f"use one of {', '.join(PLACEHOLDERS)}",
                )
        if _PLACEHOLDER_RE.search(s.fallback):
            raise ctx.error(
                "suggestions",
                "a fallback cannot use placeholders",
                "write the fallback as plain text",
            )
        out.append(s)
    return tuple(out)


def _needs(ctx: _Ctx, d: Any, base: Needs, label: str) -> Needs:
    """``base`` with the keys of a ``[defaults]`` or ``needs`` table applied."""
    if not isinstance(d, dict):
        raise ctx.error(label, "must be a table", "e.g. { min_steps_per_side = 60 }")
    changes: dict[str, Any] = {}
    for key, value in d.items():
        kind = NEEDS_KEYS.get(key)
        if kind is None:
            raise ctx.error(f"{label}.{key}", "unknown key", f"use {', '.join(NEEDS_KEYS)}")
        changes[key] = _needs_value(ctx, f"{label}.{key}", kind, value)
    return replace(base, **changes)


def _needs_value(ctx: _Ctx, key: str, kind: type, value: Any) -> Any:
    """A checked value of a :class:`Needs` key."""
    if kind is bool:
        if not isinstance(value, bool):
            raise ctx.error(key, f"{value!r} is not true or false", "write true or false")
        return value
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, int) and abs(value) > sys.float_info.max)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ctx.error(
            key, f"{value!r} is not a number of zero or more", "give a plain number, e.g. 30"
        )
    if kind is int:
        if not float(value).is_integer():
            raise ctx.error(key, f"{value!r} is not a whole number", "give a whole number")
        return int(value)
    return float(value)


def _explanation(ctx: _Ctx, d: dict[str, Any]) -> tuple[str, str]:
    """The explanation's fallback text and its text with placeholders (or "")."""
    v = d.get("explanation")
    if isinstance(v, dict):
        if set(v) != {"text", "fallback"} or not all(
            isinstance(x, str) and x.strip() for x in v.values()
        ):
            raise ctx.error(
                "explanation",
                "a table explanation has text and fallback",
                'explanation = { text = "...{onset_reported}...", fallback = "..." }',
            )
        for name in _PLACEHOLDER_RE.findall(v["text"]):
            if name not in PLACEHOLDERS:
                raise ctx.error(
                    "explanation",
                    f"unknown placeholder {{{name}}}",
                    f"use one of {', '.join(PLACEHOLDERS)}",
                )
        if _PLACEHOLDER_RE.search(v["fallback"]):
            raise ctx.error(
                "explanation",
                "a fallback cannot use placeholders",
                "write the fallback as plain text",
            )
        return v["fallback"], v["text"]
    return _text(ctx, d, "explanation"), ""


def parse_rules(data: dict[str, Any], *, path: str = "rules.toml") -> RuleSet:
    """Check a parsed rules file and build the :class:`RuleSet`.

    Raises
    ------
    FootfallError
        Anything malformed, naming the file, the rule id and the key.
    """
    top = _Ctx(path)
    if data.get("format") != FORMAT:
        raise top.error(
            "format",
            f"{data.get('format')!r} is not {FORMAT!r}",
            f"start the file with format = {FORMAT!r}",
        )
    sources = data.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise top.error("sources", "missing", "add a [sources.<key>] table per source")
    for key, src in sources.items():
        if not isinstance(src, dict) or not isinstance(src.get("citation"), str):
            raise top.error(f"sources.{key}", "needs a citation", 'citation = "..."')
        if src.get("kind") not in SOURCE_KINDS:
            raise top.error(
                f"sources.{key}.kind",
                f"{src.get('kind')!r} is not one of {', '.join(SOURCE_KINDS)}",
                'set kind = "paper" (journal article), "manual" (device documentation) '
                'or "web" (health page, consumer article)',
            )
    defaults = _needs(top, data.get("defaults", {}), Needs(), "defaults")
    strengths = data.get("evidence_strength")
    if not isinstance(strengths, dict) or not strengths:
        raise top.error("evidence_strength", "missing", "add an [evidence_strength] table")
    rules_data = data.get("rule")
    if not isinstance(rules_data, list) or not rules_data:
        raise top.error("rule", "no rules", "add [[rule]] tables")
    rules: list[Rule] = []
    seen: set[str] = set()
    for d in rules_data:
        rid = d.get("id")
        ctx = _Ctx(path, rid if isinstance(rid, str) else "?")
        if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", rid):
            raise ctx.error("id", f"{rid!r} is not a lower-case id", 'e.g. id = "low-cadence"')
        if rid in seen:
            raise ctx.error("id", "used twice", "give each rule its own id")
        seen.add(rid)
        known = {
            "id",
            "title",
            "kind",
            "symptom_pattern",
            "evidence_strength",
            "max_confidence",
            "severity",
            "explanation",
            "suggestions",
            "sources",
            "sensors",
            "symptoms",
            "needs",
        }
        extra = set(d) - known
        if extra:
            raise ctx.error(sorted(extra)[0], "unknown key", f"a rule has {', '.join(known)}")
        severity = d.get("severity")
        if not isinstance(severity, dict) or not severity:
            raise ctx.error("severity", "missing", 'e.g. severity = { both = "moderate" }')
        for state, level in severity.items():
            if state not in STATES:
                raise ctx.error(
                    f"severity.{state}", "unknown evidence state", f"use {', '.join(STATES)}"
                )
            if level not in SEVERITIES:
                raise ctx.error(
                    f"severity.{state}",
                    f"{level!r} is not a severity",
                    f"use {', '.join(SEVERITIES)}",
                )
        sensors = (
            _block(ctx, d["sensors"], sensor=True, label="sensors") if "sensors" in d else None
        )
        symptoms = (
            _block(ctx, d["symptoms"], sensor=False, label="symptoms") if "symptoms" in d else None
        )
        if sensors is None and symptoms is None:
            raise ctx.error(
                "sensors",
                "a rule needs sensors and/or symptoms conditions",
                "add a [rule.sensors] or [rule.symptoms] block",
            )
        needs = {
            "both": (sensors, symptoms),
            "sensors_only": (sensors,),
            "symptoms_only": (symptoms,),
            "symptoms_sensors_normal": (sensors, symptoms),
        }
        for state in severity:
            if any(b is None for b in needs[state]):
                raise ctx.error(
                    f"severity.{state}",
                    "names evidence the rule does not check",
                    "remove it or add the missing block",
                )
        names = [c.name for b in (sensors, symptoms) if b for c in b.checks]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ctx.error(
                dup[0], "two checks share this name", 'give one of them its own name = "..."'
            )
        srcs = d.get("sources")
        if not isinstance(srcs, list) or not srcs:
            raise ctx.error("sources", "missing", "cite at least one source key")
        for s in srcs:
            if s not in sources:
                raise ctx.error(
                    "sources", f"{s!r} is not in [sources]", f"use one of {', '.join(sources)}"
                )
        strength = _choice(ctx, d, "evidence_strength", tuple(strengths))
        kind = _choice(ctx, d, "kind", KINDS)
        if "needs" in d and sensors is None:
            raise ctx.error(
                "needs",
                "a rule without sensor conditions needs no sensor data",
                "remove needs, or add a [rule.sensors] block",
            )
        data_needs = _needs(ctx, d.get("needs", {}), defaults, "needs")
        explanation, explanation_text = _explanation(ctx, d)
        rules.append(
            Rule(
                id=rid,
                title=_text(ctx, d, "title"),
                kind=kind,
                symptom_pattern=_text(ctx, d, "symptom_pattern"),
                evidence_strength=strength,
                max_confidence=_choice(ctx, d, "max_confidence", CONFIDENCES),
                severity=dict(severity),
                explanation=explanation,
                suggestions=_suggestions(ctx, d.get("suggestions")),
                sources=tuple(srcs),
                sensors=sensors,
                symptoms=symptoms,
                needs=data_needs,
                explanation_text=explanation_text,
            )
        )
    return RuleSet(
        rules=tuple(rules),
        sources={k: dict(v) for k, v in sources.items()},
        evidence_strength=dict(strengths),
        origin=path,
        defaults=defaults,
    )


def apply_overrides(rules: RuleSet, data: dict[str, Any], *, path: str) -> RuleSet:
    """Apply a parsed override file (``[rules.<id>]`` tables of check names).

    Raises
    ------
    FootfallError
        Unknown top-level key, rule id or check name, or a value of the wrong type.
    """
    top = _Ctx(path)
    extra = set(data) - {"format", "rules"}
    if extra:
        raise top.error(
            sorted(extra)[0], "unknown key", "an override file has [rules.<rule-id>] tables only"
        )
    if data.get("format", FORMAT) != FORMAT:
        raise top.error(
            "format",
            f"{data.get('format')!r} is not {FORMAT!r}",
            f"use format = {FORMAT!r} or leave it out",
        )
    table = data.get("rules", {})
    if not isinstance(table, dict):
        raise top.error("rules", "must be tables", "write [rules.<rule-id>]")
    ids = [r.id for r in rules.rules]
    changed = {r.id: r for r in rules.rules}
    for rid, keys in table.items():
        ctx = _Ctx(path, rid)
        if rid not in changed:
            close = difflib.get_close_matches(rid, ids, n=1)
            raise FootfallError(
                f"unknown rule id {rid!r}",
                path=path,
                fix=(f"did you mean {close[0]!r}? " if close else "")
                + f"rule ids: {', '.join(ids)}",
            )
        if not isinstance(keys, dict):
            raise ctx.error(
                rid,
                "must be a table of check names",
                f"write [rules.{rid}] then name = value lines",
            )
        rule = changed[rid]
        for key, value in keys.items():
            if key == "enabled":
                if not isinstance(value, bool):
                    raise ctx.error(key, f"{value!r} is not true or false", "enabled = false")
                rule = replace(rule, enabled=value)
                continue
            if key in NEEDS_KEYS and key not in rule.check_names and rule.sensors is not None:
                rule = replace(
                    rule,
                    needs=replace(
                        rule.needs, **{key: _needs_value(ctx, key, NEEDS_KEYS[key], value)}
                    ),
                )
                continue
            if key not in rule.check_names:
                close = difflib.get_close_matches(key, rule.check_names, n=1)
                extra_keys = ", ".join(NEEDS_KEYS) + ", " if rule.sensors is not None else ""
                raise ctx.error(
                    key,
                    "unknown key for this rule",
                    (f"did you mean {close[0]!r}? " if close else "")
                    + f"keys: enabled, {extra_keys}{', '.join(rule.check_names)}",
                )
            old = rule.check(key)
            new = replace(old, value=value)
            sensor = rule.sensors is not None and old in rule.sensors.checks
            _check_value(ctx, key, new, sensor=sensor)
            if isinstance(old.value, float) and isinstance(value, int):
                new = replace(new, value=float(value))
            rule = _replace_check(rule, old, new)
        changed[rid] = rule
    return replace(rules, rules=tuple(changed[i] for i in ids), overrides=(*rules.overrides, path))


def _replace_check(rule: Rule, old: Check, new: Check) -> Rule:
    def swap(block: Block | None) -> Block | None:
        if block is None:
            return None
        return replace(
            block,
            all=tuple(new if c is old else c for c in block.all),
            any=tuple(new if c is old else c for c in block.any),
        )

    return replace(rule, sensors=swap(rule.sensors), symptoms=swap(rule.symptoms))


def default_rules_text() -> str:
    """The text of the shipped rules.toml."""
    return resources.files("footfall.rules").joinpath("rules.toml").read_text(encoding="utf-8")


@functools.cache
def _shipped_rules() -> RuleSet:
    return parse_rules(tomllib.loads(default_rules_text()), path="rules.toml (shipped)")


def load_rules(path: str | Path | None = None, *, overrides: str | Path | None = None) -> RuleSet:
    """Load the rules.

    Parameters
    ----------
    path
        A complete rules file; default the shipped ``rules.toml``.
    overrides
        An override file (``[rules.<id>]`` tables) applied on top.

    Returns
    -------
    RuleSet

    Raises
    ------
    FootfallError
        A malformed file, naming the file, the rule id and the key.
    """
    if path is None:
        rules = _shipped_rules()
    else:
        rules = parse_rules(_read_toml(Path(path), what="rules file"), path=str(path))
    if overrides is not None:
        rules = rules.with_overrides(overrides)
    return rules
