# Shared by the bench-*.sh scripts (sourced).

# bench_binaries PRODUCT…: sets BIN to the folder of the binaries to measure. BENCH_BIN=DIR takes
# them from DIR (scripts/test.sh's smoke runs use the debug build; its figures mean nothing);
# otherwise PRODUCT… are built in release mode.
bench_binaries() {
  if [ -n "${BENCH_BIN:-}" ]; then
    BIN=$(realpath "$BENCH_BIN")
    return
  fi
  local product
  for product in "$@"; do swift build -c release --product "$product" >/dev/null; done
  BIN=$PWD/.build/release
}

# bench_tenant BASE WORK: installs the benchmark tenant jira:bench through BASE's /installed (the
# server runs --legacy-install), then sets token (a context token signed with its secret) and
# forged (the same claims signed with another secret).
bench_tenant() {
  local base=$1 work=$2 secret="bench-secret-0123456789abcdefghijklmnop"
  printf '%s' "$secret" > "$work/secret"
  curl -fs -o /dev/null -X POST "$base/installed" -H 'Content-Type: application/json' \
    -d "{\"key\":\"bench\",\"clientKey\":\"jira:bench\",\"sharedSecret\":\"$secret\",\"baseUrl\":\"https://bench.atlassian.net\",\"productType\":\"jira\",\"eventType\":\"installed\"}"
  token=$($BIN/connect-admin jwt sign --secret-file "$work/secret" --iss jira:bench --context-qsh --ttl 3600)
  printf '%s' "forged-secret-0123456789abcdefghijklmno" > "$work/forged-secret"
  forged=$($BIN/connect-admin jwt sign --secret-file "$work/forged-secret" --iss jira:bench --context-qsh --ttl 3600)
}

# bench_post_lua FILE TOKEN [DELAY_MS]: a wrk script that POSTs "ping" with TOKEN; with DELAY_MS,
# each connection waits that long before its next request (a paced flood).
bench_post_lua() {
  {
    echo 'wrk.method = "POST"'
    echo 'wrk.body = "ping"'
    echo "wrk.headers[\"Authorization\"] = \"JWT $2\""
    [ -z "${3:-}" ] || echo "function delay() return $3 end"
  } > "$1"
}

# median NUMBER…: the median, two decimals.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# free_port: a loopback TCP port nothing listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# rps: wrk's requests per second, from its report on standard input.
rps() { awk '/Requests\/sec/ {print $2}'; }
