"""Security measures of the web application: secret key, session cookie, CSRF, headers.

CSRF protection is a small implementation rather than Flask-WTF: the dashboard has no WTForms
forms, and the whole mechanism fits in a few lines that are easy to audit:

* a random token (``secrets.token_urlsafe(32)``) is kept in the signed session cookie and
  handed to templates through ``csrf_token()``;
* every request whose method is not GET, HEAD or OPTIONS must carry the same token, in the
  ``X-CSRF-Token`` header (JavaScript) or the ``csrf_token`` form field (HTML forms); the
  comparison is constant-time (:func:`hmac.compare_digest`); a missing or different token is
  refused with 403;
* requests authenticated by an API token never reach that check: tokens are read-only, so a
  state-changing request with a token is refused with 403 before anything else.

The session cookie is Flask's signed cookie, HttpOnly, ``SameSite=Lax``, ``Secure`` per the
``[web] cookie_secure`` setting (``auto``: secure when the request came over https).
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any, Dict, List, Optional, Tuple

from flask import Flask, Request, request, session
from flask.sessions import SecureCookieSessionInterface

__all__ = [
    "CSP",
    "SAFE_METHODS",
    "CookieSessionInterface",
    "csrf_token",
    "csrf_valid",
    "SecurityHeaders",
]

#: The Content-Security-Policy of every response: no inline script or style, no third party.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

#: Methods that must not change state; every other method needs a CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

_STATIC_HEADERS: Dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": _PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}

_CSRF_KEY = "_csrf"


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session whose ``Secure`` flag may follow the request scheme."""

    def __init__(self, secure: "bool | str") -> None:
        self.secure_mode = secure

    def get_cookie_secure(self, app: Flask) -> bool:
        """``True``/``False`` as configured; for ``"auto"``: whether the request is https."""
        if self.secure_mode == "auto":
            return bool(request.is_secure)
        return bool(self.secure_mode)


def csrf_token() -> str:
    """Return the CSRF token of the current session, creating it on first use."""
    token = session.get(_CSRF_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[_CSRF_KEY] = token
    return token


def csrf_valid(req: Request) -> bool:
    """Return whether ``req`` carries the session's CSRF token (header or form field)."""
    expected = session.get(_CSRF_KEY)
    if not isinstance(expected, str) or not expected:
        return False
    sent: Optional[str] = req.headers.get("X-CSRF-Token")
    if not sent and req.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = req.form.get("csrf_token")
    if not sent:
        return False
    return hmac.compare_digest(sent.encode("utf-8"), expected.encode("utf-8"))


class SecurityHeaders:
    """WSGI middleware adding the security headers to every response of the wrapped app.

    Working on the WSGI header list (rather than on Flask response objects) keeps this off
    the hot path's profile and covers every answer, errors included. Headers the application
    set itself are left alone. ``Cache-Control: no-store`` goes on everything but static
    files, ``Strict-Transport-Security`` on https requests.
    """

    def __init__(self, app: Any, static_prefix: str = "/static/") -> None:
        self.app = app
        self.static_prefix = static_prefix
        self._always = [(name, value) for name, value in _STATIC_HEADERS.items()]

    def __call__(self, environ: Dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        static = path.startswith(self.static_prefix)
        secure = environ.get("wsgi.url_scheme") == "https"

        def start(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            for name, value in self._always:
                if name.lower() not in present:
                    headers.append((name, value))
            if not static:
                headers[:] = [(n, v) for n, v in headers if n.lower() != "cache-control"]
                headers.append(("Cache-Control", "no-store"))
            if secure and "strict-transport-security" not in present:
                headers.append(("Strict-Transport-Security", "max-age=31536000"))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def session_cookie_settings(secure: "bool | str") -> Dict[str, Any]:
    """Flask configuration of the session cookie."""
    return {
        "SESSION_COOKIE_NAME": "compteur_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure is True,
        "PERMANENT_SESSION_LIFETIME": 7 * 24 * 3600,
    }
