"""Pressure insoles: contact events and per-step loading metrics.

One insole stream in, steps-table rows out:

1. :func:`remove_offsets` - each cell's unloaded level (lacing pressure,
   sensor offset, slow drift) is its lower envelope over a few seconds, which
   always holds a swing; it is subtracted.
2. :func:`detect_contacts` - the total load (``force_n`` when the insole
   gives it, else the area-weighted sum of the cells) against levels that are
   fractions of the runner's own body weight, estimated from the data: over
   whole strides one foot carries on average half the body weight. A contact
   starts when the load rises above :data:`ON_LEVEL_BW` and ends when it falls
   below :data:`TO_LEVEL_BW` (hysteresis); initial contact is then placed where
   the load last crossed :data:`IC_LEVEL_BW` before the rise, toe-off where it
   crossed :data:`TO_LEVEL_BW`, both interpolated between samples.
3. :func:`insole_step_metrics` - per contact, all contacts at once (padded
   index windows, no loop over samples or steps): strike index and pattern,
   regional loads, peaks and pressure-time integrals, loading rate and the
   centre of pressure.

All functions take arrays; :func:`analyze_insole_stream` chains them for a
:class:`~footfall.model.Stream`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from footfall.gait.layouts import FOREFOOT_REGIONS, REGIONS, InsoleLayout, layout_for_stream
from footfall.model import SensorKind, Stream

__all__ = [
    "BASELINE_WINDOW_S",
    "IC_LEVEL_BW",
    "INSOLE_EXTRA_COLUMNS",
    "InsoleContacts",
    "InsoleResult",
    "MAX_CONTACT_S",
    "MAX_GAP_S",
    "MAX_STRIDE_S",
    "MIN_CONTACT_S",
    "ON_LEVEL_BW",
    "STRIKE_MIDFOOT_MAX_PCT",
    "STRIKE_REARFOOT_MAX_PCT",
    "TO_LEVEL_BW",
    "analyze_insole_stream",
    "detect_contacts",
    "estimate_body_weight",
    "insole_step_metrics",
    "load_signal",
    "remove_offsets",
    "strike_pattern_from_index",
]


IC_LEVEL_BW = 0.05
"""Initial contact: the load crosses 5 % of body weight (a common force
threshold for contact; pressure-sum events are within a few ms of force-plate
events, MDPI Sensors 23(5):2736)."""

TO_LEVEL_BW = 0.10
"""Toe-off: the load falls below 10 % of body weight. Higher than the contact
level because insole cells recover slowly when unloaded (sensor hysteresis),
which leaves a tail of some tens of ms after the foot has left the ground."""

ON_LEVEL_BW = 0.20
"""A contact is only counted when the load exceeds 20 % of body weight, so
that noise and a foot brushing the ground do not start one."""

BASELINE_WINDOW_S = 3.0
"""Span over which each cell's lower envelope (its unloaded level) is taken;
longer than any stride, so every window holds a swing."""

MIN_CONTACT_S = 0.06
MAX_CONTACT_S = 2.0
MAX_STRIDE_S = 2.5
"""Contacts shorter or longer than these are not gait contacts; strides
longer than MAX_STRIDE_S are pauses (same rules as the IMU path)."""

MAX_GAP_S = 0.05
"""A contact or stride that spans missing data longer than this is not
measured; shorter drop-outs (a few lost samples, common on wireless insoles)
are bridged by the interpolation of the event times."""

STRIKE_REARFOOT_MAX_PCT = 100.0 / 3.0
STRIKE_MIDFOOT_MAX_PCT = 200.0 / 3.0
"""Strike index bands (Cavanagh & Lafortune 1980): rearfoot in the posterior
third of the foot length, midfoot in the middle third, forefoot in the
anterior third."""

LOADING_RATE_FROM, LOADING_RATE_TO = 0.2, 0.8
"""Loading rate: mean slope of the load between 20 % and 80 % of the first
peak of stance (the average vertical loading rate of force-plate studies,
e.g. Milner et al. 2006, MSSE 38(2):323-328)."""


@dataclass
class InsoleContacts:
    """Contacts found in one insole's load signal.

    Attributes
    ----------
    ic_s, to_s
        Initial contact and toe-off times, s (interpolated between samples).
    first, stop
        Per contact, the first loaded sample and one past the last (``first``
        is the first sample after initial contact, ``stop`` the first after
        toe-off).
    valid
        False for contacts that are too short or long or span a gap.
    body_weight
        Body weight estimated from the data, in the load signal's unit (N
        when the insole gives its force).
    """

    ic_s: np.ndarray
    to_s: np.ndarray
    first: np.ndarray
    stop: np.ndarray
    valid: np.ndarray
    body_weight: float

    def __len__(self) -> int:
        return len(self.ic_s)


@dataclass
class InsoleResult:
    """Steps of one insole stream and how they were found."""

    steps: pd.DataFrame
    contacts: InsoleContacts | None = None
    cop_paths: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    signals: tuple[np.ndarray, np.ndarray] | None = None
    """``(pressure, load)`` as analysed: the cells' pressures with their
    offsets removed, (n, c), and the load signal, (n,), in the unit of
    ``info["load_unit"]`` (what the report's pressure map and stance curves
    are read from). None without a contact."""


def remove_offsets(
    pressure: np.ndarray, fs_hz: float, window_s: float = BASELINE_WINDOW_S
) -> tuple[np.ndarray, np.ndarray]:
    """Subtract each cell's unloaded level: its lower envelope over ``window_s``.

    The envelope is the minimum over blocks of half a second, then the minimum
    over the neighbouring blocks spanning ``window_s``, interpolated linearly
    between block centres. It follows offsets (lacing, sensor zero) and slow
    drift but not a stance, because every window of a few seconds holds a
    swing in which no cell is loaded.

    Parameters
    ----------
    pressure
        Cell pressures, shape (n, c), any unit.
    fs_hz
        Sampling rate, Hz.
    window_s
        Envelope span, s.

    Returns
    -------
    cleaned, baseline
        ``max(pressure - baseline, 0)`` and the baseline, both (n, c).
    """
    p = np.asarray(pressure, dtype=np.float64)
    base = np.empty_like(p)
    cleaned = _offsets_removed(p, fs_hz, window_s, baseline=base)
    return cleaned, base


def _offsets_removed(
    p: np.ndarray,
    fs_hz: float,
    window_s: float = BASELINE_WINDOW_S,
    baseline: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`remove_offsets`' cleaned pressures, one cell at a time: no
    (n, c) array but the result (and ``baseline``, when given, filled with
    the baseline); ``p`` (n, c) float64 is only read."""
    n, c = p.shape
    block = max(int(round(0.5 * fs_hz)), 1)
    nb = -(-n // block)
    full = (n // block) * block
    # block minima; the last, short block's own minimum (the samples that
    # would pad it repeat its last one)
    bmin = np.empty((nb, c))
    bmin[: n // block] = p[:full].reshape(n // block, block, c).min(axis=1)
    if full < n:
        bmin[-1] = p[full:].min(axis=0)
    half = max(int(np.ceil(window_s / 2 / (block / fs_hz))), 1)
    ext = np.concatenate(
        [np.repeat(bmin[:1], half, axis=0), bmin, np.repeat(bmin[-1:], half, axis=0)]
    )
    win = np.lib.stride_tricks.sliding_window_view(ext, 2 * half + 1, axis=0)
    env = win.min(axis=-1)  # (nb, c)
    centres = np.arange(nb) * block + (block - 1) / 2.0
    idx = np.arange(n, dtype=np.float64)
    cleaned = np.empty_like(p)
    for j in range(c):  # per cell, not per sample
        level = np.interp(idx, centres, env[:, j])
        if baseline is not None:
            baseline[:, j] = level
        np.subtract(p[:, j], level, out=cleaned[:, j])
    np.maximum(cleaned, 0.0, out=cleaned)
    return cleaned


def _cross_time(time_s: np.ndarray, load: np.ndarray, i: np.ndarray, level: float) -> np.ndarray:
    """Time at which ``load`` crosses ``level`` between samples ``i`` and ``i + 1``."""
    a, b = load[i], load[i + 1]
    frac = np.clip((level - a) / np.where(b != a, b - a, 1.0), 0.0, 1.0)
    return time_s[i] + frac * (time_s[i + 1] - time_s[i])


def estimate_body_weight(load: np.ndarray) -> float:
    """Body weight in the load's unit from a first pass over the data.

    Contacts are found with levels relative to the 95th percentile of the
    load; over the span from the first to the last of them one foot carries
    on average half the body weight (vertical impulse balance over strides).

    Parameters
    ----------
    load
        Offset-free total load of one insole, shape (n,).

    Returns
    -------
    float
        The estimate, or NaN when the load never rises.
    """
    top = float(np.percentile(load, 95)) if len(load) else 0.0
    if not top > 0:
        return float("nan")
    on = load > 0.25 * top
    starts = np.flatnonzero(on[1:] & ~on[:-1]) + 1
    ends = np.flatnonzero(~on[1:] & on[:-1]) + 1
    if len(starts) < 2 or len(ends) < 2:
        return 2.0 * float(np.mean(load))
    a, b = starts[0], ends[-1]
    if b <= a:
        return 2.0 * float(np.mean(load))
    return 2.0 * float(np.mean(load[a:b]))


def detect_contacts(
    time_s: np.ndarray, load: np.ndarray, *, body_weight: float | None = None
) -> InsoleContacts:
    """Initial contacts and toe-offs from an insole's total load.

    Parameters
    ----------
    time_s
        Sample times, s, shape (n,).
    load
        Offset-free total load (force in N, or an area-weighted pressure sum),
        shape (n,).
    body_weight
        Body weight in the load's unit; default: :func:`estimate_body_weight`.

    Returns
    -------
    InsoleContacts
        Every contact found, with ``valid`` marking gait contacts.
    """
    t = np.asarray(time_s, dtype=np.float64)
    x = np.asarray(load, dtype=np.float64)
    bw = estimate_body_weight(x) if body_weight is None else float(body_weight)
    empty = np.empty(0)
    if len(x) < 3 or not np.isfinite(bw) or bw <= 0:
        return InsoleContacts(
            empty, empty, empty.astype(int), empty.astype(int), empty.astype(bool), bw
        )
    hi, lo, ic_lvl = ON_LEVEL_BW * bw, TO_LEVEL_BW * bw, IC_LEVEL_BW * bw
    # hysteresis state: 1 above hi, 0 below lo, else the previous state
    mark = np.where(x > hi, 1, np.where(x < lo, 0, -1))
    known = np.where(mark >= 0, np.arange(len(x)), 0)
    np.maximum.accumulate(known, out=known)
    state = np.where(mark[known] >= 0, mark[known], 0)
    state[0] = 0
    starts = np.flatnonzero((state[1:] == 1) & (state[:-1] == 0)) + 1  # first sample > hi
    stops = np.flatnonzero((state[1:] == 0) & (state[:-1] == 1)) + 1  # first sample < lo
    starts = starts[starts < (stops[-1] if len(stops) else 0)]
    stops = stops[np.searchsorted(stops, starts)] if len(starts) else stops[:0]
    # initial contact: last crossing of the contact level before the rise
    low = np.where(x <= ic_lvl, np.arange(len(x)), -1)
    np.maximum.accumulate(low, out=low)
    before = low[starts]
    # the load must fall to the contact level between two contacts
    prev_stop = np.r_[-1, stops[:-1]]
    ok = (before >= 0) & (before >= prev_stop - 1)
    starts, stops, before = starts[ok], stops[ok], before[ok]
    ic = _cross_time(t, x, before, ic_lvl)
    to = _cross_time(t, x, stops - 1, lo)
    first, stop = before + 1, stops
    contact = to - ic
    dt = np.diff(t)
    period = float(np.median(dt)) if len(dt) else np.nan
    big = np.r_[0, np.cumsum(dt > max(1.5 * period, MAX_GAP_S))]  # gaps before each sample
    no_gap = big[stop] == big[np.maximum(before, 0)]
    valid = (contact >= MIN_CONTACT_S) & (contact <= MAX_CONTACT_S) & no_gap
    return InsoleContacts(ic, to, first.astype(int), stop.astype(int), valid, bw)


def strike_pattern_from_index(strike_index_pct: np.ndarray) -> np.ndarray:
    """``rearfoot`` / ``midfoot`` / ``forefoot`` from the strike index (%),
    Cavanagh & Lafortune (1980) thirds; None where the index is NaN."""
    si = np.asarray(strike_index_pct, dtype=np.float64)
    out = np.full(si.shape, None, dtype=object)
    out[si < STRIKE_REARFOOT_MAX_PCT] = "rearfoot"
    out[(si >= STRIKE_REARFOOT_MAX_PCT) & (si < STRIKE_MIDFOOT_MAX_PCT)] = "midfoot"
    out[si >= STRIKE_MIDFOOT_MAX_PCT] = "forefoot"
    return out


def insole_step_metrics(
    time_s: np.ndarray,
    pressure_kpa: np.ndarray,
    load: np.ndarray,
    contacts: InsoleContacts,
    layout: InsoleLayout,
    *,
    side: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-step insole metrics for the valid contacts.

    Parameters
    ----------
    time_s
        Sample times, s, shape (n,).
    pressure_kpa
        Offset-free cell pressures, kPa, shape (n, c).
    load
        Offset-free total load used for the events, shape (n,).
    contacts
        From :func:`detect_contacts`.
    layout
        The insole's cell layout (positions, regions, areas).
    side
        ``"left"`` or ``"right"``.

    Returns
    -------
    steps, cop_paths
        Steps-table rows (contract columns the insole gives plus regional
        columns ``peak_<region>_kpa``, ``pti_<region>_kpa_s``,
        ``loading_rate_bw_s``, ``cop_ml_index_pct``), and the centre of
        pressure of every stance sample (columns ``side``, ``ic_s``,
        ``time_s``, ``cop_x_pct`` from the heel, ``cop_m_pct`` medial) for plots.
    """
    v = np.flatnonzero(contacts.valid)
    ic, to = contacts.ic_s[v], contacts.to_s[v]
    first, stop = contacts.first[v], contacts.stop[v]
    k = len(v)
    # the columns gathered, then framed once
    df: dict[str, Any] = {"side": side, "ic_s": ic, "to_s": to, "contact_ms": (to - ic) * 1000.0}
    # stride to the next valid contact of this foot, unless a pause or gap between
    nxt = np.r_[ic[1:], np.nan]
    dt = np.diff(time_s)
    period = float(np.median(dt)) if len(dt) else np.nan
    big = np.r_[0, np.cumsum(dt > max(1.5 * period, MAX_GAP_S))]
    same = np.r_[big[first[1:]] == big[first[:-1]], False] if k else np.zeros(0, bool)
    stride = np.where(same & (nxt - ic <= MAX_STRIDE_S), nxt - ic, np.nan)
    df["stride_ms"] = stride * 1000.0
    df["swing_ms"] = np.where(np.isfinite(stride), (nxt - to) * 1000.0, np.nan)
    df["cadence_spm"] = 120000.0 / df["stride_ms"]
    empty_cop = pd.DataFrame(
        {
            "side": pd.Series(dtype=object),
            "ic_s": [],
            "time_s": [],
            "cop_x_pct": [],
            "cop_m_pct": [],
        }
    )
    if k == 0:
        return pd.DataFrame(df), empty_cop

    # padded windows: (k, m) sample indices of each stance
    length = stop - first
    m = int(length.max())
    idx = first[:, None] + np.arange(m)[None, :]
    inside = idx < stop[:, None]
    idx = np.where(inside, idx, first[:, None])
    p = pressure_kpa[idx] * inside[..., None]  # (k, m, c) kPa
    w = layout.weights
    f = p * w  # relative cell loads
    tot = f.sum(axis=-1)  # (k, m)
    ts = time_s[idx]
    dts = np.diff(ts, axis=1, append=ts[:, -1:]) * inside
    dts[np.arange(k), length - 1] = np.maximum(to - ts[np.arange(k), length - 1], 0.0)

    with np.errstate(invalid="ignore", divide="ignore"):
        cop_x = (f * layout.cells[:, 0]).sum(-1) / tot
        cop_m = (f * layout.cells[:, 1]).sum(-1) / tot
        cop_x = np.where(inside & (tot > 0), cop_x, np.nan)
        cop_m = np.where(inside & (tot > 0), cop_m, np.nan)
        first_ok = np.argmax(np.isfinite(cop_x), axis=1)
        si = 100.0 * cop_x[np.arange(k), first_ok]
        df["strike_index_pct"] = si
        df["strike_pattern"] = strike_pattern_from_index(si)

        integral = (f * dts[..., None]).sum(axis=1)  # (k, c) load-time integral
        all_int = integral.sum(axis=1)
        ff = layout.indices(*FOREFOOT_REGIONS)
        lat = layout.indices("lateral_forefoot")
        ff_int = integral[:, ff].sum(axis=1)
        df["forefoot_load_pct"] = 100.0 * ff_int / all_int
        df["lateral_forefoot_load_pct"] = 100.0 * integral[:, lat].sum(axis=1) / ff_int
        df["peak_forefoot_kpa"] = p[:, :, ff].max(axis=(1, 2)) if len(ff) else np.nan
        for region in REGIONS:
            cells = layout.indices(region)
            if len(cells) == 0:
                df[f"peak_{region}_kpa"] = np.nan
                df[f"pti_{region}_kpa_s"] = np.nan
                continue
            top = p[:, :, cells].max(axis=-1)  # (k, m) region's peak cell
            df[f"peak_{region}_kpa"] = top.max(axis=1)
            df[f"pti_{region}_kpa_s"] = (top * dts).sum(axis=1)
        # loading rate: 20-80 % of the first peak of the load (first half of stance)
        lw = np.where(inside, load[idx], 0.0)
        half = np.arange(m)[None, :] < np.maximum(length // 2, 1)[:, None]
        ipk = np.argmax(np.where(half, lw, -np.inf), axis=1)
        pk = lw[np.arange(k), ipk]
        before_pk = np.arange(m)[None, :] <= ipk[:, None]
        t_lo = _first_crossing(ts, lw, LOADING_RATE_FROM * pk, before_pk)
        t_hi = _first_crossing(ts, lw, LOADING_RATE_TO * pk, before_pk)
        rate = (LOADING_RATE_TO - LOADING_RATE_FROM) * pk / (t_hi - t_lo)
        rate = np.where(t_hi > t_lo, rate, np.nan)
        df["loading_rate_bw_s"] = rate / contacts.body_weight
        # medial-lateral index: load-weighted mean medial position of the COP
        mw = tot * dts
        df["cop_ml_index_pct"] = (
            100.0
            * np.nansum(cop_m * mw, axis=1)
            / np.nansum(np.where(np.isfinite(cop_m), mw, 0.0), axis=1)
        )

    sel = inside.ravel()
    cop = pd.DataFrame(
        {
            "side": side,
            "ic_s": np.repeat(ic, m)[sel],
            "time_s": ts.ravel()[sel],
            "cop_x_pct": 100.0 * cop_x.ravel()[sel],
            "cop_m_pct": 100.0 * cop_m.ravel()[sel],
        }
    )
    return pd.DataFrame(df), cop


def _first_crossing(
    ts: np.ndarray, x: np.ndarray, level: np.ndarray, allowed: np.ndarray
) -> np.ndarray:
    """Per row, the interpolated time at which ``x`` first reaches ``level``
    within the ``allowed`` samples (NaN if never)."""
    k = x.shape[0]
    reach = (x >= level[:, None]) & allowed
    j = np.argmax(reach, axis=1)
    ok = reach[np.arange(k), j]
    jm = np.maximum(j - 1, 0)
    a, b = x[np.arange(k), jm], x[np.arange(k), j]
    frac = np.clip((level - a) / np.where(b != a, b - a, 1.0), 0.0, 1.0)
    t = ts[np.arange(k), jm] + frac * (ts[np.arange(k), j] - ts[np.arange(k), jm])
    t = np.where(j == 0, ts[:, 0], t)
    return np.where(ok, t, np.nan)


def load_signal(
    pressure_kpa: np.ndarray, layout: InsoleLayout, force_n: np.ndarray | None, fs_hz: float
) -> tuple[np.ndarray, str]:
    """The total load used for events: the insole's own force (offsets
    removed) when it has one, else the area-weighted cell sum."""
    if force_n is not None and np.isfinite(force_n).all():
        clean, _ = remove_offsets(force_n[:, None], fs_hz)
        return clean[:, 0], "N"
    return pressure_kpa @ layout.weights, "kPa*cell"


def _cells(values: np.ndarray, pcols: list[int]) -> np.ndarray:
    """``values[:, pcols]``, read-only: without a copy when the cells are
    neighbouring columns of a column-major array (every insole stream footfall
    reads), which gives the copy's very layout."""
    if (
        values.flags.f_contiguous
        and pcols
        and pcols == list(range(pcols[0], pcols[0] + len(pcols)))
    ):
        view = values[:, pcols[0] : pcols[0] + len(pcols)]
        view.flags.writeable = False
        return view
    return values[:, pcols]


def analyze_insole_stream(stream: Stream) -> InsoleResult:
    """Contacts and per-step metrics of one pressure-insole stream.

    Never raises for lack of gait: returns an empty table with a note saying
    why. Raises ValueError when the stream's layout is missing or does not
    fit its cells (a problem with the recording's metadata).
    """
    if stream.kind != SensorKind.INSOLE:
        raise ValueError(f"{stream.name}: not an insole stream")
    pcols = [i for i, c in enumerate(stream.columns) if c.startswith("p") and c[1:].isdigit()]
    layout = layout_for_stream(stream.meta, stream.side.value, len(pcols))
    fs = stream.fs_hz
    info: dict[str, Any] = {"fs_hz": fs, "n_samples": len(stream), "layout": layout.name}
    if not np.isfinite(fs) or len(stream) < 10:
        return InsoleResult(pd.DataFrame(), notes=["too few samples to analyse"], info=info)
    pressure = _offsets_removed(_cells(stream.values, pcols), fs)
    force = stream.column("force_n") if "force_n" in stream.columns else None
    load, unit = load_signal(pressure, layout, force, fs)
    contacts = detect_contacts(stream.time_s, load)
    info.update(
        {
            "body_weight": round(contacts.body_weight, 1),
            "load_unit": unit,
            "n_contacts": int(contacts.valid.sum()),
        }
    )
    notes: list[str] = []
    if not contacts.valid.any():
        return InsoleResult(
            pd.DataFrame(),
            contacts=contacts,
            info=info,
            notes=["no gait: no foot contact found in the pressure data"],
        )
    steps, cop = insole_step_metrics(
        stream.time_s, pressure, load, contacts, layout, side=stream.side.value
    )
    steps["source"] = f"{stream.side.value}_insole"
    return InsoleResult(
        steps, contacts=contacts, cop_paths=cop, notes=notes, info=info, signals=(pressure, load)
    )


INSOLE_EXTRA_COLUMNS: tuple[str, ...] = (
    *(f"peak_{r}_kpa" for r in REGIONS),
    *(f"pti_{r}_kpa_s" for r in REGIONS),
    "loading_rate_bw_s",
    "cop_ml_index_pct",
)
"""Numeric insole columns of the steps table beyond the contract ones."""
