"""A live source on a serial port (USB CDC or UART) speaking the footfall wire protocol.

A reader thread reads the port, splits and checks frames
(:class:`footfall.wire.Deframer`), and turns them into events
(:class:`footfall.devices.ingest.Ingest`) stamped with the host receive
time. When the port goes away (cable pulled, board reset) it is reopened
with exponential backoff and the session continues; the samples lost in
between show as a gap.
"""

from __future__ import annotations

import threading

from footfall.devices.wire_source import ANALYSIS_QUEUE_MAX, WireSource
from footfall.errors import FootfallError

__all__ = [
    "ANALYSIS_QUEUE_MAX",
    "BACKOFF_MAX_S",
    "BACKOFF_START_S",
    "SerialSource",
    "list_serial_ports",
]


BACKOFF_START_S = 0.05
BACKOFF_MAX_S = 2.0


class SerialSource(WireSource):
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
        super().__init__(port, session_start)
        self.port = port
        self.baudrate = baudrate
        self.backoff_start_s = backoff_start_s
        self.backoff_max_s = backoff_max_s
        self.reconnects = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

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

    def close(self) -> None:
        """Stop reading and close the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None

    # ------------------------------------------------------------------
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
                try:
                    ser.close()
                except (serial.SerialException, OSError):
                    pass
                ser = None
                self._disconnected()
                continue
            if data:
                self._feed(data)
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
