// src/core/rpc_status.cc
#include "core/rpc_status.h"

#include <algorithm>

#include "core/json_writer.h"
#include "core/media_type.h"
#include "core/strings.h"

namespace quell::core {
void AppendProtobufVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

int32_t RpcCodeForHttpStatus(int http_status) {
  switch (http_status) {
    case 400: return 3;   // INVALID_ARGUMENT
    case 403: return 7;   // PERMISSION_DENIED
    case 413: return 8;   // RESOURCE_EXHAUSTED
    case 415: return 3;
    case 429: return 8;
    case 503: return 14;  // UNAVAILABLE
    default: return 2;    // UNKNOWN
  }
}

void AppendProtobufBytes(std::string* out, uint32_t number, std::string_view bytes) {
  AppendProtobufVarint(out, (uint64_t{number} << 3) | 2);
  AppendProtobufVarint(out, bytes.size());
  out->append(bytes);
}

std::string RpcStatusProtobuf(int32_t code, std::string_view message) {
  std::string out;
  if (code != 0) {
    out.push_back(static_cast<char>((1 << 3) | 0));
    AppendProtobufVarint(&out, static_cast<uint64_t>(static_cast<int64_t>(code)));  // int32: sign-extended.
  }
  if (!message.empty()) AppendProtobufBytes(&out, 2, message);
  return out;
}

bool ReadProtobufVarint(const unsigned char** p, const unsigned char* end, uint64_t* out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*p == end) return false;
    const unsigned char b = *(*p)++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;
}

std::optional<std::string> RpcStatusMessage(std::string_view b) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data());
  const unsigned char* const end = p + b.size();
  std::optional<std::string> message;
  while (p != end) {
    uint64_t tag, v;
    if (!ReadProtobufVarint(&p, end, &tag)) return std::nullopt;
    size_t skip = 0;
    switch (tag & 7) {
      case 0:
        if (!ReadProtobufVarint(&p, end, &v)) return std::nullopt;
        break;
      case 1: skip = 8; break;
      case 5: skip = 4; break;
      case 2:
        if (!ReadProtobufVarint(&p, end, &v) || v > static_cast<uint64_t>(end - p)) return std::nullopt;
        if ((tag >> 3) == 2) message = std::string(reinterpret_cast<const char*>(p), v);
        skip = v;
        break;
      default: return std::nullopt;
    }
    if (skip > static_cast<size_t>(end - p)) return std::nullopt;
    p += skip;
  }
  return message;
}

HttpResponse RpcStatusResponse(int status, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/x-protobuf";
  r.body = RpcStatusProtobuf(RpcCodeForHttpStatus(status), message);
  return r;
}

HttpResponse RpcStatusJsonResponse(int status, std::string_view message) {
  std::string body;
  JsonWriter w(&body);
  w.BeginObject();
  w.Field("code", RpcCodeForHttpStatus(status));
  w.Field("message", message);
  w.EndObject();
  return HttpResponse::Json(status, std::move(body));
}

bool IsOtlpHttpPath(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path == "/v1/logs" || path == "/v1/traces" || path == "/v1/metrics";
}

bool IsProtobufContentType(std::string_view ct) {
  return MediaTypeIs(ct, "application/x-protobuf") || MediaTypeIs(ct, "application/protobuf");
}

}  // namespace quell::core
