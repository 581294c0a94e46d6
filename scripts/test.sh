#!/usr/bin/env bash
# Runs every test of ConnectAdmin on a fresh machine: installs what is missing, builds,
# runs the unit and end-to-end suites, and smoke-runs the benchmark so it cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

# --- System packages (Debian), installed only when missing ---------------------------
need_packages=()
pkg-config --exists ncursesw 2>/dev/null || need_packages+=(libncurses-dev)
command -v pkg-config >/dev/null || need_packages+=(pkg-config)
if [ ${#need_packages[@]} -gt 0 ]; then
  log "installing ${need_packages[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}"
fi

# --- Build and test -------------------------------------------------------------------
log "swift build (all targets, tests included)"
swift build --build-tests

log "swift test"
swift test --skip-build

log "benchmark smoke run (debug build, few iterations: checks it runs, not its figures)"
.build/debug/connect-bench jwt --iterations 2000 >/dev/null
echo "connect-bench ran"
