// src/ingest/http_intake.cc
#include "ingest/http_intake.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "core/json_writer.h"
#include "core/media_type.h"
#include "core/rpc_status.h"
#include "core/strings.h"
#include "fmt/format.h"
#include "ingest/form_to_json.h"
#include "ingest/json_fields.h"
#include "ingest/otlp_protobuf.h"
#include "ingest/otlp_protobuf_parser.h"
#include "simdjson.h"

namespace quell::ingest {
namespace {

// kDatadogLogs: the logs intake answers errors as JSON:API error objects (HTTPLogErrors), the other
// Datadog endpoints as a list of strings (APIErrorResponse).
enum class Family { kDatadog, kDatadogLogs, kOtlp, kAlertmanager };

Family FamilyOf(IntakeEndpoint e) {
  switch (e) {
    case IntakeEndpoint::kDatadogEvents:
    case IntakeEndpoint::kDatadogWebhook:
      return Family::kDatadog;
    case IntakeEndpoint::kDatadogLogs:
      return Family::kDatadogLogs;
    case IntakeEndpoint::kOtlpLogs:
    case IntakeEndpoint::kOtlpTraces:
    case IntakeEndpoint::kOtlpMetrics:
      return Family::kOtlp;
    case IntakeEndpoint::kAlertmanager:
      break;
  }
  return Family::kAlertmanager;
}

std::string_view StatusTitle(int http_status) {
  switch (http_status) {
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// An error in the shape the emulated service uses: Datadog {"errors":["..."]}, the Datadog logs
// intake {"errors":[{"status":"403","title":"Forbidden","detail":"..."}]} (what Datadog's API
// clients parse), OTLP a google.rpc.Status {"code":N,"message":"..."}, Alertmanager a JSON string.
core::HttpResponse ErrorResponse(Family family, int status, std::string_view message) {
  std::string body;
  core::JsonWriter w(&body);
  switch (family) {
    case Family::kDatadog:
      w.BeginObject();
      w.Key("errors");
      w.BeginArray();
      w.String(message);
      w.EndArray();
      w.EndObject();
      break;
    case Family::kDatadogLogs:
      w.BeginObject();
      w.Key("errors");
      w.BeginArray();
      w.BeginObject();
      w.Field("status", fmt::format("{}", status));
      w.Field("title", StatusTitle(status));
      w.Field("detail", message);
      w.EndObject();
      w.EndArray();
      w.EndObject();
      break;
    case Family::kOtlp: return core::RpcStatusJsonResponse(status, message);
    case Family::kAlertmanager:
      w.String(message);
      break;
  }
  return core::HttpResponse::Json(status, std::move(body));
}

// The OTLP request an intake endpoint takes.
OtlpRequestKind OtlpKindOf(IntakeEndpoint e) {
  return e == IntakeEndpoint::kOtlpLogs     ? OtlpRequestKind::kLogs
         : e == IntakeEndpoint::kOtlpTraces ? OtlpRequestKind::kTraces
                                            : OtlpRequestKind::kMetrics;
}

core::HttpResponse WithRetryAfter(core::HttpResponse r, int64_t seconds) {
  r.headers.emplace_back("Retry-After", fmt::format("{}", std::max<int64_t>(1, seconds)));
  return r;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string_view RemoteHost(std::string_view remote) {
  if (!remote.empty() && remote.front() == '[') {
    size_t close = remote.find(']');
    return close == std::string_view::npos ? remote : remote.substr(1, close - 1);
  }
  size_t colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view RejectedField(IntakeEndpoint e) {
  switch (e) {
    case IntakeEndpoint::kOtlpLogs: return "rejectedLogRecords";
    case IntakeEndpoint::kOtlpTraces: return "rejectedSpans";
    default: return "rejectedDataPoints";
  }
}

constexpr size_t kMaxRateLimitClients = 65536;
// How much larger than the protobuf body its OTLP JSON may be (names, hex ids, decimal strings;
// real exports grow 2.6-2.8x). A body whose JSON would be larger is answered 413.
constexpr size_t kOtlpJsonExpansion = OtlpProtobufParser::kJsonExpansion;
// A form-encoded webhook's JSON may be larger than the form (quotes, escapes): up to this many
// times the body limit.
constexpr size_t kFormJsonExpansion = 2;
constexpr size_t kFormatCount = 9;  // core::Format values.
// A protobuf request is read as its OTLP/JSON transcoding, so the byte offsets of its rejections are
// offsets into that JSON (which its dead letters keep), not into the protobuf the client sent; its
// answers say so. (A malformed_protobuf offset is into the protobuf body.)
constexpr std::string_view kTranscodedOffsets =
    "byte offsets are into the OTLP/JSON transcoding of the protobuf body: ";

}  // namespace

std::string_view IntakeEndpointName(IntakeEndpoint e) {
  switch (e) {
    case IntakeEndpoint::kDatadogEvents: return "datadog_events";
    case IntakeEndpoint::kDatadogLogs: return "datadog_logs";
    case IntakeEndpoint::kDatadogWebhook: return "datadog_webhook";
    case IntakeEndpoint::kOtlpLogs: return "otlp_logs";
    case IntakeEndpoint::kOtlpTraces: return "otlp_traces";
    case IntakeEndpoint::kOtlpMetrics: return "otlp_metrics";
    case IntakeEndpoint::kAlertmanager: return "alertmanager";
  }
  return "unknown";
}

core::Format IntakeEndpointFormat(IntakeEndpoint e) {
  switch (e) {
    case IntakeEndpoint::kDatadogEvents: return core::Format::kDatadogEvent;
    case IntakeEndpoint::kDatadogLogs: return core::Format::kDatadogLog;
    case IntakeEndpoint::kDatadogWebhook: return core::Format::kDatadogWebhook;
    case IntakeEndpoint::kOtlpLogs: return core::Format::kOtlpLogs;
    case IntakeEndpoint::kOtlpTraces: return core::Format::kOtlpTraces;
    case IntakeEndpoint::kOtlpMetrics: return core::Format::kOtlpMetrics;
    case IntakeEndpoint::kAlertmanager: return core::Format::kAlertmanager;
  }
  return core::Format::kUnknown;
}

std::string_view IntakeEndpointPath(IntakeEndpoint e) {
  switch (e) {
    case IntakeEndpoint::kDatadogEvents: return "/api/v1/events";
    case IntakeEndpoint::kDatadogLogs: return "/api/v2/logs";
    case IntakeEndpoint::kDatadogWebhook: return "/api/v1/datadog/webhook";
    case IntakeEndpoint::kOtlpLogs: return "/v1/logs";
    case IntakeEndpoint::kOtlpTraces: return "/v1/traces";
    case IntakeEndpoint::kOtlpMetrics: return "/v1/metrics";
    case IntakeEndpoint::kAlertmanager: return "/api/v2/alerts";
  }
  return "/";
}

// Per-request scratch: parsers (created on first use per format), batches, response text.
struct HttpIntake::Worker {
  std::array<std::unique_ptr<Parser>, kFormatCount> parsers;
  core::SignalBatch batch;
  core::SignalBatch scratch;
  std::vector<core::Rejection> rejections;
  std::vector<std::pair<std::string_view, std::string_view>> tags;
  OtlpProtobufTranscoder protobuf;
};

absl::StatusOr<std::unique_ptr<HttpIntake>> HttpIntake::Create(IntakeConfig config, HttpIntakeDeps deps) {
  if (deps.sink == nullptr) return absl::InvalidArgumentError("http intake: no batch sink");
  if (deps.clock == nullptr) return absl::InvalidArgumentError("http intake: no clock");
  std::vector<std::string> keys;
  keys.reserve(config.datadog_api_keys.size());
  for (const core::SecretRef& ref : config.datadog_api_keys) {
    absl::StatusOr<std::string> key = ref.Resolve();
    if (!key.ok()) return key.status();
    keys.push_back(*std::move(key));
  }
  if (!deps.parser_factory) {
    ParserOptions options = deps.parser_options;
    options.limits.max_body_bytes = config.max_body_bytes;
    options.limits.max_records = config.max_records_per_body;
    deps.parser_factory = [options](core::Format f) {
      ParserOptions o = options;
      // An OTLP protobuf body is parsed as its JSON transcoding, which is larger than the body the
      // intake's limit applied to (kOtlpJsonExpansion); JSON bodies were checked at the door.
      if (f == core::Format::kOtlpLogs || f == core::Format::kOtlpTraces || f == core::Format::kOtlpMetrics) {
        o.limits.max_body_bytes *= kOtlpJsonExpansion;
      }
      // Likewise a form-encoded Datadog webhook, parsed as its JSON (form_to_json.h).
      if (f == core::Format::kDatadogWebhook) o.limits.max_body_bytes *= kFormJsonExpansion;
      return MakeParser(f, o);
    };
  }
  return std::unique_ptr<HttpIntake>(new HttpIntake(std::move(config), std::move(deps), std::move(keys)));
}

HttpIntake::HttpIntake(IntakeConfig config, HttpIntakeDeps deps, std::vector<std::string> keys)
    : config_(std::move(config)), deps_(std::move(deps)), keys_(std::move(keys)) {
  // Event ids: unique per process and increasing; seeded from the clock so restarts do not reuse
  // small ids. Kept below 2^53 so JavaScript clients read them exactly.
  int64_t seconds = deps_.clock->Now().unix_nanos() / 1000000000;
  next_event_id_.store((static_cast<uint64_t>(std::max<int64_t>(seconds, 1)) & 0x3ffffffffULL) << 18);
}

HttpIntake::~HttpIntake() = default;

std::vector<IntakeRoute> HttpIntake::Routes() {
  std::vector<IntakeRoute> routes;
  for (int i = 0; i < kIntakeEndpointCount; ++i) {
    auto e = static_cast<IntakeEndpoint>(i);
    routes.push_back(IntakeRoute{
        "POST", std::string(IntakeEndpointPath(e)), [this, e](const core::HttpRequest& r) { return Handle(e, r); },
        [this, e](const core::HttpRequest& r, const core::HttpRefusal& f) { return Refused(e, r, f); }});
  }
  return routes;
}

std::unique_ptr<HttpIntake::Worker> HttpIntake::AcquireWorker() {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<Worker> w = std::move(pool_.back());
      pool_.pop_back();
      return w;
    }
  }
  return std::make_unique<Worker>();
}

void HttpIntake::ReleaseWorker(std::unique_ptr<Worker> w) {
  w->batch.Clear();
  w->scratch.Clear();
  w->rejections.clear();
  w->tags.clear();
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(std::move(w));
}

bool HttpIntake::KeyAllowed(const core::HttpRequest& req, std::string_view* key) const {
  std::string_view k = req.Header("DD-API-KEY");
  if (k.empty()) k = req.Query("dd-api-key");
  if (k.empty()) k = req.Query("api_key");
  *key = k;
  if (k.empty()) return !config_.require_api_key;
  if (keys_.empty()) return !config_.require_api_key;
  bool found = false;
  for (const std::string& candidate : keys_) found |= ConstantTimeEquals(candidate, k);
  return found;
}

int64_t HttpIntake::RateLimit(std::string_view key, std::string_view remote) {
  if (config_.rate_limit.requests_per_second <= 0) return 0;
  const int64_t now = deps_.clock->Now().unix_nanos();
  std::string id;
  if (!key.empty()) {
    id.reserve(key.size() + 2);
    id.append("k:").append(key);
  } else {
    std::string_view host = RemoteHost(remote);
    id.reserve(host.size() + 2);
    id.append("a:").append(host);
  }
  std::lock_guard<std::mutex> lock(rate_mu_);
  auto it = buckets_.find(id);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxRateLimitClients) buckets_.clear();
    it = buckets_.emplace(std::move(id), core::TokenBucket(config_.rate_limit.requests_per_second,
                                                           config_.rate_limit.burst))
             .first;
  }
  if (it->second.TryTake(now)) return 0;
  double wait = absl::ToDoubleSeconds(it->second.WaitFor(now));
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)));
}

void HttpIntake::DeadLetter(core::Format format, std::span<const core::Rejection> rejections, std::string_view body) {
  if (deps_.dead_letter && !rejections.empty()) deps_.dead_letter(format, rejections, body);
}

namespace {

// Copies every signal of `in` into `out` with the Datadog tags `tags` added (the entry's own
// labels win over query tags of the same name), as the logs intake's ?ddtags= does.
void ApplyQueryTags(const std::vector<std::pair<std::string_view, std::string_view>>& tags,
                    const core::SignalBatch& in, core::SignalBatch* out) {
  for (const core::Signal& s : in.signals()) {
    core::Signal& t = out->Add();
    const uint32_t begin = t.labels_begin;
    t = s;
    t.labels_begin = begin;
    t.labels_count = 0;
    t.annotations_begin = begin;
    t.annotations_count = 0;
    t.service = out->Copy(s.service);
    t.env = out->Copy(s.env);
    t.host = out->Copy(s.host);
    t.version = out->Copy(s.version);
    t.title = out->Copy(s.title);
    t.message = out->Copy(s.message);
    t.source_id = out->Copy(s.source_id);
    t.link = out->Copy(s.link);
    for (const auto& [name, value] : tags) {
      out->AddLabel(name, value);
      if (name == "service" && t.service.empty()) t.service = value;
      if (name == "env" && t.env.empty()) t.env = value;
      if (name == "host" && t.host.empty()) t.host = value;
      if (name == "version" && t.version.empty()) t.version = value;
    }
    for (const core::Label& l : in.labels(s)) out->AddLabel(out->Copy(l.name), out->Copy(l.value));
    out->FinishLabels();
    for (const core::Label& a : in.annotations(s)) out->AddAnnotation(out->Copy(a.name), out->Copy(a.value));
  }
  for (const core::Rejection& r : in.rejections()) out->Reject(r);
}

void SplitTags(std::string_view csv, core::SignalBatch* arena_owner,
               std::vector<std::pair<std::string_view, std::string_view>>* out) {
  std::string_view copy = arena_owner->Copy(csv);
  while (!copy.empty()) {
    size_t comma = copy.find(',');
    std::string_view tag = Trim(copy.substr(0, comma));
    copy = comma == std::string_view::npos ? std::string_view() : copy.substr(comma + 1);
    if (tag.empty()) continue;
    size_t colon = tag.find(':');
    if (colon == std::string_view::npos) {
      out->emplace_back(tag, "true");
    } else if (colon > 0) {
      out->emplace_back(tag.substr(0, colon), tag.substr(colon + 1));
    }
  }
}

// Datadog echoes the event's own `tags` (not Quell's labels, which add alertname, source, ...): the
// array's strings, or the items of a comma-separated string (which the parser takes too).
// The body was parsed once already; events are low-rate, so a second small DOM parse is fine.
void EchoEventTags(std::string_view body, core::JsonWriter* w) {
  w->BeginArray();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::element tags;
  if (parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS && doc.is_object() &&
      doc["tags"].get(tags) == simdjson::SUCCESS) {
    std::string_view csv;
    simdjson::dom::array list;
    if (tags.get_array().get(list) == simdjson::SUCCESS) {
      for (simdjson::dom::element t : list) {
        std::string_view tag;
        if (t.get(tag) == simdjson::SUCCESS) w->String(tag);
      }
    } else if (tags.get(csv) == simdjson::SUCCESS) {
      while (!csv.empty()) {
        const size_t comma = csv.find(',');
        const std::string_view tag = Trim(csv.substr(0, comma));
        csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
        if (!tag.empty()) w->String(tag);
      }
    }
  }
  w->EndArray();
}

std::string DatadogEventAnswer(const core::SignalBatch& batch, std::string_view request_body, uint64_t id) {
  std::string body;
  core::JsonWriter w(&body);
  w.BeginObject();
  w.Field("status", "ok");
  w.Key("event");
  w.BeginObject();
  w.Field("id", id);
  w.Field("id_str", fmt::format("{}", id));
  if (!batch.empty()) {
    const core::Signal& s = batch.signals()[0];
    w.Field("title", s.title);
    w.Field("text", s.message);
    w.Field("date_happened", s.event_time.unix_nanos() / 1000000000);
    w.Key("tags");
    EchoEventTags(request_body, &w);
  }
  w.Field("url", "");
  w.EndObject();
  w.EndObject();
  return body;
}

// The items (log records, spans, data points) the rejections stand for: OTLP's partialSuccess
// counts those, and a rejected resource or scope entry held several (Rejection::units).
uint64_t RejectedItems(const std::vector<core::Rejection>& rejections) {
  uint64_t n = 0;
  for (const core::Rejection& r : rejections) n += r.units;
  return n;
}

// "reason at byte N (record i, field f); ... (and K more)"
std::string RejectionSummary(const std::vector<core::Rejection>& rejections, size_t max_listed) {
  std::string out;
  for (size_t i = 0; i < rejections.size() && i < max_listed; ++i) {
    if (i > 0) out += "; ";
    out += rejections[i].ToString();
  }
  if (rejections.size() > max_listed) out += fmt::format("; and {} more", rejections.size() - max_listed);
  return out;
}

}  // namespace

core::HttpResponse HttpIntake::Refused(IntakeEndpoint e, const core::HttpRequest& req,
                                      const core::HttpRefusal& refusal) {
  IntakeEndpointStats& st = stats_[static_cast<size_t>(e)];
  st.requests.fetch_add(1, std::memory_order_relaxed);
  std::atomic<uint64_t>* counter = &st.malformed_http;
  switch (refusal.kind) {
    case core::HttpRefusalKind::kTooLarge: counter = &st.too_large; break;
    case core::HttpRefusalKind::kBadEncoding: counter = &st.bad_encoding; break;
    case core::HttpRefusalKind::kUnsupportedEncoding: counter = &st.unsupported_encoding; break;
    case core::HttpRefusalKind::kMalformed: counter = &st.malformed_http; break;
    case core::HttpRefusalKind::kTimeout: counter = &st.timeouts; break;
  }
  counter->fetch_add(1, std::memory_order_relaxed);
  const Family family = FamilyOf(e);
  if (family == Family::kOtlp && core::IsProtobufContentType(req.Header("Content-Type"))) {
    return core::RpcStatusResponse(refusal.status, refusal.message);
  }
  return ErrorResponse(family, refusal.status, refusal.message);
}

core::HttpResponse HttpIntake::Handle(IntakeEndpoint e, const core::HttpRequest& req) {
  IntakeEndpointStats& st = stats_[static_cast<size_t>(e)];
  st.requests.fetch_add(1, std::memory_order_relaxed);
  const Family family = FamilyOf(e);
  const core::Format format = IntakeEndpointFormat(e);
  // OTLP/HTTP binary protobuf: answered in protobuf, read through the JSON parser (otlp_protobuf.h).
  const bool protobuf = family == Family::kOtlp && core::IsProtobufContentType(req.Header("Content-Type"));
  // A Datadog webhook with "Encode as form": read as the JSON object its fields make (form_to_json.h).
  const bool form = e == IntakeEndpoint::kDatadogWebhook &&
                    core::MediaTypeIs(req.Header("Content-Type"), "application/x-www-form-urlencoded");
  auto error = [&](int status, std::string_view message) {
    return protobuf ? core::RpcStatusResponse(status, message) : ErrorResponse(family, status, message);
  };

  std::string_view key;
  if ((family == Family::kDatadog || family == Family::kDatadogLogs) && !KeyAllowed(req, &key)) {
    st.forbidden.fetch_add(1, std::memory_order_relaxed);
    return error(403, "Forbidden: missing or invalid API key");
  }
  if (int64_t wait = RateLimit(key, req.remote); wait > 0) {
    st.rate_limited.fetch_add(1, std::memory_order_relaxed);
    return WithRetryAfter(error(429, "rate limit exceeded"), wait);
  }
  if (req.body.size() > config_.max_body_bytes) {
    st.too_large.fetch_add(1, std::memory_order_relaxed);
    return error(413, fmt::format("body: {} bytes exceeds the limit of {} bytes", req.body.size(),
                                  config_.max_body_bytes));
  }
  if (family == Family::kOtlp && !protobuf) {
    std::string_view ct = req.Header("Content-Type");
    if (ct.find("grpc") != std::string_view::npos) {
      st.unsupported_media.fetch_add(1, std::memory_order_relaxed);
      return error(415, "content-type: OTLP over gRPC is not served here: send it to the OTLP/gRPC port "
                        "(server.otlp_grpc_listen, 4317 by default), or use OTLP/HTTP (application/x-protobuf or "
                        "application/json) on this one");
    }
    // OTLP/HTTP bodies are JSON or protobuf (the collector's otlpreceiver answers 415 to anything
    // else). A request without a Content-Type is read as JSON.
    if (!ct.empty() && !core::MediaTypeIs(ct, "application/json")) {
      st.unsupported_media.fetch_add(1, std::memory_order_relaxed);
      return error(415, fmt::format("content-type \"{}\" is not supported: OTLP/HTTP takes application/json or "
                                    "application/x-protobuf",
                                    ct.substr(0, 100)));
    }
  }

  std::unique_ptr<Worker> w = AcquireWorker();
  struct Release {
    HttpIntake* self;
    std::unique_ptr<Worker>* w;
    ~Release() { self->ReleaseWorker(std::move(*w)); }
  } release{this, &w};

  auto& parser = w->parsers[static_cast<size_t>(format)];
  if (!parser) parser = deps_.parser_factory(format);
  if (!parser) {
    st.sink_errors.fetch_add(1, std::memory_order_relaxed);
    return error(503, "intake: no parser for this format");
  }
  const core::EventTime observed = core::EventTime::FromUnixNanos(deps_.clock->Now().unix_nanos());
  core::SignalBatch* batch = &w->batch;
  // The batch takes the request body (no copy): the parser points the signals' strings into it and
  // the batch keeps it alive until the shards are done with them.
  std::shared_ptr<const std::string> owned = req.TakeBody();
  if (protobuf) {
    // The JSON transcoding replaces the protobuf body: the signals point into it, dead letters
    // carry it (readable, and replayable through the JSON parser).
    auto json = std::make_shared<std::string>();
    // Real exports grow 2.6-2.8 times as JSON (bench/results/parsers.md, session 8): 3x, so that
    // the buffer is not reallocated half-way.
    json->reserve(owned->size() * 3 + 256 + simdjson::SIMDJSON_PADDING);
    ProtobufError pe;
    const size_t max_json = config_.max_body_bytes * kOtlpJsonExpansion;
    if (!w->protobuf.Transcode(OtlpKindOf(e), *owned, max_json, json.get(), &pe)) {
      if (pe.too_large) {
        st.too_large.fetch_add(1, std::memory_order_relaxed);
        return error(413, fmt::format("body: its OTLP JSON exceeds {} bytes ({} times the body limit)", max_json,
                                      kOtlpJsonExpansion));
      }
      core::Rejection r;
      r.reason = core::RejectReason::kMalformedProtobuf;
      r.offset = pe.offset;
      r.field = "";
      r.record_begin = 0;
      DeadLetter(format, {&r, 1}, *owned);
      deps_.sink->CountUnsubmitted({&r, 1});
      st.bodies_rejected.fetch_add(1, std::memory_order_relaxed);
      return error(400, fmt::format("body: malformed_protobuf at byte {}: {}", pe.offset, pe.reason));
    }
    if (json->capacity() - json->size() < simdjson::SIMDJSON_PADDING) json->reserve(json->size() + simdjson::SIMDJSON_PADDING);
    owned = std::move(json);
  }
  if (form) {
    auto json = std::make_shared<std::string>();
    json->reserve(owned->size() + owned->size() / 4 + 64 + simdjson::SIMDJSON_PADDING);
    const size_t max_json = config_.max_body_bytes * kFormJsonExpansion;
    if (!FormToJson(*owned, max_json, json.get())) {
      st.too_large.fetch_add(1, std::memory_order_relaxed);
      return error(413, fmt::format("body: its JSON exceeds {} bytes ({} times the body limit)", max_json,
                                    kFormJsonExpansion));
    }
    if (json->capacity() - json->size() < simdjson::SIMDJSON_PADDING) json->reserve(json->size() + simdjson::SIMDJSON_PADDING);
    owned = std::move(json);
  }
  const std::string_view body = *owned;
  batch->AttachBytes(body, owned);
  ParseResult pr = parser->Parse(body, owned->capacity(), core::SourceKind::kHttp, observed, batch);
  if (pr.body_rejected) {
    core::Rejection r;
    if (!batch->rejections().empty()) r = batch->rejections()[0];
    r.record_begin = 0;
    DeadLetter(format, {&r, 1}, body);
    deps_.sink->CountUnsubmitted({&r, 1});
    if (r.reason == core::RejectReason::kTooLarge && r.record_index == 0 && batch->empty() &&
        body.size() > config_.max_body_bytes) {
      st.too_large.fetch_add(1, std::memory_order_relaxed);
      return error(413, fmt::format("body: {}", r.ToString()));
    }
    st.bodies_rejected.fetch_add(1, std::memory_order_relaxed);
    return error(400, fmt::format("body: {}{}", protobuf ? kTranscodedOffsets : "", r.ToString()));
  }

  if (e == IntakeEndpoint::kDatadogLogs) {
    std::string_view ddtags = req.Query("ddtags");
    // The tags go into every log and into the journal line, which must stay valid JSON (UTF-8) to
    // be replayed after a crash: invalid UTF-8 refuses the request, as a body's would.
    if (const size_t bad = FirstInvalidUtf8(ddtags); bad != ddtags.size()) {
      st.bodies_rejected.fetch_add(1, std::memory_order_relaxed);
      return error(400, fmt::format("ddtags: invalid UTF-8 at byte {} of the decoded query parameter", bad));
    }
    if (!ddtags.empty() && !batch->empty()) {
      SplitTags(ddtags, &w->scratch, &w->tags);
      ApplyQueryTags(w->tags, *batch, &w->scratch);
      batch = &w->scratch;
    }
  }

  w->rejections.assign(batch->rejections().begin(), batch->rejections().end());
  const size_t n = batch->size();
  if (e == IntakeEndpoint::kDatadogEvents && n == 0 && w->rejections.empty()) {
    // `[]`: an events body holds one event, and this one holds none.
    core::Rejection r;
    r.reason = core::RejectReason::kMissingField;
    r.field = "event";
    r.record_begin = 0;
    w->rejections.push_back(r);
  }
  std::string event_answer;
  if (e == IntakeEndpoint::kDatadogEvents && n > 0) {
    event_answer = DatadogEventAnswer(*batch, body, next_event_id_.fetch_add(1, std::memory_order_relaxed));
  }
  if (n > 0) {
    IntakeJournal* journal = deps_.journal;
    IntakeJournalTicket ticket;
    const std::string_view ddtags = e == IntakeEndpoint::kDatadogLogs ? req.Query("ddtags") : std::string_view();
    const int64_t retry = absl::ToInt64Seconds(absl::Ceil(config_.retry_after, absl::Seconds(1)));
    auto journal_failed = [&] {
      st.journal_errors.fetch_add(1, std::memory_order_relaxed);
      return WithRetryAfter(error(503, "intake: journal write failed, retry later"), retry);
    };
    // Normally the body is journaled after Submit, so that a refused body is not journaled. While
    // the journal is failing (disk full), it is journaled first: a body it cannot take is then not
    // applied either, and the client's retry of the 503 does not apply it twice.
    const bool append_first = journal != nullptr && journal->failing();
    if (append_first) {
      absl::Status js = journal->Append(&ticket, format, observed, body, ddtags);
      if (js.ok()) js = journal->WaitDurable(ticket);
      if (!js.ok()) {
        journal->Release(&ticket);  // Never submitted.
        return journal_failed();
      }
    }
    // The submit inside the journal's scope, so that a checkpoint's cut falls before or after it
    // (intake_journal.h). A refused body's record journaled first is released for trimming when
    // the scope ends (after a crash before that trim, its replay would apply what the client was
    // told to send again).
    std::optional<IntakeJournal::SubmitScope> scope;
    if (journal != nullptr) scope.emplace(journal, &ticket);
    absl::Status s = deps_.sink->Submit(batch, [] {});
    scope.reset();
    if (!s.ok()) {
      st.signals_refused.fetch_add(n, std::memory_order_relaxed);
      if (s.code() == absl::StatusCode::kResourceExhausted) {
        st.backpressure.fetch_add(1, std::memory_order_relaxed);
        return WithRetryAfter(error(family == Family::kOtlp ? 503 : 429,
                                            "intake: pipeline is full, retry later"),
                              retry);
      }
      st.sink_errors.fetch_add(1, std::memory_order_relaxed);
      return WithRetryAfter(error(503, "intake: pipeline unavailable, retry later"), retry);
    }
    st.signals_accepted.fetch_add(n, std::memory_order_relaxed);
    if (journal != nullptr && !append_first) {
      // After Submit (its line marked when a checkpoint's cut came in between: intake_journal.h).
      // A failure here answers 503 for a body already applied (its retry applies it again: alerts
      // are idempotent by fingerprint); the journal is failing from now on, so the next bodies are
      // journaled first.
      absl::Status js = journal->Append(&ticket, format, observed, body, ddtags);
      if (js.ok()) js = journal->WaitDurable(ticket);
      if (!js.ok()) return journal_failed();
    }
  }
  DeadLetter(format, w->rejections, body);
  // A submitted batch's rejections are counted by the sink with it; these were never submitted.
  if (n == 0) deps_.sink->CountUnsubmitted(w->rejections);
  st.records_rejected.fetch_add(w->rejections.size(), std::memory_order_relaxed);

  const bool any_rejected = !w->rejections.empty();
  core::HttpResponse res;
  switch (e) {
    case IntakeEndpoint::kOtlpLogs:
    case IntakeEndpoint::kOtlpTraces:
    case IntakeEndpoint::kOtlpMetrics: {
      if (protobuf) {
        res.status = 200;
        res.content_type = "application/x-protobuf";
        if (any_rejected) {
          res.body = OtlpProtobufExportResponse(
              static_cast<int64_t>(RejectedItems(w->rejections)),
              fmt::format("{}{}", kTranscodedOffsets, RejectionSummary(w->rejections, 3)));
        }
        break;
      }
      if (!any_rejected) {
        res = core::HttpResponse::Json(200, "{}");
        break;
      }
      std::string body;
      core::JsonWriter jw(&body);
      jw.BeginObject();
      jw.Key("partialSuccess");
      jw.BeginObject();
      jw.Field(RejectedField(e), fmt::format("{}", RejectedItems(w->rejections)));
      jw.Field("errorMessage", RejectionSummary(w->rejections, 3));
      jw.EndObject();
      jw.EndObject();
      res = core::HttpResponse::Json(200, std::move(body));
      break;
    }
    case IntakeEndpoint::kAlertmanager:
      if (any_rejected) {
        res = error(400, fmt::format("{} invalid alert(s): {}", w->rejections.size(),
                                                     RejectionSummary(w->rejections, 5)));
      } else {
        res = core::HttpResponse::Json(200, "");
      }
      break;
    case IntakeEndpoint::kDatadogEvents:
      res = n > 0 ? core::HttpResponse::Json(202, std::move(event_answer))
                  : error(400, fmt::format("event: {}", RejectionSummary(w->rejections, 1)));
      break;
    case IntakeEndpoint::kDatadogLogs:
      res = n > 0 || !any_rejected
                ? core::HttpResponse::Json(202, "{}")
                : error(400, fmt::format("logs: {}", RejectionSummary(w->rejections, 3)));
      break;
    case IntakeEndpoint::kDatadogWebhook:
      res = n > 0 || !any_rejected
                ? core::HttpResponse::Json(202, "{\"status\":\"ok\"}")
                : error(400, fmt::format("webhook: {}", RejectionSummary(w->rejections, 1)));
      break;
  }
  // Every answer counts once: a 400 for the records of a body (all of them, or some of an
  // Alertmanager list) is a bad body.
  if (res.status < 300) {
    st.accepted_requests.fetch_add(1, std::memory_order_relaxed);
  } else {
    st.bodies_rejected.fetch_add(1, std::memory_order_relaxed);
  }
  return res;
}

}  // namespace quell::ingest
