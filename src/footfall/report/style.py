"""One look for every footfall figure: colours, markers, fonts, sizes.

The left and right feet have the Okabe-Ito colour-blind-safe pair (blue
``#0072B2`` and vermillion ``#D55E00``; Okabe & Ito 2008, "Color Universal
Design") and, so that a grey print still tells them apart, their own marker,
line style and hatch. Cell pressures use ``viridis`` (perceptually uniform,
readable by the common colour-vision deficiencies, monotonic in grey).
Axis labels come from :mod:`footfall.registry` (label and unit of each
steps-table column) through :func:`axis_label`.

Nothing here touches matplotlib's global state: :func:`new_figure` builds a
:class:`matplotlib.figure.Figure` directly (no pyplot, no backend chosen at
import), and the rc settings of :data:`RC` apply only inside
:func:`styled` (:func:`matplotlib.rc_context`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from footfall.registry import metric

__all__ = [
    "BOTH_COLOUR",
    "CMAP",
    "FINDING_COLOUR",
    "ONSET_COLOUR",
    "RC",
    "SIDES",
    "SIDE_STYLE",
    "SideStyle",
    "axis_label",
    "new_figure",
    "styled",
    "unit_label",
]


@dataclass(frozen=True)
class SideStyle:
    """How one foot is drawn."""

    colour: str
    marker: str
    linestyle: str
    hatch: str
    label: str


SIDES: tuple[str, ...] = ("left", "right")
"""The feet, in the order they are drawn."""

SIDE_STYLE: dict[str, SideStyle] = {
    "left": SideStyle("#0072B2", "o", "-", "", "Left"),
    "right": SideStyle("#D55E00", "s", "--", "///", "Right"),
}
"""Okabe-Ito blue for the left foot, vermillion for the right; circles and
solid lines left, squares, dashes and hatching right."""

BOTH_COLOUR = "#000000"
"""Both feet together (e.g. the summary's per-minute medians)."""

FINDING_COLOUR = "#F0E442"
"""Okabe-Ito yellow: the part of the run a finding's evidence is from."""

ONSET_COLOUR = "#000000"
"""The symptom onset line (dotted)."""

CMAP = "viridis"
"""Colour map of cell pressures."""

RC: dict[str, Any] = {
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.labelsize": 9.0,
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "axes.grid": True,
    "axes.formatter.useoffset": False,
    "grid.color": "#d0d0d0",
    "grid.linewidth": 0.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.5,
    "lines.markersize": 3.5,
    "savefig.dpi": 150,
    "figure.dpi": 100,
    "svg.fonttype": "none",
}
"""rc settings of every figure: sizes that read on a screen and on an A4
print at the figure sizes used (about 17 cm wide)."""

FIG_WIDTH_IN = 6.7
"""Figure width, inches (17 cm: an A4 page's text width)."""

_F = TypeVar("_F", bound=Callable[..., Any])


def styled(func: _F) -> _F:
    """Run ``func`` (a function building a figure) inside
    :func:`matplotlib.rc_context` with :data:`RC`, so the figure gets
    footfall's style and the caller's rc settings are left as they were."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import matplotlib

        with matplotlib.rc_context(RC):  # type: ignore[arg-type]
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(height_in: float = 3.6, width_in: float = FIG_WIDTH_IN) -> Any:
    """A :class:`matplotlib.figure.Figure` of footfall's width, laid out
    with the constrained layout; no pyplot, no global figure manager."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), layout="constrained")


def unit_label(label: str, unit: str) -> str:
    """``"Contact time (ms)"``; the label alone without a unit."""
    return f"{label} ({unit})" if unit else label


def axis_label(name: str) -> str:
    """The axis label of steps-table column ``name``: its registry label and
    unit, e.g. ``"Contact time (ms)"``."""
    m = metric(name)
    return unit_label(m.label, m.unit)
