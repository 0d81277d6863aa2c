"""Virtual runner: synthetic recordings with known truth.

``simulate(scenario, minutes, seed, out_dir=None)`` returns a
:class:`~footfall.model.Recording` (foot IMUs, shank IMUs, 16-cell insoles)
and its truth steps table. The model, the sensor imperfections and the
scenarios are described in docs/simulation.md.
"""

from footfall.sim.core import SENSORS, simulate, truth_table
from footfall.sim.params import (
    PROFILES,
    SCENARIOS,
    GaitParams,
    Phase,
    Scenario,
    SensorProfile,
    get_scenario,
    register,
    scenario_names,
)

__all__ = [
    "PROFILES",
    "SCENARIOS",
    "SENSORS",
    "GaitParams",
    "Phase",
    "Scenario",
    "SensorProfile",
    "get_scenario",
    "register",
    "scenario_names",
    "simulate",
    "truth_table",
]
