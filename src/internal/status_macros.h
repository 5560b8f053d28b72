// Status plumbing for mimeo's implementation files. Abseil 20220623 ships no
// status macros, so the project defines its own, once, here.
#ifndef MIMEO_SRC_INTERNAL_STATUS_MACROS_H_
#define MIMEO_SRC_INTERNAL_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MIMEO_CONCAT_INNER_(a, b) a##b
#define MIMEO_CONCAT_(a, b) MIMEO_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` yields a non-OK status.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status mimeo_status_ = (expr);             \
    if (!mimeo_status_.ok()) return mimeo_status_;     \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, Foo());` declares/assigns `x` from the value of a
// StatusOr, or returns its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  MIMEO_ASSIGN_OR_RETURN_IMPL_(MIMEO_CONCAT_(mimeo_statusor_, __LINE__), lhs, expr)
#define MIMEO_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#endif  // MIMEO_SRC_INTERNAL_STATUS_MACROS_H_
