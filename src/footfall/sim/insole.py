"""Simulated 16-cell pressure insole.

The vertical force of each contact follows the stance phase: an active
half-sine (running) or double hump (walking, duty factor > 0.5), plus a
passive impact peak for heel strikers, scaled so that the impulse of one
contact is body weight x step time (the average vertical force over a
stride equals body weight). The force is spread over the sole as a sum of
Gaussian "load regions" (initial-contact area at the strike index, heel,
lateral midfoot, forefoot, toes) whose shares change over stance; pronation
moves the forefoot load medially and ``lateral_forefoot_bias`` laterally.
Cell pressure = force x load density at the cell centre (kPa).

Cell layout ``sim16`` (:data:`footfall.gait.layouts.SIM16_CELLS`: x =
fraction of insole length from the heel, m = fraction of the width towards
the medial side) and :data:`SIM16_REGIONS`; written to each insole stream's
``recording.json`` entry as ``cells_xy`` (x forward and y to the foot's left, fractions) so
analysis does not need to know the layout by name.
"""

from __future__ import annotations

import numpy as np

from footfall.gait.layouts import (  # SIM16_* re-exported for sim.core and tests
    FOREFOOT_REGIONS,
    LAYOUTS,
    SIM16_CELLS,
    SIM16_NAMES,  # noqa: F401
)
from footfall.model import G_MPS2
from footfall.sim.plan import StepPlan

__all__ = [
    "INSOLE_WIDTH_M",
    "SIM16",
    "SIM16_REGIONS",
    "cells_xy",
    "pressure_field",
]


SIM16 = LAYOUTS["sim16"]
"""The ``sim16`` layout; defined with the other layouts in
:mod:`footfall.gait.layouts` so analysis and simulation share one definition."""

SIM16_REGIONS = {
    "heel": tuple(int(i) for i in SIM16.indices("heel")),
    "midfoot": tuple(int(i) for i in SIM16.indices("midfoot")),
    "forefoot": tuple(int(i) for i in SIM16.indices(*FOREFOOT_REGIONS)),
    "lateral_forefoot": tuple(int(i) for i in SIM16.indices("lateral_forefoot")),
}
"""Cell indices (0-based) per region, from the layout's region assignment;
forefoot = metatarsal heads and toes, lateral forefoot = 4th-5th metatarsal
heads (the side of the forefoot where Morton's neuroma load sits)."""

INSOLE_WIDTH_M = 0.10


def cells_xy(left: bool) -> list[list[float]]:
    """Cell centres in the foot frame as fractions (x forward, y left)."""
    sgn = -1.0 if left else 1.0  # medial is to the right on the left foot
    return [[float(x), float(sgn * m)] for x, m in SIM16_CELLS]


def _force_shape(u: np.ndarray, duty: np.ndarray) -> np.ndarray:
    """Active vertical-force shape over stance phase ``u`` (0..1), unit peak-ish."""
    k = np.clip((duty - 0.45) * 1.5, 0.0, 0.2)
    return np.clip(np.sin(np.pi * u) + k * np.sin(3 * np.pi * u), 0.0, None)


def _shares(u: np.ndarray, si: np.ndarray, ff_bias: np.ndarray) -> np.ndarray:
    """Load shares (n, 5): initial-contact area, heel, lateral midfoot,
    forefoot, toes, over stance phase ``u``; rows sum to 1."""
    rear = np.clip((50.0 - si) / 40.0, 0.0, 1.0)  # 1 for heel strikers, 0 for forefoot
    ic_w = np.clip(1.0 - u / 0.22, 0.0, 1.0) ** 2
    heel = (0.15 + 0.35 * rear) * np.clip(1.0 - (u - 0.15) / 0.5, 0.0, 1.0)
    mid = 0.12 + 0.08 * rear * np.exp(-(((u - 0.35) / 0.2) ** 2))
    ff = (0.35 + ff_bias) * np.clip(u / 0.6, 0.0, 1.0) + 0.2 * (1 - rear) + 0.05
    toes = 0.55 * np.clip((u - 0.7) / 0.3, 0.0, 1.0) ** 1.5
    s = np.stack([np.zeros_like(u), heel, mid, np.maximum(ff, 0.02), toes], axis=-1)
    s = s / s.sum(axis=-1, keepdims=True)
    s = s * (1.0 - ic_w)[..., None]
    s[..., 0] = ic_w
    return s


def pressure_field(
    plan: StepPlan,
    left: bool,
    t: np.ndarray,
    mass_kg: float,
    impact_peak_bw: float | None = None,
    chunk: int = 50_000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noise-free cell pressures, force and COP (see :func:`_pressure_chunk`),
    evaluated in chunks of ``chunk`` samples."""
    parts = [
        _pressure_chunk(plan, left, t[i : i + chunk], mass_kg, impact_peak_bw)
        for i in range(0, max(len(t), 1), chunk)
    ]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]


def _pressure_chunk(
    plan: StepPlan,
    left: bool,
    t: np.ndarray,
    mass_kg: float,
    impact_peak_bw: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noise-free cell pressures and vertical force of one insole.

    Parameters
    ----------
    plan
        The step plan.
    left
        Which foot.
    t
        Sample times (s, reference clock).
    mass_kg
        Body mass, kg.
    impact_peak_bw
        Passive impact peak above the active curve, body weights; ``None``:
        0.8 x how rearfoot the strike is.

    Returns
    -------
    pressure_kpa, force_n, cop
        Cell pressures (n, 16) kPa, vertical force (n,) N, and the centre of
        pressure of the continuous load field (n, 2) as (fraction of length,
        fraction of width medial); NaN outside contact.
    """
    idx = plan.side_index(left)
    ic, to = plan.ic[idx], plan.to[idx]
    n = len(t)
    k = np.clip(np.searchsorted(ic, t, side="right") - 1, 0, len(ic) - 1)
    j = idx[k]
    st = (t >= ic[k]) & (t < to[k])
    tc = to[k] - ic[k]
    u = np.clip((t - ic[k]) / tc, 0.0, 1.0)
    g = plan.g
    si = plan.strike_index[j]
    rear = np.clip((50.0 - si) / 40.0, 0.0, 1.0)
    duty = g["contact_fraction"][j]
    step_t = 60.0 / g["cadence_spm"][j]
    bw = mass_kg * G_MPS2
    # impact peak: Gaussian centred 25 ms after contact, width from impact time
    imp_bw = 0.8 * rear if impact_peak_bw is None else impact_peak_bw * rear
    imp_bw = imp_bw * (g["touchdown_down_mps"][j] / 0.6)
    t_rel = t - ic[k]
    w_imp = np.maximum(g["impact_ms"][j] / 1000.0, 0.006)
    impact = imp_bw * bw * np.exp(-0.5 * ((t_rel - 1.4 * w_imp) / (0.6 * w_imp)) ** 2)
    impact = impact * np.clip(t_rel / 0.004, 0.0, 1.0)
    imp_integral = imp_bw * bw * 0.6 * w_imp * np.sqrt(2 * np.pi)
    # active part scaled so that the contact's impulse = bw * step time
    kf = np.clip((duty - 0.45) * 1.5, 0.0, 0.2)
    shape_int = 2.0 / np.pi + kf * 2.0 / (3.0 * np.pi)  # integral of the shape over u
    amp = np.maximum(bw * step_t - imp_integral, 0.2 * bw * step_t) / (shape_int * tc)
    force = np.where(st, amp * _force_shape(u, duty) + impact, 0.0)

    # load regions: centres (length fraction, medial fraction) and sizes (m)
    ev = (
        g["pronation_excursion_deg"][j] * np.clip((u - 0.05) / 0.3, 0, 1) - g["inversion_ic_deg"][j]
    )
    ff_m = 0.02 + 0.012 * ev - 0.3 * g["lateral_forefoot_bias"][j]
    toe_m = 0.18 - 0.25 * g["lateral_forefoot_bias"][j]
    heel_m = -0.06 + 0.008 * ev
    cx = np.stack(
        [si / 100.0, np.full(n, 0.12), np.full(n, 0.42), np.full(n, 0.71), np.full(n, 0.87)],
        axis=-1,
    )
    cm = np.stack(
        [np.where(rear > 0.5, -0.12, -0.05), heel_m, np.full(n, -0.24), ff_m, toe_m], axis=-1
    )
    sx = np.array([0.022, 0.025, 0.035, 0.024, 0.018])
    sy = np.array([0.022, 0.020, 0.016, 0.030, 0.026])
    shares = _shares(u, si, g["forefoot_load_bias"][j])
    fl = plan.foot_length
    p = np.zeros((n, len(SIM16_CELLS)))
    w = np.flatnonzero(st)
    dx = (SIM16_CELLS[None, :, 0, None] - cx[w, None, :]) * fl  # (m, 16, 5)
    dy = (SIM16_CELLS[None, :, 1, None] - cm[w, None, :]) * INSOLE_WIDTH_M
    dens = np.exp(-0.5 * ((dx / sx) ** 2 + (dy / sy) ** 2)) / (2 * np.pi * sx * sy)
    p[w] = np.einsum("nck,nk->nc", dens, shares[w]) * force[w, None] / 1000.0
    cop = np.stack([(shares * cx).sum(-1), (shares * cm).sum(-1)], axis=-1)
    cop[~st] = np.nan
    return p, force, cop
