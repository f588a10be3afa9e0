#!/usr/bin/env bash
# The README's quick start: one script, two commands.
#   scripts/dev.sh demo   installs what is missing, builds, runs `tunnelisa demo`
#   scripts/dev.sh test   installs what is missing, builds, runs the whole test suite
# BUILD_DIR (default: build) and JOBS (default: nproc) may be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

build() {
  bash scripts/deps.sh
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

case "${1:-}" in
  demo)
    shift
    build
    "$BUILD_DIR/bin/tunnelisa" demo "$@"
    ;;
  test)
    shift
    build
    ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS" --timeout 600 "$@"
    ;;
  *)
    echo "usage: scripts/dev.sh demo|test [args]" >&2
    exit 2
    ;;
esac
