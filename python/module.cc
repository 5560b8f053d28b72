// The extension module mimeo._mimeo; the package mimeo (mimeo/__init__.py)
// re-exports it. Sections: the status rule and argument helpers here, the
// pipeline stages in stage_bindings.cc, the Engine in engine_bindings.cc.
#include <Python.h>

#include "bindings.h"

namespace mimeo::python {

void ThrowIfError(const absl::Status& status, bool not_found_is_key) {
  if (status.ok()) return;
  const std::string message(status.message());
  PyObject* type = PyExc_RuntimeError;
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kAlreadyExists:
      type = PyExc_ValueError;
      break;
    case absl::StatusCode::kNotFound:
      type = not_found_is_key ? PyExc_KeyError : PyExc_FileNotFoundError;
      break;
    case absl::StatusCode::kPermissionDenied:
      type = PyExc_PermissionError;
      break;
    case absl::StatusCode::kDataLoss:
      type = PyExc_OSError;
      break;
    default:
      break;
  }
  PyErr_SetString(type, message.c_str());
  throw py::error_already_set();
}

std::string_view TextArgument(const py::handle& object, const char* argument) {
  if (PyUnicode_Check(object.ptr())) {
    Py_ssize_t size = 0;
    // Lone surrogates (from surrogateescape decoding) cannot be encoded;
    // they become U+FFFD, as invalid bytes would.
    const char* data = PyUnicode_AsUTF8AndSize(object.ptr(), &size);
    if (data == nullptr) {
      PyErr_Clear();
      throw py::value_error(std::string(argument) +
                            ": str holds characters UTF-8 cannot encode "
                            "(lone surrogates); pass bytes instead");
    }
    return {data, static_cast<size_t>(size)};
  }
  if (PyBytes_Check(object.ptr())) {
    return {PyBytes_AS_STRING(object.ptr()),
            static_cast<size_t>(PyBytes_GET_SIZE(object.ptr()))};
  }
  throw py::type_error(
      std::string(argument) + " must be str or bytes, not " +
      std::string(py::str(py::type::of(object).attr("__name__"))));
}

py::str DecodeSlice(std::string_view text, size_t begin, size_t end) {
  end = std::min(end, text.size());
  begin = std::min(begin, end);
  PyObject* s = PyUnicode_DecodeUTF8(
      text.data() + begin, static_cast<Py_ssize_t>(end - begin), "replace");
  if (s == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(s);
}

}  // namespace mimeo::python

PYBIND11_MODULE(_mimeo, m) {
  m.doc() =
      "mimeo's native core: the Engine (near-duplicates and shared copy), "
      "the pipeline stages (normalize, tokenize, shingles, MinHasher, "
      "LshIndex). Import the package `mimeo`, which re-exports these.";
  mimeo::python::RegisterStages(m);
  mimeo::python::RegisterEngine(m);
}
