"""Benchmark: ``/api/readings`` for one year of 15-minute data (35,040 points).

Seeds a SQLite database with a year of 15-minute aggregates (2026, meter in Europe/Zurich,
through both DST changes), then times ``GET /api/readings?from=2026-01-01&to=2026-12-31&
resolution=15m`` (two quantities) through the Flask test client and through waitress over a
real socket, and prints the median and the best of several runs. The goal is 200 ms or less.

    python bench/bench_api.py [--runs 15] [--db PATH]

Not a timed test: the numbers depend on the machine (report them with its description).
"""

from __future__ import annotations

import argparse
import gc
import http.client
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, List, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from dashboard.config import Config
from dashboard.models import AggregateRow
from dashboard.quantities import COUNTERS, INSTANTS
from dashboard.store import Sample, Store
from dashboard.web import create_app
from dashboard.web.auth import new_api_token
from dashboard.web.server import GC_THRESHOLD, make_server, stop, tune_gc

ZONE = ZoneInfo("Europe/Zurich")
URL = "/api/readings?from=2026-01-01&to=2026-12-31&resolution=15m"
POINTS = 35_040


def seed(store: Store) -> int:
    """A year of 15-minute aggregates (written directly: the benchmark is about reading)."""
    meter_id = store.ensure_meter("1909113", "Maison", "Europe/Zurich")
    start = int(datetime(2026, 1, 1, tzinfo=ZONE).timestamp())
    rows = []
    for i in range(POINTS):
        s = start + 900 * i
        row = {"meter_id": meter_id, "resolution": "15m", "start": s, "end": s + 900,
               "samples": 90, "complete": True}
        for name in COUNTERS:
            row[name] = 100.0 + (i % 96)
        for name in INSTANTS:
            row[name] = 230.0 + (i % 7)
            row[name + "_max"] = 240.0
        rows.append(row)
    with store.engine.begin() as conn:
        for k in range(0, len(rows), 5000):
            conn.execute(insert(AggregateRow.__table__), rows[k:k + 5000])
    last = start + 900 * POINTS
    store.add_readings(meter_id, [Sample(last, {"active_power_import": 500.0})])
    return meter_id


def timed(fn: Callable[[], int], runs: int) -> Tuple[List[float], List[float]]:
    """Wall-clock and process CPU milliseconds of ``runs`` calls (after one warm-up call).

    The CPU time of this process (the server threads run in it too) is what the request costs
    on an otherwise idle machine; the wall time also counts waiting for a busy CPU.
    """
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        size = fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert size > 0
    return wall, cpu


def report(label: str, ms: Tuple[List[float], List[float]]) -> None:
    wall, cpu = ms
    print(f"{label:<26} wall: median {statistics.median(wall):6.1f} ms, best {min(wall):6.1f} ms"
          f"  |  CPU: median {statistics.median(cpu):6.1f} ms, best {min(cpu):6.1f} ms"
          f"  ({len(wall)} runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: a temp dir)")
    parser.add_argument("--default-gc", action="store_true",
                        help="keep Python's garbage-collector thresholds (the server tunes them)")
    args = parser.parse_args()
    if args.default_gc:
        import dashboard.web.server as server_module

        server_module.GC_THRESHOLD = gc.get_threshold()
        print(f"garbage collector: Python's default thresholds {gc.get_threshold()}")
    else:
        tune_gc()
        print(f"garbage collector: the server's thresholds {GC_THRESHOLD}")
    try:
        print(f"load average: {' '.join(f'{x:.2f}' for x in __import__('os').getloadavg())}")
    except OSError:
        pass
    folder = Path(tempfile.mkdtemp(prefix="bench-api-"))
    db = args.db or folder / "bench.db"
    store = Store.open(f"sqlite:///{db}")
    if not store.meters():
        t0 = time.perf_counter()
        seed(store)
        print(f"seeded {POINTS} aggregates in {time.perf_counter() - t0:.1f} s")
    user_id = store.user_by_name("bench").id if store.user_by_name("bench") else \
        store.create_user("bench", "unused-hash")
    token, digest = new_api_token()
    store.create_token(user_id, "bench", digest)
    config = Config.from_dict({"web": {"secret_key_file": "secret_key"}},
                              path=folder / "config.toml")
    headers = {"Authorization": f"Bearer {token}"}

    app = create_app(config, store)
    client = app.test_client()
    first = client.get(URL, headers=headers)
    body = first.get_json()
    assert first.status_code == 200, first.get_data(as_text=True)
    assert len(body["time"]) == POINTS, len(body["time"])
    print(f"{URL}: {len(body['time'])} points, {len(first.get_data())} bytes")

    def via_test_client() -> int:
        return len(client.get(URL, headers=headers).get_data())

    report("WSGI test client", timed(via_test_client, args.runs))

    def store_only() -> int:
        from datetime import timezone
        s = datetime(2026, 1, 1, tzinfo=ZONE).astimezone(timezone.utc)
        e = datetime(2027, 1, 1, tzinfo=ZONE).astimezone(timezone.utc)
        return len(store.series(1, s, e, "15m", ["active_energy_import", "active_energy_export"],
                                100_000).times)

    report("  of which Store.series", timed(store_only, args.runs))

    server = make_server(config, store, port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    port = int(server.effective_port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def via_waitress() -> int:
            conn.request("GET", URL, headers=headers)
            response = conn.getresponse()
            data = response.read()
            assert response.status == 200
            return len(data)

        report("waitress (keep-alive)", timed(via_waitress, args.runs))
        conn.close()
    finally:
        stop(server)
        thread.join(10)
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
