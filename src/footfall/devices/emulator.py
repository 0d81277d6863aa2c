"""A device emulator: a simulated runner's sensors streamed through a pseudo-terminal.

The emulator behaves like a footfall board on USB: it opens a pty, and a
host program opens the pty's path exactly as it would open ``/dev/ttyACM0``.
Each stream sends DEVICE_INFO (at start, every 5 s and after a reconnect),
blocks of samples quantised to int16/uint16 as a board would, and STATUS once
a second, all COBS-framed with CRC (firmware_bridge/PROTOCOL.md). It can run
faster than real time, flip bytes in frames, and pull the cable: the pty is
closed and a new one opened behind the same path (a symlink, as udev's
``/dev/serial/by-id`` links are), with the frames of the outage lost.

Every data frame it generates is logged in :attr:`Emulator.sent` with what
happened to it (``sent``, ``corrupt`` or ``unsent``), for the tests.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import struct
import tempfile
import termios
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from footfall.model import Recording, SensorKind, Side
from footfall.wire import (
    ACC_SCALE_16G,
    GYR_SCALE_2000DPS,
    KIND_IMU,
    KIND_INSOLE,
    KPA_SCALE_DEFAULT,
    PLACEMENT_FOOT,
    PLACEMENT_NONE,
    PLACEMENT_SHANK,
    SIDE_LEFT,
    SIDE_RIGHT,
    DeviceInfoPayload,
    StatusPayload,
    encode_device_info,
    encode_imu6,
    encode_insole,
    encode_status,
    serial_wrap,
)

__all__ = [
    "EmulatedStream",
    "Emulator",
    "FIRMWARE",
    "INFO_EVERY_S",
    "STATUS_EVERY_S",
    "SentFrame",
    "streams_from_recording",
]


FIRMWARE = "footfall-emulator-1"
INFO_EVERY_S = 5.0
STATUS_EVERY_S = 1.0


@dataclass
class EmulatedStream:
    """One stream of the emulated board, quantised as the device sends it."""

    stream_id: int
    info: DeviceInfoPayload
    raw: np.ndarray  # (n, k) int16 (IMU) or uint16 (insole)
    period_ns: int
    samples_per_frame: int

    @property
    def imu(self) -> bool:
        return self.info.kind == KIND_IMU

    def si(self, rows: slice | np.ndarray) -> np.ndarray:
        """The SI values the host should decode for these rows."""
        r = self.raw[rows].astype(np.float64)
        if self.imu:
            r[:, :3] *= self.info.scale0
            r[:, 3:] *= self.info.scale1
        else:
            r *= self.info.scale0
        return r

    def frame(self, j: int, start_us: int) -> bytes:
        a = j * self.samples_per_frame
        b = min(a + self.samples_per_frame, self.raw.shape[0])
        t_us = start_us + (a * self.period_ns) // 1000
        if self.imu:
            return encode_imu6(
                self.stream_id,
                j,
                t_us,
                self.period_ns,
                self.raw[a:b],
                self.info.scale0,
                self.info.scale1,
            )
        return encode_insole(
            self.stream_id, j, t_us, self.period_ns, self.raw[a:b], self.info.scale0
        )

    @property
    def n_frames(self) -> int:
        return -(-self.raw.shape[0] // self.samples_per_frame)


@dataclass
class SentFrame:
    """What happened to one generated data frame."""

    stream_id: int
    seq: int
    first_sample: int
    n_samples: int
    fate: str  # "sent", "corrupt", "unsent" or (BLE) "overflow"


def streams_from_recording(
    recording: Recording, *, frame_ms: float = 10.0, boot_id: int = 1
) -> list[EmulatedStream]:
    """Quantise a recording's streams as a board would send them.

    IMU: +-16 g and +-2000 deg/s in int16; insole: 0.1 kPa per LSB in uint16
    (the ``p*`` columns only). Sample times are taken as regular at the
    stream's nominal rate.

    Parameters
    ----------
    recording
        SI recording (e.g. from :func:`footfall.sim.simulate`).
    frame_ms
        Samples per frame are chosen to fill about this much time.
    boot_id
        DEVICE_INFO boot id.
    """
    out = []
    for sid, s in enumerate(recording.streams):
        fs = float(round(s.fs_hz, 6))
        period_ns = int(round(1e9 / fs))
        spf = max(1, int(round(frame_ms * 1e-3 * fs)))
        side = SIDE_LEFT if s.side == Side.LEFT else SIDE_RIGHT
        name = f"emu-{s.side.value}-" + (
            s.placement.value if s.kind == SensorKind.IMU else "insole"
        )
        if s.kind == SensorKind.IMU:
            raw = np.empty((len(s), 6), dtype=np.int16)
            raw[:, :3] = np.clip(np.round(s.acc_mps2 / ACC_SCALE_16G), -32768, 32767)
            raw[:, 3:] = np.clip(np.round(s.gyr_rps / GYR_SCALE_2000DPS), -32768, 32767)
            plc = PLACEMENT_SHANK if s.placement.value == "shank" else PLACEMENT_FOOT
            info = DeviceInfoPayload(
                KIND_IMU,
                side,
                plc,
                6,
                int(round(fs * 1000)),
                ACC_SCALE_16G,
                GYR_SCALE_2000DPS,
                spf,
                boot_id,
                name,
                FIRMWARE,
                "",
            )
        else:
            cols = [i for i, c in enumerate(s.columns) if c.startswith("p")]
            raw = np.clip(np.round(s.values[:, cols] / KPA_SCALE_DEFAULT), 0, 65535)
            raw = raw.astype(np.uint16)
            info = DeviceInfoPayload(
                KIND_INSOLE,
                side,
                PLACEMENT_NONE,
                len(cols),
                int(round(fs * 1000)),
                KPA_SCALE_DEFAULT,
                0.0,
                spf,
                boot_id,
                name,
                FIRMWARE,
                str(s.meta.get("layout", "")),
            )
        out.append(EmulatedStream(sid, info, raw, period_ns, spf))
    return out


class Emulator:
    """Stream emulated devices through a pseudo-terminal.

    Parameters
    ----------
    streams
        What to send (:func:`streams_from_recording`).
    speed
        1.0 = real time; 10.0 = ten times faster.
    corrupt_prob
        Probability that a data frame gets one byte changed on the wire.
    disconnects
        ``(at_s, for_s)`` pairs in device time: the cable is pulled at
        ``at_s`` for ``for_s`` seconds.
    seed
        Random seed for the corruption.
    link
        Path of the stable symlink to the current pty (default: a new
        temporary folder's ``ttyFOOTFALL0``).
    settle_s
        Wait after the host opens the port before sending (as a board's USB
        enumeration does), wall-clock seconds.
    start_us
        Device time of the first sample, microseconds.
    """

    def __init__(
        self,
        streams: list[EmulatedStream],
        *,
        speed: float = 1.0,
        corrupt_prob: float = 0.0,
        disconnects: list[tuple[float, float]] | None = None,
        seed: int = 0,
        link: str | os.PathLike[str] | None = None,
        settle_s: float = 0.1,
        start_us: int = 1_000_000,
    ):
        self.streams = streams
        self.speed = float(speed)
        self.corrupt_prob = corrupt_prob
        self.disconnects = sorted(disconnects or [])
        self.rng = np.random.default_rng(seed)
        if link is None:
            self._tmp = tempfile.mkdtemp(prefix="footfall-emu-")
            link = os.path.join(self._tmp, "ttyFOOTFALL0")
        self.link = Path(link)
        self.settle_s = settle_s
        self.start_us = start_us
        self.sent: list[SentFrame] = []
        self.pty_name = ""
        self._master: int | None = None
        self._ready = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.done = threading.Event()

    # -------------------------------------------------------------- pty
    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        self.pty_name = os.ttyname(slave)
        os.close(slave)  # the host opens it by name; no reader = no host
        os.set_blocking(master, False)
        tmp = self.link.with_name(self.link.name + ".new")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(self.pty_name, tmp)
        os.replace(tmp, self.link)
        self._master = master
        self._ready = False

    def _drain(self, timeout_s: float = 1.0) -> None:
        """Wait until the host has read what was written (wall clock, bounded)."""
        if self._master is None or not self.pty_name:
            return
        try:
            fd = os.open(self.pty_name, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError:
            return
        try:
            # bytes written to the master reach the slave's queue asynchronously: wait
            # for a queue that stays empty, then give the reader time to finish its read
            end = time.monotonic() + timeout_s
            empty = 0
            while time.monotonic() < end and self._host_attached() and empty < 5:
                waiting = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
                empty = empty + 1 if waiting == 0 else 0
                time.sleep(0.005)
            time.sleep(0.05)
        finally:
            os.close(fd)

    def _close_pty(self) -> None:
        if self._master is not None:
            os.close(self._master)
            self._master = None
        self._ready = False

    def _host_attached(self) -> bool:
        if self._master is None:
            return False
        p = select.poll()
        p.register(self._master, select.POLLHUP)
        return not any(ev & select.POLLHUP for _, ev in p.poll(0))

    def _write(self, data: bytes, deadline_s: float = 0.5) -> bool:
        end = time.monotonic() + deadline_s
        view = memoryview(data)
        while view:
            if self._master is None:
                return False
            try:
                n = os.write(self._master, view)
                view = view[n:]
            except BlockingIOError:
                if time.monotonic() > end:
                    return False
                select.select([], [self._master], [], 0.01)
            except OSError as e:
                if e.errno in (errno.EIO, errno.EBADF):
                    return False
                raise
        return True

    # -------------------------------------------------------------- schedule
    def _schedule(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Data frames in send order: (ready device time s, stream index, frame index)."""
        ready, sidx, fidx = [], [], []
        for k, s in enumerate(self.streams):
            j = np.arange(s.n_frames)
            last = np.minimum((j + 1) * s.samples_per_frame, s.raw.shape[0]) - 1
            ready.append(last * s.period_ns * 1e-9)
            sidx.append(np.full(j.size, k))
            fidx.append(j)
        r, si, fi = (np.concatenate(x) for x in (ready, sidx, fidx))
        order = np.lexsort((si, r))
        return r[order], si[order], fi[order]

    def _control(self, kind: str, dev_s: float, next_seq: dict[int, int]) -> None:
        t_us = self.start_us + int(dev_s * 1e6)
        for s in self.streams:
            nxt = next_seq.get(s.stream_id, 0)
            if kind == "info":
                f = encode_device_info(s.stream_id, nxt, t_us, s.period_ns, s.info)
            else:
                dropped = sum(
                    1 for x in self.sent if x.stream_id == s.stream_id and x.fate == "unsent"
                )
                f = encode_status(
                    s.stream_id, nxt, t_us, s.period_ns, StatusPayload(nxt, dropped, 0, 3900, 80, 0)
                )
            self._write(serial_wrap(f))

    def _corrupt(self, wire: bytes) -> bytes:
        b = bytearray(wire)
        i = int(self.rng.integers(0, len(b) - 1))
        b[i] = (b[i] + int(self.rng.integers(1, 255))) % 256 or 1
        return bytes(b)

    # -------------------------------------------------------------- run
    def run(self) -> None:
        """Stream everything (blocking); returns at the end or on :meth:`stop`."""
        try:
            self._run()
        finally:
            self._close_pty()
            self.done.set()

    def _wait_host(self) -> bool:
        """Wait until a host opens the port, then settle. False if stopped."""
        while not self._host_attached():
            if self._stop.wait(0.005):
                return False
        self._stop.wait(self.settle_s)
        self._ready = True
        return not self._stop.is_set()

    def _run(self) -> None:
        if self._master is None:
            self._open_pty()
        if not self._wait_host():
            return
        ready, sidx, fidx = self._schedule()
        next_seq: dict[int, int] = {}
        wall0 = time.monotonic()
        self._control("info", 0.0, next_seq)
        next_info, next_status = INFO_EVERY_S, STATUS_EVERY_S
        outages = list(self.disconnects)
        down_until: float | None = None
        for dev_s, k, j in zip(ready.tolist(), sidx.tolist(), fidx.tolist(), strict=True):
            if self._stop.is_set():
                return
            delay = wall0 + dev_s / self.speed - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            # cable events
            if outages and down_until is None and dev_s >= outages[0][0]:
                at, dur = outages.pop(0)
                # the cable is pulled between frames, once the host has what was sent
                self._drain()
                self._close_pty()
                down_until = at + dur
            if down_until is not None and dev_s >= down_until:
                down_until = None
                self._open_pty()
            if self._master is not None and not self._ready and self._host_attached():
                # the host came back: settle in wall time, then announce again
                self._stop.wait(self.settle_s)
                self._ready = True
                self._control("info", dev_s, next_seq)
            s = self.streams[k]
            next_seq[s.stream_id] = j + 1
            a = j * s.samples_per_frame
            n = min(s.samples_per_frame, s.raw.shape[0] - a)
            if self._master is None or not self._ready or not self._host_attached():
                if self._ready and not self._host_attached():
                    self._ready = False
                self.sent.append(SentFrame(s.stream_id, j, a, n, "unsent"))
                continue
            wire = serial_wrap(s.frame(j, self.start_us))
            fate = "sent"
            if self.corrupt_prob and self.rng.random() < self.corrupt_prob:
                wire = self._corrupt(wire)
                fate = "corrupt"
            if not self._write(wire):
                fate = "unsent"
            self.sent.append(SentFrame(s.stream_id, j, a, n, fate))
            if dev_s >= next_info:
                self._control("info", dev_s, next_seq)
                next_info += INFO_EVERY_S
            if dev_s >= next_status:
                self._control("status", dev_s, next_seq)
                next_status += STATUS_EVERY_S
        # let the host read the last bytes before the cable goes
        self._drain()

    def start(self) -> Path:
        """Open the pty and stream in a background thread; returns the port path."""
        self._open_pty()
        self._thread = threading.Thread(target=self.run, daemon=True, name="footfall emulator")
        self._thread.start()
        return self.link

    def stop(self) -> None:
        """Stop streaming and close the pty."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait until everything was streamed; True when done."""
        return self.done.wait(timeout_s)
