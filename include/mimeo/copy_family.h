// Shared copy, step 4: copy families.
//
// Pairwise passages say "A and B share this"; a wire story reprinted by
// ten outlets gives 45 such pairs. A copy family folds them into one entry:
// the passage, shown once, and every document holding it, with where.
//
// Passages are linked across pairs through the documents: two passages
// that overlap in the same document belong to the same family, so a story
// reprinted by C from B, which took it from A, is one family of three. The
// likely origin is the member with the earliest date when every member has
// one, otherwise the member holding the longest span of the passage (a
// reprint keeps part of the original; the original keeps all of it). Ties
// go to the smaller DocId.
//
// Output is deterministic: families are ordered by origin, then position;
// members by DocId, then position.
#ifndef MIMEO_COPY_FAMILY_H_
#define MIMEO_COPY_FAMILY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "mimeo/align.h"
#include "mimeo/cluster.h"
#include "mimeo/document.h"
#include "mimeo/verify.h"

namespace mimeo {

// Two documents that share copy, a < b; passages' "a" side is document a.
struct CopyPair {
  DocId a = 0;
  DocId b = 0;
  // Exact Jaccard and containment each way, on the shingle sets.
  Similarity similarity;
  // Every passage found, boilerplate ones flagged; at least one is not.
  std::vector<Passage> passages;
  // Tokens of a and of b inside non-boilerplate passages.
  uint64_t copied_tokens_a = 0;
  uint64_t copied_tokens_b = 0;
  // Passages found beyond Engine::Options::copy.max_passages and left
  // out of `passages` (boilerplate ones first, then the shortest; the
  // tokens of copy among them are counted above).
  uint32_t more_passages = 0;
};

// One document's share of a family: bytes [begin, end) of its text.
struct FamilyMember {
  DocId doc = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct CopyFamily {
  uint32_t id = 0;
  // The likely origin, and its longest span of the passage: the text to
  // show for the family.
  DocId origin = 0;
  uint32_t origin_begin = 0;
  uint32_t origin_end = 0;
  // Every span of every member; a member may hold several spans.
  std::vector<FamilyMember> members;
  // Distinct documents in members (at least 2).
  uint32_t num_docs = 0;
};

// Groups the non-boilerplate passages of `pairs` into families. `date_of`
// may be empty; otherwise it gives a document's date (any increasing
// number, such as seconds since 1970) or nullopt when it has none.
std::vector<CopyFamily> GroupCopyFamilies(
    absl::Span<const CopyPair> pairs,
    const std::function<std::optional<int64_t>(DocId)>& date_of);

// Copy clusters: documents grouped around the source they share passages
// with. Copy links documents however little they share, so plain
// connected components chain (a reprint with its own introduction joins
// the introduction's source to the story's). The clusters are those of
// the Clusterer's chaining guard (cluster.h) over the pairs, each scored
// by the larger share of its two documents that is copy (tokens in
// passages that are not boilerplate, over the document's shingles): a
// document joins a cluster only if that share, between it and the core
// and between it and the first members, is at least `min_share`. The
// representative of each cluster is then the origin of most of its shared text:
// the family origin (from `families`) holding the most bytes of passages, or
// the guard's core when no family has its origin inside (without the
// guard, the member with the largest total edge score). Documents are 0 ..
// num_docs - 1; min_share is clamped to [0, 1], and a value of 0 turns the
// guard into plain connected components.
std::vector<Cluster> ClusterCopies(absl::Span<const CopyPair> pairs,
                                   absl::Span<const CopyFamily> families,
                                   size_t num_docs, double min_share);

}  // namespace mimeo

#endif  // MIMEO_COPY_FAMILY_H_
