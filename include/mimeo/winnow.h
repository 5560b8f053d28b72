// Shared copy, step 1: winnowing (Schleimer, Wilkerson and Aiken, 2003).
//
// Near-duplicate detection looks at whole documents; shared copy needs to
// see a single reused paragraph inside two otherwise different texts. The
// Winnower keeps a small, position-tagged subset of a document's shingle
// hashes, its fingerprints: in every window of `window` consecutive
// shingles, the smallest hash (the rightmost one on ties), each chosen
// position recorded once.
//
// The guarantee: if two texts share a run of at least window + k - 1 tokens
// (k = shingle size), both contain `window` identical consecutive shingles,
// hence one identical window, hence the same smallest hash among their
// fingerprints. No shared run that long can be missed. Shorter shared runs
// may or may not be seen.
//
// About 2 / (window + 1) of the shingles become fingerprints.
//
// Thread safety: Winnow() is const and may be called from many threads.
#ifndef MIMEO_WINNOW_H_
#define MIMEO_WINNOW_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mimeo {

// A chosen shingle: its hash and its index in the document's shingles.
//
// 12 bytes, 4-byte aligned, rather than a uint64_t and a uint32_t padded
// to 16: the engine keeps every document's fingerprints, about 145 a news
// article, and the padding was a quarter of them (bench/README.md, "Copy
// mode at scale"). The hash is kept as two 32-bit halves and read with
// hash(), by value, so no member is misaligned and nothing can bind a
// reference to one (a packed struct allowed that, which is undefined
// behaviour).
struct Fingerprint {
  Fingerprint() = default;
  Fingerprint(uint64_t hash, uint32_t position)
      : hash_lo(static_cast<uint32_t>(hash)),
        hash_hi(static_cast<uint32_t>(hash >> 32)),
        position(position) {}

  uint64_t hash() const { return uint64_t{hash_hi} << 32 | hash_lo; }
  void set_hash(uint64_t hash) {
    hash_lo = static_cast<uint32_t>(hash);
    hash_hi = static_cast<uint32_t>(hash >> 32);
  }

  uint32_t hash_lo = 0;
  uint32_t hash_hi = 0;
  uint32_t position = 0;
};
static_assert(sizeof(Fingerprint) == 12 && alignof(Fingerprint) == 4);

class Winnower {
 public:
  struct Options {
    // Shingles per window; 1..256. 1 keeps every shingle. Default 4: with
    // word 5-grams, every shared run of 8 words or more is seen, which is
    // the Aligner's default minimum passage.
    int window = 4;
    absl::Status Validate() const;
  };

  static absl::StatusOr<Winnower> Create(const Options& options);

  // Writes the fingerprints of `shingle_hashes` (a text's shingles in text
  // order) into `out`, by increasing position. A text with fewer shingles
  // than the window is one window. Reuses `out`'s capacity.
  void Winnow(absl::Span<const uint64_t> shingle_hashes,
              std::vector<Fingerprint>& out) const;

  const Options& options() const { return options_; }

 private:
  explicit Winnower(const Options& options) : options_(options) {}
  Options options_;
};

}  // namespace mimeo

#endif  // MIMEO_WINNOW_H_
