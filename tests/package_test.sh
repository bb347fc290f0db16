#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the build into a temporary prefix and builds a downstream project against it with
# find_package(robomlx). Usage: package_test.sh BUILD_DIR SOURCE_DIR
# A cross build sets ROBOMLX_PACKAGE_TOOLCHAIN (its toolchain file) and ROBOMLX_PACKAGE_LAUNCHER
# (the emulator that runs the consumer).
set -euo pipefail
build="$1"; src="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
# Only the public API is installed, and it is self-contained: no private header, and every robomlx
# header an installed header includes is installed too.
inc="$tmp/prefix/include"
private=$(find "$inc/robomlx" -name '*_twins.h' -o -name '*_internal.h' -o -name '*.cu' -o -name '*.cuh')
[[ -z "$private" ]] || { echo "private headers installed:"; echo "$private"; exit 1; }
missing=0
while IFS= read -r line; do
  file=${line%%:*}; dep=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"${line#*:}")
  [[ -f "$inc/$dep" ]] || { echo "$file includes $dep, which is not installed"; missing=1; }
done < <(grep -rH '#include "robomlx/' "$inc/robomlx")
((missing == 0)) || exit 1
echo "installed: $(find "$inc/robomlx" -name '*.h' | wc -l) public headers, none private"
mkdir -p "$tmp/consumer"
cp "$src/tests/package/consumer.cpp" "$tmp/consumer/"
cp "$src/tests/package/CMakeLists.txt.in" "$tmp/consumer/CMakeLists.txt"
toolchain=()
[[ -n "${ROBOMLX_PACKAGE_TOOLCHAIN:-}" ]] && toolchain=(-DCMAKE_TOOLCHAIN_FILE="$ROBOMLX_PACKAGE_TOOLCHAIN")
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" "${toolchain[@]}" >/dev/null
cmake --build "$tmp/consumer/build" >/dev/null
# shellcheck disable=SC2086  # the launcher is words
out=$(${ROBOMLX_PACKAGE_LAUNCHER:-} "$tmp/consumer/build/consumer")
echo "$out"
[[ "$out" == *"array([0, 0, 2, 2, 2], dtype=int32)"* ]]
