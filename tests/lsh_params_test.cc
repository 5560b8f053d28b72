#include "mimeo/lsh_params.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "mimeo/minhash.h"
#include "test_util.h"

namespace mimeo {
namespace {

using testing::RandomSet;

LshParams Choose(double t, int num_perm) {
  LshParamsOptions o;
  o.threshold = t;
  o.num_perm = num_perm;
  auto p = ChooseLshParams(o);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : LshParams{};
}

TEST(LshParamsTest, CandidateProbability) {
  EXPECT_DOUBLE_EQ(LshCandidateProbability(0, 20, 5), 0);
  EXPECT_DOUBLE_EQ(LshCandidateProbability(1, 20, 5), 1);
  EXPECT_NEAR(LshCandidateProbability(0.5, 20, 5),
              1 - std::pow(1 - std::pow(0.5, 5), 20), 1e-12);
}

TEST(LshParamsTest, CurveRisesJustBelowTheThreshold) {
  for (double t : {0.3, 0.5, 0.7, 0.9}) {
    const LshParams p = Choose(t, 128);
    EXPECT_LE(p.bands * p.rows, 128u);
    // The recall floor puts the S-curve's midpoint (1/b)^(1/r) a little
    // below the threshold, not above it.
    const double mid = std::pow(1.0 / p.bands, 1.0 / p.rows);
    EXPECT_LE(mid, t) << "threshold " << t;
    EXPECT_GT(mid, t - 0.2) << "threshold " << t;
    EXPECT_GT(LshCandidateProbability(std::min(1.0, t + 0.2), p.bands, p.rows),
              LshCandidateProbability(std::max(0.0, t - 0.2), p.bands, p.rows));
    EXPECT_NEAR(p.probability_at_threshold,
                LshCandidateProbability(t, p.bands, p.rows), 1e-12);
  }
}

// The default floor, by the exact formula: P(t + 0.05) >= 0.99 for the
// thresholds users pass, and b * r within the signature.
TEST(LshParamsTest, DefaultFloorHoldsAtThresholdPlusMargin) {
  for (int num_perm : {128, 256}) {
    for (double t : {0.3, 0.5, 0.7, 0.8, 0.9}) {
      const LshParams p = Choose(t, num_perm);
      EXPECT_LE(p.bands * p.rows, static_cast<uint32_t>(num_perm));
      EXPECT_GE(LshCandidateProbability(t + 0.05, p.bands, p.rows), 0.99)
          << "threshold " << t << ", " << num_perm
          << " permutations: " << p.bands << " x " << p.rows;
    }
  }
}

// The figures written in lsh_params.h and bench/README.md.
TEST(LshParamsTest, DocumentedChoicesAt128Permutations) {
  struct Row {
    double t;
    uint32_t bands, rows;
  };
  for (const Row& row : {Row{0.05, 44, 1}, Row{0.3, 36, 2}, Row{0.5, 26, 3},
                         Row{0.7, 17, 5}, Row{0.8, 15, 8}, Row{0.9, 8, 16}}) {
    const LshParams p = Choose(row.t, 128);
    EXPECT_EQ(p.bands, row.bands) << "threshold " << row.t;
    EXPECT_EQ(p.rows, row.rows) << "threshold " << row.t;
  }
  // Without the floor: the equal-weights criterion alone, as before.
  LshParamsOptions o;
  o.min_recall = 0;
  for (const Row& row : {Row{0.05, 32, 1}, Row{0.3, 37, 3}, Row{0.5, 25, 5},
                         Row{0.7, 14, 9}, Row{0.8, 9, 13}, Row{0.9, 5, 25}}) {
    o.threshold = row.t;
    auto p = ChooseLshParams(o);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->bands, row.bands) << "threshold " << row.t;
    EXPECT_EQ(p->rows, row.rows) << "threshold " << row.t;
  }
}

// Among the bandings that meet the floor, the criterion still decides:
// none of them has a smaller weighted cost than the one chosen.
TEST(LshParamsTest, ChoiceIsTheCheapestBandingThatMeetsTheFloor) {
  for (double t : {0.3, 0.5, 0.8}) {
    const LshParams best = Choose(t, 64);
    const double best_cost =
        best.false_positive_area + best.false_negative_area;
    for (uint32_t b = 1; b <= 64; ++b) {
      for (uint32_t r = 1; b * r <= 64; ++r) {
        if (LshCandidateProbability(t + 0.05, b, r) < 0.99) continue;
        auto p = MakeLshParams(b, r, 64, t);
        ASSERT_TRUE(p.ok());
        EXPECT_GE(p->false_positive_area + p->false_negative_area, best_cost)
            << "threshold " << t << ": " << b << " x " << r;
      }
    }
  }
}

// A floor no banding reaches: the nearest is taken. At 16 permutations
// P(0.15) is at most 1 - 0.85^16 = 0.926, at 16 x 1.
TEST(LshParamsTest, UnreachableFloorTakesTheHighestRecall) {
  LshParamsOptions o;
  o.threshold = 0.1;
  o.num_perm = 16;
  auto p = ChooseLshParams(o);
  ASSERT_TRUE(p.ok());
  EXPECT_LT(LshCandidateProbability(0.15, 16, 1), 0.99);
  EXPECT_EQ(p->bands, 16u);
  EXPECT_EQ(p->rows, 1u);
}

TEST(LshParamsTest, WeightsShiftTheTradeOffWithoutTheFloor) {
  LshParamsOptions recall, precision;
  recall.min_recall = precision.min_recall = 0;
  recall.false_negative_weight = 0.9;
  recall.false_positive_weight = 0.1;
  precision.false_negative_weight = 0.1;
  precision.false_positive_weight = 0.9;
  auto r = ChooseLshParams(recall), p = ChooseLshParams(precision);
  ASSERT_TRUE(r.ok() && p.ok());
  EXPECT_LT(r->false_negative_area, p->false_negative_area);
  EXPECT_GT(r->false_positive_area, p->false_positive_area);
}

// Pairs of random sets with a known Jaccard, sketched with MinHasher and
// split into the chosen bands: the share that becomes candidates is
// P(s) = 1 - (1 - s^r)^b within 4 binomial standard errors plus 0.005 for
// the hash family's own bias. Checked at s = t + 0.05 (the floor) and at
// s = t.
TEST(LshParamsTest, ObservedCandidateRateFollowsTheFormula) {
  constexpr int kUnion = 200;  // |A u B|: every s below is k / 200 exactly
  constexpr int kTrials = 2000;
  std::mt19937_64 rng(20261130);
  for (int num_perm : {128, 256}) {
    MinHasher::Options mo;
    mo.num_perm = num_perm;
    auto hasher = MinHasher::Create(mo);
    ASSERT_TRUE(hasher.ok());
    std::vector<uint32_t> sa(num_perm), sb(num_perm);
    for (double t : {0.3, 0.5, 0.7, 0.8, 0.9}) {
      const LshParams p = Choose(t, num_perm);
      for (double s : {t + 0.05, t}) {
        const int common = static_cast<int>(std::lround(s * kUnion));
        const int only = (kUnion - common) / 2;
        ASSERT_EQ(common + 2 * only, kUnion) << "s " << s;
        int candidates = 0;
        for (int trial = 0; trial < kTrials; ++trial) {
          // A = common + only_a, B = common + only_b, all distinct.
          std::vector<uint64_t> a = RandomSet(rng, common + only);
          std::vector<uint64_t> b(a.begin(), a.begin() + common);
          for (uint64_t x : RandomSet(rng, only)) b.push_back(x);
          hasher->Sketch(a, absl::MakeSpan(sa));
          hasher->Sketch(b, absl::MakeSpan(sb));
          bool shared = false;
          for (uint32_t band = 0; band < p.bands && !shared; ++band) {
            const auto first = sa.begin() + band * p.rows;
            shared =
                std::equal(first, first + p.rows, sb.begin() + band * p.rows);
          }
          candidates += shared;
        }
        const double expected = LshCandidateProbability(
            static_cast<double>(common) / kUnion, p.bands, p.rows);
        const double observed = static_cast<double>(candidates) / kTrials;
        const double tolerance =
            4 * std::sqrt(expected * (1 - expected) / kTrials) + 0.005;
        EXPECT_NEAR(observed, expected, tolerance)
            << "threshold " << t << ", s " << s << ", " << num_perm
            << " permutations, " << p.bands << " x " << p.rows;
      }
    }
  }
}

TEST(LshParamsTest, RejectsBadInput) {
  LshParamsOptions o;
  o.threshold = 0;
  EXPECT_FALSE(ChooseLshParams(o).ok());
  o.threshold = 1;
  EXPECT_FALSE(ChooseLshParams(o).ok());
  o.threshold = 0.5;
  o.false_positive_weight = 0;
  EXPECT_FALSE(ChooseLshParams(o).ok());
  o.false_positive_weight = 0.5;
  o.min_recall = 1;
  EXPECT_FALSE(ChooseLshParams(o).ok());
  o.min_recall = -0.1;
  EXPECT_FALSE(ChooseLshParams(o).ok());
  o.min_recall = 0.99;
  o.recall_margin = -0.05;
  EXPECT_FALSE(ChooseLshParams(o).ok());
  o.recall_margin = 1;
  EXPECT_FALSE(ChooseLshParams(o).ok());
  EXPECT_FALSE(MakeLshParams(20, 7, 128, 0.5).ok());  // 140 > 128
  EXPECT_FALSE(MakeLshParams(0, 5, 128, 0.5).ok());
  auto ok = MakeLshParams(16, 8, 128, 0.5);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->bands, 16u);
  EXPECT_EQ(ok->rows, 8u);
}

}  // namespace
}  // namespace mimeo
