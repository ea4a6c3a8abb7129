"""The JSON API under ``/api`` (documented in ``docs/dashboard-api.md`` and ``/api/openapi.json``).

Every endpoint but ``/api/health`` and ``/api/openapi.json`` needs a browser session or an
``Authorization: Bearer <token>`` header; that check happens in the application's request
guard (:func:`dashboard.web.create_app`), before the views below run. Errors are JSON objects
``{"error": code, "message": text}`` (plus ``"parameter"`` when one parameter is at fault).
Times are ISO 8601 with the UTC offset, in the meter's time zone.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

from flask import Blueprint, Response, current_app, request

from .. import __version__, timeconv
from ..quantities import QUANTITIES
from .params import (
    DEFAULT_SPAN,
    MAX_POINTS,
    MAX_RANGE,
    ApiError,
    parse_meter_id,
    parse_quantities,
    parse_range,
    parse_resolution,
    parse_time,
)
from .state import state

__all__ = ["bp", "PUBLIC_ENDPOINTS", "COSTS_MAX_DAYS", "ANOMALIES_MAX_DAYS", "json_response"]

bp = Blueprint("api", __name__, url_prefix="/api")

#: Endpoints answering without a session or token.
PUBLIC_ENDPOINTS = frozenset({"api.health", "api.openapi"})

#: The longest range of ``/api/costs``.
COSTS_MAX_DAYS = 400

_RAW_DEFAULT = ("active_power_import", "active_power_export")
_AGG_DEFAULT = ("active_energy_import", "active_energy_export")


def json_response(data: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> Response:
    """A compact JSON response (NaN and infinities become ``null``)."""
    response = Response(_dumps(data), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _no_nan(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def _arg(name: str) -> Optional[str]:
    """The single value of query parameter ``name``; 400 when it is given twice."""
    values = request.args.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ApiError(400, f"{name} is given more than once", parameter=name)
    return values[0]


# -- public --------------------------------------------------------------------------------


@bp.get("/health")
def health() -> Response:
    """Health of the database and the collector; no login needed.

    ``status`` is ``down`` (503) when the database cannot be queried, ``degraded`` when the
    collector is not connected, has an open gap or has not stored a reading for a while,
    ``ok`` otherwise.
    """
    st = state()
    try:
        info = st.store.health()
    except Exception as exc:  # noqa: BLE001 - a broken database is reported, not raised
        current_app.logger.warning("health check failed: %s", type(exc).__name__)
        info = {"database": {"ok": False, "error": type(exc).__name__}, "collector": {}}
    database: Dict[str, Any] = info.get("database") or {"ok": False}
    collector: Dict[str, Any] = info.get("collector") or {}
    status = _health_status(database, collector, float(st.config.collector.silence_timeout))
    body = {
        "status": status,
        "database": database,
        "collector": collector,
        "version": __version__,
    }
    return json_response(body, 503 if status == "down" else 200)


def _health_status(database: Dict[str, Any], collector: Dict[str, Any], silence: float) -> str:
    if not database.get("ok"):
        return "down"
    source = collector.get("source")
    if not isinstance(source, dict):
        return "degraded"  # the collector has never reported
    if source.get("state") != "connected" or collector.get("open_gap"):
        return "degraded"
    last = collector.get("last_reading")
    if isinstance(last, str):
        try:
            moment = datetime.fromisoformat(last.replace("Z", "+00:00"))
        except ValueError:
            return "degraded"
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        if datetime.now(timezone.utc) - moment > timedelta(seconds=max(silence, 60.0) * 2):
            return "degraded"
    return "ok"


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API; no login needed."""
    from .openapi import document

    return json_response(document())


# -- data ----------------------------------------------------------------------------------


def _meter_info(meter: Any) -> Dict[str, Any]:
    fmt = state().formatter(meter.timezone)

    def iso(moment: Optional[datetime]) -> Optional[str]:
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return fmt.one(int(moment.timestamp()))

    return {
        "id": meter.id,
        "serial": meter.serial,
        "name": meter.name,
        "timezone": meter.timezone,
        "first": iso(meter.first),
        "last": iso(meter.last),
    }


@bp.get("/meters")
def meters() -> Response:
    """The recorded meters with the time of their first and last reading."""
    return json_response({"meters": [_meter_info(m) for m in state().meters(fresh=True)]})


@bp.get("/data")
def data() -> Response:
    """The latest reading of a meter (404 while none is stored)."""
    st = state()
    meter = st.meter(parse_meter_id(_arg("meter")))
    payload = st.latest(meter)
    if payload is None:
        raise ApiError(404, f"no reading of meter {meter.id} is stored yet")
    return Response(payload.text, mimetype="application/json")


@bp.get("/readings")
def readings() -> Response:
    """Readings (``raw``) or aggregates (``15m``, ``1h``, ``1d``) of a range."""
    st = state()
    resolution = parse_resolution(_arg("resolution"))
    quantity_args = request.args.getlist("quantity")
    default = _RAW_DEFAULT if resolution == "raw" else _AGG_DEFAULT
    quantities = parse_quantities(",".join(quantity_args) if quantity_args else None, default)
    raw_from, raw_to = _arg("from"), _arg("to")
    meter = st.meter(parse_meter_id(_arg("meter")))
    zone = st.zone(meter.timezone)
    start, end = parse_range(
        raw_from,
        raw_to,
        zone,
        now=_now(),
        default_span=DEFAULT_SPAN[resolution],
        max_span=MAX_RANGE[resolution],
        what=f" for resolution {resolution}",
    )
    series = st.store.series(meter.id, start, end, resolution, quantities, MAX_POINTS)
    gaps = st.store.gaps(meter.id, start, end)
    fmt = st.formatter(meter.timezone)
    head = {
        "meter": meter.id,
        "resolution": resolution,
        "from": fmt.one(_ts(start)),
        "to": fmt.one(_ts(end)),
    }
    series_json = _dumps({name: series.columns.get(name, []) for name in quantities})
    tail = {
        "units": {name: QUANTITIES[name].unit for name in quantities},
        "gaps": [_gap(fmt, gap) for gap in gaps],
        "truncated": bool(series.truncated),
    }
    # The time list is the bulk of the answer: ISO strings need no JSON escaping, so it is
    # joined directly instead of going through the encoder.
    times = fmt.many(series.times)
    time_json = '["' + '","'.join(times) + '"]' if times else "[]"
    text = (
        _dumps(head)[:-1]
        + ',"time":' + time_json
        + ',"series":' + series_json
        + "," + _dumps(tail)[1:]
    )
    return Response(text, mimetype="application/json")


def _dumps(value: Any) -> str:
    """Compact JSON; NaN and infinities become ``null``."""
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_no_nan(value), separators=(",", ":"), allow_nan=False)


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _gap(fmt: Any, gap: Any) -> Dict[str, Any]:
    end = gap.end
    return {
        "from": fmt.one(_ts(gap.start)),
        "to": None if end is None else fmt.one(_ts(end)),
        "reason": None if gap.reason is None else str(gap.reason),
    }


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@bp.get("/costs")
def costs() -> Response:
    """Energy and money of a range under the configured tariffs, per day and per month.

    Whole quarter-hours come from the stored 15-minute register deltas, range edges from the
    readings around them; each quarter-hour is priced by the tariff valid on its local day
    (flat, time of use with weekday/weekend/holiday bands, or dynamic prices), fixed charges
    accrue pro rata per local day, capacity charges per month, feed-in is credited and taxes
    added. Quarter-hours without data are counted in ``missing_intervals`` and make the day
    ``complete: false``; they are never guessed.
    """
    from ..analytics.billing import bill_range

    st = state()
    raw_from, raw_to = _arg("from"), _arg("to")
    meter = st.meter(parse_meter_id(_arg("meter")))
    zone = st.zone(meter.timezone)
    given_start = parse_time(raw_from, "from", zone) if raw_from is not None else None
    end = parse_time(raw_to, "to", zone, end=True) if raw_to is not None else _now()
    if given_start is not None:
        start = given_start
    else:
        last_day = (end - timedelta(seconds=1)).astimezone(zone).date()
        start = datetime(last_day.year, last_day.month, last_day.day, tzinfo=zone).astimezone(
            timezone.utc
        )
        start = min(start, end)
    if start > end:
        raise ApiError(400, "from must not be after to", parameter="from")
    if end - start > timedelta(days=COSTS_MAX_DAYS):
        raise ApiError(
            400,
            f"the range is too large for costs: at most {COSTS_MAX_DAYS} days",
            parameter="to",
        )
    cost_config = st.config.costs
    bill = bill_range(st.store, meter, start, end, cost_config)
    fmt = st.formatter(meter.timezone)
    body: Dict[str, Any] = {
        "meter": meter.id,
        "from": fmt.one(_ts(start)),
        "to": fmt.one(_ts(end)),
        "currency": cost_config.currency,
        "price_per_kwh": cost_config.price_per_kwh,
        "monthly_fee": cost_config.monthly_fee,
        "priced": cost_config.priced,
        **_breakdown(bill.totals),
        "tariffs": [_tariff_json(t) for t in _tariffs_used(bill)],
        "days": [{"date": d.isoformat(), **_breakdown(b)} for d, b in bill.days.items()],
        "months": [{"month": m.strftime("%Y-%m"), **_breakdown(b)} for m, b in bill.months.items()],
    }
    return json_response(body)


def _breakdown(b: Any) -> Dict[str, Any]:
    return {
        "energy_kwh": _round(b.import_kwh),
        "export_kwh": _round(b.export_kwh),
        "energy_cost": _round(b.energy_cost),
        "feed_in_credit": _round(b.feed_in_credit),
        "fixed_cost": _round(b.fixed),
        "capacity_cost": _round(b.capacity),
        "taxes": _round(b.taxes),
        "total": _round(b.total),
        "cost": _round(b.total),
        "complete": b.complete,
        "missing_intervals": b.missing_intervals,
    }


def _tariffs_used(bill: Any) -> List[Any]:
    seen: List[Any] = []
    for d in bill.days:
        t = bill.history.at(d)
        if t is not None and all(t is not s for s in seen):
            seen.append(t)
    return seen


def _tariff_json(t: Any) -> Dict[str, Any]:
    from ..analytics.tariffs import Dynamic, Flat

    kind = "flat" if isinstance(t.energy, Flat) else "dynamic" if isinstance(t.energy, Dynamic) else "time_of_use"
    return {
        "name": t.name or None,
        "valid_from": t.valid_from.isoformat(),
        "valid_to": None if t.valid_to is None else t.valid_to.isoformat(),
        "energy": kind,
    }


def _round(value: float) -> float:
    return round(value, 6)


@bp.get("/stream")
def stream() -> Response:
    """Server-Sent Events: ``reading`` events with the ``/api/data`` object of each new reading."""
    from .sse import stream_response

    st = state()
    meter = st.meter(parse_meter_id(_arg("meter")))
    return stream_response(st, meter)


@bp.get("/anomalies")
def anomalies() -> Response:
    """Anomalies of a range (default: the last 30 days), the daily standby and its trend.

    The meter's ``[analytics] history_days`` before ``to`` are scanned (the reference of the
    detectors); anomalies ending inside the range are answered, each stored as an alert so
    that it can be acknowledged (``POST /api/anomalies/<id>/acknowledge``).
    """
    from ..analytics.service import alert_row

    st = state()
    meter = st.meter(parse_meter_id(_arg("meter")))
    zone = st.zone(meter.timezone)
    raw_from, raw_to = _arg("from"), _arg("to")
    end = parse_time(raw_to, "to", zone, end=True) if raw_to is not None else _now()
    start = parse_time(raw_from, "from", zone) if raw_from is not None else end - timedelta(days=30)
    if start > end:
        raise ApiError(400, "from must not be after to", parameter="from")
    if end - start > timedelta(days=ANOMALIES_MAX_DAYS):
        raise ApiError(400, f"the range is too large for anomalies: at most {ANOMALIES_MAX_DAYS} days",
                       parameter="from")
    include = _arg("acknowledged") or "include"
    if include not in ("include", "exclude"):
        raise ApiError(400, "acknowledged must be include or exclude", parameter="acknowledged")
    scan = _cached_scan(st, meter, end)
    lo, hi = _ts(start), _ts(end)
    found = [a for a in scan.anomalies if a.end > lo and a.start < hi]
    if found:
        st.store.upsert_alerts(meter.id, [alert_row(a) for a in found])
    stored = {a.key: a for a in st.store.alerts(meter.id, lo, hi, limit=10_000)}
    fmt = st.formatter(meter.timezone)
    out: List[Dict[str, Any]] = []
    for a in found:
        row = stored.get(a.key)
        if include == "exclude" and row is not None and row.acknowledged is not None:
            continue
        out.append(_anomaly_json(fmt, a, row))
    out.sort(key=lambda x: (x["start"], x["kind"]), reverse=True)
    first_day = start.astimezone(zone).date()
    last_day = (end - timedelta(seconds=1)).astimezone(zone).date()
    body = {
        "meter": meter.id,
        "from": fmt.one(lo),
        "to": fmt.one(hi),
        "anomalies": out,
        "open": sum(1 for x in out if x["acknowledged"] is None),
        "base_load": [
            {"date": b.day.isoformat(), "watts": b.watts}
            for b in scan.base_load
            if first_day <= b.day <= last_day
        ],
        "base_load_change_w": scan.base_load_change_w,
    }
    return json_response(body)


#: The longest range of ``/api/anomalies``.
ANOMALIES_MAX_DAYS = 400

_SCAN_CACHE_SECONDS = 120.0


def _cached_scan(st: Any, meter: Any, end: datetime) -> Any:
    """The scan up to ``end``, reused for two minutes while no new reading arrived."""
    import time as _time

    from ..analytics.service import scan_meter

    latest = st.store.latest_ts(meter.id)
    key = (meter.id, _ts(end) if latest is None or _ts(end) <= latest else latest + 1)
    cache: Dict[Any, Tuple[float, Any]] = current_app.extensions.setdefault("compteur.scans", {})
    hit = cache.get(key)
    now = _time.monotonic()
    if hit is not None and now - hit[0] < _SCAN_CACHE_SECONDS:
        return hit[1]
    scan_end = end if latest is None else min(end, timeconv.from_unix(latest + 1))
    result = scan_meter(st.store, st.config, meter, scan_end)
    for k in [k for k, (t, _) in cache.items() if now - t >= _SCAN_CACHE_SECONDS]:
        cache.pop(k, None)
    cache[key] = (now, result)
    return result


def _anomaly_json(fmt: Any, a: Any, row: Any) -> Dict[str, Any]:
    return {
        "id": None if row is None else row.id,
        "key": a.key,
        "kind": a.kind,
        "severity": a.severity,
        "start": fmt.one(a.start),
        "end": fmt.one(a.end),
        "value": a.value,
        "expected": a.expected,
        "unit": a.unit,
        "score": a.score,
        "message": a.message,
        "details": a.to_json()["details"],
        "acknowledged": None if row is None or row.acknowledged is None else fmt.one(row.acknowledged),
    }


@bp.post("/anomalies/<int:alert_id>/acknowledge")
def acknowledge(alert_id: int) -> Response:
    """Acknowledge an alert (a browser session with its CSRF token; API tokens are read-only)."""
    from flask import g

    st = state()
    alert = st.store.alert(alert_id)
    if alert is None:
        raise ApiError(404, f"no alert {alert_id}")
    principal = getattr(g, "principal", None)
    done = st.store.acknowledge_alert(alert_id, principal.user_id if principal is not None else None)
    if done is None:
        raise ApiError(404, f"no alert {alert_id}")
    meter = next((m for m in st.meters() if m.id == done.meter_id), None)
    fmt = st.formatter(meter.timezone if meter is not None else st.config.meter.timezone)
    return json_response({
        "id": done.id,
        "key": done.key,
        "meter": done.meter_id,
        "acknowledged": None if done.acknowledged is None else fmt.one(done.acknowledged),
        "acknowledged_by": principal.username if principal is not None else None,
    })


@bp.get("/forecast")
def forecast() -> Response:
    """The forecast from the end of the data to the end of tomorrow (or the next week), with a
    prediction band and what tomorrow is expected to cost."""
    from ..analytics import FORECAST_MODELS
    from ..analytics.forecast import ForecastError, available_models
    from ..analytics.service import forecast_meter

    st = state()
    meter = st.meter(parse_meter_id(_arg("meter")))
    horizon = _arg("horizon") or "day"
    if horizon not in ("day", "week"):
        raise ApiError(400, "horizon must be day or week", parameter="horizon")
    res = _arg("resolution") or "15m"
    if res not in ("15m", "1h"):
        raise ApiError(400, "resolution must be 15m or 1h", parameter="resolution")
    model = _arg("model")
    if model is not None and model != "auto" and model not in FORECAST_MODELS:
        raise ApiError(400, f"model must be auto or one of {', '.join(FORECAST_MODELS)}", parameter="model")
    if model is not None and model != "auto" and model not in available_models():
        raise ApiError(400, f"the {model} model is not installed", parameter="model")
    try:
        out = forecast_meter(st.store, st.config, meter, horizon=horizon,
                             step=900 if res == "15m" else 3600, model=model)
    except ForecastError as e:
        raise ApiError(409, f"no forecast yet: {e}", error="insufficient_history") from None
    f = out["forecast"]
    fmt = st.formatter(meter.timezone)
    selection = out["selection"]
    body = {
        "meter": meter.id,
        "model": f.model,
        "resolution": res,
        "horizon": horizon,
        "level": f.level,
        "unit": "Wh",
        "points": [
            {"start": fmt.one(t), "mean": m, "lower": lo,
             "upper": up}
            for t, m, lo, up in zip(f.times, f.mean, f.lower, f.upper)
        ],
        "total_kwh": f.total_wh / 1000.0,
        "tomorrow": {**out["tomorrow"], "currency": st.config.costs.currency},
        "selection": None if selection is None else {
            "best": selection.get("best"),
            "chosen": fmt.one(int(selection.get("chosen_utc") or 0)),
            "scores": selection.get("scores") or [],
        },
    }
    return json_response(body)
