"""Lab Streaming Layer: footfall's outlets and its LSL source, on loopback only.

Each check runs tests/lsl_roundtrip.py in a child process whose LSL
configuration (LSLAPICFG) keeps stream discovery on this machine, inside a
private network namespace (only a loopback interface) where the system
allows one: nothing is sent to or found from the network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _lsl_usable() -> str | None:
    """Why LSL cannot run here (None when it can)."""
    r = subprocess.run(
        [sys.executable, "-c", "import pylsl; pylsl.local_clock()"],
        capture_output=True,
        text=True,
    )
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["?"])[-1]


WHY_NOT = _lsl_usable()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=f"pylsl/liblsl unusable: {WHY_NOT}")


def _private_network() -> list[str]:
    """A command prefix running a child in a network namespace of its own
    with only loopback up, or [] where unprivileged namespaces are refused."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        return []
    probe = subprocess.run(
        ["unshare", "-rn", "sh", "-c", "ip link set lo up"], capture_output=True, text=True
    )
    return (
        ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$0" "$@"']
        if not probe.returncode
        else []
    )


def _run(tmp_path: Path, *args: str) -> dict:
    cfg = tmp_path / "lsl_api.cfg"
    cfg.write_text(
        "[ports]\nIPv6 = disable\n[multicast]\nResolveScope = machine\n"
        f"[lab]\nKnownPeers = {{127.0.0.1}}\nSessionID = footfall-test-{uuid.uuid4().hex}\n"
    )
    env = {**os.environ, "LSLAPICFG": str(cfg)}
    cmd = [*_private_network(), sys.executable, str(HERE / "lsl_roundtrip.py"), *args]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_every_sample_arrives_with_its_time_stamp(tmp_path: Path) -> None:
    got = _run(tmp_path)
    assert set(got["devices"]) == {
        "replay-left-foot",
        "replay-right-foot",
        "replay-left-insole",
        "replay-right-insole",
    }
    for name, d in got["devices"].items():
        assert d["received"] == d["sent"] > 1000, name
        assert d["max_time_error_s"] < 1e-6, name  # the sender's stamps, to the microsecond
        assert d["max_value_error"] < 1e-6, name  # float32 channels, as sent
        # kind, side, rate and channels from the stream's description
        kind, side, fs, cols = got["described"][name]
        assert [kind, side, cols] == [d["expected_described"][i] for i in (0, 1, 3)], name
        assert fs == pytest.approx(d["expected_described"][2], rel=1e-12), name
    assert got["gaps"] == []
    steps = got["steps"]
    assert steps["received"] == steps["sent"] > 30
    assert steps["max_ic_error_s"] == 0.0  # each step's contact time as its first channel
    assert steps["stamp_minus_ic_spread_s"] < 1e-6  # and stamped at that contact
    assert steps["columns"][:3] == ["ic_s", "side", "to_s"]


def test_footfall_live_records_lsl_streams(tmp_path: Path) -> None:
    """``footfall live --lsl-in`` (a child process) records every sample the
    outlets sent in real time, each stream as its foot."""
    got = _run(tmp_path, "cli", str(tmp_path / "cap"))
    assert got["returncode"] == 0, got["stderr"]
    assert got["recorded_sides"] == ["left", "right"]
    assert sorted(got["recorded"].values()) == sorted(got["sent"].values())
    assert got["first_values_equal"]


def test_no_such_stream_is_a_user_error(tmp_path: Path) -> None:
    cfg = tmp_path / "lsl_api.cfg"
    cfg.write_text("[multicast]\nResolveScope = machine\n[lab]\nSessionID = footfall-none\n")
    r = subprocess.run(
        [*_private_network(), sys.executable, "-m", "footfall", "live"]
        + ["--lsl-in", "no-such-stream", "-o", str(tmp_path / "cap"), "--no-view"],
        capture_output=True,
        text=True,
        env={**os.environ, "LSLAPICFG": str(cfg)},
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no LSL stream named 'no-such-stream'" in r.stderr
    assert not (tmp_path / "cap").exists()
