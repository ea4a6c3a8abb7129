"""The dashboard's configuration: one TOML file (see ``config.example.toml``).

``Config.load(path)`` returns frozen dataclasses and raises :class:`ConfigError` naming the key
and the reason for every bad value. Keys and passwords are kept out of reprs and logs.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import secrets
import stat
import sys
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple, Union

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import timeconv
from .analytics.tariffs import (
    DAY_KINDS,
    PEAK_15M,
    TOP3_HOURLY,
    Band,
    CapacityCharge,
    Dynamic,
    Flat,
    Tariff,
    TariffError,
    TariffHistory,
    TimeOfUse,
    load_dynamic_prices_csv,
)

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
    """``[costs]``: the tariffs in force over time, the currency and the public holidays.

    Either the shorthand ``price_per_kwh`` / ``monthly_fee`` (one flat tariff, valid forever)
    or ``[[costs.tariff]]`` tables with validity periods (see ``docs/analytics.md``).
    ``price_per_kwh`` and ``monthly_fee`` are those of the shorthand (0 with tariff tables).
    """

    price_per_kwh: float = 0.0
    monthly_fee: float = 0.0
    currency: str = "CHF"
    tariffs: TariffHistory = field(default_factory=lambda: TariffHistory([]))
    holidays: FrozenSet[date] = frozenset()
    """Extra local dates priced as public holidays (``holidays = [...]``)."""
    holiday_country: Optional[str] = None
    """ISO 3166 country of the public-holiday calendar (``holidays`` package), e.g. ``"CH"``."""
    holiday_subdivision: Optional[str] = None
    """Its subdivision (canton, Land, ...), e.g. ``"ZH"``."""

    @property
    def priced(self) -> bool:
        """Whether any tariff is configured (without one, costs are not computed)."""
        return bool(self.tariffs.tariffs)

    def holidays_in(self, first: int, last: int) -> FrozenSet[date]:
        """The public holidays of the years ``first`` to ``last``: the calendar's and the extra ones."""
        if self.holiday_country is None:
            return self.holidays
        return self.holidays | _calendar_holidays(
            self.holiday_country, self.holiday_subdivision, max(first, 1900), min(last, 2200)
        )

    def holidays_for_forecast(self, times: Sequence[int]) -> FrozenSet[date]:
        """The public holidays from the year of the first of the Unix ``times`` (a history) to
        the year after the last one, since a forecast from it may reach into January; none
        without times."""
        if not times:
            return frozenset()
        first = timeconv.from_unix(min(times)).year
        return self.holidays_in(first, timeconv.from_unix(max(times)).year + 1)


@functools.lru_cache(maxsize=64)
def _calendar_holidays(country: str, subdivision: Optional[str], first: int, last: int) -> FrozenSet[date]:
    import holidays as _holidays

    cal = _holidays.country_holidays(country, subdiv=subdivision, years=range(first, last + 1))
    return frozenset(cal.keys())


SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True)
class AnalyticsConfig:
    """``[analytics]``: the anomaly scan, alert delivery and forecasts (see ``docs/analytics.md``).

    ``thresholds`` are the ``[analytics.thresholds]`` overrides of the detectors' settings
    (``dashboard.analytics.anomalies.Settings`` field names), validated when loading.
    """

    enabled: bool = True
    scan_interval: float = 900.0
    history_days: int = 365
    webhook_url: Optional[str] = None
    webhook_min_severity: str = "warning"
    webhook_secret: Optional[str] = field(default=None, repr=False)
    webhook_timeout: float = 10.0
    mqtt_min_severity: str = "info"
    forecast_model: str = "auto"
    forecast_reselect_days: float = 7.0
    thresholds: Mapping[str, Any] = field(default_factory=dict)

    def settings(self, holidays: FrozenSet[date] = frozenset()) -> Any:
        """The detectors' ``Settings`` with the overrides and ``holidays``."""
        from .analytics.anomalies import Settings

        return Settings(**{**dict(self.thresholds), "holidays": holidays})


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
    analytics: AnalyticsConfig = field(default_factory=AnalyticsConfig)
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
    "costs": (
        "price_per_kwh", "monthly_fee", "currency", "tariff", "holidays", "holiday_country",
        "holiday_subdivision",
    ),
    "analytics": (
        "enabled", "scan_interval", "history_days", "webhook_url", "webhook_min_severity",
        "webhook_secret", "webhook_timeout", "mqtt_min_severity", "forecast_model",
        "forecast_reselect_days", "thresholds",
    ),
}

TARIFF_KEYS = (
    "name", "valid_from", "valid_to", "price_per_kwh", "bands", "prices_csv", "fixed_per_day",
    "fixed_per_month", "capacity_price_per_kw", "capacity_method", "feed_in_per_kwh",
    "feed_in_csv", "levy_per_kwh", "tax_percent",
)
"""Keys of a ``[[costs.tariff]]`` table."""

INTEGRATION_SECTIONS = ("mqtt", "influxdb")
"""Sections validated by the integration that owns them (``dashboard.integrations``)."""

INTEGRATION_SECRETS = ("password", "token")
"""Keys of the integration sections whose values are secrets."""


def _holds_secret(data: Mapping[str, Any]) -> bool:
    src = data.get("source")
    if isinstance(src, dict) and any(src.get(k) for k in SECRET_KEYS):
        return True
    analytics = data.get("analytics")
    if isinstance(analytics, dict) and analytics.get("webhook_secret"):
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

    costs = _costs(_section(data, "costs"), base)
    analytics = _analytics(_section(data, "analytics"))
    return Config(path=path, meter=meter, source=source, database=database,
                  collector=collector, web=web, costs=costs, analytics=analytics,
                  integrations=integrations)


# -- [costs] ----------------------------------------------------------------------------------


def _costs(k: _Section, base: Path) -> CostsConfig:
    currency = k.str_("currency", "CHF") or "CHF"
    tables = k.data.get("tariff")
    country = k.str_("holiday_country", None)
    subdivision = k.str_("holiday_subdivision", None)
    if subdivision is not None and country is None:
        raise ConfigError("costs.holiday_subdivision", "needs costs.holiday_country as well")
    if country is not None:
        _check_calendar(country, subdivision)
    extra = _dates(k, "holidays")
    if tables is None:
        price = k.float_("price_per_kwh", 0.0, lo=0.0) or 0.0
        fee = k.float_("monthly_fee", 0.0, lo=0.0) or 0.0
        shorthand = [Tariff(valid_from=date(1970, 1, 1), energy=Flat(price), fixed_per_month=fee)]
        history = TariffHistory(shorthand if (price or fee) else [])
        return CostsConfig(price, fee, currency, history, extra, country, subdivision)
    for key in ("price_per_kwh", "monthly_fee"):
        if k.has(key):
            raise ConfigError(
                f"costs.{key}",
                "give prices either here (one flat tariff) or in [[costs.tariff]] tables, not both",
            )
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError("costs.tariff", "must be an array of tables ([[costs.tariff]])")
    tariffs = [_tariff(i, t, base) for i, t in enumerate(tables, start=1)]
    try:
        history = TariffHistory(tariffs)
    except TariffError as e:
        raise ConfigError("costs.tariff", str(e)) from None
    return CostsConfig(0.0, 0.0, currency, history, extra, country, subdivision)


def _check_calendar(country: str, subdivision: Optional[str]) -> None:
    try:
        import holidays as _holidays
    except ImportError:  # pragma: no cover - a dependency of the dashboard
        raise ConfigError("costs.holiday_country", "needs the holidays package (pip install holidays)") from None
    supported = _holidays.list_supported_countries()
    if country not in supported:
        raise ConfigError("costs.holiday_country", f"unknown country code {country!r} (ISO 3166, e.g. \"CH\")")
    subs = supported[country]
    if subdivision is not None and subdivision not in subs:
        raise ConfigError(
            "costs.holiday_subdivision",
            f"unknown subdivision {subdivision!r} of {country}: one of {', '.join(subs)}",
        )


def _date(key: str, v: Any) -> date:
    if isinstance(v, date) and not hasattr(v, "hour"):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    raise ConfigError(key, f"must be a date (2026-01-01), not {v!r}")


def _dates(k: _Section, name: str) -> FrozenSet[date]:
    v = k.data.get(name, [])
    if not isinstance(v, list):
        raise ConfigError(f"{k.name}.{name}", "must be a list of dates")
    return frozenset(_date(f"{k.name}.{name}[{i}]", x) for i, x in enumerate(v))


def _clock(key: str, v: Any) -> time:
    if isinstance(v, time):
        return v
    if isinstance(v, str):
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", v.strip())
        if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
            t = time(int(m.group(1)), int(m.group(2)))
            if t.minute % 15 == 0:
                return t
            raise ConfigError(key, f"must be on a quarter hour, not {v!r}")
    raise ConfigError(key, f"must be a local time \"HH:MM\", not {v!r}")


def _csv_prices(key: str, base: Path, value: str) -> Dynamic:
    p = _path(base, value)
    try:
        with open(p, encoding="utf-8", newline="") as f:
            return load_dynamic_prices_csv(f)
    except OSError as e:
        raise ConfigError(key, f"cannot read {p}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ConfigError(key, f"{p} is not UTF-8 text") from None
    except TariffError as e:
        raise ConfigError(key, f"{p}: {e}") from None


def _tariff(i: int, data: Mapping[str, Any], base: Path) -> Tariff:
    name = f"costs.tariff[{i}]"
    for key in data:
        if key not in TARIFF_KEYS:
            raise ConfigError(f"{name}.{key}", "unknown key")
    t = _Section(name, data)
    if "valid_from" not in data:
        raise ConfigError(f"{name}.valid_from", "required: the first local day of the tariff")
    valid_from = _date(f"{name}.valid_from", data["valid_from"])
    valid_to = _date(f"{name}.valid_to", data["valid_to"]) if "valid_to" in data else None
    given = [key for key in ("price_per_kwh", "bands", "prices_csv") if key in data]
    if len(given) != 1:
        raise ConfigError(
            name, "needs exactly one energy price: price_per_kwh (flat), bands (time of use) or prices_csv (dynamic)"
        )
    energy: Union[Flat, TimeOfUse, Dynamic]
    if given[0] == "price_per_kwh":
        energy = Flat(t.float_("price_per_kwh", 0.0, lo=0.0) or 0.0)
    elif given[0] == "bands":
        energy = _bands(f"{name}.bands", data["bands"])
    else:
        energy = _csv_prices(f"{name}.prices_csv", base, t.str_("prices_csv", "") or "")
    feed_in: Union[float, Dynamic, None] = None
    if "feed_in_per_kwh" in data and "feed_in_csv" in data:
        raise ConfigError(f"{name}.feed_in_csv", "give feed_in_per_kwh or feed_in_csv, not both")
    if "feed_in_per_kwh" in data:
        feed_in = t.float_("feed_in_per_kwh", 0.0, lo=0.0)
    elif "feed_in_csv" in data:
        feed_in = _csv_prices(f"{name}.feed_in_csv", base, t.str_("feed_in_csv", "") or "")
    capacity = None
    if "capacity_price_per_kw" in data:
        method = t.str_("capacity_method", PEAK_15M, (PEAK_15M, TOP3_HOURLY)) or PEAK_15M
        capacity = CapacityCharge(t.float_("capacity_price_per_kw", 0.0, lo=0.0) or 0.0, method)
    elif "capacity_method" in data:
        raise ConfigError(f"{name}.capacity_method", "needs capacity_price_per_kw as well")
    try:
        return Tariff(
            valid_from=valid_from,
            valid_to=valid_to,
            energy=energy,
            name=t.str_("name", "") or "",
            fixed_per_day=t.float_("fixed_per_day", 0.0, lo=0.0) or 0.0,
            fixed_per_month=t.float_("fixed_per_month", 0.0, lo=0.0) or 0.0,
            capacity=capacity,
            feed_in=feed_in,
            tax_percent=t.float_("tax_percent", 0.0, lo=0.0) or 0.0,
            levy_per_kwh=t.float_("levy_per_kwh", 0.0, lo=0.0) or 0.0,
        )
    except TariffError as e:
        raise ConfigError(name, str(e)) from None


def _bands(key: str, value: Any) -> TimeOfUse:
    if not isinstance(value, list) or not value or not all(isinstance(b, dict) for b in value):
        raise ConfigError(key, "must be a non-empty list of tables {days, start, end, price_per_kwh}")
    bands: List[Band] = []
    for j, b in enumerate(value, start=1):
        bk = f"{key}[{j}]"
        for name in b:
            if name not in ("days", "start", "end", "price_per_kwh"):
                raise ConfigError(f"{bk}.{name}", "unknown key")
        for name in ("days", "start", "end", "price_per_kwh"):
            if name not in b:
                raise ConfigError(f"{bk}.{name}", "required")
        days = b["days"]
        if isinstance(days, str):
            days = [days]
        if not isinstance(days, list) or not days or not all(isinstance(d, str) and d in DAY_KINDS for d in days):
            raise ConfigError(f"{bk}.days", f"must be a list of {', '.join(sorted(DAY_KINDS))}, not {b['days']!r}")
        price = _Section(bk, b).float_("price_per_kwh", 0.0, lo=0.0) or 0.0
        bands.append(Band(frozenset(days), _clock(f"{bk}.start", b["start"]), _clock(f"{bk}.end", b["end"]), price))
    return TimeOfUse(tuple(bands))


# -- [analytics] ------------------------------------------------------------------------------


def _analytics(a: _Section) -> AnalyticsConfig:
    url = a.str_("webhook_url", None)
    if url is not None and not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError("analytics.webhook_url", "must be an http:// or https:// URL")
    model = a.str_("forecast_model", "auto") or "auto"
    from .analytics import FORECAST_MODELS

    if model not in ("auto", *FORECAST_MODELS):
        raise ConfigError("analytics.forecast_model", f"must be \"auto\" or one of {', '.join(FORECAST_MODELS)}, not {model!r}")
    raw = a.data.get("thresholds", {})
    if not isinstance(raw, dict):
        raise ConfigError("analytics.thresholds", "must be a table ([analytics.thresholds])")
    thresholds = _thresholds(raw)
    return AnalyticsConfig(
        enabled=a.bool_("enabled", True),
        scan_interval=a.float_("scan_interval", 900.0, lo=60.0) or 900.0,
        history_days=a.int_("history_days", 365, 28, 3660),
        webhook_url=url,
        webhook_min_severity=a.str_("webhook_min_severity", "warning", SEVERITIES) or "warning",
        webhook_secret=a.secret("webhook_secret"),
        webhook_timeout=a.float_("webhook_timeout", 10.0, positive=True) or 10.0,
        mqtt_min_severity=a.str_("mqtt_min_severity", "info", SEVERITIES) or "info",
        forecast_model=model,
        forecast_reselect_days=a.float_("forecast_reselect_days", 7.0, positive=True) or 7.0,
        thresholds=thresholds,
    )


def _thresholds(raw: Mapping[str, Any]) -> Dict[str, Any]:
    if not raw:
        return {}
    from dataclasses import fields as _fields

    from .analytics.anomalies import Settings

    defaults = {f.name: getattr(Settings(), f.name) for f in _fields(Settings) if f.name != "holidays"}
    out: Dict[str, Any] = {}
    for k, v in raw.items():
        key = f"analytics.thresholds.{k}"
        if k not in defaults:
            raise ConfigError(key, "unknown setting (see the list in docs/analytics.md)")
        d = defaults[k]
        if isinstance(d, bool) or d is None:  # expect_export: None is "automatic"
            if not isinstance(v, bool):
                raise ConfigError(key, f"must be true or false, not {v!r}")
        elif isinstance(d, int):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ConfigError(key, f"must be an integer, not {v!r}")
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(key, f"must be a number, not {v!r}")
        out[k] = float(v) if isinstance(d, float) else v
    try:
        Settings(**out)
    except ValueError as e:
        raise ConfigError("analytics.thresholds", str(e)) from None
    return out
