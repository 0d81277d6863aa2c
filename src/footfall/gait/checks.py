"""Argument checks shared by the public gait functions.

Each raises ValueError naming the argument and what it should be, before a
function's NumPy code would fail with a message about its internals (or,
worse, not fail). They return the argument as an array without copying it
when it already is one.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["indices", "rate", "samples", "same_length"]


def samples(x: object, name: str, *, columns: int = 3) -> np.ndarray:
    """``x`` as an (n, columns) float array; ValueError naming ``name`` otherwise."""
    a = np.asarray(x)
    if a.ndim != 2 or a.shape[1] != columns:
        raise ValueError(f"{name} must be an (n, {columns}) array, got shape {a.shape}")
    if a.dtype.kind not in "fiu":
        raise ValueError(f"{name} must hold numbers, got dtype {a.dtype}")
    return a


def rate(fs_hz: object, name: str = "fs_hz") -> float:
    """``fs_hz`` as a positive finite float; ValueError naming ``name`` otherwise."""
    try:
        f = float(fs_hz)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of samples per second, got {fs_hz!r}") from None
    if not (f > 0 and math.isfinite(f)):
        raise ValueError(f"{name} must be positive and finite, got {fs_hz!r}")
    return f


def same_length(**arrays: np.ndarray) -> int:
    """The common length of the named arrays; ValueError naming them when they differ."""
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{k} has {n}" for k, n in lengths.items())
        raise ValueError(f"{' and '.join(lengths)} must have one row per sample: {shown}")
    return next(iter(lengths.values()), 0)


def indices(x: object, name: str, n: int) -> np.ndarray:
    """``x`` as a 1-D integer array of sample indices within ``0 .. n-1``;
    ValueError naming ``name`` otherwise."""
    a = np.asarray(x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of sample indices, got shape {a.shape}")
    if len(a) == 0:
        return a.astype(np.int64)
    if a.dtype.kind not in "iu":
        if a.dtype.kind != "f" or not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            raise ValueError(f"{name} must hold whole sample indices, got {a.dtype} values")
        a = a.astype(np.int64)
    lo, hi = int(a.min()), int(a.max())
    if lo < 0 or hi >= n:
        raise ValueError(f"{name} must index the {n} samples (0..{n - 1}), got values {lo}..{hi}")
    return a
