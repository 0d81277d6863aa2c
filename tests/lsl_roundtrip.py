"""Run by tests/test_lsl.py in a child process, with the LSL configuration
set (LSLAPICFG: this machine only) and, where possible, in a private network
namespace: footfall's LSL outlets -> footfall's LSL source, and the steps
outlet -> a plain inlet. Prints a JSON report."""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def main() -> None:
    import pylsl

    import footfall
    from footfall.devices.base import Block, DeviceInfo, Gap
    from footfall.devices.replay import ReplaySource
    from footfall.live.lsl import STEPS_OUTLET, LslOutlets, LslSource
    from footfall.sim import simulate

    rec, _ = simulate("easy-run", 0.4, 3, sensors=("foot", "insole"))
    src = ReplaySource(rec, speed=None, frame_ms=100.0)
    src.open()
    events = []
    while not src.finished:
        events.extend(src.poll())
    src.close()
    infos = [e for e in events if isinstance(e, DeviceInfo)]
    blocks = [e for e in events if isinstance(e, Block)]

    outlets = LslOutlets()
    outlets.push(infos)
    lsl_in = LslSource([f"footfall-{d.device_id}" for d in infos], timeout_s=10.0)
    lsl_in.open()
    steps_info = pylsl.resolve_byprop("name", STEPS_OUTLET, timeout=10.0)[0]
    steps_in = pylsl.StreamInlet(steps_info, processing_flags=pylsl.proc_clocksync)
    steps_in.open_stream(timeout=10.0)
    time.sleep(0.5)

    sent = {d.device_id: [] for d in infos}
    for b in blocks:
        sent[b.device_id].append(b)
    outlets.push(blocks)
    offline = footfall.analyze(rec).steps
    outlets.push_steps(offline)

    got: dict[str, list] = {d.device_id: [] for d in infos}
    gaps = []
    described = {}
    n_sent = {k: sum(len(b.t_s) for b in v) for k, v in sent.items()}
    deadline = time.monotonic() + 20.0
    while time.monotonic() < deadline:
        for e in lsl_in.poll(0.05):
            if isinstance(e, Block):
                got[e.device_id].append(e)
            elif isinstance(e, Gap):
                gaps.append(e.device_id)
            elif isinstance(e, DeviceInfo):
                described[e.device_id] = [e.kind.value, e.side.value, e.fs_hz, list(e.columns)]
        if all(sum(len(b.t_s) for b in got[k]) >= n_sent[k] for k in got):
            break
    step_rows, step_stamps = [], []
    deadline = time.monotonic() + 10.0
    while len(step_rows) < len(offline) and time.monotonic() < deadline:
        rows, stamps = steps_in.pull_chunk(timeout=0.2)
        step_rows.extend(rows)
        step_stamps.extend(stamps)
    lsl_in.close()
    outlets.close()

    report = {"devices": {}, "gaps": gaps, "described": described}
    for d in infos:
        k = d.device_id
        t_sent = np.concatenate([b.t_s for b in sent[k]])
        v_sent = np.concatenate([b.values for b in sent[k]])
        t_got = np.concatenate([b.t_s for b in got[k]]) if got[k] else np.empty(0)
        v_got = np.concatenate([b.values for b in got[k]]) if got[k] else np.empty((0, 1))
        same = len(t_got) == len(t_sent)
        report["devices"][k] = {
            "kind": d.kind.value,
            "sent": int(len(t_sent)),
            "received": int(len(t_got)),
            # times relative to the first sample of the first stream, both sides
            "max_time_error_s": float(np.max(np.abs((t_got - t_got[0]) - (t_sent - t_sent[0]))))
            if same
            else None,
            "max_value_error": float(
                np.max(np.abs(v_got - v_sent.astype(np.float32)) / (1 + np.abs(v_sent)))
            )
            if same
            else None,
            "expected_described": [d.kind.value, d.side.value, d.fs_hz, list(d.columns)],
        }
    ic = offline["ic_s"].to_numpy(float)
    rows = np.asarray(step_rows, dtype=float)
    report["steps"] = {
        "sent": int(np.isfinite(ic).sum()),
        "received": len(step_rows),
        "max_ic_error_s": float(np.max(np.abs(rows[:, 0] - ic))) if len(rows) == len(ic) else None,
        "stamp_minus_ic_spread_s": float(np.ptp(np.asarray(step_stamps) - rows[:, 0]))
        if len(rows)
        else None,
        "columns": list(outlets.step_columns),
    }
    print(json.dumps(report))


def publish_for_cli(out: str) -> None:
    """Publish a simulated run's two foot IMUs in real time, once
    ``footfall live --lsl-in`` (run here as a child process) is reading;
    then compare what it recorded with what was sent."""
    import subprocess

    from footfall.devices.base import Block, DeviceInfo
    from footfall.devices.replay import ReplaySource
    from footfall.live.lsl import LslOutlets
    from footfall.sim import simulate

    rec, _ = simulate("easy-run", 0.1, 3, sensors=("foot",))
    src = ReplaySource(rec, speed=None, frame_ms=50.0)
    src.open()
    events = []
    while not src.finished:
        events.extend(src.poll())
    src.close()
    infos = [e for e in events if isinstance(e, DeviceInfo)]
    outlets = LslOutlets()
    outlets.push(infos)
    names = [a for d in infos for a in ("--lsl-in", f"footfall-{d.device_id}")]
    live = subprocess.Popen(
        [sys.executable, "-m", "footfall", "live", *names, "-o", out, "--no-view"]
        + ["--duration", "14", "--every", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline and not all(
        o.have_consumers() for o in outlets.outlets.values()
    ):
        time.sleep(0.05)
    time.sleep(0.5)
    t_start = time.monotonic()
    for e in events:
        if isinstance(e, Block):
            wait = t_start + float(e.t_s[-1]) - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            outlets.push([e])
    stdout, stderr = live.communicate(timeout=60)
    sent = {
        d.device_id: sum(
            len(b.t_s) for b in events if isinstance(b, Block) and b.device_id == d.device_id
        )
        for d in infos
    }
    report = {"returncode": live.returncode, "stderr": stderr[-2000:], "sent": sent}
    if live.returncode == 0:
        from footfall.io import read_recording

        got = read_recording(out)
        report["recorded"] = {s.meta.get("device_id", s.name): len(s) for s in got.streams}
        report["recorded_sides"] = sorted(s.side.value for s in got.streams)
        report["first_values_equal"] = bool(
            np.allclose(
                got.streams[0].values[:50],
                rec.streams[[x.side for x in rec.streams].index(got.streams[0].side)].values[:50],
                rtol=1e-6,
                atol=1e-5,
            )
        )
    print(json.dumps(report))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "cli":
        publish_for_cli(sys.argv[2])
    else:
        main()
    sys.stdout.flush()
