// LSH band postings kept by a document store, queried in place of an
// in-memory LshIndex.
//
// An on-disk store (Engine::Open) files every live document that has
// shingles under the band keys of its signature (LshBandKey()) as it is
// added, in the same transaction, and no longer answers with it once it
// is removed (src/internal/band_levels.h: the postings are kept as
// levels, written once, merged by size, a removed document's dropped by
// the merge that rewrites its level). The
// engine then asks the store for a query's candidates instead of building
// an LshIndex in memory when it opens the index: opening reads no
// document, and the buckets stay in the memory map (page cache), not in
// the process's own memory.
//
// The banding (bands x rows) is fixed when the store is created; an engine
// whose options give another banding builds its LshIndex in memory as
// before.
//
// Thread safety: Query() may run concurrently with itself and with the
// store's other const calls.
#ifndef MIMEO_BAND_POSTINGS_H_
#define MIMEO_BAND_POSTINGS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/lsh_index.h"

namespace mimeo {

class BandPostings {
 public:
  virtual ~BandPostings() = default;

  // The banding the postings are filed with.
  virtual uint32_t bands() const = 0;
  virtual uint32_t rows() const = 0;

  // The documents sharing a band with `signature` (num_perm values), as
  // LshIndex::Query() over the live documents with shingles that the store
  // holds as of its last Append(), Remove() or Refresh(): the same
  // candidates, ranked alike. DataLoss when the postings cannot be read.
  virtual absl::StatusOr<LshQueryResult> Query(
      absl::Span<const uint32_t> signature) const = 0;
};

}  // namespace mimeo

#endif  // MIMEO_BAND_POSTINGS_H_
