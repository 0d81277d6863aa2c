"""User-facing errors.

A :class:`FootfallError` is a problem with the user's input (a file, a path, an
option). Its message names the file, the problem and the fix; the CLI prints it
without a traceback and exits with status 2. Anything else is a bug (exit 1).
"""

from __future__ import annotations


class FootfallError(Exception):
    """A problem with the user's input, explained so they can fix it."""

    def __init__(self, problem: str, *, path: str | None = None, fix: str | None = None):
        self.problem = problem
        self.path = path
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
