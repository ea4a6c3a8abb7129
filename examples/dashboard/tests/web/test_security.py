"""Security headers, session cookie flags, the secret key file, secrets kept out of pages."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from webenv import PASSWORD, Env, make_config
from dashboard.web import create_app
from dashboard.web.security import CSP

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def check_common_headers(headers: Any) -> None:
    assert headers["Content-Security-Policy"] == EXPECTED_CSP
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]


def test_csp_constant_is_the_design_one() -> None:
    assert CSP == EXPECTED_CSP


@pytest.mark.parametrize("url", ["/api/health", "/api/openapi.json", "/api/data", "/api/readings",
                                 "/api/nothing"])
def test_api_headers(client: FlaskClient, env: Env, url: str) -> None:
    r = client.get(url, headers=env.bearer())
    check_common_headers(r.headers)
    assert r.headers["Cache-Control"] == "no-store"


def test_api_error_headers(client: FlaskClient) -> None:
    r = client.get("/api/data")
    assert r.status_code == 401
    check_common_headers(r.headers)
    assert r.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/login", "/", "/history", "/settings"])
def test_page_headers(session_client: FlaskClient, client: FlaskClient, url: str) -> None:
    for c in (client, session_client):
        r = c.get(url)
        check_common_headers(r.headers)
        assert r.headers["Cache-Control"] == "no-store"


def test_static_files_have_the_csp(client: FlaskClient, env: Env) -> None:
    static = Path(env.app.static_folder or "")
    files = sorted(p for p in static.rglob("*") if p.is_file())
    if not files:
        pytest.fail("the static folder is empty")
    rel = files[0].relative_to(static).as_posix()
    r = client.get(f"/static/{rel}")
    assert r.status_code == 200
    check_common_headers(r.headers)
    r.close()


def _login(c: FlaskClient, base_url: str = "http://localhost") -> str:
    c.get("/login", base_url=base_url)
    with c.session_transaction(base_url=base_url) as sess:
        token = sess["_csrf"]
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
               base_url=base_url)
    assert r.status_code == 303
    cookies = [v for k, v in r.headers.items() if k == "Set-Cookie"]
    assert len(cookies) == 1
    return cookies[0]


def test_session_cookie_flags_over_http(client: FlaskClient, env: Env) -> None:
    cookie = _login(client)
    assert cookie.startswith("compteur_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # cookie_secure = "auto" and the request was http


def test_session_cookie_secure_over_https_in_auto_mode(client: FlaskClient, env: Env) -> None:
    cookie = _login(client, base_url="https://localhost")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_session_cookie_secure_when_forced(env: Env, tmp_path: Path) -> None:
    app = create_app(make_config(tmp_path, cookie_secure=True), env.store)
    cookie = _login(app.test_client())
    assert "Secure" in cookie


def test_https_responses_ask_for_hsts(client: FlaskClient) -> None:
    r = client.get("/api/health", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in client.get("/api/health").headers


def test_secret_key_file_is_created_private(env: Env) -> None:
    key_file = env.tmp / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 32


def test_meter_keys_stay_out_of_pages_and_api(env: Env, tmp_path: Path, caplog: Any) -> None:
    from dashboard.config import Config
    from dashboard.web import SESSION_USER_KEY

    key = "000102030405060708090A0B0C0D0E0F"
    auth_key = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
    config = Config.from_dict(
        {
            "source": {"kind": "simulator", "key": key, "auth_key": auth_key},
            "web": {"secret_key_file": "secret_key"},
        },
        path=tmp_path / "config.toml",
    )
    app = create_app(config, env.store)
    c = app.test_client()
    with c.session_transaction() as sess:
        sess[SESSION_USER_KEY] = env.user_id
    bodies = []
    for url in ("/", "/history", "/settings", "/api/health", "/api/data", "/api/meters",
                "/api/openapi.json", "/api/readings"):
        r = c.get(url)
        assert r.status_code == 200, url
        bodies.append(r.get_data(as_text=True))
    bodies.append(caplog.text)
    secret_key = (tmp_path / "secret_key").read_text().strip()
    for text in bodies:
        for secret in (key, auth_key, key.lower(), auth_key.lower(), secret_key):
            assert secret not in text


def test_request_body_size_is_limited(session_client: FlaskClient) -> None:
    r = session_client.post("/settings", data={"name": "x" * (100 * 1024)})
    assert r.status_code == 413
