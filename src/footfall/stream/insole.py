"""Online step detection for one pressure insole.

The detector keeps the newest seconds of an insole's samples and, whenever a
half-second block of data is complete, runs the offline functions of
:mod:`footfall.gait.pressure` on that window: the offset removal
(:func:`~footfall.gait.pressure.remove_offsets`, the lower envelope of
each cell), the load signal
(:func:`~footfall.gait.pressure.load_signal`), contact detection
(:func:`~footfall.gait.pressure.detect_contacts`) and the per-step metrics
(:func:`~footfall.gait.pressure.insole_step_metrics`). There is no second
implementation of an event rule or a metric: a contact's row is the row the
offline pipeline computes, given the same body weight.

When is a contact final?
------------------------
The offset of a sample is the lower envelope of the half-second blocks
around it (:data:`~footfall.gait.pressure.BASELINE_WINDOW_S`); the window's
blocks are those of offline analysis (the buffer always starts on a block
boundary counted from the stream's first sample), so a sample's cleaned
pressure is offline's once the blocks that envelope spans are complete,
about 2.5 s after it, and as long as the window holds as many blocks before
it (at the stream's start, the window starts where the data does, as
offline). A contact is final when every sample from its initial-contact
crossing to the first sample after its toe-off is; its row is final when the
next valid contact of the same foot is too (its initial contact ends the
stride), or when :data:`NO_NEXT_S` has passed with none (the stride is then
blank, as offline across a pause). Rows are emitted once, in order. A row
thus comes a stride and some 2.5 s after its contact, later than a foot
IMU's (bench/bench_live.py prints the step delay).

What can differ from offline analysis
-------------------------------------
- Body weight. Offline, the contact levels (5, 10 and 20 % of body weight)
  and ``loading_rate_bw_s`` use a body weight estimated from the whole
  stream (:func:`~footfall.gait.pressure.estimate_body_weight`: twice the
  mean load from the first to the last contact). Live, nothing is measured
  until :data:`BW_FIRST_CONTACTS` contacts have been seen; the estimate is
  then that function on the data so far, and it is kept up to date with
  the same rule on every later sample (the mean load from the first contact
  to the newest one, with the contact level set by the first window's 95th
  percentile). Each row uses the estimate of the moment it became final. A
  recording shorter than that (or a flush before it) gets the offline
  estimate exactly. The levels move event times by a fraction of a sample
  and the regional loads by the samples at the edges of a contact, where
  the load is small; ``loading_rate_bw_s`` differs by the estimate's ratio.
- A force value that is not a number anywhere in the stream makes offline
  analysis use the cells' sum instead of the force for the whole stream;
  live, only the window's samples decide.
- Gaps are found from the window's median sample interval, not the whole
  stream's (the same for a steady rate; at rates above 30 Hz the gap limit
  :data:`~footfall.gait.pressure.MAX_GAP_S` decides anyway).
- If no gait comes within :data:`PRE_BW_MAX_S` of the start, the oldest
  samples are dropped and the estimate is made from later ones.
- The centre-of-pressure paths of offline analysis (for plots) are not kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from footfall.gait.layouts import InsoleLayout
from footfall.gait.pressure import (
    BASELINE_WINDOW_S,
    MAX_CONTACT_S,
    MAX_STRIDE_S,
    InsoleContacts,
    detect_contacts,
    estimate_body_weight,
    insole_step_metrics,
    load_signal,
    remove_offsets,
)
from footfall.model import Side
from footfall.stream.buffer import SampleBuffer
from footfall.stream.detector import StepBatch

__all__ = [
    "BW_FIRST_CONTACTS",
    "InsoleStepDetector",
    "NO_NEXT_S",
    "PRE_BW_MAX_S",
]


BW_FIRST_CONTACTS = 20
"""Contacts seen (rises above a quarter of the load's 95th percentile)
before the first body weight estimate."""

NO_NEXT_S = MAX_STRIDE_S + MAX_CONTACT_S
"""A contact with no valid contact after it is final this long after its
initial contact, s: a next contact within a stride would have ended by then."""

PRE_BW_MAX_S = 180.0
"""Longest data kept while waiting for the first body weight estimate, s."""

HOLD_S = MAX_CONTACT_S + 1.0
"""Data kept before the newest final sample, s: the whole of any contact
still in progress, with its rise."""


class InsoleStepDetector:
    """Streaming steps of one pressure insole.

    Parameters
    ----------
    fs_hz
        Sampling rate, Hz (the offline pipeline uses the median interval of
        the file).
    side
        Which foot.
    columns
        The device's value columns: pressure cells ``p1``..``pN`` (kPa) and,
        if the insole gives it, ``force_n``; other columns are ignored.
    layout
        The insole's cell layout (:func:`~footfall.gait.layouts.layout_for_stream`).

    Notes
    -----
    Feed samples with :meth:`push` in arrival order (the device's columns);
    each call returns the rows that became final. :meth:`flush` at the end of
    a session returns the rest, as offline analysis of the whole stream would.
    """

    def __init__(
        self,
        fs_hz: float,
        side: Side | str,
        columns: Sequence[str],
        layout: InsoleLayout,
    ):
        self.fs_hz = float(fs_hz)
        self.side = Side(side)
        self.layout = layout
        pcols = [i for i, c in enumerate(columns) if c.startswith("p") and c[1:].isdigit()]
        if len(pcols) != len(layout.cells):
            raise ValueError(
                f"layout {layout.name!r} has {len(layout.cells)} cells but the stream has "
                f"{len(pcols)} pressure columns"
            )
        force = [i for i, c in enumerate(columns) if c == "force_n"]
        self.columns = np.array(pcols + force, dtype=int)
        """Indices of the used columns in a pushed sample: cells, then force."""
        self._n_cells = len(pcols)
        self._has_force = bool(force)
        # the offset removal's blocks and envelope half-width, as offline
        self._block = max(int(round(0.5 * self.fs_hz)), 1)
        self._half = max(int(np.ceil(BASELINE_WINDOW_S / 2 / (self._block / self.fs_hz))), 1)
        self.buf = SampleBuffer(len(self.columns), capacity=int(30 * self.fs_hz))
        self.body_weight: float | None = None
        """The body weight estimate in use (None until there is one)."""
        self.load_unit: str | None = None
        # running body weight: level, first rise and sums from it (absolute)
        self._bw_level = np.nan
        self._bw_a = -1
        self._bw_sum = 0.0  # load from the first rise to _bw_upto
        self._bw_sum_end = 0.0  # load from the first rise to the newest fall
        self._bw_end = -1  # the newest fall
        self._bw_upto = 0
        self._bw_on = False
        self._done_before = -1  # absolute rise sample of the newest emitted contact
        self._done_stop = -1
        self._pending_before = -1  # absolute rise sample of the oldest row not yet final
        self._next_block = self._block
        self.n_runs = 0
        self.n_contacts = 0

    # ------------------------------------------------------------------ input

    def push(self, t_s: np.ndarray, values: np.ndarray) -> StepBatch | None:
        """Add samples (times in s; the device's columns, kPa and N).

        Returns
        -------
        StepBatch or None
            The rows that became final, or None when none did.
        """
        t_s = np.asarray(t_s, dtype=float)
        if len(t_s) == 0:
            return None
        values = np.asarray(values, dtype=float)[:, self.columns]
        self.buf.append(t_s, values)
        if self.buf.end < self._next_block:
            return None
        self._next_block = (self.buf.end // self._block + 1) * self._block
        return self._run(final=False)

    def flush(self) -> StepBatch | None:
        """Treat the data so far as the end of the stream: every contact seen
        is final. Returns the remaining rows."""
        if len(self.buf) == 0:
            return None
        return self._run(final=True)

    # -------------------------------------------------------------- internals

    def _run(self, final: bool) -> StepBatch | None:
        self.n_runs += 1
        buf = self.buf
        base, n = buf.base, len(buf)
        t = buf.time_s
        if buf.end < 10 or n < 3:
            return None
        v = buf.values
        pressure, _ = remove_offsets(v[:, : self._n_cells], self.fs_hz)
        force = v[:, self._n_cells] if self._has_force else None
        load, self.load_unit = load_signal(pressure, self.layout, force, self.fs_hz)
        # samples whose cleaned values are offline's: [lo, hi)
        lo = 0 if base == 0 else (self._half + 1) * self._block
        hi = n if final else (n // self._block - 1 - self._half) * self._block
        if hi <= lo:
            return None
        if self.body_weight is None:
            self._first_body_weight(load, lo, hi, base, final)
        else:
            self._update_body_weight(load, max(self._bw_upto - base, lo), hi, base)
        batch = None
        if self.body_weight is not None:
            batch = self._rows(t, pressure, load, lo, hi, base, final)
        self._trim(hi, base)
        return batch

    def _first_body_weight(
        self, load: np.ndarray, lo: int, hi: int, base: int, final: bool
    ) -> None:
        x = load[lo:hi]
        top = float(np.percentile(x, 95)) if len(x) else 0.0
        on = x > 0.25 * top
        rises = np.flatnonzero(on[1:] & ~on[:-1]) + 1
        if not final and (not top > 0 or len(rises) < BW_FIRST_CONTACTS):
            return
        bw = estimate_body_weight(x)
        if not (np.isfinite(bw) and bw > 0):
            return
        self.body_weight = bw
        falls = np.flatnonzero(~on[1:] & on[:-1]) + 1
        # the running form of estimate_body_weight: from its first rise on
        if len(rises) >= 2 and len(falls) >= 2 and falls[-1] > rises[0]:
            a, b = int(rises[0]), int(falls[-1])
            self._bw_level = 0.25 * top
            self._bw_a = base + lo + a
            self._bw_end = base + lo + b
            self._bw_sum_end = float(x[a:b].sum())
            self._bw_sum = float(x[a:].sum())
            self._bw_on = bool(on[-1])
        self._bw_upto = base + hi

    def _update_body_weight(self, load: np.ndarray, start: int, hi: int, base: int) -> None:
        if self._bw_a < 0 or hi <= start:
            self._bw_upto = max(self._bw_upto, base + hi)
            return
        x = load[start:hi]
        on = x > self._bw_level
        prev = np.r_[self._bw_on, on[:-1]]
        falls = np.flatnonzero(~on & prev)
        csum = np.cumsum(x)
        if len(falls):
            b = int(falls[-1])
            self._bw_sum_end = self._bw_sum + (float(csum[b - 1]) if b else 0.0)
            self._bw_end = base + start + b
            self.body_weight = 2.0 * self._bw_sum_end / (self._bw_end - self._bw_a)
        self._bw_sum += float(csum[-1])
        self._bw_on = bool(on[-1])
        self._bw_upto = base + hi

    def _rows(
        self,
        t: np.ndarray,
        pressure: np.ndarray,
        load: np.ndarray,
        lo: int,
        hi: int,
        base: int,
        final: bool,
    ) -> StepBatch | None:
        assert self.body_weight is not None
        c = detect_contacts(t, load, body_weight=self.body_weight)
        before = c.first - 1
        # final contacts after the newest emitted one (the toe-off crossing
        # reads sample ``stop``)
        known = (before >= lo) & (c.stop < hi) & (before + base > self._done_before)
        idx = np.flatnonzero(known)
        self._pending_before = -1
        if len(idx) == 0:
            return None
        valid = idx[c.valid[idx]]
        if len(valid) == 0:
            # invalid contacts only: passed over
            self._done_before = int(before[idx[-1]] + base)
            return None
        # a row is final when a valid contact follows it, or NO_NEXT_S passed
        if final:
            ready = np.ones(len(valid), bool)
        else:
            has_next = np.r_[np.ones(len(valid) - 1, bool), False]
            ready = has_next | (t[hi - 1] > c.ic_s[valid] + NO_NEXT_S)
        n_emit = int(np.cumprod(ready).sum())
        if n_emit < len(valid):
            self._pending_before = int(before[valid[n_emit]] + base)
        if n_emit == 0:
            return None
        sub = InsoleContacts(
            c.ic_s[valid],
            c.to_s[valid],
            c.first[valid],
            c.stop[valid],
            np.ones(len(valid), bool),
            c.body_weight,
        )
        steps, _ = insole_step_metrics(t, pressure, load, sub, self.layout, side=self.side.value)
        steps["source"] = f"{self.side.value}_insole"
        steps = steps.iloc[:n_emit].reset_index(drop=True)
        last = int(valid[n_emit - 1])
        # invalid contacts before the newest emitted row are passed over
        self._done_before = int(before[last] + base)
        self._done_stop = int(c.stop[last] + base)
        self.n_contacts += n_emit
        confirm = np.full(n_emit, base + len(t) - 1, dtype=int)
        return StepBatch(steps, confirm)

    def _trim(self, hi: int, base: int) -> None:
        buf = self.buf
        fs = self.fs_hz
        if self.body_weight is None:
            keep = buf.end - int(PRE_BW_MAX_S * fs)
        else:
            keep = base + hi - int(HOLD_S * fs)
            if self._done_stop >= keep:
                keep = min(keep, self._done_before)
            if self._pending_before >= 0:
                keep = min(keep, self._pending_before)
            keep = min(keep, self._bw_upto)
        # the window must hold the blocks whose minima set the kept samples' offsets
        start = (keep - (self._half + 1) * self._block) // self._block * self._block
        if start > buf.base:
            buf.drop_before(start)
