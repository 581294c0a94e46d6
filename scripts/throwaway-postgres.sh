#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests, on a free loopback port, in a
# temporary directory, and prints `export` lines for it. Source it:
#   eval "$(scripts/throwaway-postgres.sh start)"   ...   scripts/throwaway-postgres.sh stop "$DIR"
#   scripts/throwaway-postgres.sh pause DIR / resume DIR   stop and restart it, data kept (outage tests)
# Tests run it with fsync and synchronous_commit off; PG_DURABLE=1 keeps PostgreSQL's defaults
# (benchmarks that report the store's write rate).
# Fails with a clear message when PostgreSQL cannot be installed or started.
set -euo pipefail

die() { echo "throwaway-postgres: $*" >&2; exit 1; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

as_owner() {
  # PostgreSQL refuses to run as root: run it as the 'postgres' user the package creates.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_server() {
  local bin=$1 dir=$2 durability="-c fsync=off -c synchronous_commit=off"
  [ -e "$dir/durable" ] && durability=
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $(cat "$dir/port") -c listen_addresses=127.0.0.1 -k $dir $durability -c max_connections=200" start >&2 \
    || die "PostgreSQL did not start: $(tail -n 5 "$dir/server.log")"
}

case "${1:-}" in
  start)
    bin=$(pg_bin) || true
    if [ -z "${bin:-}" ]; then
      echo "throwaway-postgres: installing postgresql" >&2
      if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
      $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2 \
        || die "could not install the postgresql package; set CONNECT_TEST_POSTGRES_URL to a server you run yourself"
      bin=$(pg_bin) || die "postgresql installed but no initdb found under /usr/lib/postgresql"
    fi
    id postgres >/dev/null 2>&1 || { [ "$(id -u)" -ne 0 ] || useradd --system --no-create-home postgres; }
    dir=$(mktemp -d /tmp/connectadmin-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    password="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "$password" > "$dir/pwfile"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir/pwfile"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
    echo "$port" > "$dir/port"
    [ "${PG_DURABLE:-0}" = 1 ] && touch "$dir/durable"
    start_server "$bin" "$dir"
    PGPASSWORD="$password" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE connect_test" >&2 \
      || die "could not create the test database"
    echo "export CONNECT_TEST_POSTGRES_URL='postgres://postgres:$password@127.0.0.1:$port/connect_test'"
    echo "export CONNECT_TEST_POSTGRES_DIR='$dir'"
    ;;
  stop)
    dir="${2:?usage: throwaway-postgres.sh stop DIR}"
    bin=$(pg_bin) || exit 0
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  pause)
    dir="${2:?usage: throwaway-postgres.sh pause DIR}"
    bin=$(pg_bin) || die "no PostgreSQL installed"
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2
    ;;
  resume)
    dir="${2:?usage: throwaway-postgres.sh resume DIR}"
    bin=$(pg_bin) || die "no PostgreSQL installed"
    start_server "$bin" "$dir"
    ;;
  *)
    die "usage: throwaway-postgres.sh start | stop DIR | pause DIR | resume DIR"
    ;;
esac
