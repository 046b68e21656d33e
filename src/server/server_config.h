// src/server/server_config.h
//
// ServerConfig: the `server:` section of quell.yaml, the one HTTP listener every Quell API and
// intake endpoint is served from. Defaults live here; ParseServerConfig reads the YAML with
// core::YamlNode (unknown keys are errors, every error names file:line:col).
//
//   server:
//     listen: "127.0.0.1:9797"   # host:port; "[::1]:9797" for IPv6; port 0 picks a free port
//     io_threads: 2
//     idle_timeout: 60s          # keep-alive connection with no request starting
//     header_timeout: 10s        # first byte of a request -> end of its header (slowloris)
//     read_timeout: 30s          # end of header -> end of body (-> 408 and close)
//     write_timeout: 30s
//     max_body_bytes: 16777216   # on the wire and after Content-Encoding decoding (-> 413)
//     max_header_bytes: 16384    # (-> 431)
//     shutdown_grace: 5s         # Stop() lets in-flight requests finish for this long
//     otlp_grpc_listen: "127.0.0.1:4317"  # optional: OTLP over gRPC on a second port (ADR 0014);
//                                # absent: off. Same limits, tokens and TLS as the HTTP listener.
//     tls:                       # optional: serve HTTPS only (no plain HTTP on this listener)
//       cert_file: /etc/quell/tls/server.crt   # PEM certificate chain, leaf first
//       key_file: /etc/quell/tls/server.key    # PEM private key (unencrypted; keep it 0600)
//       client_ca_file: /etc/quell/tls/ca.crt  # optional: require client certificates (mutual TLS)
//       min_version: "1.2"                     # "1.2" (default) or "1.3" (refused with otlp_grpc_listen:
//                                              # the gRPC listener cannot be held to TLS 1.3)
#ifndef QUELL_SERVER_SERVER_CONFIG_H_
#define QUELL_SERVER_SERVER_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/source_location.h"
#include "core/yaml_node.h"

namespace quell::server {

// `server.tls`: HTTPS on the one listener. Paths are checked to be readable when the config is
// parsed (so check-config catches them); the key and certificates are loaded by HttpServer::Start.
struct TlsConfig {
  std::string cert_file;       // PEM chain, leaf first. Required.
  std::string key_file;        // PEM private key matching the leaf. Required.
  std::string client_ca_file;  // Non-empty: clients must present a certificate signed by these CAs.
  int min_version = 12;        // 12 = TLS 1.2, 13 = TLS 1.3.
  core::SourceLocation where;  // file:line:col of the `tls` mapping.
};

struct ServerConfig {
  std::string address = "127.0.0.1";            // Listen address (IPv4 or IPv6 literal).
  uint16_t port = 9797;                          // 0 = ephemeral (tests); see HttpServer::port().
  int io_threads = 2;                            // I/O threads; handlers run on them. 1..64.
  absl::Duration idle_timeout = absl::Seconds(60);
  absl::Duration header_timeout = absl::Seconds(10);
  absl::Duration read_timeout = absl::Seconds(30);
  absl::Duration write_timeout = absl::Seconds(30);
  size_t max_body_bytes = 16 * 1024 * 1024;     // Wire and decoded; endpoints may set lower limits.
  size_t max_header_bytes = 16 * 1024;
  absl::Duration shutdown_grace = absl::Seconds(5);
  std::optional<TlsConfig> tls;                  // Set: the listener speaks HTTPS only.
  // `otlp_grpc_listen`: OTLP/gRPC (server/otlp_grpc_server.h) on this address; unset: not served.
  struct GrpcListen {
    std::string address;
    uint16_t port = 4317;
  };
  std::optional<GrpcListen> otlp_grpc;
  core::SourceLocation where;                    // file:line:col of the section.
};

// Parses "host:port", "[v6]:port" or ":port" (all interfaces). Errors: InvalidArgument "listen: ...".
[[nodiscard]] absl::Status ParseListenAddress(std::string_view text, std::string* address, uint16_t* port);

// Parses the `server` mapping. Errors name file:line:col; a `tls` file that cannot be read is an
// error here ("server.tls.cert_file: cannot read /x: No such file or directory").
[[nodiscard]] absl::StatusOr<ServerConfig> ParseServerConfig(const core::YamlNode& node);

}  // namespace quell::server

#endif  // QUELL_SERVER_SERVER_CONFIG_H_
