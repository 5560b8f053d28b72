#include "mimeo/verify.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <numeric>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "gtest/gtest.h"
#include "internal/minhash_kernels.h"
#include "internal/shared_kernels.h"
#include "mimeo/minhash.h"

namespace mimeo {
namespace {

std::vector<uint64_t> Range(uint64_t lo, uint64_t hi) {
  std::vector<uint64_t> v(hi - lo);
  std::iota(v.begin(), v.end(), lo);
  return v;
}

TEST(VerifyTest, ExactSimilarity) {
  // A = 0..99, B = 50..249: |A n B| = 50, |A u B| = 250.
  const Similarity s = ExactSimilarity(Range(0, 100), Range(50, 250));
  EXPECT_EQ(s.intersection, 50u);
  EXPECT_DOUBLE_EQ(s.jaccard, 0.2);
  EXPECT_DOUBLE_EQ(s.containment_a_in_b, 0.5);
  EXPECT_DOUBLE_EQ(s.containment_b_in_a, 0.25);
  const Similarity e = ExactSimilarity({}, Range(0, 3));
  EXPECT_EQ(e.jaccard, 0);
  EXPECT_EQ(ExactSimilarity({}, {}).jaccard, 0);
}

// The intersection count (blocks of values compared all against all, the
// rest merged) equals a plain count for sets of every size around a
// block's, sharing values at and next to the ends of blocks.
TEST(VerifyTest, ExactSimilarityCountsLikeAPlainCount) {
  std::mt19937_64 rng(6);
  for (int trial = 0; trial < 400; ++trial) {
    const size_t na = rng() % 90, nb = rng() % 90;
    std::vector<uint64_t> pool(na + nb + 1);
    for (uint64_t& x : pool) x = rng() % 400;  // small values: many shared
    std::vector<uint64_t> a(pool.begin(), pool.begin() + na);
    std::vector<uint64_t> b(pool.begin() + na, pool.end());
    for (auto* v : {&a, &b}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    std::vector<uint64_t> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(),
                          std::back_inserter(both));
    EXPECT_EQ(ExactSimilarity(a, b).intersection, both.size())
        << a.size() << " and " << b.size();
    EXPECT_EQ(ExactSimilarity(b, a).intersection, both.size());
  }
}

// Every SIMD target compiled in and supported here counts the values two
// sorted sets share as the scalar merge does: sizes around the vector
// width and its multiples, sets that share nothing, everything, or runs
// that end blocks together.
TEST(VerifyTest, EverySharedKernelTargetMatchesScalarReference) {
  const std::vector<std::string> targets = internal::MinHashTargets();
  ASSERT_FALSE(targets.empty());
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 600; ++trial) {
    const size_t na = rng() % 70, nb = rng() % 70;
    // Values from a range of 3, 60 or 6,000 per value: most shared, some,
    // or few.
    const uint64_t range = (na + nb + 1) * (trial % 3 == 0   ? 1
                                             : trial % 3 == 1 ? 2
                                                              : 100);
    std::vector<uint64_t> a(na), b(nb);
    for (uint64_t& x : a) x = rng() % range;
    for (uint64_t& x : b) x = rng() % range;
    if (trial % 7 == 0) b = a;  // identical sets
    for (auto* v : {&a, &b}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    const uint64_t want =
        internal::SharedScalar(a.data(), a.size(), b.data(), b.size());
    std::vector<uint64_t> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(),
                          std::back_inserter(both));
    ASSERT_EQ(want, both.size());
    for (size_t t = 0; t < targets.size(); ++t) {
      EXPECT_EQ(internal::SharedOnTarget(t, a.data(), a.size(), b.data(),
                                         b.size()),
                want)
          << targets[t] << " " << a.size() << " and " << b.size();
      EXPECT_EQ(internal::SharedOnTarget(t, b.data(), b.size(), a.data(),
                                         a.size()),
                want)
          << targets[t];
    }
    EXPECT_EQ(internal::SharedDispatch(a.data(), a.size(), b.data(), b.size()),
              want);
  }
}

TEST(VerifyTest, EstimateFromJaccardAndSizes) {
  const Similarity s = EstimateSimilarity(0.2, 100, 200);
  EXPECT_EQ(s.intersection, 50u);
  EXPECT_NEAR(s.containment_a_in_b, 0.5, 1e-12);
  EXPECT_NEAR(s.containment_b_in_a, 0.25, 1e-12);
}

TEST(VerifyTest, AcceptsByJaccardOrContainment) {
  Verifier::Options o;
  o.jaccard_threshold = 0.5;
  o.containment_threshold = 0.8;
  o.min_containment_shingles = 20;
  auto v = Verifier::Create(o);
  ASSERT_TRUE(v.ok());
  // A short text inside a long one: low Jaccard, full containment.
  const Similarity inside = ExactSimilarity(Range(0, 30), Range(0, 300));
  EXPECT_TRUE(v->Accept(inside));
  EXPECT_DOUBLE_EQ(v->Score(inside), 1.0);
  // Too short for containment to count.
  const Similarity tiny = ExactSimilarity(Range(0, 5), Range(0, 300));
  EXPECT_FALSE(v->Accept(tiny));
  EXPECT_DOUBLE_EQ(v->Score(tiny), tiny.jaccard);
  // Plain near-duplicates pass on Jaccard.
  EXPECT_TRUE(v->Accept(ExactSimilarity(Range(0, 100), Range(10, 110))));
  EXPECT_FALSE(v->Accept(ExactSimilarity(Range(0, 100), Range(60, 160))));
  // Containment off.
  o.containment_threshold = 2;
  auto off = Verifier::Create(o);
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->Accept(inside));
}

// Common shingles: the rare figures leave out the common shingles both
// sets share, and equal a direct count.
TEST(VerifyTest, RareFiguresLeaveOutCommonShingles) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<uint64_t> a, b, common;
    for (uint64_t h = 0; h < 400; ++h) {
      const int r = static_cast<int>(rng() % 4);
      if (r != 1) a.push_back(h);
      if (r != 2) b.push_back(h);
      if (rng() % 5 == 0) common.push_back(h);
    }
    std::vector<uint64_t> ca, cb;
    std::set_intersection(a.begin(), a.end(), common.begin(), common.end(),
                          std::back_inserter(ca));
    std::set_intersection(b.begin(), b.end(), common.begin(), common.end(),
                          std::back_inserter(cb));
    const Similarity s = ExactSimilarity(a, b, ca, cb);
    EXPECT_EQ(s.intersection, ExactSimilarity(a, b).intersection);
    std::vector<uint64_t> ra, rb;
    std::set_difference(a.begin(), a.end(), common.begin(), common.end(),
                        std::back_inserter(ra));
    std::set_difference(b.begin(), b.end(), common.begin(), common.end(),
                        std::back_inserter(rb));
    const Similarity r = ExactSimilarity(ra, rb);
    EXPECT_EQ(s.rare_intersection, r.intersection);
    EXPECT_EQ(s.rare_size_a, ra.size());
    EXPECT_EQ(s.rare_size_b, rb.size());
    EXPECT_DOUBLE_EQ(s.rare_jaccard(), r.jaccard);
    EXPECT_TRUE(s.has_common());
  }
  // Without common shingles the rare figures are the plain ones.
  const Similarity plain =
      ExactSimilarity(Range(0, 100), Range(50, 150), {}, {});
  EXPECT_FALSE(plain.has_common());
  EXPECT_EQ(plain.rare_intersection, plain.intersection);
}

TEST(VerifyTest, BoilerplateNeverMakesAPairPass) {
  Verifier::Options o;
  o.jaccard_threshold = 0.3;
  o.containment_threshold = 0.7;
  o.min_containment_shingles = 5;
  o.common_jaccard_threshold = 0.5;
  auto v = Verifier::Create(o);
  ASSERT_TRUE(v.ok());
  // Two pages that share only a footer (shingles 0..39, common): whole-set
  // Jaccard 40 / 160 = 0.25, the stub's containment high on whole sets, no
  // rare shingle shared.
  // The stub is the footer and a greeting of its own.
  std::vector<uint64_t> a = Range(0, 100), stub = Range(0, 40);
  for (uint64_t h = 500; h < 505; ++h) stub.push_back(h);
  const std::vector<uint64_t> footer = Range(0, 40);
  const Similarity page_stub = ExactSimilarity(a, stub, footer, footer);
  EXPECT_GE(page_stub.containment_b_in_a, 0.7);
  EXPECT_FALSE(v->Accept(page_stub));
  // The same pair without a model passes on containment.
  EXPECT_TRUE(v->Accept(ExactSimilarity(a, stub)));
  // Mostly the same text, however common: Jaccard 0.5 on whole sets.
  const Similarity twins =
      ExactSimilarity(Range(0, 40), Range(0, 60), footer, footer);
  EXPECT_DOUBLE_EQ(twins.jaccard, 40.0 / 60);
  EXPECT_TRUE(v->Accept(twins));
  // Rare figures above the whole-set ones do not pass a pair: whole sets
  // at Jaccard 0.2 whose rare parts are at 0.6.
  std::vector<uint64_t> x = Range(0, 100), y = Range(0, 10);
  for (uint64_t h = 200; h < 300; ++h) y.push_back(h);
  std::vector<uint64_t> cx = Range(10, 100), cy;
  for (uint64_t h = 200; h < 290; ++h) cy.push_back(h);
  const Similarity lifted = ExactSimilarity(x, y, cx, cy);
  EXPECT_LT(lifted.jaccard, 0.3);
  EXPECT_GE(lifted.rare_jaccard(), 0.3);
  EXPECT_FALSE(v->Accept(lifted));
}

// The estimate shortcut never refuses a pair well above a threshold, and
// refuses most pairs well below.
TEST(VerifyTest, ClearlyRejectsOnlyPairsFarBelowTheThresholds) {
  Verifier::Options o;
  o.jaccard_threshold = 0.3;
  o.containment_threshold = 0.7;
  o.min_containment_shingles = 5;
  auto v = Verifier::Create(o);
  ASSERT_TRUE(v.ok());
  MinHasher::Options mo;
  auto hasher = MinHasher::Create(mo);
  ASSERT_TRUE(hasher.ok());
  const uint32_t k = hasher->params().num_perm;
  std::mt19937_64 rng(17);
  int refused_above = 0, refused_below = 0;
  const int trials = 400;
  for (int t = 0; t < trials; ++t) {
    // Two sets of 500 at Jaccard 0.4 (above), then at 0.05 (below).
    for (const double j : {0.4, 0.05}) {
      const size_t shared = static_cast<size_t>(1000 * j / (1 + j));
      std::vector<uint64_t> a, b;
      for (size_t i = 0; i < shared; ++i) {
        const uint64_t h = rng();
        a.push_back(h);
        b.push_back(h);
      }
      while (a.size() < 500) a.push_back(rng());
      while (b.size() < 500) b.push_back(rng());
      std::vector<uint32_t> sa(k), sb(k);
      hasher->Sketch(a, absl::MakeSpan(sa));
      hasher->Sketch(b, absl::MakeSpan(sb));
      const bool refused =
          v->ClearlyRejects(EstimateJaccard(sa, sb), k, a.size(), b.size());
      (j > 0.3 ? refused_above : refused_below) += refused;
    }
  }
  EXPECT_EQ(refused_above, 0);
  EXPECT_GT(refused_below, trials * 9 / 10);
  // Containment keeps a short text inside a long one from being refused.
  EXPECT_FALSE(v->ClearlyRejects(0.05, k, 30, 600));
  // Without a usable estimate nothing is refused.
  EXPECT_FALSE(v->ClearlyRejects(0.0, 0, 10, 10));
}

TEST(VerifyTest, VerifyAllKeepsInputOrder) {
  auto v = Verifier::Create({});
  ASSERT_TRUE(v.ok());
  std::vector<std::vector<uint64_t>> sets = {Range(0, 100), Range(5, 105),
                                             Range(500, 600), Range(0, 100)};
  std::vector<CandidatePair> pairs = {{0, 3, 1}, {0, 2, 1}, {0, 1, 1}};
  const auto out = v->VerifyAll(
      pairs, [&](DocId d) { return absl::MakeConstSpan(sets[d]); });
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].b, 3u);
  EXPECT_DOUBLE_EQ(out[0].similarity.jaccard, 1.0);
  EXPECT_EQ(out[1].b, 1u);
}

// The prefetch hook sees every pair once, before it is measured, and
// changes nothing: blocks of candidates, several of them, and their ends.
TEST(VerifyTest, VerifyAllPrefetchesEveryPairAndChangesNothing) {
  auto v = Verifier::Create({});
  ASSERT_TRUE(v.ok());
  std::mt19937_64 rng(4);
  std::vector<CandidatePair> pairs;
  for (DocId a = 0; a < 3000; ++a) {
    for (DocId i = 0; i < 4; ++i) {
      pairs.push_back({a, a + 1 + 13 * i + DocId(rng() % 10), 1});
    }
  }
  const auto similarity = [](DocId a, DocId b) {
    Similarity s;
    s.size_a = s.size_b = 100;
    s.intersection = (a * 7 + b) % 100;
    s.rare_intersection = s.intersection;
    s.rare_size_a = s.rare_size_b = 100;
    s.jaccard = static_cast<double>(s.intersection) / (200 - s.intersection);
    s.containment_a_in_b = s.containment_b_in_a = s.intersection / 100.0;
    return s;
  };
  std::vector<std::atomic<int>> prefetched(pairs.size());
  absl::flat_hash_map<uint64_t, size_t> index;
  for (size_t i = 0; i < pairs.size(); ++i) {
    index[uint64_t{pairs[i].a} << 32 | pairs[i].b] = i;
  }
  std::atomic<bool> measured_first{true};
  const auto plain = v->VerifyAll(pairs, similarity);
  const auto hooked = v->VerifyAll(
      pairs,
      [&](DocId a, DocId b) {
        if (prefetched[index[uint64_t{a} << 32 | b]] == 0) measured_first = false;
        return similarity(a, b);
      },
      [&](DocId a, DocId b) { ++prefetched[index[uint64_t{a} << 32 | b]]; });
  EXPECT_TRUE(measured_first);
  for (size_t i = 0; i < pairs.size(); ++i) {
    EXPECT_EQ(prefetched[i].load(), 1) << "pair " << i;
  }
  ASSERT_EQ(plain.size(), hooked.size());
  EXPECT_GT(plain.size(), 100u);
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i].a, hooked[i].a);
    EXPECT_EQ(plain[i].b, hooked[i].b);
    EXPECT_EQ(plain[i].score, hooked[i].score);
  }
}

TEST(VerifyTest, ValidatesOptions) {
  Verifier::Options o;
  o.jaccard_threshold = 1.5;
  EXPECT_FALSE(Verifier::Create(o).ok());
  o.jaccard_threshold = 0.5;
  o.containment_threshold = -1;
  EXPECT_FALSE(Verifier::Create(o).ok());
}

}  // namespace
}  // namespace mimeo
