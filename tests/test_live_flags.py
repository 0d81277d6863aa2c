"""Live flags raise what offline findings raise, scenario by scenario.

Each scenario of the virtual runner (two foot IMUs, two shank IMUs, two
insoles) is analysed offline (:func:`footfall.analyze`, no symptoms) and
replayed through the live path (:class:`~footfall.devices.replay.ReplaySource`
into :class:`~footfall.stream.StreamingAnalyzer`, flags on). The flags raised
at any time during the replay must be exactly the rules whose offline finding
rests on the sensors. The scenarios run in a process pool (the replays are
independent), one per core.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from footfall.sim.params import get_scenario, scenario_names

MINUTES = 3.0
"""Run length of each scenario: two minutes of window plus the flags' delay."""

FATIGUE = get_scenario("fatigue-drift").with_(name="fatigue-drift-early", fatigue_onset_min=3.0)
"""Fatigue from minute 3 of a 10.5-minute run: the fatigue rule needs 10 min."""

SCENARIOS: dict[str, tuple[object, float]] = {
    name: (name, MINUTES)
    for name in scenario_names(base_only=True)
    if name not in ("fatigue-drift", "treadmill", "overground")
}
SCENARIOS["fatigue-drift-early"] = (FATIGUE, 10.5)


def _compare(item: tuple[str, tuple[object, float]]) -> dict:
    """Offline findings and live flags of one scenario (runs in a worker)."""
    import footfall
    from footfall.devices.replay import ReplaySource
    from footfall.rules.engine import Basis
    from footfall.sim import simulate
    from footfall.stream import StreamingAnalyzer

    name, (scenario, minutes) = item
    rec, _ = simulate(scenario, minutes, 3)
    offline = [
        f.id for f in footfall.analyze(rec).findings if f.basis in (Basis.SENSORS_ONLY, Basis.BOTH)
    ]
    src = ReplaySource(rec, speed=None, frame_ms=250.0)
    live = StreamingAnalyzer()
    src.open()
    while not src.finished:
        live.feed(src.poll())
    live.finish()
    src.close()
    assert live.flags is not None
    return {
        "offline": sorted(offline),
        "live": sorted(live.flags.raised()),
        "events": live.flag_events,
        "active_at_end": sorted(live.flags.active),
    }


@pytest.fixture(scope="module")
def compared() -> dict[str, dict]:
    workers = max(1, min(4, os.cpu_count() or 1))
    with ProcessPoolExecutor(workers) as pool:
        return dict(zip(SCENARIOS, pool.map(_compare, SCENARIOS.items()), strict=True))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_live_replay_raises_the_offline_findings(compared, name) -> None:
    got = compared[name]
    assert got["live"] == got["offline"], got["events"]


def test_the_scenarios_raise_flags_at_all(compared) -> None:
    """The comparison is not between two empty lists: the patterns built to
    show a rule raise it, live and offline, and the easy run raises none."""
    expected = {
        "low-cadence-overstride": {"low-cadence", "overstride"},
        "heavy-heel-striker": {"heavy-strike"},
        "forefoot-loader": {"tight-toe-box-swelling", "mortons-neuroma-pattern"},
        "one-sided": {"one-sided-loading"},
        "overpronator": {"tarsal-tunnel-pattern"},
        "fatigue-drift-early": {"fatigue-drift"},
    }
    for name, ids in expected.items():
        assert ids <= set(compared[name]["live"]), name
    assert compared["easy-run"]["live"] == []
    # a flag raised for a steady pattern is still on when the run ends
    assert set(compared["one-sided"]["active_at_end"]) == {"one-sided-loading"}
