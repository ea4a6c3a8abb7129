"""Helpers of the InfluxDB and Grafana tests: a real ``influxd`` (Debian's 1.x package) in a
temporary folder, a 2.x stand-in HTTP server that records requests, and small utilities.

:class:`InfluxServer` writes a config file binding HTTP and the RPC service to free ports on
127.0.0.1, with meta/data/wal folders under the given directory and reporting disabled; it can
be stopped and started again on the same ports with the same data.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

INFLUXD = shutil.which("influxd") or "/usr/bin/influxd"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(cond: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll ``cond`` every 50 ms until it returns a true value; AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def require_influxd() -> str:
    """The influxd binary; FAILS on CI when missing, skips locally (install ``influxdb``)."""
    if os.path.exists(INFLUXD):
        return INFLUXD
    msg = "influxd not found: install the Debian package influxdb (apt-get install -y influxdb)"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)
    return INFLUXD


class InfluxServer:
    """A private InfluxDB 1.x server under ``root`` (start/stop/restart; same ports and data)."""

    def __init__(self, root: Path, auth: bool = False) -> None:
        self.auth = auth
        self.binary = require_influxd()
        self.root = root
        self.http_port = free_port()
        self.rpc_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.conf = root / "influxdb.conf"
        self.log = root / "influxd.log"
        for d in ("meta", "data", "wal"):
            (root / d).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            f"""reporting-disabled = true
bind-address = "127.0.0.1:{self.rpc_port}"

[meta]
  dir = "{root / 'meta'}"

[data]
  dir = "{root / 'data'}"
  wal-dir = "{root / 'wal'}"
  query-log-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{self.http_port}"
  auth-enabled = {'true' if auth else 'false'}
  log-enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false
""",
            encoding="utf-8",
        )

    def start(self, timeout: float = 20.0) -> None:
        """Start influxd and wait until ``/ping`` answers 204."""
        assert self.proc is None, "already running"
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "-config", str(self.conf)],
            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        logf.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"influxd exited ({self.proc.returncode}): {self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/ping", timeout=1) as r:
                    if r.status == 204:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.05)
        raise AssertionError(f"influxd did not answer /ping within {timeout} s: {self.tail()}")

    def stop(self) -> None:
        """Stop influxd (SIGTERM, then SIGKILL after 10 s) and wait until the port is free."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None

    def tail(self, n: int = 2000) -> str:
        """The end of the server's log."""
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def query(
        self, q: str, db: Optional[str] = None, method: str = "GET",
        user: Optional[Tuple[str, str]] = None,
    ) -> Dict[str, Any]:
        """Run an InfluxQL query (``/query``, epoch seconds); the decoded JSON answer."""
        params = {"q": q, "epoch": "s"}
        if db:
            params["db"] = db
        data = urllib.parse.urlencode(params)
        if method == "POST":
            req = urllib.request.Request(self.url + "/query", data=data.encode(), method="POST")
        else:
            req = urllib.request.Request(self.url + "/query?" + data)
        if user is not None:
            cred = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
            req.add_header("Authorization", "Basic " + cred)
        with urllib.request.urlopen(req, timeout=30) as r:
            out: Dict[str, Any] = json.loads(r.read().decode("utf-8"))
        for res in out.get("results", []):
            if "error" in res:
                raise AssertionError(f"query failed: {q}: {res['error']}")
        if "error" in out:
            raise AssertionError(f"query failed: {q}: {out['error']}")
        return out

    def create_database(self, name: str) -> None:
        """``CREATE DATABASE name``."""
        self.query(f'CREATE DATABASE "{name}"', method="POST")

    def rows(self, q: str, db: str) -> List[Dict[str, Any]]:
        """Every row of every series of a query as dicts (plus the series' tags)."""
        out: List[Dict[str, Any]] = []
        for res in self.query(q, db)["results"]:
            for s in res.get("series", []):
                for v in s["values"]:
                    row = dict(zip(s["columns"], v))
                    row.update(s.get("tags") or {})
                    out.append(row)
        return out


@dataclass
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    body: bytes

    def text(self) -> str:
        """The body, gunzipped when the request says so."""
        raw = self.body
        if self.headers.get("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8")


@dataclass
class StandIn:
    """A recording HTTP server on 127.0.0.1:0: answers each POST with the next queued status."""

    statuses: List[Tuple[int, bytes, Dict[str, str]]] = field(default_factory=list)
    default: Tuple[int, bytes, Dict[str, str]] = (204, b"", {})
    requests: List[Recorded] = field(default_factory=list)
    server: Optional[ThreadingHTTPServer] = None
    thread: Optional[threading.Thread] = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The base URL."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "StandIn":
        """Serve in a daemon thread."""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                parts = urllib.parse.urlsplit(self.path)
                with outer.lock:
                    outer.requests.append(
                        Recorded(
                            self.command, parts.path, urllib.parse.parse_qs(parts.query),
                            {k.lower(): v for k, v in self.headers.items()}, body,
                        )
                    )
                    status, payload, headers = (
                        outer.statuses.pop(0) if outer.statuses else outer.default
                    )
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                if payload:
                    self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def lines(self) -> List[str]:
        """Every line-protocol line received, in order."""
        with self.lock:
            return [ln for r in self.requests for ln in r.text().splitlines()]


def export_all(store: Any, url: str, database: str, timeout: float = 30.0) -> int:
    """Run an InfluxDB exporter (1.x) until every stored reading is written; returns the count."""
    from dashboard.config import Config
    from dashboard.integrations.influx import InfluxExporter

    n = int(store.count_readings())
    exp = InfluxExporter(
        Config.from_dict({"influxdb": {"url": url, "database": database, "interval": 0.1}}), store
    )
    stop = threading.Event()
    t = threading.Thread(target=exp.run, args=(stop,), daemon=True)
    t.start()
    try:
        wait_until(lambda: exp.status()["exported"] >= n, timeout, "the export of every reading")
    finally:
        stop.set()
        t.join(10)
    return n
