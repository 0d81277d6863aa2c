"""A live source on a serial port (USB CDC or UART) speaking the footfall wire protocol.

A reader thread reads the port, splits and checks frames
(:class:`footfall.wire.Deframer`), and turns them into events
(:class:`footfall.devices.ingest.Ingest`) stamped with the host receive
time. When the port goes away (cable pulled, board reset) it is reopened
with exponential backoff and the session continues; the samples lost in
between show as a gap.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from footfall.devices.base import Event, drain
from footfall.devices.ingest import Ingest
from footfall.errors import FootfallError
from footfall.wire import Deframer

__all__ = [
    "ANALYSIS_QUEUE_MAX",
    "BACKOFF_MAX_S",
    "BACKOFF_START_S",
    "SerialSource",
    "list_serial_ports",
]


BACKOFF_START_S = 0.05
BACKOFF_MAX_S = 2.0


ANALYSIS_QUEUE_MAX = 50_000
"""Events waiting for the analysis at most (about 15 minutes of one device's
frames); beyond, the analysis skips events, which the log has kept."""


class SerialSource:
    """Events from one serial port.

    Parameters
    ----------
    port
        Device path, e.g. ``/dev/ttyACM0`` (a stable symlink such as
        ``/dev/serial/by-id/...`` survives re-enumeration better).
    baudrate
        UART speed; ignored by USB CDC (default 921600, PROTOCOL.md).
    session_start
        ``time.monotonic()`` value that is time zero of the session axis;
        give several sources the same value to put them on one axis.
        Default: when the source is made.
    backoff_start_s, backoff_max_s
        First and longest wait between reconnection attempts, s.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 921600,
        session_start: float | None = None,
        backoff_start_s: float = BACKOFF_START_S,
        backoff_max_s: float = BACKOFF_MAX_S,
    ):
        self.port = port
        self.baudrate = baudrate
        self.session_start = time.monotonic() if session_start is None else session_start
        self.backoff_start_s = backoff_start_s
        self.backoff_max_s = backoff_max_s
        self.deframer = Deframer()
        self.ingest = Ingest(port)
        self.reconnects = 0
        self.reader_errors = 0  # exceptions caught in the reader (counted, not fatal)
        self.analysis_dropped = 0  # events the analysis queue had no room for (logged anyway)
        self.sink_error: OSError | None = None
        self._sink: Callable[[list[Event]], None] | None = None
        self._sink_lock = threading.Lock()
        self._queue: queue.Queue[Event] = queue.Queue(maxsize=ANALYSIS_QUEUE_MAX)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = threading.Event()

    def now_s(self) -> float:
        """Current time on the session axis, s."""
        return time.monotonic() - self.session_start

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def open(self) -> None:
        """Open the port (it must exist now) and start reading."""
        import serial

        try:
            # exclusive: a second reader of one port would take half of its frames
            ser = serial.Serial(self.port, self.baudrate, timeout=0.05, exclusive=True)
        except (serial.SerialException, OSError) as e:
            if "lock" in str(e).lower():
                raise FootfallError(
                    "the serial port is in use by another program (another footfall live?)",
                    path=self.port,
                    fix="stop the other capture first; one program reads a port at a time",
                ) from None
            raise FootfallError(
                f"cannot open serial port: {e}",
                path=self.port,
                fix="check the cable and the port name (footfall devices lists the ports)",
            ) from None
        self._thread = threading.Thread(
            target=self._run, args=(ser,), daemon=True, name=f"serial {self.port}"
        )
        self._thread.start()

    def wait_connected(self, timeout_s: float) -> bool:
        """Block until the port is open (True) or ``timeout_s`` passed (False)."""
        return self._connected.wait(timeout_s)

    def poll(self, timeout_s: float = 0.1) -> list[Event]:
        """Events that arrived; waits up to ``timeout_s`` for the first one."""
        return drain(self._queue, timeout_s)

    def close(self) -> None:
        """Stop reading and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    @property
    def finished(self) -> bool:
        """A serial port is never finished: it is reconnected until closed."""
        return False

    # ------------------------------------------------------------------
    def set_sink(self, sink: Callable[[list[Event]], None] | None) -> None:
        """Hand every event to ``sink`` (the capture log's writer) from the
        reader thread itself, as it is read: the log then never waits on the
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

    def _run(self, ser) -> None:  # noqa: ANN001 - a serial.Serial
        import serial

        backoff = self.backoff_start_s
        while not self._stop.is_set():
            if ser is None:
                try:
                    ser = serial.Serial(self.port, self.baudrate, timeout=0.05, exclusive=True)
                except (serial.SerialException, OSError, ValueError):
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self.backoff_max_s)
                    continue
                self.reconnects += 1
                self.deframer.reset()
                backoff = self.backoff_start_s
            self._connected.set()
            try:
                data = ser.read(max(1, ser.in_waiting))
            except (serial.SerialException, OSError, TypeError):
                # TypeError: pyserial reading a port closed under it
                self._connected.clear()
                try:
                    ser.close()
                except (serial.SerialException, OSError):
                    pass
                ser = None
                self._put(self.ingest.disconnected(self.now_s()))
                continue
            if data:
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
                    continue
                self._put(events)
        if ser is not None:
            try:
                ser.close()
            except (serial.SerialException, OSError):
                pass
        self._connected.clear()


def list_serial_ports() -> list[dict[str, str]]:
    """Serial ports on this machine: device path, description, hardware id."""
    from serial.tools import list_ports

    return [
        {"device": p.device, "description": p.description or "", "hwid": p.hwid or ""}
        for p in sorted(list_ports.comports(), key=lambda p: p.device)
    ]
