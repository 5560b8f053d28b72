// The LSH band postings of an on-disk index, kept as levels (format 3).
//
// A level holds the postings of the documents [first, end): for each band,
// one sorted array of (band key, DocId) entries, written once and never
// changed. Each write transaction that adds documents writes their
// postings as a new level (one sequential write of a few pages a band,
// instead of 44 inserts a document under random keys into one B-tree);
// when the newest kLevelFanout levels are of one size tier they are merged
// into one level, written in key order under a new id, and the old ones
// freed (LevelsToMerge()). The levels of an index thus grow geometrically
// from the newest to the oldest: a document's postings are rewritten about
// log_8(N / batch) times over the index's life, and a query probes a few
// levels per band.
//
// A band array (one level, one band), as stored:
//   u32 n (entries), u32 r (radix bits),
//   (2^r + 1) u32 offsets: offsets[b] is the first entry whose key's top r
//     bits are >= b, offsets[2^r] = n,
//   n entries of 12 bytes: the band key (u64) and the DocId (u32), native
//     order, sorted by key then DocId.
// The keys are XXH3 hashes (LshBandKey()), uniform: with about 8 entries
// per radix bucket a probe reads two offsets and a cache line or two of
// entries, whatever the level's size.
#ifndef MIMEO_SRC_INTERNAL_BAND_LEVELS_H_
#define MIMEO_SRC_INTERNAL_BAND_LEVELS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "internal/mix.h"
#include "mimeo/lsh_index.h"

namespace mimeo::internal {

// One posting of a band.
struct BandEntry {
  uint64_t key = 0;
  DocId doc = 0;
  friend bool operator<(const BandEntry& a, const BandEntry& b) {
    return a.key != b.key ? a.key < b.key : a.doc < b.doc;
  }
  friend bool operator==(const BandEntry& a, const BandEntry& b) {
    return a.key == b.key && a.doc == b.doc;
  }
};

constexpr size_t kBandEntryBytes = 12;

// A level as the index's meta record lists it.
struct BandLevel {
  uint32_t id = 0;
  DocId first = 0;  // the DocIds [first, end) it covers
  DocId end = 0;
  // The documents filed in it (each has one entry per band).
  uint64_t docs = 0;
};

// Levels merge when the newest kLevelFanout of them are of the newest
// one's tier (floor(log_8(docs))) or a smaller one.
constexpr size_t kLevelFanout = 8;

// The meta record of the levels: a u32 count, then id, first, end (u32)
// and docs (u64) of each, oldest first.
std::string EncodeLevels(absl::Span<const BandLevel> levels);
// False when the bytes do not parse or the levels are not in DocId order
// with disjoint ranges and distinct ids.
bool DecodeLevels(std::string_view bytes, std::vector<BandLevel>& levels);

// How many of the newest levels to merge into one now (0: none): the
// newest levels of the newest one's tier or smaller ones, when there are
// kLevelFanout of them or more.
size_t LevelsToMerge(absl::Span<const BandLevel> levels);

// The fingerprint postings of a level (format 5, copy mode) are
// kFingerprintShards arrays after its band arrays (band numbers bands ..
// bands + kFingerprintShards - 1), shard s holding the entries (hash of a
// winnowed fingerprint, DocId) of the hashes with hash % kFingerprintShards
// == s, each document filed once under each of its distinct hashes. A
// document has about 145 fingerprints on generated news, so that a level
// of 512k documents holds 74M entries; in 16 arrays, none outgrows what a
// merge writes in one transaction. Shards take the low bits, the radix
// offsets the top ones. From format 6 each shard carries a filter of its
// hashes (FilteredShardWriter, below).
constexpr uint32_t kFingerprintShards = 16;
inline uint32_t FingerprintShard(uint64_t hash) {
  return static_cast<uint32_t>(hash % kFingerprintShards);
}

// Sorts entries by (key, DocId) in linear time (internal/bucket_sort.h):
// the keys are hashes, uniform.
void SortBandEntries(std::vector<BandEntry>& entries);

// The radix bits of an array of n entries, and its size in bytes.
uint32_t BandRadixBits(uint64_t n);
size_t BandArrayBytes(uint64_t n);

// Writes a band array of exactly n entries into `out` (BandArrayBytes(n)
// bytes), taking the entries one at a time in (key, DocId) order.
class BandArrayWriter {
 public:
  BandArrayWriter(char* out, uint64_t n);
  void Add(const BandEntry& e);
  // Whether exactly n entries were added (the offsets are then complete).
  bool Finish();

 private:
  char* const out_;
  const uint64_t n_;
  const uint32_t r_;
  uint64_t added_ = 0;
  uint64_t next_bucket_ = 0;  // offsets [0, next_bucket_) are written
};

// A band array read in place (the bytes stay owned by the map).
class BandArray {
 public:
  // Reads the header; false when the size does not fit it. The offsets and
  // the entries are checked by Verify(), not here: Parse() is on the path
  // of every snapshot.
  bool Parse(const void* data, size_t size);
  uint64_t size() const { return n_; }
  BandEntry entry(uint64_t i) const;
  // Appends the DocIds filed under `key`, ascending, to `out`; false when
  // the offsets are out of range (a damaged array).
  bool Find(uint64_t key, std::vector<DocId>& out) const;
  // Find() in three steps, so that a query probing many arrays has the
  // memory of all of them on its way at once: PrefetchOffsets() asks for
  // the radix offsets of `key`'s bucket; Bucket() reads them (false when
  // out of range) and asks for the first entries; Scan() appends the
  // DocIds under `key` among the entries [lo, hi).
  void PrefetchOffsets(uint64_t key) const;
  bool Bucket(uint64_t key, uint32_t& lo, uint32_t& hi) const;
  void Scan(uint64_t key, uint32_t lo, uint32_t hi,
            std::vector<DocId>& out) const;
  // "" when the offsets and the order of the entries are right, else what
  // is wrong.
  std::string Verify() const;

 private:
  uint32_t offset(uint64_t b) const;
  const char* offsets_ = nullptr;
  const char* entries_ = nullptr;
  uint64_t n_ = 0;
  uint32_t r_ = 0;
};

// From format 6, a fingerprint shard carries a filter of its hashes, so
// that a query asking a level for a hash it lacks (most levels, for most
// hashes) reads one word of the filter instead of the shard's radix
// offsets and entries: a blocked Bloom filter of 64-bit words (one word a
// hash, kFilterProbes bits set in it), kFilterBitsPerEntry bits an entry
// (about 1% false positives), written with the shard, in the same value,
// by the transaction that writes the shard. The hashes are mixed first
// (FingerprintFilter::Mix()): winnowing keeps the smallest hash of each
// window, so that the hashes of fingerprints crowd the low values and
// their own top bits would load the first words most.
//
// A shard with its filter, as stored:
//   u32 w (filter words, FingerprintFilterWords(n)), u32 0,
//   w u64 words (native order),
//   the band array of its n entries (BandArrayBytes(n) bytes, as above).
// The words start at offset 8: LMDB places a large value at the start of
// a page after its header, so that they are 8-byte aligned in the map.
constexpr uint32_t kFilterBitsPerEntry = 12;
constexpr uint32_t kFilterProbes = 5;
uint64_t FingerprintFilterWords(uint64_t n);
// The bytes of a shard of n entries with its filter.
size_t FilteredShardBytes(uint64_t n);

// The filter of a shard, read in place.
class FingerprintFilter {
 public:
  // A filter that holds every hash (a shard of format 5, without one).
  FingerprintFilter() = default;
  FingerprintFilter(const char* words, uint64_t n_words)
      : words_(words), n_words_(n_words) {}
  bool empty() const { return n_words_ == 0; }
  uint64_t words() const { return n_words_; }
  const char* data() const { return words_; }

  // The word and the bits of a hash come from Mix(hash) (internal::Mix64,
  // a bijection whose every output bit depends on every input bit): the
  // word from its top 32 bits, the kFilterProbes bit numbers from its low
  // 30, 6 bits each.
  static uint64_t Mix(uint64_t hash) { return Mix64(hash); }
  static uint64_t WordOf(uint64_t mixed, uint64_t n_words) {
    return ((mixed >> 32) * n_words) >> 32;
  }
  static uint64_t Mask(uint64_t mixed) {
    uint64_t mask = 0;
    for (uint32_t i = 0; i < kFilterProbes; ++i) {
      mask |= uint64_t{1} << ((mixed >> (6 * i)) & 63);
    }
    return mask;
  }

  // Asks for the word of the hash whose Mix() is `mixed`.
  void Prefetch(uint64_t mixed) const {
    if (n_words_ != 0) {
      __builtin_prefetch(words_ + WordOf(mixed, n_words_) * 8);
    }
  }
  // False when the shard surely lacks the hash whose Mix() is `mixed`;
  // true when it may hold it (or there is no filter).
  bool MayHold(uint64_t mixed) const {
    if (n_words_ == 0) return true;
    const uint64_t mask = Mask(mixed);
    uint64_t word;
    __builtin_memcpy(&word, words_ + WordOf(mixed, n_words_) * 8, 8);
    return (word & mask) == mask;
  }

 private:
  const char* words_ = nullptr;
  uint64_t n_words_ = 0;
};

// Writes a shard with its filter into `out` (FilteredShardBytes(n)
// bytes), taking the entries one at a time in (key, DocId) order.
class FilteredShardWriter {
 public:
  FilteredShardWriter(char* out, uint64_t n);
  void Add(const BandEntry& e);
  // Whether exactly n entries were added.
  bool Finish();

 private:
  char* const words_;
  const uint64_t n_words_;
  BandArrayWriter array_;
};

// Reads a shard with its filter in place: false when the sizes do not
// agree. The array's offsets and order are checked by its Verify(), the
// filter by comparing it with the one its entries make (VerifyFilter()).
bool ParseFilteredShard(const void* data, size_t size, BandArray& array,
                        FingerprintFilter& filter);
// "" when `filter` is exactly the filter of `array`'s entries, else the
// first word that differs.
std::string VerifyFilter(const BandArray& array,
                         const FingerprintFilter& filter);

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_BAND_LEVELS_H_
