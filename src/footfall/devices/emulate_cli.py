"""``footfall emulate``: a simulated runner's sensors on a pseudo-terminal
(``--serial``) or as a Bluetooth LE peripheral (``--ble TRANSPORT``)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = [
    "EPILOG",
    "add_parser",
    "run",
    "run_ble",
]


EPILOG = """examples:
  footfall emulate --serial
      easy run, foot IMUs at 400 Hz and insoles at 100 Hz, real time; prints the port
  footfall emulate --serial --scenario overpronator-treadmill --rate 4 --minutes 10
  footfall emulate --serial --corrupt 0.01 --disconnect-at 30 --disconnect-for 2
  footfall emulate --ble usb:0
      a footfall sensor on a USB Bluetooth dongle (footfall[ble-sim]); then, on
      another machine: footfall live --ble ff-emulator
  footfall emulate --ble tcp-client:127.0.0.1:9001 --name ff-left-foot --sensors foot
      on a simulated controller (bumble's bumble-controllers tcp-server:_:9001 ...)
"""


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``emulate`` subcommand."""
    p = subparsers.add_parser(
        "emulate",
        parents=list(parents or []),
        help="emulate sensor boards on a serial pseudo-terminal or over Bluetooth LE",
        description="Stream a simulated run in the footfall wire protocol, exactly as a board "
        "would:\nthrough a pseudo-terminal as on USB (prints the port to open), or as a "
        "Bluetooth LE\nsensor (the GATT layout of PROTOCOL.md) on an HCI transport.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--serial", action="store_true", help="emulate a USB serial board")
    how.add_argument(
        "--ble",
        metavar="TRANSPORT",
        help="emulate a Bluetooth LE sensor on this HCI transport (bumble's names: usb:0 for "
        "a USB dongle, hci-socket:0, tcp-client:HOST:PORT for a simulated controller)",
    )
    p.add_argument(
        "--name",
        default="ff-emulator",
        help="advertised name with --ble (default ff-emulator)",
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
        help="probability that a frame gets a byte changed (default 0; --serial)",
    )
    p.add_argument(
        "--disconnect-at",
        type=float,
        action="append",
        default=[],
        metavar="S",
        help="pull the cable at this many seconds (repeatable; --serial)",
    )
    p.add_argument(
        "--disconnect-for",
        type=float,
        default=1.0,
        metavar="S",
        help="how long the cable stays out (default 1 s)",
    )
    p.add_argument("--link", metavar="PATH", help="stable path to create for the port (--serial)")
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
    if args.ble is not None:
        for flag, given in (
            ("--corrupt", args.corrupt),
            ("--disconnect-at", args.disconnect_at),
            ("--link", args.link),
        ):
            if given:
                raise FootfallError(
                    f"{flag} applies to --serial only",
                    fix="leave it out with --ble (a BLE link is not a cable)",
                )
        if not 0 < len(args.name.encode()) <= 29:
            raise FootfallError("--name must be 1 to 29 bytes", fix="e.g. --name ff-left-foot")
    rec, truth = simulate(
        args.scenario, args.minutes, args.seed, profile=prof, sensors=tuple(args.sensors)
    )
    if args.ble is not None:
        # Running Speed and Cadence for watches, from the first stream's foot
        side = rec.streams[0].side.value
        contacts = truth.loc[truth["side"] == side, "ic_s"].to_numpy(float)
        return run_ble(args, streams_from_recording(rec), contacts)
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


def run_ble(args: argparse.Namespace, streams: list, contacts_s: Any = None) -> int:
    """``--ble``: serve ``streams`` as one footfall sensor on an HCI transport
    (with Running Speed and Cadence from one foot's ``contacts_s``)."""
    import asyncio

    from footfall.errors import FootfallError, safe_text

    try:
        from bumble.device import Device
        from bumble.hci import Address
        from bumble.transport import open_transport

        from footfall.devices.ble_peripheral import BlePeripheral
    except ImportError:
        raise FootfallError(
            "footfall emulate --ble needs the bumble package (a Bluetooth LE stack in Python)",
            fix="pip install 'footfall[ble-sim]'",
        ) from None

    peripheral = BlePeripheral(args.name, streams, speed=args.rate, contacts_s=contacts_s)

    async def main() -> None:
        try:
            transport = await open_transport(args.ble)
        except Exception as e:  # noqa: BLE001 - every transport failure is explained
            raise FootfallError(
                f"cannot open the Bluetooth HCI transport {args.ble!r} "
                f"({safe_text(str(e)) or type(e).__name__})",
                path=args.ble,
                fix="give a transport bumble opens: usb:0 (a USB Bluetooth dongle, not in "
                "use by the system), hci-socket:0, or tcp-client:HOST:PORT of a simulated "
                "controller",
            ) from None
        try:
            device = Device.with_hci(
                args.name, Address(EMULATOR_ADDRESS), transport.source, transport.sink
            )
            await device.power_on()
            await peripheral.start(device)
            print(
                f"advertising as {args.name} on {args.ble} ({len(streams)} streams, "
                f"{args.minutes:g} min at {args.rate:g}x once a host subscribes; Ctrl-C stops)",
                flush=True,
            )
            await peripheral.wait()
            await asyncio.sleep(0.5)  # the last notifications leave
        finally:
            await transport.close()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    fates = [f.fate for f in peripheral.sent]
    print(
        f"done: {fates.count('sent')} of {len(fates)} data frames sent"
        + (f", {fates.count('overflow')} dropped at a full buffer" if "overflow" in fates else "")
        + (f", {fates.count('unsent')} with no host" if "unsent" in fates else "")
    )
    return 0


EMULATOR_ADDRESS = "F0:F0:0F:00:00:01"
"""The emulated sensor's static random address."""
