"""Authentication of the dashboard: password hashing, API tokens, login rate limiting.

Passwords are hashed with Argon2id (``argon2-cffi``, the RFC 9106 "low memory" parameters:
3 passes over 64 MiB with 4 lanes). :func:`hash_password` and :func:`verify_password` are the
only two functions the rest of the package uses, so the command line (``init``,
``user add``) and the login form always agree.

API tokens are ``secrets.token_urlsafe(32)`` strings (256 random bits). Only their SHA-256 hex
digest is stored; the token itself is shown once when it is created. Tokens are read-only:
the request guard in :mod:`dashboard.web.security` refuses every state-changing request that
carries one.

Failed logins are counted in memory per client address and per user name
(:class:`LoginLimiter`): after 5 failures within 15 minutes further attempts are answered with
429 and a ``Retry-After`` header until the oldest failure leaves the window. The counters live
in the process (a restart clears them); that is enough for a single-process server bound to
the local network.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "hash_password",
    "verify_password",
    "password_needs_rehash",
    "new_api_token",
    "token_digest",
    "LoginLimiter",
    "TokenCache",
    "Principal",
    "burn_password_check",
]

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile

#: A valid hash of a random password, verified when the user name is unknown so that a
#: failed login takes the same time whether or not the user exists (made on first use).
_dummy_hash: Optional[str] = None
_dummy_lock = threading.Lock()


def hash_password(password: str) -> str:
    """Hash ``password`` with Argon2id and return the PHC string (``$argon2id$v=19$...``).

    Raises :class:`ValueError` for an empty password.
    """
    if not isinstance(password, str) or password == "":
        raise ValueError("the password must be a non-empty string")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether ``password`` matches ``password_hash`` (made by :func:`hash_password`).

    Never raises for a wrong password or a malformed hash: both give ``False``.
    """
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError, TypeError, ValueError):
        return False


def burn_password_check(password: str) -> None:
    """Spend the time of one password verification (used when the user name is unknown)."""
    global _dummy_hash
    with _dummy_lock:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
        dummy = _dummy_hash
    verify_password(dummy, password)


def password_needs_rehash(password_hash: str) -> bool:
    """Return whether ``password_hash`` was made with weaker parameters than the current ones."""
    try:
        return bool(_hasher.check_needs_rehash(password_hash))
    except (InvalidHashError, ValueError):
        return True


def new_api_token() -> Tuple[str, str]:
    """Create an API token; return ``(token, sha256 hex digest)``. Store only the digest."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest under which ``token`` is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who made a request: the user, and the API token id when a token was used."""

    user_id: int
    username: str
    is_admin: bool
    token_id: Optional[int] = None

    @property
    def read_only(self) -> bool:
        """API tokens are read-only; a browser session is not."""
        return self.token_id is not None


class LoginLimiter:
    """Sliding-window counter of failed logins per client address and per user name.

    ``max_failures`` failures within ``window`` seconds block further attempts of that key
    until the oldest failure is older than the window. Thread-safe; memory is bounded by
    dropping the oldest keys beyond ``max_keys``.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window: float = 15 * 60,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        self._failures: Dict[str, Deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> Optional[Deque[float]]:
        entries = self._failures.get(key)
        if entries is None:
            return None
        while entries and entries[0] <= now - self.window:
            entries.popleft()
        if not entries:
            del self._failures[key]
            return None
        return entries

    def retry_after(self, *keys: str) -> int:
        """Seconds until an attempt is allowed for all ``keys``; 0 when allowed now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                entries = self._prune(key, now)
                if entries is not None and len(entries) >= self.max_failures:
                    wait = max(wait, entries[0] + self.window - now)
        return 0 if wait <= 0 else max(1, int(wait + 0.999))

    def failure(self, *keys: str) -> None:
        """Record one failed attempt for every key."""
        now = self._clock()
        with self._lock:
            for key in keys:
                entries = self._prune(key, now)
                if entries is None:
                    if len(self._failures) >= self.max_keys:
                        oldest = min(self._failures, key=lambda k: self._failures[k][-1])
                        del self._failures[oldest]
                    entries = self._failures[key] = deque()
                entries.append(now)
                while len(entries) > self.max_failures:
                    entries.popleft()

    def reset(self, key: str) -> None:
        """Forget the failures of ``key`` (after a successful login of that user)."""
        with self._lock:
            self._failures.pop(key, None)


class TokenCache:
    """A short-lived cache of API token lookups (digest → principal or ``None``).

    Keeps the hot path of scripted requests free of a database query per request. Entries
    live ``ttl`` seconds; revoking a token through the dashboard clears the cache at once, a
    revocation made directly in the database takes effect within ``ttl``.
    """

    def __init__(self, ttl: float = 2.0, max_entries: int = 1024) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: Dict[str, Tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Tuple[bool, Any]:
        """Return ``(found, value)`` for a fresh entry."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None or entry[0] < now:
                return False, None
            return True, entry[1]

    def put(self, digest: str, value: Any) -> None:
        """Remember ``value`` for ``digest`` during ``ttl`` seconds."""
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[digest] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        """Drop every entry (after a token was revoked)."""
        with self._lock:
            self._entries.clear()
