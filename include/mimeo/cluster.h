// Stage 10 of the pipeline: clustering verified pairs.
//
// Verified pairs are edges between documents; clusters are the groups they
// connect (union-find). Plain connected components chain: A~B and B~C put A
// and C together however little they share, and one hub document can glue
// unrelated groups. With the chaining guard on, edges are taken strongest
// first and two groups merge only if their representatives are similar
// enough to each other (similarity supplied by the caller): a document joins
// a cluster only if it resembles the cluster's representative, not merely
// some member.
//
// Output is deterministic: clusters are numbered 0, 1, ... in order of
// their smallest member, members are sorted, and the representative is the
// member with the largest total edge score inside the cluster (ties: the
// smallest id). Only groups of two or more are clusters.
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
    // With the guard: two groups merge only if the similarity of their
    // representatives is at least this. Default 0.3.
    double representative_threshold = 0.3;

    absl::Status Validate() const;
  };

  // The similarity of two documents on the same scale as edge scores; must
  // be safe to call from the calling thread. Used only with the guard.
  using SimilarityFn = std::function<double(DocId, DocId)>;

  static absl::StatusOr<Clusterer> Create(const Options& options);

  // Clusters documents 0 .. num_docs - 1 joined by `edges` (endpoints must
  // be < num_docs). `similarity` may be empty when the guard is off.
  std::vector<Cluster> Run(size_t num_docs, absl::Span<const Edge> edges,
                           const SimilarityFn& similarity) const;

  const Options& options() const { return options_; }

 private:
  explicit Clusterer(const Options& options) : options_(options) {}
  Options options_;
};

}  // namespace mimeo

#endif  // MIMEO_CLUSTER_H_
