"""Decode and encode DLMS values and APDUs with gurux-dlms, for the differential test.

Reads one command per line on stdin and answers one line per command on stdout:

    D <hex>            Data -> Gurux dataToXml -> "OK <meaning>"
    P <hex>            APDU -> Gurux pduToXml -> xmlToPdu -> "OK <hex or -> <xml on one line>"
    G <seed> <count>   Gurux encodes <count> random values: <count> lines "OK <hex> <meaning>"

Errors are answered "ERR <message>". The meaning is a canonical text both sides compute:
"null", "b:0|1", "bs:<bits>", "<tag>:<decimal>" for integers and enums, "<tag>:<HEX>" for
strings, floats (IEEE bits), date-time and time, "S(...)" and "A(...)" for structures and
arrays.
"""

import random
import struct
import sys
import xml.etree.ElementTree as ET

from gurux_dlms import GXByteBuffer, GXDLMSTranslator, GXDLMSSettings
from gurux_dlms.GXBitString import GXBitString
from gurux_dlms.GXArray import GXArray
from gurux_dlms.GXStructure import GXStructure
from gurux_dlms.GXEnum import GXEnum
from gurux_dlms.GXFloat32 import GXFloat32
from gurux_dlms.GXFloat64 import GXFloat64
from gurux_dlms.GXInt8 import GXInt8
from gurux_dlms.GXInt16 import GXInt16
from gurux_dlms.GXInt32 import GXInt32
from gurux_dlms.GXInt64 import GXInt64
from gurux_dlms.GXUInt8 import GXUInt8
from gurux_dlms.GXUInt16 import GXUInt16
from gurux_dlms.GXUInt32 import GXUInt32
from gurux_dlms.GXUInt64 import GXUInt64
from gurux_dlms.enums import DataType, TranslatorOutputType
from gurux_dlms.internal._GXCommon import _GXCommon

TRANSLATOR = GXDLMSTranslator(TranslatorOutputType.SIMPLE_XML)

INTS = {
    "Int32": (5, 32, True),
    "UInt32": (6, 32, False),
    "Int8": (15, 8, True),
    "Int16": (16, 16, True),
    "UInt8": (17, 8, False),
    "UInt16": (18, 16, False),
    "Int64": (20, 64, True),
    "UInt64": (21, 64, False),
    "Enum": (22, 8, False),
    "BCD": (13, 8, False),
}
HEXES = {"OctetString": 9, "Float32": 23, "Float64": 24, "DateTime": 25, "Time": 27}
TEXTS = {"String": 10, "StringUTF8": 12}


def text_hex(value):
    parts = value.split(" ")
    if len(parts) > 1 and all(len(p) == 2 for p in parts):
        return "".join(parts).upper()
    return value.encode("utf-8").hex().upper()


def meaning_of_xml(node):
    tag, value = node.tag, node.get("Value")
    if tag == "None":
        return "null"
    if tag in ("Structure", "Array"):
        inner = ",".join(meaning_of_xml(c) for c in node)
        return ("S(" if tag == "Structure" else "A(") + inner + ")"
    if tag == "Boolean":
        return "b:" + ("1" if value == "True" else "0")
    if tag == "BitString":
        return "bs:" + value
    if tag in INTS:
        number, bits, signed = INTS[tag]
        v = int(value, 16)
        if signed and v >= 1 << (bits - 1):
            v -= 1 << bits
        return "%d:%d" % (number, v)
    if tag in HEXES:
        return "%d:%s" % (HEXES[tag], value.upper())
    if tag in TEXTS:
        return "%d:%s" % (TEXTS[tag], text_hex(value))
    raise ValueError("unexpected XML element " + tag)


def data_to_meaning(hexstr):
    xml = TRANSLATOR.dataToXml(GXByteBuffer(bytes.fromhex(hexstr)))
    return meaning_of_xml(ET.fromstring(xml))


def pdu_round_trip(hexstr):
    """Gurux's XML of the APDU, and its re-encoding of that XML ("-" when that fails)."""
    xml = TRANSLATOR.pduToXml(GXByteBuffer(bytes.fromhex(hexstr)))
    try:
        back = GXByteBuffer.hex(TRANSLATOR.xmlToPdu(xml), False)
    except Exception:  # its XML reader has gaps; the XML itself still shows the meaning
        back = "-"
    return back + " " + " ".join(xml.split())


def gen(rng, depth):
    """A random value as (DataType, gurux value, meaning)."""
    kinds = ["u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "enum", "bool", "octets",
             "string", "f32", "f64", "null", "bits"]
    if depth < 3:
        kinds += ["struct", "array"] * 2
    k = rng.choice(kinds)
    if k in ("struct", "array"):
        items = [gen(rng, depth + 1) for _ in range(rng.randrange(0, 5))]
        value = GXStructure() if k == "struct" else GXArray()
        for _, v, _ in items:
            value.append(v)
        inner = ",".join(m for _, _, m in items)
        return (DataType.STRUCTURE if k == "struct" else DataType.ARRAY, value,
                ("S(" if k == "struct" else "A(") + inner + ")")
    ints = {
        "u8": (DataType.UINT8, GXUInt8, 17, 0, 255),
        "i8": (DataType.INT8, GXInt8, 15, -128, 127),
        "u16": (DataType.UINT16, GXUInt16, 18, 0, 65535),
        "i16": (DataType.INT16, GXInt16, 16, -32768, 32767),
        "u32": (DataType.UINT32, GXUInt32, 6, 0, 2**32 - 1),
        "i32": (DataType.INT32, GXInt32, 5, -2**31, 2**31 - 1),
        "u64": (DataType.UINT64, GXUInt64, 21, 0, 2**63 - 1),
        "i64": (DataType.INT64, GXInt64, 20, -2**63, 2**63 - 1),
        "enum": (DataType.ENUM, GXEnum, 22, 0, 127),
    }
    if k in ints:
        dt, cls, number, lo, hi = ints[k]
        v = rng.randint(lo, hi)
        return dt, cls(v), "%d:%d" % (number, v)
    if k == "bool":
        v = rng.random() < 0.5
        return DataType.BOOLEAN, v, "b:" + ("1" if v else "0")
    if k == "octets":
        v = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 140)))
        return DataType.OCTET_STRING, v, "9:" + v.hex().upper()
    if k == "string":
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        v = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 20)))
        return DataType.STRING, v, "10:" + v.encode().hex().upper()
    if k == "f32":
        v = struct.unpack(">f", struct.pack(">f", rng.randint(-10**6, 10**6) / 8))[0]
        return DataType.FLOAT32, GXFloat32(v), "23:" + struct.pack(">f", v).hex().upper()
    if k == "f64":
        v = rng.randint(-10**12, 10**12) / 16
        return DataType.FLOAT64, GXFloat64(v), "24:" + struct.pack(">d", v).hex().upper()
    if k == "bits":
        # Whole bytes only: Gurux writes the bit count rounded up to a byte multiple.
        bits = "".join(rng.choice("01") for _ in range(8 * rng.randrange(1, 4)))
        return DataType.BITSTRING, GXBitString(bits), "bs:" + bits
    return DataType.NONE, None, "null"


def generate(seed, count):
    rng = random.Random(seed)
    settings = GXDLMSSettings(False, None)
    out = []
    for _ in range(count):
        dt, value, meaning = gen(rng, 0)
        buff = GXByteBuffer()
        _GXCommon.setData(settings, buff, dt, value)
        out.append("OK %s %s" % (GXByteBuffer.hex(buff, False), meaning))
    return out


def main():
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        try:
            if parts[0] == "D":
                answers = ["OK " + data_to_meaning(parts[1])]
            elif parts[0] == "P":
                answers = ["OK " + pdu_round_trip(parts[1])]
            elif parts[0] == "G":
                answers = generate(int(parts[1]), int(parts[2]))
            else:
                answers = ["ERR unknown command"]
        except Exception as e:  # the answer says what failed; the batch goes on
            answers = ["ERR " + repr(e).replace("\n", " ")]
        for a in answers:
            sys.stdout.write(a + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
