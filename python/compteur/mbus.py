"""Wired M-Bus (EN 13757-2/-3): decode a slave's response (RSP_UD long frame).

>>> from compteur.mbus import decode_frame
>>> decode_frame(b"\\xe5")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
compteur.DecodeError: a single character is not a response with data
"""

from compteur._native import MbusFrame, MbusRecord
from compteur._native import decode_mbus_frame as decode_frame

__all__ = ["MbusFrame", "MbusRecord", "decode_frame"]
