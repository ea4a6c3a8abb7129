#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL cluster for the dashboard tests and print its URL.
#
#   scripts/postgres-test.sh [DIR] [PORT]      (defaults: /tmp/compteur-pg 55432)
#   export DASHBOARD_TEST_POSTGRES_URL=$(scripts/postgres-test.sh /tmp/pgA 55432)
#   scripts/postgres-test.sh --stop [DIR]
#
# Idempotent: an initialised DIR is reused and a running server is left running. The server
# listens on 127.0.0.1 only (and a socket in DIR), trusts local connections, and holds a role
# and a database named "dashboard". Run as root, it runs the server as the "postgres" user.
set -euo pipefail

if [ "${1:-}" = "--stop" ]; then
  dir=${2:-/tmp/compteur-pg}
  stop=1
else
  dir=${1:-/tmp/compteur-pg}
  stop=0
fi
port=${2:-55432}
[ "$stop" = 1 ] && port=${3:-55432}

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "error: PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BINDIR)" >&2
  exit 1
fi

as_pg=()
if [ "$(id -u)" = "0" ]; then
  as_pg=(runuser -u postgres --)
fi

if [ "$stop" = 1 ]; then
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir" -m fast stop >&2 || true
  exit 0
fi

mkdir -p "$dir"
[ "$(id -u)" = "0" ] && chown postgres:postgres "$dir"
if [ ! -f "$dir/PG_VERSION" ]; then
  "${as_pg[@]}" "$bindir/initdb" -D "$dir" -U postgres -A trust --no-sync >/dev/null
fi
if "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  port=$(sed -n 4p "$dir/postmaster.pid")   # already running: keep its port
else
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
fi
psql=("${as_pg[@]}" "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'dashboard'")" ]; then
  "${psql[@]}" -c "CREATE ROLE dashboard LOGIN PASSWORD 'dashboard'"
fi
if [ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'dashboard'")" ]; then
  "${psql[@]}" -c "CREATE DATABASE dashboard OWNER dashboard"
fi
echo "postgresql+pg8000://dashboard:dashboard@127.0.0.1:$port/dashboard"
