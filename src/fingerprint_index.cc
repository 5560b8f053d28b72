#include "mimeo/fingerprint_index.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "internal/growable_array.h"
#include "internal/mix.h"

namespace mimeo {

namespace internal {

// A removed posting, left at the end of its hash's run of holders (DocIds
// are below it, so the run stays sorted and lower_bound(as_of) never
// counts it).
constexpr DocId kRemoved = UINT32_MAX;

// Postings sorted by (hash, DocId) in two parallel arrays, with a directory
// over the top bits of the hash: the postings of hashes whose top bits are
// t lie in [directory[t], directory[t + 1]). The packed table and each
// recent run are looked up through one.
template <typename Offset>
struct SortedView {
  const uint64_t* hashes;
  const DocId* docs;
  const Offset* directory;
  int shift;

  // The DocIds holding `hash`, removed ones at the end.
  absl::Span<const DocId> Find(uint64_t hash) const {
    const uint64_t t = hash >> shift;
    return InBucket(directory[t], directory[t + 1], hash);
  }

  // The DocIds holding `hash` among postings [begin, end) of one bucket.
  // Most buckets hold a few postings and most lookups find none: counting
  // the hashes below and up to `hash` without a branch beats a binary
  // search's guesses there. Buckets crowded by winnowing's low hashes are
  // searched.
  absl::Span<const DocId> InBucket(size_t begin, size_t end,
                                   uint64_t hash) const {
    constexpr size_t kScan = 32;
    size_t lo, hi;
    if (end - begin <= kScan) {
      lo = begin;
      hi = begin;
      for (size_t k = begin; k < end; ++k) {
        lo += hashes[k] < hash;
        hi += hashes[k] <= hash;
      }
    } else {
      lo = static_cast<size_t>(
          std::lower_bound(hashes + begin, hashes + end, hash) - hashes);
      hi = static_cast<size_t>(
          std::upper_bound(hashes + lo, hashes + end, hash) - hashes);
    }
    return absl::MakeConstSpan(docs + lo, hi - lo);
  }

  // Find() of every hash of `query` into out[i * stride]. In a table much
  // larger than the caches each lookup is a chain of misses (the
  // directory, then the bucket, then the DocIds); a group's lookups fetch
  // each link ahead for the whole group, so that their misses overlap
  // instead of following each other.
  void FindAll(absl::Span<const uint64_t> query, absl::Span<const DocId>* out,
               size_t stride) const {
    constexpr size_t kGroup = 16;
    uint64_t begin[kGroup], end[kGroup];
    for (size_t g = 0; g < query.size(); g += kGroup) {
      const size_t n = std::min(kGroup, query.size() - g);
      const uint64_t* hash = query.data() + g;
      for (size_t i = 0; i < n; ++i) {
        __builtin_prefetch(directory + (hash[i] >> shift));
      }
      for (size_t i = 0; i < n; ++i) {
        const uint64_t t = hash[i] >> shift;
        begin[i] = directory[t];
        end[i] = directory[t + 1];
        __builtin_prefetch(hashes + begin[i]);
      }
      for (size_t i = 0; i < n; ++i) {
        const absl::Span<const DocId> found =
            InBucket(begin[i], end[i], hash[i]);
        if (!found.empty()) __builtin_prefetch(found.data());
        out[(g + i) * stride] = found;
      }
    }
  }
};

// Top bits of the directory of n sorted postings: about 8 a bucket, so
// that the directory costs under a byte a posting and a lookup reads one
// bucket.
int DirectoryBits(size_t n) {
  return std::clamp<int>(std::bit_width(n / 8), 1, 40);
}

// Every packed posting, as two parallel arrays (12 bytes a posting, where
// an array of structs would pad to 16), and their directory.
class PackedPostings {
 public:
  size_t size() const { return hashes_.size(); }
  size_t removed() const { return removed_; }

  absl::Span<const DocId> Find(uint64_t hash) const {
    if (hashes_.empty()) return {};
    return View().Find(hash);
  }
  void FindAll(absl::Span<const uint64_t> query, absl::Span<const DocId>* out,
               size_t stride) const {
    if (hashes_.empty()) {
      for (size_t i = 0; i < query.size(); ++i) out[i * stride] = {};
      return;
    }
    View().FindAll(query, out, stride);
  }

  // Marks the posting of `doc` under `hash` removed; false if there is none.
  bool Remove(uint64_t hash, DocId doc) {
    absl::Span<const DocId> run = Find(hash);
    auto p = std::lower_bound(run.begin(), run.end(), doc);
    if (p == run.end() || *p != doc) return false;
    DocId* first = docs_.data() + (p - docs_.data());
    DocId* last = docs_.data() + (run.end() - docs_.data());
    std::move(first + 1, last, first);
    *(last - 1) = kRemoved;
    ++removed_;
    return true;
  }

  // Drops removed postings and merges the fresh ones (sorted by (hash,
  // DocId), every DocId above those packed under the same hash) in.
  void Merge(absl::Span<const uint64_t> fresh_hashes,
             absl::Span<const DocId> fresh_docs) {
    // Removed postings out first, front to back, so that the merge below,
    // back to front, never writes over a posting it has not read.
    size_t kept = 0;
    if (removed_ > 0) {
      for (size_t r = 0; r < size(); ++r) {
        if (docs_[r] == kRemoved) continue;
        hashes_[kept] = hashes_[r];
        docs_[kept] = docs_[r];
        ++kept;
      }
      removed_ = 0;
    } else {
      kept = size();
    }
    const size_t n = kept + fresh_hashes.size();
    hashes_.resize(n);
    docs_.resize(n);
    size_t i = kept, j = fresh_hashes.size(), k = n;
    while (j > 0) {
      --k;
      if (i > 0 && hashes_[i - 1] > fresh_hashes[j - 1]) {
        --i;
        hashes_[k] = hashes_[i];
        docs_[k] = docs_[i];
      } else {
        --j;
        hashes_[k] = fresh_hashes[j];
        docs_[k] = fresh_docs[j];
      }
    }
    BuildDirectory();
  }

  size_t MemoryBytes() const {
    return hashes_.capacity() * sizeof(uint64_t) +
           docs_.capacity() * sizeof(DocId) +
           directory_.capacity() * sizeof(uint64_t);
  }

  absl::Span<const uint64_t> hashes() const { return hashes_; }
  absl::Span<const DocId> docs() const { return docs_; }

 private:
  SortedView<uint64_t> View() const {
    return {hashes_.data(), docs_.data(), directory_.data(), shift_};
  }

  void BuildDirectory() {
    const int bits = DirectoryBits(size());
    shift_ = 64 - bits;
    directory_.assign((size_t{1} << bits) + 1, 0);
    for (uint64_t h : hashes_) ++directory_[(h >> shift_) + 1];
    for (size_t t = 1; t < directory_.size(); ++t) {
      directory_[t] += directory_[t - 1];
    }
  }

  GrowableArray<uint64_t> hashes_;
  GrowableArray<DocId> docs_;
  std::vector<uint64_t> directory_;
  int shift_ = 63;
  size_t removed_ = 0;
};

// The postings added since the last packing, as a log of sorted runs, one
// after the other in two parallel arrays. Add() appends a document's
// postings as a run of its own; runs are then merged by size, the newest
// two while the newest is more than half the one before, so that sizes at
// least double from the newest run back and a lookup reads at most
// log2(postings) + 1 runs (about half that in practice), each through a
// small Bloom filter and a directory of its own. Every DocId of a run is above
// those of the runs before it (DocIds increase from one Add to the next, and
// only neighbours merge), so the holders of a hash, read run after run, are in
// increasing DocId order.
//
// Why not a hash map from each hash to its holders: its inserts miss the
// cache once the map outgrows it, and it grows by rehashing into tables
// whose pages are all new (a third of Commit()'s CPU at 600k documents,
// bench/README.md). A merge reads and writes sequentially; each posting is
// rewritten about log2 of the run sizes times, 12 bytes each time.
class RecentRuns {
 public:
  // Physical postings, removed ones included.
  size_t size() const { return hashes_.size(); }
  size_t num_runs() const { return runs_.size(); }

  // Appends the distinct hashes of `fingerprints` as a run of `doc`, above
  // every DocId added before; returns their number.
  size_t Add(DocId doc, absl::Span<const Fingerprint> fingerprints) {
    sorted_.clear();
    for (const Fingerprint& f : fingerprints) sorted_.push_back(f.hash());
    std::sort(sorted_.begin(), sorted_.end());
    sorted_.erase(std::unique(sorted_.begin(), sorted_.end()), sorted_.end());
    if (sorted_.empty()) return 0;
    const size_t begin = size();
    runs_.push_back({begin, 0, 0, 0, 0, doc, 0});
    hashes_.append(sorted_.data(), sorted_.size());
    docs_.resize(begin + sorted_.size());
    std::fill(docs_.begin() + begin, docs_.end(), doc);
    BuildIndex(runs_.back());
    while (runs_.size() >= 2 &&
           2 * RunSize(runs_.size() - 1) > RunSize(runs_.size() - 2)) {
      MergeNewest();
    }
    return sorted_.size();
  }

  // Whether `doc` was added after the oldest run began (its postings, if
  // any are left, are here and not in the packed table).
  bool Covers(DocId doc) const {
    return !runs_.empty() && doc >= runs_.front().first_doc;
  }

  // Marks the posting of `doc` under `hash` removed; false if there is none.
  bool Remove(uint64_t hash, DocId doc) {
    auto run =
        std::upper_bound(runs_.begin(), runs_.end(), doc,
                         [](DocId d, const Run& r) { return d < r.first_doc; });
    if (run == runs_.begin()) return false;
    const size_t r = static_cast<size_t>(run - runs_.begin()) - 1;
    const absl::Span<const DocId> holders = View(r).Find(hash);
    auto p = std::lower_bound(holders.begin(), holders.end(), doc);
    if (p == holders.end() || *p != doc) return false;
    DocId* first = docs_.data() + (p - docs_.data());
    DocId* last = docs_.data() + (holders.end() - docs_.data());
    std::move(first + 1, last, first);
    *(last - 1) = kRemoved;
    ++runs_[r].removed;
    return true;
  }

  // Calls f with the holders of `hash` in each run holding it, oldest run
  // first, until f returns true.
  template <typename F>
  bool ForEach(uint64_t hash, F&& f) const {
    const uint64_t mixed = Mix64(hash);
    for (size_t r = 0; r < runs_.size(); ++r) {
      if (!MayHold(r, mixed)) continue;
      const absl::Span<const DocId> holders = View(r).Find(hash);
      if (!holders.empty() && f(holders)) return true;
    }
    return false;
  }

  // Run r's holders of each hash of `query` into out[i * stride]: the
  // filter words of a group of hashes fetched ahead, then the directory
  // entries of those a filter lets through.
  void FindAll(size_t r, absl::Span<const uint64_t> query,
               absl::Span<const DocId>* out, size_t stride) const {
    const SortedView<uint32_t> view = View(r);
    const Run& run = runs_[r];
    const uint64_t* filter = filters_.data() + run.filter_begin;
    constexpr size_t kGroup = 16;
    const uint64_t* word[kGroup];
    uint64_t bits[kGroup];
    for (size_t g = 0; g < query.size(); g += kGroup) {
      const size_t n = std::min(kGroup, query.size() - g);
      const uint64_t* hash = query.data() + g;
      for (size_t i = 0; i < n; ++i) {
        const uint64_t mixed = Mix64(hash[i]);
        word[i] = filter + (mixed >> run.filter_shift);
        bits[i] = FilterBits(mixed);
        __builtin_prefetch(word[i]);
      }
      for (size_t i = 0; i < n; ++i) {
        if ((*word[i] & bits[i]) != bits[i]) {
          bits[i] = 0;
          continue;
        }
        __builtin_prefetch(view.directory + (hash[i] >> view.shift));
      }
      for (size_t i = 0; i < n; ++i) {
        out[(g + i) * stride] =
            bits[i] == 0 ? absl::Span<const DocId>() : view.Find(hash[i]);
      }
    }
  }

  // Merges every run into one with no removed postings; its postings,
  // sorted by (hash, DocId).
  void MergeAll() {
    while (runs_.size() >= 2) MergeNewest();
    if (!runs_.empty() && runs_.back().removed > 0) {
      size_t kept = 0;
      for (size_t i = 0; i < size(); ++i) {
        if (docs_[i] == kRemoved) continue;
        hashes_[kept] = hashes_[i];
        docs_[kept] = docs_[i];
        ++kept;
      }
      hashes_.resize(kept);
      docs_.resize(kept);
      runs_.back().removed = 0;
    }
  }
  absl::Span<const uint64_t> hashes() const { return hashes_; }
  absl::Span<const DocId> docs() const { return docs_; }

  // Drops every run. `keep_room` keeps the arrays' memory for the runs to
  // come (Add() packs again when they have grown by about as much).
  void Clear(bool keep_room) {
    runs_.clear();
    dirs_.clear();
    filters_.clear();
    if (keep_room) {
      hashes_.clear();
      docs_.clear();
    } else {
      hashes_.release();
      docs_.release();
      dirs_.release();
      filters_.release();
      runs_.shrink_to_fit();
    }
  }
  void ReleaseScratch() {
    scratch_hashes_.release();
    scratch_docs_.release();
  }

  // The hashes holding a posting not removed, sorted, each once.
  std::vector<uint64_t> LiveHashes() const {
    std::vector<uint64_t> live;
    for (size_t i = 0; i < size(); ++i) {
      if (docs_[i] != kRemoved) live.push_back(hashes_[i]);
    }
    std::sort(live.begin(), live.end());
    live.erase(std::unique(live.begin(), live.end()), live.end());
    return live;
  }

  size_t MemoryBytes() const {
    return (hashes_.capacity() + scratch_hashes_.capacity()) *
               sizeof(uint64_t) +
           (docs_.capacity() + scratch_docs_.capacity()) * sizeof(DocId) +
           dirs_.capacity() * sizeof(uint32_t) +
           (filters_.capacity() + sorted_.capacity()) * sizeof(uint64_t) +
           runs_.capacity() * sizeof(Run);
  }

 private:
  struct Run {
    size_t begin;         // first posting, in hashes_ and docs_
    size_t dir_begin;     // first directory entry, in dirs_
    int shift;            // 64 - the directory's bits
    size_t filter_begin;  // first filter word, in filters_
    int filter_shift;     // 64 - the bits of the filter's word index
    DocId first_doc;      // the DocId of its first document
    uint32_t removed;     // postings marked kRemoved
  };

  size_t RunEnd(size_t r) const {
    return r + 1 < runs_.size() ? runs_[r + 1].begin : size();
  }
  size_t RunSize(size_t r) const { return RunEnd(r) - runs_[r].begin; }

  SortedView<uint32_t> View(size_t r) const {
    const Run& run = runs_[r];
    return {hashes_.data() + run.begin, docs_.data() + run.begin,
            dirs_.data() + run.dir_begin, run.shift};
  }

  // A blocked Bloom filter: one 64-bit word a hash (picked by the top bits
  // of its mix), three bits in it (from the low bits). Winnowed hashes
  // crowd the low values, hence the mix. With a word for every 4 to 8
  // postings, 1 to 5% of the hashes a run lacks get through.
  static uint64_t FilterBits(uint64_t mixed) {
    return uint64_t{1} << (mixed & 63) | uint64_t{1} << (mixed >> 6 & 63) |
           uint64_t{1} << (mixed >> 12 & 63);
  }
  bool MayHold(size_t r, uint64_t mixed) const {
    const Run& run = runs_[r];
    const uint64_t bits = FilterBits(mixed);
    return (filters_[run.filter_begin + (mixed >> run.filter_shift)] & bits) ==
           bits;
  }

  // Appends the directory of `run`, the newest, to dirs_ (offsets from the
  // run's first posting: Add() packs before a run reaches 2^32 postings),
  // and its filter to filters_.
  void BuildIndex(Run& run) {
    const size_t n = size() - run.begin;
    const int bits = DirectoryBits(n);
    run.shift = 64 - bits;
    run.filter_shift = 64 - bits;
    run.dir_begin = dirs_.size();
    run.filter_begin = filters_.size();
    dirs_.resize(run.dir_begin + (size_t{1} << bits) + 1);
    filters_.resize(run.filter_begin + (size_t{1} << bits));
    uint32_t* dir = dirs_.data() + run.dir_begin;
    uint64_t* filter = filters_.data() + run.filter_begin;
    const uint64_t* h = hashes_.data() + run.begin;
    for (size_t i = 0; i < n; ++i) {
      ++dir[(h[i] >> run.shift) + 1];
      const uint64_t mixed = Mix64(h[i]);
      filter[mixed >> run.filter_shift] |= FilterBits(mixed);
    }
    for (size_t t = 1; t <= (size_t{1} << bits); ++t) dir[t] += dir[t - 1];
  }

  // Merges the newest run into the one before, dropping removed postings.
  // The older run is copied aside (under the merge rule, less than twice
  // the newer: under two thirds of the two) and the two merged front to
  // back in place: the write position never passes the newer run's read
  // position.
  void MergeNewest() {
    const size_t older = runs_.size() - 2;
    const size_t a0 = runs_[older].begin, a1 = runs_.back().begin;
    const size_t end = size();
    const size_t na = a1 - a0;
    scratch_hashes_.clear();
    scratch_docs_.clear();
    scratch_hashes_.append(hashes_.data() + a0, na);
    scratch_docs_.append(docs_.data() + a0, na);
    const uint64_t* ah = scratch_hashes_.data();
    const DocId* ad = scratch_docs_.data();
    uint64_t* h = hashes_.data();
    DocId* d = docs_.data();
    size_t i = 0, j = a1, w = a0;
    // Branch-free: which run goes next is a coin toss on hashes.
    while (i < na && j < end) {
      const bool take_a = ah[i] <= h[j];
      const uint64_t hash = take_a ? ah[i] : h[j];
      const DocId doc = take_a ? ad[i] : d[j];
      h[w] = hash;
      d[w] = doc;
      w += doc != kRemoved;
      i += take_a;
      j += !take_a;
    }
    for (; i < na; ++i) {
      h[w] = ah[i];
      d[w] = ad[i];
      w += ad[i] != kRemoved;
    }
    for (; j < end; ++j) {
      h[w] = h[j];
      d[w] = d[j];
      w += d[j] != kRemoved;
    }
    hashes_.resize(w);
    docs_.resize(w);
    dirs_.resize(runs_[older].dir_begin);
    filters_.resize(runs_[older].filter_begin);
    runs_.pop_back();
    if (w == a0) {
      runs_.pop_back();
      return;
    }
    runs_.back().removed = 0;
    BuildIndex(runs_.back());
  }

  GrowableArray<uint64_t> hashes_;
  GrowableArray<DocId> docs_;
  GrowableArray<uint32_t> dirs_;
  GrowableArray<uint64_t> filters_;
  std::vector<Run> runs_;
  // Reused between calls: the older run of a merge, a document's hashes.
  GrowableArray<uint64_t> scratch_hashes_;
  GrowableArray<DocId> scratch_docs_;
  std::vector<uint64_t> sorted_;
};

}  // namespace internal

namespace {

using internal::kRemoved;
using internal::PackedPostings;
using internal::RecentRuns;

// Recent postings are packed once they reach this many, or an eighth of
// the packed ones if more.
constexpr size_t kMinPack = size_t{1} << 16;
// ... and before the runs reach this many, removed ones included, so that
// a run's directory offsets fit in 32 bits.
constexpr size_t kMaxRecent = size_t{1} << 31;

// Holders in `run` (sorted, removed ones at the end) below `doc`, and in
// all.
uint32_t Before(absl::Span<const DocId> run, DocId doc) {
  return static_cast<uint32_t>(std::lower_bound(run.begin(), run.end(), doc) -
                               run.begin());
}
uint32_t Live(absl::Span<const DocId> run) { return Before(run, kRemoved); }

}  // namespace

absl::Status FingerprintIndex::Options::Validate() const {
  if (max_postings < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "max_postings must be at least 2 (a fingerprint in one document "
        "proposes nothing), got %d",
        max_postings));
  }
  if (min_shared < 1) {
    return absl::InvalidArgumentError("min_shared must be at least 1");
  }
  return absl::OkStatus();
}

FingerprintIndex::FingerprintIndex(const Options& options)
    : options_(options),
      packed_(std::make_unique<PackedPostings>()),
      recent_(std::make_unique<RecentRuns>()) {}
FingerprintIndex::FingerprintIndex(FingerprintIndex&&) noexcept = default;
FingerprintIndex& FingerprintIndex::operator=(FingerprintIndex&&) noexcept =
    default;
FingerprintIndex::~FingerprintIndex() = default;

absl::StatusOr<FingerprintIndex> FingerprintIndex::Create(
    const Options& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return FingerprintIndex(options);
}

template <typename F>
void FingerprintIndex::ForEachHolders(uint64_t hash, F&& f) const {
  const absl::Span<const DocId> packed = packed_->Find(hash);
  if (!packed.empty() && f(packed)) return;
  recent_->ForEach(hash, f);
}

absl::Status FingerprintIndex::Add(DocId doc,
                                   absl::Span<const Fingerprint> fingerprints) {
  if (doc < next_doc_ || doc == kRemoved) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "fingerprint index: document %d added after document %d; DocIds "
        "must increase",
        doc, next_doc_ - 1));
  }
  next_doc_ = doc + 1;
  const size_t added = recent_->Add(doc, fingerprints);
  num_postings_ += added;
  recent_postings_ += added;
  if (recent_postings_ >= std::max(kMinPack, packed_->size() / 8) ||
      recent_->size() >= kMaxRecent) {
    Pack(/*keep_room=*/true);
  }
  return absl::OkStatus();
}

void FingerprintIndex::Remove(DocId doc,
                              absl::Span<const Fingerprint> fingerprints) {
  // A document's postings are all recent or all packed (Add() packs after
  // the whole document), and the recent ones are the later.
  const bool recent = recent_->Covers(doc);
  for (const Fingerprint& f : fingerprints) {
    if (recent) {
      if (recent_->Remove(f.hash(), doc)) {
        --num_postings_;
        --recent_postings_;
      }
    } else if (packed_->Remove(f.hash(), doc)) {
      --num_postings_;
    }
  }
}

void FingerprintIndex::Pack() { Pack(/*keep_room=*/false); }

void FingerprintIndex::Pack(bool keep_room) {
  if (recent_->size() == 0 && packed_->removed() == 0) return;
  recent_->MergeAll();
  // The merges' memory goes before the table grows.
  recent_->ReleaseScratch();
  packed_->Merge(recent_->hashes(), recent_->docs());
  recent_->Clear(keep_room);
  recent_postings_ = 0;
}

uint32_t FingerprintIndex::DocFrequency(uint64_t hash, DocId as_of) const {
  uint32_t n = 0;
  ForEachHolders(hash, [&](absl::Span<const DocId> run) {
    n += Before(run, as_of);
    return false;
  });
  return n;
}

void FingerprintIndex::AppendHolders(uint64_t hash, DocId as_of,
                                     std::vector<DocId>& out) const {
  ForEachHolders(hash, [&](absl::Span<const DocId> run) {
    out.insert(out.end(), run.begin(), run.begin() + Before(run, as_of));
    return false;
  });
}

uint32_t FingerprintIndex::DistinctGroups(uint64_t hash, DocId as_of,
                                         absl::Span<const uint32_t> group_of,
                                         uint32_t limit) const {
  if (limit == 0) return 0;
  absl::flat_hash_set<uint32_t> seen;
  ForEachHolders(hash, [&](absl::Span<const DocId> run) {
    return AddGroups(run, as_of, group_of, limit, seen);
  });
  return static_cast<uint32_t>(seen.size());
}

bool FingerprintIndex::AddGroups(absl::Span<const DocId> holders, DocId as_of,
                                 absl::Span<const uint32_t> group_of,
                                 uint32_t limit,
                                 absl::flat_hash_set<uint32_t>& seen) {
  for (DocId d : holders.first(Before(holders, as_of))) {
    if (seen.insert(group_of[d]).second && seen.size() >= limit) return true;
  }
  return seen.size() >= limit;
}

std::vector<uint64_t> FingerprintIndex::DistinctHashes(
    absl::Span<const Fingerprint> fingerprints) {
  std::vector<uint64_t> hashes;
  hashes.reserve(fingerprints.size());
  for (const Fingerprint& f : fingerprints) hashes.push_back(f.hash());
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

std::vector<CopyCandidate> FingerprintIndex::Candidates(
    absl::Span<const Fingerprint> fingerprints, DocId as_of,
    uint32_t below) const {
  const std::vector<uint64_t> hashes = DistinctHashes(fingerprints);

  // The holders of hash i in the packed table, then in each run, at
  // found[i * stride + s]. Every holder once per shared hash, then counted
  // by sorting: cheaper than a hash map from DocId to count, whose probes
  // miss the cache.
  const size_t stride = 1 + recent_->num_runs();
  std::vector<absl::Span<const DocId>> found(hashes.size() * stride);
  packed_->FindAll(hashes, found.data(), stride);
  for (size_t r = 0; r + 1 < stride; ++r) {
    recent_->FindAll(r, hashes, found.data() + 1 + r, stride);
  }
  std::vector<DocId> holders;
  for (size_t i = 0; i < hashes.size(); ++i) {
    const absl::Span<const absl::Span<const DocId>> runs =
        absl::MakeConstSpan(found).subspan(i * stride, stride);
    uint64_t before = 0, live = 0;
    for (absl::Span<const DocId> run : runs) {
      before += Before(run, as_of);
      live += Live(run);
    }
    if (!options_.Proposes(before, live, below)) continue;
    for (absl::Span<const DocId> run : runs) {
      holders.insert(holders.end(), run.begin(),
                     run.begin() + Before(run, as_of));
    }
  }
  return CountCandidates(holders, options_.min_shared);
}

std::vector<CopyCandidate> FingerprintIndex::CountCandidates(
    std::vector<DocId>& holders, uint32_t min_shared) {
  std::sort(holders.begin(), holders.end());
  std::vector<CopyCandidate> out;
  for (size_t i = 0; i < holders.size();) {
    size_t j = i + 1;
    while (j < holders.size() && holders[j] == holders[i]) ++j;
    const auto n = static_cast<uint32_t>(j - i);
    if (n >= min_shared) out.push_back({holders[i], n});
    i = j;
  }
  std::sort(out.begin(), out.end(),
            [](const CopyCandidate& a, const CopyCandidate& b) {
              return a.shared != b.shared ? a.shared > b.shared : a.doc < b.doc;
            });
  return out;
}

size_t FingerprintIndex::num_fingerprints() const {
  // Hashes with a live recent posting, then the packed table's: a hash is
  // counted at the first posting of its packed run if that is live
  // (removed ones are at the end) or the hash has live recent holders,
  // and once among the recent ones if it has no packed run.
  const std::vector<uint64_t> recent = recent_->LiveHashes();
  size_t n = 0;
  const absl::Span<const uint64_t> hashes = packed_->hashes();
  const absl::Span<const DocId> docs = packed_->docs();
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (i > 0 && hashes[i - 1] == hashes[i]) continue;
    if (docs[i] != kRemoved ||
        std::binary_search(recent.begin(), recent.end(), hashes[i])) {
      ++n;
    }
  }
  for (uint64_t hash : recent) {
    if (packed_->Find(hash).empty()) ++n;
  }
  return n;
}

size_t FingerprintIndex::num_packed_postings() const {
  return packed_->size() - packed_->removed();
}

size_t FingerprintIndex::MemoryBytes() const {
  return packed_->MemoryBytes() + recent_->MemoryBytes();
}

}  // namespace mimeo
