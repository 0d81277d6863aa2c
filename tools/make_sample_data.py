"""Build ``sample_data/gaitmap_walk/`` from the gaitmap example recording.

Reads the raw-sensor-frame example walk of mad-lab-fau/gaitmap (MIT) from the
shared data folder (``../shared/data/gaitmap_example`` or
``$FOOTFALL_SHARED_DATA/gaitmap_example``) and writes it as a canonical
footfall recording folder, with the motion-capture reference events and stride
lengths next to it and the upstream licence.

Usage::

    python3 tools/make_sample_data.py [--out sample_data/gaitmap_walk]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "bench"))
sys.path.insert(0, str(REPO_ROOT / "src"))

import datasets  # noqa: E402

from footfall.io import write_recording  # noqa: E402

MIT_START = "MIT License"


def mit_licence_text(upstream_licence: str) -> str:
    """The MIT part of gaitmap's two-part licence file (the part that covers
    everything outside the gaitmap_mad package, the example data included)."""
    start = upstream_licence.index(MIT_START)
    return upstream_licence[start:].strip() + "\n"


def build(out: Path) -> Path:
    """Write the sample recording folder; return its recording.json path."""
    data_dir = datasets.shared_data_dir()
    if data_dir is None:
        raise SystemExit(f"shared data folder not found; set {datasets.ENV_VAR}")
    example = datasets.load_gaitmap_example(data_dir)
    json_path = write_recording(example.recording, out, fmt="csv", overwrite=True)
    example.events.to_csv(out / "reference_events.csv", index=False)
    example.strides.to_csv(out / "reference_strides.csv", index=False)
    upstream = (data_dir / "gaitmap_example" / "LICENSE_gaitmap_repo.txt").read_text()
    (out / "LICENSE").write_text(mit_licence_text(upstream))
    return json_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "sample_data" / "gaitmap_walk",
        help="destination folder (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    print(build(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
