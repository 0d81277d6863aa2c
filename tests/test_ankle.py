"""Rearfoot eversion from a foot IMU and a shank IMU on the same leg
(footfall.gait.ankle): the virtual runner's truth, its devices' clocks, and
sensors that are not one leg's. Real running is checked in
tests/test_real_running.py."""

from __future__ import annotations

import json

import numpy as np
import pytest

import footfall
from footfall.io import read_recording
from footfall.sim import simulate


def _paired(truth, steps, col):
    out = []
    for side in ("left", "right"):
        t = truth[truth["side"] == side]
        f = steps[steps["side"] == side]
        ic, ic_t = f["ic_s"].to_numpy(), t["ic_s"].to_numpy()
        j = np.clip(np.searchsorted(ic, ic_t), 1, len(ic) - 1)
        j = np.where(np.abs(ic[j - 1] - ic_t) < np.abs(ic[j] - ic_t), j - 1, j)
        ok = np.abs(ic[j] - ic_t) < 0.05
        out.append((side, t[col].to_numpy()[ok], f[col].to_numpy()[j[ok]]))
    return out


@pytest.fixture(scope="module")
def field_run(tmp_path_factory):
    """Overpronator on a treadmill, field sensor profile: every device on its
    own clock (offsets up to 30 ms, drift up to 40 ppm), impact ringing."""
    out = tmp_path_factory.mktemp("ankle") / "op"
    simulate(
        "overpronator-treadmill",
        minutes=4,
        seed=3,
        profile="field",
        out_dir=out,
        sensors=("foot", "shank"),
    )
    return out


def test_simulated_eversion_recovers_the_truth(field_run):
    import pandas as pd

    truth = pd.read_csv(field_run / "truth_steps.csv")
    an = footfall.analyze(field_run)
    for side, t, f in _paired(truth, an.steps, "rearfoot_eversion_deg"):
        assert len(t) > 100 and np.isfinite(f).mean() > 0.95, side
        assert np.nanmean(np.abs(f - t)) <= 1.0, (side, np.nanmean(np.abs(f - t)))
    for side, t, f in _paired(truth, an.steps, "rearfoot_eversion_velocity_dps"):
        assert abs(np.nanmedian(f) / np.nanmedian(t) - 1.0) <= 0.12, (
            side,
            np.nanmedian(f),
            np.nanmedian(t),
        )
    # the joint angle is not the foot's roll: the simulated shank rolls with the foot
    for side, t, _f in _paired(truth, an.steps, "pronation_excursion_deg"):
        assert (
            np.nanmedian(t)
            > np.nanmedian(truth.loc[truth["side"] == side, "rearfoot_eversion_deg"]) + 3.0
        )


def test_the_shank_clock_is_found(field_run):
    """The simulated devices' clocks are written in recording.json; the
    shank's offset against the foot's is recovered within 2 ms and its drift
    within 5 ppm."""
    meta = json.loads((field_run / "recording.json").read_text())
    clocks = meta["simulation"]["clocks"]
    an = footfall.analyze(field_run)
    for side in ("left", "right"):
        f, s = clocks[f"{side}_foot"], clocks[f"{side}_shank"]
        fit = next(
            d["rearfoot_eversion"]
            for k, d in an.streams.items()
            if "rearfoot_eversion" in d and side in k
        )
        want_ms = 1000.0 * (s["offset_s"] - f["offset_s"])
        assert abs(fit["shank_clock_offset_ms"] - want_ms) <= 2.0, (side, fit, want_ms)
        assert abs(fit["shank_clock_drift_ppm"] - (s["drift_ppm"] - f["drift_ppm"])) <= 5.0


def test_sensors_of_different_legs_give_no_eversion(field_run):
    """A foot sensor paired with the other leg's shank sensor (the shanks'
    sides swapped) gets no eversion and a note naming the check; the foot
    columns are untouched."""
    rec = read_recording(field_run)
    good = footfall.analyze(rec)
    for st in rec.streams:
        if st.placement.value == "shank":
            st.side = type(st.side)("right" if st.side.value == "left" else "left")
    an = footfall.analyze(rec)
    assert an.steps["rearfoot_eversion_deg"].isna().all()
    notes = [n for n in an.notes if "rearfoot eversion not measured" in n]
    assert len(notes) == 2 and all("same leg" in n for n in notes)
    np.testing.assert_array_equal(
        an.steps["pronation_excursion_deg"].to_numpy(),
        good.steps["pronation_excursion_deg"].to_numpy(),
    )


def test_a_foot_imu_alone_has_no_eversion(tmp_path):
    out = tmp_path / "foot"
    simulate("overpronator-treadmill", minutes=1, seed=1, sensors=("foot",), out_dir=out)
    an = footfall.analyze(out)
    assert len(an.steps) > 50
    assert "rearfoot_eversion_deg" not in an.steps.columns
    assert "rearfoot_eversion_deg" not in an.summary["metrics"]


def test_one_clock_named_skips_the_clock_search(field_run, tmp_path):
    """Streams that name the same clock are taken as one time base (offset
    0, no search)."""
    rec = read_recording(field_run)
    for st in rec.streams:
        st.meta["clock"] = f"{st.side.value}-leg"
    an = footfall.analyze(rec)
    fits = [d["rearfoot_eversion"] for d in an.streams.values() if "rearfoot_eversion" in d]
    assert len(fits) == 2
    assert all(
        f["shank_clock_offset_ms"] == 0.0 and f["shank_clock_drift_ppm"] == 0.0 for f in fits
    )
