"""From wire frames to events: device info, SI blocks on the host axis, gaps, resets.

:class:`Ingest` is transport-free: a serial source (or a test) hands it the
frames it decoded and the host time they arrived; it keeps one state per
stream (what the stream is, its clock mapping, the last sequence number) and
returns :mod:`footfall.devices.base` events. Missing samples become
:class:`~footfall.devices.base.Gap` events and are never filled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from footfall.devices.base import Block, DeviceInfo, Event, Gap, Status
from footfall.devices.clock import ClockMapper
from footfall.errors import safe_text
from footfall.model import IMU_COLUMNS, Placement, SensorKind, Side
from footfall.wire import (
    KIND_IMU,
    PLACEMENT_SHANK,
    SIDE_LEFT,
    DeviceInfoPayload,
    Frame,
    ImuBlock,
    InsoleBlock,
    StatusPayload,
)

__all__ = [
    "DEVICE_NAME_MAX",
    "Ingest",
    "PENDING_S",
    "device_info_event",
]


DEVICE_NAME_MAX = 60
"""Longest device id taken from a device's name, characters (at most 240
bytes in UTF-8: the capture log stores it with a one-byte length)."""

PENDING_S = 5.0
"""Data frames of a stream whose DEVICE_INFO has not arrived are held this long, s."""


def device_info_event(
    payload: DeviceInfoPayload, device_id: str, stream_id: int, port: str = ""
) -> DeviceInfo:
    """The :class:`DeviceInfo` event of a DEVICE_INFO payload."""
    imu = payload.kind == KIND_IMU
    cols = IMU_COLUMNS if imu else tuple(f"p{i + 1}" for i in range(payload.n_channels))
    placement = None
    if imu:
        placement = Placement.SHANK if payload.placement == PLACEMENT_SHANK else Placement.FOOT
    return DeviceInfo(
        device_id=device_id,
        kind=SensorKind.IMU if imu else SensorKind.INSOLE,
        side=Side.LEFT if payload.side == SIDE_LEFT else Side.RIGHT,
        placement=placement,
        fs_hz=payload.fs_hz,
        columns=cols,
        layout=payload.layout or None,
        firmware=payload.firmware,
        meta={
            "stream_id": stream_id,
            "boot_id": payload.boot_id,
            "port": port,
            "scale0": payload.scale0,
            "scale1": payload.scale1,
            "samples_per_frame": payload.samples_per_frame,
        },
    )


@dataclass
class _StreamState:
    stream_id: int
    info: DeviceInfo | None = None
    boot_id: int | None = None
    clock: ClockMapper = field(default_factory=ClockMapper)
    last_seq: int | None = None
    next_dev_us: float | None = None  # device time the next sample should have
    last_t_s: float | None = None  # host time of the last sample delivered
    period_s: float = 0.0
    reset_pending: bool = False
    disconnected: bool = False
    announce: bool = True
    pending: list[tuple[Frame, float]] = field(default_factory=list)
    frames_received: int = 0
    frames_dropped: int = 0
    latency_s: float | None = None
    battery_pct: float | None = None


class Ingest:
    """Turn decoded frames from one connection into events.

    Parameters
    ----------
    port
        A label for the connection (the serial port); device ids fall back to
        ``"{port}/{stream_id}"`` when a device sends no name.
    """

    def __init__(self, port: str = ""):
        self.port = port
        self.streams: dict[int, _StreamState] = {}
        self.frames_corrupt = 0

    # ------------------------------------------------------------------
    def frames(self, frames: list[Frame], received_s: float) -> list[Event]:
        """Events for ``frames``, all received at host time ``received_s`` (s)."""
        out: list[Event] = []
        for f in frames:
            self._one(f, received_s, out)
        return out

    def disconnected(self, host_s: float) -> list[Event]:
        """The link dropped at ``host_s``: a Status per known device."""
        out: list[Event] = []
        for st in self.streams.values():
            st.disconnected = True
            st.announce = True
            if st.info is not None:
                out.append(self._status(st, connected=False))
        return out

    # ------------------------------------------------------------------
    def _state(self, sid: int) -> _StreamState:
        st = self.streams.get(sid)
        if st is None:
            st = self.streams[sid] = _StreamState(sid)
        return st

    def _status(self, st: _StreamState, connected: bool = True) -> Status:
        assert st.info is not None
        return Status(
            st.info.device_id,
            connected,
            battery_pct=st.battery_pct,
            frames_received=st.frames_received,
            frames_dropped=st.frames_dropped,
            frames_corrupt=self.frames_corrupt,
            latency_ms=None if st.latency_s is None else st.latency_s * 1000.0,
        )

    def _one(self, f: Frame, received_s: float, out: list[Event]) -> None:
        h, p = f.header, f.payload
        st = self._state(h.stream_id)
        if isinstance(p, DeviceInfoPayload):
            if st.boot_id is not None and p.boot_id != st.boot_id:
                st.reset_pending = True
            st.boot_id = p.boot_id
            # a device names itself: control characters escaped, the length bounded
            device_id = safe_text(p.name, DEVICE_NAME_MAX) or f"{self.port}/{h.stream_id}"
            info = device_info_event(p, device_id, h.stream_id, self.port)
            if st.info is None or st.announce or info != st.info:
                out.append(info)
                st.announce = False
            st.info = info
            st.period_s = 1.0 / info.fs_hz if info.fs_hz > 0 else h.period_ns * 1e-9
            pending, st.pending = st.pending, []
            for pf, pr in pending:
                self._data(st, pf, pr, out)
            return
        if isinstance(p, StatusPayload):
            st.battery_pct = None if p.battery_pct == 0xFF else float(p.battery_pct)
            if st.info is not None:
                out.append(self._status(st))
            return
        if isinstance(p, ImuBlock | InsoleBlock):
            if st.info is None:
                st.pending = [(pf, pr) for pf, pr in st.pending if pr >= received_s - PENDING_S]
                st.pending.append((f, received_s))
                return
            self._data(st, f, received_s, out)
        # unknown message types: skipped

    def _data(self, st: _StreamState, f: Frame, received_s: float, out: list[Event]) -> None:
        h = f.header
        n = h.sample_count
        if n == 0 or st.info is None:
            return
        # a data frame must carry its sample period; one that says 0 takes
        # the period the device announced (its samples are kept), and with
        # none announced the frame cannot be timed and counts as bad
        if h.period_ns > 0:
            period_us = h.period_ns / 1000.0
        elif st.period_s > 0:
            period_us = st.period_s * 1e6
        else:
            self.frames_corrupt += 1
            return
        assert isinstance(f.payload, ImuBlock | InsoleBlock)
        values = f.payload.si()
        if values.shape[1] != len(st.info.columns):
            return  # does not match what the device said it is: not ours to guess
        reset = st.reset_pending
        missing_frames = 0
        if st.last_seq is not None and not reset:
            diff = (h.seq - st.last_seq) % 2**32
            if diff == 0:
                return  # a repeat
            backwards = diff > 2**31 or (
                st.next_dev_us is not None and h.t_first_us < st.next_dev_us - 0.5 * period_us
            )
            if backwards:
                reset = True
            else:
                missing_frames = diff - 1
        gap_from_s = st.last_t_s
        if reset:
            st.clock = ClockMapper()
        dev_last_s = (h.t_first_us + (n - 1) * period_us) * 1e-6
        st.clock.observe(dev_last_s, received_s)
        t_s = st.clock.to_host((h.t_first_us + np.arange(n) * period_us) * 1e-6)
        if reset and gap_from_s is not None:
            n_miss = max(int(round((t_s[0] - gap_from_s) / max(st.period_s, 1e-9))) - 1, 0)
            out.append(
                Gap(
                    st.info.device_id,
                    gap_from_s + st.period_s,
                    t_s[0] - st.period_s,
                    n_miss,
                    "reset",
                )
            )
        elif missing_frames and st.next_dev_us is not None:
            n_miss = int(round((h.t_first_us - st.next_dev_us) / period_us))
            if n_miss <= 0:
                n_miss = missing_frames * n
            t0 = float(st.clock.to_host(st.next_dev_us * 1e-6))
            t1 = float(st.clock.to_host((h.t_first_us - period_us) * 1e-6))
            reason = "disconnect" if st.disconnected else "sequence"
            out.append(Gap(st.info.device_id, t0, t1, n_miss, reason))
            st.frames_dropped += missing_frames
        st.reset_pending = False
        st.disconnected = False
        st.last_seq = h.seq
        st.next_dev_us = h.t_first_us + n * period_us
        st.last_t_s = float(t_s[-1])
        st.frames_received += 1
        st.latency_s = received_s - float(t_s[-1])
        out.append(Block(st.info.device_id, t_s, values, h.seq, received_s, frame=f.raw))
