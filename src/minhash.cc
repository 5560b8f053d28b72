#include "mimeo/minhash.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "internal/minhash_kernels.h"
#include "internal/mix.h"

namespace mimeo {

using internal::Mix64;

const char* MinHashSchemeName(MinHashScheme scheme) {
  switch (scheme) {
    case MinHashScheme::kPermutations:
      return "permutations";
    case MinHashScheme::kOnePermutation:
      return "one-permutation";
  }
  return "unknown";
}

std::string MinHashParams::Difference(const MinHashParams& other) const {
  if (num_perm != other.num_perm) {
    return absl::StrFormat("num_perm %d vs %d", num_perm, other.num_perm);
  }
  if (seed != other.seed) {
    return absl::StrFormat("minhash seed %d vs %d", seed, other.seed);
  }
  if (scheme != other.scheme) {
    return absl::StrFormat("minhash scheme %s vs %s", MinHashSchemeName(scheme),
                           MinHashSchemeName(other.scheme));
  }
  return "";
}

absl::Status MinHasher::Options::Validate() const {
  if (num_perm < 1 || num_perm > kMaxNumPerm) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "num_perm must be in [1, %d], got %d", kMaxNumPerm, num_perm));
  }
  if (scheme != MinHashScheme::kPermutations &&
      scheme != MinHashScheme::kOnePermutation) {
    return absl::InvalidArgumentError("unknown MinHash scheme");
  }
  return absl::OkStatus();
}

absl::StatusOr<MinHasher> MinHasher::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  MinHashParams params;
  params.num_perm = static_cast<uint32_t>(options.num_perm);
  params.seed = options.seed;
  params.scheme = options.scheme;
  return MinHasher(params);
}

MinHasher::MinHasher(const MinHashParams& params) : params_(params) {
  const size_t padded = (params.num_perm + internal::kMinHashPad - 1) /
                        internal::kMinHashPad * internal::kMinHashPad;
  a_lo_.resize(padded);
  a_hi_.resize(padded);
  b_.resize(padded);
  internal::SplitMix64 rng(params.seed ^ 0x4d696e48617368ULL);
  for (size_t i = 0; i < padded; ++i) {
    const uint64_t a = rng.Next() | 1;  // odd multiplier
    a_lo_[i] = a & 0xFFFFFFFFu;
    a_hi_[i] = a >> 32;
    b_[i] = rng.Next();
  }
}

void MinHasher::SketchScalar(absl::Span<const uint64_t> hashes,
                             absl::Span<uint32_t> out) const noexcept {
  if (params_.scheme == MinHashScheme::kOnePermutation) {
    Sketch(hashes, out);  // one-permutation hashing has no SIMD kernel
    return;
  }
  const internal::MinHashCoefficients c{a_lo_.data(), a_hi_.data(), b_.data(),
                                        params_.num_perm};
  internal::MinHashScalar(c, hashes.data(), hashes.size(), out.data());
}

void MinHasher::Sketch(absl::Span<const uint64_t> hashes,
                       absl::Span<uint32_t> out) const noexcept {
  const uint32_t k = params_.num_perm;
  if (params_.scheme == MinHashScheme::kPermutations) {
    const internal::MinHashCoefficients c{a_lo_.data(), a_hi_.data(),
                                          b_.data(), k};
    internal::MinHashDispatch(c, hashes.data(), hashes.size(), out.data());
    return;
  }
  // One-permutation hashing: the high half of one mixed hash picks the bin,
  // the low half is the value kept by the bin's minimum.
  std::fill(out.begin(), out.end(), kEmptyValue);
  const uint64_t salt = Mix64(params_.seed ^ 0x4f50480000000000ULL);
  for (uint64_t h : hashes) {
    const uint64_t m = Mix64(h ^ salt);
    const uint32_t bin = internal::Reduce32(static_cast<uint32_t>(m >> 32), k);
    const uint32_t v = static_cast<uint32_t>(m);
    if (v < out[bin]) out[bin] = v;
  }
  if (hashes.empty()) return;
  // Optimal densification (Shrivastava 2017): an empty bin i takes the value
  // of the first non-empty bin in its own pseudo-random probe sequence
  // h(i, 1), h(i, 2), ... The sequence depends only on i and the seed, so two
  // sets that agree on the bins probed also agree on the borrowed value,
  // which keeps the collision probability equal to the Jaccard similarity.
  // A bin that held the empty marker as a real value (probability 2^-32
  // per bin) is treated as empty; the estimate does not notice.
  bool any_empty = false;
  for (uint32_t i = 0; i < k; ++i) any_empty |= out[i] == kEmptyValue;
  if (!any_empty) return;
  // Borrow from the pre-densification values only: remember which bins were
  // filled before this loop started writing.
  bool filled[kMaxNumPerm];
  for (uint32_t i = 0; i < k; ++i) filled[i] = out[i] != kEmptyValue;
  for (uint32_t i = 0; i < k; ++i) {
    if (filled[i]) continue;
    for (uint64_t attempt = 1;; ++attempt) {
      const uint64_t r = Mix64(salt ^ (uint64_t{i} << 32) ^ attempt);
      const uint32_t j = internal::Reduce32(static_cast<uint32_t>(r), k);
      if (filled[j]) {
        out[i] = out[j];
        break;
      }
    }
  }
}

Signature MinHasher::Sketch(absl::Span<const uint64_t> hashes) const {
  Signature s;
  s.params = params_;
  s.values.resize(params_.num_perm);
  Sketch(hashes, absl::MakeSpan(s.values));
  return s;
}

double EstimateJaccard(absl::Span<const uint32_t> a,
                       absl::Span<const uint32_t> b) noexcept {
  const size_t n = std::min(a.size(), b.size());
  if (n == 0) return 0.0;
  // A plain count, eight lanes of counters wide so that the compiler
  // vectorizes it (a single counter it did not); the empty-set check after
  // it stops at the first real value, which is almost always the first.
  const uint32_t* x = a.data();
  const uint32_t* y = b.data();
  uint32_t lanes[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t j = 0; j < 8; ++j) lanes[j] += x[i + j] == y[i + j] ? 1 : 0;
  }
  uint32_t equal = 0;
  for (uint32_t c : lanes) equal += c;
  for (; i < n; ++i) equal += x[i] == y[i];
  auto all_empty = [n](absl::Span<const uint32_t> s) {
    for (size_t i = 0; i < n; ++i) {
      if (s[i] != MinHasher::kEmptyValue) return false;
    }
    return true;
  };
  if (equal == 0 || all_empty(a) || all_empty(b)) return 0.0;
  return static_cast<double>(equal) / static_cast<double>(n);
}

absl::StatusOr<double> EstimateJaccard(const Signature& a, const Signature& b) {
  if (!(a.params == b.params)) {
    return absl::InvalidArgumentError(
        "signatures made with different parameters: " +
        a.params.Difference(b.params));
  }
  if (a.values.size() != a.params.num_perm ||
      b.values.size() != b.params.num_perm) {
    return absl::InvalidArgumentError(
        "signature has the wrong number of values for its num_perm");
  }
  return EstimateJaccard(absl::MakeConstSpan(a.values),
                         absl::MakeConstSpan(b.values));
}

}  // namespace mimeo
