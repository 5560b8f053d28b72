// Fuzz target: reading plain, gzip and zstd files (byte_stream.h), whole
// and line by line.
//
// Input: the file. Reads it whole (up to 4 MiB decompressed, so a small
// bomb costs little), then again line by line with a 64-byte line limit.
// Checks that each line returned is the bytes of the whole read at the
// line's offset, and that both reads fail or succeed together.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "byte_stream.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mimeo::cli::ByteStream;
  constexpr uint64_t kMaxBytes = uint64_t{4} << 20;
  const std::string path = mimeo::fuzz::Scratch().Write(
      "stream", std::string_view(reinterpret_cast<const char*>(data), size));

  absl::StatusOr<std::unique_ptr<ByteStream>> whole =
      mimeo::cli::OpenByteStream(path);
  FUZZ_CHECK(whole.ok());
  absl::StatusOr<std::string> all =
      mimeo::cli::ReadAll(**whole, path, kMaxBytes);
  FUZZ_CHECK((*whole)->consumed() <= size);
  if (!all.ok()) return 0;  // corrupt, truncated or too large

  absl::StatusOr<std::unique_ptr<ByteStream>> lines_in =
      mimeo::cli::OpenByteStream(path);
  FUZZ_CHECK(lines_in.ok());
  mimeo::cli::LineReader lines(**lines_in, 64);
  uint64_t end = 0;  // where the last line returned ends
  for (;;) {
    absl::StatusOr<std::optional<std::string_view>> line = lines.Next();
    if (!line.ok()) {
      // Only an over-long line is an error once the whole read succeeded.
      FUZZ_CHECK(absl::IsOutOfRange(line.status()));
      continue;
    }
    if (!line->has_value()) break;
    const std::string_view l = **line;
    FUZZ_CHECK(l.size() <= 64);
    FUZZ_CHECK(lines.line_offset() >= end);
    FUZZ_CHECK(lines.line_offset() + l.size() <= all->size());
    FUZZ_CHECK(all->compare(lines.line_offset(), l.size(), l) == 0);
    end = lines.line_offset() + l.size();
  }
  FUZZ_CHECK((*lines_in)->consumed() == size);
  return 0;
}
