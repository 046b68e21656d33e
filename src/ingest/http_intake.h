// src/ingest/http_intake.h
//
// HttpIntake: the HTTP intake endpoints. Each handler parses its body with the format's Parser
// (ingest/parser.h), hands the batch to a core::BatchSink, dead-letters bad records, and answers
// the way the real service would, so unmodified clients (Datadog Agent/libraries, OTel SDKs,
// Prometheus) can point at Quell:
//
//   POST /api/v1/events            Datadog Events v1   202 {"status":"ok","event":{...}}
//   POST /api/v2/logs              Datadog logs v2     202 {}   (?ddtags=k:v,... applied to each entry)
//   POST /api/v1/datadog/webhook   Datadog monitor webhook (templated JSON)  202 {"status":"ok"}
//   POST /v1/logs | /v1/traces | /v1/metrics   OTLP/HTTP JSON  200 {} or {"partialSuccess":{...}}
//   POST /api/v2/alerts            Alertmanager API v2 200 (empty), 400 "error string"
//
// Refusals, in the order they are checked, each counted in stats() (so are the server's own
// refusals of a request to an endpoint, before any of these: Refused()):
//   403 Datadog key missing (require_api_key) or not configured; 429 + Retry-After over the rate
//   limit (per API key, else per client IP); 413 decoded body over max_body_bytes; 415 OTLP
//   protobuf (JSON only); 400 body unreadable (dead-lettered whole); 429 (OTLP: 503) + Retry-After
//   when BatchSink::Submit returns ResourceExhausted (nothing is dead-lettered then: the client
//   retries the same body); 503 + Retry-After when the intake journal (deps.journal) cannot write
//   the accepted body (the signals were taken: a retry may apply them twice, which alerts absorb). Good records of a body with some bad ones pass: the bad ones go to the
//   dead-letter callback, and OTLP answers partialSuccess, Alertmanager 400 with the errors (as
//   Alertmanager does), Datadog logs 202. Nothing is dropped without being counted and answered.
//
// Threading: handlers run concurrently on the server's I/O threads. Parsers and batches come from
// an internal pool (one per concurrent request; reused, so steady state allocates nothing per
// signal). The rate-limit table is one mutex-guarded map (bounded: it is cleared when it reaches
// 65536 clients). stats() may be read from any thread.
//
// Lifetimes: `deps.sink` and `deps.clock` must outlive the intake; the intake must outlive every
// server its Routes() were registered in (handlers capture `this`).
#ifndef QUELL_INGEST_HTTP_INTAKE_H_
#define QUELL_INGEST_HTTP_INTAKE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "core/batch_sink.h"
#include "core/clock.h"
#include "core/dead_letter.h"
#include "core/http_message.h"
#include "core/signal.h"
#include "core/token_bucket.h"
#include "ingest/intake_config.h"
#include "ingest/intake_journal.h"
#include "ingest/parser.h"

namespace quell::ingest {

enum class IntakeEndpoint : uint8_t {
  kDatadogEvents = 0,
  kDatadogLogs,
  kDatadogWebhook,
  kOtlpLogs,
  kOtlpTraces,
  kOtlpMetrics,
  kAlertmanager,
};
inline constexpr int kIntakeEndpointCount = 7;

// "datadog_events", "datadog_logs", ... (stable: metric label values).
std::string_view IntakeEndpointName(IntakeEndpoint e);
core::Format IntakeEndpointFormat(IntakeEndpoint e);
// The path HttpIntake serves `e` at ("/api/v2/alerts").
std::string_view IntakeEndpointPath(IntakeEndpoint e);

// One route for the app to register in the server's Router:
//   router.Route(r.method, r.path, r.handler, {}, r.on_refusal).
struct IntakeRoute {
  std::string method;
  std::string path;
  core::HttpHandler handler;
  core::HttpRefusalHandler on_refusal;  // HttpIntake::Refused for this endpoint.
};

// Receives the rejected records of one body (parser Rejections, in body order) or the one
// Rejection of a rejected body (body_rejected: record_index 0, record_begin 0), once per request.
// `body` is the whole decoded request body; the callee copies what it keeps (DeadLetterFile writes
// each with its reason, in one write). Called on I/O threads, concurrently.
using IntakeDeadLetterFn = std::function<void(core::Format format, std::span<const core::Rejection> rejections,
                                              std::string_view body)>;
using ParserFactory = std::function<std::unique_ptr<Parser>(core::Format format)>;

struct HttpIntakeDeps {
  core::BatchSink* sink = nullptr;           // Required.
  const core::Clock* clock = nullptr;        // Required: observed time and rate limits.
  IntakeDeadLetterFn dead_letter;            // Optional; counted either way.
  ParserFactory parser_factory;              // Optional; default MakeParser(format, options).
  ParserOptions parser_options;              // For the default factory (limits from config apply).
  // Optional write-ahead log (ingest.journal): every body whose signals the sink took is appended
  // (the logs intake's ?ddtags= with it) before the 2xx (with fsync: always, on disk); a journal that
  // cannot write answers 503 + Retry-After. Its Done() follows the sink's done callback.
  IntakeJournal* journal = nullptr;
};

// Counters per endpoint, monotonic.
struct IntakeEndpointStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> accepted_requests{0};     // 2xx answers.
  std::atomic<uint64_t> signals_accepted{0};      // Signals handed to the sink.
  std::atomic<uint64_t> records_rejected{0};      // Bad records dead-lettered (body kept).
  std::atomic<uint64_t> bodies_rejected{0};       // 400: body unreadable.
  std::atomic<uint64_t> forbidden{0};             // 403.
  std::atomic<uint64_t> rate_limited{0};          // 429 by the rate limit.
  std::atomic<uint64_t> backpressure{0};          // 429/503 because the sink refused.
  std::atomic<uint64_t> signals_refused{0};       // Signals in batches the sink refused.
  std::atomic<uint64_t> too_large{0};             // 413, by the intake or the server.
  std::atomic<uint64_t> unsupported_media{0};     // 415: a Content-Type the endpoint does not take.
  std::atomic<uint64_t> sink_errors{0};           // 503: the sink failed otherwise.
  std::atomic<uint64_t> journal_errors{0};        // 503: the intake journal could not write or sync.
  // Refused by the server before the intake saw the body (Refused()); its 413s count in too_large.
  std::atomic<uint64_t> bad_encoding{0};          // 400: a corrupt or truncated gzip/deflate/zstd body.
  std::atomic<uint64_t> unsupported_encoding{0};  // 415: a Content-Encoding the server does not decode.
  std::atomic<uint64_t> malformed_http{0};        // 400: a body whose HTTP framing is broken (a bad chunk).
  std::atomic<uint64_t> timeouts{0};              // 408: the body did not arrive in time.
};

class HttpIntake {
 public:
  // Resolves the API key references. Errors: InvalidArgument for missing deps; the SecretRef's
  // error (naming the variable or file, never a value) when a key cannot be read.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpIntake>> Create(IntakeConfig config, HttpIntakeDeps deps);
  ~HttpIntake();

  // Every endpoint above, for the app to register (handlers capture `this`).
  std::vector<IntakeRoute> Routes();
  // Handles one request as endpoint `e` (what the routes call; unit tests call it directly).
  core::HttpResponse Handle(IntakeEndpoint e, const core::HttpRequest& req);
  // Answers a request to endpoint `e` that the server refused before Handle could run (a body over
  // the server's limit, a corrupt or unknown Content-Encoding, a broken chunk, a body timeout):
  // counts it in stats(e) and answers refusal.status in the endpoint's error shape (the routes'
  // on_refusal). Nothing is dead-lettered: there is no body to keep.
  core::HttpResponse Refused(IntakeEndpoint e, const core::HttpRequest& req, const core::HttpRefusal& refusal);

  const IntakeEndpointStats& stats(IntakeEndpoint e) const { return stats_[static_cast<size_t>(e)]; }
  const IntakeConfig& config() const { return config_; }

 private:
  struct Worker;
  HttpIntake(IntakeConfig config, HttpIntakeDeps deps, std::vector<std::string> keys);
  std::unique_ptr<Worker> AcquireWorker();
  void ReleaseWorker(std::unique_ptr<Worker> w);
  // Empty string = allowed; else the refusal reason.
  bool KeyAllowed(const core::HttpRequest& req, std::string_view* key) const;
  // Returns 0 when allowed, else the Retry-After seconds.
  int64_t RateLimit(std::string_view key, std::string_view remote);
  void DeadLetter(core::Format format, std::span<const core::Rejection> rejections, std::string_view body);

  const IntakeConfig config_;
  HttpIntakeDeps deps_;
  const std::vector<std::string> keys_;
  std::array<IntakeEndpointStats, kIntakeEndpointCount> stats_;
  std::atomic<uint64_t> next_event_id_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Worker>> pool_;

  std::mutex rate_mu_;
  std::unordered_map<std::string, core::TokenBucket> buckets_;
};

}  // namespace quell::ingest

#endif  // QUELL_INGEST_HTTP_INTAKE_H_
