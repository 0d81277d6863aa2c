"""Insole layouts, pressure events and per-step metrics on constructed signals
and on the virtual runner (truth known)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from footfall.gait.layouts import (
    LAYOUTS,
    REGIONS,
    assign_regions,
    layout_for_stream,
    mirror_xy,
)
from footfall.gait.pressure import (
    IC_LEVEL_BW,
    TO_LEVEL_BW,
    analyze_insole_stream,
    detect_contacts,
    remove_offsets,
    strike_pattern_from_index,
)
from footfall.model import Stream


def _gait_load(fs=100.0, n_steps=20, stride_s=0.8, contact_s=0.28, bw=700.0):
    """Half-sine contacts of known timing; mean load over strides is bw / 2."""
    t = np.arange(0, n_steps * stride_s + 1.0, 1 / fs)
    ic = 0.5 + np.arange(n_steps) * stride_s
    load = np.zeros_like(t)
    amp = (bw / 2) * stride_s / (contact_s * 2 / np.pi)
    for a in ic:  # building the test signal only
        u = (t - a) / contact_s
        inside = (u >= 0) & (u < 1)
        load[inside] += amp * np.sin(np.pi * u[inside])
    return t, load, ic, ic + contact_s, amp


def test_regions_follow_anatomy_of_named_layouts():
    for lay in LAYOUTS.values():
        names = dict(zip(lay.cell_names, lay.regions, strict=True))
        assert names["heel_medial"] == "heel" and names["heel_lateral"] == "heel"
        assert names["mt1"] == "medial_forefoot"
        assert names["mt2"] == "central_forefoot"
        assert names["mt4"] == "lateral_forefoot" and names["mt5"] == "lateral_forefoot"
        assert names["hallux"] == "hallux" and names["toes_4_5"] == "toes"
        assert set(lay.regions) <= set(REGIONS)


def test_mirroring_left_right_and_generic_layout_from_json():
    cells = np.array([[0.1, 0.2], [0.7, -0.3]])
    left = mirror_xy(cells, "left")
    assert np.allclose(left[:, 1], -cells[:, 1])
    assert np.allclose(mirror_xy(left, "left"), cells)
    assert np.allclose(mirror_xy(cells, "right"), cells)
    # the same [x, y] (y to the foot's left) is medial on a right foot, lateral on a left
    meta = json.loads(json.dumps({"cells_xy": [[0.7, 0.3], [0.72, -0.3], [0.1, 0.0]]}))
    r = layout_for_stream(meta, "right", 3)
    lf = layout_for_stream(meta, "left", 3)
    assert r.regions[0] == "medial_forefoot" and lf.regions[0] == "lateral_forefoot"
    assert r.regions[1] == "lateral_forefoot" and lf.regions[1] == "medial_forefoot"
    assert r.regions[2] == "heel"


def test_layout_errors_are_explicit():
    with pytest.raises(ValueError, match="no layout"):
        layout_for_stream({}, "left", 16)
    with pytest.raises(ValueError, match="unknown insole layout"):
        layout_for_stream({"layout": "nope"}, "left", 16)
    with pytest.raises(ValueError, match="16 cells"):
        layout_for_stream({"layout": "moticon16"}, "left", 8)
    with pytest.raises(ValueError, match="cells_xy"):
        layout_for_stream({"cells_xy": [[0.1], [0.2]]}, "left", 2)


def test_assign_regions_bands():
    r = assign_regions(
        np.array([[0.1, 0], [0.45, 0], [0.7, 0.3], [0.7, 0], [0.7, -0.3], [0.9, 0.2], [0.9, -0.1]])
    )
    assert r == (
        "heel",
        "midfoot",
        "medial_forefoot",
        "central_forefoot",
        "lateral_forefoot",
        "hallux",
        "toes",
    )


def test_strike_pattern_thirds():
    got = strike_pattern_from_index(np.array([5.0, 33.0, 34.0, 66.0, 68.0, np.nan]))
    assert list(got) == ["rearfoot", "rearfoot", "midfoot", "midfoot", "forefoot", None]


def test_contacts_found_at_their_levels_despite_offset_and_drift():
    fs = 100.0
    t, load, ic, to, amp = _gait_load(fs)
    bw = 700.0
    # a cell offset plus a slow drift, removed by the lower envelope
    raw = load + 40.0 + 15.0 * np.sin(2 * np.pi * t / 30.0)
    clean, base = remove_offsets(raw[:, None], fs)
    c = detect_contacts(t, clean[:, 0])
    assert c.valid.sum() == len(ic)
    assert abs(c.body_weight - bw) / bw < 0.05
    # where a half-sine of amplitude amp crosses each level
    ic_expect = ic + np.arcsin(IC_LEVEL_BW * bw / amp) / np.pi * 0.28
    to_expect = to - np.arcsin(TO_LEVEL_BW * bw / amp) / np.pi * 0.28
    assert np.max(np.abs(c.ic_s[c.valid] - ic_expect)) < 0.004
    assert np.max(np.abs(c.to_s[c.valid] - to_expect)) < 0.004


def test_noise_below_on_level_starts_no_contact():
    fs = 100.0
    t, load, ic, _, _ = _gait_load(fs)
    bump = np.zeros_like(t)
    k = np.searchsorted(t, ic[3] + 0.5)  # mid-swing bump of 15 % body weight
    bump[k : k + 4] = 0.15 * 700.0
    c = detect_contacts(t, load + bump, body_weight=700.0)
    assert c.valid.sum() == len(ic)


def test_insole_stream_with_no_load_gives_note_not_error():
    t = np.arange(0, 10, 0.01)
    s = Stream(
        kind="insole",
        side="left",
        time_s=t,
        values=np.zeros((len(t), 16)),
        columns=tuple(f"p{i}" for i in range(1, 17)),
        meta={"layout": "sim16"},
    )
    res = analyze_insole_stream(s)
    assert len(res.steps) == 0 and res.notes


@pytest.fixture(scope="module")
def forefoot_loader():
    from footfall.sim import simulate

    return simulate("forefoot-loader", minutes=1.0, seed=3, sensors=("insole",))


def test_simulated_forefoot_loader_against_truth(forefoot_loader):
    rec, truth = forefoot_loader
    clocks = rec.meta["simulation"]["clocks"]
    for s in rec.select(kind="insole"):
        steps = analyze_insole_stream(s).steps
        tr = truth[truth["side"] == s.side.value].reset_index(drop=True)
        ic_true = tr["ic_s"].to_numpy() + clocks[f"{s.side.value}_insole"]["offset_s"]
        j = np.abs(steps["ic_s"].to_numpy()[None, :] - ic_true[:, None]).argmin(axis=1)
        mine = steps.iloc[j].reset_index(drop=True)
        assert np.median(np.abs(mine["ic_s"].to_numpy() - ic_true)) < 0.005
        assert (mine["strike_pattern"] == tr["strike_pattern"]).mean() >= 0.95
        for col in ("forefoot_load_pct", "lateral_forefoot_load_pct"):
            assert np.abs(mine[col] - tr[col]).max() < 3.0
        assert np.abs(mine["contact_ms"] - tr["contact_ms"]).median() < 10.0
        # extra insole columns present and sensible
        assert (mine["peak_hallux_kpa"] >= 0).all()
        assert (mine["pti_heel_kpa_s"] >= 0).all()
        assert (mine["loading_rate_bw_s"].dropna() > 0).all()


def test_pipeline_summary_includes_insole_metrics(forefoot_loader):
    from footfall.pipeline import analyze

    rec, _ = forefoot_loader
    an = analyze(rec)
    assert {
        "forefoot_load_pct",
        "lateral_forefoot_load_pct",
        "strike_index_pct",
        "loading_rate_bw_s",
        "peak_toes_kpa",
    } <= set(an.summary["metrics"])
    assert an.steps["source"].str.endswith("insole").all()
    assert an.cop_paths is not None and set(an.cop_paths["side"]) == {"left", "right"}
    # COP paths start near the strike index of their step
    first = an.cop_paths.groupby(["side", "ic_s"]).first().reset_index()
    merged = first.merge(an.steps[["side", "ic_s", "strike_index_pct"]], on=["side", "ic_s"])
    assert np.allclose(merged["cop_x_pct"], merged["strike_index_pct"])
