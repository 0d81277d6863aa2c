"""docs/validation.md and README's validation figures are the generated ones, and the
scoring used by the bench scripts pairs events as documented."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import scoring  # noqa: E402


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_validation_doc", ROOT / "tools" / "gen_validation_doc.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen():
    return _generator()


def test_validation_doc_is_generated_from_results(gen):
    expected = gen.render(gen.load_results())
    committed = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    assert committed == expected, "docs/validation.md is stale: python tools/gen_validation_doc.py"


def test_readme_figures_are_generated_from_results(gen):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen.README_START in readme and gen.README_END in readme
    block = gen.readme_block(gen.load_results())
    assert block, "no figures for README: bench/results is empty"
    assert gen.update_readme(readme, block) == readme, (
        "README's validation figures are stale: python tools/gen_validation_doc.py"
    )


def test_every_doc_figure_comes_from_a_results_file(gen, tmp_path):
    # with a results file removed, its section says so instead of showing numbers
    results = gen.load_results()
    results.pop("speed", None)
    text = gen.render(results)
    assert "Not measured yet: run `python bench/bench_speed.py`" in text
    empty = gen.render({})
    for script in ("validate.py", "bench_gaitmap.py", "bench_speed.py"):
        assert f"Not measured yet: run `python bench/{script}`" in empty


def test_generated_numbers_follow_the_results(gen):
    results = gen.load_results()
    if "validation" not in results or "gaitmap" not in results["validation"]:
        pytest.skip("no gaitmap validation results")
    ic = results["validation"]["gaitmap"]["initial_contact"]
    changed = {
        **results,
        "validation": {
            **results["validation"],
            "gaitmap": {
                **results["validation"]["gaitmap"],
                "initial_contact": {**ic, "mae_ms": 123.456},
            },
        },
    }
    assert "123.5 ms" in gen.render(changed)
    assert "123.5 ms" not in gen.render(results)


def test_update_readme_only_touches_the_block(gen):
    text = f"a\n{gen.README_START}\nold\n{gen.README_END}\nb\n"
    assert gen.update_readme(text, "new") == f"a\n{gen.README_START}\nnew\n{gen.README_END}\nb\n"
    assert gen.update_readme("no markers\n", "new") == "no markers\n"


def test_match_events_pairs_nearest_within_tolerance():
    ref = np.array([1.0, 2.0, 3.0, 4.0])
    det = np.array([1.004, 2.02, 3.5, 5.0, np.nan])
    err, used = scoring.match_events(ref, det, tol_s=0.03)
    np.testing.assert_allclose(np.sort(err), [0.004, 0.02])
    assert used.sum() == 2 and len(used) == 4  # NaN dropped; 3.5 and 5.0 unmatched


def test_event_stats_counts_recall_extra_and_bias():
    ref = pd.DataFrame(
        {"side": ["left"] * 4 + ["right"] * 2, "ic_s": [1.0, 2.0, 3.0, 4.0, 1.5, 2.5]}
    )
    det = pd.DataFrame(
        {"side": ["left"] * 4 + ["right"] * 3, "ic_s": [1.01, 2.01, 3.01, 9.0, 1.49, 2.49, 3.0]}
    )
    st = scoring.event_stats([ref], [det], "ic_s", 0.05)
    assert st["n_ref"] == 6
    assert st["matched_pct"] == pytest.approx(100 * 5 / 6, abs=0.01)
    assert st["extra_pct"] == pytest.approx(100 * 2 / 6, abs=0.01)
    assert st["precision_pct"] == pytest.approx(100 * 5 / 7, abs=0.01)
    assert st["bias_ms"] == pytest.approx((3 * 10 - 2 * 10) / 5, abs=0.01)
    assert st["mae_ms"] == pytest.approx(10.0, abs=0.01)


def test_stride_stats_and_common_strides():
    ref = pd.DataFrame(
        {
            "side": ["left", "left", "right"],
            "ic_s": [1.0, 2.0, 1.5],
            "stride_ms": [1000.0, 1000.0, 1000.0],
            "stride_length_m": [1.4, 1.5, 1.4],
        }
    )
    steps = pd.DataFrame(
        {
            "side": ["left", "right"],
            "ic_s": [1.01, 1.52],
            "stride_ms": [1010.0, 990.0],
            "stride_length_m": [1.45, 1.30],
        }
    )
    st = scoring.stride_stats(steps, ref, 0.05)
    assert st["n_ref"] == 3 and st["found"] == 2
    assert st["stride_time_mae_ms"] == pytest.approx(10.0)
    assert st["stride_time_bias_ms"] == pytest.approx(0.0)
    assert st["stride_length_mae_m"] == pytest.approx(0.075)
    assert st["stride_length_mae_pct_of_mean"] == pytest.approx(100 * 0.075 / 1.4, abs=0.01)
    err = scoring.stride_errors(steps, ref, 0.05)
    assert err["found"].tolist() == [True, False, True]
