// fuzz/otlp_metrics_fuzz.cc: the core::Format::kOtlpMetrics parser against arbitrary bytes (parser_fuzz_common.h
// lists the invariants checked). Seed corpus: fuzz/corpus/otlp_metrics/.
#include <cstddef>
#include <cstdint>

#include "parser_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return quell::fuzz::FuzzParser(quell::core::Format::kOtlpMetrics, data, size);
}
