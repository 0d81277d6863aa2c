"""The step plan: every foot contact of a virtual run, with its timing,
footprint and the gait quantities of that step.

The plan is made before any signal: per-step parameters follow the scenario's
schedule (phases, fatigue drift, left-right offsets) plus step-to-step
variability; contacts alternate left and right; footprints lie along the path
of the body (straight on a treadmill, gently curving overground) so that the
distance between two footprints of one foot is the stride length.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from footfall.model import Surface
from footfall.sim.params import NUMERIC_GAIT_FIELDS, GaitParams, Scenario

__all__ = [
    "HEEL_RISE_RUN",
    "HEEL_RISE_WALK",
    "LEAD_IN_S",
    "MTP_FRAC",
    "RAMP_S",
    "RUNNING_CONTACT_FRACTION",
    "StepPlan",
    "gait_field_names",
    "make_plan",
    "strike_index_from_angle",
]


LEAD_IN_S = 3.0
"""Steps are planned from this long before the recording starts (and after it
ends), so that every sample lies inside a planned stride."""

RAMP_S = 4.0
"""Transition time between phases of a schedule (walk <-> run), s."""

MTP_FRAC = 0.72
"""Metatarsophalangeal (ball) line, fraction of foot length from the heel."""

RUNNING_CONTACT_FRACTION = 0.5
"""A step whose contact is less than this share of the stride is running
(a flight phase); the model's push-off differs between running and walking."""

HEEL_RISE_RUN = 0.55
"""Heel rise in running, as a share of the contact before toe-off: the
Fukuchi treadmill run's push-off pitch rate leaves its near-zero stance level
about 150 ms before the force-plate toe-off of a 277 ms contact."""

HEEL_RISE_WALK = 0.42
"""Heel rise in walking (a contact of more than half the stride), share of
the contact before toe-off: the heel leaves the ground at about a third of
the gait cycle, toe-off at about 60 %."""

# foot-strike angle (deg) -> strike index (% foot length): monotone and matching
# the Altman & Davis angle bands to the Cavanagh & Lafortune index bands.
_FSA_KNOTS = np.array([-25.0, -1.6, 8.0, 35.0])
_SI_KNOTS = np.array([92.0, 67.5, 33.5, 8.0])


def strike_index_from_angle(angle_deg: np.ndarray) -> np.ndarray:
    """Strike index (%) consistent with a foot strike angle (deg): > 8 deg maps
    into 0-33 % (rearfoot), -1.6..8 deg into 34-67 % (midfoot), below into
    68-100 % (forefoot)."""
    return np.interp(np.asarray(angle_deg, float), _FSA_KNOTS, _SI_KNOTS)


@dataclass
class StepPlan:
    """All contacts of the run (both feet), ordered by initial contact.

    Per-step arrays, shape (n,). Times in seconds on the reference clock;
    angles in degrees; positions in the ground frame (metres; the belt frame
    on a treadmill), x forward at the start, y left, z up.
    """

    left: np.ndarray  # bool
    ic: np.ndarray
    to: np.ndarray
    t_ff: np.ndarray  # foot flat (end of the landing rotation)
    t_pe: np.ndarray  # peak eversion
    t_hr: np.ndarray  # heel rise
    impact_s: np.ndarray
    g: dict[str, np.ndarray]  # per-step gait fields (GaitParams names)
    footprint: np.ndarray  # (n, 3) heel origin at foot flat
    heading: np.ndarray  # rad, direction of travel at the step
    yaw: np.ndarray  # rad, foot yaw for the stride (heading + toe-out, mirrored)
    pivot_x: np.ndarray  # first-contact point, m from the heel along the sole
    strike_index: np.ndarray  # %
    pron_vel: np.ndarray  # actual peak eversion rate, deg/s
    surface: Surface
    belt_t: np.ndarray  # time grid of the belt / body speed, s
    belt_v: np.ndarray  # body speed (= belt speed on a treadmill), m/s
    foot_length: float

    @property
    def n(self) -> int:
        return len(self.ic)

    def side_index(self, left: bool) -> np.ndarray:
        return np.flatnonzero(self.left == left)


def _smooth_noise(rng: np.random.Generator, t: np.ndarray, timescale_s: float) -> np.ndarray:
    """Unit-variance noise varying over ``timescale_s`` (first-order low-pass
    of white noise on a grid, interpolated at ``t``)."""
    dt = timescale_s / 10.0
    grid = np.arange(t.min() - timescale_s, t.max() + 2 * dt, dt)
    phi = np.exp(-dt / timescale_s)
    e = rng.standard_normal(len(grid)) * np.sqrt(1 - phi**2)
    # AR(1) via a recursive filter (vectorised)
    from scipy.signal import lfilter

    x = lfilter([1.0], [1.0, -phi], e)
    x[:10] = x[10]
    return np.interp(t, grid, x)


def _schedule(sc: Scenario, t: np.ndarray, duration_s: float) -> dict[str, np.ndarray]:
    """Gait fields at times ``t`` from the phase schedule and fatigue drift."""
    t = np.asarray(t, float)
    if sc.phases:
        period = sum(p.minutes for p in sc.phases) * 60.0
        starts = np.cumsum([0.0] + [p.minutes * 60.0 for p in sc.phases])
        tm = np.mod(t, period)
        out = {}
        for f in NUMERIC_GAIT_FIELDS:
            vals = np.array(
                [getattr(p.gait, f) for p in sc.phases] + [getattr(sc.phases[0].gait, f)]
            )
            # piecewise constant with smoothstep ramps of RAMP_S centred on each switch
            v = np.full(t.shape, vals[0])
            for j in range(1, len(vals)):
                s = np.clip((tm - starts[j] + RAMP_S / 2) / RAMP_S, 0.0, 1.0)
                s = s * s * (3 - 2 * s)
                v = v + (vals[j] - vals[j - 1]) * s
            out[f] = v
    else:
        out = {f: np.full(t.shape, float(getattr(sc.gait, f))) for f in NUMERIC_GAIT_FIELDS}
    if sc.fatigue:
        onset = sc.fatigue_onset_min * 60.0
        span = max(duration_s - onset, 1.0)
        frac = np.clip((t - onset) / span, 0.0, 1.0)
        for f, dv in sc.fatigue.items():
            out[f] = out[f] + dv * frac
    return out


def make_plan(sc: Scenario, duration_s: float, seed: int) -> StepPlan:
    """Plan every contact of a run of ``duration_s`` seconds.

    Parameters
    ----------
    sc
        The scenario.
    duration_s
        Recording length, s; contacts are planned from ``-LEAD_IN_S`` to
        ``duration_s + LEAD_IN_S``.
    seed
        Seed of the random generator (same seed, same plan).
    """
    ss = np.random.SeedSequence(seed)
    r_time, r_step, r_path, r_side = (np.random.default_rng(s) for s in ss.spawn(4))
    t0, t1 = -LEAD_IN_S, duration_s + LEAD_IN_S
    max_cad = max([sc.gait.cadence_spm] + [p.gait.cadence_spm for p in sc.phases]) + 20
    n = int(np.ceil((t1 - t0) * max_cad / 60.0 * 1.1)) + 8
    left = np.arange(n) % 2 == 0
    sgn = np.where(left, 1.0, -1.0)

    # step-to-step timing noise, AR(1) with some persistence
    e = r_time.standard_normal(n)
    from scipy.signal import lfilter

    step_noise = lfilter([1.0], [1.0, -0.5], e) * np.sqrt(1 - 0.25)
    contact_noise = r_time.standard_normal(n)

    # fixed-point iteration: step times depend on cadence, cadence on time
    ic = t0 + np.arange(n) * 60.0 / sc.gait.cadence_spm
    for _ in range(3):
        g = _schedule(sc, ic, duration_s)
        step = 60.0 / g["cadence_spm"] * (1.0 + g["stride_cv"] * step_noise)
        ic = t0 + np.concatenate([[0.0], np.cumsum(step[:-1])])
    g = _schedule(sc, ic, duration_s)
    for side, offs in sc.side_offsets.items():
        sel = left if side == "left" else ~left
        for f, dv in offs.items():
            g[f] = np.where(sel, g[f] + dv, g[f])
    keep = ic <= t1
    ic = ic[keep]
    left = left[keep]
    sgn = sgn[keep]
    g = {k: v[keep] for k, v in g.items()}
    step_noise = step_noise[keep]
    contact_noise = contact_noise[keep]
    n = len(ic)

    # per-step variability of the other quantities
    def vary(name: str, sd: np.ndarray | float) -> None:
        g[name] = g[name] + sd * r_step.standard_normal(n)

    for f in (
        "foot_strike_angle_deg",
        "shank_angle_ic_deg",
        "toe_off_angle_deg",
        "inversion_ic_deg",
    ):
        vary(f, g["angle_sd_deg"])
    for f in (
        "pronation_excursion_deg",
        "pronation_velocity_dps",
        "touchdown_down_mps",
        "touchdown_forward_mps",
        "impact_ms",
        "swing_height_m",
    ):
        vary(f, g["rel_sd"] * np.abs(g[f]))
    g["pronation_excursion_deg"] = np.maximum(g["pronation_excursion_deg"], 0.5)
    g["pronation_velocity_dps"] = np.maximum(g["pronation_velocity_dps"], 40.0)
    g["impact_ms"] = np.clip(g["impact_ms"], 6.0, 60.0)
    g["touchdown_down_mps"] = np.maximum(g["touchdown_down_mps"], 0.05)
    # toe-out varies from step to step like the other angles (drawn after
    # them, so that adding it left every other per-step value as it was)
    vary("toe_out_deg", g["angle_sd_deg"])

    stride_nom = 2 * 60.0 / g["cadence_spm"]
    contact = g["contact_fraction"] * stride_nom * (1.0 + g["contact_cv"] * contact_noise)
    nxt_same = np.r_[ic[2:], ic[-2:] + stride_nom[-2:]]
    contact = np.minimum(contact, 0.85 * (nxt_same - ic))
    to = ic + contact

    # stance sub-phases
    fsa = g["foot_strike_angle_deg"]
    imp = g["impact_ms"] / 1000.0
    # landing rotation: a heel slap is quick; a forefoot landing lowers the heel
    # slowly (eccentric calf work)
    per_deg = np.where(fsa >= 0.0, 0.0015, 0.005)
    t_a = np.clip(0.12 * contact + per_deg * np.abs(fsa), imp + 0.008, 0.30 * contact)
    imp = np.minimum(imp, t_a - 0.004)
    t_ff = ic + t_a
    # heel rise: the push-off's toes-down pitch rate leaves zero some 0.55 of
    # the contact before toe-off on the Fukuchi treadmill run; walking
    # heels rise later in the stance
    running = g["contact_fraction"] < RUNNING_CONTACT_FRACTION
    t_hr = to - np.where(running, HEEL_RISE_RUN, HEEL_RISE_WALK) * contact
    t_hr = np.maximum(t_hr, t_ff + 0.08 * contact)
    rise = 1.875 * g["pronation_excursion_deg"] / g["pronation_velocity_dps"]
    rise = np.clip(rise, 0.03 * contact, t_hr - ic - 0.03 * contact)
    t_pe = ic + rise
    pron_vel = 1.875 * g["pronation_excursion_deg"] / rise

    # path of the body: speed and heading
    belt_t = np.arange(t0 - 1.0, t1 + 1.0, 0.05)
    belt_v = _schedule(sc, belt_t, duration_s)["speed_mps"]
    heading_grid = np.zeros_like(belt_t)
    if sc.surface == Surface.OVERGROUND:
        belt_v = belt_v * (1 + sc.speed_wander_pct / 100 * _smooth_noise(r_path, belt_t, 30.0))
        heading_grid = np.radians(sc.heading_wander_deg) * _smooth_noise(r_path, belt_t, 40.0)
    vx = belt_v * np.cos(heading_grid)
    vy = belt_v * np.sin(heading_grid)
    dt = np.diff(belt_t)
    cx = np.r_[0.0, np.cumsum(0.5 * (vx[1:] + vx[:-1]) * dt)]
    cy = np.r_[0.0, np.cumsum(0.5 * (vy[1:] + vy[:-1]) * dt)]
    t_ms = 0.5 * (t_ff + t_hr)
    heading = np.interp(t_ms, belt_t, heading_grid)
    c = np.column_stack([np.interp(t_ms, belt_t, cx), np.interp(t_ms, belt_t, cy)])
    fl = sc.foot_length_m
    fwd = np.column_stack([np.cos(heading), np.sin(heading)])
    normal = np.column_stack([-np.sin(heading), np.cos(heading)])
    foot_xy = c - 0.5 * fl * fwd + (sgn * 0.5 * g["step_width_m"])[:, None] * normal
    footprint = np.column_stack([foot_xy, np.zeros(n)])
    yaw = heading + sgn * np.radians(g["toe_out_deg"])

    pivot_x = np.where(
        fsa > 0.0, 0.0, np.clip(strike_index_from_angle(fsa) / 100 * fl, 0.3 * fl, 0.78 * fl)
    )
    return StepPlan(
        left=left,
        ic=ic,
        to=to,
        t_ff=t_ff,
        t_pe=t_pe,
        t_hr=t_hr,
        impact_s=imp,
        g=g,
        footprint=footprint,
        heading=heading,
        yaw=yaw,
        pivot_x=pivot_x,
        strike_index=strike_index_from_angle(fsa),
        pron_vel=pron_vel,
        surface=sc.surface,
        belt_t=belt_t,
        belt_v=belt_v,
        foot_length=fl,
    )


def gait_field_names() -> list[str]:
    """Names of the per-step gait fields in ``StepPlan.g``."""
    return [f.name for f in fields(GaitParams) if f.name in NUMERIC_GAIT_FIELDS]
