"""Terminal rendering of an analysis with ``rich``.

Colour on a terminal, plain text when piped or redirected (rich decides from
the output stream; ``NO_COLOR`` is honoured). Nothing here computes a metric:
it only formats the summary dict (CONTRACTS.md section 3) and the notes.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from footfall.errors import safe_text
from footfall.registry import Metric
from footfall.registry import metric as registry_metric

if TYPE_CHECKING:
    from footfall.pipeline import Analysis

__all__ = [
    "LEFT_STYLE",
    "MetricFormat",
    "RIGHT_STYLE",
    "SEVERITY_STYLES",
    "asymmetry_text",
    "drift_table",
    "format_duration",
    "format_value",
    "make_console",
    "metric_format",
    "metrics_table",
    "progress_bar",
    "render_analysis",
    "render_summary",
]


MetricFormat = Metric
"""How a metric is shown (its label, unit and decimals): its
:class:`footfall.registry.Metric` entry."""

LEFT_STYLE = "cyan"
RIGHT_STYLE = "magenta"


def metric_format(metric: str) -> Metric:
    """The display format of ``metric`` (a generic one for unknown names)."""
    return registry_metric(metric)


def format_value(value: float | None, decimals: int, *, sign: bool = False) -> str:
    """``value`` rounded to ``decimals`` places; an en dash for None.

    ``sign=True`` always shows the sign (``+3``, ``-0.2``); a value that rounds
    to zero is shown without one.
    """
    if value is None:
        return "-"
    text = f"{value:{'+' if sign else ''}.{decimals}f}"
    if sign and float(text) == 0:
        text = f"{0:.{decimals}f}"
    return text


def format_duration(seconds: float | None) -> str:
    """``h:mm:ss`` (or ``m:ss`` under an hour)."""
    if seconds is None:
        return "-"
    total = int(round(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _label(metric: str) -> Text:
    fmt = metric_format(metric)
    text = Text(fmt.label)
    if fmt.unit:
        text.append(f" ({fmt.unit})", style="dim")
    return text


def asymmetry_text(entry: Mapping[str, Any], metric: str) -> Text:
    """The asymmetry cell: the higher side named, then by how much.

    Percent when ``asymmetry_pct`` is defined, else the difference in the
    metric's unit; ``even`` when the difference does not show at the metric's
    display precision; ``-`` without both sides.
    """
    fmt = metric_format(metric)
    asym = entry.get("asymmetry_pct")
    diff = entry.get("left_minus_right")
    if diff is not None and float(format_value(abs(diff), fmt.decimals)) == 0:
        return Text("even", style="dim")  # no difference at the precision shown
    if asym is not None:
        amount, value, unit = abs(asym), asym, " %"
        decimals = 1
    elif diff is not None:
        amount, value, unit = abs(diff), diff, f" {fmt.unit}" if fmt.unit else ""
        decimals = fmt.decimals
    else:
        return Text("-", style="dim")
    shown = format_value(amount, decimals)
    if float(shown) == 0:
        return Text("even", style="dim")
    higher, style = ("left", LEFT_STYLE) if value > 0 else ("right", RIGHT_STYLE)
    text = Text(higher, style=style)
    text.append(f" +{shown}{unit}")
    return text


def _header(summary: Mapping[str, Any], source: str) -> Text:
    text = Text()
    text.append("footfall", style="bold")
    if source:
        text.append("  ")
        text.append(source)
    if summary.get("running_dynamics"):  # a watch's records (FIT): steps from the cadence
        steps = f"about {summary.get('n_steps', 0)} (cadence x time; no per-foot counts)"
    else:
        steps = (
            f"{summary.get('n_steps', 0)} (left {summary.get('n_steps_left', 0)}, "
            f"right {summary.get('n_steps_right', 0)})"
        )
    lines: list[list[tuple[str, str]]] = [
        [("Duration", format_duration(summary.get("duration_s"))), ("Steps", steps)],
        [],
    ]
    cadence = summary.get("cadence_spm")
    if cadence is not None:
        lines[1].append(("Cadence", f"{format_value(cadence, 0)} spm"))
    balance = summary.get("contact_balance_left_pct")
    if balance is not None:
        lines[1].append(("Contact time balance", f"{format_value(balance, 1)} % left"))
    for parts in lines:
        for i, (name, value) in enumerate(parts):
            text.append("   " if i else "\n")
            text.append(f"{name} ", style="dim")
            text.append(value, style="bold")
    return text


def metrics_table(
    metrics: Mapping[str, Mapping[str, Any]], title: str = "Per step, median"
) -> Table:
    """Per-side medians with asymmetry, one row per metric."""
    table = Table(
        box=box.SIMPLE_HEAD,
        title=title,
        title_justify="left",
        title_style="bold",
        pad_edge=False,
    )
    table.add_column("Metric", no_wrap=True)
    table.add_column("Left", justify="right", style=LEFT_STYLE)
    table.add_column("Right", justify="right", style=RIGHT_STYLE)
    table.add_column("Both", justify="right")
    table.add_column("Higher side", justify="left")
    table.add_column("Steps", justify="right", style="dim")
    for metric, entry in metrics.items():
        d = metric_format(metric).decimals
        table.add_row(
            _label(metric),
            format_value(entry.get("left"), d),
            format_value(entry.get("right"), d),
            format_value(entry.get("median"), d),
            asymmetry_text(entry, metric),
            str(entry.get("n", "")),
        )
    return table


def drift_table(drift: Mapping[str, Mapping[str, Any]]) -> Table:
    """First third -> last third of the run, change and slope per minute."""
    table = Table(
        box=box.SIMPLE_HEAD,
        title="Drift: first third -> last third of the run, median",
        title_justify="left",
        title_style="bold",
        pad_edge=False,
    )
    table.add_column("Metric", no_wrap=True)
    table.add_column("First 1/3", justify="right", no_wrap=True)
    table.add_column("Last 1/3", justify="right", no_wrap=True)
    table.add_column("Change", justify="right", no_wrap=True)
    table.add_column("Per min", justify="right", style="dim", no_wrap=True)
    for metric, entry in drift.items():
        d = metric_format(metric).decimals
        change = Text(format_value(entry.get("change"), d, sign=True))
        pct = entry.get("change_pct")
        if pct is not None and float(change.plain) != 0:  # a change that shows
            change.append(f" ({format_value(pct, 1, sign=True)} %)", style="dim")
        table.add_row(
            _label(metric),
            format_value(entry.get("first_third"), d),
            format_value(entry.get("last_third"), d),
            change,
            format_value(entry.get("per_minute"), d + 2, sign=True),
        )
    return table


def _strike_text(strike: Mapping[str, Mapping[str, Any]]) -> Text | None:
    sides = [(s, strike[s]) for s in ("left", "right") if s in strike]
    if not sides:
        return None
    text = Text("Foot strike", style="bold")
    for side, shares in sides:
        text.append("\n  ")
        text.append(f"{side:<5}", style=LEFT_STYLE if side == "left" else RIGHT_STYLE)
        ranked = sorted(
            ((p, v) for p, v in shares.items() if p != "n" and v), key=lambda pv: -pv[1]
        )
        text.append("  " + ", ".join(f"{p} {format_value(v, 0)} %" for p, v in ranked))
        text.append(f"  ({shares.get('n', 0)} steps)", style="dim")
    return text


def _bullets(title: str, lines: Iterable[str]) -> Text | None:
    lines = list(lines)
    if not lines:
        return None
    text = Text(title, style="bold")
    for line in lines:
        text.append("\n  - ")
        text.append(str(line))
    return text


SEVERITY_STYLES = {"high": "bold red", "moderate": "yellow", "low": "cyan", "info": "dim"}


def _findings_text(findings: Iterable[Mapping[str, Any]]) -> Text | None:
    """Findings, red flags on top: title, severity and confidence, evidence,
    why, what to try (simplest first) and sources. Moderate and high findings
    show everything; low ones their evidence and first suggestion."""
    findings = sorted(findings, key=lambda f: f.get("kind") != "red-flag")  # stable
    if not findings:
        return None
    text = Text("Findings", style="bold")
    text.append("  likely contributors, not a diagnosis", style="dim")
    for f in findings:
        red = f.get("kind") == "red-flag"
        severity = str(f.get("severity") or "")
        text.append("\n\n")
        if red:
            text.append(" SEE A PROFESSIONAL ", style="bold white on red")
            text.append(" ")
        text.append(
            str(f.get("title") or f.get("id", "finding")), style="bold red" if red else "bold"
        )
        tags = [
            f"{severity} severity" if severity else "",
            f"{f['confidence']} confidence" if f.get("confidence") else "",
            f"{f['side']} foot"
            if f.get("side") in ("left", "right")
            else ("both feet" if f.get("side") == "both" else ""),
            f"link: {f['evidence_strength']}" if f.get("evidence_strength") else "",
        ]
        tags = [t for t in tags if t]
        if tags:
            text.append(f"  ({', '.join(tags)})", style=SEVERITY_STYLES.get(severity, "dim"))
        if f.get("evidence"):
            text.append("\n  Evidence: ", style="dim")
            text.append(str(f["evidence"]))
        full = red or severity in ("moderate", "high")
        if full and f.get("explanation"):
            text.append("\n  Why: ", style="dim")
            text.append(str(f["explanation"]))
        suggestions = list(
            f.get("suggestions") or ([f["suggestion"]] if f.get("suggestion") else [])
        )
        if not full:
            suggestions = suggestions[:1]
        if suggestions:
            text.append("\n  Try:", style="dim")
            for i, s in enumerate(suggestions, 1):
                text.append(f"\n    {i}. {s}" if len(suggestions) > 1 else f" {s}")
        keys = f.get("source_keys") or []
        if full and keys:
            text.append(f"\n  Sources: {', '.join(map(str, keys))} (docs/sources.md)", style="dim")
    return text


def render_summary(
    summary: Mapping[str, Any],
    *,
    source: str = "",
    notes: Iterable[str] = (),
    console: Console | None = None,
) -> None:
    """Print a run summary (CONTRACTS.md section 3) and notes.

    Parameters
    ----------
    summary
        The dict from :func:`footfall.summary.summarize`.
    source
        Where the recording came from (shown in the header).
    notes
        Plain-language remarks about the analysis.
    console
        Where to print; default a new console on standard output.
    """
    console = console or make_console()
    parts: list[Any] = [_header(summary, source)]
    findings = _findings_text(summary.get("findings") or [])
    if findings is not None:  # first: what matters to the runner, red flags on top
        parts += [Text(), findings]
    if not summary.get("n_steps"):
        parts.append(Text("\nNo steps were found in this recording.", style="bold yellow"))
    metrics = summary.get("metrics") or {}
    if metrics:
        per = "Per record" if summary.get("running_dynamics") else "Per step"
        parts += [Text(), metrics_table(metrics, f"{per}, median")]
    strike = _strike_text(summary.get("strike_pattern") or {})
    if strike is not None:
        parts.append(strike)
    drift = summary.get("drift") or {}
    if drift:
        parts += [Text(), drift_table(drift)]
    by_reason: dict[str, list[str]] = {}  # one line per reason, naming its rules
    for n in summary.get("not_evaluated") or []:
        by_reason.setdefault(str(n.get("reason", "")), []).append(
            str(n.get("title") or n.get("id"))
        )
    skipped = [
        safe_text(f"{reason}: {'; '.join(titles)}", limit=2000)
        for reason, titles in by_reason.items()
    ]
    skipped_block = _bullets("Not checked from the sensors", skipped)
    if skipped_block is not None:
        parts += [Text(), skipped_block]
    notes_block = _bullets("Notes", notes)
    if notes_block is not None:
        parts += [Text(), notes_block]
    console.print(Group(*parts))


def render_analysis(analysis: Analysis, console: Console | None = None) -> None:
    """Print an :class:`~footfall.pipeline.Analysis`: header, per-side metrics,
    strike pattern, drift, findings and notes."""
    source = getattr(analysis.recording, "source", "") or ""
    render_summary(analysis.summary, source=source, notes=analysis.notes, console=console)


@contextlib.contextmanager
def progress_bar(
    first: str, verb: str, unit: str
) -> Iterator[Callable[[str, int, int], None] | None]:
    """A transient progress bar on standard error when it is a terminal
    (nothing when output is piped or redirected). Yields the callback that
    long operations take as ``progress(label, done, total)``, shown as
    "``verb`` label  done/total ``unit``", or None without a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} " + unit),
        TimeElapsedColumn(),
        console=make_console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(first, total=None)

        def update(label: str, done: int, total: int) -> None:
            bar.update(
                task, description=f"{verb} {safe_text(label, 40)}", completed=done, total=total
            )

        yield update


def make_console(*, stderr: bool = False) -> Console:
    """A console for footfall's output: no automatic number highlighting,
    colour only on a terminal."""
    return Console(stderr=stderr, highlight=False)
