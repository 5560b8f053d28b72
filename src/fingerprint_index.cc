#include "mimeo/fingerprint_index.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"

namespace mimeo {

namespace {

// The first posting of `list` (sorted by DocId) with a DocId >= doc.
template <typename List>
auto FirstFrom(const List& list, DocId doc) {
  return std::lower_bound(list.begin(), list.end(), doc,
                          [](const auto& x, DocId d) { return x.doc < d; });
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

absl::StatusOr<FingerprintIndex> FingerprintIndex::Create(
    const Options& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return FingerprintIndex(options);
}

absl::Status FingerprintIndex::Add(DocId doc,
                                   absl::Span<const Fingerprint> fingerprints) {
  if (doc < next_doc_) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "fingerprint index: document %d added after document %d; DocIds "
        "must increase",
        doc, next_doc_ - 1));
  }
  next_doc_ = doc + 1;
  for (const Fingerprint& f : fingerprints) {
    List& list = postings_[f.hash];
    if (!list.empty() && list.back().doc == doc) continue;  // repeated hash
    list.push_back({doc, f.position});
    ++num_postings_;
  }
  return absl::OkStatus();
}

void FingerprintIndex::Remove(DocId doc,
                              absl::Span<const Fingerprint> fingerprints) {
  for (const Fingerprint& f : fingerprints) {
    auto it = postings_.find(f.hash);
    if (it == postings_.end()) continue;
    List& list = it->second;
    auto p = FirstFrom(list, doc);
    if (p == list.end() || p->doc != doc) continue;
    list.erase(p);
    --num_postings_;
    if (list.empty()) postings_.erase(it);
  }
}

uint32_t FingerprintIndex::DocFrequency(uint64_t hash, DocId as_of) const {
  auto it = postings_.find(hash);
  if (it == postings_.end()) return 0;
  const List& list = it->second;
  return static_cast<uint32_t>(FirstFrom(list, as_of) - list.begin());
}

uint32_t FingerprintIndex::DistinctGroups(uint64_t hash, DocId as_of,
                                         absl::Span<const uint32_t> group_of,
                                         uint32_t limit) const {
  auto it = postings_.find(hash);
  if (it == postings_.end() || limit == 0) return 0;
  const List& list = it->second;
  absl::flat_hash_set<uint32_t> seen;
  for (auto p = list.begin(); p != FirstFrom(list, as_of); ++p) {
    if (seen.insert(group_of[p->doc]).second && seen.size() >= limit) break;
  }
  return static_cast<uint32_t>(seen.size());
}

std::vector<CopyCandidate> FingerprintIndex::Candidates(
    absl::Span<const Fingerprint> fingerprints, DocId as_of,
    uint32_t below) const {
  // Distinct hashes only: a phrase repeated in the asking document counts
  // once.
  std::vector<uint64_t> hashes;
  hashes.reserve(fingerprints.size());
  for (const Fingerprint& f : fingerprints) hashes.push_back(f.hash);
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());

  // Every holder once per shared hash, then counted by sorting: cheaper
  // than a hash map from DocId to count, whose probes miss the cache.
  std::vector<DocId> holders;
  for (uint64_t h : hashes) {
    auto it = postings_.find(h);
    if (it == postings_.end()) continue;
    const List& list = it->second;
    const auto end = FirstFrom(list, as_of);
    const auto before = static_cast<uint32_t>(end - list.begin());
    if (before == 0 || before + 1 >= options_.max_postings ||
        list.size() >= below) {
      continue;
    }
    for (auto p = list.begin(); p != end; ++p) holders.push_back(p->doc);
  }
  std::sort(holders.begin(), holders.end());
  std::vector<CopyCandidate> out;
  for (size_t i = 0; i < holders.size();) {
    size_t j = i + 1;
    while (j < holders.size() && holders[j] == holders[i]) ++j;
    const auto n = static_cast<uint32_t>(j - i);
    if (n >= options_.min_shared) out.push_back({holders[i], n});
    i = j;
  }
  std::sort(out.begin(), out.end(),
            [](const CopyCandidate& a, const CopyCandidate& b) {
              return a.shared != b.shared ? a.shared > b.shared : a.doc < b.doc;
            });
  return out;
}

size_t FingerprintIndex::MemoryBytes() const {
  size_t bytes = postings_.capacity() * (sizeof(uint64_t) + sizeof(List) + 1);
  for (const auto& [h, list] : postings_) {
    if (list.size() > 1) bytes += list.capacity() * sizeof(Posting);
  }
  return bytes;
}

}  // namespace mimeo
