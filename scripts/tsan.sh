#!/usr/bin/env bash
# Runs the suites where threads meet under Thread Sanitizer: a data race is a failure.
#
#   scripts/tsan.sh [FILTER]      default: the concurrency, store, recorder and scheduler suites
#   scripts/tsan.sh --build-only  builds and stops (scripts/test.sh builds beside a test that
#                                 leaves a core idle, and runs the suites later)
#
# Builds into .build-tsan (its own build folder, so the everyday debug build stays as it is)
# and needs the throwaway PostgreSQL and Redis that scripts/test.sh starts, or
# CONNECT_TEST_POSTGRES_URL / CONNECT_TEST_REDIS_URL set; the store suites skip a backend that
# is not given.
set -euo pipefail
cd "$(dirname "$0")/.."
# Not LifecycleRaceTests: its races are between transactions, which TSan does not see, and
# at TSan's speed some of its 25 concurrent callbacks pass the 5 s store deadline (503).
build_only=
if [ "${1:-}" = "--build-only" ]; then build_only=1; shift; fi
filter=${1:-'StoreConcurrencyTests|StoreConformanceTests|FailureRecorderTests|FloodFoldingTests|TwoNodeTests|RequestSchedulerTests'}
scratch=(--scratch-path .build-tsan --sanitize=thread)
echo "building with -sanitize=thread into .build-tsan"
# The test bundle and connect-server (TwoNodeTests runs two), not connect-bench: jwt-kit and
# its certificate stack would add minutes to a build no suite here needs.
build_log=$(mktemp)
for product in ConnectAdminPackageTests connect-server; do
  swift build --product "$product" "${scratch[@]}" > "$build_log" 2>&1 \
    || { grep -E "error:" "$build_log" | head -20 >&2; tail -5 "$build_log" >&2; rm -f "$build_log"; exit 1; }
done
tail -1 "$build_log"; rm -f "$build_log"
echo "built in ${SECONDS} s"
[ -z "$build_only" ] || exit 0
# halt_on_error: the first race ends the run with its report, instead of a pass that printed one.
# second_deadlock_stack: both stacks of a lock-order inversion.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
export SWIFT_BACKTRACE=enable=no
swift test --skip-build "${scratch[@]}" --filter "$filter"
