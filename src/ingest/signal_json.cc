#include "ingest/signal_json.h"

#include "fmt/format.h"
#include "ingest/json_fields.h"

namespace quell::ingest {
namespace {

void Str(std::string* out, std::string_view name, std::string_view value) {
  out->append(",\"");
  out->append(name);
  out->append("\":\"");
  AppendJsonEscaped(out, value);
  out->push_back('"');
}

void Map(std::string* out, std::string_view name, core::LabelView labels) {
  out->append(",\"");
  out->append(name);
  out->append("\":{");
  bool first = true;
  for (const core::Label& l : labels) {
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    AppendJsonEscaped(out, l.name);
    out->append("\":\"");
    AppendJsonEscaped(out, l.value);
    out->push_back('"');
  }
  out->push_back('}');
}

}  // namespace

std::string SignalToJson(const core::SignalBatch& batch, const core::Signal& s) {
  std::string out;
  fmt::format_to(std::back_inserter(out), R"({{"kind":"{}","state":"{}","severity":"{}","format":"{}","source":"{}")",
                 core::SignalKindName(s.kind), core::SignalStateName(s.state), core::SeverityName(s.severity),
                 core::FormatName(s.format), core::SourceKindName(s.source));
  Str(&out, "color", core::DeployColorName(s.color));
  Str(&out, "metric_type", core::MetricTypeName(s.metric_type));
  fmt::format_to(std::back_inserter(out), R"(,"span_status":{},"http_status":{},"event_time":{},"observed_time":{},"end_time":{},"duration_ns":{})",
                 s.span_status, s.http_status, s.event_time.unix_nanos(), s.observed_time.unix_nanos(),
                 s.end_time.unix_nanos(), s.duration_ns);
  Str(&out, "service", s.service);
  Str(&out, "env", s.env);
  Str(&out, "host", s.host);
  Str(&out, "version", s.version);
  Str(&out, "title", s.title);
  Str(&out, "message", s.message);
  Str(&out, "source_id", s.source_id);
  Str(&out, "link", s.link);
  out.append(",\"value\":");
  AppendDouble(&out, s.value);
  fmt::format_to(std::back_inserter(out), R"(,"count":{},"record_offset":{},"fingerprint":"{}")", s.count,
                 s.record_offset, s.fingerprint.ToString());
  Map(&out, "labels", batch.labels(s));
  Map(&out, "annotations", batch.annotations(s));
  out.push_back('}');
  return out;
}

std::string RejectionToJson(const core::Rejection& r) {
  std::string out = fmt::format(R"({{"rejected":"{}","offset":{},"record":{},"field":")",
                                core::RejectReasonName(r.reason), r.offset, r.record_index);
  AppendJsonEscaped(&out, r.field == nullptr ? "" : r.field);
  out.append("\"}");
  return out;
}

}  // namespace quell::ingest
