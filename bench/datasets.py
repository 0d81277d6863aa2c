"""Loaders for the public recordings used to validate footfall.

The recordings live outside the repository, in ``../shared/data`` next to the
checkout (or wherever ``FOOTFALL_SHARED_DATA`` points). They are absent from a
user's fresh checkout: call :func:`shared_data_dir` first and skip when it
returns None.

Every loader returns a :class:`~footfall.model.Recording` in footfall's SI
units (acceleration m/s^2, angular rate rad/s) on a ``time_s`` axis, plus the
data set's reference events as tables in seconds on that same axis.

gaitmap example (MIT; mad-lab-fau/gaitmap, ``example_data/``)
-------------------------------------------------------------
One subject walking 2 x 20 m with a turn, a NilsPod IMU on the lateral side of
each shoe at 204.8 Hz, raw sensor frame (``imu_sample_not_rotated.csv``: two
header rows, sensor then axis; acc m/s^2, gyr deg/s). Sample ``i`` is at
``time_s = i / 204.8``.

Reference events (``stride_events_sample.csv``, motion capture, in samples at
204.8 Hz). Each row is a stride from one mid-stance (``start`` = ``min_vel``)
to the next (``end``); within it, in time order, ``pre_ic`` < ``start`` <
``tc`` < ``ic`` < ``end``. So ``tc`` is the toe-off that ends the contact
beginning at ``pre_ic`` -- the toe-off *before* the row's own ``ic`` -- and
``pre_ic`` is always the previous row's ``ic`` (checked on the data). The
events table therefore has one row per contact: ``ic_s = pre_ic / 204.8`` with
``to_s = tc / 204.8`` of the same row, and the last ``ic`` of each side with
``to_s`` NaN (its toe-off is not in the reference).

Reference stride lengths (``position_sample.csv``): per stride ``s_id``, the
heel-marker trajectory at 100 Hz relative to the stride's start, covering
``start`` .. ``end`` (the number of 100 Hz samples matches ``(end - start) /
204.8 * 100`` to within one sample). The stride length is the horizontal
(x, y) distance from the first to the last sample, i.e. between the foot's
positions in two consecutive mid-stances: the stride from the contact at
``pre_ic`` to the contact at ``ic``. In a steps table (one row per contact,
stride to the next contact of the same foot) it belongs to the row whose
``ic_s`` is the stride's ``ic_s`` column. The two strides of the turn are
flagged ``turning``. The reference leaves out one contact of the left foot in
the turn (the gyroscope shows a stance at about 17.4-17.9 s): left stride 13
runs 2.28 s from the contact at 16.15 s to the one at 18.43 s, i.e. over two
strides, and is flagged ``spans_missing_contact`` (a stride more than
:data:`MISSING_CONTACT_FACTOR` times its side's median stride time); the events
table has no row for that contact.

IPOL gait data set (AGPL-3.0; tests only, never copied into the project)
------------------------------------------------------------------------
Voisard et al., IPOL 2023 (CyrilVoisard/ipol_dataset_1, ``GaitData/``).
Healthy adults walk 10 m, turn, walk back; an XSens MTw on each foot (dorsum),
100 Hz. Files ``<s>-<t>_lf.txt`` / ``_rf.txt``: one line
``Acquisition frequency: 100 Hz``, then tab-separated PacketCounter,
Acc_X..Z (m/s^2), Gyr_X..Z (rad/s), Mag_X..Z (ignored).

Time comes from PacketCounter, not from the row number: the radio link drops
packets (in most trials, tens to hundreds of packets, mostly in the second
half), and the reference events are PacketCounter values -- checked on the
data: indexed by counter, the swing intervals line up with the gyroscope's
swing peaks in every trial, indexed by row they drift by up to 1.6 s.
``time_s = PacketCounter / fs``; the dropped packets are gaps
(``Stream.meta["gaps"]``). A repeated counter (trial 11-1 at 308) keeps its
first row.

Reference events (``<s>-<t>.json``): ``LeftFootEvents`` / ``RightFootEvents``
are ``[start, end]`` = [toe-off, initial contact] of each swing. A contact runs
from a swing's initial contact to the next swing's toe-off. Only swings inside
``TrialBoundaries`` are used (7-1 left and 7-2 right list swings several
seconds after the trial's end, after the subject stood still). The events table
has one row per contact, ``ic_s`` NaN for the first row of each side (the
toe-off that ends standing before the walk) and ``to_s`` NaN for the last;
``u_turn`` marks contacts that start inside ``UTurnBoundaries``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

try:
    import footfall  # noqa: F401
except ImportError:  # running from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from footfall.io import FORMAT, find_gaps
from footfall.model import IMU_COLUMNS, Recording, Side, Stream

ENV_VAR = "FOOTFALL_SHARED_DATA"
"""Environment variable that overrides where the shared data folder is."""

REPO_ROOT = Path(__file__).resolve().parents[1]

GAITMAP_FS_HZ = 204.8
"""Sampling rate of the gaitmap example IMUs and event indices, Hz."""

GAITMAP_COMMIT = "05ad9716161cdfeb4ba9fcb28eb796df0420e48d"
IPOL_COMMIT = "b9f4bbb3758135b877acf1676da3e5bae527314b"

TURNING_ANGLE_DEG = 30.0
"""A gaitmap stride whose displacement points more than this far from the
walkway axis is part of the turn."""

MISSING_CONTACT_FACTOR = 1.6
"""A gaitmap reference stride longer than this many median stride times spans a
contact the reference does not list."""


class GaitmapExample(NamedTuple):
    """The gaitmap example walk: recording and motion-capture references."""

    recording: Recording
    """Left and right foot IMU streams, raw sensor frame, SI units."""
    events: pd.DataFrame
    """One row per contact: side, ic_s, to_s (s); ordered by ic_s."""
    strides: pd.DataFrame
    """One row per reference stride: side, s_id, start_s, end_s (mid-stances, s),
    ic_s (contact the stride starts from), to_s (its toe-off), next_ic_s (the
    contact it ends on), stride_length_m, turning, spans_missing_contact."""


class IpolTrial(NamedTuple):
    """One trial of the IPOL gait data set."""

    recording: Recording
    """Left and right foot IMU streams, SI units, time from PacketCounter."""
    events: pd.DataFrame
    """One row per contact: side, ic_s, to_s (s), u_turn (bool)."""


def shared_data_dir() -> Path | None:
    """The shared data folder, or None when it is not there.

    ``$FOOTFALL_SHARED_DATA`` when set, else ``../shared/data`` next to the
    repository root.
    """
    env = os.environ.get(ENV_VAR)
    path = Path(env).expanduser() if env else REPO_ROOT.parent / "shared" / "data"
    return path if path.is_dir() else None


def _dataset_dir(name: str, data_dir: Path | str | None) -> Path:
    base = Path(data_dir) if data_dir is not None else shared_data_dir()
    if base is None or not (base / name).is_dir():
        where = base / name if base is not None else f"../shared/data/{name}"
        raise FileNotFoundError(
            f"{where}: data set not found; set {ENV_VAR} to the shared data folder"
        )
    return base / name


def _imu_stream(
    side: Side,
    time_s: np.ndarray,
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    *,
    name: str,
    units: dict[str, str],
    **extra: object,
) -> Stream:
    meta: dict[str, object] = {
        "file": name,
        "kind": "imu",
        "side": side.value,
        "placement": "foot",
        "units": units,
        **extra,
    }
    meta["gaps"] = [[a, b] for a, b in find_gaps(time_s)]
    return Stream(
        kind="imu",
        side=side,
        time_s=time_s,
        values=np.column_stack([acc_mps2, gyr_rps]),
        columns=IMU_COLUMNS,
        name=name,
        meta=meta,
    )


# --------------------------------------------------------------------------
# gaitmap example
# --------------------------------------------------------------------------


def load_gaitmap_example(data_dir: Path | str | None = None) -> GaitmapExample:
    """The gaitmap example walk with its motion-capture references.

    Parameters
    ----------
    data_dir
        The shared data folder (default: :func:`shared_data_dir`).

    Returns
    -------
    GaitmapExample
        ``(recording, events, strides)``; see the module docstring for how
        the reference events and stride lengths are derived.

    Raises
    ------
    FileNotFoundError
        The data set is not there.
    """
    folder = _dataset_dir("gaitmap_example", data_dir)
    fs = GAITMAP_FS_HZ
    imu = pd.read_csv(folder / "imu_sample_not_rotated.csv", header=[0, 1], index_col=0)
    sample = imu.index.to_numpy()
    if not np.array_equal(sample, np.arange(len(sample))):
        raise ValueError("gaitmap example: sample index is not 0..n-1")
    time_s = sample / fs
    streams = []
    for side in (Side.LEFT, Side.RIGHT):
        sensor = imu[f"{side.value}_sensor"]
        acc = sensor[["acc_x", "acc_y", "acc_z"]].to_numpy(dtype=np.float64)
        gyr = np.deg2rad(sensor[["gyr_x", "gyr_y", "gyr_z"]].to_numpy(dtype=np.float64))
        streams.append(
            _imu_stream(
                side,
                time_s,
                acc,
                gyr,
                name=f"{side.value}_foot.csv",
                units={"acc": "m/s2", "gyr": "deg/s"},
                sensor={
                    "model": "NilsPod",
                    "mount": "lateral side of the shoe",
                    "fs_hz": fs,
                    "frame": "raw sensor axes",
                },
            )
        )
    meta = {
        "format": FORMAT,
        "description": "Walking, 2 x 20 m with a turn, one IMU on the lateral side of each "
        "shoe (MaD-Lab sensor-position-comparison data, subject 5047, test "
        "normal_20).",
        "activity": "walking",
        "condition": {"surface": "overground"},
        "source": {
            "repository": "mad-lab-fau/gaitmap",
            "commit": GAITMAP_COMMIT,
            "path": "example_data/imu_sample_not_rotated.csv",
            "license": "MIT",
        },
    }
    recording = Recording(streams=streams, meta=meta, source=str(folder))

    ev = pd.read_csv(folder / "stride_events_sample.csv")
    ev["side"] = ev["foot"].astype(str)
    _check_gaitmap_order(ev)
    events = _gaitmap_contacts(ev, fs)
    strides = _gaitmap_strides(ev, pd.read_csv(folder / "position_sample.csv"), fs)
    turns = _gaitmap_turns(pd.read_csv(folder / "orientation_sample.csv"))
    strides = strides.merge(turns, on=["side", "s_id"], how="left", validate="one_to_one")
    return GaitmapExample(recording, events, strides)


def _gaitmap_turns(ori: pd.DataFrame) -> pd.DataFrame:
    """Reference heading change of each stride (side, s_id, turn_deg) from
    the motion-capture foot orientations: the angle about the vertical from
    the foot's x axis at the stride's first sample to its x axis at the last,
    positive counter-clockwise seen from above. The left foot's orientations
    are mirrored (the U-turn turns the right foot +180 deg and the left foot
    -178 deg, while the heel markers of both feet, ``position_sample.csv``,
    turn counter-clockwise): its sign is reversed."""
    ori = ori.rename(columns={ori.columns[0]: "sensor"})
    ori = ori.sort_values(["sensor", "s_id", "sample"], kind="stable")
    ends = pd.concat(
        [ori.groupby(["sensor", "s_id"]).first(), ori.groupby(["sensor", "s_id"]).last()],
        axis=1,
        keys=["a", "b"],
    )

    def x_axis(q: pd.DataFrame) -> np.ndarray:
        x, y, z, w = (q[k].to_numpy(dtype=np.float64) for k in ("q_x", "q_y", "q_z", "q_w"))
        # first column of the rotation matrix of (w, x, y, z)
        return np.column_stack([1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)])

    f0, f1 = x_axis(ends["a"]), x_axis(ends["b"])
    turn = np.degrees(
        np.arctan2(
            f0[:, 0] * f1[:, 1] - f0[:, 1] * f1[:, 0], f0[:, 0] * f1[:, 0] + f0[:, 1] * f1[:, 1]
        )
    )
    side = ends.index.get_level_values("sensor").str.replace("_sensor", "", regex=False)
    turn = np.where(side == "left", -turn, turn)
    return pd.DataFrame(
        {"side": np.asarray(side), "s_id": ends.index.get_level_values("s_id"), "turn_deg": turn}
    )


def _check_gaitmap_order(ev: pd.DataFrame) -> None:
    ok = (
        (ev["pre_ic"] < ev["start"])
        & (ev["start"] < ev["tc"])
        & (ev["tc"] < ev["ic"])
        & (ev["ic"] < ev["end"])
    )
    if not ok.all():
        raise ValueError("gaitmap stride events: expected pre_ic < start < tc < ic < end")


def _gaitmap_contacts(ev: pd.DataFrame, fs: float) -> pd.DataFrame:
    """One row per contact: (pre_ic, tc) of every stride, plus the final ic."""
    own = pd.DataFrame({"side": ev["side"], "ic": ev["pre_ic"], "to": ev["tc"]})
    last = ev.loc[
        ~ev.set_index(["side", "ic"]).index.isin(own.set_index(["side", "ic"]).index),
        ["side", "ic"],
    ]
    last = last.assign(to=np.nan)
    contacts = pd.concat([own, last], ignore_index=True).drop_duplicates(["side", "ic"])
    out = pd.DataFrame(
        {
            "side": contacts["side"].to_numpy(),
            "ic_s": contacts["ic"].to_numpy(dtype=np.float64) / fs,
            "to_s": contacts["to"].to_numpy(dtype=np.float64) / fs,
        }
    )
    return out.sort_values(["ic_s", "side"], kind="stable").reset_index(drop=True)


def _gaitmap_strides(ev: pd.DataFrame, pos: pd.DataFrame, fs: float) -> pd.DataFrame:
    pos = pos.rename(columns={pos.columns[0]: "sensor"})
    pos = pos.sort_values(["sensor", "s_id", "sample"], kind="stable")
    first = pos.groupby(["sensor", "s_id"]).first()
    last = pos.groupby(["sensor", "s_id"]).last()
    disp = (last[["pos_x", "pos_y"]] - first[["pos_x", "pos_y"]]).reset_index()
    disp["side"] = disp["sensor"].str.replace("_sensor", "", regex=False)
    merged = ev.merge(
        disp[["side", "s_id", "pos_x", "pos_y"]],
        on=["side", "s_id"],
        how="inner",
        validate="one_to_one",
    )
    d = merged[["pos_x", "pos_y"]].to_numpy()
    length = np.hypot(d[:, 0], d[:, 1])
    # walkway axis: dominant direction of all stride displacements (sign-free)
    axis = np.linalg.svd(d, full_matrices=False)[2][0]
    cos = np.abs(d @ axis) / np.where(length > 0, length, np.inf)
    turning = cos < np.cos(np.deg2rad(TURNING_ANGLE_DEG))
    out = pd.DataFrame(
        {
            "side": merged["side"].to_numpy(),
            "s_id": merged["s_id"].to_numpy(dtype=int),
            "start_s": merged["start"].to_numpy(dtype=np.float64) / fs,
            "end_s": merged["end"].to_numpy(dtype=np.float64) / fs,
            "ic_s": merged["pre_ic"].to_numpy(dtype=np.float64) / fs,
            "to_s": merged["tc"].to_numpy(dtype=np.float64) / fs,
            "next_ic_s": merged["ic"].to_numpy(dtype=np.float64) / fs,
            "stride_length_m": length,
            "turning": turning,
        }
    )
    duration = out["next_ic_s"] - out["ic_s"]
    median = duration.groupby(out["side"]).transform("median")
    out["spans_missing_contact"] = duration > MISSING_CONTACT_FACTOR * median
    return out.sort_values(["ic_s", "side"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------
# IPOL gait data set
# --------------------------------------------------------------------------

_IPOL_NAME = re.compile(r"^(\d+)-(\d+)\.json$")


def ipol_trials(data_dir: Path | str | None = None) -> list[tuple[int, int]]:
    """(subject, trial) pairs available, each with both foot files and the
    reference JSON, sorted. Empty when the data set is absent."""
    try:
        folder = _dataset_dir("ipol_voisard", data_dir) / "GaitData"
    except FileNotFoundError:
        return []
    out = []
    for f in folder.glob("*.json"):
        m = _IPOL_NAME.match(f.name)
        if m and all((folder / f"{f.stem}_{x}.txt").is_file() for x in ("lf", "rf")):
            out.append((int(m.group(1)), int(m.group(2))))
    return sorted(out)


def load_ipol(subject: int, trial: int, data_dir: Path | str | None = None) -> IpolTrial:
    """One IPOL trial: both foot IMUs and the reference contacts.

    Parameters
    ----------
    subject, trial
        E.g. ``(1, 1)`` for files ``1-1_lf.txt``, ``1-1_rf.txt``, ``1-1.json``.
    data_dir
        The shared data folder (default: :func:`shared_data_dir`).

    Returns
    -------
    IpolTrial
        ``(recording, events)``; ``recording.meta`` holds the subject's age,
        sex, height, mass and the trial and U-turn boundaries in seconds.
    """
    folder = _dataset_dir("ipol_voisard", data_dir) / "GaitData"
    stem = f"{subject}-{trial}"
    ref = json.loads((folder / f"{stem}.json").read_text())
    streams = []
    fs_seen = set()
    for side, suffix in ((Side.LEFT, "lf"), (Side.RIGHT, "rf")):
        path = folder / f"{stem}_{suffix}.txt"
        fs = _ipol_fs(path)
        fs_seen.add(fs)
        data = pd.read_csv(path, sep="\t", skiprows=1)
        counter = _unwrap_counter(data["PacketCounter"].to_numpy(dtype=np.int64))
        # keep a row only when its counter is past every earlier one (drops repeats)
        previous_max = np.concatenate(([-1], np.maximum.accumulate(counter)[:-1]))
        keep = counter > previous_max
        data, counter = data.loc[keep], counter[keep]
        time_s = counter / fs
        acc = data[["Acc_X", "Acc_Y", "Acc_Z"]].to_numpy(dtype=np.float64)
        gyr = data[["Gyr_X", "Gyr_Y", "Gyr_Z"]].to_numpy(dtype=np.float64)
        streams.append(
            _imu_stream(
                side,
                time_s,
                acc,
                gyr,
                name=path.name,
                units={"acc": "m/s2", "gyr": "rad/s"},
                sensor={"model": "XSens MTw Awinda", "mount": "foot dorsum", "fs_hz": fs},
            )
        )
    if len(fs_seen) != 1:
        raise ValueError(f"{stem}: left and right files have different rates {fs_seen}")
    fs = fs_seen.pop()
    trial_b = [v / fs for v in ref["TrialBoundaries"]]
    uturn_b = [v / fs for v in ref["UTurnBoundaries"]]
    meta = {
        "format": FORMAT,
        "description": "Walk 10 m, turn, walk back (IPOL gait data set).",
        "activity": "walking",
        "athlete": {
            "id": f"ipol-{ref['Subject']}",
            "age": ref.get("Age"),
            "sex": ref.get("Gender"),
            "height_m": ref["Height"] / 100.0,
            "mass_kg": ref.get("Weight"),
        },
        "condition": {"surface": "overground"},
        "reference": {"trial_s": trial_b, "u_turn_s": uturn_b},
        "source": {
            "repository": "CyrilVoisard/ipol_dataset_1",
            "commit": IPOL_COMMIT,
            "path": f"GaitData/{stem}",
            "license": "AGPL-3.0",
        },
    }
    recording = Recording(streams=streams, meta=meta, source=str(folder / stem))
    tables = [
        _ipol_contacts(
            side,
            np.asarray(ref[key], dtype=np.float64).reshape(-1, 2),
            ref["TrialBoundaries"],
            fs,
            uturn_b,
        )
        for side, key in ((Side.LEFT, "LeftFootEvents"), (Side.RIGHT, "RightFootEvents"))
    ]
    events = pd.concat(tables, ignore_index=True)
    order = np.argsort(
        np.where(np.isnan(events["ic_s"]), events["to_s"], events["ic_s"]), kind="stable"
    )
    return IpolTrial(recording, events.iloc[order].reset_index(drop=True))


def _ipol_fs(path: Path) -> float:
    with path.open() as fh:
        first = fh.readline()
    m = re.search(r"([0-9.]+)\s*Hz", first)
    if not m:
        raise ValueError(f"{path}: first line does not give the sampling rate: {first!r}")
    return float(m.group(1))


def _unwrap_counter(counter: np.ndarray, modulus: int = 65536) -> np.ndarray:
    """Undo 16-bit wrap-arounds of a packet counter."""
    wraps = np.concatenate(([0], np.cumsum(np.diff(counter) < -modulus // 2)))
    return counter + wraps * modulus


def _ipol_contacts(
    side: Side, swings: np.ndarray, trial: list[int], fs: float, uturn_s: list[float]
) -> pd.DataFrame:
    """Contacts from swings [toe-off, initial contact] (samples) inside the trial."""
    swings = swings[np.argsort(swings[:, 0])]
    inside = (swings[:, 0] >= trial[0]) & (swings[:, 1] <= trial[1])
    swings = swings[inside]
    ic = np.concatenate(([np.nan], swings[:, 1])) / fs
    to = np.concatenate((swings[:, 0], [np.nan])) / fs
    u_turn = (ic >= uturn_s[0]) & (ic <= uturn_s[1])
    return pd.DataFrame({"side": side.value, "ic_s": ic, "to_s": to, "u_turn": u_turn})


__all__ = [
    "ENV_VAR",
    "GaitmapExample",
    "IpolTrial",
    "ipol_trials",
    "load_gaitmap_example",
    "load_ipol",
    "shared_data_dir",
]
