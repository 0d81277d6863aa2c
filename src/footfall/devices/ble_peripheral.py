"""A footfall sensor as a Bluetooth LE peripheral, on the bumble stack.

:class:`BlePeripheral` serves the GATT layout of firmware_bridge/PROTOCOL.md
(the footfall sensor service with its data and control characteristics,
Device Information) and streams :class:`~footfall.devices.emulator.EmulatedStream`
frames as a board does: paced at ``speed`` times real time, frames sized
from the negotiated MTU, whole COBS frames packed into notifications of at
most MTU - 3 bytes, DEVICE_INFO when a host subscribes and on the control
command. Like the firmware, it never blocks its sampling: a frame generated
while no host listens, or while the transmit buffer is full (the link
cannot carry what is produced), uses up its sequence number and is lost,
so the host sees a gap. Given one foot's contact times it also serves
Running Speed and Cadence, as the reference firmware does for watches.

``footfall emulate --ble TRANSPORT`` runs it on any HCI transport bumble
opens (a USB Bluetooth dongle, a simulated controller over TCP); the tests
run it on bumble's virtual controllers. bumble is an optional dependency
(``pip install 'footfall[ble-sim]'``).

Every generated data frame is logged in :attr:`BlePeripheral.sent` with its
fate: ``sent``, ``unsent`` (nobody subscribed) or ``overflow`` (transmit
buffer full).
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Service

from footfall.devices.emulator import FIRMWARE, EmulatedStream, SentFrame
from footfall.devices.gatt import (
    DEVICE_INFO_SERVICE_UUID,
    FIRMWARE_REVISION_UUID,
    FOOTFALL_CONTROL_UUID,
    FOOTFALL_DATA_UUID,
    FOOTFALL_SERVICE_UUID,
    MANUFACTURER_NAME_UUID,
    RSC_FEATURE_UUID,
    RSC_MEASUREMENT_UUID,
    RSC_SERVICE_UUID,
    ble_max_frame_len,
    encode_rsc,
)
from footfall.wire import KIND_IMU, encode_device_info, serial_wrap

__all__ = [
    "ADVERTISING_INTERVAL_MS",
    "BlePeripheral",
    "TX_BUFFER",
    "RSC_STOPPED_S",
    "advertise",
    "fit_streams_to_mtu",
    "rsc_cadence",
]

TX_BUFFER = 16
"""Notifications a sensor holds for the link before it drops frames
(a few kB of RAM on a microcontroller; 16 x 244 bytes is 240 ms of two
400 Hz IMUs)."""

ADVERTISING_INTERVAL_MS = 20.0
"""Advertising interval: short, so a host finds the sensor at once."""

LEGACY_ADV_BYTES = 31
"""Bytes of a legacy advertising (or scan response) payload."""

_SIG_BASE = "-0000-1000-8000-00805f9b34fb"


def fit_streams_to_mtu(streams: list[EmulatedStream], mtu: int) -> list[EmulatedStream]:
    """The streams with as many samples per frame as one notification of
    ``mtu`` carries (PROTOCOL.md, *BLE transport*)."""
    from footfall.wire import imu6_samples_per_frame, insole_samples_per_frame

    frame = ble_max_frame_len(mtu)
    out = []
    for s in streams:
        if s.info.kind == KIND_IMU:
            spf = imu6_samples_per_frame(frame)
        else:
            spf = insole_samples_per_frame(frame, s.raw.shape[1])
        if spf < 1:
            raise ValueError(f"an MTU of {mtu} carries no sample of stream {s.info.name}")
        info = serial_wrap(encode_device_info(s.stream_id, 0, 0, s.period_ns, s.info))
        if len(info) > mtu - 3:
            raise ValueError(f"an MTU of {mtu} cannot carry the DEVICE_INFO of {s.info.name}")
        out.append(
            dataclasses.replace(
                s,
                samples_per_frame=spf,
                info=dataclasses.replace(s.info, samples_per_frame=spf),
            )
        )
    return out


async def advertise(device: Device, name: str, services: list[str]) -> None:
    """Advertise ``services`` (16-bit SIG UUIDs sent short) and ``name``,
    restarting after each disconnection.

    A legacy advertisement holds 31 bytes: flags, the service UUIDs and as
    much of the name as fits go in the advertising data (a shortened name
    when it does not fit), the complete name in the scan response, which
    an active scan (bleak's default) merges.
    """
    uuids = [
        UUID.from_16_bits(int(u[4:8], 16)) if u.endswith(_SIG_BASE) else UUID(u) for u in services
    ]
    wide = b"".join(u.to_bytes() for u in uuids if len(u.to_bytes()) == 16)
    short = b"".join(u.to_bytes() for u in uuids if len(u.to_bytes()) == 2)
    # LE General Discoverable, BR/EDR not supported
    fields: list[tuple[int, bytes]] = [(AdvertisingData.FLAGS, b"\x06")]
    if wide:
        fields.append((AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS, wide))
    if short:
        fields.append((AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS, short))
    room = LEGACY_ADV_BYTES - sum(2 + len(v) for _, v in fields) - 2
    encoded = name.encode()
    if len(encoded) <= room:
        fields.append((AdvertisingData.COMPLETE_LOCAL_NAME, encoded))
    elif room > 0:
        fields.append((AdvertisingData.SHORTENED_LOCAL_NAME, encoded[:room]))
    response = [(AdvertisingData.COMPLETE_LOCAL_NAME, encoded[: LEGACY_ADV_BYTES - 2])]
    await device.start_advertising(
        advertising_data=bytes(AdvertisingData(fields)),
        scan_response_data=bytes(AdvertisingData(response)),
        advertising_interval_min=ADVERTISING_INTERVAL_MS,
        advertising_interval_max=ADVERTISING_INTERVAL_MS,
        auto_restart=True,
    )


RSC_STOPPED_S = 2.0
"""No contact for this long: the RSC cadence is 0 (as the reference firmware)."""


def rsc_cadence(contacts_s: np.ndarray, now_s: float) -> int:
    """The RSC cadence a foot sensor sends at ``now_s``: both feet's steps
    per minute from this foot's last stride (2 x 60 / stride time), 0 when
    the foot has not landed for :data:`RSC_STOPPED_S` or has no stride yet;
    at most 255 (one byte)."""
    i = int(np.searchsorted(contacts_s, now_s, side="right"))
    if i < 2 or now_s - contacts_s[i - 1] > RSC_STOPPED_S:
        return 0
    stride = float(contacts_s[i - 1] - contacts_s[i - 2])
    return min(255, int(round(120.0 / stride))) if stride > 0 else 0


def _host_backlog(connection: Connection) -> int:
    """Notifications still waiting to go out on ``connection``: the host's
    packets the controller has not yet reported sent, in full notifications."""
    q = connection.device.host.le_acl_packet_queue
    if q is None:
        return 0
    per_notification = -(-(connection.att_mtu + 4) // max(q.max_packet_size, 1))
    return -(-q.pending // per_notification)


class BlePeripheral:
    """A footfall sensor on Bluetooth LE, streaming ``streams``.

    Parameters
    ----------
    name
        Advertised name (the host's ``footfall live --ble NAME``).
    streams
        What the sensor sends (:func:`footfall.devices.emulator.streams_from_recording`);
        samples per frame are set from the MTU of the first host to subscribe.
    speed
        Pacing: 1 = real time.
    start_us
        Device time of the first sample, microseconds.
    tx_buffer
        Notifications the sensor may have waiting for the link; a frame that
        would exceed it is dropped (its sequence number used up).
    backlog
        Notifications waiting on a connection (default: the host stack's
        packets not yet sent by the controller).
    drop_after_frames
        End the connection from the sensor's side once this many data
        frames were generated (a reset, out of range); for tests.
    contacts_s
        One foot's initial contact times, s from the first sample: the
        sensor then also serves Running Speed and Cadence (RSC Measurement
        once a second of device time: :func:`rsc_cadence`, speed 0 as the
        reference firmware sends without a stride length; RSC Feature 0).
    """

    def __init__(
        self,
        name: str,
        streams: list[EmulatedStream],
        *,
        speed: float = 1.0,
        start_us: int = 1_000_000,
        tx_buffer: int = TX_BUFFER,
        backlog: Callable[[Connection], int] | None = None,
        drop_after_frames: int | None = None,
        firmware: str = FIRMWARE,
        contacts_s: Sequence[float] | None = None,
    ):
        self.name = name
        self.contacts_s = None if contacts_s is None else np.sort(np.asarray(contacts_s, float))
        self.services = (FOOTFALL_SERVICE_UUID,) + (
            (RSC_SERVICE_UUID,) if self.contacts_s is not None else ()
        )
        self.rsc_sent: list[tuple[float, bytes]] = []
        """RSC Measurement values the sensor produced: (device time s, value)."""
        self.streams = streams
        self.speed = speed
        self.start_us = start_us
        self.tx_buffer = tx_buffer
        self.backlog = backlog or _host_backlog
        self.drop_after_frames = drop_after_frames
        self.firmware = firmware
        self.device: Device | None = None
        self.connection: Connection | None = None
        self.connections = 0
        self.notifications = 0
        self.control_writes: list[bytes] = []
        self.sent: list[SentFrame] = []
        self.sent_wall: list[float] = []
        """For each entry of :attr:`sent`: the loop time its first sample was taken."""
        self.done = threading.Event()
        self.subscribed = asyncio.Event()
        self.started = asyncio.Event()
        self._info_requested = False
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ GATT
    def gatt(self) -> list[Service]:
        """The footfall sensor service and Device Information."""
        self.data_char = Characteristic(
            FOOTFALL_DATA_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )

        def on_write(_conn: Any, value: bytes) -> None:
            self.control_writes.append(bytes(value))
            if bytes(value[:1]) == b"\x01":
                self._info_requested = True

        control: Characteristic[bytes] = Characteristic(
            FOOTFALL_CONTROL_UUID,
            Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            Characteristic.WRITEABLE,
            CharacteristicValue[bytes](write=on_write),
        )
        readable = Characteristic.Properties.READ
        info = Service(
            DEVICE_INFO_SERVICE_UUID,
            [
                Characteristic(
                    MANUFACTURER_NAME_UUID, readable, Characteristic.READABLE, b"footfall"
                ),
                Characteristic(
                    FIRMWARE_REVISION_UUID,
                    readable,
                    Characteristic.READABLE,
                    self.firmware.encode(),
                ),
            ],
        )
        services = [Service(FOOTFALL_SERVICE_UUID, [self.data_char, control]), info]
        if self.contacts_s is not None:
            self.rsc_char = Characteristic(
                RSC_MEASUREMENT_UUID,
                Characteristic.Properties.NOTIFY,
                Characteristic.READABLE,
                b"",
            )
            feature = Characteristic(
                RSC_FEATURE_UUID, readable, Characteristic.READABLE, b"\x00\x00"
            )
            services.append(Service(RSC_SERVICE_UUID, [self.rsc_char, feature]))
        return services

    async def start(self, device: Device) -> None:
        """Serve the GATT layout on ``device`` (powered on), advertise, and
        stream once a host subscribes."""
        self.device = device
        device.add_services(self.gatt())
        device.on("connection", self._on_connection)
        device.on("characteristic_subscription", self._on_subscription)
        await advertise(device, self.name, list(self.services))
        self._task = asyncio.ensure_future(self._stream())

    def stop(self) -> None:
        """Stop streaming (call on the peripheral's loop)."""
        if self._task is not None:
            self._task.cancel()

    async def wait(self) -> None:
        """Until every frame was generated."""
        if self._task is not None:
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    async def drop_link(self) -> None:
        """End the connection from the sensor's side."""
        if self.connection is not None:
            await self.connection.disconnect()

    def _on_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.connections += 1

        def gone(*_: Any) -> None:
            if self.connection is connection:
                self.connection = None
                self.subscribed.clear()

        connection.on("disconnection", gone)

    def _on_subscription(self, conn: Any, characteristic: Any, notify: bool, _ind: bool) -> None:
        if notify:
            self.started.set()  # the first host (footfall, or a watch for RSC) starts the run
        if characteristic.uuid != UUID(FOOTFALL_DATA_UUID):
            return
        if notify and conn is self.connection:
            self.subscribed.set()
        elif not notify:
            self.subscribed.clear()

    # ------------------------------------------------------------------ streaming
    def _schedule(self) -> list[tuple[float, int, int]]:
        """(device time s, stream index or -1 for RSC, frame index) in time order."""
        out = []
        end = 0.0
        for k, s in enumerate(self.streams):
            for j in range(s.n_frames):
                last = min((j + 1) * s.samples_per_frame, s.raw.shape[0]) - 1
                out.append((last * s.period_ns * 1e-9, k, j))
                end = max(end, out[-1][0])
        if self.contacts_s is not None:
            out += [(float(sec), -1, sec) for sec in range(1, int(end) + 1)]
        return sorted(out)

    async def _notify_rsc(self, dev_s: float) -> None:
        assert self.contacts_s is not None and self.device is not None
        conn = self.connection
        if conn is None:
            return
        value = encode_rsc(0, rsc_cadence(self.contacts_s, dev_s), running=True)
        await self.device.notify_subscriber(conn, self.rsc_char, value)
        self.rsc_sent.append((dev_s, value))

    def _infos(self, next_seq: dict[int, int], dev_s: float) -> bytes:
        t_us = self.start_us + int(dev_s * 1e6)
        return b"".join(
            serial_wrap(
                encode_device_info(
                    s.stream_id, next_seq.get(s.stream_id, 0), t_us, s.period_ns, s.info
                )
            )
            for s in self.streams
        )

    async def _notify(self, payload: bytes) -> bool:
        """Send one notification of the data characteristic; False when no host listens."""
        conn = self.connection
        if conn is None or self.device is None or not self.subscribed.is_set():
            return False
        if len(payload) > conn.att_mtu - 3:
            raise ValueError(f"notification of {len(payload)} bytes, MTU {conn.att_mtu}")
        await self.device.notify_subscriber(conn, self.data_char, payload)
        self.notifications += 1
        return True

    async def _stream(self) -> None:
        try:
            await self.started.wait()
            assert self.connection is not None
            self.streams = fit_streams_to_mtu(self.streams, self.connection.att_mtu)
            loop = asyncio.get_running_loop()
            wall0 = loop.time()
            next_seq: dict[int, int] = {}
            announce = True
            generated = 0
            pending = b""
            in_pending: list[int] = []  # indices into self.sent

            async def flush() -> None:
                nonlocal pending, in_pending
                if pending:
                    conn = self.connection
                    full = conn is not None and self.backlog(conn) >= self.tx_buffer
                    ok = not full and await self._notify(pending)
                    if not ok:
                        fate = "overflow" if full else "unsent"
                        for i in in_pending:
                            self.sent[i] = dataclasses.replace(self.sent[i], fate=fate)
                pending, in_pending = b"", []

            for dev_s, k, j in self._schedule():
                delay = wall0 + dev_s / self.speed - loop.time()
                if delay > 0:
                    await flush()
                    await asyncio.sleep(delay)
                if k < 0:
                    await self._notify_rsc(dev_s)
                    continue
                s = self.streams[k]
                a = j * s.samples_per_frame
                n = min(s.samples_per_frame, s.raw.shape[0] - a)
                next_seq[s.stream_id] = j + 1
                generated += 1
                if self.drop_after_frames is not None and generated == self.drop_after_frames:
                    await flush()
                    await self.drop_link()
                self.sent_wall.append(wall0 + a * s.period_ns * 1e-9 / self.speed)
                if not self.subscribed.is_set() or self.connection is None:
                    self.sent.append(SentFrame(s.stream_id, j, a, n, "unsent"))
                    announce = True
                    continue
                if announce or self._info_requested:
                    await flush()
                    await self._notify(self._infos(next_seq | {s.stream_id: j}, dev_s))
                    announce = self._info_requested = False
                wire = serial_wrap(s.frame(j, self.start_us))
                if len(pending) + len(wire) > self.connection.att_mtu - 3:
                    await flush()
                pending += wire
                in_pending.append(len(self.sent))
                self.sent.append(SentFrame(s.stream_id, j, a, n, "sent"))
            await flush()
        finally:
            self.done.set()
