"""The collector: readings from a source into the store, batched, retried, spooled, never lost.

A reading is *acknowledged* once it is committed to the database or fsynced to the spool
(``[collector] spool_dir``). Acknowledged readings survive a SIGKILL of the collector: on the
next start the spool is replayed (inserts are idempotent, so a replay of readings that were in
fact committed is harmless). Readings still waiting in memory for the next batch (at most
``flush_interval`` seconds or ``batch_size`` readings) are not acknowledged yet.

When no reading arrives for ``silence_timeout`` seconds the collector records an open gap
(closed by the next reading) and asks the source to reconnect. Once an hour it brings the
aggregates up to date and prunes raw readings older than ``raw_retention_days``.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy.exc import SQLAlchemyError

from dashboard import timeconv
from dashboard.config import Config
from dashboard.sources import Source, make_source
from dashboard.spool import Spool
from dashboard.store import Sample, Store, StoreError

__all__ = ["Collector"]

log = logging.getLogger(__name__)

Item = Tuple[str, Sample]


class Collector:
    """Runs a source and writes what it produces (``run()`` blocks until ``stop()``)."""

    def __init__(
        self,
        config: Config,
        *,
        source: Optional[Source] = None,
        store: Optional[Store] = None,
        busy_timeout: float = 1.0,
    ) -> None:
        self.config = config
        self.source = source
        self._store = store
        self._own_store = store is None
        self.busy_timeout = busy_timeout
        self.spool = Spool(config.collector.spool_dir)
        self.queue: "queue.Queue[List[Item]]" = queue.Queue()
        self.stop_event = threading.Event()
        self.pending: List[Item] = []
        self._pending_since: Optional[float] = None
        self._meter_ids: Dict[str, int] = {}
        self._spooled = self.spool.count()
        self._retry_at = 0.0
        self._retry_delay = config.collector.reconnect_min
        self.last_reading_wall = time.time()
        self.last_reading_ts: Optional[int] = None
        self.open_gap: Optional[datetime] = None
        self._silence_noted = False
        self._next_state = 0.0
        self._next_prune = time.time() + min(60.0, config.collector.prune_interval)
        self.stored = 0
        """Readings committed to the database by this process."""
        self.ready = threading.Event()

    # public -----------------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask ``run`` to flush and return."""
        self.stop_event.set()

    def emit(self, items: List[Item]) -> None:
        """Hand readings to the collector (called from the source thread)."""
        self.queue.put(items)

    def run(self) -> None:
        """Run until :meth:`stop`: source thread + writer loop here."""
        if self.source is None:
            self.source = make_source(self.config)
        src = self.source
        # exporters ([mqtt], [influxdb]) read the store from their own threads
        from dashboard.integrations import load_exporters, run_exporters

        analytics = self.config.analytics.enabled
        export_store = self._store if self._store is not None and not self._own_store else (
            Store.open(self.config.database.url, busy_timeout=self.busy_timeout, migrate=False)
            if self.config.integrations or analytics else None)
        exporters = load_exporters(self.config, export_store) if export_store is not None else []
        export_stop = threading.Event()
        self._replay_spool(force=True)
        thread = threading.Thread(target=self._run_source, args=(src,), name="collector-source", daemon=True)
        thread.start()
        self.ready.set()
        export_threads = run_exporters(exporters, export_stop)
        if analytics and export_store is not None:
            # anomaly scans, alerts, webhook, forecast model choice ([analytics])
            from dashboard.analytics.service import AnalyticsJob

            job = AnalyticsJob(self.config, export_store)
            t = threading.Thread(target=_run_job, args=(job, export_stop), name="analytics", daemon=True)
            t.start()
            export_threads.append(t)
        log.info("collector: running (%s source)", src.kind)
        try:
            self._loop()
        finally:
            self.stop_event.set()
            export_stop.set()
            for t in export_threads:
                t.join(timeout=5.0)
            if export_store is not None and export_store is not self._store:
                export_store.close()
            thread.join(timeout=5.0)
            self._drain()
            self._flush()
            src.close()
            self._publish(force=True, stopped=True)
            if self._own_store and self._store is not None:
                self._store.close()
            log.info("collector: stopped")

    # internals --------------------------------------------------------------------------------

    def _run_source(self, src: Source) -> None:
        try:
            src.run(self.emit, self.stop_event)
        except Exception:  # noqa: BLE001 - the writer keeps running; the failure is logged
            log.exception("collector: the source failed")
            src.status.set("stopped", "the source failed (see the log)")

    def _loop(self) -> None:
        c = self.config.collector
        while not self.stop_event.is_set():
            try:
                items = self.queue.get(timeout=0.2)
                self._add(items)
                self._drain()
            except queue.Empty:
                pass
            now = time.time()
            if self.pending and (
                len(self.pending) >= c.batch_size
                or (self._pending_since is not None and now - self._pending_since >= c.flush_interval)
            ):
                self._flush()
            if self._spooled and now >= self._retry_at:
                self._replay_spool()
            self._check_silence(now)
            if now >= self._next_prune:
                self._prune()
            self._publish()

    def _add(self, items: List[Item]) -> None:
        if not items:
            return
        if not self.pending:
            self._pending_since = time.time()
        self.pending.extend(items)
        self.last_reading_wall = time.time()
        self.last_reading_ts = max(s.ts for _serial, s in items)
        self._silence_noted = False
        self.open_gap = None

    def _drain(self) -> None:
        while True:
            try:
                self._add(self.queue.get_nowait())
            except queue.Empty:
                return

    def _get_store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.config.database.url, busy_timeout=self.busy_timeout)
        return self._store

    def _meter_id(self, store: Store, serial: str) -> int:
        mid = self._meter_ids.get(serial)
        if mid is None:
            m = self.config.meter
            mid = store.ensure_meter(serial, m.name, m.timezone, gap_seconds=self.config.collector.silence_timeout)
            self._meter_ids[serial] = mid
        return mid

    def _write(self, items: List[Item]) -> int:
        """Commit readings; raises StoreError/SQLAlchemyError/OSError when the DB refuses."""
        store = self._get_store()
        groups: Dict[str, List[Sample]] = {}
        for serial, sample in items:
            groups.setdefault(serial, []).append(sample)
        added = 0
        for serial, samples in groups.items():
            mid = self._meter_id(store, serial)
            added += store.add_readings(mid, samples)
        for serial in groups:
            try:
                store.update_aggregates(self._meter_ids[serial])
            except (StoreError, SQLAlchemyError) as e:
                log.warning("collector: aggregates not updated (retried later): %s", e)
        return added

    def _flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending, self._pending_since = self.pending, [], None
        if self._spooled and time.time() < self._retry_at:
            self._to_spool(batch, "the database is still unavailable")
            return
        try:
            added = self._write(batch)
        except (StoreError, SQLAlchemyError, OSError) as e:
            self._db_down(e)
            self._to_spool(batch, str(e))
            return
        self.stored += added
        self._db_up()
        log.debug("collector: stored %d readings (%d new), last %s", len(batch), added,
                 timeconv.from_unix(max(s.ts for _x, s in batch)).isoformat())

    def _to_spool(self, batch: List[Item], why: str) -> None:
        try:
            self.spool.append(batch)
        except OSError as e:
            # neither the database nor the disk: keep them in memory and retry
            log.error("collector: cannot spool %d readings (%s); keeping them in memory", len(batch), e)
            self.pending = batch + self.pending
            self._pending_since = self._pending_since or time.time()
            return
        self._spooled += len(batch)
        log.warning("collector: spooled %d readings (%d in the spool): %s", len(batch), self._spooled, _one_line(why))

    def _db_down(self, e: BaseException) -> None:
        self._retry_at = time.time() + self._retry_delay
        log.warning("collector: database unavailable: %s (retry in %.0f s)", _one_line(str(e)), self._retry_delay)
        self._retry_delay = min(self.config.collector.reconnect_max, self._retry_delay * 2)
        if self._own_store and self._store is not None:
            try:
                self._store.close()
            except Exception:  # noqa: BLE001
                pass
            self._store = None
            self._meter_ids.clear()

    def _db_up(self) -> None:
        self._retry_delay = self.config.collector.reconnect_min

    def _replay_spool(self, force: bool = False) -> None:
        if not force and not self._spooled:
            return
        items = self.spool.pending()
        if not items:
            self._spooled = 0
            if self.spool.path.exists():
                self.spool.clear()
            return
        try:
            added = 0
            for k in range(0, len(items), 5000):
                added += self._write(items[k : k + 5000])
        except (StoreError, SQLAlchemyError, OSError) as e:
            self._db_down(e)
            self._spooled = len(items)
            return
        self.spool.clear()
        self._spooled = 0
        self.stored += added
        self._db_up()
        log.info("collector: flushed the spool: %d readings (%d new)", len(items), added)

    def _check_silence(self, now: float) -> None:
        timeout = self.config.collector.silence_timeout
        if self._silence_noted or now - self.last_reading_wall <= timeout:
            return
        self._silence_noted = True
        src = self.source
        state = src.status.snapshot() if src is not None else {}
        if state.get("state") == "reconnecting" and state.get("last_error"):
            reason = f"source lost: {state['last_error']}"
        else:
            reason = f"no reading for {timeout:g} s"
        log.warning("collector: %s", reason)
        if src is not None:
            src.poke.set()
        try:
            store = self._get_store()
            for mid in set(self._meter_ids.values()) or self._configured_meters(store):
                start = store.open_gap(mid, reason)
                if start is not None:
                    self.open_gap = start
        except (StoreError, SQLAlchemyError, OSError) as e:
            log.warning("collector: gap not recorded: %s", _one_line(str(e)))
            self._silence_noted = False  # retry

    def _configured_meters(self, store: Store) -> List[int]:
        serial = self.config.meter.serial
        if serial is not None:
            mid = store.meter_id(serial)
            return [mid] if mid is not None else []
        return [m.id for m in store.meters()]

    def _prune(self) -> None:
        c = self.config
        self._next_prune = time.time() + c.collector.prune_interval
        if self._spooled or self.pending:
            return
        try:
            store = self._get_store()
            cutoff = timeconv.from_unix(time.time() - c.database.raw_retention_days * 86400)
            for mid in set(self._meter_ids.values()):
                store.update_aggregates(mid)
                n = store.prune_raw(mid, cutoff)
                if n:
                    log.info("collector: pruned %d raw readings older than %s", n, cutoff.isoformat())
        except (StoreError, SQLAlchemyError, OSError) as e:
            log.warning("collector: pruning skipped: %s", _one_line(str(e)))

    def state(self, stopped: bool = False) -> Dict[str, Any]:
        """The collector_state contents (what ``/api/health`` shows)."""
        src = self.source.status.snapshot() if self.source is not None else {"kind": self.config.source.kind}
        if stopped:
            src["state"] = "stopped"
        frames = src.pop("frames", {"decoded": 0, "corrupt": 0, "undecryptable": 0})
        return {
            "source": src,
            "last_reading": timeconv.from_unix(self.last_reading_ts).isoformat() if self.last_reading_ts else None,
            "frames": frames,
            "spooled": self._spooled,
            "open_gap": self.open_gap.isoformat() if self.open_gap is not None else None,
            "pid": os.getpid(),
        }

    def _publish(self, force: bool = False, stopped: bool = False) -> None:
        now = time.time()
        if not force and now < self._next_state:
            return
        self._next_state = now + 2.0
        if self._spooled and not force and now < self._retry_at:
            return
        try:
            self._get_store().set_state(self.state(stopped))
        except (StoreError, SQLAlchemyError, OSError) as e:
            log.debug("collector: state not published: %s", e)


def _one_line(s: str) -> str:
    return s.strip().splitlines()[0][:300] if s.strip() else s


def _run_job(job: Any, stop: threading.Event) -> None:
    """Run a periodic job (the analytics) until ``stop``; a failure is logged, never fatal."""
    try:
        job.run(stop)
    except ImportError as e:
        log.warning("analytics: disabled, a package is missing: %s", e)
    except Exception:  # noqa: BLE001 - the collector keeps storing readings whatever happens here
        log.exception("analytics: the job failed")
