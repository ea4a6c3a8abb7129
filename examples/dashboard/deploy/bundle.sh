#!/usr/bin/env bash
# Build the single-file dashboard executable with PyInstaller.
#
#   examples/dashboard/deploy/bundle.sh OUTDIR [COMPTEUR_WHEEL]
#
# With a compteur wheel (the release build of `make wheel`), a fresh virtual environment is
# made with PYTHON (default python3, the version the wheel is for) and gets the wheel, the
# dashboard's runtime requirements (the lines of requirements.txt before "# Tests") and the
# pinned PyInstaller of requirements-bundle.txt: the bundle holds nothing else. Without one,
# PYTHON itself is used as it is: it must have the dashboard's requirements and compteur
# (`make dashboard-setup` does that for .venv; its compteur is a debug build, so the bundle is
# larger and slower), PyInstaller is added to it if missing.
# The dashboard itself always comes from this source tree; the vendored Chart.js must be in
# place (npm ci + scripts/vendor.py). The result is OUTDIR/compteur-dashboard; the build time
# and the size are printed at the end.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 OUTDIR [COMPTEUR_WHEEL]" >&2
    exit 2
fi
PY=${PYTHON:-python3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dash=$(dirname "$here")
mkdir -p "$1"
out=$(cd "$1" && pwd)
if [ ! -f "$dash/dashboard/web/static/vendor/chart.umd.js" ]; then
    echo "error: Chart.js is not vendored: run 'npm ci' and '$PY scripts/vendor.py' in $dash" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ $# -eq 2 ]; then
    wheel=$2
    if [ ! -f "$wheel" ]; then
        echo "error: no wheel $wheel (make wheel builds it)" >&2
        exit 1
    fi
    "$PY" -m venv "$work/venv"
    PY="$work/venv/bin/python"
    sed -n '1,/^# Tests/p' "$dash/requirements.txt" >"$work/runtime.txt"
    "$PY" -m pip install --quiet --disable-pip-version-check "$wheel" -r "$work/runtime.txt"
fi

if ! PYTHONPATH="$dash" "$PY" -c "import compteur, dashboard" 2>/dev/null; then
    echo "error: $PY cannot import compteur and dashboard: run 'make dashboard-setup' first" >&2
    exit 1
fi
"$PY" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-bundle.txt"

start=$(date +%s)
PYTHONPATH="$dash${PYTHONPATH:+:$PYTHONPATH}" "$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$out" --workpath "$work/build" "$here/compteur-dashboard.spec"
end=$(date +%s)
bin="$out/compteur-dashboard"
size=$(stat -c %s "$bin")
echo "bundle: $bin ($((size / 1024 / 1024)) MiB, $size bytes) built in $((end - start)) s"
