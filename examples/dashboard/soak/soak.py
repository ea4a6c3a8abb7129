#!/usr/bin/env python3
"""Soak test: simulator → collector → SQLite → MQTT and InfluxDB, servers restarted, nothing lost.

    .venv/bin/python examples/dashboard/soak/soak.py --minutes 30
    .venv/bin/python examples/dashboard/soak/soak.py --minutes 3      # a quick proof

Not part of ``make test`` (it runs for minutes). Needs the Debian packages ``mosquitto`` and
``influxdb`` (``influxd`` 1.x) and the dashboard with its exporters installed in the Python that
runs it. Everything listens on free ports of 127.0.0.1 and lives in a temporary folder.

What it does:

1. starts ``mosquitto`` (persistence on, so the subscriber's session survives a restart) and
   ``influxd`` (database ``compteur`` created), each with its own configuration;
2. starts a subscriber with a persistent session (QoS 1) recording every message on
   ``compteur/+/state``;
3. starts ``python -m dashboard collect`` (or ``--collector COMMAND``, e.g. the single-file
   executable) with the simulator source pushing every second and
   both exporters (``[mqtt]`` QoS 1, ``[influxdb]`` version 1). The meter is created in the
   database beforehand with an MQTT cursor of 0, so that the MQTT exporter publishes every
   reading (its default — start at the newest reading — is for a database with history);
4. restarts each server ``--restarts`` times (default 2) at spread-out moments (SIGTERM, a few
   seconds down, started again), broker and database never at the same time;
5. at the end, notes the newest stored reading, waits until both exporters' cursors reach it
   and the subscriber received it, stops the collector (SIGTERM), and compares the set of
   reading timestamps up to that reading in SQLite, in the MQTT log and in InfluxDB.

Prints a JSON summary (readings, missing per sink, restart times, maximum export lag) and exits
1 when a sink misses a reading (or nothing was stored), 2 when it cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

STATE_TOPIC = "compteur/+/state"
DATABASE = "compteur"
MEASUREMENT = "electricity"


class SoakError(Exception):
    """The soak test cannot run (a missing program, a server that does not start)."""


def free_port() -> int:
    """A free TCP port of 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float, proc: Optional["subprocess.Popen[bytes]"] = None) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SoakError(f"{proc.args!r} exited with {proc.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.1)
    raise SoakError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def compare(stored: Iterable[int], sink: Iterable[int]) -> Dict[str, Any]:
    """How a sink's set of reading timestamps matches the stored ones.

    ``missing``: stored but not in the sink; ``extra``: in the sink only (up to the newest
    stored reading compared); samples of the first ten of each.
    """
    s = set(stored)
    k = set(sink)
    missing = sorted(s - k)
    extra = sorted(k - s)
    return {
        "count": len(k & s),
        "missing": len(missing),
        "missing_sample": missing[:10],
        "extra": len(extra),
        "extra_sample": extra[:10],
    }


def missing_seconds(stamps: Sequence[int], step: int = 1) -> int:
    """Steps of ``step`` seconds between the first and the last stamp with no reading."""
    if not stamps:
        return 0
    ordered = sorted(set(stamps))
    return (ordered[-1] - ordered[0]) // step + 1 - len(ordered)


# -- servers ----------------------------------------------------------------------------------


@dataclass
class Server:
    """A server process the soak test starts, stops and restarts."""

    name: str
    argv: List[str]
    port: int
    log: Path
    proc: Optional["subprocess.Popen[bytes]"] = None
    restarts: List[Dict[str, float]] = field(default_factory=list)

    def start(self, timeout: float = 30.0) -> None:
        """Start the process and wait for its port."""
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        wait_port(self.port, timeout, self.proc)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds."""
        p = self.proc
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def restart(self, t0: float, down: float) -> None:
        """Stop, stay down ``down`` seconds, start again; the times are recorded."""
        at = time.monotonic() - t0
        self.stop()
        time.sleep(down)
        self.start()
        self.restarts.append({"at_s": round(at, 1), "down_s": round(time.monotonic() - t0 - at, 1)})


def mosquitto_server(work: Path) -> Server:
    """The broker: a listener on a free port, persistence in ``work/mosquitto``."""
    exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.path.exists(exe):
        raise SoakError("mosquitto is not installed (Debian: apt-get install mosquitto)")
    port = free_port()
    data = work / "mosquitto"
    data.mkdir()
    lines = [
        f"listener {port} 127.0.0.1",
        "allow_anonymous true",
        "persistence true",
        f"persistence_location {data}/",
        "autosave_interval 5",
        "max_queued_messages 0",
        "max_inflight_messages 0",
        "log_dest stdout",
        "log_type error",
        "log_type warning",
        "log_type notice",
    ]
    if os.geteuid() == 0:
        # as root mosquitto switches to the "mosquitto" user: let it write its folder
        try:
            pw = pwd.getpwnam("mosquitto")
        except KeyError:
            lines.append("user root")
        else:
            os.chown(data, pw.pw_uid, pw.pw_gid)
    conf = work / "mosquitto.conf"
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Server("mosquitto", [exe, "-c", str(conf)], port, work / "mosquitto.log")


def influxd_server(work: Path) -> Server:
    """InfluxDB 1.x on free ports, data in ``work/influxdb``."""
    exe = shutil.which("influxd") or "/usr/bin/influxd"
    if not os.path.exists(exe):
        raise SoakError("influxd is not installed (Debian: apt-get install influxdb)")
    http_port, rpc_port = free_port(), free_port()
    d = work / "influxdb"
    conf = work / "influxdb.conf"
    conf.write_text(f"""reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{d}/meta"
[data]
  dir = "{d}/data"
  wal-dir = "{d}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
  max-row-limit = 0
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
""", encoding="utf-8")
    return Server("influxdb", [exe, "-config", str(conf)], http_port, work / "influxdb.log")


def influx_query(port: int, q: str, *, post: bool = False, timeout: float = 30.0) -> Dict[str, Any]:
    """Run an InfluxQL query over HTTP; the decoded JSON answer."""
    params = {"q": q, "db": DATABASE, "epoch": "s"}
    url = f"http://127.0.0.1:{port}/query"
    data = None
    if post:
        data = urllib.parse.urlencode(params).encode()
    else:
        url += "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url, data=data, method="POST" if post else "GET")
    if post:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=timeout) as r:
        doc = json.loads(r.read())
    if not isinstance(doc, dict):
        raise SoakError(f"InfluxDB answered {doc!r}")
    return doc


def influx_times(port: int, serial: str, upto: int) -> Set[int]:
    """The timestamps of every point of the meter up to ``upto`` (inclusive) in InfluxDB."""
    doc = influx_query(port, f"SELECT * FROM \"{MEASUREMENT}\" WHERE \"meter\" = '{serial}' "
                             f"AND time <= {upto}s")
    out: Set[int] = set()
    for result in doc.get("results", []):
        if "error" in result:
            raise SoakError(f"InfluxDB query failed: {result['error']}")
        for series in result.get("series", []) or []:
            cols = series.get("columns", [])
            i = cols.index("time") if "time" in cols else 0
            for row in series.get("values", []) or []:
                out.add(int(row[i]))
    return out


def wait_influx(port: int, timeout: float = 30.0) -> None:
    """Wait until ``/ping`` answers 204."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2.0) as r:
                if r.status == 204:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise SoakError(f"InfluxDB does not answer /ping on port {port}")


# -- MQTT subscriber ----------------------------------------------------------------------------


class Subscriber:
    """Records the reading time of every state message (persistent session, QoS 1)."""

    def __init__(self, port: int) -> None:
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        self.lock = threading.Lock()
        self.stamps: Dict[int, int] = {}
        """reading ts → how many times it was received"""
        self.max_delay = 0.0
        self.bad: List[str] = []
        self.connects = 0
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="compteur-soak-subscriber",
                                  protocol=paho.MQTTv311, clean_session=False)
        self.client.reconnect_delay_set(1, 2)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.port = port

    def start(self) -> None:
        """Connect in the background (reconnects by itself after a broker restart)."""
        self.client.connect_async("127.0.0.1", self.port, keepalive=10)
        self.client.loop_start()

    def stop(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if not reason.is_failure:
            self.connects += 1
            client.subscribe(STATE_TOPIC, qos=1)

    def _on_message(self, _c: Any, _u: Any, msg: Any) -> None:
        try:
            doc = json.loads(msg.payload)
            ts = int(datetime.fromisoformat(doc["time"]).timestamp())
        except (ValueError, KeyError, TypeError) as e:
            with self.lock:
                self.bad.append(f"{msg.topic}: {e}")
            return
        delay = time.time() - ts
        with self.lock:
            self.stamps[ts] = self.stamps.get(ts, 0) + 1
            if not msg.retain:
                self.max_delay = max(self.max_delay, delay)

    def snapshot(self) -> Dict[int, int]:
        """A copy of the received stamps."""
        with self.lock:
            return dict(self.stamps)


# -- the run ------------------------------------------------------------------------------------


DASHBOARD_CONFIG = """[meter]
name = "Soak"
timezone = "Europe/Zurich"

[source]
kind = "simulator"
seed = 1
history_days = 1
push_interval = 1.0

[database]
url = "sqlite:///{db}"

[collector]
spool_dir = "{work}/spool"
flush_interval = 1.0

[web]
secret_key_file = "{work}/secret_key"

[mqtt]
host = "127.0.0.1"
port = {mqtt_port}
qos = 1
discovery = true

[influxdb]
url = "http://127.0.0.1:{influx_port}"
version = 1
database = "{database}"
"""


def simulator_serial() -> str:
    """The serial number the simulator (seed 1) pushes."""
    import compteur

    sim = compteur.Simulator(seed=1, history_days=1)
    try:
        readings = compteur.decode_push(sim.push_frames(at=datetime.now().astimezone()))
    finally:
        sim.close()
    if not readings or not readings[0].serial:
        raise SoakError("the simulator's push carries no serial number")
    return str(readings[0].serial)


def restart_plan(seconds: float, restarts: int) -> List[Tuple[float, str]]:
    """(offset in s, server) of every restart: evenly spread, broker and database alternating."""
    n = 2 * restarts
    return [(seconds * (i + 1) / (n + 1), "mosquitto" if i % 2 == 0 else "influxdb") for i in range(n)]


def run(args: argparse.Namespace, work: Path) -> Dict[str, Any]:
    """The whole soak test in ``work``; the summary."""
    from dashboard import timeconv
    from dashboard.integrations.base import cursor_key
    from dashboard.store import Store

    seconds = args.minutes * 60.0
    broker = mosquitto_server(work)
    influx = influxd_server(work)
    servers = {"mosquitto": broker, "influxdb": influx}
    collector: Optional["subprocess.Popen[bytes]"] = None
    sub: Optional[Subscriber] = None
    try:
        broker.start()
        influx.start()
        wait_influx(influx.port)
        influx_query(influx.port, f"CREATE DATABASE {DATABASE}", post=True)
        sub = Subscriber(broker.port)
        sub.start()
        deadline = time.monotonic() + 10
        while sub.connects == 0:
            if time.monotonic() > deadline:
                raise SoakError("the subscriber cannot connect to the broker")
            time.sleep(0.1)

        db = work / "dashboard.db"
        cfg = work / "dashboard.toml"
        cfg.write_text(DASHBOARD_CONFIG.format(db=db, work=work, mqtt_port=broker.port,
                                               influx_port=influx.port, database=DATABASE),
                       encoding="utf-8")
        serial = simulator_serial()
        store = Store.open(f"sqlite:///{db}")
        mid = store.ensure_meter(serial, "Soak", "Europe/Zurich", gap_seconds=3.0)
        store.set_state({cursor_key("mqtt", mid): 0, cursor_key("influxdb", mid): 0})

        with open(work / "collector.log", "ab") as out:
            collector = subprocess.Popen(
                [*args.collector, "-c", str(cfg), "collect"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=work,
            )
        t0 = time.monotonic()
        plan = restart_plan(seconds, args.restarts)
        lag: Dict[str, float] = {"mqtt": 0.0, "influxdb": 0.0}
        log(f"soak: {args.minutes:g} min, meter {serial}, restarts at "
            + ", ".join(f"{at:.0f} s ({name})" for at, name in plan))

        def sample_lag() -> None:
            latest = store.latest_ts(mid)
            if latest is None:
                return
            state = store.state()
            for name in lag:
                c = state.get(cursor_key(name, mid))
                if isinstance(c, int):
                    lag[name] = max(lag[name], float(latest - c))

        next_report = 60.0
        while True:
            elapsed = time.monotonic() - t0
            if collector.poll() is not None:
                raise SoakError(f"the collector exited with {collector.returncode} (see {work}/collector.log)")
            if plan and elapsed >= plan[0][0]:
                _at, name = plan.pop(0)
                log(f"soak: {elapsed:.0f} s: restarting {name}")
                servers[name].restart(t0, args.down)
                continue
            if elapsed >= seconds:
                break
            sample_lag()
            if elapsed >= next_report:
                log(f"soak: {elapsed:.0f} s: {store.count_readings(mid)} readings stored, "
                    f"{len(sub.snapshot())} on MQTT, max lag {lag}")
                next_report += 60.0
            time.sleep(1.0)

        # catch up: every exporter's cursor and the subscriber reach the newest stored reading
        cutoff = store.latest_ts(mid)
        if cutoff is None:
            raise SoakError("the collector stored no reading")
        t_end = time.monotonic()
        caught_up = False
        while time.monotonic() - t_end < args.catch_up:
            sample_lag()
            state = store.state()
            cursors = [state.get(cursor_key(n, mid)) for n in ("mqtt", "influxdb")]
            if all(isinstance(c, int) and c >= cutoff for c in cursors) and cutoff in sub.snapshot():
                caught_up = True
                break
            time.sleep(0.5)
        catch_up_s = time.monotonic() - t_end
        time.sleep(1.0)  # the last acknowledged messages reach the subscriber
        collector.send_signal(signal.SIGTERM)
        try:
            collector_exit: Optional[int] = collector.wait(timeout=30)
        except subprocess.TimeoutExpired:
            collector.kill()
            collector_exit = None

        stored = [ts for ts, _d, _v in store.iter_readings(
            mid, timeconv.from_unix(0), timeconv.from_unix(cutoff + 1))]
        received = sub.snapshot()
        mqtt_seen = [t for t in received if t <= cutoff]
        influx_seen = influx_times(influx.port, serial, cutoff)
        export_status = {k: v for k, v in store.state().items() if k in ("export.mqtt", "export.influxdb")}
        store.close()
        mqtt_cmp = compare(stored, mqtt_seen)
        mqtt_cmp["duplicates"] = sum(n - 1 for t, n in received.items() if t <= cutoff and n > 1)
        mqtt_cmp["max_delivery_delay_s"] = round(sub.max_delay, 1)
        mqtt_cmp["subscriber_connects"] = sub.connects
        mqtt_cmp["bad_messages"] = len(sub.bad)
        influx_cmp = compare(stored, influx_seen)
        ok = bool(stored) and caught_up and mqtt_cmp["missing"] == 0 and influx_cmp["missing"] == 0
        return {
            "ok": ok,
            "minutes": args.minutes,
            "meter": serial,
            "readings": len(stored),
            "first": timeconv.from_unix(min(stored)).isoformat() if stored else None,
            "last": timeconv.from_unix(cutoff).isoformat(),
            "sqlite_missing_seconds": missing_seconds(stored),
            "missing": {"mqtt": mqtt_cmp["missing"], "influxdb": influx_cmp["missing"]},
            "mqtt": mqtt_cmp,
            "influxdb": influx_cmp,
            "restarts": {name: s.restarts for name, s in servers.items()},
            "max_export_lag_s": lag,
            "caught_up": caught_up,
            "catch_up_s": round(catch_up_s, 1),
            "collector_exit": collector_exit,
            "exporter_status": export_status,
            "workdir": str(work),
        }
    finally:
        if collector is not None and collector.poll() is None:
            collector.kill()
            collector.wait()
        if sub is not None:
            sub.stop()
        for s in servers.values():
            s.stop()


def log(msg: str) -> None:
    """A progress line on standard error (the summary goes to standard output)."""
    print(msg, file=sys.stderr, flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line; exit status 0 (nothing lost), 1 (a loss) or 2 (cannot run)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--minutes", type=float, default=30.0, help="how long the simulator pushes (default 30)")
    p.add_argument("--restarts", type=int, default=2, help="restarts of each server (default 2)")
    p.add_argument("--down", type=float, default=5.0, help="seconds a restarted server stays down (default 5)")
    p.add_argument("--catch-up", type=float, default=180.0,
                   help="seconds the exporters get to catch up at the end (default 180)")
    p.add_argument("--collector", default=None, metavar="COMMAND",
                   help="the dashboard command that runs the collector, e.g. a bundle "
                        "(default: this Python with -m dashboard)")
    p.add_argument("--workdir", help="keep the servers' data, the logs and the database here "
                                     "(default: a temporary folder, removed afterwards)")
    args = p.parse_args(argv)
    if args.minutes <= 0 or args.restarts < 0 or args.down < 0:
        p.error("--minutes must be > 0, --restarts and --down >= 0")
    args.collector = shlex.split(args.collector) if args.collector else [sys.executable, "-m", "dashboard"]
    try:
        if args.workdir:
            work = Path(args.workdir).absolute()
            work.mkdir(parents=True, exist_ok=False)
            summary = run(args, work)
        else:
            with tempfile.TemporaryDirectory(prefix="compteur-soak-") as tmp:
                os.chmod(tmp, 0o755)  # the broker runs as its own user when started as root
                summary = run(args, Path(tmp))
                summary["workdir"] = None
    except (SoakError, OSError, ImportError) as e:
        print(f"soak: cannot run: {e}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
