"""The run summary of a live session, as the rules see it.

Live flags are the rules engine's findings (:mod:`footfall.stream.flags`), so
they need what the engine reads offline: a run summary
(:func:`footfall.summary.summarize`, CONTRACTS.md section 3). Live, it is

* the summary of the newest :data:`~footfall.stream.flags.WINDOW_S` seconds of
  steps (medians per side, asymmetry, contact balance, strike pattern shares,
  step counts), with ``duration_s`` the session so far, so each rule's
  ``needs`` (steps per foot, minutes, running) are checked as offline;
* with the **session's** drift so far (:func:`footfall.summary.drift` over
  every step since the start, first third against last third, as offline over
  the whole run), refreshed every :data:`DRIFT_EVERY_S` seconds, for the
  ``late_change`` facts of the fatigue rule.

At the end of a steady run the live summary's medians are those of the last
two minutes, the offline summary's those of the whole run; the drift is the
same. With a symptom onset, offline compares the steps before and after it;
live, the first and last thirds of the session so far.

Memory is bounded by the window's rows plus, for the drift, the contact time
and the few metrics the rules' ``late_change`` facts name (a few float arrays
of one value per step).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from footfall.stream.flags import WINDOW_S
from footfall.summary import RunSummary

__all__ = ["DRIFT_EVERY_S", "LiveSummary", "drift_metrics"]


DRIFT_EVERY_S = 10.0
"""How often the session's drift is recomputed, s of session time."""

_NO_DRIFT = 10**9
"""``min_per_third`` that leaves a window summary without drift entries."""


def drift_metrics(rules: Any | None) -> tuple[str, ...]:
    """The metrics the rules' ``late_change`` facts name (default rules when None)."""
    if rules is None:
        from footfall.rules.ruleset import load_rules

        rules = load_rules()
    names: list[str] = []
    for r in rules.rules:
        for c in r.sensors.checks if r.sensors is not None else ():
            base, _, suffix = c.fact.partition(".")
            if suffix.startswith("late_change") and base not in names:
                names.append(base)
    return tuple(names)


class LiveSummary:
    """Steps in, the live run summary out.

    Parameters
    ----------
    rules
        The rules whose ``late_change`` facts decide which metrics' drift is
        kept (default the shipped rules).
    window_s
        Seconds of the newest steps summarised.
    """

    def __init__(self, rules: Any | None = None, *, window_s: float = WINDOW_S):
        from footfall.summary import SUMMARY_METRICS

        self.window_s = float(window_s)
        self.metrics = drift_metrics(rules)
        self.columns: tuple[str, ...] = tuple(SUMMARY_METRICS)
        # the window: per step, its contact time, side, strike pattern and metrics
        self._w_ic = np.empty(0)
        self._w_side = np.empty(0, dtype=object)
        self._w_pattern = np.empty(0, dtype=object)
        self._w_values = np.empty((0, len(self.columns)))
        # the session: contact times and the drift metrics of every step
        self._ic: list[np.ndarray] = []
        self._values: list[np.ndarray] = []
        self._first_ic: float | None = None
        self._drift: dict[str, Any] = {}
        self._drift_at = -np.inf

    def add(self, rows: pd.DataFrame) -> None:
        """Append step rows (those the rolling summaries count)."""
        if rows is None or not len(rows) or "ic_s" not in rows.columns:
            return
        ic = rows["ic_s"].to_numpy(dtype=float, na_value=np.nan)
        if not np.isfinite(ic).any():
            return
        first = float(np.nanmin(ic))
        self._first_ic = first if self._first_ic is None else min(self._first_ic, first)
        n = len(rows)
        vals = np.full((n, len(self.columns)), np.nan)
        for i, m in enumerate(self.columns):
            if m in rows.columns:
                vals[:, i] = _floats(rows[m])
        side = rows["side"].to_numpy(dtype=object) if "side" in rows.columns else np.full(n, None)
        pattern = (
            rows["strike_pattern"].to_numpy(dtype=object)
            if "strike_pattern" in rows.columns
            else np.full(n, None, dtype=object)
        )
        w_ic = np.concatenate([self._w_ic, ic])
        keep = w_ic >= np.nanmax(w_ic) - self.window_s
        self._w_ic = w_ic[keep]
        self._w_side = np.concatenate([self._w_side, side])[keep]
        self._w_pattern = np.concatenate([self._w_pattern, pattern])[keep]
        self._w_values = np.concatenate([self._w_values, vals])[keep]
        cols = [self.columns.index(m) if m in self.columns else None for m in self.metrics]
        drift_vals = np.full((len(self.metrics), n), np.nan)
        for i, c in enumerate(cols):
            if c is not None:
                drift_vals[i] = vals[:, c]
            elif self.metrics[i] in rows.columns:
                drift_vals[i] = _floats(rows[self.metrics[i]])
        self._ic.append(ic)
        self._values.append(drift_vals)
        if len(self._ic) >= 256:  # one array instead of many small ones
            self._ic = [np.concatenate(self._ic)]
            self._values = [np.concatenate(self._values, axis=1)]

    def window(self) -> pd.DataFrame:
        """The steps of the newest ``window_s`` seconds (the columns the
        summary reads)."""
        frame = pd.DataFrame(self._w_values, columns=list(self.columns))
        frame.insert(0, "strike_pattern", self._w_pattern)
        frame.insert(0, "side", self._w_side)
        frame.insert(0, "ic_s", self._w_ic)
        return frame

    def drift(self) -> dict[str, Any]:
        """The session's drift so far (:func:`footfall.summary.drift`)."""
        from footfall.summary import drift

        if not self._ic or not self.metrics:
            return {}
        ic = np.concatenate(self._ic)
        vals = np.concatenate(self._values, axis=1)
        return drift(dict(zip(self.metrics, vals, strict=True)), ic, self.metrics)

    def summary(self, t_s: float) -> RunSummary | dict[str, Any]:
        """The live run summary at session time ``t_s``."""
        from footfall.summary import summarize

        if self._first_ic is None:
            return {}
        duration = max(0.0, float(t_s) - self._first_ic)
        out = summarize(self.window(), duration, min_per_third=_NO_DRIFT)
        if t_s >= self._drift_at + DRIFT_EVERY_S:
            self._drift = self.drift()
            self._drift_at = float(t_s)
        out["drift"] = self._drift
        out["part_of_run"] = f"last {self.window_s / 60.0:g} min"
        return out


def _floats(col: pd.Series) -> np.ndarray:
    """A column as floats, NaN for anything missing or not a number."""
    if col.dtype.kind in "fiu":
        return col.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
