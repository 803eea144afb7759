#!/usr/bin/env bash
# Installs what is missing, builds graphc in Release and runs the whole test
# suite through ctest. `--sanitize` does the same under ASan+UBSan in
# build-sanitize/. Extra arguments go to ctest (e.g. -R Json, -L passes).
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
cmake_args=(-DCMAKE_BUILD_TYPE=Release)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build=build-sanitize
  # -O1 with line tables: sanitizer reports with file:line, at half the compile time of -O2 -g.
  cmake_args=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DGRAPHC_SANITIZE=ON)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi

tools/bootstrap.sh
jobs=$(nproc)
cmake -S . -B "$build" -G Ninja "${cmake_args[@]}"
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"
