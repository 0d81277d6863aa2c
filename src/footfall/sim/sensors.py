"""Sensor placement and sensor imperfections.

Mounting names (sensor axes relative to the foot frame x forward, y left,
z up, and where the sensor sits):

``aligned``  on the laces, axes = foot axes.
``laces``    on the laces, pitched 20 deg toes-down with the slope of the
             dorsum (the usual clip-on pod).
``lateral``  on the outer side of the shoe below the ankle, z pointing
             outwards, x forward (as in the gaitmap example data).
``heel``     on the heel counter, x up, z backwards.
``random``   on the laces, any orientation (drawn from the seed).

Imperfections (:class:`~footfall.sim.params.SensorProfile`) are applied in
the order a real device produces them: the device samples at instants set
by its own clock (offset, drift) plus jitter; the signal gets impact ringing,
per-axis scale error, bias (constant + random walk) and white noise; it
saturates at full scale; then packets are lost.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

from footfall.sim.params import SensorProfile

__all__ = [
    "MOUNTINGS",
    "device_clock",
    "drop_mask",
    "foot_mounting",
    "imu_errors",
    "insole_errors",
    "ringing",
    "sample_instants",
    "strap_rotation",
]


MOUNTINGS = ("aligned", "laces", "lateral", "heel", "random")


def _ry(deg: float) -> np.ndarray:
    return Rotation.from_euler("y", deg, degrees=True).as_matrix()


def _rx(deg: float) -> np.ndarray:
    return Rotation.from_euler("x", deg, degrees=True).as_matrix()


def foot_mounting(
    mounting: Any, left: bool, foot_length_m: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, str]:
    """Sensor axes in the foot frame, sensor position (foot frame, m) and a label.

    ``mounting`` is a name of :data:`MOUNTINGS`, a 3 x 3 rotation matrix or a
    :class:`scipy.spatial.transform.Rotation` (then the sensor sits on the laces).
    """
    laces = np.array([0.45 * foot_length_m, 0.0, 0.075])
    if isinstance(mounting, Rotation):
        return mounting.as_matrix(), laces, "custom"
    if mounting is None:
        mounting = "laces"
    if not isinstance(mounting, str):
        m = np.asarray(mounting, dtype=float)
        if m.shape != (3, 3) or not np.allclose(m @ m.T, np.eye(3), atol=1e-6):
            raise ValueError("mounting must be a name, a Rotation or a 3x3 rotation matrix")
        return m, laces, "custom"
    if mounting == "aligned":
        return np.eye(3), laces, mounting
    if mounting == "laces":
        return _ry(20.0), laces, mounting
    if mounting == "lateral":
        site = np.array([0.30 * foot_length_m, 0.045 if left else -0.045, 0.035])
        return _rx(-90.0 if left else 90.0), site, mounting
    if mounting == "heel":
        return _ry(-90.0), np.array([-0.01, 0.0, 0.055]), mounting
    if mounting == "random":
        return Rotation.random(random_state=rng).as_matrix(), laces, mounting
    raise ValueError(f"unknown mounting {mounting!r}; use one of {', '.join(MOUNTINGS)}")


def strap_rotation(angles_deg: Any, left: bool) -> np.ndarray:
    """Rotation of a sensor on its segment by a tilted strap, in segment axes.

    ``angles_deg`` = (about forward x, about lateral y, about vertical z),
    right-hand rotations applied in that order on the left leg: ``Rz Ry Rx``.
    The right leg gets the mirror image in the sagittal plane (x and z
    angles negated). The sensor's axes in the segment frame are this matrix
    times the mounting's.
    """
    a = np.asarray(angles_deg, dtype=float)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise ValueError("a strap tilt is three finite angles in degrees (x, y, z)")
    if not left:
        a = a * np.array([-1.0, 1.0, -1.0])
    return Rotation.from_euler("xyz", a, degrees=True).as_matrix()


def device_clock(
    profile: SensorProfile, reference: bool, rng: np.random.Generator
) -> tuple[float, float]:
    """(drift_ppm, offset_s) of a device clock: device time = (1 + drift) t + offset."""
    if reference:
        return 0.0, 0.0
    drift = rng.uniform(-1, 1) * profile.clock_drift_ppm
    offset = rng.uniform(-1, 1) * profile.clock_offset_ms / 1000.0
    return float(drift), float(offset)


def sample_instants(
    duration_s: float,
    fs_hz: float,
    drift_ppm: float,
    offset_s: float,
    jitter_ms: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Device time stamps ``k / fs`` and the true instants they were taken at.

    Only samples whose true instant lies in ``[0, duration_s]`` are kept.
    """
    scale = 1.0 + drift_ppm * 1e-6
    k0 = int(np.ceil(offset_s * fs_hz))
    k1 = int(np.floor((duration_s * scale + offset_s) * fs_hz))
    dev = np.arange(k0, k1 + 1) / fs_hz
    true = (dev - offset_s) / scale
    if jitter_ms > 0:
        true = true + rng.normal(0.0, jitter_ms / 1000.0, len(true))
    ok = (true >= 0.0) & (true <= duration_s)
    return dev[ok], true[ok]


def ringing(
    t: np.ndarray, ic: np.ndarray, amp_mps2: np.ndarray, up: np.ndarray, profile: SensorProfile
) -> np.ndarray:
    """Damped sinusoid after each contact along the vertical (sensor axes)."""
    if profile.ringing_ratio <= 0 or len(ic) == 0:
        return np.zeros_like(up)
    k = np.searchsorted(ic, t, side="right") - 1
    valid = k >= 0
    dt = np.where(valid, t - ic[np.maximum(k, 0)], 1e3)
    env = np.exp(-dt / (profile.ringing_decay_ms / 1000.0))
    a = (
        profile.ringing_ratio
        * amp_mps2[np.maximum(k, 0)]
        * env
        * np.sin(2 * np.pi * profile.ringing_hz * dt)
    )
    a = np.where(valid & (dt < 0.15), a, 0.0)
    return a[:, None] * up


def imu_errors(
    acc: np.ndarray,
    gyr: np.ndarray,
    t: np.ndarray,
    profile: SensorProfile,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Scale error, bias (constant + random walk), white noise and saturation.

    Units: acc m/s^2, gyr rad/s, in and out.
    """
    n = len(t)
    sa = 1.0 + rng.normal(0, profile.scale_error_pct / 100, 3)
    sg = 1.0 + rng.normal(0, profile.scale_error_pct / 100, 3)
    ba = rng.normal(0, profile.acc_bias_mps2, 3)
    bg = np.radians(rng.normal(0, profile.gyr_bias_dps, 3))
    acc = acc * sa + ba + rng.normal(0, profile.acc_noise_mps2, (n, 3))
    gyr = gyr * sg + bg + np.radians(rng.normal(0, profile.gyr_noise_dps, (n, 3)))
    if profile.gyr_bias_walk_dps > 0 and n > 1:
        # random walk sampled on a 1 s grid, interpolated; sd of change over 1 h as given
        grid = np.arange(t[0], t[-1] + 1.0, 1.0)
        steps = rng.normal(0, np.radians(profile.gyr_bias_walk_dps) / 60.0, (len(grid), 3))
        walk = np.cumsum(steps, axis=0)
        gyr = gyr + np.column_stack([np.interp(t, grid, walk[:, i]) for i in range(3)])
    amax = profile.acc_range_g * 9.80665
    gmax = np.radians(profile.gyr_range_dps)
    return np.clip(acc, -amax, amax), np.clip(gyr, -gmax, gmax)


def drop_mask(n: int, rate: float, rng: np.random.Generator, max_burst: int = 5) -> np.ndarray:
    """Boolean mask of samples kept after random packet loss (bursts of 1..max_burst)."""
    keep = np.ones(n, dtype=bool)
    if rate <= 0 or n == 0:
        return keep
    starts = np.flatnonzero(rng.random(n) < rate)
    lens = rng.integers(1, max_burst + 1, len(starts))
    idx = starts[:, None] + np.arange(max_burst)[None, :]
    idx = idx[np.arange(max_burst)[None, :] < lens[:, None]]
    keep[idx[idx < n]] = False
    keep[0] = keep[-1] = True
    return keep


def insole_errors(
    p_kpa: np.ndarray, force_n: np.ndarray, profile: SensorProfile, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Cell noise, dead band and full scale; force noise of 1 % plus 2 N."""
    p = p_kpa + rng.normal(0, profile.pressure_noise_kpa, p_kpa.shape)
    p = np.where(p < profile.pressure_threshold_kpa, 0.0, p)
    p = np.minimum(np.maximum(p, 0.0), profile.pressure_max_kpa)
    f = force_n * (1 + rng.normal(0, 0.01 if profile.pressure_noise_kpa else 0.0, len(force_n)))
    f = f + rng.normal(0, 2.0 if profile.pressure_noise_kpa else 0.0, len(force_n))
    return p, np.maximum(f, 0.0)
