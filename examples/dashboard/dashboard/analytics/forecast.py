"""Consumption forecasts: day-ahead and week-ahead import energy with a prediction interval.

Input is a meter's 15-minute import energy (``times`` = interval starts, Unix s UTC, may have
holes; ``import_wh`` = Wh per interval, None/NaN unknown), as ``Store.series(..., "15m",
["active_energy_import"], ...)`` gives it. Output is a :class:`Forecast`: Wh per interval
(15 minutes or hours) from an origin, a mean and an interval.

Every model works on the meter's *local wall-clock* profile: the history is laid out as a
matrix of local days x time-of-day slots, so "the same hour last week" means the same local
hour across DST changes (a 23-hour day has no 02:00 slot, the repeated hour of a 25-hour day is
averaged into its slot). The models:

``seasonal_naive``
    The value of the same local slot 7 days earlier (then 14, 21, 28 days, then the
    same-hour average when those are unknown).
``same_hour_average``
    The mean of the same local slot on the last 4 known days of the same type (workday,
    Saturday, Sunday; the ``holidays`` given count as Sundays) before the origin.
``ets``
    Holt-Winters exponential smoothing (statsmodels; additive weekly season) of the *daily*
    energy, spread over the day with the same-type-day profile of the last 4 weeks.
``gradient_boosting``
    scikit-learn's histogram gradient boosting on calendar features (slot, weekday, day type,
    season) and lag features that are known at the origin for the whole horizon (same slot
    ``k`` days and 1..4 weeks before, daily and weekly levels), trained on the last 16 weeks
    with a Poisson loss (a mean forecast that respects the skew of household load).
``prophet``
    Prophet (daily and weekly seasonality) on the last 8 weeks, only when ``prophet`` is
    importable (an optional extra; see :func:`available_models`).

The prediction interval is split-conformal: the mean plus finite-sample-corrected quantiles of
the same model's residuals on a calibration set of genuinely held-out forecasts, per local hour
of day (neighbouring hours pooled when an hour has few residuals). The calibration forecasts
are made at past origins from the history before each: for the baselines at each of the last
28 local midnights with the same horizon, for ETS and Prophet at three past origins a week
apart, for gradient boosting by one model fitted before a 21-day hold-out that predicts each
hold-out day from the values it would have known (lags of at least the horizon).

:func:`select_model` ranks the models by a rolling-origin backtest on the meter's own history
(MASE against the weekly seasonal naive forecast); ``forecast(..., model="auto",
selection=...)`` then uses the winner. Without a selection, ``"auto"`` takes the better of the
two baselines over the last weeks (cheap).
"""

from __future__ import annotations

import math
import time as _time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

MODELS = ("seasonal_naive", "same_hour_average", "ets", "gradient_boosting", "prophet")
BASELINES = ("seasonal_naive", "same_hour_average")

QUARTER = 900
DAY = 86400
WEEK = 7 * DAY

#: Known history (in days of quarter-hours) each model needs before the origin.
MIN_HISTORY_DAYS: Dict[str, int] = {
    "seasonal_naive": 14,
    "same_hour_average": 14,
    "ets": 21,
    "gradient_boosting": 28,
    "prophet": 28,
}
#: History older than this before the origin is not used.
MAX_HISTORY_DAYS = 400
#: The last known value may be at most this long before the origin.
MAX_STALENESS_DAYS = 28
#: Interval energies above this (Wh per quarter-hour, i.e. a 4 GW load) are treated as unknown.
MAX_WH = 1e9
#: Same-type days averaged by ``same_hour_average`` and the day profiles.
SAME_TYPE_DAYS = 4
#: Days of training rows for gradient boosting.
GB_TRAIN_DAYS = 112
#: Days held out to estimate gradient boosting's residuals.
GB_HOLDOUT_DAYS = 21

#: Past origins whose residuals make the interval of ``ets`` (and ``prophet``).
ETS_PAST_ORIGINS = 3
#: Past daily origins whose forecasts make the interval of the baselines.
CAL_BASELINE_ORIGINS = 28
#: Calibration scores per local-hour group: neighbouring hours are pooled up to this size
#: (plain residuals of the baselines, level-scaled residuals of the fitted models).
CAL_MIN_GROUP = 150
CAL_MIN_GROUP_SCALED = 1200
#: Floor of the residual scale of the fitted models, as a fraction of the mean calibration
#: forecast (keeps the scaled scores finite where the forecast is near zero).
CAL_SCALE_FLOOR = 0.3

_MIN_T = 0
_MAX_T = 7258118400  # 2200-01-01


class ForecastError(ValueError):
    """A forecast cannot be made: too little history (the message says how much is needed),
    unknown model, or bad arguments."""


@dataclass(frozen=True)
class Forecast:
    """A forecast of import energy per interval.

    ``times[i]`` is the start (Unix s UTC) of the interval ``[times[i], times[i] + step)``;
    ``mean[i]`` is the expected energy in it in Wh, ``lower[i]``/``upper[i]`` the bounds of the
    ``level`` prediction interval (``0 <= lower <= mean <= upper``). ``model`` is the model that
    made it (never ``"auto"``).
    """

    model: str
    step: int
    times: List[int]
    mean: List[float]
    lower: List[float]
    upper: List[float]
    level: float

    def to_json(self) -> Dict[str, Any]:
        """A JSON-safe dict: the fields plus ``points`` with ISO 8601 UTC starts."""
        points = [
            {
                "start": datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "mean": _finite(m),
                "lower": _finite(lo),
                "upper": _finite(up),
            }
            for t, m, lo, up in zip(self.times, self.mean, self.lower, self.upper)
        ]
        return {
            "model": self.model,
            "step": self.step,
            "level": self.level,
            "unit": "Wh",
            "times": list(self.times),
            "mean": [_finite(v) for v in self.mean],
            "lower": [_finite(v) for v in self.lower],
            "upper": [_finite(v) for v in self.upper],
            "points": points,
        }

    @property
    def total_wh(self) -> float:
        """The expected energy over the whole horizon, Wh."""
        return float(sum(self.mean))


@dataclass(frozen=True)
class ModelScore:
    """Backtest score of one model on one meter.

    ``mase`` is the mean absolute error divided by the in-sample mean absolute error of the
    *weekly* seasonal naive forecast (same local slot 7 days earlier) on the history before each
    origin, averaged over origins; ``nrmse`` is the RMSE over all forecast intervals divided by
    the mean of the actual values (a fraction, 0.8 = 80 %).
    """

    model: str
    mase: float
    nrmse: float
    origins: int


@dataclass(frozen=True)
class Selection:
    """The result of :func:`select_model`: the winner, all scores (best first), time taken."""

    best: str
    scores: List[ModelScore]
    seconds: float

    def to_json(self) -> Dict[str, Any]:
        """A JSON-safe dict of the selection."""
        return {
            "best": self.best,
            "seconds": self.seconds,
            "scores": [
                {"model": s.model, "mase": _finite(s.mase), "nrmse": _finite(s.nrmse), "origins": s.origins}
                for s in self.scores
            ],
        }


def _finite(v: float) -> Optional[float]:
    return float(v) if math.isfinite(v) else None


def _quiet_prophet() -> None:
    """Prophet says at import that plotly is missing (its plots are not used here), and
    cmdstanpy logs every fit at INFO: keep the collector's log for what matters."""
    import logging

    logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)


def _prophet_available() -> bool:
    _quiet_prophet()
    try:
        import prophet  # noqa: F401
    except Exception:  # ImportError, or a broken install (missing Stan backend)
        return False
    return True


def available_models() -> List[str]:
    """The models usable here: all of :data:`MODELS`, ``prophet`` only when importable."""
    return [m for m in MODELS if m != "prophet" or _prophet_available()]


# --------------------------------------------------------------------------------------------
# Input preparation: a UTC grid, then the local wall-clock matrix.


def _clean(times: Sequence[Any], import_wh: Sequence[Any]) -> Tuple["IntArray", "FloatArray"]:
    """Sorted, de-duplicated quarter-hour starts and their values (NaN unknown)."""
    try:
        n = len(times)
        m = len(import_wh)
    except TypeError:
        raise ForecastError("times and import_wh must be sequences") from None
    if n != m:
        raise ForecastError(f"times and import_wh differ in length ({n} and {m})")
    t = np.empty(n, dtype=np.int64)
    v = np.empty(n, dtype=np.float64)
    for i, (ti, vi) in enumerate(zip(times, import_wh)):
        if isinstance(ti, bool) or not isinstance(ti, (int, float, np.integer, np.floating)):
            raise ForecastError(f"times[{i}] is not a Unix time in seconds: {ti!r}")
        tf = float(ti)
        if not math.isfinite(tf) or tf < _MIN_T or tf >= _MAX_T:
            raise ForecastError(f"times[{i}] is out of range (1970..2200): {ti!r}")
        t[i] = int(tf) // QUARTER * QUARTER
        if vi is None or isinstance(vi, bool) or not isinstance(vi, (int, float, np.integer, np.floating)):
            v[i] = np.nan
            continue
        vf = float(vi)
        v[i] = vf if math.isfinite(vf) and 0.0 <= vf <= MAX_WH else np.nan
    if n == 0:
        return t, v
    order = np.argsort(t, kind="stable")
    t, v = t[order], v[order]
    # Keep the last known value of duplicated starts.
    keep = np.ones(len(t), dtype=bool)
    keep[:-1] = t[1:] != t[:-1]
    known = ~np.isnan(v)
    if not keep.all():
        out_t: List[int] = []
        out_v: List[float] = []
        for ti, vi, ki in zip(t.tolist(), v.tolist(), known.tolist()):
            if out_t and out_t[-1] == ti:
                if ki:
                    out_v[-1] = vi
                continue
            out_t.append(ti)
            out_v.append(vi)
        t = np.asarray(out_t, dtype=np.int64)
        v = np.asarray(out_v, dtype=np.float64)
    return t, v


def _offsets(ts: "IntArray", zone: ZoneInfo) -> "IntArray":
    """UTC offsets (s) of the zone at each instant."""
    out = np.empty(len(ts), dtype=np.int64)
    # Offsets change rarely: compute them per hour and reuse.
    cache: Dict[int, int] = {}
    for i, x in enumerate(ts.tolist()):
        key = x // 3600
        off = cache.get(key)
        if off is None:
            delta = datetime.fromtimestamp(key * 3600, zone).utcoffset()
            off = int(delta.total_seconds()) if delta is not None else 0
            cache[key] = off
        out[i] = off
    return out


@dataclass
class _Ctx:
    """The history of one meter as a local wall-clock matrix, plus the targets."""

    step: int
    spd: int  # slots per local day
    M: "FloatArray"  # (days, spd) history, NaN unknown and at/after the origin
    day0: int  # local day number (days since 1970-01-01 local) of row 0
    origin_row: int  # row of the origin's local day
    origin_slot: int
    targets: "IntArray"  # UTC starts
    t_row: "IntArray"
    t_slot: "IntArray"
    horizon_days: int
    known: int  # known quarter-hours in the history
    span_days: float
    holidays: "IntArray" = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """The public holidays (sorted local day numbers, days since 1970-01-01): Sundays here."""

    def is_holiday(self, rows: "IntArray") -> "npt.NDArray[np.bool_]":
        """Whether each row's local day is a public holiday."""
        return np.isin(rows + self.day0, self.holidays)

    def dtype_of_rows(self, rows: "IntArray") -> "IntArray":
        """Day type per row: 0 workday, 1 Saturday, 2 Sunday or public holiday."""
        wd = (rows + self.day0 + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        t = np.where(wd < 5, 0, wd - 4).astype(np.int64)
        return np.where(self.is_holiday(rows), 2, t).astype(np.int64) if len(self.holidays) else t

    @property
    def ndays(self) -> int:
        return int(self.M.shape[0])


def _holiday_dates(holidays: Iterable[Any]) -> List[date]:
    """``holidays`` as a list of dates; a ForecastError for anything else."""
    if isinstance(holidays, (str, bytes, date)):
        raise ForecastError(f"holidays must be a collection of dates, not {holidays!r}")
    try:
        items = list(holidays)
    except TypeError:
        raise ForecastError(f"holidays must be a collection of dates, not {holidays!r}") from None
    for d in items:
        if isinstance(d, datetime) or not isinstance(d, date):
            raise ForecastError(f"holidays must be dates (datetime.date), not {d!r}")
    return items


def _holiday_days(holidays: Iterable[Any]) -> "IntArray":
    """Local day numbers of ``holidays`` (dates), sorted; a ForecastError for anything else."""
    days = {d.toordinal() - _EPOCH_ORDINAL for d in _holiday_dates(holidays)}
    return np.asarray(sorted(days), dtype=np.int64)


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _context(
    times: Sequence[Any],
    import_wh: Sequence[Any],
    zone: ZoneInfo,
    step: int,
    horizon: int,
    origin: Optional[int],
    holidays: Iterable[Any] = (),
) -> _Ctx:
    hol = _holiday_days(holidays)
    if not isinstance(zone, ZoneInfo):
        raise ForecastError(f"zone must be a zoneinfo.ZoneInfo, not {type(zone).__name__}")
    if step not in (900, 3600):
        raise ForecastError(f"step must be 900 or 3600 seconds, not {step!r}")
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon <= 0 or horizon % step:
        raise ForecastError(f"horizon must be a positive multiple of the step ({step} s), not {horizon!r}")
    if horizon > WEEK:
        raise ForecastError(f"horizon must be at most a week ({WEEK} s), not {horizon}")
    t, v = _clean(times, import_wh)
    if origin is None:
        last = t[~np.isnan(v)]
        if len(last) == 0:
            raise ForecastError(_too_little(0, "seasonal_naive"))
        o = int(last[-1]) + QUARTER
    else:
        if isinstance(origin, bool) or not isinstance(origin, (int, np.integer)):
            raise ForecastError(f"origin must be a Unix time in seconds, not {origin!r}")
        o = int(origin)
        if o < _MIN_T + MAX_HISTORY_DAYS * DAY or o >= _MAX_T - 2 * WEEK:
            raise ForecastError(f"origin is out of range: {origin!r}")
    o = -(-o // step) * step  # aligned up to the step
    lo = o - MAX_HISTORY_DAYS * DAY
    sel = (t >= lo) & (t < o)
    t, v = t[sel], v[sel]
    known_mask = ~np.isnan(v)
    known = int(known_mask.sum())
    if known == 0:
        raise ForecastError(_too_little(0, "seasonal_naive"))
    first = int(t[known_mask][0])
    last_known = int(t[known_mask][-1])
    if o - last_known > MAX_STALENESS_DAYS * DAY:
        raise ForecastError(
            f"the last known value is {(o - last_known) / DAY:.1f} days before the origin "
            f"(at most {MAX_STALENESS_DAYS} days allowed)"
        )
    # A regular UTC grid of the step from the first known interval to the origin.
    g0 = first // step * step
    keep = t >= g0  # unknown values before the first known one carry nothing
    t, v = t[keep], v[keep]
    n = (o - g0) // step
    grid = np.full(n, np.nan)
    if step == QUARTER:
        grid[(t - g0) // QUARTER] = v
    else:
        q = np.full((o - g0) // QUARTER, np.nan)
        q[(t - g0) // QUARTER] = v
        grid = q.reshape(-1, step // QUARTER).sum(axis=1)  # NaN if any quarter is unknown
    gt = g0 + step * np.arange(n, dtype=np.int64)
    targets = o + step * np.arange(horizon // step, dtype=np.int64)
    wall_h = gt + _offsets(gt, zone)
    wall_t = targets + _offsets(targets, zone)
    wall_o = o + int(_offsets(np.asarray([o], dtype=np.int64), zone)[0])
    spd = DAY // step
    day0 = int(wall_h[0] // DAY)
    last_day = int(max(wall_t[-1], wall_o) // DAY)
    ndays = last_day - day0 + 1
    sums = np.zeros(ndays * spd)
    counts = np.zeros(ndays * spd)
    ok = ~np.isnan(grid)
    cell = (wall_h // DAY - day0) * spd + (wall_h % DAY) // step
    np.add.at(sums, cell[ok], grid[ok])
    np.add.at(counts, cell[ok], 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        M = np.where(counts > 0, sums / np.maximum(counts, 1.0), np.nan).reshape(ndays, spd)
    return _Ctx(
        step=step,
        spd=spd,
        M=M,
        day0=day0,
        origin_row=int(wall_o // DAY - day0),
        origin_slot=int((wall_o % DAY) // step),
        targets=targets,
        t_row=(wall_t // DAY - day0).astype(np.int64),
        t_slot=((wall_t % DAY) // step).astype(np.int64),
        horizon_days=int(math.ceil(horizon / DAY)),
        known=known,
        span_days=(o - first) / DAY,
        holidays=hol,
    )


def _too_little(known: int, model: str) -> str:
    need = MIN_HISTORY_DAYS[model]
    return (
        f"too little history for {model}: it needs at least {need} days of 15-minute import energy "
        f"({need * 96} known quarter-hours) before the origin; got {known}"
    )


def _check_history(ctx: _Ctx, model: str) -> None:
    need = MIN_HISTORY_DAYS[model]
    if ctx.known < need * 96 or ctx.span_days < need:
        raise ForecastError(_too_little(ctx.known, model))


# --------------------------------------------------------------------------------------------
# Models. Each takes the matrix M (history, NaN unknown/future), the context and target cells
# (rows, slots) and returns the mean forecast per target (finite, >= 0).


def _slot_profile(ctx: _Ctx, M: "FloatArray", upto_row: int) -> "FloatArray":
    """(3, spd) mean per day type and slot of the last SAME_TYPE_DAYS known days before ``upto_row``
    (inclusive of known cells of that row); falls back to all-type slot means and the overall mean."""
    rows = np.arange(M.shape[0], dtype=np.int64)
    types = ctx.dtype_of_rows(rows)
    hist = M[: upto_row + 1]
    out = np.full((3, ctx.spd), np.nan)
    lookback = hist[-8 * 7 :] if len(hist) > 56 else hist
    ltypes = types[: upto_row + 1][-len(lookback) :]
    for k in range(3):
        sub = lookback[ltypes == k]
        if len(sub) == 0:
            continue
        known = ~np.isnan(sub)
        # The last SAME_TYPE_DAYS known values per slot (counted from the end).
        rank = np.cumsum(known[::-1], axis=0)[::-1]
        take = known & (rank <= SAME_TYPE_DAYS)
        cnt = take.sum(axis=0)
        s = np.where(take, sub, 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[k] = np.where(cnt > 0, s / np.maximum(cnt, 1), np.nan)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            slot_mean = np.nanmean(lookback, axis=0) if np.isfinite(lookback).any() else np.full(ctx.spd, np.nan)
            overall = float(np.nanmean(hist)) if np.isfinite(hist).any() else 0.0
    slot_mean = np.where(np.isnan(slot_mean), overall, slot_mean)
    return np.where(np.isnan(out), slot_mean[None, :], out)


def _same_hour_average(ctx: _Ctx, M: "FloatArray", rows: "IntArray", slots: "IntArray", cut_row: int) -> "FloatArray":
    prof = _slot_profile(ctx, M, cut_row)
    return prof[ctx.dtype_of_rows(rows), slots]


def _seasonal_naive(ctx: _Ctx, M: "FloatArray", rows: "IntArray", slots: "IntArray", cut_row: int) -> "FloatArray":
    out = np.full(len(rows), np.nan)
    for weeks in (1, 2, 3, 4):
        r = rows - 7 * weeks
        okr = r >= 0
        cand = np.full(len(rows), np.nan)
        cand[okr] = M[r[okr], slots[okr]]
        out = np.where(np.isnan(out), cand, out)
    if np.isnan(out).any():
        out = np.where(np.isnan(out), _same_hour_average(ctx, M, rows, slots, cut_row), out)
    return out


def _ets(ctx: _Ctx, M: "FloatArray", rows: "IntArray", slots: "IntArray", cut_row: int) -> "FloatArray":
    import warnings

    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    # Daily energy of the complete (or profile-completed) days before the cut row.
    hist = M[:cut_row]
    hist = hist[-GB_TRAIN_DAYS:]
    first_row = cut_row - len(hist)
    prof = _slot_profile(ctx, M, cut_row)
    types = ctx.dtype_of_rows(np.arange(first_row, cut_row, dtype=np.int64))
    filled = np.where(np.isnan(hist), prof[types], hist)
    frac_known = np.mean(~np.isnan(hist), axis=1)
    daily = filled.sum(axis=1)
    # Drop leading days that are mostly unknown.
    start = int(np.argmax(frac_known >= 0.5)) if (frac_known >= 0.5).any() else len(daily)
    daily = daily[start:]
    ahead = int(rows.max()) - cut_row + 1
    if len(daily) >= 14 and np.ptp(daily) > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = ExponentialSmoothing(
                daily, trend=None, seasonal="add", seasonal_periods=7, initialization_method="estimated"
            ).fit()
            fc = np.asarray(fit.forecast(ahead), dtype=np.float64)
    else:
        fc = np.full(ahead, float(np.mean(daily)) if len(daily) else 0.0)
    fc = np.where(np.isfinite(fc), np.maximum(fc, 0.0), float(np.mean(daily)) if len(daily) else 0.0)
    # Spread over the day with the day-type profile (shares of the profile's daily energy).
    tt = ctx.dtype_of_rows(rows)
    tot = prof.sum(axis=1)
    share = np.where(tot[:, None] > 0, prof / np.where(tot[:, None] > 0, tot[:, None], 1.0), 1.0 / ctx.spd)
    return fc[rows - cut_row] * share[tt, slots]


def _shift(M: "FloatArray", k: int) -> "FloatArray":
    out = np.full_like(M, np.nan)
    if k < M.shape[0]:
        out[k:] = M[: M.shape[0] - k]
    return out


def _gb_features(ctx: _Ctx, M: "FloatArray", k: int) -> "FloatArray":
    """(days, spd, F) features for every cell, using only values >= k days before the cell."""
    import warnings

    nd, spd = M.shape
    rows = np.arange(nd, dtype=np.int64)
    wd = ((rows + ctx.day0 + 3) % 7).astype(np.float64)
    wd[ctx.is_holiday(rows)] = 6.0  # a public holiday is a Sunday
    doy = ((rows + ctx.day0) % 365.2425) / 365.2425 * 2 * np.pi
    feats: List["FloatArray"] = []
    slot = np.broadcast_to(np.arange(spd, dtype=np.float64)[None, :], (nd, spd))
    feats.append(slot)
    feats.append(np.broadcast_to(wd[:, None], (nd, spd)))
    feats.append(np.broadcast_to((wd >= 5).astype(np.float64)[:, None], (nd, spd)))
    feats.append(np.broadcast_to(np.sin(doy)[:, None], (nd, spd)))
    feats.append(np.broadcast_to(np.cos(doy)[:, None], (nd, spd)))
    lags = {j: _shift(M, j) for j in sorted({k, 7, 14, 21, 28}) if j >= k}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if k < 7:
            feats.append(lags[k])
            # The neighbourhood of the slot k days before (smooths the spikes).
            lk = lags[k]
            nb = np.stack([np.roll(lk, 1, axis=1), lk, np.roll(lk, -1, axis=1)])
            feats.append(np.nanmean(nb, axis=0))
        feats.append(lags[7])
        feats.append(lags[14])
        weekly = np.stack([lags[j] for j in (7, 14, 21, 28)])
        feats.append(np.nanmean(weekly, axis=0))
        day_mean = np.nanmean(M, axis=1)
        lvl_k = _shift(day_mean[:, None], k)[:, 0]
        feats.append(np.broadcast_to(lvl_k[:, None], (nd, spd)))
        # Mean level of the 7 days ending k days before.
        win = np.stack([_shift(day_mean[:, None], k + j)[:, 0] for j in range(7)])
        feats.append(np.broadcast_to(np.nanmean(win, axis=0)[:, None], (nd, spd)))
    return np.stack([np.asarray(f, dtype=np.float64) for f in feats], axis=-1)


_GB_PARAMS: Dict[str, Any] = dict(
    loss="poisson",  # non-negative, skewed loads; still a mean (not a median) forecast
    max_iter=100,
    learning_rate=0.07,
    max_leaf_nodes=24,
    min_samples_leaf=40,
    l2_regularization=1.0,
    early_stopping=False,
    random_state=0,
)


def _gb_fit_predict(
    ctx: _Ctx,
    M: "FloatArray",
    rows: "IntArray",
    slots: "IntArray",
    cut_row: int,
    k: int,
    feature_M: Optional["FloatArray"] = None,
) -> "FloatArray":
    """Fit on the known cells of ``M`` up to ``cut_row`` and predict the cells (``rows``,
    ``slots``). Features use values at least ``k`` days before each cell, taken from
    ``feature_M`` if given (the unmasked history, to score a hold-out after ``cut_row`` as the
    model would see each of its days), else from ``M``."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    F = _gb_features(ctx, M if feature_M is None else feature_M, k)
    lo = max(0, cut_row - GB_TRAIN_DAYS)
    X = F[lo : cut_row + 1].reshape(-1, F.shape[-1])
    y = M[lo : cut_row + 1].reshape(-1)
    ok = ~np.isnan(y)
    X, y = X[ok], y[ok]
    if len(y) < 7 * ctx.spd or float(np.max(y)) <= 0.0:
        return _same_hour_average(ctx, M, rows, slots, cut_row)
    model = HistGradientBoostingRegressor(**_GB_PARAMS)
    with _one_thread():
        model.fit(X, y)
        pred = model.predict(F[rows, slots])
    return np.asarray(pred, dtype=np.float64)


class _one_thread:
    """Limit OpenMP/BLAS to one thread: on a small shared machine (and inside a web server)
    scikit-learn's threads oversubscribe the cores and a fit gets many times slower."""

    def __enter__(self) -> None:
        self._ctl: Any = None
        try:
            from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            return
        self._ctl = threadpool_limits(limits=1)

    def __exit__(self, *exc: Any) -> None:
        if self._ctl is not None:
            self._ctl.restore_original_limits()


def _gradient_boosting(ctx: _Ctx, M: "FloatArray", rows: "IntArray", slots: "IntArray", cut_row: int) -> "FloatArray":
    return _gb_fit_predict(ctx, M, rows, slots, cut_row, ctx.horizon_days)


def _prophet(ctx: _Ctx, M: "FloatArray", rows: "IntArray", slots: "IntArray", cut_row: int) -> "FloatArray":
    import logging

    import pandas as pd

    _quiet_prophet()
    from prophet import Prophet

    try:
        from cmdstanpy.utils import get_logger

        get_logger().setLevel(logging.WARNING)
    except ImportError:  # pragma: no cover - cmdstanpy is Prophet's own dependency
        pass
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    lo = max(0, cut_row - 56)
    hist = M[lo : cut_row + 1]
    r, s = np.nonzero(~np.isnan(hist))
    # Prophet sees local wall time as naive timestamps.
    ds = pd.to_datetime((r + lo + ctx.day0) * DAY + s * ctx.step, unit="s")
    df = pd.DataFrame({"ds": ds, "y": hist[r, s]})
    m = Prophet(daily_seasonality=True, weekly_seasonality=True, yearly_seasonality=False, uncertainty_samples=0)
    m.fit(df)
    fut = pd.DataFrame({"ds": pd.to_datetime((rows + ctx.day0) * DAY + slots * ctx.step, unit="s")})
    return np.asarray(m.predict(fut)["yhat"].to_numpy(), dtype=np.float64)


_Model = Callable[[_Ctx, "FloatArray", "IntArray", "IntArray", int], "FloatArray"]
_IMPL: Dict[str, _Model] = {
    "seasonal_naive": _seasonal_naive,
    "same_hour_average": _same_hour_average,
    "ets": _ets,
    "gradient_boosting": _gradient_boosting,
    "prophet": _prophet,
}


def _predict(ctx: _Ctx, model: str, M: "FloatArray", rows: "IntArray", slots: "IntArray", cut_row: int) -> "FloatArray":
    """Mean forecast, finite and >= 0 (unknown cells fall back to the same-hour average)."""
    try:
        out = np.asarray(_IMPL[model](ctx, M, rows, slots, cut_row), dtype=np.float64)
    except ForecastError:
        raise
    except Exception as e:  # a numerical failure inside a library: say which model failed
        raise ForecastError(f"the {model} model failed on this history: {type(e).__name__}: {e}") from None
    bad = ~np.isfinite(out)
    if bad.any():
        out = np.where(bad, _same_hour_average(ctx, M, rows, slots, cut_row), out)
        out = np.where(np.isfinite(out), out, 0.0)
    return np.maximum(out, 0.0)


# --------------------------------------------------------------------------------------------
# Residuals and intervals.


def _mask_from(M: "FloatArray", row: int) -> "FloatArray":
    out = M.copy()
    out[row:] = np.nan
    return out


def _calibration_origins(ctx: _Ctx, model: str) -> List[Tuple[int, int]]:
    """The past origins (row of a local midnight, days forecast from it) whose forecasts make
    the calibration set of ``model``: each is scored only on days before the real origin, and
    made only from the history before it."""
    H = ctx.horizon_days
    last_full = ctx.origin_row  # rows before this are (as far as known) complete
    need = MIN_HISTORY_DAYS[model]
    if model in BASELINES:
        # Cheap: one past origin per day over the last CAL_BASELINE_ORIGINS days, same horizon.
        out = [(last_full - H - j, H) for j in range(CAL_BASELINE_ORIGINS)]
    elif model == "gradient_boosting":
        # One fit without the last GB_HOLDOUT_DAYS, scored on them (see _residuals).
        out = [(last_full - GB_HOLDOUT_DAYS, GB_HOLDOUT_DAYS)]
    else:
        # One fit per origin: ETS_PAST_ORIGINS week-long forecasts a week apart.
        span = max(H, 7)
        out = [(last_full - span - 7 * j, span) for j in range(ETS_PAST_ORIGINS)]
    return [(s0, span) for s0, span in out if s0 >= max(need, 14)]


def _choice_origins(ctx: _Ctx) -> List[Tuple[int, int]]:
    """The past origins on which ``model="auto"`` without a selection compares the baselines:
    14 daily day-ahead origins, or 7 week-ahead origins 2 days apart."""
    H = ctx.horizon_days
    n_orig, spacing = (14, 1) if H <= 1 else (7, 2)
    out = [(ctx.origin_row - H - j * spacing, H) for j in range(n_orig)]
    return [(s0, span) for s0, span in out if s0 >= 14]


def _residuals(
    ctx: _Ctx, model: str, origins: Optional[List[Tuple[int, int]]] = None
) -> Tuple["IntArray", "FloatArray", "FloatArray", "FloatArray"]:
    """Out-of-sample (slot, actual, forecast, residual) of ``model`` on the recent history: the
    calibration set of the prediction interval (the forecasts from ``origins``, a list of
    (row, days), if given; else from :func:`_calibration_origins`).

    Every forecast in it is genuinely held out: made at a past origin from the history before
    it, for the same horizon as the forecast (or, for the fitted models, for up to a week or
    ``GB_HOLDOUT_DAYS``, which is at least as hard). For gradient boosting, one model is fitted
    on the history before the hold-out and predicts the hold-out days from features that, like
    at the real origin, use only values at least ``horizon_days`` days before each day.
    """
    H = ctx.horizon_days
    M = ctx.M
    slots_all: List["IntArray"] = []
    act: List["FloatArray"] = []
    pred: List["FloatArray"] = []
    for s0, span in _calibration_origins(ctx, model) if origins is None else origins:
        span = min(span, ctx.origin_row - s0)
        if span <= 0:
            continue
        rows = np.repeat(np.arange(s0, s0 + span, dtype=np.int64), ctx.spd)
        slots = np.tile(np.arange(ctx.spd, dtype=np.int64), span)
        y = M[rows, slots]
        ok = ~np.isnan(y)
        if not ok.any():
            continue
        Mt = _mask_from(M, s0)
        if model == "gradient_boosting":
            f = np.maximum(_gb_fit_predict(ctx, Mt, rows, slots, s0, H, feature_M=M), 0.0)
        else:
            f = _predict(ctx, model, Mt, rows, slots, s0)
        slots_all.append(slots[ok])
        act.append(y[ok])
        pred.append(f[ok])
    if not act:
        e = np.zeros(0)
        return np.zeros(0, dtype=np.int64), e, e, e
    a = np.concatenate(act)
    p = np.concatenate(pred)
    return np.concatenate(slots_all), a, p, a - p


def _conformal_bounds(scores: "FloatArray", level: float) -> Tuple[float, float]:
    """Split-conformal (lower, upper) quantiles of calibration ``scores`` for a two-sided
    ``level`` interval: the ``floor((n + 1) a / 2)``-th and ``ceil((n + 1) (1 - a / 2))``-th
    smallest of the ``n`` scores (``a = 1 - level``), so that a new exchangeable score falls
    between them with probability at least ``level``. ``-inf``/``inf`` when ``n`` is too small
    for that rank."""
    n = len(scores)
    a = 1.0 - level
    s = np.sort(scores)
    # (The small slack keeps exact products such as 10 * 0.1 from rounding to the wrong rank.)
    k_lo = int(math.floor((n + 1) * a / 2 + 1e-9))
    k_hi = int(math.ceil((n + 1) * (1 - a / 2) - 1e-9))
    lo = float(s[k_lo - 1]) if k_lo >= 1 else -math.inf
    hi = float(s[k_hi - 1]) if k_hi <= n else math.inf
    return lo, hi


def _band(
    ctx: _Ctx,
    slots: "IntArray",
    actual: "FloatArray",
    pred: "FloatArray",
    mean: "FloatArray",
    level: float,
    model: str,
) -> Tuple["FloatArray", "FloatArray"]:
    """The ``level`` prediction interval (lower, upper) around ``mean`` (one value per target of
    ``ctx``) from the calibration set (``slots``, ``actual``, ``pred``) of :func:`_residuals`.

    Split-conformal per local hour of day. The score of a calibration forecast is its residual
    ``actual - pred``; for the fitted models (smooth mean forecasts) it is divided by
    ``pred + c`` (``c`` = CAL_SCALE_FLOOR times the mean calibration forecast), so that the
    band grows and shrinks with the forecast level, and the bound is ``mean + q * (mean + c)``.
    The baselines keep plain residuals: their forecast is a copy of noisy past values, a poor
    measure of the spread. Scores are grouped by the local hour of their slot; neighbouring
    hours are pooled until a group holds at least CAL_MIN_GROUP (CAL_MIN_GROUP_SCALED for the
    scaled scores) of them, all scores if even that is not enough. The bounds are the
    finite-sample-corrected conformal quantiles of the group (:func:`_conformal_bounds`; a
    bound the group is too small to give is its extreme score). Then
    ``0 <= lower <= mean <= upper``.
    """
    per_hour = ctx.spd // 24
    th = ctx.t_slot // per_hour
    ok = np.isfinite(actual) & np.isfinite(pred)
    slots, actual, pred = slots[ok], actual[ok], pred[ok]
    if len(actual) == 0:
        return mean.copy(), mean.copy()
    scaled = model not in BASELINES
    if scaled:
        c = max(CAL_SCALE_FLOOR * float(np.mean(pred)), 1e-6)
        scores = (actual - pred) / (pred + c)
        min_group = CAL_MIN_GROUP_SCALED
    else:
        c = 0.0
        scores = actual - pred
        min_group = CAL_MIN_GROUP
    hours = slots // per_hour
    by_hour = [scores[hours == h] for h in range(24)]
    qlo = np.zeros(24)
    qhi = np.zeros(24)
    for h in range(24):
        group = by_hour[h]
        w = 0
        while len(group) < min_group and w < 11:
            w += 1
            group = np.concatenate([by_hour[(h + d) % 24] for d in range(-w, w + 1)])
        if len(group) < min_group:
            group = scores
        lo, hi = _conformal_bounds(group, level)
        qlo[h] = lo if math.isfinite(lo) else float(np.min(group))
        qhi[h] = hi if math.isfinite(hi) else float(np.max(group))
    scale = mean + c if scaled else np.ones_like(mean)
    lower = np.maximum(0.0, np.minimum(mean, mean + qlo[th] * scale))
    upper = np.maximum(mean, mean + qhi[th] * scale)
    return lower, upper


# --------------------------------------------------------------------------------------------
# Public API.


def _check_level(level: float) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not (0.0 < float(level) < 1.0):
        raise ForecastError(f"level must be between 0 and 1 (exclusive), not {level!r}")
    return float(level)


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise ForecastError(f"unknown model {model!r}; one of: auto, {', '.join(MODELS)}")
    if model == "prophet" and not _prophet_available():
        raise ForecastError("the prophet model needs the optional `prophet` package, which is not installed")


def _best_baseline(ctx: _Ctx) -> str:
    best, best_err = "same_hour_average", math.inf
    for m in BASELINES:
        try:
            _check_history(ctx, m)
        except ForecastError:
            continue
        _, a, _, r = _residuals(ctx, m, _choice_origins(ctx))
        err = float(np.mean(np.abs(r))) if len(r) else math.inf
        if err < best_err:
            best, best_err = m, err
    return best


def forecast(
    times: Sequence[Any],
    import_wh: Sequence[Any],
    *,
    zone: ZoneInfo,
    horizon: int = DAY,
    step: int = 900,
    model: str = "auto",
    selection: Optional[Selection] = None,
    origin: Optional[int] = None,
    level: float = 0.8,
    holidays: Iterable[date] = (),
) -> Forecast:
    """Forecast the import energy of the ``horizon`` seconds from ``origin``.

    ``times`` are 15-minute interval starts (Unix s UTC; unsorted, duplicated or with holes is
    fine), ``import_wh`` the Wh imported in each (None, NaN, negative: unknown). ``origin`` is the
    first forecast interval's start (default: the end of the last known interval), rounded up
    to the step; only history before it is used. ``step`` 3600 forecasts hours (quarter-hours
    summed). ``model="auto"`` uses ``selection.best`` if given, else the better baseline.
    ``level`` is the nominal coverage of the prediction interval. Local days in ``holidays``
    (public holidays) are treated as Sundays, in the history and in the horizon.

    Raises :class:`ForecastError` on too little history (the message says how much the model
    needs) or bad arguments.
    """
    lvl = _check_level(level)
    if not isinstance(model, str):
        raise ForecastError(f"model must be a string, not {model!r}")
    ctx = _context(times, import_wh, zone, step, horizon, origin, holidays)
    if model == "auto":
        if selection is not None and selection.best in available_models():
            chosen = selection.best
        else:
            _check_history(ctx, "same_hour_average")
            chosen = _best_baseline(ctx)
    else:
        _check_model(model)
        chosen = model
    _check_history(ctx, chosen)
    mean = _predict(ctx, chosen, ctx.M, ctx.t_row, ctx.t_slot, ctx.origin_row)
    slots, act, pred, _ = _residuals(ctx, chosen)
    lower, upper = _band(ctx, slots, act, pred, mean, lvl, chosen)
    return Forecast(
        model=chosen,
        step=step,
        times=[int(x) for x in ctx.targets],
        mean=[float(x) for x in mean],
        lower=[float(x) for x in lower],
        upper=[float(x) for x in upper],
        level=lvl,
    )


@dataclass(frozen=True)
class OriginResult:
    """One model at one backtest origin: the forecast against the actual values."""

    model: str
    origin_row: int
    actual: "FloatArray"
    mean: "FloatArray"
    lower: "FloatArray"
    upper: "FloatArray"
    scale: float  # in-sample weekly seasonal naive MAE
    seconds: float  # fit + predict (+ interval) time


def _naive_scale(M: "FloatArray", cut_row: int) -> float:
    h = M[: cut_row + 1]
    if len(h) <= 7:
        return math.nan
    d = np.abs(h[7:] - h[:-7])
    d = d[~np.isnan(d)]
    return float(np.mean(d)) if len(d) else math.nan


def backtest_origins(
    times: Sequence[Any],
    import_wh: Sequence[Any],
    *,
    zone: ZoneInfo,
    step: int = 900,
    horizon: int = DAY,
    origins: int = 8,
    spacing_days: int = 7,
    models: Optional[Sequence[str]] = None,
    level: float = 0.8,
    intervals: bool = False,
    holidays: Iterable[date] = (),
) -> List[OriginResult]:
    """Rolling-origin backtest: forecasts at ``origins`` local midnights ``spacing_days`` apart,
    the last one ``horizon`` before the end of the data, each from the history before it.

    With ``intervals`` the prediction interval is computed too (slower); ``holidays`` count as
    Sundays (see :func:`forecast`). Raises
    :class:`ForecastError` when not even one origin has enough history.
    """
    lvl = _check_level(level)
    if isinstance(origins, bool) or not isinstance(origins, int) or origins < 1:
        raise ForecastError(f"origins must be a positive integer, not {origins!r}")
    names = list(models) if models is not None else available_models()
    for m in names:
        _check_model(m)
    if not names:
        raise ForecastError("no models to compare")
    ctx = _context(times, import_wh, zone, step, horizon, None, holidays)
    H = ctx.horizon_days
    # The last origin: the last local midnight with a full horizon of data after it.
    last_origin = ctx.origin_row - H  # origin_row is the first row that is not complete
    need = max(MIN_HISTORY_DAYS[m] for m in names)
    rows0 = [last_origin - i * spacing_days for i in range(origins)]
    rows0 = [r for r in rows0 if r >= need]
    # History known before the earliest origin must satisfy the models too.
    if not rows0:
        raise ForecastError(
            f"too little history for a backtest: it needs at least {need} days before the first origin "
            f"plus {H} day(s) of horizon after it; got {ctx.span_days:.1f} days"
        )
    out: List[OriginResult] = []
    for r0 in sorted(rows0):
        Mt = _mask_from(ctx.M, r0)
        known = int(np.sum(~np.isnan(Mt))) * (ctx.step // QUARTER)
        if known < need * 96:
            continue
        rows = np.repeat(np.arange(r0, r0 + H, dtype=np.int64), ctx.spd)
        slots = np.tile(np.arange(ctx.spd, dtype=np.int64), H)
        y = ctx.M[rows, slots]
        ok = ~np.isnan(y)
        if not ok.any():
            continue
        scale = _naive_scale(ctx.M, r0 - 1)
        sub = _Ctx(
            step=ctx.step,
            spd=ctx.spd,
            M=Mt,
            day0=ctx.day0,
            origin_row=r0,
            origin_slot=0,
            targets=np.zeros(len(rows), dtype=np.int64),
            t_row=rows,
            t_slot=slots,
            horizon_days=H,
            known=known,
            span_days=float(r0),
            holidays=ctx.holidays,
        )
        for m in names:
            t0 = _time.perf_counter()
            f = _predict(sub, m, Mt, rows, slots, r0)
            lo = hi = f
            if intervals:
                s_, act, pred, _ = _residuals(sub, m)
                lo, hi = _band(sub, s_, act, pred, f, lvl, m)
            dt = _time.perf_counter() - t0
            out.append(OriginResult(m, r0, y[ok], f[ok], lo[ok], hi[ok], scale, dt))
    if not out:
        raise ForecastError("too little known history at every backtest origin")
    return out


def score(results: Sequence[OriginResult], model: str) -> ModelScore:
    """MASE (weekly seasonal naive scale, mean over origins) and NRMSE of one model."""
    rs = [r for r in results if r.model == model]
    mases = [float(np.mean(np.abs(r.actual - r.mean))) / r.scale for r in rs if r.scale > 0 and math.isfinite(r.scale)]
    a = np.concatenate([r.actual for r in rs]) if rs else np.zeros(0)
    p = np.concatenate([r.mean for r in rs]) if rs else np.zeros(0)
    mase = float(np.mean(mases)) if mases else math.inf
    mu = float(np.mean(a)) if len(a) else 0.0
    nrmse = float(np.sqrt(np.mean((a - p) ** 2))) / mu if mu > 0 else math.inf
    return ModelScore(model=model, mase=mase, nrmse=nrmse, origins=len(rs))


def select_model(
    times: Sequence[Any],
    import_wh: Sequence[Any],
    *,
    zone: ZoneInfo,
    step: int = 900,
    horizon: int = DAY,
    origins: int = 8,
    models: Optional[Sequence[str]] = None,
    holidays: Iterable[date] = (),
) -> Selection:
    """Choose the model for one meter by a rolling-origin backtest on its own history.

    Origins are local midnights 7 days apart, the last one a horizon before the end of the
    data; models are ranked by MASE (scaled by the in-sample *weekly* seasonal naive error),
    ties broken by NRMSE. Models that lack the history for the earliest origins are still
    scored on the origins they can do. ``holidays`` count as Sundays (see :func:`forecast`).
    Raises :class:`ForecastError` when no origin has enough history.
    """
    t0 = _time.perf_counter()
    names = list(models) if models is not None else available_models()
    for m in names:
        _check_model(m)
    if not names:
        raise ForecastError("no models to compare")
    hol = _holiday_dates(holidays)  # checked once, and an iterator is read only once
    ctx = _context(times, import_wh, zone, step, horizon, None, hol)
    # Models without the history for one origin are left out (the baselines need the least).
    days = ctx.origin_row - ctx.horizon_days
    usable = [m for m in names if MIN_HISTORY_DAYS[m] <= days] or names
    results = backtest_origins(
        times, import_wh, zone=zone, step=step, horizon=horizon, origins=origins, models=usable,
        holidays=hol,
    )
    scores = [score(results, m) for m in names if any(r.model == m for r in results)]
    scores.sort(key=lambda s: (s.mase, s.nrmse, MODELS.index(s.model)))
    return Selection(best=scores[0].model, scores=scores, seconds=_time.perf_counter() - t0)

