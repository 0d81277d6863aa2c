"""Write simulated recordings as canonical recording folders (CONTRACTS.md section 1).

The writer here is deliberately small and self-contained so that the
simulator and the bench converters do not depend on the reader/writer in
:mod:`footfall.io`; folders written here must be readable by
:func:`footfall.io.read_recording` (a test checks this once that module exists).

File units follow the most common device convention: accelerometer in m/s^2,
gyroscope in deg/s, insole pressure in kPa, total force in N.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from footfall.model import IMU_COLUMNS, Recording, SensorKind, Stream, conform_steps

__all__ = [
    "FORMAT_TAG",
    "TRUTH_FILE",
    "read_truth",
    "stream_file_name",
    "write_folder",
]


FORMAT_TAG = "footfall-recording/1"
TRUTH_FILE = "truth_steps.csv"


def stream_file_name(stream: Stream, ext: str = "csv") -> str:
    """File name of a stream: ``<side>_<placement>.csv`` for IMUs,
    ``<side>_insole.csv`` for insoles (``stream.name`` wins when set)."""
    if stream.name:
        stem = Path(stream.name).stem
    elif stream.kind == SensorKind.INSOLE:
        stem = f"{stream.side.value}_insole"
    else:
        stem = f"{stream.side.value}_{stream.placement.value}"
    return f"{stem}.{ext}"


def _stream_frame(stream: Stream) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Stream samples in file units, and its recording.json entry (without ``file``)."""
    values = stream.values.copy()
    cols = list(stream.columns)
    entry: dict[str, Any] = {
        "kind": stream.kind.value,
        "side": stream.side.value,
    }
    if stream.kind == SensorKind.IMU:
        entry["placement"] = stream.placement.value
        entry["units"] = {"acc": "m/s2", "gyr": "deg/s"}
        for c in IMU_COLUMNS[3:]:
            if c in cols:
                values[:, cols.index(c)] = np.degrees(values[:, cols.index(c)])
    else:
        entry["units"] = {"pressure": "kPa"}
    # keep extra metadata (layout, sensor model, clock, ...) but never stale units/file
    for k, v in stream.meta.items():
        if k not in ("file", "units", "kind", "side", "placement"):
            entry[k] = v
    df = pd.DataFrame(values, columns=cols)
    df.insert(0, "time_s", stream.time_s)
    return df, entry


def write_folder(
    out_dir: str | Path,
    recording: Recording,
    truth_steps: pd.DataFrame | None = None,
    fmt: str = "csv",
) -> Path:
    """Write ``recording`` (and its truth steps table) as a recording folder.

    Parameters
    ----------
    out_dir
        Folder to create or fill; existing stream files of the same names are
        overwritten.
    recording
        Streams in SI units (gyroscope in rad/s); written as m/s^2 and deg/s.
    truth_steps
        Steps table of the truth, written to ``truth_steps.csv`` with the
        contract columns first (:func:`footfall.model.conform_steps`).
    fmt
        ``"csv"`` (default) or ``"parquet"`` for the stream files.

    Returns
    -------
    Path
        The folder.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"format": FORMAT_TAG}
    meta.update({k: v for k, v in recording.meta.items() if k != "streams"})
    entries = []
    for s in recording.streams:
        df, entry = _stream_frame(s)
        name = stream_file_name(s, fmt)
        if fmt == "csv":
            _write_csv(out / name, df)
        else:
            df.to_parquet(out / name, index=False)
        entries.append({"file": name, **entry})
    meta["streams"] = entries
    if truth_steps is not None:
        meta.setdefault("truth", TRUTH_FILE)
        conform_steps(truth_steps).to_csv(out / TRUTH_FILE, index=False, float_format="%.6g")
    (out / "recording.json").write_text(json.dumps(_jsonable(meta), indent=2) + "\n")
    return out


def _write_csv(path: Path, df: pd.DataFrame) -> None:
    """CSV with microsecond time stamps and 6 significant digits for values."""
    cols: Sequence[str] = list(df.columns)
    arr = df.to_numpy(dtype=np.float64)
    fmt = ["%.6f"] + ["%.6g"] * (len(cols) - 1)
    with path.open("w") as fh:
        fh.write(",".join(cols) + "\n")
        np.savetxt(fh, arr, fmt=fmt, delimiter=",")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return obj


def read_truth(folder: str | Path) -> pd.DataFrame:
    """Read ``truth_steps.csv`` of a folder written by :func:`write_folder`."""
    return pd.read_csv(Path(folder) / TRUTH_FILE)
