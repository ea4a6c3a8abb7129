"""CSV export and import, and import of ``compteur decode --json`` output.

Raw CSV (what ``export`` writes with ``--resolution raw`` and what ``import`` reads)::

    time,meter,dst,active_energy_import,active_energy_export,...,frequency
    2026-10-25T00:30:00Z,1909113,true,14513842,0,...,50.0

``time`` is ISO 8601 in UTC (``Z``; any offset is accepted on import), ``meter`` the serial
number, ``dst`` the meter's DST flag (``true``/``false``/empty), then one column per quantity
(Wh, varh, W, var, V, A, 1, Hz; empty = not measured). Aggregated CSV (``15m``/``1h``/``1d``)::

    start,end,meter,resolution,complete,samples,active_energy_import,...,frequency

with, for counters, the energy of the interval (Wh) and, for the other quantities, the mean.
Aggregated files cannot be imported (aggregates are derived from the raw readings).
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import IO, Any, Dict, Iterable, Iterator, List, Optional, Tuple
from zoneinfo import ZoneInfo

from dashboard import timeconv
from dashboard.quantities import QUANTITIES
from dashboard.store import Sample, Store

__all__ = ["ImportError_", "export_csv", "read_csv", "read_jsonl", "detect_format", "RAW_HEADER"]

RAW_HEADER = ["time", "meter", "dst", *QUANTITIES]
AGG_HEADER = ["start", "end", "meter", "resolution", "complete", "samples", *QUANTITIES]
_SCALE = {"kwh": 1000.0, "kvarh": 1000.0, "mwh": 1e6, "kw": 1000.0, "kvar": 1000.0}


class ImportError_(ValueError):
    """A file that cannot be imported: ``line`` is the 1-based line number when known."""

    def __init__(self, message: str, line: Optional[int] = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


def _iso(ts: int) -> str:
    return timeconv.from_unix(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fmt(v: Optional[float]) -> str:
    if v is None:
        return ""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def export_csv(
    store: Store, meter_id: int, start: datetime, end: datetime, resolution: str, out: IO[str]
) -> int:
    """Write readings or aggregates of ``[start, end)`` as CSV; returns the number of rows."""
    info = store.meter(meter_id)
    if info is None:
        raise ValueError(f"no meter with id {meter_id}")
    w = csv.writer(out, lineterminator="\n")
    n = 0
    if resolution == "raw":
        w.writerow(RAW_HEADER)
        for ts, dst, values in store.iter_readings(meter_id, start, end):
            w.writerow([_iso(ts), info.serial, "" if dst is None else ("true" if dst else "false"),
                        *[_fmt(values[q]) for q in QUANTITIES]])
            n += 1
        return n
    if resolution not in ("15m", "1h", "1d"):
        raise ValueError(f"unknown resolution {resolution!r}: raw, 15m, 1h or 1d")
    w.writerow(AGG_HEADER)
    for r in store.aggregates(meter_id, resolution, start, end):
        w.writerow([_iso(r["start"]), _iso(r["end"]), info.serial, resolution,
                    "true" if r["complete"] else "false", r["samples"],
                    *[_fmt(r[q]) for q in QUANTITIES]])
        n += 1
    return n


def detect_format(first_line: str) -> str:
    """``csv`` or ``jsonl`` from a file's first line."""
    s = first_line.lstrip("\ufeff").strip()
    if s.startswith("{"):
        return "jsonl"
    return "csv"


def _parse_time(value: str, line: int) -> int:
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ImportError_(f"bad time {value!r}", line) from None
    if dt.tzinfo is None:
        raise ImportError_(f"time {value!r} has no offset (write it in UTC, with Z)", line)
    return timeconv.to_unix(dt)


def read_csv(f: IO[str]) -> Iterator[Tuple[str, Sample]]:
    """Readings of a raw CSV export; raises :class:`ImportError_` on a malformed row."""
    reader = csv.reader(f)
    try:
        yield from _read_csv_rows(reader)
    except csv.Error as e:
        # A line the csv module cannot split (a stray quote or carriage return, a NUL).
        raise ImportError_(f"not CSV: {e}", reader.line_num or None) from None


def _read_csv_rows(reader: Any) -> Iterator[Tuple[str, Sample]]:
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    if header[:1] == ["start"]:
        raise ImportError_("this is an aggregated export: only raw exports (time,meter,...) can be imported", 1)
    if header[:2] != ["time", "meter"]:
        raise ImportError_("not a dashboard export: the header must start with time,meter", 1)
    unknown = [h for h in header[2:] if h != "dst" and h not in QUANTITIES]
    if unknown:
        raise ImportError_(f"unknown column(s): {', '.join(unknown)}", 1)
    for lineno, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise ImportError_(f"{len(row)} fields, the header has {len(header)}", lineno)
        rec = dict(zip(header, row))
        ts = _parse_time(rec["time"], lineno)
        serial = rec["meter"].strip()
        if not serial:
            raise ImportError_("empty meter serial", lineno)
        dst_s = rec.get("dst", "").strip().lower()
        if dst_s not in ("", "true", "false", "1", "0"):
            raise ImportError_(f"bad dst {rec['dst']!r} (true, false or empty)", lineno)
        dst = None if dst_s == "" else dst_s in ("true", "1")
        values: Dict[str, Optional[float]] = {}
        for q in QUANTITIES:
            v = rec.get(q, "").strip()
            if v == "":
                values[q] = None
                continue
            try:
                fv = float(v)
            except ValueError:
                raise ImportError_(f"{q}: not a number: {v!r}", lineno) from None
            if fv != fv or fv in (float("inf"), float("-inf")):
                raise ImportError_(f"{q}: not a finite number: {v!r}", lineno)
            values[q] = fv
        yield serial, Sample(ts, values, dst, ())


def read_jsonl(f: IO[str], tz: ZoneInfo, default_serial: Optional[str] = None) -> Iterator[Tuple[str, Sample]]:
    """Readings of ``compteur decode --json`` output (one push object per line).

    Naive timestamps are the meter's local time in ``tz`` (resolved with ``dst``). Lines that
    are not pushes (M-Bus frames, errors) or have no timestamp are skipped.
    """
    for lineno, line in enumerate(f, start=1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise ImportError_(f"not JSON: {e}", lineno) from None
        if not isinstance(obj, dict) or obj.get("kind", "push") != "push":
            continue
        stamp = obj.get("timestamp")
        if not isinstance(stamp, str):
            continue
        try:
            dt = datetime.fromisoformat(stamp)
        except ValueError:
            raise ImportError_(f"bad timestamp {stamp!r}", lineno) from None
        dst = obj.get("dst")
        dst = None if dst is None else bool(dst)
        ts = timeconv.to_unix(timeconv.to_utc(dt, tz, dst))
        serial = obj.get("serial") or default_serial
        if not serial:
            raise ImportError_("the push has no serial number: pass --serial", lineno)
        values: Dict[str, Optional[float]] = {}
        obis: List[Tuple[str, Any, Optional[str]]] = []
        items = obj.get("values")
        if not isinstance(items, list):
            raise ImportError_("no values list", lineno)
        for item in items:
            if not isinstance(item, dict):
                continue
            code = str(item.get("obis", ""))
            value = item.get("value")
            unit = item.get("unit")
            obis.append((code, value, unit))
            q = item.get("quantity")
            if isinstance(q, str) and q in QUANTITIES and isinstance(value, (int, float)) and not isinstance(value, bool):
                scale = _SCALE.get(str(unit).lower(), 1.0) if unit else 1.0
                values[q] = float(value) * scale
        yield str(serial), Sample(ts, values, dst, obis)


def import_samples(store: Store, items: Iterable[Tuple[str, Sample]], name: str, timezone: str,
                   *, gap_seconds: Optional[float] = None, chunk: int = 5000) -> Tuple[int, int]:
    """Store imported readings in chunks; returns (read, new). Aggregates are updated.

    Without ``gap_seconds`` a gap is a spacing above three times the file's median spacing
    (and above the meter's threshold).
    """
    meters: Dict[str, int] = {}
    batch: Dict[str, List[Sample]] = {}
    read = new = 0

    inferred: Dict[str, float] = {}

    def flush() -> int:
        n = 0
        for serial, samples in batch.items():
            if samples and gap_seconds is None and serial not in inferred:
                inferred[serial] = _typical_spacing(samples) * 3
            if samples:
                mid = meters.get(serial)
                if mid is None:
                    mid = meters[serial] = store.ensure_meter(serial, name, timezone)
                thr = gap_seconds if gap_seconds is not None else inferred.get(serial)
                n += store.add_readings(mid, samples, gap_seconds=thr)
        batch.clear()
        return n

    for serial, sample in items:
        batch.setdefault(serial, []).append(sample)
        read += 1
        if read % chunk == 0:
            new += flush()
    new += flush()
    for mid in meters.values():
        store.update_aggregates(mid)
    return read, new


def _typical_spacing(samples: List[Sample]) -> float:
    """The median spacing of readings (s); 0 when there are fewer than two."""
    stamps = sorted({s.ts for s in samples})
    diffs = sorted(b - a for a, b in zip(stamps, stamps[1:]))
    return float(diffs[len(diffs) // 2]) if diffs else 0.0
