"""Run a footfall command with its standard error on a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys


def stderr_on_a_terminal(args: list[str], timeout_s: float = 30.0) -> tuple[int, bytes]:
    """``python -m footfall ARGS`` with standard error on a pty (standard
    output discarded): its exit code and everything it drew on the terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "footfall", *args], stdout=subprocess.DEVNULL, stderr=slave
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
        proc.wait(timeout=60)
        os.close(master)
    return proc.returncode, seen
