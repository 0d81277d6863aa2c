"""The coach's report: one self-contained HTML file of an analysed run.

:func:`render_report` returns the page as text, :func:`write_report` writes
it atomically. The page holds the run summary, the findings (red flags first,
set apart, each with its evidence, why and what to try), the runner's
symptoms when given, the per-side metrics and drift, the figures of
:mod:`footfall.report.figures`, the steps table as a download (a CSV in a
ZIP file, :func:`report_steps_zip`), and the recording's metadata and data
quality (gaps, dropped data, saturation, alignment, insole clock pairing,
the analysis notes).

Self-contained: the figures are PNG ``data:`` URIs, the stylesheet is inlined
and the steps table is a ``data:`` link (``<a download>``); the page has no
script and names no other file or address, so it opens offline, from an
e-mail attachment, and prints (a print stylesheet drops the download link
and keeps figures whole on a page).

Untrusted text (athlete names, notes, file and device names, metadata) goes
through Jinja2 with autoescape on, so it is shown as text and never becomes
markup.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from footfall.io.atomic import atomic_write_bytes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from footfall.pipeline import Analysis
    from footfall.rules.symptoms import SymptomProfile

__all__ = [
    "CSS_PX_PER_INCH",
    "FIGURE_DPI",
    "ReportFigure",
    "ReportSection",
    "STEPS_EXTRA_DECIMALS",
    "figure_data_uri",
    "report_figures",
    "report_steps_csv",
    "report_steps_zip",
    "render_report",
    "steps_csv",
    "write_report",
]

FIGURE_DPI = 120
"""Resolution of the report's PNG figures. Each is shown at its size in
inches (96 CSS pixels an inch), so 120 dpi stays sharp on a screen and on
paper at a fraction of the bytes of the 150 dpi of ``footfall plot``
(bench/bench_report.py measures the report's size)."""

CSS_PX_PER_INCH = 96

STEPS_EXTRA_DECIMALS = 2
"""The report's steps table keeps each metric to this many places more than
footfall shows it (:attr:`footfall.registry.Metric.decimals`: contact time
to 0.01 ms, times to 10 us, angles to 0.001 deg), far finer than any sensor
resolves; a full-precision CSV of an hour does not fit the page's 5 MB even
compressed (bench/bench_report.py). ``footfall analyze --steps`` writes every
digit."""

STEPS_CSV_NAME = "steps.csv"
STEPS_ZIP_NAME = "steps.zip"

RED_FLAG_ADVICE = (
    "Bring this report to a doctor or physiotherapist: these signs need a "
    "professional's examination, whatever the sensors show."
)

FIGURE_TITLES: dict[str, str] = {
    "series": "Contact time step by step",
    "onset": "Before and after the symptom onset",
    "sides": "Left vs right",
    "stance": "Over the stance phase",
    "pressure": "Insole pressure of the average step",
    "strike": "Foot strike",
    "drift": "Change minute by minute",
    "cadence-speed": "Cadence and speed",
}
"""Headings of the figures in the report, by their name in
:data:`footfall.report.figures.FIGURES`."""


class ReportSection(Protocol):
    """Something that gives the report a section: a comparison of two runs
    (:class:`footfall.history.compare.Comparison`) gives its own, so the
    report does not reach into the history."""

    def report_section(self, *, fmt: str, dpi: float) -> Mapping[str, Any]:
        """The section's content for the template (``comparison`` block)."""
        ...


@dataclass(frozen=True)
class ReportFigure:
    """One figure of the report."""

    name: str
    title: str
    uri: str | None
    """``data:image/png;base64,...``; None when the recording has none of the
    figure's data."""
    missing: tuple[str, ...]
    """What the figure's panels lack ("no insole in this recording")."""
    width_px: int = 0
    height_px: int = 0
    """The figure's size in CSS pixels (its size in inches at 96 a inch)."""


# ---------------------------------------------------------------------------
# pieces
# ---------------------------------------------------------------------------


def figure_data_uri(fig: Figure, *, fmt: str = "png", dpi: float = FIGURE_DPI) -> str:
    """``fig`` rendered in memory as a ``data:`` URI (PNG or SVG)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    if fmt not in ("png", "svg"):
        raise ValueError(f"a report figure is png or svg, not {fmt!r}")
    canvas = FigureCanvasAgg(fig) if fmt == "png" else FigureCanvasSVG(fig)
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path"}):
        canvas.print_figure(buf, format=fmt, dpi=dpi)
    mime = "image/png" if fmt == "png" else "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def _all_panels_missing(fig: Figure) -> bool:
    from footfall.report.figures import MISSING_GID

    axes = [ax for ax in fig.axes if ax.get_visible()]
    return bool(axes) and all(any(t.get_gid() == MISSING_GID for t in ax.texts) for ax in axes)


def report_figures(
    analysis: Analysis,
    *,
    symptoms: Any = None,
    fmt: str = "png",
    dpi: float = FIGURE_DPI,
    names: Sequence[str] | None = None,
) -> list[ReportFigure]:
    """Every figure of :data:`~footfall.report.figures.FIGURES` (or those
    ``names``) for ``analysis``: rendered when at least one of its panels has
    data, else only the texts naming what is missing."""
    from footfall.report.figures import FIGURES, make, missing

    out = []
    for name in names if names is not None else FIGURES:
        fig = make(name, analysis, findings=analysis.findings, symptoms=symptoms)
        lacks = tuple(missing(fig))
        uri = None if _all_panels_missing(fig) else figure_data_uri(fig, fmt=fmt, dpi=dpi)
        w_in, h_in = fig.get_size_inches()
        out.append(
            ReportFigure(
                name,
                FIGURE_TITLES.get(name, name),
                uri,
                lacks,
                round(w_in * CSS_PX_PER_INCH),
                round(h_in * CSS_PX_PER_INCH),
            )
        )
        del fig
    return out


def steps_csv(analysis: Analysis) -> str:
    """The steps table as CSV, as ``footfall analyze --steps`` writes it."""
    return str(analysis.steps.to_csv(index=False, lineterminator="\n"))


def report_steps_csv(analysis: Analysis) -> str:
    """The steps table as the report embeds it: every row and column of
    :func:`steps_csv`, each metric the registry knows rounded to
    :data:`STEPS_EXTRA_DECIMALS` places more than footfall shows it (other
    columns as they are)."""
    from footfall.registry import METRICS

    steps = analysis.steps
    rounded = {
        name: steps[name].round(METRICS[name].decimals + STEPS_EXTRA_DECIMALS)
        for name in steps.columns
        if name in METRICS
        and METRICS[name].dtype == "float64"
        and np.issubdtype(steps[name].dtype, np.floating)
    }
    table = steps.assign(**rounded) if rounded else steps
    return str(table.to_csv(index=False, lineterminator="\n"))


def report_steps_zip(analysis: Analysis) -> bytes:
    """:func:`report_steps_csv` as ``steps.csv`` in a ZIP file (a double
    click opens it on Windows and macOS), deflated at the fastest level: less
    than half the CSV's bytes (bench/bench_report.py prints both). The
    file's date is fixed, so the same analysis gives the same bytes."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        info = zipfile.ZipInfo(STEPS_CSV_NAME, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, report_steps_csv(analysis).encode("utf-8"), compresslevel=1)
    return buf.getvalue()


def _steps_example() -> str:
    from footfall.registry import metric

    m = metric("contact_ms")
    return f"contact time to {10.0 ** -(m.decimals + STEPS_EXTRA_DECIMALS):g} {m.unit}"


def _zip_uri(data: bytes) -> str:
    return "data:application/zip;base64," + base64.b64encode(data).decode("ascii")


# ---------------------------------------------------------------------------
# the page's content (plain dicts and strings; the template escapes them)
# ---------------------------------------------------------------------------


def _profile(symptoms: Any) -> SymptomProfile | None:
    if symptoms is None:
        return None
    from footfall.rules.symptoms import SymptomProfile, load_symptoms

    if isinstance(symptoms, SymptomProfile):
        return symptoms
    if isinstance(symptoms, Mapping):
        return SymptomProfile.from_dict(dict(symptoms))
    if isinstance(symptoms, (str, os.PathLike)):
        return load_symptoms(symptoms)
    raise ValueError(
        "symptoms must be a SymptomProfile, a dict of its fields or the path "
        f"of a profile, not {type(symptoms).__name__}"
    )


def _symptom_rows(profile: SymptomProfile | None) -> list[tuple[str, str]]:
    if profile is None:
        return []
    from footfall.rules.symptoms import FIELD_LABELS, LOCATION_LABELS

    rows = []
    for key, value in profile.answered().items():
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif key == "locations":
            shown = ", ".join(LOCATION_LABELS.get(v, str(v)) for v in value)
        elif isinstance(value, list):
            shown = ", ".join(map(str, value))
        else:
            shown = f"{value:g}" if isinstance(value, float) else str(value)
        rows.append((FIELD_LABELS.get(key, key), shown))
    return rows


def _athlete_name(meta: Mapping[str, Any], given: str | None) -> str:
    if given:
        return given
    athlete = meta.get("athlete")
    if isinstance(athlete, Mapping):
        for key in ("name", "id"):
            if athlete.get(key):
                return str(athlete[key])
        return ""
    return str(athlete) if athlete else ""


def _finding(f: Mapping[str, Any]) -> dict[str, Any]:
    severity = str(f.get("severity") or "")
    side = f.get("side")
    tags = [
        f"{severity} severity" if severity else "",
        f"{f['confidence']} confidence" if f.get("confidence") else "",
        f"{side} foot" if side in ("left", "right") else ("both feet" if side == "both" else ""),
        str(f["part_of_run"]) if f.get("part_of_run") else "",
        f"link: {f['evidence_strength']}" if f.get("evidence_strength") else "",
    ]
    items = [i.get("text") or "" for i in f.get("evidence_items") or [] if i.get("holds", True)]
    return {
        "id": str(f.get("id", "")),
        "title": str(f.get("title") or f.get("id") or "finding"),
        "red": f.get("kind") == "red-flag",
        "severity": severity,
        "tags": [t for t in tags if t],
        "evidence": [t for t in items if t] or ([str(f["evidence"])] if f.get("evidence") else []),
        "explanation": str(f.get("explanation") or ""),
        "strength_text": str(f.get("evidence_strength_text") or ""),
        "suggestions": [str(s) for s in f.get("suggestions") or []],
        "sources": [str(s) for s in f.get("sources") or []],
    }


def _metric_rows(metrics: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    from footfall.report.terminal import asymmetry_text, format_value, metric_format

    rows = []
    for name, entry in metrics.items():
        fmt = metric_format(name)
        d = fmt.decimals
        rows.append(
            {
                "label": fmt.label,
                "unit": fmt.unit,
                "left": format_value(entry.get("left"), d),
                "right": format_value(entry.get("right"), d),
                "both": format_value(entry.get("median"), d),
                "higher": asymmetry_text(entry, name).plain,
                "n": str(entry.get("n", "")),
            }
        )
    return rows


def _drift_rows(drift: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    from footfall.report.terminal import format_value, metric_format

    rows = []
    for name, entry in drift.items():
        fmt = metric_format(name)
        d = fmt.decimals
        change = format_value(entry.get("change"), d, sign=True)
        pct = entry.get("change_pct")
        if pct is not None and change != "-" and float(change) != 0:
            change += f" ({format_value(pct, 1, sign=True)} %)"
        rows.append(
            {
                "label": fmt.label,
                "unit": fmt.unit,
                "first": format_value(entry.get("first_third"), d),
                "last": format_value(entry.get("last_third"), d),
                "change": change,
                "per_min": format_value(entry.get("per_minute"), d + 2, sign=True),
            }
        )
    return rows


def _strike_rows(strike: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, str]]:
    from footfall.report.terminal import format_value

    rows = []
    for side in ("left", "right"):
        shares = strike.get(side)
        if not shares:
            continue
        ranked = sorted(
            ((p, v) for p, v in shares.items() if p != "n" and v), key=lambda pv: -pv[1]
        )
        rows.append(
            (
                side,
                ", ".join(f"{p} {format_value(v, 0)} %" for p, v in ranked)
                + f" ({shares.get('n', 0)} steps)",
            )
        )
    return rows


def _number(value: Any, decimals: int) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "-"
    return f"{v:.{decimals}f}" if v == v else "-"


def _stream_rows(streams: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Data quality of each stream, as plain strings."""
    rows = []
    for label, info in streams.items():
        quality: list[str] = []
        gaps = info.get("gaps")
        if gaps:
            bridged = info.get("gaps_bridged")
            quality.append(f"{gaps} gap(s)" + (f", {bridged} bridged" if bridged else ""))
        sat = info.get("saturation") or {}
        for channel, s in sat.items():
            quality.append(f"{channel} saturated on {_number(s.get('share_pct'), 2)} % of samples")
        if "clock_offset_s" in info:
            pairs = info.get("clock_offset_pairs")
            quality.append(
                "same clock as the foot IMU"
                if info.get("clock_shared")
                else f"clock offset to the foot IMU "
                f"{_number(1000 * float(info['clock_offset_s']), 1)} ms"
                + (f" from {pairs} contact pairs" if pairs else "")
            )
        align = info.get("alignment") or {}
        parts = []
        if "sagittal_share" in align:
            parts.append(f"swing in one plane {_number(100 * align['sagittal_share'], 1)} %")
        if "up_spread_deg" in align:
            parts.append(f"up spread {_number(align['up_spread_deg'], 2)} deg")
        if "heading_spread_deg" in align:
            parts.append(f"heading spread {_number(align['heading_spread_deg'], 2)} deg")
        count = info.get("n_steps", info.get("n_contacts"))
        rows.append(
            {
                "label": str(label),
                "rate": _number(info.get("fs_hz"), 0) + " Hz" if info.get("fs_hz") else "-",
                "samples": str(info.get("n_samples", "-")),
                "steps": "-" if count is None else str(count),
                "alignment": ", ".join(parts) or "-",
                "quality": "; ".join(quality) or "no gap or saturation",
            }
        )
    return rows


def _meta_rows(meta: Mapping[str, Any], prefix: str = "", depth: int = 0) -> list[tuple[str, str]]:
    """recording.json's fields as (dotted key, value) rows."""
    rows: list[tuple[str, str]] = []
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and depth < 3:
            rows.extend(_meta_rows(value, name + ".", depth + 1))
        elif (
            isinstance(value, (list, tuple))
            and value
            and all(isinstance(v, Mapping) for v in value)
            and depth < 3
        ):
            for i, v in enumerate(value):
                rows.extend(_meta_rows(v, f"{name}[{i}].", depth + 1))
        elif isinstance(value, (list, tuple)):
            rows.append((name, ", ".join(map(str, value))))
        else:
            rows.append((name, str(value)))
    return rows


def _headline(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    from footfall.report.terminal import format_duration, format_value

    rows = [
        ("Duration", format_duration(summary.get("duration_s"))),
        (
            "Steps",
            f"{summary.get('n_steps', 0)} (left {summary.get('n_steps_left', 0)}, "
            f"right {summary.get('n_steps_right', 0)})",
        ),
    ]
    if summary.get("cadence_spm") is not None:
        rows.append(("Cadence", f"{format_value(summary['cadence_spm'], 0)} spm"))
    if summary.get("contact_balance_left_pct") is not None:
        rows.append(
            (
                "Contact time balance",
                f"{format_value(summary['contact_balance_left_pct'], 1)} % left",
            )
        )
    return rows


# ---------------------------------------------------------------------------
# the page
# ---------------------------------------------------------------------------


def _version() -> str:
    import sys

    return str(getattr(sys.modules.get("footfall"), "__version__", ""))


def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("footfall.report", "templates"),
        autoescape=True,  # every value is text unless the template says otherwise
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _stylesheet() -> str:
    from importlib.resources import files

    return (files("footfall.report") / "templates" / "report.css").read_text(encoding="utf-8")


def render_report(
    analysis: Analysis,
    *,
    symptoms: Any = None,
    athlete: str | None = None,
    source: str | None = None,
    steps: bool = True,
    figure_format: str = "png",
    figure_dpi: float = FIGURE_DPI,
    comparison: ReportSection | None = None,
) -> str:
    """The report of ``analysis`` as one self-contained HTML page.

    Parameters
    ----------
    analysis
        From :func:`footfall.analyze`. Its findings are shown as they are:
        analyse with the runner's symptoms for findings that use them.
    symptoms
        The runner's symptom profile (a
        :class:`~footfall.rules.symptoms.SymptomProfile`, a dict of its
        fields or a profile's path): listed in the report, and its onset
        marked on the figures.
    athlete
        The name shown; default the recording's ``athlete`` (its ``name`` or
        ``id``).
    source
        What the recording is called in the report; default its source.
    steps
        Embed the steps table as a download (:func:`report_steps_zip`: a
        CSV in a ZIP file, the bulk of a long run's page: an hour is about
        10 000 rows); False leaves it out and says so.
    figure_format, figure_dpi
        ``png`` (default, at :data:`FIGURE_DPI`) or ``svg``.
    comparison
        A :class:`~footfall.history.compare.Comparison` of an earlier run
        (A) with this one (B), from
        :func:`~footfall.history.compare.compare_runs` (its
        ``report_section`` fills the section): a section with each
        metric's change, which changes exceed the steps' variability, the
        metrics only one run has, and the comparison figure.

    Returns
    -------
    str
        The HTML page (UTF-8 text).
    """
    from footfall.summary import to_jsonable

    profile = _profile(symptoms)
    summary = analysis.summary
    meta = to_jsonable(dict(getattr(analysis.recording, "meta", {}) or {}))
    findings = [_finding(f.to_dict()) for f in analysis.findings]
    findings.sort(key=lambda f: not f["red"])  # stable: red flags first, rule order kept
    packed = report_steps_zip(analysis) if steps else b""
    figures = report_figures(analysis, symptoms=profile, fmt=figure_format, dpi=figure_dpi)
    condition = meta.get("condition") if isinstance(meta.get("condition"), Mapping) else {}
    context = {
        "version": _version(),
        "css": _stylesheet(),
        "athlete": _athlete_name(meta, athlete),
        "source": source
        if source is not None
        else str(getattr(analysis.recording, "source", "") or ""),
        "started_at": str(meta.get("started_at") or ""),
        "condition": ", ".join(f"{k}: {v}" for k, v in (condition or {}).items()),
        "headline": _headline(summary),
        "no_steps": not summary.get("n_steps"),
        "findings": findings,
        "red_flags": [f for f in findings if f["red"]],
        "red_flag_advice": RED_FLAG_ADVICE,
        "symptoms": _symptom_rows(profile),
        "metrics": _metric_rows(summary.get("metrics") or {}),
        "strike": _strike_rows(summary.get("strike_pattern") or {}),
        "drift": _drift_rows(summary.get("drift") or {}),
        "figures": [f for f in figures if f.uri is not None],
        "not_drawn": [f for f in figures if f.uri is None],
        "steps_uri": _zip_uri(packed) if steps else "",
        "steps_name": STEPS_ZIP_NAME,
        "steps_csv_name": STEPS_CSV_NAME,
        "steps_extra_decimals": STEPS_EXTRA_DECIMALS,
        "steps_example": _steps_example(),
        "steps_rows": len(analysis.steps),
        "steps_columns": len(analysis.steps.columns),
        "steps_kb": max(1, round(len(packed) / 1024)),
        "streams": _stream_rows(to_jsonable(dict(analysis.streams))),
        "notes": [str(n) for n in analysis.notes],
        "meta": _meta_rows({k: v for k, v in meta.items() if k != "format"}),
        "comparison": (
            comparison.report_section(fmt=figure_format, dpi=figure_dpi)
            if comparison is not None
            else None
        ),
    }
    return str(_environment().get_template("report.html.j2").render(**context))


def write_report(
    analysis: Analysis,
    path: str | os.PathLike[str],
    *,
    symptoms: Any = None,
    athlete: str | None = None,
    **options: Any,
) -> Path:
    """Write :func:`render_report`'s page to ``path`` atomically (a temporary
    file beside it, flushed, then renamed over it): a failure leaves any
    earlier file whole. ``options`` are :func:`render_report`'s.

    Raises
    ------
    OSError
        The folder cannot be written or the disk is full.
    """
    text = render_report(analysis, symptoms=symptoms, athlete=athlete, **options)
    dest = Path(path)
    atomic_write_bytes(dest, text.encode("utf-8"))
    return dest
