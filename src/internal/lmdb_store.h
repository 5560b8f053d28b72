// The on-disk DocumentStore: one LMDB environment in a directory.
//
// Named databases:
//   meta   "format_version" u32; "config" (IndexConfig: every hashing
//          parameter, then keep_sets, texts, winnow window); "generation"
//          u64, the number of write transactions so far; "counters" 3 x u64
//          (StoreCounters).
//   docs   DocId (u32, native order) -> the document's record (EncodeDoc()
//          in lmdb_store.cc): live flag, date, SimHash, set size, text
//          hash, id, source, signature, set, fingerprints.
//   ids    id -> DocId, for live documents only.
//   texts  DocId -> the text, one zstd frame, for live documents when
//          texts are kept.
//   log    generation (u64) -> what that transaction did: 'A' first count
//          (documents added) or 'R' count DocIds... (removed), so that a
//          process sharing the directory takes in what others did
//          (Refresh()) without reading every record again.
//
// Every Append() and Remove() is one write transaction, durable (fsynced by
// LMDB's commit) when it returns; LMDB lets one writer at a time in, across
// processes, and readers never wait. The store keeps every field but the
// texts in memory too (an InMemoryDocumentStore), read at Open() and kept
// up to date by Refresh(): the engine's indexes are built from them.
//
// The map grows by itself: a transaction that finds it full is aborted,
// the map doubled and the transaction run again.
#ifndef MIMEO_SRC_INTERNAL_LMDB_STORE_H_
#define MIMEO_SRC_INTERNAL_LMDB_STORE_H_

#include <lmdb.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "internal/memory_store.h"
#include "mimeo/document_store.h"
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

class LmdbDocumentStore final : public DocumentStore {
 public:
  static constexpr uint32_t kFormatVersion = 1;

  // Opens the index in `dir`, or creates it with `config` when `dir` is
  // missing or an empty directory (and `create`). Refuses, naming the
  // directory: a directory that holds other files, an index of a newer
  // format, one made with another config (naming the first difference),
  // corrupt records. A directory this process may not write is opened
  // read-only: reads work, Append() and Remove() are refused.
  // `map_bytes`: the initial map size (it grows by itself).
  static absl::StatusOr<std::unique_ptr<LmdbDocumentStore>> Open(
      const std::string& dir, const IndexConfig& config, bool create,
      uint64_t map_bytes = uint64_t{1} << 28);
  // The format version, config and counts, without reading the documents.
  static absl::StatusOr<IndexSummary> ReadSummary(const std::string& dir);
  // Verifies every invariant of the index in `dir` and changes nothing:
  // each record parses, has the config's signature length, a sorted set of
  // its set size, fingerprints in range; each id entry names a live
  // document with that id and each live document has one; each live
  // document's text is there and decompresses to its hash (with texts);
  // no text of a removed one; the counters and the log agree with the
  // records. DataLoss naming the first problem.
  static absl::Status Check(const std::string& dir);

  ~LmdbDocumentStore() override;

  const std::string& dir() const { return dir_; }
  bool read_only() const { return read_only_; }

  size_t num_ids() const override { return cache_.num_ids(); }
  std::optional<DocId> Find(std::string_view id) const override {
    return cache_.Find(id);
  }
  std::string_view id(DocId doc) const override { return cache_.id(doc); }
  bool live(DocId doc) const override { return cache_.live(doc); }
  std::optional<int64_t> date(DocId doc) const override {
    return cache_.date(doc);
  }
  uint32_t source(DocId doc) const override { return cache_.source(doc); }
  absl::Span<const uint32_t> signature(DocId doc) const override {
    return cache_.signature(doc);
  }
  uint64_t simhash(DocId doc) const override { return cache_.simhash(doc); }
  absl::Span<const uint64_t> set(DocId doc) const override {
    return cache_.set(doc);
  }
  uint64_t set_size(DocId doc) const override { return cache_.set_size(doc); }
  absl::Span<const Fingerprint> fingerprints(DocId doc) const override {
    return cache_.fingerprints(doc);
  }
  uint64_t text_hash(DocId doc) const override { return cache_.text_hash(doc); }
  absl::StatusOr<std::string_view> text(DocId doc,
                                        std::string& buffer) const override;
  absl::Span<const uint32_t> signatures() const override {
    return cache_.signatures();
  }
  absl::Span<const uint32_t> sources() const override {
    return cache_.sources();
  }
  std::string_view source_name(uint32_t source) const override {
    return cache_.source_name(source);
  }
  size_t num_sources() const override { return cache_.num_sources(); }
  StoreCounters counters() const override { return counters_; }

  absl::Status Append(absl::Span<const StoredDocument> docs) override;
  absl::Status Remove(absl::Span<const DocId> docs) override;
  absl::StatusOr<StoreChanges> Refresh() override;
  bool Stale() const override;
  void Reserve(size_t n) override { cache_.Reserve(n); }

 private:
  struct Dbs {
    MDB_dbi meta, docs, ids, texts, log;
  };
  LmdbDocumentStore(std::string dir, MDB_env* env, Dbs dbs,
                    const IndexConfig& config, bool read_only);

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
  // Reads the documents [first, end of docs) into the cache.
  absl::Status LoadFrom(MDB_txn* txn, DocId first);
  absl::Status Error(const char* what, int rc) const;
  // Error() of a failed write transaction, saying nothing was written.
  absl::Status WriteError(const char* what, int rc) const;

  const std::string dir_;
  MDB_env* const env_;
  const Dbs dbs_;
  const IndexConfig config_;
  const bool read_only_;
  InMemoryDocumentStore cache_;
  StoreCounters counters_;
  // The last generation taken in; read by Stale() without the writer lock.
  std::atomic<uint64_t> generation_{0};
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_LMDB_STORE_H_
