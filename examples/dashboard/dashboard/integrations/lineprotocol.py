"""InfluxDB line protocol: escaping, one point per line, and the dashboard's point schema.

A line is ``measurement[,tag=value...] field=value[,field=value...] timestamp``. Escaping
follows the InfluxDB rules: in the measurement, commas and spaces are backslash-escaped; in tag
keys, tag values and field keys, commas, equals signs and spaces; string field values are
double-quoted with ``"`` and ``\\`` escaped. Floats are written with ``repr`` (shortest exact
form), integers with an ``i`` suffix, booleans as ``true``/``false``. Timestamps are Unix
seconds (write with ``precision=s``).

:func:`reading_points` turns one stored reading into the points of the schema documented in
``docs/influxdb-grafana.md``: one meter-level point (energies, powers, power factor, frequency)
and one point per phase (tag ``phase=L1..L3``: voltage and current), all in one measurement
tagged with the meter's serial number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

__all__ = [
    "LineProtocolError",
    "Point",
    "FieldValue",
    "METER_FIELDS",
    "PHASE_FIELDS",
    "PHASES",
    "escape_measurement",
    "escape_key",
    "escape_string",
    "format_field_value",
    "format_line",
    "reading_points",
    "schema_fields",
    "encode",
    "ReadingEncoder",
]

FieldValue = Union[float, int, bool, str]
"""A field value: float, integer (``i`` suffix), boolean or string."""


class LineProtocolError(ValueError):
    """A point cannot be written in line protocol (empty name, no field, NaN, bad type...)."""


_MEASUREMENT_ESC = str.maketrans({",": "\\,", " ": "\\ ", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_KEY_ESC = str.maketrans(
    {",": "\\,", "=": "\\=", " ": "\\ ", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
)


def _check_text(kind: str, s: str) -> None:
    if not isinstance(s, str):
        raise LineProtocolError(f"{kind} must be a string, not {type(s).__name__}")
    if not s:
        raise LineProtocolError(f"{kind} must not be empty")
    if s.endswith("\\"):
        # A trailing backslash would escape the separator that follows it.
        raise LineProtocolError(f"{kind} must not end with a backslash: {s!r}")


def escape_measurement(name: str) -> str:
    """A measurement name with commas and spaces escaped (line breaks too)."""
    _check_text("measurement", name)
    if name.startswith("#"):
        raise LineProtocolError(f"measurement must not start with '#' (a comment line): {name!r}")
    return name.translate(_MEASUREMENT_ESC)


def escape_key(text: str, kind: str = "key") -> str:
    """A tag key, tag value or field key with commas, equals signs and spaces escaped."""
    _check_text(kind, text)
    return text.translate(_KEY_ESC)


def escape_string(value: str) -> str:
    """A string field value: double-quoted, with ``\\`` and ``"`` backslash-escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_field_value(value: FieldValue) -> str:
    """One field value in line protocol (``1.5``, ``7i``, ``true``, ``"text"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise LineProtocolError(f"field value must be finite, not {value!r}")
        return repr(value)
    if isinstance(value, str):
        return escape_string(value)
    raise LineProtocolError(f"unsupported field value type {type(value).__name__}")


@dataclass(frozen=True)
class Point:
    """One point: measurement, tags, fields (at least one) and a timestamp in Unix seconds."""

    measurement: str
    tags: Mapping[str, str]
    fields: Mapping[str, FieldValue]
    ts: int

    def line(self) -> str:
        """The point as one line of line protocol (no trailing newline)."""
        return format_line(self.measurement, self.tags, self.fields, self.ts)


def format_line(
    measurement: str, tags: Mapping[str, str], fields: Mapping[str, FieldValue], ts: Optional[int]
) -> str:
    """One line of line protocol; tags are sorted by key (InfluxDB's preferred order)."""
    if not fields:
        raise LineProtocolError("a point needs at least one field")
    head = _head(measurement, tags)  # an empty tag value is no tag (InfluxDB has none)
    body = ",".join(f"{escape_key(k, 'field key')}={format_field_value(v)}" for k, v in fields.items())
    if ts is None:
        return f"{head} {body}"
    if isinstance(ts, bool) or not isinstance(ts, int):
        raise LineProtocolError(f"timestamp must be integer seconds, not {ts!r}")
    return f"{head} {body} {ts}"


# -- the dashboard's schema -------------------------------------------------------------------

METER_FIELDS: Tuple[Tuple[str, str], ...] = (
    ("active_energy_import", "active_energy_import_wh"),
    ("active_energy_export", "active_energy_export_wh"),
    ("reactive_energy_import", "reactive_energy_import_varh"),
    ("reactive_energy_export", "reactive_energy_export_varh"),
    ("active_power_import", "active_power_import_w"),
    ("active_power_export", "active_power_export_w"),
    ("reactive_power_import", "reactive_power_import_var"),
    ("reactive_power_export", "reactive_power_export_var"),
    ("power_factor", "power_factor"),
    ("frequency", "frequency_hz"),
)
"""Stored quantity → field of the meter-level point (no ``phase`` tag); the unit is in the name."""

PHASES: Tuple[str, ...] = ("L1", "L2", "L3")
"""The values of the ``phase`` tag."""

PHASE_FIELDS: Tuple[Tuple[str, str], ...] = (
    ("voltage", "voltage_v"),
    ("current", "current_a"),
)
"""Stored quantity prefix (``voltage_l1``...) → field of the per-phase point (tag ``phase``)."""

_PHASE_QUANTITIES: Tuple[Tuple[str, Tuple[Tuple[str, str], ...]], ...] = tuple(
    (ph, tuple((f"{q}_{ph.lower()}", f) for q, f in PHASE_FIELDS)) for ph in PHASES
)


def schema_fields() -> Dict[str, Tuple[str, ...]]:
    """Every field the exporter writes, by point kind: ``{"meter": (...), "phase": (...)}``.

    The meter-level points also carry the boolean field ``dst`` when the reading has a DST bit.
    """
    return {
        "meter": tuple(f for _, f in METER_FIELDS) + ("dst",),
        "phase": tuple(f for _, f in PHASE_FIELDS),
    }


def _number(v: Optional[float]) -> Optional[float]:
    if v is None:
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def reading_points(
    measurement: str,
    serial: str,
    ts: int,
    dst: Optional[bool],
    values: Mapping[str, Optional[float]],
    extra_tags: Optional[Mapping[str, str]] = None,
) -> List[Point]:
    """The points of one stored reading: meter-level first, then L1..L3 (absent values skipped).

    Values are written as floats (an InfluxDB field keeps the type of its first write, so a
    counter stored as ``14855846.0`` and a later one as ``14855847`` must not switch to
    integers). Missing or non-finite values are left out; a point left without any field is not
    written at all.
    """
    tags: Dict[str, str] = dict(extra_tags or {})
    tags["meter"] = serial
    out: List[Point] = []
    meter_fields: Dict[str, FieldValue] = {}
    for q, f in METER_FIELDS:
        x = _number(values.get(q))
        if x is not None:
            meter_fields[f] = x
    if meter_fields and dst is not None:
        meter_fields["dst"] = bool(dst)
    if meter_fields:
        out.append(Point(measurement, dict(tags), meter_fields, ts))
    for ph, qs in _PHASE_QUANTITIES:
        ph_fields: Dict[str, FieldValue] = {}
        for q, f in qs:
            x = _number(values.get(q))
            if x is not None:
                ph_fields[f] = x
        if ph_fields:
            out.append(Point(measurement, {**tags, "phase": ph}, ph_fields, ts))
    return out


class ReadingEncoder:
    """Fast line-protocol encoding of the readings of one meter (the exporter's hot path).

    Gives the same lines as ``[p.line() for p in reading_points(...)]``, with the escaped
    measurement, tags and field keys computed once instead of per point.
    """

    def __init__(
        self, measurement: str, serial: str, extra_tags: Optional[Mapping[str, str]] = None
    ) -> None:
        tags: Dict[str, str] = dict(extra_tags or {})
        tags["meter"] = serial
        self._meter_head = _head(measurement, tags) + " "
        self._phases = tuple(
            (_head(measurement, {**tags, "phase": ph}) + " ",
             tuple((q, escape_key(f, "field key") + "=") for q, f in qs))
            for ph, qs in _PHASE_QUANTITIES
        )
        self._meter_keys = tuple((q, escape_key(f, "field key") + "=") for q, f in METER_FIELDS)

    def lines(self, ts: int, dst: Optional[bool], values: Mapping[str, Optional[float]]) -> List[str]:
        """The lines of one reading (meter-level first, then L1..L3; empty points left out)."""
        if isinstance(ts, bool) or not isinstance(ts, int):
            raise LineProtocolError(f"timestamp must be integer seconds, not {ts!r}")
        tail = f" {ts}"
        out: List[str] = []
        parts = [k + repr(x) for q, k in self._meter_keys if (x := _number(values.get(q))) is not None]
        if parts:
            if dst is not None:
                parts.append("dst=true" if dst else "dst=false")
            out.append(self._meter_head + ",".join(parts) + tail)
        for head, keys in self._phases:
            parts = [k + repr(x) for q, k in keys if (x := _number(values.get(q))) is not None]
            if parts:
                out.append(head + ",".join(parts) + tail)
        return out


def _head(measurement: str, tags: Mapping[str, str]) -> str:
    parts = [escape_measurement(measurement)]
    for k in sorted(tags):
        if tags[k] != "":
            parts.append(f"{escape_key(k, 'tag key')}={escape_key(tags[k], 'tag value')}")
    return ",".join(parts)


def encode(points: Sequence[Point]) -> bytes:
    """Points as a line-protocol body (UTF-8, one line each, newline-terminated)."""
    return "".join(p.line() + "\n" for p in points).encode("utf-8")

