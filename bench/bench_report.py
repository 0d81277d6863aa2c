"""Build time and size of the coach's HTML report of a one-hour run.

The recording is bench_speed.py's: the virtual runner's 'easy-run' (two foot
IMUs at 200 Hz and two 16-cell insoles at 100 Hz), a 10-minute block tiled
to the length asked for, cached as a recording folder (the same cache, so a
recording bench_speed.py made is reused). It is analysed once
(``footfall.analyze``, timed apart: that is the analysis, not the report),
then the report is built from the analysis (:func:`footfall.report.html.
render_report`: the eight figures drawn and encoded as PNG, the steps table
written as CSV, zipped and encoded, the page filled in) ``--repeats`` times in
this process. The imports (matplotlib, Jinja2) are timed apart. The first
build is the one ``footfall report`` makes (the stance curves and the
pressure map are drawn from what the analysis kept,
``Analysis.stance``: no build reads or analyses the streams again). One more
build leaves the steps table out (``footfall report --no-steps``).

What the page is made of is measured too: each figure's drawing and
encoding time and its bytes in the page, the steps table's bytes (its CSV,
the ZIP of it and the ZIP's base64 in the page), and the rest (text, tables,
stylesheet). The memory the analysis keeps for the stance figures
(``Analysis.stance.nbytes``) is reported.

Usage::

    python bench/bench_report.py                 # one hour, 3 builds
    python bench/bench_report.py --minutes 0.2 --repeats 1 --out /tmp/r --cache /tmp/c

Prints the figures and writes bench/results/report.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import bench_speed  # noqa: E402

BOUND_S = 5.0
BOUND_MB = 5.0
"""The issue's bounds for the report of a one-hour run."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0, help="run length (default 60)")
    ap.add_argument("--repeats", type=int, default=3, help="report builds (default 3)")
    ap.add_argument(
        "--cache",
        type=Path,
        default=bench_speed.default_cache(),
        help="recording cache (default: bench_speed.py's)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=HERE / "results",
        help="folder of report.json (default bench/results)",
    )
    args = ap.parse_args(argv)

    bench_speed.byte_compile()
    folder = bench_speed.ensure_recording(args.minutes, "csv", args.cache, "feet+insoles")
    load_start = [round(x, 2) for x in os.getloadavg()]

    import footfall

    t0 = time.perf_counter()
    analysis = footfall.analyze(folder)
    analyse_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    import jinja2  # noqa: F401
    import matplotlib.backends.backend_agg  # noqa: F401

    from footfall.report import html as H
    from footfall.report.figures import FIGURES

    imports_s = time.perf_counter() - t0

    builds = []
    size = 0
    for _ in range(max(1, args.repeats)):
        t0 = time.perf_counter()
        page = H.render_report(analysis)
        builds.append(time.perf_counter() - t0)
        size = len(page.encode("utf-8"))
    t0 = time.perf_counter()
    small = len(H.render_report(analysis, steps=False).encode("utf-8"))
    no_steps_s = time.perf_counter() - t0
    out_dir = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    written = H.write_report(analysis, out_dir / "report-bench.html")
    write_report_s = time.perf_counter() - t0
    written.unlink()

    # what the page is made of
    parts = {}
    for name in FIGURES:
        t0 = time.perf_counter()
        (fig,) = H.report_figures(analysis, names=[name])
        parts[name] = {"seconds": round(time.perf_counter() - t0, 3), "bytes": len(fig.uri or "")}
    t0 = time.perf_counter()
    csv = H.report_steps_csv(analysis)
    csv_s = time.perf_counter() - t0
    n_csv = len(csv.encode("utf-8"))
    t0 = time.perf_counter()
    n_zip = len(H.report_steps_zip(analysis))
    zip_s = time.perf_counter() - t0
    csv_in_page = len("data:application/zip;base64,") + 4 * -(-n_zip // 3)  # base64
    stance = getattr(analysis, "stance", None)
    figures_bytes = sum(p["bytes"] for p in parts.values())

    later = builds[1:] or builds
    res = {
        "recording": f"bench_speed.py's simulated '{bench_speed.SCENARIO}' run (seed "
        f"{bench_speed.SEED}): 2 foot IMUs at 200 Hz + 2 insoles at 100 Hz, "
        f"{args.minutes:g} min, CSV",
        "minutes": args.minutes,
        "n_steps": len(analysis.steps),
        "steps_columns": len(analysis.steps.columns),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "load_average_start": load_start,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "analysis_s": round(analyse_s, 2),
        "imports_s": round(imports_s, 2),
        "report_build_s": round(builds[0], 2),
        "report_later_build_s": round(statistics.median(later), 2),
        "report_builds_s": [round(b, 2) for b in builds],
        "write_report_s": round(write_report_s, 2),
        "report_bytes": size,
        "report_mb": round(size / 1e6, 2),
        "report_no_steps_build_s": round(no_steps_s, 2),
        "report_no_steps_bytes": small,
        "report_no_steps_mb": round(small / 1e6, 2),
        "figure_dpi": H.FIGURE_DPI,
        "stance_kept_bytes": stance.nbytes if stance is not None else None,
        "parts": {
            "figures": parts,
            "figures_bytes": figures_bytes,
            "steps_csv_bytes": n_csv,
            "steps_zip_bytes": n_zip,
            "steps_csv_in_page_bytes": csv_in_page,
            "steps_csv_s": round(csv_s, 3),
            "steps_zip_s": round(zip_s, 3),  # the CSV written and zipped
            "rest_bytes": size - figures_bytes - csv_in_page,
        },
        "bound": {"seconds": BOUND_S, "mb": BOUND_MB},
    }
    res["within_bound"] = {
        "seconds": res["report_build_s"] <= BOUND_S,
        "mb": res["report_mb"] <= BOUND_MB,
    }
    (out_dir / "report.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")

    print(f"recording: {res['recording']}; {res['n_steps']} steps x {res['steps_columns']} columns")
    print(f"load average at start: {load_start}")
    print(f"analysis:            {res['analysis_s']:.2f} s (not part of the report)")
    print(f"imports:             {res['imports_s']:.2f} s (matplotlib, Jinja2)")
    print(f"report build:        {res['report_build_s']:.2f} s (bound {BOUND_S:g} s)")
    print(f"later builds:        {res['report_later_build_s']:.2f} s median of {len(later)}")
    print(f"write_report:        {res['write_report_s']:.2f} s")
    print(f"report size:         {res['report_mb']:.2f} MB (bound {BOUND_MB:g} MB)")
    print(
        f"without the steps:   {res['report_no_steps_build_s']:.2f} s, "
        f"{res['report_no_steps_mb']:.2f} MB (footfall report --no-steps)"
    )
    print("made of:")
    for name, p in parts.items():
        print(f"  figure {name:<14} {p['seconds']:6.2f} s {p['bytes'] / 1e3:8.0f} kB")
    print(
        f"  steps table           {zip_s:6.2f} s {csv_in_page / 1e3:8.0f} kB "
        f"(base64 of a {n_zip / 1e3:.0f} kB ZIP of a {n_csv / 1e3:.0f} kB CSV)"
    )
    print(f"  the rest                       {res['parts']['rest_bytes'] / 1e3:8.0f} kB")
    if stance is not None:
        print(f"kept for the stance figures: {stance.nbytes / 1e3:.0f} kB (Analysis.stance)")
    print(f"wrote {out_dir / 'report.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
