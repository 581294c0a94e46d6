#!/usr/bin/env bash
# Starts a throwaway redis-server for the tests, on a free loopback port, persistence off,
# with a password, in a temporary directory, and prints `export` lines for it:
#   eval "$(scripts/throwaway-redis.sh start)"   ...   scripts/throwaway-redis.sh stop "$CONNECT_TEST_REDIS_DIR"
# Installs Debian's redis-server when it is missing.
set -euo pipefail
die() { echo "throwaway-redis: $*" >&2; exit 1; }

case "${1:-}" in
  start)
    if ! command -v redis-server >/dev/null; then
      echo "throwaway-redis: installing redis-server" >&2
      if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
      $SUDO apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >&2 \
        || die "could not install the redis-server package"
    fi
    dir=$(mktemp -d /tmp/connectadmin-redis.XXXXXX)
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    password="pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir "$dir" \
      --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --requirepass "$password" >&2 || die "redis-server did not start"
    for _ in $(seq 1 100); do
      REDISCLI_AUTH=$password redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
      sleep 0.1
    done
    REDISCLI_AUTH=$password redis-cli -p "$port" ping 2>/dev/null | grep -q PONG || die "redis-server is not answering: $(tail -n 5 "$dir/redis.log")"
    echo "export CONNECT_TEST_REDIS_URL='redis://:$password@127.0.0.1:$port'"
    echo "export CONNECT_TEST_REDIS_DIR='$dir'"
    ;;
  stop)
    dir=${2:?usage: throwaway-redis.sh stop DIR}
    pid=$(cat "$dir/redis.pid" 2>/dev/null || true)
    if [ -n "$pid" ]; then
      kill "$pid" 2>/dev/null || true
      # redis-server writes its log and removes its pid file as it goes: wait for it to be gone
      # before removing the directory under it (rm raced it once: "Directory not empty").
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    fi
    rm -rf "$dir"
    ;;
  *) die "usage: throwaway-redis.sh start | stop DIR" ;;
esac
