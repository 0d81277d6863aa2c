"""Wire protocol, Python side: COBS, CRC, frames, and the deframer under corruption."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footfall.wire import (
    MSG_IMU6,
    CobsError,
    Deframer,
    DeviceInfoPayload,
    ImuBlock,
    InsoleBlock,
    StatusPayload,
    UnknownPayload,
    WireError,
    cobs_decode,
    cobs_encode,
    crc16,
    decode_frame,
    encode_device_info,
    encode_frame,
    encode_imu6,
    encode_insole,
    encode_status,
    imu6_samples_per_frame,
    insole_samples_per_frame,
    serial_wrap,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_crc_check_value() -> None:
    assert crc16(b"123456789") == 0x29B1
    assert crc16(b"56789", crc16(b"1234")) == 0x29B1


@FAST
@given(st.binary(max_size=1200))
def test_cobs_round_trip_and_no_zero(data: bytes) -> None:
    enc = cobs_encode(data)
    assert 0 not in enc
    assert len(enc) <= len(data) + len(data) // 254 + 1
    assert cobs_decode(enc) == data


def test_cobs_rejects_bad_input() -> None:
    with pytest.raises(CobsError):
        cobs_decode(b"")
    with pytest.raises(CobsError):
        cobs_decode(b"\x05\x11")  # block runs past the end
    with pytest.raises(CobsError):
        cobs_decode(b"\x02\x00")


imu_raw = st.integers(1, 40).flatmap(
    lambda n: st.binary(min_size=12 * n, max_size=12 * n).map(
        lambda b: np.frombuffer(b, dtype="<i2").reshape(-1, 6)
    )
)
u32 = st.integers(0, 2**32 - 1)
u64 = st.integers(0, 2**64 - 1)


@FAST
@given(imu_raw, st.integers(0, 255), u32, u64, u32)
def test_imu_round_trip(raw: np.ndarray, sid: int, seq: int, t_us: int, period: int) -> None:
    frame = decode_frame(encode_imu6(sid, seq, t_us, period, raw))
    h = frame.header
    assert (h.stream_id, h.seq, h.t_first_us, h.period_ns, h.sample_count) == (
        sid,
        seq,
        t_us,
        period,
        len(raw),
    )
    assert isinstance(frame.payload, ImuBlock)
    np.testing.assert_array_equal(frame.payload.raw, raw)
    si = frame.payload.si()
    np.testing.assert_allclose(si[:, :3], raw[:, :3] * frame.payload.acc_scale)
    np.testing.assert_allclose(si[:, 3:], raw[:, 3:] * frame.payload.gyr_scale)


@FAST
@given(st.integers(1, 64), st.integers(1, 10), st.data())
def test_insole_round_trip(cells: int, n: int, data: st.DataObject) -> None:
    vals = data.draw(st.binary(min_size=2 * n * cells, max_size=2 * n * cells))
    raw = np.frombuffer(vals, dtype="<u2").reshape(n, cells)
    frame = decode_frame(encode_insole(3, 9, 1234, 10_000_000, raw, 0.25))
    assert isinstance(frame.payload, InsoleBlock)
    np.testing.assert_array_equal(frame.payload.raw, raw)
    np.testing.assert_array_equal(frame.payload.si(), raw * 0.25)


@FAST
@given(st.text(max_size=40), st.text(max_size=20), st.text(max_size=20), u32)
def test_device_info_round_trip(name: str, fw: str, layout: str, boot: int) -> None:
    info = DeviceInfoPayload(
        1,
        1,
        0xFF,
        16,
        100_000,
        0.5,
        0.0,
        6,
        boot,
        name.encode()[:255].decode("utf-8", "ignore"),
        fw,
        layout,
    )
    got = decode_frame(encode_device_info(2, 7, 99, 10_000_000, info)).payload
    assert got == info


def test_status_round_trip_and_unknown_type_is_skippable() -> None:
    s = StatusPayload(10, 2, 1, 3700, 55, 3)
    assert decode_frame(encode_status(0, 10, 5, 2_500_000, s)).payload == s
    unk = decode_frame(encode_frame(0x42, 0, 1, 2, 3, b"\x01\x02"))
    assert isinstance(unk.payload, UnknownPayload) and unk.payload.data == b"\x01\x02"


def test_extension_bytes_and_longer_payloads_are_ignored() -> None:
    raw = np.arange(12, dtype=np.int16).reshape(2, 6)
    base = decode_frame(encode_imu6(0, 1, 2, 3, raw))
    payload = base.raw[24:-2]
    frame = encode_frame(
        MSG_IMU6, 0, 1, 2, 3, payload + b"\x09\x09", sample_count=2, extension=b"\xff\x00\x01"
    )
    got = decode_frame(frame)
    np.testing.assert_array_equal(got.payload.raw, raw)


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda f: f[:20], "short"),
        (lambda f: f[:-1] + bytes([f[-1] ^ 1]), "crc"),
        (lambda f: encode_frame(MSG_IMU6, 0, 0, 0, 0, b"\x00" * 8, sample_count=3), "payload"),
        (lambda f: encode_frame(MSG_IMU6, 0, 0, 0, 0, b"", version=2), "version"),
    ],
)
def test_decode_frame_errors(mutate, reason: str) -> None:
    good = encode_imu6(0, 1, 2, 3, np.zeros((1, 6), np.int16))
    with pytest.raises(WireError) as e:
        decode_frame(mutate(good))
    assert e.value.reason == reason


def test_payload_len_beyond_frame_is_rejected() -> None:
    f = bytearray(encode_imu6(0, 1, 2, 3, np.zeros((1, 6), np.int16)))
    f[6:8] = (500).to_bytes(2, "little")
    body = bytes(f[:-2])
    with pytest.raises(WireError) as e:
        decode_frame(body + crc16(body).to_bytes(2, "little"))
    assert e.value.reason == "length"


def test_samples_per_frame_for_ble_mtu() -> None:
    assert imu6_samples_per_frame(247 - 3) == 17
    assert insole_samples_per_frame(247 - 3, 16) == 6
    assert imu6_samples_per_frame(49 - 3) == 1
    assert imu6_samples_per_frame(48 - 3) == 0


# --------------------------------------------------------------------------
# deframer fuzzing
# --------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=20))
def test_deframer_never_raises_on_random_bytes(chunks: list[bytes]) -> None:
    d = Deframer()
    n = 0
    for c in chunks:
        n += len(d.feed(c))
    assert d.stats.bytes_in == sum(map(len, chunks))
    assert d.stats.frames == n


def _frames(n: int, rng: np.random.Generator) -> list[bytes]:
    out = []
    for i in range(n):
        k = int(rng.integers(0, 3))
        if k == 0:
            out.append(
                encode_imu6(
                    0,
                    i,
                    1000 * i,
                    2_500_000,
                    rng.integers(-32768, 32768, (int(rng.integers(1, 30)), 6)),
                )
            )
        elif k == 1:
            out.append(
                encode_insole(
                    1,
                    i,
                    1000 * i,
                    10_000_000,
                    rng.integers(0, 65536, (int(rng.integers(1, 6)), 16)),
                )
            )
        else:
            out.append(
                encode_status(0, i, 1000 * i, 2_500_000, StatusPayload(i, 0, 0, 3800, 90, 0))
            )
    return out


ACTIONS = ("ok", "ok", "ok", "flip", "noise", "truncate", "nodelim", "ok_zero")


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=25),
    st.lists(st.integers(1, 400), min_size=1, max_size=10),
)
def test_every_valid_frame_after_corruption_is_recovered(
    seed: int, actions: list[str], cuts: list[int]
) -> None:
    rng = np.random.default_rng(seed)
    frames = _frames(len(actions), rng)
    stream = bytearray()
    expected: list[bytes] = []
    lost_next = False
    for raw, act in zip(frames, actions, strict=True):
        wire = bytearray(serial_wrap(raw))
        intact = not lost_next
        lost_next = False
        if act == "flip":  # one byte changed to another non-zero value
            i = int(rng.integers(0, len(wire) - 1))
            wire[i] = (wire[i] + int(rng.integers(1, 255))) % 256 or 1
            intact = False
        elif act == "noise":  # line noise between frames, ended by a 0x00
            stream += rng.integers(0, 256, int(rng.integers(1, 60))).astype(np.uint8).tobytes()
            stream += b"\x00"
        elif act == "truncate":  # the tail of the frame never arrives
            wire = wire[: int(rng.integers(0, len(wire) - 1))] + b"\x00"
            intact = False
        elif act == "nodelim":  # the delimiter is lost: this frame and the next merge
            wire = wire[:-1]
            intact = False
            lost_next = True
        elif act == "ok_zero":  # a sender's extra 0x00 between frames
            stream += b"\x00"
        stream += wire
        if intact:
            expected.append(raw)
    d = Deframer()
    got: list[bytes] = []
    pos = 0
    for c in cuts * (len(stream) // max(sum(cuts), 1) + 1):
        got += [f.raw for f in d.feed(stream[pos : pos + c])]
        pos += c
        if pos >= len(stream):
            break
    got += [f.raw for f in d.feed(stream[pos:])]
    it = iter(got)
    assert all(any(g == e for g in it) for e in expected), "a valid frame was lost"
    assert len(got) >= len(expected)


def test_overlong_garbage_is_dropped_and_decoding_resumes() -> None:
    good = serial_wrap(encode_imu6(0, 5, 0, 1, np.ones((2, 6), np.int16)))
    d = Deframer()
    assert d.feed(b"\x01" * 5000) == []
    frames = d.feed(b"\x00" + good)
    assert [f.header.seq for f in frames] == [5]
    assert d.stats.corrupt == 1
