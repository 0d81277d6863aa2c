"""A live source on Bluetooth LE (bleak): footfall sensors, foot pods, treadmills.

A :class:`BleSource` finds one peripheral by name or address (scanning for
the footfall service and the standard profiles footfall reads), connects,
subscribes, and feeds the bytes of each notification of the footfall data
characteristic into the same :class:`footfall.wire.Deframer` and
:class:`footfall.devices.ingest.Ingest` a serial port uses, so the events are
the same :class:`~footfall.devices.base.DeviceInfo`, ``Block``, ``Gap`` and
``Status`` (firmware_bridge/PROTOCOL.md, *BLE transport* and *GATT layout*).
After a disconnect it did not ask for, it reconnects with exponential
backoff; the frames lost in between show as a ``Gap`` (reason
``"disconnect"``) from the sequence numbers, never as invented samples.

A peripheral with Running Speed and Cadence or a treadmill's Fitness Machine
service is subscribed too; its decoded values (:mod:`footfall.devices.gatt`)
wait in :meth:`BleSource.poll_measurements`.

All sources share one asyncio event loop in one thread (bleak's backends
expect one loop per adapter), started with the first source and stopped with
the last.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from footfall.devices.gatt import (
    FOOTFALL_CONTROL_UUID,
    FOOTFALL_DATA_UUID,
    FOOTFALL_SERVICE_UUID,
    FTMS_SERVICE_UUID,
    RSC_MEASUREMENT_UUID,
    RSC_SERVICE_UUID,
    TREADMILL_DATA_UUID,
    Malformed,
    RscMeasurement,
    TreadmillData,
    decode_rsc,
    decode_treadmill,
)
from footfall.devices.wire_source import WireSource
from footfall.errors import FootfallError, safe_text

__all__ = [
    "BACKOFF_MAX_S",
    "BACKOFF_START_S",
    "BleDeviceSeen",
    "BleSource",
    "CONTROL_SEND_INFO",
    "Measurement",
    "ble_error",
    "scan_ble",
]


BACKOFF_START_S = 0.1
BACKOFF_MAX_S = 5.0
SCAN_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 20.0
MEASUREMENT_QUEUE_MAX = 100_000

CONTROL_SEND_INFO = b"\x01"
"""Control command: send DEVICE_INFO of every stream now (PROTOCOL.md)."""

SERVICES_READ = {
    FOOTFALL_SERVICE_UUID: "footfall",
    RSC_SERVICE_UUID: "RSC",
    FTMS_SERVICE_UUID: "FTMS",
}
"""Services footfall reads, with the label ``footfall devices --ble`` shows."""


Measurement = tuple[float, RscMeasurement | TreadmillData | Malformed]
"""A standard-profile value: (host receive time on the session axis s, value)."""


# ---------------------------------------------------------------- errors
def profile_value(device_id: str, m: Measurement) -> dict[str, Any] | None:
    """A standard-profile value as the capture log keeps it
    (:meth:`footfall.capture.recorder.Recorder.write_values`); None for a
    malformed one (counted where it was decoded, not recorded)."""
    t_s, v = m
    if isinstance(v, RscMeasurement):
        return {
            "t_s": t_s,
            "device_id": device_id,
            "profile": "rsc",
            "speed_mps": v.speed_mps,
            "incline_pct": None,
            "cadence_per_min": v.cadence_per_min,
        }
    if isinstance(v, TreadmillData):
        return {
            "t_s": t_s,
            "device_id": device_id,
            "profile": "treadmill",
            "speed_mps": v.speed_mps,
            "incline_pct": v.inclination_pct,
            "cadence_per_min": None,
        }
    return None


def ble_error(e: BaseException, target: str = "") -> FootfallError:
    """A :class:`FootfallError` that says what is wrong with Bluetooth and the fix."""
    from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

    text = str(e)
    low = text.lower()
    denied = (
        BleakBluetoothNotAvailableReason.DENIED_BY_USER,
        BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM,
        BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN,
    )
    path = target or None
    if (
        isinstance(e, PermissionError)
        or (isinstance(e, BleakBluetoothNotAvailableError) and e.reason in denied)
        or "accessdenied" in low
        or "notpermitted" in low
        or "not authorized" in low
    ):
        return FootfallError(
            f"no permission to use Bluetooth ({safe_text(text)})",
            path=path,
            fix="allow this terminal to use Bluetooth (macOS: System Settings > Privacy > "
            "Bluetooth; Linux: be in the group that may use bluetoothd)",
        )
    if (
        isinstance(e, BleakBluetoothNotAvailableError | FileNotFoundError | ConnectionRefusedError)
        or "no bluetooth adapter" in low
        or "notready" in low
        or "not powered" in low
    ):
        return FootfallError(
            f"no Bluetooth adapter available ({safe_text(text) or type(e).__name__})",
            path=path,
            fix="switch Bluetooth on (Linux: the bluetooth service running and an adapter "
            "present, rfkill unblock bluetooth); or capture over USB with --serial PORT",
        )
    return FootfallError(
        f"Bluetooth error: {safe_text(text) or type(e).__name__}",
        path=path,
        fix="check that the sensor is on and in range, then try again",
    )


# ---------------------------------------------------------------- the shared loop
class _LoopThread:
    """One asyncio loop in a daemon thread, shared by every BLE source."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def acquire(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self.loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=run, daemon=True, name="footfall ble")
                self._thread.start()
                ready.wait()
                self.loop = loop
            self._users += 1
            return self.loop

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users > 0 or self.loop is None:
                return
            loop, self.loop = self.loop, None
            thread, self._thread = self._thread, None
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=5.0)
        if not loop.is_running():
            loop.close()


_LOOP = _LoopThread()


# ---------------------------------------------------------------- scanning
@dataclass
class BleDeviceSeen:
    """A peripheral seen while scanning."""

    address: str
    name: str
    rssi: int | None
    services: list[str] = field(default_factory=list)

    @property
    def reads(self) -> list[str]:
        """What footfall can read from it: ``footfall``, ``RSC``, ``FTMS``."""
        return [SERVICES_READ[u] for u in SERVICES_READ if u in self.services]


def _matches(target: str, device: Any, adv: Any) -> bool:
    t = target.lower()
    return device.address.lower() == t or target in (adv.local_name, device.name)


async def _scan(timeout_s: float, backend: Any = None) -> list[BleDeviceSeen]:
    from bleak import BleakScanner

    kwargs: dict[str, Any] = {} if backend is None else {"backend": backend}
    found = await BleakScanner.discover(timeout=timeout_s, return_adv=True, **kwargs)
    out = [
        BleDeviceSeen(
            d.address,
            safe_text(a.local_name or d.name or "", 60),
            a.rssi,
            sorted({u.lower() for u in a.service_uuids}),
        )
        for d, a in found.values()
    ]
    return sorted(out, key=lambda s: (not s.reads, s.name, s.address))


def scan_ble(timeout_s: float = 5.0, *, backend: Any = None) -> list[BleDeviceSeen]:
    """Peripherals in range, those footfall can read first (blocking, ``timeout_s`` s).

    Raises :class:`FootfallError` when there is no adapter or no permission.
    """
    loop = _LOOP.acquire()
    try:
        fut = asyncio.run_coroutine_threadsafe(_scan(timeout_s, backend), loop)
        try:
            return fut.result(timeout_s + 30.0)
        except FootfallError:
            raise
        except Exception as e:  # noqa: BLE001 - every Bluetooth failure is explained
            raise ble_error(e) from None
    finally:
        _LOOP.release()


# ---------------------------------------------------------------- the source
class BleSource(WireSource):
    """Events from one BLE peripheral (a footfall sensor, a foot pod, a treadmill).

    Parameters
    ----------
    target
        The peripheral's advertised name (e.g. ``ff-left-foot``) or its
        address (``AA:BB:CC:DD:EE:FF``; on macOS the UUID bleak shows).
    session_start
        ``time.monotonic()`` value that is time zero of the session axis
        (give every source of a session the same value).
    scan_timeout_s
        How long :meth:`open` scans for the peripheral before it gives up.
    backoff_start_s, backoff_max_s
        First and longest wait between reconnection attempts, s.
    backend, scanner_backend
        bleak client and scanner backend classes (``None``: the platform's);
        the tests pass backends on a simulated Bluetooth stack.
    """

    def __init__(
        self,
        target: str,
        *,
        session_start: float | None = None,
        scan_timeout_s: float = SCAN_TIMEOUT_S,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        backoff_start_s: float = BACKOFF_START_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        backend: Any = None,
        scanner_backend: Any = None,
    ):
        super().__init__(f"ble:{target}", session_start)
        self.target = target
        self.scan_timeout_s = scan_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.backoff_start_s = backoff_start_s
        self.backoff_max_s = backoff_max_s
        self.backend = backend
        self.scanner_backend = scanner_backend
        self.address: str | None = None
        self.mtu: int | None = None
        self.services: list[str] = []
        self.reconnects = 0
        self.disconnects = 0
        self._measurements: queue.Queue[Measurement] = queue.Queue(maxsize=MEASUREMENT_QUEUE_MAX)
        self._opened = threading.Event()
        self._open_error: BaseException | None = None
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: concurrent.futures.Future[None] | None = None
        self._astop: asyncio.Event | None = None
        self._client: Any = None

    # ------------------------------------------------------------------
    def open(self) -> None:
        """Find the peripheral, connect and subscribe; raises :class:`FootfallError`
        when there is no adapter, no permission, or no such device in range."""
        self._loop = _LOOP.acquire()
        self._task = asyncio.run_coroutine_threadsafe(self._run(), self._loop)
        self._opened.wait(self.scan_timeout_s + self.connect_timeout_s + 10.0)
        err = self._open_error
        if err is None and not self._opened.is_set():
            err = FootfallError(
                "the Bluetooth device did not answer in time",
                path=self.target,
                fix="bring the sensor closer and switch it off and on",
            )
        if err is not None:
            self.close()
            if isinstance(err, FootfallError):
                raise err
            raise ble_error(err, self.target) from None

    def poll_profile_values(self) -> list[dict[str, Any]]:
        """The RSC and treadmill values received since the last call, as the
        capture log keeps them (:func:`profile_value`; malformed ones left out)."""
        return [v for m in self.poll_measurements() if (v := profile_value(self.target, m))]

    def poll_measurements(self) -> list[Measurement]:
        """RSC and treadmill values received since the last call, in order."""
        out: list[Measurement] = []
        while True:
            try:
                out.append(self._measurements.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> None:
        """Disconnect and stop."""
        if self._closing or self._loop is None:
            return
        self._closing = True
        loop = self._loop
        if self._astop is not None:
            loop.call_soon_threadsafe(self._astop.set)
        if self._task is not None:
            try:
                self._task.result(timeout=10.0)
            except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
                self._task.cancel()
            except Exception:  # noqa: BLE001 - reported by open(); closing goes on
                pass
        self._task = None
        self._connected.clear()
        self._loop = None
        _LOOP.release()

    # ------------------------------------------------------------------ notifications
    def _on_data(self, _char: Any, data: bytearray) -> None:
        self._feed(data)

    def _on_profile(self, decode: Callable[[bytes], Any]) -> Callable[[Any, bytearray], None]:
        def handler(_char: Any, data: bytearray) -> None:
            try:
                self._measurements.put_nowait((self.now_s(), decode(bytes(data))))
            except queue.Full:
                self.analysis_dropped += 1

        return handler

    # ------------------------------------------------------------------ the link
    async def _find(self) -> Any:
        from bleak import BleakScanner

        kwargs: dict[str, Any] = {}
        if self.scanner_backend is not None:
            kwargs["backend"] = self.scanner_backend
        target = self.target
        device = await BleakScanner.find_device_by_filter(
            lambda d, ad: _matches(target, d, ad), timeout=self.scan_timeout_s, **kwargs
        )
        if device is None:
            raise FootfallError(
                f"no Bluetooth device named or at {safe_text(target, 80)} found "
                f"in {self.scan_timeout_s:g} s of scanning",
                path=target,
                fix="switch the sensor on and bring it close; footfall devices --ble "
                "lists the devices in range",
            )
        return device

    async def _connect(self, device: Any, lost: asyncio.Event) -> Any:
        from bleak import BleakClient

        loop = asyncio.get_running_loop()
        kwargs: dict[str, Any] = {}
        if self.backend is not None:
            kwargs["backend"] = self.backend

        def on_disconnect(_client: Any) -> None:
            loop.call_soon_threadsafe(lost.set)

        client = BleakClient(
            device, disconnected_callback=on_disconnect, timeout=self.connect_timeout_s, **kwargs
        )
        await client.connect()
        try:
            with warnings.catch_warnings():
                # an older BlueZ does not tell bleak the negotiated MTU and
                # bleak warns; the sensor sizes its frames from the MTU it
                # got, so the host's figure is only shown (PROTOCOL.md)
                warnings.simplefilter("ignore", UserWarning)
                self.mtu = client.mtu_size
            self.services = sorted(s.uuid.lower() for s in client.services)
            self.deframer.reset()
            subscribed = False
            if client.services.get_characteristic(FOOTFALL_DATA_UUID) is not None:
                await client.start_notify(FOOTFALL_DATA_UUID, self._on_data)
                subscribed = True
                if client.services.get_characteristic(FOOTFALL_CONTROL_UUID) is not None:
                    await client.write_gatt_char(
                        FOOTFALL_CONTROL_UUID, CONTROL_SEND_INFO, response=True
                    )
            for uuid, decode in (
                (RSC_MEASUREMENT_UUID, decode_rsc),
                (TREADMILL_DATA_UUID, decode_treadmill),
            ):
                if uuid == RSC_MEASUREMENT_UUID and subscribed:
                    # a footfall sensor's own RSC (for watches) is derived from
                    # the samples its frames carry: nothing to add
                    continue
                if client.services.get_characteristic(uuid) is not None:
                    await client.start_notify(uuid, self._on_profile(decode))
                    subscribed = True
            if not subscribed:
                raise FootfallError(
                    "the Bluetooth device offers nothing footfall reads "
                    "(no footfall sensor service, no Running Speed and Cadence, no treadmill data)",
                    path=self.target,
                    fix="give the name or address of a footfall sensor, foot pod or treadmill",
                )
        except BaseException:
            await client.disconnect()
            raise
        return client

    async def _run(self) -> None:
        self._astop = stop = asyncio.Event()
        lost = asyncio.Event()
        try:
            device = await self._find()
            self.address = device.address
            client = await self._connect(device, lost)
        except BaseException as e:  # noqa: BLE001 - open() raises it in the caller
            self._open_error = e
            self._opened.set()
            return
        self._client = client
        self._connected.set()
        self._opened.set()
        stop_wait = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                lost_wait = asyncio.ensure_future(lost.wait())
                await asyncio.wait({stop_wait, lost_wait}, return_when=asyncio.FIRST_COMPLETED)
                lost_wait.cancel()
                if stop.is_set():
                    break
                # unsolicited disconnect: the streams are marked, then reconnect
                self._client = None
                self.disconnects += 1
                self._disconnected()
                backoff = self.backoff_start_s
                while not stop.is_set():
                    lost.clear()
                    try:
                        client = await self._connect(self.address or device, lost)
                    except Exception:  # noqa: BLE001 - out of range, busy: try again
                        try:
                            await asyncio.wait_for(stop.wait(), backoff)
                        except TimeoutError:
                            pass
                        backoff = min(backoff * 2, self.backoff_max_s)
                        continue
                    self.reconnects += 1
                    self._client = client
                    self._connected.set()
                    break
        finally:
            stop_wait.cancel()
            self._connected.clear()
            c, self._client = self._client, None
            if c is not None:
                try:
                    await c.disconnect()
                except Exception:  # noqa: BLE001 - closing anyway
                    pass
