"""The metric registry: one entry per steps-table column, everything else derived."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from footfall import registry
from footfall.model import (
    IMU_EXTRA_METRICS,
    INSOLE_STEP_METRICS,
    NUMERIC_STEP_METRICS,
    STEP_COLUMNS,
)
from footfall.registry import METRICS, Group

ROOT = Path(__file__).resolve().parents[1]

UNIT_OF_SUFFIX = {
    "_ms": "ms",
    "_s": "s",
    "_deg": "deg",
    "_dps": "deg/s",
    "_pct": "%",
    "_kpa": "kPa",
    "_g": "g",
    "_m": "m",
    "_mps": "m/s",
    "_spm": "spm",
    "_bw_s": "BW/s",
    "_kpa_s": "kPa s",
    "_mm": "mm",
    "_bpm": "bpm",
    "_w": "W",
    "_kn_m": "kN/m",
}


def test_the_metrics_doc_table_is_generated_from_the_registry() -> None:
    doc = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert registry.with_table(doc) == doc, (
        "docs/metrics.md is out of date: run python tools/gen_metrics_doc.py"
    )
    for name in METRICS:
        assert f"| `{name}` |" in doc
    r = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_metrics_doc.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr


def test_a_stale_table_is_found_and_missing_markers_are_an_error() -> None:
    doc = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    stale = doc.replace("| `contact_ms` | Contact time |", "| `contact_ms` | Contact |")
    assert registry.with_table(stale) == doc
    with pytest.raises(ValueError, match="markers"):
        registry.with_table("# Metrics\n")


def test_unit_suffix_of_each_name_matches_its_unit() -> None:
    for m in METRICS.values():
        if m.dtype == "object":
            assert m.unit == "", m.name
            continue
        base = m.name.removesuffix("_imu")  # the IMU's copy of a fused column
        suffix = max((s for s in UNIT_OF_SUFFIX if base.endswith(s)), key=len, default=None)
        assert suffix is not None, f"{m.name}: no unit suffix"
        assert m.unit == UNIT_OF_SUFFIX[suffix], m.name


def test_derived_lists_follow_the_registry() -> None:
    from footfall.report.terminal import metric_format
    from footfall.rules.ruleset import STEP_METRICS, sensor_fact_ok
    from footfall.stream.rolling import LIVE_METRICS
    from footfall.summary import SUMMARY_METRICS, WINDOW_METRICS

    assert list(STEP_COLUMNS) == [m.name for m in METRICS.values() if m.group == Group.CONTRACT]
    assert list(STEP_COLUMNS)[:3] == ["side", "ic_s", "to_s"]  # CONTRACTS.md order
    running = registry.names(group=Group.RUNNING_DYNAMICS, summarised=True)
    assert SUMMARY_METRICS == (
        NUMERIC_STEP_METRICS + IMU_EXTRA_METRICS + INSOLE_STEP_METRICS + running
    )
    assert set(WINDOW_METRICS) <= set(SUMMARY_METRICS)
    assert set(LIVE_METRICS) <= set(SUMMARY_METRICS)
    assert STEP_METRICS == SUMMARY_METRICS
    # a rule may name the rearfoot eversion (an extra column) and its asymmetry
    assert sensor_fact_ok("rearfoot_eversion_deg.asymmetry_pct")
    assert not sensor_fact_ok("gap_ms")
    for m in SUMMARY_METRICS:
        entry = METRICS[m]
        assert entry.dtype == "float64" and entry.unit and entry.doc
        assert metric_format(m).label == entry.label
    unknown = registry.metric("my_column")
    assert (unknown.label, unknown.unit, unknown.decimals) == ("my_column", "", 2)


def test_every_column_an_analysis_writes_is_registered() -> None:
    """A new column in the analysis without a registry entry fails here."""
    from footfall.pipeline import analyze
    from footfall.sim.core import simulate

    rec, _ = simulate("easy-run", 0.5, 3, sensors=("foot", "shank", "insole"))
    steps = analyze(rec).steps
    assert len(steps) > 50
    unregistered = [c for c in steps.columns if c not in METRICS]
    assert not unregistered, f"columns without a footfall.registry entry: {unregistered}"
    assert list(steps.columns)[: len(STEP_COLUMNS)] == list(STEP_COLUMNS)
    for name, m in METRICS.items():
        if name in steps.columns and m.dtype == "float64":
            assert steps[name].dtype.kind == "f", name


def test_findings_quote_the_registry_label_and_unit() -> None:
    from footfall.rules.engine import _unit_of

    assert _unit_of("cadence_spm") == ("cadence", "steps/min", 1)
    assert _unit_of("foot_progression_deg") == ("toe-out (foot progression angle)", "deg", 1)
    assert _unit_of("contact_ms.asymmetry_pct") == ("contact time left-right difference", "%", 1)
