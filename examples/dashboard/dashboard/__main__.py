"""``python -m dashboard``: the command line (see :mod:`dashboard.cli`)."""

from dashboard.cli import main

raise SystemExit(main())
