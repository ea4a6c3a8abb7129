"""The dashboard's configuration: one TOML file (see ``config.example.toml``).

``Config.load(path)`` returns frozen dataclasses and raises :class:`ConfigError` naming the key
and the reason for every bad value. Keys and passwords are kept out of reprs and logs.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Union

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ConfigError",
    "MeterConfig",
    "SourceConfig",
    "DatabaseConfig",
    "CollectorConfig",
    "WebConfig",
    "CostsConfig",
    "Config",
    "ensure_secret_key",
    "SECRET_KEYS",
]

log = logging.getLogger(__name__)

SECRET_KEYS = ("key", "auth_key", "password")
"""Keys whose values are secrets: never logged, never in a repr."""

SOURCE_KINDS = ("push", "poll", "simulator")
PARITIES = ("none", "even", "odd")
TRANSPORTS = ("tcp", "serial")
AUTHS = ("none", "low", "high-gmac", "high-lgz")
LAYOUTS = ("self-describing", "pairs", "values")
LANGUAGES = ("fr", "en")


class ConfigError(ValueError):
    """A bad configuration: ``key`` is the dotted key path (``source.baud``), ``reason`` why."""

    def __init__(self, key: str, reason: str, path: Optional[Path] = None) -> None:
        self.key = key
        self.reason = reason
        self.path = path
        where = f"{path}: " if path is not None else ""
        super().__init__(f"{where}{key}: {reason}" if key else f"{where}{reason}")


@dataclass(frozen=True)
class MeterConfig:
    """``[meter]``: the meter this collector reads."""

    name: str = "Maison"
    timezone: str = "Europe/Zurich"
    serial: Optional[str] = None
    """Used when the pushes carry no serial number (values-only layouts, polling)."""

    @property
    def zone(self) -> ZoneInfo:
        """The meter's time zone as a ``ZoneInfo``."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class SourceConfig:
    """``[source]``: where the readings come from (``kind`` = push, poll or simulator)."""

    kind: str = "simulator"
    # push (serial port) / poll over serial
    port: Optional[str] = None
    baud: int = 2400
    parity: str = "even"
    template: Optional[str] = None
    # poll
    transport: str = "tcp"
    host: Optional[str] = None
    tcp_port: int = 4059
    device: Optional[str] = None
    interval: float = 10.0
    auth: str = "none"
    client: int = 16
    physical: int = 17
    mode_e: bool = False
    # simulator
    seed: int = 1
    history_days: int = 60
    push_interval: Optional[float] = None
    layout: str = "self-describing"
    # secrets: never in the repr
    key: Optional[str] = field(default=None, repr=False)
    auth_key: Optional[str] = field(default=None, repr=False)
    password: Optional[str] = field(default=None, repr=False)
    system_title: Optional[str] = None

    @property
    def expected_interval(self) -> Optional[float]:
        """Seconds between two readings when known (simulator, poll, or a configured push)."""
        if self.kind == "poll":
            return self.interval
        if self.kind == "simulator":
            return self.push_interval if self.push_interval is not None else 5.0
        return self.push_interval


@dataclass(frozen=True)
class DatabaseConfig:
    """``[database]``: the SQLAlchemy URL and how long raw readings are kept."""

    url: str = "sqlite:///dashboard.db"
    raw_retention_days: float = 90.0

    def __repr__(self) -> str:
        return f"DatabaseConfig(url={redact_url(self.url)!r}, raw_retention_days={self.raw_retention_days!r})"


@dataclass(frozen=True)
class CollectorConfig:
    """``[collector]``: batching, spooling, silence detection, pruning."""

    batch_size: int = 500
    flush_interval: float = 2.0
    spool_dir: Path = Path("spool")
    silence_timeout: float = 60.0
    """A gap opens when no reading arrived for this long (s)."""
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0
    prune_interval: float = 3600.0


@dataclass(frozen=True)
class WebConfig:
    """``[web]``: the web server."""

    host: str = "127.0.0.1"
    port: int = 5000
    language: str = "fr"
    secret_key_file: Path = Path("secret_key")
    cookie_secure: Union[str, bool] = "auto"
    threads: int = 16


@dataclass(frozen=True)
class CostsConfig:
    """``[costs]``: a flat price per kWh and a fixed monthly fee."""

    price_per_kwh: float = 0.0
    monthly_fee: float = 0.0
    currency: str = "CHF"


@dataclass(frozen=True)
class Config:
    """The whole configuration. Relative paths are resolved against the config file's folder."""

    path: Optional[Path] = None
    meter: MeterConfig = field(default_factory=MeterConfig)
    source: SourceConfig = field(default_factory=SourceConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    collector: CollectorConfig = field(default_factory=CollectorConfig)
    web: WebConfig = field(default_factory=WebConfig)
    costs: CostsConfig = field(default_factory=CostsConfig)
    integrations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)
    """The raw ``[mqtt]`` and ``[influxdb]`` tables, validated by ``dashboard.integrations``
    (kept out of the repr: they may hold a password or a token)."""

    @property
    def base_dir(self) -> Path:
        """The folder relative paths refer to (the config file's folder, else the cwd)."""
        return self.path.parent if self.path is not None else Path.cwd()

    @staticmethod
    def load(path: Union[str, "os.PathLike[str]"]) -> "Config":
        """Read and validate a TOML config file; raises :class:`ConfigError`."""
        p = Path(path).absolute()
        try:
            raw = p.read_bytes()
        except OSError as e:
            raise ConfigError("", f"cannot read the config file: {e.strerror or e}", p) from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise ConfigError("", f"not valid TOML: {e}", p) from None
        config = Config.from_dict(data, path=p)
        if _holds_secret(data):
            _warn_if_readable(p)
        return config

    @staticmethod
    def from_dict(data: Mapping[str, Any], *, path: Optional[Path] = None) -> "Config":
        """Validate a parsed TOML document (``path`` anchors relative paths)."""
        try:
            return _build(data, path)
        except ConfigError as e:
            if e.path is None and path is not None:
                raise ConfigError(e.key, e.reason, path) from None
            raise


def redact_url(url: str) -> str:
    """The database URL with its password replaced by ``***``."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def resolve_database_url(url: str, base: Path) -> str:
    """Make a relative SQLite path in ``url`` absolute against ``base``."""
    m = re.match(r"^(sqlite(?:\+\w+)?:///)(.*)$", url)
    if m and m.group(2) and m.group(2) != ":memory:" and not m.group(2).startswith("/"):
        return m.group(1) + str((base / m.group(2)).resolve())
    return url


def ensure_secret_key(path: Path) -> bytes:
    """Return the secret key stored in ``path``, creating it (mode 0600) if it is missing."""
    try:
        data = path.read_bytes().strip()
        if len(data) >= 32:
            return data
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32).encode()
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, value + b"\n")
    finally:
        os.close(fd)
    return value


# -- validation -------------------------------------------------------------------------------

_SECTIONS: Dict[str, Tuple[str, ...]] = {
    "meter": ("name", "timezone", "serial"),
    "source": (
        "kind", "port", "baud", "parity", "template", "transport", "host", "device", "interval",
        "auth", "client", "physical", "mode_e", "seed", "history_days", "push_interval",
        "layout", "key", "auth_key", "password", "system_title",
    ),
    "database": ("url", "raw_retention_days"),
    "collector": (
        "batch_size", "flush_interval", "spool_dir", "silence_timeout", "reconnect_min",
        "reconnect_max", "prune_interval",
    ),
    "web": ("host", "port", "language", "secret_key_file", "cookie_secure", "threads"),
    "costs": ("price_per_kwh", "monthly_fee", "currency"),
}

INTEGRATION_SECTIONS = ("mqtt", "influxdb")
"""Sections validated by the integration that owns them (``dashboard.integrations``)."""

INTEGRATION_SECRETS = ("password", "token")
"""Keys of the integration sections whose values are secrets."""


def _holds_secret(data: Mapping[str, Any]) -> bool:
    src = data.get("source")
    if isinstance(src, dict) and any(src.get(k) for k in SECRET_KEYS):
        return True
    return any(
        isinstance(data.get(name), dict) and any(data[name].get(k) for k in INTEGRATION_SECRETS)
        for name in INTEGRATION_SECTIONS
    )


def _warn_if_readable(p: Path) -> None:
    try:
        mode = p.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(
            "%s holds a key or password and is readable by group/others: chmod 600 it", p
        )


class _Section:
    def __init__(self, name: str, data: Mapping[str, Any]) -> None:
        self.name = name
        self.data = data

    def _key(self, k: str) -> str:
        return f"{self.name}.{k}"

    def _bad(self, k: str, reason: str) -> ConfigError:
        return ConfigError(self._key(k), reason)

    def has(self, k: str) -> bool:
        return k in self.data

    def str_(self, k: str, default: Optional[str], choices: Optional[Tuple[str, ...]] = None) -> Optional[str]:
        v = self.data.get(k, default)
        if v is None:
            return None
        if not isinstance(v, str):
            raise self._bad(k, f"must be a string, not {type(v).__name__}")
        if choices is not None and v not in choices:
            raise self._bad(k, f"must be one of {', '.join(map(repr, choices))}, not {v!r}")
        return v

    def secret(self, k: str) -> Optional[str]:
        v = self.data.get(k)
        if v is None or v == "":
            return None
        if not isinstance(v, str):
            raise self._bad(k, "must be a string")
        return v

    def hexkey(self, k: str, nbytes: int) -> Optional[str]:
        v = self.secret(k)
        if v is None:
            return None
        clean = v.replace(" ", "").replace(":", "")
        if not re.fullmatch(r"[0-9a-fA-F]*", clean) or len(clean) != 2 * nbytes:
            # the value itself is never repeated in the message
            raise self._bad(k, f"must be {nbytes} bytes as {2 * nbytes} hexadecimal digits")
        return clean.upper()

    def int_(self, k: str, default: int, lo: Optional[int] = None, hi: Optional[int] = None) -> int:
        v = self.data.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int):
            raise self._bad(k, f"must be an integer, not {v!r}")
        if lo is not None and v < lo:
            raise self._bad(k, f"must be at least {lo}, not {v}")
        if hi is not None and v > hi:
            raise self._bad(k, f"must be at most {hi}, not {v}")
        return v

    def float_(self, k: str, default: Optional[float], lo: Optional[float] = None, positive: bool = False) -> Optional[float]:
        v = self.data.get(k, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self._bad(k, f"must be a number, not {v!r}")
        f = float(v)
        if f != f or f in (float("inf"), float("-inf")):
            raise self._bad(k, "must be a finite number")
        if positive and f <= 0:
            raise self._bad(k, f"must be greater than 0, not {v}")
        if lo is not None and f < lo:
            raise self._bad(k, f"must be at least {lo}, not {v}")
        return f

    def bool_(self, k: str, default: bool) -> bool:
        v = self.data.get(k, default)
        if not isinstance(v, bool):
            raise self._bad(k, f"must be true or false, not {v!r}")
        return v


def _section(data: Mapping[str, Any], name: str) -> _Section:
    sec = data.get(name, {})
    if not isinstance(sec, dict):
        raise ConfigError(name, "must be a table ([" + name + "])")
    for k in sec:
        if k not in _SECTIONS[name]:
            raise ConfigError(f"{name}.{k}", "unknown key")
    return _Section(name, sec)


def _path(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def _build(data: Mapping[str, Any], path: Optional[Path]) -> Config:
    for top in data:
        if top not in _SECTIONS and top not in INTEGRATION_SECTIONS:
            raise ConfigError(top, "unknown section")
        if top in INTEGRATION_SECTIONS and not isinstance(data[top], dict):
            raise ConfigError(top, "must be a table")
    integrations = {name: dict(data[name]) for name in INTEGRATION_SECTIONS if name in data}
    base = path.parent if path is not None else Path.cwd()

    m = _section(data, "meter")
    tzname = m.str_("timezone", "Europe/Zurich") or "Europe/Zurich"
    try:
        ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("meter.timezone", f"unknown IANA time zone {tzname!r}") from None
    serial = m.data.get("serial")
    if serial is not None and not isinstance(serial, (str, int)):
        raise ConfigError("meter.serial", "must be a string")
    meter = MeterConfig(
        name=m.str_("name", "Maison") or "Maison",
        timezone=tzname,
        serial=str(serial) if serial is not None else None,
    )

    s = _section(data, "source")
    kind = s.str_("kind", "simulator", SOURCE_KINDS) or "simulator"
    transport = s.str_("transport", "tcp", TRANSPORTS) or "tcp"
    port_value = s.data.get("port")
    serial_port: Optional[str] = None
    tcp_port = 4059
    if kind == "poll" and transport == "tcp":
        if port_value is not None:
            tcp_port = s.int_("port", 4059, 1, 65535)
        host = s.str_("host", None)
        if not host:
            raise ConfigError("source.host", "required for kind = \"poll\" with transport = \"tcp\"")
    else:
        host = s.str_("host", None)
        if port_value is not None:
            serial_port = s.str_("port", None)
    device = s.str_("device", None)
    if kind == "push" and not serial_port:
        raise ConfigError("source.port", "required for kind = \"push\" (the serial port, e.g. /dev/ttyUSB0)")
    if kind == "poll" and transport == "serial":
        device = device or serial_port
        if not device:
            raise ConfigError("source.device", "required for kind = \"poll\" with transport = \"serial\"")
    default_baud = 9600 if kind == "poll" else 2400
    default_parity = "none" if kind == "poll" else "even"
    key = s.hexkey("key", 16)
    auth_key = s.hexkey("auth_key", 16)
    if auth_key is not None and key is None and kind != "poll":
        raise ConfigError("source.auth_key", "needs source.key as well")
    system_title = s.str_("system_title", None)
    if system_title is not None and not re.fullmatch(r"[0-9a-fA-F]{16}", system_title):
        raise ConfigError("source.system_title", "must be 8 bytes as 16 hexadecimal digits")
    template = s.str_("template", None)
    layout = s.str_("layout", "values" if template else "self-describing", LAYOUTS) or "self-describing"
    source = SourceConfig(
        kind=kind,
        port=serial_port,
        baud=s.int_("baud", default_baud, 50, 4_000_000),
        parity=s.str_("parity", default_parity, PARITIES) or default_parity,
        template=template,
        transport=transport,
        host=host,
        tcp_port=tcp_port,
        device=device,
        interval=s.float_("interval", 10.0, positive=True) or 10.0,
        auth=s.str_("auth", "none", AUTHS) or "none",
        client=s.int_("client", 16, 0, 127),
        physical=s.int_("physical", 17, 0, 0x3FFF),
        mode_e=s.bool_("mode_e", False),
        seed=s.int_("seed", 1, 0),
        history_days=s.int_("history_days", 60, 0, 3660),
        push_interval=s.float_("push_interval", None, positive=True),
        layout=layout,
        key=key,
        auth_key=auth_key,
        password=s.secret("password"),
        system_title=system_title,
    )

    d = _section(data, "database")
    url = d.str_("url", "sqlite:///dashboard.db") or "sqlite:///dashboard.db"
    if not re.match(r"^(sqlite|postgresql)(\+\w+)?://", url):
        raise ConfigError("database.url", "must be a sqlite:/// or postgresql+pg8000:// URL")
    if url.startswith("postgresql") and not url.startswith("postgresql+pg8000://"):
        raise ConfigError("database.url", "PostgreSQL URLs must use the pg8000 driver: postgresql+pg8000://")
    database = DatabaseConfig(
        url=resolve_database_url(url, base),
        raw_retention_days=d.float_("raw_retention_days", 90.0, positive=True) or 90.0,
    )

    c = _section(data, "collector")
    expected = source.expected_interval
    default_silence = 3 * expected if expected is not None else 60.0
    rmin = c.float_("reconnect_min", 1.0, positive=True) or 1.0
    rmax = c.float_("reconnect_max", 30.0, positive=True) or 30.0
    if rmax < rmin:
        raise ConfigError("collector.reconnect_max", "must be at least collector.reconnect_min")
    collector = CollectorConfig(
        batch_size=c.int_("batch_size", 500, 1, 100_000),
        flush_interval=c.float_("flush_interval", 2.0, positive=True) or 2.0,
        spool_dir=_path(base, c.str_("spool_dir", "spool") or "spool"),
        silence_timeout=c.float_("silence_timeout", default_silence, positive=True) or default_silence,
        reconnect_min=rmin,
        reconnect_max=rmax,
        prune_interval=c.float_("prune_interval", 3600.0, positive=True) or 3600.0,
    )

    w = _section(data, "web")
    cs = w.data.get("cookie_secure", "auto")
    if not (cs == "auto" or isinstance(cs, bool)):
        raise ConfigError("web.cookie_secure", f"must be \"auto\", true or false, not {cs!r}")
    web = WebConfig(
        host=w.str_("host", "127.0.0.1") or "127.0.0.1",
        port=w.int_("port", 5000, 0, 65535),
        language=w.str_("language", "fr", LANGUAGES) or "fr",
        secret_key_file=_path(base, w.str_("secret_key_file", "secret_key") or "secret_key"),
        cookie_secure=cs,
        threads=w.int_("threads", 16, 1, 1024),
    )

    k = _section(data, "costs")
    costs = CostsConfig(
        price_per_kwh=k.float_("price_per_kwh", 0.0, lo=0.0) or 0.0,
        monthly_fee=k.float_("monthly_fee", 0.0, lo=0.0) or 0.0,
        currency=k.str_("currency", "CHF") or "CHF",
    )
    return Config(path=path, meter=meter, source=source, database=database,
                  collector=collector, web=web, costs=costs, integrations=integrations)
