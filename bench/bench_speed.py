"""Speed and memory of ``footfall analyze`` from one minute to four hours.

The recording: two foot IMUs (200 Hz) and two 16-cell insoles (100 Hz) of the
virtual runner (``footfall.sim.simulate("easy-run")``, sensor profile
``typical``). A base block of at most 10 minutes is simulated once and tiled
with continuous time up to each requested length, then written as a canonical
recording folder in CSV and in Parquet. The folders are cached (``--cache``,
default a folder under the system temp dir) so that the 4-hour files are
made once.

The same is measured with the two foot IMUs alone (``--feet-minutes``, by
default 1 minute and 1 hour: the spine issue's hour of two feet).

The virtual runner itself is timed too (``--sim-minutes``, default one hour):
the whole ``footfall simulate`` command making that run's two foot IMUs and
two insoles and writing them as Parquet, in a fresh process.

Each measurement is a fresh process, as a user would run it:

* reading the files only (``footfall.io.read_recording``);
* the whole ``footfall analyze FOLDER --json -`` command, process start to exit.

footfall's modules are byte-compiled first (``compileall``), as an install
does: where ``PYTHONDONTWRITEBYTECODE`` is set, every fresh process would
otherwise compile them from source again.

For each: wall time, CPU time (user + system, all threads) and peak resident
memory of that one process (``os.wait4``), median over ``--repeats``. The
growth with duration is fitted as ``time = a + b * minutes`` (least squares;
``a`` is start-up, ``b`` the cost per minute of recording) and as a power law
``time - a ~ minutes ** k`` over the durations of 10 minutes and more
(``k`` = 1 means linear).

Usage::

    python bench/bench_speed.py                          # 1, 10, 60, 240 min, 3 repeats
    python bench/bench_speed.py --minutes 1,60 --repeats 5
    python bench/bench_speed.py --minutes 0.2 --feet-minutes 0.2 --repeats 1 \
        --formats csv --out /tmp/s

Prints a table and writes bench/results/speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))

SCENARIO = "easy-run"
SEED = 3
BLOCK_MINUTES = 10.0
"""Length of the simulated block that longer recordings repeat."""
CACHE_VERSION = "v2"
"""Part of the cache folder name: bump it when the recording recipe changes."""


def default_cache() -> Path:
    return Path(tempfile.gettempdir()) / f"footfall-bench-speed-{CACHE_VERSION}"


def _tile(
    time_s: np.ndarray, values: np.ndarray, block_s: float, duration_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat a block of samples with continuous time up to ``duration_s``."""
    inside = time_s < block_s  # the simulator keeps a sample at the block's end
    time_s, values = time_s[inside], values[inside]
    reps = int(np.ceil(duration_s / block_s))
    t = (time_s[None, :] + block_s * np.arange(reps)[:, None]).ravel()
    v = np.tile(values, (reps, 1))
    keep = t < duration_s
    return t[keep], v[keep]


CONFIGS = {
    "feet+insoles": ("foot", "insole"),
    "feet": ("foot",),
}
"""Sensor sets measured: two foot IMUs and two insoles (the benchmark and
insole issues), and two foot IMUs alone (the spine issue's hour of two feet)."""


def tiled_streams(streams: list, block_s: float, duration_s: float) -> list:
    """Each stream of a simulated block repeated with continuous time to ``duration_s``."""
    from footfall.model import Stream

    out = []
    for s in streams:
        t, v = _tile(s.time_s, s.values, block_s, duration_s)
        out.append(
            Stream(
                s.kind,
                s.side,
                t,
                v,
                s.columns,
                placement=s.placement,
                name=s.name,
                meta=dict(s.meta),
            )
        )
    return out


def recording_folder(minutes: float, fmt: str, cache: Path, config: str = "feet+insoles") -> Path:
    suffix = "" if config == "feet+insoles" else f"_{config}"
    return cache / f"{SCENARIO}_{minutes:g}min_{fmt}{suffix}"


def ensure_recording(minutes: float, fmt: str, cache: Path, config: str = "feet+insoles") -> Path:
    """The cached recording folder, made in a child process when missing.

    A child, so that this process stays small: on Linux a child's peak memory
    (``ru_maxrss``) starts from its parent's resident size at fork, which
    would inflate every measurement after building a long recording here.
    """
    folder = recording_folder(minutes, fmt, cache, config)
    if not (folder / "recording.json").is_file():
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--build",
                f"{minutes:g}",
                fmt,
                str(cache),
                config,
            ],
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
    return folder


def build_recording(minutes: float, fmt: str, cache: Path, config: str = "feet+insoles") -> Path:
    """The cached recording folder of ``minutes`` in ``fmt``, made when missing."""
    folder = recording_folder(minutes, fmt, cache, config)
    if (folder / "recording.json").is_file():
        return folder
    from footfall.io import write_recording
    from footfall.model import Recording
    from footfall.sim import simulate

    block_min = min(minutes, BLOCK_MINUTES)
    rec, _ = simulate(SCENARIO, block_min, seed=SEED, sensors=CONFIGS[config])
    block_s, duration_s = block_min * 60.0, minutes * 60.0
    streams = tiled_streams(rec.streams, block_s, duration_s)
    meta = dict(rec.meta)
    meta["description"] = (
        f"'{SCENARIO}' simulated block of {block_min:g} min repeated to "
        f"{minutes:g} min (speed benchmark)"
    )
    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    write_recording(Recording(streams, meta=meta, source="bench"), tmp, fmt=fmt)
    tmp.rename(folder)
    return folder


def byte_compile() -> None:
    """Write footfall's bytecode (as an install does) so that the timed
    processes load it instead of compiling the sources."""
    import compileall

    compileall.compile_dir(str(ROOT / "src" / "footfall"), quiet=1)


def run_measured(cmd: list[str]) -> dict:
    """Run one command in a fresh process: wall s, CPU s and peak RSS MB of that process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=err,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{stderr}")
    # ru_maxrss is in kilobytes on Linux
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024.0,
        "stdout": stdout,
    }


def _self_rss_mb() -> float:
    """Peak resident memory of this process so far, MB (a floor under every
    child's measured peak, see :func:`ensure_recording`)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _median(rows: list[dict], key: str) -> float:
    return float(np.median([r[key] for r in rows]))


def fit_growth(minutes: list[float], values: list[float]) -> dict:
    """Linear fit ``value = a + b * minutes`` and the power-law exponent of the
    part above ``a`` over durations of 10 minutes and more."""
    m = np.asarray(minutes, dtype=float)
    y = np.asarray(values, dtype=float)
    if len(m) < 2:
        return {}
    b, a = np.polyfit(m, y, 1)
    pred = a + b * m
    ss_res = float(np.sum((y - pred) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    out = {
        "intercept": round(float(a), 4),
        "per_minute": round(float(b), 5),
        "r2": round(1.0 - ss_res / ss_tot, 5) if ss_tot > 0 else None,
        "max_rel_residual": round(float(np.max(np.abs(y - pred) / y)), 4),
    }
    long = (m >= 10.0) & (y - a > 0)
    if long.sum() >= 2:
        k = np.polyfit(np.log(m[long]), np.log(y[long] - a), 1)[0]
        out["exponent_above_intercept"] = round(float(k), 3)
    return out


def measure(
    config: str, durations: list[float], formats: list[str], cache: Path, repeats: int
) -> dict:
    """Read-only and whole-command runs of one sensor set: ``{fmt: {durations, growth}}``."""
    runs: dict = {}
    for fmt in formats:
        rows = []
        for minutes in durations:
            print(f"{config} {fmt} {minutes:g} min: preparing ...", flush=True)
            folder = ensure_recording(minutes, fmt, cache, config)
            size_mb = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
            read_cmd = [
                sys.executable,
                "-c",
                "import sys; from footfall.io import read_recording; read_recording(sys.argv[1])",
                str(folder),
            ]
            ana_cmd = [sys.executable, "-m", "footfall", "analyze", str(folder), "--json", "-"]
            reads, anas = [], []
            for _ in range(repeats):
                reads.append(run_measured(read_cmd))
                anas.append(run_measured(ana_cmd))
            summary = json.loads(anas[0]["stdout"])
            row = {
                "minutes": minutes,
                "files_mb": round(size_mb, 1),
                "read_wall_s": round(_median(reads, "wall_s"), 3),
                "read_cpu_s": round(_median(reads, "cpu_s"), 3),
                "read_peak_mb": round(max(r["peak_mb"] for r in reads), 1),
                "analyze_wall_s": round(_median(anas, "wall_s"), 3),
                "analyze_cpu_s": round(_median(anas, "cpu_s"), 3),
                "analyze_peak_mb": round(max(r["peak_mb"] for r in anas), 1),
                "n_steps": summary.get("n_steps"),
            }
            row["analyze_over_read"] = round(row["analyze_wall_s"] / row["read_wall_s"], 2)
            # the analysis itself: the whole command less the read-only process
            row["analysis_only_s"] = round(row["analyze_wall_s"] - row["read_wall_s"], 3)
            row["analysis_only_over_read"] = round(row["analysis_only_s"] / row["read_wall_s"], 2)
            rows.append(row)
        m = [r["minutes"] for r in rows]
        growth = {
            key: fit_growth(m, [r[key] for r in rows])
            for key in ("read_wall_s", "analyze_wall_s", "analyze_cpu_s", "analyze_peak_mb")
        }
        runs[fmt] = {"durations": rows, "growth": growth}
    return runs


def print_runs(title: str, runs: dict, repeats: int) -> None:
    print(
        f"\nfootfall analyze on {title}; {os.cpu_count()} CPUs, median of {repeats} fresh processes"
    )
    print(
        f"{'format':8} {'min':>6} {'MB':>7} {'read s':>7} {'analyze s':>9} {'cpu s':>7} "
        f"{'peak MB':>8} {'read MB':>8} {'steps':>7}"
    )
    for fmt, run in runs.items():
        for r in run["durations"]:
            print(
                f"{fmt:8} {r['minutes']:6g} {r['files_mb']:7.1f} {r['read_wall_s']:7.2f} "
                f"{r['analyze_wall_s']:9.2f} {r['analyze_cpu_s']:7.2f} "
                f"{r['analyze_peak_mb']:8.0f} {r['read_peak_mb']:8.0f} {r['n_steps']:7d}"
            )
        g = run["growth"].get("analyze_wall_s", {})
        if g:
            print(
                f"{fmt:8} analyze wall time ~ {g['intercept']:.2f} s + "
                f"{g['per_minute'] * 60:.2f} s per hour of recording "
                f"(r2 {g['r2']}; exponent {g.get('exponent_above_intercept', 'n/a')})"
            )


def measure_simulate(durations: list[float], repeats: int) -> dict:
    """Wall time, CPU time and peak memory of ``footfall simulate`` (the
    benchmark's scenario and seed, two foot IMUs and two insoles, Parquet)
    for each length, median over ``repeats`` fresh processes."""
    rows = []
    for minutes in durations:
        runs = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(
                    run_measured(
                        [
                            sys.executable,
                            "-m",
                            "footfall",
                            "simulate",
                            "--scenario",
                            SCENARIO,
                            "--minutes",
                            f"{minutes:g}",
                            "--seed",
                            str(SEED),
                            "--sensors",
                            "foot",
                            "insole",
                            "--format",
                            "parquet",
                            "-o",
                            str(Path(tmp) / "run"),
                        ]
                    )
                )
        rows.append(
            {
                "minutes": minutes,
                "wall_s": round(_median(runs, "wall_s"), 3),
                "cpu_s": round(_median(runs, "cpu_s"), 3),
                "peak_mb": round(max(r["peak_mb"] for r in runs), 1),
            }
        )
    return {
        "command": f"footfall simulate --scenario {SCENARIO} --seed {SEED} "
        "--sensors foot insole --format parquet",
        "durations": rows,
    }


def print_simulate(sim: dict, repeats: int) -> None:
    print(f"\n{sim['command']} (median of {repeats}, fresh process)")
    print(f"{'minutes':>8} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
    for r in sim["durations"]:
        print(f"{r['minutes']:8g} {r['wall_s']:8.2f} {r['cpu_s']:8.2f} {r['peak_mb']:8.0f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--minutes",
        default="1,10,60,240",
        help="comma-separated recording lengths, minutes (default 1,10,60,240)",
    )
    ap.add_argument(
        "--feet-minutes",
        default="1,60",
        help="lengths measured with the two foot IMUs alone (default 1,60; empty to skip)",
    )
    ap.add_argument(
        "--sim-minutes",
        default="60",
        help="lengths of 'footfall simulate' runs timed (default 60; empty to skip)",
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--formats", default="csv,parquet")
    ap.add_argument(
        "--cache",
        type=Path,
        default=default_cache(),
        help="folder for the generated recordings (kept between runs)",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument(
        "--build", nargs=4, metavar=("MINUTES", "FORMAT", "CACHE", "CONFIG"), help=argparse.SUPPRESS
    )
    args = ap.parse_args(argv)
    if args.build:
        build_recording(float(args.build[0]), args.build[1], Path(args.build[2]), args.build[3])
        return 0
    durations = sorted(float(x) for x in args.minutes.split(",") if x)
    feet_durations = sorted(float(x) for x in args.feet_minutes.split(",") if x)
    formats = [f for f in args.formats.split(",") if f]
    args.cache.mkdir(parents=True, exist_ok=True)
    byte_compile()

    pressure = (ROOT / "src" / "footfall" / "gait" / "pressure.py").is_file()
    results: dict = {
        "recording": f"simulated '{SCENARIO}' run (seed {SEED}, profile typical): 2 foot IMUs "
        "at 200 Hz + 2 insoles (16 cells + force) at 100 Hz; blocks of "
        f"{BLOCK_MINUTES:g} min tiled",
        "insole_analysis_present": pressure,
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "runner_rss_mb": round(_self_rss_mb(), 1),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "repeats": args.repeats,
        "runs": {},
    }
    results["runs"] = measure("feet+insoles", durations, formats, args.cache, args.repeats)
    print_runs(results["recording"], results["runs"], args.repeats)
    if feet_durations:
        feet = {
            "recording": "the same simulated run, the 2 foot IMUs at 200 Hz alone",
            "runs": measure("feet", feet_durations, formats, args.cache, args.repeats),
        }
        results["feet_only"] = feet
        print_runs(feet["recording"], feet["runs"], args.repeats)
    sim_durations = sorted(float(x) for x in args.sim_minutes.split(",") if x)
    if sim_durations:
        results["simulate"] = measure_simulate(sim_durations, args.repeats)
        print_simulate(results["simulate"], args.repeats)
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "speed.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
