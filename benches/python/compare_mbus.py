#!/usr/bin/env python3
"""The 76 libmbus test frames decoded from Python, every record's value taken: compteur
against pyMeterBus, side by side in one run.

    .venv/bin/python benches/python/compare_mbus.py [--seconds S]

compteur: `compteur.mbus.decode_frame(frame).records` and `record.value` of each record (the
value is converted to a Python object when it is read). pyMeterBus: `meterbus.load(frame)` and
`record.value` of each record. Both run over the frames both decode (pyMeterBus rejects a
few); prints the mean time per pass over them and the ratio.
"""

import argparse
import json
import pathlib
import sys
import time

import compteur
import meterbus

CORPUS = pathlib.Path(__file__).resolve().parents[3] / "shared" / "corpus" / "mbus" / "libmbus" / "test-frames"


def ours(frames: list[bytes]) -> int:
    n = 0
    for f in frames:
        n += len([r.value for r in compteur.mbus.decode_frame(f).records])
    return n


def theirs(frames: list[bytes]) -> int:
    n = 0
    for f in frames:
        telegram = meterbus.load(f)
        n += len([r.value for r in telegram.records])
    return n


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    frames = [bytes.fromhex("".join(p.read_text().split()))
              for p in sorted(CORPUS.glob("*.hex"))]
    both = []
    for f in frames:
        try:
            theirs([f])
        except Exception:  # pyMeterBus rejects some valid frames
            continue
        both.append(f)

    def mean(fn) -> float:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < args.seconds:
            fn(both)
            n += 1
        return (time.perf_counter() - start) / n

    t_ours, t_theirs = mean(ours), mean(theirs)
    print(json.dumps({
        "kind": "mbus", "frames": len(frames), "compared_frames": len(both),
        "records": ours(both), "compteur_us": round(t_ours * 1e6, 1),
        "pymeterbus_us": round(t_theirs * 1e6, 1), "speedup": round(t_theirs / t_ours, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
