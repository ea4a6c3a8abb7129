"""Any bytes into the dashboard's file parsers: a value or a typed error, never a crash.

The CSV and JSON-lines importers and the TOML config loader read files a user hands over;
whatever they contain ends in parsed readings, :class:`ImportError_` (with the line) or
:class:`ConfigError` (with the key path).
"""

from __future__ import annotations

import io
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.config import Config, ConfigError
from dashboard.importexport import RAW_HEADER, ImportError_, read_csv, read_jsonl

ZURICH = ZoneInfo("Europe/Zurich")
HEADER = ",".join(RAW_HEADER) + "\n"

# Lines that look like exports, with fields drawn from pieces that parse and pieces that do not.
FIELD = st.one_of(
    st.sampled_from(["", "1909113", "true", "false", "nan", "inf", "-1e308", "1e999", "0x10",
                     "2026-10-25T00:30:00Z", "2026-10-25T02:30:00", "2026-13-01T00:00:00Z"]),
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
ROW = st.lists(FIELD, min_size=0, max_size=len(RAW_HEADER) + 2).map(",".join)


def _drain_csv(text: str) -> int:
    try:
        return sum(1 for _ in read_csv(io.StringIO(text)))
    except ImportError_ as e:
        assert str(e)
        return -1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_as_csv(text: str) -> None:
    _drain_csv(text)
    _drain_csv(HEADER + text)


@settings(max_examples=300, deadline=None)
@given(st.lists(ROW, max_size=6))
def test_export_like_rows(rows: list[str]) -> None:
    n = _drain_csv(HEADER + "\n".join(rows) + "\n")
    assert n == -1 or n <= len(rows)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_as_json_lines(text: str) -> None:
    try:
        for _serial, _sample in read_jsonl(io.StringIO(text), ZURICH, default_serial="1"):
            pass
    except ImportError_ as e:
        assert str(e)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_any_bytes_as_config(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "dashboard.toml"
    path.write_bytes(data)
    try:
        Config.load(path)
    except ConfigError as e:
        assert str(e)


PRICE_FIELD = st.one_of(
    st.sampled_from(["start,price_per_kwh", "2026-10-25T00:00:00+02:00", "2026-10-25T01:00:00Z",
                     "2026-10-25T00:15:00+02:00", "0.25", "-0.1", "nan", "1e999", "", "\"", "\r"]),
    st.text(max_size=10),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(PRICE_FIELD, max_size=3).map(",".join), max_size=6))
def test_any_lines_as_dynamic_prices(lines: list[str]) -> None:
    from dashboard.analytics.tariffs import TariffError, load_dynamic_prices_csv

    try:
        load_dynamic_prices_csv(io.StringIO("\n".join(lines)))
    except TariffError as e:
        assert str(e)
