"""The analysis chain step by step on raw NumPy arrays.

``footfall.analyze`` runs these steps for every stream; a researcher can run
them one by one, inspect each result, or swap one for their own method:

1. ``segment_strides``: find each swing and the mid-stances around it;
2. ``estimate_alignment``: the rotation from the sensor's axes to the foot's;
3. ``integrate_strides``: orientation, velocity and position of every stride
   (zero-velocity updates at the mid-stances);
4. ``detect_events``: initial contact and toe-off of every stride;
5. ``imu_step_metrics``: the steps table.

``footfall.analyze`` does a little more around these steps: it bridges short
gaps, refines the alignment with the standing pose and heel raises when the
recording starts with them, reads the foot's pitch for the contact rules and
keeps a stride the recording starts in; its numbers can differ slightly.

Run from the repository root::

    python examples/02_researcher_chain.py
"""

from pathlib import Path

import numpy as np

from footfall.gait import (
    detect_events,
    estimate_alignment,
    imu_step_metrics,
    integrate_strides,
    segment_strides,
)
from footfall.io import read_recording

ROOT = Path(__file__).resolve().parents[1]
recording = read_recording(ROOT / "sample_data" / "gaitmap_walk")
stream = next(s for s in recording.streams if s.side == "left")

# plain arrays in SI units: seconds, m/s^2, rad/s (the reader converted them)
time_s = stream.time_s
acc_mps2 = stream.values[:, :3]
gyr_rps = stream.values[:, 3:6]
fs_hz = stream.fs_hz
print(f"{stream.name}: {len(time_s)} samples at {fs_hz:.0f} Hz")

seg = segment_strides(gyr_rps, fs_hz, acc_mps2=acc_mps2)
print(f"1. {len(seg)} strides between mid-stances")

alignment = estimate_alignment(acc_mps2, gyr_rps, fs_hz, seg)
print("2. sensor-to-foot rotation:\n", np.round(alignment.R, 3))
acc_foot, gyr_foot = alignment.apply(acc_mps2), alignment.apply(gyr_rps)

traj = integrate_strides(acc_foot, gyr_foot, fs_hz, seg.ms_before, seg.ms_after)
print(f"3. {len(traj)} strides integrated")

events = detect_events(acc_foot, gyr_foot, fs_hz, seg)
print(
    f"4. {int(np.isfinite(events.ic).sum())} initial contacts, "
    f"{int(np.isfinite(events.to).sum())} toe-offs"
)

steps = imu_step_metrics(time_s, gyr_foot, fs_hz, events, traj, side="left")
print("5. steps table:")
print(
    steps[["ic_s", "contact_ms", "stride_ms", "stride_length_m", "foot_strike_angle_deg"]]
    .describe()
    .loc[["count", "mean", "std"]]
    .round(2)
)
