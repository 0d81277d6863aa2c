"""Piecewise quintic Hermite curves: C2-smooth trajectories through knots.

Each knot fixes value, first and second derivative, so consecutive segments
join with continuous position, velocity and acceleration; the accelerometer
of a sensor moved along such a curve is therefore finite and integrates back
to the curve exactly. Evaluation is vectorised over any number of times.

References
----------
Flash T, Hogan N (1985). The coordination of arm movements: an experimentally
confirmed mathematical model. J Neurosci 5(7):1688-1703 (quintic minimum-jerk
segments with zero end velocity and acceleration).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "basis",
    "evaluate",
    "evaluate_d2",
    "knots_from_strides",
    "segment",
    "segment_d2",
]


def basis(s: np.ndarray) -> tuple[np.ndarray, ...]:
    """Quintic Hermite basis at normalised time ``s`` in [0, 1].

    Returns ``(h_p0, h_v0, h_a0, h_a1, h_v1, h_p1)``; the velocity and
    acceleration bases are to be multiplied by ``tau`` and ``tau**2``.
    """
    s2 = s * s
    s3 = s2 * s
    s4 = s3 * s
    s5 = s4 * s
    h_p1 = 10 * s3 - 15 * s4 + 6 * s5
    return (
        1.0 - h_p1,
        s - 6 * s3 + 8 * s4 - 3 * s5,
        0.5 * (s2 - 3 * s3 + 3 * s4 - s5),
        0.5 * (s3 - 2 * s4 + s5),
        -4 * s3 + 7 * s4 - 3 * s5,
        h_p1,
    )


def segment(
    t: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    p0: np.ndarray,
    v0: np.ndarray,
    a0: np.ndarray,
    p1: np.ndarray,
    v1: np.ndarray,
    a1: np.ndarray,
) -> np.ndarray:
    """Evaluate one quintic segment per element (all arguments broadcast).

    Times outside ``[t0, t1]`` are clamped to the segment's ends.
    """
    tau = t1 - t0
    s = np.clip((t - t0) / tau, 0.0, 1.0)
    b = basis(s)
    if p0.ndim > s.ndim:  # vector values: (n, d)
        b = tuple(x[..., None] for x in b)
        tau = tau[..., None]
    return (
        b[0] * p0
        + b[1] * v0 * tau
        + b[2] * a0 * tau**2
        + b[3] * a1 * tau**2
        + b[4] * v1 * tau
        + b[5] * p1
    )


def evaluate(
    t: np.ndarray,
    knot_t: np.ndarray,
    p: np.ndarray,
    v: np.ndarray | None = None,
    a: np.ndarray | None = None,
) -> np.ndarray:
    """Evaluate a piecewise quintic Hermite curve.

    Parameters
    ----------
    t
        Evaluation times, any shape (s).
    knot_t
        Knot times, increasing, shape (m,). A time given twice (with the
        same value and first derivative) is a knot where the second
        derivative jumps: the earlier copy ends the segment before it, the
        later one starts the segment after it and holds at the knot itself.
    p, v, a
        Value, first and second derivative at the knots, shape (m,) or
        (m, d); ``v`` and ``a`` default to zero.

    Returns
    -------
    numpy.ndarray
        Values at ``t``; shape ``t.shape`` (+ (d,)). Times before the first or
        after the last knot take the end values.
    """
    knot_t = np.asarray(knot_t, dtype=float)
    p = np.asarray(p, dtype=float)
    v = np.zeros_like(p) if v is None else np.asarray(v, dtype=float)
    a = np.zeros_like(p) if a is None else np.asarray(a, dtype=float)
    i = np.clip(np.searchsorted(knot_t, t, side="right") - 1, 0, len(knot_t) - 2)
    return segment(t, knot_t[i], knot_t[i + 1], p[i], v[i], a[i], p[i + 1], v[i + 1], a[i + 1])


def knots_from_strides(*cols: np.ndarray) -> np.ndarray:
    """Interleave per-stride knot columns (each shape (n,)) into one flat,
    time-ordered knot array: stride 0's knots, then stride 1's, ..."""
    return np.column_stack(cols).ravel()


def evaluate_d2(
    t: np.ndarray,
    knot_t: np.ndarray,
    p: np.ndarray,
    v: np.ndarray | None = None,
    a: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, first and second time derivative of a piecewise quintic Hermite
    curve (arguments as :func:`evaluate`; scalar values only)."""
    knot_t = np.asarray(knot_t, dtype=float)
    p = np.asarray(p, dtype=float)
    v = np.zeros_like(p) if v is None else np.asarray(v, dtype=float)
    a = np.zeros_like(p) if a is None else np.asarray(a, dtype=float)
    i = np.clip(np.searchsorted(knot_t, t, side="right") - 1, 0, len(knot_t) - 2)
    return segment_d2(t, knot_t[i], knot_t[i + 1], p[i], v[i], a[i], p[i + 1], v[i + 1], a[i + 1])


def segment_d2(
    t: np.ndarray,
    t0: np.ndarray,
    t1: np.ndarray,
    p0: np.ndarray,
    v0: np.ndarray,
    a0: np.ndarray,
    p1: np.ndarray,
    v1: np.ndarray,
    a1: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, first and second derivative of one quintic segment per element.

    Outside ``[t0, t1]`` the end value is held (zero derivatives are not
    implied: the derivatives of the clamped end are returned)."""
    tau = t1 - t0
    s = np.clip((t - t0) / tau, 0.0, 1.0)
    if p0.ndim > s.ndim:
        s = s[..., None]
        tau = tau[..., None]
    s2 = s * s
    s3 = s2 * s
    s4 = s3 * s
    s5 = s4 * s
    dp = p1 - p0
    # value
    h5 = 10 * s3 - 15 * s4 + 6 * s5
    val = (
        p0
        + h5 * dp
        + (s - 6 * s3 + 8 * s4 - 3 * s5) * v0 * tau
        + 0.5 * (s2 - 3 * s3 + 3 * s4 - s5) * a0 * tau**2
        + 0.5 * (s3 - 2 * s4 + s5) * a1 * tau**2
        + (-4 * s3 + 7 * s4 - 3 * s5) * v1 * tau
    )
    # first derivative (d/ds, then / tau)
    d5 = 30 * s2 - 60 * s3 + 30 * s4
    d1 = (
        d5 * dp
        + (1 - 18 * s2 + 32 * s3 - 15 * s4) * v0 * tau
        + 0.5 * (2 * s - 9 * s2 + 12 * s3 - 5 * s4) * a0 * tau**2
        + 0.5 * (3 * s2 - 8 * s3 + 5 * s4) * a1 * tau**2
        + (-12 * s2 + 28 * s3 - 15 * s4) * v1 * tau
    ) / tau
    dd5 = 60 * s - 180 * s2 + 120 * s3
    d2 = (
        dd5 * dp
        + (-36 * s + 96 * s2 - 60 * s3) * v0 * tau
        + 0.5 * (2 - 18 * s + 36 * s2 - 20 * s3) * a0 * tau**2
        + 0.5 * (6 * s - 24 * s2 + 20 * s3) * a1 * tau**2
        + (-24 * s + 84 * s2 - 60 * s3) * v1 * tau
    ) / tau**2
    return val, d1, d2
