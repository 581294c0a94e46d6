#!/usr/bin/env bash
# The console while PostgreSQL goes away and comes back: the real connect-admin in tmux on
# its own throwaway PostgreSQL, which is stopped and started under it. The status line must
# say the store is unreachable while it is down, and stop saying so once it is back.
# Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${CONNECT_ADMIN_BIN:-.build/debug/connect-admin}
command -v tmux >/dev/null || { echo "e2e-console-outage: tmux is required" >&2; exit 1; }
pg_env=$(scripts/throwaway-postgres.sh start) || { echo "e2e-console-outage: PostgreSQL could not be started" >&2; exit 1; }
eval "$pg_env"
url=$CONNECT_TEST_POSTGRES_URL pgdir=$CONNECT_TEST_POSTGRES_DIR
socket="e2e-outage-$$"
t() { tmux -L "$socket" "$@"; }
cleanup() { t kill-server 2>/dev/null || true; scripts/throwaway-postgres.sh stop "$pgdir"; }
trap cleanup EXIT
source scripts/e2e-lib.sh

"$BIN" dev seed --store "$url" --tenants 20 --failures 50 --events 30 >/dev/null 2>&1 || { echo "seeding failed" >&2; exit 1; }
first_key=$("$BIN" tenants --store "$url" --json --limit 1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["clientKey"])')
t new-session -d -s main -x 110 -y 30 "TERM=xterm-256color $PWD/$BIN --store '$url'; echo EXIT=\$?; sleep 60"
wait_for main "${first_key:0:13}" 30 && ok "console shows the tenants" || fail "console shows the tenants" "$(screen main)"
t send-keys -t main 3
wait_for main "FOLLOWING" 20 || fail "failures screen" "$(screen main)"
# The console opens the store once: one connection listening for new failures (a second open
# of the store would bring a second pool and a second listener).
psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
listeners() { "$psql" "$url" -Atc "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%'"; }
for _ in $(seq 1 100); do [ "$(listeners)" -ge 1 ] && break; sleep 0.2; done
n=$(listeners)
[ "$n" = 1 ] && ok "one connection listens for new failures" || fail "one connection listens for new failures" "$n listening"

scripts/throwaway-postgres.sh pause "$pgdir" 2>/dev/null
if wait_for main "store: cannot reach PostgreSQL" 30; then ok "status line says the store is unreachable"; else fail "store unreachable shown" "$(screen main)"; fi
t send-keys -t main 1
sleep 0.5
screen main | grep -qF "store: cannot reach PostgreSQL" && ok "a key does not hide the outage" || fail "a key hid the outage" "$(screen main)"

scripts/throwaway-postgres.sh resume "$pgdir" 2>/dev/null
if wait_gone main "store: " 60; then ok "the message goes once PostgreSQL is back"; else fail "recovery" "$(screen main)"; fi
wait_for main "${first_key:0:13}" 30 && ok "tenants shown again" || fail "tenants after recovery" "$(screen main)"
t send-keys -t main q
wait_for main "EXIT=0" 10 && ok "q quits with exit 0" || fail "q quits" "$(screen main)"

echo "e2e-console-outage: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
