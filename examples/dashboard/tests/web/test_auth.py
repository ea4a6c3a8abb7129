"""Authentication: sessions, API tokens, CSRF, login rate limiting, password hashing."""

from __future__ import annotations

import re
from typing import Dict, Tuple

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from webenv import PASSWORD, Env
from dashboard.web import SESSION_USER_KEY
from dashboard.web.auth import LoginLimiter, hash_password, token_digest, verify_password

DATA_ENDPOINTS = [
    "/api/meters",
    "/api/data",
    "/api/readings",
    "/api/costs",
    "/api/stream",
    "/api/anomalies",
    "/api/forecast",
]

_CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def csrf_of(c: FlaskClient) -> str:
    """The CSRF token of the client's session (rendering /login creates it)."""
    with c.session_transaction() as sess:
        token = sess.get("_csrf")
    if token is None:
        c.get("/login", follow_redirects=True)
        with c.session_transaction() as sess:
            token = sess["_csrf"]
    return str(token)


def login(c: FlaskClient, username: str, password: str, ip: str = "127.0.0.1",
          next_: str = "") -> Tuple[int, Dict[str, str]]:
    """POST the login form; (status, headers)."""
    form = {"username": username, "password": password, "csrf_token": csrf_of(c)}
    if next_:
        form["next"] = next_
    r = c.post("/login", data=form, environ_base={"REMOTE_ADDR": ip})
    return r.status_code, dict(r.headers)


# -- 401 / public endpoints ------------------------------------------------------------------


@pytest.mark.parametrize("url", DATA_ENDPOINTS)
def test_data_endpoints_refuse_anonymous(client: FlaskClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 401
    assert r.get_json()["error"] == "unauthorized"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("url", ["/api/health", "/api/openapi.json"])
def test_public_endpoints_answer_without_login(client: FlaskClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    assert r.is_json


def test_token_opens_the_api(client: FlaskClient, env: Env) -> None:
    r = client.get("/api/data", headers=env.bearer())
    assert r.status_code == 200
    assert r.get_json()["meter"] == env.meter_id
    row = env.store.token_by_hash(token_digest(env.token))
    assert row is not None and row.last_used is not None


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "bearer x" * 3])
def test_wrong_token_is_refused(client: FlaskClient, header: str) -> None:
    r = client.get("/api/data", headers={"Authorization": header})
    assert r.status_code == 401


def test_wrong_token_is_refused_even_with_a_session(session_client: FlaskClient) -> None:
    assert session_client.get("/api/data").status_code == 200
    assert session_client.get("/api/data", headers={"Authorization": "Bearer x"}).status_code == 401


def test_session_opens_the_api(session_client: FlaskClient) -> None:
    assert session_client.get("/api/readings?from=2026-10-01&to=2026-10-01").status_code == 200


def test_session_of_a_deleted_user_is_dropped(client: FlaskClient, env: Env) -> None:
    with client.session_transaction() as sess:
        sess[SESSION_USER_KEY] = 999
    assert client.get("/api/data").status_code == 401
    with client.session_transaction() as sess:
        assert SESSION_USER_KEY not in sess


def test_tokens_are_read_only(client: FlaskClient, env: Env) -> None:
    for url in ("/api/data", "/api/readings", "/settings"):
        r = client.post(url, headers=env.bearer())
        assert r.status_code == 403, url
    r = client.post("/api/data", headers=env.bearer())
    assert r.get_json() == {"error": "forbidden", "message": "API tokens are read-only"}
    # a token does not open the pages either
    assert client.get("/settings", headers=env.bearer()).status_code == 302


def test_revoked_token_is_refused(session_client: FlaskClient, client: FlaskClient, env: Env) -> None:
    assert client.get("/api/data", headers=env.bearer()).status_code == 200
    r = session_client.post(
        "/settings",
        data={"action": "revoke", "token_id": str(env.token_id), "csrf_token": csrf_of(session_client)},
    )
    assert r.status_code == 303
    row = env.store.token_by_hash(token_digest(env.token))
    assert row is not None and row.revoked is True
    r = client.get("/api/data", headers=env.bearer())
    assert r.status_code == 401


def test_token_created_on_settings_works_once_shown(session_client: FlaskClient, client: FlaskClient,
                                                    env: Env) -> None:
    r = session_client.post(
        "/settings", data={"action": "create", "name": "grafana", "csrf_token": csrf_of(session_client)}
    )
    assert r.status_code == 201
    tokens = [t for t in env.store.tokens(env.user_id) if t.name == "grafana"]
    assert len(tokens) == 1
    page = r.get_data(as_text=True)
    shown = [m for m in re.findall(r"[A-Za-z0-9_-]{43}", page) if token_digest(m) == tokens[0].token_hash]
    assert len(shown) == 1, "the new token is shown on the page"
    assert client.get("/api/meters", headers={"Authorization": f"Bearer {shown[0]}"}).status_code == 200
    again = session_client.get("/settings").get_data(as_text=True)
    assert shown[0] not in again
    assert tokens[0].token_hash not in again


# -- CSRF ------------------------------------------------------------------------------------


def test_csrf_refused_without_token(session_client: FlaskClient, env: Env) -> None:
    before = len(env.store.tokens(env.user_id))
    r = session_client.post("/settings", data={"action": "create", "name": "x"})
    assert r.status_code == 403
    r = session_client.post("/settings", data={"action": "create", "name": "x", "csrf_token": "forged"})
    assert r.status_code == 403
    r = session_client.post("/settings", data={"action": "create", "name": "x"},
                            headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    assert len(env.store.tokens(env.user_id)) == before


def test_csrf_header_is_accepted(session_client: FlaskClient, env: Env) -> None:
    r = session_client.post("/settings", data={"action": "create", "name": "via-header"},
                            headers={"X-CSRF-Token": csrf_of(session_client)})
    assert r.status_code == 201


def test_csrf_on_json_api_requests(session_client: FlaskClient) -> None:
    r = session_client.post("/api/data", json={})
    assert r.status_code == 403
    assert r.get_json() == {"error": "forbidden", "message": "missing or wrong CSRF token (X-CSRF-Token)"}


def test_login_and_logout_need_csrf(client: FlaskClient, env: Env) -> None:
    r = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 403
    with client.session_transaction() as sess:
        assert SESSION_USER_KEY not in sess
    with client.session_transaction() as sess:
        sess[SESSION_USER_KEY] = env.user_id
    assert client.post("/logout").status_code == 403
    assert client.get("/api/data").status_code == 200


# -- login -----------------------------------------------------------------------------------


def test_login_logout_round_trip(client: FlaskClient, env: Env) -> None:
    status, headers = login(client, "admin", PASSWORD, next_="/history?lang=en")
    assert status == 303
    assert headers["Location"] == "/history?lang=en"
    assert client.get("/api/data").status_code == 200
    r = client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert r.status_code == 303
    assert r.headers["Location"] == "/login"
    assert client.get("/api/data").status_code == 401


def test_wrong_password(client: FlaskClient, env: Env) -> None:
    status, _ = login(client, "admin", "not the password")
    assert status == 401
    with client.session_transaction() as sess:
        assert SESSION_USER_KEY not in sess
    assert client.get("/api/data").status_code == 401
    status, _ = login(client, "nobody", PASSWORD)
    assert status == 401


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil", "javascript:x"])
def test_login_does_not_redirect_off_site(client: FlaskClient, env: Env, target: str) -> None:
    status, headers = login(client, "admin", PASSWORD, next_=target)
    assert status == 303
    assert headers["Location"] == "/"


def test_login_rate_limit_per_username(client: FlaskClient, env: Env) -> None:
    env.store.create_user("bob", _CHEAP.hash("bob's password"))
    for i in range(5):
        assert login(client, "bob", "wrong", ip=f"10.0.0.{i}")[0] == 401
    status, headers = login(client, "bob", "bob's password", ip="10.0.0.99")
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 15 * 60
    with client.session_transaction() as sess:
        assert SESSION_USER_KEY not in sess
    # another user from another address is not affected
    assert login(client, "admin", PASSWORD, ip="10.0.1.1")[0] == 303


def test_login_rate_limit_per_address(client: FlaskClient, env: Env) -> None:
    for i in range(5):
        env.store.create_user(f"user{i}", _CHEAP.hash("pw"))
        assert login(client, f"user{i}", "wrong", ip="192.0.2.7")[0] == 401
    status, headers = login(client, "admin", PASSWORD, ip="192.0.2.7")
    assert status == 429
    assert int(headers["Retry-After"]) > 0


def test_limiter_window_slides() -> None:
    now = [1000.0]
    limiter = LoginLimiter(max_failures=2, window=60, clock=lambda: now[0])
    limiter.failure("k")
    now[0] += 10
    limiter.failure("k")
    assert limiter.retry_after("k") == 50
    now[0] += 50
    assert limiter.retry_after("k") == 0
    limiter.failure("k")
    assert limiter.retry_after("k") == 10
    limiter.reset("k")
    assert limiter.retry_after("k") == 0
    assert limiter.retry_after("other") == 0


# -- hashing ---------------------------------------------------------------------------------


def test_password_hash_is_argon2id(password_hash: str) -> None:
    assert password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verify_password(password_hash, PASSWORD) is True
    assert verify_password(password_hash, PASSWORD + " ") is False
    assert verify_password("not a hash", PASSWORD) is False
    assert verify_password("", "") is False


def test_hash_password_refuses_empty() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        hash_password("")

