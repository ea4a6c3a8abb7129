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

__all__ = ["bp", "PUBLIC_ENDPOINTS", "NOT_IMPLEMENTED_ENDPOINTS", "COSTS_MAX_DAYS", "json_response"]

bp = Blueprint("api", __name__, url_prefix="/api")

#: Endpoints answering without a session or token.
PUBLIC_ENDPOINTS = frozenset({"api.health", "api.openapi"})

#: Endpoints of the analytics feature: 501 and absent from the OpenAPI document until then.
NOT_IMPLEMENTED_ENDPOINTS = frozenset({"api.anomalies", "api.forecast"})

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
    """Energy and cost of a range: the flat price per kWh plus the monthly fee pro rata per day.

    The fee of a day is ``monthly_fee / days in that month``, prorated by the share of the
    (23, 24 or 25 hour) local day that the range covers. The energy is the imported active
    energy from the register deltas of the store.
    """
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
    price = float(cost_config.price_per_kwh)
    fee = float(cost_config.monthly_fee)
    days: List[Dict[str, Any]] = []
    total_kwh = 0.0
    total_export = 0.0
    total_fixed = 0.0
    complete = True
    pieces = _day_pieces(start, end, zone)
    whole = _whole_days(st.store, meter.id, pieces)
    for day, piece_start, piece_end, share in pieces:
        known = whole.get(_ts(piece_start)) if share == 1.0 else None
        outside = (
            meter.first is None
            or meter.last is None
            or piece_end <= meter.first
            # (the meter list is cached for seconds: leave the newest readings a margin)
            or piece_start > meter.last + timedelta(minutes=5)
        )
        if known is not None:
            import_wh, export_wh, day_complete = known
        elif outside:
            # Before the first or after the last reading: no data, nothing to ask the store.
            import_wh, export_wh, day_complete = None, None, False
        else:
            energy = st.store.energy(meter.id, piece_start, piece_end)
            import_wh, export_wh = energy.import_wh, energy.export_wh
            day_complete = bool(energy.complete)
        kwh = float(import_wh or 0.0) / 1000.0
        export_kwh = float(export_wh or 0.0) / 1000.0
        fixed = fee / _days_in_month(day) * share
        days.append(
            {
                "date": day.isoformat(),
                "energy_kwh": _round(kwh),
                "energy_cost": _round(kwh * price),
                "fixed_cost": _round(fixed),
                "cost": _round(kwh * price + fixed),
                "complete": day_complete,
            }
        )
        total_kwh += kwh
        total_export += export_kwh
        total_fixed += fixed
        complete = complete and day_complete
    fmt = st.formatter(meter.timezone)
    body = {
        "meter": meter.id,
        "from": fmt.one(_ts(start)),
        "to": fmt.one(_ts(end)),
        "currency": cost_config.currency,
        "price_per_kwh": price,
        "monthly_fee": fee,
        "energy_kwh": _round(total_kwh),
        "export_kwh": _round(total_export),
        "energy_cost": _round(total_kwh * price),
        "fixed_cost": _round(total_fixed),
        "total": _round(total_kwh * price + total_fixed),
        "complete": complete,
        "days": days,
    }
    return json_response(body)


def _whole_days(
    store: Any, meter_id: int, pieces: List[Tuple[date, datetime, datetime, float]]
) -> Dict[int, Tuple[Optional[float], Optional[float], bool]]:
    """Energy of the whole local days among ``pieces``, from the daily aggregates (one query).

    Keyed by the day's start (unix s); days without a daily aggregate are left out (the
    caller asks :meth:`Store.energy` for them, as for the partial days at the edges).
    """
    full = [p for p in pieces if p[3] == 1.0]
    if not full:
        return {}
    series = store.series(
        meter_id, full[0][1], full[-1][2], "1d",
        ["active_energy_import", "active_energy_export"], len(pieces) + 2,
    )
    complete = series.complete or [False] * len(series.times)
    out: Dict[int, Tuple[Optional[float], Optional[float], bool]] = {}
    for i, ts in enumerate(series.times):
        imp = series.columns["active_energy_import"][i]
        exp = series.columns["active_energy_export"][i]
        if imp is None:
            continue
        out[int(ts)] = (imp, exp, bool(complete[i]))
    return out


def _round(value: float) -> float:
    return round(value, 6)


def _days_in_month(day: date) -> int:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return (following - date(day.year, day.month, 1)).days


def _day_pieces(
    start: datetime, end: datetime, zone: Any
) -> List[Tuple[date, datetime, datetime, float]]:
    """Split ``[start, end)`` at local midnights: (local date, piece start, piece end, share)."""
    pieces: List[Tuple[date, datetime, datetime, float]] = []
    lo, hi = _ts(start), _ts(end)
    if hi <= lo:
        return pieces
    day = timeconv.local_day_of(lo, zone)
    while True:
        day_start, day_end = timeconv.local_day_bounds(day, zone)
        if day_start >= hi:
            break
        a, b = max(lo, day_start), min(hi, day_end)
        if b > a:
            pieces.append((day, timeconv.from_unix(a), timeconv.from_unix(b),
                           (b - a) / (day_end - day_start)))
        day += timedelta(days=1)
    return pieces


@bp.get("/stream")
def stream() -> Response:
    """Server-Sent Events: ``reading`` events with the ``/api/data`` object of each new reading."""
    from .sse import stream_response

    st = state()
    meter = st.meter(parse_meter_id(_arg("meter")))
    return stream_response(st, meter)


@bp.get("/anomalies")
def anomalies() -> Response:
    """Not available yet: 501 until the analytics feature exists."""
    raise ApiError(501, "anomaly detection comes with the analytics feature; it is not available yet")


@bp.get("/forecast")
def forecast() -> Response:
    """Not available yet: 501 until the analytics feature exists."""
    raise ApiError(501, "the forecast comes with the analytics feature; it is not available yet")
