"""The Store: idempotent inserts, aggregates from register deltas, DST days, gaps, retention,
users and tokens, migrations — on SQLite and (with DASHBOARD_TEST_POSTGRES_URL) PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import pytest
from sqlalchemy import create_engine, text

from dashboard_testdata import SeedInfo, counter_at, postgres_url
from dashboard import timeconv
from dashboard.models import metadata
from dashboard.store import Sample, Store, StoreError

from zoneinfo import ZoneInfo

Z = ZoneInfo("Europe/Zurich")
UTC = timezone.utc


def dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def constant_power(start: int, end: int, step: int = 60, watts: float = 1000.0,
                   e0: float = 1_000_000.0, skip: Optional[range] = None) -> List[Sample]:
    """Readings every ``step`` s with a constant power: the counter grows by watts/3600 per s."""
    out = []
    for ts in range(start, end, step):
        if skip is not None and ts in skip:
            continue
        e = e0 + watts * (ts - start) / 3600.0
        dst = bool(datetime.fromtimestamp(ts, Z).dst())
        out.append(Sample(ts, {"active_energy_import": e, "active_energy_export": 0.0,
                               "active_power_import": watts, "voltage_l1": 230.0}, dst,
                          [("1-1:1.8.0*255", e / 1000, "kWh")]))
    return out


# -- the seeded fixture -----------------------------------------------------------------------


def test_seeded_store_is_what_its_docstring_says(seeded_store: Store, seed_info: SeedInfo) -> None:
    [m] = seeded_store.meters()
    assert (m.id, m.serial, m.name, m.timezone) == (1, "1909113", "Maison", "Europe/Zurich")
    assert m.first == dt(seed_info.start)
    assert m.last == dt(seed_info.end - seed_info.step)
    # 60 days of 96 quarter hours, +4 for the 25-hour day, minus the 12 missing in the gap
    assert seeded_store.count_readings() == 60 * 96 + 4 - 12
    [gap] = seeded_store.gaps(1, dt(seed_info.start), dt(seed_info.end))
    assert gap.start == dt(seed_info.gap_start - 900) and gap.end == dt(seed_info.gap_end)
    days = seeded_store.series(1, dt(seed_info.start), dt(seed_info.end), "1d", ["active_energy_import"], 1000)
    assert len(days.times) == 60
    assert days.times[0] == seed_info.start
    lengths = {timeconv.local_day_of(t, Z): b - a for t, a, b in
               [(r["start"], r["start"], r["end"]) for r in seeded_store.aggregates(
                   1, "1d", dt(seed_info.start), dt(seed_info.end))]}
    assert lengths[date(2026, 10, 25)] == 25 * 3600
    assert lengths[date(2026, 10, 24)] == 24 * 3600


def test_daily_energy_is_the_register_delta(seeded_store: Store, seed_info: SeedInfo) -> None:
    s, e = timeconv.local_day_bounds(date(2026, 10, 25), Z)
    [day] = seeded_store.aggregates(1, "1d", dt(s), dt(e))
    imp_s, exp_s = counter_at(seed_info, s)
    imp_e, exp_e = counter_at(seed_info, e)
    assert day["active_energy_import"] == pytest.approx(imp_e - imp_s)
    assert day["active_energy_export"] == pytest.approx(exp_e - exp_s)
    assert day["samples"] == 100 and day["complete"] is True
    total = seeded_store.energy(1, dt(s), dt(e))
    assert total.import_wh == pytest.approx(imp_e - imp_s)
    assert total.complete and total.gaps == []
    # the sum of the hours equals the day
    hours = seeded_store.series(1, dt(s), dt(e), "1h", ["active_energy_import"], 100)
    assert len(hours.times) == 25
    assert sum(v for v in hours.columns["active_energy_import"] if v) == pytest.approx(imp_e - imp_s)


def test_gap_makes_overlapping_aggregates_incomplete(seeded_store: Store, seed_info: SeedInfo) -> None:
    s, e = timeconv.local_day_bounds(date(2026, 10, 10), Z)
    q = seeded_store.series(1, dt(s), dt(e), "15m", ["active_energy_import"], 200)
    incomplete = [t for t, c in zip(q.times, q.complete or []) if not c]
    assert incomplete == list(range(seed_info.gap_start - 900, seed_info.gap_end, 900))
    [day] = seeded_store.aggregates(1, "1d", dt(s), dt(e))
    assert day["complete"] is False
    total = seeded_store.energy(1, dt(s), dt(e))
    assert not total.complete and len(total.gaps) == 1
    # the energy over the gap is still exact: counters, not integrated power
    imp_s, _ = counter_at(seed_info, s)
    imp_e, _ = counter_at(seed_info, e)
    assert total.import_wh == pytest.approx(imp_e - imp_s)


def test_energy_of_partial_range_interpolates_between_readings(seeded_store: Store, seed_info: SeedInfo) -> None:
    t0 = seed_info.start + 86400 * 3 + 300  # 5 min after a reading
    t1 = t0 + 86400 + 600
    a0, _ = counter_at(seed_info, t0 - 300)
    a1, _ = counter_at(seed_info, t0 + 600)
    b0_ts = t1 - (t1 - seed_info.start) % 900
    b0, _ = counter_at(seed_info, b0_ts)
    b1, _ = counter_at(seed_info, b0_ts + 900)
    v0 = a0 + (a1 - a0) * 300 / 900
    v1 = b0 + (b1 - b0) * (t1 - b0_ts) / 900
    total = seeded_store.energy(1, dt(t0), dt(t1))
    assert total.import_wh == pytest.approx(v1 - v0)
    assert total.complete


def test_series_raw_and_limits(seeded_store: Store, seed_info: SeedInfo) -> None:
    s = seed_info.start
    r = seeded_store.series(1, dt(s), dt(s + 3600), "raw", ["active_power_import", "voltage_l1"], 100)
    assert r.times == [s, s + 900, s + 1800, s + 2700] and not r.truncated
    assert all(v is not None and v > 0 for v in r.columns["active_power_import"])
    r = seeded_store.series(1, dt(s), dt(s + 86400), "raw", ["active_power_import"], 10)
    assert len(r.times) == 10 and r.truncated
    with pytest.raises(ValueError, match="unknown quantity"):
        seeded_store.series(1, dt(s), dt(s + 60), "raw", ["power"], 10)
    with pytest.raises(ValueError, match="unknown resolution"):
        seeded_store.series(1, dt(s), dt(s + 60), "5m", ["active_power_import"], 10)
    latest = seeded_store.latest(1)
    assert latest is not None and latest.time == dt(seed_info.end - 900)
    assert set(latest.values) >= {"active_energy_import", "frequency"}


# -- inserts, DST, gaps, late data ------------------------------------------------------------


def test_inserts_are_idempotent(store: Store) -> None:
    mid = store.ensure_meter("42", "M", "Europe/Zurich", gap_seconds=180)
    start = timeconv.to_unix(datetime(2026, 6, 1, tzinfo=Z))
    samples = constant_power(start, start + 3600)
    assert store.add_readings(mid, samples) == 60
    assert store.add_readings(mid, samples) == 0
    assert store.add_readings(mid, samples[10:20] + constant_power(start + 3600, start + 3660, e0=1_001_000.0)) == 1
    assert store.count_readings(mid) == 61
    latest = store.latest(mid)
    assert latest is not None and latest.obis == [("1-1:1.8.0*255", pytest.approx(1001.0), "kWh")]
    assert store.ensure_meter("42", "M", "Europe/Zurich") == mid


@pytest.mark.parametrize("day, hours", [(date(2026, 3, 29), 23), (date(2026, 10, 25), 25)])
def test_dst_change_days(store: Store, day: date, hours: int) -> None:
    mid = store.ensure_meter("1909113", "M", "Europe/Zurich", gap_seconds=180)
    s, e = timeconv.local_day_bounds(day, Z)
    store.add_readings(mid, constant_power(s - 86400, e + 86400, step=60, watts=1000.0))
    store.update_aggregates(mid)
    [agg] = store.aggregates(mid, "1d", dt(s), dt(e))
    assert agg["end"] - agg["start"] == hours * 3600
    assert agg["active_energy_import"] == pytest.approx(1000.0 * hours)
    assert agg["samples"] == hours * 60 and agg["complete"]
    assert agg["active_power_import"] == pytest.approx(1000.0)
    h = store.series(mid, dt(s), dt(e), "1h", ["active_energy_import"], 100)
    assert len(h.times) == hours
    assert all(v == pytest.approx(1000.0) for v in h.columns["active_energy_import"])
    q = store.series(mid, dt(s), dt(e), "15m", ["active_energy_import"], 1000)
    assert len(q.times) == hours * 4 and all(q.complete or [False])
    assert store.energy(mid, dt(s), dt(e)).import_wh == pytest.approx(1000.0 * hours)


def test_late_readings_fill_a_gap_and_recompute(store: Store) -> None:
    mid = store.ensure_meter("7", "M", "Europe/Zurich", gap_seconds=180)
    s = timeconv.to_unix(datetime(2026, 6, 1, tzinfo=Z))
    hole = range(s + 3600, s + 7200)
    all_samples = constant_power(s, s + 4 * 3600)
    store.add_readings(mid, [x for x in all_samples if x.ts not in hole])
    store.update_aggregates(mid)
    [g] = store.gaps(mid, dt(s), dt(s + 4 * 3600))
    assert (g.start, g.end, g.reason) == (dt(s + 3540), dt(s + 7200), "no readings")
    h = store.series(mid, dt(s), dt(s + 4 * 3600), "1h", ["active_energy_import"], 10)
    # hour 0 lacks its last minute (the gap starts at the last reading), hour 3 is not over
    assert h.complete == [False, False, True, False]
    # the energy over the gap is interpolated between the readings around it
    assert h.columns["active_energy_import"][1] == pytest.approx(1000.0)
    # the missing readings arrive late (a spool replay): gap gone, aggregates complete
    assert store.add_readings(mid, [x for x in all_samples if x.ts in hole]) == 60
    store.update_aggregates(mid)
    assert store.gaps(mid, dt(s), dt(s + 4 * 3600)) == []
    h = store.series(mid, dt(s), dt(s + 4 * 3600), "1h", ["active_energy_import"], 10)
    assert h.complete == [True, True, True, False]


def test_open_gap_is_closed_by_the_next_reading(store: Store) -> None:
    mid = store.ensure_meter("8", "M", "Europe/Zurich", gap_seconds=60)
    s = timeconv.to_unix(datetime(2026, 6, 1, tzinfo=Z))
    store.add_readings(mid, constant_power(s, s + 600, step=10))
    start = store.open_gap(mid, "no reading for 60 s")
    assert start == dt(s + 590)
    [g] = store.gaps(mid, dt(s), dt(s + 7200))
    assert g.end is None and g.reason == "no reading for 60 s"
    store.add_readings(mid, constant_power(s + 900, s + 960, step=10, e0=1_000_000 + 1000 * 900 / 3600))
    [g] = store.gaps(mid, dt(s), dt(s + 7200))
    assert (g.start, g.end, g.reason) == (dt(s + 590), dt(s + 900), "no reading for 60 s")


def test_prune_keeps_aggregates_and_energy(store: Store) -> None:
    mid = store.ensure_meter("9", "M", "Europe/Zurich", gap_seconds=180)
    s = timeconv.to_unix(datetime(2026, 6, 1, tzinfo=Z))
    store.add_readings(mid, constant_power(s, s + 3 * 86400, step=60))
    # nothing is pruned before the aggregates exist
    assert store.prune_raw(mid, dt(s + 2 * 86400)) == 0
    store.update_aggregates(mid)
    before = store.energy(mid, dt(s), dt(s + 2 * 86400))
    assert store.prune_raw(mid, dt(s + 2 * 86400)) == 2 * 1440
    assert store.count_readings(mid) == 1440
    after = store.energy(mid, dt(s), dt(s + 2 * 86400))
    assert after.import_wh == pytest.approx(before.import_wh) == pytest.approx(48_000.0)
    days = store.series(mid, dt(s), dt(s + 3 * 86400), "1d", ["active_energy_import"], 10)
    assert days.columns["active_energy_import"][:2] == [pytest.approx(24_000.0)] * 2
    # new readings after pruning do not rewrite the old aggregates
    store.add_readings(mid, constant_power(s + 3 * 86400, s + 3 * 86400 + 3600, e0=1_000_000 + 72_000))
    store.update_aggregates(mid)
    days = store.series(mid, dt(s), dt(s + 3 * 86400), "1d", ["active_energy_import"], 10)
    assert days.columns["active_energy_import"] == [pytest.approx(24_000.0)] * 3


def test_users_and_tokens(store: Store) -> None:
    assert store.user_count() == 0
    uid = store.create_user("alice", "hash-a", is_admin=True)
    with pytest.raises(ValueError, match="exists"):
        store.create_user("alice", "x")
    u = store.user_by_name("alice")
    assert u is not None and u.id == uid and u.is_admin and "hash-a" not in repr(u)
    assert store.user_by_id(uid) == u and store.user_by_name("bob") is None
    h = hashlib.sha256(b"tok").hexdigest()
    tid = store.create_token(uid, "script", h)
    t = store.token_by_hash(h)
    assert t is not None and t.id == tid and not t.revoked and t.last_used is None and h not in repr(t)
    store.touch_token(tid)
    assert store.token_by_hash(h).last_used is not None  # type: ignore[union-attr]
    assert [x.id for x in store.tokens(uid)] == [tid]
    other = store.create_user("bob", "hash-b")
    assert store.revoke_token(other, tid) is False
    assert store.revoke_token(uid, tid) is True
    assert store.token_by_hash(h).revoked  # type: ignore[union-attr]


def test_state_and_health(store: Store) -> None:
    store.set_state({"spooled": 3, "open_gap": None})
    store.set_state({"spooled": 0})
    h = store.health()
    assert h["database"]["ok"] is True and h["database"]["backend"] == "sqlite"
    assert h["collector"]["spooled"] == 0 and h["collector"]["open_gap"] is None
    assert "updated" in h["collector"]


def test_sqlite_pragmas(store: Store) -> None:
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def _compare(url: str) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    return list(diff)


def test_fresh_database_at_head_matches_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    Store.open(url).close()
    assert _compare(url) == []
    engine = create_engine(url)
    with engine.connect() as c:
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0003"
    engine.dispose()
    Store.open(url).close()  # a second open is a no-op upgrade


def test_unreachable_database_raises_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot open the database"):
        Store.open("postgresql+pg8000://u:secret@127.0.0.1:1/db")


# -- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture
def pg_store() -> Iterator[Store]:
    url = postgres_url()
    assert url is not None
    engine = create_engine(url)
    with engine.begin() as c:
        metadata.drop_all(c)
        c.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    s = Store.open(url)
    yield s
    s.close()


def test_postgres_schema_matches_the_models(pg_store: Store) -> None:
    assert _compare(pg_store.url) == []


def test_postgres_roundtrip_and_dst(pg_store: Store) -> None:
    mid = pg_store.ensure_meter("1909113", "M", "Europe/Zurich", gap_seconds=180)
    s, e = timeconv.local_day_bounds(date(2026, 10, 25), Z)
    samples = constant_power(s - 3600, e + 3600, step=60)
    assert pg_store.add_readings(mid, samples) == len(samples)
    assert pg_store.add_readings(mid, samples[:100]) == 0
    pg_store.update_aggregates(mid)
    [agg] = pg_store.aggregates(mid, "1d", dt(s), dt(e))
    assert agg["end"] - agg["start"] == 25 * 3600
    assert agg["active_energy_import"] == pytest.approx(25_000.0) and agg["complete"]
    assert pg_store.energy(mid, dt(s), dt(e)).import_wh == pytest.approx(25_000.0)
    pg_store.open_gap(mid, "test")
    assert [g.reason for g in pg_store.gaps(mid, dt(s), dt(e + 7200))] == ["test"]
    uid = pg_store.create_user("alice", "h")
    tid = pg_store.create_token(uid, "t", "ab" * 32)
    assert pg_store.revoke_token(uid, tid)
    pg_store.set_state({"spooled": 1})
    assert pg_store.health()["collector"]["spooled"] == 1
    latest = pg_store.latest(mid)
    assert latest is not None and latest.time == dt(e + 3600 - 60)


def test_alert_details_round_trip_and_older_alerts_upgrade(tmp_path: Path) -> None:
    """Revision 0003 adds the alerts' details: an alert stored at 0002 survives the upgrade with
    empty details; new ones keep theirs, updated on a rescan; unusable details are dropped."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    old = Store.open(url, migrate=False)
    old.upgrade("0002")
    mid = old.ensure_meter("42", "Maison", "Europe/Zurich", gap_seconds=2700)
    with old.engine.begin() as c:
        c.execute(text(
            "INSERT INTO alerts (meter_id, key, kind, start, \"end\", severity, message, unit, found_utc) "
            "VALUES (:m, 'gap:100', 'gap', 100, 1000, 'info', 'No complete data', 'h', 5)"), {"m": mid})
    old.close()
    s = Store.open(url)
    (before,) = s.alerts(mid)
    assert before.key == "gap:100" and before.message == "No complete data" and before.details == {}
    row = {"key": "gap:2000", "kind": "gap", "start": 2000, "end": 2900, "severity": "info", "message": "x",
           "value": 0.25, "expected": None, "unit": "h", "score": 1.0, "details": {"template": "gap", "missing": 1}}
    (aid,) = s.upsert_alerts(mid, [row], now=3000)
    got = s.alert(aid)
    assert got is not None and got.details == {"template": "gap", "missing": 1}
    assert s.upsert_alerts(mid, [{**row, "end": 3800, "details": {"template": "gap", "missing": 2}}]) == []
    got = s.alert(aid)
    assert got is not None and got.end == 3800 and got.details == {"template": "gap", "missing": 2}
    # not JSON (a NaN, an object): the English message stays, the details are left out
    s.upsert_alerts(mid, [{**row, "key": "gap:5000", "start": 5000, "end": 5900, "details": {"template": "gap", "x": float("nan")}}])
    s.upsert_alerts(mid, [{**row, "key": "gap:6000", "start": 6000, "end": 6900, "details": {"template": "gap", "x": object()}}])
    assert [a.details for a in s.alerts(mid, start=4000)] == [{}, {}]
    s.close()
