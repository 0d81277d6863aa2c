"""Tests of footfall.io: canonical folders, single stream files, unit
conversion, plausibility checks, gaps, and the validation data loaders."""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from footfall.errors import RecordingError
from footfall.io import find_gaps, read_recording, side_from_filename, write_recording
from footfall.model import G_MPS2, IMU_COLUMNS, Recording, Stream

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import datasets  # noqa: E402

SAMPLE = REPO / "sample_data" / "gaitmap_walk"

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def walking_imu(n_s: float = 20.0, fs: float = 100.0, t0: float = 0.0) -> pd.DataFrame:
    """A foot-IMU-like signal in m/s2 and deg/s: gravity plus a swing per
    second with a 400 deg/s pitch peak and swing accelerations."""
    t = t0 + np.arange(int(n_s * fs)) / fs
    phase = (t - t0) % 1.0
    swing = np.where(phase < 0.4, np.sin(np.pi * phase / 0.4), 0.0)  # 40 % swing
    rng = np.random.default_rng(7)
    acc = np.column_stack(
        [
            12.0 * swing * np.cos(2 * np.pi * phase / 0.4),
            rng.normal(0, 0.3, len(t)),
            G_MPS2 + 8.0 * swing * np.sin(2 * np.pi * phase / 0.4),
        ]
    )
    gyr = np.column_stack(
        [
            rng.normal(0, 5, len(t)),
            -400.0 * swing + rng.normal(0, 2, len(t)),
            40.0 * swing,
        ]
    )
    df = pd.DataFrame(np.column_stack([acc, gyr]), columns=list(IMU_COLUMNS))
    df.insert(0, "time_s", t)
    return df


def standing_imu(n_s: float = 20.0, fs: float = 100.0) -> pd.DataFrame:
    t = np.arange(int(n_s * fs)) / fs
    rng = np.random.default_rng(3)
    acc = np.column_stack(
        [rng.normal(0, 0.02, len(t)), rng.normal(0, 0.02, len(t)), np.full(len(t), G_MPS2)]
    )
    # a still gyroscope with a bias of a few deg/s: values that would look like
    # rad/s if the foot were moving
    gyr = np.array([2.0, -3.0, 1.5]) + rng.normal(0, 0.3, (len(t), 3))
    df = pd.DataFrame(np.column_stack([acc, gyr]), columns=list(IMU_COLUMNS))
    df.insert(0, "time_s", t)
    return df


def write_folder(
    folder: Path, streams: dict[str, tuple[pd.DataFrame, dict]], **top: object
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, (df, entry) in streams.items():
        if name.endswith(".parquet"):
            df.to_parquet(folder / name, index=False)
        else:
            df.to_csv(folder / name, index=False)
        entries.append({"file": name, **entry})
    doc = {"format": "footfall-recording/1", **top, "streams": entries}
    (folder / "recording.json").write_text(json.dumps(doc, indent=2))
    return folder


IMU_ENTRY = {
    "kind": "imu",
    "side": "left",
    "placement": "foot",
    "units": {"acc": "m/s2", "gyr": "deg/s"},
}


def read_error(path: Path, **options: object) -> RecordingError:
    with pytest.raises(RecordingError) as info:
        read_recording(path, **options)
    return info.value


def assert_names_file_and_fix(err: RecordingError, file_name: str) -> None:
    assert file_name in err.message
    assert err.fix, "the error must say how to fix it"
    assert "Fix:" in err.message


# --------------------------------------------------------------------------
# round trip
# --------------------------------------------------------------------------

_finite = st.one_of(
    st.just(0.0),
    st.floats(min_value=1e-200, max_value=1e200),
    st.floats(min_value=-1e200, max_value=-1e-200),
)


@st.composite
def recordings(draw: st.DrawFn) -> Recording:
    streams = []
    # one stream per kind and side (a recording has one sensor per foot and placement)
    sensors = draw(
        st.lists(
            st.tuples(st.booleans(), st.sampled_from(["left", "right"])),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    for i, (insole, side) in enumerate(sensors):
        n = draw(st.integers(10, 40))
        t0 = draw(st.floats(-1e5, 1e5))
        dt = draw(arrays(np.float64, n - 1, elements=st.floats(1e-3, 10.0)))
        time_s = t0 + np.concatenate(([0.0], np.cumsum(dt)))
        if insole:
            k = draw(st.integers(1, 5))
            cols = tuple(f"p{j + 1}" for j in range(k)) + ("force_n",)
        else:
            cols = IMU_COLUMNS
        values = draw(arrays(np.float64, (n, len(cols)), elements=_finite))
        meta = {
            "note": draw(st.text(max_size=10)),
            "extra": draw(
                st.dictionaries(st.text(min_size=1, max_size=5), st.integers(), max_size=3)
            ),
        }
        if insole:
            meta["layout"] = "grid5"
        streams.append(
            Stream(
                "insole" if insole else "imu", side, time_s, values, cols, name=f"s{i}", meta=meta
            )
        )
    meta = {
        "athlete": {"id": draw(st.text(max_size=8))},
        "custom_key": [1, 2.5, "x"],
        "condition": {
            "surface": draw(st.sampled_from(["treadmill", "overground"])),
            "speed_mps": draw(st.floats(0.5, 8.0)),
        },
    }
    return Recording(streams=streams, meta=meta)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rec=recordings())
def test_round_trip_is_exact(fmt: str, rec: Recording) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_recording(rec, Path(tmp) / "rec", fmt=fmt)
        back = read_recording(Path(tmp) / "rec", check_units=False)
    assert len(back.streams) == len(rec.streams)
    for a, b in zip(rec.streams, back.streams, strict=True):
        assert (b.kind, b.side, b.placement, b.columns) == (a.kind, a.side, a.placement, a.columns)
        np.testing.assert_array_equal(b.time_s, a.time_s)
        np.testing.assert_allclose(b.values, a.values, rtol=1e-12, atol=0)
        assert b.meta["note"] == a.meta["note"]
        assert b.meta["extra"] == a.meta["extra"]
        assert b.name.endswith("." + fmt)
        if a.kind == "insole":
            assert b.meta["layout"] == "grid5"
    assert back.meta["custom_key"] == [1, 2.5, "x"]
    assert back.meta["athlete"] == rec.meta["athlete"]
    assert back.meta["condition"] == rec.meta["condition"]


def test_written_folder_uses_readable_units(tmp_path: Path) -> None:
    df = walking_imu()
    rec = read_recording(write_folder(tmp_path / "in", {"left_foot.csv": (df, IMU_ENTRY)}))
    write_recording(rec, tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "recording.json").read_text())
    assert doc["format"] == "footfall-recording/1"
    assert doc["streams"][0]["units"] == {"acc": "m/s2", "gyr": "deg/s"}
    assert "gaps" not in doc["streams"][0]
    written = pd.read_csv(tmp_path / "out" / "left_foot.csv")
    assert list(written.columns) == ["time_s", *IMU_COLUMNS]
    np.testing.assert_allclose(written[list(IMU_COLUMNS)], df[list(IMU_COLUMNS)], rtol=1e-12)


def test_write_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    rec = read_recording(
        write_folder(tmp_path / "in", {"left_foot.csv": (walking_imu(), IMU_ENTRY)})
    )
    write_recording(rec, tmp_path / "out")
    with pytest.raises(RecordingError, match="overwrite"):
        write_recording(rec, tmp_path / "out")
    write_recording(rec, tmp_path / "out", overwrite=True)


def test_write_gives_streams_distinct_file_names(tmp_path: Path) -> None:
    df = walking_imu()
    s = [
        Stream("imu", "left", df.time_s, df[list(IMU_COLUMNS)].to_numpy(), IMU_COLUMNS)
        for _ in range(2)
    ]
    write_recording(Recording(streams=s), tmp_path / "out", fmt="parquet")
    doc = json.loads((tmp_path / "out" / "recording.json").read_text())
    assert [e["file"] for e in doc["streams"]] == ["left_foot.parquet", "left_foot_2.parquet"]


# --------------------------------------------------------------------------
# units
# --------------------------------------------------------------------------


def test_units_are_converted_to_si(tmp_path: Path) -> None:
    df = walking_imu()
    g_df = df.copy()
    g_df[["acc_x", "acc_y", "acc_z"]] /= G_MPS2
    rad_df = df.copy()
    rad_df[["gyr_x", "gyr_y", "gyr_z"]] = np.deg2rad(rad_df[["gyr_x", "gyr_y", "gyr_z"]])
    folder = write_folder(
        tmp_path / "rec",
        {
            "left_foot.csv": (df, IMU_ENTRY),
            "right_foot.parquet": (
                g_df,
                {**IMU_ENTRY, "side": "right", "units": {"acc": "g", "gyr": "deg/s"}},
            ),
            "left_shank.csv": (
                rad_df,
                {**IMU_ENTRY, "placement": "shank", "units": {"acc": "m/s^2", "gyr": "rad/s"}},
            ),
        },
    )
    rec = read_recording(folder)
    expected_acc = df[["acc_x", "acc_y", "acc_z"]].to_numpy()
    expected_gyr = np.deg2rad(df[["gyr_x", "gyr_y", "gyr_z"]].to_numpy())
    for s in rec.streams:
        np.testing.assert_allclose(s.acc_mps2, expected_acc, rtol=1e-12)
        np.testing.assert_allclose(s.gyr_rps, expected_gyr, rtol=1e-12)
    assert rec.streams[2].placement == "shank"
    # the declared units stay in the stream's metadata
    assert rec.streams[1].meta["units"] == {"acc": "g", "gyr": "deg/s"}


def test_insole_pressure_converted_from_n_per_cm2(tmp_path: Path) -> None:
    t = np.arange(200) / 100.0
    p = np.abs(np.sin(np.outer(t, np.arange(1, 5)))) * 20.0  # N/cm2
    df = pd.DataFrame(p, columns=["p1", "p2", "p3", "p4"])
    df.insert(0, "time_s", t)
    df["force_n"] = p.sum(axis=1) * 5.0
    folder = write_folder(
        tmp_path / "rec",
        {
            "left_insole.csv": (
                df,
                {
                    "kind": "insole",
                    "side": "left",
                    "layout": "moticon16",
                    "units": {"pressure": "N/cm2"},
                },
            )
        },
    )
    s = read_recording(folder).streams[0]
    assert s.kind == "insole" and s.columns == ("p1", "p2", "p3", "p4", "force_n")
    np.testing.assert_allclose(s.values[:, :4], p * 10.0, rtol=1e-12)
    np.testing.assert_allclose(s.column("force_n"), df["force_n"], rtol=1e-12)  # N stays N
    assert s.meta["layout"] == "moticon16"


# --------------------------------------------------------------------------
# single stream files
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "side"),
    [
        ("run_left.csv", "left"),
        ("1-1_lf.csv", "left"),
        ("RightFoot.csv", "right"),
        ("R_foot.parquet", "right"),
        ("leftshoe.csv", "left"),
        ("bright_morning.csv", None),
        ("run.csv", None),
        ("l_r.csv", None),
    ],
)
def test_side_from_filename(name: str, side: str | None) -> None:
    assert side_from_filename(name) == side


def test_single_file_with_options(tmp_path: Path) -> None:
    original = walking_imu()
    df = original.copy()
    df[["acc_x", "acc_y", "acc_z"]] /= G_MPS2
    path = tmp_path / "session.csv"
    df.to_csv(path, index=False)
    rec = read_recording(
        path, side="right", placement="shank", acc_unit="g", surface="treadmill", speed_mps=3.2
    )
    (s,) = rec.streams
    assert (s.side, s.placement, s.kind, s.name) == ("right", "shank", "imu", "session.csv")
    np.testing.assert_allclose(s.acc_mps2, original[["acc_x", "acc_y", "acc_z"]], rtol=1e-12)
    assert rec.condition.surface == "treadmill" and rec.condition.speed_mps == 3.2
    assert s.meta["units"] == {"acc": "g", "gyr": "deg/s"}


def test_single_file_side_from_name_and_insole_kind_guessed(tmp_path: Path) -> None:
    df = walking_imu()
    df.to_csv(tmp_path / "trial_rf.csv", index=False)
    assert read_recording(tmp_path / "trial_rf.csv").streams[0].side == "right"
    ins = pd.DataFrame({"time_s": np.arange(50) / 50.0, "p1": 1.0, "p2": 2.0})
    ins.to_csv(tmp_path / "left_insole.csv", index=False)
    s = read_recording(tmp_path / "left_insole.csv").streams[0]
    assert s.kind == "insole" and s.columns == ("p1", "p2")


def test_single_file_without_side_asks_for_side(tmp_path: Path) -> None:
    walking_imu().to_csv(tmp_path / "run.csv", index=False)
    err = read_error(tmp_path / "run.csv")
    assert_names_file_and_fix(err, "run.csv")
    assert "--side" in err.fix
    walking_imu().to_csv(tmp_path / "left_and_right.csv", index=False)
    err = read_error(tmp_path / "left_and_right.csv")
    assert "both" in err.problem and "--side" in err.fix
    assert read_recording(tmp_path / "left_and_right.csv", side="left").streams[0].side == "left"


def test_recording_json_path_and_extra_columns(tmp_path: Path) -> None:
    df = walking_imu()
    df["temperature"] = 21.0
    folder = write_folder(tmp_path / "rec", {"left_foot.csv": (df, IMU_ENTRY)}, new_key=7)
    rec = read_recording(folder / "recording.json")
    assert rec.meta["new_key"] == 7
    assert rec.streams[0].columns == IMU_COLUMNS
    assert rec.streams[0].meta["ignored_columns"] == ["temperature"]


def test_surface_option_overrides_folder_condition(tmp_path: Path) -> None:
    folder = write_folder(
        tmp_path / "rec",
        {"left_foot.csv": (walking_imu(), IMU_ENTRY)},
        condition={"surface": "overground"},
    )
    rec = read_recording(folder, surface="treadmill", speed_mps=2.5)
    assert rec.condition.surface == "treadmill" and rec.condition.speed_mps == 2.5


# --------------------------------------------------------------------------
# implausible input
# --------------------------------------------------------------------------


def _single(tmp_path: Path, df: pd.DataFrame, name: str = "run_left.csv") -> Path:
    path = tmp_path / name
    if name.endswith(".parquet"):
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = _single(tmp_path, walking_imu().drop(columns=["gyr_z"]))
    err = read_error(path)
    assert_names_file_and_fix(err, "run_left.csv")
    assert "missing column gyr_z" in err.problem
    assert "Columns found: time_s, acc_x, acc_y, acc_z, gyr_x, gyr_y" in err.problem


def test_insole_cell_missing_is_named(tmp_path: Path) -> None:
    df = pd.DataFrame({"time_s": np.arange(50) / 50.0, "p1": 1.0, "p3": 2.0})
    err = read_error(_single(tmp_path, df, "left_insole.csv"), kind="insole")
    assert "missing column p2" in err.problem


def test_non_numeric_value_gives_line(tmp_path: Path) -> None:
    df = walking_imu().astype(object)
    df.loc[10, "gyr_x"] = "n/a?"
    err = read_error(_single(tmp_path, df))
    assert_names_file_and_fix(err, "run_left.csv")
    assert "gyr_x" in err.problem and "'n/a?'" in err.problem and "line 12" in err.problem


def test_decimal_comma_is_recognised(tmp_path: Path) -> None:
    df = walking_imu().head(50)
    text = df.to_csv(index=False, sep=";", decimal=",")
    path = tmp_path / "run_left.csv"
    path.write_text(text)
    err = read_error(path)
    assert "decimal comma" in err.fix


def test_nans_are_counted_and_located(tmp_path: Path) -> None:
    df = walking_imu()
    df.loc[[250, 251, 900], "acc_y"] = np.nan
    df.loc[400, "gyr_z"] = np.inf
    err = read_error(_single(tmp_path, df))
    assert_names_file_and_fix(err, "run_left.csv")
    assert "4 row(s)" in err.problem
    assert "t = 2.500 s" in err.problem and "line 252" in err.problem
    assert "acc_y (3)" in err.problem and "gyr_z (1)" in err.problem
    assert "never fills in" in err.fix and "delete those rows" in err.fix


def test_nans_in_parquet_give_row(tmp_path: Path) -> None:
    df = walking_imu()
    df.loc[5, "acc_x"] = np.nan
    err = read_error(_single(tmp_path, df, "run_left.parquet"))
    assert "row 6" in err.problem and "run_left.parquet" in err.message


def test_time_not_increasing_gives_first_place(tmp_path: Path) -> None:
    df = walking_imu()
    df.loc[100, "time_s"] = 0.5
    df.loc[300, "time_s"] = df.loc[299, "time_s"]
    err = read_error(_single(tmp_path, df))
    assert_names_file_and_fix(err, "run_left.csv")
    assert "goes back at line 102" in err.problem
    assert "0.99 s is followed by 0.5 s" in err.problem and "2 such place(s)" in err.problem
    assert "sort the rows" in err.fix


def test_too_few_samples(tmp_path: Path) -> None:
    err = read_error(_single(tmp_path, walking_imu().head(4)))
    assert_names_file_and_fix(err, "run_left.csv")
    assert "only 4 sample(s)" in err.problem


def test_time_in_milliseconds_is_caught(tmp_path: Path) -> None:
    df = walking_imu()
    df["time_s"] *= 1000.0
    err = read_error(_single(tmp_path, df))
    assert_names_file_and_fix(err, "run_left.csv")
    assert "not in seconds" in err.problem and "milliseconds" in err.fix


def test_acc_in_g_declared_m_per_s2(tmp_path: Path) -> None:
    df = walking_imu()
    df[["acc_x", "acc_y", "acc_z"]] /= G_MPS2
    folder = write_folder(tmp_path / "rec", {"left_foot.csv": (df, IMU_ENTRY)})
    err = read_error(folder)
    assert_names_file_and_fix(err, "left_foot.csv")
    assert "looks like it is in g" in err.problem
    assert '"acc": "g"' in err.fix and "recording.json" in err.fix
    # declaring g makes it pass
    err = read_error(_single(tmp_path, df))
    assert "--acc-unit g" in err.fix and "assumed m/s2" in err.fix
    assert read_recording(tmp_path / "run_left.csv", acc_unit="g").streams[0]


def test_acc_in_m_per_s2_declared_g(tmp_path: Path) -> None:
    err = read_error(_single(tmp_path, walking_imu()), acc_unit="g")
    assert_names_file_and_fix(err, "run_left.csv")
    assert "looks like it is in m/s2" in err.problem and "--acc-unit m/s2" in err.fix


def test_acc_raw_counts_are_rejected(tmp_path: Path) -> None:
    df = walking_imu()
    df[["acc_x", "acc_y", "acc_z"]] *= 16384 / G_MPS2
    err = read_error(_single(tmp_path, df))
    assert "far too large" in err.problem and "raw sensor counts" in err.fix


def test_gyr_in_rad_per_s_declared_deg_per_s(tmp_path: Path) -> None:
    df = walking_imu()
    df[["gyr_x", "gyr_y", "gyr_z"]] = np.deg2rad(df[["gyr_x", "gyr_y", "gyr_z"]])
    folder = write_folder(tmp_path / "rec", {"left_foot.csv": (df, IMU_ENTRY)})
    err = read_error(folder)
    assert_names_file_and_fix(err, "left_foot.csv")
    assert "looks like it is in rad/s" in err.problem and '"gyr": "rad/s"' in err.fix
    entry = {**IMU_ENTRY, "units": {"acc": "m/s2", "gyr": "rad/s"}}
    write_folder(tmp_path / "ok", {"left_foot.csv": (df, entry)})
    read_recording(tmp_path / "ok")


def test_gyr_in_deg_per_s_declared_rad_per_s(tmp_path: Path) -> None:
    err = read_error(_single(tmp_path, walking_imu()), gyr_unit="rad/s")
    assert "looks like it is in deg/s" in err.problem and "--gyr-unit deg/s" in err.fix


def test_no_movement_is_not_a_unit_error(tmp_path: Path) -> None:
    df = standing_imu()  # tiny gyro values declared deg/s, no movement
    rec = read_recording(_single(tmp_path, df))
    assert len(rec.streams[0]) == len(df)
    # a short knock (under a second of movement) is not enough to judge either
    df.loc[500:520, "acc_x"] = 15.0
    read_recording(_single(tmp_path, df))
    # and the all-zero file of a dead sensor is left to the gait layer
    zeros = df.copy()
    zeros[list(IMU_COLUMNS)] = 0.0
    read_recording(_single(tmp_path, zeros))


def test_unit_check_can_be_turned_off(tmp_path: Path) -> None:
    df = walking_imu()
    df[["acc_x", "acc_y", "acc_z"]] /= G_MPS2
    read_recording(_single(tmp_path, df), check_units=False)


def test_bad_json_names_the_line(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "rec", {"left_foot.csv": (walking_imu(), IMU_ENTRY)})
    (folder / "recording.json").write_text(
        '{\n  "format": "footfall-recording/1",\n  "streams": [\n'
        '    {"file": "left_foot.csv", "side": "left"}\n'
        '    {"file": "right_foot.csv", "side": "right"}\n  ]\n}\n'
    )  # missing comma at the end of line 4: the parser stops on line 5
    err = read_error(folder)
    assert_names_file_and_fix(err, "recording.json")
    assert "not valid JSON" in err.problem and "line 5" in err.problem
    assert "line 5" in err.fix


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("kind", "watch", "imu, insole"),
        ("side", "middle", "left, right"),
        ("placement", "wrist", "foot, shank"),
    ],
)
def test_unknown_entry_values_list_allowed(
    tmp_path: Path, key: str, value: str, allowed: str
) -> None:
    folder = write_folder(
        tmp_path / "rec", {"left_foot.csv": (walking_imu(), {**IMU_ENTRY, key: value})}
    )
    err = read_error(folder)
    assert_names_file_and_fix(err, "recording.json")
    assert f"unknown {key} '{value}'" in err.problem and f"allowed: {allowed}" in err.problem
    assert "left_foot.csv" in err.problem


@pytest.mark.parametrize(
    ("units", "allowed"),
    [
        ({"acc": "mg", "gyr": "deg/s"}, "m/s2, g"),
        ({"acc": "g", "gyr": "rpm"}, "deg/s, rad/s"),
    ],
)
def test_unknown_units_list_allowed(tmp_path: Path, units: dict, allowed: str) -> None:
    folder = write_folder(
        tmp_path / "rec", {"left_foot.csv": (walking_imu(), {**IMU_ENTRY, "units": units})}
    )
    err = read_error(folder)
    assert_names_file_and_fix(err, "recording.json")
    assert f"allowed: {allowed}" in err.problem


def test_unknown_option_values_list_allowed(tmp_path: Path) -> None:
    path = _single(tmp_path, walking_imu())
    for options, allowed in [
        ({"side": "up"}, "left, right"),
        ({"gyr_unit": "rpm"}, "deg/s, rad/s"),
        ({"surface": "trail"}, "treadmill, overground"),
        ({"kind": "gps"}, "imu, insole"),
    ]:
        err = read_error(path, **options)
        assert_names_file_and_fix(err, "run_left.csv")
        assert f"allowed: {allowed}" in err.problem


def test_bad_speed_is_rejected(tmp_path: Path) -> None:
    err = read_error(_single(tmp_path, walking_imu()), speed_mps=-3.0)
    assert "speed_mps" in err.problem and "m/s" in err.fix


def test_listed_stream_file_missing(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "rec", {"left_foot.csv": (walking_imu(), IMU_ENTRY)})
    doc = json.loads((folder / "recording.json").read_text())
    doc["streams"].append({**IMU_ENTRY, "file": "right_foot.csv", "side": "right"})
    (folder / "recording.json").write_text(json.dumps(doc))
    err = read_error(folder)
    assert_names_file_and_fix(err, "recording.json")
    assert '"right_foot.csv"' in err.problem and "missing" in err.problem
    assert "left_foot.csv" in err.problem  # lists what is there


def test_folder_without_recording_json(tmp_path: Path) -> None:
    (tmp_path / "rec").mkdir()
    walking_imu().to_csv(tmp_path / "rec" / "left.csv", index=False)
    err = read_error(tmp_path / "rec")
    assert "no recording.json" in err.problem and "left.csv" in err.problem
    assert "--side" in err.fix


def test_stream_options_rejected_for_folders(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "rec", {"left_foot.csv": (walking_imu(), IMU_ENTRY)})
    err = read_error(folder, acc_unit="g")
    assert "--acc-unit" in err.problem and "recording.json" in err.fix


def test_ragged_csv_line_is_located(tmp_path: Path) -> None:
    lines = walking_imu().head(30).to_csv(index=False).splitlines()
    lines[7] = lines[7].rsplit(",", 1)[0]
    (tmp_path / "run_left.csv").write_text("\n".join(lines) + "\n")
    err = read_error(tmp_path / "run_left.csv")
    assert_names_file_and_fix(err, "run_left.csv")
    assert "line 8" in err.problem


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("run_left.csv", b"", "empty"),
        ("run_left.parquet", b"this is not parquet", "Parquet"),
        ("run_left.xlsx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    (tmp_path / name).write_bytes(content)
    err = read_error(tmp_path / name)
    assert_names_file_and_fix(err, name)
    assert expected in err.problem


def test_missing_path(tmp_path: Path) -> None:
    err = read_error(tmp_path / "nowhere.csv")
    assert_names_file_and_fix(err, "nowhere.csv")


# --------------------------------------------------------------------------
# gaps
# --------------------------------------------------------------------------


def test_find_gaps_rule() -> None:
    t = np.arange(1000) * 0.01
    assert find_gaps(t) == []
    jitter = t + np.random.default_rng(0).uniform(-0.002, 0.002, t.size)
    assert find_gaps(jitter) == []  # up to +-20 % jitter is not a gap
    one_missing = np.delete(t, 500)
    gaps = find_gaps(one_missing)
    assert gaps == [(t[499], t[501])]
    two = np.delete(t, [100, 101, 102, 700])
    assert [g[0] for g in find_gaps(two)] == [t[99], t[699]]
    # with the nominal rate given, a uniformly slower stream is all gaps
    assert len(find_gaps(t, fs_hz=200.0)) == t.size - 1
    assert find_gaps(t[:1]) == []


@given(st.lists(st.integers(1, 998), max_size=20, unique=True))
def test_find_gaps_finds_every_removed_run(removed: list[int]) -> None:
    t = np.arange(1000) / 200.0
    kept = np.delete(t, removed)
    gaps = find_gaps(kept, fs_hz=200.0)
    # every removed sample lies inside exactly one reported gap, nothing else is reported
    starts = np.array([g[0] for g in gaps])
    ends = np.array([g[1] for g in gaps])
    for i in removed:
        assert np.sum((starts < t[i]) & (t[i] < ends)) == 1
    runs = np.sum(np.diff(np.sort(removed)) > 1) + 1 if removed else 0
    assert len(gaps) == runs


def test_gaps_are_reported_not_filled(tmp_path: Path) -> None:
    df = walking_imu().drop(index=range(300, 350))
    s = read_recording(_single(tmp_path, df)).streams[0]
    assert len(s) == len(df)
    assert s.meta["gaps"] == [[pytest.approx(2.99), pytest.approx(3.5)]]
    assert read_recording(_single(tmp_path, walking_imu())).streams[0].meta["gaps"] == []


# --------------------------------------------------------------------------
# sample data and validation data sets
# --------------------------------------------------------------------------


def test_sample_data_reads() -> None:
    if not (SAMPLE / "recording.json").is_file():
        pytest.skip("sample_data/gaitmap_walk is not in this checkout")
    rec = read_recording(SAMPLE)
    assert [s.side for s in rec.streams] == ["left", "right"]
    assert rec.condition.surface == "overground"
    for s in rec.streams:
        assert s.fs_hz == pytest.approx(204.8)
        assert len(s) == 7928 and s.meta["gaps"] == []
        # a walking foot: gravity in the accelerometer, hundreds of deg/s in swing
        assert np.median(np.linalg.norm(s.acc_mps2, axis=1)) == pytest.approx(G_MPS2, rel=0.25)
        assert np.rad2deg(np.abs(s.gyr_rps).max()) > 200
    ref = pd.read_csv(SAMPLE / "reference_events.csv")
    assert list(ref.columns) == ["side", "ic_s", "to_s"]


def _need_shared() -> Path:
    path = datasets.shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is absent (set FOOTFALL_SHARED_DATA to use it)")
    return path


def test_shared_data_dir_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path))
    assert datasets.shared_data_dir() == tmp_path
    monkeypatch.setenv(datasets.ENV_VAR, str(tmp_path / "absent"))
    assert datasets.shared_data_dir() is None
    assert datasets.ipol_trials() == []


def test_gaitmap_example_loader() -> None:
    data = _need_shared()
    if not (data / "gaitmap_example").is_dir():
        pytest.skip("gaitmap_example is absent")
    rec, events, strides = datasets.load_gaitmap_example()
    assert [s.side for s in rec.streams] == ["left", "right"]
    assert rec.streams[0].fs_hz == pytest.approx(204.8)
    assert rec.duration_s == pytest.approx(38.7, abs=0.1)
    # 57 strides -> 57 contacts with toe-off, plus the last contact of each side
    assert len(events) == 59 and events["to_s"].notna().sum() == 57
    contact = (events["to_s"] - events["ic_s"]).dropna()
    assert contact.between(0.5, 1.0).all()  # walking contacts, so tc is after its ic
    assert (np.diff(events["ic_s"]) >= 0).all()
    assert len(strides) == 57
    straight = strides.loc[~strides["turning"], "stride_length_m"]
    assert strides["turning"].sum() == 2
    spanning = strides[strides["spans_missing_contact"]]
    assert spanning[["side", "s_id"]].values.tolist() == [["left", 13]]
    assert strides["stride_length_m"].mean() == pytest.approx(1.34, abs=0.01)
    assert straight.between(1.1, 1.5).all()
    assert (strides["start_s"] > strides["ic_s"]).all()
    assert (strides["next_ic_s"] < strides["end_s"]).all()
    # the shipped sample is the same recording
    if (SAMPLE / "recording.json").is_file():
        sample = read_recording(SAMPLE)
        for a, b in zip(rec.streams, sample.streams, strict=True):
            np.testing.assert_array_equal(a.time_s, b.time_s)
            np.testing.assert_allclose(a.values, b.values, rtol=1e-12)


def test_ipol_loader() -> None:
    _need_shared()
    trials = datasets.ipol_trials()
    if not trials:
        pytest.skip("ipol_voisard is absent")
    assert (1, 1) in trials and len(trials) == 24
    rec, events = datasets.load_ipol(7, 1)
    left, right = rec.streams
    assert left.fs_hz == pytest.approx(100.0)
    # time comes from PacketCounter: dropped packets are gaps, not shifted samples
    assert len(left.meta["gaps"]) > 10
    assert left.time_s[-1] == pytest.approx(38.82)
    trial = rec.meta["reference"]["trial_s"]
    times = events[["ic_s", "to_s"]].to_numpy().ravel()
    times = times[~np.isnan(times)]
    assert ((times >= trial[0]) & (times <= trial[1])).all()  # swings after the trial are dropped
    contact = (events["to_s"] - events["ic_s"]).dropna()
    assert contact.between(0.3, 2.0).all()
    assert events.groupby("side")["ic_s"].apply(lambda s: s.isna().sum()).tolist() == [1, 1]
    # swing peaks of the gyroscope fall between toe-off and the next initial contact
    g = np.linalg.norm(left.gyr_rps, axis=1)
    ev = events[events["side"] == "left"]
    swing = ev["to_s"].to_numpy()[:-1], ev["ic_s"].to_numpy()[1:]
    for to, ic in zip(*swing, strict=True):
        in_swing = (left.time_s > to) & (left.time_s < ic)
        assert g[in_swing].max() > 2.0 * np.median(g)
    # a repeated packet counter keeps one row
    rec11, _ = datasets.load_ipol(11, 1)
    assert all(np.all(np.diff(s.time_s) > 0) for s in rec11.streams)
    assert math.isclose(rec11.streams[0].fs_hz, 100.0)


# --------------------------------------------------------------------------
# reading without pandas
# --------------------------------------------------------------------------


def test_float64_array_matches_arrow_with_nulls_and_slices() -> None:
    import pyarrow as pa

    from footfall.io._table import _float64_array

    rng = np.random.default_rng(3)
    a = rng.normal(size=37)
    mask = rng.random(37) < 0.2
    chunks = [pa.array(a[:20], mask=mask[:20]), pa.array(a[20:], mask=mask[20:]).slice(3)]
    col = pa.chunked_array(chunks + [pa.array([], type=pa.float64())])
    got = _float64_array(col)
    # independent oracle: Arrow's own conversion with nulls as NaN
    want = np.concatenate([c.to_numpy(zero_copy_only=False).astype(float) for c in col.chunks])
    assert got.shape == want.shape == (34,)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(got[~np.isnan(got)], want[~np.isnan(want)])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_reading_a_recording_does_not_load_pandas(tmp_path: Path, fmt: str) -> None:
    # reading is the floor under every command's start-up time; pandas alone
    # takes about half a second to import
    import subprocess

    rec = read_recording(SAMPLE)
    folder = tmp_path / "rec"
    write_recording(rec, folder, fmt=fmt)
    code = (
        "import sys; from footfall.io import read_recording; "
        "r = read_recording(sys.argv[1]); assert len(r.streams) == 2; "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    assert out.stdout.strip() == "False"


def test_a_stream_file_too_large_to_load_exits_2_before_reading(tmp_path: Path) -> None:
    """A CSV bigger than the memory left is refused before a byte of it is
    parsed, with exit 2 and a message naming the file, its size and the fix
    (not a MemoryError after minutes of reading). The file is sparse: as
    large as wanted, at no cost in disk or time."""
    import os
    import subprocess

    from footfall.io._table import available_memory

    free = available_memory()
    assert free is not None  # Linux: MemAvailable
    size = max(200 * 10**9, 2 * os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    big = tmp_path / "left_foot.csv"
    with big.open("wb") as fh:
        fh.write(b"time_s,acc_x,acc_y,acc_z,gyr_x,gyr_y,gyr_z\n")
        fh.truncate(size)
    assert big.stat().st_size == size > free
    run = subprocess.run(
        [sys.executable, "-m", "footfall", "analyze", str(big), "--side", "left"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "MemoryError" not in run.stderr
    assert str(big) in run.stderr
    assert f"{size / 1e9:,.1f} GB" in run.stderr  # its size
    assert "too large to read" in run.stderr and "split the recording" in run.stderr
    with pytest.raises(RecordingError, match="too large to read"):
        read_recording(big, side="left")
