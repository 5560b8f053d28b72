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

// Similarities given as a table; unlisted pairs are 0.
Clusterer::SimilarityFn Table(std::map<std::pair<DocId, DocId>, double> t) {
  return [t](DocId x, DocId y) {
    auto it = t.find({std::min(x, y), std::max(x, y)});
    return it == t.end() ? 0.0 : it->second;
  };
}

TEST(ClusterTest, GuardChecksTwoSingleDocumentsToo) {
  const std::vector<Edge> edges = {{0, 1, 0.9}};
  const auto c = Make(true, 0.5).Run(2, edges, Table({{{0, 1}, 0.1}}));
  EXPECT_TRUE(c.empty());
  const auto d = Make(true, 0.5).Run(2, edges, Table({{{0, 1}, 0.6}}));
  ASSERT_EQ(d.size(), 1u);
}

TEST(ClusterTest, PartsOfOneDocumentDoNotClusterAroundIt) {
  // Document 0 holds documents 1, 2 and 3 (a table of contents and its
  // sections): each is similar to 0, none to another.
  const std::vector<Edge> edges = {{0, 1, 0.9}, {0, 2, 0.85}, {0, 3, 0.8}};
  const auto sim = Table({{{0, 1}, 0.9}, {{0, 2}, 0.85}, {{0, 3}, 0.8}});
  Clusterer::Options o;
  o.representative_threshold = 0.5;
  auto with_peers = Clusterer::Create(o);
  ASSERT_TRUE(with_peers.ok());
  const auto c = with_peers->Run(4, edges, sim);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].members.size(), 2u);  // 0 and its first section only
  // Without peers, the core alone judges: all four.
  o.peers = 0;
  auto core_only = Clusterer::Create(o);
  ASSERT_TRUE(core_only.ok());
  const auto d = core_only->Run(4, edges, sim);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].members.size(), 4u);
}

TEST(ClusterTest, TheHeavierDocumentIsTheCore) {
  // 1 and 2 are versions; 0 is a stub of both. The core is the heaviest,
  // 2, whatever the ids.
  const std::vector<Edge> edges = {{0, 2, 0.9}, {1, 2, 0.8}};
  const auto sim = Table({{{0, 2}, 0.9}, {{1, 2}, 0.8}, {{0, 1}, 0.7}});
  const std::vector<uint64_t> weight = {5, 80, 100};
  const auto c = Make(true, 0.5).Run(3, edges, sim, weight);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].representative, 2u);
  EXPECT_EQ(c[0].members.size(), 3u);
}

// A merge the guard refused is tried again once a group has changed:
// 0 (heavy) refuses 1; then 1 joins 2, whose core 2 leads the larger group
// and is close to 0, so a later edge between 0 and that group merges.
TEST(ClusterTest, ARefusedMergeIsTriedAgainOnceAGroupChanges) {
  const std::vector<Edge> edges = {{0, 1, 0.95}, {1, 2, 0.9}, {0, 2, 0.5}};
  const auto sim = Table({{{0, 1}, 0.1}, {{1, 2}, 0.9}, {{0, 2}, 0.8}});
  const std::vector<uint64_t> weight = {100, 1, 50};
  Clusterer::Options o;
  o.representative_threshold = 0.5;
  o.peers = 0;  // the core alone judges
  auto clusterer = Clusterer::Create(o);
  ASSERT_TRUE(clusterer.ok());
  const auto c = clusterer->Run(3, edges, sim, weight);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].members, (std::vector<DocId>{0, 1, 2}));
  EXPECT_EQ(c[0].representative, 2u);
}

TEST(ClusterTest, ValidatesOptions) {
  Clusterer::Options o;
  o.representative_threshold = 1.5;
  EXPECT_FALSE(Clusterer::Create(o).ok());
}

}  // namespace
}  // namespace mimeo
