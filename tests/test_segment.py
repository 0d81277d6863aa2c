"""Leading partial strides (footfall.gait.segment, leading_partial=True): data
that starts in a swing keeps the contact that ends it, found as in the
uncut data, with no toe-off made up for it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from footfall.gait.alignment import align_and_integrate
from footfall.gait.events import detect_events
from footfall.gait.segment import segment_strides
from footfall.io import read_recording
from footfall.sim import simulate

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "gaitmap_walk"


def _foot_frame(stream):
    seg = segment_strides(stream.gyr_rps, stream.fs_hz)
    _, acc, gyr, _ = align_and_integrate(stream.acc_mps2, stream.gyr_rps, stream.fs_hz, seg)
    return seg, acc, gyr


def _walk():
    return read_recording(SAMPLE).streams[0]


def _run():
    rec, _ = simulate("easy-run", minutes=0.3, seed=1)
    return next(s for s in rec.streams if s.kind == "imu" and s.placement == "foot")


@pytest.mark.parametrize("make", [_walk, _run], ids=["walk", "run"])
def test_data_starting_in_a_swing_keeps_its_contact(make):
    s = make()
    seg, acc, gyr = _foot_frame(s)
    ev = detect_events(acc, gyr, s.fs_hz, seg)
    k = 3  # cut the data just after the toe-off of stride k: it starts in a swing
    cut = int(np.ceil(ev.to[k])) + 1
    assert seg.ms_before[k] < cut < ev.mid_swing[k]
    g, a = gyr[cut:], acc[cut:]
    plain = segment_strides(g, s.fs_hz)
    part = segment_strides(g, s.fs_hz, leading_partial=True)
    # without the option the stride is lost; with it, it is the first one
    assert plain.ms_after[0] > seg.ms_after[k] - cut
    assert part.partial is not None and part.partial[0] and not part.partial[1:].any()
    assert part.ms_before[0] == 0 and part.ms_after[0] == seg.ms_after[k] - cut
    assert np.array_equal(part.ms_after[1:], plain.ms_after)
    got = detect_events(a, g, s.fs_hz, part)
    assert np.isnan(got.to[0])  # the toe-off is before the data
    assert abs(got.ic[0] - (ev.ic[k] - cut)) <= 1.0  # the same contact (running: the impact)
    assert np.allclose(got.ic[1:], detect_events(a, g, s.fs_hz, plain).ic, equal_nan=True)


def test_data_starting_at_rest_has_no_partial_stride():
    s = _walk()
    plain = segment_strides(s.gyr_rps, s.fs_hz)
    part = segment_strides(s.gyr_rps, s.fs_hz, leading_partial=True)
    assert not part.partial.any()
    for f in ("swing_peak", "ms_before", "ms_after"):
        assert np.array_equal(getattr(part, f), getattr(plain, f))
    assert plain.partial is None
