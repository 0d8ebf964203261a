"""``python -m offlinerl``: see :mod:`offlinerl.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
