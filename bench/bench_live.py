"""Live path: step latency, CPU share at real time and memory over a long session.

Devices: foot IMUs at 400 Hz and 16-cell insoles at 100 Hz of the virtual
runner (``footfall.sim.simulate("easy-run")``, profile ``typical``); a base
block of at most 10 minutes is simulated once and repeated with continuous
time up to ``--minutes``. Configurations: 1 IMU; 2 IMUs; 2 IMUs + 1 insole;
2 IMUs + 2 insoles.

Replay (``footfall.devices.replay.ReplaySource``, as fast as possible): every
block is handed to the ``StreamingAnalyzer`` the moment the source returns
it, and that moment is its arrival. Measured:

* step latency: from the arrival of the block holding the sample that made a
  step final (the frame that confirms its toe-off and the swing after it) to
  the step's row being available, ms, p50 / p95 / p99 / max; the steps held
  back until the sensor-to-foot alignment was found (the first strides of
  each IMU) are counted apart;
* CPU share of one core at real time: process CPU time / simulated duration;
* memory: resident set size every simulated minute, MB, and its growth from
  minute 5 to the end;
* the step delay: from a contact (``ic_s``) to its row on the data time
  axis, s (how far the display trails the runner).

Emulator (``--emulator-minutes``, real time): ``footfall emulate --serial``
in its own process streams the same kind of run over a pseudo-terminal; this
process reads it with the serial source and analyses it; latency counts from
the serial source's receive time of the confirming frame.

Equivalence: replaying a simulated run and the gaitmap walk through the live
path against offline analysis: steps, largest event-time difference
(samples) and largest metric differences, angles included (both paths take
the sensor-to-foot alignment from a stream's first strides).

Usage::

    python bench/bench_live.py                        # 60 min, all configurations
    python bench/bench_live.py --minutes 5 --configs 4 --emulator-minutes 0

Prints a table and writes bench/results/live.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CONFIGS = {
    1: ("left_foot",),
    2: ("left_foot", "right_foot"),
    3: ("left_foot", "right_foot", "left_insole"),
    4: ("left_foot", "right_foot", "left_insole", "right_insole"),
}


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def pct(x: list[float] | np.ndarray) -> dict[str, float | None]:
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return {"p50": None, "p95": None, "p99": None, "max": None, "n": 0}
    return {
        "p50": float(np.percentile(x, 50)),
        "p95": float(np.percentile(x, 95)),
        "p99": float(np.percentile(x, 99)),
        "max": float(x.max()),
        "n": int(len(x)),
    }


def base_recording(minutes: float, seed: int):
    from footfall.sim import simulate
    from footfall.sim.params import PROFILES

    prof = dataclasses.replace(PROFILES["typical"], imu_fs_hz=400.0, insole_fs_hz=100.0)
    rec, _ = simulate(
        "easy-run", min(minutes, 10.0), seed, profile=prof, sensors=("foot", "insole")
    )
    return rec


def tiled(rec, minutes: float, names: tuple[str, ...]):
    """The base streams named ``names``, repeated with continuous time."""
    from footfall.model import Recording, Stream

    out = []
    for s in rec.streams:
        stem = Path(s.name).stem
        if stem not in names:
            continue
        period = 1.0 / s.fs_hz
        span = s.time_s[-1] - s.time_s[0] + period
        k = int(np.ceil(minutes * 60.0 / span))
        t = np.concatenate([s.time_s + i * span for i in range(k)])
        keep = t < t[0] + minutes * 60.0
        v = np.concatenate([s.values] * k)[keep]
        out.append(Stream(s.kind, s.side, t[keep], v, s.columns, s.placement, s.name, s.meta))
    return Recording(out, meta={k: v for k, v in rec.meta.items() if k != "simulation"})


def run_replay(rec, minutes: float) -> dict:
    from footfall.devices.base import Block
    from footfall.devices.replay import ReplaySource
    from footfall.stream import StreamingAnalyzer

    src = ReplaySource(rec, speed=None, max_blocks=64)
    an = StreamingAnalyzer()
    mem = []
    next_mem = 0.0
    delays = []
    src.open()
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    while not src.finished:
        for ev in src.poll():
            rows = an.feed([ev], arrival_s=time.monotonic() if isinstance(ev, Block) else None)
            if len(rows):
                delays.extend((ev.received_s - rows["ic_s"].to_numpy()).tolist())
        if an.t_s >= next_mem:
            mem.append((an.t_s / 60.0, rss_mb()))
            next_mem += 60.0
    an.finish()
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    mem.append((an.t_s / 60.0, rss_mb()))
    m = np.array(mem)
    after5 = m[m[:, 0] >= 5.0] if (m[:, 0] >= 5.0).sum() >= 2 else m
    steps = an.steps()
    return {
        "devices": len(rec.streams),
        "streams": [s.name for s in rec.streams],
        "simulated_min": minutes,
        "wall_s": wall,
        "cpu_s": cpu,
        "cpu_share_of_core_at_1x_pct": 100.0 * cpu / (minutes * 60.0),
        "speed_vs_real_time": minutes * 60.0 / wall,
        "steps": int(len(steps)),
        "steps_before_alignment": an.steps_at_alignment,
        "latency_ms": pct(an.latencies_ms),
        "step_delay_s": pct(delays),
        "rss_mb": {
            "start": float(m[0, 1]),
            "end": float(m[-1, 1]),
            "max": float(m[:, 1].max()),
            "growth_after_5min": float(after5[-1, 1] - after5[0, 1]),
            "per_minute": [[round(a, 2), round(b, 1)] for a, b in mem],
        },
        "blocks": int(sum(d.blocks for d in an.devices.values())),
    }


def run_emulator(minutes: float, seed: int) -> dict:
    from footfall.devices.serial_source import SerialSource
    from footfall.live.session import LiveSession, MergedSource
    from footfall.stream import StreamingAnalyzer

    tmp = Path(tempfile.mkdtemp(prefix="ff-bench-live-"))
    link = tmp / "board"
    emu = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "footfall",
            "emulate",
            "--serial",
            "--minutes",
            str(minutes),
            "--seed",
            str(seed),
            "--imu-hz",
            "400",
            "--insole-hz",
            "100",
            "--link",
            str(link),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    emu.stdout.readline()  # the port is ready when its path is printed
    t0 = time.monotonic()
    src = MergedSource([SerialSource(str(link), session_start=t0)])
    an = StreamingAnalyzer()
    session = LiveSession(src, None, analyzer=an)
    cpu0 = time.process_time()

    def tick(_snap: dict) -> None:
        if emu.poll() is not None:
            session.stop()

    session.run(on_tick=tick, tick_s=0.5, handle_signals=False)
    cpu = time.process_time() - cpu0
    emu.wait(timeout=60)
    dq = {
        k: {
            kk: v[kk]
            for kk in ("samples", "gaps", "missing", "frames_dropped", "frames_corrupt", "steps")
        }
        for k, v in an.snapshot()["devices"].items()
    }
    return {
        "simulated_min": minutes,
        "cpu_s": cpu,
        "cpu_share_of_core_at_1x_pct": 100.0 * cpu / (minutes * 60.0),
        "steps": int(len(an.steps())),
        "steps_before_alignment": an.steps_at_alignment,
        "latency_ms": pct(an.latencies_ms),
        "devices": dq,
        "note": "cpu includes the serial reader, frame decoding and clock mapping",
    }


def equivalence(seed: int) -> dict:
    from footfall.devices.replay import ReplaySource
    from footfall.io import read_recording
    from footfall.pipeline import analyze
    from footfall.sim import simulate
    from footfall.stream import StreamingAnalyzer

    out = {}
    tmp = Path(tempfile.mkdtemp(prefix="ff-bench-eq-"))
    simulate("easy-run", 5.0, seed, tmp / "sim", sensors=("foot",))
    simulate("easy-run", 5.0, seed, tmp / "shank", sensors=("shank",))
    for name, folder in (
        ("simulated easy run, 5 min, 2 foot IMUs 200 Hz", tmp / "sim"),
        ("simulated easy run, 5 min, 2 shank IMUs 200 Hz", tmp / "shank"),
        ("gaitmap walk (sample_data)", ROOT / "sample_data" / "gaitmap_walk"),
    ):
        src = ReplaySource(folder, speed=None)
        an = StreamingAnalyzer(flags=False)
        src.open()
        while not src.finished:
            an.feed(src.poll())
        an.finish()
        live, off = an.steps(), analyze(folder).steps
        fs = read_recording(folder).streams[0].fs_hz
        row = {"steps_offline": int(len(off)), "steps_live": int(len(live))}
        if len(live) == len(off):
            for c in ("ic_s", "to_s"):
                d = np.abs(live[c].to_numpy(float) - off[c].to_numpy(float))
                row[f"max_{c}_diff_samples"] = float(np.nanmax(d) * fs)
            for c in (
                "contact_ms",
                "stride_ms",
                "cadence_spm",
                "stride_length_m",
                "impact_g",
                "braking_g",
                "pronation_velocity_dps",
            ):
                a, b = off[c].to_numpy(float), live[c].to_numpy(float)
                ok = np.isfinite(a) & np.isfinite(b)
                if not ok.any():
                    continue
                row[f"max_{c}_diff_pct"] = float(
                    np.max(np.abs(a[ok] - b[ok]) / np.abs(a[ok]) * 100.0)
                )
            for c in ("foot_strike_angle_deg", "pronation_excursion_deg", "shank_angle_ic_deg"):
                d = np.abs(off[c].to_numpy(float) - live[c].to_numpy(float))
                if np.isfinite(d).any():
                    row[f"max_{c}_diff"] = float(np.nanmax(d))
        out[name] = row
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--configs", default="1,2,3,4")
    ap.add_argument("--emulator-minutes", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS / "live.json")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    base = base_recording(args.minutes, args.seed)
    print(f"simulated base block in {time.perf_counter() - t:.0f} s", flush=True)
    results: dict = {
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "load_avg_start": os.getloadavg()[0],
        "replay": {},
    }
    for c in [int(x) for x in args.configs.split(",")]:
        rec = tiled(base, args.minutes, CONFIGS[c])
        r = run_replay(rec, args.minutes)
        results["replay"][f"{c} devices"] = r
        del rec
        lat = r["latency_ms"]
        print(
            f"{c} devices ({', '.join(r['streams'])}): {r['steps']} steps, latency p50 "
            f"{lat['p50']:.1f} p95 {lat['p95']:.1f} p99 {lat['p99']:.1f} max {lat['max']:.1f} ms;"
            f" CPU {r['cpu_share_of_core_at_1x_pct']:.1f} % of a core at 1x; RSS "
            f"{r['rss_mb']['start']:.0f} -> {r['rss_mb']['end']:.0f} MB (growth after 5 min "
            f"{r['rss_mb']['growth_after_5min']:+.1f} MB); step delay p50 "
            f"{r['step_delay_s']['p50']:.2f} s",
            flush=True,
        )
    if args.emulator_minutes > 0:
        e = run_emulator(args.emulator_minutes, args.seed)
        results["emulator"] = e
        lat = e["latency_ms"]
        print(
            f"emulator over a pty, 1x, {args.emulator_minutes:g} min: {e['steps']} steps, "
            f"latency p50 {lat['p50']:.1f} p95 {lat['p95']:.1f} p99 {lat['p99']:.1f} ms; "
            f"CPU {e['cpu_share_of_core_at_1x_pct']:.1f} % of a core",
            flush=True,
        )
    results["equivalence"] = equivalence(args.seed)
    for k, v in results["equivalence"].items():
        print(f"equivalence, {k}: {json.dumps(v)}", flush=True)
    results["load_avg_end"] = os.getloadavg()[0]
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    results["args"] = {k: str(v) for k, v in vars(args).items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
