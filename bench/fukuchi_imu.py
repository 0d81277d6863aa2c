"""Virtual foot and shank IMUs from real treadmill-running motion capture.

Converts runner RBDS001 of the public running-biomechanics data set of
Fukuchi, Fukuchi & Duarte (2017) - 30 s of treadmill running at 2.5 m/s,
32 markers at 150 Hz, one force plate under the belt at 300 Hz - into a
canonical footfall recording folder with a foot IMU and a shank IMU per leg,
plus the force plate's contacts as the truth steps table.

Method
------
Lab frame
    The files give millimetres with X along the belt (the runner faces +X),
    Y up and Z to the runner's right. Everything is first converted to the
    footfall world frame in metres: x forward (= X), y left (= -Z), z up (= Y).
Filtering
    Marker trajectories are low-pass filtered with a 4th-order Butterworth
    filter run forwards and backwards (zero lag, effective 8th order) at
    ``cutoff_hz`` (default 12 Hz, a usual choice for running foot markers;
    Winter 2009, ch. 3). Impact transients above that band are not in the
    virtual signals: the virtual accelerometer shows the rigid-body motion of
    the foot, not the 50-100 Hz shock a shoe-mounted sensor also records.
Segment frames
    Foot: origin at the heel-bottom marker (the running trial's right-foot
    ``MT1``/``MT5`` labels are exchanged; :func:`fix_metatarsal_labels` finds
    and undoes that from the lateral heel marker), x from the heel to the midpoint of
    the 1st and 5th metatarsal-head markers, z normal to the plane through the
    heel and both metatarsal heads (up), y = z x x (left). Shank: z from the
    midpoint of the two distal to the midpoint of the two proximal shank
    markers, y from lateral to medial (right leg) or medial to lateral (left
    leg) made orthogonal, x = y x z (forward). A constant correction, taken
    from the standing calibration trial (``RBDS001static.txt``), rotates each
    technical frame so that at quiet standing the segment frame is level
    (foot, same heading) or vertical and facing the direction of travel
    (shank; the cluster's own x is turned about the tibia by its
    placement): foot pitch, roll and shank inclination are then angles
    relative to standing.
Virtual sensor
    The foot IMU sits on the dorsum (laces), at half the heel-to-metatarsal
    length forward of the heel marker and 40 mm above it (in the foot frame);
    the shank IMU at the centroid of the four shank markers. Its axes are the
    segment axes turned by an optional mounting rotation ``mounting``
    (sensor axes expressed in the segment frame), so alignment algorithms can
    be tested with any orientation.
Resampling and derivatives
    Filtered markers are interpolated with cubic splines and the virtual
    signals evaluated on a uniform ``fs_hz`` grid (default 200 Hz, the rate
    of typical foot IMUs; 150 Hz keeps the original rate). Accelerometer: the
    sensor point's position (rigid-body transform of the filtered markers)
    is splined and differentiated twice; specific force = a + g z_world,
    expressed in sensor axes. Gyroscope: body-frame angular velocity from the
    central difference of the orientation, omega = log(R(t-h)^T R(t+h)) / 2h
    with h = 1 ms, in sensor axes.
Truth events
    Vertical force Fy (300 Hz) above 50 N marks contact; a contact ends only
    once Fy stays below the threshold for more than 20 ms (hysteresis in time
    against the zeroed-noise dropouts of the export), and contacts shorter
    than 100 ms are discarded. Initial contact and toe-off are the threshold
    crossings, linearly interpolated between force samples. Contacts cut by
    the start or end of the trial are dropped. The foot in contact is the one
    whose mid-foot point is nearest, horizontally, to the centre of pressure
    at mid-contact. Force and marker clocks are taken as synchronous,
    force sample i (1-based) at (i - 1) / 300 s, marker sample k at k / 150 s.

References
----------
Fukuchi RK, Fukuchi CA, Duarte M (2017). A public dataset of running
biomechanics and the effects of running speed on lower extremity kinematics
and kinetics. PeerJ 5:e3298. doi:10.7717/peerj.3298 (data: CC BY 4.0).

Winter DA (2009). Biomechanics and Motor Control of Human Movement, 4th ed.
Wiley. (Marker filtering and differentiation.)

Usage
-----
``python bench/fukuchi_imu.py OUT_DIR [--fs 200] [--cutoff 12]`` writes the
folder; exit code 0, or 3 with a message when the data folder is absent.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.interpolate import CubicSpline
from scipy.signal import butter, sosfiltfilt
from scipy.spatial.transform import Rotation

try:
    import footfall  # noqa: F401
except ImportError:  # running from a source checkout without installation
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from footfall.model import G_MPS2, IMU_COLUMNS, Recording, Stream, conform_steps
from footfall.sim.folder import write_folder

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fukuchi_rbds"
"""Where the data live in a development checkout (``../shared/data/fukuchi_rbds``)."""

SUBJECT = "RBDS001"
"""The runner converted by default."""

SUBJECTS: dict[str, dict[str, Any]] = {
    # RBDSinfo.txt: 181 cm, 62 kg; the authors' force export zeroed |Fy| < 30 N,
    # so a contact can drop out for a few samples: gaps up to 20 ms are merged
    "RBDS001": {"height_m": 1.81, "mass_kg": 62.0, "gap_s": 0.020, "min_run_s": 0.0},
    # not in RBDSinfo under this name (SOURCE.md); 78.3 kg from its mean vertical
    # force. Its plate is not zeroed and rings: single samples above 50 N just
    # after toe-off and one-sample dips at landing, so runs shorter than 10 ms
    # are ignored and only gaps up to 10 ms merged
    "RBDS0041": {"height_m": None, "mass_kg": 78.3, "gap_s": 0.010, "min_run_s": 0.010},
}
"""The running trials at 2.5 m/s in the data folder, and how each is read."""

BELT_SPEED_MPS = 2.5
MARKER_FS_HZ = 150.0
FORCE_FS_HZ = 300.0
CONTACT_THRESHOLD_N = 50.0
CONTACT_GAP_S = 0.020
MIN_CONTACT_S = 0.100
FOOT_SENSOR_OFFSET_UP_M = 0.040

SIDES = {"left": "L", "right": "R"}


class DataMissing(RuntimeError):
    """The Fukuchi files are not where they are expected."""


@dataclass
class SegmentMotion:
    """One segment's virtual IMU on a uniform time grid.

    Attributes
    ----------
    time_s
        Sample times, s.
    acc_mps2, gyr_rps
        Specific force (m/s^2) and angular rate (rad/s) in sensor axes, (n, 3).
    rot
        Segment orientation (segment frame -> world frame) per sample.
    pos_m
        Sensor point position in the world frame, m, (n, 3).
    """

    time_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_rps: np.ndarray
    rot: Rotation
    pos_m: np.ndarray


# ----------------------------------------------------------------------------
# loading
# ----------------------------------------------------------------------------


def data_available(data_dir: Path = DATA_DIR, subject: str = SUBJECT) -> bool:
    """Whether the three files of ``subject`` are present."""
    return all(
        (data_dir / f).is_file()
        for f in (
            f"{subject}runT25markers.txt",
            f"{subject}runT25forces.txt",
            f"{subject}static.txt",
        )
    )


def _require(data_dir: Path, subject: str = SUBJECT) -> None:
    if not data_available(data_dir, subject):
        raise DataMissing(
            f"Fukuchi running data not found in {data_dir} (needs {subject}runT25markers.txt, "
            f"{subject}runT25forces.txt, {subject}static.txt); the virtual IMU cannot be made."
        )


def load_markers(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Read a marker file; return sample times (s) and marker positions in the
    footfall world frame (m, x forward, y left, z up), each (n, 3).

    Gaps (NaN) are filled by linear interpolation in time; markers with no
    sample at all (RBDS0041's malleoli and knee markers in its running trial)
    are left out.
    """
    df = pd.read_csv(path, sep="\t")
    n = len(df)
    t = np.arange(n) / MARKER_FS_HZ
    names = sorted({c[:-1] for c in df.columns if c != "Time"})
    out: dict[str, np.ndarray] = {}
    for name in names:
        xyz = df[[name + "X", name + "Y", name + "Z"]].to_numpy(dtype=float)
        if np.isnan(xyz).all():
            continue
        if np.isnan(xyz).any():
            xyz = pd.DataFrame(xyz).interpolate(limit_direction="both").to_numpy()
        # lab X forward, Y up, Z right  ->  x forward, y left, z up; mm -> m
        out[name] = np.column_stack([xyz[:, 0], -xyz[:, 2], xyz[:, 1]]) / 1000.0
    fix_metatarsal_labels(out)
    return t, out


def fix_metatarsal_labels(m: dict[str, np.ndarray]) -> list[str]:
    """Swap the 1st/5th metatarsal labels of a foot when they are exchanged.

    The 1st metatarsal head is medial, so it must lie on the other side of
    the foot from the lateral heel marker. In ``RBDS001runT25markers.txt``
    the right foot's ``MT1`` and ``MT5`` labels are exchanged (the static
    trial has them right); this check finds and undoes that, in place.
    Returns the sides that were swapped.
    """
    swapped = []
    for side, p in SIDES.items():
        lateral = m[f"{p}.Heel.Lateral"] - m[f"{p}.Heel.Bottom"]
        mt1, mt5 = m[f"{p}.MT1"], m[f"{p}.MT5"]
        if np.median(np.einsum("ij,ij->i", mt1 - mt5, lateral)) > 0:
            m[f"{p}.MT1"], m[f"{p}.MT5"] = mt5, mt1
            swapped.append(side)
    return swapped


def lowpass(x: np.ndarray, cutoff_hz: float, fs_hz: float, order: int = 4) -> np.ndarray:
    """Zero-lag Butterworth low-pass along axis 0."""
    sos = butter(order, cutoff_hz, btype="low", fs=fs_hz, output="sos")
    return sosfiltfilt(sos, x, axis=0)


# ----------------------------------------------------------------------------
# segment frames
# ----------------------------------------------------------------------------


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def foot_technical_frame(m: dict[str, np.ndarray], side: str) -> tuple[np.ndarray, np.ndarray]:
    """Foot technical frame from heel and metatarsal markers.

    Returns origin (n, 3) and rotation matrices (n, 3, 3) whose columns are the
    frame's x (heel -> metatarsals), y (left) and z (up) axes in world axes.
    """
    p = SIDES[side]
    heel = m[f"{p}.Heel.Bottom"]
    mt1, mt5 = m[f"{p}.MT1"], m[f"{p}.MT5"]
    x = _unit(0.5 * (mt1 + mt5) - heel)
    # the 1st metatarsal is medial: to the left on the right foot, to the right on the left
    ytmp = (mt1 - mt5) if side == "right" else (mt5 - mt1)
    z = _unit(np.cross(x, ytmp))
    y = np.cross(z, x)
    return heel, np.stack([x, y, z], axis=-1)


def shank_technical_frame(m: dict[str, np.ndarray], side: str) -> tuple[np.ndarray, np.ndarray]:
    """Shank technical frame from the four shank-cluster markers.

    Returns the cluster centroid (n, 3) and rotation matrices (n, 3, 3), columns
    x (forward), y (left), z (distal -> proximal).
    """
    p = SIDES[side]
    tl, bl = m[f"{p}.Shank.Top.Lateral"], m[f"{p}.Shank.Bottom.Lateral"]
    tm, bm = m[f"{p}.Shank.Top.Medial"], m[f"{p}.Shank.Bottom.Medial"]
    z = _unit(0.5 * (tl + tm) - 0.5 * (bl + bm))
    lat, med = 0.5 * (tl + bl), 0.5 * (tm + bm)
    ytmp = (med - lat) if side == "right" else (lat - med)
    x = _unit(np.cross(ytmp, z))
    y = np.cross(z, x)
    return 0.25 * (tl + bl + tm + bm), np.stack([x, y, z], axis=-1)


def _mean_rotation(r: np.ndarray) -> np.ndarray:
    """Nearest rotation matrix to the mean of a stack of rotation matrices."""
    u, _, vt = np.linalg.svd(r.mean(axis=0))
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


def _level_with_heading(r: np.ndarray | None) -> np.ndarray:
    """The level (z up) frame whose x axis is the horizontal projection of r's
    x, or the lab's forward axis (the treadmill's direction of travel, world
    x) when ``r`` is None."""
    x = np.array([1.0, 0.0, 0.0]) if r is None else r[:, 0].copy()
    x[2] = 0.0
    x = x / np.linalg.norm(x)
    z = np.array([0.0, 0.0, 1.0])
    return np.column_stack([x, np.cross(z, x), z])


def static_corrections(static_markers: dict[str, np.ndarray]) -> dict[tuple[str, str], np.ndarray]:
    """Constant technical -> anatomical rotations from the standing trial.

    For each (segment, side), ``R_off`` such that ``R_tech @ R_off`` is level
    (foot) or vertical (shank) at quiet standing. The foot keeps its own
    heading (its x is the heel-to-metatarsal line); the shank is turned to
    face the direction of travel, because the cluster's technical x is not
    forward: its lateral and medial marker pairs sit well round the tibia
    from the medio-lateral axis, so a frame kept at that heading would split
    the shank's sagittal swing between its y and x axes.
    """
    out = {}
    for side in SIDES:
        for seg, fn in (("foot", foot_technical_frame), ("shank", shank_technical_frame)):
            _, r = fn(static_markers, side)
            r_static = _mean_rotation(r)
            heading = r_static if seg == "foot" else None
            out[(seg, side)] = r_static.T @ _level_with_heading(heading)
    return out


def foot_sensor_offset(
    static_markers: dict[str, np.ndarray], side: str, r_off: np.ndarray
) -> np.ndarray:
    """Dorsal sensor point in the (technical) foot frame, m.

    Half the heel-to-metatarsal length forward of the heel marker and
    ``FOOT_SENSOR_OFFSET_UP_M`` above it, in the anatomical (standing-level)
    frame, expressed back in the technical frame.
    """
    p = SIDES[side]
    heel = static_markers[f"{p}.Heel.Bottom"].mean(axis=0)
    mt = 0.5 * (static_markers[f"{p}.MT1"] + static_markers[f"{p}.MT5"]).mean(axis=0)
    length = float(np.linalg.norm((mt - heel)[:2]))
    r_anat = np.array([0.5 * length, 0.0, FOOT_SENSOR_OFFSET_UP_M])
    return r_off @ r_anat


# ----------------------------------------------------------------------------
# virtual IMU
# ----------------------------------------------------------------------------


def _as_matrix(mounting: Any) -> np.ndarray:
    if mounting is None:
        return np.eye(3)
    if isinstance(mounting, Rotation):
        return mounting.as_matrix()
    m = np.asarray(mounting, dtype=float)
    if m.shape != (3, 3) or not np.allclose(m @ m.T, np.eye(3), atol=1e-6) or np.linalg.det(m) < 0:
        raise ValueError("mounting must be a proper 3x3 rotation matrix or a Rotation")
    return m


def virtual_imu(
    t_mk: np.ndarray,
    markers_f: dict[str, np.ndarray],
    frame_fn: Any,
    side: str,
    r_off: np.ndarray,
    r_sensor_tech: np.ndarray,
    fs_hz: float,
    mounting: np.ndarray,
) -> SegmentMotion:
    """Virtual IMU of one segment from filtered markers.

    Parameters
    ----------
    t_mk
        Marker sample times, s.
    markers_f
        Filtered marker trajectories (world frame, m).
    frame_fn
        :func:`foot_technical_frame` or :func:`shank_technical_frame`.
    side
        ``"left"`` or ``"right"``.
    r_off
        Technical -> anatomical correction (:func:`static_corrections`).
    r_sensor_tech
        Sensor point in the technical frame, m; ``None`` for the frame origin.
    fs_hz
        Output sampling rate, Hz.
    mounting
        Sensor axes in the anatomical segment frame (3 x 3 rotation).
    """
    names = [k for k in markers_f if k.startswith(SIDES[side] + ".")]
    splines = {k: CubicSpline(t_mk, markers_f[k], axis=0) for k in names}
    n_out = int(np.floor(t_mk[-1] * fs_hz)) + 1
    t = np.arange(n_out) / fs_hz
    h = 1e-3

    def frame_at(tt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mm = {k: s(tt) for k, s in splines.items()}
        o, r = frame_fn(mm, side)
        return o, r

    # orientation of the sensor: world <- anatomical <- sensor
    o, r_tech = frame_at(t)
    r_seg = r_tech @ r_off
    r_sens = r_seg @ mounting
    _, r_m = frame_at(np.clip(t - h, t_mk[0], t_mk[-1]))
    _, r_p = frame_at(np.clip(t + h, t_mk[0], t_mk[-1]))
    dt = np.clip(t + h, t_mk[0], t_mk[-1]) - np.clip(t - h, t_mk[0], t_mk[-1])
    rel = np.einsum("nji,njk->nik", r_m @ r_off, r_p @ r_off)  # R(t-h)^T R(t+h)
    omega_seg = Rotation.from_matrix(rel).as_rotvec() / dt[:, None]
    gyr = omega_seg @ mounting  # mounting^T @ omega, row-wise

    # sensor point trajectory at the marker rate, then splined and differentiated
    o_mk, r_mk = frame_fn(markers_f, side)
    p_mk = o_mk + np.einsum("nij,j->ni", r_mk, r_sensor_tech)
    ps = CubicSpline(t_mk, p_mk, axis=0)
    pos = ps(t)
    acc_w = ps(t, 2) + np.array([0.0, 0.0, G_MPS2])
    acc = np.einsum("nji,nj->ni", r_sens, acc_w)  # R^T a
    return SegmentMotion(t, acc, gyr, Rotation.from_matrix(r_seg), pos)


# ----------------------------------------------------------------------------
# truth from the force plate
# ----------------------------------------------------------------------------


def force_contacts(
    fy_n: np.ndarray,
    fs_hz: float = FORCE_FS_HZ,
    threshold_n: float = CONTACT_THRESHOLD_N,
    gap_s: float = CONTACT_GAP_S,
    min_contact_s: float = MIN_CONTACT_S,
    min_run_s: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Contacts from a vertical force signal.

    Returns initial-contact and toe-off times (s, sample 0 at 0 s), as the
    interpolated threshold crossings. A run above threshold shorter than
    ``min_run_s`` that no other run follows within ``gap_s`` (the plate's
    ringing after a toe-off) is ignored; runs separated by up to ``gap_s``
    are merged (a dip at landing or a dropout); contacts touching either
    end of the signal or shorter than ``min_contact_s`` are dropped.
    """
    fy = np.asarray(fy_n, dtype=float)
    above = fy > threshold_n
    edges = np.diff(above.astype(np.int8))
    starts = np.flatnonzero(edges == 1) + 1  # first sample above
    ends = np.flatnonzero(edges == -1)  # last sample above
    if above[0]:
        starts = np.r_[0, starts]
    if above[-1]:
        ends = np.r_[ends, len(fy) - 1]
    if min_run_s > 0 and len(starts):
        follow = np.r_[(starts[1:] - ends[:-1]) / fs_hz <= gap_s, False]
        ring = ((ends - starts + 1) / fs_hz < min_run_s) & ~follow
        starts, ends = starts[~ring], ends[~ring]
    # merge runs separated by short gaps
    keep = np.ones(len(starts), bool)
    gap = (starts[1:] - ends[:-1]) / fs_hz
    merge = gap <= gap_s
    keep[1:] = ~merge
    grp = np.cumsum(keep) - 1
    s = starts[keep]
    e = np.zeros(len(s), int)
    np.maximum.at(e, grp, ends)
    ok = (s > 0) & (e < len(fy) - 1) & ((e - s + 1) / fs_hz >= min_contact_s)
    s, e = s[ok], e[ok]

    def cross(i0: np.ndarray, i1: np.ndarray) -> np.ndarray:
        f0, f1 = fy[i0], fy[i1]
        frac = np.clip((threshold_n - f0) / np.where(f1 != f0, f1 - f0, 1.0), 0.0, 1.0)
        return (i0 + frac * (i1 - i0)) / fs_hz

    return cross(s - 1, s), cross(e, e + 1)


def _rot_at(mo: SegmentMotion, t: np.ndarray) -> np.ndarray:
    """Segment rotation matrices at times ``t`` (nearest virtual sample)."""
    k = np.clip(
        np.round(np.interp(t, mo.time_s, np.arange(len(mo.time_s)))).astype(int),
        0,
        len(mo.time_s) - 1,
    )
    return mo.rot[k].as_matrix()


def _eversion_deg(
    foot: SegmentMotion, shank: SegmentMotion, r_rel0: np.ndarray, side: str
) -> np.ndarray:
    """Rearfoot eversion, deg (positive = eversion): the foot's rotation
    relative to the shank, from quiet standing, decomposed flexion first
    (about the foot's lateral axis), then eversion about its long axis
    (a Cardan sequence close to the joint coordinate system of Wu et al. 2002)."""
    r_rel = np.einsum("nji,njk->nik", shank.rot.as_matrix(), foot.rot.as_matrix())
    k = np.einsum("ji,njk->nik", r_rel0, r_rel)
    x = Rotation.from_matrix(k).as_euler("YXZ")[:, 1]
    return np.degrees(x) * (1.0 if side == "left" else -1.0)


def _foot_roll_deg(foot: SegmentMotion, side: str) -> np.ndarray:
    """Foot roll relative to standing (the ground), deg, positive = eversion."""
    x = foot.rot.as_euler("ZYX")[:, 2]
    return np.degrees(x) * (1.0 if side == "left" else -1.0)


def _stance_excursion(
    t: np.ndarray, angle: np.ndarray, ic: np.ndarray, to: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per contact: peak of ``angle`` in stance minus its value at initial
    contact (deg), and the peak rate of rise from contact to that peak (deg/s)."""
    dt = t[1] - t[0]
    rate = np.gradient(angle, dt)
    exc = np.full(len(ic), np.nan)
    vel = np.full(len(ic), np.nan)
    for i, (a, b) in enumerate(zip(ic, to, strict=True)):
        ia, ib = int(np.ceil(a / dt)), int(np.floor(b / dt))
        if ia < 1 or ib >= len(t) or ib <= ia:
            continue
        a0 = float(np.interp(a, t, angle))
        k = ia + int(np.argmax(angle[ia : ib + 1]))
        exc[i] = angle[k] - a0
        vel[i] = float(np.max(rate[ia : k + 1]))
    return exc, vel


def truth_steps(
    forces: pd.DataFrame,
    t_mk: np.ndarray,
    markers_f: dict[str, np.ndarray],
    motions: dict[tuple[str, str], SegmentMotion],
    subject: str = SUBJECT,
    r_rel0: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Truth steps table: one row per force-plate contact, side from the COP.

    Columns ``side, ic_s, to_s, contact_ms, stride_ms, swing_ms, cadence_spm,
    stride_length_m, speed_mps, foot_strike_angle_deg, strike_pattern,
    shank_angle_ic_deg`` (angles from the segment frames at initial contact,
    relative to standing; the strike pattern from the angle by the bands of
    ``footfall.gait.metrics``), plus ``foot_progression_deg`` (the heel-to-toe
    line's heading from the direction of travel at mid-contact, positive =
    toe-out), ``foot_roll_ic_deg`` (foot roll at contact, positive = everted),
    ``foot_roll_excursion_deg`` / ``foot_roll_velocity_dps`` (the foot's roll
    from contact to its stance peak, and its peak rate) and, with ``r_rel0``
    (the foot-to-shank rotation at standing, per side),
    ``eversion_excursion_deg`` / ``eversion_velocity_dps`` (rearfoot
    eversion: the foot relative to the shank).
    Per-step cadence is 2 x 60 / stride time (both feet counted).
    """
    from footfall.gait.metrics import strike_pattern_from_angle

    cfg = SUBJECTS[subject]
    ic, to = force_contacts(forces["Fy"].to_numpy(), gap_s=cfg["gap_s"], min_run_s=cfg["min_run_s"])
    mid = 0.5 * (ic + to)
    # COP (lab mm: X forward, Z right) -> world m
    k = np.clip(np.round(mid * FORCE_FS_HZ).astype(int), 0, len(forces) - 1)
    cop = np.column_stack([forces["COPx"].to_numpy()[k], -forces["COPz"].to_numpy()[k]]) / 1000
    dist = {}
    for side, p in SIDES.items():
        mid_foot = (
            markers_f[f"{p}.Heel.Bottom"] + markers_f[f"{p}.MT1"] + markers_f[f"{p}.MT5"]
        ) / 3.0
        mf = np.column_stack([np.interp(mid, t_mk, mid_foot[:, j]) for j in range(2)])
        dist[side] = np.linalg.norm(mf - cop, axis=1)
    side = np.where(dist["left"] < dist["right"], "left", "right")
    df = pd.DataFrame({"side": side, "ic_s": ic, "to_s": to})
    df["contact_ms"] = (to - ic) * 1000
    nxt_ic = df.groupby("side")["ic_s"].shift(-1)
    df["stride_ms"] = (nxt_ic - df["ic_s"]) * 1000
    df["swing_ms"] = (nxt_ic - df["to_s"]) * 1000
    df["cadence_spm"] = 120000.0 / df["stride_ms"]
    df["speed_mps"] = BELT_SPEED_MPS
    df["stride_length_m"] = BELT_SPEED_MPS * df["stride_ms"] / 1000
    extra = {
        c: np.full(len(df), np.nan)
        for c in (
            "foot_strike_angle_deg",
            "shank_angle_ic_deg",
            "foot_progression_deg",
            "foot_roll_ic_deg",
            "foot_roll_excursion_deg",
            "foot_roll_velocity_dps",
            "eversion_excursion_deg",
            "eversion_velocity_dps",
        )
    }
    for s in SIDES:
        sel = (df["side"] == s).to_numpy()
        ics, tos = df.loc[sel, "ic_s"].to_numpy(), df.loc[sel, "to_s"].to_numpy()
        for seg, col in (("foot", "foot_strike_angle_deg"), ("shank", "shank_angle_ic_deg")):
            mo = motions[(seg, s)]
            # angle about the left (y) axis; positive = toes up / ankle ahead of knee
            pitch = -mo.rot.as_euler("ZYX")[:, 1]
            extra[col][sel] = np.degrees(np.interp(ics, mo.time_s, pitch))
        foot = motions[("foot", s)]
        fwd = _rot_at(foot, 0.5 * (ics + tos))[:, :, 0]
        heading = np.degrees(np.arctan2(fwd[:, 1], fwd[:, 0]))
        extra["foot_progression_deg"][sel] = heading * (1.0 if s == "left" else -1.0)
        roll = _foot_roll_deg(foot, s)
        extra["foot_roll_ic_deg"][sel] = np.interp(ics, foot.time_s, roll)
        e, v = _stance_excursion(foot.time_s, roll, ics, tos)
        extra["foot_roll_excursion_deg"][sel], extra["foot_roll_velocity_dps"][sel] = e, v
        if r_rel0 is not None:
            ever = _eversion_deg(foot, motions[("shank", s)], r_rel0[s], s)
            e, v = _stance_excursion(foot.time_s, ever, ics, tos)
            extra["eversion_excursion_deg"][sel], extra["eversion_velocity_dps"][sel] = e, v
    for c, v in extra.items():
        df[c] = v
    df["strike_pattern"] = strike_pattern_from_angle(df["foot_strike_angle_deg"].to_numpy())
    return conform_steps(df)


# ----------------------------------------------------------------------------
# public entry point
# ----------------------------------------------------------------------------


def make_fukuchi_imu(
    mounting: Any = None,
    fs_hz: float = 200.0,
    cutoff_hz: float = 12.0,
    data_dir: Path = DATA_DIR,
    static: bool = False,
    subject: str = SUBJECT,
) -> tuple[Recording, pd.DataFrame | None, dict[tuple[str, str], SegmentMotion]]:
    """Build the virtual-IMU recording in memory.

    Parameters
    ----------
    mounting
        Sensor axes in the segment frame: a 3 x 3 rotation matrix or
        :class:`scipy.spatial.transform.Rotation` for all four sensors, or a
        dict keyed ``"left_foot"``, ``"right_shank"``, ... (missing keys: aligned).
    fs_hz
        Output sampling rate, Hz.
    cutoff_hz
        Marker low-pass cutoff, Hz.
    data_dir
        Folder with the Fukuchi files.
    static
        Convert the standing calibration trial instead of the run (no truth);
        used to check that the accelerometer reads 1 g at rest.
    subject
        Which runner of :data:`SUBJECTS`.

    Returns
    -------
    recording, truth, motions
        The recording (SI units), the truth steps table (``None`` for
        ``static``) and the per-segment motion (orientation, position).

    Raises
    ------
    DataMissing
        When the data files are not found.
    """
    _require(data_dir, subject)
    _, m_static = load_markers(data_dir / f"{subject}static.txt")
    r_offs = static_corrections(m_static)
    fname = f"{subject}static.txt" if static else f"{subject}runT25markers.txt"
    t_mk, m = load_markers(data_dir / fname)
    m_f = {k: lowpass(v, cutoff_hz, MARKER_FS_HZ) for k, v in m.items()}

    streams = []
    motions: dict[tuple[str, str], SegmentMotion] = {}
    for side in SIDES:
        for seg, fn in (("foot", foot_technical_frame), ("shank", shank_technical_frame)):
            r_off = r_offs[(seg, side)]
            key = f"{side}_{seg}"
            mnt = mounting.get(key) if isinstance(mounting, dict) else mounting
            mnt = _as_matrix(mnt)
            if seg == "foot":
                r_s = foot_sensor_offset(m_static, side, r_off)
            else:
                r_s = np.zeros(3)
            mo = virtual_imu(t_mk, m_f, fn, side, r_off, r_s, fs_hz, mnt)
            motions[(seg, side)] = mo
            streams.append(
                Stream(
                    kind="imu",
                    side=side,
                    placement=seg,
                    time_s=mo.time_s,
                    values=np.hstack([mo.acc_mps2, mo.gyr_rps]),
                    columns=IMU_COLUMNS,
                    name=f"{key}.csv",
                    meta={
                        "sensor": "virtual IMU from motion capture",
                        "mounting": np.round(mnt, 6).tolist(),
                    },
                )
            )
    cfg = SUBJECTS[subject]
    athlete: dict[str, Any] = {"id": subject, "mass_kg": cfg["mass_kg"]}
    if cfg["height_m"]:
        athlete["height_m"] = cfg["height_m"]
    meta: dict[str, Any] = {
        "athlete": athlete,
        "condition": {"surface": "treadmill", "speed_mps": BELT_SPEED_MPS},
        "source": {
            "dataset": "Fukuchi, Fukuchi & Duarte 2017, PeerJ 5:e3298 (CC BY 4.0)",
            "trial": fname,
            "method": "virtual IMU from markers (bench/fukuchi_imu.py)",
            "marker_cutoff_hz": cutoff_hz,
            "fs_hz": fs_hz,
        },
    }
    rec = Recording(streams=streams, meta=meta)
    truth = None
    if not static:
        forces = pd.read_csv(data_dir / f"{subject}runT25forces.txt", sep="\t")
        # the foot's rotation relative to the shank at quiet standing
        r_rel0 = {}
        for side in SIDES:
            _, rf = foot_technical_frame(m_static, side)
            _, rs = shank_technical_frame(m_static, side)
            r_rel0[side] = _mean_rotation(
                np.einsum("nji,njk->nik", rs @ r_offs[("shank", side)], rf @ r_offs[("foot", side)])
            )
        truth = truth_steps(forces, t_mk, m_f, motions, subject, r_rel0)
    return rec, truth, motions


def make_fukuchi_recording(
    out_dir: str | Path,
    mounting: Any = None,
    fs_hz: float = 200.0,
    cutoff_hz: float = 12.0,
    data_dir: Path = DATA_DIR,
    subject: str = SUBJECT,
) -> tuple[Path, pd.DataFrame]:
    """Write the virtual-IMU recording folder and return it with its truth.

    The folder holds ``recording.json`` (treadmill, 2.5 m/s), ``left_foot.csv``,
    ``right_foot.csv``, ``left_shank.csv``, ``right_shank.csv`` (``time_s``,
    acc m/s^2, gyr deg/s) and ``truth_steps.csv``. See the module docstring
    for the method and :func:`make_fukuchi_imu` for the parameters.

    Raises
    ------
    DataMissing
        When the data files are not found.
    """
    rec, truth, _ = make_fukuchi_imu(mounting, fs_hz, cutoff_hz, data_dir, subject=subject)
    assert truth is not None
    path = write_folder(out_dir, rec, truth)
    return path, truth


def checks(truth: pd.DataFrame, static_rec: Recording | None = None) -> dict[str, float]:
    """Headline numbers to compare with the data README (77 contacts, about
    277 ms contact time, about 157 steps/min)."""
    out = {
        "contacts": float(len(truth)),
        "left": float((truth["side"] == "left").sum()),
        "right": float((truth["side"] == "right").sum()),
        "contact_ms_mean": float(truth["contact_ms"].mean()),
        "cadence_spm_median": float(truth["cadence_spm"].median()),
        "sides_alternate": float(
            (truth["side"].to_numpy()[1:] != truth["side"].to_numpy()[:-1]).all()
        ),
        "foot_strike_angle_deg_median": float(truth["foot_strike_angle_deg"].median()),
    }
    if static_rec is not None:
        norms = [np.linalg.norm(s.acc_mps2, axis=1).mean() for s in static_rec.streams]
        out["static_acc_norm_mps2"] = float(np.mean(norms))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path, help="recording folder to write")
    ap.add_argument("--fs", type=float, default=200.0, help="output rate, Hz (default 200)")
    ap.add_argument(
        "--cutoff", type=float, default=12.0, help="marker low-pass cutoff, Hz (default 12)"
    )
    ap.add_argument("--data", type=Path, default=DATA_DIR, help="folder with the RBDS001 files")
    args = ap.parse_args(argv)
    try:
        path, truth = make_fukuchi_recording(
            args.out_dir, fs_hz=args.fs, cutoff_hz=args.cutoff, data_dir=args.data
        )
        static_rec, _, _ = make_fukuchi_imu(
            fs_hz=args.fs, cutoff_hz=args.cutoff, data_dir=args.data, static=True
        )
    except DataMissing as e:
        print(f"skipped: {e}", file=sys.stderr)
        return 3
    print(f"wrote {path}")
    for k, v in checks(truth, static_rec).items():
        print(f"  {k}: {v:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# ----------------------------------------------------------------------------
# the virtual runner's shank curve
# ----------------------------------------------------------------------------

STANCE_KNOTS = 11
SWING_KNOTS = 17
HARMONICS = 10


def shank_template(data_dir: Path = DATA_DIR) -> dict[str, np.ndarray]:
    """The shank's sagittal inclination over a stride of the Fukuchi run, as
    the knots of the virtual runner's shank curve
    (``footfall.sim.kinematics.SHANK_*``).

    Each stride of each leg is cut at its force-plate contact and toe-off,
    stance and swing each resampled to 0..1 of their own duration; the
    inclination (deg, ankle ahead of the knee positive, relative to
    standing) is averaged over all strides of both legs, the contact value
    subtracted, and sampled with its first and second derivatives (deg per
    unit phase) at ``STANCE_KNOTS`` equally spaced stance phases and
    ``SWING_KNOTS`` swing phases. The derivatives come from the first
    ``HARMONICS`` harmonics of the mean stride (stance and swing placed on
    one cycle at the run's mean contact fraction), so the curve's second
    derivative is as smooth as the filtered markers, not the spline's.

    Returns
    -------
    dict
        ``stance`` and ``swing``: (k, 3) arrays of value, first and second
        derivative at the knots; ``contact_fraction``: the mean contact
        fraction the cycle was laid out with.
    """
    _, truth, motions = make_fukuchi_imu(data_dir=data_dir)
    ps = np.linspace(0.0, 1.0, 201)
    stance, swing, frac = [], [], []
    for side in SIDES:
        mo = motions[("shank", side)]
        ang = np.degrees(-mo.rot.as_euler("ZYX")[:, 1])
        tr = truth[truth["side"] == side].reset_index(drop=True)
        for k in range(len(tr) - 1):
            ic, to, ic2 = tr["ic_s"][k], tr["to_s"][k], tr["ic_s"][k + 1]
            if not (ic2 - ic) < 1.0:
                continue
            c0 = np.interp(ic, mo.time_s, ang)
            stance.append(np.interp(ic + ps * (to - ic), mo.time_s, ang) - c0)
            swing.append(np.interp(to + ps * (ic2 - to), mo.time_s, ang) - c0)
            frac.append((to - ic) / (ic2 - ic))
    cf = float(np.mean(frac))
    st, sw = np.mean(stance, axis=0), np.mean(swing, axis=0)
    # one cycle on a uniform grid, the small end-to-start mismatch spread
    # linearly so that it is periodic
    u = np.r_[cf * ps[:-1], cf + (1.0 - cf) * ps]
    y = np.r_[st[:-1], sw]
    y = y - (y[-1] - y[0]) * u
    m = 512
    grid = np.arange(m) / m
    c = np.fft.rfft(np.interp(grid, u, y))[: HARMONICS + 1]
    kk = np.arange(len(c))

    def series(x: np.ndarray, d: int) -> np.ndarray:
        e = np.exp(2j * np.pi * np.outer(x, kk)) * (2j * np.pi * kk) ** d
        w = np.where(kk == 0, 1.0, 2.0) / m
        return (e * c * w).real.sum(axis=1)

    out: dict[str, Any] = {"contact_fraction": cf}
    for name, m_k, lo, span in (
        ("stance", STANCE_KNOTS, 0.0, cf),
        ("swing", SWING_KNOTS, cf, 1.0 - cf),
    ):
        x = lo + span * np.linspace(0.0, 1.0, m_k)
        v0 = series(np.array([0.0]), 0)[0]
        out[name] = np.column_stack(
            [series(x, 0) - v0, series(x, 1) * span, series(x, 2) * span**2]
        )
    return out
