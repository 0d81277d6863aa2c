"""The per-step metric functions of footfall.gait.metrics, each on small
hand-made inputs whose answer follows from its definition (physics or
geometry), not from the code's own output."""

from __future__ import annotations

import numpy as np
import pytest

from footfall.gait import definitions
from footfall.gait import quaternion as quat
from footfall.gait.metrics import (
    cadence_spm,
    foot_progression_angle_deg,
    foot_strike_angle_deg,
    heading_change_deg,
    horizontal_distance_m,
    impact_braking_g,
    impact_window_samples,
    interrupted_strides,
    level_long_axis,
    pronation_excursion_velocity,
    sample_time_s,
    step_times,
    stride_length_speed,
    strike_pattern_from_angle,
)
from footfall.model import G_MPS2


def _about(axis: str, deg) -> np.ndarray:
    """Quaternion(s) of a rotation by ``deg`` about a frame axis."""
    v = {"x": [1.0, 0, 0], "y": [0, 1.0, 0], "z": [0, 0, 1.0]}[axis]
    return quat.from_rotvec(np.radians(np.asarray(deg, float))[..., None] * np.array(v))


def _toes_up(deg) -> np.ndarray:
    # a rotation about the lateral (left, y) axis by -a lifts the toes by a
    return _about("y", -np.asarray(deg, float))


# --- temporal -------------------------------------------------------------


def test_sample_time_follows_the_time_axis_and_keeps_nan() -> None:
    # 100 Hz, with 0.3 s missing between samples 2 and 3
    time_s = np.array([0.0, 0.01, 0.02, 0.32, 0.33])
    got = sample_time_s(np.array([1.5, 2.5, 4.0, np.nan]), time_s=time_s)
    np.testing.assert_allclose(got[:3], [0.015, 0.17, 0.33])
    assert np.isnan(got[3])


def test_a_stride_with_missing_samples_is_interrupted() -> None:
    fs = 100.0
    time_s = np.arange(400) / fs
    # 0.6 s lost between samples 249 and 250: the third stride's 100 samples
    # span 1.6 s instead of 1 s; 0.4 s lost would be within the tolerance
    time_s[250:] += 0.6
    got = interrupted_strides(
        time_s=time_s,
        ms_before=np.array([0, 100, 200, 300]),
        ms_after=np.array([100, 200, 300, 399]),
        fs_hz=fs,
    )
    np.testing.assert_array_equal(got, [False, False, True, False])
    time_s = np.arange(400) / fs
    time_s[250:] += 0.4
    got = interrupted_strides(
        time_s=time_s, ms_before=np.array([200]), ms_after=np.array([300]), fs_hz=fs
    )
    np.testing.assert_array_equal(got, [False])


def test_cadence_counts_both_feet() -> None:
    # a stride of 0.7 s is two steps in 0.7 s: 120 / 0.7 steps per minute
    got = cadence_spm(np.array([700.0, 1000.0, np.nan]))
    np.testing.assert_allclose(got[:2], [171.43, 120.0], atol=0.005)
    assert np.isnan(got[2])


def test_contact_stride_swing_from_the_events() -> None:
    t = step_times(ic_s=np.array([1.0]), to_s=np.array([1.25]), next_ic_s=np.array([1.8]))
    np.testing.assert_allclose(t.contact_ms, [250.0])  # to - ic
    np.testing.assert_allclose(t.stride_ms, [800.0])  # next ic - ic
    np.testing.assert_allclose(t.swing_ms, [550.0])  # next ic - to
    np.testing.assert_allclose(t.contact_ms + t.swing_ms, t.stride_ms)
    np.testing.assert_allclose(t.cadence_spm, [150.0])
    np.testing.assert_allclose(t.to_s, [1.25])


def test_implausible_contacts_and_interrupted_strides_are_blank() -> None:
    ic = np.array([0.0, 2.0, 4.0, 6.0])
    to = ic + np.array([0.030, 0.060, 0.250, 0.250])  # 30 ms is no contact of gait
    t = step_times(
        ic_s=ic, to_s=to, next_ic_s=ic + 0.8, interrupted=np.array([False, False, False, True])
    )
    assert np.isnan(t.to_s[0]) and np.isnan(t.contact_ms[0]) and np.isnan(t.swing_ms[0])
    assert t.stride_ms[0] == pytest.approx(800.0)  # the stride itself is still one
    assert t.contact_ms[1] == pytest.approx(60.0)  # the range's bound is a contact
    # a gap inside the stride: no stride time, no cadence; the contact stays
    assert np.isnan(t.stride_ms[3]) and np.isnan(t.cadence_spm[3])
    assert t.contact_ms[3] == pytest.approx(250.0)
    assert not np.isnan(t.stride_ms[2])
    # NaN toe-off: no contact, no swing
    t = step_times(ic_s=np.array([1.0]), to_s=np.array([np.nan]), next_ic_s=np.array([1.8]))
    assert np.isnan(t.contact_ms[0]) and np.isnan(t.swing_ms[0])
    assert t.stride_ms[0] == pytest.approx(800.0)


# --- spatial --------------------------------------------------------------


def test_horizontal_distance_ignores_the_vertical() -> None:
    got = horizontal_distance_m(np.array([[3.0, 4.0, 1.0], [0.0, -2.0, -0.3]]))
    np.testing.assert_allclose(got, [5.0, 2.0])


def test_stride_length_and_speed_overground_and_on_a_belt() -> None:
    length, speed, zupt = stride_length_speed(
        zupt_length_m=np.array([2.4, 2.4]), stride_ms=np.array([800.0, np.nan])
    )
    np.testing.assert_allclose(length[:1], [2.4])
    np.testing.assert_allclose(speed[:1], [3.0])  # 2.4 m in 0.8 s
    np.testing.assert_allclose(zupt[:1], [2.4])
    assert np.isnan(length[1]) and np.isnan(speed[1]) and np.isnan(zupt[1])
    # treadmill at 3 m/s: the belt carries the stance foot, ZUPT sees only
    # the foot's travel relative to the belt
    length, speed, zupt = stride_length_speed(
        zupt_length_m=np.array([0.3]), stride_ms=np.array([800.0]), belt_speed_mps=3.0
    )
    np.testing.assert_allclose(speed, [3.0])
    np.testing.assert_allclose(length, [2.4])
    np.testing.assert_allclose(zupt, [0.3])


def _axes(headings_deg) -> np.ndarray:
    h = np.radians(np.asarray(headings_deg, float))
    return np.stack([np.cos(h), np.sin(h), np.zeros_like(h)], axis=-1)


def test_heading_change_sign_and_pivots_past_half_a_turn() -> None:
    got = heading_change_deg(
        np.stack(
            [
                _axes(np.linspace(0, 90, 17)),  # a left turn, counter-clockwise from above
                _axes(np.linspace(10, -20, 17)),  # a right turn
                _axes(np.linspace(0, 270, 17)),  # a pivot of three quarters of a turn
                _axes(np.full(17, 170.0)),  # straight, heading near the wrap
            ]
        )
    )
    np.testing.assert_allclose(got, [90.0, -30.0, 270.0, 0.0], atol=1e-9)


def test_foot_progression_is_toe_out_on_either_foot() -> None:
    # the long axis is at heading 0; the foot travels 10 deg to its right
    # (left foot: the toes point outwards) or to its left (right foot: the same)
    d = 1.2
    travel = np.radians(np.array([-10.0, 10.0]))
    disp = np.stack([d * np.cos(travel), d * np.sin(travel), np.zeros(2)], axis=1)
    left = foot_progression_angle_deg(displacement_m=disp, turn_deg=np.zeros(2), side="left")
    right = foot_progression_angle_deg(displacement_m=disp, turn_deg=np.zeros(2), side="right")
    np.testing.assert_allclose(left, [10.0, -10.0])  # toe-out, toe-in
    np.testing.assert_allclose(right, [-10.0, 10.0])


def test_foot_progression_on_a_curve_short_strides_and_pivots() -> None:
    # a stride curving 10 deg left ends 5 deg left of where it started from:
    # the foot pointed along the path, no toe-out
    disp = np.array(
        [
            [np.cos(np.radians(5.0)), np.sin(np.radians(5.0)), 0.0],
            [0.01, 0.0, 0.0],  # 1 cm: no direction of travel
            [1.0, 0.0, 0.0],
        ]
    )
    got = foot_progression_angle_deg(
        displacement_m=disp, turn_deg=np.array([10.0, 0.0, 25.0]), side="left"
    )
    assert got[0] == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(got[1])
    assert np.isnan(got[2])  # a 25 deg turn is a pivot


# --- foot strike ------------------------------------------------------------


def test_foot_strike_angle_is_the_pitch_at_contact() -> None:
    # contact halfway between a sample at 12 deg toes up and one at 8
    got = foot_strike_angle_deg(
        q_before_wxyz=_toes_up([12.0, -5.0]),
        q_after_wxyz=_toes_up([8.0, -5.0]),
        fraction=np.array([0.5, 0.25]),
    )
    np.testing.assert_allclose(got, [10.0, -5.0], atol=1e-9)
    # roll of the foot at contact is not pitch
    rolled = quat.multiply(_toes_up([6.0]), _about("x", [15.0]))
    got = foot_strike_angle_deg(q_before_wxyz=rolled, q_after_wxyz=rolled, fraction=np.array([0.0]))
    np.testing.assert_allclose(got, [6.0], atol=1e-9)


def test_strike_pattern_bands_and_nan() -> None:
    got = strike_pattern_from_angle(np.array([10.0, 8.0, 0.0, -1.6, -5.0, np.nan]))
    assert got.tolist() == ["rearfoot", "midfoot", "midfoot", "midfoot", "forefoot", None]
    assert strike_pattern_from_angle(np.array([[20.0], [-20.0]])).tolist() == [
        ["rearfoot"],
        ["forefoot"],
    ]


def test_the_simulator_truth_uses_the_same_definitions() -> None:
    from footfall.sim import core

    assert core.strike_pattern_from_angle is definitions.strike_pattern_from_angle
    assert strike_pattern_from_angle is definitions.strike_pattern_from_angle
    assert core.IMPACT_WINDOW_S is definitions.IMPACT_WINDOW_S


# --- impact and braking -------------------------------------------------------


def test_impact_window_is_60_ms() -> None:
    assert impact_window_samples(100.0) == 6
    assert impact_window_samples(200.0) == 12
    assert impact_window_samples(10.0) == 2  # never fewer than two samples


def test_impact_and_braking_peaks() -> None:
    a = np.zeros((2, 6, 3))
    a[0, 2, 2] = 3.0 * G_MPS2  # 3 g upwards
    a[0, 3, 0] = -1.5 * G_MPS2  # 1.5 g backwards, travel along +x
    a[1, 1, 1] = -2.0 * G_MPS2  # travel along +y: -y is backwards
    a[1, 1, 2] = 1.0 * G_MPS2
    a[1, 5, 2] = 9.0 * G_MPS2  # after the stride's end: not counted
    inside = np.ones((2, 6), dtype=bool)
    inside[1, 5] = False
    impact, braking = impact_braking_g(
        acc_level_mps2=a, inside=inside, heading_rad=np.array([0.0, np.pi / 2])
    )
    np.testing.assert_allclose(impact, [3.0, 1.0])
    np.testing.assert_allclose(braking, [1.5, 2.0], atol=1e-12)


# --- pronation ----------------------------------------------------------------


def test_level_long_axis_is_level_at_mid_stance() -> None:
    q_ms = np.stack([np.array([1.0, 0, 0, 0]), _toes_up(20.0), _about("x", 10.0)])
    axis = level_long_axis(q_ms)
    np.testing.assert_allclose(np.linalg.norm(axis, axis=1), 1.0)
    np.testing.assert_allclose(axis[0], [1.0, 0.0, 0.0])
    # in the level frame the axis is horizontal and points forward
    level = quat.rotate(q_ms, axis)
    np.testing.assert_allclose(level[:, 2], 0.0, atol=1e-12)
    assert np.all(level[:, 0] > 0.9)


def test_pronation_excursion_and_velocity() -> None:
    # left foot, foot flat at mid-stance: it lands 5 deg inverted and rolls
    # to 3 deg everted (about +x: the medial, right edge goes down): 8 deg
    ever = np.array([-5.0, -3.0, 0.0, 3.0])
    q_left = _about("x", ever)[None]
    # the right foot's eversion is the mirror rotation
    q_right = _about("x", -ever)[None]
    # a landing pitch on top of the roll does not count as roll
    q_pitched = quat.multiply(_toes_up(np.array([20.0, 12.0, 4.0, 0.0])), _about("x", ever))[None]
    q_ms = np.array([[1.0, 0.0, 0.0, 0.0]])
    gyr = np.zeros((1, 4, 3))
    gyr[0, 1, 0] = 2.0  # rad/s about the long axis
    inside = np.ones((1, 4), dtype=bool)
    for q, side, g in ((q_left, "left", gyr), (q_right, "right", -gyr), (q_pitched, "left", gyr)):
        exc, vel = pronation_excursion_velocity(
            q_wxyz=q, q_ms_wxyz=q_ms, gyr_rps=g, inside=inside, side=side
        )
        np.testing.assert_allclose(exc, [8.0], atol=1e-9)
        np.testing.assert_allclose(vel, [np.degrees(2.0)])


def test_pronation_rise_over_its_running_minimum_within_the_window() -> None:
    # everted 6 deg in late swing, back to 0, then 4 deg of loading eversion:
    # the excursion is the rise after the lowest point, 4 deg, not 6
    ever = np.array([6.0, 0.0, 2.0, 4.0, 30.0])
    inside = np.array([[True, True, True, True, False]])  # 30 deg: past mid-stance
    exc, vel = pronation_excursion_velocity(
        q_wxyz=_about("x", ever)[None],
        q_ms_wxyz=np.array([[1.0, 0.0, 0.0, 0.0]]),
        gyr_rps=np.zeros((1, 5, 3)),
        inside=inside,
        side="left",
    )
    np.testing.assert_allclose(exc, [4.0], atol=1e-9)
    np.testing.assert_allclose(vel, [0.0])
