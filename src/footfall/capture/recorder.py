"""Crash-safe capture: an append-only raw log, and the recording built from it.

:class:`Recorder` appends every event it is given to ``capture.fflog`` in the
output folder: wire frames exactly as received (with their host receive
time), device descriptions, gaps, and blocks that did not come over the wire.
The log is handed to the operating system after every :meth:`Recorder.write`
and fsync'd at least once a second, so a killed process loses nothing written
and a power cut loses at most the last second. :meth:`Recorder.close` builds
the canonical recording folder from the log; after a crash, :func:`recover`
does the same from whatever complete records the log holds.

Log format (little-endian): the 8 bytes ``FFCAPLG1``, then records of
``u32 body_len | u8 type | f64 host_s | body | u32 crc32`` where the CRC-32
covers type, host time and body. A torn last record fails its length or CRC
and ends the log; a damaged record in the middle costs only itself
(:func:`read_log_report` finds the next whole record). Record types: ``M``
session metadata (JSON), ``I`` device
info (JSON), ``F`` wire frame (u8 id length, device id, frame bytes), ``B``
block (u16 JSON length, JSON header, float64 times then values), ``G`` gap
(JSON), ``P`` a standard-profile value of a foot pod or treadmill (JSON:
``device_id``, ``profile`` ``rsc`` or ``treadmill``, ``speed_mps``,
``incline_pct``, ``cadence_per_min``; host time on the session axis).

The profile values become ``profile_values.csv`` beside the streams (always
CSV: one row per value, ``t_s,device_id,profile,speed_mps,incline_pct,
cadence_per_min``, empty where the device did not send it) and, when a
treadmill sent its belt speed, ``recording.json``'s ``condition``:
``surface`` ``treadmill``, ``speed_mps`` the median belt speed while the belt
ran (speed above zero), ``incline_pct`` the median incline over the same
values (where sent); measured values replace ones given on the command line.

Sample times in the recording come from the device clocks: each device
boot's frames are mapped to the session axis with one lower-envelope fit
over the whole log (:func:`footfall.devices.clock.fit_clock`), which is
smoother than the running estimate the live blocks carried.
"""

from __future__ import annotations

import io
import json
import mmap
import os
import struct
import tempfile
import threading
import zlib
from array import array
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np

from footfall.devices.base import Block, DeviceInfo, Event, Gap, Status
from footfall.errors import FootfallError

LOG_NAME = "capture.fflog"
PROFILE_VALUES_FILE = "profile_values.csv"
PROFILE_COLUMNS = ("t_s", "device_id", "profile", "speed_mps", "incline_pct", "cadence_per_min")
MAGIC = b"FFCAPLG1"
FSYNC_EVERY_S = 1.0
_REC = struct.Struct("<IBd")


def _id_bytes(device_id: str) -> bytes:
    """A device id as the log stores it: UTF-8 (anything that cannot be
    encoded replaced), at most 255 bytes, cut on a character boundary."""
    b = device_id.encode("utf-8", errors="replace")
    if len(b) > 255:
        b = b[:255].decode("utf-8", errors="ignore").encode("utf-8")
    return b


def _info_json(info: DeviceInfo) -> dict[str, Any]:
    d = asdict(info)
    d["kind"] = info.kind.value
    d["side"] = info.side.value
    d["placement"] = info.placement.value if info.placement is not None else None
    d["columns"] = list(info.columns)
    return d


def check_out_dir(out_dir: str | os.PathLike[str]) -> None:
    """Fail when ``out_dir`` cannot take a new capture (it holds a capture log
    or a recording): checked before a source is opened, so a refused session
    has read nothing from the devices."""
    out = Path(out_dir)
    if (out / LOG_NAME).exists() or (out / "recording.json").exists():
        raise FootfallError(
            "already holds a capture or a recording", path=str(out), fix="give a new folder with -o"
        )
    if out.exists() and not out.is_dir():
        raise FootfallError(
            "exists and is not a folder", path=str(out), fix="give a new folder with -o"
        )


class Recorder:
    """Append live events to a crash-safe raw log; write the recording on close.

    Parameters
    ----------
    out_dir
        Folder for the log and, on :meth:`close`, the recording. Created if
        needed; must not already hold a recording or a log.
    meta
        Extra ``recording.json`` keys (athlete, condition, ...).
    fmt
        Stream file format of the recording: ``csv`` or ``parquet``.
    fsync_every_s
        Longest time between fsyncs of the log, s.
    """

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        meta: dict[str, Any] | None = None,
        fmt: str = "csv",
        fsync_every_s: float = FSYNC_EVERY_S,
    ):
        self.out_dir = Path(out_dir)
        self.fmt = fmt
        self.log_path = self.out_dir / LOG_NAME
        check_out_dir(self.out_dir)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.log_path, "xb")  # noqa: SIM115 - kept open for appending
        except OSError as e:
            raise FootfallError(
                f"cannot create the capture log: {e.strerror or e}", path=str(self.log_path)
            ) from None
        self._lock = threading.Lock()
        self._dirty = False
        self._closed = False
        self.records = 0
        self.frames = 0
        self._fh.write(MAGIC)
        doc = {
            "format": "footfall-capture/1",
            "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "meta": meta or {},
        }
        self._append(b"M", 0.0, json.dumps(doc).encode())
        self._sync()
        self._fsync_every_s = fsync_every_s
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, daemon=True, name="capture fsync")
        self._syncer.start()

    # ------------------------------------------------------------------
    def _append(self, kind: bytes, host_s: float, body: bytes) -> None:
        head = _REC.pack(len(body), kind[0], float(host_s))
        crc = zlib.crc32(body, zlib.crc32(head[4:]))
        self._fh.write(head + body + struct.pack("<I", crc))
        self.records += 1

    def _sync(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._dirty = False

    def _sync_loop(self) -> None:
        while not self._stop.wait(self._fsync_every_s / 2):
            with self._lock:
                if self._dirty and not self._closed:
                    self._sync()

    def write(self, events: list[Event]) -> None:
        """Append events to the log (Status events are not kept).

        The bytes reach the operating system before this returns; an fsync
        follows within ``fsync_every_s``.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("Recorder.write after close()")
            for e in events:
                if isinstance(e, Block):
                    if e.frame is not None:
                        did = _id_bytes(e.device_id)
                        self._append(b"F", e.received_s, bytes([len(did)]) + did + e.frame)
                        self.frames += 1
                    else:
                        t = np.asarray(e.t_s, dtype="<f8")
                        v = np.asarray(e.values, dtype="<f8")
                        head = json.dumps(
                            {
                                "device_id": e.device_id,
                                "seq": int(e.seq),
                                "n": int(t.size),
                                "k": int(v.shape[1]),
                            }
                        ).encode()
                        self._append(
                            b"B",
                            e.received_s,
                            struct.pack("<H", len(head)) + head + t.tobytes() + v.tobytes(),
                        )
                elif isinstance(e, DeviceInfo):
                    self._append(b"I", 0.0, json.dumps(_info_json(e), default=str).encode())
                elif isinstance(e, Gap):
                    self._append(b"G", e.t_start_s, json.dumps(asdict(e)).encode())
                elif isinstance(e, Status):
                    continue
            self._fh.flush()
            self._dirty = True

    def write_values(self, values: list[dict[str, Any]]) -> None:
        """Append standard-profile values (``t_s`` on the session axis,
        ``device_id``, ``profile``, ``speed_mps``, ``incline_pct``,
        ``cadence_per_min``) to the log, as :meth:`write` does events."""
        with self._lock:
            if self._closed:
                raise RuntimeError("Recorder.write_values after close()")
            for v in values:
                body = {k: v.get(k) for k in PROFILE_COLUMNS if k != "t_s"}
                self._append(b"P", float(v["t_s"]), json.dumps(body).encode())
            self._fh.flush()
            self._dirty = True

    def close(self, *, progress: Callable[[str, int, int], None] | None = None) -> Path:
        """Fsync and close the log, then write the recording folder; returns it.
        ``progress`` is handed to :func:`build_recording`."""
        with self._lock:
            if not self._closed:
                self._sync()
                self._fh.close()
                self._closed = True
        self._stop.set()
        self._syncer.join(timeout=2.0)
        return build_recording(self.log_path, self.out_dir, fmt=self.fmt, progress=progress)


# --------------------------------------------------------------------------
# reading the log and building the recording
# --------------------------------------------------------------------------


RECORD_TYPES = b"MIFBGP"
"""The record types a log holds (module docstring)."""


def _record_at(data: Any, pos: int) -> tuple[str, float, int, int] | None:
    """The record starting at byte ``pos`` of ``data`` (bytes or a memory
    map) if it is whole and its CRC holds: ``(type, host_s, body_start,
    end)``; else None."""
    n = len(data)
    if pos + _REC.size + 4 > n:
        return None
    blen, kind, host_s = _REC.unpack_from(data, pos)
    end = pos + _REC.size + blen + 4
    if kind not in RECORD_TYPES or end > n:
        return None
    crc = struct.unpack_from("<I", data, end - 4)[0]
    if (
        zlib.crc32(data[pos + _REC.size : end - 4], zlib.crc32(data[pos + 4 : pos + _REC.size]))
        != crc
    ):
        return None
    return chr(kind), host_s, pos + _REC.size, end


@dataclass
class LogDamage:
    """A stretch of a capture log that held no whole record.

    Attributes
    ----------
    offset, length
        Where it starts in the file and how long it is, bytes.
    after_s
        Host time of the last good record before it, s (None at the start).
    """

    offset: int
    length: int
    after_s: float | None


@dataclass
class _Scan:
    """What :func:`_records` found besides the records: damage in the
    middle, and whether the log ends whole."""

    damage: list[LogDamage]
    complete: bool = True


def _records(data: Any, scan: _Scan) -> Iterator[tuple[str, float, int, int]]:
    """Every whole record of a capture log held in ``data`` (bytes or a
    memory map, magic included), as ``(type, host_s, body_start, body_end)``
    in file order, across damage (:func:`read_log_report`); the damage and
    a torn end are noted in ``scan``."""
    pos = len(MAGIC)
    n = len(data)
    last_s: float | None = None
    released = 0
    while pos < n:
        released = _release_behind(data, released, pos)
        rec = _record_at(data, pos)
        if rec is not None:
            yield rec[0], rec[1], rec[2], rec[3] - 4
            last_s = rec[1]
            pos = rec[3]
            continue
        # resynchronise: the next offset whose type byte is a record type and
        # whose record is whole with a good CRC
        start, probe = pos, pos + 1
        found = None
        while found is None:
            nxt = min(
                (i for i in (data.find(bytes([k]), probe + 4) for k in RECORD_TYPES) if i >= 0),
                default=-1,
            )
            if nxt < 0:
                break
            cand = nxt - 4
            found = _record_at(data, cand)
            if found is None:
                probe = cand + 1
            else:
                pos = cand
        if found is None:
            scan.complete = False  # torn to the end
            return
        scan.damage.append(LogDamage(start, pos - start, last_s))


RELEASE_BYTES = 16 << 20
"""While reading a mapped log front to back, the pages more than this far
behind the reader are handed back (:func:`_release_behind`): a log read once
does not stay resident, whatever its size."""


def _release_behind(data: Any, done: int, pos: int) -> int:
    """Hand back the pages of ``data`` (a memory map) between ``done`` and
    ``RELEASE_BYTES`` before ``pos``; returns the new ``done``. The pages are
    read from the file again if they are needed."""
    upto = (pos - RELEASE_BYTES) // mmap.PAGESIZE * mmap.PAGESIZE
    if isinstance(data, mmap.mmap) and upto > done:
        data.madvise(mmap.MADV_DONTNEED, done, upto - done)
        return upto
    return done


@contextmanager
def _mapped(path: str | os.PathLike[str]) -> Iterator[Any]:
    """The capture log as a read-only memory map (bytes when empty), checked
    for the magic: its pages are read as they are needed and never all held."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        data: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        try:
            if not data[: len(MAGIC)] == MAGIC:
                raise FootfallError(
                    "is not a footfall capture log",
                    path=str(path),
                    fix=f"give the folder of a capture (it holds {LOG_NAME})",
                )
            yield data
        finally:
            if size:
                data.close()


def read_log_report(
    path: str | os.PathLike[str],
) -> tuple[list[tuple[str, float, bytes]], bool, list[LogDamage]]:
    """Every whole record of a capture log, across damage.

    A record whose length, type or CRC does not hold is damaged; the reader
    then looks for the next byte where a whole record with a good CRC starts
    (a CRC-32 over the record's type, time and body: a false start passes it
    about once in four billion tries) and goes on from there, so a damaged
    record costs only itself. A damaged stretch that reaches the end of the
    file is a torn last record (a crash while writing it).

    Returns
    -------
    records, complete, damage
        ``(type, host_s, body)`` tuples in file order; ``complete`` is False
        when the log ends in a torn record; ``damage`` lists the stretches
        skipped in the middle of the log.
    """
    scan = _Scan([])
    with _mapped(path) as data:
        out = [(k, t, bytes(data[a:b])) for k, t, a, b in _records(data, scan)]
    return out, scan.complete, scan.damage


def read_log(path: str | os.PathLike[str]) -> tuple[list[tuple[str, float, bytes]], bool]:
    """Records of a capture log (:func:`read_log_report` without the damage
    list).

    Returns
    -------
    records, complete
        ``(type, host_s, body)`` tuples; ``complete`` is False when the log
        ends in a torn record (which is left out).
    """
    records, complete, _ = read_log_report(path)
    return records, complete


@dataclass
class _Device:
    """Where one device's data lie in the log: the file offsets of its frame
    records, each as the step from the one before (2 bytes a frame; a step
    of 65535 bytes or more is kept whole in ``far``), the samples its frames
    announce, and its blocks (body start and end). A frame's bytes and host
    receive time are read from its record again when it is decoded."""

    steps: array = field(default_factory=lambda: array("H"))
    far: array = field(default_factory=lambda: array("q"))
    last: int = 0
    samples: int = 0
    blocks: list[tuple[int, int]] = field(default_factory=list)

    def add_record(self, pos: int) -> None:
        step = pos - self.last
        if 0 <= step < 0xFFFF:
            self.steps.append(step)
        else:
            self.steps.append(0xFFFF)
            self.far.append(pos)
        self.last = pos

    def records(self) -> Iterator[int]:
        """The file offsets of the frame records, in log order."""
        pos, far = 0, iter(self.far)
        for step in self.steps:
            pos = next(far) if step == 0xFFFF else pos + step
            yield pos


def _frame_at(data: Any, pos: int) -> tuple[float, int, int]:
    """Host receive time, start and end of the frame bytes of the ``F``
    record at byte ``pos`` (checked when the log was scanned)."""
    blen, _, host_s = _REC.unpack_from(data, pos)
    a = pos + _REC.size
    return host_s, a + 1 + data[a], a + blen


def _view(a: array, dtype: Any) -> np.ndarray:
    """An ``array.array`` seen as a NumPy array of ``dtype`` (its item type)."""
    return np.frombuffer(a, dtype=dtype) if len(a) else np.zeros(0, dtype)


class _Runs:
    """Where each sample row of a device's good frames lies in device time,
    as runs of regular frames: frames that follow each other with the same
    sample count and period, each starting the same number of microseconds
    after the one before. A device that sends steadily makes a run per
    boot, whatever the length of the capture; each irregular frame starts a
    new run."""

    def __init__(self) -> None:
        # per run: first row, first frame's first sample (us), step between
        # frames (us), samples a frame, sample period (us), frames
        self.row0, self.fu0, self.step = array("q"), array("q"), array("q")
        self.count, self.period_us, self.frames = array("q"), array("d"), array("q")
        self._last_fu = 0

    def add(self, row: int, fu: int, count: int, period_us: float) -> None:
        """A frame whose first sample is row ``row``."""
        if self.frames:
            n = self.frames[-1]
            if count == self.count[-1] and period_us == self.period_us[-1]:
                if n == 1:
                    self.step[-1] = fu - self._last_fu
                    self.frames[-1] = 2
                    self._last_fu = fu
                    return
                if fu - self._last_fu == self.step[-1]:
                    self.frames[-1] = n + 1
                    self._last_fu = fu
                    return
        self.row0.append(row)
        self.fu0.append(fu)
        self.step.append(0)
        self.count.append(count)
        self.period_us.append(period_us)
        self.frames.append(1)
        self._last_fu = fu

    def frozen(self) -> dict[str, np.ndarray]:
        return {
            "row0": _view(self.row0, np.int64),
            "fu0": _view(self.fu0, np.int64),
            "step": _view(self.step, np.int64),
            "count": _view(self.count, np.int64),
            "period_us": _view(self.period_us, np.float64),
        }


@dataclass
class _Frames:
    """One device's good frames in log order, as its sample times need them:
    the runs of regular frames (:class:`_Runs`, frozen); the first row of
    each device boot and the clock fitted to it (slope, offset, device
    reference); and the counts."""

    runs: dict[str, np.ndarray]
    boot_rows: np.ndarray
    fits: np.ndarray
    filled: int
    n_ok: int
    n_bad: int

    def times(self, lo: int, hi: int) -> np.ndarray:
        """Session times of sample rows ``lo`` to ``hi`` (s). Each time goes
        through the same float operations in the same order whichever rows
        are asked for, so a stream built a chunk at a time has the same
        times, to the bit, as one built whole."""
        rows = np.arange(lo, hi, dtype=np.int64)
        r = self.runs
        ri = np.searchsorted(r["row0"], rows, side="right") - 1
        into = rows - r["row0"][ri]
        cnt = r["count"][ri]
        m = into // cnt
        # the frame's first sample, device time (us), and the row within the frame
        fu = r["fu0"][ri] + m * r["step"][ri]
        t = (into - m * cnt).astype(np.float64)
        t *= r["period_us"][ri]
        t += fu.astype(np.float64)
        t *= 1e-6
        fit = self.fits[np.searchsorted(self.boot_rows, rows, side="right") - 1]
        t -= fit[:, 2]
        t *= fit[:, 0]
        t += fit[:, 1]
        return t


CLOCK_BATCH = 4096
"""Frames handed to the clock fit at a time while a device is decoded."""


def _decode_frames(
    data: Any, info: dict[str, Any], dev: _Device, put: Callable[[np.ndarray, int], None]
) -> _Frames:
    """Decode one device's frames in log order, handing the values of each
    good frame to ``put(values, first_row)``, and fit each boot's clock.

    A device boot ends where the device time or the sequence number goes
    backwards; each boot's frames are mapped to the session axis with one
    lower-envelope fit (:func:`footfall.devices.clock.fit_clock`), gathered
    as the frames are decoded (:class:`footfall.devices.clock.LowerEnvelope`)
    so that nothing is kept per frame."""
    from footfall.devices.clock import LowerEnvelope
    from footfall.wire import ImuBlock, InsoleBlock, WireError, decode_frame

    k = len(info["columns"])
    # a frame that says its period is 0 is timed with the device's announced
    # rate, as the live ingest does (footfall.devices.ingest)
    fs = float(info.get("fs_hz") or 0.0)
    announced_us = 1e6 / fs if fs > 0 else 0.0
    runs = _Runs()
    boot_rows, fits = array("q"), []
    envelope = LowerEnvelope()
    batch_dev, batch_host = array("d"), array("d")
    prev_fu: int | None = None
    prev_seq = 0
    filled = n_ok = n_bad = released = 0

    def to_envelope(fu: int) -> None:
        envelope.add(_view(batch_dev, np.float64), _view(batch_host, np.float64), float(fu) * 1e-6)
        del batch_dev[:], batch_host[:]

    for pos in dev.records():
        released = _release_behind(data, released, pos)
        host_s, a, b = _frame_at(data, pos)
        try:
            f = decode_frame(data[a:b])
        except WireError:
            n_bad += 1
            continue
        if not (isinstance(f.payload, ImuBlock | InsoleBlock) and f.header.sample_count):
            continue
        v = f.payload.si()
        if v.shape[1] != k or filled + len(v) > dev.samples:
            n_bad += 1
            continue
        put(v, filled)
        h = f.header
        fu, seq, n = int(h.t_first_us), int(h.seq), len(v)
        period_us = h.period_ns / 1000.0 if h.period_ns > 0 else announced_us
        # a new device boot: device time or sequence going backwards (the
        # sequence step is taken modulo 2**32)
        if prev_fu is None or fu < prev_fu or (seq - prev_seq) & 0xFFFFFFFF > 2**31:
            if prev_fu is not None:
                to_envelope(prev_fu)
                fits.append(envelope.fit())
                envelope = LowerEnvelope()
            boot_rows.append(filled)
        runs.add(filled, fu, n, period_us)
        # the device time of the frame's last sample, as fit_clock is given it
        batch_dev.append((float(fu) + float(n - 1) * period_us) * 1e-6)
        batch_host.append(host_s)
        if len(batch_dev) >= CLOCK_BATCH:
            to_envelope(fu)
        prev_fu, prev_seq = fu, seq
        filled += n
        n_ok += 1
    if prev_fu is None:
        boot = np.zeros(1, dtype=np.int64)
        fit_arr = np.array([[1.0, 0.0, 0.0]])
    else:
        to_envelope(prev_fu)
        fits.append(envelope.fit())
        boot = _view(boot_rows, np.int64)
        fit_arr = np.array(fits)
    return _Frames(runs.frozen(), boot, fit_arr, filled, n_ok, n_bad)


def _frame_times(fr: _Frames, chunk_rows: int) -> np.ndarray:
    """Every sample time of ``fr`` in one array (built ``chunk_rows`` at a time)."""
    t = np.empty(fr.filled)
    for lo in range(0, fr.filled, chunk_rows):
        hi = min(lo + chunk_rows, fr.filled)
        t[lo:hi] = fr.times(lo, hi)
    return t


def _whole(
    data: Any,
    info: dict[str, Any],
    dev: _Device,
    fr: _Frames,
    t_frames: np.ndarray,
    values: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One device's sample times and values from its frames and its blocks,
    sorted, strictly increasing in time."""
    k = len(info["columns"])
    parts_t = [t_frames] if fr.n_ok else []
    parts_v = [values]
    for s0, s1 in dev.blocks:
        body = data[s0:s1]
        hl = struct.unpack_from("<H", body, 0)[0]
        h = json.loads(body[2 : 2 + hl])
        arr = np.frombuffer(body, dtype="<f8", offset=2 + hl)
        if h["k"] != k:
            continue
        parts_t.append(arr[: h["n"]].copy())
        parts_v.append(arr[h["n"] :].reshape(h["n"], h["k"]))
    t = np.concatenate(parts_t) if parts_t else np.zeros(0)
    v = parts_v[0] if len(parts_v) == 1 else np.vstack(parts_v)
    if t.size > 1 and not np.all(t[1:] >= t[:-1]):
        order = np.argsort(t, kind="stable")
        t, v = t[order], v[order]
    # sorted now: a sample is later than all before it when it is later than
    # the one before it (no running maximum needed)
    keep = np.r_[True, t[1:] > t[:-1]] if t.size else np.zeros(0, dtype=bool)
    if not keep.all():
        t, v = t[keep], v[keep]
    return t, v


def _device_samples(
    data: Any, did: str, info: dict[str, Any], dev: _Device, chunk_rows: int = 1 << 16
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """One device's sample times (session axis, s) and values (SI), whole,
    sorted, strictly increasing in time; and how many of its frames were
    decoded and how many were bad. Values are decoded frame by frame into
    one array sized from the frames' headers."""
    values = np.empty((dev.samples, len(info["columns"])))

    def put(v: np.ndarray, row: int) -> None:
        values[row : row + len(v)] = v

    fr = _decode_frames(data, info, dev, put)
    t, v = _whole(data, info, dev, fr, _frame_times(fr, chunk_rows), values[: fr.filled])
    return t, v, fr.n_ok, fr.n_bad


Rows = Iterator[tuple[np.ndarray, np.ndarray]]
"""A stream's rows in order, a chunk at a time: ``(times, values)``."""


def _slices(t: np.ndarray, v: np.ndarray, chunk_rows: int) -> Rows:
    for a in range(0, len(t), chunk_rows):
        yield t[a : a + chunk_rows], v[a : a + chunk_rows]


@contextmanager
def _device_rows(
    data: Any, info: dict[str, Any], dev: _Device, spill_dir: Path, chunk_rows: int
) -> Iterator[tuple[int, int, int, Rows]]:
    """One device's samples as :func:`_device_samples` gives them, as
    ``(samples, frames decoded, bad frames, rows)``, held a chunk of
    ``chunk_rows`` at a time when they can be.

    The decoded values go to a temporary file in ``spill_dir`` as they are
    decoded. When the frames' times are strictly increasing in log order (a
    capture without blocks, whose devices did not jump back in time) the
    sorting and the removal of repeated times change nothing, and the rows
    are read back from that file a chunk at a time with their times
    computed alongside; otherwise the whole arrays are built as before. A
    device with blocks is built whole."""
    if dev.blocks:
        t, v, n_ok, n_bad = _device_samples(data, "", info, dev, chunk_rows)
        yield len(t), n_ok, n_bad, _slices(t, v, chunk_rows)
        return
    k = len(info["columns"])
    try:
        # w+b with a buffer: a BufferedRandom (typeshed infers that type only
        # for buffering -1 or 1)
        spill = cast(
            io.BufferedRandom,
            tempfile.TemporaryFile(dir=spill_dir, prefix=".recover-", buffering=1 << 20),
        )
    except OSError as e:
        raise OSError(e.errno, e.strerror or str(e), str(spill_dir)) from e
    with spill:

        def put(v: np.ndarray, row: int) -> None:
            spill.write(np.ascontiguousarray(v, dtype=np.float64).data)

        try:
            fr = _decode_frames(data, info, dev, put)
            spill.flush()
        except OSError as e:  # the temporary file has no name: say where it was
            if e.filename is None:
                raise OSError(e.errno, e.strerror or str(e), str(spill_dir)) from e
            raise
        increasing, prev = True, -np.inf
        for lo in range(0, fr.filled, chunk_rows):
            t = fr.times(lo, min(lo + chunk_rows, fr.filled))
            if not (t[0] > prev and np.all(t[1:] > t[:-1])):
                increasing = False
                break
            prev = t[-1]
        spill.seek(0)
        if not increasing:
            values = np.empty((fr.filled, k))
            spill.readinto(values.data.cast("B"))
            t, v = _whole(data, info, dev, fr, _frame_times(fr, chunk_rows), values)
            del values
            yield len(t), fr.n_ok, fr.n_bad, _slices(t, v, chunk_rows)
            return

        def rows() -> Rows:
            for lo in range(0, fr.filled, chunk_rows):
                hi = min(lo + chunk_rows, fr.filled)
                v = np.empty((hi - lo, k))
                spill.readinto(v.data.cast("B"))
                yield fr.times(lo, hi), v

        yield fr.filled, fr.n_ok, fr.n_bad, rows()


def build_recording(
    log: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    fmt: str = "csv",
    overwrite: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    chunk_rows: int | None = None,
) -> Path:
    """Write the canonical recording folder of a capture log.

    The log is read through a memory map and each device's stream is built
    and written before the next one is started; a device whose frames come
    in time order (the usual case) is decoded to a temporary file beside the
    recording and written from it ``chunk_rows`` rows at a time, so the
    memory needed does not grow with its samples, only with its frames (a
    few tens of bytes each).

    Parameters
    ----------
    log
        The capture log (``capture.fflog``).
    out_dir
        Folder for the recording.
    fmt
        ``csv`` or ``parquet``.
    overwrite
        Replace an existing recording.json.
    progress
        Called as ``progress(device_id, done, total)`` before each device's
        stream is built (``done`` devices are written); None: nothing.
    chunk_rows
        Rows held and written at a time; None: as many as
        :func:`footfall.io.write_recording` writes at a time, and then the
        files are those it writes for the same streams, byte for byte.

    Returns
    -------
    pathlib.Path
        ``out_dir``.
    """
    from footfall.errors import RecordingError
    from footfall.io.canonical import (
        FORMAT,
        RECORDING_JSON,
        WRITE_CHUNK_ROWS,
        json_default,
        stream_entry,
        write_stream_rows,
    )
    from footfall.model import Placement, SensorKind, Side, Stream
    from footfall.wire import peek_header

    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    chunk_rows = chunk_rows or WRITE_CHUNK_ROWS
    session: dict[str, Any] = {}
    infos: dict[str, dict[str, Any]] = {}
    devices: dict[str, _Device] = {}
    gaps: dict[str, list[dict[str, Any]]] = {}
    values: list[dict[str, Any]] = []
    totals = {"frames": 0, "bad_frames": 0, "samples": 0, "streams": 0}
    scan = _Scan([])
    out = Path(out_dir)
    json_path = out / RECORDING_JSON
    with _mapped(log) as data:
        for kind, host_s, a, b in _records(data, scan):
            if kind == "F":
                k = data[a]
                did = bytes(data[a + 1 : a + 1 + k]).decode()
                dev = devices.setdefault(did, _Device())
                head = peek_header(data[a + 1 + k : b])
                dev.add_record(a - _REC.size)
                dev.samples += head.sample_count if head is not None else 0
            elif kind == "M":
                session = json.loads(data[a:b])
            elif kind == "I":
                d = json.loads(data[a:b])
                infos[d["device_id"]] = d
            elif kind == "B":
                hl = struct.unpack_from("<H", data, a)[0]
                h = json.loads(data[a + 2 : a + 2 + hl])
                devices.setdefault(h["device_id"], _Device()).blocks.append((a, b))
            elif kind == "P":
                values.append({"t_s": host_s, **json.loads(data[a:b])})
            elif kind == "G":
                g = json.loads(data[a:b])
                gaps.setdefault(g["device_id"], []).append(
                    {k: g[k] for k in ("t_start_s", "t_end_s", "n_missing", "reason")}
                )
        described = [did for did in infos if did in devices]

        if json_path.exists() and not overwrite:
            raise RecordingError(
                f"already holds a {RECORDING_JSON}.",
                path=str(out),
                fix="choose another folder, or pass overwrite=True to replace it.",
            )
        made = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        entries: list[dict[str, Any]] = []
        used: set[str] = set()
        for done, did in enumerate(described):
            if progress is not None:
                progress(did, done, len(described))
            info = infos[did]
            with _device_rows(data, info, devices[did], out, chunk_rows) as (n, n_ok, n_bad, rows):
                totals["frames"] += n_ok
                totals["bad_frames"] += n_bad
                totals["samples"] += n
                totals["streams"] += bool(n)
                if not n:
                    continue
                meta: dict[str, Any] = {
                    "device_id": did,
                    "firmware": info.get("firmware", ""),
                    "fs_nominal_hz": info["fs_hz"],
                    "capture_gaps": sorted(gaps.get(did, []), key=lambda g: g["t_start_s"]),
                }
                if info.get("layout"):
                    meta["layout"] = info["layout"]
                if (info.get("meta") or {}).get("mount"):
                    meta["mount"] = info["meta"]["mount"]
                placement = info.get("placement") or Placement.FOOT.value
                k = len(info["columns"])
                # the stream's description; its rows are written from ``rows``
                stream = Stream(
                    kind=SensorKind(info["kind"]),
                    side=Side(info["side"]),
                    placement=Placement(placement),
                    time_s=np.zeros(0),
                    values=np.zeros((0, k)),
                    columns=tuple(info["columns"]),
                    name=did,
                    meta=meta,
                )
                name, entry = stream_entry(stream, fmt, used)
                entries.append(entry)
                write_stream_rows(out / name, fmt, stream.kind, stream.columns, rows)
                del rows
        if not entries:
            if made:
                with suppress(OSError):
                    out.rmdir()
            raise FootfallError(
                "the capture log holds no samples",
                path=str(log),
                fix="nothing to recover: the capture ended before any data arrived",
            )

    meta = dict(session.get("meta") or {})
    if session.get("started_at"):
        meta.setdefault("started_at", session["started_at"])
    meta["capture"] = {
        "log": Path(log).name,
        "frames": totals["frames"],
        "bad_frames": totals["bad_frames"],
        "streams": totals["streams"],
        "samples": totals["samples"],
        "log_complete": scan.complete,
        "damaged": [
            {"offset": d.offset, "bytes": d.length, "after_s": d.after_s} for d in scan.damage
        ],
        "devices": sorted(infos),
    }
    if values:
        _write_profile_values(out / PROFILE_VALUES_FILE, values)
        meta["profile_values"] = {"file": PROFILE_VALUES_FILE, "rows": len(values)}
        cond = _treadmill_condition(values)
        if cond:
            meta["condition"] = {**(meta.get("condition") or {}), **cond}
    # recording.json last, as footfall.io.write_recording writes it
    doc: dict[str, Any] = {"format": FORMAT}
    doc.update({k: v for k, v in meta.items() if k != "streams"})
    doc["streams"] = entries
    json_path.write_text(
        json.dumps(doc, indent=2, ensure_ascii=False, default=json_default) + "\n", encoding="utf-8"
    )
    return out


def _write_profile_values(path: Path, values: list[dict[str, Any]]) -> None:
    """``profile_values.csv``: one row per value, in log order."""
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(PROFILE_COLUMNS)
        for v in values:
            w.writerow(["" if v.get(k) is None else v[k] for k in PROFILE_COLUMNS])


def _treadmill_condition(values: list[dict[str, Any]]) -> dict[str, Any]:
    """The recording's condition from a treadmill's values: the median belt
    speed and incline while the belt ran; empty without a running belt."""
    running = [
        v
        for v in values
        if v.get("profile") == "treadmill" and v.get("speed_mps") and v["speed_mps"] > 0
    ]
    if not running:
        return {}
    cond: dict[str, Any] = {
        "surface": "treadmill",
        "speed_mps": float(np.median([v["speed_mps"] for v in running])),
    }
    incl = [v["incline_pct"] for v in running if v.get("incline_pct") is not None]
    if incl:
        cond["incline_pct"] = float(np.median(incl))
    return cond


def recover(
    raw_log_or_dir: str | os.PathLike[str],
    *,
    out_dir: str | os.PathLike[str] | None = None,
    fmt: str = "csv",
    overwrite: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> Path:
    """Rebuild the recording of a capture that did not stop normally.

    Parameters
    ----------
    raw_log_or_dir
        The capture folder (holding ``capture.fflog``) or the log itself.
    out_dir
        Where to write the recording (default: the capture folder).
    fmt
        ``csv`` or ``parquet``.
    overwrite
        Replace an existing recording.json.
    progress
        As for :func:`build_recording`.

    Returns
    -------
    pathlib.Path
        The recording folder, holding everything up to the last complete
        record of the log.
    """
    p = Path(raw_log_or_dir)
    log = p / LOG_NAME if p.is_dir() else p
    if not log.is_file():
        raise FootfallError(
            "no capture log here",
            path=str(p),
            fix=f"give the folder of a capture (it holds {LOG_NAME})",
        )
    dest = Path(out_dir) if out_dir is not None else log.parent
    if (dest / "recording.json").exists() and not overwrite:
        raise FootfallError(
            "already holds a recording.json",
            path=str(dest),
            fix="the capture ended normally; use --force to rebuild it anyway",
        )
    return build_recording(log, dest, fmt=fmt, overwrite=overwrite, progress=progress)


__all__ = [
    "LOG_NAME",
    "LogDamage",
    "Recorder",
    "build_recording",
    "read_log",
    "read_log_report",
    "recover",
]
