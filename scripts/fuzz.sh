#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers an attacker reaches (libFuzzer, AddressSanitizer).
#
#   scripts/fuzz.sh [--seconds N] [TARGET…]     targets: base64url json token lifecycle canonical sanitized resp
#
# Builds Fuzz/ (a package of its own, outside `swift build`/`swift test`), runs each target for N
# seconds (default 60) from its seed corpus (Fuzz/Corpus/TARGET, kept) and a working corpus
# (.build/fuzz-corpus/TARGET, not kept), and prints per target: executions/s, coverage, and
# libFuzzer's own closing "Done N runs in S second(s)" line. An input that breaks a property or
# crashes is saved under Tests/Fixtures/fuzz-regressions/TARGET/, where FuzzRegressionTests
# replays it in every `swift test`; any such input makes this script exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) seconds=${1#--seconds=}; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(base64url json token lifecycle canonical sanitized resp)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for target in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $target "* ]] || { echo "fuzz.sh: no target $target (targets: ${all[*]})" >&2; exit 2; }
done
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "fuzz.sh: --seconds must be a whole number above 0" >&2; exit 2; }

# ld.gold fails on the sanitizers' debug info here; lld ships with the Swift toolchain.
flags=(-c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing
       -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld)
echo "building the fuzz targets (Fuzz/, release, -sanitize=fuzzer,address)"
build_log=$(mktemp)
swift build --package-path Fuzz "${flags[@]}" > "$build_log" 2>&1 || { grep -E "error:" "$build_log" | head -20 >&2; tail -5 "$build_log" >&2; rm -f "$build_log"; exit 1; }
tail -1 "$build_log"; rm -f "$build_log"
bin=$(swift build --package-path Fuzz "${flags[@]}" --show-bin-path)

# A violated property is a fatalError: no Swift backtrace (it can hang under ASan), libFuzzer
# reports the signal and saves the input.
export SWIFT_BACKTRACE=enable=no
failed=0
printf '%-10s %12s %8s %8s %s\n' TARGET "EXEC/S" COV FT RESULT
for target in "${targets[@]}"; do
  work=.build/fuzz-corpus/$target
  regressions=Tests/Fixtures/fuzz-regressions/$target
  mkdir -p "$work" "$regressions"
  dict=()
  [ -f "Fuzz/Dictionaries/$target.dict" ] && dict=(-dict="Fuzz/Dictionaries/$target.dict")
  log=$(mktemp)
  status=0
  "$bin/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=9000 -print_final_stats=1 \
    "${dict[@]}" -artifact_prefix="$regressions/" "$work" "Fuzz/Corpus/$target" > "$log" 2>&1 || status=$?
  rate=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)
  cov=$( (grep -oE 'cov: [0-9]+' "$log" || true) | tail -1 | awk '{print $2}')
  ft=$( (grep -oE 'ft: [0-9]+' "$log" || true) | tail -1 | awk '{print $2}')
  if [ "$status" -eq 0 ]; then result=ok; else result="FAILED (exit $status)"; failed=1; fi
  printf '%-10s %12s %8s %8s %s\n' "$target" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
  grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | sed "s/^/  $target: /" || true
  if [ "$status" -ne 0 ]; then
    (grep -E 'Fatal error|ERROR: |SUMMARY|Test unit written' "$log" || true) | head -8 | sed 's/^/  /'
  fi
  rm -f "$log"
done
# A target that saved nothing leaves no empty folder behind.
for target in "${all[@]}"; do [ -n "$(ls -A "Tests/Fixtures/fuzz-regressions/$target" 2>/dev/null)" ] || rm -rf "Tests/Fixtures/fuzz-regressions/$target"; done
exit $failed
