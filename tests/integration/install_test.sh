#!/usr/bin/env bash
# Installs the build tree into a temporary prefix, then builds and runs examples/embed against
# the installed package twice: with CMake's find_package and with pkg-config.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/tunnelisa/esp_dataplane.h"
test -f "$work/prefix/lib/cmake/tunnelisa/tunnelisaConfig.cmake" ||
  test -f "$work/prefix/lib/x86_64-linux-gnu/cmake/tunnelisa/tunnelisaConfig.cmake"
cmake -S "$source_dir/examples/embed" -B "$work/embed" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/embed" >/dev/null
"$work/embed/embed_example"
# pkg-config
pcdir=$(dirname "$(find "$work/prefix" -name tunnelisa.pc | head -n 1)")
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs --static tunnelisa)
# shellcheck disable=SC2086
g++ -std=c++20 -o "$work/embed_pc" "$source_dir/examples/embed/main.cc" $flags
"$work/embed_pc"
echo "install test: OK"
