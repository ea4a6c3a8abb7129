"""Where readings come from: the meter's push on a serial port, polling, or the simulator.

Every source runs in its own thread (:meth:`Source.run`), hands readings to a callback as
``(serial, Sample)`` pairs and reports its state in a shared :class:`SourceStatus`. Sources never
give up: a vanished serial adapter, a refused connection or a silent meter lead to a reconnect
with exponential backoff (``reconnect_min`` doubling up to ``reconnect_max``).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from dashboard import timeconv
from dashboard.config import Config
from dashboard.quantities import OBIS_CODES
from dashboard.store import Sample

__all__ = [
    "SourceStatus",
    "Source",
    "PushSource",
    "PollSource",
    "SimulatorSource",
    "make_source",
    "reading_to_sample",
    "Emit",
]

log = logging.getLogger(__name__)

Emit = Callable[[List[Tuple[str, Sample]]], None]

_READING_FIELDS = (
    "active_energy_import",
    "active_energy_export",
    "reactive_energy_import",
    "reactive_energy_export",
    "active_power_import",
    "active_power_export",
    "reactive_power_import",
    "reactive_power_export",
    "power_factor",
    "frequency",
)


def _num(v: Any) -> Optional[float]:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if f == f and f not in (float("inf"), float("-inf")) else None


_OFFSETS: Dict[Tuple[Any, ...], int] = {}
_EPOCH = datetime(1970, 1, 1)


def _unix_of(ts: datetime, tz: ZoneInfo, dst: Optional[bool]) -> int:
    """Unix seconds of a meter timestamp; the UTC offset is cached per local hour and DST bit."""
    if ts.tzinfo is not None:
        return timeconv.to_unix(timeconv.to_utc(ts, tz, dst))
    hour = ts.replace(minute=0, second=0, microsecond=0)
    key = (hour, dst, tz.key)
    off = _OFFSETS.get(key)
    if off is None:
        # offsets only change on the hour in every real zone (minute-level changes: none today)
        utc = timeconv.to_utc(hour, tz, dst)
        off = int((hour - _EPOCH).total_seconds()) - timeconv.to_unix(utc)
        if len(_OFFSETS) > 100_000:
            _OFFSETS.clear()
        _OFFSETS[key] = off
    return int((ts - _EPOCH).total_seconds() // 1) - off


def reading_to_sample(
    reading: Any, tz: ZoneInfo, *, received: Optional[float] = None, default_serial: Optional[str] = None
) -> Tuple[str, Sample]:
    """Convert a ``compteur.Reading`` to ``(serial, Sample)``.

    The timestamp is the meter's (naive local time resolved with the DST bit, or aware); a push
    without one gets the reception time. Raises ``ValueError`` when no serial number is known.
    """
    ts_local = reading.timestamp
    if ts_local is None:
        ts = int(received if received is not None else time.time())
        dst: Optional[bool] = None
    else:
        dst = reading.dst
        ts = _unix_of(ts_local, tz, dst)
    values: Dict[str, Optional[float]] = {}
    for name in _READING_FIELDS:
        values[name] = _num(getattr(reading, name))
    for prefix, triple in (("voltage", reading.voltage), ("current", reading.current)):
        for i, v in enumerate(triple):
            values[f"{prefix}_l{i + 1}"] = _num(v)
    obis = [(str(code), value, unit) for code, value, unit in reading.values]
    serial = reading.serial or default_serial
    if not serial:
        raise ValueError("the push carries no serial number: set [meter] serial in the config")
    return str(serial), Sample(ts, values, dst, obis)


class SourceStatus:
    """The state of a source, shared with the collector (thread-safe)."""

    def __init__(self, kind: str) -> None:
        self._lock = threading.Lock()
        self.kind = kind
        self.state = "stopped"
        self.since = time.time()
        self.reconnects = 0
        self.last_error: Optional[str] = None
        self.frames = {"decoded": 0, "corrupt": 0, "undecryptable": 0}
        self.detail: Optional[str] = None

    def set(self, state: str, error: Optional[str] = None, detail: Optional[str] = None) -> None:
        """Change state (``connected``, ``reconnecting``, ``stopped``)."""
        with self._lock:
            if state != self.state:
                if state == "reconnecting" and self.state == "connected":
                    self.reconnects += 1
                self.state = state
                self.since = time.time()
            if error is not None:
                self.last_error = error
            if detail is not None:
                self.detail = detail

    def count(self, decoded: int = 0, corrupt: int = 0, undecryptable: int = 0) -> None:
        """Add to the frame counters."""
        with self._lock:
            self.frames["decoded"] += decoded
            self.frames["corrupt"] += corrupt
            self.frames["undecryptable"] += undecryptable

    def snapshot(self) -> Dict[str, Any]:
        """The ``source`` object of ``/api/health``."""
        with self._lock:
            return {
                "kind": self.kind,
                "state": self.state,
                "since": timeconv.from_unix(self.since).isoformat(),
                "reconnects": self.reconnects,
                "last_error": self.last_error,
                "frames": dict(self.frames),
            }


class Source:
    """Base class: ``run(emit, stop)`` until ``stop`` is set."""

    kind = "source"

    def __init__(self, status: Optional[SourceStatus] = None) -> None:
        self.status = status or SourceStatus(self.kind)
        self.poke = threading.Event()
        """Set by the collector to ask for a reconnect (the meter went silent)."""

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Produce readings until ``stop`` is set."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the source holds (called after ``run`` returned)."""


class _Backoff:
    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi
        self.delay = lo

    def reset(self) -> None:
        self.delay = self.lo

    def wait(self, stop: threading.Event) -> None:
        stop.wait(self.delay)
        self.delay = min(self.hi, self.delay * 2)


class PushSource(Source):
    """The meter's push (customer interface) on a serial port, decoded by ``compteur.PushListener``."""

    kind = "push"

    def __init__(
        self,
        port: str,
        tz: ZoneInfo,
        *,
        baud: int = 2400,
        parity: str = "even",
        key: Optional[str] = None,
        auth_key: Optional[str] = None,
        template: Optional[str] = None,
        default_serial: Optional[str] = None,
        reconnect_min: float = 1.0,
        reconnect_max: float = 30.0,
        status: Optional[SourceStatus] = None,
    ) -> None:
        super().__init__(status)
        self.port = port
        self.tz = tz
        self.baud = baud
        self.parity = parity
        self._key = key
        self._auth_key = auth_key
        self.template = template
        self.default_serial = default_serial
        self.backoff = _Backoff(reconnect_min, reconnect_max)

    def __repr__(self) -> str:
        return f"PushSource(port={self.port!r}, baud={self.baud}, parity={self.parity!r})"

    def _open(self) -> Any:
        import serial  # type: ignore[import-untyped]

        parity = {"none": serial.PARITY_NONE, "even": serial.PARITY_EVEN, "odd": serial.PARITY_ODD}[self.parity]
        return serial.Serial(
            self.port, self.baud, bytesize=serial.EIGHTBITS, parity=parity,
            stopbits=serial.STOPBITS_ONE, timeout=0.2, exclusive=True,
        )

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Read the port, decode, emit; reopen it when it fails or the collector pokes."""
        import compteur
        import serial

        while not stop.is_set():
            try:
                port = self._open()
            except (serial.SerialException, OSError, ValueError) as e:
                msg = f"cannot open {self.port}: {_oserror(e)}"
                level = logging.DEBUG if msg == self.status.last_error else logging.WARNING
                self.status.set("reconnecting", msg)
                log.log(level, "push source: %s (retry in %.1f s)", msg, self.backoff.delay)
                self.backoff.wait(stop)
                continue
            self.status.set("connected", detail=self.port)
            log.info("push source: connected to %s", self.port)
            self.poke.clear()
            listener = compteur.PushListener(self._key, self._auth_key, self.template)
            seen_errors = 0
            last = {"damaged": 0, "undecryptable": 0}
            had_data = False
            try:
                while not stop.is_set():
                    if self.poke.is_set():
                        self.poke.clear()
                        raise _Reopen("the meter is silent")
                    try:
                        chunk = port.read(1)
                        if chunk:
                            waiting = port.in_waiting
                            if waiting:
                                chunk += port.read(waiting)
                    except (serial.SerialException, OSError) as e:
                        raise _Reopen(f"{self.port}: {_oserror(e)}") from None
                    if not chunk:
                        continue
                    readings = listener.feed(chunk)
                    stats = listener.stats
                    self.status.count(
                        decoded=len(readings),
                        corrupt=stats.get("damaged", 0) - last["damaged"],
                        undecryptable=stats.get("undecryptable", 0) - last["undecryptable"],
                    )
                    last = {"damaged": stats.get("damaged", 0), "undecryptable": stats.get("undecryptable", 0)}
                    errors = listener.errors
                    for _off, msg in errors[seen_errors:]:
                        log.warning("push source: %s", msg)
                    seen_errors = len(errors)
                    if readings:
                        if not had_data:
                            had_data = True
                            self.backoff.reset()
                        now = time.time()
                        out = []
                        for r in readings:
                            try:
                                out.append(reading_to_sample(r, self.tz, received=now, default_serial=self.default_serial))
                            except ValueError as e:
                                log.warning("push source: reading dropped: %s", e)
                        if out:
                            emit(out)
            except _Reopen as e:
                self.status.set("reconnecting", str(e))
                log.warning("push source: %s: reconnecting in %.0f s", e, self.backoff.delay)
                _close(port)
                self.backoff.wait(stop)
                continue
            _close(port)
        self.status.set("stopped")


class _Reopen(Exception):
    pass


def _close(port: Any) -> None:
    try:
        port.close()
    except Exception:  # noqa: BLE001 - closing a vanished device may fail in any way
        pass


def _oserror(e: BaseException) -> str:
    return str(e).strip() or type(e).__name__


class SimulatorSource(PushSource):
    """The built-in simulated E450 pushing to a pseudo-terminal, read as a serial port."""

    kind = "simulator"

    def __init__(
        self,
        tz: ZoneInfo,
        *,
        seed: int = 1,
        history_days: int = 60,
        interval: float = 5.0,
        key: Optional[str] = None,
        auth_key: Optional[str] = None,
        layout: str = "self-describing",
        template: Optional[str] = None,
        simulator: Any = None,
        reconnect_min: float = 1.0,
        reconnect_max: float = 30.0,
        status: Optional[SourceStatus] = None,
    ) -> None:
        import compteur

        self.sim = simulator if simulator is not None else compteur.Simulator(seed=seed, history_days=history_days)
        kwargs: Dict[str, Any] = {"key": key, "auth_key": auth_key, "layout": layout}
        if template is not None:
            kwargs["template"] = template
        path = self.sim.serve_push(interval, **kwargs)
        super().__init__(
            path, tz, baud=115200, parity="none", key=key, auth_key=auth_key, template=template,
            reconnect_min=reconnect_min, reconnect_max=reconnect_max, status=status,
        )
        self.status.kind = "simulator"

    def close(self) -> None:
        """Stop the simulator."""
        try:
            self.sim.close()
        except Exception:  # noqa: BLE001
            pass


class PollSource(Source):
    """Poll a meter over TCP or its optical port (``compteur.Meter``) every ``interval`` s."""

    kind = "poll"

    def __init__(self, config: Config, *, status: Optional[SourceStatus] = None) -> None:
        super().__init__(status)
        self.config = config
        self.tz = config.meter.zone
        s = config.source
        self.interval = s.interval
        self.backoff = _Backoff(config.collector.reconnect_min, config.collector.reconnect_max)
        self.codes: Sequence[str] = list(OBIS_CODES.values())
        self.serial: Optional[str] = config.meter.serial

    def _connect(self) -> Any:
        import compteur

        s = self.config.source
        common: Dict[str, Any] = dict(
            client=s.client, physical=s.physical, auth=s.auth, password=s.password,
            key=s.key, auth_key=s.auth_key, system_title=s.system_title, timeout=5.0, retries=3,
        )
        if s.transport == "tcp":
            assert s.host is not None
            return compteur.Meter.tcp(s.host, s.tcp_port, **common)
        assert s.device is not None
        parity: Any = s.parity
        return compteur.Meter.serial(s.device, baud=s.baud, parity=parity, mode_e=s.mode_e, **common)

    def _read(self, meter: Any) -> Tuple[str, Sample]:
        import compteur

        if self.serial is None:
            try:
                raw = meter.read("0-0:96.1.0").value
                self.serial = raw.decode("ascii", "replace") if isinstance(raw, bytes) else str(raw)
            except compteur.CompteurError:
                self.serial = "unknown"
        try:
            values = meter.read_many(self.codes)
        except compteur.AccessDenied:
            values = []
            for code in self.codes:
                try:
                    values.append(meter.read(code))
                except compteur.AccessDenied:
                    continue
        clock = meter.read_clock()
        if isinstance(clock, datetime):
            ts = timeconv.to_unix(timeconv.to_utc(clock, self.tz, None))
            dst = bool(clock.dst()) if clock.tzinfo is not None and clock.dst() is not None else None
        else:
            ts, dst = int(time.time()), None
        out: Dict[str, Optional[float]] = {}
        obis = []
        for mv in values:
            q = mv.obis.quantity
            if q in OBIS_CODES:
                out[q] = _num(mv.value)
            obis.append((str(mv.obis), mv.value if not isinstance(mv.value, bytes) else mv.value.hex(), mv.unit))
        return self.serial, Sample(ts, out, dst, obis)

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Connect, read every ``interval`` seconds, reconnect on errors."""
        import compteur

        while not stop.is_set():
            try:
                meter = self._connect()
            except (compteur.CompteurError, OSError, ValueError) as e:
                msg = f"cannot connect: {_oserror(e)}"
                level = logging.DEBUG if msg == self.status.last_error else logging.WARNING
                self.status.set("reconnecting", msg)
                log.log(level, "poll source: %s", msg)
                self.backoff.wait(stop)
                continue
            self.status.set("connected")
            log.info("poll source: connected")
            try:
                while not stop.is_set():
                    t0 = time.monotonic()
                    emit([self._read(meter)])
                    self.status.count(decoded=1)
                    self.backoff.reset()
                    stop.wait(max(0.0, self.interval - (time.monotonic() - t0)))
            except (compteur.CompteurError, OSError) as e:
                self.status.set("reconnecting", _oserror(e))
                log.warning("poll source: %s: reconnecting", _oserror(e))
                self.backoff.wait(stop)
            finally:
                try:
                    meter.close()
                except Exception:  # noqa: BLE001
                    pass
        self.status.set("stopped")


def make_source(config: Config) -> Source:
    """The source the config selects."""
    s = config.source
    tz = config.meter.zone
    c = config.collector
    if s.kind == "push":
        assert s.port is not None
        return PushSource(
            s.port, tz, baud=s.baud, parity=s.parity, key=s.key, auth_key=s.auth_key,
            template=s.template, default_serial=config.meter.serial,
            reconnect_min=c.reconnect_min, reconnect_max=c.reconnect_max,
        )
    if s.kind == "poll":
        return PollSource(config)
    return SimulatorSource(
        tz, seed=s.seed, history_days=s.history_days, interval=s.expected_interval or 5.0,
        key=s.key, auth_key=s.auth_key, layout=s.layout, template=s.template,
        reconnect_min=c.reconnect_min, reconnect_max=c.reconnect_max,
    )
