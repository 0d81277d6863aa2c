"""The coach's figures: matplotlib figures of one analysed run.

Each figure is a public function that takes an
:class:`~footfall.pipeline.Analysis` (the figures built from the steps table
alone also take the steps table, a DataFrame or a
:class:`~footfall.table.ColumnTable`) and returns a
:class:`matplotlib.figure.Figure`. They use matplotlib's object-oriented
API only: no pyplot, no global figure, no backend chosen; :func:`save`
writes a figure as PNG or SVG (by the file's suffix) with the Agg or SVG
canvas. :data:`FIGURES` names them (``footfall plot --what NAME``) and
:func:`make` calls one by name with the keywords it takes.

========================  ==================================================
name                      figure
========================  ==================================================
``series``                :func:`metric_series`: a metric step by step over
                          the run, findings' parts of the run shaded, the
                          symptom onset marked
``onset``                 :func:`before_after_onset`: metrics before and
                          after the symptom onset, per foot
``sides``                 :func:`side_distributions`: left vs right
``stance``                :func:`stance_curves`: foot pitch, foot roll rate,
                          shank angle and insole load over 0-100 % of
                          stance, mean +- SD per foot
``pressure``              :func:`pressure_map`: the insole's cells coloured
                          by the average step's peak pressure, and the mean
                          centre-of-pressure path, per foot
``strike``                :func:`strike_distributions`: strike pattern
                          shares and foot strike angles
``drift``                 :func:`drift_per_minute`: per-minute medians and
                          the drift slope of each metric
``cadence-speed``         :func:`cadence_vs_speed`
========================  ==================================================

Style (:mod:`footfall.report.style`): left blue circles and solid lines,
right vermillion squares, dashed lines and hatching (Okabe-Ito, and apart in
grey print too); every axis label carries its unit, read from
:mod:`footfall.registry` for steps-table columns.

Time axis: minutes from the run's first initial contact, the origin the
rules use for a symptom onset (:mod:`footfall.rules.engine`), so the onset
line and a finding's "after the symptom onset" span fall where the rules
split the steps.

Missing data, one rule for all figures
--------------------------------------
A figure whose data the recording does not have (no insole, no shank IMU,
no steps, no value of a metric, no symptom onset given) is still returned:
each panel that cannot be drawn holds a centred text naming what is missing,
e.g. "no insole in this recording". :func:`missing` returns those texts (an
empty list for a complete figure), so a caller saving every figure can tell
an empty one from a drawn one. Wrong *arguments* raise ValueError naming the
problem: an unknown figure or metric name, a text column where a number is
needed, a steps table where the figure needs the recording's signals.
"""

from __future__ import annotations

import inspect
import io
import os
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from footfall.gait.stance import (
    STANCE_POINTS,
    STANCE_SIGNALS,
    StanceData,
    StanceSignal,
    imu_profiles,
    insole_profiles,
)
from footfall.io.atomic import atomic_write_bytes
from footfall.registry import metric, names
from footfall.report.style import (
    BOTH_COLOUR,
    CMAP,
    FINDING_COLOUR,
    ONSET_COLOUR,
    SIDE_STYLE,
    SIDES,
    axis_label,
    new_figure,
    styled,
    unit_label,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from footfall.gait.layouts import InsoleLayout
    from footfall.pipeline import Analysis
    from footfall.rules.engine import Finding
    from footfall.rules.symptoms import SymptomProfile

__all__ = [
    "FIGURES",
    "STANCE_POINTS",
    "STANCE_SIGNALS",
    "InsoleAverage",
    "StanceSignal",
    "before_after_onset",
    "cadence_vs_speed",
    "drift_per_minute",
    "finding_spans",
    "insole_averages",
    "make",
    "metric_series",
    "missing",
    "onset_minute",
    "pressure_map",
    "save",
    "side_distributions",
    "stance_curves",
    "stance_profiles",
    "strike_distributions",
]

MISSING_GID = "footfall-missing"
"""``gid`` of the text artist of a panel that names missing data."""

DEFAULT_METRICS: tuple[str, ...] = (
    "contact_ms",
    "cadence_spm",
    "foot_strike_angle_deg",
    "shank_angle_ic_deg",
    "pronation_velocity_dps",
    "impact_g",
    "forefoot_load_pct",
    "peak_forefoot_kpa",
)
"""Metrics of the multi-panel figures when none are named (those with values)."""

STRIKE_PATTERNS: tuple[str, ...] = ("rearfoot", "midfoot", "forefoot")


# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------


def _is_analysis(data: Any) -> bool:
    return hasattr(data, "summary") and hasattr(data, "recording") and hasattr(data, "steps")


def _steps_of(data: Any) -> Any:
    """The steps table of an Analysis, a DataFrame or a ColumnTable, as a
    DataFrame."""
    if _is_analysis(data):
        return data.steps
    from footfall.table import ColumnTable

    if isinstance(data, ColumnTable):
        return data.to_pandas()
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    raise ValueError(f"expected an Analysis or a steps table, got {type(data).__name__}")


def _need_analysis(data: Any, what: str) -> Analysis:
    if not _is_analysis(data):
        raise ValueError(
            f"the {what} need the recording's signals: pass the Analysis "
            "(footfall.analyze(...)), not a steps table"
        )
    return data


def _numeric(name: str, steps: Any) -> None:
    """ValueError unless ``name`` is a numeric steps-table column: one the
    registry knows as a number, or a number column of ``steps``."""
    from footfall.registry import METRICS

    known = METRICS.get(name)
    if known is not None:
        ok = known.dtype == "float64"
    else:
        ok = name in steps.columns and np.issubdtype(steps[name].dtype, np.number)
    if not ok:
        raise ValueError(
            f"{name!r} is not a numeric steps-table column; use one of "
            f"{', '.join(names(dtype='float64', summarised=True))}"
        )


def _values(steps: Any, name: str, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Initial contact times (s) and values of ``name`` of one foot's rows
    that have a value."""
    if name not in steps.columns or not len(steps):
        return np.zeros(0), np.zeros(0)
    rows = steps["side"].astype(str).to_numpy() == side
    t = steps["ic_s"].to_numpy(dtype=float)[rows]
    v = steps[name].to_numpy(dtype=float)[rows]
    ok = np.isfinite(t) & np.isfinite(v)
    return t[ok], v[ok]


def _origin_s(steps: Any) -> float:
    """The time axis' origin: the first initial contact (a record's time for a
    running-dynamics table), s."""
    if not len(steps):
        return 0.0
    # a steps table's initial contacts, or a running-dynamics table's record times
    t = steps["ic_s" if "ic_s" in steps.columns else "time_s"].to_numpy(dtype=float)
    t = t[np.isfinite(t)]
    return float(t.min()) if len(t) else 0.0


def _metrics_with_values(steps: Any, wanted: Sequence[str] | None) -> list[str]:
    if wanted is not None:
        for name in wanted:
            _numeric(name, steps)
        return list(wanted)
    return [
        m
        for m in DEFAULT_METRICS
        if m in steps.columns and np.isfinite(steps[m].to_numpy(dtype=float)).any()
    ]


def onset_minute(
    symptoms: SymptomProfile | Mapping[str, Any] | float | None,
    summary: Mapping[str, Any] | None = None,
) -> float | None:
    """The symptom onset in minutes from the first initial contact.

    Parameters
    ----------
    symptoms
        A :class:`~footfall.rules.symptoms.SymptomProfile`, a dict of its
        fields, a number (the onset minute itself) or None.
    summary
        The run summary: an onset given in km is turned into minutes with its
        speed, as the rules do (:func:`footfall.rules.engine.symptom_facts`).

    Returns
    -------
    float or None
        None when no onset is known.
    """
    if symptoms is None:
        return None
    if isinstance(symptoms, (int, float)) and not isinstance(symptoms, bool):
        return float(symptoms)
    from footfall.rules.engine import symptom_facts
    from footfall.rules.symptoms import SymptomProfile

    if isinstance(symptoms, SymptomProfile):
        profile = symptoms
    elif isinstance(symptoms, Mapping):
        profile = SymptomProfile.from_dict(dict(symptoms))
    else:
        raise ValueError(
            "symptoms must be a SymptomProfile, a dict of its fields or the "
            f"onset minute, not {type(symptoms).__name__}"
        )
    facts, _ = symptom_facts(profile, summary)
    onset = facts.get("onset_min")
    return float(onset) if onset is not None else None


# ---------------------------------------------------------------------------
# missing data
# ---------------------------------------------------------------------------


def _missing_panel(ax: Axes, text: str) -> None:
    """Blank ``ax`` but for a centred ``text`` naming what is missing."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(
        0.5,
        0.5,
        text,
        ha="center",
        va="center",
        transform=ax.transAxes,
        wrap=True,
        color="#444444",
        gid=MISSING_GID,
    )


def missing(fig: Figure) -> list[str]:
    """The texts of the panels of ``fig`` drawn as "missing data" panels
    (see the module docstring); empty when every panel has its data."""
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == MISSING_GID]


def _whole_missing(text: str, title: str, height_in: float = 2.0) -> Figure:
    fig = new_figure(height_in)
    ax = fig.add_subplot()
    _missing_panel(ax, text)
    ax.set_title(title)
    return fig


def _no_steps_text(steps: Any) -> str:
    return "no steps in this recording" if not len(steps) else ""


def _side_legend(fig: Figure) -> None:
    """A figure legend naming the feet by their colour and hatch, below the
    panels."""
    from matplotlib.patches import Patch

    handles = [
        Patch(
            facecolor=SIDE_STYLE[s].colour,
            edgecolor="black",
            hatch=SIDE_STYLE[s].hatch,
            label=SIDE_STYLE[s].label,
        )
        for s in SIDES
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))


# ---------------------------------------------------------------------------
# findings
# ---------------------------------------------------------------------------


def _finding_metric(fact: str) -> str:
    return fact.partition(".")[0]


def finding_spans(
    finding: Finding | Mapping[str, Any],
    steps: Any,
    *,
    onset_min: float | None = None,
    metric_name: str | None = None,
) -> list[tuple[float, float]]:
    """The parts of the run (minutes from the first initial contact) that a
    finding's sensor evidence is from.

    Each sensor evidence item that holds (restricted to those about
    ``metric_name`` when given) gives one span from its ``part``: "after the
    symptom onset" the onset to the last contact; "last third" the last
    third of the span of the contacts (as the summary's drift cuts it); the
    whole run, or a comparison with earlier sessions, the whole span.

    Parameters
    ----------
    finding
        A :class:`~footfall.rules.engine.Finding` or its ``to_dict()``.
    steps
        The steps table the finding was evaluated on.
    onset_min
        The symptom onset, minutes; when None, an onset span reads the
        minute from the part's text.
    metric_name
        Only evidence about this steps-table column.

    Returns
    -------
    list of (start_min, end_min)
        Without repeats, in the order of the evidence.
    """
    items = (
        finding.get("evidence_items") if isinstance(finding, Mapping) else finding.evidence_items
    ) or ()
    t = steps["ic_s"].to_numpy(dtype=float) if len(steps) else np.zeros(0)
    t = t[np.isfinite(t)]
    if not len(t):
        return []
    end = float((t.max() - t.min()) / 60.0)
    spans: list[tuple[float, float]] = []
    for item in items:
        if item.get("source") != "sensors" or not item.get("holds"):
            continue
        if metric_name is not None and _finding_metric(str(item.get("fact", ""))) != metric_name:
            continue
        part = str(item.get("part") or "")
        if part.startswith("after the symptom onset"):
            start = onset_min
            if start is None:
                import re

                found = re.search(r"\(([\d.]+) min\)", part)
                start = float(found.group(1)) if found else None
            if start is None:
                continue
            span = (float(start), end)
        elif part.startswith("last third"):
            span = (2.0 * end / 3.0, end)
        else:
            span = (0.0, end)
        if span not in spans:
            spans.append(span)
    return spans


def _finding_title(finding: Finding | Mapping[str, Any]) -> str:
    return str(finding.get("title") if isinstance(finding, Mapping) else finding.title)


# ---------------------------------------------------------------------------
# step-by-step figures
# ---------------------------------------------------------------------------


def _running_median(v: np.ndarray, k: int) -> np.ndarray:
    """Median of the ``k`` values centred on each; fewer at the ends (the
    window is cut there, not padded)."""
    if not len(v):
        return v
    from numpy.lib.stride_tricks import sliding_window_view

    half = k // 2
    padded = np.r_[np.full(half, np.nan), v, np.full(k - 1 - half, np.nan)]
    return np.nanmedian(sliding_window_view(padded, k), axis=1)


@styled
def metric_series(
    data: Analysis | Any,
    metric_name: str = "contact_ms",
    *,
    findings: Iterable[Finding | Mapping[str, Any]] | None = None,
    symptoms: SymptomProfile | Mapping[str, Any] | float | None = None,
    spans: Sequence[tuple[float, float]] | None = None,
    window_steps: int = 15,
) -> Figure:
    """One metric step by step over the run, per foot.

    Each foot's steps are drawn as points (its marker and colour) with their
    running median as a line. The parts of the run that findings about this
    metric rest on are shaded (:func:`finding_spans`), and the symptom onset
    is a dotted vertical line.

    Parameters
    ----------
    data
        An :class:`~footfall.pipeline.Analysis` or a steps table.
    metric_name
        A numeric steps-table column (:mod:`footfall.registry`).
    findings
        Findings of :func:`footfall.rules.evaluate`; those whose holding
        sensor evidence names ``metric_name`` are shaded.
    symptoms
        The symptom profile (or its dict, or the onset minute) for the
        onset line and onset spans.
    spans
        More spans to shade, (start, end) in minutes from the first contact.
    window_steps
        Steps in the running median.

    Returns
    -------
    matplotlib.figure.Figure
        Points of foot ``side`` carry ``gid="steps-<side>"``, running
        medians ``"median-<side>"``, shaded spans ``"span"``, the onset line
        ``"onset"``.

    Raises
    ------
    ValueError
        ``metric_name`` is not a numeric steps-table column.
    """
    steps = _steps_of(data)
    _numeric(metric_name, steps)
    summary = data.summary if _is_analysis(data) else None
    m = metric(metric_name)
    title = f"{m.label} over the run"
    fig = new_figure(3.6)
    ax = fig.add_subplot()
    ax.set_title(title)
    empty = _no_steps_text(steps)
    if (
        empty
        or metric_name not in steps.columns
        or not np.isfinite(steps[metric_name].to_numpy(dtype=float)).any()
    ):
        _missing_panel(ax, empty or f"no {m.label.lower()} in this recording")
        return fig
    t0 = _origin_s(steps)
    for side in SIDES:
        t, v = _values(steps, metric_name, side)
        if not len(t):
            continue
        st = SIDE_STYLE[side]
        order = np.argsort(t, kind="stable")
        x, y = (t[order] - t0) / 60.0, v[order]
        ax.plot(
            x,
            y,
            linestyle="none",
            marker=st.marker,
            color=st.colour,
            alpha=0.45,
            markersize=2.5,
            label=f"{st.label} steps (n={len(x)})",
            gid=f"steps-{side}",
        )
        ax.plot(
            x,
            _running_median(y, window_steps),
            color=st.colour,
            linestyle=st.linestyle,
            label=f"{st.label}, running median",
            gid=f"median-{side}",
        )
    onset = onset_minute(symptoms, summary)
    shaded: list[tuple[float, float, str]] = [(a, b, "") for a, b in (spans or ())]
    for f in findings or ():
        for a, b in finding_spans(f, steps, onset_min=onset, metric_name=metric_name):
            shaded.append((a, b, _finding_title(f)))
    labelled = False
    for a, b, title_f in shaded:
        ax.axvspan(
            a,
            b,
            color=FINDING_COLOUR,
            alpha=0.35,
            zorder=0,
            gid="span",
            label=None if labelled else "Finding's part of the run",
        )
        labelled = True
        if title_f:
            ax.text(
                (a + b) / 2.0,
                0.98,
                title_f,
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize=7,
            )
    if onset is not None:
        ax.axvline(
            onset,
            color=ONSET_COLOUR,
            linestyle=":",
            linewidth=1.5,
            gid="onset",
            label=f"Symptom onset ({onset:.0f} min)",
        )
    ax.set_xlabel("Time from the first contact (min)")
    ax.set_ylabel(axis_label(metric_name))
    handles, _ = ax.get_legend_handles_labels()
    if handles:
        fig.legend(loc="outside lower center", ncols=3)
    return fig


def _grid(n: int, per_row: int = 3) -> tuple[int, int]:
    cols = min(n, per_row)
    return -(-n // cols), cols


@styled
def before_after_onset(
    data: Analysis | Any,
    metrics: Sequence[str] | None = None,
    *,
    symptoms: SymptomProfile | Mapping[str, Any] | float | None = None,
) -> Figure:
    """Metrics before and after the symptom onset, per foot (box plots).

    The steps are split where the rules split them: at the onset minute
    after the first initial contact. One panel per metric; in each, the left
    foot's before and after boxes, then the right foot's (after boxes
    filled, before boxes hollow).

    Parameters
    ----------
    data
        An :class:`~footfall.pipeline.Analysis` or a steps table.
    metrics
        Numeric steps-table columns; default those of
        :data:`DEFAULT_METRICS` that have values.
    symptoms
        The symptom profile (or its dict, or the onset minute). Without an
        onset the figure is a "no symptom onset given" panel.

    Returns
    -------
    matplotlib.figure.Figure
        Each box patch has ``gid="<side>-before"`` or ``"<side>-after"``,
        its median line ``"median-<side>-before"`` (or ``-after``).

    Raises
    ------
    ValueError
        A named metric is not a numeric steps-table column.
    """
    steps = _steps_of(data)
    summary = data.summary if _is_analysis(data) else None
    title = "Before and after the symptom onset"
    onset = onset_minute(symptoms, summary)
    if onset is None:
        return _whole_missing("no symptom onset given (footfall symptoms, onset_min)", title)
    if _no_steps_text(steps):
        return _whole_missing(_no_steps_text(steps), title)
    chosen = _metrics_with_values(steps, metrics)
    if not chosen:
        return _whole_missing("none of the metrics has a value in this recording", title)
    rows, cols = _grid(len(chosen))
    fig = new_figure(2.2 * rows + 0.6)
    fig.suptitle(f"{title} ({onset:.0f} min)")
    t0 = _origin_s(steps)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, name in zip(axes, chosen, strict=False):
        ax.set_ylabel(axis_label(name))
        boxes, pos, gids, ticks = [], [], [], []
        for j, side in enumerate(SIDES):
            t, v = _values(steps, name, side)
            after = (t - t0) >= onset * 60.0
            for k, (part, sel) in enumerate((("before", ~after), ("after", after))):
                if sel.any():
                    boxes.append(v[sel])
                    pos.append(3 * j + k)
                    gids.append(f"{side}-{part}")
                    ticks.append(part)
        if not boxes:
            _missing_panel(ax, f"no {metric(name).label.lower()} in this recording")
            continue
        bp = ax.boxplot(boxes, positions=pos, widths=0.7, patch_artist=True, showfliers=False)
        ax.set_xticks(pos, ticks)
        for patch, gid, med in zip(bp["boxes"], gids, bp["medians"], strict=True):
            side, part = gid.split("-")
            st = SIDE_STYLE[side]
            patch.set_gid(gid)
            patch.set_edgecolor(st.colour)
            patch.set_facecolor(st.colour if part == "after" else "white")
            patch.set_alpha(0.9 if part == "after" else 1.0)
            patch.set_hatch(st.hatch)
            med.set_color("black")
            med.set_gid(f"median-{gid}")
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    _side_legend(fig)
    return fig


@styled
def side_distributions(data: Analysis | Any, metrics: Sequence[str] | None = None) -> Figure:
    """Left vs right: each metric's distribution per foot (box plots with
    the steps as points).

    Parameters
    ----------
    data
        An :class:`~footfall.pipeline.Analysis` or a steps table.
    metrics
        Numeric steps-table columns; default those of
        :data:`DEFAULT_METRICS` that have values.

    Returns
    -------
    matplotlib.figure.Figure
        Box patches carry ``gid="box-<side>"``, the points ``"steps-<side>"``.

    Raises
    ------
    ValueError
        A named metric is not a numeric steps-table column.
    """
    steps = _steps_of(data)
    title = "Left and right"
    if _no_steps_text(steps):
        return _whole_missing(_no_steps_text(steps), title)
    chosen = _metrics_with_values(steps, metrics)
    if not chosen:
        return _whole_missing("none of the metrics has a value in this recording", title)
    rows, cols = _grid(len(chosen), 4)
    fig = new_figure(2.2 * rows + 0.5)
    fig.suptitle(title)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    rng = np.random.default_rng(0)  # the points' horizontal jitter, the same each time
    for ax, name in zip(axes, chosen, strict=False):
        ax.set_ylabel(axis_label(name))
        data_s, pos, sides = [], [], []
        for j, side in enumerate(SIDES):
            _, v = _values(steps, name, side)
            if len(v):
                data_s.append(v)
                pos.append(j)
                sides.append(side)
        if not data_s:
            _missing_panel(ax, f"no {metric(name).label.lower()} in this recording")
            continue
        bp = ax.boxplot(data_s, positions=pos, widths=0.55, patch_artist=True, showfliers=False)
        ax.set_xticks(
            pos, [f"{SIDE_STYLE[s].label}\nn={len(v)}" for s, v in zip(sides, data_s, strict=True)]
        )
        for patch, med, side, v, p in zip(
            bp["boxes"], bp["medians"], sides, data_s, pos, strict=True
        ):
            st = SIDE_STYLE[side]
            patch.set_gid(f"box-{side}")
            patch.set_facecolor("white")
            patch.set_edgecolor(st.colour)
            patch.set_hatch(st.hatch)
            med.set_color(st.colour)
            jitter = p + rng.uniform(-0.18, 0.18, len(v))
            ax.plot(
                jitter,
                v,
                linestyle="none",
                marker=st.marker,
                color=st.colour,
                markersize=1.8,
                alpha=0.35,
                gid=f"steps-{side}",
            )
        ax.set_xlim(-0.6, 1.6)
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    return fig


@styled
def strike_distributions(data: Analysis | Any) -> Figure:
    """Strike pattern shares and the foot strike angle's distribution, per foot.

    Parameters
    ----------
    data
        An :class:`~footfall.pipeline.Analysis` or a steps table.

    Returns
    -------
    matplotlib.figure.Figure
        Left panel: bars of the share of each pattern (``gid="pattern-<side>"``),
        % of the foot's steps with a pattern; right panel: histograms of
        ``foot_strike_angle_deg`` (``gid="angle-<side>"``).
    """
    steps = _steps_of(data)
    fig = new_figure(3.0)
    ax_p, ax_a = fig.subplots(1, 2)
    ax_p.set_title(metric("strike_pattern").label)
    ax_a.set_title(metric("foot_strike_angle_deg").label)
    empty = _no_steps_text(steps)
    pats = (
        steps["strike_pattern"].astype(object).to_numpy()
        if "strike_pattern" in steps.columns and len(steps)
        else np.zeros(0, dtype=object)
    )
    side_col = steps["side"].astype(str).to_numpy() if len(steps) else np.zeros(0, dtype=str)
    drawn = False
    width = 0.38
    for j, side in enumerate(SIDES):
        mine = pats[side_col == side]
        mine = np.array([p for p in mine if isinstance(p, str) and p in STRIKE_PATTERNS])
        if not len(mine):
            continue
        st = SIDE_STYLE[side]
        share = [100.0 * float(np.mean(mine == p)) for p in STRIKE_PATTERNS]
        ax_p.bar(
            np.arange(3) + (j - 0.5) * width,
            share,
            width,
            color=st.colour,
            edgecolor="black",
            linewidth=0.5,
            hatch=st.hatch,
            gid=f"pattern-{side}",
            label=f"{st.label} (n={len(mine)})",
        )
        drawn = True
    if drawn:
        ax_p.set_xticks(np.arange(3), list(STRIKE_PATTERNS))
        ax_p.set_ylabel("Share of the foot's steps (%)")
        ax_p.set_xlabel(metric("strike_pattern").label)
        ax_p.set_ylim(0, 100)
        ax_p.legend()
    else:
        _missing_panel(ax_p, empty or "no strike pattern in this recording")
    angles = {s: _values(steps, "foot_strike_angle_deg", s)[1] for s in SIDES}
    both = np.concatenate(list(angles.values()))
    if len(both):
        bins = np.histogram_bin_edges(both, bins=min(30, max(5, len(both) // 10)))
        for side in SIDES:
            v = angles[side]
            if not len(v):
                continue
            st = SIDE_STYLE[side]
            ax_a.hist(
                v,
                bins=bins,
                histtype="step",
                color=st.colour,
                linestyle=st.linestyle,
                linewidth=1.5,
                hatch=st.hatch,
                gid=f"angle-{side}",
                label=f"{st.label} (n={len(v)})",
            )
        ax_a.set_xlabel(axis_label("foot_strike_angle_deg"))
        ax_a.set_ylabel("Steps (count)")
        ax_a.legend()
    else:
        _missing_panel(
            ax_a, empty or "no foot strike angle in this recording (it needs a foot IMU)"
        )
    return fig


@styled
def cadence_vs_speed(data: Analysis | Any) -> Figure:
    """Cadence against speed, one point per step, per foot.

    Parameters
    ----------
    data
        An :class:`~footfall.pipeline.Analysis` or a steps table.

    Returns
    -------
    matplotlib.figure.Figure
        Points of foot ``side`` carry ``gid="steps-<side>"``.
    """
    steps = _steps_of(data)
    fig = new_figure(3.4, 4.2)
    ax = fig.add_subplot()
    ax.set_title(f"{metric('cadence_spm').label} and {metric('speed_mps').label.lower()}")
    drawn = 0
    for side in SIDES:
        if not len(steps) or "speed_mps" not in steps.columns:
            break
        rows = steps["side"].astype(str).to_numpy() == side
        x = steps["speed_mps"].to_numpy(dtype=float)[rows]
        y = steps["cadence_spm"].to_numpy(dtype=float)[rows]
        ok = np.isfinite(x) & np.isfinite(y)
        if not ok.any():
            continue
        st = SIDE_STYLE[side]
        ax.plot(
            x[ok],
            y[ok],
            linestyle="none",
            marker=st.marker,
            color=st.colour,
            alpha=0.5,
            markersize=3,
            gid=f"steps-{side}",
            label=f"{st.label} (n={int(ok.sum())})",
        )
        drawn += 1
    if not drawn:
        _missing_panel(
            ax, _no_steps_text(steps) or "no step with both a cadence and a speed in this recording"
        )
        return fig
    ax.set_xlabel(axis_label("speed_mps"))
    ax.set_ylabel(axis_label("cadence_spm"))
    ax.legend()
    return fig


@styled
def drift_per_minute(data: Analysis | Any, metrics: Sequence[str] | None = None) -> Figure:
    """Per-minute medians of each metric over the run, with the drift slope.

    Points are the summary's windows (``summary["windows"]``: medians of
    both feet's steps in each minute, drawn at the window's middle); the
    line has the summary's drift slope (``summary["drift"][metric]
    ["per_minute"]``, Theil-Sen over the steps) through the median of the
    window medians, and the panel title gives the slope.

    Parameters
    ----------
    data
        An :class:`~footfall.pipeline.Analysis`, or a steps table (then it is
        summarised with :func:`footfall.summary.summarize`).
    metrics
        Numeric steps-table columns; default those of
        :data:`DEFAULT_METRICS` the windows hold.

    Returns
    -------
    matplotlib.figure.Figure
        Window medians carry ``gid="windows"``, slope lines ``"slope"``.

    Raises
    ------
    ValueError
        A named metric is not a numeric steps-table column.
    """
    steps = _steps_of(data)
    if _is_analysis(data):
        summary = data.summary
    else:
        from footfall.summary import summarize

        t = steps["ic_s"].to_numpy(dtype=float) if len(steps) else np.zeros(0)
        span = float(np.nanmax(t) - np.nanmin(t)) if np.isfinite(t).any() else 0.0
        summary = summarize(steps, duration_s=span)
    title = "Per minute"
    windows = summary.get("windows") or []
    if not windows:
        return _whole_missing(
            _no_steps_text(steps) or "no whole minute of steps in this recording", title
        )
    if metrics is not None:
        for name in metrics:
            _numeric(name, steps)
        chosen = list(metrics)
    else:
        chosen = [
            m
            for m in DEFAULT_METRICS
            if any(np.isfinite(float(w[m])) for w in windows if w.get(m) is not None)
        ]
    if not chosen:
        return _whole_missing("none of the metrics has per-minute medians", title)
    rows, cols = _grid(len(chosen))
    fig = new_figure(2.1 * rows + 0.5)
    fig.suptitle(f"{title}: medians of both feet, and drift")
    fig.supxlabel("Time from the first contact (min)", fontsize=9)
    t0 = _origin_s(steps)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    drift = summary.get("drift") or {}
    for ax, name in zip(axes, chosen, strict=False):
        m = metric(name)
        pts = [
            ((0.5 * (w["start_s"] + w["end_s"]) - t0) / 60.0, float(w[name]))
            for w in windows
            if w.get(name) is not None and np.isfinite(float(w[name]))
        ]
        if not pts:
            _missing_panel(ax, f"no per-minute {m.label.lower()}")
            continue
        x, y = np.array(pts).T
        ax.plot(x, y, marker="o", color=BOTH_COLOUR, linestyle="-", linewidth=0.8, gid="windows")
        slope = (drift.get(name) or {}).get("per_minute")
        if slope is not None and np.isfinite(slope):
            xm, ym = float(np.median(x)), float(np.median(y))
            xs = np.array([x.min(), x.max()])
            ax.plot(xs, ym + slope * (xs - xm), color="#009E73", linestyle="--", gid="slope")
            per = f"{m.unit}/min" if m.unit else "per min"
            ax.set_title(f"drift {slope:+.2g} {per}", fontsize=8)
        else:
            ax.set_title("no drift (too few steps)", fontsize=8)
        ax.set_ylabel(axis_label(name))
    for ax in axes[len(chosen) :]:
        ax.set_visible(False)
    return fig


# ---------------------------------------------------------------------------
# signals: stance curves and the pressure map
# ---------------------------------------------------------------------------


_CACHE: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _cached(analysis: Analysis, key: str, build: Callable[[], Any]) -> Any:
    """``build()``, kept with ``analysis`` while it lives (the stance curves
    and the pressure map of an Analysis without its stance data analyse the
    same streams again)."""
    try:
        store = _CACHE.setdefault(analysis, {})
    except TypeError:  # not weak-referenceable
        return build()
    if key not in store:
        store[key] = build()
    return store[key]


def _reanalysed(analysis: Analysis) -> dict[str, Any]:
    """Every stance of each stream of the recording, analysed again (the
    pipeline's own chain on the same samples): ``{"profiles": {signal:
    {side: (k, 101)}}, "stance": StanceData}``."""

    def build() -> dict[str, Any]:
        from footfall.gait.imu import analyze_imu_stream
        from footfall.gait.pressure import analyze_insole_stream
        from footfall.model import SensorKind

        rec = analysis.recording
        profiles: dict[str, dict[str, np.ndarray]] = {s.name: {} for s in STANCE_SIGNALS}
        data = StanceData()
        for stream in rec.streams:
            side = stream.side.value
            if side not in SIDES:
                continue
            if stream.kind == SensorKind.INSOLE:
                try:
                    res = analyze_insole_stream(stream)
                except ValueError:
                    res = None  # the analysis reported it already (a RecordingError)
                data.add_insole(stream, res)
                parts = insole_profiles(stream, res) if res is not None else None
                if parts is not None and side not in profiles["insole_load"]:
                    profiles["insole_load"][side] = parts["load_bw"]
                continue
            if stream.kind != SensorKind.IMU:
                continue
            imu = analyze_imu_stream(stream, condition=rec.condition)
            data.add_imu(stream, imu)
            for name, arr in imu_profiles(stream, imu).items():
                if side not in profiles[name]:
                    profiles[name][side] = arr
        return {"profiles": profiles, "stance": data}

    return dict(_cached(analysis, "reanalysed", build))


def _stance_data(analysis: Analysis) -> StanceData:
    """What the stance figures draw from: kept by :func:`footfall.analyze`
    (:attr:`~footfall.pipeline.Analysis.stance`), else the recording
    analysed again."""
    kept = getattr(analysis, "stance", None)
    if isinstance(kept, StanceData):
        return kept
    data: StanceData = _reanalysed(analysis)["stance"]
    return data


def stance_profiles(analysis: Analysis) -> dict[str, dict[str, np.ndarray]]:
    """Every whole stance of each signal of :data:`STANCE_SIGNALS`, resampled
    to :data:`STANCE_POINTS` points from initial contact (0 %) to toe-off
    (100 %).

    The Analysis keeps only each curve's mean and SD
    (:class:`~footfall.gait.stance.StanceData`, what :func:`stance_curves`
    draws); for every stance, the recording's streams are read and analysed
    again (:func:`footfall.gait.imu.analyze_imu_stream`, the pipeline's own
    chain, on the same samples) and kept with ``analysis`` while it lives. A
    stance runs from a stride's initial contact to the toe-off that ends
    that contact; insole stances are the insole analysis' contacts
    (:func:`footfall.gait.pressure.analyze_insole_stream`).

    Parameters
    ----------
    analysis
        The :class:`~footfall.pipeline.Analysis` of a recording.

    Returns
    -------
    dict
        ``{signal name: {side: (k, 101) array}}``; a side without the
        sensor (or without a whole stance) is absent.

    Raises
    ------
    ValueError
        ``analysis`` is a steps table.
    """
    return dict(_reanalysed(_need_analysis(analysis, "stance curves"))["profiles"])


@styled
def stance_curves(analysis: Analysis) -> Figure:
    """Foot pitch, foot roll rate, shank angle and insole load over stance,
    mean +- SD per foot (:func:`stance_profiles`).

    Parameters
    ----------
    analysis
        The :class:`~footfall.pipeline.Analysis` of a recording.

    Returns
    -------
    matplotlib.figure.Figure
        2 x 2 panels in the order of :data:`STANCE_SIGNALS`; the mean line of
        signal ``s`` and foot ``side`` has ``gid="<s>-<side>"`` and 101
        points, its SD band ``"<s>-<side>-sd"``. A panel whose sensor the
        recording lacks says so ("no shank IMU in this recording").

    Raises
    ------
    ValueError
        ``analysis`` is a steps table.
    """
    data = _stance_data(_need_analysis(analysis, "stance curves"))
    fig = new_figure(4.8)
    fig.suptitle("Over stance: mean and SD of every stance, per foot")
    axes = fig.subplots(2, 2).ravel()
    pct = np.linspace(0.0, 100.0, STANCE_POINTS)
    for ax, s in zip(axes, STANCE_SIGNALS, strict=True):
        ax.set_title(s.label)
        curves = data.curves[s.name]
        if not curves:
            what = (
                f"no {s.sensor} in this recording"
                if not data.has[s.sensor]
                else f"no whole stance found in the {s.sensor} data"
            )
            _missing_panel(ax, what)
            continue
        for side in SIDES:
            if side not in curves:
                continue
            c = curves[side]
            st = SIDE_STYLE[side]
            mean, sd = c.mean, c.sd
            ax.fill_between(
                pct,
                mean - sd,
                mean + sd,
                color=st.colour,
                alpha=0.2,
                hatch=st.hatch,
                linewidth=0,
                gid=f"{s.name}-{side}-sd",
            )
            ax.plot(
                pct,
                mean,
                color=st.colour,
                linestyle=st.linestyle,
                gid=f"{s.name}-{side}",
                label=f"{st.label} (n={c.n})",
            )
        ax.set_xlabel("Stance (%)")
        ax.set_ylabel(unit_label(s.label.split(",")[0], s.unit))
        ax.set_xlim(0, 100)
        ax.legend()
    return fig


@dataclass(frozen=True)
class InsoleAverage:
    """The average step of one insole.

    Attributes
    ----------
    layout
        The insole's cell layout.
    peaks_kpa
        (k, c): each valid contact's peak pressure of each cell, kPa (offsets
        removed, as the steps table's peak columns).
    mean_peak_kpa
        (c,): the mean over contacts, the value the map shows.
    cop_pct
        (101, 2): the mean centre-of-pressure path over stance, % of the
        insole length from the heel and % of its width medial; NaN without
        a path.
    length_m, width_m
        The insole's size from its metadata, or None.
    """

    layout: InsoleLayout
    peaks_kpa: np.ndarray
    mean_peak_kpa: np.ndarray
    cop_pct: np.ndarray
    length_m: float | None
    width_m: float | None


def _mean_cop(cop_paths: Any, side: str) -> np.ndarray:
    out = np.full((STANCE_POINTS, 2), np.nan)
    if cop_paths is None or not len(cop_paths):
        return out
    import pandas as pd

    mine = cop_paths[cop_paths["side"].astype(str) == side]
    frac = np.linspace(0.0, 1.0, STANCE_POINTS)
    # the steps' samples (one step: one ic_s), steps in order of appearance
    # and each step's samples in their order, as a groupby would give them;
    # NumPy slices rather than a pandas group per step (an hour: 10 000 steps)
    codes, _ = pd.factorize(mine["ic_s"].to_numpy(dtype=float), sort=False)
    t_all = mine["time_s"].to_numpy(dtype=float)
    xy_all = mine[["cop_x_pct", "cop_m_pct"]].to_numpy(dtype=float)
    keep = (codes >= 0) & np.isfinite(t_all) & np.isfinite(xy_all).all(axis=1)
    order = np.argsort(codes[keep], kind="stable")
    codes, t_all, xy_all = codes[keep][order], t_all[keep][order], xy_all[keep][order]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    paths = []
    for a, b in zip(starts, np.r_[starts[1:], len(codes)].astype(int), strict=True):
        t, xy = t_all[a:b], xy_all[a:b]
        if len(t) < 2 or t[-1] <= t[0]:
            continue
        tt = t[0] + frac * (t[-1] - t[0])
        paths.append(np.column_stack([np.interp(tt, t, xy[:, 0]), np.interp(tt, t, xy[:, 1])]))
    return np.mean(paths, axis=0) if paths else out


def insole_averages(analysis: Analysis) -> dict[str, InsoleAverage]:
    """The average step of each insole (:class:`InsoleAverage`), by side;
    empty without insoles.

    Raises
    ------
    ValueError
        ``analysis`` is a steps table.
    """
    data = _stance_data(_need_analysis(analysis, "insole pressure map"))
    return {
        side: InsoleAverage(
            ins.layout,
            ins.peaks_kpa,
            ins.peaks_kpa.mean(axis=0),
            _mean_cop(analysis.cop_paths, side),
            ins.length_m,
            ins.width_m,
        )
        for side, ins in data.insoles.items()
    }


DEFAULT_WIDTH_TO_LENGTH = 0.37
"""Insole width over length when the recording does not give them (an adult
running shoe's insole, about 10 by 27 cm)."""


def _outline() -> tuple[np.ndarray, np.ndarray]:
    """An insole's outline: (x % of the length from the heel, m % of the width
    medial), a schematic foot shape (round heel, narrow midfoot on the
    lateral side's arch, wide forefoot, the big toe side longer)."""
    x = np.linspace(0.0, 1.0, 60)
    # half-widths (fraction of the width) medial and lateral along the length
    med = np.interp(
        x,
        [0, 0.03, 0.12, 0.3, 0.45, 0.62, 0.72, 0.85, 0.95, 1.0],
        [0.0, 0.24, 0.33, 0.30, 0.26, 0.45, 0.50, 0.44, 0.28, 0.0],
    )
    lat = np.interp(
        x,
        [0, 0.03, 0.12, 0.3, 0.45, 0.62, 0.72, 0.85, 0.93, 0.97],
        [0.0, 0.24, 0.33, 0.36, 0.40, 0.45, 0.46, 0.38, 0.20, 0.0],
    )
    lat = np.where(x > 0.97, 0.0, lat)
    xs = np.r_[x, x[::-1]]
    ms = np.r_[med, -lat[::-1]]
    return 100.0 * xs, 100.0 * ms


@styled
def pressure_map(analysis: Analysis) -> Figure:
    """The insole pressure map of the average step, per foot.

    Each cell of the insole's layout is a disc coloured by its mean (over
    the valid contacts) peak pressure in stance, kPa, on one colour scale
    for both feet (:data:`~footfall.report.style.CMAP`); the insole's
    outline is drawn round them and the mean centre-of-pressure path over
    stance on top (heel to toe, white line with black edge). The feet are
    seen from above, toes up: a left foot's medial side on the right.

    Parameters
    ----------
    analysis
        The :class:`~footfall.pipeline.Analysis` of a recording.

    Returns
    -------
    matplotlib.figure.Figure
        Per foot a :class:`~matplotlib.collections.PatchCollection` of one
        patch per cell (``gid="cells-<side>"``, its array the kPa values),
        the outline (``"outline-<side>"``) and the COP path
        (``"cop-<side>"``). Without insoles, a "no insole in this recording"
        panel.

    Raises
    ------
    ValueError
        ``analysis`` is a steps table.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.colors import Normalize
    from matplotlib.patches import Ellipse, Polygon

    avg = insole_averages(analysis)
    title = "The average step"
    if not avg:
        has = _stance_data(analysis).has["insole"]
        return _whole_missing(
            "no insole in this recording"
            if not has
            else "no foot contact found in the insole data",
            title,
        )
    fig = new_figure(4.6, 5.2)
    fig.suptitle(f"{title}: peak pressure per cell, COP path")
    axes = fig.subplots(1, 2)
    top = max(float(np.nanmax(a.mean_peak_kpa)) for a in avg.values())
    norm = Normalize(0.0, top if top > 0 else 1.0)
    coll = None
    for ax, side in zip(axes, SIDES, strict=True):
        ax.set_title(SIDE_STYLE[side].label)
        if side not in avg:
            _missing_panel(ax, f"no {side} insole in this recording")
            continue
        a = avg[side]
        ratio = a.width_m / a.length_m if a.width_m and a.length_m else DEFAULT_WIDTH_TO_LENGTH
        # seen from above, toes up: screen x is m on a left foot, -m on a right
        flip = 1.0 if side == "left" else -1.0
        ox, om = _outline()
        ax.add_patch(
            Polygon(
                np.column_stack([flip * om, ox]),
                closed=True,
                fill=False,
                edgecolor="black",
                linewidth=1.2,
                gid=f"outline-{side}",
            )
        )
        cells = a.layout.cells
        areas = a.layout.areas_cm2
        # discs: the cell's area when known (insole's size from the metadata,
        # else 27 cm long), else a common size
        if areas is not None:
            length_cm = 100.0 * (a.length_m or 0.27)
            r_len = np.sqrt(np.asarray(areas, dtype=float) / np.pi) / length_cm * 100.0
        else:
            r_len = np.full(len(cells), 4.0)
        patches = [
            Ellipse((flip * 100.0 * m, 100.0 * x), 2.0 * r / ratio, 2.0 * r)
            for (x, m), r in zip(cells, r_len, strict=True)
        ]
        coll = PatchCollection(
            patches, cmap=CMAP, norm=norm, edgecolor="black", linewidth=0.4, gid=f"cells-{side}"
        )
        coll.set_array(a.mean_peak_kpa)
        ax.add_collection(coll)
        cop = a.cop_pct
        if np.isfinite(cop).all():
            ax.plot(
                flip * cop[:, 1], cop[:, 0], color="white", linewidth=3.0, solid_capstyle="round"
            )
            ax.plot(
                flip * cop[:, 1],
                cop[:, 0],
                color="black",
                linewidth=1.2,
                linestyle=SIDE_STYLE[side].linestyle,
                gid=f"cop-{side}",
                label="Mean COP path",
            )
            ax.plot(flip * cop[0, 1], cop[0, 0], marker="o", color="black", markersize=3)
        ax.set_xlim(-60, 60)
        ax.set_ylim(-3, 103)
        ax.set_aspect(1.0 / ratio)  # one % of the length is 1/ratio % of the width
        ax.grid(False)
        ax.set_xlabel("Across (% of width, medial " + ("right)" if side == "left" else "left)"))
        ax.set_ylabel("Along, from the heel (% of length)")
        ax.text(0.02, 0.01, f"{len(a.peaks_kpa)} steps", transform=ax.transAxes, fontsize=7)
    if coll is not None:
        cb = fig.colorbar(coll, ax=list(axes), shrink=0.8)
        cb.set_label(unit_label("Mean peak pressure", metric("peak_forefoot_kpa").unit))
    return fig


# ---------------------------------------------------------------------------
# names and saving
# ---------------------------------------------------------------------------


FIGURES: dict[str, Callable[..., Figure]] = {
    "series": metric_series,
    "onset": before_after_onset,
    "sides": side_distributions,
    "stance": stance_curves,
    "pressure": pressure_map,
    "strike": strike_distributions,
    "drift": drift_per_minute,
    "cadence-speed": cadence_vs_speed,
}
"""Every figure by name (``footfall plot --what NAME``)."""

PER_STEP_FIGURES = frozenset(
    {"series", "onset", "sides", "stance", "pressure", "strike", "cadence-speed"}
)
"""Figures drawn from per-foot step rows (or the signals behind them)."""

RECORDS_MISSING = (
    "a watch's or foot pod's records (e.g. a FIT file) have one row per record, "
    "not per foot step: this figure needs foot IMUs or insoles"
)
"""What a per-step figure of a running-dynamics table says instead."""


def _records_only(data: Any) -> bool:
    """Whether ``data`` is a running-dynamics table (one row per record)."""
    if _is_analysis(data):
        return bool((data.summary or {}).get("running_dynamics"))
    steps = _steps_of(data)
    return "ic_s" not in steps.columns and "time_s" in steps.columns


def make(name: str, analysis: Analysis | Any, **options: Any) -> Figure:
    """Figure ``name`` of :data:`FIGURES` for ``analysis``, given those of
    ``options`` its function takes (e.g. ``findings``, ``symptoms``) and
    no others, so one call site can build every figure.

    Raises
    ------
    ValueError
        Unknown name (the message lists the known ones).
    """
    func = FIGURES.get(name)
    if func is None:
        raise ValueError(f"unknown figure {name!r}; known: {', '.join(FIGURES)}")
    if name in PER_STEP_FIGURES and _records_only(analysis):
        return _whole_missing(RECORDS_MISSING, name)
    params = inspect.signature(func).parameters
    return func(analysis, **{k: v for k, v in options.items() if k in params})


SAVE_FORMATS = {".png": "png", ".svg": "svg"}


def save(fig: Figure, path: str | os.PathLike[str], *, dpi: float | None = None) -> Path:
    """Write ``fig`` to ``path`` as PNG or SVG, by the path's suffix.

    The file is rendered in memory (Agg or SVG canvas), then written to a
    temporary file beside ``path`` and renamed over it, so a failure leaves
    no half-written figure.

    Parameters
    ----------
    fig
        A figure of this module (any :class:`matplotlib.figure.Figure`).
    path
        Destination ending in ``.png`` or ``.svg``.
    dpi
        PNG resolution; default footfall's (150).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        Another suffix.
    OSError
        The folder cannot be written.
    """
    dest = Path(path)
    fmt = SAVE_FORMATS.get(dest.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"{dest}: a figure is saved as .png or .svg, not "
            f"{dest.suffix or 'a file without a suffix'!r}"
        )
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    canvas = FigureCanvasAgg(fig) if fmt == "png" else FigureCanvasSVG(fig)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "savefig.dpi": 150}):
        canvas.print_figure(buf, format=fmt, dpi=dpi)
    atomic_write_bytes(dest, buf.getvalue())
    return dest
