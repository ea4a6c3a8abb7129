#!/usr/bin/env bash
# Self-check of the interoperability peers: gurux_client.py against
# gurux_meter.py on 127.0.0.1. Not part of the default test run; run by hand:
#
#     bash tests/interop/selfcheck.sh            # uses .venv/bin/python
#     PYTHON=/path/to/python bash tests/interop/selfcheck.sh
#
# Starts the meter on a free port, runs the public, LLS and HLS-GMAC reads,
# checks exit codes and the values documented in README.md, checks that bad
# credentials are refused, stops the meter with SIGTERM and prints a summary
# line "N passed, M failed". Exit status 0 only if everything passed.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
TMP=$(mktemp -d)
METER_PID=

cleanup() {
    if [ -n "$METER_PID" ] && kill -0 "$METER_PID" 2>/dev/null; then
        kill -TERM "$METER_PID" 2>/dev/null
        wait "$METER_PID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

"$PY" "$HERE/gurux_meter.py" --port 0 >"$TMP/ready" 2>"$TMP/meter.log" &
METER_PID=$!
for _ in $(seq 100); do
    [ -s "$TMP/ready" ] && break
    sleep 0.1
done
TCP=$("$PY" -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); assert d["kind"]=="ready"; print(d["tcp"])' "$TMP/ready") || {
    echo "meter did not start:"; cat "$TMP/ready" "$TMP/meter.log"; exit 1; }
echo "meter ready on $TCP (pid $METER_PID)"

PASS=0
FAIL=0
REGS="1.8.0 2.8.0 1.8.1 1.8.2 3.8.0 4.8.0 1.7.0 2.7.0 32.7.0 52.7.0 72.7.0 31.7.0 51.7.0 71.7.0 13.7.0 14.7.0"
REG_ARGS=()
for r in $REGS; do REG_ARGS+=(--read "3/1-0:$r/2" --read "3/1-0:$r/3"); done

# run NAME EXPECTED_RC CHECK CLIENT-ARGS...  (CHECK: name of a check in check.py, or -)
run() {
    local name=$1 want=$2 check=$3
    shift 3
    "$PY" "$HERE/gurux_client.py" --tcp "$TCP" "$@" >"$TMP/$name.jsonl" 2>"$TMP/$name.err"
    local rc=$?
    local why=""
    if [ "$rc" != "$want" ]; then
        why="exit $rc, expected $want"
    elif [ "$check" != "-" ]; then
        why=$("$PY" "$TMP/check.py" "$check" "$TMP/$name.jsonl" 2>&1) || true
    fi
    if [ -z "$why" ]; then
        PASS=$((PASS + 1))
        echo "ok   $name $(tail -n 1 "$TMP/$name.jsonl" | cut -c1-120)"
    else
        FAIL=$((FAIL + 1))
        echo "FAIL $name: $why"
        tail -n 2 "$TMP/$name.jsonl" "$TMP/$name.err" | cut -c1-300
    fi
}

cat >"$TMP/check.py" <<'EOF'
import json, sys

REG = {
    "1-0:1.8.0*255": (482939, 0, 30), "1-0:2.8.0*255": (120573, 0, 30),
    "1-0:1.8.1*255": (301122, 0, 30), "1-0:1.8.2*255": (181817, 0, 30),
    "1-0:3.8.0*255": (53211, 0, 32), "1-0:4.8.0*255": (17402, 0, 32),
    "1-0:1.7.0*255": (1873, 0, 27), "1-0:2.7.0*255": (0, 0, 27),
    "1-0:32.7.0*255": (2301, -1, 35), "1-0:52.7.0*255": (2298, -1, 35),
    "1-0:72.7.0*255": (2315, -1, 35), "1-0:31.7.0*255": (412, -2, 33),
    "1-0:51.7.0*255": (187, -2, 33), "1-0:71.7.0*255": (259, -2, 33),
    "1-0:13.7.0*255": (987, -3, 255), "1-0:14.7.0*255": (5001, -2, 44),
}
CLOCK = "2026-05-04T11:39:20+02:00"


def row(i):
    import datetime
    t = datetime.datetime(2026, 4, 4, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    t += datetime.timedelta(minutes=15 * i)
    return [t.isoformat(), 1000 + 123 * i, 10 * i]


def lines(path):
    out = [json.loads(l) for l in open(path)]
    assert out and out[-1].get("kind") == "done", "no final done line"
    return out[:-1]


def find(ls, cls, obis, attr):
    for l in ls:
        if (l["class"], l["obis"], l["attribute"]) == (cls, obis, attr):
            return l
    raise AssertionError("no line for %d/%s/%d" % (cls, obis, attr))


def basic(ls):
    assert find(ls, 8, "0-0:1.0.0*255", 2)["value"] == CLOCK, "clock"
    for obis, (v, s, u) in REG.items():
        assert find(ls, 3, obis, 2)["value"] == v, obis + " value"
        assert find(ls, 3, obis, 3)["value"] == {"scaler": s, "unit": u}, obis + " scaler_unit"


def public(ls):
    basic(ls)
    assert find(ls, 1, "0-0:96.1.0*255", 2)["value"] == "1909113"
    assert find(ls, 1, "0-0:42.0.0*255", 2)["value"] == "LGZ1030653520967"
    objs = find(ls, 15, "0-0:40.0.0*255", 2)["value"]
    assert len(objs) == 21, "object list has %d entries" % len(objs)
    assert {"class": 7, "version": 1, "obis": "1-0:99.1.0*255"} in objs
    assert find(ls, 7, "1-0:99.1.0*255", 4)["value"] == 900


def profile_all(ls):
    p = find(ls, 7, "1-0:99.1.0*255", 2)
    assert p["rows"] == 2880, "rows %d" % p["rows"]
    assert p["value"][0] == row(0) and p["value"][2879] == row(2879), "rows content"


def profile_range(ls):
    p = find(ls, 7, "1-0:99.1.0*255", 2)
    assert p["rows"] == 240, "rows %d" % p["rows"]
    assert p["value"][0] == row(576) and p["value"][-1] == row(815), "range content"


def profile_entries(ls):
    p = find(ls, 7, "1-0:99.1.0*255", 2)
    assert [r for r in p["value"]] == [row(i) for i in range(9, 19)], "entries content"


def error(path):
    out = [json.loads(l) for l in open(path)]
    assert len(out) == 1 and out[0]["kind"] == "error", "expected one error line"


try:
    name, path = sys.argv[1], sys.argv[2]
    if name == "error":
        error(path)
    else:
        globals()[name](lines(path))
except AssertionError as e:
    print(e)
except Exception as e:  # noqa: BLE001
    print("%s: %s" % (type(e).__name__, e))
EOF

run public 0 public --read 8/0-0:1.0.0/2 --read 1/0-0:96.1.0/2 --read 1/0-0:42.0.0/2 "${REG_ARGS[@]}" \
    --read 7/1-0:99.1.0/4 --object-list
run profile-all 0 profile_all --profile 1-0:99.1.0
run profile-range-240 0 profile_range --profile 1-0:99.1.0 \
    --rows-from 2026-04-10T00:00:00+02:00 --rows-to 2026-04-12T11:45:00+02:00
run profile-entries 0 profile_entries --profile 1-0:99.1.0 --entries 10..19
run baseline-16reg-clock-240rows 0 - --read 8/0-0:1.0.0/2 $(for r in $REGS; do printf -- '--read 3/1-0:%s/2 ' "$r"; done) \
    --profile 1-0:99.1.0 --rows-from 2026-04-10T00:00:00+02:00 --rows-to 2026-04-12T11:45:00+02:00
run lls-client1 0 basic --client 1 --auth low --read 8/0-0:1.0.0/2 "${REG_ARGS[@]}"
run lls-client2 0 basic --client 2 --auth low --password 12345678 --read 8/0-0:1.0.0/2 "${REG_ARGS[@]}"
run hls-gmac-client1 0 basic --client 1 --auth high-gmac --read 8/0-0:1.0.0/2 "${REG_ARGS[@]}"
run hls-gmac-client3-ciphered 0 basic --client 3 --auth high-gmac --security auth-enc --read 8/0-0:1.0.0/2 "${REG_ARGS[@]}"
run hls-gmac-ciphered-range 0 profile_range --client 1 --auth high-gmac --security auth-enc --profile 1-0:99.1.0 \
    --rows-from 2026-04-10T00:00:00+02:00 --rows-to 2026-04-12T11:45:00+02:00
run repeat-3 0 basic --read 8/0-0:1.0.0/2 "${REG_ARGS[@]}" --repeat 3
run lls-wrong-password 1 error --client 1 --auth low --password wrong --read 8/0-0:1.0.0/2
run public-with-lls-refused 1 error --client 16 --auth low --read 8/0-0:1.0.0/2
run hls-wrong-key 1 error --client 3 --auth high-gmac --authentication-key 00112233445566778899AABBCCDDEEFF --read 8/0-0:1.0.0/2
run unknown-client-sap 1 error --client 99 --timeout 2 --read 8/0-0:1.0.0/2

kill -TERM "$METER_PID"
wait "$METER_PID"
RC=$?
if [ "$RC" = 0 ]; then
    PASS=$((PASS + 1)); echo "ok   meter-sigterm (exit 0)"
else
    FAIL=$((FAIL + 1)); echo "FAIL meter-sigterm: exit $RC"; tail -n 20 "$TMP/meter.log"
fi
METER_PID=

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
