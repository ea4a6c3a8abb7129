"""The HTML pages: login, logout, live view, history, analyses, settings (API tokens).

Routes (endpoint names in parentheses, for ``url_for``):

* ``GET /login`` (``login``): ``login.html`` with ``error`` (a translation key or ``None``) and
  ``next`` (where to go after logging in). ``POST /login``: form fields ``username``,
  ``password``, ``next``, ``csrf_token``. Wrong credentials: 401 with
  ``error = "login.error.invalid"``; too many failures: 429 with ``Retry-After`` and
  ``"login.error.rate_limited"``; a missing or stale CSRF token: 403 with
  ``"login.error.csrf"``; no user exists yet: ``"login.error.no_users"``.
* ``POST /logout`` (``logout``): form field ``csrf_token``; ends the session, back to /login.
* ``GET /`` (``live``): ``live.html``. ``GET /history`` (``history``): ``history.html``.
  ``GET /analytics`` (``analytics``): ``analytics.html`` (alerts, forecast, standby, monthly
  costs; the page fetches everything from the JSON API).
* ``GET /settings`` (``settings``): ``settings.html`` with ``tokens`` (the user's API tokens:
  objects with ``id``, ``name``, ``created_utc``, ``last_used_utc``, ``revoked``),
  ``new_token`` (``None``) and ``error``. ``POST /settings`` with ``csrf_token`` and
  ``action=create`` plus ``name`` (1 to 64 characters) creates a token and answers the page
  with ``new_token`` set — the only time the token is shown; ``action=revoke`` plus
  ``token_id`` revokes one and redirects (303) to ``/settings``. Errors:
  ``"settings.error.name"`` (400), ``"settings.error.not_found"`` (404),
  ``"settings.error.action"`` (400).

Every template gets ``user`` (the :class:`~dashboard.web.auth.Principal` or ``None``),
``lang``, ``t`` (translate a key), ``csrf_token()``, ``meters`` and ``config_currency``. The
language comes from ``?lang=fr|en`` (remembered in the session), else the browser's
``Accept-Language``, else ``[web] language``. Pages other than /login need a logged-in
session (API tokens do not open pages); anonymous visitors are redirected to /login.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Optional, TypeVar, cast
from urllib.parse import urlsplit

from flask import Flask, Response, redirect, render_template, request, session, url_for

from .auth import burn_password_check, new_api_token, verify_password
from .security import csrf_token
from .state import state

__all__ = ["register", "csrf_failure", "safe_next"]

F = TypeVar("F", bound=Callable[..., Any])

_LANG_KEY = "lang"
_MAX_USERNAME = 150
_MAX_PASSWORD = 1024
_MAX_TOKEN_NAME = 64


def _translator(lang: str) -> Callable[[str], str]:
    try:
        from .i18n import translator
    except ImportError:  # the UI module is optional for the backend
        return lambda key: key
    try:
        return translator(lang)
    except Exception:  # noqa: BLE001 - a broken catalogue must not take the pages down
        return lambda key: key


def _languages() -> tuple:  # type: ignore[type-arg]
    try:
        from .i18n import LANGUAGES
    except ImportError:
        return ("fr", "en")
    return tuple(LANGUAGES)


def current_language() -> str:
    """The language of this request: ``?lang=``, the session, ``Accept-Language``, config."""
    languages = _languages()
    asked = request.args.get("lang")
    if asked in languages:
        session[_LANG_KEY] = asked
        return str(asked)
    remembered = session.get(_LANG_KEY)
    if remembered in languages:
        return str(remembered)
    default = state().config.web.language
    if default not in languages:
        default = languages[0]
    header = request.headers.get("Accept-Language")
    try:
        from .i18n import best_language
    except ImportError:
        best = request.accept_languages.best_match(languages)
        return str(best) if best else str(default)
    return best_language(header, default)


def _context() -> Dict[str, Any]:
    from . import current_principal

    st = state()
    lang = current_language()
    try:
        meters = st.meters()
    except Exception:  # noqa: BLE001 - the page still renders without the meter list
        meters = []
    return {
        "user": current_principal(),
        "lang": lang,
        "t": _translator(lang),
        "csrf_token": csrf_token,
        "meters": meters,
        "config_currency": st.config.costs.currency,
    }


def _render(template: str, status: int = 200, **extra: Any) -> Response:
    context = _context()
    context.update(extra)
    response = Response(render_template(template, **context), status=status,
                        mimetype="text/html")
    return response


def safe_next(target: Optional[str]) -> str:
    """``target`` when it is a path on this site, else ``/`` (no open redirects)."""
    if not target or len(target) > 2000:
        return "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def login_required(view: F) -> F:
    """Redirect anonymous visitors to /login (with ``next``)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from . import current_principal

        if current_principal() is None:
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("login", next=target), code=302)
        return view(*args, **kwargs)

    return cast(F, wrapper)


def csrf_failure() -> Response:
    """The answer to a form sent without the session's CSRF token (403)."""
    if request.endpoint == "login":
        return _render("login.html", 403, error="login.error.csrf",
                       next=safe_next(request.form.get("next")))
    return Response(
        "The form was refused: its CSRF token is missing or out of date. Reload the page.",
        status=403,
        mimetype="text/plain",
    )


def login() -> Response:
    """Show the login form; check the credentials with rate limiting."""
    from . import SESSION_USER_KEY, current_principal

    st = state()
    if request.method == "GET":
        target = safe_next(request.args.get("next"))
        if current_principal() is not None:
            return cast(Response, redirect(target, code=302))
        error = None
        try:
            if st.store.user_count() == 0:
                error = "login.error.no_users"
        except Exception:  # noqa: BLE001 - the form still shows
            error = None
        return _render("login.html", error=error, next=target if target != "/" else None)

    username = (request.form.get("username") or "").strip()[:_MAX_USERNAME]
    password = request.form.get("password") or ""
    target = safe_next(request.form.get("next"))
    next_field = target if target != "/" else None
    keys = (f"ip:{request.remote_addr or '?'}", f"user:{username.casefold()}")
    wait = st.limiter.retry_after(*keys)
    if wait:
        response = _render("login.html", 429, error="login.error.rate_limited", next=next_field)
        response.headers["Retry-After"] = str(wait)
        return response
    user = st.store.user_by_name(username) if username else None
    if user is None or len(password) > _MAX_PASSWORD:
        burn_password_check(password[:_MAX_PASSWORD])
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok or user is None:
        st.limiter.failure(*keys)
        return _render("login.html", 401, error="login.error.invalid", next=next_field)
    st.limiter.reset(keys[1])
    lang = session.get(_LANG_KEY)
    session.clear()
    session[SESSION_USER_KEY] = int(user.id)
    if lang:
        session[_LANG_KEY] = lang
    session.permanent = True
    csrf_token()  # a fresh CSRF token for the new session
    return cast(Response, redirect(target, code=303))


def logout() -> Response:
    """End the session (POST with the CSRF token)."""
    lang = session.get(_LANG_KEY)
    session.clear()
    if lang:
        session[_LANG_KEY] = lang
    return cast(Response, redirect(url_for("login"), code=303))


@login_required
def live() -> Response:
    """The live view."""
    return _render("live.html")


@login_required
def history() -> Response:
    """The history view."""
    return _render("history.html")


@login_required
def analytics() -> Response:
    """The analyses page: alerts, forecast, standby and costs by month."""
    return _render("analytics.html")


@login_required
def settings() -> Response:
    """API tokens: list, create (shown once), revoke."""
    from . import current_principal

    st = state()
    principal = current_principal()
    assert principal is not None  # login_required
    if request.method == "GET":
        return _settings_page(principal.user_id)
    action = request.form.get("action")
    if action == "create":
        name = (request.form.get("name") or "").strip()
        if not name or len(name) > _MAX_TOKEN_NAME or any(ord(c) < 32 for c in name):
            return _settings_page(principal.user_id, 400, error="settings.error.name")
        token, digest = new_api_token()
        st.store.create_token(principal.user_id, name, digest)
        return _settings_page(principal.user_id, 201, new_token=token, new_token_name=name)
    if action == "revoke":
        raw_id = (request.form.get("token_id") or "").strip()
        if not raw_id.isdigit() or not raw_id.isascii() or len(raw_id) > 12:
            return _settings_page(principal.user_id, 404, error="settings.error.not_found")
        revoked = st.store.revoke_token(principal.user_id, int(raw_id))
        st.forget_tokens()
        if not revoked:
            return _settings_page(principal.user_id, 404, error="settings.error.not_found")
        return cast(Response, redirect(url_for("settings"), code=303))
    return _settings_page(principal.user_id, 400, error="settings.error.action")


def _settings_page(user_id: int, status: int = 200, **extra: Any) -> Response:
    st = state()
    extra.setdefault("new_token", None)
    extra.setdefault("error", None)
    return _render("settings.html", status, tokens=list(st.store.tokens(user_id)), **extra)


def register(app: Flask) -> None:
    """Add the page routes to ``app``."""
    app.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", logout, methods=["POST"])
    app.add_url_rule("/", "live", live)
    app.add_url_rule("/history", "history", history)
    app.add_url_rule("/analytics", "analytics", analytics)
    app.add_url_rule("/settings", "settings", settings, methods=["GET", "POST"])
