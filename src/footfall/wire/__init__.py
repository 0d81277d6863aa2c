"""The footfall wire protocol, Python side (firmware_bridge/PROTOCOL.md).

Frames (header, payload, CRC-16/CCITT-FALSE), COBS serial framing, payload
codecs and a streaming deframer that resynchronises after corruption.
"""

from footfall.wire.cobs import CobsError, cobs_decode, cobs_encode
from footfall.wire.crc import CRC16_CHECK, crc16
from footfall.wire.deframer import Deframer, DeframerStats
from footfall.wire.frames import (
    ACC_SCALE_16G,
    GYR_SCALE_2000DPS,
    HEADER_LEN,
    KIND_IMU,
    KIND_INSOLE,
    KPA_SCALE_DEFAULT,
    MAX_FRAME_LEN,
    MSG_DEVICE_INFO,
    MSG_IMU6,
    MSG_INSOLE,
    MSG_STATUS,
    PLACEMENT_FOOT,
    PLACEMENT_NONE,
    PLACEMENT_SHANK,
    PROTOCOL_VERSION,
    SIDE_LEFT,
    SIDE_RIGHT,
    DeviceInfoPayload,
    Frame,
    Header,
    ImuBlock,
    InsoleBlock,
    StatusPayload,
    UnknownPayload,
    WireError,
    decode_frame,
    encode_device_info,
    encode_frame,
    encode_imu6,
    encode_insole,
    encode_status,
    imu6_samples_per_frame,
    insole_samples_per_frame,
    peek_header,
    serial_wrap,
)

__all__ = [
    "ACC_SCALE_16G", "CRC16_CHECK", "GYR_SCALE_2000DPS", "HEADER_LEN", "KIND_IMU",
    "KIND_INSOLE", "KPA_SCALE_DEFAULT", "MAX_FRAME_LEN", "MSG_DEVICE_INFO", "MSG_IMU6",
    "MSG_INSOLE", "MSG_STATUS", "PLACEMENT_FOOT", "PLACEMENT_NONE", "PLACEMENT_SHANK",
    "PROTOCOL_VERSION", "SIDE_LEFT", "SIDE_RIGHT", "CobsError", "Deframer", "DeframerStats",
    "DeviceInfoPayload", "Frame", "Header", "ImuBlock", "InsoleBlock", "StatusPayload",
    "UnknownPayload", "WireError", "cobs_decode", "cobs_encode", "crc16", "decode_frame",
    "encode_device_info", "encode_frame", "encode_imu6", "encode_insole", "encode_status",
    "imu6_samples_per_frame", "insole_samples_per_frame", "peek_header", "serial_wrap",
]
