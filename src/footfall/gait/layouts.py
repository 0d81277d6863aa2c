"""Pressure-insole cell layouts: where each cell sits under the foot.

Coordinates are foot-normalised and side-independent:

``x``
    fraction of the insole length from the back of the heel (0) to the tip of
    the longest toe (1);
``m``
    fraction of the insole width from the long axis, positive towards the
    medial side (the big-toe side) on either foot.

``recording.json`` gives a generic layout as ``cells_xy``: one ``[x, y]`` per
cell with ``x`` as above and ``y`` the fraction of the width towards the
foot's *left* (the foot frame of docs/coordinate-frames.md), so that the same
numbers describe a left and a right insole only after mirroring: on a left
foot medial is to the right (``m = -y``), on a right foot to the left
(``m = y``). :func:`mirror_xy` converts between the two.

Each cell belongs to one region, assigned from its coordinates by
:func:`assign_regions`: heel, midfoot, medial / central / lateral forefoot
(the metatarsal heads), hallux, toes. The boundaries follow the usual masks of
plantar-pressure analysis, which cut the foot at fixed percentages of its
length (Cavanagh, Rodgers & Iiboshi 1987, Foot Ankle 7(5):262-276): heel to
30 %, midfoot to the metatarsal heads at 62 %, toes from 82 %. The exact
boundaries are footfall's choice, set so that the cells of the named layouts
fall in the regions their anatomical names say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "FOREFOOT_REGIONS",
    "FOREFOOT_START_X",
    "HALLUX_M",
    "HEEL_END_X",
    "InsoleLayout",
    "LATERAL_M",
    "LAYOUTS",
    "MEDIAL_M",
    "MOTICON16_AREAS_CM2",
    "MOTICON16_CELLS",
    "MOTICON16_NAMES",
    "REGIONS",
    "SIM16_CELLS",
    "SIM16_NAMES",
    "TOES_START_X",
    "assign_regions",
    "layout_for_stream",
    "make_layout",
    "mirror_xy",
]


REGIONS: tuple[str, ...] = (
    "heel",
    "midfoot",
    "medial_forefoot",
    "central_forefoot",
    "lateral_forefoot",
    "hallux",
    "toes",
)
"""Region names, from the back of the foot to the front."""

FOREFOOT_REGIONS: tuple[str, ...] = (
    "medial_forefoot",
    "central_forefoot",
    "lateral_forefoot",
    "hallux",
    "toes",
)
"""Regions that make up the forefoot (metatarsal heads and toes) for
``forefoot_load_pct`` and ``peak_forefoot_kpa``."""

HEEL_END_X = 0.30
"""Cells behind this fraction of the length are heel cells."""
FOREFOOT_START_X = 0.62
"""Cells from this fraction of the length on are forefoot (metatarsal heads) cells."""
TOES_START_X = 0.82
"""Cells from this fraction of the length on are toe cells."""
MEDIAL_M = 0.15
"""Forefoot cells at least this far medial are medial forefoot (1st metatarsal head)."""
LATERAL_M = -0.15
"""Forefoot cells at least this far lateral are lateral forefoot (4th-5th metatarsal heads)."""
HALLUX_M = 0.08
"""Toe cells at least this far medial are the hallux."""


@dataclass(frozen=True)
class InsoleLayout:
    """Positions, regions and (optionally) areas of an insole's cells.

    Attributes
    ----------
    name
        Layout name (``moticon16``, ``sim16``, ``custom``).
    cells
        Cell centres, shape (n, 2): ``x`` (fraction of length from the heel),
        ``m`` (fraction of width, positive medial).
    regions
        Region name of each cell (see :data:`REGIONS`).
    areas_cm2
        Sensing area of each cell in cm^2, or None when unknown (then every
        cell counts the same in load shares).
    cell_names
        Optional anatomical labels of the cells.
    """

    name: str
    cells: np.ndarray
    regions: tuple[str, ...]
    areas_cm2: np.ndarray | None = None
    cell_names: tuple[str, ...] = field(default=())

    @property
    def n_cells(self) -> int:
        return int(self.cells.shape[0])

    def indices(self, *regions: str) -> np.ndarray:
        """Indices (0-based) of the cells in any of ``regions``."""
        unknown = set(regions) - set(REGIONS)
        if unknown:
            raise ValueError(f"unknown regions {sorted(unknown)}; use {REGIONS}")
        return np.flatnonzero(np.isin(np.array(self.regions), regions))

    @property
    def weights(self) -> np.ndarray:
        """Per-cell weights that turn pressures into relative loads: the areas
        when known, else ones."""
        if self.areas_cm2 is None:
            return np.ones(self.n_cells)
        return np.asarray(self.areas_cm2, dtype=np.float64)

    def cells_xy(self, side: str) -> list[list[float]]:
        """Cell centres in the ``recording.json`` convention (``[x, y]``, y to
        the foot's left) for the ``"left"`` or ``"right"`` foot."""
        return mirror_xy(self.cells, side).tolist()


def mirror_xy(xy: np.ndarray | Sequence[Sequence[float]], side: str) -> np.ndarray:
    """Convert between ``[x, y]`` (y to the foot's left) and ``[x, m]`` (m
    medial) for one foot; the conversion is its own inverse.

    Parameters
    ----------
    xy
        Cell coordinates, shape (n, 2).
    side
        ``"left"`` (medial is to the right: m = -y) or ``"right"`` (m = y).
    """
    out = np.array(xy, dtype=np.float64, copy=True)
    if str(side) == "left":
        out[:, 1] = -out[:, 1]
    elif str(side) != "right":
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    return out


def assign_regions(cells: np.ndarray) -> tuple[str, ...]:
    """Region of each cell from its foot-normalised position.

    Parameters
    ----------
    cells
        Cell centres, shape (n, 2): ``x`` from the heel, ``m`` medial.

    Returns
    -------
    tuple of str
        One of :data:`REGIONS` per cell.
    """
    c = np.asarray(cells, dtype=np.float64)
    x, m = c[:, 0], c[:, 1]
    fore = np.where(
        m >= MEDIAL_M,
        "medial_forefoot",
        np.where(m <= LATERAL_M, "lateral_forefoot", "central_forefoot"),
    )
    toes = np.where(m >= HALLUX_M, "hallux", "toes")
    out = np.where(
        x < HEEL_END_X,
        "heel",
        np.where(x < FOREFOOT_START_X, "midfoot", np.where(x < TOES_START_X, fore, toes)),
    )
    return tuple(str(r) for r in out)


def make_layout(
    name: str,
    cells: np.ndarray | Sequence[Sequence[float]],
    areas_cm2: np.ndarray | Sequence[float] | None = None,
    cell_names: Sequence[str] = (),
) -> InsoleLayout:
    """An :class:`InsoleLayout` with regions assigned from the coordinates.

    Parameters
    ----------
    name
        Layout name.
    cells
        Cell centres (n, 2) as ``[x, m]`` (fraction of length from the heel,
        fraction of width medial).
    areas_cm2
        Optional cell areas, cm^2.
    cell_names
        Optional labels.
    """
    c = np.asarray(cells, dtype=np.float64)
    if c.ndim != 2 or c.shape[1] != 2 or len(c) == 0:
        raise ValueError("cells must have shape (n, 2)")
    a = None if areas_cm2 is None else np.asarray(areas_cm2, dtype=np.float64)
    if a is not None and a.shape != (len(c),):
        raise ValueError("one area per cell is needed")
    return InsoleLayout(
        name=name, cells=c, regions=assign_regions(c), areas_cm2=a, cell_names=tuple(cell_names)
    )


# --------------------------------------------------------------------------
# Named layouts
# --------------------------------------------------------------------------

MOTICON16_CELLS = np.array(
    [
        [0.096, 0.109],
        [0.083, -0.166],
        [0.235, 0.089],
        [0.212, -0.225],
        [0.375, 0.061],
        [0.348, -0.273],
        [0.580, 0.242],
        [0.488, -0.392],
        [0.756, 0.274],
        [0.741, 0.064],
        [0.726, -0.116],
        [0.707, -0.294],
        [0.670, -0.462],
        [0.913, 0.178],
        [0.908, -0.082],
        [0.859, -0.313],
    ]
)
"""Moticon OpenGo cells 1-16 as ``[x, m]``.

Recovered from the vendor's own output: in an OpenGo text export the centre of
pressure is the force-weighted mean of fixed cell positions and the total
force is an area-weighted sum of the cell pressures, so both are linear least
squares problems over every sample of the recording. On the three OpenGo
example walks (size 7 insoles, both feet) the fit reproduces the vendor's
centre of pressure and total force to within rounding; ``bench/validate_moticon.py``
repeats the fit and records its residuals in bench/results/moticon.json.
Vendor coordinates are centred (-0.5..0.5 of length, heel negative; width,
medial positive on both feet); here 0.5 is added to the length coordinate."""

MOTICON16_AREAS_CM2 = np.array(
    [
        12.37,
        11.05,
        13.36,
        13.12,
        13.12,
        13.02,
        17.94,
        18.22,
        15.66,
        12.42,
        12.50,
        12.67,
        10.23,
        10.13,
        12.50,
        6.47,
    ]
)
"""Moticon OpenGo size 7 cell areas, cm^2 (same fit; only their ratios
matter for load shares)."""

MOTICON16_NAMES = (
    "heel_medial",
    "heel_lateral",
    "heel_front_medial",
    "heel_front_lateral",
    "midfoot_central",
    "midfoot_lateral",
    "arch_medial",
    "midfoot_lateral_front",
    "mt1",
    "mt2",
    "mt3",
    "mt4",
    "mt5",
    "hallux",
    "toes_2_3",
    "toes_4_5",
)

SIM16_CELLS = np.array(
    [
        [0.07, 0.14],
        [0.07, -0.14],
        [0.18, 0.0],
        [0.34, -0.24],
        [0.48, -0.27],
        [0.42, 0.18],
        [0.60, 0.22],
        [0.58, -0.28],
        [0.71, 0.27],
        [0.73, 0.11],
        [0.72, -0.04],
        [0.70, -0.18],
        [0.66, -0.32],
        [0.88, 0.26],
        [0.88, 0.04],
        [0.84, -0.18],
    ]
)
"""The virtual runner's 16 cells as ``[x, m]`` (:mod:`footfall.sim.insole`)."""

SIM16_NAMES = (
    "heel_medial",
    "heel_lateral",
    "heel_front",
    "midfoot_lateral",
    "midfoot_lateral_front",
    "arch_medial",
    "forefoot_medial_rear",
    "forefoot_lateral_rear",
    "mt1",
    "mt2",
    "mt3",
    "mt4",
    "mt5",
    "hallux",
    "toes_2_3",
    "toes_4_5",
)

LAYOUTS: dict[str, InsoleLayout] = {
    "moticon16": make_layout("moticon16", MOTICON16_CELLS, MOTICON16_AREAS_CM2, MOTICON16_NAMES),
    "sim16": make_layout("sim16", SIM16_CELLS, None, SIM16_NAMES),
}
"""Layouts known by name (``"layout"`` in recording.json)."""


def layout_for_stream(meta: Mapping[str, Any], side: str, n_cells: int) -> InsoleLayout:
    """The layout of an insole stream from its ``recording.json`` entry.

    ``cells_xy`` (generic, ``[x, y]`` per cell with y to the foot's left) wins
    over a named ``layout``; optional ``cell_areas_cm2`` gives the areas of a
    generic layout.

    Parameters
    ----------
    meta
        The stream's metadata (``Stream.meta``).
    side
        ``"left"`` or ``"right"``.
    n_cells
        Number of pressure columns in the stream.

    Returns
    -------
    InsoleLayout

    Raises
    ------
    ValueError
        No usable layout, or one whose cell count differs from the stream's;
        the message says what to put in recording.json.
    """
    xy = meta.get("cells_xy")
    if xy is not None:
        try:
            arr = np.asarray(xy, dtype=np.float64)
        except (TypeError, ValueError):
            arr = np.empty((0,))
        if arr.ndim != 2 or arr.shape[1] != 2 or not np.isfinite(arr).all():
            raise ValueError(
                '"cells_xy" must be a list of [x, y] pairs of numbers '
                "(fractions of the insole length and width)"
            )
        if len(arr) != n_cells:
            raise ValueError(
                f'"cells_xy" has {len(arr)} cells but the stream has {n_cells} pressure columns'
            )
        areas = meta.get("cell_areas_cm2")
        name = str(meta.get("layout") or "custom")
        return make_layout(name, mirror_xy(arr, side), areas)
    given = meta.get("layout")
    if given is None:
        raise ValueError(
            'the insole stream has no layout: give "layout" (one of '
            f'{", ".join(LAYOUTS)}) or "cells_xy" in recording.json'
        )
    key = str(given).strip().lower()
    if key not in LAYOUTS:
        raise ValueError(
            f"unknown insole layout {given!r}; known: {', '.join(LAYOUTS)}, "
            'or give the cell positions as "cells_xy"'
        )
    lay = LAYOUTS[key]
    if lay.n_cells != n_cells:
        raise ValueError(
            f"layout {key} has {lay.n_cells} cells but the stream has {n_cells} pressure columns"
        )
    return lay
