"""``python -m dashboard demo``: the whole dashboard on the built-in simulated E450.

Creates a data folder (config with the simulator source, SQLite database, secret key, an admin
user whose password is printed), stores the simulated history at once (one push every 15
minutes, generated at past instants and decoded like real pushes, then one every push interval
for the last quarter hour), then runs the collector (the simulator pushing to a
pseudo-terminal, read by the push source) and the web server in one process.
"""

from __future__ import annotations

import logging
import secrets
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, List, Optional, Tuple

from dashboard.config import Config, ensure_secret_key
from dashboard.store import Sample, Store

__all__ = ["run_demo", "write_demo_config", "simulated_history"]

log = logging.getLogger(__name__)

DEMO_CONFIG = """# Demo configuration written by `compteur-dashboard demo` (simulated meter).
[meter]
name = "Démo"
timezone = "Europe/Zurich"

[source]
kind = "simulator"
seed = 1
history_days = {days}
push_interval = {interval}

[database]
url = "sqlite:///dashboard.db"
raw_retention_days = 90

[collector]
spool_dir = "spool"

[web]
host = "127.0.0.1"
port = {port}
language = "fr"
secret_key_file = "secret_key"

[costs]
currency = "CHF"
holiday_country = "CH"
holiday_subdivision = "ZH"

[[costs.tariff]]
name = "Double tarif"
valid_from = 2020-01-01
bands = [
  {{ days = ["weekday"], start = "07:00", end = "20:00", price_per_kwh = 0.3142 }},
  {{ days = ["weekday", "weekend", "holiday"], start = "00:00", end = "00:00", price_per_kwh = 0.2264 }},
]
fixed_per_month = 9.50
feed_in_per_kwh = 0.12

[analytics]
scan_interval = 300
"""


def _say(line: str) -> None:
    """One line on standard output in a single write: the collector's log lines, written from
    other threads to the same terminal or file, cannot split it (a test reads the password)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write_demo_config(directory: Path, *, port: int, days: int, interval: float) -> Path:
    """Write ``dashboard.toml`` for the demo into ``directory`` (kept if it exists)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "dashboard.toml"
    if not path.exists():
        path.write_text(DEMO_CONFIG.format(days=days, interval=interval, port=port), encoding="utf-8")
    return path


def simulated_history(
    sim: Any, config: Config, *, days: int, interval: float, now: Optional[datetime] = None
) -> List[Tuple[str, Sample]]:
    """Pushes of the last ``days`` days: every 15 min, then every ``interval`` s for the last 15 min."""
    import compteur

    from dashboard.sources import reading_to_sample

    now = now or datetime.now(timezone.utc)
    end = now.replace(microsecond=0)
    start = end - timedelta(days=days) + timedelta(minutes=15)
    start = start - timedelta(minutes=start.minute % 15, seconds=start.second)
    instants: List[datetime] = []
    t = start
    fine_from = end - timedelta(minutes=15)
    while t < fine_from:
        instants.append(t)
        t += timedelta(minutes=15)
    step = timedelta(seconds=interval)
    while t < end:
        instants.append(t)
        t += step
    stream = b"".join(sim.push_frames(at=i) for i in instants)
    readings = compteur.decode_push(stream)
    tz = config.meter.zone
    return [reading_to_sample(r, tz) for r in readings]


def run_demo(
    directory: Path,
    *,
    port: int = 5000,
    days: int = 60,
    interval: float = 5.0,
    web: bool = True,
    duration: Optional[float] = None,
) -> int:
    """Set up and run the demo; returns when interrupted (or after ``duration`` seconds)."""
    import compteur

    from dashboard.collector import Collector
    from dashboard.sources import SimulatorSource

    directory = directory.absolute()
    cfg_path = write_demo_config(directory, port=port, days=days, interval=interval)
    config = Config.load(cfg_path)
    store = Store.open(config.database.url)
    ensure_secret_key(config.web.secret_key_file)
    password = secrets.token_urlsafe(12)
    try:
        hashed = _hash(password)
    except ImportError:
        hashed = None
    if hashed is not None:
        user = store.user_by_name("admin")
        if user is None:
            store.create_user("admin", hashed, is_admin=True)
        else:
            store.set_password(user.id, hashed)

    sim = compteur.Simulator(seed=config.source.seed, history_days=max(days, 1))
    t0 = time.perf_counter()
    history = simulated_history(sim, config, days=days, interval=interval)
    if history:
        serial = history[0][0]
        mid = store.ensure_meter(serial, config.meter.name, config.meter.timezone,
                                 gap_seconds=config.collector.silence_timeout)
        store.add_readings(mid, [s for _x, s in history], gap_seconds=1800)
        store.update_aggregates(mid)
        # catch up with the clock so the live pushes follow without a gap
        last = max(x.ts for _s, x in history)
        while True:
            now = time.time()
            if now - last < interval:
                break
            instants = []
            t = last + interval
            while t <= now:
                instants.append(datetime.fromtimestamp(t, timezone.utc))
                t += interval
            stream = b"".join(sim.push_frames(at=i) for i in instants)
            from dashboard.sources import reading_to_sample

            more = [reading_to_sample(r, config.meter.zone)[1] for r in compteur.decode_push(stream)]
            if not more:
                break
            store.add_readings(mid, more)
            last = max(x.ts for x in more)
    print(f"demo: {len(history)} simulated readings of {days} days stored in "
          f"{time.perf_counter() - t0:.1f} s ({directory / 'dashboard.db'})", flush=True)

    source = SimulatorSource(config.meter.zone, simulator=sim, interval=interval)
    collector = Collector(config, source=source, store=store)
    thread = threading.Thread(target=collector.run, name="collector", daemon=True)
    thread.start()
    collector.ready.wait(10)

    if hashed is not None:
        _say(f"demo: log in as admin / {password}")
    else:
        _say("demo: the web package is missing: no user created")

    stop = threading.Event()
    try:
        if web:
            try:
                from dashboard.web.server import serve
            except ImportError as e:
                _say(f"demo: the web server is not available ({e}); running the collector only")
            else:
                _say(f"demo: dashboard on http://127.0.0.1:{port}/  (Ctrl-C stops)")
                if duration is not None:
                    threading.Timer(duration, lambda: _interrupt()).start()
                serve(config, store, host="127.0.0.1", port=port)
                return 0
        _say("demo: collector running (Ctrl-C stops)")
        stop.wait(duration)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        collector.stop()
        thread.join(timeout=10)
        store.close()


def _hash(password: str) -> str:
    from dashboard.web.auth import hash_password

    return hash_password(password)


def _interrupt() -> None:
    import _thread

    _thread.interrupt_main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run_demo(Path("dashboard-demo")))
