"""The analyses page in a real browser, over the seeded store of ``tests/conftest.py``.

The data (60 days of 15-minute readings of 2026-09-15 to 2026-11-14 in Europe/Zurich, a gap on
2026-10-10 from 11:45 to 15:00) end weeks before today, so the page's default range — the 30
days ending with the last reading — and a chosen range are both exercised. The dashboard is
served by waitress in this process (no compteur binary needed); a stored model choice with two
backtest scores stands in for the nightly model selection (which takes minutes). Every page
fails its test on a console error or a CSP violation (see conftest.py).
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from browser_support import COUNT_PIXELS, Dashboard, login, start_inprocess
from dashboard_testdata import SeedInfo, generate, seed

FRENCH_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]
GAP_DAY_RANGE = {"from": "2026-10-01", "to": "2026-10-31"}
SELECTION = {
    "best": "same_hour_average",
    "seconds": 1.5,
    "scores": [
        {"model": "same_hour_average", "mase": 0.8243, "nrmse": 0.1033, "origins": 5},
        {"model": "seasonal_naive", "mase": 0.9702, "nrmse": 0.1256, "origins": 5},
    ],
    "chosen_utc": 1796146117,
}


STANDBY_GEOMETRY = """
() => {
  const chart = window.Chart.getChart('standby-chart');
  const x = chart.scales.x, y = chart.scales.y;
  return {
    data: chart.data.datasets[0].data,
    bars: chart.getDatasetMeta(0).data.length,
    bar_width: (x.width / chart.data.labels.length) * 0.9 * 0.9,
    px_per_w: (y.bottom - y.top) / (y.max - y.min),
    y_min: y.min,
    y_max: y.max,
    ratio: chart.currentDevicePixelRatio,
  };
}
"""


@pytest.fixture(scope="module")
def analytics_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """The dashboard over the seeded store, on a free port of 127.0.0.1."""
    info = SeedInfo()

    def prepare(store: Any) -> int:
        meter_id = seed(store, info)
        store.set_state({f"analytics.forecast_selection.{meter_id}": SELECTION})
        return meter_id

    yield from start_inprocess(
        tmp_path_factory.mktemp("analytics-page"),
        extra_config={
            "meter": {"name": info.name, "timezone": info.timezone},
            # the seeded house exports every day: flag it, for more than ten open alerts
            "analytics": {"thresholds": {"expect_export": False}},
        },
        prepare=prepare,
    )


def night_standby() -> Dict[date, float]:
    """The standby of every seeded day, computed from the generator, not by the detector.

    The seeded house exports every day, so its standby is the 2 % quantile of the quarter-hour
    mean import power from 01:00 to 05:00 local time: (counter at the end − counter at the
    start) × 4, from the rounded counters that ``generate`` stores.
    """
    info = SeedInfo()
    zone = ZoneInfo(info.timezone)
    counters = {s.ts: s.values["active_energy_import"] for s in generate(info)}
    out: Dict[date, float] = {}
    day = datetime.fromtimestamp(info.start, zone).date()
    last = datetime.fromtimestamp(info.end - 1, zone).date()
    while day <= last:
        lo = int(datetime(day.year, day.month, day.day, 1, tzinfo=zone).timestamp())
        hi = int(datetime(day.year, day.month, day.day, 5, tzinfo=zone).timestamp())
        watts = []
        for ts in range(lo, hi, info.step):
            a, b = counters.get(ts), counters.get(ts + info.step)
            if a is not None and b is not None:
                watts.append((b - a) * 3600.0 / info.step)
        out[day] = float(np.quantile(watts, 0.02))
        day += timedelta(days=1)
    return out


def api(page: Any, dashboard: Dashboard, path: str, **params: Any) -> Dict[str, Any]:
    """GET an API document with the page's session cookie."""
    query = {"meter": str(dashboard.meter_id), **{k: str(v) for k, v in params.items()}}
    response = page.request.get(f"{dashboard.url}{path}", params=query)
    assert response.status == 200, (path, response.status, response.text())
    return dict(response.json())


def wait_page(page: Any) -> None:
    """Wait until every section of the page has loaded."""
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    for section in ("alerts-section", "forecast-section", "standby-section", "costs-section"):
        page.wait_for_selector(f"#{section}[aria-busy='false']")
    page.wait_for_timeout(300)  # the charts' short animation


def pixels(page: Any, canvas_id: str, *colours: str) -> Any:
    """How many pixels of the canvas have each of the CSS colours."""
    return page.evaluate(COUNT_PIXELS, [canvas_id, list(colours)])["per_colour"]


def number_fr(page: Any, value: float, digits: int = 2) -> str:
    """The number as the page writes it in French."""
    return str(page.evaluate(
        "([v, d]) => new Intl.NumberFormat('fr-CH', {minimumFractionDigits: d, maximumFractionDigits: d}).format(v)",
        [value, digits],
    ))


# --------------------------------------------------------------------------------- tests


def test_alerts_default_range_gap_and_acknowledge(open_page: Any, analytics_dashboard: Dashboard,
                                                  screenshots: Path) -> None:
    """Default range from the last reading; the gap alert of 2026-10-10, acknowledged and kept."""
    dash = analytics_dashboard
    page, _ = open_page()
    login(page, dash, lang="fr")
    page.click(".mainnav a[href$='/analytics']")
    wait_page(page)
    assert page.locator(".mainnav a[aria-current='page']").inner_text() == "Analyses"
    assert page.locator("h1").inner_text() == "Analyses"
    # The data end on 2026-11-13 23:45: the default range is the 30 days up to that day.
    assert page.input_value("#range-from") == "2026-10-15"
    assert page.input_value("#range-to") == "2026-11-13"
    assert "from=2026-10-15" in page.url and "to=2026-11-13" in page.url
    default = api(page, dash, "/api/anomalies", **{"from": "2026-10-15", "to": "2026-11-13"})
    # The open alerts: the first ten, then all of them on demand.
    assert default["open"] > 10
    assert page.locator("#alerts-open .alert-item").count() == 10
    assert page.locator("#alerts-more").inner_text() == f"Afficher les {default['open']} alertes ouvertes"
    page.click("#alerts-more")
    assert page.locator("#alerts-open .alert-item").count() == default["open"]
    assert page.locator("#alerts-more").is_hidden()
    assert page.locator("#alerts-open-count").get_attribute("data-value") == str(default["open"])
    assert page.locator("#alerts-open .alert-item[data-kind='gap']").count() == 0

    # The range of the gap.
    page.fill("#range-from", GAP_DAY_RANGE["from"])
    page.fill("#range-to", GAP_DAY_RANGE["to"])
    page.click("#range-apply")
    page.wait_for_url("**/analytics?*from=2026-10-01*")
    page.wait_for_selector("body[data-alerts='done'] #alerts-more:not([hidden])")
    page.click("#alerts-more")
    expected = api(page, dash, "/api/anomalies", **GAP_DAY_RANGE)
    gap_api = next(a for a in expected["anomalies"] if a["kind"] == "gap")
    gap = page.locator("#alerts-open .alert-item[data-kind='gap']")
    assert gap.get_attribute("data-start") == "2026-10-10T11:45:00+02:00"
    assert gap.get_attribute("data-end") == "2026-10-10T15:00:00+02:00"
    assert gap.get_attribute("data-id") == str(gap_api["id"])
    assert gap.locator(".severity").inner_text().lower() == "avertissement"
    assert gap.locator(".alert-kind").inner_text() == "Données manquantes"
    when = gap.locator(".alert-when").inner_text()
    assert "10 oct. 2026" in when and "11:45 – 15:00" in when, when
    # The sentence is worded in French from the alert's details; the API keeps the English one.
    assert gap_api["details"] == {"template": "gap", "missing": 13}
    assert "13 quarter-hours missing" in gap_api["message"]
    assert gap.locator(".alert-message").inner_text() == "Pas de données complètes (quarts d’heure manquants : 13)."
    assert gap.locator(".alert-message").get_attribute("lang") is None
    # Every open alert reads in French, with its numbers filled in.
    french = {"spike": "Jusqu’à ", "high_load": "Un appareil a consommé ", "night_use": "La charge est restée ",
              "standby_increase": "Votre consommation de veille a augmenté de ", "gap": "Pas de données complètes",
              "unusual_day": "Le ", "unexpected_export": "Le compteur a injecté ", "voltage_low": "La tension ",
              "voltage_high": "La tension ", "voltage_week": "La tension ", "clock_back": "L’horloge du compteur a reculé",
              "clock_forward": "L’horloge du compteur a avancé", "spike_no_usual": "Jusqu’à "}
    by_key = {a["key"]: a for a in expected["anomalies"]}
    worded = set()
    for item in page.locator("#alerts-open .alert-item").all():
        text = item.locator(".alert-message").inner_text()
        template = by_key[item.get_attribute("data-key")]["details"]["template"]
        assert item.locator(".alert-message").get_attribute("lang") is None, text
        assert text.startswith(french[template]) and text.endswith("."), (template, text)
        assert "{" not in text and "—" not in text, text
        worded.add(template)
    assert worded == {"gap", "unexpected_export"}, worded  # what the seeded range holds
    export = next(a for a in expected["anomalies"] if a["kind"] == "unexpected_export")
    d = export["details"]

    def fr_number(value: float, digits: int) -> str:
        return f"{value:.{digits}f}".replace(".", ",")

    def fr_power(watts: float) -> str:
        return f"{fr_number(watts / 1000, 1)} kW" if abs(watts) >= 1000 else f"{fr_number(watts, 0)} W"

    energy = (f"{fr_number(d['energy_wh'] / 1000, 2)} kWh" if d["energy_wh"] >= 1000
              else f"{fr_number(d['energy_wh'], 0)} Wh")
    shown = page.locator(f"#alerts-open .alert-item[data-key='{export['key']}'] .alert-message").inner_text()
    assert shown == (f"Le compteur a injecté {energy} (jusqu’à {fr_power(d['peak_w'])}) "
                     "alors qu’aucune injection n’est attendue."), (shown, d)
    # An alert stored before the details existed keeps the detector's English sentence, marked as such.
    fallback = page.evaluate("""async () => {
        const app = document.querySelector("script[type=module]").src;
        const m = await import(app.replace(/app[.]js$/, "analytics.js"));
        return [m.alertSentence({ message: "x", details: {} }),
                m.alertSentence({ message: "x", details: { template: "gap" } }),
                m.alertSentence({ message: "x", details: { template: "nope", missing: 1 } }),
                m.alertSentence({ message: "x", details: { template: "high_load", power_w: 2200, hours: 6 } })];
    }""")
    assert fallback == [None, None, None, "Un appareil a consommé 2,2 kW pendant 6,0 heures."]
    assert page.locator("#alerts-open .alert-item").count() == expected["open"]
    page.screenshot(path=str(screenshots / "analytics-desktop-light-fr.png"), full_page=True)

    # Acknowledge: the row moves to the acknowledged list without a reload.
    page.evaluate("() => { window.__sameDocument = true; }")
    before = time.time()
    with page.expect_response(f"**/api/anomalies/{gap_api['id']}/acknowledge") as answer:
        gap.locator("button.acknowledge").click()
    page.wait_for_selector("#alerts-acknowledged .alert-item[data-kind='gap'][data-state='acknowledged']", state="attached")
    after = time.time()
    assert answer.value.status == 200
    ack = answer.value.json()
    assert page.evaluate("() => window.__sameDocument === true")
    assert page.locator("#alerts-open .alert-item[data-kind='gap']").count() == 0
    assert page.locator("#alerts-open .alert-item").count() == expected["open"] - 1
    assert page.locator("#alerts-acknowledged-box").is_hidden()
    assert page.locator("#show-acknowledged-label").inner_text() == "Afficher les alertes acquittées (1)"
    page.check("#show-acknowledged")
    done = page.locator("#alerts-acknowledged .alert-item[data-kind='gap']")
    assert done.is_visible()
    now = api(page, dash, "/api/anomalies", **GAP_DAY_RANGE)
    stored = next(a for a in now["anomalies"] if a["kind"] == "gap")
    assert stored["acknowledged"] is not None and stored["acknowledged"] == ack["acknowledged"]
    assert ack["id"] == gap_api["id"] and ack["acknowledged_by"] == dash.username
    assert done.locator(".acknowledged-when").get_attribute("data-value") == stored["acknowledged"]
    # Stored in whole seconds during the click: at most a second before `before`.
    acknowledged = datetime.fromisoformat(stored["acknowledged"])
    assert int(before) <= acknowledged.timestamp() <= after, (before, stored["acknowledged"], after)
    zone = ZoneInfo(dash.timezone)
    assert acknowledged.utcoffset() == acknowledged.astimezone(zone).utcoffset()
    local = acknowledged.astimezone(zone)
    # The meter's wall clock in French (the separator before the time varies with ICU versions).
    when_text = done.locator(".acknowledged-when").inner_text()
    month = re.escape(FRENCH_MONTHS[local.month - 1])
    shown_as = rf"Acquittée le {local.day} {month} {local.year}\D{{1,4}}{local:%H:%M}"
    assert re.fullmatch(shown_as, when_text), (when_text, shown_as)
    assert now["open"] == expected["open"] - 1

    # It survives a reload (the range stays in the address), and reads in English too.
    page.goto(f"{dash.url}/analytics?from=2026-10-01&to=2026-10-31&lang=en")
    wait_page(page)
    assert page.locator("#alerts-open .alert-item[data-kind='gap']").count() == 0
    page.check("#show-acknowledged")
    again = page.locator("#alerts-acknowledged .alert-item[data-kind='gap']")
    assert again.is_visible()
    assert again.locator(".alert-kind").inner_text() == "Missing data"
    assert again.locator(".alert-message").inner_text() == "No complete data (quarter-hours missing: 13)."
    assert again.locator(".severity").inner_text().lower() == "warning"
    assert again.locator(".acknowledged-when").inner_text().startswith("Acknowledged on ")
    assert again.locator(".acknowledged-when").get_attribute("data-value") == stored["acknowledged"]
    # Every open alert shows its translated kind and severity as words, not only as a colour.
    kinds = {"spike", "standby_increase", "high_load", "night_use", "unexpected_export", "voltage",
             "gap", "clock_jump", "unusual_day"}
    for item in page.locator(".alert-item").all():
        assert item.get_attribute("data-kind") in kinds
        assert item.locator(".severity").inner_text().lower() in {"information", "warning", "critical"}
        assert "analytics." not in item.locator(".alert-kind").inner_text()


def test_forecast_standby_and_costs(open_page: Any, analytics_dashboard: Dashboard, screenshots: Path) -> None:
    """The forecast band next to the last 24 h measured, the backtest scores, the standby, and
    twelve local months of costs from one /api/costs call with the API's numbers."""
    dash = analytics_dashboard
    page, _ = open_page()
    login(page, dash, lang="fr")
    page.goto(f"{dash.url}/analytics?from=2026-10-15&to=2026-11-13")
    wait_page(page)
    forecast = api(page, dash, "/api/forecast", horizon="day", resolution="15m")
    assert page.locator("#forecast-message").is_hidden()
    assert page.locator("#forecast-body").is_visible()
    assert page.locator("#forecast-model").get_attribute("data-value") == forecast["model"] == "same_hour_average"
    assert page.locator("#forecast-model").inner_text() == "Moyenne à la même heure"
    # Today is weeks after the data: tomorrow cannot be forecast from them.
    assert forecast["tomorrow"]["energy_kwh"] is None
    assert page.locator("#tomorrow").get_attribute("data-state") == "no_data"
    assert "pas assez de données" in page.locator("#tomorrow").inner_text()
    # The chart: as many forecast points as the API, the 24 h before them measured (96 values),
    # in W (Wh per quarter-hour × 4).
    drawn = page.evaluate(
        """() => { const c = window.Chart.getChart('forecast-chart');
          return c.data.datasets.map((d) => ({ n: d.data.length, first: d.data[0] })); }"""
    )
    points = forecast["points"]
    assert [d["n"] for d in drawn[:3]] == [len(points)] * 3
    assert drawn[2]["first"]["y"] == pytest.approx(points[0]["mean"] * 4)
    assert drawn[0]["first"]["y"] == pytest.approx(points[0]["upper"] * 4)
    assert drawn[1]["first"]["y"] == pytest.approx(points[0]["lower"] * 4)
    assert drawn[3]["n"] == 96
    readings = api(page, dash, "/api/readings", resolution="15m", quantity="active_energy_import",
                   **{"from": "2026-11-12T23:45:00+01:00", "to": "2026-11-13T23:45:00+01:00"})
    assert drawn[3]["first"]["y"] == pytest.approx(readings["series"]["active_energy_import"][0] * 4)
    forecast_px, actual_px, band_px = pixels(page, "forecast-chart", "--c-forecast", "--c-import", "--c-band")
    assert forecast_px > 200 and actual_px > 200, (forecast_px, actual_px)
    # The backtest scores of the stored model choice.
    rows = page.locator("#selection-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-best") == "true"
    assert rows.nth(0).locator("th").inner_text().startswith("Moyenne à la même heure")
    cells = rows.nth(0).locator("td").all_inner_texts()
    assert cells == [number_fr(page, 0.8243), number_fr(page, 10.33, 1), "5"]
    # The week horizon: 7 × 96 points.
    page.click("[data-horizon='week']")
    page.wait_for_function(
        "() => document.body.dataset.forecast === 'done' && window.Chart.getChart('forecast-chart').data.datasets[2].data.length === 672"
    )
    assert page.locator("[data-horizon='week']").get_attribute("aria-pressed") == "true"

    # Standby: the sentence with its sign, the chart one bar per day with an estimate. The
    # expected values come from the seeded readings themselves (night_standby), not from the
    # detector: about 290 W every day, and a change of −4.6 W (the median of 2026-10-15 to
    # 2026-11-13, 288.4 W, minus that of the 30 days before, 293.0 W).
    anomalies = api(page, dash, "/api/anomalies", **{"from": "2026-10-15", "to": "2026-11-13"})
    standby = night_standby()
    shown = [d for d in standby if date(2026, 10, 15) <= d <= date(2026, 11, 13)]
    earlier = [d for d in standby if d < date(2026, 10, 15)]
    assert len(shown) == len(earlier) == 30
    expected_change = float(np.median([standby[d] for d in shown]) - np.median([standby[d] for d in earlier]))
    assert expected_change == pytest.approx(-4.6, abs=0.01)  # the seeded data, not the page
    change = anomalies["base_load_change_w"]
    # 0.5 W: the detector and night_standby read the same integer counters, so they agree to
    # rounding on every ordinary day; on 2026-10-25 (the repeated hour 02:00-03:00) they differ by
    # 0.3 W. A 0 W standby, a missing estimate or a change of sign is far outside.
    assert isinstance(change, float) and change == pytest.approx(expected_change, abs=0.5), change
    standby_change = page.locator("#standby-change")
    assert standby_change.is_visible()
    assert standby_change.inner_text() == "La veille a changé de −5 W sur les 30 derniers jours."
    assert standby_change.get_attribute("data-trend") == "down"
    assert float(standby_change.get_attribute("data-value") or "nan") == change
    assert [b["date"] for b in anomalies["base_load"]] == [d.isoformat() for d in shown]
    for day, b in zip(shown, anomalies["base_load"]):
        assert b["watts"] == pytest.approx(standby[day], abs=0.5), (day, b["watts"], standby[day])
    bars = page.evaluate("() => window.Chart.getChart('standby-chart').data.datasets[0].data")
    assert bars == [b["watts"] for b in anomalies["base_load"]]
    assert len(bars) == 30 and min(bars) > 250 and max(bars) < 350, bars
    labels = page.evaluate("() => window.Chart.getChart('standby-chart').data.labels")
    assert labels[0] == "15 oct." and labels[-1] == "13 nov."
    assert page.locator("#standby-box").is_visible()
    assert page.locator("#standby-empty").is_hidden()
    # The bars are drawn: as many pixels of the standby colour as 30 bars of these heights
    # cover on the chart's scales (bar width = category width × 0.9 × 0.9, see analytics.js).
    page.wait_for_function("() => !window.Chart.animator.running(window.Chart.getChart('standby-chart'))")
    (standby_px,) = pixels(page, "standby-chart", "--c-standby")
    geometry = page.evaluate(STANDBY_GEOMETRY)  # the chart as just counted
    assert geometry["data"] == bars and geometry["bars"] == 30
    assert geometry["y_min"] == 0 and geometry["y_max"] >= max(bars)
    expected_px = geometry["bar_width"] * geometry["px_per_w"] * sum(bars) * geometry["ratio"] ** 2
    # 6 %: the rounded corners and anti-aliased edges of the bars (measured: 2.5 % fewer pixels);
    # an empty chart, bars of 0 W or bars 20 W too short are outside.
    assert standby_px == pytest.approx(expected_px, rel=0.06), (standby_px, expected_px, geometry)
    page.locator("#forecast-section").screenshot(path=str(screenshots / "analytics-forecast-desktop-light-fr.png"))
    page.locator("#standby-section").screenshot(path=str(screenshots / "analytics-standby-desktop-light-fr.png"))
    # Costs by month, on a phone in English and the dark theme.
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    page.goto(f"{dash.url}/analytics?lang=en")
    wait_page(page)
    table = page.locator("#costs-table")
    start, end = table.get_attribute("data-from"), table.get_attribute("data-to")
    assert start and end and start.endswith("-01")
    costs = api(page, dash, "/api/costs", **{"from": start, "to": end})
    rows = page.locator("#costs-table tbody tr")
    assert rows.count() == len(costs["months"]) == 12
    assert [r.get_attribute("data-month") for r in rows.all()] == [m["month"] for m in costs["months"]]
    fields = ["energy_kwh", "energy_cost", "fixed_cost", "capacity_cost", "taxes", "feed_in_credit", "total"]
    seeded = {"2026-09", "2026-10", "2026-11"}
    for row, month in zip(rows.all(), costs["months"]):
        cells = row.locator("td")
        values = [c.get_attribute("data-value") for c in cells.all()]
        assert [float(v) for v in values] == [month[f] for f in fields], month["month"]
        assert cells.nth(6).inner_text() == f"{month['total']:,.2f}"
        assert cells.nth(0).inner_text() == f"{month['energy_kwh']:,.2f}"
        marker = row.locator(".badge-incomplete")
        assert marker.count() == (0 if month["complete"] else 1)
        if month["month"] in seeded:
            assert month["energy_kwh"] > 100
    # The gap month is incomplete and says so in words.
    october = page.locator("#costs-table tbody tr[data-month='2026-10']")
    assert october.locator(".badge-incomplete").inner_text() == "incomplete"
    assert october.locator("th").inner_text().startswith("October 2026")
    foot = page.locator("#costs-table tfoot td").all()
    assert [float(c.get_attribute("data-value") or "nan") for c in foot] == [costs[f] for f in fields]
    assert page.locator("#costs-table thead th").nth(7).inner_text() == "TOTAL (CHF)"
    assert page.locator("#costs-tariffs").inner_text() == "Tariffs: flat tariff"
    page.screenshot(path=str(screenshots / "analytics-phone-dark-en.png"), full_page=True)


def test_forecast_states_tomorrow_priced_and_insufficient_history(
    open_page: Any, analytics_dashboard: Dashboard
) -> None:
    """The sentence of a priced tomorrow and the message of a 409 (answers rewritten in the
    browser: the seeded data end long before tomorrow and have enough history)."""
    dash = analytics_dashboard
    page, problems = open_page(locale="en-GB")
    problems.expect("status of 409")
    login(page, dash, lang="en")
    mode = {"answer": "priced"}

    def rewrite(route: Any) -> None:
        if mode["answer"] == "insufficient":
            route.fulfill(status=409, content_type="application/json", body=json.dumps({
                "error": "insufficient_history",
                "message": "no forecast yet: 3 days of history, at least 7 are needed",
            }))
            return
        response = route.fetch()
        body = response.json()
        body["tomorrow"] = {"date": "2026-11-14", "energy_kwh": 8.43, "expected_cost": 2.694, "currency": "CHF"}
        route.fulfill(response=response, body=json.dumps(body))

    page.route("**/api/forecast?*", rewrite)
    page.goto(f"{dash.url}/analytics?from=2026-10-15&to=2026-11-13")
    wait_page(page)
    tomorrow = page.locator("#tomorrow")
    assert tomorrow.get_attribute("data-state") == "priced"
    assert tomorrow.inner_text() == "Expected tomorrow (Sat 14 Nov): 8.4 kWh, 2.69 CHF"
    assert page.locator("#tomorrow-energy").inner_text() == "8.4"

    mode["answer"] = "insufficient"
    page.click("[data-horizon='week']")
    page.wait_for_selector("body[data-forecast='insufficient']")
    message = page.locator("#forecast-message")
    assert message.is_visible()
    assert message.inner_text() == (
        "No forecast yet: the history is too short. 3 days of history, at least 7 are needed"
    )
    assert message.locator(".detail").get_attribute("lang") == "en"
    assert page.locator("#forecast-body").is_hidden()
    assert page.locator("#forecast-error").is_hidden()
    # The other sections are unaffected.
    assert page.locator("#costs-table tbody tr").count() == 12
