// The engine's two fingerprint lookups (src/internal/fingerprint_lookup.h)
// give the same answers: one over a FingerprintIndex it files documents
// in, one over postings a store files (here a plain map, standing for the
// on-disk store that durable_test covers through the engine).
#include "internal/fingerprint_lookup.h"

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo::internal {
namespace {

// Postings as a store files them: per hash, its live holders, ascending.
class MapPostings : public FingerprintPostings {
 public:
  absl::Status Holders(absl::Span<const uint64_t> hashes,
                       std::vector<std::vector<DocId>>& out) const override {
    ++reads;
    if (broken) return absl::DataLossError("postings unreadable");
    out.assign(hashes.size(), {});
    for (size_t i = 0; i < hashes.size(); ++i) {
      const auto it = held.find(hashes[i]);
      if (it != held.end()) out[i].assign(it->second.begin(), it->second.end());
    }
    return absl::OkStatus();
  }
  void File(DocId doc, absl::Span<const Fingerprint> fps) {
    for (const Fingerprint& fp : fps) held[fp.hash()].insert(doc);
  }
  void Drop(DocId doc, absl::Span<const Fingerprint> fps) {
    for (const Fingerprint& fp : fps) {
      held[fp.hash()].erase(doc);
      if (held[fp.hash()].empty()) held.erase(fp.hash());
    }
  }

  std::map<uint64_t, std::set<DocId>> held;
  bool broken = false;
  mutable int reads = 0;
};

// A store that knows only each document's source, with or without the
// column of them (an on-disk store reading its records in place has none).
class SourcesOnly final : public DocumentStore {
 public:
  SourcesOnly(std::vector<uint32_t> of, bool column)
      : of_(std::move(of)), column_(column) {}
  size_t num_ids() const override { return of_.size(); }
  std::optional<DocId> Find(std::string_view) const override { return {}; }
  std::string_view id(DocId) const override { return {}; }
  bool live(DocId) const override { return true; }
  std::optional<int64_t> date(DocId) const override { return {}; }
  uint32_t source(DocId doc) const override { return of_[doc]; }
  absl::Span<const uint32_t> signature(DocId) const override { return {}; }
  uint64_t simhash(DocId) const override { return 0; }
  absl::Span<const uint64_t> set(DocId) const override { return {}; }
  uint64_t set_size(DocId) const override { return 0; }
  absl::Span<const Fingerprint> fingerprints(DocId) const override {
    return {};
  }
  uint64_t text_hash(DocId) const override { return 0; }
  absl::StatusOr<std::string_view> text(DocId, std::string&) const override {
    return std::string_view();
  }
  absl::Span<const uint32_t> signatures() const override { return {}; }
  absl::Span<const uint32_t> sources() const override {
    return column_ ? absl::MakeConstSpan(of_) : absl::Span<const uint32_t>();
  }
  std::string_view source_name(uint32_t) const override { return {}; }
  size_t num_sources() const override { return 5; }
  StoreCounters counters() const override { return {}; }
  absl::Status Append(absl::Span<const StoredDocument>) override {
    return absl::UnimplementedError("read only");
  }
  absl::Status Remove(absl::Span<const DocId>) override {
    return absl::UnimplementedError("read only");
  }
  absl::StatusOr<StoreChanges> Refresh() override { return StoreChanges{}; }
  bool Stale() const override { return false; }
  void Reserve(size_t) override {}

 private:
  std::vector<uint32_t> of_;
  bool column_;
};

FingerprintIndex::Options Limits(uint32_t max_postings, uint32_t min_shared) {
  FingerprintIndex::Options o;
  o.max_postings = max_postings;
  o.min_shared = min_shared;
  return o;
}

std::vector<Fingerprint> RandomFps(std::mt19937& rng, int n, int alphabet) {
  std::vector<Fingerprint> fps;
  std::uniform_int_distribution<int> pick(1, alphabet);
  for (int i = 0; i < n; ++i) {
    fps.emplace_back(0x9E3779B97F4A7C15ULL * pick(rng), i);
  }
  return fps;
}

void ExpectSameCandidates(const std::vector<CopyCandidate>& a,
                          const std::vector<CopyCandidate>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].doc, b[i].doc) << i;
    EXPECT_EQ(a[i].shared, b[i].shared) << i;
  }
}

TEST(FingerprintLookupTest, InMemoryAndStoredGiveTheSameAnswers) {
  for (const auto& [max_postings, min_shared] :
       std::vector<std::pair<uint32_t, uint32_t>>{{6, 1}, {100, 2}, {3, 1}}) {
    SCOPED_TRACE(testing::Message() << "max_postings " << max_postings
                                    << " min_shared " << min_shared);
    const FingerprintIndex::Options limits = Limits(max_postings, min_shared);
    auto memory = FingerprintLookup::InMemory(limits);
    ASSERT_TRUE(memory.ok()) << memory.status();
    MapPostings postings;
    auto stored = FingerprintLookup::Stored(limits, &postings);
    ASSERT_TRUE(stored.ok()) << stored.status();

    std::mt19937 rng(7 + max_postings);
    std::vector<std::vector<Fingerprint>> docs;
    std::set<DocId> live;
    std::vector<uint32_t> source_of;
    for (DocId d = 0; d < 120; ++d) {
      docs.push_back(RandomFps(rng, 12, 60));
      source_of.push_back(d % 5);
      ASSERT_TRUE((*memory)->Add(d, docs[d]).ok());
      ASSERT_TRUE((*stored)->Add(d, docs[d]).ok());
      postings.File(d, docs[d]);
      live.insert(d);
      if (d % 7 == 6) {  // remove an earlier live document now and then
        const DocId gone = *std::next(live.begin(), d % live.size());
        (*memory)->Remove(gone, docs[gone]);
        (*stored)->Remove(gone, docs[gone]);
        postings.Drop(gone, docs[gone]);
        live.erase(gone);
      }
      if (d % 40 == 39) (*memory)->Pack();
    }
    EXPECT_FALSE((*stored)->NeedsPacking());

    for (int q = 0; q < 30; ++q) {
      const std::vector<Fingerprint> asking = RandomFps(rng, 15, 70);
      const DocId as_of = q % 3 == 0 ? 120 : rng() % 121;
      const uint32_t below = q % 4 == 0 ? 4 : UINT32_MAX;
      HolderMemo memory_memo, stored_memo;
      auto a = (*memory)->Candidates(asking, as_of, below, &memory_memo);
      auto b = (*stored)->Candidates(asking, as_of, below, &stored_memo);
      ASSERT_TRUE(a.ok() && b.ok());
      ExpectSameCandidates(*a, *b);
      EXPECT_TRUE(memory_memo.empty());
      // Half the queries count without the candidates' reads first.
      if (q % 2 == 1) stored_memo.clear();
      (*memory)->Fetch(asking, memory_memo);
      (*stored)->Fetch(asking, stored_memo);
      std::vector<DocId> sa, sb;
      for (const Fingerprint& fp : asking) {
        const uint64_t h = fp.hash();
        EXPECT_EQ((*memory)->DocFrequency(h, as_of, memory_memo),
                  (*stored)->DocFrequency(h, as_of, stored_memo));
        // Counted from the column of sources, and one holder at a time.
        const SourcesOnly column(source_of, true), one_by_one(source_of, false);
        for (uint32_t limit : {0u, 1u, 2u, 10u}) {
          const uint32_t expected =
              (*memory)->Sources(h, as_of, column, limit, memory_memo);
          std::set<uint32_t> seen;
          for (DocId holder : live) {
            if (holder < as_of &&
                std::any_of(docs[holder].begin(), docs[holder].end(),
                            [&](const Fingerprint& f) { return f.hash() == h; })) {
              seen.insert(source_of[holder]);
            }
          }
          EXPECT_EQ(expected, std::min<size_t>(seen.size(), limit)) << limit;
          EXPECT_EQ((*memory)->Sources(h, as_of, one_by_one, limit,
                                       memory_memo),
                    expected)
              << limit;
          for (const SourcesOnly* store : {&column, &one_by_one}) {
            EXPECT_EQ((*stored)->Sources(h, as_of, *store, limit, stored_memo),
                      expected)
                << limit;
          }
        }
        const absl::Span<const DocId> ha =
            (*memory)->Holders(h, as_of, memory_memo, sa);
        const absl::Span<const DocId> hb =
            (*stored)->Holders(h, as_of, stored_memo, sb);
        EXPECT_EQ(std::vector<DocId>(ha.begin(), ha.end()),
                  std::vector<DocId>(hb.begin(), hb.end()));
        for (DocId holder : ha) {
          EXPECT_LT(holder, as_of);
          EXPECT_TRUE(live.contains(holder));
        }
      }
    }
  }
}

TEST(FingerprintLookupTest, StoredReadsEachHashOnceAQuery) {
  MapPostings postings;
  auto stored = FingerprintLookup::Stored(Limits(100, 1), &postings);
  ASSERT_TRUE(stored.ok());
  const std::vector<Fingerprint> doc = {{11, 0}, {12, 1}, {13, 2}};
  postings.File(0, doc);
  HolderMemo memo;
  ASSERT_TRUE((*stored)->Candidates(doc, 1, UINT32_MAX, &memo).ok());
  EXPECT_EQ(postings.reads, 1);
  (*stored)->Fetch(doc, memo);  // every hash is in the memo already
  EXPECT_EQ(postings.reads, 1);
  (*stored)->Fetch({{14, 0}, {11, 1}}, memo);
  EXPECT_EQ(postings.reads, 2);
  EXPECT_EQ((*stored)->DocFrequency(11, 1, memo), 1u);
  EXPECT_EQ((*stored)->DocFrequency(14, 1, memo), 0u);
}

TEST(FingerprintLookupTest, UnreadablePostingsFailCandidatesAndCountNone) {
  MapPostings postings;
  postings.File(0, {{11, 0}});
  postings.broken = true;
  auto stored = FingerprintLookup::Stored(Limits(100, 1), &postings);
  ASSERT_TRUE(stored.ok());
  HolderMemo memo;
  auto c = (*stored)->Candidates({{11, 0}}, 1, UINT32_MAX, &memo);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kDataLoss);
  (*stored)->Fetch({{11, 0}}, memo);
  EXPECT_EQ((*stored)->DocFrequency(11, 1, memo), 0u);
}

TEST(FingerprintLookupTest, BadLimitsAndMissingPostingsAreRefused) {
  MapPostings postings;
  EXPECT_FALSE(FingerprintLookup::Stored(Limits(1, 1), &postings).ok());
  EXPECT_FALSE(FingerprintLookup::InMemory(Limits(1, 1)).ok());
  EXPECT_EQ(FingerprintLookup::Stored(Limits(100, 1), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mimeo::internal
