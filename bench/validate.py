"""Accuracy of footfall's analysis against reference recordings and simulated truth.

Runs ``footfall.analyze`` on each recording exactly as a user would (raw
sensor axes, no rotation given) and compares with the reference:

* gaitmap example walk (MIT): motion-capture initial contacts, toe-offs and
  per-stride heel displacement.
* IPOL gait data set (AGPL, read only): 24 walking trials, reference contacts
  from the data set's annotated swings, turns included.
* Fukuchi treadmill run (CC BY): virtual foot IMU made from motion capture
  (bench/fukuchi_imu.py), force-plate contacts as truth.
* Every base scenario of the virtual runner (``footfall.sim``; foot and shank
  IMUs and insoles, sensor profile ``typical``): events, contact time, stride
  time and length, cadence and strike pattern against its truth steps table.
* Every other ``bench/validate_*.py`` module: its ``run()`` result is put in
  the output under ``modules``.

Matching (bench/scoring.py): each reference event is paired with the nearest
detected event of the same side and kind within the tolerance (30 ms gaitmap;
50 ms IPOL, Fukuchi and simulated runs), each detection used once. MAE is
over matched events; "extra" counts detections inside the reference's span
that match nothing.

Usage::

    python bench/validate.py           # prints tables, writes bench/results/validation.json
    python bench/validate.py --only sim --sim-minutes 1 --scenarios easy-run --out /tmp/v

Exits 0 after printing; when ../shared/data is absent the real data sets are
skipped with a message.
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
from scoring import (  # noqa: E402
    contact_time_errors_ms,
    event_stats,
    nearest_rows,
    stride_stats,
    turn_stats,
)

import footfall  # noqa: E402

GAITMAP_TOL_S = 0.03
"""Matching tolerance on the gaitmap example (s)."""


def gaitmap_reference_strides(ex) -> tuple[pd.DataFrame, int]:
    """Reference strides of the gaitmap example as (side, ic_s, stride_ms,
    stride_length_m), without the stride that spans a contact the reference
    leaves out (in the turn); and how many were left out."""
    st = ex.strides
    keep = ~st["spans_missing_contact"].to_numpy(dtype=bool)
    st = st[keep]
    ref = pd.DataFrame(
        {
            "side": st["side"].to_numpy(),
            "ic_s": st["ic_s"].to_numpy(),
            "stride_ms": 1000 * (st["next_ic_s"] - st["ic_s"]).to_numpy(),
            "stride_length_m": st["stride_length_m"].to_numpy(),
        }
    )
    return ref, int((~keep).sum())


def score_gaitmap_example(steps: pd.DataFrame, ex, tol_s: float = GAITMAP_TOL_S) -> dict:
    """Events, strides and contact time of a steps table against the gaitmap
    example's motion-capture reference (used for footfall and for gaitmap);
    ``tol_s`` is the matching tolerance."""
    ref, excluded = gaitmap_reference_strides(ex)
    strides = stride_stats(steps, ref, tol_s)
    strides = {
        "n_ref": strides.pop("n_ref"),
        "excluded_spanning_missing_contact": excluded,
        **strides,
    }
    ce = contact_time_errors_ms(steps, ex.events, tol_s)
    strides["contact_time_mae_ms"] = round(float(np.mean(np.abs(ce))), 2) if len(ce) else None
    return {
        "initial_contact": event_stats([ex.events], [steps], "ic_s", tol_s),
        "toe_off": event_stats([ex.events], [steps], "to_s", tol_s),
        "strides": strides,
    }


def validate_gaitmap() -> dict:
    """footfall on the gaitmap example walk against motion capture."""
    ex = load_gaitmap_example()
    res = footfall.analyze(ex.recording)
    ref = ex.strides[~ex.strides["spans_missing_contact"].to_numpy(dtype=bool)]
    return {
        "recording": "gaitmap example walk (204.8 Hz, lateral shoe IMUs, raw sensor frame)",
        **score_gaitmap_example(res.steps, ex),
        "turn": turn_stats(res.steps, ref, GAITMAP_TOL_S),
    }


def detector_events(stream) -> pd.DataFrame:
    """The foot-IMU detector's own events of one stream
    (``footfall.gait.imu.analyze_imu_stream(stream).events``) as a table with
    ``side``, ``ic_s`` and ``to_s``: one row per segmented stride, its toe-off
    before the swing and its initial contact after it (NaN where the detector
    found none). Unlike the steps table (one row per contact), it keeps the
    toe-off of a stride whose contact before it is not in the data: the
    first step out of standing.

    Event times are fractional sample indices into the analysed samples (short
    gaps bridged, as the analysis does); they are turned into seconds on that
    time axis, as the steps table does."""
    from footfall.gait.gaps import bridge_gaps
    from footfall.gait.imu import analyze_imu_stream, gap_breaks

    ev = analyze_imu_stream(stream).events
    time_s = np.asarray(stream.time_s, dtype=float)
    if len(gap_breaks(time_s, stream.fs_hz)):
        time_s = bridge_gaps(
            time_s, np.hstack([stream.acc_mps2, stream.gyr_rps]), stream.fs_hz
        ).time_s
    side = stream.side.value if hasattr(stream.side, "value") else str(stream.side)
    if ev is None or not len(ev):
        return pd.DataFrame(
            {
                "side": pd.Series(dtype=object),
                "ic_s": pd.Series(dtype=float),
                "to_s": pd.Series(dtype=float),
            }
        )
    samples = np.arange(len(time_s), dtype=float)

    def to_time(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(np.isfinite(x), np.interp(np.nan_to_num(x), samples, time_s), np.nan)

    return pd.DataFrame({"side": side, "ic_s": to_time(ev.ic), "to_s": to_time(ev.to)})


def _check_events_cover_steps(events: pd.DataFrame, steps: pd.DataFrame) -> None:
    """Every initial contact and toe-off of the steps table is one of the
    detector's events (the event list is the steps table's source)."""
    for side in ("left", "right"):
        for col in ("ic_s", "to_s"):
            st = steps.loc[steps["side"] == side, col].to_numpy(dtype=float)
            ev = events.loc[events["side"] == side, col].to_numpy(dtype=float)
            st, ev = st[np.isfinite(st)], ev[np.isfinite(ev)]
            if len(st) and (
                not len(ev) or np.abs(st[:, None] - ev[None, :]).min(axis=1).max() > 1e-6
            ):
                raise AssertionError(
                    f"{side} {col}: a steps-table event is not in the detector's event list"
                )


def validate_ipol() -> dict:
    """footfall on the IPOL walks. Events are scored from the foot-IMU
    detector's event list (:func:`detector_events`), which holds the first
    toe-off out of standing (the steps table has no row for it: a row needs
    an initial contact); the steps table's own events are scored too
    (``steps_table``)."""
    refs, dets, rows, spans = [], [], [], []
    for subject, trial in ipol_trials():
        t = load_ipol(subject, trial)
        res = footfall.analyze(t.recording)
        ev = pd.concat(
            [detector_events(s) for s in t.recording.streams if s.placement == "foot"],
            ignore_index=True,
        )
        _check_events_cover_steps(ev, res.steps)
        refs.append(t.events)
        dets.append(ev)
        rows.append(res.steps)
        lo, hi = t.recording.meta["reference"]["trial_s"]
        spans.append((lo, hi))
    return {
        "recording": f"IPOL gait data set, {len(refs)} trials (100 Hz, foot dorsum, U-turns)",
        "scored_from": "detector events (footfall.gait.imu.analyze_imu_stream(stream).events)",
        "initial_contact": event_stats(refs, dets, "ic_s", 0.05, spans),
        "toe_off": event_stats(refs, dets, "to_s", 0.05, spans),
        "steps_table": {
            "initial_contact": event_stats(refs, rows, "ic_s", 0.05, spans),
            "toe_off": event_stats(refs, rows, "to_s", 0.05, spans),
        },
    }


def validate_fukuchi(subject: str = "RBDS001") -> dict:
    from fukuchi_imu import make_fukuchi_recording

    with tempfile.TemporaryDirectory() as tmp:
        path, truth = make_fukuchi_recording(Path(tmp) / "fk", subject=subject)
        rec = footfall.io.read_recording(path)
        feet = [s for s in rec.streams if s.placement == "foot"]
        rec = footfall.Recording(feet, meta=rec.meta, source=str(path))
        res = footfall.analyze(rec)
        shank = _fukuchi_shank(footfall.io.read_recording(path), truth, subject)
    steps = res.steps
    ct = []
    for side in ("left", "right"):
        tr = truth[truth["side"] == side]
        rows = nearest_rows(steps, side, tr["ic_s"].to_numpy(), 0.05)
        ok = rows >= 0
        ct.append(
            steps.loc[rows[ok], "contact_ms"].to_numpy() / tr["contact_ms"].to_numpy()[ok] - 1
        )
    ce = np.concatenate(ct)
    truth_cad = float(np.nanmedian(truth["cadence_spm"]))
    return {
        "recording": f"Fukuchi {subject} treadmill run 2.5 m/s, virtual foot IMU at 200 Hz",
        "initial_contact": event_stats([truth], [steps], "ic_s", 0.05),
        "toe_off": event_stats([truth], [steps], "to_s", 0.05),
        "contact_time_mean_abs_err_pct": round(float(100 * np.nanmean(np.abs(ce))), 2),
        "contact_time_bias_pct": round(float(100 * np.nanmean(ce)), 2),
        "cadence_spm": round(float(res.summary["cadence_spm"]), 2),
        "cadence_truth_spm": round(truth_cad, 2),
        "shank": shank,
    }


def shank_alone(rec, truth: pd.DataFrame, tol_s: float = 0.05) -> dict | None:
    """A recording's shank IMUs analysed on their own (footfall.gait.shank):
    events against the truth's, the shank angle at contact against the
    truth's; None when it has no shank IMU."""
    from footfall.gait.imu import analyze_imu_stream

    tables, err = [], []
    for s in rec.streams:
        if s.placement != "shank":
            continue
        st = analyze_imu_stream(s, rec.condition).steps
        tables.append(st)
        tr = truth[truth["side"] == s.side.value]
        rows = nearest_rows(st, s.side.value, tr["ic_s"].to_numpy(), tol_s)
        ok = rows >= 0
        err.append(
            st.loc[rows[ok], "shank_angle_ic_deg"].to_numpy(float)
            - tr["shank_angle_ic_deg"].to_numpy()[ok]
        )
    if not tables:
        return None
    steps = pd.concat(tables, ignore_index=True)
    e = np.concatenate(err)
    return {
        "initial_contact": event_stats([truth], [steps], "ic_s", tol_s),
        "toe_off": event_stats([truth], [steps], "to_s", tol_s),
        "angle_n": int(np.isfinite(e).sum()),
        "angle_mae_deg": round(float(np.nanmean(np.abs(e))), 2),
        "angle_bias_deg": round(float(np.nanmean(e)), 2),
        "angle_truth_median_deg": round(float(np.nanmedian(truth["shank_angle_ic_deg"])), 2),
    }


def validate_fukuchi_heel() -> dict | None:
    """:func:`validate_fukuchi` of the heel striker RBDS0041 (None when its
    files are not there)."""
    from fukuchi_imu import DATA_DIR, data_available

    if not data_available(DATA_DIR, "RBDS0041"):
        return None
    return validate_fukuchi("RBDS0041")


def _fukuchi_shank(rec, truth: pd.DataFrame, subject: str = "RBDS001") -> dict:
    """The run's virtual shank IMUs on their own: events against the force
    plate, the shank angle at contact against the markers' (both relative to
    standing)."""
    out = shank_alone(rec, truth, 0.05)
    assert out is not None, "the Fukuchi recording has shank IMUs"
    return {"recording": f"Fukuchi {subject}, virtual shank IMUs at 200 Hz, alone", **out}


SIM_TOL_S = 0.05
"""Matching tolerance against the simulator's truth (s)."""

SIM_MINUTES = 6.0
"""Default length of each simulated run: long enough for one walk phase of
walk-run-intervals (4 min running, 1 min walking)."""

SIM_SEED = 11


def _sim_minutes(scenario: str, minutes: float) -> float:
    """Runs of a scenario with fatigue last until 5 min after its onset."""
    from footfall.sim import get_scenario

    sc = get_scenario(scenario)
    if sc.fatigue and minutes >= SIM_MINUTES:
        return max(minutes, sc.fatigue_onset_min + 5.0)
    return minutes


def score_sim(steps: pd.DataFrame, truth: pd.DataFrame, summary: dict | None = None) -> dict:
    """footfall's steps table (rows of one kind of sensor) against the simulator's
    truth steps: events, contact time, stride time and length, cadence and
    strike pattern."""
    out = {
        "initial_contact": event_stats([truth], [steps], "ic_s", SIM_TOL_S),
        "toe_off": event_stats([truth], [steps], "to_s", SIM_TOL_S),
    }
    ce = contact_time_errors_ms(steps, truth, SIM_TOL_S)
    ref_ct = truth["contact_ms"].to_numpy(dtype=float)
    out["contact_time"] = {
        "mae_ms": round(float(np.mean(np.abs(ce))), 2) if len(ce) else None,
        "bias_ms": round(float(np.mean(ce)), 2) if len(ce) else None,
        "mae_pct_of_mean": (
            round(float(100 * np.mean(np.abs(ce)) / np.nanmean(ref_ct)), 2) if len(ce) else None
        ),
    }
    out["strides"] = stride_stats(steps, truth, SIM_TOL_S)
    det_cad = (
        float(summary["cadence_spm"])
        if summary is not None
        else float(np.nanmedian(steps["cadence_spm"]))
    )
    out["cadence"] = {
        "footfall_spm": round(det_cad, 2),
        "truth_spm": round(float(np.nanmedian(truth["cadence_spm"])), 2),
    }
    correct, n, angle_err = 0, 0, []
    for side in ("left", "right"):
        tr = truth[truth["side"] == side]
        rows = nearest_rows(steps, side, tr["ic_s"].to_numpy(), SIM_TOL_S)
        ok = rows >= 0
        got = steps.loc[rows[ok]]
        pat = got["strike_pattern"].to_numpy(dtype=object)
        has = pd.notna(pat)
        n += int(has.sum())
        correct += int((pat[has] == tr["strike_pattern"].to_numpy(dtype=object)[ok][has]).sum())
        angle_err.append(
            got["foot_strike_angle_deg"].to_numpy(dtype=float)
            - tr["foot_strike_angle_deg"].to_numpy(dtype=float)[ok]
        )
    ae = np.concatenate(angle_err)
    ae = ae[np.isfinite(ae)]
    out["pronation"] = pronation_stats(steps, truth)
    out["strike"] = {
        "pattern_n": n,
        "pattern_correct_pct": round(100.0 * correct / n, 2) if n else None,
        "angle_mae_deg": round(float(np.mean(np.abs(ae))), 2) if len(ae) else None,
        "angle_bias_deg": round(float(np.mean(ae)), 2) if len(ae) else None,
    }
    return out


def pronation_stats(steps: pd.DataFrame, truth: pd.DataFrame) -> dict | None:
    """Foot-IMU pronation excursion and velocity of the contacts matched to
    the truth (rows without a value are left out): medians of footfall and
    of the truth, and the mean absolute error."""
    if "pronation_excursion_deg" not in steps:
        return None
    got, ref = {"exc": [], "vel": []}, {"exc": [], "vel": []}
    for side in ("left", "right"):
        tr = truth[truth["side"] == side]
        rows = nearest_rows(steps, side, tr["ic_s"].to_numpy(), SIM_TOL_S)
        ok = rows >= 0
        g = steps.loc[rows[ok]]
        t = tr[ok]
        for key, col in (("exc", "pronation_excursion_deg"), ("vel", "pronation_velocity_dps")):
            got[key].append(g[col].to_numpy(dtype=float))
            ref[key].append(t[col].to_numpy(dtype=float))
    out: dict = {}
    for key, name in (("exc", "excursion_deg"), ("vel", "velocity_dps")):
        a, b = np.concatenate(got[key]), np.concatenate(ref[key])
        keep = np.isfinite(a) & np.isfinite(b)
        if not keep.any():
            return None
        a, b = a[keep], b[keep]
        out[name] = {
            "n": int(keep.sum()),
            "footfall_median": round(float(np.median(a)), 2),
            "truth_median": round(float(np.median(b)), 2),
            "mae": round(float(np.mean(np.abs(a - b))), 2),
            "bias": round(float(np.mean(a - b)), 2),
        }
    return out


def validate_sim(
    scenarios: list[str] | None = None, minutes: float = SIM_MINUTES, seed: int = SIM_SEED
) -> dict:
    """footfall on every simulated scenario (foot and shank IMUs, insoles) against
    the simulator's truth steps. Scored apart: the feet's rows (foot IMU and
    insole fused), the shank IMUs' rows, and the foot IMUs' own events."""
    from footfall.sim import get_scenario, scenario_names, simulate

    names = scenarios or scenario_names(base_only=True)
    out: dict[str, dict] = {}
    for name in names:
        m = _sim_minutes(name, minutes)
        rec, truth = simulate(name, m, seed=seed)
        res = footfall.analyze(rec)
        steps = res.steps
        src = steps["source"].astype(str) if "source" in steps else pd.Series("", steps.index)
        entry = {
            "description": get_scenario(name).description,
            "minutes": m,
            "seed": seed,
            "truth_contacts": int(len(truth)),
            "streams": sorted(s.name for s in rec.streams),
            "notes": list(res.notes),
        }
        # "foot": the rows as a user gets them (foot IMU and insole of a foot fused
        # into one row per contact; a shank IMU beside a foot sensor only adds its
        # angle to the foot's rows, and is scored alone below)
        if len(steps):
            entry["foot"] = score_sim(steps, truth, res.summary)
        imu = steps[src.str.contains("foot_imu")]
        if len(imu):
            # the foot IMU's own events (kept as *_imu where an insole's won)
            own = imu.copy()
            for col in ("ic_s", "to_s"):
                if f"{col}_imu" in own:
                    own[col] = own[f"{col}_imu"].where(own[f"{col}_imu"].notna(), own[col])
            entry["foot_imu_events"] = {
                "initial_contact": event_stats([truth], [own], "ic_s", SIM_TOL_S),
                "toe_off": event_stats([truth], [own], "to_s", SIM_TOL_S),
            }
        alone = shank_alone(rec, truth, SIM_TOL_S)
        if alone is not None:
            entry["shank_imu_alone"] = alone
        out[name] = entry
    return out


def run_modules(names: list[str] | None = None) -> dict:
    """``run()`` of every other ``bench/validate_*.py`` module (each returns a dict
    and writes its own results file); an error is recorded, not raised."""
    import importlib
    import traceback

    out: dict[str, dict] = {}
    for path in sorted(HERE.glob("validate_*.py")):
        name = path.stem
        if names is not None and name not in names:
            continue
        try:
            mod = importlib.import_module(name)
            run = getattr(mod, "run", None)
            if run is None:
                out[name] = {"error": "module has no run()"}
                continue
            out[name] = run()
        except Exception as exc:  # a broken module must not hide the other results
            out[name] = {
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=3),
            }
    return out


def _fmt(d: dict) -> str:
    def f(x: float | None) -> float:
        return float("nan") if x is None else x

    return (
        f"{d['n_ref']:5d} {d['matched_pct']:8.1f} {d['extra_pct']:7.1f} "
        f"{f(d['mae_ms']):8.1f} {f(d['bias_ms']):8.1f} {f(d['p95_abs_ms']):8.1f}"
    )


def print_results(results: dict) -> None:
    """The tables of a validation run, plain text."""
    print("Events: reference count, % matched, % extra, MAE, bias, 95th pct |error| (ms)")
    print(
        f"{'data set':24} {'event':6} {'n':>5} {'match%':>8} {'extra%':>7} {'MAE':>8} "
        f"{'bias':>8} {'p95':>8}"
    )
    for name in ("gaitmap", "ipol", "fukuchi", "fukuchi_heel"):
        if name in results:
            for ev, key in (("IC", "initial_contact"), ("TO", "toe_off")):
                print(f"{name:24} {ev:6} {_fmt(results[name][key])}")
    for label, row in results.get("rules", {}).items():
        print(f"rules: {label}")
        for name, r in row.items():
            print(
                f"    {name:10} IC MAE {r['initial_contact']['mae_ms']:6.1f} bias "
                f"{r['initial_contact']['bias_ms']:+6.1f} | TO MAE {r['toe_off']['mae_ms']:6.1f} "
                f"bias {r['toe_off']['bias_ms']:+6.1f} ms"
            )
    for name, r in results.get("sim", {}).items():
        if "foot" in r:
            for ev, key in (("IC", "initial_contact"), ("TO", "toe_off")):
                print(f"{'sim ' + name:24} {ev:6} {_fmt(r['foot'][key])}")
    if "gaitmap" in results:
        g = results["gaitmap"]["strides"]
        print(
            f"\ngaitmap strides ({g['excluded_spanning_missing_contact']} reference stride(s) "
            "spanning an unlisted contact excluded):"
        )
        print(
            f"  {g['found']}/{g['n_ref']} found; stride time MAE "
            f"{g['stride_time_mae_ms']:.1f} ms; stride length MAE "
            f"{100 * g['stride_length_mae_m']:.1f} cm "
            f"({g['stride_length_mae_pct_of_mean']:.1f} % of mean), bias "
            f"{100 * g['stride_length_bias_m']:+.1f} cm; contact time MAE "
            f"{g['contact_time_mae_ms']:.1f} ms"
        )
    if "fukuchi" in results:
        f = results["fukuchi"]
        print(
            f"fukuchi run: contact time mean |error| {f['contact_time_mean_abs_err_pct']:.1f} % "
            f"(bias {f['contact_time_bias_pct']:+.1f} %); cadence {f['cadence_spm']:.1f} spm "
            f"vs force plate {f['cadence_truth_spm']:.1f}"
        )
    if results.get("sim"):
        print(
            "\nSimulated runs, feet (foot IMU + insole) vs truth: contact time MAE (ms), "
            "stride time MAE (ms), stride length MAE (%), cadence footfall/truth (spm), "
            "strike pattern correct (%)"
        )
        for name, r in results["sim"].items():
            if "foot" not in r:
                print(f"  {name:24} no foot-IMU steps")
                continue
            x = r["foot"]

            def g(v: float | None, scale: float = 1.0) -> str:
                return "   n/a" if v is None else f"{v * scale:6.1f}"

            print(
                f"  {name:24} {g(x['contact_time']['mae_ms'])} "
                f"{g(x['strides']['stride_time_mae_ms'])} "
                f"{g(x['strides']['stride_length_mae_pct_of_mean'])} "
                f"{x['cadence']['footfall_spm']:6.1f}/{x['cadence']['truth_spm']:6.1f} "
                f"{g(x['strike']['pattern_correct_pct'])}"
            )
        pron = [
            (n, r["foot"]["pronation"])
            for n, r in results["sim"].items()
            if r.get("foot", {}).get("pronation")
        ]
        if pron:
            print(
                "\nSimulated runs, foot-IMU pronation footfall/truth (median): "
                "excursion (deg), velocity (deg/s)"
            )
            for name, p in pron:
                e, v = p["excursion_deg"], p["velocity_dps"]
                print(
                    f"  {name:24} {e['footfall_median']:6.1f}/{e['truth_median']:6.1f} "
                    f"{v['footfall_median']:7.0f}/{v['truth_median']:7.0f}"
                )
    for name, r in results.get("modules", {}).items():
        status = r.get("error", "ok") if isinstance(r, dict) else "ok"
        print(f"module {name}: {status}")


RULE_VARIANTS = {
    "toe-off at the pitch-rate peak; contact at the zero crossing": {
        "TOE_OFF_SHARE": 0.0,
        "WALKING_TOE_OFF_SHARE": 0.0,
        "RUNNING_SWING_SHARE": np.inf,
        "TOE_OFF_CONTACT_SHARE": 0.0,
    },
    "toe-off down the falling edge (0.3 running, 0.5 walking); contact at the zero crossing": {
        "RUNNING_SWING_SHARE": np.inf
    },
    "toe-off down the falling edge (0.3 running, 0.5 walking); running contact at the impact": {
        "TOE_OFF_CONTACT_SHARE": np.nan
    },
    "footfall (running toe-off 0.09 of the contact after the push-off peak; walking 0.5 down "
    "the falling edge; running contact at the impact)": {},
    "not taken: every stride as running (contact at the impact)": {"RUNNING_SWING_SHARE": 0.0},
    "not taken: walking contact no earlier than 25 ms before the impact": {
        "WALKING_IMPACT_LAG_S": 0.025
    },
    "not taken: walking toe-off 0.3 down the edge (the running share)": {
        "WALKING_TOE_OFF_SHARE": 0.3
    },
    "not taken: walking toe-off 0.4 down the edge": {"WALKING_TOE_OFF_SHARE": 0.4},
    "not taken: walking toe-off 0.6 down the edge": {"WALKING_TOE_OFF_SHARE": 0.6},
}
"""Event rules compared on the real references: the constants of
:mod:`footfall.gait.events` changed for each variant (empty: as shipped)."""


def validate_event_rules() -> dict:
    """Bias and MAE of each event rule variant on every real reference.

    Shows what each rule of :mod:`footfall.gait.events` does on its own: the
    references disagree, so a rule chosen on one can be checked on the
    others."""
    from footfall.gait import events

    out: dict[str, dict] = {}
    for label, consts in RULE_VARIANTS.items():
        saved = {k: getattr(events, k) for k in consts}
        try:
            for k, v in consts.items():
                setattr(events, k, v)
            row = {}
            for name, fn in (
                ("gaitmap", validate_gaitmap),
                ("ipol", validate_ipol),
                ("fukuchi", validate_fukuchi),
                ("fukuchi_heel", validate_fukuchi_heel),
            ):
                r = fn()
                if r is None:
                    continue
                row[name] = {
                    ev: {k: r[ev][k] for k in ("matched_pct", "mae_ms", "bias_ms")}
                    for ev in ("initial_contact", "toe_off")
                }
            out[label] = row
        finally:
            for k, v in saved.items():
                setattr(events, k, v)
    return out


PARTS = ("gaitmap", "ipol", "fukuchi", "rules", "sim", "modules")


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts to run (default all: {','.join(PARTS)})",
    )
    ap.add_argument(
        "--sim-minutes",
        type=float,
        default=SIM_MINUTES,
        help="length of each simulated run, minutes",
    )
    ap.add_argument(
        "--scenarios",
        default=None,
        help="comma-separated scenario names (default: every base scenario)",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results", help="folder for validation.json")
    args = ap.parse_args(argv)
    parts = [p for p in args.only.split(",") if p]
    bad = set(parts) - set(PARTS)
    if bad:
        ap.error(f"unknown part(s) {sorted(bad)}; use {','.join(PARTS)}")
    real = [p for p in parts if p in ("gaitmap", "ipol", "fukuchi", "rules")]
    results: dict[str, object] = {}
    if real and shared_data_dir() is None:
        print("real data sets skipped: ../shared/data is not available (set FOOTFALL_SHARED_DATA)")
        real = []
    runners = {
        "gaitmap": validate_gaitmap,
        "ipol": validate_ipol,
        "fukuchi": validate_fukuchi,
        "rules": validate_event_rules,
    }
    for p in real:
        results[p] = runners[p]()
        if p == "fukuchi":
            heel = validate_fukuchi_heel()
            if heel is not None:
                results["fukuchi_heel"] = heel
    if "sim" in parts:
        names = args.scenarios.split(",") if args.scenarios else None
        results["sim"] = validate_sim(names, args.sim_minutes)
    if "modules" in parts:
        results["modules"] = run_modules()
    print_results(results)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "validation.json"
    from footfall.io.canonical import json_default

    path.write_text(json.dumps(results, indent=2, default=json_default) + "\n")
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
