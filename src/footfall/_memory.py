"""Keep freed memory in the process for the next large array (glibc only).

The analysis of a long recording makes many large temporary arrays, one
after the other. By default glibc hands each block above 128 kB (the
threshold grows to at most 32 MB as blocks are freed) straight back to the
operating system when it is freed, so the next array of that size is faulted
in page by page again: on an hour of two foot IMUs that costs more system
time than the reading of the files. ``footfall analyze`` is a short-lived
process, so it asks glibc (``mallopt``) to serve large blocks from its heap
and keep freed memory for reuse. Peak memory does not change; memory freed
before the peak is reused rather than returned and requested again.

Between the streams of a recording, :func:`hand_back_freed_memory` returns
what the last stream's analysis freed (``malloc_trim``), so that the memory
kept for reuse is one stream's working set, not the largest of all of them
plus what the reading of the next file asks of other allocators (Arrow's).

Elsewhere (macOS, Windows, musl) this does nothing.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "MMAP_THRESHOLD",
    "TOP_PAD",
    "hand_back_freed_memory",
    "reuse_freed_memory",
]


_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2
_M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 1 << 30
"""Blocks below this many bytes come from the heap, not from mmap."""

TOP_PAD = 64 << 20
"""Extra bytes asked of the system whenever the heap grows."""


def _libc() -> Any:
    """glibc through ctypes, or None elsewhere."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
    except (ValueError, OSError, AttributeError):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def hand_back_freed_memory() -> bool:
    """Return the heap's free memory to the system (glibc ``malloc_trim``);
    True when it was done. For the end of a large piece of work whose
    temporaries will not be needed again soon."""
    libc = _libc()
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return False
    import ctypes

    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True


def reuse_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse; True when it was done."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
    except (ValueError, OSError, AttributeError):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    ok &= mallopt(_M_TRIM_THRESHOLD, 2**31 - 1) == 1
    ok &= mallopt(_M_TOP_PAD, TOP_PAD) == 1
    return bool(ok)
