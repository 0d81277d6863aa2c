"""Before/after comparison of two runs: each metric's change, and whether it
exceeds the step-to-step variability of the two runs.

A run here is a :class:`Run`: its summary and its per-step values of the
summarised metrics (:func:`step_values`), from an analysis
(:func:`run_from_analysis`) or from the history (:mod:`footfall.history.store`).

Method
------
For each metric that both runs measure, and for both feet together, the
left foot and the right foot, the change is the difference of the medians
(B minus A), and its interval comes from a percentile bootstrap: the steps
of each run are resampled with replacement, independently in each run, and
the difference of the resampled medians is taken :data:`N_BOOT` times, with
a fixed seed (the same runs always give the same interval).

The median of a resample is drawn exactly without building the resample:
the k-th smallest of n indices drawn uniformly from the sorted values is
``floor(n * U)`` with ``U`` the k-th smallest of n uniform numbers, which
is Beta(k, n + 1 - k) distributed (and, for an even n, the next one above
it is ``U + (1 - U) * Beta(1, n - k)``). So a bootstrap costs the same for
a 3-minute run as for a marathon, and its draws have the distribution of
"resample the steps, take the median" (tests/test_history.py checks it
against that loop).

A change *exceeds the variability* when its interval excludes 0. The
intervals are simultaneous: with m intervals computed for the comparison
(metrics times feet), each is the central 1 - 0.05 / m interval
(Bonferroni), so two runs of the same gait flag no change at all in at least
95 % of comparisons, instead of one metric in twenty by chance. The
interval shown is that one.

A watch's running-dynamics records (a FIT file) are not steps: each is
the watch's average over the last second or few, so neighbours share most
of their steps and resampling them one by one would make the interval far
too narrow. When either run is records, every run of the comparison is
reduced to the medians of its whole minutes (:data:`BATCH_S`, by the time
of each record or contact; batch medians), and those are what the medians,
counts and bootstrap use: a change then exceeds the minute-to-minute
variability. A run needs :data:`MIN_STEPS` such minutes for an interval; a
watch's records carry no foot, so they are compared for both feet only.

What the interval does not hold: the bootstrap treats steps as independent,
so a slow wander within a run (speed on a hilly course, fatigue) counts as
part of the run's level, not as variability; a change between runs also
includes everything that differed between the days (shoes, course,
sensor placement). The comparison says a difference is larger than the
steps' scatter explains, not what caused it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from footfall.registry import metric, names

__all__ = [
    "BATCH_S",
    "Change",
    "Comparison",
    "FAMILY_ALPHA",
    "MIN_STEPS",
    "N_BOOT",
    "Run",
    "SCOPES",
    "SEED",
    "bootstrap_medians",
    "compare_runs",
    "run_from_analysis",
    "split_run",
    "step_values",
]

N_BOOT = 20000
"""Bootstrap resamples per interval: with the Bonferroni share of 5 % over
the about 90 intervals of a run with every sensor, each tail of an interval
still holds about 5 resamples."""

SEED = 20240611
"""Seed of the bootstrap's random numbers: the same runs, the same intervals."""

FAMILY_ALPHA = 0.05
"""Chance that a comparison of two runs of the same gait flags any change."""

MIN_STEPS = 10
"""Fewest steps with a value, in each run, for an interval (fewer: the
change is shown without one, and not called real)."""

BATCH_S = 60.0
"""With a watch's records in a comparison, each run is reduced to the
medians of spans this long (module docstring)."""

SCOPES: tuple[str, ...] = ("both", "left", "right")
"""Both feet together, then each foot."""

METRICS: tuple[str, ...] = names(summarised=True)
"""The metrics compared: those the run summary aggregates (registry)."""


@dataclass
class Run:
    """One side of a comparison.

    Attributes
    ----------
    label
        How the run is named in tables and figures (a history id, a path).
    values
        Per-step values: ``"side"`` (array of ``"left"``/``"right"``) and
        one float array per summarised metric the run has values of.
    summary
        The run's summary (CONTRACTS.md section 3), or an empty dict.
    """

    label: str
    values: dict[str, np.ndarray]
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def is_records(self) -> bool:
        """A watch's running-dynamics records (no contact times), not steps."""
        return "ic_s" not in self.values

    def times(self) -> np.ndarray | None:
        """Each value's time, s (a step's contact, a record's time), if kept."""
        t = self.values.get("ic_s", self.values.get("time_s"))
        return None if t is None else np.asarray(t, dtype=float)

    def per_minute(self, name: str, scope: str = "both") -> np.ndarray:
        """The medians of ``name`` over each whole :data:`BATCH_S` of the run
        with a value in it, for ``scope``; empty without times."""
        t = self.times()
        keep = self._keep(name, scope)
        if t is None or len(t) != len(keep):
            return np.empty(0)
        keep &= np.isfinite(t)
        batch = np.floor(t[keep] / BATCH_S)
        x = np.asarray(self.values[name], dtype=float)[keep]
        if not len(x):
            return x
        order = np.argsort(batch, kind="stable")
        batch, x = batch[order], x[order]
        starts = np.flatnonzero(np.r_[True, batch[1:] != batch[:-1]])
        return np.array([np.median(part) for part in np.split(x, starts[1:])])

    def metrics(self) -> list[str]:
        """The summarised metrics with at least one value in this run, in
        registry order."""
        return [m for m in METRICS if m in self.values and bool(np.isfinite(self.values[m]).any())]

    def column(self, name: str, scope: str = "both") -> np.ndarray:
        """The finite values of ``name`` for ``scope`` (both, left, right)."""
        return np.asarray(self.values[name], dtype=float)[self._keep(name, scope)]

    def _keep(self, name: str, scope: str) -> np.ndarray:
        """Which values of ``name`` are finite and of ``scope``'s foot (none
        per foot when the values have no side)."""
        x = np.asarray(self.values[name], dtype=float)
        keep = np.isfinite(x)
        if scope != "both":
            side = self.values.get("side")
            if side is None or len(side) != len(x):
                return np.zeros(len(x), dtype=bool)  # no side per step: nothing per foot
            keep &= np.asarray(side) == scope
        return keep


def step_values(table: Any) -> dict[str, np.ndarray]:
    """The per-step values a comparison needs from a steps table (a
    :class:`~footfall.table.ColumnTable` or a DataFrame): ``side``,
    ``ic_s`` and every summarised metric with at least one finite value,
    rows ordered as in the table; of a watch's records table, ``time_s``
    instead of ``ic_s``."""
    columns = list(table.columns) if hasattr(table, "columns") else list(table.names)
    out: dict[str, np.ndarray] = {}

    def get(name: str) -> np.ndarray:
        col = table[name]
        return np.asarray(col.to_numpy() if hasattr(col, "to_numpy") else col)

    out["side"] = get("side").astype(str) if "side" in columns else np.array([], dtype=str)
    if "ic_s" in columns:
        out["ic_s"] = get("ic_s").astype(float)
    elif "time_s" in columns:  # a watch's records: their times, for per-minute medians
        out["time_s"] = get("time_s").astype(float)
    for name in METRICS:
        if name in columns:
            x = get(name).astype(float)
            if np.isfinite(x).any():
                out[name] = x
    return out


def run_from_analysis(analysis: Any, label: str) -> Run:
    """A :class:`Run` from an :class:`~footfall.pipeline.Analysis`."""
    return Run(label, step_values(analysis.table), dict(analysis.summary))


def split_run(run: Run) -> tuple[Run, Run]:
    """The first and second half of a run by time of contact (the steps
    before and from the median ``ic_s``); for checking that two halves of
    one steady run show no change."""
    t = run.values["ic_s"]
    cut = float(np.median(t))
    first, second = t < cut, t >= cut
    return (
        Run(f"{run.label} (1st half)", {k: v[first] for k, v in run.values.items()}),
        Run(f"{run.label} (2nd half)", {k: v[second] for k, v in run.values.items()}),
    )


def bootstrap_medians(values: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Medians of ``n_boot`` resamples (with replacement, of the same size)
    of ``values`` (finite, at least one), drawn exactly from the order
    statistics (module docstring) instead of building each resample."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0:
        raise ValueError("values: no value to resample")
    if n % 2:
        k = (n + 1) // 2
        u = rng.beta(k, n + 1 - k, n_boot)
        return x[np.minimum((n * u).astype(np.int64), n - 1)]
    k = n // 2
    u1 = rng.beta(k, n + 1 - k, n_boot)
    u2 = u1 + (1.0 - u1) * rng.beta(1, n - k, n_boot)
    i1 = np.minimum((n * u1).astype(np.int64), n - 1)
    i2 = np.minimum((n * u2).astype(np.int64), n - 1)
    return 0.5 * (x[i1] + x[i2])


@dataclass(frozen=True)
class Change:
    """One metric's change from run A to run B, for one scope.

    ``low``/``high`` bound the change (B - A) at the comparison's level;
    None (and ``real`` None) with fewer than :data:`MIN_STEPS` values in
    either run. ``change_pct`` is relative to A's median, None when that is
    zero or the metric can be negative (angles)."""

    metric: str
    scope: str
    median_a: float | None
    median_b: float | None
    n_a: int
    n_b: int
    change: float | None
    change_pct: float | None
    low: float | None
    high: float | None
    real: bool | None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Comparison:
    """The result of :func:`compare_runs`."""

    a: str
    b: str
    changes: list[Change]
    only_a: list[str]
    only_b: list[str]
    level: float
    n_boot: int
    seed: int
    unit: str = "step"
    """What the medians, counts and bootstrap are over: ``"step"``, or
    ``"minute"`` (per-minute medians, when a run is a watch's records)."""

    @property
    def variability(self) -> str:
        """What a real change exceeds, in words: "the steps' variability"
        or, over per-minute medians, "the minute-to-minute variability"."""
        return (
            "the minute-to-minute variability"
            if self.unit == "minute"
            else "the steps' variability"
        )

    def real(self) -> list[Change]:
        """The changes that exceed the variability."""
        return [c for c in self.changes if c.real]

    def get(self, name: str, scope: str = "both") -> Change | None:
        for c in self.changes:
            if c.metric == name and c.scope == scope:
                return c
        return None

    def report_section(self, *, fmt: str = "png", dpi: float | None = None) -> dict[str, Any]:
        """This comparison as a section of the coach's report
        (:func:`footfall.history.report_section.comparison_section`)."""
        from footfall.history.report_section import comparison_section

        return comparison_section(self, fmt=fmt, dpi=dpi)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (no NaN: missing values are None)."""
        return {
            "a": self.a,
            "b": self.b,
            "level": self.level,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "unit": self.unit,
            "only_a": list(self.only_a),
            "only_b": list(self.only_b),
            "changes": [c.to_dict() for c in self.changes],
        }


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def compare_runs(
    a: Run,
    b: Run,
    *,
    n_boot: int = N_BOOT,
    seed: int = SEED,
    family_alpha: float = FAMILY_ALPHA,
    simultaneous: bool = True,
    metrics: Mapping[str, Any] | None = None,
) -> Comparison:
    """Compare run ``b`` with run ``a`` (module docstring for the method).

    Parameters
    ----------
    a, b
        The runs, "before" and "after".
    n_boot
        Bootstrap resamples per interval.
    seed
        Seed of the resampling.
    family_alpha
        Chance that two runs of the same gait show any change, shared out
        over the intervals (Bonferroni).
    simultaneous
        False: each interval on its own at ``1 - family_alpha`` (then about
        one change in 1 / family_alpha is flagged by chance alone).
    metrics
        Only these metric names (default: every summarised metric).

    Returns
    -------
    Comparison
        One :class:`Change` per metric both runs have and per scope, in
        registry order, and the metrics only one run has.
    """
    if n_boot < 100:
        raise ValueError(f"n_boot: at least 100 resamples, got {n_boot}")
    if not 0 < family_alpha < 1:
        raise ValueError(f"family_alpha: between 0 and 1, got {family_alpha}")
    have_a, have_b = a.metrics(), b.metrics()
    if metrics is not None:
        have_a = [m for m in have_a if m in metrics]
        have_b = [m for m in have_b if m in metrics]
    both = [m for m in have_a if m in have_b]
    by_minute = a.is_records or b.is_records
    pairs = []
    for name in both:
        for scope in SCOPES:
            if by_minute:
                xa, xb = a.per_minute(name, scope), b.per_minute(name, scope)
            else:
                xa, xb = a.column(name, scope), b.column(name, scope)
            if scope != "both" and not (len(xa) or len(xb)):
                continue  # neither run has this foot
            pairs.append((name, scope, xa, xb))
    m = sum(1 for _, _, xa, xb in pairs if len(xa) >= MIN_STEPS and len(xb) >= MIN_STEPS)
    alpha = family_alpha / max(m, 1) if simultaneous else family_alpha
    rng = np.random.default_rng(seed)
    changes = []
    for name, scope, xa, xb in pairs:
        med_a = float(np.median(xa)) if len(xa) else math.nan
        med_b = float(np.median(xb)) if len(xb) else math.nan
        diff = med_b - med_a
        low = high = None
        real = None
        if len(xa) >= MIN_STEPS and len(xb) >= MIN_STEPS:
            d = bootstrap_medians(xb, n_boot, rng) - bootstrap_medians(xa, n_boot, rng)
            lo, hi = np.quantile(d, [alpha / 2, 1 - alpha / 2])
            low, high = float(lo), float(hi)
            real = bool(low > 0 or high < 0)
        pct = None
        if (
            math.isfinite(diff)
            and math.isfinite(med_a)
            and med_a > 0
            and metric(name).unit not in ("deg",)
        ):
            pct = 100.0 * diff / med_a
        changes.append(
            Change(
                name,
                scope,
                _finite(med_a),
                _finite(med_b),
                len(xa),
                len(xb),
                _finite(diff),
                pct,
                low,
                high,
                real,
            )
        )
    return Comparison(
        a.label,
        b.label,
        changes,
        only_a=[x for x in have_a if x not in have_b],
        only_b=[x for x in have_b if x not in have_a],
        level=1 - alpha,
        n_boot=n_boot,
        seed=seed,
        unit="minute" if by_minute else "step",
    )
