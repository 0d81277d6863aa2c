"""The rules on a real running recording: the virtual foot IMU made from the
Fukuchi treadmill motion capture (../shared/data/fukuchi_rbds).

Skipped when the shared data folder is absent (a user's fresh checkout).
"""

from __future__ import annotations

import json

import pytest
from bench_modules import load_bench

import footfall
from footfall.rules import SymptomProfile, evaluate

fk = load_bench("fukuchi_imu")
pytestmark = pytest.mark.skipif(
    not fk.data_available(), reason=f"Fukuchi data not found in {fk.DATA_DIR}"
)


@pytest.fixture(scope="module")
def analysis():
    rec, _, _ = fk.make_fukuchi_imu()
    return footfall.analyze(rec)


def test_sensor_evidence_quotes_the_measured_summary(analysis):
    summary = analysis.summary
    findings = evaluate(summary, analysis.steps)
    assert all(not f.is_red_flag for f in findings)  # red flags need reported symptoms
    for f in findings:
        assert f.basis == "sensors_only"
        for item in f.evidence_items:
            fact = item["fact"]
            if "." in fact or item["source"] != "sensors":
                continue
            entry = summary["metrics"][fact]
            expected = entry[item["side"]] if item["side"] else entry["median"]
            assert item["value"] == pytest.approx(expected)
    json.dumps([f.to_dict() for f in findings], allow_nan=False)


def test_symptoms_add_to_the_real_run(analysis):
    profile = SymptomProfile(foot="left", locations=("between_3_4",), at_night=True)
    findings = evaluate(analysis.summary, analysis.steps, symptoms=profile)
    assert findings[0].id == "red-flag-at-rest"
    morton = next(f for f in findings if f.id == "mortons-neuroma-pattern")
    # no insole and few forefoot strikes in this run: the symptom carries it
    assert morton.basis in ("symptoms_only", "symptoms_sensors_normal")
    assert morton.confidence in ("low", "moderate")
