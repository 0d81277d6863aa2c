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
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypedDict, cast

import numpy as np
from numpy.lib.stride_tricks import as_strided

from footfall.model import (
    STRIKE_PATTERNS,
    Side,
)
from footfall.registry import metric, names

if TYPE_CHECKING:  # a steps table is a DataFrame; the work here is done on NumPy arrays
    import pandas as pd

__all__ = [
    "DriftEntry",
    "MetricStats",
    "MIN_STEPS_PER_THIRD",
    "NotEvaluated",
    "RunSummary",
    "PER_STEP_MEANS",
    "absent_reason",
    "SUMMARY_METRICS",
    "WINDOW_METRICS",
    "WINDOW_S",
    "asymmetry_pct",
    "contact_balance_left_pct",
    "drift",
    "finite_or_none",
    "metric_stats",
    "strike_pattern_shares",
    "running_dynamics_means",
    "summarize",
    "summarize_running_dynamics",
    "theil_sen_slope",
    "to_jsonable",
    "windows",
]


# --------------------------------------------------------------------------
# The summary's shape (CONTRACTS.md section 3; docs/json-schema/summary.schema.json)
# --------------------------------------------------------------------------


# (Keys always there are in a base class, the others in a class with
# total=False: NotRequired is not seen in postponed annotations on Python 3.11.)


class _MetricStatsAlways(TypedDict):
    median: float | None
    left: float | None
    right: float | None
    asymmetry_pct: float | None
    n: int


class MetricStats(_MetricStatsAlways, total=False):
    """One metric of ``summary["metrics"]``: medians and quartiles per side;
    ``mean`` for a running-dynamics table, as the device averages it."""

    left_minus_right: float | None
    n_left: int
    n_right: int
    p25: float | None
    p75: float | None
    mean: float | None


class _DriftAlways(TypedDict):
    first_third: float
    last_third: float
    change: float
    change_pct: float | None
    per_minute: float | None
    n_first: int
    n_last: int


class DriftEntry(_DriftAlways, total=False):
    """One metric of ``summary["drift"]`` (:func:`drift`); ``per_km`` for
    running dynamics with a distance: the slope against kilometres."""

    per_km: float | None


class NotEvaluated(TypedDict):
    """A rule whose sensor conditions were not evaluated, and why."""

    id: str
    title: str
    reason: str


class _SummaryAlways(TypedDict):
    duration_s: float | None
    n_steps: int
    n_steps_left: int | None
    n_steps_right: int | None
    cadence_spm: float | None
    contact_balance_left_pct: float | None
    metrics: dict[str, MetricStats]
    strike_pattern: dict[str, dict[str, Any]]
    drift: dict[str, DriftEntry]
    windows: list[dict[str, Any]]
    """Per window: start_s, end_s, n_steps, n_left, n_right, the median of
    each window metric by its name, contact_balance_left_pct (:func:`windows`)."""
    findings: list[dict[str, Any]]


class RunSummary(_SummaryAlways, total=False):
    """The run summary (:func:`summarize`; CONTRACTS.md section 3).

    ``findings`` (each :meth:`footfall.rules.Finding.to_dict`) and
    ``not_evaluated`` are filled by :func:`footfall.analyze`, ``source`` and
    ``notes`` by the command line's JSON, ``running_dynamics`` by
    :func:`summarize_running_dynamics`.
    """

    not_evaluated: list[NotEvaluated]
    source: str
    notes: list[str]
    running_dynamics: dict[str, Any]
    part_of_run: str
    """A summary of part of a run (the live flags' newest minutes): what the
    findings' evidence names instead of "whole run"."""


WINDOW_METRICS: tuple[str, ...] = names(window=True)
"""Metrics whose per-window medians go into ``summary["windows"]`` (when they
have data); from :mod:`footfall.registry`."""

SUMMARY_METRICS: tuple[str, ...] = names(summarised=True)
"""Metrics summarised: the contract's numeric columns, then the foot-IMU and
insole extras (:mod:`footfall.registry`)."""

MIN_STEPS_PER_THIRD = 6
"""Fewest steps with a value in each of the first and last thirds for a drift entry."""

WINDOW_S = 60.0
"""Default window length for ``summary["windows"]``, seconds."""

_THEIL_SEN_MAX_POINTS = 600

_SAMPLE_SIZE = 4096
"""Pairwise slopes sampled to bracket the median before selecting it exactly."""

_BRACKET_MIN_PAIRS = 8 * _SAMPLE_SIZE
"""Fewest pairs for which bracketing the median pays off over a plain partition."""

# Side codes of the per-row side array (see _label_codes).
_LEFT, _RIGHT, _OTHER, _MISSING = 0, 1, 2, -1


# --------------------------------------------------------------------------
# Small numeric helpers
# --------------------------------------------------------------------------


def finite_or_none(x: Any) -> float | None:
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
        return finite_or_none(obj)
    if isinstance(obj, str):
        return str(obj)
    pd_module = sys.modules.get("pandas")  # pd.NA / pd.NaT exist only once pandas is loaded
    if pd_module is not None and (obj is pd_module.NA or obj is pd_module.NaT):
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
    lf, rf = finite_or_none(left), finite_or_none(right)
    if lf is None or rf is None or lf <= 0 or rf <= 0:
        return None
    return 100.0 * (lf - rf) / ((lf + rf) / 2.0)


def contact_balance_left_pct(left_ms: float | None, right_ms: float | None) -> float | None:
    """Garmin-style contact time balance: left share of ``left + right``, percent.

    Returns None unless both values are finite and positive.
    """
    lf, rf = finite_or_none(left_ms), finite_or_none(right_ms)
    if lf is None or rf is None or lf <= 0 or rf <= 0:
        return None
    return 100.0 * lf / (lf + rf)


# --------------------------------------------------------------------------
# Order statistics on rows of a 2-D array (NaN = no value)
# --------------------------------------------------------------------------


def _sorted_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row sorted ascending (NaN last) and the number of non-NaN values per row."""
    xs = np.sort(x, axis=1)
    return xs, x.shape[1] - np.count_nonzero(np.isnan(x), axis=1)


def _medians_of_sorted(xs: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Median of the first ``count[r]`` values of each sorted row ``r``; NaN where
    the count is 0. Even counts give the mean of the middle two, as numpy and
    pandas do."""
    out = np.full(xs.shape[0], np.nan)
    rows = np.flatnonzero(count > 0)
    if rows.size:
        c = count[rows]
        lo = xs[rows, (c - 1) // 2]
        hi = xs[rows, c // 2]
        out[rows] = np.where(c % 2 == 1, lo, (lo + hi) / 2.0)
    return out


def _quantiles_of_sorted(xs: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    """Quantile ``q`` of the first ``count[r]`` values of each sorted row ``r``
    with linear interpolation, computed as ``numpy.quantile`` (and so pandas)
    computes it; NaN where the count is 0."""
    out = np.full(xs.shape[0], np.nan)
    rows = np.flatnonzero(count > 0)
    if rows.size:
        c = count[rows]
        virtual = (c - 1) * q
        prev = np.floor(virtual).astype(np.intp)
        nxt = np.minimum(prev + 1, c - 1)
        gamma = virtual - prev
        a, b = xs[rows, prev], xs[rows, nxt]
        diff = b - a
        out[rows] = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return out


def _medians(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row medians (NaN skipped) and counts of a 2-D array."""
    xs, count = _sorted_rows(x)
    return _medians_of_sorted(xs, count), count


# --------------------------------------------------------------------------
# Theil-Sen slope
# --------------------------------------------------------------------------


def _pair_differences(v: np.ndarray) -> np.ndarray:
    """``v[j] - v[i]`` once for every unordered pair ``{i, j}`` of the ``n``
    entries of ``v``, packed into ``n * (n - 1) / 2`` entries: first the pairs
    at cyclic offset ``d = 1 .. (n - 1) // 2`` (``j = (i + d) mod n``), then for
    even ``n`` the pairs half the length apart. The pair order and orientation
    depend only on ``n``, so for two arrays the quotient of their differences
    is the pair's slope (exactly: IEEE subtraction and division are symmetric
    in sign)."""
    n = v.size
    h = (n - 1) // 2
    out = np.empty(n * (n - 1) // 2)
    if h > 0:
        twice = np.concatenate((v, v))
        # ahead[d - 1, i] = v[(i + d) % n]: rows are overlapping slices of `twice`
        ahead = as_strided(
            twice[1:], shape=(h, n), strides=(twice.strides[0],) * 2, writeable=False
        )
        np.subtract(ahead, v, out=out[: h * n].reshape(h, n))
    if n % 2 == 0 and n > 0:
        half = n // 2
        np.subtract(v[half:], v[:half], out=out[h * n :])
    return out


def _select(
    values: np.ndarray, ks: Sequence[int], n_valid: int, sample: np.ndarray | None
) -> np.ndarray:
    """The ``ks``-th smallest (0-based, ascending ks) of the ``n_valid`` non-NaN
    entries of ``values``.

    With a ``sample`` (positions into ``values``), the sampled values bracket
    the wanted ranks; the entries below the bracket are only counted and those
    inside are partitioned. The result is exact whatever the sample: when the
    bracket misses a wanted rank the whole array is partitioned instead.
    """
    if sample is not None:
        s = np.sort(values[sample])
        m = s.size - int(np.count_nonzero(np.isnan(s)))
        p = (ks[0] + ks[-1]) / 2.0 / n_valid
        spread = 4.0 * math.sqrt(m * p * (1.0 - p)) + 2.0  # ~4 sd of a sample rank
        i_lo, i_hi = math.floor(p * m - spread), math.ceil(p * m + spread)
        if 0 <= i_lo and i_hi < m:
            lo, hi = s[i_lo], s[i_hi]
            inside = np.greater_equal(values, lo)
            n_below = n_valid - int(np.count_nonzero(inside))  # NaN compares False
            np.logical_and(inside, np.less_equal(values, hi), out=inside)
            candidates = values[inside]
            if n_below <= ks[0] and ks[-1] < n_below + candidates.size:
                kk = [k - n_below for k in ks]
                return np.partition(candidates, kk)[kk]
    return np.partition(values, ks)[list(ks)]


def _median_of_slopes(slopes: np.ndarray, n_valid: int, sample: np.ndarray | None) -> float:
    """Median of the ``n_valid`` non-NaN slopes, as ``numpy.median`` of them."""
    half = n_valid // 2
    if n_valid % 2:
        return float(_select(slopes, (half,), n_valid, sample)[0])
    a, b = _select(slopes, (half - 1, half), n_valid, sample)
    return float((a + b) / 2.0)


@lru_cache(maxsize=8)
def _sample_positions(n_pairs: int) -> np.ndarray | None:
    """Fixed pseudo-random positions into ``n_pairs`` pairwise slopes, sorted;
    None when there are too few pairs for bracketing to pay off."""
    if n_pairs < _BRACKET_MIN_PAIRS:
        return None
    positions = np.sort(np.random.default_rng(n_pairs).integers(0, n_pairs, _SAMPLE_SIZE))
    positions.flags.writeable = False
    return positions


def _group_medians_consecutive(
    x: np.ndarray, y: np.ndarray, max_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """Reduce points to ``max_points`` consecutive equal-count groups in ``x``
    order (group of the ``k``-th point: ``k * max_points // n``), each
    represented by its median ``x`` and, for every row of ``y``, its median
    ``y``. Group sizes differ by at most one: the groups are padded with NaN to
    the largest size and sorted row by row."""
    n = x.size
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[:, order]
    group = np.arange(n) * max_points // n
    sizes = np.bincount(group)
    starts = np.cumsum(sizes) - sizes
    width = int(sizes.max())
    pos = starts[:, None] + np.arange(width)
    pos = np.where(np.arange(width) < sizes[:, None], pos, n)  # n: the NaN pad
    lo, hi = (sizes - 1) // 2, sizes // 2
    odd = sizes % 2 == 1
    xlo, xhi = x[starts + lo], x[starts + hi]  # x is sorted within each group
    xm = np.where(odd, xlo, (xlo + xhi) / 2.0)
    padded = np.concatenate((y, np.full((y.shape[0], 1), np.nan)), axis=1)[:, pos]
    padded.sort(axis=2)
    g = np.arange(sizes.size)
    ylo, yhi = padded[:, g, lo], padded[:, g, hi]
    ym = np.where(odd, ylo, (ylo + yhi) / 2.0)
    return xm, ym


def _theil_sen_rows(
    x: np.ndarray, y: np.ndarray, max_points: int = _THEIL_SEN_MAX_POINTS
) -> list[float | None]:
    """:func:`theil_sen_slope` of every row of ``y`` (2-D) against ``x``.

    Rows with the same finite points share the reduction of ``x`` and the
    pairwise ``x`` differences.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    out: list[float | None] = [None] * y.shape[0]
    shared: dict[bytes, list[int]] = {}
    for r in range(y.shape[0]):
        shared.setdefault(ok[r].tobytes(), []).append(r)
    for rows in shared.values():
        keep = ok[rows[0]]
        xs, ys = x[keep], y[rows][:, keep]
        if xs.size > max_points:
            xs, ys = _group_medians_consecutive(xs, ys, max_points)
        if xs.size < 2:
            continue
        dx = _pair_differences(xs)
        dx[dx == 0] = np.nan  # pairs with equal x have no slope
        n_valid = dx.size - int(np.count_nonzero(np.isnan(dx)))
        if n_valid == 0:
            continue
        sample = _sample_positions(dx.size)  # any sample gives the same slope
        for r, yr in zip(rows, ys, strict=True):
            slopes = _pair_differences(yr)
            np.divide(slopes, dx, out=slopes)
            out[r] = finite_or_none(_median_of_slopes(slopes, n_valid, sample))
    return out


def theil_sen_slope(
    x: np.ndarray, y: np.ndarray, *, max_points: int = _THEIL_SEN_MAX_POINTS
) -> float | None:
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
    return _theil_sen_rows(x, y[None, :], max_points)[0]


# --------------------------------------------------------------------------
# Table preparation
# --------------------------------------------------------------------------


def _put_numeric(col: Any, out: np.ndarray) -> None:
    """Write a column into ``out`` as float64; anything that is not a number
    becomes NaN (``pandas.to_numeric(errors="coerce")``)."""
    dtype = getattr(col, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "fiub":
        out[:] = col.to_numpy() if hasattr(col, "to_numpy") else col
        return
    import pandas as pd

    out[:] = pd.to_numeric(pd.Series(col), errors="coerce").astype("float64").to_numpy()


def _label_codes(col: Any, labels: Sequence[str], *, lower: bool = False) -> np.ndarray:
    """Per row of a label column: ``k`` where the value equals ``labels[k]``,
    ``len(labels)`` for any other value, -1 where it is missing. With
    ``lower``, values are compared as ``col.astype(str).str.lower()``."""
    if hasattr(col, "factorize") and hasattr(col, "to_numpy"):  # pandas Series or Index
        codes, uniques = col.factorize()  # missing -> -1
        if lower:
            uniques = uniques.astype(str).str.lower()
        uniques = list(uniques)
    else:
        values = np.asarray(col, dtype=object).ravel()
        missing = np.array([_is_missing(v) for v in values], dtype=bool)
        if lower:
            values = np.array([str(v).lower() for v in values], dtype=object)
        uniques = list(dict.fromkeys(values[~missing].tolist()))
        position = {u: k for k, u in enumerate(uniques)}
        codes = np.array(
            [-1 if m else position[v] for v, m in zip(values, missing, strict=True)], dtype=np.intp
        )
    other = len(labels)
    lookup = np.array(
        [labels.index(u) if u in labels else other for u in uniques] + [-1], dtype=np.int8
    )
    return lookup[codes]  # code -1 picks the last entry


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)  # NaN, NaT
    except (TypeError, ValueError):
        return True  # pd.NA: comparing it gives NA


def _side_codes(side: Any, *, lower: bool = False) -> np.ndarray:
    """Per row: ``_LEFT``, ``_RIGHT``, ``_OTHER`` (any other label) or ``_MISSING``."""
    return _label_codes(side, (Side.LEFT.value, Side.RIGHT.value), lower=lower)


def _pattern_codes(pattern: Any) -> np.ndarray:
    """Per row: index into ``STRIKE_PATTERNS``, or -1 when not a strike pattern."""
    codes = _label_codes(pattern, STRIKE_PATTERNS)
    codes[codes == len(STRIKE_PATTERNS)] = -1
    return codes


def _prepare(steps: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The metric columns as one float array (a row per metric of
    ``SUMMARY_METRICS``, a column per step; missing column or non-finite value
    -> NaN), the side code of each step and its ic_s (NaN when missing)."""
    n = len(steps)
    columns = steps.columns
    values = np.full((len(SUMMARY_METRICS), n), np.nan)
    for r, m in enumerate(SUMMARY_METRICS):
        if m in columns:
            _put_numeric(steps[m], values[r])
    values[~np.isfinite(values)] = np.nan
    if "side" in columns:
        side = _side_codes(steps["side"], lower=True)
    else:
        side = np.full(n, _OTHER, dtype=np.int8)  # an empty label, as for a missing column
    ic = np.full(n, np.nan)
    if "ic_s" in columns:
        _put_numeric(steps["ic_s"], ic)
    return values, side, ic


def _rows_of(num: Any, names: Sequence[str], n_rows: int) -> np.ndarray:
    """Columns of a table of ``n_rows`` rows (DataFrame or mapping of columns)
    as the rows of a float array."""
    out = np.empty((len(names), n_rows))
    for r, m in enumerate(names):
        out[r] = np.asarray(num[m], dtype=np.float64)
    return out


# --------------------------------------------------------------------------
# Parts of the summary
# --------------------------------------------------------------------------


def _metric_stats(
    values: np.ndarray, side: np.ndarray, names: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """:func:`metric_stats` on a float array with a row per metric."""
    if not names:
        return {}
    xs, count = _sorted_rows(values)
    median = _medians_of_sorted(xs, count)
    p25 = _quantiles_of_sorted(xs, count, 0.25)
    p75 = _quantiles_of_sorted(xs, count, 0.75)
    med_left, n_left = _medians(values[:, side == _LEFT])
    med_right, n_right = _medians(values[:, side == _RIGHT])

    out: dict[str, dict[str, Any]] = {}
    for r, m in enumerate(names):
        left, right = finite_or_none(med_left[r]), finite_or_none(med_right[r])
        out[m] = {
            "median": finite_or_none(median[r]),
            "left": left,
            "right": right,
            "asymmetry_pct": asymmetry_pct(left, right),
            "left_minus_right": (left - right) if left is not None and right is not None else None,
            "n": int(count[r]),
            "n_left": int(n_left[r]),
            "n_right": int(n_right[r]),
            "p25": finite_or_none(p25[r]),
            "p75": finite_or_none(p75[r]),
        }
    return out


def metric_stats(
    num: pd.DataFrame, side: pd.Series, metrics: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Per-metric medians (both feet, per side), asymmetry, counts and quartiles.

    Parameters
    ----------
    num
        Numeric metric columns, one row per step (DataFrame or mapping of
        columns); NaN counts as no value.
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
    side_codes = _side_codes(side)
    return _metric_stats(_rows_of(num, metrics, side_codes.size), side_codes, metrics)


def _strike_pattern_shares(pattern: np.ndarray, side: np.ndarray) -> dict[str, dict[str, Any]]:
    """:func:`strike_pattern_shares` from pattern codes and side codes."""
    ok = (pattern >= 0) & (side != _MISSING)
    k = len(STRIKE_PATTERNS)
    table = np.bincount(side[ok].astype(np.intp) * k + pattern[ok], minlength=3 * k).reshape(3, k)
    out: dict[str, dict[str, Any]] = {}
    for s, row in (
        (Side.LEFT.value, table[_LEFT]),
        (Side.RIGHT.value, table[_RIGHT]),
        ("both", table.sum(axis=0)),
    ):
        n = int(row.sum())
        if n == 0:
            continue
        out[s] = {"n": n, **{p: 100.0 * float(row[i]) / n for i, p in enumerate(STRIKE_PATTERNS)}}
    return out


def strike_pattern_shares(steps: pd.DataFrame, side: pd.Series) -> dict[str, dict[str, Any]]:
    """Share of each strike pattern per side and for both feet, percent.

    ``"both"`` counts the classified steps of every side label given (rows
    without a side label are left out).

    Returns
    -------
    dict
        ``{"left" | "right" | "both": {"n": classified steps, "rearfoot": pct,
        "midfoot": pct, "forefoot": pct}}``, only for sides with classified
        steps; ``{}`` when no step is classified.
    """
    if "strike_pattern" not in steps.columns:
        return {}
    return _strike_pattern_shares(_pattern_codes(steps["strike_pattern"]), _side_codes(side))


def _drift(
    values: np.ndarray, names: Sequence[str], ic: np.ndarray, *, min_per_third: int
) -> dict[str, dict[str, Any]]:
    """:func:`drift` on a float array with a row per metric."""
    ok = ~np.isnan(ic)
    if not names or np.count_nonzero(ok) < 2:
        return {}
    t = ic[ok]
    data = values[:, ok]
    t0, t1 = float(t.min()), float(t.max())
    span = t1 - t0
    if span <= 0:
        return {}
    med_first, n_first = _medians(data[:, t <= t0 + span / 3.0])
    med_last, n_last = _medians(data[:, t >= t1 - span / 3.0])

    entries: dict[int, tuple[float, float]] = {}
    for r in range(len(names)):
        if n_first[r] < min_per_third or n_last[r] < min_per_third:
            continue
        a, b = finite_or_none(med_first[r]), finite_or_none(med_last[r])
        if a is None or b is None:
            continue
        entries[r] = (a, b)
    if not entries:
        return {}
    rows = list(entries)
    minutes = (t - t0) / 60.0
    slopes = _theil_sen_rows(minutes, data[rows])

    out: dict[str, dict[str, Any]] = {}
    for r, slope in zip(rows, slopes, strict=True):
        a, b = entries[r]
        change = b - a
        out[names[r]] = {
            "first_third": a,
            "last_third": b,
            "change": change,
            "change_pct": 100.0 * change / a if a > 0 else None,
            "per_minute": slope,
            "n_first": int(n_first[r]),
            "n_last": int(n_last[r]),
        }
    return out


def drift(
    num: pd.DataFrame,
    ic: pd.Series,
    metrics: Iterable[str],
    *,
    min_per_third: int = MIN_STEPS_PER_THIRD,
) -> dict[str, dict[str, Any]]:
    """How each metric changes over the run.

    The span from the first to the last initial contact is cut into three equal
    parts by time. For each metric with at least ``min_per_third`` values in
    both the first and the last part, reports their medians, the change, and
    the Theil-Sen slope over all steps.

    Parameters
    ----------
    num
        Numeric metric columns, one row per step (DataFrame or mapping of
        columns); NaN counts as no value.
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
    ic = np.asarray(ic, dtype=np.float64)
    return _drift(_rows_of(num, metrics, ic.size), metrics, ic, min_per_third=min_per_third)


def _windows(
    values: np.ndarray,
    names: Sequence[str],
    side: np.ndarray,
    ic: np.ndarray,
    *,
    window_s: float,
    origin_s: float | None,
) -> list[dict[str, Any]]:
    """:func:`windows` on a float array with a row per candidate metric."""
    if window_s <= 0:
        raise ValueError("window_s must be positive")
    ok = ~np.isnan(ic)
    if not ok.any():
        return []
    t = ic[ok]
    origin = float(t.min()) if origin_s is None else float(origin_s)
    idx = np.floor((t - origin) / window_s).astype(np.int64)
    keep = idx >= 0
    if not keep.any():
        return []
    idx = idx[keep]
    data = values[:, ok]
    has = ~np.isnan(data).all(axis=1)
    cols = [m for m, h in zip(names, has, strict=True) if h]
    data = data[has][:, keep]
    s = side[ok][keep]
    n_windows = int(idx.max()) + 1

    n_steps = np.bincount(idx, minlength=n_windows)
    n_left = np.bincount(idx[s == _LEFT], minlength=n_windows)
    n_right = np.bincount(idx[s == _RIGHT], minlength=n_windows)

    # steps in window order, then one block per non-empty window; with contact
    # time, two extra rows hold it for the left and the right steps only
    order = np.argsort(idx, kind="stable")
    data, s = data[:, order], s[order]
    contact = cols.index("contact_ms") if "contact_ms" in cols else None
    if contact is not None:
        c = data[contact]
        data = np.vstack((data, np.where(s == _LEFT, c, np.nan), np.where(s == _RIGHT, c, np.nan)))
    ends = np.cumsum(n_steps)
    starts = ends - n_steps
    med = np.full((data.shape[0], n_windows), np.nan)
    for k in np.flatnonzero(n_steps):
        med[:, k] = _medians(data[:, starts[k] : ends[k]])[0]
    balance = np.full(n_windows, np.nan)
    if contact is not None:
        left, right = med[-2], med[-1]
        both = (left > 0) & (right > 0)
        balance[both] = 100.0 * left[both] / (left[both] + right[both])

    out: list[dict[str, Any]] = []
    for w in range(n_windows):
        rec: dict[str, Any] = {
            "start_s": float(origin + w * window_s),
            "end_s": float(origin + (w + 1) * window_s),
            "n_steps": int(n_steps[w]),
            "n_left": int(n_left[w]),
            "n_right": int(n_right[w]),
        }
        for i, m in enumerate(cols):
            rec[m] = finite_or_none(med[i, w])
        if contact is not None:
            rec["contact_balance_left_pct"] = finite_or_none(balance[w])
        out.append(rec)
    return out


def windows(
    num: pd.DataFrame,
    side: pd.Series,
    ic: pd.Series,
    *,
    window_s: float = WINDOW_S,
    origin_s: float | None = None,
    metrics: Iterable[str] = WINDOW_METRICS,
) -> list[dict[str, Any]]:
    """Medians of the main metrics in consecutive fixed-length windows.

    Parameters
    ----------
    num, side, ic
        Numeric metric columns (DataFrame or mapping of columns; NaN counts
        as no value), side labels and initial contact times (s).
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
    columns = num.columns if hasattr(num, "columns") else num
    names = [m for m in metrics if m in columns]
    ic = np.asarray(ic, dtype=np.float64)
    return _windows(
        _rows_of(num, names, ic.size),
        names,
        _side_codes(side),
        ic,
        window_s=window_s,
        origin_s=origin_s,
    )


def summarize(
    steps: pd.DataFrame,
    duration_s: float,
    *,
    window_s: float = WINDOW_S,
    min_per_third: int = MIN_STEPS_PER_THIRD,
) -> RunSummary:
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
    values, side, ic = _prepare(steps)
    row = {m: r for r, m in enumerate(SUMMARY_METRICS)}
    has_value = ~np.isnan(values).all(axis=1)
    present = [m for m, has in zip(SUMMARY_METRICS, has_value, strict=True) if has]
    data = values[[row[m] for m in present]]

    stats = _metric_stats(data, side, present)

    cadence = stats.get("cadence_spm", {}).get("median")
    if cadence is None and "stride_ms" in stats:
        stride = values[row["stride_ms"]]
        stride = stride[stride > 0]
        cadence = finite_or_none(_medians((120000.0 / stride)[None, :])[0][0])

    if "strike_pattern" in steps.columns:
        strike = _strike_pattern_shares(_pattern_codes(steps["strike_pattern"]), side)
    else:
        strike = {}

    window_names = [m for m in WINDOW_METRICS if m in row]
    contact = stats.get("contact_ms", {})
    summary: RunSummary = {
        "duration_s": finite_or_none(duration_s),
        "n_steps": len(steps),
        "n_steps_left": int(np.count_nonzero(side == _LEFT)),
        "n_steps_right": int(np.count_nonzero(side == _RIGHT)),
        "cadence_spm": cadence,
        "contact_balance_left_pct": contact_balance_left_pct(
            contact.get("left"), contact.get("right")
        ),
        "metrics": cast("dict[str, MetricStats]", stats),
        "strike_pattern": strike,
        "drift": cast(
            "dict[str, DriftEntry]", _drift(data, present, ic, min_per_third=min_per_third)
        ),
        "windows": _windows(
            values[[row[m] for m in window_names]],
            window_names,
            side,
            ic,
            window_s=window_s,
            origin_s=None,
        ),
        "findings": [],
    }
    return summary


# --------------------------------------------------------------------------
# Running dynamics: one row per record of a watch or foot pod (FIT)
# --------------------------------------------------------------------------

PER_STEP_MEANS: tuple[str, ...] = (
    "contact_ms",
    "contact_balance_left_pct",
    "contact_time_pct",
    "step_length_m",
    "vertical_oscillation_mm",
    "vertical_ratio_pct",
    "form_power_w",
    "leg_spring_stiffness_kn_m",
)
"""Running-dynamics metrics whose mean is taken per step (each record
weighted by the steps it stands for, ``interval_s x cadence_spm / 60``), as
an average of a per-step quantity is; the others (cadence, speed, heart
rate, power) are averaged over time (weighted by ``interval_s``)."""


class _RowColumns(dict[str, np.ndarray]):
    """Columns as a table for :func:`summarize`: ``len`` is the rows."""

    def __init__(self, columns: Mapping[str, np.ndarray], n_rows: int):
        super().__init__(columns)
        self._n = n_rows

    def __len__(self) -> int:
        return self._n

    @property
    def columns(self) -> list[str]:
        return list(self.keys())


def running_dynamics_means(
    columns: Mapping[str, np.ndarray], rows: np.ndarray | None = None
) -> dict[str, float | None]:
    """Means of a running-dynamics table's summarised metrics, as a watch
    averages them: per step for :data:`PER_STEP_MEANS`, over time for the
    others (``interval_s``; records after a pause or a gap weigh nothing).
    ``rows``: a boolean mask of the rows to use (default all). None where a
    metric has no value with weight."""
    interval = np.asarray(columns["interval_s"], dtype=np.float64)
    mask = np.ones(interval.size, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    cadence = np.asarray(columns.get("cadence_spm", np.full(interval.size, np.nan)), np.float64)
    time_w = np.where(mask & np.isfinite(interval), interval, 0.0)
    step_w = np.where(np.isfinite(cadence), time_w * cadence / 60.0, 0.0)
    out: dict[str, float | None] = {}
    for m in SUMMARY_METRICS:
        if m not in columns:
            continue
        v = np.asarray(columns[m], dtype=np.float64)
        w = step_w if m in PER_STEP_MEANS else time_w
        ok = np.isfinite(v) & (w > 0)
        total = float(w[ok].sum())
        if total > 0:
            out[m] = float(np.dot(v[ok], w[ok]) / total)
    return out


def _steps_in(columns: Mapping[str, np.ndarray], rows: np.ndarray) -> int:
    """Steps the rows stand for: cadence times interval."""
    c = np.asarray(columns.get("cadence_spm", np.full(rows.size, np.nan)), np.float64)[rows]
    i = np.asarray(columns["interval_s"], np.float64)[rows]
    ok = np.isfinite(c) & np.isfinite(i)
    return int(round(float(np.sum(c[ok] * i[ok]) / 60.0)))


def summarize_running_dynamics(
    columns: Mapping[str, np.ndarray],
    duration_s: float,
    *,
    laps: Sequence[Mapping[str, Any]] = (),
    window_s: float = WINDOW_S,
    min_per_third: int = MIN_STEPS_PER_THIRD,
) -> RunSummary:
    """Summarise a running-dynamics table (one row per record of a watch or
    foot pod, :mod:`footfall.io.fit`) in the shape of :func:`summarize`.

    Medians, quartiles, drift and windows are those of :func:`summarize`
    over the records (``time_s`` standing for the contact time of a step);
    each metric also gets its ``mean`` as the device averages it
    (:func:`running_dynamics_means`). Differences from a steps table's
    summary: ``n_steps`` is the steps the records stand for (cadence x
    time), with no per-foot counts; ``contact_balance_left_pct`` is the
    median of the device's balance; a window's ``n_steps`` is its steps so
    counted and ``n_records`` its records; a drift entry also has
    ``per_km`` (the Theil-Sen slope against distance) where the records give
    a distance; ``running_dynamics`` holds the means, the per-lap means next
    to the device's own lap averages (``laps``: ``start_s``, ``end_s``,
    ``averages``), and the record counts.
    """
    time_s = np.asarray(columns["time_s"], dtype=np.float64)
    n = time_s.size
    view = _RowColumns({**columns, "ic_s": time_s}, n)
    out = summarize(view, duration_s, window_s=window_s, min_per_third=min_per_third)
    means = running_dynamics_means(columns)
    for m, entry in out["metrics"].items():
        entry["mean"] = means.get(m)
    every = np.ones(n, dtype=bool)
    out["n_steps"] = _steps_in(columns, every)
    out["n_steps_left"] = out["n_steps_right"] = 0
    balance = out["metrics"].get("contact_balance_left_pct")
    out["contact_balance_left_pct"] = balance["median"] if balance else None
    distance = np.asarray(columns.get("distance_m", np.full(n, np.nan)), np.float64)
    if np.isfinite(distance).sum() >= 2:
        for m, change in out["drift"].items():
            change["per_km"] = theil_sen_slope(
                distance / 1000.0, np.asarray(columns[m], np.float64)
            )
    if out["windows"] and n:
        origin = float(time_s.min())
        idx = np.floor((time_s - origin) / window_s).astype(np.int64)
        bal = columns.get("contact_balance_left_pct")
        for k, w in enumerate(out["windows"]):
            rows = idx == k
            w["n_records"] = int(rows.sum())
            w["n_steps"] = _steps_in(columns, rows)
            if bal is not None:
                b = np.asarray(bal, np.float64)[rows]
                b = b[np.isfinite(b)]
                w["contact_balance_left_pct"] = float(np.median(b)) if b.size else None
    lap_out = []
    for lap in laps:
        a, b = float(lap["start_s"]), float(lap["end_s"])
        rows = (time_s >= a) & (time_s <= b)
        lap_out.append(
            {
                "start_s": a,
                "end_s": b,
                "n_records": int(rows.sum()),
                "n_steps": _steps_in(columns, rows),
                "means": running_dynamics_means(columns, rows),
                "device": dict(lap.get("averages") or {}),
            }
        )
    interval = np.asarray(columns["interval_s"], np.float64)
    out["running_dynamics"] = {
        "n_records": n,
        "recorded_s": float(np.nansum(interval)),
        "means": means,
        "laps": lap_out,
    }
    return out


def absent_reason(columns: Iterable[str], where: str = "a FIT file") -> str:
    """Why a rule's sensor checks cannot run on data that lacks every one of
    ``columns`` (the steps-table columns its facts come from, named by the
    registry's labels)."""
    labels: list[str] = []
    for name in columns:
        label = metric(name).sentence_label
        if label not in labels:
            labels.append(label)
    listed = ", ".join(labels[:-1]) + (" or " if len(labels) > 1 else "") + labels[-1]
    return f"{where} has no {listed}: a watch or foot pod does not measure it"
