# Shared by the bench-*.sh scripts (sourced).

# bench_binaries PRODUCT…: sets BIN to the folder of the binaries to measure. BENCH_BIN=DIR takes
# them from DIR (scripts/test.sh's smoke runs use the debug build; its figures mean nothing);
# otherwise PRODUCT… are built in release mode.
bench_binaries() {
  if [ -n "${BENCH_BIN:-}" ]; then
    BIN=$(realpath "$BENCH_BIN")
    return
  fi
  local product
  for product in "$@"; do swift build -c release --product "$product" >/dev/null; done
  BIN=$PWD/.build/release
}
