// src/core/media_type.h
//
// MediaTypeIs: whether a Content-Type header names a given media type, ignoring its parameters
// ("; charset=utf-8"), surrounding spaces and case (RFC 9110 section 8.3.1), as the intake decides
// how to read a body (JSON, protobuf, form). Thread-safe.
#ifndef QUELL_CORE_MEDIA_TYPE_H_
#define QUELL_CORE_MEDIA_TYPE_H_

#include <string_view>

namespace quell::core {

// MediaTypeIs("Application/JSON; charset=utf-8", "application/json") is true. `type` is lower case.
bool MediaTypeIs(std::string_view content_type, std::string_view type);

}  // namespace quell::core

#endif  // QUELL_CORE_MEDIA_TYPE_H_
