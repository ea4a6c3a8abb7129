"""Costs of metered energy: per 15-minute interval, per local day, month and year.

Intervals are ``(start, import_wh, export_wh)`` of 15 minutes (``start`` in Unix seconds UTC,
energy in Wh during the interval, None when unknown), as ``Store.series(..., "15m",
["active_energy_import", "active_energy_export"], ...)`` gives them. The price band of an
interval is decided by its local start time in the zone; fixed charges accrue per local day
(23-, 24- or 25-hour days alike). Gaps are flagged, never filled: a day with a None value, a
missing interval or an interval without a price is not ``complete``, and its known intervals
are still costed.

Run ``python -m dashboard.analytics.costs --bench`` to time a year with a dynamic tariff.
"""

from __future__ import annotations

import calendar
import sys
import time as _time
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, AbstractSet, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple, Union
from zoneinfo import ZoneInfo

from .tariffs import (
    PEAK_15M,
    Dynamic,
    Flat,
    Tariff,
    TariffHistory,
    TimeOfUse,
    day_kind,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Series

Interval = Tuple[int, Optional[float], Optional[float]]

QUARTER = 900


@dataclass(frozen=True)
class Breakdown:
    """Energy and money of a period (a day, a month, a year or the whole bill).

    ``total = energy_cost + fixed + capacity + taxes - feed_in_credit``. ``complete`` is False
    when an interval of the period is None, missing or has no price; ``missing_intervals``
    counts them. Amounts are unrounded; :meth:`rounded` gives cents.
    """

    import_kwh: float = 0.0
    export_kwh: float = 0.0
    energy_cost: float = 0.0
    feed_in_credit: float = 0.0
    fixed: float = 0.0
    capacity: float = 0.0
    taxes: float = 0.0
    total: float = 0.0
    complete: bool = True
    missing_intervals: int = 0

    def rounded(self, digits: int = 2) -> "Breakdown":
        """The same breakdown with amounts rounded to ``digits`` decimals (kWh to 3)."""
        return Breakdown(
            round(self.import_kwh, 3),
            round(self.export_kwh, 3),
            round(self.energy_cost, digits),
            round(self.feed_in_credit, digits),
            round(self.fixed, digits),
            round(self.capacity, digits),
            round(self.taxes, digits),
            round(self.total, digits),
            self.complete,
            self.missing_intervals,
        )


class _Acc:
    __slots__ = [f.name for f in fields(Breakdown)]

    def __init__(self) -> None:
        self.import_kwh = 0.0
        self.export_kwh = 0.0
        self.energy_cost = 0.0
        self.feed_in_credit = 0.0
        self.fixed = 0.0
        self.capacity = 0.0
        self.taxes = 0.0
        self.total = 0.0
        self.complete = True
        self.missing_intervals = 0

    def add(self, o: "_Acc") -> None:
        self.import_kwh += o.import_kwh
        self.export_kwh += o.export_kwh
        self.energy_cost += o.energy_cost
        self.feed_in_credit += o.feed_in_credit
        self.fixed += o.fixed
        self.capacity += o.capacity
        self.taxes += o.taxes
        self.complete = self.complete and o.complete
        self.missing_intervals += o.missing_intervals

    def freeze(self) -> Breakdown:
        total = self.energy_cost + self.fixed + self.capacity + self.taxes - self.feed_in_credit
        return Breakdown(
            self.import_kwh,
            self.export_kwh,
            self.energy_cost,
            self.feed_in_credit,
            self.fixed,
            self.capacity,
            self.taxes,
            total,
            self.complete,
            self.missing_intervals,
        )


@dataclass(frozen=True)
class Bill:
    """The result of :func:`compute`.

    ``days`` are keyed by local date, ``months`` by the local first day of the month, ``years``
    by year. Capacity charges (and their tax) appear in months, years and the totals, not in
    days. The inputs are kept so that :func:`cost_of_range` can cost a sub-range.
    """

    totals: Breakdown
    days: Dict[date, Breakdown]
    months: Dict[date, Breakdown]
    years: Dict[int, Breakdown]
    intervals: Sequence[Interval] = field(repr=False)
    history: TariffHistory = field(repr=False)
    zone: ZoneInfo = field(repr=False)
    holidays: FrozenSet[date] = field(repr=False)

    @property
    def complete(self) -> bool:
        """True when no interval was None, missing or unpriced."""
        return self.totals.complete


def _fixed_for_day(t: Tariff, d: date) -> float:
    per_month = t.fixed_per_month / calendar.monthrange(d.year, d.month)[1] if t.fixed_per_month else 0.0
    return t.fixed_per_day + per_month


def compute(
    intervals: Iterable[Interval],
    history: TariffHistory,
    zone: ZoneInfo,
    holidays: Iterable[date] = (),
    start: Optional[int] = None,
    end: Optional[int] = None,
    estimated: AbstractSet[int] = frozenset(),
) -> Bill:
    """Cost ``intervals`` (15-minute ``(start, import_wh, export_wh)``) under ``history`` in ``zone``.

    ``estimated`` holds the starts of intervals whose energy is not measured but spread over a
    gap (the register delta across the gap, split evenly): they are costed and flagged.

    ``holidays`` are local dates priced with the ``holiday`` bands. Fixed charges accrue for
    every local day that has an interval, pro rata by the part of the day inside
    ``[start, end)`` when given (default: whole days); local days between the first and the last
    interval (or inside ``[start, end)``) without any interval are flagged and still carry their
    fixed charges. The capacity charge of a month is that of the tariff valid on the month's
    last covered day. Intervals are sorted; a duplicate start
    is counted once (the first). Raises ``ValueError`` for a start off the quarter hour or a
    non-finite energy.
    """
    hol = frozenset(holidays)
    rows = sorted(intervals, key=lambda r: r[0])
    day_acc: Dict[date, _Acc] = {}
    day_seen: Dict[date, int] = {}
    day_tariff: Dict[date, Optional[Tariff]] = {}
    # Per local month: 15-min peak (Wh) and, per local day, hourly sums (Wh) keyed by hour start.
    month_peak: Dict[date, float] = {}
    month_hours: Dict[date, Dict[date, Dict[int, float]]] = {}
    month_last_day: Dict[date, date] = {}

    cur_day: Optional[date] = None
    day_lo = day_hi = 0
    offset = 0
    dst_day = False
    tariff: Optional[Tariff] = None
    acc = _Acc()
    kind = ""
    energy: Union[Flat, TimeOfUse, Dynamic, None] = None
    flat_price = 0.0
    tou: Optional[TimeOfUse] = None
    dyn: Optional[Mapping[int, float]] = None
    feed_flat: Optional[float] = None
    feed_dyn: Optional[Mapping[int, float]] = None
    levy = 0.0
    mkey = date(1970, 1, 1)
    peak_get = month_peak.get
    hours: Dict[int, float] = {}
    last_ts: Optional[int] = None
    has_estimates = bool(estimated)

    for ts, imp, exp in rows:
        if ts == last_ts:
            continue
        if ts % QUARTER:
            raise ValueError(f"interval start {ts} is not on a quarter hour")
        if (imp is not None and not _finite(imp)) or (exp is not None and not _finite(exp)):
            raise ValueError(f"interval {ts}: energy must be a finite number, got {imp!r}, {exp!r}")
        last_ts = ts
        if cur_day is None or not (day_lo <= ts < day_hi):
            local = datetime.fromtimestamp(ts, zone)
            cur_day = local.date()
            nd = cur_day + timedelta(days=1)
            day_lo = int(datetime(cur_day.year, cur_day.month, cur_day.day, tzinfo=zone).timestamp())
            day_hi = int(datetime(nd.year, nd.month, nd.day, tzinfo=zone).timestamp())
            if cur_day not in day_acc:
                day_acc[cur_day] = _Acc()
                day_seen[cur_day] = 0
                day_tariff[cur_day] = history.at(cur_day)
            acc = day_acc[cur_day]
            tariff = day_tariff[cur_day]
            kind = day_kind(cur_day, hol)
            energy = tariff.energy if tariff else None
            tou = energy if isinstance(energy, TimeOfUse) else None
            dyn = energy.prices if isinstance(energy, Dynamic) else None
            flat_price = energy.price if isinstance(energy, Flat) else 0.0
            fi = tariff.feed_in if tariff else None
            feed_flat = float(fi) if isinstance(fi, (int, float)) else None
            feed_dyn = fi.prices if isinstance(fi, Dynamic) else None
            levy = tariff.levy_per_kwh if tariff else 0.0
            mkey = cur_day.replace(day=1)
            hours = month_hours.setdefault(mkey, {}).setdefault(cur_day, {})
            dst_day = day_hi - day_lo != 86400
            offset = _offset(local)
        elif dst_day:
            # A 23- or 25-hour day: the offset changes during it, take it per interval.
            offset = _offset(datetime.fromtimestamp(ts, zone))

        day_seen[cur_day] += 1
        flagged = imp is None or exp is None or (has_estimates and ts in estimated)
        if tariff is None:
            flagged = True
            if imp is not None:
                acc.import_kwh += imp / 1000.0
            if exp is not None:
                acc.export_kwh += exp / 1000.0
        else:
            if imp is not None:
                kwh = imp / 1000.0
                acc.import_kwh += kwh
                if tou is not None:
                    price: Optional[float] = tou.price_at(kind, ((ts + offset) % 86400) // 60)
                elif dyn is not None:
                    price = dyn.get(ts)
                else:
                    price = flat_price
                if price is None:
                    flagged = True
                else:
                    acc.energy_cost += kwh * price
                acc.taxes += kwh * levy
                if imp > peak_get(mkey, -1.0):
                    month_peak[mkey] = imp
                hstart = ts - ((ts + offset) % 3600)
                hours[hstart] = hours.get(hstart, 0.0) + imp
            if exp is not None:
                kwh = exp / 1000.0
                acc.export_kwh += kwh
                if feed_flat is not None:
                    acc.feed_in_credit += kwh * feed_flat
                elif feed_dyn is not None:
                    fp = feed_dyn.get(ts)
                    if fp is None:
                        flagged = True
                    else:
                        acc.feed_in_credit += kwh * fp
        if flagged:
            acc.complete = False
            acc.missing_intervals += 1

    # Days without any interval inside the covered span are gaps too (flagged, charged fixed).
    if day_acc or (start is not None and end is not None and end > start):
        first = min(day_acc) if start is None else datetime.fromtimestamp(start, zone).date()
        last = max(day_acc) if end is None else datetime.fromtimestamp(max(end - 1, start or 0), zone).date()
        d = first
        while d <= last:
            if d not in day_acc:
                day_acc[d] = _Acc()
                day_seen[d] = 0
                day_tariff[d] = history.at(d)
            d += timedelta(days=1)
    for d in day_acc:
        mk = d.replace(day=1)
        month_last_day[mk] = max(month_last_day.get(mk, d), d)

    # Per day: missing intervals, fixed charges, percentage tax.
    for d, a in day_acc.items():
        lo, hi = _day_bounds(d, zone)
        s = lo if start is None else max(lo, start)
        e = hi if end is None else min(hi, end)
        expected = max(0, (e - s) // QUARTER)
        if day_seen[d] < expected:
            a.complete = False
            a.missing_intervals += expected - day_seen[d]
        t = day_tariff[d]
        if t is None:
            continue
        a.fixed = _fixed_for_day(t, d) * (max(0, e - s) / (hi - lo))
        a.taxes += (a.energy_cost + a.fixed + a.taxes) * t.tax_percent / 100.0

    months: Dict[date, _Acc] = {}
    years: Dict[int, _Acc] = {}
    total = _Acc()
    for d in sorted(day_acc):
        a = day_acc[d]
        months.setdefault(d.replace(day=1), _Acc()).add(a)
    for mk, m in months.items():
        t = history.at(month_last_day[mk])
        if t is not None and t.capacity is not None:
            if t.capacity.method == PEAK_15M:
                kw = month_peak.get(mk, 0.0) * 4 / 1000.0
            else:
                best = sorted(
                    (max(h.values()) for h in month_hours.get(mk, {}).values() if h), reverse=True
                )[:3]
                kw = sum(best) / len(best) / 1000.0 if best else 0.0
            m.capacity = kw * t.capacity.price_per_kw
            m.taxes += m.capacity * t.tax_percent / 100.0
        years.setdefault(mk.year, _Acc()).add(m)
    for y in sorted(years):
        total.add(years[y])
    return Bill(
        totals=total.freeze(),
        days={d: day_acc[d].freeze() for d in sorted(day_acc)},
        months={k: months[k].freeze() for k in sorted(months)},
        years={k: years[k].freeze() for k in sorted(years)},
        intervals=rows,
        history=history,
        zone=zone,
        holidays=hol,
    )


def _finite(x: float) -> bool:
    return -1e300 < x < 1e300


def _offset(local: datetime) -> int:
    off = local.utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def _day_bounds(d: date, zone: ZoneInfo) -> Tuple[int, int]:
    nd = d + timedelta(days=1)
    return (
        int(datetime(d.year, d.month, d.day, tzinfo=zone).timestamp()),
        int(datetime(nd.year, nd.month, nd.day, tzinfo=zone).timestamp()),
    )


def cost_of_range(
    source: Union[Bill, Sequence[Interval]],
    start: int,
    end: int,
    history: Optional[TariffHistory] = None,
    zone: Optional[ZoneInfo] = None,
    holidays: Iterable[date] = (),
) -> Breakdown:
    """What the range ``[start, end)`` (Unix s) cost: the totals of its intervals.

    ``source`` is a :class:`Bill` (its tariffs, zone and holidays are used) or intervals (then
    ``history`` and ``zone`` are required). Fixed charges are pro rata by the part of each local
    day in the range; capacity charges are those of the months' peaks within the range.
    Raises ``ValueError`` if ``end < start`` or ``history``/``zone`` are missing.
    """
    if end < start:
        raise ValueError(f"range end {end} is before start {start}")
    if isinstance(source, Bill):
        rows: Sequence[Interval] = source.intervals
        history, zone, holidays = source.history, source.zone, source.holidays
    else:
        rows = source
        if history is None or zone is None:
            raise ValueError("cost_of_range on intervals needs history and zone")
    sel = [r for r in rows if start <= r[0] < end]
    return compute(sel, history, zone, holidays, start=start, end=end).totals


def intervals_from_series(series: "Series") -> List[Interval]:
    """Intervals from ``Store.series(..., "15m", ["active_energy_import", "active_energy_export"], ...)``.

    An interval whose aggregate is not ``complete`` (data did not cover it) becomes None for
    both values, so the bill flags it instead of pricing a partial delta. Raises ``ValueError``
    if the series is not 15-minute or lacks the import column.
    """
    if series.resolution != "15m":
        raise ValueError(f"costs need 15-minute intervals, got resolution {series.resolution!r}")
    if "active_energy_import" not in series.columns:
        raise ValueError("the series has no active_energy_import column")
    imp = series.columns["active_energy_import"]
    exp = series.columns.get("active_energy_export", [0.0] * len(series.times))
    ok = series.complete if series.complete is not None else [True] * len(series.times)
    return [
        (t, i, e) if c else (t, None, None) for t, i, e, c in zip(series.times, imp, exp, ok)
    ]


def _bench() -> float:
    """Seconds to cost a year of 15-minute data with a dynamic tariff (best of 5)."""
    zone = ZoneInfo("Europe/Zurich")
    lo = int(datetime(2026, 1, 1, tzinfo=zone).timestamp())
    hi = int(datetime(2027, 1, 1, tzinfo=zone).timestamp())
    prices = {ts: 0.10 + ((ts // 3600) % 24) / 100.0 for ts in range(lo, hi, QUARTER)}
    feed = {ts: p / 2 for ts, p in prices.items()}
    hist = TariffHistory(
        [
            Tariff(
                valid_from=date(2026, 1, 1),
                energy=Dynamic(prices),
                fixed_per_month=12.0,
                capacity=None,
                feed_in=Dynamic(feed),
                tax_percent=8.1,
                levy_per_kwh=0.023,
            )
        ]
    )
    rows: List[Interval] = [
        (ts, 100.0 + (ts // QUARTER) % 37, float((ts // QUARTER) % 5)) for ts in range(lo, hi, QUARTER)
    ]
    best = float("inf")
    for _ in range(5):
        t0 = _time.perf_counter()
        bill = compute(rows, hist, zone)
        best = min(best, _time.perf_counter() - t0)
    assert len(bill.days) == 365
    print(f"{len(rows)} intervals, dynamic tariff: {best * 1000:.1f} ms (best of 5)")
    return best


if __name__ == "__main__":
    if sys.argv[1:] == ["--bench"]:
        _bench()
    else:
        print("usage: python -m dashboard.analytics.costs --bench", file=sys.stderr)
        sys.exit(2)
