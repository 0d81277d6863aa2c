"""The accelerometer jerk read at a few samples (footfall.gait.events) equals
the one computed over the whole stream."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from footfall.gait.events import _jerk_at


def test_jerk_at_samples_equals_jerk_of_the_whole_stream():
    rng = np.random.default_rng(0)
    acc = rng.normal(size=(2000, 3)) * 5 + np.array([0.0, 0.0, 9.8])
    # C order, Fortran order (a rotated stream) and a column view
    for a in (acc, Rotation.random(random_state=1).apply(acc).T.copy().T,
              np.hstack([acc, acc])[:, 1:4]):
        full = np.linalg.norm(np.diff(a, axis=0, prepend=a[:1]), axis=1)
        i = rng.integers(0, len(a), size=(50, 30))
        i[0, 0] = 0  # the first sample: no change
        assert np.array_equal(_jerk_at(a, i), full[i])
        assert _jerk_at(a, np.array([0]))[0] == 0.0
