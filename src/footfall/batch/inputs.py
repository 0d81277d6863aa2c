"""What a batch analyses: the inputs of ``footfall batch`` expanded into
recordings, and a fingerprint of each recording's files.

An input is a recording folder (with ``recording.json``), a file footfall
reads (a stream CSV or Parquet file, a Moticon text export, a FIT file), a
folder holding recording folders and FIT files (searched at any depth), a
glob pattern of any of these, or a manifest CSV: a ``.csv`` file whose
header has a ``path`` column and no ``time_s`` column, one recording per
row, with the optional columns ``athlete``, ``session``, ``tag`` and
``symptoms`` (a symptom profile file). Paths in a manifest are relative to
the manifest's folder.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from footfall.errors import FootfallError

__all__ = [
    "MANIFEST_COLUMNS",
    "BatchInput",
    "collect_inputs",
    "content_fingerprint",
    "is_manifest",
    "recording_id",
]

MANIFEST_COLUMNS = ("path", "athlete", "session", "tag", "symptoms")
"""The columns a manifest CSV may have; ``path`` is required."""

RECORDING_JSON = "recording.json"
EDGE_BYTES = 1 << 20
"""Bytes hashed at each end of a single file for its fingerprint."""

_GLOB_CHARS = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class BatchInput:
    """One recording of a batch.

    Attributes
    ----------
    path
        The recording folder or file, absolute.
    athlete, session, tag
        From the manifest; ``athlete`` else the recording.json's
        ``athlete.id``; ``session`` else the folder's or file's name.
    symptoms
        A symptom profile file (absolute) or None.
    started_at
        recording.json's ``started_at`` (None for a file or without it).
    """

    path: str
    athlete: str | None = None
    session: str | None = None
    tag: str | None = None
    symptoms: str | None = None
    started_at: str | None = None

    @property
    def recording_id(self) -> str:
        return recording_id(self.path)


def recording_id(path: str | os.PathLike[str]) -> str:
    """A stable id of a recording: its name and a short hash of its absolute path."""
    p = Path(path)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", p.stem if p.is_file() else p.name)[:60] or "rec"
    digest = hashlib.sha1(str(p).encode("utf-8")).hexdigest()[:10]
    return f"{name}-{digest}"


def is_manifest(path: Path) -> bool:
    """Whether ``path`` is a manifest CSV (a ``path`` column, no ``time_s``)."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader([f.readline()]), [])
    except (OSError, UnicodeDecodeError):
        return False
    names = {h.strip().lower() for h in header}
    return "path" in names and "time_s" not in names


def _read_meta(folder: Path) -> dict[str, Any]:
    """recording.json's contents, or {} when it cannot be read (the
    analysis then says what is wrong)."""
    try:
        doc = json.loads((folder / RECORDING_JSON).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _with_meta(item: BatchInput) -> BatchInput:
    """The input with the athlete and start time of its recording.json."""
    p = Path(item.path)
    athlete, started = item.athlete, None
    if p.is_dir():
        meta = _read_meta(p)
        a = meta.get("athlete")
        if athlete is None and isinstance(a, dict) and a.get("id") not in (None, ""):
            athlete = str(a["id"])
        if isinstance(meta.get("started_at"), str):
            started = meta["started_at"]
    session = item.session if item.session is not None else (p.stem if p.is_file() else p.name)
    return BatchInput(item.path, athlete, session, item.tag, item.symptoms, started)


def _found_in_folder(folder: Path, skip: Path | None) -> list[Path]:
    """Recording folders and FIT files below ``folder`` (sorted), none inside ``skip``."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        r = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and (skip is None or not _inside(r / d, skip))
        )
        if RECORDING_JSON in files and r != folder:
            found.append(r)
            dirs[:] = []  # a recording folder's subfolders are its own
            continue
        found.extend(r / f for f in sorted(files) if f.lower().endswith(".fit"))
    return found


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _read_manifest(path: Path) -> list[BatchInput]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise FootfallError(
            f"cannot read the manifest: {e}",
            path=str(path),
            fix="give a CSV file with a header row: path,athlete,session,tag,symptoms",
        ) from e
    unknown = [h for h in header if h and h not in MANIFEST_COLUMNS]
    if unknown:
        raise FootfallError(
            f"unknown manifest column(s) {', '.join(map(repr, unknown))}",
            path=str(path),
            fix=f"use only the columns {', '.join(MANIFEST_COLUMNS)} (path is required)",
        )
    base = path.parent
    out = []
    for line, row in enumerate(rows, start=2):
        low = {(k or "").strip().lower(): v for k, v in row.items()}
        given = _clean(low.get("path"))
        if given is None:
            raise FootfallError(
                f"line {line} has no path",
                path=str(path),
                fix="give every row the path of a recording folder or file",
            )
        symptoms = _clean(low.get("symptoms"))
        out.append(
            BatchInput(
                str((base / given).absolute()),
                athlete=_clean(low.get("athlete")),
                session=_clean(low.get("session")),
                tag=_clean(low.get("tag")),
                symptoms=None if symptoms is None else str((base / symptoms).absolute()),
            )
        )
    return out


def collect_inputs(
    inputs: list[str], *, symptoms: str | None = None, out: str | None = None
) -> list[BatchInput]:
    """The recordings that ``inputs`` name, in order, each once.

    A path that does not exist or a pattern that matches nothing raises
    :class:`~footfall.errors.FootfallError`; a manifest row whose path does
    not exist is kept (its analysis fails and is listed with the failures).
    ``symptoms`` is the profile of recordings whose manifest row names none;
    ``out`` (the batch's output folder) is never searched for recordings.
    """
    skip = Path(out) if out is not None else None
    items: list[BatchInput] = []
    for given in inputs:
        if _GLOB_CHARS.search(given) and not Path(given).exists():
            matches = sorted(glob.glob(given, recursive=True))
            if not matches:
                raise FootfallError(
                    "the pattern matches no file or folder",
                    path=given,
                    fix="check the pattern (quote it so the shell does not expand it)",
                )
        else:
            matches = [given]
        for m in matches:
            p = Path(m)
            if not p.exists():
                raise FootfallError(
                    "no such file or folder",
                    path=m,
                    fix="give recording folders, files footfall reads, globs or a manifest CSV",
                )
            if skip is not None and _inside(p, skip):
                continue
            if p.is_dir() and not (p / RECORDING_JSON).is_file():
                found = _found_in_folder(p, skip)
                if not found:
                    raise FootfallError(
                        "holds no recording.json and no FIT file, at any depth",
                        path=m,
                        fix="give recording folders (with recording.json) or files",
                    )
                items.extend(BatchInput(str(f.absolute())) for f in found)
            elif is_manifest(p):
                items.extend(_read_manifest(p))
            else:
                items.append(BatchInput(str(p.absolute())))
    seen: dict[str, BatchInput] = {}
    labels: dict[str, tuple[str | None, ...]] = {}
    for item in items:
        key = os.path.normpath(item.path)
        item = BatchInput(key, item.athlete, item.session, item.tag, item.symptoms or symptoms)
        if key in seen:
            if labels[key] != _labels(item):
                raise FootfallError(
                    "is named twice with different athlete, session, tag or symptoms",
                    path=key,
                    fix="name each recording once",
                )
            continue
        labels[key] = _labels(item)
        seen[key] = _with_meta(item)
    return list(seen.values())


def _labels(item: BatchInput) -> tuple[str | None, ...]:
    return (item.athlete, item.session, item.tag, item.symptoms)


def _hash_edges(path: Path, h: Any) -> None:
    size = path.stat().st_size
    with path.open("rb") as f:
        h.update(f.read(EDGE_BYTES))
        if size > 2 * EDGE_BYTES:
            f.seek(size - EDGE_BYTES)
        h.update(f.read(EDGE_BYTES))


def content_fingerprint(path: str | os.PathLike[str]) -> str:
    """What a recording's files are now: names, sizes and modification times
    of the files of a folder (hidden ones left out) and a hash of its
    recording.json; of a single file, its size, modification time and a
    hash of its first and last megabyte. ``"missing"`` when it does not exist
    or cannot be read."""
    p = Path(path)
    h = hashlib.sha256()
    try:
        if p.is_dir():
            for f in sorted(p.iterdir()):
                if f.name.startswith(".") or not f.is_file():
                    continue
                st = f.stat()
                h.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            h.update((p / RECORDING_JSON).read_bytes())
        else:
            st = p.stat()
            h.update(f"{st.st_size}\0{st.st_mtime_ns}\n".encode())
            _hash_edges(p, h)
    except OSError:
        return "missing"
    return h.hexdigest()[:32]


def file_fingerprint(path: str | None) -> str:
    """A symptom profile's fingerprint (its whole content), "" for None."""
    if path is None:
        return ""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:32]
    except OSError:
        return "missing"
