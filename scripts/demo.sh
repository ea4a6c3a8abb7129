#!/usr/bin/env bash
# `make demo`: the main job on the built-in simulated E450, no hardware needed.
#
# Starts `compteur simulate` (a virtual E450 on 127.0.0.1 with its customer-interface push
# generator), reads it like a real meter over TCP, listens to its encrypted pushes, and decodes
# a real E450 capture. Everything stops when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPTEUR=${COMPTEUR:-./target/debug/compteur}
PYTHON=${PYTHON:-python3}
# The Green Book example keys: the simulator encrypts and authenticates its pushes with them.
KEY=000102030405060708090A0B0C0D0E0F
AUTH_KEY=D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF

ready=$(mktemp)
"$COMPTEUR" simulate --tcp 127.0.0.1:0 --push-listen 127.0.0.1:0 --push-interval 1 \
  --push-key "$KEY" --push-auth-key "$AUTH_KEY" --json >"$ready" &
sim=$!
trap 'kill "$sim" 2>/dev/null || true; rm -f "$ready"' EXIT

for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.1; done
field() { head -1 "$ready" | "$PYTHON" -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
meter=$(field tcp)
push=$(field push)
push=${push#tcp-listen:}

echo "== compteur simulate: a virtual Landis+Gyr E450 answers at $meter, pushes on $push =="
echo
echo "== compteur read: registers and the clock, as the public client (16) =="
"$COMPTEUR" read --tcp "$meter" 1-0:1.8.0 1-0:2.8.0 1-0:1.7.0 1-0:2.7.0 1-0:32.7.0 1-0:52.7.0 \
  1-0:72.7.0 1-0:31.7.0 0-0:1.0.0 0-0:96.1.0
echo
echo "== the same over HLS-GMAC as the management client (1), in JSON =="
"$COMPTEUR" read --tcp "$meter" --client 1 --auth high-gmac --key "$KEY" --auth-key "$AUTH_KEY" \
  --system-title 4D4D4D0000000001 --json 1-0:1.8.0 0-0:1.0.0
echo
echo "== compteur profile: the last eight 15-minute rows of the load profile =="
"$COMPTEUR" profile --tcp "$meter" 1-0:99.1.0 --entries 5753..5760
echo
echo "== compteur listen: three live pushes from the customer interface (SC 0x30, tag verified) =="
"$COMPTEUR" listen --tcp "$push" --key "$KEY" --auth-key "$AUTH_KEY" --count 3
echo "== compteur decode: a real E450 push (Graz layout, AES-GCM encrypted and authenticated) =="
"$COMPTEUR" decode --key-file e450/testdata/graz_e450_push.keys.toml "$(cat e450/testdata/graz_e450_push.hex)"
echo "== compteur obis: what the codes mean =="
"$COMPTEUR" obis 1-1:1.8.0 1-0:32.7.0 0-0:96.1.0
