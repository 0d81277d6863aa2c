"""Crash-safe capture of live sessions: raw log, recording, recovery."""

from footfall.capture.recorder import LOG_NAME, Recorder, build_recording, read_log, recover

__all__ = ["LOG_NAME", "Recorder", "build_recording", "read_log", "recover"]
