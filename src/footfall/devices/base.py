"""Events and the source interface shared by live capture.

A *source* (a serial board, an emulator, a replayed recording) yields events:
:class:`DeviceInfo` once per device stream (and again after each reconnect),
:class:`Block` for consecutive samples, :class:`Gap` for samples known to be
missing, and :class:`Status` for link health. Everything is SI and every time
is on the session's host axis (seconds since the session started).
"""

from __future__ import annotations

import queue
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from footfall.model import Placement, SensorKind, Side

__all__ = ["Block", "DeviceInfo", "Event", "Gap", "Source", "Status", "drain"]


@dataclass(frozen=True)
class DeviceInfo:
    """One device stream; sent first and again after each reconnect.

    Attributes
    ----------
    device_id
        Stable identifier, e.g. ``"emu-left-foot"`` or a serial number.
    kind
        IMU or insole.
    side, placement
        Where the sensor sits (placement is ``None`` for an insole).
    fs_hz
        Nominal sample rate, Hz.
    columns
        Canonical column names of :attr:`Block.values`, e.g. ``IMU_COLUMNS`` or
        ``("p1", ..., "p16")``.
    layout
        Insole cell layout name, if any.
    firmware
        Firmware version string.
    meta
        Anything else (scale factors, stream id, protocol version).
    """

    device_id: str
    kind: SensorKind
    side: Side
    placement: Placement | None
    fs_hz: float
    columns: tuple[str, ...]
    layout: str | None = None
    firmware: str = ""
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Block:
    """Consecutive samples of one device, already in SI (m/s^2, rad/s, kPa).

    Attributes
    ----------
    device_id
        Which device.
    t_s
        Sample times on the session's host axis, seconds since session start, shape (n,).
    values
        Samples, float64, shape (n, k), in :attr:`DeviceInfo.columns` order.
    seq
        The frame sequence number the samples came in.
    received_s
        Host time (session axis) when the frame arrived, seconds.
    frame
        The wire frame the samples were decoded from (header, payload and CRC,
        without COBS), when they came over the wire; the capture recorder logs
        it as received. ``None`` for blocks that did not (a replayed recording).
    """

    device_id: str
    t_s: np.ndarray
    values: np.ndarray
    seq: int
    received_s: float
    frame: bytes | None = None


@dataclass(frozen=True)
class Gap:
    """Samples known to be missing (sequence gap, reset, disconnect); never filled.

    Attributes
    ----------
    device_id
        Which device.
    t_start_s, t_end_s
        The missing span on the session axis, seconds: from the first missing
        sample to the last missing one (estimated from the sample period).
    n_missing
        Number of missing samples (an estimate when the reason is a disconnect).
    reason
        ``"sequence"``, ``"reset"``, ``"disconnect"`` or ``"corrupt"``.
    """

    device_id: str
    t_start_s: float
    t_end_s: float
    n_missing: int
    reason: str


@dataclass(frozen=True)
class Status:
    """Link health of one device.

    Attributes
    ----------
    device_id
        Which device.
    connected
        Whether the link is up.
    battery_pct
        Battery level, percent, if the device reports it.
    frames_received, frames_dropped, frames_corrupt
        Counters since the session started.
    latency_ms
        Estimated delay from sampling to reception, milliseconds.
    """

    device_id: str
    connected: bool
    battery_pct: float | None = None
    frames_received: int = 0
    frames_dropped: int = 0
    frames_corrupt: int = 0
    latency_ms: float | None = None


Event = DeviceInfo | Block | Gap | Status


@runtime_checkable
class Source(Protocol):
    """Anything that yields live-capture events."""

    def open(self) -> None:
        """Start the source (open the port, start the thread, ...)."""
        ...

    def poll(self, timeout_s: float = 0.1) -> list[Event]:
        """Return the events that arrived, waiting at most ``timeout_s`` (maybe empty)."""
        ...

    def close(self) -> None:
        """Stop the source and release its resources."""
        ...

    @property
    def finished(self) -> bool:
        """True when a finite source (a replay) has nothing more to give."""
        ...


def drain(q: queue.Queue, timeout_s: float) -> list[Event]:
    """Every event waiting in a reader thread's queue, waiting up to
    ``timeout_s`` for the first one (a source's ``poll``)."""
    out: list[Event] = []
    try:
        out.append(q.get(timeout=timeout_s) if timeout_s > 0 else q.get_nowait())
    except queue.Empty:
        return out
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out
