"""HDLC framing (IEC 62056-46): a resynchronising stream decoder and a frame parser.

>>> from compteur.hdlc import FrameDecoder
>>> decoder = FrameDecoder()
>>> decoder.feed(b"garbage")
[]
"""

from compteur._native import Frame, FrameDecoder
from compteur._native import parse_frame as parse_frame

__all__ = ["Frame", "FrameDecoder", "parse_frame"]
