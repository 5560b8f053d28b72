#include "mimeo/lsh_index.h"

#include <algorithm>
#include <cassert>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "internal/bucket_sort.h"
#include "internal/buckets.h"
#include "internal/mix.h"
#include "oneapi/tbb/parallel_for.h"
// Band keys hash a few bytes each (4 at one row): inlined, XXH3 costs less
// than the call into the shared library. Same function, same keys.
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace mimeo {
namespace {

constexpr uint64_t kBandSeed = 0x6c73682d62616e64ULL;  // "lsh-band"

uint64_t KeyOf(absl::Span<const uint32_t> signature, uint32_t band,
               uint32_t rows) {
  return XXH3_64bits_withSeed(signature.data() + size_t{band} * rows,
                              rows * sizeof(uint32_t), kBandSeed + band);
}

// The band key of the all-pairs join, which keeps it only while it joins:
// with one or two rows, the rows' values themselves, mixed by a bijection
// (so that the bucket sort finds uniform top bits) instead of hashed.
// Equal keys are then exactly equal rows, as with XXH3 (whose 64-bit keys
// collide for other rows about never), and a join of 100k documents over
// 44 bands keys 4.4M bands in a few multiplies each, not an XXH3 call
// (a tenth of the join's time). More rows than fit in 64 bits: KeyOf().
uint64_t JoinKeyOf(absl::Span<const uint32_t> signature, uint32_t band,
                   uint32_t rows) {
  const uint32_t* v = signature.data() + size_t{band} * rows;
  if (rows == 1) return internal::Mix64(v[0]);
  if (rows == 2) return internal::Mix64(uint64_t{v[0]} << 32 | v[1]);
  return KeyOf(signature, band, rows);
}

// Turns (key, doc) records of one band, sorted, into pairs packed as
// a << 32 | b. Runs of equal keys are buckets.
void EmitBucketPairs(const std::vector<std::pair<uint64_t, DocId>>& records,
                     uint32_t large_bucket, std::vector<uint64_t>& out) {
  size_t i = 0;
  while (i < records.size()) {
    size_t j = i + 1;
    while (j < records.size() && records[j].first == records[i].first) ++j;
    const size_t m = j - i;
    if (m > large_bucket) {
      const uint64_t hub = records[i].second;  // smallest id: records sorted
      for (size_t x = i + 1; x < j; ++x) out.push_back(hub << 32 | records[x].second);
    } else {
      for (size_t x = i; x < j; ++x) {
        for (size_t y = x + 1; y < j; ++y) {
          out.push_back(uint64_t{records[x].second} << 32 | records[y].second);
        }
      }
    }
    i = j;
  }
}

// Folds the packed pairs of some bands (a << 32 | b, one per shared band,
// in any order; emptied) into `pairs` (sorted by (a, b), each with the
// number of bands it shares so far).
// Sorts packed pairs: a counting pass on the top bits of the values'
// range (the first document's id) into about as many buckets as values,
// then each bucket sorted on its own, short ones by insertion. Linear in
// the pairs where comparison sorting them was a tenth of the join.
void SortPacked(std::vector<uint64_t>& packed) {
  const size_t n = packed.size();
  if (n < 64 || n > UINT32_MAX) {
    std::sort(packed.begin(), packed.end());
    return;
  }
  uint64_t max = 0;
  for (uint64_t v : packed) max = std::max(max, v);
  int bits = 1;
  while ((size_t{1} << bits) < n && bits < 22) ++bits;
  int width = 1;
  while (width < 64 && (max >> width) != 0) ++width;
  const int shift = std::max(0, width - bits);
  const size_t buckets = static_cast<size_t>(max >> shift) + 1;
  std::vector<uint32_t> start(buckets + 1, 0);
  for (uint64_t v : packed) ++start[(v >> shift) + 1];
  for (size_t b = 0; b < buckets; ++b) start[b + 1] += start[b];
  std::vector<uint64_t> sorted(n);
  for (uint64_t v : packed) sorted[start[v >> shift]++] = v;
  // start[b] is now where bucket b ends.
  internal::SortEachBucket(sorted, absl::MakeConstSpan(start).first(buckets));
  packed.swap(sorted);
}

void FoldPairs(std::vector<uint64_t>& packed,
               std::vector<CandidatePair>& pairs) {
  SortPacked(packed);
  std::vector<CandidatePair> runs;  // the packed pairs, counted
  size_t distinct = 0;
  for (size_t i = 0; i < packed.size(); ++i) {
    distinct += i == 0 || packed[i] != packed[i - 1];
  }
  runs.reserve(distinct);
  for (size_t i = 0; i < packed.size();) {
    size_t j = i + 1;
    while (j < packed.size() && packed[j] == packed[i]) ++j;
    runs.push_back({static_cast<DocId>(packed[i] >> 32),
                    static_cast<DocId>(packed[i] & 0xFFFFFFFFu),
                    static_cast<uint32_t>(j - i)});
    i = j;
  }
  packed.clear();
  if (pairs.empty()) {
    pairs.swap(runs);
    return;
  }
  const auto before = [](const CandidatePair& x, const CandidatePair& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  };
  std::vector<CandidatePair> merged;
  merged.reserve(pairs.size() + runs.size());
  size_t i = 0, j = 0;
  while (i < pairs.size() || j < runs.size()) {
    if (j == runs.size() || (i < pairs.size() && before(pairs[i], runs[j]))) {
      merged.push_back(pairs[i++]);
    } else if (i == pairs.size() || before(runs[j], pairs[i])) {
      merged.push_back(runs[j++]);
    } else {
      merged.push_back(pairs[i++]);
      merged.back().bands += runs[j++].bands;
    }
  }
  pairs.swap(merged);
}

// Sorts one band's (key, doc) records, as std::sort would: linear time
// (internal/bucket_sort.h), where comparison sorting the records was most
// of the join. `scratch` and `start` are working space.
void SortRecords(std::vector<std::pair<uint64_t, DocId>>& records,
                 std::vector<std::pair<uint64_t, DocId>>& scratch,
                 std::vector<uint32_t>& start) {
  internal::SortByUniformKey(
      records, scratch, start,
      [](const std::pair<uint64_t, DocId>& r) { return r.first; });
}

// The pairs of an all-pairs join, band after band: pairs of finished
// bands are folded into the counted list whenever they outnumber it, so
// that memory follows the distinct pairs rather than one entry per shared
// band (a near-duplicate pair shares most of 32 bands).
class BandPairs {
 public:
  explicit BandPairs(uint32_t large_bucket) : large_bucket_(large_bucket) {}

  // One band's (key, doc) records, sorted.
  void Add(const std::vector<std::pair<uint64_t, DocId>>& records) {
    EmitBucketPairs(records, large_bucket_, packed_);
    if (packed_.size() >= std::max(pairs_.size(), kMinFold)) {
      FoldPairs(packed_, pairs_);
    }
  }

  std::vector<CandidatePair> Finish() && {
    FoldPairs(packed_, pairs_);
    return std::move(pairs_);
  }

 private:
  static constexpr size_t kMinFold = size_t{1} << 16;
  uint32_t large_bucket_;
  std::vector<CandidatePair> pairs_;
  std::vector<uint64_t> packed_;
};

// The all-pairs join of LshAllPairs: `key_of` gives the band key of the
// n-th record source, `doc_of` its DocId. Bands are keyed and sorted a few
// at a time in parallel, one per task, and their pairs emitted in band
// order.
template <typename KeyOf, typename DocOf>
std::vector<CandidatePair> JoinBands(size_t n, uint32_t bands,
                                     uint32_t large_bucket, KeyOf key_of,
                                     DocOf doc_of) {
  constexpr uint32_t kBandsAtOnce = 4;
  BandPairs pairs(large_bucket);
  struct BandRecords {
    std::vector<std::pair<uint64_t, DocId>> records, scratch;
    std::vector<uint32_t> start;
  };
  std::vector<BandRecords> at_once(std::min(bands, kBandsAtOnce));
  for (uint32_t band0 = 0; band0 < bands; band0 += kBandsAtOnce) {
    const uint32_t count = std::min(kBandsAtOnce, bands - band0);
    tbb::parallel_for(uint32_t{0}, count, [&](uint32_t t) {
      BandRecords& r = at_once[t];
      r.records.resize(n);
      for (size_t i = 0; i < n; ++i) {
        r.records[i] = {key_of(i, band0 + t), doc_of(i)};
      }
      SortRecords(r.records, r.scratch, r.start);
    });
    for (uint32_t t = 0; t < count; ++t) pairs.Add(at_once[t].records);
  }
  return std::move(pairs).Finish();
}

}  // namespace

absl::Status LshIndex::Options::Validate() const {
  if (num_perm < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("LSH num_perm must be positive, got %d", num_perm));
  }
  if (bands < 1 || rows < 1 ||
      static_cast<uint64_t>(bands) * rows > static_cast<uint64_t>(num_perm)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "LSH bands x rows must be at least 1 x 1 and at most num_perm = %d; "
        "got %d x %d",
        num_perm, bands, rows));
  }
  if (large_bucket < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "LSH large_bucket must be at least 2, got %d", large_bucket));
  }
  return absl::OkStatus();
}

absl::StatusOr<LshIndex> LshIndex::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return LshIndex(options);
}

LshIndex::LshIndex(const Options& options)
    : options_(options),
      buckets_(std::make_unique<internal::Buckets>(options.bands)) {}
LshIndex::LshIndex(LshIndex&&) noexcept = default;
LshIndex& LshIndex::operator=(LshIndex&&) noexcept = default;
LshIndex::~LshIndex() = default;

uint64_t LshIndex::BandKey(absl::Span<const uint32_t> signature,
                           uint32_t band) const {
  return KeyOf(signature, band, options_.rows);
}

uint64_t LshBandKey(absl::Span<const uint32_t> signature, uint32_t band,
                    uint32_t rows) {
  return KeyOf(signature, band, rows);
}

void LshRankHits(std::vector<DocId>& hits, LshQueryResult& result) {
  std::sort(hits.begin(), hits.end());
  for (size_t i = 0; i < hits.size();) {
    size_t j = i + 1;
    while (j < hits.size() && hits[j] == hits[i]) ++j;
    result.candidates.push_back({hits[i], static_cast<uint32_t>(j - i)});
    i = j;
  }
  std::stable_sort(result.candidates.begin(), result.candidates.end(),
                   [](const LshCandidate& a, const LshCandidate& b) {
                     return a.bands > b.bands;
                   });
}

absl::Status LshIndex::Add(DocId id, absl::Span<const uint32_t> signature) {
  return AddBatch(absl::MakeConstSpan(&id, 1), signature);
}

absl::Status LshIndex::AddBatch(absl::Span<const DocId> ids,
                                absl::Span<const uint32_t> signatures) {
  const size_t k = static_cast<size_t>(options_.num_perm);
  if (signatures.size() != ids.size() * k) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d signature values for %d documents; the index takes %d each",
        signatures.size(), ids.size(), k));
  }
  absl::flat_hash_set<DocId> batch;
  if (ids.size() > 1) batch.reserve(ids.size());
  for (DocId id : ids) {
    if (ids_.contains(id)) {
      return absl::AlreadyExistsError(
          absl::StrFormat("document %d is already in the LSH index", id));
    }
    if (ids.size() > 1 && !batch.insert(id).second) {
      return absl::AlreadyExistsError(
          absl::StrFormat("document %d is twice in the batch", id));
    }
  }
  ids_.insert(ids.begin(), ids.end());
  const uint32_t bands = options_.bands;
  // Each band is its own table with its own keys, so bands fill in
  // parallel.
  const auto file_band = [&](uint32_t band) {
    std::vector<uint64_t> keys(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      keys[i] = BandKey(signatures.subspan(i * k, k), band);
    }
    // Keys are random, so each insert into a large table would wait on
    // memory; loading the slot a few inserts ahead overlaps the waits.
    constexpr size_t kAhead = 8;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i + kAhead < ids.size()) buckets_->Prefetch(band, keys[i + kAhead]);
      buckets_->Insert(band, keys[i], ids[i]);
    }
  };
  // Below this many postings, starting tasks costs more than it saves.
  constexpr size_t kParallelPostings = 4096;
  if (ids.size() * bands < kParallelPostings) {
    for (uint32_t band = 0; band < bands; ++band) file_band(band);
  } else {
    tbb::parallel_for(uint32_t{0}, bands, file_band);
  }
  return absl::OkStatus();
}

void LshIndex::Reserve(size_t documents) {
  ids_.reserve(documents);
  tbb::parallel_for(uint32_t{0}, options_.bands, [&](uint32_t band) {
    buckets_->Reserve(band, documents);
  });
}

absl::Status LshIndex::Remove(DocId id, absl::Span<const uint32_t> signature) {
  if (signature.size() != static_cast<size_t>(options_.num_perm)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d signature values to remove document %d; the index takes %d",
        signature.size(), id, options_.num_perm));
  }
  if (!ids_.contains(id)) {
    return absl::NotFoundError(
        absl::StrFormat("document %d is not in the LSH index", id));
  }
  const uint32_t bands = options_.bands;
  // Checked whole before anything is removed, so that a wrong signature
  // leaves the index as it was.
  for (uint32_t band = 0; band < bands; ++band) {
    if (!buckets_->Contains(band, BandKey(signature, band), id)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "document %d was not filed in the LSH index with this signature "
          "(band %d differs)",
          id, band));
    }
  }
  for (uint32_t band = 0; band < bands; ++band) {
    buckets_->Erase(band, BandKey(signature, band), id);
  }
  ids_.erase(id);
  return absl::OkStatus();
}

LshQueryResult LshIndex::Query(absl::Span<const uint32_t> signature) const {
  assert(signature.size() == static_cast<size_t>(options_.num_perm));
  LshQueryResult result;
  std::vector<DocId> hits;
  for (uint32_t band = 0; band < options_.bands; ++band) {
    ++result.stats.bands_probed;
    const uint32_t bucket = buckets_->ForEach(
        band, BandKey(signature, band), [&](DocId doc) { hits.push_back(doc); });
    if (bucket == 0) continue;
    ++result.stats.buckets_hit;
    result.stats.postings_scanned += bucket;
    result.stats.largest_bucket = std::max(result.stats.largest_bucket, bucket);
  }
  LshRankHits(hits, result);
  return result;
}

std::vector<CandidatePair> LshIndex::AllPairs() const {
  // Each band's buckets are its runs of equal keys already: a run's
  // documents sorted by id make the records that sorting (key, doc) pairs
  // would, up to the order of the runs, which the fold does not see.
  BandPairs pairs(options_.large_bucket);
  std::vector<std::pair<uint64_t, DocId>> records;
  for (uint32_t band = 0; band < options_.bands; ++band) {
    records.clear();
    buckets_->ForEachBucket(band, [&](uint64_t key, std::vector<DocId>& docs) {
      if (docs.size() < 2) return;
      std::sort(docs.begin(), docs.end());
      for (DocId d : docs) records.push_back({key, d});
    });
    pairs.Add(records);
  }
  return std::move(pairs).Finish();
}

size_t LshIndex::MemoryBytes() const {
  return buckets_->MemoryBytes() +
         ids_.capacity() * (sizeof(DocId) + 1);
}

absl::StatusOr<std::vector<CandidatePair>> LshAllPairs(
    absl::Span<const uint32_t> signatures, const LshIndex::Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  const size_t k = static_cast<size_t>(options.num_perm);
  if (signatures.size() % k != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d signature values are not a whole number of signatures of %d",
        signatures.size(), k));
  }
  const size_t n = signatures.size() / k;
  if (n > size_t{0xFFFFFFFFu}) {
    return absl::InvalidArgumentError("more than 2^32 - 1 signatures");
  }
  return JoinBands(
      n, options.bands, options.large_bucket,
      [&](size_t i, uint32_t band) {
        return JoinKeyOf(signatures.subspan(i * k, k), band, options.rows);
      },
      [](size_t i) { return static_cast<DocId>(i); });
}

absl::StatusOr<std::vector<CandidatePair>> LshAllPairs(
    absl::Span<const uint32_t> signatures, absl::Span<const DocId> docs,
    const LshIndex::Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  const size_t k = static_cast<size_t>(options.num_perm);
  for (size_t i = 0; i < docs.size(); ++i) {
    if ((i > 0 && docs[i] <= docs[i - 1]) ||
        (size_t{docs[i]} + 1) * k > signatures.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "document list must ascend and stay within the %d signatures",
          signatures.size() / k));
    }
  }
  return JoinBands(
      docs.size(), options.bands, options.large_bucket,
      [&](size_t i, uint32_t band) {
        return JoinKeyOf(signatures.subspan(size_t{docs[i]} * k, k), band,
                         options.rows);
      },
      [&](size_t i) { return docs[i]; });
}

}  // namespace mimeo
