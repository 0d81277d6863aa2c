"""The one-call pipeline: recording -> steps table -> run summary.

``footfall.analyze(recording)`` is what most users call. It is built from the
public step functions of :mod:`footfall.gait` and :mod:`footfall.summary`, which
researchers can call one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from footfall.model import (
    Condition,
    Placement,
    Recording,
    SensorKind,
    Stream,
    Surface,
    conform_steps,
    empty_step_columns,
    empty_steps,
)
from footfall.table import ColumnTable

if TYPE_CHECKING:
    import pandas as pd

    from footfall.gait.belt import BeltSchedule
    from footfall.gait.stance import StanceData
    from footfall.io.fit import FitRecording
    from footfall.rules.engine import Finding
    from footfall.rules.ruleset import RuleSet
    from footfall.rules.symptoms import SymptomProfile
    from footfall.summary import NotEvaluated, RunSummary

__all__ = [
    "Analysis",
    "analyze",
]


class Analysis:
    """Result of :func:`analyze`.

    Attributes
    ----------
    recording
        The recording analysed. When :func:`analyze` was given a path, its
        streams were read and let go of one at a time: ``recording.streams``
        reads the files again the first time it is asked for (``meta``,
        ``source`` and ``duration_s`` need no reading).
    steps
        The steps table (one row per foot contact, CONTRACTS.md section 2), a
        pandas DataFrame. The analysis of foot IMUs keeps it as NumPy columns
        (:attr:`table`) and builds the DataFrame the first time it is asked
        for, so that a caller who needs only the summary never loads pandas.
    table
        The same steps table as it was built: a
        :class:`~footfall.table.ColumnTable` or a DataFrame.
    summary
        The run summary (CONTRACTS.md section 3) as a JSON-ready dict, its
        ``findings`` those of :attr:`findings`.
    findings
        What the rules found (:func:`footfall.rules.evaluate`): likely
        contributors to numbness and red flags, red flags first; empty when
        nothing stands out.
    notes
        Plain-language remarks about the analysis: streams with no gait and why,
        gaps in the data, low-confidence alignment, ignored streams.
    streams
        Per-stream details (alignment found, number of strides, ...), keyed by
        stream name.
    cop_paths
        Insole centre of pressure of every stance sample, for plots (columns
        ``side``, ``ic_s`` of the step, ``time_s``, ``cop_x_pct`` from the
        heel, ``cop_m_pct`` medial; times on the steps table's clock); None
        without insoles.
    stance
        What the report's stance curves and pressure map need of the
        analysed signals (:class:`~footfall.gait.stance.StanceData`: per
        foot the mean and SD of each stance-normalised curve, each insole
        contact's cell peaks), kept while each stream was analysed so the
        figures neither read nor analyse the recording again; None when the
        Analysis was built without it.
    """

    def __init__(
        self,
        recording: Recording,
        steps: pd.DataFrame | ColumnTable,
        summary: RunSummary,
        notes: list[str] | None = None,
        streams: dict[str, dict[str, Any]] | None = None,
        cop_paths: pd.DataFrame | None = None,
        findings: list[Finding] | None = None,
        stance: StanceData | None = None,
    ):
        self.recording = recording
        self.findings = list(findings) if findings is not None else []
        self.table = steps
        self.summary = summary
        self.notes = list(notes) if notes is not None else []
        self.streams = dict(streams) if streams is not None else {}
        self.cop_paths = cop_paths
        self.stance = stance
        self._steps_df: pd.DataFrame | None = None

    @property
    def steps(self) -> pd.DataFrame:
        if self._steps_df is None:
            t = self.table
            self._steps_df = t.to_pandas() if isinstance(t, ColumnTable) else t
        return self._steps_df

    @steps.setter
    def steps(self, df: pd.DataFrame) -> None:
        self.table = self._steps_df = df

    def __repr__(self) -> str:
        return (
            f"Analysis({len(self.table)} steps, {len(self.notes)} notes, "
            f"source={getattr(self.recording, 'source', '')!r})"
        )


def analyze(
    recording: Recording | FitRecording | str | Path,
    *,
    symptoms: SymptomProfile | Mapping[str, Any] | str | Path | None = None,
    rules: RuleSet | str | Path | None = None,
    history: Sequence[Mapping[str, Any]] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    **read_options: Any,
) -> Analysis:
    """Analyse a recording: gait events and per-step metrics for every sensor,
    the run summary, then the findings of the rules with the runner's symptoms.

    Parameters
    ----------
    recording
        A :class:`~footfall.model.Recording`, or a path to a recording folder or
        a single stream file (then ``read_options`` are passed to
        :func:`footfall.io.read_recording`, e.g. ``side="left", acc_unit="g"``).
        A folder is read one stream at a time, each let go of once analysed,
        so that a long recording is never in memory all at once; the files
        are checked in the same order, with the same errors, as by reading
        the recording first. A FIT file's path, or a
        :class:`~footfall.io.fit.FitRecording` (a running-dynamics table, e.g.
        read with a profile of kind ``records``, :mod:`footfall.io.mapping`),
        is summarised as running dynamics.
    symptoms
        The runner's symptom profile: a
        :class:`~footfall.rules.symptoms.SymptomProfile`, a dict of its
        fields, or the path of a ``.toml``/``.json`` profile
        (``footfall symptoms`` writes one); None: the sensors alone.
    rules
        A :class:`~footfall.rules.ruleset.RuleSet`, or the path of a rules
        file whose entries override the shipped rules; None: the shipped rules.
    history
        Summaries of the runner's earlier sessions (their ``summary`` dicts):
        the baseline of the rules' ``vs_baseline_pct`` checks.
    progress
        Called as ``progress(stream_label, done, total)`` before each stream
        is analysed (``done`` streams are finished), for a progress bar on
        long recordings; None: nothing.

    Returns
    -------
    Analysis
        Steps table, summary, findings and notes. A recording with no gait
        gives an empty steps table and a note saying why; it never raises
        for that.

    Raises
    ------
    FootfallError
        A file that cannot be read (recording, symptoms or rules); a
        symptom profile with an unknown field or a bad value. The symptoms
        and rules are read before the recording.
    """
    from footfall.rules.engine import evaluate, findings_json, not_evaluated
    from footfall.rules.ruleset import RuleSet, load_rules
    from footfall.rules.symptoms import load_symptoms

    if isinstance(symptoms, (str, Path)):
        symptoms = load_symptoms(symptoms)
    ruleset = rules if isinstance(rules, RuleSet) else load_rules(overrides=rules)
    if isinstance(recording, (str, Path)) and _is_fit(Path(recording)):
        return _analyze_fit(Path(recording), read_options, symptoms, ruleset, history)
    from footfall.io.fit import FitRecording

    if isinstance(recording, FitRecording):  # a running-dynamics table read with a profile
        return _analyze_records(recording, {}, symptoms, ruleset, history)
    from footfall._memory import hand_back_freed_memory
    from footfall.gait.imu import analyze_imu_stream
    from footfall.gait.stance import StanceData
    from footfall.summary import summarize

    slots: Iterable[tuple[str, tuple[str, str, str], Callable[[], Stream]]]
    if isinstance(recording, Recording):
        slots = [
            (s.name, (s.kind.value, s.side.value, s.placement.value), _given(s))
            for s in recording.streams
        ]
        sensors = [sensor for _, sensor, _ in slots]
        condition = recording.condition
    else:
        # a path: each stream is read when its turn comes and let go of once
        # analysed, so that a long recording is never in memory all at once
        from footfall.io.canonical import open_recording

        opened = open_recording(recording, **read_options)
        slots = (
            (slot.name, (slot.kind, slot.side, slot.placement), slot.read)
            for slot in opened.slots()
        )
        sensors = opened.sensors
        condition = Recording([], meta=opened.meta).condition
    # a treadmill's belt speeds over the run (profile_values.csv), read before any stream
    belt = _belt_schedule(recording if isinstance(recording, Recording) else opened, condition)
    tables: list[ColumnTable] = []
    notes: list[str] = []
    details: dict[str, dict[str, Any]] = {}
    insoles: list[_InsoleDone] = []
    clocks: dict[str, Any] = {}
    stance = StanceData()
    legs: dict[tuple[str, str], tuple[Any, int, str, Any]] = {}
    # sides with a foot IMU and a shank IMU: only their analysed signals are
    # kept past their stream (rearfoot eversion needs both)
    imu_at = {(side, plc) for kind, side, plc in sensors if kind == SensorKind.IMU.value}
    both = {
        side
        for side, plc in imu_at
        if plc == Placement.FOOT.value and (side, Placement.SHANK.value) in imu_at
    }
    total = len(sensors)
    first_s, last_s = np.inf, -np.inf
    for done, (name, (kind, side, placement), read) in enumerate(slots, start=1):
        if progress is not None:
            progress(name or f"{side} {placement} {kind}", done - 1, total)
        stream = read()
        label = stream.name or f"{stream.side} {stream.placement} {stream.kind}"
        if len(stream):
            first_s = min(first_s, float(stream.time_s[0]))
            last_s = max(last_s, float(stream.time_s[-1]))
        if stream.kind == SensorKind.INSOLE:
            # analysed now, while its samples are in memory; merged with the
            # foot IMU of its side once every IMU is analysed
            insoles.append(_analyze_insole(stream, label, stance))
            del stream
            hand_back_freed_memory()
            continue
        if stream.placement == Placement.FOOT:
            clocks[stream.side.value] = stream.meta.get("clock")
        result = analyze_imu_stream(stream, condition=condition, belt=belt)
        stance.add_imu(stream, result)
        result.trajectories = None  # read for the stance curves only
        details[label] = result.info
        notes.extend(f"{label}: {n}" for n in result.notes)
        if len(result.table):
            key = (stream.side.value, stream.placement.value)
            if stream.side.value in both and key not in legs:
                legs[key] = (result, len(tables), label, stream.meta.get("clock"))
            tables.append(result.table)
        del result, stream  # neither is held while the next stream is read and analysed
        hand_back_freed_memory()  # this stream's temporaries: the next one's file and arrays
    _with_rearfoot_eversion(legs, tables, notes, details)
    legs.clear()

    steps: pd.DataFrame | ColumnTable
    cop_paths = None
    if insoles or any(_is_shank(t) for t in tables):
        # merging sensors of one foot works on DataFrames
        import pandas as pd

        frames = [t.to_pandas() for t in tables]
        frames, cop_paths = _with_insoles(insoles, frames, notes, details, clocks)
        from footfall.gait.fusion import shank_into_foot_rows

        frames = shank_into_foot_rows(frames, notes)
        non_empty = [t for t in frames if len(t)]
        steps = (
            conform_steps(pd.concat(non_empty, ignore_index=True)) if non_empty else empty_steps()
        )
    else:
        # foot IMUs alone: NumPy columns throughout, no pandas
        steps = conform_steps(ColumnTable.concat(tables)) if tables else empty_step_columns()
    if isinstance(recording, Recording):
        duration_s = recording.duration_s
        analysed = recording
    else:
        duration_s = float(last_s - first_s) if np.isfinite(first_s) else 0.0
        from footfall.io.canonical import RereadRecording

        analysed = RereadRecording(
            recording, read_options, meta=opened.meta, source=opened.source, duration_s=duration_s
        )
    summary = summarize(steps, duration_s=duration_s)
    if not total:
        notes.append("no stream in this recording: nothing to analyse.")
    findings = evaluate(summary, steps, symptoms=symptoms, history=history, rules=ruleset)
    summary["findings"] = findings_json(findings)
    summary["not_evaluated"] = cast("list[NotEvaluated]", not_evaluated(summary, ruleset))
    return Analysis(
        recording=analysed,
        steps=steps,
        summary=summary,
        notes=notes,
        streams=details,
        cop_paths=cop_paths,
        findings=findings,
        stance=stance,
    )


def _belt_schedule(recording: Any, condition: Condition) -> BeltSchedule | None:
    """On a treadmill, the belt speeds the treadmill sent over the run
    (:func:`footfall.io.profile_values.read_treadmill_values`), or None."""
    if condition.surface != Surface.TREADMILL:
        return None
    from footfall.gait.belt import BeltSchedule
    from footfall.io.profile_values import read_treadmill_values

    values = read_treadmill_values(recording.meta, recording.source)
    return None if values is None else BeltSchedule(*values)


def _given(stream: Stream) -> Callable[[], Stream]:
    """The reader of a stream already in memory: it hands ``stream`` over."""
    return lambda: stream


class _InsoleDone:
    """An insole stream analysed, waiting to be merged with its foot IMU:
    what the merge needs of the stream, and the analysis (or the layout
    problem it raised, reported when the insoles are merged, in their order)."""

    def __init__(self, label: str, side: str, clock: Any, result: Any, error: ValueError | None):
        self.label, self.side, self.clock = label, side, clock
        self.result, self.error = result, error


def _analyze_insole(stream: Any, label: str, stance: StanceData) -> _InsoleDone:
    from footfall.gait.pressure import analyze_insole_stream

    try:
        result, error = analyze_insole_stream(stream), None
    except ValueError as exc:
        result, error = None, exc
    stance.add_insole(stream, result)
    if result is not None:
        result.signals = None  # read for the stance curves and pressure map only
    return _InsoleDone(label, stream.side.value, stream.meta.get("clock"), result, error)


def _with_rearfoot_eversion(
    legs: dict[tuple[str, str], tuple[Any, int, str, Any]],
    tables: list[ColumnTable],
    notes: list[str],
    details: dict[str, dict[str, Any]],
) -> None:
    """Add rearfoot eversion (:mod:`footfall.gait.ankle`) to the rows of
    each foot IMU whose leg also has a shank IMU (in place)."""
    for side in ("left", "right"):
        foot = legs.get((side, Placement.FOOT.value))
        shank = legs.get((side, Placement.SHANK.value))
        if foot is None or shank is None:
            continue
        from footfall.gait.ankle import eversion_for_leg

        (f_res, i, label, f_clock), (s_res, _, _, s_clock) = foot, shank
        cols, fit, note = eversion_for_leg(
            f_res, s_res, side, same_clock=f_clock is not None and f_clock == s_clock
        )
        if note:
            notes.append(note)
        if fit is not None:
            details[label]["rearfoot_eversion"] = {
                "fit_residual_mps2": round(fit.fit_residual_mps2, 2),
                "shank_clock_offset_ms": round(1000 * fit.clock_offset_s, 2),
                "shank_clock_drift_ppm": round(1e6 * fit.clock_drift, 1),
                "sensor_from_ankle_foot_m": np.round(fit.r_foot_m, 3).tolist(),
                "sensor_from_ankle_shank_m": np.round(fit.r_shank_m, 3).tolist(),
                "shank_heading_deg": (
                    round(float(np.nanmedian(fit.heading_deg)), 1)
                    if np.isfinite(fit.heading_deg).any()
                    else None
                ),
            }
        tables[i] = ColumnTable({**dict(tables[i].items()), **cols})


def _is_shank(table: ColumnTable) -> bool:
    from footfall.gait.definitions import from_shank

    return (
        "source" in table
        and bool(len(table))
        and bool(from_shank(np.asarray(table["source"][:1])).all())
    )


def _with_insoles(
    insoles: list[_InsoleDone],
    tables: list[pd.DataFrame],
    notes: list[str],
    details: dict[str, dict[str, Any]],
    imu_clocks: dict[str, Any] | None = None,
) -> tuple[list[pd.DataFrame], pd.DataFrame | None]:
    """Analyse the insole streams and merge each with the foot IMU of its side
    (one row per contact; footfall.gait.fusion).

    The insole's clock offset to the IMU is found from the events, unless
    both streams name the same ``clock`` in their metadata (one device, one
    time base, e.g. an insole and its built-in IMU): then it is zero."""
    imu_clocks = imu_clocks or {}
    if not insoles:
        return tables, None
    import pandas as pd

    from footfall.errors import RecordingError
    from footfall.gait.fusion import clock_offset, fuse_steps, shift_steps

    tables = list(tables)
    cops: list[pd.DataFrame] = []
    for done in insoles:
        label, exc = done.label, done.error
        if exc is not None:
            raise RecordingError(
                f"insole stream {label!r}: {exc}.",
                fix="pass --layout moticon16 or sim16 for a single insole "
                'file; in recording.json, give the stream a "layout" '
                'or its cells as "cells_xy"',
            ) from exc
        result = done.result
        details[label] = result.info
        notes.extend(f"{label}: {n}" for n in result.notes)
        if not len(result.steps):
            continue
        side = done.side
        foot = [
            i
            for i, t in enumerate(tables)
            if len(t) and "source" in t.columns and (t["source"] == f"{side}_foot_imu").all()
        ]
        offset = 0.0
        if len(foot) == 1:
            imu = tables[foot[0]]
            clock = done.clock
            if clock is not None and clock == imu_clocks.get(side):
                offset, n_pairs = 0.0, 0
                result.info["clock_shared"] = True
            else:
                offset, n_pairs = clock_offset(
                    imu["ic_s"].to_numpy(),
                    result.steps["ic_s"].to_numpy(),
                    imu["to_s"].to_numpy(),
                    result.steps["to_s"].to_numpy(),
                )
            result.info["clock_offset_s"] = offset
            result.info["clock_offset_pairs"] = n_pairs
            if np.isfinite(offset):
                tables[foot[0]] = fuse_steps(imu, result.steps, offset)
            else:
                offset = 0.0
                notes.append(
                    f"{label}: its contacts could not be paired with the {side} foot "
                    "IMU's; the two are reported as separate rows"
                )
                tables.append(result.steps)
        else:
            tables.append(result.steps)
        if result.cop_paths is not None and len(result.cop_paths):
            cops.append(
                shift_steps(result.cop_paths, offset).assign(
                    time_s=lambda d, o=offset: d["time_s"] + o
                )
            )
    cop_paths = pd.concat(cops, ignore_index=True) if cops else None
    return tables, cop_paths


FIT_CANNOT_GIVE = (
    "a FIT file holds running dynamics, one row per record, not per step: there is no "
    "foot strike, foot roll (pronation), impact, braking, plantar pressure or per-foot "
    "value in it (of the two feet, only the balance of contact time); the rules that "
    "need those are listed as not checked"
)
"""The note every FIT analysis carries."""


def _is_fit(path: Path) -> bool:
    from footfall.io.fit import is_fit_file

    return path.suffix.lower() == ".fit" or (path.is_file() and is_fit_file(path))


def _fact_base(fact: str) -> str:
    """The steps-table column a rule's sensor fact is computed from."""
    if fact.startswith("strike."):
        return "strike_pattern"
    if fact.startswith("contact_balance"):
        return "contact_balance_left_pct"
    return fact.partition(".")[0]


def _absent_rules(
    ruleset: RuleSet, present: Iterable[str], listed: Iterable[str], where: str = "a FIT file"
) -> list[dict[str, str]]:
    """The rules with sensor checks none of whose facts the data has
    (``present``: the columns with values), each ``{"id", "title",
    "reason"}``; those already ``listed`` left out."""
    from footfall.summary import absent_reason

    have, skip = set(present), set(listed)
    out = []
    for r in ruleset.rules:
        if not r.enabled or r.sensors is None or r.id in skip:
            continue
        bases = [_fact_base(c.fact) for c in r.sensors.checks if not c.guard]
        if not bases or any(b in have for b in bases):
            continue
        out.append({"id": r.id, "title": r.title, "reason": absent_reason(bases, where)})
    return out


def _analyze_fit(
    path: Path,
    read_options: Mapping[str, Any],
    symptoms: Any,
    ruleset: RuleSet,
    history: Sequence[Mapping[str, Any]] | None,
) -> Analysis:
    """:func:`analyze` of a FIT activity file (footfall.io.fit): its records
    as a running-dynamics table, summarised, and the rules that need only
    what it holds."""
    from footfall.errors import RecordingError
    from footfall.io.fit import read_fit

    condition = {k: read_options[k] for k in ("surface", "speed_mps") if read_options.get(k)}
    given = [k for k, v in read_options.items() if v is not None and k not in condition]
    if given:
        names = ", ".join("--" + k.replace("_", "-") for k in given)
        raise RecordingError(
            f"the options {names} are for a single CSV or Parquet stream file, but this is "
            "a FIT file, which names its own fields and units.",
            path=str(path),
            fix=f"leave out {names}.",
        )
    return _analyze_records(read_fit(path), condition, symptoms, ruleset, history)


RECORDS_CANNOT_GIVE = (
    "a running-dynamics table holds a watch's or foot pod's results, one row per record, "
    "not per step: there is no foot strike, foot roll (pronation), impact, braking, plantar "
    "pressure or per-foot value in it (of the two feet, only the balance of contact time); "
    "the rules that need those are listed as not checked"
)
"""The note every analysis of a running-dynamics table other than a FIT file carries."""


def _analyze_records(
    fit: Any,
    condition: Mapping[str, Any],
    symptoms: Any,
    ruleset: RuleSet,
    history: Sequence[Mapping[str, Any]] | None,
) -> Analysis:
    """:func:`analyze` of running dynamics (a
    :class:`~footfall.io.fit.FitRecording`: a FIT file's records, or a table
    read with a profile of kind ``records``, ``meta["format"]`` "records")."""
    from footfall.rules.engine import evaluate, findings_json, not_evaluated
    from footfall.summary import summarize_running_dynamics

    is_fit = fit.meta.get("format") == "fit"
    table = ColumnTable(fit.columns, n_rows=len(fit))
    summary = summarize_running_dynamics(fit.columns, fit.duration_s, laps=fit.meta["laps"])
    rd = summary["running_dynamics"]
    rd["source"] = "fit" if is_fit else "table"
    for key in ("device", "sport", "pauses", "gaps", "developer_fields", "truncated"):
        rd[key] = fit.meta[key]
    rd["session"] = {"device": fit.meta["session"]}
    notes = list(fit.notes) + [FIT_CANNOT_GIVE if is_fit else RECORDS_CANNOT_GIVE]
    findings = evaluate(summary, None, symptoms=symptoms, history=history, rules=ruleset)
    summary["findings"] = findings_json(findings)
    listed = not_evaluated(summary, ruleset)
    present = [c for c, v in fit.columns.items() if bool(np.isfinite(v).any())]
    where = "a FIT file" if is_fit else "a running-dynamics table"
    summary["not_evaluated"] = cast(
        "list[NotEvaluated]",
        listed + _absent_rules(ruleset, present, [n["id"] for n in listed], where),
    )
    meta = {k: v for k, v in fit.meta.items() if k not in ("laps", "session")}
    if condition:
        meta["condition"] = condition
    return Analysis(
        recording=Recording([], meta=meta, source=fit.source),
        steps=table,
        summary=summary,
        notes=notes,
        streams={Path(fit.source).name: {"kind": "running_dynamics", "n_records": len(fit)}},
        findings=findings,
    )
