"""``footfall init DIR``: write the recording.json of a folder of stream
files, inferred from the files (:mod:`footfall.io.infer`), and say what was
assumed and how to correct it.

Only the standard library at import time: ``footfall --help`` builds this
parser.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["EPILOG", "add_parser", "run"]

EPILOG = """\
examples:
  footfall init runs/today
      look at the stream files in runs/today and write runs/today/recording.json
  footfall init runs/lab --map my_sensor.toml
      read every file with a column-mapping profile (docs/import.md)
  footfall init runs/today --force
      replace an existing recording.json (after renaming files, say)

Each file's side comes from its name (left, right, l, r, lf, rf, links,
rechts, ...), its kind from its columns (or the layout of a shipped profile:
moticon-text, ipol-xsens, gaitmap), an IMU's placement from its name (shank,
tibia, shin: the shank; otherwise the foot) and its units from the data.
Files that are not streams (a notes file, a reference table) are skipped and
listed.

exit codes: 0 done, 2 problem with the input or options, 1 internal error
"""


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``init`` subcommand."""
    p = subparsers.add_parser(
        "init",
        parents=list(parents or []),
        help="write recording.json for a folder of stream files, inferred from them",
        description="Look at the stream files in a folder, infer each one's kind, side, "
        "placement and units, write the folder's recording.json and say what was assumed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("folder", metavar="DIR", help="the folder of stream files")
    p.add_argument(
        "--map",
        metavar="PROFILE",
        help="read every stream file with this column-mapping profile (a .toml file or a "
        "shipped profile's name)",
    )
    p.add_argument(
        "--force", action="store_true", help="replace the folder's recording.json if it has one"
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """``footfall init DIR``."""
    from footfall.errors import FootfallError
    from footfall.io.atomic import atomic_write_bytes
    from footfall.io.canonical import RECORDING_JSON
    from footfall.io.infer import describe, infer_files, recording_document, stream_files

    folder = Path(args.folder)
    if not folder.is_dir():
        raise FootfallError(
            "no such folder" if not folder.exists() else "is not a folder",
            path=str(folder),
            fix="give the folder that holds the stream files",
        )
    target = folder / RECORDING_JSON
    if target.exists() and not args.force:
        raise FootfallError(
            f"already holds a {RECORDING_JSON}",
            path=str(folder),
            fix="edit it, or pass --force to replace it with what footfall infers",
        )
    files = stream_files(folder)
    if args.map is not None:
        from footfall.io.mapping import load_profile

        profile: Any = load_profile(args.map)  # a bad profile fails before any file is read
    else:
        profile = None
    inferred, skipped = infer_files(files, profile=profile, explicit=args.map is not None)
    if not inferred:
        found = ", ".join(f.name for f in files[:10]) or "no .csv, .parquet or .txt file"
        raise FootfallError(
            f"holds no stream file footfall can read (found: {found})",
            path=str(folder),
            fix="put the stream files in the folder (footfall's columns time_s, acc_x .. gyr_z "
            "or p1 .. pN), or write a profile for their layout and pass --map PROFILE "
            "(docs/import.md)",
        )
    doc = recording_document(inferred)
    data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        atomic_write_bytes(target, data)
    except OSError as e:
        raise FootfallError(
            f"cannot write {RECORDING_JSON}: {e.strerror or e}",
            path=str(target),
            fix="check that you may write to the folder and that the disk has room",
        ) from e
    out = sys.stdout
    n = len(inferred)
    out.write(f"Wrote {target} ({n} stream{'s' if n != 1 else ''}). What footfall inferred:\n")
    for line in describe(inferred):
        out.write(f"  {line}\n")
    if skipped:
        out.write("Skipped (not stream files): " + ", ".join(f.name for f in skipped) + "\n")
    out.write(
        f'To correct: edit "kind", "side", "placement" or "units" of a stream in {target} '
        "(or rename the files and run footfall init again with --force); then "
        f"footfall analyze {folder}\n"
    )
    return 0
