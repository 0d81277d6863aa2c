"""The streaming analyser: live-capture events in, steps, summaries and flags out.

:class:`StreamingAnalyzer` consumes the events of a
:class:`~footfall.devices.base.Source` (device descriptions, sample blocks,
gaps, link status), runs one :class:`~footfall.stream.detector.ImuStepDetector`
per foot or shank IMU, keeps rolling summaries and live flags, and counts what
a data-quality line needs: frames, drops, gaps, link latency, and how long
each step took from the arrival of the frame that made it final to its row
being available.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from footfall.devices.base import Block, DeviceInfo, Event, Gap, Status
from footfall.gait.definitions import from_shank
from footfall.model import (
    IMU_COLUMNS,
    Placement,
    SensorKind,
    conform_steps,
    empty_steps,
    parse_mount,
)
from footfall.stream.detector import ImuStepDetector
from footfall.stream.flags import FlagTracker
from footfall.stream.rolling import LAST_S, LAST_STEPS, RollingSummary

__all__ = [
    "DeviceState",
    "SUMMARY_EVERY_S",
    "StreamingAnalyzer",
]


SUMMARY_EVERY_S = 1.0
"""Flags are re-evaluated at most this often, s of session time."""


_NO_ROWS = pd.DataFrame()
"""Returned when no step became final (shared: do not modify)."""


def _arrival(arrivals: deque, sample: int) -> float | None:
    """Arrival time of the block holding absolute sample ``sample``, from
    ``(end sample, arrival)`` pairs; usually the newest block."""
    found = None
    for end, when in reversed(arrivals):
        if end <= sample:
            break
        found = when
    return found


@dataclass
class DeviceState:
    """What the analyser knows about one device stream."""

    info: DeviceInfo
    detector: ImuStepDetector | None = None
    columns: np.ndarray | None = None
    samples: int = 0
    blocks: int = 0
    gaps: int = 0
    missing: int = 0
    frames_dropped: int = 0
    frames_corrupt: int = 0
    connected: bool = True
    latency_ms: float | None = None
    battery_pct: float | None = None
    last_t_s: float | None = None
    steps: int = 0
    arrivals: deque = field(default_factory=lambda: deque(maxlen=2048))


class StreamingAnalyzer:
    """Live steps, rolling summaries and flags from source events.

    Parameters
    ----------
    belt_speed_mps
        Treadmill belt speed, if known (as in offline analysis).
    rules
        A :class:`footfall.rules.ruleset.RuleSet` for the flag thresholds
        (default the shipped rules); ``flags=False`` turns flags off.
    last_steps, last_s
        Windows of the rolling summaries.
    clock
        Monotonic clock for latency measurements, s.

    Notes
    -----
    Rows are those of offline analysis (see :mod:`footfall.stream.detector`);
    insole streams are counted for data quality but not analysed live yet.
    """

    def __init__(
        self,
        *,
        belt_speed_mps: float | None = None,
        rules: Any | None = None,
        flags: bool = True,
        last_steps: int = LAST_STEPS,
        last_s: float = LAST_S,
        min_on_s: float | None = None,
        min_off_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.belt_speed_mps = belt_speed_mps
        self.devices: dict[str, DeviceState] = {}
        self.rolling = RollingSummary()
        self.last_steps = last_steps
        self.last_s = last_s
        self.flags: FlagTracker | None = None
        if flags:
            from footfall.stream.flags import MIN_OFF_S, MIN_ON_S, flag_specs

            self.flags = FlagTracker(
                flag_specs(rules),
                min_on_s=MIN_ON_S if min_on_s is None else min_on_s,
                min_off_s=MIN_OFF_S if min_off_s is None else min_off_s,
            )
        self.clock = clock
        self._parts: list[pd.DataFrame] = []
        self.latencies_ms: list[float] = []
        self.steps_at_alignment = 0
        self.flag_events: list[tuple[float, str, bool]] = []
        self._next_flag_t = -np.inf
        self.t_s = 0.0

    # ------------------------------------------------------------------ input

    def feed(self, events: Iterable[Event], arrival_s: float | None = None) -> pd.DataFrame:
        """Process events in order.

        Parameters
        ----------
        events
            Events from a source's ``poll``.
        arrival_s
            When they arrived, on :attr:`clock` (default: now).

        Returns
        -------
        pandas.DataFrame
            The step rows that became final (possibly empty).
        """
        arrived = self.clock() if arrival_s is None else arrival_s
        new: list[pd.DataFrame] = []
        for ev in events:
            if isinstance(ev, Block):
                rows = self._block(ev, arrived)
                if rows is not None:
                    new.append(rows)
            elif isinstance(ev, DeviceInfo):
                self._info(ev)
            elif isinstance(ev, Gap):
                d = self.devices.get(ev.device_id)
                if d is not None:
                    d.gaps += 1
                    d.missing += int(ev.n_missing)
            elif isinstance(ev, Status):
                d = self.devices.get(ev.device_id)
                if d is not None:
                    d.connected = ev.connected
                    d.frames_dropped = ev.frames_dropped
                    d.frames_corrupt = ev.frames_corrupt
                    d.latency_ms = ev.latency_ms
                    d.battery_pct = ev.battery_pct
        return self._collect(new)

    def finish(self) -> pd.DataFrame:
        """End of session: every stride seen is final. Returns the last rows."""
        new = []
        for d in self.devices.values():
            if d.detector is not None:
                b = d.detector.flush()
                if b is not None and len(b.steps):
                    new.append(self._tag(b.steps, d))
        return self._collect(new)

    # ----------------------------------------------------------------- output

    def steps(self) -> pd.DataFrame:
        """Every step so far as a steps table (contract columns first, by ``ic_s``)."""
        parts = [p for p in self._parts if len(p)]
        if not parts:
            return empty_steps()
        from footfall.gait.fusion import shank_into_foot_rows

        rows = pd.concat(parts, ignore_index=True)
        # as offline: a shank IMU adds its angle to the foot rows of its side
        tables = [t for _, t in rows.groupby("device_id", sort=True)]
        tables = shank_into_foot_rows(tables, [])
        return conform_steps(pd.concat(tables, ignore_index=True))

    def snapshot(self) -> dict[str, Any]:
        """What a live view shows: rolling summaries, flags, data quality."""
        lat = np.asarray(self.latencies_ms[-500:])
        return {
            "t_s": self.t_s,
            "n_steps": self.rolling.n_steps,
            "last_steps": self.rolling.summary(last_steps=self.last_steps),
            "last_minute": self.rolling.summary(last_steps=None, last_s=self.last_s),
            "flags": list(self.flags.active) if self.flags else [],
            "flag_titles": self.flags.titles() if self.flags else {},
            "devices": {k: self._quality(d) for k, d in self.devices.items()},
            "step_latency_ms": {
                "p50": float(np.percentile(lat, 50)),
                "p99": float(np.percentile(lat, 99)),
            }
            if len(lat)
            else None,
        }

    # -------------------------------------------------------------- internals

    def _info(self, info: DeviceInfo) -> None:
        d = self.devices.get(info.device_id)
        if d is not None and d.info.fs_hz == info.fs_hz and d.info.columns == info.columns:
            d.info = info
            d.connected = True
            return
        d = DeviceState(info)
        if info.kind == SensorKind.IMU and all(c in info.columns for c in IMU_COLUMNS):
            d.columns = np.array([info.columns.index(c) for c in IMU_COLUMNS])
            placement = info.placement or Placement.FOOT
            toes = (
                parse_mount((info.meta or {}).get("mount")) if placement == Placement.FOOT else None
            )
            d.detector = ImuStepDetector(
                info.fs_hz, info.side, placement, belt_speed_mps=self.belt_speed_mps, toes=toes
            )
        self.devices[info.device_id] = d

    def _block(self, blk: Block, arrived: float) -> pd.DataFrame | None:
        d = self.devices.get(blk.device_id)
        if d is None or len(blk.t_s) == 0:
            return None
        d.samples += len(blk.t_s)
        d.blocks += 1
        d.last_t_s = float(blk.t_s[-1])
        self.t_s = max(self.t_s, d.last_t_s)
        if d.detector is None:
            return None
        det = d.detector
        d.arrivals.append((det.buf.end + len(blk.t_s), arrived))
        aligned = det.alignment is not None
        b = det.push(blk.t_s, blk.values[:, d.columns])
        if b is None or len(b.steps) == 0:
            return None
        done = self.clock()
        if not aligned:
            # rows held back until the alignment was found
            self.steps_at_alignment += len(b.steps)
        else:
            for c in b.confirm_index:
                when = _arrival(d.arrivals, int(c))
                if when is not None:
                    self.latencies_ms.append((done - when) * 1e3)
        return self._tag(b.steps, d)

    def _tag(self, steps: pd.DataFrame, d: DeviceState) -> pd.DataFrame:
        steps = steps.copy()
        steps["device_id"] = d.info.device_id
        d.steps += len(steps)
        return steps

    def _collect(self, new: list[pd.DataFrame]) -> pd.DataFrame:
        if not new:
            self._maybe_flags()
            return _NO_ROWS
        rows = pd.concat(new, ignore_index=True) if len(new) > 1 else new[0]
        self._parts.append(rows)
        foot_sides = {
            d.info.side.value
            for d in self.devices.values()
            if d.detector is not None and d.detector.placement == Placement.FOOT
        }
        if foot_sides and "source" in rows.columns:
            # a side with a foot IMU is timed by it; its shank rows are not counted twice
            shank = from_shank(rows["source"].to_numpy())
            rows = rows[~(shank & rows["side"].isin(foot_sides))]
        if len(self._parts) >= 256:  # one table instead of many small ones: flat memory
            self._parts = [pd.concat(self._parts, ignore_index=True)]
        self.rolling.add(rows)
        self._maybe_flags()
        return rows

    def _maybe_flags(self) -> None:
        if self.flags is None or self.rolling.n_steps == 0:
            return
        if self.t_s < self._next_flag_t:
            return
        self._next_flag_t = self.t_s + SUMMARY_EVERY_S
        facts = self.rolling.summary(last_steps=self.last_steps)["facts"]
        for fid in self.flags.update(self.t_s, facts):
            on = fid in self.flags.active
            self.flag_events.append((self.t_s, fid, on))

    def _quality(self, d: DeviceState) -> dict[str, Any]:
        return {
            "kind": d.info.kind.value,
            "side": d.info.side.value,
            "samples": d.samples,
            "blocks": d.blocks,
            "gaps": d.gaps,
            "missing": d.missing,
            "frames_dropped": d.frames_dropped,
            "frames_corrupt": d.frames_corrupt,
            "connected": d.connected,
            "latency_ms": d.latency_ms,
            "steps": d.steps,
            "battery_pct": d.battery_pct,
        }
