#!/usr/bin/env bash
# Regenerates screenshots/*.png from a real run of `connect-admin demo --seed 1` (a real
# connect-server, the simulated host sending traffic, the console) in tmux: each screen is
# captured with its colours and rendered to PNG (scripts/ansi_to_png.py). Run it after
# changing a screen.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${CONNECT_ADMIN_BIN:-.build/debug/connect-admin}
python3 -c 'import PIL' 2>/dev/null || pip install -q pillow
command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux; }
swift build --product connect-admin >/dev/null
work=$(mktemp -d /tmp/screenshots.XXXXXX)
socket="shots-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
COLS=120 ROWS=36
tmux -L "$socket" new-session -d -s shots -x $COLS -y $ROWS "TERM=xterm-256color $PWD/$BIN demo --seed 1 --tenants 24 --store sqlite:$work/demo.sqlite"
# Let the simulated host install its tenants and send a minute's worth of traffic.
sleep 8
shot() {  # shot NAME KEYS...
  local name=$1; shift
  for key in "$@"; do tmux -L "$socket" send-keys -t shots "$key"; sleep 0.3; done
  sleep 1
  tmux -L "$socket" capture-pane -e -p -t shots > "$work/$name.ansi"
  python3 scripts/ansi_to_png.py "$work/$name.ansi" "screenshots/$name.png" $COLS $ROWS
  echo "screenshots/$name.png"
}
shot tenants
shot tenant Down Enter
shot history Escape 2
shot failures 3
shot help '?'
shot lab Escape 1 Enter l 4 m Tab Enter
