"""Bluetooth LE GATT: the footfall service layout and two standard profiles.

The footfall service (firmware_bridge/PROTOCOL.md, *GATT layout*) carries
frames of the wire protocol; this module holds its UUIDs and the frame size a
notification allows. The standard profiles are decoded here by footfall's own
small decoders, field by field as the Bluetooth SIG *GATT Specification
Supplement* (GSS) lays the characteristics out:

- Running Speed and Cadence (service 0x1814), characteristic *RSC
  Measurement* (0x2A53): what a foot pod reports.
- Fitness Machine (service 0x1826), characteristic *Treadmill Data*
  (0x2ACD): what a treadmill reports (belt speed, incline).

All values are little-endian. A decoder never raises on received bytes: a
value whose length fits no layout its flags allow comes back as
:class:`Malformed`, with the reason. The ``encode_*`` functions build values
(for the simulated peripherals of the tests and ``footfall emulate``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from footfall.wire import cobs_encode

__all__ = [
    "CCCD_UUID",
    "DEVICE_INFO_SERVICE_UUID",
    "FIRMWARE_REVISION_UUID",
    "FOOTFALL_CONTROL_UUID",
    "FOOTFALL_DATA_UUID",
    "FOOTFALL_SERVICE_UUID",
    "FTMS_SERVICE_UUID",
    "MANUFACTURER_NAME_UUID",
    "MIN_BLE_MTU",
    "MODEL_NUMBER_UUID",
    "Malformed",
    "RSC_FEATURE_UUID",
    "RSC_MEASUREMENT_UUID",
    "RSC_SERVICE_UUID",
    "RscMeasurement",
    "SERIAL_NUMBER_UUID",
    "TREADMILL_DATA_UUID",
    "TREADMILL_FIELDS",
    "TreadmillData",
    "ble_max_frame_len",
    "decode_rsc",
    "decode_treadmill",
    "encode_rsc",
    "encode_treadmill",
    "uuid16",
]


def uuid16(short: int) -> str:
    """The 128-bit form of a 16-bit SIG-assigned UUID (Bluetooth base UUID)."""
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


# ---------------------------------------------------------------- footfall service
FOOTFALL_SERVICE_UUID = "06437c47-dbe0-4e3a-a479-7a3417bc56ea"
"""The footfall sensor service (custom 128-bit UUID, PROTOCOL.md *GATT layout*)."""
FOOTFALL_DATA_UUID = "06437c48-dbe0-4e3a-a479-7a3417bc56ea"
"""Data characteristic (notify): COBS-framed wire-protocol frames."""
FOOTFALL_CONTROL_UUID = "06437c49-dbe0-4e3a-a479-7a3417bc56ea"
"""Control characteristic (write): commands to the sensor."""

DEVICE_INFO_SERVICE_UUID = uuid16(0x180A)
MANUFACTURER_NAME_UUID = uuid16(0x2A29)
MODEL_NUMBER_UUID = uuid16(0x2A24)
SERIAL_NUMBER_UUID = uuid16(0x2A25)
FIRMWARE_REVISION_UUID = uuid16(0x2A26)
CCCD_UUID = uuid16(0x2902)

RSC_SERVICE_UUID = uuid16(0x1814)
RSC_MEASUREMENT_UUID = uuid16(0x2A53)
RSC_FEATURE_UUID = uuid16(0x2A54)
FTMS_SERVICE_UUID = uuid16(0x1826)
TREADMILL_DATA_UUID = uuid16(0x2ACD)

ATT_NOTIFY_OVERHEAD = 3
"""Bytes of an ATT notification that are not the value (opcode, handle)."""

MIN_BLE_MTU = 51
"""Smallest ATT MTU that carries a data frame: one IMU sample per frame
(24 + 8 + 12 + 2 = 46 bytes), COBS code byte and delimiter, ATT header.
A stream also needs its DEVICE_INFO in one notification, which with a
name, firmware and layout is longer (the reference board's insole needs
84; PROTOCOL.md, *BLE transport*)."""


def ble_max_frame_len(mtu: int) -> int:
    """Longest frame (before COBS) whose serial form fits one notification.

    A notification's value holds at most ``mtu - 3`` bytes; a frame grows
    by COBS (most when it holds no zero byte) and by the 0x00 delimiter. The
    result feeds :func:`footfall.wire.imu6_samples_per_frame`.
    """
    room = mtu - ATT_NOTIFY_OVERHEAD
    n = max(room - 2, 0)
    while n > 0 and len(cobs_encode(b"\x01" * n)) + 1 > room:
        n -= 1
    return n


@dataclass(frozen=True)
class Malformed:
    """A characteristic value that fits no layout its flags allow.

    Attributes
    ----------
    characteristic
        ``"rsc"`` or ``"treadmill"``.
    reason
        What is wrong, for the log and the data-quality line.
    data
        The value as received.
    """

    characteristic: str
    reason: str
    data: bytes


# ---------------------------------------------------------------- RSC
RSC_FLAG_STRIDE = 0x01
RSC_FLAG_DISTANCE = 0x02
RSC_FLAG_RUNNING = 0x04
_RSC_KNOWN = RSC_FLAG_STRIDE | RSC_FLAG_DISTANCE | RSC_FLAG_RUNNING


@dataclass(frozen=True)
class RscMeasurement:
    """One RSC Measurement (GSS: RSC Measurement, 0x2A53), in SI.

    Attributes
    ----------
    speed_mps
        Instantaneous speed, m/s (sent as uint16 in 1/256 m/s).
    cadence_per_min
        Instantaneous cadence, 1/min (uint8), as the pod counts it.
    stride_length_m
        Instantaneous stride length, m (uint16 in 1/100 m), when sent.
    total_distance_m
        Total distance, m (uint32 in 1/10 m), when sent.
    running
        The walking-or-running flag bit: True running, False walking.
    """

    speed_mps: float
    cadence_per_min: int
    stride_length_m: float | None = None
    total_distance_m: float | None = None
    running: bool = False


def encode_rsc(
    speed_raw: int,
    cadence: int,
    *,
    stride_raw: int | None = None,
    distance_raw: int | None = None,
    running: bool = False,
) -> bytes:
    """An RSC Measurement value from raw field values (units as sent)."""
    flags = (
        (RSC_FLAG_STRIDE if stride_raw is not None else 0)
        | (RSC_FLAG_DISTANCE if distance_raw is not None else 0)
        | (RSC_FLAG_RUNNING if running else 0)
    )
    out = struct.pack("<BHB", flags, speed_raw, cadence)
    if stride_raw is not None:
        out += struct.pack("<H", stride_raw)
    if distance_raw is not None:
        out += struct.pack("<I", distance_raw)
    return out


def decode_rsc(data: bytes | bytearray) -> RscMeasurement | Malformed:
    """Decode an RSC Measurement value (GSS, RSC Measurement characteristic).

    Layout: flags (uint8; bit 0 stride length present, bit 1 total distance
    present, bit 2 walking (0) or running (1)), instantaneous speed (uint16,
    1/256 m/s), instantaneous cadence (uint8, 1/min), then the stride length
    (uint16, 1/100 m) and the total distance (uint32, 1/10 m) when flagged.
    The length must be what the flags need; with reserved flag bits set (a
    later version's fields) bytes after the known fields are ignored.
    """
    data = bytes(data)
    if len(data) < 4:
        return Malformed("rsc", f"{len(data)} bytes, at least 4 needed", data)
    flags = data[0]
    need = 4 + (2 if flags & RSC_FLAG_STRIDE else 0) + (4 if flags & RSC_FLAG_DISTANCE else 0)
    if len(data) < need or (len(data) != need and not flags & ~_RSC_KNOWN):
        return Malformed("rsc", f"{len(data)} bytes, flags 0x{flags:02x} need {need}", data)
    speed, cadence = struct.unpack_from("<HB", data, 1)
    pos = 4
    stride = distance = None
    if flags & RSC_FLAG_STRIDE:
        stride = struct.unpack_from("<H", data, pos)[0] / 100.0
        pos += 2
    if flags & RSC_FLAG_DISTANCE:
        distance = struct.unpack_from("<I", data, pos)[0] / 10.0
    return RscMeasurement(speed / 256.0, cadence, stride, distance, bool(flags & RSC_FLAG_RUNNING))


# ---------------------------------------------------------------- FTMS treadmill
# (flag bit, field names, struct formats, scale to SI): GSS, Treadmill Data.
# Bit 0 is "more data": the instantaneous speed is present when it is 0.
# Speeds are uint16 in 0.01 km/h; total distance uint24 in m; inclination
# sint16 in 0.1 %, ramp angle sint16 in 0.1 deg; elevation gains uint16 in
# 0.1 m; energy uint16 kcal, uint16 kcal/h, uint8 kcal/min; heart rate uint8
# 1/min; metabolic equivalent uint8 in 0.1; elapsed and remaining time uint16
# s; force on belt sint16 N and power output sint16 W. The pace fields (bits 5
# and 6) are handled apart: their width differs between versions.
_KMH = 0.01 / 3.6
TREADMILL_FIELDS: tuple[tuple[int, tuple[str, ...], str, tuple[float, ...]], ...] = (
    (0, ("speed_mps",), "H", (_KMH,)),
    (1, ("avg_speed_mps",), "H", (_KMH,)),
    (2, ("total_distance_m",), "U24", (1.0,)),
    (3, ("inclination_pct", "ramp_angle_deg"), "hh", (0.1, 0.1)),
    (4, ("elevation_gain_m", "elevation_loss_m"), "HH", (0.1, 0.1)),
    (5, ("inst_pace_raw",), "PACE", (1.0,)),
    (6, ("avg_pace_raw",), "PACE", (1.0,)),
    (7, ("energy_kcal", "energy_per_hour_kcal", "energy_per_min_kcal"), "HHB", (1.0, 1.0, 1.0)),
    (8, ("heart_rate_bpm",), "B", (1.0,)),
    (9, ("met",), "B", (0.1,)),
    (10, ("elapsed_s",), "H", (1.0,)),
    (11, ("remaining_s",), "H", (1.0,)),
    (12, ("force_n", "power_w"), "hh", (1.0, 1.0)),
)
_TREADMILL_KNOWN = (1 << 13) - 1


def _field_len(fmt: str, pace_width: int) -> int:
    if fmt == "U24":
        return 3
    if fmt == "PACE":
        return pace_width
    return struct.calcsize("<" + fmt)


def _present(flags: int, bit: int) -> bool:
    on = bool(flags >> bit & 1)
    return not on if bit == 0 else on


@dataclass(frozen=True)
class TreadmillData:
    """One Treadmill Data value (GSS: Treadmill Data, 0x2ACD), in SI where it has units.

    Fields the treadmill did not send are ``None``. The pace fields are kept
    as sent (``inst_pace_raw``, ``avg_pace_raw``) with ``pace_width`` (1 or 2
    bytes, 0 when neither was sent): their unit differs between the two
    widths, and footfall takes the pace from the speed.
    """

    flags: int
    speed_mps: float | None = None
    avg_speed_mps: float | None = None
    total_distance_m: float | None = None
    inclination_pct: float | None = None
    ramp_angle_deg: float | None = None
    elevation_gain_m: float | None = None
    elevation_loss_m: float | None = None
    inst_pace_raw: float | None = None
    avg_pace_raw: float | None = None
    energy_kcal: float | None = None
    energy_per_hour_kcal: float | None = None
    energy_per_min_kcal: float | None = None
    heart_rate_bpm: float | None = None
    met: float | None = None
    elapsed_s: float | None = None
    remaining_s: float | None = None
    force_n: float | None = None
    power_w: float | None = None
    pace_width: int = 0


def _treadmill_len(flags: int, pace_width: int) -> int:
    n = 2
    for bit, _names, fmt, _scales in TREADMILL_FIELDS:
        if _present(flags, bit):
            n += _field_len(fmt, pace_width)
    return n


def encode_treadmill(flags: int, raw: dict[str, int], *, pace_width: int = 2) -> bytes:
    """A Treadmill Data value: ``flags`` as sent (bit 0 inverted), field values raw.

    ``raw`` maps each present field's name (as in :class:`TreadmillData`) to
    its integer as sent; missing names are sent as 0.
    """
    out = bytearray(struct.pack("<H", flags))
    for bit, names, fmt, _scales in TREADMILL_FIELDS:
        if not _present(flags, bit):
            continue
        vals = [int(raw.get(n, 0)) for n in names]
        if fmt == "U24":
            out += vals[0].to_bytes(3, "little")
        elif fmt == "PACE":
            out += vals[0].to_bytes(pace_width, "little")
        else:
            out += struct.pack("<" + fmt, *vals)
    return bytes(out)


def decode_treadmill(data: bytes | bytearray) -> TreadmillData | Malformed:
    """Decode a Treadmill Data value (GSS, Treadmill Data characteristic).

    Flags are a uint16; each set bit adds its fields in bit order, except
    bit 0 ("more data"), which is set when the instantaneous speed is *not*
    in this value. The instantaneous and average pace fields (bits 5 and 6)
    were one byte wide in the Fitness Machine Service 1.0 tables and are two
    bytes wide in the GSS; a value is decoded with the width that makes its
    length match its flags, and one that fits neither is :class:`Malformed`.
    """
    data = bytes(data)
    if len(data) < 2:
        return Malformed("treadmill", f"{len(data)} bytes, at least 2 needed", data)
    flags = struct.unpack_from("<H", data)[0]
    if flags & ~_TREADMILL_KNOWN:
        return Malformed("treadmill", f"reserved flag bits set (0x{flags:04x})", data)
    paces = _present(flags, 5) + _present(flags, 6)
    widths = (1, 2) if paces else (0,)
    fits = [w for w in widths if _treadmill_len(flags, w) == len(data)]
    if not fits:
        need = " or ".join(str(_treadmill_len(flags, w)) for w in widths)
        return Malformed("treadmill", f"{len(data)} bytes, flags 0x{flags:04x} need {need}", data)
    width = fits[0]
    values: dict[str, float] = {}
    pos = 2
    for bit, names, fmt, scales in TREADMILL_FIELDS:
        if not _present(flags, bit):
            continue
        if fmt == "U24":
            raw: tuple[int, ...] = (int.from_bytes(data[pos : pos + 3], "little"),)
        elif fmt == "PACE":
            raw = (int.from_bytes(data[pos : pos + width], "little"),)
        else:
            raw = struct.unpack_from("<" + fmt, data, pos)
        pos += _field_len(fmt, width)
        for name, value, scale in zip(names, raw, scales, strict=True):
            values[name] = value * scale
    return TreadmillData(flags=flags, pace_width=width, **values)
