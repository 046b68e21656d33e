// src/app/cpu_level_check.h
//
// Quell's own code is compiled for one x86-64 ISA level (CMake's QUELL_X86_64_LEVEL, default v3:
// AVX2, BMI1/2, FMA, LZCNT plus PCLMUL, which simdjson's AVX2 kernel needs). On a CPU without those
// instructions such a binary would die of SIGILL somewhere inside a parser. Instead, linking this
// file makes the process check the CPU before any other static initializer runs and exit with
// status 1 and a one-line explanation on stderr (docs/adr/0008-x86-64-v3-baseline.md).
//
// The file is compiled for baseline x86-64 whatever the level (src/app/CMakeLists.txt), so the
// check itself never executes an instruction the CPU lacks. On other architectures it checks
// nothing.
#ifndef QUELL_APP_CPU_LEVEL_CHECK_H_
#define QUELL_APP_CPU_LEVEL_CHECK_H_

#include <string_view>

namespace quell::app {

// The x86-64 level this build's code was compiled for: 1, 2 or 3 (1 on other architectures).
int BuiltX86Level();

// Returns the first CPU feature (a __builtin_cpu_supports name such as "avx2") that level `level`
// needs and `has(name)` denies, or "" when none is missing. Levels 1 and below need nothing.
std::string_view FirstMissingCpuFeature(int level, bool (*has)(const char* feature));

// Whether this CPU can run this build. Called by the start-up check; cheap after the first call.
bool CpuRunsThisBuild();

}  // namespace quell::app

#endif  // QUELL_APP_CPU_LEVEL_CHECK_H_
