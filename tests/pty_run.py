"""Run a footfall command with its standard error on a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys


def on_a_terminal(
    args: list[str], *, both: bool = False, cwd: object = None, timeout_s: float = 30.0
) -> tuple[int, bytes]:
    """``python -m footfall ARGS`` on a real pseudo-terminal: standard error
    on it (standard output discarded), or with ``both`` standard output too,
    as in a terminal window. Its exit code and everything it drew."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "footfall", *args],
        stdout=slave if both else subprocess.DEVNULL,
        stderr=slave,
        cwd=cwd,
    )
    os.close(slave)
    seen = b""
    try:
        while select.select([master], [], [], timeout_s)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            seen += chunk
    finally:
        proc.wait(timeout=max(60.0, timeout_s))
        os.close(master)
    return proc.returncode, seen


def stderr_on_a_terminal(args: list[str], timeout_s: float = 30.0) -> tuple[int, bytes]:
    """:func:`on_a_terminal` with standard error alone on the terminal."""
    return on_a_terminal(args, timeout_s=timeout_s)
