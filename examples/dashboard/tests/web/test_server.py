"""The real server (waitress on a free port): HTTP requests and the live event stream."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from typing import Any, Iterator, List, Optional, Tuple

import pytest

from webenv import Env, make_config
from dashboard.store import Sample
from dashboard.web.server import make_server, stop


class Running:
    """A waitress server running in a thread."""

    def __init__(self, env: Env, **web: Any) -> None:
        config = make_config(env.tmp, **web) if web else env.config
        self.server = make_server(config, env.store, port=0)
        self.port = int(self.server.effective_port)
        self.host = str(self.server.effective_host)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def connection(self, timeout: float = 5.0) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def stop(self) -> None:
        stop(self.server)
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def running(env: Env) -> Iterator[Running]:
    r = Running(env)
    yield r
    r.stop()


def test_binds_localhost_by_default(running: Running) -> None:
    assert running.host == "127.0.0.1"
    conn = running.connection()
    conn.request("GET", "/api/health")
    response = conn.getresponse()
    body = json.loads(response.read())
    assert response.status == 200
    assert body["status"] in ("ok", "degraded")
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Server") == "compteur-dashboard"


def test_token_over_http(running: Running, env: Env) -> None:
    conn = running.connection()
    conn.request("GET", "/api/data", headers=env.bearer())
    response = conn.getresponse()
    assert response.status == 200
    assert json.loads(response.read())["time"] == "2026-11-13T23:45:00+01:00"
    conn.request("GET", "/api/data")
    response = conn.getresponse()
    assert response.status == 401
    response.read()


def _read_event(response: http.client.HTTPResponse, deadline: float) -> Tuple[Optional[str], str]:
    """Read one SSE block: (event name or None for a comment/retry block, raw text)."""
    lines: List[str] = []
    while time.monotonic() < deadline:
        line = response.readline().decode("utf-8")
        if line == "":
            raise EOFError("the stream ended")
        if line == "\n":
            if lines:
                break
            continue
        lines.append(line.rstrip("\n"))
    text = "\n".join(lines)
    for line in lines:
        if line.startswith("event: "):
            return line[len("event: "):], text
    return None, text


def test_stream_delivers_a_new_reading_within_2_s(env: Env) -> None:
    running = Running(env)
    try:
        conn = running.connection(timeout=10)
        conn.request("GET", "/api/stream", headers=env.bearer())
        response = conn.getresponse()
        assert response.status == 200
        assert (response.getheader("Content-Type") or "").startswith("text/event-stream")
        assert response.getheader("Cache-Control") == "no-store"
        deadline = time.monotonic() + 10
        assert _read_event(response, deadline) == (None, "retry: 3000")
        name, text = _read_event(response, deadline)
        assert name == "reading"
        assert "2026-11-13T23:45:00+01:00" in text

        ts = int(time.time())
        stored = time.monotonic()
        env.store.add_readings(env.meter_id, [Sample(ts, {"active_power_import": 4321.0}, None, ())])
        while True:
            name, text = _read_event(response, stored + 5)
            if name == "reading":
                break
        delay = time.monotonic() - stored
        data = json.loads(text.split("data: ", 1)[1])
        assert f"id: {ts}" in text
        assert data["values"]["active_power_import"] == 4321.0
        print(f"SSE: the new reading arrived {delay:.3f} s after it was stored")
        assert delay <= 2.0, f"the reading arrived after {delay:.2f} s"
        conn.close()
    finally:
        running.stop()


def test_stream_keepalive_and_end(env: Env) -> None:
    env.app.config.update(SSE_KEEPALIVE=0.1, SSE_MAX_DURATION=0.5, SSE_POLL_INTERVAL=0.05)
    r = env.app.test_client().get("/api/stream", headers=env.bearer())
    text = r.get_data(as_text=True)  # ends after SSE_MAX_DURATION
    assert text.startswith("retry: 3000\n\nevent: reading\n")
    assert text.count(": keep-alive\n\n") >= 2


def test_stream_count_is_capped(env: Env) -> None:
    st = env.app.extensions["compteur_dashboard"]
    client = env.app.test_client()
    opened = [client.get("/api/stream", headers=env.bearer(), buffered=False)
              for _ in range(st.max_streams)]
    assert all(r.status_code == 200 for r in opened)
    refused = client.get("/api/stream", headers=env.bearer())
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "10"
    assert refused.get_json()["message"].startswith("too many live streams are open")
    for r in opened:
        r.close()
    again = client.get("/api/stream", headers=env.bearer(), buffered=False)
    assert again.status_code == 200
    again.close()


def test_stopping_the_server_ends_open_streams(env: Env) -> None:
    running = Running(env)
    conn = running.connection(timeout=10)
    conn.request("GET", "/api/stream", headers=env.bearer())
    response = conn.getresponse()
    assert response.status == 200
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 8


def test_host_setting_is_used(env: Env) -> None:
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    server = make_server(make_config(env.tmp, host="127.0.0.1", port=port), env.store)
    try:
        assert int(server.effective_port) == port
        assert server.effective_host == "127.0.0.1"
    finally:
        stop(server)
