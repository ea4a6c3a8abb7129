"""``compteur.mbus.decode_frame`` against libmbus on libmbus's own test corpus.

The corpus is ``mbus/libmbus/test-frames`` in ``../shared/corpus`` (BSD-3-Clause, rSCADA /
Raditex AB): 76 wired M-Bus RSP_UD frames, each with libmbus's normalised XML output
(``*.norm.xml``), and ``mbus/libmbus_index.tsv`` with the header fields and libmbus's record
count. The Rust test ``mbus/tests/libmbus_corpus.rs`` makes the same comparison on the Rust
types; this one goes through the Python API only, so it checks what a Python user gets.

How ``MbusFrame.records`` lines up with libmbus's ``<DataRecord id="n">``
-----------------------------------------------------------------------------
``MbusFrame.records`` holds one ``MbusRecord`` per data record of the frame, in frame order.
The manufacturer-specific data block that DIF ``0F`` / ``1F`` opens is not a record there: it
runs to the end of the user data and is ``MbusFrame.manufacturer_data`` (hex), with
``more_records_follow`` set for ``1F``. libmbus lists it as its last record (function
``Manufacturer specific``, or ``More records follow`` for ``1F``, with the bytes as its value).

So record ``i`` of ``MbusFrame.records`` is libmbus's record ``i`` for every ``i`` below
``len(records)``, and libmbus's one record after those, if any, is the block
(``test_records_line_up_with_libmbus`` asserts both, and that the block's bytes agree). Each
record carries its ``offset`` in the frame and its DIB and VIB as sent, which
``test_record_bytes_are_where_the_offsets_say`` checks against the frame's bytes. The header
fields (version, access number, status, signature) are compared with libmbus's
``<SlaveInformation>``, and the unit of a plain-text VIF with the text libmbus prints.

The fixed data structure (CI ``73``: ``manual_frame2`` and ``sen_pollusonic_2``) has two
counters, which libmbus prints as two records with the raw value and the unit code's name;
``decode_frame`` gives them as two records scaled to the base unit. 776 numeric values are
compared, as in the Rust conformance test: 772 agree and the 4 differences are the T230 VIFE
``6F`` records explained in ``EXPLAINED``. The 115 dates and date-times libmbus prints all
agree; one is a type F date-time with its "invalid" bit set, which libmbus prints as its
sentinel and ``MbusRecord`` flags with ``invalid`` (``INVALID_DATES``).
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import re
import xml.etree.ElementTree as ET
from typing import Optional, Union

import compteur
from compteur.mbus import MbusFrame, MbusRecord, decode_frame

from conftest import corpus_path

# libmbus's name of each unit symbol compteur gives a record (``MbusRecord.unit``); ``None`` is
# a record without a unit. A symbol missing here makes the comparison fail with its name.
LIBMBUS_UNIT: dict[Optional[str], str] = {
    None: "",
    "Wh": "Wh",
    "J": "J",
    "m3": "m^3",
    "kg": "kg",
    "s": "s",
    "W": "W",
    "J/h": "J/h",
    "m3/h": "m^3/h",
    "m3/min": "m^3/min",
    "m3/s": "m^3/s",
    "kg/h": "kg/h",
    "°C": "°C",
    "K": "K",
    "bar": "bar",
    "V": "V",
    "A": "A",
    "HCA": "Units for H.C.A.",
}

# Quantities for which libmbus prints a fixed unit string, whatever the unit of the record:
# a plain-text unit (VIF 7C, the text is in libmbus's <Quantity>), a reserved VIF, time points.
LIBMBUS_UNIT_OF_QUANTITY: dict[str, str] = {
    "plain_text": "-",
    "reserved": "Reserved",
    "date": "-",
    "date_time": "-",
}

# libmbus's names of the record functions (``MbusRecord.function``).
LIBMBUS_FUNCTION: dict[str, str] = {
    "instantaneous": "Instantaneous value",
    "maximum": "Maximum value",
    "minimum": "Minimum value",
    "error_state": "Value during error state",
}

# The functions libmbus gives the DIF 0F / 1F block (``MbusFrame.manufacturer_data``).
MANUFACTURER_BLOCK = ("Manufacturer specific", "More records follow")

# libmbus's medium names (``libmbus_index.tsv``, ``<Medium>``) of ``MbusFrame.medium``.
LIBMBUS_MEDIUM: dict[str, str] = {
    "other": "Other",
    "oil": "Oil",
    "electricity": "Electricity",
    "gas": "Gas",
    "heat_outlet": "Heat: Outlet",
    "warm_water": "Warm water (30-90°C)",
    "water": "Water",
    "heat_cost_allocator": "Heat Cost Allocator",
    "heat_inlet": "Heat: Inlet",
    "heat_cooling": "Heat / Cooling load meter",
    "bus_system": "Bus/System",
    "cold_water": "Cold water",
    "breaker": "Breaker: Electricity",
}


@dataclasses.dataclass(frozen=True)
class Explained:
    """A record where compteur and libmbus differ, with the reason."""

    frame: str
    index: int
    # what compteur decodes: the date and time as ``MbusRecord.value`` gives it
    value: str
    # the decimal exponent of the record's VIF, by which libmbus scales the raw bytes
    exponent: int
    reason: str


# All four are records of the Landis+Gyr Ultraheat T230 with the combinable VIFE 6F (E110 1f1b
# with f = 1, b = 1: "date (/time) of end of last", EN 13757-3:2018 table 15). That VIFE makes
# the record the date of the event (when the last maximum of power, volume flow, flow and
# return temperature ended) and the data field (4: type F) gives its type. libmbus keeps the
# quantity of the VIF and prints the four type F bytes as an integer scaled by the VIF
# (41065374.6 °C is 32 14 7A 18, that is 2011-08-26 20:50; the frame was read on 2012-01-13).
# compteur follows the standard: these are libmbus's mistakes, not decoding errors.
EXPLAINED = (
    Explained(
        "landis+gyr_ultraheat_t230",
        19,
        "2000-00-00T00:00:00",
        2,  # VIF 2D: power, 10^2 W
        "VIFE 6F: date/time of end of last maximum power (not set)",
    ),
    Explained(
        "landis+gyr_ultraheat_t230",
        20,
        "2000-00-00T00:00:00",
        -3,  # VIF 3B: volume flow, 10^-3 m3/h
        "VIFE 6F: date/time of end of last maximum volume flow (not set)",
    ),
    Explained(
        "landis+gyr_ultraheat_t230",
        21,
        "2011-08-26T20:50:00",
        -1,  # VIF 5A: flow temperature, 10^-1 °C
        "VIFE 6F: date/time of end of last maximum flow temperature (libmbus: 41065374.6 °C)",
    ),
    Explained(
        "landis+gyr_ultraheat_t230",
        22,
        "2011-08-09T11:43:00",
        -1,  # VIF 5E: return temperature, 10^-1 °C
        "VIFE 6F: date/time of end of last maximum return temperature (libmbus: 40953732.3 °C)",
    ),
)

# The fixed data structure frames: libmbus prints their two counters as records with the raw
# value; decode_frame scales them to the base unit. (frame, libmbus's two values and units)
FIXED_FRAMES = {
    "manual_frame2": (("1", "l"), ("135", "reserved but historic")),
    "sen_pollusonic_2": (("6531", "kWh"), ("69", "l")),
}
# libmbus's fixed-structure unit names: compteur's unit and the factor from libmbus's number.
FIXED_UNITS: dict[str, tuple[Optional[str], float]] = {
    "l": ("m3", 1e-3),
    "kWh": ("Wh", 1e3),
    "reserved but historic": (None, 1.0),
}

# Numeric values libmbus prints for the variable-structure frames (EXPLAINED included), and of
# those, the ones where compteur gives the same number in the same unit.
COMPARED = 776
AGREE = 772
# Dates and date-times libmbus prints, and of those, the ones compteur gives the same.
DATES = 115
DATES_AGREE = 115
# The date the meter marked invalid: the type F field has its IV bit ("time invalid") set;
# libmbus prints its sentinel 1900-01-00T00:00:00Z, ``MbusRecord.value`` gives the date and time
# fields as sent and ``MbusRecord.invalid`` is True. The record's bytes are 04 6D A1 15 E9 17:
# minute byte A1 = IV bit + 33 minutes.
INVALID_DATES = (("REL-Relay-Padpuls2", 1, "2015-07-09T21:33:00"),)
# Records of the whole corpus: libmbus's count, compteur's, and the DIF 0F/1F blocks between
# (both counts include the 4 counters of the two fixed-structure frames).
LIBMBUS_RECORDS = 942
PYTHON_RECORDS = 901
MANUFACTURER_BLOCKS = 41

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?\Z")


@dataclasses.dataclass(frozen=True)
class XmlRecord:
    """One ``<DataRecord>`` of libmbus's output; a missing tag is None."""

    function: Optional[str]
    storage: Optional[int]
    tariff: Optional[int]
    device: Optional[int]
    unit: Optional[str]
    quantity: Optional[str]
    value: Optional[str]


@dataclasses.dataclass(frozen=True)
class XmlFrame:
    """libmbus's output for one frame: the ``<SlaveInformation>`` fields and the records."""

    slave: dict[str, str]
    records: list[XmlRecord]


@dataclasses.dataclass(frozen=True)
class Case:
    """One test frame: its name, what compteur decodes, libmbus's output and index row."""

    name: str
    frame: MbusFrame
    xml: XmlFrame
    row: dict[str, str]


def frames_dir() -> pathlib.Path:
    """The folder of the 76 test frames."""
    return corpus_path("mbus", "libmbus", "test-frames")


def read_hex(path: pathlib.Path) -> bytes:
    """A ``.hex`` file of the corpus (bytes as hex pairs separated by spaces)."""
    return bytes.fromhex(path.read_text())


def read_xml(path: pathlib.Path) -> XmlFrame:
    """libmbus's XML (UTF-8 bytes, although its declaration says ISO-8859-1)."""
    text = path.read_bytes().decode("utf-8")
    if text.startswith("<?xml"):
        text = text.split("?>", 1)[1]
    root = ET.fromstring(text)

    def number(el: ET.Element, tag: str) -> Optional[int]:
        found = el.findtext(tag)
        return None if found is None else int(found)

    slave_el = root.find("SlaveInformation")
    slave = {} if slave_el is None else {c.tag: c.text or "" for c in slave_el}
    records = [
        XmlRecord(
            function=el.findtext("Function"),
            storage=number(el, "StorageNumber"),
            tariff=number(el, "Tariff"),
            device=number(el, "Device"),
            unit=el.findtext("Unit"),
            quantity=el.findtext("Quantity"),
            value=el.findtext("Value"),
        )
        for el in root.iter("DataRecord")
    ]
    return XmlFrame(slave, records)


def read_index() -> dict[str, dict[str, str]]:
    """The ``test-frames`` rows of ``libmbus_index.tsv`` by frame name."""
    lines = corpus_path("mbus", "libmbus_index.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    # the index carries the degree sign encoded twice
    return {
        r["name"]: {k: v.replace("Â°", "°") for k, v in r.items()}
        for r in rows
        if r["dir"] == "test-frames"
    }


def cases() -> list[Case]:
    """Every test frame, decoded, with libmbus's output, sorted by name."""
    directory = frames_dir()
    index = read_index()
    out = []
    for path in sorted(directory.glob("*.hex")):
        name = path.stem
        out.append(
            Case(
                name=name,
                frame=decode_frame(read_hex(path)),
                xml=read_xml(directory / f"{name}.norm.xml"),
                row=index[name],
            )
        )
    return out


def is_number(text: Optional[str]) -> bool:
    """libmbus's rendering of a number (``%f``: always with a decimal point)."""
    return text is not None and re.fullmatch(r"-?[0-9]*\.[0-9]+", text) is not None


def close(ours: float, theirs: float) -> bool:
    """Equal up to libmbus's six decimals (or a relative 1e-9 for large values)."""
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=5e-7)


def libmbus_unit(r: MbusRecord) -> str:
    """The unit string libmbus prints for a record compteur decodes."""
    if r.quantity in LIBMBUS_UNIT_OF_QUANTITY:
        return LIBMBUS_UNIT_OF_QUANTITY[r.quantity]
    assert r.unit in LIBMBUS_UNIT, f"no libmbus name for the unit {r.unit!r}"
    return LIBMBUS_UNIT[r.unit]


def libmbus_date(value: Union[float, str, None]) -> Optional[str]:
    """libmbus's rendering of compteur's date (``2014-03-13``) or date-time
    (``2014-03-13T11:11:00`` becomes ``2014-03-13T11:11:00Z``); None for other values."""
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return None
    return value + "Z" if "T" in value else value


def type_f(value: str) -> int:
    """The type F (EN 13757-3 annex A) encoding of a date-time, as a little-endian integer, with
    no flag set: the number libmbus prints for a type F field read as a type B integer."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):00", value)
    assert match, value
    year, month, day, hour, minute = (int(g) for g in match.groups())
    yy = year % 100
    data = bytes([minute, hour, day | (yy & 0x07) << 5, month | (yy >> 3) << 4])
    return int.from_bytes(data, "little")


def test_corpus_has_76_frames_that_all_decode() -> None:
    all_cases = cases()
    assert len(all_cases) == 76
    assert all(isinstance(c.frame, MbusFrame) for c in all_cases)


def test_header_fields_match_the_index_and_libmbus() -> None:
    checked_ids = 0
    for c in cases():
        f, row = c.frame, c.row
        assert f"{f.c:02X}" == row["C"], c.name
        assert f"{f.ci:02X}" == row["CI"], c.name
        if c.name in FIXED_FRAMES:
            # CI 73: the fixed data structure has an id and a medium, no manufacturer
            assert f.ci == 0x73 and f.manufacturer is None, c.name
            assert f.id == c.xml.slave["Id"].zfill(8), c.name
            assert f.medium is not None, c.name
            continue
        assert f.ci in (0x72, 0x76, 0x7A), c.name
        assert f.manufacturer == row["manufacturer"], c.name
        assert f.medium is not None, c.name
        assert LIBMBUS_MEDIUM[f.medium] == row["medium"], c.name
        assert LIBMBUS_MEDIUM[f.medium] == c.xml.slave["Medium"], c.name
        libmbus_id = c.xml.slave["Id"]
        if f.id is None:
            # not BCD: libmbus prints the hex digits, decode_frame gives None
            assert not libmbus_id.isdigit() or len(libmbus_id) != 8, c.name
        else:
            assert f.id == libmbus_id.zfill(8), c.name
            checked_ids += 1
    assert checked_ids == 72


def test_header_details_match_libmbus() -> None:
    """Version, access number, status and signature against libmbus's ``<SlaveInformation>``
    (status and signature in hex there); the fixed structure has no version or signature."""
    checked = 0
    for c in cases():
        f, slave = c.frame, c.xml.slave
        assert f.offset == 0, c.name
        assert f.access_number == int(slave["AccessNumber"]), c.name
        assert f.status == int(slave["Status"], 16), c.name
        if c.name in FIXED_FRAMES:
            assert (f.version, f.signature) == (None, None), c.name
        else:
            assert f.version == int(slave["Version"]), c.name
            assert f.signature == int(slave["Signature"], 16), c.name
        checked += 1
    assert checked == 76


def test_record_bytes_are_where_the_offsets_say() -> None:
    """Each record's DIB and VIB are the frame's bytes at its offset, the records follow each
    other, and the DIB's extension bits say where it ends (a DIF or DIFE below 0x80 ends it)."""
    checked = 0
    for c in cases():
        data = read_hex(frames_dir() / f"{c.name}.hex")
        previous_end = 0
        for i, r in enumerate(c.frame.records):
            where = f"{c.name} #{i}"
            if c.name in FIXED_FRAMES:
                # the counters: four bytes each after the 8 header bytes of the user data
                assert (r.dib, r.vib, r.offset) == ("", "", 7 + 8 + 4 * i), where
                continue
            dib, vib = bytes.fromhex(r.dib), bytes.fromhex(r.vib)
            assert r.offset >= previous_end, where
            assert data[r.offset : r.offset + len(dib) + len(vib)] == dib + vib, where
            assert all(b & 0x80 for b in dib[:-1]) and not dib[-1] & 0x80, where
            assert vib, where
            previous_end = r.offset + len(dib) + len(vib)
            checked += 1
    assert checked == PYTHON_RECORDS - 4


def test_plain_text_units_match_libmbus() -> None:
    """A plain-text VIF's unit is the meter's text, which libmbus prints as the quantity."""
    seen = 0
    for c in cases():
        for r, x in zip(c.frame.records, c.xml.records):
            if r.quantity == "plain_text":
                assert r.unit == x.quantity and r.unit, c.name
                assert r.vib.startswith(("7C", "FC")), c.name
                seen += 1
    assert seen > 0


def test_records_line_up_with_libmbus() -> None:
    """libmbus's records are compteur's, then the DIF 0F/1F block (see the module docstring)."""
    libmbus_total = python_total = blocks = 0
    for c in cases():
        ours, theirs = c.frame.records, c.xml.records
        assert len(theirs) == int(c.row["records"]), c.name
        libmbus_total += len(theirs)
        python_total += len(ours)
        if c.name in FIXED_FRAMES:
            assert len(ours) == len(theirs) == 2, c.name
            continue
        tail = theirs[len(ours) :]
        assert all(x.function in MANUFACTURER_BLOCK for x in tail), c.name
        # DIF 0F/1F ends the records: at most one block, and only at the end
        assert len(tail) <= 1, c.name
        assert not any(x.function in MANUFACTURER_BLOCK for x in theirs[: len(ours)]), c.name
        blocks += len(tail)
        if tail:
            # libmbus prints the block's bytes as spaced hex pairs (empty for none)
            assert c.frame.manufacturer_data == (tail[0].value or "").replace(" ", ""), c.name
            assert c.frame.more_records_follow == (tail[0].function == "More records follow")
        else:
            assert c.frame.manufacturer_data is None and not c.frame.more_records_follow
    assert (libmbus_total, python_total, blocks) == (
        LIBMBUS_RECORDS,
        PYTHON_RECORDS,
        MANUFACTURER_BLOCKS,
    )


def test_values_match_libmbus() -> None:
    compared = agree = dates = dates_agree = 0
    differences: list[tuple[str, int, str]] = []
    invalid_dates: list[tuple[str, int, str]] = []
    unexplained: list[str] = []
    explained = {(e.frame, e.index): e for e in EXPLAINED}
    fixed_seen = []
    for c in cases():
        if c.name in FIXED_FRAMES:
            got = tuple((x.value, x.unit) for x in c.xml.records)
            assert got == FIXED_FRAMES[c.name], c.name
            for r, x in zip(c.frame.records, c.xml.records):
                assert x.value is not None and x.unit is not None
                unit, factor = FIXED_UNITS[x.unit]
                compared += 1
                assert r.raw == int(x.value), c.name
                if r.unit == unit and isinstance(r.value, float):
                    assert close(r.value, float(x.value) * factor), c.name
                    agree += 1
            fixed_seen.append(c.name)
            continue
        for i, (r, x) in enumerate(zip(c.frame.records, c.xml.records)):
            where = f"{c.name} #{i}"
            if x.function is None:
                # libmbus prints an empty record for VIF 7B without its extension byte
                # (sen_pollutherm #2); compteur decodes it as a reserved VIF
                assert (c.name, i, r.quantity) == ("sen_pollutherm", 2, "reserved"), where
                continue
            e = explained.get((c.name, i))
            if e is not None:
                # libmbus prints a number where compteur decodes the date the VIFE 6F means
                assert is_number(x.value) and x.value is not None, where
                compared += 1
                assert r.value == e.value and r.raw == e.value and r.unit is None, where
                assert close(type_f(e.value) * 10.0**e.exponent, float(x.value)), where
                differences.append((c.name, i, e.reason))
                continue
            assert LIBMBUS_FUNCTION[r.function] == x.function, where
            if x.storage is not None:
                assert r.storage == x.storage, where
            if x.tariff is not None:
                assert r.tariff == x.tariff, where
            if x.device is not None:
                assert r.subunit == x.device, where
            ours_date = libmbus_date(r.value)
            if ours_date is not None:
                dates += 1
                assert r.quantity in ("date", "date_time"), where
                assert libmbus_unit(r) == x.unit, where
                if ours_date == x.value:
                    assert not r.invalid, where
                    dates_agree += 1
                else:
                    assert isinstance(r.value, str), where
                    assert x.value == "1900-01-00T00:00:00Z", where
                    # libmbus's sentinel for a time marked invalid; compteur flags it
                    assert r.invalid, where
                    dates_agree += 1
                    # the frame holds the type F field of this date with the IV bit set
                    iv = (type_f(r.value) | 0x80).to_bytes(4, "little")
                    assert iv in read_hex(frames_dir() / f"{c.name}.hex"), where
                    invalid_dates.append((c.name, i, r.value))
                continue
            if not is_number(x.value) or (x.unit == "" and x.quantity == ""):
                continue
            assert x.value is not None
            compared += 1
            if (
                isinstance(r.value, float)
                and close(r.value, float(x.value))
                and libmbus_unit(r) == x.unit
            ):
                agree += 1
            else:
                unexplained.append(
                    f"{where}: libmbus {x.value} {x.unit!r} ({x.quantity}), "
                    f"compteur {r.value!r} {r.unit!r} ({r.quantity})"
                )
    assert unexplained == []
    assert sorted(fixed_seen) == sorted(FIXED_FRAMES)
    assert (compared, agree) == (COMPARED, AGREE)
    assert (dates, dates_agree) == (DATES, DATES_AGREE)
    assert tuple(invalid_dates) == INVALID_DATES
    assert differences == [(e.frame, e.index, e.reason) for e in EXPLAINED]


def test_to_dict_is_the_records() -> None:
    for c in cases():
        d = c.frame.to_dict()
        assert d["kind"] == "mbus" and d["offset"] == 0
        assert (d["c"], d["a"], d["ci"]) == (c.frame.c, c.frame.a, c.frame.ci)
        assert (d["id"], d["manufacturer"], d["medium"]) == (
            c.frame.id,
            c.frame.manufacturer,
            c.frame.medium,
        )
        assert (d["version"], d["access_number"], d["status"], d["signature"]) == (
            c.frame.version,
            c.frame.access_number,
            c.frame.status,
            c.frame.signature,
        )
        assert (d["manufacturer_data"], d["more_records_follow"]) == (
            c.frame.manufacturer_data,
            c.frame.more_records_follow,
        )
        records = d["records"]
        assert isinstance(records, list)
        assert records == [
            {
                "offset": r.offset,
                "dib": r.dib,
                "vib": r.vib,
                "value": r.value,
                "unit": r.unit,
                "quantity": r.quantity,
                "storage": r.storage,
                "tariff": r.tariff,
                "subunit": r.subunit,
                "function": r.function,
                "raw": r.raw,
                # the flag appears in the JSON only when it is set
                **({"invalid": True} if r.invalid else {}),
            }
            for r in c.frame.records
        ], c.name


def test_error_frames_raise_decode_error() -> None:
    """The 10 malformed frames of ``error-frames`` (the ones without XML) raise DecodeError."""
    directory = corpus_path("mbus", "libmbus", "error-frames")
    malformed = sorted(p for p in directory.glob("*.hex") if not p.with_suffix(".xml").exists())
    assert len(malformed) == 10
    for path in malformed:
        try:
            decode_frame(read_hex(path))
        except compteur.DecodeError as err:
            assert err.layer == "mbus", path.stem
            assert str(err), path.stem
        else:
            raise AssertionError(f"{path.stem} decoded")


def test_application_error_frames_decode_without_records() -> None:
    """The 10 CI 70 frames (application errors, with libmbus's XML) are valid responses.

    ``MbusFrame`` does not expose the error code of the status byte: only CI 70 and the empty
    record list tell them apart from a response with data."""
    directory = corpus_path("mbus", "libmbus", "error-frames")
    with_xml = sorted(p.with_suffix(".hex") for p in directory.glob("*.xml"))
    assert len(with_xml) == 10
    for path in with_xml:
        frame = decode_frame(read_hex(path))
        assert (frame.c, frame.a, frame.ci) == (0x08, 1, 0x70), path.stem
        assert frame.records == [] and frame.id is None, path.stem
        assert read_xml(path.with_suffix(".xml")).slave["Error"], path.stem


def test_unsupported_frames() -> None:
    """What the 7 frames libmbus lists as unsupported are, through ``decode_frame``."""
    directory = corpus_path("mbus", "libmbus", "unsupported-frames")

    def load(name: str) -> bytes:
        # manual_frame1 starts with a lone nibble "D": read each token as one byte
        tokens = (directory / f"{name}.hex").read_text().split()
        return bytes(int(t, 16) for t in tokens)

    def error(name: str) -> compteur.DecodeError:
        try:
            decode_frame(load(name))
        except compteur.DecodeError as err:
            assert err.layer == "mbus", name
            return err
        raise AssertionError(f"{name} decoded")

    assert len(list(directory.glob("*.hex"))) == 7
    err = error("invalid_length")
    assert err.offset == 1 and "length field 0" in str(err)
    err = error("invalid_length2")
    assert err.offset == 22 and "fixed data structure" in str(err)
    err = error("manual_frame1")
    assert "0D" in str(err).upper()
    for name in ("manual_frame4", "manual_frame5", "manual_frame6"):
        err = error(name)
        # the C field (offset 4) says the frame comes from the master
        assert "from the master" in str(err) and err.offset == 4, name
    # a valid RSP_UD whose only record is a DIF 1F block (more records follow)
    frame = decode_frame(load("svm_f22_telegram2"))
    assert (frame.ci, frame.records) == (0x72, [])
