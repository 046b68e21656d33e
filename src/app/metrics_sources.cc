#include "app/metrics_sources.h"

#include <map>
#include <string>

#include "app/runtime.h"
#include "core/build_info.h"
#include "core/dead_letter.h"
#include "core/signal.h"

namespace quell::app {
namespace {

using Labels = server::MetricFamilies::Labels;

double D(uint64_t v) { return static_cast<double>(v); }
double D(int64_t v) { return static_cast<double>(v); }

}  // namespace

void RegisterMetricsSources(server::MetricsEndpoint* endpoint, const MetricsDeps& deps) {
  endpoint->AddSource([](server::MetricFamilies* f) {
    f->Gauge("quell_build_info", "Quell build information (always 1).");
    f->Add({{"version", core::kQuellVersion}}, 1);
  });

  if (deps.pipeline != nullptr) {
    const Pipeline* p = deps.pipeline;
    endpoint->AddSource([p](server::MetricFamilies* f) {
      const PipelineStats& s = p->stats();
      f->Counter("quell_ingest_signals_total", "Signals admitted into the pipeline, by source and format.");
      for (int src = 0; src < kSourceCount; ++src) {
        for (int fmt = 1; fmt < kFormatCount; ++fmt) {
          uint64_t n = s.signals[src][fmt].load(std::memory_order_relaxed);
          if (n == 0) continue;
          f->Add({{"source", std::string(core::SourceKindName(static_cast<core::SourceKind>(src)))},
                  {"format", std::string(core::FormatName(static_cast<core::Format>(fmt)))}},
                 D(n));
        }
      }
      f->Counter("quell_ingest_parse_errors_total", "Records rejected by a parser, by reason.");
      for (int r = 0; r < core::kRejectReasonCount; ++r) {
        f->Add({{"reason", std::string(core::RejectReasonName(static_cast<core::RejectReason>(r)))}},
               D(s.rejections[r].load(std::memory_order_relaxed)));
      }
      f->Counter("quell_ingest_annotations_dropped_total",
                 "Annotations (attributes, unmapped fields) left out of admitted batches' records past 128 per record.");
      f->Add({}, D(s.annotations_dropped.load(std::memory_order_relaxed)));
      f->Counter("quell_pipeline_batches_total", "Batches submitted to the engine, by outcome.");
      f->Add({{"outcome", "accepted"}}, D(s.batches_accepted.load()));
      f->Add({{"outcome", "refused"}}, D(s.batches_refused.load()));
    });
  }

  if (deps.dead_letters != nullptr) {
    const ingest::DeadLetterFile* dl = deps.dead_letters;
    endpoint->AddSource([dl](server::MetricFamilies* f) {
      ingest::DeadLetterStats s = dl->stats();
      f->Counter("quell_ingest_dead_letters_total", "Records written to the dead-letter path, by reason.");
      for (int r = 0; r < core::kRejectReasonCount; ++r) {
        f->Add({{"reason", std::string(core::RejectReasonName(static_cast<core::RejectReason>(r)))}},
               D(s.by_reason[r]));
      }
      f->Counter("quell_ingest_dead_letter_write_errors_total", "Dead-letter entries that could not be written.");
      f->Add({}, D(s.write_errors));
    });
  }

  if (deps.intake != nullptr) {
    const ingest::HttpIntake* in = deps.intake;
    endpoint->AddSource([in](server::MetricFamilies* f) {
      struct Field {
        const char* outcome;
        std::atomic<uint64_t> ingest::IntakeEndpointStats::*member;
      };
      static const Field kFields[] = {
          {"accepted", &ingest::IntakeEndpointStats::accepted_requests},
          {"bad_body", &ingest::IntakeEndpointStats::bodies_rejected},
          {"forbidden", &ingest::IntakeEndpointStats::forbidden},
          {"rate_limited", &ingest::IntakeEndpointStats::rate_limited},
          {"backpressure", &ingest::IntakeEndpointStats::backpressure},
          {"too_large", &ingest::IntakeEndpointStats::too_large},
          {"unsupported_media", &ingest::IntakeEndpointStats::unsupported_media},
          {"error", &ingest::IntakeEndpointStats::sink_errors},
          {"journal_error", &ingest::IntakeEndpointStats::journal_errors},
          // Refused by the HTTP server before the intake read the body (its 413s are too_large).
          {"bad_encoding", &ingest::IntakeEndpointStats::bad_encoding},
          {"unsupported_encoding", &ingest::IntakeEndpointStats::unsupported_encoding},
          {"malformed_http", &ingest::IntakeEndpointStats::malformed_http},
          {"timeout", &ingest::IntakeEndpointStats::timeouts},
      };
      f->Counter("quell_http_intake_requests_total", "Intake requests by endpoint and outcome.");
      for (int e = 0; e < ingest::kIntakeEndpointCount; ++e) {
        const auto& st = in->stats(static_cast<ingest::IntakeEndpoint>(e));
        std::string name(ingest::IntakeEndpointName(static_cast<ingest::IntakeEndpoint>(e)));
        for (const Field& fld : kFields) {
          f->Add({{"endpoint", name}, {"outcome", fld.outcome}}, D((st.*fld.member).load(std::memory_order_relaxed)));
        }
      }
      f->Counter("quell_pipeline_backpressure_total", "Requests or batches refused because the pipeline was full.");
      uint64_t bp = 0;
      for (int e = 0; e < ingest::kIntakeEndpointCount; ++e) {
        bp += in->stats(static_cast<ingest::IntakeEndpoint>(e)).backpressure.load(std::memory_order_relaxed);
      }
      f->Add({{"source", "http"}}, D(bp));
    });
  }

  if (deps.http) {
    auto http = deps.http;
    endpoint->AddSource([http](server::MetricFamilies* f) {
      const server::HttpServerStats* s = http();
      if (s == nullptr) return;
      f->Counter("quell_http_responses_total", "HTTP responses by status class.");
      f->Add({{"code", "2xx"}}, D(s->responses_2xx.load()));
      f->Add({{"code", "4xx"}}, D(s->responses_4xx.load()));
      f->Add({{"code", "5xx"}}, D(s->responses_5xx.load()));
      f->Gauge("quell_http_connections_active", "Open HTTP connections.");
      f->Add({}, D(s->connections_active.load()));
      f->Counter("quell_http_request_timeouts_total", "Requests closed for slowness (408).");
      f->Add({}, D(s->timeouts.load()));
      f->Counter("quell_http_tls_handshake_failures_total",
                 "TLS handshakes that failed or timed out (server.tls set only).");
      f->Add({}, D(s->tls_handshake_failures.load()));
    });
  }

  if (deps.otlp_grpc) {
    auto grpc = deps.otlp_grpc;
    endpoint->AddSource([grpc](server::MetricFamilies* f) {
      const server::OtlpGrpcServerStats* s = grpc();
      if (s == nullptr) return;
      static constexpr const char* kMethods[] = {"logs", "traces", "metrics", "other"};
      f->Counter("quell_otlp_grpc_calls_total",
                 "OTLP/gRPC calls by Export method and the gRPC status code answered (UNREAD: the call ended "
                 "before its message was read: cancelled, or over the size limit).");
      for (size_t m = 0; m < s->calls.size(); ++m) {
        for (size_t c = 0; c < s->calls[m].size(); ++c) {
          const uint64_t n = s->calls[m][c].load(std::memory_order_relaxed);
          if (n == 0) continue;
          f->Add({{"method", kMethods[m]}, {"code", std::string(server::GrpcCodeName(static_cast<int>(c)))}}, D(n));
        }
      }
    });
  }

  if (deps.kafka) {
    auto kafka = deps.kafka;
    endpoint->AddSource([kafka](server::MetricFamilies* f) {
      std::optional<ingest::KafkaSourceStats> s = kafka();
      if (!s) return;
      f->Counter("quell_kafka_messages_total", "Kafka messages read.");
      f->Add({}, D(s->messages));
      f->Counter("quell_kafka_dead_letters_total", "Kafka messages sent to the dead-letter topic, by reason.");
      for (int r = 0; r < core::kRejectReasonCount; ++r) {
        f->Add({{"reason", std::string(core::RejectReasonName(static_cast<core::RejectReason>(r)))}},
               D(s->dead_letters_by_reason[r]));
      }
      f->Counter("quell_kafka_partition_pauses_total", "Partitions paused by backpressure.");
      f->Add({}, D(s->pauses));
      f->Counter("quell_kafka_commit_failures_total", "Offset commits rejected by the coordinator.");
      f->Add({}, D(s->commit_failures));
      f->Counter("quell_kafka_revocation_commit_failures_total",
                 "Commits refused at partition revocation (the next owner re-reads: duplicates, never loss).");
      f->Add({}, D(s->revocation_commit_failures));
      f->Counter("quell_kafka_consume_errors_total", "Error events from the consumer (broker down, ...).");
      f->Add({}, D(s->consume_errors));
      f->Counter("quell_kafka_offset_gaps_total",
                 "Jumps in a partition's offsets between consecutive messages (0 on a plain topic).");
      f->Add({}, D(s->offset_gaps));
      f->Gauge("quell_kafka_consumer_lag_messages", "High watermark minus committed offset, per partition.");
      for (const auto& p : s->partitions) {
        if (p.lag < 0) continue;
        f->Add({{"topic", p.topic}, {"partition", std::to_string(p.partition)}}, D(p.lag));
      }
    });
  }

  if (deps.engine != nullptr) {
    correlate::ShardedEngine* engine = deps.engine;
    endpoint->AddSource([engine](server::MetricFamilies* f) {
      correlate::ShardStats s = engine->Stats();
      f->Gauge("quell_correlate_active_fingerprints", "Alerts (fingerprints) held by the engine.");
      f->Add({}, D(s.active_alerts));
      f->Gauge("quell_correlate_open_incidents", "Open incidents.");
      f->Add({}, D(s.open_incidents));
      f->Counter("quell_correlate_incidents_opened_total", "Incidents opened.");
      f->Add({}, D(s.incidents_opened));
      // dedup and late count signals; the other reasons count alerts each time one becomes
      // suppressed for that reason (the decisions `explain` shows).
      f->Counter("quell_correlate_suppressed_total", "Signals (dedup, late) and alerts (other reasons) suppressed.");
      for (size_t i = 0; i < correlate::kSuppressReasons; ++i) {
        f->Add({{"reason", std::string(correlate::SuppressReasonName(static_cast<correlate::SuppressReason>(i)))}},
               D(s.suppressed[i]));
      }
      f->Counter("quell_correlate_rate_limited_incidents_total", "Incidents rolled into a storm page by a rate limit.");
      f->Add({}, D(s.rolled_into_storm));
      // Per-rule suppression is kept by the engine's noise report; its sum over the last day of event
      // time is exported per reason (a gauge: rows older than the window drop out).
      uint64_t by[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (const correlate::NoiseRow& r : engine->Noise(absl::Hours(24))) {
        by[0] += r.suppressed_silenced;
        by[1] += r.suppressed_inhibited;
        by[2] += r.suppressed_maintenance;
        by[3] += r.suppressed_flapping;
        by[4] += r.suppressed_transient;
        by[5] += r.suppressed_noise;
        by[6] += r.suppressed_storm;
        by[7] += r.late;
      }
      static const char* const kReasons[8] = {"silenced", "inhibited", "maintenance", "flapping",
                                              "transient", "noise_class", "storm_rollup", "late"};
      f->Gauge("quell_correlate_suppressed_last_day", "Alerts suppressed in the last 24h of event time, by reason.");
      for (int i = 0; i < 8; ++i) f->Add({{"reason", kReasons[i]}}, D(by[i]));
      f->Counter("quell_correlate_future_clamped_total",
                 "Alerts whose time was past their observed time by more than correlate.max_future_skew (the observed time was used).");
      f->Add({}, D(s.future_clamped));
      f->Counter("quell_correlate_evictions_total", "State evicted at the memory limits, by kind.");
      f->Add({{"kind", "alert"}}, D(s.evicted_alerts));
      f->Add({{"kind", "incident"}}, D(s.evicted_incidents));
      f->Counter("quell_correlate_notifications_total", "Notifications the engine emitted.");
      f->Add({}, D(s.notifications));
      f->Counter("quell_correlate_pages_total", "Firing incident notifications (pages), by kind.");
      f->Add({{"kind", "incident"}}, D(s.pages));
      f->Add({{"kind", "storm"}}, D(s.storm_pages));
      f->Counter("quell_correlate_refused_batches_total", "Batches refused because shard queues were full.");
      f->Add({}, D(engine->refused_batches()));
    });
  }

  if (deps.dispatcher != nullptr) {
    const sinks::Dispatcher* d = deps.dispatcher;
    endpoint->AddSource([d](server::MetricFamilies* f) {
      sinks::DispatcherStats s = d->stats();
      f->Counter("quell_sink_notifications_total", "Notification deliveries by receiver integration and outcome.");
      for (const sinks::TargetStats& t : s.targets) {
        f->Add({{"receiver", t.id}, {"outcome", "delivered"}}, D(t.delivered_total));
        f->Add({{"receiver", t.id}, {"outcome", "failed"}}, D(t.retries_total));
        f->Add({{"receiver", t.id}, {"outcome", "dead_lettered"}}, D(t.dead_lettered_total));
      }
      f->Gauge("quell_sink_queued_notifications", "Notifications waiting or in flight, by receiver integration.");
      for (const sinks::TargetStats& t : s.targets) f->Add({{"receiver", t.id}}, D(t.queued));
      f->Gauge("quell_sink_circuit_open", "1 when the integration's circuit breaker is open (or half-open).");
      for (const sinks::TargetStats& t : s.targets) {
        f->Add({{"receiver", t.id}}, t.circuit == sinks::CircuitBreaker::State::kClosed ? 0.0 : 1.0);
      }
      f->Gauge("quell_outbox_pending_notifications", "Outbox entries not yet delivered.");
      f->Add({}, D(s.outbox.depth));
      f->Gauge("quell_outbox_oldest_pending_age_seconds", "Age of the oldest pending outbox entry.");
      f->Add({}, absl::ToDoubleSeconds(s.outbox.oldest_age));
      f->Counter("quell_outbox_dead_letters_total", "Notifications moved to the outbox dead-letter file.");
      f->Add({}, D(s.outbox.dead_lettered_total));
      f->Counter("quell_outbox_fsyncs_total", "Outbox fsync calls.");
      f->Add({}, D(s.outbox.fsyncs_total));
      f->Counter("quell_outbox_duplicates_suppressed_total",
                 "Notifications not sent again: the outbox held them from before a restart (derived again from replayed input).");
      f->Add({}, D(s.duplicates_suppressed_total));
      std::vector<sinks::TargetLatency> lat = d->latency();
      f->Histogram("quell_sink_delivery_seconds", "Delivery attempt duration, by receiver integration and outcome.");
      for (const sinks::TargetLatency& t : lat) {
        for (int o = 0; o < sinks::kAttemptOutcomeCount; ++o) {
          const auto& h = t.attempt[o];
          f->AddHistogram({{"receiver", t.id}, {"outcome", std::string(sinks::AttemptOutcomeName(static_cast<sinks::AttemptOutcome>(o)))}},
                          h.bounds, h.cumulative, h.count, h.sum_seconds);
        }
      }
      f->Histogram("quell_outbox_time_to_accept_seconds", "Outbox append to acceptance by the receiver, retries included.");
      for (const sinks::TargetLatency& t : lat) {
        const auto& h = t.time_to_accept;
        f->AddHistogram({{"receiver", t.id}}, h.bounds, h.cumulative, h.count, h.sum_seconds);
      }
    });
  }

  if (deps.gates != nullptr) {
    gates::GateEvaluator* g = deps.gates;
    endpoint->AddSource([g](server::MetricFamilies* f) {
      std::map<std::string, int> by;
      for (const char* v : {"pending", "pass", "fail", "inconclusive"}) by[v] = 0;
      for (const gates::GateVerdict& v : g->TrackedVerdicts()) ++by[std::string(gates::VerdictName(v.verdict))];
      f->Gauge("quell_gate_verdicts", "Tracked canaries by current gate verdict.");
      for (const auto& [verdict, n] : by) f->Add({{"verdict", verdict}}, n);
      f->Counter("quell_gate_future_clamped_total",
                 "Signals whose event time was past their observed time + correlate.max_future_skew, taken at "
                 "their observed time by the deploy gates.");
      f->Add({}, D(g->stats().future_clamped));
    });
  }

  if (deps.reload != nullptr) {
    const ReloadStats* r = deps.reload;
    endpoint->AddSource([r](server::MetricFamilies* f) {
      f->Counter("quell_config_reloads_total", "Configuration reloads by outcome.");
      f->Add({{"outcome", "success"}}, D(r->success.load()));
      f->Add({{"outcome", "failure"}}, D(r->failure.load()));
      f->Gauge("quell_config_last_reload_success", "1 if the last reload succeeded (or none was tried).");
      f->Add({}, r->last_ok.load() ? 1.0 : 0.0);
    });
  }

  if (deps.checkpoints != nullptr) {
    const CheckpointStats* c = deps.checkpoints;
    endpoint->AddSource([c](server::MetricFamilies* f) {
      f->Counter("quell_state_checkpoints_total", "Correlation state checkpoints to correlate.state_file by outcome.");
      f->Add({{"outcome", "success"}}, D(c->success.load()));
      f->Add({{"outcome", "failure"}}, D(c->failure.load()));
      f->Gauge("quell_state_last_checkpoint_success_timestamp_seconds",
               "Unix time of the last successful correlation state checkpoint (0: none yet).");
      f->Add({}, static_cast<double>(c->last_success_unix_nanos.load()) * 1e-9);
      f->Gauge("quell_state_last_checkpoint_bytes", "Size of the state file the last successful checkpoint wrote.");
      f->Add({}, D(c->last_bytes.load()));
      f->Gauge("quell_state_last_checkpoint_duration_seconds",
               "Wall time of the last successful checkpoint: serializing the engine and the gates, writing the file.");
      f->Add({}, static_cast<double>(c->last_duration_nanos.load()) * 1e-9);
    });
  }

  if (deps.journal != nullptr) {
    const ingest::IntakeJournal* j = deps.journal;
    endpoint->AddSource([j](server::MetricFamilies* f) {
      const ingest::IntakeJournalStats& s = j->stats();
      f->Counter("quell_intake_journal_records_total", "HTTP intake bodies appended to the intake journal.");
      f->Add({}, D(s.records.load()));
      f->Counter("quell_intake_journal_bytes_total", "Bytes appended to the intake journal.");
      f->Add({}, D(s.bytes.load()));
      f->Counter("quell_intake_journal_syncs_total", "fdatasync calls of the intake journal (one per group commit).");
      f->Add({}, D(s.syncs.load()));
      f->Counter("quell_intake_journal_errors_total",
                 "Intake journal writes or syncs that failed (a request's write or fsync: always sync answers 503; "
                 "a failed background sync of fsync: interval is retried at the next interval).");
      f->Add({}, D(s.write_errors.load()));
      f->Gauge("quell_intake_journal_segments", "Intake journal segment files on disk (trimmed at state checkpoints).");
      f->Add({}, static_cast<double>(j->segments()));
      f->Gauge("quell_intake_journal_disk_bytes", "Bytes of the intake journal's segment files on disk.");
      f->Add({}, static_cast<double>(j->disk_bytes()));
    });
  }
}

}  // namespace quell::app
