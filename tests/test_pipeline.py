"""The pipeline's merging of sensors on the same side into one row per contact."""

from __future__ import annotations

import numpy as np

import footfall
from footfall.model import Recording
from footfall.sim import simulate


def test_shank_imu_adds_its_angle_to_the_foot_rows():
    rec, truth = simulate("easy-run", 1.0, 2, sensors=("foot", "shank"))
    both = footfall.analyze(rec).steps
    foot_rec = Recording(streams=rec.select(placement="foot"), meta=rec.meta)
    foot_only = footfall.analyze(foot_rec).steps
    # one row per contact: the shank adds no rows of its own
    assert not both["source"].astype(str).str.contains("shank").any()
    assert len(both) == len(foot_only)
    # timings come from the foot IMU, unchanged by the shank
    np.testing.assert_allclose(both["contact_ms"].to_numpy(), foot_only["contact_ms"].to_numpy())
    # and nearly every foot contact carries the shank's angle
    assert both["shank_angle_ic_deg"].notna().mean() >= 0.95
    assert foot_only["shank_angle_ic_deg"].isna().all()
    assert abs(len(both) - len(truth)) <= 0.05 * len(truth)
