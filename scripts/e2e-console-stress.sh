#!/usr/bin/env bash
# The console's end-to-end test, N times in a row (default 10) while two processes burn a
# CPU each: a flaky wait shows up here before it blocks a landing. Run it after changing
# the console or its e2e script; it is not part of scripts/test.sh (it takes a while).
#   scripts/e2e-console-stress.sh [RUNS]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
swift build --product connect-admin >/dev/null || exit 1
. scripts/cpu-burners.sh
passed=0
for run in $(seq 1 "$runs"); do
  start=$(date +%s)
  if output=$(bash scripts/e2e-console.sh 2>&1); then
    passed=$((passed + 1))
    echo "run $run: $(echo "$output" | tail -n 1) ($(( $(date +%s) - start )) s)"
  else
    echo "run $run FAILED ($(( $(date +%s) - start )) s):"
    echo "$output" | grep -A40 '^FAIL' | head -60
  fi
done
echo "e2e-console-stress: $passed of $runs runs passed with two CPU burners"
[ "$passed" -eq "$runs" ]
