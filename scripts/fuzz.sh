#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers an attacker reaches (libFuzzer, AddressSanitizer).
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [TARGET…]   (--list: the targets)
#
# Targets are the keys of FuzzProperties.all (Sources/FuzzProperties), the one list of them.
# Builds Fuzz/ (a package of its own, outside `swift build`/`swift test`), runs each target for N
# seconds (default 60) from its seed corpus (Fuzz/Corpus/TARGET, kept) and a working corpus
# (.build/fuzz-corpus/TARGET, not kept), and prints per target: executions/s, coverage, and
# libFuzzer's own closing "Done N runs in S second(s)" line. An input that breaks a property or
# crashes is saved under Tests/Fixtures/fuzz-regressions/TARGET/, where FuzzRegressionTests
# replays it in every `swift test`; any such input makes this script exit 1. --jobs J runs J
# targets at a time (one core each; default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60 jobs=1 list=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) seconds=${1#--seconds=}; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    --list) list=1; shift ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "fuzz.sh: --seconds must be a whole number above 0" >&2; exit 2; }
[[ "$jobs" =~ ^[0-9]+$ ]] && [ "$jobs" -gt 0 ] || { echo "fuzz.sh: --jobs must be a whole number above 0" >&2; exit 2; }

# ld.gold fails on the sanitizers' debug info here; lld ships with the Swift toolchain.
flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
       -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld)
echo "building the fuzz targets (Fuzz/, release, -sanitize=fuzzer,address)"
build_log=$(mktemp)
swift build --package-path Fuzz "${flags[@]}" > "$build_log" 2>&1 || { grep -E "error:" "$build_log" | head -20 >&2; tail -5 "$build_log" >&2; rm -f "$build_log"; exit 1; }
tail -1 "$build_log"; rm -f "$build_log"
echo "built in ${SECONDS} s"
bin=$(swift build --package-path Fuzz "${flags[@]}" --show-bin-path)
mapfile -t all < <("$bin/connect-fuzz" --list-targets)
if [ "$list" -eq 1 ]; then printf '%s\n' "${all[@]}"; exit 0; fi
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for target in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $target "* ]] || { echo "fuzz.sh: no target $target (targets: ${all[*]})" >&2; exit 2; }
done

# A violated property is a fatalError: no Swift backtrace (it can hang under ASan), libFuzzer
# reports the signal and saves the input.
export SWIFT_BACKTRACE=enable=no
results=$(mktemp -d)
# One target: its report in $results/TARGET, and $results/TARGET.failed when it found something.
fuzz_target() {
  local target=$1 work=.build/fuzz-corpus/$1 regressions=Tests/Fixtures/fuzz-regressions/$1 log status=0 dict=()
  mkdir -p "$work" "$regressions"
  [ -f "Fuzz/Dictionaries/$target.dict" ] && dict=(-dict="Fuzz/Dictionaries/$target.dict")
  log=$(mktemp)
  FUZZ_TARGET=$target "$bin/connect-fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=9000 -print_final_stats=1 \
    "${dict[@]}" -artifact_prefix="$regressions/" "$work" "Fuzz/Corpus/$target" > "$log" 2>&1 || status=$?
  local rate cov ft result
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)
  cov=$( (grep -oE 'cov: [0-9]+' "$log" || true) | tail -1 | awk '{print $2}')
  ft=$( (grep -oE 'ft: [0-9]+' "$log" || true) | tail -1 | awk '{print $2}')
  if [ "$status" -eq 0 ]; then result=ok; else result="FAILED (exit $status)"; touch "$results/$target.failed"; fi
  {
    printf '%-10s %12s %8s %8s %s\n' "$target" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
    grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | sed "s/^/  $target: /" || true
    if [ "$status" -ne 0 ]; then
      (grep -E 'Fatal error|ERROR: |SUMMARY|Test unit written' "$log" || true) | head -8 | sed 's/^/  /'
    fi
  } > "$results/$target"
  rm -f "$log"
}
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
  fuzz_target "$target" &
  running=$((running + 1))
done
wait
failed=0
printf '%-10s %12s %8s %8s %s\n' TARGET "EXEC/S" COV FT RESULT
for target in "${targets[@]}"; do
  cat "$results/$target"
  [ ! -e "$results/$target.failed" ] || failed=1
done
rm -rf "$results"
# A target that saved nothing leaves no empty folder behind.
for target in "${all[@]}"; do [ -n "$(ls -A "Tests/Fixtures/fuzz-regressions/$target" 2>/dev/null)" ] || rm -rf "Tests/Fixtures/fuzz-regressions/$target"; done
exit $failed
