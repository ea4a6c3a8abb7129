"""Tariffs and costs: hand-computed bills (the arithmetic is in the comments), exact to the cent."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Optional

import pytest
from zoneinfo import ZoneInfo

from dashboard.analytics.costs import Interval, compute, cost_of_range
from dashboard.analytics.tariffs import (
    HOLIDAY,
    TOP3_HOURLY,
    WEEKDAY,
    WEEKEND,
    Band,
    CapacityCharge,
    Dynamic,
    Flat,
    Tariff,
    TariffError,
    TariffHistory,
    TimeOfUse,
    load_dynamic_prices_csv,
)

PARIS = ZoneInfo("Europe/Paris")
ALL = frozenset({WEEKDAY, WEEKEND, HOLIDAY})


def ts_local(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> int:
    """Unix seconds of a local Paris wall time (not ambiguous in these tests)."""
    return int(datetime(y, m, d, hh, mm, tzinfo=PARIS).timestamp())


def day_intervals(
    day: date, wh: float = 100.0, export: float = 0.0, override: Optional[Dict[int, float]] = None
) -> List[Interval]:
    """All 15-minute intervals of the local ``day`` (92, 96 or 100), ``wh`` each."""
    nd = day + timedelta(days=1)
    lo = ts_local(day.year, day.month, day.day)
    hi = ts_local(nd.year, nd.month, nd.day)
    over = override or {}
    return [(t, over.get(t, wh), export) for t in range(lo, hi, 900)]


def days(first: date, n: int, wh: float = 100.0) -> List[Interval]:
    out: List[Interval] = []
    for k in range(n):
        out += day_intervals(first + timedelta(days=k), wh)
    return out


def cents(x: float) -> float:
    return round(x, 2)


def hist(*tariffs: Tariff) -> TariffHistory:
    return TariffHistory(tariffs)


# --- flat, fixed per day, percentage tax -------------------------------------------------


def test_flat_day_with_fixed_and_tax() -> None:
    # 2026-03-10: 96 quarter-hours x 250 Wh = 24 kWh; 24 x 0.20 = 4.80; fixed 0.50;
    # tax 20 % of (4.80 + 0.50) = 1.06; total 4.80 + 0.50 + 1.06 = 6.36.
    h = hist(Tariff(date(2026, 1, 1), Flat(0.20), fixed_per_day=0.50, tax_percent=20))
    bill = compute(day_intervals(date(2026, 3, 10), 250), h, PARIS)
    d = bill.days[date(2026, 3, 10)]
    assert d.import_kwh == pytest.approx(24.0)
    assert (cents(d.energy_cost), cents(d.fixed), cents(d.taxes), cents(d.total)) == (4.80, 0.50, 1.06, 6.36)
    assert d.complete and bill.complete
    assert cents(bill.totals.total) == 6.36
    assert cents(bill.months[date(2026, 3, 1)].total) == 6.36
    assert cents(bill.years[2026].total) == 6.36


def test_cost_of_selected_range() -> None:
    # 12:00-18:00 of 2026-03-10: 24 quarter-hours x 250 Wh = 6 kWh x 0.20 = 1.20; fixed
    # 0.50 x 6/24 h = 0.125; tax 20 % of 1.325 = 0.265; total 1.20 + 0.125 + 0.265 = 1.59.
    h = hist(Tariff(date(2026, 1, 1), Flat(0.20), fixed_per_day=0.50, tax_percent=20))
    rows = day_intervals(date(2026, 3, 10), 250)
    lo, hi = ts_local(2026, 3, 10, 12), ts_local(2026, 3, 10, 18)
    bill = compute(rows, h, PARIS)
    for r in (cost_of_range(bill, lo, hi), cost_of_range(rows, lo, hi, h, PARIS)):
        assert r.import_kwh == pytest.approx(6.0)
        assert (cents(r.energy_cost), round(r.fixed, 3), round(r.taxes, 3), cents(r.total)) == (
            1.20, 0.125, 0.265, 1.59)
        assert r.complete
    with pytest.raises(ValueError):
        cost_of_range(rows, hi, lo, h, PARIS)
    with pytest.raises(ValueError):
        cost_of_range(rows, lo, hi)


# --- HP/HC across both DST changes --------------------------------------------------------

HPHC = TimeOfUse(
    (
        Band(ALL, time(6), time(22), 0.25),  # HP
        Band(ALL, time(22), time(6), 0.15),  # HC, wraps past midnight
    )
)


def hour_at(day: date, hour: int, wh: float) -> Dict[int, float]:
    """The four quarter-hours of ``hour`` local on ``day`` at ``wh``."""
    return {ts_local(day.year, day.month, day.day, hour, 15 * k): wh for k in range(4)}


def test_dst_spring_day_23_hours() -> None:
    # 2026-03-29 Paris: 02:00-03:00 does not exist, 92 quarter-hours of 100 Wh except
    # 06:00-07:00 at 500 Wh (so a wall clock off by an hour would misprice it).
    # HC 00-02 (8) + 03-06 (12) + 22-24 (8) = 28 x 0.1 kWh = 2.8 kWh x 0.15 = 0.42
    # HP 06-22: 60 x 0.1 + 4 x 0.5 = 8.0 kWh x 0.25 = 2.00; energy 2.42
    # fixed 31.00 a month / 31 days of March = 1.00; total 3.42.
    h = hist(Tariff(date(2026, 1, 1), HPHC, fixed_per_month=31.0))
    day = date(2026, 3, 29)
    rows = day_intervals(day, override=hour_at(day, 6, 500))
    assert len(rows) == 92
    d = compute(rows, h, PARIS).days[day]
    assert (cents(d.energy_cost), cents(d.fixed), cents(d.total)) == (2.42, 1.00, 3.42)
    assert d.import_kwh == pytest.approx(10.8)
    assert d.complete and d.missing_intervals == 0


def test_dst_autumn_day_25_hours() -> None:
    # 2026-10-25 Paris: 02:00-03:00 happens twice, 100 quarter-hours of 100 Wh except
    # 05:00-06:00 at 500 Wh (HC: a clock an hour late after the change would call it HP).
    # HC 00-06 = 7 h = 28 quarter-hours (24 x 0.1 + 4 x 0.5 = 4.4 kWh) + 22-24 (8 x 0.1 = 0.8)
    #    = 5.2 kWh x 0.15 = 0.78
    # HP 06-22 = 64 x 0.1 = 6.4 kWh x 0.25 = 1.60; energy 2.38; fixed 31/31 = 1.00; total 3.38.
    h = hist(Tariff(date(2026, 1, 1), HPHC, fixed_per_month=31.0))
    day = date(2026, 10, 25)
    rows = day_intervals(day, override=hour_at(day, 5, 500))
    assert len(rows) == 100
    bill = compute(rows, h, PARIS)
    d = bill.days[day]
    assert (cents(d.energy_cost), cents(d.fixed), cents(d.total)) == (2.38, 1.00, 3.38)
    assert d.import_kwh == pytest.approx(11.6)
    assert d.complete
    assert bill.totals.rounded() == d.rounded()
    assert d.rounded().energy_cost == 2.38


def test_weekday_weekend_holiday_bands() -> None:
    # 24 kWh a day (96 x 250 Wh). 2026-05-01 Friday but a holiday: 24 x 0.10 = 2.40;
    # 2026-05-02 Saturday: 24 x 0.20 = 4.80; 2026-05-04 Monday: 24 x 0.30 = 7.20.
    tou = TimeOfUse(
        (
            Band(frozenset({HOLIDAY}), time(0), time(0), 0.10),
            Band(frozenset({WEEKEND}), time(0), time(0), 0.20),
            Band(frozenset({WEEKDAY}), time(0), time(0), 0.30),
        )
    )
    h = hist(Tariff(date(2026, 1, 1), tou))
    rows = day_intervals(date(2026, 5, 1), 250) + day_intervals(date(2026, 5, 2), 250)
    rows += day_intervals(date(2026, 5, 3), 250) + day_intervals(date(2026, 5, 4), 250)
    bill = compute(rows, h, PARIS, holidays={date(2026, 5, 1)})
    got = [cents(bill.days[date(2026, 5, k)].energy_cost) for k in (1, 2, 3, 4)]
    assert got == [2.40, 4.80, 4.80, 7.20]
    # 2.40 + 4.80 + 4.80 + 7.20 = 19.20
    assert cents(bill.totals.total) == 19.20


def test_interval_without_band_is_flagged() -> None:
    # Only 08:00-12:00 weekdays priced: 16 quarter-hours x 0.1 kWh x 0.30 = 0.48, 80 unpriced.
    h = hist(Tariff(date(2026, 1, 1), TimeOfUse((Band(frozenset({WEEKDAY}), time(8), time(12), 0.30),))))
    d = compute(day_intervals(date(2026, 3, 10)), h, PARIS).days[date(2026, 3, 10)]
    assert cents(d.energy_cost) == 0.48
    assert not d.complete and d.missing_intervals == 80


# --- tariff change in mid-month -----------------------------------------------------------


def test_tariff_change_mid_month_keeps_history() -> None:
    # June 2026 (30 days), 96 x 125 Wh = 12 kWh a day.
    # A until 06-15: 14 days x 12 kWh = 168 kWh x 0.20 = 33.60; fixed 14 x 30/30 = 14.00
    # B from 06-15: 16 days x 12 kWh = 192 kWh x 0.30 = 57.60; fixed 16 x 60/30 = 32.00
    # month: energy 91.20, fixed 46.00, total 137.20.
    a = Tariff(date(2026, 1, 1), Flat(0.20), valid_to=date(2026, 6, 15), name="A", fixed_per_month=30.0)
    b = Tariff(date(2026, 6, 15), Flat(0.30), name="B", fixed_per_month=60.0)
    bill = compute(days(date(2026, 6, 1), 30, 125), hist(b, a), PARIS)
    m = bill.months[date(2026, 6, 1)]
    assert (cents(m.energy_cost), cents(m.fixed), cents(m.total)) == (91.20, 46.00, 137.20)
    assert m.import_kwh == pytest.approx(360.0)
    # 06-14 under A: 12 x 0.20 + 1.00 = 3.40; 06-15 under B: 12 x 0.30 + 2.00 = 5.60.
    assert cents(bill.days[date(2026, 6, 14)].total) == 3.40
    assert cents(bill.days[date(2026, 6, 15)].total) == 5.60


def test_overlapping_tariffs_refused() -> None:
    a = Tariff(date(2026, 1, 1), Flat(0.20), valid_to=date(2026, 7, 1), name="A")
    b = Tariff(date(2026, 6, 15), Flat(0.30), name="B")
    with pytest.raises(TariffError, match=r"A \(valid_to 2026-07-01\) overlaps B \(valid_from 2026-06-15\)"):
        TariffHistory([a, b])
    open_a = Tariff(date(2026, 1, 1), Flat(0.20), name="A")
    with pytest.raises(TariffError, match="A \\(open end\\) overlaps B"):
        TariffHistory([b, open_a])
    with pytest.raises(TariffError, match="valid_to 2026-01-01 is not after"):
        Tariff(date(2026, 1, 1), Flat(0.2), valid_to=date(2026, 1, 1))
    with pytest.raises(TariffError, match="band days"):
        Band(frozenset({"sunday"}), time(0), time(6), 0.1)


def test_day_without_tariff_is_flagged() -> None:
    h = hist(Tariff(date(2026, 3, 11), Flat(0.20)))
    bill = compute(day_intervals(date(2026, 3, 10)) + day_intervals(date(2026, 3, 11)), h, PARIS)
    assert not bill.days[date(2026, 3, 10)].complete
    assert bill.days[date(2026, 3, 10)].energy_cost == 0.0
    # 9.6 kWh x 0.20 = 1.92
    assert cents(bill.days[date(2026, 3, 11)].total) == 1.92
    assert bill.days[date(2026, 3, 11)].complete and not bill.complete


# --- dynamic prices -----------------------------------------------------------------------


def hourly_csv(day: date) -> str:
    lines = ["start,price_per_kwh"]
    for hh in range(24):
        lines.append(f"{day.isoformat()}T{hh:02d}:00:00+01:00,{0.10 + 0.01 * hh:.2f}")
    return "\n".join(lines) + "\n"


def test_dynamic_price_day() -> None:
    # 2026-03-10, hour h costs 0.10 + 0.01 h; 4 x 250 Wh = 1 kWh each hour.
    # energy = sum(0.10 + 0.01 h, h = 0..23) = 2.40 + 0.01 x 276 = 5.16
    # export 96 x 50 Wh = 4.8 kWh x 0.08 = 0.384 credit
    # levy 24 kWh x 0.02 = 0.48; tax 10 % of (5.16 + 0.48) = 0.564; taxes 1.044
    # total 5.16 + 1.044 - 0.384 = 5.82
    prices = load_dynamic_prices_csv(io.StringIO(hourly_csv(date(2026, 3, 10))))
    assert len(prices.prices) == 96
    h = hist(Tariff(date(2026, 1, 1), prices, feed_in=0.08, levy_per_kwh=0.02, tax_percent=10))
    rows = [(t, 250.0, 50.0) for t, _, _ in day_intervals(date(2026, 3, 10))]
    d = compute(rows, h, PARIS).days[date(2026, 3, 10)]
    assert cents(d.energy_cost) == 5.16
    assert round(d.feed_in_credit, 3) == 0.384
    assert round(d.taxes, 3) == 1.044
    assert cents(d.total) == 5.82
    assert d.export_kwh == pytest.approx(4.8)
    assert d.complete


def test_dynamic_prices_missing_flagged_and_feed_in_dynamic() -> None:
    # 15-minute file with two rows: 00:00 0.40 and 00:15 0.50; export priced dynamically too.
    csv_text = "start,price_per_kwh\n2026-03-10T00:00:00+01:00,0.40\n2026-03-10T00:15:00+01:00,0.50\n"
    p = load_dynamic_prices_csv(io.StringIO(csv_text))
    assert p.prices == {ts_local(2026, 3, 10): 0.40, ts_local(2026, 3, 10, 0, 15): 0.50}
    h = hist(Tariff(date(2026, 1, 1), p, feed_in=Dynamic({ts_local(2026, 3, 10): 0.10})))
    rows = day_intervals(date(2026, 3, 10), 1000, export=500)
    d = compute(rows, h, PARIS).days[date(2026, 3, 10)]
    # energy 1 kWh x 0.40 + 1 kWh x 0.50 = 0.90; credit 0.5 kWh x 0.10 = 0.05
    assert cents(d.energy_cost) == 0.90 and cents(d.feed_in_credit) == 0.05
    assert not d.complete and d.missing_intervals == 95


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "line 1: empty file"),
        ("begin,price\n", "line 1: header must have columns"),
        ("start,price_per_kwh\n2026-03-10T00:00:00+01:00,abc\n", "line 2: price_per_kwh 'abc' is not a number"),
        ("start,price_per_kwh\n2026-03-10T00:00:00+01:00,0.1\n2026-03-10T01:00:00,0.2\n",
         "line 3: start '2026-03-10T01:00:00' has no UTC offset"),
        ("start,price_per_kwh\n2026-03-10T00:00:00+01:00,0.1\nyesterday,0.2\n", "line 3: start 'yesterday' is not"),
        ("start,price_per_kwh\n2026-03-10T01:00:00+01:00,0.1\n2026-03-10T00:00:00+01:00,0.2\n",
         "line 3: start .* is not after the previous row"),
        ("start,price_per_kwh\n2026-03-10T00:07:00+01:00,0.1\n", "line 2: start .* is not on a quarter hour"),
        ("start,price_per_kwh\n2026-03-10T00:00:00+01:00\n", "line 2: expected 2 columns, got 1"),
        ("start,price_per_kwh\n2026-03-10T00:00:00+01:00,nan\n", "line 2: price_per_kwh 'nan' is not finite"),
        ("start,price_per_kwh\n2026-03-10T00:00:00+01:00,0.1\n2026-03-10T00:10:00+01:00,0.1\n",
         "not on a quarter hour"),
        ("start,price_per_kwh\n", "no price rows"),
    ],
)
def test_bad_csv_lines(text: str, message: str) -> None:
    with pytest.raises(TariffError, match=message):
        load_dynamic_prices_csv(io.StringIO(text))


def test_csv_hourly_across_dst_in_utc() -> None:
    # Offsets change at the DST switch; rows stay one hour apart in UTC.
    text = "start,price_per_kwh\n2026-03-29T01:00:00+01:00,0.1\n2026-03-29T03:00:00+02:00,0.2\n"
    p = load_dynamic_prices_csv(io.StringIO(text))
    assert p.prices[ts_local(2026, 3, 29, 3, 45)] == 0.2
    assert len(p.prices) == 8


# --- capacity charges ---------------------------------------------------------------------


def capacity_month() -> List[Interval]:
    # February 2026 (28 days x 96 = 2688 quarter-hours of 100 Wh), with higher quarter-hours:
    #  02-10 12:00 1500 Wh (6 kW), 02-10 15:00 1400 Wh, 02-11 12:00 1000 Wh,
    #  02-12 08:00 and 08:15 900 Wh each.
    over = {
        ts_local(2026, 2, 10, 12): 1500.0,
        ts_local(2026, 2, 10, 15): 1400.0,
        ts_local(2026, 2, 11, 12): 1000.0,
        ts_local(2026, 2, 12, 8): 900.0,
        ts_local(2026, 2, 12, 8, 15): 900.0,
    }
    return [(t, over.get(t, w), e) for t, w, e in days(date(2026, 2, 1), 28)]


def test_capacity_monthly_15_minute_peak() -> None:
    # energy 2688 x 100 Wh + (1400 + 1300 + 900 + 800 + 800) Wh extra = 274.0 kWh x 0.20 = 54.80
    # peak 1500 Wh in 15 min = 6 kW x 5.00 = 30.00; total 84.80
    h = hist(Tariff(date(2026, 1, 1), Flat(0.20), capacity=CapacityCharge(5.0)))
    bill = compute(capacity_month(), h, PARIS)
    m = bill.months[date(2026, 2, 1)]
    assert (cents(m.energy_cost), cents(m.capacity), cents(m.total)) == (54.80, 30.00, 84.80)
    assert sum(d.capacity for d in bill.days.values()) == 0.0
    assert cents(bill.totals.total) == 84.80


def test_capacity_three_highest_hours_on_different_days() -> None:
    # hourly sums: 02-12 08h 900+900+100+100 = 2000; 02-10 12h 1500+300 = 1800;
    # 02-10 15h 1700 (same day as 1800: not counted); 02-11 12h 1300; other hours 400.
    # mean(2000, 1800, 1300) = 1700 Wh -> 1.7 kW x 5.00 = 8.50; tax 10 % of (54.80 + 8.50) = 6.33
    # total 54.80 + 8.50 + 6.33 = 69.63
    h = hist(Tariff(date(2026, 1, 1), Flat(0.20), capacity=CapacityCharge(5.0, TOP3_HOURLY), tax_percent=10))
    m = compute(capacity_month(), h, PARIS).months[date(2026, 2, 1)]
    assert (cents(m.capacity), cents(m.taxes), cents(m.total)) == (8.50, 6.33, 69.63)
    with pytest.raises(TariffError):
        CapacityCharge(5.0, "yearly")


# --- gaps ---------------------------------------------------------------------------------


def test_gap_flagged_not_filled() -> None:
    # 2026-03-10: one None and 4 absent quarter-hours; 91 x 100 Wh = 9.1 kWh x 0.20 = 1.82.
    rows = day_intervals(date(2026, 3, 10))
    rows[10] = (rows[10][0], None, 0.0)
    del rows[40:44]
    h = hist(Tariff(date(2026, 1, 1), Flat(0.20)))
    bill = compute(rows, h, PARIS)
    d = bill.days[date(2026, 3, 10)]
    assert cents(d.energy_cost) == 1.82 and d.import_kwh == pytest.approx(9.1)
    assert not d.complete and d.missing_intervals == 5
    assert not bill.complete and not bill.months[date(2026, 3, 1)].complete


def test_whole_missing_day_flagged() -> None:
    # 03-10 and 03-12 present, 03-11 absent: flagged, 96 missing, still its fixed 0.50.
    h = hist(Tariff(date(2026, 1, 1), Flat(0.20), fixed_per_day=0.50))
    bill = compute(day_intervals(date(2026, 3, 10)) + day_intervals(date(2026, 3, 12)), h, PARIS)
    d = bill.days[date(2026, 3, 11)]
    assert not d.complete and d.missing_intervals == 96 and cents(d.total) == 0.50
    # 2 x (9.6 x 0.20 + 0.50) + 0.50 = 2 x 2.42 + 0.50 = 5.34
    assert cents(bill.totals.total) == 5.34


# --- from the store -----------------------------------------------------------------------


def test_bill_from_store_series(seeded_store, seed_info) -> None:  # type: ignore[no-untyped-def]
    from dashboard.analytics.costs import intervals_from_series

    zurich = ZoneInfo(seed_info.timezone)
    lo = datetime(2026, 10, 1, tzinfo=zurich)
    hi = datetime(2026, 11, 1, tzinfo=zurich)
    s = seeded_store.series(1, lo, hi, "15m", ["active_energy_import", "active_energy_export"], 10_000)
    rows = intervals_from_series(s)
    h = hist(Tariff(date(2026, 1, 1), Flat(0.25), fixed_per_month=31.0))
    bill = compute(rows, h, zurich)
    assert len(bill.days) == 31
    # fixed 31.00 / 31 days = 1.00 a day; October's 25-hour day has 100 quarter-hours.
    assert cents(bill.months[date(2026, 10, 1)].fixed) == 31.00
    assert bill.days[date(2026, 10, 25)].complete
    # The gap day is flagged: the quarter-hours 11:45 to 15:00 (13) are not complete, so they
    # are None and not priced; the other 83 are.
    gap_day = bill.days[date(2026, 10, 10)]
    assert not gap_day.complete and gap_day.missing_intervals == 13
    assert bill.days[date(2026, 10, 11)].complete
    total_wh = sum(w for _, w, _ in rows if w is not None)
    assert bill.totals.energy_cost == pytest.approx(total_wh / 1000 * 0.25)
    assert bill.totals.import_kwh == pytest.approx(total_wh / 1000)
    with pytest.raises(ValueError, match="15-minute"):
        intervals_from_series(seeded_store.series(1, lo, hi, "1h", ["active_energy_import"], 10))


def test_bad_intervals_refused() -> None:
    h = hist(Tariff(date(2026, 1, 1), Flat(0.20)))
    t = ts_local(2026, 3, 10)
    with pytest.raises(ValueError, match="not on a quarter hour"):
        compute([(t + 60, 100.0, 0.0)], h, PARIS)
    with pytest.raises(ValueError, match="finite"):
        compute([(t, float("nan"), 0.0)], h, PARIS)
    # No interval: an empty, complete bill of zero.
    empty = compute([], h, PARIS)
    assert empty.totals.total == 0.0 and empty.days == {}
