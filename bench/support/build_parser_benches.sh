#!/usr/bin/env bash
# bench/support/build_parser_benches.sh [BUILD_DIR] : builds parser_bench, signal_batch_bench and
# quell-corpus against only quell_ingest + quell_core + quell_bench_support from a Release build
# dir (default build-parsers-rel), without linking quell_app. bench/CMakeLists.txt links every
# benchmark with quell_app, so a broken file anywhere in the tree blocks the parser numbers; this
# script keeps them measurable. It compiles with the build dir's ISA flags (QUELL_X86_64_LEVEL, as
# CMake wrote them to generated/arch_flags); extra compiler flags via $CXXFLAGS.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-build-parsers-rel}
export CCACHE_BASEDIR=$PWD
cmake --build "$dir" --target quell_ingest quell_bench_support >/dev/null
libs=("$dir/src/ingest/libquell_ingest.a" "$dir/bench/libquell_bench_support.a" "$dir/src/core/libquell_core.a")
abs=(statusor status strerror str_format_internal cord cordz_info cord_internal cordz_functions cordz_handle
     raw_hash_set hashtablez_sampler exponential_biased synchronization stacktrace symbolize debugging_internal
     demangle_internal graphcycles_internal malloc_internal time civil_time time_zone hash strings strings_internal
     bad_optional_access bad_variant_access city throw_delegate low_level_hash base raw_logging_internal
     log_severity spinlock_wait int128)
sys=(-lsimdjson -lz -lfmt -lyaml-cpp -lxxhash -latomic -pthread)
for a in "${abs[@]}"; do sys+=("-labsl_$a"); done
arch=$(cat "$dir/generated/arch_flags" 2>/dev/null || true)
flags=(-std=c++20 -O3 -DNDEBUG -Isrc -I. -I"$dir/generated" $arch ${CXXFLAGS:-})
mkdir -p "$dir/bin"
c++ "${flags[@]}" bench/ingest/parser_bench.cc -o "$dir/bin/parser_bench" "${libs[@]}" -lbenchmark "${sys[@]}" &
c++ "${flags[@]}" bench/core/signal_batch_bench.cc -o "$dir/bin/signal_batch_bench" "${libs[@]}" -lbenchmark "${sys[@]}" &
c++ "${flags[@]}" bench/support/quell_corpus_main.cc -o "$dir/bin/quell-corpus" "${libs[@]}" "${sys[@]}" &
wait
echo "built $dir/bin/{parser_bench,signal_batch_bench,quell-corpus}"
