// Stage 9 of the pipeline: verifying candidate pairs.
//
// LSH candidates are only likely to be similar. The Verifier measures each
// pair on the shingle sets themselves (sorted, distinct hashes; see
// SortedSet in shingle.h):
//
//   jaccard             |A n B| / |A u B|    whole-document near-duplication
//   containment_a_in_b  |A n B| / |A|        how much of A appears in B
//   containment_b_in_a  |A n B| / |B|
//
// and keeps the pair when jaccard >= jaccard_threshold, or when the larger
// containment >= containment_threshold and the contained document has at
// least min_containment_shingles shingles (a three-word text is "contained"
// in almost anything). Containment catches the copies Jaccard cannot: a
// short version of an article inside a long one, a story reprinted with a
// new introduction.
//
// Boilerplate. Given the shingles many documents share (CommonShingles,
// boilerplate.h), the same figures are also measured on the rare shingles
// alone, and a pair must pass on those as well as on its whole sets: a
// footer, a licence paragraph or a menu two documents carry does not make
// them versions of each other, and setting it aside never makes two
// documents more alike than their whole texts are. A pair whose whole sets
// are alike (jaccard >= common_jaccard_threshold) passes however common
// its text is: a spam run, a template page twice. Without a model, or when
// none of a pair's shingles is common, the rule is the plain rule.
//
// Without shingle sets, similarity can be estimated from the signatures
// and the set sizes (EstimateSimilarity); the estimate's error is that of
// the MinHash estimate, about 1/sqrt(num_perm), and boilerplate cannot be
// told apart.
#ifndef MIMEO_VERIFY_H_
#define MIMEO_VERIFY_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/boilerplate.h"
#include "mimeo/document.h"
#include "mimeo/lsh_index.h"

namespace mimeo {

struct Similarity {
  double jaccard = 0;
  double containment_a_in_b = 0;
  double containment_b_in_a = 0;
  // |A n B|, |A|, |B| (estimated when the similarity is an estimate).
  uint64_t intersection = 0;
  uint64_t size_a = 0;
  uint64_t size_b = 0;
  // The same three counts over rare shingles only (those a CommonShingles
  // model does not call common); equal to the three above without one.
  uint64_t rare_intersection = 0;
  uint64_t rare_size_a = 0;
  uint64_t rare_size_b = 0;

  // Jaccard and containments of the rare shingles; 0 when a side has none.
  double rare_jaccard() const {
    const uint64_t u = rare_size_a + rare_size_b - rare_intersection;
    return u == 0 ? 0 : static_cast<double>(rare_intersection) / u;
  }
  double rare_containment_a_in_b() const {
    return rare_size_a == 0
               ? 0
               : static_cast<double>(rare_intersection) / rare_size_a;
  }
  double rare_containment_b_in_a() const {
    return rare_size_b == 0
               ? 0
               : static_cast<double>(rare_intersection) / rare_size_b;
  }
  // Whether any shingle of the pair was set aside as common.
  bool has_common() const {
    return rare_size_a != size_a || rare_size_b != size_b;
  }
};

// Exact similarity of two sorted, distinct hash sets. Empty sets have
// similarity 0 to everything, themselves included.
Similarity ExactSimilarity(absl::Span<const uint64_t> a,
                           absl::Span<const uint64_t> b) noexcept;
// The same, with the rare figures: `common_a` and `common_b` are the
// common shingles of a and of b (CommonShingles::CommonOf), sorted. A
// shingle both sets share is common in both lists, so the rare
// intersection is the intersection less the common shingles the two lists
// share, and the merge of the whole sets looks nothing up.
Similarity ExactSimilarity(absl::Span<const uint64_t> a,
                           absl::Span<const uint64_t> b,
                           absl::Span<const uint64_t> common_a,
                           absl::Span<const uint64_t> common_b) noexcept;

// Similarity from a Jaccard estimate and the two set sizes:
// |A n B| = J (|A| + |B|) / (1 + J).
Similarity EstimateSimilarity(double jaccard, uint64_t size_a,
                              uint64_t size_b) noexcept;

// A pair that passed verification, a < b.
struct VerifiedPair {
  DocId a;
  DocId b;
  Similarity similarity;
  // The number the Clusterer orders edges by; see Verifier::Score.
  double score;
};

class Verifier {
 public:
  struct Options {
    // Keep pairs with Jaccard at least this; in [0, 1]. Default 0.5.
    double jaccard_threshold = 0.5;
    // Keep pairs where one document is contained in the other at least this
    // much; in [0, 1], or above 1 to turn containment off. Default 0.8.
    double containment_threshold = 0.8;
    // The contained document needs at least this many shingles for
    // containment to count. Default 20.
    uint32_t min_containment_shingles = 20;
    // Pairs with at least this Jaccard on their whole sets, common
    // shingles included, pass however common their text (see
    // "Boilerplate" above); above 1: only rare shingles count. Default 0.5.
    double common_jaccard_threshold = 0.5;

    absl::Status Validate() const;
  };

  static absl::StatusOr<Verifier> Create(const Options& options);

  // Whether a pair with this similarity is kept: on its whole-set and its
  // rare figures both, or on its whole-set Jaccard alone above
  // common_jaccard_threshold.
  bool Accept(const Similarity& s) const noexcept;
  // Whether a pair fails Accept() even if its true Jaccard similarity is
  // at the top of the three-standard-error (Wilson) interval around its
  // MinHash estimate `estimate` (from num_perm values), its set sizes
  // being size_a and size_b: such a pair needs no exact verification. A
  // pair within that interval of a threshold is verified exactly. Wrongly
  // refusing a pair needs its estimate three standard errors low: at 128
  // permutations, about one pair in 1,500 right at Jaccard 0.3 and one in
  // 600 right at 0.5, none far from a threshold.
  bool ClearlyRejects(double estimate, uint32_t num_perm, uint64_t size_a,
                      uint64_t size_b) const noexcept;
  // The pair's strength: its Jaccard or, when containment counts for it,
  // its larger containment, whichever is larger; with common shingles, the
  // smaller of that and the same on rare shingles (but at least the
  // Jaccard).
  double Score(const Similarity& s) const noexcept;

  // Verifies `pairs` in parallel; `set_of(id)` returns a document's sorted
  // shingle set and must be safe to call from many threads. The result
  // keeps the input order and does not depend on the number of threads.
  std::vector<VerifiedPair> VerifyAll(
      absl::Span<const CandidatePair> pairs,
      const std::function<absl::Span<const uint64_t>(DocId)>& set_of) const;
  // The same, with the similarity of a pair given by `similarity_of(a, b)`
  // (for example estimated from signatures), called from many threads.
  // When given, `prefetch(a, b)` is called for a pair a few places before
  // similarity_of() is (on the same thread), so that the caller can ask
  // the memory for what it will read; it must not change any result.
  std::vector<VerifiedPair> VerifyAll(
      absl::Span<const CandidatePair> pairs,
      const std::function<Similarity(DocId, DocId)>& similarity_of,
      const std::function<void(DocId, DocId)>& prefetch = nullptr) const;

  const Options& options() const { return options_; }

 private:
  explicit Verifier(const Options& options) : options_(options) {}
  Options options_;
};

}  // namespace mimeo

#endif  // MIMEO_VERIFY_H_
