"""Tariffs from the configuration, and bills of stored data (``dashboard.analytics.billing``).

The store holds a meter drawing exactly 1 kW (250 Wh per quarter-hour) and exporting nothing,
so every bill below is computed by hand from the tariff tables.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any, Dict, List

import pytest

from dashboard.analytics.billing import bill_range, price_forecast
from dashboard.analytics.tariffs import Dynamic, Flat, TimeOfUse
from dashboard.config import Config, ConfigError
from dashboard.store import Sample, Store

ZURICH = "Europe/Zurich"


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(ZURICH))


def config(tmp_path: Path, costs: Dict[str, Any]) -> Config:
    return Config.from_dict({"meter": {"timezone": ZURICH}, "costs": costs}, path=tmp_path / "c.toml")


TWO_TARIFFS: Dict[str, Any] = {
    "currency": "CHF",
    "holidays": ["2026-10-26"],
    "tariff": [
        {
            "name": "flat until the 22nd",
            "valid_from": "2026-10-01",
            "valid_to": "2026-10-22",
            "price_per_kwh": 0.20,
            "fixed_per_month": 31.0,
            "tax_percent": 10.0,
        },
        {
            "name": "double tariff",
            "valid_from": date(2026, 10, 22),
            "bands": [
                {"days": ["weekday"], "start": "07:00", "end": "20:00", "price_per_kwh": 0.30},
                {"days": ["weekday", "weekend", "holiday"], "start": time(0, 0), "end": "00:00",
                 "price_per_kwh": 0.10},
            ],
            "fixed_per_day": 0.5,
            "capacity_price_per_kw": 10.0,
        },
    ],
}


@pytest.fixture
def kw_store(store: Store) -> Store:
    """Meter 1 in Zurich: a reading every 15 min, 250 Wh more each, 2026-10-20 23:00 to 10-27 01:00."""
    mid = store.ensure_meter("7", "Maison", ZURICH, gap_seconds=2700)
    t0 = int(local(2026, 10, 20, 23).timestamp())
    t1 = int(local(2026, 10, 27, 1).timestamp())
    samples = [
        Sample(ts, {"active_energy_import": 1_000_000.0 + 250.0 * i, "active_energy_export": 0.0})
        for i, ts in enumerate(range(t0, t1 + 1, 900))
    ]
    store.add_readings(mid, samples)
    store.update_aggregates(mid)
    return store


def test_config_builds_the_tariff_history(tmp_path: Path) -> None:
    c = config(tmp_path, TWO_TARIFFS).costs
    assert c.priced and c.currency == "CHF"
    first, second = c.tariffs.tariffs
    assert (first.valid_from, first.valid_to, first.energy) == (date(2026, 10, 1), date(2026, 10, 22), Flat(0.20))
    assert isinstance(second.energy, TimeOfUse)
    assert second.energy.price_at("weekday", 7 * 60) == 0.30
    assert second.energy.price_at("weekday", 20 * 60) == 0.10
    assert second.energy.price_at("holiday", 12 * 60) == 0.10
    assert second.capacity is not None and second.capacity.price_per_kw == 10.0
    assert c.tariffs.at(date(2026, 10, 21)) is first and c.tariffs.at(date(2026, 10, 22)) is second
    assert c.tariffs.at(date(2026, 9, 30)) is None
    assert c.holidays_in(2026, 2026) == frozenset({date(2026, 10, 26)})


def test_shorthand_is_one_flat_tariff_forever(tmp_path: Path) -> None:
    c = config(tmp_path, {"price_per_kwh": 0.25, "monthly_fee": 12.0}).costs
    (t,) = c.tariffs.tariffs
    assert (t.energy, t.fixed_per_month, t.valid_from, t.valid_to) == (Flat(0.25), 12.0, date(1970, 1, 1), None)
    assert not config(tmp_path, {}).costs.priced


def test_holiday_calendar_of_a_canton(tmp_path: Path) -> None:
    c = config(tmp_path, {"price_per_kwh": 0.2, "holiday_country": "CH", "holiday_subdivision": "ZH"}).costs
    days = c.holidays_in(2026, 2026)
    # Good Friday, Easter Monday, Labour Day (Zurich), Ascension, Whit Monday, National Day
    for d in (date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14),
              date(2026, 5, 25), date(2026, 8, 1), date(2026, 12, 25), date(2026, 12, 26)):
        assert d in days, d
    assert date(2026, 10, 26) not in days


def test_dynamic_prices_from_a_csv_next_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "prices.csv").write_text(
        "start,price_per_kwh\n2026-10-22T00:00:00+02:00,0.12\n2026-10-22T01:00:00+02:00,0.40\n"
    )
    c = config(tmp_path, {"tariff": [{"valid_from": "2026-10-22", "prices_csv": "prices.csv",
                                      "feed_in_per_kwh": 0.05}]}).costs
    energy = c.tariffs.tariffs[0].energy
    assert isinstance(energy, Dynamic)
    t = int(local(2026, 10, 22).timestamp())
    assert [energy.prices[t + 900 * k] for k in range(8)] == [0.12] * 4 + [0.40] * 4


@pytest.mark.parametrize(
    "costs, key, reason",
    [
        ({"price_per_kwh": 0.2, "tariff": [{"valid_from": "2026-01-01", "price_per_kwh": 0.2}]},
         "costs.price_per_kwh", "not both"),
        ({"tariff": [{"price_per_kwh": 0.2}]}, "costs.tariff[1].valid_from", "required"),
        ({"tariff": [{"valid_from": "2026-13-01", "price_per_kwh": 0.2}]}, "costs.tariff[1].valid_from",
         "must be a date"),
        ({"tariff": [{"valid_from": "2026-01-01"}]}, "costs.tariff[1]", "exactly one energy price"),
        ({"tariff": [{"valid_from": "2026-01-01", "price_per_kwh": 0.2, "bands": []}]}, "costs.tariff[1]",
         "exactly one energy price"),
        ({"tariff": [{"valid_from": "2026-01-01", "price_per_kwh": -1}]}, "costs.tariff[1].price_per_kwh",
         "at least 0"),
        ({"tariff": [{"valid_from": "2026-01-01", "prices_csv": "missing.csv"}]}, "costs.tariff[1].prices_csv",
         "cannot read"),
        ({"tariff": [{"valid_from": "2026-01-01", "bands": [{"days": ["sunday"], "start": "00:00",
                                                            "end": "00:00", "price_per_kwh": 1}]}]},
         "costs.tariff[1].bands[1].days", "must be a list of"),
        ({"tariff": [{"valid_from": "2026-01-01", "bands": [{"days": ["weekday"], "start": "07:10",
                                                            "end": "00:00", "price_per_kwh": 1}]}]},
         "costs.tariff[1].bands[1].start", "quarter hour"),
        ({"tariff": [{"valid_from": "2026-01-01", "price_per_kwh": 0.2},
                     {"valid_from": "2026-06-01", "price_per_kwh": 0.3}]},
         "costs.tariff", "overlaps"),
        ({"tariff": [{"valid_from": "2026-01-01", "price_per_kwh": 0.2, "capacity_method": "peak15m"}]},
         "costs.tariff[1].capacity_method", "needs capacity_price_per_kw"),
        ({"tariff": [{"valid_from": "2026-01-01", "price_per_kwh": 0.2, "colour": "red"}]},
         "costs.tariff[1].colour", "unknown key"),
        ({"price_per_kwh": 0.2, "holiday_country": "XX"}, "costs.holiday_country", "unknown country"),
        ({"price_per_kwh": 0.2, "holiday_country": "CH", "holiday_subdivision": "QQ"},
         "costs.holiday_subdivision", "unknown subdivision"),
        ({"price_per_kwh": 0.2, "holidays": ["someday"]}, "costs.holidays[0]", "must be a date"),
    ],
)
def test_bad_tariffs_name_the_key(tmp_path: Path, costs: Dict[str, Any], key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as e:
        config(tmp_path, costs)
    assert e.value.key == key
    assert reason in e.value.reason


def test_a_bad_price_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("start,price_per_kwh\n2026-10-22T00:00:00+02:00,cheap\n")
    with pytest.raises(ConfigError) as e:
        config(tmp_path, {"tariff": [{"valid_from": "2026-10-22", "prices_csv": "p.csv"}]})
    assert e.value.key == "costs.tariff[1].prices_csv"
    assert "line 2: price_per_kwh 'cheap' is not a number" in e.value.reason


def _days(bill: Any) -> Dict[str, float]:
    return {d.isoformat(): round(b.total, 6) for d, b in bill.days.items()}


def test_bill_across_a_tariff_change_a_dst_day_and_a_holiday(tmp_path: Path, kw_store: Store) -> None:
    costs = config(tmp_path, TWO_TARIFFS).costs
    meter = kw_store.meters()[0]
    bill = bill_range(kw_store, meter, local(2026, 10, 21), local(2026, 10, 27), costs)
    assert _days(bill) == {
        "2026-10-21": 6.38,  # flat: 24 kWh x 0.20 + 31/31 fixed, +10 % tax
        "2026-10-22": 5.5,   # Thursday: 13 kWh x 0.30 + 11 kWh x 0.10 + 0.50
        "2026-10-23": 5.5,
        "2026-10-24": 2.9,   # Saturday: 24 kWh x 0.10 + 0.50
        "2026-10-25": 3.0,   # Sunday of 25 hours: 25 kWh x 0.10 + 0.50
        "2026-10-26": 2.9,   # Monday, a holiday of the config: 24 kWh x 0.10 + 0.50
    }
    (october,) = bill.months.values()
    assert october.capacity == pytest.approx(10.0)  # 1 kW peak x 10 per kW
    assert bill.totals.import_kwh == pytest.approx(145.0)
    assert bill.totals.total == pytest.approx(36.18)
    assert bill.complete


def test_a_partial_range_prices_its_edges_and_prorates_fixed_charges(tmp_path: Path, kw_store: Store) -> None:
    costs = config(tmp_path, TWO_TARIFFS).costs
    meter = kw_store.meters()[0]
    # Thursday 06:50 to 07:20: 10 min at 0.10 and 20 min at 0.30, of 1 kW; 30/1440 of 0.50 fixed
    bill = bill_range(kw_store, meter, local(2026, 10, 22, 6, 50), local(2026, 10, 22, 7, 20), costs)
    assert bill.totals.import_kwh == pytest.approx(0.5)
    assert bill.totals.energy_cost == pytest.approx(1 / 6 * 0.10 + 1 / 3 * 0.30)
    assert bill.totals.fixed == pytest.approx(0.5 * 30 / 1440)
    assert bill.complete


def test_outside_the_data_is_flagged_not_guessed(tmp_path: Path, kw_store: Store) -> None:
    costs = config(tmp_path, TWO_TARIFFS).costs
    meter = kw_store.meters()[0]
    bill = bill_range(kw_store, meter, local(2026, 10, 27), local(2026, 10, 28), costs)
    (day,) = bill.days.values()
    assert not day.complete
    assert day.import_kwh == pytest.approx(1.0)  # the only hour with readings: 00:00-01:00
    assert day.missing_intervals == 92
    assert day.fixed == pytest.approx(0.5)


def test_expected_cost_of_a_forecast(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    costs = config(tmp_path, TWO_TARIFFS).costs
    t0 = int(local(2026, 10, 24).timestamp())  # a Saturday: 0.10 all day
    times: List[int] = [t0 + 900 * i for i in range(96)]
    assert price_forecast(times, [250.0] * 96, ZoneInfo(ZURICH), costs) == pytest.approx(24 * 0.10 + 0.5)
    assert price_forecast(times, [250.0] * 96, ZoneInfo(ZURICH), config(tmp_path, {}).costs) is None


def test_utc_bounds_are_accepted(tmp_path: Path, kw_store: Store) -> None:
    costs = config(tmp_path, {"price_per_kwh": 0.2}).costs
    meter = kw_store.meters()[0]
    a = datetime(2026, 10, 22, 10, tzinfo=timezone.utc)
    b = datetime(2026, 10, 22, 12, tzinfo=timezone.utc)
    bill = bill_range(kw_store, meter, a, b, costs)
    assert bill.totals.energy_cost == pytest.approx(2 * 0.2)


def test_the_commented_tariff_examples_of_the_example_config_load(tmp_path: Path) -> None:
    """Uncommenting the [[costs.tariff]] examples of config.example.toml gives a valid history."""
    root = Path(__file__).resolve().parents[1]
    lines = (root / "config.example.toml").read_text(encoding="utf-8").splitlines()
    out: List[str] = []
    in_tariffs = False
    for line in lines:
        if line.startswith("price_per_kwh") or line.startswith("monthly_fee"):
            continue  # the shorthand and the tables exclude each other
        if line.startswith("# [[costs.tariff]]"):
            in_tariffs = True
        elif line.startswith("[") and not line.startswith("[[costs"):
            in_tariffs = False
        out.append(line[2:] if in_tariffs and line.startswith("# ") else line)
    (tmp_path / "prices-2027.csv").write_text("start,price_per_kwh\n2027-01-01T00:00:00+01:00,0.25\n")
    path = tmp_path / "c.toml"
    path.write_text("\n".join(out), encoding="utf-8")
    c = Config.load(path).costs
    double, spot = c.tariffs.tariffs
    assert (double.name, double.valid_from, double.valid_to) == ("Double tariff 2026", date(2026, 1, 1), date(2027, 1, 1))
    assert isinstance(double.energy, TimeOfUse) and double.energy.price_at("weekend", 600) == 0.2264
    assert double.capacity is not None and double.capacity.method == "peak15m"
    assert (double.feed_in, double.levy_per_kwh, double.tax_percent) == (0.12, 0.023, 8.1)
    assert isinstance(spot.energy, Dynamic) and spot.valid_to is None
    assert date(2026, 8, 1) in c.holidays_in(2026, 2026)


def test_cli_tariffs_and_costs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dashboard.cli import main

    cfg = tmp_path / "dashboard.toml"
    cfg.write_text(
        '[meter]\ntimezone = "Europe/Zurich"\n[database]\nurl = "sqlite:///dash.db"\n'
        '[costs]\ncurrency = "CHF"\nholiday_country = "CH"\nholiday_subdivision = "ZH"\n'
        '[[costs.tariff]]\nname = "double"\nvalid_from = 2026-10-01\nfixed_per_day = 0.5\n'
        'bands = [{days = ["weekday"], start = "07:00", end = "20:00", price_per_kwh = 0.30},\n'
        '  {days = ["weekday", "weekend", "holiday"], start = "00:00", end = "00:00", price_per_kwh = 0.10}]\n'
    )
    assert main(["-c", str(cfg), "tariffs", "--year", "2026"]) == 0
    out = capsys.readouterr().out
    assert "double: from 2026-10-01, open-ended" in out
    assert "weekday 07:00-20:00: 0.3 CHF/kWh" in out
    assert "fixed 0.5/day" in out
    assert "2026-08-01" in out and "calendar: CH-ZH" in out
    store = Store.open(f"sqlite:///{tmp_path / 'dash.db'}")
    mid = store.ensure_meter("7", "Maison", ZURICH, gap_seconds=2700)
    t0 = int(local(2026, 10, 24).timestamp())  # Saturday and Sunday (25 h): 0.10 all day
    store.add_readings(mid, [Sample(t0 + 900 * i, {"active_energy_import": 250.0 * i,
                                                   "active_energy_export": 0.0}) for i in range(200)])
    store.update_aggregates(mid)
    store.close()
    assert main(["-c", str(cfg), "costs", "--from", "2026-10-24", "--to", "2026-10-25", "--daily"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["2026-10-24", "24.000", "0.000", "2.40", "0.50", "0.00", "0.00", "0.00", "2.90"]
    assert lines[2].split() == ["2026-10-25", "25.000", "0.000", "2.50", "0.50", "0.00", "0.00", "0.00", "3.00"]
    assert lines[3].split()[-1] == "5.90"
    assert main(["-c", str(cfg), "costs", "--from", "2026-10-25", "--to", "2026-10-24"]) == 2
    assert "--to must be after --from" in capsys.readouterr().err
