"""Writing output files so that a failure never leaves half a file.

An output is written to a temporary file beside its destination, flushed to
disk, then renamed over the destination in one step (``os.replace``): a full
disk, a crash or Ctrl-C leaves the old file whole (or no file), never a
truncated one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write_text", "same_file"]


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically (temporary file, fsync, rename).

    Raises
    ------
    OSError
        When the folder cannot be written or the disk is full; the destination
        is then as it was.
    """
    dest = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name the same file (links and ``..`` resolved); False
    when either does not exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
