"""Wired M-Bus (EN 13757-2/-3): decode a slave's response (RSP_UD long frame).

>>> from compteur.mbus import decode_frame
>>> decode_frame(b"\\xe5")
Traceback (most recent call last):
...
compteur.DecodeError: no wired M-Bus response (RSP_UD long frame) in the input
"""

from compteur._native import MbusFrame
from compteur._native import decode_mbus_frame as decode_frame

__all__ = ["MbusFrame", "decode_frame"]
