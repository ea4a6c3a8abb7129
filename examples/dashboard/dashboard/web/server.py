"""Production serving of the dashboard with waitress (pure Python, no C build on a Pi).

waitress runs one I/O thread that accepts and buffers connections and a pool of worker
threads that run the application. Every open live view holds one worker for its
Server-Sent Events stream, so the pool is sized by ``[web] threads`` (16 by default): the
application lets at most half of them stream (more streams get 503 + ``Retry-After``), so at
least eight workers stay free for pages and API calls. The pool serves the 50 concurrent
connections of the load benchmark without errors, because waitress queues requests beyond the
pool instead of refusing them.

The server binds ``[web] host`` (127.0.0.1 unless configured otherwise) and ``[web] port``.
The process's garbage collector runs less often than Python's default (:func:`tune_gc`): large
answers allocate many short-lived objects, and frequent full collections doubled their time.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from typing import TYPE_CHECKING, Any, Optional

from . import create_app
from .state import app_state

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..store import Store

__all__ = ["serve", "make_server", "stop", "tune_gc", "GC_THRESHOLD"]

_log = logging.getLogger(__name__)


#: Generation-0 threshold of the garbage collector in the server process (Python's default
#: is 700). A year of 15-minute data builds some 200,000 objects per request; with the default
#: the collector runs hundreds of times and scans the whole heap several times during one
#: request, which doubled the time of ``/api/readings``. None of those objects form cycles.
GC_THRESHOLD = (10_000, 20, 20)


def tune_gc() -> None:
    """Set the server's garbage-collector thresholds (:data:`GC_THRESHOLD`)."""
    gc.set_threshold(*GC_THRESHOLD)


def make_server(
    config: "Config",
    store: "Store",
    *,
    host: Optional[str] = None,
    port: Optional[int] = None,
) -> Any:
    """Create (not run) the waitress server; ``server.effective_port`` is the bound port.

    Call ``server.run()`` to serve and ``server.close()`` to stop (from another thread).
    """
    from waitress.server import create_server  # type: ignore[import-untyped]

    tune_gc()
    app = create_app(config, store)
    web = config.web
    threads = max(2, int(getattr(web, "threads", 16)))
    server = create_server(
        app,
        host=host if host is not None else web.host,
        port=int(port if port is not None else web.port),
        threads=threads,
        ident="compteur-dashboard",
        # a live view keeps its connection; do not let waitress refuse the 101st socket
        connection_limit=max(100, threads * 8),
        channel_timeout=120,
        clear_untrusted_proxy_headers=True,
        asyncore_use_poll=True,
        # a year of 15-minute data is ~1.4 MB of JSON: keep such answers in memory instead
        # of spilling them to a temporary file (waitress's default threshold is 1 MB)
        outbuf_overflow=16 * 1024 * 1024,
    )
    server.application_state = app_state(app)
    return server


def stop(server: Any) -> None:
    """Stop a server made by :func:`make_server` (callable from any thread).

    Ends the open event streams, lets the worker threads finish their requests and closes
    every socket, so that ``server.run()`` returns.
    """
    from waitress import wasyncore  # type: ignore[import-untyped]

    server.application_state.stopping.set()
    server.task_dispatcher.shutdown()
    wasyncore.close_all(getattr(server, "_map", None) or getattr(server, "map", None))


def _listening(server: Any) -> str:
    listen = getattr(server, "effective_listen", None)
    if listen:
        return ", ".join(f"http://{host}:{port}/" for host, port in listen)
    return f"http://{server.effective_host}:{server.effective_port}/"


def serve(
    config: "Config",
    store: "Store",
    *,
    host: Optional[str] = None,
    port: Optional[int] = None,
    ready: Optional[threading.Event] = None,
) -> None:
    """Serve the dashboard until interrupted (Ctrl-C / SIGTERM via the caller).

    ``host``/``port`` override ``[web] host``/``[web] port``; ``ready`` (optional) is set once
    the socket is bound.
    """
    server = make_server(config, store, host=host, port=port)
    gc.freeze()  # what start-up built lives as long as the process: keep it out of collections
    bound_host = host if host is not None else config.web.host
    if bound_host not in ("127.0.0.1", "localhost", "::1"):
        _log.warning(
            "the dashboard listens on %s: it is reachable from the network; use https "
            "(a reverse proxy) and cookie_secure = true", bound_host,
        )
    _log.info("dashboard on %s", _listening(server))
    if threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if ready is not None:
        ready.set()
    try:
        server.run()
    finally:
        stop(server)


def _exit_on_sigterm(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)
