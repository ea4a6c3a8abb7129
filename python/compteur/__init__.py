"""compteur: smart electricity meter protocols (DLMS/COSEM, HDLC, M-Bus, OBIS).

The decoding runs in Rust (the compiled module ``compteur._native``); values come back as
native Python objects.

>>> import compteur
>>> str(compteur.ObisCode("1.8.0"))
'1-0:1.8.0*255'
"""

from compteur import dlms, hdlc, mbus, registry
from compteur._native import (
    AccessDenied,
    AssociationRejected,
    AsyncMeter,
    AuthenticationError,
    CompteurError,
    DecodeError,
    Meter,
    MeterTimeout,
    MeterValue,
    ObisCode,
    PushListener,
    Reading,
    RegistryEntry,
    Simulator,
    Unit,
    __version__,
    decode_push,
    readings_to_columns,
)

__all__ = [
    "AccessDenied",
    "AssociationRejected",
    "AsyncMeter",
    "AuthenticationError",
    "CompteurError",
    "DecodeError",
    "Meter",
    "MeterTimeout",
    "MeterValue",
    "ObisCode",
    "PushListener",
    "Reading",
    "RegistryEntry",
    "Simulator",
    "Unit",
    "__version__",
    "decode_push",
    "dlms",
    "hdlc",
    "mbus",
    "readings_to_columns",
    "registry",
]
