"""Helpers of the MQTT tests: a real Mosquitto broker in a temporary folder and a subscriber.

:class:`Broker` writes a ``mosquitto.conf`` (one listener on a free port of 127.0.0.1,
persistence in the folder so that a restart keeps retained messages and the subscriber's
session) and can be stopped and started again on the same port. :class:`Subscriber` is a paho
client with a persistent session that records every message it receives.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
MOSQUITTO_PASSWD = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(cond: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    """Poll ``cond`` every 20 ms until it returns a true value; AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Broker:
    """A Mosquitto process on 127.0.0.1:<free port>, its config and data under ``folder``."""

    def __init__(self, folder: Path, *, users: Optional[Dict[str, str]] = None,
                 tls: Optional["TestCerts"] = None) -> None:
        if not os.path.exists(MOSQUITTO):
            raise AssertionError("the MQTT tests need a real broker: apt-get install mosquitto")
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: Optional[subprocess.Popen[bytes]] = None
        lines = [
            f"listener {self.port} 127.0.0.1",
            # as root mosquitto would switch to the "mosquitto" user, who cannot write here
            f"user {pwd.getpwuid(os.getuid()).pw_name}",
            "persistence true",
            f"persistence_location {folder}/",
            "persistence_file mosquitto.db",
            "log_dest stdout",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
        ]
        if tls is not None:
            lines += [f"cafile {tls.ca}", f"certfile {tls.cert}", f"keyfile {tls.key}"]
        if users:
            pwfile = folder / "passwd"
            pwfile.write_text("", encoding="utf-8")
            for user, password in users.items():
                subprocess.run([MOSQUITTO_PASSWD, "-b", str(pwfile), user, password], check=True,
                               capture_output=True)
            os.chmod(pwfile, 0o600)
            lines += ["allow_anonymous false", f"password_file {pwfile}"]
        else:
            lines.append("allow_anonymous true")
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.log = folder / "mosquitto.log"

    def start(self) -> None:
        """Start the broker and wait until it accepts connections."""
        assert self.proc is None
        out = open(self.log, "ab")
        try:
            self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=out, stderr=subprocess.STDOUT)
        finally:
            out.close()

        def accepting() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"mosquitto exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                return False

        wait_until(accepting, 10, "mosquitto to accept connections")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the broker (SIGTERM: it saves its persistence file first)."""
        if self.proc is None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None


@dataclass(frozen=True)
class TestCerts:
    """A throw-away CA and a server certificate for 127.0.0.1 / localhost."""

    ca: Path
    cert: Path
    key: Path


def make_certs(folder: Path) -> TestCerts:
    """Create a CA and a server certificate (SAN IP:127.0.0.1, DNS:localhost) with openssl."""
    folder.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=compteur test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=localhost")
    (folder / "ext.cnf").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "authorityKeyIdentifier=keyid,issuer\nsubjectKeyIdentifier=hash\n",
        encoding="utf-8",
    )
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    for name in ("server.key", "ca.key"):
        os.chmod(folder / name, 0o644)
    return TestCerts(folder / "ca.pem", folder / "server.pem", folder / "server.key")


@dataclass(frozen=True)
class Message:
    """One received message."""

    topic: str
    payload: bytes
    retain: bool
    qos: int
    at: float

    def json(self) -> Any:
        """The payload parsed as JSON."""
        return json.loads(self.payload.decode("utf-8"))


class Subscriber:
    """A paho client (persistent session, QoS 1) recording the messages of its topics."""

    def __init__(self, port: int, topics: List[str], *, client_id: str = "test-subscriber",
                 username: Optional[str] = None, password: Optional[str] = None,
                 ca_file: Optional[Path] = None) -> None:
        self.topics = topics
        self.messages: List[Message] = []
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                  protocol=paho.MQTTv311, clean_session=False)
        if username is not None:
            self.client.username_pw_set(username, password)
        if ca_file is not None:
            self.client.tls_set(ca_certs=str(ca_file))
        self.client.reconnect_delay_set(1, 2)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        assert self.subscribed.wait(10), "the subscriber could not subscribe"

    def _on_connect(self, client: paho.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if not reason.is_failure:
            client.subscribe([(t, 1) for t in self.topics])

    def _on_subscribe(self, _c: Any, _u: Any, _mid: Any, _codes: Any, _p: Any) -> None:
        self.subscribed.set()

    def _on_message(self, _c: Any, _u: Any, msg: paho.MQTTMessage) -> None:
        with self.lock:
            self.messages.append(Message(msg.topic, bytes(msg.payload), bool(msg.retain), msg.qos, time.monotonic()))

    def on(self, topic: str) -> List[Message]:
        """The messages received on ``topic`` so far."""
        with self.lock:
            return [m for m in self.messages if m.topic == topic]

    def matching(self, pred: Callable[[str], bool]) -> List[Message]:
        """The messages whose topic satisfies ``pred``."""
        with self.lock:
            return [m for m in self.messages if pred(m.topic)]

    def latest(self) -> Dict[str, Message]:
        """The last message per topic."""
        out: Dict[str, Message] = {}
        with self.lock:
            for m in self.messages:
                out[m.topic] = m
        return out

    def publish(self, topic: str, payload: str, *, retain: bool = False) -> None:
        """Publish a message (QoS 1) and wait for its acknowledgement."""
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(5)

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
        self.client.loop_stop()


def state_times(sub: Subscriber, topic: str) -> List[Tuple[str, Dict[str, Any]]]:
    """(time, payload) of every state message received on ``topic`` (duplicates kept)."""
    return [(m.json()["time"], m.json()) for m in sub.on(topic)]
