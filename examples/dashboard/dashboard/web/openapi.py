"""The OpenAPI 3.1 document of the dashboard API, served at ``/api/openapi.json``.

Written by hand next to the views and checked by a test against the application's URL map
(every ``/api`` route is documented and nothing else is) and against real responses (they
validate against the schemas below).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any, Dict, List

from .. import __version__
from ..quantities import QUANTITIES
from .params import MAX_POINTS, MAX_RANGE, RESOLUTIONS

__all__ = ["document"]

_JSON = "application/json"


def _ref(name: str) -> Dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Dict[str, Any], description: str) -> Dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _error(description: str) -> Dict[str, Any]:
    return _json(_ref("Error"), description)


_NULLABLE_NUMBER = {"type": ["number", "null"]}
_ISO = {"type": "string", "format": "date-time"}
_NULLABLE_ISO = {"type": ["string", "null"], "format": "date-time"}

_QUANTITY_LIST = ", ".join(f"`{name}` ({q.unit})" for name, q in QUANTITIES.items())

_PARAMETERS: Dict[str, Dict[str, Any]] = {
    "meter": {
        "name": "meter",
        "in": "query",
        "required": False,
        "description": "Id of the meter (see /api/meters); default the first meter.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 999999999999},
    },
    "from": {
        "name": "from",
        "in": "query",
        "required": False,
        "description": (
            "Start of the range (inclusive). ISO 8601 date-time with offset "
            "(`2026-10-25T00:00:00+02:00`, `...Z`), or a date / a date-time without offset, "
            "meaning the meter's local time zone. Encode `+` as `%2B` in URLs."
        ),
        "schema": {"type": "string"},
    },
    "to": {
        "name": "to",
        "in": "query",
        "required": False,
        "description": (
            "End of the range (exclusive), same forms as `from`; a plain date includes that "
            "whole local day. Default: now (for /api/readings: `from` plus the longest "
            "range of the resolution, when that is earlier than now)."
        ),
        "schema": {"type": "string"},
    },
    "resolution": {
        "name": "resolution",
        "in": "query",
        "required": False,
        "description": (
            "`raw` (stored readings), `15m`, `1h` or `1d` (aggregates; a day is the meter's "
            "local calendar day). Longest range: "
            + ", ".join(f"{r} {MAX_RANGE[r].days} days" for r in RESOLUTIONS)
            + ". Default `15m`."
        ),
        "schema": {"type": "string", "enum": list(RESOLUTIONS)},
    },
    "quantity": {
        "name": "quantity",
        "in": "query",
        "required": False,
        "description": (
            "Comma-separated quantity names; default `active_energy_import,"
            "active_energy_export` (`active_power_import,active_power_export` for raw). "
            "Names: " + _QUANTITY_LIST + "."
        ),
        "schema": {"type": "string"},
    },
    "acknowledged": {
        "name": "acknowledged",
        "in": "query",
        "required": False,
        "description": "`include` (default) or `exclude` the anomalies already acknowledged.",
        "schema": {"type": "string", "enum": ["include", "exclude"]},
    },
    "horizon": {
        "name": "horizon",
        "in": "query",
        "required": False,
        "description": "`day` (default): from the end of the data to the end of tomorrow; `week`: 7 days.",
        "schema": {"type": "string", "enum": ["day", "week"]},
    },
    "forecast_resolution": {
        "name": "resolution",
        "in": "query",
        "required": False,
        "description": "`15m` (default) or `1h` intervals.",
        "schema": {"type": "string", "enum": ["15m", "1h"]},
    },
    "model": {
        "name": "model",
        "in": "query",
        "required": False,
        "description": (
            "`auto` (default: the model the backtest chose for this meter, else the better "
            "baseline), or one of `seasonal_naive`, `same_hour_average`, `ets`, "
            "`gradient_boosting`, `prophet` (when installed)."
        ),
        "schema": {"type": "string", "enum": ["auto", "seasonal_naive", "same_hour_average", "ets",
                                              "gradient_boosting", "prophet"]},
    },
    "alert_id": {
        "name": "alert_id",
        "in": "path",
        "required": True,
        "description": "Id of the alert (the `id` of an anomaly).",
        "schema": {"type": "integer", "minimum": 1},
    },
}


def _params(*names: str) -> List[Dict[str, str]]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


_BREAKDOWN: Dict[str, Any] = {
    "energy_kwh": {"type": "number", "description": "Imported active energy."},
    "export_kwh": {"type": "number", "description": "Exported active energy."},
    "energy_cost": {"type": "number", "description": "Imported energy at the tariff's prices."},
    "feed_in_credit": {"type": "number", "description": "Exported energy at the feed-in price (subtracted)."},
    "fixed_cost": {"type": "number", "description": "Fixed charges per day and per month, pro rata per day."},
    "capacity_cost": {"type": "number", "description": "Capacity (peak demand) charges; 0 on days."},
    "taxes": {"type": "number", "description": "Per-kWh levy and percentage tax."},
    "total": {"type": "number", "description": "energy + fixed + capacity + taxes - feed-in."},
    "cost": {"type": "number", "description": "The same as total."},
    "complete": {"type": "boolean", "description": "False when a quarter-hour had no data, no price or an estimate across a gap."},
    "missing_intervals": {"type": "integer", "minimum": 0,
                          "description": "Quarter-hours without data, without a price or estimated across a gap."},
}
_BREAKDOWN_KEYS = list(_BREAKDOWN)

_SCHEMAS: Dict[str, Dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "Machine-readable code (bad_request, ...)."},
            "message": {"type": "string", "description": "What went wrong, for a person."},
            "parameter": {"type": "string", "description": "The query parameter at fault."},
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "database", "collector", "version"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "degraded", "down"]},
            "database": {
                "type": "object",
                "properties": {
                    "ok": {"type": "boolean"},
                    "backend": {"type": "string"},
                    "latency_ms": {"type": "number"},
                    "error": {"type": "string"},
                },
            },
            "collector": {
                "type": "object",
                "description": "The state the collector publishes: source, last_reading, "
                "frames, spooled, open_gap, updated.",
            },
            "version": {"type": "string"},
        },
    },
    "Meter": {
        "type": "object",
        "required": ["id", "serial", "name", "timezone", "first", "last"],
        "properties": {
            "id": {"type": "integer"},
            "serial": {"type": "string"},
            "name": {"type": "string"},
            "timezone": {"type": "string", "description": "IANA time zone name."},
            "first": _NULLABLE_ISO,
            "last": _NULLABLE_ISO,
        },
    },
    "Meters": {
        "type": "object",
        "required": ["meters"],
        "properties": {"meters": {"type": "array", "items": _ref("Meter")}},
    },
    "Data": {
        "type": "object",
        "required": ["meter", "time", "values", "units", "obis"],
        "properties": {
            "meter": {"type": "integer"},
            "time": _ISO,
            "values": {"type": "object", "additionalProperties": _NULLABLE_NUMBER},
            "units": {"type": "object", "additionalProperties": {"type": "string"}},
            "obis": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["obis", "value", "unit"],
                    "properties": {
                        "obis": {"type": "string"},
                        "value": {},
                        "unit": {"type": ["string", "null"]},
                    },
                },
            },
        },
    },
    "Gap": {
        "type": "object",
        "required": ["from", "to", "reason"],
        "properties": {
            "from": _ISO,
            "to": _NULLABLE_ISO,
            "reason": {"type": ["string", "null"]},
        },
    },
    "Readings": {
        "type": "object",
        "required": ["meter", "resolution", "from", "to", "time", "series", "units", "gaps",
                     "truncated"],
        "properties": {
            "meter": {"type": "integer"},
            "resolution": {"type": "string", "enum": list(RESOLUTIONS)},
            "from": _ISO,
            "to": _ISO,
            "time": {
                "type": "array",
                "items": _ISO,
                "description": "Reading times (raw) or interval starts (aggregates).",
            },
            "series": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": _NULLABLE_NUMBER},
                "description": "One list per quantity, aligned with `time`. Aggregates: "
                "counters give the energy of the interval (Wh, varh), instants the mean.",
            },
            "units": {"type": "object", "additionalProperties": {"type": "string"}},
            "gaps": {"type": "array", "items": _ref("Gap")},
            "truncated": {
                "type": "boolean",
                "description": f"True when more than {MAX_POINTS} points matched.",
            },
        },
    },
    "StreamEvent": {
        "type": "object",
        "description": "One event of the stream (fields of the text/event-stream format).",
        "required": ["event", "data"],
        "properties": {
            "event": {"type": "string", "enum": ["reading"]},
            "id": {"type": "string", "description": "Unix time of the reading."},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": _ref("Data"),
                "description": "The /api/data object as JSON.",
            },
        },
    },
    "CostDay": {
        "type": "object",
        "required": ["date", *_BREAKDOWN_KEYS],
        "properties": {"date": {"type": "string", "format": "date"}, **_BREAKDOWN},
    },
    "CostMonth": {
        "type": "object",
        "required": ["month", *_BREAKDOWN_KEYS],
        "properties": {"month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, **_BREAKDOWN},
    },
    "TariffUsed": {
        "type": "object",
        "required": ["name", "valid_from", "valid_to", "energy"],
        "properties": {
            "name": {"type": ["string", "null"]},
            "valid_from": {"type": "string", "format": "date"},
            "valid_to": {"type": ["string", "null"], "format": "date",
                         "description": "First day no longer covered; null: open-ended."},
            "energy": {"type": "string", "enum": ["flat", "time_of_use", "dynamic"]},
        },
    },
    "Costs": {
        "type": "object",
        "required": ["meter", "from", "to", "currency", "price_per_kwh", "monthly_fee", "priced",
                     *_BREAKDOWN_KEYS, "tariffs", "days", "months"],
        "properties": {
            "meter": {"type": "integer"},
            "from": _ISO,
            "to": _ISO,
            "currency": {"type": "string"},
            "price_per_kwh": {"type": "number", "description": "The `[costs]` shorthand price (0 with tariff tables)."},
            "monthly_fee": {"type": "number", "description": "The `[costs]` shorthand fee (0 with tariff tables)."},
            "priced": {"type": "boolean", "description": "Whether any tariff is configured."},
            **_BREAKDOWN,
            "tariffs": {"type": "array", "items": _ref("TariffUsed"),
                        "description": "The tariffs in force on the days of the range."},
            "days": {"type": "array", "items": _ref("CostDay")},
            "months": {"type": "array", "items": _ref("CostMonth"),
                       "description": "Per local month; capacity charges appear here and in the totals."},
        },
    },
}

# the sentences of ``Anomaly.details`` (dashboard.analytics.anomalies.TEMPLATES; a test keeps
# them equal without importing NumPy here)
_TEMPLATES = (
    "spike", "spike_no_usual", "standby_increase", "high_load", "night_use", "unexpected_export",
    "voltage_low", "voltage_high", "voltage_week", "gap", "clock_back", "clock_forward",
    "unusual_day",
)

_SCHEMAS.update({
    "Anomaly": {
        "type": "object",
        "required": ["id", "key", "kind", "severity", "start", "end", "value", "expected", "unit",
                     "score", "message", "details", "acknowledged"],
        "properties": {
            "id": {"type": ["integer", "null"], "description": "The stored alert (to acknowledge it)."},
            "key": {"type": "string", "description": "`<kind>:<start Unix s>`, stable across scans."},
            "kind": {"type": "string", "enum": ["spike", "standby_increase", "high_load", "night_use",
                                                "unexpected_export", "voltage", "gap", "clock_jump",
                                                "unusual_day"]},
            "severity": {"type": "string", "enum": ["info", "warning", "critical"]},
            "start": _ISO,
            "end": _ISO,
            "value": _NULLABLE_NUMBER,
            "expected": _NULLABLE_NUMBER,
            "unit": {"type": "string"},
            "score": _NULLABLE_NUMBER,
            "message": {"type": "string", "description": "One English sentence with the numbers and local times."},
            "details": {
                "type": "object",
                "required": ["template"],
                "description": "What `message` says, for a user interface in another language: "
                               "`template` names the sentence, the other keys are its numbers, named "
                               "by unit (`_w`, `_wh`, `_kwh`, `_v`, `_pct`, `_s`), local dates "
                               "(`since`, `day`) or UTC times (`next`, `after`); `unusual_day` has "
                               "a `features` list (`feature`, `value`, `usual`, `unit`).",
                "properties": {
                    "template": {"type": "string", "enum": list(_TEMPLATES)},
                },
                "additionalProperties": True,
            },
            "acknowledged": _NULLABLE_ISO,
        },
    },
    "Anomalies": {
        "type": "object",
        "required": ["meter", "from", "to", "anomalies", "open", "base_load", "base_load_change_w"],
        "properties": {
            "meter": {"type": "integer"},
            "from": _ISO,
            "to": _ISO,
            "anomalies": {"type": "array", "items": _ref("Anomaly"), "description": "Newest first."},
            "open": {"type": "integer", "minimum": 0, "description": "Anomalies not acknowledged."},
            "base_load": {
                "type": "array",
                "description": "Standby estimate (W) per local day with enough data.",
                "items": {"type": "object", "required": ["date", "watts"],
                          "properties": {"date": {"type": "string", "format": "date"},
                                         "watts": _NULLABLE_NUMBER}},
            },
            "base_load_change_w": {**_NULLABLE_NUMBER, "description": (
                "Median standby of the last 30 days minus that of the 30 days before.")},
        },
    },
    "Acknowledged": {
        "type": "object",
        "required": ["id", "key", "meter", "acknowledged", "acknowledged_by"],
        "properties": {
            "id": {"type": "integer"},
            "key": {"type": "string"},
            "meter": {"type": "integer"},
            "acknowledged": _NULLABLE_ISO,
            "acknowledged_by": {"type": ["string", "null"]},
        },
    },
    "ForecastPoint": {
        "type": "object",
        "required": ["start", "mean", "lower", "upper"],
        "properties": {"start": _ISO, "mean": _NULLABLE_NUMBER, "lower": _NULLABLE_NUMBER,
                       "upper": _NULLABLE_NUMBER},
    },
    "Forecast": {
        "type": "object",
        "required": ["meter", "model", "resolution", "horizon", "level", "unit", "points",
                     "total_kwh", "tomorrow", "selection"],
        "properties": {
            "meter": {"type": "integer"},
            "model": {"type": "string"},
            "resolution": {"type": "string", "enum": ["15m", "1h"]},
            "horizon": {"type": "string", "enum": ["day", "week"]},
            "level": {"type": "number", "description": "Nominal coverage of the band (0.8)."},
            "unit": {"type": "string", "enum": ["Wh"]},
            "points": {"type": "array", "items": _ref("ForecastPoint"),
                       "description": "Imported energy per interval: expected, and the band."},
            "total_kwh": _NULLABLE_NUMBER,
            "tomorrow": {
                "type": "object",
                "required": ["date", "energy_kwh", "expected_cost", "currency"],
                "properties": {
                    "date": {"type": "string", "format": "date"},
                    "energy_kwh": _NULLABLE_NUMBER,
                    "expected_cost": {**_NULLABLE_NUMBER, "description": (
                        "The forecast priced by the tariff of tomorrow, fixed charges included, "
                        "capacity charges not; null without a tariff.")},
                    "currency": {"type": "string"},
                },
            },
            "selection": {
                "type": ["object", "null"],
                "description": "The backtest that chose this meter's model (null: not run yet).",
                "properties": {
                    "best": {"type": "string"},
                    "chosen": _ISO,
                    "scores": {"type": "array", "items": {
                        "type": "object",
                        "required": ["model", "mase", "nrmse", "origins"],
                        "properties": {"model": {"type": "string"}, "mase": _NULLABLE_NUMBER,
                                       "nrmse": _NULLABLE_NUMBER, "origins": {"type": "integer"}},
                    }},
                },
            },
        },
    },
})

_COMMON_ERRORS = {
    "400": _error("A parameter is invalid (see `parameter` and `message`)."),
    "401": _error("No session and no valid API token."),
    "404": _error("Unknown meter, or no data yet."),
    "503": _error("The database is not available (see Retry-After)."),
}


def _build() -> Dict[str, Any]:
    public: List[Dict[str, List[str]]] = []
    paths: Dict[str, Any] = {
        "/api/health": {
            "get": {
                "operationId": "health",
                "summary": "Health of the database and the collector (no login).",
                "security": public,
                "responses": {
                    "200": _json(_ref("Health"), "Status ok or degraded."),
                    "503": _json(_ref("Health"), "The database does not answer."),
                },
            }
        },
        "/api/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document (no login).",
                "security": public,
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document.")},
            }
        },
        "/api/meters": {
            "get": {
                "operationId": "meters",
                "summary": "The recorded meters.",
                "responses": {
                    "200": _json(_ref("Meters"), "Every meter."),
                    "401": _COMMON_ERRORS["401"],
                    "503": _COMMON_ERRORS["503"],
                },
            }
        },
        "/api/data": {
            "get": {
                "operationId": "data",
                "summary": "The latest reading of a meter.",
                "parameters": _params("meter"),
                "responses": {
                    "200": _json(_ref("Data"), "The latest reading."),
                    **_COMMON_ERRORS,
                },
            }
        },
        "/api/readings": {
            "get": {
                "operationId": "readings",
                "summary": "Readings or aggregates of a range.",
                "parameters": _params("meter", "from", "to", "resolution", "quantity"),
                "responses": {
                    "200": _json(_ref("Readings"), "The series."),
                    **_COMMON_ERRORS,
                },
            }
        },
        "/api/costs": {
            "get": {
                "operationId": "costs",
                "summary": "Energy and cost of a range under the configured tariffs, per day and month.",
                "description": (
                    "Each quarter-hour of imported energy at the price of the tariff valid on its "
                    "local day (flat, time of use, dynamic), fixed charges pro rata per day, "
                    "capacity charges per month, feed-in credit, levy and tax. "
                    "Default range: today so far. At most 400 days."
                ),
                "parameters": _params("meter", "from", "to"),
                "responses": {
                    "200": _json(_ref("Costs"), "The costs."),
                    **_COMMON_ERRORS,
                },
            }
        },
        "/api/anomalies": {
            "get": {
                "operationId": "anomalies",
                "summary": "Anomalies of a range (default: the last 30 days), standby per day and its trend.",
                "description": (
                    "Scans the meter's history before `to` (`[analytics] history_days`) and "
                    "answers the anomalies ending in the range; each is stored as an alert "
                    "with an `id` to acknowledge. At most 400 days."
                ),
                "parameters": _params("meter", "from", "to", "acknowledged"),
                "responses": {
                    "200": _json(_ref("Anomalies"), "The anomalies."),
                    **_COMMON_ERRORS,
                },
            }
        },
        "/api/anomalies/{alert_id}/acknowledge": {
            "post": {
                "operationId": "acknowledge",
                "summary": "Acknowledge an alert (browser session and X-CSRF-Token; tokens are read-only).",
                "security": [{"cookieAuth": []}],
                "parameters": _params("alert_id"),
                "responses": {
                    "200": _json(_ref("Acknowledged"), "The alert, acknowledged."),
                    "403": _error("An API token (read-only), or a missing CSRF token."),
                    **_COMMON_ERRORS,
                },
            }
        },
        "/api/forecast": {
            "get": {
                "operationId": "forecast",
                "summary": "Forecast of the imported energy with an 80 % band, and tomorrow's expected cost.",
                "parameters": _params("meter", "horizon", "forecast_resolution", "model"),
                "responses": {
                    "200": _json(_ref("Forecast"), "The forecast."),
                    "409": _error("Not enough history for a forecast yet (the message says how much)."),
                    **_COMMON_ERRORS,
                },
            }
        },
        "/api/stream": {
            "get": {
                "operationId": "stream",
                "summary": "Server-Sent Events: a `reading` event per new reading.",
                "description": (
                    "Event `reading`, data = the /api/data object, id = unix time of the "
                    "reading; the latest reading is sent at once; a comment every 15 s keeps "
                    "the connection alive; the stream ends after an hour (browsers reconnect)."
                ),
                "parameters": _params("meter"),
                "responses": {
                    "200": {
                        "description": "The event stream.",
                        "content": {"text/event-stream": {"schema": _ref("StreamEvent")}},
                    },
                    **_COMMON_ERRORS,
                    "503": _error("Too many streams are open, or the database is not "
                                  "available; see Retry-After."),
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "compteur dashboard API",
            "version": __version__,
            "description": (
                "JSON API of the compteur dashboard (read-only but for acknowledging alerts). Times are ISO 8601 with the UTC "
                "offset, in the meter's time zone. Authenticate with the browser session or "
                "an API token (`Authorization: Bearer <token>`, created on /settings)."
            ),
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "paths": paths,
        "components": {
            "schemas": _SCHEMAS,
            "parameters": _PARAMETERS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "A read-only API token."},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "compteur_session",
                               "description": "The browser session after /login."},
            },
        },
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
    }


@lru_cache(maxsize=1)
def _cached() -> Dict[str, Any]:
    return _build()


def document() -> Dict[str, Any]:
    """The OpenAPI document (a fresh copy the caller may modify)."""
    return copy.deepcopy(_cached())
