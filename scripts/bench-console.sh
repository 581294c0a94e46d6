#!/usr/bin/env bash
# Console benchmark (BENCHMARKS.md): the release connect-admin in tmux on a big store.
# Times are from the key press (or the launch) until tmux's copy of the screen shows the
# result, so they include tmux's own latency (a few ms). Usage:
#   scripts/bench-console.sh sqlite:/path/to/big.sqlite [RARE_FILTER RARE_MATCHES]
# On another framework's store (ace+…, acsb+…) the sort and tail steps are skipped (it keeps
# no failures and lists tenants in its own order) and the next page is timed instead.
set -euo pipefail
cd "$(dirname "$0")/.."
STORE=${1:?usage: bench-console.sh STORE_URL [RARE_FILTER RARE_MATCHES] (generate one with connect-admin dev seed)}
RARE=${2:-monsters-4257} RARE_MATCHES=${3:-2}
swift build -c release --product connect-admin >/dev/null 2>&1
BIN=$PWD/.build/release/connect-admin
socket="bench-console-$$"
t() { tmux -L "$socket" "$@"; }
trap 't kill-server 2>/dev/null || true' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_for() {  # wait_for TEXT: milliseconds until the screen shows TEXT
  local start=$(now_ms)
  until t capture-pane -p -t bench | grep -qF -- "$1"; do
    [ $(( $(now_ms) - start )) -gt 20000 ] && { echo "timeout waiting for $1" >&2; t capture-pane -p -t bench >&2; exit 1; }
    sleep 0.005
  done
  echo $(( $(now_ms) - start ))
}

start=$(now_ms)
t new-session -d -s bench -x 120 -y 40 "TERM=xterm-256color $BIN --store '$STORE'; sleep 30"
first=$(wait_for "FAIL/1H")
rows=$(wait_for "https://")
echo "first screen (launch to tenant rows shown): $(( $(now_ms) - start )) ms"
pid=$(pgrep -n -f "release/connect-admin --store")

# Filter: type it, press Enter, time until the list shows the result count for it.
filter_ms() {  # filter_ms TEXT EXPECTED_POSITION
  t send-keys -t bench / "$1"
  sleep 0.3
  t send-keys -t bench Enter
  local ms; ms=$(wait_for "$2 /$1")
  t send-keys -t bench / C-u Enter
  sleep 1
  echo "$ms"
}
echo "filter, common match ('acme', page of 200 fills early): $(filter_ms acme '/200') ms"
echo "filter, rare match ('$RARE', scans every tenant): $(filter_ms "$RARE" "/$RARE_MATCHES") ms"
case "$STORE" in
  ace+*|acsb+*)
    t send-keys -t bench End
    echo "next page (End: rows 201-400 loaded and shown): $(wait_for '/400') ms"
    t send-keys -t bench Home
    ;;
  *)
# Sort: time until the first row is the first of the new order (wide mode, so whole base URLs show).
t send-keys -t bench w
sleep 0.5
t send-keys -t bench s
echo "sort redraw (s: by baseUrl, first row https://acme-0.): $(wait_for "https://acme-0.") ms"
t send-keys -t bench S
echo "sort redraw (S: reverse, first row wonka-99989): $(wait_for "wonka-99989") ms"

t send-keys -t bench w 3
wait_for "FOLLOWING" >/dev/null
sleep 1
marker="/b$RANDOM"
case "$STORE" in
  sqlite:*) python3 - "${STORE#sqlite:}" "$marker" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("insert into auth_failure (at, node, client_key, reason, detail, method, path, count) values (?, 'bench', 'k', 'expired', 'bench', 'GET', ?, 1)", (int(time.time() * 1000), sys.argv[2]))
db.commit()
PY
  ;;
  *) PGPASSWORD=$(python3 -c "import sys,urllib.parse as u; print(u.urlparse(sys.argv[1]).password)" "$STORE") \
     psql "$(python3 -c "import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(f'host={p.hostname} port={p.port} user={p.username} dbname={p.path[1:]}')" "$STORE")" -qc \
     "insert into auth_failure (at, node, client_key, reason, detail, method, path, count) values ((extract(epoch from now()) * 1000)::bigint, 'bench', 'k', 'expired', 'bench', 'GET', '$marker', 1)";;
esac
echo "tail latency (row committed to row shown): $(wait_for "$marker") ms"
    ;;
esac

# Idle: back on Tenants, nothing written for 30 s. The views still re-read the store on their
# timers (tenants every 1.5 s, header every 2 s, tail every 250 ms); measure the CPU that costs
# and the bytes sent to the terminal (tmux pipe-pane copies everything the program writes).
t send-keys -t bench 1
wait_for "https://" >/dev/null
sleep 3
ticks() { awk '{print $14 + $15}' /proc/$pid/stat; }
out=$(mktemp)
t pipe-pane -o -t bench "cat >> $out"
before=$(ticks); start=$(now_ms)
sleep 30
after=$(ticks); elapsed=$(( $(now_ms) - start ))
t pipe-pane -t bench
bytes=$(stat -c %s "$out"); rm -f "$out"
hz=$(getconf CLK_TCK)
echo "idle CPU over 30 s on Tenants: $(python3 -c "print(f'{($after - $before) / $hz / ($elapsed / 1000) * 100:.1f} %')")"
echo "idle bytes to the terminal: $(python3 -c "print(f'{$bytes / ($elapsed / 1000):.0f} B/s')")"
echo "peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status)"
t send-keys -t bench q
