"""Online step detection for one foot or shank IMU.

The detector keeps the newest seconds of samples and, whenever a stride may
have become final, runs the offline functions on that window:
:func:`~footfall.gait.segment.segment_strides`, then
:func:`~footfall.gait.imu.steps_with_alignment` (rotate, integrate, detect
events, measure) with the alignment that
:func:`~footfall.gait.alignment.estimate_alignment` finds from the first
:data:`~footfall.gait.alignment.ALIGN_STRIDES` strides, the same strides
offline analysis uses. There is no second implementation of any event rule,
metric or alignment: a step row is exactly the row the offline pipeline
computes from the same samples.

When is a step final?
---------------------
A steps-table row for contact ``j`` uses stride ``j`` (the swing that ends
with that contact) and stride ``j + 1`` (its toe-off, next contact and
displacement). Stride ``j + 1`` ends at the mid-stance before swing ``j + 2``,
which segmentation places between the two swing peaks; so the row is final
when the peak of swing ``j + 2`` is *settled*: the detector has seen
:data:`CONFIRM_S` seconds after it, more than the shortest stride (no taller
peak can still replace it) plus the smoothing half-window. A swing with no
successor within :data:`~footfall.gait.segment.MAX_STRIDE_S` is final once that
long has passed. The buffer keeps :data:`HISTORY_S` seconds before the oldest
stride still needed, so segmentation sees the same neighbours as offline.

What can differ from offline analysis
-------------------------------------
Offline segmentation keeps swings taller than a share of the recording's
median swing; live, only the swings seen so far set that median. Where the
two disagree on a weak swing (a step out of standing), that step differs,
and if it is among the first strides the alignment is estimated from other
strides. Steps before the alignment is available are buffered and measured
once it is; if gait takes longer than :data:`PRE_ALIGN_MAX_S` to give the
first strides, the oldest samples are dropped and the alignment strides are
later ones than offline. A detector built with another ``align_strides``, or
given an alignment, uses that instead. A recording that starts mid-swing has
a leading partial stride, found live as offline (the detector's window starts
where the data does); its contact follows the running and flat-landing rules
of most strides measured with it: offline all of the stream's, live those
measured in the same block (at least the first alignment strides when the
alignment is estimated from the data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from footfall.gait.alignment import ALIGN_STRIDES, Alignment, estimate_alignment
from footfall.gait.belt import BeltSchedule
from footfall.gait.gaps import bridge_gaps, drop_implausible
from footfall.gait.imu import gap_breaks, steps_with_alignment
from footfall.gait.metrics import belt_columns
from footfall.gait.segment import MAX_STRIDE_S, MIN_STRIDE_S, Segmentation, segment_strides
from footfall.gait.shank import with_standing_tibia
from footfall.model import Placement, Side
from footfall.stream.buffer import SampleBuffer

__all__ = [
    "CONFIRM_S",
    "DISCOVER_S",
    "FINAL_NO_NEXT_S",
    "HISTORY_S",
    "ImuStepDetector",
    "PRE_ALIGN_MAX_S",
    "StepBatch",
    "VIEW_S",
]


CONFIRM_S = MIN_STRIDE_S + 0.2
"""Data after a swing peak before it is settled, s: longer than the peak
finder's minimum distance between swings (a taller peak closer than that
would replace it) plus the half-width of the smoothing windows."""

FINAL_NO_NEXT_S = MAX_STRIDE_S + CONFIRM_S
"""A swing with no following swing is final this long after its peak, s."""

HISTORY_S = 8.0
"""Samples kept before the oldest stride still needed, s: more than the
peak finder's look-back (:data:`~footfall.gait.segment.MAX_STRIDE_S`), and
enough swings for its median-height test."""

DISCOVER_S = 0.3
"""Longest interval of data between two looks for new swings, s."""

VIEW_S = 0.15
"""Data after a swing peak before the rows ending at it are measured ahead of
confirmation, s (the smoothing half-window plus a margin)."""

PRE_ALIGN_MAX_S = 180.0
"""Longest data kept while waiting for enough strides to align, s; older
samples are dropped (their steps are lost) when gait does not start."""


@dataclass
class StepBatch:
    """Rows a detector emitted in one call.

    Attributes
    ----------
    steps
        Steps-table rows (the columns of
        :func:`~footfall.gait.metrics.imu_step_metrics`), ordered by ``ic_s``.
    confirm_index
        (n,) absolute sample index, per row, of the first sample whose arrival
        made the row final (for latency measurements).
    """

    steps: pd.DataFrame
    confirm_index: np.ndarray


class ImuStepDetector:
    """Streaming steps of one foot or shank IMU.

    Parameters
    ----------
    fs_hz
        Sampling rate, Hz (the nominal rate; the offline pipeline uses the
        median sample interval of the file).
    side, placement
        Where the sensor sits.
    belt_speed_mps
        Treadmill belt speed, if on a treadmill (as offline): one speed, or a
        :class:`~footfall.gait.belt.BeltSchedule` of the speeds the treadmill
        sent, from which each row takes the one in effect at its initial
        contact when the row is emitted (values may be added to the schedule
        meanwhile: :meth:`footfall.stream.StreamingAnalyzer.set_belt_speed`).
    align_strides
        Final strides needed before the alignment is estimated, and estimated
        from (:data:`~footfall.gait.alignment.ALIGN_STRIDES`, as offline).
    alignment
        A known alignment to use from the start.

    Notes
    -----
    Feed samples with :meth:`push` in arrival order; each call returns the
    rows that became final. :meth:`flush` at the end of a session returns the
    rest, as offline analysis of the whole recording would.
    """

    def __init__(
        self,
        fs_hz: float,
        side: Side | str,
        placement: Placement | str = Placement.FOOT,
        *,
        belt_speed_mps: float | BeltSchedule | None = None,
        align_strides: int = ALIGN_STRIDES,
        alignment: Alignment | None = None,
        toes: np.ndarray | None = None,
    ):
        self.fs_hz = float(fs_hz)
        self.side = Side(side)
        self.placement = Placement(placement)
        self.belt_speed_mps: float | BeltSchedule | None = belt_speed_mps
        self.align_strides = int(align_strides)
        self.alignment = alignment
        self.toes = None if toes is None else np.asarray(toes, dtype=float)
        self.n_alignments = 0
        # acc, gyr, and 1.0 where a sample was filled into a short gap
        self.buf = SampleBuffer(7, capacity=int(4 * HISTORY_S * self.fs_hz))
        self._last: tuple[float, np.ndarray] | None = None
        self._done_peak = -1  # absolute swing peak of the last stride whose row was emitted
        self._next_check = 0
        self._confirm_s = int(np.ceil(CONFIRM_S * self.fs_hz))
        self._final_far = int(np.ceil(FINAL_NO_NEXT_S * self.fs_hz))
        self._history = int(HISTORY_S * self.fs_hz)
        self._discover = max(1, int(DISCOVER_S * self.fs_hz))
        self._settle_view = int(np.ceil(VIEW_S * self.fs_hz))
        self._cache: dict[int, tuple[tuple, pd.DataFrame | None]] = {}
        self.n_runs = 0
        self.n_implausible = 0
        self.n_measured = 0
        self.n_reused = 0

    # ------------------------------------------------------------------ input

    def push(self, t_s: np.ndarray, values: np.ndarray) -> StepBatch | None:
        """Add samples (times in s; acc m/s^2 then gyr rad/s, sensor axes).

        Returns
        -------
        StepBatch or None
            The rows that became final, or None when none did.
        """
        t_s = np.asarray(t_s, dtype=float)
        values = np.asarray(values, dtype=float)
        # samples no sensor can give are missing data, as offline
        t_s, values, n_bad = drop_implausible(t_s, values)
        self.n_implausible += n_bad
        if len(t_s) == 0:
            return None
        # short gaps are bridged exactly as offline (footfall.gait.gaps)
        br = bridge_gaps(t_s, values, self.fs_hz, prev=self._last)
        self._last = (float(t_s[-1]), values[-1].copy())
        self.buf.append(br.time_s, np.column_stack([br.values, br.filled.astype(float)]))
        if self.buf.end < self._next_check:
            return None
        return self._run(final=False)

    def flush(self) -> StepBatch | None:
        """Treat the data so far as the end of the recording: every stride
        seen is final. Returns the remaining rows."""
        if len(self.buf) == 0:
            return None
        return self._run(final=True)

    # -------------------------------------------------------------- internals

    def _run(self, final: bool) -> StepBatch | None:
        self.n_runs += 1
        buf = self.buf
        end = buf.end
        base = buf.base
        t = buf.time_s
        v = buf.values
        gyr = v[:, 3:6]
        seg = segment_strides(
            gyr,
            self.fs_hz,
            breaks=gap_breaks(t, self.fs_hz),
            leading_partial=True,
            acc_mps2=v[:, :3],
        )
        peaks = seg.swing_peak + base
        n = len(peaks)
        new = peaks > self._done_peak
        if final:
            ready = new
            row_ok = new
            confirm = np.full(n, end - 1)
        else:
            ready, confirm_stride = self._final_strides(peaks, end)
            # row j needs strides j and j+1; j+1 must be final unless stride j
            # is final and no stride follows it
            nxt_ready = np.append(ready[1:], False)
            has_next = np.arange(n) < n - 1
            row_ok = new & ready & (nxt_ready | ~has_next)
            nxt_confirm = np.append(confirm_stride[1:], -1)
            confirm = np.where(has_next, np.maximum(confirm_stride, nxt_confirm), confirm_stride)
        # the alignment comes from whole strides (as offline): a leading
        # partial stride does not count towards them
        whole = ~seg.partial if seg.partial is not None else np.ones(n, bool)
        if (
            self.alignment is None
            and n
            and (final or int((ready & whole).sum()) >= self.align_strides)
        ):
            # from the first strides, as offline
            use = ready if ready.any() else np.ones(n, bool)
            self.alignment = estimate_alignment(
                v[:, :3],
                gyr,
                self.fs_hz,
                _subset(seg, use),
                placement=self.placement,
                strides=self.align_strides,
                toes=self.toes,
            )
            if self.placement == Placement.SHANK:
                self.alignment = with_standing_tibia(
                    self.alignment, v[:, :3], gyr, self.fs_hz, _subset(seg, use)
                )
            self.n_alignments += 1
            self._cache.clear()
        batch = None
        if self.alignment is not None:
            keys = self._keys(seg, base)
            if row_ok.any():
                # rows are emitted in order: stop at the first stride not ready
                first = int(np.argmax(row_ok))
                stop = first
                while stop < n and row_ok[stop]:
                    stop += 1
                emit = np.arange(first, stop)
                batch = self._rows(seg, t, v, peaks, keys, emit, confirm[emit])
                self._done_peak = int(peaks[stop - 1])
                for p in [k for k in self._cache if k <= self._done_peak]:
                    del self._cache[p]
            if not final and batch is None:
                # measure now the rows whose strides are all in view but not yet
                # final: when they become final and nothing moved, the stored
                # row is the answer and the confirming frame costs only the
                # segmentation (not on a run that confirmed rows: they would
                # wait for it; the next block does it)
                # (their successor ends where the swing after it peaks: that
                # peak must be in view and past the smoothing window)
                in_view = np.append(peaks[2:] <= end - self._settle_view, [False, False])[:n]
                todo = [
                    j
                    for j in np.flatnonzero((peaks > self._done_peak) & in_view)
                    if self._cache.get(int(peaks[j]), (None,))[0] != keys[j]
                ]
                if todo:
                    self._speculate(seg, t, v, peaks, keys, np.asarray(todo))
        self._trim(seg, peaks, final)
        self._schedule(peaks, end)
        if batch is not None:
            self._next_check = end + 1
        return batch

    def _final_strides(self, peaks: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray]:
        """Which strides are final, and the sample whose arrival made them so."""
        settled_at = peaks + self._confirm_s
        nxt = np.append(settled_at[1:], np.iinfo(np.int64).max)
        by_next = np.maximum(settled_at, nxt)
        by_far = peaks + self._final_far
        at = np.minimum(by_next, by_far)
        return at <= end, at - 1

    def _keys(self, seg: Segmentation, base: int) -> list[tuple]:
        """What row ``j`` depends on: the bounds of strides j and j+1, the
        start of stride j+2, and the alignment in use (a shank's row also on
        stride j-1, where its toe-off search starts: footfall.gait.shank)."""
        b = (seg.ms_before + base).tolist() + [-1, -1]
        a = (seg.ms_after + base).tolist() + [-1, -1]
        shank = self.placement == Placement.SHANK
        return [
            (b[j], a[j], b[j + 1], a[j + 1], b[j + 2], self.n_alignments)
            + ((b[j - 1], a[j - 1]) if shank and j else ())
            for j in range(len(seg))
        ]

    def _measure(
        self, seg: Segmentation, t: np.ndarray, v: np.ndarray, rows: np.ndarray
    ) -> dict[int, pd.DataFrame]:
        """Rows of strides ``rows`` (window indices), keyed by stride index."""
        # strides of the rows, their successor, and one more (its first
        # sample's pitch belongs to the stride that starts there)
        last = min(len(seg), int(rows[-1]) + 3)
        first = int(rows[0])
        if self.placement == Placement.SHANK and first > 0:
            first -= 1  # the shank's toe-off search starts in the stride before
        sub = _subset(seg, np.arange(first, last))
        if self.alignment is None:  # rows are measured once the alignment is found
            raise RuntimeError("stride rows measured before the sensor's alignment is known")
        steps, ev = steps_with_alignment(
            t,
            v[:, :3],
            v[:, 3:6],
            self.fs_hz,
            sub,
            self.alignment,
            side=self.side,
            placement=self.placement,
            # the belt speed is given to rows as they are emitted (_with_belt):
            # a row measured ahead may be emitted after a new speed arrived
            belt_speed_mps=None,
            filled=v[:, 6] > 0.5,
        )
        self.n_measured += 1
        out: dict[int, pd.DataFrame] = {}
        if len(steps) == 0:
            return out
        # a row belongs to the stride whose closing mid-stance is its ms_s
        # (the events' mid-stances: a shank's strides are re-cut at its
        # stance minima)
        ms_t = t[ev.ms_after.astype(int)]
        row_ms = steps["ms_s"].to_numpy()
        k = np.clip(np.searchsorted(ms_t, row_ms), 0, len(ms_t) - 1)
        wanted = set(int(r) for r in rows)
        for i in np.flatnonzero(ms_t[k] == row_ms):
            j = first + int(k[i])
            if j in wanted:
                out[j] = steps.iloc[[i]]
        return out

    def _speculate(
        self,
        seg: Segmentation,
        t: np.ndarray,
        v: np.ndarray,
        peaks: np.ndarray,
        keys: list[tuple],
        todo: np.ndarray,
    ) -> None:
        got = self._measure(seg, t, v, todo)
        for j in todo:
            self._cache[int(peaks[j])] = (keys[j], got.get(int(j)))

    def _rows(
        self,
        seg: Segmentation,
        t: np.ndarray,
        v: np.ndarray,
        peaks: np.ndarray,
        keys: list[tuple],
        emit: np.ndarray,
        confirm: np.ndarray,
    ) -> StepBatch:
        """The final rows of strides ``emit``: stored ones where their inputs
        did not change, the others measured now."""
        found: dict[int, pd.DataFrame | None] = {}
        for j in emit:
            hit = self._cache.get(int(peaks[j]))
            if hit is not None and hit[0] == keys[j]:
                found[int(j)] = hit[1]
                self.n_reused += 1
        missing = np.array([j for j in emit if int(j) not in found], dtype=int)
        if len(missing):
            found.update(self._measure(seg, t, v, missing))
        parts = [
            (found[int(j)], c)
            for j, c in zip(emit, confirm, strict=True)
            if found.get(int(j)) is not None
        ]
        if not parts:
            return StepBatch(pd.DataFrame(), np.zeros(0, int))
        steps = pd.concat([p for p, _ in parts], ignore_index=True)
        conf = np.array([c for _, c in parts], dtype=int)
        order = np.argsort(steps["ic_s"].to_numpy(), kind="stable")
        return StepBatch(self._with_belt(steps.iloc[order].reset_index(drop=True)), conf[order])

    def _with_belt(self, steps: pd.DataFrame) -> pd.DataFrame:
        """Rows measured without a belt with the belt speed (and incline) in
        effect at each contact, exactly as offline
        (:func:`footfall.gait.metrics.belt_columns`)."""
        belt = self.belt_speed_mps
        if belt is None or not len(steps):
            return steps
        if isinstance(belt, BeltSchedule) and not (
            belt.n_speeds or belt.fallback_mps or belt.has_incline
        ):
            return steps  # nothing sent yet: the rows as measured, overground
        foot = self.placement == Placement.FOOT
        cols = belt_columns(
            ic_s=steps["ic_s"].to_numpy(float),
            stride_ms=steps["stride_ms"].to_numpy(float),
            zupt_length_m=(
                steps["stride_length_zupt_m"].to_numpy(float)
                if foot
                else np.full(len(steps), np.nan)
            ),
            belt=belt,
            foot=foot,
        )
        for k, col in cols.items():
            steps[k] = col
        return steps

    def _trim(self, seg: Segmentation, peaks: np.ndarray, final: bool) -> None:
        buf = self.buf
        if self.alignment is None:
            # waiting for strides to align: keep them, but not a long stand-still
            keep = PRE_ALIGN_MAX_S if len(peaks) else FINAL_NO_NEXT_S + HISTORY_S
            buf.drop_before(buf.end - int(keep * self.fs_hz))
            return
        # keep HISTORY_S before the mid-stance that starts the oldest needed
        # stride (the last one emitted is the successor of the next row)
        done = np.flatnonzero(peaks <= self._done_peak)
        if len(done):
            anchor = int(seg.ms_before[done[-1]]) + buf.base
        else:
            anchor = buf.end - self._final_far
        buf.drop_before(min(anchor, buf.end - self._final_far) - self._history)

    def _schedule(self, peaks: np.ndarray, end: int) -> None:
        """Next sample count at which a stride may become final."""
        pending = peaks > self._done_peak
        nxt = end + self._discover
        if pending.any():
            _, at = self._final_strides(peaks, np.iinfo(np.int64).max)
            at = at[pending] + 1
            later = at[at > end]
            if len(later):
                nxt = min(nxt, int(later.min()))
        self._next_check = nxt


def _subset(seg: Segmentation, which: np.ndarray) -> Segmentation:
    """The strides of ``seg`` selected by a boolean mask or index array."""
    return Segmentation(
        seg.swing_peak[which],
        seg.ms_before[which],
        seg.ms_after[which],
        seg.quiet_rps[which] if len(seg.quiet_rps) else seg.quiet_rps,
        partial=None if seg.partial is None else seg.partial[which],
    )
