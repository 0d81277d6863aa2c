"""Figures of the history: a metric's trend across sessions, and the
before/after comparison of two runs.

Same look as the coach's figures (:mod:`footfall.report.style`): left blue
circles, right vermillion squares, both feet black; labels and units from
:mod:`footfall.registry`. Matplotlib's object-oriented API only (no pyplot);
:func:`footfall.report.figures.save` writes them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from footfall.registry import metric, names
from footfall.report.style import BOTH_COLOUR, SIDE_STYLE, axis_label, new_figure, styled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from footfall.history.compare import Comparison

__all__ = ["DEFAULT_TREND_METRICS", "comparison_figure", "plain", "trend"]

DEFAULT_TREND_METRICS: tuple[str, ...] = names(live=True)
"""The metrics of a trend figure when none are named: those the live view
keeps (registry), each drawn when some session has it."""

_COLS = 3


def _panel_grid(fig: Figure, n: int) -> list[Any]:
    cols = min(_COLS, max(n, 1))
    rows = math.ceil(max(n, 1) / cols)
    axes = fig.subplots(rows, cols, squeeze=False).ravel().tolist()
    for ax in axes[n:]:
        ax.set_visible(False)
    return axes[:n]


def _no_data(fig: Figure, text: str) -> Figure:
    ax = fig.add_subplot()
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#444444")
    return fig


@styled
def trend(
    sessions: Sequence[tuple[str, Mapping[str, Any]]],
    metrics: Sequence[str] | None = None,
    *,
    title: str = "",
) -> Figure:
    """Each metric's median per session, left, right and both feet, in
    session order.

    Parameters
    ----------
    sessions
        ``(label, summary)`` pairs, oldest first; the label goes under the
        session's tick (e.g. the history id and date).
    metrics
        Summarised metric names (default :data:`DEFAULT_TREND_METRICS`, those
        some session has).
    title
        Figure title (e.g. the athlete).

    Raises
    ------
    ValueError
        A metric the run summary does not aggregate.
    """
    summarised = set(names(summarised=True))
    if metrics is not None:
        bad = [m for m in metrics if m not in summarised]
        if bad:
            raise ValueError(
                f"metrics: not summarised metrics: {', '.join(bad)} (use one of "
                f"{', '.join(sorted(summarised))})"
            )
    wanted = list(metrics) if metrics is not None else list(DEFAULT_TREND_METRICS)
    shown = [
        m
        for m in wanted
        if any((s.get("metrics") or {}).get(m, {}).get("median") is not None for _, s in sessions)
    ]
    rows = math.ceil(max(len(shown), 1) / _COLS)
    fig = new_figure(height_in=max(2.6, 2.0 * rows))
    if title:
        fig.suptitle(plain(title))
    if not shown:
        return _no_data(
            fig, "no session has a value of these metrics" if sessions else "no session saved"
        )
    x = np.arange(len(sessions))
    labels = [plain(label) for label, _ in sessions]
    cols = min(_COLS, len(shown))
    for i, (ax, name) in enumerate(zip(_panel_grid(fig, len(shown)), shown, strict=True)):
        for key, colour, marker, ls, lab in (
            (
                "left",
                SIDE_STYLE["left"].colour,
                SIDE_STYLE["left"].marker,
                SIDE_STYLE["left"].linestyle,
                SIDE_STYLE["left"].label,
            ),
            (
                "right",
                SIDE_STYLE["right"].colour,
                SIDE_STYLE["right"].marker,
                SIDE_STYLE["right"].linestyle,
                SIDE_STYLE["right"].label,
            ),
            ("median", BOTH_COLOUR, "D", ":", "Both"),
        ):
            y = np.array([_value(s, name, key) for _, s in sessions], dtype=float)
            if np.isfinite(y).any():
                ax.plot(
                    x,
                    y,
                    color=colour,
                    marker=marker,
                    linestyle=ls,
                    label=lab,
                    markersize=4 if key != "median" else 3,
                )
        ax.set_ylabel(axis_label(name))
        bottom = i + cols >= len(shown)  # no panel below: the sessions are named here
        slanted = len(x) > 3 or max(len(t) for t in labels) > 10
        ax.set_xticks(
            x,
            labels if bottom else [""] * len(x),
            rotation=35 if slanted else 0,
            ha="right" if slanted else "center",
            rotation_mode="anchor",
        )
        ax.set_xlim(-0.5, len(x) - 0.5)
    fig.axes[0].legend(loc="best")
    return fig


def plain(text: str) -> str:
    """``text`` drawn as written: a ``$`` would start matplotlib's maths
    notation, so it is escaped (names and tags are the user's text)."""
    return str(text).replace("$", r"\$")


def _value(summary: Mapping[str, Any], name: str, key: str) -> float:
    v = (summary.get("metrics") or {}).get(name, {}).get(key)
    return float(v) if v is not None else math.nan


@styled
def comparison_figure(comparison: Comparison) -> Figure:
    """One small panel per metric compared: the change from A to B with its
    interval, for both feet and each foot; a filled marker where the change
    exceeds the variability, a hollow one where it does not; the metrics
    only one run has named at the bottom."""
    shown = list(dict.fromkeys(c.metric for c in comparison.changes))
    rows = math.ceil(max(len(shown), 1) / _COLS)
    fig = new_figure(height_in=max(2.0, 1.25 * rows + 0.8))
    fig.suptitle(
        plain(
            f"{comparison.a}  \u2192  {comparison.b}: change of the median "
            f"(both feet and each foot), 95 % simultaneous intervals; filled: "
            f"beyond {comparison.variability}"
        ),
        fontsize=9,
    )
    only = [
        f"only {comparison.a}: " + ", ".join(metric(m).label for m in comparison.only_a)
        if comparison.only_a
        else "",
        f"only {comparison.b}: " + ", ".join(metric(m).label for m in comparison.only_b)
        if comparison.only_b
        else "",
    ]
    only_text = plain("; ".join(t for t in only if t))
    if only_text:
        fig.supxlabel(only_text, fontsize=7)
    if not shown:
        return _no_data(fig, "no metric is measured in both runs")
    scopes = ("both", "left", "right")
    style = {
        "both": (BOTH_COLOUR, "D"),
        "left": (SIDE_STYLE["left"].colour, SIDE_STYLE["left"].marker),
        "right": (SIDE_STYLE["right"].colour, SIDE_STYLE["right"].marker),
    }
    for ax, name in zip(_panel_grid(fig, len(shown)), shown, strict=True):
        for y, scope in enumerate(scopes):
            c = comparison.get(name, scope)
            if c is None or c.change is None:
                continue
            colour, marker = style[scope]
            if c.low is not None and c.high is not None:
                ax.plot([c.low, c.high], [y, y], color=colour, linewidth=1.5)
            ax.plot(
                [c.change],
                [y],
                marker=marker,
                color=colour,
                linestyle="none",
                markerfacecolor=colour if c.real else "white",
                markersize=5,
            )
        ax.axvline(0.0, color="#444444", linewidth=0.8)
        ax.set_yticks(range(len(scopes)), ["Both", "Left", "Right"])
        ax.set_ylim(len(scopes) - 0.5, -0.5)
        m = metric(name)
        ax.set_title(m.label, fontsize=8)
        ax.set_xlabel(f"change ({m.unit})" if m.unit else "change", fontsize=7)
    return fig
