# Helpers shared by the console's end-to-end scripts (sourced, not run). The caller defines
# `t` (its tmux server) before using them; results are counted in `passed` and `failed`.
passed=0; failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    | /'; failed=$((failed + 1)); }
screen() { t capture-pane -p -t "$1"; }
# poll SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds or SECONDS pass.
poll() {
  local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
  shift
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    "$@" && return 0
    sleep 0.05
  done
  return 1
}
shows() { screen "$1" 2>/dev/null | grep -qF -- "$2"; }
hides() { ! shows "$@"; }
line_shows() { screen "$1" 2>/dev/null | sed -n "${2}p" | grep -qF -- "$3"; }
row_shows() { screen "$1" 2>/dev/null | grep -F -- "$2" | grep -qF -- "$3"; }
# wait_for SESSION TEXT [SECONDS]: until TEXT shows.
wait_for() { poll "${3:-20}" shows "$1" "$2"; }
# wait_gone SESSION TEXT [SECONDS]: until TEXT is no longer on the screen.
wait_gone() { poll "${3:-20}" hides "$1" "$2"; }
# wait_line SESSION LINE TEXT [SECONDS]: until line LINE (1-based) contains TEXT.
wait_line() { poll "${4:-20}" line_shows "$1" "$2" "$3"; }
# wait_row SESSION KEY TEXT [SECONDS]: until the row that shows KEY also shows TEXT.
wait_row() { poll "${4:-20}" row_shows "$1" "$2" "$3"; }
