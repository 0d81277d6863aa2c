"""Clock mapping under drift and jitter; frames to events: gaps, resets, late device info."""

from __future__ import annotations

import numpy as np
import pytest

from footfall.devices.base import Block, DeviceInfo, Gap, Status
from footfall.devices.clock import ClockMapper, fit_clock
from footfall.devices.ingest import Ingest
from footfall.model import SensorKind, Side
from footfall.wire import (
    KIND_IMU,
    PLACEMENT_FOOT,
    SIDE_RIGHT,
    DeviceInfoPayload,
    StatusPayload,
    decode_frame,
    encode_device_info,
    encode_imu6,
    encode_status,
)


def _link(ppm: float, seed: int, minutes: float = 10.0, fps: float = 50.0):
    """Frames of a device whose crystal runs ppm fast, over a jittery link."""
    rng = np.random.default_rng(seed)
    true_s = np.arange(0, minutes * 60, 1 / fps)
    dev_s = 1000.0 + true_s * (1 + ppm * 1e-6)
    delay = 0.001 + rng.exponential(0.004, true_s.size)  # USB + scheduling
    stall = rng.random(true_s.size) < 0.02  # bursts of delay
    delay[stall] += rng.uniform(0.02, 0.3, stall.sum())
    return dev_s, true_s + 3.0 + delay, true_s + 3.0 + 0.001


@pytest.mark.parametrize("ppm", [-50.0, 0.0, 50.0])
def test_batch_fit_follows_drift_within_half_a_millisecond(ppm: float) -> None:
    dev, host, truth = _link(ppm, seed=int(ppm) + 100)
    slope, offset, ref = fit_clock(dev, host)
    err = offset + slope * (dev - ref) - truth
    assert np.abs(err).max() < 0.5e-3
    assert abs((1 / slope - 1) * 1e6 - ppm) < 2.0  # the drift itself, ppm


@pytest.mark.parametrize("ppm", [-50.0, 50.0])
def test_online_mapper_error_bound_after_warm_up(ppm: float) -> None:
    dev, host, truth = _link(ppm, seed=7)
    m = ClockMapper()
    errs = []
    for i, (d, h) in enumerate(zip(dev, host, strict=True)):
        m.observe(d, h)
        if i % 25 == 0:
            errs.append(float(m.to_host(d)) - truth[i])
    errs = np.array(errs)
    warm = int(60 * 50 / 25)  # after the first minute
    assert np.abs(errs[warm:]).max() < 1e-3
    # without drift tracking 50 ppm would be 30 ms off after 10 minutes
    assert abs(dev[-1] - dev[0] - (truth[-1] - truth[0])) > 0.02


def test_two_devices_land_on_one_axis() -> None:
    d1, h1, t1 = _link(40.0, seed=1)
    d2, h2, t2 = _link(-35.0, seed=2)
    d2 = d2 + 5000.0  # a different boot time on the second device
    f1, f2 = fit_clock(d1, h1), fit_clock(d2, h2)
    m1 = f1[1] + f1[0] * (d1 - f1[2])
    m2 = f2[1] + f2[0] * (d2 - f2[2])
    # the same true instant maps to the same host time on both devices
    assert np.abs((m1 - t1) - (m2 - t2)).max() < 1e-3


INFO = DeviceInfoPayload(
    KIND_IMU, SIDE_RIGHT, PLACEMENT_FOOT, 6, 100_000, 0.01, 0.001, 5, 11, "right-foot", "2.0", ""
)
PERIOD_NS = 10_000_000  # 100 Hz


def _imu(seq: int, t_us: int, n: int = 5, sid: int = 0) -> bytes:
    raw = np.full((n, 6), seq % 100, dtype=np.int16)
    return encode_imu6(sid, seq, t_us, PERIOD_NS, raw, 0.01, 0.001)


def _feed(ing: Ingest, frames: list[bytes], t0: float = 0.0) -> list:
    """Frames arriving 2 ms after their last sample (host = device time + t0)."""
    out = []
    for f in frames:
        fr = decode_frame(f)
        h = fr.header
        last_s = (h.t_first_us + max(h.sample_count - 1, 0) * h.period_ns / 1000) * 1e-6
        out += ing.frames([fr], t0 + last_s + 0.002)
    return out


def test_ingest_device_info_blocks_and_status() -> None:
    ing = Ingest("test")
    ev = _feed(
        ing,
        [
            encode_device_info(0, 0, 0, PERIOD_NS, INFO),
            _imu(0, 0),
            _imu(1, 50_000),
            encode_status(0, 2, 100_000, PERIOD_NS, StatusPayload(2, 0, 0, 0, 77, 0)),
        ],
    )
    info = ev[0]
    assert isinstance(info, DeviceInfo)
    assert (info.device_id, info.kind, info.side, info.fs_hz) == (
        "right-foot",
        SensorKind.IMU,
        Side.RIGHT,
        100.0,
    )
    blocks = [e for e in ev if isinstance(e, Block)]
    assert [b.seq for b in blocks] == [0, 1]
    np.testing.assert_allclose(np.diff(np.concatenate([b.t_s for b in blocks])), 0.01, atol=1e-9)
    assert blocks[1].values[0, 0] == pytest.approx(0.01) and blocks[1].frame is not None
    st = [e for e in ev if isinstance(e, Status)]
    assert st and st[0].battery_pct == 77 and st[0].frames_received == 2


def test_sequence_gap_is_a_gap_of_exactly_the_missing_samples() -> None:
    ing = Ingest("test")
    ev = _feed(
        ing, [encode_device_info(0, 0, 0, PERIOD_NS, INFO), _imu(0, 0), _imu(3, 150_000)]
    )  # frames 1 and 2 (10 samples) never arrived
    gaps = [e for e in ev if isinstance(e, Gap)]
    blocks = [e for e in ev if isinstance(e, Block)]
    assert len(gaps) == 1 and gaps[0].n_missing == 10 and gaps[0].reason == "sequence"
    # the gap runs from the first missing sample to the last one
    assert gaps[0].t_start_s == pytest.approx(blocks[0].t_s[-1] + 0.01, abs=1e-9)
    assert gaps[0].t_end_s == pytest.approx(blocks[1].t_s[0] - 0.01, abs=1e-9)
    assert sum(len(b.t_s) for b in blocks) == 10  # nothing was filled in


def test_device_reset_starts_a_new_clock_and_marks_a_gap() -> None:
    ing = Ingest("test")
    ev = _feed(ing, [encode_device_info(0, 0, 0, PERIOD_NS, INFO), _imu(0, 0), _imu(1, 50_000)])
    # rebooted a second later: seq and device time start again
    ev += _feed(ing, [_imu(0, 2_000)], t0=1.0)
    gaps = [e for e in ev if isinstance(e, Gap)]
    blocks = [e for e in ev if isinstance(e, Block)]
    assert [g.reason for g in gaps] == ["reset"]
    assert len(blocks) == 3
    assert blocks[2].t_s[0] > blocks[1].t_s[-1]  # time still goes forwards


def test_frames_before_device_info_are_held_then_released() -> None:
    ing = Ingest("test")
    ev = _feed(
        ing, [_imu(0, 0), _imu(1, 50_000), encode_device_info(0, 2, 100_000, PERIOD_NS, INFO)]
    )
    assert [type(e).__name__ for e in ev] == ["DeviceInfo", "Block", "Block"]


def test_disconnect_then_continue_is_a_disconnect_gap_and_info_again() -> None:
    ing = Ingest("test")
    ev = _feed(ing, [encode_device_info(0, 0, 0, PERIOD_NS, INFO), _imu(0, 0)])
    down = ing.disconnected(1.0)
    assert isinstance(down[0], Status) and not down[0].connected
    ev = _feed(ing, [encode_device_info(0, 9, 450_000, PERIOD_NS, INFO), _imu(9, 450_000)], 2.0)
    assert isinstance(ev[0], DeviceInfo)
    gap = next(e for e in ev if isinstance(e, Gap))
    assert gap.reason == "disconnect" and gap.n_missing == 40
