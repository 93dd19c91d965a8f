"""``python -m bench.run``: see bench.run."""

import sys

from bench.run.cli import main

if __name__ == "__main__":
    sys.exit(main())
