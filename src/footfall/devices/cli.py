"""``footfall devices``: list the serial ports a sensor board may be on."""

from __future__ import annotations

import argparse

__all__ = [
    "add_parser",
    "run",
]


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``devices`` subcommand."""
    p = subparsers.add_parser(
        "devices",
        parents=list(parents or []),
        help="list serial ports (USB sensor boards)",
        description="List the serial ports of this machine, for footfall live --serial PORT.",
        epilog="examples:\n  footfall devices\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """List the ports; returns the exit code."""
    from footfall.devices.serial_source import list_serial_ports

    ports = list_serial_ports()
    if not ports:
        print("no serial ports found (plug the board in; footfall emulate --serial makes one)")
        return 0
    for p in ports:
        print(f"{p['device']}\t{p['description']}\t{p['hwid']}")
    return 0
