"""Crash-safe capture: the raw log, torn tails, kill -9 of a capturing process, recover."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from footfall.capture import LOG_NAME, Recorder, read_log, recover
from footfall.devices.base import Block, DeviceInfo, Gap
from footfall.devices.emulator import Emulator, streams_from_recording
from footfall.errors import FootfallError
from footfall.io import read_recording
from footfall.model import IMU_COLUMNS, SensorKind, Side
from footfall.sim.core import simulate
from footfall.sim.params import PROFILES

INFO = DeviceInfo("replayed-left", SensorKind.IMU, Side.LEFT, None, 100.0, IMU_COLUMNS)


def _blocks(n: int) -> list[Block]:
    rng = np.random.default_rng(0)
    still = np.array([0.3, -0.2, 9.8, 0.01, -0.02, 0.0])  # a sensor at rest, SI
    return [
        Block(
            "replayed-left",
            0.5 + 0.1 * i + 0.01 * np.arange(10),
            still + 0.05 * rng.normal(size=(10, 6)),
            i,
            0.6 + 0.1 * i,
        )
        for i in range(n)
    ]


def test_blocks_without_frames_round_trip_and_gaps_are_kept(tmp_path) -> None:
    r = Recorder(tmp_path / "cap", meta={"athlete": {"id": "ana"}})
    blocks = _blocks(5)
    r.write([INFO, *blocks[:2]])
    r.write([Gap("replayed-left", 0.7, 0.79, 10, "sequence"), *blocks[3:]])
    folder = r.close()
    rec = read_recording(folder)
    st = rec.streams[0]
    exp = np.vstack([b.values for b in blocks[:2] + blocks[3:]])
    np.testing.assert_allclose(st.values, exp, rtol=1e-12, atol=1e-12)
    assert st.meta["capture_gaps"] == [
        {"t_start_s": 0.7, "t_end_s": 0.79, "n_missing": 10, "reason": "sequence"}
    ]
    assert len(st.meta["gaps"]) == 1  # the hole is in the time stamps too
    assert rec.meta["athlete"] == {"id": "ana"}


def test_torn_tail_is_dropped_and_the_rest_recovered(tmp_path) -> None:
    r = Recorder(tmp_path / "cap")
    r.write([INFO, *_blocks(4)])
    r._fh.flush()
    log = tmp_path / "cap" / LOG_NAME
    whole = log.read_bytes()
    r._stop.set()
    r._fh.close()  # as if the process died here
    log.write_bytes(whole[:-7])  # the last record only half written
    records, complete = read_log(log)
    assert not complete
    assert sum(k == "B" for k, _, _ in records) == 3
    rec = read_recording(recover(tmp_path / "cap"))
    assert len(rec.streams[0]) == 30
    assert rec.meta["capture"]["log_complete"] is False


def test_profile_values_survive_a_crash_and_set_the_treadmill_condition(tmp_path) -> None:
    """A treadmill's and a foot pod's values written to a log whose process
    died are in the recovered recording: profile_values.csv row for row, and
    the condition the belt gives (median while running; a given speed replaced,
    other keys kept)."""
    import pandas as pd

    from footfall.capture.recorder import PROFILE_VALUES_FILE

    r = Recorder(tmp_path / "cap", meta={"condition": {"surface": "overground", "shoe": "x"}})
    r.write([INFO, *_blocks(4)])
    tm = [(0.2, 0.0, 0.0), (0.4, 2.5, 1.0), (0.6, 3.0, 2.0), (0.8, 3.5, 2.0)]
    r.write_values(
        [
            {"t_s": t, "device_id": "tm", "profile": "treadmill", "speed_mps": v, "incline_pct": i}
            for t, v, i in tm
        ]
        + [
            {
                "t_s": 0.9,
                "device_id": "pod",
                "profile": "rsc",
                "speed_mps": 3.1,
                "cadence_per_min": 88,
            }
        ]
    )
    r._fh.flush()
    r._stop.set()
    r._fh.close()  # as if the process died here
    rec = read_recording(recover(tmp_path / "cap"))
    assert rec.meta["condition"] == {
        "surface": "treadmill",
        "shoe": "x",
        "speed_mps": 3.0,
        "incline_pct": 2.0,
    }
    assert rec.meta["profile_values"] == {"file": PROFILE_VALUES_FILE, "rows": 5}
    v = pd.read_csv(tmp_path / "cap" / PROFILE_VALUES_FILE)
    assert list(v.columns) == [
        "t_s",
        "device_id",
        "profile",
        "speed_mps",
        "incline_pct",
        "cadence_per_min",
    ]
    np.testing.assert_array_equal(v["t_s"], [0.2, 0.4, 0.6, 0.8, 0.9])
    np.testing.assert_array_equal(v["speed_mps"], [0.0, 2.5, 3.0, 3.5, 3.1])
    assert list(v["profile"]) == ["treadmill"] * 4 + ["rsc"]
    assert v["incline_pct"].isna().tolist() == [False] * 4 + [True]
    assert v["cadence_per_min"].tolist()[4] == 88


def test_a_capture_without_a_running_belt_keeps_its_condition(tmp_path) -> None:
    r = Recorder(tmp_path / "cap", meta={"condition": {"surface": "overground"}})
    r.write([INFO, *_blocks(2)])
    r.write_values([{"t_s": 0.2, "device_id": "tm", "profile": "treadmill", "speed_mps": 0.0}])
    rec = read_recording(r.close())
    assert rec.meta["condition"] == {"surface": "overground"}
    assert rec.meta["profile_values"]["rows"] == 1


def test_recover_refuses_a_finished_capture_and_a_non_log(tmp_path) -> None:
    r = Recorder(tmp_path / "cap")
    r.write([INFO, *_blocks(2)])
    r.close()
    with pytest.raises(FootfallError, match="already holds"):
        recover(tmp_path / "cap")
    bad = tmp_path / "x.fflog"
    bad.write_bytes(b"not a log")
    with pytest.raises(FootfallError, match="not a footfall capture log"):
        recover(bad, out_dir=tmp_path / "o")
    with pytest.raises(FootfallError):
        Recorder(tmp_path / "cap")  # never overwrite a capture


CAPTURE_SCRIPT = textwrap.dedent("""
    import sys, time
    from footfall.capture import Recorder
    from footfall.devices.serial_source import SerialSource
    src = SerialSource(sys.argv[1], backoff_start_s=0.02)
    src.open()
    rec = Recorder(sys.argv[2])
    frames = 0
    while True:
        ev = src.poll(0.05)
        rec.write(ev)
        frames += sum(1 for e in ev if type(e).__name__ == "Block")
        print(frames, flush=True)
""")


def test_kill_9_then_recover_returns_everything_flushed(tmp_path) -> None:
    prof = dataclasses.replace(PROFILES["ideal"], imu_fs_hz=1000.0)
    sim, _ = simulate("easy-run", 0.2, 1, profile=prof, sensors=("foot",))
    emu = Emulator(streams_from_recording(sim), speed=4.0, seed=1)
    path = emu.start()
    out = tmp_path / "cap"
    proc = subprocess.Popen(
        [sys.executable, "-c", CAPTURE_SCRIPT, str(path), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        written = 0
        assert proc.stdout is not None
        for line in proc.stdout:
            written = int(line)
            if written >= 300:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        emu.stop()
    assert written >= 300
    run = subprocess.run(
        [sys.executable, "-m", "footfall", "recover", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "recovered" in run.stdout
    rec = read_recording(out)
    assert rec.meta["capture"]["frames"] >= written  # every block written before the kill
    for st in rec.streams:
        s = next(x for x in emu.streams if x.info.name == st.meta["device_id"])
        n = len(st)
        np.testing.assert_allclose(st.values, s.si(slice(0, n)), rtol=1e-12, atol=1e-12)


def test_recover_cli_user_error_has_no_traceback(tmp_path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "footfall", "recover", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "no capture log" in run.stderr and "Traceback" not in run.stderr


def test_streams_are_written_one_at_a_time(tmp_path) -> None:
    """write_recording(streams=...) writes each stream's file before it asks
    for the next, and recording.json after the last: a long capture is
    rebuilt one device at a time (footfall.capture.recorder.build_recording)."""
    from footfall.io import write_recording
    from footfall.model import Recording

    rec, _ = simulate("easy-run", 0.2, 1, sensors=("foot",))
    out = tmp_path / "rec"
    seen = []

    def one_by_one():
        for st in rec.streams:
            seen.append(sorted(p.name for p in out.glob("*")) if out.exists() else [])
            yield st

    write_recording(Recording(streams=[], meta={}), out, streams=one_by_one())
    assert seen == [[], ["left_foot.csv"]]
    back = read_recording(out)
    assert [len(s) for s in back.streams] == [len(s) for s in rec.streams]
    np.testing.assert_allclose(back.streams[1].values, rec.streams[1].values, rtol=1e-12)


def test_recover_cli_counts_and_a_progress_bar_only_on_a_terminal(tmp_path) -> None:
    """footfall recover prints the streams, samples and frames it rebuilt
    (the counts recording.json keeps, not a second read of the streams) and
    draws its progress on a terminal only."""
    from pty_run import stderr_on_a_terminal

    r = Recorder(tmp_path / "cap")
    r.write([INFO, *_blocks(5)])
    r._fh.flush()
    piped = subprocess.run(
        [
            sys.executable,
            "-m",
            "footfall",
            "recover",
            str(tmp_path / "cap"),
            "-o",
            str(tmp_path / "a"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    r.close()
    assert piped.returncode == 0 and piped.stderr == ""
    assert "1 streams, 50 samples, 0 frames" in piped.stdout
    doc = read_recording(tmp_path / "a").meta["capture"]
    assert doc["streams"] == 1 and doc["samples"] == 50
    code, seen = stderr_on_a_terminal(["recover", str(tmp_path / "cap"), "-o", str(tmp_path / "b")])
    assert code == 0
    assert b"rebuilding" in seen or b"reading the log" in seen


def test_recover_onto_a_full_disk_exits_2_and_keeps_the_log(tmp_path) -> None:
    """A write the disk refuses (here a file size limit, EFBIG, as a full disk
    gives ENOSPC) stops recover with exit 2 and a message naming the file,
    not an internal error; the capture log is untouched and a second run
    with room recovers everything."""
    import resource

    cap = tmp_path / "cap"
    r = Recorder(cap)
    r.write([INFO, *_blocks(400)])
    r._fh.flush()
    log = (cap / LOG_NAME).read_bytes()

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    full = subprocess.run(
        [sys.executable, "-m", "footfall", "recover", str(cap), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=small_files,
    )
    assert full.returncode == 2, full.stderr
    assert "cannot write" in full.stderr and "Traceback" not in full.stderr
    assert str(tmp_path / "out") in full.stderr  # the file it could not write
    assert (cap / LOG_NAME).read_bytes() == log
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "footfall",
            "recover",
            str(cap),
            "-o",
            str(tmp_path / "out"),
            "--force",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    r.close()
    assert again.returncode == 0, again.stderr
    assert len(read_recording(tmp_path / "out").streams[0]) == 4000


REPLAY_SCRIPT = textwrap.dedent("""
    import json
    import sys
    import threading

    from footfall.devices.base import Block
    from footfall.devices.replay import ReplaySource
    from footfall.live.session import LiveSession

    src = ReplaySource(sys.argv[1], speed=20.0)
    attach = src.set_sink
    flushed = {}

    def set_sink(sink):
        # after each write the capture log's writer returns from, print how
        # far each stream has been handed to it (the bytes are then with the
        # operating system) and from which thread
        if sink is None:
            return attach(None)

        def logged(events):
            sink(events)
            for e in events:
                if isinstance(e, Block) and len(e.t_s):
                    flushed[e.device_id] = float(e.t_s[-1])
            line = {"thread": threading.current_thread().name, "flushed": flushed}
            print(json.dumps(line), flush=True)

        return attach(logged)

    src.set_sink = set_sink
    session = LiveSession(src, sys.argv[2])
    session.run(tick_s=0.1)
""")


def test_kill_9_during_a_20x_replay_loses_at_most_a_second_per_stream(tmp_path) -> None:
    """The capture log is written by the player as data comes due, not by
    the analysis loop: killed mid-run, each recovered stream reaches to
    within a second (of recording time) of what had been handed to the
    log's writer. What was handed over is printed by the player after each
    write returns, so the check does not depend on how fast the machine
    keeps up with the playback clock."""
    import json

    prof = dataclasses.replace(PROFILES["typical"], imu_fs_hz=1000.0, insole_fs_hz=100.0)
    sim, _ = simulate("easy-run", 4.0, 2, profile=prof, sensors=("foot", "shank", "insole"))
    from footfall.io import write_recording

    src_dir = tmp_path / "run"
    write_recording(sim, src_dir, fmt="parquet")
    out = tmp_path / "cap"
    proc = subprocess.Popen(
        [sys.executable, "-c", REPLAY_SCRIPT, str(src_dir), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    t0 = min(float(st.time_s[0]) for st in sim.streams)
    end = min(float(st.time_s[-1]) for st in sim.streams)
    flushed: dict[str, float] = {}
    threads = set()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            doc = json.loads(line)
            flushed = doc["flushed"]
            threads.add(doc["thread"])
            if len(flushed) == len(sim.streams) and min(flushed.values()) - t0 >= 60.0:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(flushed) == len(sim.streams) and min(flushed.values()) - t0 >= 60.0
    assert max(flushed.values()) < end - 60.0  # killed mid-run
    assert threads == {"replay player"}  # the log never waits on the analysis loop
    run = subprocess.run(
        [sys.executable, "-m", "footfall", "recover", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    rec = read_recording(out)
    assert sorted(st.meta["device_id"] for st in rec.streams) == sorted(flushed)
    for st in rec.streams:
        lost = flushed[st.meta["device_id"]] - st.time_s[-1]
        assert lost <= 1.0, (st.name, lost)


def _framed_capture(folder, *, repeat_frame: int | None = None) -> None:
    """A capture log of a foot IMU and an insole sent as wire frames (10 ms
    each), interleaved in arrival order, left without a recording as a
    crash leaves it; ``repeat_frame``: that IMU frame arrives twice."""
    from footfall.devices.ingest import Ingest
    from footfall.wire import decode_frame, encode_device_info

    sim, _ = simulate("easy-run", 0.2, 3, sensors=("foot", "insole"))
    streams = [
        s
        for s in streams_from_recording(sim, frame_ms=10.0)
        if s.info.name.endswith(("left-foot", "left-insole"))
    ]
    r = Recorder(folder)
    ingest = Ingest("/dev/ttyACM0")
    events = []
    for s in streams:
        info = encode_device_info(s.stream_id, 0, 1_000_000, s.period_ns, s.info)
        events += ingest.frames([decode_frame(info)], 0.05)
    arrivals = sorted(
        (0.2 + 0.01 * (j + 1) + 0.0003 * k, k, j)
        for k, s in enumerate(streams)
        for j in range(s.n_frames)
    )
    for host, k, j in arrivals:
        frame = streams[k].frame(j, 1_000_000)
        events += ingest.frames([decode_frame(frame)], host)
        if k == 0 and j == repeat_frame:
            events += ingest.frames([decode_frame(frame)], host + 0.001)
    r.write(events)
    r._stop.set()
    r._fh.flush()
    r._fh.close()


def _whole_array_recording(log, chunked, out, fmt: str = "csv") -> None:
    """The recording of ``log`` as built with each device's whole arrays and
    footfall.io.write_recording, described as in ``chunked``."""
    import json

    from footfall.capture import recorder as rec_mod
    from footfall.io import write_recording
    from footfall.model import Recording, Stream
    from footfall.wire import peek_header

    doc = json.loads((chunked / "recording.json").read_text())
    infos, devices = {}, {}
    with rec_mod._mapped(log) as data:
        for kind, _, a, b in rec_mod._records(data, rec_mod._Scan([])):
            if kind == "I":
                d = json.loads(data[a:b])
                infos[d["device_id"]] = d
            elif kind == "F":
                k = data[a]
                did = bytes(data[a + 1 : a + 1 + k]).decode()
                dev = devices.setdefault(did, rec_mod._Device())
                dev.add_record(a - rec_mod._REC.size)
                dev.samples += peek_header(data[a + 1 + k : b]).sample_count
        streams = []
        for entry in doc["streams"]:
            did = entry["device_id"]
            t, v, _, _ = rec_mod._device_samples(data, did, infos[did], devices[did])
            streams.append(
                Stream(
                    entry["kind"],
                    entry["side"],
                    t,
                    v,
                    tuple(infos[did]["columns"]),
                    placement=entry.get("placement", "foot"),
                    name=did,
                    meta={
                        k: x
                        for k, x in entry.items()
                        if k not in ("kind", "side", "placement", "units")
                    },
                )
            )
    meta = {k: x for k, x in doc.items() if k not in ("format", "streams")}
    write_recording(Recording(streams=[], meta=meta), out, fmt, streams=streams)


@pytest.mark.parametrize("repeat_frame", [None, 300])
def test_recover_in_chunks_writes_the_files_whole_arrays_give(tmp_path, repeat_frame) -> None:
    """A stream rebuilt a few hundred rows at a time (its values decoded to a
    temporary file, its times computed per chunk) is the same, byte for
    byte, as the one built from whole arrays and written by
    write_recording; a frame received twice (times no longer increasing)
    takes the whole-array path and its repeat is dropped as before."""
    from footfall.capture.recorder import build_recording

    cap = tmp_path / "cap"
    _framed_capture(cap, repeat_frame=repeat_frame)
    log = cap / LOG_NAME
    chunked = build_recording(log, tmp_path / "chunked", chunk_rows=257)
    ref = tmp_path / "ref"
    _whole_array_recording(log, chunked, ref)
    files = sorted(p.name for p in chunked.iterdir())
    assert files == sorted(p.name for p in ref.iterdir())
    assert files == ["left_foot.csv", "left_insole.csv", "recording.json"]  # no temporary file
    for name in files:
        assert (chunked / name).read_bytes() == (ref / name).read_bytes(), name
    rec = read_recording(chunked)
    n_imu = len(rec.streams[0])
    assert n_imu > 4 * 257 and len(rec.streams[1]) > 2 * 257  # several chunks each
    records, _ = read_log(log)
    assert rec.meta["capture"]["frames"] == sum(k == "F" for k, _, _ in records)
    assert np.all(np.diff(rec.streams[0].time_s) > 0)
    # parquet: the same numbers (and, in chunks of the writer's size, the same bytes)
    pq_chunked = build_recording(log, tmp_path / "pq_chunked", fmt="parquet", chunk_rows=257)
    pq_whole = build_recording(log, tmp_path / "pq_whole", fmt="parquet")
    for a, b in zip(
        read_recording(pq_chunked).streams, read_recording(pq_whole).streams, strict=True
    ):
        assert np.array_equal(a.time_s, b.time_s) and np.array_equal(a.values, b.values)
    ref_pq = tmp_path / "ref_pq"
    _whole_array_recording(log, pq_whole, ref_pq, "parquet")
    for name in ("left_foot.parquet", "left_insole.parquet"):
        assert (pq_whole / name).read_bytes() == (ref_pq / name).read_bytes()


def test_frame_times_need_nothing_kept_per_frame(tmp_path) -> None:
    """The rebuild keeps no per-frame arrays: regular frames are held as
    runs and each boot's clock is fitted from window minima gathered as the
    frames are decoded. Its sample times are those of the per-frame
    computation (every frame's times, one lower-envelope fit per boot over
    every frame), to the bit, for frames that are anything but regular:
    counts and periods that change, a period of 0 (timed at the announced
    rate), first-sample times off the grid, a first frame whose last sample
    lies far ahead, and a device reboot (time and sequence going back)."""
    from footfall.capture import recorder as rec_mod
    from footfall.devices.clock import LowerEnvelope, fit_clock
    from footfall.model import Placement
    from footfall.wire import decode_frame, encode_imu6

    rng = np.random.default_rng(7)
    info = DeviceInfo(
        device_id="imu-1",
        kind=SensorKind.IMU,
        side=Side.LEFT,
        fs_hz=200.0,
        columns=IMU_COLUMNS,
        placement=Placement.FOOT,
    )
    frames, fu, seq = [], 5_000_000, 0
    for j in range(6000):
        if j == 4000:  # a reboot
            fu, seq = 2_000_000, 0
        n = 40 if j == 0 else (2 if j % 700 < 650 else int(rng.integers(1, 5)))
        period_ns = 0 if 1500 <= j < 1600 else (5_000_000 if j % 900 < 800 else 3_333_333)
        raw = rng.integers(-2000, 2000, (n, 6))
        host = fu * 1e-6 * (1 + 30e-6) + 0.3 + rng.exponential(0.0005)
        frames.append((encode_imu6(1, seq, fu, period_ns, raw), host))
        step_us = n * (period_ns or 5_000_000) / 1000.0
        fu += int(step_us) + (int(rng.integers(0, 3)) if j % 1000 > 900 else 0)
        seq += 1
    r = Recorder(tmp_path / "cap")
    r.write([info])
    r.write(
        [
            Block("imu-1", np.zeros(0), np.zeros((0, 6)), 0, host, frame=frame)
            for frame, host in frames
        ]
    )
    r._stop.set()
    r._fh.flush()
    r._fh.close()

    # the per-frame computation
    heads = [decode_frame(f).header for f, _ in frames]
    boots = [range(0, 4000), range(4000, 6000)]
    per_us = [h.period_ns / 1000.0 if h.period_ns else 1e6 / 200.0 for h in heads]
    last_dev = np.array(
        [
            (h.t_first_us + (h.sample_count - 1) * p) * 1e-6
            for h, p in zip(heads, per_us, strict=True)
        ]
    )
    hosts = np.array([host for _, host in frames])
    want = []
    for boot in boots:
        slope, offset, ref = fit_clock(last_dev[boot], hosts[boot])
        for j in boot:
            t = np.arange(heads[j].sample_count) * per_us[j] + float(heads[j].t_first_us)
            want.append(((t * 1e-6) - ref) * slope + offset)
        # the same line from the frames given a batch at a time
        env = LowerEnvelope()
        for a in range(boot.start, boot.stop, 97):
            b = min(a + 97, boot.stop)
            env.add(last_dev[a:b], hosts[a:b], heads[b - 1].t_first_us * 1e-6)
        assert env.fit() == (slope, offset, ref)
    want_t = np.concatenate(want)

    dev = rec_mod._Device()
    with rec_mod._mapped(tmp_path / "cap" / LOG_NAME) as data:
        for kind, _, a, _ in rec_mod._records(data, rec_mod._Scan([])):
            if kind == "F":
                dev.add_record(a - rec_mod._REC.size)
        dev.samples = int(sum(h.sample_count for h in heads))
        rows = []
        fr = rec_mod._decode_frames(
            data, {"columns": IMU_COLUMNS, "fs_hz": 200.0}, dev, lambda v, r: None
        )
    assert fr.n_ok == len(frames) and fr.filled == want_t.size
    assert len(fr.runs["row0"]) < len(frames) / 5  # runs, not frames
    for lo in range(0, fr.filled, 1000):
        rows.append(fr.times(lo, min(lo + 1000, fr.filled)))
    assert np.array_equal(np.concatenate(rows), want_t)
