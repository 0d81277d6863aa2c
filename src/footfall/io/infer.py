"""What a set of stream files holds, inferred: for ``footfall init DIR``
(which writes it as recording.json) and ``footfall analyze a.csv b.csv``
(which analyses the files as one recording, writing nothing).

For each file: the **kind** from its columns (``acc_x .. gyr_z``: an IMU;
``p1 .. pN``: an insole) or from the shipped profile whose layout it has
(:mod:`footfall.io.mapping`); the **side** from its name (``left``, ``l``,
``lf``, ``links``, ``gauche``, ... see :data:`LEFT_WORDS`); the **placement**
from its name (``shank``, ``tibia``, ``shin``: the shank; otherwise the
foot); the **units** of an IMU from its data, with the unit checks every
stream passes when read (:func:`footfall.io.checks.check_imu_units`): the
units the data rules out are not taken, and where the data cannot tell, the
default (m/s2, deg/s) is assumed and said so. Every inference says how it
was made (:attr:`Inferred.how`), so that the user can check it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from footfall.errors import RecordingError, safe_text
from footfall.io.canonical import FORMAT, RECORDING_JSON, SIDE_WORDS, read_recording
from footfall.model import Recording, Side, Stream

__all__ = [
    "LEFT_WORDS",
    "RIGHT_WORDS",
    "SHANK_WORDS",
    "STREAM_FILE_SUFFIXES",
    "Inferred",
    "describe",
    "infer_files",
    "placement_from_name",
    "read_files",
    "recording_document",
    "side_from_name",
    "stream_files",
]

LEFT_WORDS = frozenset({"links", "gauche", "izquierda", "izquierdo", "sinistra"})
"""Words for left beyond those footfall reads everywhere (``left``, ``l``,
``lf``, ``lft``: :func:`footfall.io.side_from_filename`)."""

RIGHT_WORDS = frozenset({"rechts", "droite", "derecha", "derecho", "destra"})
"""Words for right beyond ``right``, ``r``, ``rf``, ``rgt``, ``rht``."""

SHANK_WORDS = frozenset({"shank", "tibia", "shin", "leg", "calf", "unterschenkel"})
"""A file name with one of these words is a shank IMU."""

STREAM_FILE_SUFFIXES = (".csv", ".parquet", ".pq", ".txt", ".tsv")
"""The files of a folder :func:`stream_files` looks at."""

_ORDER = ((0, "m/s2", "deg/s"), (1, "g", "deg/s"), (2, "m/s2", "rad/s"), (3, "g", "rad/s"))


@dataclass
class Inferred:
    """One stream found in a file: its recording.json entry and how each
    of its values was found."""

    path: Path
    entry: dict[str, Any]
    how: dict[str, str] = field(default_factory=dict)
    stream: Stream | None = None


def _words(name: str) -> list[str]:
    stem = Path(name).stem
    return re.split(r"[^a-z]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", stem).lower())


def side_from_name(name: str) -> tuple[Side | None, str]:
    """The side a file name says and the word that says it; (None, why)
    when it names none or both."""
    hints: dict[Side, str] = {}
    for w in _words(name):
        if w in SIDE_WORDS["left"] or w in LEFT_WORDS or w.startswith("left"):
            hints.setdefault(Side.LEFT, w)
        if w in SIDE_WORDS["right"] or w in RIGHT_WORDS or w.startswith("right"):
            hints.setdefault(Side.RIGHT, w)
    if len(hints) != 1:
        return None, "names both sides" if hints else "does not say which foot it is"
    side, word = next(iter(hints.items()))
    return side, word


def placement_from_name(name: str) -> str | None:
    """``"shank"`` when a word of the file name says so (:data:`SHANK_WORDS`),
    else None (the foot is assumed)."""
    for w in _words(name):
        if w in SHANK_WORDS:
            return w
    return None


def stream_files(folder: str | os.PathLike[str]) -> list[Path]:
    """The files of ``folder`` that may be streams (by suffix), by name."""
    return sorted(
        (
            f
            for f in Path(folder).iterdir()
            if f.is_file() and f.suffix.lower() in STREAM_FILE_SUFFIXES
        ),
        key=lambda f: f.name,
    )


def _columns(path: Path) -> list[str] | None:
    """The lower-case column names of a footfall stream file, or None when
    it is not a CSV or Parquet file footfall reads as a stream."""
    from footfall.io._table import file_format

    fmt = file_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        try:
            return [n.strip().lower() for n in pq.read_schema(path).names]
        except Exception:
            return None
    if fmt != "csv":
        return None
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
            head = fh.readline()
    except OSError:
        return None
    sep = max((",", ";", "\t"), key=head.count)
    return [n.strip().strip('"').lower() for n in head.rstrip("\r\n").split(sep)]


def _is_stream(cols: list[str]) -> str | None:
    if "time_s" not in cols:
        return None
    if all(c in cols for c in ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")):
        return "imu"
    if "p1" in cols:
        return "insole"
    return None


def _infer_units(path: Path, side: str, placement: str) -> tuple[dict[str, str], dict[str, str]]:
    """IMU units the data allows, by the unit checks; and how each was found."""
    from footfall.io.checks import check_imu_units, check_time

    raw = read_recording(
        path,
        kind="imu",
        side=side,
        placement=placement,
        acc_unit="m/s2",
        gyr_unit="rad/s",
        check_units=False,
    ).streams[0]
    acc, gyr, t = raw.values[:, :3], raw.values[:, 3:6], raw.time_s
    period = check_time(t, path=str(path), where=lambda i: f"row {i + 1}", check_rate=False)
    passing: list[tuple[str, str]] = []
    first_error: RecordingError | None = None
    for _, a, g in _ORDER:
        try:
            check_imu_units(
                acc,
                gyr,
                t,
                acc_unit=a,
                gyr_unit=g,
                path=str(path),
                fix_unit=lambda q, u: f'set "{q}": "{u}" in the units of the stream.',
                period_s=period,
            )
        except RecordingError as exc:
            first_error = first_error or exc
            continue
        passing.append((a, g))
    if not passing:
        assert first_error is not None
        raise first_error
    acc_u, gyr_u = passing[0]
    how = {}
    med = float(np.median(np.sqrt(np.einsum("ij,ij->i", acc, acc))))
    if len({a for a, _ in passing}) == 1:
        how["acc"] = f"from the data: median magnitude {med:.3g}"
    else:
        how["acc"] = "assumed: the data cannot tell"
    if len({g for _, g in passing}) == 1:
        how["gyr"] = "from the data: how fast the foot turns while it moves"
    else:
        how["gyr"] = "assumed: too little movement to tell"
    return {"acc": acc_u, "gyr": gyr_u}, how


def _infer_one(
    path: Path, *, profile: Any, keep: bool, check_units: bool, explicit: bool
) -> list[Inferred]:
    """The streams of one file (several for a profile of several streams);
    empty when the file is not a stream (and was not named explicitly)."""
    from footfall.io.mapping import find_profile, load_profile, read_mapped

    name = path.name
    cols = _columns(path)
    kind = _is_stream(cols) if cols is not None and profile is None else None
    prof = None
    if kind is None:
        if profile is not None:
            prof = profile if not isinstance(profile, (str, os.PathLike)) else load_profile(profile)
        else:
            prof = find_profile(path)
        if prof is None:
            if not explicit:
                return []
            found = ", ".join(safe_text(c, 30) for c in (cols or [])[:12]) or "none read"
            raise RecordingError(
                f"is neither a footfall stream file (time_s and acc_x .. gyr_z, or p1 .. pN) "
                f"nor in a layout footfall knows (columns: {found}).",
                path=str(path),
                fix="give it footfall's column names, or write a profile for its layout and "
                "pass --map PROFILE (docs/import.md, 'Writing a profile').",
            )
    side_e, said = side_from_name(name)
    if prof is not None:
        one_from_name = len(prof.streams) == 1 and prof.streams[0].side == "from-name"
        if one_from_name and side_e is None:
            raise RecordingError(
                f"the file name {said}, and the profile {prof.name} takes the side from it.",
                path=str(path),
                fix='put "left" or "right" in the file name (or write recording.json by hand).',
            )
        rec = read_mapped(
            path,
            prof,
            side=side_e.value if one_from_name and side_e is not None else None,
            check_units=check_units,
        )
        out = []
        for k, (sm, s) in enumerate(zip(prof.streams, rec.streams, strict=True), start=1):
            entry: dict[str, Any] = {"file": name, "profile": prof.name}
            if len(prof.streams) > 1:
                entry["profile_stream"] = k
            entry["kind"] = s.kind.value
            entry["side"] = s.side.value
            how = {"kind": f"profile {prof.name}"}
            how["side"] = (
                f'file name: "{said}"' if sm.side == "from-name" else f"profile {prof.name}"
            )
            if s.kind.value == "imu":
                entry["placement"] = s.placement.value
                how["placement"] = f"profile {prof.name}"
            if sm.layout:
                entry["layout"] = sm.layout
            entry["units"] = dict(s.meta.get("units", {}))
            for q in entry["units"]:
                how[q] = f"profile {prof.name}"
            out.append(Inferred(path, entry, how, s if keep else None))
        return out

    assert kind is not None
    if side_e is None:
        raise RecordingError(
            f"the file name {said}, and footfall takes each file's side from its name.",
            path=str(path),
            fix='put "left" or "right" (or l / r, links / rechts) in the file name, or write '
            f"{RECORDING_JSON} by hand.",
        )
    how = {"kind": "its columns", "side": f'file name: "{said}"'}
    entry = {"file": name, "kind": kind, "side": side_e.value}
    if kind == "imu":
        word = placement_from_name(name)
        placement = "shank" if word else "foot"
        how["placement"] = (
            f'file name: "{word}"' if word else "assumed: the name does not say shank"
        )
        entry["placement"] = placement
        if check_units:
            units, how_u = _infer_units(path, side_e.value, placement)
        else:
            units, how_u = {"acc": "m/s2", "gyr": "deg/s"}, {"acc": "assumed", "gyr": "assumed"}
        how.update(how_u)
        entry["units"] = units
        stream = read_recording(
            path,
            kind="imu",
            side=side_e.value,
            placement=placement,
            acc_unit=units["acc"],
            gyr_unit=units["gyr"],
            check_units=check_units,
        ).streams[0]
    else:
        entry["units"] = {"pressure": "kPa"}
        how["pressure"] = "assumed: the data cannot tell kPa from N/cm2"
        stream = read_recording(
            path, kind="insole", side=side_e.value, pressure_unit="kPa", check_units=check_units
        ).streams[0]
    return [Inferred(path, entry, how, stream if keep else None)]


def infer_files(
    paths: list[Path],
    *,
    profile: Any = None,
    keep: bool = False,
    check_units: bool = True,
    explicit: bool = True,
) -> tuple[list[Inferred], list[Path]]:
    """Infer the streams of ``paths``.

    Parameters
    ----------
    profile
        A profile (name, path or :class:`~footfall.io.mapping.Profile`) to
        read every file with; None: each file as a footfall stream file or
        with the shipped profile whose layout it has.
    keep
        Keep each stream read (:attr:`Inferred.stream`), for analysing now.
    explicit
        The files were named one by one: one that is not a stream is an
        error. False (a folder's files): it is skipped and returned.

    Returns
    -------
    (inferred, skipped)

    Raises
    ------
    RecordingError
        A file whose side or units cannot be had, a file that does not read,
        or two files that are the same sensor.
    """
    out: list[Inferred] = []
    skipped: list[Path] = []
    for p in paths:
        got = _infer_one(p, profile=profile, keep=keep, check_units=check_units, explicit=explicit)
        if not got:
            skipped.append(p)
        out.extend(got)
    seen: dict[tuple[str, str, str], Inferred] = {}
    for inf in out:
        e = inf.entry
        key = (e["kind"], e["side"], e.get("placement", ""))
        if key in seen:
            other = seen[key]
            what = f"{e['side']} {e.get('placement', '')} {e['kind']}".replace("  ", " ")
            raise RecordingError(
                f"two streams are the {what}: {other.path.name} and {inf.path.name}; "
                "footfall measures one sensor per foot and placement.",
                path=str(inf.path.parent),
                fix="leave one of them out (move it to another folder), or rename the files so "
                "that their names say their sides.",
            )
        seen[key] = inf
    return out, skipped


def recording_document(inferred: list[Inferred]) -> dict[str, Any]:
    """The recording.json of the inferred streams."""
    return {"format": FORMAT, "streams": [inf.entry for inf in inferred]}


def describe(inferred: list[Inferred]) -> list[str]:
    """One line per stream: what was inferred and how."""
    lines = []
    for inf in inferred:
        e = inf.entry
        label = e["file"] + (f" [{e['profile_stream']}]" if "profile_stream" in e else "")
        parts = [f"{e['kind']} ({inf.how.get('kind', '')})", f"{e['side']} ({inf.how['side']})"]
        if "placement" in e:
            parts.append(f"{e['placement']} ({inf.how.get('placement', '')})")
        for q, u in e.get("units", {}).items():
            parts.append(f"{q} {u} ({inf.how.get(q, '')})")
        lines.append(f"{label}: " + "; ".join(parts))
    return lines


def read_files(
    paths: list[str | os.PathLike[str]],
    *,
    profile: Any = None,
    surface: str | None = None,
    speed_mps: float | None = None,
    check_units: bool = True,
) -> Recording:
    """Several stream files as one recording, inferred as ``footfall init``
    would (nothing written). The recording's ``meta["inferred"]`` lists, per
    stream, what was inferred and how."""
    from footfall.io.canonical import StreamContext, check_condition

    files = [Path(p) for p in paths]
    for f in files:
        if not f.is_file():
            raise RecordingError(
                "no such file." if not f.exists() else "is not a file.",
                path=str(f),
                fix="give stream files (a recording folder is analysed on its own).",
            )
    inferred, _ = infer_files(files, profile=profile, keep=True, check_units=check_units)
    meta: dict[str, Any] = {"format": FORMAT, "inferred": describe(inferred)}
    cond: dict[str, Any] = {}
    if surface is not None:
        cond["surface"] = surface
    if speed_mps is not None:
        cond["speed_mps"] = speed_mps
    if cond:
        meta["condition"] = cond
    check_condition(meta, ctx=StreamContext(file=files[0]))
    streams = [inf.stream for inf in inferred if inf.stream is not None]
    return Recording(streams=streams, meta=meta, source=", ".join(str(f) for f in files))
