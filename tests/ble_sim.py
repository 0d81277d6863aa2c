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
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError
from bumble.controller import Controller
from bumble.core import UUID, AdvertisingData, PhysicalTransport
from bumble.device import Connection, Device, Peer
from bumble.gatt import Characteristic, Service
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from footfall.devices.ble_peripheral import BlePeripheral, advertise
from footfall.devices.emulator import EmulatedStream
from footfall.devices.gatt import (
    FTMS_SERVICE_UUID,
    RSC_MEASUREMENT_UUID,
    RSC_SERVICE_UUID,
    TREADMILL_DATA_UUID,
)

CENTRAL_ADDRESS = "F0:F0:F0:F0:F0:F0"
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


# ---------------------------------------------------------------- the link
class TimedLink(LocalLink):
    """bumble's in-process link, releasing LE data at connection events.

    With ``interval_s`` None every packet is delivered at once (bumble's own
    link). Otherwise each direction of each connection holds its packets
    (L2CAP PDUs: one notification of up to 244 bytes is one link-layer
    packet with the data length extension) and, every ``interval_s``,
    releases at most ``per_event`` of them, as a central serves a link once
    per connection interval and accepts a few packets per event. Events are
    counted on the clock, so a stall of the Python process does not slow
    the simulated radio: the events that fell in it are served together.
    :meth:`pause` holds every packet for a while (the central busy with
    other links, interference); what piles up then shows as backlog, which
    the footfall peripheral's transmit buffer reads.
    """

    def __init__(self, interval_s: float | None = None, per_event: int = 4):
        super().__init__()
        self.interval_s = interval_s
        self.per_event = per_event
        self._queues: dict[tuple[Any, str], deque[tuple[Any, Any, bytes]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._paused_until = 0.0
        self.events = 0
        self.max_backlog = 0

    def send_acl_data(self, sender_controller, destination_address, transport, data):  # type: ignore[no-untyped-def]
        if self.interval_s is None or transport != PhysicalTransport.LE:
            return super().send_acl_data(sender_controller, destination_address, transport, data)
        key = (sender_controller, str(destination_address))
        q = self._queues.setdefault(key, deque())
        q.append((destination_address, transport, data))
        self.max_backlog = max(self.max_backlog, len(q))
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._connection_events())
        return None

    def backlog(self, controller: Controller) -> int:
        """Packets ``controller`` has waiting for the link."""
        return sum(len(q) for (c, _), q in self._queues.items() if c is controller)

    def pause(self, seconds: float) -> None:
        """Serve no connection event for ``seconds`` (call on the world's loop)."""
        self._paused_until = asyncio.get_running_loop().time() + seconds

    async def _connection_events(self) -> None:
        assert self.interval_s is not None
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        done = 0
        while True:
            await asyncio.sleep(max(0.0, t0 + (done + 1) * self.interval_s - loop.time()))
            now = loop.time()
            due = int((now - t0) / self.interval_s) - done
            if due <= 0:
                continue
            done += due
            self.events += due
            if now < self._paused_until:
                continue
            for (sender, _), q in list(self._queues.items()):
                for _ in range(min(len(q), due * self.per_event)):
                    dest, transport, data = q.popleft()
                    LocalLink.send_acl_data(self, sender, dest, transport, data)


# ---------------------------------------------------------------- the world
class SimWorld:
    """bumble's in-process link, a central, and the peripherals, on one loop.

    ``interval_s`` and ``per_event`` make the link a :class:`TimedLink`
    with connection events; by default packets are delivered at once.
    """

    def __init__(self, interval_s: float | None = None, per_event: int = 4) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.controllers: dict[str, Controller] = {}
        self._served: list[Any] = []
        self.link: TimedLink = self.call(lambda: self._make_link(interval_s, per_event))
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

    async def _make_link(self, interval_s: float | None, per_event: int) -> TimedLink:
        return TimedLink(interval_s, per_event)

    async def _device(self, address: str) -> Device:
        c = Controller(f"ctl-{address}", link=self.link, public_address=address)
        self.controllers[address] = c
        d = Device(address=Address(address), host=Host(c, AsyncPipeSink(c)))
        await d.power_on()
        return d

    def serve_controller(self) -> int:
        """A controller on the link whose HCI is served on a local TCP port
        (for a host in another process, e.g. ``footfall emulate --ble
        tcp-client:127.0.0.1:PORT``); returns the port."""
        import socket

        from bumble.transport.tcp_server import open_tcp_server_transport_with_socket

        async def serve() -> int:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
            t = await open_tcp_server_transport_with_socket(sock)
            self._served.append(t)
            Controller(f"ctl-tcp-{port}", host_source=t.source, host_sink=t.sink, link=self.link)
            return port

        return int(self.call(serve))

    def scan_response(self, address: str) -> AdvertisingData:
        """The scan response data the controller at ``address`` holds (empty if none)."""
        for c in list(self.link.controllers):
            if address not in (str(c.public_address), str(c.random_address)):
                continue
            datas = [bytes(c.le_legacy_advertiser.scan_response_data)]
            datas += [bytes(a.scan_response_data) for a in c.advertising_sets.values()]
            for d in datas:
                if d:
                    return AdvertisingData.from_bytes(d)
        return AdvertisingData.from_bytes(b"")

    def add(self, peripheral: Any) -> Any:
        self.call(lambda: peripheral.attach(self))
        self.peripherals.append(peripheral)
        return peripheral

    def close(self) -> None:
        for p in self.peripherals:
            p.stop_streaming()

        async def cancel_all() -> None:
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        try:
            self.call(cancel_all)
        except Exception:  # noqa: BLE001 - closing the world anyway
            pass
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
class _Peripheral:
    """A bumble device that advertises services and a name."""

    address = "F1:F1:F1:F1:F1:F1"
    name = "peripheral"
    services: list[str] = []
    notify_uuid = ""

    def __init__(self) -> None:
        self.device: Device | None = None
        self.connection: Connection | None = None
        self.subscribed = asyncio.Event()
        self.connections = 0

    def gatt(self) -> list[Service]:
        raise NotImplementedError

    async def attach(self, world: SimWorld) -> None:
        self.world = world
        self.device = d = await world._device(self.address)
        d.add_services(self.gatt())
        d.on("connection", self._on_connection)
        d.on("characteristic_subscription", self._on_subscription)
        await advertise(d, self.name, self.services)

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

    def stop_streaming(self) -> None:
        pass


class FootfallPeripheral(BlePeripheral):
    """footfall's BLE sensor (:class:`footfall.devices.ble_peripheral.BlePeripheral`)
    at an address of the simulated world, paced at 20x real time unless told.

    On a timed link its transmit buffer fills from the link's backlog.
    """

    def __init__(
        self,
        name: str,
        streams: list[EmulatedStream],
        *,
        address: str = "F1:F1:F1:F1:F1:F1",
        speed: float = 20.0,
        **kwargs: Any,
    ):
        super().__init__(name, streams, speed=speed, **kwargs)
        self.address = address

    async def attach(self, world: SimWorld) -> None:
        self.world = world
        device = await world._device(self.address)
        controller = world.controllers[self.address]
        if world.link.interval_s is not None:
            self.backlog = lambda _conn: world.link.backlog(controller)
        await self.start(device)

    def stop_streaming(self) -> None:
        self.world.loop.call_soon_threadsafe(self.stop)

    async def drop_link(self) -> None:
        await super().drop_link()


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

    async def attach(self, world: SimWorld) -> None:
        await super().attach(world)
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
            address = str(adv.address).split("/")[0]
            # bumble's simulated controller answers a scan request with the
            # advertising data; a real one sends the scan response, which
            # an active scan merges: take the name from it as a stack would
            response = world.scan_response(address)
            name = (
                data.get(AdvertisingData.COMPLETE_LOCAL_NAME)
                or response.get(AdvertisingData.COMPLETE_LOCAL_NAME)
                or data.get(AdvertisingData.SHORTENED_LOCAL_NAME)
            )
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
