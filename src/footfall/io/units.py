"""Physical units accepted in recordings and their conversion to SI.

footfall keeps every signal in SI internally (acceleration m/s^2, angular rate
rad/s, pressure kPa). A file declares its units in ``recording.json`` (or, for a
single stream file, in the reading options) and the values are converted once,
when read.
"""

from __future__ import annotations

import math

from footfall.model import G_MPS2

__all__ = [
    "ACC_UNITS",
    "DEFAULT_UNITS",
    "GYR_UNITS",
    "PRESSURE_UNITS",
    "UNIT_TABLES",
    "WRITE_UNITS",
    "normalize_unit",
    "to_si_factor",
]


ACC_UNITS: dict[str, float] = {"m/s2": 1.0, "g": G_MPS2}
"""Accelerometer units and their factor to m/s^2."""

GYR_UNITS: dict[str, float] = {"deg/s": math.pi / 180.0, "rad/s": 1.0}
"""Gyroscope units and their factor to rad/s."""

PRESSURE_UNITS: dict[str, float] = {"kPa": 1.0, "N/cm2": 10.0}
"""Pressure units and their factor to kPa (1 N/cm^2 = 10 kPa)."""

UNIT_TABLES: dict[str, dict[str, float]] = {
    "acc": ACC_UNITS,
    "gyr": GYR_UNITS,
    "pressure": PRESSURE_UNITS,
}
"""Unit tables by quantity, keyed like the ``units`` object of recording.json."""

DEFAULT_UNITS: dict[str, str] = {"acc": "m/s2", "gyr": "deg/s", "pressure": "kPa"}
"""Units assumed when a stream does not declare them (the units footfall writes)."""

WRITE_UNITS: dict[str, str] = {"acc": "m/s2", "gyr": "deg/s", "pressure": "kPa"}
"""Units :func:`footfall.io.write_recording` writes (human-readable)."""

_ALIASES: dict[str, str] = {
    # acceleration
    "m/s2": "m/s2",
    "m/s^2": "m/s2",
    "m/s**2": "m/s2",
    "m/s/s": "m/s2",
    "ms-2": "m/s2",
    "m.s-2": "m/s2",
    "mps2": "m/s2",
    "g": "g",
    # angular rate
    "deg/s": "deg/s",
    "dps": "deg/s",
    "degree/s": "deg/s",
    "degrees/s": "deg/s",
    "rad/s": "rad/s",
    "radian/s": "rad/s",
    "radians/s": "rad/s",
    # pressure
    "kpa": "kPa",
    "n/cm2": "N/cm2",
    "n/cm^2": "N/cm2",
}


def normalize_unit(quantity: str, unit: object) -> str | None:
    """Canonical spelling of a unit, or None when it is not one footfall knows.

    Parameters
    ----------
    quantity
        ``"acc"``, ``"gyr"`` or ``"pressure"``.
    unit
        The unit as written by the user, e.g. ``"m/s^2"``, ``"G"``, ``"°/s"``.

    Returns
    -------
    str or None
        A key of the quantity's table (e.g. ``"m/s2"``), or None.
    """
    if not isinstance(unit, str):
        return None
    key = (
        unit.strip()
        .lower()
        .replace(" ", "")
        .replace("²", "2")
        .replace("°", "deg")
        .replace("/sec", "/s")
    )
    canonical = _ALIASES.get(key)
    if canonical is None or canonical not in UNIT_TABLES[quantity]:
        return None
    return canonical


def to_si_factor(quantity: str, unit: str) -> float:
    """Factor that converts values in ``unit`` to footfall's SI unit.

    Parameters
    ----------
    quantity
        ``"acc"`` (to m/s^2), ``"gyr"`` (to rad/s) or ``"pressure"`` (to kPa).
    unit
        A canonical unit name (see :func:`normalize_unit`).
    """
    return UNIT_TABLES[quantity][unit]
