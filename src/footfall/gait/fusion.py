"""One foot, two sensors: align an insole's clock to a foot IMU's and merge
their steps into one row per contact.

Clock offset: both sensors see the same contacts, so the insole's event
times, shifted by the right offset, fall on the IMU's. :func:`clock_offset`
finds it in two stages: a coarse search over all pairwise differences of
initial contacts (and of toe-offs) within ``max_offset_s`` (the discrete
cross-correlation of the two event trains, binned at 10 ms, smoothed over
50 ms, and weighted towards small offsets because steady gait repeats every
stride), then a refinement: the events are paired within 250 ms of the
coarse offset, and the offset is the mean of the median initial-contact
difference and the median toe-off difference. Taking both ends of the
contact with equal weight matters because the two sensors see contact
through different physics: a load threshold starts a contact late and ends
it early, foot rotation tends to do the opposite, most of all in slow
walking (on the Moticon walks the insole IMU's contacts start well before
the pressure contacts). The two ends' biases then have opposite signs and
largely cancel in the mean, which a single median over both kinds of event
does not do (it lands on whichever kind is more numerous or closer to the
coarse offset). Event times are interpolated between samples on both sides,
so the offset is resolved more finely than either sensor's sample period.

Merging (:func:`fuse_steps`): each insole contact, moved onto the IMU's clock,
is paired with the IMU contact whose stance overlaps it by more than half
(:func:`pair_contacts`; by the nearest initial contact within
:data:`MATCH_S` when a toe-off is missing). For the columns both give, the insole's value wins: it
measures contact with the ground directly (pressure-sum events are within a
few ms of force-plate events, MDPI Sensors 23(5):2736), while the IMU infers
it from foot rotation. The IMU's own values are kept with an ``_imu`` suffix.
Everything only one sensor gives (stride length, angles, impact from the IMU;
loads and strike index from the insole) is taken from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from footfall.gait.definitions import from_shank

__all__ = [
    "MATCH_S",
    "PRIOR_OFFSET_S",
    "REFINE_S",
    "SHANK_MATCH_S",
    "SHARED_COLUMNS",
    "clock_offset",
    "fuse_steps",
    "pair_contacts",
    "pair_events",
    "shank_into_foot_rows",
    "shift_steps",
]


SHARED_COLUMNS: tuple[str, ...] = (
    "ic_s",
    "to_s",
    "contact_ms",
    "stride_ms",
    "swing_ms",
    "cadence_spm",
    "strike_pattern",
)
"""Columns both sensors give; the insole's value is used, the IMU's kept as ``<col>_imu``."""

MATCH_S = 0.1
"""Largest distance between the two sensors' initial contacts of one contact when a
toe-off is missing (otherwise the stances must overlap, see :func:`pair_contacts`)."""

PRIOR_OFFSET_S = 1.0
"""Scale of the preference for small offsets in the coarse search, s."""

REFINE_S = 0.25
"""Events within this distance of the coarse offset are paired (nearest first)
for the refinement. Wide enough to hold both ends of a contact when the coarse
offset sits on one of them and the two sensors disagree on the contact's length
by up to this much; below half the shortest stride (0.6 s or more), so each
event still pairs with its own contact's and not the next one's."""


def pair_events(ref: np.ndarray, other: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i_ref, i_other) of each ``other`` event's nearest ``ref``
    event within ``tol`` (each ref used once at most; nearest wins)."""
    ref = np.asarray(ref, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    if len(ref) == 0 or len(other) == 0:
        return np.empty(0, int), np.empty(0, int)
    j = (
        np.clip(np.searchsorted(ref, other), 1, len(ref) - 1)
        if len(ref) > 1
        else np.zeros(len(other), int)
    )
    cand = np.stack([np.maximum(j - 1, 0), j], axis=1)
    d = np.abs(ref[cand] - other[:, None])
    best = cand[np.arange(len(other)), np.argmin(d, axis=1)]
    dist = np.abs(ref[best] - other)
    ok = dist <= tol
    io, ir, dist = np.flatnonzero(ok), best[ok], dist[ok]
    order = np.lexsort((dist, ir))
    ir, io = ir[order], io[order]
    keep = np.r_[True, ir[1:] != ir[:-1]] if len(ir) else np.empty(0, bool)
    return ir[keep], io[keep]


def pair_contacts(
    ref_ic: np.ndarray,
    ref_to: np.ndarray,
    oth_ic: np.ndarray,
    oth_to: np.ndarray,
    tol: float = MATCH_S,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices (i_ref, i_other) of the contacts of one foot that two sensors
    both saw, on one clock.

    Two contacts are the same when their stances [ic, to] overlap by more
    than half of the shorter one (a foot's own contacts never overlap, so
    the two sensors may place the events tens of ms apart, as an insole's
    IMU and its pressure cells do in slow walking); a contact without a
    toe-off is paired by its initial contact within ``tol``. Each contact is
    used once, the larger overlap winning.
    """
    ref_ic = np.asarray(ref_ic, dtype=np.float64)
    ref_to = np.asarray(ref_to, dtype=np.float64)
    oth_ic = np.asarray(oth_ic, dtype=np.float64)
    oth_to = np.asarray(oth_to, dtype=np.float64)
    if len(ref_ic) == 0 or len(oth_ic) == 0:
        return np.empty(0, int), np.empty(0, int)
    order = np.argsort(ref_ic, kind="stable")
    # candidates: the reference contacts starting nearest each other contact
    k = np.searchsorted(ref_ic[order], oth_ic)
    cand = order[np.clip(np.stack([k - 1, k, k + 1], axis=1), 0, len(ref_ic) - 1)]
    a0, a1 = ref_ic[cand], ref_to[cand]
    b0, b1 = oth_ic[:, None], oth_to[:, None]
    with np.errstate(invalid="ignore"):
        overlap = np.minimum(a1, b1) - np.maximum(a0, b0)
        shorter = np.minimum(a1 - a0, b1 - b0)
        score = np.where(overlap > 0.5 * shorter, overlap, -np.inf)
        # no toe-off on either side: the initial contacts within tol
        near = np.abs(a0 - b0)
        no_to = ~np.isfinite(a1) | ~np.isfinite(b1)
        score = np.where(no_to & (near <= tol), -near, score)
    score = np.where(np.isnan(score), -np.inf, score)
    best = np.argmax(score, axis=1)
    rows = np.arange(len(oth_ic))
    ok = np.isfinite(score[rows, best])
    io, ir, sc = rows[ok], cand[rows, best][ok], score[rows, best][ok]
    keep_order = np.lexsort((-sc, ir))
    ir, io = ir[keep_order], io[keep_order]
    keep = np.r_[True, ir[1:] != ir[:-1]] if len(ir) else np.empty(0, bool)
    return ir[keep], io[keep]


def _pairwise_diffs(ref: np.ndarray, oth: np.ndarray, max_s: float) -> np.ndarray:
    """All differences ``ref[j] - oth[i]`` within +-``max_s`` (both sorted)."""
    if len(ref) == 0 or len(oth) == 0:
        return np.empty(0)
    lo = np.searchsorted(ref, oth - max_s)
    hi = np.searchsorted(ref, oth + max_s)
    width = int((hi - lo).max())
    if width == 0:
        return np.empty(0)
    k = lo[:, None] + np.arange(width)[None, :]
    ok = k < hi[:, None]
    return (ref[np.minimum(k, len(ref) - 1)] - oth[:, None])[ok]


def clock_offset(
    ref_ic_s: np.ndarray,
    other_ic_s: np.ndarray,
    ref_to_s: np.ndarray | None = None,
    other_to_s: np.ndarray | None = None,
    *,
    max_offset_s: float = 2.0,
) -> tuple[float, int]:
    """Offset to add to the ``other`` sensor's times to put them on the
    ``ref`` sensor's clock, from the gait events both saw.

    Parameters
    ----------
    ref_ic_s, other_ic_s
        Initial contacts of the same foot from the two sensors, s, each on its
        own clock, increasing.
    ref_to_s, other_to_s
        Optional toe-offs, used in the refinement.
    max_offset_s
        Largest offset searched, s. Should stay below about one stride time
        plus the true offset's uncertainty; larger values risk locking onto a
        neighbouring stride when strides are very regular.

    Returns
    -------
    offset_s, n_pairs
        The offset (NaN when neither the initial contacts nor the toe-offs
        pair up 3 times; from one kind of event alone when only it does) and
        how many event pairs the refinement used.
    """

    def events(t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=np.float64)
        return np.sort(t[np.isfinite(t)])

    kinds = [(events(ref_ic_s), events(other_ic_s))]
    if ref_to_s is not None and other_to_s is not None:
        kinds.append((events(ref_to_s), events(other_to_s)))
    if len(kinds[0][0]) < 3 or len(kinds[0][1]) < 3:
        return float("nan"), 0
    # coarse: histogram of pairwise differences within +-max_offset (event cross-correlation)
    d_coarse = np.concatenate([_pairwise_diffs(r, o, max_offset_s) for r, o in kinds])
    if len(d_coarse) == 0:
        return float("nan"), 0
    bin_s = 0.01
    edges = np.arange(-max_offset_s, max_offset_s + bin_s, bin_s)
    hist, _ = np.histogram(d_coarse, bins=edges)
    smooth = np.convolve(hist, np.ones(5), mode="same").astype(np.float64)
    centres = edges[:-1] + bin_s / 2
    # steady gait repeats every stride: among lags that pair about as many
    # events, prefer the smaller offset (clocks are set roughly together)
    score = smooth * np.exp(-0.5 * (centres / PRIOR_OFFSET_S) ** 2)
    coarse = float(centres[np.argmax(score)])
    # refine: the mean of the median contact and the median toe-off difference
    medians, n_pairs = [], 0
    for r, o in kinds:
        ir, io = pair_events(r, o + coarse, REFINE_S)
        if len(ir) >= 3:
            medians.append(float(np.median(r[ir] - o[io])))
            n_pairs += len(ir)
    if not medians:
        return float("nan"), n_pairs
    return float(np.mean(medians)), n_pairs


def shift_steps(steps: pd.DataFrame, offset_s: float) -> pd.DataFrame:
    """A copy of ``steps`` with ``ic_s`` and ``to_s`` moved by ``offset_s``."""
    out = steps.copy()
    for c in ("ic_s", "to_s"):
        if c in out.columns:
            out[c] = out[c] + offset_s
    return out


def fuse_steps(
    imu_steps: pd.DataFrame, insole_steps: pd.DataFrame, offset_s: float
) -> pd.DataFrame:
    """One row per contact of one foot from an IMU's and an insole's steps.

    Parameters
    ----------
    imu_steps, insole_steps
        Steps tables of the same foot from each sensor, each on its own clock.
    offset_s
        Offset that puts the insole's times on the IMU's clock
        (:func:`clock_offset`).

    Returns
    -------
    pandas.DataFrame
        Rows on the IMU's clock: paired contacts carry both sensors' columns
        (insole wins for :data:`SHARED_COLUMNS`, the IMU's kept as
        ``<col>_imu``) and the IMU's ``source`` with ``+insole``; unpaired contacts keep
        their one sensor's values and ``source``.
    """
    ins = shift_steps(insole_steps, offset_s).reset_index(drop=True)
    imu = imu_steps.reset_index(drop=True)
    ii, jj = (
        pair_contacts(
            ins["ic_s"].to_numpy(),
            ins["to_s"].to_numpy(),
            imu["ic_s"].to_numpy(),
            imu["to_s"].to_numpy(),
            MATCH_S,
        )
        if len(ins) and len(imu)
        else (np.empty(0, int), np.empty(0, int))
    )
    imu_part = imu.iloc[jj].reset_index(drop=True)
    ins_part = ins.iloc[ii].reset_index(drop=True)
    # the merged columns gathered first and framed once (one insert per
    # column into a DataFrame costs more than the pairing itself)
    cols: dict[str, Any] = {c: ins_part[c].array for c in ins_part.columns}
    for c in imu_part.columns:
        if c in ("side", "source"):
            continue
        if c in SHARED_COLUMNS:
            cols[f"{c}_imu"] = imu_part[c].to_numpy()
        elif c not in cols or ins_part[c].isna().all():
            cols[c] = imu_part[c].to_numpy()
    if len(ins_part):
        src = (
            imu_part["source"]
            if "source" in imu_part.columns
            else pd.Series("imu", index=ins_part.index)
        )
        cols["source"] = src.fillna("imu").astype(str).to_numpy() + "+insole"
    merged = pd.DataFrame(cols, index=ins_part.index).copy()
    lone_ins = ins.drop(index=ii)
    lone_imu = imu.drop(index=jj).copy()
    if "source" not in lone_imu.columns or lone_imu["source"].isna().all():
        lone_imu["source"] = "imu"
    parts = [p for p in (merged, lone_ins, lone_imu) if len(p)]
    if not parts:
        return merged
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values("ic_s", kind="stable").reset_index(drop=True)


SHANK_MATCH_S = 0.08
"""Largest gap between a shank IMU's contact and the foot's contact for the
two to be the same contact."""


def shank_into_foot_rows(tables: list[pd.DataFrame], notes: list[str]) -> list[pd.DataFrame]:
    """One row per contact when a side has both a shank IMU and a foot sensor.

    The foot sensor (foot IMU, insole, or both fused) times the contact; the
    shank adds its own measure, ``shank_angle_ic_deg``, to the foot row of
    the same contact. The shank's separate rows are dropped, so that its
    longer, less certain contact times do not enter the summary twice.
    A side with only a shank IMU keeps the shank rows.
    """

    def side_of(t: pd.DataFrame) -> str | None:
        sides = t["side"].astype(str).unique() if "side" in t.columns else []
        return str(sides[0]) if len(sides) == 1 else None

    def is_shank(t: pd.DataFrame) -> bool:
        return "source" in t.columns and bool(from_shank(t["source"].to_numpy()).all())

    out: list[pd.DataFrame | None] = list(tables)  # None: a shank table merged
    for k, shank in enumerate(tables):
        if not len(shank) or not is_shank(shank):
            continue
        side = side_of(shank)
        foot = [
            (i, t)
            for i, t in enumerate(out)
            if t is not None and len(t) and not is_shank(t) and side_of(t) == side
        ]
        if not foot:
            continue
        i, longest = max(foot, key=lambda it: len(it[1]))
        rows = longest.copy()
        order = np.argsort(shank["ic_s"].to_numpy(dtype=float))
        ic_shank = shank["ic_s"].to_numpy(dtype=float)[order]
        i_sh, i_foot = pair_events(ic_shank, rows["ic_s"].to_numpy(dtype=float), SHANK_MATCH_S)
        angle = np.full(len(rows), np.nan)
        angle[i_foot] = shank["shank_angle_ic_deg"].to_numpy(dtype=float)[order][i_sh]
        rows["shank_angle_ic_deg"] = angle
        out[i] = rows
        out[k] = None
        notes.append(
            f"{side} shank IMU: its shank angle at contact is reported on the "
            f"{side} foot's rows ({len(i_foot)} of {len(rows)} contacts paired)"
        )
    return [t for t in out if t is not None]
