"""The streaming analyser: live-capture events in, steps, summaries and flags out.

:class:`StreamingAnalyzer` consumes the events of a
:class:`~footfall.devices.base.Source` (device descriptions, sample blocks,
gaps, link status), runs one :class:`~footfall.stream.detector.ImuStepDetector`
per foot or shank IMU and one :class:`~footfall.stream.insole.InsoleStepDetector`
per pressure insole (its rows fused into the foot IMU rows of its side, as
offline), keeps rolling summaries and live flags, and counts what
a data-quality line needs: frames, drops, gaps, link latency, and how long
each step took from the arrival of the frame that made it final to its row
being available.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from footfall.devices.base import Block, DeviceInfo, Event, Gap, Status
from footfall.gait.belt import BeltSchedule
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
from footfall.stream.insole import InsoleStepDetector
from footfall.stream.live_summary import LiveSummary
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
    detector: ImuStepDetector | InsoleStepDetector | None = None
    problem: str | None = None
    """Why a device's samples are not analysed (e.g. an insole without a
    usable cell layout), or None."""
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


FUSE_OFFSET_ROWS = 20
"""Rows of each of a foot IMU and an insole of one side before the
insole's clock offset is estimated (and then kept)."""

FUSE_GIVE_UP_ROWS = 200
"""Rows of each after which an insole whose contacts cannot be paired with
its foot IMU's is given rows of its own (as offline when pairing fails)."""

FUSE_WAIT_S = 240.0
"""Longest a row of one sensor of a side waits for the other sensor's rows, s
of data (more than an IMU waits for its alignment strides); older rows go on
alone."""


SENSOR_STALL_S = 10.0
"""A sensor of a side that has sent no sample for this long (s of the
session's data) while its partner goes on has stopped (a flat battery, out
of range): the partner's held rows go on at once, not after
:data:`FUSE_WAIT_S`."""


class FusionHold:
    """One side's foot IMU rows and insole rows not yet passed on merged,
    and the events the clock offset is estimated from."""

    def __init__(self) -> None:
        self.imu = pd.DataFrame()
        self.insole = pd.DataFrame()
        self.events: dict[str, list[np.ndarray]] = {"imu": [], "insole": []}

    def add(self, rows: pd.DataFrame, imu_id: str, insole_id: str, record: bool) -> None:
        """Hold the rows of the two devices (``record``: keep their events)."""
        dev = rows["device_id"].to_numpy()
        for key, did in (("imu", imu_id), ("insole", insole_id)):
            part = rows[dev == did]
            if not len(part):
                continue
            old = getattr(self, key)
            new = pd.concat([old, part], ignore_index=True) if len(old) else part
            setattr(self, key, new.reset_index(drop=True))
            if record and sum(len(e) for e in self.events[key]) < FUSE_GIVE_UP_ROWS:
                self.events[key].append(part[["ic_s", "to_s"]].to_numpy(float))

    def event_times(self, key: str) -> np.ndarray:
        """(n, 2) initial contacts and toe-offs of the rows seen so far."""
        ev = self.events[key]
        return np.concatenate(ev) if ev else np.empty((0, 2))

    def take_all(self) -> list[pd.DataFrame]:
        out = [self.imu, self.insole]
        self.imu, self.insole = pd.DataFrame(), pd.DataFrame()
        return out

    def until(self, offset: float | None, final: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The held rows both sensors are past (all when ``final``): those
        before a cut half way between two IMU contacts, so that no contact
        is parted from its other half; rows waiting longer than
        :data:`FUSE_WAIT_S` go too."""
        if final:
            a, b = self.take_all()
            return a, b
        ic_a = self.imu["ic_s"].to_numpy(float) if len(self.imu) else np.empty(0)
        ic_b = self.insole["ic_s"].to_numpy(float) if len(self.insole) else np.empty(0)
        if offset is not None:
            ic_b = ic_b + offset
        newest = [x.max() for x in (ic_a, ic_b) if len(x)]
        if not newest:
            return self.imu[:0], self.insole[:0]
        cut = max(newest) - FUSE_WAIT_S
        if offset is not None and len(ic_a) and len(ic_b):
            reach = min(ic_a.max(), ic_b.max())
            k = int(np.searchsorted(ic_a, reach, side="right")) - 1
            if k >= 1:
                cut = max(cut, 0.5 * (ic_a[k - 1] + ic_a[k]))
        ta, tb = ic_a < cut, ic_b < cut
        if not (ta.any() or tb.any()):
            return self.imu[:0], self.insole[:0]
        a, b = self.imu[ta], self.insole[tb]
        self.imu = self.imu[~ta].reset_index(drop=True)
        self.insole = self.insole[~tb].reset_index(drop=True)
        return a, b


class StreamingAnalyzer:
    """Live steps, rolling summaries and flags from source events.

    Parameters
    ----------
    belt_speed_mps
        Treadmill belt speed, if known (as ``condition.speed_mps`` in offline
        analysis): the speed of steps before the first value of ``belt`` or
        :meth:`set_belt_speed`.
    belt
        The belt speeds (and inclines) a treadmill sent, known beforehand (a
        replay of a recording with ``profile_values.csv``:
        :func:`footfall.io.profile_values.read_treadmill_values`); live, they
        come with :meth:`set_belt_speed`.
    rules
        A :class:`footfall.rules.ruleset.RuleSet` for the flags (default the
        shipped rules); ``flags=False`` turns flags off.
    symptoms, history
        The runner's symptom profile and earlier sessions' summaries, for the
        flags as for offline findings (:class:`~footfall.stream.flags.FlagTracker`).
    last_steps, last_s
        Windows of the rolling summaries.
    clock
        Monotonic clock for latency measurements, s.

    Notes
    -----
    Rows are those of offline analysis (see :mod:`footfall.stream.detector`
    and :mod:`footfall.stream.insole`). An insole's rows are merged with
    the foot IMU rows of its side as offline
    (:func:`footfall.gait.fusion.fuse_steps`), once the insole's clock offset
    to the IMU is known: zero when both devices name the same ``clock`` in
    their metadata, else estimated with
    :func:`~footfall.gait.fusion.clock_offset` from the first
    :data:`FUSE_OFFSET_ROWS` rows of each and then kept; until then (and
    until the other sensor has caught up) the side's rows are held back from
    the rolling summaries. A side without a foot IMU has insole rows of its own.
    """

    def __init__(
        self,
        *,
        belt_speed_mps: float | None = None,
        belt: BeltSchedule | None = None,
        rules: Any | None = None,
        flags: bool = True,
        last_steps: int = LAST_STEPS,
        last_s: float = LAST_S,
        min_on_s: float | None = None,
        min_off_s: float | None = None,
        symptoms: Any = None,
        history: Sequence[Mapping[str, Any]] = (),
        clock: Callable[[], float] = time.monotonic,
    ):
        self.belt_speed_mps = belt_speed_mps
        # one schedule, shared by every foot and shank IMU's detector: each row
        # takes the belt speed in effect at its contact (footfall.gait.belt)
        self.belt = (belt or BeltSchedule()).with_fallback(belt_speed_mps)
        self.devices: dict[str, DeviceState] = {}
        self.rolling = RollingSummary()
        self.last_steps = last_steps
        self.last_s = last_s
        self.flags: FlagTracker | None = None
        if flags:
            from footfall.stream.flags import MIN_OFF_S, MIN_ON_S

            self.flags = FlagTracker(
                rules,
                symptoms=symptoms,
                history=history,
                min_on_s=MIN_ON_S if min_on_s is None else min_on_s,
                min_off_s=MIN_OFF_S if min_off_s is None else min_off_s,
            )
        self.live = LiveSummary(self.flags.rules if self.flags else None)
        self.clock = clock
        self._parts: list[pd.DataFrame] = []
        # per side: the insole's clock offset to the foot IMU, held rows
        self._offsets: dict[str, float] = {}
        self._held: dict[str, FusionHold] = {}
        self.latencies_ms: list[float] = []
        self.steps_at_alignment = 0
        self.flag_events: list[tuple[float, str, bool]] = []
        self._next_flag_t = -np.inf
        self.t_s = 0.0

    # ------------------------------------------------------------------ input

    def set_belt_speed(
        self,
        belt_speed_mps: float | None,
        t_s: float | None = None,
        *,
        incline_pct: float | None = None,
    ) -> None:
        """A treadmill's belt speed (and incline) as it changes.

        Parameters
        ----------
        belt_speed_mps
            The belt speed, m/s (0: the belt stopped, the stride length then
            comes from the IMU as overground; None: not sent, the previous
            speed holds, as offline for an empty field of profile_values.csv).
        t_s
            When the treadmill sent it, s on the session's time axis (the
            samples'); default: the newest sample seen.
        incline_pct
            The incline it sent with it, %, if any.

        Notes
        -----
        The value goes into :attr:`belt`: every foot (or shank) IMU row
        with its initial contact at or after ``t_s`` (and before the next
        value) takes it, as offline analysis of the recording's
        ``profile_values.csv`` does. A row emitted before a value of an
        earlier time arrived keeps the speed it was emitted with.
        """
        t = self.t_s if t_s is None else float(t_s)
        self.belt.add(t, belt_speed_mps, incline_pct)
        if belt_speed_mps is not None:
            self.belt_speed_mps = belt_speed_mps or None

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
        return self._collect(new, final=True)

    # ----------------------------------------------------------------- output

    def steps(self) -> pd.DataFrame:
        """Every step so far as a steps table (contract columns first, by ``ic_s``)."""
        parts = [p for p in self._parts if len(p)]
        if not parts:
            return empty_steps()
        from footfall.gait.fusion import shank_into_foot_rows

        rows = pd.concat(parts, ignore_index=True)
        by_device = dict(iter(rows.groupby("device_id", sort=True)))
        # as offline: each insole's rows merged with the foot IMU rows of its
        # side, then a shank IMU adds its angle to the foot rows of its side
        tables = self._with_insoles(by_device)
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
            "flag_evidence": self.flags.evidence() if self.flags else {},
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
                info.fs_hz, info.side, placement, belt_speed_mps=self.belt, toes=toes
            )
        elif info.kind == SensorKind.INSOLE:
            self._insole_detector(d)
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
        # an insole's rows wait for its first body weight estimate as an
        # IMU's wait for its alignment
        aligned = (
            det.body_weight is not None
            if isinstance(det, InsoleStepDetector)
            else det.alignment is not None
        )
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

    def _collect(self, new: list[pd.DataFrame], final: bool = False) -> pd.DataFrame:
        if new:
            rows = pd.concat(new, ignore_index=True) if len(new) > 1 else new[0]
            self._parts.append(rows)
        else:
            rows = _NO_ROWS
        # a side's insole rows and foot IMU rows go on as one row per contact
        rows = self._fuse_live(rows, final)
        if not len(rows):
            self._maybe_flags()
            return _NO_ROWS
        # a side with a foot sensor (IMU or insole) is timed by it
        foot_sides = {
            d.info.side.value
            for d in self.devices.values()
            if isinstance(d.detector, InsoleStepDetector)
            or (d.detector is not None and d.detector.placement == Placement.FOOT)
        }
        if foot_sides and "source" in rows.columns:
            # a side with a foot IMU is timed by it; its shank rows are not counted twice
            shank = from_shank(rows["source"].to_numpy())
            rows = rows[~(shank & rows["side"].isin(foot_sides))]
        if len(self._parts) >= 256:  # one table instead of many small ones: flat memory
            self._parts = [pd.concat(self._parts, ignore_index=True)]
        self.rolling.add(rows)
        self.live.add(rows)
        self._maybe_flags()
        return rows

    def _maybe_flags(self) -> None:
        if self.flags is None or self.rolling.n_steps == 0:
            return
        if self.t_s < self._next_flag_t:
            return
        self._next_flag_t = self.t_s + SUMMARY_EVERY_S
        for fid in self.flags.update(self.t_s, self.live.summary(self.t_s)):
            on = fid in self.flags.active
            self.flag_events.append((self.t_s, fid, on))

    # ------------------------------------------------------------ insoles

    def _insole_detector(self, d: DeviceState) -> None:
        """Give an insole device its detector, or say why it cannot have one."""
        from footfall.gait.layouts import layout_for_stream

        info = d.info
        meta = dict(info.meta or {})
        if info.layout and not meta.get("layout"):
            meta["layout"] = info.layout
        n_cells = sum(1 for c in info.columns if c.startswith("p") and c[1:].isdigit())
        try:
            layout = layout_for_stream(meta, info.side.value, n_cells)
            d.detector = InsoleStepDetector(info.fs_hz, info.side, info.columns, layout)
        except ValueError as exc:
            d.problem = f"not analysed: {exc}"
            return
        d.columns = np.arange(len(info.columns))

    def _fusion_pairs(self) -> dict[str, tuple[DeviceState, DeviceState]]:
        """Per side with one foot IMU and one insole analysed: (IMU, insole)."""
        out: dict[str, tuple[DeviceState, DeviceState]] = {}
        for side in ("left", "right"):
            imus = [
                d
                for d in self.devices.values()
                if isinstance(d.detector, ImuStepDetector)
                and d.detector.placement == Placement.FOOT
                and d.info.side.value == side
            ]
            insoles = [
                d
                for d in self.devices.values()
                if isinstance(d.detector, InsoleStepDetector) and d.info.side.value == side
            ]
            if len(imus) == 1 and len(insoles) == 1:
                out[side] = (imus[0], insoles[0])
        return out

    def _clock_offset(
        self, side: str, imu: DeviceState, insole: DeviceState, held: FusionHold, final: bool
    ) -> float | None:
        """The insole's clock offset to the foot IMU of ``side`` (s; NaN: the
        two cannot be paired), or None while it is not known yet."""
        if side in self._offsets:
            return self._offsets[side]
        from footfall.gait.fusion import clock_offset

        clock = (insole.info.meta or {}).get("clock")
        if clock is not None and clock == (imu.info.meta or {}).get("clock"):
            self._offsets[side] = 0.0  # one time base, as offline
            return 0.0
        ev_imu, ev_ins = held.event_times("imu"), held.event_times("insole")
        n = min(len(ev_imu), len(ev_ins))
        if not final and n < FUSE_OFFSET_ROWS:
            return None
        offset, _ = clock_offset(ev_imu[:, 0], ev_ins[:, 0], ev_imu[:, 1], ev_ins[:, 1])
        if np.isfinite(offset) or final or n >= FUSE_GIVE_UP_ROWS:
            self._offsets[side] = float(offset)
            return float(offset)
        return None

    def _fuse_live(self, rows: pd.DataFrame, final: bool) -> pd.DataFrame:
        """``rows`` with each insole's rows merged into the foot IMU rows of
        its side (:func:`~footfall.gait.fusion.fuse_steps`): the side's rows
        are held until both sensors have passed a contact, then go on merged."""
        if not len(rows) and not final:
            return rows  # held rows move on only when rows arrive
        pairs = self._fusion_pairs()
        if not pairs:
            return rows
        from footfall.gait.fusion import fuse_steps

        out = []
        if len(rows) and "device_id" in rows.columns:
            ids = {d.info.device_id for pair in pairs.values() for d in pair}
            mine = rows["device_id"].isin(ids).to_numpy()
            out.append(rows[~mine])
            rows = rows[mine]
        else:
            out.append(rows)
        for side, (imu, insole) in pairs.items():
            held = self._held.setdefault(side, FusionHold())
            if len(rows):
                held.add(rows, imu.info.device_id, insole.info.device_id, side not in self._offsets)
            offset = self._clock_offset(side, imu, insole, held, final)
            if offset is not None and not np.isfinite(offset):
                # the two cannot be paired: separate rows, as offline
                out.extend(held.take_all())
                continue
            # one of the two stopped sending: nothing more will pair with
            # what is held, which goes on now (the steps table still merges
            # every row as offline)
            stalled = any(
                d.last_t_s is None or self.t_s - d.last_t_s > SENSOR_STALL_S for d in (imu, insole)
            )
            a, b = held.until(offset, final or stalled)
            if offset is not None and len(a) and len(b):
                out.append(fuse_steps(a, b, offset))
            else:
                out.extend([a, b])
        parts = [p for p in out if len(p)]
        if not parts:
            return _NO_ROWS
        merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        return merged.sort_values("ic_s", kind="stable").reset_index(drop=True)

    def _with_insoles(self, by_device: dict[Any, pd.DataFrame]) -> list[pd.DataFrame]:
        """The per-device step tables with each insole's merged into its side's
        foot IMU table (with the offset the live rows used), as offline."""
        from footfall.gait.fusion import fuse_steps

        tables = dict(by_device)
        for side, (imu, insole) in self._fusion_pairs().items():
            offset = self._offsets.get(side)
            a = tables.get(imu.info.device_id)
            b = tables.get(insole.info.device_id)
            if offset is None or not np.isfinite(offset) or a is None or b is None:
                continue
            tables[imu.info.device_id] = fuse_steps(a, b, offset)
            del tables[insole.info.device_id]
        return list(tables.values())

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
