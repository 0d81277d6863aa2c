"""Throughput of ``footfall batch``: recordings per minute with 1 and 2 local
processes and through a Dask LocalCluster of 2 worker processes.

The recordings: ``--recordings`` simulated runs (``footfall.sim.simulate``,
scenarios in turn, seeds 0.., ``--minutes`` long each, the sensors of
``--sensors``), written once as canonical CSV folders into ``--cache`` and
kept between runs.

Each configuration is the whole command in a fresh process, as a user runs
it (``python -m footfall batch CACHE -o OUT --jobs N`` or ``--dask local
--jobs 2``), into a new output folder each time (so nothing is skipped):
wall time from process start to exit, pool or cluster start-up included.
Recordings per minute = recordings / wall time * 60; the speed-up is
against 1 local process. Median over ``--repeats``.

Usage::

    python bench/bench_batch.py                       # 60 recordings of 2 min, 3 repeats
    python bench/bench_batch.py --recordings 12 --minutes 0.5 --repeats 1 --out /tmp/b

Prints a table and writes bench/results/batch.json (``--out`` folder).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

SCENARIOS = ("easy-run", "low-cadence-overstride", "heavy-heel-striker", "fatigue-drift")
CACHE_VERSION = "v1"
CONFIGS = {
    "local-1": ["--jobs", "1"],
    "local-2": ["--jobs", "2"],
    "dask-local-2": ["--dask", "local", "--jobs", "2"],
}


def default_cache() -> Path:
    return Path(tempfile.gettempdir()) / f"footfall-bench-batch-{CACHE_VERSION}"


def build(cache: Path, n: int, minutes: float, sensors: tuple[str, ...]) -> Path:
    """The recordings folder (made once per recipe)."""
    from footfall.sim import simulate

    folder = cache / f"n{n}_{minutes:g}min_{'+'.join(sensors)}"
    done = folder / ".complete"
    if done.is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    for i in range(n):
        simulate(
            SCENARIOS[i % len(SCENARIOS)],
            minutes=minutes,
            seed=i,
            out_dir=folder / f"run{i:04d}",
            sensors=sensors,
        )
    done.write_text("ok\n")
    return folder


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    return env


def run_once(recordings: Path, extra: list[str]) -> tuple[float, str]:
    """Wall seconds of one ``footfall batch`` command and its last line."""
    out = Path(tempfile.mkdtemp(prefix="footfall-bench-batch-out-")) / "out"
    try:
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "footfall", "batch", str(recordings), "-o", str(out), *extra],
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"footfall batch {' '.join(extra)} failed:\n{proc.stderr}")
    return wall, proc.stdout.strip().splitlines()[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recordings", type=int, default=60)
    ap.add_argument("--minutes", type=float, default=2.0, help="length of each recording")
    ap.add_argument("--sensors", default="foot", help="comma-separated: foot, shank, insole")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--configs", default=",".join(CONFIGS), help=f"comma-separated of {', '.join(CONFIGS)}"
    )
    ap.add_argument("--cache", type=Path, default=default_cache())
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    configs = [c for c in args.configs.split(",") if c]
    bad = [c for c in configs if c not in CONFIGS]
    if bad:
        ap.error(f"unknown configs {bad}; choose from {list(CONFIGS)}")
    if any(c.startswith("dask") for c in configs):
        try:
            import distributed  # noqa: F401
        except ImportError:
            ap.error("the dask configs need Dask distributed: pip install 'footfall[dask]'")
    sensors = tuple(s for s in args.sensors.split(",") if s)
    args.cache.mkdir(parents=True, exist_ok=True)
    recordings = build(args.cache, args.recordings, args.minutes, sensors)

    results: dict = {
        "recordings": {
            "count": args.recordings,
            "minutes_each": args.minutes,
            "sensors": list(sensors),
            "what": "simulated runs (" + ", ".join(SCENARIOS) + " in turn), CSV folders",
        },
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "repeats": args.repeats,
        "runs": {},
    }
    print(
        f"footfall batch on {args.recordings} recordings of {args.minutes:g} min "
        f"({'+'.join(sensors)}); {os.cpu_count()} CPUs, median of {args.repeats}"
    )
    print(f"{'config':<14} {'wall s':>8} {'rec/min':>9} {'speed-up':>9}")
    base = None
    for name in configs:
        walls, last = [], ""
        for _ in range(args.repeats):
            wall, last = run_once(recordings, CONFIGS[name])
            walls.append(wall)
        wall = statistics.median(walls)
        rate = args.recordings / wall * 60.0
        if name == "local-1":
            base = rate
        speedup = rate / base if base else None
        results["runs"][name] = {
            "command_options": CONFIGS[name],
            "wall_s": round(wall, 3),
            "wall_s_all": [round(w, 3) for w in walls],
            "recordings_per_min": round(rate, 1),
            "speedup_vs_local_1": None if speedup is None else round(speedup, 2),
            "last_line": last,
        }
        sp = "" if speedup is None else f"{speedup:.2f}x"
        print(f"{name:<14} {wall:>8.2f} {rate:>9.1f} {sp:>9}")
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "batch.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
