"""The steps-table columns and what footfall knows about each, in one place.

Every column footfall writes into a steps table is described once here: its
dtype, unit, labels, display rounding, whether the run summary aggregates it,
whether its per-minute medians go into the summary's windows, whether the
live view keeps it, which direction is worse, and a one-line definition.
Everything else is derived from this table: the steps-table contract
(:data:`footfall.model.STEP_COLUMNS`), the summary's metric lists
(:mod:`footfall.summary`), the live metrics (:mod:`footfall.stream.rolling`),
the terminal's labels and rounding (:mod:`footfall.report.terminal`), the
rules' labels and sensor-fact vocabulary (:mod:`footfall.rules`), and the
column table of docs/metrics.md (``python tools/gen_metrics_doc.py``).

Adding a metric: a :class:`Metric` entry here, the function that computes it
(in :mod:`footfall.gait`), and its test.

The order of :data:`METRICS` is the order of the steps table: the contract
columns (CONTRACTS.md section 2) first, then the extra columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Group",
    "METRICS",
    "Metric",
    "metric",
    "names",
]


class Group(StrEnum):
    """Where a column sits in the steps table."""

    CONTRACT = "contract"
    """A contract column (CONTRACTS.md section 2): always present, in order."""
    IMU = "imu"
    """An extra column from a foot (or shank) IMU."""
    INSOLE = "insole"
    """An extra column from a pressure insole."""
    QUALITY = "quality"
    """An extra column about where a row's values come from and how sound they are."""
    RUNNING_DYNAMICS = "running_dynamics"
    """A column of a running-dynamics table: one row per record of a watch or
    foot pod (a FIT file, footfall.io.fit), not per step."""


@dataclass(frozen=True)
class Metric:
    """One column of the steps table.

    Attributes
    ----------
    name
        Column name (its unit is its suffix: ``_ms``, ``_s``, ``_deg``, ...).
    label
        Short label for tables and figures ("Contact time").
    unit
        Display unit ("ms"); empty for a category or an index.
    decimals
        Places shown.
    group
        :class:`Group`: contract, or which sensor's extra column.
    dtype
        ``float64`` or ``object`` (text).
    summarised
        Aggregated by the run summary (``summary["metrics"]``, drift,
        asymmetry) and nameable by the rules as a sensor fact.
    window
        Per-window medians go into ``summary["windows"]``.
    live
        Kept by the live view's rolling summaries.
    higher_is_worse
        True when a higher value is the direction of concern for numbness
        (e.g. forefoot load), False when lower is (e.g. cadence), None when
        neither or both are.
    doc
        One-line definition (docs/metrics.md has the method and sources).
    phrase, phrase_unit
        The label and unit used in a finding's sentence when they differ
        from ``label.lower()`` and ``unit``.
    """

    name: str
    label: str
    unit: str = ""
    decimals: int = 2
    group: Group = Group.CONTRACT
    dtype: str = "float64"
    summarised: bool = False
    window: bool = False
    live: bool = False
    higher_is_worse: bool | None = None
    doc: str = ""
    phrase: str | None = None
    phrase_unit: str | None = None

    @property
    def sentence_label(self) -> str:
        """The label inside a sentence."""
        return self.phrase if self.phrase is not None else self.label.lower()

    @property
    def sentence_unit(self) -> str:
        """The unit inside a sentence."""
        return self.phrase_unit if self.phrase_unit is not None else self.unit


_C, _I, _P, _Q = Group.CONTRACT, Group.IMU, Group.INSOLE, Group.QUALITY
_R = Group.RUNNING_DYNAMICS

_REGIONS = (
    "heel",
    "midfoot",
    "medial_forefoot",
    "central_forefoot",
    "lateral_forefoot",
    "hallux",
    "toes",
)


def _region_label(region: str) -> str:
    return region.replace("_", " ")


_ALL: tuple[Metric, ...] = (
    # ---------------------------------------------------------------- contract
    Metric("side", "Side", "", 0, _C, "object", doc="foot of the contact: left or right"),
    Metric(
        "ic_s",
        "Initial contact",
        "s",
        3,
        _C,
        doc="time of initial contact, on the recording's time axis",
    ),
    Metric("to_s", "Toe-off", "s", 3, _C, doc="time of the toe-off that ends this contact"),
    Metric(
        "contact_ms",
        "Contact time",
        "ms",
        0,
        _C,
        summarised=True,
        window=True,
        live=True,
        higher_is_worse=True,
        doc="ground contact time: toe-off minus contact",
    ),
    Metric(
        "stride_ms",
        "Stride time",
        "ms",
        0,
        _C,
        summarised=True,
        window=True,
        live=True,
        doc="time to the next initial contact of the same foot",
    ),
    Metric(
        "swing_ms",
        "Swing time",
        "ms",
        0,
        _C,
        summarised=True,
        doc="toe-off to the next initial contact of the same foot",
    ),
    Metric(
        "cadence_spm",
        "Cadence",
        "spm",
        1,
        _C,
        summarised=True,
        window=True,
        live=True,
        higher_is_worse=False,
        phrase_unit="steps/min",
        doc="steps per minute, both feet counted, from the stride time",
    ),
    Metric(
        "stride_length_m",
        "Stride length",
        "m",
        2,
        _C,
        summarised=True,
        window=True,
        live=True,
        doc="distance the foot travels from this contact to its next one",
    ),
    Metric(
        "speed_mps",
        "Speed",
        "m/s",
        2,
        _C,
        summarised=True,
        window=True,
        live=True,
        doc="stride length over stride time, or on a treadmill the belt's speed at the "
        "step's contact",
    ),
    Metric(
        "foot_strike_angle_deg",
        "Foot strike angle",
        "deg",
        1,
        _C,
        summarised=True,
        window=True,
        live=True,
        doc="foot's pitch at contact relative to the flat foot, positive toes up",
    ),
    Metric(
        "strike_pattern", "Strike pattern", "", 0, _C, "object", doc="rearfoot, midfoot or forefoot"
    ),
    Metric(
        "strike_index_pct",
        "Strike index",
        "%",
        0,
        _C,
        summarised=True,
        phrase_unit="% of foot length",
        doc="centre of pressure at contact, % of the insole length from the heel",
    ),
    Metric(
        "shank_angle_ic_deg",
        "Shank angle at contact",
        "deg",
        1,
        _C,
        summarised=True,
        window=True,
        live=True,
        higher_is_worse=True,
        doc="tibia's inclination from vertical at contact, positive ankle ahead of knee",
    ),
    Metric(
        "pronation_excursion_deg",
        "Foot roll (pronation)",
        "deg",
        1,
        _C,
        summarised=True,
        window=True,
        higher_is_worse=True,
        phrase="foot roll (pronation) excursion",
        doc="rise of the foot's roll towards eversion in the loading phase",
    ),
    Metric(
        "pronation_velocity_dps",
        "Foot roll rate",
        "deg/s",
        0,
        _C,
        summarised=True,
        window=True,
        live=True,
        higher_is_worse=True,
        phrase="foot roll (pronation) velocity",
        doc="peak rate of that roll",
    ),
    Metric(
        "impact_g",
        "Impact",
        "g",
        1,
        _C,
        summarised=True,
        window=True,
        live=True,
        higher_is_worse=True,
        doc="peak upward acceleration of the foot just after contact, gravity removed",
    ),
    Metric(
        "braking_g",
        "Braking",
        "g",
        2,
        _C,
        summarised=True,
        window=True,
        live=True,
        higher_is_worse=True,
        doc="peak backward acceleration of the foot just after contact",
    ),
    Metric(
        "forefoot_load_pct",
        "Forefoot load",
        "%",
        0,
        _C,
        summarised=True,
        window=True,
        higher_is_worse=True,
        doc="forefoot share of the stance's force-time integral",
    ),
    Metric(
        "lateral_forefoot_load_pct",
        "Lateral forefoot load",
        "%",
        0,
        _C,
        summarised=True,
        window=True,
        higher_is_worse=True,
        doc="4th-5th metatarsal heads' share of the forefoot's force-time integral",
    ),
    Metric(
        "peak_forefoot_kpa",
        "Peak forefoot pressure",
        "kPa",
        0,
        _C,
        summarised=True,
        higher_is_worse=True,
        doc="highest forefoot cell pressure in stance",
    ),
    # ------------------------------------------------- summarised IMU extras
    Metric(
        "foot_progression_deg",
        "Toe-out",
        "deg",
        1,
        _I,
        summarised=True,
        phrase="toe-out (foot progression angle)",
        doc="foot progression angle in stance, positive toe-out",
    ),
    Metric(
        "rearfoot_eversion_deg",
        "Rearfoot eversion",
        "deg",
        1,
        _I,
        summarised=True,
        higher_is_worse=True,
        phrase="rearfoot eversion (foot vs shank)",
        doc="rise of the foot's eversion relative to the shank from contact to its peak "
        "(foot and shank IMUs on one leg)",
    ),
    Metric(
        "rearfoot_eversion_velocity_dps",
        "Rearfoot eversion rate",
        "deg/s",
        0,
        _I,
        summarised=True,
        higher_is_worse=True,
        phrase="rearfoot eversion velocity",
        doc="fastest rise of that angle",
    ),
    # ---------------------------------------------- summarised insole extras
    Metric(
        "loading_rate_bw_s",
        "Loading rate",
        "BW/s",
        1,
        _P,
        summarised=True,
        higher_is_worse=True,
        doc="mean slope of the load from 20 to 80 % of its first peak, body weights/s",
    ),
    Metric(
        "cop_ml_index_pct",
        "COP medial index",
        "%",
        1,
        _P,
        summarised=True,
        doc="load-weighted medial position of the centre of pressure, % of insole width",
    ),
    *(
        Metric(
            f"peak_{r}_kpa",
            f"Peak {_region_label(r)}",
            "kPa",
            0,
            _P,
            summarised=True,
            higher_is_worse=True,
            doc=f"highest {_region_label(r)} cell pressure in stance",
        )
        for r in _REGIONS
    ),
    # -------------------------------------------------------- other extras
    *(
        Metric(
            f"pti_{r}_kpa_s",
            f"Pressure-time integral, {_region_label(r)}",
            "kPa s",
            1,
            _P,
            doc=f"pressure-time integral of the {_region_label(r)} over stance",
        )
        for r in _REGIONS
    ),
    Metric(
        "source",
        "Source",
        "",
        0,
        _Q,
        "object",
        doc="the sensor the row comes from: <side>_foot_imu, <side>_shank_imu, "
        "<side>_insole, or <side>_foot_imu+insole for a fused row",
    ),
    Metric(
        "ic_s_imu",
        "Initial contact (IMU)",
        "s",
        3,
        _Q,
        doc="the foot IMU's initial contact, kept where the insole gives the row's",
    ),
    Metric("to_s_imu", "Toe-off (IMU)", "s", 3, _Q, doc="the foot IMU's toe-off, likewise"),
    Metric(
        "contact_ms_imu",
        "Contact time (IMU)",
        "ms",
        0,
        _Q,
        doc="the foot IMU's contact time, likewise",
    ),
    Metric(
        "stride_ms_imu",
        "Stride time (IMU)",
        "ms",
        0,
        _Q,
        doc="the foot IMU's stride time, likewise",
    ),
    Metric(
        "swing_ms_imu", "Swing time (IMU)", "ms", 0, _Q, doc="the foot IMU's swing time, likewise"
    ),
    Metric(
        "cadence_spm_imu", "Cadence (IMU)", "spm", 1, _Q, doc="the foot IMU's cadence, likewise"
    ),
    Metric(
        "ms_s",
        "Mid-stance",
        "s",
        3,
        _I,
        doc="time of mid-stance (the quietest sample of the stance)",
    ),
    Metric(
        "gap_ms",
        "Bridged gap",
        "ms",
        0,
        _Q,
        doc="missing data filled within the strides the row is measured from",
    ),
    Metric(
        "saturated_ms",
        "Saturated",
        "ms",
        0,
        _Q,
        doc="time a channel sat at its range limit within those strides",
    ),
    Metric(
        "stride_length_zupt_m",
        "Stride length (ZUPT)",
        "m",
        2,
        _I,
        doc="on a treadmill, the integrated stride length in the belt's frame",
    ),
    Metric(
        "incline_pct",
        "Incline",
        "%",
        1,
        _I,
        doc="the treadmill's incline at the step's contact, as it sent it (profile_values.csv)",
    ),
    Metric(
        "turn_deg",
        "Turn",
        "deg",
        1,
        _I,
        doc="change of heading over the stride, positive to the left",
    ),
    Metric(
        "strike_pattern_imu",
        "Strike pattern (IMU)",
        "",
        0,
        _Q,
        "object",
        doc="the foot IMU's strike pattern where the insole gives the row's",
    ),
    # ------------------------------------- running dynamics (FIT records)
    # one row per record of a watch or foot pod (footfall.io.fit); the
    # contract columns cadence_spm, contact_ms and speed_mps are filled too
    Metric(
        "time_s",
        "Time",
        "s",
        0,
        _R,
        doc="time of the record, seconds from the file's first record",
    ),
    Metric(
        "interval_s",
        "Interval",
        "s",
        0,
        _R,
        doc="time since the previous record while the timer ran (0 after a pause or a gap): "
        "the time the record's values stand for",
    ),
    Metric("lap_start_s", "Lap start", "s", 0, _R, doc="start of the record's lap (time_s)"),
    Metric(
        "contact_balance_left_pct",
        "Contact time balance",
        "%",
        1,
        _R,
        summarised=True,
        phrase_unit="% left",
        doc="left foot's share of ground contact time, as the device measured it",
    ),
    Metric(
        "contact_time_pct",
        "Contact time share",
        "%",
        1,
        _R,
        summarised=True,
        doc="ground contact time as a share of the stride time (FIT stance time percent)",
    ),
    Metric(
        "step_length_m",
        "Step length",
        "m",
        2,
        _R,
        summarised=True,
        window=True,
        doc="distance from one foot's contact to the other's, as the device measured it",
    ),
    Metric(
        "vertical_oscillation_mm",
        "Vertical oscillation",
        "mm",
        0,
        _R,
        summarised=True,
        window=True,
        doc="up-and-down travel of the torso (or the pod) in a step",
    ),
    Metric(
        "vertical_ratio_pct",
        "Vertical ratio",
        "%",
        1,
        _R,
        summarised=True,
        window=True,
        doc="vertical oscillation over step length",
    ),
    Metric(
        "heart_rate_bpm",
        "Heart rate",
        "bpm",
        0,
        _R,
        summarised=True,
        window=True,
        doc="heart rate",
    ),
    Metric("distance_m", "Distance", "m", 0, _R, doc="distance covered since the start"),
    Metric(
        "power_w",
        "Power",
        "W",
        0,
        _R,
        summarised=True,
        window=True,
        doc="running power as the device estimated it (FIT power field)",
    ),
    Metric(
        "form_power_w",
        "Form power",
        "W",
        0,
        _R,
        summarised=True,
        doc="Stryd's estimate of the power spent on moving up and down and the legs, "
        "not forward (developer field 'Form Power')",
    ),
    Metric(
        "air_power_w",
        "Air power",
        "W",
        0,
        _R,
        summarised=True,
        doc="Stryd's estimate of the power spent against air resistance "
        "(developer field 'Air Power')",
    ),
    Metric(
        "leg_spring_stiffness_kn_m",
        "Leg spring stiffness",
        "kN/m",
        1,
        _R,
        summarised=True,
        doc="Stryd's estimate of the leg's stiffness as a spring in stance "
        "(developer field 'Leg Spring Stiffness')",
    ),
)

METRICS: dict[str, Metric] = {m.name: m for m in _ALL}
"""Every known steps-table column, in table order."""

if len(METRICS) != len(_ALL):  # pragma: no cover - a typo in the table above
    raise RuntimeError("footfall.registry: a column is listed twice")


def metric(name: str) -> Metric:
    """The entry of column ``name``; a generic one (its own name as label,
    two decimals) for a column footfall does not know."""
    found = METRICS.get(name)
    return found if found is not None else Metric(name, name, "", 2, Group.QUALITY)


def names(
    *,
    group: Group | None = None,
    summarised: bool | None = None,
    window: bool | None = None,
    live: bool | None = None,
    dtype: str | None = None,
) -> tuple[str, ...]:
    """Column names, in table order, whose entries match every given filter."""
    return tuple(
        m.name
        for m in _ALL
        if (group is None or m.group == group)
        and (summarised is None or m.summarised == summarised)
        and (window is None or m.window == window)
        and (live is None or m.live == live)
        and (dtype is None or m.dtype == dtype)
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


_WORSE = {True: "higher", False: "lower", None: ""}

TABLE_BEGIN = "<!-- columns table: generated from src/footfall/registry.py -->"
TABLE_END = "<!-- end of columns table -->"


def render_table() -> str:
    """The column table of docs/metrics.md (Markdown, between
    :data:`TABLE_BEGIN` and :data:`TABLE_END`)."""
    lines = [
        TABLE_BEGIN,
        "| column | label | unit | group | summarised | per minute | live | "
        "worse when | definition |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for m in _ALL:
        lines.append(
            f"| `{m.name}` | {m.label} | {m.unit} | {m.group.value} | {_yes(m.summarised)} | "
            f"{_yes(m.window)} | {_yes(m.live)} | {_WORSE[m.higher_is_worse]} | {m.doc} |"
        )
    lines.append(TABLE_END)
    return "\n".join(lines) + "\n"


def with_table(doc: str) -> str:
    """``doc`` (the text of docs/metrics.md) with its column table replaced
    by :func:`render_table`'s; ValueError when the markers are missing."""
    a, b = doc.find(TABLE_BEGIN), doc.find(TABLE_END)
    if a < 0 or b < a:
        raise ValueError(
            f"docs/metrics.md has no column-table markers ({TABLE_BEGIN!r} ... {TABLE_END!r})"
        )
    return doc[:a] + render_table() + doc[b + len(TABLE_END) + 1 :]
