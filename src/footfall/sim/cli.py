"""The ``footfall simulate`` subcommand: argument parser and runner.

``footfall.cli`` wires it with ``add_parser(subparsers)``; the parser's
default ``func`` is :func:`run`, which returns the exit code (0 done, 2 user
error with a message on stderr).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from footfall.sim.core import SENSORS, simulate
from footfall.sim.params import PROFILES, SCENARIOS, scenario_names
from footfall.sim.sensors import MOUNTINGS

EPILOG = """examples:
  footfall simulate --scenario easy-run --minutes 5 -o runs/easy
  footfall simulate --scenario overpronator-treadmill --minutes 30 --seed 7 -o runs/op
  footfall simulate --scenario one-sided --sensors foot insole --profile field -o runs/os
  footfall simulate --list
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``simulate`` subcommand to a ``subparsers`` object."""
    p = subparsers.add_parser(
        "simulate",
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
    p.add_argument("--scenario", "-s", default="easy-run", metavar="NAME",
                   help="scenario name (default easy-run; --list shows all)")
    p.add_argument("--minutes", "-m", type=float, default=5.0, help="length (default 5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("-o", "--out", type=Path, help="recording folder to write")
    p.add_argument("--profile", default="typical", choices=sorted(PROFILES),
                   help="sensor imperfections (default typical)")
    p.add_argument("--sensors", nargs="+", default=list(SENSORS), choices=SENSORS,
                   help="sensors per side (default: foot shank insole)")
    p.add_argument("--mounting", choices=MOUNTINGS, help="foot IMU mounting")
    p.add_argument("--format", dest="fmt", default="csv", choices=("csv", "parquet"),
                   help="stream file format (default csv)")
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; returns the exit code."""
    if args.list:
        width = max(len(n) for n in scenario_names(base_only=True))
        for n in scenario_names(base_only=True):
            print(f"{n:<{width}}  {SCENARIOS[n].description}")
        print("\nEvery scenario also exists as NAME-treadmill and NAME-overground.")
        return 0
    if args.scenario not in SCENARIOS:
        print(f"footfall simulate: unknown scenario {args.scenario!r}. "
              f"Known: {', '.join(scenario_names(base_only=True))} "
              "(each also as NAME-treadmill / NAME-overground).", file=sys.stderr)
        return 2
    if args.out is None:
        print("footfall simulate: give the folder to write with -o DIR.", file=sys.stderr)
        return 2
    if not args.minutes > 0:
        print("footfall simulate: --minutes must be positive.", file=sys.stderr)
        return 2
    if args.out.exists() and not args.out.is_dir():
        print(f"footfall simulate: {args.out} exists and is not a folder.", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    rec, truth = simulate(args.scenario, args.minutes, args.seed, args.out,
                          profile=args.profile, sensors=tuple(args.sensors),
                          mounting=args.mounting, fmt=args.fmt)
    dt = time.perf_counter() - t0
    print(f"wrote {args.out}: {len(rec.streams)} streams, {rec.duration_s / 60:.1f} min, "
          f"{len(truth)} contacts in truth_steps.csv ({dt:.1f} s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point: ``python -m footfall.sim.cli ...``."""
    p = argparse.ArgumentParser(prog="footfall simulate", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    configure_parser(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
