// Writing bytes for the command line: plain, gzip or zstd, chosen by the
// file name (".gz", ".zst"), as the JSONL dumps data pipelines exchange.
#ifndef MIMEO_TOOLS_BYTE_SINK_H_
#define MIMEO_TOOLS_BYTE_SINK_H_

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace mimeo::cli {

// A destination of bytes that may compress them on the way to a FILE*.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Writes `bytes` (compressed, for a compressing sink). Errors name the
  // encoding; the FILE*'s own errors show at its flush or close.
  virtual absl::Status Write(std::string_view bytes) = 0;
  // Ends the stream (the compressed frame's trailer). Call once, after the
  // last Write(); nothing may be written after it.
  virtual absl::Status Finish() = 0;
  // "gzip", "zstd" or "plain".
  virtual const char* encoding() const = 0;
};

// The encoding a file name asks for: "gzip" for a name ending in ".gz",
// "zstd" for ".zst", otherwise "plain".
const char* EncodingForName(std::string_view path);

// A sink writing to `out` (not owned; it must outlive the sink) in
// `encoding` ("plain", "gzip" or "zstd").
std::unique_ptr<ByteSink> OpenByteSink(std::FILE* out,
                                       std::string_view encoding);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_BYTE_SINK_H_
