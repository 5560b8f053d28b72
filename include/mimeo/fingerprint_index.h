// Shared copy, step 2: the fingerprint index.
//
// Postings from each winnowed fingerprint (winnow.h) to the documents that
// hold it. A document sharing a passage of window + k - 1 tokens or more
// with an indexed document shares at least one fingerprint with it, so the
// index proposes every such pair, however small the passage is next
// to the two documents: this is what whole-document LSH cannot do.
//
// Boilerplate. A fingerprint held by many documents may be site furniture
// rather than copy: footers, "SOURCE: ... and agencies", licence headers,
// navigation. It may also be a wire story that fifty outlets reprinted.
// The index only counts (DocFrequency); PassageJudge (boilerplate.h)
// decides, on whole passages. Fingerprints held by max_postings documents
// or more propose no candidates, which bounds the work a footer on every
// page would cost.
//
// Each document is compared with the documents indexed before it (smaller
// DocIds): Candidates(..., as_of) proposes only those, so every pair is
// proposed once, by its later document.
//
// Memory. Postings are DocIds only (no positions: no call needs them). Most
// live in one packed table, every (hash, DocId) sorted in two flat arrays
// with a directory over the top bits of the hash: 13 bytes a posting, where
// a hash map from each fingerprint to its list of holders cost about 44 on
// generated news (bench/README.md; most fingerprints have one holder, and
// a map slot is 33 bytes, at the map's load). The postings added since the
// table was last packed sit in a log of sorted runs (each Add() appends
// one, and runs are merged by size, so that a lookup reads at most
// log2(postings) + 1 runs, each through a small filter and directory of
// its own) until Pack() folds them in; Add() packs once they reach an
// eighth of the packed ones, so at most about a ninth of the postings are
// in runs. Answers do not depend on what is packed, nor on how the runs
// were merged.
//
// Thread safety: const methods may run concurrently; Add, Remove and Pack
// need exclusive access.
#ifndef MIMEO_FINGERPRINT_INDEX_H_
#define MIMEO_FINGERPRINT_INDEX_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/document.h"
#include "mimeo/winnow.h"

namespace mimeo {
namespace internal {
class PackedPostings;
class RecentRuns;
}  // namespace internal

// An indexed document sharing fingerprints with the asking one.
struct CopyCandidate {
  DocId doc;
  // Distinct fingerprints shared.
  uint32_t shared;
};

class FingerprintIndex {
 public:
  struct Options {
    // Fingerprints in this many documents (the asking one included) or
    // more propose no candidates; at least 2. Default 100.
    uint32_t max_postings = 100;
    // Candidates need at least this many shared fingerprints (each held by
    // fewer than max_postings documents). Default 1: the winnowing guarantee
    // holds for one.
    uint32_t min_shared = 1;

    absl::Status Validate() const;
    // Whether a hash held by `before` indexed documents below as_of and by
    // `live` in all proposes its holders (see Candidates()).
    bool Proposes(uint64_t before, uint64_t live, uint32_t below) const {
      return before > 0 && before + 1 < max_postings && live < below;
    }
  };

  static absl::StatusOr<FingerprintIndex> Create(const Options& options);

  FingerprintIndex(FingerprintIndex&&) noexcept;
  FingerprintIndex& operator=(FingerprintIndex&&) noexcept;
  ~FingerprintIndex();

  // Indexes a document's fingerprints (their hashes; a hash repeated within
  // the document counts once). DocIds must increase from one Add to the
  // next. InvalidArgument if `doc` is not above every DocId added so far.
  // May Pack() (see above): amortized, a pass over the table per eighth of
  // growth.
  absl::Status Add(DocId doc, absl::Span<const Fingerprint> fingerprints);
  // Removes the postings of a document added with these fingerprints.
  void Remove(DocId doc, absl::Span<const Fingerprint> fingerprints);
  // Folds the postings added since the last packing into the packed table,
  // and drops removed ones from it. Changes no answer; costs a pass over
  // the table and a merge of the runs. Gives back the runs' memory.
  void Pack();

  // Indexed documents with DocId < as_of that hold `hash`.
  uint32_t DocFrequency(uint64_t hash, DocId as_of) const;
  // Distinct values of group_of[d] over the indexed documents d < as_of
  // that hold `hash`, counted up to `limit` (the count stops there).
  // `group_of` covers every such d. Costs one step per holder at most.
  uint32_t DistinctGroups(uint64_t hash, DocId as_of,
                          absl::Span<const uint32_t> group_of,
                          uint32_t limit) const;

  // Appends to `out` the indexed documents d < as_of that hold `hash`, in
  // increasing DocId order.
  void AppendHolders(uint64_t hash, DocId as_of,
                     std::vector<DocId>& out) const;

  // Documents with DocId < as_of sharing at least min_shared fingerprints
  // with `fingerprints` (counting only fingerprints under max_postings, and
  // held by fewer than `below` indexed documents in all, default: no such
  // limit), by shared count (highest first), then DocId. For a text
  // not in the index, pass as_of = the next DocId.
  std::vector<CopyCandidate> Candidates(
      absl::Span<const Fingerprint> fingerprints, DocId as_of,
      uint32_t below = UINT32_MAX) const;

  // The pieces of Candidates(), DocFrequency() and DistinctGroups(), for a
  // store that keeps the postings itself and answers alike (with
  // Options::Proposes()):
  //
  // The distinct hashes of `fingerprints`, sorted: a phrase repeated in the
  // asking document counts once.
  static std::vector<uint64_t> DistinctHashes(
      absl::Span<const Fingerprint> fingerprints);
  // The candidates among `holders`, which lists every indexed holder of
  // each fingerprint counted, once a fingerprint (sorted here): documents
  // listed at least min_shared times, by that count (highest first), then
  // DocId. Candidates() ends with it.
  static std::vector<CopyCandidate> CountCandidates(std::vector<DocId>& holders,
                                                    uint32_t min_shared);
  // Adds to `seen` the groups of the documents d < as_of in `holders`
  // (ascending), stopping once `seen` holds `limit`; true when it does.
  static bool AddGroups(absl::Span<const DocId> holders, DocId as_of,
                        absl::Span<const uint32_t> group_of, uint32_t limit,
                        absl::flat_hash_set<uint32_t>& seen);

  // Distinct fingerprints indexed (a pass over the postings), and postings.
  size_t num_fingerprints() const;
  size_t num_postings() const { return num_postings_; }
  // Postings in the packed table, and added since (in the runs).
  size_t num_packed_postings() const;
  size_t num_recent_postings() const { return recent_postings_; }
  size_t MemoryBytes() const;
  const Options& options() const { return options_; }

 private:
  explicit FingerprintIndex(const Options& options);
  // Pack(); `keep_room` keeps the runs' memory for those to come.
  void Pack(bool keep_room);
  // Calls f(holders) with the holders of `hash` in the packed table
  // (removed ones, if any, at the end as kRemoved), then in each recent run
  // holding it, oldest first, all by increasing DocId and every part's
  // above the one before; stops when f returns true.
  template <typename F>
  void ForEachHolders(uint64_t hash, F&& f) const;

  Options options_;
  std::unique_ptr<internal::PackedPostings> packed_;
  std::unique_ptr<internal::RecentRuns> recent_;
  size_t recent_postings_ = 0;
  size_t num_postings_ = 0;
  DocId next_doc_ = 0;
};

}  // namespace mimeo

#endif  // MIMEO_FINGERPRINT_INDEX_H_
