// Where the Engine keeps what it knows of each document.
//
// Per DocId: the id, whether it is live, its date and source, its MinHash
// signature, SimHash fingerprint, shingle set (or only its size), winnowed
// fingerprints, the text (or a hash of it) and the engine's counters. The
// engine's indexes (LSH bands, SimHash tables, fingerprint postings, the
// common-shingle model) are built from these.
//
// Two stores implement this interface:
//   * in memory (the default; what Engine::Create() makes, what
//     Engine::Save() writes and Engine::Load() reads);
//   * on disk, in an LMDB environment in a directory (Engine::Open()):
//     every Append() and Remove() is one durable transaction, and several
//     processes may share the directory. Texts are kept there compressed
//     (zstd) rather than in memory, or as references to the files they
//     were read from (StoredDocument::text_at); the LSH band postings are kept there
//     too (band_postings.h), and a near-duplicate index (no texts, no
//     sets) reads every field in place in the memory map rather than
//     holding it in memory.
// The engine answers the same whichever store it sits on.
//
// Thread safety: the const calls may run concurrently with each other;
// Append(), Remove() and Refresh() need exclusive access (the Engine's
// writer lock). Spans and views returned stay valid until the next
// non-const call: an on-disk store answers from the memory map, reading
// one consistent snapshot of the index between its non-const calls.
#ifndef MIMEO_DOCUMENT_STORE_H_
#define MIMEO_DOCUMENT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "mimeo/band_postings.h"
#include "mimeo/document.h"
#include "mimeo/fingerprint_postings.h"
#include "mimeo/winnow.h"

namespace mimeo {

// One document as the engine hands it to a store. Views; the store copies
// what it keeps.
struct StoredDocument {
  std::string_view id;
  // Kept only when the store keeps texts (copy on, no text source).
  std::string_view text;
  // `text` as PackText() packs it, when the caller packed it beforehand
  // (outside the writer lock, on its own threads); empty: Append() packs
  // `text` itself.
  std::string_view packed_text;
  // Where `text` can be read again (Document::text_at), or null: a store
  // that keeps texts on disk may keep this instead of the text (the text
  // hash then checks what is read back); others ignore it.
  const TextReference* text_at = nullptr;
  std::optional<int64_t> date;
  std::string_view source;
  bool live = true;
  absl::Span<const uint32_t> signature;  // num_perm values
  uint64_t simhash = 0;
  // Sorted and distinct; empty without shingle sets, when set_size is the
  // estimated number of distinct shingles.
  absl::Span<const uint64_t> set;
  uint64_t set_size = 0;
  absl::Span<const Fingerprint> fingerprints;  // empty with copy off
  // XXH3-64 of the text as added (checks a TextSource's answer).
  uint64_t text_hash = 0;
  // Added to StoreCounters.
  uint64_t bytes = 0;
  uint64_t invalid_utf8 = 0;
  uint64_t nul_bytes = 0;
};

// Totals over every document ever appended (removed ones included).
struct StoreCounters {
  uint64_t bytes = 0;
  uint64_t invalid_utf8 = 0;
  uint64_t nul_bytes = 0;
};

// Counts over the live documents, kept by a store that can give them
// without reading every document (an on-disk one).
struct StoreTally {
  uint64_t live = 0;
  uint64_t empty = 0;         // live documents of set size 0
  uint64_t shingles = 0;      // their set sizes, summed
  uint64_t fingerprints = 0;  // their fingerprints, summed
};

// Query()'s model of common shingles (boilerplate.h) as an on-disk store
// keeps it for the processes that open it later (Engine::SaveQueryModel()).
struct SavedCommon {
  // The DocIds counted, 0 .. num_ids - 1 (the live ones among them), and
  // the documents removed from the store when they were.
  uint64_t num_ids = 0;
  uint64_t removed = 0;
  // CommonShingles::Options, and what its Build() found.
  uint32_t min_docs = 0;
  double fraction = 0;
  uint32_t threshold = 0;
  uint64_t documents = 0;
  std::vector<uint64_t> common;  // ascending
};

// The earliest and latest date of the live documents (none dated: not
// `any`), kept by a store that can give them without reading every
// document (an on-disk one).
struct StoreDates {
  bool any = false;
  int64_t earliest = 0;
  int64_t latest = 0;
};

// What other writers (other processes sharing an on-disk store) changed
// since this store last looked: DocIds [first_added, num_ids()) are new,
// and `removed` were live and are not any more.
struct StoreChanges {
  DocId first_added = 0;
  std::vector<DocId> removed;
};

class DocumentStore {
 public:
  virtual ~DocumentStore() = default;

  // DocIds issued, removed ones included; DocIds are 0 .. num_ids() - 1.
  virtual size_t num_ids() const = 0;
  // The DocId of a live document, if any.
  virtual std::optional<DocId> Find(std::string_view id) const = 0;

  // Per DocId; each requires doc < num_ids().
  virtual std::string_view id(DocId doc) const = 0;
  virtual bool live(DocId doc) const = 0;
  virtual std::optional<int64_t> date(DocId doc) const = 0;
  // The number of the document's source: 0 is the empty source, the others
  // are numbered in order of first appearance.
  virtual uint32_t source(DocId doc) const = 0;
  virtual absl::Span<const uint32_t> signature(DocId doc) const = 0;
  virtual uint64_t simhash(DocId doc) const = 0;
  virtual absl::Span<const uint64_t> set(DocId doc) const = 0;
  virtual uint64_t set_size(DocId doc) const = 0;
  virtual absl::Span<const Fingerprint> fingerprints(DocId doc) const = 0;
  virtual uint64_t text_hash(DocId doc) const = 0;
  // The kept text (a view into the store, or decompressed or read from
  // the file it references into `buffer`); empty for a removed document or
  // when texts are not kept. A text kept by reference whose file is gone,
  // unreadable or changed (its hash differs) fails, naming the file and
  // the document.
  virtual absl::StatusOr<std::string_view> text(DocId doc,
                                                std::string& buffer) const = 0;

  // Every signature back to back, num_perm per DocId (size num_ids() *
  // num_perm), or empty when the store does not hold them back to back
  // (an on-disk store reading its records in place): then ask
  // signature(doc).
  virtual absl::Span<const uint32_t> signatures() const = 0;
  // Per DocId, source(doc) (size num_ids()), or empty as signatures().
  virtual absl::Span<const uint32_t> sources() const = 0;
  // The name of source number `source` (< num_sources()); 0 is "".
  virtual std::string_view source_name(uint32_t source) const = 0;
  virtual size_t num_sources() const = 0;
  virtual StoreCounters counters() const = 0;

  // Appends documents as DocIds num_ids(), num_ids() + 1, ..., all or none
  // (durably, for an on-disk store, before it returns). The caller has
  // checked that the ids are new. Aborted when another writer changed the
  // store since the last Refresh(): nothing is appended, and the caller
  // refreshes, checks again and retries.
  virtual absl::Status Append(absl::Span<const StoredDocument> docs) = 0;
  // Marks live documents removed, all or none; Aborted as for Append().
  virtual absl::Status Remove(absl::Span<const DocId> docs) = 0;
  // Takes in what other writers did since the last call (or since the
  // store was opened). An in-memory store has no other writers.
  virtual absl::StatusOr<StoreChanges> Refresh() = 0;
  // Whether Refresh() has anything to take in (a cheap check).
  virtual bool Stale() const = 0;
  // Makes room for `n` documents in all, where that means anything.
  virtual void Reserve(size_t n) = 0;

  // Packs a text as Append() would store it (an on-disk store compresses
  // it), into `packed`, so that a caller may do it before it takes the
  // writer lock, on as many threads as it likes: the result is the same
  // bytes Append() would make. False (and `packed` left alone) when the
  // store keeps no texts or keeps them as they are, or packing failed
  // (Append() then packs, and reports the failure). May run concurrently
  // with any call.
  virtual bool PackText(std::string_view text, std::string& packed) const {
    (void)text;
    (void)packed;
    return false;
  }

  // The LSH band postings the store keeps (band_postings.h), if it keeps
  // any; valid as long as the store.
  virtual const BandPostings* band_postings() const { return nullptr; }
  // The fingerprint postings the store keeps (fingerprint_postings.h), if
  // it keeps any; valid as long as the store.
  virtual const FingerprintPostings* fingerprint_postings() const {
    return nullptr;
  }
  // The counts over live documents, if the store keeps them.
  virtual std::optional<StoreTally> tally() const { return std::nullopt; }
  // The dates of the live documents, if the store keeps them.
  virtual std::optional<StoreDates> dates() const { return std::nullopt; }
  // Whether the store is on disk, for other processes and later runs.
  virtual bool durable() const { return false; }
  // The saved model of common shingles, if the store keeps one and it
  // reads back whole (a damaged one is not given: `mimeo index check`
  // names it). Kept by a durable store only; a store in memory neither
  // keeps nor needs one.
  virtual std::optional<SavedCommon> saved_common() const {
    return std::nullopt;
  }
  // Keeps `model` in place of the one saved before, in a transaction of
  // its own (it is not a change to the documents: other processes'
  // Refresh() has nothing to take in). Nothing for a store in memory.
  virtual absl::Status SaveCommon(const SavedCommon& model) {
    (void)model;
    return absl::OkStatus();
  }
};

}  // namespace mimeo

#endif  // MIMEO_DOCUMENT_STORE_H_
