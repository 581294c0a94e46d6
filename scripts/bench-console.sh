#!/usr/bin/env bash
# Console benchmark (BENCHMARKS.md): the release connect-admin in tmux on a big store.
# Times are from the key press (or the launch) until tmux's copy of the screen shows the
# result, so they include tmux's own latency (a few ms). Usage:
#   scripts/bench-console.sh [--json] [--quick] sqlite:/path/to/big.sqlite [RARE_FILTER [RARE_MATCHES]]
# --json: the lines go to stderr and one JSON object to stdout (firstScreenMs, redrawMs: the
# slowest filter or sort redraw, tailP95Ms, rssMB, and the single figures). --quick: 10 tail
# samples and no idle measurement (the smoke run in scripts/test.sh). BENCH_BIN=DIR runs the
# binaries in DIR instead of building release ones (figures from a debug build mean nothing).
# On another framework's store (ace+…, acsb+…) the sort and tail steps are skipped (it keeps
# no failures and lists tenants in its own order) and the next page is timed instead.
set -euo pipefail
cd "$(dirname "$0")/.."
json= quick=
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json=1; shift ;;
    --quick) quick=1; shift ;;
    *) break ;;
  esac
done
STORE=${1:?usage: bench-console.sh [--json] [--quick] STORE_URL [RARE_FILTER [RARE_MATCHES]] (generate one with connect-admin dev seed)}
RARE=${2:-monsters-4257}
. scripts/bench-lib.sh
bench_binaries connect-admin connect-bench
BIN_DIR=$BIN BIN=$BIN/connect-admin
[ -z "$json" ] || exec 3>&1 1>&2
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
# press_until_order KEY ORDER: presses KEY, then milliseconds until the rows on screen are
# consecutive rows of ORDER (clientKeys) and no longer the rows shown before. A sort keeps the
# selected tenant where it is on screen, so which rows show depends on the selection; that they
# are a run of the new order does not.
press_until_order() {
  python3 - "$socket" "$1" "$2" <<'PY'
import subprocess, sys, time
socket, key, order = sys.argv[1], sys.argv[2], sys.argv[3].split()
position = {key: index for index, key in enumerate(order)}
def capture():
    return subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-t", "bench"], capture_output=True, text=True).stdout
def shown(screen):
    # Table rows start at the left edge with the clientKey; the status and key lines are indented.
    return [line.split()[0] for line in screen.splitlines()[3:] if line[:1].strip()]
before = shown(capture())
start = time.time()
subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "bench", key], check=True)
deadline = start + 20
while True:
    screen = capture()
    keys = shown(screen)
    if keys and keys != before and all(k in position for k in keys) \
            and all(position[b] == position[a] + 1 for a, b in zip(keys, keys[1:])):
        print(round((time.time() - start) * 1000))
        break
    if time.time() > deadline:
        sys.exit("timeout waiting for the sorted rows; the screen:\n" + screen)
    time.sleep(0.005)
PY
}
declare -A figure=()
# What the screen will show, asked of the store through the CLI, so a store of any size works.
matches() { "$BIN" tenants --store "$STORE" --filter "$1" --limit 0 --json | wc -l; }
common=$(matches acme); [ "$common" -le 200 ] || common=200
RARE_MATCHES=${3:-$(matches "$RARE")}

start=$(now_ms)
t new-session -d -s bench -x 120 -y 40 "TERM=xterm-256color $BIN --store '$STORE'; sleep 30"
first=$(wait_for "FAIL/1H")
rows=$(wait_for "https://")
figure[firstScreenMs]=$(( $(now_ms) - start ))
echo "first screen (launch to tenant rows shown): ${figure[firstScreenMs]} ms"
pid=$(pgrep -n -f "$BIN --store")

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
figure[filterCommonMs]=$(filter_ms acme "/$common")
echo "filter, common match ('acme', page of 200 fills early): ${figure[filterCommonMs]} ms"
figure[filterRareMs]=$(filter_ms "$RARE" "/$RARE_MATCHES")
echo "filter, rare match ('$RARE', scans every tenant): ${figure[filterRareMs]} ms"
case "$STORE" in
  ace+*|acsb+*)
    t send-keys -t bench End
    figure[nextPageMs]=$(wait_for '/400')
    echo "next page (End: rows 201-400 loaded and shown): ${figure[nextPageMs]} ms"
    t send-keys -t bench Home
    ;;
  *)
# Sort by base URL, then reverse it (wide mode, so whole base URLs show).
t send-keys -t bench w
sleep 0.5
order() { "$BIN" tenants --store "$STORE" --sort baseUrl "$@" --limit 200 --json | python3 -c 'import json, sys; print(" ".join(json.loads(l)["clientKey"] for l in sys.stdin if l.strip()))'; }
ascending=$(order) descending=$(order --desc)
figure[sortMs]=$(press_until_order s "$ascending")
echo "sort redraw (s: by baseUrl, until the rows shown are a run of the new order): ${figure[sortMs]} ms"
figure[sortReverseMs]=$(press_until_order S "$descending")
echo "sort redraw (S: reverse): ${figure[sortReverseMs]} ms"

# Tail: failures recorded as connect-server records them, each timed from its commit until
# the Failures screen (following) shows it.
t send-keys -t bench w 3
wait_for "FOLLOWING" >/dev/null
sleep 1
tail_json=$("$BIN_DIR/connect-bench" tail --store "$STORE" --tmux-socket "$socket" --pane bench --samples "$([ -n "$quick" ] && echo 10 || echo 100)" --json)
for key in tailP50Ms tailP95Ms tailP99Ms; do
  figure[$key]=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$tail_json" "$key")
done
echo "tail latency (committed to shown): p50 ${figure[tailP50Ms]} ms, p95 ${figure[tailP95Ms]} ms, p99 ${figure[tailP99Ms]} ms"
    ;;
esac

# Idle: back on Tenants, nothing written for 30 s. The views still re-read the store on their
# timers (tenants every 1.5 s, header every 2 s, tail every 250 ms); measure the CPU that costs
# and the bytes sent to the terminal (tmux pipe-pane copies everything the program writes).
t send-keys -t bench 1
wait_for "https://" >/dev/null
if [ -z "$quick" ]; then
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
  figure[idleCpuPercent]=$(python3 -c "print(f'{($after - $before) / $hz / ($elapsed / 1000) * 100:.1f}')")
  figure[idleBytesPerSecond]=$(python3 -c "print(f'{$bytes / ($elapsed / 1000):.0f}')")
  echo "idle CPU over 30 s on Tenants: ${figure[idleCpuPercent]} %"
  echo "idle bytes to the terminal: ${figure[idleBytesPerSecond]} B/s"
fi
figure[rssMB]=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' /proc/$pid/status)
echo "peak RSS: ${figure[rssMB]} MB"
t send-keys -t bench q
if [ -n "$json" ]; then
  # redrawMs: the slowest of the filter and sort redraws (target 50 ms); tailP95Ms is null on
  # a store that keeps no failures.
  args=()
  for key in "${!figure[@]}"; do args+=("$key=${figure[$key]}"); done
  python3 - "${args[@]}" >&3 <<'PY'
import json, sys
figures = {k: float(v) for k, v in (a.split("=", 1) for a in sys.argv[1:])}
redraws = [figures[k] for k in ("filterCommonMs", "filterRareMs", "sortMs", "sortReverseMs") if k in figures]
out = {"firstScreenMs": figures["firstScreenMs"], "redrawMs": max(redraws), "tailP95Ms": figures.get("tailP95Ms"),
       "rssMB": figures["rssMB"]}
out.update({k: v for k, v in figures.items() if k not in out})
print(json.dumps(out))
PY
fi
