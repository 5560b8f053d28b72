// SIMD kernels that classify the bytes of a text 64 at a time for the
// normalizer's and the tokenizer's ASCII paths, each with a scalar
// reference; and those two stages as they run without the kernels, the
// references their tests hold them to. Internal: the public entry points
// are mimeo::Normalizer and mimeo::Tokenizer.
#ifndef MIMEO_SRC_INTERNAL_TEXT_KERNELS_H_
#define MIMEO_SRC_INTERNAL_TEXT_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "mimeo/normalize.h"
#include "mimeo/tokenize.h"

namespace mimeo::internal {

// Bytes [0, n) of a text in blocks of 64: block b is bytes [64b, 64b + 64),
// and bit j of a block's mask stands for byte 64b + j. A last block shorter
// than 64 has its missing bytes' bits clear in every mask. The mask arrays
// hold (n + 63) / 64 words.

// For the normalizer, with whitespace folding on: `high` marks the bytes
// of 0x80 and above, `space` the ASCII bytes that fold to a space (0x00 to
// 0x20, and 0x7F), `nul` the zero bytes. folded[i] is the output byte of an
// ASCII byte p[i]: ' ' for a byte `space` marks, else p[i], with A-Z
// lowered when `case_fold`. `folded` has room for 64 * ((n + 63) / 64)
// bytes; its bytes for high bytes and past n are unspecified.
void FoldAsciiScalar(const uint8_t* p, size_t n, bool case_fold,
                     uint8_t* folded, uint64_t* high, uint64_t* space,
                     uint64_t* nul) noexcept;
// Same result by the best SIMD target of this CPU (Highway dispatch), or
// by the scalar reference when the environment sets MIMEO_SIMD=scalar.
void FoldAsciiDispatch(const uint8_t* p, size_t n, bool case_fold,
                       uint8_t* folded, uint64_t* high, uint64_t* space,
                       uint64_t* nul) noexcept;
// A run on one target, by index into MinHashTargets() (the same list).
// For the agreement tests.
void FoldAsciiOnTarget(size_t target_index, const uint8_t* p, size_t n,
                       bool case_fold, uint8_t* folded, uint64_t* high,
                       uint64_t* space, uint64_t* nul);

// For the tokenizer: `word` marks the ASCII letters and digits, `high` the
// bytes of 0x80 and above.
void WordBytesScalar(const uint8_t* p, size_t n, uint64_t* word,
                     uint64_t* high) noexcept;
// Same result by Highway dispatch, or the scalar reference under
// MIMEO_SIMD=scalar.
void WordBytesDispatch(const uint8_t* p, size_t n, uint64_t* word,
                       uint64_t* high) noexcept;
// A run on one target (index into MinHashTargets()), for the tests.
void WordBytesOnTarget(size_t target_index, const uint8_t* p, size_t n,
                       uint64_t* word, uint64_t* high);

// What Normalizer::Normalize() gives, computed as it was before the block
// path: each stretch of ASCII found and folded a byte at a time. The
// reference the block path must match byte for byte, offsets and counts
// included. Same contract as Normalize().
absl::Status NormalizeByteByByte(const Normalizer::Options& options,
                                 std::string_view input, NormalizedText& out);

// What Tokenizer::Tokenize() gives, computed a character at a time.
void TokenizeByCharacter(const Tokenizer::Options& options,
                         std::string_view text, std::vector<Token>& out);

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_TEXT_KERNELS_H_
