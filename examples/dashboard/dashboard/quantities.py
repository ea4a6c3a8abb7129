"""One vocabulary for the measured quantities: database columns, API names and UI keys.

The names are those of the ``compteur.Reading`` properties (per-phase values are split into
``_l1``/``_l2``/``_l3``). Counters are lifetime registers (energies); everything else is an
instantaneous value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Literal, Tuple

__all__ = [
    "Quantity",
    "QUANTITIES",
    "COUNTERS",
    "INSTANTS",
    "OBIS_CODES",
    "is_counter",
    "unit_of",
]


@dataclass(frozen=True)
class Quantity:
    """A measured quantity: its name, its unit and whether it is a counter or an instant value."""

    name: str
    unit: str
    kind: Literal["counter", "instant"]
    obis: str
    """The OBIS code (channel B=0) under which a meter exposes it; used by the poll source."""


def _q(name: str, unit: str, kind: Literal["counter", "instant"], obis: str) -> Tuple[str, Quantity]:
    return name, Quantity(name, unit, kind, obis)


QUANTITIES: Dict[str, Quantity] = dict(
    [
        _q("active_energy_import", "Wh", "counter", "1-0:1.8.0"),
        _q("active_energy_export", "Wh", "counter", "1-0:2.8.0"),
        _q("reactive_energy_import", "varh", "counter", "1-0:3.8.0"),
        _q("reactive_energy_export", "varh", "counter", "1-0:4.8.0"),
        _q("active_power_import", "W", "instant", "1-0:1.7.0"),
        _q("active_power_export", "W", "instant", "1-0:2.7.0"),
        _q("reactive_power_import", "var", "instant", "1-0:3.7.0"),
        _q("reactive_power_export", "var", "instant", "1-0:4.7.0"),
        _q("voltage_l1", "V", "instant", "1-0:32.7.0"),
        _q("voltage_l2", "V", "instant", "1-0:52.7.0"),
        _q("voltage_l3", "V", "instant", "1-0:72.7.0"),
        _q("current_l1", "A", "instant", "1-0:31.7.0"),
        _q("current_l2", "A", "instant", "1-0:51.7.0"),
        _q("current_l3", "A", "instant", "1-0:71.7.0"),
        _q("power_factor", "1", "instant", "1-0:13.7.0"),
        _q("frequency", "Hz", "instant", "1-0:14.7.0"),
    ]
)
"""Every quantity, in a stable order (the order of the database columns)."""

COUNTERS: Tuple[str, ...] = tuple(n for n, q in QUANTITIES.items() if q.kind == "counter")
INSTANTS: Tuple[str, ...] = tuple(n for n, q in QUANTITIES.items() if q.kind == "instant")
OBIS_CODES: Dict[str, str] = {n: q.obis for n, q in QUANTITIES.items()}


def is_counter(name: str) -> bool:
    """True when ``name`` is a lifetime counter (an energy register)."""
    return QUANTITIES[name].kind == "counter"


def unit_of(name: str) -> str:
    """The unit of the quantity ``name`` (``KeyError`` for an unknown name)."""
    return QUANTITIES[name].unit
