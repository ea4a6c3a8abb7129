#!/usr/bin/env python3
"""The cost of the stable ABI (abi3) on the date-time conversion paths.

    python benches/python/abi3_datetime.py [--repeat N]

Run it once with the default wheel and once with the abi3 one (`maturin build --release
--features abi3`), each installed in its own virtual environment (`make bench-abi3` does
both). It times the two paths that create `datetime`
objects: the 2,880-row profile (75 datablocks) decoded with the clock column as `datetime`,
and `Reading.timestamp` of a decoded E450 push. abi3 builds cannot use CPython's datetime C
API, so compteur creates those objects through the `datetime` module; this measures what
that costs. Prints one JSON line.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compteur  # noqa: E402
import compteur.dlms  # noqa: E402
from compare_profile import profile_blocks  # noqa: E402


def best(fn: "object", repeat: int, number: int) -> float:
    """The best time of `repeat` runs of `number` calls, per call, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) / number)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    apdus, expected = profile_blocks(2880, 512)
    rows = compteur.dlms.decode_datablocks(apdus, datetime_columns=[0])
    assert [tuple(r) for r in rows] == expected, "profile decodes wrong"

    with compteur.Simulator(history_days=1) as sim:
        frame = sim.push_frames()
    (reading,) = compteur.decode_push(frame)
    assert reading.timestamp is not None

    profile = best(lambda: compteur.dlms.decode_datablocks(apdus, datetime_columns=[0]), args.repeat, 5)
    timestamp = best(lambda: reading.timestamp, args.repeat, 20_000)
    push = best(lambda: compteur.decode_push(frame)[0].timestamp, args.repeat, 5_000)
    print(
        json.dumps(
            {
                "build": os.environ.get("COMPTEUR_BUILD", "installed"),
                "python": sys.version.split()[0],
                "profile_2880_rows_ms": round(profile * 1e3, 3),
                "reading_timestamp_ns": round(timestamp * 1e9, 1),
                "decode_push_and_timestamp_us": round(push * 1e6, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
