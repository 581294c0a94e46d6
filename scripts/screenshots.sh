#!/usr/bin/env bash
# Regenerates screenshots/*.png from a real run of `connect-admin demo --seed 1` (a real
# connect-server, the simulated host sending traffic, the console) in tmux: each screen is
# captured with its colours and rendered to PNG (scripts/ansi_to_png.py). Run it after
# changing a screen, then open every PNG and look at it before committing.
#
# Each shot waits for the state it shows (rows on screen, a title) and the script fails when
# a capture is empty, still loading, or says there is nothing while the store has rows.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CONNECT_ADMIN_BIN:-.build/debug/connect-admin}
python3 -c 'import PIL' 2>/dev/null || pip install -q pillow
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux; }
swift build --product connect-admin >/dev/null
work=$(mktemp -d /tmp/screenshots.XXXXXX)
socket="shots-$$"
t() { tmux -L "$socket" "$@"; }
trap 't kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
COLS=120 ROWS=36
t new-session -d -s shots -x $COLS -y $ROWS "TERM=xterm-256color $PWD/$BIN demo --seed 1 --tenants 24 --store sqlite:$work/demo.sqlite"
screen() { t capture-pane -p -t shots; }
wait_for() {  # wait_for TEXT: up to 60 s
  local deadline=$(( $(date +%s) + 60 ))
  until screen | grep -qF -- "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "screenshots: timed out waiting for '$1':" >&2; screen >&2; exit 1; }
    sleep 0.2
  done
}
# Let the simulated host install its tenants and send a minute's worth of traffic.
wait_for "/24"
sleep 8
# What no screenshot may show: a screen still loading, or one that says it is empty.
bad='loading…|no tenants yet|no install events|no authentication failures|no row matches|store error|no tenant selected'
shot() {  # shot NAME STATE KEYS...: press KEYS, wait until STATE shows, capture.
  local name=$1 state=$2; shift 2
  for key in "$@"; do t send-keys -t shots "$key"; sleep 0.3; done
  wait_for "$state"
  sleep 1.5  # one refresh, so the picture is the settled one
  screen > "$work/$name.txt"
  if grep -qE -- "$bad" "$work/$name.txt"; then
    echo "screenshots: $name shows an empty or loading screen:" >&2; cat "$work/$name.txt" >&2; exit 1
  fi
  if [ "$(grep -cvE '^\s*$' "$work/$name.txt")" -lt 12 ]; then
    echo "screenshots: $name is nearly empty:" >&2; cat "$work/$name.txt" >&2; exit 1
  fi
  t capture-pane -e -p -t shots > "$work/$name.ansi"
  python3 scripts/ansi_to_png.py "$work/$name.ansi" "screenshots/$name.png" $COLS $ROWS
  echo "screenshots/$name.png"
}
shot tenants "1/24"
shot tenant "fingerprint" Down Enter
shot history "/" Escape 2
shot failures "FOLLOWING" 3
shot failure "user agent" Enter
shot help "Keys: Failure" '?'
shot lab "VALID" Escape Escape 1 Enter l m Enter m Enter
