"""A recording that starts mid-swing (a leading partial stride) keeps its first
contact: timing from its events and the next stride, angles and loads blank
(its stride starts with the foot in the air, not at rest), the alignment
from the whole strides as before, and replay gives the offline rows."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from replay_check import assert_same_rows, replay_rows

from footfall.gait.alignment import estimate_alignment
from footfall.gait.imu import PARTIAL_BLANK, analyze_imu_stream
from footfall.gait.segment import Segmentation, segment_strides
from footfall.io import read_recording
from footfall.sim import simulate
from footfall.stream import ImuStepDetector

TIMING = (
    "ic_s",
    "to_s",
    "contact_ms",
    "stride_ms",
    "swing_ms",
    "cadence_spm",
    "stride_length_m",
    "speed_mps",
    "stride_length_zupt_m",
)
ANGLES = [c for c in PARTIAL_BLANK if c not in ("strike_pattern", "shank_angle_ic_deg")]


SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"


def _stream(scenario: str):
    if scenario == "gaitmap-walk":
        if not SAMPLE.exists():
            pytest.skip("sample_data/gaitmap_walk absent")
        return read_recording(SAMPLE).streams[0]
    rec, _ = simulate(scenario, minutes=0.4, seed=3)
    return next(s for s in rec.streams if s.kind == "imu" and s.placement == "foot")


def _cut(stream, cut: int):
    return dataclasses.replace(stream, time_s=stream.time_s[cut:], values=stream.values[cut:])


def _mid_swing_cut(stream, res, k: int = 3) -> int:
    """A sample just after the toe-off of contact ``k``: the data starts in a swing."""
    return int(np.searchsorted(stream.time_s, res.steps["to_s"].iloc[k])) + 2


@pytest.fixture(scope="module", params=["easy-run", "heavy-heel-striker", "gaitmap-walk"])
def cut_run(request):
    s = _stream(request.param)
    full = analyze_imu_stream(s)
    cut = _mid_swing_cut(s, full)
    return s, full, _cut(s, cut)


def test_first_contact_found_with_blank_angles(cut_run):
    s, full, cs = cut_run
    res = analyze_imu_stream(cs)
    got, ref = res.steps, full.steps
    # the contact after the cut is the first row, as in the uncut data
    k = int(np.searchsorted(ref["ic_s"].to_numpy(), cs.time_s[0]))
    assert abs(got["ic_s"].iloc[0] - ref["ic_s"].iloc[k]) <= 1.0 / s.fs_hz
    first, same = got.iloc[0], ref.iloc[k]
    for col in TIMING:
        assert np.isfinite(first[col]), col
        assert abs(first[col] - same[col]) <= 0.01 * abs(same[col]) + 1.5 / s.fs_hz * 1000, col
    for col in ANGLES:
        assert np.isnan(first[col]), col
        assert got[col].iloc[1:].notna().all(), col
    assert first["strike_pattern"] is None or pd.isna(first["strike_pattern"])
    assert got["strike_pattern"].iloc[1:].notna().all()
    # the later rows are the uncut rows
    assert len(got) == len(ref) - k
    np.testing.assert_allclose(
        got["ic_s"].to_numpy()[1:], ref["ic_s"].to_numpy()[k + 1 :], atol=1.0 / s.fs_hz
    )


def test_alignment_comes_from_the_whole_strides(cut_run):
    _, _, cs = cut_run
    plain = segment_strides(cs.gyr_rps, cs.fs_hz)
    part = segment_strides(cs.gyr_rps, cs.fs_hz, leading_partial=True, acc_mps2=cs.acc_mps2)
    assert part.partial[0] and not part.partial[1:].any()
    # the whole strides are strides of the plain segmentation, which may also
    # have taken the partial one for whole (its swing alone passes the test)
    assert np.isin(part.swing_peak[1:], plain.swing_peak).all()
    assert len(plain) - len(part) in (-1, 0)
    whole = Segmentation(
        part.swing_peak[1:], part.ms_before[1:], part.ms_after[1:], part.quiet_rps[1:]
    )
    al = estimate_alignment(cs.acc_mps2, cs.gyr_rps, cs.fs_hz, whole)
    assert np.array_equal(analyze_imu_stream(cs).alignment.R, al.R)
    assert np.array_equal(estimate_alignment(cs.acc_mps2, cs.gyr_rps, cs.fs_hz, part).R, al.R)


@pytest.mark.parametrize("block", [1, 50])
def test_replay_of_data_starting_mid_swing_gives_offline_rows(cut_run, block):
    _, _, cs = cut_run
    off = analyze_imu_stream(cs)
    det = ImuStepDetector(cs.fs_hz, cs.side, cs.placement)
    live = replay_rows(det, cs, block)
    np.testing.assert_array_equal(det.alignment.R, off.alignment.R)
    assert_same_rows(live, off.steps, min_rows=10, missing_alike=True)


def test_data_starting_at_rest_gets_no_extra_contact():
    # the data starts at the simulated foot's first mid-stance (true, from
    # the simulator): the foot is flat and still
    rec, truth = simulate("easy-run", minutes=0.4, seed=3)
    s = next(s for s in rec.streams if s.kind == "imu" and s.placement == "foot")
    ms = truth.loc[truth["side"] == s.side.value, "ms_s"].iloc[0]
    s = _cut(s, int(np.searchsorted(s.time_s, ms)))
    seg = segment_strides(s.gyr_rps, s.fs_hz, leading_partial=True, acc_mps2=s.acc_mps2)
    assert not seg.partial.any()
    res = analyze_imu_stream(s)
    assert res.steps[ANGLES].notna().all().all()


# where in the stride the data starts: (event, offset in s); the foot is in
# the air from a toe-off to the next contact
AIR = [("to", 0.01), ("to", 0.06), ("mid", 0.0), ("ic", -0.06)]
GROUND = [("ic", 0.03), ("ic", 0.08), ("to", -0.03)]


def _phase_cut(stream, steps, k: int, where: tuple[str, float]) -> int:
    event, off = where
    if event == "mid":
        t = 0.5 * (steps["to_s"].iloc[k] + steps["ic_s"].iloc[k + 1])
    else:
        t = steps[f"{event}_s"].iloc[k + (event == "ic" and off < 0)] + off
    return int(np.searchsorted(stream.time_s, t))


def _starts(scenario: str, places: list[tuple[str, float]]):
    """For data cut at each place in strides 3 and 6: the steps of the cut
    data, the uncut steps, the contact the cut data should start with, and
    the place."""
    s = _stream(scenario)
    full = analyze_imu_stream(s).steps
    for k in (3, 6):
        for where in places:
            got = analyze_imu_stream(_cut(s, _phase_cut(s, full, k, where))).steps
            yield s, got, full["ic_s"].iloc[k + 1], where


@pytest.mark.parametrize("scenario", ["easy-run", "forefoot-loader", "gaitmap-walk"])
def test_data_starting_anywhere_in_a_swing_keeps_its_contact(scenario):
    # forefoot-loader's late swing: test_late_swing_start_of_a_forefoot_landing_is_dropped
    places = [w for w in AIR if scenario != "forefoot-loader" or w[0] != "ic"]
    for s, got, ic, where in _starts(scenario, places):
        assert abs(got["ic_s"].iloc[0] - ic) <= 1.0 / s.fs_hz, where
        assert np.isnan(got["foot_strike_angle_deg"].iloc[0]), where


@pytest.mark.parametrize("scenario", ["easy-run", "forefoot-loader", "gaitmap-walk"])
def test_data_starting_on_the_ground_gets_no_invented_contact(scenario):
    for s, got, ic, where in _starts(scenario, GROUND):
        # the first contact is the next real one, not a wobble of the stance
        assert abs(got["ic_s"].iloc[0] - ic) <= 1.0 / s.fs_hz, where


def test_late_swing_start_of_a_forefoot_landing_is_dropped():
    """Data that starts just before a forefoot landing: the heel drop after
    the landing is the fastest toes-up rotation in it and would be taken for
    the mid-swing, putting the contact at the later landing peak; the
    contact is left out rather than put there."""
    s = _stream("forefoot-loader")
    full = analyze_imu_stream(s).steps
    got = analyze_imu_stream(_cut(s, _phase_cut(s, full, 3, ("ic", -0.06)))).steps
    assert abs(got["ic_s"].iloc[0] - full["ic_s"].iloc[5]) <= 1.0 / s.fs_hz
