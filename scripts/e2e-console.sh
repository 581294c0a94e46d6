#!/usr/bin/env bash
# End-to-end test of the console: the real connect-admin binary in a real terminal (tmux),
# driven with send-keys and read with capture-pane. Every step waits for a *state* (rows on
# screen, a screen's title), never for text drawn before the data arrives, with deadlines
# generous enough for a busy 2-core machine. Prints "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${CONNECT_ADMIN_BIN:-.build/debug/connect-admin}
command -v tmux >/dev/null || { echo "e2e-console: tmux is required" >&2; exit 1; }
work=$(mktemp -d /tmp/e2e-console.XXXXXX)
socket="e2e-$$"
t() { tmux -L "$socket" "$@"; }
cleanup() { t kill-server 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
source scripts/e2e-lib.sh
sql() { python3 - "$store" "$@"; }

store="$work/connect.sqlite"
(cd "$work" && "$OLDPWD/$BIN" dev seed --tenants 40 --failures 60 --events 70 --seed 7 >/dev/null 2>&1) || { echo "seeding failed" >&2; exit 1; }
# A hostile row: ESC sequences, BEL and an OSC title sequence in a description and a baseUrl.
first_key=$(sql <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
key = db.execute("select client_key from tenant order by client_key limit 1").fetchone()[0]
db.execute("update tenant set description = ?, base_url = ? where client_key = ?",
           ("evil\x1b]0;pwned\x07\x1b[2J\x1b[31mRED", "https://x.example/\x1b[H", key))
db.commit()
print(key)
PY
)
second_key=$(sql <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select client_key from tenant order by client_key limit 1 offset 1").fetchone()[0])
PY
)

start() {  # start SESSION COLUMNS ROWS [ENV...]
  local session=$1 cols=$2 rows=$3; shift 3
  t new-session -d -s "$session" -x "$cols" -y "$rows" \
    "env TERM=xterm-256color $* $PWD/$BIN --store sqlite:$store; echo EXIT=\$?; sleep 60"
}

start main 100 30
# The first state that matters: the rows themselves (the header is drawn before data arrives,
# and a key pressed before the rows are there would act on nothing).
wait_for main "${first_key:0:13}" 30 && ok "tenants table shown with its rows" || fail "tenants table shown" "$(screen main)"
wait_for main "1/40" 20 && ok "position shows 40 tenants loaded" || fail "position 1/40" "$(screen main)"

# The hostile row (the first by clientKey, selected at start) is shown escaped, and the
# terminal title is untouched.
t send-keys -t main Enter
if wait_for main 'evil\x1b]0;pwned\x07\x1b[2J' 20; then ok "hostile description shown escaped"; else fail "hostile description shown escaped" "$(screen main)"; fi
title=$(t display -p -t main '#{pane_title}')
[ "$title" != "pwned" ] && ok "window title not changed by store content ($title)" || fail "window title changed"
screen main | grep -q $'\x1b' && fail "raw ESC reached the screen" || ok "no raw ESC on screen"

# Filter the tenants list; Esc clears the filter first, and does not leave Tenants.
t send-keys -t main Escape
wait_line main 2 " Tenants " 20
t send-keys -t main / a c m e Enter
# The tenants the filter must leave (it matches clientKey, baseUrl and description): the
# position counter says how many are listed, and no other tenant's key may be on screen.
acme=$(sql <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("select client_key, base_url, coalesce(description, '') from tenant").fetchall()
print(sum(1 for r in rows if "acme" in " ".join(r).lower()))
PY
)
others=$(sql <<'PY'
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("select client_key, base_url, coalesce(description, '') from tenant").fetchall()
print("\n".join(r[0][:13] for r in rows if "acme" not in " ".join(r).lower()))
PY
)
if [ "$acme" -gt 0 ] && [ "$acme" -lt 40 ] && wait_for main "/acme" 20 && wait_for main "1/$acme " 20 \
   && ! screen main | sed -n '4,27p' | grep -F -q -f <(printf '%s\n' "$others"); then
  ok "filter narrows the list to the $acme acme tenants"
else
  fail "filter narrows the list to the $acme acme tenants" "$(screen main)"
fi
t send-keys -t main Escape
# All 40 again, the selection still on the row it was on (by id, wherever that row now is).
if wait_for main "/40" 20 && screen main | sed -n 2p | grep -q "^ Tenants "; then ok "Esc clears the filter and stays on Tenants"; else fail "Esc clears the filter" "$(screen main)"; fi

# Tenants refresh themselves: a tenant disabled by another process shows as disabled. First
# row first (g): after Esc the selection stays on the row it was on, which is an acme row far
# down the list when the filtered rows arrived before Esc, and the second row is then off screen.
t send-keys -t main g
wait_for main " 1/40" 20
sql "$second_key" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("update tenant set state = 'disabled' where client_key = ?", (sys.argv[2],))
db.commit()
PY
if wait_row main "${second_key:0:20}" " disabled " 20; then ok "Tenants re-read the store without a key"; else fail "Tenants auto-refresh" "$(screen main)"; fi

# Home as tmux sends it to TERM=xterm-256color (ESC [1~, which that terminfo does not name):
# one key, not Esc + [ 1 ~ (which went back, then jumped to Tenants).
t send-keys -t main 2
wait_line main 2 "History" 20 && wait_for main "/70" 20
t send-keys -t main Down Down Down
wait_for main "4/70" 20
t send-keys -t main Home
if wait_for main "1/70" 20 && screen main | sed -n 2p | grep -q "Tenants > History"; then ok "Home is one key inside tmux (still on History, first row)"; else fail "Home key" "$(screen main)"; fi

# History refreshes itself too: an event written by another process appears.
sql "$second_key" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("insert into install_event (at, node, client_key, event_type, outcome, reason, auth, detail, count) values (?, 'e2e-node', ?, 'uninstalled', 'accepted', null, 'rs256:e2e', 'written by the e2e test', 1)",
           (int(time.time() * 1000), sys.argv[2]))
db.commit()
PY
wait_for main "/71" 20 && ok "History re-read the store without a key" || fail "History auto-refresh" "$(screen main)"

# Failures: a filter, then r acts on the highlighted visible row (it used the unfiltered row).
t send-keys -t main 3
wait_for main "FOLLOWING" 20 && wait_for main "/60" 20 && ok "failures screen follows" || fail "failures screen follows" "$(screen main)"
t send-keys -t main / e x p i r e d Enter
wait_for main "/expired" 20
t send-keys -t main Down r
if wait_for main "reason expired" 20 && ! screen main | sed -n '5,27p' | grep -v "^ *$" | grep -qv expired; then ok "r filters on the highlighted row's reason"; else fail "r on a filtered row" "$(screen main)"; fi
t send-keys -t main x
wait_for main "/60" 20 && ok "x clears every filter" || fail "x clears filters" "$(screen main)"

# Enter opens the Failure screen with every field.
t send-keys -t main Enter
if wait_for main "Failure #" 20 && wait_for main "user agent" 20; then ok "Enter opens the Failure screen"; else fail "Failure screen" "$(screen main)"; fi
t send-keys -t main l
wait_line main 2 "Token lab" 20 && ok "l opens the token lab from a failure" || fail "lab from a failure" "$(screen main)"
# A bracketed paste goes to the token field as text: the q in it does not quit.
t set-buffer "eyJhbGciOiJIUzI1NiJ9.eyJxIjoicSJ9.q"
t paste-buffer -p -t main
if wait_for main "eyJhbGciOiJIUzI1NiJ9.eyJxIjoicSJ9.q" 20 && ! screen main | grep -q "EXIT="; then ok "a paste lands in the token field"; else fail "bracketed paste" "$(screen main)"; fi
t send-keys -t main Enter
wait_for main "INVALID" 20 && ok "the lab verifies the pasted token" || fail "lab verify" "$(screen main)"
t send-keys -t main Escape Escape
wait_line main 2 "Failure #" 20

# Follow failures while a writer adds rows: they appear within a second. Browsing paused
# the tail; f follows again.
t send-keys -t main 3
wait_for main "PAUSED" 20 && t send-keys -t main f
wait_for main "FOLLOWING" 20 && ok "f follows again after browsing" || fail "f follows again" "$(screen main)"
sleep 0.5
marker="/m$RANDOM"
sql "$marker" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=10)
db.execute("insert into auth_failure (at, node, client_key, reason, detail, method, path, count) values (?, 'e2e', 'k', 'expired', 'written by the e2e test', 'GET', ?, 1)",
           (int(time.time() * 1000), sys.argv[2]))
db.commit()
PY
written=$(date +%s%N)
if wait_for main "$marker" 10; then
  ms=$(( ($(date +%s%N) - written) / 1000000 ))
  [ "$ms" -le 1500 ] && ok "new failure visible in ${ms} ms" || fail "new failure took ${ms} ms (> 1500)"
else
  fail "new failure never appeared" "$(screen main)"
fi

# Resize below the minimum and back.
t resize-window -t main -x 60 -y 15
wait_for main "terminal too small" 20 && ok "says terminal too small at 60x15" || fail "terminal too small" "$(screen main)"
t resize-window -t main -x 100 -y 30
wait_for main "FOLLOWING" 20 && ok "redraws after resizing back" || fail "redraw after resize" "$(screen main)"

# Quit: exit 0 and the terminal is back from curses mode.
t send-keys -t main q
if wait_for main "EXIT=0" 20; then ok "q quits with exit 0"; else fail "q quits" "$(screen main)"; fi
[ "$(t display -p -t main '#{alternate_on}')" = "0" ] && ok "terminal restored (alternate screen off)" || fail "terminal restored"

# Ctrl-C also restores the terminal.
start ctrlc 100 30
wait_for ctrlc "${first_key:0:13}" 30
t send-keys -t ctrlc C-c
if wait_for ctrlc "EXIT=0" 20 && [ "$(t display -p -t ctrlc '#{alternate_on}')" = "0" ]; then ok "Ctrl-C exits cleanly and restores the terminal"; else fail "Ctrl-C" "$(screen ctrlc)"; fi

# A TERM with no terminfo here (kitty over SSH): falls back and says so.
start kitty 100 30 TERM=xterm-kitty-not-installed-here
if wait_for kitty "${first_key:0:13}" 30 && wait_for kitty "has no terminfo entry here; using xterm-256color" 20; then
  ok "unknown TERM falls back to xterm-256color and says so"
else
  fail "unknown TERM fallback" "$(screen kitty)"
fi
t send-keys -t kitty q

# NO_COLOR and a non-UTF-8 locale still draw (ASCII box drawing).
start mono 100 30 TERM=xterm NO_COLOR=1 LC_ALL=C LANG=C
if wait_for mono "${first_key:0:13}" 30 && ! screen mono | grep -q '│'; then ok "ASCII fallback without a UTF-8 locale"; else fail "ASCII fallback" "$(screen mono)"; fi
t send-keys -t mono q

# An atlassian-connect-express store (read-only): its tenants, and History saying why it is empty.
ace="$work/ace.sqlite"
python3 - "$ace" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE `AddonSettings` (`id` INTEGER PRIMARY KEY AUTOINCREMENT, `clientKey` VARCHAR(255), `key` VARCHAR(255), `val` JSON)")
for i in range(5):
    info = {"key": "com.example.ace-app", "clientKey": f"ace-e2e-{i}", "sharedSecret": f"ace-e2e-secret-{i}-0123456789abcdef",
            "baseUrl": f"https://ace-e2e-{i}.atlassian.net", "productType": "jira", "description": "ACE tenant", "eventType": "installed"}
    db.execute("INSERT INTO AddonSettings (clientKey, key, val) VALUES (?, 'clientInfo', ?)", (info["clientKey"], json.dumps(info)))
db.commit()
PY
ace_digest=$(sha256sum "$ace")
t new-session -d -s ace -x 100 -y 30 "env TERM=xterm-256color $PWD/$BIN --store ace+sqlite:$ace; echo EXIT=\$?; sleep 60"
wait_for ace "ace-e2e-4" 30 && wait_for ace "1/5" 20 && ok "an ACE store's tenants are listed" || fail "ACE tenants" "$(screen ace)"
t send-keys -t ace 2
wait_for ace "keeps no install history" 20 && ok "History says an ACE store keeps none" || fail "ACE history notice" "$(screen ace)"
t send-keys -t ace q
wait_for ace "EXIT=0" 20
[ "$(sha256sum "$ace")" = "$ace_digest" ] && [ ! -e "$ace-wal" ] && [ ! -e "$ace-shm" ] && ok "the ACE store is unchanged, no -wal or -shm" || fail "ACE store written"

echo "e2e-console: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
