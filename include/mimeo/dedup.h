// Deduplication: which documents to keep and which to drop, from clusters.
//
// A deduplication run ends with one decision per document, as text-dedup
// and datatrove end theirs: every cluster of copies keeps one member and
// drops the others; a document in no cluster is kept. The member kept is
//   1. the one with the earliest date, when every member of the cluster
//      has a date (a reprint comes after its original);
//   2. otherwise, and among members of the same earliest date, the longest
//      (the most bytes of text: a copy that was cut holds less);
//   3. among those, the first (the smallest DocId: the first in input
//      order).
// The rule is that of a copy family's likely origin (copy_family.h): dates
// count only when every member has one, so an undated document is never
// judged against a dated one.
//
// The clusters are typically Engine::Cluster()'s near-duplicate clusters,
// whose chaining guard makes every member resemble the cluster's core
// (cluster.h): dropping all but one member then drops only copies of what
// is kept. Output is deterministic: it depends on the clusters, dates and
// lengths only, not on their order.
#ifndef MIMEO_DEDUP_H_
#define MIMEO_DEDUP_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/cluster.h"
#include "mimeo/document.h"

namespace mimeo {

// The decision for one document.
struct DedupDecision {
  bool keep = true;
  // The cluster holding the document (its Cluster::id), if any.
  std::optional<uint32_t> cluster;
  // The member its cluster keeps: the document itself when `keep`.
  DocId kept = 0;
};

// A document's date (any increasing number, such as seconds since 1970),
// or nullopt when it has none.
using DateFn = std::function<std::optional<int64_t>(DocId)>;

// The member of `cluster` to keep, by the rule above. `date_of` may be
// empty (no document has a date). `lengths[d]` is the length of document d
// in bytes; an empty span makes every length equal. Requires a cluster
// with at least one member, each below lengths.size() when it is given.
DocId ChooseKept(const Cluster& cluster, const DateFn& date_of,
                 absl::Span<const uint64_t> lengths);

// One decision per document 0 .. num_docs - 1 (index = DocId).
// `lengths` is empty or has num_docs entries. InvalidArgument when a
// member is num_docs or more, a document is in two clusters, a cluster is
// empty, or `lengths` has another size.
absl::StatusOr<std::vector<DedupDecision>> DecideKeep(
    size_t num_docs, absl::Span<const Cluster> clusters, const DateFn& date_of,
    absl::Span<const uint64_t> lengths);

}  // namespace mimeo

#endif  // MIMEO_DEDUP_H_
