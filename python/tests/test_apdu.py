"""decode_apdu against the public DLMS vectors (independent captures)."""

import datetime
from typing import Any

import pytest

import compteur
from compteur.dlms import decode_apdu

Vectors = dict[str, dict[str, Any]]


def apdu(vectors: Vectors, kind: str) -> bytes:
    return bytes.fromhex(vectors[kind]["hex"])


def test_get_response_normal(dlms_vectors: Vectors) -> None:
    a = decode_apdu(apdu(dlms_vectors, "get_response_normal"))
    assert (a.kind, a.tag, a.invoke_id) == ("get-response", 0xC4, 1)
    assert a.fields == {"result": 5009}


def test_get_response_error(dlms_vectors: Vectors) -> None:
    a = decode_apdu(apdu(dlms_vectors, "get_response_error"))
    assert a.fields["result"] == {"error": 1, "name": "hardware-fault"}


def test_get_response_with_block(dlms_vectors: Vectors) -> None:
    a = decode_apdu(apdu(dlms_vectors, "get_response_with_block"))
    assert a.fields["last_block"] is False
    assert a.fields["block_number"] == 1
    raw = a.fields["raw_data"]
    assert isinstance(raw, bytes) and len(raw) == 1182


def test_data_notification(dlms_vectors: Vectors) -> None:
    a = decode_apdu(apdu(dlms_vectors, "data_notification_plain"))
    assert a.kind == "data-notification"
    assert a.invoke_id == 21817
    # 2016-09-08 19:13:25, deviation -60 (UTC = local - 60 min): offset +1 h
    expected = datetime.datetime(
        2016, 9, 8, 19, 13, 25, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    assert a.fields["date_time"] == expected
    assert isinstance(a.fields["body"], tuple)


def test_general_glo_ciphering(dlms_vectors: Vectors) -> None:
    a = decode_apdu(apdu(dlms_vectors, "general_glo_ciphering_push"))
    assert a.kind == "general-glo-ciphering"
    f = a.fields
    assert f["system_title"] == bytes.fromhex("2F19229199164103")
    assert (f["security_control"], f["authenticated"], f["encrypted"]) == (0x30, True, True)
    assert f["invocation_counter"] == 0x1E5


def test_glo_get_request(dlms_vectors: Vectors) -> None:
    a = decode_apdu(apdu(dlms_vectors, "glo_get_request_gb_example"))
    assert a.kind == "ciphered" and a.tag == 0xC8
    assert a.fields["invocation_counter"] == 0x01234567


def test_aarq_carries_raw(dlms_vectors: Vectors) -> None:
    data = apdu(dlms_vectors, "aarq_lls")
    a = decode_apdu(data)
    assert a.kind == "aarq" and a.fields == {"raw": data}


@pytest.mark.parametrize("data", [b"", b"\xc4", b"\xc4\x01\xc1\x00\x06\x00", b"\x07\x00"])
def test_bad_apdus_raise_decode_error(data: bytes) -> None:
    with pytest.raises(compteur.DecodeError) as info:
        decode_apdu(data)
    assert info.value.layer == "dlms"


def profile_blocks(
    rows: int, block_size: int
) -> tuple[list[bytes], list[tuple[datetime.datetime, int, int]]]:
    """A load profile (array of {clock octet-string, u32, u32}) cut into GET datablocks,
    built here byte by byte (A-XDR written out by hand, not by compteur)."""
    start = datetime.datetime(2026, 3, 1, 0, 0)
    body = bytearray(b"\x01\x82" + rows.to_bytes(2, "big"))
    expected = []
    for i in range(rows):
        t = start + datetime.timedelta(minutes=15 * i)
        clock = (
            t.year.to_bytes(2, "big")
            + bytes([t.month, t.day, t.isoweekday(), t.hour, t.minute, t.second, 0])
            + b"\x80\x00\x00"  # deviation not specified, status 0
        )
        body += b"\x02\x03\x09\x0c" + clock
        body += b"\x06" + (1000 + i).to_bytes(4, "big") + b"\x06" + (7 * i).to_bytes(4, "big")
        expected.append((t, 1000 + i, 7 * i))
    chunks = [bytes(body[i : i + block_size]) for i in range(0, len(body), block_size)]
    apdus = []
    for n, chunk in enumerate(chunks, start=1):
        last = n == len(chunks)
        length = len(chunk)
        axdr_len = bytes([length]) if length < 0x80 else b"\x82" + length.to_bytes(2, "big")
        apdus.append(
            b"\xc4\x02\xc1" + bytes([last]) + n.to_bytes(4, "big") + b"\x00" + axdr_len + chunk
        )
    return apdus, expected


def test_decode_datablocks_profile_rows_with_datetimes() -> None:
    apdus, expected = profile_blocks(2880, 1000)
    assert len(apdus) == 75  # 74,884 bytes: the 75-datablock profile
    rows = compteur.dlms.decode_datablocks(apdus, datetime_columns=[0])
    assert rows == expected
    raw = compteur.dlms.decode_datablocks(apdus)
    assert isinstance(raw, list) and isinstance(raw[0][0], bytes)


def test_decode_datablocks_reports_a_missing_block() -> None:
    apdus, _ = profile_blocks(100, 200)
    with pytest.raises(compteur.DecodeError, match="missing block"):
        compteur.dlms.decode_datablocks(apdus[:2] + apdus[3:])
    with pytest.raises(compteur.DecodeError, match="never came"):
        compteur.dlms.decode_datablocks(apdus[:-1])
