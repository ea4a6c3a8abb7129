"""compteur: smart electricity meter protocols (DLMS/COSEM, HDLC, M-Bus, OBIS).

The decoding runs in Rust (the compiled module ``compteur._native``); values come back as
native Python objects.

>>> import compteur
>>> str(compteur.ObisCode("1.8.0"))
'1-0:1.8.0*255'
"""

from compteur import dlms, hdlc, registry
from compteur._native import (
    AccessDenied,
    AssociationRejected,
    AuthenticationError,
    CompteurError,
    DecodeError,
    Meter,
    MeterTimeout,
    MeterValue,
    ObisCode,
    RegistryEntry,
    Simulator,
    Unit,
    __version__,
)

__all__ = [
    "AccessDenied",
    "AssociationRejected",
    "AuthenticationError",
    "CompteurError",
    "DecodeError",
    "Meter",
    "MeterTimeout",
    "MeterValue",
    "ObisCode",
    "RegistryEntry",
    "Simulator",
    "Unit",
    "__version__",
    "dlms",
    "hdlc",
    "registry",
]
