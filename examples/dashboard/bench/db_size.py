"""Database size per year: write a month of simulated pushes to SQLite and extrapolate.

    python bench/db_size.py [--interval 10] [--days 30] [--db PATH]

The pushes are the simulator's E450 self-describing pushes (15 values each, every reading kept
with its OBIS list), decoded and stored in batches of 500 with the aggregates kept up to date,
exactly as the collector does. After a VACUUM the file size is split into raw readings and
aggregates (SQLite's dbstat when available, else by row counts) and extrapolated to 365 days:
the raw part scales with the number of readings, the aggregate part with the time span.
"""

from __future__ import annotations

import argparse
import sqlite3
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
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--days", type=float, default=30.0)
    ap.add_argument("--retention", type=float, default=90.0, help="raw retention days for the steady state")
    ap.add_argument("--db", type=Path, default=None)
    args = ap.parse_args()

    tmp = tempfile.TemporaryDirectory()
    db = args.db or Path(tmp.name) / "size.db"
    store = Store.open(f"sqlite:///{db}")
    mid = store.ensure_meter("1909113", "size", "Europe/Zurich", gap_seconds=3 * args.interval)
    tz = ZoneInfo("Europe/Zurich")
    sim = compteur.Simulator(seed=1, history_days=int(args.days) + 2)
    start = datetime.now(timezone.utc) - timedelta(days=args.days + 1)
    n_total = int(args.days * 86400 / args.interval)
    chunk = 5000
    t0 = time.perf_counter()
    done = 0
    while done < n_total:
        k = min(chunk, n_total - done)
        stream = b"".join(
            sim.push_frames(at=start + timedelta(seconds=args.interval * (done + i))) for i in range(k)
        )
        samples = [reading_to_sample(r, tz)[1] for r in compteur.decode_push(stream)]
        for j in range(0, len(samples), 500):
            store.add_readings(mid, samples[j : j + 500])
            store.update_aggregates(mid)
        done += k
    store.close()
    elapsed = time.perf_counter() - t0
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("VACUUM")
    size = db.stat().st_size
    try:
        parts = dict(con.execute(
            "SELECT CASE WHEN name IN ('readings', 'pk_readings', 'sqlite_autoindex_readings_1') THEN 'raw' "
            "WHEN name IN ('aggregates', 'sqlite_autoindex_aggregates_1') THEN 'agg' ELSE 'other' END AS part, "
            "SUM(pgsize) FROM dbstat GROUP BY part"
        ).fetchall())
    except sqlite3.OperationalError:
        parts = {}
    readings = con.execute("SELECT COUNT(*) FROM readings").fetchone()[0]
    aggs = con.execute("SELECT COUNT(*) FROM aggregates").fetchone()[0]
    con.close()
    raw = parts.get("raw", size)
    agg = parts.get("agg", 0)
    other = size - raw - agg
    per_reading = raw / readings
    year_readings = 365 * 86400 / args.interval
    year_raw = per_reading * year_readings
    year_agg = agg * 365 / args.days
    kept_raw = per_reading * args.retention * 86400 / args.interval
    mb = 1e6
    print(f"push every {args.interval:g} s, {args.days:g} days: {readings} readings, {aggs} aggregates, "
          f"{size / mb:.1f} MB after VACUUM (written in {elapsed:.0f} s)")
    print(f"  raw readings: {raw / mb:.1f} MB ({per_reading:.0f} bytes per reading incl. OBIS list and index)")
    print(f"  aggregates:   {agg / mb:.2f} MB, other tables {other / mb:.2f} MB")
    print(f"  per year, every reading kept:        {(year_raw + year_agg) / 1e9:.2f} GB")
    print(f"  steady state, raw kept {args.retention:g} days: {(kept_raw + year_agg) / 1e9:.2f} GB "
          f"(+ {year_agg / mb:.1f} MB of aggregates per further year)")


if __name__ == "__main__":
    main()
