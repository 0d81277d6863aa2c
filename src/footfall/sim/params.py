"""Parameters of the virtual runner, its sensors, and the named scenarios.

Angles follow docs/simulation.md: foot frame x forward (heel -> toe), y to
the left, z up; foot strike angle positive = toes up at contact (heel first);
shank angle at contact positive = ankle ahead of the knee (overstride);
pronation = rearfoot eversion, positive = the sole turning outwards.

Typical values and where they come from are given per field; scenario values
follow ../shared/science/numbness-and-gait.md (summarised in docs/simulation.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from footfall.model import Surface

__all__ = [
    "GaitParams",
    "NUMERIC_GAIT_FIELDS",
    "PROFILES",
    "Phase",
    "SCENARIOS",
    "Scenario",
    "SensorProfile",
    "WALK",
    "get_scenario",
    "register",
    "scenario_names",
]


@dataclass(frozen=True)
class GaitParams:
    """Gait of the virtual runner (the mean of each per-step quantity).

    Attributes
    ----------
    speed_mps
        Running speed (belt speed on a treadmill), m/s.
    cadence_spm
        Steps per minute, both feet (recreational runners 165 +- 8,
        Van Oeveren et al. 2019).
    contact_fraction
        Contact time / stride time (duty factor): about 0.30-0.40 running,
        0.60-0.65 walking.
    foot_strike_angle_deg
        Foot pitch at initial contact vs flat, positive = toes up. Bands
        (Altman & Davis 2012): > 8 rearfoot, -1.6..8 midfoot, < -1.6 forefoot.
    shank_angle_ic_deg
        Shank inclination from vertical at contact, positive = ankle ahead of
        the knee; 3-8 typical, > 10 overstriding.
    pronation_excursion_deg, pronation_velocity_dps
        Rearfoot eversion from contact to its peak, and the peak eversion rate.
    inversion_ic_deg
        Foot roll at initial contact relative to standing, positive = inverted
        (the sole turned inwards; eversion = -inversion_ic_deg at contact).
        The foot everts through the loading phase by
        ``pronation_excursion_deg``, so its roll at mid-stance is
        ``pronation_excursion_deg - inversion_ic_deg`` of eversion. On the two
        Fukuchi runners the foot lands 11-17 deg inverted and peaks at
        0.7-4.4 deg of eversion in stance (docs/simulation.md, "The real foot").
    toe_off_angle_deg
        Foot pitch at toe-off (negative = toes down).
    toe_out_deg
        Foot progression angle: heading of the foot's heel-to-toe line
        against the direction of travel, deg, positive = toes pointing
        outwards (mirrored for left and right). The foot keeps it for the
        whole stride: on the ground in stance and carried forwards in swing,
        while the leg swings in the direction of travel. Varies from step to
        step by ``angle_sd_deg``. 8.9-11.3 deg on three of the four Fukuchi
        feet (docs/simulation.md, "The real foot").
    step_width_m
        Lateral distance between left and right footprints, m.
    swing_height_m
        Peak heel height above the ground in swing, m.
    touchdown_down_mps, touchdown_forward_mps
        Velocity of the first-contact point at initial contact relative to
        the ground: downwards and forwards, m/s. Larger with overstriding.
    impact_ms
        Time the contact point takes to come to rest after contact, ms
        (shoe compression); shorter = harder landing.
    forefoot_load_bias
        Extra share of the stance load carried by the forefoot (-0.3..0.3).
    lateral_forefoot_bias
        Shift of the forefoot load towards the lateral metatarsals (0..1).
    impact_peak_bw
        Height of the passive impact peak of the vertical force above the
        active curve, body weights; ``None``: from the strike pattern.
    stride_cv, contact_cv, angle_sd_deg, rel_sd
        Step-to-step variability: coefficient of variation of stride time
        (about 2 %) and contact time, standard deviation of the strike and
        shank angles, relative standard deviation of the other per-step
        quantities.
    """

    speed_mps: float = 2.8
    cadence_spm: float = 168.0
    contact_fraction: float = 0.36
    foot_strike_angle_deg: float = 15.0
    shank_angle_ic_deg: float = 5.0
    pronation_excursion_deg: float = 8.0
    pronation_velocity_dps: float = 350.0
    inversion_ic_deg: float = 4.0
    toe_off_angle_deg: float = -40.0
    toe_out_deg: float = 5.0
    step_width_m: float = 0.06
    swing_height_m: float = 0.25
    touchdown_down_mps: float = 0.6
    touchdown_forward_mps: float = 0.3
    impact_ms: float = 18.0
    forefoot_load_bias: float = 0.0
    lateral_forefoot_bias: float = 0.0
    impact_peak_bw: float | None = None
    stride_cv: float = 0.015
    contact_cv: float = 0.02
    angle_sd_deg: float = 1.2
    rel_sd: float = 0.06

    def with_(self, **kw: Any) -> GaitParams:
        """A copy with some fields changed."""
        return replace(self, **kw)


NUMERIC_GAIT_FIELDS = tuple(f.name for f in fields(GaitParams) if f.name != "impact_peak_bw")

WALK = GaitParams(
    speed_mps=1.4,
    cadence_spm=112.0,
    contact_fraction=0.62,
    foot_strike_angle_deg=20.0,
    shank_angle_ic_deg=8.0,
    pronation_excursion_deg=6.0,
    pronation_velocity_dps=150.0,
    toe_off_angle_deg=-55.0,
    swing_height_m=0.14,
    touchdown_down_mps=0.25,
    touchdown_forward_mps=0.2,
    impact_ms=30.0,
    step_width_m=0.09,
    toe_out_deg=7.0,
)
"""A brisk walk (for walk-run intervals)."""


@dataclass(frozen=True)
class SensorProfile:
    """Imperfections of the simulated sensors.

    Attributes
    ----------
    imu_fs_hz, insole_fs_hz
        Nominal sampling rates, Hz.
    acc_noise_mps2, gyr_noise_dps
        White noise, standard deviation per sample.
    acc_bias_mps2, gyr_bias_dps
        Standard deviation of the constant per-axis bias drawn per device.
    gyr_bias_walk_dps
        Random-walk drift of the gyroscope bias over the whole recording
        (standard deviation of the change over one hour), deg/s.
    scale_error_pct
        Standard deviation of the per-axis scale-factor error, %.
    acc_range_g, gyr_range_dps
        Full scale: samples beyond it saturate (clip).
    ringing_ratio, ringing_hz, ringing_decay_ms
        Shoe/strap resonance excited at each contact: a damped sinusoid along
        the vertical, amplitude = ratio x the contact's impact peak.
    jitter_ms
        Standard deviation of the sampling instant around its nominal time.
    drop_rate
        Probability per sample that a burst of 1-5 samples is lost.
    clock_drift_ppm, clock_offset_ms
        Clock error of every device but the reference (left foot IMU):
        drawn uniformly within +- these bounds per device.
    pressure_noise_kpa, pressure_threshold_kpa, pressure_max_kpa
        Insole cell noise, the level below which a cell reads 0, full scale.
    """

    imu_fs_hz: float = 200.0
    insole_fs_hz: float = 100.0
    acc_noise_mps2: float = 0.05
    gyr_noise_dps: float = 0.2
    acc_bias_mps2: float = 0.08
    gyr_bias_dps: float = 0.5
    gyr_bias_walk_dps: float = 0.3
    scale_error_pct: float = 0.8
    acc_range_g: float = 16.0
    gyr_range_dps: float = 2000.0
    ringing_ratio: float = 0.25
    ringing_hz: float = 70.0
    ringing_decay_ms: float = 12.0
    jitter_ms: float = 0.1
    drop_rate: float = 0.0
    clock_drift_ppm: float = 0.0
    clock_offset_ms: float = 0.0
    pressure_noise_kpa: float = 1.5
    pressure_threshold_kpa: float = 4.0
    pressure_max_kpa: float = 600.0


PROFILES: dict[str, SensorProfile] = {
    "ideal": SensorProfile(
        acc_noise_mps2=0.0,
        gyr_noise_dps=0.0,
        acc_bias_mps2=0.0,
        gyr_bias_dps=0.0,
        gyr_bias_walk_dps=0.0,
        scale_error_pct=0.0,
        acc_range_g=1e6,
        gyr_range_dps=1e9,
        ringing_ratio=0.0,
        jitter_ms=0.0,
        pressure_noise_kpa=0.0,
        pressure_threshold_kpa=0.0,
        pressure_max_kpa=1e9,
    ),
    "typical": SensorProfile(),
    "field": SensorProfile(
        acc_noise_mps2=0.1,
        gyr_noise_dps=0.4,
        acc_bias_mps2=0.2,
        gyr_bias_dps=1.5,
        gyr_bias_walk_dps=1.0,
        scale_error_pct=2.0,
        ringing_ratio=0.4,
        jitter_ms=0.5,
        drop_rate=0.0005,
        clock_drift_ppm=40.0,
        clock_offset_ms=30.0,
        pressure_noise_kpa=3.0,
    ),
}
"""Sensor profiles: ``ideal`` (perfect sensors, for checking the model),
``typical`` (a good consumer IMU and insole, one clock), ``field`` (cheap
sensors, lost packets, free-running device clocks)."""


@dataclass(frozen=True)
class Phase:
    """A stretch of the run with one gait (walk-run intervals have several)."""

    minutes: float
    gait: GaitParams


@dataclass(frozen=True)
class Scenario:
    """A named virtual run.

    Attributes
    ----------
    name, description
        Registry key and a one-line description.
    gait
        The runner's gait (or the first phase's, when ``phases`` is set).
    phases
        Repeating schedule of gaits; empty = ``gait`` throughout.
    surface
        Treadmill (constant belt speed, straight) or overground (speed
        fluctuates, gentle curves).
    side_offsets
        Per side (``"left"``/``"right"``), additive offsets to gait fields.
    fatigue
        Total change of gait fields from ``fatigue_onset_min`` to the end of
        the run (linear), e.g. ``{"cadence_spm": -6}``.
    fatigue_onset_min
        When the drift starts, minutes.
    mass_kg, height_m, foot_length_m
        The runner.
    speed_wander_pct, heading_wander_deg
        Overground only: slow fluctuation of speed (sd, %) and of heading (deg).
    mounting
        Foot-IMU mounting name (``laces``, ``aligned``, ``lateral``, ``heel``,
        ``random``) or rotation.
    foot_strap_deg, shank_strap_deg
        Strap tilt of the foot (shoe) sensor and of the shank sensor: the
        sensor turned on its segment by these angles (deg) about the
        segment's forward, lateral (left) and vertical axes, applied in that
        order on top of the mounting (:func:`footfall.sim.sensors.strap_rotation`).
        Right-hand rotations on the left leg; the right leg gets the mirror
        image (the forward and vertical angles change sign), so a value means
        the same tilt on both legs: positive about the forward axis turns the
        sensor's top medially, positive about the lateral axis turns its
        front down, positive about the vertical axis turns its front
        laterally (outwards). The recording's ``mounting_matrix`` includes it.
    """

    name: str
    description: str
    gait: GaitParams = field(default_factory=GaitParams)
    phases: tuple[Phase, ...] = ()
    surface: Surface = Surface.OVERGROUND
    side_offsets: dict[str, dict[str, float]] = field(default_factory=dict)
    fatigue: dict[str, float] = field(default_factory=dict)
    fatigue_onset_min: float = 10.0
    mass_kg: float = 65.0
    height_m: float = 1.72
    foot_length_m: float = 0.27
    speed_wander_pct: float = 2.0
    heading_wander_deg: float = 20.0
    mounting: Any = "laces"
    foot_strap_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    shank_strap_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def with_(self, **kw: Any) -> Scenario:
        """A copy with some fields changed."""
        return replace(self, **kw)


_BASE = GaitParams()

_SCENARIOS = [
    Scenario(
        "easy-run",
        "healthy baseline: 2.8 m/s, 168 spm, mild rearfoot strike",
        _BASE,
    ),
    Scenario(
        "low-cadence-overstride",
        "cadence 150 spm, long stride landing ahead of the hips: heel first with toes high, "
        "shank inclined at contact, long contact, high braking",
        _BASE.with_(
            cadence_spm=150.0,
            contact_fraction=0.39,
            foot_strike_angle_deg=22.0,
            shank_angle_ic_deg=13.0,
            touchdown_forward_mps=0.8,
            touchdown_down_mps=0.8,
            impact_ms=14.0,
            swing_height_m=0.3,
        ),
    ),
    Scenario(
        "heavy-heel-striker",
        "stiff heel landing: steep strike angle, hard and fast impact (saturating 16 g)",
        _BASE.with_(
            foot_strike_angle_deg=20.0,
            touchdown_down_mps=1.2,
            impact_ms=10.0,
            shank_angle_ic_deg=8.0,
            impact_peak_bw=1.0,
            touchdown_forward_mps=0.5,
        ),
    ),
    Scenario(
        "overpronator",
        "large, fast rearfoot eversion in stance with medial load shift",
        _BASE.with_(
            pronation_excursion_deg=18.0, pronation_velocity_dps=850.0, inversion_ic_deg=6.0
        ),
    ),
    Scenario(
        "forefoot-loader",
        "forefoot strike with high lateral-forefoot (3rd-4th metatarsal) load, "
        "as in a Morton's neuroma pattern",
        _BASE.with_(
            foot_strike_angle_deg=-8.0,
            shank_angle_ic_deg=2.0,
            forefoot_load_bias=0.2,
            lateral_forefoot_bias=0.8,
            touchdown_down_mps=0.45,
            impact_ms=24.0,
            contact_fraction=0.33,
        ),
    ),
    Scenario(
        "one-sided",
        "left foot loads more: longer contact, more pronation and forefoot load on the left",
        _BASE,
        side_offsets={
            "left": {
                "contact_fraction": 0.025,
                "pronation_excursion_deg": 5.0,
                "pronation_velocity_dps": 200.0,
                "forefoot_load_bias": 0.15,
                "lateral_forefoot_bias": 0.3,
            }
        },
    ),
    Scenario(
        "fatigue-drift",
        "after minute 10, cadence falls, contact lengthens and strike/shank angles grow",
        _BASE,
        fatigue={
            "cadence_spm": -8.0,
            "contact_fraction": 0.03,
            "foot_strike_angle_deg": 5.0,
            "shank_angle_ic_deg": 4.0,
            "touchdown_down_mps": 0.2,
        },
        fatigue_onset_min=10.0,
    ),
    Scenario(
        "walk-run-intervals",
        "4 min running, 1 min walking, repeated",
        _BASE,
        phases=(Phase(4.0, _BASE), Phase(1.0, WALK)),
    ),
    Scenario(
        "midfoot-runner",
        "a midfoot strike at 3.3 m/s and 176 spm",
        _BASE.with_(
            speed_mps=3.3,
            cadence_spm=176.0,
            foot_strike_angle_deg=3.0,
            contact_fraction=0.34,
            shank_angle_ic_deg=3.0,
            touchdown_down_mps=0.5,
            impact_ms=20.0,
        ),
    ),
    # the real foot (docs/simulation.md, "The real foot"): turned out, landing
    # inverted and everting to a few degrees at mid-stance, as on the two
    # Fukuchi runners
    Scenario(
        "toe-out-heel-striker",
        "heel strike with the toes turned out 10 deg, landing 14 deg inverted and "
        "everting to 3 deg at mid-stance",
        _BASE.with_(
            foot_strike_angle_deg=18.0,
            toe_out_deg=10.0,
            inversion_ic_deg=14.0,
            pronation_excursion_deg=17.0,
        ),
    ),
    Scenario(
        "toe-out-forefoot",
        "forefoot landing with the toes turned out 11 deg, landing 13 deg inverted and "
        "everting to 3 deg at mid-stance",
        _BASE.with_(
            foot_strike_angle_deg=-3.0,
            shank_angle_ic_deg=2.0,
            toe_out_deg=11.0,
            inversion_ic_deg=13.0,
            pronation_excursion_deg=16.0,
            touchdown_down_mps=0.45,
            impact_ms=24.0,
            contact_fraction=0.33,
        ),
    ),
    Scenario(
        "tilted-straps",
        "easy run with the shank sensor's strap tilted 12 deg about the tibia's forward "
        "axis and the shoe pod turned 15 deg about the vertical on the laces",
        _BASE,
        foot_strap_deg=(0.0, 0.0, 15.0),
        shank_strap_deg=(12.0, 0.0, 0.0),
    ),
    Scenario(
        "shank-strap-pitched",
        "easy run with the shank sensor tilted 10 deg about the tibia's forward axis and "
        "10 deg about its lateral axis (the sensor's top leaning forwards off the tibia)",
        _BASE,
        shank_strap_deg=(10.0, 10.0, 0.0),
    ),
]

SCENARIOS: dict[str, Scenario] = {}
for _s in _SCENARIOS:
    SCENARIOS[_s.name] = _s
    SCENARIOS[f"{_s.name}-treadmill"] = _s.with_(
        name=f"{_s.name}-treadmill",
        surface=Surface.TREADMILL,
        description=_s.description + " (treadmill)",
    )
    SCENARIOS[f"{_s.name}-overground"] = _s.with_(
        name=f"{_s.name}-overground",
        surface=Surface.OVERGROUND,
        description=_s.description + " (overground)",
    )
SCENARIOS["treadmill"] = SCENARIOS["easy-run-treadmill"].with_(name="treadmill")
SCENARIOS["overground"] = SCENARIOS["easy-run-overground"].with_(name="overground")


def get_scenario(name: str | Scenario) -> Scenario:
    """Look a scenario up by name (``easy-run``, ``easy-run-treadmill``, ...)."""
    if isinstance(name, Scenario):
        return name
    try:
        return SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(scenario_names())}") from None


def scenario_names(base_only: bool = False) -> list[str]:
    """Registered scenario names (``base_only``: without surface variants)."""
    if base_only:
        return [s.name for s in _SCENARIOS] + ["treadmill", "overground"]
    return list(SCENARIOS)


def register(scenario: Scenario) -> None:
    """Add (or replace) a scenario in the registry."""
    SCENARIOS[scenario.name] = scenario
