"""Heading change per stride (``turn_deg``): sign, size beyond half a turn,
and the steps table of the shipped walk (2 x 20 m with a U-turn)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import footfall
from footfall.gait.metrics import stride_turn_deg
from footfall.gait.trajectory import integrate_strides
from footfall.io import read_recording
from footfall.model import G_MPS2

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"


def _pivot(turn_deg: float, fs: float = 200.0, tilt_deg: float = 0.0):
    """A foot at rest, then turning about the vertical by ``turn_deg`` over
    0.6 s (a raised-cosine rate), at rest again; the foot frame pitched by
    ``tilt_deg`` (toes up) throughout, so its z axis is not vertical."""
    n_rest, n_turn = int(0.3 * fs), int(0.6 * fs)
    k = np.arange(n_turn)
    rate = 1 - np.cos(2 * np.pi * k / n_turn)  # mean 1
    rate *= np.radians(turn_deg) * fs / n_turn
    w_world = np.concatenate([np.zeros(n_rest), rate, np.zeros(n_rest)])
    # world vertical in a frame pitched toes-up by tilt: rotation about -y
    t = np.radians(tilt_deg)
    up = np.array([-np.sin(t), 0.0, np.cos(t)])
    gyr = w_world[:, None] * up[None, :]
    acc = np.broadcast_to(G_MPS2 * up, gyr.shape).copy()
    return acc, gyr, fs


@pytest.mark.parametrize("turn", [35.0, -90.0, 200.0, -250.0])
@pytest.mark.parametrize("tilt", [0.0, 15.0])
def test_a_pivot_turns_by_its_angle_with_its_sign(turn, tilt):
    acc, gyr, fs = _pivot(turn, tilt_deg=tilt)
    traj = integrate_strides(acc, gyr, fs, np.array([0]), np.array([len(acc) - 1]))
    got = stride_turn_deg(traj)
    # positive is counter-clockwise seen from above; beyond 180 deg it keeps
    # its size (a heading compared at the two ends alone would wrap)
    assert got[0] == pytest.approx(turn, abs=0.5)


def test_no_strides_no_turns():
    acc, gyr, fs = _pivot(10.0)
    traj = integrate_strides(acc, gyr, fs, np.zeros(0, int), np.zeros(0, int))
    assert stride_turn_deg(traj).shape == (0,)


def test_the_sample_walk_turns_half_a_revolution_each_way():
    """The shipped walk: 20 m, a U-turn, 20 m back, a second U-turn at the
    end. Each foot's strides add up to about +180 deg over the first turn
    and -180 deg over the second, and the straight strides stay within a
    few degrees."""
    steps = footfall.analyze(read_recording(SAMPLE)).steps
    for side in ("left", "right"):
        d = steps[steps["side"] == side]
        turn = d["turn_deg"].to_numpy()
        t = d["ic_s"].to_numpy()
        first = np.nansum(turn[(t > 14.5) & (t < 19.0)])
        second = np.nansum(turn[t > 32.0])
        assert 165 <= first <= 195, (side, first)
        assert -195 <= second <= -120, (side, second)
        straight = turn[(t < 14.5) | ((t > 19.5) & (t < 32.0))]
        assert np.nanmax(np.abs(straight)) < 8.0, side
