// Fingerprint postings kept by a document store, asked in place of an
// in-memory FingerprintIndex.
//
// An on-disk store in copy mode (Engine::Open, format 5) files every live
// document that has shingles under each distinct hash of its winnowed
// fingerprints as it is added, in the same transaction, as the band
// postings of a near-duplicate index are filed
// (src/internal/band_levels.h: levels written once, sorted, merged by
// size; a removed document's postings are skipped, then dropped by the
// merge that rewrites their level). The engine then asks the store for the
// holders of a fingerprint instead of adding every document to a
// FingerprintIndex in memory: a batch's postings are one sorted write, not
// a hash-map insert a fingerprint, and opening builds no index. From
// format 6 each level's postings carry a filter of their hashes, so that
// a level lacking a hash (most levels, for most of a query's hashes) costs
// one word read.
//
// Thread safety: Holders() may run concurrently with itself and with the
// store's other const calls.
#ifndef MIMEO_FINGERPRINT_POSTINGS_H_
#define MIMEO_FINGERPRINT_POSTINGS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "mimeo/document.h"

namespace mimeo {

class FingerprintPostings {
 public:
  virtual ~FingerprintPostings() = default;

  // Sets out[i] (out is resized to hashes.size()) to the live documents
  // filed under hashes[i] that the store holds as of its last Append(),
  // Remove() or Refresh(), by increasing DocId: the holders
  // FingerprintIndex would list for the same documents. DataLoss when the
  // postings cannot be read.
  virtual absl::Status Holders(absl::Span<const uint64_t> hashes,
                               std::vector<std::vector<DocId>>& out) const = 0;
};

}  // namespace mimeo

#endif  // MIMEO_FINGERPRINT_POSTINGS_H_
