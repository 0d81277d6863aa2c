"""docs/rules.md, generated from the rules file so the two never disagree.

``python tools/gen_rules_doc.py`` writes it; a test checks the committed file
equals :func:`render_markdown` of the shipped rules.
"""

from __future__ import annotations

from footfall.rules.engine import ASSUMED_PACE_MIN_PER_KM
from footfall.rules.ruleset import (
    METRIC_SUFFIXES,
    OTHER_SENSOR_FACTS,
    PLACEHOLDERS,
    STATES,
    STEP_METRICS,
    STRIKE_FACTS,
    Block,
    Rule,
    RuleSet,
)
from footfall.rules.symptoms import FIELD_KINDS, FIELD_LABELS, FIELD_NAMES, field_choices

__all__ = [
    "SOURCES_DOC",
    "render_markdown",
]

#: The page, next to docs/rules.md, with one entry (anchor = key) per source.
SOURCES_DOC = "sources.md"


_INTRO = """\
<!-- Generated from src/footfall/rules/rules.toml by tools/gen_rules_doc.py. Do not edit. -->
# Rules: from gait and symptoms to findings

footfall links what it measures in a run, and what you tell it about your
numbness, to the likely contributors: laces, shoe fit, foot strike, cadence,
pronation, fatigue, and the conditions no sensor can see. It never makes a
diagnosis. Each finding says what the evidence is, how strong that kind of
link is in general, and what to try, from the simplest change to a
specialist. Red flags, which mean "see a professional", always come first.

The rules are data: `src/footfall/rules/rules.toml`, interpreted by a small
engine (`footfall.rules.engine`); nothing in a rules file is executed. This
page is generated from that file.

## Using it

```sh
footfall symptoms -o symptoms.toml                 # a short questionnaire
footfall analyze myrun/ --symptoms symptoms.toml   # findings first, red flags on top
footfall analyze myrun/ --symptoms symptoms.toml --json summary.json
footfall analyze myrun/ --rules my-thresholds.toml # your own thresholds
```

Without `--symptoms` the findings rest on the sensors alone; a summary with
only watch-style metrics (cadence, contact time, balance) works too. From
Python, `footfall.analyze` runs the same chain, findings included:

```python
import footfall

result = footfall.analyze("sample_data/gaitmap_walk", symptoms="symptoms.toml")
for finding in result.findings:          # red flags first
    print(finding.title, "-", finding.evidence)
result.summary["findings"]               # the same findings, as the JSON has them
later = footfall.analyze("sample_data/gaitmap_walk", history=[result.summary])
```

`footfall.rules.evaluate(summary, steps, symptoms=..., history=...)` runs the
rules alone on any summary (e.g. a watch's).
`history` (earlier sessions' summaries) gives the runner's own baseline for
the `vs_baseline_pct` checks.

## How a rule fires

A rule has sensor conditions, symptom conditions, or both. A condition block
holds when every check in `all` holds and at least `count` (default 1) of
`any` do; a check on data that is missing is unknown, not false. The outcome
of the two blocks picks the evidence state, and the rule's severity table says
whether that state gives a finding and how severe:

| state | meaning |
|---|---|
| `both` | sensors and symptoms both match |
| `sensors_only` | sensors match; no symptoms given, or they do not match |
| `symptoms_only` | symptoms match; no sensor data for this rule, or not enough |
| `symptoms_sensors_normal` | symptoms match; the sensors measured the metrics: in range |

Confidence (how well this runner's data support the link) is high when the
sensors and the symptoms agree, moderate when one matches and the other is
unknown, low when the other was checked and does not match, one step lower
when the sensors point to the other foot than the numb one, and never above
the rule's maximum. Red flags rest on what you report and have high
confidence. Findings are ordered: red flags, then severity, then confidence,
then the order below.

## Enough data

Every rule with sensor conditions says the least data they need: steps on
the foot with fewer steps, minutes recorded, and whether the rule is about
running (`[defaults]` in the rules file, changed per rule by its `needs`; each
rule below lists its own). A recording whose cadence is below the running
threshold is a walk: the running rules are not evaluated on it. Below a
minimum the rule's sensors are *not evaluated*: the rule does not fire on
them (its symptom conditions still count), and the summary's `not_evaluated`
list, next to `findings`, names the rule and the reason. A sensor finding on
fewer than twice the minimum steps has at most low confidence; on a summary
that does not say how many steps it covers (a watch's), at most moderate.
Red flags and the other rules without sensor conditions need no sensor data.

What you reported is quoted as you gave it: an onset in km stays in km, and
the minutes footfall estimates from it say how they were made ("about 30 min
at this run's pace of 6:00 min/km"). The side of a finding is the numb foot
you named; when the sensors point elsewhere, the evidence says so.

## Changing thresholds

An override file names a rule id and the check names listed under each rule
below, or a data minimum (`min_steps_per_side`, `min_minutes`, `running_only`,
`running_min_spm`) of a rule with sensor conditions; `enabled = false`
switches a rule off. Errors name the file, the rule
id and the key.

```toml
[rules.low-cadence]
cadence_low_spm = 160

[rules.socks]
enabled = false
```
"""


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ", ".join(_value(x) for x in v)
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _checks(block: Block, label: str) -> list[str]:
    rows = []
    for part, checks in (("all", block.all), ("any", block.any)):
        for c in checks:
            group = part if part == "all" or block.count == 1 else f"any ({block.count} of)"
            flags = [
                f
                for f, on in (
                    ("per side", c.per_side),
                    ("precondition", c.guard),
                    ("always shown", c.show),
                )
                if on
            ]
            rows.append(
                f"| {label} | {group} | `{c.name}` | `{c.fact}` | {_cell(c.op)} "
                f"| {_cell(_value(c.value))} | {', '.join(flags)} | {_cell(c.note)} |"
            )
    return rows


def _needs_text(r: Rule) -> str:
    """The least sensor data a rule needs, in words."""
    n = r.needs
    parts = []
    if n.min_steps_per_side:
        parts.append(
            f"at least {n.min_steps_per_side} steps per foot (low confidence below "
            f"{2 * n.min_steps_per_side})"
        )
    if n.min_minutes:
        parts.append(f"at least {n.min_minutes:g} min")
    if n.running_only:
        parts.append(f"running (cadence {r.running_min_spm:g} steps/min or more)")
    return ", ".join(parts) if parts else "no minimum"


def render_markdown(rules: RuleSet) -> str:
    """docs/rules.md for a rule set (deterministic text)."""
    out = [_INTRO]
    out += [
        "## Evidence strength",
        "",
        "How well the link between a contributor and numbness is supported in general.",
        "",
        "| level | meaning |",
        "|---|---|",
    ]
    out += [f"| `{k}` | {_cell(v)} |" for k, v in rules.evidence_strength.items()]
    out += [
        "",
        "## The rules",
        "",
        "| id | kind | title | severity by state | evidence strength |",
        "|---|---|---|---|---|",
    ]
    for r in rules.rules:
        sev = ", ".join(f"{s}: {r.severity[s]}" for s in STATES if s in r.severity)
        out.append(
            f"| [`{r.id}`](#{r.id}) | {r.kind} | {_cell(r.title)} | {sev} | {r.evidence_strength} |"
        )
    for r in rules.rules:
        out += [
            "",
            f'<a id="{r.id}"></a>',
            "",
            f"### {r.title}",
            "",
            f"`{r.id}`: {r.kind}; evidence strength `{r.evidence_strength}`; "
            f"confidence at most {r.max_confidence}.",
            "",
            f"- Where and when: {r.symptom_pattern}",
            "- Severity: " + ", ".join(f"{s} {r.severity[s]}" for s in STATES if s in r.severity),
            *([f"- Needs: {_needs_text(r)}"] if r.sensors is not None else []),
            "",
            r.explanation,
            "",
            "| conditions | group | name (override key) | fact | op | value | flags | note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        if r.sensors:
            out += _checks(r.sensors, "sensors")
        if r.symptoms:
            out += _checks(r.symptoms, "symptoms")
        out += ["", "What to try, simplest first:", ""]
        out += [f"{i}. {s.text}" for i, s in enumerate(r.suggestions, 1)]
        out += ["", "Sources: " + "; ".join(f"[{k}]({SOURCES_DOC}#{k})" for k in r.sources) + "."]
    out += [
        "",
        "## Sources",
        "",
        f"Each key links to its entry in [{SOURCES_DOC}]({SOURCES_DOC}): the full reference "
        "and which facts footfall takes from it.",
        "",
    ]
    for k, src in rules.sources.items():
        out.append(f"- [`{k}`]({SOURCES_DOC}#{k}): {src['citation']}")
    out += [
        "",
        "## Facts a rule can check",
        "",
        "Sensor facts (from the run summary; see docs/metrics.md):",
        "",
        "- a steps-table metric, its median over both feet (or per foot with "
        "`per_side`): " + ", ".join(f"`{m}`" for m in STEP_METRICS),
        "- `<metric>." + "`, `<metric>.".join(METRIC_SUFFIXES) + "`: |left-right| "
        "asymmetry in percent (the higher side is reported); the change after the symptom "
        "onset compared with before it (last third vs first third of the run when the "
        "onset is unknown or outside the recording), in percent or in the metric's unit; "
        "the percent change from the runner's baseline (earlier sessions)",
        "- " + ", ".join(f"`{f}`" for f in STRIKE_FACTS) + ": share of contacts with "
        "each strike pattern",
        "- " + ", ".join(f"`{f}`" for f in OTHER_SENSOR_FACTS) + ": contact time "
        "balance, and its distance from 50 % (the side that stays longer is reported)",
        "",
        "Symptom facts: the fields of the symptom profile below. When only "
        "`onset_km` is given, `onset_min` is estimated from the run's speed (or a "
        f"{ASSUMED_PACE_MIN_PER_KM:g} min/km pace without one).",
        "",
        "Operators: `<`, `<=`, `>`, `>=` for numbers; `==`, `!=`, `in` for a choice; "
        "`has`, `has_any` for a list; `is` for yes/no.",
        "",
        "Suggestions may use "
        + ", ".join(f"`{{{p}}}`" for p in PLACEHOLDERS)
        + "; a suggestion whose value is unknown is replaced by its fallback text.",
        "",
        "## Symptom profile",
        "",
        "`footfall symptoms -o FILE` writes it; it can also be written by hand as TOML "
        'or JSON. Every field is optional; an unanswered one is unknown, never "no".',
        "",
        "```toml",
        'format = "footfall-symptoms/1"',
        'foot = "left"',
        'locations = ["toes", "between_3_4"]',
        "toes = [3, 4]",
        "onset_min = 15.0",
        "resolves_after_stopping = true",
        "resolves_within_min = 5.0",
        'toe_box = "narrow"',
        'lacing_tightness = "tight"',
        "```",
        "",
        "| field | meaning | values |",
        "|---|---|---|",
    ]
    for name in FIELD_NAMES:
        kind = FIELD_KINDS[name]
        choices = field_choices(name)
        values = {"bool": "true / false", "number": "number", "text": "text"}.get(
            kind, ", ".join(map(str, choices)) + (" (list)" if kind in ("choices", "toes") else "")
        )
        out.append(f"| `{name}` | {_cell(FIELD_LABELS.get(name, name))} | {values} |")
    return "\n".join(out) + "\n"
