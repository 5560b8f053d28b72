// Stage 4 of the pipeline: MinHash signatures.
//
// A MinHash signature of a shingle set A is num_perm 32-bit values; the
// share of positions where the signatures of A and B agree estimates the
// Jaccard similarity |A n B| / |A u B|, with standard error about
// sqrt(J(1-J)/num_perm).
//
// Two schemes:
//   * kPermutations (default): num_perm independent hash functions, each a
//     multiply-add-shift h_i(x) = ((a_i x + b_i) mod 2^64) >> 32 over the
//     shingle hash folded to 32 bits (Dietzfelbinger 1996), and the minimum
//     over the set for each i. Cost: num_perm hashes per shingle; the kernel
//     is SIMD with runtime dispatch (Highway) and has a scalar reference.
//   * kOnePermutation: one hash per shingle splits the set into num_perm
//     bins, the minimum of each bin is kept, and empty bins borrow the value
//     of a non-empty bin chosen by a fixed random probe sequence ("optimal
//     densification", Shrivastava 2017). Cost: one hash per shingle; the
//     estimate stays unbiased.
//
// The seed and scheme travel with every Signature; comparing signatures
// made with other parameters is an error, never a silent wrong answer.
//
// Thread safety: a MinHasher is immutable after Create(); Sketch() may be
// called from many threads.
#ifndef MIMEO_MINHASH_H_
#define MIMEO_MINHASH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace mimeo {

enum class MinHashScheme : uint8_t {
  kPermutations = 0,
  kOnePermutation = 1,
};

const char* MinHashSchemeName(MinHashScheme scheme);

// Everything that decides a signature's values.
struct MinHashParams {
  uint32_t num_perm = 128;
  uint64_t seed = 1;
  MinHashScheme scheme = MinHashScheme::kPermutations;

  bool operator==(const MinHashParams&) const = default;
  // "num_perm 128 vs 64" style description of the first difference, or "".
  std::string Difference(const MinHashParams& other) const;
};

// A signature and the parameters that made it.
struct Signature {
  MinHashParams params;
  // Size params.num_perm. Every value is kEmptyValue for an empty set.
  std::vector<uint32_t> values;
};

class MinHasher {
 public:
  // The value of every position of an empty set's signature.
  static constexpr uint32_t kEmptyValue = 0xFFFFFFFFu;
  // The longest signature.
  static constexpr int kMaxNumPerm = 4096;

  struct Options {
    // Signature length; 1..kMaxNumPerm. Default 128.
    int num_perm = 128;
    // Seed of the hash functions. Default 1.
    uint64_t seed = 1;
    MinHashScheme scheme = MinHashScheme::kPermutations;

    absl::Status Validate() const;
  };

  static absl::StatusOr<MinHasher> Create(const Options& options);

  // Sketches the set of `hashes` (repeats allowed, they do not change the
  // result) into `out`, which must have size num_perm. No allocation.
  void Sketch(absl::Span<const uint64_t> hashes,
              absl::Span<uint32_t> out) const noexcept;
  Signature Sketch(absl::Span<const uint64_t> hashes) const;

  // As Sketch() but always with the scalar reference kernel. For tests and
  // for benchmarks that compare kernels.
  void SketchScalar(absl::Span<const uint64_t> hashes,
                    absl::Span<uint32_t> out) const noexcept;

  const MinHashParams& params() const { return params_; }

 private:
  explicit MinHasher(const MinHashParams& params);
  MinHashParams params_;
  // kPermutations: per permutation, the 64-bit multiplier split in low and
  // high 32-bit halves and the 64-bit addend, padded to a multiple of 64.
  std::vector<uint64_t> a_lo_, a_hi_, b_;
  // kOnePermutation: for every bin, the bins an empty bin borrows from, in
  // probe order, up to kProbeDepth; see minhash.cc.
  std::vector<uint16_t> probe_;
};

// Share of equal positions of `a` and `b` (same size), 0 when either is the
// signature of an empty set.
double EstimateJaccard(absl::Span<const uint32_t> a,
                       absl::Span<const uint32_t> b) noexcept;

// As above, but fails when the signatures were made with other parameters.
absl::StatusOr<double> EstimateJaccard(const Signature& a, const Signature& b);

}  // namespace mimeo

#endif  // MIMEO_MINHASH_H_
