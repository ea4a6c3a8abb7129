#!/usr/bin/env python3
"""Times compteur's meter client against the Gurux client doing the same reads.

    python3 tests/interop/compare_client.py HOST:PORT [--repeat N]

Both clients read, N times in one association (public client 16, HDLC over TCP): the clock,
the 16 registers of tests/interop/README.md and entries 577..816 of the load profile
1-0:99.1.0 with its capture objects (on the Gurux meter the 240 rows from
2026-04-10T00:00:00+02:00 to 2026-04-12T11:45:00+02:00). The Gurux side is `gurux_client.py --repeat N` (run with $COMPTEUR_PYTHON, default
.venv/bin/python); the compteur side is the `client` bench binary in its comparison mode
(`COMPTEUR_COMPARE=N COMPTEUR_METER=HOST:PORT cargo bench -p compteur-benches --bench client`),
which prints the same kind of `done` line. Wall times exclude process start-up on both sides.

Point HOST:PORT at any server both can read: `tests/interop/gurux_meter.py --port 0`, or the
compteur simulator (`compteur simulate --tcp 127.0.0.1:0`). Prints one JSON line per client
and a summary line with the ratio.
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REGISTERS = [
    "1.8.0", "2.8.0", "1.8.1", "1.8.2", "3.8.0", "4.8.0", "1.7.0", "2.7.0",
    "32.7.0", "52.7.0", "72.7.0", "31.7.0", "51.7.0", "71.7.0", "13.7.0", "14.7.0",
]


def last_json(text, what):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            obj = json.loads(line)
            if obj.get("kind") == "done":
                return obj
            if obj.get("kind") == "error":
                sys.exit(f"{what}: {obj.get('error')}")
    sys.exit(f"{what}: no done line in its output:\n{text}")


def gurux(addr, repeat, python):
    cmd = [python, os.path.join(HERE, "gurux_client.py"), "--tcp", addr,
           "--read", "8/0-0:1.0.0*255/2"]
    for r in REGISTERS:
        cmd += ["--read", f"3/1-0:{r}*255/2"]
    cmd += ["--profile", "1-0:99.1.0", "--entries", "577..816", "--repeat", str(repeat)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"gurux_client.py failed ({out.returncode}): {out.stderr}{out.stdout[-500:]}")
    return last_json(out.stdout, "gurux_client.py")


def compteur(addr, repeat):
    env = dict(os.environ, COMPTEUR_COMPARE=str(repeat), COMPTEUR_METER=addr)
    cmd = ["cargo", "bench", "-q", "-p", "compteur-benches", "--bench", "client"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, check=False)
    if out.returncode != 0:
        sys.exit(f"compteur client bench failed ({out.returncode}): {out.stderr[-2000:]}")
    return last_json(out.stdout, "compteur")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("addr", metavar="HOST:PORT")
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--python", default=os.environ.get(
        "COMPTEUR_PYTHON", os.path.join(ROOT, ".venv", "bin", "python")))
    a = p.parse_args()
    g = gurux(a.addr, a.repeat, a.python)
    c = compteur(a.addr, a.repeat)
    print(json.dumps({"client": "gurux", **g}))
    print(json.dumps({"client": "compteur", **c}))
    print(json.dumps({
        "kind": "summary", "repeat": a.repeat,
        "gurux_reads_s": g["reads_s"], "compteur_reads_s": c["reads_s"],
        "speedup_reads": round(g["reads_s"] / c["reads_s"], 2) if c["reads_s"] else None,
        "speedup_elapsed": round(g["elapsed_s"] / c["elapsed_s"], 2) if c["elapsed_s"] else None,
    }))


if __name__ == "__main__":
    main()
