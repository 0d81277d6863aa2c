"""The one-call pipeline: recording -> steps table -> run summary.

``footfall.analyze(recording)`` is what most users call. It is built from the
public step functions of :mod:`footfall.gait` and :mod:`footfall.summary`, which
researchers can call one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from footfall.model import Recording, SensorKind, conform_steps, empty_steps


@dataclass
class Analysis:
    """Result of :func:`analyze`.

    Attributes
    ----------
    steps
        The steps table (one row per foot contact, CONTRACTS.md section 2).
    summary
        The run summary (CONTRACTS.md section 3) as a JSON-ready dict.
    notes
        Plain-language remarks about the analysis: streams with no gait and why,
        gaps in the data, low-confidence alignment, ignored streams.
    streams
        Per-stream details (alignment found, number of strides, ...), keyed by
        stream name.
    """

    recording: Recording
    steps: pd.DataFrame
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    streams: dict[str, dict[str, Any]] = field(default_factory=dict)


def analyze(recording: Recording | str | Path, **read_options: Any) -> Analysis:
    """Analyse a recording: gait events and per-step metrics for every foot or
    shank IMU, then the run summary.

    Parameters
    ----------
    recording
        A :class:`~footfall.model.Recording`, or a path to a recording folder or
        a single stream file (then ``read_options`` are passed to
        :func:`footfall.io.read_recording`, e.g. ``side="left", acc_unit="g"``).

    Returns
    -------
    Analysis
        Steps table, summary and notes. A recording with no gait gives an
        empty steps table and a note saying why; it never raises for that.
    """
    from footfall.gait.imu import analyze_imu_stream
    from footfall.summary import summarize

    if not isinstance(recording, Recording):
        from footfall.io import read_recording

        recording = read_recording(recording, **read_options)

    condition = recording.condition
    tables: list[pd.DataFrame] = []
    notes: list[str] = []
    details: dict[str, dict[str, Any]] = {}
    for stream in recording.streams:
        label = stream.name or f"{stream.side} {stream.placement} {stream.kind}"
        if stream.kind != SensorKind.IMU:
            notes.append(f"{label}: {stream.kind} streams are not analysed yet; ignored.")
            continue
        result = analyze_imu_stream(stream, condition=condition)
        details[label] = result.info
        notes.extend(f"{label}: {n}" for n in result.notes)
        if len(result.steps):
            tables.append(result.steps)

    non_empty = [t for t in tables if len(t)]
    steps = conform_steps(pd.concat(non_empty, ignore_index=True)) if non_empty else empty_steps()
    summary = summarize(steps, duration_s=recording.duration_s)
    if not recording.select(kind=SensorKind.IMU):
        notes.append("no IMU stream in this recording: nothing to analyse.")
    return Analysis(recording=recording, steps=steps, summary=summary, notes=notes,
                    streams=details)
