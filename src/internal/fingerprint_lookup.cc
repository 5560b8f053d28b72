#include "internal/fingerprint_lookup.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "internal/status_macros.h"

namespace mimeo::internal {
namespace {

// How many of `holders` (ascending DocIds) are below as_of.
uint32_t HoldersBefore(absl::Span<const DocId> holders, DocId as_of) {
  return static_cast<uint32_t>(
      std::lower_bound(holders.begin(), holders.end(), as_of) -
      holders.begin());
}

// The distinct sources of `holders` (ascending DocIds) below as_of, up
// to `limit`, read one holder at a time from a store that keeps no column
// of sources.
uint32_t SourcesOneByOne(absl::Span<const DocId> holders, DocId as_of,
                         const DocumentStore& store, uint32_t limit) {
  absl::flat_hash_set<uint32_t> seen;
  for (DocId d : holders.first(HoldersBefore(holders, as_of))) {
    if (seen.insert(store.source(d)).second && seen.size() >= limit) break;
  }
  return static_cast<uint32_t>(seen.size());
}

class InMemoryLookup final : public FingerprintLookup {
 public:
  explicit InMemoryLookup(FingerprintIndex index) : index_(std::move(index)) {}

  absl::Status Add(DocId doc,
                   absl::Span<const Fingerprint> fingerprints) override {
    return index_.Add(doc, fingerprints);
  }
  void Remove(DocId doc, absl::Span<const Fingerprint> fingerprints) override {
    index_.Remove(doc, fingerprints);
  }
  bool NeedsPacking() const override {
    return index_.num_recent_postings() > 0;
  }
  void Pack() override { index_.Pack(); }

  absl::StatusOr<std::vector<CopyCandidate>> Candidates(
      absl::Span<const Fingerprint> fingerprints, DocId as_of, uint32_t below,
      HolderMemo*) const override {
    return index_.Candidates(fingerprints, as_of, below);
  }
  // The index answers each count in place.
  void Fetch(absl::Span<const Fingerprint>, HolderMemo&) const override {}

  uint32_t DocFrequency(uint64_t hash, DocId as_of,
                        const HolderMemo&) const override {
    return index_.DocFrequency(hash, as_of);
  }
  uint32_t Sources(uint64_t hash, DocId as_of, const DocumentStore& store,
                   uint32_t limit, const HolderMemo&) const override {
    if (limit == 0) return 0;
    if (!store.sources().empty()) {
      return index_.DistinctGroups(hash, as_of, store.sources(), limit);
    }
    std::vector<DocId> holders;
    index_.AppendHolders(hash, as_of, holders);
    return SourcesOneByOne(holders, as_of, store, limit);
  }
  absl::Span<const DocId> Holders(uint64_t hash, DocId as_of,
                                  const HolderMemo&,
                                  std::vector<DocId>& scratch) const override {
    scratch.clear();
    index_.AppendHolders(hash, as_of, scratch);
    return scratch;
  }

 private:
  FingerprintIndex index_;
};

class StoredLookup final : public FingerprintLookup {
 public:
  StoredLookup(const FingerprintIndex::Options& options,
               const FingerprintPostings* postings)
      : options_(options), postings_(postings) {}

  absl::Status Add(DocId, absl::Span<const Fingerprint>) override {
    return absl::OkStatus();
  }
  void Remove(DocId, absl::Span<const Fingerprint>) override {}
  bool NeedsPacking() const override { return false; }
  void Pack() override {}

  // FingerprintIndex::Candidates() over the store's holders: the same
  // filters, counts and order.
  absl::StatusOr<std::vector<CopyCandidate>> Candidates(
      absl::Span<const Fingerprint> fingerprints, DocId as_of, uint32_t below,
      HolderMemo* memo) const override {
    const std::vector<uint64_t> hashes =
        FingerprintIndex::DistinctHashes(fingerprints);
    std::vector<std::vector<DocId>> lists;
    RETURN_IF_ERROR(postings_->Holders(hashes, lists));
    std::vector<DocId> holders;
    for (const std::vector<DocId>& list : lists) {
      const uint32_t before = HoldersBefore(list, as_of);
      if (!options_.Proposes(before, list.size(), below)) continue;
      holders.insert(holders.end(), list.begin(), list.begin() + before);
    }
    if (memo != nullptr) {
      for (size_t i = 0; i < hashes.size(); ++i) {
        memo->try_emplace(hashes[i], std::move(lists[i]));
      }
    }
    return FingerprintIndex::CountCandidates(holders, options_.min_shared);
  }

  // The holders of every hash the memo lacks, read at once so that their
  // reads overlap.
  void Fetch(absl::Span<const Fingerprint> fingerprints,
             HolderMemo& memo) const override {
    std::vector<uint64_t> hashes =
        FingerprintIndex::DistinctHashes(fingerprints);
    std::erase_if(hashes, [&](uint64_t h) { return memo.contains(h); });
    if (hashes.empty()) return;
    std::vector<std::vector<DocId>> lists;
    if (!postings_->Holders(hashes, lists).ok()) {
      lists.assign(hashes.size(), {});
    }
    for (size_t i = 0; i < hashes.size(); ++i) {
      memo.try_emplace(hashes[i], std::move(lists[i]));
    }
  }

  uint32_t DocFrequency(uint64_t hash, DocId as_of,
                        const HolderMemo& memo) const override {
    return HoldersBefore(Listed(hash, memo), as_of);
  }
  uint32_t Sources(uint64_t hash, DocId as_of, const DocumentStore& store,
                   uint32_t limit, const HolderMemo& memo) const override {
    if (limit == 0) return 0;
    if (store.sources().empty()) {
      return SourcesOneByOne(Listed(hash, memo), as_of, store, limit);
    }
    absl::flat_hash_set<uint32_t> seen;
    FingerprintIndex::AddGroups(Listed(hash, memo), as_of, store.sources(),
                                limit, seen);
    return static_cast<uint32_t>(seen.size());
  }
  absl::Span<const DocId> Holders(uint64_t hash, DocId as_of,
                                  const HolderMemo& memo,
                                  std::vector<DocId>&) const override {
    const absl::Span<const DocId> listed = Listed(hash, memo);
    return listed.first(HoldersBefore(listed, as_of));
  }

 private:
  // What the memo holds for `hash`; none when Fetch() was not given it.
  static absl::Span<const DocId> Listed(uint64_t hash, const HolderMemo& memo) {
    const auto it = memo.find(hash);
    if (it == memo.end()) return {};
    return it->second;
  }

  const FingerprintIndex::Options options_;
  const FingerprintPostings* const postings_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FingerprintLookup>> FingerprintLookup::InMemory(
    const FingerprintIndex::Options& options) {
  ASSIGN_OR_RETURN(FingerprintIndex index, FingerprintIndex::Create(options));
  return std::make_unique<InMemoryLookup>(std::move(index));
}

absl::StatusOr<std::unique_ptr<FingerprintLookup>> FingerprintLookup::Stored(
    const FingerprintIndex::Options& options,
    const FingerprintPostings* postings) {
  RETURN_IF_ERROR(options.Validate());
  if (postings == nullptr) {
    return absl::InvalidArgumentError("no fingerprint postings to look up");
  }
  return std::make_unique<StoredLookup>(options, postings);
}

}  // namespace mimeo::internal
