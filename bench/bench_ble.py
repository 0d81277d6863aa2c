"""Capture over Bluetooth LE on a simulated link: loss and latency.

Three footfall sensors (the virtual runner's two foot IMUs at 200 Hz and its
left insole, 16 cells at 100 Hz) stream in real time as
:class:`footfall.devices.ble_peripheral.BlePeripheral` s on bumble's virtual
controllers; footfall's :class:`~footfall.devices.ble_source.BleSource` s
receive them through the real bleak API (the test support's bumble backend,
tests/ble_sim.py). The link releases packets only at connection events,
every ``interval`` ms, at most ``--per-event`` packets per event and
direction of each connection (tests/ble_sim.py, ``TimedLink``); frames are
sized from the MTU of 247 (17 IMU samples, 6 insole samples per
notification).

Measured per stream:

- loss: data frames the sensor generated that did not arrive (dropped at a
  full transmit buffer or lost with the link), and the gaps the host marked;
- latency of each frame: from the moment its *first* sample was taken (the
  sensor's pacing clock) to the host's receipt of the notification
  (``Block.received_s``), both on this machine's monotonic clock. A frame
  waits for its last sample (the batch: samples_per_frame / rate), then for
  a connection event. The aim (ble issue): median under one connection
  interval plus the batch length.

Usage::

    python bench/bench_ble.py                       # 30 s at 15, 30 and 50 ms
    python bench/bench_ble.py --seconds 10 --intervals 15 --out /tmp/b

Prints a table and writes bench/results/ble.json (``--out`` folder).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))


def streams(seconds: float, seed: int):
    from footfall.devices.emulator import streams_from_recording
    from footfall.sim import simulate
    from footfall.sim.params import PROFILES

    prof = replace(
        PROFILES["typical"], imu_fs_hz=200.0, insole_fs_hz=100.0, jitter_ms=0.0, drop_rate=0.0
    )
    rec, _ = simulate("easy-run", seconds / 60.0, seed, profile=prof, sensors=("foot", "insole"))
    by_name = {s.info.name: s for s in streams_from_recording(rec)}
    return [by_name["emu-left-foot"], by_name["emu-right-foot"], by_name["emu-left-insole"]]


def run(interval_ms: float, per_event: int, seconds: float, seed: int) -> dict:
    from ble_sim import FootfallPeripheral, SimWorld, bleak_backends

    from footfall.devices.base import Block, Gap
    from footfall.devices.ble_source import BleSource
    from footfall.live.session import MergedSource

    world = SimWorld(interval_s=interval_ms / 1000.0, per_event=per_event)
    try:
        boards = [
            world.add(
                FootfallPeripheral(f"ff-board-{i}", [s], address=f"F1:00:00:00:00:0{i}", speed=1.0)
            )
            for i, s in enumerate(streams(seconds, seed), start=1)
        ]
        scanner, client = bleak_backends(world)
        t0 = time.monotonic()
        source = MergedSource(
            [
                BleSource(
                    f"ff-board-{i}", session_start=t0, backend=client, scanner_backend=scanner
                )
                for i in range(1, len(boards) + 1)
            ]
        )
        source.open()
        events: list = []
        cpu0 = time.process_time()
        try:
            deadline = time.monotonic() + seconds * 2 + 30
            while not all(b.done.is_set() for b in boards) and time.monotonic() < deadline:
                events += source.poll(0.05)
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                events += source.poll(0.05)
        finally:
            source.close()
        cpu = time.process_time() - cpu0
        link_events = world.link.events
        max_backlog = world.link.max_backlog
    finally:
        world.close()

    out: dict = {"streams": {}}
    for b in boards:
        (s,) = b.streams
        name = s.info.name
        index = {(f.seq): i for i, f in enumerate(b.sent)}
        lat = [
            (t0 + e.received_s - b.sent_wall[index[e.seq]]) * 1000.0
            for e in events
            if isinstance(e, Block) and e.device_id == name
        ]
        gaps = [e for e in events if isinstance(e, Gap) and e.device_id == name]
        fates = {k: sum(1 for f in b.sent if f.fate == k) for k in ("sent", "overflow", "unsent")}
        batch_ms = s.samples_per_frame * s.period_ns / 1e6
        lat_a = np.asarray(lat)
        out["streams"][name] = {
            "rate_hz": s.info.rate_mhz / 1000.0,
            "samples_per_frame": s.samples_per_frame,
            "batch_ms": batch_ms,
            "frames_generated": len(b.sent),
            "frames_received": len(lat),
            "frames": fates,
            "gaps_marked": len(gaps),
            "samples_marked_missing": int(sum(g.n_missing for g in gaps)),
            "latency_ms": {
                "median": float(np.median(lat_a)),
                "p95": float(np.percentile(lat_a, 95)),
                "p99": float(np.percentile(lat_a, 99)),
                "max": float(lat_a.max()),
            },
            "aim_ms": interval_ms + batch_ms,
            "median_within_aim": bool(np.median(lat_a) < interval_ms + batch_ms),
        }
    out.update(
        interval_ms=interval_ms,
        per_event=per_event,
        connection_events=link_events,
        max_packets_waiting=max_backlog,
        cpu_s=cpu,
    )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--intervals", type=float, nargs="+", default=[15.0, 30.0, 50.0])
    ap.add_argument("--per-event", type=int, default=4)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    a = ap.parse_args(argv)

    runs = {}
    print(
        f"{'interval':>8} {'stream':>16} {'spf':>4} {'batch':>7} {'recv/gen':>11} "
        f"{'gaps':>4} {'median':>7} {'p99':>7} {'aim':>7}"
    )
    for iv in a.intervals:
        r = run(iv, a.per_event, a.seconds, a.seed)
        runs[f"{iv:g}ms"] = r
        for name, s in r["streams"].items():
            print(
                f"{iv:>6g}ms {name:>16} {s['samples_per_frame']:>4} {s['batch_ms']:>5.0f}ms "
                f"{s['frames_received']:>5}/{s['frames_generated']:<5} {s['gaps_marked']:>4} "
                f"{s['latency_ms']['median']:>5.1f}ms {s['latency_ms']['p99']:>5.1f}ms "
                f"{s['aim_ms']:>5.0f}ms"
            )
    result = {
        "seconds": a.seconds,
        "per_event": a.per_event,
        "mtu": 247,
        "what": "two foot IMUs at 200 Hz and a 16-cell insole at 100 Hz, real time",
        "runs": runs,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "ble.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {a.out / 'ble.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
