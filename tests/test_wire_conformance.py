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

from footfall.devices.gatt import RscMeasurement, ble_max_frame_len, decode_rsc, encode_rsc
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
    imu6_samples_per_frame,
    insole_samples_per_frame,
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


# ---------------------------------------------------------------- Bluetooth LE


def test_c_ble_frame_sizes_match_python_for_every_mtu(golden: Path) -> None:
    rows = _doc(golden)["ble_sizes"]
    assert [r[0] for r in rows] == list(range(23, 518))
    for mtu, max_len, imu, insole16 in rows:
        assert max_len == ble_max_frame_len(mtu), mtu
        assert imu == imu6_samples_per_frame(ble_max_frame_len(mtu)), mtu
        assert insole16 == insole_samples_per_frame(ble_max_frame_len(mtu), 16), mtu
        if 51 <= mtu <= 259:  # the formula of PROTOCOL.md, BLE transport
            assert imu == (mtu - 3 - 2 - 24 - 8 - 2) // 12, mtu
            assert insole16 == (mtu - 3 - 2 - 24 - 8 - 2) // 32, mtu
        assert (imu > 0) == (mtu >= 51), mtu


RSC_CASES = [
    "no_speed",
    "stride_running",
    "distance_only",
    "all_max",
    "tracked_with_stride_length",
    "tracked_without_stride_length",
    "tracked_stopped",
]


def test_every_c_rsc_case_is_checked(golden: Path) -> None:
    assert [c["name"] for c in _doc(golden)["rsc"]] == RSC_CASES


@pytest.mark.parametrize("name", RSC_CASES)
def test_c_rsc_measurement_decodes_exactly(golden: Path, name: str) -> None:
    spec = next(c for c in _doc(golden)["rsc"] if c["name"] == name)
    data = bytes.fromhex(spec["hex"])
    assert data[0] == spec["flags"]
    m = decode_rsc(data)
    assert isinstance(m, RscMeasurement), m
    assert m.speed_mps == spec["speed_raw"] / 256
    assert m.cadence_per_min == spec["cadence"]
    stride, dist = spec["stride_raw"], spec["distance_raw"]
    assert m.stride_length_m == (None if stride is None else stride / 100)
    assert m.total_distance_m == (None if dist is None else dist / 10)
    assert m.running is spec["running"]
    # the Python encoder writes the same bytes from the same fields
    assert (
        encode_rsc(
            spec["speed_raw"],
            spec["cadence"],
            stride_raw=stride,
            distance_raw=dist,
            running=spec["running"],
        )
        == data
    )


@pytest.mark.parametrize("name", [n for n in RSC_CASES if n.startswith("tracked")])
def test_c_rsc_from_contacts_is_what_the_contacts_say(golden: Path, name: str) -> None:
    """Cadence and speed from one foot's contacts, checked against the physics
    (not the C arithmetic): within half a unit of the field."""
    spec = next(c for c in _doc(golden)["rsc"] if c["name"] == name)
    m = decode_rsc(bytes.fromhex(spec["hex"]))
    assert isinstance(m, RscMeasurement)
    contacts = spec["contacts"]
    (t_prev, _), (t_last, last_mm) = contacts[-2], contacts[-1]
    stride_s = (t_last - t_prev) / 1e6
    lengths_m = [mm / 1000 for _, mm in contacts[1:]]
    if (spec["now_us"] - t_last) / 1e6 > 2.0:  # stopped: nothing is moving
        assert m.cadence_per_min == 0 and m.speed_mps == 0 and m.stride_length_m is None
    else:
        # foot falls of both feet per minute: two per stride of this foot
        assert abs(m.cadence_per_min - 2 * 60 / stride_s) <= 0.5
        if last_mm:
            assert abs(m.speed_mps - last_mm / 1000 / stride_s) <= 0.5 / 256
            assert m.stride_length_m is not None
            assert abs(m.stride_length_m - last_mm / 1000) <= 0.005
        else:  # no stride length, no speed: 0 is sent, never a guess
            assert m.speed_mps == 0 and m.stride_length_m is None
    if all(lengths_m):
        assert m.total_distance_m is not None
        assert abs(m.total_distance_m - sum(lengths_m)) <= 0.05
    else:
        assert m.total_distance_m is None


@pytest.mark.parametrize("mtu", [247, 51])
def test_c_notifications_carry_whole_frames(golden: Path, mtu: int) -> None:
    spec = next(n for n in _doc(golden)["notifications"] if n["mtu"] == mtu)
    data = (golden / spec["file"]).read_bytes()
    assert sum(spec["lengths"]) == len(data)
    assert len(spec["lengths"]) == len(spec["frames"]) >= 3
    notes, pos = [], 0
    for n in spec["lengths"]:
        notes.append(data[pos : pos + n])
        pos += n
    everything = Deframer()
    for i, (note, want) in enumerate(zip(notes, spec["frames"], strict=True)):
        assert 0 < len(note) <= mtu - 3, i
        # each notification alone decodes to exactly its frames: none split
        d = Deframer()
        frames = d.feed(note)
        got = [
            [f.header.msg_type, f.header.stream_id, f.header.seq, f.header.sample_count]
            for f in frames
        ]
        assert got == want, i
        assert d.stats.corrupt == 0 and d.stats.frames == len(want) and note[-1] == 0, i
        if i + 1 < len(notes):
            # the packer sent the buffer only because the next frame did not fit behind it
            first_next = notes[i + 1][: notes[i + 1].index(0) + 1]
            assert len(note) + len(first_next) > mtu - 3, i
        everything.feed(note)
    assert everything.stats.corrupt == 0
    # over BLE the frames are sized from the MTU and announced in DEVICE_INFO
    spf = imu6_samples_per_frame(ble_max_frame_len(mtu))
    counts = [f[3] for note in spec["frames"] for f in note if f[0] == 16]
    assert max(counts) == spf


def test_c_notifications_show_the_skipped_frame_as_a_gap(golden: Path) -> None:
    spec = next(n for n in _doc(golden)["notifications"] if n["mtu"] == 247)
    frames = Deframer().feed((golden / spec["file"]).read_bytes())
    imu = [f for f in frames if f.header.stream_id == 0 and f.is_data]
    assert [f.header.seq for f in imu] == [0, 2, 3]
    info = [f.payload for f in frames if isinstance(f.payload, DeviceInfoPayload)]
    assert [(p.name, p.samples_per_frame) for p in info] == [
        ("ff-left-foot", imu6_samples_per_frame(ble_max_frame_len(247))),
        ("ff-left-insole", insole_samples_per_frame(ble_max_frame_len(247), 16)),
    ]
