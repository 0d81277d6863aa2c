"""Session history: the runner's analysed sessions in one SQLite file.

One file per user, in the platform's data folder (:func:`default_path`);
the ``FOOTFALL_HISTORY`` environment variable, or a command's ``--history
PATH`` option, names another (:func:`history_path`).

What a session holds
--------------------
The run summary, the findings, the symptom profile given (or none), the
analysis notes, a pointer to the recording (its absolute path and its
``recording.json`` metadata), the athlete and a free-text tag, when it was
saved and by which footfall version, and the per-step values of the
summarised metrics (``side``, ``ic_s`` and one float column per metric, as
a compressed NumPy ``.npz`` blob read back with ``allow_pickle=False``).

Why the per-step values are stored rather than re-read from the recording:
:func:`footfall.history.compare.compare_runs` needs them for its bootstrap,
and the recording behind a pointer can be moved, edited or deleted, while
analysing it again with a later footfall could give other numbers than
those the session was saved with, which would change a saved session's
comparison without anyone seeing it. The values are those of the saved
summary, so a comparison with a history id is the same tomorrow as today.
They are kept as float64, exactly as analysed: about 200 bytes a step
with every sensor (measured with :func:`encode_steps`: a 3-minute
``footfall simulate --scenario easy-run-treadmill --seed 3``, 503 steps and
28 metric columns, gave 100 kB; the 64 steps and 12 metric columns of
sample_data/gaitmap_walk gave 9.6 kB), so at that rate an hour's run at
170 steps a minute adds about 2 MB to the file.

Safety
------
Every statement takes its values as parameters (``?``), never pasted into
the SQL, so athlete names, tags, notes and file names are stored and read
back verbatim whatever they hold. Each save, and each schema migration, is
one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``): a crash or a full disk
leaves the file as it was before. A file of an older schema is copied
beside itself (``history.sqlite.v1.bak``, SQLite's online backup) before it
is migrated, so nothing recorded can be lost by a migration.

Schema versions
---------------
The version is SQLite's ``PRAGMA user_version``; :data:`MIGRATIONS` is the
ordered list of the steps from each version to the next (step ``i`` turns
version ``i`` into ``i + 1``; a new file runs them all, so a new file and a
migrated one are built by the same statements).

1. ``sessions``: id, saved_utc, athlete, source, meta, summary, findings,
   symptoms, notes, steps, footfall_version.
2. ``tag`` (free text, default empty) and an index on (athlete, saved_utc).
"""

from __future__ import annotations

import io
import json
import math
import os
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from footfall.errors import FootfallError

__all__ = [
    "ENV_VAR",
    "History",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Session",
    "decode_steps",
    "default_path",
    "encode_steps",
    "history_path",
    "open_history",
]

ENV_VAR = "FOOTFALL_HISTORY"
"""Environment variable naming the history file."""

FILE_NAME = "history.sqlite"

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 0 -> 1: the first schema
    (
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            saved_utc TEXT NOT NULL,
            athlete TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL,
            meta TEXT NOT NULL,
            summary TEXT NOT NULL,
            findings TEXT NOT NULL,
            symptoms TEXT,
            notes TEXT NOT NULL,
            steps BLOB,
            footfall_version TEXT NOT NULL
        )""",
    ),
    # 1 -> 2: a tag per session ("new shoes"), sessions listed per athlete by date
    (
        "ALTER TABLE sessions ADD COLUMN tag TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX sessions_by_athlete ON sessions (athlete, saved_utc)",
    ),
)
"""Schema steps: ``MIGRATIONS[i]`` turns version ``i`` into ``i + 1``."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema this footfall writes."""

MAX_ATHLETE = 200
MAX_TAG = 1000


def default_path(platform: str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """The history file in the platform's data folder: Linux and other
    Unixes ``$XDG_DATA_HOME/footfall`` (default ``~/.local/share``), macOS
    ``~/Library/Application Support/footfall``, Windows
    ``%LOCALAPPDATA%\\footfall``; then ``history.sqlite``."""
    platform = sys.platform if platform is None else platform
    env = os.environ if environ is None else environ
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform.startswith("win"):
        base = (
            Path(env["LOCALAPPDATA"]) if env.get("LOCALAPPDATA") else (home / "AppData" / "Local")
        )
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = env.get("XDG_DATA_HOME", "")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "footfall" / FILE_NAME


def history_path(
    option: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> tuple[Path, str]:
    """The history file and where its name came from: ``option`` (a
    command's ``--history``), else :data:`ENV_VAR`, else :func:`default_path`.
    The second item is ``"--history"``, ``ENV_VAR`` or ``"default"``."""
    env = os.environ if environ is None else environ
    if option is not None and str(option):
        return Path(option).expanduser(), "--history"
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR]).expanduser(), ENV_VAR
    return default_path(environ=environ), "default"


# --------------------------------------------------------------------------
# per-step values
# --------------------------------------------------------------------------

_SIDE_CODES = {"left": 0, "right": 1}


def encode_steps(values: Mapping[str, np.ndarray]) -> bytes:
    """Per-step values (``side`` as text, the rest numbers) as a compressed
    ``.npz``: ``side`` as int8 codes (0 left, 1 right, -1 other)."""
    arrays: dict[str, np.ndarray] = {}
    for name, col in values.items():
        if name == "side":
            sides = np.asarray(col).astype(str)
            arrays["side"] = np.array([_SIDE_CODES.get(s, -1) for s in sides], dtype=np.int8)
        else:
            arrays[name] = np.asarray(col, dtype=np.float64)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def decode_steps(blob: bytes) -> dict[str, np.ndarray]:
    """The inverse of :func:`encode_steps` (no pickled objects are read)."""
    names = {v: k for k, v in _SIDE_CODES.items()}
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        out = {name: np.asarray(npz[name]) for name in npz.files}
    if "side" in out:
        out["side"] = np.array([names.get(int(c), "") for c in out["side"]], dtype=object)
        out["side"] = out["side"].astype(str)
    return out


# --------------------------------------------------------------------------
# sessions
# --------------------------------------------------------------------------


@dataclass
class Session:
    """One saved session (``steps`` is filled by :meth:`History.get` only)."""

    id: int
    saved_utc: str
    athlete: str
    tag: str
    source: str
    footfall_version: str
    summary: dict[str, Any]
    findings: list[dict[str, Any]]
    symptoms: dict[str, Any] | None
    notes: list[str]
    meta: dict[str, Any]
    steps: dict[str, np.ndarray] | None = field(default=None, repr=False)


def _json(value: Any) -> str:
    return json.dumps(_jsonable(value), allow_nan=False, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Path):
        return str(value)
    return str(value)


_COLUMNS = (
    "id, saved_utc, athlete, tag, source, footfall_version, summary, findings, "
    "symptoms, notes, meta"
)


class History:
    """An open history file; use :func:`open_history`.

    Attributes
    ----------
    path
        The file.
    migrated_from
        The schema version the file had when opened, when it was migrated
        (else None); ``backup`` the copy kept of it.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self.migrated_from: int | None = None
        self.backup: Path | None = None

    # -------------------------------------------------------------- context
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------- writes
    def save(
        self,
        *,
        summary: Mapping[str, Any],
        findings: Sequence[Mapping[str, Any]],
        source: str,
        meta: Mapping[str, Any] | None = None,
        steps: Mapping[str, np.ndarray] | None = None,
        symptoms: Mapping[str, Any] | None = None,
        notes: Sequence[str] = (),
        athlete: str = "",
        tag: str = "",
        saved_utc: str | None = None,
    ) -> int:
        """Store one session in one transaction; returns its id."""
        from footfall import __version__

        _check_text(athlete, "--athlete", MAX_ATHLETE)
        _check_text(tag, "--tag", MAX_TAG)
        when = saved_utc or datetime.now(UTC).isoformat(timespec="seconds")
        row = (
            when,
            athlete,
            tag,
            str(source),
            __version__,
            _json(summary),
            _json(list(findings)),
            None if symptoms is None else _json(symptoms),
            _json(list(notes)),
            _json(meta or {}),
            None if steps is None else encode_steps(steps),
        )
        with self._write(self.path):
            cur = self._conn.execute(
                "INSERT INTO sessions (saved_utc, athlete, tag, source, footfall_version, "
                "summary, findings, symptoms, notes, meta, steps) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            new_id = cur.lastrowid
        assert new_id is not None
        return int(new_id)

    def delete(self, session_id: int) -> Session:
        """Remove session ``session_id`` in one transaction and return it as
        it was (without its per-step values); FootfallError when there is
        none of that id. Its bytes are overwritten in the file (SQLite's
        ``secure_delete``), and its id is never given again."""
        with self._read():
            self._conn.execute("PRAGMA secure_delete = ON")
        with self._write(self.path):
            row = self._conn.execute(
                f"SELECT {_COLUMNS} FROM sessions WHERE id = ?", (int(session_id),)
            ).fetchone()
            if row is None:
                raise FootfallError(
                    f"no session {session_id} in the history; nothing was deleted",
                    path=str(self.path),
                    fix="footfall history lists the saved sessions and their ids",
                )
            self._conn.execute("DELETE FROM sessions WHERE id = ?", (int(session_id),))
        return self._session(row)

    # ---------------------------------------------------------------- reads
    def sessions(self, athlete: str | None = None) -> list[Session]:
        """Saved sessions, oldest first (by id), of ``athlete`` or of all;
        without their per-step values."""
        sql = f"SELECT {_COLUMNS} FROM sessions"
        params: tuple[Any, ...] = ()
        if athlete is not None:
            sql += " WHERE athlete = ?"
            params = (athlete,)
        with self._read():
            rows = self._conn.execute(sql + " ORDER BY id", params).fetchall()
        return [self._session(r) for r in rows]

    def get(self, session_id: int) -> Session:
        """Session ``session_id`` with its per-step values; FootfallError
        when there is none of that id."""
        with self._read():
            row = self._conn.execute(
                f"SELECT {_COLUMNS}, steps FROM sessions WHERE id = ?", (int(session_id),)
            ).fetchone()
        if row is None:
            raise FootfallError(
                f"no session {session_id} in the history",
                path=str(self.path),
                fix="footfall history lists the saved sessions and their ids",
            )
        session = self._session(row[:-1])
        session.steps = decode_steps(row[-1]) if row[-1] is not None else None
        return session

    def count(self) -> int:
        with self._read():
            return int(self._conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])

    # -------------------------------------------------------------- helpers
    def _session(self, r: Sequence[Any]) -> Session:
        return Session(
            id=int(r[0]),
            saved_utc=r[1],
            athlete=r[2],
            tag=r[3],
            source=r[4],
            footfall_version=r[5],
            summary=json.loads(r[6]),
            findings=json.loads(r[7]),
            symptoms=None if r[8] is None else json.loads(r[8]),
            notes=json.loads(r[9]),
            meta=json.loads(r[10]),
        )

    def _write(self, path: Path) -> _Transaction:
        return _Transaction(self._conn, path)

    def _read(self) -> _Guard:
        return _Guard(self.path)


def _check_text(text: str, option: str, limit: int) -> None:
    if not isinstance(text, str):
        raise TypeError(f"{option}: text expected, got {type(text).__name__}")
    if len(text) > limit:
        raise FootfallError(
            f"{option} is {len(text)} characters long (at most {limit})",
            fix=f"give {option} a shorter text",
        )
    if "\x00" in text:
        raise FootfallError(
            f"{option} holds a NUL character", fix=f"give {option} text without control characters"
        )


class _Guard:
    """SQLite errors while reading or writing the file, as FootfallErrors
    naming the file."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.ProgrammingError):
            raise _user_error(exc, self.path) from exc


class _Transaction(_Guard):
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back on any error."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        super().__init__(path)
        self.conn = conn

    def __enter__(self) -> None:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise _user_error(e, self.path) from e

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None:
            try:
                self.conn.execute("COMMIT")
                return
            except sqlite3.Error as e:
                self.conn.execute("ROLLBACK")
                raise _user_error(e, self.path) from e
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        super().__exit__(exc_type, exc, tb)


def _user_error(e: sqlite3.Error, path: Path) -> FootfallError:
    text = str(e)
    if "locked" in text or "busy" in text:
        return FootfallError(
            "the history file is busy (another footfall is writing it)",
            path=str(path),
            fix="wait for the other command to finish and run this one again; nothing was changed",
        )
    if (
        "not a database" in text
        or "malformed" in text
        or "no such table" in text
        or "no such column" in text
    ):
        return FootfallError(
            f"not a footfall history file ({text})",
            path=str(path),
            fix="give --history (or FOOTFALL_HISTORY) a history file, or a "
            "new file name; this file was not changed",
        )
    if "disk" in text or "full" in text or "readonly" in text or "unable to open" in text:
        return FootfallError(
            f"cannot write the history file ({text}); it is as it was",
            path=str(path),
            fix="free disk space, or give --history a file in a folder you may write to",
        )
    return FootfallError(
        f"history file: {text}",
        path=str(path),
        fix="give --history another file; this one was not changed",
    )


# --------------------------------------------------------------------------
# opening and migrating
# --------------------------------------------------------------------------


def open_history(
    path: str | os.PathLike[str], *, create: bool = True, make_folder: bool = False
) -> History:
    """Open (and when ``create``, create) the history file at ``path``,
    migrated to :data:`SCHEMA_VERSION`.

    Parameters
    ----------
    path
        The file.
    create
        Create the file when missing; False: FootfallError instead.
    make_folder
        Create the file's folder when missing (the default location);
        False: FootfallError naming it.

    Raises
    ------
    FootfallError
        A folder at ``path``, a missing folder or file, a file that is not a
        footfall history, one written by a newer footfall (schema version
        above :data:`SCHEMA_VERSION`), a busy or unwritable file.
    """
    p = Path(path)
    if p.is_dir():
        raise FootfallError(
            "is a folder, not a history file",
            path=str(p),
            fix=f"give a file name, e.g. {p / FILE_NAME}",
        )
    if not p.exists():
        if not create:
            raise FootfallError(
                "no history file here yet",
                path=str(p),
                fix="save a session first: footfall analyze RUN --save",
            )
        if not p.parent.is_dir():
            if not make_folder:
                raise FootfallError(
                    f"folder {str(p.parent)!r} does not exist",
                    path=str(p),
                    fix="create it first or give --history another path",
                )
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise FootfallError(
                    f"cannot create the history folder: {e.strerror or e}",
                    path=str(p.parent),
                    fix="give --history (or FOOTFALL_HISTORY) a file in a folder you may write to",
                ) from e
    elif not _looks_like_sqlite(p):
        raise FootfallError(
            "not a footfall history file (not an SQLite database)",
            path=str(p),
            fix="give --history (or FOOTFALL_HISTORY) a history "
            "file, or a new file name; this file was not "
            "changed",
        )
    try:
        conn = sqlite3.connect(str(p), timeout=10.0, isolation_level=None)
    except sqlite3.Error as e:
        raise _user_error(e, p) from e
    history = History(conn, p)
    try:
        _migrate(history)
    except BaseException:
        conn.close()
        raise
    return history


def _looks_like_sqlite(p: Path) -> bool:
    try:
        with p.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise FootfallError(
            f"cannot read the history file: {e.strerror or e}",
            path=str(p),
            fix="check its permissions or give --history another file",
        ) from e
    return head == b"SQLite format 3\x00" or head == b""


def _migrate(history: History) -> None:
    conn, path = history._conn, history.path
    with _Guard(path):
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise FootfallError(
                f"the history file has schema version {version}, written by a newer footfall "
                f"(this one reads up to {SCHEMA_VERSION})",
                path=str(path),
                fix="update footfall (pip install -U footfall); the file was not changed",
            )
        if version == SCHEMA_VERSION:
            return
        if version == 0 and conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]:
            raise FootfallError(
                "an SQLite file that is not a footfall history (it has tables "
                "but no footfall schema version)",
                path=str(path),
                fix="give --history (or FOOTFALL_HISTORY) a history file, or a "
                "new file name; this file was not changed",
            )
    if version > 0:
        history.backup = _backup(conn, path, version)
        history.migrated_from = version
    with _Transaction(conn, path):
        for step in range(version, SCHEMA_VERSION):
            for sql in MIGRATIONS[step]:
                conn.execute(sql)
        # PRAGMA takes no parameters; the value is this module's own integer
        conn.execute(f"PRAGMA user_version = {int(SCHEMA_VERSION)}")


def _backup(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the file beside itself before a migration (a new name each time)."""
    for n in range(1000):
        dest = path.with_name(f"{path.name}.v{version}.bak" + (f".{n}" if n else ""))
        if not dest.exists():
            break
    with _Guard(dest):
        copy = sqlite3.connect(str(dest))
        try:
            conn.backup(copy)
        finally:
            copy.close()
    return dest
