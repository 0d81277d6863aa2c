"""The canonical recording folder (CONTRACTS.md section 1): read and write.

A recording folder holds ``recording.json`` and one CSV or Parquet file per
stream. A single stream file can also be read on its own, with the metadata
that ``recording.json`` would hold given as options.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from footfall.errors import RecordingError, safe_text
from footfall.io._table import STREAM_SUFFIXES, RawTable, read_table
from footfall.io.checks import check_finite, check_imu_units, check_time
from footfall.io.gaps import find_gaps
from footfall.io.units import (
    DEFAULT_UNITS,
    UNIT_TABLES,
    WRITE_UNITS,
    normalize_unit,
    to_si_factor,
)
from footfall.model import (
    IMU_COLUMNS,
    Placement,
    Recording,
    SensorKind,
    Side,
    Stream,
    Surface,
    parse_mount,
)

FORMAT = "footfall-recording/1"
"""Value of the ``format`` key footfall writes into recording.json."""

RECORDING_JSON = "recording.json"

DERIVED_META_KEYS = ("gaps", "ignored_columns")
"""Stream.meta keys computed on reading; not written back into recording.json."""

_UNIT_QUANTITIES = {SensorKind.IMU: ("acc", "gyr"), SensorKind.INSOLE: ("pressure",)}
_PRESSURE_COLUMN = re.compile(r"^p(\d+)$")
_LEFT_WORDS = frozenset({"left", "l", "lf", "lft"})
_RIGHT_WORDS = frozenset({"right", "r", "rf", "rgt", "rht"})


# --------------------------------------------------------------------------
# how to phrase a fix: options for a single file, recording.json for a folder
# --------------------------------------------------------------------------


@dataclass
class _Ctx:
    file: Path
    json_path: Path | None = None  # None: a single stream file read with options
    assumed_units: set[str] = field(default_factory=set)

    @property
    def single(self) -> bool:
        return self.json_path is None

    @property
    def label(self) -> str:
        return f'stream "{self.file.name}"'

    def fix_value(self, key: str, allowed: list[str]) -> str:
        if self.single:
            choices = " or ".join(allowed)
            return f'pass --{key.replace("_", "-")} {choices} ({key}="{allowed[0]}" from Python).'
        choices = " or ".join(f'"{a}"' for a in allowed)
        return f'set "{key}" to {choices} for {self.label} in {RECORDING_JSON}.'

    def fix_unit(self, quantity: str, unit: str) -> str:
        if self.single:
            fix = f'pass --{quantity}-unit {unit} ({quantity}_unit="{unit}" from Python).'
        else:
            fix = f'in {RECORDING_JSON}, set "{quantity}": "{unit}" in the "units" of {self.label}.'
        if quantity in self.assumed_units:
            fix += f" No unit was given, so footfall assumed {DEFAULT_UNITS[quantity]}."
        return fix

    @property
    def meta_path(self) -> str:
        """Where metadata problems are: recording.json, or the single file."""
        return str(self.json_path if self.json_path is not None else self.file)


def _choice(
    value: Any,
    enum: type[Side] | type[Placement] | type[SensorKind] | type[Surface],
    what: str,
    *,
    ctx: _Ctx,
    key: str,
    fix: str | None = None,
) -> Any:
    allowed = [e.value for e in enum]
    norm = value.strip().lower() if isinstance(value, str) else value
    if norm not in allowed:
        where = "" if ctx.single or ctx.file == ctx.json_path else f" for {ctx.label}"
        raise RecordingError(
            f"unknown {what} {value!r}{where}; allowed: {', '.join(allowed)}.",
            path=ctx.meta_path,
            fix=fix or ctx.fix_value(key, allowed),
        )
    return enum(norm)


def _unit(quantity: str, value: Any, *, ctx: _Ctx) -> str:
    unit = normalize_unit(quantity, value)
    if unit is None:
        allowed = list(UNIT_TABLES[quantity])
        where = "" if ctx.single else f" in the units of {ctx.label}"
        if ctx.single:
            fix = (
                f"pass --{quantity}-unit "
                + " or ".join(allowed)
                + f' ({quantity}_unit="{allowed[0]}" from Python).'
            )
        else:
            fix = (
                f'in the "units" of {ctx.label}, set "{quantity}" to '
                + " or ".join(f'"{a}"' for a in allowed)
                + "."
            )
        raise RecordingError(
            f"unknown {quantity} unit {value!r}{where}; allowed: {', '.join(allowed)}.",
            path=ctx.meta_path,
            fix=fix,
        )
    return unit


def side_from_filename(name: str) -> Side | None:
    """The side a file name points to, or None when it names none or both.

    Words are split at non-letters and at lower-to-upper case changes; a word
    ``left``/``l``/``lf``/``lft`` (or starting with ``left``, e.g. ``leftfoot``)
    means left, ``right``/``r``/``rf``/``rgt``/``rht`` (or starting with ``right``)
    means right. Examples: ``run_left.csv``, ``1-1_lf.csv``, ``RightFoot.parquet``.
    """
    hints = _side_hints(name)
    return next(iter(hints)) if len(hints) == 1 else None


def _side_hints(name: str) -> set[Side]:
    stem = Path(name).stem
    words = re.split(r"[^a-z]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", stem).lower())
    hints: set[Side] = set()
    for w in words:
        if w in _LEFT_WORDS or w.startswith("left"):
            hints.add(Side.LEFT)
        if w in _RIGHT_WORDS or w.startswith("right"):
            hints.add(Side.RIGHT)
    return hints


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


def read_recording(
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    side: str | None = None,
    placement: str | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    pressure_unit: str | None = None,
    layout: str | None = None,
    surface: str | None = None,
    speed_mps: float | None = None,
    check_units: bool = True,
) -> Recording:
    """Read a recording folder or a single stream file.

    Values are converted to SI on reading (acceleration m/s^2, angular rate
    rad/s, pressure kPa), checked for plausibility, and gaps in time are
    recorded, never filled.

    Parameters
    ----------
    path
        A recording folder (with ``recording.json``), the path of a
        ``recording.json``, or one stream file (``.csv`` or ``.parquet``).
    kind
        Single file only: ``"imu"`` or ``"insole"``. Default: ``"insole"`` when
        the file has a ``p1`` column and no ``acc_x``, else ``"imu"``.
    side
        Single file only: ``"left"`` or ``"right"``. Required unless the file
        name says it (``left``/``right``, ``lf``/``rf``, ... see
        :func:`side_from_filename`).
    placement
        Single file only: ``"foot"`` (default, anywhere on the shoe) or ``"shank"``.
    acc_unit, gyr_unit
        Single IMU file only: ``"m/s2"`` (default) or ``"g"``; ``"deg/s"``
        (default) or ``"rad/s"``.
    pressure_unit
        Single insole file only: ``"kPa"`` (default) or ``"N/cm2"``.
    layout
        Single insole file only: name of the insole's cell layout, kept in
        ``Stream.meta["layout"]``.
    surface, speed_mps
        Running condition: ``"treadmill"`` or ``"overground"``; belt speed,
        m/s. For a folder they override ``condition`` in recording.json.
    check_units
        Check that the declared units agree with the data, time_s included
        (see :mod:`footfall.io.checks`). Turn off only for synthetic test data.

    Returns
    -------
    Recording
        ``meta`` holds every key of recording.json but ``streams``; each
        stream's ``meta`` holds its recording.json entry (unknown keys kept)
        plus ``gaps``: a list of ``[start_s, end_s]`` intervals with missing
        samples (see :func:`~footfall.io.find_gaps`), and ``ignored_columns``
        when the file has columns footfall does not use.

    Raises
    ------
    RecordingError
        The path, the metadata or the data is unreadable or implausible; the
        message names the file, the problem and the fix.
    """
    return open_recording(
        path,
        kind=kind,
        side=side,
        placement=placement,
        acc_unit=acc_unit,
        gyr_unit=gyr_unit,
        pressure_unit=pressure_unit,
        layout=layout,
        surface=surface,
        speed_mps=speed_mps,
        check_units=check_units,
    ).read_all()


@dataclass
class StreamSlot:
    """One stream of an :class:`OpenedRecording`, not read yet.

    ``kind``, ``side`` and ``placement`` are as the recording declares them
    (lower case; ``placement`` is empty for an insole); reading the stream
    checks them. ``name`` is the label the stream will carry (its file name).
    """

    name: str
    kind: str
    side: str
    placement: str
    read: Callable[[], Stream]


@dataclass
class OpenedRecording:
    """A recording whose metadata is read and checked, and whose streams are
    read one at a time, when the caller asks for each.

    Iterate over :meth:`slots` and call each slot's ``read()`` before taking
    the next slot: the checks then run, and fail, in the same order as
    :func:`read_recording`'s. A stream the caller has let go of is not held
    here, so a long recording can be analysed with one stream in memory at a
    time.
    """

    meta: dict[str, Any]
    source: str
    _slots: Iterator[StreamSlot]
    n_streams: int
    sensors: list[tuple[str, str, str]]
    """``(kind, side, placement)`` of every stream, as declared."""

    def slots(self) -> Iterator[StreamSlot]:
        return self._slots

    def read_all(self) -> Recording:
        """Every stream, read now: the :class:`~footfall.model.Recording`."""
        return Recording(
            streams=[slot.read() for slot in self._slots], meta=self.meta, source=self.source
        )


class RereadRecording(Recording):
    """A recording that was analysed stream by stream from its files
    (:func:`footfall.analyze` given a path): ``meta``, ``source`` and
    ``duration_s`` are at hand; ``streams`` reads the files again the first
    time they are asked for, so that the analysis never held them all."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        options: Mapping[str, Any],
        *,
        meta: dict[str, Any],
        source: str,
        duration_s: float,
    ):
        self.meta = meta
        self.source = source
        self._path = path
        self._options = dict(options)
        self._duration_s = duration_s
        self._streams: list[Stream] | None = None

    @property
    def streams(self) -> list[Stream]:
        if self._streams is None:
            self._streams = read_recording(self._path, **self._options).streams
        return self._streams

    @streams.setter
    def streams(self, value: list[Stream]) -> None:
        self._streams = list(value)

    @property
    def duration_s(self) -> float:
        return self._duration_s if self._streams is None else super().duration_s

    def __repr__(self) -> str:
        n = "not read" if self._streams is None else f"{len(self._streams)} read"
        return f"RereadRecording(source={self.source!r}, streams {n})"


def open_recording(
    path: str | os.PathLike[str],
    *,
    kind: str | None = None,
    side: str | None = None,
    placement: str | None = None,
    acc_unit: str | None = None,
    gyr_unit: str | None = None,
    pressure_unit: str | None = None,
    layout: str | None = None,
    surface: str | None = None,
    speed_mps: float | None = None,
    check_units: bool = True,
) -> OpenedRecording:
    """Open a recording folder or a single stream file for reading stream by
    stream (:class:`OpenedRecording`); options as in :func:`read_recording`.

    A folder's recording.json is read and checked now, its stream files when
    their slots are read. A single stream file or a vendor export is read now.
    """
    p = Path(path)
    if not p.exists():
        raise RecordingError(
            "no such file or folder.",
            path=str(p),
            fix="check the path; give a recording folder (with recording.json) or a .csv / "
            ".parquet stream file.",
        )
    if p.is_dir() or p.name == RECORDING_JSON or p.suffix.lower() == ".json":
        stream_options = {
            "kind": kind,
            "side": side,
            "placement": placement,
            "acc_unit": acc_unit,
            "gyr_unit": gyr_unit,
            "pressure_unit": pressure_unit,
            "layout": layout,
        }
        given = [k for k, v in stream_options.items() if v is not None]
        json_path = p / RECORDING_JSON if p.is_dir() else p
        return _open_folder(
            json_path,
            surface=surface,
            speed_mps=speed_mps,
            check_units=check_units,
            stream_options=given,
        )
    if p.suffix.lower() == ".txt":
        rec = _read_vendor_text(
            p,
            surface=surface,
            speed_mps=speed_mps,
            options={
                "kind": kind,
                "side": side,
                "placement": placement,
                "acc_unit": acc_unit,
                "gyr_unit": gyr_unit,
                "pressure_unit": pressure_unit,
                "layout": layout,
            },
        )
    else:
        rec = _read_single(
            p,
            kind=kind,
            side=side,
            placement=placement,
            acc_unit=acc_unit,
            gyr_unit=gyr_unit,
            pressure_unit=pressure_unit,
            layout=layout,
            surface=surface,
            speed_mps=speed_mps,
            check_units=check_units,
        )
    return _opened_from(rec)


def _opened_from(rec: Recording) -> OpenedRecording:
    """An :class:`OpenedRecording` of streams already read (handed over one
    by one, each let go of once taken)."""
    streams = list(rec.streams)

    def slots() -> Iterator[StreamSlot]:
        while streams:
            s = streams.pop(0)

            def read(s: Stream = s) -> Stream:
                return s

            yield StreamSlot(
                s.name,
                s.kind.value,
                s.side.value,
                s.placement.value if s.kind == SensorKind.IMU else "",
                read,
            )

    sensors = [
        (s.kind.value, s.side.value, s.placement.value if s.kind == SensorKind.IMU else "")
        for s in streams
    ]
    return OpenedRecording(
        meta=rec.meta, source=rec.source, _slots=slots(), n_streams=len(streams), sensors=sensors
    )


def _read_vendor_text(
    p: Path, *, surface: str | None, speed_mps: float | None, options: dict[str, Any]
) -> Recording:
    """A vendor's text export (Moticon OpenGo), which describes its own streams."""
    from footfall.io.moticon import read_opengo

    given = [k for k, v in options.items() if v is not None]
    if given:
        names = ", ".join("--" + k.replace("_", "-") for k in given)
        raise RecordingError(
            f"the options {names} are for a single CSV or Parquet stream file, but this is "
            "a Moticon OpenGo export, which names its own sides, units and layout.",
            path=str(p),
            fix=f"leave out {names}.",
        )
    rec = read_opengo(p, surface=surface, speed_mps=speed_mps)
    _check_condition(rec.meta, ctx=_Ctx(file=p))
    return rec


def _read_single(
    p: Path,
    *,
    kind: str | None,
    side: str | None,
    placement: str | None,
    acc_unit: str | None,
    gyr_unit: str | None,
    pressure_unit: str | None,
    layout: str | None,
    surface: str | None,
    speed_mps: float | None,
    check_units: bool,
) -> Recording:
    ctx = _Ctx(file=p)
    table = read_table(p)
    lower = {n.strip().lower() for n in table.names}
    if kind is None:
        kind_e = SensorKind.INSOLE if "p1" in lower and "acc_x" not in lower else SensorKind.IMU
    else:
        kind_e = _choice(kind, SensorKind, "kind", ctx=ctx, key="kind")
    if side is None:
        hints = _side_hints(p.name)
        if len(hints) != 1:
            why = "names both sides" if hints else "does not say which foot it is"
            raise RecordingError(
                f"the file name {why}, and no side was given.",
                path=str(p),
                fix='pass --side left or --side right (side="left" from Python), or put '
                '"left" or "right" in the file name.',
            )
        side_e = hints.pop()
    else:
        side_e = _choice(side, Side, "side", ctx=ctx, key="side")
    placement_e = (
        Placement.FOOT
        if placement is None
        else _choice(placement, Placement, "placement", ctx=ctx, key="placement")
    )
    given_units = {"acc": acc_unit, "gyr": gyr_unit, "pressure": pressure_unit}
    for q, v in given_units.items():
        if v is not None and q not in _UNIT_QUANTITIES[kind_e]:
            raise RecordingError(
                f"--{q}-unit was given, but this is an {kind_e.value} stream, which has no "
                f"{q} values.",
                path=str(p),
                fix=f"leave out --{q}-unit, or pass --kind if the kind was guessed wrong.",
            )
    units = {
        q: given_units[q] if given_units[q] is not None else DEFAULT_UNITS[q]
        for q in _UNIT_QUANTITIES[kind_e]
    }
    ctx.assumed_units = {q for q in _UNIT_QUANTITIES[kind_e] if given_units[q] is None}
    entry: dict[str, Any] = {"file": p.name, "kind": kind_e.value, "side": side_e.value}
    if kind_e == SensorKind.IMU:
        entry["placement"] = placement_e.value
    if layout is not None:
        entry["layout"] = layout
    entry["units"] = units
    condition: dict[str, Any] = {}
    if surface is not None:
        condition["surface"] = surface
    if speed_mps is not None:
        condition["speed_mps"] = speed_mps
    meta: dict[str, Any] = {"format": FORMAT}
    if condition:
        meta["condition"] = condition
    _check_condition(meta, ctx=ctx)
    stream = _load_stream(table, entry, ctx=ctx, check_units=check_units)
    return Recording(streams=[stream], meta=meta, source=str(p))


def _declared_sensor(entry: Any) -> tuple[str, str, str]:
    """``(kind, side, placement)`` of a recording.json stream entry as written
    (lower case; placement empty for an insole)."""
    if not isinstance(entry, dict):
        return ("", "", "")
    kind = str(entry.get("kind", "imu")).strip().lower()
    return (
        kind,
        str(entry.get("side", "")).strip().lower(),
        str(entry.get("placement", "foot")).strip().lower() if kind == "imu" else "",
    )


def _open_folder(
    json_path: Path,
    *,
    surface: str | None,
    speed_mps: float | None,
    check_units: bool,
    stream_options: list[str],
) -> OpenedRecording:
    folder = json_path.parent
    if not json_path.is_file():
        found = sorted(f.name for f in folder.iterdir() if f.suffix.lower() in STREAM_SUFFIXES)
        found_txt = f" It holds: {', '.join(found)}." if found else ""
        raise RecordingError(
            f"no {RECORDING_JSON} in this folder.{found_txt}",
            path=str(folder),
            fix=f"add a {RECORDING_JSON} describing the streams (see the recording format in "
            "the docs), or analyse one stream file, e.g. with --side left.",
        )
    if stream_options:
        names = ", ".join("--" + k.replace("_", "-") for k in stream_options)
        raise RecordingError(
            f"the options {names} are for a single stream file, but this is a recording "
            f"folder whose {RECORDING_JSON} describes its streams.",
            path=str(json_path),
            fix=f"change the stream's entry in {RECORDING_JSON} instead, or give one stream file.",
        )
    doc = _load_json(json_path)
    fmt = doc.get("format")
    if fmt is not None and (not isinstance(fmt, str) or not fmt.startswith("footfall-recording/")):
        raise RecordingError(
            f'"format" is {fmt!r}, not a footfall recording format.',
            path=str(json_path),
            fix=f'set "format": "{FORMAT}" or remove the key.',
        )
    if isinstance(fmt, str) and fmt != FORMAT:
        raise RecordingError(
            f'"format" is {fmt!r}; this version of footfall reads {FORMAT}.',
            path=str(json_path),
            fix="update footfall to read this recording.",
        )
    entries = doc.get("streams")
    if not isinstance(entries, list) or not entries:
        raise RecordingError(
            'lists no streams: "streams" must be a non-empty list of stream entries.',
            path=str(json_path),
            fix='add e.g. "streams": [{"file": "left_foot.csv", "kind": "imu", "side": "left", '
            '"units": {"acc": "m/s2", "gyr": "deg/s"}}].',
        )
    meta = {k: v for k, v in doc.items() if k != "streams"}
    if surface is not None or speed_mps is not None:
        cond = dict(meta.get("condition") or {})
        if surface is not None:
            cond["surface"] = surface
        if speed_mps is not None:
            cond["speed_mps"] = speed_mps
        meta["condition"] = cond
    _check_condition(meta, ctx=_Ctx(file=json_path, json_path=json_path))

    return OpenedRecording(
        meta=meta,
        source=str(folder),
        _slots=_folder_slots(json_path, entries, check_units),
        n_streams=len(entries),
        sensors=[_declared_sensor(e) for e in entries],
    )


def _folder_slots(json_path: Path, entries: list[Any], check_units: bool) -> Iterator[StreamSlot]:
    """The streams of a recording folder: each entry checked, then its file
    read when its slot is read."""
    folder = json_path.parent
    inside = folder.resolve()
    # a file read with a profile of several streams is listed once per stream
    seen_files: dict[tuple[Path, Any], int] = {}
    seen_sensors: dict[tuple[str, str, str], str] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            raise RecordingError(
                f'stream entry {i + 1} has no "file" name.',
                path=str(json_path),
                fix='give every entry of "streams" a "file", e.g. "file": "left_foot.csv".',
            )
        file = folder / entry["file"]
        try:
            real = file.resolve()
            is_file = file.is_file()
        except (OSError, RuntimeError, ValueError) as exc:  # too long, a link loop, a zero byte
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise RecordingError(
                f'stream entry {i + 1}: "file" {safe_text(entry["file"], 60)!r} cannot be used '
                f"as a stream file ({safe_text(why, 80)}).",
                path=str(json_path),
                fix="give the bare name of the stream file in the recording folder, e.g. "
                '"file": "left_foot.csv".',
            ) from None
        if Path(entry["file"]).is_absolute() or not real.is_relative_to(inside):
            raise RecordingError(
                f'stream entry {i + 1}: "file" {safe_text(entry["file"])!r} leads outside the '
                "recording folder (an absolute path, '..', or a link out of it).",
                path=str(json_path),
                fix="put the stream file in the recording folder and give its bare name.",
            )
        file_key = (real, entry.get("profile_stream") if entry.get("profile") else None)
        if file_key in seen_files:
            raise RecordingError(
                f"stream entries {seen_files[file_key] + 1} and {i + 1} name the same file "
                f"{safe_text(entry['file'])!r}: its steps would be counted twice.",
                path=str(json_path),
                fix="list each stream file once.",
            )
        seen_files[file_key] = i
        sensor = (
            str(entry.get("kind", "imu")).strip().lower(),
            str(entry.get("side", "")).strip().lower(),
            str(entry.get("placement", "foot")).strip().lower()
            if str(entry.get("kind", "imu")).strip().lower() == "imu"
            else "",
        )
        if sensor in seen_sensors and sensor[1]:
            what = (
                f"{sensor[1]} {sensor[2]} IMU" if sensor[0] == "imu" else f"{sensor[1]} {sensor[0]}"
            )
            raise RecordingError(
                f"two streams are the {what}: {safe_text(seen_sensors[sensor])!r} and "
                f"{safe_text(entry['file'])!r}; footfall measures one sensor per foot and "
                "placement.",
                path=str(json_path),
                fix="keep one of them in recording.json (analyse the other in a recording of "
                "its own).",
            )
        seen_sensors[sensor] = entry["file"]
        ctx = _Ctx(file=file, json_path=json_path)
        if not is_file and file.is_dir():
            raise RecordingError(
                f'stream entry {i + 1}: "file" {safe_text(entry["file"])!r} is a folder, not a '
                "stream file.",
                path=str(json_path),
                fix='give the name of a .csv or .parquet file, e.g. "file": "left_foot.csv".',
            )
        if not is_file:
            present = sorted(
                f.name for f in folder.iterdir() if f.suffix.lower() in STREAM_SUFFIXES
            )
            raise RecordingError(
                f"{ctx.label} is listed in {RECORDING_JSON} but the file is missing. "
                f"Stream files in the folder: {', '.join(present) or 'none'}.",
                path=str(json_path),
                fix=f'correct the "file" name in {RECORDING_JSON} or put the file in the folder.',
            )
        kind, side, placement = _declared_sensor(entry)

        def read(file: Path = file, entry: dict[str, Any] = entry, ctx: _Ctx = ctx) -> Stream:
            if entry.get("profile") is not None:  # another layout, read with a profile
                from footfall.io.mapping import read_entry

                return read_entry(file, entry, json_path=json_path, check_units=check_units)
            return _load_stream(read_table(file), entry, ctx=ctx, check_units=check_units)

        yield StreamSlot(file.name, kind, side, placement, read)


def _load_json(json_path: Path) -> dict[str, Any]:
    try:
        text = json_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordingError(
            "is not UTF-8 text.", path=str(json_path), fix="save it as UTF-8 text."
        ) from exc
    except OSError as exc:
        raise RecordingError(
            f"cannot be read ({exc.strerror}).",
            path=str(json_path),
            fix="check the file exists and that you may read it.",
        ) from exc

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        # a key given twice is refused: plain json keeps the last value silently
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise RecordingError(
                    f"key {safe_text(key, 60)!r} is given twice in one object (a key may be "
                    "set only once).",
                    path=str(json_path),
                    fix="keep the value you mean and delete the other.",
                )
            out[key] = value
        return out

    try:
        doc = json.loads(text, object_pairs_hook=unique_keys)
    except json.JSONDecodeError as exc:
        raise RecordingError(
            f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            path=str(json_path),
            fix=f"correct line {exc.lineno} (often a missing comma or quote, or a comma "
            "before a closing } or ]).",
        ) from exc
    except RecursionError:
        raise RecordingError(
            "is nested too deeply to be a recording description.",
            path=str(json_path),
            fix='write one object {"format": "footfall-recording/1", "streams": [...]} '
            "(see the recording format in the docs).",
        ) from None
    except ValueError as exc:  # an integer of thousands of digits
        raise RecordingError(
            f"holds a value that cannot be read ({str(exc).split(';')[0]}).",
            path=str(json_path),
            fix="write plain numbers such as 3.0.",
        ) from None
    if not isinstance(doc, dict):
        raise RecordingError(
            'must hold one JSON object ({...}) with a "streams" list.',
            path=str(json_path),
            fix='start from {"format": "footfall-recording/1", "streams": [...]}.',
        )
    return doc


def _check_condition(meta: dict[str, Any], *, ctx: _Ctx) -> None:
    cond = meta.get("condition")
    if cond is None:
        return
    if not isinstance(cond, dict):
        raise RecordingError(
            '"condition" must be an object like {"surface": "treadmill"}.',
            path=ctx.meta_path,
            fix='write "condition": {"surface": ...}.',
        )
    if cond.get("surface") is not None:
        fix = (
            "pass --surface treadmill or --surface overground."
            if ctx.single
            else f'set "condition": {{"surface": "treadmill"}} (or "overground") in '
            f"{RECORDING_JSON}."
        )
        cond["surface"] = _choice(
            cond["surface"], Surface, "surface", ctx=ctx, key="surface", fix=fix
        ).value
    speed = cond.get("speed_mps")
    if speed is not None:
        ok = (
            isinstance(speed, int | float)
            and not isinstance(speed, bool)
            and abs(speed) <= sys.float_info.max
        )  # a huge integer: no float
        if not ok or not math.isfinite(speed) or speed <= 0:
            raise RecordingError(
                "speed_mps must be a positive number of metres per second, got "
                f"{safe_text(repr(speed), 40)}.",
                path=ctx.meta_path,
                fix="give the belt speed in m/s (e.g. 3.0; 10 km/h = 2.78 m/s), or leave it out.",
            )


def _load_stream(
    table: RawTable, entry: Mapping[str, Any], *, ctx: _Ctx, check_units: bool
) -> Stream:
    kind = _choice(entry.get("kind", "imu"), SensorKind, "kind", ctx=ctx, key="kind")
    if "side" not in entry:
        raise RecordingError(
            f'{ctx.label} has no "side".',
            path=ctx.meta_path,
            fix=ctx.fix_value("side", ["left", "right"]),
        )
    side = _choice(entry["side"], Side, "side", ctx=ctx, key="side")
    placement = _choice(
        entry.get("placement", "foot"), Placement, "placement", ctx=ctx, key="placement"
    )
    if entry.get("mount") is not None:
        try:
            parse_mount(entry["mount"])
        except ValueError as exc:
            raise RecordingError(
                f'"mount" of {ctx.label}: {exc}',
                path=ctx.meta_path,
                fix='write e.g. "mount": "laces", or leave "mount" out: '
                "footfall finds the foot's axes from the data.",
            ) from None
    declared = entry.get("units") or {}
    if not isinstance(declared, dict):
        raise RecordingError(
            f'"units" of {ctx.label} must be an object like {{"acc": "m/s2"}}.',
            path=ctx.meta_path,
            fix='write e.g. "units": {"acc": "m/s2", "gyr": "deg/s"}.',
        )
    units: dict[str, str] = {}
    for q in _UNIT_QUANTITIES[kind]:
        if declared.get(q) is None:
            units[q] = DEFAULT_UNITS[q]
            ctx.assumed_units.add(q)
        else:
            units[q] = _unit(q, declared[q], ctx=ctx)

    path = str(table.path)
    by_lower: dict[str, str] = {}
    where_names = "the first line" if table.fmt == "csv" else "the file"
    unnamed = [k for k, n in enumerate(table.names, start=1) if not n.strip()]
    for n in table.names:
        key = n.strip().lower()
        if key in by_lower:
            if not key:
                raise RecordingError(
                    f"columns {unnamed[0]} and {unnamed[1]} of {where_names} have no name.",
                    path=path,
                    fix=f"give each column a name in {where_names}, or delete the unnamed ones.",
                )
            raise RecordingError(
                f"has two columns named {key!r}.", path=path, fix="rename or delete one of them."
            )
        by_lower[key] = n

    pcols: tuple[str, ...] = ()
    wanted: tuple[str, ...]
    if kind == SensorKind.IMU:
        wanted = ("time_s", *IMU_COLUMNS)
        missing = [c for c in wanted if c not in by_lower]
    else:
        cells = sorted(int(m.group(1)) for c in by_lower if (m := _PRESSURE_COLUMN.match(c)))
        top = max(cells) if cells else 1
        pcols = tuple(f"p{k}" for k in range(1, top + 1))
        wanted = ("time_s", *pcols) + (("force_n",) if "force_n" in by_lower else ())
        missing = [c for c in wanted if c not in by_lower]
    if missing:
        if kind == SensorKind.IMU:
            expected = "time_s, " + ", ".join(IMU_COLUMNS)
        else:
            expected = "time_s, p1 .. pN (one per pressure cell), optionally force_n"
        hint = ""
        if "time_s" in missing:
            hint = " time_s is the time in seconds."
        blank = ""
        if unnamed:
            cols = ", ".join(map(str, unnamed[:5])) + (", ..." if len(unnamed) > 5 else "")
            blank = (
                f" Column{'s' if len(unnamed) > 1 else ''} {cols} of {where_names} "
                f"{'have' if len(unnamed) > 1 else 'has'} no name."
            )
        raise RecordingError(
            f"missing column {', '.join(missing)}. Columns found: "
            f"{', '.join(repr(n) if not n.strip() else n for n in table.names) or 'none'}."
            f"{blank}",
            path=path,
            fix=f"name the columns {expected} in {where_names} (any order; other columns are "
            f"ignored).{hint}",
        )

    where = table.where
    col_fix = "make every value a plain number."
    # each column goes straight into the values array: one column's copy at a
    # time besides the stream itself. Column-major, so that each column is
    # one block of memory, as the analysis takes its channels (and as a
    # selection of columns, values[:, [..]], would make them)
    time_s = table.float_column(by_lower["time_s"], fix=col_fix)
    columns: tuple[str, ...] = tuple(wanted[1:])
    values = np.empty((len(time_s), len(columns)), dtype=np.float64, order="F")
    for j, c in enumerate(columns):
        values[:, j] = table.float_column(by_lower[c], fix=col_fix)
    table.release()
    check_finite(
        {"time_s": time_s, **{c: values[:, j] for j, c in enumerate(columns)}},
        time_s,
        path=path,
        where=where,
    )
    period_s = check_time(time_s, path=path, where=where, check_rate=check_units)
    if kind == SensorKind.IMU:
        if check_units:
            check_imu_units(
                values[:, :3],
                values[:, 3:6],
                time_s,
                acc_unit=units["acc"],
                gyr_unit=units["gyr"],
                path=path,
                fix_unit=ctx.fix_unit,
                period_s=period_s,
            )
        fa, fg = to_si_factor("acc", units["acc"]), to_si_factor("gyr", units["gyr"])
        if fa != 1.0:
            values[:, :3] *= fa
        if fg != 1.0:
            values[:, 3:6] *= fg
    else:
        fp = to_si_factor("pressure", units["pressure"])
        if fp != 1.0:
            values[:, : len(pcols)] *= fp

    meta = {k: v for k, v in entry.items() if k not in DERIVED_META_KEYS}
    used = set(wanted)
    ignored = [n for n in table.names if n.strip().lower() not in used]
    if ignored:
        meta["ignored_columns"] = ignored
    meta["gaps"] = [[a, b] for a, b in find_gaps(time_s, 1.0 / period_s)]
    return Stream(
        kind=kind,
        side=side,
        time_s=time_s,
        values=values,
        columns=columns,
        placement=placement,
        name=table.path.name,
        meta=meta,
    )


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------


def write_recording(
    recording: Recording,
    folder: str | os.PathLike[str],
    fmt: str = "csv",
    *,
    overwrite: bool = False,
    streams: Iterable[Stream] | None = None,
) -> Path:
    """Write a recording as a canonical recording folder.

    IMU streams are written in m/s2 and deg/s, insole pressures in kPa, every
    value with full float precision (reading the folder back gives the same
    numbers to within 1e-12 relative). ``Recording.meta`` and each
    ``Stream.meta`` are written into recording.json, unknown keys included;
    keys footfall derives on reading (``gaps``, ``ignored_columns``) are not.

    Parameters
    ----------
    recording
        The recording to write.
    folder
        Destination folder, created if needed.
    fmt
        ``"csv"`` or ``"parquet"``: the stream file format.
    overwrite
        Replace an existing recording.json in ``folder``. When False (default)
        an existing one raises :class:`RecordingError`.
    streams
        The streams to write instead of ``recording.streams``: any iterable,
        each stream written before the next is taken (a generator that builds
        them one by one keeps one stream in memory at a time). recording.json
        is written after the last.

    Returns
    -------
    pathlib.Path
        The path of the written recording.json.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    out = Path(folder)
    json_path = out / RECORDING_JSON
    if json_path.exists() and not overwrite:
        raise RecordingError(
            f"already holds a {RECORDING_JSON}.",
            path=str(out),
            fix="choose another folder, or pass overwrite=True to replace it.",
        )
    out.mkdir(parents=True, exist_ok=True)

    entries = []
    used_names: set[str] = set()
    for stream in recording.streams if streams is None else streams:
        name = _file_name(stream, fmt, used_names)
        entries.append(_stream_entry(stream, name))
        _write_stream(stream, out / name, fmt)
        del stream  # not held while the next one is built

    doc: dict[str, Any] = {"format": FORMAT}
    doc.update({k: v for k, v in recording.meta.items() if k != "streams"})
    doc["streams"] = entries
    _copy_profile_values(recording, out)
    json_path.write_text(
        json.dumps(doc, indent=2, ensure_ascii=False, default=json_default) + "\n",
        encoding="utf-8",
    )
    return json_path


def _copy_profile_values(recording: Recording, out: Path) -> None:
    """A recording read from a folder whose recording.json names a file of
    treadmill and foot-pod values (``profile_values``): the file goes with
    it, byte for byte. A name that leads outside the folder, or a file that
    is not there, is left for the reader to report."""
    entry = recording.meta.get("profile_values")
    if not recording.source or not isinstance(entry, dict):
        return
    name = entry.get("file")
    if not isinstance(name, str) or Path(name).name != name or name in ("", ".", ".."):
        return
    src = Path(recording.source) / name
    if not src.is_file():
        return
    dst = out / name
    if dst.exists() and dst.resolve() == src.resolve():
        return
    shutil.copyfile(src, dst)


def _file_name(stream: Stream, fmt: str, used: set[str]) -> str:
    given = stream.meta.get("file")
    if isinstance(given, str) and given.strip():
        stem = Path(given).stem
    elif stream.kind == SensorKind.IMU:
        stem = f"{stream.side.value}_{stream.placement.value}"
    else:
        stem = f"{stream.side.value}_insole"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "stream"
    name, k = f"{stem}.{fmt}", 2
    while name.lower() in used:
        name, k = f"{stem}_{k}.{fmt}", k + 1
    used.add(name.lower())
    return name


def _stream_entry(stream: Stream, file_name: str) -> dict[str, Any]:
    fixed = ("file", "kind", "side", "placement", "units", *DERIVED_META_KEYS)
    entry: dict[str, Any] = {
        "file": file_name,
        "kind": stream.kind.value,
        "side": stream.side.value,
    }
    if stream.kind == SensorKind.IMU:
        entry["placement"] = stream.placement.value
    entry["units"] = {q: WRITE_UNITS[q] for q in _UNIT_QUANTITIES[stream.kind]}
    entry.update({k: v for k, v in stream.meta.items() if k not in fixed})
    return entry


def stream_entry(stream: Stream, fmt: str, used: set[str]) -> tuple[str, dict[str, Any]]:
    """The file name :func:`write_recording` gives ``stream`` (unique among
    ``used``, which it joins) and the stream's recording.json entry; for a
    writer that writes the rows itself (footfall.capture.recorder)."""
    name = _file_name(stream, fmt, used)
    return name, _stream_entry(stream, name)


WRITE_CHUNK_ROWS = 1 << 16
"""Stream files are written this many rows at a time."""


def _write_stream(stream: Stream, path: Path, fmt: str) -> None:
    # a bounded share of the stream at a time: the unit conversion and the
    # column copies never double a long stream in memory
    n = len(stream.time_s)
    rows = (
        (stream.time_s[a : a + WRITE_CHUNK_ROWS], stream.values[a : a + WRITE_CHUNK_ROWS])
        for a in range(0, max(n, 1), WRITE_CHUNK_ROWS)
    )
    write_stream_rows(path, fmt, stream.kind, stream.columns, rows)


def write_stream_rows(
    path: Path,
    fmt: str,
    kind: SensorKind | str,
    columns: Sequence[str],
    rows: Iterable[tuple[np.ndarray, np.ndarray]],
) -> None:
    """Write one stream file (CSV or Parquet, in the units of
    :data:`footfall.io.units.WRITE_UNITS`) from its rows given a chunk at a
    time as ``(time_s, values)`` in SI units: the bytes do not depend on the
    chunks' sizes as long as they are :data:`WRITE_CHUNK_ROWS` rows (the last
    one shorter), which is how :func:`write_recording` and a capture's
    rebuild (:func:`footfall.capture.recorder.build_recording`) write.

    Raises
    ------
    OSError
        The file cannot be written; the error names it.
    """
    names = list(columns)
    factor: np.ndarray | None = None
    if SensorKind(kind) == SensorKind.IMU:
        factor = np.ones(len(names))
        for i, c in enumerate(names):
            if c in IMU_COLUMNS[:3]:
                factor[i] = 1.0 / to_si_factor("acc", WRITE_UNITS["acc"])
            elif c in IMU_COLUMNS[3:]:
                factor[i] = 1.0 / to_si_factor("gyr", WRITE_UNITS["gyr"])
    header = ["time_s", *names]
    schema = pa.schema([(c, pa.float64()) for c in header])

    def tables() -> Iterator[pa.Table]:
        for t, v in rows:
            if factor is not None:
                v = v * factor
            arrays = [pa.array(t, type=pa.float64())]
            arrays += [pa.array(v[:, i], type=pa.float64()) for i in range(v.shape[1])]
            yield pa.Table.from_arrays(arrays, schema=schema)

    try:
        if fmt == "parquet":
            with pq.ParquetWriter(path, schema) as writer:
                for table in tables():
                    writer.write_table(table)
        else:
            with path.open("wb") as fh:
                fh.write((",".join(header) + "\n").encode())
                for table in tables():
                    pacsv.write_csv(
                        table, fh, write_options=pacsv.WriteOptions(include_header=False)
                    )
    except OSError as e:  # the arrow writers do not say which file
        if e.filename is None:
            raise OSError(e.errno, e.strerror or str(e), str(path)) from e
        raise
    # the arrow pool keeps freed buffers for reuse; a long recording written
    # stream by stream hands them back
    pa.default_memory_pool().release_unused()


def json_default(obj: Any) -> Any:
    """``json.dumps`` ``default=`` for NumPy scalars and arrays and paths."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


# for the readers of other layouts (footfall.io.mapping, footfall.io.infer),
# which build their streams through the same checks and messages
StreamContext = _Ctx
"""How a stream's problems are phrased (subclass to name another place to fix them)."""
load_stream = _load_stream
"""A stream from a table with footfall's column names and its recording.json entry."""
check_condition = _check_condition
"""Check ``meta["condition"]`` (surface, belt speed) in place."""
side_hints = _side_hints
"""The sides a file name points to (a set: empty, one, or both)."""
SIDE_WORDS = {"left": _LEFT_WORDS, "right": _RIGHT_WORDS}
"""The words of a file name that say its side (besides words starting with left / right)."""

__all__ = [
    "FORMAT",
    "SIDE_WORDS",
    "StreamContext",
    "check_condition",
    "load_stream",
    "read_recording",
    "side_from_filename",
    "side_hints",
    "stream_entry",
    "write_recording",
    "write_stream_rows",
]
