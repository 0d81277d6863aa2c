"""Foot orientation and trajectory per stride by strapdown integration with
zero-velocity updates (ZUPT).

Each stride runs from one mid-stance to the next; at both ends the foot is
(close to) still on the ground. For every stride the orientation starts from
the accelerometer's gravity direction (roll and pitch; heading set to zero),
the gyroscope is integrated forward, the accelerometer is rotated to the
level frame and gravity removed, and velocity is integrated with a linear
drift correction that brings it back to zero at the next mid-stance. Position
is the integral of the corrected velocity.

On a treadmill the stance foot rests on the belt, which moves at constant
speed: an inertial frame, so the same integration gives the trajectory
relative to the belt (stride length = distance covered on the belt).

All strides are integrated together, each step a vectorised operation over
all strides: the orientation's product runs in blocks of 16 samples (the
running product within every block at once, then the blocks chained: a few
dozen steps for a stride of a few hundred samples), so an hour of running
integrates in a fraction of a second and a short walk in a few milliseconds. The
arrays are held time-major and one component per row (every operation reads
contiguous memory), in groups of strides of similar length so that one long
stride does not pad all the others; the per-stride arrays callers see are
built from them on first use, so a caller that reads a few samples per stride
pays for those. Every stride is integrated on its own (no value depends on
the other strides, and each orientation's arithmetic depends on its place in
its stride alone), and the results are the numbers of the plain formulas:
the speed-ups reorder memory, not arithmetic. Two exceptions, equal to
rounding: the orientation is the blocked product above rather than one
normalised product per sample (about 1e-15 apart); and a stride's
displacement, asked for before the positions are built, is the double
integral's end value as one weighted sum of the accelerations
(:meth:`_TimeMajor.pos_end`), so stride length needs no velocity or
position array.

References
----------
Foxlin E (2005). Pedestrian tracking with shoe-mounted inertial sensors.
IEEE Computer Graphics and Applications 25(6):38-46.
Skog I, Handel P, Nilsson JO, Rantakokko J (2010). Zero-velocity detection: an
algorithm evaluation. IEEE Trans Biomed Eng 57(11):2657-2666.
"""

from __future__ import annotations

import numpy as np

from footfall.gait import checks
from footfall.gait import quaternion as quat
from footfall.model import G_MPS2

__all__ = [
    "PitchLookup",
    "StrideTrajectories",
    "integrate_strides",
    "length_groups",
    "level_quaternion",
    "pitch_per_sample",
    "pitch_roll_deg",
    "start_gravity",
]


_ROT_BLOCK = 16
"""Samples per block of the orientation integration: the products within a
block are made for all blocks at once, then the blocks are chained (fixed,
so that each orientation's arithmetic depends on its place in its stride
alone)."""

_TERMS_MAX = 1 << 12
"""Size of a quaternion product up to which it is made through its (4, 4, ...)
terms (few calls) rather than term by term (no 16-fold array)."""

_CACHE_BLOCK = 1 << 15
"""Stride-samples per time block of the elementwise stages (a few hundred kB
per array: they stay in the processor's cache)."""

_SPLIT_MIN = 200_000
"""Padding (stride-samples) that splitting the strides into two groups of
different length must save: one stride out of standing in an hour of running
would otherwise pad every stride to its length; a short recording stays in
one group."""

_MASKED_COPY_MAX = 1 << 16
"""Stride-samples up to which the tilt's sum over the valid samples is taken
on a masked copy (one call) rather than time step by time step (no copy)."""

_FIELDS = ("valid", "q", "vel_mps", "pos_m", "acc_mps2")


class _LazyArray:
    """An array attribute of :class:`StrideTrajectories`, built on first access."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: StrideTrajectories | None, objtype: type | None = None):
        return self if obj is None else obj._get(self.name)

    def __set__(self, obj: StrideTrajectories, value: np.ndarray) -> None:
        obj._arrays[self.name] = value


class StrideTrajectories:
    """Per-stride trajectories, padded to the longest stride.

    Attributes
    ----------
    start, stop
        Sample index of each stride's first and last sample (mid-stances).
    valid
        (n, L) True where the padded sample belongs to the stride.
    q
        (n, L, 4) orientation of the foot frame in the level frame (heading 0 at
        the stride's start).
    vel_mps, pos_m
        (n, L, 3) velocity and position in the level frame (z up).
    acc_mps2
        (n, L, 3) acceleration in the level frame, gravity removed.

    Over the padding, ``q`` and ``pos_m`` hold their value at the stride's end
    and ``vel_mps`` and ``acc_mps2`` are zero.

    From :func:`integrate_strides`, ``valid``, ``q``, ``vel_mps``, ``pos_m`` and
    ``acc_mps2`` are built on first access (and kept); :meth:`take`,
    :meth:`at` and :meth:`displacement_m` read single samples without
    building them.
    """

    def __init__(
        self,
        start: np.ndarray,
        stop: np.ndarray,
        valid: np.ndarray,
        q: np.ndarray,
        vel_mps: np.ndarray,
        pos_m: np.ndarray,
        acc_mps2: np.ndarray,
    ) -> None:
        self.start = start
        self.stop = stop
        self._arrays = {
            "valid": valid,
            "q": q,
            "vel_mps": vel_mps,
            "pos_m": pos_m,
            "acc_mps2": acc_mps2,
        }
        self._integ: _Integration | None = None

    @classmethod
    def _from_integration(
        cls, start: np.ndarray, stop: np.ndarray, integ: _Integration
    ) -> StrideTrajectories:
        obj = cls.__new__(cls)
        obj.start = start
        obj.stop = stop
        obj._arrays = {}
        obj._integ = integ
        return obj

    def _get(self, what: str) -> np.ndarray:
        arr = self._arrays.get(what)
        if arr is None:
            if self._integ is None or what not in _FIELDS:
                raise AttributeError(what)
            arr = self._arrays[what] = self._integ.stride_major(what)
        return arr

    valid = _LazyArray()
    q = _LazyArray()
    vel_mps = _LazyArray()
    pos_m = _LazyArray()
    acc_mps2 = _LazyArray()

    def __len__(self) -> int:
        return len(self.start)

    def __repr__(self) -> str:
        return f"StrideTrajectories({len(self.start)} strides, {self.padded_length} samples)"

    @property
    def padded_length(self) -> int:
        """L, the samples of the longest stride (second axis of the arrays)."""
        if self._integ is not None:
            return self._integ.L
        return self._arrays["valid"].shape[1]

    def displacement_m(self) -> np.ndarray:
        """(n, 3) position at each stride's end."""
        if self._integ is not None and "pos_m" not in self._arrays:
            return self._integ.pos_end()
        last = (self.stop - self.start).astype(int)
        return self.pos_m[np.arange(len(last)), last]

    def take(self, what: str, stride: np.ndarray, k: np.ndarray) -> np.ndarray:
        """``what[stride, k]``: values at stride rows ``stride`` and sample
        offsets ``k`` (0 <= k < L) from each stride's start, broadcast together;
        only these samples are computed."""
        if self._integ is None or what in self._arrays:
            return self._get(what)[stride, k]
        if what not in _FIELDS:
            raise AttributeError(what)
        return self._integ.take(what, stride, k)

    def at(self, stride: np.ndarray, sample: np.ndarray, what: str = "q") -> np.ndarray:
        """Values of ``what`` at absolute sample indices, one per stride row."""
        k = np.clip(sample - self.start[stride], 0, self.padded_length - 1).astype(int)
        return self.take(what, stride, k)

    def _turned(self, in_place: bool = False) -> StrideTrajectories:
        """The trajectories of the same data turned by 180 degrees about z
        (from an integration): :meth:`_TimeMajor.turned`. ``in_place`` turns
        this integration's arrays instead of copying them (this object is not
        to be used afterwards)."""
        if in_place and self._arrays:
            raise ValueError("arrays already built: turn a copy")
        if self._integ is None:
            raise ValueError("only the trajectories of an integration can be turned")
        return StrideTrajectories._from_integration(
            self.start, self.stop, self._integ.turned(in_place)
        )


class _Integration:
    """The strides of :func:`integrate_strides`, integrated in groups of
    similar length (:class:`_TimeMajor` each), seen as one padded set."""

    def __init__(self, groups: list[_TimeMajor], n: int) -> None:
        self.groups = groups
        self.n = n
        self.L = max(g.L for g in groups)
        self.group = np.empty(n, dtype=int)  # each stride row's group
        self.col = np.empty(n, dtype=int)  # and column in it
        self.lengths = np.empty(n, dtype=int)
        for i, g in enumerate(groups):
            self.group[g.rows] = i
            self.col[g.rows] = np.arange(g.n)
            self.lengths[g.rows] = g.lengths

    def turned(self, in_place: bool = False) -> _Integration:
        return _Integration([g.turned(in_place) for g in self.groups], self.n)

    def pos_end(self) -> np.ndarray:
        """(n, 3) position at each stride's end."""
        out = np.empty((self.n, 3))
        for g in self.groups:
            out[g.rows] = g.pos_end().T
        return out

    def take(self, what: str, rows: np.ndarray, k: np.ndarray) -> np.ndarray:
        rows, k = np.broadcast_arrays(np.asarray(rows), np.asarray(k))
        last = self.lengths[rows] - 1
        if what == "valid":
            return k <= last
        # over the padding q and pos hold the end value, vel and acc are zero
        kk = np.minimum(k, last)
        if len(self.groups) == 1:
            out = self.groups[0].take(what, self.col[rows], kk)
        else:
            out = np.empty(rows.shape + (4 if what == "q" else 3,))
            group = self.group[rows]
            for i, g in enumerate(self.groups):
                m = group == i
                out[m] = g.take(what, self.col[rows[m]], kk[m])
        if what in ("vel_mps", "acc_mps2"):
            out[k > last] = 0.0
        return out

    def stride_major(self, what: str) -> np.ndarray:
        """The (n, L, ...) array of ``what`` in the callers' stride order."""
        if what == "valid":
            if len(self.groups) == 1:
                g = self.groups[0]
                return g.valid_t[:, g.inv].T
            return np.arange(self.L)[None, :] < self.lengths[:, None]
        held = what in ("q", "pos_m")
        out = np.empty((self.n, self.L, 4 if what == "q" else 3))
        for g in self.groups:
            cm = g.component_major(what)
            for c in range(cm.shape[0]):
                out[g.rows, : g.L, c] = cm[c].T
                if g.L < self.L:
                    out[g.rows, g.L :, c] = cm[c][-1][:, None] if held else 0.0
        return out

    def pitch_per_sample(self, start: np.ndarray, n: int) -> np.ndarray:
        """:func:`pitch_per_sample` from the time-major orientations."""
        out = np.full(n, np.nan)
        parts = []
        for g in self.groups:
            # the pitch of pitch_roll_deg, strides in the callers' order
            w, x, y, z = g.qt()
            order = np.argsort(g.rows)
            pitch = np.degrees(np.arcsin(np.clip(2.0 * (x * z - w * y), -1.0, 1.0)))[:, order].T
            valid = g.valid_t[:, order].T
            rows = g.rows[order]
            idx = start[rows][:, None] + np.arange(g.L)[None, :]
            samples, values = idx[valid], pitch[valid]
            out[samples] = values  # the later stride of a group wins
            if len(self.groups) > 1:
                parts.append((samples, values, np.repeat(rows, valid.sum(axis=1))))
        if parts:
            # a sample in strides of two groups: the later stride's value
            groups_in = np.zeros(n, dtype=np.int64)
            for s, _, _ in parts:
                groups_in += np.bincount(s, minlength=n) > 0
            shared = groups_in > 1
            if shared.any():
                pick = [shared[s] for s, _, _ in parts]
                s = np.concatenate([p[0][m] for p, m in zip(parts, pick, strict=True)])
                v = np.concatenate([p[1][m] for p, m in zip(parts, pick, strict=True)])
                r = np.concatenate([p[2][m] for p, m in zip(parts, pick, strict=True)])
                o = np.lexsort((r, s))
                s, v = s[o], v[o]
                last = np.append(s[1:] != s[:-1], True)
                out[s[last]] = v[last]
        return out


class _TimeMajor:
    """One group of the integration's strides, sorted longest first,
    time-major and one component per row: (components, L, strides). Later
    stages are computed on first use."""

    def __init__(
        self,
        dt: float,
        rows: np.ndarray,
        lengths: np.ndarray,
        valid_t: np.ndarray,
        rt: np.ndarray,
        acc_start: np.ndarray,
        g_start: np.ndarray,
    ) -> None:
        self.dt = dt
        self.rows = rows  # the callers' stride row of each column
        self.lengths = lengths
        self.valid_t = valid_t
        self.L, self.n = valid_t.shape
        self.rt = rt  # (4, L, n) orientation relative to the start sample
        self.acc_start = acc_start  # (3, L, n) specific force in the start frame
        self.g_start = g_start  # (n, 3) gravity in the start frame
        self.q0 = level_quaternion(g_start)  # (n, 4) orientation at the start sample
        self._cache: dict[str, np.ndarray] = {}

    @property
    def inv(self) -> np.ndarray:
        """Column of each of rows 0 .. n-1, when the group holds them all."""
        inv = np.empty_like(self.rows)
        inv[self.rows] = np.arange(self.n)
        return inv

    def turned(self, in_place: bool = False) -> _TimeMajor:
        """The integration of the same data turned by 180 degrees about z
        (x and y negated): every product and sum of the orientation, the
        rotation and the tilt is the same with x and y negated, so this is
        exactly what integrating the turned data gives. ``in_place`` negates
        this group's arrays instead of copying them (an analysis turns the
        integration it has just made; a copy would be two stride-sized
        arrays more)."""
        flip = np.array([-1.0, -1.0, 1.0])
        if in_place:
            rt, acc_start = self.rt, self.acc_start
            for a in (rt[1], rt[2], acc_start[0], acc_start[1]):
                np.negative(a, out=a)
            self._cache.clear()
        else:
            rt = self.rt * np.array([1.0, -1.0, -1.0, 1.0])[:, None, None]
            acc_start = self.acc_start * flip[:, None, None]
        return _TimeMajor(
            self.dt,
            self.rows,
            self.lengths,
            self.valid_t,
            rt,
            acc_start,
            np.ascontiguousarray(self.g_start * flip),
        )

    def _cached(self, name: str, make) -> np.ndarray:
        out = self._cache.get(name)
        if out is None:
            out = self._cache[name] = make()
        return out

    def qt(self) -> np.ndarray:
        """(4, L, n) orientation in the level frame: q0 * rt."""
        return self._cached("qt", lambda: _qmul_cm(self.q0.T[:, None, :], self.rt))

    def acc_level(self) -> np.ndarray:
        """(3, L, n) acceleration in the level frame, gravity removed, 0 on padding."""

        def make() -> np.ndarray:
            a = _rotate_cm(self.q0.T[:, None, :], self.acc_start)
            a[2] -= G_MPS2
            np.copyto(a, 0.0, where=~self.valid_t)
            return a

        return self._cached("acc_level", make)

    def vel(self) -> np.ndarray:
        """(3, L, n) ZUPT velocity: trapezoid integral, then a linear drift
        removed so that it is zero at both mid-stances."""

        def make() -> np.ndarray:
            a = self.acc_level()
            vel = np.empty_like(a)
            vel[:, 0] = 0.0
            inc = vel[:, 1:]
            np.add(a[:, 1:], a[:, :-1], out=inc)
            inc *= 0.5 * self.dt
            np.cumsum(inc, axis=1, out=inc)
            last = self.lengths - 1
            v_end = vel[:, last, np.arange(self.n)]
            k_t = np.arange(self.L)[:, None]
            frac = np.minimum(k_t / np.maximum(last, 1)[None, :], 1.0)
            for c in range(3):
                vel[c] -= frac * v_end[c]
            np.copyto(vel, 0.0, where=~self.valid_t)
            return vel

        return self._cached("vel", make)

    def pos(self) -> np.ndarray:
        """(3, L, n) position, the end value held over the padding."""

        def make() -> np.ndarray:
            vel = self.vel()
            pos = np.zeros_like(vel)
            np.cumsum(0.5 * self.dt * (vel[:, 1:] + vel[:, :-1]), axis=1, out=pos[:, 1:])
            end = pos[:, self.lengths - 1, np.arange(self.n)]
            return np.where(self.valid_t, pos, end[:, None, :])

        return self._cached("pos", make)

    def pos_end(self) -> np.ndarray:
        """(3, n) position at each stride's end.

        The double trapezoid integral with the linear drift correction of
        :meth:`vel` is linear in the accelerations, so its end value is one
        weighted sum of them: for a stride of ``m + 1`` samples,
        ``dt**2 / 2 * sum_i c_i a_i`` with ``c_i = m - 2 i`` inside the stride
        and ``+-(m - 1) / 2`` at its two ends. The weights sum to zero, so
        gravity drops out, and the rotation by ``q0`` is constant over the
        stride, so it is applied to the weighted sum of the start-frame
        specific force: no level-frame acceleration, velocity or position
        array is built. The same value as the end of :meth:`pos` to rounding
        (at most 1e-14 m apart on the strides of the equivalence tests)."""
        if "pos" in self._cache:
            return self._cache["pos"][:, self.lengths - 1, np.arange(self.n)]
        return self._cached("pos_end", self._pos_end)

    def _pos_end(self) -> np.ndarray:
        m = (self.lengths - 1).astype(float)
        k = np.arange(self.L, dtype=float)[:, None]
        c = m[None, :] - 2.0 * k
        c[0] = 0.5 * (m - 1.0)
        c[self.lengths - 1, np.arange(self.n)] = -0.5 * (m - 1.0)
        np.copyto(c, 0.0, where=~self.valid_t)
        c[0, self.lengths == 1] = 0.0
        s = np.einsum("ckn,kn->cn", self.acc_start, c)
        out = np.empty((3, self.n))
        _rotate_into(self.q0.T, s, out)
        out *= 0.5 * self.dt * self.dt
        return out

    def component_major(self, what: str) -> np.ndarray:
        if what == "q":
            return self.qt()
        if what == "vel_mps":
            return self.vel()
        if what == "pos_m":
            return self.pos()
        if what == "acc_mps2":
            return self.acc_level()
        raise AttributeError(what)

    def take(self, what: str, col: np.ndarray, k: np.ndarray) -> np.ndarray:
        """Values at columns ``col`` and samples ``k`` (0 <= k < L)."""
        if what == "q" and "qt" not in self._cache:
            # q0 * rt at these samples only: the same products as qt()
            p = np.moveaxis(self.q0[col], -1, 0)
            return np.moveaxis(_qmul_cm(p, self.rt[:, k, col]), 0, -1)
        if what == "acc_mps2" and "acc_level" not in self._cache:
            # the rotation of acc_level() at these samples only (the caller
            # zeroes the padding)
            p = np.moveaxis(self.q0[col], -1, 0)
            a = _rotate_cm(p, self.acc_start[:, k, col])
            a[2] -= G_MPS2
            return np.moveaxis(a, 0, -1)
        return np.moveaxis(self.component_major(what)[:, k, col], 0, -1)


def level_quaternion(acc_mps2: np.ndarray) -> np.ndarray:
    """Orientation (heading zero) whose z axis is the measured gravity direction.

    Parameters
    ----------
    acc_mps2
        (..., 3) accelerometer reading of a still sensor (it reads +g upwards).

    Returns
    -------
    (..., 4) quaternion rotating sensor-frame vectors to the level frame.
    """
    up = np.broadcast_to(np.array([0.0, 0.0, 1.0]), acc_mps2.shape)
    q = quat.from_two_vectors(acc_mps2, up)
    # remove the heading component so that the sensor's x axis keeps heading 0
    x_level = quat.rotate(q, np.broadcast_to(np.array([1.0, 0.0, 0.0]), acc_mps2.shape))
    yaw = np.arctan2(x_level[..., 1], x_level[..., 0])
    qz = np.stack([np.cos(-yaw / 2), np.zeros_like(yaw), np.zeros_like(yaw), np.sin(-yaw / 2)], -1)
    return quat.multiply(qz, q)


def integrate_strides(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    fs_hz: float,
    start: np.ndarray,
    stop: np.ndarray,
) -> StrideTrajectories:
    """Strapdown integration of every stride ``start[i]..stop[i]`` (inclusive).

    Parameters
    ----------
    acc_mps2, gyr_rps
        (n, 3) accelerometer (m/s^2) and gyroscope (rad/s) in the foot frame.
    fs_hz
        Sampling rate, Hz.
    start, stop
        Sample indices of the mid-stances bounding each stride.

    Notes
    -----
    The foot's tilt at ``start`` is gravity in that frame: the mean specific
    force over the whole stride, brought into the start frame by the
    gyroscope (between two mid-stances the velocity is the same, so the
    foot's own accelerations average out). It stays right in running, where
    the foot is never still long enough for a few samples around mid-stance
    to show gravity alone (on the Fukuchi treadmill run they point well
    away from it).

    The orientation and the tilt are integrated here; the level-frame
    acceleration, velocity and position when the result is first asked for
    them.

    Raises
    ------
    ValueError
        When an argument has the wrong shape, the rate is not positive, or
        an index is outside the samples or ends before its start.
    """
    acc_mps2 = checks.samples(acc_mps2, "acc_mps2")
    gyr_rps = checks.samples(gyr_rps, "gyr_rps")
    n = checks.same_length(acc_mps2=acc_mps2, gyr_rps=gyr_rps)
    fs_hz = checks.rate(fs_hz)
    start = np.asarray(checks.indices(start, "start", n), dtype=int)
    stop = np.asarray(checks.indices(stop, "stop", n), dtype=int)
    checks.same_length(start=start, stop=stop)
    if np.any(stop < start):
        raise ValueError("every stop must be at or after its start")
    n_str = len(start)
    dt = 1.0 / fs_hz
    if n_str == 0:
        z = np.zeros((0, 1, 3))
        return StrideTrajectories(start, stop, np.zeros((0, 1), bool), np.zeros((0, 1, 4)), z, z, z)
    lengths = stop - start + 1
    # longest strides first, grouped by length: one long stride (a step out
    # of standing) then pads its own group, not every stride
    perm = np.argsort(-lengths, kind="stable")
    groups = [
        _integrate_group(acc_mps2, gyr_rps, dt, perm[sl], start[perm[sl]], stop[perm[sl]])
        for sl in length_groups(lengths[perm])
    ]
    return StrideTrajectories._from_integration(start, stop, _Integration(groups, n_str))


def length_groups(lengths: np.ndarray) -> list[slice]:
    """Groups of strides (lengths sorted longest first), each integrated
    padded to its own longest: a group is split where that saves at least
    :data:`_SPLIT_MIN` stride-samples of padding."""
    groups = []
    a, n = 0, len(lengths)
    while a < n - 1:
        # the split after which the shorter strides save the most padding
        saved = (n - np.arange(a + 1, n)) * (lengths[a] - lengths[a + 1 :])
        j = int(np.argmax(saved))
        if saved[j] < _SPLIT_MIN:
            break
        groups.append(slice(a, a + 1 + j))
        a += 1 + j
    groups.append(slice(a, n))
    return groups


def start_gravity(
    acc_mps2: np.ndarray, gyr_rps: np.ndarray, fs_hz: float, start: np.ndarray, stop: np.ndarray
) -> np.ndarray:
    """(n, 3) gravity at each stride's start sample in the sensor frame (the
    tilt of :func:`integrate_strides`, the same numbers), without the rest of
    the integration."""
    start = np.asarray(start, dtype=int)
    stop = np.asarray(stop, dtype=int)
    out = np.empty((len(start), 3))
    if len(start) == 0:
        return out
    lengths = stop - start + 1
    perm = np.argsort(-lengths, kind="stable")
    for sl in length_groups(lengths[perm]):
        rows = perm[sl]
        out[rows] = _start_frame(acc_mps2, gyr_rps, 1.0 / fs_hz, start[rows], stop[rows])[3]
    return out


def _integrate_group(
    acc_mps2: np.ndarray,
    gyr_rps: np.ndarray,
    dt: float,
    rows: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
) -> _TimeMajor:
    """Orientation and tilt of strides ``start..stop`` (longest first), rows
    ``rows`` of the callers' strides."""
    valid_t, rt, acc_start, g_start = _start_frame(acc_mps2, gyr_rps, dt, start, stop)
    return _TimeMajor(dt, rows, stop - start + 1, valid_t, rt, acc_start, g_start)


def _start_frame(
    acc_mps2: np.ndarray, gyr_rps: np.ndarray, dt: float, start: np.ndarray, stop: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Valid samples (L, n), orientation relative to the start sample (4, L,
    n), specific force in the start frame (3, L, n) and gravity in it (n, 3)
    of strides ``start..stop`` (longest first)."""
    n_str = len(start)
    s_len = stop - start + 1
    L = int(s_len[0])
    # time-major, one component per row (3, L, strides): every step of the
    # orientation's product and every cumulative sum reads contiguous memory
    idx = start[None, :] + np.arange(L)[:, None]
    valid_t = idx <= stop[None, :]
    np.minimum(idx, stop[None, :], out=idx)
    acc = _gather_rows(acc_mps2, idx)
    gyr = _gather_rows(gyr_rps, idx)
    np.copyto(gyr, 0.0, where=~valid_t)

    # orientation relative to the start sample, from the gyroscope alone:
    # r_{k+1} = r_k * exp(0.5 * (w_k + w_{k+1}) / 2 * dt)
    # (in place: the same products as 0.5 * dt * (a + b), one array fewer)
    w_mid = np.add(gyr[:, :-1], gyr[:, 1:])
    w_mid *= 0.5 * dt
    del gyr
    rt = _integrate_rotation(w_mid, s_len)
    del w_mid
    acc_start = _rotate_cm(rt, acc)  # specific force in the start frame
    del acc

    # initial tilt: gravity in the start frame
    span = np.maximum(s_len - 1, 1) * dt
    # trapezoid mean over each stride: the end samples count half
    g_start = np.ascontiguousarray(
        (
            (
                _valid_sum_over_time(acc_start, valid_t)
                - 0.5 * (acc_start[:, 0] + acc_start[:, s_len - 1, np.arange(n_str)])
            )
            * dt
            / span
        ).T
    )
    short = s_len < 3
    if short.any():
        g_start[short] = acc_mps2[start[short]]
    return valid_t, rt, acc_start, g_start


def _integrate_rotation(w_mid: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(4, L, n) orientations relative to the start sample from rotation
    vectors ``w_mid`` (3, L-1, n): ``r_0 = 1``, ``r_{k+1} = r_k * exp(w_mid[:, k] / 2)``;
    stride ``i`` has ``lengths[i]`` samples and then holds its last
    orientation.

    The product is made in blocks of :data:`_ROT_BLOCK` increments: within
    each block the running product of its increments (for every block and
    stride at once), then the blocks chained,
    ``r_{bB+j+1} = normalise(r_{bB} * (dq_{bB} * ... * dq_{bB+j}))``. That is
    about two vectorised steps per block instead of one per sample; it
    differs from a normalised product per sample by rounding only, and each
    orientation's arithmetic depends on its stride's increments and its
    place in the stride alone.
    """
    m, n = w_mid.shape[1], w_mid.shape[2]
    B = _ROT_BLOCK
    nb = -(-m // B)
    rt = np.empty((4, 1 + nb * B, n))
    rt[:, 0] = np.array([1.0, 0.0, 0.0, 0.0])[:, None]
    if m == 0:
        return rt
    # written through a (4, nb, B, n) view: orientation 1 + b * B + j
    out = rt[:, 1:].reshape(4, nb, B, n)
    # strides a few at a time on long recordings: the arrays of one batch
    # stay in the processor's cache
    per = max(1, _CACHE_BLOCK // (nb * B))
    for c0 in range(0, n, per):
        cols = slice(c0, c0 + per)
        _rotation_blocks(w_mid[:, :, cols], out[..., cols])
    rt = rt[:, : m + 1]
    # a stride that has ended holds its last orientation
    ends = rt[:, lengths - 1, np.arange(n)]
    np.copyto(rt, ends[:, None, :], where=np.arange(m + 1)[:, None] >= lengths[None, :])
    return rt


def _rotation_blocks(w_mid: np.ndarray, out: np.ndarray) -> None:
    """Orientations ``1 .. nb * B`` of :func:`_integrate_rotation` into ``out``
    (4, nb, B, n) from the increments ``w_mid`` (3, m, n)."""
    _, nb, B, n = out.shape
    m = w_mid.shape[1]
    wp = np.zeros((3, nb * B, n))
    wp[:, :m] = w_mid
    # (4, nb, B, n): increment j of block b (identity past the end)
    dq = quat.from_rotvec_cm(wp).reshape(4, nb, B, n)
    del wp
    # running product within each block, in place: dq[:, :, j] = dq_0 * ... * dq_j
    for j in range(1, B):
        _qmul_into(dq[:, :, j - 1], dq[:, :, j], dq[:, :, j])
    # the orientation at each block's start: the blocks' products chained
    carry = np.empty((4, nb, n))
    carry[:, 0] = np.array([1.0, 0.0, 0.0, 0.0])[:, None]
    if nb > 1:
        terms = _right_terms(dq[:, :-1, B - 1])  # (4, 4, nb - 1, n)
        prod = np.empty((4, 4, n))
        for b in range(1, nb):
            np.multiply(terms[:, :, b - 1], carry[:, b - 1], out=prod)
            np.add.reduce(prod, axis=1, out=carry[:, b])
            _normalise(carry[:, b])
    # every orientation: its block's start times the block's running product
    _qmul_into(carry[:, :, None], dq, out)
    _normalise(out)


# the terms of a quaternion product p * q in the order of quat.multiply:
# (p * q)[i] = sum_j _SIGN[i, j] * q[_PERM[i, j]] * p[j]
_PERM = np.array([[0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 1, 0]])
_SIGN = np.array(
    [[1.0, -1.0, -1.0, -1.0], [1.0, 1.0, 1.0, -1.0], [1.0, -1.0, 1.0, 1.0], [1.0, 1.0, -1.0, 1.0]]
)


def _right_terms(q: np.ndarray) -> np.ndarray:
    """(4, 4, ...) ``_SIGN[i, j] * q[_PERM[i, j]]``: the factors by which
    component ``j`` of a left operand enters component ``i`` of ``p * q``."""
    t = q[_PERM]
    t *= _SIGN.reshape((4, 4) + (1,) * (q.ndim - 1))
    return t


def _qmul_into(p: np.ndarray, q: np.ndarray, out: np.ndarray) -> None:
    """``out = p * q`` with the component axis first (broadcast), the four
    terms of each component added in the order of
    :func:`footfall.gait.quaternion.multiply`; ``out`` may be ``q``.

    Small products go through the (4, 4, ...) terms in a few calls; large
    ones term by term without that array (the same numbers: a term's sign is
    exact, and the terms are added in the same order)."""
    if out[0].size < _TERMS_MAX:
        t = _right_terms(q)
        t *= p[None]
        np.add.reduce(t, axis=1, out=out)
        return
    res = np.empty(out.shape)
    t = np.empty(out.shape[1:])
    for i, o in enumerate(res):
        np.multiply(p[0], q[_PERM[i, 0]], out=o)
        for j in range(1, 4):
            np.multiply(p[j], q[_PERM[i, j]], out=t)
            if _SIGN[i, j] > 0:
                o += t
            else:
                o -= t
    out[...] = res


def _normalise(q: np.ndarray) -> None:
    """Divide (4, ...) ``q`` by its norm in place (squares added in
    component order)."""
    s = np.add.reduce(q * q, axis=0)
    np.sqrt(s, out=s)
    q /= s


def _sum_over_time(a: np.ndarray) -> np.ndarray:
    """Sum of (C, L, n) ``a`` over its time axis, added in time order (as a
    cumulative sum does) also for a single stride, where NumPy would sum
    the then contiguous time axis pairwise."""
    if a.shape[2] > 1 or a.shape[1] == 0:
        return a.sum(axis=1)
    return np.cumsum(a, axis=1)[:, -1]


def _valid_sum_over_time(a: np.ndarray, valid_t: np.ndarray) -> np.ndarray:
    """:func:`_sum_over_time` of ``np.where(valid_t, a, 0.0)`` without that
    array: the samples added one time step after the other, as the sum over
    the (non-contiguous) time axis adds them; adding 0.0 for a padded sample
    leaves the sum as it is."""
    if a.shape[2] == 1 or a.shape[1] == 0 or valid_t.size < _MASKED_COPY_MAX:
        # few strides: the masked copy is small and one call beats a loop
        return _sum_over_time(np.where(valid_t, a, 0.0))
    out = np.where(valid_t[0], a[:, 0], 0.0)
    for k in range(1, a.shape[1]):
        np.add(out, a[:, k], out=out, where=valid_t[k])
    return out


def _gather_rows(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``a[idx]`` for (N, C) ``a`` as (C, *idx.shape), one component per row."""
    at = np.asarray(a, dtype=float).T
    if not at.flags.c_contiguous:
        at = np.ascontiguousarray(at)
    return np.take(at, idx, axis=1)


def _time_blocks(shape: tuple[int, ...]):
    """Slices of the time axis (the first of ``shape``, (L, strides)) of about
    :data:`_CACHE_BLOCK` stride-samples: the elementwise stages run block by
    block on data that stays in the processor's cache, the same operations
    on each number as over the whole array."""
    if len(shape) < 2:
        yield slice(None)
        return
    rows = max(1, _CACHE_BLOCK // max(int(np.prod(shape[1:])), 1))
    for a in range(0, shape[0], rows):
        yield slice(a, a + rows)


def _block(a: np.ndarray, sl: slice) -> np.ndarray:
    """Time block ``sl`` of component-first ``a`` (all of it if ``a`` is
    broadcast along time)."""
    return a[:, sl] if a.ndim >= 3 and a.shape[1] > 1 else a


def _qmul_cm(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """:func:`footfall.gait.quaternion.multiply` with the component axis first
    (:func:`_qmul_into` time block by time block)."""
    out = np.empty(np.broadcast_shapes(p.shape, q.shape))
    for sl in _time_blocks(out.shape[1:]):
        _qmul_into(_block(p, sl), _block(q, sl), out[:, sl] if out.ndim >= 3 else out)
    return out


def _rotate_cm(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """:func:`footfall.gait.quaternion.rotate` with the component axis first."""
    shape = np.broadcast_shapes(q.shape[1:], v.shape[1:])
    out = np.empty((3,) + shape)
    for sl in _time_blocks(shape):
        if out.ndim >= 3:
            _rotate_into(_block(q, sl), _block(v, sl), out[:, sl])
        else:
            _rotate_into(q, v, out)
    return out


def _rotate_into(q: np.ndarray, v: np.ndarray, out: np.ndarray) -> None:
    w, x, y, z = q
    vx, vy, vz = v
    shape = out.shape[1:]
    t = np.empty((3,) + shape)
    tmp = np.empty(shape)
    # t = 2 * (u x v)
    for i, (a, b, c, d) in enumerate(((y, vz, z, vy), (z, vx, x, vz), (x, vy, y, vx))):
        np.multiply(a, b, out=t[i])
        np.multiply(c, d, out=tmp)
        np.subtract(t[i], tmp, out=t[i])
        np.multiply(2.0, t[i], out=t[i])
    tx, ty, tz = t
    # v + w t + u x t
    tmp2 = np.empty(shape)
    for i, (vi, ti, a, b, c, d) in enumerate(
        ((vx, tx, y, tz, z, ty), (vy, ty, z, tx, x, tz), (vz, tz, x, ty, y, tx))
    ):
        o = out[i]
        np.multiply(w, ti, out=o)
        np.add(vi, o, out=o)
        np.multiply(a, b, out=tmp)
        np.multiply(c, d, out=tmp2)
        tmp -= tmp2
        o += tmp


def pitch_roll_deg(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pitch and roll of the foot frame (x forward, y left, z up), degrees.

    Pitch is positive toes up; roll is the rotation about the foot's long axis,
    positive when the left edge of the foot rises.

    Parameters
    ----------
    q
        (..., 4) unit quaternions (w, x, y, z) rotating foot-frame vectors
        into the level frame.

    Returns
    -------
    pitch_deg, roll_deg
        Arrays of shape ``q.shape[:-1]``.
    """
    q = np.asarray(q)
    if q.ndim == 0 or q.shape[-1] != 4:
        raise ValueError(f"q must be an (..., 4) array of quaternions, got shape {q.shape}")
    w, x, y, z = np.moveaxis(q, -1, 0)
    x_up = 2.0 * (x * z - w * y)  # z component of the rotated x axis
    y_up = 2.0 * (y * z + w * x)  # z component of the rotated y axis
    pitch = np.degrees(np.arcsin(np.clip(x_up, -1.0, 1.0)))
    roll = np.degrees(np.arcsin(np.clip(y_up, -1.0, 1.0)))
    return pitch, roll


def pitch_per_sample(traj: StrideTrajectories, n: int) -> np.ndarray:
    """Foot pitch (deg, toes up) on the stream's own sample axis.

    Where strides overlap (a shared mid-stance) the later stride wins; samples
    outside every stride are NaN.
    """
    if traj._integ is not None and "q" not in traj._arrays:
        return traj._integ.pitch_per_sample(traj.start, n)
    pitch, _ = pitch_roll_deg(traj.q)
    out = np.full(n, np.nan)
    idx = traj.start[:, None] + np.arange(pitch.shape[1])[None, :]
    out[idx[traj.valid]] = pitch[traj.valid]
    return out


class PitchLookup:
    """Foot pitch (deg, toes up) on the stream's sample axis, computed only at
    the samples asked for: ``lookup[idx]`` is ``pitch_per_sample(traj, n)[idx]``
    (the same numbers; where strides overlap the later stride wins, outside
    every stride NaN). Event detection reads the pitch at one sample per
    stride; building it for every sample would cost a quaternion product per
    sample of the recording."""

    def __init__(self, traj: StrideTrajectories, n: int) -> None:
        self.traj = traj
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, idx) -> np.ndarray:
        idx = np.asarray(idx)
        if idx.dtype == bool or idx.dtype.kind not in "iu":
            return pitch_per_sample(self.traj, self.n)[idx]
        flat = np.where(idx.ravel() < 0, idx.ravel() + self.n, idx.ravel())
        if ((flat < 0) | (flat >= self.n)).any():
            raise IndexError("sample index out of range")
        start, stop = self.traj.start, self.traj.stop
        out = np.full(flat.shape, np.nan)
        # the later stride wins: the last row that holds the sample
        row = _last_stride_holding(start, stop, flat) if len(start) else np.full(flat.shape, -1)
        ok = row >= 0
        if ok.any():
            q = self.traj.take("q", row[ok], flat[ok] - start[row[ok]])
            out[ok] = pitch_roll_deg(q)[0]
        return out.reshape(idx.shape)


def _last_stride_holding(start: np.ndarray, stop: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """For each sample the last stride row ``i`` with ``start[i] <= sample <=
    stop[i]`` (-1 where none), for any strides (overlapping, unsorted)."""
    order = np.argsort(start, kind="stable")
    s_sorted = start[order]
    row = np.full(samples.shape, -1)
    # candidates: strides starting at or before the sample; the ones that
    # still hold it, searched from the latest start back while any can
    hi = np.searchsorted(s_sorted, samples, side="right")
    # the longest stride bounds how far back a stride can start and still hold it
    reach = int((stop - start).max())
    lo = np.searchsorted(s_sorted, samples - reach, side="left")
    width = int((hi - lo).max()) if len(samples) else 0
    for j in range(width):
        pos = hi - 1 - j
        live = pos >= lo
        cand = order[np.where(live, pos, 0)]
        hit = live & (stop[cand] >= samples) & (cand > row)
        row[hit] = cand[hit]
    return row
