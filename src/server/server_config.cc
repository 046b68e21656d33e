// src/server/server_config.cc
#include "server/server_config.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "core/status_macros.h"
#include "fmt/format.h"

namespace quell::server {

absl::Status ParseListenAddress(std::string_view text, std::string* address, uint16_t* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(fmt::format("listen: \"{}\" is not host:port", text));
  }
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') {
      return absl::InvalidArgumentError(fmt::format("listen: \"{}\": bad IPv6 literal", text));
    }
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return absl::InvalidArgumentError(fmt::format("listen: \"{}\": write IPv6 addresses as [addr]:port", text));
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || value > 65535) {
    return absl::InvalidArgumentError(fmt::format("listen: \"{}\": port must be 0..65535", text));
  }
  *address = host.empty() ? "0.0.0.0" : std::string(host);
  *port = static_cast<uint16_t>(value);
  return absl::OkStatus();
}

namespace {

absl::StatusOr<TlsConfig> ParseTlsConfig(const core::YamlNode& node) {
  TlsConfig tls;
  tls.where = node.location();
  if (!node.IsMap()) return node.Error("server.tls: must be a mapping with cert_file and key_file");
  QUELL_RETURN_IF_ERROR(node.CheckKeys("server.tls", {"cert_file", "key_file", "client_ca_file", "min_version"}));
  struct {
    const char* key;
    std::string* out;
    bool required;
  } files[] = {{"cert_file", &tls.cert_file, true},
               {"key_file", &tls.key_file, true},
               {"client_ca_file", &tls.client_ca_file, false}};
  for (auto& f : files) {
    auto child = node.Child(f.key);
    if (!child) {
      if (f.required) return node.Error(fmt::format("server.tls.{}: required", f.key));
      continue;
    }
    QUELL_ASSIGN_OR_RETURN(*f.out, child->AsString());
    std::ifstream in(*f.out);
    if (f.out->empty() || !in.good()) {
      return child->Error(fmt::format("server.tls.{}: cannot read \"{}\": {}", f.key, *f.out,
                                      f.out->empty() ? "empty path" : std::strerror(errno)));
    }
  }
  if (auto v = node.Child("min_version")) {
    QUELL_ASSIGN_OR_RETURN(std::string text, v->AsString());
    if (text == "1.2") {
      tls.min_version = 12;
    } else if (text == "1.3") {
      tls.min_version = 13;
    } else {
      return v->Error(fmt::format("server.tls.min_version: \"{}\": must be \"1.2\" or \"1.3\"", text));
    }
  }
  return tls;
}

}  // namespace

absl::StatusOr<ServerConfig> ParseServerConfig(const core::YamlNode& node) {
  ServerConfig cfg;
  cfg.where = node.location();
  if (node.IsNull()) return cfg;
  QUELL_RETURN_IF_ERROR(node.CheckKeys("server", {"listen", "io_threads", "idle_timeout", "header_timeout",
                                                  "read_timeout", "write_timeout", "max_body_bytes",
                                                  "max_header_bytes", "shutdown_grace", "tls", "otlp_grpc_listen"}));
  if (auto tls = node.Child("tls")) {
    QUELL_ASSIGN_OR_RETURN(cfg.tls, ParseTlsConfig(*tls));
  }
  if (auto listen = node.Child("listen")) {
    QUELL_ASSIGN_OR_RETURN(std::string text, listen->AsString());
    absl::Status s = ParseListenAddress(text, &cfg.address, &cfg.port);
    if (!s.ok()) return listen->Error(fmt::format("server.{}", std::string(s.message())));
  }
  if (auto grpc = node.Child("otlp_grpc_listen")) {
    QUELL_ASSIGN_OR_RETURN(std::string text, grpc->AsString());
    ServerConfig::GrpcListen g;
    absl::Status s = ParseListenAddress(text, &g.address, &g.port);
    if (!s.ok()) return grpc->Error(fmt::format("server.otlp_grpc_{}", std::string(s.message())));
    cfg.otlp_grpc = g;
  }
  int64_t threads = cfg.io_threads;
  QUELL_RETURN_IF_ERROR(node.ReadInt("io_threads", &threads));
  if (threads < 1 || threads > 64) return node.Child("io_threads")->Error("server.io_threads: must be 1..64");
  cfg.io_threads = static_cast<int>(threads);
  struct {
    const char* key;
    absl::Duration* out;
  } durations[] = {{"idle_timeout", &cfg.idle_timeout},     {"header_timeout", &cfg.header_timeout},
                   {"read_timeout", &cfg.read_timeout},     {"write_timeout", &cfg.write_timeout},
                   {"shutdown_grace", &cfg.shutdown_grace}};
  for (auto& d : durations) {
    QUELL_RETURN_IF_ERROR(node.ReadDuration(d.key, d.out));
    if (*d.out <= absl::ZeroDuration() && d.out != &cfg.shutdown_grace) {
      return node.Child(d.key)->Error(fmt::format("server.{}: must be positive", d.key));
    }
  }
  struct {
    const char* key;
    size_t* out;
    int64_t min;
  } sizes[] = {{"max_body_bytes", &cfg.max_body_bytes, 1}, {"max_header_bytes", &cfg.max_header_bytes, 1024}};
  for (auto& s : sizes) {
    int64_t v = static_cast<int64_t>(*s.out);
    QUELL_RETURN_IF_ERROR(node.ReadInt(s.key, &v));
    if (v < s.min || v > (int64_t{1} << 32)) {
      return node.Child(s.key)->Error(fmt::format("server.{}: must be {}..4294967296", s.key, s.min));
    }
    *s.out = static_cast<size_t>(v);
  }
  if (cfg.tls && cfg.tls->min_version == 13 && cfg.otlp_grpc) {
    // gRPC 1.51 (Debian 12) has no setting for the TLS floor: its listener would accept TLS 1.2.
    // Refused rather than served weaker than configured.
    return node.Child("tls")->Child("min_version")->Error(
        "server.tls.min_version: \"1.3\" cannot be applied to server.otlp_grpc_listen (its gRPC "
        "library accepts TLS 1.2 and 1.3); remove otlp_grpc_listen or set min_version \"1.2\"");
  }
  return cfg;
}

}  // namespace quell::server
