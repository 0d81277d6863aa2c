"""``footfall init DIR`` (recording.json inferred from a folder of stream
files), ``footfall analyze a.csv b.csv`` (several files as one recording) and
``footfall convert IN OUT`` (CSV folder <-> Parquet folder): what is
inferred, that the result analyses to the same steps as the hand-written
recording, and the refusals. Shared-data tests skip without ../shared/data."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footfall import pipeline
from footfall.cli import main
from footfall.io import read_recording
from footfall.io.infer import side_from_name

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from datasets import shared_data_dir  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WALK = REPO / "sample_data" / "gaitmap_walk"
DATA = shared_data_dir()
needs_data = pytest.mark.skipif(DATA is None, reason="../shared/data not available")

ENTRY_KEYS = ("file", "kind", "side", "placement", "units")


@pytest.fixture(scope="module")
def walk_steps():
    return pipeline.analyze(WALK).steps


def _copy_walk(dest: Path, names=("left_foot.csv", "right_foot.csv")) -> Path:
    dest.mkdir()
    for n in names:
        shutil.copy(WALK / n, dest / n)
    shutil.copy(WALK / "reference_events.csv", dest)  # not a stream: skipped
    return dest


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


# --------------------------------------------------------------------------
# footfall init
# --------------------------------------------------------------------------


def test_init_writes_the_hand_written_recording(tmp_path, capsys, walk_steps):
    folder = _copy_walk(tmp_path / "walk")
    code, out, err = _run(capsys, "init", folder)
    assert code == 0, err
    written = json.loads((folder / "recording.json").read_text())
    hand = json.loads((WALK / "recording.json").read_text())
    assert written["format"] == hand["format"]
    assert [{k: e[k] for k in ENTRY_KEYS} for e in written["streams"]] == [
        {k: e[k] for k in ENTRY_KEYS} for e in hand["streams"]
    ]
    # what was assumed is said, and how to correct it
    assert "left_foot.csv: imu" in out and 'left (file name: "left")' in out
    assert "acc m/s2 (from the data" in out and "gyr deg/s (from the data" in out
    assert "Skipped (not stream files): reference_events.csv" in out
    assert 'edit "kind", "side", "placement" or "units"' in out
    pd.testing.assert_frame_equal(pipeline.analyze(folder).steps, walk_steps)


def test_init_infers_units_from_the_data(tmp_path, capsys, walk_steps):
    folder = tmp_path / "units"
    folder.mkdir()
    for side in ("left", "right"):
        df = pd.read_csv(WALK / f"{side}_foot.csv")
        for a in "xyz":
            df[f"acc_{a}"] = df[f"acc_{a}"] / 9.80665  # g
            df[f"gyr_{a}"] = np.deg2rad(df[f"gyr_{a}"])  # rad/s
        df.to_csv(folder / f"{'L' if side == 'left' else 'R'}_shoe.csv", index=False)
    code, out, err = _run(capsys, "init", folder)
    assert code == 0, err
    doc = json.loads((folder / "recording.json").read_text())
    assert [(e["side"], e["units"]) for e in doc["streams"]] == [
        ("left", {"acc": "g", "gyr": "rad/s"}),
        ("right", {"acc": "g", "gyr": "rad/s"}),
    ]
    got = pipeline.analyze(folder).steps
    np.testing.assert_allclose(got["ic_s"], walk_steps["ic_s"], atol=1e-9)
    np.testing.assert_allclose(
        got["contact_ms"], walk_steps["contact_ms"], rtol=1e-6, equal_nan=True
    )


def test_init_refuses_to_overwrite_without_force(tmp_path, capsys):
    folder = _copy_walk(tmp_path / "walk")
    (folder / "recording.json").write_text('{"mine": true}')
    code, _, err = _run(capsys, "init", folder)
    assert code == 2 and "already holds a recording.json" in err and "--force" in err
    assert json.loads((folder / "recording.json").read_text()) == {"mine": True}
    code, _, err = _run(capsys, "init", folder, "--force")
    assert code == 0, err
    assert "streams" in json.loads((folder / "recording.json").read_text())


@pytest.mark.parametrize(
    "name, side",
    [
        ("run_left.csv", "left"),
        ("1-1_lf.txt", "left"),
        ("RightFoot.parquet", "right"),
        ("sensor_links.csv", "left"),
        ("sensor_rechts.csv", "right"),
        ("pied_gauche.csv", "left"),
        ("r_shank.csv", "right"),
        ("foot.csv", None),
        ("left_right.csv", None),
    ],
)
def test_side_from_name(name, side):
    got, _ = side_from_name(name)
    assert (got.value if got else None) == side


def test_shank_from_the_name(tmp_path, capsys):
    folder = tmp_path / "legs"
    folder.mkdir()
    shutil.copy(WALK / "left_foot.csv", folder / "left_foot.csv")
    shutil.copy(WALK / "left_foot.csv", folder / "left_shank.csv")
    code, out, err = _run(capsys, "init", folder)
    assert code == 0, err
    doc = json.loads((folder / "recording.json").read_text())
    assert [(e["file"], e["placement"]) for e in doc["streams"]] == [
        ("left_foot.csv", "foot"),
        ("left_shank.csv", "shank"),
    ]
    assert 'shank (file name: "shank")' in out


INIT_ERRORS = [
    # (files to put in the folder as name -> source, fragments of the message)
    ({"foot.csv": "left_foot.csv"}, ["foot.csv", "does not say which foot", "left"]),
    (
        {"left_a.csv": "left_foot.csv", "left_b.csv": "left_foot.csv"},
        ["two streams are the left foot imu", "left_a.csv", "left_b.csv"],
    ),
    ({"notes.txt": None}, ["holds no stream file", "--map"]),
]


@pytest.mark.parametrize("files, fragments", INIT_ERRORS)
def test_init_errors(tmp_path, capsys, files, fragments):
    folder = tmp_path / "f"
    folder.mkdir()
    for name, src in files.items():
        if src is None:
            (folder / name).write_text("just some notes\n")
        else:
            shutil.copy(WALK / src, folder / name)
    code, _, err = _run(capsys, "init", folder)
    assert code == 2, err
    assert "Fix:" in err and "Traceback" not in err
    for f in fragments:
        assert f in err, (f, err)
    assert not (folder / "recording.json").exists()


@needs_data
def test_init_on_ipol_files_equals_the_hand_written_recording(tmp_path, capsys):
    from datasets import load_ipol

    src = Path(DATA) / "ipol_voisard" / "GaitData"
    folder = tmp_path / "ipol"
    folder.mkdir()
    for n in ("3-1_lf.txt", "3-1_rf.txt", "3-1.json"):
        shutil.copy(src / n, folder / n)
    code, out, err = _run(capsys, "init", folder)
    assert code == 0, err
    entry = {
        "profile": "ipol-xsens",
        "kind": "imu",
        "placement": "foot",
        "units": {"acc": "m/s2", "gyr": "rad/s"},
    }
    assert json.loads((folder / "recording.json").read_text()) == {
        "format": "footfall-recording/1",
        "streams": [
            {"file": "3-1_lf.txt", **entry, "side": "left"},
            {"file": "3-1_rf.txt", **entry, "side": "right"},
        ],
    }
    assert "profile ipol-xsens" in out
    expected = pipeline.analyze(load_ipol(3, 1).recording).steps
    pd.testing.assert_frame_equal(pipeline.analyze(folder).steps, expected)


@needs_data
def test_init_on_the_gaitmap_file_equals_the_sample_recording(tmp_path, capsys, walk_steps):
    folder = tmp_path / "gaitmap"
    folder.mkdir()
    shutil.copy(Path(DATA) / "gaitmap_example" / "imu_sample_not_rotated.csv", folder)
    shutil.copy(Path(DATA) / "gaitmap_example" / "stride_events_sample.csv", folder)
    code, out, err = _run(capsys, "init", folder)
    assert code == 0, err
    doc = json.loads((folder / "recording.json").read_text())
    hand = json.loads((WALK / "recording.json").read_text())
    assert [(e["profile"], e["profile_stream"]) for e in doc["streams"]] == [
        ("gaitmap", 1),
        ("gaitmap", 2),
    ]
    keys = ("kind", "side", "placement", "units")
    assert [{k: e[k] for k in keys} for e in doc["streams"]] == [
        {k: e[k] for k in keys} for e in hand["streams"]
    ]
    pd.testing.assert_frame_equal(pipeline.analyze(folder).steps, walk_steps)


# --------------------------------------------------------------------------
# footfall analyze a.csv b.csv
# --------------------------------------------------------------------------


def test_several_files_equal_the_init_ed_folder(tmp_path, capsys):
    folder = _copy_walk(tmp_path / "walk")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    code, _, err = _run(
        capsys, "analyze", folder / "left_foot.csv", folder / "right_foot.csv", "--steps", a
    )
    assert code == 0, err
    assert not (folder / "recording.json").exists()  # nothing written
    assert _run(capsys, "init", folder)[0] == 0
    code, _, err = _run(capsys, "analyze", folder, "--steps", b)
    assert code == 0, err
    assert a.read_bytes() == b.read_bytes()
    assert len(pd.read_csv(a)) > 50


def test_several_files_saved_to_the_history_name_every_file(tmp_path, capsys):
    from footfall.history.store import open_history

    folder = _copy_walk(tmp_path / "walk")
    h = tmp_path / "h.sqlite"
    left, right = folder / "left_foot.csv", folder / "right_foot.csv"
    code, _, err = _run(capsys, "analyze", left, right, "--save", "--history", h)
    assert code == 0, err
    with open_history(str(h)) as hist:
        session = hist.get(1)
    assert session.source == str(left.resolve())
    assert session.meta["source_files"] == [str(left.resolve()), str(right.resolve())]
    code, out, _ = _run(capsys, "history", "--history", h)
    words = " ".join(out.split())  # the table folds long cells
    assert code == 0 and "(+1" in words and "left_foot" in words


def test_several_files_refuse_stream_options(tmp_path, capsys):
    folder = _copy_walk(tmp_path / "walk")
    code, _, err = _run(
        capsys, "analyze", folder / "left_foot.csv", folder / "right_foot.csv", "--side", "left"
    )
    assert code == 2 and "--side cannot be used here" in err


@needs_data
def test_several_ipol_files_found_by_their_layout(tmp_path, capsys):
    from datasets import load_ipol

    src = Path(DATA) / "ipol_voisard" / "GaitData"
    out = tmp_path / "steps.csv"
    code, _, err = _run(capsys, "analyze", src / "4-2_lf.txt", src / "4-2_rf.txt", "--steps", out)
    assert code == 0, err
    expected = pipeline.analyze(load_ipol(4, 2).recording).steps
    got = pd.read_csv(out)
    assert len(got) == len(expected)
    np.testing.assert_allclose(got["ic_s"], expected["ic_s"], atol=1e-9)


# --------------------------------------------------------------------------
# footfall convert
# --------------------------------------------------------------------------


def test_convert_round_trip_analyses_to_the_same_steps(tmp_path, capsys, walk_steps):
    pq_dir, csv_dir = tmp_path / "pq", tmp_path / "csv"
    code, out, err = _run(capsys, "convert", WALK, pq_dir)
    assert code == 0, err
    doc = json.loads((pq_dir / "recording.json").read_text())
    assert [e["file"] for e in doc["streams"]] == ["left_foot.parquet", "right_foot.parquet"]
    hand = json.loads((WALK / "recording.json").read_text())
    assert {k: v for k, v in doc.items() if k != "streams"} == {
        k: v for k, v in hand.items() if k != "streams"
    }
    assert doc["streams"][0]["sensor"] == hand["streams"][0]["sensor"]  # unknown keys kept
    pd.testing.assert_frame_equal(pipeline.analyze(pq_dir).steps, walk_steps)
    assert _run(capsys, "convert", pq_dir, csv_dir)[0] == 0
    assert sorted(p.name for p in csv_dir.iterdir()) == [
        "left_foot.csv",
        "recording.json",
        "right_foot.csv",
    ]
    pd.testing.assert_frame_equal(pipeline.analyze(csv_dir).steps, walk_steps)
    back = read_recording(csv_dir)
    orig = read_recording(WALK)
    for a, b in zip(orig.streams, back.streams, strict=True):
        np.testing.assert_array_equal(a.time_s, b.time_s)
        np.testing.assert_allclose(a.values, b.values, rtol=1e-12, atol=0)


def test_convert_refuses_to_overwrite_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = _run(capsys, "convert", WALK, out)
    assert code == 2 and "already exists and is not empty" in err and "--force" in err
    assert (out / "keep.txt").read_text() == "mine"
    code, _, err = _run(capsys, "convert", WALK, out, "--force", "--to", "csv")
    assert code == 0, err
    assert not (out / "keep.txt").exists() and (out / "left_foot.csv").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no leftovers


def test_convert_refuses_to_write_into_its_input(tmp_path, capsys):
    folder = tmp_path / "walk"
    shutil.copytree(WALK, folder)
    before = sorted(p.name for p in folder.iterdir())
    code, _, err = _run(capsys, "convert", folder, folder / "inside", "--force")
    assert code == 2 and "OUT is IN, inside it or holds it" in err
    code, _, err = _run(capsys, "convert", folder, folder, "--force")
    assert code == 2
    assert sorted(p.name for p in folder.iterdir()) == before


@needs_data
def test_convert_of_a_folder_read_with_a_profile(tmp_path, capsys):
    src = Path(DATA) / "ipol_voisard" / "GaitData"
    folder = tmp_path / "ipol"
    folder.mkdir()
    for n in ("5-1_lf.txt", "5-1_rf.txt"):
        shutil.copy(src / n, folder / n)
    assert _run(capsys, "init", folder)[0] == 0
    code, _, err = _run(capsys, "convert", folder, tmp_path / "canonical")
    assert code == 0, err
    doc = json.loads((tmp_path / "canonical" / "recording.json").read_text())
    assert all("profile" not in e for e in doc["streams"])
    assert [e["file"] for e in doc["streams"]] == ["5-1_lf.csv", "5-1_rf.csv"]
    pd.testing.assert_frame_equal(
        pipeline.analyze(tmp_path / "canonical").steps, pipeline.analyze(folder).steps
    )


@needs_data
def test_init_on_a_moticon_export_reads_it_as_the_moticon_reader(tmp_path, capsys):
    src = Path(DATA) / "moticon_opengo" / "230927_102137.txt"
    folder = tmp_path / "moticon"
    folder.mkdir()
    shutil.copy(src, folder / src.name)
    code, out, err = _run(capsys, "init", folder)
    assert code == 0, err
    doc = json.loads((folder / "recording.json").read_text())
    assert [(e["kind"], e["side"], e["profile_stream"]) for e in doc["streams"]] == [
        ("insole", "left", 1),
        ("imu", "left", 2),
        ("insole", "right", 3),
        ("imu", "right", 4),
    ]
    assert doc["streams"][0]["units"] == {"pressure": "N/cm2"}
    assert doc["streams"][1]["units"] == {"acc": "g", "gyr": "deg/s"}
    pd.testing.assert_frame_equal(pipeline.analyze(folder).steps, pipeline.analyze(src).steps)
