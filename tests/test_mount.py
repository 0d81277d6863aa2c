"""Mounting presets: a user who knows how the foot sensor sits on the shoe
says so (``--mount``, or ``"mount"`` in recording.json), and the foot's long
axis is then the sensor's axis instead of the one found from the heel rise.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from footfall.errors import FootfallError
from footfall.gait.imu import analyze_imu_stream
from footfall.io import read_recording
from footfall.model import MOUNT_PRESETS, parse_mount
from footfall.sim import simulate
from footfall.sim.sensors import foot_mounting


def test_presets_and_axis_forms_parse() -> None:
    assert np.array_equal(parse_mount("laces"), [1.0, 0.0, 0.0])
    assert np.array_equal(parse_mount("heel"), [0.0, 0.0, -1.0])
    assert np.array_equal(parse_mount(" Toes=-Y "), [0.0, -1.0, 0.0])
    assert parse_mount(None) is None and parse_mount("") is None
    for bad in ("shoelace", "toes=x", "toes=+w", "toes=", "+x"):
        with pytest.raises(ValueError, match="laces"):
            parse_mount(bad)
    assert set(MOUNT_PRESETS) == {"laces", "lateral", "medial", "heel"}


@pytest.fixture(scope="module")
def sim_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mount") / "run"
    # the sensor on the laces, turned 25 deg about the vertical against the shoe
    # (a pod clipped on askew) and pitched as the laces are
    rot = (
        np.array(
            [
                [np.cos(np.radians(25)), -np.sin(np.radians(25)), 0.0],
                [np.sin(np.radians(25)), np.cos(np.radians(25)), 0.0],
                [0.0, 0.0, 1.0],
            ]
        )
        @ foot_mounting("laces", True, 0.27, np.random.default_rng(0))[0]
    )
    simulate("easy-run", 1.0, 5, out, sensors=("foot",), mounting=rot)
    return out


def test_a_given_mount_sets_the_long_axis_and_reports_its_offset(sim_run: Path) -> None:
    """toes=+x on a sensor turned 25 deg on the shoe: the foot frame's forward
    axis is the sensor's x, levelled (not the foot's own), and the stream's
    details give the 25 deg between it and the heel rise's axis, with a
    note; without the mount the data's axis is used."""
    rec = read_recording(sim_run)
    for stream in rec.streams:
        found = analyze_imu_stream(stream, rec.condition)
        stream.meta["mount"] = "toes=+x"
        given = analyze_imu_stream(stream, rec.condition)
        fwd = given.alignment.R[0]
        x_level = np.array([1.0, 0.0, 0.0]) - given.alignment.R[2][0] * given.alignment.R[2]
        x_level /= np.linalg.norm(x_level)
        assert np.degrees(np.arccos(np.clip(fwd @ x_level, -1, 1))) < 0.01
        off = given.info["alignment"]["mount_offset_deg"]
        assert 20.0 <= abs(off) <= 30.0, off
        assert any("square on the shoe" in n for n in given.notes)
        assert "mount_offset_deg" not in found.info["alignment"]
        # the data's own frame is the foot's: its forward axis is 20+ deg from the sensor's x
        assert (
            abs(
                np.degrees(
                    np.arctan2(
                        np.cross(x_level, found.alignment.R[0]) @ found.alignment.R[2],
                        x_level @ found.alignment.R[0],
                    )
                )
            )
            > 20.0
        )


def test_a_mount_that_cannot_be_right_falls_back_to_the_data(sim_run: Path) -> None:
    """toes=-x says the toes are where the heel is: the foot travels the other
    way, the frame is turned round as without a mount, and a note says so."""
    rec = read_recording(sim_run)
    stream = rec.streams[0]
    plain = analyze_imu_stream(stream, rec.condition)
    stream.meta["mount"] = "toes=-x"
    wrong = analyze_imu_stream(stream, rec.condition)
    assert wrong.alignment.mount_ok is False
    assert any("does not fit the data" in n for n in wrong.notes)
    assert wrong.alignment.forward_mps > 0.5
    assert (
        np.nanmedian(
            np.abs(wrong.steps["stride_length_zupt_m"] - plain.steps["stride_length_zupt_m"])
        )
        < 0.05
    )


def test_recording_json_mount_is_checked_on_reading(sim_run: Path, tmp_path: Path) -> None:
    folder = tmp_path / "rec"
    shutil.copytree(sim_run, folder)
    meta = json.loads((folder / "recording.json").read_text())
    meta["streams"][0]["mount"] = "toes=+q"
    (folder / "recording.json").write_text(json.dumps(meta))
    with pytest.raises(FootfallError) as err:
        read_recording(folder)
    assert "recording.json" in str(err.value) and "mount" in str(err.value)
    meta["streams"][0]["mount"] = "laces"
    (folder / "recording.json").write_text(json.dumps(meta))
    assert read_recording(folder).streams[0].meta["mount"] == "laces"


def test_cli_mount_option(sim_run: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "footfall", "analyze", str(sim_run), "--mount", "shoelace"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "--mount" in bad.stderr and "Traceback" not in bad.stderr
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "footfall",
            "analyze",
            str(sim_run),
            "--mount",
            "toes=+x",
            "--json",
            "-",
        ],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    doc = json.loads(ok.stdout)
    assert "square on the shoe" in json.dumps(doc)


def test_live_detector_with_a_mount_uses_the_offline_frame(sim_run: Path, tmp_path: Path) -> None:
    """The mount travels with the stream to the live detector (a replay's
    device info carries it, the analyser hands it on), and the live
    alignment is the offline one."""
    from replay_check import replay_rows, replay_steps

    from footfall.stream.detector import ImuStepDetector

    folder = tmp_path / "rec"
    shutil.copytree(sim_run, folder)
    meta = json.loads((folder / "recording.json").read_text())
    for s in meta["streams"]:
        s["mount"] = "toes=+x"
    (folder / "recording.json").write_text(json.dumps(meta))
    rec = read_recording(folder)
    stream = rec.streams[0]
    off = analyze_imu_stream(stream, rec.condition).alignment
    det = ImuStepDetector(stream.fs_hz, stream.side, "foot", toes=parse_mount("toes=+x"))
    rows = replay_rows(det, stream, 64)
    assert len(rows) > 60
    np.testing.assert_allclose(det.alignment.R, off.R, atol=1e-9)
    # through a replay source and the streaming analyser: the live rows are
    # measured in the mounting's frame, as offline (toe-out differs by far
    # without it: the sensor sits 25 deg askew)
    live = replay_steps(folder)
    off_steps = analyze_imu_stream(stream, rec.condition).steps
    side = stream.side.value
    lv = live[live["side"] == side].reset_index(drop=True)
    assert len(lv) == len(off_steps) > 60
    np.testing.assert_allclose(
        lv["foot_progression_deg"].to_numpy(float),
        off_steps["foot_progression_deg"].to_numpy(float),
        rtol=1e-6,
        atol=1e-6,
    )
