// The near-duplicate policy: from LSH candidate pairs to verified pairs and
// clusters, apart from where the documents' sketches are kept.
//
// Engine::Cluster() applies it to the documents it holds; mimeo-mpi
// (tools/mpi/) applies it to documents spread over many processes, with
// the sketches of each pair brought together. Both give the same pairs and
// clusters for the same sketches because both call this, not a copy of it.
//
// What it does:
//   * Verify(): each candidate pair is measured on its exact shingle sets,
//     common (boilerplate) shingles set aside (verify.h), unless its MinHash
//     estimate is so far below every threshold that measuring cannot keep
//     it (Verifier::ClearlyRejects; only with exact sets and k-permutation
//     MinHash, whose estimate error is bounded), when the estimate stands
//     in. Without exact sets, every figure is estimated from the signatures
//     and set sizes.
//   * Cluster(): the verified pairs are edges for the Clusterer (cluster.h),
//     whose chaining guard asks the member verifier (the same shortcut,
//     then exact figures) whether a document belongs with a cluster's core
//     and first members; a document weighs its shingles that are not common,
//     so that the heavier document of two becomes a core.
//
// The documents are read through NearDuplicateDocs, a set of accessors, so
// that the caller decides where sketches live (an Engine's arrays, a hash
// map of sketches gathered from other processes).
//
// Thread safety: const methods may run concurrently; the accessors must be
// safe to call from many threads during Verify().
#ifndef MIMEO_NEAR_DUPLICATES_H_
#define MIMEO_NEAR_DUPLICATES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/cluster.h"
#include "mimeo/document.h"
#include "mimeo/lsh_index.h"
#include "mimeo/minhash.h"
#include "mimeo/verify.h"

namespace mimeo {

// What the policy reads of a document.
struct NearDuplicateDocs {
  // The MinHash signature (num_perm values).
  std::function<absl::Span<const uint32_t>(DocId)> signature;
  // The number of distinct shingles (estimated without exact sets).
  std::function<uint64_t(DocId)> size;
  // With exact sets: the sorted, distinct shingle set, and its common
  // shingles, sorted (CommonShingles::CommonOf), which may be written into
  // `scratch` and returned as a view of it. Both empty functions without
  // exact sets.
  std::function<absl::Span<const uint64_t>(DocId)> set;
  std::function<absl::Span<const uint64_t>(DocId, std::vector<uint64_t>&)>
      common;
};

class NearDuplicatePolicy {
 public:
  struct Options {
    // Pairs (Engine::Options::verify), cluster members
    // (Engine::Options::member) and the chaining guard
    // (Engine::Options::cluster).
    Verifier::Options verify;
    Verifier::Options member;
    Clusterer::Options cluster;
    // The MinHash parameters the signatures were made with.
    uint32_t num_perm = 128;
    MinHashScheme scheme = MinHashScheme::kPermutations;
    // Whether NearDuplicateDocs gives exact sets (Engine::Options::
    // keep_shingle_sets); false verifies on estimates.
    bool exact_sets = true;
  };

  // Fails when an option is invalid (the Verifier's, the Clusterer's).
  static absl::StatusOr<NearDuplicatePolicy> Create(const Options& options);

  // The similarity of documents a and b: exact with common shingles set
  // aside, or estimated without exact sets. Not symmetric in its
  // containments: "a" is the first argument.
  Similarity SimilarityOf(DocId a, DocId b,
                          const NearDuplicateDocs& docs) const;

  // The candidates that pass, in the candidates' order (see above). Runs in
  // parallel on the calling thread's task arena; the result does not
  // depend on the number of threads.
  std::vector<VerifiedPair> Verify(absl::Span<const CandidatePair> candidates,
                                   const NearDuplicateDocs& docs) const;

  // Whether Verify() measures the pair (a, b) on its sets and common
  // shingles: false when the estimate refuses the pair (see above), and
  // without exact sets. Reads the signatures and sizes alone, so that a
  // caller fetching sketches from elsewhere fetches the sets of only the
  // pairs that need them.
  bool NeedsSets(DocId a, DocId b, const NearDuplicateDocs& docs) const;

  // The clusters of documents 0 .. num_docs - 1 that `pairs` (from
  // Verify(); endpoints below num_docs) form: the Clusterer's, its edges
  // taken in order of their Jaccard similarity (containment does not
  // order them: a page mostly made of another's template and sidebar
  // would take that page from its own versions), each joining document
  // judged by Verifier::Score against the members' thresholds (there
  // containment counts). Calls the accessors on the
  // calling thread, for the endpoints of `pairs` only. The result depends
  // only on the order of the DocIds, not their values: numbering the
  // endpoints 0, 1, ... in the same order gives the same clusters so
  // numbered.
  std::vector<Cluster> ClusterPairs(size_t num_docs,
                                    absl::Span<const VerifiedPair> pairs,
                                    const NearDuplicateDocs& docs) const;

  const Options& options() const { return options_; }

 private:
  NearDuplicatePolicy(const Options& options, Verifier verifier,
                      Verifier member, Clusterer clusterer)
      : options_(options),
        verifier_(std::move(verifier)),
        member_(std::move(member)),
        clusterer_(std::move(clusterer)) {}

  // The estimated similarity of a pair the estimate refuses, or nullopt
  // when the pair must be measured (Verify()'s shortcut).
  std::optional<Similarity> RefusedByEstimate(
      DocId a, DocId b, const NearDuplicateDocs& docs) const;

  // Whether estimates are bounded enough for Verifier::ClearlyRejects.
  bool EstimatesBound() const {
    return options_.exact_sets &&
           options_.scheme == MinHashScheme::kPermutations;
  }

  Options options_;
  Verifier verifier_;
  Verifier member_;
  Clusterer clusterer_;
};

}  // namespace mimeo

#endif  // MIMEO_NEAR_DUPLICATES_H_
