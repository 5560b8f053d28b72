#include "mimeo/pair_stream.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "mimeo/engine.h"
#include "mimeo/progress.h"
#include "test_util.h"

namespace mimeo {
namespace {

using ::mimeo::testing::RandomText;

// Stories, their near-duplicate versions (a few words changed), reprints
// of part of a story inside other text, and a footer on many documents.
std::vector<Document> Corpus() {
  std::mt19937_64 rng(7);
  std::vector<std::string> stories;
  for (int i = 0; i < 12; ++i) stories.push_back(RandomText(rng, 160));
  const std::string footer =
      "Copyright the daily example, all rights reserved, no part of this "
      "page may be reproduced without written permission of the publisher.";
  std::vector<Document> docs;
  for (int i = 0; i < 90; ++i) {
    const std::string& s = stories[i % stories.size()];
    std::string text;
    switch (i % 3) {
      case 0:  // the story itself, or a version of it
        text = s;
        if (i >= 36) text.replace(rng() % (s.size() / 2), 12, " zebra ");
        break;
      case 1: {  // a reprint of half the story between other text
        const size_t from = s.find(' ', rng() % (s.size() / 2));
        text = RandomText(rng, 80) + ". " + s.substr(from + 1, s.size() / 2) +
               ". " + RandomText(rng, 60);
        break;
      }
      default:
        text = RandomText(rng, 120);
    }
    if (i % 4 == 0) text += " " + footer;
    docs.push_back({"doc/" + std::to_string(i), text, {}});
  }
  return docs;
}

std::unique_ptr<Engine> Make(int threads) {
  Engine::Options o;
  o.threads = threads;
  auto e = Engine::Create(o);
  EXPECT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE((*e)->AddBatch(Corpus()).ok());
  return std::move(*e);
}

template <typename Pair>
struct Streamed {
  std::vector<std::vector<Pair>> blocks;
  PairStreamStats stats;
};

// Every block `stream` (Engine::NearDuplicatePairs or SharedCopyPairs)
// hands over, kept as it came.
template <typename Pair>
Streamed<Pair> StreamWith(
    const Engine& e, size_t block_pairs,
    absl::StatusOr<PairStreamStats> (Engine::*stream)(
        const PairSink<Pair>&, const PairStreamOptions&) const) {
  Streamed<Pair> out;
  PairStreamOptions o;
  o.block_pairs = block_pairs;
  auto stats = (e.*stream)(
      [&](absl::Span<Pair> block) {
        out.blocks.emplace_back(block.begin(), block.end());
        return absl::OkStatus();
      },
      o);
  EXPECT_TRUE(stats.ok()) << stats.status();
  if (stats.ok()) out.stats = *stats;
  return out;
}

Streamed<VerifiedPair> StreamNear(const Engine& e, size_t block_pairs) {
  return StreamWith<VerifiedPair>(e, block_pairs, &Engine::NearDuplicatePairs);
}

Streamed<CopyPair> StreamCopy(const Engine& e, size_t block_pairs) {
  return StreamWith<CopyPair>(e, block_pairs, &Engine::SharedCopyPairs);
}

template <typename Pair>
std::vector<Pair> Flatten(const Streamed<Pair>& s) {
  std::vector<Pair> all;
  for (const auto& b : s.blocks) all.insert(all.end(), b.begin(), b.end());
  return all;
}

auto Key(const VerifiedPair& p) {
  return std::make_tuple(p.a, p.b, p.similarity.jaccard,
                         p.similarity.containment_a_in_b,
                         p.similarity.containment_b_in_a, p.score);
}

auto Key(const CopyPair& p) {
  std::vector<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t, bool>> ps;
  for (const Passage& q : p.passages) {
    ps.emplace_back(q.a_begin, q.a_end, q.b_begin, q.b_end, q.boilerplate);
  }
  return std::make_tuple(p.a, p.b, p.similarity.jaccard, p.copied_tokens_a,
                         p.copied_tokens_b, p.more_passages, ps);
}

template <typename Pair>
void ExpectSame(const std::vector<Pair>& x, const std::vector<Pair>& y) {
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(Key(x[i]), Key(y[i])) << "pair " << i;
  }
}

// Sorted by (a, b) across blocks, no empty block, counted in the stats,
// and with block_pairs 1 each block holds the pairs of one first document.
template <typename Pair>
void ExpectWellCut(const Streamed<Pair>& s, bool one_a_per_block) {
  std::vector<Pair> all = Flatten(s);
  EXPECT_EQ(s.stats.pairs, all.size());
  EXPECT_EQ(s.stats.blocks, s.blocks.size());
  for (const auto& b : s.blocks) {
    EXPECT_FALSE(b.empty());
    for (const Pair& p : b) {
      EXPECT_LT(p.a, p.b);
      if (one_a_per_block) {
        EXPECT_EQ(p.a, b.front().a);
      }
    }
  }
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_TRUE(all[i - 1].a < all[i].a ||
                (all[i - 1].a == all[i].a && all[i - 1].b < all[i].b))
        << "pair " << i;
  }
}

TEST(PairStreamTest, NearDuplicatesAreClusterPairsWhateverTheBlocks) {
  auto e = Make(0);
  auto clustering = e->Cluster();
  ASSERT_TRUE(clustering.ok()) << clustering.status();
  ASSERT_GT(clustering->pairs.size(), 20u);
  for (size_t block : {size_t{1}, size_t{7}, size_t{1} << 20}) {
    SCOPED_TRACE(block);
    const Streamed<VerifiedPair> s = StreamNear(*e, block);
    ExpectWellCut(s, block == 1);
    ExpectSame(Flatten(s), clustering->pairs);
    EXPECT_EQ(s.stats.candidate_pairs, clustering->candidate_pairs);
  }
  EXPECT_GT(StreamNear(*e, 1).blocks.size(), 5u);
}

TEST(PairStreamTest, SharedCopyIsTheSameWhateverTheBlocksAndThreads) {
  auto e = Make(0);
  auto one = Make(1);
  auto report = e->SharedCopy();
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_GT(report->pairs.size(), 20u);
  for (size_t block : {size_t{1}, size_t{5}, size_t{1} << 20}) {
    SCOPED_TRACE(block);
    const Streamed<CopyPair> s = StreamCopy(*e, block);
    ExpectWellCut(s, block == 1);
    ExpectSame(Flatten(s), report->pairs);
    EXPECT_EQ(s.stats.candidate_pairs, report->candidate_pairs);
    ExpectSame(Flatten(StreamCopy(*one, block)), report->pairs);
  }
  EXPECT_GT(StreamCopy(*e, 1).blocks.size(), 5u);
}

TEST(PairStreamTest, ASinkErrorStopsTheStream) {
  auto e = Make(0);
  PairStreamOptions o;
  o.block_pairs = 1;
  int calls = 0;
  auto near = e->NearDuplicatePairs(
      [&](absl::Span<VerifiedPair>) {
        ++calls;
        return absl::ResourceExhaustedError("disk full");
      },
      o);
  EXPECT_EQ(near.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(calls, 1);
  calls = 0;
  auto copy = e->SharedCopyPairs(
      [&](absl::Span<CopyPair>) {
        ++calls;
        return absl::CancelledError("stop");
      },
      o);
  EXPECT_EQ(copy.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST(PairStreamTest, CopyStreamNeedsCopy) {
  Engine::Options o;
  o.copy.enabled = false;
  auto e = Engine::Create(o);
  ASSERT_TRUE(e.ok());
  auto s = (*e)->SharedCopyPairs(
      [](absl::Span<CopyPair>) { return absl::OkStatus(); });
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
}

struct Call {
  std::string phase;
  uint64_t done, total;
};

// Every phase in `phases`, in that order, each starting at 0, moving up
// and ending at its total, which stays the same.
void ExpectProgress(const std::vector<Call>& calls,
                    const std::vector<std::string_view>& phases) {
  std::vector<std::string> seen;
  for (size_t i = 0; i < calls.size(); ++i) {
    const Call& c = calls[i];
    const bool starts = i == 0 || calls[i - 1].phase != c.phase;
    if (starts) {
      seen.push_back(c.phase);
      EXPECT_EQ(c.done, 0u) << c.phase;
    } else {
      EXPECT_EQ(c.total, calls[i - 1].total) << c.phase;
      EXPECT_GE(c.done, calls[i - 1].done) << c.phase;
    }
    EXPECT_LE(c.done, c.total) << c.phase;
    const bool ends = i + 1 == calls.size() || calls[i + 1].phase != c.phase;
    if (ends) {
      EXPECT_EQ(c.done, c.total) << c.phase;
    }
  }
  ASSERT_EQ(seen.size(), phases.size());
  for (size_t i = 0; i < phases.size(); ++i) EXPECT_EQ(seen[i], phases[i]);
}

TEST(PairStreamTest, ProgressCoversEveryPhase) {
  auto e = Make(0);
  std::vector<Call> calls;
  const ProgressHook hook = [&](std::string_view phase, uint64_t done,
                                uint64_t total) {
    calls.push_back({std::string(phase), done, total});
  };
  ASSERT_TRUE(e->Cluster(hook).ok());
  ExpectProgress(calls,
                 {kProgressLshJoin, kProgressVerify, kProgressCluster});
  calls.clear();
  ASSERT_TRUE(e->SharedCopy(hook).ok());
  ExpectProgress(calls, {kProgressAlign, kProgressMerge, kProgressFamilies});
  // With blocks of one pair, every document is a run of its own, merged
  // and handed over pair by pair.
  calls.clear();
  PairStreamOptions o;
  o.block_pairs = 1;
  o.progress = hook;
  auto stats = e->SharedCopyPairs(
      [](absl::Span<CopyPair>) { return absl::OkStatus(); }, o);
  ASSERT_TRUE(stats.ok());
  ExpectProgress(calls, {kProgressAlign, kProgressMerge});
  size_t aligning = 0, merging = 0;
  for (const Call& c : calls) {
    if (c.phase == kProgressAlign) {
      ++aligning;
      EXPECT_EQ(c.total, e->num_ids());
    } else {
      ++merging;
      EXPECT_EQ(c.total, stats->pairs);
    }
  }
  EXPECT_GT(aligning, 5u);
  EXPECT_GT(merging, 5u);
}

}  // namespace
}  // namespace mimeo
