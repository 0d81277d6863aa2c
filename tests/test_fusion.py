"""Clock offset between a foot IMU and an insole, and merged steps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from footfall.gait.fusion import clock_offset, fuse_steps
from footfall.model import Recording, SensorKind, Stream


def _events(n=200, seed=0):
    rng = np.random.default_rng(seed)
    stride = 0.72 + 0.02 * rng.standard_normal(n)
    ic = 5.0 + np.cumsum(stride)
    to = ic + 0.24 + 0.005 * rng.standard_normal(n)
    return ic, to


@pytest.mark.parametrize("shift", [0.0, 0.153, -0.347, 0.61])
def test_offset_of_shifted_event_trains(shift):
    ic, to = _events()
    rng = np.random.default_rng(1)
    jitter = 0.002 * rng.standard_normal((2, len(ic)))
    # the other sensor misses some events and has some extra ones
    keep = rng.random(len(ic)) > 0.1
    o_ic = np.sort(np.r_[(ic + jitter[0] - shift)[keep], [1.0, 300.0]])
    o_to = (to + jitter[1] - shift)[keep]
    off, n = clock_offset(ic, o_ic, to, o_to)
    assert abs(off - shift) < 0.002
    assert n > 300


def test_too_few_events_give_nan():
    off, n = clock_offset(np.array([1.0, 2.0]), np.array([1.1, 2.1]))
    assert np.isnan(off) and n == 0


def test_fuse_one_row_per_contact_insole_wins_shared_columns():
    imu = pd.DataFrame(
        {
            "side": "left",
            "ic_s": [1.00, 1.72, 2.44, 3.16],
            "to_s": [1.25, 1.97, 2.69, 3.41],
            "contact_ms": [250.0] * 4,
            "stride_length_m": [2.0, 2.1, 2.2, np.nan],
            "source": "left_foot_imu",
        }
    )
    # insole clock 0.5 s behind; it misses the last contact and has an extra early one
    ins = pd.DataFrame(
        {
            "side": "left",
            "ic_s": [0.10, 0.51, 1.23, 1.95],
            "to_s": [0.35, 0.745, 1.465, 2.185],
            "contact_ms": [250.0, 235, 235, 235],
            "forefoot_load_pct": [50.0, 60, 61, 62],
            "source": "left_insole",
        }
    )
    out = fuse_steps(imu, ins, 0.5)
    assert len(out) == 5
    both = out[out["source"] == "left_foot_imu+insole"]
    assert len(both) == 3
    assert np.allclose(both["contact_ms"], 235.0) and np.allclose(both["contact_ms_imu"], 250.0)
    assert np.allclose(both["ic_s"], [1.01, 1.73, 2.45])
    assert np.allclose(both["ic_s_imu"], [1.00, 1.72, 2.44])
    assert np.allclose(both["stride_length_m"], [2.0, 2.1, 2.2])
    assert np.allclose(both["forefoot_load_pct"], [60, 61, 62])
    assert set(out["source"]) == {"left_foot_imu+insole", "left_insole", "left_foot_imu"}
    assert out["ic_s"].is_monotonic_increasing


def test_simulated_imu_and_insole_with_shifted_clock_align_within_one_sample():
    from footfall.pipeline import analyze
    from footfall.sim import simulate

    rec, _ = simulate("forefoot-loader", minutes=1.5, seed=5, sensors=("foot", "insole"))
    clocks = rec.meta["simulation"]["clocks"]
    shift = 0.283
    streams = [
        Stream(
            kind=s.kind,
            side=s.side,
            placement=s.placement,
            time_s=s.time_s + (shift if s.kind == SensorKind.INSOLE else 0.0),
            values=s.values,
            columns=s.columns,
            name=s.name,
            meta=s.meta,
        )
        for s in rec.streams
    ]
    an = analyze(Recording(streams=streams, meta=rec.meta))
    for s in rec.select(kind="insole"):
        side = s.side.value
        truth = clocks[f"{side}_foot"]["offset_s"] - clocks[f"{side}_insole"]["offset_s"] - shift
        found = an.streams[s.name]["clock_offset_s"]
        assert abs(found - truth) < 1.0 / s.fs_hz
    fused = an.steps[an.steps["source"].str.endswith("+insole")]
    assert len(fused) >= 0.95 * len(an.steps)
    have = fused[["contact_ms", "contact_ms_imu", "forefoot_load_pct", "stride_length_m"]]
    assert (have.notna().mean() > 0.95).all()


def test_pair_contacts_by_overlapping_stance():
    from footfall.gait.fusion import pair_contacts

    # slow walk: the IMU's contacts start 90-130 ms before the insole's (its
    # initial contact is early), stances of 600 ms; one IMU contact has no
    # toe-off (end of the recording), one insole contact has no IMU partner
    imu_ic = np.array([1.00, 2.10, 3.20, 4.30])
    imu_to = np.array([1.62, 2.71, 3.83, np.nan])
    ins_ic = np.array([1.13, 2.19, 3.29, 4.36, 5.50])
    ins_to = np.array([1.63, 2.70, 3.80, 4.90, 6.00])
    i_imu, i_ins = pair_contacts(imu_ic, imu_to, ins_ic, ins_to)
    pairs = sorted(zip(i_imu.tolist(), i_ins.tolist(), strict=True))
    # the first three by overlap (IC 90-130 ms apart, beyond MATCH_S for the
    # first); the fourth by its initial contact (60 ms), the last insole alone
    assert pairs == [(0, 0), (1, 1), (2, 2), (3, 3)]
    # contacts that do not overlap by half are not the same contact
    i_imu, i_ins = pair_contacts(np.array([1.0]), np.array([1.3]), np.array([1.2]), np.array([1.6]))
    assert len(i_imu) == 0
    # each contact is used once: the larger overlap wins
    i_imu, i_ins = pair_contacts(
        np.array([1.0]), np.array([1.6]), np.array([0.95, 1.05]), np.array([1.5, 1.62])
    )
    assert i_imu.tolist() == [0] and i_ins.tolist() == [1]


def _with_clock(rec, clock_of):
    streams = [
        Stream(
            kind=s.kind,
            side=s.side,
            placement=s.placement,
            time_s=s.time_s,
            values=s.values,
            columns=s.columns,
            name=s.name,
            meta={**s.meta, **({"clock": clock_of(s)} if clock_of(s) else {})},
        )
        for s in rec.streams
    ]
    return Recording(streams=streams, meta=rec.meta)


def test_shared_clock_means_no_offset_is_estimated():
    from footfall.pipeline import analyze
    from footfall.sim import simulate

    rec, _ = simulate("easy-run", minutes=1.0, seed=2, sensors=("foot", "insole"))
    # the simulated devices have their own clocks: an offset is found
    an = analyze(rec)
    ins = [s.name for s in rec.select(kind="insole")]
    assert all(an.streams[n]["clock_offset_s"] != 0.0 for n in ins)
    # one device per side (an insole with its own IMU): the offset is zero by
    # construction and the insole's times are used as they are
    shared = _with_clock(rec, lambda s: f"{s.side.value} device")
    an2 = analyze(shared)
    for s in shared.select(kind="insole"):
        info = an2.streams[s.name]
        assert info["clock_offset_s"] == 0.0 and info["clock_shared"] is True
    fused = an2.steps[an2.steps["source"].str.endswith("+insole")]
    ins_ic = np.concatenate(
        [
            analyze(Recording([s], meta=rec.meta)).steps["ic_s"].to_numpy()
            for s in shared.select(kind="insole")
        ]
    )
    assert np.isin(fused["ic_s"].to_numpy(), ins_ic).all()
    # different clock names: estimated as before
    apart = _with_clock(rec, lambda s: f"{s.side.value} {s.kind.value}")
    an3 = analyze(apart)
    for n in ins:
        assert an3.streams[n]["clock_offset_s"] == an.streams[n]["clock_offset_s"]


@pytest.mark.parametrize("shift", [0.153, -0.347])
def test_offset_when_the_sensors_disagree_on_contact_length(shift):
    # slow walking seen by a load threshold and by foot rotation: the other
    # sensor's contacts start 90 ms earlier and end 50 ms later than the
    # reference's. The offset is the one that centres the contacts, not the
    # one that matches either end alone.
    ic, to = _events(seed=3)
    o_ic = ic - 0.090 - shift
    o_to = to + 0.050 - shift
    off, n = clock_offset(ic, o_ic, to, o_to)
    assert abs(off - (shift + 0.020)) < 0.002
    assert n == 2 * len(ic)
