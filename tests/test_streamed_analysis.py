"""footfall.analyze of a recording folder reads one stream at a time and lets
go of it once analysed: the same results as analysing the recording read
whole, with a bounded share of a long recording in memory."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import footfall
from footfall.errors import RecordingError
from footfall.io import canonical, read_recording, write_recording
from footfall.io.canonical import RereadRecording, open_recording
from footfall.model import Recording
from footfall.sim import simulate


def _glibc() -> bool:
    import os

    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):
        return False


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two foot IMUs, two shank IMUs and two insoles, field sensors (gaps)."""
    rec, _ = simulate("easy-run", 1.0, 4, profile="field")
    out = tmp_path_factory.mktemp("rec") / "run"
    write_recording(rec, out, fmt="parquet")
    return out


def _same_analysis(a: footfall.Analysis, b: footfall.Analysis) -> None:
    pd.testing.assert_frame_equal(a.steps, b.steps, check_exact=True)
    assert json.dumps(a.summary, sort_keys=False) == json.dumps(b.summary, sort_keys=False)
    assert a.notes == b.notes
    assert json.dumps(a.streams, default=str) == json.dumps(b.streams, default=str)
    pd.testing.assert_frame_equal(a.cop_paths, b.cop_paths, check_exact=True)


def test_a_folder_analysed_stream_by_stream_gives_the_whole_recordings_results(folder):
    streamed = footfall.analyze(folder)
    whole = footfall.analyze(read_recording(folder))
    assert len(streamed.steps) > 100
    assert streamed.steps["source"].astype(str).str.contains("insole").any()
    assert streamed.steps["shank_angle_ic_deg"].notna().any()
    _same_analysis(streamed, whole)


def test_no_stream_is_held_while_the_next_one_is_read(folder, monkeypatch):
    load = canonical._load_stream
    alive: list[weakref.ref] = []
    held_at_read: list[int] = []

    def counting_load(*args, **kwargs):
        gc.collect()
        held_at_read.append(sum(r() is not None for r in alive))
        stream = load(*args, **kwargs)
        alive.append(weakref.ref(stream.values))
        return stream

    monkeypatch.setattr(canonical, "_load_stream", counting_load)
    footfall.analyze(folder)
    assert len(held_at_read) == 6
    assert held_at_read == [0] * 6
    # reading the recording whole holds every stream, as it must
    alive.clear()
    held_at_read.clear()
    rec = read_recording(folder)
    assert held_at_read == [0, 1, 2, 3, 4, 5]
    del rec


def test_the_analysis_recording_reads_its_streams_when_asked(folder):
    a = footfall.analyze(folder)
    rec = a.recording
    assert isinstance(rec, RereadRecording)
    assert rec.source == str(folder)
    whole = read_recording(folder)
    assert rec.meta == whole.meta
    assert rec.duration_s == whole.duration_s
    assert a.summary["duration_s"] == pytest.approx(whole.duration_s)
    assert rec._streams is None  # nothing read yet
    assert [s.name for s in rec.streams] == [s.name for s in whole.streams]
    for s, w in zip(rec.streams, whole.streams, strict=True):
        np.testing.assert_array_equal(s.values, w.values)
        np.testing.assert_array_equal(s.time_s, w.time_s)
    assert rec.duration_s == whole.duration_s


def test_the_analysis_leaves_the_recording_unchanged(folder):
    rec = read_recording(folder)
    before = [(s.time_s.copy(), s.values.copy()) for s in rec.streams]
    footfall.analyze(rec)
    for (t, v), s in zip(before, rec.streams, strict=True):
        np.testing.assert_array_equal(s.time_s, t)
        np.testing.assert_array_equal(s.values, v)
        assert s.values.flags.writeable  # the caller's arrays stay the caller's


def test_streams_are_read_column_major_with_the_files_values(folder):
    rec = read_recording(folder)
    imu = next(s for s in rec.streams if s.name == "left_foot.parquet")
    assert imu.values.flags.f_contiguous
    df = pd.read_parquet(folder / "left_foot.parquet")
    np.testing.assert_array_equal(imu.values[:, :3], df[["acc_x", "acc_y", "acc_z"]].to_numpy())
    np.testing.assert_array_equal(
        imu.values[:, 3:], np.deg2rad(df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy())
    )


def test_a_bad_file_later_in_the_folder_fails_the_analysis_as_the_reading(folder, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in folder.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "right_insole.parquet").write_bytes(b"not parquet")
    with pytest.raises(RecordingError) as read_err:
        read_recording(bad)
    with pytest.raises(RecordingError) as analyze_err:
        footfall.analyze(bad)
    assert "right_insole.parquet" in analyze_err.value.message
    assert analyze_err.value.message == read_err.value.message


def test_open_recording_gives_the_declared_sensors_before_reading(folder):
    opened = open_recording(folder)
    assert opened.n_streams == 6
    assert ("imu", "left", "shank") in opened.sensors
    assert ("insole", "right", "") in opened.sensors
    slots = list(opened.slots())
    assert [s.name for s in slots] == [
        e["file"] for e in json.loads((folder / "recording.json").read_text())["streams"]
    ]
    stream = slots[0].read()
    assert stream.name == slots[0].name


def test_an_insole_layout_problem_is_reported_after_the_imus_as_before(folder, tmp_path):
    bad = tmp_path / "nolayout"
    bad.mkdir()
    for f in folder.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    doc = json.loads((bad / "recording.json").read_text())
    for e in doc["streams"]:
        if e["kind"] == "insole":
            for k in ("layout", "cells_xy", "cell_names", "regions"):
                e.pop(k, None)
    (bad / "recording.json").write_text(json.dumps(doc))
    with pytest.raises(RecordingError) as err:
        footfall.analyze(bad)
    assert "insole stream 'left_insole.parquet'" in err.value.message


HAND_BACK = """
import os, sys
import numpy as np
from footfall._memory import hand_back_freed_memory, reuse_freed_memory
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
assert reuse_freed_memory()
a = np.ones(25_000_000); b = np.ones(10); del a  # 200 MB freed under a small block
kept = rss_mb()
assert hand_back_freed_memory()
print(kept - rss_mb())
"""


@pytest.mark.skipif(
    not Path("/proc/self/statm").exists() or not _glibc(),
    reason="glibc's malloc_trim, Linux's /proc",
)
def test_memory_kept_for_reuse_is_handed_back_between_streams():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", HAND_BACK], capture_output=True, text=True, check=True
    )
    assert float(out.stdout) > 150  # of the 200 MB the freed array held


def test_hand_back_is_a_no_op_without_glibc(monkeypatch):
    from footfall import _memory

    def no_libc(name):
        raise ValueError(name)

    monkeypatch.setattr(_memory.os, "confstr", no_libc)
    assert _memory.hand_back_freed_memory() is False


def test_a_recording_without_streams_still_analyses():
    a = footfall.analyze(Recording(streams=[]))
    assert len(a.steps) == 0
    assert a.notes == ["no stream in this recording: nothing to analyse."]
