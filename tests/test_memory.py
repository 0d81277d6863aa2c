"""footfall analyze keeps freed memory for the next large array (glibc)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

CODE = """
import resource, sys
import numpy as np
if sys.argv[1] == "reuse":
    from footfall._memory import reuse_freed_memory
    assert reuse_freed_memory()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
a = np.ones(8_000_000); del a  # 64 MB, allocated and freed once
f0 = faults()
for _ in range(5):
    a = np.ones(8_000_000); del a
print(faults() - f0)
"""


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):
        return False


def _faults(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", CODE, mode], capture_output=True, text=True, check=True, cwd=REPO
    )
    return int(out.stdout.strip())


@pytest.mark.skipif(not _glibc(), reason="glibc's mallopt only")
def test_freed_large_arrays_are_reused_not_faulted_in_again():
    default, reuse = _faults("default"), _faults("reuse")
    # by default each new 64 MB array is mapped afresh and faulted in
    assert default > 100
    # kept in the heap, the same memory serves the next array
    assert reuse < default / 10


def test_reuse_is_a_no_op_without_glibc(monkeypatch):
    from footfall import _memory

    def no_libc(name):
        raise ValueError(name)

    monkeypatch.setattr(_memory.os, "confstr", no_libc)
    assert _memory.reuse_freed_memory() is False
