#!/usr/bin/env bash
# Server throughput benchmark (BENCHMARKS.md): wrk on loopback against a release
# connect-server with a SQLite store. Authenticated API route vs an unauthenticated route,
# ($ROUNDS runs each, taking turns; medians), then valid traffic during a forged-token flood.
# Bounded: each wrk run lasts $DURATION.
# SEALED=1: the server seals secrets at rest (--secret-key-file), to compare the hot path.
# --json: the lines go to stderr and one JSON object to stdout (authedRps, bareRps, authedPercent,
# healthRps, validDuringFloodRps, floodRps). BENCH_BIN=DIR runs the binaries in DIR instead of building
# release ones (the smoke run in scripts/test.sh; figures from a debug build mean nothing).
set -euo pipefail
cd "$(dirname "$0")/.."
json=
[ "${1:-}" = "--json" ] && json=1
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
ROUNDS=${ROUNDS:-3}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
. scripts/bench-lib.sh
bench_binaries connect-server connect-admin
[ -z "$json" ] || exec 3>&1 1>&2  # background processes get 3>&-: one left behind must not hold the JSON pipe
work=$(mktemp -d /tmp/bench-server.XXXXXX)
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(free_port)
base="http://127.0.0.1:$port"
key_options=()
if [ "${SEALED:-0}" = 1 ]; then
  $BIN/connect-admin store keygen "$work/secret.key" >/dev/null
  key_options=(--secret-key-file "$work/secret.key")
fi
LOG_LEVEL=warning $BIN/connect-server --store "sqlite:$work/store.sqlite" --port "$port" --base-url "$base" --legacy-install --node bench "${key_options[@]}" >"$work/server.log" 2>&1 3>&- &
server=$!
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

bench_tenant "$base" "$work"
bench_post_lua "$work/auth.lua" "$token"
bench_post_lua "$work/forged.lua" "$forged"

[ "${SEALED:-0}" = 1 ] && echo "secrets sealed at rest (--secret-key-file)"
echo "machine: $(nproc) cores, $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'); wrk -t2 -c$CONNECTIONS -d$DURATION"
curl -fs -o /dev/null -w '' -X POST "$base/api/echo" -H "Authorization: JWT $token" -d ping || { echo "authenticated route refused the benchmark token" >&2; exit 1; }
cat > "$work/public.lua" <<LUA
wrk.method = "POST"
wrk.body = "ping"
LUA
health=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$base/healthz" | rps)
# The two routes take turns, $ROUNDS runs each, so that the machine's drift over a minute
# (the same route varies by 20 % here) falls on both; the ratio is of the medians.
plains=()
auths=()
for _ in $(seq 1 "$ROUNDS"); do
  plains+=("$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/public.lua" "$base/public/echo" | rps)")
  auths+=("$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$work/auth.lua" "$base/api/echo" | rps)")
done
plain=$(median "${plains[@]}")
auth=$(median "${auths[@]}")
echo "GET /healthz (no work):                  $health req/s"
echo "unauthenticated POST /public/echo:       $plain req/s  (median of ${plains[*]})"
echo "authenticated   POST /api/echo (JWT):    $auth req/s  (median of ${auths[*]}; same handler + request authentication)"
percent=$(awk -v a="$auth" -v p="$plain" 'BEGIN { printf "%.0f", 100 * a / p }')
echo "authenticated / unauthenticated: $percent %  (target >= 90 %)"

wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$work/forged.lua" "$base/api/echo" > "$work/flood.txt" 3>&- &
flood=$!
during=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" -s "$work/auth.lua" "$base/api/echo" | rps)
wait $flood
echo "valid POST /api/echo during a forged flood: $during req/s (flood: $(rps < "$work/flood.txt") forged req/s)"
sleep 1
kill -INT $server; wait $server 2>/dev/null || true
total=$(python3 - "$work/store.sqlite" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select coalesce(sum(count),0), count(*) from auth_failure").fetchone())
PY
)
sent=$(awk '/requests in/ {print $1}' "$work/flood.txt")
echo "forged requests sent: $sent; failures in the store (sum of counts, rows): $total"
if [ -n "$json" ]; then
  printf '{"authedRps":%s,"bareRps":%s,"authedPercent":%s,"healthRps":%s,"validDuringFloodRps":%s,"floodRps":%s}\n' \
    "$auth" "$plain" "$percent" "$health" "$during" "$(rps < "$work/flood.txt")" >&3
fi
