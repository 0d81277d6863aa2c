"""The steps table as NumPy columns (footfall.table.ColumnTable) and the
foot-IMU analysis that uses it: the same table as the DataFrame route, and no
pandas unless the DataFrame is asked for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import footfall
from footfall.gait.imu import analyze_imu_stream
from footfall.io import read_recording
from footfall.model import STEP_COLUMNS, Recording, conform_steps
from footfall.sim import simulate
from footfall.summary import summarize
from footfall.table import ColumnTable

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "gaitmap_walk"


# --------------------------------------------------------------------------
# ColumnTable
# --------------------------------------------------------------------------


def test_scalars_are_repeated_and_text_is_object():
    t = ColumnTable({"side": "left", "x": np.arange(3.0), "tag": np.array(["a", "b", "c"])})
    assert len(t) == 3 and t.columns == ["side", "x", "tag"]
    assert t["side"].dtype == object and list(t["side"]) == ["left"] * 3
    assert t["tag"].dtype == object
    assert "x" in t and "y" not in t


def test_a_column_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        ColumnTable({"a": np.arange(3.0), "b": np.arange(4.0)})


def test_concat_matches_pandas_concat_with_a_missing_column():
    a = ColumnTable({"side": "left", "ic_s": np.array([0.5, 1.5]), "m": np.array([1.0, 2.0])})
    b = ColumnTable({"side": "right", "ic_s": np.array([1.0]), "n": np.array([7.0])})
    got = ColumnTable.concat([a, b]).to_pandas()
    want = pd.concat([a.to_pandas(), b.to_pandas()], ignore_index=True)
    pd.testing.assert_frame_equal(got, want)


def test_take_and_conform_sort_by_contact_like_the_dataframe_route():
    rng = np.random.default_rng(1)
    ic = rng.permutation(np.r_[np.arange(8.0), np.nan, 3.0])  # a tie and a NaN
    t = ColumnTable(
        {
            "side": np.where(rng.random(10) < 0.5, "left", "right"),
            "ic_s": ic,
            "contact_ms": rng.normal(250, 10, 10),
            "extra": np.arange(10),
        }
    )
    got = conform_steps(t)
    assert isinstance(got, ColumnTable)
    assert got.columns[: len(STEP_COLUMNS)] == list(STEP_COLUMNS)
    want = conform_steps(t.to_pandas())
    pd.testing.assert_frame_equal(got.to_pandas(), want, check_dtype=False)
    # the order is the stable sort of ic_s, NaN last
    assert np.isnan(got["ic_s"][-1]) and np.all(np.diff(got["ic_s"][:-1]) >= 0)


# --------------------------------------------------------------------------
# the analysis on columns equals the DataFrame route
# --------------------------------------------------------------------------


def _dataframe_route(rec: Recording) -> pd.DataFrame:
    """Each stream's rows as a DataFrame, concatenated and conformed with pandas."""
    frames = [analyze_imu_stream(s, condition=rec.condition).steps for s in rec.streams]
    frames = [f for f in frames if len(f)]
    return conform_steps(pd.concat(frames, ignore_index=True))


@pytest.mark.parametrize("which", ["sample walk", "simulated run"])
def test_analysis_steps_equal_the_dataframe_route(which):
    if which == "sample walk":
        rec = read_recording(SAMPLE)
    else:
        rec, _ = simulate("easy-run", 1.0, 4, sensors=("foot",))
    res = footfall.analyze(rec)
    assert isinstance(res.table, ColumnTable)
    want = _dataframe_route(rec)
    pd.testing.assert_frame_equal(res.steps, want)
    assert res.summary == summarize(want, duration_s=rec.duration_s) | {
        "findings": res.summary["findings"],
        "not_evaluated": res.summary["not_evaluated"],
    }


def test_summary_json_does_not_load_pandas(tmp_path: Path):
    # the command line's summary needs no DataFrame; pandas takes about half
    # a second to import, more than the analysis of a short recording
    code = (
        "import json, sys; from footfall.cli import main; "
        "rc = main(['analyze', sys.argv[1], '--json', sys.argv[2]]); "
        "print(rc, 'pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLE), str(tmp_path / "s.json")],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert out.stdout.strip().splitlines()[-1] == "0 False"
    assert (tmp_path / "s.json").stat().st_size > 1000
