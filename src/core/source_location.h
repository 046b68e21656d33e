// src/core/source_location.h
//
// Where a config node came from: file, 1-based line and column. Every config error names one.
#ifndef QUELL_CORE_SOURCE_LOCATION_H_
#define QUELL_CORE_SOURCE_LOCATION_H_

#include <string>

#include "fmt/format.h"

namespace quell::core {

struct SourceLocation {
  std::string file;  // As given to the loader (relative or absolute); "<string>" for in-memory.
  int line = 0;      // 1-based; 0 when unknown.
  int column = 0;    // 1-based; 0 when unknown.

  // "file:line:col", or just "file" when the position is unknown.
  std::string ToString() const {
    if (line <= 0) return file;
    return fmt::format("{}:{}:{}", file, line, column);
  }
};

}  // namespace quell::core

#endif  // QUELL_CORE_SOURCE_LOCATION_H_
