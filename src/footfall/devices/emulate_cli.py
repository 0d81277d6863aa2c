"""``footfall emulate --serial``: a simulated runner's sensors on a pseudo-terminal."""

from __future__ import annotations

import argparse

__all__ = [
    "EPILOG",
    "add_parser",
    "run",
]


EPILOG = """examples:
  footfall emulate --serial
      easy run, foot IMUs at 400 Hz and insoles at 100 Hz, real time; prints the port
  footfall emulate --serial --scenario overpronator-treadmill --rate 4 --minutes 10
  footfall emulate --serial --corrupt 0.01 --disconnect-at 30 --disconnect-for 2
"""


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``emulate`` subcommand."""
    p = subparsers.add_parser(
        "emulate",
        parents=list(parents or []),
        help="emulate sensor boards on a serial pseudo-terminal (no hardware needed)",
        description="Stream a simulated run through a pseudo-terminal in the footfall wire "
        "protocol,\nexactly as a board on USB would; prints the port to open.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--serial",
        action="store_true",
        required=True,
        help="emulate a USB serial board (the only transport so far)",
    )
    p.add_argument(
        "--scenario",
        "-s",
        default="easy-run",
        metavar="NAME",
        help="virtual runner scenario (footfall simulate --list)",
    )
    p.add_argument("--minutes", "-m", type=float, default=5.0, help="length (default 5)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--rate",
        type=float,
        default=1.0,
        help="speed: 1 = real time (default), 10 = ten times faster",
    )
    p.add_argument("--imu-hz", type=float, default=400.0, help="IMU rate (default 400)")
    p.add_argument("--insole-hz", type=float, default=100.0, help="insole rate (default 100)")
    p.add_argument(
        "--sensors",
        nargs="+",
        default=["foot", "insole"],
        choices=("foot", "shank", "insole"),
        help="sensors per side",
    )
    p.add_argument(
        "--corrupt",
        type=float,
        default=0.0,
        metavar="P",
        help="probability that a frame gets a byte changed (default 0)",
    )
    p.add_argument(
        "--disconnect-at",
        type=float,
        action="append",
        default=[],
        metavar="S",
        help="pull the cable at this many seconds (repeatable)",
    )
    p.add_argument(
        "--disconnect-for",
        type=float,
        default=1.0,
        metavar="S",
        help="how long the cable stays out (default 1 s)",
    )
    p.add_argument("--link", metavar="PATH", help="stable path to create for the port")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the emulator until the run ends or Ctrl-C; returns the exit code."""
    import dataclasses

    from footfall.devices.emulator import Emulator, streams_from_recording
    from footfall.errors import FootfallError
    from footfall.sim.core import simulate
    from footfall.sim.params import PROFILES, SCENARIOS

    if args.scenario not in SCENARIOS:
        raise FootfallError(
            f"unknown scenario {args.scenario!r}",
            fix="footfall simulate --list shows the scenarios",
        )
    for name in ("minutes", "rate", "imu_hz", "insole_hz"):
        if not getattr(args, name) > 0:
            raise FootfallError(f"--{name.replace('_', '-')} must be positive")
    if not 0 <= args.corrupt < 1:
        raise FootfallError("--corrupt must be a probability in [0, 1)")
    prof = dataclasses.replace(
        PROFILES["typical"],
        imu_fs_hz=args.imu_hz,
        insole_fs_hz=args.insole_hz,
        jitter_ms=0.0,
        drop_rate=0.0,
    )
    rec, _ = simulate(
        args.scenario, args.minutes, args.seed, profile=prof, sensors=tuple(args.sensors)
    )
    emu = Emulator(
        streams_from_recording(rec),
        speed=args.rate,
        corrupt_prob=args.corrupt,
        disconnects=[(a, args.disconnect_for) for a in args.disconnect_at],
        seed=args.seed,
        link=args.link,
    )
    path = emu.start()
    print(
        f"{path}  ({emu.pty_name}; {len(emu.streams)} streams, {args.minutes:g} min at "
        f"{args.rate:g}x; Ctrl-C stops)",
        flush=True,
    )
    try:
        emu.join()
    finally:
        emu.stop()
    sent = sum(1 for f in emu.sent if f.fate == "sent")
    print(f"done: {sent} of {len(emu.sent)} data frames sent")
    return 0
