"""Moticon OpenGo text exports: reading, units, vendor metadata, errors, and
`footfall analyze` on the real example walks (skipped without ../shared/data)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from footfall.cli import main
from footfall.errors import RecordingError
from footfall.io import read_recording
from footfall.io.moticon import is_opengo_export

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from datasets import shared_data_dir  # noqa: E402

DATA = shared_data_dir()
MOTICON = None if DATA is None else Path(DATA) / "moticon_opengo"
needs_data = pytest.mark.skipif(
    MOTICON is None or not MOTICON.is_dir(), reason="../shared/data/moticon_opengo not available"
)


def _write_export(path: Path, n: int = 300, right: bool = True) -> None:
    """A small OpenGo-style export: left side complete, right side optional."""
    cols = ["time"]
    for side in ("left", "right"):
        cols += [f"{side} pressure {i}[N/cm²]" for i in range(1, 17)]
        cols += [f"{side} acceleration {a}[g]" for a in "XYZ"]
        cols += [f"{side} angular {a}[dps]" for a in "XYZ"]
        cols += [
            f"{side} total force[N]",
            f"{side} center of pressure X[-0.5...+0.5]",
            f"{side} center of pressure Y[-0.5...+0.5]",
        ]
    cols += ["right steps[]", "left steps[]"]
    lines = [
        "# Start time: 27.09.2023 10:21:14.922",
        "# Sensor insoles: Left SN1, Right SN2",
        "# Size: 7",
        "# " + "\t".join(cols),
    ]
    rng = np.random.default_rng(0)
    for k in range(n):
        row = [f"{k / 100:.2f}"]
        for side in ("left", "right"):
            if side == "right" and not right:
                row += [""] * 25
                continue
            row += [f"{1.5 + 0.25 * rng.integers(0, 4):.2f}" for _ in range(16)]
            row += ["0.0", "0.0", "1.0", "0.5", "-0.5", "0.2", "300", "-0.1", "0.05"]
        steps = {"left": "11" if k == 50 else ("15" if k == 120 else "")}
        row += ["", steps["left"]]
        lines.append("\t".join(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_read_export_units_and_vendor_meta(tmp_path):
    f = tmp_path / "walk.txt"
    _write_export(f)
    assert is_opengo_export(f)
    rec = read_recording(f)
    kinds = sorted((s.side.value, s.kind.value) for s in rec.streams)
    assert kinds == [("left", "imu"), ("left", "insole"), ("right", "imu"), ("right", "insole")]
    ins = rec.select(kind="insole", side="left")[0]
    raw = np.loadtxt(f, delimiter="\t", comments="#", usecols=range(1, 17))
    assert np.allclose(ins.values[:, :16], raw * 10.0)  # N/cm^2 -> kPa
    assert ins.columns[-1] == "force_n" and np.allclose(ins.column("force_n"), 300.0)
    assert ins.meta["layout"] == "moticon16"
    assert ins.meta["vendor_events"] == {"ic_s": [0.5], "to_s": [1.2]}
    assert np.allclose(ins.meta["vendor_cop"][0], [0.4, 0.05])  # heel-origin length
    imu = rec.select(kind="imu", side="left")[0]
    assert np.allclose(imu.acc_mps2[0], [0.0, 0.0, 9.80665])
    assert np.allclose(imu.gyr_rps[0], np.deg2rad([0.5, -0.5, 0.2]))
    assert rec.meta["started_at"] == "2023-09-27T10:21:14.922"
    # one time column for everything: every stream names the same clock
    assert len({s.meta["clock"] for s in rec.streams}) == 1


def test_side_without_data_is_left_out(tmp_path):
    f = tmp_path / "left_only.txt"
    _write_export(f, right=False)
    rec = read_recording(f)
    assert {s.side.value for s in rec.streams} == {"left"}


def test_txt_that_is_not_an_export_is_a_clear_error(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("time,acc_x\n0,1\n", encoding="utf-8")
    with pytest.raises(RecordingError, match="not a Moticon OpenGo text export"):
        read_recording(f)
    assert main(["analyze", str(f)]) == 2


def test_stream_options_refused_for_an_export(tmp_path, capsys):
    f = tmp_path / "walk.txt"
    _write_export(f)
    assert main(["analyze", str(f), "--side", "left"]) == 2
    err = capsys.readouterr().err
    assert "--side" in err and "Traceback" not in err


@needs_data
def test_analyze_real_export_prints_insole_steps(tmp_path, capsys):
    f = MOTICON / "230927_102114.txt"
    steps_csv = tmp_path / "steps.csv"
    assert main(["analyze", str(f), "--steps", str(steps_csv)]) == 0
    out = capsys.readouterr().out
    assert "Forefoot load" in out and "Strike index" in out
    import pandas as pd

    steps = pd.read_csv(steps_csv)
    ins = steps[steps["source"].str.contains("insole")]
    rec = read_recording(f)
    for s in rec.select(kind="insole"):
        vendor = np.asarray(s.meta["vendor_events"]["ic_s"])
        mine = ins.loc[ins["side"] == s.side.value, "ic_s"].to_numpy()
        # the insole and its IMU share the export's one clock: no offset is
        # estimated, the fused rows carry the insole's own contacts, within a
        # sample or two of the vendor's
        d = np.abs(mine[None, :] - vendor[:, None]).min(axis=1)
        assert (d <= 0.03).all()


@needs_data
def test_events_match_vendor_within_30ms():
    from footfall.gait.pressure import analyze_insole_stream

    errs = []
    for f in sorted(MOTICON.glob("2*.txt")):
        for s in read_recording(f).select(kind="insole"):
            st = analyze_insole_stream(s).steps
            for k in ("ic", "to"):
                v = np.asarray(s.meta["vendor_events"][f"{k}_s"])
                mine = st[f"{k}_s"].to_numpy()
                errs.extend(np.abs(mine[None, :] - v[:, None]).min(axis=1))
    errs = np.asarray(errs)
    assert len(errs) >= 80
    assert np.mean(errs <= 0.030) >= 0.98
    assert np.median(errs) <= 0.010
