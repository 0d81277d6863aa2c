"""Foot strike, strike pattern, toe-out, foot roll, eversion, shank angle and
contact time on real running, for many sensor mountings.

Method
------
Each running trial of ``../shared/data/fukuchi_rbds`` (RBDS001, a flat /
forefoot lander, and RBDS0041, a heel striker; both 30 s on a treadmill at
2.5 m/s with a force plate under the belt) is turned into virtual foot and
shank IMUs by ``bench/fukuchi_imu.py`` once per mounting, and each foot and
shank stream is analysed alone by ``footfall.gait.imu.analyze_imu_stream``
(raw sensor axes, no mounting given), as a user's sensor would be.

Mountings (:data:`MOUNTINGS`): the sensor axes turned from the segment's
anatomical axes by a rotation: on the laces (aligned), upside down, on the
lateral heel (turned 90 deg about the vertical, then 90 deg about its long
axis), on the medial side, yawed 45 deg, pitched 20 deg, and three random
rotations (fixed seed). The shank's strap is tilted 0, 5, 10 and 15 deg
(about the sensor's forward axis, then combined forward and sideways) in
:data:`SHANK_TILTS`. Two more checks: the run with the runner's standing
trial put before it (quiet standing, then running: the calibration footfall
looks for, :func:`run_standing`), and the laces mounting made from markers
low-passed at 12, 20 and 30 Hz (:func:`run_cutoffs`: how much of the contact
timing is the virtual sensor's, whose filtered markers have no sharp impact).

Truth (``fukuchi_imu.truth_steps``): force-plate contacts (50 N) for contact
and toe-off; marker segment frames relative to the standing trial for the
foot strike angle (elevation of the heel-to-metatarsal line at contact),
strike pattern (the same Altman & Davis 2012 bands on the marker angle),
toe-out (heading of the heel-to-metatarsal line from the direction of travel
at mid-contact), foot roll (its excursion from contact to its stance peak)
and rearfoot eversion (the foot relative to the shank: excursion from contact
to peak, and peak rate). Rows are paired with truth contacts of the same side
within 50 ms. footfall's ``pronation_excursion_deg`` / ``pronation_velocity_dps``
(the shoe's roll about its own long axis, from a foot IMU alone) are scored
against both the foot roll and the rearfoot eversion truths: they measure the
former.

Usage: ``python bench/validate_fukuchi_mounts.py`` prints the tables and
writes ``bench/results/fukuchi_mounts.json``; ``bench/validate.py`` calls
:func:`run`. Skipped (``{"skipped": ...}``) without the shared data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.transform import Rotation

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import fukuchi_imu as fk  # noqa: E402

from footfall.gait.imu import analyze_imu_stream  # noqa: E402
from footfall.model import Condition, Surface  # noqa: E402

MATCH_S = 0.05
"""Pairing tolerance between a footfall row and a force-plate contact, s."""


def _rot(seq: str, deg: list[float] | float) -> np.ndarray:
    return Rotation.from_euler(seq, deg, degrees=True).as_matrix()


def mountings() -> dict[str, np.ndarray]:
    """Foot sensor mountings: sensor axes in the foot's anatomical frame."""
    out = {
        "laces": np.eye(3),
        "upside down": _rot("x", 180.0),
        "lateral heel": _rot("zx", [90.0, 90.0]),
        "medial": _rot("zx", [-90.0, 90.0]),
        "yawed 45 deg": _rot("z", 45.0),
        "pitched 20 deg": _rot("y", 20.0),
    }
    rng = np.random.default_rng(2026)
    for i in range(3):
        out[f"random {i + 1}"] = Rotation.random(random_state=int(rng.integers(2**31))).as_matrix()
    return out


SHANK_TILTS: dict[str, np.ndarray] = {
    "0 deg": np.eye(3),
    "5 deg": _rot("x", 5.0),
    "10 deg": _rot("x", 10.0),
    "15 deg": _rot("x", 15.0),
    "10 + 10 deg": _rot("xy", [10.0, 10.0]),
}
"""Shank strap tilts: the sensor turned about its forward axis (sideways
tilt of the strap), and about both."""

CONDITION = Condition(surface=Surface.TREADMILL, speed_mps=fk.BELT_SPEED_MPS)


def _pair(truth: pd.DataFrame, steps: pd.DataFrame, side: str) -> pd.DataFrame:
    """Truth rows of ``side`` with the footfall row nearest in ``ic_s`` (within
    :data:`MATCH_S`); footfall's columns get the suffix ``_ff``."""
    t = truth[truth["side"] == side].reset_index(drop=True)
    f = steps[steps["side"] == side].reset_index(drop=True)
    if len(f) == 0 or len(t) == 0:
        return t.iloc[:0]
    ic = f["ic_s"].to_numpy()
    j = np.argmin(np.abs(ic[None, :] - t["ic_s"].to_numpy()[:, None]), axis=1)
    ok = np.abs(ic[j] - t["ic_s"].to_numpy()) <= MATCH_S
    fm = f.iloc[j[ok]].reset_index(drop=True).add_suffix("_ff")
    return pd.concat([t[ok].reset_index(drop=True), fm], axis=1)


def _err(p: pd.DataFrame, col_t: str, col_f: str) -> dict[str, Any]:
    d = (p[col_f] - p[col_t]).dropna() if col_f in p and col_t in p else pd.Series(dtype=float)
    if len(d) == 0:
        return {"n": 0, "mae": None, "bias": None}
    return {"n": int(len(d)), "mae": float(d.abs().mean()), "bias": float(d.mean())}


def _foot_scores(p: pd.DataFrame, res: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "foot_strike_angle": _err(p, "foot_strike_angle_deg", "foot_strike_angle_deg_ff"),
        "foot_strike_angle_median_ff": float(p["foot_strike_angle_deg_ff"].median()),
        "foot_strike_angle_median_truth": float(p["foot_strike_angle_deg"].median()),
        "toe_out": _err(p, "foot_progression_deg", "foot_progression_deg_ff"),
        "toe_out_median_truth": float(p["foot_progression_deg"].median()),
        "roll_excursion_vs_foot_roll": _err(
            p, "foot_roll_excursion_deg", "pronation_excursion_deg_ff"
        ),
        "roll_excursion_vs_eversion": _err(
            p, "eversion_excursion_deg", "pronation_excursion_deg_ff"
        ),
        "contact_time_pct": _err(
            p.assign(c_t=0.0, c_f=100.0 * (p["contact_ms_ff"] / p["contact_ms"] - 1.0)),
            "c_t",
            "c_f",
        ),
        "ic_ms": _err(p.assign(a=0.0, b=1000.0 * (p["ic_s_ff"] - p["ic_s"])), "a", "b"),
        "to_ms": _err(p.assign(a=0.0, b=1000.0 * (p["to_s_ff"] - p["to_s"])), "a", "b"),
        "heading_spread_deg": float(res.alignment.heading_spread_deg),
    }
    pat = p[["strike_pattern", "strike_pattern_ff"]].dropna()
    out["strike_pattern_agree_pct"] = (
        float(100.0 * (pat["strike_pattern"] == pat["strike_pattern_ff"]).mean())
        if len(pat)
        else None
    )
    for truth_col, key in (
        ("foot_roll_velocity_dps", "roll_velocity_vs_foot_roll_pct"),
        ("eversion_velocity_dps", "roll_velocity_vs_eversion_pct"),
    ):
        v = p[[truth_col, "pronation_velocity_dps_ff"]].dropna()
        out[key] = (
            float(100.0 * (v["pronation_velocity_dps_ff"].median() / v[truth_col].median() - 1.0))
            if len(v)
            else None
        )
    return out


CUTOFFS_HZ = (12.0, 20.0, 30.0)
"""Marker low-pass cutoffs tried for the laces mounting: how much of the
contact timing comes from the virtual sensor itself (a filtered marker
trajectory has no sharp impact)."""


def _prepend_standing(standing: Any, run: Any, pad_s: float = 1.0) -> tuple[Any, float]:
    """``run`` with the standing trial's samples before it (and ``pad_s`` more
    of their mean), as a runner who stands still before starting records;
    returns the stream and the time shift of the run."""
    from footfall.model import Stream

    fs = run.fs_hz
    v = np.vstack(
        [
            standing.values,
            np.repeat(standing.values.mean(axis=0, keepdims=True), int(pad_s * fs), 0),
        ]
    )
    t = np.arange(len(v)) / fs
    shift = float(t[-1] + 1.0 / fs)
    return Stream(
        kind=run.kind,
        side=run.side,
        placement=run.placement,
        time_s=np.r_[t, shift + run.time_s],
        values=np.vstack([v, run.values]),
        columns=run.columns,
        name=run.name,
    ), shift


def run_standing(subject: str) -> dict[str, Any]:
    """Foot strike angle with and without quiet standing before the run (the
    subject's standing trial, virtual IMUs in the same mountings)."""
    out: dict[str, Any] = {}
    for name in ("laces", "random 1"):
        m = mountings()[name]
        rec, truth, _ = fk.make_fukuchi_imu(mounting=m, subject=subject)
        st_rec, _, _ = fk.make_fukuchi_imu(mounting=m, subject=subject, static=True)
        assert truth is not None
        out[name] = {}
        for st in rec.streams:
            if st.placement.value != "foot":
                continue
            still = next(
                s for s in st_rec.streams if s.side == st.side and s.placement == st.placement
            )
            both, shift = _prepend_standing(still, st)
            res = analyze_imu_stream(both, CONDITION)
            steps = res.steps.copy()
            for c in ("ic_s", "to_s"):
                steps[c] = steps[c] - shift
            p = _pair(truth, steps, st.side.value)
            out[name][st.side.value] = {
                "standing_s": float(res.alignment.standing_s),
                "foot_strike_angle": _err(p, "foot_strike_angle_deg", "foot_strike_angle_deg_ff"),
            }
    return out


def run_cutoffs(subject: str) -> dict[str, Any]:
    """Contact timing and strike angle of the laces mounting for each marker
    cutoff of :data:`CUTOFFS_HZ`."""
    out: dict[str, Any] = {}
    for cut in CUTOFFS_HZ:
        rec, truth, _ = fk.make_fukuchi_imu(subject=subject, cutoff_hz=cut)
        assert truth is not None
        out[f"{cut:g} Hz"] = {}
        for st in rec.streams:
            if st.placement.value != "foot":
                continue
            res = analyze_imu_stream(st, CONDITION)
            sc = _foot_scores(_pair(truth, res.steps, st.side.value), res)
            out[f"{cut:g} Hz"][st.side.value] = {
                k: sc[k] for k in ("ic_ms", "to_ms", "contact_time_pct", "foot_strike_angle")
            }
    return out


def toes_spec(m: np.ndarray) -> str:
    """The ``toes=`` mounting a user who knows how the sensor sits would give:
    the sensor axis nearest the foot's long axis (``m``: sensor axes in the
    foot frame)."""
    toes = m.T @ np.array([1.0, 0.0, 0.0])
    k = int(np.argmax(np.abs(toes)))
    return f"toes={'+' if toes[k] > 0 else '-'}{'xyz'[k]}"


def ankle_pairs() -> dict[str, dict[str, np.ndarray]]:
    """Foot mounting + shank strap combinations for rearfoot eversion: every
    foot mounting with a square strap, the laces with every strap tilt, and
    a random foot mounting with the two worst straps."""
    feet = mountings()
    out = {f"{name} / 0 deg": {"left_foot": m, "right_foot": m} for name, m in feet.items()}
    for tilt, ms in SHANK_TILTS.items():
        if tilt != "0 deg":
            out[f"laces / {tilt}"] = {"left_shank": ms, "right_shank": ms}
    for tilt in ("15 deg", "10 + 10 deg"):
        m, ms = feet["random 1"], SHANK_TILTS[tilt]
        out[f"random 1 / {tilt}"] = {
            "left_foot": m,
            "right_foot": m,
            "left_shank": ms,
            "right_shank": ms,
        }
    return out


def run_ankle(subject: str) -> dict[str, Any]:
    """Rearfoot eversion (foot IMU + shank IMU of one leg, the whole
    pipeline) against the markers' calcaneus-to-shank eversion, per
    combination of :func:`ankle_pairs` and side."""
    import footfall

    out: dict[str, Any] = {}
    for name, mounting in ankle_pairs().items():
        rec, truth, _ = fk.make_fukuchi_imu(mounting=mounting, subject=subject)
        assert truth is not None
        an = footfall.analyze(rec)
        out[name] = {}
        for side in ("left", "right"):
            p = _pair(truth, an.steps, side)
            v = p[["eversion_velocity_dps", "rearfoot_eversion_velocity_dps_ff"]].dropna()
            fit = next(
                (
                    d["rearfoot_eversion"]
                    for k, d in an.streams.items()
                    if "rearfoot_eversion" in d and side in k
                ),
                None,
            )
            out[name][side] = {
                "excursion": _err(p, "eversion_excursion_deg", "rearfoot_eversion_deg_ff"),
                "excursion_median_ff": (
                    float(p["rearfoot_eversion_deg_ff"].median()) if len(p) else None
                ),
                "excursion_median_truth": (
                    float(p["eversion_excursion_deg"].median()) if len(p) else None
                ),
                "velocity_pct": (
                    float(
                        100.0
                        * (
                            v["rearfoot_eversion_velocity_dps_ff"].median()
                            / v["eversion_velocity_dps"].median()
                            - 1.0
                        )
                    )
                    if len(v)
                    else None
                ),
                "n_steps": int(len(p)),
                "fit": fit,
            }
    return out


def summarise_ankle(ankle: dict[str, Any]) -> dict[str, Any]:
    """Worst case over the combinations per side, and the spread of the
    per-combination medians."""
    out: dict[str, Any] = {}
    for side in ("left", "right"):
        rows = [c[side] for c in ankle.values() if side in c]
        mae = [r["excursion"]["mae"] for r in rows if r["excursion"]["mae"] is not None]
        bias = [r["excursion"]["bias"] for r in rows if r["excursion"]["bias"] is not None]
        vel = [r["velocity_pct"] for r in rows if r["velocity_pct"] is not None]
        med = [r["excursion_median_ff"] for r in rows if r["excursion_median_ff"] is not None]
        measured = [r["excursion"]["n"] for r in rows]
        out[side] = {
            "combinations": len(rows),
            "measured_steps_min": int(min(measured)) if measured else 0,
            "steps": int(rows[0]["n_steps"]) if rows else 0,
            "excursion_mae_max": float(max(mae)) if mae else None,
            "excursion_bias_range": [float(min(bias)), float(max(bias))] if bias else None,
            "excursion_median_truth": rows[0]["excursion_median_truth"] if rows else None,
            "excursion_median_spread": float(max(med) - min(med)) if med else None,
            "velocity_pct_range": [float(min(vel)), float(max(vel))] if vel else None,
        }
    return out


def run_subject(subject: str) -> dict[str, Any]:
    """Scores of one runner: per foot mounting and side (found from the data,
    and with the mounting given as ``toes=`` where the sensor sits square on
    the shoe), and per shank tilt and side."""
    feet: dict[str, dict[str, Any]] = {}
    given: dict[str, dict[str, Any]] = {}
    for name, m in mountings().items():
        rec, truth, _ = fk.make_fukuchi_imu(
            mounting={"left_foot": m, "right_foot": m}, subject=subject
        )
        assert truth is not None
        feet[name] = {}
        square = bool(np.allclose(np.abs(m), np.round(np.abs(m)), atol=1e-9))
        if square:
            given[name] = {}
        for st in rec.streams:
            if st.placement.value != "foot":
                continue
            res = analyze_imu_stream(st, CONDITION)
            feet[name][st.side.value] = _foot_scores(_pair(truth, res.steps, st.side.value), res)
            if square:
                st.meta["mount"] = toes_spec(m)
                res = analyze_imu_stream(st, CONDITION)
                given[name][st.side.value] = {
                    "mount": st.meta["mount"],
                    "foot_strike_angle": _err(
                        _pair(truth, res.steps, st.side.value),
                        "foot_strike_angle_deg",
                        "foot_strike_angle_deg_ff",
                    ),
                }
    shanks: dict[str, dict[str, Any]] = {}
    for name, m in SHANK_TILTS.items():
        rec, truth, _ = fk.make_fukuchi_imu(
            mounting={"left_shank": m, "right_shank": m}, subject=subject
        )
        assert truth is not None
        shanks[name] = {}
        for st in rec.streams:
            if st.placement.value != "shank":
                continue
            res = analyze_imu_stream(st, CONDITION)
            p = _pair(truth, res.steps, st.side.value)
            shanks[name][st.side.value] = _err(p, "shank_angle_ic_deg", "shank_angle_ic_deg_ff")
    return {"feet": feet, "shanks": shanks, "mount_given": given}


def summarise(subj: dict[str, Any]) -> dict[str, Any]:
    """Worst case over mountings per side, and the spread of the per-mounting
    medians (the same foot must give the same numbers whatever the mounting)."""
    out: dict[str, Any] = {}
    for side in ("left", "right"):
        rows = [m[side] for m in subj["feet"].values() if side in m]
        if not rows:
            continue

        def worst(key: str, field: str = "mae", rows: list = rows) -> float | None:
            v = [abs(r[key][field]) for r in rows if r[key][field] is not None]
            return float(max(v)) if v else None

        med = [r["foot_strike_angle_median_ff"] for r in rows]
        out[side] = {
            "mountings": len(rows),
            "foot_strike_angle_mae_max": worst("foot_strike_angle"),
            "foot_strike_angle_abs_bias_max": worst("foot_strike_angle", "bias"),
            "foot_strike_angle_median_spread": float(max(med) - min(med)),
            "foot_strike_angle_median_truth": rows[0]["foot_strike_angle_median_truth"],
            "strike_pattern_agree_pct_min": float(min(r["strike_pattern_agree_pct"] for r in rows)),
            "toe_out_mae_max": worst("toe_out"),
            "toe_out_median_truth": rows[0]["toe_out_median_truth"],
            "contact_time_abs_bias_pct_max": worst("contact_time_pct", "bias"),
            "ic_bias_ms": rows[0]["ic_ms"]["bias"],
            "to_bias_ms": rows[0]["to_ms"]["bias"],
            "roll_excursion_vs_foot_roll_mae_max": worst("roll_excursion_vs_foot_roll"),
            "roll_excursion_vs_eversion_mae_max": worst("roll_excursion_vs_eversion"),
            "roll_velocity_vs_eversion_pct": rows[0]["roll_velocity_vs_eversion_pct"],
            "roll_velocity_vs_foot_roll_pct": rows[0]["roll_velocity_vs_foot_roll_pct"],
        }
        sh = [m[side] for m in subj["shanks"].values() if side in m]
        out[side]["shank_angle_mae_by_tilt"] = {
            k: v[side]["mae"] for k, v in subj["shanks"].items() if side in v
        }
        out[side]["shank_angle_mae_max"] = (
            float(max(s["mae"] for s in sh if s["mae"] is not None)) if sh else None
        )
    return out


def run() -> dict[str, Any]:
    """Every runner of ``fukuchi_imu.SUBJECTS`` whose files are present."""
    subjects = [s for s in fk.SUBJECTS if fk.data_available(fk.DATA_DIR, s)]
    if not subjects:
        result: dict[str, Any] = {"skipped": f"no Fukuchi running data in {fk.DATA_DIR}"}
    else:
        result = {"subjects": {}}
        for s in subjects:
            detail = run_subject(s)
            ankle = run_ankle(s)
            result["subjects"][s] = {
                "summary": summarise(detail),
                "detail": detail,
                "standing": run_standing(s),
                "cutoffs": run_cutoffs(s),
                "ankle": {"summary": summarise_ankle(ankle), "detail": ankle},
            }
    out = HERE / "results" / "fukuchi_mounts.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def main() -> int:
    res = run()
    if "skipped" in res:
        print(res["skipped"])
        return 0
    for s, d in res["subjects"].items():
        print(f"{s}:")
        for side, v in d["summary"].items():
            print(f"  {side}:")
            for k, x in v.items():
                print(f"    {k}: {x if not isinstance(x, float) else round(x, 2)}")
        print("  rearfoot eversion (foot + shank IMU):")
        for side, v in d["ankle"]["summary"].items():
            print(f"    {side}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
