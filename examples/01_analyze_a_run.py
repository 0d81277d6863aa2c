"""Analyse a recording with one call and read the result.

Run from the repository root::

    python examples/01_analyze_a_run.py [RECORDING]

The recording defaults to the shipped sample (a short walk with a foot IMU on
each shoe). The same call takes a single stream file with what it is, e.g.
``footfall.analyze("left.csv", side="left", acc_unit="g")``.
"""

import sys
from pathlib import Path

import footfall

ROOT = Path(__file__).resolve().parents[1]
path = sys.argv[1] if len(sys.argv) > 1 else ROOT / "sample_data" / "gaitmap_walk"

result = footfall.analyze(path)

steps = result.steps  # pandas DataFrame, one row per foot contact
print(
    f"{len(steps)} steps ({(steps['side'] == 'left').sum()} left, "
    f"{(steps['side'] == 'right').sum()} right)"
)

# medians per side, and how far apart the sides are
for name in ("cadence_spm", "contact_ms", "stride_length_m", "foot_strike_angle_deg"):
    m = result.summary["metrics"].get(name)
    if m:
        print(
            f"{name:24s} median {m['median']:8.2f}   left {m['left']:8.2f}   "
            f"right {m['right']:8.2f}"
        )

# how the run changed from its first third to its last
drift = result.summary["drift"].get("contact_ms")
if drift:
    print(f"contact time, last third vs first: {drift['change_pct']:+.1f} %")

# what could not be analysed, and why
for note in result.notes:
    print("note:", note)
