"""Test data and helpers shared by the dashboard tests (a uniquely named module: several
test folders have a ``conftest.py``, and ``from conftest import`` would pick the wrong one).

The seeded data: 60 local days of deterministic synthetic readings (one every 15 minutes, on the
quarter hours) for meter serial ``1909113`` in Europe/Zurich, from 2026-09-15 00:00 to
2026-11-14 00:00 local time, through the autumn DST change of 2026-10-25 (a 25-hour day), with
no readings from 2026-10-10 12:00 to 15:00 local. :class:`SeedInfo` describes it;
:func:`counter_at` gives the exact stored counter values at any reading instant.
"""


from __future__ import annotations

import math
import os
import sys
import threading
import time
import tty
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from zoneinfo import ZoneInfo

import pytest

from dashboard.collector import Collector
from dashboard.quantities import QUANTITIES
from dashboard.store import Sample, Store

ZURICH = ZoneInfo("Europe/Zurich")
UTC = timezone.utc


def _ts(*args: int) -> int:
    return int(datetime(*args, tzinfo=ZURICH).timestamp())  # type: ignore[misc,arg-type]


@dataclass(frozen=True)
class SeedInfo:
    """What ``seeded_store`` holds."""

    serial: str = "1909113"
    name: str = "Maison"
    timezone: str = "Europe/Zurich"
    step: int = 900
    """Seconds between two readings."""
    start: int = field(default_factory=lambda: _ts(2026, 9, 15))
    """First reading (Unix s): 2026-09-15 00:00 Europe/Zurich."""
    end: int = field(default_factory=lambda: _ts(2026, 11, 14))
    """End (exclusive, Unix s): 2026-11-14 00:00 Europe/Zurich; the last reading is at end - step."""
    gap_start: int = field(default_factory=lambda: _ts(2026, 10, 10, 12))
    """No reading in [gap_start, gap_end): 2026-10-10 12:00 to 15:00 local."""
    gap_end: int = field(default_factory=lambda: _ts(2026, 10, 10, 15))
    gap_seconds: float = 2700.0
    """The meter's gap threshold (3 intervals)."""
    import_start_wh: float = 14_855_846.0
    export_start_wh: float = 1_234_567.0

    @property
    def meter_id(self) -> int:
        """The meter's id in the seeded store (the only meter)."""
        return 1

    def dt(self, ts: int) -> datetime:
        """Aware UTC datetime of Unix seconds."""
        return datetime.fromtimestamp(ts, UTC)


def _noise(i: int) -> float:
    """Deterministic pseudo-random value in [0, 1) from an integer."""
    x = (i * 2654435761) & 0xFFFFFFFF
    x ^= x >> 13
    x = (x * 0x5BD1E995) & 0xFFFFFFFF
    x ^= x >> 15
    return x / 2**32


def power_at(ts: int) -> Tuple[float, float]:
    """Synthetic import and export power (W) at Unix second ``ts`` (a day shape in local time)."""
    local = datetime.fromtimestamp(ts, ZURICH)
    h = local.hour + local.minute / 60 + local.second / 3600
    base = 280.0 + 420.0 * max(0.0, math.sin((h - 6.0) / 16.0 * math.pi))
    evening = 900.0 if 18.5 <= h < 21.0 else 0.0
    imp = base + evening + 150.0 * _noise(ts // 60)
    solar = 1800.0 * max(0.0, math.sin((h - 8.0) / 9.0 * math.pi)) if 8.0 <= h <= 17.0 else 0.0
    net = imp - solar
    return (max(net, 0.0), max(-net, 0.0))


def generate(info: SeedInfo, start: Optional[int] = None, end: Optional[int] = None) -> List[Sample]:
    """The readings of the seeded store (``[start, end)``), energies integrated from the power."""
    out: List[Sample] = []
    e_imp = info.import_start_wh
    e_exp = info.export_start_wh
    lo = info.start if start is None else start
    hi = info.end if end is None else end
    for ts in range(info.start, hi, info.step):
        p_imp, p_exp = power_at(ts)
        if ts >= lo and not (info.gap_start <= ts < info.gap_end):
            dst = bool(datetime.fromtimestamp(ts, ZURICH).dst())
            i1 = p_imp / 690.0
            values: Dict[str, Optional[float]] = {
                "active_energy_import": round(e_imp),
                "active_energy_export": round(e_exp),
                "reactive_energy_import": round(e_imp * 0.1),
                "reactive_energy_export": round(e_exp * 0.05),
                "active_power_import": round(p_imp),
                "active_power_export": round(p_exp),
                "reactive_power_import": round(p_imp * 0.1),
                "reactive_power_export": 0.0,
                "voltage_l1": 230.0 + round(4 * _noise(ts), 1),
                "voltage_l2": 231.0,
                "voltage_l3": 229.0,
                "current_l1": round(i1, 2),
                "current_l2": round(i1 * 0.9, 2),
                "current_l3": round(i1 * 1.1, 2),
                "power_factor": 0.95,
                "frequency": 50.0,
            }
            out.append(Sample(ts, values, dst, ()))
        e_imp += p_imp * info.step / 3600.0
        e_exp += p_exp * info.step / 3600.0
    return out


def counter_at(info: SeedInfo, ts: int) -> Tuple[float, float]:
    """The stored (rounded) import and export counters at a reading instant ``ts``."""
    e_imp = info.import_start_wh
    e_exp = info.export_start_wh
    for t in range(info.start, ts, info.step):
        p_imp, p_exp = power_at(t)
        e_imp += p_imp * info.step / 3600.0
        e_exp += p_exp * info.step / 3600.0
    return float(round(e_imp)), float(round(e_exp))


def seed(store: Store, info: SeedInfo) -> int:
    """Fill ``store`` with the seeded data and its aggregates; returns the meter id."""
    mid = store.ensure_meter(info.serial, info.name, info.timezone, gap_seconds=info.gap_seconds)
    store.add_readings(mid, generate(info))
    store.update_aggregates(mid)
    return mid


def postgres_url() -> Optional[str]:
    """The PostgreSQL test URL; FAILS the test when unset on CI, skips locally."""
    url = os.environ.get("DASHBOARD_TEST_POSTGRES_URL")
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(
            "DASHBOARD_TEST_POSTGRES_URL is not set on CI: start a server with "
            "examples/dashboard/scripts/postgres-test.sh and export the URL it prints"
        )
    pytest.skip("PostgreSQL tests need DASHBOARD_TEST_POSTGRES_URL (see scripts/postgres-test.sh)")
    return None




# -- collector helpers ------------------------------------------------------------------------


def wait_for(cond: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Line:
    """A pseudo-terminal standing in for the serial adapter, reachable through a symlink."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        if self.link.is_symlink() or self.link.exists():
            self.link.unlink()
        self.link.symlink_to(os.ttyname(self.slave))

    def unplug(self) -> None:
        os.close(self.master)
        os.close(self.slave)
        self.link.unlink()

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.master, view[:256])
            view = view[n:]

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


class Running:
    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        self.thread = threading.Thread(target=collector.run, daemon=True)
        self.thread.start()
        assert collector.ready.wait(10)

    def stop(self) -> None:
        self.collector.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


def source_state(c: Collector) -> str:
    assert c.source is not None
    return str(c.source.status.snapshot()["state"])


