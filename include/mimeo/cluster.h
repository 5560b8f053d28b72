// Stage 10 of the pipeline: clustering verified pairs.
//
// Verified pairs are edges between documents; clusters are the groups they
// connect (union-find). Plain connected components chain: A~B and B~C put A
// and C together however little they share, and one hub document (a short
// message that is mostly a list footer) can glue unrelated groups. With the
// chaining guard on, edges are taken strongest first and each group has a
// representative, its core; two groups merge only if every member of the
// smaller one is similar enough to the larger one's representative and to
// its first few members (similarity supplied by the caller); the
// representative stays. Two single documents merge only if similar enough
// to each other too. So
// every member of a cluster resembles its representative, not merely some
// other member. The representative of two documents is the heavier one
// (weights supplied by the caller, such as how much text a document holds
// that is not boilerplate), so that a stub does not become the core.
//
// Output is deterministic: clusters are numbered 0, 1, ... in order of
// their smallest member and members are sorted. With the guard the
// representative is the core described above; without it, the member with
// the largest total edge score inside the cluster (ties: the smallest id).
// Only groups of two or more are clusters.
#ifndef MIMEO_CLUSTER_H_
#define MIMEO_CLUSTER_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/document.h"

namespace mimeo {

// An edge between two documents and its strength (higher is stronger).
struct Edge {
  DocId a;
  DocId b;
  double score;
};

struct Cluster {
  uint32_t id = 0;
  DocId representative = 0;
  std::vector<DocId> members;  // sorted, size >= 2
};

class Clusterer {
 public:
  struct Options {
    // Guard against chaining (see above). Default true.
    bool guard_chaining = true;
    // With the guard: two groups merge only if every member of the smaller
    // has at least this similarity to the larger's representative (and
    // peers). Must be above 0 for the guard to refuse anything. Default
    // 0.3.
    double representative_threshold = 0.3;
    // With the guard: a joining document must also have that similarity to
    // up to this many other members of the group it joins (its earliest
    // members), so that documents that are each a part of one large
    // document (the sections of a table of contents) do not form a
    // cluster around it without resembling each other. Default 8.
    uint32_t peers = 8;

    absl::Status Validate() const;
  };

  // The similarity of two documents on the same scale as edge scores; must
  // be safe to call from the calling thread. Used only with the guard.
  using SimilarityFn = std::function<double(DocId, DocId)>;

  static absl::StatusOr<Clusterer> Create(const Options& options);

  // Clusters documents 0 .. num_docs - 1 joined by `edges` (endpoints must
  // be < num_docs). `similarity` may be empty when the guard is off.
  // `weight` is empty (every document weighs the same) or has num_docs
  // entries.
  std::vector<Cluster> Run(size_t num_docs, absl::Span<const Edge> edges,
                           const SimilarityFn& similarity,
                           absl::Span<const uint64_t> weight = {}) const;

  const Options& options() const { return options_; }

 private:
  explicit Clusterer(const Options& options) : options_(options) {}
  Options options_;
};

}  // namespace mimeo

#endif  // MIMEO_CLUSTER_H_
