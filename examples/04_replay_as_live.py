"""Play a recording as if its sensors were streaming, through the same
streaming analysis ``footfall live`` runs, and compare with the offline
analysis of the same file.

The live path calls the same step functions as ``footfall.analyze``: once
both have seen the whole recording they find the same steps.

Run from the repository root::

    python examples/04_replay_as_live.py [RECORDING] [SPEED]

SPEED 1 plays in real time, 10 ten times faster; without it the recording is
played as fast as the analysis takes it.
"""

import sys
from pathlib import Path

import footfall
from footfall.devices.replay import ReplaySource
from footfall.live.view import status_line
from footfall.stream import StreamingAnalyzer

ROOT = Path(__file__).resolve().parents[1]
path = sys.argv[1] if len(sys.argv) > 1 else ROOT / "sample_data" / "gaitmap_walk"
speed = float(sys.argv[2]) if len(sys.argv) > 2 else None

source = ReplaySource(path, speed=speed)
analyzer = StreamingAnalyzer()
source.open()
shown = 0.0
while not source.finished:
    analyzer.feed(source.poll(0.1))  # events: device info, blocks of samples, gaps
    snap = analyzer.snapshot()
    if snap["t_s"] is not None and snap["t_s"] >= shown + 10.0:  # a line per 10 s of data
        shown = snap["t_s"]
        print(status_line(snap))
source.close()
analyzer.finish()

live = analyzer.steps()
offline = footfall.analyze(path).steps
print(f"live: {len(live)} steps; offline: {len(offline)} steps")
for side in ("left", "right"):
    a = live[live["side"] == side]["contact_ms"].median()
    b = offline[offline["side"] == side]["contact_ms"].median()
    print(f"{side:5s} median contact time: live {a:.1f} ms, offline {b:.1f} ms")
