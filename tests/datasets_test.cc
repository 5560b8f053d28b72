// The engine on real, labelled text from ../shared/datasets. Each test
// skips when its corpus is absent.
#include <unistd.h>

#include <filesystem>

#include "copy_corpora.h"
#include "corpora.h"
#include "durable_util.h"
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
    const std::vector<bench::LabelledDocument>& docs, Clustering* out,
    const Engine::Options& options = {}) {
  auto e = Engine::Create(options);
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

// Pairwise scores of the clusters against the article folders. At the
// engine's defaults, made for near-duplicates, precision is near 1 and
// recall is what the article versions that are near-duplicates of each
// other give (41% of the folders' pairs are below Jaccard 0.3 and
// containment 0.7; bench/README.md). With the revision-history thresholds
// (`mimeo cluster --mode versions`), recall rises. The figures are in
// bench/README.md; these bars sit a little below them.
TEST(DatasetsTest, WikipediaVersionsF1) {
  const std::string dir = Corpus("wikipedia-versions/version_documents");
  if (dir.empty())
    GTEST_SKIP() << "../shared/datasets/wikipedia-versions absent";
  auto docs = bench::ReadTree(dir);
  ASSERT_TRUE(docs.ok());
  ASSERT_GT(docs->size(), 2000u);
  Clustering c;
  auto e = ClusterAll(*docs, &c);
  bench::PairwiseScores s = bench::ScorePairwise(*docs, c.clusters);
  RecordProperty("f1", std::to_string(s.f1));
  EXPECT_GE(s.precision, 0.99);
  EXPECT_GE(s.f1, 0.70) << "precision " << s.precision << " recall "
                        << s.recall;
  Engine::Options revisions;
  Engine::Options::UseRevisionThresholds(revisions);
  e = ClusterAll(*docs, &c, revisions);
  s = bench::ScorePairwise(*docs, c.clusters);
  RecordProperty("f1_revisions", std::to_string(s.f1));
  EXPECT_GE(s.f1, 0.86) << "precision " << s.precision << " recall "
                        << s.recall;
  EXPECT_GE(s.precision, 0.98);
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

// Shared copy on the founding example: AFP and Al Jazeera share the quote,
// as a passage at its exact bytes in both; the headlines at the foot of the
// Al Jazeera page are shared with nothing.
TEST(DatasetsTest, SeedsShareTheQuoteAndNothingElse) {
  const std::string dir = Corpus("seeds");
  if (dir.empty()) GTEST_SKIP() << "../shared/datasets/seeds absent";
  auto docs = bench::ReadTree(dir);
  ASSERT_TRUE(docs.ok());
  auto e = Engine::Create({});
  ASSERT_TRUE(e.ok());
  for (const auto& d : *docs) ASSERT_TRUE((*e)->Add(d.doc).ok());
  auto report = (*e)->SharedCopy();
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->pairs.size(), 1u);
  const CopyPair& p = report->pairs[0];
  EXPECT_NE((*docs)[p.a].doc.id.find("afp"), std::string::npos);
  EXPECT_NE((*docs)[p.b].doc.id.find("aljazeera"), std::string::npos);
  EXPECT_LT(p.similarity.jaccard, 0.02);
  ASSERT_EQ(p.passages.size(), 1u);
  const Passage& s = p.passages[0];
  const std::string quote = "We're going to have to do more work after Sochi";
  EXPECT_EQ((*docs)[p.a].doc.text.substr(s.a_begin, s.a_end - s.a_begin), quote);
  EXPECT_EQ((*docs)[p.b].doc.text.substr(s.b_begin, s.b_end - s.b_begin), quote);
  ASSERT_EQ(report->families.size(), 1u);
  // The same through Query(): the Al Jazeera text finds AFP and the quote.
  auto m = (*e)->Query((*docs)[p.b].doc.text);
  ASSERT_TRUE(m.ok());
  bool found = false;
  for (const Match& x : *m) found |= x.doc == p.a && x.shares_copy;
  EXPECT_TRUE(found);
}

// The index on disk (Engine::Open) answers as the engine in memory on real
// text: every shared-copy pair with its passages, the clusters, and a query
// for every tenth document, on the seeds and pan13-text-alignment (3,124
// documents, added in batches of 500: several transactions); and, as a
// near-duplicate index (copy off, no sets: records read in place), the
// clusters and the queries.
TEST(DatasetsTest, IndexDirectoryAnswersAsMemory) {
  int corpora = 0;
  for (const bool near_duplicate : {false, true})
  for (const std::string name : {"seeds", "pan13-text-alignment"}) {
    Engine::Options options;
    if (near_duplicate) {
      options.copy.enabled = false;
      options.keep_shingle_sets = false;
    }
    const std::string dir = Corpus(name);
    if (dir.empty()) continue;
    ++corpora;
    std::vector<Document> docs;
    if (name == "seeds") {
      auto tree = bench::ReadTree(dir);
      ASSERT_TRUE(tree.ok()) << tree.status();
      for (const auto& d : *tree) docs.push_back(d.doc);
    } else {
      auto corpus = bench::ReadPan13(dir);
      ASSERT_TRUE(corpus.ok()) << corpus.status();
      docs = corpus->docs;
    }
    const std::string index =
        (fs::path(::testing::TempDir()) /
         ("mimeo_datasets_" + std::to_string(getpid()) + "_" + name +
          (near_duplicate ? "_nd" : "")))
            .string();
    fs::remove_all(index);
    auto memory = Engine::Create(options);
    auto disk = Engine::Open(index, options);
    ASSERT_TRUE(memory.ok() && disk.ok()) << disk.status();
    for (size_t first = 0; first < docs.size(); first += 500) {
      const auto batch = absl::MakeConstSpan(docs).subspan(first, 500);
      ASSERT_TRUE((*memory)->AddBatch(batch).ok());
      ASSERT_TRUE((*disk)->AddBatch(batch).ok());
    }
    if (!near_duplicate) {
      auto copy_a = (*memory)->SharedCopy();
      auto copy_b = (*disk)->SharedCopy();
      ASSERT_TRUE(copy_a.ok() && copy_b.ok());
      EXPECT_FALSE(copy_a->pairs.empty()) << name;
      EXPECT_EQ(testing::Describe(*copy_a), testing::Describe(*copy_b))
          << name;
      for (size_t i = 0; i < copy_a->pairs.size() && i < copy_b->pairs.size();
           ++i) {
        std::vector<Match> a(1), b(1);
        a[0].passages = copy_a->pairs[i].passages;
        b[0].passages = copy_b->pairs[i].passages;
        ASSERT_EQ(testing::Describe(a), testing::Describe(b)) << name << i;
      }
    }
    auto cluster_a = (*memory)->Cluster();
    auto cluster_b = (*disk)->Cluster();
    ASSERT_TRUE(cluster_a.ok() && cluster_b.ok());
    EXPECT_EQ(testing::Describe(*cluster_a), testing::Describe(*cluster_b));
    for (size_t i = 0; i < docs.size(); i += 10) {
      auto a = (*memory)->Query(docs[i].text);
      auto b = (*disk)->Query(docs[i].text);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(testing::Describe(*a), testing::Describe(*b)) << docs[i].id;
    }
    disk->reset();
    EXPECT_TRUE(Engine::CheckIndex(index).ok()) << Engine::CheckIndex(index);
    fs::remove_all(index);
  }
  if (corpora == 0) GTEST_SKIP() << "no seeds or pan13 under ../shared/datasets";
}

// pan13-text-alignment, all 3,124 documents indexed together: every
// labelled no-obfuscation pair found, passages matching the re-derived
// spans, and everything reported true to the text (bench/README.md).
TEST(DatasetsTest, Pan13TextAlignment) {
  const std::string dir = Corpus("pan13-text-alignment");
  if (dir.empty()) GTEST_SKIP() << "../shared/datasets/pan13-text-alignment absent";
  auto corpus = bench::ReadPan13(dir);
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  ASSERT_EQ(corpus->cases.size(), 500u);
  auto e = Engine::Create({});
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE((*e)->AddBatch(corpus->docs).ok());
  auto report = (*e)->SharedCopy();
  ASSERT_TRUE(report.ok());
  const auto r = bench::ScoreReuse(*corpus, *report);
  EXPECT_GE(r.pair_recall, 0.99);
  EXPECT_GE(r.passage_precision, 0.95);
  EXPECT_GE(r.passage_recall, 0.95);
  const auto j = bench::JudgeAgainstText(corpus->docs, *report);
  EXPECT_GE(j.pair_precision(), 0.99);
  EXPECT_GE(j.same_share(), 0.99);
}

// clough-stevenson at the defaults: no independent answer is reported as
// copying its original, and most cut and light answers are. Two "cut"
// answers copy other text than their task's original (no shared run of
// more than 3 words), and at the default boilerplate threshold sentences
// that five or more answers copied count as common; bench/README.md has
// the figures at other thresholds.
TEST(DatasetsTest, CloughStevenson) {
  const std::string dir = Corpus("clough-stevenson");
  if (dir.empty()) GTEST_SKIP() << "../shared/datasets/clough-stevenson absent";
  auto corpus = bench::ReadClough(dir);
  ASSERT_TRUE(corpus.ok()) << corpus.status();
  ASSERT_EQ(corpus->answers.size(), 95u);
  auto e = Engine::Create({});
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE((*e)->AddBatch(corpus->docs).ok());
  auto report = (*e)->SharedCopy();
  ASSERT_TRUE(report.ok());
  const auto s = bench::ScoreClough(*corpus, *report);
  const auto& by = s.by_category;
  EXPECT_LE(by.at("non").found, 0.05 * by.at("non").total);
  EXPECT_GE(by.at("cut").found + by.at("light").found,
            0.8 * (by.at("cut").total + by.at("light").total));
}

}  // namespace
}  // namespace mimeo
