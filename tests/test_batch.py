"""``footfall batch``: many recordings through a process pool or Dask into
one output folder (docs/batch.md).

The batch: 47 simulated recordings (half a minute each, two foot IMUs,
several scenarios) and 3 broken ones (recording.json that is not JSON, a
stream file with text in its numbers, a stream file that is missing).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import footfall
from footfall.batch import collect_inputs, run_batch
from footfall.batch.cluster import check_worker_versions, footfall_version
from footfall.batch.inputs import recording_id
from footfall.batch.work import STEP_TABLE_COLUMNS
from footfall.errors import FootfallError

REPO = Path(__file__).resolve().parents[1]
N_GOOD = 47
SCENARIOS = ("easy-run", "low-cadence-overstride", "heavy-heel-striker", "fatigue-drift")
BROKEN = ("bad_json", "bad_values", "missing_stream")
TABLES = ("summaries.parquet", "findings.parquet", "failures.parquet")


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from footfall.sim import simulate

    root = tmp_path_factory.mktemp("batch") / "runs"
    for i in range(N_GOOD):
        simulate(
            SCENARIOS[i % len(SCENARIOS)],
            minutes=0.5,
            seed=i,
            out_dir=root / f"run{i:02d}",
            sensors=("foot",),
        )
    bad = root / "bad_json"
    shutil.copytree(root / "run00", bad)
    (bad / "recording.json").write_text('{"format": "footfall-recording/1",\n', encoding="utf-8")
    bad = root / "bad_values"
    shutil.copytree(root / "run01", bad)
    lines = (bad / "left_foot.csv").read_text(encoding="utf-8").splitlines()
    lines[5] = "0.02,abc,1,2,3,4,5"
    (bad / "left_foot.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bad = root / "missing_stream"
    shutil.copytree(root / "run02", bad)
    (bad / "right_foot.csv").unlink()
    return root


def _good(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.name.startswith("run"))


def _snapshot(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def _steps(out: Path) -> pd.DataFrame:
    df = pd.read_parquet(out / "steps")
    df["athlete"] = df["athlete"].astype(str)
    return df


@pytest.fixture(scope="module")
def batch_out(recordings: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("out") / "season"
    items = collect_inputs([str(recordings)])
    with cf.ProcessPoolExecutor(max_workers=2) as pool:
        report = run_batch(items, out, pool, workers=2)
    return out, report


def test_good_recordings_analysed_and_broken_ones_listed(
    recordings: Path, batch_out: tuple[Path, object]
) -> None:
    out, report = batch_out
    assert report.analysed == N_GOOD  # type: ignore[attr-defined]
    assert report.failed == len(BROKEN)  # type: ignore[attr-defined]
    assert report.skipped == 0  # type: ignore[attr-defined]
    failures = pd.read_parquet(out / "failures.parquet")
    assert sorted(Path(p).name for p in failures["input"]) == sorted(BROKEN)
    by_name = {Path(r.input).name: r for r in failures.itertuples()}
    assert "not valid JSON" in by_name["bad_json"].error
    assert "left_foot.csv" in by_name["bad_values"].error
    assert "right_foot.csv" in by_name["missing_stream"].error
    for r in failures.itertuples():
        assert r.fix, r
        assert "Traceback" not in r.error and "internal error" not in r.error
    csv_rows = pd.read_csv(out / "failures.csv")
    assert list(csv_rows["recording_id"]) == list(failures["recording_id"])
    summaries = pd.read_parquet(out / "summaries.parquet")
    assert len(summaries) == N_GOOD
    assert set(summaries["recording_id"]) == {recording_id(p) for p in _good(recordings)}


def test_output_equals_each_recording_analysed_alone(
    recordings: Path, batch_out: tuple[Path, object]
) -> None:
    out, _ = batch_out
    steps = _steps(out)
    summaries = pd.read_parquet(out / "summaries.parquet").set_index("recording_id")
    findings = pd.read_parquet(out / "findings.parquet")
    assert set(steps.columns) >= {"recording_id", "athlete", "session", "tag", "date"}
    for path in _good(recordings):
        rid = recording_id(path)
        alone = footfall.analyze(path)
        mine = steps[steps["recording_id"] == rid]
        assert len(mine) == len(alone.steps) > 0
        assert set(mine["athlete"]) == {alone.recording.meta["athlete"]["id"]}
        assert set(mine["session"]) == {path.name}
        expected = alone.steps.reset_index(drop=True)
        got = mine[list(expected.columns)].reset_index(drop=True)
        for c in expected.columns:
            if expected[c].dtype == object or str(expected[c].dtype) in ("str", "string"):
                a = expected[c].astype(object).where(expected[c].notna(), None)
                b = got[c].astype(object).where(got[c].notna(), None)
                assert list(a) == list(b), (rid, c)
            else:
                pd.testing.assert_series_equal(
                    got[c].astype("float64"), expected[c].astype("float64"), check_names=False
                )
        # every other steps column of the registry is there, empty
        for c in set(STEP_TABLE_COLUMNS) - set(expected.columns):
            assert mine[c].isna().all(), (rid, c)
        row = summaries.loc[rid]
        s = alone.summary
        assert row["n_steps"] == s["n_steps"]
        assert row["duration_s"] == pytest.approx(s["duration_s"])
        assert row["contact_ms_median"] == pytest.approx(s["metrics"]["contact_ms"]["median"])
        assert row["cadence_spm_left"] == pytest.approx(s["metrics"]["cadence_spm"]["left"])
        assert row["contact_ms_drift_change_pct"] == pytest.approx(
            s["drift"]["contact_ms"]["change_pct"]
        )
        assert row["n_findings"] == len(alone.findings)
        mine_f = findings[findings["recording_id"] == rid]
        assert list(mine_f["id"]) == [f.id for f in alone.findings]
        assert list(mine_f["severity"]) == [str(f.severity) for f in alone.findings]


def test_rerun_does_no_work_and_touched_recording_is_redone(
    recordings: Path, tmp_path: Path
) -> None:
    out = tmp_path / "season"
    items = collect_inputs([str(recordings)])
    with cf.ProcessPoolExecutor(max_workers=2) as pool:
        first = run_batch(items, out, pool, workers=2)
        before = _snapshot(out)
        tables = {n: pd.read_parquet(out / n) for n in TABLES}
        again = run_batch(collect_inputs([str(recordings)]), out, pool, workers=2)
        assert again.analysed == 0 and again.failed == 0
        assert again.skipped == N_GOOD + len(BROKEN)
        assert len(again.failures) == len(BROKEN)
        assert _snapshot(out) == before  # not rewritten at all

        touched = _good(recordings)[5]
        st = (touched / "left_foot.csv").stat()
        os.utime(touched / "left_foot.csv", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        try:
            redo = run_batch(collect_inputs([str(recordings)]), out, pool, workers=2)
        finally:  # the other tests' recordings as they were
            os.utime(touched / "left_foot.csv", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert first.analysed == N_GOOD
    assert redo.analysed == 1 and redo.skipped == N_GOOD + len(BROKEN) - 1
    after = _snapshot(out)
    assert set(after) == set(before)
    changed = {k for k in before if before[k] != after[k]}
    # the touched recording's steps file is written anew (same rows); the
    # tables are rewritten whole; nothing else changed
    assert changed <= {
        "done.parquet",
        "summaries.parquet",
        "findings.parquet",
        "failures.parquet",
    } | {k for k in before if recording_id(touched) in k}
    for name in TABLES:  # the same rows, in the same order
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), tables[name])
    done = pd.read_parquet(out / "done.parquet")
    assert (done["footfall_version"] == footfall.__version__).all()
    assert len(done) == N_GOOD + len(BROKEN)


def test_force_and_changed_version_redo_everything(recordings: Path, tmp_path: Path) -> None:
    few = [str(p) for p in _good(recordings)[:3]]
    out = tmp_path / "o"
    with cf.ThreadPoolExecutor(max_workers=1) as pool:
        run_batch(collect_inputs(few), out, pool)
        forced = run_batch(collect_inputs(few), out, pool, force=True)
        assert forced.analysed == 3 and forced.skipped == 0
        done = pq.read_table(out / "done.parquet")
        older = done.to_pandas()
        older["footfall_version"] = "0.0.1"  # as an earlier footfall wrote it
        pq.write_table(pa.Table.from_pandas(older, schema=done.schema), out / "done.parquet")
        upgraded = run_batch(collect_inputs(few), out, pool)
    assert upgraded.analysed == 3 and upgraded.skipped == 0


def test_same_output_through_dask_local_cluster(
    recordings: Path, batch_out: tuple[Path, object], tmp_path: Path
) -> None:
    distributed = pytest.importorskip(
        "distributed", reason="Dask distributed is not installed (pip install 'footfall[dask]')"
    )
    out = tmp_path / "dask"
    items = collect_inputs([str(recordings)])
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        answers = client.run(importlib.metadata.version, "footfall", on_error="return")
        assert len(answers) == 2
        check_worker_versions(footfall_version(), answers)  # the same footfall: no error
        report = run_batch(items, out, client, workers=2)
    assert report.analysed == N_GOOD and report.failed == len(BROKEN)
    local, _ = batch_out
    for name in ("summaries.parquet", "findings.parquet", "failures.parquet", "done.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(local / name))
    key = ["recording_id", "ic_s", "side"]
    a = _steps(out).sort_values(key).reset_index(drop=True)
    b = _steps(local).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_worker_version_checks_name_the_workers() -> None:
    try:
        importlib.metadata.version("footfall-not-installed-anywhere")
        missing: Exception = AssertionError("unreachable")
    except importlib.metadata.PackageNotFoundError as e:
        missing = e
    with pytest.raises(FootfallError, match="not installed on 1 of 2 Dask worker") as ei:
        check_worker_versions("0.1.0", {"tcp://a:1": "0.1.0", "tcp://b:2": missing})
    assert "tcp://b:2" in ei.value.message and "pip install" in ei.value.message
    with pytest.raises(FootfallError, match="tcp://b:2 has 0.0.9") as ei:
        check_worker_versions("0.1.0", {"tcp://a:1": "0.1.0", "tcp://b:2": "0.0.9"})
    assert "Fix:" in ei.value.message
    with pytest.raises(FootfallError, match="no workers"):
        check_worker_versions("0.1.0", {})


def test_manifest_labels_partition_by_athlete(recordings: Path, tmp_path: Path) -> None:
    good = _good(recordings)
    manifest = tmp_path / "squad.csv"
    manifest.write_text(
        "path,athlete,session,tag\n"
        f"{good[0]},ana,mon,new shoes\n"
        f"{good[1]},ana,tue,\n"
        f"{os.path.relpath(good[2], tmp_path)},ben/b,wed,track\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    with cf.ThreadPoolExecutor(max_workers=1) as pool:
        report = run_batch(collect_inputs([str(manifest)]), out, pool)
    assert report.analysed == 3
    parts = sorted(p.name for p in (out / "steps").iterdir())
    assert parts == ["athlete=ana", "athlete=ben%2Fb"]
    steps = _steps(out)
    assert set(steps["athlete"]) == {"ana", "ben/b"}
    tags = steps.groupby("session")["tag"].first().to_dict()
    assert tags["mon"] == "new shoes" and tags["wed"] == "track" and pd.isna(tags["tue"])
    # a changed label is a change: only that recording is redone
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("new shoes", "old shoes"), encoding="utf-8"
    )
    with cf.ThreadPoolExecutor(max_workers=1) as pool:
        again = run_batch(collect_inputs([str(manifest)]), out, pool)
    assert again.analysed == 1 and again.skipped == 2
    assert "old shoes" in set(_steps(out)["tag"])


def test_partition_by_date_without_athletes(recordings: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for i, day in ((0, "2026-11-20T18:02:11Z"), (1, None)):
        dst = runs / f"r{i}"
        shutil.copytree(_good(recordings)[i], dst)
        text = (dst / "recording.json").read_text(encoding="utf-8")
        import json

        doc = json.loads(text)
        doc.pop("athlete", None)
        if day:
            doc["started_at"] = day
        (dst / "recording.json").write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "o"
    with cf.ThreadPoolExecutor(max_workers=1) as pool:
        run_batch(collect_inputs([str(runs)]), out, pool)
    assert sorted(p.name for p in (out / "steps").iterdir()) == ["date=2026-11-20", "date=unknown"]
    steps = pd.read_parquet(out / "steps")
    assert steps["athlete"].isna().all()


def test_inputs_user_errors(recordings: Path, tmp_path: Path) -> None:
    with pytest.raises(FootfallError, match="no such file"):
        collect_inputs([str(tmp_path / "nope")])
    with pytest.raises(FootfallError, match="matches no file"):
        collect_inputs([str(tmp_path / "*.nothing")])
    bad = tmp_path / "m.csv"
    bad.write_text("path,runner\nx,y\n", encoding="utf-8")
    with pytest.raises(FootfallError, match="unknown manifest column"):
        collect_inputs([str(bad)])
    # a glob, and the same recording twice, gives it once
    got = collect_inputs([str(recordings / "run0*"), str(recordings / "run01")])
    assert [Path(i.path).name for i in got] == [f"run0{i}" for i in range(10)]


def _cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "CLICOLOR_FORCE")
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    return subprocess.run(
        [sys.executable, "-m", "footfall", "batch", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_counts_exit_codes_and_no_progress_bar_when_piped(
    recordings: Path, tmp_path: Path
) -> None:
    out = tmp_path / "season"
    inputs = [str(recordings / "run00"), str(recordings / "run01"), str(recordings / "bad_json")]
    proc = _cli(*inputs, "-o", str(out), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no progress bar, no warnings when piped
    assert proc.stdout.startswith("analysed 2, skipped as unchanged 0, failed 1: ")
    assert "failures.csv" in proc.stdout
    proc = _cli(*inputs, "-o", str(out))
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout.startswith("analysed 0, skipped as unchanged 3, failed 0: ")

    def user_error(p: subprocess.CompletedProcess[str], needle: str) -> None:
        assert p.returncode == 2, p.stderr
        assert p.stderr.startswith("footfall: error:") or "usage:" in p.stderr
        assert "Traceback" not in p.stderr and needle in p.stderr

    user_error(_cli(str(tmp_path / "missing"), "-o", str(out)), "no such file")
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine", encoding="utf-8")
    user_error(_cli(inputs[0], "-o", str(keep)), "not a footfall batch output")
    assert (keep / "notes.txt").read_text(encoding="utf-8") == "mine"
    user_error(_cli(inputs[0], "-o", str(recordings / "run00" / "x")), "hold one another")
    user_error(_cli(inputs[0], "-o", str(out), "--jobs", "0"), "--jobs")
    sym = tmp_path / "s.toml"
    sym.write_text("no_such_field = 1\n", encoding="utf-8")
    user_error(_cli(inputs[0], "-o", str(out), "--symptoms", str(sym)), "s.toml")
