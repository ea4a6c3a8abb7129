"""The HTML pages: access control, languages, settings forms (status codes and headers)."""

from __future__ import annotations

from typing import Dict
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from webenv import Env


@pytest.mark.parametrize("url", ["/", "/history", "/settings"])
def test_pages_redirect_anonymous_visitors(client: FlaskClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 302
    location = urlsplit(r.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": [url]}


def test_redirect_keeps_the_query(client: FlaskClient) -> None:
    r = client.get("/history?meter=1")
    assert r.status_code == 302
    assert parse_qs(urlsplit(r.headers["Location"]).query) == {"next": ["/history?meter=1"]}


@pytest.mark.parametrize("url", ["/", "/history", "/settings"])
def test_pages_render_for_a_session(session_client: FlaskClient, url: str) -> None:
    r = session_client.get(url)
    assert r.status_code == 200
    assert r.mimetype == "text/html"


def test_login_page_renders(client: FlaskClient) -> None:
    r = client.get("/login")
    assert r.status_code == 200
    assert r.mimetype == "text/html"


def test_logged_in_user_skips_the_login_page(session_client: FlaskClient) -> None:
    r = session_client.get("/login?next=/history")
    assert r.status_code == 302
    assert r.headers["Location"] == "/history"


def test_logout_needs_post(session_client: FlaskClient) -> None:
    assert session_client.get("/logout").status_code == 405


def test_language_choice(env: Env) -> None:
    app = env.app
    with app.test_request_context("/login"):
        from dashboard.web.pages import current_language

        assert current_language() == "fr"  # [web] language
    with app.test_request_context("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}):
        assert current_language() == "en"
    with app.test_request_context("/login", headers={"Accept-Language": "de, fr-CH;q=0.5"}):
        assert current_language() == "fr"
    with app.test_request_context("/login?lang=en", headers={"Accept-Language": "fr"}):
        assert current_language() == "en"
    with app.test_request_context("/login?lang=xx"):
        assert current_language() == "fr"


def test_language_is_remembered_in_the_session(client: FlaskClient) -> None:
    assert 'lang="en"' in client.get("/login?lang=en").get_data(as_text=True)
    with client.session_transaction() as sess:
        assert sess["lang"] == "en"
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    assert 'lang="fr"' in client.get("/login?lang=fr").get_data(as_text=True)


def _csrf(c: FlaskClient) -> str:
    c.get("/settings")
    with c.session_transaction() as sess:
        return str(sess["_csrf"])


@pytest.mark.parametrize("form,status", [
    ({"action": "create", "name": ""}, 400),
    ({"action": "create", "name": "x" * 65}, 400),
    ({"action": "create", "name": "a\nb"}, 400),
    ({"action": "explode"}, 400),
    ({"action": "revoke", "token_id": "abc"}, 404),
    ({"action": "revoke", "token_id": "999"}, 404),
])
def test_settings_form_errors(session_client: FlaskClient, env: Env, form: Dict[str, str],
                              status: int) -> None:
    before = len(env.store.tokens(env.user_id))
    r = session_client.post("/settings", data={**form, "csrf_token": _csrf(session_client)})
    assert r.status_code == status
    assert len(env.store.tokens(env.user_id)) == before


def test_cannot_revoke_another_users_token(session_client: FlaskClient, env: Env,
                                           password_hash: str) -> None:
    from dashboard.web.auth import new_api_token

    other = env.store.create_user("other", password_hash)
    _, digest = new_api_token()
    other_token = env.store.create_token(other, "theirs", digest)
    r = session_client.post("/settings", data={"action": "revoke", "token_id": str(other_token),
                                               "csrf_token": _csrf(session_client)})
    assert r.status_code == 404
    assert env.store.tokens(other)[0].revoked is False
