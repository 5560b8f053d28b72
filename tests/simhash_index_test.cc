#include "mimeo/simhash_index.h"

#include <random>

#include "gtest/gtest.h"
#include "mimeo/simhash.h"

namespace mimeo {
namespace {

// Against brute force, for every distance bound from 0 to 8: no match
// within the bound is missed and nothing beyond it is reported.
TEST(SimHashIndexTest, ExactAgainstBruteForce) {
  std::mt19937_64 rng(17);
  for (int k = 0; k <= 8; ++k) {
    SimHashIndex::Options o;
    o.max_distance = k;
    auto idx = SimHashIndex::Create(o);
    ASSERT_TRUE(idx.ok()) << k;
    std::vector<uint64_t> fps;
    for (int c = 0; c < 40; ++c) {
      const uint64_t center = rng();
      for (int j = 0; j < 10; ++j) {
        uint64_t fp = center;
        const int flips = static_cast<int>(rng() % (k + 3));
        for (int f = 0; f < flips; ++f) fp ^= uint64_t{1} << (rng() % 64);
        fps.push_back(fp);
      }
    }
    for (DocId d = 0; d < fps.size(); ++d) ASSERT_TRUE(idx->Add(d, fps[d]).ok());
    for (DocId q = 0; q < fps.size(); q += 7) {
      std::vector<SimHashMatch> want;
      for (DocId d = 0; d < fps.size(); ++d) {
        const int dist = HammingDistance(fps[q], fps[d]);
        if (dist <= k) want.push_back({d, dist});
      }
      std::stable_sort(want.begin(), want.end(),
                       [](auto& a, auto& b) { return a.distance < b.distance; });
      const std::vector<SimHashMatch> got = idx->Query(fps[q]);
      ASSERT_EQ(got.size(), want.size()) << "k " << k << " query " << q;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].id, want[i].id);
        EXPECT_EQ(got[i].distance, want[i].distance);
      }
    }
  }
}

TEST(SimHashIndexTest, AddRemoveAndErrors) {
  auto idx = SimHashIndex::Create({});
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->num_tables(), 10u);  // k = 3, 5 blocks: C(5, 3)
  ASSERT_TRUE(idx->Add(1, 0xFF).ok());
  EXPECT_EQ(idx->Add(1, 0xFF).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(idx->Query(0xFE).size(), 1u);
  ASSERT_TRUE(idx->Remove(1).ok());
  EXPECT_EQ(idx->Remove(1).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(idx->Query(0xFE).empty());
  SimHashIndex::Options bad;
  bad.max_distance = 3;
  bad.blocks = 3;
  EXPECT_FALSE(SimHashIndex::Create(bad).ok());
  bad.max_distance = 13;
  bad.blocks = 0;
  EXPECT_FALSE(SimHashIndex::Create(bad).ok());
}

}  // namespace
}  // namespace mimeo
