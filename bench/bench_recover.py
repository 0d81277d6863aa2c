"""Speed and memory of ``footfall recover`` on capture logs of several lengths.

The capture log: what a live capture of two foot IMUs (200 Hz) and two
16-cell insoles (100 Hz) writes, made without a serial port and without
waiting in real time. The virtual runner (``footfall.sim.simulate``, scenario
and seed of ``bench_speed``) runs for a short block that is tiled with
continuous time to the requested length; the streams are quantised as the
emulated board sends them (``footfall.devices.emulator.streams_from_recording``,
10 ms frames) and each stream's DEVICE_INFO frame and data frames are encoded,
decoded (``footfall.wire.decode_frame``) and handed to
``footfall.devices.ingest.Ingest`` in the order they would arrive on the host,
interleaved across the four devices. The host receive times follow each
device's clock with a small drift and a short, jittery USB latency. The events
go to a ``footfall.capture.Recorder`` a batch at a time; the capture then ends
as a crashed one does, leaving the folder with ``capture.fflog`` alone and no
recording. The logs are cached (``--cache``), one folder per length, and made
in a child process so that this process stays small (see
``bench_speed.ensure_recording``).

Each length is measured as a user runs it, in a fresh process:
``python -m footfall recover CAPTURE -o OUT --force`` (its summary line is
read from the rebuilt recording.json, not from the streams). Wall time and CPU time
(median over ``--repeats``) and peak resident memory (largest over the
repeats) come from ``bench_speed.run_measured``; the peak is also given per
hour of capture, which stays flat when memory grows with the log and falls
when it is bounded.

Usage::

    python bench/bench_recover.py                     # 10 and 60 min, 1 repeat
    python bench/bench_recover.py --minutes 10 60 240 --repeats 3

Prints a table and writes bench/results/bench_recover.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import bench_speed  # noqa: E402  (also puts the sources on sys.path)
from bench_speed import (  # noqa: E402
    ROOT,
    _self_rss_mb,
    byte_compile,
    default_cache,
    run_measured,
    tiled_streams,
)

SCENARIO = bench_speed.SCENARIO
SEED = bench_speed.SEED
SENSORS = ("foot", "insole")
BLOCK_MINUTES = 2.0
"""Length of the simulated block that the capture repeats, minutes."""
FRAME_MS = 10.0
"""Time filled by one data frame, ms (as the emulator sends)."""
START_US = 1_000_000
"""Device time of the first sample, microseconds (as the emulator starts)."""
INFO_HOST_S = 0.05
"""Host time at which the DEVICE_INFO frames arrive, s."""
FIRST_DATA_HOST_S = 0.2
"""Host time of the first sample, s."""
DRIFT_PPM = (25.0, -15.0, 40.0, -30.0)
"""Device clock rates against the host clock, parts per million, by stream."""
LATENCY_S = 0.001
JITTER_S = 0.0005
"""Receive latency: LATENCY_S plus an exponential delay of this mean, s."""
BATCH_EVENTS = 1000
"""Events per Recorder.write."""
PORT = "/dev/ttyACM0"
LOG_VERSION = "v1"
"""Part of the cache folder name: bump it when the capture log recipe changes."""
LOG_NAME = "capture.fflog"


def capture_folder(minutes: float, cache: Path) -> Path:
    return cache / f"recover-{LOG_VERSION}" / f"{SCENARIO}_{minutes:g}min"


def _sidecar(folder: Path) -> Path:
    """What was fed into the log (kept beside the capture folder, which holds the log alone)."""
    return folder.with_name(folder.name + ".json")


def ensure_log(minutes: float, cache: Path) -> Path:
    """The cached capture folder of ``minutes``, made in a child process when missing."""
    folder = capture_folder(minutes, cache)
    if not ((folder / LOG_NAME).is_file() and _sidecar(folder).is_file()):
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--build", f"{minutes:g}", str(cache)],
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        )
    return folder


def _arrivals(streams: list, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Data frames in arrival order: host receive time s, stream index, frame index.

    A frame is sent when its last sample is taken; the host sees it on its
    own clock (each device's clock runs ``DRIFT_PPM`` fast or slow) after a
    USB latency.
    """
    host, sidx, fidx = [], [], []
    for k, s in enumerate(streams):
        j = np.arange(s.n_frames)
        last = np.minimum((j + 1) * s.samples_per_frame, s.raw.shape[0]) - 1
        dev_s = last * s.period_ns * 1e-9
        delay = LATENCY_S + rng.exponential(JITTER_S, j.size)
        host.append(
            FIRST_DATA_HOST_S + dev_s * (1.0 + DRIFT_PPM[k % len(DRIFT_PPM)] * 1e-6) + delay
        )
        sidx.append(np.full(j.size, k))
        fidx.append(j)
    h, si, fi = (np.concatenate(x) for x in (host, sidx, fidx))
    order = np.lexsort((si, h))
    return h[order], si[order], fi[order]


def _end_like_a_crash(recorder) -> None:
    """Leave the log on disk and the folder without a recording.

    ``Recorder.close()`` builds the recording from the log, and the Recorder
    has no public way to stop without doing so. So this does by hand what
    close() does before it builds: stop the fsync thread, then flush, fsync
    and close the log file. A capture killed after its last fsync leaves the
    same folder.
    """
    recorder._stop.set()
    recorder._syncer.join()
    recorder._fh.flush()
    os.fsync(recorder._fh.fileno())
    recorder._fh.close()


def build_log(minutes: float, cache: Path) -> Path:
    """The cached capture folder of ``minutes``, made when missing."""
    folder = capture_folder(minutes, cache)
    if (folder / LOG_NAME).is_file() and _sidecar(folder).is_file():
        return folder
    from footfall.capture import Recorder
    from footfall.devices.emulator import streams_from_recording
    from footfall.devices.ingest import Ingest
    from footfall.model import Recording
    from footfall.sim import simulate
    from footfall.wire import decode_frame, encode_device_info

    t0 = time.perf_counter()
    block_min = min(minutes, BLOCK_MINUTES)
    rec, _ = simulate(SCENARIO, block_min, seed=SEED, sensors=SENSORS)
    block_s, duration_s = block_min * 60.0, minutes * 60.0
    tiled = tiled_streams(rec.streams, block_s, duration_s)
    streams = streams_from_recording(
        Recording(tiled, meta=dict(rec.meta), source="bench"), frame_ms=FRAME_MS
    )
    del rec, tiled
    host, sidx, fidx = _arrivals(streams, np.random.default_rng(SEED))

    tmp = folder.with_name(folder.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    recorder = Recorder(
        tmp,
        meta={
            "description": f"'{SCENARIO}' simulated block of "
            f"{block_min:g} min repeated to {minutes:g} "
            "min (recover benchmark)"
        },
    )
    ingest = Ingest(PORT)
    events: list = []
    n_events = 0
    for s in streams:
        info = encode_device_info(s.stream_id, 0, START_US, s.period_ns, s.info)
        events += ingest.frames([decode_frame(info)], INFO_HOST_S)
    for h, k, j in zip(host.tolist(), sidx.tolist(), fidx.tolist(), strict=True):
        events += ingest.frames([decode_frame(streams[k].frame(j, START_US))], h)
        if len(events) >= BATCH_EVENTS:
            recorder.write(events)
            n_events += len(events)
            events = []
    recorder.write(events)
    n_events += len(events)
    frames = recorder.frames
    _end_like_a_crash(recorder)
    made = sorted(p.name for p in tmp.iterdir())
    if made != [LOG_NAME]:
        raise SystemExit(f"the capture folder holds {made}, not {LOG_NAME} alone")

    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    _sidecar(folder).write_text(
        json.dumps(
            {
                "minutes": minutes,
                "block_minutes": block_min,
                "events": n_events,
                "frames": frames,
                "samples": int(sum(s.raw.shape[0] for s in streams)),
                "devices": [s.info.name for s in streams],
                "build_s": round(time.perf_counter() - t0, 1),
            },
            indent=2,
        )
        + "\n"
    )
    return folder


_SUMMARY = re.compile(r"(\d+) streams, (\d+) samples, (\d+) frames")


def measure(durations: list[float], cache: Path, repeats: int, fmt: str) -> list[dict]:
    rows = []
    for minutes in durations:
        print(f"{minutes:g} min: preparing the capture log ...", flush=True)
        folder = ensure_log(minutes, cache)
        fed = json.loads(_sidecar(folder).read_text())
        log_mb = (folder / LOG_NAME).stat().st_size / 1e6
        runs, out_mb = [], 0.0
        for i in range(repeats):
            print(f"{minutes:g} min: footfall recover, run {i + 1} of {repeats} ...", flush=True)
            with tempfile.TemporaryDirectory(prefix="footfall-recover-") as tmp:
                out = Path(tmp) / "recording"
                run = run_measured(
                    [
                        sys.executable,
                        "-m",
                        "footfall",
                        "recover",
                        str(folder),
                        "-o",
                        str(out),
                        "--force",
                        "--format",
                        fmt,
                    ]
                )
                out_mb = sum(f.stat().st_size for f in out.iterdir()) / 1e6
            runs.append(run)
        m = _SUMMARY.search(runs[0]["stdout"])
        streams, samples, frames = (int(x) for x in m.groups()) if m else (None, None, None)
        if frames is not None and frames != fed["frames"]:
            raise SystemExit(f"recovered {frames} frames of the {fed['frames']} logged")
        peak = max(r["peak_mb"] for r in runs)
        rows.append(
            {
                "minutes": minutes,
                "log_mb": round(log_mb, 1),
                "wall_s": round(float(np.median([r["wall_s"] for r in runs])), 3),
                "cpu_s": round(float(np.median([r["cpu_s"] for r in runs])), 3),
                "peak_mb": round(peak, 1),
                "peak_mb_per_hour": round(peak / (minutes / 60.0), 1),
                "recording_mb": round(out_mb, 1),
                "streams": streams,
                "samples": samples,
                "frames": frames,
                "frames_logged": fed["frames"],
                "log_build_s": fed.get("build_s"),
            }
        )
    return rows


def print_rows(rows: list[dict], repeats: int, fmt: str) -> None:
    print(
        f"\nfootfall recover CAPTURE -o OUT --force --format {fmt}; {os.cpu_count()} CPUs, "
        f"median wall of {repeats} fresh process(es), largest peak"
    )
    print(f"{'minutes':>8} {'log MB':>8} {'wall s':>8} {'peak MB':>8} {'MB per h':>9}")
    for r in rows:
        print(
            f"{r['minutes']:8g} {r['log_mb']:8.1f} {r['wall_s']:8.2f} {r['peak_mb']:8.0f} "
            f"{r['peak_mb_per_hour']:9.0f}"
        )


def source_state() -> dict:
    """The commit measured, and whether the sources differ from it."""

    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    status = git("status", "--porcelain", "--", "src")
    return {
        "commit": git("rev-parse", "HEAD"),
        "src_modified": None if status is None else bool(status),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--minutes",
        type=float,
        nargs="+",
        default=[10.0, 60.0],
        help="capture lengths, minutes (default 10 60)",
    )
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument(
        "--format",
        dest="fmt",
        default="csv",
        choices=("csv", "parquet"),
        help="stream file format of the rebuilt recording (default csv)",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        default=default_cache(),
        help="folder for the generated capture logs (kept between runs)",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--build", nargs=2, metavar=("MINUTES", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.build:
        build_log(float(args.build[0]), Path(args.build[1]))
        return 0
    import footfall

    durations = sorted(set(args.minutes))
    args.cache.mkdir(parents=True, exist_ok=True)
    byte_compile()
    results: dict = {
        "command": shlex.join(
            ["python", "bench/bench_recover.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "measured": f"python -m footfall recover CAPTURE -o OUT --force --format {args.fmt}",
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "footfall": footfall.__version__,
        "source": source_state(),
        "capture_log": f"simulated '{SCENARIO}' run (seed {SEED}, profile typical): 2 foot "
        "IMUs at 200 Hz + 2 insoles (16 cells) at 100 Hz; a block of "
        f"{BLOCK_MINUTES:g} min tiled, quantised and framed as the emulator "
        f"sends ({FRAME_MS:g} ms frames), decoded and ingested in arrival "
        "order, written by Recorder in batches of "
        f"{BATCH_EVENTS} events and left without a recording",
        "repeats": args.repeats,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    rows = measure(durations, args.cache, args.repeats, args.fmt)
    results["runner_rss_mb"] = round(_self_rss_mb(), 1)
    results["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["durations"] = rows
    print_rows(rows, args.repeats, args.fmt)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "bench_recover.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
