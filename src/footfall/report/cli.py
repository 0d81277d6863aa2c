"""The ``footfall report`` and ``footfall plot`` subcommands.

``footfall.cli`` wires them with ``add_parser(subparsers, parents)``. Only the
standard library is imported here at import time (``footfall --help`` builds
these parsers); the analysis, matplotlib and Jinja2 are imported when a
command runs. Each command checks its output path before the analysis, never
replaces one of the recording's own files, and writes atomically.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

__all__ = [
    "PLOT_EPILOG",
    "REPORT_EPILOG",
    "add_parser",
    "check_output",
    "check_plot_folder",
    "figure_name",
    "run_plot",
    "run_report",
    "write_plots",
]


REPORT_EPILOG = """examples:
  footfall report runs/easy -o easy.html
      one HTML file: summary, findings, figures, steps table, data quality
  footfall report runs/easy -o easy.html --symptoms symptoms.toml --athlete "Sam"
      findings that use your symptoms (footfall symptoms -o FILE), a name on the page
  footfall report runs/long -o long.html --no-steps
      without the steps table: a small file to e-mail
  footfall report runs/today -o today.html --compare 3
      and what changed since session 3 of the history (footfall history lists them)
  footfall report runs/after -o after.html --compare runs/before
      and what changed since an earlier recording

exit codes: 0 done, 2 problem with the input or options, 1 internal error
"""

PLOT_EPILOG = """examples:
  footfall plot runs/easy --what stance -o stance.png
  footfall plot runs/easy --what series --symptoms symptoms.toml -o series.svg
  footfall plot runs/easy --what list
      the figures' names

exit codes: 0 done, 2 problem with the input or options, 1 internal error
"""


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``report`` and ``plot`` subcommands; returns ``report``'s parser."""
    p = subparsers.add_parser(
        "report",
        parents=list(parents or []),
        help="write the coach's report: one self-contained HTML file",
        description="Analyse a recording and write one self-contained HTML file (figures,\n"
        "stylesheet and steps table inside it; nothing is loaded from elsewhere):\n"
        "summary, findings with evidence and suggestions (red flags first),\n"
        "figures, the steps table as a download (steps.csv in a ZIP), the\n"
        "recording's metadata and data quality.",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="RUN", help="recording folder (with recording.json)")
    p.add_argument(
        "-o", "--out", required=True, metavar="FILE", help="HTML file to write (e.g. report.html)"
    )
    _common(p)
    p.add_argument(
        "--athlete",
        metavar="NAME",
        help="name shown on the report (default: the recording's athlete)",
    )
    p.add_argument(
        "--no-steps",
        dest="steps",
        action="store_false",
        help="leave the steps table (steps.zip download) out: a smaller file for a long run",
    )
    # --compare OTHER and --history PATH are added by footfall.history.compare_cli,
    # with the function that loads OTHER (args.comparison_for): the history
    # builds on the report, not the other way round
    p.set_defaults(func=run_report)

    q = subparsers.add_parser(
        "plot",
        parents=list(parents or []),
        help="write one figure of a recording as PNG or SVG",
        description="Analyse a recording and write one of the report's figures.",
        epilog=PLOT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    q.add_argument("path", metavar="RUN", help="recording folder (with recording.json)")
    q.add_argument(
        "--what", required=True, metavar="NAME", help="which figure ('--what list' shows the names)"
    )
    q.add_argument(
        "-o",
        "--out",
        metavar="FILE",
        help="file to write, .png or .svg (required unless --what list)",
    )
    _common(q)
    q.add_argument("--dpi", type=float, metavar="N", help="PNG resolution (default 150)")
    q.set_defaults(func=run_plot)
    return p


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--symptoms",
        metavar="FILE",
        help="your symptom profile (.toml or .json, from footfall symptoms): "
        "findings use it, figures mark its onset",
    )
    p.add_argument(
        "--rules",
        metavar="FILE",
        help="override rule thresholds with this TOML file (see docs/rules.md)",
    )


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------


def check_output(target: str, option: str, inputs: Path) -> None:
    """Raise FootfallError before any analysis when ``target`` cannot be
    written (:func:`footfall.io.atomic.check_output`)."""
    from footfall.io.atomic import check_output as check

    check(target, option, inputs, example="report.html")


def _check_input(path: Path, given: str) -> None:
    from footfall.errors import FootfallError

    if not path.exists():
        raise FootfallError(
            "no such file or folder",
            path=given,
            fix="give a recording folder (with recording.json)",
        )


def _analyze(args: argparse.Namespace, path: Path) -> tuple[Any, Any]:
    """The analysis of ``path`` with the symptoms and rules of ``args``; and
    the symptom profile (None without one)."""
    from footfall import pipeline
    from footfall.report.terminal import progress_bar
    from footfall.rules.ruleset import load_rules
    from footfall.rules.symptoms import load_symptoms

    symptoms = load_symptoms(args.symptoms) if args.symptoms else None
    ruleset = load_rules(overrides=args.rules)
    with progress_bar(f"reading {path.name}", "analysing", "streams") as progress:
        analysis = pipeline.analyze(path, symptoms=symptoms, rules=ruleset, progress=progress)
    return analysis, symptoms


def _write_error(target: str, option: str, e: OSError) -> Exception:
    from footfall.errors import FootfallError

    return FootfallError(
        f"cannot write {option} output: {e.strerror or e}; any earlier "
        "file of that name is unchanged",
        path=target,
        fix="free disk space or choose a folder you may write to",
    )


# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------


def run_report(args: argparse.Namespace) -> int:
    """``footfall report RUN -o FILE``."""
    path = Path(args.path)
    _check_input(path, args.path)
    check_output(args.out, "-o", path)
    compare_with = None
    if getattr(args, "compare", None) is not None:
        # OTHER loaded (and checked) before the long analysis; gives the
        # comparison of OTHER with this run's analysis
        compare_with = args.comparison_for(args)
    analysis, symptoms = _analyze(args, path)
    from footfall.report.html import write_report

    comparison = compare_with(analysis) if compare_with is not None else None
    try:
        write_report(
            analysis,
            args.out,
            symptoms=symptoms,
            athlete=args.athlete,
            steps=args.steps,
            comparison=comparison,
        )
    except OSError as e:
        raise _write_error(args.out, "-o", e) from e
    red = sum(1 for f in analysis.findings if f.is_red_flag)
    print(
        f"Wrote report: {args.out} ({len(analysis.findings)} findings"
        + (f", {red} red flag(s): see a professional" if red else "")
        + (
            f"; compared with {comparison.a}: "
            f"{len([c for c in comparison.changes if c.scope == 'both' and c.real])} "
            f"change(s) beyond {comparison.variability}"
            if comparison is not None
            else ""
        )
        + ")"
    )
    return 0


def figure_name(name: str) -> str:
    """``name`` when it is a figure of :data:`footfall.report.figures.FIGURES`;
    FootfallError listing the names otherwise."""
    from footfall.errors import FootfallError
    from footfall.report.figures import FIGURES

    if name not in FIGURES:
        raise FootfallError(
            f"--what {name!r}: no such figure", fix=f"choose one of: {', '.join(FIGURES)}"
        )
    return name


def run_plot(args: argparse.Namespace) -> int:
    """``footfall plot RUN --what NAME -o FILE``."""
    from footfall.errors import FootfallError

    if args.what == "list":
        from footfall.report.figures import FIGURES

        for name, func in FIGURES.items():
            first = " ".join((func.__doc__ or "").strip().split("\n\n")[0].split())
            first = re.sub(r"\s*\(:\w+:`[^`]*`\)", "", first)
            print(f"{name:<14} {first.split('. ')[0].rstrip('.')}")
        return 0
    name = figure_name(args.what)
    if not args.out:
        raise FootfallError("plot needs an output file", fix="add -o FILE.png or -o FILE.svg")
    suffix = Path(args.out).suffix.lower()
    if suffix not in (".png", ".svg"):
        raise FootfallError(
            f"a figure is written as .png or .svg, not {suffix or 'a file without a suffix'!r}",
            path=args.out,
            fix="end the -o file name with .png or .svg",
        )
    if args.dpi is not None and not 10 <= args.dpi <= 1200:
        raise FootfallError(
            f"--dpi {args.dpi:g}: out of range", fix="give a resolution between 10 and 1200"
        )
    path = Path(args.path)
    _check_input(path, args.path)
    check_output(args.out, "-o", path)
    analysis, symptoms = _analyze(args, path)
    from footfall.report.figures import make, missing, save

    fig = make(name, analysis, findings=analysis.findings, symptoms=symptoms)
    try:
        save(fig, args.out, dpi=args.dpi)
    except OSError as e:
        raise _write_error(args.out, "-o", e) from e
    lacks = sorted(set(missing(fig)))
    print(f"Wrote figure {name}: {args.out}")
    if lacks:
        print(f"  not in this recording: {'; '.join(lacks)}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------
# footfall analyze --plot DIR
# --------------------------------------------------------------------------


def check_plot_folder(target: str, option: str, inputs: Path) -> None:
    """Raise FootfallError before the analysis when the figures cannot go to
    folder ``target``: a file of that name, a missing parent folder, or a
    figure's file name that is one of the inputs."""
    from footfall.errors import FootfallError
    from footfall.report.figures import FIGURES

    folder = Path(target)
    if folder.exists() and not folder.is_dir():
        raise FootfallError(
            "is a file, not a folder",
            path=target,
            fix=f"give {option} a folder for the figures (made when missing)",
        )
    parent = folder.parent if str(folder.parent) else Path(".")
    if not folder.exists() and not parent.is_dir():
        raise FootfallError(
            f"folder {str(parent)!r} does not exist",
            path=target,
            fix=f"create it first or give {option} another folder",
        )
    if folder.is_dir():
        for name in FIGURES:
            check_output(str(folder / f"{name}.png"), option, inputs)


def write_plots(
    analysis: Any, target: str, option: str, *, symptoms: Any = None, suffix: str = ".png"
) -> str:
    """Write every figure of :data:`~footfall.report.figures.FIGURES` as
    ``target/NAME.png`` (each atomically; the folder is made when missing);
    returns the line saying what was written."""
    from footfall.report.figures import FIGURES, make, missing, save

    folder = Path(target)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as e:
        raise _write_error(target, option, e) from e
    empty = []
    for name in FIGURES:
        fig = make(name, analysis, findings=analysis.findings, symptoms=symptoms)
        dest = folder / f"{name}{suffix}"
        try:
            save(fig, dest)
        except OSError as e:
            raise _write_error(str(dest), option, e) from e
        if missing(fig):
            empty.append(name)
        del fig
    line = f"{len(FIGURES)} figures: {folder}"
    if empty:
        line += f" (with panels this recording has no data for: {', '.join(empty)})"
    return line
