"""Replay a recording folder as if its sensors were streaming live.

:class:`ReplaySource` implements :class:`~footfall.devices.base.Source`: it
sends one :class:`~footfall.devices.base.DeviceInfo` per stream, then the
samples in blocks of about ``frame_ms`` milliseconds (the size a board sends),
interleaved across streams in the order a host would receive them, at real
time (``speed=1``), faster (``speed=10``) or as fast as the reader takes them
(``speed=None``). Gaps in a stream (missing samples in the file) become
:class:`~footfall.devices.base.Gap` events and no block spans one. Times stay
on the recording's own ``time_s`` axis, which serves as the session axis.
"""

from __future__ import annotations

import bisect
import math
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from footfall.devices.base import Block, DeviceInfo, Event, Gap, Status
from footfall.errors import FootfallError
from footfall.model import Recording, SensorKind, Stream

__all__ = [
    "ANALYSIS_QUEUE_MAX",
    "FRAME_MS",
    "ReplaySource",
    "STATUS_EVERY_S",
]


FRAME_MS = 10.0
"""Default block length, milliseconds of samples."""

STATUS_EVERY_S = 1.0
"""A Status event per device after each second of data."""

ANALYSIS_QUEUE_MAX = 200_000
"""Most events waiting for the analysis when a player thread feeds a sink;
beyond it the analysis skips (counted in ``analysis_dropped``), the sink never."""


def _device_id(stream: Stream, taken: set[str]) -> str:
    what = stream.placement.value if stream.kind == SensorKind.IMU else stream.kind.value
    base = f"replay-{stream.side.value}-{what}"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    taken.add(name)
    return name


class ReplaySource:
    """A recording folder (or :class:`~footfall.model.Recording`) played as live.

    Parameters
    ----------
    recording
        A recording folder path or a Recording already read.
    speed
        Playback speed: 1.0 is real time, 10.0 ten times faster, ``None`` as
        fast as :meth:`poll` is called (every call returns the next
        ``max_blocks`` blocks).
    frame_ms
        Samples per block, in milliseconds of data (at least one sample).
    max_blocks
        Most blocks returned by one :meth:`poll`.

    Raises
    ------
    FootfallError
        When the folder cannot be read (see :func:`footfall.io.read_recording`)
        or the speed is not positive.
    """

    def __init__(
        self,
        recording: Recording | str | Path,
        *,
        speed: float | None = 1.0,
        frame_ms: float = FRAME_MS,
        max_blocks: int = 256,
    ):
        if speed is not None and not (speed > 0 and math.isfinite(speed)):
            raise FootfallError(
                f"replay speed must be a positive number, got {speed}",
                fix="use e.g. --speed 1 (real time) or --speed 10",
            )
        if not isinstance(recording, Recording):
            from footfall.io import read_recording

            recording = read_recording(recording)
        self.recording = recording
        self.speed = speed
        self.max_blocks = int(max_blocks)
        self.infos: list[DeviceInfo] = []
        starts, stops, owners = [], [], []
        taken: set[str] = set()
        self._streams: list[Stream] = []
        for s in recording.streams:
            if len(s) == 0:
                continue
            fs = s.fs_hz if len(s) > 1 else 1.0
            info = DeviceInfo(
                device_id=_device_id(s, taken),
                kind=s.kind,
                side=s.side,
                placement=s.placement if s.kind == SensorKind.IMU else None,
                fs_hz=float(fs),
                columns=tuple(s.columns),
                layout=s.meta.get("layout"),
                firmware="replay",
                meta={
                    "file": s.name,
                    # what the live analysis reads of a stream's metadata, as
                    # offline: the mount, the time base shared with other
                    # streams, an insole's own cell positions and areas
                    **{
                        k: s.meta[k]
                        for k in ("mount", "clock", "cells_xy", "cell_areas_cm2")
                        if s.meta.get(k) is not None
                    },
                },
            )
            k = len(self._streams)
            self._streams.append(s)
            self.infos.append(info)
            a, b = _blocks(s.time_s, fs, max(1, int(round(frame_ms * 1e-3 * fs))))
            starts.append(a)
            stops.append(b)
            owners.append(np.full(len(a), k))
        if not self._streams:
            raise FootfallError(
                "the recording has no samples to replay",
                path=recording.source or None,
                fix="replay a recording folder with at least one stream",
            )
        self._start = np.concatenate(starts)
        self._stop = np.concatenate(stops)
        self._owner = np.concatenate(owners)
        due = np.concatenate(
            [self._streams[k].time_s[stops[k] - 1] for k in range(len(self._streams))]
        )
        self._order = np.argsort(due, kind="stable")
        self._due = due[self._order]
        self._t0 = float(min(s.time_s[0] for s in self._streams))
        self._next = 0
        self._seq = [0] * len(self._streams)
        self._frames = [0] * len(self._streams)
        self._last_t = [-np.inf] * len(self._streams)
        self._status_at = [self._t0 + STATUS_EVERY_S] * len(self._streams)
        self._lag_ms = [0.0] * len(self._streams)
        self._opened_at: float | None = None
        self._sent_info = False
        self._closed = False
        # a player thread of its own once a sink is set (see set_sink)
        self._sink: Callable[[list[Event]], None] | None = None
        self._sink_lock = threading.Lock()
        self._queue: queue.Queue[Event] = queue.Queue(maxsize=ANALYSIS_QUEUE_MAX)
        self._thread: threading.Thread | None = None
        self._played = threading.Event()
        self.sink_error: OSError | None = None
        self.analysis_dropped = 0
        # a treadmill's and foot pods' values (profile_values.csv), handed
        # out as the playback reaches their time, as a live session gets them
        from footfall.io.profile_values import read_profile_values

        rows = read_profile_values(recording.meta, recording.source) if recording.source else None
        self._values = sorted(rows or [], key=lambda r: r["t_s"])
        self._value_times = [r["t_s"] for r in self._values]
        self._values_next = 0
        self._reach = -math.inf

    # --------------------------------------------------------------- Source

    def open(self) -> None:
        """Start the playback clock."""
        self._opened_at = time.monotonic()
        self._closed = False

    def close(self) -> None:
        """Stop playing; :attr:`finished` becomes True."""
        self._closed = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    @property
    def finished(self) -> bool:
        """True when every block was returned (or the source was closed)."""
        if self._thread is not None:
            return self._closed or (self._played.is_set() and self._queue.empty())
        return self._closed or self._next >= len(self._order)

    def set_sink(self, sink: Callable[[list[Event]], None] | None) -> bool:
        """Play in a thread of its own that hands every event to ``sink`` (the
        capture log's writer) when it is due, like a board's reader thread:
        the log then never waits on the analysis that polls this source
        (which gets the same events from a bounded queue). Only at a set
        speed; False at ``speed=None`` (there is no due time to keep: the
        caller writes what it polls). ``None`` stops handing events over."""
        if sink is None:
            with self._sink_lock:
                self._sink = None
            return True
        if self.speed is None:
            return False
        with self._sink_lock:
            self._sink = sink
        if self._thread is None:
            if self._opened_at is None:
                self.open()
            self._thread = threading.Thread(target=self._play, daemon=True, name="replay player")
            self._thread.start()
        return True

    def _play(self) -> None:
        try:
            while not self._done:
                self._put(self._pull(0.05))  # the last pull adds the closing statuses
        finally:
            self._played.set()

    @property
    def _done(self) -> bool:
        """Every block pulled (or the source closed)."""
        return self._closed or self._next >= len(self._order)

    def _put(self, events: list[Event]) -> None:
        if not events:
            return
        with self._sink_lock:
            if self._sink is not None and self.sink_error is None:
                try:
                    self._sink(events)
                except OSError as e:  # a full disk: the session reports it
                    self.sink_error = e
        for event in events:
            try:
                self._queue.put_nowait(event)
            except queue.Full:
                self.analysis_dropped += 1  # the analysis skips, the log does not

    @property
    def duration_s(self) -> float:
        """Span of the recording, s."""
        return float(self._due[-1] - self._t0) if len(self._due) else 0.0

    def now_s(self) -> float:
        """Playback position on the session axis, s (the end at ``speed=None``)."""
        if self._opened_at is None:
            return self._t0
        if self.speed is None:
            return float(self._due[min(self._next, len(self._due) - 1)])
        return self._t0 + (time.monotonic() - self._opened_at) * self.speed

    def due_monotonic(self, received_s: float) -> float:
        """When a block stamped ``received_s`` was due, on ``time.monotonic``
        (the moment a device streaming at this speed would have delivered it)."""
        if self._opened_at is None or self.speed is None:
            return time.monotonic()
        return self._opened_at + (received_s - self._t0) / self.speed

    def poll(self, timeout_s: float = 0.1) -> list[Event]:
        """The events due by now; waits up to ``timeout_s`` for the next block
        when none is due. Returns [] when finished."""
        out: list[Event] = []
        if self._thread is not None:
            try:
                out.append(
                    self._queue.get(timeout=timeout_s)
                    if timeout_s > 0
                    else self._queue.get_nowait()
                )
                while True:
                    out.append(self._queue.get_nowait())
            except queue.Empty:
                pass
        else:
            out = self._pull(timeout_s)
        for e in out:
            if isinstance(e, Block) and len(e.t_s):
                self._reach = max(self._reach, float(e.t_s[-1]))
        return out

    def poll_profile_values(self) -> list[dict[str, Any]]:
        """The recording's treadmill and foot-pod values (profile_values.csv)
        whose time the blocks polled so far have reached (all of them once
        finished), in time order, as the capture log keeps them."""
        end = len(self._values)
        if not self.finished:
            end = bisect.bisect_right(self._value_times, self._reach, lo=self._values_next)
        out = self._values[self._values_next : end]
        self._values_next = end
        return out

    def _pull(self, timeout_s: float) -> list[Event]:
        if self._opened_at is None:
            self.open()
        events: list[Event] = []
        if not self._sent_info:
            events.extend(self.infos)
            self._sent_info = True
        if self._done:
            return events
        if self.speed is None:
            upto = min(len(self._order), self._next + self.max_blocks)
        else:
            now = self.now_s()
            if self._due[self._next] > now:
                wait = (self._due[self._next] - now) / self.speed
                if wait > timeout_s:
                    time.sleep(max(0.0, timeout_s))
                    return events
                time.sleep(wait)
                now = self.now_s()
            upto = int(np.searchsorted(self._due, now, side="right"))
            upto = min(max(upto, self._next + 1), self._next + self.max_blocks)
            lag = (now - self._due[self._next : upto]) * 1e3 / self.speed
        for i, j in enumerate(range(self._next, upto)):
            blk = self._order[j]
            k = int(self._owner[blk])
            if self.speed is not None:
                self._lag_ms[k] = float(lag[i])
            events.extend(self._block_events(k, int(self._start[blk]), int(self._stop[blk])))
        self._next = upto
        if self._done:
            events.extend(self._status(k) for k in range(len(self._streams)))
        return events

    # ------------------------------------------------------------ internals

    def _block_events(self, k: int, a: int, b: int) -> list[Event]:
        s = self._streams[k]
        info = self.infos[k]
        out: list[Event] = []
        t = s.time_s[a:b]
        period = 1.0 / info.fs_hz
        if math.isfinite(self._last_t[k]) and t[0] - self._last_t[k] > 1.5 * period:
            n_missing = max(1, int(round((t[0] - self._last_t[k]) / period)) - 1)
            out.append(
                Gap(info.device_id, self._last_t[k] + period, t[0] - period, n_missing, "sequence")
            )
            self._seq[k] += max(1, int(round(n_missing / max(1, b - a))))
        out.append(
            Block(info.device_id, t.copy(), s.values[a:b].copy(), self._seq[k], float(t[-1]))
        )
        self._seq[k] += 1
        self._frames[k] += 1
        self._last_t[k] = float(t[-1])
        if t[-1] >= self._status_at[k]:
            self._status_at[k] = float(t[-1]) + STATUS_EVERY_S
            out.append(self._status(k))
        return out

    def _status(self, k: int) -> Status:
        return Status(
            self.infos[k].device_id,
            connected=not self._closed,
            frames_received=self._frames[k],
            frames_dropped=0,
            frames_corrupt=0,
            latency_ms=self._lag_ms[k] if self.speed is not None else None,
        )


def _blocks(time_s: np.ndarray, fs_hz: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop sample indices of blocks of ``n`` samples; a block ends
    early at a gap (interval above 1.5 sample periods)."""
    breaks = np.flatnonzero(np.diff(time_s) > 1.5 / fs_hz) + 1
    bounds = np.concatenate([[0], breaks, [len(time_s)]])
    starts = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        starts.append(np.arange(lo, hi, n))
    a = np.concatenate(starts)
    b = np.append(a[1:], len(time_s))
    # a block ends at the next break too
    nb = np.searchsorted(bounds, a, side="right")
    b = np.minimum(b, bounds[nb])
    return a, b
