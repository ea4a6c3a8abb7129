"""The poll source against the simulator over TCP, and Reading → Sample conversion."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import compteur
from dashboard.collector import Collector
from dashboard.config import Config
from dashboard.sources import reading_to_sample
from dashboard.store import Store
from dashboard_testdata import Running, source_state, wait_for

UTC = timezone.utc


def test_reading_to_sample_keeps_every_obis_value() -> None:
    sim = compteur.Simulator(seed=1, history_days=2)
    try:
        [r] = compteur.decode_push(sim.push_frames(at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC)))
    finally:
        sim.close()
    serial, s = reading_to_sample(r, ZoneInfo("Europe/Zurich"))
    assert serial == "1909113"
    assert s.ts == int(datetime(2026, 10, 25, 1, 30, tzinfo=UTC).timestamp()) and s.dst is False
    assert s.values["active_energy_import"] == r.active_energy_import
    assert s.values["voltage_l2"] == r.voltage[1] and s.values["current_l3"] == r.current[2]
    assert [o[0] for o in s.obis] == [str(v[0]) for v in r.values]


def test_poll_source_reads_the_simulator_over_tcp(tmp_path: Path) -> None:
    sim = compteur.Simulator(seed=1, history_days=2)
    host, port = sim.serve_tcp()
    config = Config.from_dict(
        {
            "source": {"kind": "poll", "transport": "tcp", "host": host, "port": port, "interval": 0.5},
            "database": {"url": "sqlite:///poll.db"},
            "collector": {"flush_interval": 0.3},
        },
        path=tmp_path / "dashboard.toml",
    )
    run = Running(Collector(config))
    store = Store.open(config.database.url)
    try:
        wait_for(lambda: source_state(run.collector) == "connected", what="connected")
        wait_for(lambda: store.count_readings() >= 2, what="2 polled readings")
        [m] = store.meters()
        assert m.serial == "1909113"
        latest = store.latest(m.id)
        assert latest is not None
        v = latest.values
        assert v["active_energy_import"] and v["active_energy_import"] > 1_000_000  # Wh
        assert v["voltage_l1"] and 200 < v["voltage_l1"] < 260
        assert v["frequency"] and 49 < v["frequency"] < 51
        assert abs((datetime.now(UTC) - latest.time).total_seconds()) < 5
        assert len(latest.obis) == 16
    finally:
        run.stop()
        store.close()
        sim.close()
