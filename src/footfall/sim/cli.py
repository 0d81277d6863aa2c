"""The ``footfall simulate`` subcommand: argument parser and runner.

``footfall.cli`` wires it with ``add_parser(subparsers)``; the parser's
default ``func`` is :func:`run`, which returns 0 when done and raises
:class:`~footfall.errors.FootfallError` for a user error (the CLI prints it
and exits with 2).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

__all__ = [
    "EPILOG",
    "SENSOR_NAMES",
    "add_parser",
    "configure_parser",
    "run",
]


# Only the standard library at import time: ``footfall --help`` builds this
# parser, and the simulator itself (pandas, the gait model) costs a second to
# import. Names are checked in :func:`run` against the simulator's own lists.
SENSOR_NAMES = ("foot", "shank", "insole")
"""Sensors per side; the same names as :data:`footfall.sim.core.SENSORS`."""

EPILOG = """examples:
  footfall simulate --scenario easy-run --minutes 5 -o runs/easy
  footfall simulate --scenario overpronator-treadmill --minutes 30 --seed 7 -o runs/op
  footfall simulate --scenario one-sided --sensors foot insole --profile field -o runs/os
  footfall simulate --list
"""


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``simulate`` subcommand to a ``subparsers`` object."""
    p = subparsers.add_parser(
        "simulate",
        parents=list(parents or []),
        help="write a synthetic recording with known truth (virtual runner)",
        description="Simulate a run: foot and shank IMUs and pressure insoles, written as a "
        "recording folder plus truth_steps.csv (the steps table of the truth).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configure_parser(p)
    return p


def configure_parser(p: argparse.ArgumentParser) -> None:
    """Add the ``simulate`` options to a parser."""
    p.add_argument(
        "--scenario",
        "-s",
        default="easy-run",
        metavar="NAME",
        help="scenario name (default easy-run; --list shows all)",
    )
    p.add_argument("--minutes", "-m", type=float, default=5.0, help="length (default 5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("-o", "--out", type=Path, help="recording folder to write")
    p.add_argument(
        "--force", action="store_true", help="replace a recording already in the -o folder"
    )
    p.add_argument(
        "--profile",
        default="typical",
        metavar="NAME",
        help="sensor imperfections: ideal, typical or field (default typical)",
    )
    p.add_argument(
        "--sensors",
        nargs="+",
        default=list(SENSOR_NAMES),
        choices=SENSOR_NAMES,
        help="sensors per side (default: foot shank insole)",
    )
    p.add_argument(
        "--mounting",
        metavar="NAME",
        help="foot IMU mounting (default: a different one per side; see docs/simulation.md)",
    )
    p.add_argument(
        "--format",
        dest="fmt",
        default="csv",
        choices=("csv", "parquet"),
        help="stream file format (default csv)",
    )
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; returns the exit code."""
    from footfall.errors import FootfallError
    from footfall.sim.core import simulate
    from footfall.sim.params import PROFILES, SCENARIOS, scenario_names
    from footfall.sim.sensors import MOUNTINGS

    if args.list:
        width = max(len(n) for n in scenario_names(base_only=True))
        for n in scenario_names(base_only=True):
            print(f"{n:<{width}}  {SCENARIOS[n].description}")
        print("\nEvery scenario also exists as NAME-treadmill and NAME-overground.")
        return 0
    if args.scenario not in SCENARIOS:
        raise FootfallError(
            f"unknown scenario {args.scenario!r}",
            fix=f"use one of {', '.join(scenario_names(base_only=True))} "
            "(each also as NAME-treadmill or NAME-overground); "
            "footfall simulate --list describes them",
        )
    if args.profile not in PROFILES:
        raise FootfallError(
            f"unknown sensor profile {args.profile!r}",
            fix=f"use one of {', '.join(sorted(PROFILES))}",
        )
    if args.mounting is not None and args.mounting not in MOUNTINGS:
        raise FootfallError(
            f"unknown mounting {args.mounting!r}", fix=f"use one of {', '.join(MOUNTINGS)}"
        )
    if args.out is None:
        raise FootfallError("no output folder", fix="give the folder to write with -o DIR")
    if not args.minutes > 0:
        raise FootfallError(
            f"--minutes must be positive, got {args.minutes}", fix="e.g. --minutes 5"
        )
    if args.out.exists() and not args.out.is_dir():
        raise FootfallError(
            "exists and is not a folder", path=str(args.out), fix="give -o a new or existing folder"
        )
    if (args.out / "recording.json").exists() and not args.force:
        raise FootfallError(
            "already holds a recording (recording.json)",
            path=str(args.out),
            fix="give -o a new folder, or pass --force to replace it",
        )
    t0 = time.perf_counter()
    from footfall.report.terminal import progress_bar

    with progress_bar("planning the run", "simulating", "stages") as progress:
        rec, truth = simulate(
            args.scenario,
            args.minutes,
            args.seed,
            args.out,
            profile=args.profile,
            sensors=tuple(args.sensors),
            mounting=args.mounting,
            fmt=args.fmt,
            progress=progress,
        )
    dt = time.perf_counter() - t0
    print(
        f"wrote {args.out}: {len(rec.streams)} streams, {rec.duration_s / 60:.1f} min, "
        f"{len(truth)} contacts in truth_steps.csv ({dt:.1f} s)"
    )
    return 0
