// tests/testing/grpc_unary_call.h
//
// GrpcUnaryCall: one unary gRPC call with the generic stub, raw message bytes in and out, for tests
// of the OTLP/gRPC listener (the bytes an OTLP exporter would send, no generated code). Blocks until
// the call completes (deadline 20 s). Header-only; links with gRPC C++ (quell_server brings it).
#ifndef QUELL_TESTS_TESTING_GRPC_UNARY_CALL_H_
#define QUELL_TESTS_TESTING_GRPC_UNARY_CALL_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace quell::testing {

struct GrpcCallResult {
  grpc::Status status;
  std::string response;       // The response message's bytes (empty on an error).
  std::string error_details;  // grpc-status-details-bin: a serialized google.rpc.Status, if any.
};

inline GrpcCallResult GrpcUnaryCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                                    const std::string& body,
                                    const std::vector<std::pair<std::string, std::string>>& metadata = {},
                                    bool gzip = false) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  for (const auto& [k, v] : metadata) ctx.AddMetadata(k, v);
  grpc::Slice slice(body.data(), body.size());
  grpc::ByteBuffer request(&slice, 1), response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) { done.set_value(std::move(s)); });
  GrpcCallResult r;
  r.status = done.get_future().get();
  r.error_details = r.status.error_details();
  std::vector<grpc::Slice> slices;
  if (response.Valid() && response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) r.response.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return r;
}

// The same on an insecure channel to 127.0.0.1:port.
inline GrpcCallResult GrpcUnaryCall(uint16_t port, const std::string& method, const std::string& body,
                                    const std::vector<std::pair<std::string, std::string>>& metadata = {},
                                    bool gzip = false) {
  return GrpcUnaryCall(grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()),
                       method, body, metadata, gzip);
}

}  // namespace quell::testing

#endif  // QUELL_TESTS_TESTING_GRPC_UNARY_CALL_H_
