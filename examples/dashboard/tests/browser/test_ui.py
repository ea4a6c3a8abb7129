"""The dashboard in a real browser: login, live updates, charts, range selection, logout.

Each page opened through ``open_page`` fails its test on any console error, page error,
failed request or Content-Security-Policy violation (see conftest.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Dict
from zoneinfo import ZoneInfo

import pytest

from browser_support import COUNT_PIXELS, CSP_WATCH, Dashboard, PageProblems, copy_to_docs, login

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def drawn_pixels(page: Any, canvas_id: str, *colors: str) -> Dict[str, Any]:
    """Pixel counts of a canvas (see COUNT_PIXELS)."""
    return dict(page.evaluate(COUNT_PIXELS, [canvas_id, list(colors)]))


def assert_chart_drawn(page: Any, canvas_id: str, *colors: str) -> None:
    """The canvas shows at least a few hundred pixels of the series colours."""
    counts = drawn_pixels(page, canvas_id, *colors)
    assert counts["total"] > 10_000, counts
    assert counts["hits"] > 300, f"{canvas_id} shows no data: {counts}"
    assert counts["dataUrl"] > 5_000, counts


def wait_history(page: Any) -> None:
    """Wait until the history view has loaded its period."""
    page.wait_for_selector("body[data-ready='true'][data-loading='false']")
    page.wait_for_timeout(350)  # the bars' short animation


def local_today(dashboard: Dashboard) -> date:
    """Today in the meter's time zone."""
    return datetime.now(ZoneInfo(dashboard.timezone)).date()


def api(page: Any, dashboard: Dashboard, path: str, **params: Any) -> Dict[str, Any]:
    """GET an API document with the page's session cookie."""
    query = {"meter": str(dashboard.meter_id), **{k: str(v) for k, v in params.items()}}
    response = page.request.get(f"{dashboard.url}{path}", params=query)
    assert response.status == 200, (path, response.status, response.text())
    return dict(response.json())


def shot(page: Any, folder: Path, name: str, docs_name: str = "") -> Path:
    """Write a full-page screenshot; optionally also into docs/img."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    if docs_name:
        copy_to_docs(path, docs_name)
    return path


def drag(page: Any, canvas_id: str, start: float, end: float) -> None:
    """Drag horizontally across a chart from ``start`` to ``end`` (fractions of its width)."""
    box = page.locator(f"#{canvas_id}").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] * 0.45
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    steps = 12
    for k in range(1, steps + 1):
        x = start + (end - start) * k / steps
        page.mouse.move(box["x"] + box["width"] * x, y)
    page.mouse.up()


def format_fr(page: Any, value: float) -> str:
    """The number as the page shows it in French (2 decimals)."""
    return str(
        page.evaluate(
            "(v) => new Intl.NumberFormat('fr-CH', {minimumFractionDigits: 2, maximumFractionDigits: 2}).format(v)",
            value,
        )
    )


# --------------------------------------------------------------------------------- tests


def test_redirects_to_login_and_refuses_wrong_password(open_page: Any, dashboard: Dashboard) -> None:
    """Anonymous visitors land on the login form; a wrong password shows the French error."""
    page, problems = open_page()
    # The refused login answers 401, which Chromium reports on the console.
    problems.expect("status of 401 (UNAUTHORIZED) (" + dashboard.url + "/login")
    page.goto(f"{dashboard.url}/history?lang=fr")
    assert "/login" in page.url
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("#login-heading").inner_text() == "Connexion"
    page.fill("#username", dashboard.username)
    page.fill("#password", "not the password")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#login-error")
    assert page.locator("#login-error").inner_text() == "Nom d’utilisateur ou mot de passe incorrect."


def test_live_history_selection_logout(open_page: Any, dashboard: Dashboard, screenshots: Path) -> None:
    """The whole journey in French on a desktop, light theme."""
    page, _ = open_page(viewport=DESKTOP, color_scheme="light")
    login(page, dashboard, lang="fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator(".mainnav a[aria-current='page']").inner_text() == "En direct"

    # Live view: the stream is open and a new reading arrives within a few seconds.
    page.wait_for_selector("#stream-status[data-state='live']")
    first = page.locator("#last-reading").get_attribute("data-value")
    assert first, "no reading shown"
    page.wait_for_function(
        "(before) => document.getElementById('last-reading').dataset.value !== before",
        arg=first,
        timeout=12_000,
    )
    # Every number shown is the stored value of the reading the page names.
    snapshot = page.evaluate(
        """() => ({
          time: document.getElementById('last-reading').dataset.value,
          values: Object.fromEntries([...document.querySelectorAll('output[data-quantity]')]
            .map((el) => [el.dataset.quantity, el.dataset.value])),
        })"""
    )
    moment = datetime.fromisoformat(snapshot["time"])
    stored = api(
        page, dashboard, "/api/readings", resolution="raw", quantity=",".join(snapshot["values"]),
        **{"from": moment.isoformat(), "to": (moment + timedelta(seconds=1)).isoformat()},
    )
    assert stored["time"] and datetime.fromisoformat(stored["time"][0]) == moment
    assert len(snapshot["values"]) >= 10
    for quantity, shown in snapshot["values"].items():
        value = stored["series"][quantity][0]
        if value is None:
            assert shown == "", quantity
        else:
            assert float(shown) == value, (quantity, shown, value)
    assert snapshot["values"]["voltage_l1"] != "" and 180 < float(snapshot["values"]["voltage_l1"]) < 260
    kw = page.locator("#power-import").inner_text()
    assert kw == format_fr(page, float(snapshot["values"]["active_power_import"]) / 1000) or kw != ""
    # Today's energy and cost run up to the reading shown and equal the API's for that range.
    page.wait_for_function(
        "() => { const e = document.getElementById('today-energy');"
        " return e.dataset.to === document.getElementById('last-reading').dataset.value; }"
    )
    today = page.evaluate(
        """() => { const e = document.getElementById('today-energy');
          return { from: e.dataset.from, to: e.dataset.to, energy: e.dataset.value, text: e.textContent,
                   cost: document.getElementById('today-cost').dataset.value }; }"""
    )
    today_costs = api(page, dashboard, "/api/costs", **{"from": today["from"], "to": today["to"]})
    assert today["from"] == f"{local_today(dashboard).isoformat()}T00:00:00"
    assert float(today["energy"]) == today_costs["energy_kwh"]
    assert today["text"] == format_fr(page, today_costs["energy_kwh"])
    assert float(today["cost"]) == today_costs["total"]
    page.wait_for_timeout(300)
    assert_chart_drawn(page, "live-chart", "--c-import", "--c-export")
    shot(page, screenshots, "live-desktop-light-fr", "dashboard-live-light.png")

    # History, day view of yesterday (complete data).
    yesterday = local_today(dashboard) - timedelta(days=1)
    page.click(".mainnav a[href$='/history']")
    page.wait_for_url(re.compile(r".*/history.*"))
    wait_history(page)
    page.fill("#period-date", yesterday.isoformat())
    page.dispatch_event("#period-date", "change")
    wait_history(page)
    assert "view=day" in page.url and f"date={yesterday.isoformat()}" in page.url
    assert_chart_drawn(page, "history-chart", "--c-import", "--c-export")
    day_costs = api(page, dashboard, "/api/costs", **{"from": f"{yesterday}T00:00:00", "to": f"{yesterday + timedelta(days=1)}T00:00:00"})
    assert float(page.locator("#total-import").get_attribute("data-value") or "nan") == day_costs["energy_kwh"]
    assert page.locator("#total-import").inner_text() == format_fr(page, day_costs["energy_kwh"])
    assert float(page.locator("#total-cost").get_attribute("data-value") or "nan") == day_costs["total"]

    # Range selection by dragging: the energy shown is the API's energy of that range.
    drag(page, "history-chart", 0.3, 0.62)
    page.wait_for_selector("#selection-energy[data-state='done']")
    energy = page.locator("#selection-energy")
    start, end = energy.get_attribute("data-from"), energy.get_attribute("data-to")
    assert start and end
    t0 = datetime.fromisoformat(start)
    t1 = datetime.fromisoformat(end)
    assert timedelta(hours=4) < t1 - t0 < timedelta(hours=12), (start, end)
    assert (t1 - t0).total_seconds() % 900 == 0
    costs = api(page, dashboard, "/api/costs", **{"from": start, "to": end})
    assert float(energy.get_attribute("data-value") or "nan") == costs["energy_kwh"]
    assert energy.inner_text() == format_fr(page, costs["energy_kwh"])
    assert float(page.locator("#selection-cost").get_attribute("data-value") or "nan") == costs["total"]
    # The same energy as the sum of the 15-minute bars of the range.
    bars = api(page, dashboard, "/api/readings", **{"from": start, "to": end, "resolution": "15m", "quantity": "active_energy_import"})
    summed = sum(v or 0.0 for v in bars["series"]["active_energy_import"]) / 1000
    assert abs(summed - costs["energy_kwh"]) < 0.01, (summed, costs["energy_kwh"])
    assert page.locator("#selection-range").inner_text()
    page.mouse.move(5, 5)  # no tooltip on the screenshot
    page.wait_for_timeout(600)
    shot(page, screenshots, "history-day-selection-desktop-light-fr", "dashboard-history-light.png")
    page.click("#selection-clear")
    assert page.locator("#selection").is_hidden()

    # CSV export of the loaded series.
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    day = api(page, dashboard, "/api/readings", **{"from": f"{yesterday}T00:00:00", "to": f"{yesterday + timedelta(days=1)}T00:00:00", "resolution": "15m"})
    assert lines[0] == "start,resolution,active_energy_import_kwh,active_energy_export_kwh"
    assert len(lines) - 1 == len(day["time"]) >= 90
    first_row = lines[1].split(",")
    assert first_row[0] == day["time"][0] and first_row[1] == "15m"
    assert abs(float(first_row[2]) - day["series"]["active_energy_import"][0] / 1000) < 1e-4
    assert download.suggested_filename.endswith(f"-day-{yesterday.isoformat()}.csv")

    # Compare with the previous day: a second chart and the totals side by side.
    page.check("#compare-toggle")
    wait_history(page)
    assert page.locator("#figure-b").is_visible()
    assert_chart_drawn(page, "compare-chart", "--c-compare")
    before = api(page, dashboard, "/api/costs", **{"from": f"{yesterday - timedelta(days=1)}T00:00:00", "to": f"{yesterday}T00:00:00"})
    cell = page.locator("#compare-table tr[data-row='import'] td.b").inner_text()
    assert cell == format_fr(page, before["energy_kwh"])
    shot(page, screenshots, "history-compare-desktop-light-fr")
    page.uncheck("#compare-toggle")
    wait_history(page)

    # Week, month and year views each draw their bars.
    for view, label in (("week", "Semaine"), ("month", "Mois"), ("year", "Année")):
        button = page.locator(f".segment[data-view='{view}']")
        assert button.inner_text() == label
        button.click()
        wait_history(page)
        assert button.get_attribute("aria-pressed") == "true"
        assert_chart_drawn(page, "history-chart", "--c-import", "--c-export")
        shot(page, screenshots, f"history-{view}-desktop-light-fr")

    # Logout: back to the login form, and the API refuses the old session.
    page.click("#logout-button")
    page.wait_for_url(re.compile(r".*/login.*"))
    response = page.request.get(f"{dashboard.url}/api/data")
    assert response.status == 401


def test_gaps_are_shown(open_page: Any, seeded_dashboard: Dashboard, screenshots: Path) -> None:
    """A day with a recorded gap lists it, shades it on the chart and is marked incomplete."""
    dashboard = seeded_dashboard
    page, _ = open_page()
    login(page, dashboard, lang="en")
    today = local_today(dashboard)
    found = api(page, dashboard, "/api/readings", **{"from": (today - timedelta(days=60)).isoformat(), "to": today.isoformat(), "resolution": "1d"})
    closed = [g for g in found["gaps"] if g["to"]]
    assert closed, "the test data holds no gap"
    gap = closed[-1]
    gap_day = datetime.fromisoformat(gap["from"]).astimezone(ZoneInfo(dashboard.timezone)).date()
    page.goto(f"{dashboard.url}/history?view=day&date={gap_day.isoformat()}")
    wait_history(page)
    assert page.locator("#gaps").is_visible()
    items = page.locator("#gap-list li")
    assert items.count() >= 1
    assert page.locator("#completeness").get_attribute("data-state") == "incomplete"
    assert page.locator("#completeness").inner_text() == "Incomplete"
    # The hatched band: the gap colour appears on the canvas.
    counts = drawn_pixels(page, "history-chart", "--c-gap")
    assert counts["opaque"] > 0
    shaded = page.evaluate(
        """() => {
          const canvas = document.getElementById('history-chart');
          const ctx = canvas.getContext('2d');
          const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
          let reddish = 0;
          for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] > 30 && data[i] > data[i + 1] + 40 && data[i] > data[i + 2] + 40) reddish += 1;
          }
          return reddish;
        }"""
    )
    assert shaded > 200, shaded
    shot(page, screenshots, "history-gap-desktop-light-en")

    # Keyboard selection: Home, then Shift+→ seven times = the first two hours of the day.
    page.focus("#history-chart")
    page.keyboard.press("Home")
    for _ in range(7):
        page.keyboard.press("Shift+ArrowRight")
    page.wait_for_selector("#selection-energy[data-state='done']")
    energy = page.locator("#selection-energy")
    start = datetime.fromisoformat(energy.get_attribute("data-from") or "")
    end = datetime.fromisoformat(energy.get_attribute("data-to") or "")
    midnight = datetime(gap_day.year, gap_day.month, gap_day.day, tzinfo=ZoneInfo(dashboard.timezone))
    assert start == midnight and end - start == timedelta(hours=2), (start, end)
    costs = api(page, dashboard, "/api/costs", **{"from": start.isoformat(), "to": end.isoformat()})
    assert float(energy.get_attribute("data-value") or "nan") == costs["energy_kwh"] > 0
    assert energy.inner_text() == f"{costs['energy_kwh']:.2f}"


def test_english_dark_phone(open_page: Any, dashboard: Dashboard, screenshots: Path) -> None:
    """English strings, the dark theme from the system preference, a phone-sized screen."""
    page, _ = open_page(viewport=PHONE, color_scheme="dark", locale="en-GB", device_scale_factor=2)
    login(page, dashboard, lang="en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".mainnav a[aria-current='page']").inner_text() == "Live"
    assert page.locator("#power-import-label").inner_text().strip().lower() == "import"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    rgb = [int(x) for x in re.findall(r"\d+", background)[:3]]
    assert sum(rgb) < 150, background
    page.wait_for_selector("#stream-status[data-state='live']")
    assert page.locator("#stream-status").inner_text() == "Live"
    page.wait_for_timeout(300)
    assert_chart_drawn(page, "live-chart", "--c-import", "--c-export")
    # Nothing wider than the screen.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    shot(page, screenshots, "live-phone-dark-en", "dashboard-live-phone-dark.png")

    page.goto(f"{dashboard.url}/history?view=day&date={(local_today(dashboard) - timedelta(days=1)).isoformat()}")
    wait_history(page)
    assert page.locator(".segment[data-view='week']").inner_text() == "Week"
    assert_chart_drawn(page, "history-chart", "--c-import", "--c-export")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
    shot(page, screenshots, "history-phone-dark-en", "dashboard-history-phone-dark.png")


def test_theme_toggle_and_language_switch(open_page: Any, dashboard: Dashboard, screenshots: Path) -> None:
    """The theme button cycles auto → dark → light and is remembered; FR/EN links switch."""
    page, _ = open_page(color_scheme="light", locale="en-GB")
    login(page, dashboard)
    toggle = page.locator("#theme-toggle")
    assert toggle.get_attribute("data-choice") == "auto"
    toggle.click()
    assert page.locator("html").get_attribute("data-theme") == "dark"
    page.reload()
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("html").get_attribute("data-theme") == "dark"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert sum(int(x) for x in re.findall(r"\d+", background)[:3]) < 150, background
    shot(page, screenshots, "live-desktop-dark-toggle")
    page.locator("#theme-toggle").click()
    assert page.locator("html").get_attribute("data-theme") == "light"
    page.locator("#theme-toggle").click()
    assert page.locator("html").get_attribute("data-theme") is None
    assert page.locator("#theme-toggle").get_attribute("data-choice") == "auto"

    page.click(".langs a[hreflang='fr']")
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator(".mainnav a[href$='/history']").inner_text() == "Historique"
    page.goto(f"{dashboard.url}/history")  # the choice stays in the session
    wait_history(page)
    assert page.locator("h1").inner_text() == "Historique"
    assert page.locator(".segment[data-view='day']").inner_text() == "Jour"
    page.click(".segment[data-view='month']")
    wait_history(page)
    page.click(".langs a[hreflang='en']")  # keeps the view chosen on the page
    wait_history(page)
    assert page.locator("h1").inner_text() == "History"
    assert page.locator(".segment[data-view='month']").get_attribute("aria-pressed") == "true"
    assert "lang=en" in page.url and "view=month" in page.url


def test_settings_token_create_use_revoke(open_page: Any, dashboard: Dashboard, screenshots: Path) -> None:
    """A token made on the settings page opens the API once shown, and is refused once revoked."""
    page, _ = open_page(locale="en-GB")
    login(page, dashboard, lang="en")
    page.goto(f"{dashboard.url}/settings")
    page.wait_for_selector("body[data-ready='true']")
    page.fill("#token-name", "browser-test")
    page.click("#create-token-form button[type=submit]")
    page.wait_for_selector("#new-token-value")
    token = page.locator("#new-token-value").inner_text().strip()
    assert len(token) >= 40
    shot(page, screenshots, "settings-token-desktop-light-en")
    anonymous = page.context.browser.new_context()
    try:
        ok = anonymous.request.get(f"{dashboard.url}/api/meters", headers={"Authorization": f"Bearer {token}"})
        assert ok.status == 200
        page.goto(f"{dashboard.url}/settings")
        row = page.locator("#token-table tr", has_text="browser-test").last
        page.once("dialog", lambda dialog: dialog.accept())
        row.locator("button[type=submit]").click()
        page.wait_for_selector("#token-table tr:has-text('browser-test') .badge-revoked")
        refused = anonymous.request.get(f"{dashboard.url}/api/meters", headers={"Authorization": f"Bearer {token}"})
        assert refused.status == 401
    finally:
        anonymous.close()


def day_hours(day: date, zone: ZoneInfo) -> float:
    """Length of a local calendar day in hours (23 or 25 on the days the clocks change)."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return (end.timestamp() - start.timestamp()) / 3600


def test_day_and_week_follow_the_meter_clock(open_page: Any, dashboard: Dashboard) -> None:
    """One bar per local quarter hour: 92 or 100 on the days the clocks change, else 96.

    Uses a clock-change day when the stored history holds one (the demo keeps 60 days),
    otherwise yesterday; either way the number of bars must match the length of the day.
    """
    zone = ZoneInfo(dashboard.timezone)
    today = local_today(dashboard)
    candidates = [today - timedelta(days=n) for n in range(1, 55)]
    changes = [d for d in candidates if day_hours(d, zone) != 24]
    day = changes[0] if changes and dashboard.mode == "demo" else today - timedelta(days=1)
    page, _ = open_page(locale="en-GB")
    login(page, dashboard, lang="en")
    page.goto(f"{dashboard.url}/history?view=day&date={day.isoformat()}")
    wait_history(page)
    slots = page.evaluate("() => window.Chart.getChart('history-chart').data.labels.length")
    assert slots == day_hours(day, zone) * 4, (day.isoformat(), slots)
    assert_chart_drawn(page, "history-chart", "--c-import", "--c-export")
    page.click(".segment[data-view='week']")
    wait_history(page)
    monday = day - timedelta(days=day.weekday())
    week_hours = sum(day_hours(monday + timedelta(days=k), zone) for k in range(7))
    slots = page.evaluate("() => window.Chart.getChart('history-chart').data.labels.length")
    assert slots == week_hours, (monday.isoformat(), slots)


def test_the_problem_watch_catches_csp_violations_and_console_errors(browser: Any, dashboard: Dashboard) -> None:
    """The checks the other tests rely on do fail: an inline script and a console error."""
    context = browser.new_context()
    try:
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        problems = PageProblems()
        problems.watch(page)
        page.goto(f"{dashboard.url}/login")
        problems.check(page)  # a clean page passes
        page.evaluate(
            """() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                       document.body.append(s); }"""
        )
        page.wait_for_function("() => window.__cspViolations.length > 0")
        assert page.evaluate("() => window.__ran") is None  # the CSP blocked the inline script
        with pytest.raises(AssertionError, match="script-src"):
            problems.check(page)
        problems.messages.clear()
        page.evaluate("() => { window.__cspViolations = []; console.error('boom from the test'); }")
        with pytest.raises(AssertionError, match="boom from the test"):
            problems.check(page)
    finally:
        context.close()
