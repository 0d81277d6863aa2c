"""``simulate()``: a virtual run as a Recording plus its truth steps table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from footfall.gait.definitions import IMPACT_WINDOW_S, strike_pattern_from_angle
from footfall.model import (
    G_MPS2,
    IMU_COLUMNS,
    Placement,
    Recording,
    SensorKind,
    Side,
    Stream,
    Surface,
    conform_steps,
)
from footfall.sim import insole as ins
from footfall.sim.folder import write_folder
from footfall.sim.kinematics import (
    SHANK_SENSOR_M,
    FootTrack,
    build_track,
    ideal_imu,
    linear_acc_world,
)
from footfall.sim.params import PROFILES, Scenario, SensorProfile, get_scenario
from footfall.sim.plan import StepPlan, make_plan
from footfall.sim.sensors import (
    device_clock,
    drop_mask,
    foot_mounting,
    imu_errors,
    insole_errors,
    ringing,
    sample_instants,
    strap_rotation,
)

__all__ = [
    "EVERSION_GRID",
    "SENSORS",
    "rearfoot_eversion_truth",
    "simulate",
    "truth_table",
]


SENSORS = ("foot", "shank", "insole")


def _profile(profile: str | SensorProfile) -> SensorProfile:
    if isinstance(profile, SensorProfile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        known = ", ".join(PROFILES)
        raise KeyError(f"unknown sensor profile {profile!r}; known: {known}") from None


EVERSION_GRID = 201
"""Samples per stance on which the rearfoot eversion truth is evaluated."""


def rearfoot_eversion_truth(
    track: FootTrack, ic: np.ndarray, to: np.ndarray, ms: np.ndarray, left: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Rearfoot eversion of each stance from the model's foot and shank
    rotations: the foot's rotation relative to the shank, from a neutral pose
    with the foot level in the shank's heading at mid-stance, split flexion,
    eversion, rotation (Y-X-Z, as footfall.gait.ankle and the Fukuchi truth);
    excursion from contact to the peak in stance (deg), and the fastest rise
    on the way (deg/s). Positive = eversion on either foot."""
    u = np.linspace(0.0, 1.0, EVERSION_GRID)
    tt = ic[:, None] + u[None, :] * (to - ic)[:, None]
    shape = tt.shape
    rel = np.einsum(
        "nji,njk->nik", track.shank_rotation(tt.ravel()), track.foot_rotation(tt.ravel())
    ).reshape(*shape, 3, 3)
    r_ms = np.einsum("nji,njk->nik", track.shank_rotation(ms), track.foot_rotation(ms))
    psi = np.arctan2(r_ms[:, 1, 0], r_ms[:, 0, 0])
    c, s = np.cos(psi), np.sin(psi)
    # row 1 of Rz(psi)^T @ rel, column 2: -sin of the eversion angle
    k12 = -s[:, None] * rel[..., 0, 2] + c[:, None] * rel[..., 1, 2]
    ever = np.degrees(np.arcsin(np.clip(-k12, -1.0, 1.0)))
    ever = ever if left else -ever
    peak = np.argmax(ever, axis=1)
    rows = np.arange(len(ic))
    exc = ever[rows, peak] - ever[:, 0]
    rate = np.gradient(ever, axis=1) / ((to - ic)[:, None] * (u[1] - u[0]))
    upto = np.arange(len(u))[None, :] <= peak[:, None]
    vel = np.max(np.where(upto, rate, -np.inf), axis=1)
    return exc, vel


def truth_table(
    plan: StepPlan,
    tracks: dict[bool, FootTrack],
    foot_sites: dict[bool, np.ndarray],
    duration_s: float,
    mass_kg: float,
    impact_peak_bw: float | None,
) -> pd.DataFrame:
    """Truth steps table of the contacts that lie wholly inside the recording.

    Definitions: cadence per row = 2 x 60 / stride time; stride length =
    horizontal distance between consecutive footprints of the same foot (the
    distance covered on the belt, on a treadmill); foot strike angle, shank
    angle, pronation excursion and peak pronation velocity are the model's
    values at that step (strike angle = elevation of the heel-to-toe line at
    contact relative to standing, pronation = the foot's roll relative to
    standing, shank angle = the tibia's inclination in the sagittal plane);
    ``foot_progression_deg`` = the step's toe-out (heading of the heel-to-toe
    line against the direction of travel, positive outwards);
    impact_g / braking_g = peak upward / backward acceleration (gravity
    removed, lab frame) of the foot sensor within 60 ms after contact;
    insole loads from the noise-free cell pressures over stance (forefoot
    share of all cells' pressure-time integral, lateral forefoot share of
    the forefoot's, peak forefoot cell pressure).
    Extra column ``ms_s``: middle of the still (foot-flat) part of stance.
    """
    rows = []
    for left in (True, False):
        idx = plan.side_index(left)
        ic, to = plan.ic[idx], plan.to[idx]
        nxt = np.r_[ic[1:], np.nan]
        fp = plan.footprint[idx]
        stride_len = np.r_[np.hypot(*(fp[1:, :2] - fp[:-1, :2]).T), np.nan]
        g = {k: v[idx] for k, v in plan.g.items()}
        df = pd.DataFrame(
            {
                "side": "left" if left else "right",
                "ic_s": ic,
                "to_s": to,
                "contact_ms": (to - ic) * 1000,
                "stride_ms": (nxt - ic) * 1000,
                "swing_ms": (nxt - to) * 1000,
            }
        )
        df["cadence_spm"] = 120000.0 / df["stride_ms"]
        df["stride_length_m"] = stride_len
        df["speed_mps"] = stride_len / (df["stride_ms"] / 1000)
        df["foot_strike_angle_deg"] = g["foot_strike_angle_deg"]
        df["foot_progression_deg"] = g["toe_out_deg"]
        df["strike_pattern"] = strike_pattern_from_angle(g["foot_strike_angle_deg"])
        df["strike_index_pct"] = plan.strike_index[idx]
        df["shank_angle_ic_deg"] = g["shank_angle_ic_deg"]
        df["pronation_excursion_deg"] = g["pronation_excursion_deg"]
        df["pronation_velocity_dps"] = plan.pron_vel[idx]
        df["ms_s"] = 0.5 * (np.maximum(plan.t_ff[idx], plan.t_pe[idx]) + plan.t_hr[idx])
        inside = (ic >= 0) & (to <= duration_s) & np.isfinite(nxt)
        df = df[inside].reset_index(drop=True)
        ic_in = ic[inside]
        if len(ic_in):
            # impact and braking from the exact kinematics, 1 ms grid
            w = np.arange(0.0, IMPACT_WINDOW_S + 1e-9, 0.001)
            tt = (ic_in[:, None] + w[None, :]).ravel()
            a = linear_acc_world(tracks[left], tt, foot_sites[left]).reshape(len(ic_in), len(w), 3)
            hd = plan.heading[idx][inside]
            fwd = a[..., 0] * np.cos(hd)[:, None] + a[..., 1] * np.sin(hd)[:, None]
            df["impact_g"] = a[..., 2].max(axis=1) / G_MPS2
            df["braking_g"] = (-fwd).max(axis=1) / G_MPS2
            # insole loads on a per-step phase grid
            u = np.linspace(0.0, 1.0, 41)[:-1]
            tt = (ic_in[:, None] + u[None, :] * (to[inside] - ic_in)[:, None]).ravel()
            p, _, _ = ins.pressure_field(plan, left, tt, mass_kg, impact_peak_bw)
            p = p.reshape(len(ic_in), len(u), -1)
            ff = p[..., list(ins.SIM16_REGIONS["forefoot"])]
            lff = p[..., list(ins.SIM16_REGIONS["lateral_forefoot"])]
            df["forefoot_load_pct"] = 100 * ff.sum(axis=(1, 2)) / p.sum(axis=(1, 2))
            df["lateral_forefoot_load_pct"] = 100 * lff.sum(axis=(1, 2)) / ff.sum(axis=(1, 2))
            df["peak_forefoot_kpa"] = ff.max(axis=(1, 2))
            exc, vel = rearfoot_eversion_truth(
                tracks[left], ic_in, to[inside], df["ms_s"].to_numpy(), left
            )
            df["rearfoot_eversion_deg"] = exc
            df["rearfoot_eversion_velocity_dps"] = vel
        rows.append(df)
    out = pd.concat(rows, ignore_index=True)
    return conform_steps(out)


def simulate(
    scenario: str | Scenario = "easy-run",
    minutes: float = 5.0,
    seed: int = 0,
    out_dir: str | Path | None = None,
    *,
    profile: str | SensorProfile = "typical",
    sensors: tuple[str, ...] = SENSORS,
    mounting: Any = None,
    fmt: str = "csv",
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[Recording, pd.DataFrame]:
    """Simulate a run and (optionally) write it as a recording folder.

    Parameters
    ----------
    scenario
        Scenario name (see :func:`footfall.sim.scenario_names`) or object.
    minutes
        Length of the recording, minutes.
    seed
        Random seed; the same seed gives the same recording.
    out_dir
        When given, the recording folder to write (``recording.json``, one
        file per stream, ``truth_steps.csv``).
    profile
        Sensor imperfections: ``ideal``, ``typical`` (default), ``field`` or a
        :class:`~footfall.sim.params.SensorProfile`.
    sensors
        Any of ``foot`` (foot IMU per side), ``shank`` (shank IMU per side),
        ``insole`` (16-cell insole per side).
    mounting
        Foot-IMU mounting (name or rotation); default: the scenario's.
    fmt
        Stream file format when writing: ``csv`` or ``parquet``.
    progress
        Called as ``progress(stage, done, total)`` before each stage (the
        truth, each sensor, writing the folder); None: nothing.

    Returns
    -------
    recording, truth_steps
        The recording (SI units; ``meta["simulation"]`` records scenario, seed
        and per-device clocks) and the truth steps table (contract columns of
        :data:`footfall.model.STEP_COLUMNS`, times on the reference clock:
        the left foot IMU's).
    """
    sc = get_scenario(scenario)
    prof = _profile(profile)
    bad = set(sensors) - set(SENSORS)
    if bad:
        raise ValueError(f"unknown sensors {sorted(bad)}; use {SENSORS}")
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    duration = float(minutes) * 60.0
    plan = make_plan(sc, duration, seed)
    ss = np.random.SeedSequence([seed, 1])
    r_mount, r_dev = (np.random.default_rng(s) for s in ss.spawn(2))
    mnt = sc.mounting if mounting is None else mounting

    n_devices = 2 * sum(1 for k in sensors if k in SENSORS)
    stages = iter(range(n_devices + 2 + (out_dir is not None)))

    def stage(label: str) -> None:
        if progress is not None:
            progress(label, next(stages), n_devices + 1 + (out_dir is not None))

    stage("the runner's steps")
    tracks = {left: build_track(plan, left) for left in (True, False)}
    mounts = {}
    for left in (True, False):
        rm, site, label = foot_mounting(mnt, left, plan.foot_length, r_mount)
        if any(sc.foot_strap_deg):
            rm, label = strap_rotation(sc.foot_strap_deg, left) @ rm, f"{label}+strap"
        mounts[left] = (rm, site, label)
    foot_sites = {left: mounts[left][1] for left in (True, False)}
    truth = truth_table(plan, tracks, foot_sites, duration, sc.mass_kg, sc.gait.impact_peak_bw)

    streams: list[Stream] = []
    clocks: dict[str, dict[str, float]] = {}
    dev_rngs = iter(np.random.default_rng(s) for s in np.random.SeedSequence([seed, 2]).spawn(8))
    for placement in ("foot", "shank"):
        if placement not in sensors:
            continue
        for left in (True, False):
            side = "left" if left else "right"
            rng = next(dev_rngs)
            name = f"{side}_{placement}"
            stage(name)
            drift, offset = device_clock(prof, reference=(name == "left_foot"), rng=r_dev)
            dev_t, true_t = sample_instants(
                duration, prof.imu_fs_hz, drift, offset, prof.jitter_ms, rng
            )
            if placement == "foot":
                rmount, site, label = mounts[left]
            else:
                rmount, site, label = np.eye(3), SHANK_SENSOR_M, "shank-front"
                if any(sc.shank_strap_deg):
                    rmount = strap_rotation(sc.shank_strap_deg, left)
                    label = "shank-front+strap"
            acc, gyr, up = ideal_imu(tracks[left], true_t, site, rmount, placement)
            tr_side = truth[truth["side"] == side]
            amp = tr_side["impact_g"].to_numpy() * G_MPS2
            if placement == "shank":
                amp = 0.3 * amp
            acc = acc + ringing(true_t, tr_side["ic_s"].to_numpy(), amp, up, prof)
            acc, gyr = imu_errors(acc, gyr, true_t, prof, rng)
            keep = drop_mask(len(dev_t), prof.drop_rate, rng)
            streams.append(
                Stream(
                    kind=SensorKind.IMU,
                    side=Side(side),
                    placement=Placement(placement),
                    time_s=dev_t[keep],
                    values=np.hstack([acc, gyr])[keep],
                    columns=IMU_COLUMNS,
                    name=f"{name}.csv",
                    meta={
                        "sensor": "simulated IMU",
                        "mounting": label,
                        "mounting_matrix": np.round(rmount, 6).tolist(),
                        "site_m": np.round(site, 4).tolist(),
                    },
                )
            )
            clocks[name] = {"drift_ppm": drift, "offset_s": offset}
    if "insole" in sensors:
        for left in (True, False):
            side = "left" if left else "right"
            rng = next(dev_rngs)
            name = f"{side}_insole"
            stage(name)
            drift, offset = device_clock(prof, reference=False, rng=r_dev)
            dev_t, true_t = sample_instants(
                duration, prof.insole_fs_hz, drift, offset, prof.jitter_ms, rng
            )
            p, f, _ = ins.pressure_field(plan, left, true_t, sc.mass_kg, sc.gait.impact_peak_bw)
            p, f = insole_errors(p, f, prof, rng)
            keep = drop_mask(len(dev_t), prof.drop_rate, rng)
            cols = tuple(f"p{i + 1}" for i in range(p.shape[1])) + ("force_n",)
            streams.append(
                Stream(
                    kind=SensorKind.INSOLE,
                    side=Side(side),
                    time_s=dev_t[keep],
                    values=np.column_stack([p, f])[keep],
                    columns=cols,
                    name=f"{name}.csv",
                    meta={
                        "layout": "sim16",
                        "cells_xy": ins.cells_xy(left),
                        "cell_names": list(ins.SIM16_NAMES),
                        "regions": {k: list(v) for k, v in ins.SIM16_REGIONS.items()},
                        "insole_length_m": plan.foot_length,
                        "insole_width_m": ins.INSOLE_WIDTH_M,
                    },
                )
            )
            clocks[name] = {"drift_ppm": drift, "offset_s": offset}

    cond: dict[str, Any] = {"surface": sc.surface.value}
    if sc.surface == Surface.TREADMILL and not sc.phases:
        cond["speed_mps"] = float(sc.gait.speed_mps)
    meta: dict[str, Any] = {
        "athlete": {"id": f"sim-{sc.name}", "height_m": sc.height_m, "mass_kg": sc.mass_kg},
        "condition": cond,
        "simulation": {
            "scenario": sc.name,
            "description": sc.description,
            "seed": int(seed),
            "minutes": float(minutes),
            "profile": profile if isinstance(profile, str) else "custom",
            "sensor_profile": asdict(prof),
            "gait": {k: v for k, v in asdict(sc.gait).items()},
            "side_offsets": sc.side_offsets,
            "fatigue": sc.fatigue,
            "fatigue_onset_min": sc.fatigue_onset_min,
            "foot_strap_deg": list(sc.foot_strap_deg),
            "shank_strap_deg": list(sc.shank_strap_deg),
            "phases": [{"minutes": p.minutes, "gait": asdict(p.gait)} for p in sc.phases],
            "clocks": clocks,
            "reference_clock": "left_foot",
            "device_time": "(1 + drift_ppm * 1e-6) * true_time + offset_s",
        },
        "truth": "truth_steps.csv",
    }
    rec = Recording(streams=streams, meta=meta, source=str(out_dir or f"sim:{sc.name}"))
    if out_dir is not None:
        stage(f"writing {Path(out_dir).name}")
        write_folder(out_dir, rec, truth, fmt=fmt)
    return rec, truth
