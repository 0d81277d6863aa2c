"""``footfall compare A B``: what changed from run A to run B, and which
changes exceed the steps' variability (:mod:`footfall.history.compare`).

Only the standard library at import time: ``footfall --help`` builds this
parser.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from footfall.history.cli import HISTORY_HELP

__all__ = [
    "EPILOG",
    "add_parser",
    "comparison_for_report",
    "comparison_table",
    "load_run",
    "method_note",
    "real_change_lines",
    "real_changes_text",
    "run",
]


EPILOG = """\
examples:
  footfall compare 3 4
      session 3 against session 4 of the history (footfall history lists them)
  footfall compare runs/before runs/after --plot change.png
      two recording folders, analysed now, and a figure of the changes
  footfall compare #3 runs/today --json change.json
      a saved session against a new recording; the comparison as JSON

A run is a history id (3 or #3) or a recording folder or stream file. A
change "exceeds the variability" when its bootstrap interval (steps resampled
within each run; intervals adjusted for the number of metrics compared, so
that two runs of the same gait flag nothing in 95 % of comparisons) leaves
out zero. Only metrics both runs measure are compared; the others are listed.

exit codes: 0 done, 2 problem with the input or options, 1 internal error
"""

_ID = re.compile(r"#?(\d+)")


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``compare`` subcommand."""
    p = subparsers.add_parser(
        "compare",
        parents=list(parents or []),
        help="compare two runs (history ids or recordings): each metric's change",
        description="Compare run B with run A: each metric's median per foot and both feet, "
        "its change, and whether the change exceeds the step-to-step variability.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("a", metavar="A", help="the run before: a history id or a recording")
    p.add_argument("b", metavar="B", help="the run after: a history id or a recording")
    p.add_argument("--history", metavar="PATH", help=HISTORY_HELP)
    p.add_argument(
        "--plot", metavar="FILE", help="write a figure of the changes to a .png or .svg file"
    )
    p.add_argument(
        "--json",
        metavar="FILE",
        help="write the comparison as JSON ('-' for standard output, instead of the table)",
    )
    p.set_defaults(func=run)
    report = subparsers.choices.get("report")
    if report is not None:
        _extend_report(report)
    return p


def _extend_report(report: argparse.ArgumentParser) -> None:
    """``footfall report RUN --compare OTHER [--history PATH]``: the options,
    and the function that loads OTHER (:func:`comparison_for_report`)."""
    report.add_argument(
        "--compare",
        metavar="OTHER",
        help="add a comparison with an earlier run: a history id (3 or #3) or a recording "
        "folder or file, as footfall compare A B takes them (OTHER is A, RUN is B)",
    )
    report.add_argument("--history", metavar="PATH", help=HISTORY_HELP + "; for --compare ID")
    report.set_defaults(comparison_for=comparison_for_report)


def comparison_for_report(args: argparse.Namespace) -> Any:
    """For ``footfall report RUN --compare OTHER``: OTHER loaded now (a
    history id or a recording, checked before RUN's analysis, as
    :func:`load_run`), and a function of RUN's analysis that gives the
    :class:`~footfall.history.compare.Comparison` of OTHER (A) with RUN (B)."""
    other = load_run(args.compare, args.history, "--compare")

    def compare_with(analysis: Any) -> Any:
        from footfall.history.compare import compare_runs, run_from_analysis

        return compare_runs(other, run_from_analysis(analysis, args.path))

    return compare_with


def load_run(text: str, history_option: str | None, label: str) -> Any:
    """The :class:`~footfall.history.compare.Run` that ``text`` names: a
    recording (analysed now) or a history id. ``3`` is an id unless a file
    or folder of that name exists, which is then ambiguous; ``#3`` is
    always an id."""
    from footfall.errors import FootfallError
    from footfall.history.compare import Run, run_from_analysis

    match = _ID.fullmatch(text)
    path = Path(text)
    if match and (text.startswith("#") or not path.exists()):
        from footfall.history.cli import open_from_option
        from footfall.history.store import history_path

        where, _ = history_path(history_option)
        if not where.exists():
            raise FootfallError(
                f"{label} {text!r} is neither a file or folder nor a saved session: there is "
                "no history file yet",
                path=str(where),
                fix="give a recording folder, or save sessions first with "
                "footfall analyze RUN --save",
            )
        with open_from_option(history_option, create=False) as history:
            session = history.get(int(match.group(1)))
        if session.steps is None:
            raise FootfallError(
                f"session {session.id} has no per-step values to compare",
                path=str(where),
                fix=f"compare its recording instead: footfall compare {session.source} ...",
            )
        name = f"#{session.id}" + (f" {session.tag}" if session.tag else "")
        return Run(name, session.steps, session.summary)
    if match and path.exists():
        raise FootfallError(
            f"{label} {text!r} is both a history id and a file or folder here",
            fix=f"write #{match.group(1)} for the session, ./{text} for the file or folder",
        )
    if not path.exists():
        raise FootfallError(
            "no such recording folder or file, and not a history id",
            path=text,
            fix="give a recording folder, a stream file or a "
            "history id (footfall history lists them)",
        )
    from footfall import pipeline
    from footfall.report.terminal import progress_bar

    with progress_bar(f"reading {path.name}", "analysing", "streams") as progress:
        analysis = pipeline.analyze(path, progress=progress)
    return run_from_analysis(analysis, text)


def comparison_table(comparison: Any) -> Any:
    """The comparison as a rich table: one row per metric, both feet's
    medians, change and interval, and each foot's change; ``*`` marks a
    change beyond the variability."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from footfall.errors import safe_text
    from footfall.registry import metric
    from footfall.report.terminal import LEFT_STYLE, RIGHT_STYLE, format_value

    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        title_justify="left",
        title_style="bold",
        title=Text(
            f"Median per step, both feet: A = {safe_text(comparison.a, 80)}, "
            f"B = {safe_text(comparison.b, 80)}"
        ),
    )
    table.add_column("Metric", overflow="fold", min_width=12)
    table.add_column("A", justify="right", no_wrap=True)
    table.add_column("B", justify="right", no_wrap=True)
    table.add_column("B - A", justify="right", no_wrap=True)
    table.add_column("Interval", justify="right", no_wrap=True)
    table.add_column("Left", justify="right", style=LEFT_STYLE, no_wrap=True)
    table.add_column("Right", justify="right", style=RIGHT_STYLE, no_wrap=True)

    def change_text(c: Any, d: int) -> Text:
        if c is None or c.change is None:
            return Text("-", style="dim")
        text = Text(format_value(c.change, d, sign=True))
        text.append(" *" if c.real else "  ", style="bold")
        return text

    for name in dict.fromkeys(c.metric for c in comparison.changes):
        m = metric(name)
        d = m.decimals
        both = comparison.get(name, "both")
        label = Text(m.label)
        if m.unit:
            label.append(f" ({m.unit})", style="dim")
        interval = (
            f"{format_value(both.low, d, sign=True)} .. {format_value(both.high, d, sign=True)}"
            if both is not None and both.low is not None
            else "-"
        )
        table.add_row(
            label,
            format_value(both.median_a if both else None, d),
            format_value(both.median_b if both else None, d),
            change_text(both, d),
            interval,
            change_text(comparison.get(name, "left"), d),
            change_text(comparison.get(name, "right"), d),
        )
    return table


def real_change_lines(comparison: Any) -> list[tuple[str, str]]:
    """The changes beyond the variability (both feet), one per metric: the
    sentence (the change, in percent where it means something, higher or
    lower) and ``" (the direction of concern)"`` when it goes the way the
    registry marks as one, else ``""``."""
    from footfall.registry import metric
    from footfall.report.terminal import format_value

    lines = []
    for c in comparison.changes:
        if c.scope != "both" or not c.real:
            continue
        m = metric(c.metric)
        text = f"{m.label}: {format_value(c.change, m.decimals, sign=True)}" + (
            f" {m.unit}" if m.unit else ""
        )
        if c.change_pct is not None:
            text += f" ({format_value(c.change_pct, 1, sign=True)} %)"
        higher = (c.change or 0) > 0
        text += ", higher" if higher else ", lower"
        concern = m.higher_is_worse is not None and higher == m.higher_is_worse
        lines.append((text, " (the direction of concern)" if concern else ""))
    return lines


def real_changes_text(comparison: Any) -> Any:
    """:func:`real_change_lines` as rich text under a heading; None when no
    change exceeds the variability."""
    from rich.text import Text

    lines = real_change_lines(comparison)
    if not lines:
        return None
    text = Text(f"Beyond {comparison.variability}", style="bold")
    for sentence, concern in lines:
        text.append("\n  - ")
        text.append(sentence)
        if concern:
            text.append(concern, style="yellow")
    return text


def method_note(comparison: Any) -> str:
    """How many metrics changed beyond the variability, and how the
    intervals were made."""
    n_intervals = sum(c.real is not None for c in comparison.changes)
    n_real = len([c for c in comparison.changes if c.scope == "both" and c.real])
    minutes = comparison.unit == "minute"
    resampled = (
        "per-minute medians resampled within each run (a watch's records are averages, not steps)"
        if minutes
        else "steps resampled within each run"
    )
    return (
        f"{n_real} of {len({c.metric for c in comparison.changes})} metrics changed by "
        f"more than {comparison.variability} explains (both feet; * marks a change beyond "
        f"it, for each foot too). Intervals: bootstrap of the difference of medians, "
        f"{resampled} ({comparison.n_boot} resamples, seed "
        f"{comparison.seed}); 95 % simultaneous over the {n_intervals} intervals "
        f"computed (each at {100 * comparison.level:.2f} %)."
    )


def run(args: argparse.Namespace) -> int:
    """``footfall compare A B``."""
    from rich.console import Group
    from rich.text import Text

    from footfall.errors import FootfallError
    from footfall.history.cli import check_figure_path, save_figure
    from footfall.history.compare import compare_runs
    from footfall.registry import metric
    from footfall.report.terminal import make_console

    if args.plot is not None:
        check_figure_path(args.plot)
    if args.json is not None and args.json != "-":
        target = Path(args.json)
        if target.is_dir() or not (target.parent if str(target.parent) else Path(".")).is_dir():
            raise FootfallError(
                "cannot write the JSON here (a folder, or a missing folder)",
                path=args.json,
                fix="give --json a file in an existing folder",
            )
    run_a = load_run(args.a, args.history, "A")
    run_b = load_run(args.b, args.history, "B")
    comparison = compare_runs(run_a, run_b)
    if args.json is not None:
        text = json.dumps(comparison.to_dict(), indent=2, allow_nan=False) + "\n"
        if args.json == "-":
            import sys

            sys.stdout.write(text)
        else:
            from footfall.io.atomic import atomic_write_text

            try:
                atomic_write_text(args.json, text)
            except OSError as e:
                raise FootfallError(
                    f"cannot write --json output: {e.strerror or e}",
                    path=args.json,
                    fix="free disk space or choose a folder you may write to",
                ) from e
    if args.plot is not None:
        from footfall.history.figures import comparison_figure
        from footfall.report.figures import save

        save_figure(save, comparison_figure(comparison), args.plot)
    if args.json == "-":
        return 0
    console = make_console()
    parts: list[Any] = []
    if comparison.changes:
        parts.append(comparison_table(comparison))
        real = real_changes_text(comparison)
        if real is not None:
            parts.append(real)
        parts.append(Text(method_note(comparison), style="dim"))
    else:
        parts.append(Text("No metric is measured in both runs.", style="bold yellow"))
    for which, only in (("A", comparison.only_a), ("B", comparison.only_b)):
        if only:
            parts.append(Text(f"Only in {which}: " + ", ".join(metric(m).label for m in only)))
    if args.plot is not None:
        parts.append(Text(f"Wrote figure: {args.plot}", style="dim"))
    console.print(Group(*parts))
    return 0
