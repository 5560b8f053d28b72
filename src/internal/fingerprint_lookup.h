// What the Engine asks of the fingerprint postings in copy mode, wherever
// they are kept.
//
// Two kinds of postings answer the same questions:
//   * in memory: a FingerprintIndex (fingerprint_index.h) that the engine
//     files every live document in (Add, Remove), as made by Create(),
//     Load() and an Open() of an index that keeps no postings;
//   * in an on-disk store that files them itself, in the transaction that
//     adds the documents (fingerprint_postings.h: a copy-mode index of
//     format 5 or later opened by Open()). Filing is then the store's, and
//     Add and Remove here do nothing.
// The engine's copy queries and passage judging do not know which: each
// asks for the holders of the asking text's fingerprints once (Fetch),
// into a memo it keeps while the text is judged, then counts from it. In
// memory the memo stays empty and the counts come from the index; on disk
// the memo holds what the store read, so that a query's candidates, its
// passages, their pieces and joins read each hash's holders once.
//
// Both give the same answers for the same live documents: the durable
// tests compare an engine on each, and fingerprint_lookup_test.cc compares
// the two lookups directly.
//
// Thread safety: the const calls may run concurrently; Add, Remove and
// Pack need exclusive access (the Engine's writer lock).
#ifndef MIMEO_SRC_INTERNAL_FINGERPRINT_LOOKUP_H_
#define MIMEO_SRC_INTERNAL_FINGERPRINT_LOOKUP_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/document.h"
#include "mimeo/document_store.h"
#include "mimeo/fingerprint_index.h"
#include "mimeo/fingerprint_postings.h"
#include "mimeo/winnow.h"

namespace mimeo::internal {

// The holders read for one asking text: per hash, its live holders by
// increasing DocId (Engine::HolderMemo is the same type).
using HolderMemo = absl::flat_hash_map<uint64_t, std::vector<DocId>>;

class FingerprintLookup {
 public:
  virtual ~FingerprintLookup() = default;

  // Postings kept in memory, in a FingerprintIndex made with `options`.
  static absl::StatusOr<std::unique_ptr<FingerprintLookup>> InMemory(
      const FingerprintIndex::Options& options);
  // Postings kept by a store (`postings`, which must outlive the lookup),
  // counted with `options`' limits.
  static absl::StatusOr<std::unique_ptr<FingerprintLookup>> Stored(
      const FingerprintIndex::Options& options,
      const FingerprintPostings* postings);

  // Files a live document's fingerprints (DocIds increasing), or forgets
  // them. Nothing for a store that files them itself.
  virtual absl::Status Add(DocId doc,
                           absl::Span<const Fingerprint> fingerprints) = 0;
  virtual void Remove(DocId doc,
                      absl::Span<const Fingerprint> fingerprints) = 0;
  // Whether Pack() would change the in-memory layout; Pack() folds recent
  // postings in (FingerprintIndex::Pack()). Neither changes an answer.
  virtual bool NeedsPacking() const = 0;
  virtual void Pack() = 0;

  // FingerprintIndex::Candidates(): documents below as_of sharing
  // fingerprints with `fingerprints`. The holders read are kept in `memo`
  // when it is not null. DataLoss when a store cannot read its postings.
  virtual absl::StatusOr<std::vector<CopyCandidate>> Candidates(
      absl::Span<const Fingerprint> fingerprints, DocId as_of, uint32_t below,
      HolderMemo* memo) const = 0;
  // Makes `memo` hold the holders of every hash of `fingerprints` that the
  // counts below will need. Postings a store cannot read count as none
  // (the asking text's candidates, read before, would have failed).
  virtual void Fetch(absl::Span<const Fingerprint> fingerprints,
                     HolderMemo& memo) const = 0;

  // The counts, for a hash Fetch() was given (or any hash, in memory):
  // holders below as_of (FingerprintIndex::DocFrequency()); their distinct
  // sources in `store` (FingerprintIndex::DistinctGroups(), counted up to
  // `limit`; from the store's column of sources when it keeps one, else
  // one holder at a time); and the holders themselves, by increasing
  // DocId, as a view of `memo` or of `scratch`.
  virtual uint32_t DocFrequency(uint64_t hash, DocId as_of,
                                const HolderMemo& memo) const = 0;
  virtual uint32_t Sources(uint64_t hash, DocId as_of,
                           const DocumentStore& store, uint32_t limit,
                           const HolderMemo& memo) const = 0;
  virtual absl::Span<const DocId> Holders(
      uint64_t hash, DocId as_of, const HolderMemo& memo,
      std::vector<DocId>& scratch) const = 0;
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_FINGERPRINT_LOOKUP_H_
