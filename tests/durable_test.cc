// The index on disk (Engine::Open): the same answers as the engine in
// memory, persistence, refusals, several processes, and crash safety.
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "durable_util.h"
#include "gtest/gtest.h"
#include "internal/lmdb_store.h"
#include "mimeo/engine.h"
#include "test_util.h"
#include "xxhash.h"

extern char** environ;

namespace mimeo {
namespace {

using ::mimeo::testing::Describe;
using ::mimeo::testing::DurableDoc;
using ::mimeo::testing::DurableOptions;
using ::mimeo::testing::RandomText;

#ifndef MIMEO_CRASH_KILLS
#define MIMEO_CRASH_KILLS 10
#endif

// What this process's tests leave under the temporary directory: every
// name TempDir() gave, and the files made beside them.
std::string OurPrefix() {
  return absl::StrFormat("mimeo_durable_%d_", getpid());
}

// A fresh directory under the test's temporary directory, removed (with
// whatever was made beside it under the same name) when the tests of the
// process end.
std::string TempDir(const std::string& name) {
  const std::filesystem::path p =
      std::filesystem::path(::testing::TempDir()) / (OurPrefix() + name);
  std::filesystem::remove_all(p);
  return p.string();
}

// Removes what TempDir() handed out once the tests end. Only the process
// that ran the tests gets here: children fork()ed by a test leave by
// _exit(), and the writer processes are other programs.
class RemoveTempDirs : public ::testing::Environment {
 public:
  void TearDown() override {
    const std::string prefix = OurPrefix();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(
             ::testing::TempDir(), ec)) {
      if (entry.path().filename().string().rfind(prefix, 0) == 0) {
        std::filesystem::remove_all(entry.path(), ec);
      }
    }
  }
};
[[maybe_unused]] const ::testing::Environment* const kRemoveTempDirs =
    ::testing::AddGlobalTestEnvironment(new RemoveTempDirs);

std::string StatsOf(const Engine& e) {
  const EngineStats s = e.stats();
  return absl::StrFormat("%d %d %d %d %d %d %d %d %d", e.num_ids(), s.documents,
                         s.removed, s.empty_documents, s.bytes, s.invalid_utf8,
                         s.nul_bytes, s.shingles, s.fingerprints);
}

// A corpus with near-duplicates (a few words changed), shared passages (a
// stretch of another document inside new text), exact copies, empty texts
// and a few sources and dates.
class Corpus {
 public:
  explicit Corpus(uint64_t seed) : rng_(seed) {}
  Document Next() {
    Document d;
    d.id = absl::StrFormat("d%d", next_++);
    const int kind = texts_.empty() ? 0 : static_cast<int>(rng_() % 6);
    const std::string& other =
        texts_.empty() ? d.id : texts_[rng_() % texts_.size()];
    if (kind == 0 || kind == 1) {
      d.text = RandomText(rng_, 40 + rng_() % 160);
    } else if (kind == 2) {  // near-duplicate: some words replaced
      d.text = other;
      for (int i = 0; i < 3; ++i) {
        const size_t at = rng_() % (d.text.size() + 1);
        d.text.insert(at, " changed ");
      }
    } else if (kind == 3) {  // a passage of another inside new text
      const size_t from = rng_() % (other.size() / 2 + 1);
      d.text = RandomText(rng_, 50) + " " + other.substr(from, 300) + " " +
               RandomText(rng_, 30);
    } else if (kind == 4) {
      d.text = other;
    } else {
      const uint64_t r = rng_() % 4;
      d.text = r == 0   ? std::string("  ...  ")
               : r == 1 ? std::string()
                        : RandomText(rng_, 8);
    }
    if (rng_() % 3 != 0) d.date = static_cast<int64_t>(rng_() % 1000);
    const char* sources[] = {"", "north", "south", "wire"};
    d.source = sources[rng_() % 4];
    texts_.push_back(d.text);
    return d;
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> texts_;
  int next_ = 0;
};

// Reads whole lines from `fd` until EOF.
std::vector<std::string> ReadLinesOf(int fd) {
  std::string all;
  char buf[4096];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  std::vector<std::string> lines;
  size_t at = 0;
  for (size_t nl; (nl = all.find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(all.substr(at, nl - at));
  }
  return lines;  // a partial last line (no newline) is not acknowledged
}

// Whether the engine finds document `i` of `prefix` by its text.
bool Finds(const Engine& e, const std::string& prefix, long i) {
  const Document d = DurableDoc(prefix, i);
  auto m = e.Query(d.text);
  if (!m.ok()) return false;
  for (const Match& x : *m) {
    if (x.id == d.id && x.jaccard == 1.0) return true;
  }
  return false;
}

struct Mode {
  const char* name;
  bool copy;
};

class SameAnswers : public ::testing::TestWithParam<Mode> {};

Engine::Options OptionsFor(const Mode& mode) {
  Engine::Options o;
  o.threads = 2;
  if (!mode.copy) {
    o.copy.enabled = false;
    o.keep_shingle_sets = false;
  }
  return o;
}

// The same random sequence of adds (single and batched), removes, prunes
// and queries against the engine in memory and the index on disk: every
// answer, the counters, Cluster(), SharedCopy() and the snapshot bytes
// agree.
TEST_P(SameAnswers, RandomSequence) {
  const Engine::Options options = OptionsFor(GetParam());
  const std::string dir = TempDir(std::string("same_") + GetParam().name);
  auto memory = Engine::Create(options);
  auto disk = Engine::Open(dir, options);
  ASSERT_TRUE(memory.ok()) << memory.status();
  ASSERT_TRUE(disk.ok()) << disk.status();
  Corpus corpus(GetParam().copy ? 7 : 8);
  std::vector<std::string> live;
  int queries = 0, matched = 0;
  for (int step = 0; step < 120; ++step) {
    const int op = static_cast<int>(corpus.rng()() % 10);
    if (op < 4) {
      const Document d = corpus.Next();
      auto a = (*memory)->Add(d);
      auto b = (*disk)->Add(d);
      ASSERT_EQ(a.ok(), b.ok());
      if (a.ok()) {
        EXPECT_EQ(*a, *b);
        live.push_back(d.id);
      }
    } else if (op < 6) {
      std::vector<Document> batch;
      for (int i = 0; i < 1 + static_cast<int>(corpus.rng()() % 12); ++i) {
        batch.push_back(corpus.Next());
      }
      // Half of them sketched (and their texts packed) beforehand and
      // committed, on the disk side.
      auto a = (*memory)->AddBatch(batch);
      auto b = batch.size() % 2 == 0
                   ? (*disk)->Commit((*disk)->SketchBatch(batch))
                   : (*disk)->AddBatch(batch);
      ASSERT_TRUE(a.ok()) << a.status();
      ASSERT_TRUE(b.ok()) << b.status();
      EXPECT_EQ(*a, *b);
      for (const Document& d : batch) live.push_back(d.id);
    } else if (op == 6 && !live.empty()) {
      const size_t i = corpus.rng()() % live.size();
      EXPECT_TRUE((*memory)->Remove(live[i]).ok());
      EXPECT_TRUE((*disk)->Remove(live[i]).ok());
      live.erase(live.begin() + static_cast<long>(i));
    } else if (op == 7 && step % 30 == 7) {
      auto a = (*memory)->Prune(40);
      auto b = (*disk)->Prune(40);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(*a, *b);
    } else {
      Document q = corpus.Next();  // not added: a query of the same kinds
      auto a = (*memory)->Query(q.text);
      auto b = (*disk)->Query(q.text);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(Describe(*a), Describe(*b)) << "step " << step;
      ++queries;
      matched += !a->empty();
    }
    ASSERT_EQ(StatsOf(**memory), StatsOf(**disk)) << "step " << step;
  }
  // The sequence exercised what it compares.
  EXPECT_GT(queries, 10);
  EXPECT_GT(matched, 3);
  EXPECT_GT((*memory)->stats().removed, 0u);

  auto ca = (*memory)->Cluster();
  auto cb = (*disk)->Cluster();
  ASSERT_TRUE(ca.ok() && cb.ok());
  EXPECT_FALSE(ca->pairs.empty());
  EXPECT_EQ(Describe(*ca), Describe(*cb));
  if (GetParam().copy) {
    auto ra = (*memory)->SharedCopy();
    auto rb = (*disk)->SharedCopy();
    ASSERT_TRUE(ra.ok() && rb.ok());
    EXPECT_FALSE(ra->pairs.empty());
    EXPECT_EQ(Describe(*ra), Describe(*rb));
  }
  for (DocId d = 0; d < (*memory)->num_ids(); ++d) {
    ASSERT_EQ((*memory)->id(d), (*disk)->id(d));
    EXPECT_EQ((*memory)->date(d), (*disk)->date(d));
    EXPECT_EQ((*memory)->source(d), (*disk)->source(d));
    EXPECT_EQ(*(*memory)->text(d), *(*disk)->text(d));
  }
  // Snapshots of both are the same bytes.
  const std::string a_path = dir + ".a.mimeo", b_path = dir + ".b.mimeo";
  ASSERT_TRUE((*memory)->Save(a_path).ok());
  ASSERT_TRUE((*disk)->Save(b_path).ok());
  EXPECT_EQ(testing::ReadFile(a_path), testing::ReadFile(b_path));

  // Reopened, the index holds the same; a reopened index and a loaded
  // snapshot (both counting boilerplate afresh) answer alike.
  disk->reset();
  auto reopened = Engine::Open(dir, options);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto loaded = Engine::Load(a_path, options);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(StatsOf(**loaded), StatsOf(**reopened));
  for (int i = 0; i < 20; ++i) {
    Document q = corpus.Next();
    auto a = (*loaded)->Query(q.text);
    auto b = (*reopened)->Query(q.text);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(Describe(*a), Describe(*b));
  }
  reopened->reset();
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);

  // Import (SaveIndex) of the snapshot gives the same index again.
  const std::string imported = dir + ".imported";
  std::filesystem::remove_all(imported);
  ASSERT_TRUE((*loaded)->SaveIndex(imported).ok());
  EXPECT_TRUE(Engine::CheckIndex(imported).ok())
      << Engine::CheckIndex(imported);
  auto again = Engine::Open(imported, options);
  ASSERT_TRUE(again.ok()) << again.status();
  const std::string c_path = dir + ".c.mimeo";
  ASSERT_TRUE((*again)->Save(c_path).ok());
  EXPECT_EQ(testing::ReadFile(a_path), testing::ReadFile(c_path));
}

INSTANTIATE_TEST_SUITE_P(Modes, SameAnswers,
                         ::testing::Values(Mode{"copy", true},
                                           Mode{"near_duplicate", false}),
                         [](const auto& info) { return info.param.name; });

// Runs `change` in a write transaction on the named database `db` of the
// index in `dir` (the index closed), as damage would.
void Damage(const std::string& dir, const char* db, unsigned flags,
            const std::function<void(MDB_txn*, MDB_dbi)>& change) {
  MDB_env* env;
  ASSERT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 16);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), 0, 0664), 0);
  MDB_txn* txn;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, db, flags, &dbi), 0);
  change(txn, dbi);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

// Writes `version` as the index's format version (the index closed), as
// an older or newer mimeo would have left it, or damage.
void SetFormatVersion(const std::string& dir, uint32_t version) {
  Damage(dir, "meta", 0, [&](MDB_txn* txn, MDB_dbi meta) {
    MDB_val k{14, const_cast<char*>("format_version")},
        v{sizeof(version), &version};
    ASSERT_EQ(mdb_put(txn, meta, &k, &v, 0), 0);
  });
}

// Adds `adds` documents of `corpus` to both engines, asking both after each
// add for another of its documents, then compares their SharedCopy(): the
// same answers throughout, and some copy shared.
void AddAndAnswerAlike(Engine& memory, Engine& disk, Corpus& corpus,
                       int adds) {
  for (int i = 0; i < adds; ++i) {
    const Document d = corpus.Next();
    ASSERT_EQ(memory.Add(d).ok(), disk.Add(d).ok());
    const Document q = corpus.Next();
    auto qa = memory.Query(q.text);
    auto qb = disk.Query(q.text);
    ASSERT_TRUE(qa.ok() && qb.ok()) << qb.status();
    EXPECT_EQ(Describe(*qa), Describe(*qb)) << "add " << i;
  }
  auto ra = memory.SharedCopy();
  auto rb = disk.SharedCopy();
  ASSERT_TRUE(ra.ok() && rb.ok()) << rb.status();
  EXPECT_FALSE(ra->pairs.empty());
  EXPECT_EQ(Describe(*ra), Describe(*rb));
}

// Adds the next `n` documents of `corpus` in one batch to `memory` and to
// a new index in `dir`, closed again, for a test to alter on disk.
// `docs` in one batch to `memory` and to the index in `dir`, closed
// again; with `save_model`, Query()'s model kept in it too.
void AddAllToBoth(Engine& memory, const std::string& dir,
                  const Engine::Options& options,
                  const std::vector<Document>& docs, bool save_model = false) {
  {
    auto disk = Engine::Open(dir, options);
    ASSERT_TRUE(disk.ok()) << disk.status();
    ASSERT_TRUE((*disk)->AddBatch(docs).ok());
    if (save_model) {
      ASSERT_TRUE((*disk)->SaveQueryModel().ok());
    }
  }
  ASSERT_TRUE(memory.AddBatch(docs).ok());
}

void AddToBoth(Engine& memory, const std::string& dir,
               const Engine::Options& options, Corpus& corpus, int n) {
  std::vector<Document> docs;
  for (int i = 0; i < n; ++i) docs.push_back(corpus.Next());
  AddAllToBoth(memory, dir, options, docs);
}

// Creates in `dir` an empty copy-mode index without band postings, as
// the mimeo before 2026-12-01 made them (Engine::Open() then keeps its
// config: the engine builds its LSH index in memory, the fingerprint
// shards are arrays 0 to 15 of each level).
void CreateCopyIndexWithoutBands(const std::string& dir,
                                 const Engine::Options& options) {
  internal::IndexConfig c;
  c.hashing = options.hashing();
  c.keep_sets = options.keep_shingle_sets;
  c.texts = true;
  c.window = static_cast<uint32_t>(options.copy.winnow.window);
  auto made = internal::LmdbDocumentStore::Open(dir, c, true);
  ASSERT_TRUE(made.ok()) << made.status();
}

// CheckIndex(dir) fails, saying `what`.
void ExpectCheckFails(const std::string& dir, const std::string& what) {
  const absl::Status s = Engine::CheckIndex(dir);
  ASSERT_FALSE(s.ok()) << what;
  EXPECT_NE(s.message().find(what), std::string::npos) << s;
}

TEST(DurableTest, RefusesWhatIsNotItsIndex) {
  const std::string base = TempDir("refuses");
  std::filesystem::create_directories(base);
  // A file.
  const std::string file = base + "/file";
  std::FILE* f = std::fopen(file.c_str(), "w");
  std::fputs("hello", f);
  std::fclose(f);
  auto e = Engine::Open(file, DurableOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find(file), std::string::npos);
  EXPECT_NE(e.status().message().find("not an index directory"),
            std::string::npos)
      << e.status();
  // A directory of other files.
  e = Engine::Open(base, DurableOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("is not a mimeo index"),
            std::string::npos)
      << e.status();
  EXPECT_FALSE(Engine::ReadIndexInfo(base).ok());

  // Other parameters, named.
  const std::string dir = base + "/index";
  {
    auto made = Engine::Open(dir, DurableOptions());
    ASSERT_TRUE(made.ok()) << made.status();
    ASSERT_TRUE((*made)->Add(DurableDoc("x", 1)).ok());
  }
  Engine::Options other = DurableOptions();
  other.shingle.k = 4;
  e = Engine::Open(dir, other);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("shingle.k is 5 in the index but 4"),
            std::string::npos)
      << e.status();
  other = DurableOptions();
  other.copy.enabled = false;
  e = Engine::Open(dir, other);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("copy.enabled"), std::string::npos)
      << e.status();
  // ReadIndexInfo gives options it accepts.
  auto info = Engine::ReadIndexInfo(dir);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->num_ids, 1u);
  EXPECT_EQ(info->num_live, 1u);
  EXPECT_TRUE(info->has_texts);
  EXPECT_TRUE(Engine::Open(dir, info->options).ok());

  // A newer format version, written into the meta table as damage would.
  SetFormatVersion(dir, 99);
  e = Engine::Open(dir, DurableOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("format version 99"), std::string::npos)
      << e.status();
  EXPECT_NE(e.status().message().find("newer"), std::string::npos);
  // An older one (version 1: the records held the source's name, and no
  // band postings).
  SetFormatVersion(dir, 1);
  e = Engine::Open(dir, DurableOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("format version 1;"), std::string::npos)
      << e.status();
  EXPECT_NE(e.status().message().find("older"), std::string::npos);
  EXPECT_FALSE(Engine::ReadIndexInfo(dir).ok());
  EXPECT_FALSE(Engine::CheckIndex(dir).ok());
  // Version 2: the band postings in one B-tree.
  SetFormatVersion(dir, 2);
  e = Engine::Open(dir, DurableOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("format version 2;"), std::string::npos)
      << e.status();
  EXPECT_FALSE(Engine::CheckIndex(dir).ok());
}

// The band postings, the tally and the source tables of the format 2
// layout are checked too.
TEST(DurableTest, CheckFindsDamagedPostingsTallyAndSources) {
  const std::string base = TempDir("damage_postings");
  const auto make = [&](const std::string& name) {
    const std::string dir = base + "/" + name;
    auto e = Engine::Open(dir, DurableOptions(/*near_duplicate=*/true));
    EXPECT_TRUE(e.ok()) << e.status();
    for (int i = 0; i < 6; ++i) {
      Document d = DurableDoc("x", i);
      d.source = i % 2 ? "north" : "south";
      EXPECT_TRUE((*e)->Add(d).ok());
    }
    EXPECT_TRUE((*e)->Remove("x-2").ok());
    EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
    return dir;
  };
  // A band array lost.
  std::string dir = make("lost");
  Damage(dir, "levels", 0, [](MDB_txn* txn, MDB_dbi dbi) {
    MDB_cursor* c;
    ASSERT_EQ(mdb_cursor_open(txn, dbi, &c), 0);
    MDB_val k, v;
    ASSERT_EQ(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
    ASSERT_EQ(mdb_cursor_del(c, 0), 0);
    mdb_cursor_close(c);
  });
  ExpectCheckFails(dir, "a band array of a listed level is missing");
  // A removed document's postings without its dead entry, as a half-done
  // removal would leave.
  dir = make("stale");
  Damage(dir, "dead", MDB_INTEGERKEY, [](MDB_txn* txn, MDB_dbi dbi) {
    uint32_t d = 2;
    MDB_val k{sizeof(d), &d};
    ASSERT_EQ(mdb_del(txn, dbi, &k, nullptr), 0);
  });
  ExpectCheckFails(dir, "lists 1 documents, its range files 0");
  // A band key changed in place: the array still parses.
  dir = make("key");
  Damage(dir, "levels", 0, [](MDB_txn* txn, MDB_dbi dbi) {
    MDB_cursor* c;
    ASSERT_EQ(mdb_cursor_open(txn, dbi, &c), 0);
    MDB_val k, v;
    ASSERT_EQ(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
    std::string bytes(static_cast<const char*>(v.mv_data), v.mv_size);
    bytes[bytes.size() - 4] ^= 1;  // the DocId of the last entry
    MDB_val nv{bytes.size(), bytes.data()};
    ASSERT_EQ(mdb_cursor_put(c, &k, &nv, MDB_CURRENT), 0);
    mdb_cursor_close(c);
  });
  ExpectCheckFails(dir, "does not hold the band keys of its documents");
  // A tally that is not the records'.
  dir = make("tally");
  Damage(dir, "meta", 0, [](MDB_txn* txn, MDB_dbi dbi) {
    const uint64_t tally[4] = {6, 0, 0, 0};
    MDB_val k{5, const_cast<char*>("tally")},
        v{sizeof(tally), const_cast<uint64_t*>(tally)};
    ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
  });
  ExpectCheckFails(dir, "the tally (live 6");
  // A source number without a name.
  dir = make("source");
  Damage(dir, "source_names", MDB_INTEGERKEY, [](MDB_txn* txn, MDB_dbi dbi) {
    uint32_t n = 2;
    MDB_val k{sizeof(n), &n};
    ASSERT_EQ(mdb_del(txn, dbi, &k, nullptr), 0);
  });
  ExpectCheckFails(dir, "which has no name");
}

// The levels of the band postings of the index in `dir` (closed), its
// pending level id and how many dead entries it holds.
struct Levels {
  std::vector<internal::BandLevel> levels;
  uint32_t pending = 0;
  size_t dead = 0;
};

// A read-only transaction on the index in `dir`, for the tests' own
// reads of its tables.
class ReadTxn {
 public:
  explicit ReadTxn(const std::string& dir) {
    EXPECT_EQ(mdb_env_create(&env_), 0);
    mdb_env_set_maxdbs(env_, 16);
    EXPECT_EQ(mdb_env_open(env_, dir.c_str(), MDB_RDONLY, 0664), 0);
    EXPECT_EQ(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn_), 0);
  }
  ~ReadTxn() {
    mdb_txn_abort(txn_);
    mdb_env_close(env_);
  }
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;
  MDB_txn* get() const { return txn_; }

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* txn_ = nullptr;
};

Levels LevelsOf(const std::string& dir) {
  Levels out;
  ReadTxn read(dir);
  MDB_txn* const txn = read.get();
  MDB_dbi meta, dead;
  EXPECT_EQ(mdb_dbi_open(txn, "meta", 0, &meta), 0);
  EXPECT_EQ(mdb_dbi_open(txn, "dead", MDB_INTEGERKEY, &dead), 0);
  MDB_val k{6, const_cast<char*>("levels")}, v;
  EXPECT_EQ(mdb_get(txn, meta, &k, &v), 0);
  EXPECT_TRUE(internal::DecodeLevels(
      std::string_view(static_cast<const char*>(v.mv_data), v.mv_size),
      out.levels));
  k = MDB_val{7, const_cast<char*>("pending")};
  EXPECT_EQ(mdb_get(txn, meta, &k, &v), 0);
  std::memcpy(&out.pending, v.mv_data, sizeof(out.pending));
  MDB_stat st;
  EXPECT_EQ(mdb_stat(txn, dead, &st), 0);
  out.dead = st.ms_entries;
  return out;
}

// Each add files a level; eight levels of a tier merge into one, which
// drops the postings of removed documents; a merge cut short between its
// transactions (its output pending) leaves an index that checks, answers,
// and drops the pending output at the next merge. Every answer meanwhile
// is the in-memory engine's.
TEST(DurableTest, BandPostingsMergeIntoLevels) {
  const std::string dir = TempDir("levels");
  const Engine::Options options = DurableOptions(/*near_duplicate=*/true);
  auto memory = Engine::Create(options);
  ASSERT_TRUE(memory.ok());
  int next = 0;
  const auto add_batches = [&](int n) {
    auto e = Engine::Open(dir, options);
    ASSERT_TRUE(e.ok()) << e.status();
    for (int b = 0; b < n; ++b) {
      std::vector<Document> batch;
      for (int i = 0; i < 3; ++i) batch.push_back(DurableDoc("m", next++));
      ASSERT_TRUE((*e)->AddBatch(batch).ok());
      ASSERT_TRUE((*memory)->AddBatch(batch).ok());
    }
  };
  const auto same_answers = [&] {
    auto e = Engine::Open(dir, options);
    ASSERT_TRUE(e.ok()) << e.status();
    for (int i = 0; i < next; ++i) {
      const Document d = DurableDoc("m", i);
      auto a = (*memory)->Query(d.text);
      auto b = (*e)->Query(d.text);
      ASSERT_TRUE(a.ok() && b.ok());
      EXPECT_EQ(Describe(*a), Describe(*b)) << i;
    }
    EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  };
  add_batches(7);
  Levels l = LevelsOf(dir);
  ASSERT_EQ(l.levels.size(), 7u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(l.levels[i].first, 3 * i);
    EXPECT_EQ(l.levels[i].docs, 3u);
  }
  {
    auto e = Engine::Open(dir, options);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE((*e)->Remove("m-4").ok());
    ASSERT_TRUE((*memory)->Remove("m-4").ok());
  }
  EXPECT_EQ(LevelsOf(dir).dead, 1u);
  same_answers();
  add_batches(1);
  l = LevelsOf(dir);
  ASSERT_EQ(l.levels.size(), 1u);
  EXPECT_EQ(l.levels[0].first, 0u);
  EXPECT_EQ(l.levels[0].end, 24u);
  EXPECT_EQ(l.levels[0].docs, 23u);  // m-4's postings dropped
  EXPECT_EQ(l.dead, 0u);
  EXPECT_EQ(l.pending, 0u);
  same_answers();

  // A merge's first transaction committed, the process then killed: the
  // output is pending, its arrays stored but not listed.
  Damage(dir, "meta", 0, [](MDB_txn* txn, MDB_dbi meta) {
    MDB_val k{10, const_cast<char*>("next_level")}, v;
    ASSERT_EQ(mdb_get(txn, meta, &k, &v), 0);
    uint32_t id;
    std::memcpy(&id, v.mv_data, sizeof(id));
    const uint32_t next_id = id + 1;
    MDB_val nv{sizeof(next_id), const_cast<uint32_t*>(&next_id)};
    ASSERT_EQ(mdb_put(txn, meta, &k, &nv, 0), 0);
    MDB_val pk{7, const_cast<char*>("pending")}, pv{sizeof(id), &id};
    ASSERT_EQ(mdb_put(txn, meta, &pk, &pv, 0), 0);
    MDB_dbi levels;
    ASSERT_EQ(mdb_dbi_open(txn, "levels", 0, &levels), 0);
    unsigned char key[6] = {static_cast<unsigned char>(id >> 24),
                            static_cast<unsigned char>(id >> 16),
                            static_cast<unsigned char>(id >> 8),
                            static_cast<unsigned char>(id),
                            0,
                            0};
    MDB_val ak{sizeof(key), key}, av{5, const_cast<char*>("junk!")};
    ASSERT_EQ(mdb_put(txn, levels, &ak, &av, 0), 0);
  });
  EXPECT_NE(LevelsOf(dir).pending, 0u);
  same_answers();
  add_batches(8);  // eight levels of 3: a merge, which drops the pending
  l = LevelsOf(dir);
  EXPECT_EQ(l.pending, 0u);
  ASSERT_EQ(l.levels.size(), 2u);
  EXPECT_EQ(l.levels[1].docs, 24u);
  same_answers();
}

// The store alone, without an engine: documents with random signatures,
// three in a row sharing one (buckets of three across levels).
internal::IndexConfig StoreConfig() {
  internal::IndexConfig c;
  c.hashing = Engine::Options().hashing();
  c.keep_sets = false;
  c.texts = false;
  c.lsh_bands = 16;
  c.lsh_rows = 8;
  return c;
}

std::vector<uint32_t> StoreSignature(long i) {
  std::mt19937 rng(static_cast<uint32_t>(i / 3));
  std::vector<uint32_t> sig(
      static_cast<size_t>(StoreConfig().hashing.num_perm));
  for (uint32_t& v : sig) v = rng();
  return sig;
}

absl::Status AppendStoreDocs(internal::LmdbDocumentStore& store, long first,
                             long n) {
  std::vector<std::string> ids;
  std::vector<std::vector<uint32_t>> sigs;
  for (long i = first; i < first + n; ++i) {
    ids.push_back("s-" + std::to_string(i));
    sigs.push_back(StoreSignature(i));
  }
  std::vector<StoredDocument> docs(static_cast<size_t>(n));
  for (size_t j = 0; j < docs.size(); ++j) {
    docs[j].id = ids[j];
    docs[j].signature = sigs[j];
    docs[j].set_size = 10;
    docs[j].date = first + static_cast<long>(j);
  }
  return store.Append(docs);
}

std::string DescribeLsh(const LshQueryResult& r) {
  std::string out = absl::StrFormat(
      "probed %d hit %d scanned %d largest %d:", r.stats.bands_probed,
      r.stats.buckets_hit, r.stats.postings_scanned, r.stats.largest_bucket);
  for (const LshCandidate& c : r.candidates) {
    absl::StrAppendFormat(&out, " %d/%d", c.id, c.bands);
  }
  return out;
}

// A merge written over many transactions (one band each) gives the
// answers of one written in one; both check.
TEST(DurableTest, MergeOverManyTransactionsAnswersAlike) {
  const std::string a_dir = TempDir("merge_many"), b_dir = TempDir("merge_one");
  auto a = internal::LmdbDocumentStore::Open(a_dir, StoreConfig(), true,
                                             uint64_t{1} << 24, 1);
  auto b = internal::LmdbDocumentStore::Open(b_dir, StoreConfig(), true);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  long n = 0;
  for (int batch = 0; batch < 70; ++batch) {
    const long count = 1 + batch % 6;
    ASSERT_TRUE(AppendStoreDocs(**a, n, count).ok());
    ASSERT_TRUE(AppendStoreDocs(**b, n, count).ok());
    n += count;
    if (batch % 9 == 4) {
      const DocId gone[] = {static_cast<DocId>(n - 2)};
      ASSERT_TRUE((*a)->Remove(gone).ok());
      ASSERT_TRUE((*b)->Remove(gone).ok());
    }
  }
  a->reset();
  b->reset();
  const Levels la = LevelsOf(a_dir), lb = LevelsOf(b_dir);
  EXPECT_LT(la.levels.size(), 20u);  // merged
  ASSERT_EQ(la.levels.size(), lb.levels.size());
  EXPECT_EQ(la.dead, lb.dead);
  EXPECT_TRUE(internal::LmdbDocumentStore::Check(a_dir).ok())
      << internal::LmdbDocumentStore::Check(a_dir);
  a = internal::LmdbDocumentStore::Open(a_dir, StoreConfig(), false);
  b = internal::LmdbDocumentStore::Open(b_dir, StoreConfig(), false);
  ASSERT_TRUE(a.ok() && b.ok());
  for (long i = 0; i < n; ++i) {
    auto qa = (*a)->Query(StoreSignature(i));
    auto qb = (*b)->Query(StoreSignature(i));
    ASSERT_TRUE(qa.ok() && qb.ok());
    EXPECT_EQ(DescribeLsh(*qa), DescribeLsh(*qb)) << i;
    EXPECT_FALSE(qa->candidates.empty()) << i;
  }
}

// A writer merging over many transactions is killed (SIGKILL) at random
// moments, in the middle of merges most of the time: the index checks
// after each kill (the pending output of a merge cut short is allowed),
// every acknowledged document is found, and the next merge clears what
// the cut one left.
TEST(DurableTest, KilledMidMergeLosesNothingAcknowledged) {
  const std::string dir = TempDir("merge_kill");
  ASSERT_TRUE(internal::LmdbDocumentStore::Open(dir, StoreConfig(), true).ok());
  std::mt19937_64 rng(3);
  long next = 0;
  int pending_seen = 0;
  // Eight rounds, and more (up to 40) until one kill has landed in a merge:
  // on a loaded machine eight may all land between merges.
  for (int round = 0; round < 8 || (pending_seen == 0 && round < 40);
       ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      auto store = internal::LmdbDocumentStore::Open(dir, StoreConfig(), false,
                                                     uint64_t{1} << 24, 1);
      if (!store.ok()) _exit(2);
      for (long i = next;; i += 5) {
        if (!AppendStoreDocs(**store, i, 5).ok()) _exit(3);
        const std::string line = std::to_string(i + 5) + "\n";
        if (write(fds[1], line.data(), line.size()) < 0) _exit(4);
      }
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 300));
    kill(child, SIGKILL);
    int status;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round;
    long acknowledged = next;
    for (const std::string& line : ReadLinesOf(fds[0])) {
      acknowledged = std::stol(line);
    }
    const absl::Status check = internal::LmdbDocumentStore::Check(dir);
    ASSERT_TRUE(check.ok()) << "round " << round << ": " << check;
    pending_seen += LevelsOf(dir).pending != 0;
    auto store = internal::LmdbDocumentStore::Open(dir, StoreConfig(), false);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_GE(static_cast<long>((*store)->num_ids()), acknowledged);
    for (long i = 0; i < acknowledged; ++i) {
      auto q = (*store)->Query(StoreSignature(i));
      ASSERT_TRUE(q.ok());
      bool found = false;
      for (const LshCandidate& c : q->candidates) found |= c.id == i;
      ASSERT_TRUE(found) << "round " << round << ": " << i;
    }
    next = static_cast<long>((*store)->num_ids());
  }
  EXPECT_GT(pending_seen, 0);
  // A last merge by a whole writer leaves nothing pending.
  auto store = internal::LmdbDocumentStore::Open(dir, StoreConfig(), false);
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 64; ++i) {
    ASSERT_TRUE(AppendStoreDocs(**store, next, 1).ok());
    ++next;
  }
  store->reset();
  EXPECT_EQ(LevelsOf(dir).pending, 0u);
  EXPECT_TRUE(internal::LmdbDocumentStore::Check(dir).ok());
}

// An index keeps the banding it was created with. An engine opening it
// with another (another threshold) builds its LSH index in memory, and
// answers as the engine in memory with that banding.
// Fingerprints (12 bytes, the hash in two halves) read back from the
// directory whole: a document added after reopening, winnowed afresh,
// finds the passage it copies from one read back, as in memory.
TEST(DurableTest, FingerprintsReadBackWhole) {
  const Engine::Options o = OptionsFor({"copy", true});
  const std::string dir = TempDir("fingerprints");
  std::mt19937_64 rng(18);
  const std::string source = RandomText(rng, 200);
  std::vector<Document> before = {{"source", source}};
  for (int i = 0; i < 5; ++i) {
    before.push_back({absl::StrFormat("other%d", i), RandomText(rng, 120)});
  }
  const Document copy = {"copy", RandomText(rng, 40) + " " +
                                     source.substr(source.size() / 3, 400) +
                                     " " + RandomText(rng, 30)};
  {
    auto disk = Engine::Open(dir, o);
    ASSERT_TRUE(disk.ok()) << disk.status();
    ASSERT_TRUE((*disk)->AddBatch(before).ok());
  }
  auto disk = Engine::Open(dir, o);
  ASSERT_TRUE(disk.ok()) << disk.status();
  ASSERT_TRUE((*disk)->Add(copy).ok());
  auto memory = Engine::Create(o);
  ASSERT_TRUE(memory.ok());
  ASSERT_TRUE((*memory)->AddBatch(before).ok());
  ASSERT_TRUE((*memory)->Add(copy).ok());
  auto a = (*memory)->SharedCopy();
  auto b = (*disk)->SharedCopy();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(b->pairs.size(), 1u);
  EXPECT_EQ((*disk)->id(b->pairs[0].a), "source");
  EXPECT_EQ((*disk)->id(b->pairs[0].b), "copy");
  EXPECT_GE(b->pairs[0].copied_tokens_b, 60u);
  EXPECT_EQ(Describe(*a), Describe(*b));
}

TEST(DurableTest, OtherBandingAnswersFromMemory) {
  const std::string dir = TempDir("banding");
  Engine::Options made_with = DurableOptions(/*near_duplicate=*/true);
  Engine::Options other = made_with;
  other.lsh_threshold = 0.3;
  auto memory = Engine::Create(other);
  ASSERT_TRUE(memory.ok());
  {
    auto e = Engine::Open(dir, made_with);
    ASSERT_TRUE(e.ok()) << e.status();
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE((*e)->Add(DurableDoc("b", i)).ok());
      ASSERT_TRUE((*memory)->Add(DurableDoc("b", i)).ok());
    }
  }
  // ReadIndexInfo gives the index's banding.
  auto info = Engine::ReadIndexInfo(dir);
  ASSERT_TRUE(info.ok()) << info.status();
  auto made = Engine::Create(made_with);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(info->options.lsh_bands, (*made)->lsh_params().bands);
  EXPECT_EQ(info->options.lsh_rows, (*made)->lsh_params().rows);
  auto e = Engine::Open(dir, other);
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_NE((*e)->lsh_params().bands, 0u);
  int matched = 0;
  for (int i = 0; i < 40; i += 3) {
    // Half of document i with the start of document i + 1: a weaker match.
    const std::string a = DurableDoc("b", i).text,
                      b = DurableDoc("b", i + 1).text;
    const std::string text =
        a.substr(0, a.size() * 2 / 3) + " " + b.substr(0, b.size() / 3);
    auto x = (*memory)->Query(text);
    auto y = (*e)->Query(text);
    ASSERT_TRUE(x.ok() && y.ok());
    EXPECT_EQ(Describe(*x), Describe(*y));
    matched += !x->empty();
  }
  EXPECT_GT(matched, 0);
  // Adds keep filing postings with the index's banding.
  ASSERT_TRUE((*e)->Add(DurableDoc("b", 40)).ok());
  e->reset();
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
}

// Threads of one process query a near-duplicate index (records read in
// place) while another thread adds and removes: every query finds each
// document added before it began, whole.
TEST(DurableTest, ThreadsQueryWhileAThreadWrites) {
  const std::string dir = TempDir("threads");
  auto e = Engine::Open(dir, DurableOptions(/*near_duplicate=*/true));
  ASSERT_TRUE(e.ok()) << e.status();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*e)->Add(DurableDoc("t", i)).ok());
  std::atomic<int> added{20};
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, queries{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      std::mt19937_64 rng(r);
      while (!done.load()) {
        const int i = static_cast<int>(rng() % added.load());
        if (!Finds(**e, "t", i)) ++failures;
        ++queries;
      }
    });
  }
  for (int i = 20; i < 120; i += 5) {
    std::vector<Document> batch;
    for (int j = i; j < i + 5; ++j) batch.push_back(DurableDoc("t", j));
    ASSERT_TRUE((*e)->AddBatch(batch).ok());
    added = i + 5;
    // A removal and an add back of an old document (a new DocId).
    ASSERT_TRUE((*e)->Remove("t-100000").ok() ||
                (*e)->Add(DurableDoc("t", 100000)).ok());
  }
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(queries.load(), 0);
  e->reset();
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
}

// Texts packed (compressed) beforehand by PackText(), on other threads,
// are stored as Append() would have packed them: a batch mixing packed and
// unpacked texts reads back every text, and the index checks.
TEST(DurableTest, TextsPackedBeforehandReadBack) {
  const std::string dir = TempDir("packed");
  internal::IndexConfig config = StoreConfig();
  config.texts = true;
  auto store = internal::LmdbDocumentStore::Open(dir, config, true);
  ASSERT_TRUE(store.ok()) << store.status();
  std::mt19937_64 rng(11);
  std::vector<std::string> ids, texts, packed(6);
  std::vector<std::vector<uint32_t>> sigs;
  for (long i = 0; i < 6; ++i) {
    ids.push_back("p-" + std::to_string(i));
    texts.push_back(RandomText(rng, 30 + 40 * static_cast<size_t>(i)));
    sigs.push_back(StoreSignature(i));
  }
  std::vector<std::thread> packers;
  for (size_t i = 0; i < 6; i += 2) {
    packers.emplace_back(
        [&, i] { EXPECT_TRUE((*store)->PackText(texts[i], packed[i])); });
  }
  for (std::thread& t : packers) t.join();
  std::vector<StoredDocument> docs(6);
  for (size_t i = 0; i < docs.size(); ++i) {
    docs[i].id = ids[i];
    docs[i].text = texts[i];
    docs[i].packed_text = packed[i];  // empty for the odd ones
    docs[i].signature = sigs[i];
    docs[i].set_size = 10;
    docs[i].text_hash = XXH3_64bits(texts[i].data(), texts[i].size());
  }
  ASSERT_TRUE((*store)->Append(docs).ok());
  std::string buffer;
  for (size_t i = 0; i < docs.size(); ++i) {
    auto t = (*store)->text(static_cast<DocId>(i), buffer);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(*t, texts[i]) << i;
  }
  // A store without texts packs nothing.
  std::string untouched = "x";
  auto plain = internal::LmdbDocumentStore::Open(TempDir("packed_plain"),
                                                 StoreConfig(), true);
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE((*plain)->PackText(texts[0], untouched));
  EXPECT_EQ(untouched, "x");
  store->reset();
  plain->reset();
  EXPECT_TRUE(internal::LmdbDocumentStore::Check(dir).ok())
      << internal::LmdbDocumentStore::Check(dir);
}

// Texts kept by reference (Document::text_at): an index mixing references
// and compressed texts answers as one that compresses them all, reads the
// referenced texts back from the file, and reports a file changed or gone
// naming the file and the document, in reads and in its check. A copy-mode
// index is made at version 6 (its fingerprint postings, its tokens hashed
// by kShortMix) and stays there with references
// (CopyIndexOfVersion3StillOpens: a version 3 index becomes 4 with its
// first reference).
TEST(DurableTest, TextsByReferenceReadBackAndAnswerAlike) {
  const std::string base = TempDir("by_reference");
  std::filesystem::create_directories(base);
  const std::string originals = base + "/originals.txt";
  Corpus corpus(23);
  std::vector<Document> docs;
  std::string file;
  for (int i = 0; i < 60; ++i) {
    Document d = corpus.Next();
    if (i % 3 != 2) {  // every third is kept compressed
      file += "-- header --\n";
      d.text_at = TextReference{originals, file.size(), d.text.size()};
      file += d.text;
    }
    docs.push_back(std::move(d));
  }
  // A reference whose length is not the text's is not kept: compressed.
  docs[5].text_at->length += 1;
  {
    std::ofstream out(originals, std::ios::binary);
    out << file;
  }
  const std::string plain_dir = base + "/plain", ref_dir = base + "/ref";
  std::vector<Document> stripped = docs;
  for (Document& d : stripped) d.text_at.reset();
  const auto fill = [](Engine& e, const std::vector<Document>& in) {
    for (size_t i = 0; i < 20; ++i) ASSERT_TRUE(e.Add(in[i]).ok());
    ASSERT_TRUE(e.AddBatch(absl::MakeConstSpan(in).subspan(20)).ok());
  };
  {
    auto plain = Engine::Open(plain_dir, DurableOptions());
    auto ref = Engine::Open(ref_dir, DurableOptions());
    ASSERT_TRUE(plain.ok() && ref.ok());
    fill(**plain, stripped);
    fill(**ref, docs);
    for (DocId d = 0; d < docs.size(); ++d) {
      auto a = (*plain)->text(d), b = (*ref)->text(d);
      ASSERT_TRUE(a.ok() && b.ok()) << d << " " << b.status();
      EXPECT_EQ(*b, docs[d].text) << d;
      EXPECT_EQ(*a, *b) << d;
    }
    for (size_t q = 0; q < docs.size(); q += 7) {
      auto a = (*plain)->Query(docs[q].text), b = (*ref)->Query(docs[q].text);
      ASSERT_TRUE(a.ok() && b.ok()) << b.status();
      EXPECT_EQ(Describe(*a), Describe(*b)) << q;
    }
    auto a = (*plain)->SharedCopy(), b = (*ref)->SharedCopy();
    ASSERT_TRUE(a.ok() && b.ok()) << b.status();
    EXPECT_EQ(Describe(*a), Describe(*b));
    EXPECT_FALSE(Describe(*b).empty());
  }
  auto plain_summary = internal::LmdbDocumentStore::ReadSummary(plain_dir);
  auto ref_summary = internal::LmdbDocumentStore::ReadSummary(ref_dir);
  ASSERT_TRUE(plain_summary.ok() && ref_summary.ok());
  EXPECT_EQ(plain_summary->version, 6u);
  EXPECT_EQ(ref_summary->version, 6u);
  ASSERT_TRUE(Engine::CheckIndex(ref_dir).ok()) << Engine::CheckIndex(ref_dir);

  // Reopened, the references read back; then the original changes under
  // document d0 (one byte of its range).
  ASSERT_FALSE(docs[0].text.empty());
  {
    std::fstream f(originals, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(docs[0].text_at->offset));
    f.put(docs[0].text[0] == 'x' ? 'y' : 'x');
  }
  {
    auto ref = Engine::Open(ref_dir, DurableOptions());
    ASSERT_TRUE(ref.ok()) << ref.status();
    auto t1 = (*ref)->text(1);
    ASSERT_TRUE(t1.ok()) << t1.status();
    EXPECT_EQ(*t1, docs[1].text);
    auto t0 = (*ref)->text(0);
    ASSERT_FALSE(t0.ok());
    EXPECT_EQ(t0.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(t0.status().message().find(originals), std::string::npos)
        << t0.status();
    EXPECT_NE(t0.status().message().find("'" + docs[0].id + "'"),
              std::string::npos)
        << t0.status();
    EXPECT_NE(t0.status().message().find("changed"), std::string::npos)
        << t0.status();
    // A query that must align with it fails rather than answer wrongly.
    auto q = (*ref)->Query(docs[0].text);
    EXPECT_FALSE(q.ok());
  }
  absl::Status check = Engine::CheckIndex(ref_dir);
  ASSERT_FALSE(check.ok());
  EXPECT_NE(check.message().find(originals), std::string::npos) << check;

  // The original gone: references fail naming it; compressed texts (every
  // third, and the one whose reference was refused) still read back.
  std::filesystem::remove(originals);
  {
    auto ref = Engine::Open(ref_dir, DurableOptions());
    ASSERT_TRUE(ref.ok()) << ref.status();
    auto t1 = (*ref)->text(1);
    ASSERT_FALSE(t1.ok());
    EXPECT_NE(t1.status().message().find("cannot be opened"), std::string::npos)
        << t1.status();
    EXPECT_NE(t1.status().message().find(originals), std::string::npos);
    for (DocId d : {DocId{2}, DocId{5}, DocId{8}}) {
      auto t = (*ref)->text(d);
      ASSERT_TRUE(t.ok()) << d << " " << t.status();
      EXPECT_EQ(*t, docs[d].text);
    }
  }
  // An index without references takes one.
  {
    auto plain = Engine::Open(plain_dir, DurableOptions());
    ASSERT_TRUE(plain.ok());
    {
      std::ofstream out(originals, std::ios::binary);
      out << "a text of its own, kept by reference";
    }
    Document d;
    d.id = "late";
    d.text = "a text of its own, kept by reference";
    d.text_at = TextReference{originals, 0, d.text.size()};
    auto late = (*plain)->Add(d);
    ASSERT_TRUE(late.ok()) << late.status();
    auto t = (*plain)->text(*late);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(*t, d.text);
  }
  plain_summary = internal::LmdbDocumentStore::ReadSummary(plain_dir);
  ASSERT_TRUE(plain_summary.ok());
  EXPECT_EQ(plain_summary->version, 6u);
  EXPECT_TRUE(Engine::CheckIndex(plain_dir).ok()) << Engine::CheckIndex(plain_dir);
}

// AddBatch() sketches outside the writer lock: two threads adding batches
// at once to a copy-mode index both land, every text reads back, and the
// errors are those of the checks (a repeated id, an over-long text), with
// nothing added.
TEST(DurableTest, ThreadsAddingBatchesAtOnceBothLand) {
  const std::string dir = TempDir("batch_threads");
  Engine::Options o = DurableOptions();
  o.max_document_bytes = 4000;
  auto e = Engine::Open(dir, o);
  ASSERT_TRUE(e.ok()) << e.status();
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      const std::string prefix = w == 0 ? "a" : "b";
      for (int i = 0; i < 40; i += 4) {
        std::vector<Document> batch;
        for (int j = i; j < i + 4; ++j) batch.push_back(DurableDoc(prefix, j));
        EXPECT_TRUE((*e)->AddBatch(batch).ok());
      }
    });
  }
  for (std::thread& t : writers) t.join();
  ASSERT_EQ((*e)->num_ids(), 80u);
  std::set<std::string> seen;
  for (DocId d = 0; d < 80; ++d) {
    const std::string id = (*e)->id(d);
    seen.insert(id);
    const size_t dash = id.find('-');
    const Document doc =
        DurableDoc(id.substr(0, dash), std::stol(id.substr(dash + 1)));
    EXPECT_TRUE(Finds(**e, id.substr(0, dash), std::stol(id.substr(dash + 1))))
        << id;
    auto text = (*e)->text(d);
    ASSERT_TRUE(text.ok()) << text.status();
    EXPECT_EQ(*text, doc.text) << id;
  }
  EXPECT_EQ(seen.size(), 80u);
  std::vector<Document> bad = {DurableDoc("c", 0), DurableDoc("a", 3)};
  auto repeated = (*e)->AddBatch(bad);
  EXPECT_EQ(repeated.status().code(), absl::StatusCode::kAlreadyExists);
  bad[1] = DurableDoc("c", 1);
  bad[1].text = std::string(5000, 'x');
  auto long_text = (*e)->AddBatch(bad);
  EXPECT_EQ(long_text.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*e)->num_ids(), 80u);
  e->reset();
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
}

// Group commit: Add() calls from several threads at once all land, in
// fewer write transactions than adds (each transaction waits for an
// fsync, during which the other threads queue: with 8 threads and 160
// adds, a run without a single shared transaction would need every add
// to find no other queued, which an fsync of a millisecond or more makes
// all but impossible); of calls adding one id at once exactly one
// succeeds, the others are told AlreadyExists; the index checks.
TEST(DurableTest, ConcurrentAddsShareTransactions) {
  const std::string dir = TempDir("group");
  auto e = Engine::Open(dir, DurableOptions(/*near_duplicate=*/true));
  ASSERT_TRUE(e.ok()) << e.status();
  auto generation = [&] {
    auto summary = internal::LmdbDocumentStore::ReadSummary(dir);
    EXPECT_TRUE(summary.ok()) << summary.status();
    return summary.ok() ? summary->generation : 0;
  };
  const uint64_t generation_before = generation();
  std::atomic<int> failures{0}, same_added{0}, same_refused{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = t; i < 160; i += 8) {
        if (!(*e)->Add(DurableDoc("g", i)).ok()) ++failures;
      }
      const absl::Status same = (*e)->Add(DurableDoc("same", 0)).status();
      if (same.ok()) ++same_added;
      if (absl::IsAlreadyExists(same)) ++same_refused;
    });
  }
  for (std::thread& w : writers) w.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(same_added.load(), 1);
  EXPECT_EQ(same_refused.load(), 7);
  EXPECT_EQ((*e)->num_ids(), 161u);
  for (int i = 0; i < 160; ++i) EXPECT_TRUE(Finds(**e, "g", i)) << i;
  // Every add transaction is one generation (merges of levels add some).
  EXPECT_LT(generation() - generation_before, 161u);
  e->reset();
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
}

TEST(DurableTest, CheckFindsDamage) {
  const std::string dir = TempDir("damage");
  {
    auto e = Engine::Open(dir, DurableOptions());
    ASSERT_TRUE(e.ok()) << e.status();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*e)->Add(DurableDoc("x", i)).ok());
    ASSERT_TRUE((*e)->Remove("x-2").ok());
  }
  ASSERT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  // An id entry naming no live document, as a half-done write would leave.
  {
    MDB_env* env;
    ASSERT_EQ(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 8);
    ASSERT_EQ(mdb_env_open(env, dir.c_str(), 0, 0664), 0);
    MDB_txn* txn;
    ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
    MDB_dbi ids;
    ASSERT_EQ(mdb_dbi_open(txn, "ids", 0, &ids), 0);
    uint32_t d = 2;
    MDB_val k{3, const_cast<char*>("x-2")}, v{4, &d};
    ASSERT_EQ(mdb_put(txn, ids, &k, &v, 0), 0);
    ASSERT_EQ(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
  }
  const absl::Status s = Engine::CheckIndex(dir);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("removed document 2 ('x-2') still has an id"),
            std::string::npos)
      << s;
}

// A directory the process may not write (as root, which may write any,
// the reader runs as nobody): queries work, writes are refused naming it.
TEST(DurableTest, ReadOnlyDirectoryAnswersAndRefusesWrites) {
  const std::string dir = TempDir("read_only");
  {
    auto e = Engine::Open(dir, DurableOptions());
    ASSERT_TRUE(e.ok()) << e.status();
    ASSERT_TRUE((*e)->Add(DurableDoc("x", 1)).ok());
  }
  const bool root = geteuid() == 0;
  if (root) {
    // nobody may read and enter, not write.
    chmod(dir.c_str(), 0755);
    chmod((dir + "/data.mdb").c_str(), 0644);
    chmod((dir + "/lock.mdb").c_str(), 0644);
  } else {
    chmod((dir + "/data.mdb").c_str(), 0444);
    chmod((dir + "/lock.mdb").c_str(), 0444);
    chmod(dir.c_str(), 0555);
  }
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    if (root && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
    execl(MIMEO_DURABLE_CHILD, "durable_child", "readonly", dir.c_str(), "x",
          "1", "0", static_cast<char*>(nullptr));
    _exit(4);
  }
  close(fds[1]);
  const std::vector<std::string> lines = ReadLinesOf(fds[0]);
  int status;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  chmod(dir.c_str(), 0755);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  ASSERT_EQ(WEXITSTATUS(status), 0) << (lines.empty() ? "" : lines[0]);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "found");
  EXPECT_NE(lines[1].find("PERMISSION_DENIED"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find(dir), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("read-only"), std::string::npos) << lines[1];
}

// A store whose map starts at 1 MiB takes a transaction of several
// megabytes: the map is doubled until it fits, and the documents are there
// when it is opened again.
TEST(DurableTest, MapGrowsByItself) {
  const std::string dir = TempDir("grows");
  internal::IndexConfig config;
  config.window = 4;
  const uint64_t first_map = uint64_t{1} << 20;
  std::mt19937_64 rng(3);
  std::vector<std::string> ids, texts;
  std::vector<uint32_t> signature(128, 7);
  std::vector<StoredDocument> docs;
  for (int i = 0; i < 300; ++i) {
    ids.push_back(absl::StrFormat("big-%d", i));
    std::string t(20000, ' ');
    for (char& c : t) c = static_cast<char>(' ' + rng() % 90);
    texts.push_back(std::move(t));
  }
  for (int i = 0; i < 300; ++i) {
    StoredDocument d;
    d.id = ids[i];
    d.text = texts[i];
    d.signature = signature;
    docs.push_back(d);
  }
  {
    auto store =
        internal::LmdbDocumentStore::Open(dir, config, true, first_map);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Append(docs).ok());
    EXPECT_EQ((*store)->num_ids(), 300u);
  }
  EXPECT_GT(std::filesystem::file_size(dir + "/data.mdb"), 4 * first_map);
  auto store = internal::LmdbDocumentStore::Open(dir, config, false, first_map);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_EQ((*store)->num_ids(), 300u);
  std::string buffer;
  EXPECT_EQ(*(*store)->text(299, buffer), texts[299]);
}

// Runs tests/durable_child, returning its pid and the read end of its
// stdout.
pid_t Spawn(const std::vector<std::string>& args, int* out) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawn(&pid, MIMEO_DURABLE_CHILD, &actions, nullptr,
                             argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return -1;
  }
  *out = fds[0];
  return pid;
}

// A disk that fills up during a write (simulated in the child with a file
// size limit): the write fails naming the index and the cause, and the
// index is as it was.
TEST(DurableTest, FullDiskLeavesTheIndexAsItWas) {
  const std::string dir = TempDir("full");
  {
    auto e = Engine::Open(dir, DurableOptions());
    ASSERT_TRUE(e.ok()) << e.status();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*e)->Add(DurableDoc("f", i)).ok());
  }
  int out;
  const pid_t child =
      Spawn({"durable_child", "full", dir, "f", "5", "2000"}, &out);
  ASSERT_GT(child, 0);
  const std::vector<std::string> lines = ReadLinesOf(out);
  int status;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("RESOURCE_EXHAUSTED"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(dir), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("is the disk full?"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("the index is as it was"), std::string::npos)
      << lines[0];
  ASSERT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  auto e = Engine::Open(dir, DurableOptions());
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ((*e)->num_ids(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(Finds(**e, "f", i));
  // And it takes more once there is room.
  EXPECT_TRUE((*e)->Add(DurableDoc("f", 5)).ok());
}

TEST(DurableTest, TwoProcessesAddingAtOnceBothLand) {
  const std::string dir = TempDir("two_writers");
  ASSERT_TRUE(Engine::Open(dir, DurableOptions()).ok());
  int out_a, out_b;
  const pid_t a = Spawn({"durable_child", "add", dir, "a", "0", "40"}, &out_a);
  const pid_t b =
      Spawn({"durable_child", "batch", dir, "b", "0", "40"}, &out_b);
  ASSERT_GT(a, 0);
  ASSERT_GT(b, 0);
  const auto lines_a = ReadLinesOf(out_a), lines_b = ReadLinesOf(out_b);
  int status;
  ASSERT_EQ(waitpid(a, &status, 0), a);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(waitpid(b, &status, 0), b);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(lines_a.size(), 40u);
  EXPECT_EQ(lines_b.size(), 40u);
  ASSERT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  auto e = Engine::Open(dir, DurableOptions());
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->stats().documents, 80u);
  for (long i = 0; i < 40; ++i) {
    EXPECT_TRUE(Finds(**e, "a", i)) << i;
    EXPECT_TRUE(Finds(**e, "b", i)) << i;
  }
  // The same ids from another process: refused, nothing doubled.
  int out_c;
  const pid_t c = Spawn({"durable_child", "add", dir, "a", "39", "2"}, &out_c);
  ASSERT_GT(c, 0);
  EXPECT_TRUE(ReadLinesOf(out_c).empty());
  ASSERT_EQ(waitpid(c, &status, 0), c);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  // This engine takes in what others do.
  const pid_t d = Spawn({"durable_child", "add", dir, "c", "0", "3"}, &out_c);
  ASSERT_GT(d, 0);
  EXPECT_EQ(ReadLinesOf(out_c).size(), 3u);
  ASSERT_EQ(waitpid(d, &status, 0), d);
  EXPECT_TRUE(Finds(**e, "c", 2));
  EXPECT_EQ((*e)->stats().documents, 83u);
}

// Both kinds of index: shared copy on (fields held in memory) and
// near-duplicate (records read in place).
class DurableModes : public ::testing::TestWithParam<Mode> {
 protected:
  bool near_duplicate() const { return !GetParam().copy; }
  // The child's mode for this kind of index.
  std::string ChildMode(const std::string& mode) const {
    return near_duplicate() ? mode + "-nd" : mode;
  }
};

INSTANTIATE_TEST_SUITE_P(Modes, DurableModes,
                         ::testing::Values(Mode{"copy", true},
                                           Mode{"near_duplicate", false}),
                         [](const auto& info) { return info.param.name; });

TEST_P(DurableModes, QueriesRunWhileAWriterAdds) {
  const std::string dir =
      TempDir(std::string("reader_writer_") + GetParam().name);
  auto e = Engine::Open(dir, DurableOptions(near_duplicate()));
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE((*e)->Add(DurableDoc("first", 0)).ok());
  int out;
  const pid_t w =
      Spawn({"durable_child", ChildMode("batch"), dir, "w", "0", "300"}, &out);
  ASSERT_GT(w, 0);
  // Queries while the child writes; each sees a consistent index (the
  // counts only grow, the first document is always found).
  size_t seen = 0;
  int during = 0;
  for (;;) {
    int status;
    const bool done = waitpid(w, &status, WNOHANG) == w;
    ASSERT_TRUE(Finds(**e, "first", 0));
    const size_t n = (*e)->num_ids();
    EXPECT_GE(n, seen);
    if (n > seen && n < 301) ++during;
    seen = n;
    if (done) {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
      break;
    }
  }
  ReadLinesOf(out);
  EXPECT_TRUE(Finds(**e, "w", 299));
  EXPECT_EQ((*e)->num_ids(), 301u);
  // Saw the index part-way at least once (the child adds 30 batches).
  EXPECT_GT(during, 0);
}

// A child adds documents one at a time and reports each acknowledged id;
// it is killed (SIGKILL) at a random moment. After each kill the index
// opens, passes its check, holds every acknowledged document (found by a
// query), and holds nothing half-added: every document it holds is whole.
class DurableCrashTest : public DurableModes {};

INSTANTIATE_TEST_SUITE_P(Modes, DurableCrashTest,
                         ::testing::Values(Mode{"copy", true},
                                           Mode{"near_duplicate", false}),
                         [](const auto& info) { return info.param.name; });

TEST_P(DurableCrashTest, KilledWriterLosesNothingAcknowledged) {
  const std::string dir = TempDir(std::string("crash_") + GetParam().name);
  const Engine::Options options = DurableOptions(near_duplicate());
  ASSERT_TRUE(Engine::Open(dir, options).ok());
  std::mt19937_64 rng(11);
  std::set<long> acknowledged;
  long next = 0;
  size_t before = 0;  // documents in the index before the round
  int kills = 0;
  for (int round = 0; round < MIMEO_CRASH_KILLS; ++round) {
    int out;
    const pid_t child = Spawn({"durable_child",
                               ChildMode(round % 3 == 0   ? "add"
                                         : round % 3 == 1 ? "batch"
                                                          : "threads"),
                               dir, "k", std::to_string(next), "100000"},
                              &out);
    ASSERT_GT(child, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 250));
    kill(child, SIGKILL);
    int status;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    if (WIFSIGNALED(status)) ++kills;
    size_t acknowledged_now = 0;
    for (const std::string& line : ReadLinesOf(out)) {
      acknowledged.insert(std::stol(line.substr(2)));
      ++acknowledged_now;
    }
    const absl::Status check = Engine::CheckIndex(dir);
    ASSERT_TRUE(check.ok()) << "round " << round << ": " << check;
    auto e = Engine::Open(dir, options);
    ASSERT_TRUE(e.ok()) << e.status();
    const size_t n = (*e)->num_ids();
    EXPECT_GE(n, acknowledged.size());
    EXPECT_EQ((*e)->stats().documents, n);
    // At most the batch (or the four threads' adds) in flight past what
    // this writer acknowledged.
    EXPECT_LE(n, before + acknowledged_now + 10);
    before = n;
    for (long i : acknowledged) ASSERT_TRUE(Finds(**e, "k", i)) << i;
    // Threads leave gaps (document 5 added, 4 not yet): the next writer
    // starts past the last one added.
    for (DocId d = 0; d < n; ++d) {
      const std::string id = (*e)->id(d);
      const long i = std::stol(id.substr(2));
      if (!near_duplicate()) {
        EXPECT_EQ(*(*e)->text(d), DurableDoc("k", i).text) << id;
      }
      EXPECT_EQ((*e)->date(d), i);
      next = std::max(next, i + 1);
    }
  }
  EXPECT_GE(kills, MIMEO_CRASH_KILLS / 2);
  EXPECT_GT(acknowledged.size(), 0u);
}

#ifdef MIMEO_BINARY
// Runs `mimeo ARGS` in `dir`; returns the exit code, stdout in *out and
// stderr in *err.
// With `shell` given, runs that shell command in `dir` instead.
int RunMimeo(const std::string& dir, const std::vector<std::string>& args,
             std::string* out, std::string* err,
             const std::string& shell = "") {
  std::string cmd = "cd '" + dir + "' && ";
  if (shell.empty()) {
    cmd += "'" + std::string(MIMEO_BINARY) + "'";
    for (const std::string& a : args) cmd += " '" + a + "'";
  } else {
    cmd += "(" + shell + ")";
  }
  cmd += " 2>'" + dir + "/stderr.out'";
  std::FILE* p = popen(cmd.c_str(), "r");
  out->clear();
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out->append(buf, n);
  const int status = pclose(p);
  *err = testing::ReadFile(dir + "/stderr.out");
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A data file cut short opens, and reading a page past its end raises
// SIGBUS, as any memory-mapped file does: the command turns it into a
// message naming the index and exit code 1, whatever was cut.
TEST(DurableTest, ADataFileCutShortIsNamedNotACrash) {
  const std::string dir = TempDir("cut-short");
  {
    auto made = Engine::Open(dir + "/ix", DurableOptions());
    ASSERT_TRUE(made.ok()) << made.status();
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE((*made)->Add(DurableDoc("doc" + std::to_string(i), i)).ok());
    }
  }
  const std::string data = dir + "/ix/data.mdb";
  const auto size = std::filesystem::file_size(data);
  ASSERT_GT(size, 65536u);
  std::filesystem::copy(dir + "/ix", dir + "/whole");
  std::string out, err;
  for (const uint64_t cut : {uint64_t{4096}, size / 2}) {
    SCOPED_TRACE(cut);
    std::filesystem::remove_all(dir + "/ix");
    std::filesystem::copy(dir + "/whole", dir + "/ix");
    std::filesystem::resize_file(data, (size - cut) / 4096 * 4096);
    const int code = RunMimeo(dir, {"index", "check", "ix/"}, &out, &err);
    // The last page may be a free one, which nothing reads: the index is
    // whole. Half the file is not. Never a signal.
    if (cut == 4096) {
      EXPECT_TRUE(code == 0 || code == 1) << code << " " << err;
    } else {
      EXPECT_EQ(code, 1) << err;
    }
    if (code == 1) {
      EXPECT_NE(err.find("'ix/'"), std::string::npos) << err;
    }
  }
  EXPECT_EQ(RunMimeo(dir, {"index", "check", "whole/"}, &out, &err), 0) << err;
}

// --texts-by-reference: the index answers byte for byte as one that
// compresses its texts, exports the same snapshot, keeps references for
// plain files and plain JSONL fields only, and names a changed original
// in query and check; refused where it cannot apply.
TEST(DurableCliTest, TextsByReferenceAnswerAlike) {
  const std::string dir = TempDir("cli_reference");
  std::filesystem::create_directories(dir);
  std::filesystem::copy(std::string(MIMEO_SOURCE_DIR) + "/datasets/demo/texts",
                        dir + "/texts",
                        std::filesystem::copy_options::recursive);
  {
    // One line with escapes (kept compressed), one without (referenced).
    std::ofstream out(dir + "/texts/feeds/extra.jsonl", std::ios::binary);
    out << "{\"id\": \"esc\", \"text\": \"A line\\nwith an escape, about the "
           "comet seen over the harbour terminal.\"}\n"
        << "{\"id\": \"raw\", \"text\": \"Plain words about the comet seen "
           "over the harbour terminal last night.\"}\n";
  }
  std::string out, err, plain_out, ref_out;
  ASSERT_EQ(RunMimeo(dir, {"index", "create", "plain/", "texts", "-q"}, &out,
                     &err),
            0)
      << err;
  ASSERT_EQ(RunMimeo(dir,
                     {"index", "create", "ref/", "texts",
                      "--texts-by-reference"},
                     &out, &err),
            0)
      << err;
  // 17 documents: the HTML page (converted) and the line with an escape
  // are kept compressed.
  EXPECT_NE(err.find("17 documents"), std::string::npos) << err;
  EXPECT_NE(err.find("15 texts by reference (2 compressed)"), std::string::npos)
      << err;
  ASSERT_EQ(RunMimeo(dir, {"index", "check", "ref"}, &out, &err), 0) << err;
  ASSERT_EQ(RunMimeo(dir,
                     {"index", "query", "plain", "texts", "--format", "jsonl",
                      "-q"},
                     &plain_out, &err),
            0)
      << err;
  ASSERT_EQ(RunMimeo(dir,
                     {"index", "query", "ref", "texts", "--format", "jsonl",
                      "-q"},
                     &ref_out, &err),
            0)
      << err;
  EXPECT_EQ(plain_out, ref_out);
  EXPECT_NE(ref_out.find("passages"), std::string::npos) << ref_out;
  ASSERT_EQ(RunMimeo(dir, {"index", "export", "plain", "plain.mimeo", "-q"},
                     &out, &err),
            0)
      << err;
  ASSERT_EQ(RunMimeo(dir, {"index", "export", "ref", "ref.mimeo", "-q"}, &out,
                     &err),
            0)
      << err;
  EXPECT_EQ(testing::ReadFile(dir + "/plain.mimeo"),
            testing::ReadFile(dir + "/ref.mimeo"));
  // `index add` takes the flag too.
  {
    std::ofstream out(dir + "/late.txt", std::ios::binary);
    out << "A late report on the comet over the harbour terminal.";
  }
  ASSERT_EQ(RunMimeo(dir, {"index", "add", "ref", "late.txt",
                           "--texts-by-reference"},
                     &out, &err),
            0)
      << err;
  EXPECT_NE(err.find("1 texts by reference (0 compressed)"), std::string::npos)
      << err;
  // The original of a referenced text changes (bytes appended after its
  // range do not matter; one byte in it does): the query that needs it
  // and the check fail, naming the file.
  const std::string changed = dir + "/texts/wire/comet.txt";
  {
    std::ofstream out(changed, std::ios::binary | std::ios::app);
    out << " An added sentence.";
  }
  ASSERT_EQ(RunMimeo(dir, {"index", "check", "ref"}, &out, &err), 0) << err;
  {
    std::fstream f(changed, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(3);
    f.put('#');
  }
  EXPECT_NE(RunMimeo(dir,
                     {"index", "query", "ref", "texts/sky-weekly/comet.txt",
                      "--format", "jsonl", "-q"},
                     &out, &err),
            0);
  EXPECT_NE(err.find("wire/comet.txt"), std::string::npos) << err;
  EXPECT_NE(err.find("changed"), std::string::npos) << err;
  EXPECT_NE(RunMimeo(dir, {"index", "check", "ref"}, &out, &err), 0);
  EXPECT_NE(err.find("wire/comet.txt"), std::string::npos) << err;
  // The index that compressed its texts does not care.
  EXPECT_EQ(RunMimeo(dir, {"index", "check", "plain"}, &out, &err), 0) << err;
  // Refused: a snapshot file, an index without texts.
  EXPECT_NE(RunMimeo(dir, {"index", "create", "snap.mimeo", "texts",
                           "--texts-by-reference"},
                     &out, &err),
            0);
  EXPECT_NE(err.find("snapshot"), std::string::npos) << err;
  EXPECT_NE(RunMimeo(dir, {"index", "create", "nocopy/", "texts", "--no-copy",
                           "--texts-by-reference"},
                     &out, &err),
            0);
  EXPECT_NE(err.find("--no-copy"), std::string::npos) << err;
}

// `mimeo index` on a directory answers as on a snapshot file, converts
// both ways, checks, removes and prunes, and refuses what it must.
// The DocIds and removed documents of the model of common shingles the
// index in `dir` keeps (meta "query_common"), or (0, 0) when it keeps none.
std::pair<uint64_t, uint64_t> KeptQueryModel(const std::string& dir) {
  std::pair<uint64_t, uint64_t> kept{0, 0};
  Damage(dir, "meta", 0, [&](MDB_txn* txn, MDB_dbi meta) {
    MDB_val k{12, const_cast<char*>("query_common")}, v;
    if (mdb_get(txn, meta, &k, &v) != 0 || v.mv_size < 16) return;
    std::memcpy(&kept.first, v.mv_data, 8);
    std::memcpy(&kept.second, static_cast<const char*>(v.mv_data) + 8, 8);
  });
  return kept;
}

// Every key and value of the `levels` table of the index in `dir`.
std::vector<std::pair<std::string, std::string>> LevelArraysOf(
    const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  ReadTxn read(dir);
  MDB_txn* const txn = read.get();
  MDB_dbi levels;
  EXPECT_EQ(mdb_dbi_open(txn, "levels", 0, &levels), 0);
  MDB_cursor* cursor;
  EXPECT_EQ(mdb_cursor_open(txn, levels, &cursor), 0);
  MDB_val k, v;
  for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    out.emplace_back(
        std::string(static_cast<const char*>(k.mv_data), k.mv_size),
        std::string(static_cast<const char*>(v.mv_data), v.mv_size));
  }
  mdb_cursor_close(cursor);
  return out;
}

// Merges run on the engine's threads (Options::threads), several arrays at
// once: the same adds and removals on one thread and on every core make
// the same levels, byte for byte, removed documents dropped alike.
TEST(DurableTest, MergesOnEveryThreadWriteTheSameLevels) {
  for (const bool near_duplicate : {false, true}) {
    SCOPED_TRACE(near_duplicate ? "near-duplicate" : "copy");
    std::vector<std::vector<std::pair<std::string, std::string>>> arrays;
    for (const int threads : {1, 0}) {
      const std::string dir = TempDir(absl::StrFormat(
          "merge_threads_%d_%d", static_cast<int>(near_duplicate), threads));
      Engine::Options options = DurableOptions(near_duplicate);
      options.threads = threads;
      auto disk = Engine::Open(dir, options);
      ASSERT_TRUE(disk.ok()) << disk.status();
      Corpus corpus(23);
      std::vector<std::string> live;
      // 80 batches of 3: levels merged into levels of 8 and 64 batches.
      for (int b = 0; b < 80; ++b) {
        std::vector<Document> batch;
        for (int i = 0; i < 3; ++i) batch.push_back(corpus.Next());
        ASSERT_TRUE((*disk)->AddBatch(batch).ok());
        for (const Document& d : batch) live.push_back(d.id);
        if (b % 5 == 4) {
          const size_t gone = corpus.rng()() % live.size();
          ASSERT_TRUE((*disk)->Remove(live[gone]).ok());
          live.erase(live.begin() + static_cast<std::ptrdiff_t>(gone));
        }
      }
      disk->reset();
      EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
      const Levels levels = LevelsOf(dir);
      EXPECT_LT(levels.levels.size(), 16u);
      EXPECT_LT(levels.dead, 16u);
      arrays.push_back(LevelArraysOf(dir));
    }
    ASSERT_FALSE(arrays[0].empty());
    EXPECT_TRUE(arrays[0] == arrays[1]);
  }
}

TEST(DurableCliTest, DirectoryIndexAnswersAsSnapshot) {
  const std::string dir = TempDir("cli");
  std::filesystem::create_directories(dir);
  const std::string texts =
      std::string(MIMEO_SOURCE_DIR) + "/datasets/demo/texts";
  const std::string query = texts + "/wire/comet.txt";
  std::string out, err, snap_out;
  ASSERT_EQ(RunMimeo(dir, {"index", "create", "idx/", texts, "-q"}, &out, &err),
            0)
      << err;
  // Each change keeps the model its queries answer with.
  EXPECT_EQ(KeptQueryModel(dir + "/idx"), std::make_pair(uint64_t{15}, uint64_t{0}));
  ASSERT_EQ(
      RunMimeo(dir, {"index", "create", "snap.mimeo", texts, "-q"}, &out, &err),
      0)
      << err;
  ASSERT_EQ(
      RunMimeo(dir, {"index", "query", "idx", query, "--format", "jsonl", "-q"},
               &out, &err),
      0)
      << err;
  ASSERT_EQ(RunMimeo(dir,
                     {"index", "query", "snap.mimeo", query, "--format",
                      "jsonl", "-q"},
                     &snap_out, &err),
            0)
      << err;
  EXPECT_NE(out.find("\"near_duplicate\":true"), std::string::npos);
  EXPECT_EQ(out, snap_out);
  ASSERT_EQ(
      RunMimeo(dir, {"index", "export", "idx", "out.mimeo", "-q"}, &out, &err),
      0)
      << err;
  EXPECT_EQ(testing::ReadFile(dir + "/out.mimeo"),
            testing::ReadFile(dir + "/snap.mimeo"));
  // An existing file is replaced only with --force; the index's own files
  // never.
  const std::string query_text = testing::ReadFile(query);
  EXPECT_NE(RunMimeo(dir, {"index", "export", "idx", query, "-q"}, &out, &err),
            0);
  EXPECT_NE(err.find("exists; --force replaces it"), std::string::npos) << err;
  EXPECT_EQ(testing::ReadFile(query), query_text);
  EXPECT_NE(RunMimeo(dir, {"index", "export", "idx", "idx/data.mdb", "--force"},
                     &out, &err),
            0);
  EXPECT_NE(err.find("inside the index directory"), std::string::npos) << err;
  ASSERT_EQ(RunMimeo(dir, {"index", "check", "idx"}, &out, &err), 0) << err;
  ASSERT_EQ(RunMimeo(dir, {"index", "export", "idx", "out.mimeo", "--force",
                           "-q"},
                     &out, &err),
            0)
      << err;
  ASSERT_EQ(RunMimeo(dir, {"index", "import", "snap.mimeo", "idx2", "-q"}, &out,
                     &err),
            0)
      << err;
  EXPECT_EQ(KeptQueryModel(dir + "/idx2"),
            std::make_pair(uint64_t{15}, uint64_t{0}));
  ASSERT_EQ(RunMimeo(dir, {"index", "check", "idx2"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("passes its check: 15 documents"), std::string::npos)
      << out;
  ASSERT_EQ(
      RunMimeo(dir, {"index", "info", "idx", "--format", "jsonl"}, &out, &err),
      0)
      << err;
  EXPECT_NE(out.find("\"kind\":\"directory\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"documents\":15"), std::string::npos) << out;
  ASSERT_EQ(RunMimeo(dir, {"index", "remove", "idx", "wire/comet.txt", "-q"},
                     &out, &err),
            0)
      << err;
  ASSERT_EQ(
      RunMimeo(dir, {"index", "info", "idx", "--format", "jsonl"}, &out, &err),
      0);
  EXPECT_NE(out.find("\"documents\":14"), std::string::npos) << out;
  EXPECT_EQ(KeptQueryModel(dir + "/idx"), std::make_pair(uint64_t{15}, uint64_t{1}));
  EXPECT_NE(
      RunMimeo(dir, {"index", "remove", "idx", "wire/comet.txt"}, &out, &err),
      0);
  EXPECT_NE(err.find("no document 'wire/comet.txt'"), std::string::npos);
  // The demo texts have no dates: pruning removes none.
  ASSERT_EQ(RunMimeo(dir, {"index", "prune", "idx", "--before", "2026-01-01"},
                     &out, &err),
            0)
      << err;
  EXPECT_NE(err.find("0 documents dated before"), std::string::npos) << err;
  EXPECT_NE(
      RunMimeo(dir, {"index", "prune", "idx", "--before", "soon"}, &out, &err),
      0);
  EXPECT_NE(err.find("is not a date"), std::string::npos) << err;
  ASSERT_EQ(RunMimeo(dir, {"index", "check", "idx"}, &out, &err), 0) << err;
  // Refusals, naming the path and the problem.
  EXPECT_NE(RunMimeo(dir, {"index", "create", "idx/", texts}, &out, &err), 0);
  EXPECT_NE(err.find("'idx/' is not empty"), std::string::npos) << err;
  std::filesystem::create_directories(dir + "/junk");
  std::ofstream(dir + "/junk/x") << "x";
  EXPECT_NE(RunMimeo(dir, {"index", "query", "junk/", query}, &out, &err), 0);
  EXPECT_NE(err.find("'junk/' is not a mimeo index"), std::string::npos) << err;
  // A directory without an index, named without '/', is no snapshot either.
  EXPECT_NE(RunMimeo(dir, {"index", "query", "junk", query}, &out, &err), 0);
  EXPECT_NE(RunMimeo(dir, {"index", "add", "idx", "--shingle", "4", query},
                     &out, &err),
            0);
  EXPECT_NE(err.find("shingle.k is 5 in the index but 4"), std::string::npos)
      << err;
}
// Copy mode (format 5): the fingerprint postings are levels of the index,
// merged as they grow; removals leave dead entries that a merge drops.
// Every answer, SharedCopy() and the pairs of a PairStream-backed
// SharedCopy after reopening are the in-memory engine's, and the index
// checks.
TEST(DurableTest, FingerprintPostingsMergeIntoLevels) {
  const std::string dir = TempDir("fp_levels");
  const Engine::Options options = DurableOptions();
  auto memory = Engine::Create(options);
  auto disk = Engine::Open(dir, options);
  ASSERT_TRUE(memory.ok() && disk.ok());
  Corpus corpus(11);
  std::vector<std::string> live;
  // 160 single adds: levels of one document, merged into levels of 8, then
  // of 64; removals between them.
  for (int i = 0; i < 160; ++i) {
    const Document d = corpus.Next();
    auto a = (*memory)->Add(d);
    auto b = (*disk)->Add(d);
    ASSERT_EQ(a.ok(), b.ok());
    if (a.ok()) live.push_back(d.id);
    if (i % 9 == 8) {
      const std::string gone = live[corpus.rng()() % live.size()];
      ASSERT_TRUE((*memory)->Remove(gone).ok());
      ASSERT_TRUE((*disk)->Remove(gone).ok());
      live.erase(std::find(live.begin(), live.end(), gone));
    }
    if (i % 5 == 4) {
      const Document q = corpus.Next();
      auto qa = (*memory)->Query(q.text);
      auto qb = (*disk)->Query(q.text);
      ASSERT_TRUE(qa.ok() && qb.ok()) << qb.status();
      EXPECT_EQ(Describe(*qa), Describe(*qb)) << "add " << i;
    }
  }
  auto ra = (*memory)->SharedCopy();
  auto rb = (*disk)->SharedCopy();
  ASSERT_TRUE(ra.ok() && rb.ok()) << rb.status();
  EXPECT_FALSE(ra->pairs.empty());
  EXPECT_EQ(Describe(*ra), Describe(*rb));
  disk->reset();
  auto info = Engine::ReadIndexInfo(dir);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->version, 6u);
  const Levels levels = LevelsOf(dir);
  // Merged: fewer levels than adds, the oldest of tens of documents.
  ASSERT_GE(levels.levels.size(), 2u);
  EXPECT_LT(levels.levels.size(), 20u);
  EXPECT_EQ(levels.levels.front().first, 0u);
  EXPECT_GE(levels.levels.front().docs, 40u);
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  auto reopened = Engine::Open(dir, options);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(StatsOf(**memory), StatsOf(**reopened));
  auto rc = (*reopened)->SharedCopy();
  ASSERT_TRUE(rc.ok()) << rc.status();
  EXPECT_EQ(Describe(*ra), Describe(*rc));
  for (int i = 0; i < 10; ++i) {
    const Document q = corpus.Next();
    auto qa = (*memory)->Query(q.text);
    auto qb = (*reopened)->Query(q.text);
    ASSERT_TRUE(qa.ok() && qb.ok());
    EXPECT_EQ(Describe(*qa), Describe(*qb));
  }
}

// `index check` finds damage to the fingerprint postings of a copy-mode
// index: an entry changed in place (the array still parses and is sorted),
// an entry's hash moved to another shard's keys, and a shard lost.
TEST(DurableTest, CheckFindsDamagedFingerprintPostings) {
  const std::string base = TempDir("damage_fp");
  const auto make = [&](const std::string& name) {
    const std::string dir = base + "/" + name;
    CreateCopyIndexWithoutBands(dir, DurableOptions());
    auto e = Engine::Open(dir, DurableOptions());
    EXPECT_TRUE(e.ok()) << e.status();
    std::vector<Document> batch;
    for (int i = 0; i < 6; ++i) batch.push_back(DurableDoc("x", i));
    EXPECT_TRUE((*e)->AddBatch(batch).ok());
    EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
    return dir;
  };
  // The last entry of shard `shard` of the only level, changed by `change`
  // (its 12 bytes: hash, then DocId).
  const auto damage_last = [](const std::string& dir, int shard,
                              const std::function<void(char*)>& change) {
    Damage(dir, "levels", 0, [&](MDB_txn* txn, MDB_dbi dbi) {
      const unsigned char key[6] = {0, 0, 0,
                                    1, 0, static_cast<unsigned char>(shard)};
      MDB_val k{sizeof(key), const_cast<unsigned char*>(key)}, v;
      ASSERT_EQ(mdb_get(txn, dbi, &k, &v), 0);
      std::string bytes(static_cast<const char*>(v.mv_data), v.mv_size);
      ASSERT_GT(bytes.size(), 12u + 8u);
      change(bytes.data() + bytes.size() - 12);
      MDB_val nv{bytes.size(), bytes.data()};
      ASSERT_EQ(mdb_put(txn, dbi, &k, &nv, 0), 0);
    });
  };
  // A DocId changed to another document of the level: sorted still.
  std::string dir = make("doc");
  damage_last(dir, 3, [](char* entry) {
    uint32_t d;
    std::memcpy(&d, entry + 8, 4);
    d = d == 0 ? 1 : d - 1;
    std::memcpy(entry + 8, &d, 4);
  });
  ExpectCheckFails(dir, "fingerprint shard 3 of posting level 1");
  // The last hash's low bits changed: an entry of another shard.
  dir = make("shard");
  damage_last(dir, 5, [](char* entry) { entry[0] ^= 1; });
  ExpectCheckFails(dir, "fingerprint shard 5 of posting level 1 holds an entry");
  // A shard lost.
  dir = make("lost");
  Damage(dir, "levels", 0, [](MDB_txn* txn, MDB_dbi dbi) {
    const unsigned char key[6] = {0, 0, 0, 1, 0, 7};
    MDB_val k{sizeof(key), const_cast<unsigned char*>(key)};
    ASSERT_EQ(mdb_del(txn, dbi, &k, nullptr), 0);
  });
  ExpectCheckFails(dir, "a band array of a listed level is missing");
  // A query of a damaged index fails, naming it, rather than answering
  // without the shard.
  auto e = Engine::Open(dir, DurableOptions());
  ASSERT_TRUE(e.ok()) << e.status();
  auto q = (*e)->Query(DurableDoc("x", 2).text);
  EXPECT_FALSE(q.ok());
}

// `index check` compares each fingerprint shard's filter (format 6) with
// the one its entries make: a bit set that no entry sets fails it, naming
// the shard.
TEST(DurableTest, CheckFindsDamagedFingerprintFilter) {
  const std::string dir = TempDir("damage_filter");
  CreateCopyIndexWithoutBands(dir, DurableOptions());
  {
    auto e = Engine::Open(dir, DurableOptions());
    ASSERT_TRUE(e.ok()) << e.status();
    std::vector<Document> batch;
    for (int i = 0; i < 6; ++i) batch.push_back(DurableDoc("x", i));
    ASSERT_TRUE((*e)->AddBatch(batch).ok());
  }
  ASSERT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  Damage(dir, "levels", 0, [](MDB_txn* txn, MDB_dbi dbi) {
    const unsigned char key[6] = {0, 0, 0, 1, 0, 4};
    MDB_val k{sizeof(key), const_cast<unsigned char*>(key)}, v;
    ASSERT_EQ(mdb_get(txn, dbi, &k, &v), 0);
    std::string bytes(static_cast<const char*>(v.mv_data), v.mv_size);
    uint64_t word;
    std::memcpy(&word, bytes.data() + 8, 8);
    // A bit no entry set: the filter still holds every entry.
    ASSERT_NE(word, ~uint64_t{0});
    int bit = 0;
    while (word >> bit & 1) ++bit;
    word |= uint64_t{1} << bit;
    std::memcpy(bytes.data() + 8, &word, 8);
    MDB_val nv{bytes.size(), bytes.data()};
    ASSERT_EQ(mdb_put(txn, dbi, &k, &nv, 0), 0);
  });
  ExpectCheckFails(dir,
                   "fingerprint shard 4 of posting level 1: its filter's word 0");
}

// A copy-mode index of format 5 (fingerprint shards without filters, as
// the mimeo before made them: simulated by stripping the filters of a new
// one) opens, answers as the engine in memory, grows and merges without
// filters, stays at version 5, and checks.
TEST(DurableTest, CopyIndexOfVersion5StillOpens) {
  const std::string dir = TempDir("copy_v5");
  const Engine::Options options = DurableOptions();
  Corpus corpus(13);
  auto memory = Engine::Create(options);
  ASSERT_TRUE(memory.ok());
  ASSERT_NO_FATAL_FAILURE(CreateCopyIndexWithoutBands(dir, options));
  ASSERT_NO_FATAL_FAILURE(AddToBoth(**memory, dir, options, corpus, 30));
  size_t stripped = 0;
  Damage(dir, "levels", 0, [&](MDB_txn* txn, MDB_dbi dbi) {
    std::vector<std::pair<std::string, std::string>> arrays;
    MDB_cursor* cursor;
    ASSERT_EQ(mdb_cursor_open(txn, dbi, &cursor), 0);
    MDB_val k, v;
    for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      internal::BandArray a;
      internal::FingerprintFilter f;
      ASSERT_TRUE(internal::ParseFilteredShard(v.mv_data, v.mv_size, a, f));
      const size_t skip = 8 + f.words() * 8;
      arrays.emplace_back(
          std::string(static_cast<const char*>(k.mv_data), k.mv_size),
          std::string(static_cast<const char*>(v.mv_data) + skip,
                      v.mv_size - skip));
    }
    mdb_cursor_close(cursor);
    for (auto& [key, value] : arrays) {
      MDB_val nk{key.size(), key.data()}, nv{value.size(), value.data()};
      ASSERT_EQ(mdb_put(txn, dbi, &nk, &nv, 0), 0);
    }
    stripped = arrays.size();
  });
  EXPECT_EQ(stripped, internal::kFingerprintShards);
  SetFormatVersion(dir, 5);
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  auto disk = Engine::Open(dir, options);
  ASSERT_TRUE(disk.ok()) << disk.status();
  // Single adds: levels of one document, merged with the stripped one.
  AddAndAnswerAlike(**memory, **disk, corpus, 20);
  disk->reset();
  auto info = Engine::ReadIndexInfo(dir);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->version, 5u);
  EXPECT_LT(LevelsOf(dir).levels.size(), 21u);  // merged
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
}

// Text printed in a burst is judged by the holders' dates read from the
// index as from memory (PassageJudge::IsBurst), and by the span of the
// collection's dates as it grows and shrinks: 22 of 2,400 documents dated
// over 30 days print a quote within 5 days, 22 others carry a standard
// paragraph. Over 30 days, 5 is more than an eighth: no burst. A document
// dated a year before makes the span 395 days, and the quote a burst;
// removing it makes the span 30 days again.
TEST(DurableTest, BurstsAreJudgedAlikeOnDisk) {
  const std::string dir = TempDir("bursts");
  const Engine::Options options = DurableOptions();
  std::mt19937_64 rng(31);
  const std::string quote = RandomText(rng, 40);
  const std::string standard = RandomText(rng, 40);
  constexpr int64_t kDay = 86400;
  std::vector<Document> docs;
  std::set<std::string> quoting;
  size_t standards = 0;
  for (int i = 0; i < 2400; ++i) {
    Document d;
    d.id = absl::StrFormat("a%d", i);
    d.text = RandomText(rng, 50);
    d.date = i * (30 * kDay / 2400);
    if (i % 100 == 11 && quoting.size() < 22) {
      d.text += ". " + quote;
      d.date = 10 * kDay + static_cast<int64_t>(quoting.size()) * (5 * kDay / 22);
      quoting.insert(d.id);
    } else if (i % 100 == 61 && standards < 22) {
      d.text += ". " + standard;
      ++standards;
    }
    d.text += ". " + RandomText(rng, 50);
    docs.push_back(std::move(d));
  }
  ASSERT_EQ(quoting.size(), 22u);
  Document early;
  early.id = "early";
  early.text = RandomText(rng, 80);
  early.date = -365 * kDay;
  Document late = early;
  late.id = "late";
  late.date = 400 * kDay;
  auto memory = Engine::Create(options);
  auto disk = Engine::Open(dir, options);
  ASSERT_TRUE(memory.ok() && disk.ok());
  ASSERT_TRUE((*memory)->AddBatch(docs).ok());
  ASSERT_TRUE((*disk)->AddBatch(docs).ok());
  const std::string asking = RandomText(rng, 30) + ". " + quote;
  // Round 0: 30 days; 1: the early document added; 2: removed again; 3:
  // a late one added and a document inside the span removed; 4: the late
  // one removed.
  for (int round = 0; round < 5; ++round) {
    auto ra = (*memory)->SharedCopy();
    auto rb = (*disk)->SharedCopy();
    ASSERT_TRUE(ra.ok() && rb.ok()) << rb.status();
    EXPECT_EQ(Describe(*ra), Describe(*rb)) << "round " << round;
    const bool burst = round == 1 || round == 3;
    EXPECT_EQ(rb->pairs.size(), burst ? 22u * 21 / 2 : 0u) << "round " << round;
    for (const CopyPair& p : rb->pairs) {
      EXPECT_TRUE(quoting.contains(std::string((*disk)->id(p.a))) &&
                  quoting.contains(std::string((*disk)->id(p.b))));
    }
    auto qa = (*memory)->Query(asking);
    auto qb = (*disk)->Query(asking);
    ASSERT_TRUE(qa.ok() && qb.ok());
    EXPECT_EQ(Describe(*qa), Describe(*qb));
    EXPECT_EQ(qb->size(), burst ? 22u : 0u) << "round " << round;
    if (round == 0) {
      ASSERT_TRUE((*memory)->Add(early).ok());
      ASSERT_TRUE((*disk)->Add(early).ok());
    } else if (round == 1) {
      ASSERT_TRUE((*memory)->Remove("early").ok());
      ASSERT_TRUE((*disk)->Remove("early").ok());
    } else if (round == 2) {
      for (Engine* e : {memory->get(), disk->get()}) {
        ASSERT_TRUE(e->Add(late).ok());
        ASSERT_TRUE(e->Remove("a1200").ok());
      }
    } else if (round == 3) {
      ASSERT_TRUE((*memory)->Remove("late").ok());
      ASSERT_TRUE((*disk)->Remove("late").ok());
    }
  }
}

// Sources decide what is a template on disk as in memory: a footer on 22
// pages of one site is a template even when they came out at once, a
// quote printed at once by 22 outlets is copy. The index, reopened, reads each holder's source
// from its record.
TEST(DurableTest, SourcesJudgeTemplatesAlikeOnDisk) {
  const std::string dir = TempDir("sources");
  const Engine::Options options = DurableOptions();
  std::mt19937_64 rng(47);
  const std::string footer = RandomText(rng, 40);
  const std::string quote = RandomText(rng, 40);
  const char* outlets[] = {"north", "south", "east"};
  constexpr int64_t kDay = 86400;
  // 22 holders each (common: at least 20; under 1% of the documents, 24,
  // where the judge weighs sources), printed within two days of a month.
  std::vector<Document> docs;
  for (int i = 0; i < 2400; ++i) {
    Document d;
    d.id = absl::StrFormat("p%d", i);
    d.text = RandomText(rng, 50);
    d.source = outlets[i % 3];
    d.date = i * (30 * kDay / 2400);
    if (i % 100 == 3 && i < 2200) {
      d.source = "north";
      d.text += ". " + footer;
      d.date = 10 * kDay + i * (2 * kDay / 2200);
    } else if (i % 100 == 53 && i < 2200) {
      d.source = absl::StrFormat("outlet%d", i / 100);
      d.text += ". " + quote;
      d.date = 10 * kDay + i * (2 * kDay / 2200);
    }
    d.text += ". " + RandomText(rng, 50);
    docs.push_back(std::move(d));
  }
  auto memory = Engine::Create(options);
  ASSERT_TRUE(memory.ok());
  ASSERT_NO_FATAL_FAILURE(AddAllToBoth(**memory, dir, options, docs));
  auto disk = Engine::Open(dir, options);
  ASSERT_TRUE(disk.ok()) << disk.status();
  const std::string asking =
      RandomText(rng, 30) + ". " + footer + ". " + RandomText(rng, 30) +
      ". " + quote + ". " + RandomText(rng, 30);
  auto qa = (*memory)->Query(asking);
  auto qb = (*disk)->Query(asking);
  ASSERT_TRUE(qa.ok() && qb.ok()) << qb.status();
  EXPECT_EQ(Describe(*qa), Describe(*qb));
  // The quote's 22 holders, each by one passage of copy; the footer's
  // holders share only a template with the query, and are not answers.
  ASSERT_EQ(qb->size(), 22u);
  for (const Match& m : *qb) {
    const int i = std::stoi(m.id.substr(1));
    EXPECT_EQ(i % 100, 53) << m.id;
    EXPECT_TRUE(m.shares_copy) << m.id;
  }
  auto ra = (*memory)->SharedCopy();
  auto rb = (*disk)->SharedCopy();
  ASSERT_TRUE(ra.ok() && rb.ok()) << rb.status();
  EXPECT_EQ(Describe(*ra), Describe(*rb));
  EXPECT_EQ(rb->pairs.size(), 22u * 21 / 2);
  // The index keeps the span of its dates; `index check` compares it with
  // the records'.
  disk->reset();
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  Damage(dir, "meta", 0, [&](MDB_txn* txn, MDB_dbi meta) {
    MDB_val k{5, const_cast<char*>("dates")}, v;
    ASSERT_EQ(mdb_get(txn, meta, &k, &v), 0);
    ASSERT_EQ(v.mv_size, 40u);
    std::string bytes(static_cast<const char*>(v.mv_data), v.mv_size);
    int64_t latest;
    std::memcpy(&latest, bytes.data() + 32, 8);
    EXPECT_EQ(latest, 30 * kDay - 30 * kDay / 2400);
    ++latest;
    std::memcpy(bytes.data() + 32, &latest, 8);
    MDB_val nv{bytes.size(), bytes.data()};
    ASSERT_EQ(mdb_put(txn, meta, &k, &nv, 0), 0);
  });
  ExpectCheckFails(dir, "its dates (");
}

// Query()'s model of common shingles, kept in the index after adds
// (SaveQueryModel()), is what a later process answers with: the answers
// of the engine in memory, which counts it. `index check` counts it
// again; a model changed by hand fails the check and changes the answers.
TEST(DurableTest, QueryModelIsKeptForLaterProcesses) {
  const std::string dir = TempDir("query_model");
  const Engine::Options options = DurableOptions();
  std::mt19937_64 rng(53);
  const std::string footer = RandomText(rng, 30);
  std::vector<Document> docs;
  for (int i = 0; i < 400; ++i) {
    Document d;
    d.id = absl::StrFormat("m%d", i);
    d.text = i % 50 == 7 ? docs[i - 7].text + " again"
                         : RandomText(rng, 40 + static_cast<int>(rng() % 40));
    if (i % 10 == 0) d.text += ". " + footer;
    docs.push_back(std::move(d));
  }
  auto memory = Engine::Create(options);
  ASSERT_TRUE(memory.ok());
  ASSERT_NO_FATAL_FAILURE(
      AddAllToBoth(**memory, dir, options, docs, /*save_model=*/true));
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  std::vector<std::string> asking;
  for (int i : {0, 7, 10, 50, 57, 120}) {
    asking.push_back(docs[i].text);
    asking.push_back(RandomText(rng, 20) + ". " + docs[i].text.substr(0, 200) +
                     ". " + footer);
  }
  const auto answers = [&](const Engine& e) {
    std::string out;
    for (const std::string& q : asking) {
      auto m = e.Query(q);
      EXPECT_TRUE(m.ok()) << m.status();
      if (m.ok()) out += Describe(*m) + "--\n";
    }
    return out;
  };
  const std::string expected = answers(**memory);
  {
    auto reopened = Engine::Open(dir, options);
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    EXPECT_EQ(answers(**reopened), expected);
  }
  // The saved model without its common shingles (its counts kept).
  Damage(dir, "meta", 0, [&](MDB_txn* txn, MDB_dbi meta) {
    MDB_val k{12, const_cast<char*>("query_common")}, v;
    ASSERT_EQ(mdb_get(txn, meta, &k, &v), 0);
    ASSERT_GT(v.mv_size, 44u);
    std::string emptied(static_cast<const char*>(v.mv_data), 40);
    emptied.append(4, '\0');
    MDB_val nv{emptied.size(), emptied.data()};
    ASSERT_EQ(mdb_put(txn, meta, &k, &nv, 0), 0);
  });
  const absl::Status checked = Engine::CheckIndex(dir);
  EXPECT_EQ(checked.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(checked.message().find("saved model of common shingles (0 common"),
            std::string::npos)
      << checked;
  auto damaged = Engine::Open(dir, options);
  ASSERT_TRUE(damaged.ok()) << damaged.status();
  EXPECT_NE(answers(**damaged), expected);
}

// Query()'s answers follow from the documents added and removed before
// it, not from when earlier queries came: an engine asked after every add
// answers as one asked only at the end. (Its twentieth holder makes the
// footer common between the counts at 144 and 150 documents.)
TEST(DurableTest, QueryAnswersDoNotDependOnEarlierQueries) {
  const Engine::Options options = DurableOptions();
  std::mt19937_64 rng(59);
  const std::string footer = RandomText(rng, 30);
  std::vector<Document> docs;
  for (int i = 0; i < 150; ++i) {
    Document d;
    d.id = absl::StrFormat("q%d", i);
    d.text = RandomText(rng, 40 + static_cast<int>(rng() % 40));
    if ((i % 10 == 0 && i <= 130) || (i >= 140 && i <= 146)) {
      d.text += ". " + footer;
    }
    docs.push_back(std::move(d));
  }
  const std::string asking = docs[10].text + ". " + RandomText(rng, 10);
  auto often = Engine::Create(options);
  auto once = Engine::Create(options);
  ASSERT_TRUE(often.ok() && once.ok());
  for (size_t i = 0; i < docs.size(); ++i) {
    ASSERT_TRUE((*often)->Add(docs[i]).ok());
    ASSERT_TRUE((*often)->Query(asking).ok());
    if (i == 100) {
      ASSERT_TRUE((*often)->Remove("q4").ok());
    }
  }
  for (size_t i = 0; i < docs.size(); ++i) {
    ASSERT_TRUE((*once)->Add(docs[i]).ok());
    if (i == 100) {
      ASSERT_TRUE((*once)->Remove("q4").ok());
    }
  }
  auto a = (*often)->Query(asking);
  auto b = (*once)->Query(asking);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->empty());
  EXPECT_EQ(Describe(*a), Describe(*b));
  EXPECT_EQ(Engine::QueryModelIds(15), 15u);
  EXPECT_EQ(Engine::QueryModelIds(150), 144u);
  EXPECT_EQ(Engine::QueryModelIds(1000000), 983040u);
}

// A copy-mode index made before format 5 (version 3, no fingerprint
// postings, its tokens hashed by XXH3, as the mimeo before made them:
// simulated by dropping the levels of a new one) opens, indexes its
// fingerprints in memory as before, answers as the engine in memory, stays
// at its version as it grows (4 once a text is kept by reference), and
// checks.
TEST(DurableTest, CopyIndexOfVersion3StillOpens) {
  const std::string dir = TempDir("copy_v4");
  Engine::Options options = DurableOptions();
  options.shingle.token_hash = TokenHash::kXxh3;
  Corpus corpus(12);
  auto memory = Engine::Create(options);
  ASSERT_TRUE(memory.ok());
  ASSERT_NO_FATAL_FAILURE(CreateCopyIndexWithoutBands(dir, options));
  ASSERT_NO_FATAL_FAILURE(AddToBoth(**memory, dir, options, corpus, 30));
  Damage(dir, "levels", 0, [](MDB_txn* txn, MDB_dbi dbi) {
    ASSERT_EQ(mdb_drop(txn, dbi, 0), 0);
  });
  SetFormatVersion(dir, 3);
  Damage(dir, "meta", 0, [](MDB_txn* txn, MDB_dbi meta) {
    const std::string none = internal::EncodeLevels({});
    MDB_val lk{6, const_cast<char*>("levels")},
        lv{none.size(), const_cast<char*>(none.data())};
    ASSERT_EQ(mdb_put(txn, meta, &lk, &lv, 0), 0);
  });
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
  auto disk = Engine::Open(dir, options);
  ASSERT_TRUE(disk.ok()) << disk.status();
  AddAndAnswerAlike(**memory, **disk, corpus, 12);
  auto info = Engine::ReadIndexInfo(dir);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->version, 3u);
  const std::string original = dir + ".txt";
  Document late;
  late.id = "late";
  late.text = "a text of its own, kept by reference";
  std::ofstream(original, std::ios::binary) << late.text;
  late.text_at = TextReference{original, 0, late.text.size()};
  ASSERT_TRUE((*disk)->Add(late).ok());
  disk->reset();
  info = Engine::ReadIndexInfo(dir);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->version, 4u);
  EXPECT_TRUE(LevelsOf(dir).levels.empty());
  EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
}

// An index keeps the token hash it was made with: one hashed by XXH3 (as
// every index before kShortMix) is made at the version of its contents
// (3 for near-duplicates, 6 for copy mode's filters), without the
// parameter, so that the mimeos before read what they can; one hashed by
// kShortMix at version 6, which they refuse naming it. Each opens with its
// own parameters and refuses the other's, naming the parameter.
TEST(DurableTest, IndexesKeepTheTokenHashTheyWereMadeWith) {
  for (const bool near_duplicate : {false, true}) {
    for (const TokenHash hash : {TokenHash::kXxh3, TokenHash::kShortMix}) {
      SCOPED_TRACE(::testing::Message()
                   << "near_duplicate " << near_duplicate << " token_hash "
                   << static_cast<int>(hash));
      const std::string dir =
          TempDir(std::string("token_hash_") + (near_duplicate ? "n" : "c") +
                  std::to_string(static_cast<int>(hash)));
      Engine::Options options = DurableOptions(near_duplicate);
      options.shingle.token_hash = hash;
      Corpus corpus(5);
      const Document first = corpus.Next();
      {
        auto disk = Engine::Open(dir, options);
        ASSERT_TRUE(disk.ok()) << disk.status();
        ASSERT_TRUE((*disk)->Add(first).ok());
      }
      auto info = Engine::ReadIndexInfo(dir);
      ASSERT_TRUE(info.ok()) << info.status();
      EXPECT_EQ(info->options.shingle.token_hash, hash);
      const uint32_t version =
          hash == TokenHash::kXxh3 && near_duplicate ? 3u : 6u;
      EXPECT_EQ(info->version, version);
      auto reopened = Engine::Open(dir, info->options);
      ASSERT_TRUE(reopened.ok()) << reopened.status();
      auto m = (*reopened)->Query(first.text);
      ASSERT_TRUE(m.ok()) << m.status();
      ASSERT_EQ(m->size(), 1u);
      EXPECT_DOUBLE_EQ((*m)[0].jaccard, 1.0);
      reopened->reset();
      Engine::Options other = options;
      other.shingle.token_hash = hash == TokenHash::kXxh3
                                     ? TokenHash::kShortMix
                                     : TokenHash::kXxh3;
      auto refused = Engine::Open(dir, other);
      ASSERT_FALSE(refused.ok());
      EXPECT_NE(refused.status().message().find("shingle.token_hash"),
                std::string::npos)
          << refused.status();
      EXPECT_TRUE(Engine::CheckIndex(dir).ok()) << Engine::CheckIndex(dir);
    }
  }
}

// Two `mimeo index add` on one directory at once, five times: both land
// every time (on a snapshot file, before the lock, one batch was lost in 4
// of 5 trials).
TEST(DurableCliTest, TwoAddsAtOnceBothLand) {
  const std::string dir = TempDir("cli_two");
  std::filesystem::create_directories(dir + "/a");
  std::filesystem::create_directories(dir + "/b");
  for (int i = 0; i < 40; ++i) {
    std::ofstream(dir + absl::StrFormat("/a/%d.txt", i))
        << DurableDoc("a", i).text;
    std::ofstream(dir + absl::StrFormat("/b/%d.txt", i))
        << DurableDoc("b", i).text;
  }
  std::ofstream(dir + "/seed.txt") << DurableDoc("seed", 0).text;
  std::string out, err;
  for (int trial = 0; trial < 5; ++trial) {
    const std::string index = absl::StrFormat("idx%d/", trial);
    ASSERT_EQ(
        RunMimeo(dir, {"index", "create", index, "seed.txt", "-q"}, &out, &err),
        0)
        << err;
    // Both in the background of one shell, which waits for both.
    const std::string both = absl::StrFormat(
        "'%s' index add %s a --id-prefix a/ -q & "
        "'%s' index add %s b --id-prefix b/ -q & wait",
        MIMEO_BINARY, index, MIMEO_BINARY, index);
    ASSERT_EQ(RunMimeo(dir, {}, &out, &err, both), 0) << err;
    ASSERT_EQ(RunMimeo(dir, {"index", "check", index}, &out, &err), 0) << err;
    EXPECT_NE(out.find("passes its check: 81 documents"), std::string::npos)
        << "trial " << trial << ": " << out;
  }
}
#endif  // MIMEO_BINARY

}  // namespace
}  // namespace mimeo
