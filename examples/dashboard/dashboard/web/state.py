"""Per-application state of the web server: the store, the config and the small caches.

The caches keep the hot paths lean under load (``/api/data`` polled by scripts, many tabs
streaming): the latest reading of a meter is shared for half a second, the meter list for five
seconds, API token lookups for two seconds. All of them are thread-safe (waitress serves
requests from a thread pool).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, current_app

from ..quantities import QUANTITIES
from .auth import LoginLimiter, Principal, TokenCache, token_digest
from .params import ApiError, IsoFormatter

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..store import Store

__all__ = ["WebState", "state", "LatestPayload"]

_EXTENSION = "compteur_dashboard"


@dataclass(frozen=True)
class LatestPayload:
    """The ``/api/data`` object of one meter, with its JSON text and the reading time."""

    ts: int
    data: Dict[str, Any]
    text: str


class WebState:
    """Everything the views need besides the request: store, config, caches, limits."""

    LATEST_TTL = 0.5
    METERS_TTL = 5.0
    TOUCH_EVERY = 60.0

    def __init__(self, config: "Config", store: "Store") -> None:
        self.config = config
        self.store = store
        self.limiter = LoginLimiter()
        self.tokens = TokenCache(ttl=2.0)
        self.users = TokenCache(ttl=2.0)
        self._lock = threading.Lock()
        self._latest: Dict[int, Tuple[float, Optional[LatestPayload]]] = {}
        self._meters: Optional[Tuple[float, List[Any]]] = None
        self._touched: Dict[int, float] = {}
        self._zones: Dict[str, ZoneInfo] = {}
        self._formatters: Dict[str, IsoFormatter] = {}
        threads = int(getattr(config.web, "threads", 16))
        #: At most this many Server-Sent Event streams at once (each holds a server thread).
        self.max_streams = max(1, threads // 2)
        self.streams = threading.BoundedSemaphore(self.max_streams)
        self.stopping = threading.Event()

    # -- meters ------------------------------------------------------------------------------

    def meters(self, *, fresh: bool = False) -> List[Any]:
        """The meters (cached a few seconds unless ``fresh``)."""
        now = time.monotonic()
        cached = self._meters
        if not fresh and cached is not None and cached[0] > now:
            return cached[1]
        meters = list(self.store.meters())
        self._meters = (now + self.METERS_TTL, meters)
        return meters

    def meter(self, meter_id: Optional[int]) -> Any:
        """The meter ``meter_id`` (default: the first one); :class:`ApiError` 404 if none."""
        meters = self.meters()
        if meter_id is None:
            if not meters:
                meters = self.meters(fresh=True)
            if not meters:
                raise ApiError(404, "no meter has been recorded yet")
            return meters[0]
        for meter in meters:
            if meter.id == meter_id:
                return meter
        meter = self.store.meter(meter_id)
        if meter is None:
            raise ApiError(404, f"there is no meter with id {meter_id}", parameter="meter")
        self._meters = None
        return meter

    def zone(self, name: str) -> ZoneInfo:
        """The ``ZoneInfo`` of a meter's time zone name (the config's zone if unknown)."""
        zone = self._zones.get(name)
        if zone is None:
            try:
                zone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                zone = ZoneInfo(self.config.meter.timezone)
            self._zones[name] = zone
        return zone

    def formatter(self, name: str) -> IsoFormatter:
        """A cached :class:`IsoFormatter` for a time zone name."""
        fmt = self._formatters.get(name)
        if fmt is None:
            fmt = self._formatters[name] = IsoFormatter(self.zone(name))
        return fmt

    # -- latest reading ----------------------------------------------------------------------

    def latest(self, meter: Any) -> Optional[LatestPayload]:
        """The ``/api/data`` object of ``meter``, shared for up to ``LATEST_TTL`` seconds."""
        ttl = self.LATEST_TTL
        now = time.monotonic()
        cached = self._latest.get(meter.id)
        if cached is not None and cached[0] > now:
            return cached[1]
        reading = self.store.latest(meter.id)
        payload = None if reading is None else self._latest_payload(meter, reading)
        with self._lock:
            self._latest[meter.id] = (now + ttl, payload)
        return payload

    def _latest_payload(self, meter: Any, reading: Any) -> LatestPayload:
        moment: datetime = reading.time
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        ts = int(moment.timestamp())
        values = {
            name: _finite(value)
            for name, value in reading.values.items()
            if name in QUANTITIES
        }
        obis = []
        for item in reading.obis or ():
            code, value, unit = (tuple(item) + (None, None, None))[:3]
            obis.append({"obis": str(code), "value": value,
                         "unit": None if unit is None else str(unit)})
        data: Dict[str, Any] = {
            "meter": meter.id,
            "time": self.formatter(meter.timezone).one(ts),
            "values": values,
            "units": {name: QUANTITIES[name].unit for name in values},
            "obis": obis,
        }
        text = json.dumps(data, separators=(",", ":"), allow_nan=False)
        return LatestPayload(ts, data, text)

    # -- principals --------------------------------------------------------------------------

    def principal_from_token(self, token: str) -> Optional[Principal]:
        """The principal of an API token, ``None`` when unknown or revoked."""
        digest = token_digest(token)
        found, principal = self.tokens.get(digest)
        if not found:
            principal = None
            row = self.store.token_by_hash(digest)
            if row is not None and not bool(getattr(row, "revoked", False)):
                user = self.store.user_by_id(row.user_id)
                if user is not None:
                    principal = Principal(user.id, user.username, bool(user.is_admin), row.id)
            self.tokens.put(digest, principal)
        if principal is not None:
            self._touch(principal.token_id)
        return principal  # type: ignore[no-any-return]

    def _touch(self, token_id: Optional[int]) -> None:
        if token_id is None:
            return
        now = time.monotonic()
        last = self._touched.get(token_id)
        if last is not None and now - last < self.TOUCH_EVERY:
            return
        self._touched[token_id] = now
        try:
            self.store.touch_token(token_id)
        except Exception:  # noqa: BLE001 - last-used bookkeeping must never fail a request
            current_app.logger.warning("could not record the use of API token %s", token_id)

    def principal_from_user_id(self, user_id: int) -> Optional[Principal]:
        """The principal of a logged-in user, ``None`` when the user no longer exists."""
        key = f"user:{user_id}"
        found, principal = self.users.get(key)
        if not found:
            user = self.store.user_by_id(user_id)
            principal = (
                None if user is None
                else Principal(user.id, user.username, bool(user.is_admin))
            )
            self.users.put(key, principal)
        return principal  # type: ignore[no-any-return]

    def forget_tokens(self) -> None:
        """Drop cached token lookups (after a revocation)."""
        self.tokens.clear()


def _finite(value: Any) -> Optional[float]:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def install(app: Flask, web_state: WebState) -> None:
    """Attach ``web_state`` to ``app``."""
    app.extensions[_EXTENSION] = web_state


def state() -> WebState:
    """The :class:`WebState` of the current application."""
    return app_state(current_app)


def app_state(app: Flask) -> WebState:
    """The :class:`WebState` of ``app``."""
    return app.extensions[_EXTENSION]  # type: ignore[no-any-return]
