"""Column mapping (footfall.io.mapping, ``footfall analyze FILE --map
PROFILE``): the shipped profiles read the IPOL, gaitmap and Moticon layouts
to the same streams and steps as the canonical readers; a profile's keys
(header lines, separator, decimal mark, time base, units, axis remap) do
what they say; bad profiles and files that do not fit exit 2 naming the
file, the key and the fix. Shared-data tests skip without ../shared/data."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from footfall import pipeline
from footfall.cli import main
from footfall.errors import RecordingError
from footfall.io import read_recording
from footfall.io.mapping import load_profile, profile_names, read_mapped

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from datasets import shared_data_dir  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WALK = REPO / "sample_data" / "gaitmap_walk"
DATA = shared_data_dir()
needs_data = pytest.mark.skipif(DATA is None, reason="../shared/data not available")


def _steps_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b) and len(a) > 0
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)


def test_shipped_profiles_load():
    names = profile_names()
    assert {"gaitmap", "ipol-xsens", "moticon-text", "fit-table"} <= set(names)
    for n in names:
        prof = load_profile(n)
        assert prof.name == n and prof.streams


# --------------------------------------------------------------------------
# the shipped profiles on the shared recordings
# --------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize("trial", [(1, 1), (11, 1)])  # 11-1 repeats one packet counter
def test_ipol_profile_gives_the_canonical_steps(trial):
    from datasets import load_ipol

    canonical = load_ipol(*trial).recording
    folder = Path(DATA) / "ipol_voisard" / "GaitData"
    stem = f"{trial[0]}-{trial[1]}"
    mapped = [read_mapped(folder / f"{stem}_{x}f.txt", "ipol-xsens").streams[0] for x in ("l", "r")]
    for c, m in zip(canonical.streams, mapped, strict=True):
        assert c.side == m.side
        np.testing.assert_array_equal(c.time_s, m.time_s)
        np.testing.assert_array_equal(c.values, m.values)
        assert m.meta["gaps"] == c.meta["gaps"]
    if trial == (11, 1):
        assert mapped[0].meta["dropped_rows"] == {"repeated_time": 1}
    via_profile = pipeline.analyze(type(canonical)(streams=mapped, meta=canonical.meta))
    _steps_equal(pipeline.analyze(canonical).steps, via_profile.steps)


@needs_data
def test_ipol_profile_from_the_command_line(tmp_path, capsys):
    from datasets import load_ipol

    folder = Path(DATA) / "ipol_voisard" / "GaitData"
    out = tmp_path / "steps.csv"
    code = main(
        [
            "analyze",
            str(folder / "2-1_lf.txt"),
            str(folder / "2-1_rf.txt"),
            "--map",
            "ipol-xsens",
            "--steps",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    expected = pipeline.analyze(load_ipol(2, 1).recording).steps
    got = pd.read_csv(out)
    assert len(got) == len(expected) > 10
    np.testing.assert_allclose(got["ic_s"], expected["ic_s"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        got["contact_ms"], expected["contact_ms"], rtol=0, atol=1e-6, equal_nan=True
    )


@needs_data
def test_gaitmap_profile_gives_the_canonical_steps():
    from datasets import load_gaitmap_example

    canonical = load_gaitmap_example().recording
    mapped = read_mapped(Path(DATA) / "gaitmap_example" / "imu_sample_not_rotated.csv", "gaitmap")
    assert [s.side.value for s in mapped.streams] == ["left", "right"]
    for c, m in zip(canonical.streams, mapped.streams, strict=True):
        np.testing.assert_array_equal(c.time_s, m.time_s)
        np.testing.assert_array_equal(c.values, m.values)
    _steps_equal(pipeline.analyze(canonical).steps, pipeline.analyze(mapped).steps)
    # and the canonical folder in sample_data (the same walk) gives the same steps
    _steps_equal(pipeline.analyze(WALK).steps, pipeline.analyze(mapped).steps)


@needs_data
def test_moticon_profile_reads_what_the_moticon_reader_reads():
    from footfall.io.moticon import read_opengo

    path = Path(DATA) / "moticon_opengo" / "230927_102114.txt"
    native = read_opengo(path)
    mapped = read_mapped(path, "moticon-text")
    assert len(native.streams) == len(mapped.streams) == 4
    for a, b in zip(native.streams, mapped.streams, strict=True):
        assert (a.kind, a.side) == (b.kind, b.side)
        assert a.columns == b.columns
        np.testing.assert_array_equal(a.time_s, b.time_s)
        np.testing.assert_array_equal(a.values, b.values)
        assert a.meta["gaps"] == b.meta["gaps"]
    # the lines a side's insole left empty are left out, and counted
    assert mapped.streams[0].meta["dropped_rows"]["empty"] > 0
    # one time column: one clock for the insoles and their IMUs, as the reader says
    assert len({s.meta["clock"] for s in mapped.streams}) == 1


# --------------------------------------------------------------------------
# what each key does (a profile of one's own, on the sample walk)
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def walk_left():
    return read_recording(WALK / "left_foot.csv", side="left").streams[0]


def _vendor_csv(path: Path, stream, *, sep=";", decimal=",", t_scale=1000.0, acc_div=1.0):
    """The left foot's samples as another vendor might export them: a title
    line, own column names, time in ms, acc in mg, a decimal comma."""
    t = stream.time_s * t_scale
    acc = stream.values[:, :3] / 9.80665 * 1000.0 / acc_div  # mg
    gyr = np.rad2deg(stream.values[:, 3:6])
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Exported by SomeSensor 2.1\n")
        fh.write(sep.join(["Time", "AccX", "AccY", "AccZ", "GyrX", "GyrY", "GyrZ"]) + "\n")
        for k in range(len(t)):
            row = [f"{t[k]:.6f}"] + [f"{v:.9f}" for v in acc[k]] + [f"{v:.9f}" for v in gyr[k]]
            fh.write(sep.join(x.replace(".", decimal) for x in row) + "\n")


PROFILE = """\
name = "somesensor"
kind = "imu"
side = "left"

[file]
skip_lines = 1
separator = ";"
decimal = ","

[time]
column = "Time"
unit = "ms"

[columns]
AccX = "acc_x"
AccY = "acc_y"
AccZ = "acc_z"
GyrX = "gyr_x"
GyrY = "gyr_y"
GyrZ = "gyr_z"

[units]
acc = "mg"
gyr = "deg/s"
"""


def test_own_profile_reads_units_time_and_decimal_comma(tmp_path, walk_left):
    data = tmp_path / "export.csv"
    _vendor_csv(data, walk_left)
    prof = tmp_path / "somesensor.toml"
    prof.write_text(PROFILE)
    got = read_mapped(data, prof).streams[0]
    assert got.side.value == "left"
    np.testing.assert_allclose(got.time_s, walk_left.time_s, atol=1e-9)
    np.testing.assert_allclose(got.values, walk_left.values, rtol=1e-7, atol=1e-7)
    assert got.meta["units"] == {"acc": "mg", "gyr": "deg/s"}


def test_axes_remap_turns_the_sensor(tmp_path, walk_left):
    data = tmp_path / "export.csv"
    _vendor_csv(data, walk_left)
    prof = tmp_path / "p.toml"
    prof.write_text(PROFILE.replace('kind = "imu"', 'kind = "imu"\naxes = ["y", "-x", "z"]'))
    got = read_mapped(data, prof).streams[0]
    v = walk_left.values
    for off in (0, 3):  # acc, then gyr
        np.testing.assert_allclose(got.values[:, off + 0], v[:, off + 1], rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(got.values[:, off + 1], -v[:, off + 0], rtol=1e-7, atol=1e-7)
        np.testing.assert_allclose(got.values[:, off + 2], v[:, off + 2], rtol=1e-7, atol=1e-7)


def test_sample_rate_instead_of_a_time_column(tmp_path, walk_left):
    data = tmp_path / "export.csv"
    _vendor_csv(data, walk_left)
    prof = tmp_path / "p.toml"
    prof.write_text(PROFILE.replace('column = "Time"\nunit = "ms"', "rate_hz = 204.8"))
    got = read_mapped(data, prof).streams[0]
    np.testing.assert_allclose(got.time_s, np.arange(len(got)) / 204.8)
    assert "Time" in got.meta.get("ignored_columns", []) or len(got) == len(walk_left)


def test_wrong_unit_in_a_profile_is_caught_by_the_unit_checks(tmp_path, walk_left, capsys):
    data = tmp_path / "export.csv"
    _vendor_csv(data, walk_left, acc_div=1000.0)  # in g, while the profile says mg
    prof = tmp_path / "p.toml"
    prof.write_text(PROFILE.replace('acc = "mg"', 'acc = "m/s2"'))
    code = main(["analyze", str(data), "--map", str(prof)])
    err = capsys.readouterr().err
    assert code == 2
    assert "looks like it is in g" in err and str(prof) in err and 'units.acc = "g"' in err


# --------------------------------------------------------------------------
# bad profiles and files that do not fit: exit 2, naming what to change
# --------------------------------------------------------------------------

BAD_PROFILES = [
    # (change to PROFILE, fragments of the message)
    (("[file]", "[file]\nseperator = ';'"), ["unknown key", "file.seperator", "separator"]),
    (('acc = "mg"', 'acc = "furlongs"'), ["unknown unit", "units.acc", "m/s2, g, mg"]),
    (('AccX = "acc_x"', 'AccX = "accel_x"'), ["columns.AccX", "not a footfall column"]),
    (('AccX = "acc_x"\n', ""), ["map no source column to acc_x"]),
    (('unit = "ms"', 'unit = "minutes"'), ["time.unit", '"ms"']),
    (('side = "left"', 'side = "middle"'), ["unknown side", '"from-name"']),
    (("[file]", 'colour = "red"\n[file]'), ["unknown key 'colour'"]),
    (('column = "Time"\nunit = "ms"', 'unit = "samples"'), ["no sample rate", "rate_hz"]),
    (('kind = "imu"', 'kind = "imu"\naxes = ["x", "y", "-z"]'), ["mirror image", "axes"]),
    (("skip_lines = 1", "skip_lines = -1"), ["file.skip_lines"]),
    (("[columns]", "[columnz]"), ["unknown key 'columnz'"]),
    (('name = "somesensor"', "name = [1"), ["not valid TOML"]),
]


@pytest.mark.parametrize("change, fragments", BAD_PROFILES)
def test_bad_profile_exits_2_naming_the_profile_key_and_fix(
    tmp_path, walk_left, capsys, change, fragments
):
    data = tmp_path / "left.csv"
    data.write_text("x\n1\n")  # never read: the profile fails first
    prof = tmp_path / "bad.toml"
    old, new = change
    assert old in PROFILE
    prof.write_text(PROFILE.replace(old, new, 1))
    code = main(["analyze", str(data), "--map", str(prof)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(prof) in err and "Fix:" in err and "Traceback" not in err
    for f in fragments:
        assert f in err, (f, err)


BAD_FILES = [
    # (how the data file differs, fragments)
    ("AccY", ["has no column 'AccY'", 'columns."AccY"', "p.toml"]),
    ("sep", ["cannot be read with the profile", "semicolons"]),
    ("text", ["is not UTF-8 text"]),
    ("notime", ["missing, NaN or infinite values, the first at line 5", "time_s (1)"]),
]


@pytest.mark.parametrize("how, fragments", BAD_FILES)
def test_data_file_that_does_not_fit_the_profile(tmp_path, walk_left, capsys, how, fragments):
    data = tmp_path / "export.csv"
    _vendor_csv(data, walk_left)
    text = data.read_text()
    if how == "AccY":
        text = text.replace("AccY", "AccQ", 1)
    elif how == "notime":
        lines = text.splitlines()
        lines[4] = ";" + lines[4].split(";", 1)[1]  # the 5th line's time left empty
        text = "\n".join(lines) + "\n"
    elif how == "sep":
        lines = text.splitlines()
        lines[5] = lines[5] + ";1,0"
        text = "\n".join(lines) + "\n"
    if how == "text":
        data.write_bytes(b"\xff\xfe\x00garbage\n")
    else:
        data.write_text(text)
    prof = tmp_path / "p.toml"
    prof.write_text(PROFILE)
    code = main(["analyze", str(data), "--map", str(prof)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert str(data) in err and "Fix:" in err and "Traceback" not in err
    for f in fragments:
        assert f in err, (f, err)


def test_unknown_profile_name_lists_the_shipped_ones(tmp_path, capsys):
    data = tmp_path / "left.csv"
    data.write_text("x\n1\n")
    assert main(["analyze", str(data), "--map", "no-such-profile"]) == 2
    err = capsys.readouterr().err
    assert "no-such-profile" in err and "ipol-xsens" in err and "gaitmap" in err


def test_stream_options_with_map_are_refused(tmp_path, capsys):
    data = tmp_path / "left.csv"
    data.write_text("x\n1\n")
    assert main(["analyze", str(data), "--map", "gaitmap", "--acc-unit", "g"]) == 2
    assert "--acc-unit cannot be used here" in capsys.readouterr().err


def test_read_mapped_error_type(tmp_path):
    with pytest.raises(RecordingError, match="no such profile"):
        load_profile(tmp_path / "missing.toml")


# --------------------------------------------------------------------------
# fit-table: the running-dynamics table read back
# --------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize("name", ["garmin-fenix-5-run", "developer-types-sample"])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_fit_table_profile_gives_what_the_fit_file_gives(tmp_path, capsys, name, suffix):
    import json

    fit = Path(DATA) / "fit" / f"{name}.fit"
    table, direct, back = tmp_path / f"t{suffix}", tmp_path / "a.json", tmp_path / "b.json"
    assert main(["analyze", str(fit), "--steps", str(table), "--json", str(direct)]) == 0
    assert main(["analyze", str(table), "--map", "fit-table", "--json", str(back)]) == 0
    capsys.readouterr()
    a, b = json.loads(direct.read_text()), json.loads(back.read_text())
    for key in ("duration_s", "n_steps", "cadence_spm", "metrics", "drift", "windows"):
        assert a[key] == b[key], key
    assert [f["id"] for f in a["findings"]] == [f["id"] for f in b["findings"]]
    assert [n["id"] for n in a["not_evaluated"]] == [n["id"] for n in b["not_evaluated"]]
    rd_a, rd_b = a["running_dynamics"], b["running_dynamics"]
    assert rd_b["source"] == "table" and rd_a["means"] == rd_b["means"]
    assert [lap["means"] for lap in rd_a["laps"]] == [lap["means"] for lap in rd_b["laps"]]


def test_records_units_convert(tmp_path):
    from footfall.io.mapping import read_records

    t = np.arange(30.0)
    data = tmp_path / "watch.csv"
    pd.DataFrame({"secs": t, "cad": np.full(30, 85.0), "len_mm": np.full(30, 1100.0)}).to_csv(
        data, index=False
    )
    prof = tmp_path / "watch.toml"
    prof.write_text(
        'kind = "records"\n[time]\ncolumn = "secs"\n[columns]\ncad = "cadence_spm"\n'
        'len_mm = "step_length_m"\n[units]\ncadence_spm = "strides/min"\n'
        'step_length_m = "mm"\n'
    )
    rec = read_records(data, prof)
    np.testing.assert_allclose(rec.columns["cadence_spm"], 170.0)
    np.testing.assert_allclose(rec.columns["step_length_m"], 1.1)
    np.testing.assert_allclose(rec.columns["interval_s"], np.r_[0.0, np.ones(29)])
    analysis = pipeline.analyze(rec)
    assert analysis.summary["cadence_spm"] == pytest.approx(170.0)


def test_columns_the_profile_does_not_read_may_hold_anything(tmp_path, walk_left):
    data = tmp_path / "export.csv"
    _vendor_csv(data, walk_left)
    lines = data.read_text().splitlines()
    lines[1] += ";Date;Note"
    lines[2:] = [f"{line};2026-11-20 18:02;ok, fine" for line in lines[2:]]
    data.write_text("\n".join(lines) + "\n")
    prof = tmp_path / "p.toml"
    prof.write_text(PROFILE)
    got = read_mapped(data, prof).streams[0]
    np.testing.assert_allclose(got.values, walk_left.values, rtol=1e-7, atol=1e-7)


def test_two_columns_of_one_name_that_the_profile_reads(tmp_path, walk_left, capsys):
    data = tmp_path / "export.csv"
    _vendor_csv(data, walk_left)
    lines = data.read_text().splitlines()
    lines[1] += ";AccX"
    lines[2:] = [f"{line};0" for line in lines[2:]]
    data.write_text("\n".join(lines) + "\n")
    prof = tmp_path / "p.toml"
    prof.write_text(PROFILE)
    assert main(["analyze", str(data), "--map", str(prof)]) == 2
    err = capsys.readouterr().err
    assert "has two columns named 'AccX'" in err and str(data) in err


def test_records_profile_with_plot_draws_what_records_can_show(tmp_path, capsys):
    data = tmp_path / "watch.csv"
    pd.DataFrame({"time_s": np.arange(30.0), "cadence_spm": np.full(30, 170.0)}).to_csv(
        data, index=False
    )
    prof = tmp_path / "watch.toml"
    prof.write_text(
        'kind = "records"\n[time]\ncolumn = "time_s"\n[columns]\ncadence_spm = "cadence_spm"\n'
    )
    plots = tmp_path / "plots"
    assert main(["analyze", str(data), "--map", str(prof), "--plot", str(plots)]) == 0
    out = capsys.readouterr().out
    # every figure is written; the per-step ones are named as without data
    assert {f.stem for f in plots.glob("*.png")} >= {"drift", "series", "sides"}
    assert "no data for" in out and "series" in out
