"""Storage: readings, aggregates, gaps, users, API tokens and the collector's state.

SQLite by default (WAL journal, ``synchronous=NORMAL``), PostgreSQL with a
``postgresql+pg8000://`` URL. ``Store.open`` creates or upgrades the schema with the Alembic
migrations. Times cross this API as timezone-aware UTC ``datetime`` values (integer Unix seconds
inside). Inserts are idempotent, keyed by (meter, UTC second): replaying readings is safe.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    cast,
)
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    create_engine,
    delete,
    event,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from dashboard import timeconv
from dashboard.models import (
    AlertRow,
    AggregateRow,
    ApiTokenRow,
    CollectorStateRow,
    GapRow,
    MeterRow,
    ReadingRow,
    UserRow,
)
from dashboard.quantities import COUNTERS, INSTANTS, QUANTITIES

__all__ = [
    "Store",
    "StoreError",
    "Sample",
    "MeterInfo",
    "LatestReading",
    "Series",
    "EnergyTotal",
    "Gap",
    "User",
    "Alert",
    "ApiToken",
    "RESOLUTIONS",
]

log = logging.getLogger(__name__)

RESOLUTIONS = ("raw", "15m", "1h", "1d")
_T = cast(Table, ReadingRow.__table__)
_A = cast(Table, AggregateRow.__table__)
_G = cast(Table, GapRow.__table__)
_M = cast(Table, MeterRow.__table__)
_S = cast(Table, CollectorStateRow.__table__)
_U = cast(Table, UserRow.__table__)
_K = cast(Table, ApiTokenRow.__table__)
_L = cast(Table, AlertRow.__table__)
_QCOLS = tuple(QUANTITIES)
_AGG_COLS = _QCOLS + tuple(q + "_max" for q in INSTANTS)
_INF = (math.inf, -math.inf)
_MIGRATE_LOCK = threading.Lock()
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(Exception):
    """A storage operation failed (the database is unreachable, locked, read-only...)."""


# -- value types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """One reading to store: UTC Unix seconds, a value per quantity, the DST bit, the OBIS list."""

    ts: int
    values: Mapping[str, Optional[float]]
    dst: Optional[bool] = None
    obis: Sequence[Tuple[str, Any, Optional[str]]] = ()

    def to_json(self, serial: str) -> Dict[str, Any]:
        """The spool / JSON-lines form (see :meth:`from_json`)."""
        return {
            "serial": serial,
            "ts": self.ts,
            "dst": self.dst,
            "values": {k: v for k, v in self.values.items() if v is not None},
            "obis": [list(x) for x in self.obis],
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Tuple[str, "Sample"]:
        """Parse the :meth:`to_json` form; raises ``ValueError`` on a malformed object."""
        try:
            serial = str(data["serial"])
            ts = int(data["ts"])
            vals = data.get("values") or {}
            values = {k: (None if v is None else float(v)) for k, v in vals.items() if k in QUANTITIES}
            dst = data.get("dst")
            obis = [(str(o[0]), o[1], None if o[2] is None else str(o[2])) for o in data.get("obis") or []]
        except (KeyError, TypeError, IndexError, ValueError) as e:
            raise ValueError(f"malformed reading: {e}") from None
        return serial, Sample(ts, values, None if dst is None else bool(dst), obis)


@dataclass(frozen=True)
class MeterInfo:
    """A meter and the time span of its data."""

    id: int
    serial: str
    name: str
    timezone: str
    first: Optional[datetime]
    last: Optional[datetime]


@dataclass(frozen=True)
class LatestReading:
    """The most recent reading of a meter."""

    meter_id: int
    time: datetime
    values: Dict[str, Optional[float]]
    obis: List[Tuple[str, Any, Optional[str]]]
    dst: Optional[bool] = None


@dataclass(frozen=True)
class Series:
    """A time series: interval starts (Unix s) and one list of values per quantity.

    For ``raw`` the stored values; for ``15m``/``1h``/``1d`` counters give the energy of each
    interval (Wh) and instant quantities the mean. ``complete`` (aggregates only) tells per
    interval whether data covered it without a gap.
    """

    resolution: str
    times: List[int]
    columns: Dict[str, List[Optional[float]]]
    truncated: bool
    complete: Optional[List[bool]] = None


@dataclass(frozen=True)
class Gap:
    """A period without readings: from the last reading before it to the first after it."""

    start: datetime
    end: Optional[datetime]
    reason: str


@dataclass(frozen=True)
class EnergyTotal:
    """Energy imported and exported in a range, from the register deltas."""

    import_wh: Optional[float]
    export_wh: Optional[float]
    complete: bool
    gaps: List[Gap] = field(default_factory=list)


@dataclass(frozen=True)
class User:
    """A dashboard user (the hash is left out of the repr)."""

    id: int
    username: str
    password_hash: str = field(repr=False)
    is_admin: bool
    created: datetime


@dataclass(frozen=True)
class ApiToken:
    """A read-only API token (its SHA-256 is left out of the repr)."""

    id: int
    user_id: int
    name: str
    token_hash: str = field(repr=False)
    created: datetime
    last_used: Optional[datetime]
    revoked: bool


@dataclass(frozen=True)
class Alert:
    """A stored anomaly of a meter (see :class:`dashboard.models.AlertRow`); times in Unix s."""

    id: int
    meter_id: int
    key: str
    kind: str
    start: int
    end: int
    severity: str
    message: str
    value: Optional[float]
    expected: Optional[float]
    unit: str
    score: Optional[float]
    found: int
    acknowledged: Optional[int]
    acknowledged_by: Optional[int]
    details: Dict[str, Any] = field(default_factory=dict)
    """What the message says, for other languages (see ``Anomaly.details``); empty for alerts
    stored before revision 0003."""


_ALERT_FIELDS = ("kind", "start", "end", "severity", "message", "value", "expected", "unit", "score")


def _details_json(v: Any) -> Optional[str]:
    """An alert's ``details`` mapping as compact JSON (None when there are none)."""
    if not v:
        return None
    try:
        return json.dumps(dict(v), separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None  # not JSON-safe: the English message stays, the details are dropped


def _details_dict(v: Any) -> Dict[str, Any]:
    """The stored JSON of an alert's ``details`` as a dict (empty when absent or unreadable)."""
    if not v:
        return {}
    try:
        d = json.loads(str(v))
    except ValueError:
        return {}
    return d if isinstance(d, dict) else {}


def _finite_or_none(v: Any) -> Optional[float]:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _dt(ts: Optional[int]) -> Optional[datetime]:
    return None if ts is None else timeconv.from_unix(ts)


def _ts(value: Union[datetime, int, float]) -> int:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware (UTC) datetime")
        return timeconv.to_unix(value)
    return int(value)


def _json_value(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or isinstance(v, (int, float, str, bool)):
        return v
    return str(v)


# -- the store --------------------------------------------------------------------------------


class Store:
    """The database behind the collector and the web app. Safe to share between threads."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.dialect = engine.dialect.name
        self._lock = threading.Lock()
        self._zones: Dict[str, ZoneInfo] = {}

    # lifecycle --------------------------------------------------------------------------------

    @staticmethod
    def open(url: str, *, busy_timeout: float = 5.0, migrate: bool = True) -> "Store":
        """Connect to ``url`` and create or upgrade the schema to the latest migration."""
        engine = _make_engine(url, busy_timeout)
        store = Store(engine, url)
        if migrate:
            try:
                store.upgrade()
            except SQLAlchemyError as e:
                engine.dispose()
                raise StoreError(f"cannot open the database: {_short(e)}") from None
        return store

    def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to ``revision``."""
        from alembic import command
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(_MIGRATIONS))
        # Alembic keeps its migration context in module globals: one upgrade at a time
        with _MIGRATE_LOCK, self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        from dashboard.config import redact_url

        return f"Store({redact_url(self.url)!r})"

    def ping(self) -> None:
        """Raise :class:`StoreError` when the database does not answer."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as e:
            raise StoreError(_short(e)) from None

    # meters -----------------------------------------------------------------------------------

    def ensure_meter(
        self, serial: str, name: str, timezone: str, *, gap_seconds: Optional[float] = None
    ) -> int:
        """The id of the meter ``serial``, created if new (name, zone and threshold updated)."""
        with self._begin() as conn:
            row = conn.execute(select(_M).where(_M.c.serial == serial)).first()
            if row is None:
                res = conn.execute(
                    _M.insert().values(
                        serial=serial,
                        name=name,
                        timezone=timezone,
                        created_utc=int(time.time()),
                        gap_seconds=gap_seconds if gap_seconds is not None else 60.0,
                    )
                )
                pk = res.inserted_primary_key
                assert pk is not None
                return int(pk[0])
            changes: Dict[str, Any] = {}
            if row.name != name:
                changes["name"] = name
            if row.timezone != timezone:
                changes["timezone"] = timezone
            if gap_seconds is not None and row.gap_seconds != gap_seconds:
                changes["gap_seconds"] = gap_seconds
            if changes:
                conn.execute(update(_M).where(_M.c.id == row.id).values(**changes))
            return int(row.id)

    def meter_id(self, serial: str) -> Optional[int]:
        """The id of the meter with this serial number, if known."""
        with self.engine.connect() as conn:
            v = conn.execute(select(_M.c.id).where(_M.c.serial == serial)).scalar()
        return None if v is None else int(v)

    def meters(self) -> List[MeterInfo]:
        """Every meter, with the time of its first and last data."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_M).order_by(_M.c.id)).all()
            return [self._meter_info(conn, r) for r in rows]

    def meter(self, meter_id: int) -> Optional[MeterInfo]:
        """One meter, or None."""
        with self.engine.connect() as conn:
            r = conn.execute(select(_M).where(_M.c.id == meter_id)).first()
            return None if r is None else self._meter_info(conn, r)

    def _meter_info(self, conn: Connection, r: Any) -> MeterInfo:
        first_raw, last_raw = conn.execute(
            select(func.min(_T.c.ts), func.max(_T.c.ts)).where(_T.c.meter_id == r.id)
        ).one()
        first_agg = conn.execute(
            select(func.min(_A.c.start)).where(_A.c.meter_id == r.id, _A.c.resolution == "15m")
        ).scalar()
        firsts = [x for x in (first_raw, first_agg) if x is not None]
        return MeterInfo(
            id=int(r.id),
            serial=r.serial,
            name=r.name,
            timezone=r.timezone,
            first=_dt(min(firsts)) if firsts else None,
            last=_dt(last_raw),
        )

    def _zone(self, conn: Connection, meter_id: int) -> Tuple[ZoneInfo, float]:
        row = conn.execute(select(_M.c.timezone, _M.c.gap_seconds).where(_M.c.id == meter_id)).first()
        if row is None:
            raise KeyError(f"no meter with id {meter_id}")
        zone = self._zones.get(row.timezone)
        if zone is None:
            zone = self._zones[row.timezone] = ZoneInfo(row.timezone)
        return zone, float(row.gap_seconds)

    # readings ---------------------------------------------------------------------------------

    def add_readings(
        self, meter_id: int, samples: Sequence[Sample], *, gap_seconds: Optional[float] = None
    ) -> int:
        """Store readings (idempotent by timestamp); detect gaps around them.

        A gap is recorded where two consecutive readings are further apart than ``gap_seconds``
        (default: the meter's threshold; imports of sparse history pass a larger one). Returns
        how many were new. The aggregates follow with :meth:`update_aggregates`. Raises
        :class:`StoreError` when the database refuses the write.
        """
        if not samples:
            return 0
        rows = []
        obis_json = json.dumps
        for s in samples:
            vals = s.values
            row: List[Any] = [meter_id, int(s.ts), s.dst]
            for q in _QCOLS:
                v = vals.get(q)
                row.append(None if v is None or v != v or v in _INF else float(v))
            if s.obis:
                try:
                    text_ = obis_json(s.obis, separators=(",", ":"), allow_nan=False)
                except (TypeError, ValueError):
                    text_ = obis_json([[o[0], _json_value(o[1]), o[2]] for o in s.obis], separators=(",", ":"))
                row.append(text_)
            else:
                row.append(None)
            rows.append(tuple(row))
        lo = min(r[1] for r in rows)
        hi = max(r[1] for r in rows)
        try:
            with self._begin() as conn:
                before = self._count_range(conn, meter_id, lo, hi)
                self._bulk_insert(conn, "readings", ["meter_id", "ts", "dst", *_QCOLS, "obis"], rows, ignore=("meter_id", "ts"))
                after = self._count_range(conn, meter_id, lo, hi)
                added = after - before
                if added:
                    least = func.min if self.dialect == "sqlite" else func.least
                    conn.execute(
                        update(_M)
                        .where(_M.c.id == meter_id)
                        .values(dirty_from=func.coalesce(least(_M.c.dirty_from, lo), lo))
                    )
                    self._detect_gaps(conn, meter_id, lo, hi, gap_seconds)
        except SQLAlchemyError as e:
            raise StoreError(_short(e)) from None
        return added

    def _bulk_insert(
        self,
        conn: Connection,
        table: str,
        cols: Sequence[str],
        rows: Sequence[Sequence[Any]],
        ignore: Optional[Tuple[str, ...]] = None,
    ) -> None:
        """Insert many rows fast: executemany on SQLite, multi-row VALUES on PostgreSQL."""
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in cols)
        if self.dialect == "sqlite":
            verb = "INSERT OR IGNORE" if ignore else "INSERT"
            sql = f"{verb} INTO {table} ({names}) VALUES ({', '.join(['?'] * len(cols))})"
            conn.exec_driver_sql(sql, list(rows))
            return
        tail = f" ON CONFLICT ({', '.join(ignore)}) DO NOTHING" if ignore else ""
        one = "(" + ", ".join(["%s"] * len(cols)) + ")"
        per = max(1, 30000 // len(cols))
        for k in range(0, len(rows), per):
            chunk = rows[k : k + per]
            sql = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(chunk)) + tail
            params: List[Any] = []
            for r in chunk:
                params.extend(r)
            conn.exec_driver_sql(sql, tuple(params))

    def _count_range(self, conn: Connection, meter_id: int, lo: int, hi: int) -> int:
        return int(
            conn.execute(
                select(func.count()).select_from(_T).where(
                    _T.c.meter_id == meter_id, _T.c.ts >= lo, _T.c.ts <= hi
                )
            ).scalar()
            or 0
        )

    def _detect_gaps(
        self, conn: Connection, meter_id: int, lo: int, hi: int, gap_seconds: Optional[float]
    ) -> None:
        _zone, thr = self._zone(conn, meter_id)
        if gap_seconds is not None:
            thr = max(thr, gap_seconds)
        prev = conn.execute(
            select(func.max(_T.c.ts)).where(_T.c.meter_id == meter_id, _T.c.ts < lo)
        ).scalar()
        nxt = conn.execute(
            select(func.min(_T.c.ts)).where(_T.c.meter_id == meter_id, _T.c.ts > hi)
        ).scalar()
        a = prev if prev is not None else lo
        b = nxt if nxt is not None else hi
        stamps = list(
            conn.execute(
                select(_T.c.ts).where(_T.c.meter_id == meter_id, _T.c.ts >= a, _T.c.ts <= b).order_by(_T.c.ts)
            ).scalars()
        )
        found = {x: y for x, y in zip(stamps, stamps[1:]) if y - x > thr}
        existing = conn.execute(
            select(_G.c.id, _G.c.start, _G.c.end).where(
                _G.c.meter_id == meter_id, _G.c.start >= a, _G.c.start <= b
            )
        ).all()
        seen = set()
        for gid, gstart, gend in existing:
            if gstart in found:
                seen.add(gstart)
                if gend != found[gstart]:
                    conn.execute(update(_G).where(_G.c.id == gid).values(end=found[gstart]))
            elif gend is None and gstart == stamps[-1]:
                continue  # still open: nothing after it yet
            else:
                conn.execute(delete(_G).where(_G.c.id == gid))
        for x, y in found.items():
            if x not in seen:
                conn.execute(
                    _G.insert().values(meter_id=meter_id, start=x, end=y, reason="no readings")
                )

    def open_gap(self, meter_id: int, reason: str) -> Optional[datetime]:
        """Mark a gap as open from the last reading on (the meter went silent).

        Returns its start, or None when the meter has no reading yet.
        """
        with self._begin() as conn:
            last = conn.execute(select(func.max(_T.c.ts)).where(_T.c.meter_id == meter_id)).scalar()
            if last is None:
                return None
            row = conn.execute(
                select(_G.c.id, _G.c.end).where(_G.c.meter_id == meter_id, _G.c.start == last)
            ).first()
            if row is None:
                conn.execute(_G.insert().values(meter_id=meter_id, start=last, end=None, reason=reason[:200]))
            elif row.end is None:
                conn.execute(update(_G).where(_G.c.id == row.id).values(reason=reason[:200]))
            return timeconv.from_unix(last)

    def latest(self, meter_id: int) -> Optional[LatestReading]:
        """The most recent reading of the meter, or None."""
        with self.engine.connect() as conn:
            r = conn.execute(
                select(_T).where(_T.c.meter_id == meter_id).order_by(_T.c.ts.desc()).limit(1)
            ).first()
        if r is None:
            return None
        obis: List[Tuple[str, Any, Optional[str]]] = []
        if r.obis:
            try:
                obis = [(str(o[0]), o[1], o[2]) for o in json.loads(r.obis)]
            except (ValueError, TypeError, IndexError):
                obis = []
        return LatestReading(
            meter_id=meter_id,
            time=timeconv.from_unix(r.ts),
            values={q: getattr(r, q) for q in _QCOLS},
            obis=obis,
            dst=r.dst,
        )

    def latest_ts(self, meter_id: int) -> Optional[int]:
        """Unix seconds of the most recent reading (cheap; for change polling)."""
        with self.engine.connect() as conn:
            v = conn.execute(select(func.max(_T.c.ts)).where(_T.c.meter_id == meter_id)).scalar()
        return None if v is None else int(v)

    def count_readings(self, meter_id: Optional[int] = None) -> int:
        """How many raw readings are stored (of one meter or all)."""
        q = select(func.count()).select_from(_T)
        if meter_id is not None:
            q = q.where(_T.c.meter_id == meter_id)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar() or 0)

    def iter_readings(
        self, meter_id: int, start: datetime, end: datetime, *, chunk: int = 5000
    ) -> Iterator[Tuple[int, Optional[bool], Dict[str, Optional[float]]]]:
        """Raw readings in ``[start, end)`` as ``(ts, dst, values)``, oldest first."""
        lo, hi = _ts(start), _ts(end)
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(_T.c.ts, _T.c.dst, *[_T.c[q] for q in _QCOLS])
                    .where(_T.c.meter_id == meter_id, _T.c.ts >= lo, _T.c.ts < hi)
                    .order_by(_T.c.ts)
                    .limit(chunk)
                ).all()
            for r in rows:
                yield int(r[0]), r[1], {q: r[i + 2] for i, q in enumerate(_QCOLS)}
            if len(rows) < chunk:
                return
            lo = int(rows[-1][0]) + 1

    def reading_times(self, meter_id: int, start: datetime, end: datetime, limit: int = 500_000) -> List[int]:
        """The timestamps (Unix s) of the raw readings in ``[start, end)``, oldest first."""
        lo, hi = _ts(start), _ts(end)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_T.c.ts)
                .where(_T.c.meter_id == meter_id, _T.c.ts >= lo, _T.c.ts < hi)
                .order_by(_T.c.ts)
                .limit(limit)
            ).all()
        return [int(r[0]) for r in rows]

    # series -----------------------------------------------------------------------------------

    def series(
        self,
        meter_id: int,
        start: datetime,
        end: datetime,
        resolution: str,
        quantities: Sequence[str],
        limit: int,
    ) -> Series:
        """Values in ``[start, end)`` at ``resolution`` (``raw``, ``15m``, ``1h``, ``1d``).

        At most ``limit`` points (``truncated`` tells when more exist). Gaps are not filled.
        Raises ``ValueError`` for an unknown resolution or quantity.
        """
        if resolution not in RESOLUTIONS:
            raise ValueError(f"unknown resolution {resolution!r}: one of {', '.join(RESOLUTIONS)}")
        for q in quantities:
            if q not in QUANTITIES:
                raise ValueError(f"unknown quantity {q!r}")
        lo, hi = _ts(start), _ts(end)
        limit = max(0, int(limit))
        with self.engine.connect() as conn:
            if resolution == "raw":
                rows = conn.execute(
                    select(_T.c.ts, *[_T.c[q] for q in quantities])
                    .where(_T.c.meter_id == meter_id, _T.c.ts >= lo, _T.c.ts < hi)
                    .order_by(_T.c.ts)
                    .limit(limit + 1)
                ).all()
                complete = None
            else:
                try:
                    zone, _thr = self._zone(conn, meter_id)
                except KeyError:
                    return Series(resolution, [], {q: [] for q in quantities}, False, [])
                first = timeconv.interval_start(lo, resolution, zone)
                rows = conn.execute(
                    select(_A.c.start, *[_A.c[q] for q in quantities], _A.c.complete)
                    .where(
                        _A.c.meter_id == meter_id,
                        _A.c.resolution == resolution,
                        _A.c.start >= first,
                        _A.c.start < hi,
                    )
                    .order_by(_A.c.start)
                    .limit(limit + 1)
                ).all()
                complete = [bool(r[-1]) for r in rows[:limit]]
        truncated = len(rows) > limit
        rows = rows[:limit]
        return Series(
            resolution=resolution,
            times=[int(r[0]) for r in rows],
            columns={q: [r[i + 1] for r in rows] for i, q in enumerate(quantities)},
            truncated=truncated,
            complete=complete,
        )

    def energy_intervals(
        self, meter_id: int, start: datetime, end: datetime
    ) -> List[Tuple[int, Optional[float], Optional[float], bool]]:
        """15-minute ``(start, import Wh, export Wh, complete)`` with start in ``[start, end)``.

        The same values as :meth:`series` at ``15m``, read through the driver's cursor (no row
        objects): the bills of a year read 35,040 of them.
        """
        lo, hi = _ts(start), _ts(end)
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        sql = (
            "SELECT start, active_energy_import, active_energy_export, complete FROM aggregates "
            f"WHERE meter_id = {mark} AND resolution = '15m' AND start >= {mark} AND start < {mark} "
            "ORDER BY start"
        )
        try:
            with self.engine.connect() as conn:
                cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                try:
                    cur.execute(sql, (meter_id, lo, hi))
                    rows = cur.fetchall()
                finally:
                    cur.close()
        except SQLAlchemyError as e:
            raise StoreError(_short(e)) from None
        return [(int(r[0]), r[1], r[2], bool(r[3])) for r in rows]

    def aggregates(
        self, meter_id: int, resolution: str, start: datetime, end: datetime
    ) -> List[Dict[str, Any]]:
        """Full aggregate rows (every column) with ``start`` in ``[start, end)``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_A)
                .where(
                    _A.c.meter_id == meter_id,
                    _A.c.resolution == resolution,
                    _A.c.start >= _ts(start),
                    _A.c.start < _ts(end),
                )
                .order_by(_A.c.start)
            ).mappings().all()
        return [dict(r) for r in rows]

    # energy -----------------------------------------------------------------------------------

    def energy(self, meter_id: int, start: datetime, end: datetime) -> EnergyTotal:
        """Energy imported/exported in ``[start, end)`` from the register values at the edges.

        Whole 15-minute intervals come from the aggregates (kept forever), the partial edges
        from raw readings, interpolated linearly between the readings around each edge.
        ``complete`` is false when a gap overlaps the range or data does not cover it.
        """
        lo, hi = _ts(start), _ts(end)
        if hi <= lo:
            return EnergyTotal(0.0, 0.0, True, [])
        with self.engine.connect() as conn:
            try:
                _zone, thr = self._zone(conn, meter_id)
            except KeyError:
                return EnergyTotal(None, None, False, [])
            aggs = conn.execute(
                select(_A.c.start, _A.c.end, _A.c.active_energy_import, _A.c.active_energy_export, _A.c.complete)
                .where(
                    _A.c.meter_id == meter_id,
                    _A.c.resolution == "15m",
                    _A.c.start >= lo,
                    _A.c.end <= hi,
                )
                .order_by(_A.c.start)
            ).all()
            complete = True
            parts: List[Tuple[int, int]] = []
            totals: Dict[str, Optional[float]] = {"active_energy_import": 0.0, "active_energy_export": 0.0}
            if aggs:
                cursor = lo
                for s, e, imp, exp, comp in aggs:
                    if s > cursor:
                        parts.append((cursor, s))
                    for key, v in (("active_energy_import", imp), ("active_energy_export", exp)):
                        if v is None:
                            complete = False
                        elif totals[key] is not None:
                            totals[key] = (totals[key] or 0.0) + v
                    complete = complete and bool(comp)
                    cursor = e
                if cursor < hi:
                    parts.append((cursor, hi))
            else:
                parts.append((lo, hi))
            for a, b in parts:
                for key in ("active_energy_import", "active_energy_export"):
                    va, ok_a = self._value_at(conn, meter_id, key, a, thr)
                    vb, ok_b = self._value_at(conn, meter_id, key, b, thr)
                    if va is None or vb is None:
                        if key == "active_energy_import":
                            complete = False
                        continue
                    complete = complete and ok_a and ok_b
                    if totals[key] is not None:
                        totals[key] = (totals[key] or 0.0) + (vb - va)
            gaps = self._gaps(conn, meter_id, lo, hi)
        if gaps:
            complete = False
        has_any = self.latest_ts(meter_id) is not None
        return EnergyTotal(
            import_wh=totals["active_energy_import"] if has_any else None,
            export_wh=totals["active_energy_export"] if has_any else None,
            complete=complete and has_any,
            gaps=gaps,
        )

    def _value_at(
        self, conn: Connection, meter_id: int, col: str, t: int, thr: float
    ) -> Tuple[Optional[float], bool]:
        """The counter ``col`` at instant ``t`` (interpolated); ok=False when extrapolated."""
        c = _T.c[col]
        before = conn.execute(
            select(_T.c.ts, c)
            .where(_T.c.meter_id == meter_id, _T.c.ts <= t, c.is_not(None))
            .order_by(_T.c.ts.desc())
            .limit(1)
        ).first()
        if before is not None and before[0] == t:
            return float(before[1]), True
        after = conn.execute(
            select(_T.c.ts, c)
            .where(_T.c.meter_id == meter_id, _T.c.ts >= t, c.is_not(None))
            .order_by(_T.c.ts)
            .limit(1)
        ).first()
        if before is not None and after is not None:
            t0, v0 = before
            t1, v1 = after
            return v0 + (v1 - v0) * (t - t0) / (t1 - t0), True
        if before is not None:
            return float(before[1]), (t - before[0]) <= thr
        if after is not None:
            return float(after[1]), (after[0] - t) <= thr
        return None, False

    # gaps -------------------------------------------------------------------------------------

    def gaps(self, meter_id: int, start: datetime, end: datetime) -> List[Gap]:
        """Gaps overlapping ``[start, end)``, oldest first (``end`` None while still open)."""
        with self.engine.connect() as conn:
            return self._gaps(conn, meter_id, _ts(start), _ts(end))

    def _gaps(self, conn: Connection, meter_id: int, lo: int, hi: int) -> List[Gap]:
        rows = conn.execute(
            select(_G.c.start, _G.c.end, _G.c.reason)
            .where(
                _G.c.meter_id == meter_id,
                _G.c.start < hi,
                or_(_G.c.end.is_(None), _G.c.end > lo),
            )
            .order_by(_G.c.start)
        ).all()
        return [Gap(timeconv.from_unix(s), _dt(e), reason) for s, e, reason in rows]

    # aggregates -------------------------------------------------------------------------------

    def update_aggregates(self, meter_id: int) -> int:
        """Bring the 15-minute, hourly and daily aggregates up to the latest closed quarter hour.

        Recomputes from the earliest reading stored since the last update (late readings from a
        spool replay or an import). Returns how many 15-minute intervals were (re)computed.
        """
        try:
            with self._lock, self._begin() as conn:
                return self._update_aggregates(conn, meter_id)
        except SQLAlchemyError as e:
            raise StoreError(_short(e)) from None

    def _update_aggregates(self, conn: Connection, meter_id: int) -> int:
        zone, thr = self._zone(conn, meter_id)
        m = conn.execute(select(_M.c.aggregated_until, _M.c.dirty_from).where(_M.c.id == meter_id)).one()
        first, last = conn.execute(
            select(func.min(_T.c.ts), func.max(_T.c.ts)).where(_T.c.meter_id == meter_id)
        ).one()
        if first is None:
            return 0
        upto = last - last % 900
        base = first - first % 900
        pruned_before = conn.execute(
            select(func.max(_A.c.end)).where(
                _A.c.meter_id == meter_id, _A.c.resolution == "15m", _A.c.end <= base
            )
        ).scalar()
        if pruned_before is not None:
            base = base + 900 if first % 900 else base  # keep the aggregate computed before pruning
        frm = m.aggregated_until if m.aggregated_until is not None else base
        if m.dirty_from is not None and m.dirty_from < frm:
            frm = m.dirty_from - m.dirty_from % 900 - 900
        frm = max(frm, base)
        count = 0
        if frm < upto:
            day = 7 * 86400
            s = frm
            while s < upto:
                e = min(s + day, upto)
                count += self._compute_15m(conn, meter_id, s, e, thr)
                s = e
            self._rollup(conn, meter_id, zone, "1h", frm, upto)
            self._rollup(conn, meter_id, zone, "1d", frm, upto)
        conn.execute(
            update(_M).where(_M.c.id == meter_id).values(aggregated_until=max(upto, m.aggregated_until or upto), dirty_from=None)
        )
        return count

    def _compute_15m(self, conn: Connection, meter_id: int, s: int, e: int, thr: float) -> int:
        """(Re)compute the 15-minute aggregates of ``[s, e)`` (both aligned) from raw readings."""
        prev = conn.execute(
            select(func.max(_T.c.ts)).where(_T.c.meter_id == meter_id, _T.c.ts < s)
        ).scalar()
        nxt = conn.execute(
            select(func.min(_T.c.ts)).where(_T.c.meter_id == meter_id, _T.c.ts >= e)
        ).scalar()
        a = prev if prev is not None else s
        b = nxt if nxt is not None else e
        rows = conn.execute(
            select(_T.c.ts, *[_T.c[q] for q in COUNTERS])
            .where(_T.c.meter_id == meter_id, _T.c.ts >= a, _T.c.ts <= b)
            .order_by(_T.c.ts)
        ).all()
        if not rows:
            return 0
        stamps = [int(r[0]) for r in rows]
        edges = list(range(s, e + 1, 900))
        n = len(edges) - 1
        out: List[Dict[str, Any]] = [
            {"meter_id": meter_id, "resolution": "15m", "start": edges[i], "end": edges[i + 1], "samples": 0}
            for i in range(n)
        ]
        # counters: register values at the edges, interpolated between the readings around them
        for qi, q in enumerate(COUNTERS):
            ts_q = [stamps[k] for k, r in enumerate(rows) if r[qi + 1] is not None]
            vs_q = [float(r[qi + 1]) for r in rows if r[qi + 1] is not None]
            vals = [_interp(ts_q, vs_q, x) for x in edges]
            for i in range(n):
                v0, v1 = vals[i], vals[i + 1]
                d = None if v0 is None or v1 is None else v1 - v0
                out[i][q] = d if d is None or d >= 0 else None
        # instants: mean and maximum of the samples in each interval (grouped in SQL)
        bucket = (_T.c.ts - _T.c.ts % literal_column("900")).label("bucket")
        cols: List[Any] = [bucket, func.count()]
        for q in INSTANTS:
            cols += [func.avg(_T.c[q]), func.max(_T.c[q])]
        for r in conn.execute(
            select(*cols)
            .where(_T.c.meter_id == meter_id, _T.c.ts >= s, _T.c.ts < e)
            .group_by(bucket)
        ):
            i = (int(r[0]) - s) // 900
            if not 0 <= i < n:
                continue
            agg = out[i]
            agg["samples"] = int(r[1])
            for k, q in enumerate(INSTANTS):
                mean, mx = r[2 + 2 * k], r[3 + 2 * k]
                agg[q] = None if mean is None else float(mean)
                agg[q + "_max"] = None if mx is None else float(mx)
        # completeness: readings bracket the interval and no recorded gap overlaps it
        gaps = conn.execute(
            select(_G.c.start, _G.c.end).where(
                _G.c.meter_id == meter_id, _G.c.start < e, or_(_G.c.end.is_(None), _G.c.end > s)
            )
        ).all()
        for i in range(n):
            lo_e, hi_e = edges[i], edges[i + 1]
            j = bisect.bisect_right(stamps, lo_e) - 1
            k = bisect.bisect_left(stamps, hi_e)
            ok = j >= 0 and k < len(stamps) and out[i].get("active_energy_import") is not None
            if ok:
                ok = not any(gs < hi_e and (ge is None or ge > lo_e) for gs, ge in gaps)
            out[i]["complete"] = ok
        out = [r for r in out if r["samples"] or any(r.get(q) is not None for q in COUNTERS)]
        conn.execute(
            delete(_A).where(
                _A.c.meter_id == meter_id, _A.c.resolution == "15m", _A.c.start >= s, _A.c.start < e
            )
        )
        self._insert_aggregates(conn, out)
        return len(out)

    def _rollup(self, conn: Connection, meter_id: int, zone: ZoneInfo, res: str, frm: int, upto: int) -> None:
        """Recompute the ``res`` aggregates overlapping ``[frm, upto)`` from the 15-minute ones."""
        s0 = timeconv.interval_start(frm, res, zone)
        e0 = timeconv.interval_end(timeconv.interval_start(max(upto - 1, frm), res, zone), res, zone)
        names = ["start", "samples", "complete", *COUNTERS, *INSTANTS, *[q + "_max" for q in INSTANTS]]
        rows = conn.execute(
            select(*[_A.c[c] for c in names])
            .where(_A.c.meter_id == meter_id, _A.c.resolution == "15m", _A.c.start >= s0, _A.c.start < e0)
            .order_by(_A.c.start)
        ).all()
        nc, ni = len(COUNTERS), len(INSTANTS)
        groups: Dict[int, List[Any]] = {}
        if res == "1h":
            for r in rows:
                st = r[0]
                off = int(timeconv.from_unix(st).astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]
                groups.setdefault(st - (st + off) % 3600, []).append(r)
        else:
            for r in rows:
                groups.setdefault(timeconv.interval_start(r[0], res, zone), []).append(r)
        out = []
        for start, subs in sorted(groups.items()):
            end = timeconv.interval_end(start, res, zone)
            agg: Dict[str, Any] = {"meter_id": meter_id, "resolution": res, "start": start, "end": end}
            agg["samples"] = sum(int(r[1]) for r in subs)
            complete = len(subs) == (end - start) // 900 and all(r[2] for r in subs)
            for k, q in enumerate(COUNTERS):
                vals = [r[3 + k] for r in subs if r[3 + k] is not None]
                agg[q] = sum(vals) if vals else None
                if q == "active_energy_import" and len(vals) != len(subs):
                    complete = False
            for k, q in enumerate(INSTANTS):
                wsum = 0.0
                wcnt = 0
                mx: Optional[float] = None
                for r in subs:
                    v = r[3 + nc + k]
                    if v is not None and r[1]:
                        wsum += v * r[1]
                        wcnt += r[1]
                    m = r[3 + nc + ni + k]
                    if m is not None and (mx is None or m > mx):
                        mx = m
                agg[q] = wsum / wcnt if wcnt else None
                agg[q + "_max"] = mx
            agg["complete"] = complete
            out.append(agg)
        conn.execute(
            delete(_A).where(
                _A.c.meter_id == meter_id, _A.c.resolution == res, _A.c.start >= s0, _A.c.start < e0
            )
        )
        self._insert_aggregates(conn, out)

    def _insert_aggregates(self, conn: Connection, out: List[Dict[str, Any]]) -> None:
        cols = ["meter_id", "resolution", "start", "end", "samples", "complete", *_AGG_COLS]
        self._bulk_insert(conn, "aggregates", cols, [tuple(r.get(c) for c in cols) for r in out])

    # retention --------------------------------------------------------------------------------

    def prune_raw(self, meter_id: int, older_than: datetime) -> int:
        """Delete raw readings older than ``older_than`` whose aggregates exist; returns count."""
        cutoff = _ts(older_than)
        try:
            with self._lock, self._begin() as conn:
                m = conn.execute(
                    select(_M.c.aggregated_until, _M.c.dirty_from).where(_M.c.id == meter_id)
                ).first()
                if m is None or m.aggregated_until is None or m.dirty_from is not None:
                    return 0
                limit = min(cutoff, m.aggregated_until - 900)
                limit -= limit % 900
                res = conn.execute(delete(_T).where(_T.c.meter_id == meter_id, _T.c.ts < limit))
                return int(res.rowcount or 0)
        except SQLAlchemyError as e:
            raise StoreError(_short(e)) from None

    # collector state / health -----------------------------------------------------------------

    def set_state(self, values: Mapping[str, Any]) -> None:
        """Publish collector state (JSON values by key) for ``/api/health``."""
        now = int(time.time())
        rows = [{"key": k, "value": json.dumps(v), "updated_utc": now} for k, v in values.items()]
        if not rows:
            return
        try:
            with self._begin() as conn:
                conn.execute(
                    delete(_S).where(
                        _S.c.key.in_(list(values))
                    )
                )
                conn.execute(_S.insert(), rows)
        except SQLAlchemyError as e:
            raise StoreError(_short(e)) from None

    def state(self) -> Dict[str, Any]:
        """The collector state as published (decoded JSON by key)."""
        t = _S
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.c.key, t.c.value)).all()
        out: Dict[str, Any] = {}
        for k, v in rows:
            try:
                out[k] = json.loads(v)
            except ValueError:
                out[k] = None
        return out

    def health(self) -> Dict[str, Any]:
        """Database check and the collector state: ``{"database": {...}, "collector": {...}}``."""
        t0 = time.perf_counter()
        db: Dict[str, Any] = {"ok": True, "backend": self.dialect}
        collector: Dict[str, Any] = {}
        updated: Optional[int] = None
        try:
            t = _S
            with self.engine.connect() as conn:
                rows = conn.execute(select(t.c.key, t.c.value, t.c.updated_utc)).all()
            for k, v, u in rows:
                try:
                    collector[k] = json.loads(v)
                except ValueError:
                    collector[k] = None
                updated = u if updated is None else max(updated, u)
        except SQLAlchemyError as e:
            db = {"ok": False, "backend": self.dialect, "error": _short(e)}
        db["latency_ms"] = round((time.perf_counter() - t0) * 1000, 2)
        if updated is not None:
            collector["updated"] = timeconv.from_unix(updated).isoformat()
        return {"database": db, "collector": collector}

    # users and tokens -------------------------------------------------------------------------

    def user_count(self) -> int:
        """How many users exist."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_U)).scalar() or 0)

    def create_user(self, username: str, password_hash: str, is_admin: bool = False) -> int:
        """Create a user; raises ``ValueError`` if the name is taken or empty."""
        username = username.strip()
        if not username or len(username) > 100:
            raise ValueError("the user name must be 1 to 100 characters")
        t = _U
        with self._begin() as conn:
            if conn.execute(select(t.c.id).where(t.c.username == username)).first() is not None:
                raise ValueError(f"user {username!r} exists already")
            res = conn.execute(
                t.insert().values(
                    username=username, password_hash=password_hash, is_admin=is_admin, created_utc=int(time.time())
                )
            )
            pk = res.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    def set_password(self, user_id: int, password_hash: str) -> bool:
        """Replace a user's password hash; False if no such user."""
        t = _U
        with self._begin() as conn:
            res = conn.execute(update(t).where(t.c.id == user_id).values(password_hash=password_hash))
            return bool(res.rowcount)

    def _user(self, cond: Any) -> Optional[User]:
        t = _U
        with self.engine.connect() as conn:
            r = conn.execute(select(t).where(cond)).first()
        if r is None:
            return None
        return User(int(r.id), r.username, r.password_hash, bool(r.is_admin), timeconv.from_unix(r.created_utc))

    def user_by_name(self, name: str) -> Optional[User]:
        """The user with this name, or None."""
        return self._user(_U.c.username == name)

    def user_by_id(self, user_id: int) -> Optional[User]:
        """The user with this id, or None."""
        return self._user(_U.c.id == user_id)

    def create_token(self, user_id: int, name: str, token_hash: str) -> int:
        """Store a new API token (by its SHA-256 hex) for a user; returns its id."""
        t = _K
        with self._begin() as conn:
            res = conn.execute(
                t.insert().values(
                    user_id=user_id, name=name[:100], token_hash=token_hash,
                    created_utc=int(time.time()), last_used_utc=None, revoked=False,
                )
            )
            pk = res.inserted_primary_key
            assert pk is not None
            return int(pk[0])

    @staticmethod
    def _token(r: Any) -> ApiToken:
        return ApiToken(
            int(r.id), int(r.user_id), r.name, r.token_hash, timeconv.from_unix(r.created_utc),
            _dt(r.last_used_utc), bool(r.revoked),
        )

    def token_by_hash(self, token_hash: str) -> Optional[ApiToken]:
        """The token with this SHA-256 hex (revoked ones too: check ``.revoked``), or None."""
        t = _K
        with self.engine.connect() as conn:
            r = conn.execute(select(t).where(t.c.token_hash == token_hash)).first()
        return None if r is None else self._token(r)

    def tokens(self, user_id: int) -> List[ApiToken]:
        """A user's tokens, newest first."""
        t = _K
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.user_id == user_id).order_by(t.c.id.desc())).all()
        return [self._token(r) for r in rows]

    def revoke_token(self, user_id: int, token_id: int) -> bool:
        """Revoke one of the user's tokens; False if it is not theirs or does not exist."""
        t = _K
        with self._begin() as conn:
            res = conn.execute(
                update(t).where(t.c.id == token_id, t.c.user_id == user_id).values(revoked=True)
            )
            return bool(res.rowcount)

    def touch_token(self, token_id: int) -> None:
        """Record that a token was just used."""
        t = _K
        with self._begin() as conn:
            conn.execute(update(t).where(t.c.id == token_id).values(last_used_utc=int(time.time())))

    # helpers ----------------------------------------------------------------------------------

    # alerts -----------------------------------------------------------------------------------

    def upsert_alerts(self, meter_id: int, anomalies: Sequence[Mapping[str, Any]], now: Optional[int] = None) -> List[int]:
        """Store anomalies (``key``, ``kind``, ``start``, ``end``, ``severity``, ``message``,
        ``value``, ``expected``, ``unit``, ``score``) of a meter; returns the ids of the new ones.

        An anomaly already stored (same ``key``) is updated (its end, value, message may have
        grown) and keeps its acknowledgement.
        """
        found = int(time.time()) if now is None else int(now)
        new: List[int] = []
        if not anomalies:
            return new
        try:
            with self._lock, self._begin() as conn:
                have = {
                    str(r[0]): int(r[1])
                    for r in conn.execute(
                        select(_L.c.key, _L.c.id).where(
                            _L.c.meter_id == meter_id, _L.c.key.in_([str(a["key"]) for a in anomalies])
                        )
                    )
                }
                for a in anomalies:
                    row = {
                        "kind": str(a["kind"])[:40],
                        "start": int(a["start"]),
                        "end": int(a["end"]),
                        "severity": str(a["severity"])[:20],
                        "message": str(a["message"])[:500],
                        "value": _finite_or_none(a.get("value")),
                        "expected": _finite_or_none(a.get("expected")),
                        "unit": str(a.get("unit") or "")[:20],
                        "score": _finite_or_none(a.get("score")),
                        "details": _details_json(a.get("details")),
                    }
                    key = str(a["key"])[:100]
                    if key in have:
                        conn.execute(update(_L).where(_L.c.id == have[key]).values(**row))
                    else:
                        res = conn.execute(_L.insert().values(meter_id=meter_id, key=key, found_utc=found, **row))
                        pk = res.inserted_primary_key
                        if pk is not None:
                            new.append(int(pk[0]))
                        have[key] = -1
        except SQLAlchemyError as e:
            raise StoreError(_short(e)) from None
        return new

    def alerts(
        self,
        meter_id: Optional[int] = None,
        start: Optional[int] = None,
        end: Optional[int] = None,
        *,
        open_only: bool = False,
        after_id: Optional[int] = None,
        limit: int = 1000,
    ) -> List[Alert]:
        """Stored alerts overlapping ``[start, end)`` (Unix s), newest first; with ``after_id``
        the alerts stored after that id, oldest first (the delivery cursors use it)."""
        q = select(_L)
        if meter_id is not None:
            q = q.where(_L.c.meter_id == meter_id)
        if start is not None:
            q = q.where(_L.c.end > start)
        if end is not None:
            q = q.where(_L.c.start < end)
        if open_only:
            q = q.where(_L.c.acknowledged_utc.is_(None))
        if after_id is not None:
            q = q.where(_L.c.id > after_id).order_by(_L.c.id)
        else:
            q = q.order_by(_L.c.start.desc(), _L.c.id.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(q.limit(max(0, int(limit)))).all()
        return [self._alert(r) for r in rows]

    def alert(self, alert_id: int) -> Optional[Alert]:
        """One stored alert, or None."""
        with self.engine.connect() as conn:
            r = conn.execute(select(_L).where(_L.c.id == alert_id)).first()
        return self._alert(r) if r is not None else None

    @staticmethod
    def _alert(r: Any) -> Alert:
        return Alert(
            id=int(r.id), meter_id=int(r.meter_id), key=str(r.key), kind=str(r.kind), start=int(r.start),
            end=int(r.end), severity=str(r.severity), message=str(r.message), value=r.value,
            expected=r.expected, unit=str(r.unit), score=r.score, found=int(r.found_utc),
            acknowledged=r.acknowledged_utc, acknowledged_by=r.acknowledged_by,
            details=_details_dict(r.details),
        )

    def acknowledge_alert(self, alert_id: int, user_id: Optional[int], now: Optional[int] = None) -> Optional[Alert]:
        """Mark an alert as acknowledged (kept if already acknowledged); None when unknown."""
        ts = int(time.time()) if now is None else int(now)
        try:
            with self._lock, self._begin() as conn:
                conn.execute(
                    update(_L)
                    .where(_L.c.id == alert_id, _L.c.acknowledged_utc.is_(None))
                    .values(acknowledged_utc=ts, acknowledged_by=user_id)
                )
        except SQLAlchemyError as e:
            raise StoreError(_short(e)) from None
        return self.alert(alert_id)

    def _begin(self) -> Any:
        return self.engine.begin()

    def _insert_ignore(self, table: Any, keys: List[str]) -> Any:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table).on_conflict_do_nothing(index_elements=keys)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=keys)


def _interp(ts: List[int], vs: List[float], x: int) -> Optional[float]:
    """Linear interpolation of the series at ``x``; clamps to the first/last value outside."""
    if not ts:
        return None
    i = bisect.bisect_left(ts, x)
    if i < len(ts) and ts[i] == x:
        return vs[i]
    if i == 0:
        return vs[0]
    if i == len(ts):
        return vs[-1]
    t0, t1 = ts[i - 1], ts[i]
    return vs[i - 1] + (vs[i] - vs[i - 1]) * (x - t0) / (t1 - t0)


def _short(e: BaseException) -> str:
    orig = getattr(e, "orig", None)
    msg = str(orig if orig is not None else e).strip().splitlines()
    return (msg[0] if msg else type(e).__name__)[:300]


def _make_engine(url: str, busy_timeout: float) -> Engine:
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        if not memory:
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs: Dict[str, Any] = {
            "connect_args": {"check_same_thread": False, "timeout": busy_timeout},
        }
        if memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
