#!/usr/bin/env bash
# End-to-end test of the console: the real connect-admin binary in a real terminal (tmux),
# driven with send-keys and read with capture-pane. Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${CONNECT_ADMIN_BIN:-.build/debug/connect-admin}
command -v tmux >/dev/null || { echo "e2e-console: tmux is required" >&2; exit 1; }
work=$(mktemp -d /tmp/e2e-console.XXXXXX)
socket="e2e-$$"
t() { tmux -L "$socket" "$@"; }
cleanup() { t kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    | /'; failed=$((failed + 1)); }
screen() { t capture-pane -p -t "$1"; }
# wait_for SESSION TEXT [SECONDS]: polls the screen until TEXT shows.
wait_for() {
  local deadline=$(( $(date +%s%N) + ${3:-10} * 1000000000 ))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    screen "$1" 2>/dev/null | grep -qF -- "$2" && return 0
    sleep 0.05
  done
  return 1
}

store="$work/connect.sqlite"
(cd "$work" && "$OLDPWD/$BIN" dev seed --tenants 40 --failures 60 --events 70 --seed 7 >/dev/null 2>&1) || { echo "seeding failed" >&2; exit 1; }
# A hostile row: ESC sequences, BEL and an OSC title sequence in a description and a baseUrl.
first_key=$(python3 - "$store" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
key = db.execute("select client_key from tenant order by client_key limit 1").fetchone()[0]
db.execute("update tenant set description = ?, base_url = ? where client_key = ?",
           ("evil\x1b]0;pwned\x07\x1b[2J\x1b[31mRED", "https://x.example/\x1b[H", key))
db.commit()
print(key)
PY
)

start() {  # start SESSION COLUMNS ROWS
  t new-session -d -s "$1" -x "$2" -y "$3" \
    "TERM=xterm-256color $PWD/$BIN --store sqlite:$store; echo EXIT=\$?; sleep 60"
}

start main 100 30
if wait_for main "tenants │" 15 || wait_for main "tenants |" 1; then ok "console starts on a seeded store"; else fail "console starts" "$(screen main)"; fi
# Wait for the rows themselves (the header is drawn before data arrives; a key pressed
# before the rows are there would act on nothing).
wait_for main "${first_key:0:13}" 30 && ok "tenants table shown with its rows" || fail "tenants table shown" "$(screen main)"

# The hostile row (the first by clientKey, selected at start) is shown escaped, and the
# terminal title is untouched.
t send-keys -t main Enter
if wait_for main 'evil\x1b]0;pwned\x07\x1b[2J' 20; then ok "hostile description shown escaped"; else fail "hostile description shown escaped" "$(screen main)"; fi
title=$(t display -p -t main '#{pane_title}')
[ "$title" != "pwned" ] && ok "window title not changed by store content ($title)" || fail "window title changed"
screen main | grep -q $'\x1b' && fail "raw ESC reached the screen" || ok "no raw ESC on screen"

# Filter the tenants list.
t send-keys -t main Escape
wait_for main "${first_key:0:13}" 20
t send-keys -t main / a c m e Enter
if wait_for main "/acme" 20 && ! screen main | sed -n '4,27p' | grep -v -i acme | grep -q "atlassian"; then ok "filter narrows the list"; else fail "filter narrows the list" "$(screen main)"; fi

# Follow failures while a writer adds rows: they appear within a second.
t send-keys -t main 3
wait_for main "FOLLOWING" 20 && ok "failures screen follows" || fail "failures screen follows" "$(screen main)"
sleep 0.5
marker="/e2e-marker-$RANDOM"
python3 - "$store" "$marker" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("insert into auth_failure (at, node, client_key, reason, detail, method, path, count) values (?, 'e2e', 'k', 'expired', 'written by the e2e test', 'GET', ?, 1)",
           (int(time.time() * 1000), sys.argv[2]))
db.commit()
PY
written=$(date +%s%N)
if wait_for main "$marker" 5; then
  ms=$(( ($(date +%s%N) - written) / 1000000 ))
  [ "$ms" -le 1000 ] && ok "new failure visible in ${ms} ms (<= 1000)" || fail "new failure took ${ms} ms (> 1000)"
else
  fail "new failure never appeared" "$(screen main)"
fi

# Resize below the minimum and back.
t resize-window -t main -x 60 -y 15
wait_for main "terminal too small" 5 && ok "says terminal too small at 60x15" || fail "terminal too small" "$(screen main)"
t resize-window -t main -x 100 -y 30
wait_for main "FOLLOWING" 5 && ok "redraws after resizing back" || fail "redraw after resize" "$(screen main)"

# Quit: exit 0 and the terminal is back from curses mode.
t send-keys -t main q
if wait_for main "EXIT=0" 5; then ok "q quits with exit 0"; else fail "q quits" "$(screen main)"; fi
[ "$(t display -p -t main '#{alternate_on}')" = "0" ] && ok "terminal restored (alternate screen off)" || fail "terminal restored"

# Ctrl-C also restores the terminal.
start ctrlc 100 30
wait_for ctrlc "CLIENT KEY" 15
t send-keys -t ctrlc C-c
if wait_for ctrlc "EXIT=0" 5 && [ "$(t display -p -t ctrlc '#{alternate_on}')" = "0" ]; then ok "Ctrl-C exits cleanly and restores the terminal"; else fail "Ctrl-C" "$(screen ctrlc)"; fi

# NO_COLOR and a non-UTF-8 locale still draw (ASCII box drawing).
t new-session -d -s mono -x 100 -y 30 "TERM=xterm NO_COLOR=1 LC_ALL=C LANG=C $PWD/$BIN --store sqlite:$store; echo EXIT=\$?; sleep 60"
if wait_for mono "tenants |" 15 && ! screen mono | grep -q '│'; then ok "ASCII fallback without a UTF-8 locale"; else fail "ASCII fallback" "$(screen mono)"; fi
t send-keys -t mono q

echo "e2e-console: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
