"""Small vectorised quaternion helpers (scalar-first, ``w, x, y, z``).

All functions broadcast over leading dimensions, so a batch of strides can be
integrated at once.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "conjugate",
    "from_rotvec",
    "from_rotvec_cm",
    "from_two_vectors",
    "multiply",
    "rotate",
    "to_matrix",
]


def multiply(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product ``p * q`` over the last axis."""
    pw, px, py, pz = np.moveaxis(p, -1, 0)
    qw, qx, qy, qz = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            pw * qw - px * qx - py * qy - pz * qz,
            pw * qx + px * qw + py * qz - pz * qy,
            pw * qy - px * qz + py * qw + pz * qx,
            pw * qz + px * qy - py * qx + pz * qw,
        ],
        axis=-1,
    )


def from_rotvec(rv: np.ndarray) -> np.ndarray:
    """Quaternion of a rotation vector (axis * angle, rad)."""
    angle = np.linalg.norm(rv, axis=-1, keepdims=True)
    half = 0.5 * angle
    # sin(x)/x with a series for tiny angles
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(angle > 1e-9, np.sin(half) / np.where(angle > 1e-9, angle, 1.0), 0.5)
    return np.concatenate([np.cos(half), rv * k], axis=-1)


def from_rotvec_cm(rv: np.ndarray) -> np.ndarray:
    """:func:`from_rotvec` with the component axis first: (3, ...) rotation
    vectors in, (4, ...) quaternions out (the same values)."""
    x, y, z = rv
    angle = x * x
    angle += y * y
    angle += z * z
    np.sqrt(angle, out=angle)
    half = 0.5 * angle
    out = np.empty((4,) + angle.shape)
    np.cos(half, out=out[0])
    # sin(angle / 2) / angle, and its limit 1/2 for tiny angles
    big = angle > 1e-9
    k = np.sin(half, out=half)
    np.divide(k, angle, out=k, where=big)
    k[~big] = 0.5
    np.multiply(rv, k, out=out[1:])
    return out


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (..., 3) by unit quaternions ``q`` (..., 4)."""
    w, x, y, z = np.moveaxis(q, -1, 0)
    vx, vy, vz = np.moveaxis(v, -1, 0)
    # t = 2 * (u x v)
    tx = 2.0 * (y * vz - z * vy)
    ty = 2.0 * (z * vx - x * vz)
    tz = 2.0 * (x * vy - y * vx)
    # v + w t + u x t
    return np.stack(
        [
            vx + w * tx + (y * tz - z * ty),
            vy + w * ty + (z * tx - x * tz),
            vz + w * tz + (x * ty - y * tx),
        ],
        axis=-1,
    )


def to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) of unit quaternions."""
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ],
        axis=-2,
    )


def from_two_vectors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Shortest-arc unit quaternion rotating direction ``a`` onto ``b`` (..., 3)."""
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    c = np.cross(a, b)
    d = np.sum(a * b, axis=-1, keepdims=True)
    q = np.concatenate([1.0 + d, c], axis=-1)
    # opposite vectors: rotate pi about any axis orthogonal to a
    opp = (1.0 + d[..., 0]) < 1e-9
    if np.any(opp):
        ax = np.cross(a[opp], np.array([1.0, 0.0, 0.0]))
        bad = np.linalg.norm(ax, axis=-1) < 1e-6
        ax[bad] = np.cross(a[opp][bad], np.array([0.0, 1.0, 0.0]))
        q[opp] = np.concatenate([np.zeros((ax.shape[0], 1)), ax], axis=-1)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def conjugate(q: np.ndarray) -> np.ndarray:
    return q * np.array([1.0, -1.0, -1.0, -1.0])
