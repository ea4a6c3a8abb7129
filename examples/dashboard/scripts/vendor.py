#!/usr/bin/env python3
"""Copy the front-end libraries from ``node_modules`` into the dashboard's static files.

The dashboard serves Chart.js itself (no CDN), so that it works offline, for example on a
Raspberry Pi without internet access. Run ``npm ci`` in ``examples/dashboard`` first (it
installs the exact version pinned by ``package-lock.json``), then this script::

    npm ci
    python3 scripts/vendor.py

The files land in ``dashboard/web/static/vendor/`` (ignored by git). The script checks that
the installed version is the one pinned in ``package-lock.json`` and exits with a message and
status 1 when something is missing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (package, file inside the package, name under static/vendor/)
FILES: tuple[tuple[str, str, str], ...] = (
    ("chart.js", "dist/chart.umd.js", "chart.umd.js"),
    ("chart.js", "LICENSE.md", "chart.js-LICENSE.md"),
    # chart.umd.js bundles @kurkle/color (MIT): its licence travels with it.
    ("@kurkle/color", "LICENSE.md", "kurkle-color-LICENSE.md"),
)


class VendorError(Exception):
    """A library is missing or not at the version pinned by package-lock.json."""


def pinned_version(root: Path, package: str) -> str:
    """Return the version of ``package`` pinned in ``root/package-lock.json``."""
    lock_path = root / "package-lock.json"
    try:
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VendorError(f"cannot read {lock_path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise VendorError(f"{lock_path} is not valid JSON: {exc}") from exc
    entry = lock.get("packages", {}).get(f"node_modules/{package}")
    if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
        raise VendorError(f"{package} is not pinned in {lock_path}")
    return str(entry["version"])


def installed_version(root: Path, package: str) -> str:
    """Return the version of ``package`` installed in ``root/node_modules``."""
    manifest = root / "node_modules" / package / "package.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except OSError as exc:
        raise VendorError(
            f"{package} is not installed ({manifest}: {exc.strerror}); run `npm ci` in {root}"
        ) from exc
    except ValueError as exc:
        raise VendorError(f"{manifest} is not valid JSON: {exc}") from exc
    return str(data.get("version", ""))


def vendor(root: Path = ROOT, dest: Path | None = None) -> list[Path]:
    """Copy every file of :data:`FILES` into ``dest`` (default ``static/vendor``).

    Returns the written paths. Raises :class:`VendorError` when a package is missing or its
    installed version differs from the pinned one.
    """
    target = dest if dest is not None else root / "dashboard" / "web" / "static" / "vendor"
    for package in sorted({p for p, _, _ in FILES}):
        want = pinned_version(root, package)
        have = installed_version(root, package)
        if want != have:
            raise VendorError(
                f"{package} {have} is installed but package-lock.json pins {want}; run `npm ci`"
            )
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for package, relative, name in FILES:
        source = root / "node_modules" / package / relative
        if not source.is_file():
            raise VendorError(f"{source} is missing; run `npm ci` in {root}")
        out = target / name
        shutil.copyfile(source, out)
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dest", type=Path, default=None, help="target folder")
    args = parser.parse_args(argv)
    try:
        written = vendor(ROOT, args.dest)
    except VendorError as exc:
        print(f"vendor.py: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"vendored {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
