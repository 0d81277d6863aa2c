"""Bad recordings and careless outputs: each gives exit status 2 and a message
that names the problem, never a traceback, and never loses or replaces data.
Run through the real command line (a subprocess), as a user meets them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from footfall.errors import safe_text
from footfall.io.atomic import atomic_write_text


def _footfall(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "footfall", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def sim_rec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from footfall.sim import simulate

    out = tmp_path_factory.mktemp("hard") / "rec"
    simulate("easy-run", 0.3, 2, out, sensors=("foot",))
    return out


def _copy(sim_rec: Path, tmp_path: Path) -> tuple[Path, dict]:
    folder = tmp_path / "rec"
    shutil.copytree(sim_rec, folder)
    return folder, json.loads((folder / "recording.json").read_text())


def _edit(folder: Path, doc: dict) -> None:
    (folder / "recording.json").write_text(json.dumps(doc))


def _stream_cases(tmp_path: Path) -> dict:
    outside = tmp_path / "outside.csv"
    outside.write_text("time_s,acc_x\n0,1\n")
    return {
        "parent path": ("../outside.csv", "leads outside the recording folder"),
        "absolute path": (str(outside), "leads outside the recording folder"),
        "link out of the folder": ("link.csv", "leads outside the recording folder"),
    }


@pytest.mark.parametrize("case", ["parent path", "absolute path", "link out of the folder"])
def test_stream_files_stay_in_the_recording_folder(sim_rec: Path, tmp_path: Path,
                                                   case: str) -> None:
    folder, doc = _copy(sim_rec, tmp_path)
    name, fragment = _stream_cases(tmp_path)[case]
    if case == "link out of the folder":
        os.symlink(tmp_path / "outside.csv", folder / "link.csv")
    doc["streams"][0]["file"] = name
    _edit(folder, doc)
    r = _footfall("analyze", str(folder))
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr and "Traceback" not in r.stderr
    assert "time_s,acc_x" not in r.stderr + r.stdout  # nothing of the outside file shown


def test_a_stream_listed_twice_is_refused(sim_rec: Path, tmp_path: Path) -> None:
    folder, doc = _copy(sim_rec, tmp_path)
    doc["streams"].append(dict(doc["streams"][0]))
    _edit(folder, doc)
    r = _footfall("analyze", str(folder))
    assert r.returncode == 2 and "name the same file" in r.stderr, r.stderr


def test_two_streams_for_one_foot_and_placement_are_refused(sim_rec: Path,
                                                            tmp_path: Path) -> None:
    folder, doc = _copy(sim_rec, tmp_path)
    first = doc["streams"][0]
    shutil.copy(folder / first["file"], folder / "copy.csv")
    doc["streams"].append({**first, "file": "copy.csv"})
    _edit(folder, doc)
    r = _footfall("analyze", str(folder))
    assert r.returncode == 2, r.stderr
    assert f"two streams are the {first['side']} foot IMU" in r.stderr


@pytest.mark.parametrize("option,target", [("--steps", "stream"), ("--json", "recording.json")])
def test_an_output_never_replaces_an_input(sim_rec: Path, tmp_path: Path, option: str,
                                           target: str) -> None:
    folder, doc = _copy(sim_rec, tmp_path)
    path = folder / (doc["streams"][0]["file"] if target == "stream" else target)
    before = path.read_bytes()
    r = _footfall("analyze", str(folder), option, str(path))
    assert r.returncode == 2 and "one of the inputs" in r.stderr, r.stderr
    assert path.read_bytes() == before
    # a single stream file as input: the same
    r = _footfall("analyze", str(folder / doc["streams"][0]["file"]), "--side", "left",
                  "--steps", str(folder / doc["streams"][0]["file"]))
    assert r.returncode == 2 and "one of the inputs" in r.stderr, r.stderr


def test_outputs_are_replaced_whole_or_not_at_all(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails (here: the rename is refused, as on a full disk or
    a crash before it) leaves the old file as it was and no temporary file."""
    out = tmp_path / "steps.csv"
    out.write_text("old contents\n")

    def refuse(*_a: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        atomic_write_text(out, "new contents\n" * 1000)
    assert out.read_text() == "old contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps.csv"]
    monkeypatch.undo()
    atomic_write_text(out, "new\n")
    assert out.read_text() == "new\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_output_keeps_the_old_file(sim_rec: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "s.json").write_text("{}")
    ro.chmod(0o555)
    try:
        r = _footfall("analyze", str(sim_rec), "--json", str(ro / "s.json"))
    finally:
        ro.chmod(0o755)
    assert r.returncode == 2 and "unchanged" in r.stderr, r.stderr
    assert (ro / "s.json").read_text() == "{}"


def test_simulate_does_not_replace_a_recording_without_force(sim_rec: Path,
                                                             tmp_path: Path) -> None:
    folder, _ = _copy(sim_rec, tmp_path)
    before = (folder / "recording.json").read_bytes()
    r = _footfall("simulate", "--scenario", "easy-run", "--minutes", "0.1", "-o", str(folder))
    assert r.returncode == 2 and "already holds a recording" in r.stderr, r.stderr
    assert (folder / "recording.json").read_bytes() == before
    r = _footfall("simulate", "--scenario", "easy-run", "--minutes", "0.1", "-o", str(folder),
                  "--force")
    assert r.returncode == 0, r.stderr


def test_text_from_devices_and_files_is_made_safe_for_the_terminal() -> None:
    name = "left\x1b]0;pwned\x07\x1b[2J" + "x" * 300
    s = safe_text(name)
    assert "\x1b" not in s and "\x07" not in s and "\\x1b" in s
    assert len(s) <= 200
    assert safe_text("plain name") == "plain name"


def test_the_live_view_escapes_device_names() -> None:
    from footfall.live.view import quality_text

    snap = {"devices": {"left\x1b[2J\x1b]0;x\x07": {"gaps": 0, "missing": 0}}}
    text = quality_text(snap)
    assert "\x1b" not in text and "\x07" not in text and "left\\x1b[2J" in text


def _with(stream, values):
    from footfall.model import Stream

    return Stream(kind=stream.kind, side=stream.side, placement=stream.placement,
                  time_s=stream.time_s, values=values, columns=stream.columns, name=stream.name)


@pytest.fixture(scope="module")
def run_stream():
    from footfall.sim import simulate

    rec, _ = simulate("easy-run", 1.0, 3, sensors=("foot",))
    return rec.streams[0], rec.condition


@pytest.mark.parametrize("bad", [1e20, 1e308, -1e308, float("nan"), float("inf")])
def test_one_impossible_sample_changes_nothing_else(run_stream, bad: float) -> None:
    """One corrupted sample is missing data (bridged like a lost packet, with
    a note), never a value: the steps and their angles are those of the clean
    stream, live as offline."""
    from replay_check import replay_rows

    from footfall.gait.imu import analyze_imu_stream
    from footfall.stream.detector import ImuStepDetector

    stream, cond = run_stream
    clean = analyze_imu_stream(stream, cond).steps
    v = stream.values.copy()
    v[3000, 0] = bad
    s = _with(stream, v)
    res = analyze_imu_stream(s, cond)
    assert any("analysed as missing data" in n for n in res.notes)
    assert len(res.steps) == len(clean)
    np.testing.assert_allclose(np.nanmedian(res.steps["foot_strike_angle_deg"]),
                               np.nanmedian(clean["foot_strike_angle_deg"]), atol=0.2)
    det = ImuStepDetector(s.fs_hz, s.side, "foot")
    live = replay_rows(det, s, 64)
    assert det.n_implausible == 1 and len(live) == len(res.steps)
    np.testing.assert_allclose(live["foot_strike_angle_deg"].to_numpy(float),
                               res.steps["foot_strike_angle_deg"].to_numpy(float), atol=1e-6)


def test_a_clipped_sensor_is_named_in_the_notes(run_stream) -> None:
    """A sensor set to +-2 g and +-250 deg/s clips a running foot's signal:
    the analysis says so, naming the limits (stride length came out half the
    truth with no word)."""
    from footfall.gait.imu import analyze_imu_stream

    stream, cond = run_stream
    v = stream.values.copy()
    v[:, :3] = np.clip(v[:, :3], -2 * 9.80665, 2 * 9.80665)
    v[:, 3:] = np.clip(v[:, 3:], -np.radians(250), np.radians(250))
    res = analyze_imu_stream(_with(stream, v), cond)
    note = next(n for n in res.notes if "saturated" in n)
    assert "2.0 g" in note and "250 deg/s" in note
    assert set(res.info["saturation"]) >= {"acc_z", "gyr_y"}
    assert not any("saturated" in n for n in analyze_imu_stream(stream, cond).notes)


_TEXT = "time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n" + "".join(
    f"{i / 100},0,0,9.8,0,0,0\n" for i in range(300))

BAD_INPUTS = {
    # name: (file name, bytes, option, expected message fragment)
    "rules file in UTF-16": ("r.toml", "[rules.x]\na = 1\n".encode("utf-16"), "--rules",
                             "UTF-16"),
    "rules file binary": ("r.toml", bytes(range(256)), "--rules", "not UTF-8 text"),
    "rules file is a folder": ("dir", None, "--rules", "is a folder"),
    "symptoms in UTF-16": ("s.toml", "side = 'left'\n".encode("utf-16"), "--symptoms",
                           "UTF-16"),
    "symptoms nested too deeply": ("s.json", b"[" * 100000 + b"]" * 100000, "--symptoms",
                                   "nested too deeply"),
    "symptoms with a huge number": ("s.json", b'{"onset_min": ' + b"9" * 5000 + b"}",
                                    "--symptoms", "cannot be read"),
    "missing symptoms": ("none.toml", False, "--symptoms", "no such symptom profile"),
    "stream CSV in UTF-16": ("x.csv", _TEXT.encode("utf-16"), None, "UTF-16"),
    "stream CSV in UTF-32": ("x.csv", _TEXT.encode("utf-32"), None, "UTF-32"),
    "binary stream file": ("x.csv", bytes(range(256)) * 20, None, "binary data"),
    "ragged CSV line": ("x.csv", (_TEXT + "3,1,2\n").encode(), None, "line 302"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_files_exit_2_with_the_problem_named(case: str, tmp_path: Path) -> None:
    name, data, option, fragment = BAD_INPUTS[case]
    target = tmp_path / name
    if data is None:
        target.mkdir()
    elif data is not False:
        target.write_bytes(data)
    if option is None:
        args = ["analyze", str(target), "--side", "left"]
    else:
        args = ["analyze", "sample_data/gaitmap_walk", option, str(target)]
    r = subprocess.run([sys.executable, "-m", "footfall", *args], capture_output=True, text=True,
                       timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 2, (case, r.returncode, r.stderr)
    assert fragment in r.stderr and "Traceback" not in r.stderr, (case, r.stderr)
    assert name in r.stderr, (case, r.stderr)
