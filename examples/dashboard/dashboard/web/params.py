"""Parsing and formatting of API parameters: times, ranges, quantities, meter ids.

Every parser raises :class:`ApiError` with the HTTP status, a message meant for a person and
the name of the offending parameter; the API turns it into
``{"error": "bad_request", "message": ..., "parameter": ...}``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..quantities import QUANTITIES

__all__ = [
    "ApiError",
    "RESOLUTIONS",
    "MAX_RANGE",
    "DEFAULT_SPAN",
    "MAX_POINTS",
    "parse_time",
    "parse_range",
    "parse_resolution",
    "parse_quantities",
    "parse_meter_id",
    "IsoFormatter",
]

#: The resolutions of ``/api/readings``.
RESOLUTIONS: Tuple[str, ...] = ("raw", "15m", "1h", "1d")

#: The longest range per resolution.
MAX_RANGE: Dict[str, timedelta] = {
    "raw": timedelta(days=7),
    "15m": timedelta(days=400),
    "1h": timedelta(days=5 * 366),
    "1d": timedelta(days=50 * 366),
}

#: The range used when ``from`` is omitted (ending at ``to``, which defaults to now).
DEFAULT_SPAN: Dict[str, timedelta] = {
    "raw": timedelta(days=1),
    "15m": timedelta(days=1),
    "1h": timedelta(days=7),
    "1d": timedelta(days=366),
}

#: The largest number of points one ``/api/readings`` answer holds (then ``truncated``).
MAX_POINTS = 100_000

#: Earliest and latest instants accepted (keeps unix seconds in a sane range).
_MIN_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MAX_TIME = datetime(2200, 1, 1, tzinfo=timezone.utc)

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# "...T12:00:00 02:00": a "+" of the offset decoded as a space by form-encoding rules.
_SPACE_OFFSET_RE = re.compile(r"^(.+[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


class ApiError(Exception):
    """An error answered as JSON: ``status``, machine ``error`` code, ``message``, ``parameter``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        parameter: Optional[str] = None,
        error: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter
        self.error = error or _ERROR_CODES.get(status, "error")
        self.headers = headers or {}

    def body(self) -> Dict[str, object]:
        """The JSON body of the error response."""
        out: Dict[str, object] = {"error": self.error, "message": self.message}
        if self.parameter is not None:
            out["parameter"] = self.parameter
        return out


_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "too_many_requests",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}


def _bad(parameter: str, message: str) -> ApiError:
    return ApiError(400, message, parameter=parameter)


def parse_time(value: str, parameter: str, zone: tzinfo, *, end: bool = False) -> datetime:
    """Parse an ISO 8601 date or date-time into an aware UTC datetime.

    With an offset (``Z``, ``+02:00``) the instant is exact. A naive date-time is local time in
    ``zone`` (the first of two ambiguous autumn hours; give an offset to pick the second). A
    plain date is local midnight; with ``end=True`` it means the end of that day (the next
    local midnight), so ``to=2026-10-25`` includes the whole 25 October.
    """
    text = value.strip()
    if not text:
        raise _bad(parameter, f"{parameter} is empty; expected an ISO 8601 date or date-time")
    if len(text) > 64:
        raise _bad(parameter, f"{parameter} is too long to be an ISO 8601 date-time")
    try:
        if _DATE_RE.match(text):
            day = date.fromisoformat(text)
            if end:
                day = day + timedelta(days=1)
            local = datetime(day.year, day.month, day.day, tzinfo=zone)
        else:
            match = _SPACE_OFFSET_RE.match(text)
            if match:
                text = f"{match.group(1)}+{match.group(2)}"
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            parsed = datetime.fromisoformat(text)
            local = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
        result = local.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise _bad(
            parameter,
            f"{parameter}={value!r} is not an ISO 8601 date (2026-10-25) or date-time "
            "(2026-10-25T14:00:00+01:00)",
        ) from None
    if not (_MIN_TIME <= result <= _MAX_TIME):
        raise _bad(parameter, f"{parameter} must lie between 1970 and 2200")
    return result


def parse_range(
    raw_from: Optional[str],
    raw_to: Optional[str],
    zone: tzinfo,
    *,
    now: datetime,
    default_span: timedelta,
    max_span: Optional[timedelta],
    what: str = "",
) -> Tuple[datetime, datetime]:
    """Parse ``from``/``to`` into a UTC range.

    ``to`` defaults to now (or to ``from + max_span`` when that is earlier), ``from`` to
    ``to - default_span``. Refuses ``from > to`` and ranges longer than ``max_span`` (``what`` names the resolution
    in the message).
    """
    given_start = parse_time(raw_from, "from", zone) if raw_from is not None else None
    if raw_to is not None:
        end = parse_time(raw_to, "to", zone, end=True)
    elif given_start is not None and max_span is not None and given_start + max_span < now:
        end = given_start + max_span
    else:
        end = now
    start = given_start if given_start is not None else end - default_span
    if start > end:
        raise _bad("from", "from must not be after to")
    if max_span is not None and end - start > max_span:
        raise _bad(
            "to",
            f"the range from {_iso(start)} to {_iso(end)} is too large{what}: "
            f"at most {max_span.days} days",
        )
    return start, end


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def parse_resolution(value: Optional[str]) -> str:
    """Validate ``resolution`` (default ``15m``)."""
    if value is None:
        return "15m"
    if value not in RESOLUTIONS:
        raise _bad(
            "resolution",
            f"unknown resolution {value!r}; expected one of {', '.join(RESOLUTIONS)}",
        )
    return value


def parse_quantities(value: Optional[str], default: Sequence[str]) -> List[str]:
    """Validate a comma-separated ``quantity`` list (order kept, duplicates dropped)."""
    if value is None:
        return list(default)
    names: List[str] = []
    for part in value.split(","):
        name = part.strip()
        if not name:
            raise _bad("quantity", "quantity holds an empty name")
        if name not in QUANTITIES:
            shown = name if len(name) <= 40 else name[:40] + "..."
            raise _bad(
                "quantity",
                f"unknown quantity {shown!r}; expected names from {', '.join(QUANTITIES)}",
            )
        if name not in names:
            names.append(name)
    return names


def parse_meter_id(value: Optional[str]) -> Optional[int]:
    """Validate ``meter`` (a positive integer id); ``None`` when absent."""
    if value is None:
        return None
    text = value.strip()
    if not text.isdigit() or not text.isascii() or len(text) > 12 or int(text) < 1:
        raise _bad("meter", f"meter must be a positive integer id, not {value[:40]!r}")
    return int(text)


class IsoFormatter:
    """Fast ISO 8601 formatting of unix seconds in one time zone, with the UTC offset.

    ``datetime.fromtimestamp(...).isoformat()`` costs several microseconds per value; a year of
    15-minute points would spend most of the request there. This formatter works day by day:
    when the offset at both ends of a UTC day is the same (every day but the two DST days of a
    year) it formats from cached date and time-of-day strings.
    """

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self._days: Dict[int, Any] = {}
        self._dates: Dict[int, str] = {}
        self._tods: Dict[int, str] = {}

    def one(self, ts: int) -> str:
        """Format one instant exactly (the slow path)."""
        return datetime.fromtimestamp(ts, self.zone).isoformat()

    def _offset(self, ts: int) -> int:
        off = datetime.fromtimestamp(ts, self.zone).utcoffset()
        return int(off.total_seconds()) if off is not None else 0

    def _day(self, day: int) -> Optional[Tuple[int, str]]:
        first = self._offset(day * 86400)
        last = self._offset(day * 86400 + 86399)
        if first != last or first % 60:
            return None
        sign = "+" if first >= 0 else "-"
        mins = abs(first) // 60
        return first, f"{sign}{mins // 60:02d}:{mins % 60:02d}"

    def many(self, times: Sequence[int]) -> List[str]:
        """Format many instants (any order)."""
        out: List[str] = []
        append = out.append
        days = self._days
        dates = self._dates
        tods = self._tods
        for ts in times:
            ts = int(ts)
            info = days.get(ts // 86400, False)
            if info is False:
                info = days[ts // 86400] = self._day(ts // 86400)
            if info is None:
                append(self.one(ts))
                continue
            lday, sod = divmod(ts + info[0], 86400)
            d = dates.get(lday)
            if d is None:
                d = dates[lday] = date.fromordinal(719163 + lday).isoformat() + "T"
            t = tods.get(sod)
            if t is None:
                t = tods[sod] = f"{sod // 3600:02d}:{sod % 3600 // 60:02d}:{sod % 60:02d}"
            append(d + t + info[1])
        return out
