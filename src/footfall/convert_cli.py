"""``footfall convert IN OUT``: a recording written in the other stream
format (CSV folder to Parquet folder and back), or any recording footfall
reads (a Moticon export, a folder read with profiles) written as a
footfall recording folder.

Only the standard library at import time: ``footfall --help`` builds this
parser.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["EPILOG", "add_parser", "convert", "run"]

EPILOG = """\
examples:
  footfall convert runs/today runs/today_parquet
      a CSV recording folder written as a Parquet one (or Parquet to CSV)
  footfall convert runs/today out --to csv
      choose the stream format
  footfall convert export.txt runs/moticon
      a Moticon OpenGo export written as a footfall recording folder

The streams are written in footfall's units (m/s2, deg/s, kPa) with every
digit kept, and recording.json with every key of the original. OUT must not
exist (or be an empty folder) unless --force is given; the new folder is
written beside it and put in place once complete.

exit codes: 0 done, 2 problem with the input or options, 1 internal error
"""


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``convert`` subcommand."""
    p = subparsers.add_parser(
        "convert",
        parents=list(parents or []),
        help="write a recording in the other format (CSV folder <-> Parquet folder)",
        description="Write recording IN as a footfall recording folder OUT, its streams in "
        "the other format (CSV <-> Parquet) or the one --to names.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("src", metavar="IN", help="a recording folder, or a file footfall reads")
    p.add_argument("dest", metavar="OUT", help="the folder to write")
    p.add_argument(
        "--to",
        choices=["csv", "parquet"],
        help="stream format of OUT (default: the other one than IN's; CSV for IN of another kind)",
    )
    p.add_argument(
        "--force", action="store_true", help="replace OUT if it exists (once OUT is complete)"
    )
    p.set_defaults(func=run)
    return p


def _source_format(src: Path) -> str | None:
    """``"csv"`` or ``"parquet"``: the stream format of a recording folder
    or stream file (the first stream's), None for another kind of input."""
    import json

    from footfall.io._table import file_format

    if src.is_dir():
        try:
            doc = json.loads((src / "recording.json").read_text(encoding="utf-8-sig"))
            first = doc["streams"][0]
            if first.get("profile") is not None:
                return None
            return file_format(Path(str(first["file"])))
        except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError):
            return None  # read_recording says what is wrong
    return file_format(src)


def convert(
    src: str | Path, dest: str | Path, fmt: str | None = None, *, force: bool = False
) -> Path:
    """Write recording ``src`` as a footfall recording folder ``dest``.

    The streams are read one at a time and each written before the next is
    read. ``dest`` is written as a new folder beside it and renamed into
    place when complete; an existing ``dest`` is replaced only with
    ``force`` (and only then), never one of ``src``'s folders.

    Returns
    -------
    pathlib.Path
        The written recording.json.
    """
    from footfall.errors import FootfallError
    from footfall.io import write_recording
    from footfall.io.canonical import open_recording
    from footfall.model import Recording

    s, d = Path(src), Path(dest)
    if not s.exists():
        raise FootfallError(
            "no such file or folder",
            path=str(s),
            fix="give a recording folder (with recording.json) or a file footfall reads",
        )
    if fmt is None:
        fmt = {"csv": "parquet", "parquet": "csv"}.get(_source_format(s) or "", "csv")
    s_real, d_real = s.resolve(), d.resolve()
    if d_real == s_real or s_real.is_relative_to(d_real) or d_real.is_relative_to(s_real):
        raise FootfallError(
            "OUT is IN, inside it or holds it: writing there could replace what is read",
            path=str(d),
            fix="give a new folder for OUT, outside IN",
        )
    if d.exists() and not d.is_dir():
        raise FootfallError(
            "exists and is not a folder", path=str(d), fix="give a new folder name for OUT"
        )
    if d.exists() and any(d.iterdir()) and not force:
        raise FootfallError(
            "already exists and is not empty",
            path=str(d),
            fix="give a new folder name, or pass --force to replace it",
        )
    opened = open_recording(s)  # a bad input fails before anything is written
    parent = d_real.parent
    if not parent.is_dir():
        raise FootfallError(
            "its parent folder does not exist", path=str(d), fix=f"create {parent} first"
        )
    tmp = Path(tempfile.mkdtemp(prefix=f".{d_real.name}.", dir=parent))
    try:
        streams: Any = (slot.read() for slot in opened.slots())
        write_recording(
            Recording([], meta=opened.meta, source=opened.source), tmp, fmt, streams=streams
        )
        old = None
        if d.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{d_real.name}.old.", dir=parent))
            old.rmdir()
            d_real.rename(old)
        tmp.rename(d_real)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return d_real / "recording.json"


def run(args: argparse.Namespace) -> int:
    """``footfall convert IN OUT``."""
    from footfall.errors import FootfallError

    try:
        written = convert(args.src, args.dest, args.to, force=args.force)
    except OSError as e:
        raise FootfallError(
            f"cannot write: {e.strerror or e}",
            path=str(e.filename or args.dest),
            fix="check that you may write there and that the disk has room; nothing in IN "
            "was changed",
        ) from e
    import json

    doc = json.loads(written.read_text(encoding="utf-8"))
    files = ", ".join(str(e.get("file")) for e in doc.get("streams", []))
    sys.stdout.write(f"Wrote {written.parent} ({files})\n")
    return 0
