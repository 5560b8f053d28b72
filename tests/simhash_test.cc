#include "mimeo/simhash.h"

#include <random>

#include "gtest/gtest.h"
#include "test_util.h"

namespace mimeo {
namespace {

TEST(SimHashTest, DistanceGrowsWithDifference) {
  auto s = SimHasher::Create({});
  ASSERT_TRUE(s.ok());
  std::mt19937_64 rng(5);
  const std::vector<uint64_t> base = testing::RandomSet(rng, 400);
  EXPECT_EQ(s->Compute(base), s->Compute(base));
  // Replace 2% and 50% of the features: the first stays close, the second
  // lands near the 32 bits expected of unrelated fingerprints.
  auto changed = [&](double share) {
    std::vector<uint64_t> v = base;
    for (size_t i = 0; i < v.size() * share; ++i) v[i] = rng();
    return s->Compute(v);
  };
  const int near = HammingDistance(s->Compute(base), changed(0.02));
  const int half = HammingDistance(s->Compute(base), changed(0.5));
  const int far = HammingDistance(s->Compute(base), changed(1.0));
  EXPECT_LE(near, 8);
  EXPECT_LT(near, half);
  EXPECT_GE(far, 18);
  EXPECT_LE(far, 46);
}

TEST(SimHashTest, RepeatsWeighTheVote) {
  auto s = SimHasher::Create({});
  ASSERT_TRUE(s.ok());
  const uint64_t x = 0x00000000FFFFFFFFULL, y = 0xFFFFFFFF00000000ULL;
  EXPECT_EQ(s->Compute(std::vector<uint64_t>{x, x, y}), x);
  EXPECT_EQ(s->Compute(std::vector<uint64_t>{x, y, y}), y);
  EXPECT_EQ(s->Compute(std::vector<uint64_t>{}), 0u);
}

TEST(SimHashTest, HammingDistance) {
  EXPECT_EQ(HammingDistance(0, 0), 0);
  EXPECT_EQ(HammingDistance(0, ~uint64_t{0}), 64);
  EXPECT_EQ(HammingDistance(0b1011, 0b0001), 2);
}

}  // namespace
}  // namespace mimeo
