#!/usr/bin/env bash
# tests/integration/subdirectory_test.sh SOURCE_DIR
# A host that adds tunnelisa with add_subdirectory (examples/embed_subdirectory): its build has
# the library and the example, but none of tunnelisa's tests or benchmarks, and tunnelisa's
# sources compile without tunnelisa's warning flags (-Wall ... -Werror are ours alone) and
# without its precompiled headers (cmake/PrecompiledHeaders.cmake: our own builds only).
#
# The host builds with no build type, so without optimisation or debug information: this test
# proves the embedding (targets, flags, a program that links and runs), not the optimised code,
# which .ci/run's Release build covers. The library is built from scratch here while the other
# tests run; unoptimised it takes about 10% less CPU time than at -O3 (most of it is spent
# parsing headers).
set -euo pipefail
source_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$source_dir/examples/embed_subdirectory" -B "$work/build" -G Ninja \
  -DCMAKE_BUILD_TYPE= -DTUNNELISA_SOURCE="$source_dir" \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
targets=$(ninja -C "$work/build" -t targets all)
for unwanted in _test: bench_ tunnelisa_bench; do
  if grep -q -- "$unwanted" <<<"$targets"; then
    echo "FAIL: the host's build has tunnelisa targets matching '$unwanted':" >&2
    grep -- "$unwanted" <<<"$targets" | head -n 5 >&2
    exit 1
  fi
done
if grep -q -- '-Werror\|-Wshadow' "$work/build/compile_commands.json"; then
  echo "FAIL: tunnelisa's warning flags reached the host's build" >&2
  exit 1
fi
if grep -q -- 'cmake_pch' "$work/build/compile_commands.json"; then
  echo "FAIL: tunnelisa's precompiled headers reached the host's build" >&2
  exit 1
fi
cmake --build "$work/build" --target embed_example >/dev/null
"$work/build/embed_example"
echo "subdirectory test: OK"
