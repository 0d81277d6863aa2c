"""A treadmill whose belt speed changes during the run: each step takes the
belt speed (and incline) in effect at its initial contact, offline from the
recording's profile_values.csv and live as the values arrive, and the two
give the same rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footfall.gait.belt import BeltSchedule
from footfall.gait.metrics import stride_length_speed
from footfall.pipeline import analyze

GIVEN_MPS = 3.0
"""condition.speed_mps of the recording (what the recorder writes: the median)."""

# (t_s, profile, speed_mps, incline_pct): the belt starts at 2.5 m/s, goes to
# 3.5 m/s half way, stops near the end; a foot pod's speed is not a belt's
VALUES = [
    (5.0, "treadmill", 2.5, 1.0),
    (30.0, "rsc", 9.9, None),
    (45.0, "treadmill", 3.5, 2.0),
    (80.0, "treadmill", 0.0, 0.0),
]


LATE_S = 0.5
"""How long after its time a value reaches the live analyser in the replay
(less than a row takes to become final: a few strides)."""


def _write_values(
    folder: Path, rows, *, header="t_s,device_id,profile,speed_mps,incline_pct,cadence_per_min"
) -> None:
    lines = [header]
    for t, profile, speed, incline in rows:
        inc = "" if incline is None else repr(incline)
        cad = "88" if profile == "rsc" else ""
        dev = "pod" if profile == "rsc" else "tm"
        lines.append(f"{t!r},{dev},{profile},{speed!r},{inc},{cad}")
    (folder / "profile_values.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = json.loads((folder / "recording.json").read_text(encoding="utf-8"))
    doc["profile_values"] = {"file": "profile_values.csv", "rows": len(rows)}
    doc["condition"] = {"surface": "treadmill", "speed_mps": GIVEN_MPS}
    (folder / "recording.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from footfall.sim import simulate

    out = tmp_path_factory.mktemp("belt") / "run"
    simulate("easy-run-treadmill", 1.5, 7, out, sensors=("foot",))
    _write_values(out, VALUES)
    return out


@pytest.fixture(scope="module")
def offline(run: Path) -> pd.DataFrame:
    return analyze(run).steps


def _live(folder: Path) -> pd.DataFrame:
    """The recording replayed through the streaming analyser, each treadmill
    value given to it with its time once the samples are :data:`LATE_S` past
    it (a live session gets it when it arrives, after the Bluetooth link's
    delay)."""
    from footfall.devices.base import Block
    from footfall.devices.replay import ReplaySource
    from footfall.stream import StreamingAnalyzer

    pending = [v for v in VALUES if v[1] == "treadmill"]
    src = ReplaySource(folder, speed=None)
    an = StreamingAnalyzer(belt_speed_mps=GIVEN_MPS, flags=False)
    src.open()
    fed = 0
    while not src.finished:
        events = src.poll()
        reach = max((float(e.t_s[-1]) for e in events if isinstance(e, Block)), default=None)
        while fed < len(pending) and reach is not None and pending[fed][0] + LATE_S <= reach:
            t, _, speed, incline = pending[fed]
            an.set_belt_speed(speed, t, incline_pct=incline)
            fed += 1
        an.feed(events)
    an.finish()
    src.close()
    assert fed == len(pending)
    return an.steps()


def test_each_step_takes_the_belt_speed_at_its_contact(offline: pd.DataFrame) -> None:
    st = offline[offline["stride_ms"].notna()]
    ic = st["ic_s"].to_numpy()
    stride_s = st["stride_ms"].to_numpy() / 1000.0
    parts = {
        "before the first value": (ic < 5.0, GIVEN_MPS, np.nan),
        "2.5 m/s": ((ic >= 5.0) & (ic < 45.0), 2.5, 1.0),
        "3.5 m/s": ((ic >= 45.0) & (ic < 80.0), 3.5, 2.0),
    }
    for name, (rows, belt, incline) in parts.items():
        assert rows.sum() > 5, name
        np.testing.assert_allclose(st["speed_mps"].to_numpy()[rows], belt, rtol=0, err_msg=name)
        np.testing.assert_allclose(
            st["stride_length_m"].to_numpy()[rows], belt * stride_s[rows], rtol=1e-12, err_msg=name
        )
        np.testing.assert_array_equal(st["incline_pct"].to_numpy()[rows], incline, err_msg=name)
    # the belt stopped: the IMU's own stride length, as overground
    stopped = ic >= 80.0
    assert stopped.sum() > 5
    zupt = st["stride_length_zupt_m"].to_numpy()[stopped]
    np.testing.assert_array_equal(st["stride_length_m"].to_numpy()[stopped], zupt)
    np.testing.assert_allclose(st["speed_mps"].to_numpy()[stopped], zupt / stride_s[stopped])
    np.testing.assert_array_equal(st["incline_pct"].to_numpy()[stopped], 0.0)
    # the ZUPT length (in the belt's frame) is not the belt's
    assert not np.allclose(st["stride_length_zupt_m"], st["stride_length_m"])


def test_without_profile_values_every_step_takes_the_condition_speed(run: Path, tmp_path) -> None:
    import shutil

    plain = tmp_path / "plain"
    shutil.copytree(run, plain)
    doc = json.loads((plain / "recording.json").read_text(encoding="utf-8"))
    del doc["profile_values"]
    (plain / "recording.json").write_text(json.dumps(doc), encoding="utf-8")
    st = analyze(plain).steps
    st = st[st["stride_ms"].notna()]
    np.testing.assert_allclose(st["speed_mps"], GIVEN_MPS, rtol=0)
    assert "incline_pct" not in st.columns


def test_overground_the_treadmill_values_are_not_used(run: Path) -> None:
    st = analyze(run, surface="overground").steps
    st = st[st["stride_ms"].notna()]
    np.testing.assert_array_equal(st["stride_length_m"], st["stride_length_zupt_m"])
    assert "incline_pct" not in st.columns


def test_live_replay_gives_the_offline_rows(run: Path, offline: pd.DataFrame) -> None:
    live = _live(run)
    assert len(live) == len(offline) > 100
    for side in ("left", "right"):
        o = offline[offline["side"] == side].reset_index(drop=True)
        m = live[live["side"] == side].reset_index(drop=True)
        assert len(o) == len(m) > 50, side
        np.testing.assert_allclose(m["ic_s"], o["ic_s"], rtol=0, atol=1e-9)
        for col in ("stride_ms", "stride_length_zupt_m", "stride_length_m", "speed_mps"):
            np.testing.assert_allclose(
                m[col].to_numpy(float), o[col].to_numpy(float), rtol=1e-9, atol=1e-9, err_msg=col
            )
        np.testing.assert_array_equal(m["incline_pct"], o["incline_pct"])
    # the change of speed is in both
    assert set(np.round(live["speed_mps"].dropna(), 6)) >= {2.5, 3.5, GIVEN_MPS}


def test_a_live_value_applies_from_its_time_not_from_when_it_arrived(run: Path) -> None:
    """A value that arrives late (after rows with contacts after its time
    were measured ahead, but before they are final) still gives those rows
    its speed: the detector looks each row's speed up when it emits it."""
    from footfall.io import read_recording
    from footfall.stream import ImuStepDetector

    stream = read_recording(run).streams[0]
    belt = BeltSchedule(fallback_mps=GIVEN_MPS)
    det = ImuStepDetector(stream.fs_hz, stream.side, stream.placement, belt_speed_mps=belt)
    vals = np.column_stack([stream.acc_mps2, stream.gyr_rps])
    rows = []
    n = len(stream)
    # the value's time is 45 s; it arrives when the samples reach 46 s: the
    # rows of contacts after 45 s are not final yet (some measured ahead)
    half = int(np.searchsorted(stream.time_s, 46.0))
    for i in range(0, half, 40):
        b = det.push(stream.time_s[i : i + 40], vals[i : i + 40])
        if b is not None:
            rows.append(b.steps)
    assert not any((r["ic_s"] >= 45.0).any() for r in rows)
    belt.add(45.0, 3.5)  # 1 s late
    for i in range(half, n, 40):
        b = det.push(stream.time_s[i : i + 40], vals[i : i + 40])
        if b is not None:
            rows.append(b.steps)
    b = det.flush()
    if b is not None:
        rows.append(b.steps)
    st = pd.concat(rows, ignore_index=True)
    st = st[st["stride_ms"].notna()]
    later = st["ic_s"].to_numpy() >= 45.0
    assert (later & (st["ic_s"].to_numpy() < 46.0)).sum() >= 1
    np.testing.assert_allclose(st["speed_mps"].to_numpy()[later], 3.5, rtol=0)
    np.testing.assert_allclose(st["speed_mps"].to_numpy()[~later], GIVEN_MPS, rtol=0)


def test_the_schedule_holds_each_value_until_the_next() -> None:
    b = BeltSchedule([1.0, 2.0, 3.0, 4.0], [2.5, None, 0.0, 3.0], [None, 1.0, None, 2.0])
    t = np.array([0.5, 1.0, 1.5, 2.0, 2.9, 3.0, 3.5, 4.0, 9.0, np.nan])
    # no speed at 2.0 (incline only): 2.5 holds; 0 at 3.0: the belt stopped
    np.testing.assert_array_equal(
        b.speed_at(t), [np.nan, 2.5, 2.5, 2.5, 2.5, np.nan, np.nan, 3.0, 3.0, np.nan]
    )
    np.testing.assert_array_equal(
        b.incline_at(t), [np.nan, np.nan, np.nan, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, np.nan]
    )
    np.testing.assert_array_equal(b.with_fallback(2.8).speed_at([0.5, 1.0]), [2.8, 2.5])
    assert b.speed_at(0.5)[0] != b.speed_at(0.5)[0]  # the original keeps no fallback
    # a value arriving out of time order takes its place
    b.add(2.5, 4.0)
    np.testing.assert_array_equal(b.speed_at([2.4, 2.6, 3.1]), [2.5, 4.0, np.nan])
    assert BeltSchedule(fallback_mps=2.0).speed_at([0.0, 100.0]).tolist() == [2.0, 2.0]


def test_stride_length_speed_takes_a_speed_per_row() -> None:
    zupt = np.array([0.3, 2.4, 0.2, 0.25])
    stride = np.array([800.0, 800.0, 700.0, np.nan])
    length, speed, z = stride_length_speed(
        zupt_length_m=zupt, stride_ms=stride, belt_speed_mps=np.array([3.0, np.nan, 0.0, 3.0])
    )
    np.testing.assert_allclose(length[:3], [2.4, 2.4, 0.2])
    np.testing.assert_allclose(speed[:3], [3.0, 3.0, 0.2 / 0.7])
    assert np.isnan(length[3]) and np.isnan(z[3])
    # the same as one speed for every row
    one = stride_length_speed(zupt_length_m=zupt, stride_ms=stride, belt_speed_mps=3.0)
    per_row = stride_length_speed(
        zupt_length_m=zupt, stride_ms=stride, belt_speed_mps=np.full(4, 3.0)
    )
    for a, b in zip(one, per_row, strict=True):
        np.testing.assert_array_equal(a, b)


def _footfall(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "footfall", *args], capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize(
    "problem",
    ["no speed column", "not a number", "fewer rows", "file missing"],
)
def test_a_bad_profile_values_file_exits_2_naming_it(run: Path, tmp_path, problem: str) -> None:
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(run, bad)
    if problem == "no speed column":
        _write_values(bad, VALUES)
        path = bad / "profile_values.csv"
        path.write_text(path.read_text().replace("speed_mps", "speed"), encoding="utf-8")
        said = "no column speed_mps"
    elif problem == "not a number":
        _write_values(bad, [*VALUES[:2], (45.0, "treadmill", "fast", 2.0)])
        path = bad / "profile_values.csv"
        path.write_text(path.read_text().replace("'fast'", "fast"), encoding="utf-8")
        said = "line 4: speed_mps is 'fast', not a number"
    elif problem == "fewer rows":
        path = bad / "profile_values.csv"
        path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n", encoding="utf-8")
        said = "holds 3 value rows, but recording.json says 4"
    else:
        (bad / "profile_values.csv").unlink()
        said = "it is not there"
    r = _footfall("analyze", str(bad))
    assert r.returncode == 2, r.stderr
    assert "profile_values.csv" in r.stderr and said in r.stderr, r.stderr
    assert "Fix:" in r.stderr and "Traceback" not in r.stderr


def test_footfall_live_replay_of_a_treadmill_run(
    run: Path, offline: pd.DataFrame, tmp_path
) -> None:
    """``footfall live --replay`` of a recording with profile_values.csv: the
    replay hands the values to the session as it reaches their time, as a
    treadmill would; the live steps are the offline rows, and the new
    recording carries the same values (so its own analysis is the same)."""
    r = _footfall(
        "live", "--replay", str(run), "--speed", "0", "--no-view", "-o", str(tmp_path / "out")
    )
    assert r.returncode == 0, r.stderr
    from footfall.live.session import LIVE_STEPS_FILE

    live = pd.read_csv(tmp_path / "out" / LIVE_STEPS_FILE)
    assert len(live) == len(offline) > 100
    for side in ("left", "right"):
        o = offline[offline["side"] == side].reset_index(drop=True)
        m = live[live["side"] == side].reset_index(drop=True)
        np.testing.assert_allclose(m["ic_s"], o["ic_s"], rtol=0, atol=1e-6)
        for col in ("stride_length_m", "speed_mps", "incline_pct"):
            np.testing.assert_allclose(
                m[col].to_numpy(float), o[col].to_numpy(float), rtol=1e-6, err_msg=col
            )
    src = pd.read_csv(run / "profile_values.csv").sort_values("t_s", kind="stable")
    out = pd.read_csv(tmp_path / "out" / "profile_values.csv")
    pd.testing.assert_frame_equal(
        out.reset_index(drop=True), src.reset_index(drop=True), check_dtype=False
    )
    again = analyze(tmp_path / "out").steps
    np.testing.assert_allclose(again["stride_length_m"], offline["stride_length_m"], rtol=1e-6)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_rewriting_a_recording_keeps_its_treadmill_values(
    run: Path, offline, tmp_path, fmt
) -> None:
    """write_recording (footfall convert) of a recording with
    profile_values.csv copies the file: nothing recorded is left behind."""
    from footfall.io import read_recording, write_recording

    write_recording(read_recording(run), tmp_path / "copy", fmt)
    assert (tmp_path / "copy" / "profile_values.csv").read_bytes() == (
        run / "profile_values.csv"
    ).read_bytes()
    again = analyze(tmp_path / "copy").steps
    np.testing.assert_allclose(again["stride_length_m"], offline["stride_length_m"], rtol=1e-9)
    np.testing.assert_array_equal(again["incline_pct"], offline["incline_pct"])


def test_footfall_convert_keeps_the_treadmill_values(run: Path, offline, tmp_path) -> None:
    r = _footfall("convert", str(run), str(tmp_path / "pq"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "pq" / "profile_values.csv").read_bytes() == (
        run / "profile_values.csv"
    ).read_bytes()
    again = analyze(tmp_path / "pq").steps
    np.testing.assert_allclose(again["stride_length_m"], offline["stride_length_m"], rtol=1e-9)
