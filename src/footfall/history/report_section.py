"""The comparison of two runs as a section of the coach's report
(``footfall report RUN --compare OTHER``): what
:meth:`footfall.history.compare.Comparison.report_section` gives
:func:`footfall.report.html.render_report`.

Each change cell carries every field of its
:class:`~footfall.history.compare.Change` as ``data-`` attributes (numbers
exact, as ``repr``), so the page holds the comparison's numbers, not only
their rounded text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from footfall.history.compare import Comparison

__all__ = ["change_cell", "comparison_section", "data_value"]


def data_value(value: Any) -> str:
    """A value as a ``data-`` attribute: a number exact (``repr``),
    ``true``/``false``, empty for None, text as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def change_cell(change: Any, decimals: int) -> dict[str, Any]:
    """One scope's change: its text (``*`` beyond the variability) and every
    field of the :class:`~footfall.history.compare.Change` as ``data-``
    attributes."""
    from footfall.report.terminal import format_value

    if change is None:
        return {"text": "-", "real": False, "data": {}}
    text = "-" if change.change is None else format_value(change.change, decimals, sign=True)
    if change.real:
        text += " *"
    data = {k.replace("_", "-"): data_value(v) for k, v in change.to_dict().items()}
    return {"text": text, "real": bool(change.real), "data": data}


def comparison_section(
    comparison: Comparison, *, fmt: str = "png", dpi: float | None = None
) -> dict[str, Any]:
    """The comparison section's content: one row per metric compared, the
    changes beyond the variability as sentences, the metrics only one run
    has, the method, and the comparison figure (drawn as the report's
    figures are, at its resolution unless ``dpi`` is given)."""
    from footfall.history.compare_cli import method_note, real_change_lines
    from footfall.history.figures import comparison_figure
    from footfall.registry import metric
    from footfall.report.html import CSS_PX_PER_INCH, FIGURE_DPI, ReportFigure, figure_data_uri
    from footfall.report.terminal import format_value

    rows = []
    for name in dict.fromkeys(c.metric for c in comparison.changes):
        m = metric(name)
        d = m.decimals
        both = comparison.get(name, "both")
        interval = (
            f"{format_value(both.low, d, sign=True)} .. {format_value(both.high, d, sign=True)}"
            if both is not None and both.low is not None and both.high is not None
            else "-"
        )
        rows.append(
            {
                "metric": name,
                "label": m.label,
                "unit": m.unit,
                "a": format_value(both.median_a if both else None, d),
                "b": format_value(both.median_b if both else None, d),
                "both": change_cell(both, d),
                "pct": format_value(both.change_pct, 1, sign=True)
                if both is not None and both.change_pct is not None
                else "-",
                "interval": interval,
                "beyond": "-"
                if both is None or both.real is None
                else "yes"
                if both.real
                else "no",
                "left": change_cell(comparison.get(name, "left"), d),
                "right": change_cell(comparison.get(name, "right"), d),
            }
        )
    fig = comparison_figure(comparison)
    w_in, h_in = fig.get_size_inches()
    figure = ReportFigure(
        "comparison",
        "Change of each metric, with its interval",
        figure_data_uri(fig, fmt=fmt, dpi=FIGURE_DPI if dpi is None else dpi),
        (),
        round(w_in * CSS_PX_PER_INCH),
        round(h_in * CSS_PX_PER_INCH),
    )
    return {
        "a": comparison.a,
        "b": comparison.b,
        "rows": rows,
        "real": real_change_lines(comparison),
        "only_a": [metric(n).label for n in comparison.only_a],
        "only_b": [metric(n).label for n in comparison.only_b],
        "method": method_note(comparison) if comparison.changes else "",
        "variability": comparison.variability,
        "per": "minute" if comparison.unit == "minute" else "step",
        "figure": figure,
    }
