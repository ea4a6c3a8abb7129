"""MQTT export and Home Assistant discovery, against a real Mosquitto broker (Debian package).

Every test starts its own ``mosquitto`` on a free port of 127.0.0.1 with a config file in
``tmp_path``; the subscriber is a paho client.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional
from zoneinfo import ZoneInfo

import pytest

from dashboard.config import Config, ConfigError
from dashboard.integrations import load_exporters, run_exporters
from dashboard.integrations.base import cursor_key
from dashboard.integrations.mqtt import MqttExporter, parse_settings, sanitize_id, submeters_of
from dashboard.quantities import QUANTITIES
from dashboard.store import Sample, Store
from mqtt_support import Broker, Subscriber, make_certs, wait_until

ZURICH = ZoneInfo("Europe/Zurich")
SERIAL = "1909113"
ID_RE = re.compile(r"^[a-zA-Z0-9_-]+$")
PASSWORD = "s3cret-Pa55word"



def local(*args: int) -> int:
    return int(datetime(*args, tzinfo=ZURICH).timestamp())  # type: ignore[misc,arg-type]


def values(i: int, import_wh: float) -> Dict[str, Optional[float]]:
    return {
        "active_energy_import": import_wh,
        "active_energy_export": 2000.0 + i,
        "reactive_energy_import": 3_154_819.0 + i,
        "reactive_energy_export": 10.0,
        "active_power_import": 1200.0 + i,
        "active_power_export": 0.0,
        "reactive_power_import": 50.0,
        "reactive_power_export": 0.0,
        "voltage_l1": 230.1,
        "voltage_l2": 229.5,
        "voltage_l3": 231.0,
        "current_l1": 1.25,
        "current_l2": 0.5,
        "current_l3": 0.75,
        "power_factor": 0.97,
        "frequency": 50.01,
    }


SUBMETER_OBIS = [
    ("0-1:24.1.0*255", 3, None),
    ("0-1:96.1.0*255", "GAS4711", None),
    ("0-1:24.2.1*255", 1234.567, "m3"),
    ("0-2:24.1.0*255", 7, None),
    ("0-2:96.1.0*255", "WAT0815", None),
    ("0-2:24.2.1*255", 88.25, "m3"),
]


def make_config(tmp_path: Path, port: int, **mqtt: Any) -> Config:
    table: Dict[str, Any] = {"host": "127.0.0.1", "port": port, "qos": 1, "expire_after": 300}
    table.update(mqtt)
    return Config.from_dict(
        {
            "meter": {"name": "Maison", "timezone": "Europe/Zurich"},
            "database": {"url": f"sqlite:///{tmp_path / 'dashboard.db'}"},
            "costs": {"price_per_kwh": 0.25, "monthly_fee": 15.0, "currency": "CHF"},
            "mqtt": table,
        },
        path=tmp_path / "dashboard.toml",
    )


class Running:
    """An exporter running in its thread (``run_exporters``) until ``stop()``."""

    def __init__(self, exporter: MqttExporter) -> None:
        self.exporter = exporter
        self.stop_event = threading.Event()
        self.threads = run_exporters([exporter], self.stop_event)

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(10)
            assert not t.is_alive()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    b = Broker(tmp_path / "broker")
    b.start()
    yield b
    b.stop()


@pytest.fixture
def meter_store(store: Store) -> Store:
    """The test store with meter 1909113 and two readings of 2026-11-20 (00:00 and 12:00)."""
    mid = store.ensure_meter(SERIAL, "Maison", "Europe/Zurich", gap_seconds=7200)
    store.add_readings(mid, [
        Sample(local(2026, 11, 20, 0), values(0, 1_000_000.0), False, SUBMETER_OBIS),
        Sample(local(2026, 11, 20, 12), values(1, 1_005_000.0), False, SUBMETER_OBIS),
    ])
    store.update_aggregates(mid)  # as the collector does after each batch
    return store


def fast(exp: MqttExporter) -> MqttExporter:
    exp.interval = 0.1
    exp.backoff_min = 0.2
    exp.backoff_max = 1.0
    return exp


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, key",
    [
        ({"port": 0}, "mqtt.port"),
        ({"port": 70000}, "mqtt.port"),
        ({"port": "1883"}, "mqtt.port"),
        ({"qos": 3}, "mqtt.qos"),
        ({"base_topic": "a/#"}, "mqtt.base_topic"),
        ({"base_topic": "/"}, "mqtt.base_topic"),
        ({"discovery_prefix": "home+assistant"}, "mqtt.discovery_prefix"),
        ({"node_id": "my node"}, "mqtt.node_id"),
        ({"expire_after": -1}, "mqtt.expire_after"),
        ({"password": "hunter2x"}, "mqtt.password"),
        ({"tls": "yes"}, "mqtt.tls"),
        ({"tls": {"ca": "x"}}, "mqtt.tls.ca"),
        ({"tls": {"ca_file": "missing.pem"}}, "mqtt.tls.ca_file"),
        ({"discovery": "true"}, "mqtt.discovery"),
        ({"submeters": {"1": "oil"}}, "mqtt.submeters.1"),
        ({"submeters": {"x": "gas"}}, "mqtt.submeters.x"),
        ({"bogus": 1}, "mqtt.bogus"),
    ],
)
def test_mqtt_config_errors_name_the_key(tmp_path: Path, table: Dict[str, Any], key: str) -> None:
    config = Config.from_dict({"mqtt": table}, path=tmp_path / "c.toml")
    with pytest.raises(ConfigError) as e:
        parse_settings(config)
    assert e.value.key == key
    assert "hunter2x" not in str(e.value)


def test_mqtt_config_defaults_and_secrets(tmp_path: Path, store: Store) -> None:
    config = Config.from_dict({"mqtt": {"username": "u", "password": PASSWORD, "tls": True}}, path=tmp_path / "c.toml")
    s = parse_settings(config)
    assert (s.host, s.port, s.qos, s.base_topic, s.discovery_prefix, s.expire_after) == (
        "127.0.0.1", 8883, 1, "compteur", "homeassistant", 300)
    assert (s.discovery, s.node_id, s.tls is not None, s.username) == (True, None, True, "u")
    # a meter polled every 15 minutes: values expire after three intervals, not after 5 minutes
    slow = Config.from_dict({"source": {"kind": "poll", "host": "10.0.0.2", "interval": 900}, "mqtt": {}})
    assert parse_settings(slow).expire_after == 2700
    assert PASSWORD not in repr(s)
    exporters = load_exporters(config, store)
    assert [type(e).__name__ for e in exporters] == ["MqttExporter"]
    assert PASSWORD not in repr(exporters[0]) and PASSWORD not in json.dumps(exporters[0].status())
    assert load_exporters(Config.from_dict({}), store) == []


def test_mqtt_submeter_medium_detection() -> None:
    subs = submeters_of(SUBMETER_OBIS, {})
    assert [(s.channel, s.medium, s.value, s.unit, s.device_id, s.how) for s in subs] == [
        ("1", "gas", 1234.567, "m³", "GAS4711", "device type"),
        ("2", "water", 88.25, "m³", "WAT0815", "device type"),
    ]
    # no device type: gas by default; the config decides when given; litres become m³
    plain = [("0-3:24.2.1*255", 5000.0, "L"), ("0-4:24.2.1*255", 7.5, "m3"), ("0-5:24.2.1*255", 1.0, "kWh")]
    subs = submeters_of(plain, {"4": "water"})
    assert [(s.channel, s.medium, s.value, s.unit, s.how) for s in subs] == [
        ("3", "gas", 5.0, "m³", "default"),
        ("4", "water", 7.5, "m³", "config"),
    ]
    assert sanitize_id("compteur_LGZ:19 09/1") == "compteur_LGZ_19_09_1"


# -- against the broker -----------------------------------------------------------------------


def _configs(sub: Subscriber) -> Dict[str, Dict[str, Any]]:
    return {m.topic: m.json() for m in sub.matching(lambda t: t.startswith("homeassistant/sensor/"))}


EXPECTED = {
    # object_id: (device_class, state_class, unit)
    "active_energy_import": ("energy", "total_increasing", "kWh"),
    "active_energy_export": ("energy", "total_increasing", "kWh"),
    "reactive_energy_import": ("reactive_energy", "total_increasing", "kvarh"),
    "reactive_energy_export": ("reactive_energy", "total_increasing", "kvarh"),
    "active_power_import": ("power", "measurement", "W"),
    "active_power_export": ("power", "measurement", "W"),
    "reactive_power_import": ("reactive_power", "measurement", "var"),
    "reactive_power_export": ("reactive_power", "measurement", "var"),
    "voltage_l1": ("voltage", "measurement", "V"),
    "voltage_l2": ("voltage", "measurement", "V"),
    "voltage_l3": ("voltage", "measurement", "V"),
    "current_l1": ("current", "measurement", "A"),
    "current_l2": ("current", "measurement", "A"),
    "current_l3": ("current", "measurement", "A"),
    "power_factor": ("power_factor", "measurement", None),
    "frequency": ("frequency", "measurement", "Hz"),
    "cost_today": ("monetary", "total", "CHF"),
    "open_alerts": (None, "measurement", None),
    "gas_1": ("gas", "total_increasing", "m³"),
    "water_2": ("water", "total_increasing", "m³"),
}


def test_mqtt_discovery_and_state_field_by_field(tmp_path: Path, broker: Broker, meter_store: Store) -> None:
    sub = Subscriber(broker.port, ["homeassistant/#", "compteur/#"])
    exp = fast(MqttExporter(make_config(tmp_path, broker.port), meter_store))
    run = Running(exp)
    try:
        wait_until(lambda: len(_configs(sub)) == len(EXPECTED), 10, "every discovery config")
        wait_until(lambda: sub.on("compteur/1909113/state"), 10, "the state message")
        wait_until(lambda: sub.on("compteur/1909113/cost") and sub.on("compteur/1909113/submeter/2"), 10, "cost")
        wait_until(lambda: sub.on("compteur/1909113/alerts"), 10, "the alert summary")
        configs = _configs(sub)
        node = "compteur_1909113"
        assert set(configs) == {f"homeassistant/sensor/{node}/{o}/config" for o in EXPECTED}
        for topic, cfg in configs.items():
            _prefix, _component, node_id, object_id, _config = topic.split("/")
            assert ID_RE.match(node_id) and ID_RE.match(object_id), topic
            assert ID_RE.match(cfg["unique_id"]), cfg["unique_id"]
            assert cfg["unique_id"] == f"{node}_{object_id}"
            dc, sc, unit = EXPECTED[object_id]
            assert cfg.get("device_class") == dc, object_id
            assert cfg["state_class"] == sc, object_id
            assert cfg.get("unit_of_measurement") == unit, object_id
            assert cfg["availability_topic"] == "compteur/availability"
            assert cfg["payload_available"] == "online" and cfg["payload_not_available"] == "offline"
            assert cfg["expire_after"] == 300
            assert cfg["qos"] == 1
            assert cfg["device"]["identifiers"] == [node]
            assert cfg["device"]["name"] == "Maison"
            assert cfg["device"]["serial_number"] == SERIAL
            assert isinstance(cfg["name"], str) and cfg["name"]
            # full key names only (no abbreviations such as stat_t / dev_cla / uniq_id)
            assert {"stat_t", "dev_cla", "uniq_id", "unit_of_meas", "avty_t", "dev"}.isdisjoint(cfg)
            if object_id in QUANTITIES:
                assert cfg["state_topic"] == "compteur/1909113/state"
                assert cfg["value_template"] == "{{ value_json.%s }}" % object_id
        cost = configs[f"homeassistant/sensor/{node}/cost_today/config"]
        assert cost["state_topic"] == "compteur/1909113/cost"
        assert cost["value_template"] == "{{ value_json.cost_today }}"
        assert cost["last_reset_value_template"] == "{{ value_json.last_reset }}"
        gas = configs[f"homeassistant/sensor/{node}/gas_1/config"]
        assert (gas["state_topic"], gas["value_template"]) == ("compteur/1909113/submeter/1", "{{ value_json.value }}")

        # history is not replayed: only the newest reading (12:00) was published
        states = [m.json() for m in sub.on("compteur/1909113/state")]
        assert [s["time"] for s in states] == ["2026-11-20T12:00:00+01:00"]
        st = states[0]
        assert st["active_energy_import"] == pytest.approx(1005.0)  # kWh from 1 005 000 Wh
        assert st["active_energy_export"] == pytest.approx(2.001)
        assert st["reactive_energy_import"] == pytest.approx(3154.82)  # kvarh
        assert st["active_power_import"] == 1201.0
        assert (st["voltage_l1"], st["current_l3"], st["power_factor"], st["frequency"]) == (230.1, 0.75, 0.97, 50.01)
        assert set(st) == {"time", *QUANTITIES}
        c = sub.on("compteur/1909113/cost")[-1].json()
        # 5 kWh since midnight at 0.25 + 15 / 30 days of fee for half a day (the register delta
        # across the 12-hour gap: exact with a flat price)
        assert c["cost_today"] == pytest.approx(5 * 0.25 + 15.0 / 30 * 0.5)
        assert c["energy_today"] == pytest.approx(5.0)
        assert c["last_reset"] == "2026-11-20T00:00:00+01:00"
        assert c["currency"] == "CHF"
        water = sub.on("compteur/1909113/submeter/2")[-1].json()
        assert (water["value"], water["unit"], water["medium"], water["device_id"]) == (88.25, "m³", "water", "WAT0815")
        assert sub.on("compteur/availability")[-1].payload == b"online"

        # everything is retained: a late subscriber gets the last state, availability, configs
        late = Subscriber(broker.port, ["homeassistant/#", "compteur/#"], client_id="late")
        try:
            wait_until(lambda: len(_configs(late)) == len(EXPECTED) and late.on("compteur/1909113/state")
                       and late.on("compteur/availability"), 10, "retained messages")
            got = late.latest()
            assert all(m.retain for m in got.values())
            assert got["compteur/1909113/state"].json()["time"] == "2026-11-20T12:00:00+01:00"
            assert got["compteur/availability"].payload == b"online"
        finally:
            late.close()

        # the cursor is stored and the status is published for /api/health
        ts12 = local(2026, 11, 20, 12)
        wait_until(lambda: meter_store.state().get(cursor_key("mqtt", 1)) == ts12, 5, "the cursor")
        health = wait_until(lambda: meter_store.state().get("export.mqtt"), 5, "the status")
        assert health["state"] == "connected" and health["exported"] >= 1
    finally:
        run.stop()
        sub.close()
    # a clean stop publishes offline
    assert sub.on("compteur/availability")[-1].payload == b"offline"


def test_mqtt_discovery_is_published_once_when_the_first_readings_wait_for_the_connection(
    tmp_path: Path, broker: Broker, meter_store: Store
) -> None:
    """The exporter starts sending the newest reading while it is still connecting. Discovery
    is due once for that connection: the sending path must not publish it a second time."""
    sub = Subscriber(broker.port, ["homeassistant/sensor/#"])
    exp = fast(MqttExporter(make_config(tmp_path, broker.port), meter_store))
    connected = exp._on_connect

    def slow_connect(*args: Any) -> None:
        time.sleep(0.5)  # the reading is waiting to be sent when the connection completes
        connected(*args)

    exp._on_connect = slow_connect  # type: ignore[method-assign]
    run = Running(exp)
    try:
        wait_until(lambda: len(sub.messages) >= len(EXPECTED), 10, "the first discovery")
        time.sleep(1.0)
        assert len(sub.messages) == len(EXPECTED)
        assert exp.discovery_count == 1
    finally:
        run.stop()
        sub.close()


def test_mqtt_discovery_republished_when_home_assistant_comes_online(
    tmp_path: Path, broker: Broker, meter_store: Store
) -> None:
    sub = Subscriber(broker.port, ["homeassistant/sensor/#"])
    exp = fast(MqttExporter(make_config(tmp_path, broker.port), meter_store))
    run = Running(exp)
    try:
        wait_until(lambda: len(sub.messages) == len(EXPECTED), 10, "the first discovery")
        time.sleep(0.5)
        assert len(sub.messages) == len(EXPECTED)
        sub.publish("homeassistant/status", "offline")
        time.sleep(0.5)
        assert len(sub.messages) == len(EXPECTED), "offline must not republish"
        sub.publish("homeassistant/status", "online")
        wait_until(lambda: len(sub.messages) == 2 * len(EXPECTED), 10, "discovery published again")
        again = {m.topic for m in sub.messages[len(EXPECTED):]}
        assert again == {m.topic for m in sub.messages[: len(EXPECTED)]}
    finally:
        run.stop()
        sub.close()


def test_mqtt_broker_restart_loses_no_reading(tmp_path: Path, broker: Broker, store: Store) -> None:
    mid = store.ensure_meter(SERIAL, "Maison", "Europe/Zurich", gap_seconds=7200)
    t0 = local(2026, 11, 20, 8)
    store.add_readings(mid, [Sample(t0, values(0, 1_000_000.0))])
    sub = Subscriber(broker.port, ["compteur/+/state"])
    exp = fast(MqttExporter(make_config(tmp_path, broker.port, discovery=False, ack_timeout=2.0), store))
    run = Running(exp)
    total = 120
    written: List[int] = [t0]
    done = threading.Event()

    def writer() -> None:
        for i in range(1, total):
            ts = t0 + 10 * i
            store.add_readings(mid, [Sample(ts, values(i, 1_000_000.0 + i))])
            written.append(ts)
            time.sleep(0.03)
        done.set()

    states_seen: List[str] = []
    try:
        wait_until(lambda: sub.on("compteur/1909113/state"), 10, "the first state")
        w = threading.Thread(target=writer, daemon=True)
        w.start()
        wait_until(lambda: len(written) > 30, 10, "30 readings")
        broker.stop()  # the broker goes away while readings keep coming
        at_stop = len(written)
        wait_until(lambda: exp.status()["state"] == "retrying", 10, "the exporter to notice")
        states_seen.append(exp.status()["state"])
        time.sleep(1.0)
        broker.start()
        assert len(written) > at_stop + 10, "readings were stored while the broker was down"
        assert done.wait(30)
        w.join(5)
        expected = {datetime.fromtimestamp(ts, ZURICH).isoformat() for ts in written}
        wait_until(lambda: {m.json()["time"] for m in sub.on("compteur/1909113/state")} >= expected, 30,
                   "every reading after the restart")
        got = {m.json()["time"] for m in sub.on("compteur/1909113/state")}
        assert got == expected  # every reading, no reading that was not stored
        assert len(expected) == total
        last = sub.on("compteur/1909113/state")[-1].json()
        assert last["active_energy_import"] == pytest.approx((1_000_000.0 + total - 1) / 1000)
        wait_until(lambda: exp.status()["state"] == "connected", 10, "connected again")
        assert exp.status()["last_error"]
        wait_until(lambda: store.state().get(cursor_key("mqtt", mid)) == written[-1], 5, "the cursor at the end")
    finally:
        run.stop()
        sub.close()
    assert states_seen == ["retrying"]


def test_mqtt_resumes_after_its_cursor_and_announces_new_quantities(
    tmp_path: Path, broker: Broker, store: Store
) -> None:
    mid = store.ensure_meter(SERIAL, "Maison", "Europe/Zurich", gap_seconds=7200)
    t0 = local(2026, 11, 20, 8)
    only_energy = {"active_energy_import": 1_000_000.0, "active_power_import": 500.0}
    store.add_readings(mid, [Sample(t0 - 60, only_energy), Sample(t0, only_energy)])
    sub = Subscriber(broker.port, ["compteur/+/state", "homeassistant/sensor/#"])
    config = make_config(tmp_path, broker.port)
    first = fast(MqttExporter(config, store))
    run = Running(first)
    try:
        wait_until(lambda: sub.on("compteur/1909113/state"), 10, "the first state")
        wait_until(lambda: store.state().get(cursor_key("mqtt", mid)) == t0, 5, "the cursor")
        node = "homeassistant/sensor/compteur_1909113"
        assert set(_configs(sub)) == {f"{node}/active_energy_import/config", f"{node}/active_power_import/config",
                                      f"{node}/cost_today/config", f"{node}/open_alerts/config"}
    finally:
        run.stop()
    # readings stored while no exporter runs, one of them with a frequency
    store.add_readings(mid, [Sample(t0 + 10, only_energy), Sample(t0 + 20, {**only_energy, "frequency": 49.98})])
    second = fast(MqttExporter(config, store))
    run = Running(second)
    try:
        wait_until(lambda: len(sub.on("compteur/1909113/state")) >= 3, 10, "the readings stored meanwhile")
        times = [m.json()["time"] for m in sub.on("compteur/1909113/state")]
        assert times == [datetime.fromtimestamp(t, ZURICH).isoformat() for t in (t0, t0 + 10, t0 + 20)]
        assert sub.on("compteur/1909113/state")[-1].json()["frequency"] == 49.98
        wait_until(lambda: f"{node}/frequency/config" in _configs(sub), 10, "the new frequency sensor")
        assert _configs(sub)[f"{node}/frequency/config"]["device_class"] == "frequency"
    finally:
        run.stop()
        sub.close()


def test_mqtt_last_will_when_the_connection_dies(tmp_path: Path, broker: Broker, meter_store: Store) -> None:
    sub = Subscriber(broker.port, ["compteur/availability"])
    exp = fast(MqttExporter(make_config(tmp_path, broker.port, keepalive=5), meter_store))
    run = Running(exp)
    try:
        wait_until(lambda: [m.payload for m in sub.on("compteur/availability")] == [b"online"], 10, "online")
        client = exp._client
        assert client is not None
        sock = client.socket()
        assert isinstance(sock, socket.socket)
        sock.shutdown(socket.SHUT_RDWR)  # the TCP connection dies without a DISCONNECT
        wait_until(lambda: [m.payload for m in sub.on("compteur/availability")][:2] == [b"online", b"offline"], 10,
                   "the last will")
        # the exporter reconnects and says online again
        wait_until(lambda: [m.payload for m in sub.on("compteur/availability")][-1:] == [b"online"], 15,
                   "online again")
    finally:
        run.stop()
        sub.close()


def test_mqtt_username_password(tmp_path: Path, meter_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    b = Broker(tmp_path / "auth", users={"compteur": PASSWORD, "reader": "r3ader"})
    b.start()
    try:
        sub = Subscriber(b.port, ["compteur/#"], username="reader", password="r3ader")
        bad = fast(MqttExporter(make_config(tmp_path, b.port, username="compteur", password="wrong-" + PASSWORD,
                                            discovery=False), meter_store))
        run = Running(bad)
        try:
            wait_until(lambda: bad.status()["state"] == "retrying" and bad.status()["last_error"], 10, "refused")
            assert "refused" in bad.status()["last_error"] or "not authori" in bad.status()["last_error"].lower()
            assert not sub.on("compteur/1909113/state")
        finally:
            run.stop()
        good = fast(MqttExporter(make_config(tmp_path, b.port, username="compteur", password=PASSWORD,
                                             discovery=False), meter_store))
        run = Running(good)
        try:
            wait_until(lambda: sub.on("compteur/1909113/state"), 10, "the state with the right password")
            assert sub.on("compteur/1909113/state")[-1].json()["time"] == "2026-11-20T12:00:00+01:00"
            status = json.dumps(meter_store.state())
        finally:
            run.stop()
            sub.close()
    finally:
        b.stop()
    text = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert PASSWORD not in text
    assert PASSWORD not in status
    assert any("mqtt" in r.name for r in caplog.records)  # the logs were captured


def test_mqtt_tls(tmp_path: Path, meter_store: Store) -> None:
    certs = make_certs(tmp_path / "certs")
    b = Broker(tmp_path / "tls", tls=certs)
    b.start()
    try:
        sub = Subscriber(b.port, ["compteur/#"], ca_file=certs.ca)
        # the system's CA bundle does not know the test CA: the handshake must fail
        untrusted = fast(MqttExporter(make_config(tmp_path, b.port, tls=True, discovery=False), meter_store))
        run = Running(untrusted)
        try:
            wait_until(lambda: untrusted.status()["state"] == "retrying", 10, "the TLS failure")
            assert "cannot connect" in (untrusted.status()["last_error"] or "")
            time.sleep(0.5)
            assert not sub.on("compteur/1909113/state")
        finally:
            run.stop()
        good = fast(MqttExporter(make_config(tmp_path, b.port, tls={"ca_file": str(certs.ca)}, discovery=False),
                                 meter_store))
        run = Running(good)
        try:
            wait_until(lambda: sub.on("compteur/1909113/state"), 10, "the state over TLS")
            assert sub.on("compteur/1909113/state")[-1].json()["time"] == "2026-11-20T12:00:00+01:00"
            wait_until(lambda: good.status()["state"] == "connected", 5, "connected")
        finally:
            run.stop()
            sub.close()
    finally:
        b.stop()


def test_mqtt_collect_command_publishes_and_last_will_on_kill(tmp_path: Path, broker: Broker) -> None:
    """``python -m dashboard collect`` starts the exporter; SIGKILL leaves ``offline`` (last will)."""
    cfg = tmp_path / "dashboard.toml"
    cfg.write_text(
        "[meter]\nname = \"Maison\"\ntimezone = \"Europe/Zurich\"\n"
        "[source]\nkind = \"simulator\"\nhistory_days = 1\npush_interval = 0.5\n"
        f"[database]\nurl = \"sqlite:///{tmp_path / 'collect.db'}\"\n"
        "[collector]\nflush_interval = 0.2\n"
        f"[mqtt]\nhost = \"127.0.0.1\"\nport = {broker.port}\nbase_topic = \"meter\"\n",
        encoding="utf-8",
    )
    sub = Subscriber(broker.port, ["meter/#", "homeassistant/#"])
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "collect", "--config", str(cfg)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        states = wait_until(lambda: sub.matching(lambda t: t.startswith("meter/") and t.endswith("/state")), 30,
                            "state messages from the collect command")
        serial = states[0].topic.split("/")[1]
        assert ID_RE.match(serial)
        wait_until(lambda: len({m.json()["time"] for m in sub.on(f"meter/{serial}/state")}) >= 3, 15, "3 readings")
        st = sub.on(f"meter/{serial}/state")[-1].json()
        assert st["active_energy_import"] is not None and st["active_energy_import"] > 0
        assert re.search(r"[+-]\d\d:\d\d$", st["time"])
        assert _configs(sub), "discovery configs"
        assert sub.on("meter/availability")[-1].payload == b"online"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        wait_until(lambda: sub.on("meter/availability")[-1].payload == b"offline", 10, "the last will")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        sub.close()


def test_mqtt_alerts_are_published_once_and_the_open_count_follows_acknowledgements(
    tmp_path: Path, broker: Broker, meter_store: Store
) -> None:
    sub = Subscriber(broker.port, ["compteur/+/alert", "compteur/+/alerts"])
    exp = fast(MqttExporter(make_config(tmp_path, broker.port, discovery=False), meter_store))
    run = Running(exp)
    try:
        wait_until(lambda: sub.on("compteur/1909113/alerts"), 10, "the alert summary")
        assert sub.on("compteur/1909113/alerts")[-1].json() == {"open": 0, "latest": None}
        now = int(time.time())
        found = local(2026, 11, 20, 11)
        (aid,) = meter_store.upsert_alerts(1, [{
            "key": f"high_load:{found}", "kind": "high_load", "start": found, "end": found + 3600,
            "severity": "warning", "message": "Something drew 2.4 kW for 1.0 h.", "value": 2400.0,
            "expected": 500.0, "unit": "W", "score": 4.2,
        }], now=found + 3600)
        old = local(2026, 10, 1, 11)  # found long after it ended: stored, not pushed
        meter_store.upsert_alerts(1, [{
            "key": f"gap:{old}", "kind": "gap", "start": old, "end": old + 900, "severity": "warning",
            "message": "old gap", "value": 1.0, "expected": None, "unit": "h", "score": 1.0,
        }], now=now)
        exp.wake()
        wait_until(lambda: sub.on("compteur/1909113/alert"), 10, "the alert")
        wait_until(lambda: sub.on("compteur/1909113/alerts")[-1].json()["open"] == 2, 10, "two open")
        (msg,) = sub.on("compteur/1909113/alert")
        a = msg.json()
        assert (a["id"], a["kind"], a["severity"], a["value"]) == (aid, "high_load", "warning", 2400.0)
        assert a["start"] == "2026-11-20T11:00:00+01:00" and a["meter"]["serial"] == SERIAL
        meter_store.acknowledge_alert(aid, None)
        exp.wake()
        wait_until(lambda: sub.on("compteur/1909113/alerts")[-1].json()["open"] == 1, 10, "one open")
        assert sub.on("compteur/1909113/alerts")[-1].json()["latest"]["message"] == "old gap"
        time.sleep(0.5)
        assert len(sub.on("compteur/1909113/alert")) == 1  # each alert once
        assert meter_store.state()["alerts.mqtt.cursor"] > aid
    finally:
        run.stop()
        sub.close()
