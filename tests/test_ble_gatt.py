"""Standard BLE profiles: RSC Measurement and FTMS Treadmill Data decoders, byte by byte."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from footfall.devices.gatt import (
    TREADMILL_FIELDS,
    Malformed,
    RscMeasurement,
    TreadmillData,
    ble_max_frame_len,
    decode_rsc,
    decode_treadmill,
    encode_rsc,
    encode_treadmill,
)
from footfall.wire import cobs_encode, imu6_samples_per_frame

# ---------------------------------------------------------------- RSC


@given(
    speed=st.integers(0, 0xFFFF),
    cadence=st.integers(0, 0xFF),
    stride=st.none() | st.integers(0, 0xFFFF),
    distance=st.none() | st.integers(0, 0xFFFFFFFF),
    running=st.booleans(),
)
def test_rsc_round_trip_over_every_flag_combination(speed, cadence, stride, distance, running):
    data = encode_rsc(speed, cadence, stride_raw=stride, distance_raw=distance, running=running)
    m = decode_rsc(data)
    assert isinstance(m, RscMeasurement)
    assert m.speed_mps == speed / 256
    assert m.cadence_per_min == cadence
    assert m.stride_length_m == (None if stride is None else stride / 100)
    assert m.total_distance_m == (None if distance is None else distance / 10)
    assert m.running is running
    assert data[0] & 0x04 == (0x04 if running else 0)


def test_rsc_known_bytes() -> None:
    # flags 0x07: stride and distance present, running; 3.5 m/s, 88/min,
    # stride 2.41 m, 1234.5 m
    data = bytes([0x07]) + struct.pack("<HBHI", 896, 88, 241, 12345)
    m = decode_rsc(data)
    assert m == RscMeasurement(3.5, 88, 2.41, 1234.5, True)


@given(data=st.binary(max_size=20))
def test_rsc_any_bytes_decode_or_are_flagged(data: bytes) -> None:
    m = decode_rsc(data)
    if isinstance(m, Malformed):
        assert m.data == data and m.reason
        return
    flags = data[0]
    need = 4 + 2 * (flags & 1) + 4 * (flags >> 1 & 1)
    assert len(data) >= need
    if not flags & 0xF8:
        assert len(data) == need


def test_rsc_length_that_fits_no_layout_is_flagged() -> None:
    full = encode_rsc(700, 90, stride_raw=120, distance_raw=5)
    assert isinstance(decode_rsc(full[:-1]), Malformed)
    assert isinstance(decode_rsc(full + b"\x00"), Malformed)
    assert isinstance(decode_rsc(b"\x00\x01"), Malformed)


# ---------------------------------------------------------------- FTMS treadmill

_LIMITS = {
    "H": (0, 0xFFFF),
    "h": (-0x8000, 0x7FFF),
    "B": (0, 0xFF),
    "U24": (0, 0xFFFFFF),
}


@st.composite
def _treadmill(draw):
    flags = draw(st.integers(0, (1 << 13) - 1))
    width = draw(st.sampled_from([1, 2]))
    raw: dict[str, int] = {}
    for bit, names, fmt, _scales in TREADMILL_FIELDS:
        present = not flags & 1 if bit == 0 else bool(flags >> bit & 1)
        if not present:
            continue
        if fmt == "PACE":
            lims = [(0, (1 << (8 * width)) - 1)]
        elif fmt == "U24":
            lims = [_LIMITS["U24"]]
        else:
            lims = [_LIMITS[c] for c in fmt]
        for name, (lo, hi) in zip(names, lims, strict=True):
            raw[name] = draw(st.integers(lo, hi))
    return flags, width, raw


@settings(max_examples=400)
@given(_treadmill())
def test_treadmill_round_trip_over_every_flag_combination_and_both_pace_widths(case) -> None:
    flags, width, raw = case
    data = encode_treadmill(flags, raw, pace_width=width)
    d = decode_treadmill(data)
    assert isinstance(d, TreadmillData), d
    assert d.flags == flags
    has_pace = bool(flags & (1 << 5 | 1 << 6))
    assert d.pace_width == (width if has_pace else 0)
    for bit, names, _fmt, scales in TREADMILL_FIELDS:
        present = not flags & 1 if bit == 0 else bool(flags >> bit & 1)
        for name, scale in zip(names, scales, strict=True):
            got = getattr(d, name)
            if present:
                assert got == raw[name] * scale, name
            else:
                assert got is None, name


def test_treadmill_flag_bit_0_is_inverted_and_distance_is_24_bit() -> None:
    # bit 0 clear: speed present; bit 2: distance (3 bytes); bit 3: incline and ramp
    data = struct.pack("<HH", 0b1100, 1080) + (70000).to_bytes(3, "little")
    data += struct.pack("<hh", -15, 25)
    d = decode_treadmill(data)
    assert isinstance(d, TreadmillData)
    assert abs(d.speed_mps - 10.8 / 3.6) < 1e-12
    assert d.total_distance_m == 70000
    assert d.inclination_pct == -1.5 and d.ramp_angle_deg == 2.5
    # bit 0 set: no speed, the distance comes first
    d2 = decode_treadmill(struct.pack("<H", 0b101) + (5).to_bytes(3, "little"))
    assert isinstance(d2, TreadmillData)
    assert d2.speed_mps is None and d2.total_distance_m == 5


def test_treadmill_pace_width_is_chosen_by_length() -> None:
    flags = 1 << 5 | 1 << 6  # speed, instantaneous and average pace
    short = struct.pack("<HHBB", flags, 1000, 12, 13)
    long = struct.pack("<HHHH", flags, 1000, 300, 301)
    a, b = decode_treadmill(short), decode_treadmill(long)
    assert isinstance(a, TreadmillData) and isinstance(b, TreadmillData)
    assert (a.pace_width, a.inst_pace_raw, a.avg_pace_raw) == (1, 12, 13)
    assert (b.pace_width, b.inst_pace_raw, b.avg_pace_raw) == (2, 300, 301)
    # 3 pace bytes: neither one byte each (2) nor two bytes each (4)
    odd = struct.pack("<HH", flags, 1000) + b"\x01\x02\x03"
    bad = decode_treadmill(odd)
    assert isinstance(bad, Malformed) and "6 or 8" in bad.reason


@given(data=st.binary(max_size=40))
def test_treadmill_any_bytes_decode_or_are_flagged(data: bytes) -> None:
    d = decode_treadmill(data)
    if isinstance(d, Malformed):
        assert d.data == data and d.reason
    else:
        # what decoded re-encodes to the same bytes
        raw = {}
        for _bit, names, _fmt, scales in TREADMILL_FIELDS:
            for name, scale in zip(names, scales, strict=True):
                v = getattr(d, name)
                if v is not None:
                    raw[name] = round(v / scale)
        assert encode_treadmill(d.flags, raw, pace_width=d.pace_width or 2) == data


# ---------------------------------------------------------------- footfall frames over BLE


@given(mtu=st.integers(23, 517))
def test_ble_frame_len_fits_one_notification(mtu: int) -> None:
    n = ble_max_frame_len(mtu)
    if n:
        # the worst case for COBS: no zero byte at all
        assert len(cobs_encode(b"\x01" * n)) + 1 <= mtu - 3
        assert len(cobs_encode(b"\x01" * (n + 1))) + 1 > mtu - 3


def test_frame_sizes_at_common_mtus() -> None:
    assert imu6_samples_per_frame(ble_max_frame_len(247)) == 17
    assert imu6_samples_per_frame(ble_max_frame_len(51)) == 1
    assert imu6_samples_per_frame(ble_max_frame_len(50)) == 0
    assert imu6_samples_per_frame(ble_max_frame_len(23)) == 0
