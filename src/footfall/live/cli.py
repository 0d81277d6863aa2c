"""``footfall live``: capture from boards (or a replayed recording), record
crash-safely and show cadence, contact time, balance and flags while running.

Only the standard library is imported here; the session, the analyser and
rich are imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = [
    "EPILOG",
    "MOUNT_HELP",
    "add_parser",
    "run",
]


EPILOG = """examples:
  footfall live --serial /dev/ttyACM0 --serial /dev/ttyACM1 -o runs/tuesday
      two boards (one per foot); the view runs until Ctrl-C
  footfall live --ble ff-left-foot --ble ff-right-foot -o runs/wireless
      two Bluetooth sensors by name (footfall devices --ble lists them)
  footfall live --serial /dev/ttyACM0 -o runs/tm --target-cadence 172 --metronome
      show the cadence against a target and beat it
  footfall live --replay runs/easy -o runs/easy-live --speed 10 --no-view
      play a recording as if live, ten times faster, one status line every 5 s
  footfall live --serial /dev/ttyACM0 -o runs/lab --lsl
      and publish each device and the steps to Lab Streaming Layer

The capture folder gets the raw log (capture.fflog, crash-safe), the recording
(recording.json + streams) when the session stops, live_steps.csv and
live_summary.json. After a crash, footfall recover DIR rebuilds the recording.

exit codes: 0 done, 2 problem with the input or options, 1 internal error
"""


MOUNT_HELP = (
    "how the foot sensors sit on the shoe, when square on it: laces, lateral, "
    "medial, heel, or toes=+x (the sensor axis pointing to the toes); default: "
    "found from the data (docs/coordinate-frames.md)"
)
"""The help of ``--mount`` (``footfall live`` and ``footfall analyze``)."""


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``live`` subcommand."""
    p = subparsers.add_parser(
        "live",
        parents=list(parents or []),
        help="live capture with a treadmill view: cadence, contact time, balance, flags",
        description="Capture from one or more serial boards (or replay a recording as live),\n"
        "record crash-safely, and show cadence, contact time, left/right balance,\n"
        "flags and data quality while running.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--serial",
        action="append",
        default=[],
        metavar="PORT",
        help="serial port of a board (repeat for several)",
    )
    p.add_argument(
        "--ble",
        action="append",
        default=[],
        metavar="NAME_OR_ADDRESS",
        help="Bluetooth LE sensor by name or address (repeat for several; mixes with --serial)",
    )
    p.add_argument("--replay", metavar="DIR", help="play a recording folder as if live")
    p.add_argument(
        "--lsl-in",
        action="append",
        default=[],
        metavar="NAME",
        help="read a Lab Streaming Layer stream by name (repeat for several; footfall[lsl])",
    )
    p.add_argument(
        "--lsl",
        action="store_true",
        help="publish each device and the steps as Lab Streaming Layer outlets (footfall[lsl])",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="replay speed: 1 real time (default), 10 ten times faster, 0 as fast as possible",
    )
    p.add_argument("-o", "--out", metavar="DIR", help="capture folder to write (new)")
    p.add_argument(
        "--target-cadence",
        type=float,
        metavar="SPM",
        help="cadence to aim for, steps/min (shown against the measured one)",
    )
    p.add_argument(
        "--metronome",
        action="store_true",
        help="beat the target cadence (audio click if available, else the terminal bell)",
    )
    p.add_argument(
        "--no-view",
        dest="view",
        action="store_false",
        help="no full-screen view: print one status line every --every seconds",
    )
    p.add_argument(
        "--every",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between status lines with --no-view (default 5)",
    )
    p.add_argument(
        "--duration",
        type=float,
        metavar="S",
        help="stop after this many seconds (default: until Ctrl-C or the replay ends)",
    )
    p.add_argument(
        "--belt-speed",
        type=float,
        metavar="MPS",
        help="treadmill belt speed, m/s (stride length = belt speed x stride time)",
    )
    p.add_argument("--rules", metavar="FILE", help="rules override file for the flag thresholds")
    p.add_argument(
        "--symptoms",
        metavar="FILE",
        help="your symptom profile (.toml or .json, from footfall symptoms): "
        "the flags weigh it as footfall analyze does",
    )
    p.add_argument("--mount", metavar="NAME", help=MOUNT_HELP)
    p.set_defaults(func=run)
    return p


def _check(args: argparse.Namespace) -> None:
    from footfall.errors import FootfallError

    if not args.serial and not args.ble and not args.replay and not args.lsl_in:
        raise FootfallError(
            "no source to capture from",
            fix="give --serial PORT or --ble NAME (once per board), --lsl-in NAME or --replay DIR",
        )
    if (args.serial or args.lsl_in) and args.replay:
        raise FootfallError(
            "--serial and --replay cannot be mixed in one session",
            fix="capture from boards, or replay a recording, not both",
        )
    if args.ble and args.replay:
        raise FootfallError(
            "--ble and --replay cannot be mixed in one session",
            fix="capture from sensors, or replay a recording, not both",
        )
    if args.out is None:
        raise FootfallError("no capture folder", fix="give the folder to write with -o DIR")
    from footfall.model import check_mount_option

    check_mount_option(args.mount)
    if args.replay and not Path(args.replay).exists():
        raise FootfallError(
            "no such recording folder",
            path=args.replay,
            fix="give --replay a recording folder (with recording.json)",
        )
    for name, value in (("--speed", args.speed), ("--every", args.every)):
        if not value >= 0 or value == float("inf"):
            raise FootfallError(f"{name} must be zero or a positive number, got {value}")
    if args.every == 0:
        raise FootfallError("--every must be positive", fix="e.g. --every 5")
    if args.target_cadence is not None and not 60 <= args.target_cadence <= 260:
        raise FootfallError(
            f"--target-cadence {args.target_cadence:g} is not a running cadence",
            fix="give steps per minute, e.g. --target-cadence 170",
        )
    if args.metronome and args.target_cadence is None:
        raise FootfallError(
            "--metronome needs a target cadence",
            fix="add --target-cadence SPM, e.g. your cadence + 5 %",
        )
    for name, value in (("--duration", args.duration), ("--belt-speed", args.belt_speed)):
        if value is not None and not value > 0:
            raise FootfallError(f"{name} must be positive, got {value}")


def _ble(targets: list[str], t0: float) -> list:
    """One BLE source per ``--ble`` sensor, on the session's time axis."""
    if not targets:
        return []
    from footfall.devices.ble_source import BleSource

    return [BleSource(t, session_start=t0) for t in targets]


def run(args: argparse.Namespace) -> int:
    """Run the live session; returns the exit code."""
    _check(args)
    import time

    from footfall.devices.base import Source
    from footfall.live.session import LiveSession, MergedSource
    from footfall.live.view import render, status_line
    from footfall.stream import StreamingAnalyzer

    rules = None
    if args.rules:
        from footfall.rules.ruleset import load_rules

        rules = load_rules(overrides=args.rules)
    meta: dict = {}
    source: Source
    if args.replay:
        from footfall.devices.replay import ReplaySource

        source = ReplaySource(args.replay, speed=args.speed or None)
        cond = dict(source.recording.meta.get("condition") or {})
        if args.belt_speed:
            cond.update(surface="treadmill", speed_mps=args.belt_speed)
        if cond:
            meta["condition"] = cond
        belt = cond.get("speed_mps") if cond.get("surface") == "treadmill" else None
    else:
        from footfall.devices.serial_source import SerialSource

        t0 = time.monotonic()
        sources: list[Source] = [SerialSource(p, session_start=t0) for p in args.serial] + _ble(
            args.ble, t0
        )
        if args.lsl_in:
            from footfall.live.lsl import LslSource

            sources.append(LslSource(args.lsl_in, session_start=t0))
        source = MergedSource(sources)
        belt = args.belt_speed
        if belt:
            meta["condition"] = {"surface": "treadmill", "speed_mps": belt}
    symptoms = None
    if args.symptoms:
        from footfall.rules.symptoms import load_symptoms

        symptoms = load_symptoms(args.symptoms)
    analyzer = StreamingAnalyzer(belt_speed_mps=belt, rules=rules, symptoms=symptoms)
    outlets = None
    if args.lsl:
        from footfall.live.lsl import LslOutlets

        outlets = LslOutlets()
    session = LiveSession(
        source, args.out, analyzer=analyzer, meta=meta, mount=args.mount, outlets=outlets
    )

    metronome = None
    if args.metronome:
        from footfall.live.metronome import Metronome

        metronome = Metronome(args.target_cadence)
        metronome.start()
    mdesc = None
    if metronome is not None:
        mdesc = f"{metronome.bpm:.0f} bpm, {metronome.backend}" + (
            f" ({metronome.note})" if metronome.note and metronome.backend == "silent" else ""
        )
    from functools import partial

    from footfall.report.terminal import progress_bar

    # the final build of the recording: a bar on a terminal only (standard
    # error), drawn after the view has closed
    build_progress = partial(progress_bar, "writing the recording", "writing", "devices")

    try:
        if args.view and sys.stdout.isatty():
            from rich.live import Live

            with Live(
                render({}, args.target_cadence, mdesc), refresh_per_second=4, screen=False
            ) as live:

                def view(snap: dict) -> None:
                    live.update(render(snap, args.target_cadence, mdesc))

                def stopped(snap: dict) -> None:
                    view(snap)  # the final values stay on screen
                    live.stop()

                result = session.run(
                    duration_s=args.duration,
                    on_tick=view,
                    on_stop=stopped,
                    build_progress=build_progress,
                )
        else:

            def tick(snap: dict) -> None:
                print(status_line(snap, args.target_cadence), flush=True)

            result = session.run(
                duration_s=args.duration,
                tick_s=args.every,
                on_tick=tick,
                on_stop=tick,
                build_progress=build_progress,
            )
    finally:
        if metronome is not None:
            metronome.stop()
    print(
        f"recorded {result.recording}: {result.n_steps} steps; live steps in "
        f"{result.steps_csv}, summary in {result.summary_json}",
        flush=True,
    )
    return 0
