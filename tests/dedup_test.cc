#include "mimeo/dedup.h"

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "mimeo/engine.h"
#include "test_util.h"

namespace mimeo {
namespace {

Cluster Of(uint32_t id, std::vector<DocId> members) {
  Cluster c;
  c.id = id;
  c.representative = members.front();
  c.members = std::move(members);
  return c;
}

TEST(DedupTest, EarliestDateWhenEveryMemberHasOne) {
  const std::map<DocId, int64_t> dates = {{0, 300}, {1, 100}, {2, 200}};
  const DateFn date_of = [&](DocId d) -> std::optional<int64_t> {
    return dates.at(d);
  };
  // Document 0 is the longest, but 1 is the earliest.
  const std::vector<uint64_t> lengths = {900, 10, 500};
  EXPECT_EQ(ChooseKept(Of(0, {0, 1, 2}), date_of, lengths), 1u);
}

TEST(DedupTest, LongestWhenADateIsMissing) {
  const DateFn date_of = [](DocId d) -> std::optional<int64_t> {
    if (d == 2) return std::nullopt;
    return 100 + d;
  };
  const std::vector<uint64_t> lengths = {10, 20, 900};
  EXPECT_EQ(ChooseKept(Of(0, {0, 1, 2}), date_of, lengths), 2u);
  EXPECT_EQ(ChooseKept(Of(0, {0, 1, 2}), nullptr, lengths), 2u);
}

TEST(DedupTest, SameDateGoesToTheLongestThenTheFirst) {
  const DateFn same = [](DocId) -> std::optional<int64_t> { return 7; };
  EXPECT_EQ(ChooseKept(Of(0, {3, 5, 8}), same, {0, 0, 0, 40, 0, 90, 0, 0, 90}),
            5u);
  // Equal lengths and no dates: the smallest DocId, whatever the order.
  EXPECT_EQ(ChooseKept(Of(0, {8, 3, 5}), nullptr, {}), 3u);
}

TEST(DedupTest, OneDecisionPerDocument) {
  const std::vector<Cluster> clusters = {Of(0, {1, 4}), Of(1, {2, 3, 6})};
  const std::vector<uint64_t> lengths = {5, 5, 50, 60, 40, 5, 60};
  absl::StatusOr<std::vector<DedupDecision>> d =
      DecideKeep(7, clusters, nullptr, lengths);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->size(), 7u);
  // Cluster 0: 1 and 4 are of lengths 5 and 40: 4 is kept.
  EXPECT_FALSE((*d)[1].keep);
  EXPECT_EQ((*d)[1].kept, 4u);
  EXPECT_TRUE((*d)[4].keep);
  EXPECT_EQ((*d)[4].cluster, 0u);
  // Cluster 1: 3 and 6 are the longest; 3 comes first.
  EXPECT_TRUE((*d)[3].keep);
  EXPECT_FALSE((*d)[2].keep);
  EXPECT_FALSE((*d)[6].keep);
  EXPECT_EQ((*d)[6].kept, 3u);
  EXPECT_EQ((*d)[6].cluster, 1u);
  // Not in a cluster: kept, as themselves.
  for (DocId alone : {0u, 5u}) {
    EXPECT_TRUE((*d)[alone].keep);
    EXPECT_FALSE((*d)[alone].cluster.has_value());
    EXPECT_EQ((*d)[alone].kept, alone);
  }
}

TEST(DedupTest, RefusesClustersThatAreNotAPartition) {
  EXPECT_FALSE(DecideKeep(3, {Of(0, {0, 3})}, nullptr, {}).ok());
  EXPECT_FALSE(DecideKeep(4, {Of(0, {0, 1}), Of(1, {1, 2})}, nullptr, {}).ok());
  Cluster empty;
  EXPECT_FALSE(DecideKeep(4, {empty}, nullptr, {}).ok());
  EXPECT_FALSE(DecideKeep(4, {Of(0, {0, 1})}, nullptr, {1, 2}).ok());
}

// An engine's near-duplicate clusters, decided: each cluster keeps exactly
// one member (the longest of its copies here), everything else stays, and
// dropping what is dropped leaves no two kept documents in one cluster.
TEST(DedupTest, KeptSetAgainstTheEngineClusters) {
  std::mt19937_64 rng(19);
  std::vector<Document> docs;
  // 12 originals, each with 0-3 copies that lose a few words at the end.
  for (int o = 0; o < 12; ++o) {
    const std::string text = testing::RandomText(rng, 200);
    docs.push_back({"orig" + std::to_string(o), text});
    const int copies = o % 4;
    for (int c = 0; c < copies; ++c) {
      docs.push_back({"copy" + std::to_string(o) + "-" + std::to_string(c),
                      text.substr(0, text.size() - 10 * (c + 1))});
    }
  }
  std::shuffle(docs.begin(), docs.end(), rng);
  std::vector<uint64_t> lengths;
  for (const Document& d : docs) lengths.push_back(d.text.size());
  Engine::Options options;
  options.copy.enabled = false;
  auto engine = Engine::Create(options);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->AddBatch(docs).ok());
  absl::StatusOr<Clustering> clustering = (*engine)->Cluster();
  ASSERT_TRUE(clustering.ok());
  // Originals 1, 2, 3, 5, 6, 7, 9, 10, 11 have copies.
  ASSERT_EQ(clustering->clusters.size(), 9u);

  absl::StatusOr<std::vector<DedupDecision>> decisions =
      DecideKeep(docs.size(), clustering->clusters, nullptr, lengths);
  ASSERT_TRUE(decisions.ok()) << decisions.status();
  size_t kept = 0;
  std::vector<int> in_cluster(docs.size(), -1);
  for (const Cluster& c : clustering->clusters) {
    int kept_here = 0;
    for (DocId m : c.members) {
      in_cluster[m] = static_cast<int>(c.id);
      const DedupDecision& d = (*decisions)[m];
      EXPECT_EQ(d.cluster, c.id);
      kept_here += d.keep;
      // The kept member is the original: the longest of the cluster.
      EXPECT_EQ(docs[d.kept].id.rfind("orig", 0), 0u) << docs[d.kept].id;
      for (DocId other : c.members) {
        EXPECT_GE(lengths[d.kept], lengths[other]);
      }
    }
    EXPECT_EQ(kept_here, 1) << "cluster " << c.id;
  }
  for (DocId d = 0; d < docs.size(); ++d) {
    const DedupDecision& x = (*decisions)[d];
    kept += x.keep;
    if (in_cluster[d] < 0) {
      EXPECT_TRUE(x.keep) << docs[d].id;
      EXPECT_FALSE(x.cluster.has_value());
    }
  }
  // One document per original.
  EXPECT_EQ(kept, 12u);
}

}  // namespace
}  // namespace mimeo
