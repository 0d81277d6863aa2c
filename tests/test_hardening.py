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
from typing import Any

import numpy as np
import pytest

from footfall.errors import safe_text
from footfall.io.atomic import atomic_write_text


def _footfall(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "footfall", *args], capture_output=True, text=True, timeout=120
    )


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
def test_stream_files_stay_in_the_recording_folder(
    sim_rec: Path, tmp_path: Path, case: str
) -> None:
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


def test_two_streams_for_one_foot_and_placement_are_refused(sim_rec: Path, tmp_path: Path) -> None:
    folder, doc = _copy(sim_rec, tmp_path)
    first = doc["streams"][0]
    shutil.copy(folder / first["file"], folder / "copy.csv")
    doc["streams"].append({**first, "file": "copy.csv"})
    _edit(folder, doc)
    r = _footfall("analyze", str(folder))
    assert r.returncode == 2, r.stderr
    assert f"two streams are the {first['side']} foot IMU" in r.stderr


@pytest.mark.parametrize("option,target", [("--steps", "stream"), ("--json", "recording.json")])
def test_an_output_never_replaces_an_input(
    sim_rec: Path, tmp_path: Path, option: str, target: str
) -> None:
    folder, doc = _copy(sim_rec, tmp_path)
    path = folder / (doc["streams"][0]["file"] if target == "stream" else target)
    before = path.read_bytes()
    r = _footfall("analyze", str(folder), option, str(path))
    assert r.returncode == 2 and "one of the inputs" in r.stderr, r.stderr
    assert path.read_bytes() == before
    # a single stream file as input: the same
    r = _footfall(
        "analyze",
        str(folder / doc["streams"][0]["file"]),
        "--side",
        "left",
        "--steps",
        str(folder / doc["streams"][0]["file"]),
    )
    assert r.returncode == 2 and "one of the inputs" in r.stderr, r.stderr


def test_outputs_are_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
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


def test_simulate_does_not_replace_a_recording_without_force(sim_rec: Path, tmp_path: Path) -> None:
    folder, _ = _copy(sim_rec, tmp_path)
    before = (folder / "recording.json").read_bytes()
    r = _footfall("simulate", "--scenario", "easy-run", "--minutes", "0.1", "-o", str(folder))
    assert r.returncode == 2 and "already holds a recording" in r.stderr, r.stderr
    assert (folder / "recording.json").read_bytes() == before
    r = _footfall(
        "simulate", "--scenario", "easy-run", "--minutes", "0.1", "-o", str(folder), "--force"
    )
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

    return Stream(
        kind=stream.kind,
        side=stream.side,
        placement=stream.placement,
        time_s=stream.time_s,
        values=values,
        columns=stream.columns,
        name=stream.name,
    )


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
    np.testing.assert_allclose(
        np.nanmedian(res.steps["foot_strike_angle_deg"]),
        np.nanmedian(clean["foot_strike_angle_deg"]),
        atol=0.2,
    )
    det = ImuStepDetector(s.fs_hz, s.side, "foot")
    live = replay_rows(det, s, 64)
    assert det.n_implausible == 1 and len(live) == len(res.steps)
    np.testing.assert_allclose(
        live["foot_strike_angle_deg"].to_numpy(float),
        res.steps["foot_strike_angle_deg"].to_numpy(float),
        atol=1e-6,
    )


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
    f"{i / 100},0,0,9.8,0,0,0\n" for i in range(300)
)
_ROWS = _TEXT.splitlines(keepends=True)


def _csv_with(line: int, text: str) -> bytes:
    """_TEXT with line ``line`` (the header is line 1) replaced by ``text``."""
    rows = list(_ROWS)
    rows[line - 1] = text
    return "".join(rows).encode()


def _parquet(**columns: Any) -> bytes:
    """The samples of _TEXT as a Parquet file, with ``columns`` replaced
    (arrays of 300 values)."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    n = len(_ROWS) - 1
    data = {"time_s": pa.array(np.arange(n) / 100)}
    data |= {
        c: pa.array(np.full(n, 9.8 if c == "acc_z" else 0.0))
        for c in ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
    }
    buf = io.BytesIO()
    pq.write_table(pa.table(data | columns), buf)
    return buf.getvalue()


_LEFT = {
    "file": "left.csv",
    "kind": "imu",
    "side": "left",
    "units": {"acc": "m/s2", "gyr": "deg/s"},
}


def _recording(
    streams: Any = None,
    *,
    condition: Any = None,
    raw: bytes | None = None,
    **files: bytes | str | None,
) -> dict[str, Any]:
    """A recording folder for the table: recording.json (listing ``streams``,
    default left.csv, or the bytes ``raw``), left.csv holding _TEXT, and
    ``files`` (see _put)."""
    doc: dict[str, Any] = {
        "format": "footfall-recording/1",
        "streams": [_LEFT] if streams is None else streams,
    }
    if condition is not None:
        doc["condition"] = condition
    return {
        "recording.json": json.dumps(doc).encode() if raw is None else raw,
        "left.csv": _TEXT.encode(),
        **files,
    }


def _put(path: Path, data: Any) -> None:
    """Make ``path``: bytes a file, None a folder, a text a symbolic link to
    that name, a dict a folder holding such entries."""
    if data is None:
        path.mkdir()
    elif isinstance(data, str):
        try:
            os.symlink(data, path)
        except (AttributeError, NotImplementedError, OSError):
            pytest.skip("symbolic links cannot be made here")
    elif isinstance(data, dict):
        path.mkdir()
        for name, content in data.items():
            _put(path / name, content)
    else:
        path.write_bytes(data)


BAD_INPUTS = {
    # name: (file name, contents (see _put; False: none), option (None: the file or folder
    # itself is analysed), expected message fragment)
    "rules file in UTF-16": ("r.toml", "[rules.x]\na = 1\n".encode("utf-16"), "--rules", "UTF-16"),
    "rules file binary": ("r.toml", bytes(range(256)), "--rules", "not UTF-8 text"),
    "rules file is a folder": ("dir", None, "--rules", "is a folder"),
    "symptoms in UTF-16": ("s.toml", "side = 'left'\n".encode("utf-16"), "--symptoms", "UTF-16"),
    "symptoms nested too deeply": (
        "s.json",
        b"[" * 100000 + b"]" * 100000,
        "--symptoms",
        "nested too deeply",
    ),
    "symptoms with a huge number": (
        "s.json",
        b'{"onset_min": ' + b"9" * 5000 + b"}",
        "--symptoms",
        "cannot be read",
    ),
    "missing symptoms": ("none.toml", False, "--symptoms", "no such symptom profile"),
    "stream CSV in UTF-16": ("x.csv", _TEXT.encode("utf-16"), None, "UTF-16"),
    "stream CSV in UTF-32": ("x.csv", _TEXT.encode("utf-32"), None, "UTF-32"),
    "binary stream file": ("x.csv", bytes(range(256)) * 20, None, "binary data"),
    "ragged CSV line": ("x.csv", (_TEXT + "3,1,2\n").encode(), None, "line 302"),
    # stream files, analysed on their own
    "semicolons and decimal commas": (
        "x.csv",
        _TEXT.replace(",", ";").replace(".", ",").encode(),
        None,
        "decimal comma",
    ),
    "time stamp repeated": ("x.csv", _csv_with(51, _ROWS[49]), None, "time_s repeats at line 51"),
    "time going back": (
        "x.csv",
        _csv_with(51, "0.1,0,0,9.8,0,0,0\n"),
        None,
        "time_s goes back at line 51",
    ),
    "NaN time": ("x.csv", _csv_with(51, "nan,0,0,9.8,0,0,0\n"), None, "by column: time_s (1)"),
    "empty stream file": ("x.csv", b"", None, "the file is empty"),
    "header line only": ("x.csv", _ROWS[0].encode(), None, "has only 0 sample(s)"),
    "no gyroscope columns": (
        "x.csv",
        "".join(r.rsplit(",", 3)[0] + "\n" for r in _ROWS).encode(),
        None,
        "missing column gyr_x, gyr_y, gyr_z",
    ),
    "text in a number column": (
        "x.csv",
        _csv_with(51, "0.49,abc,0,9.8,0,0,0\n"),
        None,
        "'abc' at line 51",
    ),
    "time in milliseconds": (
        "x.csv",
        (_ROWS[0] + "".join(f"{i * 10},0,0,9.8,0,0,0\n" for i in range(300))).encode(),
        None,
        "probably not in seconds",
    ),
    "column named twice": (
        "x.csv",
        _TEXT.replace("gyr_z", "acc_x", 1).encode(),
        None,
        "two columns named 'acc_x'",
    ),
    "spreadsheet file": (
        "x.xlsx",
        b"PK\x03\x04" + bytes(60),
        None,
        "unsupported file type '.xlsx'",
    ),
    "no such stream file": ("none.csv", False, None, "no such file or folder"),
    "semicolons, a line cut short": (
        "x.csv",
        _csv_with(51, "0.5;0;0\n").replace(b",", b";"),
        None,
        "separated by semicolons as the header's are",
    ),
    "quote not closed": (
        "x.csv",
        _csv_with(51, '0.5,"0,0,9.8,0,0,0\n'),
        None,
        'line 51 opens a quote (") that is not closed',
    ),
    "column without a name": (
        "x.csv",
        _TEXT.replace("acc_y", " ", 1).encode(),
        None,
        "Column 3 of the first line has no name",
    ),
    "two columns without a name": (
        "x.csv",
        "".join(r.rstrip("\n") + ",,\n" for r in _ROWS).encode(),
        None,
        "columns 8 and 9 of the first line have no name",
    ),
    "time in microseconds": (
        "x.csv",
        (_ROWS[0] + "".join(f"{i * 10_000},0,0,9.8,0,0,0\n" for i in range(300))).encode(),
        None,
        "time_s looks like microseconds (100 samples per second)",
    ),
    "Parquet time in nanoseconds, the unit named": (
        "x.parquet",
        _parquet(time_s=1_700_000_000_000_000_000 + np.arange(300) * 10_000_000),
        None,
        "divide milliseconds by 1000, microseconds by 1e6, nanoseconds by 1e9",
    ),
    "Parquet file cut short": (
        "x.parquet",
        _parquet()[:1000],
        None,
        "cannot be read as a Parquet file",
    ),
    "Parquet time as timestamps": (
        "x.parquet",
        _parquet(time_s=np.arange(300).astype("datetime64[ms]")),
        None,
        "column time_s holds dates or times",
    ),
    "Parquet yes/no column": (
        "x.parquet",
        _parquet(gyr_x=np.zeros(300, dtype=bool)),
        None,
        "column gyr_x holds bool values",
    ),
    "Parquet time in nanoseconds": (
        "x.parquet",
        _parquet(time_s=1_700_000_000_000_000_000 + np.arange(300) * 10_000_000),
        None,
        "probably not in seconds",
    ),
    # recording folders: recording.json and its streams
    "recording.json not JSON": (
        "rec",
        _recording(raw=b'{"streams": [}'),
        None,
        "is not valid JSON",
    ),
    "recording.json nested too deeply": (
        "rec",
        _recording(raw=b"[" * 100000 + b"]" * 100000),
        None,
        "nested too deeply",
    ),
    "recording.json key twice": (
        "rec",
        _recording(
            raw=b'{"format": "footfall-recording/1", "streams": [], '
            b'"streams": [{"file": "left.csv", "kind": "imu", "side": "left"}]}'
        ),
        None,
        "key 'streams' is given twice",
    ),
    "recording.json stream entry key twice": (
        "rec",
        _recording(
            raw=b'{"format": "footfall-recording/1", "streams": '
            b'[{"file": "left.csv", "kind": "imu", "side": "left", "side": "right"}]}'
        ),
        None,
        "key 'side' is given twice",
    ),
    "recording.json with a 5000-digit number": (
        "rec",
        _recording(raw=b'{"streams": ' + b"9" * 5000 + b"}"),
        None,
        "holds a value that cannot be read",
    ),
    "streams an object": ("rec", _recording(streams=_LEFT), None, "lists no streams"),
    "stream entry with path, not file": (
        "rec",
        _recording([{"path": "left.csv", "side": "left"}]),
        None,
        'stream entry 1 has no "file" name',
    ),
    "unit in furlongs": (
        "rec",
        _recording([_LEFT | {"units": {"acc": "furlongs"}}]),
        None,
        "unknown acc unit 'furlongs'",
    ),
    "zero speed": (
        "rec",
        _recording(condition={"surface": "treadmill", "speed_mps": 0}),
        None,
        "speed_mps must be a positive number of metres per second, got 0.",
    ),
    "speed of 400 digits": (
        "rec",
        _recording(condition={"speed_mps": 10**400}),
        None,
        "speed_mps must be a positive number",
    ),
    "unknown surface": (
        "rec",
        _recording(condition={"surface": "beach"}),
        None,
        "unknown surface 'beach'; allowed",
    ),
    "stream name with a zero byte": (
        "rec",
        _recording([_LEFT | {"file": "le\x00ft.csv"}]),
        None,
        "cannot be used as a stream file",
    ),
    "stream name too long": (
        "rec",
        _recording([_LEFT | {"file": "x" * 300 + ".csv"}]),
        None,
        "cannot be used as a stream file",
    ),
    "stream link to itself": (
        "rec",
        _recording([_LEFT | {"file": "loop.csv"}], **{"loop.csv": "loop.csv"}),
        None,
        "cannot be used as a stream file",
    ),
    "stream file a folder": (
        "rec",
        _recording([_LEFT | {"file": "sub.csv"}], **{"sub.csv": None}),
        None,
        "is a folder, not a stream file",
    ),
    # --rules override files
    "rules threshold as text": (
        "r.toml",
        b'[rules.low-cadence]\ncadence_low_spm = "fast"\n',
        "--rules",
        "'fast' is not a number",
    ),
    "rules threshold NaN": (
        "r.toml",
        b"[rules.low-cadence]\ncadence_low_spm = nan\n",
        "--rules",
        "nan is not a number",
    ),
    "rules threshold of 400 digits": (
        "r.toml",
        b"[rules.low-cadence]\ncadence_low_spm = " + b"9" * 400 + b"\n",
        "--rules",
        "a number of 400 digits is too large",
    ),
    "rules operator changed": (
        "r.toml",
        b'[rules.low-cadence]\nop = "~"\n',
        "--rules",
        "key 'op': unknown key for this rule",
    ),
    "rules id misspelt": (
        "r.toml",
        b"[rules.low-cadense]\nenabled = false\n",
        "--rules",
        "did you mean 'low-cadence'",
    ),
    "rules not tables": ("r.toml", b"rules = 5\n", "--rules", "key 'rules': must be tables"),
    "rules TOML syntax": ("r.toml", b"[rules.low-cadence\n", "--rules", "not valid TOML"),
    "rules toe out of range": (
        "r.toml",
        b"[rules.mortons-neuroma-pattern]\ntoes_3_4 = [7]\n",
        "--rules",
        "does not fit list field 'toes'",
    ),
    "missing rules": ("none.toml", False, "--rules", "no such rules override file"),
    # --symptoms profiles
    "symptoms a JSON list": ("s.json", b'["left"]', "--symptoms", "must be a table of fields"),
    "symptoms number as text": (
        "s.json",
        b'{"onset_min": "10"}',
        "--symptoms",
        "'10' is not a number",
    ),
    "symptoms negative onset": ("s.json", b'{"onset_min": -5}', "--symptoms", "is negative"),
    "symptoms number of 400 digits": (
        "s.json",
        b'{"onset_min": ' + b"9" * 400 + b"}",
        "--symptoms",
        "a number of 400 digits is too large",
    ),
    "symptoms field misspelt": (
        "s.json",
        b'{"onset_mins": 5}',
        "--symptoms",
        "did you mean 'onset_min'",
    ),
    "symptoms JSON key twice": (
        "s.json",
        b'{"onset_min": 5, "side": "left", "onset_min": 50}',
        "--symptoms",
        "key 'onset_min' is given twice",
    ),
    "symptoms TOML key twice": (
        "s.toml",
        b"onset_min = 5\nonset_min = 50\n",
        "--symptoms",
        "key 'onset_min' at line 2 is given a value again",
    ),
    "rules key twice": (
        "r.toml",
        b"[rules.low-cadence]\ncadence_low_spm = 150\ncadence_low_spm = 140\n",
        "--rules",
        "key 'cadence_low_spm' at line 3 is given a value again",
    ),
    "rules table twice": (
        "r.toml",
        b"[rules.low-cadence]\ncadence_low_spm = 150\n[rules.low-cadence]\nenabled = false\n",
        "--rules",
        "table [rules.low-cadence] is declared again at line 3",
    ),
    "symptoms in YAML": ("s.yaml", b"foot: left\n", "--symptoms", "must be a .toml or .json file"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_files_exit_2_with_the_problem_named(case: str, tmp_path: Path) -> None:
    name, data, option, fragment = BAD_INPUTS[case]
    target = tmp_path / name
    if data is not False:
        _put(target, data)
    if option is None:  # a recording folder as it is, a stream file with its side
        args = ["analyze", str(target)] + ([] if isinstance(data, dict) else ["--side", "left"])
    else:
        args = ["analyze", "sample_data/gaitmap_walk", option, str(target)]
    r = subprocess.run(
        [sys.executable, "-m", "footfall", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert r.returncode == 2, (case, r.returncode, r.stderr)
    assert fragment in r.stderr and "Traceback" not in r.stderr, (case, r.stderr)
    assert name in r.stderr, (case, r.stderr)


def test_steps_measured_from_clipped_data_are_marked(run_stream) -> None:
    """A sensor whose range cuts only the hardest impacts: the steps measured
    from clipped data carry saturated_ms > 0 (the ones with the harder
    impacts), the others 0, and a note counts them; a clean stream has no
    such column."""
    from footfall.gait.imu import analyze_imu_stream

    stream, cond = run_stream
    clean = analyze_imu_stream(stream, cond).steps
    assert "saturated_ms" not in clean.columns
    # the range set at the median of the strides' largest specific force
    acc = stream.values[:, :3]
    t = stream.time_s
    peaks = [
        np.abs(acc[(t >= a) & (t < b)]).max()
        for a, b in zip(clean["ic_s"][:-1], clean["ic_s"][1:], strict=True)
    ]
    lim = float(np.median(peaks))
    v = stream.values.copy()
    v[:, :3] = np.clip(v[:, :3], -lim, lim)
    res = analyze_imu_stream(_with(stream, v), cond)
    assert len(res.steps) == len(clean)
    sat = res.steps["saturated_ms"].to_numpy()
    marked, unmarked = sat > 0, sat == 0
    assert marked.sum() >= 5 and unmarked.sum() >= 5, sat
    assert np.nanmedian(clean["impact_g"].to_numpy()[marked]) > np.nanmedian(
        clean["impact_g"].to_numpy()[unmarked]
    )
    note = next(n for n in res.notes if "saturated_ms" in n)
    assert note.startswith(f"{int(marked.sum())} of {len(sat)} steps")
