"""User-facing errors.

A :class:`FootfallError` is a problem with the user's input (a file, a path, an
option). Its message names the file, the problem and the fix; the CLI prints it
without a traceback and exits with status 2. Anything else is a bug (exit 1).
"""

from __future__ import annotations

import re

__all__ = [
    "FootfallError",
    "RecordingError",
    "safe_text",
]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_text(text: object, limit: int = 200) -> str:
    """``text`` fit for a terminal or a message: control characters (escape
    sequences included, which could move the cursor, recolour or retitle a
    terminal) written as ``\\xNN``, and at most ``limit`` characters (the
    rest replaced by an ellipsis). Device names and file contents pass
    through this before they are shown."""
    s = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))
    return s if len(s) <= limit else s[: limit - 1] + "\u2026"


class FootfallError(Exception):
    """A problem with the user's input, explained so they can fix it."""

    def __init__(self, problem: str, *, path: str | None = None, fix: str | None = None):
        self.problem = problem
        self.path = None if path is None else safe_text(path, 500)
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = []
        parts.append(f"{self.path}: {self.problem}" if self.path else self.problem)
        if self.fix:
            parts.append(f"Fix: {self.fix}")
        return "\n".join(parts)


class RecordingError(FootfallError):
    """A recording (folder or stream file) cannot be read or is implausible."""
