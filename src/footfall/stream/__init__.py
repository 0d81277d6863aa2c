"""Streaming analysis: online step detection, rolling summaries and live flags.

The live path runs the same gait functions as offline analysis on a window of
the newest samples of each device (see :mod:`footfall.stream.detector`).
"""
