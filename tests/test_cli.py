"""Tests of the ``footfall`` command.

Three layers:

- the real command in a subprocess (``python -m footfall``) for what needs no
  recording: ``--help``, bad paths, bad options;
- ``main()`` in-process with the pipeline replaced by a fixed analysis, to pin
  down outputs and exit codes without depending on gait detection;
- the real command on real files (a synthetic recording written with
  ``footfall.io.write_recording``, a broken CSV, the sample recording): skipped
  until the reader and the foot-IMU pipeline can be imported.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from footfall import cli
from footfall.errors import FootfallError, RecordingError
from footfall.model import G_MPS2, IMU_COLUMNS, STEP_COLUMNS, Recording, Stream, conform_steps
from footfall.pipeline import Analysis
from footfall.summary import summarize

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "gaitmap_walk"
SUMMARY_KEYS = {
    "duration_s",
    "n_steps",
    "n_steps_left",
    "n_steps_right",
    "cadence_spm",
    "metrics",
    "drift",
    "findings",
}


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m footfall ARGS`` with the package importable from src/."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "CLICOLOR_FORCE")
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    return subprocess.run(
        [sys.executable, "-m", "footfall", *args],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_user_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "footfall: error:" in proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in proc.stderr


# --------------------------------------------------------------------------
# subprocess: help, bad paths, bad options
# --------------------------------------------------------------------------


def test_help_lists_commands_and_examples():
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "analyze" in proc.stdout and "examples:" in proc.stdout


def test_analyze_help_shows_options_and_examples():
    proc = run_cli("analyze", "--help")
    assert proc.returncode == 0
    for text in (
        "--steps",
        "--json",
        "--side",
        "--placement",
        "--acc-unit",
        "--gyr-unit",
        "--surface",
        "--speed",
        "--debug",
        "examples:",
        "exit codes",
    ):
        assert text in proc.stdout


def test_nonexistent_path_is_a_user_error(tmp_path):
    missing = tmp_path / "no_such_run"
    proc = run_cli("analyze", str(missing))
    assert_user_error(proc, str(missing))
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "x", "--side", "middle"],
        ["analyze", "x", "--speed", "fast"],
        ["analyze", "x", "--speed", "-3"],
        ["analyze"],
        ["analyze", "x", "--no-such-option"],
        [],
        ["dance"],
    ],
)
def test_bad_arguments_are_user_errors(args):
    proc = run_cli(*args)
    assert_user_error(proc)
    assert "usage:" in proc.stderr


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("footfall ")


# --------------------------------------------------------------------------
# in-process: main() with a fixed analysis
# --------------------------------------------------------------------------


def fixed_analysis() -> Analysis:
    """A two-sided run, 60 steps, left contact longer than right."""
    n = 60
    k = np.arange(n)
    left = k % 2 == 0
    steps = conform_steps(
        pd.DataFrame(
            {
                "side": np.where(left, "left", "right"),
                "ic_s": 0.36 * k,
                "contact_ms": np.where(left, 240.0, 220.0),
                "cadence_spm": 166.0,
                "stride_length_m": 2.1,
                "foot_strike_angle_deg": 12.0,
                "strike_pattern": "rearfoot",
            }
        )
    )
    return Analysis(
        recording=Recording(streams=[], source="fixed-run"),
        steps=steps,
        summary=summarize(steps, duration_s=22.0),
        notes=["right foot: a note with [brackets]"],
    )


@pytest.fixture
def fake_pipeline(monkeypatch):
    """Replace footfall.pipeline.analyze; record how it was called."""
    calls: list[tuple[Any, dict[str, Any]]] = []
    state: dict[str, Any] = {"result": fixed_analysis()}

    def analyze(recording: Any, **options: Any) -> Analysis:
        calls.append((recording, options))
        if isinstance(state["result"], BaseException):
            raise state["result"]
        return state["result"]

    monkeypatch.setattr("footfall.pipeline.analyze", analyze)
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(var, raising=False)
    return calls, state


@pytest.fixture
def run_file(tmp_path) -> Path:
    path = tmp_path / "run.csv"
    path.write_text("time_s\n0\n")
    return path


def test_readable_summary_has_sides_asymmetry_and_no_escape_codes(fake_pipeline, run_file, capsys):
    assert cli.main(["analyze", str(run_file)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "\x1b[" not in out
    assert "fixed-run" in out
    assert "Contact time" in out and "240" in out and "220" in out
    # 100 * (240 - 220) / 230 = 8.7 %, left higher
    assert "left +8.7 %" in out
    assert "Stride length" in out and "2.10" in out
    assert "[brackets]" in out


def test_read_options_are_passed_to_the_reader(fake_pipeline, run_file):
    calls, _ = fake_pipeline

    def read_options(call: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
        # the symptoms and rules go to the analysis too, read before it
        assert call[1]["symptoms"] is None and call[1]["rules"] is not None
        return {k: v for k, v in call[1].items() if k not in ("symptoms", "rules")}

    assert cli.main(["analyze", str(run_file)]) == 0
    assert calls[-1][0] == run_file and read_options(calls[-1]) == {}
    argv = [
        "analyze",
        str(run_file),
        "--side",
        "left",
        "--placement",
        "shank",
        "--acc-unit",
        "g",
        "--gyr-unit",
        "deg/s",
        "--surface",
        "treadmill",
        "--speed",
        "3.2",
    ]
    assert cli.main(argv) == 0
    assert read_options(calls[-1]) == {
        "side": "left",
        "placement": "shank",
        "acc_unit": "g",
        "gyr_unit": "deg/s",
        "surface": "treadmill",
        "speed_mps": 3.2,
    }


def test_json_to_stdout_is_pure_json(fake_pipeline, run_file, capsys):
    assert cli.main(["analyze", str(run_file), "--json", "-"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert SUMMARY_KEYS <= set(doc)
    assert doc["n_steps"] == 60 and doc["metrics"]["contact_ms"]["left"] == 240.0
    assert doc["source"] == "fixed-run"
    assert doc["notes"] == ["right foot: a note with [brackets]"]
    assert err == ""


def test_json_and_steps_files(fake_pipeline, run_file, tmp_path, capsys):
    js, csv = tmp_path / "summary.json", tmp_path / "steps.csv"
    assert cli.main(["analyze", str(run_file), "--json", str(js), "--steps", str(csv)]) == 0
    out, _ = capsys.readouterr()
    assert "Contact time" in out and str(csv) in out
    doc = json.loads(js.read_text())
    assert SUMMARY_KEYS <= set(doc)
    steps = pd.read_csv(csv)
    assert list(steps.columns[: len(STEP_COLUMNS)]) == list(STEP_COLUMNS)
    assert len(steps) == 60
    assert steps["contact_ms"].iloc[0] == 240.0


def test_steps_to_stdout(fake_pipeline, run_file, capsys):
    assert cli.main(["analyze", str(run_file), "--steps", "-"]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[0].split(",")[: len(STEP_COLUMNS)] == list(STEP_COLUMNS)
    assert len(out.splitlines()) == 61


def test_both_outputs_on_stdout_is_a_user_error(fake_pipeline, run_file, capsys):
    assert cli.main(["analyze", str(run_file), "--json", "-", "--steps", "-"]) == 2
    assert "standard output" in capsys.readouterr().err


def test_output_into_missing_folder_fails_before_analysis(
    fake_pipeline, run_file, tmp_path, capsys
):
    calls, _ = fake_pipeline
    target = tmp_path / "nope" / "steps.csv"
    assert cli.main(["analyze", str(run_file), "--steps", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footfall: error:") and str(target) in err
    assert calls == []


def test_footfall_error_exits_2_without_traceback(fake_pipeline, run_file, capsys):
    _, state = fake_pipeline
    state["result"] = RecordingError(
        "column 'acc_z' is missing", path="run.csv", fix="name the columns time_s, acc_x, ..."
    )
    assert cli.main(["analyze", str(run_file)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footfall: error: run.csv: column 'acc_z' is missing")
    assert "Fix: name the columns" in err
    assert "Traceback" not in err


def test_internal_error_exits_1_with_one_line_and_hint(fake_pipeline, run_file, capsys):
    _, state = fake_pipeline
    state["result"] = RuntimeError("boom\nsecond line")
    assert cli.main(["analyze", str(run_file)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "footfall: internal error: RuntimeError: boom",
        "run with --debug for the traceback",
    ]


def test_debug_shows_the_traceback(fake_pipeline, run_file, capsys):
    _, state = fake_pipeline
    state["result"] = RuntimeError("boom")
    assert cli.main(["analyze", str(run_file), "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: boom" in err
    state["result"] = FootfallError("bad input")
    assert cli.main(["--debug", "analyze", str(run_file)]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_empty_analysis_is_reported_not_an_error(fake_pipeline, run_file, capsys):
    _, state = fake_pipeline
    empty = conform_steps(pd.DataFrame({"side": [], "ic_s": []}))
    state["result"] = Analysis(
        recording=Recording(streams=[], source="still"),
        steps=empty,
        summary=summarize(empty, duration_s=10.0),
        notes=["left foot: no gait: the sensor never swings"],
    )
    assert cli.main(["analyze", str(run_file)]) == 0
    out = capsys.readouterr().out
    assert "No steps" in out and "never swings" in out


# --------------------------------------------------------------------------
# real files through the real pipeline
# --------------------------------------------------------------------------


def _pipeline_missing() -> str | None:
    for name in ("footfall.io", "footfall.gait.imu"):
        try:
            importlib.import_module(name)
        except ImportError as e:
            return f"{name} cannot be imported yet ({e})"
    io = importlib.import_module("footfall.io")
    for name in ("read_recording", "write_recording"):
        if not hasattr(io, name):
            return f"footfall.io has no {name} yet"
    return None


_MISSING = _pipeline_missing()
needs_pipeline = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")


def synth_foot_imu(
    duration_s: float = 40.0,
    fs_hz: float = 200.0,
    stride_s: float = 0.72,
    stride_m: float = 2.16,
    phase: float = 0.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Foot IMU of steady running at ``stride_m / stride_s`` m/s.

    Sensor axes = foot axes (x forward, y left, z up). The foot pitch follows a
    smooth stride profile (toes up at contact, flat in stance, toes down at
    toe-off); the position is still in stance and moves one stride in swing.
    Returns time (s), acc (m/s^2) and gyr (rad/s).
    """
    from scipy.interpolate import PchipInterpolator

    rng = np.random.default_rng(seed)
    t = np.arange(0.0, duration_s, 1.0 / fs_hz)
    dt = 1.0 / fs_hz
    knots = np.array([0.0, 0.06, 0.22, 0.35, 0.45, 0.65, 0.9, 1.0])
    pitch = np.deg2rad([15.0, 0.0, 0.0, -40.0, -65.0, -10.0, 20.0, 15.0])
    cycles = t / stride_s + phase
    ph = cycles % 1.0
    theta = PchipInterpolator(knots, pitch)(ph)
    u = np.clip((ph - 0.35) / 0.65, 0.0, 1.0)
    x = (np.floor(cycles) + 3 * u**2 - 2 * u**3) * stride_m
    z = 0.12 * np.sin(np.pi * u) ** 2
    ax = np.gradient(np.gradient(x, dt), dt)
    since_ic = ph * stride_s
    az = np.gradient(np.gradient(z, dt), dt) + 60.0 * np.exp(-since_ic / 0.012) * np.sin(
        2 * np.pi * 25 * since_ic
    )
    c, s = np.cos(theta), np.sin(theta)
    fx, fz = ax, az + G_MPS2
    acc = np.column_stack([c * fx + s * fz, np.zeros_like(t), -s * fx + c * fz])
    gyr = np.column_stack([np.zeros_like(t), -np.gradient(theta, dt), np.zeros_like(t)])
    acc += rng.normal(0.0, 0.05, acc.shape)
    gyr += rng.normal(0.0, 0.01, gyr.shape)
    return t, acc, gyr


def synthetic_recording() -> Recording:
    streams = []
    for side, phase in (("left", 0.0), ("right", 0.5)):
        t, acc, gyr = synth_foot_imu(phase=phase, seed=1 if side == "left" else 2)
        streams.append(
            Stream(
                kind="imu",
                side=side,
                placement="foot",
                time_s=t,
                values=np.hstack([acc, gyr]),
                columns=IMU_COLUMNS,
                name=f"{side}_foot",
            )
        )
    return Recording(
        streams=streams,
        meta={"format": "footfall-recording/1", "condition": {"surface": "overground"}},
    )


@pytest.fixture
def recording_dir(tmp_path) -> Path:
    from footfall.io import write_recording

    folder = tmp_path / "myrun"
    write_recording(synthetic_recording(), folder)
    return folder


def stream_files(folder: Path) -> list[Path]:
    meta = json.loads((folder / "recording.json").read_text())
    return [folder / s["file"] for s in meta["streams"]]


@needs_pipeline
def test_recording_folder_readable_summary(recording_dir):
    proc = run_cli("analyze", str(recording_dir))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout  # piped: plain text
    assert "Contact time" in proc.stdout and "Cadence" in proc.stdout
    assert "Traceback" not in proc.stderr


@needs_pipeline
def test_recording_folder_json_to_stdout(recording_dir):
    proc = run_cli("analyze", str(recording_dir), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert SUMMARY_KEYS <= set(doc)
    assert doc["n_steps"] > 0
    assert doc["n_steps_left"] > 0 and doc["n_steps_right"] > 0
    assert doc["duration_s"] == pytest.approx(40.0, abs=0.1)


@needs_pipeline
def test_recording_folder_steps_csv(recording_dir, tmp_path):
    out = tmp_path / "steps.csv"
    proc = run_cli("analyze", str(recording_dir), "--steps", str(out))
    assert proc.returncode == 0, proc.stderr
    steps = pd.read_csv(out)
    assert list(steps.columns[: len(STEP_COLUMNS)]) == list(STEP_COLUMNS)
    assert len(steps) > 0
    assert set(steps["side"]) == {"left", "right"}
    assert steps["ic_s"].is_monotonic_increasing


@needs_pipeline
def test_broken_stream_csv_in_folder_names_the_file(recording_dir):
    broken = stream_files(recording_dir)[0]
    broken.write_text(
        "time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n0.0,oops,1,2,3,4,5\n0.005,1,1,2,3,4,5\n"
    )
    proc = run_cli("analyze", str(recording_dir))
    assert_user_error(proc, broken.name)


@needs_pipeline
def test_broken_single_csv_names_the_file(tmp_path):
    broken = tmp_path / "garbage.csv"
    broken.write_text("this is not,a stream\nat all\n")
    proc = run_cli("analyze", str(broken), "--side", "left")
    assert_user_error(proc, "garbage.csv")


@needs_pipeline
def test_single_stream_csv_with_unit_options(tmp_path):
    t, acc, gyr = synth_foot_imu()
    path = tmp_path / "left_foot.csv"
    table = pd.DataFrame(np.hstack([acc / G_MPS2, np.rad2deg(gyr)]), columns=list(IMU_COLUMNS))
    table.insert(0, "time_s", t)
    table.to_csv(path, index=False)
    proc = run_cli(
        "analyze",
        str(path),
        "--side",
        "left",
        "--placement",
        "foot",
        "--acc-unit",
        "g",
        "--gyr-unit",
        "deg/s",
        "--json",
        "-",
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["n_steps_left"] > 0 and doc["n_steps_right"] == 0
    # units converted: the synthetic runner strides 2.16 m every 0.72 s
    assert doc["metrics"]["stride_length_m"]["median"] == pytest.approx(2.16, rel=0.2)


@needs_pipeline
@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"sample recording {SAMPLE} not present")
def test_sample_recording():
    proc = run_cli("analyze", str(SAMPLE.relative_to(REPO)), "--json", "-")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert SUMMARY_KEYS <= set(doc)
    assert doc["n_steps"] > 0


def test_progress_shows_on_a_terminal_and_nothing_when_piped() -> None:
    """footfall analyze draws a progress bar on standard error when that is a
    terminal (a real pty here) and writes nothing extra when it is piped."""
    from pty_run import stderr_on_a_terminal

    sample = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"
    piped = subprocess.run(
        [sys.executable, "-m", "footfall", "analyze", str(sample)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0 and piped.stderr == ""
    code, seen = stderr_on_a_terminal(["analyze", str(sample)])
    assert code == 0
    assert b"analysing" in seen or b"reading" in seen


def test_simulate_shows_progress_on_a_terminal_only(tmp_path) -> None:
    from pty_run import stderr_on_a_terminal

    piped = subprocess.run(
        [sys.executable, "-m", "footfall", "simulate", "-m", "0.3", "-o", str(tmp_path / "a")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0 and piped.stderr == ""
    code, seen = stderr_on_a_terminal(["simulate", "-m", "0.3", "-o", str(tmp_path / "b")])
    assert code == 0
    assert b"simulating" in seen or b"planning the run" in seen
