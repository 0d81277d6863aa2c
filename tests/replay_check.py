"""Replaying a recorded IMU stream through the live detector, and comparing
its rows with offline analysis: shared by the live-equals-offline tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def replay_rows(det, stream, block: int) -> pd.DataFrame:
    """Push ``stream`` into the detector ``block`` samples at a time, flush,
    and return every row it emitted, in order."""
    vals = np.column_stack([stream.acc_mps2, stream.gyr_rps])
    parts = [
        det.push(stream.time_s[i : i + block], vals[i : i + block])
        for i in range(0, len(stream), block)
    ] + [det.flush()]
    steps = [b.steps for b in parts if b is not None and len(b.steps)]
    return pd.concat(steps, ignore_index=True) if steps else pd.DataFrame()


def assert_same_rows(
    live: pd.DataFrame,
    off: pd.DataFrame,
    *,
    min_rows: int,
    cols=None,
    rtol: float = 1e-9,
    atol: float = 1e-9,
    missing_alike: bool = False,
) -> None:
    """As many rows as offline (more than ``min_rows``); numeric columns equal
    within the tolerances, the others equal (with ``missing_alike``, None and
    NaN count as the same missing value)."""
    assert len(live) == len(off) > min_rows
    for col in cols if cols is not None else off.columns:
        if off[col].dtype.kind == "f":
            np.testing.assert_allclose(
                live[col].to_numpy(float),
                off[col].to_numpy(float),
                rtol=rtol,
                atol=atol,
                err_msg=col,
            )
        else:
            a, b = live[col], off[col]
            if missing_alike:
                a, b = a.fillna(""), b.fillna("")
            assert list(a) == list(b), col


def replay_steps(folder) -> pd.DataFrame:
    """A recording folder played through a replay source and the streaming
    analyser (no flags), as fast as possible: the live steps table."""
    from footfall.devices.replay import ReplaySource
    from footfall.stream import StreamingAnalyzer

    src = ReplaySource(folder, speed=None)
    an = StreamingAnalyzer(flags=False)
    src.open()
    while not src.finished:
        an.feed(src.poll())
    an.finish()
    src.close()
    return an.steps()
