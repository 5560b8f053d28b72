// The on-disk DocumentStore: one LMDB environment in a directory.
//
// Named databases (format versions 3 and 4):
//   meta   "format_version" u32; "config" (IndexConfig: every hashing
//          parameter, then keep_sets, texts, winnow window, LSH bands and
//          rows); "generation" u64, the number of write transactions so
//          far; "counters" 3 x u64 (StoreCounters); "tally" 4 x u64
//          (StoreTally: live documents, empty ones, shingles,
//          fingerprints), so that opening reads no document; "dates" 5 x
//          u64 (the records and live documents it was counted at, whether
//          any is dated, the earliest and latest date: StoreDates, valid
//          while the first two are the index's; a mimeo before 2026-12-01
//          writes none); "levels"
//          the levels of the band postings (EncodeLevels() in
//          band_levels.h), oldest first; "next_level" u32, the id the
//          next level takes; "pending" u32, the id of a merged level
//          being written over several transactions (0: none), whose
//          arrays are in `levels` but not yet listed; "query_common" (when
//          saved) Query()'s model of common shingles (SavedCommon in
//          document_store.h; EncodeCommon() in lmdb_store.cc), which
//          opening does not read.
//   docs   DocId (u32, native order) -> the document's record (EncodeDoc()
//          in lmdb_store.cc): a fixed header (live flag first, source
//          number, date, SimHash, set size, text hash, the lengths), then
//          the signature (at a fixed offset, 4-byte aligned in the map),
//          the set, the fingerprints and the id. Records are padded to a
//          multiple of 4 bytes so that LMDB keeps every record's signature
//          4-byte aligned and it is read in place.
//   ids    id -> DocId, for live documents only.
//   texts  DocId -> the text, one zstd frame, for live documents when
//          texts are kept; or (version 4) a reference to the file the text
//          is read from again: a byte 0x01 (no zstd frame starts with
//          it), offset and length (u64, native order), then the path.
//          Read back, a referenced text is checked against the record's
//          text hash; a file changed or gone is an error naming it and
//          the document.
//   log    generation (u64) -> what that transaction did: 'A' first count
//          (documents added), 'R' count DocIds... (removed) or 'M' (band
//          postings merged), so that a process sharing the directory takes
//          in what others did (Refresh()) without reading every record
//          again.
//   levels the LSH band postings (band_postings.h) as levels
//          (band_levels.h): level id (u32, big-endian), band (u16,
//          big-endian) -> the band array of that level. Every live
//          document with shingles is filed in the level covering its
//          DocId. Without band postings (banding 0 x 0) and without
//          fingerprint postings, empty. In copy mode (version 5), each
//          level also holds the fingerprint postings
//          (fingerprint_postings.h) of its documents: kFingerprintShards
//          arrays, numbered after the bands, of (fingerprint hash, DocId);
//          from version 6, each with a filter of its hashes before it
//          (band_levels.h).
//   dead   DocId (u32, native order) -> nothing: the removed documents
//          whose postings are still in a level (a removal does not
//          rewrite a level; queries skip them, the merge that rewrites
//          their level drops them and their entries here).
//   sources      source name -> its number (u32), from 1 in order of
//                first appearance ("" is 0 and not stored).
//   source_names source number (u32) -> name.
//
// Every Append() and Remove() is one write transaction, durable (fsynced by
// LMDB's commit) when it returns (an Append() may then merge levels of band
// postings in transactions of their own, MergeLevels()); LMDB lets one writer
// at a time in, across processes, and readers never wait.
//
// Reading. A copy-mode index of version 3 or 4 (texts and shingle sets
// kept, no fingerprint postings on disk) also keeps every field but the
// texts in memory (an InMemoryDocumentStore read at Open() and kept up to
// date by Refresh()), as the engine builds its fingerprint index in memory
// from them. Otherwise (near-duplicate indexes, and copy-mode indexes from
// version 5) it keeps nothing per document: every accessor, the shingle
// sets and fingerprints included, reads the record in the memory map,
// through one read
// transaction held open from one non-const call to the next (the
// snapshot), so that opening reads no document and the process's own
// memory does not grow with the index. The snapshot also serves the band
// postings in both cases. While a process holds its snapshot, LMDB does
// not reuse the pages other writers free after it: a process that opens an
// index and then sits idle while others write makes data.mdb grow until
// its next query (which takes in the changes) or until it closes.
//
// The map grows by itself: a transaction that finds it full is aborted,
// the map doubled and the transaction run again.
#ifndef MIMEO_SRC_INTERNAL_LMDB_STORE_H_
#define MIMEO_SRC_INTERNAL_LMDB_STORE_H_

#include <lmdb.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/types/span.h"
#include "internal/band_levels.h"
#include "internal/memory_store.h"
#include "mimeo/band_postings.h"
#include "mimeo/document_store.h"
#include "mimeo/fingerprint_postings.h"
#include "mimeo/hashing_params.h"

namespace mimeo::internal {

// What an index is made with, fixed when it is created and compared on
// every open.
struct IndexConfig {
  HashingParams hashing;
  bool keep_sets = true;
  // Texts are kept (shared copy on).
  bool texts = true;
  // The winnowing window the stored fingerprints were chosen with.
  uint32_t window = 0;
  // The LSH banding the band postings are filed with; 0 x 0 files none.
  // Taken from the options when the index is created and kept; not
  // compared on open (an engine with another banding builds its LSH index
  // in memory).
  uint32_t lsh_bands = 0;
  uint32_t lsh_rows = 0;

  // "" when they agree, else the first difference, naming it and both
  // values ("shingle.k is 5 in the index but 4 in the options").
  std::string Difference(const IndexConfig& theirs) const;
};

// What ReadIndexSummary() finds.
struct IndexSummary {
  uint32_t version = 0;
  IndexConfig config;
  uint64_t num_ids = 0;
  uint64_t num_live = 0;
  uint64_t generation = 0;
  uint64_t disk_bytes = 0;  // data.mdb
};

// The handles of the named databases (see above).
struct LmdbDbs {
  MDB_dbi meta = 0, docs = 0, ids = 0, texts = 0, log = 0, levels = 0, dead = 0,
          sources = 0, source_names = 0;
};

// Views of arrays read in place from the map: the values themselves when
// LMDB aligned them for their type, else copies, kept until Clear() (or
// this object's end). Thread-safe.
class AlignedCopies {
 public:
  template <typename T>
  absl::Span<const T> View(const char* p, size_t count) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (count == 0) return {};
    if (reinterpret_cast<uintptr_t>(p) % alignof(T) == 0) {
      return absl::MakeConstSpan(reinterpret_cast<const T*>(p), count);
    }
    // operator new[] aligns for any fundamental type.
    auto copy = std::make_unique<std::byte[]>(count * sizeof(T));
    std::memcpy(copy.get(), p, count * sizeof(T));
    const T* values = reinterpret_cast<const T*>(copy.get());
    std::lock_guard lock(mu_);
    copies_.push_back(std::move(copy));
    return absl::MakeConstSpan(values, count);
  }
  void Clear() {
    std::lock_guard lock(mu_);
    copies_.clear();
  }

 private:
  std::mutex mu_;
  std::deque<std::unique_ptr<std::byte[]>> copies_;
};

class LmdbDocumentStore final : public DocumentStore,
                                public BandPostings,
                                public FingerprintPostings {
 public:
  // 6: each fingerprint shard carries a filter of its hashes
  // (FilteredShardWriter in band_levels.h), read before the shard; a
  // copy-mode index is made at version 6. A version 5 index opens and
  // grows as before, without filters (every level's shard is read for
  // every hash), and stays at version 5.
  // Also from 6, the config names the token hash (HashingParams'
  // shingle.token_hash) when it is TokenHash::kShortMix (the default), and
  // a near-duplicate index hashed so is made at version 6, so that the
  // mimeos before refuse it naming the version. A config without the field
  // means kXxh3 (every index before), and a near-duplicate index hashed by
  // kXxh3 is made at version 3, as before.
  // 5: copy-mode indexes keep fingerprint postings in their levels
  // (fingerprint_postings.h), which the engine asks instead of building a
  // FingerprintIndex in memory.
  // 3: the band postings as levels (band_levels.h). 2: band postings in
  // one B-tree, source tables and the tally; records with a fixed header
  // and the source as a number. Indexes of versions 1 and 2 are refused,
  // naming the version (export them with the mimeo that made them, then
  // import the snapshot). Copy-mode indexes of versions 3 and 4 open as
  // before: no fingerprint postings, the engine indexes the fingerprints
  // in memory.
  static constexpr uint32_t kFormatVersion = 6;
  static constexpr uint32_t kFingerprintLevelsVersion = 5;
  static constexpr uint32_t kFingerprintFiltersVersion = 6;
  // 4: a text record may be a reference (StoredDocument::text_at) rather
  // than a zstd frame. A near-duplicate index is made at version 3 and a
  // version 3 index becomes 4 with the first text kept by reference, so
  // that the mimeo before still reads every index without references.
  static constexpr uint32_t kReferenceFormatVersion = 4;
  static constexpr uint32_t kOldestFormatVersion = 3;

  // Opens the index in `dir`, or creates it with `config` when `dir` is
  // missing or an empty directory (and `create`); an existing index keeps
  // the banding it was created with (bands() and rows() tell it). Reads no
  // document unless texts or sets are kept. Refuses, naming the directory:
  // a directory that holds other files, an index of another format
  // version, one made with another config (naming the first difference),
  // corrupt records. A directory this process may not write is opened
  // read-only: reads work, Append() and Remove() are refused.
  // `map_bytes`: the initial map size (it grows by itself).
  // `merge_txn_bytes`: the bytes of band arrays a merge writes in one
  // transaction at most (a merge of more takes several, its output listed
  // by the last); the default keeps well under the 131,072 pages (512 MB)
  // LMDB lets one transaction change. Tests make it small.
  static constexpr size_t kMergeTxnBytes = size_t{256} << 20;
  static absl::StatusOr<std::unique_ptr<LmdbDocumentStore>> Open(
      const std::string& dir, const IndexConfig& config, bool create,
      uint64_t map_bytes = uint64_t{1} << 28,
      size_t merge_txn_bytes = kMergeTxnBytes);
  // The threads merging levels of postings may use (Engine::Options::
  // threads: 0 for every core, the default).
  void set_threads(int threads) { threads_ = threads; }
  // The format version, config and counts, without reading the documents.
  static absl::StatusOr<IndexSummary> ReadSummary(const std::string& dir);
  // Verifies every invariant of the index in `dir` and changes nothing:
  // each record parses, has the config's signature length, a sorted set of
  // its set size, fingerprints in range, a source that the source tables
  // name; each id entry names a live document with that id and each live
  // document has one; each live document's text is there and decompresses
  // to its hash (with texts), or, kept by reference, its file is read and
  // matches the hash (a file changed or gone fails the check, naming it);
  // no text of a removed one; the levels cover
  // disjoint DocId ranges, each band array of each level parses, is sorted
  // and its radix offsets are right, and holds exactly the band keys of
  // the documents of its range that are live with shingles or listed as
  // dead; in copy mode (version 5), each fingerprint shard of each level
  // parses, is sorted, holds no entry twice, and holds exactly the
  // distinct fingerprint hashes of that shard of the same documents
  // (compared by count and a sum of digests), and (version 6) its filter
  // is exactly the one its entries make; each dead entry names a
  // removed document with shingles; no
  // level's arrays are stored but the listed ones and the pending one; the two
  // source tables agree; the counters, the tally and the log agree with the
  // records. DataLoss naming the first problem.
  static absl::Status Check(const std::string& dir);

  ~LmdbDocumentStore() override;

  const std::string& dir() const { return dir_; }
  bool read_only() const { return read_only_; }

  size_t num_ids() const override { return num_ids_; }
  std::optional<DocId> Find(std::string_view id) const override;
  std::string_view id(DocId doc) const override;
  bool live(DocId doc) const override;
  std::optional<int64_t> date(DocId doc) const override;
  uint32_t source(DocId doc) const override;
  absl::Span<const uint32_t> signature(DocId doc) const override;
  uint64_t simhash(DocId doc) const override;
  absl::Span<const uint64_t> set(DocId doc) const override;
  uint64_t set_size(DocId doc) const override;
  absl::Span<const Fingerprint> fingerprints(DocId doc) const override;
  uint64_t text_hash(DocId doc) const override;
  absl::StatusOr<std::string_view> text(DocId doc,
                                        std::string& buffer) const override;
  absl::Span<const uint32_t> signatures() const override {
    return cached_ ? cache_.signatures() : absl::Span<const uint32_t>();
  }
  absl::Span<const uint32_t> sources() const override {
    return cached_ ? cache_.sources() : absl::Span<const uint32_t>();
  }
  std::string_view source_name(uint32_t source) const override;
  size_t num_sources() const override { return num_sources_; }
  StoreCounters counters() const override { return counters_; }

  absl::Status Append(absl::Span<const StoredDocument> docs) override;
  absl::Status Remove(absl::Span<const DocId> docs) override;
  absl::StatusOr<StoreChanges> Refresh() override;
  bool Stale() const override;
  void Reserve(size_t n) override {
    if (cached_) cache_.Reserve(n);
  }
  // A zstd frame of the text (level 3, one compression context a thread),
  // when texts are kept.
  bool PackText(std::string_view text, std::string& packed) const override;
  const BandPostings* band_postings() const override {
    return config_.lsh_bands != 0 ? this : nullptr;
  }
  std::optional<StoreTally> tally() const override { return tally_; }
  // From meta "dates"; none for an index whose last writer kept none (a
  // mimeo before 2026-12-01), until this store's next Append() or
  // Remove() counts them again.
  std::optional<StoreDates> dates() const override { return dates_; }
  // Kept in meta "query_common" (see above), written without a new
  // generation. Requires exclusive access, as Append() does.
  bool durable() const override { return true; }
  std::optional<SavedCommon> saved_common() const override;
  absl::Status SaveCommon(const SavedCommon& model) override;
  const FingerprintPostings* fingerprint_postings() const override {
    return fp_levels_ ? this : nullptr;
  }
  // Whether the levels hold fingerprint postings (a copy-mode index of
  // format 5 or later).
  bool fingerprint_levels() const { return fp_levels_; }

  // BandPostings.
  uint32_t bands() const override { return config_.lsh_bands; }
  uint32_t rows() const override { return config_.lsh_rows; }
  absl::StatusOr<LshQueryResult> Query(
      absl::Span<const uint32_t> signature) const override;

  // FingerprintPostings.
  absl::Status Holders(absl::Span<const uint64_t> hashes,
                       std::vector<std::vector<DocId>>& out) const override;

 private:
  using Dbs = LmdbDbs;
  LmdbDocumentStore(std::string dir, MDB_env* env, Dbs dbs,
                    const IndexConfig& config, bool read_only, bool fp_levels,
                    bool fp_filters);

  // Runs `body` in a write transaction and commits it, growing the map and
  // running it again when it is full. `body` returns an LMDB error code
  // (MDB_SUCCESS to commit) or sets `*refused` to a status to abort with.
  absl::Status Write(const char* what,
                     const std::function<int(MDB_txn*, absl::Status*)>& body);
  // Inside a write transaction: reads the index's generation into
  // `generation` and whether it is still `mine`, the one this process took
  // in last; otherwise sets `*refused` (corrupt, or another writer came
  // first, which Write()'s callers retry) and returns false.
  bool AtGeneration(MDB_txn* txn, uint64_t mine, uint64_t& generation,
                    absl::Status* refused) const;
  // Merges the newest levels while LevelsToMerge() says so, each merge in
  // write transactions of its own after the one that added the level. The
  // arrays of a transaction are merged on threads_ threads, a few at a
  // time, each into a buffer, and written in order: the index's bytes do
  // not depend on the threads.
  absl::Status MergeLevels();
  // Whether `doc` was removed, as far as this process has taken in.
  bool Dead(DocId doc) const {
    return doc / 64 < dead_.size() && (dead_[doc / 64] >> (doc % 64) & 1);
  }
  void MarkDead(DocId doc);
  // Reads the documents [first, end of docs) into the cache.
  absl::Status LoadFrom(MDB_txn* txn, DocId first);
  // What Renew() reads of the index as it now is.
  struct Snapshot {
    uint64_t generation = 0;
    size_t docs = 0;  // records, removed ones included
    StoreCounters counters;
    StoreTally tally;
    std::optional<StoreDates> dates;
  };
  // Ends the snapshot (so that the map may be resized) and begins it again
  // on the index as it now is; sets num_sources_. Requires exclusive
  // access.
  absl::Status Renew(Snapshot* snap);
  // The record of `doc` in the snapshot; empty when it cannot be read.
  MDB_val Record(DocId doc) const;
  absl::Status Error(const char* what, int rc) const;
  // Error() of a failed write transaction, saying nothing was written.
  absl::Status WriteError(const char* what, int rc) const;

  const std::string dir_;
  MDB_env* const env_;
  const Dbs dbs_;
  const IndexConfig config_;
  const bool read_only_;
  // Fingerprint postings in the levels (format 5, copy mode).
  const bool fp_levels_;
  // And filters in the fingerprint shards (format 6).
  const bool fp_filters_;
  // The arrays of a level: the bands, then the fingerprint shards.
  const uint32_t per_level_;
  size_t merge_txn_bytes_ = kMergeTxnBytes;
  // The threads merges run on (0: every core); set_threads().
  int threads_ = 0;
  // Whether every field but the texts is kept in cache_ (texts or sets
  // kept) or read from the map.
  const bool cached_;
  InMemoryDocumentStore cache_;
  // The read transaction the const calls read through (see the file
  // comment); renewed by Renew().
  MDB_txn* snapshot_ = nullptr;
  size_t num_ids_ = 0;
  size_t num_sources_ = 1;
  StoreCounters counters_;
  StoreTally tally_;
  std::optional<StoreDates> dates_;
  // The levels of the postings in the snapshot, and their arrays
  // (levels_.size() x per_level_, level-major), read in place; arrays_ok_ is
  // false when one of them is missing or does not parse (Query() then
  // fails, naming the damage).
  std::vector<BandLevel> levels_;
  std::vector<BandArray> arrays_;
  // With fp_filters_, the filters of the fingerprint shards
  // (levels_.size() x kFingerprintShards, level-major), read in place.
  std::vector<FingerprintFilter> filters_;
  bool arrays_ok_ = true;
  // A bit per DocId: removed (from the dead table on opening, then from
  // this process's removals and the log).
  std::vector<uint64_t> dead_;
  // The last generation taken in; read by Stale() without the writer lock.
  std::atomic<uint64_t> generation_{0};
  // The arrays of the snapshot's records, as views: copies only of those
  // LMDB did not align (none of the signatures and fingerprints, see the
  // record's padding; the sets of records kept in a leaf page), kept until
  // the next Renew().
  mutable AlignedCopies copies_;
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_LMDB_STORE_H_
