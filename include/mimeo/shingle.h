// Stage 3 of the pipeline: shingling.
//
// A shingle is a run of k consecutive tokens. Each token is hashed to 64
// bits (TokenHash below), then a polynomial of the k token hashes of each
// shingle rolled along the text and mixed (SplitMix64 finalizer),
// and keeps the index of its first token, so that later stages can map a
// shared shingle back to the text.
//
// A text of n tokens gives n - k + 1 shingles. A text with 1 <= n < k tokens
// gives exactly one shingle made of all its tokens, never none: otherwise
// every short text would have the same (empty) set and all short texts would
// look identical. A text with no tokens gives no shingles.
//
// Hash values depend only on the token bytes, k and the seed, never on the
// platform or the process: they may be persisted.
//
// Thread safety: Shingle() is const and may be called from many threads.
#ifndef MIMEO_SHINGLE_H_
#define MIMEO_SHINGLE_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/tokenize.h"

namespace mimeo {

// How a token's bytes become a 64-bit value.
//
//   kShortMix (the default): a token of up to 16 bytes (nearly every word)
//     is read as two little-endian 64-bit words, zero past its end, each
//     XORed with a key for the token's length (from the seed); their
//     128-bit product is folded to 64 bits, as XXH3 does for 9 to 16 bytes,
//     and mixed (SplitMix64 finalizer). Tokens collide as random values
//     do. Longer tokens are hashed with seeded XXH3. Shingling is 1.6x as
//     fast as with XXH3, whose dispatch on the length mispredicts on words
//     (bench/README.md, "The short-token hash").
//   kXxh3: seeded XXH3 of every token. The hashes of snapshots of format
//     versions 3 and 4 and of on-disk indexes made before kShortMix, which
//     load with it (HashingParams says which a file holds).
enum class TokenHash : uint8_t { kXxh3 = 0, kShortMix = 1 };
// "xxh3", "short-mix".
const char* TokenHashName(TokenHash hash);

// The shingles of one text, in text order (size n - k + 1, or 1 or 0).
struct Shingles {
  // hashes[i] is the hash of shingle i.
  std::vector<uint64_t> hashes;
  // first_token[i] is the index of shingle i's first token.
  std::vector<uint32_t> first_token;
  // Tokens in shingle i: k, or fewer for the single shingle of a short text.
  uint32_t tokens_per_shingle = 0;

  size_t size() const { return hashes.size(); }
};

class Shingler {
 public:
  struct Options {
    // Tokens per shingle; 1..64. Default 5 (word 5-grams, the common choice
    // for news and web text).
    int k = 5;
    // Seed of the token hashes. Default 0x6d696d656f ("mimeo").
    uint64_t seed = 0x6d696d656fULL;
    // Default kShortMix.
    TokenHash token_hash = TokenHash::kShortMix;

    absl::Status Validate() const;
  };

  static absl::StatusOr<Shingler> Create(const Options& options);

  // Shingles `tokens`, which are byte ranges of `text`. `out` is overwritten
  // and its capacity reused.
  void Shingle(std::string_view text, absl::Span<const Token> tokens,
               Shingles& out) const;

  const Options& options() const { return options_; }

 private:
  explicit Shingler(const Options& options);
  uint64_t HashToken(const char* p, size_t len, bool may_read_16) const;

  Options options_;
  // kShortMix's keys, by token length 0..16, from the seed.
  uint64_t key_first_[17];
  uint64_t key_second_[17];
};

// Writes the distinct values of `hashes`, sorted ascending, into `out`.
// This is the shingle set that exact Jaccard and containment are taken on.
// `out` must not alias `hashes`. Linear time on uniform hashes (shingle
// hashes are); keeps per-thread buffers as large as the largest set sorted.
void SortedSet(absl::Span<const uint64_t> hashes, std::vector<uint64_t>& out);

}  // namespace mimeo

#endif  // MIMEO_SHINGLE_H_
