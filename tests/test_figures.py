"""footfall.report.figures: what each figure draws (points, colours, axis
labels and units, spans, onset, stance curves, pressure cells), checked on
the artists, not on pixels; and that every figure renders to PNG and SVG."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import to_hex, to_rgba  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

import footfall  # noqa: E402
from footfall.gait.pressure import IC_LEVEL_BW, TO_LEVEL_BW  # noqa: E402
from footfall.registry import METRICS  # noqa: E402
from footfall.report import figures as F  # noqa: E402
from footfall.report.style import SIDE_STYLE  # noqa: E402
from footfall.rules import evaluate  # noqa: E402
from footfall.rules.symptoms import SymptomProfile  # noqa: E402
from footfall.sim import simulate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LEFT, RIGHT = "#0072b2", "#d55e00"
SYMPTOMS = {"foot": "left", "locations": ["ball", "between_3_4"], "onset_min": 1.0}


@pytest.fixture(scope="module")
def run():
    """A simulated 2-minute run with foot and shank IMUs and insoles."""
    rec, _ = simulate("forefoot-loader", 2.0, 1, sensors=("foot", "shank", "insole"))
    return footfall.analyze(rec)


@pytest.fixture(scope="module")
def walk():
    """The gaitmap sample: a walk, foot IMUs only."""
    return footfall.analyze(ROOT / "sample_data" / "gaitmap_walk")


@pytest.fixture(scope="module")
def findings(run):
    return evaluate(run.summary, run.steps, symptoms=SYMPTOMS)


def _gid(fig, gid):
    """The artists of ``fig`` with this gid."""
    return [
        a
        for ax in fig.axes
        for a in (*ax.lines, *ax.patches, *ax.collections)
        if a.get_gid() == gid
    ]


def _one(fig, gid):
    found = _gid(fig, gid)
    assert len(found) == 1, (gid, len(found))
    return found[0]


def _label(name):
    m = METRICS[name]
    return f"{m.label} ({m.unit})"


def _side_values(steps, name, side):
    rows = steps[steps["side"] == side]
    v = rows[name].to_numpy(dtype=float)
    t = rows["ic_s"].to_numpy(dtype=float)
    ok = np.isfinite(v) & np.isfinite(t)
    return t[ok], v[ok]


def _span_x(patch):
    if isinstance(patch, Rectangle):
        b = patch.get_bbox()
        return float(b.x0), float(b.x1)
    xy = np.asarray(patch.get_xy())
    return float(xy[:, 0].min()), float(xy[:, 0].max())


# ------------------------------------------------------------- series


@pytest.mark.parametrize("name", ["contact_ms", "impact_g", "forefoot_load_pct"])
def test_series_one_point_per_step_with_a_value_per_side(run, name):
    fig = F.metric_series(run, name)
    ax = fig.axes[0]
    assert ax.get_ylabel() == _label(name)
    assert ax.get_xlabel().endswith("(min)")
    t0 = np.nanmin(run.steps["ic_s"].to_numpy(dtype=float))
    for side, colour in (("left", LEFT), ("right", RIGHT)):
        t, v = _side_values(run.steps, name, side)
        pts = _one(fig, f"steps-{side}")
        assert len(pts.get_xdata()) == len(v) > 100
        assert to_hex(pts.get_color()) == colour
        assert pts.get_marker() == SIDE_STYLE[side].marker
        order = np.argsort(t, kind="stable")
        np.testing.assert_allclose(pts.get_xdata(), (t[order] - t0) / 60.0)
        np.testing.assert_allclose(pts.get_ydata(), v[order])
        med = _one(fig, f"median-{side}")
        assert med.get_linestyle() == ("-" if side == "left" else "--")
        y = v[order]
        np.testing.assert_allclose(
            med.get_ydata(), [np.median(y[max(0, i - 7) : i + 8]) for i in range(len(y))]
        )
    assert F.missing(fig) == []


def test_series_takes_the_steps_table_too(walk):
    fig = F.metric_series(walk.table, "stride_ms")  # a ColumnTable
    for side in ("left", "right"):
        _, v = _side_values(walk.steps, "stride_ms", side)
        assert len(_one(fig, f"steps-{side}").get_xdata()) == len(v) > 10
    assert fig.axes[0].get_ylabel() == "Stride time (ms)"


def _whole_run_item(finding, steps):
    """A sensor evidence item of ``finding`` that holds over the whole run,
    about a numeric steps-table column; None without one."""
    for i in finding.evidence_items:
        name = str(i.get("fact", "")).partition(".")[0]
        part = str(i.get("part") or "")
        if (
            i.get("source") == "sensors"
            and i.get("holds")
            and name in steps.columns
            and np.issubdtype(steps[name].dtype, np.number)
            and not part.startswith(("after the symptom onset", "last third"))
        ):
            return i
    return None


def test_series_shades_the_findings_parts_and_marks_the_onset(run, findings):
    # a real finding of this run with sensor evidence over the whole run ...
    about = [f for f in findings if _whole_run_item(f, run.steps) is not None]
    assert about
    item = _whole_run_item(about[0], run.steps)
    name = str(item["fact"]).partition(".")[0]
    facts = {str(i.get("fact", "")).partition(".")[0] for i in about[0].evidence_items}
    other = next(m for m in ("contact_ms", "cadence_spm", "impact_g") if m not in facts)
    end = float(np.ptp(run.steps["ic_s"].to_numpy(dtype=float))) / 60.0
    # ... and the same finding with its evidence after the onset and in the last third
    late = dataclasses.replace(
        about[0],
        evidence_items=(
            {**item, "part": "after the symptom onset (1 min) vs before"},
            {**item, "part": "last third vs first third of the run"},
            {**item, "fact": other, "part": "last third vs first third of the run"},
            {**item, "part": "after the symptom onset (1 min) vs before", "holds": False},
        ),
    )
    profile = SymptomProfile.from_dict(SYMPTOMS)
    assert F.finding_spans(late, run.steps, onset_min=1.0, metric_name=name) == [
        (1.0, end),
        (2.0 * end / 3.0, end),
    ]
    fig = F.metric_series(run, name, findings=[late], symptoms=profile)
    spans = sorted(_span_x(p) for p in _gid(fig, "span"))
    np.testing.assert_allclose(spans, sorted([(1.0, end), (2.0 * end / 3.0, end)]))
    onset = _one(fig, "onset")
    assert list(onset.get_xdata()) == [1.0, 1.0]
    fig = F.metric_series(run, name, findings=about[:1])
    np.testing.assert_allclose([_span_x(p) for p in _gid(fig, "span")], [(0.0, end)])
    assert _gid(fig, "onset") == []
    # another metric: the finding's evidence is not about it, nothing shaded
    assert _gid(F.metric_series(run, other, findings=about[:1]), "span") == []


def test_onset_in_km_is_turned_into_minutes_as_the_rules_do(run):
    speed = run.summary["metrics"]["speed_mps"]["median"]
    assert F.onset_minute({"onset_km": 0.5}, run.summary) == pytest.approx(500 / speed / 60)
    assert F.onset_minute(2.5) == 2.5
    assert F.onset_minute(None) is None


# ------------------------------------------------------------- onset, sides


def test_before_after_splits_the_steps_at_the_onset(run):
    fig = F.before_after_onset(run, ["contact_ms", "impact_g"], symptoms=SYMPTOMS)
    assert [ax.get_ylabel() for ax in fig.axes[:2]] == [_label("contact_ms"), _label("impact_g")]
    t0 = np.nanmin(run.steps["ic_s"].to_numpy(dtype=float))
    for name, ax in zip(["contact_ms", "impact_g"], fig.axes, strict=False):
        meds = {ln.get_gid(): ln for ln in ax.lines if str(ln.get_gid()).startswith("median-")}
        assert len(meds) == 4
        for side in ("left", "right"):
            t, v = _side_values(run.steps, name, side)
            after = (t - t0) >= 60.0
            assert meds[f"median-{side}-before"].get_ydata()[0] == pytest.approx(
                np.median(v[~after])
            )
            assert meds[f"median-{side}-after"].get_ydata()[0] == pytest.approx(np.median(v[after]))
        boxes = {p.get_gid(): p for p in ax.patches if p.get_gid()}
        assert to_hex(boxes["left-after"].get_facecolor()) == LEFT
        assert to_hex(boxes["right-after"].get_facecolor()) == RIGHT
        assert boxes["right-before"].get_hatch() and not boxes["left-before"].get_hatch()


def test_side_distributions_draw_both_sides_in_their_colours(run):
    names = ["contact_ms", "shank_angle_ic_deg", "peak_forefoot_kpa"]
    fig = F.side_distributions(run, names)
    for ax, name in zip(fig.axes, names, strict=False):
        assert ax.get_ylabel() == _label(name)
        for side, colour in (("left", LEFT), ("right", RIGHT)):
            pts = [ln for ln in ax.lines if ln.get_gid() == f"steps-{side}"]
            assert len(pts) == 1
            assert len(pts[0].get_ydata()) == len(_side_values(run.steps, name, side)[1])
            assert to_hex(pts[0].get_color()) == colour
            box = [p for p in ax.patches if p.get_gid() == f"box-{side}"]
            assert len(box) == 1 and to_hex(box[0].get_edgecolor()) == colour


def test_strike_and_cadence_speed_figures(run):
    fig = F.strike_distributions(run)
    steps = run.steps
    for side in ("left", "right"):
        pats = steps.loc[steps["side"] == side, "strike_pattern"].dropna().astype(str)
        bars = _gid(fig, f"pattern-{side}")
        assert [b.get_height() for b in bars] == pytest.approx(
            [100.0 * float(np.mean(pats == p)) for p in ("rearfoot", "midfoot", "forefoot")]
        )
        hist = _one(fig, f"angle-{side}")
        assert to_hex(hist.get_edgecolor()) == (LEFT if side == "left" else RIGHT)
    assert fig.axes[1].get_xlabel() == _label("foot_strike_angle_deg")
    assert fig.axes[0].get_ylabel().endswith("(%)")

    fig = F.cadence_vs_speed(run)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == (_label("speed_mps"), _label("cadence_spm"))
    for side in ("left", "right"):
        rows = steps[steps["side"] == side]
        n = int((rows["speed_mps"].notna() & rows["cadence_spm"].notna()).sum())
        assert len(_one(fig, f"steps-{side}").get_xdata()) == n


def test_drift_draws_the_windows_and_the_summarys_slope(run):
    fig = F.drift_per_minute(run, ["cadence_spm"])
    windows = [w for w in run.summary["windows"] if w.get("cadence_spm") is not None]
    pts = _one(fig, "windows")
    np.testing.assert_allclose(pts.get_ydata(), [w["cadence_spm"] for w in windows])
    line = _one(fig, "slope")
    x, y = line.get_xdata(), line.get_ydata()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(
        run.summary["drift"]["cadence_spm"]["per_minute"]
    )
    assert fig.axes[0].get_ylabel() == _label("cadence_spm")


# ------------------------------------------------------------- signals


def test_stance_curves_have_101_points_and_match_the_steps_table(run):
    fig = F.stance_curves(run)
    assert F.missing(fig) == []
    for s in F.STANCE_SIGNALS:
        for side, colour in (("left", LEFT), ("right", RIGHT)):
            line = _one(fig, f"{s.name}-{side}")
            assert len(line.get_xdata()) == F.STANCE_POINTS == 101
            assert line.get_xdata()[[0, -1]].tolist() == [0.0, 100.0]
            assert to_hex(line.get_color()) == colour
            assert _one(fig, f"{s.name}-{side}-sd")
    assert [ax.get_xlabel() for ax in fig.axes] == ["Stance (%)"] * 4
    assert fig.axes[0].get_ylabel() == "Foot pitch (deg)"
    assert fig.axes[1].get_ylabel() == "Foot roll rate (deg/s)"

    prof = F.stance_profiles(run)
    steps = run.steps
    for side in ("left", "right"):
        rows = steps[steps["side"] == side]
        # the pitch at contact is the foot strike angle; the shank's angle at
        # contact the steps table's; the insole's load crosses the contact
        # and toe-off levels at 0 and 100 %
        assert np.nanmedian(prof["foot_pitch"][side][:, 0]) == pytest.approx(
            np.nanmedian(rows["foot_strike_angle_deg"]), abs=0.05
        )
        assert np.nanmean(prof["shank_angle"][side][:, 0]) == pytest.approx(
            np.nanmean(rows["shank_angle_ic_deg"]), abs=0.1
        )
        load = prof["insole_load"][side]
        np.testing.assert_allclose(load[:, 0], IC_LEVEL_BW, atol=1e-6)
        np.testing.assert_allclose(load[:, -1], TO_LEVEL_BW, atol=1e-6)
        assert load.max(axis=1).min() > 1.0  # running: the load peaks above body weight
        for arr in prof.values():
            assert arr[side].shape[1] == 101 and len(arr[side]) > 150


def test_stance_curves_are_drawn_from_what_the_analysis_kept(run):
    """The curves come from the Analysis' stance data (means and SDs, no
    stance arrays, no sample of a stream), and equal the mean and SD of
    every stance of the recording analysed again."""
    from footfall.gait.stance import StanceData

    kept = run.stance
    assert isinstance(kept, StanceData)
    assert kept.has == {
        "foot IMU": {"left", "right"},
        "shank IMU": {"left", "right"},
        "insole": {"left", "right"},
    }
    # bounded: 101-point means and SDs, and one row of cell peaks per insole step
    n_insole_steps = int(run.steps["source"].astype(str).str.contains("insole").sum())
    assert kept.nbytes == 4 * 2 * 2 * 101 * 8 + n_insole_steps * 16 * 8
    fig = F.stance_curves(run)
    prof = F.stance_profiles(run)
    for s in F.STANCE_SIGNALS:
        for side in ("left", "right"):
            curve = kept.curves[s.name][side]
            np.testing.assert_array_equal(_one(fig, f"{s.name}-{side}").get_ydata(), curve.mean)
            every = prof[s.name][side]
            assert curve.n == len(every)
            np.testing.assert_allclose(curve.mean, np.nanmean(every, axis=0), rtol=0, atol=1e-9)
            np.testing.assert_allclose(curve.sd, np.nanstd(every, axis=0), rtol=0, atol=1e-9)


def test_the_stance_figures_of_a_folder_do_not_read_it_again(tmp_path):
    from footfall.io import write_recording

    rec, _ = simulate("easy-run", 1.0, 2, sensors=("foot", "insole"))
    write_recording(rec, tmp_path / "run")
    a = footfall.analyze(tmp_path / "run")
    F.stance_curves(a)
    F.pressure_map(a)
    assert a.recording._streams is None  # the recording was not read again
    assert set(F.insole_averages(a)) == {"left", "right"}


def test_pressure_map_one_patch_per_cell_coloured_by_kpa(run):
    fig = F.pressure_map(run)
    FigureCanvasAgg(fig).draw()  # maps the values to colours
    avg = F.insole_averages(run)
    steps = run.steps
    for side in ("left", "right"):
        a = avg[side]
        coll = _one(fig, f"cells-{side}")
        assert len(coll.get_paths()) == a.layout.n_cells == 16
        np.testing.assert_allclose(coll.get_array(), a.mean_peak_kpa)
        np.testing.assert_allclose(coll.get_facecolors(), coll.cmap(coll.norm(a.mean_peak_kpa)))
        np.testing.assert_allclose(a.mean_peak_kpa, a.peaks_kpa.mean(axis=0))
        # each step's cells: the largest heel cell is the steps table's heel peak
        heel = a.layout.indices("heel")
        mine = np.sort(a.peaks_kpa[:, heel].max(axis=1))
        rows = steps[(steps["side"] == side) & steps["source"].str.contains("insole")]
        np.testing.assert_allclose(mine, np.sort(rows["peak_heel_kpa"].to_numpy()), atol=1e-9)
        assert _one(fig, f"outline-{side}")
        cop = _one(fig, f"cop-{side}")
        assert len(cop.get_xdata()) == 101
    # the colour bar's label carries the unit
    assert any("(kPa)" in ax.get_ylabel() for ax in fig.axes)
    # both feet on one scale
    norms = {
        (c.norm.vmin, c.norm.vmax) for c in (_one(fig, "cells-left"), _one(fig, "cells-right"))
    }
    assert len(norms) == 1


# ------------------------------------------------------------- missing data, arguments


def test_walk_with_foot_imus_only_names_what_is_missing(walk):
    fig = F.pressure_map(walk)
    assert F.missing(fig) == ["no insole in this recording"]
    fig = F.stance_curves(walk)
    assert F.missing(fig) == ["no shank IMU in this recording", "no insole in this recording"]
    for side in ("left", "right"):
        assert len(_one(fig, f"foot_pitch-{side}").get_xdata()) == 101
    assert F.missing(F.before_after_onset(walk)) == [
        "no symptom onset given (footfall symptoms, onset_min)"
    ]
    # no insole: the insole metrics' panels say so; the IMU's are drawn
    fig = F.metric_series(walk, "forefoot_load_pct")
    assert F.missing(fig) == ["no forefoot load in this recording"]
    assert F.missing(F.metric_series(walk, "contact_ms")) == []
    assert F.missing(F.strike_distributions(walk)) == []


def test_wrong_arguments_raise_value_error(run, walk, tmp_path):
    with pytest.raises(ValueError, match="strike_pattern"):
        F.metric_series(run, "strike_pattern")
    with pytest.raises(ValueError, match="no_such_metric"):
        F.side_distributions(run, ["no_such_metric"])
    with pytest.raises(ValueError, match="Analysis"):
        F.stance_curves(walk.steps)
    with pytest.raises(ValueError, match="Analysis"):
        F.pressure_map(walk.table)
    with pytest.raises(ValueError, match="unknown figure 'nope'"):
        F.make("nope", walk)
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        F.save(F.cadence_vs_speed(walk), tmp_path / "x.jpg")
    assert not (tmp_path / "x.jpg").exists()


def test_every_figure_renders_to_png_and_svg(run, findings, tmp_path):
    import matplotlib

    size = matplotlib.rcParams["font.size"]
    for name in F.FIGURES:
        fig = F.make(name, run, findings=findings, symptoms=SYMPTOMS)
        assert F.missing(fig) == [], name
        out = F.save(fig, tmp_path / f"{name}.png")
        head = out.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n", name
        # every drawn axis has a unit on it
        for ax in fig.axes:
            if ax.get_visible() and ax.get_ylabel() and ax.lines:
                assert ax.get_ylabel().endswith(")"), (name, ax.get_ylabel())
    svg = F.save(F.make("stance", run), tmp_path / "stance.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{n}.png" for n in F.FIGURES] + ["stance.svg"]
    )  # no temporary left behind
    assert matplotlib.rcParams["font.size"] == size  # the style did not leak
    assert to_rgba(SIDE_STYLE["left"].colour) != to_rgba(SIDE_STYLE["right"].colour)


def test_no_pyplot_and_no_backend_chosen_at_import():
    code = (
        "import sys, footfall.report.figures as F, footfall.report.style;"
        "import pandas as pd;"
        "steps = pd.DataFrame({'side': ['left', 'right'] * 20,"
        " 'ic_s': [0.4 * i for i in range(40)], 'contact_ms': [200.0 + i for i in range(40)]});"
        "F.metric_series(steps, 'contact_ms');"
        "print('matplotlib.pyplot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
