#include "mimeo/verify.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_format.h"
#include "internal/concat.h"
#include "internal/shared_kernels.h"
#include "oneapi/tbb/parallel_for.h"

namespace mimeo {

namespace {

// |a n b| of two sorted, distinct lists: blocks of values compared all
// against all by the SIMD kernel (internal/shared_kernels.h), a step per
// vector of values where the scalar merge takes one per value.
uint64_t Shared(absl::Span<const uint64_t> a,
                absl::Span<const uint64_t> b) noexcept {
  return internal::SharedDispatch(a.data(), a.size(), b.data(), b.size());
}

}  // namespace

Similarity ExactSimilarity(absl::Span<const uint64_t> a,
                           absl::Span<const uint64_t> b) noexcept {
  Similarity s;
  s.size_a = a.size();
  s.size_b = b.size();
  if (a.empty() || b.empty()) return s;
  const uint64_t common = Shared(a, b);
  s.intersection = common;
  s.jaccard = static_cast<double>(common) /
              static_cast<double>(a.size() + b.size() - common);
  s.containment_a_in_b = static_cast<double>(common) / a.size();
  s.containment_b_in_a = static_cast<double>(common) / b.size();
  s.rare_intersection = common;
  s.rare_size_a = s.size_a;
  s.rare_size_b = s.size_b;
  return s;
}

Similarity ExactSimilarity(absl::Span<const uint64_t> a,
                           absl::Span<const uint64_t> b,
                           absl::Span<const uint64_t> common_a,
                           absl::Span<const uint64_t> common_b) noexcept {
  Similarity s = ExactSimilarity(a, b);
  s.rare_size_a = a.size() - std::min<uint64_t>(common_a.size(), a.size());
  s.rare_size_b = b.size() - std::min<uint64_t>(common_b.size(), b.size());
  if (s.intersection == 0) return s;
  s.rare_intersection =
      s.intersection - std::min(s.intersection, Shared(common_a, common_b));
  return s;
}

Similarity EstimateSimilarity(double jaccard, uint64_t size_a,
                              uint64_t size_b) noexcept {
  Similarity s;
  s.size_a = size_a;
  s.size_b = size_b;
  if (size_a == 0 || size_b == 0) return s;
  const double inter = std::min<double>(
      std::min(size_a, size_b), jaccard * (size_a + size_b) / (1 + jaccard));
  s.intersection = static_cast<uint64_t>(inter + 0.5);
  s.jaccard = jaccard;
  s.containment_a_in_b = inter / size_a;
  s.containment_b_in_a = inter / size_b;
  s.rare_intersection = s.intersection;
  s.rare_size_a = size_a;
  s.rare_size_b = size_b;
  return s;
}

absl::Status Verifier::Options::Validate() const {
  if (!(jaccard_threshold >= 0 && jaccard_threshold <= 1)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "jaccard_threshold must be in [0, 1], got %g", jaccard_threshold));
  }
  if (!(containment_threshold >= 0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "containment_threshold must be >= 0 (above 1 turns it off), got %g",
        containment_threshold));
  }
  if (!(common_jaccard_threshold >= 0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "common_jaccard_threshold must be >= 0 (above 1 turns it off), got %g",
        common_jaccard_threshold));
  }
  return absl::OkStatus();
}

absl::StatusOr<Verifier> Verifier::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return Verifier(options);
}

bool Verifier::Accept(const Similarity& s) const noexcept {
  if (s.intersection == 0) return false;
  if (s.jaccard >=
      std::max(options_.jaccard_threshold, options_.common_jaccard_threshold)) {
    return true;
  }
  // Otherwise the pair must pass on its whole sets and on its rare
  // shingles alone: boilerplate can make a pair less alike, never more.
  const auto passes = [&](double jaccard, double containment_a_in_b,
                          double containment_b_in_a, uint64_t smaller) {
    if (jaccard >= options_.jaccard_threshold) return true;
    return options_.containment_threshold <= 1 &&
           smaller >= options_.min_containment_shingles &&
           std::max(containment_a_in_b, containment_b_in_a) >=
               options_.containment_threshold;
  };
  if (!passes(s.jaccard, s.containment_a_in_b, s.containment_b_in_a,
              std::min(s.size_a, s.size_b))) {
    return false;
  }
  if (!s.has_common()) return true;
  return s.rare_intersection > 0 &&
         passes(s.rare_jaccard(), s.rare_containment_a_in_b(),
                s.rare_containment_b_in_a(),
                std::min(s.rare_size_a, s.rare_size_b));
}

bool Verifier::ClearlyRejects(double estimate, uint32_t num_perm,
                              uint64_t size_a, uint64_t size_b) const noexcept {
  if (num_perm == 0 || size_a == 0 || size_b == 0) return false;
  // The upper end of the Wilson score interval at z = 3 for a proportion
  // of num_perm agreeing values.
  constexpr double z = 3;
  const double k = num_perm;
  const double p = std::clamp(estimate, 0.0, 1.0);
  const double high = (p + z * z / (2 * k) +
                       z * std::sqrt(p * (1 - p) / k + z * z / (4 * k * k))) /
                      (1 + z * z / k);
  // Boilerplate only lowers a pair's figures, so the whole-set Jaccard
  // must reach jaccard_threshold for any way of passing.
  if (high >= options_.jaccard_threshold) return false;
  if (options_.containment_threshold > 1) return true;
  // The largest containment that Jaccard allows: |A n B| = J (|A| + |B|) /
  // (1 + J), over the smaller set.
  const double smaller = static_cast<double>(std::min(size_a, size_b));
  if (smaller < options_.min_containment_shingles) return true;
  const double shared =
      high * static_cast<double>(size_a + size_b) / (1 + high);
  return shared / smaller < options_.containment_threshold;
}

double Verifier::Score(const Similarity& s) const noexcept {
  const auto score = [&](double jaccard, double containment_a_in_b,
                         double containment_b_in_a, uint64_t smaller) {
    if (options_.containment_threshold > 1 ||
        smaller < options_.min_containment_shingles) {
      return jaccard;
    }
    return std::max({jaccard, containment_a_in_b, containment_b_in_a});
  };
  const double plain =
      score(s.jaccard, s.containment_a_in_b, s.containment_b_in_a,
            std::min(s.size_a, s.size_b));
  if (!s.has_common()) return plain;
  const double rare = score(s.rare_jaccard(), s.rare_containment_a_in_b(),
                            s.rare_containment_b_in_a(),
                            std::min(s.rare_size_a, s.rare_size_b));
  return std::max(s.jaccard, std::min(plain, rare));
}

std::vector<VerifiedPair> Verifier::VerifyAll(
    absl::Span<const CandidatePair> pairs,
    const std::function<absl::Span<const uint64_t>(DocId)>& set_of) const {
  return VerifyAll(pairs, [&set_of](DocId a, DocId b) {
    return ExactSimilarity(set_of(a), set_of(b));
  });
}

std::vector<VerifiedPair> Verifier::VerifyAll(
    absl::Span<const CandidatePair> pairs,
    const std::function<Similarity(DocId, DocId)>& similarity_of,
    const std::function<void(DocId, DocId)>& prefetch) const {
  // Blocks of candidates, each keeping only the pairs it accepts, joined
  // in order: memory follows the accepted pairs, not the candidates (most
  // of which a low LSH threshold proposes only to refuse).
  constexpr size_t kBlock = 4096;
  std::vector<std::vector<VerifiedPair>> accepted(
      (pairs.size() + kBlock - 1) / kBlock);
  tbb::parallel_for(size_t{0}, accepted.size(), [&](size_t block) {
    // How many pairs ahead prefetch() looks: about the number of cache
    // misses a pair's measure waits on that the memory can serve at once.
    constexpr size_t kAhead = 8;
    const size_t end = std::min(pairs.size(), (block + 1) * kBlock);
    if (prefetch) {
      for (size_t i = block * kBlock; i < std::min(end, block * kBlock + kAhead);
           ++i) {
        prefetch(pairs[i].a, pairs[i].b);
      }
    }
    for (size_t i = block * kBlock; i < end; ++i) {
      if (prefetch && i + kAhead < end) {
        prefetch(pairs[i + kAhead].a, pairs[i + kAhead].b);
      }
      const Similarity s = similarity_of(pairs[i].a, pairs[i].b);
      if (Accept(s)) accepted[block].push_back({pairs[i].a, pairs[i].b, s, Score(s)});
    }
  });
  return internal::Concatenate(accepted);
}

}  // namespace mimeo
