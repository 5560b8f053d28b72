#include "mimeo/verify.h"

#include <numeric>

#include "gtest/gtest.h"

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
