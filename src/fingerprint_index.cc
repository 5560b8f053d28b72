#include "mimeo/fingerprint_index.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "internal/growable_array.h"

namespace mimeo {

namespace internal {

// Every packed posting, sorted by (hash, DocId), as two parallel arrays
// (12 bytes a posting, where an array of structs would pad to 16), and a
// directory: the postings of hashes whose top `bits` bits are t lie in
// [directory[t], directory[t + 1]). About 8 postings a bucket, so the
// directory costs a byte a posting and a lookup reads one bucket.
class PackedPostings {
 public:
  // A removed posting, left at the end of its hash's run (DocIds are below
  // it, so the run stays sorted and lower_bound(as_of) never counts it).
  static constexpr DocId kRemoved = UINT32_MAX;

  size_t size() const { return hashes_.size(); }
  size_t removed() const { return removed_; }

  // The DocIds holding `hash`, removed ones at the end.
  absl::Span<const DocId> Find(uint64_t hash) const {
    if (hashes_.empty()) return {};
    const uint64_t t = hash >> shift_;
    const uint64_t* begin = hashes_.data() + directory_[t];
    const uint64_t* end = hashes_.data() + directory_[t + 1];
    const uint64_t* lo = std::lower_bound(begin, end, hash);
    if (lo == end || *lo != hash) return {};
    const uint64_t* hi = std::upper_bound(lo, end, hash);
    return absl::MakeConstSpan(docs_.data() + (lo - hashes_.data()),
                               static_cast<size_t>(hi - lo));
  }

  // Find() of every hash of `hashes` into `out` (of the same size). In a
  // table much larger than the caches each lookup is a chain of misses
  // (the directory, then the bucket, then the DocIds); a group's lookups
  // fetch each link ahead for the whole group, so that their misses
  // overlap instead of following each other.
  void FindAll(absl::Span<const uint64_t> hashes,
               absl::Span<absl::Span<const DocId>> out) const {
    if (hashes_.empty()) {
      std::fill(out.begin(), out.end(), absl::Span<const DocId>());
      return;
    }
    constexpr size_t kGroup = 16;
    uint64_t begin[kGroup], end[kGroup];
    for (size_t g = 0; g < hashes.size(); g += kGroup) {
      const size_t n = std::min(kGroup, hashes.size() - g);
      const uint64_t* hash = hashes.data() + g;
      for (size_t i = 0; i < n; ++i) {
        __builtin_prefetch(directory_.data() + (hash[i] >> shift_));
      }
      for (size_t i = 0; i < n; ++i) {
        const uint64_t t = hash[i] >> shift_;
        begin[i] = directory_[t];
        end[i] = directory_[t + 1];
        __builtin_prefetch(hashes_.data() + begin[i]);
      }
      for (size_t i = 0; i < n; ++i) {
        const uint64_t* first = hashes_.data() + begin[i];
        const uint64_t* last = hashes_.data() + end[i];
        const uint64_t* lo = std::lower_bound(first, last, hash[i]);
        if (lo == last || *lo != hash[i]) {
          out[g + i] = {};
          continue;
        }
        const uint64_t* hi = std::upper_bound(lo, last, hash[i]);
        const DocId* docs = docs_.data() + (lo - hashes_.data());
        __builtin_prefetch(docs);
        out[g + i] = absl::MakeConstSpan(docs, static_cast<size_t>(hi - lo));
      }
    }
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

  // Drops removed postings and merges `fresh` (sorted by (hash, DocId),
  // every DocId above those packed under the same hash) in.
  void Merge(absl::Span<const std::pair<uint64_t, DocId>> fresh) {
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
    const size_t n = kept + fresh.size();
    hashes_.resize(n);
    docs_.resize(n);
    size_t i = kept, j = fresh.size(), k = n;
    while (j > 0) {
      --k;
      if (i > 0 && hashes_[i - 1] > fresh[j - 1].first) {
        --i;
        hashes_[k] = hashes_[i];
        docs_[k] = docs_[i];
      } else {
        --j;
        hashes_[k] = fresh[j].first;
        docs_[k] = fresh[j].second;
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
  void BuildDirectory() {
    const int bits = std::clamp<int>(std::bit_width(size() / 8), 1, 40);
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

}  // namespace internal

namespace {

using internal::PackedPostings;

// Recent postings are packed once they reach this many, or an eighth of
// the packed ones if more.
constexpr size_t kMinPack = size_t{1} << 16;

// Holders in `run` (sorted, removed ones at the end) below `doc`, and in
// all.
uint32_t Before(absl::Span<const DocId> run, DocId doc) {
  return static_cast<uint32_t>(std::lower_bound(run.begin(), run.end(), doc) -
                               run.begin());
}
uint32_t Live(absl::Span<const DocId> run) {
  return Before(run, PackedPostings::kRemoved);
}

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
    : options_(options), packed_(std::make_unique<PackedPostings>()) {}
FingerprintIndex::FingerprintIndex(FingerprintIndex&&) noexcept = default;
FingerprintIndex& FingerprintIndex::operator=(FingerprintIndex&&) noexcept =
    default;
FingerprintIndex::~FingerprintIndex() = default;

absl::StatusOr<FingerprintIndex> FingerprintIndex::Create(
    const Options& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return FingerprintIndex(options);
}

FingerprintIndex::Holders FingerprintIndex::Find(uint64_t hash) const {
  Holders h;
  h.packed = packed_->Find(hash);
  if (!recent_.empty()) {
    auto it = recent_.find(hash);
    if (it != recent_.end()) h.recent = absl::MakeConstSpan(it->second);
  }
  return h;
}

absl::Status FingerprintIndex::Add(DocId doc,
                                   absl::Span<const Fingerprint> fingerprints) {
  if (doc < next_doc_ || doc == PackedPostings::kRemoved) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "fingerprint index: document %d added after document %d; DocIds "
        "must increase",
        doc, next_doc_ - 1));
  }
  next_doc_ = doc + 1;
  for (const Fingerprint& f : fingerprints) {
    List& list = recent_[f.hash()];
    if (!list.empty() && list.back() == doc) continue;  // repeated hash
    list.push_back(doc);
    ++num_postings_;
    ++recent_postings_;
  }
  if (recent_postings_ >= std::max(kMinPack, packed_->size() / 8)) Pack();
  return absl::OkStatus();
}

void FingerprintIndex::Remove(DocId doc,
                              absl::Span<const Fingerprint> fingerprints) {
  for (const Fingerprint& f : fingerprints) {
    // A document's postings are all recent or all packed (Add() packs
    // after the whole document), and the recent ones are the later.
    auto it = recent_.find(f.hash());
    if (it != recent_.end()) {
      List& list = it->second;
      auto p = std::lower_bound(list.begin(), list.end(), doc);
      if (p != list.end() && *p == doc) {
        list.erase(p);
        --num_postings_;
        --recent_postings_;
        if (list.empty()) recent_.erase(it);
        continue;
      }
    }
    if (packed_->Remove(f.hash(), doc)) --num_postings_;
  }
}

void FingerprintIndex::Pack() {
  if (recent_postings_ == 0 && packed_->removed() == 0) return;
  std::vector<std::pair<uint64_t, DocId>> fresh;
  fresh.reserve(recent_postings_);
  for (const auto& [hash, list] : recent_) {
    for (DocId d : list) fresh.emplace_back(hash, d);
  }
  // The map's memory goes before the table grows.
  absl::flat_hash_map<uint64_t, List>().swap(recent_);
  recent_postings_ = 0;
  std::sort(fresh.begin(), fresh.end());
  packed_->Merge(fresh);
}

uint32_t FingerprintIndex::DocFrequency(uint64_t hash, DocId as_of) const {
  const Holders h = Find(hash);
  return Before(h.packed, as_of) + Before(h.recent, as_of);
}

void FingerprintIndex::AppendHolders(uint64_t hash, DocId as_of,
                                     std::vector<DocId>& out) const {
  const Holders h = Find(hash);
  for (absl::Span<const DocId> run : {h.packed, h.recent}) {
    out.insert(out.end(), run.begin(), run.begin() + Before(run, as_of));
  }
}

uint32_t FingerprintIndex::DistinctGroups(uint64_t hash, DocId as_of,
                                         absl::Span<const uint32_t> group_of,
                                         uint32_t limit) const {
  if (limit == 0) return 0;
  const Holders h = Find(hash);
  absl::flat_hash_set<uint32_t> seen;
  for (absl::Span<const DocId> run : {h.packed, h.recent}) {
    if (AddGroups(run, as_of, group_of, limit, seen)) break;
  }
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

  // Every holder once per shared hash, then counted by sorting: cheaper
  // than a hash map from DocId to count, whose probes miss the cache.
  std::vector<absl::Span<const DocId>> packed(hashes.size());
  packed_->FindAll(hashes, absl::MakeSpan(packed));
  std::vector<DocId> holders;
  for (size_t i = 0; i < hashes.size(); ++i) {
    Holders h;
    h.packed = packed[i];
    if (!recent_.empty()) {
      auto it = recent_.find(hashes[i]);
      if (it != recent_.end()) h.recent = absl::MakeConstSpan(it->second);
    }
    const uint32_t packed_before = Before(h.packed, as_of);
    const uint32_t recent_before = Before(h.recent, as_of);
    if (!options_.Proposes(packed_before + recent_before,
                  Live(h.packed) + h.recent.size(), below)) {
      continue;
    }
    holders.insert(holders.end(), h.packed.begin(),
                   h.packed.begin() + packed_before);
    holders.insert(holders.end(), h.recent.begin(),
                   h.recent.begin() + recent_before);
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
  size_t n = 0;
  const absl::Span<const uint64_t> hashes = packed_->hashes();
  const absl::Span<const DocId> docs = packed_->docs();
  for (size_t i = 0; i < hashes.size(); ++i) {
    // Counted at the first posting of a run, if it is live (removed ones
    // are at the end) or the hash has recent holders.
    if (i > 0 && hashes[i - 1] == hashes[i]) continue;
    if (docs[i] != PackedPostings::kRemoved || recent_.contains(hashes[i])) {
      ++n;
    }
  }
  for (const auto& [hash, list] : recent_) {
    if (packed_->Find(hash).empty()) ++n;
  }
  return n;
}

size_t FingerprintIndex::num_packed_postings() const {
  return packed_->size() - packed_->removed();
}

size_t FingerprintIndex::MemoryBytes() const {
  size_t bytes = packed_->MemoryBytes() +
                 recent_.capacity() * (sizeof(uint64_t) + sizeof(List) + 1);
  for (const auto& [h, list] : recent_) {
    if (list.size() > 4) bytes += list.capacity() * sizeof(DocId);
  }
  return bytes;
}

}  // namespace mimeo
