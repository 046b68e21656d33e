// fuzz/otlp_protobuf_fuzz.cc: the OTLP protobuf -> JSON transcoder (ingest/otlp_protobuf.h) against
// arbitrary bytes. The first byte picks the request (logs, traces, metrics), the rest is the body.
// Invariants: a failure names an offset inside the body; a success is well-formed JSON, which the
// matching OTLP parser reads with every invariant of parser_fuzz_common.h, and never rejects as a
// whole for anything but invalid UTF-8 (strings are copied as they are) or its size limit.
// Seed corpus: fuzz/corpus/otlp_protobuf/.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/otlp_protobuf.h"
#include "parser_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using quell::fuzz::Check;
  using quell::ingest::OtlpRequestKind;
  if (size == 0) return 0;
  static const quell::core::Format kFormats[] = {quell::core::Format::kOtlpLogs, quell::core::Format::kOtlpTraces,
                                                 quell::core::Format::kOtlpMetrics};
  static const OtlpRequestKind kKinds[] = {OtlpRequestKind::kLogs, OtlpRequestKind::kTraces, OtlpRequestKind::kMetrics};
  static std::unique_ptr<quell::ingest::Parser> parsers[3];
  const int k = data[0] % 3;
  if (!parsers[k]) parsers[k] = quell::ingest::MakeParser(kFormats[k], quell::ingest::ParserOptions());
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  static quell::ingest::OtlpProtobufTranscoder transcoder;
  std::string json;
  quell::ingest::ProtobufError error;
  if (!transcoder.Transcode(kKinds[k], body, 1 << 22, &json, &error)) {
    Check(error.offset <= body.size());
    Check(!error.reason.empty());
    return 0;
  }
  quell::core::SignalBatch batch;
  quell::ingest::ParseResult r = quell::fuzz::ParseAndCheck(*parsers[k], json, json.size(), &batch);
  if (r.body_rejected) {
    const quell::core::RejectReason reason = batch.rejections()[0].reason;
    Check(reason == quell::core::RejectReason::kInvalidUtf8 || reason == quell::core::RejectReason::kTooLarge);
  }
  return 0;
}
