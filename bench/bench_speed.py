"""Speed and memory of `footfall analyze` on long recordings.

Builds a recording of two foot IMUs at 200 Hz of the requested length by
repeating the virtual running IMU made from the Fukuchi treadmill motion
capture (bench/fukuchi_imu.py; 30 s of real running, tiled with continuous
time), writes it as a canonical folder (CSV and Parquet), then measures, each
in a fresh process:

* reading the files only (``footfall.io.read_recording``);
* the whole ``footfall analyze FOLDER --json -`` command, process start to exit;
* the peak resident memory of that command.

Usage::

    python bench/bench_speed.py                 # 60 min, 3 repeats
    python bench/bench_speed.py --minutes 1     # the one-minute answer time
    python bench/bench_speed.py --minutes 0.5 --repeats 1   # smoke test

Prints a table and writes bench/results/speed_<minutes>min.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))


def build_recording(minutes: float, out: Path, fmt: str) -> Path:
    from fukuchi_imu import make_fukuchi_recording

    from footfall.io import read_recording, write_recording
    from footfall.model import Recording, Stream

    with tempfile.TemporaryDirectory() as tmp:
        src, _ = make_fukuchi_recording(Path(tmp) / "fk", fs_hz=200.0)
        rec = read_recording(src)
    feet = [s for s in rec.streams if s.placement == "foot"]
    streams = []
    for s in feet:
        n0 = len(s)
        dt = 1.0 / 200.0
        reps = int(np.ceil(minutes * 60.0 / (n0 * dt)))
        values = np.tile(s.values, (reps, 1))
        n = int(round(minutes * 60.0 / dt))
        values = values[:n]
        t = np.arange(len(values)) * dt
        streams.append(Stream(s.kind, s.side, t, values, s.columns, placement=s.placement,
                              name=s.name, meta={k: v for k, v in s.meta.items() if k != "gaps"}))
    big = Recording(streams, meta=dict(rec.meta), source="bench")
    folder = out / f"run_{minutes:g}min_{fmt}"
    write_recording(big, folder, fmt=fmt)
    return folder


def run_timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall time (s) and peak RSS (MB) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    # ru_maxrss of children is the max over all children so far
    return wall, max(peak, before) / 1024.0, proc.stdout


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--formats", default="csv,parquet")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)

    from datasets import shared_data_dir

    if shared_data_dir() is None:
        print("skipped: ../shared/data (Fukuchi recording) is not available")
        return 0
    results: dict[str, object] = {"minutes": args.minutes, "feet": 2, "fs_hz": 200.0,
                                  "machine": {"cpus": os.cpu_count()}, "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            folder = build_recording(args.minutes, Path(tmp), fmt)
            size_mb = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
            read_cmd = [sys.executable, "-c",
                        "import sys; from footfall.io import read_recording; "
                        "read_recording(sys.argv[1])", str(folder)]
            ana_cmd = [sys.executable, "-m", "footfall", "analyze", str(folder), "--json", "-"]
            reads, anas, peaks = [], [], []
            n_steps = None
            for _ in range(args.repeats):
                w, _, _ = run_timed(read_cmd)
                reads.append(w)
                w, peak, out = run_timed(ana_cmd)
                anas.append(w)
                peaks.append(peak)
                n_steps = json.loads(out)["n_steps"]
            r = {
                "files_mb": round(size_mb, 1),
                "read_only_s": round(float(np.median(reads)), 3),
                "analyze_command_s": round(float(np.median(anas)), 3),
                "analysis_over_read": round(float(np.median(anas) / np.median(reads)), 2),
                "peak_rss_mb_max": round(float(max(peaks)), 1),
                "n_steps": n_steps,
                "repeats": args.repeats,
            }
            results["runs"][fmt] = r  # type: ignore[index]
    print(f"footfall analyze, {args.minutes:g} min of two foot IMUs at 200 Hz "
          f"({os.cpu_count()} CPUs), median of {args.repeats}:")
    print(f"{'format':8} {'files MB':>9} {'read s':>8} {'analyze s':>10} {'ratio':>6} "
          f"{'peak MB':>8} {'steps':>6}")
    for fmt, r in results["runs"].items():  # type: ignore[union-attr]
        print(f"{fmt:8} {r['files_mb']:9.1f} {r['read_only_s']:8.2f} {r['analyze_command_s']:10.2f} "
              f"{r['analysis_over_read']:6.2f} {r['peak_rss_mb_max']:8.0f} {r['n_steps']:6d}")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"speed_{args.minutes:g}min.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
