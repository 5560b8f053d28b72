// What the Engine asks of the LSH band postings, wherever they are kept.
//
// Two kinds of postings answer a query alike:
//   * in memory: an LshIndex (lsh_index.h) that the engine files the live
//     documents with shingles in (File, Remove), as made by Create(),
//     Load() and an Open() whose options band otherwise than the index;
//   * an on-disk store's (band_postings.h: an index directory opened by
//     Open() with its own banding), filed by the store in the transaction
//     that adds the documents: File and Remove then do nothing, and
//     files_in_store() tells the engine it need not gather signatures for
//     them.
// The engine's near-duplicate query does not know which: both give the
// same candidates, ranked alike (the durable tests compare an engine on
// each).
//
// Thread safety: Query may run concurrently with itself; File, Remove and
// Reserve need exclusive access (the Engine's writer lock).
#ifndef MIMEO_SRC_INTERNAL_BAND_LOOKUP_H_
#define MIMEO_SRC_INTERNAL_BAND_LOOKUP_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/band_postings.h"
#include "mimeo/document.h"
#include "mimeo/lsh_index.h"

namespace mimeo::internal {

class BandLookup {
 public:
  virtual ~BandLookup() = default;

  // Postings kept in memory, in an LshIndex made with `options`.
  static absl::StatusOr<std::unique_ptr<BandLookup>> InMemory(
      const LshIndex::Options& options);
  // The postings of a store (`postings`, which must outlive the lookup).
  // InvalidArgument when they are filed with another banding than
  // `options`' (the engine then keeps its own in memory).
  static absl::StatusOr<std::unique_ptr<BandLookup>> Stored(
      const LshIndex::Options& options, const BandPostings* postings);

  // The banding and bucket limits queries are answered with.
  virtual const LshIndex::Options& options() const = 0;
  // Whether the store files the documents itself as it keeps them.
  virtual bool files_in_store() const = 0;

  // Makes room for `documents` in all (LshIndex::Reserve(); nothing in a
  // store). Runs its parallel loops in the caller's arena.
  virtual void Reserve(size_t documents) = 0;
  // Files documents `ids` (ascending, new), whose signatures lie back to
  // back in `signatures`, or forgets a filed one (LshIndex::AddBatch(),
  // Remove()). Nothing in a store.
  virtual absl::Status File(absl::Span<const DocId> ids,
                            absl::Span<const uint32_t> signatures) = 0;
  virtual absl::Status Remove(DocId doc,
                              absl::Span<const uint32_t> signature) = 0;

  // The filed documents sharing a band with `signature`
  // (LshIndex::Query()). DataLoss when a store cannot read its postings.
  virtual absl::StatusOr<LshQueryResult> Query(
      absl::Span<const uint32_t> signature) const = 0;
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_BAND_LOOKUP_H_
