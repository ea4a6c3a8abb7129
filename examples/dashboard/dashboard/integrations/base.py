"""The exporter framework: readings from the store to an external destination, never lost.

An :class:`Exporter` reads the stored readings after its cursor (one per meter, kept in the
store's ``collector_state`` table under ``export.<name>.<meter_id>``: the ``ts`` of the last
exported reading), hands them to :meth:`Exporter.send` in batches and advances the cursor only
once ``send`` returned (the destination acknowledged the batch). When ``send`` raises, the same
batch is retried after a back-off (1 s doubling up to 60 s). A restart of the destination or of
the process therefore loses nothing.
"""

from __future__ import annotations

import abc
import itertools
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from dashboard import timeconv
from dashboard.config import Config
from dashboard.models import ReadingRow
from dashboard.store import MeterInfo, Store, StoreError

__all__ = ["ExportRow", "Exporter", "cursor_key"]

log = logging.getLogger(__name__)

BACKOFF_MIN = 1.0
BACKOFF_MAX = 60.0


@dataclass(frozen=True)
class ExportRow:
    """One stored reading to export: UTC Unix seconds, the DST bit, a value per quantity."""

    ts: int
    dst: Optional[bool]
    values: Dict[str, Optional[float]]


def cursor_key(name: str, meter_id: int) -> str:
    """The ``collector_state`` key of an exporter's cursor for one meter."""
    return f"export.{name}.{meter_id}"


def _one_line(s: str) -> str:
    s = s.strip()
    return s.splitlines()[0][:300] if s else s


class Exporter(abc.ABC):
    """Base class of the exporters (MQTT, InfluxDB): subclasses implement :meth:`send`.

    ``batch_size`` readings at most per :meth:`send`; new readings are polled every
    ``interval`` seconds.
    """

    name: str = "exporter"
    batch_size: int = 500
    interval: float = 2.0
    backoff_min: float = BACKOFF_MIN
    backoff_max: float = BACKOFF_MAX

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self._lock = threading.Lock()
        self._state = "stopped"
        self._last_error: Optional[str] = None
        self._last_error_at: Optional[float] = None
        self._exported = 0
        self._backlog: Optional[int] = 0
        self._last_exported_ts: Optional[int] = None
        self._cursors: Dict[int, int] = {}
        self._wake = threading.Event()
        self.stop_event = threading.Event()
        """The ``stop`` event of the running :meth:`run` (for waits inside :meth:`send`)."""

    # to override ------------------------------------------------------------------------------

    @abc.abstractmethod
    def send(self, meter: MeterInfo, rows: List[ExportRow]) -> None:
        """Deliver ``rows`` (oldest first) and return once acknowledged; raise to retry them."""

    def start_cursor(self, meter: MeterInfo) -> int:
        """The cursor of a meter never exported before (0: export everything stored)."""
        return 0

    def open(self) -> None:
        """Called once when :meth:`run` starts (connect here, or lazily in :meth:`send`)."""

    def close(self) -> None:
        """Called once when :meth:`run` returns (disconnect here)."""

    def idle(self) -> None:
        """Called after every poll, also when there was nothing to export (housekeeping)."""

    # public -----------------------------------------------------------------------------------

    def status(self) -> Dict[str, Any]:
        """``state``, ``last_error``, ``backlog``, ``exported``, ``last_exported``.

        ``state`` is ``starting`` until the first poll, then ``connected`` (the last poll or
        batch succeeded) or ``retrying`` (it failed: see ``last_error``), ``stopped`` once
        :meth:`run` returned.
        """
        with self._lock:
            return {
                "state": self._state,
                "last_error": self._last_error,
                "last_error_at": (
                    timeconv.from_unix(self._last_error_at).isoformat()
                    if self._last_error_at is not None else None
                ),
                "backlog": self._backlog,
                "exported": self._exported,
                "last_exported": (
                    timeconv.from_unix(self._last_exported_ts).isoformat()
                    if self._last_exported_ts is not None else None
                ),
            }

    def wake(self) -> None:
        """Poll the store now instead of waiting for the next ``interval``."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Export until ``stop`` is set (blocks; run it in a thread, see ``run_exporters``)."""
        delay = self.backoff_min
        self.stop_event = stop
        self._set_state("starting")
        try:
            self.open()
            while not stop.is_set():
                try:
                    progressed = self._poll(stop)
                    self.idle()
                    delay = self.backoff_min
                except Exception as e:  # noqa: BLE001 - any failure: record, back off, retry
                    self._failed(e, delay)
                    self._publish()
                    if stop.wait(delay):
                        break
                    delay = min(self.backoff_max, delay * 2)
                    continue
                self._publish()
                if not progressed:
                    self._wake.wait(self.interval)
                    self._wake.clear()
        finally:
            try:
                self.close()
            except Exception as e:  # noqa: BLE001
                log.warning("%s: close failed: %s", self.name, _one_line(str(e)))
            self._set_state("stopped")
            self._publish()

    # internals --------------------------------------------------------------------------------

    def _set_state(self, state: str, error: Optional[str] = None) -> None:
        with self._lock:
            self._state = state
            if error is not None:
                self._last_error = error
                self._last_error_at = time.time()

    def _failed(self, e: BaseException, delay: float) -> None:
        msg = _one_line(str(e)) or type(e).__name__
        self._set_state("retrying", msg)
        log.warning("%s: export failed: %s (retry in %.0f s)", self.name, msg, delay)

    def _cursor(self, meter: MeterInfo, state: Dict[str, Any]) -> int:
        c = self._cursors.get(meter.id)
        if c is not None:
            return c
        v = state.get(cursor_key(self.name, meter.id))
        if isinstance(v, int) and not isinstance(v, bool):
            c = v
        else:
            c = int(self.start_cursor(meter))
            self.store.set_state({cursor_key(self.name, meter.id): c})
        self._cursors[meter.id] = c
        return c

    def _poll(self, stop: threading.Event) -> bool:
        """Export every meter's pending readings; True when something was sent."""
        meters = self.store.meters()
        state = self.store.state()
        progressed = False
        backlog = 0
        for meter in meters:
            cursor = self._cursor(meter, state)
            latest = self.store.latest_ts(meter.id)
            if latest is None or latest <= cursor:
                continue
            while not stop.is_set():
                found = self.store.iter_readings(
                    meter.id,
                    timeconv.from_unix(cursor + 1),
                    timeconv.from_unix(latest + 1),
                    chunk=self.batch_size,
                )
                rows = [
                    ExportRow(ts, dst, values)
                    for ts, dst, values in itertools.islice(found, self.batch_size)
                ]
                if not rows:
                    break
                self.send(meter, rows)
                cursor = rows[-1].ts
                self._cursors[meter.id] = cursor
                self.store.set_state({cursor_key(self.name, meter.id): cursor})
                with self._lock:
                    self._exported += len(rows)
                    self._last_exported_ts = cursor
                    self._state = "connected"
                progressed = True
                if len(rows) < self.batch_size:
                    break
                with self._lock:
                    self._backlog = self._pending(meter.id, cursor)
                self._publish()
            backlog += self._pending(meter.id, cursor)
        with self._lock:
            self._state = "connected"
            self._backlog = backlog
        return progressed

    def _pending(self, meter_id: int, cursor: int) -> int:
        """How many stored readings of the meter are newer than the cursor."""
        q = select(func.count()).select_from(ReadingRow).where(
            ReadingRow.meter_id == meter_id, ReadingRow.ts > cursor
        )
        with self.store.engine.connect() as conn:
            return int(conn.execute(q).scalar() or 0)

    def _publish(self) -> None:
        try:
            self.store.set_state({f"export.{self.name}": self.status()})
        except (StoreError, SQLAlchemyError, OSError) as e:
            log.debug("%s: status not published: %s", self.name, e)
