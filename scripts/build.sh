#!/usr/bin/env bash
# build.sh [release|asan|fuzz] : configures and builds one flavour of Quell into build/,
# build-asan/ or build-fuzz/. Binaries land in <dir>/bin. $QUELL_X86_64_LEVEL (v3, the default; v2;
# v1 for any x86-64 CPU) sets the ISA level our code is compiled for (docs/adr/0008).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
jobs=${QUELL_JOBS:-$(nproc)}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
case "$flavour" in
  release) dir=build; args=(-DCMAKE_BUILD_TYPE=Release -DQUELL_TESTS=OFF) ;;  # tests run in build-asan
  asan)    dir=build-asan; args=(-DCMAKE_BUILD_TYPE=Debug -DQUELL_SANITIZE=ON -DQUELL_BENCH=OFF) ;;
  fuzz)    dir=build-fuzz; args=(-DCMAKE_BUILD_TYPE=Debug -DQUELL_FUZZ=ON -DQUELL_TESTS=OFF -DQUELL_BENCH=OFF
                                -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "usage: build.sh [release|asan|fuzz]" >&2; exit 2 ;;
esac
if [ -n "${QUELL_X86_64_LEVEL:-}" ]; then args+=(-DQUELL_X86_64_LEVEL="$QUELL_X86_64_LEVEL"); fi
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f "$dir/CMakeCache.txt" ] || [ -n "${QUELL_X86_64_LEVEL:-}" ]; then
  cmake -S . -B "$dir" "${generator[@]}" "${args[@]}" >/dev/null
fi
if [ "$flavour" = fuzz ]; then
  # Only the libFuzzer targets (and what they link): building the whole tree with clang is slow.
  targets=()
  for f in fuzz/*_fuzz.cc; do targets+=(--target "$(basename "$f" .cc)"); done
  cmake --build "$dir" -j "$jobs" "${targets[@]}"
else
  cmake --build "$dir" -j "$jobs"
fi
