"""Shared fixtures of the dashboard tests: fresh and seeded SQLite stores.

``seeded_store`` holds 60 local days of deterministic synthetic readings (one every 15 minutes,
on the quarter hours: a 60-s step made the fixture slower than 2 s) for meter serial
``1909113`` in Europe/Zurich, from 2026-09-15 00:00 to 2026-11-14 00:00 local time, so it
contains the autumn DST change of 2026-10-25 (a 25-hour day), with one gap of three hours
(2026-10-10 12:00 to 15:00 local: no readings in between). ``seed_info`` describes it; the
helpers (``SeedInfo``, ``counter_at``, ``power_at``, ``generate``, ``postgres_url``) live in
``dashboard_testdata.py`` (also importable as ``dashboard_conftest``).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Iterator

import pytest

import dashboard_testdata
from dashboard.store import Store
from dashboard_testdata import SeedInfo, seed

sys.modules.setdefault("dashboard_conftest", dashboard_testdata)


@pytest.fixture(scope="session")
def seed_info() -> SeedInfo:
    """Constants of the ``seeded_store`` data (serial, span, gap, step, counters)."""
    return SeedInfo()


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory: pytest.TempPathFactory, seed_info: SeedInfo) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    store = Store.open(f"sqlite:///{path}")
    seed(store, seed_info)
    store.close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty SQLite Store (schema at the latest migration) in ``tmp_path``."""
    s = Store.open(f"sqlite:///{tmp_path / 'dashboard.db'}")
    yield s
    s.close()


@pytest.fixture
def seeded_store(tmp_path: Path, _seeded_template: Path) -> Iterator[Store]:
    """A SQLite Store (own copy per test) holding 60 days of synthetic readings.

    Meter serial ``1909113`` ("Maison", Europe/Zurich, id 1, gap threshold 2700 s): one reading
    every 15 minutes (on the quarter hours) from 2026-09-15 00:00 to 2026-11-14 00:00 local time (exclusive), through the
    autumn DST change of 2026-10-25 (25-hour day), with no readings from 2026-10-10 12:00 to
    15:00 local: one recorded gap, from the last reading before it (11:45) to 15:00, so the
    quarter hours 11:45–15:00 and that day are ``complete = false``. The 15-minute, hourly and
    daily aggregates are computed (the last quarter hour is not: no reading closes it).
    Values are deterministic: see ``seed_info``, ``power_at`` and ``counter_at`` here.
    """
    path = tmp_path / "seeded.db"
    shutil.copyfile(_seeded_template, path)
    s = Store.open(f"sqlite:///{path}")
    yield s
    s.close()


