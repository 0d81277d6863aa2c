"""Column mapping: reading another vendor's table with a profile.

A profile (a small TOML file, or the name of one footfall ships in
``footfall/io/profiles``) says how a CSV or text export is laid out and which
of its columns are which of footfall's: header lines, separator, decimal
mark, the time base (a time column in s, ms, us, ns or samples, or a sample
rate), and per stream its kind, side, placement, columns, units and an
optional fixed axis remap. :func:`read_mapped` reads a file with a profile
into a :class:`~footfall.model.Recording` (SI units), through the same checks
as a canonical stream file (finite values, time, the unit checks), whose
messages then say what to change in the profile.

>>> rec = read_mapped("1-1_lf.txt", "ipol-xsens")          # doctest: +SKIP
>>> rec = read_mapped("export.csv", "my_watch.toml", side="left")  # doctest: +SKIP

docs/import.md ("Writing a profile") describes every key.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from footfall.errors import RecordingError, safe_text
from footfall.io._table import RawTable, file_format
from footfall.io.canonical import (
    FORMAT,
    StreamContext,
    check_condition,
    load_stream,
    side_hints,
)
from footfall.io.units import normalize_unit
from footfall.model import IMU_COLUMNS, Recording, Stream

__all__ = [
    "PROFILE_DIR",
    "Profile",
    "RECORD_UNITS",
    "StreamMap",
    "find_profile",
    "load_profile",
    "profile_fits",
    "profile_names",
    "read_entry",
    "read_mapped",
    "read_records",
    "read_with_profile",
    "resolve_profile",
]

PROFILE_DIR = Path(__file__).with_name("profiles")
"""The profiles footfall ships, one ``NAME.toml`` each."""

_TOP_KEYS = {"name", "description", "file", "time", "streams"}
_STREAM_KEYS = {
    "kind",
    "side",
    "placement",
    "layout",
    "columns",
    "units",
    "axes",
    "empty_rows",
    "other_columns",
}
_FILE_KEYS = {"skip_lines", "name_lines", "comment", "names_in_comment", "separator", "decimal"}
_TIME_KEYS = {"column", "unit", "rate_hz", "rate_from_header", "counter_modulus", "repeated"}

_SEPARATORS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "|": "|", "auto": None}
_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "samples": None}

# every footfall column a profile can map to, and its quantity
_PRESSURE = re.compile(r"^p([1-9]\d*)$")
_IMU_QUANTITY = {c: c[:3] for c in IMU_COLUMNS}

# units beyond those of recording.json: (unit footfall checks, factor to it)
_EXTRA_UNITS: dict[str, dict[str, tuple[str, float]]] = {
    "acc": {"mg": ("g", 1e-3)},
    "gyr": {"mrad/s": ("rad/s", 1e-3), "mdeg/s": ("deg/s", 1e-3)},
    "pressure": {
        "pa": ("kPa", 1e-3),
        "hpa": ("kPa", 0.1),
        "mbar": ("kPa", 0.1),
        "bar": ("kPa", 100.0),
        "mpa": ("kPa", 1000.0),
        "psi": ("kPa", 6.894757293168361),
        "n/mm2": ("kPa", 1000.0),
    },
    "force": {"n": ("N", 1.0), "kn": ("N", 1000.0), "kgf": ("N", 9.80665)},
}
_UNIT_CHOICES = {
    "acc": "m/s2, g, mg",
    "gyr": "deg/s, rad/s, mdeg/s, mrad/s",
    "pressure": "kPa, N/cm2, Pa, hPa, mbar, bar, MPa, psi, N/mm2",
    "force": "N, kN, kgf",
}

_HZ = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*Hz", re.IGNORECASE)


# --------------------------------------------------------------------------
# the profile
# --------------------------------------------------------------------------


@dataclass
class StreamMap:
    """One stream of a profile: what footfall calls each source column."""

    kind: str
    side: str  # left, right or "from-name"
    placement: str
    columns: dict[str, str]  # source name -> footfall column
    units: dict[str, str]  # footfall column -> unit as written
    layout: str | None = None
    axes: tuple[str, str, str] | None = None
    empty_rows: str = "error"
    other_columns: str = "ignore"  # records: "by-name" reads the others named as footfall's


@dataclass
class Profile:
    """A column-mapping profile, checked (see :func:`load_profile`)."""

    name: str
    path: str
    description: str = ""
    skip_lines: int = 0
    name_lines: int = 1
    comment: str | None = None
    names_in_comment: bool = False
    separator: str | None = None  # None: guessed from the names line
    decimal: str = "."
    time_column: str | None = None
    time_unit: str = "s"
    rate_hz: float | None = None
    rate_from_header: bool = False
    counter_modulus: int | None = None
    repeated: str = "error"
    streams: list[StreamMap] = field(default_factory=list)


def profile_names() -> list[str]:
    """The names of the profiles footfall ships."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def _bad(profile: str, problem: str, fix: str) -> RecordingError:
    return RecordingError(f"profile: {problem}", path=profile, fix=fix)


def load_profile(name_or_path: str | os.PathLike[str]) -> Profile:
    """Read and check a profile: a TOML file's path, or a shipped profile's
    name (:func:`profile_names`).

    Raises
    ------
    RecordingError
        No such profile, not TOML, or a key that is unknown, missing or has a
        bad value; the message names the profile file, the key and the fix.
    """
    from footfall.io.text import read_user_text

    text_name = str(name_or_path)
    p = Path(name_or_path)
    if not p.exists() and p.suffix == "" and (PROFILE_DIR / f"{text_name}.toml").is_file():
        p = PROFILE_DIR / f"{text_name}.toml"
    elif not p.exists():
        raise RecordingError(
            "no such profile file, and no shipped profile has this name.",
            path=text_name,
            fix="give the path of a profile (.toml) or one of the shipped profiles: "
            + ", ".join(profile_names())
            + " (docs/import.md, 'Writing a profile').",
        )
    fix_read = "give a profile written in TOML (docs/import.md, 'Writing a profile')."
    text = read_user_text(p, what="profile", fix=fix_read)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad(str(p), f"is not valid TOML ({exc}).", "correct the line named.") from None
    return _profile_from(doc, str(p))


def _check_keys(doc: dict[str, Any], known: set[str], where: str, path: str) -> None:
    for key in doc:
        if key not in known:
            close = [k for k in sorted(known) if k[:3] == key[:3]]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _bad(
                path,
                f"unknown key '{where}{key}'{hint}.",
                f"remove it or use one of: {', '.join(sorted(known))}.",
            )


def _get(doc: dict[str, Any], key: str, typ: type | tuple[type, ...], where: str, path: str) -> Any:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, typ) or isinstance(value, bool) and typ is not bool:
        names = typ.__name__ if isinstance(typ, type) else " or ".join(t.__name__ for t in typ)
        raise _bad(
            path,
            f"{where}{key} must be a {names}, got {safe_text(repr(value), 60)}.",
            f"write e.g. {where}{key} = {_EXAMPLES.get(key, '...')}.",
        )
    return value


_EXAMPLES = {
    "skip_lines": "1",
    "name_lines": "1",
    "comment": '"#"',
    "names_in_comment": "true",
    "separator": '","',
    "decimal": '"."',
    "column": '"time"',
    "unit": '"s"',
    "rate_hz": "100",
    "rate_from_header": "true",
    "counter_modulus": "65536",
    "repeated": '"keep-first"',
    "kind": '"imu"',
    "side": '"left"',
    "placement": '"foot"',
    "layout": '"moticon16"',
    "empty_rows": '"drop"',
    "name": '"my-sensor"',
    "description": '"..."',
}


def _profile_from(doc: dict[str, Any], path: str) -> Profile:
    _check_keys(doc, _TOP_KEYS | _STREAM_KEYS, "", path)
    prof = Profile(name=str(doc.get("name") or Path(path).stem), path=path)
    prof.description = str(_get(doc, "description", str, "", path) or "")

    f = doc.get("file") or {}
    if not isinstance(f, dict):
        raise _bad(path, "[file] must be a table.", "write [file] on a line of its own.")
    _check_keys(f, _FILE_KEYS, "file.", path)
    for key in ("skip_lines", "name_lines"):
        v = _get(f, key, int, "file.", path)
        if v is not None:
            if v < (1 if key == "name_lines" else 0) or v > 1000:
                raise _bad(
                    path,
                    f"file.{key} is {v}.",
                    f"give a whole number from {1 if key == 'name_lines' else 0} to 1000.",
                )
            setattr(prof, key, v)
    prof.comment = _get(f, "comment", str, "file.", path) or None
    prof.names_in_comment = bool(_get(f, "names_in_comment", bool, "file.", path))
    if prof.names_in_comment and not prof.comment:
        raise _bad(
            path,
            "file.names_in_comment is true but no file.comment is given.",
            'add file.comment = "#" (the mark the header lines start with).',
        )
    sep = _get(f, "separator", str, "file.", path)
    if sep is not None:
        if sep.lower() not in _SEPARATORS:
            raise _bad(
                path,
                f"file.separator {sep!r} is not one footfall reads.",
                'use one of ",", ";", "tab", "|" or "auto".',
            )
        prof.separator = _SEPARATORS[sep.lower()]
    dec = _get(f, "decimal", str, "file.", path)
    if dec is not None:
        if dec not in (".", ","):
            raise _bad(path, f"file.decimal {dec!r} is not a decimal mark.", 'use "." or ",".')
        prof.decimal = dec
    if prof.decimal == "," and prof.separator in (",", None):
        raise _bad(
            path,
            'file.decimal is "," but the separator is "," or guessed.',
            'set file.separator = ";" (or "tab"), as the file has it.',
        )

    t = doc.get("time") or {}
    if not isinstance(t, dict):
        raise _bad(path, "[time] must be a table.", "write [time] on a line of its own.")
    _check_keys(t, _TIME_KEYS, "time.", path)
    prof.time_column = _get(t, "column", str, "time.", path)
    unit = _get(t, "unit", str, "time.", path)
    if unit is not None:
        if unit.lower() not in _TIME_UNITS:
            raise _bad(
                path,
                f"unknown time.unit {unit!r}.",
                'use "s", "ms", "us", "ns" or "samples" (a sample counter, with time.rate_hz).',
            )
        prof.time_unit = unit.lower()
    rate = _get(t, "rate_hz", (int, float), "time.", path)
    if rate is not None:
        if not (math.isfinite(rate) and rate > 0):
            raise _bad(path, f"time.rate_hz is {rate}.", "give the sample rate in Hz, e.g. 100.")
        prof.rate_hz = float(rate)
    prof.rate_from_header = bool(_get(t, "rate_from_header", bool, "time.", path))
    mod = _get(t, "counter_modulus", int, "time.", path)
    if mod is not None:
        if mod < 2:
            raise _bad(
                path, f"time.counter_modulus is {mod}.", "give e.g. 65536 (a 16-bit counter)."
            )
        prof.counter_modulus = mod
    rep = _get(t, "repeated", str, "time.", path)
    if rep is not None:
        if rep not in ("error", "keep-first"):
            raise _bad(path, f"time.repeated {rep!r}.", 'use "error" or "keep-first".')
        prof.repeated = rep
    needs_rate = prof.time_column is None or prof.time_unit == "samples"
    if needs_rate and prof.rate_hz is None and not prof.rate_from_header:
        what = "time.unit is samples" if prof.time_column else "there is no time.column"
        raise _bad(
            path,
            f"{what}, and no sample rate is given.",
            "add time.rate_hz = ... (Hz), or time.rate_from_header = true when a header "
            'line says it ("100 Hz"), or a time.column in seconds.',
        )
    if prof.time_column is None and prof.time_unit != "s" and prof.time_unit != "samples":
        raise _bad(
            path,
            f'time.unit is "{prof.time_unit}" but there is no time.column.',
            "add time.column (the name of the time column), or remove time.unit.",
        )

    entries = doc.get("streams")
    if entries is None:
        entries = [{k: v for k, v in doc.items() if k in _STREAM_KEYS}]
        prefix = [""]
    else:
        inline = [k for k in doc if k in _STREAM_KEYS]
        if inline:
            raise _bad(
                path,
                f"has {inline[0]!r} at the top and [[streams]] tables.",
                f"move {inline[0]!r} into each [[streams]] table.",
            )
        if not isinstance(entries, list) or not entries:
            raise _bad(path, "streams must be [[streams]] tables.", "write [[streams]] tables.")
        prefix = [f"streams[{i + 1}]." for i in range(len(entries))]
    for entry, where in zip(entries, prefix, strict=True):
        if not isinstance(entry, dict):
            raise _bad(path, f"{where or 'streams'} must be a table.", "write [[streams]] tables.")
        prof.streams.append(_stream_map(entry, where, path))
    if len(prof.streams) > 1 and any(sm.kind == "records" for sm in prof.streams):
        raise _bad(
            path,
            "a records stream (running dynamics) must be the profile's only stream.",
            "write a profile of its own for the records table.",
        )
    return prof


def _stream_map(entry: dict[str, Any], where: str, path: str) -> StreamMap:
    _check_keys(entry, _STREAM_KEYS, where, path)
    cols = entry.get("columns")
    if entry.get("other_columns") == "by-name" and cols is None:
        cols = {}
    if not isinstance(cols, dict) or (not cols and entry.get("other_columns") != "by-name"):
        raise _bad(
            path,
            f"no {where}columns.",
            f'add a [{where}columns] table naming each source column: "Acc_X" = "acc_x", ...',
        )
    given_kind = _get(entry, "kind", str, where, path)
    if given_kind is not None and given_kind.strip().lower() == "records":
        return _records_map(entry, cols, where, path)
    columns: dict[str, str] = {}
    seen: dict[str, str] = {}
    for src, dst in cols.items():
        if not isinstance(dst, str):
            raise _bad(
                path,
                f"{where}columns.{src} must name a footfall column, got "
                f"{safe_text(repr(dst), 40)}.",
                f'write "{src}" = "acc_x" (or acc_y ... gyr_z, p1 .. pN, force_n).',
            )
        d = dst.strip().lower()
        if d not in _IMU_QUANTITY and not _PRESSURE.match(d) and d != "force_n":
            raise _bad(
                path,
                f"{where}columns.{src} = {dst!r} is not a footfall column.",
                "map to acc_x, acc_y, acc_z, gyr_x, gyr_y, gyr_z (an IMU) or p1 .. pN, force_n "
                "(an insole).",
            )
        if d in seen:
            raise _bad(
                path,
                f"{where}columns maps both {seen[d]!r} and {src!r} to {d}.",
                "map each footfall column from one source column.",
            )
        seen[d] = src
        columns[src] = d
    mapped = set(columns.values())
    imu = mapped & set(IMU_COLUMNS)
    insole = mapped - imu
    kind = given_kind
    if kind is None:
        kind = "insole" if insole and not imu else "imu"
    kind = kind.strip().lower()
    if kind not in ("imu", "insole"):
        raise _bad(
            path,
            f"unknown {where}kind {kind!r}.",
            'use "imu", "insole" or "records" (a watch\'s running dynamics, one row per record).',
        )
    if kind == "imu":
        missing = [c for c in IMU_COLUMNS if c not in mapped]
        if missing or insole:
            problem = (
                f"{where}columns map no source column to {', '.join(missing)}"
                if missing
                else f"{where}columns of an IMU stream map to {', '.join(sorted(insole))}"
            )
            raise _bad(
                path,
                problem + ".",
                "an IMU stream needs acc_x, acc_y, acc_z, gyr_x, gyr_y, gyr_z (one source "
                "column each); insole columns go in a stream of kind insole.",
            )
    else:
        cells = sorted(int(m.group(1)) for c in mapped if (m := _PRESSURE.match(c)))
        if imu or not cells or cells != list(range(1, len(cells) + 1)):
            raise _bad(
                path,
                f"{where}columns of an insole stream must map p1 .. pN (no gap) and optionally "
                f"force_n; they map {', '.join(sorted(mapped))}.",
                "map one source column to each of p1, p2, ... pN.",
            )
    side = (_get(entry, "side", str, where, path) or "from-name").strip().lower()
    if side not in ("left", "right", "from-name"):
        raise _bad(
            path,
            f"unknown {where}side {side!r}.",
            'use "left", "right" or "from-name" (from the data file\'s name).',
        )
    placement = (_get(entry, "placement", str, where, path) or "foot").strip().lower()
    if placement not in ("foot", "shank"):
        raise _bad(path, f"unknown {where}placement {placement!r}.", 'use "foot" or "shank".')
    units_doc = entry.get("units") or {}
    if not isinstance(units_doc, dict):
        raise _bad(
            path,
            f"{where}units must be a table.",
            f'write [{where}units] with e.g. acc = "g", gyr = "deg/s".',
        )
    units: dict[str, str] = {}
    allowed_q = ("acc", "gyr") if kind == "imu" else ("pressure", "force")
    for key, unit in units_doc.items():
        k = key.strip().lower()
        q = _quantity(k)
        if q is None or (q not in allowed_q):
            raise _bad(
                path,
                f"unknown key {where}units.{key} for an {kind} stream.",
                f"name a quantity ({', '.join(allowed_q)}) or a footfall column of the stream.",
            )
        if q not in ("acc", "gyr", "pressure", "force") or _unit_of(q, unit) is None:
            raise _bad(
                path,
                f"unknown unit {safe_text(repr(unit), 40)} in {where}units.{key}.",
                f"use one of: {_UNIT_CHOICES[q]}.",
            )
        units[k] = str(unit)
    layout = _get(entry, "layout", str, where, path)
    axes = entry.get("axes")
    axes_t: tuple[str, str, str] | None = None
    if axes is not None:
        axes_t = _check_axes(axes, where, path)
        if kind != "imu":
            raise _bad(path, f"{where}axes given for an insole.", f"remove {where}axes.")
    empty = _get(entry, "empty_rows", str, where, path) or "error"
    if empty not in ("error", "drop"):
        raise _bad(path, f"{where}empty_rows {empty!r}.", 'use "error" or "drop".')
    return StreamMap(
        kind=kind,
        side=side,
        placement=placement,
        columns=columns,
        units=units,
        layout=layout,
        axes=axes_t,
        empty_rows=empty,
    )


RECORD_UNITS: dict[str, dict[str, float]] = {
    "cadence_spm": {"steps/min": 1.0, "spm": 1.0, "strides/min": 2.0, "rpm": 2.0},
    "contact_ms": {"ms": 1.0, "s": 1000.0},
    "step_length_m": {"m": 1.0, "cm": 0.01, "mm": 0.001},
    "vertical_oscillation_mm": {"mm": 1.0, "cm": 10.0},
    "speed_mps": {"m/s": 1.0, "km/h": 1.0 / 3.6},
    "distance_m": {"m": 1.0, "km": 1000.0},
}
"""Units a ``records`` profile may give a running-dynamics column in, and
the factor to footfall's (the column name's)."""


def _records_map(entry: dict[str, Any], cols: dict[str, Any], where: str, path: str) -> StreamMap:
    """A stream of kind ``records``: a running-dynamics table (one row per
    record of a watch or foot pod, :mod:`footfall.io.fit`)."""
    from footfall.io.fit import COLUMNS, STRYD_FIELDS

    known = [c for c in COLUMNS if c != "time_s"] + list(STRYD_FIELDS.values())
    other = _get(entry, "other_columns", str, where, path) or "ignore"
    if other not in ("ignore", "by-name"):
        raise _bad(
            path,
            f"{where}other_columns {other!r}.",
            'use "by-name" (read the other columns named as footfall names them) or "ignore".',
        )
    for key in ("side", "placement", "layout", "axes", "empty_rows"):
        if key in entry:
            raise _bad(
                path,
                f"{where}{key} is given for a records stream, which has no {key}.",
                f"remove {where}{key}.",
            )
    columns: dict[str, str] = {}
    for src, dst in cols.items():
        d = dst.strip().lower() if isinstance(dst, str) else ""
        if d not in known and not re.fullmatch(r"dev_[a-z0-9_]+", d):
            raise _bad(
                path,
                f"{where}columns.{src} = {safe_text(repr(dst), 40)} is not a running-dynamics "
                "column.",
                f"map to one of {', '.join(known)}, or dev_<name> for any other.",
            )
        if d in columns.values():
            raise _bad(
                path,
                f"{where}columns maps two source columns to {d}.",
                "map each footfall column from one source column.",
            )
        columns[str(src)] = d
    units_doc = entry.get("units") or {}
    if not isinstance(units_doc, dict):
        raise _bad(
            path, f"{where}units must be a table.", 'write e.g. cadence_spm = "strides/min".'
        )
    units: dict[str, str] = {}
    for key, unit in units_doc.items():
        k = key.strip().lower()
        table = RECORD_UNITS.get(k)
        if table is None:
            raise _bad(
                path,
                f"unknown key {where}units.{key} for a records stream.",
                f"give units for {', '.join(RECORD_UNITS)} only; other columns are read in "
                "the units their names say.",
            )
        if not isinstance(unit, str) or unit.strip().lower() not in table:
            raise _bad(
                path,
                f"unknown unit {safe_text(repr(unit), 40)} in {where}units.{key}.",
                f"use one of: {', '.join(table)}.",
            )
        units[k] = unit.strip().lower()
    return StreamMap(
        kind="records",
        side="",
        placement="",
        columns=columns,
        units=units,
        empty_rows="error",
        other_columns=other,
    )


def _quantity(key: str) -> str | None:
    if key in ("acc", "gyr", "pressure", "force"):
        return key
    if key in _IMU_QUANTITY:
        return _IMU_QUANTITY[key]
    if _PRESSURE.match(key):
        return "pressure"
    if key == "force_n":
        return "force"
    return None


def _unit_of(quantity: str, unit: Any) -> tuple[str, float] | None:
    """The unit footfall checks and reads (as in recording.json) and the
    factor to it, or None for an unknown unit."""
    if not isinstance(unit, str):
        return None
    if quantity != "force":
        known = normalize_unit(quantity, unit)
        if known is not None:
            return known, 1.0
    key = unit.strip().lower().replace(" ", "").replace("²", "2").replace("°", "deg")
    return _EXTRA_UNITS[quantity].get(key)


def _check_axes(axes: Any, where: str, path: str) -> tuple[str, str, str]:
    fix = (
        f'write {where}axes = ["y", "-x", "z"]: footfall\'s x, y, z are the source\'s y, -x '
        "and z (each source axis once, with a sign, as a rotation: no mirror image)."
    )
    if not isinstance(axes, list) or len(axes) != 3 or not all(isinstance(a, str) for a in axes):
        raise _bad(path, f"{where}axes must list three axes.", fix)
    norm = [a.strip().lower() for a in axes]
    letters = [a.lstrip("+-") for a in norm]
    if sorted(letters) != ["x", "y", "z"]:
        raise _bad(path, f"{where}axes {axes!r} does not name x, y and z once each.", fix)
    if round(float(np.linalg.det(_axes_matrix(norm)))) != 1:
        raise _bad(
            path,
            f"{where}axes {axes!r} is a mirror image, not a rotation: the gyroscope's "
            "sense of turning would be reversed.",
            fix,
        )
    return (norm[0], norm[1], norm[2])


def _axes_matrix(axes: list[str] | tuple[str, ...]) -> np.ndarray:
    m = np.zeros((3, 3))
    for i, a in enumerate(axes):
        m[i, "xyz".index(a.lstrip("+-"))] = -1.0 if a.startswith("-") else 1.0
    return m


# --------------------------------------------------------------------------
# reading a file with a profile
# --------------------------------------------------------------------------


class _ProfileCtx(StreamContext):
    """How to phrase a fix when the data was read with a profile: change the
    profile (or the options that override it)."""

    def __init__(self, file: Path, profile: Profile, where: str):
        super().__init__(file=file, json_path=None)
        self.profile = profile
        self.where = where

    def fix_value(self, key: str, allowed: list[str]) -> str:
        choices = " or ".join(f'"{a}"' for a in allowed)
        return f"set {self.where}{key} = {choices} in the profile {self.profile.path}."

    def fix_unit(self, quantity: str, unit: str) -> str:
        return (
            f'set {self.where}units.{quantity} = "{unit}" in the profile {self.profile.path} '
            "(or correct the profile's column mapping)."
        )


class _MappedTable(RawTable):
    """A table built from a mapped file: positions are the file's lines."""

    def __init__(self, path: Path, table: pa.Table, first_line: int, rows: np.ndarray | None):
        super().__init__(path, "csv", table)
        self._first = first_line
        self._rows = rows

    def where(self, row: int) -> str:
        r = int(self._rows[row]) if self._rows is not None else row
        if self._first < 0:
            return f"row {r + 1}"
        return f"line {self._first + r}"


def read_mapped(
    path: str | os.PathLike[str],
    profile: str | os.PathLike[str] | Profile,
    *,
    side: str | None = None,
    placement: str | None = None,
    surface: str | None = None,
    speed_mps: float | None = None,
    check_units: bool = True,
    stream: int | None = None,
    units: dict[str, str] | None = None,
) -> Recording:
    """Read one data file with a column-mapping profile.

    Parameters
    ----------
    path
        The data file (CSV or other delimited text, whatever its extension;
        or Parquet, whose own column names are mapped).
    profile
        A profile's path, a shipped profile's name, or a loaded
        :class:`Profile`.
    side, placement
        Override the profile's side and placement (a profile of one stream).
    surface, speed_mps
        The running condition, as for :func:`footfall.io.read_recording`.
    check_units
        As for :func:`footfall.io.read_recording`.
    stream
        Read only this stream of the profile (1-based: its ``[[streams]]``
        table); None: every stream.
    units
        Units that replace the profile's for the stream(s) read (by quantity
        or footfall column, as in a profile's ``units``).

    Returns
    -------
    Recording
        One stream per ``[[streams]]`` table of the profile, in SI units;
        each stream's ``meta`` holds ``units`` as the profile gave them, the
        ``profile``'s name and, when rows were dropped (``empty_rows =
        "drop"``, ``time.repeated = "keep-first"``), ``dropped_rows``.

    Raises
    ------
    RecordingError
        A bad profile (naming the profile file, the key and the fix), or a
        data file that does not fit it (naming the data file and the profile).
    """
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    p = Path(path)
    if prof.streams[0].kind == "records":
        raise RecordingError(
            f"the profile {prof.path} reads a running-dynamics table (kind records), which "
            "is analysed on its own, not as a sensor's stream.",
            path=str(p),
            fix=f"analyse it alone: footfall analyze {p.name} --map {prof.name}",
        )
    if not p.is_file():
        raise RecordingError(
            "no such file." if not p.exists() else "is not a file.",
            path=str(p),
            fix="give the path of the data file to read with the profile.",
        )
    chosen = list(enumerate(prof.streams))
    if stream is not None:
        if not 1 <= stream <= len(prof.streams):
            raise RecordingError(
                f"the profile {prof.path} has {len(prof.streams)} stream(s), no stream {stream}.",
                path=str(path),
                fix=f"give a stream from 1 to {len(prof.streams)}.",
            )
        chosen = [chosen[stream - 1]]
    if (side is not None or placement is not None) and len(chosen) != 1:
        raise RecordingError(
            f"--side and --placement apply to a profile of one stream; the profile "
            f"{prof.path} describes {len(prof.streams)}.",
            path=str(p),
            fix="leave out --side and --placement: the profile sets each stream's.",
        )
    header_lines, names, first_line, table = _read_file(p, prof)
    by_name: dict[str, str] = {}
    for n in names:
        by_name.setdefault(_key(n), n)
    n_rows = table.num_rows

    time_s, keep_time = _time_axis(p, prof, table, by_name, header_lines, n_rows)
    streams: list[Stream] = []
    for i, sm in chosen:
        where = "" if len(prof.streams) == 1 else f"streams[{i + 1}]."
        if units:
            sm = replace(sm, units={**sm.units, **{k.strip().lower(): v for k, v in units.items()}})
        streams.append(
            _mapped_stream(
                p,
                prof,
                sm,
                where,
                table,
                by_name,
                names,
                time_s,
                keep_time,
                first_line,
                index=i + 1,
                side=side,
                placement=placement,
                check_units=check_units,
            )
        )
    meta: dict[str, Any] = {
        "format": FORMAT,
        "import": {"file": p.name, "profile": prof.name},
    }
    cond: dict[str, Any] = {}
    if surface is not None:
        cond["surface"] = surface
    if speed_mps is not None:
        cond["speed_mps"] = speed_mps
    if cond:
        meta["condition"] = cond
    check_condition(meta, ctx=StreamContext(file=p))
    return Recording(streams=streams, meta=meta, source=str(p))


def _key(name: str) -> str:
    return name.strip().lower()


def _read_header(p: Path, prof: Profile) -> tuple[list[str], list[str], int, str]:
    """(header lines skipped, column names, number of lines before the data,
    separator) of a text file read with ``prof``."""
    try:
        with p.open("r", encoding="utf-8-sig", newline="") as fh:
            lines: list[str] = []
            limit = prof.skip_lines + prof.name_lines + 1000
            for _ in range(limit):
                line = fh.readline()
                if not line:
                    break
                lines.append(line.rstrip("\r\n"))
    except UnicodeDecodeError:
        raise RecordingError(
            "is not UTF-8 text.",
            path=str(p),
            fix="export it as UTF-8 text, or check it is the file the profile is for.",
        ) from None
    except OSError as exc:
        raise RecordingError(
            f"cannot be read ({exc.strerror}).",
            path=str(p),
            fix="check the file exists and that you may read it.",
        ) from None
    k = prof.skip_lines
    if prof.comment:
        while k < len(lines) and lines[k].startswith(prof.comment):
            k += 1
        if prof.names_in_comment:
            if k == prof.skip_lines:
                raise RecordingError(
                    f"has no header lines starting with {prof.comment!r}, as the profile "
                    f"{prof.path} expects.",
                    path=str(p),
                    fix="check that this is the export the profile is for.",
                )
            k -= prof.name_lines
    header = lines[:k]
    name_rows = lines[k : k + prof.name_lines]
    if len(name_rows) < prof.name_lines:
        raise RecordingError(
            f"ends before its column names (line {k + 1}), as the profile {prof.path} places them.",
            path=str(p),
            fix="check file.skip_lines and file.name_lines in the profile, or the file.",
        )
    if prof.names_in_comment and prof.comment:
        name_rows = [r[len(prof.comment) :] for r in name_rows]
    sep = prof.separator
    if sep is None:
        counts = {d: name_rows[-1].count(d) for d in (",", ";", "\t", "|")}
        sep = max(counts, key=lambda d: counts[d])
        if counts[sep] == 0:
            sep = ","
    parts = [next(csv.reader(io.StringIO(r), delimiter=sep), []) for r in name_rows]
    width = max(len(r) for r in parts)
    names = []
    for j in range(width):
        cells = [r[j].strip() for r in parts if j < len(r) and r[j].strip()]
        names.append("/".join(cells) or f"column {j + 1}")
    return header, names, k + prof.name_lines, sep


def _read_file(p: Path, prof: Profile) -> tuple[list[str], list[str], int, pa.Table]:
    """(header lines skipped, column names, line number of the first data
    row or -1 for Parquet, the table)."""
    if file_format(p) == "parquet":
        from footfall.io._table import read_table

        raw = read_table(p)
        return [], list(raw.table.column_names), -1, raw.table
    import pyarrow.csv as pacsv

    header, names, n_head, sep = _read_header(p, prof)
    have = {_key(n) for n in names}
    wanted = [(c, f'columns."{c}"') for sm in prof.streams for c in sm.columns]
    if prof.time_column is not None:
        wanted.insert(0, (prof.time_column, "time.column"))
    for src, key in wanted:  # before the data is parsed: a file of another layout
        if _key(src) not in have:
            _column(p, prof, pa.table({}), {}, src, key, names=names)
    # only the columns the profile reads are parsed (as numbers): the others
    # may hold anything, dates and text included
    needed = {_key(src) for src, _ in wanted}
    if any(sm.other_columns == "by-name" for sm in prof.streams):
        from footfall.io.fit import COLUMNS, STRYD_FIELDS

        named = set(COLUMNS) | set(STRYD_FIELDS.values())
        needed |= {k for k in have if k in named or k.startswith("dev_")}
    unique: list[str] = []
    seen: dict[str, int] = {}
    for n in names:
        k = _key(n)
        seen[k] = seen.get(k, 0) + 1
        if seen[k] > 1 and k in needed:
            raise RecordingError(
                f"has two columns named {safe_text(n, 40)!r}, which the profile {prof.path} reads.",
                path=str(p),
                fix="rename one of them in the file, or check file.skip_lines and "
                "file.name_lines in the profile (with 2 name lines a column's name joins "
                "its cells with '/').",
            )
        unique.append(n if seen[k] == 1 else f"{n} ({seen[k]})")
    names = unique
    include = [n for n in names if _key(n) in needed]
    try:
        table = pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(skip_rows=n_head, column_names=names, encoding="utf-8"),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=True,
                decimal_point=prof.decimal,
                include_columns=include,
                column_types={n: pa.float64() for n in include},
            ),
        )
    except pa.ArrowInvalid as exc:
        msg = str(exc).splitlines()[0]
        sep_name = {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "bars"}[sep]
        raise RecordingError(
            f"cannot be read with the profile {prof.path}: {safe_text(msg, 200)}.",
            path=str(p),
            fix=f"every data line must hold {len(names)} values separated by {sep_name}, "
            f"numbers with {prof.decimal!r} as the decimal mark; check file.separator, "
            "file.decimal and the header lines in the profile, or the file.",
        ) from None
    except (OSError, pa.ArrowException) as exc:
        raise RecordingError(
            f"cannot be read as text ({safe_text(str(exc).splitlines()[0], 200)}).",
            path=str(p),
            fix="check that it is the text export the profile is for.",
        ) from None
    return header, names, n_head + 1, table


def _column(
    p: Path,
    prof: Profile,
    table: pa.Table,
    by_name: dict[str, str],
    src: str,
    key: str,
    *,
    names: list[str] | None = None,
) -> np.ndarray:
    name = by_name.get(_key(src))
    if name is None:
        listed = names if names is not None else list(by_name.values())
        found = ", ".join(safe_text(n, 40) for n in listed[:30])
        raise RecordingError(
            f"has no column {src!r}, which the profile {prof.path} maps ({key}). "
            f"Columns found: {found}.",
            path=str(p),
            fix=f"correct {key} in the profile to the file's column name, or give the file the "
            "profile is for.",
        )
    col = table.column(name)
    if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type)):
        raise RecordingError(
            f"column {name!r} does not hold numbers.",
            path=str(p),
            fix="check the file, or map another column in the profile.",
        )
    return np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)


def _time_axis(
    p: Path,
    prof: Profile,
    table: pa.Table,
    by_name: dict[str, str],
    header: list[str],
    n: int,
) -> tuple[np.ndarray, np.ndarray | None]:
    """time_s of every row, and the rows kept (None: all)."""
    rate = prof.rate_hz
    if prof.rate_from_header and rate is None:
        for line in header:
            m = _HZ.search(line)
            if m:
                rate = float(m.group(1))
                break
        if rate is None or not rate > 0:
            raise RecordingError(
                f"no header line gives the sample rate (e.g. '100 Hz'), which the profile "
                f"{prof.path} reads from the header (time.rate_from_header).",
                path=str(p),
                fix="add time.rate_hz to the profile.",
            )
    if prof.time_column is None:
        assert rate is not None
        return np.arange(n, dtype=np.float64) / rate, None
    t = _column(p, prof, table, by_name, prof.time_column, "time.column")
    if prof.counter_modulus is not None:
        step = np.diff(t)
        wraps = np.concatenate(([0.0], np.cumsum(step < -prof.counter_modulus / 2)))
        t = t + wraps * prof.counter_modulus
    keep = None
    if prof.repeated == "keep-first":
        # a row whose time is not past every earlier row's is a repeated
        # sample (a radio link sending a packet twice): left out, and counted
        finite = np.where(np.isfinite(t), t, -np.inf)
        prev = np.concatenate(([-np.inf], np.maximum.accumulate(finite)[:-1]))
        ok = (finite > prev) | ~np.isfinite(t)  # a missing time is reported, not dropped
        if not ok.all():
            keep = np.flatnonzero(ok)
    if prof.time_unit == "samples":
        assert rate is not None
        t = t / rate
    else:
        t = t * float(_TIME_UNITS[prof.time_unit] or 1.0)
    return t, keep


def _mapped_stream(
    p: Path,
    prof: Profile,
    sm: StreamMap,
    where: str,
    table: pa.Table,
    by_name: dict[str, str],
    names: list[str],
    time_s: np.ndarray,
    keep_time: np.ndarray | None,
    first_line: int,
    *,
    index: int,
    side: str | None,
    placement: str | None,
    check_units: bool,
) -> Stream:
    side_v = side or sm.side
    if side_v == "from-name":
        hints = side_hints(p.name)
        if len(hints) != 1:
            why = "names both sides" if hints else "does not say which foot it is"
            raise RecordingError(
                f"the file name {why}, and the profile {prof.path} takes the side from it.",
                path=str(p),
                fix='pass --side left or --side right, put "left" or "right" in the file name, '
                f'or set {where}side = "left" in the profile.',
            )
        side_v = next(iter(hints)).value
    # the columns in footfall's order, each converted to the unit footfall checks
    values: dict[str, np.ndarray] = {}
    quantity_unit: dict[str, str] = {}
    declared: dict[str, str] = {}
    for src, dst in sm.columns.items():
        v = _column(p, prof, table, by_name, src, f'{where}columns."{src}"')
        q = _quantity(dst)
        assert q is not None
        written = sm.units.get(dst) or sm.units.get(q)
        if written is None:
            written = {"acc": "m/s2", "gyr": "deg/s", "pressure": "kPa", "force": "N"}[q]
        unit_f = _unit_of(q, written)
        if unit_f is None:
            raise RecordingError(
                f"unknown {q} unit {safe_text(repr(written), 40)} for {p.name}.",
                path=str(p),
                fix=f"use one of: {_UNIT_CHOICES[q]}.",
            )
        unit, factor = unit_f
        if q != "force":
            if quantity_unit.setdefault(q, unit) != unit:
                raise RecordingError(
                    f"profile: the {q} columns of {where.rstrip('.') or 'the stream'} are in "
                    f"different units ({quantity_unit[q]} and {unit}).",
                    path=prof.path,
                    fix=f"give all {q} columns one unit, e.g. {where}units.{q} = "
                    f'"{quantity_unit[q]}".',
                )
            declared.setdefault(q, str(written))
        values[dst] = v * factor if factor != 1.0 else v
    if sm.axes is not None:
        m = _axes_matrix(sm.axes)
        for q in ("acc", "gyr"):
            src_xyz = np.column_stack([values[f"{q}_{a}"] for a in "xyz"])
            out = src_xyz @ m.T
            for j, a in enumerate("xyz"):
                values[f"{q}_{a}"] = out[:, j]
    rows = keep_time
    dropped: dict[str, int] = {}
    if keep_time is not None:
        dropped["repeated_time"] = int(len(time_s) - len(keep_time))
    if sm.empty_rows == "drop":
        block = np.column_stack(list(values.values()))
        empty = ~np.isfinite(block).any(axis=1)
        if rows is not None:
            sel = rows[~empty[rows]]
        else:
            sel = np.flatnonzero(~empty)
        if len(sel) < (len(rows) if rows is not None else len(time_s)):
            dropped["empty"] = int((len(rows) if rows is not None else len(time_s)) - len(sel))
            rows = sel
    if rows is not None and len(rows) == 0:
        raise RecordingError(
            f"has no row with values for {where.rstrip('.') or 'the stream'} of the profile "
            f"{prof.path}.",
            path=str(p),
            fix="check the file, or the profile's columns.",
        )
    cols: list[str]
    if sm.kind == "imu":
        cols = list(IMU_COLUMNS)
    else:
        cells = sorted((c for c in values if _PRESSURE.match(c)), key=lambda c: int(c[1:]))
        cols = cells + (["force_n"] if "force_n" in values else [])
    arrays = [time_s if rows is None else time_s[rows]]
    arrays += [values[c] if rows is None else values[c][rows] for c in cols]
    t = pa.Table.from_arrays([pa.array(a, type=pa.float64()) for a in arrays], ["time_s", *cols])
    entry: dict[str, Any] = {"file": p.name, "kind": sm.kind, "side": side_v}
    if sm.kind == "imu":
        entry["placement"] = placement or sm.placement
    if sm.layout:
        entry["layout"] = sm.layout
    entry["units"] = dict(quantity_unit)
    ctx = _ProfileCtx(p, prof, where)
    stream = load_stream(
        _MappedTable(p, t, first_line, rows), entry, ctx=ctx, check_units=check_units
    )
    stream.meta["units"] = declared
    stream.meta["imported_with"] = {"profile": prof.name}
    if len(prof.streams) > 1:
        stream.meta["imported_with"]["stream"] = index
    if dropped:
        stream.meta["dropped_rows"] = dropped
    if len(prof.streams) > 1:  # one time column: the streams of the file share one clock
        stream.meta.setdefault("clock", f"{p.name} ({prof.name})")
    if len(prof.streams) > 1:
        stream.name = f"{p.stem} {side_v} {sm.kind if sm.kind == 'insole' else sm.placement}"
    del names
    return stream


# --------------------------------------------------------------------------
# a running-dynamics table (kind "records")
# --------------------------------------------------------------------------


def read_records(path: str | os.PathLike[str], profile: str | os.PathLike[str] | Profile) -> Any:
    """Read a running-dynamics table (a watch's or foot pod's records, one
    row per record) with a profile of kind ``records``.

    Returns
    -------
    footfall.io.fit.FitRecording
        ``columns`` in footfall's names and units (:data:`footfall.io.fit.COLUMNS`);
        ``interval_s`` computed from the times when the table has none (0
        after a gap of more than :data:`footfall.io.fit.MAX_INTERVAL_S`);
        laps from ``lap_start_s`` when the table has it.
    """
    from footfall.io.checks import check_time
    from footfall.io.fit import MAX_INTERVAL_S, FitRecording, record_intervals

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    p = Path(path)
    sm = prof.streams[0]
    if sm.kind != "records":
        raise RecordingError(
            f"the profile {prof.path} reads sensor streams, not a running-dynamics table.",
            path=str(p),
            fix="give a profile of kind records (e.g. fit-table).",
        )
    if not p.is_file():
        raise RecordingError(
            "no such file." if not p.exists() else "is not a file.",
            path=str(p),
            fix="give the path of the table to read with the profile.",
        )
    header, names, first_line, table = _read_file(p, prof)
    by_name: dict[str, str] = {}
    for n in names:
        by_name.setdefault(_key(n), n)
    t, keep = _time_axis(p, prof, table, by_name, header, table.num_rows)
    rows = keep if keep is not None else np.arange(len(t))
    t = t[rows]
    where = (
        (lambda i: f"line {first_line + int(rows[i])}")
        if first_line >= 0
        else (lambda i: f"row {int(rows[i]) + 1}")
    )
    if not np.isfinite(t).all():
        bad = int(np.flatnonzero(~np.isfinite(t))[0])
        raise RecordingError(
            f"the time is missing at {where(bad)}.",
            path=str(p),
            fix="delete the rows without a time, or check time.column in the profile.",
        )
    check_time(t, path=str(p), where=where, check_rate=False)
    columns: dict[str, np.ndarray] = {"time_s": t - t[0]}
    for src, dst in sm.columns.items():
        v = _column(p, prof, table, by_name, src, f'columns."{src}"')[rows]
        unit = sm.units.get(dst)
        if unit is not None:
            v = v * RECORD_UNITS[dst][unit]
        columns[dst] = v
    if sm.other_columns == "by-name":
        from footfall.io.fit import COLUMNS, STRYD_FIELDS

        mapped_src = {_key(c) for c in sm.columns} | {_key(prof.time_column or "")}
        named = set(COLUMNS) | set(STRYD_FIELDS.values())
        for n in names:
            k = _key(n)
            if k in mapped_src or k in columns or not (k in named or k.startswith("dev_")):
                continue
            columns[k] = _column(p, prof, table, by_name, n, "other_columns")[rows]
    if "lap_start_s" in columns:
        columns["lap_start_s"] = columns["lap_start_s"] - t[0]
    gaps: list[list[float]] = []
    if "interval_s" not in columns:
        columns["interval_s"], gaps = record_intervals(columns["time_s"], [], MAX_INTERVAL_S)
    laps = []
    if "lap_start_s" in columns:
        starts = columns["lap_start_s"]
        for a in np.unique(starts[np.isfinite(starts)]):
            inside = starts == a
            laps.append(
                {
                    "start_s": float(a),
                    "end_s": float(columns["time_s"][inside].max()),
                    "n_records": int(inside.sum()),
                    "averages": {},
                }
            )
    from footfall.io.fit import COLUMNS

    ordered = {c: columns[c] for c in COLUMNS if c in columns}
    ordered.update({c: v for c, v in columns.items() if c not in ordered})
    meta: dict[str, Any] = {
        "format": "records",
        "import": {"file": p.name, "profile": prof.name},
        "device": None,
        "sport": None,
        "n_records": len(t),
        "laps": laps,
        "session": {},
        "pauses": [],
        "gaps": gaps,
        "developer_fields": {},
        "truncated": False,
    }
    notes = []
    if keep is not None:
        notes.append(
            f"{len(rows) - len(t) + (table.num_rows - len(rows))} repeated row(s) left out"
        )
    return FitRecording(columns=ordered, meta=meta, notes=notes, source=str(p))


def read_with_profile(
    path: str | os.PathLike[str], profile: str | os.PathLike[str] | Profile, **options: Any
) -> Any:
    """:func:`read_records` for a profile of kind ``records``, else
    :func:`read_mapped` (``options`` passed on): a
    :class:`~footfall.io.fit.FitRecording` or a :class:`~footfall.model.Recording`."""
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    if prof.streams[0].kind == "records":
        given = [
            k for k, v in options.items() if v is not None and k not in ("surface", "speed_mps")
        ]
        if given:
            names = ", ".join("--" + k.replace("_", "-") for k in given)
            raise RecordingError(
                f"{names} cannot be used with the profile {prof.name}: a running-dynamics "
                "table has no sides or placements.",
                path=str(path),
                fix=f"leave out {names}.",
            )
        return read_records(path, prof)
    return read_mapped(path, prof, **options)


# --------------------------------------------------------------------------
# which profile fits a file; a recording.json entry read with a profile
# --------------------------------------------------------------------------


def profile_fits(path: str | os.PathLike[str], prof: Profile) -> bool:
    """True when ``path``'s header has every column ``prof`` maps (its time
    column included), read as the profile lays the file out."""
    p = Path(path)
    try:
        if file_format(p) == "parquet":
            import pyarrow.parquet as pq

            names = list(pq.read_schema(p).names)
        else:
            names = _read_header(p, prof)[1]
    except (RecordingError, OSError, pa.ArrowException, StopIteration, ValueError):
        return False
    have = {_key(n) for n in names}
    need = {_key(c) for sm in prof.streams for c in sm.columns}
    if prof.time_column is not None:
        need.add(_key(prof.time_column))
    return need <= have


def find_profile(path: str | os.PathLike[str]) -> Profile | None:
    """The first shipped profile (by name) that fits ``path``, or None."""
    for name in profile_names():
        prof = load_profile(name)
        if profile_fits(path, prof):
            return prof
    return None


def resolve_profile(name: str, folder: Path) -> Profile:
    """A profile named in a recording.json: a shipped profile's name, or a
    path relative to the recording folder."""
    p = Path(name)
    if not p.is_absolute() and (folder / p).exists():
        return load_profile(folder / p)
    return load_profile(name)


def read_entry(file: Path, entry: dict[str, Any], *, json_path: Path, check_units: bool) -> Stream:
    """One stream of a recording folder whose recording.json entry names a
    ``profile`` (and, for a profile of several streams, ``profile_stream``):
    the file read with it, the entry's side, placement and units winning
    over the profile's."""
    name = entry["profile"]
    if not isinstance(name, str) or not name.strip():
        raise RecordingError(
            f'the "profile" of stream "{file.name}" must be a profile\'s name or path.',
            path=str(json_path),
            fix='write e.g. "profile": "ipol-xsens", or remove it for a footfall stream file.',
        )
    prof = resolve_profile(name, json_path.parent)
    k = entry.get("profile_stream")
    if k is None and len(prof.streams) > 1:
        raise RecordingError(
            f'stream "{file.name}": the profile {prof.name} describes {len(prof.streams)} '
            'streams and the entry does not say which ("profile_stream").',
            path=str(json_path),
            fix=f'add "profile_stream": 1 (to {len(prof.streams)}) to the entry.',
        )
    if k is not None and (not isinstance(k, int) or isinstance(k, bool)):
        raise RecordingError(
            f'"profile_stream" of stream "{file.name}" must be a whole number.',
            path=str(json_path),
            fix=f'write "profile_stream": 1 (to {len(prof.streams)}).',
        )
    units = entry.get("units")
    if units is not None and not isinstance(units, dict):
        raise RecordingError(
            f'"units" of stream "{file.name}" must be an object like {{"acc": "m/s2"}}.',
            path=str(json_path),
            fix='write e.g. "units": {"acc": "m/s2", "gyr": "deg/s"}.',
        )
    for key, unit in (units or {}).items():
        q = _quantity(str(key).strip().lower())
        if q is None or _unit_of(q, unit) is None:
            raise RecordingError(
                f'"units" of stream "{file.name}": unknown unit {safe_text(repr(unit), 40)} '
                f"for {safe_text(str(key), 20)!r}.",
                path=str(json_path),
                fix=f"use one of: {_UNIT_CHOICES.get(q or 'acc')}.",
            )
    side = entry.get("side")
    placement = entry.get("placement")
    for key, value, allowed in (
        ("side", side, ("left", "right")),
        ("placement", placement, ("foot", "shank")),
    ):
        if value is not None and str(value).strip().lower() not in allowed:
            raise RecordingError(
                f'unknown {key} {safe_text(repr(value), 40)} for stream "{file.name}".',
                path=str(json_path),
                fix=f'set "{key}" to ' + " or ".join(f'"{a}"' for a in allowed) + ".",
            )
    kind = entry.get("kind")
    sm = (
        prof.streams[(k if k is not None else 1) - 1]
        if 1 <= (k or 1) <= len(prof.streams)
        else None
    )
    if kind is not None and sm is not None and str(kind).strip().lower() != sm.kind:
        raise RecordingError(
            f'stream "{file.name}" is of kind {safe_text(repr(kind), 20)}, but the profile '
            f"{prof.name} reads an {sm.kind} stream from it.",
            path=str(json_path),
            fix=f'set "kind": "{sm.kind}", or name the profile (and "profile_stream") that '
            "reads this stream.",
        )
    rec = read_mapped(
        file,
        prof,
        side=None if side is None else str(side).strip().lower(),
        placement=None if placement is None else str(placement).strip().lower(),
        check_units=check_units,
        stream=k if k is not None else 1,
        units={str(q): str(u) for q, u in (units or {}).items()},
    )
    s = rec.streams[0]
    declared = s.meta
    meta = {k2: v for k2, v in entry.items() if k2 not in ("profile", "profile_stream", "units")}
    meta["units"] = declared.get("units", {})
    for k2 in ("gaps", "dropped_rows", "imported_with"):
        if k2 in declared:
            meta[k2] = declared[k2]
    if "clock" in declared:
        meta.setdefault("clock", declared["clock"])
    if k is not None:  # one of several streams of the file: not the file's name when written
        meta.pop("file", None)
    s.meta = meta
    s.name = file.name if k is None else f"{file.name} [{k}]"
    return s
