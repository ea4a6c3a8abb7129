"""The OBIS registry: every object of the E450 object list, with class, unit and scaler.

>>> from compteur import registry
>>> registry.lookup("1-1:32.7.0").obis  # channel-B tolerance
ObisCode('1-0:32.7.0*255')
"""

from __future__ import annotations

from compteur._native import ObisCode, RegistryEntry, registry_entries, registry_lookup

__all__ = ["entries", "lookup", "RegistryEntry"]


def entries() -> list[RegistryEntry]:
    """Every entry, sorted by code."""
    return registry_entries()


def lookup(code: ObisCode | str | bytes, *, exact: bool = False) -> RegistryEntry | None:
    """The entry of a code, with channel-B tolerance unless ``exact``; None if unknown."""
    return registry_lookup(code, exact=exact)

