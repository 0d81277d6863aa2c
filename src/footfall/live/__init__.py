"""Live sessions: sources to the crash-safe recorder and the streaming
analyser, the treadmill view and the metronome (``footfall live``)."""

__all__: list[str] = []
