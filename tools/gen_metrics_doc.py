"""Write the column table of docs/metrics.md from the metric registry
(src/footfall/registry.py); the rest of the page is written by hand.

Usage::

    python tools/gen_metrics_doc.py           # rewrite the table in docs/metrics.md
    python tools/gen_metrics_doc.py --check   # exit 1 if the table is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


def main(argv: list[str] | None = None) -> int:
    from footfall.registry import with_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only compare; exit 1 when docs/metrics.md differs"
    )
    parser.add_argument(
        "--out", type=Path, default=DOC, help="where to write (default docs/metrics.md)"
    )
    args = parser.parse_args(argv)
    current = args.out.read_text(encoding="utf-8")
    text = with_table(current)
    if args.check:
        if current != text:
            print(
                f"{args.out} is out of date: run python tools/gen_metrics_doc.py", file=sys.stderr
            )
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
