"""A-XDR data to native Python values."""

import datetime

import pytest

import compteur
from compteur.dlms import BitString, CosemDateTime, decode_data


def test_scalars() -> None:
    assert decode_data(bytes.fromhex("0600075E3B")) == 482875
    assert decode_data(bytes.fromhex("05FFFFFFFE")) == -2
    assert decode_data(bytes.fromhex("0F FE".replace(" ", ""))) == -2
    assert decode_data(bytes.fromhex("1000FF")) == 255
    assert decode_data(bytes.fromhex("12FFFF")) == 65535
    assert decode_data(bytes.fromhex("150000000000000001")) == 1
    assert decode_data(bytes.fromhex("1603")) == 3
    assert decode_data(bytes.fromhex("0301")) is True
    assert decode_data(bytes.fromhex("00")) is None
    assert decode_data(bytes.fromhex("173FC00000")) == 1.5


def test_strings_and_bytes() -> None:
    assert decode_data(bytes.fromhex("0906") + bytes([1, 0, 1, 8, 0, 255])) == bytes(
        [1, 0, 1, 8, 0, 255]
    )
    assert decode_data(bytes.fromhex("0A03") + b"LGZ") == "LGZ"
    assert decode_data(bytes.fromhex("0C02") + "é".encode()) == "é"


def test_structures_are_tuples_and_arrays_lists() -> None:
    # array of 2 structures {octet-string obis, double-long-unsigned}
    data = bytes.fromhex(
        "0102"
        "020209060100010800FF0600000001"
        "020209060100020800FF0600000002"
    )
    assert decode_data(data) == [
        (bytes([1, 0, 1, 8, 0, 255]), 1),
        (bytes([1, 0, 2, 8, 0, 255]), 2),
    ]


def test_bit_string() -> None:
    value = decode_data(bytes.fromhex("040AC0C0"))
    assert isinstance(value, BitString)
    assert value.bits == "1100000011"
    assert len(value) == 10 and value[0] and not value[2] and value[-1]
    assert value == BitString("1100000011")


def test_date_time_local_and_with_deviation() -> None:
    # 2026-05-04 11:39:20, day 1 (Monday), deviation not specified, status 0x80 (DST)
    local = bytes.fromhex("1907EA050401") + bytes.fromhex("0B271400") + bytes.fromhex("800080")
    value = decode_data(local)
    assert isinstance(value, datetime.datetime)
    assert value == datetime.datetime(2026, 5, 4, 11, 39, 20)
    assert value.tzinfo is None
    raw = decode_data(local, datetimes="raw")
    assert isinstance(raw, CosemDateTime)
    assert (raw.year, raw.month, raw.day, raw.hour, raw.minute, raw.second) == (
        2026, 5, 4, 11, 39, 20,
    )
    assert raw.deviation is None and raw.dst and raw.status == 0x80
    assert raw.to_bytes() == local[1:]
    # deviation -120: UTC = local + (-120 min), the offset from UTC is +2 h
    aware = decode_data(local[:6] + bytes.fromhex("0B271400FF8880"))
    assert isinstance(aware, datetime.datetime)
    assert aware == datetime.datetime(2026, 5, 4, 9, 39, 20, tzinfo=datetime.timezone.utc)
    assert aware.utcoffset() == datetime.timedelta(hours=2)


def test_wildcards_stay_raw() -> None:
    value = decode_data(bytes.fromhex("19FFFF0504FF0B271400800000"))
    assert isinstance(value, CosemDateTime)
    assert value.year is None and value.month == 5 and value.to_datetime() is None


def test_date_and_time() -> None:
    assert decode_data(bytes.fromhex("1A07EA050401")) == datetime.date(2026, 5, 4)
    assert decode_data(bytes.fromhex("1B0B271432")) == datetime.time(11, 39, 20, 500000)


@pytest.mark.parametrize(
    ("data", "offset"),
    [(bytes.fromhex("0600"), 1), (bytes.fromhex("07"), 0), (bytes.fromhex("0301FF"), 2)],
)
def test_bad_bytes_raise_decode_error(data: bytes, offset: int) -> None:
    with pytest.raises(compteur.DecodeError) as info:
        decode_data(data)
    assert info.value.layer == "dlms"
    assert info.value.offset == offset


def test_datetimes_option_is_checked() -> None:
    with pytest.raises(ValueError):
        decode_data(b"\x00", datetimes="iso")  # type: ignore[arg-type]
