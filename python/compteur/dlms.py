"""DLMS/COSEM: A-XDR data to native Python values, and COSEM date-times.

>>> from compteur.dlms import decode_data
>>> decode_data(bytes.fromhex("0600075E3B"))
482875
"""

from compteur._native import (
    Apdu,
    BitString,
    CosemDateTime,
    decode_apdu,
    decode_data,
    decode_datablocks,
)

__all__ = ["Apdu", "BitString", "CosemDateTime", "decode_apdu", "decode_data", "decode_datablocks"]
