"""A hostile or broken device over a real pty: frames that break the
protocol's promises (a zero sample period after a sequence gap, a name of
100 bytes that is not UTF-8 and carries terminal escapes, random bytes
between frames) cost only themselves; every valid frame sent after them is
captured and recorded."""

from __future__ import annotations

import os
import time
import tty

import numpy as np
import pytest

from footfall.capture import Recorder
from footfall.devices.base import Block, DeviceInfo
from footfall.devices.ingest import Ingest
from footfall.devices.serial_source import SerialSource
from footfall.io import read_recording
from footfall.wire import (
    KIND_IMU,
    PLACEMENT_FOOT,
    SIDE_LEFT,
    SIDE_RIGHT,
    DeviceInfoPayload,
    decode_frame,
)
from footfall.wire.frames import (
    _INFO_FIXED,
    MSG_DEVICE_INFO,
    encode_device_info,
    encode_frame,
    encode_imu6,
    serial_wrap,
)

PERIOD_NS = 10_000_000  # 100 Hz
INFO = DeviceInfoPayload(
    KIND_IMU, SIDE_LEFT, PLACEMENT_FOOT, 6, 100_000, 0.01, 0.001, 5, 3, "left-foot", "2.0", ""
)
BAD_NAME = b"\xff\xfe" * 48 + b"\x1b[2J\x1b]0;x\x07"  # 104 bytes, not UTF-8


@pytest.fixture
def pty_port():
    """A real pseudo-terminal: (master fd the test writes to, the port name a
    SerialSource opens), closed after the test."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def _imu(seq: int, period_ns: int = PERIOD_NS, sid: int = 0) -> bytes:
    raw = np.full((5, 6), seq % 100, dtype=np.int16)
    return encode_imu6(sid, seq, seq * 50_000, period_ns, raw, 0.01, 0.001)


def _bad_name_info(sid: int) -> bytes:
    payload = _INFO_FIXED.pack(
        KIND_IMU, SIDE_RIGHT, PLACEMENT_FOOT, 6, 100_000, 0.01, 0.001, 5, 0, 9
    )
    payload += bytes([len(BAD_NAME)]) + BAD_NAME + b"\x03v.1" + b"\x00"
    return encode_frame(MSG_DEVICE_INFO, sid, 0, 0, PERIOD_NS, payload)


def test_zero_period_after_a_gap_keeps_the_samples() -> None:
    ing = Ingest("t")
    ev = []
    for f in (encode_device_info(0, 0, 0, PERIOD_NS, INFO), _imu(0), _imu(3, period_ns=0), _imu(4)):
        fr = decode_frame(f)
        ev += ing.frames([fr], fr.header.t_first_us * 1e-6 + 0.05)
    blocks = [e for e in ev if isinstance(e, Block)]
    assert [b.seq for b in blocks] == [0, 3, 4]
    # the zero-period frame is timed with the announced 100 Hz
    np.testing.assert_allclose(np.diff(blocks[1].t_s), 0.01, atol=1e-6)


def test_a_long_non_utf8_name_is_a_safe_bounded_device_id(tmp_path) -> None:
    ing = Ingest("t")
    fr = decode_frame(_bad_name_info(1))
    info = next(e for e in ing.frames([fr], 0.0) if isinstance(e, DeviceInfo))
    assert len(info.device_id) <= 60 and "\x1b" not in info.device_id
    # the recorder stores frames under that id and the recording is rebuilt
    rec = Recorder(tmp_path / "cap")
    frames = [decode_frame(_imu(k, sid=1)) for k in range(3)]
    rec.write([info, *ing.frames(frames, 0.2)])
    rec.close()
    stream = read_recording(tmp_path / "cap").streams[0]
    assert len(stream) == 15 and "\x1b" not in stream.meta["device_id"]


def test_hostile_device_over_a_real_pty(tmp_path, pty_port) -> None:
    master, name = pty_port
    src = SerialSource(name, backoff_start_s=0.02)
    src.open()
    recorder = Recorder(tmp_path / "cap")
    rng = np.random.default_rng(4)
    sent_good = []
    chunks = [serial_wrap(encode_device_info(0, 0, 0, PERIOD_NS, INFO))]
    for seq in range(0, 10):
        chunks.append(serial_wrap(_imu(seq)))
        sent_good.append(seq)
    chunks += [
        serial_wrap(_imu(12, period_ns=0)),  # zero period after a gap
        serial_wrap(_bad_name_info(1)),  # a second device, hostile name
        bytes(rng.integers(0, 256, 300, dtype=np.uint8)),  # line noise
        b"\x00",
    ]
    sent_good.append(12)
    for seq in range(13, 40):
        chunks.append(serial_wrap(_imu(seq)))
        sent_good.append(seq)
    events = []
    try:
        for c in chunks:
            os.write(master, c)
            time.sleep(0.002)
            ev = src.poll(0.0)
            recorder.write(ev)
            events += ev
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            ev = src.poll(0.05)
            recorder.write(ev)
            events += ev
            got = {e.seq for e in events if isinstance(e, Block) and e.device_id == "left-foot"}
            if set(sent_good) <= got:
                break
        alive = src._thread is not None and src._thread.is_alive()
    finally:
        src.close()
    got = {e.seq for e in events if isinstance(e, Block) and e.device_id == "left-foot"}
    assert alive
    assert set(sent_good) <= got, sorted(set(sent_good) - got)
    infos = [e for e in events if isinstance(e, DeviceInfo)]
    assert all("\x1b" not in i.device_id and len(i.device_id) <= 60 for i in infos)
    recorder.close()
    rec = read_recording(tmp_path / "cap")
    left = next(s for s in rec.streams if s.meta.get("device_id") == "left-foot")
    assert len(left) == 5 * len(sent_good)


def test_one_reader_per_serial_port(pty_port) -> None:
    """A second capture cannot open a port that one is reading (it would take
    half of the frames); once the first closes, the port opens."""
    from footfall.errors import FootfallError

    _, name = pty_port
    first = SerialSource(name)
    first.open()
    try:
        with pytest.raises(FootfallError, match="in use by another program"):
            SerialSource(name).open()
    finally:
        first.close()
    again = SerialSource(name)
    again.open()
    again.close()


def test_a_refused_capture_folder_is_refused_before_the_port_is_opened(tmp_path, pty_port) -> None:
    """footfall live refused for its -o folder (it holds a capture) says so
    before it opens the port, so it reads nothing from the devices: with the
    port held by another reader, the refusal is about the folder, not the
    port."""
    from footfall.errors import FootfallError
    from footfall.live.session import LiveSession

    (tmp_path / "cap").mkdir()
    (tmp_path / "cap" / "capture.fflog").write_bytes(b"FFCAPLG1")
    _, name = pty_port
    holder = SerialSource(name)
    holder.open()
    try:
        with pytest.raises(FootfallError, match="already holds a capture"):
            LiveSession(SerialSource(name), tmp_path / "cap").run(
                duration_s=0.5, handle_signals=False
            )
        # and a free folder with the port held: refused for the port
        with pytest.raises(FootfallError, match="in use by another program"):
            LiveSession(SerialSource(name), tmp_path / "new").run(
                duration_s=0.5, handle_signals=False
            )
    finally:
        holder.close()
    assert not (tmp_path / "new").exists()


def _log_of_frames(folder, n_frames: int):
    """A capture log of one IMU's ``n_frames`` frames (5 samples each)."""
    ing = Ingest("t")
    rec = Recorder(folder)
    ev = ing.frames([decode_frame(encode_device_info(0, 0, 0, PERIOD_NS, INFO))], 0.0)
    rec.write(ev)
    for seq in range(n_frames):
        fr = decode_frame(_imu(seq))
        rec.write(ing.frames([fr], seq * 0.05 + 0.045))
    rec._fh.flush()
    return rec


def _frame_offsets(log) -> list[int]:
    from footfall.capture.recorder import _REC, MAGIC

    data = log.read_bytes()
    pos, out = len(MAGIC), []
    while pos < len(data):
        blen, kind, _ = _REC.unpack_from(data, pos)
        if chr(kind) == "F":
            out.append(pos)
        pos += _REC.size + blen + 4
    return out


@pytest.mark.parametrize("where", ["body", "length field", "type byte"])
def test_a_damaged_record_costs_only_itself(tmp_path, where: str) -> None:
    """One flipped bit half way through a capture log: footfall recover
    keeps every record but the damaged one, and reports where the damage
    was (it used to stop there, losing the second half of the run)."""
    import json

    from footfall.capture.recorder import _REC, recover

    n = 2000
    rec = _log_of_frames(tmp_path / "cap", n)
    log = rec.log_path
    offs = _frame_offsets(log)
    rec._stop.set()
    rec._fh.close()
    data = bytearray(log.read_bytes())
    k = offs[n // 2]
    bit = {"body": k + _REC.size + 10, "length field": k + 2, "type byte": k + 4}[where]
    data[bit] ^= 0x10
    log.write_bytes(bytes(data))
    out = recover(tmp_path / "cap")
    stream = read_recording(out, check_units=False).streams[0]
    assert len(stream) == 5 * (n - 1)
    meta = json.loads((out / "recording.json").read_text())["capture"]
    assert len(meta["damaged"]) == 1 and meta["damaged"][0]["offset"] == k
    assert meta["log_complete"] is True
