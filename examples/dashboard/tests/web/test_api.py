"""The JSON API against the real seeded store: values, time handling, validation, costs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

import dashboard_conftest as seeded  # type: ignore[import-not-found]
from dashboard.quantities import QUANTITIES
from webenv import FEE, PRICE, Env

ZURICH = ZoneInfo("Europe/Zurich")
INFO = seeded.SeedInfo()


def local_ts(*args: int) -> int:
    """Unix seconds of a Europe/Zurich wall time."""
    return int(datetime(*args, tzinfo=ZURICH).timestamp())  # type: ignore[misc, arg-type]


def get(client: FlaskClient, env: Env, url: str) -> Tuple[int, Any]:
    """GET with the fixture token; (status, JSON body)."""
    response = client.get(url, headers=env.bearer())
    assert response.mimetype in ("application/json", "text/event-stream")
    return response.status_code, response.get_json()


def counter(ts: int) -> float:
    """The stored import register at a reading instant."""
    return float(seeded.counter_at(INFO, ts)[0])


# -- meters and latest -----------------------------------------------------------------------


def test_meters_lists_the_seeded_meter(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/meters")
    assert status == 200
    assert body == {
        "meters": [
            {
                "id": env.meter_id,
                "serial": "1909113",
                "name": "Maison",
                "timezone": "Europe/Zurich",
                "first": "2026-09-15T00:00:00+02:00",
                "last": "2026-11-13T23:45:00+01:00",
            }
        ]
    }


def test_data_is_the_latest_reading(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/data")
    assert status == 200
    last = seeded.generate(INFO)[-1]
    assert body["meter"] == env.meter_id
    assert body["time"] == "2026-11-13T23:45:00+01:00"
    assert body["values"] == {k: v for k, v in last.values.items()}
    assert body["units"]["active_energy_import"] == "Wh"
    assert body["units"]["voltage_l1"] == "V"
    assert body["obis"] == []


def test_data_carries_the_obis_values_of_the_push(client: FlaskClient, env: Env) -> None:
    from dashboard.store import Sample

    ts = INFO.end + 3600
    env.store.add_readings(
        env.meter_id,
        [Sample(ts, {"active_power_import": 512.0}, False,
                [("1-0:1.7.0", 512.0, "W"), ("0-0:96.1.0", "1909113", None)])],
    )
    status, body = get(client, env, "/api/data?meter=1")
    assert status == 200
    assert body["time"] == datetime.fromtimestamp(ts, ZURICH).isoformat()
    assert body["values"]["active_power_import"] == 512.0
    assert body["values"]["voltage_l1"] is None
    assert body["obis"] == [
        {"obis": "1-0:1.7.0", "value": 512.0, "unit": "W"},
        {"obis": "0-0:96.1.0", "value": "1909113", "unit": None},
    ]


def test_data_404_without_meter(tmp_path: Any, password_hash: str) -> None:
    from dashboard.store import Store
    from dashboard.web import create_app
    from dashboard.web.auth import new_api_token

    from webenv import make_config

    store = Store.open(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        uid = store.create_user("u", password_hash)
        token, digest = new_api_token()
        store.create_token(uid, "t", digest)
        app = create_app(make_config(tmp_path), store)
        c = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        r = c.get("/api/data", headers=headers)
        assert r.status_code == 404
        assert r.get_json() == {"error": "not_found", "message": "no meter has been recorded yet"}
        mid = store.ensure_meter("42", "x", "Europe/Zurich")
        r = c.get(f"/api/data?meter={mid}", headers=headers)
        assert r.status_code == 404
        assert r.get_json()["message"] == f"no reading of meter {mid} is stored yet"
        assert c.get("/api/meters", headers=headers).get_json()["meters"][0]["first"] is None
    finally:
        store.close()


# -- readings --------------------------------------------------------------------------------


def test_hourly_energy_of_the_25_hour_day(client: FlaskClient, env: Env) -> None:
    status, body = get(
        client, env, "/api/readings?from=2026-10-25&to=2026-10-25&resolution=1h"
    )
    assert status == 200
    assert body["resolution"] == "1h"
    assert body["from"] == "2026-10-25T00:00:00+02:00"
    assert body["to"] == "2026-10-26T00:00:00+01:00"
    assert len(body["time"]) == 25
    assert body["time"][2] == "2026-10-25T02:00:00+02:00"
    assert body["time"][3] == "2026-10-25T02:00:00+01:00"
    assert set(body["series"]) == {"active_energy_import", "active_energy_export"}
    assert body["units"] == {"active_energy_import": "Wh", "active_energy_export": "Wh"}
    start = local_ts(2026, 10, 25)
    expected = [counter(start + 3600 * (h + 1)) - counter(start + 3600 * h) for h in range(25)]
    assert body["series"]["active_energy_import"] == pytest.approx(expected)
    assert body["gaps"] == []
    assert body["truncated"] is False


def test_daily_energy_is_the_register_delta(client: FlaskClient, env: Env) -> None:
    status, body = get(
        client, env,
        "/api/readings?from=2026-10-24&to=2026-10-26&resolution=1d&quantity=active_energy_import",
    )
    assert status == 200
    assert body["time"] == [
        "2026-10-24T00:00:00+02:00", "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00",
    ]
    edges = [local_ts(2026, 10, d) for d in (24, 25, 26, 27)]
    expected = [counter(b) - counter(a) for a, b in zip(edges, edges[1:])]
    assert body["series"]["active_energy_import"] == pytest.approx(expected)


def test_raw_readings_show_the_gap(client: FlaskClient, env: Env) -> None:
    status, body = get(
        client, env,
        "/api/readings?from=2026-10-10T11:00&to=2026-10-10T16:00&resolution=raw",
    )
    assert status == 200
    assert set(body["series"]) == {"active_power_import", "active_power_export"}
    assert body["time"][:4] == [
        "2026-10-10T11:00:00+02:00", "2026-10-10T11:15:00+02:00",
        "2026-10-10T11:30:00+02:00", "2026-10-10T11:45:00+02:00",
    ]
    assert body["time"][4] == "2026-10-10T15:00:00+02:00"
    assert len(body["time"]) == 8
    by_ts = {s.ts: s for s in seeded.generate(INFO, local_ts(2026, 10, 10, 11),
                                                local_ts(2026, 10, 10, 16))}
    first = by_ts[local_ts(2026, 10, 10, 11)]
    assert body["series"]["active_power_import"][0] == first.values["active_power_import"]
    assert len(body["gaps"]) == 1
    gap = body["gaps"][0]
    assert gap["from"] == "2026-10-10T11:45:00+02:00"
    assert gap["to"] == "2026-10-10T15:00:00+02:00"
    assert isinstance(gap["reason"], str)


def test_15m_is_the_default_resolution(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/readings?from=2026-10-01T00:00:00%2B02:00&to=2026-10-01T01:00:00%2B02:00")
    assert status == 200
    assert body["resolution"] == "15m"
    assert body["time"] == [f"2026-10-01T00:{m:02d}:00+02:00" for m in (0, 15, 30, 45)]
    t0 = local_ts(2026, 10, 1)
    assert body["series"]["active_energy_import"] == pytest.approx(
        [counter(t0 + 900 * (i + 1)) - counter(t0 + 900 * i) for i in range(4)]
    )


def test_mean_of_instant_quantities(client: FlaskClient, env: Env) -> None:
    status, body = get(
        client, env,
        "/api/readings?from=2026-10-01T00:00&to=2026-10-01T00:15&resolution=15m"
        "&quantity=voltage_l2,frequency,voltage_l2",
    )
    assert status == 200
    assert list(body["series"]) == ["voltage_l2", "frequency"]
    assert body["series"] == {"voltage_l2": [231.0], "frequency": [50.0]}
    assert body["units"] == {"voltage_l2": "V", "frequency": "Hz"}


def test_offsets_z_and_a_plus_decoded_as_space(client: FlaskClient, env: Env) -> None:
    a = get(client, env, "/api/readings?from=2026-10-01T00:00:00Z&to=2026-10-01T01:00:00Z")[1]
    b = get(client, env, "/api/readings?from=2026-10-01T02:00:00+02:00&to=2026-10-01T03:00:00+02:00")[1]
    assert a["from"] == b["from"] == "2026-10-01T02:00:00+02:00"
    assert a["time"] == b["time"] and len(a["time"]) == 4


def test_naive_local_time_in_the_repeated_hour(client: FlaskClient, env: Env) -> None:
    body = get(client, env, "/api/readings?from=2026-10-25T02:30&to=2026-10-25T03:00&resolution=raw")[1]
    # a naive wall time is the first 02:30 (summer time); the range then spans 1.5 hours
    assert body["from"] == "2026-10-25T02:30:00+02:00"
    assert body["to"] == "2026-10-25T03:00:00+01:00"
    assert len(body["time"]) == 6


def test_result_size_limit_sets_truncated(
    client: FlaskClient, env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dashboard.web.api as api

    monkeypatch.setattr(api, "MAX_POINTS", 10)
    body = get(client, env, "/api/readings?from=2026-10-01&to=2026-10-02&resolution=15m")[1]
    assert body["truncated"] is True
    assert len(body["time"]) == 10
    assert len(body["series"]["active_energy_import"]) == 10


VALIDATION: List[Tuple[str, int, Optional[str], str]] = [
    ("/api/readings?from=yesterday", 400, "from",
     "from='yesterday' is not an ISO 8601 date (2026-10-25) or date-time (2026-10-25T14:00:00+01:00)"),
    ("/api/readings?to=2026-02-30", 400, "to",
     "to='2026-02-30' is not an ISO 8601 date (2026-10-25) or date-time (2026-10-25T14:00:00+01:00)"),
    ("/api/readings?from=", 400, "from", "from is empty; expected an ISO 8601 date or date-time"),
    ("/api/readings?from=1900-01-01&to=1900-01-02", 400, "from", "from must lie between 1970 and 2200"),
    ("/api/readings?from=2026-10-02&to=2026-10-01T12:00", 400, "from", "from must not be after to"),
    ("/api/readings?from=2026-10-01&to=2026-10-08&resolution=raw", 400, "to",
     "the range from 2026-09-30T22:00:00+00:00 to 2026-10-08T22:00:00+00:00 is too large for "
     "resolution raw: at most 7 days"),
    ("/api/readings?from=2025-01-01&to=2026-03-01&resolution=15m", 400, "to",
     "the range from 2024-12-31T23:00:00+00:00 to 2026-03-01T23:00:00+00:00 is too large for "
     "resolution 15m: at most 400 days"),
    ("/api/readings?from=2020-01-01&to=2026-01-01&resolution=1h", 400, "to",
     "the range from 2019-12-31T23:00:00+00:00 to 2026-01-01T23:00:00+00:00 is too large for "
     "resolution 1h: at most 1830 days"),
    ("/api/readings?resolution=5m", 400, "resolution",
     "unknown resolution '5m'; expected one of raw, 15m, 1h, 1d"),
    ("/api/readings?quantity=power", 400, "quantity",
     "unknown quantity 'power'; expected names from " + ", ".join(QUANTITIES)),
    ("/api/readings?quantity=voltage_l1,,frequency", 400, "quantity", "quantity holds an empty name"),
    ("/api/readings?meter=abc", 400, "meter", "meter must be a positive integer id, not 'abc'"),
    ("/api/readings?meter=0", 400, "meter", "meter must be a positive integer id, not '0'"),
    ("/api/data?meter=-1", 400, "meter", "meter must be a positive integer id, not '-1'"),
    ("/api/data?meter=99", 404, "meter", "there is no meter with id 99"),
    ("/api/readings?from=2026-10-01&from=2026-10-02", 400, "from", "from is given more than once"),
    ("/api/costs?from=2025-01-01&to=2026-03-01", 400, "to",
     "the range is too large for costs: at most 400 days"),
    ("/api/costs?from=2026-10-02&to=2026-10-01T12:00", 400, "from", "from must not be after to"),
    ("/api/costs?to=2026-10-32", 400, "to",
     "to='2026-10-32' is not an ISO 8601 date (2026-10-25) or date-time (2026-10-25T14:00:00+01:00)"),
    ("/api/stream?meter=x", 400, "meter", "meter must be a positive integer id, not 'x'"),
]


@pytest.mark.parametrize("url,status,parameter,message", VALIDATION)
def test_validation_errors(
    client: FlaskClient, env: Env, url: str, status: int, parameter: Optional[str], message: str
) -> None:
    code, body = get(client, env, url)
    assert code == status
    expected: Dict[str, Any] = {
        "error": "bad_request" if status == 400 else "not_found",
        "message": message,
    }
    if parameter is not None:
        expected["parameter"] = parameter
    assert body == expected


def test_unknown_endpoint_and_method_are_json(session_client: FlaskClient, env: Env) -> None:
    r = session_client.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.get_json() == {"error": "not_found", "message": "there is no API endpoint /api/nothing-here"}
    r = session_client.get("/")  # rendering a page gives the session its CSRF token
    with session_client.session_transaction() as sess:
        token = sess["_csrf"]
    r = session_client.post("/api/data", headers={"X-CSRF-Token": token})
    assert r.status_code == 405
    assert r.get_json()["error"] == "method_not_allowed"
    assert "GET" in r.headers["Allow"]


# -- costs -----------------------------------------------------------------------------------


def day_cost(day: datetime, following: datetime, days_in_month: int) -> Tuple[float, float]:
    """(kWh, cost) of one whole local day, computed by hand from the registers."""
    kwh = (counter(int(following.timestamp())) - counter(int(day.timestamp()))) / 1000
    return kwh, kwh * PRICE + FEE / days_in_month


def test_costs_of_whole_days_by_hand(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/costs?from=2026-10-24&to=2026-10-25")
    assert status == 200
    d24, d25, d26 = (datetime(2026, 10, d, tzinfo=ZURICH) for d in (24, 25, 26))
    kwh24, cost24 = day_cost(d24, d25, 31)
    kwh25, cost25 = day_cost(d25, d26, 31)
    assert body["currency"] == "CHF"
    assert body["price_per_kwh"] == PRICE
    assert body["monthly_fee"] == FEE
    assert body["from"] == "2026-10-24T00:00:00+02:00"
    assert body["to"] == "2026-10-26T00:00:00+01:00"
    assert [d["date"] for d in body["days"]] == ["2026-10-24", "2026-10-25"]
    assert body["days"][0]["energy_kwh"] == pytest.approx(kwh24, abs=1e-6)
    assert body["days"][0]["cost"] == pytest.approx(cost24, abs=1e-5)
    assert body["days"][1]["energy_kwh"] == pytest.approx(kwh25, abs=1e-6)
    assert body["days"][1]["fixed_cost"] == pytest.approx(FEE / 31, abs=1e-6)
    assert body["energy_kwh"] == pytest.approx(kwh24 + kwh25, abs=1e-5)
    assert body["energy_cost"] == pytest.approx((kwh24 + kwh25) * PRICE, abs=1e-5)
    assert body["fixed_cost"] == pytest.approx(2 * FEE / 31, abs=1e-5)
    assert body["total"] == pytest.approx(cost24 + cost25, abs=1e-5)
    assert body["complete"] is True
    # the 25-hour day used more energy than the 24-hour one only through its extra hour
    assert kwh25 > 0 and kwh24 > 0


def test_costs_of_a_partial_day_prorate_the_fee(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/costs?from=2026-11-02T06:00&to=2026-11-02T18:00")
    assert status == 200
    a, b = local_ts(2026, 11, 2, 6), local_ts(2026, 11, 2, 18)
    kwh = (counter(b) - counter(a)) / 1000
    assert len(body["days"]) == 1
    assert body["energy_kwh"] == pytest.approx(kwh, abs=1e-6)
    assert body["fixed_cost"] == pytest.approx(FEE / 30 / 2, abs=1e-6)
    assert body["total"] == pytest.approx(kwh * PRICE + FEE / 30 / 2, abs=1e-5)


def test_costs_across_a_month_boundary(client: FlaskClient, env: Env) -> None:
    body = get(client, env, "/api/costs?from=2026-10-31&to=2026-11-01")[1]
    assert [d["fixed_cost"] for d in body["days"]] == [
        pytest.approx(FEE / 31, abs=1e-6), pytest.approx(FEE / 30, abs=1e-6)
    ]


def test_costs_of_the_gap_day_are_incomplete(client: FlaskClient, env: Env) -> None:
    body = get(client, env, "/api/costs?from=2026-10-09&to=2026-10-11")[1]
    assert [d["complete"] for d in body["days"]] == [True, False, True]
    assert body["complete"] is False


def test_costs_default_to_today_so_far(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/costs")
    assert status == 200
    today = datetime.now(timezone.utc).astimezone(ZURICH).date().isoformat()
    assert [d["date"] for d in body["days"]] in ([today], [])
    assert body["from"].startswith(today + "T00:00:00")


def test_readings_default_range_ends_now(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/readings?resolution=1h")
    assert status == 200
    start = datetime.fromisoformat(body["from"])
    end = datetime.fromisoformat(body["to"])
    assert end - start == timedelta(days=7)
    assert abs((datetime.now(timezone.utc) - end).total_seconds()) < 60


# -- failures of the database ----------------------------------------------------------------


def test_database_failure_is_503(client: FlaskClient, env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.store import StoreError

    def broken(*_: Any, **__: Any) -> Any:
        raise StoreError("database is locked")

    monkeypatch.setattr(env.store, "series", broken)
    r = client.get("/api/readings", headers=env.bearer())
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "5"
    assert r.get_json() == {"error": "unavailable", "message": "the database is not available; retry later"}


def test_health_reports_a_broken_database(client: FlaskClient, env: Env,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    def broken() -> Any:
        raise OperationalError("SELECT 1", {}, Exception("disk I/O error"))

    monkeypatch.setattr(env.store, "health", broken)
    r = client.get("/api/health")
    assert r.status_code == 503
    body = r.get_json()
    assert body["status"] == "down"
    assert body["database"] == {"ok": False, "error": "OperationalError"}


def test_health_states(client: FlaskClient, env: Env) -> None:
    body = client.get("/api/health").get_json()
    assert body["status"] == "degraded"  # the collector never reported
    assert body["database"]["ok"] is True and body["database"]["backend"] == "sqlite"
    now = datetime.now(timezone.utc)
    env.store.set_state({
        "source": {"kind": "simulator", "state": "connected", "since": now.isoformat(),
                   "reconnects": 0, "last_error": None},
        "last_reading": now.isoformat(),
        "frames": {"decoded": 10, "corrupt": 0, "undecryptable": 0},
        "spooled": 0,
        "open_gap": None,
    })
    body = client.get("/api/health").get_json()
    assert body["status"] == "ok"
    assert body["collector"]["frames"] == {"decoded": 10, "corrupt": 0, "undecryptable": 0}
    assert body["version"]
    env.store.set_state({"source": {"kind": "push", "state": "reconnecting", "since": None,
                                    "reconnects": 3, "last_error": "device unplugged"}})
    assert client.get("/api/health").get_json()["status"] == "degraded"
    env.store.set_state({"source": {"kind": "push", "state": "connected"},
                         "last_reading": (now - timedelta(hours=1)).isoformat()})
    assert client.get("/api/health").get_json()["status"] == "degraded"
