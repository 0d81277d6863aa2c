"""Pressure insoles analysed live give the offline rows.

A recording replayed through the streaming analyser (foot IMUs and insoles)
gives the offline steps table: the same rows, the IMU's columns identical,
the insole's within the tolerances below. The insole's differ only through
the body weight, which offline analysis estimates from the whole stream and
the live detector from the data seen so far (footfall.stream.insole).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from replay_check import assert_same_rows, replay_steps

from footfall.devices.base import Block, DeviceInfo
from footfall.gait.layouts import layout_for_stream
from footfall.gait.pressure import INSOLE_EXTRA_COLUMNS, analyze_insole_stream
from footfall.model import Recording, SensorKind, Side
from footfall.pipeline import analyze
from footfall.stream import StreamingAnalyzer
from footfall.stream.insole import InsoleStepDetector

MOTICON = Path(__file__).resolve().parents[2] / "shared" / "data" / "moticon_opengo"
needs_moticon = pytest.mark.skipif(
    not MOTICON.is_dir(), reason="../shared/data/moticon_opengo absent"
)

# what the insole gives, and how far live may be from offline (body weight)
TIMES_S = ("ic_s", "to_s")  # the contact levels move events by a fraction of a sample
DURATIONS_MS = ("contact_ms", "stride_ms", "swing_ms")
LOADS_PCT = ("forefoot_load_pct", "lateral_forefoot_load_pct", "cop_ml_index_pct")
PEAKS = tuple(c for c in INSOLE_EXTRA_COLUMNS if c.startswith("peak_")) + ("peak_forefoot_kpa",)
PTIS = tuple(c for c in INSOLE_EXTRA_COLUMNS if c.startswith("pti_"))
INSOLE_COLUMNS = (
    TIMES_S
    + DURATIONS_MS
    + LOADS_PCT
    + PEAKS
    + PTIS
    + ("cadence_spm", "strike_index_pct", "strike_pattern", "loading_rate_bw_s")
)


def assert_insole_columns_close(live: pd.DataFrame, off: pd.DataFrame) -> None:
    """The insole's columns within the stated tolerances (and blank alike)."""
    assert len(live) == len(off)

    def close(cols, atol=0.0, rtol=0.0):
        for c in cols:
            if c not in off.columns:
                continue
            a, b = off[c].to_numpy(float), live[c].to_numpy(float)
            assert np.array_equal(np.isfinite(a), np.isfinite(b)), c
            np.testing.assert_allclose(b, a, atol=atol, rtol=rtol, err_msg=c)

    close(TIMES_S, atol=2.5e-3)  # a quarter of a sample at 100 Hz
    close(DURATIONS_MS, atol=5.0)
    close(("cadence_spm",), rtol=1e-3)
    close(LOADS_PCT, atol=0.05)  # percentage points
    close(("strike_index_pct",), atol=0.05)
    close(PEAKS, rtol=1e-9)  # offsets are offline's exactly: the same stance samples
    close(PTIS, rtol=5e-3)
    close(("loading_rate_bw_s",), rtol=0.08)  # divided by the body weight estimate
    assert list(live["strike_pattern"].fillna("")) == list(off["strike_pattern"].fillna(""))


@pytest.fixture(scope="module")
def fused_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A forefoot loader with foot IMUs and insoles: offline and live steps."""
    from footfall.sim import simulate

    out = tmp_path_factory.mktemp("sim") / "run"
    simulate("forefoot-loader", 1.5, 3, out, sensors=("foot", "insole"))
    return analyze(out).steps, replay_steps(out)


def test_live_fuses_insoles_into_the_foot_rows_as_offline(fused_run) -> None:
    off, live = fused_run
    # one row per contact, merged as offline (no separate insole rows)
    assert list(live["source"]) == list(off["source"])
    assert (off["source"].str.endswith("+insole")).mean() > 0.95
    # what only the IMU gives (its own events kept as *_imu) is identical
    imu_cols = [
        c
        for c in off.columns
        if c not in INSOLE_COLUMNS and c not in ("side", "source") and off[c].notna().any()
    ]
    assert "ic_s_imu" in imu_cols and "stride_length_m" in imu_cols
    assert_same_rows(live, off, min_rows=100, cols=imu_cols)
    assert_insole_columns_close(live, off)
    # the insole metrics the rules need reach the live rows
    assert live["forefoot_load_pct"].notna().mean() > 0.95
    assert live["lateral_forefoot_load_pct"].notna().mean() > 0.95


def insoles_only(rec: Recording) -> Recording:
    return Recording([s for s in rec.streams if s.kind == SensorKind.INSOLE], meta=rec.meta)


@needs_moticon
@pytest.mark.parametrize("name", ["230927_102114", "230927_102137", "230927_102231"])
def test_moticon_insoles_alone_live_equal_offline(name: str) -> None:
    from footfall.io import read_recording

    rec = insoles_only(read_recording(MOTICON / f"{name}.txt"))
    off = analyze(rec).steps
    live = replay_steps(rec)
    assert len(off) >= 10
    assert set(live["source"]) == {"left_insole", "right_insole"}
    assert_insole_columns_close(live, off)


@needs_moticon
def test_moticon_insole_and_its_imu_share_a_clock_live() -> None:
    """The insole and its built-in IMU name one clock: offset zero, as offline."""
    from footfall.io import read_recording

    path = MOTICON / "230927_102137.txt"
    off = analyze(path).steps
    live = replay_steps(read_recording(path))
    assert list(live["source"]) == list(off["source"])
    assert off["source"].str.endswith("+insole").sum() >= 10
    np.testing.assert_array_equal(live["ic_s_imu"].to_numpy(float), off["ic_s_imu"].to_numpy(float))
    assert_insole_columns_close(live, off)


@pytest.fixture(scope="module")
def insole_run(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    from footfall.sim import simulate

    rec, _ = simulate("easy-run", 1.0, 5, sensors=("insole",))
    return rec


def test_an_insole_alone_gives_rows_of_its_own(insole_run: Recording) -> None:
    off = analyze(insole_run).steps
    live = replay_steps(insole_run)
    assert set(live["source"]) == {"left_insole", "right_insole"}
    assert len(live) > 100
    assert_insole_columns_close(live, off)


def test_a_gap_in_an_insole_stream_is_marked_not_filled(insole_run: Recording) -> None:
    left = next(s for s in insole_run.streams if s.side.value == "left")
    t = left.time_s
    lost = (t > 30.0) & (t < 31.5)  # 1.5 s of samples never arrive
    cut = dataclasses.replace(left, time_s=t[~lost], values=left.values[~lost])
    rec = Recording(
        [cut if s is left else s for s in insole_run.streams], meta=dict(insole_run.meta)
    )
    off = analyze(rec).steps
    live = replay_steps(rec)
    assert_insole_columns_close(live, off)
    rows = live[live["side"] == "left"]
    # no contact is made up inside the gap, none spans it
    assert not ((rows["ic_s"] > 30.0) & (rows["ic_s"] < 31.5)).any()
    assert not ((rows["ic_s"] < 30.0) & (rows["to_s"] > 31.5)).any()
    # the stride into the gap is not measured across it
    before = rows[rows["ic_s"] < 30.0].iloc[-1]
    assert np.isnan(before["stride_ms"])
    # the contacts around the gap are there
    assert len(rows) > 0.9 * len(live[live["side"] == "right"])


def test_the_detector_keeps_a_window_not_the_stream(insole_run: Recording) -> None:
    s = insole_run.streams[0]
    n_cells = sum(c.startswith("p") for c in s.columns)
    det = InsoleStepDetector(
        s.fs_hz, s.side, s.columns, layout_for_stream(s.meta, s.side.value, n_cells)
    )
    most, parts = 0, []
    for i in range(0, len(s), 7):
        b = det.push(s.time_s[i : i + 7], s.values[i : i + 7])
        most = max(most, len(det.buf))
        if b is not None:
            parts.append(b.steps)
    last = det.flush()
    if last is not None:
        parts.append(last.steps)
    live = pd.concat(parts, ignore_index=True)
    off = analyze_insole_stream(s).steps
    assert_insole_columns_close(live, off)
    # after the first body weight estimate only seconds of samples are kept
    assert len(s) > 50 * s.fs_hz and most < 20 * s.fs_hz


def test_an_insole_without_a_layout_is_counted_not_analysed() -> None:
    an = StreamingAnalyzer(flags=False)
    info = DeviceInfo(
        "odd-insole",
        SensorKind.INSOLE,
        side=Side.LEFT,
        placement=None,
        fs_hz=100.0,
        columns=tuple(f"p{i}" for i in range(1, 8)),
    )
    an.feed([info])
    t = np.arange(200) / 100.0
    an.feed([Block("odd-insole", t, np.zeros((200, 7)), seq=0, received_s=2.0)])
    d = an.devices["odd-insole"]
    assert d.detector is None and d.problem and "layout" in d.problem
    assert d.samples == 200
    assert len(an.finish()) == 0


def test_the_live_flags_see_the_insole_loads_and_match_offline() -> None:
    """A forefoot loader replayed live: the steps the live flags are evaluated
    on carry the insole's forefoot loads (they are blank with the foot IMUs
    alone), and the flags raised are the offline findings."""
    from footfall.devices.replay import ReplaySource
    from footfall.sim import simulate

    rec, _ = simulate("forefoot-loader", 2.0, 3, sensors=("foot", "insole"))

    def replay(recording: Recording) -> StreamingAnalyzer:
        src = ReplaySource(recording, speed=None)
        an = StreamingAnalyzer()
        src.open()
        while not src.finished:
            an.feed(src.poll())
        an.finish()
        src.close()
        return an

    an = replay(rec)
    window = an.live.window()
    for col in ("forefoot_load_pct", "lateral_forefoot_load_pct", "peak_forefoot_kpa"):
        assert window[col].notna().mean() > 0.95, col
    offline = analyze(rec)
    assert window["forefoot_load_pct"].median() == pytest.approx(
        offline.steps["forefoot_load_pct"].median(), abs=2.0
    )
    raised = {fid for _, fid, on in an.flag_events if on}
    assert {"tight-toe-box-swelling", "mortons-neuroma-pattern"} <= raised
    assert raised == {f.id for f in offline.findings}
    imus = Recording([s for s in rec.streams if s.kind == SensorKind.IMU], meta=rec.meta)
    assert replay(imus).live.window()["forefoot_load_pct"].isna().all()


def test_an_insole_that_stops_does_not_hold_its_foot_imus_rows() -> None:
    """The left insole's battery dies after a minute; the left foot IMU goes
    on. Its rows reach the live summaries as they come (not after the
    240 s a row may wait for its partner), and the steps table is still
    the offline one."""
    import dataclasses

    from footfall.devices.base import Block
    from footfall.devices.replay import ReplaySource
    from footfall.model import SensorKind
    from footfall.sim import simulate
    from footfall.stream.analyzer import SENSOR_STALL_S

    rec, _ = simulate("easy-run", 3.0, 8, sensors=("foot", "insole"))
    streams = []
    for s in rec.streams:
        if s.kind == SensorKind.INSOLE and s.side.value == "left":
            keep = s.time_s < 60.0
            s = dataclasses.replace(s, time_s=s.time_s[keep], values=s.values[keep])
        streams.append(s)
    cut = dataclasses.replace(rec, streams=streams)
    src = ReplaySource(cut, speed=None, frame_ms=100.0)
    an = StreamingAnalyzer()
    src.open()
    behind = []
    while not src.finished:
        events = src.poll()
        an.feed(events)
        t = max((float(e.t_s[-1]) for e in events if isinstance(e, Block)), default=None)
        left = an.rolling._ic[an.rolling._left]
        if t is not None and t > 90.0 and len(left):
            behind.append(t - left.max())
    an.finish()
    src.close()
    # the left rows keep up after the insole stopped: behind by the
    # detector's own delay and the stall time, never by minutes
    assert behind and max(behind) < SENSOR_STALL_S + 10.0
    offline = analyze(cut).steps
    live = an.steps()
    assert len(live) == len(offline)
    np.testing.assert_allclose(live["ic_s"], offline["ic_s"], atol=0.01)
