// Stage 8 of the pipeline: the SimHash index for Hamming-distance search.
//
// Finds every indexed fingerprint within Hamming distance k of a query
// without comparing against all of them (Manku, Jain, Das Sarma 2007). The
// 64 bits are cut into m > k blocks. Two fingerprints that differ in at most
// k bits agree exactly on at least m - k blocks, so the index keeps one table
// per choice of m - k blocks, keyed by those blocks' bits, and a query probes
// each table once: C(m, k) probes, all of them exact lookups, and no match
// within distance k is ever missed.
//
// More blocks give longer keys (fewer false candidates per probe) but more
// tables (more memory and probes). The default m is k + 2 (k = 3: 10
// tables with 25-bit keys; k = 6: 28 tables with 16-bit keys), 1 for k = 0.
//
// Thread safety: const methods may run concurrently; Add and Remove need
// exclusive access.
#ifndef MIMEO_SIMHASH_INDEX_H_
#define MIMEO_SIMHASH_INDEX_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mimeo/document.h"

namespace mimeo {
namespace internal {
class Buckets;
}  // namespace internal

struct SimHashMatch {
  DocId id;
  int distance;
};

class SimHashIndex {
 public:
  struct Options {
    // Largest Hamming distance a query reports; 0..12. Default 3.
    int max_distance = 3;
    // Blocks the fingerprint is cut into; 0 picks the default above.
    // Otherwise max_distance < blocks <= 16.
    int blocks = 0;

    absl::Status Validate() const;
  };

  static absl::StatusOr<SimHashIndex> Create(const Options& options);
  SimHashIndex(SimHashIndex&&) noexcept;
  SimHashIndex& operator=(SimHashIndex&&) noexcept;
  ~SimHashIndex();

  // AlreadyExists if `id` is indexed.
  absl::Status Add(DocId id, uint64_t fingerprint);
  // NotFound if `id` is not indexed.
  absl::Status Remove(DocId id);

  // Every indexed document within max_distance of `fingerprint`, sorted by
  // distance, then id. Exact: no false negatives, no false positives.
  std::vector<SimHashMatch> Query(uint64_t fingerprint) const;

  size_t size() const { return fingerprint_of_.size(); }
  size_t num_tables() const { return masks_.size(); }

 private:
  explicit SimHashIndex(const Options& options);

  Options options_;
  std::vector<uint64_t> masks_;  // per table: the bits of its blocks
  // One table per choice of blocks: masked fingerprint -> documents.
  std::unique_ptr<internal::Buckets> buckets_;
  absl::flat_hash_map<DocId, uint64_t> fingerprint_of_;
};

}  // namespace mimeo

#endif  // MIMEO_SIMHASH_INDEX_H_
