"""Export the stored readings to InfluxDB 1.x (``/write``) or 2.x (``/api/v2/write``).

Each reading becomes the points of :func:`dashboard.integrations.lineprotocol.reading_points`
(schema: ``docs/influxdb-grafana.md``), written with ``precision=s`` over HTTP(S) with the
standard library. The exporter loop of :class:`~dashboard.integrations.base.Exporter` hands
over batches of readings after the cursor, which starts at 0: the first connection backfills
the whole stored history. A batch counts as written when every request of it got ``204 No
Content``; rewriting a point is harmless (same series and timestamp: InfluxDB overwrites it),
so a batch that failed halfway is simply sent again.

Failures: a connection error, a timeout, ``429`` or a ``5xx`` raise :class:`InfluxUnavailable`
and the base class retries with its back-off (1 s doubling to 60 s). Any other ``4xx`` (bad
credentials, unknown database or bucket, a rejected point) raises :class:`InfluxRejected`: it
is shown in the status, logged, and the same batch is tried again only after
``rejected_backoff`` seconds (300 by default) — never dropped.
"""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import logging
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from dashboard.config import Config, ConfigError
from dashboard.integrations.base import Exporter, ExportRow
from dashboard.integrations.lineprotocol import ReadingEncoder
from dashboard.store import MeterInfo, Store

__all__ = [
    "InfluxError",
    "InfluxUnavailable",
    "InfluxRejected",
    "InfluxSettings",
    "InfluxWriter",
    "InfluxExporter",
]

log = logging.getLogger(__name__)

SECTION = "influxdb"
LINES_PER_REQUEST = 5000
"""At most this many lines per HTTP request (InfluxDB's recommended batch size)."""


class InfluxError(Exception):
    """A write to InfluxDB failed (the message never holds the token or password)."""


class InfluxUnavailable(InfluxError):
    """Temporary: the server is unreachable, timed out, overloaded (429) or failed (5xx)."""

    def __init__(self, message: str, retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InfluxRejected(InfluxError):
    """Permanent until someone fixes the configuration or the server: a 4xx other than 429."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


_KEYS = (
    "url", "version", "database", "username", "password", "org", "bucket", "token",
    "batch_size", "measurement", "timeout", "gzip", "retention_policy", "interval",
    "rejected_backoff",
)


@dataclass(frozen=True)
class InfluxSettings:
    """The validated ``[influxdb]`` table (secrets are left out of the repr)."""

    url: str = "http://127.0.0.1:8086"
    version: int = 1
    database: str = "compteur"
    username: str = ""
    password: str = field(default="", repr=False)
    org: str = ""
    bucket: str = ""
    token: str = field(default="", repr=False)
    batch_size: int = 5000
    measurement: str = "electricity"
    timeout: float = 10.0
    gzip: bool = False
    retention_policy: str = ""
    interval: float = 2.0
    rejected_backoff: float = 300.0

    @staticmethod
    def from_table(table: Mapping[str, Any]) -> "InfluxSettings":
        """Validate a raw ``[influxdb]`` TOML table; raises :class:`ConfigError` (``influxdb.<key>``)."""
        if not isinstance(table, Mapping):
            raise ConfigError(SECTION, "must be a table")
        for k in table:
            if k not in _KEYS:
                raise ConfigError(f"{SECTION}.{k}", f"unknown key (known: {', '.join(_KEYS)})")
        d = InfluxSettings()

        def s(k: str, default: str) -> str:
            v = table.get(k, default)
            if not isinstance(v, str):
                raise ConfigError(f"{SECTION}.{k}", "must be a string")
            return v

        def num(k: str, default: float, lo: float, hi: float) -> float:
            v = table.get(k, default)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ConfigError(f"{SECTION}.{k}", "must be a number")
            if not lo <= float(v) <= hi:
                raise ConfigError(f"{SECTION}.{k}", f"must be between {lo:g} and {hi:g}")
            return float(v)

        url = s("url", d.url).strip().rstrip("/")
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{SECTION}.url", "must be an http:// or https:// URL with a host")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ConfigError(
                f"{SECTION}.url",
                "must not hold credentials, a query or a fragment (use username/password or token)",
            )
        try:
            parts.port
        except ValueError:
            raise ConfigError(f"{SECTION}.url", "has an invalid port") from None
        version = table.get("version", d.version)
        if isinstance(version, bool) or version not in (1, 2):
            raise ConfigError(f"{SECTION}.version", "must be 1 or 2")
        batch = table.get("batch_size", d.batch_size)
        if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= 100_000:
            raise ConfigError(f"{SECTION}.batch_size", "must be an integer between 1 and 100000")
        gz = table.get("gzip", d.gzip)
        if not isinstance(gz, bool):
            raise ConfigError(f"{SECTION}.gzip", "must be true or false")
        measurement = s("measurement", d.measurement)
        if not measurement or measurement.startswith("#") or measurement.endswith("\\"):
            raise ConfigError(f"{SECTION}.measurement", "must be a non-empty name")
        out = InfluxSettings(
            url=url,
            version=int(version),
            database=s("database", d.database),
            username=s("username", d.username),
            password=s("password", d.password),
            org=s("org", d.org),
            bucket=s("bucket", d.bucket),
            token=s("token", d.token),
            batch_size=batch,
            measurement=measurement,
            timeout=num("timeout", d.timeout, 0.1, 600.0),
            gzip=gz,
            retention_policy=s("retention_policy", d.retention_policy),
            interval=num("interval", d.interval, 0.1, 3600.0),
            rejected_backoff=num("rejected_backoff", d.rejected_backoff, 1.0, 86400.0),
        )
        for k in ("database", "username", "password", "org", "bucket", "token", "retention_policy"):
            if any(ord(c) < 32 or ord(c) == 127 for c in getattr(out, k)):
                raise ConfigError(f"{SECTION}.{k}", "must not contain control characters (line breaks, tabs)")
        if out.username and ":" in out.username:
            raise ConfigError(f"{SECTION}.username", "must not contain ':'")
        if out.version == 1:
            if not out.database:
                raise ConfigError(f"{SECTION}.database", "is required with version = 1")
            if out.password and not out.username:
                raise ConfigError(f"{SECTION}.username", "is required when a password is set")
        else:
            for k in ("org", "bucket", "token"):
                if not getattr(out, k):
                    raise ConfigError(f"{SECTION}.{k}", "is required with version = 2")
        return out

    def write_target(self) -> Tuple[str, Dict[str, str]]:
        """The write path with its query string, and the headers (including authentication)."""
        base = urllib.parse.urlsplit(self.url).path.rstrip("/")
        headers = {"Content-Type": "text/plain; charset=utf-8", "User-Agent": "compteur-dashboard"}
        if self.version == 1:
            q: Dict[str, str] = {"db": self.database, "precision": "s"}
            if self.retention_policy:
                q["rp"] = self.retention_policy
            if self.username:
                cred = f"{self.username}:{self.password}".encode("utf-8")
                headers["Authorization"] = "Basic " + base64.b64encode(cred).decode("ascii")
            path = base + "/write"
        else:
            q = {"org": self.org, "bucket": self.bucket, "precision": "s"}
            headers["Authorization"] = f"Token {self.token}"
            path = base + "/api/v2/write"
        return path + "?" + urllib.parse.urlencode(q), headers

    def describe(self) -> str:
        """Where the points go, without secrets (for logs and the status)."""
        if self.version == 1:
            return f"{self.url} (1.x, database {self.database!r})"
        return f"{self.url} (2.x, org {self.org!r}, bucket {self.bucket!r})"


def _server_message(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for k in ("error", "message"):
            if isinstance(data.get(k), str):
                text = data[k]
                break
    text = " ".join(text.split())
    return text[:300]


def _retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return max(0.0, min(float(value.strip()), 3600.0))
    except ValueError:
        return None


class InfluxWriter:
    """Writes line protocol to one InfluxDB server (thread-safe; one request at a time)."""

    def __init__(self, settings: InfluxSettings) -> None:
        self.settings = settings
        parts = urllib.parse.urlsplit(settings.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._path, self._headers = settings.write_target()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"InfluxWriter({self.settings.describe()})"

    def _connection(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self.settings.timeout,
                context=ssl.create_default_context(),
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self.settings.timeout)

    def write(self, body: bytes) -> None:
        """POST one line-protocol body; returns on ``204``, raises :class:`InfluxError` otherwise."""
        headers = dict(self._headers)
        if self.settings.gzip:
            body = gzip.compress(body, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        with self._lock:
            conn = self._connection()
            try:
                conn.request("POST", self._path, body=body, headers=headers)
                resp = conn.getresponse()
                status = resp.status
                data = resp.read(64 * 1024)
                retry = _retry_after(resp.getheader("Retry-After"))
            except (OSError, http.client.HTTPException, socket.timeout) as e:
                reason = str(e) or type(e).__name__
                raise InfluxUnavailable(f"InfluxDB at {self.settings.url} unreachable: {reason}") from None
            finally:
                conn.close()
        if status == 204:
            return
        msg = _server_message(data)
        text = f"InfluxDB answered HTTP {status}" + (f": {msg}" if msg else "")
        if status == 429 or status >= 500:
            raise InfluxUnavailable(text, retry)
        if 400 <= status < 500:
            raise InfluxRejected(text, status)
        raise InfluxUnavailable(f"{text} (expected 204: is this an InfluxDB write endpoint?)")


class InfluxExporter(Exporter):
    """The ``[influxdb]`` exporter: stored readings → line protocol → InfluxDB, backfill first."""

    name = "influxdb"

    def __init__(self, config: Config, store: Store, settings: Optional[InfluxSettings] = None) -> None:
        super().__init__(config, store)
        self.settings = (
            settings if settings is not None
            else InfluxSettings.from_table(config.integrations.get(SECTION, {}))
        )
        self.batch_size = self.settings.batch_size
        self.interval = self.settings.interval
        self.writer = InfluxWriter(self.settings)
        self.lines_per_request = LINES_PER_REQUEST
        """Lines per HTTP request: 5000, halved on every ``413 Request Entity Too Large``."""
        self._hold_until = 0.0
        self._hold_error: Optional[InfluxError] = None
        self._rejected: Optional[int] = None
        self._encoders: Dict[str, ReadingEncoder] = {}

    def __repr__(self) -> str:
        return f"InfluxExporter({self.settings.describe()})"

    def lines(self, meter: MeterInfo, rows: List[ExportRow]) -> List[str]:
        """The line-protocol lines of ``rows`` (schema: ``lineprotocol.reading_points``).

        Raises :class:`LineProtocolError` when the meter's serial number cannot be written as a
        tag (it ends with a backslash): the batch is then retried and the error shown.
        """
        enc = self._encoders.get(meter.serial)
        if enc is None:
            enc = self._encoders[meter.serial] = ReadingEncoder(self.settings.measurement, meter.serial)
        out: List[str] = []
        for r in rows:
            out.extend(enc.lines(r.ts, r.dst, r.values))
        return out

    def send(self, meter: MeterInfo, rows: List[ExportRow]) -> None:
        """Write the points of ``rows`` in requests of at most 5000 lines; raise to retry.

        A ``413`` answer halves the request size and sends the rest again at once.
        """
        now = time.monotonic()
        if now < self._hold_until and self._hold_error is not None:
            left = self._hold_until - now
            raise type(self._hold_error)(
                f"{self._hold_error} (next attempt in {left:.0f} s)", *self._hold_args()
            )
        lines = self.lines(meter, rows)
        try:
            i = 0
            while i < len(lines):
                chunk = lines[i : i + self.lines_per_request]
                try:
                    self.writer.write(("\n".join(chunk) + "\n").encode("utf-8"))
                except InfluxRejected as e:
                    if e.status != 413 or self.lines_per_request == 1:
                        raise
                    # body too large for the server (or a proxy): smaller requests from now on
                    self.lines_per_request = max(1, self.lines_per_request // 2)
                    log.warning("%s: request too large, sending %d lines per request",
                                self.name, self.lines_per_request)
                    continue
                i += len(chunk)
        except InfluxRejected as e:
            self._hold(e, self.settings.rejected_backoff)
            self._rejected = e.status
            log.error(
                "%s: %s rejected a batch of meter %s: %s; retrying in %.0f s",
                self.name, self.settings.describe(), meter.serial, e, self.settings.rejected_backoff,
            )
            raise
        except InfluxUnavailable as e:
            if e.retry_after:
                self._hold(e, e.retry_after)
            raise
        self._hold_until = 0.0
        self._hold_error = None
        self._rejected = None

    def _hold(self, e: InfluxError, seconds: float) -> None:
        self._hold_until = time.monotonic() + seconds
        self._hold_error = e

    def _hold_args(self) -> Tuple[Any, ...]:
        e = self._hold_error
        if isinstance(e, InfluxRejected):
            return (e.status,)
        if isinstance(e, InfluxUnavailable):
            return (e.retry_after,)
        return ()

    def status(self) -> Dict[str, Any]:
        """The base status plus ``target`` (URL, version, database/bucket) and ``rejected``."""
        out = super().status()
        out["target"] = self.settings.describe()
        out["rejected"] = self._rejected
        return out
