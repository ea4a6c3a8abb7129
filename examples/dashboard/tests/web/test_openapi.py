"""The OpenAPI document matches the implementation: routes, parameters, response schemas."""

from __future__ import annotations

import re

import json
from typing import Any, Dict, List, Set, Tuple

import jsonschema_rs
import pytest
from flask.testing import FlaskClient

from webenv import Env

# a valid value for every documented parameter (against the seeded data)
VALID: Dict[str, str] = {
    "meter": "1",
    "from": "2026-10-24T00:00:00+02:00",
    "to": "2026-10-25",
    "resolution": "1h",
    "quantity": "active_energy_import,voltage_l1",
    "acknowledged": "exclude",
    "horizon": "week",
    "model": "same_hour_average",
}


@pytest.fixture
def doc(client: FlaskClient) -> Dict[str, Any]:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    return r.get_json()  # type: ignore[no-any-return]


def api_routes(env: Env) -> Set[Tuple[str, str]]:
    """(path, method) of every /api rule of the app (path parameters as OpenAPI writes them)."""
    out = set()
    for rule in env.app.url_map.iter_rules():
        if not rule.rule.startswith("/api"):
            continue
        for method in rule.methods or ():
            if method in ("HEAD", "OPTIONS"):
                continue
            out.add((re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower()))
    return out


def documented(doc: Dict[str, Any]) -> Set[Tuple[str, str]]:
    return {(path, method) for path, item in doc["paths"].items() for method in item}


def test_every_route_is_documented_and_nothing_else(env: Env, doc: Dict[str, Any]) -> None:
    assert api_routes(env) == documented(doc)
    assert len(documented(doc)) == 10
    assert ("/api/anomalies/{alert_id}/acknowledge", "post") in documented(doc)
    assert doc["openapi"] == "3.1.0"


def _operation_params(doc: Dict[str, Any], op: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for p in op.get("parameters", []):
        if "$ref" in p:
            p = doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        out.append(p)
    return out


def _validator(doc: Dict[str, Any], schema: Dict[str, Any]) -> Any:
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": doc["components"], **schema}
    return jsonschema_rs.Draft202012Validator(root)


def _check(doc: Dict[str, Any], path: str, status: int, response: Any) -> None:
    """The response status is documented for the path and the body matches its schema."""
    responses = doc["paths"][path]["get"]["responses"]
    assert str(status) in responses, f"{path} answered an undocumented {status}"
    content = responses[str(status)]["content"]
    assert response.mimetype in content
    if response.mimetype == "application/json":
        errors = list(_validator(doc, content[response.mimetype]["schema"]).iter_errors(
            response.get_json()))
        assert errors == [], f"{path} {status}: {errors[:3]}"


def test_every_documented_parameter_is_accepted(client: FlaskClient, env: Env,
                                                doc: Dict[str, Any]) -> None:
    env.app.config["SSE_MAX_DURATION"] = 0.1
    checked = 0
    for path, item in doc["paths"].items():
        if "get" not in item:
            continue  # the acknowledgement (POST) has its own tests
        op = item["get"]
        params = _operation_params(doc, op)
        # each parameter alone, then all together
        for query in [{p["name"]: VALID[p["name"]]} for p in params] + [
            {p["name"]: VALID[p["name"]] for p in params}
        ]:
            r = client.get(path, query_string=query, headers=env.bearer())
            assert r.status_code == 200, (path, query, r.get_data(as_text=True)[:200])
            _check(doc, path, r.status_code, r)
            r.close()
            checked += 1
    assert checked >= 15


def test_documented_enums_are_accepted(client: FlaskClient, env: Env, doc: Dict[str, Any]) -> None:
    for value in doc["components"]["parameters"]["resolution"]["schema"]["enum"]:
        r = client.get("/api/readings", query_string={"resolution": value, "from": "2026-10-24"},
                       headers=env.bearer())
        assert r.status_code == 200, value
        _check(doc, "/api/readings", 200, r)


@pytest.mark.parametrize("path,query,status", [
    ("/api/readings", {"from": "nope"}, 400),
    ("/api/readings", {"quantity": "nope"}, 400),
    ("/api/data", {"meter": "7"}, 404),
    ("/api/costs", {"from": "2026-10-01", "to": "2026-10-03"}, 200),
    ("/api/costs", {"to": "2026-13-01"}, 400),
    ("/api/health", {}, 200),
    ("/api/meters", {}, 200),
    ("/api/readings", {"from": "2026-10-10", "resolution": "raw"}, 200),
    ("/api/anomalies", {"from": "2026-10-01", "to": "2026-11-14"}, 200),
    ("/api/anomalies", {"acknowledged": "maybe"}, 400),
    ("/api/forecast", {}, 200),
    ("/api/forecast", {"horizon": "week", "resolution": "1h"}, 200),
    ("/api/forecast", {"model": "oracle"}, 400),
])
def test_responses_match_the_schemas(client: FlaskClient, env: Env, doc: Dict[str, Any],
                                     path: str, query: Dict[str, str], status: int) -> None:
    r = client.get(path, query_string=query, headers=env.bearer())
    assert r.status_code == status
    _check(doc, path, status, r)


@pytest.mark.parametrize("path", ["/api/meters", "/api/data", "/api/readings", "/api/costs",
                                  "/api/stream", "/api/anomalies", "/api/forecast"])
def test_401_is_documented(client: FlaskClient, doc: Dict[str, Any], path: str) -> None:
    r = client.get(path)
    assert r.status_code == 401
    _check(doc, path, 401, r)
    assert doc["paths"][path]["get"].get("security") is None  # the global requirement applies


def test_public_operations_declare_no_security(doc: Dict[str, Any]) -> None:
    assert doc["paths"]["/api/health"]["get"]["security"] == []
    assert doc["paths"]["/api/openapi.json"]["get"]["security"] == []
    assert {"bearerAuth": []} in doc["security"]


def test_stream_events_match_the_data_schema(client: FlaskClient, env: Env,
                                             doc: Dict[str, Any]) -> None:
    env.app.config["SSE_MAX_DURATION"] = 0.1
    r = client.get("/api/stream", headers=env.bearer())
    assert r.status_code == 200
    events = [block for block in r.get_data(as_text=True).split("\n\n") if "data:" in block]
    assert len(events) == 1
    data = json.loads(events[0].split("data: ", 1)[1])
    errors = list(_validator(doc, {"$ref": "#/components/schemas/Data"}).iter_errors(data))
    assert errors == []
