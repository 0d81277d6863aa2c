"""footfall: gait analysis from foot IMUs and pressure insoles for runners whose feet go numb.

Most users call :func:`analyze`; researchers can call the step functions in
:mod:`footfall.gait` directly.
"""

from footfall.errors import FootfallError, RecordingError
from footfall.model import Recording, Stream
from footfall.pipeline import Analysis, analyze

__version__ = "0.1.0"
__all__ = ["Analysis", "FootfallError", "Recording", "RecordingError", "Stream", "analyze"]
