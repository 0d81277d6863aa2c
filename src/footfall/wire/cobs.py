"""Consistent Overhead Byte Stuffing (COBS) for serial framing.

COBS rewrites a frame so that it holds no 0x00 byte, at a cost of at most one
byte per 254 plus one, so 0x00 can delimit frames on a byte stream.

References
----------
S. Cheshire and M. Baker, "Consistent Overhead Byte Stuffing", IEEE/ACM
Transactions on Networking 7(2):159-172, 1999.
"""

from __future__ import annotations

__all__ = [
    "CobsError",
    "cobs_decode",
    "cobs_encode",
]


class CobsError(ValueError):
    """The bytes are not a valid COBS encoding."""


def cobs_encode(data: bytes | bytearray | memoryview) -> bytes:
    """COBS-encode ``data`` (no delimiter added).

    Parameters
    ----------
    data
        Any bytes.

    Returns
    -------
    bytes
        The encoding; it contains no 0x00.

    Examples
    --------
    >>> cobs_encode(b"\\x11\\x22\\x00\\x33").hex()
    '0311220233'
    """
    data = bytes(data)
    out = bytearray()
    n = len(data)
    start = 0
    while True:
        # the next run of up to 254 non-zero bytes
        zero = data.find(b"\x00", start, start + 254)
        if zero < 0:
            end = min(start + 254, n)
            out.append(end - start + 1)
            out += data[start:end]
            if end == n:
                break
            start = end  # a full 254-byte run: no zero implied, continue
        else:
            out.append(zero - start + 1)
            out += data[start:zero]
            start = zero + 1
            if start == n:
                out.append(1)
                break
    return bytes(out)


def cobs_decode(data: bytes | bytearray | memoryview) -> bytes:
    """Decode one COBS-encoded frame (without its 0x00 delimiter).

    Parameters
    ----------
    data
        The encoded bytes.

    Returns
    -------
    bytes
        The original frame.

    Raises
    ------
    CobsError
        If ``data`` is empty, holds a 0x00 or a block runs past its end.
    """
    data = bytes(data)
    n = len(data)
    if n == 0:
        raise CobsError("empty COBS frame")
    if b"\x00" in data:
        raise CobsError("0x00 inside a COBS frame")
    out = bytearray()
    i = 0
    while i < n:
        code = data[i]
        end = i + code
        if end > n:
            raise CobsError("COBS block runs past the end of the frame")
        out += data[i + 1 : end]
        i = end
        if code < 0xFF and i < n:
            out.append(0)
    return bytes(out)
