"""``/api/anomalies``, the acknowledgement and ``/api/forecast`` over the seeded store."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Tuple
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from dashboard.analytics.service import forecast_meter
from dashboard.store import Sample
from dashboard.web import SESSION_USER_KEY
from webenv import FEE, PRICE, Env


def get(client: FlaskClient, env: Env, url: str) -> Tuple[int, Any]:
    r = client.get(url, headers=env.bearer())
    return r.status_code, r.get_json()


def session_with_csrf(env: Env) -> Tuple[FlaskClient, str]:
    c = env.app.test_client()
    with c.session_transaction() as sess:
        sess[SESSION_USER_KEY] = env.user_id
        sess["_csrf"] = "t" * 43
    return c, "t" * 43


def test_the_gap_of_the_seeded_data_is_an_anomaly(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/anomalies?from=2026-10-10&to=2026-10-10")
    assert status == 200
    gaps = [a for a in body["anomalies"] if a["kind"] == "gap"]
    assert len(gaps) == 1
    gap = gaps[0]
    assert (gap["start"], gap["end"]) == ("2026-10-10T11:45:00+02:00", "2026-10-10T15:00:00+02:00")
    assert gap["severity"] == "warning" and gap["acknowledged"] is None
    assert "13 quarter-hours missing" in gap["message"]
    assert isinstance(gap["id"], int)
    assert body["from"] == "2026-10-10T00:00:00+02:00" and body["to"] == "2026-10-11T00:00:00+02:00"
    assert [b["date"] for b in body["base_load"]] == ["2026-10-10"]
    assert body["open"] == len(body["anomalies"])


def test_acknowledging_an_alert(client: FlaskClient, env: Env) -> None:
    body = get(client, env, "/api/anomalies?from=2026-10-10&to=2026-10-10")[1]
    gap = next(a for a in body["anomalies"] if a["kind"] == "gap")
    url = f"/api/anomalies/{gap['id']}/acknowledge"
    # API tokens are read-only, a session needs its CSRF token
    assert client.post(url, headers=env.bearer()).status_code == 403
    c, token = session_with_csrf(env)
    assert c.post(url).status_code == 403
    before = time.time()
    r = c.post(url, headers={"X-CSRF-Token": token})
    after = time.time()
    assert r.status_code == 200
    ack = r.get_json()
    assert ack["id"] == gap["id"] and ack["key"] == gap["key"] and ack["acknowledged_by"] == "admin"
    assert ack["meter"] == env.meter_id
    # The store keeps whole seconds (int(time.time()) during the call): at most a second before
    # `before`, never after `after`; written in the meter's zone with its offset of that instant.
    when = datetime.fromisoformat(ack["acknowledged"])
    assert int(before) <= when.timestamp() <= after, (before, ack["acknowledged"], after)
    zone = ZoneInfo(env.store.meters()[0].timezone)
    assert when.utcoffset() == when.astimezone(zone).utcoffset()
    stored = env.store.alert(gap["id"])
    assert stored is not None
    assert stored.acknowledged == int(when.timestamp()) and stored.acknowledged_by == env.user_id
    again = get(client, env, "/api/anomalies?from=2026-10-10&to=2026-10-10")[1]
    (g2,) = [a for a in again["anomalies"] if a["kind"] == "gap"]
    assert g2["id"] == gap["id"] and g2["acknowledged"] == ack["acknowledged"]
    assert again["open"] == body["open"] - 1
    hidden = get(client, env, "/api/anomalies?from=2026-10-10&to=2026-10-10&acknowledged=exclude")[1]
    assert all(a["kind"] != "gap" for a in hidden["anomalies"])
    assert c.post("/api/anomalies/999999/acknowledge", headers={"X-CSRF-Token": token}).status_code == 404


def test_an_injected_high_load_is_found(client: FlaskClient, env: Env) -> None:
    """Six hours of 2.5 kW more on 2026-11-12 (a Thursday) in the seeded store."""
    from zoneinfo import ZoneInfo

    import dashboard_conftest as seeded  # type: ignore[import-not-found]

    info = seeded.SeedInfo()
    zone = ZoneInfo("Europe/Zurich")
    lo = int(datetime(2026, 11, 12, 9, tzinfo=zone).timestamp())
    hi = int(datetime(2026, 11, 12, 15, tzinfo=zone).timestamp())
    extra = 0.0
    rows = []
    for s in seeded.generate(info, lo, int(datetime(2026, 11, 14, tzinfo=zone).timestamp())):
        if lo < s.ts <= hi:
            extra += 2500.0 * info.step / 3600.0
        values = dict(s.values)
        values["active_energy_import"] = (values["active_energy_import"] or 0.0) + extra
        rows.append(Sample(s.ts, values, s.dst, ()))
    with env.store.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("DELETE FROM readings WHERE ts >= :lo"), {"lo": lo})
    env.store.add_readings(1, rows)
    with env.store.engine.begin() as conn:
        conn.execute(text("UPDATE meters SET dirty_from = :lo"), {"lo": lo})
    env.store.update_aggregates(1)
    body = get(client, env, "/api/anomalies?from=2026-11-12&to=2026-11-12")[1]
    kinds = {a["kind"] for a in body["anomalies"]}
    assert "high_load" in kinds, body["anomalies"]
    high = next(a for a in body["anomalies"] if a["kind"] == "high_load")
    assert high["start"].startswith("2026-11-12T09:") or high["start"].startswith("2026-11-12T08:")
    assert high["value"] >= 2000


def test_bad_anomaly_parameters(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/anomalies?from=2025-01-01&to=2026-03-01")
    assert status == 400 and body["parameter"] == "from" and "at most 400 days" in body["message"]
    status, body = get(client, env, "/api/anomalies?from=2026-10-12&to=2026-10-10")
    assert status == 400 and body["parameter"] == "from"


def test_forecast_week_has_one_point_per_quarter_hour(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/forecast?horizon=week")
    assert status == 200
    assert len(body["points"]) == 7 * 96
    assert body["unit"] == "Wh" and body["level"] == 0.8
    first = body["points"][0]
    # the seeded data ends at 2026-11-13 23:45 local (no reading closes the last quarter-hour)
    assert first["start"] == "2026-11-13T23:45:00+01:00"
    assert all(p["lower"] <= p["mean"] <= p["upper"] for p in body["points"])
    assert body["model"] in ("seasonal_naive", "same_hour_average")
    # today is long after the data: tomorrow cannot be forecast from it
    assert body["tomorrow"]["expected_cost"] is None


def test_forecast_hourly(client: FlaskClient, env: Env) -> None:
    status, body = get(client, env, "/api/forecast?horizon=day&resolution=1h&model=same_hour_average")
    assert status == 200
    assert body["model"] == "same_hour_average" and body["resolution"] == "1h"
    assert body["points"][0]["start"] == "2026-11-14T00:00:00+01:00"
    assert len(body["points"]) == 24


def test_expected_cost_of_tomorrow(env: Env) -> None:
    meter = env.store.meters()[0]
    now = int(datetime(2026, 11, 13, 12, tzinfo=timezone.utc).timestamp())
    out = forecast_meter(env.store, env.config, meter, now=now)
    f = out["forecast"]
    assert out["tomorrow"]["date"] == "2026-11-14"
    day = [m for t, m in zip(f.times, f.mean) if t >= int(datetime(2026, 11, 13, 23, tzinfo=timezone.utc).timestamp())]
    assert len(day) == 96
    kwh = sum(day) / 1000
    assert out["tomorrow"]["energy_kwh"] == pytest.approx(kwh)
    assert out["tomorrow"]["expected_cost"] == pytest.approx(kwh * PRICE + FEE / 30)


def test_forecast_without_enough_history_is_409(client: FlaskClient, env: Env) -> None:
    from sqlalchemy import text

    with env.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM aggregates WHERE start < :t"),
                     {"t": int(datetime(2026, 11, 12, tzinfo=timezone.utc).timestamp())})
    status, body = get(client, env, "/api/forecast")
    assert status == 409
    assert body["error"] == "insufficient_history"
    assert body["message"].startswith("no forecast yet: ")


def test_a_configured_holiday_tomorrow_is_forecast_as_a_sunday(env: Env) -> None:
    """The [costs] public holidays reach the forecast: Saturday 2026-11-14 declared a holiday is
    forecast with the Sunday profile (the same-hour average of the last Sundays)."""
    import dataclasses
    from datetime import date

    meter = env.store.meters()[0]
    now = int(datetime(2026, 11, 13, 12, tzinfo=timezone.utc).timestamp())
    week = forecast_meter(env.store, env.config, meter, horizon="week", model="same_hour_average", now=now)
    sat0 = int(datetime(2026, 11, 13, 23, tzinfo=timezone.utc).timestamp())  # 00:00 local (CET)

    def day_of(f: Any, start: int) -> list:
        return [m for t, m in zip(f.times, f.mean) if start <= t < start + 86400]

    saturday, sunday = day_of(week["forecast"], sat0), day_of(week["forecast"], sat0 + 86400)
    assert len(saturday) == len(sunday) == 96
    assert max(abs(a - b) for a, b in zip(saturday, sunday)) > 1.0  # the two profiles differ
    costs = dataclasses.replace(env.config.costs, holidays=frozenset({date(2026, 11, 14)}))
    config = dataclasses.replace(env.config, costs=costs)
    out = forecast_meter(env.store, config, meter, model="same_hour_average", now=now)
    assert out["tomorrow"]["date"] == "2026-11-14"
    assert day_of(out["forecast"], sat0) == pytest.approx(sunday)
    assert out["tomorrow"]["energy_kwh"] == pytest.approx(sum(sunday) / 1000)
