#!/usr/bin/env bash
# Sidecar benchmark (BENCHMARKS.md): what `connect-server --upstream` adds in front of an app.
# A trivial upstream (nginx answering 200 "ok"), then, in one run and side by side:
#   latency, one connection (wrk -c1 --latency): direct, through the sidecar on a public route,
#     and through the sidecar with a verified token: p50 and p99, and what the sidecar adds;
#   throughput, $CONNECTIONS connections: direct vs proxied with a verified token.
#   for scale, in the same run: nginx as a reverse proxy to the same app, and the sidecar's own /healthz;
#   in front of two Connect apps that check the token themselves, direct vs through the sidecar with a
#   verified token: a minimal one on Node (scripts/bench-connect-app.js) and the tests' stand-in
#   atlassian-connect-express app in Python (Tests/Fixtures/ace-like-app, its tenant in its SQLite).
# Targets: <= 0.5 ms added at p50 on loopback (release build); proxied >= 70 % of direct.
# --json: the lines go to stderr and one JSON object to stdout. BENCH_BIN=DIR runs the binaries
# in DIR instead of building release ones (the smoke run in scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
json=
[ "${1:-}" = "--json" ] && json=1
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v node >/dev/null || need+=(nodejs)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; fi
. scripts/bench-lib.sh
bench_binaries connect-server connect-admin
[ -z "$json" ] || exec 3>&1 1>&2  # background processes get 3>&-: one left behind must not hold the JSON pipe
work=$(mktemp -d /tmp/bench-sidecar.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

# The upstream: nginx, one worker (the sidecar has the other core), 200 "ok" for every path.
upstream_port=$(free_port)
cat > "$work/nginx.conf" <<CONF
daemon off; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 1024; }
http { access_log off; server { listen 127.0.0.1:$upstream_port; keepalive_requests 1000000;
  location / { default_type text/plain; return 200 "ok\n"; } } }
CONF
nginx -c "$work/nginx.conf" -p "$work" 3>&- & pids+=($!)
upstream="http://127.0.0.1:$upstream_port"

# A reference proxy: a second nginx, one worker, passing every request to the same upstream over
# kept-alive connections, doing nothing else. What it reaches is what proxying alone costs on
# these two cores, whoever writes the proxy.
reference_port=$(free_port)
mkdir -p "$work/reference"
cat > "$work/reference/nginx.conf" <<CONF
daemon off; worker_processes 1; pid $work/reference/nginx.pid; error_log $work/reference/nginx.err;
events { worker_connections 1024; }
http { access_log off; upstream app { server 127.0.0.1:$upstream_port; keepalive 64; }
  server { listen 127.0.0.1:$reference_port; keepalive_requests 1000000;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
CONF
nginx -c "$work/reference/nginx.conf" -p "$work/reference" 3>&- & pids+=($!)
reference="http://127.0.0.1:$reference_port"

# The app's own store holds the tenant (ACE's AddonSettings in SQLite): --tenants-from reads it.
secret="bench-secret-0123456789abcdefghijklmnop"
printf '%s' "$secret" > "$work/secret"
python3 - "$work/ace.sqlite" "$secret" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE AddonSettings (id INTEGER PRIMARY KEY AUTOINCREMENT, clientKey VARCHAR(255), key VARCHAR(255), val JSON)")
db.execute("INSERT INTO AddonSettings (clientKey, key, val) VALUES ('jira:bench', 'clientInfo', ?)",
           (json.dumps({"clientKey": "jira:bench", "sharedSecret": sys.argv[2], "baseUrl": "https://bench.atlassian.net", "productType": "jira"}),))
db.commit()
PY
# start_sidecar NAME UPSTREAM PORT [OPTION...]: a sidecar in front of UPSTREAM, its store and log
# named NAME (started in this shell, so the trap stops it).
start_sidecar() {
  LOG_LEVEL=warning $BIN/connect-server --store "sqlite:$work/$1.sqlite" --port "$3" --base-url "http://127.0.0.1:$3" --node "$1" \
    --upstream "$2" --tenants-from "ace+sqlite:$work/ace.sqlite" "${@:4}" >"$work/$1.log" 2>&1 3>&- & pids+=($!)
}
sidecar_port=$(free_port)
sidecar="http://127.0.0.1:$sidecar_port"
start_sidecar sidecar "$upstream" "$sidecar_port" --public '/public/*'

# Two Connect apps that check tokens themselves, each behind a sidecar of its own. The Python one
# keeps its tenants in the same ACE store the sidecars read.
node_port=$(free_port)
node scripts/bench-connect-app.js "$node_port" jira:bench "$secret" 3>&- & pids+=($!)
node_app="http://127.0.0.1:$node_port"
python=$(scripts/test-python.sh)
"$python" Tests/Fixtures/ace-like-app/app.py --db "$work/ace.sqlite" --log "$work/ace-like-app.log" > "$work/ace-like-app.out" 2> "$work/ace-like-app.err" 3>&- & pids+=($!)
for _ in $(seq 1 600); do [ -s "$work/ace-like-app.out" ] && break; sleep 0.1; done
python_app="http://127.0.0.1:$(awk '/^listening on/ {print $3; exit}' "$work/ace-like-app.out")"
port=$(free_port); start_sidecar node-sidecar "$node_app" "$port"; node_sidecar="http://127.0.0.1:$port"
port=$(free_port); start_sidecar python-sidecar "$python_app" "$port"; python_sidecar="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
  curl -fs "$upstream/x" >/dev/null && curl -fs "$reference/x" >/dev/null && curl -fs "$sidecar/healthz" >/dev/null \
    && curl -fs "$node_sidecar/healthz" >/dev/null && curl -fs "$python_sidecar/healthz" >/dev/null && break
  sleep 0.1
done

token=$($BIN/connect-admin jwt sign --secret-file "$work/secret" --iss jira:bench --method GET --url /api/bench --ttl 3600)
printf 'wrk.headers["Authorization"] = "JWT %s"\n' "$token" > "$work/auth.lua"
for base in "$sidecar" "$node_app" "$node_sidecar" "$python_app" "$python_sidecar"; do
  curl -fs -o /dev/null -H "Authorization: JWT $token" "$base/api/bench" || { echo "$base refused the benchmark token" >&2; exit 1; }
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$sidecar/api/bench")" = 401 ] || { echo "the sidecar let a request without a token through" >&2; exit 1; }

# wrk's latency distribution: p50 and p99 in ms.
percentile() { awk -v p="$1" '$1 == p"%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.3f", v }'; }
latency() { wrk -t1 -c1 -d"$DURATION" --latency "$@" > "$work/lat.txt"; echo "$(percentile 50 < "$work/lat.txt") $(percentile 99 < "$work/lat.txt")"; }

echo "machine: $(nproc) cores, $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'); upstream nginx (1 worker); connect-server from $BIN"
read -r direct50 direct99 < <(latency "$upstream/api/bench")
read -r public50 public99 < <(latency "$sidecar/public/x")
read -r auth50 auth99 < <(latency -s "$work/auth.lua" "$sidecar/api/bench")
printf 'latency, 1 connection (ms)       p50     p99\n'
printf '  direct                        %6s  %6s\n' "$direct50" "$direct99"
printf '  sidecar, public route         %6s  %6s\n' "$public50" "$public99"
printf '  sidecar, verified token       %6s  %6s\n' "$auth50" "$auth99"
added=$(awk -v a="$auth50" -v d="$direct50" 'BEGIN { printf "%.3f", a - d }')
echo "added by the sidecar at p50 (verified token): $added ms (target <= 0.5 ms)"

throughput() { wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$@" | rps; }
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 100 * a / b }'; }
direct_rps=$(throughput "$upstream/api/bench")
reference_rps=$(throughput "$reference/api/bench")
healthz_rps=$(throughput "$sidecar/healthz")
public_rps=$(throughput "$sidecar/public/x")
proxied_rps=$(throughput -s "$work/auth.lua" "$sidecar/api/bench")
ratio=$(percent "$proxied_rps" "$direct_rps")
echo "throughput, $CONNECTIONS connections (req/s):"
printf '  %-44s %8s\n' "direct to the app" "$direct_rps" "nginx as a proxy (the reference)" "$reference_rps" \
  "the sidecar's own /healthz (no proxying)" "$healthz_rps" "sidecar, public route" "$public_rps" "sidecar, verified token" "$proxied_rps"
echo "proxied with a verified token = $ratio % of direct (target >= 70 %); the reference proxy = $(percent "$reference_rps" "$direct_rps") % of direct;"
echo "  verified = $(percent "$proxied_rps" "$reference_rps") % of the reference proxy, $(percent "$proxied_rps" "$public_rps") % of the sidecar's public route"

node_direct_rps=$(throughput -s "$work/auth.lua" "$node_app/api/bench")
node_proxied_rps=$(throughput -s "$work/auth.lua" "$node_sidecar/api/bench")
python_direct_rps=$(throughput -s "$work/auth.lua" "$python_app/api/bench")
python_proxied_rps=$(throughput -s "$work/auth.lua" "$python_sidecar/api/bench")
node_ratio=$(percent "$node_proxied_rps" "$node_direct_rps")
python_ratio=$(percent "$python_proxied_rps" "$python_direct_rps")
echo "in front of Connect apps that check the token themselves, $CONNECTIONS connections (req/s):"
printf '  %-44s %8s %8s %6s\n' "" direct proxied ratio \
  "minimal app on Node (bench-connect-app.js)" "$node_direct_rps" "$node_proxied_rps" "$node_ratio %" \
  "ACE-like app in Python (ace-like-app)" "$python_direct_rps" "$python_proxied_rps" "$python_ratio %"
if [ -n "$json" ]; then
  printf '{"directP50Ms":%s,"sidecarP50Ms":%s,"addedP50Ms":%s,"directRps":%s,"referenceProxyRps":%s,"healthzRps":%s,"publicRps":%s,"proxiedRps":%s,"proxiedPercentOfDirect":%s,' \
    "$direct50" "$auth50" "$added" "$direct_rps" "$reference_rps" "$healthz_rps" "$public_rps" "$proxied_rps" "$ratio" >&3
  printf '"nodeAppDirectRps":%s,"nodeAppProxiedRps":%s,"nodeAppPercent":%s,"aceLikeAppDirectRps":%s,"aceLikeAppProxiedRps":%s,"aceLikeAppPercent":%s}\n' \
    "$node_direct_rps" "$node_proxied_rps" "$node_ratio" "$python_direct_rps" "$python_proxied_rps" "$python_ratio" >&3
fi
