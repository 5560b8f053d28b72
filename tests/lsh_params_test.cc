#include "mimeo/lsh_params.h"

#include <cmath>

#include "gtest/gtest.h"

namespace mimeo {
namespace {

TEST(LshParamsTest, CandidateProbability) {
  EXPECT_DOUBLE_EQ(LshCandidateProbability(0, 20, 5), 0);
  EXPECT_DOUBLE_EQ(LshCandidateProbability(1, 20, 5), 1);
  EXPECT_NEAR(LshCandidateProbability(0.5, 20, 5),
              1 - std::pow(1 - std::pow(0.5, 5), 20), 1e-12);
}

TEST(LshParamsTest, CurveRisesNearTheThreshold) {
  for (double t : {0.3, 0.5, 0.7, 0.9}) {
    LshParamsOptions o;
    o.threshold = t;
    auto p = ChooseLshParams(o);
    ASSERT_TRUE(p.ok());
    EXPECT_LE(p->bands * p->rows, 128u);
    // The S-curve's midpoint (1/b)^(1/r) sits close to the threshold.
    const double mid = std::pow(1.0 / p->bands, 1.0 / p->rows);
    EXPECT_NEAR(mid, t, 0.15) << "threshold " << t;
    EXPECT_GT(LshCandidateProbability(std::min(1.0, t + 0.2), p->bands, p->rows),
              LshCandidateProbability(std::max(0.0, t - 0.2), p->bands, p->rows));
    EXPECT_NEAR(p->probability_at_threshold,
                LshCandidateProbability(t, p->bands, p->rows), 1e-12);
  }
}

TEST(LshParamsTest, WeightsShiftTheTradeOff) {
  LshParamsOptions recall, precision;
  recall.false_negative_weight = 0.9;
  recall.false_positive_weight = 0.1;
  precision.false_negative_weight = 0.1;
  precision.false_positive_weight = 0.9;
  auto r = ChooseLshParams(recall), p = ChooseLshParams(precision);
  ASSERT_TRUE(r.ok() && p.ok());
  EXPECT_LT(r->false_negative_area, p->false_negative_area);
  EXPECT_GT(r->false_positive_area, p->false_positive_area);
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
  EXPECT_FALSE(MakeLshParams(20, 7, 128, 0.5).ok());  // 140 > 128
  EXPECT_FALSE(MakeLshParams(0, 5, 128, 0.5).ok());
  auto ok = MakeLshParams(16, 8, 128, 0.5);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->bands, 16u);
  EXPECT_EQ(ok->rows, 8u);
}

}  // namespace
}  // namespace mimeo
