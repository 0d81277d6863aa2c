"""End to end without hardware: the emulator streams over a real pty, the serial
source reads it, the recorder writes the recording.

1 kHz foot IMUs and 100 Hz insoles, faster than real time, with corrupted
frames and a pulled cable: every frame that was sent intact must be in the
recording with the values the device sent, and every loss must be a marked gap.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

from footfall.capture import Recorder
from footfall.devices.base import Block, DeviceInfo, Gap
from footfall.devices.emulator import Emulator, streams_from_recording
from footfall.devices.serial_source import SerialSource
from footfall.io import read_recording
from footfall.sim.core import simulate
from footfall.sim.params import PROFILES


@pytest.fixture(scope="module")
def emulated_streams():
    prof = dataclasses.replace(PROFILES["ideal"], imu_fs_hz=1000.0, insole_fs_hz=100.0)
    rec, _ = simulate("easy-run", 0.1, 0, profile=prof, sensors=("foot", "insole"))
    return streams_from_recording(rec)


def _capture(emu: Emulator, out) -> tuple[list, SerialSource, Recorder]:
    path = emu.start()
    src = SerialSource(str(path), backoff_start_s=0.02, backoff_max_s=0.2)
    src.open()
    rec = Recorder(out)
    events: list = []
    while not emu.done.is_set():
        ev = src.poll(0.05)
        rec.write(ev)
        events += ev
    ev = src.poll(0.2)
    rec.write(ev)
    events += ev
    src.close()
    return events, src, rec


def _expected(emu: Emulator, sid: int) -> np.ndarray:
    s = emu.streams[sid]
    rows = [
        np.arange(f.first_sample, f.first_sample + f.n_samples)
        for f in emu.sent
        if f.stream_id == sid and f.fate == "sent"
    ]
    return s.si(np.concatenate(rows))


def test_corruption_and_disconnect_over_a_real_pty(emulated_streams, tmp_path) -> None:
    emu = Emulator(emulated_streams, speed=6.0, corrupt_prob=0.03, disconnects=[(2.5, 0.5)], seed=5)
    events, src, recorder = _capture(emu, tmp_path / "cap")
    fates = {f.fate for f in emu.sent}
    assert fates == {"sent", "corrupt", "unsent"}  # the test exercised all three
    assert src.reconnects >= 1
    assert src.ingest.frames_corrupt >= sum(f.fate == "corrupt" for f in emu.sent) // 2

    infos = [e for e in events if isinstance(e, DeviceInfo)]
    assert {i.device_id for i in infos} == {s.info.name for s in emu.streams}
    # device info again after the reconnect
    assert len(infos) >= 2 * len(emu.streams)

    # live blocks: every intact frame arrived, none invented
    for s in emu.streams:
        got = sorted(e.seq for e in events if isinstance(e, Block) and e.device_id == s.info.name)
        sent = sorted(f.seq for f in emu.sent if f.stream_id == s.stream_id and f.fate == "sent")
        assert got == sent, s.info.name

    folder = recorder.close()
    rec = read_recording(folder)
    by_name = {s.meta["device_id"]: s for s in rec.streams}
    gaps = [e for e in events if isinstance(e, Gap)]
    for s in emu.streams:
        st = by_name[s.info.name]
        exp = _expected(emu, s.stream_id)
        assert st.values.shape == exp.shape
        np.testing.assert_allclose(st.values, exp, rtol=1e-12, atol=1e-12)
        # every run of lost frames is a gap, with the exact number of missing samples
        lost = [f for f in emu.sent if f.stream_id == s.stream_id and f.fate != "sent"]
        runs = []
        for f in lost:
            if runs and runs[-1][1] == f.seq - 1:
                runs[-1] = (runs[-1][0], f.seq, runs[-1][2] + f.n_samples)
            else:
                runs.append((f.seq, f.seq, f.n_samples))
        mine = [g for g in gaps if g.device_id == s.info.name]
        assert sorted(g.n_missing for g in mine) == sorted(r[2] for r in runs)
        assert "disconnect" in {g.reason for g in mine}
        assert len(st.meta["capture_gaps"]) == len(runs)
        # reading the folder back finds the same holes in the time stamps
        assert len(st.meta["gaps"]) == len(runs)
        assert st.fs_hz == pytest.approx(s.info.fs_hz, rel=1e-3)


def test_the_log_is_written_by_the_reader_not_the_analysis(emulated_streams, tmp_path) -> None:
    """With the capture log as the serial reader's sink, every frame that
    arrives is in the log on disk while nothing polls the source at all (an
    analysis that has fallen far behind): a crash then loses no received
    frame."""
    from footfall.capture.recorder import read_log

    emu = Emulator(emulated_streams, speed=6.0, seed=2)
    path = emu.start()
    src = SerialSource(str(path), backoff_start_s=0.02, backoff_max_s=0.2)
    src.open()
    rec = Recorder(tmp_path / "cap")
    src.set_sink(rec.write)
    try:
        assert emu.done.wait(60)
        time.sleep(0.3)
        records, _ = read_log(rec.log_path)  # read while the capture is still open
    finally:
        src.set_sink(None)
        src.close()
        emu.stop()
    sent = sum(1 for f in emu.sent if f.fate == "sent")
    frames = sum(1 for k, _, _ in records if k == "F")
    assert sent > 100 and frames == sent
    assert src.analysis_dropped == 0  # and the analysis would still get every one
    assert len(src.poll(0.0)) > 0
    rec.close()


def test_a_live_session_logs_each_frame_once(emulated_streams, tmp_path) -> None:
    """footfall live's session over a real pty: the readers write the log,
    the loop does not write it again; the recording holds each sent sample
    once."""
    from footfall.live.session import LiveSession

    emu = Emulator(emulated_streams, speed=6.0, seed=3)
    path = emu.start()
    session = LiveSession(SerialSource(str(path), backoff_start_s=0.02), tmp_path / "cap")
    try:
        stopper = __import__("threading").Thread(
            target=lambda: (emu.done.wait(60), time.sleep(0.5), session.stop()), daemon=True
        )
        stopper.start()
        session.run(handle_signals=False)
    finally:
        emu.stop()
    rec = read_recording(tmp_path / "cap")
    by_name = {s.meta["device_id"]: s for s in rec.streams}
    for s in emu.streams:
        np.testing.assert_allclose(
            by_name[s.info.name].values, _expected(emu, s.stream_id), rtol=1e-9, atol=1e-9
        )
