"""Live flags with hysteresis: low cadence, long contact, uneven balance, overstride.

The thresholds that raise a flag are the rules layer's (``rules.toml`` of
:mod:`footfall.rules`, with its sources; a user's ``--rules`` override applies
here too), so live and offline speak with one voice. What this module adds is
only what a live display needs not to flicker:

* a flag goes **on** when its condition has held for ``min_on_s`` seconds;
* it goes **off** when the condition, checked with thresholds relaxed by
  :data:`EXIT_MARGIN` (the hysteresis band), has failed for ``min_off_s``.

The margins are display damping, not clinical thresholds; the balance margin
ends the flag inside Garmin's green band (50.7 %, domain brief).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Condition",
    "EXIT_MARGIN",
    "FlagSpec",
    "FlagState",
    "FlagTracker",
    "LIVE_FLAGS",
    "MIN_OFF_S",
    "MIN_ON_S",
    "flag_specs",
]


EXIT_MARGIN: dict[str, float] = {
    "cadence_spm": 3.0,
    "foot_strike_angle_deg": 2.0,
    "shank_angle_ic_deg": 2.0,
    "contact_balance.offset_pct": 1.5,
    "vs_baseline_pct": 2.5,
}
"""How far past its entry threshold a value must come back before a flag
clears, per fact (``vs_baseline_pct`` for every ``X.vs_baseline_pct`` fact),
in the fact's unit. 2.2 - 1.5 = 0.7: the balance flag clears at 50.7 / 49.3 %."""

MIN_ON_S = 10.0
"""Seconds a condition must hold before its flag shows."""

MIN_OFF_S = 10.0
"""Seconds a condition must be clear (with the margin) before its flag goes."""

_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}

LIVE_FLAGS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("low-cadence", "low cadence", "low-cadence", ("running_min_spm", "cadence_low_spm")),
    (
        "long-contact",
        "contact time up",
        "overstride",
        ("running_min_spm", "contact_rise_vs_baseline_pct"),
    ),
    ("uneven-balance", "uneven L/R balance", "one-sided-loading", ("contact_balance_offset_pct",)),
    ("overstride", "overstride signs", "overstride", ()),
)
"""Live flags: (flag id, short title, rule id, names of the rule's checks
used, all of which must hold). An empty name list takes the rule's whole
sensor block (its ``all`` checks and ``count`` of its ``any`` checks)."""


@dataclass(frozen=True)
class Condition:
    """One threshold test of a live flag."""

    fact: str
    op: str
    value: float
    required: bool = False  # a guard: must hold, does not count towards ``count``

    def holds(self, facts: dict[str, float], *, relaxed: bool = False) -> bool | None:
        """Whether the test holds (None when the fact is unknown)."""
        v = facts.get(self.fact)
        if v is None:
            return None
        threshold = self.value
        if relaxed:
            key = "vs_baseline_pct" if self.fact.endswith(".vs_baseline_pct") else self.fact
            m = EXIT_MARGIN.get(key, 0.0)
            threshold = threshold - m if self.op in (">", ">=") else threshold + m
        return bool(_OPS[self.op](v, threshold))


@dataclass(frozen=True)
class FlagSpec:
    """A live flag: conditions, how many must hold, and where they come from."""

    id: str
    title: str
    conditions: tuple[Condition, ...]
    count: int
    rule_id: str
    notes: tuple[str, ...] = ()

    def holds(self, facts: dict[str, float], *, relaxed: bool = False) -> bool:
        """All required conditions and at least ``count`` of the others hold."""
        n = 0
        for c in self.conditions:
            h = c.holds(facts, relaxed=relaxed)
            if c.required and not h:
                return False
            if not c.required and h:
                n += 1
        return n >= self.count


def flag_specs(rules: Any | None = None) -> list[FlagSpec]:
    """Live flags built from the rules file's thresholds.

    Parameters
    ----------
    rules
        A :class:`footfall.rules.ruleset.RuleSet`; default the shipped rules.
    """
    if rules is None:
        from footfall.rules.ruleset import load_rules

        rules = load_rules()
    out = []
    for flag_id, title, rule_id, names in LIVE_FLAGS:
        try:
            rule = rules.rule(rule_id)
        except KeyError:
            continue
        if not rule.enabled or rule.sensors is None:
            continue
        block = rule.sensors
        conds: list[Condition] = []
        notes: list[str] = []
        if names:
            for name in names:
                try:
                    c = rule.check(name)
                except KeyError:
                    continue
                if c.op in _OPS:
                    conds.append(Condition(c.fact, c.op, float(c.value), required=True))
                    notes.append(c.note)
            need = 0
        else:
            for c in block.all:
                if c.op in _OPS:
                    conds.append(Condition(c.fact, c.op, float(c.value), required=True))
            for c in block.any:
                if c.op in _OPS:
                    conds.append(Condition(c.fact, c.op, float(c.value)))
                    notes.append(c.note)
            need = block.count
        if conds:
            out.append(FlagSpec(flag_id, title, tuple(conds), need, rule_id, tuple(notes)))
    return out


@dataclass
class FlagState:
    """Hysteresis state of one flag."""

    spec: FlagSpec
    on: bool = False
    since_s: float | None = None  # when the pending change began
    changed_s: float | None = None  # when the flag last switched
    history: list[tuple[float, bool]] = field(default_factory=list)


class FlagTracker:
    """Turns rolling facts into flags that do not flicker.

    Parameters
    ----------
    specs
        The flags (default :func:`flag_specs` of the shipped rules).
    min_on_s, min_off_s
        How long a condition must hold (or be clear) before the flag changes.
    """

    def __init__(
        self,
        specs: list[FlagSpec] | None = None,
        *,
        min_on_s: float = MIN_ON_S,
        min_off_s: float = MIN_OFF_S,
    ):
        self.states = [FlagState(s) for s in (flag_specs() if specs is None else specs)]
        self.min_on_s = float(min_on_s)
        self.min_off_s = float(min_off_s)

    def update(self, t_s: float, facts: dict[str, float]) -> list[str]:
        """Feed the facts at time ``t_s`` (session axis, s); returns the ids of
        flags that changed."""
        changed = []
        for st in self.states:
            if not st.on:
                want = st.spec.holds(facts)
                wait = self.min_on_s
            else:
                want = not st.spec.holds(facts, relaxed=True)
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
                changed.append(st.spec.id)
        return changed

    @property
    def active(self) -> list[str]:
        """Ids of the flags that are on."""
        return [st.spec.id for st in self.states if st.on]

    def titles(self) -> dict[str, str]:
        """Flag id -> title."""
        return {st.spec.id: st.spec.title for st in self.states}
