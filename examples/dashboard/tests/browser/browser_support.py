"""Helpers of the browser tests: the running dashboard, synthetic readings, login."""


from __future__ import annotations

import importlib.util
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional
from zoneinfo import ZoneInfo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ZONE_NAME = "Europe/Zurich"
ZONE = ZoneInfo(ZONE_NAME)
HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
VENDOR = PROJECT / "dashboard" / "web" / "static" / "vendor" / "chart.umd.js"
USERNAME = "admin"
PASSWORD = "browser-test-password"
SEED_DAYS = 14
SEED_STEP = 120
DEMO_INTERVAL = 2.0


@dataclass
class Dashboard:
    """A running dashboard: its base URL, the login, and how it was started."""

    url: str
    username: str
    password: str
    mode: str
    meter_id: int
    timezone: str = ZONE_NAME
    gap_day: Optional[str] = None
    """A local date (YYYY-MM-DD) whose data has a recorded gap, when known."""
    log: List[str] = field(default_factory=list)


# ------------------------------------------------------------------------------- helpers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Optional[BaseException] = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
            last = exc
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise RuntimeError(f"the dashboard did not answer at {url} within {timeout} s: {last}")


def demo_available() -> bool:
    if importlib.util.find_spec("dashboard.demo") is None:
        return False
    try:
        import compteur
    except ImportError:
        return False
    return hasattr(compteur.Simulator, "push_frames") and hasattr(compteur.Simulator, "serve_push")


def _power(ts: int) -> Dict[str, float]:
    """A plausible household: base load, an evening peak, solar export around noon."""
    local = datetime.fromtimestamp(ts, ZONE)
    h = local.hour + local.minute / 60
    day = local.toordinal()
    busy = 0.75 + 0.5 * (0.5 + 0.5 * math.sin(day * 2.3))
    sunny = 0.35 + 0.65 * (0.5 + 0.5 * math.sin(day * 1.7 + 1.0))
    wobble = 0.5 + 0.5 * math.sin(ts / 977.0) * math.sin(ts / 313.0)
    load = busy * (260.0 + 380.0 * max(0.0, math.sin((h - 6.0) / 17.0 * math.pi))) + 160.0 * wobble
    if 18.0 <= h < 21.5:
        load += 1100.0 * busy
    solar = sunny * 1900.0 * max(0.0, math.sin((h - 8.0) / 9.0 * math.pi)) if 8.0 <= h <= 17.0 else 0.0
    net = load - solar
    return {"import": max(net, 0.0), "export": max(-net, 0.0)}


class _Feeder:
    """Synthetic readings: a history up to now, then one new reading per second."""

    def __init__(self, store: Any, meter_id: int) -> None:
        self.store = store
        self.meter_id = meter_id
        self.e_import = 14_855_846.0
        self.e_export = 1_234_567.0
        self.last_ts: Optional[int] = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="browser-feeder", daemon=True)
        self.error: Optional[BaseException] = None

    def sample(self, ts: int) -> Any:
        from dashboard.store import Sample

        if self.last_ts is not None:
            p = _power(self.last_ts)
            dt = ts - self.last_ts
            self.e_import += p["import"] * dt / 3600.0
            self.e_export += p["export"] * dt / 3600.0
        self.last_ts = ts
        p = _power(ts)
        i1 = (p["import"] + p["export"] + 90.0) / 690.0
        values = {
            "active_energy_import": round(self.e_import),
            "active_energy_export": round(self.e_export),
            "reactive_energy_import": round(self.e_import * 0.08),
            "reactive_energy_export": round(self.e_export * 0.02),
            "active_power_import": round(p["import"]),
            "active_power_export": round(p["export"]),
            "reactive_power_import": round(p["import"] * 0.12),
            "reactive_power_export": 0.0,
            "voltage_l1": round(229.0 + 3.0 * math.sin(ts / 40.0), 1),
            "voltage_l2": round(231.0 + 2.0 * math.sin(ts / 55.0), 1),
            "voltage_l3": round(230.0 + 2.5 * math.sin(ts / 70.0), 1),
            "current_l1": round(i1, 2),
            "current_l2": round(i1 * 0.85, 2),
            "current_l3": round(i1 * 1.15, 2),
            "power_factor": 0.96,
            "frequency": round(50.0 + 0.02 * math.sin(ts / 30.0), 3),
        }
        obis = [
            ("1.0.1.8.0.255", values["active_energy_import"], "Wh"),
            ("1.0.2.8.0.255", values["active_energy_export"], "Wh"),
            ("1.0.1.7.0.255", values["active_power_import"], "W"),
            ("1.0.2.7.0.255", values["active_power_export"], "W"),
            ("1.0.32.7.0.255", values["voltage_l1"], "V"),
            ("1.0.31.7.0.255", values["current_l1"], "A"),
        ]
        dst = bool(datetime.fromtimestamp(ts, ZONE).dst())
        return Sample(ts, values, dst, obis)

    def seed(self, now: int) -> str:
        """Store the history; returns the local date of the day holding the gap."""
        today = datetime.fromtimestamp(now, ZONE).date()
        first = datetime.combine(today - timedelta(days=SEED_DAYS), datetime.min.time(), ZONE)
        gap_day = today - timedelta(days=2)
        gap_from = int(datetime.combine(gap_day, datetime.min.time(), ZONE).replace(hour=10).timestamp())
        gap_to = gap_from + 3 * 3600
        samples = []
        ts = int(first.timestamp())
        while ts <= now - 1:
            sample = self.sample(ts)
            if not gap_from <= ts < gap_to:
                samples.append(sample)
            ts += SEED_STEP
        # The last minutes at the live rate, so the live chart starts filled.
        for i in range(600, 0, -5):
            if now - i > ts - SEED_STEP:
                samples.append(self.sample(now - i))
        for start in range(0, len(samples), 2000):
            self.store.add_readings(self.meter_id, samples[start:start + 2000])
        self.store.update_aggregates(self.meter_id)
        return gap_day.isoformat()

    def _run(self) -> None:
        last_aggregate = time.monotonic()
        try:
            while not self.stop.wait(1.0):
                ts = int(time.time())
                if self.last_ts is not None and ts <= self.last_ts:
                    continue
                self.store.add_readings(self.meter_id, [self.sample(ts)])
                if time.monotonic() - last_aggregate > 10:
                    self.store.update_aggregates(self.meter_id)
                    last_aggregate = time.monotonic()
        except BaseException as exc:  # noqa: BLE001 - reported by the fixture
            self.error = exc



# Counts the pixels of a canvas close to each of the given CSS colours (opaque enough): proves
# that bars or lines were drawn, not just the axes. `hits` counts a pixel once if it matches
# any colour, `per_colour` per colour; `opaque`, `total` and the PNG length come along.
COUNT_PIXELS = """
([id, names]) => {
  const canvas = document.getElementById(id);
  const style = getComputedStyle(document.documentElement);
  const probe = document.createElement('canvas').getContext('2d');
  const targets = names.map((name) => {
    probe.fillStyle = '#000';
    probe.fillStyle = style.getPropertyValue(name).trim();
    const hex = probe.fillStyle;
    if (hex.startsWith('#')) return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    return hex.match(/[\\d.]+/g).slice(0, 3).map(Number);
  });
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let hits = 0;
  let opaque = 0;
  const perColour = targets.map(() => 0);
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] < 200) continue;
    opaque += 1;
    let any = false;
    targets.forEach(([r, g, b], k) => {
      if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60) { perColour[k] += 1; any = true; }
    });
    if (any) hits += 1;
  }
  return { hits, per_colour: perColour, opaque, total: canvas.width * canvas.height,
           dataUrl: canvas.toDataURL('image/png').length };
}
"""

# ------------------------------------------------------------------------------- servers


def start_inprocess(
    tmp: Path,
    *,
    extra_config: Optional[Mapping[str, Mapping[str, Any]]] = None,
    prepare: Optional[Callable[[Any], int]] = None,
) -> Iterator[Dashboard]:
    """Serve the dashboard with waitress in this process, over a SQLite store in ``tmp``.

    ``extra_config`` is merged section by section over the base configuration (its keys win).
    Without ``prepare`` the store holds :data:`SEED_DAYS` days of readings up to now (with a
    3-hour gap two days ago) and a thread adds one reading every second; with it,
    ``prepare(store)`` fills the store and returns the meter id, and nothing is fed live.
    """
    from dashboard.config import Config
    from dashboard.store import Store
    from dashboard.web.auth import hash_password
    from dashboard.web.server import make_server

    data: Dict[str, Dict[str, Any]] = {
        "meter": {"name": "Maison", "timezone": ZONE_NAME},
        "source": {"kind": "simulator"},
        "database": {"url": f"sqlite:///{tmp / 'dashboard.db'}"},
        "web": {"host": "127.0.0.1", "port": 5000, "language": "fr", "secret_key_file": "secret_key"},
        "costs": {"price_per_kwh": 0.2816, "monthly_fee": 9.5, "currency": "CHF"},
    }
    for section, values in (extra_config or {}).items():
        data[section] = {**data.get(section, {}), **values}
    timezone = str(data["meter"]["timezone"])
    config = Config.from_dict(data, path=tmp / "config.toml")
    store = Store.open(config.database.url)
    feeder: Optional[_Feeder] = None
    gap_day: Optional[str] = None
    if prepare is None:
        meter_id = store.ensure_meter("1909113", str(data["meter"]["name"]), timezone, gap_seconds=10 * 60.0)
    else:
        meter_id = prepare(store)
    store.create_user(USERNAME, hash_password(PASSWORD), True)
    if prepare is None:
        feeder = _Feeder(store, meter_id)
        gap_day = feeder.seed(int(time.time()))
        feeder.thread.start()
    server = make_server(config, store, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, name="browser-waitress", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    try:
        _wait_http(f"{url}/api/health", 15)
        yield Dashboard(url, USERNAME, PASSWORD, "inprocess", meter_id, timezone=timezone, gap_day=gap_day)
    finally:
        if feeder is not None:
            feeder.stop.set()
        state = getattr(server, "application_state", None)
        if state is not None and hasattr(state, "stopping"):
            state.stopping.set()  # ends the live view's event streams
        server.close()
        thread.join(5)
        if feeder is not None:
            feeder.thread.join(5)
        store.close()
        if feeder is not None and feeder.error is not None:
            raise RuntimeError(f"the reading feeder failed: {feeder.error!r}")


def start_demo(tmp: Path) -> Iterator[Dashboard]:
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log_path = tmp / "demo.log"
    log = open(log_path, "w+", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "demo", "--dir", str(tmp / "demo"), "--port", str(port),
         "--interval", str(DEMO_INTERVAL)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=str(PROJECT),
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the demo exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/api/health", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"the demo did not start within 60 s:\n{log_path.read_text()}")
        text = log_path.read_text(encoding="utf-8")
        found = re.search(r"log in as (\S+) / (\S+)", text)
        if not found:
            raise RuntimeError(f"cannot find the admin login in the demo output:\n{text}")
        yield Dashboard(url, found.group(1), found.group(2), "demo", 1)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()



def login(page: Any, dashboard: Dashboard, *, lang: Optional[str] = None) -> None:
    """Log in through the form and wait for the live view."""
    suffix = f"?lang={lang}" if lang else ""
    page.goto(f"{dashboard.url}/login{suffix}")
    page.fill("#username", dashboard.username)
    page.fill("#password", dashboard.password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))
    page.wait_for_selector("body[data-ready='true']")


def copy_to_docs(source: Path, name: str) -> None:
    """Copy a screenshot into docs/img (only when DASHBOARD_DOCS_SCREENSHOTS is set)."""
    if os.environ.get("DASHBOARD_DOCS_SCREENSHOTS"):
        target = PROJECT.parent.parent / "docs" / "img" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


class PageProblems:
    """Console errors, page errors, failed requests and CSP violations seen by a page."""

    def __init__(self) -> None:
        self.messages: List[str] = []
        self.expected: List[str] = []

    def expect(self, fragment: str) -> None:
        """Accept console errors containing ``fragment`` (an error status the test provokes)."""
        self.expected.append(fragment)

    def watch(self, page: Any) -> None:
        """Listen to the page's console, errors and failed requests."""
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)

    def _console(self, message: Any) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            where = (message.location or {}).get("url", "")
            text = f"console {message.type}: {message.text} ({where})"
            if not any(fragment in text for fragment in self.expected):
                self.messages.append(text)

    def _failed(self, request: Any) -> None:
        failure = request.failure or ""
        # Closing a page or navigating away aborts its open event stream and any fetch still
        # loading: not a problem of the page. An aborted POST (a lost user action) still counts.
        if "ERR_ABORTED" in failure and request.method == "GET":
            return
        self.messages.append(f"request failed: {request.url} {failure}")

    def check(self, page: Any) -> None:
        """Fail when the page saw a problem or a CSP violation."""
        try:
            violations = page.evaluate("() => window.__cspViolations || []")
        except Exception:  # noqa: BLE001 - the page may be closed already
            violations = []
        problems = self.messages + [f"CSP violation: {v}" for v in violations]
        assert not problems, "problems in the browser:\n" + "\n".join(problems)


CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""
