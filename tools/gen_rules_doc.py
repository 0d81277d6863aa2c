"""Write docs/rules.md from the shipped rules file (src/footfall/rules/rules.toml).

Usage::

    python tools/gen_rules_doc.py           # rewrite docs/rules.md
    python tools/gen_rules_doc.py --check   # exit 1 if docs/rules.md is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def main(argv: list[str] | None = None) -> int:
    from footfall.rules.doc import render_markdown
    from footfall.rules.ruleset import load_rules

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only compare; exit 1 when docs/rules.md differs"
    )
    parser.add_argument(
        "--out", type=Path, default=DOC, help="where to write (default docs/rules.md)"
    )
    args = parser.parse_args(argv)
    text = render_markdown(load_rules())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date: run python tools/gen_rules_doc.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
