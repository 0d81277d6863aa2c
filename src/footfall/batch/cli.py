"""``footfall batch INPUTS... -o OUT``: many recordings analysed into one
output folder (docs/batch.md).

Only the standard library at import time: ``footfall --help`` builds this
parser.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["EPILOG", "add_parser", "run"]

EPILOG = """\
examples:
  footfall batch runs/ -o season
      every recording folder (and FIT file) under runs/, on all cores
  footfall batch 'runs/*/2026-*' export.fit -o season --jobs 2
      globs and files; two worker processes
  footfall batch squad.csv -o season --symptoms symptoms.toml
      a manifest CSV: path,athlete,session,tag,symptoms (path required)
  footfall batch squad.csv -o season --dask tcp://scheduler:8786
      on an existing Dask cluster (pip install 'footfall[dask]')
  footfall batch runs/ -o season --dask local
      a local Dask cluster of two worker processes, for trying it

OUT gets steps/ (a Parquet dataset partitioned by athlete, or by date),
summaries.parquet, findings.parquet, failures.parquet and failures.csv.
Running again skips the recordings that are unchanged (files, labels,
symptoms, footfall version); --force analyses everything again.

exit codes: 0 done (recordings that could not be analysed are listed in
OUT/failures.csv), 2 problem with the inputs or options, 1 internal error
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def add_parser(
    subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] | None = None
) -> argparse.ArgumentParser:
    """Add the ``batch`` subcommand."""
    p = subparsers.add_parser(
        "batch",
        parents=list(parents or []),
        help="analyse many recordings into one table of steps, summaries and findings",
        description="Analyse every recording that INPUTS name (recording folders, files, "
        "folders holding recordings, globs, manifest CSVs) in parallel, and write the "
        "steps, summaries, findings and failures as Parquet to OUT.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="recordings to analyse")
    p.add_argument("-o", "--out", required=True, metavar="OUT", help="the output folder")
    p.add_argument(
        "--jobs",
        type=_positive_int,
        metavar="N",
        help="worker processes (default: one per core; with --dask local: 2; a Dask "
        "scheduler's cluster has the workers it has)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run on the Dask scheduler at ADDRESS (tcp://HOST:8786), or 'local' for a "
        "local Dask cluster",
    )
    p.add_argument(
        "--symptoms",
        metavar="FILE",
        help="symptom profile of every recording whose manifest row names none",
    )
    p.add_argument(
        "--force", action="store_true", help="analyse every recording again, changed or not"
    )
    p.set_defaults(func=run)
    return p


@contextmanager
def _progress() -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar with the time left on standard error when it is a
    terminal; nothing when it is piped or redirected."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from footfall.report.terminal import make_console

    with Progress(
        TextColumn("analysing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("recordings"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=make_console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("batch", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def run(args: argparse.Namespace) -> int:
    """``footfall batch INPUTS... -o OUT``."""
    from pathlib import Path

    from footfall.batch.engine import run_batch
    from footfall.batch.inputs import collect_inputs
    from footfall.errors import FootfallError

    symptoms = None
    if args.symptoms is not None:
        from footfall.rules.symptoms import load_symptoms

        load_symptoms(args.symptoms)  # a bad profile fails before any work
        symptoms = str(Path(args.symptoms).absolute())
    items = collect_inputs(list(args.inputs), symptoms=symptoms, out=args.out)
    if not items:
        raise FootfallError(
            "the inputs name no recording (only the output folder)",
            fix="give recording folders, files, globs or a manifest CSV",
        )
    report: Any
    try:
        with _progress() as progress:
            if args.dask is not None:
                from footfall.batch.cluster import dask_client, worker_count

                with dask_client(args.dask, args.jobs) as client:
                    report = run_batch(
                        items,
                        args.out,
                        client,
                        workers=worker_count(client),
                        force=args.force,
                        progress=progress,
                    )
            else:
                from concurrent.futures import ProcessPoolExecutor

                jobs = args.jobs or os.cpu_count() or 1
                with ProcessPoolExecutor(max_workers=jobs) as pool:
                    report = run_batch(
                        items, args.out, pool, workers=jobs, force=args.force, progress=progress
                    )
    except OSError as e:
        import errno

        no_room = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        if e.errno not in no_room and not isinstance(e, PermissionError):
            raise
        raise FootfallError(
            f"cannot write the output: {e.strerror or e}",
            path=str(e.filename or args.out),
            fix="free disk space or give -o a folder you may write to; the earlier output, "
            "if any, is unchanged",
        ) from e
    line = (
        f"analysed {report.analysed}, skipped as unchanged {report.skipped}, failed {report.failed}"
    )
    where = f"{args.out}" + (" (unchanged)" if not report.rewritten else "")
    if report.failures:
        where += (
            f"; {len(report.failures)} recording(s) that could not be analysed are "
            f"listed in {Path(args.out) / 'failures.csv'}"
        )
    sys.stdout.write(f"{line}: {where}\n")
    return 0
