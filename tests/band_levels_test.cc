// The band posting levels of the on-disk index (src/internal/band_levels.h):
// the array format, its probe and check, the levels record and the merge
// policy.
#include "internal/band_levels.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo::internal {
namespace {

// Writes `entries` (sorted here) as a band array.
std::string Write(std::vector<BandEntry> entries) {
  std::sort(entries.begin(), entries.end());
  std::string out(BandArrayBytes(entries.size()), '\0');
  BandArrayWriter w(out.data(), entries.size());
  for (const BandEntry& e : entries) w.Add(e);
  EXPECT_TRUE(w.Finish());
  return out;
}

TEST(BandLevelsTest, FindGivesEachBucketAsTheEntriesHoldIt) {
  std::mt19937_64 rng(5);
  for (size_t n : {0, 1, 7, 8, 100, 5000, 70000}) {
    std::vector<BandEntry> entries;
    std::vector<uint64_t> keys;
    for (size_t i = 0; i < n; ++i) {
      // Some keys shared: buckets of several documents.
      const uint64_t key =
          i % 5 == 4 && !keys.empty() ? keys[rng() % keys.size()] : rng();
      keys.push_back(key);
      entries.push_back({key, static_cast<DocId>(i)});
    }
    const std::string bytes = Write(entries);
    BandArray a;
    ASSERT_TRUE(a.Parse(bytes.data(), bytes.size())) << n;
    EXPECT_EQ(a.size(), n);
    EXPECT_EQ(a.Verify(), "") << n;
    keys.push_back(rng());  // one not filed
    for (size_t i = 0; i < keys.size(); i += 1 + keys.size() / 500) {
      std::vector<DocId> want, got;
      for (const BandEntry& e : entries) {
        if (e.key == keys[i]) want.push_back(e.doc);
      }
      ASSERT_TRUE(a.Find(keys[i], got));
      EXPECT_EQ(got, want) << n << " " << i;
    }
  }
}

// Keys crowding a few radix buckets (as hashes of winnowed fingerprints
// crowd the low ones), some repeated: Find() searches a long bucket and
// still gives every DocId of a key, in order.
TEST(BandLevelsTest, FindInCrowdedBuckets) {
  std::mt19937_64 rng(6);
  for (int shift : {8, 40, 58}) {
    std::vector<BandEntry> entries;
    std::vector<uint64_t> keys;
    for (uint32_t i = 0; i < 3000; ++i) {
      const uint64_t key = i % 4 == 3 ? keys[rng() % keys.size()]
                                      : rng() >> shift;
      keys.push_back(key);
      entries.push_back({key, i});
    }
    const std::string bytes = Write(entries);
    BandArray a;
    ASSERT_TRUE(a.Parse(bytes.data(), bytes.size()));
    EXPECT_EQ(a.Verify(), "");
    keys.push_back(rng() >> shift);  // perhaps not filed
    keys.push_back(0);
    keys.push_back(~uint64_t{0} >> shift);
    for (uint64_t key : keys) {
      std::vector<DocId> want, got;
      for (const BandEntry& e : entries) {
        if (e.key == key) want.push_back(e.doc);
      }
      std::sort(want.begin(), want.end());
      ASSERT_TRUE(a.Find(key, got));
      ASSERT_EQ(got, want) << shift << " " << key;
    }
  }
}

TEST(BandLevelsTest, ParseAndVerifyRefuseDamage) {
  std::vector<BandEntry> entries;
  for (uint32_t i = 0; i < 200; ++i) entries.push_back({uint64_t{i} << 56, i});
  std::string bytes = Write(entries);
  BandArray a;
  EXPECT_FALSE(a.Parse(bytes.data(), bytes.size() - 1));
  // Two entries swapped: out of order.
  const size_t at = bytes.size() - 200 * kBandEntryBytes;
  std::string swapped = bytes;
  std::swap_ranges(swapped.begin() + at, swapped.begin() + at + 12,
                   swapped.begin() + at + 12);
  ASSERT_TRUE(a.Parse(swapped.data(), swapped.size()));
  EXPECT_NE(a.Verify(), "");
  // A radix offset moved past its bucket.
  std::string moved = bytes;
  moved[8 + 4 * 3] = 100;
  ASSERT_TRUE(a.Parse(moved.data(), moved.size()));
  EXPECT_NE(a.Verify(), "");
  // A writer given fewer entries than it was sized for says so.
  std::string out(BandArrayBytes(3), '\0');
  BandArrayWriter w(out.data(), 3);
  w.Add({1, 1});
  EXPECT_FALSE(w.Finish());
}

TEST(BandLevelsTest, LevelsRecordRoundTripsAndRefusesOverlap) {
  const std::vector<BandLevel> levels = {{3, 0, 10, 9}, {7, 10, 12, 2}};
  std::vector<BandLevel> back;
  ASSERT_TRUE(DecodeLevels(EncodeLevels(levels), back));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].id, 7u);
  EXPECT_EQ(back[1].docs, 2u);
  EXPECT_FALSE(
      DecodeLevels(EncodeLevels({{3, 0, 10, 9}, {7, 9, 12, 2}}), back));
  EXPECT_FALSE(
      DecodeLevels(EncodeLevels({{3, 0, 10, 9}, {3, 10, 12, 2}}), back));
  EXPECT_FALSE(DecodeLevels(EncodeLevels({{3, 0, 10, 11}}), back));
  EXPECT_FALSE(DecodeLevels(std::string(3, '\0'), back));
}

// Adds levels of docs(i) documents for i = 0 .. adds - 1, merging as
// LevelsToMerge() says; returns the levels' sizes.
template <typename Docs>
std::vector<uint64_t> SimulateSizes(int adds, Docs docs_of, int* rewritten) {
  std::vector<BandLevel> levels;
  DocId next = 0;
  uint32_t id = 1;
  for (int i = 0; i < adds; ++i) {
    const uint64_t docs = docs_of(i);
    levels.push_back({id++, next, next + static_cast<DocId>(docs), docs});
    next += static_cast<DocId>(docs);
    for (size_t k; (k = LevelsToMerge(levels)) != 0;) {
      BandLevel merged{id++, levels[levels.size() - k].first, next, 0};
      for (size_t j = levels.size() - k; j < levels.size(); ++j) {
        merged.docs += levels[j].docs;
      }
      *rewritten += static_cast<int>(merged.docs);
      levels.resize(levels.size() - k);
      levels.push_back(merged);
    }
  }
  std::vector<uint64_t> sizes;
  for (const BandLevel& l : levels) sizes.push_back(l.docs);
  return sizes;
}

std::vector<uint64_t> Simulate(int adds, uint64_t docs, int* rewritten) {
  return SimulateSizes(adds, [docs](int) { return docs; }, rewritten);
}

TEST(BandLevelsTest, MergesKeepFewLevelsAndRewriteEachDocumentAFewTimes) {
  int rewritten = 0;
  // 1,000 batches of 1,000: 1000 = 1 x 512 + 7 x 64 + 5 x 8 batches.
  const std::vector<uint64_t> sizes = Simulate(1000, 1000, &rewritten);
  EXPECT_EQ(sizes, std::vector<uint64_t>({512000, 64000, 64000, 64000, 64000,
                                          64000, 64000, 64000, 8000, 8000, 8000,
                                          8000, 8000}));
  // Each document rewritten by at most three merges (8k, 64k, 512k).
  EXPECT_LE(rewritten, 3 * 1000000);
  // Single adds: never more than 7 levels a tier.
  rewritten = 0;
  const std::vector<uint64_t> singles = Simulate(5000, 1, &rewritten);
  EXPECT_LE(singles.size(), 7u * 5);
  uint64_t total = 0;
  for (uint64_t s : singles) total += s;
  EXPECT_EQ(total, 5000u);
}

// Adds of 1 and of 8 documents in turn are of two tiers: the smaller ones
// between the others must not keep them from merging.
TEST(BandLevelsTest, MixedSizesStillMerge) {
  int rewritten = 0;
  const std::vector<uint64_t> sizes = SimulateSizes(
      4000, [](int i) { return i % 2 == 0 ? uint64_t{1} : uint64_t{8}; },
      &rewritten);
  EXPECT_LE(sizes.size(), 7u * 6);
  uint64_t total = 0;
  for (uint64_t s : sizes) total += s;
  EXPECT_EQ(total, 2000u * 9);
}

// SortBandEntries() (a counting pass on the top bits, then each bucket)
// orders entries as std::sort does: small inputs, large ones, keys sharing
// their top bits, repeated keys with several DocIds.
TEST(BandLevelsTest, SortBandEntriesAgreesWithSort) {
  std::mt19937_64 rng(5);
  for (size_t n : {0, 1, 100, 4095, 4096, 20000, 150000}) {
    std::vector<BandEntry> entries(n);
    for (size_t i = 0; i < n; ++i) {
      uint64_t key = rng();
      if (i % 3 == 0) key &= 0x00FFFFFFFFFFFFFFu;  // many in the low buckets
      if (i % 7 == 0 && i > 0) key = entries[i - 1].key;  // repeated
      entries[i] = BandEntry{key, static_cast<DocId>(rng() % 1000)};
    }
    std::vector<BandEntry> want = entries;
    std::sort(want.begin(), want.end());
    SortBandEntries(entries);
    EXPECT_TRUE(entries == want) << n;
  }
}

// A hash as winnowing picks them: the smallest of a window of 4, so that
// they crowd the low values; in fingerprint shard 3.
uint64_t WinnowedHash(std::mt19937_64& rng) {
  uint64_t h = rng();
  for (int i = 0; i < 3; ++i) h = std::min(h, rng());
  return (h & ~uint64_t{15}) | 3;
}

// Writes `entries` (sorted here) as a fingerprint shard with its filter.
std::string WriteFiltered(std::vector<BandEntry> entries) {
  std::sort(entries.begin(), entries.end());
  std::string out(FilteredShardBytes(entries.size()), '\0');
  FilteredShardWriter w(out.data(), entries.size());
  for (const BandEntry& e : entries) w.Add(e);
  EXPECT_TRUE(w.Finish());
  return out;
}

// The filter never denies a hash its shard holds, and lets about 1% of
// the others through, hashes of winnowed fingerprints included (the
// words are picked from mixed hashes: their own top bits would crowd the
// first words).
TEST(BandLevelsTest, FilterHoldsEveryEntryAndFewOthers) {
  std::mt19937_64 rng(9);
  for (size_t n : {0, 1, 100, 10000, 200000}) {
    std::vector<BandEntry> entries;
    for (size_t i = 0; i < n; ++i) {
      entries.push_back({WinnowedHash(rng), static_cast<DocId>(i % 1000)});
    }
    const std::string bytes = WriteFiltered(entries);
    BandArray a;
    FingerprintFilter f;
    ASSERT_TRUE(ParseFilteredShard(bytes.data(), bytes.size(), a, f)) << n;
    EXPECT_EQ(a.size(), n);
    EXPECT_EQ(f.words(), FingerprintFilterWords(n));
    EXPECT_EQ(a.Verify(), "");
    EXPECT_EQ(VerifyFilter(a, f), "");
    for (const BandEntry& e : entries) {
      ASSERT_TRUE(f.MayHold(FingerprintFilter::Mix(e.key))) << n;
      std::vector<DocId> got;
      ASSERT_TRUE(a.Find(e.key, got));
      EXPECT_NE(std::find(got.begin(), got.end(), e.doc), got.end());
    }
    int passed = 0;
    const int asked = 100000;
    for (int i = 0; i < asked; ++i) {
      passed += f.MayHold(FingerprintFilter::Mix(WinnowedHash(rng)));
    }
    if (n == 0) {
      EXPECT_EQ(passed, 0);
    } else if (n >= 10000) {
      EXPECT_LT(passed, asked * 2 / 100) << n;
    }
  }
}

TEST(BandLevelsTest, FilteredShardParseAndVerifyRefuseDamage) {
  std::mt19937_64 rng(10);
  std::vector<BandEntry> entries;
  for (uint32_t i = 0; i < 500; ++i) entries.push_back({WinnowedHash(rng), i});
  const std::string bytes = WriteFiltered(entries);
  BandArray a;
  FingerprintFilter f;
  EXPECT_FALSE(ParseFilteredShard(bytes.data(), bytes.size() - 1, a, f));
  EXPECT_FALSE(ParseFilteredShard(bytes.data(), 7, a, f));
  // A word count that is not the entries' (the array then starts
  // elsewhere or has another size).
  std::string words = bytes;
  words[0] = static_cast<char>(words[0] + 1);
  EXPECT_FALSE(ParseFilteredShard(words.data(), words.size(), a, f));
  // The reserved word set.
  std::string reserved = bytes;
  reserved[5] = 1;
  EXPECT_FALSE(ParseFilteredShard(reserved.data(), reserved.size(), a, f));
  // A plain band array is not a filtered shard.
  const std::string plain = Write(entries);
  EXPECT_FALSE(ParseFilteredShard(plain.data(), plain.size(), a, f));
  // A bit of the filter changed: it parses, and VerifyFilter() says so.
  std::string flipped = bytes;
  flipped[8 + 3] ^= 0x10;
  ASSERT_TRUE(ParseFilteredShard(flipped.data(), flipped.size(), a, f));
  EXPECT_EQ(a.Verify(), "");
  EXPECT_NE(VerifyFilter(a, f), "");
}

}  // namespace
}  // namespace mimeo::internal
