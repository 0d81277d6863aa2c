"""Accuracy bounds on the shared reference recordings (../shared/data).

Skipped when the data is absent (a user's fresh checkout). The numbers come
from bench/validate.py, which prints the full tables; the bounds are those of
the spine issue and docs/validation.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

from datasets import shared_data_dir  # noqa: E402

pytestmark = pytest.mark.skipif(shared_data_dir() is None,
                                reason="../shared/data not available")


@pytest.fixture(scope="module")
def validate():
    import validate as v

    return v


def test_gaitmap_events_and_strides(validate):
    r = validate.validate_gaitmap()
    ic, to, st = r["initial_contact"], r["toe_off"], r["strides"]
    assert ic["mae_ms"] <= 10.0
    assert to["mae_ms"] <= 10.0
    # every reference stride is found, the first step out of standing included
    assert st["found"] == st["n_ref"]
    assert st["stride_time_mae_ms"] <= 7.0
    assert st["stride_length_mae_pct_of_mean"] <= 3.0


@pytest.fixture(scope="module")
def fukuchi(validate):
    return validate.validate_fukuchi()


def test_fukuchi_running_contacts_and_cadence(fukuchi):
    assert fukuchi["initial_contact"]["matched_pct"] >= 98.0
    assert abs(fukuchi["cadence_spm"] - fukuchi["cadence_truth_spm"]) <= 1.0


def test_fukuchi_running_events_and_contact_time(fukuchi):
    """Issue bounds against the force plate: events within 10 ms MAE,
    contact time within 5 %."""
    assert fukuchi["initial_contact"]["mae_ms"] <= 10.0
    assert fukuchi["toe_off"]["mae_ms"] <= 10.0
    assert fukuchi["contact_time_mean_abs_err_pct"] <= 5.0


@pytest.mark.xfail(strict=True, reason="IPOL annotations mark some walks' contacts at a late "
                   "impact and toe-off later than the motion-capture walk; steps in the "
                   "U-turns; see docs/validation.md, 'Event rules'")
def test_ipol_event_bounds(validate):
    """Scored from the detector's event list (bench/validate.py)."""
    r = validate.validate_ipol()
    for key in ("initial_contact", "toe_off"):
        assert r[key]["matched_pct"] >= 98.0
        assert r[key]["extra_pct"] <= 2.0
        assert r[key]["mae_ms"] <= 15.0
