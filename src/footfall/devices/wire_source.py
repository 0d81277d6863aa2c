"""What a serial port and a Bluetooth LE link share as live sources.

Both receive bytes in the footfall wire protocol on a thread of their own
(a serial reader thread, the BLE event loop's thread): the bytes are split
and checked (:class:`footfall.wire.Deframer`), turned into events stamped
with the host receive time (:class:`footfall.devices.ingest.Ingest`), handed
to the capture log's writer at once (:meth:`WireSource.set_sink`) and queued
for the analysis, which polls (:meth:`WireSource.poll`). Whatever a device
sends, the reader goes on.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from footfall.devices.base import Event, drain
from footfall.devices.ingest import Ingest
from footfall.wire import Deframer

__all__ = ["ANALYSIS_QUEUE_MAX", "WireSource"]


ANALYSIS_QUEUE_MAX = 50_000
"""Events waiting for the analysis at most (about 15 minutes of one device's
frames); beyond, the analysis skips events, which the log has kept."""


class WireSource:
    """Bytes of the wire protocol in, events out: the shared half of
    :class:`~footfall.devices.serial_source.SerialSource` and
    :class:`~footfall.devices.ble_source.BleSource`.

    Parameters
    ----------
    label
        How the source names itself in its events' errors (the port, ``ble:NAME``).
    session_start
        ``time.monotonic()`` value that is time zero of the session axis;
        give several sources the same value to put them on one axis.
        Default: when the source is made.
    """

    def __init__(self, label: str, session_start: float | None = None):
        self.session_start = time.monotonic() if session_start is None else session_start
        self.deframer = Deframer()
        self.ingest = Ingest(label)
        self.reader_errors = 0  # exceptions caught in the reader (counted, not fatal)
        self.analysis_dropped = 0  # events the analysis queue had no room for (logged anyway)
        self.sink_error: OSError | None = None
        self._sink: Callable[[list[Event]], None] | None = None
        self._sink_lock = threading.Lock()
        self._queue: queue.Queue[Event] = queue.Queue(maxsize=ANALYSIS_QUEUE_MAX)
        self._connected = threading.Event()

    def now_s(self) -> float:
        """Current time on the session axis, s."""
        return time.monotonic() - self.session_start

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    @property
    def finished(self) -> bool:
        """A port or a link is never finished: it is reconnected until closed."""
        return False

    def wait_connected(self, timeout_s: float) -> bool:
        """Block until the port or link is up (True) or ``timeout_s`` passed (False)."""
        return self._connected.wait(timeout_s)

    def poll(self, timeout_s: float = 0.1) -> list[Event]:
        """Events that arrived; waits up to ``timeout_s`` for the first one."""
        return drain(self._queue, timeout_s)

    def set_sink(self, sink: Callable[[list[Event]], None] | None) -> None:
        """Hand every event to ``sink`` (the capture log's writer) from the
        reading thread itself, as it is read: the log then never waits on the
        analysis that polls this source. Events already waiting for a poll
        are handed over first, so none is missed or written twice."""
        with self._sink_lock:
            if sink is not None:
                with self._queue.mutex:
                    waiting = list(self._queue.queue)
                if waiting:
                    sink(waiting)
            self._sink = sink

    def _put(self, events: list[Event]) -> None:
        with self._sink_lock:
            if self._sink is not None and events and self.sink_error is None:
                try:
                    self._sink(events)
                except OSError as e:  # e.g. a full disk: the session reports it
                    self.sink_error = e
            for event in events:
                try:
                    self._queue.put_nowait(event)
                except queue.Full:
                    # the analysis is far behind: it skips, the log does not
                    self.analysis_dropped += 1

    def _feed(self, data: bytes | bytearray) -> None:
        """Bytes as received: their complete frames become events, now."""
        now = self.now_s()
        before = self.deframer.stats.corrupt
        try:
            frames = self.deframer.feed(data)
            self.ingest.frames_corrupt += self.deframer.stats.corrupt - before
            events = self.ingest.frames(frames, now)
        except Exception:  # noqa: BLE001 - a device must not stop the capture
            # whatever a device sends, the reader goes on: the bytes are
            # counted as bad (shown with the device's data quality), the
            # deframer starts again at the next frame boundary
            self.reader_errors += 1
            self.ingest.frames_corrupt += 1
            self.deframer.reset()
            return
        self._put(events)

    def _disconnected(self) -> None:
        """The port or link went away: the streams are marked (a gap follows)."""
        self._connected.clear()
        self._put(self.ingest.disconnected(self.now_s()))
