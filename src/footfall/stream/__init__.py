"""Streaming analysis: online step detection, rolling summaries and live flags.

The live path runs the same gait functions as offline analysis on a window of
the newest samples of each device (see :mod:`footfall.stream.detector` for
IMUs and :mod:`footfall.stream.insole` for pressure insoles).
"""

from footfall.stream.analyzer import StreamingAnalyzer
from footfall.stream.detector import ImuStepDetector, StepBatch
from footfall.stream.flags import FlagTracker
from footfall.stream.insole import InsoleStepDetector
from footfall.stream.live_summary import LiveSummary
from footfall.stream.rolling import RollingSummary

__all__ = [
    "FlagTracker",
    "ImuStepDetector",
    "InsoleStepDetector",
    "LiveSummary",
    "RollingSummary",
    "StepBatch",
    "StreamingAnalyzer",
]
