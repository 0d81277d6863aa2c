"""Foot orientation and trajectory per stride by strapdown integration with
zero-velocity updates (ZUPT).

Each stride runs from one mid-stance to the next; at both ends the foot is
(close to) still on the ground. For every stride the orientation starts from
the accelerometer's gravity direction (roll and pitch; heading set to zero),
the gyroscope is integrated forward, the accelerometer is rotated to the
level frame and gravity removed, and velocity is integrated with a linear
drift correction that brings it back to zero at the next mid-stance. Position
is the integral of the corrected velocity.

On a treadmill the stance foot rests on the belt, which moves at constant
speed: an inertial frame, so the same integration gives the trajectory
relative to the belt (stride length = distance covered on the belt).

All strides are integrated together: the loop runs over the samples of the
longest stride (a few hundred), each step a vectorised operation over all
strides, so an hour of running integrates in a fraction of a second.

References
----------
Foxlin E (2005). Pedestrian tracking with shoe-mounted inertial sensors.
IEEE Computer Graphics and Applications 25(6):38-46.
Skog I, Handel P, Nilsson JO, Rantakokko J (2010). Zero-velocity detection: an
algorithm evaluation. IEEE Trans Biomed Eng 57(11):2657-2666.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from footfall.gait import quaternion as quat
from footfall.model import G_MPS2


@dataclass
class StrideTrajectories:
    """Per-stride trajectories, padded to the longest stride.

    Attributes
    ----------
    start, stop
        Sample index of each stride's first and last sample (mid-stances).
    valid
        (n, L) True where the padded sample belongs to the stride.
    q
        (n, L, 4) orientation of the foot frame in the level frame (heading 0 at
        the stride's start).
    vel_mps, pos_m
        (n, L, 3) velocity and position in the level frame (z up).
    acc_mps2
        (n, L, 3) acceleration in the level frame, gravity removed.
    """

    start: np.ndarray
    stop: np.ndarray
    valid: np.ndarray
    q: np.ndarray
    vel_mps: np.ndarray
    pos_m: np.ndarray
    acc_mps2: np.ndarray

    def displacement_m(self) -> np.ndarray:
        """(n, 3) position at each stride's end."""
        last = (self.stop - self.start).astype(int)
        return self.pos_m[np.arange(len(last)), last]

    def at(self, stride: np.ndarray, sample: np.ndarray, what: str = "q") -> np.ndarray:
        """Values of ``what`` at absolute sample indices, one per stride row."""
        arr = getattr(self, what)
        k = np.clip(sample - self.start[stride], 0, arr.shape[1] - 1).astype(int)
        return arr[stride, k]


def level_quaternion(acc_mps2: np.ndarray) -> np.ndarray:
    """Orientation (heading zero) whose z axis is the measured gravity direction.

    Parameters
    ----------
    acc_mps2
        (..., 3) accelerometer reading of a still sensor (it reads +g upwards).

    Returns
    -------
    (..., 4) quaternion rotating sensor-frame vectors to the level frame.
    """
    up = np.broadcast_to(np.array([0.0, 0.0, 1.0]), acc_mps2.shape)
    q = quat.from_two_vectors(acc_mps2, up)
    # remove the heading component so that the sensor's x axis keeps heading 0
    x_level = quat.rotate(q, np.broadcast_to(np.array([1.0, 0.0, 0.0]), acc_mps2.shape))
    yaw = np.arctan2(x_level[..., 1], x_level[..., 0])
    qz = np.stack([np.cos(-yaw / 2), np.zeros_like(yaw), np.zeros_like(yaw), np.sin(-yaw / 2)], -1)
    return quat.multiply(qz, q)


def integrate_strides(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    start: np.ndarray,
    stop: np.ndarray,
) -> StrideTrajectories:
    """Strapdown integration of every stride ``start[i]..stop[i]`` (inclusive).

    Parameters
    ----------
    acc_mps2, gyr_rps
        (n, 3) accelerometer (m/s^2) and gyroscope (rad/s) in the foot frame.
    fs_hz
        Sampling rate, Hz.
    start, stop
        Sample indices of the mid-stances bounding each stride.

    Notes
    -----
    The foot's tilt at ``start`` is gravity in that frame: the mean specific
    force over the whole stride, brought into the start frame by the
    gyroscope (between two mid-stances the velocity is the same, so the
    foot's own accelerations average out). It stays right in running, where
    the foot is never still long enough for a few samples around mid-stance
    to show gravity alone (on the Fukuchi treadmill run they point well
    away from it).
    """
    start = np.asarray(start, dtype=int)
    stop = np.asarray(stop, dtype=int)
    n_str = len(start)
    dt = 1.0 / fs_hz
    if n_str == 0:
        z = np.zeros((0, 1, 3))
        return StrideTrajectories(start, stop, np.zeros((0, 1), bool), np.zeros((0, 1, 4)),
                                  z, z, z)
    lengths = stop - start + 1
    L = int(lengths.max())
    # longest strides first, so that the strides still running at step k of
    # the orientation loop are a prefix: one long stride (a step out of
    # standing) then costs its own length, not that length times all strides
    perm = np.argsort(-lengths, kind="stable")
    inv = np.empty_like(perm)
    inv[perm] = np.arange(n_str)
    start_in, stop_in = start, stop
    start, stop, lengths = start[perm], stop[perm], lengths[perm]
    running = np.searchsorted(-(lengths - 1), -np.arange(L), side="left")
    # time-major layout (L, strides, ...): every step of the orientation loop
    # and every cumulative sum reads contiguous memory
    k_t = np.arange(L)[:, None]
    idx = start[None, :] + k_t
    valid_t = idx <= stop[None, :]
    idx = np.minimum(idx, stop[None, :])
    acc = acc_mps2[idx]
    gyr = gyr_rps[idx]
    gyr[~valid_t] = 0.0

    # orientation relative to the start sample, from the gyroscope alone:
    # r_{k+1} = r_k * exp(0.5 * (w_k + w_{k+1}) / 2 * dt)
    w_mid = 0.5 * dt * (gyr[:-1] + gyr[1:])
    dq = quat.from_rotvec(w_mid)
    rt = np.empty((L, n_str, 4))
    rt[0] = (1.0, 0.0, 0.0, 0.0)
    for k in range(L - 1):
        m = running[k]  # strides with a sample k + 1
        rk = _qmul(rt[k, :m], dq[k, :m])
        rt[k + 1, :m] = rk / np.sqrt(np.einsum("ij,ij->i", rk, rk))[:, None]
        rt[k + 1, m:] = rt[k, m:]
    acc_start = quat.rotate(rt, acc)  # specific force in the start frame

    # initial tilt: gravity in the start frame
    f = np.where(valid_t[..., None], acc_start, 0.0)
    span = np.maximum(lengths - 1, 1)[:, None] * dt
    # trapezoid mean over each stride: the end samples count half
    g_start = (f.sum(axis=0) - 0.5 * (f[0] + acc_start[lengths - 1, np.arange(n_str)])) \
        * dt / span
    short = lengths < 3
    if short.any():
        g_start[short] = acc_mps2[start[short]]
    q0 = level_quaternion(g_start)
    qt = quat.multiply(q0[None, :, :], rt)

    acc_level = quat.rotate(q0[None, :, :], acc_start)
    acc_level[..., 2] -= G_MPS2
    acc_level[~valid_t] = 0.0

    # velocity: trapezoid integration, then remove a linear drift so that the
    # velocity is zero at both mid-stances (ZUPT)
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
    # hold the end value over the padding
    pos = np.where(valid_t[..., None], pos, pos[last, cols][None, :, :])
    # back to the callers' stride order, stride-major: (strides, L, ...)
    valid = valid_t[:, inv].T
    q = qt[:, inv].transpose(1, 0, 2)
    vel = vel[:, inv].transpose(1, 0, 2)
    pos = pos[:, inv].transpose(1, 0, 2)
    acc_level = acc_level[:, inv].transpose(1, 0, 2)
    return StrideTrajectories(start_in, stop_in, valid, q, vel, pos, acc_level)


def _qmul(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product of (m, 4) quaternion arrays (the inner loop's
    :func:`footfall.gait.quaternion.multiply`, without its broadcasting
    overhead)."""
    pw, px, py, pz = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
    qw, qx, qy, qz = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    out = np.empty_like(p)
    out[:, 0] = pw * qw - px * qx - py * qy - pz * qz
    out[:, 1] = pw * qx + px * qw + py * qz - pz * qy
    out[:, 2] = pw * qy - px * qz + py * qw + pz * qx
    out[:, 3] = pw * qz + px * qy - py * qx + pz * qw
    return out


def pitch_roll_deg(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pitch and roll of the foot frame (x forward, y left, z up), degrees.

    Pitch is positive toes up; roll is the rotation about the foot's long axis,
    positive when the left edge of the foot rises.
    """
    w, x, y, z = np.moveaxis(q, -1, 0)
    x_up = 2.0 * (x * z - w * y)  # z component of the rotated x axis
    y_up = 2.0 * (y * z + w * x)  # z component of the rotated y axis
    pitch = np.degrees(np.arcsin(np.clip(x_up, -1.0, 1.0)))
    roll = np.degrees(np.arcsin(np.clip(y_up, -1.0, 1.0)))
    return pitch, roll


def pitch_per_sample(traj: StrideTrajectories, n: int) -> np.ndarray:
    """Foot pitch (deg, toes up) on the stream's own sample axis.

    Where strides overlap (a shared mid-stance) the later stride wins; samples
    outside every stride are NaN.
    """
    pitch, _ = pitch_roll_deg(traj.q)
    out = np.full(n, np.nan)
    idx = traj.start[:, None] + np.arange(pitch.shape[1])[None, :]
    out[idx[traj.valid]] = pitch[traj.valid]
    return out
