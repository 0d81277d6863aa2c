"""Live flags: the rules engine's findings on the newest steps, with hysteresis.

A live flag is a rule of the rules layer (``rules.toml`` of
:mod:`footfall.rules`, with its sources and its ``needs``; a user's
``--rules`` override applies here too) whose **sensor** block holds on the
live summary: the run summary of :func:`footfall.summary.summarize` taken
over the newest :data:`WINDOW_S` seconds of steps, with the session's drift
so far (see :class:`footfall.stream.analyzer.StreamingAnalyzer`). The
decision is :func:`footfall.rules.evaluate` itself, so a flag is raised live
exactly when the offline analysis of the same steps would give a finding
resting on the sensors (basis ``sensors_only`` or ``both``). There is no
second copy of any threshold or rule here.

What this module adds is only what a live display needs not to flicker:

* a flag goes **on** when the rule's finding has held for ``min_on_s`` seconds;
* it goes **off** when the finding, evaluated with every sensor threshold
  relaxed by its :func:`exit_margin` (the hysteresis band), has been absent
  for ``min_off_s`` seconds.

The margins are display damping, not clinical thresholds; the balance
margin ends the flag inside Garmin's green band (50.7 %, docs/sources.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "EXIT_MARGIN",
    "FlagState",
    "FlagTracker",
    "MIN_OFF_S",
    "MIN_ON_S",
    "WINDOW_S",
    "exit_margin",
    "live_rules",
    "relaxed_rules",
]


WINDOW_S = 120.0
"""Seconds of the newest steps the live summary for flags is taken over.
Two minutes give about 170 steps per foot at 170 steps/min: more than the
60 per foot the one-sided-loading rule needs, and a left-right difference of
medians steady to a few percent (rules.toml, one-sided-loading)."""

MIN_ON_S = 10.0
"""Seconds a rule's finding must hold before its flag shows."""

MIN_OFF_S = 10.0
"""Seconds a rule's finding must be absent (with the margins) before its flag goes."""

EXIT_MARGIN: dict[str, float] = {
    # by fact
    "cadence_spm": 3.0,
    "contact_balance.offset_pct": 1.5,
    # by the fact's suffix (after the metric name)
    ".vs_baseline_pct": 2.5,
    ".asymmetry_pct": 2.5,
    ".late_change_pct": 1.0,
    ".late_change": 1.0,
    # by the unit at the end of the metric's name
    "_spm": 3.0,
    "_deg": 2.0,
    "_pct": 2.0,
    "_g": 0.5,
    "_dps": 25.0,
    "_ms": 10.0,
    "_kpa": 10.0,
    "_m": 0.02,
    "_mps": 0.1,
}
"""How far past its entry threshold a value must come back before a flag
clears, in the fact's unit: looked up by the whole fact, then its suffix,
then its unit (:func:`exit_margin`). 2.2 - 1.5 = 0.7: the balance flag
clears at 50.7 / 49.3 %."""


def exit_margin(fact: str) -> float:
    """The hysteresis margin of a sensor fact (0 when none applies)."""
    if fact in EXIT_MARGIN:
        return EXIT_MARGIN[fact]
    base, dot, suffix = fact.partition(".")
    if dot and f".{suffix}" in EXIT_MARGIN:
        return EXIT_MARGIN[f".{suffix}"]
    unit = "_" + base.rsplit("_", 1)[-1] if "_" in base else ""
    return EXIT_MARGIN.get(unit, 0.0)


def live_rules(rules: Any) -> list[Any]:
    """The enabled rules with a sensor block: those a live flag can come from."""
    return [r for r in rules.rules if r.enabled and r.sensors is not None]


def relaxed_rules(rules: Any) -> Any:
    """A copy of ``rules`` with every numeric sensor threshold moved by its
    :func:`exit_margin` towards not holding the flag any longer (a ``>=``
    threshold down, a ``<`` threshold up)."""

    def relax(c: Any) -> Any:
        if c.op not in (">", ">=", "<", "<=") or isinstance(c.value, bool):
            return c
        m = exit_margin(c.fact)
        v = float(c.value) - m if c.op in (">", ">=") else float(c.value) + m
        return replace(c, value=v)

    out = []
    for r in rules.rules:
        b = r.sensors
        if b is not None:
            b = replace(b, all=tuple(map(relax, b.all)), any=tuple(map(relax, b.any)))
        out.append(replace(r, sensors=b))
    return replace(rules, rules=tuple(out))


@dataclass
class FlagState:
    """Hysteresis state of one flag (one rule)."""

    id: str
    title: str
    on: bool = False
    since_s: float | None = None  # when the pending change began
    changed_s: float | None = None  # when the flag last switched
    history: list[tuple[float, bool]] = field(default_factory=list)
    finding: Any = None
    """The rule's latest finding while it holds (evidence, side, severity)."""


class FlagTracker:
    """Turns live summaries into flags that do not flicker.

    Parameters
    ----------
    rules
        A :class:`footfall.rules.ruleset.RuleSet` (default the shipped rules).
    symptoms
        The runner's symptom profile, when given: findings then rest on both
        (the flags are the same rules; their severity and side follow it).
    history
        Earlier sessions' summaries: the baseline of ``vs_baseline_pct`` facts,
        as offline.
    min_on_s, min_off_s
        How long a finding must hold (or be absent) before the flag changes.
    """

    def __init__(
        self,
        rules: Any | None = None,
        *,
        symptoms: Any = None,
        history: Sequence[Mapping[str, Any]] = (),
        min_on_s: float = MIN_ON_S,
        min_off_s: float = MIN_OFF_S,
    ):
        if rules is None:
            from footfall.rules.ruleset import load_rules

            rules = load_rules()
        self.rules = rules
        self.relaxed = relaxed_rules(rules)
        self.symptoms = symptoms
        self.history = list(history)
        self.states = [FlagState(r.id, r.title) for r in live_rules(rules)]
        self.min_on_s = float(min_on_s)
        self.min_off_s = float(min_off_s)

    def holding(self, summary: Mapping[str, Any], *, relaxed: bool = False) -> dict[str, Any]:
        """Rule id -> finding, for the findings that rest on the sensors."""
        from footfall.rules.engine import Basis, evaluate

        found = evaluate(
            summary,
            symptoms=self.symptoms,
            history=self.history,
            rules=self.relaxed if relaxed else self.rules,
        )
        return {f.id: f for f in found if f.basis in (Basis.SENSORS_ONLY, Basis.BOTH)}

    def update(self, t_s: float, summary: Mapping[str, Any]) -> list[str]:
        """Feed the live summary at time ``t_s`` (session axis, s); returns
        the ids of flags that changed."""
        strict = self.holding(summary)
        loose = self.holding(summary, relaxed=True) if any(s.on for s in self.states) else {}
        changed = []
        for st in self.states:
            if st.id in strict or (st.on and st.id in loose):
                st.finding = strict.get(st.id) or loose.get(st.id)
            if not st.on:
                want = st.id in strict
                wait = self.min_on_s
            else:
                want = st.id not in loose
                wait = self.min_off_s
            if not want:
                st.since_s = None
                continue
            if st.since_s is None:
                st.since_s = t_s
            if t_s - st.since_s >= wait:
                st.on = not st.on
                st.since_s = None
                st.changed_s = t_s
                st.history.append((t_s, st.on))
                changed.append(st.id)
                if not st.on:
                    st.finding = None
        return changed

    @property
    def active(self) -> list[str]:
        """Ids of the flags that are on, in the rules file's order."""
        return [st.id for st in self.states if st.on]

    def titles(self) -> dict[str, str]:
        """Flag id -> title (the rule's)."""
        return {st.id: st.title for st in self.states}

    def evidence(self) -> dict[str, str]:
        """Flag id -> its finding's one-line evidence, for the flags that are on."""
        return {
            st.id: st.finding.evidence for st in self.states if st.on and st.finding is not None
        }

    def findings(self) -> list[dict[str, Any]]:
        """The findings of the flags that are on (JSON-ready, as offline's)."""
        return [st.finding.to_dict() for st in self.states if st.on and st.finding is not None]

    def raised(self) -> list[str]:
        """Ids of every flag that was on at some time, in the rules' order."""
        return [st.id for st in self.states if st.history]
