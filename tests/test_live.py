"""``footfall live``: replay and emulated boards through the whole session,
driven as a user would (a subprocess), plus the view and the metronome."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footfall.live.metronome import Metronome, beats_between
from footfall.live.view import big_text, render, status_line

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"


def footfall(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "footfall", *args], capture_output=True, text=True, timeout=600, **kw
    )


def test_live_replay_headless_records_and_matches_offline(tmp_path: Path) -> None:
    out = tmp_path / "cap"
    r = footfall(
        "live",
        "--replay",
        str(SAMPLE),
        "-o",
        str(out),
        "--speed",
        "0",
        "--no-view",
        "--every",
        "0.2",
    )
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("t ")]
    assert len(lines) >= 2 and "cadence" in lines[-1] and "balance" in lines[-1]
    # the capture folder holds a readable recording, the live steps and summary
    offline = footfall("analyze", str(SAMPLE), "--steps", str(tmp_path / "off.csv"))
    assert offline.returncode == 0, offline.stderr
    off = pd.read_csv(tmp_path / "off.csv")
    live = pd.read_csv(out / "live_steps.csv")
    assert len(live) == len(off)
    np.testing.assert_allclose(live["ic_s"], off["ic_s"], atol=1 / 204.8)
    doc = json.loads((out / "live_summary.json").read_text())
    assert doc["summary"]["n_steps"] == len(off)
    again = footfall("analyze", str(out), "--steps", str(tmp_path / "again.csv"))
    assert again.returncode == 0, again.stderr
    assert len(pd.read_csv(tmp_path / "again.csv")) == len(off)


@pytest.mark.parametrize(
    "args, fix",
    [
        ((), "--serial PORT"),
        (("--replay", "no/such/folder", "-o", "x"), "recording folder"),
        (("--replay", str(SAMPLE)), "-o DIR"),
        (("--replay", str(SAMPLE), "-o", "x", "--metronome"), "--target-cadence"),
        (("--serial", "/dev/none", "--replay", str(SAMPLE), "-o", "x"), "not both"),
    ],
)
def test_bad_options_exit_2_without_traceback(args: tuple, fix: str, tmp_path: Path) -> None:
    r = footfall("live", *args, cwd=tmp_path)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and fix in r.stderr


def test_a_port_that_cannot_open_is_a_user_error_and_leaves_no_folder(tmp_path: Path) -> None:
    out = tmp_path / "cap"
    r = footfall("live", "--serial", str(tmp_path / "no-such-port"), "-o", str(out), "--no-view")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "no-such-port" in r.stderr
    assert not out.exists()


def test_live_existing_capture_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "cap"
    assert (
        footfall(
            "live", "--replay", str(SAMPLE), "-o", str(out), "--speed", "0", "--no-view"
        ).returncode
        == 0
    )
    r = footfall("live", "--replay", str(SAMPLE), "-o", str(out), "--speed", "0", "--no-view")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_live_from_the_emulator_over_a_pty(tmp_path: Path) -> None:
    """A simulated board on a real pseudo-terminal, read by ``footfall live
    --serial`` in its own process, stopped with Ctrl-C (SIGINT)."""
    from footfall.devices.emulator import Emulator, streams_from_recording
    from footfall.sim.core import simulate
    from footfall.sim.params import PROFILES

    prof = dataclasses.replace(
        PROFILES["typical"], imu_fs_hz=400.0, insole_fs_hz=100.0, jitter_ms=0.0
    )
    rec, _ = simulate("easy-run", 0.5, 3, profile=prof, sensors=("foot", "insole"))
    # real time: live blocks carry host receive times, so a faster emulator
    # would compress the live time axis (the recording keeps device time)
    emu = Emulator(streams_from_recording(rec), speed=1.0, seed=1)
    path = emu.start()
    out = tmp_path / "cap"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "footfall",
            "live",
            "--serial",
            str(path),
            "-o",
            str(out),
            "--no-view",
            "--every",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        emu.join(timeout_s=300)
        assert emu.done.is_set()
        time.sleep(1.0)  # let the last frames be read before stopping
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        emu.stop()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert "recorded" in stdout
    live = pd.read_csv(out / "live_steps.csv")
    off = footfall("analyze", str(out), "--steps", str(tmp_path / "off.csv"))
    assert off.returncode == 0, off.stderr
    offline = pd.read_csv(tmp_path / "off.csv")
    assert len(live) > 50
    for side in ("left", "right"):
        n_live = int((live["side"] == side).sum())
        n_off = int((offline["side"] == side).sum())
        assert abs(n_live - n_off) <= 2, side
    assert abs(live["cadence_spm"].median() - offline["cadence_spm"].median()) < 1.0


# ------------------------------------------------------------- view


@pytest.fixture(scope="module")
def snapshot() -> dict:
    from footfall.devices.replay import ReplaySource
    from footfall.stream import StreamingAnalyzer

    src = ReplaySource(SAMPLE, speed=None)
    an = StreamingAnalyzer()
    src.open()
    while not src.finished:
        an.feed(src.poll())
    an.finish()
    return an.snapshot()


def test_status_line_and_view_show_the_rolling_values(snapshot: dict) -> None:
    cad = snapshot["last_steps"]["metrics"]["cadence_spm"]["median"]
    line = status_line(snapshot, target_spm=170)
    assert f"cadence {cad:.1f} spm (target 170, {cad - 170:+.0f})" in line
    assert "replay-left-foot" in line and "flags: -" in line
    from rich.console import Console

    console = Console(record=True, width=120, color_system=None)
    console.print(render(snapshot, target_spm=170, metronome="170 bpm, silent"))
    text = console.export_text()
    assert big_text(f"{cad:.0f}").splitlines()[0].strip() in text
    assert "target 170" in text and "no flags" in text and "metronome: 170 bpm" in text


def test_big_text_digits_are_five_rows() -> None:
    rows = big_text("170").splitlines()
    assert len(rows) == 5 and rows[0].startswith(" \u2588")


# -------------------------------------------------------- metronome


def test_beats_between_counts_each_beat_once() -> None:
    # 120 bpm: a beat every 0.5 s from t = 10
    assert beats_between(10.0, 9.0, 10.0, 120) == 1
    assert beats_between(10.0, 10.0, 12.0, 120) == 4
    total = sum(beats_between(10.0, a, a + 0.1, 120) for a in np.arange(9.0, 20.0, 0.1))
    assert total == beats_between(10.0, 9.0, 20.0 + 1e-9, 120) == 21


def test_metronome_degrades_without_terminal_or_audio() -> None:
    try:
        import sounddevice  # noqa: F401

        pytest.skip("an audio backend is installed here")
    except Exception:
        pass
    m = Metronome(170, out=io.StringIO())
    assert m.backend == "silent" and "no terminal" in m.note
    m.beat()
    assert m.beats == 1


def test_metronome_bell_and_failure_fallback() -> None:
    out = io.StringIO()
    m = Metronome(170, backend="bell", out=out)
    m.beat()
    m.beat()
    assert out.getvalue() == "\a\a"
    out.close()  # the terminal goes away: no exception, the metronome goes silent
    m.beat()
    assert m.backend == "silent" and "failed" in m.note


# ------------------------------------------- the final build on a terminal


def _on_a_terminal(args: list[str], cwd: Path) -> tuple[int, bytes]:
    """Standard output and standard error on one pseudo-terminal."""
    from pty_run import on_a_terminal

    return on_a_terminal(args, both=True, cwd=cwd, timeout_s=120.0)


def test_live_shows_the_final_build_on_a_terminal_after_the_view_and_nothing_when_piped(
    tmp_path: Path,
) -> None:
    """On stop the recording is built from the capture log: on a terminal a
    progress bar shows it, drawn after the live view has closed (the view's
    last frame, then the bar, never the view again); piped, nothing but the
    status lines and the closing line."""
    code, seen = _on_a_terminal(
        ["live", "--replay", str(SAMPLE), "-o", "cap", "--speed", "0"], cwd=tmp_path
    )
    assert code == 0, seen.decode(errors="replace")[-2000:]
    assert b"data quality" in seen  # the view was drawn
    bar = seen.find(b"writing the recording")
    assert bar != -1 and b"writing replay-" in seen[bar:]  # a device being written
    assert seen.rfind(b"data quality") < bar  # no frame of the view after the bar
    assert b"recorded cap: " in seen[bar:]
    assert (tmp_path / "cap" / "recording.json").exists()

    r = footfall("live", "--replay", str(SAMPLE), "-o", "piped", "--speed", "0", cwd=tmp_path)
    assert r.returncode == 0 and r.stderr == ""
    assert "writing" not in r.stdout and "\x1b" not in r.stdout
    assert r.stdout.splitlines()[-1].startswith("recorded piped: ")
    assert (tmp_path / "piped" / "recording.json").exists()


def test_live_flags_weigh_the_symptom_profile_as_offline(tmp_path: Path) -> None:
    """A low-cadence run replayed with a symptom profile: the live flag is the
    rules' finding on sensors and symptoms both, as ``footfall analyze`` gives."""
    from footfall.sim import simulate

    simulate("low-cadence-overstride", 3.0, 3, tmp_path / "run", sensors=("foot",))
    prof = tmp_path / "symptoms.toml"
    prof.write_text('format = "footfall-symptoms/1"\nfoot = "both"\nonset_min = 20\n')
    common = ("--speed", "0", "--no-view", "--every", "5")
    r = footfall(
        "live", "--replay", str(tmp_path / "run"), "-o", str(tmp_path / "cap"), *common,
        "--symptoms", str(prof),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "cap" / "live_summary.json").read_text())
    assert {e["flag"] for e in doc["flag_events"] if e["on"]} >= {"low-cadence"}
    at_end = {f["id"]: f for f in doc["flags_at_end"]}
    off = footfall("analyze", str(tmp_path / "run"), "--symptoms", str(prof), "--json", "-")
    assert off.returncode == 0, off.stderr
    offline = {f["id"]: f for f in json.loads(off.stdout)["findings"]}
    assert at_end["low-cadence"]["basis"] == offline["low-cadence"]["basis"] == "both"
    assert at_end["low-cadence"]["severity"] == offline["low-cadence"]["severity"]
    # a bad profile is a user error before anything is captured
    prof.write_text("foot = \n")
    bad = footfall(
        "live", "--replay", str(tmp_path / "run"), "-o", str(tmp_path / "cap2"), *common,
        "--symptoms", str(prof),
    )  # fmt: skip
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "symptoms.toml" in bad.stderr
    assert not (tmp_path / "cap2").exists()


def test_the_view_shows_each_flag_with_its_evidence() -> None:
    """A low-cadence run replayed live: the flags panel names the rule and
    what it saw (the finding's evidence, cadence value included)."""
    from rich.console import Console

    from footfall.devices.replay import ReplaySource
    from footfall.sim import simulate
    from footfall.stream import StreamingAnalyzer

    rec, _ = simulate("low-cadence-overstride", 2.5, 3, sensors=("foot",))
    src = ReplaySource(rec, speed=None, frame_ms=250.0)
    an = StreamingAnalyzer()
    src.open()
    while not src.finished:
        an.feed(src.poll())
    src.close()
    snap = an.snapshot()
    assert "low-cadence" in snap["flags"]
    said = snap["flag_evidence"]["low-cadence"]
    cad = an.live.summary(an.t_s)["metrics"]["cadence_spm"]["median"]  # the flags' window
    assert f"cadence {cad:.1f} steps/min (< " in said and "last 2 min" in said
    console = Console(record=True, width=200, color_system=None)
    console.print(render(snap))
    text = console.export_text()
    assert snap["flag_titles"]["low-cadence"] in text and said[:40] in text
    assert "no flags" not in text
