"""The command line: init, users, tokens, export/import round trips, JSON lines, the demo."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, List

import pytest

import compteur
from dashboard_testdata import SeedInfo, seed
from dashboard.cli import main
from dashboard.store import Store

UTC = timezone.utc
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    p = tmp_path / "dashboard.toml"
    p.write_text('[meter]\nname = "Maison"\ntimezone = "Europe/Zurich"\n[source]\nkind = "simulator"\n'
                 '[database]\nurl = "sqlite:///db/dash.db"\n')
    return p


def run(capsys: pytest.CaptureFixture[str], *args: str) -> "tuple[int, str, str]":
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_creates_schema_secret_and_admin(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dashboard.web.auth import verify_password

    code, out, _ = run(capsys, "-c", str(cfg), "init")
    assert code == 0
    secret = cfg.parent / "secret_key"
    assert (secret.stat().st_mode & 0o777) == 0o600
    password = out.split("password (shown once): ")[1].split()[0]
    store = Store.open(f"sqlite:///{cfg.parent / 'db' / 'dash.db'}")
    try:
        admin = store.user_by_name("admin")
        assert admin is not None and admin.is_admin
        assert verify_password(admin.password_hash, password)
        assert password not in admin.password_hash
    finally:
        store.close()
    code, out, _ = run(capsys, "-c", str(cfg), "init")
    assert code == 0 and "no admin created" in out and "password" not in out.replace("no admin", "")


def test_user_and_token(cfg: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.web.auth import verify_password

    run(capsys, "-c", str(cfg), "init")
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    code, out, _ = run(capsys, "-c", str(cfg), "user", "add", "alice", "--password-stdin")
    assert code == 0 and "alice created" in out
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "-c", str(cfg), "user", "add", "bob", "--password-stdin")
    assert code == 2 and "at least 8" in err
    code, _, err = run(capsys, "-c", str(cfg), "user", "add", "alice", "--password-stdin")
    assert code == 2 and "exists" in err
    code, out, err = run(capsys, "-c", str(cfg), "token", "add", "script", "--user", "alice")
    token = out.strip()
    assert code == 0 and len(token) >= 40 and "shown once" in err
    store = Store.open(f"sqlite:///{cfg.parent / 'db' / 'dash.db'}")
    try:
        user = store.user_by_name("alice")
        assert user is not None and verify_password(user.password_hash, "correct horse battery")
        t = store.token_by_hash(hashlib.sha256(token.encode()).hexdigest())
        assert t is not None and t.user_id == user.id and t.name == "script"
    finally:
        store.close()
    code, _, err = run(capsys, "-c", str(cfg), "token", "add", "x", "--user", "nobody")
    assert code == 2 and "no user" in err


def test_export_import_round_trip(cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info = SeedInfo()
    store = Store.open(f"sqlite:///{cfg.parent / 'db' / 'dash.db'}")
    seed(store, info)
    store.close()
    out = tmp_path / "raw.csv"
    code, _, err = run(capsys, "-c", str(cfg), "export", "--from", "2026-10-24", "--to", "2026-10-27", "-o", str(out))
    assert code == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("time,meter,dst,active_energy_import,")
    assert len(lines) == 1 + 24 * 4 + 25 * 4 + 24 * 4
    assert lines[1].startswith("2026-10-23T22:00:00Z,1909113,true,")
    code, _, _ = run(capsys, "-c", str(cfg), "export", "--from", "2026-10-24", "--to", "2026-10-27",
                     "--resolution", "1d", "-o", str(tmp_path / "days.csv"))
    days = (tmp_path / "days.csv").read_text().splitlines()
    assert days[0].startswith("start,end,meter,resolution,complete,samples,active_energy_import")
    assert days[2].startswith("2026-10-24T22:00:00Z,2026-10-25T23:00:00Z,1909113,1d,true,100,")
    # import into a fresh database: same rows, same aggregates
    cfg2 = tmp_path / "other.toml"
    cfg2.write_text(cfg.read_text().replace("db/dash.db", "other.db"))
    code, stdout, _ = run(capsys, "-c", str(cfg2), "import", str(out))
    assert code == 0 and f"{len(lines) - 1} readings read, {len(lines) - 1} new" in stdout
    code, stdout, _ = run(capsys, "-c", str(cfg2), "import", str(out))
    assert "0 new" in stdout
    out2 = tmp_path / "again.csv"
    run(capsys, "-c", str(cfg2), "export", "--from", "2026-10-24", "--to", "2026-10-27", "-o", str(out2))
    assert out2.read_text() == out.read_text()
    run(capsys, "-c", str(cfg2), "export", "--from", "2026-10-25", "--to", "2026-10-26", "--resolution", "1d",
        "-o", str(tmp_path / "days2.csv"))
    assert (tmp_path / "days2.csv").read_text().splitlines()[1] == days[2]
    # an aggregated file is refused with a message
    code, _, err = run(capsys, "-c", str(cfg2), "import", str(tmp_path / "days.csv"))
    assert code == 2 and "aggregated export" in err


def test_import_rejects_bad_rows(cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,meter,dst,active_energy_import\n2026-10-25T00:00:00Z,1,true,12\n2026-10-25T00:01:00,1,,3\n")
    code, _, err = run(capsys, "-c", str(cfg), "import", str(bad))
    assert code == 2 and "line 3" in err and "no offset" in err
    bad.write_text("time,meter,dst,active_energy_import\n2026-10-25T00:00:00Z,1,maybe,12\n")
    code, _, err = run(capsys, "-c", str(cfg), "import", str(bad))
    assert code == 2 and "bad dst" in err
    bad.write_text("when,who\n")
    code, _, err = run(capsys, "-c", str(cfg), "import", str(bad))
    assert code == 2 and "not a dashboard export" in err
    jl = tmp_path / "bad.jsonl"
    jl.write_text('{"kind": "push", "timestamp": "2026-10-25T02:30:00", "dst": true, "serial": "1", '
                  '"values": []}\n{"kind": "push", "timestamp": "yesterday", "values": []}\n')
    code, _, err = run(capsys, "-c", str(cfg), "import", str(jl))
    assert code == 2 and "line 2" in err and "bad timestamp" in err
    jl.write_text("{not json\n")
    code, _, err = run(capsys, "-c", str(cfg), "import", str(jl))
    assert code == 2 and "line 1" in err and "not JSON" in err
    code, _, err = run(capsys, "-c", str(cfg), "import", str(tmp_path / "missing.csv"))
    assert code == 2 and "No such file" in err


def test_import_compteur_json_lines(cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`compteur decode --json` lines (Reading.to_dict() is that same object)."""
    sim = compteur.Simulator(seed=2, history_days=2)
    ats = [datetime(2026, 10, 25, 0, 30, tzinfo=UTC) + timedelta(minutes=30 * i) for i in range(4)]
    readings = compteur.decode_push(b"".join(sim.push_frames(at=a) for a in ats))
    sim.close()
    path = tmp_path / "pushes.jsonl"
    path.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in readings))
    code, out, _ = run(capsys, "-c", str(cfg), "import", str(path), "--gap-seconds", "3600")
    assert code == 0 and "4 readings read, 4 new" in out
    store = Store.open(f"sqlite:///{cfg.parent / 'db' / 'dash.db'}")
    try:
        [m] = store.meters()
        assert m.serial == "1909113" and m.first == ats[0] and m.last == ats[-1]
        r = store.series(m.id, ats[0], ats[-1] + timedelta(seconds=1), "raw", ["active_energy_import"], 10)
        # the naive 02:30 of the summer and of the winter pass are two instants, an hour apart
        assert r.times == [int(a.timestamp()) for a in ats]
        assert r.columns["active_energy_import"] == [x.active_energy_import for x in readings]
        latest = store.latest(m.id)
        assert latest is not None and latest.obis[0][0] == "0-0:42.0.0*255"
    finally:
        store.close()


def test_compteur_cli_output_imports_too(cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = Path(os.environ.get("COMPTEUR_BIN", ROOT.parents[1] / "target" / "debug" / "compteur"))
    if not binary.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the compteur binary is not built ({binary}): set COMPTEUR_BIN")
        pytest.skip(f"the compteur binary is not built ({binary}); the Reading.to_dict test covers the format")
    sim = compteur.Simulator(seed=2, history_days=2)
    ats = [datetime(2026, 11, 30, 12, 0, tzinfo=UTC) + timedelta(seconds=10 * i) for i in range(3)]
    raw = tmp_path / "capture.bin"
    raw.write_bytes(b"".join(sim.push_frames(at=a) for a in ats))
    sim.close()
    jl = tmp_path / "capture.jsonl"
    jl.write_bytes(subprocess.run([str(binary), "decode", "--json", "--file", str(raw)],
                                  check=True, capture_output=True).stdout)
    code, out, _ = run(capsys, "-c", str(cfg), "import", str(jl))
    assert code == 0 and "3 readings read, 3 new" in out


def test_bad_config_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "x.toml"
    p.write_text('[web]\nport = "eighty"\n')
    code, _, err = run(capsys, "-c", str(p), "init")
    assert code == 2 and "web.port" in err and "Traceback" not in err
    code, _, err = run(capsys, "init", "--config", str(p))  # after the command too
    assert code == 2 and "web.port" in err


def test_demo_collector_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`demo --no-web`: history at once, then live pushes from the simulator over a pty."""
    d = tmp_path / "demo"
    code = main(["demo", "--dir", str(d), "--days", "2", "--interval", "0.5", "--no-web", "--duration", "3"])
    out = capsys.readouterr().out
    assert code == 0
    assert "log in as admin / " in out
    store = Store.open(f"sqlite:///{d / 'dashboard.db'}")
    try:
        [m] = store.meters()
        assert m.serial == "1909113"
        assert m.first is not None and m.last is not None
        assert m.last - m.first > timedelta(days=1, hours=23)
        assert datetime.now(UTC) - m.last < timedelta(seconds=5)
        # live pushes stored (the last 3 s at 0.5 s intervals), no gap between history and live
        since = datetime.now(UTC) - timedelta(seconds=4)
        assert store.count_readings() > 2 * 96
        assert store.series(m.id, since, datetime.now(UTC), "raw", ["active_power_import"], 100).times
        assert store.gaps(m.id, m.first, m.last + timedelta(seconds=1)) == []
        assert store.health()["collector"]["frames"]["decoded"] >= 2
        days = store.series(m.id, m.first, m.last, "1d", ["active_energy_import"], 10)
        assert len(days.times) >= 2 and all(v and v > 0 for v in days.columns["active_energy_import"])
    finally:
        store.close()
    assert (d / "dashboard.toml").exists() and (d / "secret_key").stat().st_mode & 0o777 == 0o600


def test_demo_runs_collector_and_web_server_in_one_process(tmp_path: Path) -> None:
    """`python -m dashboard demo`: the web server answers /api/health with the live collector."""
    import socket
    import time
    import urllib.request

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "demo", "--dir", str(tmp_path / "d"), "--port", str(port),
         "--days", "1", "--interval", "0.5"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=str(ROOT),
    )
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    health = json.loads(r.read())
                if health["collector"].get("frames", {}).get("decoded", 0) >= 2:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        assert health is not None, "the demo's web server never answered"
        assert health["database"]["ok"] is True
        assert health["collector"]["source"]["kind"] == "simulator"
        assert health["collector"]["source"]["state"] == "connected"
        assert health["collector"]["frames"]["decoded"] >= 2
        with pytest.raises(urllib.error.HTTPError) as info:  # data needs a login
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/data", timeout=2)
        assert info.value.code == 401
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0].decode(errors="replace")
    assert "log in as admin / " in out
    assert f"http://127.0.0.1:{port}/" in out
