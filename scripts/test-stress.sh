#!/usr/bin/env bash
# One test (or a --filter of them) N times in a row (default 30) while two processes burn a
# CPU each: a test whose outcome depends on which of two events comes first fails here long
# before it fails in CI. Needs a debug build with tests (`swift build --build-tests`) and, for the
# sidecar suites, CONNECT_TEST_PYTHON (scripts/test-python.sh makes one). Not part of
# scripts/test.sh (it takes a while).
#   scripts/test-stress.sh FILTER [RUNS]
set -uo pipefail
cd "$(dirname "$0")/.."
filter=${1:?usage: scripts/test-stress.sh FILTER [RUNS]}
runs=${2:-30}
export CONNECT_TEST_PYTHON=${CONNECT_TEST_PYTHON:-$(scripts/test-python.sh)}
. scripts/cpu-burners.sh
passed=0
log=$(mktemp)
for run in $(seq 1 "$runs"); do
  if swift test --skip-build --filter "$filter" >"$log" 2>&1; then
    passed=$((passed + 1))
  else
    echo "run $run failed:" >&2
    grep -E -A3 "recorded an issue|error:" "$log" | head -30 >&2
  fi
done
rm -f "$log"
echo "test-stress: $filter: $passed of $runs runs passed with two CPU burners"
[ "$passed" -eq "$runs" ]
