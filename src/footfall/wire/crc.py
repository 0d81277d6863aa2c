"""CRC-16/CCITT-FALSE, the frame check of the footfall wire protocol.

Width 16, polynomial 0x1021, initial value 0xFFFF, no reflection, no final
XOR (catalogued as CRC-16/IBM-3740). The CRC of ``b"123456789"`` is 0x29B1.
"""

from __future__ import annotations

import binascii

__all__ = [
    "CRC16_CHECK",
    "CRC16_INIT",
    "crc16",
]


CRC16_INIT = 0xFFFF
CRC16_CHECK = 0x29B1
"""CRC of the ASCII bytes ``123456789``: the catalogue's check value."""


def crc16(data: bytes | bytearray | memoryview, crc: int = CRC16_INIT) -> int:
    """CRC-16/CCITT-FALSE of ``data``.

    Parameters
    ----------
    data
        The bytes to check.
    crc
        Running value to continue from (default: the initial value 0xFFFF).

    Returns
    -------
    int
        The 16-bit CRC.

    Examples
    --------
    >>> hex(crc16(b"123456789"))
    '0x29b1'
    """
    # binascii.crc_hqx is this CRC (poly 0x1021, MSB first) with a given start value.
    return binascii.crc_hqx(data, crc)
