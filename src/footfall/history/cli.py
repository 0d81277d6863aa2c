"""``footfall history``: the saved sessions, and the trend figure; and the
pieces of ``footfall analyze --save`` (:func:`check_save`, :func:`save_session`).

Only the standard library at import time: ``footfall --help`` builds this
parser.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = [
    "EPILOG",
    "HISTORY_HELP",
    "add_parser",
    "check_figure_path",
    "BASELINE_SESSIONS",
    "baseline_summaries",
    "check_save",
    "open_from_option",
    "run",
    "save_figure",
    "save_session",
]


EPILOG = """\
examples:
  footfall analyze runs/monday --save --athlete ana --tag "new shoes"
      analyse a run and save it in the history
  footfall history
      every saved session, oldest first
  footfall history --athlete ana --plot trend.png
      one athlete's sessions, and each metric's median per session as a figure
  footfall compare 3 4
      what changed from session 3 to session 4 (footfall compare --help)
  footfall history --delete 3
      remove session 3 from the history (its recording is not touched)

The history is one SQLite file: FOOTFALL_HISTORY or --history PATH names it;
by default it is history.sqlite in footfall's folder of the platform's data
folder (Linux: ~/.local/share/footfall, or $XDG_DATA_HOME/footfall).
"""

BASELINE_SESSIONS = 10
"""``footfall analyze --save`` gives the rules the summaries of the athlete's
latest this many saved sessions as the baseline of their
``vs_baseline_pct`` checks (the median of each metric over them): the
runner's recent running, not a season ago."""

HISTORY_HELP = (
    "the history file (default: $FOOTFALL_HISTORY, else history.sqlite in the "
    "platform's data folder)"
)


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``history`` subcommand."""
    p = subparsers.add_parser(
        "history",
        parents=list(parents or []),
        help="list the sessions saved with footfall analyze --save; trend figure; delete one",
        description="List the sessions saved in the history (footfall analyze --save), "
        "oldest first, and optionally draw each metric's median per session; or delete one "
        "session (--delete ID).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--athlete", metavar="ID", help="only this athlete's sessions")
    p.add_argument("--history", metavar="PATH", help=HISTORY_HELP)
    p.add_argument(
        "--plot",
        metavar="FILE",
        help="write the trend figure (each metric's median per session) to a .png or .svg file",
    )
    p.add_argument(
        "--metric",
        action="append",
        metavar="NAME",
        help="a metric of the trend figure (repeat for more; default: cadence, "
        "contact time and the other metrics of the live view)",
    )
    p.add_argument(
        "--delete",
        metavar="ID",
        help="remove session ID (3 or #3) from the history, without asking, and say what "
        "was removed; its recording is not touched",
    )
    p.set_defaults(func=run)
    return p


def open_from_option(option: str | None, *, create: bool) -> Any:
    """The history named by ``--history``, FOOTFALL_HISTORY or the default."""
    from footfall.history.store import history_path, open_history

    path, origin = history_path(option)
    return open_history(path, create=create, make_folder=origin == "default")


def run(args: argparse.Namespace) -> int:
    """``footfall history``."""

    from rich import box
    from rich.table import Table
    from rich.text import Text

    from footfall.errors import FootfallError, safe_text
    from footfall.history.store import MAX_ATHLETE, MAX_TAG, history_path
    from footfall.report.terminal import format_duration, format_value, make_console

    if getattr(args, "delete", None) is not None:
        return _delete(args)
    if args.plot is not None:
        check_figure_path(args.plot)
    if args.metric:
        from footfall.registry import names

        known = names(summarised=True)
        bad = [m for m in args.metric if m not in known]
        if bad:
            raise FootfallError(
                f"--metric: not a summarised metric: {', '.join(bad)}",
                fix=f"use one of {', '.join(known)}",
            )
    console = make_console()
    path, _ = history_path(args.history)
    if not path.exists() and not path.is_symlink():
        console.print(
            Text(
                f"No session saved yet ({safe_text(path, 300)} does not exist). "
                "Save one with: footfall analyze RUN --save"
            )
        )
        return 0
    with open_from_option(args.history, create=False) as history:
        _report_migration(history)
        sessions = history.sessions(args.athlete)
    if not sessions:
        who = f" for athlete {safe_text(args.athlete)!r}" if args.athlete is not None else ""
        console.print(Text(f"No session saved{who} in {safe_text(path, 300)}."))
    else:
        table = Table(
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            title=Text(f"Sessions in {safe_text(path, 300)}"),
            title_justify="left",
            title_style="bold",
        )
        table.add_column("Id", justify="right", no_wrap=True)
        table.add_column("Saved", no_wrap=True)
        for name in ("Athlete", "Tag", "Run"):
            table.add_column(name, overflow="fold", min_width=6)  # shown whole, never cut
        for name in ("Time", "Steps", "spm", "Findings"):
            table.add_column(name, justify="right", no_wrap=True)
        for s in sessions:
            cadence = s.summary.get("cadence_spm")
            table.add_row(
                str(s.id),
                Text(s.saved_utc[:10]),
                Text(safe_text(s.athlete, MAX_ATHLETE)),
                Text(safe_text(s.tag, MAX_TAG)),
                Text(safe_text(_run_name(s), 300)),
                format_duration(s.summary.get("duration_s")),
                str(s.summary.get("n_steps", "")),
                format_value(cadence, 0) if cadence is not None else "-",
                str(len(s.findings)),
            )
        console.print(table)
    if args.plot is not None:
        from footfall.history.figures import trend
        from footfall.report.figures import save

        fig = trend(
            [(_tick(s), s.summary) for s in sessions],
            args.metric,
            title=(f"Athlete {safe_text(args.athlete, 60)}" if args.athlete is not None else ""),
        )
        save_figure(save, fig, args.plot)
        console.print(Text(f"Wrote trend figure: {args.plot}"), style="dim")
    return 0


def _delete(args: argparse.Namespace) -> int:
    """``footfall history --delete ID``."""
    import re
    from pathlib import Path

    from rich.text import Text

    from footfall.errors import FootfallError, safe_text
    from footfall.history.store import MAX_ATHLETE, MAX_TAG, history_path
    from footfall.report.terminal import format_duration, make_console

    others = [
        o
        for o, v in (("--athlete", args.athlete), ("--plot", args.plot), ("--metric", args.metric))
        if v
    ]
    if others:
        raise FootfallError(
            f"--delete removes one session and takes no {' or '.join(others)}",
            fix="run footfall history --delete ID alone",
        )
    match = re.fullmatch(r"#?(\d+)", args.delete.strip())
    if match is None:
        raise FootfallError(
            f"--delete {args.delete!r} is not a session id",
            fix="give the id footfall history shows, e.g. --delete 3 or --delete '#3'",
        )
    path, _ = history_path(args.history)
    if not path.exists():
        raise FootfallError(
            f"no history file, so no session {match.group(1)} to delete",
            path=str(path),
            fix="give --history the file the session was saved in (footfall history "
            "--history PATH lists its sessions)",
        )
    with open_from_option(args.history, create=False) as history:
        _report_migration(history)
        gone = history.delete(int(match.group(1)))
        left = history.count()
    parts = [f"saved {gone.saved_utc}"]
    if gone.athlete:
        parts.append(f"athlete {safe_text(gone.athlete, MAX_ATHLETE)}")
    if gone.tag:
        parts.append(f"tag {safe_text(gone.tag, MAX_TAG)}")
    parts.append(f"run {safe_text(gone.source, 300)}")
    duration = gone.summary.get("duration_s")
    if duration is not None:
        parts.append(f"{format_duration(duration)}, {gone.summary.get('n_steps', 0)} steps")
    parts.append(f"{len(gone.findings)} finding(s)")
    console = make_console()
    console.print(
        Text(
            f"Deleted session {gone.id} from {safe_text(Path(history.path), 300)}: "
            + "; ".join(parts)
            + f". {left} session(s) left; the recording itself was not touched."
        ),
        soft_wrap=True,
    )
    return 0


def _tick(session: Any) -> str:
    from footfall.errors import safe_text

    tag = f" {safe_text(session.tag, 16)}" if session.tag else ""
    return f"#{session.id} {session.saved_utc[5:10]}{tag}"


def _report_migration(history: Any) -> None:
    """Say on standard error that the file was brought to the current schema."""
    if history.migrated_from is not None:
        from footfall.errors import safe_text
        from footfall.history.store import SCHEMA_VERSION

        print(
            f"footfall: history file updated from schema version {history.migrated_from} "
            f"to {SCHEMA_VERSION}; the previous file is kept as "
            f"{safe_text(history.backup, 300)}",
            file=sys.stderr,
        )


def check_figure_path(target: str) -> None:
    from pathlib import Path

    from footfall.errors import FootfallError

    path = Path(target)
    if path.suffix.lower() not in (".png", ".svg"):
        raise FootfallError(
            "a figure is written as .png or .svg",
            path=target,
            fix="end the file name with .png or .svg",
        )
    if path.is_dir():
        raise FootfallError(
            "is a folder, not a file",
            path=target,
            fix=f"give a file name, e.g. {path / 'figure.png'}",
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise FootfallError(
            f"folder {str(parent)!r} does not exist",
            path=target,
            fix="create it first or give another path",
        )


def save_figure(save: Any, fig: Any, target: str) -> None:
    from footfall.errors import FootfallError

    try:
        save(fig, target)
    except OSError as e:
        raise FootfallError(
            f"cannot write the figure: {e.strerror or e}; any earlier file "
            "of that name is unchanged",
            path=target,
            fix="free disk space or choose a folder you may write to",
        ) from e


# --------------------------------------------------------------------------
# footfall analyze --save
# --------------------------------------------------------------------------


def check_save(args: argparse.Namespace) -> None:
    """Before the analysis: ``--athlete``, ``--tag`` and ``--history`` need
    ``--save``; the history file opens (created, migrated), so that a bad
    one fails before a long analysis."""
    from footfall.errors import FootfallError
    from footfall.history.store import MAX_ATHLETE, MAX_TAG

    if not args.save:
        given = [
            o
            for o, v in (
                ("--athlete", args.athlete),
                ("--tag", args.tag),
                ("--history", args.history),
            )
            if v is not None
        ]
        if given:
            raise FootfallError(
                f"{' and '.join(given)} only apply to a saved session",
                fix="add --save to store the session in the history",
            )
        return
    for option, value, limit in (
        ("--athlete", args.athlete, MAX_ATHLETE),
        ("--tag", args.tag, MAX_TAG),
    ):
        if value is not None and len(value) > limit:
            raise FootfallError(
                f"{option} is {len(value)} characters long (at most {limit})",
                fix=f"give {option} a shorter text",
            )
    with open_from_option(args.history, create=True) as history:
        _report_migration(history)


def baseline_summaries(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Before the analysis of ``footfall analyze --save``: the summaries of
    the athlete's (``--athlete``; sessions saved without one are the
    athlete "") latest :data:`BASELINE_SESSIONS` saved sessions, oldest
    first, for ``footfall.analyze(history=)``; empty without ``--save`` or
    without an earlier session."""
    from footfall.history.store import history_path

    if not args.save:
        return []
    path, _ = history_path(args.history)
    if not path.exists():
        return []
    with open_from_option(args.history, create=False) as history:
        sessions = history.sessions(args.athlete or "")
    return [s.summary for s in sessions[-BASELINE_SESSIONS:]]


def _run_name(session: Any) -> str:
    """What ``footfall history`` shows of a session's recording: its file or
    folder name, and how many more stream files it was analysed with."""
    from pathlib import Path

    name = Path(session.source).name or session.source
    files = (session.meta or {}).get("source_files")
    if isinstance(files, list) and len(files) > 1:
        name += f" (+{len(files) - 1} file{'s' if len(files) > 2 else ''})"
    return name


def save_session(
    args: argparse.Namespace,
    analysis: Any,
    symptoms: Any = None,
    *,
    to_stdout: bool = False,
    baseline: int = 0,
) -> str:
    """Store an analysis in the history (``footfall analyze --save``);
    returns the line to show ("saved as session N in FILE"), naming the
    ``baseline`` earlier sessions the rules compared the run with."""
    from pathlib import Path

    from footfall.errors import safe_text
    from footfall.history.compare import step_values

    pointer = str(Path(args.path).resolve())
    meta = dict(getattr(analysis.recording, "meta", {}) or {})
    more = list(getattr(args, "more_paths", None) or [])
    if more:  # stream files analysed as one recording: every one is named
        meta["source_files"] = [str(Path(p).resolve()) for p in (args.path, *more)]
    with open_from_option(args.history, create=True) as history:
        _report_migration(history)
        new_id = history.save(
            summary=analysis.summary,
            findings=analysis.summary.get("findings") or [],
            source=pointer,
            meta=meta,
            steps=step_values(analysis.table),
            symptoms=symptoms.to_dict() if symptoms is not None else None,
            notes=analysis.notes,
            athlete=args.athlete or "",
            tag=args.tag or "",
        )
        where = history.path
    line = f"session {new_id} to the history: {safe_text(where, 300)}"
    if baseline:
        line += (
            f" (the rules compared this run with {baseline} earlier session"
            f"{'s' if baseline != 1 else ''}"
            + (f" of {safe_text(args.athlete, 60)}" if args.athlete else "")
            + ")"
        )
    if to_stdout:
        print(f"footfall: wrote {line}", file=sys.stderr)
    return line
