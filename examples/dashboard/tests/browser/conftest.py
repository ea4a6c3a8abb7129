"""Fixtures of the browser tests: a running dashboard and a Chromium driven by Playwright.

The dashboard runs for the whole session on a free port of 127.0.0.1:

* ``python -m dashboard demo`` in a subprocess when the demo command and the compteur
  simulator are available (the real application: simulator → push listener → collector →
  store → waitress), logging in with the admin password the demo prints;
* otherwise the Flask application of ``dashboard.web.create_app`` served by waitress
  (``dashboard.web.server.make_server``) in this process, over a SQLite store seeded with 14
  days of readings up to now (one every 2 minutes, a 3-hour gap two days ago) and fed a new
  reading every second by a thread standing in for the collector.

``DASHBOARD_BROWSER_MODE=demo|inprocess`` forces one of them. Chromium is Debian's
(``/usr/bin/chromium``, never downloaded). Every page records console errors and CSP
violations; tests assert there are none. Screenshots go to ``$DASHBOARD_SCREENSHOTS`` or
``tests/browser/screenshots/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CSP_WATCH,
    HERE,
    PROJECT,
    VENDOR,
    Dashboard,
    PageProblems,
    demo_available,
    start_demo,
    start_inprocess,
)


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """The running dashboard (see the module docstring for the two ways it is started)."""
    if not VENDOR.is_file():
        pytest.fail(
            f"{VENDOR} is missing: run `npm ci && python3 scripts/vendor.py` in {PROJECT}"
        )
    mode = os.environ.get("DASHBOARD_BROWSER_MODE") or ("demo" if demo_available() else "inprocess")
    tmp = tmp_path_factory.mktemp("browser-dashboard")
    starter = start_demo if mode == "demo" else start_inprocess
    yield from starter(tmp)


@pytest.fixture(scope="session")
def seeded_dashboard(
    dashboard: Dashboard, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Dashboard]:
    """A dashboard whose data hold a recorded gap: the in-process one (a second instance when
    the main one is the demo, whose simulated history has no gap)."""
    if dashboard.mode == "inprocess":
        yield dashboard
        return
    yield from start_inprocess(tmp_path_factory.mktemp("browser-seeded"))


# ------------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder screenshots are written to."""
    folder = Path(os.environ.get("DASHBOARD_SCREENSHOTS") or HERE / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """``open_page(viewport=..., color_scheme=..., locale=...)`` → (page, problems).

    Every page opened this way is checked for console errors and CSP violations at the end of
    the test.
    """
    opened: List[Any] = []

    def factory(
        *,
        viewport: Optional[Dict[str, int]] = None,
        color_scheme: str = "light",
        locale: str = "fr-CH",
        device_scale_factor: float = 1,
    ) -> Any:
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900},
            color_scheme=color_scheme,
            locale=locale,
            timezone_id="Europe/Zurich",
            device_scale_factor=device_scale_factor,
            accept_downloads=True,
        )
        context.add_init_script(CSP_WATCH)
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems()
        problems.watch(page)
        opened.append((context, page, problems))
        return page, problems

    yield factory
    failures = []
    for context, page, problems in opened:
        try:
            problems.check(page)
        except AssertionError as exc:
            failures.append(str(exc))
        finally:
            context.close()
    assert not failures, "\n".join(failures)


