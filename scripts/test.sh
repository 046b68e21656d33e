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
# A failed test runs once more (--repeat until-pass:2): the integration tests drive a real
# librdkafka mock cluster, child processes and loopback HTTP under ASan on a shared 2-core
# machine, and a scheduling hiccup must not sink a whole run. A real bug fails both attempts; a
# pass on the second attempt is listed below as FLAKY, with the first attempt's output above it
# (docs/adr/0005-testing-and-time.md).
ctest_log=$(mktemp)
set +e
(cd build-asan && ctest --output-on-failure -j "$(nproc)" --timeout 600 --repeat until-pass:2) 2>&1 | tee "$ctest_log"
ctest_rc=${PIPESTATUS[0]}
set -e
flaky=$(grep -oE 'Test +#[0-9]+: [A-Za-z0-9_]+ \.+\*\*\*(Failed|Timeout|Exception)' "$ctest_log" | awk '{print $3}' | sort -u || true)
for t in $flaky; do
  if [ "$ctest_rc" -eq 0 ]; then echo "FLAKY: $t failed once and passed when repeated"; fi
done
rm -f "$ctest_log"
if [ "$ctest_rc" -ne 0 ]; then exit "$ctest_rc"; fi

echo "== release build (benchmarks and tools)"
scripts/build.sh release

echo "== fuzz smoke runs"
scripts/build.sh fuzz
scripts/fuzz-smoke.sh build-fuzz "${QUELL_FUZZ_SECONDS:-20}"
echo "test.sh: all passed"
