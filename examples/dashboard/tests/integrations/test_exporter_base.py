"""The exporter framework (``dashboard.integrations.base``): batches, cursor, retries, status."""

from __future__ import annotations

import threading
from typing import List, Tuple

import pytest

from dashboard.config import Config, ConfigError
from dashboard.integrations import exporter_class, load_exporters, run_exporters
from dashboard.integrations.base import Exporter, ExportRow, cursor_key
from dashboard.store import MeterInfo, Sample, Store
from mqtt_support import wait_until

T0 = 1_795_000_000


class Recording(Exporter):
    """Fails its first ``failures`` sends, records every call."""

    name = "recording"
    batch_size = 4
    interval = 0.05
    backoff_min = 0.05
    backoff_max = 0.2

    def __init__(self, config: Config, store: Store, failures: int = 0) -> None:
        super().__init__(config, store)
        self.failures = failures
        self.calls: List[Tuple[str, List[int]]] = []
        self.delivered: List[int] = []
        self.statuses: List[dict] = []

    def send(self, meter: MeterInfo, rows: List[ExportRow]) -> None:
        self.calls.append((meter.serial, [r.ts for r in rows]))
        if self.failures > 0:
            self.failures -= 1
            self.statuses.append(dict(self.store.state()))
            raise ConnectionError("destination down")
        self.delivered.extend(r.ts for r in rows)


def _store_with(store: Store, n: int) -> int:
    mid = store.ensure_meter("42", "Test", "Europe/Zurich")
    store.add_readings(mid, [Sample(T0 + 10 * i, {"active_energy_import": 1000.0 + i}) for i in range(n)])
    return mid


def test_exporter_base_batches_retries_and_advances_the_cursor_only_after_success(store: Store) -> None:
    mid = _store_with(store, 10)
    exp = Recording(Config.from_dict({}), store, failures=2)
    stop = threading.Event()
    threads = run_exporters([exp], stop)
    try:
        wait_until(lambda: len(exp.delivered) == 10, 10, "every reading")
        # the first batch failed twice and was sent again, unchanged; the cursor stayed at 0
        first = [T0 + 10 * i for i in range(4)]
        assert [c[1] for c in exp.calls[:3]] == [first, first, first]
        assert all(s.get(cursor_key("recording", mid)) == 0 for s in exp.statuses)
        assert [c[1] for c in exp.calls[3:]] == [[T0 + 10 * i for i in range(4, 8)], [T0 + 80, T0 + 90]]
        assert exp.delivered == [T0 + 10 * i for i in range(10)]
        wait_until(lambda: store.state().get(cursor_key("recording", mid)) == T0 + 90, 5, "the cursor")
        st = wait_until(lambda: (lambda s: s if s and s["exported"] == 10 else None)(store.state().get("export.recording")),
                        5, "the published status")
        assert st["state"] == "connected"
        assert st["last_error"] == "destination down"
        assert st["backlog"] == 0
        # a new reading is picked up by the next poll
        store.add_readings(mid, [Sample(T0 + 100, {"active_energy_import": 2000.0})])
        wait_until(lambda: exp.delivered[-1:] == [T0 + 100], 5, "the new reading")
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    assert exp.status()["state"] == "stopped"


def test_exporter_base_resumes_from_the_stored_cursor(store: Store) -> None:
    mid = _store_with(store, 6)
    store.set_state({cursor_key("recording", mid): T0 + 30})
    exp = Recording(Config.from_dict({}), store)
    stop = threading.Event()
    threads = run_exporters([exp], stop)
    try:
        wait_until(lambda: len(exp.delivered) == 2, 5, "the readings after the cursor")
        assert exp.delivered == [T0 + 40, T0 + 50]
    finally:
        stop.set()
        for t in threads:
            t.join(5)


def test_exporter_base_load_exporters_validates(store: Store) -> None:
    with pytest.raises(ConfigError) as e:
        load_exporters(Config.from_dict({"mqtt": {"qos": 5}}), store)
    assert e.value.key == "mqtt.qos"
    with pytest.raises(ConfigError):
        exporter_class("nope")
