"""The ``footfall`` command line.

Thin: parse the arguments, call the library, print. Heavy modules (pandas,
the gait code, rich) are imported inside the commands so that ``--help``
answers quickly.

Exit codes: 0 done; 2 user error (bad path, bad file, bad option), printed as
``footfall: error: ...`` without a traceback; 1 internal error (a bug), printed
as one line, with the traceback under ``--debug``.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "ANALYZE_EPILOG",
    "COMMAND_MODULES",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_USAGE",
    "MAIN_EPILOG",
    "NO_ROOM_ERRNOS",
    "PROG",
    "READ_OPTIONS",
    "UsageError",
    "build_parser",
    "cmd_analyze",
    "main",
    "summary_document",
]


PROG = "footfall"

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2

ANALYZE_EPILOG = """\
examples:
  footfall analyze sample_data/gaitmap_walk
      analyse a recording folder (recording.json + one file per sensor)
  footfall analyze left_foot.csv --side left --acc-unit g --gyr-unit deg/s
      analyse a single stream file; options give what recording.json would
  footfall analyze myrun --json summary.json --steps steps.csv
      also save the run summary (JSON) and the steps table (CSV)
  footfall analyze myrun --json - | python3 -m json.tool
      summary JSON only, on standard output, for scripts
  footfall analyze myrun --symptoms symptoms.toml
      findings that combine the run with your symptoms (footfall symptoms -o FILE)
  footfall analyze left.csv right.csv
      several stream files as one recording (sides from the names, as footfall init)
  footfall analyze export.csv --map my_sensor.toml
      another layout, read with a column-mapping profile (docs/import.md)

exit codes: 0 done, 2 problem with the input or options, 1 internal error
"""

MAIN_EPILOG = """\
examples:
  footfall analyze sample_data/gaitmap_walk
  footfall simulate --scenario easy-run --minutes 5 -o runs/easy
  footfall analyze --help

exit codes: 0 done, 2 problem with the input or options, 1 internal error
"""


COMMAND_MODULES: tuple[str, ...] = (
    "footfall.sim.cli",
    "footfall.rules.cli",
    "footfall.devices.cli",
    "footfall.devices.emulate_cli",
    "footfall.capture.cli",
    "footfall.live.cli",
    "footfall.report.cli",
    "footfall.history.cli",
    "footfall.history.compare_cli",
    "footfall.init_cli",
    "footfall.convert_cli",
    "footfall.batch.cli",
)
"""Modules that add one subcommand each, with ``add_parser(subparsers, parents)``.

Each sets ``func`` on its parser (a function of the parsed arguments that
returns the exit code and raises :class:`~footfall.errors.FootfallError` for
user errors). A module here may import only the standard library at import
time: the parser is built for every command, including ``--help``, and the
heavy imports belong inside ``func``."""


class UsageError(Exception):
    """A command-line syntax problem found by the argument parser."""

    def __init__(self, message: str, parser: argparse.ArgumentParser):
        super().__init__(message)
        self.parser = parser


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of exiting, so :func:`main`
    decides how errors are printed and always returns an exit code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``footfall`` argument parser with its subcommands."""
    from footfall import __version__

    parser = _Parser(
        prog=PROG,
        description="Gait analysis from foot IMUs and pressure insoles, for runners "
        "whose feet go numb.",
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback when something fails"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    common = _Parser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show the full traceback when something fails",
    )

    p = sub.add_parser(
        "analyze",
        parents=[common],
        help="analyse a recording: per-step metrics, per-side summary, drift",
        description="Analyse a recording folder or a single stream file: find every foot\n"
        "contact, compute per-step metrics and print a per-side summary with\n"
        "asymmetry and drift over the run.",
        epilog=ANALYZE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "path",
        metavar="PATH",
        help="recording folder (with recording.json) or a single stream file (CSV or Parquet)",
    )
    p.add_argument(
        "more_paths",
        nargs="*",
        metavar="PATH",
        help="more stream files, analysed with the first as one recording",
    )
    p.add_argument(
        "--map",
        metavar="PROFILE",
        help="read the file(s) with this column-mapping profile: a .toml file or a shipped "
        "profile's name (moticon-text, ipol-xsens, gaitmap; docs/import.md)",
    )
    out = p.add_argument_group("outputs")
    out.add_argument(
        "--steps",
        metavar="FILE",
        help="write the steps table (one row per foot contact) to this CSV file, or "
        "Parquet when FILE ends in .parquet ('-': CSV on standard output)",
    )
    out.add_argument(
        "--json",
        metavar="FILE",
        help="write the run summary as JSON to FILE (a one-row Parquet table when FILE "
        "ends in .parquet); '-' writes JSON to standard output instead of the readable "
        "summary",
    )
    out.add_argument(
        "--plot",
        metavar="DIR",
        help="write every figure of the report as DIR/NAME.png (made when "
        "missing; see footfall plot --what list)",
    )
    rules = p.add_argument_group(
        "findings", "Likely contributors to numbness and red flags (docs/rules.md)."
    )
    rules.add_argument(
        "--symptoms",
        metavar="FILE",
        help="your symptom profile (.toml or .json, from footfall symptoms)",
    )
    rules.add_argument(
        "--rules",
        metavar="FILE",
        help="override rule thresholds with this TOML file ([rules.<id>] "
        "tables; see docs/rules.md)",
    )
    saved = p.add_argument_group(
        "history",
        "Keep the session for footfall history and footfall compare; the rules also "
        "compare the run with the athlete's latest saved sessions (their own baseline).",
    )
    saved.add_argument(
        "--save",
        action="store_true",
        help="store the summary, findings, symptoms and per-step values in the history",
    )
    saved.add_argument("--athlete", metavar="ID", help="whose session it is (with --save)")
    saved.add_argument("--tag", metavar="TEXT", help='a note, e.g. "new shoes" (with --save)')
    saved.add_argument(
        "--history",
        metavar="PATH",
        help="the history file (default: $FOOTFALL_HISTORY, else "
        "history.sqlite in the platform's data folder)",
    )
    single = p.add_argument_group(
        "single stream file",
        "What recording.json would say, for a stream file analysed on its own.",
    )
    single.add_argument("--side", choices=["left", "right"], help="which foot")
    single.add_argument(
        "--placement",
        choices=["foot", "shank"],
        help="where the IMU sits (foot: anywhere on the shoe)",
    )
    single.add_argument(
        "--acc-unit", dest="acc_unit", choices=["g", "m/s2"], help="accelerometer unit in the file"
    )
    single.add_argument(
        "--gyr-unit", dest="gyr_unit", choices=["deg/s", "rad/s"], help="gyroscope unit in the file"
    )
    single.add_argument(
        "--kind",
        choices=["imu", "insole"],
        help="what the file holds (default: insole when it has p1 .. pN columns, else imu)",
    )
    single.add_argument(
        "--layout", metavar="NAME", help="insole cell layout: moticon16 or sim16 (insole files)"
    )
    single.add_argument(
        "--pressure-unit",
        dest="pressure_unit",
        choices=["kPa", "N/cm2"],
        help="insole pressure unit in the file",
    )
    p.add_argument("--mount", metavar="NAME", help=_mount_help())
    single.add_argument("--surface", choices=["treadmill", "overground"], help="where the run was")
    single.add_argument(
        "--speed",
        dest="speed_mps",
        type=_positive_float,
        metavar="MPS",
        help="treadmill belt speed, m/s",
    )
    p.set_defaults(func=cmd_analyze)

    from importlib import import_module

    for name in COMMAND_MODULES:
        import_module(name).add_parser(sub, [common])
    return parser


# --------------------------------------------------------------------------
# analyze
# --------------------------------------------------------------------------

READ_OPTIONS = (
    "side",
    "placement",
    "acc_unit",
    "gyr_unit",
    "kind",
    "layout",
    "pressure_unit",
    "surface",
    "speed_mps",
)
"""Command-line options passed on to :func:`footfall.io.read_recording`."""


def _check_output(target: str | None, option: str, inputs: Path | None = None) -> None:
    """Fail before the analysis if an output file cannot be written, or
    would replace one of the inputs (``inputs``: the stream file, or the
    recording folder and every file in it); ``-`` is standard output."""
    if target is None or target == "-":
        return
    from footfall.io.atomic import check_output

    check_output(target, option, inputs)


def _write_text(target: str, text: str, option: str) -> None:
    """Write an output file atomically: a failure leaves the old file whole."""
    _write_bytes(target, text.encode("utf-8"), option)


def _write_bytes(target: str, data: bytes, option: str) -> None:
    """Write an output file atomically: a failure leaves the old file whole."""
    from footfall.errors import FootfallError
    from footfall.io.atomic import atomic_write_bytes

    try:
        atomic_write_bytes(target, data)
    except OSError as e:
        raise FootfallError(
            f"cannot write {option} output: {e.strerror or e}; any earlier "
            "file of that name is unchanged",
            path=target,
            fix="free disk space or choose a folder you may write to",
        ) from e


def summary_document(analysis: Any, source: str = "") -> dict[str, Any]:
    """The JSON written by ``--json``: the run summary (CONTRACTS.md section 3)
    plus ``source`` (default the recording's) and the analysis ``notes``."""
    from footfall.summary import to_jsonable

    doc = dict(analysis.summary)
    doc["source"] = source or getattr(analysis.recording, "source", "") or ""
    doc["notes"] = list(analysis.notes)
    return to_jsonable(doc)


def _mount_help() -> str:
    from footfall.live.cli import MOUNT_HELP

    return MOUNT_HELP + '; a stream\'s own "mount" in recording.json wins'


def _mapped_or_several(args: argparse.Namespace, path: Path, options: dict[str, Any]) -> Any:
    """The recording of ``--map PROFILE`` or of several stream files (read
    now, as :mod:`footfall.io.infer` infers them); None for one path
    without --map."""
    from footfall.errors import FootfallError

    if args.map is None and not args.more_paths:
        return None
    stream_opts = [k for k in options if k not in ("surface", "speed_mps")]
    allowed = {"side", "placement"} if args.map is not None and not args.more_paths else set()
    bad = [k for k in stream_opts if k not in allowed]
    if bad:
        names = ", ".join("--" + k.replace("_", "-") for k in bad)
        why = (
            "the profile names what the file holds"
            if args.map is not None
            else "each file's side, kind and units are inferred from its name and data"
        )
        raise FootfallError(
            f"{names} cannot be used here: {why}",
            path=str(path),
            fix=f"leave out {names}; to set them, write a recording folder (footfall init) "
            "or a profile",
        )
    condition = {k: options[k] for k in ("surface", "speed_mps") if k in options}
    if path.is_dir():
        raise FootfallError(
            "is a folder; --map and several paths take stream files",
            path=str(path),
            fix="give the stream files, or write the folder's recording.json with "
            "footfall init and analyse the folder",
        )
    if args.more_paths:
        from footfall.io.infer import read_files

        return read_files([path, *map(Path, args.more_paths)], profile=args.map, **condition)
    from footfall.io.mapping import read_with_profile

    return read_with_profile(path, args.map, **{k: options[k] for k in options})


def cmd_analyze(args: argparse.Namespace) -> int:
    """``footfall analyze PATH``."""
    import json

    from footfall.errors import FootfallError

    path = Path(args.path)
    if not path.exists():
        raise FootfallError(
            "no such file or folder",
            path=args.path,
            fix="give a recording folder (with recording.json) or a single stream file "
            "(CSV or Parquet)",
        )
    if args.steps == "-" and args.json == "-":
        raise FootfallError(
            "--steps - and --json - cannot both use standard output",
            fix="write one of them to a file",
        )
    for given in [path, *map(Path, args.more_paths)]:  # no output may replace an input
        _check_output(args.steps, "--steps", given)
        _check_output(args.json, "--json", given)
    if args.plot is not None:
        from footfall.report.cli import check_plot_folder

        check_plot_folder(args.plot, "--plot", path)
    from footfall.history.cli import baseline_summaries, check_save, save_session

    check_save(args)  # a bad history file fails before the analysis
    baseline = baseline_summaries(args)  # with --save: the athlete's earlier sessions
    earlier: dict[str, Any] = {"history": baseline} if baseline else {}

    options = {k: getattr(args, k) for k in READ_OPTIONS if getattr(args, k) is not None}
    from footfall.model import check_mount_option

    check_mount_option(args.mount)

    from footfall._memory import reuse_freed_memory

    reuse_freed_memory()  # a short-lived process: keep freed memory for the next array
    from footfall import pipeline
    from footfall.rules.ruleset import load_rules
    from footfall.rules.symptoms import load_symptoms

    symptoms = load_symptoms(args.symptoms) if args.symptoms else None
    ruleset = load_rules(overrides=args.rules)  # both checked before the analysis
    from footfall.report.terminal import progress_bar

    with progress_bar(f"reading {path.name}", "analysing", "streams") as progress:
        # keyword arguments of the analysis: no progress argument without a bar
        bar: dict[str, Any] = {"progress": progress} if progress is not None else {}
        recording = _mapped_or_several(args, path, options)
        if args.mount:
            from footfall.io import read_recording
            from footfall.model import Placement, SensorKind

            if recording is None:
                recording = read_recording(path, **options)
            for s in recording.streams:
                if (
                    s.kind == SensorKind.IMU
                    and s.placement == Placement.FOOT
                    and not s.meta.get("mount")
                ):
                    s.meta["mount"] = args.mount
            analysis = pipeline.analyze(
                recording, symptoms=symptoms, rules=ruleset, **earlier, **bar
            )
        elif recording is not None:
            analysis = pipeline.analyze(
                recording, symptoms=symptoms, rules=ruleset, **earlier, **bar
            )
        else:
            analysis = pipeline.analyze(
                path, symptoms=symptoms, rules=ruleset, **earlier, **bar, **options
            )
    source = getattr(analysis.recording, "source", "") or str(path)

    to_stdout = "-" in (args.steps, args.json)
    written: list[str] = []
    from footfall.io.export import is_parquet_name

    if args.json is not None and args.json != "-" and is_parquet_name(args.json):
        from footfall.io.export import document_parquet_bytes

        data = document_parquet_bytes(summary_document(analysis, source))
        _write_bytes(args.json, data, "--json")
        written.append(f"summary (Parquet): {args.json}")
    elif args.json is not None:
        text = json.dumps(summary_document(analysis, source), indent=2, allow_nan=False) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            _write_text(args.json, text, "--json")
            written.append(f"summary JSON: {args.json}")
    if args.steps is not None and args.steps != "-" and is_parquet_name(args.steps):
        from footfall.io.export import table_parquet_bytes

        _write_bytes(args.steps, table_parquet_bytes(analysis.steps), "--steps")
        written.append(f"steps table (Parquet): {args.steps} ({len(analysis.steps)} rows)")
    elif args.steps is not None:
        csv = analysis.steps.to_csv(index=False, lineterminator="\n")
        if args.steps == "-":
            sys.stdout.write(csv)
        else:
            _write_text(args.steps, csv, "--steps")
            written.append(f"steps table: {args.steps} ({len(analysis.steps)} rows)")
    if args.plot is not None:
        from footfall.report.cli import write_plots

        written.append(write_plots(analysis, args.plot, "--plot", symptoms=symptoms))

    if args.save:
        written.append(
            save_session(args, analysis, symptoms, to_stdout=to_stdout, baseline=len(baseline))
        )
    if not to_stdout:
        from footfall.report.terminal import make_console, render_summary

        console = make_console()
        render_summary(analysis.summary, source=source, notes=analysis.notes, console=console)
        for line in written:
            console.print(f"Wrote {line}", style="dim", highlight=False, markup=False)
    sys.stdout.flush()
    return EXIT_OK


# --------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------


NO_ROOM_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""Write errors that are the disk's, not footfall's: no space left, a quota,
a file size limit. They exit 2 with a message, not as an internal error."""


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``footfall`` command.

    Parameters
    ----------
    argv
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 done, 2 user error, 1 internal error.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        e.parser.print_usage(sys.stderr)
        _error(str(e))
        return EXIT_USAGE
    except SystemExit as e:  # --help, --version
        return e.code if isinstance(e.code, int) else EXIT_OK

    debug = bool(getattr(args, "debug", False))
    func: Callable[[argparse.Namespace], int] = args.func
    from footfall.errors import FootfallError

    try:
        return func(args)
    except FootfallError as e:
        if debug:
            traceback.print_exc()
        _error(e.message)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as e:  # the last line of defence: a bug, or a full disk
        if debug:
            traceback.print_exc()
        if isinstance(e, MemoryError):  # the machine's, not footfall's: numpy, pyarrow
            detail = str(e).splitlines()[0] if str(e) else ""
            _error(
                FootfallError(
                    "not enough memory for this command" + (f" ({detail})" if detail else ""),
                    path=getattr(args, "path", None),
                    fix="free memory (close other programs) or use a computer with more; with a "
                    "long recording, analyse a shorter part of it; nothing already recorded "
                    "was changed",
                ).message
            )
            return EXIT_USAGE
        if isinstance(e, OSError) and e.errno in NO_ROOM_ERRNOS:
            _error(
                FootfallError(
                    f"cannot write: {e.strerror or e}",
                    path=str(e.filename) if e.filename else None,
                    fix="free some disk space (or write elsewhere, e.g. with -o) and run the "
                    "command again; nothing already recorded was changed",
                ).message
            )
            return EXIT_USAGE
        detail = str(e).splitlines()[0] if str(e) else ""
        print(
            f"{PROG}: internal error: {type(e).__name__}" + (f": {detail}" if detail else ""),
            file=sys.stderr,
        )
        if not debug:
            print("run with --debug for the traceback", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
