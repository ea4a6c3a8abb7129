"""Config loading: the example file, defaults, errors with key paths, secrets kept out."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from dashboard.config import Config, ConfigError, ensure_secret_key

ROOT = Path(__file__).resolve().parents[1]
KEY = "5C31B0A7E2B2CC8FA0FBCD6CD6A2B2E5"


def write(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    p = tmp_path / "dashboard.toml"
    p.write_text(text, encoding="utf-8")
    os.chmod(p, mode)
    return p


def test_example_config_loads(tmp_path: Path) -> None:
    c = Config.load(ROOT / "config.example.toml")
    assert c.meter.timezone == "Europe/Zurich"
    assert (c.source.kind, c.source.port, c.source.baud, c.source.parity) == ("push", "/dev/ttyUSB0", 2400, "even")
    assert c.database.url == f"sqlite:///{ROOT / 'dashboard.db'}"
    assert c.database.raw_retention_days == 90
    assert c.collector.silence_timeout == 60.0  # push interval unknown
    assert c.collector.spool_dir == ROOT / "spool"
    assert (c.web.host, c.web.port, c.web.language, c.web.cookie_secure) == ("127.0.0.1", 5000, "fr", "auto")
    assert c.costs.price_per_kwh == 0.2816 and c.costs.currency == "CHF"


def test_defaults_and_silence_from_the_push_interval(tmp_path: Path) -> None:
    c = Config.load(write(tmp_path, '[source]\nkind = "simulator"\npush_interval = 5.0\n'))
    assert c.collector.silence_timeout == 15.0
    assert c.web.secret_key_file == tmp_path / "secret_key"
    c = Config.load(write(tmp_path, '[source]\nkind = "poll"\nhost = "127.0.0.1"\nport = 4061\ninterval = 30\n'))
    assert (c.source.host, c.source.tcp_port, c.collector.silence_timeout) == ("127.0.0.1", 4061, 90.0)
    c = Config.load(write(tmp_path, '[collector]\nsilence_timeout = 12.5\n'))
    assert c.collector.silence_timeout == 12.5


@pytest.mark.parametrize(
    "text, key, reason",
    [
        ('[source]\nkind = "serial"\n', "source.kind", "must be one of"),
        ('[source]\nkind = "push"\n', "source.port", "required"),
        ('[source]\nkind = "push"\nport = "/dev/ttyUSB0"\nbaud = "fast"\n', "source.baud", "integer"),
        ('[source]\nkind = "push"\nport = "/dev/x"\nparity = "mark"\n', "source.parity", "must be one of"),
        ('[source]\nkind = "push"\nport = "/dev/x"\nkey = "abc"\n', "source.key", "32 hexadecimal digits"),
        ('[source]\nkind = "poll"\n', "source.host", "required"),
        ('[meter]\ntimezone = "Mars/Olympus"\n', "meter.timezone", "unknown IANA time zone"),
        ('[database]\nurl = "mysql://x"\n', "database.url", "sqlite"),
        ('[database]\nurl = "postgresql://x/y"\n', "database.url", "pg8000"),
        ('[database]\nraw_retention_days = 0\n', "database.raw_retention_days", "greater than 0"),
        ('[collector]\nbatch_size = 0\n', "collector.batch_size", "at least 1"),
        ('[web]\nport = 70000\n', "web.port", "at most 65535"),
        ('[web]\nlanguage = "de"\n', "web.language", "must be one of"),
        ('[web]\ncookie_secure = "yes"\n', "web.cookie_secure", "auto"),
        ('[web]\nbind = "0.0.0.0"\n', "web.bind", "unknown key"),
        ('[extra]\n', "extra", "unknown section"),
        ('[costs]\nprice_per_kwh = -1\n', "costs.price_per_kwh", "at least 0"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        Config.load(write(tmp_path, text))
    assert info.value.key == key
    assert reason in info.value.reason
    assert str(tmp_path) in str(info.value)


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.load(write(tmp_path, "[meter\n"))
    with pytest.raises(ConfigError, match="cannot read"):
        Config.load(tmp_path / "nope.toml")


def test_keys_stay_out_of_reprs_and_errors(tmp_path: Path) -> None:
    c = Config.load(write(tmp_path, f'[source]\nkind = "push"\nport = "/dev/x"\nkey = "{KEY}"\nauth_key = "{KEY}"\n'
                                    '[database]\nurl = "postgresql+pg8000://u:hunter2@db/x"\n'))
    assert c.source.key == KEY and c.source.auth_key == KEY
    text = repr(c)
    assert KEY not in text and "hunter2" not in text and "***" in text
    bad = "5C31B0A7E2B2CC8FA0FBCD6CD6A2B2EZ"
    with pytest.raises(ConfigError) as info:
        Config.load(write(tmp_path, f'[source]\nkind = "push"\nport = "/dev/x"\nkey = "{bad}"\n'))
    assert bad not in str(info.value)


def test_warns_when_a_file_with_a_key_is_readable_by_others(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = f'[source]\nkind = "push"\nport = "/dev/x"\nkey = "{KEY}"\n'
    with caplog.at_level(logging.WARNING):
        Config.load(write(tmp_path, text, mode=0o600))
    assert not caplog.records
    with caplog.at_level(logging.WARNING):
        Config.load(write(tmp_path, text, mode=0o644))
    assert any("chmod 600" in r.getMessage() for r in caplog.records)
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_secret_key_file_is_created_0600(tmp_path: Path) -> None:
    p = tmp_path / "sub" / "secret_key"
    k = ensure_secret_key(p)
    assert len(k) == 64 and (p.stat().st_mode & 0o777) == 0o600
    assert ensure_secret_key(p) == k
