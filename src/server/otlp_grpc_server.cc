#include "server/otlp_grpc_server.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "core/read_file.h"
#include "core/rpc_status.h"
#include "fmt/format.h"

namespace quell::server {
namespace {

constexpr size_t kBodyPadding = 64;  // simdjson's padding, as the HTTP server leaves it.

// google.rpc.Status {code, message, details: [Any(google.rpc.RetryInfo{retry_delay})]}: the
// grpc-status-details-bin of a throttled call, from which OTLP exporters read how long to wait.
std::string StatusWithRetryInfo(int32_t code, std::string_view message, int64_t retry_seconds) {
  std::string duration;  // google.protobuf.Duration {seconds = 1}
  duration.push_back(0x08);
  core::AppendProtobufVarint(&duration, static_cast<uint64_t>(retry_seconds));
  std::string retry_info;  // google.rpc.RetryInfo {retry_delay = 1}
  core::AppendProtobufBytes(&retry_info, 1, duration);
  std::string any;  // google.protobuf.Any {type_url = 1, value = 2}
  core::AppendProtobufBytes(&any, 1, "type.googleapis.com/google.rpc.RetryInfo");
  core::AppendProtobufBytes(&any, 2, retry_info);
  std::string status = core::RpcStatusProtobuf(code, message);
  core::AppendProtobufBytes(&status, 3, any);  // details
  return status;
}

// The text of an HTTP error answer: google.rpc.Status.message for protobuf bodies, else the body.
std::string ErrorText(const core::HttpResponse& r) {
  if (core::IsProtobufContentType(r.content_type)) {
    if (std::optional<std::string> m = core::RpcStatusMessage(r.body)) return *m;
  }
  std::string text = r.body.substr(0, 1024);
  return text.empty() ? fmt::format("HTTP status {}", r.status) : text;
}

// Retry-After in whole seconds (the intake writes delay-seconds), 1..3600; 1 when absent or not
// a number.
int64_t RetryAfterSeconds(const core::HttpResponse& r) {
  for (const auto& [k, v] : r.headers) {
    int64_t s = 0;
    if (core::EqualsIgnoreCase(k, "Retry-After") && absl::SimpleAtoi(core::ToAbsl(v), &s)) {
      return std::clamp<int64_t>(s, 1, 3600);
    }
  }
  return 1;
}

grpc::Status ToGrpcStatus(const core::HttpResponse& r) {
  const std::string text = ErrorText(r);
  switch (r.status) {
    case 400:
    case 415: return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, text);
    case 401: return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, text);
    case 403: return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, text);
    case 413: return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, text);
    case 429:
    case 503:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, text,
                          StatusWithRetryInfo(grpc::StatusCode::UNAVAILABLE, text, RetryAfterSeconds(r)));
    default: return grpc::Status(grpc::StatusCode::INTERNAL, text);
  }
}

// "ipv4:127.0.0.1:5000" -> "127.0.0.1:5000"; "ipv6:[::1]:5000" -> "[::1]:5000".
std::string RemoteOf(const std::string& peer) {
  const size_t colon = peer.find(':');
  return colon == std::string::npos ? peer : peer.substr(colon + 1);
}

// The Export methods served, in OtlpGrpcServerStats::Method order, and the path each is served as.
struct ExportMethod {
  std::string_view grpc_method;
  std::string_view path;
};
constexpr ExportMethod kExports[OtlpGrpcServerStats::kOther] = {
    {"/opentelemetry.proto.collector.logs.v1.LogsService/Export", "/v1/logs"},
    {"/opentelemetry.proto.collector.trace.v1.TraceService/Export", "/v1/traces"},
    {"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", "/v1/metrics"},
};

// The OtlpGrpcServerStats::Method of a gRPC method name (kOther: not served).
int MethodOf(std::string_view grpc_method) {
  for (int i = 0; i < OtlpGrpcServerStats::kOther; ++i) {
    if (kExports[i].grpc_method == grpc_method) return i;
  }
  return OtlpGrpcServerStats::kOther;
}

class ExportReactor final : public grpc::ServerGenericBidiReactor {
 public:
  ExportReactor(grpc::GenericCallbackServerContext* ctx, const OtlpGrpcServer::Handler* handler,
                OtlpGrpcServerStats* stats)
      : ctx_(ctx), handler_(handler), stats_(stats), method_(MethodOf(ctx->method())) {
    if (method_ == OtlpGrpcServerStats::kOther) {
      Answer(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, fmt::format("method {} is not served", ctx->method())));
      return;
    }
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Count(OtlpGrpcServerStats::kUnread);
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    core::HttpRequest req;
    req.method = "POST";
    req.path = std::string(kExports[method_].path);
    for (const auto& [k, v] : ctx_->client_metadata()) {
      const std::string_view key(k.data(), k.size());
      if (key.empty() || key.front() == ':' || key.starts_with("grpc-") || key.ends_with("-bin") ||
          key == "content-type" || key == "te") {
        continue;
      }
      req.headers.emplace_back(std::string(key), std::string(v.data(), v.size()));
    }
    req.headers.emplace_back("Content-Type", "application/x-protobuf");
    req.remote = RemoteOf(ctx_->peer());
    std::vector<grpc::Slice> slices;
    if (grpc::Status s = request_.Dump(&slices); !s.ok()) {
      Answer(grpc::Status(grpc::StatusCode::INTERNAL, "reading the request message failed"));
      return;
    }
    size_t n = 0;
    for (const grpc::Slice& s : slices) n += s.size();
    req.body.reserve(n + kBodyPadding);
    for (const grpc::Slice& s : slices) req.body.append(reinterpret_cast<const char*>(s.begin()), s.size());
    request_.Clear();
    const core::HttpResponse resp = (*handler_)(&req);
    if (resp.status < 200 || resp.status >= 300) {
      Answer(ToGrpcStatus(resp));
      return;
    }
    grpc::Slice slice(resp.body.data(), resp.body.size());
    response_ = grpc::ByteBuffer(&slice, 1);
    Count(grpc::StatusCode::OK);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  void OnDone() override { delete this; }

 private:
  void Count(int code) {
    stats_->calls[static_cast<size_t>(method_)][static_cast<size_t>(code)].fetch_add(1, std::memory_order_relaxed);
  }
  void Answer(const grpc::Status& status) {
    Count(static_cast<int>(status.error_code()));
    Finish(status);
  }

  grpc::GenericCallbackServerContext* ctx_;
  const OtlpGrpcServer::Handler* handler_;
  OtlpGrpcServerStats* stats_;
  int method_;  // OtlpGrpcServerStats::Method.
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
};

class ExportService final : public grpc::CallbackGenericService {
 public:
  explicit ExportService(OtlpGrpcServer::Handler handler) : handler_(std::move(handler)) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override {
    return new ExportReactor(ctx, &handler_, &stats_);
  }
  const OtlpGrpcServerStats& stats() const { return stats_; }

 private:
  OtlpGrpcServer::Handler handler_;
  OtlpGrpcServerStats stats_;
};

absl::StatusOr<std::string> ReadPem(const std::string& path, std::string_view what) {
  absl::StatusOr<std::string> text = core::ReadFile(path);
  if (!text.ok()) {
    return absl::InvalidArgumentError(fmt::format("otlp grpc: {}: {}", what, std::string(text.status().message())));
  }
  if (text->empty()) return absl::InvalidArgumentError(fmt::format("otlp grpc: {} {} is empty", what, path));
  return text;
}

}  // namespace

struct OtlpGrpcServer::Impl {
  explicit Impl(Handler handler) : service(std::move(handler)) {}
  ExportService service;
  std::unique_ptr<grpc::Server> server;
  absl::Duration shutdown_grace;
  bool stopped = false;
};

std::string_view GrpcCodeName(int code) {
  static constexpr std::string_view kNames[] = {
      "OK",      "CANCELLED",          "UNKNOWN",        "INVALID_ARGUMENT",  "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED", "UNREAD"};
  return code >= 0 && code <= OtlpGrpcServerStats::kUnread ? kNames[code] : "UNKNOWN";
}

const OtlpGrpcServerStats& OtlpGrpcServer::stats() const { return impl_->service.stats(); }

std::string_view OtlpGrpcServer::PathForMethod(std::string_view m) {
  const int i = MethodOf(m);
  return i == OtlpGrpcServerStats::kOther ? std::string_view() : kExports[i].path;
}

absl::StatusOr<std::unique_ptr<OtlpGrpcServer>> OtlpGrpcServer::Start(OtlpGrpcServerOptions options, Handler handler) {
  auto impl = std::make_unique<Impl>(std::move(handler));
  impl->shutdown_grace = options.shutdown_grace;
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (options.tls) {
    grpc::SslServerCredentialsOptions ssl;
    absl::StatusOr<std::string> key = ReadPem(options.tls->key_file, "key");
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> cert = ReadPem(options.tls->cert_file, "certificate");
    if (!cert.ok()) return cert.status();
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!options.tls->client_ca_file.empty()) {
      absl::StatusOr<std::string> ca = ReadPem(options.tls->client_ca_file, "client CA");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    creds = grpc::SslServerCredentials(ssl);
  }
  const std::string target = options.address.find(':') != std::string::npos
                                 ? fmt::format("[{}]:{}", options.address, options.port)
                                 : fmt::format("{}:{}", options.address, options.port);
  int selected = 0;
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);  // A second server on the port fails, as HTTP's does.
  builder.AddListeningPort(target, creds, &selected);
  builder.RegisterCallbackGenericService(&impl->service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<size_t>(options.max_message_bytes, INT32_MAX)));
  impl->server = builder.BuildAndStart();
  if (impl->server == nullptr || selected == 0) {
    return absl::UnavailableError(fmt::format("otlp grpc: cannot listen on {}", target));
  }
  std::unique_ptr<OtlpGrpcServer> s(new OtlpGrpcServer(std::move(impl)));
  s->port_ = static_cast<uint16_t>(selected);
  return s;
}

OtlpGrpcServer::OtlpGrpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OtlpGrpcServer::~OtlpGrpcServer() { Stop(); }

void OtlpGrpcServer::Stop() {
  if (impl_ == nullptr || impl_->stopped) return;
  impl_->stopped = true;
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::milliseconds(absl::ToInt64Milliseconds(impl_->shutdown_grace));
  impl_->server->Shutdown(deadline);
  impl_->server->Wait();
}

}  // namespace quell::server
