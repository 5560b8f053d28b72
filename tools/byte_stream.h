// Reading bytes for the command line: plain, gzip or zstd files (told apart
// by their first bytes, not their names) and standard input, one line at a
// time for JSONL.
#ifndef MIMEO_TOOLS_BYTE_STREAM_H_
#define MIMEO_TOOLS_BYTE_STREAM_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mimeo::cli {

// A source of decompressed bytes.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to `n` bytes into `out`; 0 at the end. Errors (unreadable
  // file, corrupt or truncated compressed data) name the file.
  virtual absl::StatusOr<size_t> Read(char* out, size_t n) = 0;
  // Bytes consumed from the underlying file so far (compressed bytes for a
  // compressed file): what a progress bar measures.
  virtual uint64_t consumed() const = 0;
  // "gzip", "zstd" or "plain".
  virtual const char* encoding() const = 0;
};

// Opens `path` ("-": standard input) and decompresses it when it starts
// with the gzip or zstd magic number. NotFound names a missing file.
absl::StatusOr<std::unique_ptr<ByteStream>> OpenByteStream(
    const std::string& path);

// A stream that gives `prefix` first, then the rest of `rest`: bytes read
// ahead to decide what a stream holds, put back.
std::unique_ptr<ByteStream> WithPrefix(std::string prefix,
                                       std::unique_ptr<ByteStream> rest);

// A plain file's bytes read beforehand (InputReader reads a tree's small
// files on all threads): gives them out as OpenByteStream() would have,
// counting them as consumed as they go.
std::unique_ptr<ByteStream> StreamOfBytes(std::string bytes);

// Whether `head`, a file's first bytes, start like a gzip or zstd stream
// (what OpenByteStream() decompresses).
bool LooksCompressed(std::string_view head);

// Reads a whole stream. Fails if it holds more than `max_bytes`.
absl::StatusOr<std::string> ReadAll(ByteStream& in, const std::string& path,
                                    uint64_t max_bytes);

// Splits a stream into lines ('\n', with a trailing '\r' dropped). The view
// returned by Next() lives until the next call.
class LineReader {
 public:
  // Lines longer than `max_line_bytes` are reported as errors by Next()
  // and skipped, so one corrupt line cannot exhaust memory.
  LineReader(ByteStream& in, uint64_t max_line_bytes)
      : in_(in), max_line_(max_line_bytes) {}

  // The next line, or nullopt at the end. `line_number` counts from 1.
  // An over-long line gives OutOfRange; reading on continues after it.
  absl::StatusOr<std::optional<std::string_view>> Next();
  uint64_t line_number() const { return line_number_; }
  // Where the line Next() returned starts: bytes of the (decompressed)
  // stream before it.
  uint64_t line_offset() const { return line_offset_; }
  // For a stream that starts part way into a file, at a line boundary:
  // the lines and bytes of the file before it, so that line_number() and
  // line_offset() count in the whole file. Call before the first Next().
  void StartAfter(uint64_t lines, uint64_t bytes) {
    line_number_ = lines;
    dropped_ = bytes;
  }

 private:
  absl::Status Fill();

  ByteStream& in_;
  const uint64_t max_line_;
  std::string buf_;
  size_t begin_ = 0;  // start of unread bytes in buf_
  bool eof_ = false;
  uint64_t line_number_ = 0;
  uint64_t dropped_ = 0;  // bytes erased from the front of buf_
  uint64_t line_offset_ = 0;
};

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_BYTE_STREAM_H_
