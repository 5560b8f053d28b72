#include "internal/band_levels.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_format.h"
#include "internal/bucket_sort.h"

namespace mimeo::internal {
namespace {

constexpr size_t kArrayHeader = 8;
constexpr uint32_t kMaxRadixBits = 24;

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void Store(char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

uint32_t Tier(uint64_t docs) {
  uint32_t t = 0;
  while (docs >= kLevelFanout) {
    docs /= kLevelFanout;
    ++t;
  }
  return t;
}

uint64_t BucketOf(uint64_t key, uint32_t r) {
  return r == 0 ? 0 : key >> (64 - r);
}

}  // namespace

std::string EncodeLevels(absl::Span<const BandLevel> levels) {
  std::string out(4 + levels.size() * 20, '\0');
  Store(out.data(), static_cast<uint32_t>(levels.size()));
  char* p = out.data() + 4;
  for (const BandLevel& l : levels) {
    Store(p, l.id);
    Store(p + 4, l.first);
    Store(p + 8, l.end);
    Store(p + 12, l.docs);
    p += 20;
  }
  return out;
}

bool DecodeLevels(std::string_view bytes, std::vector<BandLevel>& levels) {
  levels.clear();
  if (bytes.size() < 4) return false;
  const uint32_t n = Load<uint32_t>(bytes.data());
  if (bytes.size() != 4 + size_t{n} * 20) return false;
  const char* p = bytes.data() + 4;
  for (uint32_t i = 0; i < n; ++i, p += 20) {
    BandLevel l;
    l.id = Load<uint32_t>(p);
    l.first = Load<uint32_t>(p + 4);
    l.end = Load<uint32_t>(p + 8);
    l.docs = Load<uint64_t>(p + 12);
    if (l.first >= l.end || l.docs == 0 || l.docs > l.end - l.first) {
      return false;
    }
    if (!levels.empty() && l.first < levels.back().end) return false;
    for (const BandLevel& o : levels) {
      if (o.id == l.id) return false;
    }
    levels.push_back(l);
  }
  return true;
}

size_t LevelsToMerge(absl::Span<const BandLevel> levels) {
  if (levels.empty()) return 0;
  const uint32_t tier = Tier(levels.back().docs);
  size_t k = 0;
  // Smaller tiers count too: a level of a smaller tier between levels of
  // the newest one's (adds of 1 document between adds of 8) must not stop
  // them from ever merging.
  while (k < levels.size() &&
         Tier(levels[levels.size() - 1 - k].docs) <= tier) {
    ++k;
  }
  return k >= kLevelFanout ? k : 0;
}

void SortBandEntries(std::vector<BandEntry>& entries) {
  std::vector<BandEntry> scratch;
  std::vector<uint32_t> start;
  SortByUniformKey(entries, scratch, start,
                   [](const BandEntry& e) { return e.key; });
}

uint32_t BandRadixBits(uint64_t n) {
  uint32_t r = 0;
  while (r < kMaxRadixBits && (n >> (r + 3)) > 1) ++r;
  return r;
}

size_t BandArrayBytes(uint64_t n) {
  return kArrayHeader + ((size_t{1} << BandRadixBits(n)) + 1) * 4 +
         n * kBandEntryBytes;
}

BandArrayWriter::BandArrayWriter(char* out, uint64_t n)
    : out_(out), n_(n), r_(BandRadixBits(n)) {
  Store(out_, static_cast<uint32_t>(n));
  Store(out_ + 4, r_);
}

void BandArrayWriter::Add(const BandEntry& e) {
  if (added_ >= n_) {
    ++added_;
    return;
  }
  char* const offsets = out_ + kArrayHeader;
  const uint64_t b = BucketOf(e.key, r_);
  for (; next_bucket_ <= b; ++next_bucket_) {
    Store(offsets + next_bucket_ * 4, static_cast<uint32_t>(added_));
  }
  char* const p =
      offsets + ((size_t{1} << r_) + 1) * 4 + added_ * kBandEntryBytes;
  Store(p, e.key);
  Store(p + 8, e.doc);
  ++added_;
}

bool BandArrayWriter::Finish() {
  char* const offsets = out_ + kArrayHeader;
  for (; next_bucket_ <= (uint64_t{1} << r_); ++next_bucket_) {
    Store(offsets + next_bucket_ * 4, static_cast<uint32_t>(added_));
  }
  return added_ == n_;
}

bool BandArray::Parse(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  if (size < kArrayHeader) return false;
  n_ = Load<uint32_t>(p);
  r_ = Load<uint32_t>(p + 4);
  if (r_ != BandRadixBits(n_) || size != BandArrayBytes(n_)) return false;
  offsets_ = p + kArrayHeader;
  entries_ = offsets_ + ((size_t{1} << r_) + 1) * 4;
  return true;
}

uint32_t BandArray::offset(uint64_t b) const {
  return Load<uint32_t>(offsets_ + b * 4);
}

BandEntry BandArray::entry(uint64_t i) const {
  const char* p = entries_ + i * kBandEntryBytes;
  return BandEntry{Load<uint64_t>(p), Load<uint32_t>(p + 8)};
}

void BandArray::PrefetchOffsets(uint64_t key) const {
  if (n_ != 0) __builtin_prefetch(offsets_ + BucketOf(key, r_) * 4);
}

bool BandArray::Bucket(uint64_t key, uint32_t& lo, uint32_t& hi) const {
  lo = hi = 0;
  if (n_ == 0) return true;
  const uint64_t b = BucketOf(key, r_);
  lo = offset(b);
  hi = offset(b + 1);
  if (lo > hi || hi > n_) return false;
  if (lo < hi) __builtin_prefetch(entries_ + uint64_t{lo} * kBandEntryBytes);
  return true;
}

void BandArray::Scan(uint64_t key, uint32_t lo, uint32_t hi,
                     std::vector<DocId>& out) const {
  // About 8 entries a bucket: a scan, not a search. Hashes of winnowed
  // fingerprints crowd the low buckets (the smallest of each window is
  // kept): there, a search first, keeping the first entry not below
  // `key` in [lo, mid_hi].
  for (uint32_t mid_hi = hi; mid_hi - lo > 16;) {
    const uint32_t mid = lo + (mid_hi - lo) / 2;
    if (Load<uint64_t>(entries_ + uint64_t{mid} * kBandEntryBytes) < key) {
      lo = mid + 1;
    } else {
      mid_hi = mid;
    }
  }
  for (uint64_t i = lo; i < hi; ++i) {
    const char* p = entries_ + i * kBandEntryBytes;
    const uint64_t k = Load<uint64_t>(p);
    if (k < key) continue;
    if (k > key) break;
    out.push_back(Load<uint32_t>(p + 8));
  }
}

bool BandArray::Find(uint64_t key, std::vector<DocId>& out) const {
  uint32_t lo, hi;
  if (!Bucket(key, lo, hi)) return false;
  Scan(key, lo, hi, out);
  return true;
}

std::string BandArray::Verify() const {
  const uint64_t buckets = uint64_t{1} << r_;
  if (offset(0) != 0 || offset(buckets) != n_) {
    return "its radix offsets do not span its entries";
  }
  for (uint64_t b = 0; b < buckets; ++b) {
    const uint64_t lo = offset(b), hi = offset(b + 1);
    if (lo > hi || hi > n_) {
      return absl::StrFormat("radix offset %d is out of order", b + 1);
    }
    for (uint64_t i = lo; i < hi; ++i) {
      const BandEntry e = entry(i);
      if (BucketOf(e.key, r_) != b) {
        return absl::StrFormat("entry %d is in radix bucket %d, not its own", i,
                               b);
      }
      if (i > 0 && !(entry(i - 1) < e)) {
        return absl::StrFormat("entry %d is out of order", i);
      }
    }
  }
  return "";
}

uint64_t FingerprintFilterWords(uint64_t n) {
  // At least one word, so that an empty shard's filter holds nothing.
  return std::max<uint64_t>(1, (n * kFilterBitsPerEntry + 63) / 64);
}

size_t FilteredShardBytes(uint64_t n) {
  return 8 + FingerprintFilterWords(n) * 8 + BandArrayBytes(n);
}

FilteredShardWriter::FilteredShardWriter(char* out, uint64_t n)
    : words_(out + 8),
      n_words_(FingerprintFilterWords(n)),
      array_(out + 8 + FingerprintFilterWords(n) * 8, n) {
  Store(out, static_cast<uint32_t>(n_words_));
  Store(out + 4, uint32_t{0});
  // LMDB does not zero a reserved value.
  std::memset(words_, 0, n_words_ * 8);
}

void FilteredShardWriter::Add(const BandEntry& e) {
  array_.Add(e);
  const uint64_t x = FingerprintFilter::Mix(e.key);
  char* const w = words_ + FingerprintFilter::WordOf(x, n_words_) * 8;
  Store(w, Load<uint64_t>(w) | FingerprintFilter::Mask(x));
}

bool FilteredShardWriter::Finish() { return array_.Finish(); }

bool ParseFilteredShard(const void* data, size_t size, BandArray& array,
                        FingerprintFilter& filter) {
  const char* p = static_cast<const char*>(data);
  if (size < 8) return false;
  const uint64_t words = Load<uint32_t>(p);
  if (Load<uint32_t>(p + 4) != 0 || size < 8 + words * 8) return false;
  if (!array.Parse(p + 8 + words * 8, size - 8 - words * 8) ||
      words != FingerprintFilterWords(array.size())) {
    return false;
  }
  filter = FingerprintFilter(p + 8, words);
  return true;
}

std::string VerifyFilter(const BandArray& array,
                         const FingerprintFilter& filter) {
  std::vector<uint64_t> want(filter.words(), 0);
  for (uint64_t i = 0; i < array.size(); ++i) {
    const uint64_t x = FingerprintFilter::Mix(array.entry(i).key);
    want[FingerprintFilter::WordOf(x, want.size())] |=
        FingerprintFilter::Mask(x);
  }
  for (uint64_t w = 0; w < want.size(); ++w) {
    uint64_t got;
    std::memcpy(&got, filter.data() + w * 8, 8);
    if (got != want[w]) {
      return absl::StrFormat(
          "its filter's word %d is not the one its entries make", w);
    }
  }
  return "";
}

}  // namespace mimeo::internal
