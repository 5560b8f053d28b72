// Limiting how many pairs each document is in.
//
// Copies come in groups, and a group of n copies has n(n-1)/2 pairs: a
// licence or a wire story held by thousands of documents makes the pair
// list grow with the square of the group while saying little more. A
// limit per document keeps the strongest pairs of each: pairs are taken
// strongest first (ties: the one earlier in the list), each while both of
// its documents are in fewer than the limit of the pairs taken. The result
// is a hard cap (no document is in more than `max_per_doc` pairs kept),
// deterministic, and every document that had a pair keeps at least one
// unless all its partners are full. It does not change clusters, which are
// made from every pair (cluster.h, copy_family.h).
#ifndef MIMEO_PAIR_LIMIT_H_
#define MIMEO_PAIR_LIMIT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/types/span.h"
#include "mimeo/document.h"
#include "mimeo/verify.h"

namespace mimeo {

// A pair of documents and how strong it is (higher is stronger).
struct ScoredPair {
  DocId a = 0;
  DocId b = 0;
  double strength = 0;
};

// The strength the mimeo command ranks pairs by: the largest of the
// Jaccard similarity and the two containments, so that a short reprint
// wholly inside a long article ranks as high as two versions of one text.
double PairStrength(const Similarity& similarity);

// The indices into `pairs` of the pairs kept (rule above), in increasing
// order. `max_per_doc` 0 keeps every pair. Every a and b must be below
// `num_docs`. O(n log n) for n pairs, plus num_docs counters.
std::vector<size_t> LimitPairsPerDocument(absl::Span<const ScoredPair> pairs,
                                          uint32_t max_per_doc,
                                          size_t num_docs);

}  // namespace mimeo

#endif  // MIMEO_PAIR_LIMIT_H_
