"""FIT import: records -> running dynamics, units, laps, pauses, developer
fields, truncated files, the summary and the rules, and `footfall analyze
run.fit`. The three shared FIT files are checked against their own lap and
session averages (skipped without ../shared/data/fit); a FIT file built here
byte by byte checks the conversions against known values."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any

import fitdecode
import numpy as np
import pytest

from footfall.cli import main
from footfall.errors import RecordingError
from footfall.io.fit import dev_column, device_averages, read_fit, record_values
from footfall.pipeline import analyze
from footfall.registry import METRICS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from datasets import shared_data_dir  # noqa: E402

DATA = shared_data_dir()
FIT_DIR = None if DATA is None else Path(DATA) / "fit"
needs_fit = pytest.mark.skipif(
    FIT_DIR is None or not FIT_DIR.is_dir(), reason="../shared/data/fit not available"
)
FENIX5 = "garmin-fenix-5-run.fit"
FENIX2 = "activity-small-fenix2-run.fit"
STRYD = "developer-types-sample.fit"


def _shared(name: str) -> Path:
    assert FIT_DIR is not None
    return FIT_DIR / name


def _raw_records(path: Path) -> list[dict[str, Any]]:
    """Every record message's fields by name, as fitdecode gives them."""
    out = []
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                out.append({f.name: f.value for f in frame.fields})
    return out


def _close(ours: float | None, theirs: float, pct: float = 1.0) -> bool:
    return ours is not None and abs(ours - theirs) <= pct / 100.0 * abs(theirs)


# --------------------------------------------------------------------------
# a FIT file written byte by byte (FIT protocol 1.0 little-endian records)
# --------------------------------------------------------------------------

_CRC_TABLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip


def _crc(data: bytes, crc: int = 0) -> int:
    """The FIT file CRC-16 (FIT protocol, 'CRC' section)."""
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[crc & 0xF]
            crc = (crc >> 4) & 0x0FFF
            crc = crc ^ tmp ^ _CRC_TABLE[nibble]
    return crc


_FMT = {0x00: "B", 0x02: "B", 0x84: "H", 0x86: "I", 0x88: "f", 0x07: None, 0x0D: None}
FIT_EPOCH = 631065600  # 1989-12-31T00:00:00Z in Unix time


class FitWriter:
    """Definition and data messages, little endian, one local type each."""

    def __init__(self) -> None:
        self.body = bytearray()
        self.defs: dict[int, tuple[list[tuple[int, int, int]], list[tuple[int, int, int]]]] = {}

    def define(
        self,
        local: int,
        global_num: int,
        fields: list[tuple[int, int, int]],
        dev: list[tuple[int, int, int]] | None = None,
    ) -> None:
        """``fields``: (number, size, base type); ``dev``: (number, size, dev index)."""
        dev = dev or []
        header = 0x40 | (0x20 if dev else 0) | local
        self.body += struct.pack("<BBBHB", header, 0, 0, global_num, len(fields))
        for num, size, base in fields:
            self.body += struct.pack("<BBB", num, size, base)
        if dev:
            self.body += struct.pack("<B", len(dev))
            for num, size, index in dev:
                self.body += struct.pack("<BBB", num, size, index)
        self.defs[local] = (fields, dev)

    def data(self, local: int, *values: Any) -> None:
        fields, dev = self.defs[local]
        self.body += struct.pack("<B", local)
        sizes = [(s, b) for _, s, b in fields] + [(s, 0x84 if s == 2 else 0x88) for _, s, _ in dev]
        for (size, base), v in zip(sizes, values, strict=True):
            fmt = _FMT[base]
            if fmt is None:  # string or byte array, padded with zeros
                raw = v if isinstance(v, bytes) else str(v).encode()
                self.body += raw[:size].ljust(size, b"\0")
            else:
                self.body += struct.pack("<" + fmt, v)

    def bytes(self) -> bytes:
        header = struct.pack("<BBHI4s", 14, 0x10, 2132, len(self.body), b".FIT")
        header += struct.pack("<H", _crc(header))
        data = header + bytes(self.body)
        return data + struct.pack("<H", _crc(data))


BASE_T = 1_000_000_000  # FIT seconds


def build_fit(path: Path, *, cadence: int = 75, frac: float = 0.5, balance: float = 53.0) -> Path:
    """A 4-minute run at 1 Hz: a pause (timer stopped from 100.5 s to 129.5 s,
    no records), a gap (no records from 201 to 219 s), two laps, two Stryd
    developer fields defined with other numbers than Stryd uses, in the
    other order."""
    w = FitWriter()
    w.define(0, 0, [(0, 1, 0x00), (1, 2, 0x84), (4, 4, 0x86)])  # file_id
    w.data(0, 4, 89, BASE_T)  # activity, manufacturer 89 (Stryd)
    w.define(1, 207, [(1, 16, 0x0D), (3, 1, 0x02)])  # developer_data_id
    w.data(1, bytes(range(16)), 0)
    w.define(2, 206, [(0, 1, 0x02), (1, 1, 0x02), (2, 1, 0x02), (3, 24, 0x07), (8, 8, 0x07)])
    w.data(2, 0, 3, 0x88, "Leg Spring Stiffness", "KN/m")
    w.data(2, 0, 1, 0x84, "Form Power", "Watts")
    w.define(3, 21, [(253, 4, 0x86), (0, 1, 0x00), (1, 1, 0x00)])  # event
    record = [
        (253, 4, 0x86),  # timestamp
        (3, 1, 0x02),  # heart_rate
        (4, 1, 0x02),  # cadence, strides/min
        (53, 1, 0x02),  # fractional_cadence, 1/128
        (5, 4, 0x86),  # distance, 1/100 m
        (73, 4, 0x86),  # enhanced_speed, 1/1000 m/s
        (41, 2, 0x84),  # stance_time, 1/10 ms
        (84, 2, 0x84),  # stance_time_balance, 1/100 %
        (85, 2, 0x84),  # step_length, 1/10 mm
        (39, 2, 0x84),  # vertical_oscillation, 1/10 mm
        (83, 2, 0x84),  # vertical_ratio, 1/100 %
    ]
    w.define(4, 20, record, dev=[(1, 2, 0), (3, 4, 0)])
    w.data(3, BASE_T, 0, 0)  # timer start
    distance, k = 0.0, -1
    for s in range(240):
        if 100 < s < 130 or 201 <= s < 220:
            if s == 101:
                w.data(3, BASE_T + 100, 0, 4)  # timer stop_all at 100 s ...
            if s == 129:
                w.data(3, BASE_T + 129, 0, 0)  # ... start at 129 s
            continue
        distance += 3.0
        k += 1
        w.data(
            4,
            BASE_T + s,
            150,
            cadence,
            int(round(frac * 128)),
            int(round(distance * 100)),
            3000,
            2600 + k,  # contact time 260 ms, rising 0.1 ms a record (3 m)
            int(round(balance * 100)),
            11000,
            800,
            727,
            120 + s % 3,  # Form Power
            11.5,  # Leg Spring Stiffness
        )
    w.define(5, 19, [(253, 4, 0x86), (2, 4, 0x86), (17, 1, 0x02), (25, 1, 0x00)])  # lap
    w.data(5, BASE_T + 150, BASE_T, cadence, 1)  # running: avg_running_cadence
    w.data(5, BASE_T + 239, BASE_T + 151, cadence, 1)
    w.data(3, BASE_T + 239, 0, 4)
    path.write_bytes(w.bytes())
    return path


# --------------------------------------------------------------------------
# conversions on message values
# --------------------------------------------------------------------------


def test_record_values_convert_strides_to_steps_and_units() -> None:
    v = record_values(
        {
            "cadence": 84,
            "fractional_cadence": 0.25,
            "stance_time": 251.5,
            "stance_time_balance": 49.5,
            "step_length": 1203.0,
            "vertical_oscillation": 81.2,
            "speed": 3.1,
            "enhanced_speed": 3.125,
            "distance": 1000.5,
        }
    )
    assert v["cadence_spm"] == 2 * 84.25  # strides/min -> steps/min
    assert v["contact_ms"] == 251.5
    assert v["contact_balance_left_pct"] == 49.5
    assert v["step_length_m"] == pytest.approx(1.203)  # mm -> m
    assert v["speed_mps"] == 3.125  # enhanced_speed preferred
    assert record_values({"speed": 3.1})["speed_mps"] == 3.1
    empty = record_values({})
    assert all(np.isnan(x) for x in empty.values())  # nothing invented
    # no fractional part: the whole strides alone
    assert record_values({"cadence": 80, "fractional_cadence": None})["cadence_spm"] == 160.0


def test_device_averages_and_developer_column_names() -> None:
    avg = device_averages(
        {"avg_running_cadence": 83, "avg_fractional_cadence": 0.671875, "avg_step_length": 971.7}
    )
    assert avg["cadence_spm"] == pytest.approx(167.34375)
    assert avg["step_length_m"] == pytest.approx(0.9717)
    assert dev_column("Form Power") == "form_power_w"
    assert dev_column("leg  spring STIFFNESS") == "leg_spring_stiffness_kn_m"
    assert dev_column("Impact Loading Rate") == "dev_impact_loading_rate"


# --------------------------------------------------------------------------
# a FIT file built byte by byte
# --------------------------------------------------------------------------


def test_built_file_reads_every_record_with_pauses_gaps_laps(tmp_path: Path) -> None:
    fit = read_fit(build_fit(tmp_path / "run.fit"))
    c = fit.columns
    n = 240 - 29 - 19
    assert len(fit) == n  # every record, none invented in the pause or the gap
    assert np.all(c["cadence_spm"] == 151.0)
    np.testing.assert_allclose(c["contact_ms"], 260.0 + 0.1 * np.arange(n))
    assert np.allclose(c["contact_balance_left_pct"], 53.0)
    assert np.allclose(c["step_length_m"], 1.1)
    assert np.allclose(c["vertical_oscillation_mm"], 80.0)
    assert np.allclose(c["vertical_ratio_pct"], 7.27)
    assert np.allclose(c["speed_mps"], 3.0)
    assert np.all(c["heart_rate_bpm"] == 150.0)
    # developer fields by their names, not their numbers (1 and 3 here)
    assert set(np.unique(c["form_power_w"])) == {120.0, 121.0, 122.0}
    assert np.allclose(c["leg_spring_stiffness_kn_m"], 11.5)
    dev = fit.meta["developer_fields"]["form_power_w"]
    assert dev["name"] == "Form Power" and dev["application_id"] == bytes(range(16)).hex()
    # the pause and the gap are marked, and their spans weigh nothing
    assert fit.meta["pauses"] == [[100.0, 129.0]]
    assert fit.meta["gaps"] == [[200.0, 220.0]]
    t = c["time_s"]
    assert c["interval_s"][t == 130.0] == 0.0 and c["interval_s"][t == 220.0] == 0.0
    assert c["interval_s"].sum() == pytest.approx(n - 3)  # the first, after pause, after gap
    assert [lap["start_s"] for lap in fit.meta["laps"]] == [0.0, 151.0]
    assert np.all(c["lap_start_s"][t <= 150] == 0.0) and np.all(c["lap_start_s"][t > 150] == 151)
    assert fit.meta["laps"][0]["averages"]["cadence_spm"] == 150.0  # the lap's whole strides
    assert any("pause" in note for note in fit.notes) and any("gap" in note for note in fit.notes)


def test_built_file_summary_findings_and_not_evaluated(tmp_path: Path) -> None:
    a = analyze(build_fit(tmp_path / "run.fit"))
    s = a.summary
    assert s["cadence_spm"] == 151.0
    assert s["contact_balance_left_pct"] == pytest.approx(53.0)
    # records 1-100, 131-200, 221-239 weigh 1 s each (0, 130 and 220 start a span)
    weighed = np.delete(np.arange(192), [0, 101, 172])  # their record numbers
    assert s["metrics"]["contact_ms"]["mean"] == pytest.approx(np.mean(260.0 + 0.1 * weighed))
    assert s["metrics"]["step_length_m"]["median"] == pytest.approx(1.1)
    assert s["n_steps"] == round(151.0 * (240 - 29 - 19 - 3) / 60.0)
    # drift: contact time rises 0.1 ms a record, 3 m a record: 33.3 ms per km;
    # 6 ms a minute while running, less across the pause and the gap
    d = s["drift"]["contact_ms"]
    assert d["per_km"] == pytest.approx(0.1 / 0.003)
    assert 4.0 < d["per_minute"] <= 6.0
    ids = {f["id"] for f in s["findings"]}
    assert "low-cadence" in ids  # 151 < 157 steps/min
    assert "one-sided-loading" in ids  # balance 53 %: 3 points off 50
    skipped = {n["id"]: n["reason"] for n in s["not_evaluated"]}
    for rule in ("heavy-strike", "tarsal-tunnel-pattern", "mortons-neuroma-pattern"):
        assert "a FIT file has no" in skipped[rule]
    assert "low-cadence" not in skipped and "one-sided-loading" not in skipped
    assert any("no foot strike" in n for n in a.notes)
    # every column but the open-ended developer ones is in the registry
    assert [c for c in a.steps.columns if c not in METRICS and not c.startswith("dev_")] == []


def test_built_file_above_thresholds_gives_no_cadence_or_balance_finding(tmp_path: Path) -> None:
    s = analyze(build_fit(tmp_path / "run.fit", cadence=85, frac=0.0, balance=50.4)).summary
    ids = {f["id"] for f in s["findings"]}
    assert s["cadence_spm"] == 170.0
    assert "low-cadence" not in ids and "one-sided-loading" not in ids


def test_cli_writes_json_and_the_per_record_table(tmp_path: Path, capsys: Any) -> None:
    run = build_fit(tmp_path / "run.fit")
    js, csv = tmp_path / "s.json", tmp_path / "steps.csv"
    assert main(["analyze", str(run), "--json", str(js), "--steps", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "Steps about" in out and "Low cadence" in out
    doc = json.loads(js.read_text())
    assert doc["running_dynamics"]["source"] == "fit"
    assert doc["running_dynamics"]["pauses"] == [[100.0, 129.0]]
    import pandas as pd

    table = pd.read_csv(csv)
    assert len(table) == 192 and table["cadence_spm"].eq(151.0).all()
    assert list(table.columns[:4]) == ["time_s", "interval_s", "lap_start_s", "cadence_spm"]


def test_bad_fit_files_exit_2_naming_file_problem_fix(tmp_path: Path, capsys: Any) -> None:
    cases = {
        "text.fit": b"this is not a FIT file at all",
        "empty.fit": b"",
        "header_only.fit": build_fit(tmp_path / "whole.fit").read_bytes()[:20],
    }
    for name, content in cases.items():
        p = tmp_path / name
        p.write_bytes(content)
        assert main(["analyze", str(p)]) == 2, name
        err = capsys.readouterr().err
        assert str(p) in err and "Fix:" in err and "Traceback" not in err, err
    # --plot: the per-minute figure from the records, the per-step ones saying why not
    assert main(["analyze", str(tmp_path / "whole.fit"), "--plot", str(tmp_path / "fig")]) == 0
    out = capsys.readouterr().out
    assert (tmp_path / "fig" / "drift.png").exists() and "series" in out
    with pytest.raises(RecordingError, match="options --side"):
        analyze(tmp_path / "whole.fit", side="left")


def test_truncated_built_file_keeps_records_before_the_break(tmp_path: Path) -> None:
    whole = build_fit(tmp_path / "whole.fit")
    cut = tmp_path / "cut.fit"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    full, part = read_fit(whole), read_fit(cut)
    assert 0 < len(part) < len(full)
    for name, col in part.columns.items():
        if name not in ("lap_start_s",):  # the laps come at the end of the file
            np.testing.assert_array_equal(col, full.columns[name][: len(part)], err_msg=name)
    assert part.meta["truncated"] and any("ends early" in n for n in part.notes)


# --------------------------------------------------------------------------
# the shared FIT files
# --------------------------------------------------------------------------


@needs_fit
def test_fenix5_cadence_contact_balance_agree_with_its_session_averages() -> None:
    a = analyze(_shared(FENIX5))
    dev = a.summary["running_dynamics"]["session"]["device"]
    assert dev["cadence_spm"] == pytest.approx(2 * (83 + 0.671875))
    means = a.summary["running_dynamics"]["means"]
    for m in ("cadence_spm", "contact_ms", "contact_balance_left_pct"):
        assert _close(means[m], dev[m]), (m, means[m], dev[m])
    lap = a.summary["running_dynamics"]["laps"][0]
    assert _close(lap["means"]["contact_ms"], lap["device"]["contact_ms"])
    # smart recording: 21 records in 57 s, each standing for the time since the last
    assert a.summary["running_dynamics"]["n_records"] == 21
    # a table of the records as they are: 2 x (cadence + fractional cadence)
    raw = _raw_records(_shared(FENIX5))
    expect = [2 * (r["cadence"] + (r["fractional_cadence"] or 0)) for r in raw]
    np.testing.assert_array_equal(a.steps["cadence_spm"].to_numpy(), expect)


@needs_fit
def test_fenix2_cadence_and_contact_agree_with_its_laps() -> None:
    a = analyze(_shared(FENIX2))
    rd = a.summary["running_dynamics"]
    assert _close(rd["means"]["cadence_spm"], rd["session"]["device"]["cadence_spm"])
    laps = rd["laps"]
    assert len(laps) == 4
    for lap in laps:
        assert _close(lap["means"]["cadence_spm"], lap["device"]["cadence_spm"]), lap
    for lap in laps[:3]:
        assert _close(lap["means"]["contact_ms"], lap["device"]["contact_ms"]), lap
    # the last lap's 302 ms is not what its records hold: 123 of its 960
    # records carry no stance time, and those that do average 268 ms; the
    # session's 252 ms follows from the laps (docs/import.md)
    last = a.steps[a.steps["time_s"] >= laps[3]["start_s"]]
    assert int(last["contact_ms"].isna().sum()) == 123
    assert a.summary["contact_balance_left_pct"] is None  # the HRM-Run gives no balance


@needs_fit
def test_stryd_cadence_agrees_and_developer_fields_are_read_by_name() -> None:
    a = analyze(_shared(STRYD))
    rd = a.summary["running_dynamics"]
    assert _close(rd["means"]["cadence_spm"], rd["session"]["device"]["cadence_spm"])
    names = {v["name"]: k for k, v in rd["developer_fields"].items()}
    assert names["Form Power"] == "form_power_w"
    assert names["Leg Spring Stiffness"] == "leg_spring_stiffness_kn_m"
    raw = _raw_records(_shared(STRYD))
    for field, col in names.items():
        if col in ("form_power_w", "leg_spring_stiffness_kn_m"):
            np.testing.assert_allclose(
                a.steps[col].to_numpy(), [float(r[field]) for r in raw], err_msg=field
            )
    m = a.summary["metrics"]
    assert 50 < m["form_power_w"]["median"] < 150
    assert 5 < m["leg_spring_stiffness_kn_m"]["median"] < 20
    # 149 steps/min is below the rules' 157: a finding from a watch's data
    assert a.summary["cadence_spm"] < 157
    assert "low-cadence" in {f["id"] for f in a.summary["findings"]}


@needs_fit
def test_truncated_shared_file_gives_good_records_and_a_note(tmp_path: Path) -> None:
    data = _shared(FENIX2).read_bytes()
    cut = tmp_path / "half.fit"
    cut.write_bytes(data[: len(data) // 2])
    full, part = read_fit(_shared(FENIX2)), read_fit(cut)
    assert 1000 < len(part) < len(full)
    np.testing.assert_array_equal(
        part.columns["cadence_spm"], full.columns["cadence_spm"][: len(part)]
    )
    assert any("ends early" in n for n in part.notes)
    a = analyze(cut)  # still analysed, with the note
    assert a.summary["n_steps"] > 0 and any("ends early" in n for n in a.notes)


@needs_fit
def test_fit_summaries_follow_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from footfall.cli import summary_document

    schema = json.loads((ROOT / "docs" / "json-schema" / "summary.schema.json").read_text())
    for name in (FENIX5, FENIX2, STRYD):
        doc = summary_document(analyze(_shared(name)))
        json.dumps(doc, allow_nan=False)
        jsonschema.validate(doc, schema)


@needs_fit
def test_footfall_report_of_a_fit_file(tmp_path: Path) -> None:
    """The report of a watch's records: the per-minute figure drawn from the
    records, the per-step figures replaced by the reason they are missing."""
    out = tmp_path / "report.html"
    assert main(["report", str(_shared(FENIX2)), "-o", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert html.count("data:image/png") == 1  # the drift per minute
    assert "one row per record, not per foot step" in html
    from footfall.report.figures import make, missing

    a = analyze(_shared(FENIX2))
    assert not missing(make("drift", a))
    assert missing(make("series", a)) and missing(make("cadence-speed", a))
