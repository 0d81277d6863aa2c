"""The replay source: a recording folder played as a live source."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footfall.devices.base import Block, DeviceInfo, Gap, Source, Status
from footfall.devices.replay import ReplaySource
from footfall.errors import FootfallError
from footfall.io import read_recording

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"


def drain(src: ReplaySource) -> list:
    events = []
    src.open()
    while not src.finished:
        events.extend(src.poll(0.01))
    return events


def test_replay_is_a_source_and_sends_every_sample_once_in_order() -> None:
    src = ReplaySource(SAMPLE, speed=None, max_blocks=50)
    assert isinstance(src, Source)
    events = drain(src)
    rec = read_recording(SAMPLE)
    infos = [e for e in events if isinstance(e, DeviceInfo)]
    assert len(infos) == len(rec.streams)
    assert events[: len(infos)] == infos  # descriptions come first
    for info, stream in zip(infos, rec.streams, strict=True):
        assert info.columns == stream.columns
        assert info.fs_hz == pytest.approx(stream.fs_hz)
        blocks = [e for e in events if isinstance(e, Block) and e.device_id == info.device_id]
        t = np.concatenate([b.t_s for b in blocks])
        v = np.concatenate([b.values for b in blocks])
        np.testing.assert_array_equal(t, stream.time_s)
        np.testing.assert_array_equal(v, stream.values)
        # about 10 ms per block, like a board's frames
        assert max(len(b.t_s) for b in blocks) == max(1, round(0.01 * stream.fs_hz))
        assert [b.seq for b in blocks] == list(range(len(blocks)))
    # blocks of all devices interleave in the order a host would receive them
    received = [e.received_s for e in events if isinstance(e, Block)]
    assert received == sorted(received)
    assert any(isinstance(e, Status) for e in events)


def test_gaps_in_the_file_become_gap_events_and_no_block_spans_one(tmp_path: Path) -> None:
    rec = read_recording(SAMPLE)
    folder = tmp_path / "gappy"
    folder.mkdir()
    df = pd.read_csv(SAMPLE / "left_foot.csv")
    keep = np.ones(len(df), bool)
    keep[1000:1041] = False  # 41 samples lost
    keep[3000:3003] = False  # 3 samples lost
    df[keep].to_csv(folder / "left_foot.csv", index=False)
    meta = json.loads((SAMPLE / "recording.json").read_text())
    meta["streams"] = [meta["streams"][0]]
    (folder / "recording.json").write_text(json.dumps(meta))
    events = drain(ReplaySource(folder, speed=None))
    gaps = [e for e in events if isinstance(e, Gap)]
    assert [g.n_missing for g in gaps] == [41, 3]
    t = rec.streams[0].time_s
    assert gaps[0].t_start_s == pytest.approx(t[1000]) and gaps[0].t_end_s == pytest.approx(t[1040])
    fs = rec.streams[0].fs_hz
    for b in (e for e in events if isinstance(e, Block)):
        assert np.all(np.diff(b.t_s) < 1.5 / fs)
    # sequence numbers jump over the lost frames
    seqs = [e.seq for e in events if isinstance(e, Block)]
    assert np.all(np.diff(seqs) >= 1) and seqs[-1] > len(seqs) - 1


def test_paced_replay_delivers_in_order_and_finishes() -> None:
    src = ReplaySource(SAMPLE, speed=200.0)
    events = drain(src)
    blocks = [e for e in events if isinstance(e, Block)]
    assert sum(len(b.t_s) for b in blocks) == sum(len(s) for s in read_recording(SAMPLE).streams)
    assert src.finished and src.poll() == []
    # each block was due when the playback clock passed its last sample
    assert src.due_monotonic(blocks[-1].received_s) >= src.due_monotonic(blocks[0].received_s)


@pytest.mark.parametrize("speed", [0.0, -1.0, float("inf"), float("nan")])
def test_bad_speed_is_a_user_error(speed: float) -> None:
    with pytest.raises(FootfallError, match="speed"):
        ReplaySource(SAMPLE, speed=speed)


def test_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(FootfallError):
        ReplaySource(tmp_path / "nothing-here")


def test_a_live_session_replaying_at_a_set_speed_ends_and_records_everything(tmp_path) -> None:
    """At a set speed the replay plays from a thread of its own that writes
    the capture log; the session ends when the recording has been played,
    and the recording it builds holds every sample of every stream."""
    import threading

    from footfall.devices.replay import ReplaySource
    from footfall.io import read_recording
    from footfall.live.session import LiveSession
    from footfall.sim.core import simulate

    rec, _ = simulate("easy-run", 0.25, 2, sensors=("foot", "insole"))
    src = ReplaySource(rec, speed=25.0)
    session = LiveSession(src, tmp_path / "cap")
    done: dict = {}
    t = threading.Thread(target=lambda: done.setdefault("r", session.run(handle_signals=False)))
    t.start()
    t.join(timeout=120)
    assert not t.is_alive(), "the session did not end after the replay"
    assert src._thread is not None  # it played from its own thread
    assert done["r"].n_steps > 20
    out = read_recording(tmp_path / "cap")
    assert len(out.streams) == len(rec.streams)
    for s in rec.streams:
        o = next(x for x in out.streams if x.side == s.side and x.kind == s.kind)
        assert len(o) == len(s)
        np.testing.assert_allclose(o.values, s.values, rtol=1e-6, atol=1e-6)
