"""Anomaly detection on 15-minute meter data: what a household would want to be told.

:func:`scan` takes a meter's 15-minute series (interval starts in Unix seconds UTC, import
energy in Wh per interval, optionally export energy, per-phase voltage means, the interval
``complete`` flags and the raw reading timestamps) and returns a :class:`Scan`: the anomalies
found, the standby (base load) estimate of every local day and its change over the last 30 days.

The detectors (thresholds in :class:`Settings`):

``spike``
    Consumption far above the expected profile: over 15-, 30- and 60-minute windows, per day
    type (weekday or weekend/holiday) and local hour (± 1 h), the median and a tail-aware robust
    scale of the previous ``reference_weeks`` weeks (no look-ahead); a robust z-score of the
    residual. Runs of flagged quarter-hours are one spike.
``standby_increase``
    Per local day, a low quantile of the quarter-hour mean power (the standby); a sustained step
    up of the median of the next days against the median of the previous weeks.
``high_load``
    Mean power at or above ``high_load_w`` for at least ``high_load_hours`` without a break.
``night_use``
    The night window's median power above the standby of the preceding day, far above its
    usual (robust z over the previous nights): load that stays on through the night.
``unexpected_export``
    Export energy where none is expected (``expect_export``: automatic by default).
``voltage``
    15-minute mean voltages outside the EN 50160 band (Un ± 10 %: warning; outside +10 % /
    −15 %: critical) and local weeks with less than 95 % of the known intervals within ± 10 %.
``gap``
    Runs of missing, unknown or incomplete intervals.
``clock_jump``
    The meter's own timestamps stepping backwards, or forwards by a step that breaks the
    regular cadence of the readings (a forward jump by whole cadences looks like lost readings
    and is not reported).
``unusual_day``
    An IsolationForest over daily feature vectors (a second opinion, severity ``info``).

None and NaN are unknown, never zero. Any input ends in a :class:`Scan` or a
:class:`ValueError` with a message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple, Union
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

KINDS = (
    "spike",
    "standby_increase",
    "high_load",
    "night_use",
    "unexpected_export",
    "voltage",
    "gap",
    "clock_jump",
    "unusual_day",
)
SEVERITIES = ("info", "warning", "critical")

QUARTER = 900
SLOTS = 96  # quarter-hours of a regular local day
_EPOCH_DAY = date(1970, 1, 1)
#: Interval starts accepted: 1970-01-01 to 2200-01-01 (UTC).
MIN_TS = 0
MAX_TS = 7258118400
#: At most this many 15-minute intervals between the first and the last (about 20 years).
MAX_INTERVALS = 20 * 366 * SLOTS

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]
FloatSeq = Union[Sequence[Optional[float]], F64]


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _finite(x: Optional[float]) -> Optional[float]:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


TEMPLATES = (
    "spike", "spike_no_usual", "standby_increase", "high_load", "night_use", "unexpected_export",
    "voltage_low", "voltage_high", "voltage_week", "gap", "clock_back", "clock_forward",
    "unusual_day",
)
"""The sentences :attr:`Anomaly.details` can name (``details["template"]``)."""


def _json_details(d: Mapping[str, Any]) -> Dict[str, Any]:
    """``details`` with non-finite numbers as None (also inside the feature list)."""
    out: Dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, float):
            out[k] = _finite(v)
        elif isinstance(v, list):
            out[k] = [_json_details(x) if isinstance(x, Mapping) else x for x in v]
        else:
            out[k] = v
    return out


@dataclass(frozen=True)
class Anomaly:
    """One anomaly over the period ``[start, end)`` (Unix seconds UTC).

    ``value`` is what was observed and ``expected`` what was expected (None when not
    meaningful), both in ``unit``; ``score`` is the detector's score (a robust z-score, an
    IsolationForest score, a share, ...); ``message`` is one English sentence with the numbers
    and local times.

    ``details`` holds what the sentence says, for a user interface that words it in another
    language: ``template`` names the sentence (``spike``, ``voltage_low``, ``clock_back``, ...,
    listed in ``TEMPLATES``) and the other keys are its numbers, named by unit (``_w`` watts,
    ``_wh`` watt-hours, ``_kwh``, ``_v`` volts, ``_pct`` percent, ``_s`` seconds), local dates
    (``YYYY-MM-DD``) or UTC times (ISO 8601).

    >>> a = Anomaly("gap", 0, 3600, "warning", 1.0, None, "h", 4.0, "No complete data ...",
    ...             {"template": "gap", "missing": 4})
    >>> a.to_json()["details"]
    {'template': 'gap', 'missing': 4}
    """

    kind: str
    start: int
    end: int
    severity: str
    value: float
    expected: Optional[float]
    unit: str
    score: float
    message: str
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> str:
        """A stable identifier, ``"<kind>:<start>"`` (used to acknowledge an alert)."""
        return f"{self.kind}:{self.start}"

    def to_json(self) -> Dict[str, Any]:
        """A JSON-safe dict: ISO 8601 UTC and Unix times, no NaN or infinity."""
        return {
            "kind": self.kind,
            "key": self.key,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "start_ts": int(self.start),
            "end_ts": int(self.end),
            "severity": self.severity,
            "value": _finite(self.value),
            "expected": _finite(self.expected),
            "unit": self.unit,
            "score": _finite(self.score),
            "message": self.message,
            "details": _json_details(self.details),
        }


@dataclass(frozen=True)
class DailyBaseLoad:
    """The standby estimate of one local day: a low quantile of its quarter-hour mean power."""

    day: date
    watts: float

    def to_json(self) -> Dict[str, Any]:
        """``{"day": "YYYY-MM-DD", "watts": ...}``."""
        return {"day": self.day.isoformat(), "watts": _finite(self.watts)}


@dataclass(frozen=True)
class Settings:
    """Thresholds of the detectors, with household defaults.

    Profile and spikes: ``reference_weeks`` of history (same day type: weekday, or
    weekend/``holidays``) give per local hour (± ``profile_hour_window`` hours) a median and a
    scale (the largest of 1.4826 MAD, (99th percentile − median) / 2.326 and ``min_scale_w``);
    a 15-, 30- or 60-minute window is unusual when its robust z-score reaches ``z_threshold``
    and its mean is at least ``spike_min_excess_w`` above the median. A day type needs
    ``min_reference_days`` days of reference before anything is flagged.

    Standby: ``base_quantile`` of the day's quarter-hour mean powers, on days with at least
    ``base_min_coverage`` of their intervals known. A step up is flagged when the median of the
    next ``standby_window_days`` days exceeds the median of the previous
    ``standby_reference_days`` days by at least ``standby_min_step_w`` and ``standby_z`` robust
    scales of the reference, and ``standby_sustain`` of the new days are above the midpoint.

    High load: ``high_load_w`` for ``high_load_hours``. Night: local hours
    ``[night_start, night_end)`` (wrapping past midnight if start > end); the night's
    ``night_quantile`` of its quarter-hour powers (the level it stays above for 90 % of the
    night by default) minus the standby of the 24 hours before its end; flagged when its robust z over the
    previous ``night_reference_days`` nights (scale at least ``night_min_scale_w``) reaches
    ``night_z`` and it is at least ``night_min_excess_w`` above its median.

    Export: a run of intervals exporting more than ``export_min_wh``, flagged when
    ``expect_export`` is False, never when it is True, and when it is None (automatic, the
    default) only if the meter exported on fewer than ``export_usual_days`` of the
    ``export_reference_days`` days before. Standby on days with export: the night window only. Voltage: EN 50160 with ``nominal_voltage``: ± ``voltage_band`` (warning),
    below −``voltage_low_critical`` or above +``voltage_high_critical`` (critical), a local week
    with less than ``voltage_week_share`` within ± ``voltage_band`` (warning, needs
    ``voltage_week_min_intervals`` known intervals). Gaps: ``gap_warning_hours`` and
    ``gap_critical_hours`` set the severity. Clock: a forward step more than
    ``clock_tolerance_s`` off the cadence, or any step backwards. Unusual days: IsolationForest
    score at least ``isolation_threshold``, at most ``isolation_max_share`` of the days, fitted
    on at least ``isolation_min_days`` days, and only if one feature of the day is at least
    ``isolation_min_deviation`` robust scales (1.4826 MAD, at least 5 % of the median) from its
    median. ``max_interval_wh`` is a plausibility limit: larger
    interval energies (and negative ones) are treated as unknown.
    """

    reference_weeks: int = 8
    min_reference_days: int = 6
    holidays: FrozenSet[date] = field(default_factory=frozenset)
    profile_hour_window: int = 1
    z_threshold: float = 8.0
    min_scale_w: float = 50.0
    spike_min_excess_w: float = 1000.0
    base_quantile: float = 0.02
    base_min_coverage: float = 0.75
    standby_window_days: int = 7
    standby_reference_days: int = 28
    standby_min_step_w: float = 20.0
    standby_z: float = 4.0
    standby_sustain: float = 0.7
    high_load_w: float = 2000.0
    high_load_hours: float = 5.0
    night_start: float = 1.0
    night_end: float = 5.0
    night_reference_days: int = 28
    night_z: float = 5.0
    night_min_scale_w: float = 20.0
    night_min_excess_w: float = 150.0
    night_quantile: float = 0.1
    expect_export: Optional[bool] = None
    export_reference_days: int = 28
    export_usual_days: int = 3
    export_min_wh: float = 5.0
    nominal_voltage: float = 230.0
    voltage_band: float = 0.10
    voltage_low_critical: float = 0.15
    voltage_high_critical: float = 0.10
    voltage_week_share: float = 0.95
    voltage_week_min_intervals: int = 96
    gap_warning_hours: float = 1.0
    gap_critical_hours: float = 24.0
    clock_tolerance_s: float = 2.0
    isolation_threshold: float = 0.62
    isolation_max_share: float = 0.02
    isolation_min_days: int = 28
    isolation_min_deviation: float = 3.0
    max_interval_wh: float = 1e7

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError(f"setting {f.name} must be finite, not {v!r}")
        positive = (
            "reference_weeks", "min_reference_days", "min_scale_w", "standby_window_days",
            "standby_reference_days", "high_load_w", "high_load_hours", "night_reference_days",
            "night_min_scale_w", "nominal_voltage", "voltage_week_min_intervals",
            "isolation_min_days", "max_interval_wh", "gap_critical_hours", "export_reference_days",
        )
        if not 0 <= self.profile_hour_window <= 3:
            raise ValueError("profile_hour_window must be 0 to 3 hours")
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"setting {name} must be positive, not {getattr(self, name)!r}")
        for name in ("z_threshold", "spike_min_excess_w", "standby_min_step_w", "standby_z",
                     "night_z", "night_min_excess_w", "export_min_wh", "gap_warning_hours",
                     "clock_tolerance_s", "isolation_min_deviation"):
            if getattr(self, name) < 0:
                raise ValueError(f"setting {name} must not be negative, not {getattr(self, name)!r}")
        for name in ("base_quantile", "night_quantile", "base_min_coverage", "standby_sustain", "voltage_band",
                     "voltage_low_critical", "voltage_high_critical", "voltage_week_share",
                     "isolation_max_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"setting {name} must be between 0 and 1, not {getattr(self, name)!r}")
        for name in ("night_start", "night_end"):
            if not 0.0 <= getattr(self, name) < 24.0:
                raise ValueError(f"setting {name} must be an hour in [0, 24), not {getattr(self, name)!r}")
        if round(self.night_start * 4) == round(self.night_end * 4):
            raise ValueError("night_start and night_end must differ")
        if not 0.0 < self.isolation_threshold < 1.0:
            raise ValueError("isolation_threshold must be between 0 and 1 (IsolationForest scores)")


@dataclass(frozen=True)
class Scan:
    """The result of :func:`scan`.

    ``anomalies`` sorted by start; ``base_load`` the standby of every local day with enough
    data; ``base_load_change_w`` the median standby of the last 30 days minus that of the 30
    days before (None without enough days).
    """

    anomalies: List[Anomaly]
    base_load: List[DailyBaseLoad]
    base_load_change_w: Optional[float]

    def to_json(self) -> Dict[str, Any]:
        """A JSON-safe dict of the anomalies, the daily standby and its 30-day change."""
        return {
            "anomalies": [a.to_json() for a in self.anomalies],
            "base_load": [b.to_json() for b in self.base_load],
            "base_load_change_w": _finite(self.base_load_change_w),
        }


# --------------------------------------------------------------------------------------------
# Input preparation


def _as_float(name: str, values: Any, n: int) -> F64:
    """Values as float64 with None -> NaN; a ValueError if not numbers or of another length."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional")
        if values.dtype.kind in "fiub":
            arr = values.astype(np.float64)
        else:
            arr = np.array([_one_float(name, v) for v in values.tolist()], dtype=np.float64)
    else:
        try:
            seq = list(values)
        except TypeError:
            raise ValueError(f"{name} must be a sequence of numbers or None") from None
        arr = np.array([_one_float(name, v) for v in seq], dtype=np.float64)
    if len(arr) != n:
        raise ValueError(f"{name} has {len(arr)} values for {n} interval starts")
    return arr


def _one_float(name: str, v: Any) -> float:
    if v is None:
        return math.nan
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name} holds a boolean, not a number: {v!r}")
    if isinstance(v, (str, bytes)):
        raise ValueError(f"{name} holds text, not a number: {_short(v)}")
    try:
        return float(v)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} holds a value that is not a number: {_short(v)}") from None


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def _as_times(name: str, values: Any) -> I64:
    """Unix seconds as int64; a ValueError for non-integers or times out of range."""
    try:
        raw = np.asarray(list(values) if not isinstance(values, np.ndarray) else values)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a sequence of integer Unix seconds") from None
    if raw.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if raw.size == 0:
        return np.zeros(0, dtype=np.int64)
    if raw.dtype.kind in "iu":
        if raw.dtype.kind == "u" and raw.max() > MAX_TS:
            raise ValueError(f"{name} holds a time after 2200-01-01: {int(raw.max())}")
        out = raw.astype(np.int64)
    elif raw.dtype.kind == "f":
        if not np.all(np.isfinite(raw)) or np.any(raw != np.floor(raw)):
            raise ValueError(f"{name} must hold whole Unix seconds")
        if raw.min() < MIN_TS or raw.max() > MAX_TS:
            raise ValueError(f"{name} holds times outside 1970-01-01 .. 2200-01-01")
        out = raw.astype(np.int64)
    elif raw.dtype.kind == "O":
        try:
            ints = [int(v) for v in raw.tolist()]
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{name} must hold integer Unix seconds") from None
        if any(isinstance(v, bool) for v in raw.tolist()) or any(v < MIN_TS or v > MAX_TS for v in ints):
            raise ValueError(f"{name} holds times outside 1970-01-01 .. 2200-01-01")
        out = np.array(ints, dtype=np.int64)
    else:
        raise ValueError(f"{name} must hold integer Unix seconds, not {raw.dtype}")
    if out.min() < MIN_TS or out.max() > MAX_TS:
        raise ValueError(f"{name} holds times outside 1970-01-01 .. 2200-01-01")
    return out


def _utc_offsets(ts: I64, zone: tzinfo) -> I64:
    """The zone's UTC offset (s) at every (sorted) time; exact at each 15-minute grid point."""
    n = len(ts)
    out = np.empty(n, dtype=np.int64)
    if n == 0:
        return out

    def off(t: int) -> int:
        d = datetime.fromtimestamp(int(t), timezone.utc).astimezone(zone)
        u = d.utcoffset()
        return int(u.total_seconds()) if u is not None else 0

    step = 12  # sample every 3 hours, refine where the offset changes in between
    idx = list(range(0, n, step))
    if idx[-1] != n - 1:
        idx.append(n - 1)
    offs = [off(int(ts[i])) for i in idx]
    for k in range(len(idx) - 1):
        a, b = idx[k], idx[k + 1]
        if offs[k] == offs[k + 1]:
            out[a:b + 1] = offs[k]
        else:
            for i in range(a, b + 1):
                out[i] = off(int(ts[i]))
    if len(idx) == 1:
        out[0] = offs[0]
    return out


@dataclass
class _Data:
    """The regular 15-minute grid and everything derived from it."""

    ts: I64            # grid interval starts
    power: F64         # mean import power W, NaN unknown
    known: B
    local: I64         # local seconds (ts + offset)
    day: I64           # local day index (0 = first local day)
    slot: I64          # local quarter-hour of the day 0..95
    first_day: int     # local day number (days since 1970-01-01) of day 0
    ndays: int
    Q: F64             # (ndays, 96) mean power per local slot, NaN unknown
    exists: B          # (ndays, 96) slot exists in local time
    slot_ts: I64       # (ndays, 96) UTC start of the slot (first occurrence), -1 if absent
    weekend: B         # (ndays,) weekend or holiday


def _day_date(first_day: int, d: int) -> date:
    return _EPOCH_DAY + timedelta(days=first_day + d)


def _prepare(ts: I64, wh: F64, complete: Optional[B], zone: tzinfo, settings: Settings) -> _Data:
    start, stop = int(ts[0]), int(ts[-1])
    n = (stop - start) // QUARTER + 1
    grid = start + QUARTER * np.arange(n, dtype=np.int64)
    pos = (ts - start) // QUARTER
    energy = np.full(n, np.nan)
    ok = np.isfinite(wh) & (wh >= 0) & (wh <= settings.max_interval_wh)
    if complete is not None:
        ok &= complete
    energy[pos[ok]] = wh[ok]
    known = np.isfinite(energy)
    power = energy * (3600.0 / QUARTER)
    local = grid + _utc_offsets(grid, zone)
    daynum = np.floor_divide(local, 86400)
    slot = (local - daynum * 86400) // QUARTER
    first_day = int(daynum[0])
    day = daynum - first_day
    ndays = int(day[-1]) + 1
    flat = day * SLOTS + slot
    total = np.zeros(ndays * SLOTS)
    count = np.zeros(ndays * SLOTS)
    np.add.at(total, flat[known], power[known])
    np.add.at(count, flat[known], 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        Q = np.where(count > 0, total / np.maximum(count, 1.0), np.nan).reshape(ndays, SLOTS)
    exists_flat = np.zeros(ndays * SLOTS, dtype=bool)
    exists_flat[flat] = True
    slot_ts = np.full(ndays * SLOTS, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(slot_ts, flat, grid)  # the first occurrence of a repeated (autumn) slot
    slot_ts[slot_ts == np.iinfo(np.int64).max] = -1
    days = first_day + np.arange(ndays)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday (weekday 3)
    weekend = weekday >= 5
    if settings.holidays:
        hol = {(h - _EPOCH_DAY).days for h in settings.holidays}
        weekend |= np.isin(days, np.array(sorted(hol), dtype=np.int64))
    # the first and last local days may be partial: their absent slots do not exist either
    exists = exists_flat.reshape(ndays, SLOTS)
    return _Data(grid, power, known, local, day, slot, first_day, ndays, Q, exists,
                 slot_ts.reshape(ndays, SLOTS), weekend)


# --------------------------------------------------------------------------------------------
# Helpers


class _Fmt:
    """Local time formatting for messages."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def dt(self, ts: int) -> datetime:
        return datetime.fromtimestamp(int(ts), timezone.utc).astimezone(self.zone)

    def when(self, ts: int) -> str:
        return self.dt(ts).strftime("%a %d %b %Y %H:%M")

    def hm(self, ts: int) -> str:
        return self.dt(ts).strftime("%H:%M")

    def span(self, start: int, end: int) -> str:
        a, b = self.dt(start), self.dt(end)
        if a.date() == b.date() or (b - a <= timedelta(days=1) and b.hour == 0 and b.minute == 0):
            return f"on {a.strftime('%a %d %b %Y')} from {a.strftime('%H:%M')} to {b.strftime('%H:%M')}"
        return f"from {a.strftime('%a %d %b %Y %H:%M')} to {b.strftime('%a %d %b %Y %H:%M')}"

    def day(self, d: date) -> str:
        return d.strftime("%d %B %Y").lstrip("0")


def _runs(mask: B) -> List[Tuple[int, int]]:
    """``[(i, j), ...]``: maximal runs ``mask[i:j]`` of True."""
    if mask.size == 0:
        return []
    m = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(m)
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist()))


def _kw(w: float) -> str:
    return f"{w / 1000:.1f} kW" if abs(w) >= 1000 else f"{w:.0f} W"


def _robust(x: F64) -> Tuple[float, float]:
    """Median and 1.4826 MAD of the finite values (NaN, NaN if none)."""
    v = x[np.isfinite(x)]
    if v.size == 0:
        return math.nan, math.nan
    med = float(np.median(v))
    return med, float(1.4826 * np.median(np.abs(v - med)))


# --------------------------------------------------------------------------------------------
# Detectors


SPIKE_SCALES = (1, 2, 4)  # window lengths in quarter-hours: 15, 30 and 60 minutes


def _window_means(power: F64, L: int) -> F64:
    """Mean of ``power[t - L + 1 .. t]`` at every t (NaN when one of them is unknown)."""
    if L == 1:
        return power.copy()
    ok = np.isfinite(power)
    c = np.concatenate(([0.0], np.cumsum(np.where(ok, power, 0.0))))
    k = np.concatenate(([0], np.cumsum(~ok)))
    out = np.full(len(power), np.nan)
    if len(power) >= L:
        s = (c[L:] - c[:-L]) / L
        bad = (k[L:] - k[:-L]) > 0
        out[L - 1:] = np.where(bad, np.nan, s)
    return out


def _sorted_quantile(srt: F64, cnt: npt.NDArray[np.intp], q: float) -> F64:
    """Per row the ``q`` quantile (linear) of the first ``cnt`` values of the sorted rows."""
    pos = np.maximum(cnt - 1, 0) * q
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(cnt - 1, 0))
    rows = np.arange(srt.shape[0])
    a, b = srt[rows, lo], srt[rows, hi]
    out = a + (b - a) * (pos - lo)
    return np.asarray(np.where(cnt > 0, out, np.nan), dtype=np.float64)


def _profile(data: _Data, values: F64, s: Settings) -> Tuple[F64, F64]:
    """Per grid interval the expected value (median) and a robust scale of ``values`` at that
    local hour (± ``profile_hour_window`` hours) and day type, from the ``reference_weeks`` weeks
    before the interval's block of 7 local days (no look-ahead); NaN without enough reference.

    The scale is the largest of 1.4826 MAD, the spread from the median to the 99th percentile
    divided by 2.326 (what it would be for a normal distribution) and ``min_scale_w``: household
    load is heavy-tailed, and a MAD alone would make every kettle an anomaly.
    """
    nd = data.ndays
    M = np.full(nd * SLOTS, np.nan)
    M[data.day * SLOTS + data.slot] = values
    hourly = M.reshape(nd, 24, 4)
    med_d = np.full((nd, 24), np.nan)
    sc_d = np.full((nd, 24), np.nan)
    span = 7 * s.reference_weeks
    W = s.profile_hour_window
    wk_all = data.weekend.tolist()
    for b0 in range(7, nd, 7):
        lo = max(0, b0 - span)
        for wk in (False, True):
            block = [d for d in range(b0, min(nd, b0 + 7)) if wk_all[d] == wk]
            ref = [d for d in range(lo, b0) if wk_all[d] == wk]
            if not block or len(ref) < s.min_reference_days:
                continue
            r = hourly[ref]
            if W:
                r = np.concatenate([np.roll(r, k, axis=1) for k in range(-W, W + 1)], axis=2)
            r = r.transpose(1, 0, 2).reshape(24, -1)
            srt = np.sort(r, axis=1)
            cnt = np.sum(np.isfinite(r), axis=1)
            m = _sorted_quantile(srt, cnt, 0.5)
            q99 = _sorted_quantile(srt, cnt, 0.99)
            dev = np.sort(np.abs(r - m[:, None]), axis=1)
            mad = _sorted_quantile(dev, cnt, 0.5)
            scale = np.maximum(np.maximum(1.4826 * mad, (q99 - m) / 2.326), s.min_scale_w)
            enough = cnt >= 2 * s.min_reference_days
            med_d[block] = np.where(enough, m, np.nan)
            sc_d[block] = np.where(enough, scale, np.nan)
    hour = data.slot // 4
    return med_d[data.day, hour], sc_d[data.day, hour]


def _spikes(data: _Data, s: Settings, f: _Fmt) -> Tuple[List[Anomaly], F64]:
    """Spikes over 15, 30 and 60 minute windows; also returns the 15-minute expected power."""
    n = len(data.power)
    flag = np.zeros(n, dtype=bool)
    zmax = np.full(n, -np.inf)
    med1 = np.full(n, np.nan)
    for L in SPIKE_SCALES:
        mL = _window_means(data.power, L)
        med, scale = _profile(data, mL, s)
        if L == 1:
            med1 = med
        with np.errstate(invalid="ignore"):
            z = (mL - med) / scale
            hit = (z >= s.z_threshold) & (mL - med >= s.spike_min_excess_w)
        hit &= np.isfinite(z)
        for t in np.flatnonzero(hit).tolist():
            # mark the window's intervals that carry the excess (at least half of it)
            a = max(0, t - L + 1)
            own = data.power[a:t + 1] - med[t] >= 0.5 * (mL[t] - med[t])
            k = a + np.flatnonzero(own)
            flag[k] = True
            zmax[k] = np.maximum(zmax[k], z[t])
    out: List[Anomaly] = []
    merged: List[List[int]] = []
    for i, j in _runs(flag):
        if merged and i - merged[-1][1] <= 1:
            merged[-1][1] = j
        else:
            merged.append([i, j])
    for i, j in merged:
        seg = np.where(flag[i:j], data.power[i:j], -np.inf)
        top = i + int(np.argmax(seg))
        peak = float(data.power[top])
        exp = float(med1[top]) if np.isfinite(med1[top]) else None
        zz = float(np.max(zmax[i:j]))
        a, b = int(data.ts[i]), int(data.ts[j - 1]) + QUARTER
        sev = "critical" if zz >= 2 * s.z_threshold and j - i >= 4 else "warning"
        usual = f" where about {_kw(exp)} is usual at that hour" if exp is not None else ""
        out.append(Anomaly(
            "spike", a, b, sev, peak, exp, "W", zz,
            f"Unusual consumption {f.span(a, b)}: up to {_kw(peak)}{usual} (robust z {zz:.1f}).",
            {"template": "spike" if exp is not None else "spike_no_usual", "peak_w": peak,
             **({"usual_w": exp} if exp is not None else {}), "z": zz},
        ))
    return out, med1


def _base_load(data: _Data, s: Settings, export: Optional[F64] = None) -> F64:
    """Per local day the ``base_quantile`` of its quarter-hour mean power, NaN if too few known.

    On a day the meter exported (solar panels cover the load, the import reads 0), only the
    night window ``[night_start, night_end)`` counts: the import there is the standby.
    """
    Q = data.Q.copy()
    if export is not None:
        xs = np.zeros(data.ndays * SLOTS)
        ok = np.isfinite(export) & (export > s.export_min_wh) & (export <= s.max_interval_wh)
        np.add.at(xs, (data.day * SLOTS + data.slot)[ok], export[ok])
        exported = xs.reshape(data.ndays, SLOTS).sum(axis=1) > 0
        if np.any(exported):
            hours = np.arange(SLOTS) / 4.0
            a, b = s.night_start, s.night_end
            night = (hours >= a) & (hours < b) if a < b else (hours >= a) | (hours < b)
            Q[np.ix_(exported, ~night)] = np.nan
    else:
        exported = np.zeros(data.ndays, dtype=bool)
    known = np.isfinite(Q)
    night_slots = max(1.0, 4.0 * ((s.night_end - s.night_start) % 24))
    cover = np.where(
        exported,
        np.minimum(1.0, known.sum(axis=1) / night_slots),
        known.sum(axis=1) / np.maximum(data.exists.sum(axis=1), 1),
    )
    full = data.exists.sum(axis=1) >= 88  # not a truncated first/last day (a 23 h day has 92)
    base = np.full(data.ndays, np.nan)
    good = (cover >= s.base_min_coverage) & full & (known.sum(axis=1) > 0)
    if np.any(good):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            base[good] = np.nanquantile(Q[good], s.base_quantile, axis=1)
    return base


def _standby(data: _Data, base: F64, s: Settings, f: _Fmt) -> List[Anomaly]:
    out: List[Anomaly] = []
    R, K = s.standby_reference_days, s.standby_window_days
    nd = data.ndays
    d = R
    while d + K <= nd:
        prev = base[d - R:d]
        nxt = base[d:d + K]
        pv, nv = prev[np.isfinite(prev)], nxt[np.isfinite(nxt)]
        if pv.size < R // 2 or nv.size < max(1, K - 2) or not np.isfinite(base[d]):
            d += 1
            continue
        m_prev, s_prev = _robust(pv)
        step = float(np.median(nv)) - m_prev
        thr = max(s.standby_min_step_w, s.standby_z * s_prev)
        mid = m_prev + max(step, thr) / 2
        if step >= thr and np.mean(nv >= mid) >= s.standby_sustain and base[d] >= mid:
            new = base[d:d + K]
            new = new[np.isfinite(new)]
            level = float(np.median(new))
            rise = level - m_prev
            day0 = _day_date(data.first_day, d)
            a = int(data.slot_ts[d][data.slot_ts[d] >= 0].min())
            b = a + K * 86400
            e = min(nd - 1, d + K - 1)
            row = data.slot_ts[e][data.slot_ts[e] >= 0]
            if row.size:
                b = int(row.max()) + QUARTER
            score = rise / max(s_prev, 1.0)
            sev = "critical" if rise >= 3 * thr and rise >= 100 else "warning"
            out.append(Anomaly(
                "standby_increase", a, b, sev, rise, m_prev, "W", score,
                f"Your standby rose by {rise:.0f} W since {f.day(day0)} "
                f"(from about {m_prev:.0f} W to {level:.0f} W).",
                {"template": "standby_increase", "rise_w": rise, "since": day0.isoformat(),
                 "from_w": m_prev, "to_w": level},
            ))
            d += R  # the new level becomes the reference
            continue
        d += 1
    return out


def _high_load(data: _Data, med: F64, s: Settings, f: _Fmt) -> List[Anomaly]:
    out: List[Anomaly] = []
    need = int(math.ceil(s.high_load_hours * 4 - 1e-9))
    with np.errstate(invalid="ignore"):
        hi = data.known & (data.power >= s.high_load_w)
    for i, j in _runs(hi):
        if j - i < need:
            continue
        mean_w = float(np.mean(data.power[i:j]))
        hours = (j - i) / 4
        e = med[i:j]
        exp = float(np.mean(e)) if np.all(np.isfinite(e)) else None
        a, b = int(data.ts[i]), int(data.ts[j - 1]) + QUARTER
        sev = "critical" if hours >= 2 * s.high_load_hours else "warning"
        out.append(Anomaly(
            "high_load", a, b, sev, mean_w, exp, "W", hours,
            f"Something has been drawing {_kw(mean_w)} for {hours:.1f} hours {f.span(a, b)}.",
            {"template": "high_load", "power_w": mean_w, "hours": hours},
        ))
    return out


def _night(data: _Data, s: Settings, f: _Fmt) -> List[Anomaly]:
    """Sustained extra night load: the ``night_quantile`` of the night window's quarter-hour
    powers minus the standby (``base_quantile``) of the day before the night, against the
    previous nights.

    A low quantile is the level the night stays above almost throughout: an appliance run of
    an hour or two (a spike's business), a car charged until 3 o'clock or a heat pump cycling
    do not lift it, and a standby step lifts both terms alike. So only load that stays on
    through the night counts.
    """
    out: List[Anomaly] = []
    ns, ne = int(round(s.night_start * 4)) % SLOTS, int(round(s.night_end * 4)) % SLOTS
    wrap = ns > ne
    Qf = data.Q.reshape(-1)
    Ef = data.exists.reshape(-1)
    Tf = data.slot_ts.reshape(-1)
    nd = data.ndays
    excess = np.full(nd, np.nan)
    spans: List[Tuple[int, int]] = [(0, 0)] * nd
    for d in range(nd):
        a = d * SLOTS + ns - (SLOTS if wrap else 0)
        b = d * SLOTS + ne
        if b - SLOTS < 0 or b > nd * SLOTS:
            continue
        q, e = Qf[a:b], Ef[a:b]
        if e.sum() < (b - a) - 4:  # a truncated night (a spring-forward night lacks 4 slots)
            continue
        if not np.all(np.isfinite(q[e])):
            continue
        other = Qf[b - SLOTS:a]
        other = other[np.isfinite(other)]
        if other.size < 0.75 * (SLOTS - (b - a)):
            continue
        excess[d] = float(np.quantile(q[e], s.night_quantile)) - float(np.quantile(other, s.base_quantile))
        t = Tf[a:b][e]
        spans[d] = (int(t.min()), int(t.max()) + QUARTER)
    R = s.night_reference_days
    for d in range(nd):
        if not np.isfinite(excess[d]):
            continue
        ref = excess[max(0, d - R):d]
        ref = ref[np.isfinite(ref)]
        if ref.size < max(7, R // 2):
            continue
        m, sc = _robust(ref)
        sc = max(sc, s.night_min_scale_w)
        z = (excess[d] - m) / sc
        if z >= s.night_z and excess[d] - m >= s.night_min_excess_w:
            a, b = spans[d]
            extra_kwh = (excess[d] - m) * (b - a) / 3600 / 1000
            sev = "critical" if z >= 3 * s.night_z else "warning"
            out.append(Anomaly(
                "night_use", a, b, sev, float(excess[d]), float(m), "W", float(z),
                f"Unusual night consumption {f.span(a, b)}: the load stayed about "
                f"{_kw(float(excess[d]))} above standby where about {_kw(m)} is usual "
                f"({extra_kwh:+.2f} kWh, robust z {z:.1f}).",
                {"template": "night_use", "excess_w": float(excess[d]), "usual_w": float(m),
                 "extra_kwh": float(extra_kwh), "z": float(z)},
            ))
    return out


def _export(data: _Data, export: F64, s: Settings, f: _Fmt) -> List[Anomaly]:
    """Runs of exported intervals. With ``expect_export`` None (automatic), a run is unexpected
    only when the meter exported on fewer than ``export_usual_days`` of the
    ``export_reference_days`` days before it (a new or returned export, not a solar house's
    daily routine)."""
    out: List[Anomaly] = []
    with np.errstate(invalid="ignore"):
        flag = np.isfinite(export) & (export > s.export_min_wh) & (export <= s.max_interval_wh)
    day_exported = np.zeros(data.ndays, dtype=bool)
    day_exported[data.day[flag]] = True
    csum = np.concatenate(([0], np.cumsum(day_exported)))
    for i, j in _runs(flag):
        d = int(data.day[i])
        if s.expect_export is None:
            before = int(csum[d] - csum[max(0, d - s.export_reference_days)])
            if before >= s.export_usual_days:
                continue
        total = float(np.sum(export[i:j]))
        a, b = int(data.ts[i]), int(data.ts[j - 1]) + QUARTER
        peak = float(np.max(export[i:j])) * 4
        out.append(Anomaly(
            "unexpected_export", a, b, "warning", total, 0.0, "Wh", peak,
            f"The meter exported {total:.0f} Wh {f.span(a, b)} (up to {_kw(peak)}), "
            f"though no export is expected.",
            {"template": "unexpected_export", "energy_wh": total, "peak_w": peak},
        ))
    return out


def _voltage(data: _Data, volts: Dict[str, F64], s: Settings, f: _Fmt) -> List[Anomaly]:
    out: List[Anomaly] = []
    un = s.nominal_voltage
    lo, hi = un * (1 - s.voltage_band), un * (1 + s.voltage_band)
    clo, chi = un * (1 - s.voltage_low_critical), un * (1 + s.voltage_high_critical)
    week = (data.day + ((data.first_day + 3) % 7)) // 7  # local weeks starting on Monday
    for name in sorted(volts):
        v = volts[name]
        phase = name.replace("voltage_", "").upper()
        with np.errstate(invalid="ignore"):
            known = np.isfinite(v) & (v >= 0) & (v < 1e6)
            out_band = known & ((v < lo) | (v > hi))
            crit = known & ((v < clo) | (v > chi))
        for i, j in _runs(out_band):
            seg = v[i:j]
            # split by severity: one anomaly per run, critical if any interval is critical
            worst_i = i + int(np.argmax(np.abs(seg - un)))
            worst = float(v[worst_i])
            sev = "critical" if np.any(crit[i:j]) else "warning"
            a, b = int(data.ts[i]), int(data.ts[j - 1]) + QUARTER
            pct = (worst - un) / un * 100
            out.append(Anomaly(
                "voltage", a, b, sev, worst, un, "V", pct,
                f"Voltage {phase} {'fell' if worst < un else 'rose'} to {worst:.1f} V ({pct:+.1f} % of "
                f"{un:.0f} V, outside the EN 50160 band) {f.span(a, b)}.",
                {"template": "voltage_low" if worst < un else "voltage_high", "phase": phase,
                 "volts_v": worst, "percent_pct": pct, "nominal_v": un},
            ))
        for w in np.unique(week[known]).tolist():
            sel = known & (week == w)
            n = int(sel.sum())
            if n < s.voltage_week_min_intervals:
                continue
            share = float(np.mean(~out_band[sel]))
            if share < s.voltage_week_share:
                idx = np.flatnonzero(week == w)
                a, b = int(data.ts[idx[0]]), int(data.ts[idx[-1]]) + QUARTER
                out.append(Anomaly(
                    "voltage", a, b, "warning", share * 100, s.voltage_week_share * 100, "%",
                    share * 100,
                    f"Voltage {phase} was within {un:.0f} V ± {s.voltage_band * 100:.0f} % for only "
                    f"{share * 100:.1f} % of the known intervals of the week from "
                    f"{f.when(a)} (EN 50160 asks {s.voltage_week_share * 100:.0f} %).",
                    {"template": "voltage_week", "phase": phase, "nominal_v": un,
                     "band_pct": s.voltage_band * 100, "share_pct": share * 100,
                     "required_pct": s.voltage_week_share * 100},
                ))
    return out


def _gaps(data: _Data, s: Settings, f: _Fmt) -> List[Anomaly]:
    out: List[Anomaly] = []
    for i, j in _runs(~data.known):
        a, b = int(data.ts[i]), int(data.ts[j - 1]) + QUARTER
        hours = (b - a) / 3600
        sev = "critical" if hours >= s.gap_critical_hours else (
            "warning" if hours >= s.gap_warning_hours else "info")
        n = j - i
        out.append(Anomaly(
            "gap", a, b, sev, hours, None, "h", float(n),
            f"No complete data {f.span(a, b)} ({n} quarter-hour{'s' if n != 1 else ''} missing).",
            {"template": "gap", "missing": int(n)},
        ))
    return out


def _clock(raw: I64, s: Settings, f: _Fmt) -> List[Anomaly]:
    out: List[Anomaly] = []
    if raw.size < 2:
        return out
    diff = np.diff(raw)
    pos = diff[diff > 0]
    cadence = float(np.median(pos)) if pos.size else 0.0
    tol = max(s.clock_tolerance_s, 0.0)
    regular = pos.size >= 4 and cadence > 0 and float(np.mean(np.abs(pos - cadence) <= tol)) >= 0.5
    for k in np.flatnonzero(diff != 0).tolist():
        step = int(diff[k])
        prev, cur = int(raw[k]), int(raw[k + 1])
        if step < 0:
            a, b = cur, prev
            back = step - cadence if regular else float(step)  # against the expected next reading
            out.append(Anomaly(
                "clock_jump", a, b, "warning", float(back), None, "s", float(step),
                f"The meter clock stepped back by {-back:.0f} s at {f.when(prev)} "
                f"(next reading stamped {f.when(cur)}).",
                {"template": "clock_back", "back_s": float(-back), "next": _iso(cur)},
            ))
        elif regular:
            r = step - round(step / cadence) * cadence
            if abs(r) > tol:
                # the smallest forward step that explains it: whole cadences are lost readings
                jump = step - max(1, math.floor(step / cadence)) * cadence
                out.append(Anomaly(
                    "clock_jump", prev, cur, "warning", float(jump), None, "s", float(r),
                    f"The meter clock stepped forward by about {jump:.0f} s after {f.when(prev)} "
                    f"(readings every {cadence:.0f} s).",
                    {"template": "clock_forward", "forward_s": float(jump), "after": _iso(prev),
                     "cadence_s": float(cadence)},
                ))
    return out


_FEATURES = ("daily energy", "standby", "peak", "night share", "morning share", "daytime share",
             "evening share", "hours above 1 kW")
_FEATURE_UNITS = ("kWh", "W", "W", "%", "%", "%", "%", "h")
_FEATURE_IDS = ("daily_energy", "standby", "peak", "night_share", "morning_share", "daytime_share",
                "evening_share", "hours_above_1kw")


def _daily_features(data: _Data, base: F64) -> Tuple[F64, B]:
    Q = data.Q
    known = np.isfinite(Q)
    ex = data.exists
    good = (known.sum(axis=1) >= 0.95 * ex.sum(axis=1)) & (ex.sum(axis=1) >= 88) & np.isfinite(base)
    X = np.full((data.ndays, len(_FEATURES)), np.nan)
    if not np.any(good):
        return X, good
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        Qg = Q[good]
        hours = ex[good].sum(axis=1) / 4.0
        mean = np.nanmean(Qg, axis=1)
        energy = mean * hours  # Wh

        def share(a: int, b: int) -> F64:
            part = np.nanmean(Qg[:, a * 4:b * 4], axis=1) * (b - a)
            return np.asarray(np.where(energy > 0, part / np.maximum(energy, 1e-9) * 100, 0.0), dtype=np.float64)

        X[good, 0] = energy / 1000
        X[good, 1] = base[good]
        X[good, 2] = np.nanmax(Qg, axis=1)
        X[good, 3] = share(0, 6)
        X[good, 4] = share(6, 9)
        X[good, 5] = share(9, 17)
        X[good, 6] = share(17, 22)
        X[good, 7] = np.sum(Qg >= 1000, axis=1) / 4.0
    return X, good


def _unusual_days(data: _Data, base: F64, s: Settings, f: _Fmt) -> List[Anomaly]:
    X, good = _daily_features(data, base)
    idx = np.flatnonzero(good)
    if idx.size < s.isolation_min_days:
        return []
    from sklearn.ensemble import IsolationForest

    Xg = X[idx]
    if not np.all(np.isfinite(Xg)):
        return []
    forest = IsolationForest(n_estimators=100, random_state=0)
    forest.fit(Xg)
    score = -forest.score_samples(Xg)
    limit = max(1, int(s.isolation_max_share * idx.size))
    order = np.argsort(-score, kind="stable")[:limit]
    med = np.median(Xg, axis=0)
    mad = 1.4826 * np.median(np.abs(Xg - med), axis=0)
    spread = np.maximum(mad, np.maximum(np.abs(med) * 0.05, 1e-6))
    out: List[Anomaly] = []
    for o in order.tolist():
        if score[o] < s.isolation_threshold:
            continue
        rz = (Xg[o] - med) / spread
        if float(np.max(np.abs(rz))) < s.isolation_min_deviation:
            continue  # isolated, but by a difference too small to matter (near-constant data)
        d = int(idx[o])
        row = data.slot_ts[d][data.slot_ts[d] >= 0]
        a, b = int(row.min()), int(row.max()) + QUARTER
        top = np.argsort(-np.abs(rz), kind="stable")[:2]
        parts = []
        features: List[Dict[str, Any]] = []
        for t in top.tolist():
            u = _FEATURE_UNITS[t]
            fmt = "{:.1f}" if u in ("kWh", "h") else "{:.0f}"
            sep = "" if u == "%" else " "
            parts.append(f"{_FEATURES[t]} {fmt.format(Xg[o, t])}{sep}{u} (usual {fmt.format(med[t])}{sep}{u})")
            features.append({"feature": _FEATURE_IDS[t], "value": float(Xg[o, t]), "usual": float(med[t]),
                             "unit": u})
        day0 = _day_date(data.first_day, d)
        out.append(Anomaly(
            "unusual_day", a, b, "info", float(Xg[o, 0]), float(med[0]), "kWh", float(score[o]),
            f"{day0.strftime('%a')} {f.day(day0)} looks unusual (isolation score {score[o]:.2f}): "
            + ", ".join(parts) + ".",
            {"template": "unusual_day", "day": day0.isoformat(), "score": float(score[o]),
             "features": features},
        ))
    return out


# --------------------------------------------------------------------------------------------


def scan(
    times: Union[Sequence[int], npt.NDArray[Any]],
    import_wh: FloatSeq,
    *,
    zone: ZoneInfo,
    export_wh: Optional[FloatSeq] = None,
    complete: Optional[Sequence[bool]] = None,
    voltages: Optional[Mapping[str, FloatSeq]] = None,
    raw_times: Optional[Union[Sequence[int], npt.NDArray[Any]]] = None,
    settings: Settings = Settings(),
    since: Optional[int] = None,
) -> Scan:
    """Scan a meter's 15-minute series for anomalies.

    ``times`` are interval starts (Unix s UTC, multiples of 900, any order, holes allowed: a
    missing interval is a gap); ``import_wh`` / ``export_wh`` the energy per interval in Wh
    (None/NaN unknown; negative or implausibly large values count as unknown); ``complete`` the
    per-interval flags of ``Series.complete`` (False = unknown); ``voltages`` per-phase
    15-minute mean voltages aligned with ``times``; ``raw_times`` the meter's own reading
    timestamps in arrival order (for clock jumps). History before ``since`` is reference only:
    anomalies ending at or before ``since`` are not reported.

    Raises ValueError for malformed input (lengths differ, times not whole quarter-hours,
    duplicate interval starts, times outside 1970..2200, a span over 20 years).
    """
    if not isinstance(settings, Settings):
        raise ValueError("settings must be a Settings")
    if not isinstance(zone, tzinfo):
        raise ValueError("zone must be a ZoneInfo")
    if since is not None and (isinstance(since, bool) or not isinstance(since, (int, np.integer))):
        raise ValueError("since must be integer Unix seconds or None")
    ts = _as_times("times", times)
    n = len(ts)
    wh = _as_float("import_wh", import_wh, n)
    exp = _as_float("export_wh", export_wh, n) if export_wh is not None else None
    comp: Optional[B] = None
    if complete is not None:
        try:
            cl = list(complete)
        except TypeError:
            raise ValueError("complete must be a sequence of booleans") from None
        if len(cl) != n:
            raise ValueError(f"complete has {len(cl)} values for {n} interval starts")
        comp = np.array([bool(c) if c is not None else False for c in cl], dtype=bool)
    volts: Dict[str, F64] = {}
    if voltages is not None:
        if not isinstance(voltages, Mapping):
            raise ValueError("voltages must be a mapping of phase name to values")
        for k, v in voltages.items():
            volts[str(k)] = _as_float(f"voltages[{k!r}]", v, n)
    raw = _as_times("raw_times", raw_times) if raw_times is not None else np.zeros(0, dtype=np.int64)
    f = _Fmt(zone)
    anomalies: List[Anomaly] = _clock(raw, settings, f)
    if n == 0:
        return _finish(anomalies, [], None, since)
    if np.any(ts % QUARTER):
        bad = int(ts[np.flatnonzero(ts % QUARTER)[0]])
        raise ValueError(f"interval starts must be whole quarter-hours (multiples of 900 s), got {bad}")
    order = np.argsort(ts, kind="stable")
    ts = ts[order]
    if np.any(np.diff(ts) == 0):
        dup = int(ts[np.flatnonzero(np.diff(ts) == 0)[0]])
        raise ValueError(f"duplicate interval start {dup} ({_iso(dup)})")
    if (int(ts[-1]) - int(ts[0])) // QUARTER + 1 > MAX_INTERVALS:
        raise ValueError("the series spans more than 20 years of 15-minute intervals")
    wh = wh[order]
    if comp is not None:
        comp = comp[order]
    data = _prepare(ts, wh, comp, zone, settings)
    pos = (ts - int(ts[0])) // QUARTER

    def on_grid(v: F64) -> F64:
        g = np.full(len(data.ts), np.nan)
        g[pos] = v[order]
        return g

    spikes, med = _spikes(data, settings, f)
    exp_grid = on_grid(exp) if exp is not None else None
    base = _base_load(data, settings, exp_grid)
    anomalies += spikes
    anomalies += _standby(data, base, settings, f)
    anomalies += _high_load(data, med, settings, f)
    anomalies += _night(data, settings, f)
    if exp_grid is not None and settings.expect_export is not True:
        anomalies += _export(data, exp_grid, settings, f)
    if volts:
        anomalies += _voltage(data, {k: on_grid(v) for k, v in volts.items()}, settings, f)
    anomalies += _gaps(data, settings, f)
    anomalies += _unusual_days(data, base, settings, f)
    daily = [DailyBaseLoad(_day_date(data.first_day, d), float(base[d]))
             for d in range(data.ndays) if np.isfinite(base[d])]
    change: Optional[float] = None
    last = base[-30:] if data.ndays >= 60 else np.zeros(0)
    before = base[-60:-30] if data.ndays >= 60 else np.zeros(0)
    if np.sum(np.isfinite(last)) >= 15 and np.sum(np.isfinite(before)) >= 15:
        change = float(np.nanmedian(last) - np.nanmedian(before))
    return _finish(anomalies, daily, change, since)


def _finish(anomalies: List[Anomaly], daily: List[DailyBaseLoad], change: Optional[float],
            since: Optional[int]) -> Scan:
    if since is not None:
        anomalies = [a for a in anomalies if a.end > since]
    anomalies.sort(key=lambda a: (a.start, KINDS.index(a.kind), a.end))
    return Scan(anomalies, daily, change)
