#!/usr/bin/env bash
# Quick start, command 2 (and CI): install what is missing, build, and run the whole test suite.
#  1. the ASan+UBSan build, and every CTest test in it (unit, scenario, integration, compat);
#  2. the Release build (the binaries and every benchmark must compile);
#  3. the libFuzzer targets, each for a bounded time over its corpus, under ASan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== asan+ubsan build and tests"
scripts/build.sh asan
(cd build-asan && ctest --output-on-failure -j "$(nproc)" --timeout 600)

echo "== release build (benchmarks and tools)"
scripts/build.sh release

echo "== fuzz smoke runs"
scripts/build.sh fuzz
scripts/fuzz-smoke.sh build-fuzz "${QUELL_FUZZ_SECONDS:-20}"
echo "test.sh: all passed"
