"""Crash-safe capture of live sessions: raw log, recording, recovery.

Names are loaded on first use, so that the command-line parser can import
``footfall.capture.cli`` without NumPy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LOG_NAME", "Recorder", "build_recording", "read_log", "recover"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from footfall.capture import recorder

        return getattr(recorder, name)
    raise AttributeError(f"module 'footfall.capture' has no attribute {name!r}")
