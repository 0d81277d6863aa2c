"""The numbered examples and the Python snippets of the README and docs run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("[0-9][0-9]_*.py"))


def _run(script: Path, *args: str) -> str:
    r = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return r.stdout


def test_there_are_numbered_examples() -> None:
    names = [p.name[:2] for p in EXAMPLES]
    assert names == [f"{i:02d}" for i in range(1, len(names) + 1)] and len(names) >= 4


def test_01_one_call_analysis() -> None:
    out = _run(ROOT / "examples" / "01_analyze_a_run.py")
    n, left, right = map(int, re.search(r"(\d+) steps \((\d+) left, (\d+) right\)", out).groups())
    assert n == left + right > 40
    assert "contact_ms" in out and "last third vs first" in out


def test_02_researcher_chain_finds_the_strides() -> None:
    out = _run(ROOT / "examples" / "02_researcher_chain.py")
    strides = int(re.search(r"1\. (\d+) strides", out).group(1))
    contacts = int(re.search(r"4\. (\d+) initial contacts", out).group(1))
    assert strides > 20 and contacts == strides
    assert "5. steps table" in out


def test_03_simulate_and_score_matches_nearly_every_step() -> None:
    out = _run(ROOT / "examples" / "03_simulate_and_score.py")
    true_n, found = map(int, re.search(r"(\d+) true steps, (\d+) analysed", out).groups())
    matched = int(re.search(r"(\d+) steps matched", out).group(1))
    assert matched >= 0.95 * true_n and abs(found - true_n) <= 4
    rows = dict(re.findall(r"^(contact_ms)\s+\S+\s+(\S+)", out, flags=re.M))
    assert float(rows["contact_ms"]) < 10.0  # ms, mean absolute error


def test_04_replay_gives_the_offline_steps() -> None:
    out = _run(ROOT / "examples" / "04_replay_as_live.py")
    live, offline = map(int, re.search(r"live: (\d+) steps; offline: (\d+) steps", out).groups())
    assert live == offline > 40


def _python_blocks(doc: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("doc", ["README.md", "docs/simulation.md", "docs/rules.md"])
def test_python_snippets_of_the_docs_run(doc: str, tmp_path: Path, monkeypatch) -> None:
    blocks = _python_blocks(ROOT / doc)
    assert blocks, f"{doc} has no python snippet"
    # relative paths in the snippets are those of a clone's root; anything
    # they write goes to a scratch folder
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    (tmp_path / "symptoms.toml").write_text(  # what `footfall symptoms` writes
        'format = "footfall-symptoms/1"\nfoot = "both"\nlocations = ["toes"]\nonset_min = 20\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        ns: dict = {}
        exec(compile(code, f"{doc} snippet", "exec"), ns)  # noqa: S102 - our own docs
        for value in ns.values():
            if isinstance(value, pd.DataFrame):
                assert len(value) > 0
        if "result" in ns:
            assert len(ns["result"].steps) > 40
            assert "contact_ms" in ns["result"].summary["metrics"]
        if "truth" in ns:
            assert (tmp_path / "runs" / "op" / "recording.json").exists()
