#include "mimeo/near_duplicates.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "internal/concat.h"
#include "oneapi/tbb/parallel_for.h"

namespace mimeo {
namespace {

// The similarity of (b, a) from that of (a, b): the same figures with the
// sides exchanged.
Similarity Swapped(const Similarity& s) {
  Similarity t = s;
  std::swap(t.containment_a_in_b, t.containment_b_in_a);
  std::swap(t.size_a, t.size_b);
  std::swap(t.rare_size_a, t.rare_size_b);
  return t;
}

}  // namespace

absl::StatusOr<NearDuplicatePolicy> NearDuplicatePolicy::Create(
    const Options& options) {
  absl::StatusOr<Verifier> verifier = Verifier::Create(options.verify);
  if (!verifier.ok()) return verifier.status();
  absl::StatusOr<Verifier> member = Verifier::Create(options.member);
  if (!member.ok()) return member.status();
  absl::StatusOr<Clusterer> clusterer = Clusterer::Create(options.cluster);
  if (!clusterer.ok()) return clusterer.status();
  return NearDuplicatePolicy(options, std::move(*verifier), std::move(*member),
                             std::move(*clusterer));
}

Similarity NearDuplicatePolicy::SimilarityOf(
    DocId a, DocId b, const NearDuplicateDocs& docs) const {
  if (options_.exact_sets) {
    std::vector<uint64_t> fetched_a, fetched_b;
    return ExactSimilarity(docs.set(a), docs.set(b), docs.common(a, fetched_a),
                           docs.common(b, fetched_b));
  }
  return EstimateSimilarity(
      EstimateJaccard(docs.signature(a), docs.signature(b)), docs.size(a),
      docs.size(b));
}

std::optional<Similarity> NearDuplicatePolicy::RefusedByEstimate(
    DocId a, DocId b, const NearDuplicateDocs& docs) const {
  // A pair far below the thresholds by its estimate is refused without
  // merging the sets; the estimate then stands in.
  if (!EstimatesBound()) return std::nullopt;
  const double estimate = EstimateJaccard(docs.signature(a), docs.signature(b));
  const uint64_t size_a = docs.size(a), size_b = docs.size(b);
  if (!verifier_.ClearlyRejects(estimate, options_.num_perm, size_a, size_b)) {
    return std::nullopt;
  }
  return EstimateSimilarity(estimate, size_a, size_b);
}

bool NearDuplicatePolicy::NeedsSets(DocId a, DocId b,
                                    const NearDuplicateDocs& docs) const {
  return options_.exact_sets && !RefusedByEstimate(a, b, docs).has_value();
}

std::vector<VerifiedPair> NearDuplicatePolicy::Verify(
    absl::Span<const CandidatePair> candidates,
    const NearDuplicateDocs& docs) const {
  // Blocks of candidates, each keeping only the pairs it accepts, joined
  // in order (as Verifier::VerifyAll). Within a block, every pair is first
  // looked at by its estimate, then the pairs the estimate cannot refuse
  // are measured on their sets: the measures then know which sets they
  // will read next, and fetch them ahead, where one pass waited on each
  // set (the second document is anywhere in memory).
  constexpr size_t kBlock = 4096;
  // How many pairs ahead the signatures and the sets are fetched: about
  // the number of cache misses a pair's measure waits on that the memory
  // can serve at once.
  constexpr size_t kAhead = 8;
  constexpr size_t kSetAhead = 4;
  const auto prefetch = [](const void* data, size_t bytes) {
    const char* p = static_cast<const char*>(data);
    for (size_t at = 0; at < bytes; at += 64) __builtin_prefetch(p + at);
  };
  std::vector<std::vector<VerifiedPair>> accepted(
      (candidates.size() + kBlock - 1) / kBlock);
  tbb::parallel_for(size_t{0}, accepted.size(), [&](size_t block) {
    const size_t begin = block * kBlock;
    const size_t end = std::min(candidates.size(), begin + kBlock);
    std::vector<Similarity> similarity(end - begin);
    std::vector<uint32_t> measured;
    // Candidates come sorted by their first document: the second's
    // signature (and set size) is what a pair's estimate waits for.
    const auto fetch_signature = [&](size_t i) {
      const absl::Span<const uint32_t> sig =
          docs.signature(candidates[i].b);
      prefetch(sig.data(), sig.size() * sizeof(uint32_t));
    };
    for (size_t i = begin; i < std::min(end, begin + kAhead); ++i) {
      fetch_signature(i);
    }
    for (size_t i = begin; i < end; ++i) {
      if (i + kAhead < end) fetch_signature(i + kAhead);
      const CandidatePair& c = candidates[i];
      if (std::optional<Similarity> s = RefusedByEstimate(c.a, c.b, docs)) {
        similarity[i - begin] = *s;
      } else {
        measured.push_back(static_cast<uint32_t>(i - begin));
      }
    }
    const auto fetch_set = [&](size_t k) {
      if (!options_.exact_sets) return;
      const absl::Span<const uint64_t> set =
          docs.set(candidates[begin + measured[k]].b);
      prefetch(set.data(), set.size() * sizeof(uint64_t));
    };
    for (size_t k = 0; k < std::min(measured.size(), kSetAhead); ++k) {
      fetch_set(k);
    }
    for (size_t k = 0; k < measured.size(); ++k) {
      if (k + kSetAhead < measured.size()) fetch_set(k + kSetAhead);
      const CandidatePair& c = candidates[begin + measured[k]];
      similarity[measured[k]] = SimilarityOf(c.a, c.b, docs);
    }
    for (size_t i = begin; i < end; ++i) {
      const Similarity& s = similarity[i - begin];
      if (verifier_.Accept(s)) {
        accepted[block].push_back(
            {candidates[i].a, candidates[i].b, s, verifier_.Score(s)});
      }
    }
  });
  return internal::Concatenate(accepted);
}

std::vector<Cluster> NearDuplicatePolicy::ClusterPairs(
    size_t num_docs, absl::Span<const VerifiedPair> pairs,
    const NearDuplicateDocs& docs) const {
  std::vector<Edge> edges;
  edges.reserve(pairs.size());
  // Edges in order of Jaccard, the similarity both ways: versions of one
  // text form a cluster's core before a page held in another (a brief
  // made of its site's template and most-read list, a stub of a list
  // footer) joins by containment, which the guard still counts.
  for (const VerifiedPair& p : pairs) {
    edges.push_back({p.a, p.b, p.similarity.jaccard});
  }
  // The core of a cluster is the member with the most text that is not
  // boilerplate. The Clusterer weighs only edges' endpoints.
  std::vector<uint64_t> weight(num_docs, 0);
  std::vector<uint64_t> fetched;
  for (const VerifiedPair& p : pairs) {
    for (DocId d : {p.a, p.b}) {
      const uint64_t size = docs.size(d);
      const uint64_t common =
          options_.exact_sets ? docs.common(d, fetched).size() : 0;
      weight[d] = size - std::min(size, common);
    }
  }
  // Most members the guard checks are an endpoint of a verified pair
  // with the core or a first member: their similarity, measured by
  // Verify() as SimilarityOf() measures it, is looked up, not measured
  // again.
  const auto key = [](DocId a, DocId b) {
    return uint64_t{std::min(a, b)} << 32 | std::max(a, b);
  };
  absl::flat_hash_map<uint64_t, size_t> verified;
  verified.reserve(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    verified.try_emplace(key(pairs[i].a, pairs[i].b), i);
  }
  // A verified pair's similarity, as a's to b's.
  const auto verified_of = [&](DocId a,
                               DocId b) -> std::optional<Similarity> {
    const auto it = verified.find(key(a, b));
    if (it == verified.end()) return std::nullopt;
    const VerifiedPair& p = pairs[it->second];
    return p.a == a ? p.similarity : Swapped(p.similarity);
  };
  const auto similarity_of = [&](DocId a, DocId b) {
    if (const auto s = verified_of(a, b)) return *s;
    return SimilarityOf(a, b, docs);
  };
  const bool bound = EstimatesBound();
  // A verified pair was not refused by the pair verifier's estimate (a
  // pair it refuses is never accepted). When members are held to no
  // stricter bounds than pairs, the member estimate refuses what the pair
  // estimate refuses, on the same signatures and sizes: not a verified
  // pair, whose estimate need not be taken again.
  const Verifier::Options& v = options_.verify;
  const Verifier::Options& m = options_.member;
  const bool verified_pass_bound =
      m.jaccard_threshold <= v.jaccard_threshold &&
      m.containment_threshold <= v.containment_threshold &&
      m.min_containment_shingles <= v.min_containment_shingles;
  const auto member_score = [&](const Similarity& s) {
    return member_.Accept(s) ? member_.Score(s) : 0.0;
  };
  return clusterer_.Run(
      num_docs, edges,
      [&](DocId a, DocId b) {
        if (verified_pass_bound) {
          if (const auto s = verified_of(a, b)) return member_score(*s);
        }
        if (bound && member_.ClearlyRejects(
                         EstimateJaccard(docs.signature(a), docs.signature(b)),
                         options_.num_perm, docs.size(a), docs.size(b))) {
          return 0.0;
        }
        return member_score(similarity_of(a, b));
      },
      weight);
}

}  // namespace mimeo
