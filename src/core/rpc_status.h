// src/core/rpc_status.h
//
// google.rpc.Status, the error body of OTLP/HTTP: the code for an HTTP status, and the message in
// protobuf's binary encoding, which OTLP/HTTP requires in answers to protobuf requests (JSON
// requests get the same fields as JSON, written by their handler). Shared by the HTTP intake and
// the HTTP server's own refusals (a corrupt or oversized body answered before routing).
#ifndef QUELL_CORE_RPC_STATUS_H_
#define QUELL_CORE_RPC_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/http_message.h"

namespace quell::core {

// google.rpc.Code for an HTTP status, as OTLP/HTTP pairs them: 400/415 INVALID_ARGUMENT (3),
// 403 PERMISSION_DENIED (7), 413/429 RESOURCE_EXHAUSTED (8), 503 UNAVAILABLE (14), else UNKNOWN (2).
int32_t RpcCodeForHttpStatus(int http_status);

// Appends `v` as a protobuf base-128 varint (what RpcStatusProtobuf writes its fields with; the
// OTLP protobuf encoder in ingest/otlp_protobuf.cc uses it too).
void AppendProtobufVarint(std::string* out, uint64_t v);
// Reads a varint at *p (< end) and advances *p past it. False when it is truncated or longer than
// 10 bytes. (The OTLP protobuf transcoder and RpcStatusMessage read with it.)
bool ReadProtobufVarint(const unsigned char** p, const unsigned char* end, uint64_t* out);
// Appends field `number` as a length-delimited field (wire type 2: tag, length, `bytes`): strings,
// bytes and embedded messages.
void AppendProtobufBytes(std::string* out, uint32_t number, std::string_view bytes);

// google.rpc.Status {code = 1, message = 2} in protobuf's binary encoding (no details).
std::string RpcStatusProtobuf(int32_t code, std::string_view message);

// The message (field 2) of a google.rpc.Status in protobuf's binary encoding; nullopt when the
// bytes are not one (a broken varint or length) or carry no message. Other fields are skipped.
std::optional<std::string> RpcStatusMessage(std::string_view protobuf);

// The answer to a protobuf request that failed with HTTP `status`: that status, Content-Type
// application/x-protobuf and RpcStatusProtobuf(RpcCodeForHttpStatus(status), message).
HttpResponse RpcStatusResponse(int status, std::string_view message);

// The answer to an OTLP/HTTP JSON request that failed with HTTP `status`: that status and the
// google.rpc.Status as JSON, {"code":3,"message":"..."} (OTLP/HTTP: every 4xx/5xx body is a Status,
// in the request's encoding).
HttpResponse RpcStatusJsonResponse(int status, std::string_view message);

// Content-Type application/x-protobuf or application/protobuf, parameters and case aside.
bool IsProtobufContentType(std::string_view content_type);

// OTLP/HTTP's request paths (/v1/logs, /v1/traces, /v1/metrics; a trailing slash aside), whose
// refusals the HTTP server writes as Status before any handler runs (a corrupt or oversized body).
bool IsOtlpHttpPath(std::string_view path);

}  // namespace quell::core

#endif  // QUELL_CORE_RPC_STATUS_H_
