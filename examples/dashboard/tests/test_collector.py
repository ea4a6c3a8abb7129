"""The collector against real push frames on a pseudo-terminal: storing, DST, reconnecting after
the adapter vanishes, gaps, spooling while the database is unavailable, and SIGKILL."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import tty
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

import pytest

import compteur
from dashboard_testdata import Line, Running, postgres_url, source_state, wait_for
from dashboard import timeconv
from dashboard.collector import Collector
from dashboard.config import Config
from dashboard.spool import Spool
from dashboard.store import Store

UTC = timezone.utc
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sim() -> Iterator[Any]:
    s = compteur.Simulator(seed=3, history_days=2)
    yield s
    s.close()


def instants(n: int, start: Optional[datetime] = None, step: float = 10.0) -> List[datetime]:
    base = start or datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    return [base + timedelta(seconds=step * i) for i in range(n)]


def config_for(tmp_path: Path, port: Path, url: Optional[str] = None, **collector: Any) -> Config:
    col = {"flush_interval": 0.3, "silence_timeout": 30.0, "reconnect_min": 0.1, "reconnect_max": 0.5}
    col.update(collector)
    return Config.from_dict(
        {
            "meter": {"name": "Test", "timezone": "Europe/Zurich"},
            "source": {"kind": "push", "port": str(port), "baud": 115200, "parity": "none"},
            "database": {"url": url or "sqlite:///dash.db"},
            "collector": col,
        },
        path=tmp_path / "dashboard.toml",
    )


def db_stamps(path: Path) -> List[int]:
    con = sqlite3.connect(path, timeout=5)
    try:
        return [r[0] for r in con.execute("SELECT ts FROM readings ORDER BY ts")]
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def test_pushes_on_a_pty_are_stored_with_dst_resolved(tmp_path: Path, sim: Any) -> None:
    line = Line(tmp_path / "ttyMETER")
    config = config_for(tmp_path, line.link)
    run = Running(Collector(config))
    try:
        wait_for(lambda: source_state(run.collector) == "connected", what="connected")
        # the two 02:30 of 2026-10-25 (summer, then winter time) and a normal instant
        ats = [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
               datetime(2026, 11, 20, 10, 0, tzinfo=UTC)]
        for at in ats:
            line.write(sim.push_frames(at=at))
        db = tmp_path / "dash.db"
        wait_for(lambda: len(db_stamps(db)) == 3, what="3 readings")
        assert db_stamps(db) == [timeconv.to_unix(a) for a in ats]
        # again: idempotent
        line.write(sim.push_frames(at=ats[0]))
        line.write(b"\x7e\xa0garbage\x00\x01")
        line.write(sim.push_frames(at=ats[2] + timedelta(seconds=10)))
        wait_for(lambda: len(db_stamps(db)) == 4, what="4 readings")
    finally:
        run.stop()
        line.close()
    store = Store.open(config.database.url)
    try:
        [m] = store.meters()
        assert m.serial == "1909113"
        latest = store.latest(m.id)
        assert latest is not None and latest.values["active_energy_import"] is not None
        assert any(o[0].startswith("1-1:1.8.0") for o in latest.obis)
        health = store.health()["collector"]
        assert health["frames"]["decoded"] == 5
        assert health["source"]["state"] == "stopped" and health["spooled"] == 0
        assert health["last_reading"] == (ats[2] + timedelta(seconds=10)).isoformat()
    finally:
        store.close()


def test_unplugged_adapter_reconnects_and_the_gap_is_marked(tmp_path: Path, sim: Any) -> None:
    line = Line(tmp_path / "ttyUSB")
    config = config_for(tmp_path, line.link, silence_timeout=1.0)
    run = Running(Collector(config))
    db = tmp_path / "dash.db"
    store = Store.open(config.database.url)
    try:
        wait_for(lambda: source_state(run.collector) == "connected", what="connected")
        now = datetime.now(UTC).replace(microsecond=0)
        first = instants(3, now - timedelta(seconds=40), step=1.0)
        for at in first:
            line.write(sim.push_frames(at=at))
        wait_for(lambda: len(db_stamps(db)) == 3, what="3 readings")
        line.unplug()
        wait_for(lambda: source_state(run.collector) == "reconnecting", what="reconnecting")
        # silent for longer than the threshold: an open gap from the last reading
        def open_gap() -> Any:
            gaps = store.gaps(1, first[0], now + timedelta(hours=1))
            return gaps and gaps[0].end is None and gaps[0]
        gap = wait_for(open_gap, what="open gap")
        assert gap.start == first[-1] and gap.reason.startswith("source lost:")
        state = wait_for(lambda: store.health()["collector"].get("open_gap"), what="open_gap in state")
        assert state == first[-1].isoformat()
        line.plug()
        wait_for(lambda: source_state(run.collector) == "connected", timeout=15, what="reconnected")
        later = now + timedelta(seconds=30)
        line.write(sim.push_frames(at=later))
        wait_for(lambda: len(db_stamps(db)) == 4, what="reading after reconnect")
        [gap] = store.gaps(1, first[0], now + timedelta(hours=1))
        assert (gap.start, gap.end) == (first[-1], later)
        assert "ttyUSB" in gap.reason
        wait_for(lambda: store.health()["collector"]["source"]["reconnects"] >= 1, what="reconnects published")
    finally:
        run.stop()
        line.close()
        store.close()


def test_locked_database_spools_then_flushes(tmp_path: Path, sim: Any) -> None:
    line = Line(tmp_path / "ttyS0")
    config = config_for(tmp_path, line.link)
    run = Running(Collector(config))
    db = tmp_path / "dash.db"
    spool = Spool(config.collector.spool_dir)
    try:
        wait_for(lambda: source_state(run.collector) == "connected", what="connected")
        ats = instants(12)
        for at in ats[:4]:
            line.write(sim.push_frames(at=at))
        wait_for(lambda: len(db_stamps(db)) == 4, what="4 readings")
        locker = sqlite3.connect(db, timeout=5, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            for at in ats[4:]:
                line.write(sim.push_frames(at=at))
                time.sleep(0.02)
            wait_for(lambda: len(spool.pending()) == 8, timeout=15, what="8 spooled readings")
            assert {s.ts for _x, s in spool.pending()} == {timeconv.to_unix(a) for a in ats[4:]}
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        wait_for(lambda: len(db_stamps(db)) == 12, timeout=15, what="spool flushed")
        wait_for(lambda: not spool.path.exists(), what="spool removed")
        assert db_stamps(db) == [timeconv.to_unix(a) for a in ats]
    finally:
        run.stop()
        line.close()


def _spawn(cfg: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", "-c", str(cfg), "collect"],
        stdout=subprocess.DEVNULL, stderr=open(log, "ab"), env=env, cwd=str(ROOT),
    )


def _log_has(log: Path, text: str, count: int = 1) -> bool:
    try:
        return log.read_text(errors="replace").count(text) >= count
    except FileNotFoundError:
        return False


def test_sigkill_loses_nothing_acknowledged(tmp_path: Path, sim: Any) -> None:
    """A real `python -m dashboard collect` on a pty, the DB locked, SIGKILL, restart."""
    line = Line(tmp_path / "ttyAMA0")
    cfg = tmp_path / "dashboard.toml"
    cfg.write_text(
        f"""
[meter]
timezone = "Europe/Zurich"
[source]
kind = "push"
port = "{line.link}"
baud = 115200
parity = "none"
[database]
url = "sqlite:///dash.db"
[collector]
flush_interval = 0.3
reconnect_min = 0.1
reconnect_max = 0.5
"""
    )
    db = tmp_path / "dash.db"
    log = tmp_path / "collector.log"
    spool = Spool(tmp_path / "spool")
    ats = instants(40)
    proc = _spawn(cfg, log)
    try:
        wait_for(lambda: _log_has(log, "push source: connected"), timeout=20, what="collector ready")
        for at in ats[:10]:
            line.write(sim.push_frames(at=at))
        wait_for(lambda: len(db_stamps(db)) == 10, timeout=15, what="10 committed")
        locker = sqlite3.connect(db, timeout=5, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        for at in ats[10:20]:
            line.write(sim.push_frames(at=at))
            time.sleep(0.02)
        wait_for(lambda: len(spool.pending()) == 10, timeout=15, what="10 spooled")
        # more pushes, then SIGKILL at once: these may or may not be acknowledged
        for at in ats[20:25]:
            line.write(sim.push_frames(at=at))
        time.sleep(0.35)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        locker.execute("ROLLBACK")
        locker.close()
        acknowledged = set(db_stamps(db)) | {s.ts for _x, s in spool.pending()}
        assert {timeconv.to_unix(a) for a in ats[:20]} <= acknowledged
        proc = _spawn(cfg, log)
        wait_for(lambda: _log_has(log, "push source: connected", 2), timeout=20, what="restarted")
        for at in ats[25:30]:
            line.write(sim.push_frames(at=at))
        expected = acknowledged | {timeconv.to_unix(a) for a in ats[25:30]}
        wait_for(lambda: expected <= set(db_stamps(db)), timeout=15, what="everything stored")
        wait_for(lambda: not spool.path.exists(), what="spool replayed and removed")
        stamps = db_stamps(db)
        assert len(stamps) == len(set(stamps))  # exactly once
        assert set(stamps) <= {timeconv.to_unix(a) for a in ats[:30]}
        assert _log_has(log, "flushed the spool")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        line.close()


class Proxy:
    """A TCP port that is closed until ``open()``, then forwards to ``target``."""

    def __init__(self, target: Tuple[str, int]) -> None:
        self.target = target
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.server: Optional[socket.socket] = None
        self.stopped = threading.Event()

    def open(self) -> None:
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(16)
        srv.settimeout(0.2)
        self.server = srv
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        assert self.server is not None
        while not self.stopped.is_set():
            try:
                client, _ = self.server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.stopped.set()
        if self.server is not None:
            self.server.close()


def test_postgres_down_then_up_spools_then_flushes(tmp_path: Path, sim: Any) -> None:
    url = postgres_url()
    assert url is not None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from dashboard.models import metadata

    engine = create_engine(url)
    with engine.begin() as c:
        metadata.drop_all(c)
        c.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    real = make_url(url)
    proxy = Proxy((real.host or "127.0.0.1", real.port or 5432))
    proxied = real.set(port=proxy.port).render_as_string(hide_password=False)
    line = Line(tmp_path / "ttyPG")
    config = config_for(tmp_path, line.link, url=proxied)
    run = Running(Collector(config))
    spool = Spool(config.collector.spool_dir)
    try:
        wait_for(lambda: source_state(run.collector) == "connected", what="connected")
        ats = instants(6)
        for at in ats:
            line.write(sim.push_frames(at=at))
        wait_for(lambda: len(spool.pending()) == 6, timeout=15, what="spooled while PostgreSQL is down")
        proxy.open()
        store = Store.open(url)
        try:
            wait_for(lambda: store.count_readings() == 6, timeout=20, what="flushed to PostgreSQL")
            wait_for(lambda: not spool.path.exists(), what="spool removed")
            [m] = store.meters()
            assert m.first == ats[0] and m.last == ats[-1]
        finally:
            store.close()
    finally:
        run.stop()
        line.close()
        proxy.close()


def test_sigterm_writes_the_pending_batch(tmp_path: Path, sim: Any) -> None:
    line = Line(tmp_path / "ttyTERM")
    cfg = tmp_path / "dashboard.toml"
    cfg.write_text(
        f'[source]\nkind = "push"\nport = "{line.link}"\nbaud = 115200\nparity = "none"\n'
        '[database]\nurl = "sqlite:///dash.db"\n[collector]\nflush_interval = 60\n'
    )
    db = tmp_path / "dash.db"
    log = tmp_path / "collector.log"
    proc = _spawn(cfg, log)
    try:
        wait_for(lambda: _log_has(log, "push source: connected"), timeout=20, what="collector ready")
        ats = instants(3)
        for at in ats:
            line.write(sim.push_frames(at=at))

        def decoded() -> bool:
            store = Store.open(f"sqlite:///{db}")
            try:
                return bool(store.health()["collector"].get("frames", {}).get("decoded") == 3)
            finally:
                store.close()

        wait_for(decoded, timeout=10, what="3 pushes decoded")
        assert db_stamps(db) == []  # still waiting for their batch
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        assert db_stamps(db) == [timeconv.to_unix(a) for a in ats]
    finally:
        if proc.poll() is None:
            proc.kill()
        line.close()


def test_collector_prunes_old_raw_readings_after_aggregating(tmp_path: Path, sim: Any) -> None:
    line = Line(tmp_path / "ttyPRUNE")
    config = Config.from_dict(
        {
            "source": {"kind": "push", "port": str(line.link), "baud": 115200, "parity": "none"},
            "database": {"url": "sqlite:///dash.db", "raw_retention_days": 1},
            "collector": {"flush_interval": 0.2, "prune_interval": 0.5, "silence_timeout": 600},
        },
        path=tmp_path / "dashboard.toml",
    )
    run = Running(Collector(config))
    db = tmp_path / "dash.db"
    try:
        wait_for(lambda: source_state(run.collector) == "connected", what="connected")
        old = instants(61, datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=3), step=60)
        recent = instants(2, datetime.now(UTC) - timedelta(seconds=30), step=10)
        for at in old + recent:
            line.write(sim.push_frames(at=at))
            time.sleep(0.005)
        wait_for(lambda: len(db_stamps(db)) == 63, what="63 readings")
        # the first pass runs at most 60 s after the start; ask for it now
        run.collector._next_prune = 0.0
        wait_for(lambda: len(db_stamps(db)) < 63, timeout=15, what="pruned")
        stamps = db_stamps(db)
        assert {timeconv.to_unix(a) for a in recent} <= set(stamps)
        con = sqlite3.connect(db)
        try:
            quarters = con.execute("SELECT COUNT(*) FROM aggregates WHERE resolution = '15m' AND start < ?",
                                   (timeconv.to_unix(old[-1]),)).fetchone()[0]
        finally:
            con.close()
        assert quarters >= 3  # the aggregates of the pruned hour stay
    finally:
        run.stop()
        line.close()


KEY = "000102030405060708090A0B0C0D0E0F"
AUTH = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"


def test_encrypted_pushes_and_a_silent_meter(tmp_path: Path, sim: Any) -> None:
    """Keys from the config decrypt and authenticate; a wrong key is counted; silence opens a gap."""
    line = Line(tmp_path / "ttyENC")
    config = Config.from_dict(
        {
            "source": {"kind": "push", "port": str(line.link), "baud": 115200, "parity": "none",
                       "key": KEY, "auth_key": AUTH},
            "database": {"url": "sqlite:///dash.db"},
            "collector": {"flush_interval": 0.2, "silence_timeout": 1.0, "reconnect_min": 0.1},
        },
        path=tmp_path / "dashboard.toml",
    )
    assert KEY not in repr(config)
    run = Running(Collector(config))
    db = tmp_path / "dash.db"
    store = Store.open(config.database.url)
    try:
        wait_for(lambda: source_state(run.collector) == "connected", what="connected")
        now = datetime.now(UTC).replace(microsecond=0)
        ats = [now - timedelta(seconds=2), now - timedelta(seconds=1)]
        for at in ats:
            line.write(sim.push_frames(at=at, key=KEY, auth_key=AUTH))
        line.write(sim.push_frames(at=now, key="FF" * 16, auth_key=AUTH))  # not our key
        wait_for(lambda: len(db_stamps(db)) == 2, what="2 decrypted readings")
        assert db_stamps(db) == [timeconv.to_unix(a) for a in ats]
        # the meter stays silent: a gap opens at the last reading, the source reconnects
        gaps = lambda: store.gaps(1, ats[0], now + timedelta(hours=1))  # noqa: E731
        gap = wait_for(lambda: gaps() and gaps()[0], what="gap")
        assert gap.start == ats[-1] and gap.end is None and gap.reason == "no reading for 1 s"
        health = wait_for(lambda: (lambda h: h if h.get("open_gap") and h["source"]["reconnects"] >= 1 else None)(
            store.health()["collector"]), what="health")
        assert health["open_gap"] == ats[-1].isoformat()
        assert health["frames"]["decoded"] == 2 and health["frames"]["undecryptable"] == 1
        assert KEY not in json_dump(health)
    finally:
        run.stop()
        line.close()
        store.close()


def json_dump(obj: Any) -> str:
    import json

    return json.dumps(obj)
