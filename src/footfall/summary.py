"""Run summary: medians per side, left-right asymmetry, drift and per-minute windows.

Pure functions of a steps table (CONTRACTS.md section 2) that return the
JSON-ready summary dict of CONTRACTS.md section 3. No I/O, no printing.

Definitions used throughout
---------------------------
median
    The median over both feet of all steps with a value (NaN skipped).
left, right
    The median over that side's steps.
asymmetry_pct
    ``100 * (left - right) / ((left + right) / 2)``: signed, positive when the
    left side's median is larger, negative when the right's is. It is only
    defined when both side medians are finite and positive (ratio-scale
    quantities such as times, lengths, accelerations); for quantities that can
    be zero or negative (angles) it is ``None`` and ``left_minus_right``, the
    difference in the metric's own unit, says the same thing.
contact_balance_left_pct
    Garmin-style ground contact time balance: the left side's share of the
    summed side medians of contact time, ``100 * left / (left + right)``;
    50 is perfectly even, above 50 means the left foot stays longer on the ground.
thirds
    The span of the run from the first to the last initial contact is cut into
    three equal parts by time; ``first_third`` and ``last_third`` are the
    medians (both feet) of the steps in the first and last part.
per_minute
    The Theil-Sen slope (median of pairwise slopes, robust to outlier steps)
    of the metric against time in minutes, in the metric's unit per minute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from footfall.model import INSOLE_STEP_METRICS, NUMERIC_STEP_METRICS, STRIKE_PATTERNS, Side

WINDOW_METRICS: tuple[str, ...] = (
    "cadence_spm",
    "contact_ms",
    "stride_ms",
    "stride_length_m",
    "speed_mps",
    "foot_strike_angle_deg",
    "shank_angle_ic_deg",
    "pronation_excursion_deg",
    "pronation_velocity_dps",
    "impact_g",
    "braking_g",
    "forefoot_load_pct",
    "lateral_forefoot_load_pct",
)
"""Metrics whose per-window medians go into ``summary["windows"]`` (when they have data)."""

SUMMARY_METRICS: tuple[str, ...] = NUMERIC_STEP_METRICS + INSOLE_STEP_METRICS
"""Metrics summarised: the contract's numeric columns, then the insole extras."""

MIN_STEPS_PER_THIRD = 6
"""Fewest steps with a value in each of the first and last thirds for a drift entry."""

WINDOW_S = 60.0
"""Default window length for ``summary["windows"]``, seconds."""

_THEIL_SEN_MAX_POINTS = 600


# --------------------------------------------------------------------------
# Small numeric helpers
# --------------------------------------------------------------------------


def _num(x: Any) -> float | None:
    """A plain float, or None for NaN/inf/None."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def to_jsonable(obj: Any) -> Any:
    """Recursively turn numpy/pandas scalars into plain Python values, NaN and
    infinities into None, tuples into lists; dict keys become strings."""
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if obj is None:
        return None
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _num(obj)
    if isinstance(obj, str):
        return str(obj)
    if obj is pd.NA or obj is pd.NaT:
        return None
    return obj


def asymmetry_pct(left: float | None, right: float | None) -> float | None:
    """Signed left-right asymmetry, percent of the two sides' mean.

    ``100 * (left - right) / ((left + right) / 2)``; positive = left larger.

    Parameters
    ----------
    left, right
        The two sides' values (usually medians), same unit.

    Returns
    -------
    float or None
        None unless both values are finite and strictly positive.
    """
    lf, rf = _num(left), _num(right)
    if lf is None or rf is None or lf <= 0 or rf <= 0:
        return None
    return 100.0 * (lf - rf) / ((lf + rf) / 2.0)


def contact_balance_left_pct(left_ms: float | None, right_ms: float | None) -> float | None:
    """Garmin-style contact time balance: left share of ``left + right``, percent.

    Returns None unless both values are finite and positive.
    """
    lf, rf = _num(left_ms), _num(right_ms)
    if lf is None or rf is None or lf <= 0 or rf <= 0:
        return None
    return 100.0 * lf / (lf + rf)


def theil_sen_slope(x: np.ndarray, y: np.ndarray, *,
                    max_points: int = _THEIL_SEN_MAX_POINTS) -> float | None:
    """Theil-Sen slope of ``y`` against ``x``: the median of the slopes between
    all pairs of points with different ``x``.

    Gives the same slope as ``scipy.stats.theilslopes`` (without importing
    scipy.stats, which is slow to load). Pairs are O(n^2), so when there are
    more than ``max_points`` finite points they are first reduced to
    ``max_points`` consecutive equal-count groups (in ``x`` order), each
    represented by its median ``x`` and median ``y``.

    Parameters
    ----------
    x, y
        Same-length 1-D arrays; non-finite pairs are ignored.
    max_points
        Largest number of points used in the pairwise step.

    Returns
    -------
    float or None
        The slope in ``y`` units per ``x`` unit, or None with fewer than two
        distinct ``x`` values.

    References
    ----------
    Sen, P. K. (1968). Estimates of the regression coefficient based on
    Kendall's tau. JASA 63(324), 1379-1389.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size > max_points:
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        group = np.arange(x.size) * max_points // x.size
        reduced = pd.DataFrame({"g": group, "x": x, "y": y}).groupby("g").median()
        x, y = reduced["x"].to_numpy(), reduced["y"].to_numpy()
    if x.size < 2:
        return None
    i, j = np.triu_indices(x.size, k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    if not keep.any():
        return None
    return _num(np.median((y[j] - y[i])[keep] / dx[keep]))


# --------------------------------------------------------------------------
# Table preparation
# --------------------------------------------------------------------------


def _prepare(steps: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series, list[str]]:
    """Numeric metric columns (float, non-finite -> NaN), side labels, ic_s,
    and the names of the metrics that have at least one value."""
    index = steps.index
    cols = {}
    for m in SUMMARY_METRICS:
        if m in steps.columns:
            cols[m] = pd.to_numeric(steps[m], errors="coerce").astype("float64")
        else:
            cols[m] = pd.Series(np.nan, index=index, dtype="float64")
    num = pd.DataFrame(cols, index=index).replace([np.inf, -np.inf], np.nan)
    if "side" in steps.columns:
        side = steps["side"].astype(str).str.lower()
    else:
        side = pd.Series("", index=index)
    if "ic_s" in steps.columns:
        ic = pd.to_numeric(steps["ic_s"], errors="coerce").astype("float64")
    else:
        ic = pd.Series(np.nan, index=index, dtype="float64")
    present = [m for m in SUMMARY_METRICS if num[m].notna().any()]
    return num, side, ic, present


# --------------------------------------------------------------------------
# Parts of the summary
# --------------------------------------------------------------------------


def metric_stats(num: pd.DataFrame, side: pd.Series,
                 metrics: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per-metric medians (both feet, per side), asymmetry, counts and quartiles.

    Parameters
    ----------
    num
        Numeric metric columns, one row per step.
    side
        ``"left"`` / ``"right"`` per row.
    metrics
        Names of the columns to summarise.

    Returns
    -------
    dict
        ``{metric: {median, left, right, asymmetry_pct, left_minus_right, n,
        n_left, n_right, p25, p75}}``.
    """
    metrics = list(metrics)
    if not metrics:
        return {}
    data = num[metrics]
    median = data.median()
    p25 = data.quantile(0.25)
    p75 = data.quantile(0.75)
    count = data.count()
    by_side_med = data.groupby(side).median()
    by_side_n = data.groupby(side).count()

    def side_value(table: pd.DataFrame, s: str, m: str) -> Any:
        return table.at[s, m] if s in table.index else None

    out: dict[str, dict[str, Any]] = {}
    for m in metrics:
        left = _num(side_value(by_side_med, Side.LEFT.value, m))
        right = _num(side_value(by_side_med, Side.RIGHT.value, m))
        n_left = side_value(by_side_n, Side.LEFT.value, m)
        n_right = side_value(by_side_n, Side.RIGHT.value, m)
        out[m] = {
            "median": _num(median[m]),
            "left": left,
            "right": right,
            "asymmetry_pct": asymmetry_pct(left, right),
            "left_minus_right": (left - right) if left is not None and right is not None
            else None,
            "n": int(count[m]),
            "n_left": int(n_left) if n_left is not None else 0,
            "n_right": int(n_right) if n_right is not None else 0,
            "p25": _num(p25[m]),
            "p75": _num(p75[m]),
        }
    return out


def strike_pattern_shares(steps: pd.DataFrame, side: pd.Series) -> dict[str, dict[str, Any]]:
    """Share of each strike pattern per side and for both feet, percent.

    Returns
    -------
    dict
        ``{"left" | "right" | "both": {"n": classified steps, "rearfoot": pct,
        "midfoot": pct, "forefoot": pct}}``, only for sides with classified
        steps; ``{}`` when no step is classified.
    """
    if "strike_pattern" not in steps.columns:
        return {}
    pattern = steps["strike_pattern"]
    ok = pattern.isin(STRIKE_PATTERNS)
    if not ok.any():
        return {}
    table = pd.crosstab(side[ok], pattern[ok]).reindex(columns=list(STRIKE_PATTERNS),
                                                        fill_value=0)
    table.loc["both"] = table.sum(axis=0)
    out: dict[str, dict[str, Any]] = {}
    for s in (Side.LEFT.value, Side.RIGHT.value, "both"):
        if s not in table.index:
            continue
        row = table.loc[s]
        n = int(row.sum())
        if n == 0:
            continue
        out[s] = {"n": n, **{p: 100.0 * float(row[p]) / n for p in STRIKE_PATTERNS}}
    return out


def drift(num: pd.DataFrame, ic: pd.Series, metrics: Iterable[str], *,
          min_per_third: int = MIN_STEPS_PER_THIRD) -> dict[str, dict[str, Any]]:
    """How each metric changes over the run.

    The span from the first to the last initial contact is cut into three equal
    parts by time. For each metric with at least ``min_per_third`` values in
    both the first and the last part, reports their medians, the change, and
    the Theil-Sen slope over all steps.

    Parameters
    ----------
    num
        Numeric metric columns, one row per step.
    ic
        Initial contact time of each row, seconds.
    metrics
        Names of the columns to examine.
    min_per_third
        Fewest values needed in each of the first and last thirds.

    Returns
    -------
    dict
        ``{metric: {first_third, last_third, change, change_pct, per_minute,
        n_first, n_last}}``; ``change = last_third - first_third`` in the
        metric's unit, ``change_pct = 100 * change / first_third`` (None unless
        ``first_third`` is positive, as for asymmetry), ``per_minute`` in the
        metric's unit per minute.
    """
    metrics = list(metrics)
    ok = ic.notna()
    if not metrics or ok.sum() < 2:
        return {}
    t = ic[ok]
    data = num.loc[ok, metrics]
    t0, t1 = float(t.min()), float(t.max())
    span = t1 - t0
    if span <= 0:
        return {}
    first = data[t <= t0 + span / 3.0]
    last = data[t >= t1 - span / 3.0]
    n_first, n_last = first.count(), last.count()
    med_first, med_last = first.median(), last.median()
    minutes = ((t - t0) / 60.0).to_numpy()

    out: dict[str, dict[str, Any]] = {}
    for m in metrics:
        if n_first[m] < min_per_third or n_last[m] < min_per_third:
            continue
        a, b = _num(med_first[m]), _num(med_last[m])
        if a is None or b is None:
            continue
        change = b - a
        out[m] = {
            "first_third": a,
            "last_third": b,
            "change": change,
            "change_pct": 100.0 * change / a if a > 0 else None,
            "per_minute": theil_sen_slope(minutes, data[m].to_numpy()),
            "n_first": int(n_first[m]),
            "n_last": int(n_last[m]),
        }
    return out


def windows(num: pd.DataFrame, side: pd.Series, ic: pd.Series, *,
            window_s: float = WINDOW_S, origin_s: float | None = None,
            metrics: Iterable[str] = WINDOW_METRICS) -> list[dict[str, Any]]:
    """Medians of the main metrics in consecutive fixed-length windows.

    Parameters
    ----------
    num, side, ic
        Numeric metric columns, side labels and initial contact times (s).
    window_s
        Window length, seconds.
    origin_s
        Start of the first window on the recording's time axis; default the
        first initial contact. Windows are stable as steps are appended, so the
        same function serves live display.
    metrics
        Candidate metrics; those without any value are left out.

    Returns
    -------
    list of dict
        One entry per window from the first to the last step, empty windows
        included: ``{start_s, end_s, n_steps, n_left, n_right, <metric>: median,
        ..., contact_balance_left_pct}``.
    """
    if window_s <= 0:
        raise ValueError("window_s must be positive")
    ok = ic.notna()
    if not ok.any():
        return []
    t = ic[ok]
    origin = float(t.min()) if origin_s is None else float(origin_s)
    idx = np.floor((t.to_numpy() - origin) / window_s).astype(np.int64)
    keep = idx >= 0
    if not keep.any():
        return []
    idx = idx[keep]
    cols = [m for m in metrics if m in num.columns and num.loc[ok, m].notna().any()]
    data = num.loc[ok, cols][keep]
    s = side[ok][keep].to_numpy()
    n_windows = int(idx.max()) + 1
    full = pd.RangeIndex(n_windows)

    table = data.groupby(idx).median().reindex(full)
    table.insert(0, "n_right", pd.Series(s == Side.RIGHT.value).groupby(idx).sum()
                 .reindex(full, fill_value=0).astype(int))
    table.insert(0, "n_left", pd.Series(s == Side.LEFT.value).groupby(idx).sum()
                 .reindex(full, fill_value=0).astype(int))
    table.insert(0, "n_steps", pd.Series(idx).groupby(idx).size()
                 .reindex(full, fill_value=0).astype(int))
    table.insert(0, "end_s", origin + (full.to_numpy() + 1) * window_s)
    table.insert(0, "start_s", origin + full.to_numpy() * window_s)
    if "contact_ms" in cols:
        contact = data["contact_ms"].to_numpy()
        per_side = (pd.DataFrame({"w": idx, "side": s, "c": contact})
                    .groupby(["w", "side"])["c"].median().unstack())
        left = per_side.get(Side.LEFT.value, pd.Series(np.nan, index=per_side.index))
        right = per_side.get(Side.RIGHT.value, pd.Series(np.nan, index=per_side.index))
        balance = (100.0 * left / (left + right)).where((left > 0) & (right > 0))
        table["contact_balance_left_pct"] = balance.reindex(full)
    return to_jsonable(table.to_dict("records"))


def summarize(steps: pd.DataFrame, duration_s: float, *, window_s: float = WINDOW_S,
              min_per_third: int = MIN_STEPS_PER_THIRD) -> dict[str, Any]:
    """Summarise a run's steps table (CONTRACTS.md section 3).

    Parameters
    ----------
    steps
        Steps table, one row per foot contact (CONTRACTS.md section 2).
        Missing contract columns count as all-NaN; rows need not be sorted.
    duration_s
        Duration of the recording, seconds.
    window_s
        Length of the windows in ``"windows"``, seconds.
    min_per_third
        Fewest values needed in each of the first and last thirds of the run
        for a metric to get a ``"drift"`` entry.

    Returns
    -------
    dict
        JSON-ready (plain ints, floats, strings, None; no NaN):

        - ``duration_s``, ``n_steps``, ``n_steps_left``, ``n_steps_right``
        - ``cadence_spm``: the run's median cadence, both feet (falls back to
          ``120000 / stride_ms`` when no step has a cadence); None without data
        - ``contact_balance_left_pct``: see the module docstring
        - ``metrics``: ``{metric: {median, left, right, asymmetry_pct,
          left_minus_right, n, n_left, n_right, p25, p75}}`` for every numeric
          metric with at least one value
        - ``strike_pattern``: see :func:`strike_pattern_shares`
        - ``drift``: see :func:`drift`
        - ``windows``: see :func:`windows`
        - ``findings``: ``[]`` (filled by the rules layer)

    Notes
    -----
    Asymmetry is ``100 * (left - right) / ((left + right) / 2)``, signed,
    positive when the left median is larger; None unless both side medians
    are positive (see the module docstring).
    """
    num, side, ic, present = _prepare(steps)
    n_left = int((side == Side.LEFT.value).sum())
    n_right = int((side == Side.RIGHT.value).sum())

    stats = metric_stats(num, side, present)

    cadence = stats.get("cadence_spm", {}).get("median")
    if cadence is None and "stride_ms" in stats:
        stride = num["stride_ms"].where(num["stride_ms"] > 0)
        cadence = _num((120000.0 / stride).median())

    contact = stats.get("contact_ms", {})
    summary: dict[str, Any] = {
        "duration_s": _num(duration_s),
        "n_steps": len(steps),
        "n_steps_left": n_left,
        "n_steps_right": n_right,
        "cadence_spm": cadence,
        "contact_balance_left_pct": contact_balance_left_pct(contact.get("left"),
                                                             contact.get("right")),
        "metrics": stats,
        "strike_pattern": strike_pattern_shares(steps, side),
        "drift": drift(num, ic, present, min_per_third=min_per_third),
        "windows": windows(num, side, ic, window_s=window_s),
        "findings": [],
    }
    return to_jsonable(summary)
