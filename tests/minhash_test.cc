#include "mimeo/minhash.h"

#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "internal/minhash_kernels.h"
#include "test_util.h"

namespace mimeo {
namespace {

using testing::RandomSet;

// Two sets with `common` shared and `only` private elements each: Jaccard
// common / (common + 2 only).
std::pair<std::vector<uint64_t>, std::vector<uint64_t>> PairWith(
    std::mt19937_64& rng, size_t common, size_t only) {
  std::vector<uint64_t> a = RandomSet(rng, common + only);
  std::vector<uint64_t> b(a.begin(), a.begin() + common);
  for (uint64_t x : RandomSet(rng, only)) b.push_back(x);
  return {a, b};
}

MinHasher Make(MinHashScheme scheme, int num_perm = 128, uint64_t seed = 1) {
  MinHasher::Options o;
  o.scheme = scheme;
  o.num_perm = num_perm;
  o.seed = seed;
  auto m = MinHasher::Create(o);
  EXPECT_TRUE(m.ok());
  return *m;
}

class MinHashSchemeTest : public ::testing::TestWithParam<MinHashScheme> {};

// The estimate is within 3/sqrt(num_perm) of the exact Jaccard on at least
// 99% of random pairs, and within three of its own standard errors
// sqrt(J(1-J)/num_perm) (plus one step of 1/num_perm) on at least 98%.
TEST_P(MinHashSchemeTest, EstimatesJaccardWithinTolerance) {
  const MinHasher m = Make(GetParam());
  const double k = 128;
  std::mt19937_64 rng(42);
  int loose_ok = 0, tight_ok = 0;
  const int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    const size_t common = 1 + rng() % 300, only = rng() % 300;
    auto [a, b] = PairWith(rng, common, only);
    const double exact = double(common) / (common + 2 * only);
    const double est = *EstimateJaccard(m.Sketch(a), m.Sketch(b));
    const double err = std::abs(est - exact);
    loose_ok += err <= 3 / std::sqrt(k);
    tight_ok += err <= 3 * std::sqrt(exact * (1 - exact) / k) + 1 / k;
  }
  EXPECT_GE(loose_ok, 0.99 * trials);
  EXPECT_GE(tight_ok, 0.98 * trials);
}

// The estimator is unbiased: over many pairs of the same Jaccard the mean
// estimate is within 0.01 of it (the standard error of the mean is about
// 0.0015 here), for small sets that leave most one-permutation bins empty
// and large ones that fill them.
TEST_P(MinHashSchemeTest, EstimateIsUnbiased) {
  const MinHasher m = Make(GetParam());
  std::mt19937_64 rng(7);
  for (size_t scale : {4, 20, 400}) {
    for (double j : {0.2, 0.5, 0.8}) {
      const size_t common = static_cast<size_t>(scale * 10 * j);
      const size_t only = static_cast<size_t>((scale * 10 - common) / 2);
      const double exact = double(common) / (common + 2 * only);
      double sum = 0;
      const int trials = 600;
      for (int t = 0; t < trials; ++t) {
        auto [a, b] = PairWith(rng, common, only);
        sum += *EstimateJaccard(m.Sketch(a), m.Sketch(b));
      }
      EXPECT_NEAR(sum / trials, exact, 0.01)
          << "set size " << common + only << ", Jaccard " << exact;
    }
  }
}

TEST_P(MinHashSchemeTest, IdenticalSetsAndRepeatsAgree) {
  const MinHasher m = Make(GetParam());
  std::mt19937_64 rng(1);
  std::vector<uint64_t> a = RandomSet(rng, 50);
  std::vector<uint64_t> twice = a;
  twice.insert(twice.end(), a.begin(), a.end());
  EXPECT_EQ(m.Sketch(a).values, m.Sketch(twice).values);
  EXPECT_EQ(*EstimateJaccard(m.Sketch(a), m.Sketch(a)), 1.0);
  // A one-element set still has a full signature.
  const Signature one = m.Sketch(std::vector<uint64_t>{12345});
  for (uint32_t v : one.values) EXPECT_NE(v, MinHasher::kEmptyValue);
}

TEST_P(MinHashSchemeTest, EmptySetMatchesNothing) {
  const MinHasher m = Make(GetParam());
  const Signature e = m.Sketch(std::vector<uint64_t>{});
  for (uint32_t v : e.values) EXPECT_EQ(v, MinHasher::kEmptyValue);
  EXPECT_EQ(*EstimateJaccard(e, e), 0.0);
}

INSTANTIATE_TEST_SUITE_P(Schemes, MinHashSchemeTest,
                         ::testing::Values(MinHashScheme::kPermutations,
                                           MinHashScheme::kOnePermutation));

TEST(MinHashTest, RefusesSignaturesMadeDifferently) {
  std::vector<uint64_t> set = {1, 2, 3};
  const Signature a = Make(MinHashScheme::kPermutations, 128, 1).Sketch(set);
  const Signature b = Make(MinHashScheme::kPermutations, 128, 2).Sketch(set);
  const Signature c = Make(MinHashScheme::kPermutations, 64, 1).Sketch(set);
  const Signature d = Make(MinHashScheme::kOnePermutation, 128, 1).Sketch(set);
  auto r = EstimateJaccard(a, b);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("seed"), std::string::npos);
  r = EstimateJaccard(a, c);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("num_perm 128 vs 64"), std::string::npos);
  r = EstimateJaccard(a, d);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("scheme"), std::string::npos);
}

TEST(MinHashTest, ValidatesOptions) {
  MinHasher::Options o;
  o.num_perm = 0;
  EXPECT_FALSE(MinHasher::Create(o).ok());
  o.num_perm = 4097;
  EXPECT_FALSE(MinHasher::Create(o).ok());
}

// Every SIMD target compiled in and supported here gives the scalar
// reference's result bit for bit, for odd sizes and tails.
TEST(MinHashKernelTest, EveryTargetMatchesScalarReference) {
  const std::vector<std::string> targets = internal::MinHashTargets();
  ASSERT_FALSE(targets.empty());
  std::mt19937_64 rng(3);
  for (size_t num_perm : {1, 7, 64, 128, 200}) {
    const size_t padded = (num_perm + internal::kMinHashPad - 1) /
                          internal::kMinHashPad * internal::kMinHashPad;
    std::vector<uint64_t> a_lo(padded), a_hi(padded), b(padded);
    for (size_t i = 0; i < padded; ++i) {
      const uint64_t a = rng() | 1;
      a_lo[i] = a & 0xFFFFFFFFu;
      a_hi[i] = a >> 32;
      b[i] = rng();
    }
    const internal::MinHashCoefficients c{a_lo.data(), a_hi.data(), b.data(),
                                          num_perm};
    for (size_t n : {0, 1, 3, 1000}) {
      const std::vector<uint64_t> hashes = RandomSet(rng, n);
      std::vector<uint32_t> want(num_perm), got(num_perm);
      internal::MinHashScalar(c, hashes.data(), n, want.data());
      for (size_t t = 0; t < targets.size(); ++t) {
        std::fill(got.begin(), got.end(), 0);
        internal::MinHashOnTarget(t, c, hashes.data(), n, got.data());
        EXPECT_EQ(got, want) << targets[t] << " num_perm " << num_perm
                             << " n " << n;
      }
      internal::MinHashDispatch(c, hashes.data(), n, got.data());
      EXPECT_EQ(got, want) << "dispatch";
    }
  }
}

TEST(MinHashKernelTest, PublicScalarAndDispatchAgree) {
  const MinHasher m = Make(MinHashScheme::kPermutations);
  std::mt19937_64 rng(9);
  const std::vector<uint64_t> set = RandomSet(rng, 777);
  std::vector<uint32_t> a(128), b(128);
  m.Sketch(set, absl::MakeSpan(a));
  m.SketchScalar(set, absl::MakeSpan(b));
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace mimeo
