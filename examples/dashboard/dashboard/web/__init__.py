"""The dashboard's web application: HTML pages, the JSON API and the live event stream.

:func:`create_app` builds the Flask application over a :class:`~dashboard.store.Store`;
:func:`dashboard.web.server.serve` runs it under waitress. One request guard decides, before
any view runs, who is asking (a browser session or an API token), refuses state-changing
requests without the session's CSRF token and every state-changing request made with a token
(tokens are read-only), and answers 401 on the data endpoints when nobody is logged in.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Dict, Optional, Union

from flask import Flask, Response, g, request, session
from werkzeug.exceptions import HTTPException

from .api import PUBLIC_ENDPOINTS, bp as api_bp, json_response
from .auth import Principal
from .params import ApiError
from .security import (
    SAFE_METHODS,
    CookieSessionInterface,
    SecurityHeaders,
    csrf_valid,
    session_cookie_settings,
)
from .state import WebState, app_state, install

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..store import Store

__all__ = ["create_app", "current_principal", "SESSION_USER_KEY"]

#: Session key holding the logged-in user's id.
SESSION_USER_KEY = "uid"

_log = logging.getLogger(__name__)


def current_principal() -> Optional[Principal]:
    """Who made the current request (set by the request guard), or ``None``."""
    return getattr(g, "principal", None)


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def create_app(config: "Config", store: "Store") -> Flask:
    """Build the Flask application of the dashboard over ``store``.

    Reads (or creates, mode 0600) the session signing key named by ``[web] secret_key_file``.
    Application settings a test or a deployment may change afterwards in ``app.config``:
    ``SSE_POLL_INTERVAL`` (0.5 s), ``SSE_KEEPALIVE`` (15 s), ``SSE_MAX_DURATION`` (3600 s).
    """
    from ..config import ensure_secret_key

    app = Flask(__name__)
    web = config.web
    secure: Union[bool, str] = web.cookie_secure
    app.config.update(
        SECRET_KEY=ensure_secret_key(web.secret_key_file),
        MAX_CONTENT_LENGTH=64 * 1024,
        SSE_POLL_INTERVAL=0.5,
        SSE_KEEPALIVE=15.0,
        SSE_MAX_DURATION=3600.0,
        **session_cookie_settings(secure),
    )
    app.session_interface = CookieSessionInterface(secure)
    web_state = WebState(config, store)
    install(app, web_state)

    app.register_blueprint(api_bp)
    from . import pages

    pages.register(app)

    app.before_request(_guard)
    app.after_request(_after)
    app.wsgi_app = SecurityHeaders(  # type: ignore[method-assign]
        app.wsgi_app, static_prefix=(app.static_url_path or "/static") + "/"
    )
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def _unauthorized() -> Response:
    return json_response(
        {
            "error": "unauthorized",
            "message": "log in, or send an API token as 'Authorization: Bearer <token>'",
        },
        401,
        {"WWW-Authenticate": 'Bearer realm="compteur"'},
    )


def _guard() -> Optional[Response]:
    """Authenticate the request, enforce read-only tokens and CSRF, refuse anonymous API use."""
    from flask import current_app

    g.principal = None
    endpoint = request.endpoint
    if endpoint == "static":
        return None
    st: WebState = app_state(current_app)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and (request.content_length or 0) > limit:
        from werkzeug.exceptions import RequestEntityTooLarge

        raise RequestEntityTooLarge()
    api = _is_api(request.path)
    safe = request.method in SAFE_METHODS
    public = endpoint in PUBLIC_ENDPOINTS

    authorization = request.headers.get("Authorization")
    if api and authorization:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() == "bearer":
            principal = st.principal_from_token(credentials.strip()) if credentials.strip() else None
            if principal is None:
                return None if public else _unauthorized()
            if not safe:
                return json_response(
                    {"error": "forbidden", "message": "API tokens are read-only"}, 403
                )
            g.principal = principal
            return None

    user_id = session.get(SESSION_USER_KEY)
    if isinstance(user_id, int):
        g.principal = st.principal_from_user_id(user_id)
        if g.principal is None:
            session.clear()
    if not safe and not csrf_valid(request):
        if api:
            return json_response(
                {"error": "forbidden", "message": "missing or wrong CSRF token (X-CSRF-Token)"},
                403,
            )
        from .pages import csrf_failure

        return csrf_failure()
    if api and not public and g.principal is None:
        return _unauthorized()
    return None


def _after(response: Response) -> Response:
    if not _is_api(request.path) and request.endpoint != "static":
        response.vary.add("Cookie")
    return response


def _http_error(error: HTTPException) -> Union[Response, HTTPException]:
    if not _is_api(request.path):
        return error
    status = error.code or 500
    codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    message = {
        404: f"there is no API endpoint {request.path}",
        405: f"{request.method} is not allowed on {request.path}",
    }.get(status, error.description or error.name)
    response = json_response({"error": codes.get(status, "error"), "message": message}, status)
    if status == 405:
        allowed = error.get_response().headers.get("Allow")
        if allowed:
            response.headers["Allow"] = allowed
    return response


def _api_error(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def _unexpected_error(error: Exception) -> Union[Response, tuple[str, int, Dict[str, str]]]:
    if isinstance(error, HTTPException):  # pragma: no cover - routed to _http_error
        return _http_error(error)  # type: ignore[return-value]
    if _is_database_error(error):
        # the driver's own message only: SQLAlchemy's text would also hold query parameters
        cause = getattr(error, "orig", None) or error
        first = (str(cause).strip().splitlines() or [type(error).__name__])[0][:200]
        _log.warning("database unavailable on %s %s: %s", request.method, request.path, first)
        if _is_api(request.path):
            return json_response(
                {"error": "unavailable", "message": "the database is not available; retry later"},
                503,
                {"Retry-After": "5"},
            )
        return ("The database is not available; retry later.", 503,
                {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "5"})
    _log.exception("unexpected error on %s %s", request.method, request.path)
    if _is_api(request.path):
        return json_response(
            {"error": "internal_error", "message": "internal error; see the server log"}, 500
        )
    return ("Internal error; see the server log.", 500, {"Content-Type": "text/plain; charset=utf-8"})


def _is_database_error(error: Exception) -> bool:
    from sqlalchemy.exc import SQLAlchemyError

    from ..store import StoreError

    return isinstance(error, (StoreError, SQLAlchemyError))
