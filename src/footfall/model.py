"""Core data model: recordings, streams and the steps-table schema.

Everything inside footfall is SI: time in seconds, acceleration in m/s^2,
angular rate in rad/s, pressure in kPa. Units are converted when a file is read
(see :mod:`footfall.io`), never later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from footfall import registry as _registry

if TYPE_CHECKING:  # pandas is loaded only where a steps table is built
    import pandas as pd

    from footfall.table import ColumnTable

__all__ = [
    "Condition",
    "G_MPS2",
    "IMU_COLUMNS",
    "IMU_EXTRA_METRICS",
    "INSOLE_STEP_METRICS",
    "MOUNT_PRESETS",
    "NUMERIC_STEP_METRICS",
    "Placement",
    "Recording",
    "STEP_COLUMNS",
    "STRIKE_PATTERNS",
    "SensorKind",
    "Side",
    "Stream",
    "Surface",
    "check_mount_option",
    "conform_steps",
    "empty_step_columns",
    "empty_steps",
    "parse_mount",
    "validate_steps",
]


G_MPS2 = 9.80665
"""Standard gravity, m/s^2."""


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"


class Placement(StrEnum):
    FOOT = "foot"  # anywhere on the shoe: laces, heel, side
    SHANK = "shank"


class SensorKind(StrEnum):
    IMU = "imu"
    INSOLE = "insole"


class Surface(StrEnum):
    TREADMILL = "treadmill"
    OVERGROUND = "overground"


IMU_COLUMNS = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")


@dataclass
class Stream:
    """One sensor's samples.

    Attributes
    ----------
    kind, side, placement
        What the sensor is and where it sits.
    time_s
        Sample times, seconds, strictly increasing (float64, shape (n,)).
    values
        Samples, shape (n, k), SI units (IMU: acc m/s^2 then gyr rad/s;
        insole: kPa per cell, then force N if present).
    columns
        Names of the ``values`` columns (IMU: :data:`IMU_COLUMNS`).
    name
        A label, usually the file name it came from.
    meta
        The stream's entry of ``recording.json`` (units, layout, unknown keys),
        kept so a written recording round-trips.
    """

    kind: SensorKind
    side: Side
    time_s: np.ndarray
    values: np.ndarray
    columns: tuple[str, ...]
    placement: Placement = Placement.FOOT
    name: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.kind = SensorKind(self.kind)
        self.side = Side(self.side)
        self.placement = Placement(self.placement)
        self.time_s = np.asarray(self.time_s, dtype=np.float64)
        self.values = np.asarray(self.values, dtype=np.float64)
        if self.values.ndim != 2 or self.values.shape[0] != self.time_s.shape[0]:
            raise ValueError(
                f"stream {self.name!r}: values shape {self.values.shape} does not match "
                f"{self.time_s.shape[0]} time stamps"
            )
        if len(self.columns) != self.values.shape[1]:
            raise ValueError(
                f"stream {self.name!r}: {len(self.columns)} names for "
                f"{self.values.shape[1]} columns"
            )
        self.columns = tuple(self.columns)

    def __len__(self) -> int:
        return self.time_s.shape[0]

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.columns.index(name)]

    @property
    def acc_mps2(self) -> np.ndarray:
        """Accelerometer, sensor axes, m/s^2, shape (n, 3)."""
        idx = [self.columns.index(c) for c in IMU_COLUMNS[:3]]
        return self.values[:, idx]

    @property
    def gyr_rps(self) -> np.ndarray:
        """Gyroscope, sensor axes, rad/s, shape (n, 3)."""
        idx = [self.columns.index(c) for c in IMU_COLUMNS[3:]]
        return self.values[:, idx]

    @property
    def fs_hz(self) -> float:
        """Nominal sampling rate: the inverse of the median sample interval."""
        if len(self) < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(self.time_s)))

    @property
    def duration_s(self) -> float:
        return float(self.time_s[-1] - self.time_s[0]) if len(self) else 0.0


@dataclass
class Condition:
    surface: Surface | None = None
    speed_mps: float | None = None


@dataclass
class Recording:
    """A set of streams recorded together, plus the metadata of recording.json.

    ``meta`` keeps every key of recording.json except ``streams`` (including
    unknown ones) so that writing a recording back loses nothing.
    """

    streams: list[Stream]
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def condition(self) -> Condition:
        c = self.meta.get("condition") or {}
        surface = c.get("surface")
        speed = c.get("speed_mps")
        return Condition(
            surface=Surface(surface) if surface else None,
            speed_mps=float(speed) if speed is not None else None,
        )

    def select(
        self,
        kind: SensorKind | str | None = None,
        side: Side | str | None = None,
        placement: Placement | str | None = None,
    ) -> list[Stream]:
        out = []
        for s in self.streams:
            if kind is not None and s.kind != SensorKind(kind):
                continue
            if side is not None and s.side != Side(side):
                continue
            if placement is not None and s.placement != Placement(placement):
                continue
            out.append(s)
        return out

    @property
    def duration_s(self) -> float:
        if not self.streams:
            return 0.0
        t0 = min(s.time_s[0] for s in self.streams if len(s))
        t1 = max(s.time_s[-1] for s in self.streams if len(s))
        return float(t1 - t0)


# --------------------------------------------------------------------------
# Steps table (CONTRACTS.md section 2). One row per foot contact, by ic_s.
# --------------------------------------------------------------------------

STEP_COLUMNS: dict[str, str] = {
    m.name: m.dtype for m in _registry.METRICS.values() if m.group == _registry.Group.CONTRACT
}
"""Contract columns of the steps table and their dtypes, in order (from
:mod:`footfall.registry`).

Extra columns may follow (e.g. ``ms_s`` mid-stance time, ``source``); these
are the ones outside tools rely on."""

NUMERIC_STEP_METRICS: tuple[str, ...] = _registry.names(
    group=_registry.Group.CONTRACT, summarised=True
)
"""Per-step numeric contract metrics that the summary aggregates."""

INSOLE_STEP_METRICS: tuple[str, ...] = _registry.names(
    group=_registry.Group.INSOLE, summarised=True
)
"""Extra insole columns of the steps table (after the contract ones) that the
summary also aggregates (footfall.gait.pressure; docs/metrics.md)."""

IMU_EXTRA_METRICS: tuple[str, ...] = _registry.names(group=_registry.Group.IMU, summarised=True)
"""Extra foot-IMU columns of the steps table that the summary also aggregates
(footfall.gait.metrics; rearfoot eversion only with a shank IMU on the same
leg, footfall.gait.ankle; docs/metrics.md)."""

STRIKE_PATTERNS = ("rearfoot", "midfoot", "forefoot")


def empty_steps() -> pd.DataFrame:
    """A steps table with no rows and the contract columns."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in STEP_COLUMNS.items()})


def empty_step_columns() -> ColumnTable:
    """:func:`empty_steps` as a :class:`~footfall.table.ColumnTable`."""
    from footfall.table import ColumnTable

    return ColumnTable(
        {
            c: np.empty(0, dtype=np.float64 if t == "float64" else object)
            for c, t in STEP_COLUMNS.items()
        },
        n_rows=0,
    )


@overload
def conform_steps(df: ColumnTable) -> ColumnTable: ...
@overload
def conform_steps(df: pd.DataFrame) -> pd.DataFrame: ...
def conform_steps(df: pd.DataFrame | ColumnTable) -> pd.DataFrame | ColumnTable:
    """Return ``df`` with every contract column present (NaN where missing),
    contract columns first in contract order, extra
    columns after, rows sorted by ``ic_s`` (stable). A
    :class:`~footfall.table.ColumnTable` gives a ColumnTable."""
    from footfall.table import ColumnTable

    if isinstance(df, ColumnTable):
        n = len(df)
        data = {}
        for c, t in STEP_COLUMNS.items():
            if c in df:
                data[c] = df[c]
            elif t == "float64":
                data[c] = np.full(n, np.nan)
            else:
                data[c] = np.full(n, np.nan, dtype=object)  # as pandas fills it
        data.update((c, v) for c, v in df.items() if c not in STEP_COLUMNS)
        out = ColumnTable(data, n_rows=n)
        order = np.argsort(np.asarray(out["ic_s"], dtype=np.float64), kind="stable")
        if np.array_equal(order, np.arange(n)):
            return out
        return out.take(order)
    import pandas as pd

    out = df.copy()
    for c, t in STEP_COLUMNS.items():
        if c not in out.columns:
            out[c] = pd.Series(np.nan if t == "float64" else None, index=out.index, dtype=t)
    extra = [c for c in out.columns if c not in STEP_COLUMNS]
    out = out[list(STEP_COLUMNS) + extra]
    return out.sort_values("ic_s", kind="stable").reset_index(drop=True)


def validate_steps(df: pd.DataFrame) -> None:
    """Check a steps table against the contract; raise ValueError naming the problem."""
    missing = [c for c in STEP_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"steps table lacks columns: {', '.join(missing)}")
    if len(df) and not df["side"].isin([s.value for s in Side]).all():
        raise ValueError("steps table: 'side' must be 'left' or 'right'")
    if len(df) and not np.all(np.diff(df["ic_s"].to_numpy()) >= 0):
        raise ValueError("steps table: rows must be ordered by ic_s")
    pats = df["strike_pattern"].dropna()
    if len(pats) and not pats.isin(STRIKE_PATTERNS).all():
        raise ValueError(f"steps table: strike_pattern must be one of {STRIKE_PATTERNS}")


# ----------------------------------------------------------------------------
# how a foot sensor sits on the shoe (a stream's optional "mount")

MOUNT_PRESETS: dict[str, str] = {
    "laces": "+x",
    "lateral": "+x",
    "medial": "+x",
    "heel": "-z",
}
"""Mounting presets: which sensor axis points to the toes when the sensor
sits square on the shoe (docs/coordinate-frames.md, "Mounting presets"):
on the laces, or on the outside or inside of the shoe, face out, with its x
axis towards the toes; on the heel counter, face backwards (its z axis
pointing back, away from the toes)."""

_AXES = {"x": 0, "y": 1, "z": 2}


def parse_mount(value: str | None) -> np.ndarray | None:
    """The sensor-axis direction of the toes for a mounting: a preset name of
    :data:`MOUNT_PRESETS` or ``toes=+x`` (any of ``+x -x +y -y +z -z``).
    None for None or an empty string.

    Raises
    ------
    ValueError
        For anything else, with the accepted forms in the message.
    """
    if value is None or str(value).strip() == "":
        return None
    v = str(value).strip().lower()
    spec = MOUNT_PRESETS.get(v)
    if spec is None and v.startswith("toes="):
        spec = v[5:].strip()
    if spec is None or len(spec) != 2 or spec[0] not in "+-" or spec[1] not in _AXES:
        raise ValueError(
            f"unknown mounting {value!r}: use one of {', '.join(MOUNT_PRESETS)} (the sensor "
            "square on the shoe, docs/coordinate-frames.md) or toes=+x, toes=-y, ... (the "
            "sensor axis that points to the toes)"
        )
    out = np.zeros(3)
    out[_AXES[spec[1]]] = 1.0 if spec[0] == "+" else -1.0
    return out


def check_mount_option(value: str | None) -> None:
    """A clear user error (:class:`footfall.errors.FootfallError`) for a
    ``--mount`` value :func:`parse_mount` does not know."""
    from footfall.errors import FootfallError

    try:
        parse_mount(value)
    except ValueError as exc:
        raise FootfallError(
            f"--mount: {exc}",
            fix="give --mount laces (or lateral, medial, heel, toes=+x ...), or leave it out",
        ) from None
