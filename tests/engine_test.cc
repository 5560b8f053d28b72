#include "mimeo/engine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"
#include "xxhash.h"

namespace mimeo {
namespace {

using testing::RandomText;

std::unique_ptr<Engine> Make(Engine::Options o = {}) {
  auto e = Engine::Create(o);
  EXPECT_TRUE(e.ok()) << e.status();
  return std::move(*e);
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("mimeo_engine_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// A small corpus with known structure: 30 originals, 10 of them with a
// light edit, 10 with a paragraph appended, and 10 unrelated texts.
std::vector<Document> Corpus(uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::vector<Document> docs;
  for (int i = 0; i < 30; ++i) {
    docs.push_back({"orig/" + std::to_string(i), RandomText(rng, 300)});
  }
  for (int i = 0; i < 10; ++i) {
    std::string t = docs[i].text;
    t.replace(t.find(' ', 200), 1, " inserted words here ");
    docs.push_back({"edit/" + std::to_string(i), t});
  }
  for (int i = 10; i < 20; ++i) {
    docs.push_back({"long/" + std::to_string(i),
                    docs[i].text + " " + RandomText(rng, 200)});
  }
  for (int i = 0; i < 10; ++i) {
    docs.push_back({"other/" + std::to_string(i), RandomText(rng, 300)});
  }
  return docs;
}

TEST(EngineTest, FindsEditedAndExtendedCopies) {
  auto e = Make();
  const std::vector<Document> docs = Corpus();
  ASSERT_TRUE(e->AddBatch(docs).ok());
  auto c = e->Cluster();
  ASSERT_TRUE(c.ok());
  // Exactly the 20 pairs built above, each its own cluster.
  ASSERT_EQ(c->clusters.size(), 20u);
  for (const Cluster& cl : c->clusters) {
    ASSERT_EQ(cl.members.size(), 2u);
    const std::string a = e->id(cl.members[0]), b = e->id(cl.members[1]);
    EXPECT_EQ(a.substr(a.find('/')), b.substr(b.find('/'))) << a << " " << b;
  }
  // The extended copy contains its original wholly.
  auto m = e->Query(docs[12].text);
  ASSERT_TRUE(m.ok());
  ASSERT_GE(m->size(), 2u);
  EXPECT_EQ((*m)[0].id, "orig/12");
  EXPECT_DOUBLE_EQ((*m)[0].jaccard, 1.0);
  EXPECT_EQ((*m)[1].id, "long/12");
  EXPECT_DOUBLE_EQ((*m)[1].containment_query_in_doc, 1.0);
  EXPECT_LT((*m)[1].jaccard, 0.8);
  EXPECT_NEAR((*m)[1].estimated_jaccard, (*m)[1].jaccard, 0.25);
}

TEST(EngineTest, BadInputHasDefinedBehaviour) {
  Engine::Options o;
  o.max_document_bytes = 1000;
  auto e = Make(o);
  // Empty text, only punctuation: kept, counted, match nothing.
  ASSERT_TRUE(e->Add({"empty", ""}).ok());
  ASSERT_TRUE(e->Add({"empty2", ""}).ok());
  ASSERT_TRUE(e->Add({"punct", "!!! ... ???"}).ok());
  EXPECT_EQ(e->stats().empty_documents, 3u);
  EXPECT_TRUE(e->Query("")->empty());
  // Fewer than k tokens: one shingle, matches its exact copy only.
  ASSERT_TRUE(e->Add({"short", "Hello there"}).ok());
  ASSERT_TRUE(e->Add({"short-copy", "hello,  THERE!"}).ok());
  ASSERT_TRUE(e->Add({"short-other", "hello world"}).ok());
  auto c = e->Cluster();
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->clusters.size(), 1u);
  EXPECT_EQ(e->id(c->clusters[0].members[0]), "short");
  EXPECT_EQ(e->id(c->clusters[0].members[1]), "short-copy");
  // Invalid UTF-8 and NUL bytes: repaired, counted, still matched.
  ASSERT_TRUE(e->Add({"bad", std::string("caf\xe9 au lait\0 est bon ici", 24)}).ok());
  EXPECT_EQ(e->stats().invalid_utf8, 1u);
  EXPECT_EQ(e->stats().nul_bytes, 1u);
  EXPECT_EQ(e->Query(std::string("caf\xe9 au lait est bon ici"))->size(), 1u);
  // Duplicate ids, unknown ids, over-long text, empty id.
  EXPECT_EQ(e->Add({"short", "x"}).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(e->Remove("nope").code(), absl::StatusCode::kNotFound);
  auto big = e->Add({"big", std::string(1001, 'a')});
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(big.status().message().find("'big'"), std::string::npos);
  EXPECT_EQ(e->Add({"", "text"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(e->stats().documents, 7u);
}

TEST(EngineTest, BatchIsAllOrNothing) {
  auto e = Make();
  ASSERT_TRUE(e->Add({"a", "one two three"}).ok());
  std::vector<Document> batch = {{"b", "x"}, {"c", "y"}, {"b", "z"}};
  auto r = e->AddBatch(batch);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(r.status().message().find("'b'"), std::string::npos);
  batch = {{"d", "x"}, {"a", "y"}};
  EXPECT_EQ(e->AddBatch(batch).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(e->stats().documents, 1u);
  EXPECT_EQ(e->num_ids(), 1u);
}

TEST(EngineTest, HundredMegabyteDocument) {
  auto e = Make();
  std::mt19937_64 rng(3);
  std::string huge;
  huge.reserve(100u << 20);
  while (huge.size() < (100u << 20)) huge += RandomText(rng, 1000) + "\n";
  ASSERT_TRUE(e->Add({"huge", huge}).ok());
  ASSERT_TRUE(e->Add({"small", RandomText(rng, 500)}).ok());
  EXPECT_GE(e->stats().bytes, uint64_t{100} << 20);
  EXPECT_GT(e->stats().shingles, 1000000u);
  // The same text with its first words changed still finds it, exactly.
  huge.replace(0, 40, "an entirely different opening for the text");
  auto m = e->Query(huge);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].id, "huge");
  EXPECT_GT((*m)[0].jaccard, 0.99);
}

TEST(EngineTest, RemoveTakesDocumentOut) {
  auto e = Make();
  const std::vector<Document> docs = Corpus();
  ASSERT_TRUE(e->AddBatch(docs).ok());
  ASSERT_TRUE(e->Remove("edit/3").ok());
  EXPECT_EQ(e->Remove("edit/3").code(), absl::StatusCode::kNotFound);
  auto m = e->Query(docs[3].text);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].id, "orig/3");
  EXPECT_EQ(e->Cluster()->clusters.size(), 19u);
  // The id may be used again.
  EXPECT_TRUE(e->Add({"edit/3", docs[33].text}).ok());
  EXPECT_EQ(e->Cluster()->clusters.size(), 20u);
}

// One thread and all threads give the same ids, pairs, clusters and
// snapshot bytes.
TEST(EngineTest, DeterministicWhateverTheThreadCount) {
  const std::vector<Document> docs = Corpus(5);
  std::vector<std::string> snapshots;
  std::vector<Clustering> results;
  for (int threads : {1, 0}) {
    Engine::Options o;
    o.threads = threads;
    auto e = Make(o);
    ASSERT_TRUE(e->AddBatch(docs).ok());
    auto c = e->Cluster();
    ASSERT_TRUE(c.ok());
    results.push_back(*c);
    const std::string path = TempPath("det" + std::to_string(threads));
    ASSERT_TRUE(e->Save(path).ok());
    snapshots.push_back(testing::ReadFile(path));
    std::remove(path.c_str());
  }
  EXPECT_EQ(snapshots[0], snapshots[1]);
  ASSERT_EQ(results[0].pairs.size(), results[1].pairs.size());
  for (size_t i = 0; i < results[0].pairs.size(); ++i) {
    EXPECT_EQ(results[0].pairs[i].a, results[1].pairs[i].a);
    EXPECT_EQ(results[0].pairs[i].b, results[1].pairs[i].b);
    EXPECT_EQ(results[0].pairs[i].score, results[1].pairs[i].score);
  }
  ASSERT_EQ(results[0].clusters.size(), results[1].clusters.size());
  for (size_t i = 0; i < results[0].clusters.size(); ++i) {
    EXPECT_EQ(results[0].clusters[i].members, results[1].clusters[i].members);
  }
  // Adding one at a time equals adding the batch.
  auto one = Make();
  for (const Document& d : docs) ASSERT_TRUE(one->Add(d).ok());
  const std::string path = TempPath("one");
  ASSERT_TRUE(one->Save(path).ok());
  EXPECT_EQ(testing::ReadFile(path), snapshots[0]);
  std::remove(path.c_str());
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = TempPath("snap");
    engine_ = Make();
    docs_ = Corpus(9);
    ASSERT_TRUE(engine_->AddBatch(docs_).ok());
    ASSERT_TRUE(engine_->Remove("other/0").ok());
    ASSERT_TRUE(engine_->Save(path_).ok());
    bytes_ = testing::ReadFile(path_);
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void Write(const std::string& bytes) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
  }
  absl::Status LoadStatus(Engine::Options o = {}) {
    return Engine::Load(path_, o).status();
  }

  std::string path_;
  std::unique_ptr<Engine> engine_;
  std::vector<Document> docs_;
  std::string bytes_;
};

TEST_F(SnapshotTest, RoundTrip) {
  Engine::Options o;
  o.lsh_bands = 16;  // banding is not a hashing parameter: it may change
  o.lsh_rows = 2;
  auto loaded = Engine::Load(path_, o);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->stats().documents, engine_->stats().documents);
  EXPECT_EQ((*loaded)->stats().removed, 1u);
  EXPECT_EQ((*loaded)->stats().shingles, engine_->stats().shingles);
  EXPECT_EQ((*loaded)->lsh_params().bands, 16u);
  for (int i : {0, 11, 45}) {
    auto a = engine_->Query(docs_[i].text), b = (*loaded)->Query(docs_[i].text);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    for (size_t j = 0; j < a->size(); ++j) {
      EXPECT_EQ((*a)[j].id, (*b)[j].id);
      EXPECT_EQ((*a)[j].jaccard, (*b)[j].jaccard);
    }
  }
  EXPECT_EQ((*loaded)->Cluster()->clusters.size(),
            engine_->Cluster()->clusters.size());
  // Removed ids stay removed; new documents continue the numbering.
  EXPECT_TRUE((*loaded)->Query(docs_[50].text)->empty());  // other/0
  auto d = (*loaded)->Add({"new", "a new text"});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, docs_.size());
  // Saving the loaded engine gives the same bytes.
  auto again = Engine::Load(path_, {});
  ASSERT_TRUE(again.ok());
  const std::string path2 = path_ + "2";
  ASSERT_TRUE((*again)->Save(path2).ok());
  EXPECT_EQ(testing::ReadFile(path2), bytes_);
  std::remove(path2.c_str());
}

TEST_F(SnapshotTest, RefusesOtherParameters) {
  Engine::Options o;
  o.shingle.k = 7;
  absl::Status s = LoadStatus(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("shingle.k is 5 in the file but 7"), std::string::npos) << s;
  o = {};
  o.minhash.num_perm = 64;
  EXPECT_NE(LoadStatus(o).message().find("num_perm is 128"), std::string::npos);
  o = {};
  o.minhash.seed = 99;
  EXPECT_NE(LoadStatus(o).message().find("minhash.seed is 1 in the file but 99"), std::string::npos);
  o = {};
  o.normalize.case_fold = false;
  EXPECT_NE(LoadStatus(o).message().find("normalize.case_fold is 1 in the file but 0"), std::string::npos);
}

TEST_F(SnapshotTest, RefusesTruncatedAndCorruptFiles) {
  for (size_t keep : {size_t{0}, size_t{10}, size_t{127}, size_t{128},
                      bytes_.size() / 2, bytes_.size() - 1}) {
    Write(bytes_.substr(0, keep));
    const absl::Status s = LoadStatus();
    EXPECT_FALSE(s.ok()) << keep;
    EXPECT_NE(s.message().find(path_), std::string::npos) << s;
    if (keep > 128) {
      EXPECT_NE(s.message().find("truncated"), std::string::npos) << s;
    }
  }
  // Every byte flipped in turn (sampled): never accepted, never a crash.
  for (size_t at = 0; at < bytes_.size(); at += 1 + bytes_.size() / 300) {
    std::string bad = bytes_;
    bad[at] ^= 0x5A;
    Write(bad);
    EXPECT_FALSE(LoadStatus().ok()) << "byte " << at;
  }
  std::string bad = bytes_;
  bad[bytes_.size() - 30] ^= 1;
  Write(bad);
  EXPECT_NE(LoadStatus().message().find("payload checksum"), std::string::npos);
  Write("not a snapshot at all, just some text that is long enough to fill a "
        "header of one hundred and twenty-eight bytes.........................");
  EXPECT_NE(LoadStatus().message().find("not a mimeo snapshot"), std::string::npos);
  EXPECT_EQ(Engine::Load(path_ + ".missing", {}).status().code(),
            absl::StatusCode::kNotFound);
}

// `bytes` with the 8-byte header field at `offset` set to `value` and the
// header checksum recomputed: a crafted file, since XXH3 is not keyed. The
// header layout is documented in src/snapshot.cc.
std::string Crafted(std::string bytes, size_t offset, uint64_t value) {
  std::memcpy(&bytes[offset], &value, sizeof(value));
  const uint64_t checksum = XXH3_64bits(bytes.data(), 120);
  std::memcpy(&bytes[120], &checksum, sizeof(checksum));
  return bytes;
}

TEST_F(SnapshotTest, AnUnknownTokenHashIsRefused) {
  constexpr size_t kTokenHash = 100;  // after flags; 4 bytes, then reserved
  Write(Crafted(bytes_, kTokenHash, 1));  // the true value, re-checksummed
  ASSERT_TRUE(LoadStatus().ok()) << LoadStatus();
  Write(Crafted(bytes_, kTokenHash, 7));
  for (const absl::Status& s :
       {LoadStatus(), Engine::ReadSnapshotInfo(path_).status()}) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find(path_), std::string::npos) << s;
    EXPECT_NE(s.message().find("token hash 7"), std::string::npos) << s;
  }
}

TEST_F(SnapshotTest, CraftedCountsAreRefusedBeforeAnythingIsAllocated) {
  constexpr size_t kNumIds = 56, kNumLive = 64, kNumSetHashes = 72;
  // The helper itself: the true count, re-checksummed, still loads.
  uint64_t num_live;
  std::memcpy(&num_live, &bytes_[kNumLive], sizeof(num_live));
  Write(Crafted(bytes_, kNumLive, num_live));
  ASSERT_TRUE(LoadStatus().ok()) << LoadStatus();
  struct Case {
    const char* field;
    size_t offset;
    uint64_t value;
  };
  for (const Case& c :
       {Case{"num_live", kNumLive, uint64_t{1} << 56},
        Case{"num_live", kNumLive, uint64_t{1} << 30},
        Case{"num_live", kNumLive, uint64_t{16} << 20},
        Case{"num_live", kNumLive, docs_.size() + 1},
        Case{"num_ids", kNumIds, uint64_t{1} << 56},
        Case{"num_ids", kNumIds, uint64_t{16} << 20},
        Case{"num_set_hashes", kNumSetHashes, uint64_t{1} << 56},
        Case{"num_set_hashes", kNumSetHashes, uint64_t{1} << 30}}) {
    SCOPED_TRACE(absl::StrFormat("%s = %d", c.field, c.value));
    Write(Crafted(bytes_, c.offset, c.value));
    const auto start = std::chrono::steady_clock::now();
    const absl::Status s = LoadStatus();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
    EXPECT_NE(s.message().find(path_), std::string::npos) << s;
    EXPECT_NE(s.message().find(c.field), std::string::npos) << s;
    // Refused from the header, not after sizing tables (which took seconds
    // for 16M); generous for a loaded machine.
    EXPECT_LT(seconds, 2.0);
    const absl::Status info = Engine::ReadSnapshotInfo(path_).status();
    EXPECT_EQ(info.code(), absl::StatusCode::kDataLoss) << info;
    EXPECT_NE(info.message().find(c.field), std::string::npos) << info;
  }
}

// Save() is const and may run on many threads at once, to one path too:
// each writes its own temporary file, so none fails and the file loads.
TEST_F(SnapshotTest, ConcurrentSavesToOnePathAllSucceed) {
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) failed += !engine_->Save(path_).ok();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(testing::ReadFile(path_), bytes_);
  EXPECT_TRUE(LoadStatus().ok());
}

TEST(EngineTest, SaveToUnwritablePathFails) {
  auto e = Make();
  const absl::Status s = e->Save("/nonexistent-dir/x.mimeo");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("/nonexistent-dir/x.mimeo"), std::string::npos);
}

TEST(EngineTest, ConcurrentQueriesWhileAdding) {
  auto e = Make();
  const std::vector<Document> docs = Corpus(13);
  ASSERT_TRUE(e->AddBatch(absl::MakeConstSpan(docs).subspan(0, 30)).ok());
  std::atomic<bool> failed{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto m = e->Query(docs[(t * 7 + i) % 30].text);
        if (!m.ok() || m->empty() || (*m)[0].jaccard != 1.0) failed = true;
      }
    });
  }
  for (size_t i = 30; i < docs.size(); ++i) ASSERT_TRUE(e->Add(docs[i]).ok());
  for (auto& r : readers) r.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(e->Cluster()->clusters.size(), 20u);
}

// A writer is not held off by queries that keep arriving (the engine's lock
// lets no new reader in while a writer waits). Asserts only that Add() gets
// in at all while the readers still run, within a minute: robust on a busy
// machine.
TEST(EngineTest, AddGetsInWhileQueriesKeepArriving) {
  auto e = Make();
  const std::vector<Document> docs = Corpus(17);
  ASSERT_TRUE(e->AddBatch(absl::MakeConstSpan(docs).subspan(0, 50)).ok());
  std::atomic<bool> stop{false}, added{false};
  std::atomic<int> queries{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        (void)e->Query(docs[(t * 13 + i) % 50].text);
        ++queries;
      }
    });
  }
  while (queries.load() < 20) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::thread writer([&] {
    EXPECT_TRUE(e->Add(docs[55]).ok());
    added = true;
  });
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!added.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const bool added_while_querying = added.load();
  stop = true;
  writer.join();
  for (std::thread& r : readers) r.join();
  EXPECT_TRUE(added_while_querying);
}

TEST(EngineTest, ValidatesOptions) {
  Engine::Options o;
  o.lsh_bands = 10;  // rows missing
  EXPECT_FALSE(Engine::Create(o).ok());
  o = {};
  o.lsh_threshold = 1.5;
  EXPECT_FALSE(Engine::Create(o).ok());
  o = {};
  o.threads = -2;
  EXPECT_FALSE(Engine::Create(o).ok());
  o = {};
  o.shingle.k = 0;
  EXPECT_FALSE(Engine::Create(o).ok());
  o = {};
  o.expected_documents = uint64_t{1} << 33;  // more than DocIds can name
  EXPECT_EQ(Engine::Create(o).status().code(),
            absl::StatusCode::kInvalidArgument);
}


TEST(EngineTest, SimHashCandidatesAndOnePermutationScheme) {
  Engine::Options o;
  o.simhash_max_distance = 6;
  o.minhash.scheme = MinHashScheme::kOnePermutation;
  auto e = Make(o);
  ASSERT_TRUE(e->AddBatch(Corpus(21)).ok());
  EXPECT_EQ(e->Cluster()->clusters.size(), 20u);
}

}  // namespace
}  // namespace mimeo

namespace mimeo {
namespace {

// tests/fixtures/snapshot-v1.mimeo to -v5 were written by Save() from the
// documents below, in format versions 1, 2 (adds texts and dates), 3 (new
// shingle hashes), 4 (adds sources; "wire" and "reprint" have one) and 5
// (tokens hashed by TokenHash::kShortMix; 3 and 4 hold XXH3's). If the v5
// test fails, the format or a hash changed: old snapshots would no longer
// load or would silently disagree. That needs a new format version, not a
// new fixture.
std::unique_ptr<Engine> FixtureEngine(Engine::Options o = {}) {
  auto e = Make(o);
  const std::pair<const char*, const char*> texts[] = {
      {"wire", "The port authority said on Tuesday that the new container "
               "terminal would open in March, two years later than first "
               "planned."},
      {"reprint", "Our reporter writes: the port authority said on Tuesday "
                  "that the new container terminal would open in March, two "
                  "years later than first planned."},
      {"other", "A bakery that has stood on the corner for ninety years will "
                "close in the spring."},
      {"removed", "This document is removed before the snapshot is saved."},
      {"empty", ""}};
  for (const auto& [id, text] : texts) {
    Document d{id, text};
    if (d.id == "wire" || d.id == "reprint") d.source = d.id + " desk";
    EXPECT_TRUE(e->Add(d).ok());
  }
  EXPECT_TRUE(e->Remove("removed").ok());
  return e;
}

std::string FixturePath(int version) {
  return std::string(MIMEO_SOURCE_DIR) + "/tests/fixtures/snapshot-v" +
         std::to_string(version) + ".mimeo";
}

void ExpectFixtureClusters(const Engine& e) {
  EXPECT_EQ(e.stats().documents, 4u);
  EXPECT_EQ(e.stats().removed, 1u);
  EXPECT_EQ(e.stats().empty_documents, 1u);
  auto c = e.Cluster();
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->clusters.size(), 1u);
  EXPECT_EQ(e.id(c->clusters[0].members[0]), "wire");
  EXPECT_EQ(e.id(c->clusters[0].members[1]), "reprint");
}

TEST(SnapshotFormatTest, VersionsOneAndTwoAreRefusedWithAWayOut) {
  // Their shingle hashes are no longer computed: loading them would give
  // sketches that match nothing.
  for (int version : {1, 2}) {
    Engine::Options o;
    o.copy.enabled = version == 2;
    absl::Status s = Engine::Load(FixturePath(version), o).status();
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_NE(s.message().find("mimeo index create"), std::string::npos) << s;
    EXPECT_FALSE(Engine::ReadSnapshotInfo(FixturePath(version)).ok());
  }
}

// A snapshot's options as the command and the Python module load it with:
// the file's hashing parameters.
Engine::Options FileOptions(int version) {
  auto info = Engine::ReadSnapshotInfo(FixturePath(version));
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? info->options : Engine::Options{};
}

TEST(SnapshotFormatTest, VersionThreeFixtureLoadsWithoutSources) {
  auto loaded = Engine::Load(FixturePath(3), FileOptions(3));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectFixtureClusters(**loaded);
  EXPECT_EQ((*loaded)->text(0)->substr(0, 8), "The port");
  EXPECT_EQ(*(*loaded)->text(3), "");  // removed
  for (DocId d = 0; d < (*loaded)->num_ids(); ++d) {
    EXPECT_EQ((*loaded)->source(d), "");
  }
  auto copy = (*loaded)->SharedCopy();
  ASSERT_TRUE(copy.ok());
  ASSERT_EQ(copy->pairs.size(), 1u);
  EXPECT_EQ(copy->pairs[0].passages.size(), 1u);
}

TEST(SnapshotFormatTest, VersionFourFixtureLoadsWithXxh3AndMatches) {
  const Engine::Options o = FileOptions(4);
  EXPECT_EQ(o.shingle.token_hash, TokenHash::kXxh3);
  auto loaded = Engine::Load(FixturePath(4), o);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectFixtureClusters(**loaded);
  EXPECT_EQ((*loaded)->source(0), "wire desk");
  EXPECT_EQ((*loaded)->source(1), "reprint desk");
  EXPECT_EQ((*loaded)->source(2), "");
  auto copy = (*loaded)->SharedCopy();
  ASSERT_TRUE(copy.ok());
  ASSERT_EQ(copy->pairs.size(), 1u);
  EXPECT_EQ(copy->pairs[0].passages.size(), 1u);
  // Its sketches are XXH3's: a text queried with them finds its copy.
  auto m = (*loaded)->Query(
      "The port authority said on Tuesday that the new container terminal "
      "would open in March, two years later than first planned.");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_FALSE(m->empty());
  EXPECT_EQ((*m)[0].id, "wire");
  EXPECT_DOUBLE_EQ((*m)[0].jaccard, 1.0);
  // With the defaults' hash instead, it is refused, naming the parameter.
  absl::Status s = Engine::Load(FixturePath(4), {}).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("shingle.token_hash is 0 in the file but 1 in "
                             "the options"),
            std::string::npos)
      << s;
}

TEST(SnapshotFormatTest, VersionFiveFixtureLoadsAndMatches) {
  // MIMEO_WRITE_FIXTURE=1 writes the fixture, for a new format version.
  if (std::getenv("MIMEO_WRITE_FIXTURE") != nullptr) {
    ASSERT_TRUE(FixtureEngine()->Save(FixturePath(5)).ok());
  }
  EXPECT_EQ(FileOptions(5).shingle.token_hash, TokenHash::kShortMix);
  auto loaded = Engine::Load(FixturePath(5), {});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ExpectFixtureClusters(**loaded);
  EXPECT_EQ((*loaded)->source(0), "wire desk");
  auto copy = (*loaded)->SharedCopy();
  ASSERT_TRUE(copy.ok());
  ASSERT_EQ(copy->pairs.size(), 1u);
  EXPECT_EQ(copy->pairs[0].passages.size(), 1u);

  const std::string path = TempPath("fixture");
  ASSERT_TRUE(FixtureEngine()->Save(path).ok());
  EXPECT_TRUE(testing::ReadFile(path) == testing::ReadFile(FixturePath(5)))
      << "a fresh snapshot of the same documents differs from the fixture";
  std::remove(path.c_str());
}

}  // namespace
}  // namespace mimeo

namespace mimeo {
namespace {

// Stories built from distinct words per story, so that the only shared
// text is what the test plants: reprints take a slice of a wire story,
// and every page carries one of two site footers.
std::vector<Document> ReprintCorpus() {
  std::mt19937_64 rng(11);
  auto story = [&](int n, int words) {
    std::string s;
    for (int i = 0; i < words; ++i) {
      if (i) s += ' ';
      s += 's';
      s += std::to_string(n);
      s += 'w';
      s += std::to_string(rng() % 1000);
    }
    return s;
  };
  const std::string footers[] = {
      "You can follow any responses to this entry through the feed",
      "Copyright the Morning Ledger all rights reserved do not redistribute"};
  std::vector<std::string> wires;
  for (int i = 0; i < 5; ++i) wires.push_back(story(i, 200));
  std::vector<Document> docs;
  for (int i = 0; i < 60; ++i) {
    std::string text = story(100 + i, 60) + ". ";
    if (i % 3 == 0) {
      // A reprint: about half of a wire story, at a random offset.
      const std::string& w = wires[i % 5];
      const size_t from = w.find(' ', rng() % (w.size() / 2));
      text += w.substr(from + 1, w.size() / 2) + ". ";
    }
    text += story(200 + i, 40) + ". " + footers[i % 2];
    docs.push_back({"page/" + std::to_string(i), text, {}});
  }
  for (int i = 0; i < 5; ++i) docs.push_back({"wire/" + std::to_string(i), wires[i], {}});
  return docs;
}

TEST(SharedCopyTest, QueryingEachBeforeAddingItFindsTheBatchPairs) {
  const std::vector<Document> docs = ReprintCorpus();
  auto batch = Make();
  ASSERT_TRUE(batch->AddBatch(docs).ok());
  auto report = batch->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_GT(report->pairs.size(), 20u);

  auto online = Make();
  std::map<std::pair<DocId, DocId>, std::vector<Passage>> seen;
  for (DocId d = 0; d < docs.size(); ++d) {
    auto matches = online->Query(docs[d].text);
    ASSERT_TRUE(matches.ok());
    for (const Match& m : *matches) {
      if (!m.shares_copy) continue;
      std::vector<Passage>& passages = seen[{m.doc, d}];
      for (const Passage& s : m.passages) passages.push_back(s.Mirrored());
      std::sort(passages.begin(), passages.end(),
                [](const Passage& x, const Passage& y) {
                  return x.a_begin != y.a_begin ? x.a_begin < y.a_begin
                                                : x.b_begin < y.b_begin;
                });
    }
    ASSERT_TRUE(online->Add(docs[d]).ok());
  }
  // Every pair of the batch is found one document at a time, with the same
  // passages.
  for (const CopyPair& want : report->pairs) {
    auto it = seen.find({want.a, want.b});
    ASSERT_NE(it, seen.end()) << want.a << "-" << want.b;
    ASSERT_EQ(it->second.size(), want.passages.size());
    for (size_t j = 0; j < want.passages.size(); ++j) {
      EXPECT_EQ(it->second[j].a_begin, want.passages[j].a_begin);
      EXPECT_EQ(it->second[j].a_end, want.passages[j].a_end);
      EXPECT_EQ(it->second[j].b_begin, want.passages[j].b_begin);
      EXPECT_EQ(it->second[j].b_end, want.passages[j].b_end);
    }
    seen.erase(it);
  }
  // The only pairs beyond them are pages sharing a footer, seen before the
  // footer was common: among the first common_min_docs - 1 pages carrying
  // each of the two footers.
  const uint32_t warmup = batch->options().copy.judge.common_min_docs - 1;
  EXPECT_LE(seen.size(), 2 * warmup * (warmup - 1) / 2);
  for (const auto& [pair, passages] : seen) {
    EXPECT_LT(pair.first, 60u);
    EXPECT_LT(pair.second, 60u);
    EXPECT_EQ(pair.first % 2, pair.second % 2);  // the same footer
  }
  // And the batch is the same on one thread.
  Engine::Options one;
  one.threads = 1;
  auto single = Make(one);
  ASSERT_TRUE(single->AddBatch(docs).ok());
  EXPECT_EQ(single->SharedCopy()->pairs.size(), report->pairs.size());
}

TEST(SharedCopyTest, FootersAreBoilerplateAndReprintsAreCopy) {
  const std::vector<Document> docs = ReprintCorpus();
  auto e = Make();
  ASSERT_TRUE(e->AddBatch(docs).ok());
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok());
  // Pages that share only a footer (each footer is on 30 pages, at their
  // end) are not reported.
  for (const CopyPair& p : report->pairs) {
    const bool reprints = p.a % 3 == 0 && p.b % 3 == 0 && p.a < 60 && p.b < 60 &&
                          p.a % 5 == p.b % 5;
    const bool wire = p.b >= 60 || p.a >= 60;
    EXPECT_TRUE(reprints || wire) << p.a << "-" << p.b;
  }
  // Every reprint is found against its wire story, with a passage of over
  // 50 tokens that is not boilerplate.
  for (DocId page = 0; page < 60; page += 3) {
    const DocId wire = 60 + page % 5;
    bool found = false;
    for (const CopyPair& p : report->pairs) {
      if (p.a != page || p.b != wire) continue;
      for (const Passage& s : p.passages) found |= !s.boilerplate && s.a_tokens() > 50;
    }
    EXPECT_TRUE(found) << "page " << page;
  }
  // A query carrying a footer and nothing else neither shares copy nor is
  // a near-duplicate of a page: the footer's shingles are common, so it is
  // not "contained" in the pages either.
  auto m = e->Query("An unrelated note. You can follow any responses to this "
                    "entry through the feed");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->empty());
  // One family per wire story, named after the wire (it holds the whole).
  size_t wire_families = 0;
  for (const CopyFamily& f : report->families) {
    if (f.origin >= 60 && f.num_docs >= 4) ++wire_families;
  }
  EXPECT_EQ(wire_families, 5u);
}

// Texts held by the test, as a caller's files would be; counts the calls
// and can be edited behind the engine's back.
class TestTexts : public TextSource {
 public:
  explicit TestTexts(std::vector<Document> docs) : docs_(std::move(docs)) {}
  absl::StatusOr<std::string> Text(DocId doc,
                                   const std::string& id) const override {
    calls_.fetch_add(1);
    if (doc >= docs_.size() || docs_[doc].id != id) {
      return absl::NotFoundError("no such text");
    }
    if (gone_) return absl::NotFoundError("the file is gone");
    return docs_[doc].text;
  }
  std::vector<Document> docs_;
  bool gone_ = false;
  mutable std::atomic<uint64_t> calls_{0};
};

std::vector<std::string> PairsAndPassages(const CopyReport& r) {
  std::vector<std::string> out;
  for (const CopyPair& p : r.pairs) {
    std::string s = absl::StrFormat("%d-%d", p.a, p.b);
    for (const Passage& q : p.passages) {
      s += absl::StrFormat(" [%d,%d %d,%d %d]", q.a_begin, q.a_end, q.b_begin,
                           q.b_end, q.boilerplate);
    }
    out.push_back(s);
  }
  return out;
}

TEST(SharedCopyTest, TextSourceGivesTheSameAnswersWithoutKeepingTexts) {
  const std::vector<Document> docs = ReprintCorpus();
  auto kept = Make();
  ASSERT_TRUE(kept->AddBatch(docs).ok());
  auto want = kept->SharedCopy();
  ASSERT_TRUE(want.ok());

  auto texts = std::make_shared<TestTexts>(docs);
  Engine::Options o;
  o.text_source = texts;
  auto e = Make(o);
  ASSERT_TRUE(e->AddBatch(docs).ok());
  EXPECT_EQ(texts->calls_.load(), 0u);  // nothing is read back on Add
  auto got = e->SharedCopy();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(PairsAndPassages(*got), PairsAndPassages(*want));
  EXPECT_GT(texts->calls_.load(), 0u);
  EXPECT_EQ(*e->text(62), docs[62].text);
  auto q_kept = kept->Query(docs[64].text);
  auto q_src = e->Query(docs[64].text);
  ASSERT_TRUE(q_src.ok());
  ASSERT_EQ(q_src->size(), q_kept->size());
  for (size_t i = 0; i < q_src->size(); ++i) {
    EXPECT_EQ((*q_src)[i].doc, (*q_kept)[i].doc);
    EXPECT_EQ((*q_src)[i].passages.size(), (*q_kept)[i].passages.size());
  }

  // The snapshot holds the texts, fetched from the source: it loads
  // without one, and with one.
  const std::string path = TempPath("text_source.mimeo");
  ASSERT_TRUE(e->Save(path).ok());
  auto standalone = Engine::Load(path, {});
  ASSERT_TRUE(standalone.ok()) << standalone.status();
  EXPECT_EQ(PairsAndPassages(*(*standalone)->SharedCopy()),
            PairsAndPassages(*want));
  auto with_source = Engine::Load(path, o);
  ASSERT_TRUE(with_source.ok()) << with_source.status();
  EXPECT_EQ(PairsAndPassages(*(*with_source)->SharedCopy()),
            PairsAndPassages(*want));

  // A text edited since it was added is refused, naming the document,
  // and so is a source that fails; the snapshot is not replaced.
  texts->docs_[62].text[10] ^= 1;
  auto edited = e->SharedCopy();
  EXPECT_EQ(edited.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(edited.status().message()),
              ::testing::HasSubstr("'wire/2'"));
  EXPECT_EQ(e->text(62).status().code(), absl::StatusCode::kDataLoss);
  texts->docs_[62].text[10] ^= 1;
  texts->gone_ = true;
  auto gone = e->Query(docs[64].text);
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(gone.status().message()),
              ::testing::HasSubstr("the file is gone"));
  EXPECT_FALSE(e->Save(path).ok());
  EXPECT_TRUE(Engine::Load(path, {}).ok());
  std::remove(path.c_str());
}

TEST(SharedCopyTest, CopyOffKeepsNoTexts) {
  Engine::Options o;
  o.copy.enabled = false;
  auto e = Make(o);
  ASSERT_TRUE(e->Add({"a", "some text that is here", {}}).ok());
  EXPECT_EQ(e->SharedCopy().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*e->text(0), "");
  EXPECT_EQ(e->stats().fingerprints, 0u);
  o.copy.judge.junk_share = 2;
  EXPECT_FALSE(Engine::Create(o).ok());
}

// A copy-only engine (no MinHash signatures) answers every shared-copy
// call as a full one does, and refuses the calls that need signatures.
TEST(SharedCopyTest, CopyOnlyEngineAnswersAsAFullOne) {
  const std::vector<Document> docs = ReprintCorpus();
  Engine::Options copy_only;
  copy_only.find_near_duplicates = false;
  auto full = Make();
  auto e = Make(copy_only);
  ASSERT_TRUE(full->AddBatch(docs).ok());
  ASSERT_TRUE(e->AddBatch(docs).ok());
  ASSERT_TRUE(full->Remove("page/3").ok());
  ASSERT_TRUE(e->Remove("page/3").ok());
  // One more, added alone after the batch and the removal.
  const Document late{"late", docs[63].text + " A closing line of its own.", {}};
  ASSERT_TRUE(full->Add(late).ok());
  ASSERT_TRUE(e->Add(late).ok());

  auto want = full->SharedCopy();
  auto got = e->SharedCopy();
  ASSERT_TRUE(want.ok() && got.ok()) << got.status();
  ASSERT_GT(want->pairs.size(), 20u);
  EXPECT_EQ(PairsAndPassages(*got), PairsAndPassages(*want));
  ASSERT_EQ(got->pairs.size(), want->pairs.size());
  for (size_t i = 0; i < got->pairs.size(); ++i) {
    EXPECT_EQ(got->pairs[i].similarity.jaccard,
              want->pairs[i].similarity.jaccard);
    EXPECT_EQ(got->pairs[i].similarity.containment_a_in_b,
              want->pairs[i].similarity.containment_a_in_b);
    EXPECT_EQ(got->pairs[i].copied_tokens_a, want->pairs[i].copied_tokens_a);
  }
  EXPECT_EQ(got->families.size(), want->families.size());
  EXPECT_EQ(got->clusters.size(), want->clusters.size());
  size_t streamed = 0;
  ASSERT_TRUE(e->SharedCopyPairs([&](absl::Span<CopyPair> block) {
                 streamed += block.size();
                 return absl::OkStatus();
               }).ok());
  EXPECT_EQ(streamed, want->pairs.size());
  const CopyPair& first = want->pairs.front();
  auto p_full = full->Passages(first.a, first.b);
  auto p_got = e->Passages(first.a, first.b);
  ASSERT_TRUE(p_full.ok() && p_got.ok());
  ASSERT_EQ(p_got->size(), p_full->size());
  for (size_t i = 0; i < p_got->size(); ++i) {
    EXPECT_EQ((*p_got)[i].a_begin, (*p_full)[i].a_begin);
    EXPECT_EQ((*p_got)[i].b_end, (*p_full)[i].b_end);
    EXPECT_EQ((*p_got)[i].boilerplate, (*p_full)[i].boilerplate);
  }

  // A query finds the documents sharing copy that the full engine finds,
  // with the same figures; only the MinHash estimate is missing.
  for (const std::string& text :
       {docs[60].text, docs[6].text, std::string("nothing shared at all")}) {
    auto qf = full->Query(text);
    auto qe = e->Query(text);
    ASSERT_TRUE(qf.ok() && qe.ok()) << qe.status();
    std::vector<const Match*> sharing;
    for (const Match& m : *qf) {
      if (m.shares_copy) sharing.push_back(&m);
    }
    ASSERT_EQ(qe->size(), sharing.size());
    for (size_t i = 0; i < qe->size(); ++i) {
      const Match& m = (*qe)[i];
      EXPECT_EQ(m.doc, sharing[i]->doc);
      EXPECT_EQ(m.jaccard, sharing[i]->jaccard);
      EXPECT_EQ(m.near_duplicate, sharing[i]->near_duplicate);
      EXPECT_EQ(m.passages.size(), sharing[i]->passages.size());
      EXPECT_EQ(m.estimated_jaccard, 0);
    }
  }
  EXPECT_FALSE(e->Query(docs[60].text)->empty());

  // What needs signatures is refused.
  const auto refused = [](const absl::Status& s) {
    return s.code() == absl::StatusCode::kFailedPrecondition &&
           absl::StrContains(s.message(), "find_near_duplicates");
  };
  EXPECT_TRUE(refused(e->Cluster().status()));
  EXPECT_TRUE(refused(
      e->NearDuplicatePairs([](absl::Span<VerifiedPair>) {
         return absl::OkStatus();
       }).status()));
  const std::string path = TempPath("copy_only.mimeo");
  EXPECT_TRUE(refused(e->Save(path)));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(refused(e->SaveIndex(TempPath("copy_only_index"))));
  ASSERT_TRUE(full->Save(path).ok());
  EXPECT_TRUE(refused(Engine::Load(path, copy_only).status()));
  std::remove(path.c_str());
  EXPECT_TRUE(refused(Engine::Open(TempPath("copy_only_open"), copy_only)
                          .status()));
  // A batch sketched with signatures is not committed to it.
  auto batch = full->SketchBatch({{"x", docs[0].text, {}}});
  auto committed = e->Commit(std::move(batch));
  EXPECT_EQ(committed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(committed.status().message()),
              ::testing::HasSubstr("find_near_duplicates"));
  // Copy-only needs copy on and exact sets.
  copy_only.copy.enabled = false;
  copy_only.keep_shingle_sets = false;
  EXPECT_EQ(Engine::Create(copy_only).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mimeo

namespace mimeo {
namespace {

std::vector<std::pair<std::string, std::string>> ClusterIds(const Engine& e) {
  std::vector<std::pair<std::string, std::string>> out;
  auto c = e.Cluster();
  EXPECT_TRUE(c.ok()) << c.status();
  for (const VerifiedPair& p : c->pairs) out.emplace_back(e.id(p.a), e.id(p.b));
  return out;
}

TEST(EngineModesTest, SketchBatchThenCommitEqualsAddBatch) {
  const std::vector<Document> docs = Corpus();
  auto whole = Make();
  ASSERT_TRUE(whole->AddBatch(docs).ok());
  auto piecewise = Make();
  // Sketched out of order on several threads, committed in order.
  std::vector<Engine::SketchedBatch> batches(4);
  std::vector<std::thread> threads;
  for (size_t b = 0; b < 4; ++b) {
    threads.emplace_back([&, b] {
      std::vector<Document> part(docs.begin() + b * docs.size() / 4,
                                 docs.begin() + (b + 1) * docs.size() / 4);
      batches[3 - b] = piecewise->SketchBatch(std::move(part));
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t b = 0; b < 4; ++b) {
    ASSERT_TRUE(piecewise->Commit(std::move(batches[3 - b])).ok());
  }
  const std::string a = TempPath("whole"), b = TempPath("piecewise");
  ASSERT_TRUE(whole->Save(a).ok());
  ASSERT_TRUE(piecewise->Save(b).ok());
  EXPECT_TRUE(testing::ReadFile(a) == testing::ReadFile(b));
  std::remove(a.c_str());
  std::remove(b.c_str());
  // A batch repeating a present id is refused whole.
  std::vector<Document> again = {{"new", "some new text"}, docs[0]};
  EXPECT_EQ(piecewise->Commit(piecewise->SketchBatch(again)).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(piecewise->stats().documents, docs.size());
}

TEST(EngineModesTest, CommitRefusesABatchSketchedWithOtherParameters) {
  Engine::Options small;
  small.minhash.num_perm = 16;
  auto other = Make(small);
  auto e = Make();
  const std::vector<Document> docs = Corpus(5);
  ASSERT_TRUE(e->AddBatch(absl::MakeConstSpan(docs).subspan(0, 20)).ok());
  Engine::SketchedBatch foreign = other->SketchBatch(
      std::vector<Document>(docs.begin() + 20, docs.begin() + 30));
  const absl::StatusOr<std::vector<DocId>> refused =
      e->Commit(std::move(foreign));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("minhash.num_perm = 16"),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(e->num_ids(), 20u);
  // The engine is unharmed, and a batch from an engine with the same
  // parameters (a twin) is as good as its own.
  auto twin = Make();
  auto taken = e->Commit(twin->SketchBatch(
      std::vector<Document>(docs.begin() + 20, docs.begin() + 30)));
  ASSERT_TRUE(taken.ok()) << taken.status();
  EXPECT_EQ(taken->size(), 10u);
  auto clusters = e->Cluster();
  ASSERT_TRUE(clusters.ok()) << clusters.status();
  auto m = e->Query(docs[25].text);
  ASSERT_TRUE(m.ok());
  ASSERT_FALSE(m->empty());
  EXPECT_EQ((*m)[0].id, docs[25].id);
}

TEST(EngineModesTest, DeferredIndexGivesTheSameAnswers) {
  Engine::Options lazy;
  lazy.index_on_add = false;
  auto eager = Make();
  auto deferred = Make(lazy);
  const std::vector<Document> docs = Corpus();
  ASSERT_TRUE(eager->AddBatch(docs).ok());
  ASSERT_TRUE(deferred->AddBatch(docs).ok());
  ASSERT_TRUE(eager->Remove("orig/3").ok());
  ASSERT_TRUE(deferred->Remove("orig/3").ok());
  EXPECT_EQ(ClusterIds(*eager), ClusterIds(*deferred));
  for (const char* id : {"orig/1", "orig/12", "other/2"}) {
    const std::string& text =
        std::find_if(docs.begin(), docs.end(),
                     [&](const Document& d) { return d.id == id; })->text;
    auto a = eager->Query(text);
    auto b = deferred->Query(text);  // builds the index
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size()) << id;
    for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].id, (*b)[i].id);
  }
  // Documents added after the index was built are found too.
  ASSERT_TRUE(deferred->Add({"late", docs[5].text + " and a late line"}).ok());
  auto late = deferred->Query(docs[5].text);
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(std::any_of(late->begin(), late->end(),
                          [](const Match& m) { return m.id == "late"; }));
}

// A presized engine gives the same answers, and takes more documents than
// it expected.
TEST(EngineModesTest, ExpectedDocumentsChangesNoAnswer) {
  const std::vector<Document> docs = Corpus();
  Engine::Options sized;
  sized.expected_documents = docs.size() / 2;
  auto plain = Make();
  auto presized = Make(sized);
  ASSERT_TRUE(plain->AddBatch(docs).ok());
  for (const Document& d : docs) ASSERT_TRUE(presized->Add(d).ok());
  EXPECT_EQ(ClusterIds(*plain), ClusterIds(*presized));
  for (size_t i = 0; i < docs.size(); i += 7) {
    auto a = plain->Query(docs[i].text);
    auto b = presized->Query(docs[i].text);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size()) << docs[i].id;
    for (size_t j = 0; j < a->size(); ++j) EXPECT_EQ((*a)[j].id, (*b)[j].id);
  }
  const std::string path = TempPath("presized.mimeo");
  ASSERT_TRUE(plain->Save(path).ok());
  sized.expected_documents = docs.size() * 4;
  auto loaded = Engine::Load(path, sized);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(ClusterIds(**loaded), ClusterIds(*plain));
  std::remove(path.c_str());
}

TEST(EngineModesTest, WithoutShingleSetsEstimatesFindTheSameCopies) {
  Engine::Options lean;
  lean.keep_shingle_sets = false;
  lean.copy.enabled = false;
  Engine::Options exact;
  exact.copy.enabled = false;
  auto e = Make(exact);
  auto l = Make(lean);
  const std::vector<Document> docs = Corpus();
  ASSERT_TRUE(e->AddBatch(docs).ok());
  ASSERT_TRUE(l->AddBatch(docs).ok());
  // The corpus's copies are far from the thresholds: estimates agree.
  EXPECT_EQ(ClusterIds(*e), ClusterIds(*l));
  EXPECT_EQ(e->stats().shingles, l->stats().shingles);  // no repeats here
  auto m = l->Query(docs[2].text);
  ASSERT_TRUE(m.ok());
  ASSERT_FALSE(m->empty());
  EXPECT_EQ((*m)[0].id, "orig/2");
  EXPECT_DOUBLE_EQ((*m)[0].jaccard, 1.0);
  // Saved and loaded without sets; a file without sets is refused by an
  // engine that wants them.
  const std::string path = TempPath("lean");
  ASSERT_TRUE(l->Save(path).ok());
  auto info = Engine::ReadSnapshotInfo(path);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->options.keep_shingle_sets);
  auto loaded = Engine::Load(path, lean);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(ClusterIds(**loaded), ClusterIds(*l));
  absl::Status refused = Engine::Load(path, exact).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  std::remove(path.c_str());
  // Copy needs sets.
  lean.copy.enabled = true;
  EXPECT_FALSE(Engine::Create(lean).ok());
}

TEST(EngineModesTest, RepeatedTextIsNotCountedAsManyDistinctShingles) {
  // A paragraph repeated 40 times has few distinct shingles; without sets
  // the count comes from the signature, not from the 2,000-odd shingles.
  Engine::Options lean;
  lean.keep_shingle_sets = false;
  lean.copy.enabled = false;
  auto l = Make(lean);
  std::mt19937_64 rng(9);
  const std::string para = RandomText(rng, 50);
  std::string text;
  for (int i = 0; i < 40; ++i) text += para + " ";
  ASSERT_TRUE(l->Add({"loop", text}).ok());
  EXPECT_LT(l->stats().shingles, 120u);
  EXPECT_GT(l->stats().shingles, 25u);
}

}  // namespace
}  // namespace mimeo
