"""Lab Streaming Layer: footfall's live streams out to a lab, a lab's streams in.

`Lab Streaming Layer <https://labstreaminglayer.org>`_ (LSL) is how labs
record sensors, video and force plates on one clock. With ``pylsl`` (the
optional extra ``footfall[lsl]``; its wheels carry liblsl):

* :class:`LslOutlets` (``footfall live --lsl``) opens one outlet per device
  (named ``footfall-<device id>``, type ``IMU`` or ``Pressure``, the nominal
  rate, one channel per column with its label, unit and type in the stream's
  description, and a ``footfall`` element with kind, side, placement, layout
  and device id) and one ``footfall-steps`` outlet (irregular rate) carrying
  each step's numeric contract columns as they become final, stamped with the
  step's initial contact. Sample times go out on LSL's clock: the session axis
  plus the offset between the two taken when the first block is sent.
* :class:`LslSource` (``footfall live --lsl-in NAME``) reads LSL streams as a
  live source: a footfall outlet, or any stream whose channel labels are
  footfall's columns (``acc_x`` .. ``gyr_z`` for an IMU, ``p1`` .. ``pN`` for
  an insole) with their units (m/s^2 or g, rad/s or deg/s, kPa), and the side
  named in its description or its name. Time stamps are corrected to this
  machine's clock (LSL's clock synchronisation) and put on the session axis; a
  jump of more than one and a half sample periods is a :class:`Gap`, never
  filled.

LSL finds streams by multicast on the local network. Its configuration file
(``LSLAPICFG``) decides how far: ``ResolveScope = machine`` keeps it on this
computer, as footfall's tests do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from footfall.devices.base import Block, DeviceInfo, Event, Gap, Status
from footfall.errors import FootfallError
from footfall.model import IMU_COLUMNS, Placement, SensorKind, Side

__all__ = [
    "LslOutlets",
    "LslSource",
    "STEPS_OUTLET",
    "import_pylsl",
]

STEPS_OUTLET = "footfall-steps"
"""Name of the steps outlet."""

_UNITS = {"acc": "m/s^2", "gyr": "rad/s", "p": "kPa"}
_TO_SI = {
    "m/s^2": 1.0,
    "m/s2": 1.0,
    "g": 9.80665,
    "rad/s": 1.0,
    "deg/s": math.pi / 180.0,
    "dps": math.pi / 180.0,
    "kpa": 1.0,
    "n": 1.0,
}
"""Units a channel may be in, and the factor to footfall's (SI) unit."""


def import_pylsl() -> Any:
    """pylsl, or a FootfallError saying how to install it."""
    try:
        import pylsl
    except (ImportError, RuntimeError, OSError) as exc:  # no wheel, or no liblsl
        raise FootfallError(
            f"Lab Streaming Layer is not available here ({exc})",
            fix="pip install 'footfall[lsl]' (pylsl, which brings liblsl)",
        ) from exc
    return pylsl


def _unit(column: str) -> str:
    if column == "force_n":
        return "N"
    return _UNITS["p"] if column.startswith("p") else _UNITS.get(column[:3], "")


class LslOutlets:
    """One LSL outlet per device and one for the steps.

    Parameters
    ----------
    step_columns
        The steps table's numeric columns sent on the steps outlet (default:
        the contract's numeric columns, :data:`footfall.model.STEP_COLUMNS`), after
        ``ic_s`` and ``side`` (0 left, 1 right).
    """

    def __init__(self, step_columns: Sequence[str] | None = None):
        self.lsl = import_pylsl()
        if step_columns is None:
            from footfall.model import STEP_COLUMNS

            step_columns = [c for c, dtype in STEP_COLUMNS.items() if dtype == "float64"]
        self.step_columns = ("ic_s", "side", *[c for c in step_columns if c != "ic_s"])
        self.outlets: dict[str, Any] = {}
        self.offset_s: float | None = None
        info = self.lsl.StreamInfo(
            STEPS_OUTLET,
            "Markers",
            len(self.step_columns),
            self.lsl.IRREGULAR_RATE,
            "double64",
            STEPS_OUTLET,
        )
        chans = info.desc().append_child("channels")
        for c in self.step_columns:
            chans.append_child("channel").append_child_value("label", c)
        self.steps_outlet = self.lsl.StreamOutlet(info)

    def _outlet(self, d: DeviceInfo) -> Any:
        info = self.lsl.StreamInfo(
            f"footfall-{d.device_id}",
            "IMU" if d.kind == SensorKind.IMU else "Pressure",
            len(d.columns),
            float(d.fs_hz),
            "float32",
            d.device_id,
        )
        desc = info.desc()
        chans = desc.append_child("channels")
        for c in d.columns:
            ch = chans.append_child("channel")
            ch.append_child_value("label", c)
            ch.append_child_value("unit", _unit(c))
            ch.append_child_value(
                "type", "force" if c == "force_n" else "pressure" if c.startswith("p") else c[:3]
            )
        ff = desc.append_child("footfall")
        ff.append_child_value("device_id", d.device_id)
        ff.append_child_value("kind", d.kind.value)
        ff.append_child_value("side", d.side.value)
        if d.placement is not None:
            ff.append_child_value("placement", d.placement.value)
        if d.layout:
            ff.append_child_value("layout", d.layout)
        return self.lsl.StreamOutlet(info)

    def push(self, events: Sequence[Event]) -> None:
        """Send the blocks of these events (a device's outlet opens with its
        DeviceInfo)."""
        for e in events:
            if isinstance(e, DeviceInfo):
                if e.device_id not in self.outlets:
                    self.outlets[e.device_id] = self._outlet(e)
            elif isinstance(e, Block) and e.device_id in self.outlets and len(e.t_s):
                if self.offset_s is None:
                    self.offset_s = self.lsl.local_clock() - float(e.t_s[0])
                stamps = (np.asarray(e.t_s, dtype=float) + self.offset_s).tolist()
                values = np.asarray(e.values, dtype=np.float32).tolist()
                self.outlets[e.device_id].push_chunk(values, stamps)

    def push_steps(self, rows: Any) -> None:
        """Send step rows (a DataFrame of the steps table's columns)."""
        if rows is None or not len(rows) or self.offset_s is None:
            return
        data = np.full((len(rows), len(self.step_columns)), np.nan)
        for i, c in enumerate(self.step_columns):
            if c == "side":
                data[:, i] = np.where(rows["side"].astype(str) == Side.LEFT.value, 0.0, 1.0)
            elif c in rows.columns:
                data[:, i] = np.asarray(rows[c], dtype=float)
        ok = np.isfinite(data[:, 0])
        for row in data[ok]:
            self.steps_outlet.push_sample(row.tolist(), float(row[0]) + self.offset_s)

    def close(self) -> None:
        """Close every outlet."""
        self.outlets.clear()
        self.steps_outlet = None


def _text(el: Any, name: str) -> str:
    return str(el.child_value(name) or "").strip()


def _channels(info: Any) -> tuple[list[str], list[str]]:
    """Channel labels and units from a stream's description."""
    labels, units = [], []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        labels.append(_text(ch, "label"))
        units.append(_text(ch, "unit"))
        ch = ch.next_sibling("channel")
    return labels, units


def device_info(info: Any) -> tuple[DeviceInfo, np.ndarray]:
    """The DeviceInfo of an LSL stream, and the factor to SI of each channel.

    Raises
    ------
    FootfallError
        When the channels are not footfall's columns, a unit is unknown, or
        the side cannot be told.
    """
    name = info.name()
    labels, units = _channels(info)
    if len(labels) != info.channel_count() or not all(labels):
        raise FootfallError(
            f"LSL stream {name!r} does not label its {info.channel_count()} channels",
            fix="label them acc_x acc_y acc_z gyr_x gyr_y gyr_z (an IMU) or p1 .. pN "
            "(an insole) in the stream's desc/channels",
        )
    cells = [c for c in labels if c.startswith("p") and c[1:].isdigit()]
    if set(IMU_COLUMNS) <= set(labels) and len(labels) == len(IMU_COLUMNS):
        kind = SensorKind.IMU
    elif cells and len(cells) == len([c for c in labels if c != "force_n"]):
        kind = SensorKind.INSOLE
    else:
        raise FootfallError(
            f"LSL stream {name!r} has channels {', '.join(labels)}: neither an IMU's nor an "
            "insole's",
            fix="label an IMU's channels acc_x .. gyr_z, an insole's p1 .. pN (and force_n)",
        )
    factors = np.ones(len(labels))
    for i, (c, u) in enumerate(zip(labels, units, strict=True)):
        key = u.lower().replace(" ", "") or _unit(c).lower()
        if key not in _TO_SI:
            raise FootfallError(
                f"LSL stream {name!r}, channel {c}: unit {u!r} is not one footfall reads",
                fix="send m/s^2 or g, rad/s or deg/s, kPa, N",
            )
        factors[i] = _TO_SI[key]
    ff = info.desc().child("footfall")
    side_text = _text(ff, "side") if not ff.empty() else ""
    if not side_text:
        low = name.lower()
        side_text = "left" if "left" in low else "right" if "right" in low else ""
    if side_text not in ("left", "right"):
        raise FootfallError(
            f"LSL stream {name!r} does not say which foot it is on",
            fix="put left or right in the stream's name, or a footfall/side element in its desc",
        )
    placement = None
    if kind == SensorKind.IMU:
        p = _text(ff, "placement") if not ff.empty() else ""
        placement = Placement(p) if p in {x.value for x in Placement} else Placement.FOOT
    device = (_text(ff, "device_id") if not ff.empty() else "") or f"lsl-{name}"
    d = DeviceInfo(
        device_id=device,
        kind=kind,
        side=Side(side_text),
        placement=placement,
        fs_hz=float(info.nominal_srate()),
        columns=tuple(labels),
        layout=(_text(ff, "layout") or None) if not ff.empty() else None,
        firmware="lsl",
        meta={"lsl_name": name, "lsl_source_id": info.source_id()},
    )
    if not d.fs_hz > 0:
        raise FootfallError(
            f"LSL stream {name!r} has no regular sample rate",
            fix="footfall reads sampled sensor streams (nominal_srate > 0)",
        )
    return d, factors


class LslSource:
    """LSL streams as a live source (:class:`footfall.devices.base.Source`).

    Parameters
    ----------
    names
        The streams' names.
    timeout_s
        How long to look for each stream when opening.
    session_start
        The session's start on ``time.monotonic`` (as the serial sources
        take it), so LSL samples share the session axis with other sources;
        None: the session starts at the first sample received.
    """

    def __init__(
        self, names: Sequence[str], *, timeout_s: float = 5.0, session_start: float | None = None
    ):
        self.names = list(names)
        self.timeout_s = float(timeout_s)
        self.session_start = session_start
        self.lsl = import_pylsl()
        self._inlets: list[tuple[Any, DeviceInfo, np.ndarray]] = []
        self._pending: list[Event] = []
        self._t0: float | None = None
        self._last: dict[str, float] = {}
        self._seq: dict[str, int] = {}

    def open(self) -> None:
        for name in self.names:
            found = self.lsl.resolve_byprop("name", name, timeout=self.timeout_s)
            if not found:
                raise FootfallError(
                    f"no LSL stream named {name!r} within {self.timeout_s:g} s",
                    fix="start the stream first; check that both programs use the same "
                    "LSL configuration (LSLAPICFG) and network",
                )
            inlet = self.lsl.StreamInlet(
                found[0], max_buflen=360, processing_flags=self.lsl.proc_clocksync
            )
            info = inlet.info(timeout=self.timeout_s)
            d, factors = device_info(info)
            inlet.open_stream(timeout=self.timeout_s)
            self._inlets.append((inlet, d, factors))
            self._pending.append(d)
            self._seq[d.device_id] = 0
        if self.session_start is not None:
            import time

            # LSL's clock at the session's start
            self._t0 = self.lsl.local_clock() - (time.monotonic() - self.session_start)

    def poll(self, timeout_s: float = 0.1) -> list[Event]:
        out, self._pending = self._pending, []
        for inlet, d, factors in self._inlets:
            samples, stamps = inlet.pull_chunk(timeout=0.0)
            if not stamps:
                continue
            ts = np.asarray(stamps, dtype=float)
            if self._t0 is None:
                self._t0 = float(ts[0])
            t = ts - self._t0
            values = np.asarray(samples, dtype=float) * factors
            period = 1.0 / d.fs_hz
            prev = self._last.get(d.device_id)
            # a jump between two samples (the first against the last one
            # polled before) of over 1.5 periods: the samples between are missing
            full = t if prev is None else np.concatenate([[prev], t])
            lead = 0 if prev is None else 1
            start = 0
            for k in np.flatnonzero(np.diff(full) > 1.5 * period):
                cut = int(k) + 1 - lead  # index in t of the first sample after the jump
                if cut > start:
                    out.append(self._block(d, t[start:cut], values[start:cut]))
                before = float(full[k])
                n = max(1, int(round((t[cut] - before) / period)) - 1)
                out.append(Gap(d.device_id, before + period, float(t[cut]) - period, n, "sequence"))
                start = cut
            out.append(self._block(d, t[start:], values[start:]))
            self._last[d.device_id] = float(t[-1])
        if not out and timeout_s > 0:
            import time

            time.sleep(min(timeout_s, 0.01))
        return out

    def _block(self, d: DeviceInfo, t: np.ndarray, v: np.ndarray) -> Block:
        self._seq[d.device_id] += 1
        return Block(d.device_id, t, v, self._seq[d.device_id], float(t[-1]))

    def status(self) -> list[Status]:
        """Link status of each stream."""
        return [Status(d.device_id, connected=True) for _, d, _ in self._inlets]

    def close(self) -> None:
        for inlet, _, _ in self._inlets:
            inlet.close_stream()
        self._inlets = []

    @property
    def finished(self) -> bool:
        return False
