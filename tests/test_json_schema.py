"""The summary JSON (`footfall analyze --json`) is described by a published
schema, docs/json-schema/summary.schema.json, that outside tools can check
against."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "json-schema" / "summary.schema.json").read_text())


def _validator():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA)


@pytest.fixture(scope="module")
def documents(tmp_path_factory) -> dict[str, dict]:
    """The JSON the command line writes for a walk and for a run with symptoms."""
    from footfall.sim import simulate

    tmp = tmp_path_factory.mktemp("schema")
    run = tmp / "run"
    simulate("forefoot-loader", 1.0, 2, run, sensors=("foot", "shank", "insole"))
    prof = tmp / "symptoms.toml"
    prof.write_text(
        'format = "footfall-symptoms/1"\nfoot = "left"\nlocations = ["ball"]\n'
        "onset_km = 3\nat_night = true\n",
        encoding="utf-8",
    )
    out = {}
    for name, args in {
        "walk": [str(ROOT / "sample_data" / "gaitmap_walk")],
        "run": [str(run), "--symptoms", str(prof)],
    }.items():
        path = tmp / f"{name}.json"
        r = subprocess.run(
            [sys.executable, "-m", "footfall", "analyze", *args, "--json", str(path)],
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, r.stderr
        out[name] = json.loads(path.read_text())
    return out


def test_what_footfall_writes_follows_the_schema(documents: dict[str, dict]) -> None:
    v = _validator()
    for name, doc in documents.items():
        errors = [f"{list(e.path)}: {e.message}" for e in v.iter_errors(doc)]
        assert not errors, f"{name}: {errors[:5]}"
    run = documents["run"]
    assert run["findings"] and run["findings"][0]["kind"] == "red-flag"  # at night
    assert documents["walk"]["not_evaluated"]


def test_metric_names_are_the_registry_s(documents: dict[str, dict]) -> None:
    from footfall.summary import SUMMARY_METRICS, WINDOW_METRICS

    for doc in documents.values():
        assert set(doc["metrics"]) <= set(SUMMARY_METRICS)
        assert set(doc["drift"]) <= set(SUMMARY_METRICS)
        for w in doc["windows"]:
            extra = set(w) - {"start_s", "end_s", "n_steps", "n_left", "n_right"}
            assert extra <= set(WINDOW_METRICS) | {"contact_balance_left_pct"}


def test_the_typed_summary_is_the_schema_s(documents: dict[str, dict]) -> None:
    """footfall.summary.RunSummary (what scripts and type checkers see) names
    the schema's keys, requires what it requires, and covers what is written."""
    from footfall.summary import DriftEntry, MetricStats, NotEvaluated, RunSummary

    top = SCHEMA["properties"]
    keys = RunSummary.__required_keys__ | RunSummary.__optional_keys__
    # running_dynamics: a watch's records; part_of_run: the live flags' summary
    assert keys - {"running_dynamics", "part_of_run"} == set(top)
    assert RunSummary.__required_keys__ == set(SCHEMA["required"])
    stats = SCHEMA["$defs"]["metric_stats"]
    stat_keys = MetricStats.__required_keys__ | MetricStats.__optional_keys__
    assert set(stats["properties"]) <= stat_keys
    assert set(stats["required"]) == MetricStats.__required_keys__
    drift_keys = DriftEntry.__required_keys__ | DriftEntry.__optional_keys__
    for doc in documents.values():
        assert RunSummary.__required_keys__ <= set(doc) <= keys
        for entry in doc["metrics"].values():
            assert MetricStats.__required_keys__ <= set(entry) <= stat_keys
        for entry in doc["drift"].values():
            assert DriftEntry.__required_keys__ <= set(entry) <= drift_keys
        for entry in doc["not_evaluated"]:
            assert set(entry) == NotEvaluated.__required_keys__


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d.pop("metrics"),
        lambda d: d["findings"][0].update(severity="extreme"),
        lambda d: d["findings"][0].update(basis="hunch"),
        lambda d: d.update(n_steps=-1),
        lambda d: d["metrics"]["contact_ms"].update(median="fast"),
        lambda d: d["findings"][0]["evidence_items"][0].pop("holds"),
    ],
)
def test_the_schema_refuses_a_broken_summary(documents: dict[str, dict], break_it) -> None:
    doc = copy.deepcopy(documents["run"])
    break_it(doc)
    assert list(_validator().iter_errors(doc))
