"""Scoring of a steps table against reference events and strides.

Shared by bench/validate.py (footfall on every data set) and
bench/bench_gaitmap.py (footfall and gaitmap on the same data), so that both
tools are scored by the same code.

A steps table here needs the columns ``side``, ``ic_s`` and, where scored,
``to_s``, ``stride_ms``, ``stride_length_m``, ``contact_ms`` (footfall's steps
table contract; gaitmap's strides are converted to it by bench_gaitmap.py).

Matching: each reference event is paired with the nearest detected event of
the same side and kind within a tolerance, each detection used once. MAE and
bias are over matched pairs (bias = detected minus reference); "extra" counts
detections (inside the reference's span, when given, widened by the
tolerance) that match nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def match_events(ref: np.ndarray, det: np.ndarray, tol_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Pair each reference time with the nearest unused detection within ``tol_s``.

    Parameters
    ----------
    ref, det
        Reference and detected event times, s (NaN ignored).
    tol_s
        Largest allowed distance of a pair, s.

    Returns
    -------
    errors_s, used
        Detected minus reference time of each matched pair (s), and a mask
        over the sorted finite detections telling which were used.
    """
    ref = np.sort(ref[np.isfinite(ref)])
    det = np.sort(det[np.isfinite(det)])
    used = np.zeros(len(det), dtype=bool)
    errs = []
    for r in ref:  # events, not samples: a few thousand at most
        if not len(det):
            break
        order = np.argsort(np.abs(det - r))
        for k in order[:3]:
            if abs(det[k] - r) > tol_s:
                break
            if not used[k]:
                used[k] = True
                errs.append(det[k] - r)
                break
    return np.asarray(errs), used


def event_stats(
    ref_tables: list[pd.DataFrame],
    det_tables: list[pd.DataFrame],
    col: str,
    tol_s: float,
    spans: list[tuple[float, float]] | None = None,
) -> dict:
    """Recall, extra detections, MAE, bias and 95th percentile of one event kind.

    Parameters
    ----------
    ref_tables, det_tables
        Reference and detected tables, one pair per recording, with ``side``
        and the event column ``col`` (s).
    col
        ``ic_s`` or ``to_s``.
    tol_s
        Matching tolerance, s.
    spans
        Per recording, the (start, end) in s of the reference; detections
        more than ``tol_s`` outside it are ignored (the reference covers only
        that span, and a detection within the tolerance of its first or last
        event may match that event).

    Returns
    -------
    dict
        ``n_ref``, ``matched_pct`` (recall), ``extra_pct`` (unmatched
        detections per reference event), ``precision_pct``, ``mae_ms``,
        ``bias_ms``, ``p95_abs_ms``.
    """
    n_ref = n_match = n_extra = 0
    errs = []
    for i, (ref, det) in enumerate(zip(ref_tables, det_tables, strict=True)):
        for side in ("left", "right"):
            r = ref.loc[ref["side"] == side, col].to_numpy(dtype=float)
            d = det.loc[det["side"] == side, col].to_numpy(dtype=float)
            r = r[np.isfinite(r)]
            d = d[np.isfinite(d)]
            if spans is not None:
                lo, hi = spans[i]
                d = d[(d >= lo - tol_s) & (d <= hi + tol_s)]
            e, used = match_events(r, d, tol_s)
            n_ref += len(r)
            n_match += len(e)
            n_extra += int((~used).sum())
            errs.append(e)
    e = np.concatenate(errs) * 1000.0 if errs else np.zeros(0)
    n_det = n_match + n_extra
    return {
        "n_ref": n_ref,
        "matched_pct": round(100.0 * n_match / max(n_ref, 1), 2),
        "extra_pct": round(100.0 * n_extra / max(n_ref, 1), 2),
        "precision_pct": round(100.0 * n_match / n_det, 2) if n_det else None,
        "mae_ms": round(float(np.mean(np.abs(e))), 2) if len(e) else None,
        "bias_ms": round(float(np.mean(e)), 2) if len(e) else None,
        "p95_abs_ms": round(float(np.percentile(np.abs(e), 95)), 2) if len(e) else None,
    }


def nearest_rows(steps: pd.DataFrame, side: str, t: np.ndarray, tol_s: float) -> np.ndarray:
    """Index labels into ``steps`` of the contact of ``side`` nearest each time, or -1
    when none is within ``tol_s``."""
    s = steps[steps["side"] == side]
    t = np.asarray(t, dtype=float)
    if not len(s) or not len(t):
        return np.full(len(t), -1)
    ic = s["ic_s"].to_numpy(dtype=float)
    ic = np.where(np.isfinite(ic), ic, np.inf)
    k = np.abs(ic[None, :] - t[:, None]).argmin(axis=1)
    ok = np.abs(ic[k] - t) <= tol_s
    return np.where(ok, s.index.to_numpy()[k], -1)


def _r(x: float, nd: int) -> float | None:
    return round(float(x), nd) if np.isfinite(x) else None


def stride_errors(steps: pd.DataFrame, ref: pd.DataFrame, tol_s: float) -> pd.DataFrame:
    """Per reference stride: whether it was found, and the stride time (ms) and
    stride length (m) errors (detected minus reference; NaN when not found or
    not given). Rows in the order of ``ref``; see :func:`stride_stats`."""
    out = pd.DataFrame(
        {
            "found": np.zeros(len(ref), dtype=bool),
            "stride_time_err_ms": np.nan,
            "stride_length_err_m": np.nan,
            "ref_length_m": ref["stride_length_m"].to_numpy(dtype=float),
        },
        index=ref.index,
    )
    for side in ("left", "right"):
        r = ref[ref["side"] == side]
        rows = nearest_rows(steps, side, r["ic_s"].to_numpy(), tol_s)
        ok = rows >= 0
        idx = r.index[ok]
        got = steps.loc[rows[ok]]
        out.loc[idx, "found"] = True
        out.loc[idx, "stride_time_err_ms"] = (
            got["stride_ms"].to_numpy(dtype=float) - r["stride_ms"].to_numpy(dtype=float)[ok]
        )
        out.loc[idx, "stride_length_err_m"] = (
            got["stride_length_m"].to_numpy(dtype=float)
            - r["stride_length_m"].to_numpy(dtype=float)[ok]
        )
    return out


def summarize_stride_errors(err: pd.DataFrame) -> dict:
    """MAE and bias of the finite errors of :func:`stride_errors` rows."""
    se = err["stride_time_err_ms"].to_numpy(dtype=float)
    le = err["stride_length_err_m"].to_numpy(dtype=float)
    rl = err["ref_length_m"].to_numpy(dtype=float)[np.isfinite(le)]
    se, le = se[np.isfinite(se)], le[np.isfinite(le)]
    nan = float("nan")
    len_mae = float(np.mean(np.abs(le))) if len(le) else nan
    return {
        "n_ref": int(len(err)),
        "found": int(err["found"].sum()),
        "stride_time_mae_ms": _r(np.mean(np.abs(se)) if len(se) else nan, 2),
        "stride_time_bias_ms": _r(np.mean(se) if len(se) else nan, 2),
        "stride_length_mae_m": _r(len_mae, 4),
        "stride_length_mae_pct_of_mean": _r(100 * len_mae / np.mean(rl) if len(rl) else nan, 2),
        "stride_length_bias_m": _r(np.mean(le) if len(le) else nan, 4),
    }


def stride_stats(steps: pd.DataFrame, ref: pd.DataFrame, tol_s: float) -> dict:
    """Stride time and stride length errors of the strides matched to a reference.

    Parameters
    ----------
    steps
        Detected steps: ``side``, ``ic_s``, ``stride_ms``, ``stride_length_m``.
    ref
        Reference strides: ``side``, ``ic_s`` (the contact the stride starts
        from), ``stride_ms`` and ``stride_length_m`` (NaN where unknown).
    tol_s
        A reference stride is found when a detected contact of the same side
        lies within this distance of its ``ic_s``.

    Returns
    -------
    dict
        ``n_ref``, ``found``, ``stride_time_mae_ms``, ``stride_time_bias_ms``,
        ``stride_length_mae_m``, ``stride_length_mae_pct_of_mean`` (of the
        reference lengths of the strides compared), ``stride_length_bias_m``
        (MAE and bias over strides where both values are finite).
    """
    return summarize_stride_errors(stride_errors(steps, ref, tol_s))


def contact_time_errors_ms(steps: pd.DataFrame, ref: pd.DataFrame, tol_s: float) -> np.ndarray:
    """Detected minus reference contact time (ms) of every reference contact
    (``side``, ``ic_s``, ``to_s``) whose initial contact was found."""
    out = []
    for side in ("left", "right"):
        r = ref[ref["side"] == side]
        rows = nearest_rows(steps, side, r["ic_s"].to_numpy(), tol_s)
        ok = (rows >= 0) & np.isfinite(r["to_s"].to_numpy(dtype=float))
        out.append(
            steps.loc[rows[ok], "contact_ms"].to_numpy(dtype=float)
            - 1000 * (r["to_s"] - r["ic_s"]).to_numpy(dtype=float)[ok]
        )
    e = np.concatenate(out)
    return e[np.isfinite(e)]


def turn_stats(
    steps: pd.DataFrame, ref: pd.DataFrame, tol_s: float, straight_deg: float = 20.0
) -> dict:
    """Heading change per stride (``turn_deg``) against a reference's, on the
    reference strides found (contact within ``tol_s``): MAE and bias over all
    of them, over the straight ones (reference within ``straight_deg``) and
    over the turning ones, and the turning strides' pairs (reference, found)."""
    ref_t, got_t = [], []
    for side in ("left", "right"):
        r = ref[ref["side"] == side]
        rows = nearest_rows(steps, side, r["ic_s"].to_numpy(), tol_s)
        ok = rows >= 0
        ref_t.append(r["turn_deg"].to_numpy(dtype=float)[ok])
        got_t.append(steps.loc[rows[ok], "turn_deg"].to_numpy(dtype=float))
    rt, gt = np.concatenate(ref_t), np.concatenate(got_t)
    keep = np.isfinite(rt) & np.isfinite(gt)
    rt, gt = rt[keep], gt[keep]
    err = gt - rt
    straight = np.abs(rt) <= straight_deg
    nan = float("nan")

    def mae(e: np.ndarray) -> float | None:
        return _r(np.mean(np.abs(e)) if len(e) else nan, 2)

    return {
        "n": int(len(err)),
        "mae_deg": mae(err),
        "bias_deg": _r(np.mean(err) if len(err) else nan, 2),
        "straight_n": int(straight.sum()),
        "straight_mae_deg": mae(err[straight]),
        "turning_n": int((~straight).sum()),
        "turning_mae_deg": mae(err[~straight]),
        "turning_pairs_deg": [
            [_r(a, 1), _r(b, 1)] for a, b in zip(rt[~straight], gt[~straight], strict=True)
        ],
    }
