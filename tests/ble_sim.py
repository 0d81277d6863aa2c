"""A simulated Bluetooth LE world for the tests: bumble controllers on an
in-process link, bumble peripherals (a footfall sensor fed by the virtual
runner, an RSC foot pod), and a small bleak backend that drives bumble's
central, so footfall's BLE source runs through the real bleak API with no
Bluetooth hardware.

The world runs bumble on an asyncio loop in a thread of its own; the bleak
backend (called on the BLE source's loop) hands each call over to that loop
and each notification and disconnection back.
"""

from __future__ import annotations

import asyncio
import threading
import uuid as uuidlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData
from bumble.device import Connection, Device, Peer
from bumble.gatt import Characteristic, Service
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from footfall.devices.emulator import EmulatedStream
from footfall.devices.gatt import (
    DEVICE_INFO_SERVICE_UUID,
    FIRMWARE_REVISION_UUID,
    FOOTFALL_CONTROL_UUID,
    FOOTFALL_DATA_UUID,
    FOOTFALL_SERVICE_UUID,
    FTMS_SERVICE_UUID,
    MANUFACTURER_NAME_UUID,
    RSC_MEASUREMENT_UUID,
    RSC_SERVICE_UUID,
    TREADMILL_DATA_UUID,
)
from footfall.wire import encode_device_info, serial_wrap

CENTRAL_ADDRESS = "F0:F0:F0:F0:F0:F0"
_BASE = "-0000-1000-8000-00805f9b34fb"
MTU = 247


def bleak_uuid(u: UUID) -> str:
    """A bumble UUID as bleak writes it (lower-case 128-bit string)."""
    return str(uuidlib.UUID(bytes=u.to_bytes(force_128=True)[::-1]))


def _props(p: Characteristic.Properties) -> list[str]:
    names = [
        (Characteristic.Properties.READ, "read"),
        (Characteristic.Properties.WRITE, "write"),
        (Characteristic.Properties.WRITE_WITHOUT_RESPONSE, "write-without-response"),
        (Characteristic.Properties.NOTIFY, "notify"),
        (Characteristic.Properties.INDICATE, "indicate"),
    ]
    return [n for flag, n in names if p & flag]


# ---------------------------------------------------------------- the world
class SimWorld:
    """bumble's in-process link, a central, and the peripherals, on one loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.link: LocalLink = self.call(self._make_link)
        self.central: Device = self.call(lambda: self._device(CENTRAL_ADDRESS))
        self._scanners = 0
        self._adv_listeners: set[Callable[[Any], None]] = set()
        self.central.on("advertisement", self._on_adv)
        self.peripherals: list[Any] = []

    # running things on the world's loop
    def call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` (a coroutine function or a plain one) on the world's loop; wait."""

        async def run() -> Any:
            r = fn()
            if asyncio.iscoroutine(r):
                r = await r
            return r

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(30)

    async def acall(self, coro: Coroutine[Any, Any, Any]) -> Any:
        """Await ``coro`` on the world's loop from another loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    async def _make_link(self) -> LocalLink:
        return LocalLink()

    async def _device(self, address: str) -> Device:
        c = Controller(f"ctl-{address}", link=self.link, public_address=address)
        d = Device(address=Address(address), host=Host(c, AsyncPipeSink(c)))
        await d.power_on()
        return d

    def add(self, peripheral: Any) -> Any:
        self.call(lambda: peripheral.start(self))
        self.peripherals.append(peripheral)
        return peripheral

    def close(self) -> None:
        for p in self.peripherals:
            p.stop_streaming()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    # scanning (shared by every scanner of the backend)
    def _on_adv(self, adv: Any) -> None:
        for listener in list(self._adv_listeners):
            listener(adv)

    async def scan_start(self, listener: Callable[[Any], None]) -> None:
        self._adv_listeners.add(listener)
        self._scanners += 1
        if self._scanners == 1:
            await self.central.start_scanning(filter_duplicates=False)

    async def scan_stop(self, listener: Callable[[Any], None]) -> None:
        self._adv_listeners.discard(listener)
        self._scanners -= 1
        if self._scanners == 0:
            await self.central.stop_scanning()


# ---------------------------------------------------------------- peripherals
@dataclass
class SentFrame:
    stream_id: int
    seq: int
    first_sample: int
    n_samples: int
    fate: str  # "sent" or "unsent"


class _Peripheral:
    """A bumble device that advertises services and a name."""

    address = "F1:F1:F1:F1:F1:F1"
    name = "peripheral"
    services: list[str] = []

    def __init__(self) -> None:
        self.device: Device | None = None
        self.connection: Connection | None = None
        self.subscribed = asyncio.Event()
        self.connections = 0

    def gatt(self) -> list[Service]:
        raise NotImplementedError

    async def start(self, world: SimWorld) -> None:
        self.world = world
        self.device = d = await world._device(self.address)
        d.add_services(self.gatt())
        d.on("connection", self._on_connection)
        d.on("characteristic_subscription", self._on_subscription)
        await self.advertise()

    async def advertise(self) -> None:
        assert self.device is not None
        # 16-bit UUIDs (SIG-assigned) sent short, as devices do
        uuids = [
            UUID.from_16_bits(int(u[4:8], 16)) if u.endswith(_BASE) else UUID(u)
            for u in self.services
        ]
        wide = [u for u in uuids if len(u.to_bytes()) == 16]
        short = [u for u in uuids if len(u.to_bytes()) == 2]
        # bumble's simulated controller answers a scan request with the
        # advertising data, so the name goes there too
        fields: list[tuple[int, bytes]] = [
            (AdvertisingData.COMPLETE_LOCAL_NAME, self.name.encode())
        ]
        if wide:
            fields.append(
                (
                    AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
                    b"".join(u.to_bytes() for u in wide),
                )
            )
        if short:
            fields.append(
                (
                    AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                    b"".join(u.to_bytes() for u in short),
                )
            )
        await self.device.start_advertising(
            advertising_data=bytes(AdvertisingData(fields)),
            advertising_interval_min=20.0,
            advertising_interval_max=20.0,
            auto_restart=True,
        )

    def _on_connection(self, connection: Connection) -> None:
        self.connection = connection
        self.connections += 1
        connection.on("disconnection", lambda *_: self._on_disconnection(connection))

    def _on_disconnection(self, connection: Connection) -> None:
        if self.connection is connection:
            self.connection = None
            self.subscribed.clear()

    def _on_subscription(self, _conn: Any, characteristic: Any, notify: bool, _ind: bool) -> None:
        if notify and characteristic.uuid == UUID(self.notify_uuid):
            self.subscribed.set()

    notify_uuid = ""

    def stop_streaming(self) -> None:
        pass

    async def drop_link(self) -> None:
        """The peripheral ends the connection (out of range, reset)."""
        if self.connection is not None:
            await self.connection.disconnect()


class FootfallPeripheral(_Peripheral):
    """A footfall sensor on BLE: the GATT layout of PROTOCOL.md, fed by emulated streams.

    Frames go out in the order a board generates them, paced at ``speed``
    times real time, packed into notifications of at most MTU - 3 bytes.
    Frames generated with no subscriber are counted as unsent (their
    sequence numbers used up). ``drop_after_frames`` (data frames
    generated) ends the connection from the peripheral's side there.
    """

    services = [FOOTFALL_SERVICE_UUID]
    notify_uuid = FOOTFALL_DATA_UUID

    def __init__(
        self,
        name: str,
        streams: list[EmulatedStream],
        *,
        address: str = "F1:F1:F1:F1:F1:F1",
        speed: float = 20.0,
        drop_after_frames: int | None = None,
        start_us: int = 1_000_000,
    ):
        super().__init__()
        self.name = name
        self.address = address
        self.streams = streams
        self.speed = speed
        self.drop_after_frames = drop_after_frames
        self.start_us = start_us
        self.sent: list[SentFrame] = []
        self.notifications = 0
        self.control_writes: list[bytes] = []
        self.done = threading.Event()
        self._task: asyncio.Task[None] | None = None

    def gatt(self) -> list[Service]:
        self.data_char = Characteristic(
            FOOTFALL_DATA_UUID, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )

        def on_write(_conn: Any, value: bytes) -> None:
            self.control_writes.append(bytes(value))

        from bumble.gatt import CharacteristicValue

        control = Characteristic(
            FOOTFALL_CONTROL_UUID,
            Characteristic.Properties.WRITE | Characteristic.Properties.WRITE_WITHOUT_RESPONSE,
            Characteristic.WRITEABLE,
            CharacteristicValue(write=on_write),
        )
        info = Service(
            DEVICE_INFO_SERVICE_UUID,
            [
                Characteristic(
                    MANUFACTURER_NAME_UUID,
                    Characteristic.Properties.READ,
                    Characteristic.READABLE,
                    b"footfall",
                ),
                Characteristic(
                    FIRMWARE_REVISION_UUID,
                    Characteristic.Properties.READ,
                    Characteristic.READABLE,
                    b"footfall-emulator-1",
                ),
            ],
        )
        return [Service(FOOTFALL_SERVICE_UUID, [self.data_char, control]), info]

    async def start(self, world: SimWorld) -> None:
        await super().start(world)
        self._task = asyncio.ensure_future(self._stream())

    def stop_streaming(self) -> None:
        if self._task is not None:
            self.world.loop.call_soon_threadsafe(self._task.cancel)

    def _schedule(self) -> list[tuple[float, int, int]]:
        out = []
        for k, s in enumerate(self.streams):
            for j in range(s.n_frames):
                last = min((j + 1) * s.samples_per_frame, s.raw.shape[0]) - 1
                out.append((last * s.period_ns * 1e-9, k, j))
        return sorted(out)

    async def _notify(self, payload: bytes) -> None:
        assert self.device is not None and self.connection is not None
        limit = self.connection.att_mtu - 3
        assert len(payload) <= limit, (len(payload), limit)
        await self.device.notify_subscriber(self.connection, self.data_char, payload)
        self.notifications += 1

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

    async def _stream(self) -> None:
        try:
            await self.subscribed.wait()
            loop = asyncio.get_running_loop()
            wall0 = loop.time()
            next_seq: dict[int, int] = {}
            announce = True
            generated = 0
            pending = b""
            for dev_s, k, j in self._schedule():
                delay = wall0 + dev_s / self.speed - loop.time()
                if delay > 0:
                    if pending and self.subscribed.is_set():
                        await self._notify(pending)
                    pending = b""
                    await asyncio.sleep(delay)
                s = self.streams[k]
                a = j * s.samples_per_frame
                n = min(s.samples_per_frame, s.raw.shape[0] - a)
                next_seq[s.stream_id] = j + 1
                generated += 1
                if self.drop_after_frames is not None and generated == self.drop_after_frames:
                    if pending and self.subscribed.is_set():
                        await self._notify(pending)
                    pending = b""
                    await self.drop_link()
                if not self.subscribed.is_set():
                    self.sent.append(SentFrame(s.stream_id, j, a, n, "unsent"))
                    announce = True
                    continue
                if announce:
                    info = self._infos(next_seq | {s.stream_id: j}, dev_s)
                    await self._notify(info)
                    announce = False
                wire = serial_wrap(s.frame(j, self.start_us))
                if len(pending) + len(wire) > self.connection.att_mtu - 3:  # type: ignore[union-attr]
                    await self._notify(pending)
                    pending = b""
                pending += wire
                self.sent.append(SentFrame(s.stream_id, j, a, n, "sent"))
            if pending and self.subscribed.is_set():
                await self._notify(pending)
        finally:
            self.done.set()


class ProfilePeripheral(_Peripheral):
    """A standard-profile sensor: one notifying characteristic, values sent in turn."""

    def __init__(
        self, name: str, service: str, characteristic: str, values: list[bytes], *, address: str
    ):
        super().__init__()
        self.name = name
        self.address = address
        self.services = [service]
        self.notify_uuid = characteristic
        self.values = values
        self.done = threading.Event()

    def gatt(self) -> list[Service]:
        self.meas = Characteristic(
            self.notify_uuid, Characteristic.Properties.NOTIFY, Characteristic.READABLE, b""
        )
        return [Service(self.services[0], [self.meas])]

    async def start(self, world: SimWorld) -> None:
        await super().start(world)
        self._task = asyncio.ensure_future(self._stream())

    async def _stream(self) -> None:
        await self.subscribed.wait()
        assert self.device is not None
        for v in self.values:
            await self.device.notify_subscribers(self.meas, v)
            await asyncio.sleep(0.005)
        self.done.set()


def RscPeripheral(
    name: str, values: list[bytes], *, address: str = "F2:F2:F2:F2:F2:F2"
) -> ProfilePeripheral:
    """A foot pod: Running Speed and Cadence."""
    return ProfilePeripheral(name, RSC_SERVICE_UUID, RSC_MEASUREMENT_UUID, values, address=address)


def TreadmillPeripheral(
    name: str, values: list[bytes], *, address: str = "F3:F3:F3:F3:F3:F3"
) -> ProfilePeripheral:
    """A treadmill: Fitness Machine service, Treadmill Data."""
    return ProfilePeripheral(name, FTMS_SERVICE_UUID, TREADMILL_DATA_UUID, values, address=address)


# ---------------------------------------------------------------- the bleak backend
def bleak_backends(world: SimWorld) -> tuple[type[BaseBleakScanner], type[BaseBleakClient]]:
    """bleak scanner and client backend classes that drive ``world``'s central."""

    class SimScanner(BaseBleakScanner):
        def __init__(
            self,
            detection_callback: Any,
            service_uuids: list[str] | None,
            scanning_mode: str = "active",
            **kwargs: Any,
        ) -> None:
            super().__init__(detection_callback, service_uuids)
            self._loop: asyncio.AbstractEventLoop | None = None

        def _listener(self, adv: Any) -> None:
            data = adv.data
            uuids: list[str] = []
            for t in (
                AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            ):
                uuids += [bleak_uuid(u) for u in (data.get(t) or [])]
            name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME)
            address = str(adv.address).split("/")[0]
            assert self._loop is not None
            self._loop.call_soon_threadsafe(self._seen, address, name, uuids, adv.rssi)

        def _seen(self, address: str, name: str | None, uuids: list[str], rssi: int) -> None:
            if not self.is_allowed_uuid(uuids):
                return
            ad = AdvertisementData(name, {}, {}, uuids, None, rssi, ())
            device = self.create_or_update_device(address, address, name, None, ad)
            self.call_detection_callbacks(device, ad)

        async def start(self) -> None:
            self._loop = asyncio.get_running_loop()
            self.seen_devices = {}
            await world.acall(world.scan_start(self._listener))

        async def stop(self) -> None:
            await world.acall(world.scan_stop(self._listener))

    class SimClient(BaseBleakClient):
        def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
            super().__init__(
                address_or_ble_device,
                disconnected_callback=kwargs.pop("disconnected_callback", None),
                timeout=kwargs.pop("timeout", 10.0),
            )
            self._connection: Connection | None = None
            self._peer: Peer | None = None
            self._proxies: dict[int, Any] = {}
            self._solicited = False

        @property
        def mtu_size(self) -> int:
            return self._connection.att_mtu if self._connection is not None else 23

        @property
        def name(self) -> str:
            return self.address

        @property
        def is_connected(self) -> bool:
            return self._connection is not None

        async def connect(self, pair: bool, **kwargs: Any) -> None:
            loop = asyncio.get_running_loop()

            def gone(connection: Connection) -> None:
                self._connection = None
                if not self._solicited and self._disconnected_callback is not None:
                    loop.call_soon_threadsafe(self._disconnected_callback)

            async def run() -> tuple[Connection, Peer]:
                conn = await world.central.connect(Address(self.address), timeout=self._timeout)
                conn.on("disconnection", lambda *_: gone(conn))
                peer = Peer(conn)
                await peer.request_mtu(MTU)
                await peer.discover_all()
                return conn, peer

            try:
                self._connection, self._peer = await world.acall(run())
            except Exception as e:  # noqa: BLE001 - bleak reports connection failures so
                raise BleakError(f"connection to {self.address} failed: {e!r}") from e
            self._solicited = False
            self.services = self._collection(self._peer)

        def _collection(self, peer: Peer) -> BleakGATTServiceCollection:
            coll = BleakGATTServiceCollection()
            for s in peer.services:
                svc = BleakGATTService(s, s.handle, bleak_uuid(s.uuid))
                coll.add_service(svc)
                for c in s.characteristics:
                    ch = BleakGATTCharacteristic(
                        c, c.handle, bleak_uuid(c.uuid), _props(c.properties), lambda: MTU - 3, svc
                    )
                    coll.add_characteristic(ch)
                    self._proxies[c.handle] = c
                    for d in c.descriptors:
                        coll.add_descriptor(
                            BleakGATTDescriptor(d, d.handle, bleak_uuid(d.type), ch)
                        )
            return coll

        async def disconnect(self) -> None:
            self._solicited = True
            conn = self._connection
            if conn is not None:
                await world.acall(conn.disconnect())
            self._connection = None

        async def pair(self, *args: Any, **kwargs: Any) -> None:
            raise NotImplementedError

        async def unpair(self) -> None:
            raise NotImplementedError

        async def read_gatt_char(self, characteristic, *, use_cached=False, **kwargs):  # type: ignore[no-untyped-def]
            assert self._peer is not None
            peer = self._peer
            return bytearray(await world.acall(peer.read_value(characteristic.obj)))

        async def read_gatt_descriptor(self, descriptor, *, use_cached=False, **kwargs):  # type: ignore[no-untyped-def]
            assert self._peer is not None
            peer = self._peer
            return bytearray(await world.acall(peer.read_value(descriptor.handle)))

        async def write_gatt_char(self, characteristic, data, response):  # type: ignore[no-untyped-def]
            assert self._peer is not None
            peer = self._peer
            await world.acall(peer.write_value(characteristic.obj, bytes(data), response))

        async def write_gatt_descriptor(self, descriptor, data):  # type: ignore[no-untyped-def]
            assert self._peer is not None
            peer = self._peer
            await world.acall(peer.write_value(descriptor.handle, bytes(data), True))

        async def start_notify(self, characteristic, callback: NotifyCallback, **kwargs):  # type: ignore[no-untyped-def]
            assert self._peer is not None
            loop = asyncio.get_running_loop()
            peer = self._peer

            def on_value(value: bytes) -> None:
                loop.call_soon_threadsafe(callback, bytearray(value))

            await world.acall(peer.subscribe(characteristic.obj, on_value))

        async def stop_notify(self, characteristic) -> None:  # type: ignore[no-untyped-def]
            assert self._peer is not None
            peer = self._peer
            await world.acall(peer.unsubscribe(characteristic.obj))

    return SimScanner, SimClient
