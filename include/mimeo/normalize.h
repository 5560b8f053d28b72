// Stage 1 of the pipeline: text normalization.
//
// The Normalizer turns raw bytes into the canonical text every later stage
// works on, so that two copies of a passage that differ only in encoding
// details produce the same shingles:
//
//   * UTF-8 is validated. Invalid bytes (a stray continuation byte, a
//     truncated sequence, an overlong form, a surrogate, a code point past
//     U+10FFFF) become U+FFFD, one for each maximal subpart (DecodeUtf8
//     below), and are counted; nothing is dropped. RepairUtf8 makes the
//     same replacements and nothing else.
//   * Unicode NFKC and case folding (utf8proc), so "ﬁ", "FI" and "fi" agree.
//     Default-ignorable characters (soft hyphen, zero-width space and
//     joiners, byte order mark) are dropped, so "co\u00ADop" is "coop".
//   * Whitespace folding: every run of whitespace, control characters and NUL
//     bytes becomes one ASCII space; leading and trailing space is dropped.
//   * Punctuation folding: typographic quotes become ASCII ' and ", dashes
//     become '-', so "“x”" and "\"x\"" agree.
//
// Optionally the Normalizer also keeps a map from every byte of its output
// back to the byte in the original text it came from. The copy-detection
// stages use it to report passages as byte ranges in the original.
//
// Thread safety: a Normalizer is immutable after Create(); Normalize() is
// const and may be called from many threads at once.
#ifndef MIMEO_NORMALIZE_H_
#define MIMEO_NORMALIZE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mimeo {

// One character decoded from the front of UTF-8 bytes.
struct Utf8Char {
  // The code point, or -1 when the bytes are not valid UTF-8 there.
  int32_t code_point = -1;
  // Bytes consumed: 1 to 4 (0 only for empty input).
  uint32_t bytes = 0;
};

// Decodes the character at the front of `s`. Where `s` does not start with
// a well-formed character, returns -1 and the length of the "maximal
// subpart" (Unicode standard, section 3.9, U+FFFD substitution of maximal
// subparts, as the W3C encoding standard and most decoders do): the longest
// prefix of `s` that starts some well-formed sequence, or else one byte. So
// "\xE2\x82" (a truncated euro sign) is one invalid sequence, while
// "\xC0\xAF" (an overlong '/') and "\xED\xA0\x80" (a surrogate) are two and
// three, since no well-formed sequence starts "\xC0" or "\xED\xA0".
// Decoding resumes right after the subpart, so a valid character is never
// swallowed by the invalid bytes before it. Thread-safe; no allocation.
Utf8Char DecodeUtf8(std::string_view s) noexcept;

// `in` with every maximal subpart (above) replaced by U+FFFD ("\xEF\xBF\xBD")
// and every valid character kept as is: the replacements Normalize() makes
// and counts in NormalizedText::invalid_sequences, without its folding. The
// result is valid UTF-8.
std::string RepairUtf8(std::string_view in);

// The output of Normalizer::Normalize().
struct NormalizedText {
  // Normalized UTF-8: always valid, NFKC, case folded, folded as configured.
  std::string text;
  // Empty unless Options::keep_offsets. Otherwise size text.size() + 1:
  // source_offset[i] is the byte offset in the original text of the
  // character that produced output byte i; the last entry is the original's
  // size. A range [b, e) of `text` came from [source_offset[b],
  // source_offset[e]) of the original.
  std::vector<uint32_t> source_offset;
  // Number of invalid UTF-8 sequences replaced by U+FFFD.
  uint64_t invalid_sequences = 0;
  // Number of NUL bytes in the original (each folded as whitespace).
  uint64_t nul_bytes = 0;

  // Maps a byte range of `text` to the byte range of the original it came
  // from. Requires keep_offsets and b <= e <= text.size().
  std::pair<uint32_t, uint32_t> SourceRange(uint32_t b, uint32_t e) const {
    return {source_offset[b], source_offset[e]};
  }
};

class Normalizer {
 public:
  struct Options {
    // Apply Unicode NFKC (compatibility composition). Default true.
    bool nfkc = true;
    // Apply Unicode case folding (full folding: "ß" -> "ss"). Default true.
    bool case_fold = true;
    // Fold whitespace, control characters and NUL runs to one space.
    // Default true.
    bool fold_whitespace = true;
    // Fold typographic quotes to ASCII quotes and dashes to '-'.
    // Default true.
    bool fold_punctuation = true;
    // Keep NormalizedText::source_offset. Costs 4 bytes per output byte;
    // the near-duplicate path does not need it. Default false.
    bool keep_offsets = false;

    // Always OK today; kept so every stage validates the same way.
    absl::Status Validate() const;
  };

  // Largest input Normalize() accepts: offsets are 32-bit.
  static constexpr uint64_t kMaxInputBytes = (uint64_t{1} << 32) - 2;

  static absl::StatusOr<Normalizer> Create(const Options& options);

  // Normalizes `input` (any bytes). Fails only when the input is longer than
  // kMaxInputBytes. `out` is overwritten; its buffers are reused, so a
  // caller that normalizes many texts with one NormalizedText does not
  // allocate once the buffers have grown.
  absl::Status Normalize(std::string_view input, NormalizedText& out) const;
  absl::StatusOr<NormalizedText> Normalize(std::string_view input) const;

  const Options& options() const { return options_; }

 private:
  explicit Normalizer(const Options& options) : options_(options) {}
  Options options_;
};

}  // namespace mimeo

#endif  // MIMEO_NORMALIZE_H_
