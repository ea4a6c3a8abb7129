"""The deployment files: systemd units, udev rule, Dockerfile and compose file, the bundle
recipe and its smoke test, the soak test's bookkeeping.

No container engine and no systemd instance are needed: the units are parsed (and checked
with ``systemd-analyze`` where it is installed), the compose file with PyYAML, the Dockerfile
line by line; the smoke test runs against ``python -m dashboard``.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List, Tuple

import pytest

from dashboard.cli import build_parser
from dashboard.config import Config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DASH = Path(__file__).resolve().parent.parent
REPO = DASH.parent.parent
DEPLOY = DASH / "deploy"
SYSTEMD = DASH / "systemd"
UNITS = {
    "collector": SYSTEMD / "compteur-dashboard-collector.service",
    "web": SYSTEMD / "compteur-dashboard-web.service",
}
VENV_BIN = "/opt/compteur-dashboard/venv/bin/"
DATA_DIR = "/var/lib/compteur-dashboard"


# -- helpers ------------------------------------------------------------------------------------


Unit = Dict[str, List[Tuple[str, str]]]


def parse_unit(text: str) -> Unit:
    """A systemd unit file as ``{section: [(key, value), ...]}`` (repeated keys kept in order)."""
    out: Unit = {}
    section = None
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            out.setdefault(section, [])
            continue
        assert section is not None, f"line {n}: a key before any section"
        key, sep, value = line.partition("=")
        assert sep, f"line {n}: not key=value: {raw!r}"
        assert not raw.rstrip().endswith("\\"), f"line {n}: continuation lines are not used"
        out[section].append((key.strip(), value.strip()))
    return out


def values(unit: Unit, section: str, key: str) -> List[str]:
    """Every value of ``key`` in ``section``."""
    return [v for k, v in unit.get(section, []) if k == key]


def one(unit: Unit, section: str, key: str) -> str:
    """The single value of ``key`` (the test fails when it is missing or repeated)."""
    vs = values(unit, section, key)
    assert len(vs) == 1, f"[{section}] {key}: {vs}"
    return vs[0]


def load_module(path: Path, name: str) -> ModuleType:
    """Import a script by path (deploy/, soak/ are not packages)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def dockerfile_instructions(text: str) -> List[Tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` of a Dockerfile, continuation lines joined."""
    out: List[Tuple[str, str]] = []
    buf = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        word, _sep, rest = buf.partition(" ")
        out.append((word.upper(), rest.strip()))
        buf = ""
    assert not buf, "a dangling continuation line"
    return out


# -- systemd ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(UNITS))
def test_unit_parses_and_runs_an_existing_command(name: str) -> None:
    text = UNITS[name].read_text(encoding="utf-8")
    unit = parse_unit(text)
    assert set(unit) == {"Unit", "Service", "Install"}
    # configparser reads it too (the units use repeated keys: strict=False keeps the last)
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read_string(text)
    assert cp["Service"]["User"] == "compteur"

    argv = shlex.split(one(unit, "Service", "ExecStart"))
    assert argv[0].startswith(VENV_BIN)
    script = argv[0][len(VENV_BIN):]
    pyproject = tomllib.loads((DASH / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"][script] == "dashboard.cli:main"
    args = build_parser().parse_args(argv[1:])
    assert args.command == {"collector": "collect", "web": "serve"}[name]

    env = dict(v.split("=", 1) for v in values(unit, "Service", "Environment"))
    assert env["DASHBOARD_CONFIG"] == "/etc/compteur-dashboard/dashboard.toml"
    assert one(unit, "Service", "WorkingDirectory") == DATA_DIR
    assert one(unit, "Service", "Restart") == "on-failure"
    assert one(unit, "Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("name", sorted(UNITS))
def test_unit_hardening(name: str) -> None:
    unit = parse_unit(UNITS[name].read_text(encoding="utf-8"))
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
        "ReadWritePaths": DATA_DIR,
        "StateDirectory": "compteur-dashboard",
        "UMask": "0077",
        "DevicePolicy": "closed",
        "RestrictNamespaces": "yes",
        "RestrictSUIDSGID": "yes",
        "LockPersonality": "yes",
        "MemoryDenyWriteExecute": "yes",
        "SystemCallArchitectures": "native",
        "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes",
        "ProtectControlGroups": "yes",
    }
    for key, want in expected.items():
        assert one(unit, "Service", key) == want, key
    families = set(one(unit, "Service", "RestrictAddressFamilies").split())
    assert families == {"AF_UNIX", "AF_INET", "AF_INET6"}
    filters = values(unit, "Service", "SystemCallFilter")
    assert "@system-service" in filters and "~@privileged" in filters
    devices = [v.split() for v in values(unit, "Service", "DeviceAllow")]
    if name == "collector":
        # the serial adapter: no PrivateDevices, the tty drivers allowed read-write, dialout
        assert values(unit, "Service", "PrivateDevices") == []
        assert ["char-ttyUSB", "rw"] in devices and ["char-ttyAMA", "rw"] in devices
        assert one(unit, "Service", "SupplementaryGroups") == "dialout"
        assert one(unit, "Service", "KillSignal") == "SIGTERM"
    else:
        assert one(unit, "Service", "PrivateDevices") == "yes"
        assert devices == []
        assert values(unit, "Service", "SupplementaryGroups") == []


def _units_with_executable(tmp_path: Path) -> List[Path]:
    """Copies of the units whose ExecStart points at an existing executable in tmp_path."""
    exe = tmp_path / "compteur-dashboard"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    out = []
    for path in UNITS.values():
        copy = tmp_path / path.name
        copy.write_text(path.read_text(encoding="utf-8").replace(VENV_BIN + "compteur-dashboard", str(exe)))
        out.append(copy)
    return out


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    units = _units_with_executable(tmp_path)
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", *map(str, units)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stderr.strip() == "", p.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("name", sorted(UNITS))
def test_units_exposure_level_is_low(name: str) -> None:
    p = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", str(UNITS[name])],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout + p.stderr)
    if m is None and "offline" in (p.stderr or ""):
        pytest.skip("this systemd-analyze has no --offline")
    assert m is not None, p.stdout[-2000:] + p.stderr
    # systemd rates 0-10; "OK" is below 4; these units are at 1.2 (web) and 1.6 (collector)
    assert float(m.group(1)) <= 2.0


# -- udev ---------------------------------------------------------------------------------------


def test_udev_rule_names_the_adapter_and_gives_it_to_dialout() -> None:
    text = (DEPLOY / "99-compteur-meter.rules").read_text(encoding="utf-8")
    rules = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert rules
    vendors = set()
    token = re.compile(r'^([A-Z]+(?:\{[a-zA-Z_]+\})?)(==|!=|\+=|=|:=)"([^"]*)"$')
    for rule in rules:
        pairs = [t.strip() for t in rule.split(",")]
        parsed = {}
        for t in pairs:
            m = token.match(t)
            assert m, f"not a udev key/value: {t!r}"
            parsed[(m.group(1), m.group(2))] = m.group(3)
        assert parsed[("SUBSYSTEM", "==")] == "tty"
        assert re.fullmatch(r"[0-9a-f]{4}", parsed[("ATTRS{idVendor}", "==")])
        assert re.fullmatch(r"[0-9a-f]{4}", parsed[("ATTRS{idProduct}", "==")])
        assert parsed[("SYMLINK", "+=")] == "compteur-meter"
        assert parsed[("GROUP", "=")] == "dialout"
        assert parsed[("MODE", "=")] == "0660"
        vendors.add(parsed[("ATTRS{idVendor}", "==")])
    assert {"0403", "10c4"} <= vendors  # FTDI and Silicon Labs CP210x
    guide = (REPO / "docs" / "raspberry-pi.md").read_text(encoding="utf-8")
    assert "99-compteur-meter.rules" in guide and "/dev/compteur-meter" in guide


# -- Docker -------------------------------------------------------------------------------------


def test_dockerfile_copy_sources_exist_and_stages() -> None:
    instr = dockerfile_instructions((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    froms = [a for i, a in instr if i == "FROM"]
    assert len(froms) == 2
    assert froms[0].startswith("rust:") and froms[0].endswith(" AS wheel")
    assert froms[1].startswith("python:3.11-slim")
    ignored = {line.strip() for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    copies = [a for i, a in instr if i == "COPY"]
    checked = 0
    for args in copies:
        parts = shlex.split(args)
        if any(p.startswith("--from=") for p in parts):
            continue
        *sources, _dest = [p for p in parts if not p.startswith("--")]
        for src in sources:
            assert (REPO / src).exists(), f"COPY source missing from the build context: {src}"
            assert src not in ignored and src.split("/")[0] not in ignored, src
            checked += 1
    assert checked >= 10
    # every workspace member the wheel build needs is copied
    members = tomllib.loads((REPO / "Cargo.toml").read_text())["workspace"]["members"]
    copied = {shlex.split(a)[0] for a in copies}
    assert set(members) <= copied
    # the runtime stage runs the console script as an unprivileged user
    runtime = instr[[i for i, (k, _a) in enumerate(instr) if k == "FROM"][1]:]
    assert ("USER", "compteur") in runtime
    assert ("ENTRYPOINT", '["compteur-dashboard"]') in runtime
    env = " ".join(a for k, a in runtime if k == "ENV")
    assert "DASHBOARD_CONFIG=/config/dashboard.toml" in env


def test_dockerfile_installs_the_runtime_requirements_only() -> None:
    # the image keeps the lines of requirements.txt before "# Tests" (sed -n '1,/^# Tests/p')
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "sed -n '1,/^# Tests/p'" in text
    lines = (DASH / "requirements.txt").read_text(encoding="utf-8").splitlines()
    end = next(i for i, line in enumerate(lines) if re.match(r"^# Tests", line))
    runtime = [line.split("==")[0] for line in lines[: end + 1] if "==" in line]
    tests = [line.split("==")[0] for line in lines[end + 1:] if "==" in line]
    assert {"Flask", "SQLAlchemy", "waitress", "argon2-cffi", "pyserial"} <= set(runtime)
    assert "pytest" in tests and "pytest" not in runtime


def _compose() -> Dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_compose_file_structure() -> None:
    doc = _compose()
    services = doc["services"]
    assert isinstance(services, dict)
    assert set(services) == {"collector", "web", "mosquitto", "influxdb"}
    assert services["mosquitto"]["image"].startswith("eclipse-mosquitto:")
    assert services["influxdb"]["image"] == "influxdb:1.8"
    named = set(doc["volumes"])
    for name, svc in services.items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if src.startswith("."):
                host = DEPLOY / src
                # dashboard.toml is the user's copy of dashboard.docker.toml
                assert host.exists() or host.name == "dashboard.toml", vol
            else:
                assert src in named, f"{name}: volume {src} is not declared"
    for name in ("collector", "web"):
        svc = services[name]
        build = svc["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
        assert "./dashboard.toml:/config/dashboard.toml:ro" in svc["volumes"]
        assert svc["environment"]["DASHBOARD_CONFIG"] == "/config/dashboard.toml"
        args = build_parser().parse_args(svc["command"])
        assert args.command == {"collector": "collect", "web": "serve"}[name]
    assert services["collector"]["devices"] == ["/dev/compteur-meter:/dev/compteur-meter"]
    assert "dialout" in services["collector"]["group_add"]
    assert set(services["collector"]["depends_on"]) == {"mosquitto", "influxdb"}


def test_compose_config_points_at_the_services(store: object) -> None:
    doc = _compose()
    services = doc["services"]
    assert isinstance(services, dict)
    config = Config.load(DEPLOY / "dashboard.docker.toml")
    assert config.source.kind == "push"
    assert config.source.port == services["collector"]["devices"][0].split(":")[1]
    assert config.database.url == "sqlite:////data/dashboard.db"
    assert config.web.port == 5000 and config.web.host == "0.0.0.0"
    assert config.integrations["mqtt"]["host"] == "mosquitto"
    assert config.integrations["influxdb"]["url"] == "http://influxdb:8086"
    # the integration tables validate (the exporters are built, nothing connects)
    from dashboard.integrations import load_exporters

    exporters = load_exporters(config, store)  # type: ignore[arg-type]
    assert sorted(e.name for e in exporters) == ["influxdb", "mqtt"]
    conf = (DEPLOY / "mosquitto.conf").read_text(encoding="utf-8")
    assert "listener 1883" in conf and "persistence true" in conf


# -- the bundle ---------------------------------------------------------------------------------


def test_bundle_recipe_files() -> None:
    spec = (DEPLOY / "compteur-dashboard.spec").read_text(encoding="utf-8")
    assert '"entry.py"' in spec and (DEPLOY / "entry.py").is_file()
    for data in ("templates", "static", "migrations"):
        assert f'"dashboard/web/{data}"' in spec or f'"dashboard/{data}"' in spec, data
    assert 'collect_submodules("compteur")' in spec
    pins = (DEPLOY / "requirements-bundle.txt").read_text(encoding="utf-8")
    assert re.search(r"^pyinstaller==\d+\.\d+\.\d+$", pins, re.M)
    sh = DEPLOY / "bundle.sh"
    assert sh.stat().st_mode & stat.S_IXUSR
    subprocess.run(["bash", "-n", str(sh)], check=True)
    p = subprocess.run(["bash", str(sh)], capture_output=True, text=True)
    assert p.returncode == 2 and "usage" in p.stderr


def test_smoke_test_passes_on_the_sources(tmp_path: Path) -> None:
    """The smoke test CI runs on the bundle, run here on ``python -m dashboard``."""
    p = subprocess.run(
        [sys.executable, str(DEPLOY / "smoke_test.py"), sys.executable, "-m", "dashboard"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert "init: database and admin created" in out
    assert re.search(r"serve: /api/health 200 \(\w+\) .* openapi \d+ paths", out)
    assert re.search(r"demo: /api/health ok .* SIGTERM exit in \d+\.\d s", out)
    assert out.rstrip().endswith("smoke test: passed")


def test_smoke_test_fails_on_a_broken_command(tmp_path: Path) -> None:
    fake = tmp_path / "broken"
    fake.write_text("#!/bin/sh\necho compteur-dashboard 0\n[ \"$1\" = --version ] && exit 0\nexit 3\n")
    fake.chmod(0o755)
    p = subprocess.run([sys.executable, str(DEPLOY / "smoke_test.py"), str(fake)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert "smoke test FAILED" in p.stderr and "exited with 3" in p.stderr


def test_smoke_test_rejects_a_missing_binary(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, str(DEPLOY / "smoke_test.py"), str(tmp_path / "nothing")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "not an executable file" in p.stderr


# -- the soak test's bookkeeping -----------------------------------------------------------------


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    return load_module(DASH / "soak" / "soak.py", "compteur_soak")


def test_soak_compare_reports_missing_and_extra(soak: ModuleType) -> None:
    r = soak.compare([1, 2, 3, 4, 5], [1, 2, 4, 9])
    assert r == {"count": 3, "missing": 2, "missing_sample": [3, 5], "extra": 1, "extra_sample": [9]}
    assert soak.compare(range(100), range(100))["missing"] == 0


def test_soak_missing_seconds(soak: ModuleType) -> None:
    assert soak.missing_seconds([10, 11, 12, 15]) == 2
    assert soak.missing_seconds([10, 10, 11]) == 0
    assert soak.missing_seconds([]) == 0


def test_soak_restart_plan_alternates_and_spreads(soak: ModuleType) -> None:
    plan = soak.restart_plan(1800.0, 2)
    assert [name for _t, name in plan] == ["mosquitto", "influxdb", "mosquitto", "influxdb"]
    assert [t for t, _n in plan] == [360.0, 720.0, 1080.0, 1440.0]


def test_soak_refuses_bad_arguments(soak: ModuleType) -> None:
    with pytest.raises(SystemExit) as e:
        soak.main(["--minutes", "0"])
    assert e.value.code == 2


def test_docs_describe_the_deployment() -> None:
    text = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    for needle in ("systemctl enable", "journalctl", "docker compose", "not tested", "bundle.sh",
                   "smoke_test.py", "soak.py --minutes 30", "bootloader", "backup"):
        assert needle in text, needle
    assert os.path.basename(str(UNITS["collector"])) in text
