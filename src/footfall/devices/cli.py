"""``footfall devices``: list the serial ports a sensor board may be on, and
with ``--ble`` the Bluetooth LE devices in range."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from footfall.devices.ble_source import BleDeviceSeen

__all__ = [
    "add_parser",
    "ble_lines",
    "run",
]


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``devices`` subcommand."""
    p = subparsers.add_parser(
        "devices",
        parents=list(parents or []),
        help="list serial ports (USB sensor boards) or Bluetooth devices",
        description="List the serial ports of this machine, for footfall live --serial PORT;\n"
        "with --ble, the Bluetooth LE devices in range and what footfall reads from each,\n"
        "for footfall live --ble NAME_OR_ADDRESS.",
        epilog="examples:\n  footfall devices\n  footfall devices --ble --seconds 10\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--ble", action="store_true", help="scan for Bluetooth LE devices instead")
    p.add_argument(
        "--seconds",
        type=float,
        default=5.0,
        metavar="S",
        help="how long to scan with --ble (default 5)",
    )
    p.set_defaults(func=run)
    return p


def ble_lines(devices: list[BleDeviceSeen]) -> list[str]:
    """One tab-separated line per device: address, name, signal, what footfall reads."""
    out = []
    for d in devices:
        reads = ", ".join(d.reads) or "nothing footfall reads"
        rssi = "" if d.rssi is None else f"{d.rssi} dBm"
        out.append(f"{d.address}\t{d.name or '(no name)'}\t{rssi}\t{reads}")
    return out


def run(args: argparse.Namespace) -> int:
    """List the ports (or BLE devices); returns the exit code."""
    if getattr(args, "ble", False):
        from footfall.errors import FootfallError

        if not 0 < args.seconds <= 120:
            raise FootfallError(
                f"--seconds {args.seconds:g} is not a scan time", fix="give 1 to 120, e.g. 5"
            )
        from footfall.devices.ble_source import scan_ble

        found = scan_ble(args.seconds)
        if not found:
            print(f"no Bluetooth LE devices seen in {args.seconds:g} s (switch the sensor on)")
            return 0
        for line in ble_lines(found):
            print(line)
        return 0
    from footfall.devices.serial_source import list_serial_ports

    ports = list_serial_ports()
    if not ports:
        print("no serial ports found (plug the board in; footfall emulate --serial makes one)")
        return 0
    for p in ports:
        print(f"{p['device']}\t{p['description']}\t{p['hwid']}")
    return 0
