"""The BLE source through the real bleak API, on a simulated Bluetooth stack.

bumble's virtual controllers share an in-process link; the peripherals serve
the footfall GATT service fed by the virtual runner (and an RSC foot pod),
and a bleak backend in tests/ble_sim.py drives bumble's central. No
Bluetooth hardware is used.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("bumble")
sys.path.insert(0, str(Path(__file__).parent))

from ble_sim import (  # noqa: E402
    FootfallPeripheral,
    RscPeripheral,
    SimWorld,
    TreadmillPeripheral,
    bleak_backends,
)

from footfall.devices.base import Block, DeviceInfo, Gap, Status  # noqa: E402
from footfall.devices.ble_source import BleSource, ble_error, scan_ble  # noqa: E402
from footfall.devices.cli import ble_lines  # noqa: E402
from footfall.devices.emulator import EmulatedStream, streams_from_recording  # noqa: E402
from footfall.devices.gatt import (  # noqa: E402
    Malformed,
    RscMeasurement,
    TreadmillData,
    ble_max_frame_len,
    encode_rsc,
    encode_treadmill,
)
from footfall.errors import FootfallError  # noqa: E402
from footfall.live.session import MergedSource  # noqa: E402
from footfall.sim import simulate  # noqa: E402
from footfall.wire import imu6_samples_per_frame  # noqa: E402


@pytest.fixture(scope="module")
def foot_streams() -> list[EmulatedStream]:
    """Both feet's IMUs of the virtual runner, framed for an MTU of 247."""
    rec, _ = simulate("easy-run", 0.2, 3, sensors=("foot",))
    spf = imu6_samples_per_frame(ble_max_frame_len(247))
    assert spf == 17
    return [
        replace(s, samples_per_frame=spf, info=replace(s.info, samples_per_frame=spf))
        for s in streams_from_recording(rec)
    ]


@pytest.fixture
def world():
    w = SimWorld()
    yield w
    w.close()


def _drain(source, peripherals, extra_s: float = 0.5) -> list:
    """Poll until every peripheral has sent all it has, then a little longer."""
    events: list = []
    deadline = time.monotonic() + 60
    while not all(p.done.is_set() for p in peripherals) and time.monotonic() < deadline:
        events += source.poll(0.05)
    end = time.monotonic() + extra_s
    while time.monotonic() < end:
        events += source.poll(0.05)
    assert all(p.done.is_set() for p in peripherals)
    return events


def _run_until_sent(session, *senders) -> None:
    """Run a live session until every sender (a peripheral, an emulator)
    has sent all it has, then half a second more."""
    import threading

    def stop_when_sent() -> None:
        for p in senders:
            p.done.wait(120)
        time.sleep(0.5)
        session.stop()

    threading.Thread(target=stop_when_sent, daemon=True).start()
    session.run(handle_signals=False)


def _check_samples(events: list, peripheral: FootfallPeripheral) -> int:
    """Every sample the peripheral sent arrived, equal to the emulator's values."""
    (stream,) = peripheral.streams
    blocks = {e.seq: e for e in events if isinstance(e, Block) and e.device_id == stream.info.name}
    sent = [f for f in peripheral.sent if f.fate == "sent"]
    assert sent
    assert sorted(blocks) == [f.seq for f in sent]
    for f in sent:
        rows = slice(f.first_sample, f.first_sample + f.n_samples)
        np.testing.assert_array_equal(blocks[f.seq].values, stream.si(rows))
    return sum(f.n_samples for f in sent)


def test_two_sensors_at_once_every_frame_arrives(world, foot_streams) -> None:
    scanner, client = bleak_backends(world)
    left = world.add(
        FootfallPeripheral("ff-left-foot", foot_streams[:1], address="F1:00:00:00:00:01")
    )
    right = world.add(
        FootfallPeripheral("ff-right-foot", foot_streams[1:], address="F1:00:00:00:00:02")
    )
    t0 = time.monotonic()
    sources = [
        BleSource(name, session_start=t0, backend=client, scanner_backend=scanner, scan_timeout_s=5)
        for name in ("ff-left-foot", "F1:00:00:00:00:02")  # by name and by address
    ]
    merged = MergedSource(sources)
    merged.open()
    try:
        assert [s.mtu for s in sources] == [247, 247]
        events = _drain(merged, [left, right])
    finally:
        merged.close()
    infos = [e for e in events if isinstance(e, DeviceInfo)]
    assert {i.device_id for i in infos} == {"emu-left-foot", "emu-right-foot"}
    assert all(i.meta["samples_per_frame"] == 17 for i in infos)
    assert not [e for e in events if isinstance(e, Gap)]
    for p in (left, right):
        n = _check_samples(events, p)
        assert n == p.streams[0].raw.shape[0]  # the whole recording
        assert p.control_writes == [b"\x01"]  # asked for DEVICE_INFO


def test_peripheral_disconnect_reconnects_and_marks_the_gap(world, foot_streams) -> None:
    scanner, client = bleak_backends(world)
    p = world.add(FootfallPeripheral("ff-left-foot", foot_streams[:1], drop_after_frames=40))
    src = BleSource(
        "ff-left-foot",
        backend=client,
        scanner_backend=scanner,
        scan_timeout_s=5,
        backoff_start_s=0.02,
    )
    src.open()
    try:
        events = _drain(src, [p])
    finally:
        src.close()
    assert src.disconnects == 1 and src.reconnects == 1 and p.connections == 2
    unsent = [f for f in p.sent if f.fate == "unsent"]
    assert unsent, "the peripheral generated frames while nobody listened"
    gaps = [e for e in events if isinstance(e, Gap)]
    assert len(gaps) == 1 and gaps[0].reason == "disconnect"
    # exactly the samples of the frames nobody received, none invented
    assert gaps[0].n_missing == sum(f.n_samples for f in unsent)
    n = _check_samples(events, p)
    assert n + gaps[0].n_missing == p.streams[0].raw.shape[0]
    # the link's loss was reported, and the capture went on after the gap
    assert any(isinstance(e, Status) and not e.connected for e in events)
    gi = events.index(gaps[0])
    before = [e.seq for e in events[:gi] if isinstance(e, Block)]
    after = [e.seq for e in events[gi:] if isinstance(e, Block)]
    assert max(before) < unsent[0].seq and min(after) > unsent[-1].seq
    assert after[-1] == p.sent[-1].seq


def test_a_live_session_over_ble_records_what_the_sensors_sent(
    world, foot_streams, tmp_path
) -> None:
    """footfall live's session with two BLE sensors: the capture log and the
    recording hold every sample sent, once, as for serial boards; the
    disconnect's gap is in the recording, not filled."""

    from footfall.io import read_recording
    from footfall.live.session import LiveSession

    scanner, client = bleak_backends(world)
    left = world.add(
        FootfallPeripheral(
            "ff-left-foot", foot_streams[:1], address="F1:00:00:00:00:01", drop_after_frames=30
        )
    )
    right = world.add(
        FootfallPeripheral("ff-right-foot", foot_streams[1:], address="F1:00:00:00:00:02")
    )
    t0 = time.monotonic()
    source = MergedSource(
        [
            BleSource(
                n,
                session_start=t0,
                backend=client,
                scanner_backend=scanner,
                scan_timeout_s=5,
                backoff_start_s=0.02,
            )
            for n in ("ff-left-foot", "ff-right-foot")
        ]
    )
    session = LiveSession(source, tmp_path / "cap")

    _run_until_sent(session, left, right)
    rec = read_recording(tmp_path / "cap")
    by_name = {s.meta["device_id"]: s for s in rec.streams}
    for p in (left, right):
        (stream,) = p.streams
        sent = [f for f in p.sent if f.fate == "sent"]
        rows = np.concatenate(
            [np.arange(f.first_sample, f.first_sample + f.n_samples) for f in sent]
        )
        np.testing.assert_allclose(
            by_name[stream.info.name].values, stream.si(rows), rtol=0, atol=1e-9
        )
    assert any(f.fate == "unsent" for f in left.sent)
    assert len(by_name["emu-left-foot"].values) < len(by_name["emu-right-foot"].values)


def _measurements(name: str, peripheral, n: int, scanner, client) -> list:
    """The standard-profile values a BLE source receives from ``name`` once
    ``peripheral`` has sent its ``n`` values (waiting up to 5 s for them)."""
    src = BleSource(name, backend=client, scanner_backend=scanner, scan_timeout_s=5)
    src.open()
    try:
        assert peripheral.done.wait(10)
        got: list = []
        end = time.monotonic() + 5
        while len(got) < n and time.monotonic() < end:
            got += src.poll_measurements()
            time.sleep(0.02)
    finally:
        src.close()
    return got


def test_rsc_pod_measurements_decode_to_what_was_sent(world) -> None:
    scanner, client = bleak_backends(world)
    sent = [
        (int(round(v * 256)), c, s, d)
        for v, c, s, d in [(3.0, 84, 214, None), (3.25, 86, None, 1234), (2.5, 80, 187, 99)]
    ]
    values = [encode_rsc(v, c, stride_raw=s, distance_raw=d, running=True) for v, c, s, d in sent]
    pod = world.add(RscPeripheral("pod-1", values))
    got = _measurements("pod-1", pod, len(values), scanner, client)
    assert [m for _, m in got] == [
        RscMeasurement(
            v / 256, c, None if s is None else s / 100, None if d is None else d / 10, True
        )
        for v, c, s, d in sent
    ]


def test_treadmill_belt_speed_and_incline_decode_as_sent(world) -> None:
    scanner, client = bleak_backends(world)
    # speed (bit 0 clear), total distance, inclination and ramp; the second
    # with one-byte pace fields (FTMS 1.0 width), the third fits no layout
    flags = 1 << 2 | 1 << 3
    values = [
        encode_treadmill(
            flags, {"speed_mps": 1080, "total_distance_m": 70000, "inclination_pct": 15}
        ),
        encode_treadmill(flags | 1 << 5, {"speed_mps": 1200, "inst_pace_raw": 50}, pace_width=1),
        encode_treadmill(flags, {"speed_mps": 1}) + b"\x00",
    ]
    tm = world.add(TreadmillPeripheral("treadmill-1", values))
    got = _measurements("treadmill-1", tm, len(values), scanner, client)
    a, b, c = (m for _, m in got)
    assert isinstance(a, TreadmillData) and isinstance(b, TreadmillData)
    assert a.speed_mps == pytest.approx(3.0) and a.total_distance_m == 70000
    assert a.inclination_pct == pytest.approx(1.5) and a.ramp_angle_deg == 0
    assert b.speed_mps == pytest.approx(12.0 / 3.6) and (b.pace_width, b.inst_pace_raw) == (1, 50)
    assert isinstance(c, Malformed) and c.characteristic == "treadmill"


def test_scan_lists_what_footfall_reads(world, foot_streams) -> None:
    scanner, _client = bleak_backends(world)
    world.add(FootfallPeripheral("ff-left-foot", foot_streams[:1], address="F1:00:00:00:00:01"))
    world.add(RscPeripheral("pod-1", [], address="F2:00:00:00:00:01"))
    found = scan_ble(0.5, backend=scanner)
    seen = {d.name: d for d in found}
    assert seen["ff-left-foot"].reads == ["footfall"]
    assert seen["ff-left-foot"].address == "F1:00:00:00:00:01"
    assert seen["pod-1"].reads == ["RSC"]
    # footfall devices --ble prints one line each
    lines = ble_lines(found)
    assert "F1:00:00:00:00:01\tff-left-foot\t-50 dBm\tfootfall" in lines
    assert any(
        line.startswith("F2:00:00:00:00:01\tpod-1") and line.endswith("RSC") for line in lines
    )


def test_no_device_in_range_is_a_clear_error(world) -> None:
    scanner, client = bleak_backends(world)
    src = BleSource("ff-nobody", backend=client, scanner_backend=scanner, scan_timeout_s=0.3)
    with pytest.raises(FootfallError) as e:
        src.open()
    assert "ff-nobody" in str(e.value) and "footfall devices --ble" in str(e.value)


def test_adapter_and_permission_errors_are_explained() -> None:
    from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

    off = ble_error(
        BleakBluetoothNotAvailableError("off", BleakBluetoothNotAvailableReason.POWERED_OFF)
    )
    assert "no Bluetooth adapter" in off.problem and "--serial" in (off.fix or "")
    denied = ble_error(
        BleakBluetoothNotAvailableError("no", BleakBluetoothNotAvailableReason.DENIED_BY_USER)
    )
    assert "no permission" in denied.problem
    assert "no permission" in ble_error(PermissionError("x")).problem
    # BlueZ not running: bleak cannot reach the system bus socket
    assert "no Bluetooth adapter" in ble_error(FileNotFoundError(2, "No such file")).problem


def test_live_ble_options_are_checked(tmp_path) -> None:
    import subprocess

    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "footfall",
            "live",
            "--ble",
            "ff-left-foot",
            "--replay",
            str(tmp_path),
            "-o",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "--ble and --replay cannot be mixed" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_treadmill_in_a_live_session_gives_the_recording_its_belt_speed(world, tmp_path) -> None:
    """A treadmill among the BLE devices: its values are in the capture
    (profile_values.csv), the recording's condition carries the belt speed
    and incline it sent (median while running; the stopped belt left out),
    and every live step's stride length is belt speed x stride time."""

    import pandas as pd

    from footfall.capture.recorder import PROFILE_VALUES_FILE
    from footfall.io import read_recording
    from footfall.live.session import LIVE_STEPS_FILE, LiveSession

    rec, _ = simulate("easy-run", 0.6, 5, sensors=("foot",))
    spf = imu6_samples_per_frame(ble_max_frame_len(247))
    streams = [
        replace(s, samples_per_frame=spf, info=replace(s.info, samples_per_frame=spf))
        for s in streams_from_recording(rec)
    ]
    scanner, client = bleak_backends(world)
    flags = 1 << 3  # speed and inclination (with ramp angle)
    stopped = encode_treadmill(flags, {"speed_mps": 0, "inclination_pct": 0})
    belt = [
        encode_treadmill(flags, {"speed_mps": raw, "inclination_pct": 15})
        for raw in (1070, 1080, 1090)
    ]
    tm = world.add(TreadmillPeripheral("treadmill-1", [stopped, *belt]))
    feet = [
        world.add(FootfallPeripheral(n, [s], address=a))
        for n, s, a in zip(
            ("ff-left-foot", "ff-right-foot"),
            streams,
            ("F1:00:00:00:00:01", "F1:00:00:00:00:02"),
            strict=True,
        )
    ]
    t0 = time.monotonic()
    source = MergedSource(
        [
            BleSource(
                n, session_start=t0, backend=client, scanner_backend=scanner, scan_timeout_s=5
            )
            for n in ("treadmill-1", "ff-left-foot", "ff-right-foot")
        ]
    )
    session = LiveSession(source, tmp_path / "cap")

    _run_until_sent(session, tm, *feet)
    assert tm.done.is_set() and all(p.done.is_set() for p in feet)

    out = read_recording(tmp_path / "cap")
    assert out.meta["condition"] == {
        "surface": "treadmill",
        "speed_mps": pytest.approx(1080 / 360),
        "incline_pct": pytest.approx(1.5),
    }
    values = pd.read_csv(tmp_path / "cap" / PROFILE_VALUES_FILE)
    assert list(values["profile"]) == ["treadmill"] * 4
    assert list(values["device_id"]) == ["treadmill-1"] * 4
    np.testing.assert_allclose(values["speed_mps"], [0, 1070 / 360, 1080 / 360, 1090 / 360])
    np.testing.assert_allclose(values["incline_pct"], [0, 1.5, 1.5, 1.5])
    assert values["t_s"].is_monotonic_increasing

    steps = pd.read_csv(tmp_path / "cap" / LIVE_STEPS_FILE)
    measured = steps[steps["stride_ms"].notna()]
    assert len(measured) > 10
    # each step takes the belt speed in effect at its contact (the stopped
    # belt, or no value yet: the IMU's own stride length)
    from footfall.gait.belt import BeltSchedule

    belt = BeltSchedule(values["t_s"], values["speed_mps"], values["incline_pct"])
    speed = belt.speed_at(measured["ic_s"].to_numpy())
    on = np.isfinite(speed)
    assert on.sum() > 10 and speed[-1] == pytest.approx(1090 / 360)
    np.testing.assert_allclose(measured["speed_mps"][on], speed[on], rtol=1e-12)
    np.testing.assert_allclose(
        measured["stride_length_m"][on], speed[on] * measured["stride_ms"][on] / 1000, rtol=1e-12
    )
    np.testing.assert_array_equal(
        measured["stride_length_m"][~on], measured["stride_length_zupt_m"][~on]
    )
    assert not np.allclose(measured["stride_length_zupt_m"], measured["stride_length_m"])


# ---------------------------------------------------------------- a timed link
def _run_streams(minutes: float, seed: int):
    """Two foot IMUs at 200 Hz and the left insole at 100 Hz, as boards send them."""
    from footfall.sim.params import PROFILES

    prof = replace(
        PROFILES["typical"], imu_fs_hz=200.0, insole_fs_hz=100.0, jitter_ms=0.0, drop_rate=0.0
    )
    rec, _ = simulate("easy-run", minutes, seed, profile=prof, sensors=("foot", "insole"))
    streams = streams_from_recording(rec)
    by_name = {s.info.name: s for s in streams}
    return [by_name["emu-left-foot"], by_name["emu-right-foot"], by_name["emu-left-insole"]]


def _three_boards(world, streams, **kwargs) -> list[FootfallPeripheral]:
    return [
        world.add(
            FootfallPeripheral(f"ff-board-{i}", [s], address=f"F1:00:00:00:00:0{i}", **kwargs)
        )
        for i, s in enumerate(streams, start=1)
    ]


def _sources(world, n: int, t0: float) -> MergedSource:
    scanner, client = bleak_backends(world)
    return MergedSource(
        [
            BleSource(
                f"ff-board-{i}",
                session_start=t0,
                backend=client,
                scanner_backend=scanner,
                scan_timeout_s=10,
            )
            for i in range(1, n + 1)
        ]
    )


def test_thirty_seconds_at_a_15_ms_connection_interval_lose_nothing() -> None:
    """Real time through a link served once per 15 ms connection event, at
    most 4 packets an event (bench/bench_ble.py measures the latency)."""
    world = SimWorld(interval_s=0.015, per_event=4)
    try:
        boards = _three_boards(world, _run_streams(0.5, 11), speed=1.0)
        source = _sources(world, 3, time.monotonic())
        source.open()
        try:
            events = _drain(source, boards, extra_s=0.5)
        finally:
            source.close()
        link = world.link
    finally:
        world.close()
    # the link did hold packets for connection events
    assert link.events > 1500 and link.max_backlog >= 1
    assert not [e for e in events if isinstance(e, Gap)]
    for p in boards:
        assert {f.fate for f in p.sent} == {"sent"}
        assert _check_samples(events, p) == p.streams[0].raw.shape[0]
    spf = {b.streams[0].info.name: b.streams[0].samples_per_frame for b in boards}
    assert spf == {"emu-left-foot": 17, "emu-right-foot": 17, "emu-left-insole": 6}


def test_a_starved_link_drops_frames_and_every_drop_is_marked() -> None:
    """The central serves no connection event for 0.6 s: the sensors'
    transmit buffers fill, frames are dropped at the sensor with their
    sequence numbers used, and the host marks each lost sample as a gap."""
    world = SimWorld(interval_s=0.015, per_event=2)
    try:
        streams = _run_streams(0.2, 12)[:2]
        boards = _three_boards(world, streams, speed=4.0, tx_buffer=4)
        source = _sources(world, 2, time.monotonic())
        source.open()
        try:
            world.loop.call_soon_threadsafe(
                lambda: world.loop.call_later(0.8, world.link.pause, 0.6)
            )
            events = _drain(source, boards, extra_s=0.5)
        finally:
            source.close()
    finally:
        world.close()
    gaps = [e for e in events if isinstance(e, Gap)]
    for p in boards:
        (stream,) = p.streams
        lost = [f for f in p.sent if f.fate == "overflow"]
        assert lost, "the pause overflowed the transmit buffer"
        assert {f.fate for f in p.sent} == {"sent", "overflow"}
        mine = [g for g in gaps if g.device_id == stream.info.name]
        assert mine and {g.reason for g in mine} == {"sequence"}
        # exactly the dropped samples are marked, none invented
        assert sum(g.n_missing for g in mine) == sum(f.n_samples for f in lost)
        n = _check_samples(events, p)
        assert n + sum(f.n_samples for f in lost) == stream.raw.shape[0]


# ---------------------------------------------------------------- footfall emulate --ble
def test_emulate_ble_serves_the_virtual_runner_to_a_live_source(world) -> None:
    """``footfall emulate --ble`` in its own process, on a simulated
    controller reached over TCP: footfall's BLE source finds it by name and
    receives every sample of both feet, framed for the MTU, equal to the
    virtual runner's quantised values."""
    import subprocess

    from footfall.devices.ble_peripheral import fit_streams_to_mtu
    from footfall.sim.params import PROFILES

    port = world.serve_controller()
    args = ["--minutes", "0.1", "--rate", "4", "--sensors", "foot", "--seed", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "footfall", "emulate", "--ble", f"tcp-client:127.0.0.1:{port}"]
        + ["--name", "ff-emu-test", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "advertising as ff-emu-test" in (proc.stdout.readline() if proc.stdout else "")
        scanner, client = bleak_backends(world)
        src = BleSource("ff-emu-test", backend=client, scanner_backend=scanner, scan_timeout_s=10)
        src.open()
        events: list = []
        try:
            while proc.poll() is None:
                events += src.poll(0.05)
            events += src.poll(0.5)
        finally:
            src.close()
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    # the same run as the command simulated, as a board quantises and frames it
    prof = replace(
        PROFILES["typical"], imu_fs_hz=400.0, insole_fs_hz=100.0, jitter_ms=0.0, drop_rate=0.0
    )
    rec, _ = simulate("easy-run", 0.1, 2, profile=prof, sensors=("foot",))
    expected = {s.info.name: s for s in fit_streams_to_mtu(streams_from_recording(rec), 247)}
    infos = {e.device_id: e for e in events if isinstance(e, DeviceInfo)}
    assert set(infos) == set(expected) == {"emu-left-foot", "emu-right-foot"}
    assert not [e for e in events if isinstance(e, Gap)]
    for name, s in expected.items():
        assert infos[name].meta["samples_per_frame"] == s.samples_per_frame == 17
        blocks = sorted(
            (e for e in events if isinstance(e, Block) and e.device_id == name),
            key=lambda b: b.seq,
        )
        assert [b.seq for b in blocks] == list(range(s.n_frames))
        got = np.concatenate([b.values for b in blocks])
        np.testing.assert_array_equal(got, s.si(slice(None)))
    n = sum(s.n_frames for s in expected.values())
    assert f"done: {n} of {n} data frames sent" in out


def test_emulate_ble_without_a_transport_is_a_clear_error() -> None:
    import socket
    import subprocess

    with socket.socket() as s:  # a port nobody serves
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    r = subprocess.run(
        [sys.executable, "-m", "footfall", "emulate", "--ble", f"tcp-client:127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert f"cannot open the Bluetooth HCI transport 'tcp-client:127.0.0.1:{port}'" in r.stderr
    assert "Fix:" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- serial and BLE together
def test_a_session_with_a_serial_board_and_a_ble_sensor(world, tmp_path) -> None:
    """``footfall live --serial PORT --ble NAME``: the left foot on a USB
    board (a real pty), the right foot over Bluetooth LE, one session. The
    recording holds every sample each sent; the live steps, and a replay of
    the recording, are the offline steps table."""

    import pandas as pd
    from replay_check import replay_steps
    from test_stream_equivalence import assert_same_steps

    from footfall.devices.emulator import Emulator
    from footfall.devices.serial_source import SerialSource
    from footfall.io import read_recording
    from footfall.live.session import LIVE_STEPS_FILE, LiveSession
    from footfall.pipeline import analyze

    # real time: the recording's clock is fitted to the host's
    left, right = _run_streams(0.35, 21)[:2]
    emu = Emulator([left], speed=1.0, seed=4)
    port = emu.start()
    scanner, client = bleak_backends(world)
    board = world.add(FootfallPeripheral("ff-right-foot", [right], speed=1.0))
    t0 = time.monotonic()
    source = MergedSource(
        [
            SerialSource(str(port), session_start=t0, backoff_start_s=0.02),
            BleSource(
                "ff-right-foot",
                session_start=t0,
                backend=client,
                scanner_backend=scanner,
                scan_timeout_s=5,
            ),
        ]
    )
    session = LiveSession(source, tmp_path / "cap")

    try:
        _run_until_sent(session, emu, board)
    finally:
        emu.stop()
    rec = read_recording(tmp_path / "cap")
    by_name = {s.meta["device_id"]: s for s in rec.streams}
    assert set(by_name) == {"emu-left-foot", "emu-right-foot"}
    # every sample each sent, once (none was lost on either link here)
    assert {f.fate for f in emu.sent} == {"sent"} and {f.fate for f in board.sent} == {"sent"}
    np.testing.assert_allclose(by_name["emu-left-foot"].values, left.si(slice(None)), atol=1e-9)
    np.testing.assert_allclose(by_name["emu-right-foot"].values, right.si(slice(None)), atol=1e-9)
    off = analyze(tmp_path / "cap").steps
    fs = by_name["emu-left-foot"].fs_hz
    assert_same_steps(off, pd.read_csv(tmp_path / "cap" / LIVE_STEPS_FILE), fs)
    assert_same_steps(off, replay_steps(tmp_path / "cap"), fs)


def test_a_watch_reads_cadence_from_a_footfall_sensor_and_footfall_reads_its_frames(
    world,
) -> None:
    """The emulated sensor serves Running Speed and Cadence as the firmware
    does: a watch (any central, here through bleak) gets a cadence each
    second that is the virtual runner's; footfall itself reads the frames
    and leaves the sensor's RSC alone."""
    import asyncio

    from bleak import BleakClient, BleakScanner

    from footfall.devices.gatt import RSC_MEASUREMENT_UUID, decode_rsc

    rec, truth = simulate("easy-run", 0.2, 6, sensors=("foot",))
    left = truth[truth["side"] == "left"]
    streams = [s for s in streams_from_recording(rec) if s.info.name == "emu-left-foot"]
    p = world.add(
        FootfallPeripheral("ff-left-foot", streams, speed=4.0, contacts_s=left["ic_s"].to_numpy())
    )
    scanner, client = bleak_backends(world)

    async def watch() -> list[bytes]:
        dev = await BleakScanner.find_device_by_name("ff-left-foot", backend=scanner)
        assert dev is not None
        got: list[bytes] = []
        async with BleakClient(dev, backend=client) as c:
            await c.start_notify(RSC_MEASUREMENT_UUID, lambda _ch, d: got.append(bytes(d)))
            while len(got) < 5:
                await asyncio.sleep(0.02)
        return got

    got = asyncio.run(watch())
    assert got == [v for _, v in p.rsc_sent[: len(got)]]
    for (t, _), v in zip(p.rsc_sent, got, strict=False):
        m = decode_rsc(v)
        assert isinstance(m, RscMeasurement) and m.speed_mps == 0 and m.running
        # both feet's steps per minute from the last left stride before t
        # (sim truth), close to the runner's cadence over the run
        ic = left.loc[left["ic_s"] <= t, "ic_s"].to_numpy()
        if len(ic) >= 2:
            assert m.cadence_per_min == round(120.0 / (ic[-1] - ic[-2]))
            assert abs(m.cadence_per_min / truth["cadence_spm"].median() - 1) < 0.05
        else:
            assert m.cadence_per_min == 0
    # footfall: the frames, not the RSC
    src = BleSource("ff-left-foot", backend=client, scanner_backend=scanner, scan_timeout_s=5)
    src.open()
    try:
        events = _drain(src, [p])
        assert src.poll_measurements() == []
    finally:
        src.close()
    blocks = [e for e in events if isinstance(e, Block)]
    assert blocks and len(p.rsc_sent) >= 10  # one a second of the 12 s run
