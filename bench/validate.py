"""Accuracy of footfall's foot-IMU analysis against reference recordings.

Runs ``footfall.analyze`` on each recording exactly as a user would (raw
sensor axes, no rotation given) and compares with the reference:

* gaitmap example walk (MIT): motion-capture initial contacts, toe-offs and
  per-stride heel displacement.
* IPOL gait data set (AGPL, read only): 24 walking trials, reference contacts
  from the data set's annotated swings, turns included.
* Fukuchi treadmill run (CC BY): virtual foot IMU made from motion capture
  (bench/fukuchi_imu.py), force-plate contacts as truth.

Matching: each reference event is paired with the nearest detected event of
the same side and kind within the tolerance (30 ms gaitmap/Fukuchi; 50 ms
IPOL), each detection used once. MAE is over matched events; "extra" counts
detections inside the reference's span that match nothing.

Usage::

    python bench/validate.py           # prints tables, writes bench/results/validation.json

Exits 0 after printing; when ../shared/data is absent it says so and exits 0.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from datasets import ipol_trials, load_gaitmap_example, load_ipol, shared_data_dir  # noqa: E402

import footfall  # noqa: E402


def match_events(ref: np.ndarray, det: np.ndarray, tol_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Pair each reference time with the nearest unused detection within ``tol_s``.

    Returns (errors_s of matched pairs, used mask over ``det``)."""
    ref = np.sort(ref[np.isfinite(ref)])
    det = np.sort(det[np.isfinite(det)])
    used = np.zeros(len(det), dtype=bool)
    errs = []
    for r in ref:  # a few thousand events at most
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


def event_stats(ref_tables: list[pd.DataFrame], det_tables: list[pd.DataFrame], col: str,
                tol_s: float, spans: list[tuple[float, float]] | None = None) -> dict:
    n_ref = n_match = n_extra = 0
    errs = []
    for i, (ref, det) in enumerate(zip(ref_tables, det_tables, strict=True)):
        for side in ("left", "right"):
            r = ref.loc[ref["side"] == side, col].to_numpy(dtype=float)
            d = det.loc[det["side"] == side, col].to_numpy(dtype=float)
            r = r[np.isfinite(r)]
            if spans is not None:
                lo, hi = spans[i]
                d = d[(d >= lo) & (d <= hi)]
            e, used = match_events(r, d, tol_s)
            n_ref += len(r)
            n_match += len(e)
            n_extra += int((~used).sum())
            errs.append(e)
    e = np.concatenate(errs) * 1000.0 if errs else np.zeros(0)
    return {
        "n_ref": n_ref,
        "matched_pct": round(100.0 * n_match / max(n_ref, 1), 2),
        "extra_pct": round(100.0 * n_extra / max(n_ref, 1), 2),
        "mae_ms": round(float(np.mean(np.abs(e))), 2) if len(e) else None,
        "bias_ms": round(float(np.mean(e)), 2) if len(e) else None,
        "p95_abs_ms": round(float(np.percentile(np.abs(e), 95)), 2) if len(e) else None,
    }


def nearest_rows(steps: pd.DataFrame, side: str, t: np.ndarray, tol_s: float) -> np.ndarray:
    """Index into ``steps`` of the contact nearest each time (or -1)."""
    s = steps[steps["side"] == side]
    if not len(s):
        return np.full(len(t), -1)
    ic = s["ic_s"].to_numpy()
    k = np.abs(ic[None, :] - t[:, None]).argmin(axis=1)
    ok = np.abs(ic[k] - t) <= tol_s
    return np.where(ok, s.index.to_numpy()[k], -1)


def validate_gaitmap() -> dict:
    ex = load_gaitmap_example()
    res = footfall.analyze(ex.recording)
    steps = res.steps
    out = {
        "recording": "gaitmap example walk (204.8 Hz, lateral shoe IMUs, raw sensor frame)",
        "initial_contact": event_stats([ex.events], [steps], "ic_s", 0.03),
        "toe_off": event_stats([ex.events], [steps], "to_s", 0.03),
    }
    # strides: reference stride from contact ic_s to next_ic_s; its length
    # a reference "stride" longer than 1.6x the median spans a contact the
    # reference left out (in the turn); it is not one stride and is excluded
    st = ex.strides
    ref_dur = (st["next_ic_s"] - st["ic_s"]).to_numpy()
    spans_gap = ref_dur > 1.6 * np.median(ref_dur)
    st = st[~spans_gap]
    stride_err, len_err, ref_len, ct_err = [], [], [], []
    for side in ("left", "right"):
        s = st[st["side"] == side]
        rows = nearest_rows(steps, side, s["ic_s"].to_numpy(), 0.03)
        ok = rows >= 0
        got = steps.loc[rows[ok]]
        stride_err.append(got["stride_ms"].to_numpy() - 1000 * (s["next_ic_s"] - s["ic_s"]).to_numpy()[ok])
        len_err.append(got["stride_length_m"].to_numpy() - s["stride_length_m"].to_numpy()[ok])
        ref_len.append(s["stride_length_m"].to_numpy()[ok])
        ev = ex.events[ex.events["side"] == side]
        r2 = nearest_rows(steps, side, ev["ic_s"].to_numpy(), 0.03)
        ok2 = (r2 >= 0) & np.isfinite(ev["to_s"].to_numpy())
        ct_err.append(steps.loc[r2[ok2], "contact_ms"].to_numpy()
                      - 1000 * (ev["to_s"] - ev["ic_s"]).to_numpy()[ok2])
    se = np.concatenate(stride_err)
    le = np.concatenate(len_err)
    rl = np.concatenate(ref_len)
    ce = np.concatenate(ct_err)
    out["strides"] = {
        "n_ref": int(len(st)),
        "excluded_spanning_missing_contact": int(spans_gap.sum()),
        "found": int(np.isfinite(se).sum()),
        "stride_time_mae_ms": round(float(np.nanmean(np.abs(se))), 2),
        "stride_length_mae_m": round(float(np.nanmean(np.abs(le))), 4),
        "stride_length_mae_pct_of_mean": round(float(100 * np.nanmean(np.abs(le)) / np.mean(rl)), 2),
        "stride_length_bias_m": round(float(np.nanmean(le)), 4),
        "contact_time_mae_ms": round(float(np.nanmean(np.abs(ce))), 2),
    }
    return out


def validate_ipol() -> dict:
    refs, dets, spans = [], [], []
    for subject, trial in ipol_trials():
        t = load_ipol(subject, trial)
        res = footfall.analyze(t.recording)
        refs.append(t.events)
        dets.append(res.steps)
        lo, hi = t.recording.meta["reference"]["trial_s"]
        spans.append((lo, hi))
    return {
        "recording": f"IPOL gait data set, {len(refs)} trials (100 Hz, foot dorsum, U-turns)",
        "initial_contact": event_stats(refs, dets, "ic_s", 0.05, spans),
        "toe_off": event_stats(refs, dets, "to_s", 0.05, spans),
    }


def validate_fukuchi() -> dict:
    from fukuchi_imu import make_fukuchi_recording

    with tempfile.TemporaryDirectory() as tmp:
        path, truth = make_fukuchi_recording(Path(tmp) / "fk")
        rec = footfall.io.read_recording(path)
        feet = [s for s in rec.streams if s.placement == "foot"]
        rec = footfall.Recording(feet, meta=rec.meta, source=str(path))
        res = footfall.analyze(rec)
    steps = res.steps
    ct = []
    for side in ("left", "right"):
        tr = truth[truth["side"] == side]
        rows = nearest_rows(steps, side, tr["ic_s"].to_numpy(), 0.05)
        ok = rows >= 0
        ct.append(steps.loc[rows[ok], "contact_ms"].to_numpy() / tr["contact_ms"].to_numpy()[ok] - 1)
    ce = np.concatenate(ct)
    truth_cad = float(np.nanmedian(truth["cadence_spm"]))
    return {
        "recording": "Fukuchi RBDS001 treadmill run 2.5 m/s, virtual foot IMU at 200 Hz",
        "initial_contact": event_stats([truth], [steps], "ic_s", 0.05),
        "toe_off": event_stats([truth], [steps], "to_s", 0.05),
        "contact_time_mean_abs_err_pct": round(float(100 * np.nanmean(np.abs(ce))), 2),
        "contact_time_bias_pct": round(float(100 * np.nanmean(ce)), 2),
        "cadence_spm": round(float(res.summary["cadence_spm"]), 2),
        "cadence_truth_spm": round(truth_cad, 2),
    }


def _fmt(d: dict) -> str:
    return (f"{d['n_ref']:5d} {d['matched_pct']:8.1f} {d['extra_pct']:7.1f} "
            f"{d['mae_ms'] if d['mae_ms'] is not None else float('nan'):8.1f} "
            f"{d['bias_ms'] if d['bias_ms'] is not None else float('nan'):8.1f} "
            f"{d['p95_abs_ms'] if d['p95_abs_ms'] is not None else float('nan'):8.1f}")


def main() -> int:
    if shared_data_dir() is None:
        print("skipped: ../shared/data is not available (set FOOTFALL_SHARED_DATA)")
        return 0
    results = {"gaitmap": validate_gaitmap(), "ipol": validate_ipol(),
               "fukuchi": validate_fukuchi()}
    print("Events: reference count, % matched, % extra, MAE, bias, 95th pct |error| (ms)")
    print(f"{'data set':10} {'event':6} {'n':>5} {'match%':>8} {'extra%':>7} {'MAE':>8} "
          f"{'bias':>8} {'p95':>8}")
    for name, r in results.items():
        for ev, key in (("IC", "initial_contact"), ("TO", "toe_off")):
            print(f"{name:10} {ev:6} {_fmt(r[key])}")
    g = results["gaitmap"]["strides"]
    print(f"\ngaitmap strides ({g['excluded_spanning_missing_contact']} reference stride(s) "
          "spanning an unlisted contact excluded):")
    print(f"  {g['found']}/{g['n_ref']} found; stride time MAE "
          f"{g['stride_time_mae_ms']:.1f} ms; stride length MAE {100 * g['stride_length_mae_m']:.1f} cm "
          f"({g['stride_length_mae_pct_of_mean']:.1f} % of mean), bias "
          f"{100 * g['stride_length_bias_m']:+.1f} cm; contact time MAE {g['contact_time_mae_ms']:.1f} ms")
    f = results["fukuchi"]
    print(f"fukuchi run: contact time mean |error| {f['contact_time_mean_abs_err_pct']:.1f} % "
          f"(bias {f['contact_time_bias_pct']:+.1f} %); cadence {f['cadence_spm']:.1f} spm vs "
          f"force plate {f['cadence_truth_spm']:.1f}")
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "validation.json").write_text(json.dumps(results, indent=2) + "\n")
    print("written bench/results/validation.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
