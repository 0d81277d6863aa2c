"""Simulate a runner, analyse the recording, and score the analysis against
the simulator's truth.

The virtual runner (``footfall.sim``) writes the same files a real capture
does, plus the true value of every metric for every step. Matching each
analysed step to its true step (same foot, nearest initial contact within
50 ms) gives the analysis's error per metric.

Run from the repository root::

    python examples/03_simulate_and_score.py [SCENARIO]

(``footfall simulate --list`` names the scenarios.)
"""

import sys

import numpy as np
import pandas as pd

import footfall
from footfall.sim import simulate

scenario = sys.argv[1] if len(sys.argv) > 1 else "toe-out-heel-striker"
recording, truth = simulate(scenario, minutes=1.0, seed=1, sensors=("foot", "shank"))
steps = footfall.analyze(recording).steps
print(f"{scenario}: {len(truth)} true steps, {len(steps)} analysed")

metrics = [
    "contact_ms",
    "stride_length_m",
    "foot_strike_angle_deg",
    "foot_progression_deg",
    "rearfoot_eversion_deg",
]
pairs = []
for side in ("left", "right"):
    a = steps[steps["side"] == side].sort_values("ic_s")
    t = truth[truth["side"] == side].sort_values("ic_s")
    pairs.append(
        pd.merge_asof(
            a, t, on="ic_s", direction="nearest", tolerance=0.05, suffixes=("", "_true")
        ).dropna(subset=["contact_ms_true"])
    )
matched = pd.concat(pairs)
print(f"{len(matched)} steps matched to the truth\n")
print(f"{'metric':26s} {'bias':>8s} {'MAE':>8s} {'steps':>6s}")
for m in metrics:
    if m not in matched or f"{m}_true" not in matched:
        continue
    err = (matched[m] - matched[f"{m}_true"]).to_numpy(dtype=float)
    err = err[np.isfinite(err)]
    if len(err):
        print(f"{m:26s} {err.mean():+8.2f} {np.abs(err).mean():8.2f} {len(err):6d}")
