"""The InfluxDB exporter: line protocol, settings, the 2.x write path (against a recording
stand-in), error handling, and backfill plus a server outage against a real influxd 1.x."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from dashboard.config import Config, ConfigError
from dashboard.integrations.base import ExportRow, cursor_key
from dashboard.integrations.influx import (
    InfluxExporter,
    InfluxRejected,
    InfluxSettings,
    InfluxUnavailable,
    InfluxWriter,
)
from dashboard.integrations.lineprotocol import (
    LineProtocolError,
    ReadingEncoder,
    encode,
    escape_key,
    escape_measurement,
    format_field_value,
    format_line,
    reading_points,
    schema_fields,
)
from dashboard.store import MeterInfo, Sample, Store
from dashboard_testdata import SeedInfo, counter_at, generate
from influx_support import InfluxServer, StandIn, free_port, wait_until

DB = "compteur"


# -- line protocol ----------------------------------------------------------------------------


def test_influx_lineprotocol_escaping() -> None:
    assert escape_measurement("a b,c=d") == "a\\ b\\,c=d"
    assert escape_key("k e,y=v") == "k\\ e\\,y\\=v"
    assert format_field_value(1.5) == "1.5"
    assert format_field_value(14855846.0) == "14855846.0"
    assert format_field_value(0.1 + 0.2) == "0.30000000000000004"
    assert format_field_value(7) == "7i"
    assert format_field_value(-3) == "-3i"
    assert format_field_value(True) == "true"
    assert format_field_value(False) == "false"
    assert format_field_value('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'
    line = format_line(
        "my meas,ure", {"site": "Le Chalet, nord", "a=b": "x"}, {"note": "q\"", "n f": 2}, 1700000000
    )
    assert line == 'my\\ meas\\,ure,a\\=b=x,site=Le\\ Chalet\\,\\ nord note="q\\"",n\\ f=2i 1700000000'
    assert format_line("m", {"empty": ""}, {"v": 1.0}, None) == "m v=1.0"


@pytest.mark.parametrize(
    "call",
    [
        lambda: format_line("m", {}, {}, 1),
        lambda: format_line("", {}, {"v": 1.0}, 1),
        lambda: format_line("#m", {}, {"v": 1.0}, 1),
        lambda: format_line("m", {"t\\": "x"}, {"v": 1.0}, 1),
        lambda: format_line("m", {}, {"v": float("nan")}, 1),
        lambda: format_line("m", {}, {"v": float("inf")}, 1),
        lambda: format_line("m", {}, {"v": 1.0}, 1.5),  # type: ignore[arg-type]
        lambda: format_field_value([1]),  # type: ignore[arg-type]
    ],
)
def test_influx_lineprotocol_rejects_bad_points(call: Any) -> None:
    with pytest.raises(LineProtocolError):
        call()


def test_influx_reading_points_schema() -> None:
    values: Dict[str, Optional[float]] = {
        "active_energy_import": 14855846.0,
        "active_energy_export": 1234567.0,
        "reactive_energy_import": None,
        "active_power_import": 812.0,
        "power_factor": 0.95,
        "frequency": 50.0,
        "voltage_l1": 231.2,
        "current_l1": 1.18,
        "voltage_l2": 230.0,
        "current_l3": float("nan"),
    }
    body = encode(reading_points("electricity", "1909113", 1790000000, True, values)).decode()
    assert body.splitlines() == [
        "electricity,meter=1909113 active_energy_import_wh=14855846.0,active_energy_export_wh=1234567.0,"
        "active_power_import_w=812.0,power_factor=0.95,frequency_hz=50.0,dst=true 1790000000",
        "electricity,meter=1909113,phase=L1 voltage_v=231.2,current_a=1.18 1790000000",
        "electricity,meter=1909113,phase=L2 voltage_v=230.0 1790000000",
    ]
    assert reading_points("electricity", "1", 1, None, {"voltage_l1": None}) == []
    f = schema_fields()
    assert "active_energy_import_wh" in f["meter"] and f["phase"] == ("voltage_v", "current_a")


def test_influx_fast_encoder_matches_points() -> None:
    samples = generate(SeedInfo())[:500]
    odd: List[Dict[str, Optional[float]]] = [
        {}, {"voltage_l3": 1e-300}, {"frequency": float("inf"), "current_l2": -0.0},
        {"active_energy_import": 3, "power_factor": None},  # type: ignore[dict-item]
    ]
    cases = [(s.ts, s.dst, dict(s.values)) for s in samples] + [(1, None, v) for v in odd]
    for serial, measurement in (("1909113", "electricity"), ("A B,C=D", "my meas")):
        enc = ReadingEncoder(measurement, serial)
        for ts, dst, values in cases:
            want = [p.line() for p in reading_points(measurement, serial, ts, dst, values)]
            assert enc.lines(ts, dst, values) == want
    assert ReadingEncoder("m", "x").lines(5, None, {"active_energy_import": 3}) == [  # type: ignore[dict-item]
        "m,meter=x active_energy_import_wh=3.0 5"
    ]
    with pytest.raises(LineProtocolError):
        ReadingEncoder("m", "ends\\")


# -- settings ---------------------------------------------------------------------------------


def test_influx_settings_validation() -> None:
    s = InfluxSettings.from_table({"url": "http://db:8086/", "database": "x"})
    assert (s.url, s.version, s.database, s.batch_size) == ("http://db:8086", 1, "x", 5000)
    path, headers = s.write_target()
    assert path == "/write?db=x&precision=s" and "Authorization" not in headers
    s = InfluxSettings.from_table(
        {"version": 1, "username": "u", "password": "p@ss", "retention_policy": "one year"}
    )
    path, headers = s.write_target()
    assert path == "/write?db=compteur&precision=s&rp=one+year"
    assert headers["Authorization"] == "Basic dTpwQHNz"
    s = InfluxSettings.from_table(
        {"url": "https://h/influx", "version": 2, "org": "my org", "bucket": "b", "token": "SECRET-TOK"}
    )
    assert s.write_target()[0] == "/influx/api/v2/write?org=my+org&bucket=b&precision=s"
    assert "SECRET-TOK" not in repr(s) and "SECRET-TOK" not in s.describe()
    assert "p@ss" not in repr(InfluxSettings.from_table({"username": "u", "password": "p@ss"}))

    bad: List[Tuple[Dict[str, Any], str]] = [
        ({"version": 3}, "influxdb.version"),
        ({"version": True}, "influxdb.version"),
        ({"version": 2, "org": "o", "bucket": "b"}, "influxdb.token"),
        ({"version": 2, "token": "t", "bucket": "b"}, "influxdb.org"),
        ({"version": 2, "token": "t", "org": "o"}, "influxdb.bucket"),
        ({"database": ""}, "influxdb.database"),
        ({"url": "ftp://x"}, "influxdb.url"),
        ({"url": "http://u:p@x"}, "influxdb.url"),
        ({"url": "http://x:99999"}, "influxdb.url"),
        ({"batch_size": 0}, "influxdb.batch_size"),
        ({"batch_size": "5"}, "influxdb.batch_size"),
        ({"timeout": -1}, "influxdb.timeout"),
        ({"gzip": "yes"}, "influxdb.gzip"),
        ({"measurement": ""}, "influxdb.measurement"),
        ({"password": "x"}, "influxdb.username"),
        ({"colour": "red"}, "influxdb.colour"),
        ({"url": 8086}, "influxdb.url"),
        ({"version": 2, "org": "o", "bucket": "b", "token": "abc\r\nX-Evil: 1"}, "influxdb.token"),
        ({"username": "u", "password": "p\n"}, "influxdb.password"),
        ({"username": "a:b"}, "influxdb.username"),
    ]
    for table, key in bad:
        with pytest.raises(ConfigError) as e:
            InfluxSettings.from_table(table)
        assert e.value.key == key, (table, e.value)
        assert "abc" not in str(e.value) and "p\n" not in str(e.value)


# -- 2.x path and error handling (recording stand-in) ----------------------------------------


@pytest.fixture
def standin() -> Iterator[StandIn]:
    s = StandIn().start()
    yield s
    s.stop()


def _meter(serial: str = "1909113") -> MeterInfo:
    return MeterInfo(1, serial, "Maison", "Europe/Zurich", None, None)


def _config(table: Dict[str, Any]) -> Config:
    return Config.from_dict({"influxdb": table})


def _rows() -> List[ExportRow]:
    return [
        ExportRow(1790000000, False, {"active_energy_import": 1000.0, "voltage_l1": 230.1, "current_l1": 2.0}),
        ExportRow(1790000900, True, {"active_energy_import": 1250.5, "active_power_import": 1002.0}),
    ]


@pytest.mark.parametrize("use_gzip", [False, True])
def test_influx_v2_write_request(standin: StandIn, store: Store, use_gzip: bool) -> None:
    cfg = _config({
        "url": standin.url, "version": 2, "org": "Home & Co", "bucket": "energy",
        "token": "tok-123==", "gzip": use_gzip, "measurement": "power meter",
    })
    exp = InfluxExporter(cfg, store)
    exp.send(_meter("SN 1,2"), _rows())
    assert len(standin.requests) == 1
    r = standin.requests[0]
    assert r.method == "POST"
    assert r.path == "/api/v2/write"
    assert r.query == {"org": ["Home & Co"], "bucket": ["energy"], "precision": ["s"]}
    assert r.headers["authorization"] == "Token tok-123=="
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers.get("content-encoding") == ("gzip" if use_gzip else None)
    assert r.text() == (
        "power\\ meter,meter=SN\\ 1\\,2 active_energy_import_wh=1000.0,dst=false 1790000000\n"
        "power\\ meter,meter=SN\\ 1\\,2,phase=L1 voltage_v=230.1,current_a=2.0 1790000000\n"
        "power\\ meter,meter=SN\\ 1\\,2 active_energy_import_wh=1250.5,active_power_import_w=1002.0,"
        "dst=true 1790000900\n"
    )


def test_influx_v1_write_request_with_basic_auth(standin: StandIn, store: Store) -> None:
    cfg = _config({"url": standin.url, "database": "energy", "username": "writer", "password": "pw"})
    InfluxExporter(cfg, store).send(_meter(), _rows()[:1])
    r = standin.requests[0]
    assert (r.path, r.query) == ("/write", {"db": ["energy"], "precision": ["s"]})
    assert r.headers["authorization"] == "Basic d3JpdGVyOnB3"
    assert len(r.text().splitlines()) == 2


def test_influx_writer_status_classification(standin: StandIn) -> None:
    w = InfluxWriter(InfluxSettings.from_table({"url": standin.url, "version": 2, "org": "o",
                                                "bucket": "b", "token": "T0KEN"}))
    standin.statuses = [
        (204, b"", {}),
        (400, b'{"code":"invalid","message":"unable to parse \'x\': missing fields"}', {}),
        (401, b'{"code":"unauthorized","message":"unauthorized access"}', {}),
        (404, b'{"error":"database not found: \\"nope\\""}', {}),
        (429, b"", {"Retry-After": "7"}),
        (503, b"overloaded", {}),
        (200, b"", {}),
    ]
    w.write(b"m v=1.0 1\n")
    with pytest.raises(InfluxRejected) as rej:
        w.write(b"x\n")
    assert rej.value.status == 400
    assert str(rej.value) == "InfluxDB answered HTTP 400: unable to parse 'x': missing fields"
    with pytest.raises(InfluxRejected) as rej:
        w.write(b"x\n")
    assert rej.value.status == 401 and "T0KEN" not in str(rej.value)
    with pytest.raises(InfluxRejected, match='database not found: "nope"'):
        w.write(b"x\n")
    with pytest.raises(InfluxUnavailable) as un:
        w.write(b"x\n")
    assert un.value.retry_after == 7.0 and "429" in str(un.value)
    with pytest.raises(InfluxUnavailable, match="HTTP 503: overloaded"):
        w.write(b"x\n")
    with pytest.raises(InfluxUnavailable, match="expected 204"):
        w.write(b"x\n")
    dead = InfluxWriter(InfluxSettings.from_table({"url": f"http://127.0.0.1:{free_port()}"}))
    with pytest.raises(InfluxUnavailable, match="unreachable"):
        dead.write(b"x\n")


def _add(store: Store, n: int, start: int = 1790000000) -> int:
    mid = store.ensure_meter("1909113", "Maison", "Europe/Zurich")
    store.add_readings(
        mid,
        [Sample(start + 60 * i, {"active_energy_import": 1000.0 + i, "voltage_l1": 230.0}, False)
         for i in range(n)],
    )
    return mid


def _run(exp: InfluxExporter) -> Tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    t = threading.Thread(target=exp.run, args=(stop,), daemon=True)
    t.start()
    return stop, t


def test_influx_rejected_batch_is_kept_and_retried(
    standin: StandIn, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    mid = _add(store, 5)
    cfg = _config({"url": standin.url, "version": 2, "org": "o", "bucket": "b", "token": "S3CRET",
                   "interval": 0.1, "rejected_backoff": 3.0})
    exp = InfluxExporter(cfg, store)
    exp.backoff_min = exp.backoff_max = 0.1
    standin.statuses = [(403, b'{"code":"forbidden","message":"insufficient permissions"}', {})]
    caplog.set_level(logging.INFO)
    t0 = time.monotonic()
    stop, t = _run(exp)
    try:
        def rejected() -> Optional[Dict[str, Any]]:
            st = exp.status()
            return st if st["rejected"] == 403 and st["state"] == "retrying" else None

        st = wait_until(rejected, what="rejection")
        assert "HTTP 403: insufficient permissions" in st["last_error"]
        assert store.state()[cursor_key("influxdb", mid)] == 0
        # held back: no new request before rejected_backoff, although the loop retries every 0.1 s
        time.sleep(1.2)
        assert len(standin.requests) == 1
        assert "next attempt in" in exp.status()["last_error"]
        wait_until(lambda: store.state().get(cursor_key("influxdb", mid)) == 1790000240, what="cursor")
        assert time.monotonic() - t0 >= 3.0
        assert exp.status()["rejected"] is None and exp.status()["state"] == "connected"
        published = wait_until(
            lambda: (st := store.state().get("export.influxdb")) and st["exported"] == 5 and st,
            what="published status",
        )
        assert published["backlog"] == 0 and published["state"] == "connected"
    finally:
        stop.set()
        t.join(10)
    assert len(standin.requests) == 2
    assert standin.requests[0].body == standin.requests[1].body  # the same batch, not dropped
    assert len(standin.lines()) == 20
    assert all("S3CRET" not in r.getMessage() for r in caplog.records)
    assert any("403" in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)


def test_influx_requests_are_split(standin: StandIn, store: Store) -> None:
    _add(store, 3000)  # 2 points per reading: 6000 lines, two requests
    exp = InfluxExporter(_config({"url": standin.url, "database": DB}), store)
    exp.send(_meter(), [ExportRow(ts, dst, v) for ts, dst, v in store.iter_readings(
        1, SeedInfo().dt(0), SeedInfo().dt(2_000_000_000))])
    assert [len(r.text().splitlines()) for r in standin.requests] == [5000, 1000]


# -- real InfluxDB 1.x ------------------------------------------------------------------------


@pytest.fixture
def influxd(tmp_path: Path) -> Iterator[InfluxServer]:
    srv = InfluxServer(tmp_path / "influx")
    srv.start()
    try:
        srv.create_database(DB)
        yield srv
    finally:
        srv.stop()


def _count(srv: InfluxServer, field: str, where: str = "") -> int:
    rows = srv.rows(f'SELECT count("{field}") FROM "electricity" {where}', DB)
    return int(rows[0]["count"]) if rows else 0


def test_influx_backfill_and_outage_real_server(
    influxd: InfluxServer, seeded_store: Store, seed_info: SeedInfo
) -> None:
    n = seeded_store.count_readings()
    expected = generate(seed_info)
    assert n == len(expected) > 5000
    cfg = _config({"url": influxd.url, "database": DB, "interval": 0.1, "batch_size": 2000})
    exp = InfluxExporter(cfg, seeded_store)
    exp.backoff_min = exp.backoff_max = 0.2
    t0 = time.monotonic()
    stop, t = _run(exp)
    try:
        wait_until(lambda: exp.status()["exported"] == n, timeout=30, what="backfill")
        backfill_s = time.monotonic() - t0
        assert _count(influxd, "active_energy_import_wh") == n
        assert _count(influxd, "voltage_v") == 3 * n
        for ph in ("L1", "L2", "L3"):
            assert _count(influxd, "current_a", f"WHERE \"phase\" = '{ph}'") == n
        # exact values of some points: first, around the gap, on the DST day, last
        picks = [expected[0], expected[1000], expected[n // 2], expected[-1]]
        picks += [s for s in expected if s.ts in (seed_info.gap_start - 900, seed_info.gap_end)]
        assert len(picks) == 6
        for s in picks:
            rows = influxd.rows(
                f'SELECT * FROM "electricity" WHERE time = {s.ts}s AND "meter" = \'1909113\'', DB
            )
            meter = [r for r in rows if r["phase"] is None]
            assert len(meter) == 1 and len(rows) == 4
            m = meter[0]
            imp, exp_wh = counter_at(seed_info, s.ts)
            assert (m["time"], m["active_energy_import_wh"], m["active_energy_export_wh"]) == (s.ts, imp, exp_wh)
            assert m["active_power_import_w"] == s.values["active_power_import"]
            assert m["frequency_hz"] == 50.0 and m["power_factor"] == 0.95
            assert m["dst"] is s.dst
            by_phase = {r["phase"]: r for r in rows if r["phase"]}
            assert by_phase["L1"]["voltage_v"] == s.values["voltage_l1"]
            assert by_phase["L3"]["current_a"] == s.values["current_l3"]
            assert m["voltage_v"] is None and by_phase["L2"]["active_energy_import_wh"] is None
        # outage: the server goes away, readings keep arriving, nothing is lost
        influxd.stop()
        mid = seed_info.meter_id
        later = [Sample(seed_info.end + 60 * i, {"active_energy_import": 2e7 + i, "voltage_l2": 232.5}, False)
                 for i in range(120)]
        seeded_store.add_readings(mid, later)
        wait_until(lambda: exp.status()["state"] == "retrying", what="retrying")
        st = exp.status()
        assert "unreachable" in st["last_error"] and "Connection refused" in st["last_error"]
        assert seeded_store.state()[cursor_key("influxdb", mid)] == expected[-1].ts
        time.sleep(1.0)  # a few failed attempts
        influxd.start()
        wait_until(lambda: exp.status()["exported"] == n + 120, timeout=30, what="catch-up")
        assert exp.status()["state"] == "connected"
        assert seeded_store.state()[cursor_key("influxdb", mid)] == later[-1].ts
    finally:
        stop.set()
        t.join(10)
    assert not t.is_alive()
    assert _count(influxd, "active_energy_import_wh") == n + 120
    rows = influxd.rows(f'SELECT "active_energy_import_wh" FROM "electricity" WHERE time >= {seed_info.end}s', DB)
    assert [(r["time"], r["active_energy_import_wh"]) for r in rows] == [
        (s.ts, s.values["active_energy_import"]) for s in later
    ]
    l2 = influxd.rows(f'SELECT "voltage_v" FROM "electricity" WHERE time >= {seed_info.end}s AND "phase" = \'L2\'', DB)
    assert len(l2) == 120 and {r["voltage_v"] for r in l2} == {232.5}
    print(f"backfill of {n} readings ({4 * n} points): {backfill_s:.2f} s")


def test_influx_restart_of_exporter_resumes(influxd: InfluxServer, store: Store) -> None:
    mid = _add(store, 50)
    cfg = _config({"url": influxd.url, "database": DB, "interval": 0.1, "batch_size": 20})
    exp = InfluxExporter(cfg, store)
    stop, t = _run(exp)
    wait_until(lambda: exp.status()["exported"] == 50, what="first run")
    stop.set()
    t.join(10)
    _add(store, 10, start=1790000000 + 60 * 50)
    exp2 = InfluxExporter(cfg, store)
    stop, t = _run(exp2)
    try:
        wait_until(lambda: exp2.status()["exported"] == 10, what="second run")  # only the new ones
    finally:
        stop.set()
        t.join(10)
    assert store.state()[cursor_key("influxdb", mid)] == 1790000000 + 60 * 59
    assert _count(influxd, "active_energy_import_wh") == 60


def test_influx_unknown_database_is_reported(influxd: InfluxServer, store: Store) -> None:
    _add(store, 3)
    cfg = _config({"url": influxd.url, "database": "missing", "interval": 0.1})
    exp = InfluxExporter(cfg, store)
    with pytest.raises(InfluxRejected) as e:
        exp.send(_meter(), [ExportRow(1790000000, None, {"frequency": 50.0})])
    assert e.value.status == 404 and "database not found" in str(e.value)
    assert exp.status()["rejected"] == 404


def test_influx_loaded_from_config_file(tmp_path: Path, store: Store) -> None:
    from dashboard.integrations import load_exporters

    p = tmp_path / "dashboard.toml"
    p.write_text(
        '[influxdb]\nurl = "http://127.0.0.1:8086"\nversion = 2\norg = "home"\nbucket = "energy"\n'
        'token = "very-secret-token"\nbatch_size = 1000\n',
        encoding="utf-8",
    )
    p.chmod(0o600)
    [exp] = load_exporters(Config.load(p), store)
    assert isinstance(exp, InfluxExporter)
    assert (exp.batch_size, exp.settings.bucket, exp.settings.token) == (1000, "energy", "very-secret-token")
    assert "very-secret-token" not in repr(exp) and "very-secret-token" not in str(exp.status())
    assert exp.status()["target"] == "http://127.0.0.1:8086 (2.x, org 'home', bucket 'energy')"
    p.write_text('[influxdb]\nversion = 2\norg = "home"\nbucket = "energy"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_exporters(Config.load(p), store)
    assert e.value.key == "influxdb.token"


def test_influx_too_large_request_is_split(standin: StandIn, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    _add(store, 3000)  # 6000 lines
    exp = InfluxExporter(_config({"url": standin.url, "database": DB}), store)
    standin.statuses = [(413, b'{"error":"Request Entity Too Large"}', {}), (204, b"", {}),
                        (413, b"", {})]
    rows = [ExportRow(ts, dst, v) for ts, dst, v in store.iter_readings(
        1, SeedInfo().dt(0), SeedInfo().dt(2_000_000_000))]
    exp.send(_meter(), rows)
    sizes = [len(r.text().splitlines()) for r in standin.requests]
    assert sizes == [5000, 2500, 2500, 1250, 1250, 1000]
    ok = [r for r, st in zip(standin.requests, [413, 204, 413, 204, 204, 204]) if st == 204]
    assert sum(len(r.text().splitlines()) for r in ok) == 6000
    assert len({ln for r in ok for ln in r.text().splitlines()}) == 6000
    assert exp.lines_per_request == 1250
    assert "1250 lines per request" in caplog.text


def test_influx_v2_backfill_of_seeded_store(standin: StandIn, seeded_store: Store) -> None:
    n = seeded_store.count_readings()
    cfg = _config({"url": standin.url, "version": 2, "org": "o", "bucket": "b", "token": "t",
                   "interval": 0.1, "gzip": True})
    exp = InfluxExporter(cfg, seeded_store)
    stop, t = _run(exp)
    try:
        wait_until(lambda: exp.status()["exported"] == n, timeout=30, what="backfill")
    finally:
        stop.set()
        t.join(10)
    lines = standin.lines()
    assert len(lines) == 4 * n and len(set(lines)) == 4 * n
    assert all(r.path == "/api/v2/write" and r.headers["authorization"] == "Token t"
               for r in standin.requests)
    stamps = sorted({int(ln.rsplit(" ", 1)[1]) for ln in lines})
    assert stamps == [s.ts for s in generate(SeedInfo())]


def test_influx_v1_authentication_real_server(tmp_path: Path, store: Store) -> None:
    srv = InfluxServer(tmp_path / "influx-auth", auth=True)
    srv.start()
    admin = ("admin", "adm1n")
    try:
        srv.query("CREATE USER \"admin\" WITH PASSWORD 'adm1n' WITH ALL PRIVILEGES", method="POST")
        srv.query(f'CREATE DATABASE "{DB}"', method="POST", user=admin)
        srv.query("CREATE USER \"writer\" WITH PASSWORD 'pa ss:w0rd'", method="POST", user=admin)
        srv.query(f'GRANT WRITE ON "{DB}" TO "writer"', method="POST", user=admin)
        _add(store, 4)
        rows = [ExportRow(ts, dst, v) for ts, dst, v in store.iter_readings(
            1, SeedInfo().dt(0), SeedInfo().dt(2_000_000_000))]
        good = InfluxExporter(_config({"url": srv.url, "database": DB, "username": "writer",
                                       "password": "pa ss:w0rd"}), store)
        good.send(_meter(), rows)
        out = srv.query(f'SELECT count("active_energy_import_wh") FROM "electricity"', DB, user=admin)
        assert out["results"][0]["series"][0]["values"][0][1] == 4
        bad = InfluxExporter(_config({"url": srv.url, "database": DB, "username": "writer",
                                      "password": "wrong-pw"}), store)
        with pytest.raises(InfluxRejected) as e:
            bad.send(_meter(), rows)
        assert e.value.status == 401 and "authorization failed" in str(e.value)
        assert "wrong-pw" not in str(e.value) and bad.status()["rejected"] == 401
        anon = InfluxExporter(_config({"url": srv.url, "database": DB}), store)
        with pytest.raises(InfluxRejected, match="HTTP 401"):
            anon.send(_meter(), rows)
    finally:
        srv.stop()


def test_influx_field_type_conflict_is_rejected(influxd: InfluxServer, store: Store) -> None:
    import urllib.request

    req = urllib.request.Request(f"{influxd.url}/write?db={DB}&precision=s",
                                 data=b"electricity,meter=1909113 frequency_hz=50i 1789999940\n", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 204
    exp = InfluxExporter(_config({"url": influxd.url, "database": DB}), store)
    with pytest.raises(InfluxRejected) as e:
        exp.send(_meter(), [ExportRow(1790000000, None, {"frequency": 50.0})])
    assert e.value.status == 400 and "field type conflict" in str(e.value)
