#include "mimeo/cluster.h"

#include <algorithm>
#include <map>
#include <random>

#include "gtest/gtest.h"

namespace mimeo {
namespace {

Clusterer Make(bool guard, double threshold = 0.5) {
  Clusterer::Options o;
  o.guard_chaining = guard;
  o.representative_threshold = threshold;
  auto c = Clusterer::Create(o);
  EXPECT_TRUE(c.ok());
  return *c;
}

TEST(ClusterTest, ConnectedComponentsWithStableIds) {
  const Clusterer c = Make(false);
  // Groups {1, 4, 7} and {2, 9}; 0, 3 alone.
  const std::vector<Edge> edges = {{9, 2, 0.9}, {7, 4, 0.8}, {1, 4, 0.7}};
  const std::vector<Cluster> out = c.Run(10, edges, nullptr);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, 0u);
  EXPECT_EQ(out[0].members, (std::vector<DocId>{1, 4, 7}));
  EXPECT_EQ(out[0].representative, 4u);  // two edges
  EXPECT_EQ(out[1].members, (std::vector<DocId>{2, 9}));
  EXPECT_EQ(out[1].representative, 2u);  // tie: smallest id
}

TEST(ClusterTest, ResultDoesNotDependOnEdgeOrder) {
  std::mt19937_64 rng(4);
  std::vector<Edge> edges;
  for (int i = 0; i < 300; ++i) {
    edges.push_back({static_cast<DocId>(rng() % 200), static_cast<DocId>(rng() % 200),
                     (rng() % 10) / 10.0});
  }
  auto sim = [](DocId a, DocId b) { return ((a * 7 + b * 7) % 10) / 10.0; };
  for (bool guard : {false, true}) {
    const Clusterer c = Make(guard, 0.3);
    const auto first = c.Run(200, edges, sim);
    std::shuffle(edges.begin(), edges.end(), rng);
    const auto second = c.Run(200, edges, sim);
    ASSERT_EQ(first.size(), second.size());
    for (size_t i = 0; i < first.size(); ++i) {
      EXPECT_EQ(first[i].members, second[i].members);
      EXPECT_EQ(first[i].representative, second[i].representative);
    }
  }
}

TEST(ClusterTest, GuardStopsChaining) {
  // 0~1 strongly, 1~2 strongly, 2~3 weakly, 3~4 strongly: a chain. 0 and 3
  // have nothing in common.
  std::map<std::pair<DocId, DocId>, double> sim = {
      {{0, 1}, 0.9}, {{1, 2}, 0.8}, {{0, 2}, 0.7}, {{2, 3}, 0.3},
      {{3, 4}, 0.9}, {{0, 3}, 0.0}, {{1, 3}, 0.0}, {{0, 4}, 0.0}};
  auto fn = [&](DocId a, DocId b) {
    auto it = sim.find({std::min(a, b), std::max(a, b)});
    return it == sim.end() ? 0.0 : it->second;
  };
  std::vector<Edge> edges;
  for (const auto& [k, v] : sim) {
    if (v > 0) edges.push_back({k.first, k.second, v});
  }
  const auto plain = Make(false).Run(5, edges, fn);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].members.size(), 5u);
  const auto guarded = Make(true, 0.5).Run(5, edges, fn);
  ASSERT_EQ(guarded.size(), 2u);
  EXPECT_EQ(guarded[0].members, (std::vector<DocId>{0, 1, 2}));
  EXPECT_EQ(guarded[1].members, (std::vector<DocId>{3, 4}));
}

TEST(ClusterTest, ValidatesOptions) {
  Clusterer::Options o;
  o.representative_threshold = 1.5;
  EXPECT_FALSE(Clusterer::Create(o).ok());
}

}  // namespace
}  // namespace mimeo
