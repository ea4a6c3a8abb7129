"""Bills of stored meter data: the store's 15-minute register deltas priced by the configured tariffs.

Used by ``/api/costs``, the MQTT ``cost`` topic and the forecast's "expected cost tomorrow", so
that every place shows the same amounts.

Whole quarter-hours come from the 15-minute aggregates (register deltas, kept forever). A range
edge inside a quarter-hour, and the newest quarter-hours the aggregates have not reached yet,
come from the raw readings around them (:meth:`Store.energy`); such a piece is priced at its
quarter-hour's price. Across a gap in the readings the energy is the exact register delta, spread
evenly over the quarter-hours of the gap (as the aggregates store it): those quarter-hours are
costed and flagged (the bill is not ``complete``); with a flat price the cost is then still
exact, with time-of-use or dynamic prices it is an estimate. A quarter-hour no reading brackets
has no energy: it is flagged and never guessed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple
from zoneinfo import ZoneInfo

from .. import timeconv
from .costs import QUARTER, Bill, Interval, compute
from .tariffs import TariffHistory

if TYPE_CHECKING:  # pragma: no cover
    from ..config import CostsConfig
    from ..store import MeterInfo, Store

__all__ = ["bill_range", "price_forecast", "LAGGING_QUARTERS"]

#: At most this many trailing quarter-hours without an aggregate are read from raw readings.
LAGGING_QUARTERS = 8


def _piece(store: "Store", meter_id: int, a: int, b: int) -> Tuple[Optional[float], Optional[float]]:
    """Energy of ``[a, b)`` from the readings around it; (None, None) when data does not cover it."""
    energy = store.energy(meter_id, timeconv.from_unix(a), timeconv.from_unix(b))
    if not energy.complete or energy.import_wh is None:
        return None, None
    return energy.import_wh, energy.export_wh


def bill_range(
    store: "Store", meter: "MeterInfo", start: datetime, end: datetime, costs: "CostsConfig"
) -> Bill:
    """The bill of ``[start, end)`` for ``meter`` under ``costs`` (tariffs, public holidays).

    Fixed charges are pro rata by the part of each local day inside the range; the capacity
    charge of a month is that of the peaks inside the range.
    """
    zone = ZoneInfo(meter.timezone)
    lo, hi = int(start.timestamp()), int(end.timestamp())
    hi = max(hi, lo)
    q0 = lo - lo % QUARTER
    q1 = hi + (-hi) % QUARTER
    by_start: Dict[int, Interval] = {}
    estimated: Set[int] = set()
    newest_agg = q0 - QUARTER
    if q1 > q0:
        for t, i, e, c in store.energy_intervals(meter.id, timeconv.from_unix(q0), timeconv.from_unix(q1)):
            by_start[t] = (t, i, e)
            if i is not None:
                if c:
                    newest_agg = t
                else:
                    # across a gap: the register delta spread evenly, costed but flagged
                    estimated.add(t)
    # Edges inside a quarter-hour: the part of it inside the range.
    edges: List[Tuple[int, int]] = []
    if lo % QUARTER:
        edges.append((lo, min(q0 + QUARTER, hi)))
    if hi % QUARTER:
        qe = hi - hi % QUARTER
        if not (lo % QUARTER and qe == q0):
            edges.append((max(qe, lo), hi))
    for a, b in edges:
        if b > a:
            imp, exp = _piece(store, meter.id, a, b)
            by_start[a - a % QUARTER] = (a - a % QUARTER, imp, exp)
            estimated.discard(a - a % QUARTER)
    # The newest quarter-hours may not be aggregated yet: read them from the raw readings.
    if meter.last is not None:
        newest = int(meter.last.timestamp())
        t = max(q0, newest_agg + QUARTER)
        done = 0
        while t < min(q1, newest) and done < LAGGING_QUARTERS:
            a, b = max(t, lo), min(t + QUARTER, hi, newest)
            if b > a and (a, b) not in edges and (t not in by_start or by_start[t][1] is None):
                imp, exp = _piece(store, meter.id, a, b)
                if imp is not None:
                    by_start[t] = (t, imp, exp)
                    estimated.discard(t)
                done += 1
            t += QUARTER
    first_year = timeconv.local_day_of(lo, zone).year
    last_year = timeconv.local_day_of(max(lo, hi - 1), zone).year
    holidays = costs.holidays_in(first_year, last_year)
    return compute(
        sorted(by_start.values()), costs.tariffs, zone, holidays, start=lo, end=hi, estimated=estimated
    )


def price_forecast(
    times: List[int], wh: List[float], zone: ZoneInfo, costs: "CostsConfig"
) -> Optional[float]:
    """What forecast energy ``wh`` per 15-minute interval ``times`` would cost: energy, fixed
    charges of the covered days, levy and tax; not the capacity charge (a monthly charge on the
    month's peaks). None when no tariff prices every interval."""
    if not times or not costs.priced:
        return None
    history = TariffHistory([replace(t, capacity=None) for t in costs.tariffs.tariffs])
    rows: List[Interval] = [(t, w, 0.0) for t, w in zip(times, wh)]
    lo, hi = times[0], times[-1] + QUARTER
    first_year = timeconv.local_day_of(lo, zone).year
    holidays = costs.holidays_in(first_year, first_year + 1)
    bill = compute(rows, history, zone, holidays, start=lo, end=hi)
    if not bill.complete:
        return None
    return bill.totals.total
