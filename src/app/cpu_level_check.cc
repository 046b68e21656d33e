#include "app/cpu_level_check.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#ifndef QUELL_X86_64_LEVEL_NUMBER
#define QUELL_X86_64_LEVEL_NUMBER 1
#endif

namespace quell::app {
namespace {

// What x86-64-v2 and v3 add to the baseline, in __builtin_cpu_supports' names (those GCC 12 and
// clang 14 both know), plus PCLMUL, which the build adds at both levels for simdjson's kernels.
constexpr const char* kLevel2[] = {"sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "pclmul"};
constexpr const char* kLevel3[] = {"avx", "avx2", "bmi", "bmi2", "fma"};

#if defined(__x86_64__)
bool Supports(const char* feature) {
  // __builtin_cpu_supports takes string literals only: map each name we ask about.
  if (std::strcmp(feature, "sse3") == 0) return __builtin_cpu_supports("sse3");
  if (std::strcmp(feature, "ssse3") == 0) return __builtin_cpu_supports("ssse3");
  if (std::strcmp(feature, "sse4.1") == 0) return __builtin_cpu_supports("sse4.1");
  if (std::strcmp(feature, "sse4.2") == 0) return __builtin_cpu_supports("sse4.2");
  if (std::strcmp(feature, "popcnt") == 0) return __builtin_cpu_supports("popcnt");
  if (std::strcmp(feature, "pclmul") == 0) return __builtin_cpu_supports("pclmul");
  if (std::strcmp(feature, "avx") == 0) return __builtin_cpu_supports("avx");
  if (std::strcmp(feature, "avx2") == 0) return __builtin_cpu_supports("avx2");
  if (std::strcmp(feature, "bmi") == 0) return __builtin_cpu_supports("bmi");
  if (std::strcmp(feature, "bmi2") == 0) return __builtin_cpu_supports("bmi2");
  if (std::strcmp(feature, "fma") == 0) return __builtin_cpu_supports("fma");
  return false;
}
#else
bool Supports(const char*) { return true; }
#endif

// Runs before every default-priority static initializer of the program.
[[gnu::constructor(101)]] void CheckCpuAtStart() {
  if (CpuRunsThisBuild()) return;
  const char* missing = FirstMissingCpuFeature(BuiltX86Level(), Supports).data();
  const char* parts[] = {"quell: this build needs an x86-64-v", BuiltX86Level() == 3 ? "3" : "2",
                         " CPU and this one lacks ", missing,
                         "; rebuild with cmake -DQUELL_X86_64_LEVEL=v1 (docs/adr/0008-x86-64-v3-baseline.md)\n"};
  for (const char* p : parts) {
    ssize_t ignored = ::write(2, p, std::strlen(p));
    (void)ignored;
  }
  std::_Exit(1);
}

}  // namespace

int BuiltX86Level() {
#if defined(__x86_64__)
  return QUELL_X86_64_LEVEL_NUMBER;
#else
  return 1;
#endif
}

std::string_view FirstMissingCpuFeature(int level, bool (*has)(const char* feature)) {
  if (level >= 2) {
    for (const char* f : kLevel2) {
      if (!has(f)) return f;
    }
  }
  if (level >= 3) {
    for (const char* f : kLevel3) {
      if (!has(f)) return f;
    }
  }
  return {};
}

bool CpuRunsThisBuild() {
#if defined(__x86_64__)
  __builtin_cpu_init();  // Constructors may run before libgcc's own cpu-model initializer.
#endif
  static const bool kRuns = FirstMissingCpuFeature(BuiltX86Level(), Supports).empty();
  return kRuns;
}

}  // namespace quell::app
