"""Crash-safe capture of live sessions: raw log, recording, recovery.

Names are loaded on first use, so that the command-line parser can import
``footfall.capture.cli`` without NumPy.
"""

from footfall._lazy import lazy_exports

_EXPORTS = {
    name: "footfall.capture.recorder"
    for name in ("LOG_NAME", "Recorder", "build_recording", "read_log", "recover")
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
