"""Parameter parsing and the fast ISO formatter, against the standard library."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard.web.pages import safe_next
from dashboard.web.params import ApiError, IsoFormatter, parse_range, parse_time

ZURICH = ZoneInfo("Europe/Zurich")
UTC = timezone.utc


@pytest.mark.parametrize("zone", ["Europe/Zurich", "America/New_York", "Australia/Lord_Howe",
                                  "Asia/Kathmandu", "Pacific/Chatham", "UTC"])
def test_formatter_matches_isoformat(zone: str) -> None:
    tz = ZoneInfo(zone)
    start = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    times = list(range(start, start + 2 * 366 * 86400, 900)) + [start + 7, start - 86400 * 400 + 1]
    expected = [datetime.fromtimestamp(t, tz).isoformat() for t in times]
    assert IsoFormatter(tz).many(times) == expected
    assert IsoFormatter(tz).one(times[5]) == expected[5]


@pytest.mark.parametrize("text,end,expected", [
    ("2026-10-25", False, datetime(2026, 10, 24, 22, tzinfo=UTC)),
    ("2026-10-25", True, datetime(2026, 10, 25, 23, tzinfo=UTC)),  # the 25-hour day
    ("2026-03-29", True, datetime(2026, 3, 29, 22, tzinfo=UTC)),  # the 23-hour day
    ("2026-10-25T02:30", False, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ("2026-10-25T02:30:00+01:00", False, datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    ("2026-10-25T02:30:00 01:00", False, datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    ("2026-10-25T00:00Z", False, datetime(2026, 10, 25, tzinfo=UTC)),
    ("2026-10-25T00:00:00.5-05:00", False, datetime(2026, 10, 25, 5, 0, 0, 500000, tzinfo=UTC)),
    (" 2026-10-25 ", False, datetime(2026, 10, 24, 22, tzinfo=UTC)),
])
def test_parse_time(text: str, end: bool, expected: datetime) -> None:
    assert parse_time(text, "from", ZURICH, end=end) == expected


@pytest.mark.parametrize("text", ["", "x", "2026-13-01", "2026-10-25T25:00", "0001-01-01T00:00+01:00",
                                  "9999-12-31T23:59:59-23:59", "2026-10-25T00:00+99:00", "1" * 100,
                                  "\x00", "２０２６-10-25"])
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_time(text, "to", ZURICH)
    assert caught.value.status == 400
    assert caught.value.parameter == "to"


def test_parse_range_defaults() -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    day, week = timedelta(days=1), timedelta(days=7)
    assert parse_range(None, None, ZURICH, now=now, default_span=day, max_span=week) == (now - day, now)
    start, end = parse_range("2026-11-01", None, ZURICH, now=now, default_span=day, max_span=week)
    assert end - start == week
    start, end = parse_range("2026-11-30", None, ZURICH, now=now, default_span=day, max_span=week)
    assert end == now


@pytest.mark.parametrize("target,expected", [
    ("/history?lang=en", "/history?lang=en"),
    ("/", "/"),
    ("", "/"),
    (None, "/"),
    ("//evil.example", "/"),
    ("/\\evil.example", "/"),
    ("https://evil.example/", "/"),
    ("history", "/"),
    ("/a\nb", "/"),
])
def test_safe_next(target: "str | None", expected: str) -> None:
    assert safe_next(target) == expected
