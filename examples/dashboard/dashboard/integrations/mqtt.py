"""MQTT export and Home Assistant discovery (``[mqtt]`` in the config file).

Every stored reading is published as one JSON object on ``<base_topic>/<serial>/state``
(retained). The exporter's connection state is on ``<base_topic>/availability`` (``online``,
retained; the broker publishes the last will ``offline`` when the connection is lost). With
``discovery = true`` one Home Assistant discovery config per sensor is published (retained) on
``<discovery_prefix>/sensor/<node_id>/<object_id>/config`` and published again whenever
``<discovery_prefix>/status`` says ``online``. With QoS 1 or 2 the exporter waits for the
broker's acknowledgement of every message of a batch before it advances its cursor, so a broker
restart loses no reading. See ``docs/home-assistant.md``.
"""

from __future__ import annotations

import json
import logging
import math
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from zoneinfo import ZoneInfo

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from dashboard import timeconv
from dashboard.analytics.billing import bill_range
from dashboard.config import Config, ConfigError, CostsConfig
from dashboard.integrations.base import Exporter, ExportRow
from dashboard.quantities import QUANTITIES
from dashboard.store import MeterInfo, Store

__all__ = ["MqttSettings", "MqttExporter", "Entity", "parse_settings", "entities_for", "sanitize_id"]

log = logging.getLogger(__name__)

_KEYS = (
    "host", "port", "username", "password", "tls", "qos", "base_topic", "discovery",
    "discovery_prefix", "node_id", "expire_after", "client_id", "keepalive", "ack_timeout",
    "submeters",
)
_TLS_KEYS = ("ca_file", "cert_file", "key_file", "insecure")
_ID_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
_TOPIC_BAD = re.compile(r"[+#\x00]")
MEDIA = ("gas", "water")


@dataclass(frozen=True)
class TlsSettings:
    """``[mqtt.tls]``: CA bundle (default: the system's), client certificate, hostname check."""

    ca_file: Optional[Path] = None
    cert_file: Optional[Path] = None
    key_file: Optional[Path] = None
    insecure: bool = False


@dataclass(frozen=True)
class MqttSettings:
    """The validated ``[mqtt]`` table (the password is kept out of the repr)."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    tls: Optional[TlsSettings] = None
    qos: int = 1
    base_topic: str = "compteur"
    discovery: bool = True
    discovery_prefix: str = "homeassistant"
    node_id: Optional[str] = None
    expire_after: int = 300
    client_id: str = "compteur-dashboard"
    keepalive: int = 60
    ack_timeout: float = 10.0
    submeters: Mapping[str, str] = field(default_factory=dict)
    """Medium per M-Bus channel number (``"1" = "water"``), overriding the detection."""


def sanitize_id(value: str) -> str:
    """``value`` with every character outside ``[a-zA-Z0-9_-]`` replaced by ``_``."""
    out = re.sub(r"[^a-zA-Z0-9_-]", "_", value)
    return out or "_"


def _topic(key: str, value: Any, default: str) -> str:
    v = default if value is None else value
    if not isinstance(v, str):
        raise ConfigError(key, f"must be a string, not {type(v).__name__}")
    v = v.strip("/")
    if not v:
        raise ConfigError(key, "must not be empty")
    if _TOPIC_BAD.search(v):
        raise ConfigError(key, "must not contain the wildcards + or # (nor NUL)")
    return v


def _int(data: Mapping[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    v = data.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int):
        raise ConfigError(f"mqtt.{key}", f"must be an integer, not {v!r}")
    if not lo <= v <= hi:
        raise ConfigError(f"mqtt.{key}", f"must be {lo}..{hi}, not {v}")
    return v


def _str(data: Mapping[str, Any], key: str) -> Optional[str]:
    v = data.get(key)
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise ConfigError(f"mqtt.{key}", "must be a string")
    return v


def _file(base: Path, key: str, value: Any) -> Optional[Path]:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(key, "must be a string (a file path)")
    p = Path(value).expanduser()
    p = p if p.is_absolute() else base / p
    if not p.is_file():
        raise ConfigError(key, f"no such file: {p}")
    return p


def _default_expiry(config: Config) -> int:
    """300 s, or three reading intervals when the source's interval is longer than 100 s."""
    expected = config.source.expected_interval
    return max(300, int(math.ceil(3 * expected))) if expected is not None else 300


def parse_settings(config: Config) -> MqttSettings:
    """Validate ``config.integrations["mqtt"]``; raises :class:`ConfigError` naming the key."""
    data = config.integrations.get("mqtt", {})
    for k in data:
        if k not in _KEYS:
            raise ConfigError(f"mqtt.{k}", "unknown key")
    host = _str(data, "host") or "127.0.0.1"
    tls_raw = data.get("tls", False)
    tls: Optional[TlsSettings] = None
    if isinstance(tls_raw, bool):
        tls = TlsSettings() if tls_raw else None
    elif isinstance(tls_raw, dict):
        for k in tls_raw:
            if k not in _TLS_KEYS:
                raise ConfigError(f"mqtt.tls.{k}", "unknown key")
        insecure = tls_raw.get("insecure", False)
        if not isinstance(insecure, bool):
            raise ConfigError("mqtt.tls.insecure", f"must be true or false, not {insecure!r}")
        tls = TlsSettings(
            ca_file=_file(config.base_dir, "mqtt.tls.ca_file", tls_raw.get("ca_file")),
            cert_file=_file(config.base_dir, "mqtt.tls.cert_file", tls_raw.get("cert_file")),
            key_file=_file(config.base_dir, "mqtt.tls.key_file", tls_raw.get("key_file")),
            insecure=insecure,
        )
        if tls.key_file is not None and tls.cert_file is None:
            raise ConfigError("mqtt.tls.key_file", "needs mqtt.tls.cert_file")
    else:
        raise ConfigError("mqtt.tls", "must be true, false or a table (ca_file, cert_file, key_file, insecure)")
    port = _int(data, "port", 8883 if tls is not None else 1883, 1, 65535)
    username = _str(data, "username")
    password = _str(data, "password")
    if password is not None and username is None:
        raise ConfigError("mqtt.password", "needs mqtt.username")
    discovery = data.get("discovery", True)
    if not isinstance(discovery, bool):
        raise ConfigError("mqtt.discovery", f"must be true or false, not {discovery!r}")
    node_id = _str(data, "node_id")
    if node_id is not None and not _ID_RE.match(node_id):
        raise ConfigError("mqtt.node_id", "may only contain letters, digits, _ and -")
    client_id = _str(data, "client_id") or "compteur-dashboard"
    if not _ID_RE.match(client_id) or len(client_id) > 64:
        raise ConfigError("mqtt.client_id", "1..64 letters, digits, _ and -")
    ack = data.get("ack_timeout", 10.0)
    if isinstance(ack, bool) or not isinstance(ack, (int, float)) or not (0 < float(ack) <= 600):
        raise ConfigError("mqtt.ack_timeout", f"must be a number of seconds in (0, 600], not {ack!r}")
    sub_raw = data.get("submeters", {})
    if not isinstance(sub_raw, dict):
        raise ConfigError("mqtt.submeters", "must be a table: channel = \"gas\" or \"water\"")
    submeters: Dict[str, str] = {}
    for ch, medium in sub_raw.items():
        if not re.fullmatch(r"[1-9][0-9]?", str(ch)) or int(ch) > 64:
            raise ConfigError(f"mqtt.submeters.{ch}", "the key must be an M-Bus channel number 1..64")
        if medium not in MEDIA:
            raise ConfigError(f"mqtt.submeters.{ch}", f"must be \"gas\" or \"water\", not {medium!r}")
        submeters[str(int(ch))] = medium
    return MqttSettings(
        host=host,
        port=port,
        username=username,
        password=password,
        tls=tls,
        qos=_int(data, "qos", 1, 0, 2),
        base_topic=_topic("mqtt.base_topic", data.get("base_topic"), "compteur"),
        discovery=discovery,
        discovery_prefix=_topic("mqtt.discovery_prefix", data.get("discovery_prefix"), "homeassistant"),
        node_id=node_id,
        expire_after=_int(data, "expire_after", _default_expiry(config), 0, 86400 * 7),
        client_id=client_id,
        keepalive=_int(data, "keepalive", 60, 5, 3600),
        ack_timeout=float(ack),
        submeters=submeters,
    )


# -- entities ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """One Home Assistant sensor: its object id, state key and discovery fields."""

    object_id: str
    name: str
    topic: str
    """Which state topic feeds it: ``state``, ``cost`` or ``submeter/<channel>``."""
    key: str
    """The key of the JSON state object holding its value."""
    device_class: Optional[str]
    state_class: str
    unit: Optional[str]
    precision: Optional[int] = None
    extra: Mapping[str, Any] = field(default_factory=dict)


# quantity -> (name, device class, unit published, factor from the stored unit, precision)
_QUANTITY_ENTITIES: Dict[str, Tuple[str, Optional[str], Optional[str], float, int]] = {
    "active_energy_import": ("Energy import", "energy", "kWh", 0.001, 3),
    "active_energy_export": ("Energy export", "energy", "kWh", 0.001, 3),
    "reactive_energy_import": ("Reactive energy import", "reactive_energy", "kvarh", 0.001, 3),
    "reactive_energy_export": ("Reactive energy export", "reactive_energy", "kvarh", 0.001, 3),
    "active_power_import": ("Power import", "power", "W", 1.0, 0),
    "active_power_export": ("Power export", "power", "W", 1.0, 0),
    "reactive_power_import": ("Reactive power import", "reactive_power", "var", 1.0, 0),
    "reactive_power_export": ("Reactive power export", "reactive_power", "var", 1.0, 0),
    "voltage_l1": ("Voltage L1", "voltage", "V", 1.0, 1),
    "voltage_l2": ("Voltage L2", "voltage", "V", 1.0, 1),
    "voltage_l3": ("Voltage L3", "voltage", "V", 1.0, 1),
    "current_l1": ("Current L1", "current", "A", 1.0, 2),
    "current_l2": ("Current L2", "current", "A", 1.0, 2),
    "current_l3": ("Current L3", "current", "A", 1.0, 2),
    "power_factor": ("Power factor", "power_factor", None, 1.0, 3),
    "frequency": ("Frequency", "frequency", "Hz", 1.0, 2),
}
assert set(_QUANTITY_ENTITIES) == set(QUANTITIES)


def state_value(quantity: str, value: Optional[float]) -> Optional[float]:
    """A stored value converted to the unit published on MQTT (Wh -> kWh, varh -> kvarh)."""
    if value is None or not math.isfinite(value):
        return None
    factor = _QUANTITY_ENTITIES[quantity][3]
    return round(value * factor, 6) if factor != 1.0 else value


@dataclass(frozen=True)
class SubMeter:
    """An M-Bus sub-meter channel seen in the stored OBIS list."""

    channel: str
    medium: str
    value: float
    unit: str
    device_id: Optional[str]
    how: str
    """How the medium was decided: ``config``, ``device type`` or ``default``."""


# EN 13757-3 device types (the value of 0-b:24.1.0)
_GAS_TYPES = {3}
_WATER_TYPES = {6, 7, 0x15, 0x16}
_VALUE_RE = re.compile(r"^0-([0-9]+):24\.2\.[1-3](\*255)?$")
_TYPE_RE = re.compile(r"^0-([0-9]+):24\.1\.0(\*255)?$")
_ID_OBIS_RE = re.compile(r"^0-([0-9]+):96\.1\.[0-1](\*255)?$")


def _as_number(v: Any) -> Optional[float]:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return None
        return f if math.isfinite(f) else None
    return None


def _device_type(v: Any) -> Optional[int]:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        s = v.strip().lower()
        try:
            return int(s, 16) if s.startswith("0x") else int(s)
        except ValueError:
            return None
    return None


def submeters_of(obis: Sequence[Tuple[str, Any, Optional[str]]], overrides: Mapping[str, str]) -> List[SubMeter]:
    """The gas/water channels (``0-b:24.2.1``) of a stored OBIS list, with their medium.

    The medium comes from ``[mqtt] submeters`` when configured for the channel, else from the
    channel's device type object ``0-b:24.1.0`` (EN 13757-3: 3 = gas; 6, 7, 0x15, 0x16 =
    water), else gas (the usual M-Bus sub-meter). Volumes are published in m³ (litres are
    converted).
    """
    values: Dict[str, Tuple[float, str]] = {}
    types: Dict[str, int] = {}
    ids: Dict[str, str] = {}
    for code, value, unit in obis:
        m = _VALUE_RE.match(code)
        if m and m.group(1) != "0":
            num = _as_number(value)
            u = (unit or "").strip()
            if num is None:
                continue
            if u.lower() in ("l", "litre", "liter", "litres", "liters"):
                num, u = num / 1000.0, "m³"
            elif u.lower() in ("m3", "m³", "m^3", ""):
                u = "m³"
            else:
                continue  # not a volume: not a gas or water meter reading
            values.setdefault(m.group(1), (num, u))
            continue
        m = _TYPE_RE.match(code)
        if m:
            t = _device_type(value)
            if t is not None:
                types[m.group(1)] = t
            continue
        m = _ID_OBIS_RE.match(code)
        if m and value is not None:
            ids[m.group(1)] = str(value)
    out: List[SubMeter] = []
    for ch in sorted(values, key=int):
        num, unit = values[ch]
        if ch in overrides:
            medium, how = overrides[ch], "config"
        elif types.get(ch) in _GAS_TYPES:
            medium, how = "gas", "device type"
        elif types.get(ch) in _WATER_TYPES:
            medium, how = "water", "device type"
        else:
            medium, how = "gas", "default"
        out.append(SubMeter(ch, medium, num, unit, ids.get(ch), how))
    return out


def entities_for(
    quantities: Sequence[str], submeters: Sequence[SubMeter], currency: Optional[str],
    alerts: bool = False,
) -> List[Entity]:
    """The sensors of one meter: its quantities, the cost (when a price is set), sub-meters,
    and the number of open alerts (when the analytics run)."""
    out: List[Entity] = []
    for q in QUANTITIES:
        if q not in quantities:
            continue
        name, dc, unit, _f, prec = _QUANTITY_ENTITIES[q]
        counter = QUANTITIES[q].kind == "counter"
        out.append(Entity(q, name, "state", q, dc, "total_increasing" if counter else "measurement", unit, prec))
    if currency is not None:
        out.append(Entity(
            "cost_today", "Cost today", "cost", "cost_today", "monetary", "total", currency, 2,
            {"last_reset_value_template": "{{ value_json.last_reset }}"},
        ))
    if alerts:
        out.append(Entity("open_alerts", "Open alerts", "alerts", "open", None, "measurement", None, 0))
    for sm in submeters:
        label = "Gas" if sm.medium == "gas" else "Water"
        out.append(Entity(
            f"{sm.medium}_{sm.channel}", f"{label} (channel {sm.channel})", f"submeter/{sm.channel}",
            "value", sm.medium, "total_increasing", "m³", 3,
        ))
    return out


def cost_today(store: Store, meter: MeterInfo, ts: int, costs: CostsConfig) -> Tuple[float, float, datetime]:
    """(cost, imported kWh, local midnight) of the meter's local day up to the reading ``ts``.

    The same bill as ``/api/costs`` from local midnight to ``ts`` (the configured tariffs, fixed
    charges pro rata of the part of the day elapsed, capacity charges of the day's peaks).
    """
    zone = ZoneInfo(meter.timezone)
    day: date = timeconv.local_day_of(ts, zone)
    lo, _hi = timeconv.local_day_bounds(day, zone)
    bill = bill_range(store, meter, timeconv.from_unix(lo), timeconv.from_unix(ts), costs)
    return round(bill.totals.total, 4), bill.totals.import_kwh, timeconv.from_unix(lo).astimezone(zone)


# -- the exporter -----------------------------------------------------------------------------


class MqttExporter(Exporter):
    """Publishes the stored readings to an MQTT broker, with Home Assistant discovery."""

    name = "mqtt"
    batch_size = 200
    interval = 1.0

    def __init__(self, config: Config, store: Store) -> None:
        self.settings = parse_settings(config)
        super().__init__(config, store)
        s = self.settings
        self.availability_topic = f"{s.base_topic}/availability"
        self.status_topic = f"{s.discovery_prefix}/status"
        self._connected = threading.Event()
        self._discovery_due = threading.Event()
        self._discovered: Dict[int, Tuple[Tuple[str, ...], Tuple[str, ...]]] = {}
        self._alert_summaries: Dict[int, str] = {}
        self.alerts_published = 0
        self._seen: Dict[int, Set[str]] = {}
        self._conn_error: Optional[str] = None
        self._client: Optional[paho.Client] = None
        self._closing = False
        self.discovery_count = 0
        """How many times the discovery configs were published (all meters)."""

    def __repr__(self) -> str:
        s = self.settings
        return f"MqttExporter(host={s.host!r}, port={s.port!r}, base_topic={s.base_topic!r})"

    # topics -----------------------------------------------------------------------------------

    def meter_topic(self, meter: MeterInfo, leaf: str) -> str:
        """``<base_topic>/<serial>/<leaf>``."""
        return f"{self.settings.base_topic}/{sanitize_id(meter.serial)}/{leaf}"

    def node_id(self, meter: MeterInfo) -> str:
        """The discovery node id of a meter (``[mqtt] node_id`` or ``compteur_<serial>``)."""
        configured = self.settings.node_id
        if configured is not None:
            if len(self._meter_serials()) > 1:
                return sanitize_id(f"{configured}_{meter.serial}")
            return configured
        return sanitize_id(f"compteur_{meter.serial}")

    def _meter_serials(self) -> List[str]:
        try:
            return [m.serial for m in self.store.meters()]
        except Exception:  # noqa: BLE001 - used for naming only
            return []

    # connection -------------------------------------------------------------------------------

    def open(self) -> None:
        """Create the client (last will ``offline``) and connect in the background."""
        s = self.settings
        client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=s.client_id, protocol=paho.MQTTv311, clean_session=True
        )
        if s.username is not None:
            client.username_pw_set(s.username, s.password)
        if s.tls is not None:
            client.tls_set(
                ca_certs=str(s.tls.ca_file) if s.tls.ca_file else None,
                certfile=str(s.tls.cert_file) if s.tls.cert_file else None,
                keyfile=str(s.tls.key_file) if s.tls.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
            if s.tls.insecure:
                client.tls_insecure_set(True)
        client.will_set(self.availability_topic, "offline", qos=max(1, s.qos), retain=True)
        client.reconnect_delay_set(1, 10)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_connect_fail = self._on_connect_fail
        client.on_message = self._on_message
        self._client = client
        log.info("mqtt: connecting to %s:%d%s", s.host, s.port, " (TLS)" if s.tls else "")
        client.connect_async(s.host, s.port, keepalive=s.keepalive)
        client.loop_start()

    def close(self) -> None:
        """Publish ``offline`` and disconnect."""
        client = self._client
        if client is None:
            return
        self._closing = True
        try:
            if self._connected.is_set():
                info = client.publish(self.availability_topic, "offline", qos=max(1, self.settings.qos), retain=True)
                try:
                    info.wait_for_publish(timeout=2.0)
                except (RuntimeError, ValueError):
                    pass
            client.disconnect()
        finally:
            client.loop_stop()
            self._client = None
            self._connected.clear()

    def _on_connect(
        self, client: paho.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Optional[Properties]
    ) -> None:
        if reason.is_failure:
            self._conn_error = f"the broker refused the connection: {reason}"
            self._set_state("retrying", self._conn_error)
            log.warning("mqtt: %s", self._conn_error)
            return
        s = self.settings
        self._conn_error = None
        client.publish(self.availability_topic, "online", qos=max(1, s.qos), retain=True)
        if s.discovery:
            client.subscribe(self.status_topic, qos=1)
            self._discovery_due.set()
        self._connected.set()
        log.info("mqtt: connected to %s:%d", s.host, s.port)
        self.wake()

    def _on_connect_fail(self, _client: paho.Client, _userdata: Any) -> None:
        s = self.settings
        why = "refused, unreachable or TLS handshake failed" if s.tls else "refused or unreachable"
        self._conn_error = f"cannot connect to {s.host}:{s.port} ({why})"
        self._set_state("retrying", self._conn_error)
        log.debug("mqtt: %s", self._conn_error)

    def _on_disconnect(
        self, _client: paho.Client, _userdata: Any, _flags: Any, reason: ReasonCode, _props: Optional[Properties]
    ) -> None:
        was = self._connected.is_set()
        self._connected.clear()
        if was and not self._closing:
            self._conn_error = f"connection lost: {reason}"
            self._set_state("retrying", self._conn_error)
            log.warning("mqtt: %s (reconnecting)", self._conn_error)

    def _on_message(self, _client: paho.Client, _userdata: Any, msg: paho.MQTTMessage) -> None:
        if msg.topic == self.status_topic and msg.payload.strip() == b"online":
            log.info("mqtt: Home Assistant is online: publishing discovery again")
            self._discovery_due.set()
            self.wake()

    def _require_connection(self) -> paho.Client:
        client = self._client
        deadline = time.monotonic() + 5.0
        while not self._connected.wait(timeout=0.1):
            if self.stop_event.is_set() or time.monotonic() > deadline:
                break
        if client is None or not self._connected.is_set():
            raise ConnectionError(self._conn_error or f"not connected to {self.settings.host}:{self.settings.port}")
        return client

    def _publish_all(self, messages: List[Tuple[str, str]]) -> None:
        """Publish (topic, payload) pairs retained and wait for every acknowledgement."""
        client = self._require_connection()
        qos = self.settings.qos
        infos = [client.publish(t, p, qos=qos, retain=True) for t, p in messages]
        deadline = time.monotonic() + self.settings.ack_timeout
        for info in infos:
            remaining = deadline - time.monotonic()
            try:
                info.wait_for_publish(timeout=max(0.0, remaining))
            except (RuntimeError, ValueError) as e:
                raise ConnectionError(f"publish failed: {e}") from None
            if not info.is_published():
                raise TimeoutError(
                    f"no acknowledgement from the broker within {self.settings.ack_timeout:g} s"
                )

    # status -----------------------------------------------------------------------------------

    def status(self) -> Dict[str, Any]:
        """The base status plus the broker address; ``retrying`` while disconnected."""
        st = super().status()
        if st["state"] in ("connected", "starting") and not self._connected.is_set() and self._conn_error:
            st["state"] = "retrying"
            st["last_error"] = self._conn_error or st["last_error"]
        st["broker"] = f"{self.settings.host}:{self.settings.port}"
        st["discovery"] = self.settings.discovery
        return st

    # cursor, sending --------------------------------------------------------------------------

    def start_cursor(self, meter: MeterInfo) -> int:
        """History is not replayed to a broker: start with the newest stored reading."""
        latest = self.store.latest_ts(meter.id)
        return latest - 1 if latest is not None else 0

    def state_payload(self, meter: MeterInfo, row: ExportRow) -> Dict[str, Any]:
        """The JSON object published on ``<base_topic>/<serial>/state`` for one reading."""
        zone = ZoneInfo(meter.timezone)
        out: Dict[str, Any] = {"time": timeconv.from_unix(row.ts).astimezone(zone).isoformat()}
        for q in QUANTITIES:
            out[q] = state_value(q, row.values.get(q))
        return out

    def _extras(self, meter: MeterInfo, last: ExportRow) -> List[Tuple[str, str]]:
        """The cost and sub-meter messages that follow a batch."""
        msgs: List[Tuple[str, str]] = []
        c = self.config.costs
        zone = ZoneInfo(meter.timezone)
        if c.priced:
            cost, kwh, midnight = cost_today(self.store, meter, last.ts, c)
            msgs.append((self.meter_topic(meter, "cost"), json.dumps({
                "time": timeconv.from_unix(last.ts).astimezone(zone).isoformat(),
                "cost_today": cost,
                "energy_today": round(kwh, 6),
                "currency": c.currency,
                "last_reset": midnight.isoformat(),
            })))
        latest = self.store.latest(meter.id)
        if latest is not None:
            for sm in submeters_of(latest.obis, self.settings.submeters):
                msgs.append((self.meter_topic(meter, f"submeter/{sm.channel}"), json.dumps({
                    "time": latest.time.astimezone(zone).isoformat(),
                    "value": round(sm.value, 6),
                    "unit": sm.unit,
                    "medium": sm.medium,
                    "medium_from": sm.how,
                    "device_id": sm.device_id,
                })))
        return msgs

    def send(self, meter: MeterInfo, rows: List[ExportRow]) -> None:
        """Publish one state message per reading (then cost and sub-meters), all acknowledged."""
        if self.settings.discovery:
            # Connected first: a connection makes discovery due (``_on_connect``), and the due
            # publication must not follow one this call made while still connecting.
            self._require_connection()
            self._rediscover()
            self._discover(meter, rows)
        msgs = [(self.meter_topic(meter, "state"), json.dumps(self.state_payload(meter, r))) for r in rows]
        msgs.extend(self._extras(meter, rows[-1]))
        self._publish_all(msgs)

    # discovery --------------------------------------------------------------------------------

    def meter_entities(self, meter: MeterInfo, rows: Sequence[ExportRow] = ()) -> List[Entity]:
        """The sensors of a meter: the quantities seen in its newest reading or in ``rows``
        (since the start: a sensor, once announced, stays), the cost, the sub-meters."""
        latest = self.store.latest(meter.id)
        seen = self._seen.setdefault(meter.id, set())
        seen |= {q for r in rows for q, v in r.values.items() if v is not None}
        obis: List[Tuple[str, Any, Optional[str]]] = []
        if latest is not None:
            seen |= {q for q, v in latest.values.items() if v is not None}
            obis = latest.obis
        c = self.config.costs
        currency = c.currency if c.priced else None
        return entities_for(sorted(seen), submeters_of(obis, self.settings.submeters), currency,
                            alerts=self.config.analytics.enabled)

    def discovery_messages(self, meter: MeterInfo, entities: Sequence[Entity]) -> List[Tuple[str, str]]:
        """(topic, JSON payload) of every discovery config of a meter."""
        s = self.settings
        node = self.node_id(meter)
        device = {
            "identifiers": [sanitize_id(f"compteur_{meter.serial}")],
            "name": meter.name,
            "manufacturer": "compteur",
            "model": "Smart meter",
            "serial_number": meter.serial,
        }
        out: List[Tuple[str, str]] = []
        for e in entities:
            payload: Dict[str, Any] = {
                "name": e.name,
                "unique_id": f"{node}_{e.object_id}",
                "state_topic": self.meter_topic(meter, e.topic),
                "value_template": "{{ value_json.%s }}" % e.key,
                "state_class": e.state_class,
                "availability_topic": self.availability_topic,
                "payload_available": "online",
                "payload_not_available": "offline",
                "qos": s.qos,
                "device": device,
                "origin": {"name": "compteur dashboard"},
            }
            if e.device_class is not None:
                payload["device_class"] = e.device_class
            if e.unit is not None:
                payload["unit_of_measurement"] = e.unit
            if e.precision is not None:
                payload["suggested_display_precision"] = e.precision
            if s.expire_after > 0:
                payload["expire_after"] = s.expire_after
            payload.update(e.extra)
            topic = f"{s.discovery_prefix}/sensor/{node}/{e.object_id}/config"
            out.append((topic, json.dumps(payload, ensure_ascii=False)))
        return out

    def _discover(self, meter: MeterInfo, rows: Sequence[ExportRow] = ()) -> None:
        entities = self.meter_entities(meter, rows)
        key = (tuple(e.object_id for e in entities), (self.node_id(meter),))
        if self._discovered.get(meter.id) == key:
            return
        self._publish_all(self.discovery_messages(meter, entities))
        self._discovered[meter.id] = key
        log.info("mqtt: published %d discovery configs for meter %s", len(entities), meter.serial)

    def idle(self) -> None:
        """Publish the discovery configs again when due (connect, ``homeassistant/status``),
        then the new alerts and the open-alert counts."""
        self._rediscover()
        if self.config.analytics.enabled and self._connected.is_set():
            self._deliver_alerts()

    ALERT_CURSOR = "alerts.mqtt.cursor"

    def _deliver_alerts(self) -> None:
        """Publish each new notifiable alert to ``<base>/<serial>/alert`` and, per meter, the
        open count and the newest open alert to ``<base>/<serial>/alerts`` (both retained). The
        cursor advances only after the broker acknowledged: nothing is lost on a failure."""
        from dashboard.analytics.service import alert_payload, delivery_cursor, notifiable

        cursor = delivery_cursor(self.store, self.ALERT_CURSOR)
        meters = {m.id: m for m in self.store.meters()}
        pending = self.store.alerts(after_id=cursor, limit=100)
        msgs: List[Tuple[str, str]] = []
        for a in pending:
            meter = meters.get(a.meter_id)
            if meter is not None and notifiable(a, self.config.analytics.mqtt_min_severity):
                msgs.append((self.meter_topic(meter, "alert"), json.dumps(alert_payload(a, meter))))
        summaries: Dict[int, str] = {}
        for meter in meters.values():
            open_alerts = self.store.alerts(meter.id, open_only=True, limit=1000)
            summaries[meter.id] = json.dumps({
                "open": len(open_alerts),
                "latest": alert_payload(open_alerts[0], meter) if open_alerts else None,
            })
            if self._alert_summaries.get(meter.id) != summaries[meter.id]:
                msgs.append((self.meter_topic(meter, "alerts"), summaries[meter.id]))
        if msgs:
            self._publish_all(msgs)
        self._alert_summaries.update(summaries)
        if pending:
            self.store.set_state({self.ALERT_CURSOR: pending[-1].id})
            self.alerts_published += sum(1 for t, _ in msgs if t.endswith("/alert"))

    def _rediscover(self) -> None:
        if not self.settings.discovery or not self._discovery_due.is_set() or not self._connected.is_set():
            return
        self._discovery_due.clear()
        try:
            for meter in self.store.meters():
                self._discovered.pop(meter.id, None)
                self._discover(meter)
        except BaseException:
            self._discovery_due.set()
            raise
        self.discovery_count += 1
