"""Local time ↔ UTC, the DST bit and local days."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from dashboard import timeconv

Z = ZoneInfo("Europe/Zurich")
UTC = timezone.utc


def test_autumn_repeated_hour_is_told_apart_by_the_dst_bit() -> None:
    local = datetime(2026, 10, 25, 2, 30)
    assert timeconv.is_ambiguous(local, Z)
    summer = timeconv.to_utc(local, Z, True)
    winter = timeconv.to_utc(local, Z, False)
    assert summer == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert winter == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert timeconv.to_utc(local, Z, None) == summer  # no bit: the first pass


def test_dst_bit_is_ignored_outside_the_repeated_hour() -> None:
    # a wrong bit on an unambiguous time does not move it
    assert timeconv.to_utc(datetime(2026, 7, 1, 12, 0), Z, False) == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert timeconv.to_utc(datetime(2026, 1, 1, 12, 0), Z, True) == datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    assert not timeconv.is_ambiguous(datetime(2026, 3, 29, 2, 30), Z)  # does not exist at all


def test_aware_timestamps_keep_their_offset() -> None:
    aware = datetime(2026, 10, 25, 2, 30, tzinfo=timezone.utc)
    assert timeconv.to_utc(aware, Z, True) == aware
    plus2 = datetime.fromisoformat("2026-10-25T02:30:00+02:00")
    assert timeconv.to_utc(plus2, Z, False) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "day, hours", [(date(2026, 3, 29), 23.0), (date(2026, 10, 25), 25.0), (date(2026, 6, 1), 24.0)]
)
def test_local_day_lengths(day: date, hours: float) -> None:
    s, e = timeconv.local_day_bounds(day, Z)
    assert (e - s) / 3600 == hours
    assert timeconv.interval_start(s + 3600 * 5, "1d", Z) == s
    assert timeconv.interval_end(s, "1d", Z) == e


def test_hour_and_quarter_boundaries_in_the_repeated_hour() -> None:
    first = timeconv.to_unix(datetime(2026, 10, 25, 0, 40, tzinfo=UTC))  # 02:40 CEST
    second = timeconv.to_unix(datetime(2026, 10, 25, 1, 40, tzinfo=UTC))  # 02:40 CET
    assert timeconv.interval_start(first, "1h", Z) == first - 40 * 60
    assert timeconv.interval_start(second, "1h", Z) == second - 40 * 60
    assert timeconv.interval_start(first, "15m", Z) == first - 10 * 60
    hours = list(timeconv.intervals(*timeconv.local_day_bounds(date(2026, 10, 25), Z), "1h", Z))
    assert len(hours) == 25
    hours = list(timeconv.intervals(*timeconv.local_day_bounds(date(2026, 3, 29), Z), "1h", Z))
    assert len(hours) == 23


def test_half_hour_zone_hours_follow_local_clock() -> None:
    india = ZoneInfo("Asia/Kolkata")
    ts = timeconv.to_unix(datetime(2026, 1, 1, 10, 50, tzinfo=india))
    start = timeconv.interval_start(ts, "1h", india)
    assert timeconv.from_unix(start).astimezone(india).replace(tzinfo=None) == datetime(2026, 1, 1, 10, 0)


def test_unknown_resolution() -> None:
    with pytest.raises(ValueError, match="unknown resolution"):
        timeconv.interval_start(0, "5m", Z)
