"""footfall and gaitmap side by side: speed and accuracy on the same data.

gaitmap (mad-lab-fau/gaitmap) is the most complete open-source foot-IMU gait
library. Its standard pipeline (BarthDtw stride segmentation,
RamppEventDetection, StrideLevelTrajectory, temporal and spatial parameters;
see bench/gaitmap_worker.py) and footfall are run on:

* the gaitmap example walk (../shared/data/gaitmap_example, raw sensor frame,
  204.8 Hz), scored against its motion-capture reference exactly as
  bench/validate.py scores footfall;
* one 10-minute simulated run (``footfall.sim.simulate("easy-run")``, two
  foot IMUs on the laces, 200 Hz, sensor profile ``typical``), scored against
  the simulator's truth steps.

gaitmap pins older NumPy/pandas than footfall, so it lives in its own virtual
environment, ``bench/.venv-gaitmap``, which this script creates and fills
(``pip install gaitmap==2.6.0 gaitmap_mad==2.6.0``; gaitmap_mad holds BarthDtw
and RamppEventDetection and is AGPL-3.0: it is installed there for the
benchmark only, never shipped). When that fails (no network, no compatible
Python) the gaitmap half is skipped with the reason and footfall is still
measured.

Input for gaitmap: the example's own CSV, rotated with the 90-degree flips
gaitmap's documentation gives for that data; the simulated run resampled
onto one uniform time grid for both feet (gaitmap needs one table), rotated
into gaitmap's foot sensor frame (x to the toes, y left, z up; the same as
footfall's foot frame) with the simulator's true mounting rotation, gyroscope
in deg/s. footfall gets the same data as a canonical recording folder in raw
sensor axes and finds the alignment itself.

Timing, per tool and data set, each run in a fresh process:

* cold: from just before the process is started to the moment the first
  result is ready (interpreter start, imports, reading the file, analysis,
  and for gaitmap the Numba compilation); median over ``--cold-repeats``
  processes;
* warm: a later call of the analysis on the data already in memory, in the
  same process (median over ``--warm`` calls for gaitmap and
  ``--warm-footfall`` for footfall, whose calls are short enough that a few
  of them catch this machine's noise more than the code's speed).

footfall's result is ready when ``footfall.analyze`` returns: the run summary
and the steps table as NumPy columns. The steps table becomes a pandas
DataFrame the first time ``Analysis.steps`` is read; that step, with the
import of pandas in a cold process, is timed apart (``steps_dataframe_s``).

Usage::

    python bench/bench_gaitmap.py                      # installs gaitmap if needed
    python bench/bench_gaitmap.py --no-install         # use the venv only if it is there
    python bench/bench_gaitmap.py --skip-gaitmap --minutes 0.2 --cold-repeats 1 --out /tmp/b

Prints a table with both tools' times, the speed ratios and errors, and
writes bench/results/gaitmap.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VENV = HERE / ".venv-gaitmap"
GAITMAP_VERSION = "2.6.0"
"""Pinned so that results can be reproduced; gaitmap_mad must match it."""
SIM_SCENARIO = "easy-run"
SIM_SEED = 5
MATCH_TOL_S = 0.1
"""Matching tolerance for both tools and both data sets (s). Wider than
bench/validate.py's 30-50 ms: gaitmap's initial contact (Rampp et al. 2015) sits
about 40-60 ms after the motion-capture contact, and a tighter window would
turn that offset into missed strides instead of showing it as a bias."""
TIMEOUT_S = 3600


# --------------------------------------------------------------------------
# footfall worker: runs in a fresh process, imports only footfall
# --------------------------------------------------------------------------


def footfall_worker(folder: str, warm: int) -> int:
    """Analyse a recording folder like a user, then ``warm`` more times; print JSON."""
    t_start = time.time()
    t0 = time.perf_counter()
    import footfall
    from footfall.io import read_recording

    import_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    rec = read_recording(folder)
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = footfall.analyze(rec)
    first_s = time.perf_counter() - t0
    t_first_done = time.time()
    cpu_first_done = time.process_time()
    warm_s, warm_cpu = [], []
    for _ in range(warm):
        t0, c0 = time.perf_counter(), time.process_time()
        footfall.analyze(rec)
        warm_s.append(time.perf_counter() - t0)
        warm_cpu.append(time.process_time() - c0)
    # the steps table is kept as NumPy columns and becomes a DataFrame (with
    # the import of pandas) when first asked for: timed apart, after the result
    t0 = time.perf_counter()
    steps = res.steps
    steps_df_s = time.perf_counter() - t0
    if "source" in steps:
        steps = steps[steps["source"].astype(str).str.contains("_foot")]
    cols = ["side", "ic_s", "to_s", "contact_ms", "stride_ms", "stride_length_m"]
    json.dump(
        {
            "tool": "footfall",
            "version": getattr(footfall, "__version__", "unknown"),
            "python": sys.version.split()[0],
            "t_start_unix": t_start,
            "t_first_done_unix": t_first_done,
            "import_s": import_s,
            "read_s": read_s,
            "first_pipeline_s": first_s,
            "warm_pipeline_s": warm_s,
            "steps_dataframe_s": steps_df_s,
            "cpu_to_first_done_s": cpu_first_done,
            "warm_pipeline_cpu_s": warm_cpu,
            "steps": {c: steps[c].tolist() for c in cols},
        },
        sys.stdout,
        default=float,
    )
    sys.stdout.write("\n")
    return 0


# --------------------------------------------------------------------------
# gaitmap environment
# --------------------------------------------------------------------------


def venv_python(venv: Path) -> Path:
    """The Python interpreter of a virtual environment."""
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _gaitmap_ok(py: Path) -> tuple[bool, str]:
    if not py.exists():
        return False, f"{py} does not exist"
    proc = subprocess.run(
        [
            str(py),
            "-c",
            "import gaitmap, gaitmap_mad, numpy, pandas, sys; "
            "print(f'gaitmap {gaitmap.__version__}, NumPy {numpy.__version__}, pandas "
            "{pandas.__version__}, Python {sys.version.split()[0]}')",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0:
        return False, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "?"
    return True, proc.stdout.strip()


def ensure_gaitmap(venv: Path, install: bool, base_python: str) -> tuple[Path | None, str]:
    """The gaitmap venv's interpreter, creating the venv when allowed.

    Returns
    -------
    python, message
        The interpreter (None when gaitmap cannot be used) and either the
        installed versions or why gaitmap is not available.
    """
    py = venv_python(venv)
    ok, msg = _gaitmap_ok(py)
    if ok:
        return py, msg
    if not install:
        return None, f"gaitmap is not installed in {venv} ({msg}); run without --no-install"
    print(f"installing gaitmap {GAITMAP_VERSION} into {venv} (once) ...", flush=True)
    steps = [
        [base_python, "-m", "venv", str(venv)],
        [
            str(py),
            "-m",
            "pip",
            "install",
            "--quiet",
            f"gaitmap=={GAITMAP_VERSION}",
            f"gaitmap_mad=={GAITMAP_VERSION}",
        ],
    ]
    for cmd in steps:
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"could not run {' '.join(cmd[:3])}: {exc}"
        if proc.returncode != 0:
            tail = " ".join(proc.stderr.strip().splitlines()[-3:])
            return None, f"{' '.join(cmd[:4])} failed: {tail}"
    ok, msg = _gaitmap_ok(py)
    return (py, msg) if ok else (None, f"gaitmap installed but does not import: {msg}")


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


def prepare_example(tmp: Path) -> dict:
    """The gaitmap example as a footfall folder, gaitmap's own CSV, and its reference."""
    from datasets import load_gaitmap_example, shared_data_dir

    from footfall.io import write_recording

    ex = load_gaitmap_example()
    folder = tmp / "gaitmap_example"
    write_recording(ex.recording, folder, fmt="csv")
    csv = shared_data_dir() / "gaitmap_example" / "imu_sample_not_rotated.csv"
    return {
        "name": "gaitmap_example",
        "folder": folder,
        "csv": csv,
        "fs_hz": 204.8,
        "frame": "example",
        "t0_s": 0.0,
        "reference": ex,
        "description": "gaitmap example walk, 38.7 s, 2 lateral shoe IMUs at 204.8 Hz, "
        "motion-capture reference",
    }


def prepare_sim(tmp: Path, minutes: float) -> dict:
    """A simulated run as a footfall folder and as a gaitmap CSV in its foot sensor frame."""
    import numpy as np
    import pandas as pd

    from footfall.sim import simulate

    folder = tmp / f"sim_{SIM_SCENARIO}"
    rec, truth = simulate(SIM_SCENARIO, minutes, seed=SIM_SEED, out_dir=folder, sensors=("foot",))
    fs = 200.0
    feet = {s.side.value: s for s in rec.streams}
    t0 = max(s.time_s[0] for s in feet.values())
    t1 = min(s.time_s[-1] for s in feet.values())
    grid = t0 + np.arange(int(np.floor((t1 - t0) * fs)) + 1) / fs
    cols = {}
    for side in ("left", "right"):
        s = feet[side]
        mount = np.asarray(s.meta["mounting_matrix"], dtype=float)  # v_foot = M @ v_sensor
        v = np.column_stack([np.interp(grid, s.time_s, s.values[:, k]) for k in range(6)])
        acc = v[:, :3] @ mount.T
        gyr = np.rad2deg(v[:, 3:] @ mount.T)
        for k, axis in enumerate("xyz"):
            cols[(f"{side}_sensor", f"acc_{axis}")] = acc[:, k]
        for k, axis in enumerate("xyz"):
            cols[(f"{side}_sensor", f"gyr_{axis}")] = gyr[:, k]
    df = pd.DataFrame(cols)
    df.columns = pd.MultiIndex.from_tuples(df.columns, names=["sensor", "axis"])
    csv = tmp / "sim_gaitmap.csv"
    df.to_csv(csv)
    return {
        "name": "simulated_run",
        "folder": folder,
        "csv": csv,
        "fs_hz": fs,
        "frame": "fsf",
        "t0_s": float(t0),
        "reference": truth,
        "description": f"simulated '{SIM_SCENARIO}' run, {minutes:g} min, 2 foot IMUs "
        "(laces) at 200 Hz, sensor profile typical, seed "
        f"{SIM_SEED}; truth from the simulator",
    }


# --------------------------------------------------------------------------
# running and scoring
# --------------------------------------------------------------------------


def run_worker(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a worker in a fresh process; its JSON plus ``cold_s`` (start to first result)
    and ``process_wall_s``."""
    t_spawn = time.time()
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:3])} ... failed ({proc.returncode}):\n{proc.stderr[-2000:]}"
        )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["cold_s"] = out["t_first_done_unix"] - t_spawn
    out["process_wall_s"] = wall
    return out


def gaitmap_steps(strides: dict, fs_hz: float, t0_s: float):
    """gaitmap's min_vel strides as a steps table: one row per stride, keyed by the
    contact it starts from (``pre_ic``), plus the last contact of each sensor."""
    import numpy as np
    import pandas as pd

    rows = []
    for sensor, s in strides.items():
        side = sensor.replace("_sensor", "")
        pre_ic, tc, ic = (np.asarray(s[k], dtype=float) for k in ("pre_ic", "tc", "ic"))
        rows.append(
            pd.DataFrame(
                {
                    "side": side,
                    "ic_s": t0_s + pre_ic / fs_hz,
                    "to_s": t0_s + tc / fs_hz,
                    "contact_ms": 1000 * (tc - pre_ic) / fs_hz,
                    "stride_ms": 1000 * np.asarray(s["stride_time_s"], dtype=float),
                    "stride_length_m": np.asarray(s["stride_length_m"], dtype=float),
                }
            )
        )
        last = np.setdiff1d(ic[np.isfinite(ic)], pre_ic)
        rows.append(
            pd.DataFrame(
                {
                    "side": side,
                    "ic_s": t0_s + last / fs_hz,
                    "to_s": np.nan,
                    "contact_ms": np.nan,
                    "stride_ms": np.nan,
                    "stride_length_m": np.nan,
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values("ic_s", kind="stable").reset_index(drop=True)


def footfall_steps(steps: dict):
    import pandas as pd

    return pd.DataFrame(steps)


def score(data: dict, steps) -> dict:
    """Both tools are scored by this one function."""
    import numpy as np
    from scoring import contact_time_errors_ms, event_stats, stride_stats
    from validate import score_gaitmap_example

    if data["name"] == "gaitmap_example":
        return score_gaitmap_example(steps, data["reference"], MATCH_TOL_S)
    truth = data["reference"]
    ce = contact_time_errors_ms(steps, truth, MATCH_TOL_S)
    return {
        "initial_contact": event_stats([truth], [steps], "ic_s", MATCH_TOL_S),
        "toe_off": event_stats([truth], [steps], "to_s", MATCH_TOL_S),
        "strides": {
            **stride_stats(steps, truth, MATCH_TOL_S),
            "contact_time_mae_ms": (round(float(np.mean(np.abs(ce))), 2) if len(ce) else None),
        },
    }


def reference_strides(data: dict):
    """The reference strides of a data set: side, ic_s, stride_ms, stride_length_m."""
    if data["name"] == "gaitmap_example":
        from validate import gaitmap_reference_strides

        return gaitmap_reference_strides(data["reference"])[0]
    return data["reference"]


def common_strides(data: dict, steps_f, steps_g) -> dict:
    """Stride time and length errors of both tools over the reference strides that
    both found with both values: the like-for-like comparison."""
    import numpy as np
    from scoring import stride_errors, summarize_stride_errors

    ref = reference_strides(data)
    ef = stride_errors(steps_f, ref, MATCH_TOL_S)
    eg = stride_errors(steps_g, ref, MATCH_TOL_S)
    common = np.ones(len(ref), dtype=bool)
    for e in (ef, eg):
        common &= e["found"].to_numpy() & np.isfinite(e["stride_time_err_ms"].to_numpy())
        common &= np.isfinite(e["stride_length_err_m"].to_numpy())
    out = {"n_common": int(common.sum())}
    if common.any():
        out["footfall"] = summarize_stride_errors(ef[common])
        out["gaitmap"] = summarize_stride_errors(eg[common])
    return out


def _median(x: list[float]) -> float | None:
    x = sorted(x)
    if not x:
        return None
    n = len(x)
    return x[n // 2] if n % 2 else 0.5 * (x[n // 2 - 1] + x[n // 2])


def measure(tool: str, data: dict, py: Path | None, cold_repeats: int, warm: int):
    """Cold runs (fresh processes) and warm calls of one tool on one data set:
    its steps table and the timing and accuracy results."""
    if tool == "footfall":
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "footfall",
            str(data["folder"]),
        ]
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    else:
        cmd = [
            str(py),
            str(HERE / "gaitmap_worker.py"),
            str(data["csv"]),
            "--fs",
            str(data["fs_hz"]),
            "--frame",
            data["frame"],
        ]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    runs = []
    for i in range(cold_repeats):
        runs.append(run_worker(cmd + ["--warm", str(warm if i == 0 else 0)], env))
    first = runs[0]
    steps = (
        footfall_steps(first["steps"])
        if tool == "footfall"
        else gaitmap_steps(first["strides"], data["fs_hz"], data["t0_s"])
    )
    cold = [r["cold_s"] for r in runs]
    return steps, {
        "version": first.get("version"),
        "python": first.get("python"),
        "cold_s_median": round(_median(cold), 3),
        "cold_s_runs": [round(c, 3) for c in cold],
        "import_s_median": round(_median([r["import_s"] for r in runs]), 3),
        "first_call_s_median": round(_median([r["first_pipeline_s"] for r in runs]), 3),
        **(
            {"steps_dataframe_s_median": round(_median([r["steps_dataframe_s"] for r in runs]), 3)}
            if all("steps_dataframe_s" in r for r in runs)
            else {}
        ),
        "warm_s_median": (
            round(_median(first["warm_pipeline_s"]), 4) if first["warm_pipeline_s"] else None
        ),
        "warm_s_runs": [round(w, 4) for w in first["warm_pipeline_s"]],
        "cold_cpu_s_median": round(_median([r["cpu_to_first_done_s"] for r in runs]), 3),
        "warm_cpu_s_median": (
            round(_median(first["warm_pipeline_cpu_s"]), 4)
            if first["warm_pipeline_cpu_s"]
            else None
        ),
        "accuracy": score(data, steps),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a and b else None


def print_table(results: dict) -> None:
    def f(x: float | None, fmt: str) -> str:
        return format(x, fmt) if x is not None else "n/a"

    for name, d in results["datasets"].items():
        print(f"\n{name}: {d['description']}")
        print(
            f"{'tool':9} {'cold s':>8} {'warm s':>8} {'IC MAE':>7} {'TO MAE':>7} "
            f"{'IC rec%':>7} {'stride ms':>9} {'length cm':>9} {'length %':>8}"
        )
        for tool in ("footfall", "gaitmap"):
            r = d.get(tool)
            if r is None:
                continue
            a = r["accuracy"]
            s = a["strides"]
            length = s["stride_length_mae_m"]
            print(
                f"{tool:9} {f(r['cold_s_median'], '8.2f')} {f(r['warm_s_median'], '8.3f')} "
                f"{f(a['initial_contact']['mae_ms'], '7.1f')} "
                f"{f(a['toe_off']['mae_ms'], '7.1f')} "
                f"{f(a['initial_contact']['matched_pct'], '7.1f')} "
                f"{f(s['stride_time_mae_ms'], '9.1f')} "
                f"{f(None if length is None else 100 * length, '9.1f')} "
                f"{f(s['stride_length_mae_pct_of_mean'], '8.1f')}"
            )
        c = d.get("common_strides")
        if c and c["n_common"]:
            ff, gm = c["footfall"], c["gaitmap"]
            print(
                f"on the {c['n_common']} reference strides both found: stride time MAE "
                f"footfall {ff['stride_time_mae_ms']} ms, gaitmap {gm['stride_time_mae_ms']} "
                f"ms; stride length MAE footfall {ff['stride_length_mae_m']} m, gaitmap "
                f"{gm['stride_length_mae_m']} m"
            )
        if "ratio" in d:
            r = d["ratio"]
            print(
                f"gaitmap / footfall wall time: cold {r['cold']}x, warm {r['warm']}x; "
                f"CPU time: cold {r['cold_cpu']}x, warm {r['warm_cpu']}x"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--minutes",
        type=float,
        default=10.0,
        help="length of the simulated run, minutes (default 10)",
    )
    ap.add_argument(
        "--cold-repeats",
        type=int,
        default=3,
        help="fresh processes per tool and data set (default 3)",
    )
    ap.add_argument("--warm", type=int, default=3, help="gaitmap's warm calls (default 3)")
    ap.add_argument(
        "--warm-footfall", type=int, default=25, help="footfall's warm calls (default 25)"
    )
    ap.add_argument("--datasets", default="example,sim", help="example, sim or both")
    ap.add_argument("--skip-gaitmap", action="store_true", help="measure footfall only")
    ap.add_argument(
        "--no-install",
        action="store_true",
        help="do not create or fill the gaitmap venv; skip gaitmap if absent",
    )
    ap.add_argument("--venv", type=Path, default=VENV, help="gaitmap virtual environment")
    ap.add_argument(
        "--gaitmap-python",
        default=sys.executable,
        help="interpreter to create the gaitmap venv with",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker == "footfall":
        return footfall_worker(args.path, args.warm)

    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT / "src"))
    import compileall
    import tempfile

    # footfall's bytecode, as an install writes it (gaitmap's is written by
    # pip): a fresh process then loads it instead of compiling the sources
    compileall.compile_dir(str(ROOT / "src" / "footfall"), quiet=1)

    from datasets import shared_data_dir

    wanted = [d for d in args.datasets.split(",") if d]
    if "example" in wanted and shared_data_dir() is None:
        print("gaitmap example skipped: ../shared/data is not available (set FOOTFALL_SHARED_DATA)")
        wanted.remove("example")
    py, gaitmap_note = None, "skipped (--skip-gaitmap)"
    if not args.skip_gaitmap:
        py, gaitmap_note = ensure_gaitmap(args.venv, not args.no_install, args.gaitmap_python)
        if py is None:
            print(f"gaitmap skipped: {gaitmap_note}")
        else:
            print(f"gaitmap venv: {args.venv} ({gaitmap_note})")
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
        },
        "gaitmap_env": gaitmap_note,
        "gaitmap_pipeline": "BarthDtw -> RamppEventDetection -> StrideLevelTrajectory "
        "(gyroscope integration + forward-backward integration) -> "
        "TemporalParameterCalculation, SpatialParameterCalculation",
        "cold_repeats": args.cold_repeats,
        "warm_calls": args.warm,
        "warm_calls_footfall": args.warm_footfall,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "datasets": {},
    }
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for which in wanted:
            data = prepare_example(tmp) if which == "example" else prepare_sim(tmp, args.minutes)
            d: dict = {"description": data["description"]}
            print(f"{data['name']}: footfall ...", flush=True)
            steps_f, d["footfall"] = measure(
                "footfall", data, None, args.cold_repeats, args.warm_footfall
            )
            if py is not None:
                print(f"{data['name']}: gaitmap ...", flush=True)
                try:
                    steps_g, d["gaitmap"] = measure(
                        "gaitmap", data, py, args.cold_repeats, args.warm
                    )
                except RuntimeError as exc:
                    d["gaitmap_error"] = str(exc)
                    print(f"gaitmap failed on {data['name']}: {exc}")
                if "gaitmap" in d:
                    d["common_strides"] = common_strides(data, steps_f, steps_g)
                    g, f = d["gaitmap"], d["footfall"]
                    d["ratio"] = {
                        "cold": _ratio(g["cold_s_median"], f["cold_s_median"]),
                        "warm": _ratio(g["warm_s_median"], f["warm_s_median"]),
                        "cold_cpu": _ratio(g["cold_cpu_s_median"], f["cold_cpu_s_median"]),
                        "warm_cpu": _ratio(g["warm_cpu_s_median"], f["warm_cpu_s_median"]),
                    }
            results["datasets"][data["name"]] = d
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "gaitmap.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
