#!/usr/bin/env bash
# The README's quick start: one script, two commands.
#   scripts/dev.sh demo   installs what is missing, builds, runs `tunnelisa demo`
#   scripts/dev.sh test   installs what is missing, builds, runs the whole test suite
# BUILD_DIR (default: build), BUILD_TYPE (default: RelWithDebInfo) and JOBS (default: nproc)
# may be set in the environment. CI runs the suite on its Release (-O3) build: one build then
# does what two did (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo}
JOBS=${JOBS:-$(nproc)}

# build [TARGET...]: configures (warnings are errors in our own builds) and builds the
# targets, or everything.
build() {
  bash scripts/deps.sh
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DTUNNELISA_WERROR=ON \
    >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$BUILD_DIR" -j "$JOBS" "${targets[@]}"
}

case "${1:-}" in
  demo)
    shift
    build tunnelisa_cli  # the demo needs the tool alone, not every test and benchmark
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
