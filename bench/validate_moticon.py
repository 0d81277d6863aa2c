"""Insole validation: Moticon OpenGo walks and the simulated forefoot loader.

Checks (issue 4):

- Moticon OpenGo example walks (../shared/data/moticon_opengo): footfall's
  initial contacts and toe-offs from pressure against the vendor's own
  ``steps[]`` events (share matched within 30 ms, median error), and stance
  time against the vendor's gait report (``gait_report_*.xlsx``, read with the
  standard library); the ``moticon16`` cell layout refitted from the vendor's
  centre of pressure and total force, with residuals.
- Virtual runner: strike pattern from the strike index against the truth,
  forefoot and lateral-forefoot load shares of the ``forefoot-loader``
  scenario against the truth.
- Fusion: a foot IMU and an insole of the same foot whose clocks differ by a
  known offset (the insole's time axis shifted by a few hundred ms), aligned
  from the events; error of the offset found, in insole samples.

``run()`` returns the results as a dict; ``python bench/validate_moticon.py``
prints a table and writes bench/results/moticon.json.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from datasets import shared_data_dir  # noqa: E402

MATCH_S = 0.030
FUSION_SHIFT_S = 0.347
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RNS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def moticon_dir() -> Path | None:
    root = shared_data_dir()
    if root is None or not (Path(root) / "moticon_opengo").is_dir():
        return None
    return Path(root) / "moticon_opengo"


def read_xlsx(path: Path) -> dict[str, list[dict[str, str]]]:
    """Sheets of an .xlsx file as lists of rows ({column letter: text})."""
    z = zipfile.ZipFile(path)
    shared: list[str] = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(f"{_NS}si"):
            shared.append("".join(t.text or "" for t in si.iter(f"{_NS}t")))
    rels = {
        r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    }
    out: dict[str, list[dict[str, str]]] = {}
    for sheet in ET.fromstring(z.read("xl/workbook.xml")).iter(f"{_NS}sheet"):
        target = rels[sheet.get(_RNS)].lstrip("/")
        target = target if target.startswith("xl/") else f"xl/{target}"
        rows = []
        for row in ET.fromstring(z.read(target)).iter(f"{_NS}row"):
            cells: dict[str, str] = {}
            for c in row.iter(f"{_NS}c"):
                col = re.match(r"[A-Z]+", c.get("r", "")).group()
                v = c.find(f"{_NS}v")
                if v is None or v.text is None:
                    continue
                cells[col] = shared[int(v.text)] if c.get("t") == "s" else v.text
            rows.append(cells)
        out[sheet.get("name")] = rows
    return out


def vendor_report_steps(path: Path, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Initial contact times and stance times (s) of one side from a gait report."""
    rows = read_xlsx(path)[f"{side.capitalize()} Steps"]
    head = rows[0]
    col = {v: k for k, v in head.items()}
    ic = np.array([float(r[col["Initial contact (s)"]]) for r in rows[1:]])
    stance = np.array([float(r[col["Stance (s)"]]) for r in rows[1:]])
    return ic, stance


def _nearest(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each b, the index of the nearest a and the signed difference a - b."""
    if len(a) == 0:
        return np.zeros(len(b), int), np.full(len(b), np.inf)
    j = np.clip(np.searchsorted(a, b), 1, max(len(a) - 1, 1))
    cand = np.stack([np.maximum(j - 1, 0), np.minimum(j, len(a) - 1)], axis=1)
    k = cand[np.arange(len(b)), np.argmin(np.abs(a[cand] - b[:, None]), axis=1)]
    return k, a[k] - b


def fit_layout(files: list[Path]) -> dict:
    """Refit the moticon16 cell positions and areas from the vendor's COP and
    total force; compare with footfall's table."""
    from footfall.gait.layouts import MOTICON16_AREAS_CM2, MOTICON16_CELLS
    from footfall.io import read_recording

    p_all, f_all, cop_all = [], [], []
    for f in files:
        for s in read_recording(f).select(kind="insole"):
            p = s.values[:, :16] / 10.0  # back to N/cm^2
            p_all.append(p)
            f_all.append(s.column("force_n"))
            cop_all.append(s.meta["vendor_cop"])
    p, force, cop = np.vstack(p_all), np.concatenate(f_all), np.vstack(cop_all)
    areas, *_ = np.linalg.lstsq(p, force, rcond=None)
    force_rms = float(np.sqrt(np.mean((p @ areas - force) ** 2)))
    w = p * areas
    ok = (w.sum(1) > 50) & np.isfinite(cop).all(1)
    a = w[ok] / w[ok].sum(1, keepdims=True)
    x, *_ = np.linalg.lstsq(a, cop[ok, 0], rcond=None)
    m, *_ = np.linalg.lstsq(a, cop[ok, 1], rcond=None)
    return {
        "samples": int(ok.sum()),
        "force_residual_rms_n": force_rms,
        "cop_residual_rms_length": float(np.sqrt(np.mean((a @ x - cop[ok, 0]) ** 2))),
        "cop_residual_rms_width": float(np.sqrt(np.mean((a @ m - cop[ok, 1]) ** 2))),
        "max_cell_difference_vs_table": float(np.abs(np.c_[x, m] - MOTICON16_CELLS).max()),
        "max_area_difference_vs_table_cm2": float(np.abs(areas - MOTICON16_AREAS_CM2).max()),
    }


def moticon_events(folder: Path) -> dict:
    """Events and stance times against the vendor on every OpenGo walk."""
    from footfall.gait.pressure import analyze_insole_stream
    from footfall.io import read_recording

    errs: dict[str, list[float]] = {"ic": [], "to": []}
    matched = {"ic": 0, "to": 0}
    total = {"ic": 0, "to": 0}
    extra = 0
    stance_err_pct: list[float] = []
    per_file = []
    for f in sorted(folder.glob("2*.txt")):
        rec = read_recording(f)
        stamp = f.stem  # 230927_102114 -> gait_report_230927_10_21_14.xlsx
        report = folder / f"gait_report_{stamp[:6]}_{stamp[7:9]}_{stamp[9:11]}_{stamp[11:13]}.xlsx"
        for s in rec.select(kind="insole"):
            res = analyze_insole_stream(s)
            st = res.steps
            ven = s.meta["vendor_events"]
            row = {
                "file": f.name,
                "side": s.side.value,
                "steps": len(st),
                "vendor_heel_strikes": len(ven["ic_s"]),
            }
            for k in ("ic", "to"):
                mine = st[f"{k}_s"].to_numpy()
                v = np.asarray(ven[f"{k}_s"])
                _, d = _nearest(mine, v)
                ok = np.abs(d) <= MATCH_S
                total[k] += len(v)
                matched[k] += int(ok.sum())
                errs[k].extend(d[ok].tolist())
            # footfall contacts inside the vendor's span that the vendor does not have
            v_ic = np.asarray(ven["ic_s"])
            if len(v_ic):
                mine = st["ic_s"].to_numpy()
                inside = mine[(mine >= v_ic[0] - MATCH_S) & (mine <= v_ic[-1] + MATCH_S)]
                _, d = _nearest(v_ic, inside)
                extra += int((np.abs(d) > MATCH_S).sum())
            if report.is_file():
                ric, rst = vendor_report_steps(report, s.side.value)
                j, d = _nearest(st["ic_s"].to_numpy(), ric)
                ok = (np.abs(d) <= MATCH_S) & np.isfinite(rst)
                mine_ms = st["contact_ms"].to_numpy()[j[ok]]
                e = 100.0 * (mine_ms / 1000.0 - rst[ok]) / rst[ok]
                stance_err_pct.extend(e.tolist())
                row["report_steps_matched"] = int(ok.sum())
            per_file.append(row)
    all_err = np.abs(np.r_[errs["ic"], errs["to"]]) * 1000.0
    n_total = total["ic"] + total["to"]
    se = np.asarray(stance_err_pct)
    return {
        "vendor_events": n_total,
        "matched_within_30ms_pct": 100.0 * (matched["ic"] + matched["to"]) / max(n_total, 1),
        "heel_strike_matched_pct": 100.0 * matched["ic"] / max(total["ic"], 1),
        "toe_off_matched_pct": 100.0 * matched["to"] / max(total["to"], 1),
        "median_abs_error_ms": float(np.median(all_err)) if len(all_err) else None,
        "heel_strike_median_error_ms": float(np.median(errs["ic"]) * 1000) if errs["ic"] else None,
        "toe_off_median_error_ms": float(np.median(errs["to"]) * 1000) if errs["to"] else None,
        "extra_contacts_inside_vendor_span": extra,
        "stance_steps_compared": int(len(se)),
        "stance_mean_abs_error_pct": float(np.mean(np.abs(se))) if len(se) else None,
        "stance_max_abs_error_pct": float(np.max(np.abs(se))) if len(se) else None,
        "stance_within_5pct_pct": float(100.0 * np.mean(np.abs(se) <= 5.0)) if len(se) else None,
        "per_file": per_file,
    }


def _truth_match(steps, truth, side: str, offset_s: float):
    tr = truth[truth["side"] == side].reset_index(drop=True)
    mine = steps[steps["side"] == side].reset_index(drop=True)
    j, d = _nearest(mine["ic_s"].to_numpy(), tr["ic_s"].to_numpy() + offset_s)
    ok = np.abs(d) <= 0.05
    return mine.iloc[j[ok]].reset_index(drop=True), tr[ok].reset_index(drop=True), len(tr)


def simulated(minutes: float = 3.0, seed: int = 4) -> dict:
    """Strike pattern and load shares against the virtual runner's truth."""
    from footfall.gait.pressure import analyze_insole_stream
    from footfall.sim import simulate

    out: dict = {"minutes": minutes, "seed": seed, "scenarios": {}}
    right_all, n_all = 0, 0
    for name in ("forefoot-loader", "easy-run", "midfoot-runner", "heavy-heel-striker"):
        rec, truth = simulate(name, minutes=minutes, seed=seed, sensors=("insole",))
        clocks = rec.meta["simulation"]["clocks"]
        entry: dict = {}
        right, n, n_truth = 0, 0, 0
        share_err = {"forefoot_load_pct": [], "lateral_forefoot_load_pct": []}
        for s in rec.select(kind="insole"):
            off = clocks[f"{s.side.value}_insole"]["offset_s"]
            st = analyze_insole_stream(s).steps
            a, b, nt = _truth_match(st, truth, s.side.value, off)
            n_truth += nt
            n += len(a)
            right += int((a["strike_pattern"] == b["strike_pattern"]).sum())
            for c in share_err:
                share_err[c].extend((a[c] - b[c]).tolist())
        entry["contacts_found_pct"] = 100.0 * n / max(n_truth, 1)
        entry["strike_pattern_right_pct"] = 100.0 * right / max(n, 1)
        for c, e in share_err.items():
            e = np.asarray(e)
            entry[f"{c}_mean_error_points"] = float(np.mean(e))
            entry[f"{c}_p95_abs_error_points"] = float(np.percentile(np.abs(e), 95))
        out["scenarios"][name] = entry
        right_all += right
        n_all += n
    out["strike_pattern_right_pct_all"] = 100.0 * right_all / max(n_all, 1)
    return out


def fusion(folder: Path | None, minutes: float = 3.0, seed: int = 4) -> dict:
    """Clock offset between a foot IMU and an insole of the same foot, found
    from the events, against the known offset."""
    from footfall.model import Recording, SensorKind, Stream
    from footfall.pipeline import analyze
    from footfall.sim import simulate

    def shifted(rec: Recording, shift_s: float) -> Recording:
        # the insole moved onto a clock of its own: it no longer shares one
        # with its IMU, so the offset is estimated from the data
        streams = [
            Stream(
                kind=s.kind,
                side=s.side,
                placement=s.placement,
                time_s=s.time_s + (shift_s if s.kind == SensorKind.INSOLE else 0.0),
                values=s.values,
                columns=s.columns,
                name=s.name,
                meta={
                    k: v
                    for k, v in s.meta.items()
                    if not (k == "clock" and s.kind == SensorKind.INSOLE)
                },
            )
            for s in rec.streams
        ]
        return Recording(streams=streams, meta=rec.meta, source=rec.source)

    out: dict = {"shift_s": FUSION_SHIFT_S, "cases": []}
    # simulated foot IMU + insole: device clocks known from the simulation
    rec, _ = simulate(
        "forefoot-loader", minutes=minutes, seed=seed, sensors=("foot", "insole"), profile="field"
    )
    clocks = rec.meta["simulation"]["clocks"]
    an = analyze(shifted(rec, FUSION_SHIFT_S))
    for s in rec.select(kind="insole"):
        side = s.side.value
        info = an.streams[s.name]
        truth = (
            clocks[f"{side}_foot"]["offset_s"]
            - clocks[f"{side}_insole"]["offset_s"]
            - FUSION_SHIFT_S
        )
        found = info.get("clock_offset_s", float("nan"))
        out["cases"].append(
            {
                "case": f"simulated forefoot-loader, field profile, {side}",
                "true_offset_s": truth,
                "found_offset_s": found,
                "error_ms": 1000.0 * (found - truth),
                "insole_sample_ms": 1000.0 / s.fs_hz,
            }
        )
    # Moticon insole and its own IMU: one clock, so the truth is the shift applied
    if folder is not None:
        from footfall.io import read_recording

        for f in sorted(folder.glob("2*.txt")):
            rec = read_recording(f)
            an = analyze(shifted(rec, FUSION_SHIFT_S))
            for s in rec.select(kind="insole"):
                found = an.streams[s.name].get("clock_offset_s", float("nan"))
                out["cases"].append(
                    {
                        "case": f"Moticon {f.name}, {s.side.value}",
                        "true_offset_s": -FUSION_SHIFT_S,
                        "found_offset_s": found,
                        "error_ms": 1000.0 * (found + FUSION_SHIFT_S),
                        "insole_sample_ms": 1000.0 / s.fs_hz,
                    }
                )
    errs = np.array([abs(c["error_ms"]) for c in out["cases"]])
    samples = np.array([c["insole_sample_ms"] for c in out["cases"]])
    out["within_one_sample"] = int(np.sum(errs <= samples))
    out["cases_total"] = len(errs)
    out["max_abs_error_ms"] = float(np.nanmax(errs)) if len(errs) else None
    return out


def run() -> dict:
    """All insole checks; Moticon parts are skipped (None) without the shared data."""
    folder = moticon_dir()
    result: dict = {"moticon": None, "layout_fit": None}
    if folder is not None:
        files = sorted(folder.glob("2*.txt"))
        result["layout_fit"] = fit_layout(files)
        result["moticon"] = moticon_events(folder)
    result["simulated"] = simulated()
    result["fusion"] = fusion(folder)
    return result


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def main() -> None:
    res = run()
    out = HERE / "results" / "moticon.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    if res["moticon"]:
        m = res["moticon"]
        print("Moticon OpenGo walks vs the vendor's events and gait report")
        for k in (
            "vendor_events",
            "matched_within_30ms_pct",
            "median_abs_error_ms",
            "heel_strike_median_error_ms",
            "toe_off_median_error_ms",
            "extra_contacts_inside_vendor_span",
            "stance_steps_compared",
            "stance_mean_abs_error_pct",
            "stance_max_abs_error_pct",
            "stance_within_5pct_pct",
        ):
            print(f"  {k:40s} {_fmt(m[k])}")
        print("moticon16 layout refit")
        for k, v in res["layout_fit"].items():
            print(f"  {k:40s} {_fmt(v)}")
    else:
        print("Moticon data not found (../shared/data/moticon_opengo): skipped")
    print("Simulated insoles vs truth")
    for name, e in res["simulated"]["scenarios"].items():
        print(f"  {name}")
        for k, v in e.items():
            print(f"    {k:44s} {_fmt(v)}")
    print(
        f"  strike pattern right, all scenarios: "
        f"{res['simulated']['strike_pattern_right_pct_all']:.1f} %"
    )
    print("Fusion: clock offset found vs known")
    for c in res["fusion"]["cases"]:
        print(
            f"  {c['case']:48s} error {c['error_ms']:+6.1f} ms "
            f"(one sample {c['insole_sample_ms']:.0f} ms)"
        )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
