"""The time-major strapdown integration (footfall.gait.trajectory) gives exactly
the numbers of a straightforward version kept here as the reference:
stride-major arrays, the orientation's blocked product written out stride by
stride (and that product against one normalised product per sample, to
rounding).

Also: the component-first quaternion helpers against the (..., 4) ones and
against scipy, and the per-step metrics read through single samples against
the same metrics on fully built arrays."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

from footfall.gait import alignment as alignment_module
from footfall.gait import metrics as metrics_module
from footfall.gait import quaternion as quat
from footfall.gait import trajectory as tr
from footfall.gait.alignment import align_and_integrate, estimate_alignment
from footfall.gait.events import detect_events
from footfall.gait.metrics import imu_step_metrics
from footfall.gait.segment import segment_strides
from footfall.io import read_recording
from footfall.model import G_MPS2

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"


def _ref_qmul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    pw, px, py, pz = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
    qw, qx, qy, qz = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    out = np.empty_like(p)
    out[:, 0] = pw * qw - px * qx - py * qy - pz * qz
    out[:, 1] = pw * qx + px * qw + py * qz - pz * qy
    out[:, 2] = pw * qy - px * qz + py * qw + pz * qx
    out[:, 3] = pw * qz + px * qy - py * qx + pz * qw
    return out


def _ref_normalise(r: np.ndarray) -> np.ndarray:
    """(n, 4) divided by the norm, the squares added in component order."""
    s = r[:, 0] * r[:, 0] + r[:, 1] * r[:, 1] + r[:, 2] * r[:, 2] + r[:, 3] * r[:, 3]
    return r / np.sqrt(s)[:, None]


def _ref_rotation_blocked(w_mid: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(L, n, 4) orientations from (L-1, n, 3) rotation vectors, stride by
    stride and sample by sample: in each block of B increments the running
    product ``P_j = dq_{bB} * ... * dq_{bB+j}`` and ``r_{bB+j+1} =
    normalise(r_{bB} * P_j)``; past its end a stride holds its last value."""
    B = tr._ROT_BLOCK
    L, n = w_mid.shape[0] + 1, w_mid.shape[1]
    dq = quat.from_rotvec(w_mid)
    rt = np.empty((L, n, 4))
    rt[0] = (1.0, 0.0, 0.0, 0.0)
    for i in range(n):
        P = None  # the block's running product, set at its first increment
        for k in range(1, L):
            if k >= lengths[i]:
                rt[k, i] = rt[k - 1, i]
                continue
            j = (k - 1) % B
            P = dq[k - 1, i : i + 1] if j == 0 else _ref_qmul(P, dq[k - 1, i : i + 1])
            r0 = rt[k - 1 - j, i : i + 1]  # the block's start
            rt[k, i] = _ref_normalise(_ref_qmul(r0, P))[0]
    return rt


def _ref_integrate(acc_mps2, gyr_rps, fs_hz, start, stop) -> dict[str, np.ndarray]:
    """The integration as it was written before the time-major version:
    (L, strides, 3) arrays, a quaternion product per step."""
    start = np.asarray(start, dtype=int)
    stop = np.asarray(stop, dtype=int)
    n_str = len(start)
    dt = 1.0 / fs_hz
    lengths = stop - start + 1
    L = int(lengths.max())
    perm = np.argsort(-lengths, kind="stable")
    inv = np.empty_like(perm)
    inv[perm] = np.arange(n_str)
    start, stop, lengths = start[perm], stop[perm], lengths[perm]
    k_t = np.arange(L)[:, None]
    idx = start[None, :] + k_t
    valid_t = idx <= stop[None, :]
    idx = np.minimum(idx, stop[None, :])
    acc = acc_mps2[idx]
    gyr = gyr_rps[idx]
    gyr[~valid_t] = 0.0
    w_mid = 0.5 * dt * (gyr[:-1] + gyr[1:])
    rt = _ref_rotation_blocked(w_mid, lengths)
    acc_start = quat.rotate(rt, acc)
    f = np.where(valid_t[..., None], acc_start, 0.0)
    span = np.maximum(lengths - 1, 1)[:, None] * dt
    g_start = (f.sum(axis=0) - 0.5 * (f[0] + acc_start[lengths - 1, np.arange(n_str)])) * dt / span
    short = lengths < 3
    if short.any():
        g_start[short] = acc_mps2[start[short]]
    q0 = tr.level_quaternion(g_start)
    qt = quat.multiply(q0[None, :, :], rt)
    acc_level = quat.rotate(q0[None, :, :], acc_start)
    acc_level[..., 2] -= G_MPS2
    acc_level[~valid_t] = 0.0
    vel = np.zeros_like(acc_level)
    np.cumsum(0.5 * dt * (acc_level[1:] + acc_level[:-1]), axis=0, out=vel[1:])
    last = lengths - 1
    cols = np.arange(n_str)
    v_end = vel[last, cols]
    frac = np.minimum(k_t / np.maximum(last, 1)[None, :], 1.0)
    vel -= frac[..., None] * v_end[None, :, :]
    vel[~valid_t] = 0.0
    pos = np.zeros_like(vel)
    np.cumsum(0.5 * dt * (vel[1:] + vel[:-1]), axis=0, out=pos[1:])
    pos = np.where(valid_t[..., None], pos, pos[last, cols][None, :, :])
    return {
        "valid": valid_t[:, inv].T,
        "q": qt[:, inv].transpose(1, 0, 2),
        "vel_mps": vel[:, inv].transpose(1, 0, 2),
        "pos_m": pos[:, inv].transpose(1, 0, 2),
        "acc_mps2": acc_level[:, inv].transpose(1, 0, 2),
        "g_start": g_start[inv],
    }


FIELDS = ("valid", "q", "vel_mps", "pos_m", "acc_mps2")


def _same_displacement(got: np.ndarray, want: np.ndarray) -> None:
    """The displacement read before any array is built is the closed-form
    weighted sum of the accelerations (trajectory._TimeMajor.pos_end): the
    double integral's end value, added in another order, so equal to
    rounding (a wrong weight or a missed gravity term is off by
    centimetres)."""
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-11)


@pytest.fixture(params=["one group", "groups"])
def grouping(request, monkeypatch):
    """Strides integrated as one padded group, or split into groups of
    similar length wherever that saves any padding. With groups, the tilt's
    sum over valid samples also runs time step by time step (as on long
    recordings) instead of on a masked copy."""
    if request.param == "groups":
        monkeypatch.setattr(tr, "_SPLIT_MIN", 1)
        monkeypatch.setattr(tr, "_MASKED_COPY_MAX", 0)
    return request.param


def _random_case(seed: int, n_samples: int = 3000, n_strides: int = 40):
    rng = np.random.default_rng(seed)
    acc = rng.normal(size=(n_samples, 3)) * 3 + np.array([0.0, 0.0, G_MPS2])
    gyr = rng.normal(size=(n_samples, 3)) * 4
    # any strides: overlapping, unsorted, single-sample and two-sample ones
    start = rng.integers(0, n_samples - 300, n_strides)
    stop = start + rng.integers(0, 300, n_strides)
    return acc, gyr, 100.0 + 50 * seed, start, stop


def _walk_cases():
    rec = read_recording(SAMPLE)
    for s in rec.streams:
        seg = segment_strides(s.gyr_rps, s.fs_hz)
        al = estimate_alignment(s.acc_mps2, s.gyr_rps, s.fs_hz, seg)
        yield al.apply(s.acc_mps2), al.apply(s.gyr_rps), s.fs_hz, seg.ms_before, seg.ms_after
        yield s.acc_mps2, s.gyr_rps, s.fs_hz, seg.ms_before, seg.ms_after


CASES = (
    [_random_case(seed) for seed in range(4)]
    + [
        _random_case(7, n_strides=1),  # one stride: the time axis alone
        _random_case(8, n_strides=2),
    ]
    + [  # strides of one and two samples only
        (*_random_case(9)[:3], np.array(st), np.array(sp))
        for st, sp in (([5], [5]), ([5, 9], [5, 9]), ([3, 7], [4, 7]))
    ]
)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_integration_equals_the_reference_exactly(case, grouping):
    acc, gyr, fs, start, stop = CASES[case]
    ref = _ref_integrate(acc, gyr, fs, start, stop)
    traj = tr.integrate_strides(acc, gyr, fs, start, stop)
    if grouping == "groups" and len(set(stop - start)) > 1:
        assert len(traj._integ.groups) > 1
    last = stop - start
    rows = np.arange(len(start))
    # single samples and the displacement, read before any array is built
    _same_displacement(traj.displacement_m(), ref["pos_m"][rows, last])
    k = np.minimum(last, 5)
    L = ref["valid"].shape[1]
    for what in FIELDS:
        assert np.array_equal(traj.take(what, rows, k), ref[what][rows, k]), what
        assert np.array_equal(traj.at(rows, start + last, what), ref[what][rows, last]), what
        # past the stride's end: the padding
        assert np.array_equal(
            traj.take(what, rows[:, None], np.arange(L)[None, ::7]),
            ref[what][rows[:, None], np.arange(L)[None, ::7]],
        ), what
    # overlapping strides: the later one's pitch
    pitch_ref, _ = tr.pitch_roll_deg(ref["q"])
    want = np.full(len(acc), np.nan)
    idx = start[:, None] + np.arange(L)[None, :]
    want[idx[ref["valid"]]] = pitch_ref[ref["valid"]]
    assert np.array_equal(tr.pitch_per_sample(traj, len(acc)), want, equal_nan=True)
    # the pitch at chosen samples alone, before and after the arrays are built
    _check_pitch_lookup(tr.integrate_strides(acc, gyr, fs, start, stop), want)
    _check_pitch_lookup(traj, want)
    for what in FIELDS:
        got = getattr(traj, what)
        assert got.shape == ref[what].shape, what
        assert np.array_equal(got, ref[what]), what
    # with the positions built, their end values exactly
    assert np.array_equal(traj.displacement_m(), ref["pos_m"][rows, last])


@pytest.mark.parametrize("case", range(len(CASES)))
def test_start_gravity_equals_the_reference_tilt_exactly(case, grouping):
    """The alignment reads gravity at the strides' starts without the rest of
    the integration: the integration's own numbers."""
    acc, gyr, fs, start, stop = CASES[case]
    want = _ref_integrate(acc, gyr, fs, start, stop)["g_start"]
    assert np.array_equal(tr.start_gravity(acc, gyr, fs, start, stop), want)
    assert tr.start_gravity(acc, gyr, fs, start[:0], stop[:0]).shape == (0, 3)


def test_walk_integration_and_pitch_equal_the_reference_exactly(grouping):
    for acc, gyr, fs, start, stop in _walk_cases():
        ref = _ref_integrate(acc, gyr, fs, start, stop)
        traj = tr.integrate_strides(acc, gyr, fs, start, stop)
        # pitch on the sample axis, from the time-major orientations
        pitch_ref, _ = tr.pitch_roll_deg(ref["q"])
        want = np.full(len(acc), np.nan)
        idx = start[:, None] + np.arange(pitch_ref.shape[1])[None, :]
        want[idx[ref["valid"]]] = pitch_ref[ref["valid"]]
        assert np.array_equal(tr.pitch_per_sample(traj, len(acc)), want, equal_nan=True)
        _check_pitch_lookup(traj, want)
        for what in FIELDS:
            assert np.array_equal(getattr(traj, what), ref[what]), what


def _check_pitch_lookup(traj, want: np.ndarray) -> None:
    """PitchLookup gives pitch_per_sample's numbers at any samples: every
    sample, a shuffled 2-D selection, negative indices; NaN outside strides."""
    n = len(want)
    look = tr.PitchLookup(traj, n)
    assert len(look) == n
    assert np.array_equal(look[np.arange(n)], want, equal_nan=True)
    idx = np.random.default_rng(n).integers(0, n, (7, 5))
    assert np.array_equal(look[idx], want[idx], equal_nan=True)
    assert np.array_equal(look[np.array([-1, -n])], want[[-1, -n]], equal_nan=True)
    with pytest.raises(IndexError):
        look[np.array([n])]


def test_no_strides_gives_empty_arrays():
    acc, gyr, fs, _, _ = CASES[0]
    traj = tr.integrate_strides(acc, gyr, fs, np.zeros(0, int), np.zeros(0, int))
    assert traj.q.shape == (0, 1, 4) and traj.valid.shape == (0, 1)
    assert traj.displacement_m().shape == (0, 3)


def test_from_rotvec_cm_equals_from_rotvec_and_scipy():
    rng = np.random.default_rng(1)
    rv = rng.normal(size=(500, 3)) * rng.choice([1e-12, 1e-6, 0.05, 1.0, 3.0], size=(500, 1))
    rv[:5] = 0.0
    got = quat.from_rotvec_cm(np.ascontiguousarray(rv.T)).T
    assert np.array_equal(got, quat.from_rotvec(rv))
    sp = Rotation.from_rotvec(rv).as_quat()  # x, y, z, w
    sp = np.concatenate([sp[:, 3:], sp[:, :3]], axis=1)
    sp *= np.sign(sp[:, :1] * got[:, :1] + (sp[:, :1] == 0))
    assert np.allclose(got, sp, atol=1e-12)


def test_component_first_product_and_rotation_equal_the_quaternion_helpers_and_scipy():
    rng = np.random.default_rng(2)
    p = Rotation.random(300, random_state=3).as_quat()[:, [3, 0, 1, 2]]
    q = Rotation.random(300, random_state=4).as_quat()[:, [3, 0, 1, 2]]
    v = rng.normal(size=(300, 3)) * 10
    pq = tr._qmul_cm(p.T, q.T).T
    assert np.array_equal(pq, quat.multiply(p, q))
    rot = tr._rotate_cm(p.T, v.T).T
    assert np.array_equal(rot, quat.rotate(p, v))
    as_sp = Rotation.from_quat(p[:, [1, 2, 3, 0]])
    assert np.allclose(rot, as_sp.apply(v), atol=1e-12)
    pq_sp = (as_sp * Rotation.from_quat(q[:, [1, 2, 3, 0]])).as_matrix()
    assert np.allclose(quat.to_matrix(pq), pq_sp, atol=1e-12)
    # broadcasting one quaternion per stride over the time axis
    v3 = rng.normal(size=(3, 7, 300))
    out = tr._rotate_cm(p.T[:, None, :], v3)
    assert np.array_equal(out, np.moveaxis(quat.rotate(p[None], np.moveaxis(v3, 0, -1)), -1, 0))


def _random_rotations(rng, n: int, L: int, scale: float = 0.05):
    lengths = np.sort(rng.integers(1, L + 1, n))[::-1].copy()
    lengths[0] = L
    w = rng.normal(size=(L - 1, n, 3)) * scale
    for i, n_i in enumerate(lengths):
        w[n_i - 1 :, i] = 0.0
    return w, lengths


@pytest.mark.parametrize("n, L", [(1, 50), (3, 80), (40, 120), (5, 1), (2, 17), (4, 33)])
def test_orientation_equals_the_blocked_reference_and_one_product_per_step(n, L):
    """The time-major blocked product gives the reference's numbers exactly,
    and one normalised product per sample (the plain strapdown step) to
    rounding; a wrong block boundary or a dropped increment is off by the
    size of a rotation increment (about 0.05 here)."""
    w, lengths = _random_rotations(np.random.default_rng(5 + n * L), n, L)
    got = np.moveaxis(
        tr._integrate_rotation(np.ascontiguousarray(np.moveaxis(w, -1, 0)), lengths), 0, -1
    )
    assert np.array_equal(got, _ref_rotation_blocked(w, lengths))
    dq = quat.from_rotvec(w)
    per_sample = np.empty((L, n, 4))
    per_sample[0] = (1.0, 0.0, 0.0, 0.0)
    for k in range(L - 1):
        r = _ref_normalise(_ref_qmul(per_sample[k], dq[k]))
        per_sample[k + 1] = np.where((k + 1 < lengths)[:, None], r, per_sample[k])
    np.testing.assert_allclose(got, per_sample, rtol=0, atol=1e-13)
    # and scipy's composition of the same increments
    if n >= 1 and L > 1:
        last = Rotation.identity()
        for k in range(int(lengths[0]) - 1):
            last = last * Rotation.from_rotvec(w[k, 0])
        want = last.as_quat()[[3, 0, 1, 2]]
        np.testing.assert_allclose(
            got[lengths[0] - 1, 0] * np.sign(got[lengths[0] - 1, 0, 0]) * np.sign(want[0]),
            want,
            atol=1e-12,
        )


def test_orientation_batches_and_product_forms_give_the_same_numbers(monkeypatch):
    """Strides integrated a few at a time (long recordings) and quaternion
    products made term by term (large arrays) instead of through the
    (4, 4, ...) terms: the same numbers, so no stride's orientation depends
    on how many others share its batch."""
    w, lengths = _random_rotations(np.random.default_rng(11), 37, 90, scale=0.2)
    wc = np.ascontiguousarray(np.moveaxis(w, -1, 0))
    ref = tr._integrate_rotation(wc, lengths)
    monkeypatch.setattr(tr, "_CACHE_BLOCK", 200)  # two strides per batch
    assert np.array_equal(tr._integrate_rotation(wc, lengths), ref)
    monkeypatch.setattr(tr, "_TERMS_MAX", 0)
    assert np.array_equal(tr._integrate_rotation(wc, lengths), ref)
    monkeypatch.setattr(tr, "_CACHE_BLOCK", 1 << 15)
    assert np.array_equal(tr._integrate_rotation(wc, lengths), ref)
    # one stride alone
    assert np.array_equal(tr._integrate_rotation(wc[:, :, 5:6], lengths[5:6]), ref[:, :, 5:6])


def test_metrics_from_single_samples_equal_metrics_from_full_arrays(grouping):
    """imu_step_metrics reads the trajectories through take(); on an
    integration it computes those samples alone, on a StrideTrajectories
    built from full arrays it indexes them: the same table, also with
    contacts missing or out of order."""
    rec = read_recording(SAMPLE)
    rng = np.random.default_rng(6)
    s = rec.streams[0]
    fs = s.fs_hz
    seg = segment_strides(s.gyr_rps, fs)
    al = estimate_alignment(s.acc_mps2, s.gyr_rps, fs, seg)
    acc, gyr = al.apply(s.acc_mps2), al.apply(s.gyr_rps)
    traj = tr.integrate_strides(acc, gyr, fs, seg.ms_before, seg.ms_after)
    full = tr.StrideTrajectories(traj.start, traj.stop, *(getattr(traj, f) for f in FIELDS))
    ev = detect_events(acc, gyr, fs, seg, pitch_deg=tr.pitch_per_sample(full, len(acc)))
    ic_gaps = ev.ic.copy()
    ic_gaps[rng.random(len(ic_gaps)) < 0.3] = np.nan
    for ic in (ev.ic, ic_gaps, ev.ic[rng.permutation(len(ev.ic))], np.full(len(ev.ic), np.nan)):
        e = dataclasses.replace(ev, ic=ic)
        for kw in (
            {"side": "left"},
            {"side": "right", "placement": "shank"},
            {"side": "left", "belt_speed_mps": 2.5},
        ):
            lazy = tr.integrate_strides(acc, gyr, fs, seg.ms_before, seg.ms_after)
            a = imu_step_metrics(s.time_s, gyr, fs, e, lazy, **kw)
            b = imu_step_metrics(s.time_s, gyr, fs, e, full, **kw)
            # every column exactly, but those from the displacement (its
            # length, and its direction for braking and toe-out), which the lazy
            # integration sums in closed form (_same_displacement)
            from_disp = [
                c
                for c in (
                    "stride_length_m",
                    "stride_length_zupt_m",
                    "speed_mps",
                    "braking_g",
                    "foot_progression_deg",
                )
                if c in a
            ]
            pd.testing.assert_frame_equal(
                a.drop(columns=from_disp), b.drop(columns=from_disp), check_exact=True
            )
            pd.testing.assert_frame_equal(
                a[from_disp], b[from_disp], check_exact=False, rtol=1e-9, atol=1e-11
            )
            # the loading-phase windows searched a few strides at a time
            with pytest.MonkeyPatch.context() as m:
                m.setattr(metrics_module, "_ROWS", 3)
                c = imu_step_metrics(s.time_s, gyr, fs, e, full, **kw)
            pd.testing.assert_frame_equal(b, c, check_exact=True)
    assert len(a) == 0


def test_strides_of_an_integration_equal_integrating_them_alone(grouping):
    acc, gyr, fs, start, stop = CASES[2]
    traj = tr.integrate_strides(acc, gyr, fs, start, stop)
    for rows in (np.array([3]), np.array([5, 0, 17, 9]), np.arange(len(start))[::-3]):
        alone = tr.integrate_strides(acc, gyr, fs, start[rows], stop[rows])
        L = alone.padded_length
        for what in FIELDS:
            # past its end a stride holds its last value in both
            assert np.array_equal(getattr(traj, what)[rows, :L], getattr(alone, what)), what
        assert np.array_equal(traj.displacement_m()[rows], alone.displacement_m())


@pytest.mark.parametrize("case", [0, 4, 5])
def test_turned_integration_equals_integrating_turned_data(case, grouping):
    acc, gyr, fs, start, stop = CASES[case]
    flip = np.array([-1.0, -1.0, 1.0])
    turned = tr.integrate_strides(acc, gyr, fs, start, stop)._turned()
    direct = tr.integrate_strides(acc * flip, gyr * flip, fs, start, stop)
    disp = direct.displacement_m()  # closed form, before the positions are built
    assert np.array_equal(turned.displacement_m(), disp)
    assert np.array_equal(
        tr.pitch_per_sample(turned, len(acc)), tr.pitch_per_sample(direct, len(acc)), equal_nan=True
    )
    for what in FIELDS:
        assert np.array_equal(getattr(turned, what), getattr(direct, what)), what
    # turned in place: the same numbers; a trajectory whose arrays are
    # built is not turned in place
    integ = tr.integrate_strides(acc, gyr, fs, start, stop)
    in_place = integ._turned(in_place=True)
    assert np.array_equal(in_place.displacement_m(), disp)
    for what in FIELDS:
        assert np.array_equal(getattr(in_place, what), getattr(direct, what)), what
    with pytest.raises(ValueError):
        in_place._turned(in_place=True)


def _rotated_walk_streams():
    rec = read_recording(SAMPLE)
    for s in rec.streams:
        yield s.acc_mps2, s.gyr_rps, s.fs_hz
        # mounted the other way round about the vertical, and upside down
        for rot in (
            Rotation.from_euler("z", 180, degrees=True),
            Rotation.from_euler("x", 180, degrees=True),
        ):
            yield rot.apply(s.acc_mps2), rot.apply(s.gyr_rps), s.fs_hz


def _direct(acc, gyr, fs, seg):
    al = estimate_alignment(acc, gyr, fs, seg)
    acc_f, gyr_f = al.apply(acc), al.apply(gyr)
    return al, acc_f, gyr_f, tr.integrate_strides(acc_f, gyr_f, fs, seg.ms_before, seg.ms_after)


def _assert_same(got, want):
    al, acc_f, gyr_f, traj = got
    al_w, acc_w, gyr_w, traj_w = want
    assert np.array_equal(al.R, al_w.R)
    assert (al.sagittal_share, al.forward_mps, al.up_spread_deg) == (
        al_w.sagittal_share,
        al_w.forward_mps,
        al_w.up_spread_deg,
    )
    assert np.array_equal(acc_f, acc_w) and np.array_equal(gyr_f, gyr_w)
    assert np.array_equal(traj.displacement_m(), traj_w.displacement_m())
    for what in FIELDS:
        assert np.array_equal(getattr(traj, what), getattr(traj_w, what)), what


def test_align_and_integrate_equals_alignment_then_integration(monkeypatch):
    """One integration shared by the alignment's sign strides and the steps:
    the same alignment, foot-frame data and trajectories as the direct route,
    turned or not."""
    calls = {"_turned": 0, "integrate": 0}
    method = tr.StrideTrajectories._turned

    def spy(self, *args, **kwargs):
        calls["_turned"] += 1
        return method(self, *args, **kwargs)

    monkeypatch.setattr(tr.StrideTrajectories, "_turned", spy)
    integrate = alignment_module.integrate_strides

    def counted(*args, **kwargs):
        calls["integrate"] += 1
        return integrate(*args, **kwargs)

    n = 0
    for acc, gyr, fs in _rotated_walk_streams():
        seg = segment_strides(gyr, fs)
        want = _direct(acc, gyr, fs, seg)
        with monkeypatch.context() as m:
            m.setattr(alignment_module, "integrate_strides", counted)
            got = align_and_integrate(acc, gyr, fs, seg)
        _assert_same(got, want)
        n += 1
    # the shortcuts were taken, in both orientations of the frame: all
    # strides integrated once
    assert calls["integrate"] == n
    assert 0 < calls["_turned"] < n


def test_mean_forward_velocity_from_the_displacement_equals_the_mean_of_the_velocities():
    """The alignment's direction-of-travel vote reads each stride's
    displacement instead of its velocity array: the same mean velocity to
    rounding (a wrong sample count or interval is off by percents)."""
    for acc, gyr, fs, start, stop in list(_walk_cases()) + [CASES[0], CASES[4]]:
        traj = tr.integrate_strides(acc, gyr, fs, start, stop)
        want = np.where(traj.valid, traj.vel_mps[..., 0], 0.0).sum(axis=1) / traj.valid.sum(axis=1)
        fresh = tr.integrate_strides(acc, gyr, fs, start, stop)
        got = alignment_module._mean_forward_mps(fresh, fs)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
        rows = np.arange(len(start))[::3]
        assert np.array_equal(alignment_module._mean_forward_mps(fresh, fs, rows), got[rows])


def test_align_and_integrate_integrates_anew_when_the_rotated_samples_differ(monkeypatch):
    """If a matrix product rounded a column differently inside a longer array,
    the shortcuts are not taken and the strides are integrated anew."""
    for acc, gyr, fs in list(_rotated_walk_streams())[:3]:
        seg = segment_strides(gyr, fs)
        want = _direct(acc, gyr, fs, seg)
        with monkeypatch.context() as m:
            m.setattr(alignment_module, "_same", lambda *a, **k: False)
            got = align_and_integrate(acc, gyr, fs, seg)
        _assert_same(got, want)


def test_same_numbers_treats_missing_values_as_equal():
    nan = np.nan
    assert alignment_module._same(np.array([1.0, nan]), np.array([1.0, nan]))
    assert not alignment_module._same(np.array([1.0, nan]), np.array([nan, 1.0]))
    assert not alignment_module._same(np.array([1.0, 2.0]), np.array([1.0, 3.0]))


def test_time_blocks_of_the_elementwise_stages_give_the_same_numbers(monkeypatch):
    acc, gyr, fs, start, stop = CASES[0]
    ref = tr.integrate_strides(acc, gyr, fs, start, stop)
    monkeypatch.setattr(tr, "_CACHE_BLOCK", 50)
    small = tr.integrate_strides(acc, gyr, fs, start, stop)
    for what in FIELDS:
        assert np.array_equal(getattr(small, what), getattr(ref, what)), what
