#include "mimeo/pair_limit.h"

#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo {
namespace {

TEST(PairLimitTest, StrongestFirstWhileBothDocumentsHaveRoom) {
  // 0-1 is the strongest; then 0-2 cannot be taken at 1 per document,
  // but 2-3 can.
  const std::vector<ScoredPair> pairs = {
      {0, 2, 0.8}, {0, 1, 0.9}, {2, 3, 0.5}, {1, 3, 0.7}};
  EXPECT_EQ(LimitPairsPerDocument(pairs, 1, 4), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(LimitPairsPerDocument(pairs, 2, 4),
            (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(LimitPairsPerDocument(pairs, 0, 4),
            (std::vector<size_t>{0, 1, 2, 3}));
}

TEST(PairLimitTest, TiesGoToTheEarlierPair) {
  const std::vector<ScoredPair> pairs = {{0, 1, 0.5}, {0, 2, 0.5}, {0, 3, 0.5}};
  EXPECT_EQ(LimitPairsPerDocument(pairs, 2, 4), (std::vector<size_t>{0, 1}));
}

// A group of 40 copies (780 pairs) and random pairs besides: no document
// passes the cap, and a pair left out has a full document.
TEST(PairLimitTest, HardCapOnAManyCopyGroup) {
  std::vector<ScoredPair> pairs;
  std::mt19937_64 rng(5);
  for (DocId a = 0; a < 40; ++a) {
    for (DocId b = a + 1; b < 40; ++b) {
      pairs.push_back({a, b, (rng() % 100) / 100.0});
    }
  }
  for (int i = 0; i < 200; ++i) {
    const DocId a = 40 + rng() % 60, b = 40 + rng() % 60;
    if (a != b) pairs.push_back({std::min(a, b), std::max(a, b), 0.3});
  }
  for (uint32_t max : {1u, 3u, 10u}) {
    const std::vector<size_t> kept = LimitPairsPerDocument(pairs, max, 100);
    std::vector<uint32_t> count(100, 0);
    std::vector<bool> in(pairs.size(), false);
    for (size_t i : kept) {
      ++count[pairs[i].a];
      ++count[pairs[i].b];
      in[i] = true;
    }
    for (uint32_t c : count) EXPECT_LE(c, max);
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (in[i]) continue;
      EXPECT_TRUE(count[pairs[i].a] == max || count[pairs[i].b] == max)
          << "pair " << i << " left out with room on both sides";
    }
  }
}

TEST(PairLimitTest, StrengthIsTheLargestFigure) {
  Similarity s;
  s.jaccard = 0.2;
  s.containment_a_in_b = 0.9;
  s.containment_b_in_a = 0.1;
  EXPECT_DOUBLE_EQ(PairStrength(s), 0.9);
}

}  // namespace
}  // namespace mimeo
