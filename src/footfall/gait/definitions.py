"""Definitions shared by the analysis and the simulator's truth.

Plain constants and pure functions of NumPy arrays; this module imports
nothing else of footfall. :mod:`footfall.gait.metrics` measures with them and
:mod:`footfall.sim` writes its truth table with them, so the two cannot drift
apart (strike-pattern bands, the impact window) and the simulator's truth
does not call the analysis' metric code.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "IMPACT_WINDOW_S",
    "STRIKE_ANGLE_FOREFOOT_DEG",
    "STRIKE_ANGLE_REARFOOT_DEG",
    "from_shank",
    "strike_pattern_from_angle",
]


STRIKE_ANGLE_REARFOOT_DEG = 8.0
"""Foot strike angle (deg, positive = toes up at contact) above which a
contact is rearfoot: Altman AR, Davis IS (2012). A kinematic method for
footstrike pattern detection in barefoot and shod runners. Gait Posture
35(2):298-300."""

STRIKE_ANGLE_FOREFOOT_DEG = -1.6
"""Foot strike angle (deg) below which a contact is forefoot (Altman & Davis
2012); from this to :data:`STRIKE_ANGLE_REARFOOT_DEG`, both included, midfoot."""

IMPACT_WINDOW_S = 0.06
"""Window after initial contact in which the impact and braking peaks are
sought, s: by the analysis (:func:`footfall.gait.metrics.impact_braking_g`)
and by the simulator's truth (``footfall.sim.core.truth_table``)."""


def strike_pattern_from_angle(angle_deg: np.ndarray) -> np.ndarray:
    """Strike pattern of each contact from its foot strike angle.

    Altman AR, Davis IS (2012). A kinematic method for footstrike pattern
    detection in barefoot and shod runners. Gait Posture 35(2):298-300:
    above :data:`STRIKE_ANGLE_REARFOOT_DEG` (8 deg, toes up) rearfoot, below
    :data:`STRIKE_ANGLE_FOREFOOT_DEG` (-1.6 deg, toes down) forefoot, midfoot
    in between (both bounds midfoot).

    Parameters
    ----------
    angle_deg
        Foot strike angles, deg, positive = toes up; any shape.

    Returns
    -------
    numpy.ndarray
        Object array of the same shape: ``"rearfoot"``, ``"midfoot"`` or
        ``"forefoot"``; ``None`` where the angle is NaN (a contact without a
        strike angle has no pattern, it is not midfoot).
    """
    angle_deg = np.asarray(angle_deg, dtype=float)
    out = np.full(angle_deg.shape, None, dtype=object)
    out[angle_deg > STRIKE_ANGLE_REARFOOT_DEG] = "rearfoot"
    out[(angle_deg <= STRIKE_ANGLE_REARFOOT_DEG) & (angle_deg >= STRIKE_ANGLE_FOREFOOT_DEG)] = (
        "midfoot"
    )
    out[angle_deg < STRIKE_ANGLE_FOREFOOT_DEG] = "forefoot"
    return out


def from_shank(source: np.ndarray) -> np.ndarray:
    """Which rows of a steps table's ``source`` column come from a shank IMU
    (``<side>_shank_imu``, :func:`footfall.gait.metrics.imu_step_columns`).

    Parameters
    ----------
    source
        The ``source`` column's values.

    Returns
    -------
    numpy.ndarray
        Boolean, one per row.
    """
    values = np.asarray(source, dtype=object)
    return np.array([isinstance(v, str) and v.endswith("_shank_imu") for v in values], dtype=bool)
