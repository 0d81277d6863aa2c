"""A calibration before the run: standing still, then a few heel raises.

A runner who stands still for a few seconds and then rises onto the toes a
few times before starting gives the alignment the foot's own axes: gravity
at standing is the sole's normal, and a heel raise turns the shoe about the
ground under the metatarsal heads, an axis across the foot whatever way
the leg will swing (footfall.gait.alignment, :func:`heel_raise_axis`).

:func:`calibration_imu` makes the signals of that calibration for a foot
sensor of any mounting; :func:`with_calibration` puts them before each foot
IMU stream of a simulated recording. The foot stands level; each raise lifts
the heel by :data:`RAISE_DEG` about the metatarsal line (a smooth
``sin^2`` rise and fall, so the rate and the acceleration are continuous),
and the sensor moves rigidly with the shoe: its specific force is gravity
plus the tangential and centripetal acceleration about that line.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from footfall.model import G_MPS2, Placement, Recording, SensorKind

__all__ = ["PIVOT_SHARE", "RAISE_DEG", "RAISE_S", "calibration_imu", "with_calibration"]

STANDING_S = 3.0
"""Standing still before the raises, s."""

RAISES = 3
"""Number of heel raises."""

RAISE_S = 1.0
"""Duration of one raise, up and down, s."""

RAISE_GAP_S = 0.6
"""Standing between raises and after the last one, s."""

RAISE_DEG = 25.0
"""Heel lift of each raise: the foot's pitch, toes down, deg."""

PIVOT_SHARE = 0.72
"""The metatarsal heads, about which the heel rises, as a share of the foot
length from the heel."""


def calibration_imu(
    mounting: np.ndarray,
    site_m: np.ndarray,
    fs_hz: float,
    *,
    foot_length_m: float = 0.26,
    standing_s: float = STANDING_S,
    raises: int = RAISES,
    raise_s: float = RAISE_S,
    raise_deg: float = RAISE_DEG,
) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free ``(acc, gyr)`` (n, 3) in sensor axes (m/s^2, rad/s) of the
    calibration, sampled at ``fs_hz``.

    ``mounting`` is the sensor's axes in the foot frame (``v_foot = mounting
    @ v_sensor``, as the simulator's ``mounting_matrix``); ``site_m`` the
    sensor's position in the foot frame (from the heel, m).
    """
    period = raise_s + RAISE_GAP_S
    total = standing_s + raises * period
    t = np.arange(int(round(total * fs_hz))) / fs_hz
    tau = t - standing_s
    k = np.floor(tau / period)
    u = tau - k * period
    on = (tau >= 0) & (k < raises) & (u < raise_s)
    b = np.radians(raise_deg)
    w = 2.0 * np.pi / raise_s
    phase = np.where(on, w * u, 0.0)
    beta = np.where(on, 0.5 * b * (1.0 - np.cos(phase)), 0.0)
    rate = np.where(on, 0.5 * b * w * np.sin(phase), 0.0)
    accel = np.where(on, 0.5 * b * w * w * np.cos(phase), 0.0)
    # rotation about the foot's y through the metatarsal line; d = sensor
    # position from the pivot in the foot frame
    d = np.asarray(site_m, dtype=float) - np.array([PIVOT_SHARE * foot_length_m, 0.0, 0.0])
    y = np.array([0.0, 1.0, 0.0])
    yxd = np.cross(y, d)
    yxyxd = np.cross(y, yxd)
    # specific force in the foot frame: beta'' (y x d) + beta'^2 y x (y x d)
    # plus gravity seen from the pitched foot (R_y(beta)^T z)
    f_foot = (
        accel[:, None] * yxd[None, :]
        + (rate**2)[:, None] * yxyxd[None, :]
        + G_MPS2 * np.column_stack([-np.sin(beta), np.zeros_like(beta), np.cos(beta)])
    )
    w_foot = rate[:, None] * y[None, :]
    m = np.asarray(mounting, dtype=float)
    return f_foot @ m, w_foot @ m


def with_calibration(recording: Recording, *, seed: int = 0, **kwargs: Any) -> Recording:
    """A copy of a simulated ``recording`` whose foot IMU streams start with
    the calibration (:func:`calibration_imu`, ``kwargs`` passed on), sampled
    at each stream's rate and ending one sample before its first sample,
    with the stream's white noise level (0.01 m/s^2, 0.002 rad/s when the
    stream does not say). Other streams are kept as they are."""
    rng = np.random.default_rng(seed)
    prof = (recording.meta.get("simulation") or {}).get("sensor_profile") or {}
    acc_sd = float(prof.get("acc_noise_mps2", 0.01))
    gyr_sd = float(np.radians(prof.get("gyr_noise_dps", 0.1)))
    streams = []
    for st in recording.streams:
        if st.kind != SensorKind.IMU or st.placement != Placement.FOOT:
            streams.append(st)
            continue
        fs = st.fs_hz
        acc, gyr = calibration_imu(
            np.asarray(st.meta["mounting_matrix"]), np.asarray(st.meta["site_m"]), fs, **kwargs
        )
        n = len(acc)
        acc = acc + rng.normal(0.0, acc_sd, acc.shape)
        gyr = gyr + rng.normal(0.0, gyr_sd, gyr.shape)
        t = st.time_s[0] - (n - np.arange(n)) / fs
        values = np.vstack([np.hstack([acc, gyr]), st.values])
        streams.append(replace(st, time_s=np.r_[t, st.time_s], values=values))
    return replace(recording, streams=streams)
