// src/server/otlp_grpc_server.h
//
// OtlpGrpcServer: OTLP over gRPC, the protocol the OpenTelemetry Collector's `otlp` exporter and
// most SDKs speak by default (port 4317). It serves the three unary Export methods
//
//   /opentelemetry.proto.collector.logs.v1.LogsService/Export        -> POST /v1/logs
//   /opentelemetry.proto.collector.trace.v1.TraceService/Export      -> POST /v1/traces
//   /opentelemetry.proto.collector.metrics.v1.MetricsService/Export  -> POST /v1/metrics
//
// through gRPC's generic callback API, without generated code: the request message's bytes (gRPC
// has undone its compression) go to `handler` as an OTLP/HTTP protobuf request to the path on the
// right, Content-Type application/x-protobuf, with the call's metadata as headers (so
// `authorization: Bearer <token>` meets the same API token check) and the peer as `remote`. One
// OTLP implementation therefore serves both transports: the same parsers, limits, journal,
// backpressure, dead letters and metrics (ADR 0014). The HTTP answer becomes the gRPC one:
//
//   200                      OK, the body as the Export*ServiceResponse (partial_success included)
//   400, 415                 INVALID_ARGUMENT          (not retryable: the data is bad)
//   401                      UNAUTHENTICATED
//   403                      PERMISSION_DENIED
//   413                      RESOURCE_EXHAUSTED, no RetryInfo (not retryable: too large)
//   429, 503                 UNAVAILABLE with google.rpc.RetryInfo from Retry-After (the OTLP
//                            exporters retry it, as the OTLP spec's throttling section says)
//   other                    INTERNAL
//
// The message is the HTTP error body's text (google.rpc.Status.message). Messages larger than
// `max_message_bytes` are refused by gRPC itself (RESOURCE_EXHAUSTED). Other methods: UNIMPLEMENTED.
//
// Threading: `handler` runs on gRPC's callback threads, concurrently; it must be thread-safe (the
// app's router is). Start/Stop from one controlling thread; Stop() waits for calls in flight up
// to `shutdown_grace`, then cancels them. The destructor calls Stop().
#ifndef QUELL_SERVER_OTLP_GRPC_SERVER_H_
#define QUELL_SERVER_OTLP_GRPC_SERVER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/http_message.h"
#include "server/server_config.h"

namespace quell::server {

struct OtlpGrpcServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 4317;  // 0: an ephemeral port (tests); see port().
  size_t max_message_bytes = 16 * 1024 * 1024;
  absl::Duration shutdown_grace = absl::Seconds(5);
  std::optional<TlsConfig> tls;  // Set: TLS with the HTTP listener's certificate and key.
};

// Calls answered, by method (kLogs, kTraces, kMetrics, kOther: any other method, UNIMPLEMENTED) and
// by the gRPC status code sent (0..16); kUnread: the call ended before its message was read
// (cancelled by the client, or refused by gRPC for its size: RESOURCE_EXHAUSTED).
struct OtlpGrpcServerStats {
  enum Method { kLogs = 0, kTraces, kMetrics, kOther, kMethods };
  static constexpr int kUnread = 17;
  std::array<std::array<std::atomic<uint64_t>, kUnread + 1>, kMethods> calls{};
};
// "OK", "INVALID_ARGUMENT", ... for codes 0..16; "UNREAD" for OtlpGrpcServerStats::kUnread.
std::string_view GrpcCodeName(int code);

class OtlpGrpcServer {
 public:
  using Handler = std::function<core::HttpResponse(core::HttpRequest* req)>;

  // Binds and starts serving. Unavailable when the address cannot be bound; InvalidArgument for
  // TLS files that cannot be read.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<OtlpGrpcServer>> Start(OtlpGrpcServerOptions options,
                                                                              Handler handler);
  ~OtlpGrpcServer();
  OtlpGrpcServer(const OtlpGrpcServer&) = delete;
  OtlpGrpcServer& operator=(const OtlpGrpcServer&) = delete;

  uint16_t port() const { return port_; }
  const OtlpGrpcServerStats& stats() const;
  void Stop();

  // The HTTP path an Export method is served as; empty for any other method.
  static std::string_view PathForMethod(std::string_view grpc_method);

 private:
  struct Impl;
  explicit OtlpGrpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace quell::server

#endif  // QUELL_SERVER_OTLP_GRPC_SERVER_H_
