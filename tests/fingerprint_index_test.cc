#include "mimeo/fingerprint_index.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo {
namespace {

FingerprintIndex Make(uint32_t max_postings = 5) {
  FingerprintIndex::Options o;
  o.max_postings = max_postings;
  auto index = FingerprintIndex::Create(o);
  EXPECT_TRUE(index.ok()) << index.status();
  return std::move(*index);
}

std::vector<Fingerprint> Fps(std::initializer_list<uint64_t> hashes) {
  std::vector<Fingerprint> out;
  uint32_t pos = 0;
  for (uint64_t h : hashes) out.push_back({h, pos++});
  return out;
}

TEST(FingerprintIndexTest, CandidatesAreEarlierDocumentsByFingerprintsShared) {
  FingerprintIndex index = Make();
  ASSERT_TRUE(index.Add(0, Fps({1, 2, 3})).ok());
  ASSERT_TRUE(index.Add(1, Fps({3, 4})).ok());
  ASSERT_TRUE(index.Add(2, Fps({9})).ok());
  const auto c = index.Candidates(Fps({1, 2, 3, 4, 3}), 3);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].doc, 0u);
  EXPECT_EQ(c[0].shared, 3u);
  EXPECT_EQ(c[1].doc, 1u);
  EXPECT_EQ(c[1].shared, 2u);  // 3 repeated in the query counts once
  // As of document 1, only document 0 came before.
  const auto before = index.Candidates(Fps({3, 4}), 1);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].doc, 0u);
}

TEST(FingerprintIndexTest, FrequencyIsCountedAsOfTheAskingDocument) {
  FingerprintIndex index = Make(/*max_postings=*/5);
  for (DocId d = 0; d < 6; ++d) ASSERT_TRUE(index.Add(d, Fps({7})).ok());
  EXPECT_EQ(index.DocFrequency(7, 6), 6u);
  EXPECT_EQ(index.DocFrequency(7, 2), 2u);
  EXPECT_EQ(index.DocFrequency(8, 6), 0u);
  // Document 3 (with 0, 1, 2 before it) still gets candidates; document 4
  // and later do not: 5 documents reach max_postings.
  EXPECT_EQ(index.Candidates(Fps({7}), 3).size(), 3u);
  EXPECT_TRUE(index.Candidates(Fps({7}), 4).empty());
  EXPECT_TRUE(index.Candidates(Fps({7}), 6).empty());
}

TEST(FingerprintIndexTest,
     FingerprintsHeldWidelyInTheWholeIndexProposeNothing) {
  FingerprintIndex index = Make(/*max_postings=*/50);
  // 7 is in six documents in all, 8 in two.
  for (DocId d = 0; d < 6; ++d) {
    ASSERT_TRUE(index.Add(d, d < 2 ? Fps({7, 8}) : Fps({7})).ok());
  }
  // As of document 2, only 0 and 1 came before, but 7 is held by six in
  // the whole index: below 6, it proposes nothing; 8 still does.
  const auto all = index.Candidates(Fps({7, 8}), 2);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].shared, 2u);
  const auto narrow = index.Candidates(Fps({7, 8}), 2, /*below=*/6);
  ASSERT_EQ(narrow.size(), 2u);
  EXPECT_EQ(narrow[0].shared, 1u);
  EXPECT_TRUE(index.Candidates(Fps({7}), 2, /*below=*/6).empty());
  EXPECT_EQ(index.Candidates(Fps({7}), 2, /*below=*/7).size(), 2u);
}

TEST(FingerprintIndexTest, RemoveAndOrder) {
  FingerprintIndex index = Make();
  ASSERT_TRUE(index.Add(0, Fps({1, 2})).ok());
  ASSERT_TRUE(index.Add(5, Fps({2, 3})).ok());
  EXPECT_EQ(index.Add(4, Fps({1})).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index.num_postings(), 4u);
  index.Remove(0, Fps({1, 2}));
  EXPECT_EQ(index.num_postings(), 2u);
  EXPECT_EQ(index.num_fingerprints(), 2u);
  const auto c = index.Candidates(Fps({1, 2}), 6);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].doc, 5u);
  index.Remove(0, Fps({1, 2}));  // twice: nothing left to remove
  EXPECT_EQ(index.num_postings(), 2u);
}

// The packed table and the recent postings give the answers a plain list
// of holders per hash gives, whatever was packed when, with removals in
// both parts.
TEST(FingerprintIndexTest, PackingChangesNoAnswer) {
  std::mt19937_64 rng(7);
  FingerprintIndex::Options o;
  o.max_postings = 6;
  auto made = FingerprintIndex::Create(o);
  ASSERT_TRUE(made.ok());
  FingerprintIndex index = std::move(*made);
  // The reference: per hash, its live holders in order.
  std::map<uint64_t, std::vector<DocId>> holders;
  std::vector<std::vector<Fingerprint>> added;
  std::set<DocId> live;
  constexpr DocId kDocs = 300;
  std::vector<uint32_t> group_of(kDocs);
  for (DocId d = 0; d < kDocs; ++d) {
    group_of[d] = static_cast<uint32_t>(rng() % 5);
    std::vector<Fingerprint> fps;
    const size_t n = rng() % 12;
    for (uint32_t i = 0; i < n; ++i) {
      // Few hashes, so that many are shared; high bits vary to spread them
      // over the directory.
      const uint64_t hash = (rng() % 40) * 0x9E3779B97F4A7C15ull;
      fps.push_back({hash, i});
    }
    ASSERT_TRUE(index.Add(d, fps).ok());
    for (const Fingerprint& f : fps) {
      std::vector<DocId>& h = holders[f.hash()];
      if (h.empty() || h.back() != d) h.push_back(d);
    }
    added.push_back(fps);
    live.insert(d);
    if (rng() % 7 == 0 && !live.empty()) {
      const DocId gone = *std::next(live.begin(), rng() % live.size());
      index.Remove(gone, added[gone]);
      live.erase(gone);
      for (auto& [hash, h] : holders) {
        h.erase(std::remove(h.begin(), h.end(), gone), h.end());
      }
    }
    if (rng() % 10 == 0) index.Pack();
    if (d % 25 != 24) continue;
    size_t postings = 0, distinct = 0;
    for (const auto& [hash, h] : holders) {
      postings += h.size();
      distinct += !h.empty();
    }
    ASSERT_EQ(index.num_postings(), postings);
    ASSERT_EQ(index.num_fingerprints(), distinct);
    ASSERT_EQ(index.num_packed_postings() + index.num_recent_postings(),
              postings);
    for (DocId as_of = 0; as_of <= d + 1; as_of += 7) {
      for (const auto& [hash, h] : holders) {
        const auto before = static_cast<uint32_t>(
            std::lower_bound(h.begin(), h.end(), as_of) - h.begin());
        ASSERT_EQ(index.DocFrequency(hash, as_of), before);
        std::set<uint32_t> groups;
        for (uint32_t i = 0; i < before; ++i) groups.insert(group_of[h[i]]);
        ASSERT_EQ(index.DistinctGroups(hash, as_of, group_of, 99),
                  groups.size());
      }
      const std::vector<Fingerprint>& query = added[rng() % added.size()];
      for (uint32_t below : {UINT32_MAX, 4u}) {
        std::map<DocId, uint32_t> shared;
        std::set<uint64_t> seen;
        for (const Fingerprint& f : query) {
          if (!seen.insert(f.hash()).second) continue;
          const std::vector<DocId>& h = holders[f.hash()];
          const auto n = static_cast<uint32_t>(
              std::lower_bound(h.begin(), h.end(), as_of) - h.begin());
          if (n == 0 || n + 1 >= o.max_postings || h.size() >= below) continue;
          for (uint32_t i = 0; i < n; ++i) ++shared[h[i]];
        }
        std::vector<CopyCandidate> want;
        for (const auto& [doc, n] : shared) want.push_back({doc, n});
        std::stable_sort(want.begin(), want.end(),
                         [](const CopyCandidate& a, const CopyCandidate& b) {
                           return a.shared > b.shared;
                         });
        const std::vector<CopyCandidate> got =
            index.Candidates(query, as_of, below);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) {
          EXPECT_EQ(got[i].doc, want[i].doc);
          EXPECT_EQ(got[i].shared, want[i].shared);
        }
      }
    }
  }
  // Everything packed, then everything removed: nothing is left.
  index.Pack();
  EXPECT_EQ(index.num_recent_postings(), 0u);
  for (DocId d : live) index.Remove(d, added[d]);
  EXPECT_EQ(index.num_postings(), 0u);
  EXPECT_EQ(index.num_fingerprints(), 0u);
  index.Pack();
  EXPECT_EQ(index.num_packed_postings(), 0u);
  EXPECT_TRUE(index.Candidates(added[0], kDocs).empty());
}

// The recent postings are a log of sorted runs merged by size (one run a
// document, merged while the newest is more than half the one before). A
// reference of plain lists, checked after random adds of documents of
// very different sizes (so that runs merge unevenly), removals of
// documents in runs and in the packed table (some twice, some with none
// of their postings left before their run merges), packings and lookups
// at random as_of: any posting lost, kept after removal, or put out of
// DocId order by a merge shows.
TEST(FingerprintIndexTest, RecentRunsAnswerAsPlainLists) {
  for (const uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    FingerprintIndex::Options o;
    o.max_postings = 8;
    o.min_shared = 1 + static_cast<uint32_t>(seed % 2);
    auto made = FingerprintIndex::Create(o);
    ASSERT_TRUE(made.ok());
    FingerprintIndex index = std::move(*made);
    std::map<uint64_t, std::vector<DocId>> holders;
    std::map<DocId, std::vector<Fingerprint>> added;
    std::vector<uint32_t> group_of;
    // Hashes from a small pool (shared often), crowded at low values as
    // winnowing's are, or unique.
    std::vector<uint64_t> pool(300);
    for (uint64_t& h : pool) h = rng() >> (rng() % 2 == 0 ? 0 : 44);
    auto hash = [&]() -> uint64_t {
      return rng() % 3 == 0 ? rng() : pool[rng() % pool.size()];
    };
    const auto check = [&](DocId next) {
      size_t postings = 0, distinct = 0;
      for (const auto& [h, list] : holders) {
        postings += list.size();
        distinct += !list.empty();
      }
      ASSERT_EQ(index.num_postings(), postings);
      ASSERT_EQ(index.num_packed_postings() + index.num_recent_postings(),
                postings);
      ASSERT_EQ(index.num_fingerprints(), distinct);
      for (int q = 0; q < 40; ++q) {
        const DocId as_of = static_cast<DocId>(rng() % (next + 2));
        const uint64_t h = q % 4 == 0 ? rng() : pool[rng() % pool.size()];
        std::vector<DocId> want;
        if (auto it = holders.find(h); it != holders.end()) {
          for (DocId d : it->second) {
            if (d < as_of) want.push_back(d);
          }
        }
        std::vector<DocId> got = {12345};
        index.AppendHolders(h, as_of, got);
        got.erase(got.begin());
        ASSERT_EQ(got, want) << "seed " << seed << " as_of " << as_of;
        ASSERT_EQ(index.DocFrequency(h, as_of), want.size());
        std::set<uint32_t> groups;
        for (DocId d : want) groups.insert(group_of[d]);
        const uint32_t limit = 1 + static_cast<uint32_t>(rng() % 6);
        ASSERT_EQ(index.DistinctGroups(h, as_of, group_of, limit),
                  std::min<size_t>(groups.size(), limit));
      }
      for (int q = 0; q < 6 && !added.empty(); ++q) {
        const DocId as_of = static_cast<DocId>(rng() % (next + 2));
        auto it = added.begin();
        std::advance(it, rng() % added.size());
        std::vector<Fingerprint> query = it->second;
        query.push_back({hash(), 0});
        const uint32_t below = q % 2 == 0 ? UINT32_MAX : 5;
        std::map<DocId, uint32_t> shared;
        std::set<uint64_t> seen;
        for (const Fingerprint& f : query) {
          if (!seen.insert(f.hash()).second) continue;
          const auto found = holders.find(f.hash());
          if (found == holders.end()) continue;
          const std::vector<DocId>& list = found->second;
          const auto n = static_cast<uint32_t>(
              std::lower_bound(list.begin(), list.end(), as_of) - list.begin());
          if (!o.Proposes(n, list.size(), below)) continue;
          for (uint32_t i = 0; i < n; ++i) ++shared[list[i]];
        }
        std::vector<CopyCandidate> want;
        for (const auto& [doc, n] : shared) {
          if (n >= o.min_shared) want.push_back({doc, n});
        }
        std::stable_sort(want.begin(), want.end(),
                         [](const CopyCandidate& a, const CopyCandidate& b) {
                           return a.shared > b.shared;
                         });
        const std::vector<CopyCandidate> got =
            index.Candidates(query, as_of, below);
        ASSERT_EQ(got.size(), want.size()) << "seed " << seed;
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_EQ(got[i].doc, want[i].doc);
          ASSERT_EQ(got[i].shared, want[i].shared);
        }
      }
    };
    DocId next = 0;
    // Enough postings (about 130k) for Add() to pack by itself too.
    for (int step = 0; step < 3000; ++step) {
      next += 1 + static_cast<DocId>(rng() % 3);  // DocIds with gaps
      const DocId d = next;
      group_of.resize(d + 1);
      group_of[d] = static_cast<uint32_t>(rng() % 7);
      std::vector<Fingerprint> fps;
      const int size_kind = static_cast<int>(rng() % 10);
      const size_t n = size_kind == 0  ? 0
                       : size_kind < 7 ? rng() % 20
                                       : rng() % 400;
      for (uint32_t i = 0; i < n; ++i) fps.push_back({hash(), i});
      if (n > 2) fps.push_back(fps[0]);  // a repeated hash counts once
      ASSERT_TRUE(index.Add(d, fps).ok());
      for (const Fingerprint& f : fps) {
        std::vector<DocId>& list = holders[f.hash()];
        if (list.empty() || list.back() != d) list.push_back(d);
      }
      added[d] = fps;
      const uint64_t r = rng() % 100;
      if (r < 12 && !added.empty()) {
        // Mostly recent documents, sometimes old ones; now and then twice,
        // or with another document's fingerprints (neither changes
        // anything).
        auto it = added.end();
        const size_t back = rng() % std::min<size_t>(added.size(), 12);
        if (rng() % 4 == 0) {
          it = added.begin();
          std::advance(it, rng() % added.size());
        } else {
          it = std::prev(it, static_cast<std::ptrdiff_t>(back) + 1);
        }
        const DocId gone = it->first;
        index.Remove(gone, it->second);
        if (rng() % 3 == 0) index.Remove(gone, it->second);
        if (rng() % 3 == 0) index.Remove(gone, added.begin()->second);
        for (auto& [h, list] : holders) {
          list.erase(std::remove(list.begin(), list.end(), gone), list.end());
        }
        added.erase(it);
      }
      if (r >= 12 && r < 14) index.Pack();
      if (step % 150 == 149) {
        check(next);
        if (testing::Test::HasFatalFailure()) return;
      }
    }
    check(next);
    index.Pack();
    EXPECT_EQ(index.num_recent_postings(), 0u);
    check(next);
  }
}

TEST(FingerprintIndexTest, ValidatesOptions) {
  FingerprintIndex::Options o;
  o.max_postings = 1;
  EXPECT_FALSE(FingerprintIndex::Create(o).ok());
  o = {};
  o.min_shared = 0;
  EXPECT_FALSE(FingerprintIndex::Create(o).ok());
}

}  // namespace
}  // namespace mimeo
