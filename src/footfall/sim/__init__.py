"""Virtual runner: synthetic recordings with known truth.

``simulate(scenario, minutes, seed, out_dir=None)`` returns a
:class:`~footfall.model.Recording` (foot IMUs, shank IMUs, 16-cell insoles)
and its truth steps table. The model, the sensor imperfections and the
scenarios are described in docs/simulation.md.
"""

from footfall._lazy import lazy_exports

# Names are loaded on first use (PEP 562), so that ``footfall --help`` can
# build the ``simulate`` parser without importing the simulator.
_EXPORTS = {
    "SENSORS": "footfall.sim.core",
    "simulate": "footfall.sim.core",
    "truth_table": "footfall.sim.core",
    "PROFILES": "footfall.sim.params",
    "SCENARIOS": "footfall.sim.params",
    "GaitParams": "footfall.sim.params",
    "Phase": "footfall.sim.params",
    "Scenario": "footfall.sim.params",
    "SensorProfile": "footfall.sim.params",
    "get_scenario": "footfall.sim.params",
    "register": "footfall.sim.params",
    "scenario_names": "footfall.sim.params",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
