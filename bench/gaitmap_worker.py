"""gaitmap's standard foot-IMU pipeline on one recording, timed; prints JSON.

Runs inside the gaitmap virtual environment (bench/.venv-gaitmap), started by
bench/bench_gaitmap.py as a fresh process, so that its wall time from process
start includes interpreter start, imports and Numba compilation. It imports
nothing of footfall: only the standard library, NumPy, pandas and gaitmap.

Input: a CSV in gaitmap's example-data layout (two header rows: sensor
``left_sensor`` / ``right_sensor``, then axis ``acc_x .. gyr_z``; first column
the sample number; acc in m/s^2, gyr in deg/s).

Pipeline (gaitmap's documented full pipeline, ``examples/full_pipelines``):
rough rotation into gaitmap's foot sensor frame and gravity alignment
(``--frame example``: the 90-degree flips gaitmap's documentation gives for its
own example data, then ``align_dataset_to_gravity``; ``--frame fsf``: the data
already is in that frame, exactly, so neither is done), conversion to the foot
body frame, BarthDtw stride segmentation, RamppEventDetection,
StrideLevelTrajectory (gyroscope integration plus forward-backward integration
of each stride), TemporalParameterCalculation and SpatialParameterCalculation.

Output (stdout, one JSON object): ``t_start_unix`` (wall clock just after the
interpreter runs this file), ``t_first_done_unix`` (first result ready),
``import_s``, ``read_s``, ``first_pipeline_s`` (includes Numba compilation),
``warm_pipeline_s`` (later calls in the same process), ``cpu_to_first_done_s``
(CPU time of the process, all threads, until the first result) and
``warm_pipeline_cpu_s``, and per sensor the
strides: ``pre_ic``, ``tc``, ``ic`` (sample indices), ``stride_time_s``,
``stride_length_m``.
"""

from __future__ import annotations

import time

T_START = time.time()
P_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402


def _pipeline(data, fs_hz: float, frame: str):
    import numpy as np
    from gaitmap.event_detection import RamppEventDetection
    from gaitmap.parameters import SpatialParameterCalculation, TemporalParameterCalculation
    from gaitmap.preprocessing import sensor_alignment
    from gaitmap.stride_segmentation import BarthDtw
    from gaitmap.trajectory_reconstruction import StrideLevelTrajectory
    from gaitmap.utils.coordinate_conversion import convert_to_fbf
    from gaitmap.utils.rotations import flip_dataset, rotation_from_angle

    if frame == "example":
        # gaitmap's documentation for its example data: left sensor -90 deg about
        # x then -90 deg about z; right sensor +90 deg about x then +90 deg about z
        x, z = np.array([1.0, 0, 0]), np.array([0, 0, 1.0])
        rotations = {
            "left_sensor": rotation_from_angle(x, np.deg2rad(-90))
            * rotation_from_angle(z, np.deg2rad(-90)),
            "right_sensor": rotation_from_angle(x, np.deg2rad(90))
            * rotation_from_angle(z, np.deg2rad(90)),
        }
        data = flip_dataset(data, rotations)
        # the example starts standing still: gaitmap's gravity alignment needs that
        data = sensor_alignment.align_dataset_to_gravity(data, fs_hz)
    # "fsf": already rotated into the foot sensor frame with the true mounting, so no
    # gravity alignment (it needs 0.7 s standing still, which a run does not have)
    bf = convert_to_fbf(data, left_like="left_", right_like="right_")
    dtw = BarthDtw().segment(data=bf, sampling_rate_hz=fs_hz)
    ed = RamppEventDetection().detect(data=bf, stride_list=dtw.stride_list_, sampling_rate_hz=fs_hz)
    events = ed.min_vel_event_list_
    traj = StrideLevelTrajectory().estimate(
        data=data, stride_event_list=events, sampling_rate_hz=fs_hz
    )
    temporal = TemporalParameterCalculation().calculate(
        stride_event_list=events, sampling_rate_hz=fs_hz
    )
    spatial = SpatialParameterCalculation().calculate(
        stride_event_list=events,
        positions=traj.position_,
        orientations=traj.orientation_,
        sampling_rate_hz=fs_hz,
    )
    return events, temporal.parameters_, spatial.parameters_


def _to_json(events, temporal, spatial) -> dict:
    out = {}
    for sensor, ev in events.items():
        t = temporal[sensor].reindex(ev.index)
        s = spatial[sensor].reindex(ev.index)
        out[sensor] = {
            "pre_ic": ev["pre_ic"].astype(float).tolist(),
            "tc": ev["tc"].astype(float).tolist(),
            "ic": ev["ic"].astype(float).tolist(),
            "stride_time_s": t["stride_time"].astype(float).tolist(),
            "stride_length_m": s["stride_length"].astype(float).tolist(),
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--fs", type=float, required=True, help="sampling rate, Hz")
    ap.add_argument("--frame", choices=("example", "fsf"), required=True)
    ap.add_argument("--warm", type=int, default=2, help="extra calls in the same process")
    args = ap.parse_args()

    t0 = time.perf_counter()
    import gaitmap.event_detection  # noqa: F401
    import gaitmap.stride_segmentation  # noqa: F401
    import gaitmap.trajectory_reconstruction  # noqa: F401
    import pandas as pd

    import_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    data = pd.read_csv(args.csv, header=[0, 1], index_col=0)
    data.index = data.index / args.fs
    read_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    result = _pipeline(data, args.fs, args.frame)
    first_s = time.perf_counter() - t0
    t_first_done = time.time()
    cpu_first_done = time.process_time()

    warm, warm_cpu = [], []
    for _ in range(args.warm):
        t0, c0 = time.perf_counter(), time.process_time()
        _pipeline(data, args.fs, args.frame)
        warm.append(time.perf_counter() - t0)
        warm_cpu.append(time.process_time() - c0)

    import gaitmap

    json.dump(
        {
            "tool": "gaitmap",
            "version": getattr(gaitmap, "__version__", "unknown"),
            "python": sys.version.split()[0],
            "t_start_unix": T_START,
            "t_first_done_unix": t_first_done,
            "in_process_to_first_done_s": time.perf_counter() - P_START - sum(warm),
            "import_s": import_s,
            "read_s": read_s,
            "first_pipeline_s": first_s,
            "warm_pipeline_s": warm,
            "cpu_to_first_done_s": cpu_first_done,
            "warm_pipeline_cpu_s": warm_cpu,
            "strides": _to_json(*result),
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
