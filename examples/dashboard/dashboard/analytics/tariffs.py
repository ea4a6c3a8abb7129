"""Tariffs with validity periods, and the dynamic-price CSV loader.

A :class:`Tariff` is valid on the local days ``[valid_from, valid_to)``; a
:class:`TariffHistory` holds non-overlapping tariffs so that a price change never rewrites the
bills of days before it. Prices are in the currency's main unit (e.g. EUR or CHF) per kWh.
"""

from __future__ import annotations

import bisect
import csv
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, TextIO, Tuple, Union

#: Kinds of day a time-of-use band can apply to.
WEEKDAY = "weekday"
WEEKEND = "weekend"
HOLIDAY = "holiday"
DAY_KINDS = frozenset({WEEKDAY, WEEKEND, HOLIDAY})

#: Capacity charge methods.
PEAK_15M = "peak15m"
TOP3_HOURLY = "top3_hourly"


class TariffError(ValueError):
    """A tariff, a tariff history or a price file is invalid; the message says what and where."""


def day_kind(day: date, holidays: FrozenSet[date]) -> str:
    """``holiday`` if ``day`` is in ``holidays``, else ``weekend`` (Sat, Sun) or ``weekday``."""
    if day in holidays:
        return HOLIDAY
    return WEEKEND if day.weekday() >= 5 else WEEKDAY


@dataclass(frozen=True)
class Flat:
    """One energy price for every interval."""

    price: float


@dataclass(frozen=True)
class Band:
    """A time-of-use band: ``price`` on the ``days`` kinds from local ``start`` to ``end``.

    ``end`` is exclusive; ``end <= start`` wraps past midnight (e.g. 22:00 to 06:00), the kind
    of day being that of the interval's own local date. ``end == time(0)`` means midnight.
    """

    days: FrozenSet[str]
    start: time
    end: time
    price: float

    def __post_init__(self) -> None:
        bad = set(self.days) - DAY_KINDS
        if not self.days or bad:
            raise TariffError(f"band days must be among {sorted(DAY_KINDS)}, got {sorted(self.days)}")

    def _minutes(self) -> Tuple[int, int]:
        return self.start.hour * 60 + self.start.minute, self.end.hour * 60 + self.end.minute

    def covers(self, kind: str, minute: int) -> bool:
        """Whether the band applies at local minute-of-day ``minute`` of a ``kind`` day."""
        if kind not in self.days:
            return False
        s, e = self._minutes()
        if e == 0:
            e = 1440
        if s < e:
            return s <= minute < e
        return minute >= s or minute < e


@dataclass(frozen=True)
class TimeOfUse:
    """Dual (HP/HC) or multi-band prices by local time and kind of day; first matching band wins.

    An interval that no band covers has no price (the bill is then not complete).
    """

    bands: Tuple[Band, ...]

    def __post_init__(self) -> None:
        if not self.bands:
            raise TariffError("a time-of-use price needs at least one band")
        table: Dict[Tuple[str, int], float] = {}
        for kind in DAY_KINDS:
            for q in range(96):
                for b in self.bands:
                    if b.covers(kind, q * 15):
                        table[(kind, q)] = b.price
                        break
        object.__setattr__(self, "_table", table)

    def price_at(self, kind: str, minute: int) -> Optional[float]:
        """The price at local minute-of-day ``minute`` of a ``kind`` day, or None."""
        table: Dict[Tuple[str, int], float] = getattr(self, "_table")
        return table.get((kind, minute // 15))


@dataclass(frozen=True)
class Dynamic:
    """Prices per 15-minute interval: interval start (Unix s) to price per kWh.

    Hourly prices are stored expanded to their four quarter-hours (see
    :func:`load_dynamic_prices_csv`).
    """

    prices: Mapping[int, float]


EnergyPrice = Union[Flat, TimeOfUse, Dynamic]


@dataclass(frozen=True)
class CapacityCharge:
    """A price per kW and month of the peak demand.

    ``method`` is ``peak15m`` (the month's highest 15-minute mean power) or ``top3_hourly``
    (the mean of the three highest hourly mean powers, each on a different local day; fewer
    days give the mean of those there are).
    """

    price_per_kw: float
    method: str = PEAK_15M

    def __post_init__(self) -> None:
        if self.method not in (PEAK_15M, TOP3_HOURLY):
            raise TariffError(f"capacity method must be {PEAK_15M!r} or {TOP3_HOURLY!r}, got {self.method!r}")
        if self.price_per_kw < 0:
            raise TariffError("capacity price_per_kw must not be negative")


@dataclass(frozen=True)
class Tariff:
    """One tariff, valid on local days ``valid_from`` (inclusive) to ``valid_to`` (exclusive, None: open).

    ``energy`` prices imported energy; ``fixed_per_day`` is charged for every local day and
    ``fixed_per_month`` pro rata by days (a 30-day month: 1/30 a day); ``capacity`` charges the
    monthly peak; ``feed_in`` credits exported energy (a flat price per kWh or ``Dynamic``);
    ``levy_per_kwh`` is a per-kWh tax on import and ``tax_percent`` a tax on energy cost,
    fixed and capacity charges and levy (feed-in credit is not taxed).
    """

    valid_from: date
    energy: EnergyPrice
    valid_to: Optional[date] = None
    name: str = ""
    fixed_per_day: float = 0.0
    fixed_per_month: float = 0.0
    capacity: Optional[CapacityCharge] = None
    feed_in: Union[float, Dynamic, None] = None
    tax_percent: float = 0.0
    levy_per_kwh: float = 0.0

    def __post_init__(self) -> None:
        label = self.name or f"tariff from {self.valid_from}"
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise TariffError(f"{label}: valid_to {self.valid_to} is not after valid_from {self.valid_from}")
        if not isinstance(self.energy, (Flat, TimeOfUse, Dynamic)):
            raise TariffError(f"{label}: energy must be Flat, TimeOfUse or Dynamic")
        for attr in ("fixed_per_day", "fixed_per_month", "tax_percent", "levy_per_kwh"):
            if getattr(self, attr) < 0:
                raise TariffError(f"{label}: {attr} must not be negative")

    def covers(self, day: date) -> bool:
        """Whether the tariff is valid on local ``day``."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class TariffHistory:
    """Tariffs in force over time, sorted by ``valid_from``, never overlapping.

    Raises :class:`TariffError` naming the overlapping tariffs. Days no tariff covers have no
    price.
    """

    tariffs: Tuple[Tariff, ...]
    _starts: Tuple[date, ...] = field(init=False, repr=False, compare=False)

    def __init__(self, tariffs: Iterable[Tariff]) -> None:
        ordered = tuple(sorted(tariffs, key=lambda t: t.valid_from))
        for a, b in zip(ordered, ordered[1:]):
            if a.valid_to is None or a.valid_to > b.valid_from:
                na = a.name or f"tariff from {a.valid_from}"
                nb = b.name or f"tariff from {b.valid_from}"
                until = "open end" if a.valid_to is None else f"valid_to {a.valid_to}"
                raise TariffError(f"{na} ({until}) overlaps {nb} (valid_from {b.valid_from})")
        object.__setattr__(self, "tariffs", ordered)
        object.__setattr__(self, "_starts", tuple(t.valid_from for t in ordered))

    def at(self, day: date) -> Optional[Tariff]:
        """The tariff valid on local ``day``, or None."""
        i = bisect.bisect_right(self._starts, day) - 1
        if i < 0:
            return None
        t = self.tariffs[i]
        return t if t.covers(day) else None


def load_dynamic_prices_csv(f: TextIO) -> Dynamic:
    """Read dynamic prices from CSV columns ``start`` (ISO 8601 with offset) and ``price_per_kwh``.

    Rows are 15-minute or hourly (one resolution per file, starts strictly increasing and on
    the quarter hour); hourly prices are expanded to four quarter-hours. Raises
    :class:`TariffError` with the line number for a missing column, a bad date, a date without
    offset, a bad price, a duplicate or out-of-order start, or mixed resolutions.
    """
    reader = csv.reader(f)
    try:
        header = next(reader)
    except StopIteration:
        raise TariffError("line 1: empty file, expected header start,price_per_kwh") from None
    except csv.Error as e:
        raise TariffError(f"line 1: {e}") from None
    names = [h.strip() for h in header]
    if "start" not in names or "price_per_kwh" not in names:
        raise TariffError(f"line 1: header must have columns start and price_per_kwh, got {names}")
    i_start, i_price = names.index("start"), names.index("price_per_kwh")
    rows: List[Tuple[int, int, float]] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) <= max(i_start, i_price):
                raise TariffError(f"line {line}: expected {len(names)} columns, got {len(row)}")
            raw = row[i_start].strip()
            try:
                dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                raise TariffError(f"line {line}: start {raw!r} is not an ISO 8601 date-time") from None
            if dt.tzinfo is None or dt.utcoffset() is None:
                raise TariffError(f"line {line}: start {raw!r} has no UTC offset")
            ts = dt.timestamp()
            if ts % 900:
                raise TariffError(f"line {line}: start {raw!r} is not on a quarter hour")
            praw = row[i_price].strip()
            try:
                price = float(praw)
            except ValueError:
                raise TariffError(f"line {line}: price_per_kwh {praw!r} is not a number") from None
            if price != price or price in (float("inf"), float("-inf")):
                raise TariffError(f"line {line}: price_per_kwh {praw!r} is not finite")
            if rows and int(ts) <= rows[-1][1]:
                raise TariffError(f"line {line}: start {raw!r} is not after the previous row")
            rows.append((line, int(ts), price))
    except csv.Error as e:
        raise TariffError(f"line {reader.line_num}: {e}") from None
    if not rows:
        raise TariffError("no price rows after the header")
    steps = {b[1] - a[1] for a, b in zip(rows, rows[1:])}
    step = min(steps) if steps else 900
    if step not in (900, 3600):
        raise TariffError(f"rows must be 15 minutes or one hour apart, found {step} s")
    for a, b in zip(rows, rows[1:]):
        if (b[1] - a[1]) % step:
            raise TariffError(f"line {b[0]}: mixed resolutions ({b[1] - a[1]} s after the previous row)")
    prices: Dict[int, float] = {}
    for _, ts0, price in rows:
        for k in range(step // 900):
            prices[ts0 + 900 * k] = price
    return Dynamic(prices=prices)


