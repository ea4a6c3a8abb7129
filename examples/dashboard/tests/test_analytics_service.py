"""The analytics job: alerts from a scan, their webhook delivery (retried, signed), model choice."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from dashboard.analytics.service import AnalyticsJob, WebhookNotifier, notifiable, selection_for
from dashboard.config import Config, ConfigError
from dashboard.store import Alert, Sample, Store

SECRET = "s3cret-for-the-hook"


class Hook:
    """An HTTP server on 127.0.0.1 that records POSTs and answers the queued statuses."""

    def __init__(self) -> None:
        self.bodies: List[Tuple[Dict[str, str], bytes]] = []
        self.statuses: List[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                status = hook.statuses.pop(0) if hook.statuses else 200
                if status == 200:
                    hook.bodies.append(({k: v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *_a: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


def config(tmp_path: Path, **analytics: Any) -> Config:
    return Config.from_dict(
        {"meter": {"timezone": "Europe/Zurich"}, "costs": {"price_per_kwh": 0.25},
         "analytics": analytics},
        path=tmp_path / "c.toml",
    )


def alert(store: Store, meter: int, kind: str, start: int, severity: str, found: int) -> int:
    (aid,) = store.upsert_alerts(meter, [{
        "key": f"{kind}:{start}", "kind": kind, "start": start, "end": start + 3600, "severity": severity,
        "message": f"{kind} at {start}", "value": 1.0, "expected": None, "unit": "W", "score": 3.0,
    }], now=found)
    return aid


def test_webhook_retries_until_delivered_and_signs(tmp_path: Path, store: Store, hook: Hook) -> None:
    mid = store.ensure_meter("42", "Maison", "Europe/Zurich", gap_seconds=2700)
    cfg = config(tmp_path, webhook_url=hook.url, webhook_secret=SECRET, webhook_min_severity="warning")
    notifier = WebhookNotifier(cfg, store)
    assert notifier.deliver() == 0  # the cursor starts after what is stored
    t = 1_790_000_000
    a1 = alert(store, mid, "high_load", t, "warning", t + 3600)
    alert(store, mid, "unusual_day", t, "info", t + 3600)  # below the minimum severity
    a3 = alert(store, mid, "voltage", t + 7200, "critical", t + 9000)
    hook.statuses = [503]
    with pytest.raises(OSError, match="webhook answered 503"):
        notifier.deliver()
    assert hook.bodies == []
    assert notifier.deliver() == 2
    assert notifier.deliver() == 0  # nothing twice
    ids = []
    for headers, body in hook.bodies:
        mac = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Compteur-Signature"] == f"sha256={mac}"
        assert headers["Content-Type"] == "application/json"
        payload = json.loads(body)
        assert payload["type"] == "alert"
        ids.append(payload["alert"]["id"])
        assert payload["alert"]["meter"] == {"id": mid, "serial": "42", "name": "Maison"}
    assert ids == [a1, a3]
    assert SECRET not in repr(cfg)


def test_an_unreachable_webhook_keeps_the_alert(tmp_path: Path, store: Store) -> None:
    mid = store.ensure_meter("42", "Maison", "Europe/Zurich", gap_seconds=2700)
    cfg = config(tmp_path, webhook_url="http://127.0.0.1:9/none", webhook_timeout=2.0)
    notifier = WebhookNotifier(cfg, store)
    notifier.deliver()
    alert(store, mid, "gap", 1_790_000_000, "warning", 1_790_003_600)
    with pytest.raises(OSError, match="webhook unreachable"):
        notifier.deliver()
    assert store.state()[WebhookNotifier.CURSOR] == 0


def test_old_alerts_are_stored_not_notified() -> None:
    def a(severity: str, end: int, found: int) -> Alert:
        return Alert(1, 1, "k", "gap", 0, end, severity, "m", None, None, "h", None, found, None, None)

    assert notifiable(a("warning", 1000, 1000 + 86400), "warning")
    assert not notifiable(a("warning", 1000, 1000 + 3 * 86400), "warning")
    assert not notifiable(a("info", 1000, 1000), "warning")
    assert notifiable(a("critical", 1000, 1000), "warning")


def test_the_job_stores_alerts_and_chooses_a_model(tmp_path: Path, seeded_store: Store, hook: Hook) -> None:
    store = seeded_store
    # 3 kW more for 6 hours on the last day of the seeded data
    import dashboard_conftest as seeded  # type: ignore[import-not-found]

    info = seeded.SeedInfo()
    lo, hi = info.end - 18 * 3600, info.end - 12 * 3600
    extra = 0.0
    rows = []
    for s in seeded.generate(info, lo, info.end):
        if lo < s.ts <= hi:
            extra += 3000.0 * info.step / 3600.0
        v = dict(s.values)
        v["active_energy_import"] = (v["active_energy_import"] or 0.0) + extra
        rows.append(Sample(s.ts, v, s.dst, ()))
    from sqlalchemy import text

    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM readings WHERE ts >= :lo"), {"lo": lo})
    store.add_readings(1, rows)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE meters SET dirty_from = :lo"), {"lo": lo})
    store.update_aggregates(1)
    cfg = config(tmp_path, webhook_url=hook.url)
    job = AnalyticsJob(cfg, store)
    job.webhook.deliver()  # cursor at the start, as on a first run
    done = job.cycle(now=info.end + 600)
    assert done["new_alerts"] >= 1
    stored = store.alerts(1)
    kinds = {a.kind for a in stored}
    assert "high_load" in kinds
    high = next(a for a in stored if a.kind == "high_load")
    assert lo <= high.start <= lo + 1800 and high.value >= 2000
    assert high.details == {"template": "high_load", "power_w": pytest.approx(high.value),
                            "hours": pytest.approx((high.end - high.start) / 3600)}
    # the webhook got the recent ones (found within two days of their end), with their details
    sent = [json.loads(b)["alert"]["kind"] for _h, b in hook.bodies]
    assert "high_load" in sent
    pushed = next(json.loads(b)["alert"] for _h, b in hook.bodies if json.loads(b)["alert"]["kind"] == "high_load")
    assert pushed["details"] == {"template": "high_load", "power_w": pytest.approx(high.value),
                                 "hours": pytest.approx((high.end - high.start) / 3600)}
    assert done["webhook"] == len(sent)
    sel = selection_for(store, store.meters()[0])
    assert sel is not None and sel["best"] in ("seasonal_naive", "same_hour_average", "ets", "gradient_boosting")
    assert done["models"] == {1: sel["best"]}
    # a second cycle adds nothing and sends nothing again
    again = job.cycle(now=info.end + 1200)
    assert again["new_alerts"] == 0 and again["webhook"] == 0 and again["models"] == {}


@pytest.mark.parametrize("analytics, key, reason", [
    ({"webhook_url": "ftp://x"}, "analytics.webhook_url", "http:// or https://"),
    ({"forecast_model": "magic"}, "analytics.forecast_model", "must be \"auto\" or one of"),
    ({"thresholds": {"high_load_w": "lots"}}, "analytics.thresholds.high_load_w", "must be a number"),
    ({"thresholds": {"volume": 3}}, "analytics.thresholds.volume", "unknown setting"),
    ({"thresholds": {"night_start": 30.0}}, "analytics.thresholds", "night_start"),
    ({"scan_interval": 5}, "analytics.scan_interval", "at least 60"),
    ({"webhook_min_severity": "loud"}, "analytics.webhook_min_severity", "must be one of"),
])
def test_bad_analytics_config(tmp_path: Path, analytics: Dict[str, Any], key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as e:
        config(tmp_path, **analytics)
    assert e.value.key == key
    assert reason in e.value.reason


def test_thresholds_reach_the_detectors(tmp_path: Path) -> None:
    cfg = config(tmp_path, thresholds={"high_load_w": 3500, "expect_export": True})
    s = cfg.analytics.settings()
    assert s.high_load_w == 3500.0 and s.expect_export is True
