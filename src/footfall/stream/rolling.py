"""Rolling summaries of the newest steps for the live view: cadence, contact time, balance.

The statistics are those of the run summary (medians per side, asymmetry and
contact balance as defined in :mod:`footfall.summary`), taken over the last
``n`` steps or the last ``last_s`` seconds instead of the whole run.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from footfall.model import Side
from footfall.registry import names
from footfall.summary import asymmetry_pct, contact_balance_left_pct, finite_or_none

__all__ = [
    "LAST_S",
    "LAST_STEPS",
    "LIVE_METRICS",
    "RollingSummary",
]


LIVE_METRICS: tuple[str, ...] = names(live=True)
"""Metrics kept for the live summaries (:mod:`footfall.registry`)."""

LAST_STEPS = 20
"""Default number of newest steps summarised."""

LAST_S = 60.0
"""Default time window of the 'last minute' summary, s."""


class RollingSummary:
    """The newest steps and summaries over them.

    Steps are held in NumPy arrays (a few thousand rows at most), so a
    summary costs well under a millisecond: medians per side with
    ``numpy.nanmedian``, then the run summary's own definitions of asymmetry
    (:func:`footfall.summary.asymmetry_pct`) and contact balance
    (:func:`footfall.summary.contact_balance_left_pct`).

    Parameters
    ----------
    keep_steps
        Newest steps kept (older ones are forgotten; bounds memory).

    Notes
    -----
    These are the numbers a live view shows. The live flags read the run
    summary of the newest two minutes instead
    (:class:`footfall.stream.live_summary.LiveSummary`), as the rules do offline.
    """

    def __init__(self, keep_steps: int = 2000):
        self.keep = int(keep_steps)
        self._ic = np.empty(0)
        self._left = np.empty(0, dtype=bool)
        self._v = np.empty((0, len(LIVE_METRICS)))
        self.n_steps = 0

    def add(self, steps: pd.DataFrame) -> None:
        """Append new step rows (any order; they are kept sorted by ``ic_s``)."""
        if steps is None or len(steps) == 0:
            return
        n = len(steps)
        vals = np.full((n, len(LIVE_METRICS)), np.nan)
        for i, m in enumerate(LIVE_METRICS):
            if m in steps.columns:
                col = steps[m]
                if col.dtype.kind in "fiu":  # numbers already (every row footfall makes)
                    vals[:, i] = col.to_numpy(dtype=float, na_value=np.nan)
                else:
                    vals[:, i] = pd.to_numeric(col, errors="coerce").to_numpy(float)
        vals[~np.isfinite(vals)] = np.nan
        ic = steps["ic_s"].to_numpy(float)
        left = (steps["side"].astype(str) == Side.LEFT.value).to_numpy()
        self.n_steps += n
        ic_all = np.concatenate([self._ic, ic])
        order = np.argsort(ic_all, kind="stable")[-self.keep :]
        self._ic = ic_all[order]
        self._left = np.concatenate([self._left, left])[order]
        self._v = np.concatenate([self._v, vals])[order]

    def summary(
        self, *, last_steps: int | None = LAST_STEPS, last_s: float | None = None
    ) -> dict[str, Any]:
        """Statistics of the newest steps.

        Parameters
        ----------
        last_steps
            Use the newest ``last_steps`` steps (both feet), or
        last_s
            the steps whose ``ic_s`` is within ``last_s`` seconds of the newest.

        Returns
        -------
        dict
            ``n_steps``, ``t_s`` (newest contact), ``span_s``, ``metrics``
            (``{metric: {median, left, right, asymmetry_pct, n}}``, as in the
            run summary) and ``contact_balance_left_pct``.
        """
        n = len(self._ic)
        if last_s is not None and n:
            lo = int(np.searchsorted(self._ic, self._ic[-1] - last_s, side="left"))
        elif last_steps is not None:
            lo = max(0, n - int(last_steps))
        else:
            lo = 0
        out: dict[str, Any] = {
            "n_steps": n - lo,
            "t_s": None,
            "span_s": None,
            "metrics": {},
            "contact_balance_left_pct": None,
        }
        if n - lo == 0:
            return out
        v = self._v[lo:]
        left = self._left[lo:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(v, axis=0)
            med_l = np.nanmedian(v[left], axis=0) if left.any() else np.full(v.shape[1], np.nan)
            med_r = np.nanmedian(v[~left], axis=0) if (~left).any() else np.full(v.shape[1], np.nan)
        count = np.isfinite(v).sum(axis=0)
        stats: dict[str, dict[str, Any]] = {}
        for i, m in enumerate(LIVE_METRICS):
            if count[i] == 0:
                continue
            lf, rf = finite_or_none(med_l[i]), finite_or_none(med_r[i])
            stats[m] = {
                "median": finite_or_none(med[i]),
                "left": lf,
                "right": rf,
                "asymmetry_pct": asymmetry_pct(lf, rf),
                "n": int(count[i]),
            }
        out["t_s"] = float(self._ic[-1])
        out["span_s"] = float(self._ic[-1] - self._ic[lo])
        out["metrics"] = stats
        contact = stats.get("contact_ms", {})
        bal = contact_balance_left_pct(contact.get("left"), contact.get("right"))
        out["contact_balance_left_pct"] = bal
        return out
