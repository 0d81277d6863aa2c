"""``python -m footfall``: the same as the ``footfall`` command."""

import sys

from footfall.cli import main

__all__: list[str] = []


if __name__ == "__main__":
    sys.exit(main())
