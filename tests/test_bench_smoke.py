"""Each bench script runs end to end on tiny inputs, so the scripts never rot.

Every script runs in its own process, as a user runs it, and writes its JSON
into a temporary folder (never into bench/results). Nothing here is timed:
the assertions are about the results being there and plausible.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

from datasets import shared_data_dir  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def _run(*args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


def test_validate_sim_scenario(tmp_path):
    only = "sim,gaitmap" if shared_data_dir() is not None else "sim"
    _run(
        "bench/validate.py",
        "--only",
        only,
        "--sim-minutes",
        "0.3",
        "--scenarios",
        "easy-run",
        "--out",
        str(tmp_path),
    )
    res = json.loads((tmp_path / "validation.json").read_text())
    foot = res["sim"]["easy-run"]["foot"]
    # a third of a minute of running at ~168 spm: about 50 contacts in the truth
    assert foot["initial_contact"]["n_ref"] > 30
    assert foot["initial_contact"]["matched_pct"] > 80.0
    assert foot["strides"]["found"] > 0
    assert foot["cadence"]["truth_spm"] > 100.0
    if "gaitmap" in res:
        assert res["gaitmap"]["strides"]["found"] > 40


def test_bench_speed_tiny(tmp_path):
    _run(
        "bench/bench_speed.py",
        "--minutes",
        "0.1,0.2",
        "--feet-minutes",
        "0.1",
        "--sim-minutes",
        "0.1",
        "--repeats",
        "1",
        "--formats",
        "csv",
        "--out",
        str(tmp_path),
        "--cache",
        str(tmp_path / "cache"),
    )
    res = json.loads((tmp_path / "speed.json").read_text())
    rows = res["runs"]["csv"]["durations"]
    assert [r["minutes"] for r in rows] == [0.1, 0.2]
    # twice the recording: more steps, bigger files
    assert rows[1]["n_steps"] > rows[0]["n_steps"] > 0
    assert rows[1]["files_mb"] > rows[0]["files_mb"]
    for r in rows:
        assert r["analyze_peak_mb"] > 0 and r["analyze_cpu_s"] > 0 and r["read_wall_s"] > 0
    assert "per_minute" in res["runs"]["csv"]["growth"]["analyze_wall_s"]
    # the cached recording is reused, not rewritten
    cached = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert cached == ["easy-run_0.1min_csv", "easy-run_0.1min_csv_feet", "easy-run_0.2min_csv"]
    # the feet-only recording has the foot IMUs and no insole: fewer files, same steps
    feet = res["feet_only"]["runs"]["csv"]["durations"][0]
    assert feet["minutes"] == 0.1
    assert feet["files_mb"] < rows[0]["files_mb"]
    assert feet["n_steps"] > 0
    names = sorted(p.name for p in (tmp_path / "cache" / "easy-run_0.1min_csv_feet").iterdir())
    assert not any("insole" in n for n in names) and any("foot" in n for n in names)
    # the simulator's own command is timed in a fresh process
    sim = res["simulate"]["durations"]
    assert [r["minutes"] for r in sim] == [0.1]
    assert sim[0]["wall_s"] > 0 and sim[0]["cpu_s"] > 0 and sim[0]["peak_mb"] > 0


def test_bench_gaitmap_footfall_side_and_clean_skip(tmp_path):
    # no gaitmap venv where pointed and no install: gaitmap is skipped with a
    # message, footfall is still measured and scored
    datasets = "example,sim" if shared_data_dir() is not None else "sim"
    proc = _run(
        "bench/bench_gaitmap.py",
        "--no-install",
        "--venv",
        str(tmp_path / "no-venv"),
        "--minutes",
        "0.2",
        "--cold-repeats",
        "1",
        "--warm",
        "1",
        "--warm-footfall",
        "2",
        "--datasets",
        datasets,
        "--out",
        str(tmp_path),
    )
    res = json.loads((tmp_path / "gaitmap.json").read_text())
    sim = res["datasets"]["simulated_run"]
    assert "gaitmap" not in sim
    ff = sim["footfall"]
    assert ff["cold_s_median"] > 0 and ff["warm_s_median"] > 0
    assert ff["accuracy"]["initial_contact"]["matched_pct"] > 80.0
    assert "gaitmap skipped" in proc.stdout
    if "gaitmap_example" in res["datasets"]:
        st = res["datasets"]["gaitmap_example"]["footfall"]["accuracy"]["strides"]
        assert st["found"] > 40 and st["stride_length_mae_m"] < 0.2


def test_gaitmap_worker_imports_nothing_heavy_for_help():
    # the worker runs in gaitmap's own environment; its help must not need gaitmap
    proc = _run("bench/gaitmap_worker.py", "--help")
    assert "--frame" in proc.stdout
