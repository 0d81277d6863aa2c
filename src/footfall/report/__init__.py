"""Presenting results: terminal rendering (more formats to come).

Everything here reads an :class:`~footfall.pipeline.Analysis` and never
changes it.
"""

__all__: list[str] = []
