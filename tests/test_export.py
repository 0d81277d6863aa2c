"""`footfall analyze --steps/--json FILE.parquet`: the same table and summary
as the CSV and JSON outputs, in Parquet."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

from footfall.cli import main
from footfall.io.export import document_parquet_bytes, is_parquet_name
from footfall.sim.core import simulate


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "run"
    simulate("easy-run", 0.5, 3, out_dir=out, sensors=("foot", "insole"))
    return out


def _same(a: Any, b: Any) -> bool:
    """Equal values, NaN and None counting as one missing value."""
    missing = lambda v: v is None or (isinstance(v, float) and math.isnan(v))  # noqa: E731
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return bool(a == b)


def test_steps_parquet_holds_the_csv_table(run_folder: Path, tmp_path: Path) -> None:
    csv, pq_path = tmp_path / "steps.csv", tmp_path / "steps.parquet"
    assert main(["analyze", str(run_folder), "--steps", str(csv)]) == 0
    assert main(["analyze", str(run_folder), "--steps", str(pq_path)]) == 0
    a = pd.read_csv(csv)
    b = pd.read_parquet(pq_path)
    assert len(a) > 50 and list(a.columns) == list(b.columns)
    for col in a.columns:
        for x, y in zip(a[col].tolist(), b[col].tolist(), strict=True):
            if isinstance(x, float) and isinstance(y, float) and not math.isnan(x):
                # the CSV rounds to its decimal text; Parquet keeps the double
                assert y == pytest.approx(x, rel=1e-12, abs=1e-12), col
            else:
                assert _same(x, y), (col, x, y)
    assert set(b["side"].dropna()) == {"left", "right"}
    assert b["contact_ms"].dtype.kind == "f"


def test_json_parquet_is_the_summary_in_one_row(run_folder: Path, tmp_path: Path) -> None:
    js, pq_path = tmp_path / "s.json", tmp_path / "s.parquet"
    assert main(["analyze", str(run_folder), "--json", str(js)]) == 0
    assert main(["analyze", str(run_folder), "--json", str(pq_path)]) == 0
    doc = json.loads(js.read_text())
    rows = pq.read_table(pq_path).to_pylist()
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == set(doc)
    assert row["cadence_spm"] == doc["cadence_spm"] and row["n_steps"] == doc["n_steps"]
    for m, stats in doc["metrics"].items():
        for k, v in stats.items():
            assert _same(row["metrics"][m][k], v), (m, k)
    assert [f["id"] for f in row["findings"]] == [f["id"] for f in doc["findings"]]
    assert len(row["windows"]) == len(doc["windows"])


def test_empty_objects_are_null_and_names_choose_the_format() -> None:
    back = pq.read_table(
        io.BytesIO(document_parquet_bytes({"a": 1.5, "strike_pattern": {}, "b": [{}]}))
    ).to_pylist()[0]
    assert back == {"a": 1.5, "strike_pattern": None, "b": [None]}
    assert is_parquet_name("out/Steps.PARQUET") and not is_parquet_name("steps.csv")


def test_stdout_stays_csv_and_json(run_folder: Path, capsys: Any) -> None:
    assert main(["analyze", str(run_folder), "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["n_steps"] > 0
