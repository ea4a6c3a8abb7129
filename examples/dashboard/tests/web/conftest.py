"""Fixtures of the web tests: the app over A's real seeded SQLite store, logged-in clients.

The data come from ``seeded_store`` of ``tests/conftest.py`` (60 days of 15-minute readings of
meter 1909113 in Europe/Zurich, 2026-09-15 to 2026-11-14 local, through the DST change of
2026-10-25, with a 3-hour gap on 2026-10-10 12:00-15:00); ``seed_info`` and ``counter_at``
there give the exact register values used to compute expected energies and costs by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from flask.testing import FlaskClient

from dashboard.store import Store
from dashboard.web import SESSION_USER_KEY, create_app
from dashboard.web.auth import hash_password, new_api_token
from webenv import PASSWORD, Env, make_config


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One Argon2id hash of :data:`PASSWORD` (hashing is slow on purpose; do it once)."""
    return hash_password(PASSWORD)


@pytest.fixture
def env(seeded_store: Store, tmp_path: Path, password_hash: str) -> Iterator[Env]:
    """The app over the seeded store, a user ``admin`` and one API token of that user."""
    store = seeded_store
    user_id = store.create_user("admin", password_hash, True)
    token, digest = new_api_token()
    token_id = store.create_token(user_id, "tests", digest)
    config = make_config(tmp_path)
    app = create_app(config, store)
    app.config["TESTING"] = True
    meter_id = store.meters()[0].id
    yield Env(app, store, config, meter_id, user_id, token, token_id, tmp_path)


@pytest.fixture
def client(env: Env) -> FlaskClient:
    """An anonymous test client."""
    return env.app.test_client()


@pytest.fixture
def session_client(env: Env) -> FlaskClient:
    """A test client with a logged-in session of ``admin`` (made without a password check)."""
    c = env.app.test_client()
    with c.session_transaction() as sess:
        sess[SESSION_USER_KEY] = env.user_id
    return c
