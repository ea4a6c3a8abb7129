"""Collector ingest speed: decode simulated E450 pushes and store them in SQLite.

    python bench/bench_ingest.py [--readings 50000] [--batch 500] [--db PATH]

The pushes (self-describing layout, 15 values, 5 s apart) are generated first and concatenated
into one byte stream, as the serial line would carry them. Timed: feeding the stream in 4 KiB
chunks to ``compteur.PushListener``, converting the readings, and the collector's write path
per batch (``Store.add_readings`` + ``Store.update_aggregates``), in WAL mode. Reports
readings per second for each step and overall. Not a test: numbers for the docs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import compteur

from dashboard.sources import reading_to_sample
from dashboard.store import Store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readings", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()

    sim = compteur.Simulator(seed=1, history_days=30)
    start = datetime.now(timezone.utc) - timedelta(days=20)
    t = time.perf_counter()
    stream = b"".join(sim.push_frames(at=start + timedelta(seconds=5 * i)) for i in range(args.readings))
    gen = time.perf_counter() - t
    print(f"generated {args.readings} pushes ({len(stream) / 1e6:.1f} MB) in {gen:.2f} s (not counted)")

    tmp = tempfile.TemporaryDirectory()
    db = args.db or Path(tmp.name) / "bench.db"
    store = Store.open(f"sqlite:///{db}")
    mid = store.ensure_meter("1909113", "bench", "Europe/Zurich", gap_seconds=15)
    tz = ZoneInfo("Europe/Zurich")

    t0 = time.perf_counter()
    listener = compteur.PushListener()
    readings = []
    for k in range(0, len(stream), 4096):
        readings.extend(listener.feed(stream[k : k + 4096]))
    t1 = time.perf_counter()
    samples = [reading_to_sample(r, tz)[1] for r in readings]
    t2 = time.perf_counter()
    for k in range(0, len(samples), args.batch):
        store.add_readings(mid, samples[k : k + args.batch])
        store.update_aggregates(mid)
    t3 = time.perf_counter()
    store.close()
    n = len(readings)
    assert n == args.readings, (n, listener.errors[:3])
    print(f"decode   {n / (t1 - t0):>10,.0f} readings/s  ({t1 - t0:.2f} s)")
    print(f"convert  {n / (t2 - t1):>10,.0f} readings/s  ({t2 - t1:.2f} s)")
    print(f"store    {n / (t3 - t2):>10,.0f} readings/s  ({t3 - t2:.2f} s, batches of {args.batch}, aggregates each batch)")
    print(f"overall  {n / (t3 - t0):>10,.0f} readings/s  ({t3 - t0:.2f} s for {n} readings)")
    print(f"database {db.stat().st_size / 1e6:.1f} MB ({db.stat().st_size / n:.0f} bytes per reading)")


if __name__ == "__main__":
    main()
