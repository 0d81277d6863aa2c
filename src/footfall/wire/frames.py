"""Frames of the footfall wire protocol, version 1 (firmware_bridge/PROTOCOL.md).

A frame is a 24-byte header, a payload, optional extension bytes and a
CRC-16, all little-endian. :func:`decode_frame` turns the bytes of one frame
(COBS already removed) into a :class:`Frame`; the ``encode_*`` functions build
frames, for the emulator and the tests.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

import numpy as np

from footfall.wire.cobs import cobs_encode
from footfall.wire.crc import crc16

__all__ = [
    "ACC_SCALE_16G",
    "CRC_LEN",
    "DeviceInfoPayload",
    "Frame",
    "GYR_SCALE_2000DPS",
    "HEADER_LEN",
    "Header",
    "ImuBlock",
    "InsoleBlock",
    "KPA_SCALE_DEFAULT",
    "MAX_FRAME_LEN",
    "MSG_DEVICE_INFO",
    "MSG_IMU6",
    "MSG_INSOLE",
    "MSG_STATUS",
    "PROTOCOL_VERSION",
    "Payload",
    "StatusPayload",
    "UnknownPayload",
    "WireError",
    "decode_frame",
    "decode_payload",
    "encode_device_info",
    "encode_frame",
    "encode_imu6",
    "encode_insole",
    "encode_status",
    "imu6_samples_per_frame",
    "insole_samples_per_frame",
    "peek_header",
    "serial_wrap",
]


PROTOCOL_VERSION = 1
HEADER_LEN = 24
CRC_LEN = 2
MAX_FRAME_LEN = 1024
"""Longest frame (before COBS) a serial sender may send, bytes."""

MSG_DEVICE_INFO = 0x01
MSG_STATUS = 0x02
MSG_IMU6 = 0x10
MSG_INSOLE = 0x11

KIND_IMU, KIND_INSOLE = 0, 1
SIDE_LEFT, SIDE_RIGHT = 0, 1
PLACEMENT_FOOT, PLACEMENT_SHANK, PLACEMENT_NONE = 0, 1, 0xFF

ACC_SCALE_16G = float(np.float32(16.0 * 9.80665 / 32768.0))
"""m/s^2 per LSB of an accelerometer at +-16 g, as the float32 a device sends."""
GYR_SCALE_2000DPS = float(np.float32(2000.0 / 32768.0 * math.pi / 180.0))
"""rad/s per LSB of a gyroscope at +-2000 deg/s, as the float32 a device sends."""
KPA_SCALE_DEFAULT = float(np.float32(0.1))
"""kPa per LSB of an insole cell (0.1 kPa, so 6553.5 kPa full scale)."""

_HEADER = struct.Struct("<BBBBHHIQI")
_INFO_FIXED = struct.Struct("<BBBBIffHHI")
_STATUS = struct.Struct("<IIIHBB")
_BLOCK_SCALES = struct.Struct("<ff")
_INSOLE_HEAD = struct.Struct("<B3xf")


class WireError(ValueError):
    """A frame that cannot be decoded.

    Attributes
    ----------
    reason
        ``"short"``, ``"crc"``, ``"length"``, ``"version"``, ``"payload"`` or
        ``"cobs"``.
    """

    def __init__(self, reason: str, detail: str):
        self.reason = reason
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True)
class Header:
    """The 24-byte frame header (offsets in PROTOCOL.md)."""

    version: int
    msg_type: int
    stream_id: int
    flags: int
    sample_count: int
    payload_len: int
    seq: int
    t_first_us: int
    period_ns: int


@dataclass(frozen=True)
class ImuBlock:
    """IMU6 payload: raw int16 samples (n, 6) and their scales."""

    acc_scale: float
    gyr_scale: float
    raw: np.ndarray

    def si(self) -> np.ndarray:
        """Samples in SI, float64 (n, 6): acc m/s^2 then gyr rad/s."""
        out = self.raw.astype(np.float64)
        out[:, :3] *= self.acc_scale
        out[:, 3:] *= self.gyr_scale
        return out


@dataclass(frozen=True)
class InsoleBlock:
    """INSOLE payload: raw uint16 cell values (n, n_cells) and the kPa scale."""

    kpa_scale: float
    raw: np.ndarray

    def si(self) -> np.ndarray:
        """Pressures in kPa, float64 (n, n_cells)."""
        return self.raw.astype(np.float64) * self.kpa_scale


@dataclass(frozen=True)
class DeviceInfoPayload:
    """DEVICE_INFO payload: what a stream is."""

    kind: int
    side: int
    placement: int
    n_channels: int
    rate_mhz: int
    scale0: float
    scale1: float
    samples_per_frame: int
    boot_id: int
    name: str
    firmware: str
    layout: str

    @property
    def fs_hz(self) -> float:
        """Nominal sample rate, Hz."""
        return self.rate_mhz / 1000.0


@dataclass(frozen=True)
class StatusPayload:
    """STATUS payload: link and battery health."""

    next_seq: int
    frames_dropped: int
    samples_overrun: int
    battery_mv: int
    battery_pct: int
    flags: int


@dataclass(frozen=True)
class UnknownPayload:
    """The payload of a message type this decoder does not know (skipped)."""

    data: bytes


Payload = ImuBlock | InsoleBlock | DeviceInfoPayload | StatusPayload | UnknownPayload


@dataclass(frozen=True)
class Frame:
    """One decoded frame.

    Attributes
    ----------
    header
        The header fields.
    payload
        The decoded payload (:class:`UnknownPayload` for unknown types).
    raw
        The frame's bytes as received: header, payload, extension, CRC.
    """

    header: Header
    payload: Payload
    raw: bytes

    @property
    def is_data(self) -> bool:
        """True for IMU and insole blocks."""
        return isinstance(self.payload, ImuBlock | InsoleBlock)

    def sample_times_us(self) -> np.ndarray:
        """Device times of the block's samples, microseconds (float64)."""
        h = self.header
        return h.t_first_us + np.arange(h.sample_count) * (h.period_ns / 1000.0)


def _strings(buf: bytes, offset: int, count: int) -> list[str]:
    out = []
    for _ in range(count):
        if offset >= len(buf):
            raise WireError("payload", "device info strings run past the payload")
        n = buf[offset]
        if offset + 1 + n > len(buf):
            raise WireError("payload", "device info string runs past the payload")
        out.append(buf[offset + 1 : offset + 1 + n].decode("utf-8", errors="replace"))
        offset += 1 + n
    return out


def decode_payload(header: Header, payload: bytes) -> Payload:
    """Decode a payload of a known type; bytes after the known fields are ignored.

    Raises
    ------
    WireError
        If the payload is too short for what the header announces.
    """
    t, n = header.msg_type, header.sample_count
    if t == MSG_IMU6:
        need = 8 + 12 * n
        if len(payload) < need:
            raise WireError(
                "payload", f"IMU6 block of {n} samples needs {need} bytes, has {len(payload)}"
            )
        acc, gyr = _BLOCK_SCALES.unpack_from(payload, 0)
        raw = np.frombuffer(payload, dtype="<i2", count=6 * n, offset=8).reshape(n, 6)
        return ImuBlock(float(acc), float(gyr), raw.astype(np.int16))
    if t == MSG_INSOLE:
        if len(payload) < 8:
            raise WireError("payload", "INSOLE payload shorter than 8 bytes")
        cells, kpa = _INSOLE_HEAD.unpack_from(payload, 0)
        need = 8 + 2 * cells * n
        if cells == 0 or len(payload) < need:
            raise WireError(
                "payload",
                f"INSOLE block of {n} x {cells} cells needs {need} bytes, has {len(payload)}",
            )
        raw = np.frombuffer(payload, dtype="<u2", count=cells * n, offset=8).reshape(n, cells)
        return InsoleBlock(float(kpa), raw.astype(np.uint16))
    if t == MSG_DEVICE_INFO:
        if len(payload) < _INFO_FIXED.size:
            raise WireError("payload", "DEVICE_INFO payload shorter than 24 bytes")
        kind, side, plc, nch, rate, s0, s1, spf, _res, boot = _INFO_FIXED.unpack_from(payload, 0)
        name, fw, layout = _strings(payload, _INFO_FIXED.size, 3)
        return DeviceInfoPayload(
            kind, side, plc, nch, rate, float(s0), float(s1), spf, boot, name, fw, layout
        )
    if t == MSG_STATUS:
        if len(payload) < _STATUS.size:
            raise WireError("payload", "STATUS payload shorter than 16 bytes")
        return StatusPayload(*_STATUS.unpack_from(payload, 0))
    return UnknownPayload(bytes(payload))


def peek_header(data: bytes | bytearray | memoryview, offset: int = 0) -> Header | None:
    """The header of the frame starting at ``offset`` of ``data``, unchecked
    (no CRC, no payload: for sizing before :func:`decode_frame`); None when
    fewer than :data:`HEADER_LEN` bytes are left."""
    if len(data) - offset < HEADER_LEN:
        return None
    return Header(*_HEADER.unpack_from(data, offset))


def decode_frame(data: bytes | bytearray | memoryview) -> Frame:
    """Decode one frame (COBS already removed): check, parse header and payload.

    Parameters
    ----------
    data
        Header, payload, extension bytes and CRC.

    Returns
    -------
    Frame

    Raises
    ------
    WireError
        On a short frame, a CRC mismatch, a payload length beyond the frame,
        an unsupported version, or a payload too short for its header.
    """
    data = bytes(data)
    if len(data) < HEADER_LEN + CRC_LEN:
        raise WireError("short", f"{len(data)} bytes, a frame has at least 26")
    want = int.from_bytes(data[-2:], "little")
    got = crc16(memoryview(data)[:-2])
    if want != got:
        raise WireError("crc", f"CRC 0x{got:04X} does not match 0x{want:04X}")
    header = Header(*_HEADER.unpack_from(data, 0))
    if header.version != PROTOCOL_VERSION:
        raise WireError("version", f"protocol version {header.version} is not supported")
    end = HEADER_LEN + header.payload_len
    if end + CRC_LEN > len(data):
        raise WireError("length", f"payload_len {header.payload_len} runs past the frame")
    payload = decode_payload(header, data[HEADER_LEN:end])
    return Frame(header, payload, data)


# --------------------------------------------------------------------------
# encoding
# --------------------------------------------------------------------------


def encode_frame(
    msg_type: int,
    stream_id: int,
    seq: int,
    t_first_us: int,
    period_ns: int,
    payload: bytes,
    *,
    sample_count: int = 0,
    extension: bytes = b"",
    version: int = PROTOCOL_VERSION,
    flags: int = 0,
) -> bytes:
    """Build a frame (header, payload, extension, CRC), without COBS.

    Parameters
    ----------
    msg_type, stream_id, seq, t_first_us, period_ns, sample_count
        Header fields (PROTOCOL.md). ``seq`` is taken modulo 2^32.
    payload
        The payload bytes.
    extension
        Bytes placed between payload and CRC (ignored by decoders).

    Returns
    -------
    bytes
    """
    body = (
        _HEADER.pack(
            version,
            msg_type,
            stream_id,
            flags,
            sample_count,
            len(payload),
            seq & 0xFFFFFFFF,
            t_first_us,
            period_ns,
        )
        + bytes(payload)
        + extension
    )
    return body + crc16(body).to_bytes(2, "little")


def encode_imu6(
    stream_id: int,
    seq: int,
    t_first_us: int,
    period_ns: int,
    raw: np.ndarray,
    acc_scale: float = ACC_SCALE_16G,
    gyr_scale: float = GYR_SCALE_2000DPS,
) -> bytes:
    """An IMU6 frame of raw int16 samples ``raw`` (n, 6)."""
    raw = np.asarray(raw)
    if raw.ndim != 2 or raw.shape[1] != 6:
        raise ValueError(f"raw IMU samples must have shape (n, 6), got {raw.shape}")
    payload = _BLOCK_SCALES.pack(acc_scale, gyr_scale) + raw.astype("<i2").tobytes()
    return encode_frame(
        MSG_IMU6, stream_id, seq, t_first_us, period_ns, payload, sample_count=raw.shape[0]
    )


def encode_insole(
    stream_id: int,
    seq: int,
    t_first_us: int,
    period_ns: int,
    raw: np.ndarray,
    kpa_scale: float = KPA_SCALE_DEFAULT,
) -> bytes:
    """An INSOLE frame of raw uint16 cell values ``raw`` (n, n_cells)."""
    raw = np.asarray(raw)
    if raw.ndim != 2 or not 1 <= raw.shape[1] <= 64:
        raise ValueError(f"raw insole samples must have shape (n, 1..64), got {raw.shape}")
    payload = _INSOLE_HEAD.pack(raw.shape[1], kpa_scale) + raw.astype("<u2").tobytes()
    return encode_frame(
        MSG_INSOLE, stream_id, seq, t_first_us, period_ns, payload, sample_count=raw.shape[0]
    )


def _pstr(text: str) -> bytes:
    b = text.encode("utf-8")[:255]
    return bytes([len(b)]) + b


def encode_device_info(
    stream_id: int, next_seq: int, t_now_us: int, period_ns: int, info: DeviceInfoPayload
) -> bytes:
    """A DEVICE_INFO frame."""
    payload = _INFO_FIXED.pack(
        info.kind,
        info.side,
        info.placement,
        info.n_channels,
        info.rate_mhz,
        info.scale0,
        info.scale1,
        info.samples_per_frame,
        0,
        info.boot_id,
    )
    payload += _pstr(info.name) + _pstr(info.firmware) + _pstr(info.layout)
    return encode_frame(MSG_DEVICE_INFO, stream_id, next_seq, t_now_us, period_ns, payload)


def encode_status(
    stream_id: int, next_seq: int, t_now_us: int, period_ns: int, status: StatusPayload
) -> bytes:
    """A STATUS frame."""
    payload = _STATUS.pack(
        status.next_seq,
        status.frames_dropped,
        status.samples_overrun,
        status.battery_mv,
        status.battery_pct,
        status.flags,
    )
    return encode_frame(MSG_STATUS, stream_id, next_seq, t_now_us, period_ns, payload)


def serial_wrap(frame: bytes) -> bytes:
    """Serial framing: COBS-encode ``frame`` and append the 0x00 delimiter."""
    return cobs_encode(frame) + b"\x00"


def imu6_samples_per_frame(max_frame_len: int) -> int:
    """IMU samples that fit a frame of at most ``max_frame_len`` bytes (BLE: MTU - 3)."""
    room = min(max_frame_len, MAX_FRAME_LEN) - HEADER_LEN - 8 - CRC_LEN
    return max(room // 12, 0)


def insole_samples_per_frame(max_frame_len: int, n_cells: int) -> int:
    """Insole samples of ``n_cells`` cells that fit a frame of at most ``max_frame_len`` bytes."""
    room = min(max_frame_len, MAX_FRAME_LEN) - HEADER_LEN - 8 - CRC_LEN
    return max(room // (2 * n_cells), 0)
