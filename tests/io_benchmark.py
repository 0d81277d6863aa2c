"""Reading speed of the canonical format: one hour of two foot IMUs at 200 Hz
(2 x 720 000 rows x 7 columns), CSV and Parquet.

Not collected by pytest (timings depend on the machine). Run::

    PYTHONPATH=src python3 tests/io_benchmark.py [--minutes 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from footfall.io import read_recording, write_recording
from footfall.model import G_MPS2, IMU_COLUMNS, Recording, Stream


def synthetic_run(minutes: float, fs_hz: float = 200.0) -> Recording:
    """Two foot IMUs with gravity, a 1.4 Hz stride and noise (SI units)."""
    n = int(minutes * 60 * fs_hz)
    t = np.arange(n) / fs_hz
    rng = np.random.default_rng(0)
    streams = []
    for side in ("left", "right"):
        swing = np.clip(np.sin(2 * np.pi * 1.4 * t), 0, None)
        acc = rng.normal(0, 1.0, (n, 3)) + np.array([0, 0, G_MPS2])
        acc[:, 0] += 20 * swing
        gyr = rng.normal(0, 0.1, (n, 3))
        gyr[:, 1] -= 12 * swing
        streams.append(
            Stream(
                "imu",
                side,
                t,
                np.column_stack([acc, gyr]),
                IMU_COLUMNS,
                meta={"file": f"{side}_foot.csv"},
            )
        )
    return Recording(streams=streams, meta={"condition": {"surface": "treadmill"}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rec = synthetic_run(args.minutes)
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("csv", "parquet"):
            folder = Path(tmp) / fmt
            t0 = time.perf_counter()
            write_recording(rec, folder, fmt=fmt)
            t_write = time.perf_counter() - t0
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                back = read_recording(folder)
                times.append(time.perf_counter() - t0)
            rows = sum(len(s) for s in back.streams)
            size_mb = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
            print(
                f"{fmt:8s} {rows} rows, {size_mb:.0f} MB: write {t_write:.2f} s, "
                f"read best {min(times):.2f} s / median {np.median(times):.2f} s"
            )


if __name__ == "__main__":
    main()
