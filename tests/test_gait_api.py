"""The researcher's chain exported by footfall.gait, checked as one API:
documented parameters, inputs left as they were, the same answer twice, and
a bad argument refused by name."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

import footfall.gait as gait
from footfall.io import read_recording

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def chain() -> dict:
    rec = read_recording(ROOT / "sample_data" / "gaitmap_walk")
    s = next(x for x in rec.streams if x.side == "left")
    acc, gyr, fs = s.values[:, :3].copy(), s.values[:, 3:6].copy(), s.fs_hz
    seg = gait.segment_strides(gyr, fs, acc_mps2=acc)
    al = gait.estimate_alignment(acc, gyr, fs, seg)
    acc_f, gyr_f = al.apply(acc), al.apply(gyr)
    traj = gait.integrate_strides(acc_f, gyr_f, fs, seg.ms_before, seg.ms_after)
    ev = gait.detect_events(acc_f, gyr_f, fs, seg)
    return {
        "time_s": s.time_s.copy(),
        "acc": acc,
        "gyr": gyr,
        "fs": fs,
        "seg": seg,
        "al": al,
        "acc_f": acc_f,
        "gyr_f": gyr_f,
        "traj": traj,
        "ev": ev,
        "stream": s,
    }


FUNCTIONS = [name for name in gait.__all__ if inspect.isfunction(getattr(gait, name))]


def _documented(fn) -> set[str]:
    doc = inspect.getdoc(fn) or ""
    m = re.search(r"Parameters\n-+\n(.*?)(\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, flags=re.S)
    if not m:
        return set()
    names: set[str] = set()
    for line in m.group(1).splitlines():
        if line and not line.startswith(" "):
            names.update(n.strip() for n in line.split(":")[0].split(","))
    return names


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_parameter_is_documented(name: str) -> None:
    fn = getattr(gait, name)
    params = [p for p in inspect.signature(fn).parameters]
    missing = set(params) - _documented(fn)
    assert not missing, f"{name}: undocumented parameters {sorted(missing)}"


def _calls(c: dict) -> dict:
    """Each exported function called on the sample's data."""
    return {
        "segment_strides": lambda: gait.segment_strides(c["gyr"], c["fs"], acc_mps2=c["acc"]),
        "estimate_alignment": lambda: gait.estimate_alignment(
            c["acc"], c["gyr"], c["fs"], c["seg"]
        ),
        "integrate_strides": lambda: gait.integrate_strides(
            c["acc_f"], c["gyr_f"], c["fs"], c["seg"].ms_before, c["seg"].ms_after
        ),
        "detect_events": lambda: gait.detect_events(c["acc_f"], c["gyr_f"], c["fs"], c["seg"]),
        "imu_step_columns": lambda: gait.imu_step_columns(
            c["time_s"], c["gyr_f"], c["fs"], c["ev"], c["traj"], side="left"
        ),
        "imu_step_metrics": lambda: gait.imu_step_metrics(
            c["time_s"], c["gyr_f"], c["fs"], c["ev"], c["traj"], side="left"
        ),
        "pitch_roll_deg": lambda: gait.pitch_roll_deg(c["traj"].q),
        "strike_pattern_from_angle": lambda: gait.strike_pattern_from_angle(
            np.array([12.0, 3.0, -6.0, np.nan])
        ),
        "analyze_imu_stream": lambda: gait.analyze_imu_stream(c["stream"]),
    }


def _flat(x) -> list:
    """The arrays in a result, for comparison."""
    if isinstance(x, np.ndarray):
        return [x]
    if isinstance(x, (tuple, list)):
        return [a for v in x for a in _flat(v)]
    if hasattr(x, "to_numpy") and hasattr(x, "columns"):  # a DataFrame
        return [x[c].to_numpy() for c in x.columns]
    if hasattr(x, "items") and hasattr(x, "to_pandas"):  # a ColumnTable
        return [np.asarray(v) for _, v in x.items()]
    if isinstance(x, gait.StrideTrajectories):
        return [x.start, x.stop, x.valid, x.q, x.vel_mps, x.pos_m, x.acc_mps2]
    if hasattr(x, "__dataclass_fields__"):
        return [a for f in x.__dataclass_fields__ for a in _flat(getattr(x, f))]
    return []


def test_the_calls_cover_every_exported_function(chain: dict) -> None:
    assert set(_calls(chain)) == set(FUNCTIONS)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_inputs_are_not_changed_and_the_answer_repeats(name: str, chain: dict) -> None:
    arrays = {k: v.copy() for k, v in chain.items() if isinstance(v, np.ndarray)}
    ms = (chain["seg"].ms_before.copy(), chain["seg"].ms_after.copy())
    call = _calls(chain)[name]
    first, second = _flat(call()), _flat(call())
    assert first, f"{name}: no array in its result"
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        if a.dtype.kind == "O":
            assert list(a) == list(b) or all(
                (x == y) or (x != x and y != y) for x, y in zip(a, b, strict=True)
            ), name
        else:
            np.testing.assert_array_equal(a, b, err_msg=name)
    for k, v in arrays.items():
        np.testing.assert_array_equal(chain[k], v, err_msg=f"{name} changed {k}")
    np.testing.assert_array_equal(chain["seg"].ms_before, ms[0])
    np.testing.assert_array_equal(chain["seg"].ms_after, ms[1])


def _bad_calls(c: dict) -> list[tuple[str, str, object]]:
    """(function, the argument the message must name, call) with one bad argument."""
    return [
        (
            "integrate_strides",
            "acc_mps2",
            lambda: gait.integrate_strides(
                c["acc_f"][:, :2], c["gyr_f"], c["fs"], c["seg"].ms_before, c["seg"].ms_after
            ),
        ),
        (
            "integrate_strides",
            "gyr_rps",
            lambda: gait.integrate_strides(
                c["acc_f"], c["gyr_f"][:-3], c["fs"], c["seg"].ms_before, c["seg"].ms_after
            ),
        ),
        (
            "integrate_strides",
            "fs_hz",
            lambda: gait.integrate_strides(
                c["acc_f"], c["gyr_f"], 0.0, c["seg"].ms_before, c["seg"].ms_after
            ),
        ),
        (
            "integrate_strides",
            "stop",
            lambda: gait.integrate_strides(
                c["acc_f"],
                c["gyr_f"],
                c["fs"],
                c["seg"].ms_before,
                c["seg"].ms_after + len(c["acc_f"]),
            ),
        ),
        (
            "estimate_alignment",
            "acc_mps2",
            lambda: gait.estimate_alignment(c["acc"].ravel(), c["gyr"], c["fs"], c["seg"]),
        ),
        (
            "estimate_alignment",
            "gyr_rps",
            lambda: gait.estimate_alignment(c["acc"], c["gyr"][:100], c["fs"], c["seg"]),
        ),
        (
            "estimate_alignment",
            "fs_hz",
            lambda: gait.estimate_alignment(c["acc"], c["gyr"], float("nan"), c["seg"]),
        ),
        ("pitch_roll_deg", "q", lambda: gait.pitch_roll_deg(np.zeros((5, 3)))),
        ("segment_strides", "gyr_rps", lambda: gait.segment_strides(c["gyr"][:, 0], c["fs"])),
        ("segment_strides", "fs_hz", lambda: gait.segment_strides(c["gyr"], -200.0)),
        (
            "segment_strides",
            "acc_mps2",
            lambda: gait.segment_strides(c["gyr"], c["fs"], acc_mps2=c["acc"][:50]),
        ),
        (
            "detect_events",
            "acc_mps2",
            lambda: gait.detect_events(c["acc_f"][:, :2], c["gyr_f"], c["fs"], c["seg"]),
        ),
        (
            "detect_events",
            "pitch_deg",
            lambda: gait.detect_events(
                c["acc_f"], c["gyr_f"], c["fs"], c["seg"], pitch_deg=np.zeros(10)
            ),
        ),
        (
            "imu_step_columns",
            "time_s",
            lambda: gait.imu_step_columns(
                c["time_s"][:-1], c["gyr_f"], c["fs"], c["ev"], c["traj"], side="left"
            ),
        ),
        (
            "imu_step_metrics",
            "gyr_rps",
            lambda: gait.imu_step_metrics(
                c["time_s"], c["gyr_f"][:, :2], c["fs"], c["ev"], c["traj"], side="left"
            ),
        ),
    ]


@pytest.mark.parametrize("case", range(15))
def test_a_bad_argument_is_refused_by_name(case: int, chain: dict) -> None:
    name, arg, call = _bad_calls(chain)[case]
    with pytest.raises(ValueError, match=rf"\b{arg}\b"):
        call()
