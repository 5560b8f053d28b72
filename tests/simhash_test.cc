#include "mimeo/simhash.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "internal/minhash_kernels.h"
#include "internal/simhash_kernels.h"

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

namespace mimeo {
namespace {

// Every SIMD target compiled in and supported here counts bits exactly as
// the scalar reference, across the 255-hash flush of the 8-bit counters,
// with and without a seed; and Compute() agrees with ComputeScalar().
TEST(SimHashKernelTest, EveryTargetMatchesScalarReference) {
  const std::vector<std::string> targets = internal::MinHashTargets();
  ASSERT_FALSE(targets.empty());
  std::mt19937_64 rng(5);
  for (uint64_t seed : {uint64_t{0}, uint64_t{0x6d696d656f}}) {
    for (size_t n : {0, 1, 7, 254, 255, 256, 511, 3000}) {
      std::vector<uint64_t> hashes(n);
      for (auto& h : hashes) h = rng();
      // Skewed bits too: a counter that every hash increments.
      if (n > 2) hashes[1] = hashes[2] = ~uint64_t{0};
      uint32_t want[64] = {}, got[64] = {};
      internal::SimHashCountScalar(seed, hashes.data(), n, want);
      for (size_t t = 0; t < targets.size(); ++t) {
        std::fill(std::begin(got), std::end(got), 0);
        internal::SimHashCountOnTarget(t, seed, hashes.data(), n, got);
        EXPECT_TRUE(std::equal(std::begin(got), std::end(got), std::begin(want)))
            << targets[t] << " n " << n << " seed " << seed;
      }
      SimHasher::Options o;
      o.seed = seed;
      auto s = *SimHasher::Create(o);
      EXPECT_EQ(s.Compute(hashes), s.ComputeScalar(hashes)) << "n " << n;
    }
  }
  // All-ones input drives every counter to n: past 255, the flush must
  // keep the count.
  std::vector<uint64_t> ones(1000, ~uint64_t{0});
  uint32_t got[64] = {};
  internal::SimHashCountDispatch(0, ones.data(), ones.size(), got);
  for (uint32_t c : got) EXPECT_EQ(c, 1000u);
}

}  // namespace
}  // namespace mimeo
