"""compteur.Meter against compteur.Simulator over TCP on 127.0.0.1."""

import datetime
import socket
import threading
import time
from collections.abc import Iterator

import pytest

import compteur
from compteur import Meter, ObisCode, Simulator

GREEN_BOOK_KEY = "000102030405060708090A0B0C0D0E0F"
GREEN_BOOK_AUTH_KEY = "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF"
CLIENT_TITLE = "4D4D4D0000000001"


@pytest.fixture(scope="module")
def simulator() -> Iterator[tuple[str, int]]:
    with Simulator(meters=2, seed=7, history_days=3) as sim:
        yield sim.serve_tcp()


def test_registers_clock_and_serial(simulator: tuple[str, int]) -> None:
    host, port = simulator
    with Meter.tcp(host, port) as meter:
        energy = meter.read("1-0:1.8.0")
        assert energy.obis == ObisCode("1-0:1.8.0")
        assert (energy.class_id, energy.attribute, energy.unit) == (3, 2, "Wh")
        assert isinstance(energy.value, float) and energy.value > 0
        assert isinstance(energy.raw, int) and energy.scaler is not None
        assert energy.value == pytest.approx(energy.raw * 10.0**energy.scaler)
        voltage = meter.read(ObisCode("1-0:32.7.0"))
        assert voltage.unit == "V" and isinstance(voltage.value, float)
        assert 200.0 < voltage.value < 260.0
        clock = meter.read_clock()
        assert isinstance(clock, datetime.datetime) and clock.tzinfo is not None
        now = datetime.datetime.now(datetime.timezone.utc)
        assert abs((clock - now).total_seconds()) < 5
        serial = meter.read("0-0:96.1.0")
        assert serial.class_id == 1
        assert serial.value in (b"1909113", "1909113", 1909113, b"1909114", "1909114", 1909114)
        later = meter.read("1-0:1.8.0")
        assert isinstance(later.value, float)
        assert later.value >= energy.value  # counters never go back


def test_read_many_matches_single_reads(simulator: tuple[str, int]) -> None:
    host, port = simulator
    with Meter.tcp(host, port) as meter:
        codes = ["1-0:32.7.0", "1-0:52.7.0", "1-0:72.7.0"]
        many = meter.read_many(codes)
        assert [v.obis for v in many] == [ObisCode(c) for c in codes]
        assert all(v.unit == "V" and 200.0 < float(str(v.value)) < 260.0 for v in many)


def test_profile_by_entries_and_by_range(simulator: tuple[str, int]) -> None:
    host, port = simulator
    with Meter.tcp(host, port) as meter:
        columns, rows = meter.read_profile("1-0:99.1.0", entries=(1, 8))
        assert columns[0] == (8, ObisCode("0-0:1.0.0"), 2)
        assert ObisCode("1-0:1.8.0") in [c[1] for c in columns]
        assert len(rows) == 8
        times = [r[0] for r in rows if isinstance(r[0], datetime.datetime)]
        assert len(times) == 8
        steps = {b - a for a, b in zip(times, times[1:])}
        assert steps == {datetime.timedelta(minutes=15)}
        energy = columns.index(next(c for c in columns if c[1] == ObisCode("1-0:1.8.0")))
        values = [r[energy] for r in rows]
        assert values == sorted(values)  # type: ignore[type-var]
        start, end = times[2], times[5]
        _, by_range = meter.read_profile("1-0:99.1.0", start=start, end=end)
        assert [r[0] for r in by_range] == times[2:6]


def test_object_list(simulator: tuple[str, int]) -> None:
    host, port = simulator
    with Meter.tcp(host, port) as meter:
        objects = meter.object_list()
        assert (8, ObisCode("0-0:1.0.0"), 0) in objects
        assert any(o[1] == ObisCode("1-0:99.1.0") and o[0] == 7 for o in objects)


def test_management_client_over_hls_gmac(simulator: tuple[str, int]) -> None:
    host, port = simulator
    with Meter.tcp(
        host,
        port,
        client=1,
        auth="high-gmac",
        key=GREEN_BOOK_KEY,
        auth_key=bytes.fromhex(GREEN_BOOK_AUTH_KEY),
        system_title=CLIENT_TITLE,
    ) as meter:
        assert meter.read("1-0:1.8.0").unit == "Wh"


def test_wrong_password_is_refused(simulator: tuple[str, int]) -> None:
    host, port = simulator
    with pytest.raises(compteur.AssociationRejected) as info:
        Meter.tcp(host, port, client=1, auth="low", password="Sup3rSecret")
    assert "authentication-failure" in str(info.value)
    assert "Sup3rSecret" not in str(info.value) and "Sup3rSecret" not in repr(info.value)


def test_bad_arguments_raise_value_error(simulator: tuple[str, int]) -> None:
    host, port = simulator
    with pytest.raises(ValueError):
        Meter.tcp(host, port, auth="high-gmac")
    with pytest.raises(ValueError):
        Meter.tcp(host, port, auth="kerberos")  # type: ignore[arg-type]


def test_closed_meter_raises(simulator: tuple[str, int]) -> None:
    host, port = simulator
    meter = Meter.tcp(host, port)
    meter.close()
    meter.close()  # idempotent
    with pytest.raises(RuntimeError):
        meter.read("1-0:1.8.0")


def test_silent_meter_times_out_and_releases_the_gil() -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    port = silent.getsockname()[1]
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    started = time.monotonic()
    try:
        with pytest.raises(compteur.MeterTimeout) as info:
            Meter.tcp("127.0.0.1", port, timeout=0.3, retries=1)
        assert isinstance(info.value, TimeoutError)
    finally:
        done.set()
        counter.join()
        silent.close()
    elapsed = time.monotonic() - started
    assert elapsed < 5
    # The counter thread ran while the main thread waited in Rust.
    assert ticks > 50


def test_serial_transport_on_the_simulator_pty() -> None:
    with Simulator(history_days=1) as sim:
        path = sim.serve_pty()
        assert path.startswith("/dev/")
        with Meter.serial(path, timeout=3.0) as meter:
            voltage = meter.read("1-0:32.7.0")
            assert voltage.unit == "V" and isinstance(voltage.value, float)
            assert 200.0 < voltage.value < 260.0
    with pytest.raises(ValueError):
        Meter.serial("/dev/null", parity="mark")  # type: ignore[arg-type]


def test_wrapper_framing(simulator: tuple[str, int]) -> None:
    with Simulator(history_days=1) as sim:
        host, port = sim.serve_tcp(wrapper=True)
        with Meter.tcp(host, port, wrapper=True) as meter:
            assert meter.read("1-0:1.8.0").unit == "Wh"


def test_async_meters_read_concurrently() -> None:
    import asyncio

    async def one(host: str, port: int) -> tuple[float, float]:
        async with await compteur.AsyncMeter.tcp(host, port) as meter:
            first = await meter.read("1-0:1.8.0")
            clock = await meter.read_clock()
            assert isinstance(clock, datetime.datetime)
            (voltage,) = await meter.read_many(["1-0:32.7.0"])
            assert voltage.unit == "V"
            second = await meter.read("1-0:1.8.0")
            assert isinstance(first.value, float) and isinstance(second.value, float)
            return first.value, second.value

    async def main(host: str, port: int) -> list[tuple[float, float]]:
        return await asyncio.gather(*(one(host, port) for _ in range(20)))

    with Simulator(meters=4, history_days=1) as sim:
        host, port = sim.serve_tcp()
        results = asyncio.run(main(host, port))
    assert len(results) == 20
    assert all(b >= a > 0 for a, b in results)
    # Four meters, served one per connection in turn: four different counters at least.
    assert len({round(a, -3) for a, _ in results}) >= 2


def test_async_meter_times_out() -> None:
    import asyncio

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    async def connect() -> None:
        await compteur.AsyncMeter.tcp("127.0.0.1", silent.getsockname()[1], timeout=0.3, retries=1)

    try:
        with pytest.raises(compteur.MeterTimeout):
            asyncio.run(connect())
    finally:
        silent.close()


def test_profile_as_columns_matches_rows(simulator: tuple[str, int]) -> None:
    host, port = simulator
    with Meter.tcp(host, port) as meter:
        columns, rows = meter.read_profile("1-0:99.1.0", entries=(1, 6))
        same, table = meter.read_profile("1-0:99.1.0", entries=(1, 6), as_columns=True)
    assert same == columns
    assert list(table) == [str(c[1]) for c in columns]
    for i, column in enumerate(table.values()):
        assert column == [row[i] for row in rows]
    assert isinstance(table["0-0:1.0.0*255"][0], datetime.datetime)


def test_async_profile_and_object_list_match_the_blocking_client() -> None:
    import asyncio

    # One meter, so that both clients read the same one.
    sim = Simulator(seed=3, history_days=2)
    host, port = sim.serve_tcp()

    async def read() -> tuple[object, object, list[tuple[int, ObisCode, int]]]:
        async with await compteur.AsyncMeter.tcp(host, port) as meter:
            rows = await meter.read_profile("1-0:99.1.0", entries=(1, 4))
            table = await meter.read_profile("1-0:99.1.0", entries=(1, 4), as_columns=True)
            return rows, table, await meter.object_list()

    rows, table, objects = asyncio.run(read())
    with Meter.tcp(host, port) as meter:
        assert rows == meter.read_profile("1-0:99.1.0", entries=(1, 4))
        assert table == meter.read_profile("1-0:99.1.0", entries=(1, 4), as_columns=True)
        assert objects == meter.object_list()
    sim.close()


def test_push_frames_carry_the_registers_of_that_instant(simulator: tuple[str, int]) -> None:
    host, port = simulator
    with Meter.tcp(host, port) as meter:
        columns, rows = meter.read_profile("1-0:99.1.0", entries=(5, 5))
    energy = next(i for i, c in enumerate(columns) if c[1] == ObisCode("1-0:1.8.0"))
    at = rows[0][0]
    assert isinstance(at, datetime.datetime)
    with Simulator(seed=7, history_days=3) as sim:
        (reading,) = compteur.decode_push(sim.push_frames(at), strict=True)
    assert reading.serial == "1909113"
    assert reading.timestamp is not None
    assert reading.timestamp.replace(tzinfo=None) == at.replace(tzinfo=None)
    # The profile holds the register of the same simulated household at the same instant.
    assert reading.active_energy_import == rows[0][energy]


def test_push_frames_tell_the_two_autumn_hours_apart() -> None:
    utc = datetime.timezone.utc
    with Simulator(history_days=1) as sim:
        first = compteur.decode_push(sim.push_frames(datetime.datetime(2026, 10, 25, 0, 30, tzinfo=utc)))
        second = compteur.decode_push(sim.push_frames(datetime.datetime(2026, 10, 25, 1, 30, tzinfo=utc)))
    assert [r.timestamp for r in first + second] == [datetime.datetime(2026, 10, 25, 2, 30)] * 2
    assert [r.dst for r in first + second] == [True, False]


def test_encrypted_push_frames_count_up() -> None:
    with Simulator(history_days=1) as sim:
        one = sim.push_frames(key=GREEN_BOOK_KEY, auth_key=GREEN_BOOK_AUTH_KEY)
        two = sim.push_frames(key=GREEN_BOOK_KEY, auth_key=GREEN_BOOK_AUTH_KEY)
    listener = compteur.PushListener(GREEN_BOOK_KEY, GREEN_BOOK_AUTH_KEY, replay_guard=True)
    readings = listener.feed(one + two + one)
    assert [r.security for r in readings] == ["authenticated", "authenticated"]
    counters = [r.frame_counter for r in readings]
    assert counters[0] is not None and counters == [counters[0], counters[0] + 1]
    assert len(listener.errors) == 1 and "replay" in listener.errors[0][1].lower()
    # Without the key the push is reported, not guessed.
    assert compteur.decode_push(one) == []


def test_push_frames_bad_arguments() -> None:
    with Simulator(history_days=1) as sim:
        with pytest.raises(ValueError, match="template"):
            sim.push_frames(layout="values")
        with pytest.raises(ValueError, match="layout"):
            sim.push_frames(layout="xml")  # type: ignore[arg-type]
        with pytest.raises(IndexError, match="meter 3"):
            sim.push_frames(meter=3)
        with pytest.raises(ValueError, match="16 bytes"):
            sim.push_frames(key="0011")
        with pytest.raises(ValueError, match="auth_key needs key"):
            sim.push_frames(auth_key=GREEN_BOOK_AUTH_KEY)
        with pytest.raises(ValueError, match="0.05"):
            sim.serve_push(0.01)
        wiener = sim.push_frames(layout="values", template="wiener-netze")
    assert compteur.decode_push(wiener, template="wiener-netze")[0].active_energy_import


def test_serve_push_writes_pushes_to_a_pseudo_terminal() -> None:
    import os

    with Simulator(history_days=1) as sim:
        path = sim.serve_push(0.1)
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY)
        try:
            listener = compteur.PushListener()
            readings: list[compteur.Reading] = []
            deadline = time.monotonic() + 10
            while len(readings) < 3 and time.monotonic() < deadline:
                readings += listener.feed(os.read(fd, 4096))
        finally:
            os.close(fd)
    assert len(readings) == 3
    assert {r.serial for r in readings} == {"1909113"}
    assert listener.errors == [] and listener.stats["damaged"] == 0
