// Stage 7 of the pipeline: the MinHash LSH index.
//
// The index cuts each signature into `bands` bands of `rows` values, hashes
// each band to a 64-bit key (seeded XXH3; 32-bit keys would collide at web
// scale) and files the document under every key. Documents that share a
// key with a query are its candidates; for Jaccard s the chance of sharing
// at least one of the bands is 1 - (1 - s^rows)^bands (see lsh_params.h).
//
// Lifecycle: Create -> Add / Remove, any number -> Query or AllPairs at any
// point. Two ways to find candidates:
//   * Query(signature): the documents that share a band with one signature,
//     with how many bands each shares, for the ingestion path.
//   * AllPairs(): every pair of indexed documents that share a band, without
//     querying document by document: the (band key, document) records of
//     each band are sorted and equal runs scanned. LshAllPairs() does the
//     same over a batch of signatures with no index at all.
//
// A bucket holding more than `large_bucket` documents (typically a group of
// exact copies, or very short texts) is not expanded into all its pairs:
// each member is paired with the bucket's smallest id instead, which keeps
// the pair count linear while still connecting the whole bucket.
//
// Memory: per band, a table slot (12 bytes, at a load between 7/16 and
// 7/8) for each distinct key, and 8 bytes per document in a bucket shared
// with others; a document alone in its bucket costs only the slot. No keys
// are kept per document: Remove is given the signature again and computes
// them.
//
// Thread safety: const methods may run concurrently with each other; Add,
// AddBatch and Remove need exclusive access.
#ifndef MIMEO_LSH_INDEX_H_
#define MIMEO_LSH_INDEX_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/document.h"

namespace mimeo {
namespace internal {
class Buckets;
}  // namespace internal

// A document that shares `bands` bands with a query.
struct LshCandidate {
  DocId id;
  uint32_t bands;
};

// What a query did: for tuning, and to spot pathological buckets.
struct LshQueryStats {
  uint32_t bands_probed = 0;
  uint32_t buckets_hit = 0;
  uint64_t postings_scanned = 0;
  uint32_t largest_bucket = 0;
};

struct LshQueryResult {
  // Sorted by bands shared (most first), then by id.
  std::vector<LshCandidate> candidates;
  LshQueryStats stats;
};

// A candidate pair, a < b, and the number of bands they share (for pairs
// that came from a large bucket, at least 1).
struct CandidatePair {
  DocId a;
  DocId b;
  uint32_t bands;
};

class LshIndex {
 public:
  struct Options {
    // Signature length of every document; must equal the MinHasher's.
    int num_perm = 128;
    // Banding; bands * rows <= num_perm. Use ChooseLshParams to pick them
    // for a threshold. Defaults: 16 x 8 (threshold about 0.7).
    uint32_t bands = 16;
    uint32_t rows = 8;
    // Buckets larger than this are paired star-wise in AllPairs(); >= 2.
    uint32_t large_bucket = 128;

    absl::Status Validate() const;
  };

  static absl::StatusOr<LshIndex> Create(const Options& options);
  LshIndex(LshIndex&&) noexcept;
  LshIndex& operator=(LshIndex&&) noexcept;
  ~LshIndex();

  // Files `id` under the band keys of `signature` (size num_perm). Fails
  // with AlreadyExists if `id` is indexed, InvalidArgument on a wrong size.
  absl::Status Add(DocId id, absl::Span<const uint32_t> signature);
  // Files many documents at once: `signatures` holds ids.size() signatures
  // back to back. The bands are filled in parallel (all cores, or the
  // calling task arena's). All or nothing: fails, filing none, on a wrong
  // size or an id that is indexed or repeated.
  absl::Status AddBatch(absl::Span<const DocId> ids,
                        absl::Span<const uint32_t> signatures);
  // Removes `id`, filed with `signature` (the one given to Add). NotFound
  // if it is not indexed; InvalidArgument, removing nothing, on a wrong
  // size or a signature it was not filed with.
  absl::Status Remove(DocId id, absl::Span<const uint32_t> signature);
  // Makes room for `documents` documents in all (those indexed included),
  // so that filing up to that many never stops to grow a table: without
  // it, each doubling of the tables of a 1M-document index (32 of them,
  // as measured) stalls one AddBatch() for about a second
  // (bench/README.md). Costs the memory of that many documents' table
  // slots at once (12 bytes a band at a load of 7/16 to 7/8).
  void Reserve(size_t documents);

  // Documents sharing a band with `signature` (size num_perm, unchecked
  // beyond a debug assertion).
  LshQueryResult Query(absl::Span<const uint32_t> signature) const;
  // Every pair of indexed documents sharing a band, sorted by (a, b).
  std::vector<CandidatePair> AllPairs() const;

  bool Contains(DocId id) const { return ids_.contains(id); }
  size_t size() const { return ids_.size(); }
  size_t MemoryBytes() const;
  const Options& options() const { return options_; }

  // The key of band `band` of `signature`. Exposed so that callers who
  // shard an index (by key) compute the same keys.
  uint64_t BandKey(absl::Span<const uint32_t> signature, uint32_t band) const;

 private:
  explicit LshIndex(const Options& options);

  Options options_;
  // One table per band: band key -> documents.
  std::unique_ptr<internal::Buckets> buckets_;
  // The documents indexed.
  absl::flat_hash_set<DocId> ids_;
};

// The key of band `band` of `signature` cut into bands of `rows` values:
// what LshIndex::BandKey() gives for an index with that many rows. For
// indexes kept elsewhere (on disk) that must file under the same keys.
uint64_t LshBandKey(absl::Span<const uint32_t> signature, uint32_t band,
                    uint32_t rows);

// Turns the documents found in the buckets a signature hit, one entry per
// band shared (in any order), into candidates as LshIndex::Query() ranks
// them: by bands shared (most first), then by id. Appends to
// result.candidates; `hits` is sorted in place.
void LshRankHits(std::vector<DocId>& hits, LshQueryResult& result);

// AllPairs over a batch: `signatures` holds num_docs signatures back to
// back (size num_docs * options.num_perm); document i has DocId i. Uses all
// cores; the result does not depend on their number.
absl::StatusOr<std::vector<CandidatePair>> LshAllPairs(
    absl::Span<const uint32_t> signatures, const LshIndex::Options& options);
// The same join over some documents only: `signatures` holds num_perm
// values per DocId, and `docs` (ascending) lists the DocIds joined. Gives
// the pairs an LshIndex holding exactly those documents would.
absl::StatusOr<std::vector<CandidatePair>> LshAllPairs(
    absl::Span<const uint32_t> signatures, absl::Span<const DocId> docs,
    const LshIndex::Options& options);

}  // namespace mimeo

#endif  // MIMEO_LSH_INDEX_H_
