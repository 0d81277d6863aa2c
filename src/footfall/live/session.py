"""A live session: sources -> crash-safe recorder and -> streaming analyser.

:class:`LiveSession` polls one or more sources, hands every event to the
:class:`~footfall.capture.recorder.Recorder` (the raw log is written before
anything is analysed, so a crash in the analysis loses no data) and to the
:class:`~footfall.stream.StreamingAnalyzer`, and calls a view every
``tick_s``. On stop it closes the recorder (which writes the recording
folder) and saves the live steps table and summary next to it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import signal
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

from footfall.devices.base import Block, DeviceInfo, Event, Source
from footfall.errors import FootfallError
from footfall.model import Placement, SensorKind

if TYPE_CHECKING:
    from footfall.capture.recorder import Recorder

__all__ = [
    "LIVE_STEPS_FILE",
    "LIVE_SUMMARY_FILE",
    "LiveSession",
    "MergedSource",
    "SessionResult",
    "SinkSource",
    "arrival_clock",
]


LIVE_STEPS_FILE = "live_steps.csv"
LIVE_SUMMARY_FILE = "live_summary.json"


class SinkSource(Source, Protocol):
    """A source that reads in a thread of its own and can hand its events to
    a sink from there (a serial port, a replay at a set speed)."""

    def set_sink(self, sink: Callable[[list[Event]], None] | None) -> bool | None:
        """Hand every event to ``sink`` as it arrives (``None``: stop); False
        when the source declines (its events then wait for :meth:`poll`)."""
        ...


def _has_sink(source: Source) -> TypeGuard[SinkSource]:
    return hasattr(source, "set_sink")


class MergedSource:
    """Several sources polled as one (e.g. one serial port per foot).

    Parameters
    ----------
    sources
        The sources; the first poll waits, the others are drained without
        waiting, so one slow port does not hold up the rest.
    """

    def __init__(self, sources: Sequence[Source]):
        self.sources = list(sources)

    def open(self) -> None:
        """Open every source; closes the opened ones if one fails."""
        opened = []
        try:
            for s in self.sources:
                s.open()
                opened.append(s)
        except BaseException:
            for s in opened:
                s.close()
            raise

    def poll(self, timeout_s: float = 0.1) -> list[Event]:
        """Events of all sources; waits at most ``timeout_s`` in total."""
        live = [s for s in self.sources if not s.finished]
        if not live:
            return []
        events: list[Event] = []
        per = timeout_s / len(live)
        for s in live:
            events.extend(s.poll(per if not events else 0.0))
        return events

    def set_sink(self, sink: Any) -> bool:
        """Hand every source's events to ``sink`` from its own reader (see
        :meth:`footfall.devices.serial_source.SerialSource.set_sink`); False,
        and nothing set, when one of the sources has no reader of its own."""
        sinking = [s for s in self.sources if _has_sink(s)]
        if len(sinking) < len(self.sources):
            return False
        for s in sinking:
            s.set_sink(sink)
        return True

    @property
    def sink_error(self) -> OSError | None:
        """The first error a source's sink raised (a full disk), or None."""
        return next((e for e in (getattr(s, "sink_error", None) for s in self.sources) if e), None)

    def close(self) -> None:
        """Close every source."""
        for s in self.sources:
            s.close()

    @property
    def finished(self) -> bool:
        """True when every source is finished."""
        return all(s.finished for s in self.sources)


def arrival_clock(source: Any) -> Callable[[Block], float] | None:
    """How to tell when a block arrived, on ``time.monotonic``: from the
    source's own receive stamp when it has one (a replay at a set speed, a
    serial port), else None (the time the poll returned)."""
    if isinstance(source, MergedSource):
        # the sources of a session share one session axis
        clocks = [arrival_clock(s) for s in source.sources]
        return clocks[0] if clocks and all(c is not None for c in clocks) else None
    due = getattr(source, "due_monotonic", None)
    if due is not None:
        if getattr(source, "speed", None) is None:
            return None
        return lambda b: due(b.received_s)
    start = getattr(source, "session_start", None)
    if start is not None:
        return lambda b: start + b.received_s
    return None


@dataclass
class SessionResult:
    """What a session left behind."""

    recording: Path | None
    steps_csv: Path | None
    summary_json: Path | None
    n_steps: int
    duration_s: float
    snapshot: dict[str, Any] = field(default_factory=dict)


def _attach_sink(source: Any, sink: Any) -> bool:
    """Give ``source`` a sink for its events, if it reads in a thread of its
    own; whether it took it."""
    fn = getattr(source, "set_sink", None)
    if fn is None:
        return False
    took = fn(sink)
    return took is not False


def _with_mount(event: Event, mount: str) -> Event:
    """A foot IMU's device info with ``mount`` in its meta when it has none."""
    if (
        isinstance(event, DeviceInfo)
        and event.kind == SensorKind.IMU
        and (event.placement or Placement.FOOT) == Placement.FOOT
        and not (event.meta or {}).get("mount")
    ):
        return dataclasses.replace(event, meta={**(event.meta or {}), "mount": mount})
    return event


class LiveSession:
    """Sources -> recorder and -> analyser, with a view callback.

    Parameters
    ----------
    source
        The source (a :class:`MergedSource` for several).
    out_dir
        Capture folder: the recorder's raw log, then the recording; the live
        steps (``live_steps.csv``) and summary (``live_summary.json``) too.
        None: analyse without recording (tests, benchmarks).
    analyzer
        A :class:`~footfall.stream.StreamingAnalyzer` (default one).
    meta
        Extra ``recording.json`` keys (condition, athlete, ...).
    mount
        How the foot IMUs sit on the shoe (a preset name or ``toes=+x``,
        :func:`footfall.model.parse_mount`), for every foot IMU whose device
        does not say: recorded with the stream and used by the analysis.
    """

    def __init__(
        self,
        source: Source,
        out_dir: str | Path | None,
        *,
        analyzer: Any | None = None,
        meta: dict[str, Any] | None = None,
        mount: str | None = None,
        outlets: Any | None = None,
    ):
        from footfall.stream import StreamingAnalyzer

        self.source = source
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.analyzer = analyzer or StreamingAnalyzer()
        self.meta = meta or {}
        self.mount = mount
        self.outlets = outlets
        self.recorder: Recorder | None = None
        self._stop = threading.Event()
        self.t_start = 0.0

    def _log(self, events: list[Event]) -> None:
        """The sink the readers write the capture log through (mountings
        added as the analysis sees them)."""
        if self.mount:
            events = [_with_mount(e, self.mount) for e in events]
        assert self.recorder is not None
        self.recorder.write(events)

    def stop(self) -> None:
        """Ask :meth:`run` to finish (safe from a signal handler or thread)."""
        self._stop.set()

    def run(
        self,
        *,
        duration_s: float | None = None,
        tick_s: float = 0.25,
        on_tick: Callable[[dict[str, Any]], None] | None = None,
        poll_s: float = 0.02,
        handle_signals: bool = True,
        on_stop: Callable[[dict[str, Any]], None] | None = None,
        build_progress: Callable[[], AbstractContextManager[Callable[[str, int, int], None] | None]]
        | None = None,
    ) -> SessionResult:
        """Run until the source is finished, :meth:`stop`, SIGINT/SIGTERM, or
        ``duration_s`` of wall time.

        Parameters
        ----------
        on_tick
            Called with the analyser's snapshot every ``tick_s``, and once
            more with the final one at the end (unless ``on_stop`` is given).
        on_stop
            Called once with the final snapshot when the capture has stopped,
            before the recording is built (a view closes itself here, so what
            follows on the terminal does not fight it).
        build_progress
            A context manager factory yielding the ``progress(device_id,
            done, total)`` callback of the final build of the recording (or
            None), entered after ``on_stop``.

        Returns
        -------
        SessionResult
        """
        old = {}
        if handle_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                old[sig] = signal.signal(sig, lambda *_: self.stop())
        arrival = None
        direct = False
        try:
            if self.out_dir is not None:
                from footfall.capture.recorder import check_out_dir

                check_out_dir(self.out_dir)  # a refused folder: nothing read from the devices
            self.source.open()  # then: a port that cannot open leaves no capture folder
            if self.out_dir is not None:
                from footfall.capture.recorder import Recorder

                self.recorder = Recorder(self.out_dir, meta=self.meta)
                # the log is written by the readers themselves where they run
                # in threads of their own (serial ports): it never waits on the
                # analysis below
                direct = _attach_sink(self.source, self._log)
            arrival = arrival_clock(self.source)
            self.t_start = time.monotonic()
            next_tick = self.t_start
            while not self._stop.is_set():
                events = self.source.poll(poll_s)
                self._profile_values()
                if events and self.mount:
                    events = [_with_mount(e, self.mount) for e in events]
                if events:
                    if self.recorder is not None and not direct:
                        self.recorder.write(events)
                    rows = self._feed(events, arrival)
                    if self.outlets is not None:
                        self.outlets.push(events)
                        self.outlets.push_steps(rows)
                err = getattr(self.source, "sink_error", None)
                if err is not None:
                    raise FootfallError(
                        f"cannot write the capture log: {err.strerror or err}",
                        path=str(self.out_dir),
                        fix="free disk space; everything written so far is kept: "
                        "footfall recover the folder",
                    )
                now = time.monotonic()
                if on_tick is not None and now >= next_tick:
                    next_tick = now + tick_s
                    on_tick(self.analyzer.snapshot())
                if self.source.finished:
                    break
                if duration_s is not None and now - self.t_start >= duration_s:
                    break
        finally:
            for sig, h in old.items():
                signal.signal(sig, h)
            self.source.close()
            self._profile_values()  # those that came in after the last poll
            if direct:
                _attach_sink(self.source, None)
            last = self.analyzer.finish()
            if self.outlets is not None:
                self.outlets.push_steps(last)
                self.outlets.close()
            try:
                if on_stop is not None:
                    on_stop(self.analyzer.snapshot())
            finally:  # the recording is built whatever the view did
                with (
                    build_progress() if build_progress is not None else contextlib.nullcontext()
                ) as progress:
                    # closing the recorder writes the recording
                    result = self._finish(progress)
        if on_tick is not None and on_stop is None:
            on_tick(result.snapshot)
        return result

    def _profile_values(self) -> None:
        """Treadmills' and foot pods' values (BLE sources, a replayed
        recording's): into the capture log, and a treadmill's belt speed and
        incline into the analysis with their time."""
        sources = self.source.sources if isinstance(self.source, MergedSource) else [self.source]
        values = []
        for s in sources:
            poll = getattr(s, "poll_profile_values", None)
            if poll is None:
                continue
            for v in poll():
                values.append(v)
                if v["profile"] == "treadmill" and (
                    v["speed_mps"] is not None or v["incline_pct"] is not None
                ):
                    self.analyzer.set_belt_speed(
                        v["speed_mps"], v["t_s"], incline_pct=v["incline_pct"]
                    )
        if values and self.recorder is not None:
            self.recorder.write_values(values)

    def _feed(self, events: list[Event], arrival: Callable[[Block], float] | None) -> Any:
        """Feed the analyser; returns the step rows that became final."""
        if arrival is None:
            return self.analyzer.feed(events)
        # split at blocks so each block's latency counts from its own arrival
        import pandas as pd

        parts = []
        start = 0
        for i, e in enumerate(events):
            if isinstance(e, Block):
                parts.append(self.analyzer.feed(events[start : i + 1], arrival_s=arrival(e)))
                start = i + 1
        if start < len(events):
            parts.append(self.analyzer.feed(events[start:]))
        parts = [p for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts or [None])[0]

    def _finish(self, progress: Callable[[str, int, int], None] | None = None) -> SessionResult:
        snap = self.analyzer.snapshot()
        steps = self.analyzer.steps()
        rec = csv = js = None
        if self.recorder is not None:
            assert self.out_dir is not None  # a recorder is made only for an out_dir
            rec = self.recorder.close(progress=progress)
            csv = self.out_dir / LIVE_STEPS_FILE
            steps.to_csv(csv, index=False)
            js = self.out_dir / LIVE_SUMMARY_FILE
            from footfall.summary import summarize, to_jsonable

            doc = {
                "summary": summarize(steps, duration_s=float(snap.get("t_s") or 0.0)),
                "flag_events": [
                    {"t_s": t, "flag": f, "on": on} for t, f, on in self.analyzer.flag_events
                ],
                "flags_at_end": self.analyzer.flags.findings() if self.analyzer.flags else [],
                "devices": snap.get("devices", {}),
                "steps_before_alignment": self.analyzer.steps_at_alignment,
            }
            js.write_text(json.dumps(to_jsonable(doc), indent=2))
        return SessionResult(rec, csv, js, len(steps), time.monotonic() - self.t_start, snap)
