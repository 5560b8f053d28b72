// The engine on real, labelled text from ../shared/datasets. Each test
// skips when its corpus is absent.
#include <filesystem>

#include "corpora.h"
#include "gtest/gtest.h"
#include "mimeo/engine.h"
#include "test_util.h"

namespace mimeo {
namespace {

namespace fs = std::filesystem;

std::string Corpus(const std::string& name) {
  const std::string root = testing::SharedDatasets();
  if (root.empty()) return "";
  const fs::path p = fs::path(root) / name;
  return fs::exists(p) ? p.string() : "";
}

// The engine's default shingle set of a text, built from the stages.
std::vector<uint64_t> ShingleSet(const std::string& text) {
  auto n = Normalizer::Create({});
  auto t = Tokenizer::Create({});
  auto sh = Shingler::Create({});
  EXPECT_TRUE(n.ok() && t.ok() && sh.ok());
  auto norm = n->Normalize(text);
  std::vector<Token> tokens;
  t->Tokenize(norm->text, tokens);
  Shingles shingles;
  sh->Shingle(norm->text, tokens, shingles);
  std::vector<uint64_t> set;
  SortedSet(shingles.hashes, set);
  return set;
}

std::unique_ptr<Engine> ClusterAll(
    const std::vector<bench::LabelledDocument>& docs, Clustering* out) {
  auto e = Engine::Create({});
  EXPECT_TRUE(e.ok());
  std::vector<Document> batch;
  for (const auto& d : docs) batch.push_back(d.doc);
  EXPECT_TRUE((*e)->AddBatch(batch).ok());
  auto c = (*e)->Cluster();
  EXPECT_TRUE(c.ok());
  *out = *c;
  return std::move(*e);
}

// The founding example: the Al Jazeera article reuses a few lines of the
// AFP wire story (whole-document Jaccard about 0.01), and the BBC text is
// another meeting. None of the three is a near-duplicate of another.
TEST(DatasetsTest, SeedsAreNotNearDuplicates) {
  const std::string dir = Corpus("seeds");
  if (dir.empty()) GTEST_SKIP() << "../shared/datasets/seeds absent";
  auto docs = bench::ReadTree(dir);
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 3u);
  Clustering c;
  auto e = ClusterAll(*docs, &c);
  EXPECT_TRUE(c.clusters.empty());
  // They do share text: Al Jazeera and AFP have a few shingles in common,
  // far too few for near-duplication; BBC shares almost none with AFP.
  auto find = [&](const char* name) {
    for (const auto& d : *docs) {
      if (d.doc.id.find(name) != std::string::npos) return d.doc.text;
    }
    ADD_FAILURE() << name;
    return std::string();
  };
  const Similarity aj =
      ExactSimilarity(ShingleSet(find("aljazeera")), ShingleSet(find("afp")));
  const Similarity bbc =
      ExactSimilarity(ShingleSet(find("bbc")), ShingleSet(find("afp")));
  EXPECT_GE(aj.intersection, 5u);
  EXPECT_LT(aj.jaccard, 0.05);
  EXPECT_LT(bbc.intersection, aj.intersection);
}

// Pairwise F1 of the clusters against the article folders, at the
// engine's defaults. The bar from the issue is 0.90; bench/README.md has
// the measured figure.
TEST(DatasetsTest, WikipediaVersionsF1) {
  const std::string dir = Corpus("wikipedia-versions/version_documents");
  if (dir.empty())
    GTEST_SKIP() << "../shared/datasets/wikipedia-versions absent";
  auto docs = bench::ReadTree(dir);
  ASSERT_TRUE(docs.ok());
  ASSERT_GT(docs->size(), 2000u);
  Clustering c;
  auto e = ClusterAll(*docs, &c);
  const bench::PairwiseScores s = bench::ScorePairwise(*docs, c.clusters);
  RecordProperty("f1", std::to_string(s.f1));
  EXPECT_GE(s.f1, 0.90) << "precision " << s.precision << " recall "
                        << s.recall;
  EXPECT_GE(s.precision, 0.95);
}

// Every group of identical bodies (after case and whitespace folding) ends
// in one cluster.
void ExpectExactGroupsClustered(
    const std::vector<bench::LabelledDocument>& docs) {
  Clustering c;
  auto e = ClusterAll(docs, &c);
  const bench::ExactGroups g = bench::CheckExactGroups(docs, c.clusters);
  EXPECT_GT(g.groups, 100u);
  EXPECT_EQ(g.whole, g.groups);
  for (const std::string& id : g.split) ADD_FAILURE() << "split group: " << id;
}

TEST(DatasetsTest, ReutersExactGroupsInOneCluster) {
  const std::string dir = Corpus("reuters21578/data");
  if (dir.empty()) GTEST_SKIP() << "../shared/datasets/reuters21578 absent";
  auto docs = bench::ReadReuters(dir);
  ASSERT_TRUE(docs.ok());
  ExpectExactGroupsClustered(*docs);
}

TEST(DatasetsTest, BbcExactGroupsInOneCluster) {
  const std::string dir = Corpus("bbc-news/bbc");
  if (dir.empty()) GTEST_SKIP() << "../shared/datasets/bbc-news absent";
  auto docs = bench::ReadTree(dir);
  ASSERT_TRUE(docs.ok());
  ExpectExactGroupsClustered(*docs);
}

}  // namespace
}  // namespace mimeo
