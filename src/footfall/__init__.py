"""footfall: gait analysis from foot IMUs and pressure insoles for runners whose feet go numb.

Most users call :func:`analyze`; researchers can call the step functions in
:mod:`footfall.gait` directly.
"""

from footfall._lazy import lazy_exports

__version__ = "0.1.0"

# Loaded on first use (PEP 562): the command line imports this package before
# it knows which command runs, and ``footfall --help`` needs no pandas.
_EXPORTS = {
    "Analysis": "footfall.pipeline",
    "analyze": "footfall.pipeline",
    "FootfallError": "footfall.errors",
    "RecordingError": "footfall.errors",
    "Recording": "footfall.model",
    "Stream": "footfall.model",
    "RunSummary": "footfall.summary",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
