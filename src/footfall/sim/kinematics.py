"""Foot and shank motion of the virtual runner, and ideal IMU signals from it.

Model (docs/simulation.md has the figures)
-------------------------------------------
The foot is a rigid body with its origin at the rear of the sole (heel),
x forward, y left, z up. Its orientation is ``Rz(yaw) Ry(-pitch) Rx(roll)``
where pitch is positive toes up and roll positive when the left edge rises
(eversion = +roll on the left foot, -roll on the right). Pitch, roll, yaw and
the shank's inclination are piecewise quintic Hermite curves through per-step
knots (contact, foot flat, peak eversion, heel rise, toe-off, early and late
swing), so orientation is C2-smooth (C1 at the contact of a flat or
toes-first landing, where the ground starts to stop the rotation).

Stance (initial contact .. toe-off), in the ground frame:

* impact: the first-contact point (heel for a heel strike, the strike-index
  point otherwise) arrives with the touchdown velocity and is brought to rest
  within ``impact_ms`` along a quintic (shoe compression); meanwhile the foot
  rotates about it;
* landing: the foot rotates about the resting first-contact point to flat;
* flat and push-off: the foot rotates about the ball (metatarsophalangeal
  line) - first only in roll (pronation, which leaves the sole's centre line
  in place), then heels up to toe-off.

The switch of pivot happens when pitch, its rate and its acceleration are
zero, so position stays C2. Swing: the heel follows quintics from the toe-off
state (position, velocity, acceleration of the stance motion) to the landing
state of the next contact, through an apex of ``swing_height_m``.

On a treadmill the ground frame is the belt: lab positions are belt positions
minus the belt's displacement, so the stance foot moves backwards at belt
speed and the accelerometer sees the belt's acceleration when it changes.

IMU signals are the exact rigid-body kinematics, computed analytically from
the curves' derivatives: acceleration of the sensor point = acceleration of
a reference point (the resting contact point in stance, the heel in swing)
+ R (alpha x d + omega x (omega x d)), plus gravity, in sensor axes (so
gravity, linear, tangential and centripetal terms are all present); angular
rate = the body-frame rate of the Euler angles, in sensor axes. A slower
finite-difference version (:func:`ideal_imu_fd`) checks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np
from scipy.interpolate import CubicSpline

from footfall.model import G_MPS2, Surface
from footfall.sim import hermite
from footfall.sim.plan import MTP_FRAC, RUNNING_CONTACT_FRACTION, StepPlan

__all__ = [
    "CHUNK",
    "FootTrack",
    "H_S",
    "PUSH_END_SWING",
    "PUSH_PEAK_LEAD",
    "PUSH_RATE_AT_TO",
    "PUSH_RESUPINATION_DEG",
    "SHANK_SENSOR_M",
    "SHANK_STANCE",
    "SHANK_SWING",
    "THDD_PRE_S",
    "THDD_STOP_S",
    "build_track",
    "euler_zyx",
    "ideal_imu",
    "ideal_imu_fd",
    "linear_acc_world",
    "velocity_world",
]


H_S = 1e-4
"""Time step of the finite differences that give velocity and acceleration, s."""

THDD_PRE_S = 0.04
"""A flat or toes-first landing's toes-down pitch rate is still rising just
before contact, by its value at contact every this many seconds (the rate
climbs some 230 deg/s in the last 35 ms before contact on the Fukuchi run)."""

THDD_STOP_S = 0.02
"""A flat or toes-first landing's toes-down pitch rate is stopped by the ground
at its value at contact every this many seconds (the rotation ends within
about 20 ms of contact, cf. the Fukuchi forefoot runner)."""

PUSH_PEAK_LEAD = 0.09
"""Running push-off: the toes-down pitch rate peaks this share of the contact
before toe-off (about 25 ms of the Fukuchi run's 277 ms contact)."""

PUSH_RATE_AT_TO = 0.93
"""Running push-off: the pitch rate at toe-off as a share of its peak (432 of
467 deg/s on the Fukuchi run)."""

PUSH_END_SWING = 0.22
"""Running: the push-off's toes-down rotation ends (rate zero) this share of
the swing after toe-off (about 110 ms on the Fukuchi run)."""

PUSH_RESUPINATION_DEG = 3.0
"""How far the foot rolls back from its peak eversion by toe-off, deg. On both
Fukuchi runners (marker foot frames, median over strides) the foot's roll at
toe-off is 3-6 deg short of its mid-stance value and within 6 deg of standing,
and from mid-stance to the push-off's peak pitch rate it rolls back 2-3 deg
while pitching 32-39 deg toes-down; the foot turns to the next landing's
inversion in the swing."""

CHUNK = 150_000
"""Samples evaluated at once (memory bound)."""

SHANK_STANCE = np.array(
    [
        [0.00, -53.57, -528.3],
        [-7.35, -86.22, -101.2],
        [-15.86, -79.14, 178.3],
        [-22.88, -62.18, 136.3],
        [-28.47, -49.22, 152.5],
        [-32.48, -29.88, 214.3],
        [-34.51, -12.66, 107.2],
        [-35.46, -8.11, 4.9],
        [-36.25, -7.31, 22.3],
        [-36.85, -4.97, 1.8],
        [-37.57, -12.42, -171.0],
    ]
)
"""The shank's sagittal inclination through stance: value (deg, from its
value at contact), first and second derivative (deg per unit of stance, per
unit squared) at 11 equally spaced points from contact to toe-off. Measured
on the treadmill run of Fukuchi et al. 2017 (runner RBDS001, 2.5 m/s, CC BY
4.0): the mean over all strides of both legs, from its markers against its
force plate (``bench/fukuchi_imu.py``, :func:`shank_template`, which prints
the same numbers)."""

SHANK_SWING = np.array(
    [
        [-37.57, -21.60, -517.4],
        [-40.33, -71.64, -964.3],
        [-46.54, -122.43, -546.1],
        [-54.87, -138.83, -46.5],
        [-63.47, -133.62, 235.5],
        [-71.04, -102.84, 777.4],
        [-75.64, -40.30, 1156.7],
        [-75.83, 34.33, 1186.7],
        [-71.48, 102.83, 967.9],
        [-63.36, 153.78, 680.1],
        [-52.55, 190.50, 497.4],
        [-39.82, 213.75, 226.7],
        [-26.23, 217.56, -118.1],
        [-13.17, 194.71, -661.6],
        [-2.76, 130.71, -1391.6],
        [2.26, 24.29, -1940.2],
        [0.00, -93.19, -1598.7],
    ]
)
"""The same through the swing: 17 equally spaced points from toe-off to the
next contact (the last value is the next contact's, 0)."""

SHANK_SENSOR_M = np.array([0.035, 0.0, 0.16])
"""Shank IMU position in the shank frame from the ankle: front of the tibia,
16 cm above the ankle joint."""


def euler_zyx(yaw: np.ndarray, pitch_y: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """Rotation matrices ``Rz(yaw) @ Ry(pitch_y) @ Rx(roll)``, shape (n, 3, 3).

    ``pitch_y`` is the rotation about y (right-hand rule: positive tips the
    x axis down); angles in radians.
    """
    cz, sz = np.cos(yaw), np.sin(yaw)
    cy, sy = np.cos(pitch_y), np.sin(pitch_y)
    cx, sx = np.cos(roll), np.sin(roll)
    r = np.empty(np.shape(yaw) + (3, 3))
    r[..., 0, 0] = cz * cy
    r[..., 0, 1] = cz * sy * sx - sz * cx
    r[..., 0, 2] = cz * sy * cx + sz * sx
    r[..., 1, 0] = sz * cy
    r[..., 1, 1] = sz * sy * sx + cz * cx
    r[..., 1, 2] = sz * sy * cx - cz * sx
    r[..., 2, 0] = -sy
    r[..., 2, 1] = cy * sx
    r[..., 2, 2] = cy * cx
    return r


def _mv(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Row-wise R @ v for (n, 3, 3) and (n, 3) or (3,)."""
    if v.ndim == 1:
        return r @ v
    return np.einsum("nij,nj->ni", r, v)


@dataclass
class FootTrack:
    """Everything needed to evaluate one foot's (and shank's) motion at any time."""

    left: bool
    ic: np.ndarray
    to: np.ndarray
    t_ff: np.ndarray
    tau: np.ndarray
    p1_ground: np.ndarray  # (n, 3) rest position of the first-contact point
    mtp_ground: np.ndarray  # (n, 3) rest position of the ball
    g_td: np.ndarray  # (n, 3) first-contact point at initial contact
    v_td: np.ndarray  # (n, 3) its velocity then
    r_p1: np.ndarray  # (n, 3) first-contact point in the foot frame
    r_mtp: np.ndarray  # (3,)
    r_ankle: np.ndarray  # (3,)
    pitch: tuple[np.ndarray, ...]
    roll: tuple[np.ndarray, ...]
    yaw: tuple[np.ndarray, ...]
    leg_yaw: tuple[np.ndarray, ...]
    gamma: tuple[np.ndarray, ...]
    sx: tuple[np.ndarray, ...]
    sy: tuple[np.ndarray, ...]
    sz: tuple[np.ndarray, ...]
    belt: CubicSpline | None  # belt displacement D(t), treadmill only

    # ------------------------------------------------------------------
    def angles(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Foot pitch (toes up), roll (left edge up), yaw, radians."""
        return (
            hermite.evaluate(t, *self.pitch),
            hermite.evaluate(t, *self.roll),
            hermite.evaluate(t, *self.yaw),
        )

    def foot_rotation(self, t: np.ndarray) -> np.ndarray:
        th, ph, ps = self.angles(t)
        return euler_zyx(ps, -th, ph)

    def shank_rotation(self, t: np.ndarray) -> np.ndarray:
        """Shank frame: z along the shank (ankle -> knee), x forward, y left.
        Its heading is the direction of travel (the leg swings in the body's
        sagittal plane), not the turned-out foot's."""
        gam = hermite.evaluate(t, *self.gamma)
        ph = hermite.evaluate(t, *self.roll)
        ps = hermite.evaluate(t, *self.leg_yaw)
        return euler_zyx(ps, -gam, 0.3 * ph)

    def origin(self, t: np.ndarray, r: np.ndarray | None = None) -> np.ndarray:
        """Position of the foot origin (heel), ground frame, m, shape (n, 3)."""
        if r is None:
            r = self.foot_rotation(t)
        n = len(self.ic)
        k = np.clip(np.searchsorted(self.ic, t, side="right") - 1, 0, n - 1)
        p = np.column_stack(
            [
                hermite.evaluate(t, *self.sx),
                hermite.evaluate(t, *self.sy),
                hermite.evaluate(t, *self.sz),
            ]
        )
        stance = (t >= self.ic[k]) & (t < self.to[k])
        imp = stance & (t < self.ic[k] + self.tau[k])
        land = stance & ~imp & (t < self.t_ff[k])
        flat = stance & (t >= self.t_ff[k])
        if imp.any():
            ki = k[imp]
            z = np.zeros((len(ki), 3))
            g = hermite.segment(
                t[imp],
                self.ic[ki],
                self.ic[ki] + self.tau[ki],
                self.g_td[ki],
                self.v_td[ki],
                z,
                self.p1_ground[ki],
                z,
                z,
            )
            p[imp] = g - _mv(r[imp], self.r_p1[ki])
        if land.any():
            kl = k[land]
            p[land] = self.p1_ground[kl] - _mv(r[land], self.r_p1[kl])
        if flat.any():
            p[flat] = self.mtp_ground[k[flat]] - _mv(r[flat], self.r_mtp)
        return p

    def lab_shift(self, t: np.ndarray) -> np.ndarray:
        """What to add to ground-frame positions to get lab positions."""
        out = np.zeros((len(t), 3))
        if self.belt is not None:
            out[:, 0] = -self.belt(t)
        return out

    def point(
        self, t: np.ndarray, site: np.ndarray, placement: str = "foot"
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lab position of a sensor site (foot frame, or shank frame from the
        ankle) and the segment rotation, at times ``t``."""
        rf = self.foot_rotation(t)
        o = self.origin(t, rf)
        if placement == "foot":
            return o + _mv(rf, site) + self.lab_shift(t), rf
        rs = self.shank_rotation(t)
        ankle = o + _mv(rf, self.r_ankle)
        return ankle + _mv(rs, site) + self.lab_shift(t), rs


def _state_before(fn, t: np.ndarray, h: float = H_S) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, first and second derivative of ``fn`` at ``t`` from the left:
    one-sided differences over ``t - 3h .. t`` (third and second order), for
    a function whose second derivative jumps at ``t``."""
    p0, p1, p2, p3 = (fn(t - k * h) for k in range(4))
    return (
        p0,
        (11 * p0 - 18 * p1 + 9 * p2 - 2 * p3) / (6 * h),
        (2 * p0 - 5 * p1 + 4 * p2 - p3) / h**2,
    )


def _state(fn, t: np.ndarray, h: float = H_S) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, first and second derivative of ``fn`` at ``t`` by central differences."""
    pm, p0, pp = fn(t - h), fn(t), fn(t + h)
    return p0, (pp - pm) / (2 * h), (pp - 2 * p0 + pm) / h**2


def build_track(plan: StepPlan, left: bool) -> FootTrack:
    """Knots and boundary states of one foot's motion from the step plan."""
    idx = plan.side_index(left)
    g = {k: v[idx] for k, v in plan.g.items()}
    ic, to = plan.ic[idx], plan.to[idx]
    t_ff, t_pe, t_hr = plan.t_ff[idx], plan.t_pe[idx], plan.t_hr[idx]
    n = len(ic)
    fl = plan.foot_length
    stride_nom = 2 * 60.0 / g["cadence_spm"]
    ic_next = np.r_[ic[1:], ic[-1] + stride_nom[-1]]
    t_sw = ic_next - to
    contact = to - ic
    sgn = 1.0 if left else -1.0

    # ---- pitch (toes up), radians
    # Around contact: a heel strike reaches its greatest toes-up pitch at
    # contact and the ground then slaps the forefoot down; a flat or toes-first
    # landing is still pitching toes-down when it lands and the ground stops
    # that rotation within ~20 ms (THDD_STOP_S; cf. the Fukuchi forefoot runner). ``rear``
    # blends the two by the strike angle (0 at <= 0 deg, 1 at >= 8 deg).
    # Nothing stops the toes-down rotation before the ground does: the pitch
    # acceleration jumps at contact (a repeated knot), from the swing's
    # (the rate still rising, THDD_PRE_S) to the stance's (the rate falling),
    # so that the toes-down rate peaks at contact, as it does within a few
    # milliseconds on the Fukuchi run; a heel strike's pitch stays C2.
    # Push-off: the toes-down pitch rate rises from heel rise to a broad peak
    # PUSH_PEAK_LEAD of the contact before toe-off and is a little lower
    # (PUSH_RATE_AT_TO of the peak) and falling when the toes leave the
    # ground, as under the force plate of the Fukuchi treadmill run (rate
    # about 467 deg/s 25 ms before toe-off, 432 at it); it falls to zero
    # PUSH_END_SWING of the swing later. Walking keeps one quintic from heel
    # rise to toe-off whose rate at toe-off is twice the mean (a knot on it
    # where running has its peak leaves that curve as it is).
    th_ic = np.radians(g["foot_strike_angle_deg"])
    th_to = np.radians(g["toe_off_angle_deg"])
    ta = t_ff - ic
    rear = np.clip(g["foot_strike_angle_deg"] / 8.0, 0.0, 1.0)
    w_in = np.radians(150.0) * (1.0 - rear)
    thd_ic = -w_in
    thdd_ic = rear * (-6.0 * th_ic / ta**2) + (1.0 - rear) * w_in / THDD_STOP_S
    thdd_pre = rear * (-6.0 * th_ic / ta**2) - (1.0 - rear) * w_in / THDD_PRE_S
    run = g["contact_fraction"] < RUNNING_CONTACT_FRACTION
    push = to - t_hr
    thd_to = 2.0 * th_to / push
    thdd_to = -2.0 * thd_to / push  # past the peak: the rate is falling
    t_pk = to - np.where(run, np.minimum(PUSH_PEAK_LEAD * contact, 0.5 * push), 0.25 * push)
    zero = np.zeros(n)
    th_pk, thd_pk, thdd_pk = hermite.segment_d2(
        t_pk, t_hr, to, zero, zero, zero, th_to, thd_to, thdd_to
    )
    d1, d2 = t_pk - t_hr, to - t_pk
    # running: the peak rate that reaches the toe-off angle (a smooth rise
    # over d1 covers half its rate times d1; the near-flat top over d2,
    # falling to PUSH_RATE_AT_TO along a parabola, 1 - (1 - r) / 3 of it)
    w_pk = th_to / (0.5 * d1 + (1.0 - (1.0 - PUSH_RATE_AT_TO) / 3.0) * d2)
    th_pk = np.where(run, 0.5 * w_pk * d1, th_pk)
    thd_pk = np.where(run, w_pk, thd_pk)
    thdd_pk = np.where(run, 0.0, thdd_pk)
    thd_to = np.where(run, PUSH_RATE_AT_TO * w_pk, thd_to)
    thdd_to = np.where(run, 2.0 * (1.0 - PUSH_RATE_AT_TO) * -w_pk / d2, thdd_to)
    t_ps = to + np.where(run, PUSH_END_SWING, 0.18) * t_sw
    th_ps = th_to + 0.5 * thd_to * (t_ps - to)
    t_ls = ic_next - 0.2 * t_sw
    nxt = np.r_[np.arange(1, n), n - 1]
    th_ls = (th_ic - np.radians(3.0) * rear + w_in * 0.04)[nxt]
    # each stride's knots start with contact twice: the swing's side of it
    # (the segment from the last stride's late swing ends there) and the
    # stance's; hermite.evaluate takes the later one at contact itself
    pitch = (
        hermite.knots_from_strides(ic, ic, t_ff, t_hr, t_pk, to, t_ps, t_ls),
        hermite.knots_from_strides(th_ic, th_ic, zero, zero, th_pk, th_to, th_ps, th_ls),
        hermite.knots_from_strides(thd_ic, thd_ic, zero, zero, thd_pk, thd_to, zero, zero),
        hermite.knots_from_strides(thdd_pre, thdd_ic, zero, zero, thdd_pk, thdd_to, zero, zero),
    )
    # ---- roll: eversion profile, signed per side
    inv = np.radians(g["inversion_ic_deg"])
    ev_pk = -inv + np.radians(g["pronation_excursion_deg"])
    # the foot stays near its peak eversion while the heel rises and rolls
    # back only a little by toe-off (PUSH_RESUPINATION_DEG); it turns to the
    # landing's inversion over the swing (half way by the push-off's end)
    roll = (
        hermite.knots_from_strides(ic, t_pe, t_hr, to, t_ps),
        sgn
        * hermite.knots_from_strides(
            -inv,
            ev_pk,
            ev_pk,
            ev_pk - np.radians(PUSH_RESUPINATION_DEG),
            0.5 * (ev_pk - inv) - np.radians(2.0),
        ),
    )
    # ---- yaw: constant in stance, heading + toe-out (turned outwards); the
    # swing turns it to the next stance's. The shank's (leg_yaw) is the
    # direction of travel: the leg swings in the body's sagittal plane while
    # the foot keeps its toe-out through the whole stride
    yaw_k = plan.yaw[idx]
    yaw = (hermite.knots_from_strides(ic, to), hermite.knots_from_strides(yaw_k, yaw_k))
    hd_k = plan.heading[idx]
    leg_yaw = (hermite.knots_from_strides(ic, to), hermite.knots_from_strides(hd_k, hd_k))
    # ---- shank inclination (ankle ahead of knee positive): the real runner's
    # curve (SHANK_STANCE, SHANK_SWING) stretched to each stance and swing,
    # through the step's own angle at contact; the swing turns from this
    # contact's angle to the next one's along a quintic smoothstep
    gam_ic = np.radians(g["shank_angle_ic_deg"])
    gam_ic_next = np.r_[gam_ic[1:], gam_ic[-1]]
    st, sw = np.radians(SHANK_STANCE), np.radians(SHANK_SWING)
    xs = np.linspace(0.0, 1.0, len(st))[:-1]
    xw = np.linspace(0.0, 1.0, len(sw))[:-1]
    d_ic = gam_ic_next - gam_ic
    s0 = 10 * xw**3 - 15 * xw**4 + 6 * xw**5
    s1 = 30 * xw**2 - 60 * xw**3 + 30 * xw**4
    s2 = 60 * xw - 180 * xw**2 + 120 * xw**3
    c_, w_ = contact[:, None], t_sw[:, None]
    g_t = np.hstack([ic[:, None] + xs * c_, to[:, None] + xw * w_])
    g_p = np.hstack(
        [gam_ic[:, None] + st[:-1, 0], gam_ic[:, None] + sw[:-1, 0] + d_ic[:, None] * s0]
    )
    g_v = np.hstack([st[:-1, 1] / c_, (sw[:-1, 1] + d_ic[:, None] * s1) / w_])
    g_a = np.hstack([st[:-1, 2] / c_**2, (sw[:-1, 2] + d_ic[:, None] * s2) / w_**2])
    gamma = (
        np.r_[g_t.ravel(), ic_next[-1]],
        np.r_[g_p.ravel(), gam_ic_next[-1]],
        np.r_[g_v.ravel(), sw[-1, 1] / t_sw[-1]],
        np.r_[g_a.ravel(), sw[-1, 2] / t_sw[-1] ** 2],
    )

    # ---- contact geometry
    r_p1 = np.column_stack([plan.pivot_x[idx], zero, zero])
    r_mtp = np.array([MTP_FRAC * fl, 0.0, 0.0])
    r_ankle = np.array([0.22 * fl, 0.0, 0.085])
    fp = plan.footprint[idx]
    cz, sz = np.cos(yaw_k), np.sin(yaw_k)
    p1_ground = fp + np.column_stack([cz * r_p1[:, 0], sz * r_p1[:, 0], zero])
    mtp_ground = fp + np.column_stack([cz * r_mtp[0], sz * r_mtp[0], zero])
    hd = plan.heading[idx]
    v_td = np.column_stack(
        [
            g["touchdown_forward_mps"] * np.cos(hd),
            g["touchdown_forward_mps"] * np.sin(hd),
            -g["touchdown_down_mps"],
        ]
    )
    tau = plan.impact_s[idx]
    g_td = p1_ground - v_td * tau[:, None] / 2.0

    belt = None
    if plan.surface == Surface.TREADMILL:
        d = np.r_[0.0, np.cumsum(0.5 * (plan.belt_v[1:] + plan.belt_v[:-1]) * np.diff(plan.belt_t))]
        belt = CubicSpline(plan.belt_t, d)

    tr = FootTrack(
        left=left,
        ic=ic,
        to=to,
        t_ff=t_ff,
        tau=tau,
        p1_ground=p1_ground,
        mtp_ground=mtp_ground,
        g_td=g_td,
        v_td=v_td,
        r_p1=r_p1,
        r_mtp=r_mtp,
        r_ankle=r_ankle,
        pitch=pitch,
        roll=roll,
        yaw=yaw,
        leg_yaw=leg_yaw,
        gamma=gamma,
        sx=(),
        sy=(),
        sz=(),
        belt=belt,
    )

    # ---- swing: boundary states from the stance motion
    def stance_end(tt: np.ndarray) -> np.ndarray:
        return mtp_ground - _mv(tr.foot_rotation(tt), r_mtp)

    def landing(tt: np.ndarray) -> np.ndarray:
        nxt = np.r_[np.arange(1, n), n - 1]
        g0 = g_td[nxt] + v_td[nxt] * (tt - ic_next)[:, None]
        return g0 - _mv(tr.foot_rotation(tt), r_p1[nxt])

    p_to, v_to, a_to = _state(stance_end, to)
    # the swing ends in the landing's state just before contact (the pitch's
    # acceleration jumps at contact)
    p_ic, v_ic, a_ic = _state_before(landing, ic_next)
    # last stride: no next contact planned; land one nominal stride ahead
    kt2 = hermite.knots_from_strides(to, ic_next)

    def ch(j: int) -> tuple[np.ndarray, ...]:
        return (
            kt2,
            hermite.knots_from_strides(p_to[:, j], p_ic[:, j]),
            hermite.knots_from_strides(v_to[:, j], v_ic[:, j]),
            hermite.knots_from_strides(a_to[:, j], a_ic[:, j]),
        )

    t_ap = to + 0.38 * t_sw
    z_ap = np.maximum(g["swing_height_m"], np.maximum(p_to[:, 2], p_ic[:, 2]) + 0.03)
    a_ap = -2.0 * (z_ap - p_ic[:, 2]) / (ic_next - t_ap) ** 2
    tr.sx, tr.sy = ch(0), ch(1)
    tr.sz = (
        hermite.knots_from_strides(to, t_ap, ic_next),
        hermite.knots_from_strides(p_to[:, 2], z_ap, p_ic[:, 2]),
        hermite.knots_from_strides(v_to[:, 2], zero, v_ic[:, 2]),
        hermite.knots_from_strides(a_to[:, 2], a_ap, a_ic[:, 2]),
    )
    return tr


def _log_rate(r_m: np.ndarray, r_p: np.ndarray, dt: float) -> np.ndarray:
    """Body-frame angular velocity from orientations at t - dt/2 and t + dt/2."""
    q = np.einsum("nji,njk->nik", r_m, r_p)
    v = 0.5 * np.stack(
        [q[:, 2, 1] - q[:, 1, 2], q[:, 0, 2] - q[:, 2, 0], q[:, 1, 0] - q[:, 0, 1]], axis=1
    )
    s = np.linalg.norm(v, axis=1)
    c = 0.5 * (np.trace(q, axis1=1, axis2=2) - 1.0)
    ang = np.arctan2(s, c)
    scale = np.where(s > 1e-12, ang / np.maximum(s, 1e-300), 1.0)
    return v * scale[:, None] / dt


def _body_rates(
    ps: tuple[np.ndarray, ...], be: tuple[np.ndarray, ...], ph: tuple[np.ndarray, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """Body-frame angular velocity and acceleration of ``Rz(psi) Ry(beta) Rx(phi)``
    from the angles and their first and second derivatives (each a tuple)."""
    _, psd, psdd = ps
    b, bd, bdd = be
    f, fd, fdd = ph
    sb, cb, sf, cf = np.sin(b), np.cos(b), np.sin(f), np.cos(f)
    w = np.stack([fd - psd * sb, bd * cf + psd * cb * sf, -bd * sf + psd * cb * cf], axis=-1)
    al = np.stack(
        [
            fdd - psdd * sb - psd * bd * cb,
            bdd * cf - bd * fd * sf + psdd * cb * sf - psd * bd * sb * sf + psd * fd * cb * cf,
            -bdd * sf - bd * fd * cf + psdd * cb * cf - psd * bd * sb * cf - psd * fd * cb * sf,
        ],
        axis=-1,
    )
    return w, al


def _rigid_acc(r: np.ndarray, w: np.ndarray, al: np.ndarray, d: np.ndarray) -> np.ndarray:
    """World acceleration of a body point at lever arm ``d`` (body axes) from a
    reference point: R (alpha x d + omega x (omega x d))."""
    body = np.cross(al, d) + np.cross(w, np.cross(w, d))
    return np.einsum("nij,nj->ni", r, body)


class _Kinematics(TypedDict, total=False):
    """What :func:`_kinematics` returns: the foot's rotation and rate, one lab
    acceleration per foot point, and the shank's when a shank point is given."""

    r_foot: np.ndarray
    w_foot: np.ndarray
    a_foot: list[np.ndarray]
    a_shank: np.ndarray
    r_shank: np.ndarray
    w_shank: np.ndarray


def _kinematics(
    track: FootTrack,
    t: np.ndarray,
    foot_points: list[np.ndarray],
    shank_point: np.ndarray | None = None,
) -> _Kinematics:
    """Exact rigid-body kinematics at times ``t``: foot rotation, body rates and
    lab accelerations (gravity excluded) of foot points (foot frame) and of a
    shank point (shank frame from the ankle)."""
    n = len(t)
    th = hermite.evaluate_d2(t, *track.pitch)
    ph = hermite.evaluate_d2(t, *track.roll)
    ps = hermite.evaluate_d2(t, *track.yaw)
    be = (-th[0], -th[1], -th[2])
    rf = euler_zyx(ps[0], be[0], ph[0])
    wf, af = _body_rates(ps, be, ph)

    nk = len(track.ic)
    k = np.clip(np.searchsorted(track.ic, t, side="right") - 1, 0, nk - 1)
    stance = (t >= track.ic[k]) & (t < track.to[k])
    imp = stance & (t < track.ic[k] + track.tau[k])
    flat = stance & (t >= track.t_ff[k])
    # reference point: foot origin in swing, first-contact point, then the ball
    a_ref = np.column_stack([hermite.evaluate_d2(t, *c)[2] for c in (track.sx, track.sy, track.sz)])
    r_ref = np.zeros((n, 3))
    p1 = stance & ~flat
    r_ref[p1] = track.r_p1[k[p1]]
    r_ref[flat] = track.r_mtp
    a_ref[stance] = 0.0
    if imp.any():
        ki = k[imp]
        z = np.zeros((len(ki), 3))
        a_ref[imp] = hermite.segment_d2(
            t[imp],
            track.ic[ki],
            track.ic[ki] + track.tau[ki],
            track.g_td[ki],
            track.v_td[ki],
            z,
            track.p1_ground[ki],
            z,
            z,
        )[2]
    if track.belt is not None:
        a_ref[:, 0] -= track.belt(t, 2)
    out: _Kinematics = {"r_foot": rf, "w_foot": wf}
    out["a_foot"] = [a_ref + _rigid_acc(rf, wf, af, fp[None, :] - r_ref) for fp in foot_points]
    if shank_point is not None:
        gm = hermite.evaluate_d2(t, *track.gamma)
        bs = (-gm[0], -gm[1], -gm[2])
        phs = (0.3 * ph[0], 0.3 * ph[1], 0.3 * ph[2])
        pl = hermite.evaluate_d2(t, *track.leg_yaw)
        rs = euler_zyx(pl[0], bs[0], phs[0])
        ws, as_ = _body_rates(pl, bs, phs)
        a_ankle = a_ref + _rigid_acc(rf, wf, af, track.r_ankle[None, :] - r_ref)
        out["a_shank"] = a_ankle + _rigid_acc(rs, ws, as_, np.broadcast_to(shank_point, (n, 3)))
        out["r_shank"] = rs
        out["w_shank"] = ws
    return out


def ideal_imu(
    track: FootTrack,
    t: np.ndarray,
    site: np.ndarray,
    mounting: np.ndarray,
    placement: str = "foot",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noise-free IMU of a sensor on the foot or shank (exact rigid-body kinematics).

    Parameters
    ----------
    track
        The foot's motion (:func:`build_track`).
    t
        True sampling instants, s.
    site
        Sensor position: foot frame (foot) or shank frame from the ankle, m.
    mounting
        Sensor axes in the segment frame (3 x 3 rotation).
    placement
        ``"foot"`` or ``"shank"``.

    Returns
    -------
    acc_mps2, gyr_rps, up_sensor
        Specific force and angular rate in sensor axes, (n, 3); and the world
        vertical in sensor axes (for impact ringing).
    """
    n = len(t)
    acc = np.empty((n, 3))
    gyr = np.empty((n, 3))
    up = np.empty((n, 3))
    gvec = np.array([0.0, 0.0, G_MPS2])
    for i0 in range(0, n, CHUNK):
        tt = t[i0 : i0 + CHUNK]
        if placement == "foot":
            kin = _kinematics(track, tt, [np.asarray(site, float)])
            a_w, r, w = kin["a_foot"][0], kin["r_foot"], kin["w_foot"]
        else:
            kin = _kinematics(track, tt, [], np.asarray(site, float))
            a_w, r, w = kin["a_shank"], kin["r_shank"], kin["w_shank"]
        r_sens = r @ mounting
        acc[i0 : i0 + len(tt)] = np.einsum("nji,nj->ni", r_sens, a_w + gvec)
        gyr[i0 : i0 + len(tt)] = w @ mounting
        up[i0 : i0 + len(tt)] = r_sens[:, 2, :]
    return acc, gyr, up


def ideal_imu_fd(
    track: FootTrack,
    t: np.ndarray,
    site: np.ndarray,
    mounting: np.ndarray,
    placement: str = "foot",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Noise-free IMU by finite differences of positions (slow; the reference
    :func:`ideal_imu` is checked against).

    Parameters
    ----------
    track
        The foot's motion (:func:`build_track`).
    t
        True sampling instants, s.
    site
        Sensor position: foot frame (foot) or shank frame from the ankle, m.
    mounting
        Sensor axes in the segment frame (3 x 3 rotation).
    placement
        ``"foot"`` or ``"shank"``.

    Returns
    -------
    acc_mps2, gyr_rps, up_sensor
        Specific force and angular rate in sensor axes, (n, 3); and the world
        vertical in sensor axes (for impact ringing).
    """
    n = len(t)
    acc = np.empty((n, 3))
    gyr = np.empty((n, 3))
    up = np.empty((n, 3))
    gvec = np.array([0.0, 0.0, G_MPS2])
    for i0 in range(0, n, CHUNK):
        tt = t[i0 : i0 + CHUNK]
        m = len(tt)
        p, r = track.point(np.concatenate([tt - H_S, tt, tt + H_S]), site, placement)
        a_w = (p[:m] - 2 * p[m : 2 * m] + p[2 * m :]) / H_S**2 + gvec
        r_sens = r[m : 2 * m] @ mounting
        acc[i0 : i0 + m] = np.einsum("nji,nj->ni", r_sens, a_w)
        w = _log_rate(r[:m], r[2 * m :], 2 * H_S)
        gyr[i0 : i0 + m] = w @ mounting
        up[i0 : i0 + m] = r_sens[:, 2, :]
    return acc, gyr, up


def linear_acc_world(
    track: FootTrack, t: np.ndarray, site: np.ndarray, placement: str = "foot"
) -> np.ndarray:
    """Acceleration of a sensor site in the lab frame, gravity excluded, m/s^2."""
    if placement == "foot":
        return _kinematics(track, t, [np.asarray(site, float)])["a_foot"][0]
    return _kinematics(track, t, [], np.asarray(site, float))["a_shank"]


def velocity_world(
    track: FootTrack, t: np.ndarray, site: np.ndarray, placement: str = "foot"
) -> np.ndarray:
    """Velocity of a sensor site in the lab frame, m/s."""
    m = len(t)
    p, _ = track.point(np.concatenate([t - H_S, t + H_S]), site, placement)
    return (p[m:] - p[:m]) / (2 * H_S)
