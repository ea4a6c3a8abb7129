"""Entry point of the single-file executable built by ``bundle.sh`` (PyInstaller).

The executable is ``compteur-dashboard`` with the same subcommands as ``python -m dashboard``.
"""

from __future__ import annotations

import multiprocessing
import sys

from dashboard.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
