"""Moticon OpenGo text exports: pressure insoles with a built-in IMU.

The OpenGo software exports a recording as tab-separated text: ``#`` header
lines (start time, insole serial numbers and size, ...), the last of which
names the columns, then one line per sample (100 Hz in the files seen). Per
side there are 16 cell pressures in N/cm^2, the insole IMU's acceleration (g)
and angular rate (deg/s), the total force (N) and the centre of pressure
(-0.5..0.5 of the insole's length and width), plus optionally a ``steps[]``
column with the vendor's own gait events (11 / 21 left / right heel strike,
15 / 25 left / right toe-off). A side whose insole was not yet connected has
empty cells on those lines.

:func:`read_opengo` turns such a file into a :class:`~footfall.model.Recording`
with, per side present, one insole stream (``p1 .. p16`` in kPa and
``force_n``, layout ``moticon16``) and one foot IMU stream, both on the
file's time axis. The vendor's centre of pressure and step events are kept in
the insole stream's ``meta`` (``vendor_cop``, ``vendor_events``) for
validation; footfall computes its own.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from footfall.errors import RecordingError
from footfall.io._table import check_fits_in_memory
from footfall.model import G_MPS2, IMU_COLUMNS, Placement, Recording, SensorKind, Side, Stream

PRESSURE_FACTOR_KPA = 10.0
"""1 N/cm^2 = 10 kPa."""

HEEL_STRIKE_CODES = {"left": 11, "right": 21}
TOE_OFF_CODES = {"left": 15, "right": 25}

_HEADER_LINES_MAX = 200
_FIX = (
    "export the recording as text from the OpenGo software, "
    "or give a footfall recording folder or a .csv / .parquet stream file."
)


def _header(path: Path) -> tuple[list[str], int]:
    """The ``#`` lines at the top of ``path`` and how many there are."""
    lines: list[str] = []
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
            for _ in range(_HEADER_LINES_MAX):
                line = fh.readline()
                if not line.startswith("#"):
                    break
                lines.append(line.rstrip("\r\n"))
    except OSError as exc:
        raise RecordingError(
            f"cannot be read ({exc.strerror}).",
            path=str(path),
            fix="check the file exists and that you may read it.",
        ) from exc
    return lines, len(lines)


def _columns(header: list[str]) -> list[str]:
    if not header:
        return []
    return [c.strip() for c in header[-1].lstrip("#").split("\t")]


def is_opengo_export(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` looks like an OpenGo text export: ``#`` header lines,
    the last naming a ``time`` column and ``left`` or ``right pressure 1``."""
    p = Path(path)
    if not p.is_file():
        return False
    cols = _columns(_header(p)[0])
    return (
        bool(cols)
        and cols[0].lower() == "time"
        and any(re.match(r"(left|right) pressure 1\[", c.lower()) for c in cols)
    )


def _meta_from_header(header: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in header[:-1]:
        key, sep, value = line.lstrip("#").partition(":")
        if sep:
            out[key.strip().lower()] = value.strip()
    return out


def _started_at(text: str | None) -> str | None:
    m = re.match(r"(\d{2})\.(\d{2})\.(\d{4}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)", text or "")
    if not m:
        return None
    day, month, year, clock = m.groups()
    return f"{year}-{month}-{day}T{clock}"


def read_opengo(
    path: str | os.PathLike[str], *, surface: str | None = None, speed_mps: float | None = None
) -> Recording:
    """Read a Moticon OpenGo text export.

    Parameters
    ----------
    path
        The ``.txt`` export.
    surface, speed_mps
        Optional running condition (``"treadmill"`` or ``"overground"``;
        belt speed, m/s), stored in ``Recording.meta["condition"]``.

    Returns
    -------
    Recording
        Per side present: an insole stream (``p1 .. p16`` kPa, ``force_n``;
        ``meta["layout"] = "moticon16"``, ``meta["vendor_cop"]`` an (n, 2)
        array of the vendor's centre of pressure as [fraction of length from
        the heel, fraction of width medial], ``meta["vendor_events"]`` with
        ``ic_s`` and ``to_s`` lists) and a foot IMU stream (SI units). Lines on
        which a side has no data are left out of that side's streams and show
        as gaps.

    Raises
    ------
    RecordingError
        The file is not an OpenGo text export, or its data cannot be read.
    """
    import pandas as pd

    from footfall.io.checks import check_time
    from footfall.io.gaps import find_gaps

    p = Path(path)
    header, n_header = _header(p)
    cols = _columns(header)
    if not is_opengo_export(p):
        first = header[-1][:60] if header else "no '#' header lines"
        raise RecordingError(
            "is not a Moticon OpenGo text export: expected '#' header lines, the last one "
            f"naming the columns 'time', 'left pressure 1[N/cm²]', ... (found: {first!r}).",
            path=str(p),
            fix=_FIX,
        )
    info = _meta_from_header(header)
    # its numbers take about as many bytes in memory as their text
    check_fits_in_memory(p, p.stat().st_size)
    try:
        table = pd.read_csv(
            p,
            sep="\t",
            header=None,
            names=cols,
            skiprows=n_header,
            index_col=False,
            dtype=np.float64,
            encoding="utf-8-sig",
        )
    except (ValueError, pd.errors.ParserError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RecordingError(
            f"has data lines that are not tab-separated numbers ({detail}).", path=str(p), fix=_FIX
        ) from exc
    if len(table) == 0:
        raise RecordingError("has a header but no data lines.", path=str(p), fix=_FIX)
    time_all = table["time"].to_numpy()

    def col(side: str, name: str) -> np.ndarray | None:
        key = f"{side} {name}".lower()
        for c in cols:
            if c.lower().startswith(key + "[") or c.lower() == key:
                return table[c].to_numpy()
        return None

    streams: list[Stream] = []
    sides_present = []
    serials = dict(re.findall(r"(Left|Right) (\S+)", info.get("sensor insoles", "")))
    for side in ("left", "right"):
        pressures = [x for i in range(1, 17) if (x := col(side, f"pressure {i}")) is not None]
        if len(pressures) < 16:
            continue
        force = col(side, "total force")
        acc = [x for a in "XYZ" if (x := col(side, f"acceleration {a}")) is not None]
        gyr = [x for a in "XYZ" if (x := col(side, f"angular {a}")) is not None]
        cop = [col(side, f"center of pressure {a}") for a in "XY"]
        pm = np.column_stack(pressures)
        ok = np.isfinite(pm).all(axis=1) & np.isfinite(time_all)
        if force is not None:
            ok &= np.isfinite(force)
        if ok.sum() < 2:
            continue
        sides_present.append(side)
        t = time_all[ok]
        where = lambda i, _t=t: f"at time {_t[i]:.3f} s"  # noqa: E731
        period = check_time(t, path=str(p), where=where)
        gaps = [[a, b] for a, b in find_gaps(t, 1.0 / period)]
        values = pm[ok] * PRESSURE_FACTOR_KPA
        columns = tuple(f"p{i}" for i in range(1, 17))
        if force is not None:
            values = np.column_stack([values, force[ok]])
            columns += ("force_n",)
        # one time column for both insoles and their IMUs: one clock
        clock = f"Moticon OpenGo {p.stem}"
        meta: dict[str, Any] = {
            "layout": "moticon16",
            "units": {"pressure": "kPa"},
            "sensor": "Moticon OpenGo insole",
            "gaps": gaps,
            "clock": clock,
        }
        if info.get("size"):
            meta["insole_size"] = info["size"]
        serial = serials.get(side.capitalize())
        if serial:
            meta["serial"] = serial
        if cop[0] is not None and cop[1] is not None:
            vx, vy = cop[0][ok], cop[1][ok]
            meta["vendor_cop"] = np.column_stack([vx + 0.5, vy])
        steps = col(side, "steps")
        if steps is not None:
            codes = steps[ok]
            meta["vendor_events"] = {
                "ic_s": t[codes == HEEL_STRIKE_CODES[side]].tolist(),
                "to_s": t[codes == TOE_OFF_CODES[side]].tolist(),
            }
        streams.append(
            Stream(
                kind=SensorKind.INSOLE,
                side=Side(side),
                time_s=t,
                values=values,
                columns=columns,
                name=f"{p.stem} {side} insole",
                meta=meta,
            )
        )
        if len(acc) == 3 and len(gyr) == 3:
            imu_ok = ok & np.isfinite(np.column_stack(acc + gyr)).all(axis=1)
            if imu_ok.sum() >= 2:
                ti = time_all[imu_ok]
                imu = np.column_stack(
                    [a[imu_ok] * G_MPS2 for a in acc] + [g[imu_ok] * (np.pi / 180.0) for g in gyr]
                )
                streams.append(
                    Stream(
                        kind=SensorKind.IMU,
                        side=Side(side),
                        placement=Placement.FOOT,
                        time_s=ti,
                        values=imu,
                        columns=IMU_COLUMNS,
                        name=f"{p.stem} {side} insole IMU",
                        meta={
                            "sensor": "Moticon OpenGo insole IMU",
                            "clock": clock,
                            "units": {"acc": "m/s2", "gyr": "deg/s"},
                            "gaps": [[a, b] for a, b in find_gaps(ti, 1.0 / period)],
                        },
                    )
                )
    if not streams:
        raise RecordingError(
            "has no side with complete pressure data (16 cells per line).",
            path=str(p),
            fix="check that the export includes the pressure channels of at least one insole.",
        )
    meta_rec: dict[str, Any] = {"format": "footfall-recording/1", "device": "Moticon OpenGo"}
    started = _started_at(info.get("start time"))
    if started:
        meta_rec["started_at"] = started
    for key in ("name", "tag", "notes", "recording type"):
        if info.get(key):
            meta_rec.setdefault("opengo", {})[key.replace(" ", "_")] = info[key]
    cond: dict[str, Any] = {}
    if surface is not None:
        cond["surface"] = surface
    if speed_mps is not None:
        cond["speed_mps"] = speed_mps
    if cond:
        meta_rec["condition"] = cond
    return Recording(streams=streams, meta=meta_rec, source=str(p))


__all__ = ["is_opengo_export", "read_opengo"]
