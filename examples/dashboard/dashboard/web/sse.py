"""Server-Sent Events for the live view (``GET /api/stream``).

The stream first tells the browser to reconnect after 3 s if the connection drops, sends the
latest stored reading as a ``reading`` event at once, then polls the store (through the shared
half-second cache, so many open tabs cost one query) and sends a ``reading`` event for every new
reading; the event data is the ``/api/data`` object and the event id the reading's unix time. A
comment line keeps idle connections alive every 15 s. A stream ends after
``SSE_MAX_DURATION`` seconds (one hour by default; the browser reconnects by itself) or when
the server stops.

Every open stream holds one server thread, so their number is capped (half the server's
threads); beyond the cap the endpoint answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Generator, Optional

from flask import Response, current_app

from .params import ApiError
from .state import WebState

__all__ = ["stream_response", "EventStream"]

_log = logging.getLogger(__name__)


class EventStream:
    """The WSGI body of one event stream; releases its slot when closed or exhausted."""

    def __init__(
        self,
        st: WebState,
        meter: Any,
        *,
        poll: float,
        keepalive: float,
        max_duration: float,
    ) -> None:
        self._st = st
        self._meter = meter
        self._poll = poll
        self._keepalive = keepalive
        self._max_duration = max_duration
        self._released = False
        self._release_lock = threading.Lock()
        self._events = self._generate()

    def __iter__(self) -> "EventStream":
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._events)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the stream and give its slot back (idempotent)."""
        with self._release_lock:
            if self._released:
                return
            self._released = True
        self._events.close()
        self._st.streams.release()

    def _generate(self) -> Generator[bytes, None, None]:
        st = self._st
        started = time.monotonic()
        deadline = started + self._max_duration
        next_keepalive = started + self._keepalive
        yield b"retry: 3000\n\n"
        last_ts: Optional[int] = None
        failing = False
        payload = st.latest(self._meter)
        if payload is not None:
            last_ts = payload.ts
            yield _event(payload.ts, payload.text)
        while True:
            now = time.monotonic()
            if now >= deadline:
                return
            if st.stopping.wait(min(self._poll, max(0.0, deadline - now))):
                return
            try:
                payload = st.latest(self._meter)
            except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the stream
                if not failing:
                    _log.warning("live stream: cannot read the latest reading: %s",
                                 type(exc).__name__)
                failing = True
                payload = None
            else:
                failing = False
            now = time.monotonic()
            if payload is not None and payload.ts != last_ts:
                last_ts = payload.ts
                next_keepalive = now + self._keepalive
                yield _event(payload.ts, payload.text)
            elif now >= next_keepalive:
                next_keepalive = now + self._keepalive
                yield b": keep-alive\n\n"


def _event(ts: int, text: str) -> bytes:
    return f"event: reading\nid: {ts}\ndata: {text}\n\n".encode("utf-8")


def stream_response(st: WebState, meter: Any) -> Response:
    """The streaming response of ``/api/stream`` for ``meter`` (503 when too many are open)."""
    if not st.streams.acquire(blocking=False):
        raise ApiError(
            503,
            f"too many live streams are open (at most {st.max_streams}); retry later",
            headers={"Retry-After": "10"},
        )
    try:
        config = current_app.config
        body = EventStream(
            st,
            meter,
            poll=float(config.get("SSE_POLL_INTERVAL", 0.5)),
            keepalive=float(config.get("SSE_KEEPALIVE", 15.0)),
            max_duration=float(config.get("SSE_MAX_DURATION", 3600.0)),
        )
    except BaseException:
        st.streams.release()
        raise
    response = Response(body, mimetype="text/event-stream")
    response.headers["X-Accel-Buffering"] = "no"
    return response
