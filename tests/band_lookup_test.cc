// The engine's two LSH band lookups (src/internal/band_lookup.h): one files
// documents in an LshIndex of its own, the other answers from a store's
// postings (here a stand-in holding an LshIndex the test fills, as the
// on-disk store files documents in its own transaction; durable_test
// compares an engine on each).
#include "internal/band_lookup.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo::internal {
namespace {

LshIndex::Options Banding(uint32_t bands, uint32_t rows) {
  LshIndex::Options o;
  o.num_perm = 16;
  o.bands = bands;
  o.rows = rows;
  return o;
}

class IndexPostings : public BandPostings {
 public:
  explicit IndexPostings(const LshIndex::Options& o)
      : index(*LshIndex::Create(o)) {}
  uint32_t bands() const override { return index.options().bands; }
  uint32_t rows() const override { return index.options().rows; }
  absl::StatusOr<LshQueryResult> Query(
      absl::Span<const uint32_t> signature) const override {
    ++queries;
    if (broken) return absl::DataLossError("postings unreadable");
    return index.Query(signature);
  }

  LshIndex index;
  bool broken = false;
  mutable int queries = 0;
};

std::vector<uint32_t> Signature(std::mt19937& rng, const std::vector<uint32_t>& like,
                                int changed) {
  std::vector<uint32_t> s = like;
  for (int i = 0; i < changed; ++i) s[rng() % s.size()] = rng();
  return s;
}

std::vector<std::pair<DocId, uint32_t>> Flat(const LshQueryResult& r) {
  std::vector<std::pair<DocId, uint32_t>> out;
  for (const LshCandidate& c : r.candidates) out.push_back({c.id, c.bands});
  return out;
}

TEST(BandLookupTest, InMemoryFilesAndForgetsAsTheStoreDoes) {
  const LshIndex::Options o = Banding(8, 2);
  auto memory = BandLookup::InMemory(o);
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_FALSE((*memory)->files_in_store());
  IndexPostings postings(o);
  auto stored = BandLookup::Stored(o, &postings);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE((*stored)->files_in_store());

  std::mt19937 rng(3);
  std::vector<uint32_t> base(16);
  for (uint32_t& v : base) v = rng();
  std::vector<std::vector<uint32_t>> sigs;
  std::vector<DocId> ids;
  std::vector<uint32_t> back_to_back;
  for (DocId d = 0; d < 40; ++d) {
    sigs.push_back(Signature(rng, base, static_cast<int>(d % 12)));
    ids.push_back(d);
    back_to_back.insert(back_to_back.end(), sigs[d].begin(), sigs[d].end());
  }
  (*memory)->Reserve(64);
  ASSERT_TRUE((*memory)->File(ids, back_to_back).ok());
  // The store's postings are filed by the store, not through the lookup.
  ASSERT_TRUE((*stored)->File(ids, back_to_back).ok());
  EXPECT_TRUE(postings.index.Query(base).candidates.empty());
  ASSERT_TRUE(postings.index.AddBatch(ids, back_to_back).ok());
  for (DocId gone : {3u, 17u, 30u}) {
    ASSERT_TRUE((*memory)->Remove(gone, sigs[gone]).ok());
    ASSERT_TRUE((*stored)->Remove(gone, sigs[gone]).ok());
    ASSERT_TRUE(postings.index.Remove(gone, sigs[gone]).ok());
  }
  for (int q = 0; q < 20; ++q) {
    const std::vector<uint32_t> asking = Signature(rng, base, q % 10);
    auto a = (*memory)->Query(asking);
    auto b = (*stored)->Query(asking);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(Flat(*a), Flat(*b));
    EXPECT_FALSE(a->candidates.empty());
    for (const LshCandidate& c : a->candidates) {
      EXPECT_TRUE(c.id != 3 && c.id != 17 && c.id != 30);
    }
  }
  EXPECT_EQ(postings.queries, 20);
  EXPECT_EQ((*stored)->options().bands, 8u);
}

TEST(BandLookupTest, StoredPassesOnAFailedRead) {
  const LshIndex::Options o = Banding(8, 2);
  IndexPostings postings(o);
  postings.broken = true;
  auto stored = BandLookup::Stored(o, &postings);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ((*stored)->Query(std::vector<uint32_t>(16, 1)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(BandLookupTest, StoredPostingsOfAnotherBandingOrNoneAreRefused) {
  IndexPostings postings(Banding(8, 2));
  auto other = BandLookup::Stored(Banding(4, 4), &postings);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(other.status().message().find("8 bands of 2 rows, not 4 of 4"),
            std::string::npos)
      << other.status();
  EXPECT_FALSE(BandLookup::Stored(Banding(8, 2), nullptr).ok());
  EXPECT_FALSE(BandLookup::InMemory(Banding(32, 1)).ok());  // 32 > num_perm
}

}  // namespace
}  // namespace mimeo::internal
