// Shared by the files of the Python module (_mimeo): the status-to-exception
// rule and the registration function of each part.
#ifndef MIMEO_PYTHON_BINDINGS_H_
#define MIMEO_PYTHON_BINDINGS_H_

#include <pybind11/pybind11.h>

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mimeo::python {

namespace py = pybind11;

// Raises the Python exception for a non-OK status, with its message:
// ValueError for InvalidArgument, OutOfRange and AlreadyExists (a bad
// argument, a duplicate id), KeyError for NotFound when `not_found_is_key`
// (an unknown document id), FileNotFoundError for other NotFound,
// PermissionError for PermissionDenied, OSError for DataLoss (a corrupt or
// truncated file) and RuntimeError for the rest. Needs the GIL.
void ThrowIfError(const absl::Status& status, bool not_found_is_key = false);

template <typename T>
T ValueOrThrow(absl::StatusOr<T> result, bool not_found_is_key = false) {
  ThrowIfError(result.status(), not_found_is_key);
  return std::move(result).value();
}

// The bytes of a str (UTF-8) or bytes-like argument, without a copy for
// bytes. Any other type raises TypeError naming `argument`. The view lives as
// long as `object`.
std::string_view TextArgument(const py::handle& object, const char* argument);

// Decodes bytes [begin, end) of `text` as UTF-8, invalid bytes replaced.
py::str DecodeSlice(std::string_view text, size_t begin, size_t end);

void RegisterStages(py::module_& m);
void RegisterEngine(py::module_& m);

}  // namespace mimeo::python

#endif  // MIMEO_PYTHON_BINDINGS_H_
