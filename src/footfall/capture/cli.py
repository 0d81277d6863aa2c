"""``footfall recover DIR``: rebuild a recording from a capture's raw log after a crash."""

from __future__ import annotations

import argparse

__all__ = [
    "add_parser",
    "run",
]


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``recover`` subcommand."""
    p = subparsers.add_parser(
        "recover",
        parents=list(parents or []),
        help="rebuild a recording from a live capture's raw log after a crash",
        description="Rebuild the recording folder of a live capture that did not stop "
        "normally\n(crash, kill, power cut) from its raw log, up to the last "
        "complete frame.",
        epilog="examples:\n  footfall recover runs/tuesday\n"
        "  footfall recover runs/tuesday/capture.fflog -o runs/tuesday-recovered\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", metavar="DIR", help="capture folder (holds capture.fflog) or the log")
    p.add_argument("-o", "--out", help="write the recording here (default: the capture folder)")
    p.add_argument(
        "--format",
        dest="fmt",
        default="csv",
        choices=("csv", "parquet"),
        help="stream file format (default csv)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing recording.json")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Recover; returns the exit code."""
    import json

    from footfall.capture.recorder import recover
    from footfall.report.terminal import progress_bar

    with progress_bar("reading the log", "rebuilding", "devices") as progress:
        out = recover(
            args.path, out_dir=args.out, fmt=args.fmt, overwrite=args.force, progress=progress
        )
    # the counts are in recording.json: the streams are not read back
    log = json.loads((out / "recording.json").read_text(encoding="utf-8")).get("capture", {})
    note = "" if log.get("log_complete", True) else " (the log ended in a torn record)"
    for d in log.get("damaged", []):
        where = f"after {d['after_s']:.1f} s" if d.get("after_s") is not None else "at the start"
        print(
            f"skipped {d['bytes']} damaged bytes {where} (file offset {d['offset']}); every "
            "whole record before and after them was kept"
        )
    print(
        f"recovered {out}: {log.get('streams', 0)} streams, {log.get('samples', 0)} samples, "
        f"{log.get('frames', 0)} frames{note}"
    )
    return 0
