#!/bin/sh
# Load benchmark of GET /api/data: waitress serving a seeded SQLite database, wrk with
# 2 threads and 50 connections for 30 s (override with DURATION=10s CONNECTIONS=50).
#
#   bench/bench_wrk.sh            # needs wrk (Debian: apt-get install wrk)
#
# Prints wrk's report, then requests/s and the error count (non-2xx answers + socket errors).
# Exits non-zero when there were errors. Not a timed test: the numbers depend on the machine.
set -eu

PYTHON=${PYTHON:-python3}
WRK=${WRK:-wrk}
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}

command -v "$WRK" >/dev/null 2>&1 || { echo "wrk not found (apt-get install wrk)" >&2; exit 2; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/bench-wrk.XXXXXX")
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# Seed: a config, one day of 10-second readings, a user and a read-only API token.
"$PYTHON" - "$DIR" <<'EOF'
import socket, sys, time
from pathlib import Path
from dashboard.store import Sample, Store
from dashboard.web.auth import new_api_token

folder = Path(sys.argv[1])
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
(folder / "config.toml").write_text(
    '[meter]\ntimezone = "Europe/Zurich"\n'
    f'[database]\nurl = "sqlite:///{folder / "bench.db"}"\n'
    f'[web]\nhost = "127.0.0.1"\nport = {port}\n'
)
store = Store.open(f"sqlite:///{folder / 'bench.db'}")
meter = store.ensure_meter("1909113", "Maison", "Europe/Zurich")
now = int(time.time()) // 10 * 10
samples = [
    Sample(ts, {"active_energy_import": 1e6 + i, "active_power_import": 800.0 + i % 50,
                "voltage_l1": 230.0}, None, [("1-0:1.8.0", 1e6 + i, "Wh")])
    for i, ts in enumerate(range(now - 86400, now, 10))
]
store.add_readings(meter, samples)
user = store.create_user("bench", "not-a-login-hash")
token, digest = new_api_token()
store.create_token(user, "wrk", digest)
store.close()
(folder / "token").write_text(token)
(folder / "port").write_text(str(port))
EOF

TOKEN=$(cat "$DIR/token")
PORT=$(cat "$DIR/port")

"$PYTHON" -c '
import sys
from dashboard.config import Config
from dashboard.store import Store
from dashboard.web.server import serve
config = Config.load(sys.argv[1])
serve(config, Store.open(config.database.url))
' "$DIR/config.toml" >"$DIR/server.log" 2>&1 &
SERVER_PID=$!

# wait for the server (at most 20 s)
i=0
until "$PYTHON" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/api/health', timeout=1)" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 80 ]; then echo "the server did not start:" >&2; cat "$DIR/server.log" >&2; exit 1; fi
    sleep 0.25
done

echo "GET /api/data with $CONNECTIONS connections, $THREADS wrk threads, $DURATION"
"$WRK" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/data" | tee "$DIR/wrk.out"

RPS=$(awk '/^Requests\/sec:/ {print $2}' "$DIR/wrk.out")
NON2XX=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$DIR/wrk.out")
SOCKET=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$DIR/wrk.out")
ERRORS=$(( ${NON2XX:-0} + ${SOCKET:-0} ))
echo
echo "requests/s: $RPS"
echo "errors: $ERRORS (non-2xx: ${NON2XX:-0}, socket: ${SOCKET:-0})"
[ "$ERRORS" -eq 0 ]
