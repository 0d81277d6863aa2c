"""``python -m footfall``: the same as the ``footfall`` command."""

import sys

from footfall.cli import main

if __name__ == "__main__":
    sys.exit(main())
