#!/usr/bin/env bash
# Runs every test of ConnectAdmin on a fresh machine: installs what is missing, builds,
# runs the unit and end-to-end suites, fuzzes the parsers briefly, runs the concurrent suites under
# Thread Sanitizer, and smoke-runs the benchmarks so they cannot rot. RELEASE_CHECK=1 adds the
# static release build (scripts/release.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step is headed by the minutes:seconds since the start, so a slow step shows in CI's log.
log() { printf '\n== [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

# --- System packages (Debian), installed only when missing ---------------------------
need_packages=()
command -v pkg-config >/dev/null || need_packages+=(pkg-config)
pkg-config --exists ncursesw 2>/dev/null || need_packages+=(libncurses-dev)
pkg-config --exists sqlite3 2>/dev/null || need_packages+=(libsqlite3-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_packages+=(postgresql)
command -v runuser >/dev/null || need_packages+=(util-linux)
command -v tmux >/dev/null || need_packages+=(tmux)
command -v sqlite3 >/dev/null || need_packages+=(sqlite3)
command -v strip >/dev/null || need_packages+=(binutils)
command -v redis-server >/dev/null || need_packages+=(redis-server)
command -v python3 >/dev/null || need_packages+=(python3)
command -v wrk >/dev/null || need_packages+=(wrk)
command -v nginx >/dev/null || need_packages+=(nginx-light)
command -v node >/dev/null || need_packages+=(nodejs)
command -v promtool >/dev/null || need_packages+=(prometheus)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_packages+=(python3-venv)
if [ ${#need_packages[@]} -gt 0 ]; then
  log "installing ${need_packages[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}"
fi

# --- Build and test -------------------------------------------------------------------
log "swift build (all targets, tests included)"
build_log=$(mktemp)
swift build --build-tests 2>&1 | tee "$build_log"
[ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
# Our own targets build without a warning (dependencies' warnings are theirs): a newcomer's
# first build should say nothing but that it built.
if grep -E "warning: prohibited flag|^$PWD/(Sources|Tests|Fuzz)/[^:]*:[0-9]+:[0-9]+: warning:" "$build_log"; then
  echo "the build warns about our own code (above): fix the warnings" >&2
  exit 1
fi
rm -f "$build_log"

# --- Throwaway servers for the store suites (unless given), stopped whatever happens ----
started_postgres= started_redis=
stop_servers() {
  [ -z "${tsan_build:-}" ] || kill "$tsan_build" 2>/dev/null || true
  [ -z "$started_redis" ] || scripts/throwaway-redis.sh stop "$started_redis"
  [ -z "$started_postgres" ] || scripts/throwaway-postgres.sh stop "$started_postgres"
}
trap stop_servers EXIT
if [ -z "${CONNECT_TEST_POSTGRES_URL:-}" ]; then
  log "starting a throwaway PostgreSQL"
  pg_env=$(scripts/throwaway-postgres.sh start) \
    || { echo "PostgreSQL could not be started; the store suites need it (or set CONNECT_TEST_POSTGRES_URL)" >&2; exit 1; }
  eval "$pg_env"
  started_postgres=$CONNECT_TEST_POSTGRES_DIR
  echo "PostgreSQL at ${CONNECT_TEST_POSTGRES_URL%%:*}://…@${CONNECT_TEST_POSTGRES_URL##*@}"
fi
export CONNECT_TEST_POSTGRES_URL

# --- A throwaway redis-server for the atlassian-connect-express Redis store tests -------
if [ -z "${CONNECT_TEST_REDIS_URL:-}" ]; then
  log "starting a throwaway redis-server"
  redis_env=$(scripts/throwaway-redis.sh start) || { echo "redis-server could not be started; the Redis store tests need it" >&2; exit 1; }
  eval "$redis_env"
  started_redis=$CONNECT_TEST_REDIS_DIR
  echo "redis-server at 127.0.0.1:${CONNECT_TEST_REDIS_URL##*:}"
fi
export CONNECT_TEST_REDIS_URL

# --- A Python with Atlassian's atlassian-jwt, for the sidecar's stand-in Connect app --------
if [ -z "${CONNECT_TEST_PYTHON:-}" ]; then
  log "a Python virtual environment with atlassian-jwt (PyPI) for the sidecar tests"
  CONNECT_TEST_PYTHON=$(scripts/test-python.sh)
fi
export CONNECT_TEST_PYTHON

log "swift test"
# The 100k-tenant sealing test keeps both cores busy for minutes: it runs alone, after the rest,
# so the others' deadlines are not measured against it.
swift test --skip-build --skip LargeStoreSealingTests
log "swift test: sealing a store of 100 000 tenants while a server installs (SQLite, PostgreSQL)"
# That test keeps about one core busy (its CLI runs and its server wait on the disk and each
# other), so the Thread Sanitizer build, the longest step after the first build, runs beside it.
# Nothing timed runs then: the sealing test's deadlines are minutes, and the rest waits.
tsan_build_log=$(mktemp)
bash scripts/tsan.sh --build-only > "$tsan_build_log" 2>&1 &
tsan_build=$!
swift test --skip-build --filter LargeStoreSealingTests
tsan_build_status=0
wait "$tsan_build" || tsan_build_status=$?

log "console end to end, in tmux"
bash scripts/e2e-console.sh

log "console end to end while PostgreSQL goes away and comes back"
bash scripts/e2e-console-outage.sh

log "demo end to end: summary against the store, tokens against Atlassian's atlassian-jwt"
bash scripts/e2e-demo.sh

log "README: the token lab's command lines run as pasted"
readme_dir=$(mktemp -d)
awk '/^## Token lab on the command line/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g' README.md > "$readme_dir/lab.sh"
(cd "$readme_dir" && PATH="$OLDPWD/.build/debug:$PATH" bash lab.sh > out.txt 2>&1) || true
for expected in '"canonical":"GET&/pages/x&a=1&b=2"' '^VALID  token' '^INVALID  token' 'qsh_mismatch' '"valid":true' 'header.alg'; do
  grep -q -- "$expected" "$readme_dir/out.txt" || { echo "README's token lab lines: no $expected in their output:" >&2; cat "$readme_dir/out.txt" >&2; exit 1; }
done
if grep -q -E 'command not found|Error:|Usage:' "$readme_dir/out.txt"; then echo "README's token lab lines failed:" >&2; cat "$readme_dir/out.txt" >&2; exit 1; fi
rm -rf "$readme_dir"
echo "the README's token lab lines ran as pasted"

log "deploy/: the systemd unit as systemd reads it"
if command -v systemd-analyze >/dev/null; then
  unit_dir=$(mktemp -d)
  sed "s#/usr/local/bin/connect-server#$PWD/.build/debug/connect-server#" deploy/connect-server.service > "$unit_dir/connect-server.service"
  verdict=$(systemd-analyze verify --man=no "$unit_dir/connect-server.service" 2>&1) || true
  rm -rf "$unit_dir"
  [ -z "$verdict" ] || { echo "systemd-analyze verify: $verdict" >&2; exit 1; }
  echo "connect-server.service verified"
else
  echo "systemd-analyze not available: unit not verified"
fi

log "fuzzing: every parser an attacker reaches, 20 seconds each (libFuzzer, AddressSanitizer)"
bash scripts/fuzz.sh --seconds 20 --jobs 2

log "Thread Sanitizer: the concurrency, store and recorder suites (a data race fails the run)"
cat "$tsan_build_log"; rm -f "$tsan_build_log"
[ "$tsan_build_status" -eq 0 ] || { echo "the Thread Sanitizer build failed (above)" >&2; exit 1; }
bash scripts/tsan.sh

log "release: both binaries' --version, and docs/man against their help"
bash scripts/release.sh --check-docs
# The static release build is ten minutes from cold, a third of this script's budget: on request.
if [ "${RELEASE_CHECK:-}" = 1 ]; then
  log "release: static binaries, run as on a host without Swift (RELEASE_CHECK=1)"
  bash scripts/release.sh
fi

log "benchmark smoke runs (debug builds, few iterations: they must run, their figures mean nothing)"
.build/debug/connect-bench jwt --iterations 2000 --rounds 3 >/dev/null
json_has() {  # json_has NAME JSON KEY...: the JSON object has every KEY
  python3 - "$@" <<'PY'
import json, sys
name, text, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    d = json.loads(text)
except ValueError:
    sys.exit("%s --json printed no JSON object: %r" % (name, text[:300]))
missing = [k for k in keys if k not in d]
assert not missing, "%s --json lacks %s: %s" % (name, missing, text)
print("%s ran: %s" % (name, ", ".join("%s %s" % (k, d[k]) for k in keys)))
PY
}
bench_json=$(.build/debug/connect-bench jwt --iterations 2000 --rounds 3 --json)
json_has "connect-bench jwt" "$bench_json" connectNs hmacNs jwtKitNs connectToHmac jwtKitToConnect stages
python3 -c 'import json, sys
assert set(json.loads(sys.argv[1])["stages"]) == {"decode", "json", "hmac", "canonical", "qsh", "claims"}' "$bench_json"
bench_dir=$(mktemp -d)
# quietly COMMAND…: COMMAND's standard output; its standard error only when it fails.
quietly() { "$@" 2>"$bench_dir/stderr" || { cat "$bench_dir/stderr" >&2; return 1; }; }
export BENCH_BIN=.build/debug DURATION=1s
bench_store="sqlite:$bench_dir/bench.sqlite"
quietly .build/debug/connect-admin dev seed --store "$bench_store" --tenants 500 --failures 500 --events 500 >/dev/null
quietly .build/debug/connect-bench store --store "$bench_store" --runs 2 >/dev/null
echo "connect-bench store ran"
# assert_pruned JSON WHAT: the prune deleted all 3 000 rows the benchmark wrote.
assert_pruned() { python3 -c 'import json, sys; n = json.loads(sys.argv[1])["pruned"]; assert n == 3000, "pruned %s of 3000 %s" % (n, sys.argv[2])' "$1" "$2"; }
# Filled through record(), 50 rows a transaction, the way a server writes.
pruned=$(quietly .build/debug/connect-bench prune --store "sqlite:$bench_dir/prune.sqlite" --rows 3000 --fill-batch 50 --json)
json_has "connect-bench prune" "$pruned" writeMaxMsDuring bytesPerRow prunedPerSecond
assert_pruned "$pruned" failures
# On PostgreSQL the prune drops day partitions: a database of its own, where no old failure and
# no old day's partition may be left.
pg_psql=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql
"$pg_psql" "$CONNECT_TEST_POSTGRES_URL" -qc "CREATE DATABASE prune_smoke"
prune_url="${CONNECT_TEST_POSTGRES_URL%/*}/prune_smoke"
json_has "connect-bench prune (PostgreSQL)" "$(quietly .build/debug/connect-bench prune --store "$prune_url" --rows 3000 --json)" \
  writeMaxMsDuring bytesPerRow prunedPerSecond
left=$("$pg_psql" "$prune_url" -Atc "SELECT (SELECT count(*) FROM auth_failure WHERE at < (extract(epoch FROM now() - interval '30 days') * 1000)::bigint)
  + (SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'auth_failure'::regclass
     AND c.relname LIKE 'auth_failure_p%' AND c.relname < 'auth_failure_p' || to_char(now() - interval '30 days', 'YYYYMMDD'))")
[ "$left" = 0 ] || { echo "connect-bench prune left $left old failures or day partitions in PostgreSQL" >&2; exit 1; }
# Rejected install events prune in batches on both backends.
"$pg_psql" "$CONNECT_TEST_POSTGRES_URL" -qc "CREATE DATABASE prune_events_smoke"
for store in "sqlite:$bench_dir/prune-events.sqlite" "${CONNECT_TEST_POSTGRES_URL%/*}/prune_events_smoke"; do
  pruned=$(quietly .build/debug/connect-bench prune --store "$store" --rows 3000 --what rejected-events --json)
  json_has "connect-bench prune --what rejected-events (${store%%:*})" "$pruned" writeMaxMsDuring pruned
  assert_pruned "$pruned" "rejected events"
done
rare=$(.build/debug/connect-admin tenants --store "$bench_store" --limit 1 --json \
  | python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["baseUrl"].split("//")[1].split(".")[0])')
json_has "bench-console.sh" "$(quietly bash scripts/bench-console.sh --json --quick "$bench_store" "$rare")" firstScreenMs redrawMs tailP95Ms rssMB
json_has "bench-server.sh" "$(ROUNDS=1 quietly bash scripts/bench-server.sh --json)" authedRps bareRps authedPercent
json_has "bench-sidecar.sh" "$(quietly bash scripts/bench-sidecar.sh --json)" addedP50Ms proxiedRps directRps referenceProxyRps healthzRps nodeAppPercent aceLikeAppPercent
json_has "bench-cluster.sh" "$(ROUNDS=1 KINDS=200 quietly bash scripts/bench-cluster.sh --json)" validAloneRps one many
rm -rf "$bench_dir"
log "all tests passed"
