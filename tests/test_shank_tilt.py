"""The shank angle at contact: its axis logic on synthetic data, and its
robustness to a tilted strap on the Fukuchi runners (skipped when
../shared/data/fukuchi_rbds is absent)."""

from __future__ import annotations

import numpy as np
import pytest
from bench_modules import load_bench
from scipy.spatial.transform import Rotation

from footfall.gait.imu import analyze_imu_stream
from footfall.gait.shank import gravity_at, sagittal_angle_deg, tibia_in_plane
from footfall.model import G_MPS2, IMU_COLUMNS, Condition, Stream, Surface

fk = load_bench("fukuchi_imu")
needs_data = pytest.mark.skipif(
    not fk.data_available(subject="RBDS0041"), reason=f"Fukuchi data not found in {fk.DATA_DIR}"
)


def test_tibia_in_plane_gives_the_angle_asked_for_any_lateral_axis():
    rng = np.random.default_rng(1)
    for _ in range(20):
        frame = Rotation.random(random_state=rng).as_matrix()
        lat = frame[:, 1]
        up = rng.normal(size=3)
        up /= np.linalg.norm(up)
        for want in (-40.0, -5.0, 0.0, 12.0):
            t = tibia_in_plane(up, lat, want)
            assert abs(t @ lat) < 1e-9
            # the angle in a frame whose y is lat
            r = np.vstack([np.cross(lat, t), lat, t])
            got = sagittal_angle_deg((r @ up)[None, :], np.array([0.0, 0.0, 1.0]))[0]
            assert got == pytest.approx(want, abs=1e-6)


def test_sagittal_angle_sign_ankle_ahead_is_positive():
    # shank turned by -20 deg about the lateral axis: its top goes back, the
    # ankle is ahead of the knee; gravity in the shank frame then points
    # forward-up
    r = Rotation.from_euler("y", -20, degrees=True).as_matrix()  # shank -> world
    up_in_shank = r.T @ np.array([0.0, 0.0, 1.0])
    assert sagittal_angle_deg(up_in_shank[None, :], np.array([0.0, 0.0, 1.0]))[0] == pytest.approx(
        20.0, abs=1e-9
    )


def test_gravity_at_finds_the_tilt_of_a_swinging_sensor():
    # a sensor swinging about its y axis at 1.3 Hz with no linear
    # acceleration: the specific force is gravity alone, and the window's
    # mean, brought into the frame at k, must be the true up there
    fs = 200.0
    t = np.arange(int(6 * fs)) / fs
    f = 1.3
    phi = 0.6 * np.sin(2 * np.pi * f * t) - 0.3
    rate = 0.6 * 2 * np.pi * f * np.cos(2 * np.pi * f * t)
    gyr = np.column_stack([np.zeros_like(t), rate, np.zeros_like(t)])
    rot = Rotation.from_euler("y", phi[:, None])  # sensor -> world
    acc = rot.inv().apply(np.array([0.0, 0.0, G_MPS2]))
    k = np.array([300, 450, 611])
    lo, hi = k - 200, k + 250
    g = gravity_at(acc, gyr, fs, k, lo, hi)
    true = acc[k] / G_MPS2
    err = np.degrees(np.arccos(np.clip(np.sum(g * true, axis=1), -1, 1)))
    assert np.all(err < 0.2), err


def _with_standing(subject: str, mounting: np.ndarray, secs: float = 4.0):
    """Each shank stream of the run preceded by ``secs`` of the runner's
    standing trial (the same virtual sensor), and the truth."""
    m = {"left_shank": mounting, "right_shank": mounting}
    rec, truth, _ = fk.make_fukuchi_imu(mounting=m, subject=subject)
    srec, _, _ = fk.make_fukuchi_imu(mounting=m, subject=subject, static=True)
    out = {}
    for st, ss in zip(rec.streams, srec.streams, strict=True):
        if st.placement.value != "shank":
            continue
        n0 = int(secs * ss.fs_hz)
        vals = np.vstack(
            [np.hstack([ss.acc_mps2, ss.gyr_rps])[:n0], np.hstack([st.acc_mps2, st.gyr_rps])]
        )
        out[st.side.value] = Stream(
            kind="imu",
            side=st.side,
            placement=st.placement,
            time_s=np.arange(len(vals)) / st.fs_hz,
            values=vals,
            columns=IMU_COLUMNS,
            name=st.name,
        )
    return out, truth, n0 / st.fs_hz


def _errors(steps, truth, side, t0=0.0):
    tr = truth[truth["side"] == side]
    err = []
    for ic, ang in zip(steps["ic_s"], steps["shank_angle_ic_deg"], strict=True):
        d = np.abs(tr["ic_s"].to_numpy() + t0 - ic)
        if d.min() <= 0.05 and np.isfinite(ang):
            err.append(ang - tr["shank_angle_ic_deg"].to_numpy()[d.argmin()])
    return np.array(err)


COND = Condition(surface=Surface.TREADMILL, speed_mps=2.5)


@needs_data
def test_standing_measures_a_strap_pitched_about_the_knee_axis():
    # the strap tilted 15 deg either way about the knee's axis: with standing
    # before the run the angles are those of a square strap (before standing
    # was used, 15 deg of pitch moved them by 12-17 deg)
    got = {}
    for name, mnt in {
        "square": np.eye(3),
        "up": Rotation.from_euler("y", 15, degrees=True).as_matrix(),
        "down": Rotation.from_euler("y", -15, degrees=True).as_matrix(),
    }.items():
        streams, truth, t0 = _with_standing("RBDS0041", mnt)
        for side, s in streams.items():
            res = analyze_imu_stream(s, COND)
            assert res.alignment.standing_s > 1.0
            got[(name, side)] = res.steps["shank_angle_ic_deg"].to_numpy()
            err = _errors(res.steps, truth, side, t0)
            assert len(err) > 30
            assert np.median(np.abs(err)) < 2.5, (name, side)
    for side in ("left", "right"):
        for name in ("up", "down"):
            a, b = got[("square", side)], got[(name, side)]
            assert len(a) == len(b)
            assert np.nanmax(np.abs(a - b)) < 0.5, (name, side)


@needs_data
def test_strap_turned_about_the_shin_does_not_move_the_angle():
    # a strap turned round the shin (any yaw about the tibia) keeps the
    # tibia's axis; the lateral axis comes from the swing
    base = None
    for yaw in (0.0, 40.0, -110.0, 170.0):
        mnt = Rotation.from_euler("z", yaw, degrees=True).as_matrix()
        rec, truth, _ = fk.make_fukuchi_imu(
            mounting={"left_shank": mnt, "right_shank": mnt}, subject="RBDS001"
        )
        s = next(x for x in rec.streams if x.placement.value == "shank" and x.side.value == "left")
        ang = analyze_imu_stream(s, COND).steps["shank_angle_ic_deg"].to_numpy()
        if base is None:
            base = ang
            err = _errors(analyze_imu_stream(s, COND).steps, truth, "left")
            assert np.mean(np.abs(err)) < 3.0
        else:
            assert len(ang) == len(base)
            assert np.nanmax(np.abs(ang - base)) < 0.5, yaw


@needs_data
def test_strides_cut_by_the_recording_are_blank():
    rec, _, _ = fk.make_fukuchi_imu(subject="RBDS001")
    for s in rec.streams:
        if s.placement.value != "shank":
            continue
        steps = analyze_imu_stream(s, COND).steps
        last_t = s.time_s[-1]
        cut = np.isclose(steps["ms_s"].to_numpy(), last_t)
        assert np.all(np.isnan(steps["shank_angle_ic_deg"].to_numpy()[cut]))
        # every other row is measured, within the range of running shanks
        inner = steps["shank_angle_ic_deg"].to_numpy()[1:-1]
        assert np.all(np.isfinite(inner)) and np.all(np.abs(inner) < 25)
    # the right leg's last stride ends at the last sample on this run
    right = next(x for x in rec.streams if x.placement.value == "shank" and x.side.value == "right")
    steps = analyze_imu_stream(right, COND).steps
    assert np.isclose(steps["ms_s"].to_numpy()[-1], right.time_s[-1])
    assert np.isnan(steps["shank_angle_ic_deg"].to_numpy()[-1])
