#!/usr/bin/env bash
# Cluster benchmark (BENCHMARKS.md, docs/scaling.md): three connect-server nodes on one
# PostgreSQL store, each taking valid traffic, first alone and then beside a forged-token flood.
#   1. valid only: wrk on each node with a valid token, all three at once;
#   2. the same beside a flood on each node of one forged token (folds into few rows);
#   3. the same beside a flood of many kinds: forged tokens of $KINDS unknown issuers, which
#      the fold window cannot fold by tenant (what an attacker varying his tokens writes).
# The three take turns, $ROUNDS times; throughputs are medians, counts are totals.
# For the floods: valid throughput as a share of step 1 (target >= 80 %), every forged request
# accounted for (sum over the nodes of the 401s their /metrics counted = rows + folded counts in
# the store), the store's write rate (rows/s and failures/s) and PostgreSQL's CPU.
# Each flood is paced: $FLOOD_CONNECTIONS connections per node, each waiting $FLOOD_DELAY_MS ms
# before its next request (wrk's delay()), so the flood has a stated rate rather than whatever
# CPU is left; FLOOD_DELAY_MS=0 floods as fast as wrk can.
# The throwaway PostgreSQL runs durable (fsync and synchronous_commit on, unlike the tests').
# --json: the lines go to stderr and one JSON object to stdout. BENCH_BIN=DIR runs the binaries
# in DIR instead of building release ones (the smoke run in scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
json=
[ "${1:-}" = "--json" ] && json=1
DURATION=${DURATION:-10s}
VALID_CONNECTIONS=${VALID_CONNECTIONS:-8}
FLOOD_CONNECTIONS=${FLOOD_CONNECTIONS:-8}
FLOOD_DELAY_MS=${FLOOD_DELAY_MS:-8}
KINDS=${KINDS:-5000}
ROUNDS=${ROUNDS:-3}
NODES=3
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
. scripts/bench-lib.sh
bench_binaries connect-server connect-admin
[ -z "$json" ] || exec 3>&1 1>&2  # background processes get 3>&-: one left behind must not hold the JSON pipe
work=$(mktemp -d /tmp/bench-cluster.XXXXXX)
pids=()
pg_dir=
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -z "$pg_dir" ] || scripts/throwaway-postgres.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT
PG_DURABLE=1 scripts/throwaway-postgres.sh start > "$work/pg.env"
. "$work/pg.env"
pg_dir=$CONNECT_TEST_POSTGRES_DIR
store=$CONNECT_TEST_POSTGRES_URL
psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
psql_store() { PGPASSWORD=$(cat "$pg_dir/pwfile") "$psql" -h 127.0.0.1 -p "$(cat "$pg_dir/port")" -U postgres -d connect_test -Atqc "$1"; }

# Three nodes on the one store.
bases=()
server_pids=()
for n in $(seq 1 $NODES); do
  port=$(free_port)
  base="http://127.0.0.1:$port"
  LOG_LEVEL=warning CONNECT_ACCESS_LOG=0 $BIN/connect-server --store "$store" --port "$port" --base-url "$base" --legacy-install \
    --node "node-$n" >"$work/node-$n.log" 2>&1 3>&- &
  pids+=($!); server_pids+=($!); bases+=("$base")
  for _ in $(seq 1 300); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
  curl -fs "$base/healthz" >/dev/null || { echo "node-$n did not start: $(tail -n 3 "$work/node-$n.log")" >&2; exit 1; }
done

bench_tenant "${bases[0]}" "$work"
for base in "${bases[@]}"; do
  # The install is in the store; every node must know the tenant before valid traffic starts.
  for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/echo" -H "Authorization: JWT $token" -d ping)" = 200 ] && break
    sleep 0.1
  done
done

# Tokens of $KINDS issuers no node knows (unknown_issuer, one fold key each), HS256 by hand.
python3 - "$KINDS" > "$work/kinds.txt" <<'PY'
import base64, hashlib, hmac, json, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
now = int(time.time())
for i in range(int(sys.argv[1])):
    body = b64(json.dumps({"iss": f"jira:forged-{i}", "iat": now, "exp": now + 3600, "qsh": "context-qsh"}).encode())
    sig = b64(hmac.new(b"forged", f"{head}.{body}".encode(), hashlib.sha256).digest())
    print(f"{head}.{body}.{sig}")
PY
bench_post_lua "$work/valid.lua" "$token"
bench_post_lua "$work/forged.lua" "$forged" "$FLOOD_DELAY_MS"
cat > "$work/kinds.lua" <<LUA
local tokens = {}
for line in io.lines("$work/kinds.txt") do tokens[#tokens + 1] = line end
local i = 0
function request()
  i = i % #tokens + 1
  return wrk.format("POST", nil, { ["Authorization"] = "JWT " .. tokens[i] }, "ping")
end
function delay() return $FLOOD_DELAY_MS end
LUA

sum_rps() { local total=0 f; for f in "$@"; do total=$(awk -v a="$total" -v b="$(rps < "$f")" 'BEGIN { printf "%.2f", a + b }'); done; echo "$total"; }
# 401s answered by every node so far, from its /metrics.
answered_401() {
  local total=0 base
  for base in "${bases[@]}"; do
    total=$((total + $(curl -fs "$base/metrics" | awk '/^connect_http_requests_total\{/ && /status="401"/ { s += $NF } END { printf "%d", s }')))
  done
  echo "$total"
}
# CPU seconds PostgreSQL has used: its processes, and the children it has reaped.
pg_cpu() {
  local postmaster
  postmaster=$(head -n 1 "$pg_dir/data/postmaster.pid")
  python3 - "$postmaster" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK"); root = sys.argv[1]; total = 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    if pid == root or fields[1] == root:
        total += int(fields[11]) + int(fields[12])
        if pid == root:
            total += int(fields[13]) + int(fields[14])
print(f"{total / tick:.2f}")
PY
}

# valid [flood.lua]: wrk with the valid token on every node, and the flood beside it when given.
run() {
  local name=$1 flood=${2:-} n base running=()
  for n in $(seq 1 $NODES); do
    base=${bases[$((n - 1))]}
    wrk -t1 -c"$VALID_CONNECTIONS" -d"$DURATION" -s "$work/valid.lua" "$base/api/echo" > "$work/$name-valid-$n.txt" 3>&- & running+=($!)
    [ -z "$flood" ] || { wrk -t1 -c"$FLOOD_CONNECTIONS" -d"$DURATION" -s "$flood" "$base/api/echo" > "$work/$name-flood-$n.txt" 3>&- & running+=($!); }
  done
  wait "${running[@]}"
}
# Failures in the store: the sum of the rows' counts.
stored() { psql_store "SELECT coalesce(sum(count), 0) FROM auth_failure"; }

echo "machine: $(nproc) cores, $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'); $NODES nodes on one PostgreSQL (durable); connect-server from $BIN"
echo "per node: valid wrk -t1 -c$VALID_CONNECTIONS; flood wrk -t1 -c$FLOOD_CONNECTIONS with ${FLOOD_DELAY_MS} ms between a connection's requests; $DURATION each"
# The three runs take turns, $ROUNDS times, so that the machine's drift falls on all of them.
baselines=()
declare -A valids floods answered accounted rows cpu
for round in $(seq 1 "$ROUNDS"); do
  run baseline
  baselines+=("$(sum_rps "$work"/baseline-valid-*.txt)")
  for kind in one many; do
    script=$work/forged.lua
    [ $kind = many ] && script=$work/kinds.lua
    rows_before=$(psql_store "SELECT count(*) FROM auth_failure")
    cpu_before=$(pg_cpu)
    before_401=$(answered_401)
    stored_before=$(stored)
    run "$kind" "$script"
    cpu_after=$(pg_cpu)
    total_401=$(answered_401)
    valids[$kind]+="$(sum_rps "$work/$kind"-valid-*.txt) "
    floods[$kind]+="$(sum_rps "$work/$kind"-flood-*.txt) "
    # The nodes write what they hold in the background: the first of a kind at once, folded
    # counts when their window closes. Wait until the store has every 401 answered.
    for _ in $(seq 1 120); do
      [ "$(stored)" -ge "$total_401" ] && break
      sleep 0.5
    done
    answered[$kind]=$(( ${answered[$kind]:-0} + total_401 - before_401 ))
    accounted[$kind]=$(( ${accounted[$kind]:-0} + $(stored) - stored_before ))
    rows[$kind]=$(( ${rows[$kind]:-0} + $(psql_store "SELECT count(*) FROM auth_failure") - rows_before ))
    cpu[$kind]=$(awk -v t="${cpu[$kind]:-0}" -v a="$cpu_after" -v b="$cpu_before" 'BEGIN { printf "%.2f", t + a - b }')
  done
done
baseline=$(median "${baselines[@]}")
echo "valid alone: $baseline req/s over $NODES nodes (median of ${baselines[*]})"
span=$(awk -v s="${DURATION%s}" -v r="$ROUNDS" 'BEGIN { print s * r }')
results=()
for kind in one many; do
  # shellcheck disable=SC2086
  valid=$(median ${valids[$kind]})
  # shellcheck disable=SC2086
  flood=$(median ${floods[$kind]})
  share=$(awk -v v="$valid" -v b="$baseline" 'BEGIN { printf "%.0f", 100 * v / b }')
  pg=$(awk -v c="${cpu[$kind]}" -v s="$span" 'BEGIN { printf "%.0f", 100 * c / s }')
  label="one forged token"
  [ $kind = many ] && label="$KINDS forged issuers"
  echo "flood of $label: valid $valid req/s (median of ${valids[$kind]% }) = $share % of alone (target >= 80 %); flood $flood req/s"
  echo "  401s answered (nodes' /metrics): ${answered[$kind]}; in the store (rows + folded counts): ${accounted[$kind]}$([ "${answered[$kind]}" = "${accounted[$kind]}" ] && echo " - all accounted for" || echo " - MISMATCH")"
  echo "  store writes during the floods: ${rows[$kind]} rows ($(awk -v r="${rows[$kind]}" -v s="$span" 'BEGIN { printf "%.0f", r / s }') rows/s) for $(awk -v r="${accounted[$kind]}" -v s="$span" 'BEGIN { printf "%.0f", r / s }') failures/s; PostgreSQL CPU $pg % of one core"
  results+=("\"$kind\":{\"validRps\":$valid,\"validPercentOfAlone\":$share,\"floodRps\":$flood,\"answered401\":${answered[$kind]},\"accounted\":${accounted[$kind]},\"rows\":${rows[$kind]},\"postgresCpuPercent\":$pg}")
  [ "${answered[$kind]}" = "${accounted[$kind]}" ] || mismatch=1
done
if [ -n "$json" ]; then
  printf '{"nodes":%s,"validAloneRps":%s,%s}\n' "$NODES" "$baseline" "$(IFS=,; echo "${results[*]}")" >&3
fi
[ -z "${mismatch:-}" ] || { echo "bench-cluster: some forged requests are not accounted for in the store" >&2; exit 1; }
