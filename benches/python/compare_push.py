#!/usr/bin/env python3
"""E450 customer-interface pushes decoded from Python: compteur against gurux-dlms, side by
side in one run.

    .venv/bin/python benches/python/compare_push.py [--seconds S]

Inputs, both decoded by both libraries down to the pushed values:

- `frame227`: one 227-byte HDLC UI frame carrying a data-notification with 15 OBIS/value
  pairs (the frame of the Rust push bench, built here byte by byte, CRC included);
- `ekz_gbt`: the EKZ E450 push of the public corpus (`scs_unencrypted_valid_data1`, three
  HDLC frames of general-block-transfer, self-describing body).

compteur: `compteur.decode_push(data)` to `Reading` objects. Gurux: `GXDLMSClient.getData`
(HDLC interface) over the same bytes until the notification is complete. Prints the mean time
per decode of each and the ratio.
"""

import argparse
import json
import pathlib
import sys
import time
from typing import Callable

import compteur
from gurux_dlms import GXByteBuffer, GXDLMSClient, GXReplyData
from gurux_dlms.enums import Authentication, InterfaceType

REPO = pathlib.Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "e450_cii.json"


def fcs16(data: bytes) -> bytes:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    crc ^= 0xFFFF
    return bytes([crc & 0xFF, crc >> 8])


def frame227() -> bytes:
    apdu = bytearray([0x0F, 0x00, 0x0A, 0xCC, 0x80, 0x0C])
    apdu += bytes([0x07, 0xE7, 0x0B, 0x0A, 0x05, 0x0A, 0x3A, 0x15, 0xFF, 0x80, 0x00, 0x00])
    apdu += bytes([0x02, 30])
    registers = [(1, 8, 0), (1, 8, 1), (1, 8, 2), (2, 8, 0), (2, 8, 1), (2, 8, 2), (3, 8, 0),
                 (4, 8, 0), (1, 7, 0), (2, 7, 0), (31, 7, 0), (51, 7, 0), (71, 7, 0)]
    for i, (c, d, e) in enumerate(registers):
        apdu += bytes([0x09, 0x06, 1, 0, c, d, e, 0xFF, 0x06]) + (12_048_945 + i * 1000).to_bytes(4, "big")
    apdu += bytes([0x09, 0x06, 1, 0, 32, 7, 0, 0xFF, 0x12, 0x00, 0xEB])
    apdu += bytes([0x09, 0x06, 0, 0, 96, 1, 0, 0xFF, 0x09, 0x02]) + b"42"
    info = b"\xe6\xe7\x00" + bytes(apdu)
    # dest: server upper 0x67 lower 0x7F (2 bytes), src: client 1, control UI 0x13
    header = bytes([0xCE, 0xFF, 0x03, 0x13])
    length = 2 + len(header) + 2 + len(info) + 2
    fmt = bytes([0xA0 | (length >> 8), length & 0xFF])
    head = fmt + header
    body = head + fcs16(head) + info
    frame = b"\x7e" + body + fcs16(body) + b"\x7e"
    assert len(frame) == 227, len(frame)
    return frame


def gurux_decode(data: bytes) -> list[object]:
    client = GXDLMSClient(True, -1, -1, Authentication.NONE, None, InterfaceType.HDLC)
    buf = GXByteBuffer(data)
    reply, notify = GXReplyData(), GXReplyData()
    out: list[object] = []
    while buf.position < buf.size:
        before = buf.position
        client.getData(buf, reply, notify)
        if notify.complete and not notify.isMoreData():
            out.append(notify.value)
            notify.clear()
        if buf.position == before:
            break
    return out


def mean_time(fn: Callable[[], object], seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    inputs = {"frame227": frame227()}
    if CORPUS.exists():
        streams = json.loads(CORPUS.read_text())
        ekz = next(s for s in streams if s["name"] == "scs_unencrypted_valid_data1")
        inputs["ekz_gbt"] = bytes.fromhex(ekz["stream_hex"])
    for name, data in inputs.items():
        (reading,) = compteur.decode_push(data)
        values = gurux_decode(data)
        assert len(values) == 1, f"gurux decoded {len(values)} notifications from {name}"
        assert len(reading.values) >= 5
        ours = mean_time(lambda: compteur.decode_push(data), args.seconds)
        theirs = mean_time(lambda: gurux_decode(data), args.seconds)
        print(json.dumps({
            "kind": "push", "input": name, "bytes": len(data), "values": len(reading.values),
            "compteur_us": round(ours * 1e6, 2), "gurux_us": round(theirs * 1e6, 1),
            "speedup": round(theirs / ours, 1),
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
