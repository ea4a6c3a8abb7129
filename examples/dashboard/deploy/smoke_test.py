#!/usr/bin/env python3
"""Smoke test of a dashboard executable: it starts, serves ``/api/health``, stops on SIGTERM.

    python3 deploy/smoke_test.py dist/compteur-dashboard
    python3 deploy/smoke_test.py .venv/bin/python -m dashboard     # the same on the sources

The command (the executable, or an interpreter with ``-m dashboard``) is run in a temporary
folder, on free ports of 127.0.0.1:

1. ``--version`` answers;
2. ``init`` on a fresh config creates the database (the Alembic migrations run) and the admin;
3. ``serve --port P``: ``/api/health`` answers 200 with JSON and ``database.ok``,
   ``/api/openapi.json`` is an OpenAPI document listing ``/api/health``, the vendored Chart.js
   is served; SIGTERM ends the process within 10 s with status 0;
4. ``collect`` with the simulator and both exporters (``[mqtt]``, ``[influxdb]``) configured
   towards closed ports: it stores readings, both exporters report ``retrying`` with the
   connection error in the database's collector state (so their modules and client libraries
   are in the executable), SIGTERM ends it with status 0;
5. ``demo --port P --days 35 --interval 1`` (the native ``compteur`` module's simulator and
   decoder, the collector): ``/api/health`` reaches ``ok`` with a stored reading; SIGTERM
   again;
6. ``analyze`` on the demo's database: the anomaly scan and an exponential-smoothing forecast
   (NumPy, scikit-learn, statsmodels inside the executable) print their lines.

Prints one line per step and exits 0 when all pass, 1 with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

START_TIMEOUT = 60.0
"""Seconds the server may take to answer (a single-file executable unpacks itself first)."""
STOP_TIMEOUT = 10.0
"""Seconds the process may take to exit after SIGTERM."""

CONFIG = """[meter]
name = "Smoke"
timezone = "Europe/Zurich"

[source]
kind = "simulator"
push_interval = 1.0

[database]
url = "sqlite:///dashboard.db"

[collector]
spool_dir = "spool"

[web]
host = "127.0.0.1"
port = {port}
secret_key_file = "secret_key"
"""


EXPORTERS = """
[mqtt]
host = "127.0.0.1"
port = {closed}
discovery = false

[influxdb]
url = "http://127.0.0.1:{closed}"
database = "compteur"
"""


class SmokeError(Exception):
    """A failed check: the message says which and why."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(url: str, timeout: float = 5.0) -> Tuple[int, str, bytes]:
    """``(status, content type, body)`` of a GET; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return int(r.status), str(r.headers.get("Content-Type", "")), bytes(r.read())
    except urllib.error.HTTPError as e:
        return int(e.code), str(e.headers.get("Content-Type", "")), bytes(e.read())


def run(cmd: Sequence[str], cwd: Path, timeout: float = 120.0) -> str:
    """Run a command to completion; its output, or :class:`SmokeError` on a non-zero status."""
    p = subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise SmokeError(f"{' '.join(cmd)} exited with {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p.stdout


def wait_health(
    proc: "subprocess.Popen[bytes]", port: int, want: Optional[str] = None, reading: bool = False
) -> Dict[str, Any]:
    """Poll ``/api/health`` until it answers 200 JSON (with ``status == want`` if given, and a
    stored reading if ``reading``)."""
    url = f"http://127.0.0.1:{port}/api/health"
    deadline = time.monotonic() + START_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SmokeError(f"the process exited with {proc.returncode} before serving {url}")
        try:
            status, ctype, body = http_get(url, timeout=2.0)
        except OSError as e:
            last = str(e)
        else:
            if status == 200 and ctype.startswith("application/json"):
                doc = json.loads(body)
                if not isinstance(doc, dict):
                    raise SmokeError(f"{url}: not a JSON object: {body[:200]!r}")
                has_reading = bool((doc.get("collector") or {}).get("last_reading"))
                if (want is None or doc.get("status") == want) and (has_reading or not reading):
                    return doc
                last = f"status {doc.get('status')!r}, last reading {has_reading}"
            else:
                last = f"HTTP {status} {ctype}"
        time.sleep(0.25)
    raise SmokeError(f"{url} did not answer as expected within {START_TIMEOUT:.0f} s ({last})")


def stop(proc: "subprocess.Popen[bytes]") -> float:
    """SIGTERM the process; seconds it took to exit (:class:`SmokeError` if > 10 s or status != 0)."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise SmokeError(f"the process did not exit within {STOP_TIMEOUT:.0f} s of SIGTERM") from None
    took = time.monotonic() - t0
    if code != 0:
        raise SmokeError(f"the process exited with {code} after SIGTERM (expected 0)")
    return took


def check_openapi(port: int) -> int:
    """``/api/openapi.json`` is an OpenAPI 3 document listing ``/api/health``; its path count."""
    status, ctype, body = http_get(f"http://127.0.0.1:{port}/api/openapi.json")
    if status != 200 or not ctype.startswith("application/json"):
        raise SmokeError(f"/api/openapi.json: HTTP {status} {ctype}")
    doc = json.loads(body)
    if not str(doc.get("openapi", "")).startswith("3.") or "/api/health" not in doc.get("paths", {}):
        raise SmokeError("/api/openapi.json is not an OpenAPI 3 document listing /api/health")
    return len(doc["paths"])


def check_static(port: int) -> int:
    """The vendored Chart.js is served (the bundle carries the static files); its size."""
    status, _ctype, body = http_get(f"http://127.0.0.1:{port}/static/vendor/chart.umd.js")
    if status != 200 or len(body) < 10_000 or b"Chart" not in body:
        raise SmokeError(f"/static/vendor/chart.umd.js: HTTP {status}, {len(body)} bytes")
    return len(body)


def _exporter_states(db: Path) -> Dict[str, Any]:
    """The ``export.<name>`` statuses the collector published in the database."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5.0)
    try:
        rows = con.execute("SELECT key, value FROM collector_state WHERE key LIKE 'export.%'").fetchall()
    except sqlite3.Error:
        return {}
    finally:
        con.close()
    return {str(k): json.loads(v) for k, v in rows if str(k).count(".") == 1}


def check_collect(cmd: List[str], work: Path) -> str:
    """``collect`` with both exporters towards a closed port: readings stored, exporters retrying."""
    d = work / "collect"
    d.mkdir()
    cfg = d / "dashboard.toml"
    cfg.write_text(CONFIG.format(port=free_port()) + EXPORTERS.format(closed=free_port()), encoding="utf-8")
    t0 = time.monotonic()
    proc = _spawn(cmd + ["-c", str(cfg), "collect"], d, work / "collect.log")
    states: Dict[str, Any] = {}
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SmokeError(f"collect exited with {proc.returncode}")
            if (d / "dashboard.db").is_file():
                states = _exporter_states(d / "dashboard.db")
                if all(states.get(n, {}).get("state") == "retrying" and states[n].get("last_error")
                       for n in ("export.mqtt", "export.influxdb")):
                    break
            time.sleep(0.5)
        else:
            raise SmokeError(f"collect: the exporters did not report retrying: {states}")
        started = time.monotonic() - t0
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    took = stop(proc)
    con = sqlite3.connect(f"file:{d / 'dashboard.db'}?mode=ro", uri=True)
    try:
        stored = int(con.execute("SELECT count(*) FROM readings").fetchone()[0])
    finally:
        con.close()
    if stored == 0:
        raise SmokeError("collect stored no reading")
    return (f"collect: {stored} readings stored, mqtt and influxdb exporters retrying after "
            f"{started:.1f} s, SIGTERM exit in {took:.1f} s")


def _spawn(cmd: List[str], cwd: Path, log: Path) -> "subprocess.Popen[bytes]":
    out = open(log, "wb")
    try:
        return subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    finally:
        out.close()


def smoke(command: Sequence[str], work: Path) -> List[str]:
    """Run every check with ``command`` in ``work``; the report lines."""
    cmd = list(command)
    lines: List[str] = []
    version = run(cmd + ["--version"], work).strip()
    if "compteur-dashboard" not in version:
        raise SmokeError(f"--version printed {version!r}")
    lines.append(f"version: {version}")

    port = free_port()
    cfg = work / "dashboard.toml"
    cfg.write_text(CONFIG.format(port=port), encoding="utf-8")
    t0 = time.monotonic()
    out = run(cmd + ["-c", str(cfg), "init"], work)
    if "admin user created" not in out or not (work / "dashboard.db").is_file():
        raise SmokeError(f"init did not create the database and the admin: {out!r}")
    lines.append(f"init: database and admin created in {time.monotonic() - t0:.1f} s")

    t0 = time.monotonic()
    proc = _spawn(cmd + ["-c", str(cfg), "serve", "--port", str(port)], work, work / "serve.log")
    try:
        health = wait_health(proc, port)
        started = time.monotonic() - t0
        if not health.get("database", {}).get("ok"):
            raise SmokeError(f"/api/health reports the database down: {health}")
        paths = check_openapi(port)
        size = check_static(port)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    took = stop(proc)
    lines.append(f"serve: /api/health 200 ({health['status']}) after {started:.1f} s, openapi "
                 f"{paths} paths, chart.umd.js {size} bytes, SIGTERM exit in {took:.1f} s")

    lines.append(check_collect(cmd, work))

    port = free_port()
    t0 = time.monotonic()
    proc = _spawn(cmd + ["demo", "--dir", str(work / "demo"), "--port", str(port), "--days", "35",
                             "--interval", "1"], work, work / "demo.log")
    try:
        health = wait_health(proc, port, want="ok", reading=True)
        started = time.monotonic() - t0
        check_openapi(port)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    took = stop(proc)
    lines.append(f"demo: /api/health ok after {started:.1f} s (last reading "
                 f"{health['collector']['last_reading']}), SIGTERM exit in {took:.1f} s")
    lines.append(check_analyze(cmd, work))
    return lines


def check_analyze(cmd: List[str], work: Path) -> str:
    """``analyze`` on the demo's database: the anomaly scan (NumPy, scikit-learn) and a forecast
    (statsmodels' exponential smoothing) run inside the executable."""
    t0 = time.monotonic()
    r = subprocess.run(cmd + ["-c", str(work / "demo" / "dashboard.toml"), "analyze", "--model", "ets"],
                       cwd=work / "demo", capture_output=True, text=True, timeout=300)
    if r.returncode != 0 or not r.stdout.startswith("anomalies from "):
        raise SmokeError(f"analyze failed ({r.returncode}): {(r.stdout + r.stderr)[-1500:]}")
    last = r.stdout.strip().splitlines()[-1]
    if not last.startswith("forecast"):
        raise SmokeError(f"analyze printed no forecast line: {r.stdout[-800:]}")
    return f"analyze: scan and forecast in {time.monotonic() - t0:.1f} s ({last[:90]})"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line: ``smoke_test.py BIN [ARGS...]``; exit status 0 = every check passed."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 2
    exe = args[0]
    if os.sep in exe and not os.access(exe, os.X_OK):
        print(f"smoke test: {exe} is not an executable file", file=sys.stderr)
        return 1
    command = [os.path.abspath(exe) if os.sep in exe else exe] + args[1:]
    with tempfile.TemporaryDirectory(prefix="dashboard-smoke-") as tmp:
        work = Path(tmp)
        try:
            for line in smoke(command, work):
                print(f"smoke test: {line}", flush=True)
        except (SmokeError, OSError, subprocess.TimeoutExpired, ValueError) as e:
            print(f"smoke test FAILED: {e}", file=sys.stderr)
            for log in ("serve.log", "collect.log", "demo.log"):
                p = work / log
                if p.is_file():
                    tail = p.read_text(encoding="utf-8", errors="replace")[-3000:]
                    print(f"--- {log} (end) ---\n{tail}", file=sys.stderr)
            return 1
    print("smoke test: passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
