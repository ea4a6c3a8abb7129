"""Time conversions between the meter's local time and UTC (pure functions, no I/O).

The E450 pushes its local time without an offset. Its clock status carries the DST bit, which
tells apart the two 02:00–03:00 hours of the autumn change: with the bit set the time is still
summer time (the first pass, ``fold=0``), without it winter time (the second pass, ``fold=1``).
Timestamps are stored as integer Unix seconds (UTC).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterator, List, Optional, Tuple
from zoneinfo import ZoneInfo

__all__ = [
    "UTC",
    "RESOLUTIONS",
    "to_utc",
    "to_unix",
    "from_unix",
    "local_day_bounds",
    "local_day_of",
    "interval_start",
    "interval_end",
    "intervals",
    "is_ambiguous",
]

UTC = timezone.utc
RESOLUTIONS = ("15m", "1h", "1d")


def is_ambiguous(local: datetime, tz: ZoneInfo) -> bool:
    """True when the naive local time ``local`` occurs twice in ``tz`` (the autumn change)."""
    a = local.replace(tzinfo=tz, fold=0).utcoffset()
    b = local.replace(tzinfo=tz, fold=1).utcoffset()
    if a == b:
        return False
    back = local.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return back == local  # False for the non-existent spring hour


def to_utc(ts: datetime, tz: ZoneInfo, dst: Optional[bool] = None) -> datetime:
    """The UTC instant of a meter timestamp.

    An aware ``ts`` keeps its own offset. A naive one is local time in ``tz``; in the repeated
    autumn hour ``dst`` picks the pass (True: summer time, False: winter time; None: the first).
    """
    if ts.tzinfo is not None and ts.utcoffset() is not None:
        return ts.astimezone(UTC)
    naive = ts.replace(tzinfo=None)
    fold = 0
    if dst is not None:
        first = naive.replace(tzinfo=tz, fold=0)
        second = naive.replace(tzinfo=tz, fold=1)
        if first.utcoffset() != second.utcoffset():
            # ambiguous (or non-existent): choose the pass whose DST state matches the bit
            first_dst = bool(first.dst())
            second_dst = bool(second.dst())
            if first_dst != second_dst:
                fold = 0 if first_dst == dst else 1
    return naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)


def to_unix(dt: datetime) -> int:
    """Unix seconds of an aware datetime (sub-seconds dropped); naive means UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() // 1)


def from_unix(ts: float) -> datetime:
    """The aware UTC datetime of Unix seconds."""
    return datetime.fromtimestamp(ts, UTC)


def local_day_bounds(day: date, tz: ZoneInfo) -> Tuple[int, int]:
    """Unix seconds of the start and the end of the local calendar ``day`` (23 h, 24 h or 25 h)."""
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz)
    return to_unix(start), to_unix(end)


def local_day_of(ts: int, tz: ZoneInfo) -> date:
    """The local calendar day that contains the instant ``ts``."""
    return from_unix(ts).astimezone(tz).date()


def interval_start(ts: int, resolution: str, tz: ZoneInfo) -> int:
    """The start (Unix s) of the ``resolution`` interval containing ``ts``.

    15-minute and hourly intervals follow the local clock (so a zone with a half-hour offset gets
    local hours); the day is the local calendar day.
    """
    local = from_unix(ts).astimezone(tz)
    offset = int(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    if resolution == "15m":
        return ts - ((ts + offset) % 900)
    if resolution == "1h":
        return ts - ((ts + offset) % 3600)
    if resolution == "1d":
        return local_day_bounds(local.date(), tz)[0]
    raise ValueError(f"unknown resolution {resolution!r}")


def interval_end(start: int, resolution: str, tz: ZoneInfo) -> int:
    """The end (Unix s, exclusive) of the interval that starts at ``start``."""
    if resolution == "15m":
        return start + 900
    if resolution == "1h":
        return start + 3600
    if resolution == "1d":
        return local_day_bounds(local_day_of(start, tz), tz)[1]
    raise ValueError(f"unknown resolution {resolution!r}")


def intervals(start: int, end: int, resolution: str, tz: ZoneInfo) -> Iterator[Tuple[int, int]]:
    """Every interval ``(s, e)`` of ``resolution`` that overlaps ``[start, end)``."""
    s = interval_start(start, resolution, tz)
    while s < end:
        e = interval_end(s, resolution, tz)
        yield s, e
        s = e


def day_lengths(days: List[date], tz: ZoneInfo) -> List[float]:
    """Length in hours of each local day (23 and 25 on the DST change days)."""
    out = []
    for d in days:
        s, e = local_day_bounds(d, tz)
        out.append((e - s) / 3600)
    return out
