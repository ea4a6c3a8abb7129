#!/usr/bin/env python3
"""A 2,880-row load profile in 75 GET datablocks, decoded to rows with date-times from Python:
compteur against gurux-dlms, side by side in one run.

    .venv/bin/python benches/python/compare_profile.py [--repeat N]

Both get the same 75 `get-response-with-datablock` APDUs (built here byte by byte: rows of
{clock octet-string, double-long-unsigned, double-long-unsigned}, 15 minutes apart) and must
return the 2,880 rows with the clock as a date-time object: compteur with
`compteur.dlms.decode_datablocks(apdus, datetime_columns=[0])` (`datetime`), Gurux with
`GXDLMSClient.getData` over the blocks (PDU interface) and `GXDLMSClient.changeType` of each
clock to `GXDateTime`. Prints the best time of N runs of each, the ratio, and the peak extra
memory of the compteur decode (tracemalloc) next to the size of what it returns.
"""

import argparse
import datetime
import json
import sys
import time
import tracemalloc

import compteur
from gurux_dlms import GXByteBuffer, GXDLMSClient, GXReplyData
from gurux_dlms.enums import DataType, InterfaceType


def profile_blocks(rows: int, block_size: int) -> tuple[list[bytes], list[tuple[datetime.datetime, int, int]]]:
    start = datetime.datetime(2026, 3, 1, 0, 0)
    body = bytearray(b"\x01\x82" + rows.to_bytes(2, "big"))
    expected = []
    for i in range(rows):
        t = start + datetime.timedelta(minutes=15 * i)
        clock = (
            t.year.to_bytes(2, "big")
            + bytes([t.month, t.day, t.isoweekday(), t.hour, t.minute, t.second, 0])
            + b"\x80\x00\x00"
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
        apdus.append(b"\xc4\x02\xc1" + bytes([last]) + n.to_bytes(4, "big") + b"\x00" + axdr_len + chunk)
    return apdus, expected


def gurux_decode(apdus: list[bytes]) -> list[tuple[object, ...]]:
    client = GXDLMSClient(True, 16, 1, interfaceType=InterfaceType.PDU)
    reply = GXReplyData()
    for apdu in apdus:
        client.getData(GXByteBuffer(apdu), reply)
        # What a Gurux client does when it asks for the next block.
        client.settings.increaseBlockIndex()
    rows = []
    for row in reply.value:
        clock = GXDLMSClient.changeType(row[0], DataType.DATETIME)
        rows.append((clock, row[1], row[2]))
    return rows


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    apdus, expected = profile_blocks(2880, 1000)
    assert len(apdus) == 75

    ours = compteur.dlms.decode_datablocks(apdus, datetime_columns=[0])
    assert ours == expected, "compteur decoded other rows"
    theirs = gurux_decode(apdus)
    assert len(theirs) == 2880
    first = theirs[0][0]
    assert (first.value.year, first.value.month, first.value.day) == (2026, 3, 1)
    assert [r[1] for r in theirs] == [r[1] for r in expected], "gurux decoded other values"

    t_ours = best(lambda: compteur.dlms.decode_datablocks(apdus, datetime_columns=[0]), args.repeat)
    t_gurux = best(lambda: gurux_decode(apdus), max(3, args.repeat // 5))

    tracemalloc.start()
    rows = compteur.dlms.decode_datablocks(apdus, datetime_columns=[0])
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del rows

    print(
        json.dumps(
            {
                "kind": "profile",
                "rows": 2880,
                "datablocks": len(apdus),
                "bytes": sum(len(a) for a in apdus),
                "compteur_ms": round(t_ours * 1e3, 3),
                "gurux_ms": round(t_gurux * 1e3, 3),
                "speedup": round(t_gurux / t_ours, 1),
                "compteur_result_bytes": current,
                "compteur_peak_bytes": peak,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
