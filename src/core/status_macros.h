// src/core/status_macros.h
//
// Status propagation helpers. Debian 12's Abseil (20220623) ships neither status macros nor
// matchers, so Quell carries its own. QUELL_CHECK is for broken invariants only (bugs): it aborts
// with file:line and a message. Bad input must never reach a QUELL_CHECK.
#ifndef QUELL_CORE_STATUS_MACROS_H_
#define QUELL_CORE_STATUS_MACROS_H_

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define QUELL_STATUS_CONCAT_INNER_(a, b) a##b
#define QUELL_STATUS_CONCAT_(a, b) QUELL_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function when not OK.
#define QUELL_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status quell_status_ = (expr);         \
    if (!quell_status_.ok()) return quell_status_; \
  } while (0)

// QUELL_ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (an absl::StatusOr<T>); on error returns
// its status, otherwise move-assigns the value to `lhs` (which may be a declaration).
#define QUELL_ASSIGN_OR_RETURN(lhs, expr) \
  QUELL_ASSIGN_OR_RETURN_IMPL_(QUELL_STATUS_CONCAT_(quell_statusor_, __LINE__), lhs, expr)
#define QUELL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()

// Aborts with context when `cond` is false. For invariants, never for input validation.
#define QUELL_CHECK(cond, msg)                                                             \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: QUELL_CHECK(%s) failed: %s\n", __FILE__, __LINE__, #cond, \
                   (msg));                                                                 \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

#endif  // QUELL_CORE_STATUS_MACROS_H_
