"""The HDLC stream decoder."""

import pytest

import compteur
from compteur.hdlc import FrameDecoder, parse_frame



def fcs16(data: bytes) -> bytes:
    """CRC-16/X.25 (IEC 62056-46 HCS/FCS), computed here independently of compteur."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    crc ^= 0xFFFF
    return bytes([crc & 0xFF, crc >> 8])


def frame(body: bytes) -> bytes:
    return b"\x7e" + body + fcs16(body) + b"\x7e"


# SNRM from client 16 to server logical 1, physical 17 (two-byte address 02 23).
SNRM = frame(bytes.fromhex("A00802232193"))


def test_corpus_snrm_and_ua(dlms_vectors: dict[str, dict[str, str]]) -> None:
    snrm = parse_frame(bytes.fromhex(dlms_vectors["hdlc_snrm"]["hex"]))
    assert snrm.kind == "SNRM" and snrm.dest == (1, 17) and snrm.src == (16, None)
    assert snrm.control == 0x93
    ua = parse_frame(bytes.fromhex(dlms_vectors["hdlc_ua"]["hex"]))
    assert ua.kind == "UA" and ua.dest == (16, None) and ua.src == (1, 17)
    assert ua.info.startswith(bytes.fromhex("818012"))


def test_parse_one_frame() -> None:
    frame = parse_frame(SNRM)
    assert frame.kind == "SNRM"
    assert frame.dest == (1, 17)
    assert frame.src == (16, None)
    assert frame.info == b""


def test_stream_with_garbage_and_chunks() -> None:
    decoder = FrameDecoder()
    stream = b"\x00garbage" + SNRM + b"\x55" + SNRM
    frames = []
    for i in range(0, len(stream), 3):
        frames.extend(decoder.feed(stream[i : i + 3]))
    assert [f.kind for f in frames] == ["SNRM", "SNRM"]
    assert decoder.stats["frames"] == 2
    assert decoder.stats["bytes_skipped"] >= 9


def test_bad_check_is_counted_and_skipped() -> None:
    decoder = FrameDecoder()
    broken = bytearray(SNRM)
    broken[6] ^= 0x01  # the control byte: only the FCS notices
    frames = decoder.feed(bytes(broken) + SNRM)
    assert [f.kind for f in frames] == ["SNRM"]
    assert decoder.stats["check_failures"] == 1
    assert len(decoder.errors) == 1


def test_parse_frame_rejects_bad_bytes() -> None:
    with pytest.raises(compteur.DecodeError) as info:
        parse_frame(b"\x7e\xa0")
    assert info.value.layer == "hdlc"
