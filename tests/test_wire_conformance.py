"""The C encoder and the Python decoder agree bit for bit.

The C host tests (firmware_bridge/c) are compiled and run here; they check
themselves and write golden frames plus the values they encode. Every golden
frame must decode in Python to exactly those values, and the Python encoder
must produce the same bytes from the same values.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from footfall.wire import (
    CRC16_CHECK,
    Deframer,
    DeviceInfoPayload,
    ImuBlock,
    InsoleBlock,
    StatusPayload,
    UnknownPayload,
    cobs_decode,
    decode_frame,
    encode_device_info,
    encode_imu6,
    encode_insole,
    encode_status,
    serial_wrap,
)

C_DIR = Path(__file__).resolve().parents[1] / "firmware_bridge" / "c"


def _f32(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits))[0]


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler (gcc) on this machine: the C encoder is not checked")
    work = tmp_path_factory.mktemp("ffwire")
    exe = work / "test_ff_wire"
    subprocess.run(
        [
            cc,
            "-std=c99",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            str(C_DIR / "ff_wire.c"),
            str(C_DIR / "test_ff_wire.c"),
            "-o",
            str(exe),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    out = work / "golden"
    out.mkdir()
    run = subprocess.run([str(exe), str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return out


def _doc(golden: Path) -> dict:
    return json.loads((golden / "golden.json").read_text())


def test_c_crc_check_value_is_the_catalogue_one(golden: Path) -> None:
    assert _doc(golden)["crc_check_123456789"] == CRC16_CHECK == 0x29B1


@pytest.mark.parametrize(
    "name",
    [
        "imu_basic",
        "imu_long",
        "insole16",
        "info_imu",
        "info_insole",
        "status",
        "unknown_type",
        "imu_extension",
    ],
)
def test_golden_frame_decodes_exactly(golden: Path, name: str) -> None:
    spec = next(f for f in _doc(golden)["frames"] if f["name"] == name)
    data = (golden / f"{name}.bin").read_bytes()
    assert data[-1] == 0 and 0 not in data[:-1]
    raw = cobs_decode(data[:-1])
    assert len(raw) == spec["frame_len"]
    frame = decode_frame(raw)
    h = frame.header
    assert (h.msg_type, h.stream_id, h.seq, h.t_first_us, h.period_ns, h.sample_count) == (
        spec["msg_type"],
        spec["stream_id"],
        spec["seq"],
        spec["t_first_us"],
        spec["period_ns"],
        spec["sample_count"],
    )
    assert int.from_bytes(raw[-2:], "little") == spec["crc"]
    p = frame.payload
    if spec["msg_type"] == 16:
        assert isinstance(p, ImuBlock)
        assert p.acc_scale == _f32(spec["acc_scale_bits"])
        assert p.gyr_scale == _f32(spec["gyr_scale_bits"])
        np.testing.assert_array_equal(p.raw, np.array(spec["raw"]).reshape(-1, 6))
        if name != "imu_extension":  # the Python encoder writes the same bytes
            assert (
                encode_imu6(
                    h.stream_id, h.seq, h.t_first_us, h.period_ns, p.raw, p.acc_scale, p.gyr_scale
                )
                == raw
            )
    elif spec["msg_type"] == 17:
        assert isinstance(p, InsoleBlock)
        assert p.kpa_scale == _f32(spec["kpa_scale_bits"])
        np.testing.assert_array_equal(p.raw, np.array(spec["raw"]).reshape(-1, spec["n_cells"]))
        assert (
            encode_insole(h.stream_id, h.seq, h.t_first_us, h.period_ns, p.raw, p.kpa_scale) == raw
        )
    elif spec["msg_type"] == 1:
        assert isinstance(p, DeviceInfoPayload)
        for key in (
            "kind",
            "side",
            "placement",
            "n_channels",
            "rate_mhz",
            "samples_per_frame",
            "boot_id",
            "firmware",
            "layout",
        ):
            assert getattr(p, key) == spec[key], key
        assert p.name == spec["device_name"]
        assert p.scale0 == _f32(spec["scale0_bits"])
        assert p.scale1 == _f32(spec["scale1_bits"])
        assert encode_device_info(h.stream_id, h.seq, h.t_first_us, h.period_ns, p) == raw
    elif spec["msg_type"] == 2:
        assert isinstance(p, StatusPayload)
        for key in (
            "next_seq",
            "frames_dropped",
            "samples_overrun",
            "battery_mv",
            "battery_pct",
            "flags",
        ):
            assert getattr(p, key) == spec[key], key
        assert encode_status(h.stream_id, h.seq, h.t_first_us, h.period_ns, p) == raw
    else:
        assert isinstance(p, UnknownPayload)


def test_python_cobs_matches_c_cobs_on_every_golden_frame(golden: Path) -> None:
    for spec in _doc(golden)["frames"]:
        data = (golden / f"{spec['name']}.bin").read_bytes()
        assert serial_wrap(cobs_decode(data[:-1])) == data, spec["name"]


def test_golden_stream_deframes_in_order(golden: Path) -> None:
    names = [f["name"] for f in _doc(golden)["frames"]]
    d = Deframer()
    frames = d.feed((golden / "stream.bin").read_bytes())
    assert [f.header.seq for f in frames] == [f["seq"] for f in _doc(golden)["frames"]]
    assert d.stats.frames == len(names) and d.stats.corrupt == 0 and d.stats.unknown == 1
