// Stage 5 of the pipeline: SimHash fingerprints.
//
// Charikar's SimHash folds a weighted set of 64-bit feature hashes into one
// 64-bit fingerprint: bit j is set when the features with bit j set outweigh
// those without. Documents that share most features get fingerprints at a
// small Hamming distance; it suits near-identical texts (a few edits), where
// it is cheaper to index than MinHash.
//
// Features are the shingle (or token) hashes of a document. A hash that
// occurs several times counts that many times: the weighting is by
// frequency, so pass the multiset, not the set.
//
// Thread safety: stateless after Create(); Compute() may be called from many
// threads.
#ifndef MIMEO_SIMHASH_H_
#define MIMEO_SIMHASH_H_

#include <bit>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mimeo {

class SimHasher {
 public:
  struct Options {
    // Mixed into every feature before it votes, so that fingerprints made
    // with other seeds are unrelated. Default 0.
    uint64_t seed = 0;

    absl::Status Validate() const { return absl::OkStatus(); }
  };

  static absl::StatusOr<SimHasher> Create(const Options& options);

  // The fingerprint of the multiset `hashes`; 0 for an empty input. Counts
  // bits with the best SIMD kernel of this CPU (Highway dynamic dispatch;
  // MIMEO_SIMD=scalar in the environment forces the scalar one).
  uint64_t Compute(absl::Span<const uint64_t> hashes) const noexcept;
  // The same by the scalar reference kernel: equal bit for bit.
  uint64_t ComputeScalar(absl::Span<const uint64_t> hashes) const noexcept;

  const Options& options() const { return options_; }

 private:
  explicit SimHasher(const Options& options) : options_(options) {}
  uint64_t Vote(absl::Span<const uint64_t> hashes, bool scalar) const noexcept;
  Options options_;
};

// Number of differing bits.
inline int HammingDistance(uint64_t a, uint64_t b) {
  return std::popcount(a ^ b);
}

}  // namespace mimeo

#endif  // MIMEO_SIMHASH_H_
