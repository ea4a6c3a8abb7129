#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo need, if missing:
#   scripts/system-packages.sh test|demo
# test: Chromium (browser tests of the dashboard), PostgreSQL (its storage tests), Mosquitto
#       (MQTT / Home Assistant tests), InfluxDB 1.x (export tests), gcc, make.
# demo: nothing beyond Rust, Python and Node.js, which must be there already.
# As root it installs with apt-get; otherwise it uses sudo if it can, else it names what is
# missing and stops.
set -euo pipefail
what=${1:-test}

need=()
missing_tools=()
command -v node >/dev/null 2>&1 || missing_tools+=("Node.js (node, npm: https://nodejs.org or apt-get install nodejs npm)")
command -v npm >/dev/null 2>&1 || missing_tools+=("npm")
if [ "$what" = test ]; then
  command -v cc >/dev/null 2>&1 || need+=(gcc)
  command -v make >/dev/null 2>&1 || need+=(make)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
  command -v influxd >/dev/null 2>&1 || need+=(influxdb)
fi
if [ ${#missing_tools[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  command -v npm >/dev/null 2>&1 || need+=(npm)
  missing_tools=()
fi
if [ ${#missing_tools[@]} -gt 0 ]; then
  echo "error: missing prerequisite: ${missing_tools[*]}" >&2
  exit 1
fi
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing system packages: ${need[*]} (install them with your package manager)" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "error: missing system packages: ${need[*]}; run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
