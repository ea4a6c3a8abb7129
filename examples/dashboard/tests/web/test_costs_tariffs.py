"""``/api/costs`` with a tariff history over the seeded store, computed by hand from the registers.

Tariffs: until 2026-10-15 a flat 0.20 per kWh with a 31.00 monthly fee; from 2026-10-15 a
double tariff (weekdays 07:00-20:00 at 0.30, otherwise 0.10), feed-in at 0.08 per kWh, a
capacity charge of 5.00 per kW of the month's 15-minute peak, and 7.7 % tax.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

import dashboard_conftest as seeded  # type: ignore[import-not-found]
from dashboard.config import Config
from dashboard.store import Store
from dashboard.web import create_app
from dashboard.web.auth import new_api_token

ZURICH = ZoneInfo("Europe/Zurich")
INFO = seeded.SeedInfo()

COSTS: Dict[str, Any] = {
    "currency": "CHF",
    "tariff": [
        {"name": "flat", "valid_from": "2026-09-01", "valid_to": "2026-10-15",
         "price_per_kwh": 0.20, "fixed_per_month": 31.0},
        {"name": "double", "valid_from": "2026-10-15",
         "bands": [
             {"days": ["weekday"], "start": "07:00", "end": "20:00", "price_per_kwh": 0.30},
             {"days": ["weekday", "weekend", "holiday"], "start": "00:00", "end": "00:00",
              "price_per_kwh": 0.10},
         ],
         "feed_in_per_kwh": 0.08, "capacity_price_per_kw": 5.0, "tax_percent": 7.7},
    ],
}


def ts(*a: int) -> int:
    return int(datetime(*a, tzinfo=ZURICH).timestamp())  # type: ignore[misc, arg-type]


def delta(a: int, b: int) -> Tuple[float, float]:
    """(import kWh, export kWh) between two reading instants, from the registers."""
    ia, ea = seeded.counter_at(INFO, a)
    ib, eb = seeded.counter_at(INFO, b)
    return (ib - ia) / 1000, (eb - ea) / 1000


@pytest.fixture
def api(seeded_store: Store, tmp_path: Path) -> Iterator[Tuple[FlaskClient, Dict[str, str]]]:
    user = seeded_store.create_user("admin", "x", True)
    token, digest = new_api_token()
    seeded_store.create_token(user, "t", digest)
    config = Config.from_dict(
        {"meter": {"timezone": "Europe/Zurich"}, "web": {"secret_key_file": "k"}, "costs": COSTS},
        path=tmp_path / "c.toml",
    )
    app = create_app(config, seeded_store)
    app.config["TESTING"] = True
    yield app.test_client(), {"Authorization": f"Bearer {token}"}


def costs(api: Tuple[FlaskClient, Dict[str, str]], query: str) -> Any:
    client, headers = api
    r = client.get(f"/api/costs?{query}", headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_weekday_of_the_double_tariff(api: Tuple[FlaskClient, Dict[str, str]]) -> None:
    body = costs(api, "from=2026-10-20&to=2026-10-20")  # a Tuesday
    (day,) = body["days"]
    night1, exp1 = delta(ts(2026, 10, 20), ts(2026, 10, 20, 7))
    peak, exp2 = delta(ts(2026, 10, 20, 7), ts(2026, 10, 20, 20))
    night2, exp3 = delta(ts(2026, 10, 20, 20), ts(2026, 10, 21))
    energy = 0.10 * (night1 + night2) + 0.30 * peak
    feed_in = 0.08 * (exp1 + exp2 + exp3)
    assert day["energy_kwh"] == pytest.approx(night1 + peak + night2, abs=1e-6)
    assert day["export_kwh"] == pytest.approx(exp1 + exp2 + exp3, abs=1e-6)
    assert exp2 > 0  # the seeded house has solar: the feed-in is not trivially zero
    assert day["energy_cost"] == pytest.approx(energy, abs=1e-6)
    assert day["feed_in_credit"] == pytest.approx(feed_in, abs=1e-6)
    assert day["fixed_cost"] == 0
    assert day["taxes"] == pytest.approx(energy * 0.077, abs=1e-6)
    assert day["total"] == pytest.approx(energy * 1.077 - feed_in, abs=1e-6)
    assert day["complete"] is True and day["missing_intervals"] == 0
    assert body["priced"] is True
    assert body["tariffs"] == [{"name": "double", "valid_from": "2026-10-15", "valid_to": None,
                                "energy": "time_of_use"}]


def test_the_tariff_change_in_mid_month(api: Tuple[FlaskClient, Dict[str, str]]) -> None:
    body = costs(api, "from=2026-10-14&to=2026-10-15")
    d14, d15 = body["days"]
    imp14, _ = delta(ts(2026, 10, 14), ts(2026, 10, 15))
    assert d14["energy_cost"] == pytest.approx(imp14 * 0.20, abs=1e-6)
    assert d14["fixed_cost"] == pytest.approx(1.0, abs=1e-9)  # 31.00 / 31 days
    assert d14["feed_in_credit"] == 0 and d14["taxes"] == 0
    assert d15["fixed_cost"] == 0 and d15["feed_in_credit"] > 0
    assert [t["name"] for t in body["tariffs"]] == ["flat", "double"]
    # the capacity charge of October follows the tariff of the month's last day in the range
    (october,) = body["months"]
    assert october["month"] == "2026-10"
    peak_kw = max(delta(t, t + 900)[0] for t in range(ts(2026, 10, 14), ts(2026, 10, 16), 900)) * 4
    assert october["capacity_cost"] == pytest.approx(5.0 * peak_kw, abs=1e-6)
    assert body["capacity_cost"] == october["capacity_cost"]
    assert body["total"] == pytest.approx(
        d14["total"] + d15["total"] + october["capacity_cost"] * 1.077, abs=1e-5
    )


def test_the_dst_day_has_100_quarter_hours(api: Tuple[FlaskClient, Dict[str, str]]) -> None:
    body = costs(api, "from=2026-10-25&to=2026-10-25")  # a Sunday of 25 hours: all at 0.10
    (day,) = body["days"]
    imp, _ = delta(ts(2026, 10, 25), ts(2026, 10, 26))
    assert day["energy_kwh"] == pytest.approx(imp, abs=1e-6)
    assert day["energy_cost"] == pytest.approx(imp * 0.10, abs=1e-6)
    assert day["complete"] is True


def test_the_gap_is_costed_from_the_registers_and_flagged(api: Tuple[FlaskClient, Dict[str, str]]) -> None:
    body = costs(api, "from=2026-10-10&to=2026-10-10")  # 3-hour gap, flat tariff
    (day,) = body["days"]
    imp, _ = delta(ts(2026, 10, 10), ts(2026, 10, 11))
    assert day["energy_kwh"] == pytest.approx(imp, abs=1e-6)
    assert day["energy_cost"] == pytest.approx(imp * 0.20, abs=1e-6)  # exact with a flat price
    assert day["complete"] is False
    assert day["missing_intervals"] == 13  # 11:45 to 15:00 spread over the gap
