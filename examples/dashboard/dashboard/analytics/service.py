"""Analytics over the store: anomaly scans, stored alerts and their delivery, forecasts.

Used by the web API (``/api/anomalies``, ``/api/forecast``) and by the collector's
:class:`AnalyticsJob`, which scans every meter every ``[analytics] scan_interval`` seconds,
stores what it finds as alerts (acknowledgements survive rescans), hands new recent alerts to
the webhook (``[analytics] webhook_url``; MQTT delivery is the MQTT exporter's) and re-chooses
each meter's forecast model by backtest every ``forecast_reselect_days``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, List, Optional, Tuple
from zoneinfo import ZoneInfo

from .. import timeconv
from ..config import SEVERITIES, Config
from ..store import Alert, MeterInfo, Store, StoreError

if TYPE_CHECKING:  # pragma: no cover
    from .anomalies import Scan
    from .forecast import Forecast, Selection

__all__ = [
    "History",
    "load_history",
    "scan_meter",
    "refresh_alerts",
    "alert_payload",
    "alert_row",
    "delivery_cursor",
    "notifiable",
    "selection_for",
    "forecast_meter",
    "WebhookNotifier",
    "AnalyticsJob",
    "NOTIFY_WINDOW",
]

log = logging.getLogger(__name__)

QUARTER = 900
DAY = 86400

#: Alerts whose period ended longer ago than this when found are stored but not notified (a
#: first scan over old history does not flood MQTT or the webhook).
NOTIFY_WINDOW = 2 * DAY

#: Raw reading times (for clock jumps) are read over this many days before the end.
CLOCK_DAYS = 7

#: Alerts found by a scan are stored for anomalies ending at most this long before its end.
ALERT_LOOKBACK = 30 * DAY


@dataclass(frozen=True)
class History:
    """A meter's 15-minute series and raw reading times, as the detectors take them."""

    times: List[int]
    import_wh: List[Optional[float]]
    export_wh: List[Optional[float]]
    complete: List[bool]
    voltages: Dict[str, List[Optional[float]]]
    raw_times: List[int]


def load_history(store: Store, meter: MeterInfo, end: datetime, days: int) -> History:
    """The ``days`` days of 15-minute aggregates before ``end`` (and a week of reading times)."""
    start = end - timedelta(days=days)
    cols = ["active_energy_import", "active_energy_export", "voltage_l1", "voltage_l2", "voltage_l3"]
    series = store.series(meter.id, start, end, "15m", cols, days * 100 + 200)
    raw = store.reading_times(meter.id, max(start, end - timedelta(days=CLOCK_DAYS)), end)
    return History(
        times=series.times,
        import_wh=series.columns["active_energy_import"],
        export_wh=series.columns["active_energy_export"],
        complete=list(series.complete or [True] * len(series.times)),
        voltages={q: series.columns[q] for q in cols[2:] if any(v is not None for v in series.columns[q])},
        raw_times=raw,
    )


def scan_meter(
    store: Store, config: Config, meter: MeterInfo, end: datetime, since: Optional[int] = None
) -> "Scan":
    """Scan the ``[analytics] history_days`` before ``end``; report anomalies ending after ``since``."""
    from .anomalies import scan

    days = config.analytics.history_days
    h = load_history(store, meter, end, days)
    zone = ZoneInfo(meter.timezone)
    settings = config.analytics.settings(config.costs.holidays_in((end - timedelta(days=days)).year, end.year))
    return scan(
        h.times, h.import_wh, zone=zone, export_wh=h.export_wh, complete=h.complete,
        voltages=h.voltages or None, raw_times=h.raw_times or None, settings=settings, since=since,
    )


def refresh_alerts(store: Store, config: Config, meter: MeterInfo, now: Optional[int] = None) -> Tuple["Scan", List[int]]:
    """Scan up to the meter's newest reading and store the anomalies of the last 30 days as
    alerts; returns the scan and the ids of the alerts that are new."""
    latest = store.latest_ts(meter.id)
    end_ts = (latest if latest is not None else int(time.time())) + 1
    end = timeconv.from_unix(end_ts)
    result = scan_meter(store, config, meter, end, since=end_ts - ALERT_LOOKBACK)
    new = store.upsert_alerts(meter.id, [alert_row(a) for a in result.anomalies], now=now)
    return result, new


def alert_row(a: Any) -> Dict[str, Any]:
    """The :meth:`Store.upsert_alerts` mapping of an :class:`~dashboard.analytics.anomalies.Anomaly`."""
    return {
        "key": a.key, "kind": a.kind, "start": a.start, "end": a.end, "severity": a.severity,
        "message": a.message, "value": a.value, "expected": a.expected, "unit": a.unit, "score": a.score,
        "details": a.to_json()["details"],
    }


def notifiable(alert: Alert, min_severity: str) -> bool:
    """Whether an alert is to be pushed: severe enough, and found while recent (see NOTIFY_WINDOW)."""
    rank = SEVERITIES.index(alert.severity) if alert.severity in SEVERITIES else 0
    return rank >= SEVERITIES.index(min_severity) and alert.found - alert.end <= NOTIFY_WINDOW


def delivery_cursor(store: Store, key: str) -> int:
    """The id of the last alert a delivery (MQTT, webhook) handled, kept under ``key`` in the
    collector state. On the first start it begins after the alerts already stored: they were
    found before the delivery was configured."""
    v = store.state().get(key)
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    c = max((a.id for a in store.alerts(limit=1)), default=0)
    store.set_state({key: c})
    return c


def alert_payload(alert: Alert, meter: Optional[MeterInfo]) -> Dict[str, Any]:
    """The JSON object of an alert, as MQTT and the webhook deliver it (times in the meter's zone)."""
    zone = ZoneInfo(meter.timezone) if meter is not None else timezone.utc

    def iso(ts: Optional[int]) -> Optional[str]:
        return None if ts is None else timeconv.from_unix(ts).astimezone(zone).isoformat()

    return {
        "id": alert.id,
        "meter": {"id": alert.meter_id, "serial": meter.serial if meter else None, "name": meter.name if meter else None},
        "kind": alert.kind,
        "key": alert.key,
        "severity": alert.severity,
        "message": alert.message,
        "start": iso(alert.start),
        "end": iso(alert.end),
        "value": alert.value,
        "expected": alert.expected,
        "unit": alert.unit,
        "score": alert.score,
        "details": alert.details,
        "found": iso(alert.found),
        "acknowledged": iso(alert.acknowledged),
    }


# -- forecasts --------------------------------------------------------------------------------


def _selection_key(meter_id: int) -> str:
    return f"analytics.forecast_selection.{meter_id}"


def selection_for(store: Store, meter: MeterInfo) -> Optional[Dict[str, Any]]:
    """The stored model choice of a meter (``best``, ``scores``, ``chosen_utc``), or None."""
    v = store.state().get(_selection_key(meter.id))
    return v if isinstance(v, dict) and isinstance(v.get("best"), str) else None


def choose_model(store: Store, config: Config, meter: MeterInfo, now: Optional[int] = None) -> Dict[str, Any]:
    """Backtest the models on the meter's history, store and return the choice."""
    from .forecast import select_model

    h = _forecast_history(store, config, meter)
    sel = select_model(h.times, h.import_wh, zone=ZoneInfo(meter.timezone), holidays=_forecast_holidays(config, h))
    value = {**sel.to_json(), "chosen_utc": int(time.time()) if now is None else int(now)}
    store.set_state({_selection_key(meter.id): value})
    return value


def _forecast_holidays(config: Config, h: History) -> FrozenSet[date]:
    """The configured public holidays over the history and the year after it."""
    return config.costs.holidays_for_forecast(h.times)


def _forecast_history(store: Store, config: Config, meter: MeterInfo) -> History:
    latest = store.latest_ts(meter.id)
    end = timeconv.from_unix((latest if latest is not None else int(time.time())) + 1)
    h = load_history(store, meter, end, config.analytics.history_days)
    # Forecasts learn from measured quarter-hours only (estimates across gaps are unknown).
    imp = [v if c else None for v, c in zip(h.import_wh, h.complete)]
    return History(h.times, imp, h.export_wh, h.complete, {}, [])


def forecast_meter(
    store: Store, config: Config, meter: MeterInfo, *, horizon: str = "day", step: int = QUARTER,
    model: Optional[str] = None, now: Optional[int] = None,
) -> Dict[str, Any]:
    """The forecast of a meter as the API serves it: the intervals from the end of the data to
    the end of tomorrow (``horizon="day"``) or for the next 7 days (``"week"``), the model and
    why it was chosen, and what tomorrow is expected to cost under the configured tariffs.

    Raises :class:`dashboard.analytics.forecast.ForecastError` when the history is too short.
    """
    from .billing import price_forecast
    from .forecast import Selection, forecast

    zone = ZoneInfo(meter.timezone)
    h = _forecast_history(store, config, meter)
    known = [t for t, v in zip(h.times, h.import_wh) if v is not None]
    origin = (known[-1] + QUARTER) if known else int(time.time())
    origin = -(-origin // step) * step
    today = timeconv.local_day_of(int(time.time()) if now is None else int(now), zone)
    tomorrow = today + timedelta(days=1)
    t_lo, t_hi = timeconv.local_day_bounds(tomorrow, zone)
    if horizon == "week":
        seconds = 7 * DAY
    elif origin < t_hi and t_hi - origin <= 2 * DAY:
        seconds = -(-(t_hi - origin) // step) * step
    else:
        # the data ends more than a day before tomorrow (or after it): the day after the data
        seconds = DAY
    chosen = model or config.analytics.forecast_model
    stored = selection_for(store, meter)
    selection: Optional[Selection] = None
    if chosen == "auto" and stored is not None:
        selection = Selection(best=str(stored["best"]), scores=[], seconds=0.0)
    f = forecast(h.times, h.import_wh, zone=zone, horizon=int(seconds), step=step,
                 model=chosen, selection=selection, origin=origin, holidays=_forecast_holidays(config, h))
    fq = _quarters(f)
    tom = [(t, w) for t, w in fq if t_lo <= t < t_hi]
    cost = None
    if len(tom) == (t_hi - t_lo) // QUARTER:
        cost = price_forecast([t for t, _ in tom], [w for _, w in tom], zone, config.costs)
    return {
        "forecast": f,
        "selection": stored,
        "tomorrow": {
            "date": tomorrow.isoformat(),
            "energy_kwh": sum(w for _, w in tom) / 1000.0 if len(tom) == (t_hi - t_lo) // QUARTER else None,
            "expected_cost": cost,
        },
    }


def _quarters(f: "Forecast") -> List[Tuple[int, float]]:
    if f.step == QUARTER:
        return list(zip(f.times, f.mean))
    out: List[Tuple[int, float]] = []
    for t, m in zip(f.times, f.mean):
        out.extend((t + QUARTER * k, m / 4.0) for k in range(4))
    return out


# -- delivery ---------------------------------------------------------------------------------


class WebhookNotifier:
    """POSTs each new notifiable alert as JSON to ``[analytics] webhook_url``, never losing one.

    A cursor (the id of the last alert handled, in the store's state) advances only after a
    2xx answer; on any failure the same alert is retried after a back-off. With
    ``webhook_secret`` the body's HMAC-SHA256 is sent as ``X-Compteur-Signature: sha256=<hex>``.
    """

    CURSOR = "alerts.webhook.cursor"

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.delivered = 0
        self.last_error: Optional[str] = None

    def deliver(self) -> int:
        """Send the pending alerts; returns how many were sent. Raises on a failed delivery."""
        a = self.config.analytics
        if a.webhook_url is None:
            return 0
        cursor = delivery_cursor(self.store, self.CURSOR)
        meters = {m.id: m for m in self.store.meters()}
        sent = 0
        for alert in self.store.alerts(after_id=cursor, limit=200):
            if notifiable(alert, a.webhook_min_severity):
                self.post(alert_payload(alert, meters.get(alert.meter_id)))
                sent += 1
            self.store.set_state({self.CURSOR: alert.id})
        self.delivered += sent
        return sent

    def post(self, payload: Dict[str, Any]) -> None:
        """POST one alert; raises ``OSError`` unless the answer is 2xx."""
        a = self.config.analytics
        if a.webhook_url is None:
            raise OSError("no webhook_url configured")
        body = json.dumps({"type": "alert", "alert": payload}).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "compteur-dashboard"}
        if a.webhook_secret:
            mac = hmac.new(a.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Compteur-Signature"] = f"sha256={mac}"
        req = urllib.request.Request(a.webhook_url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=a.webhook_timeout) as r:  # noqa: S310 - configured URL
                status = int(r.status)
        except urllib.error.HTTPError as e:
            raise OSError(f"webhook answered {e.code} {e.reason}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as e:
            reason = getattr(e, "reason", e)
            raise OSError(f"webhook unreachable: {reason}") from None
        if not 200 <= status < 300:
            raise OSError(f"webhook answered {status}")


class AnalyticsJob:
    """The collector's periodic analytics: scan, store alerts, notify the webhook, choose models."""

    name = "analytics"

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.webhook = WebhookNotifier(config, store)
        self.scans = 0
        self.last_error: Optional[str] = None
        self._wake = threading.Event()

    def wake(self) -> None:
        """Run the next cycle now."""
        self._wake.set()

    def cycle(self, now: Optional[int] = None) -> Dict[str, Any]:
        """One cycle over every meter: returns what it did (for logs and tests)."""
        from .forecast import ForecastError

        done: Dict[str, Any] = {"new_alerts": 0, "models": {}}
        for meter in self.store.meters():
            if self.store.latest_ts(meter.id) is None:
                continue
            _scan, new = refresh_alerts(self.store, self.config, meter, now=now)
            done["new_alerts"] += len(new)
            stored = selection_for(self.store, meter)
            t = int(time.time()) if now is None else int(now)
            age = t - int(stored.get("chosen_utc", 0)) if stored else None
            if self.config.analytics.forecast_model == "auto" and (
                age is None or age > self.config.analytics.forecast_reselect_days * DAY
            ):
                try:
                    done["models"][meter.id] = choose_model(self.store, self.config, meter, now=t)["best"]
                except ForecastError as e:
                    log.info("analytics: no forecast model for meter %s yet: %s", meter.serial, e)
        self.scans += 1
        done["webhook"] = self.webhook.deliver()
        return done

    #: Seconds after the start before the first cycle (the collector catches up first).
    startup_delay = 60.0

    def run(self, stop: threading.Event) -> None:
        """Cycle every ``scan_interval`` seconds until ``stop``; failures are logged and retried."""
        delay = 5.0
        if stop.wait(self.startup_delay):
            return
        while not stop.is_set():
            try:
                self.cycle()
                self.last_error = None
                self._status("ok")
                delay = 5.0
                wait = self.config.analytics.scan_interval
            except Exception as e:  # noqa: BLE001 - logged and retried, the job never dies
                self.last_error = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
                log.warning("analytics: %s (retry in %.0f s)", self.last_error, delay)
                self._status("retrying")
                wait = delay
                delay = min(300.0, delay * 2)
            deadline = time.monotonic() + wait
            while not stop.is_set() and not self._wake.is_set() and time.monotonic() < deadline:
                self._wake.wait(min(1.0, max(0.0, deadline - time.monotonic())))
            self._wake.clear()

    def _status(self, state: str) -> None:
        try:
            self.store.set_state({"analytics": {
                "state": state, "scans": self.scans, "webhook_delivered": self.webhook.delivered,
                "last_error": self.last_error,
            }})
        except StoreError:
            pass
