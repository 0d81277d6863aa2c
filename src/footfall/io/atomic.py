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

__all__ = ["atomic_write_bytes", "atomic_write_text", "check_output", "same_file"]


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename).

    The file keeps the permissions of the file it replaces; a new file gets
    those of any new file (0o666 less the umask), not the temporary file's
    0o600.

    Raises
    ------
    OSError
        When the folder cannot be written or the disk is full; the destination
        is then as it was.
    """
    dest = Path(path)
    mode = _file_mode(dest)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent or ".")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    """:func:`atomic_write_bytes` of ``text`` encoded (newlines as given)."""
    atomic_write_bytes(path, text.encode(encoding))


def _file_mode(dest: Path) -> int:
    try:
        return dest.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def check_output(
    target: str, option: str, inputs: Path | None = None, *, example: str = "out"
) -> None:
    """Raise FootfallError, before any work, when ``target`` cannot be an
    output file: a folder, a file in a folder that does not exist, or one of
    the ``inputs`` (a stream file, or a file of a recording folder) that it
    would replace. ``option`` names the option in the messages."""
    from footfall.errors import FootfallError

    path = Path(target)
    if path.is_dir():
        raise FootfallError(
            "is a folder, not a file",
            path=target,
            fix=f"give {option} a file name, e.g. {path / example}",
        )
    if inputs is not None and path.exists():
        candidates = (
            [inputs]
            if inputs.is_file()
            else ([p for p in inputs.iterdir() if p.is_file()] if inputs.is_dir() else [])
        )
        if any(same_file(path, c) for c in candidates):
            raise FootfallError(
                f"is one of the inputs being analysed: {option} would replace it",
                path=target,
                fix=f"give {option} a new file name outside the recording",
            )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FootfallError(
            f"folder {str(parent)!r} does not exist",
            path=target,
            fix=f"create it first or give {option} another path",
        )


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name the same file (links and ``..`` resolved); False
    when either does not exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
