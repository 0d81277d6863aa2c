"""Streaming serial deframer: bytes in, decoded frames out, never an exception.

Frames on a serial line are COBS-encoded and end with 0x00. The deframer
splits the incoming bytes at each 0x00, undoes COBS, checks the CRC and
decodes. Anything wrong (a bit flip, a lost byte, noise on the line, a frame
that never ends) costs only the frames it touches: decoding starts again
after the next 0x00.
"""

from __future__ import annotations

from dataclasses import dataclass

from footfall.wire.cobs import CobsError, cobs_decode
from footfall.wire.frames import MAX_FRAME_LEN, Frame, UnknownPayload, WireError, decode_frame

__all__ = [
    "Deframer",
    "DeframerStats",
    "MAX_ENCODED_LEN",
]


MAX_ENCODED_LEN = MAX_FRAME_LEN + MAX_FRAME_LEN // 254 + 1
"""Longest COBS-encoded frame; a longer run without 0x00 is discarded."""


@dataclass
class DeframerStats:
    """Counters since the deframer was made."""

    frames: int = 0
    """Frames decoded (including unknown types)."""
    corrupt: int = 0
    """Chunks dropped: bad COBS, bad CRC, bad length or payload, too long."""
    unsupported: int = 0
    """Frames of another protocol version."""
    unknown: int = 0
    """Frames of an unknown message type (returned, but to be skipped)."""
    bytes_in: int = 0
    bytes_dropped: int = 0


class Deframer:
    """Turn a serial byte stream into frames.

    Examples
    --------
    >>> d = Deframer()
    >>> frames = d.feed(chunk)          # doctest: +SKIP
    """

    def __init__(self, max_encoded_len: int = MAX_ENCODED_LEN):
        self.max_encoded_len = max_encoded_len
        self.stats = DeframerStats()
        self._buf = bytearray()
        self._overlong = False

    def reset(self) -> None:
        """Forget any partial frame (e.g. after a reconnect)."""
        self.stats.bytes_dropped += len(self._buf)
        self._buf.clear()
        self._overlong = False

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        """Add received bytes; return the frames they complete, in order.

        Never raises on any input: corrupt chunks are counted in :attr:`stats`.
        """
        out: list[Frame] = []
        data = bytes(data)
        self.stats.bytes_in += len(data)
        start = 0
        while True:
            zero = data.find(b"\x00", start)
            if zero < 0:
                self._append(data[start:])
                return out
            self._append(data[start:zero])
            chunk = bytes(self._buf)
            self._buf.clear()
            overlong = self._overlong
            self._overlong = False
            start = zero + 1
            if overlong:
                continue
            if chunk:
                frame = self._decode(chunk)
                if frame is not None:
                    out.append(frame)

    def _append(self, part: bytes) -> None:
        if self._overlong or not part:
            if self._overlong:
                self.stats.bytes_dropped += len(part)
            return
        self._buf += part
        if len(self._buf) > self.max_encoded_len:
            self.stats.corrupt += 1
            self.stats.bytes_dropped += len(self._buf)
            self._buf.clear()
            self._overlong = True

    def _decode(self, chunk: bytes) -> Frame | None:
        try:
            frame = decode_frame(cobs_decode(chunk))
        except CobsError:
            self.stats.corrupt += 1
            self.stats.bytes_dropped += len(chunk)
            return None
        except WireError as e:
            if e.reason == "version":
                self.stats.unsupported += 1
            else:
                self.stats.corrupt += 1
            self.stats.bytes_dropped += len(chunk)
            return None
        except Exception:  # noqa: BLE001 - a decoder bug must not stop capture
            self.stats.corrupt += 1
            self.stats.bytes_dropped += len(chunk)
            return None
        self.stats.frames += 1
        if isinstance(frame.payload, UnknownPayload):
            self.stats.unknown += 1
        return frame
