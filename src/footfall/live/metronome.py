"""An audible metronome at the target cadence (one beat per step).

Backends, tried in order with ``backend="auto"``:

* ``audio``: a short generated click played through the optional
  ``sounddevice`` package, when it is installed and an output device opens;
* ``bell``: the terminal bell (``\\a``) on a terminal;
* ``silent``: nothing audible (no terminal, no audio device); the beats are
  still counted and :attr:`Metronome.note` says why it is silent.

No backend failing can stop a session: errors turn the metronome to the next
backend down.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from typing import IO, Any

import numpy as np

__all__ = [
    "CLICK_HZ",
    "CLICK_S",
    "Metronome",
    "SAMPLE_RATE_HZ",
    "beats_between",
    "click",
]


CLICK_HZ = 2000.0
CLICK_S = 0.015
SAMPLE_RATE_HZ = 44100


def beats_between(start_s: float, t0_s: float, t1_s: float, bpm: float) -> int:
    """Number of beats of a metronome started at ``start_s`` that fall in
    ``(t0_s, t1_s]`` (the first beat is at ``start_s``)."""
    if bpm <= 0 or t1_s < start_s:
        return 0
    period = 60.0 / bpm

    def upto(t: float) -> int:
        return -1 if t < start_s else int(math.floor((t - start_s) / period + 1e-9))

    return max(0, upto(t1_s) - upto(t0_s))


def click(sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """A short decaying tone, float32 in [-1, 1]."""
    t = np.arange(int(CLICK_S * sample_rate_hz)) / sample_rate_hz
    return (0.6 * np.sin(2 * np.pi * CLICK_HZ * t) * np.exp(-t / (CLICK_S / 4))).astype(np.float32)


class Metronome:
    """Beats at ``bpm`` on a background thread.

    Parameters
    ----------
    bpm
        Beats per minute (the target cadence in steps/min).
    backend
        ``auto``, ``audio``, ``bell`` or ``silent``.
    out
        Stream for the bell (default standard error).
    """

    def __init__(self, bpm: float, *, backend: str = "auto", out: IO[str] | None = None):
        if not bpm > 0:
            raise ValueError("bpm must be positive")
        self.bpm = float(bpm)
        self.out = out if out is not None else sys.stderr
        self.beats = 0
        self.note = ""
        self._sd: Any = None
        self._click: np.ndarray | None = None
        self.backend = self._choose(backend)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _choose(self, backend: str) -> str:
        if backend not in ("auto", "audio", "bell", "silent"):
            raise ValueError(f"unknown metronome backend {backend!r}")
        if backend in ("auto", "audio"):
            try:
                import sounddevice  # optional; not a dependency of footfall

                sounddevice.check_output_settings(samplerate=SAMPLE_RATE_HZ, channels=1)
                self._sd = sounddevice
                self._click = click()
                return "audio"
            except Exception as e:  # ImportError, no device, PortAudio errors
                self.note = f"no audio output ({type(e).__name__})"
                if backend == "audio":
                    backend = "auto"
        if backend in ("auto", "bell"):
            if backend == "bell" or getattr(self.out, "isatty", lambda: False)():
                return "bell"
            self.note = (self.note + "; " if self.note else "") + "no terminal for the bell"
        return "silent"

    def beat(self) -> None:
        """Sound one beat with the current backend (falls back on errors)."""
        self.beats += 1
        try:
            if self.backend == "audio":
                self._sd.play(self._click, SAMPLE_RATE_HZ, blocking=False)
            elif self.backend == "bell":
                self.out.write("\a")
                self.out.flush()
        except Exception as e:  # a device unplugged mid-run, a closed terminal
            self.note = f"{self.backend} failed ({type(e).__name__}); metronome silent"
            self.backend = "silent"

    def start(self) -> None:
        """Start beating on a background thread."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, daemon=True, name="metronome")
        self._thread.start()

    def stop(self) -> None:
        """Stop beating."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None

    def _run(self) -> None:
        start = time.monotonic()
        last = start - 1e-6
        while not self._stop.is_set():
            now = time.monotonic()
            for _ in range(min(1, beats_between(start, last, now, self.bpm))):
                self.beat()
            last = now
            period = 60.0 / self.bpm
            k = math.floor((now - start) / period) + 1
            self._stop.wait(max(0.0, start + k * period - time.monotonic()))
