#include "mimeo/shingle.h"

#include <algorithm>
#include <random>
#include <set>
#include <string>

#include "gtest/gtest.h"
#include "mimeo/tokenize.h"

namespace mimeo {
namespace {

Shingles Shingle(std::string_view text, int k = 5, uint64_t seed = 7,
                 TokenHash token_hash = Shingler::Options{}.token_hash) {
  auto tokenizer = Tokenizer::Create({});
  Shingler::Options o;
  o.k = k;
  o.seed = seed;
  o.token_hash = token_hash;
  auto shingler = Shingler::Create(o);
  EXPECT_TRUE(tokenizer.ok() && shingler.ok());
  std::vector<Token> tokens;
  tokenizer->Tokenize(text, tokens);
  Shingles out;
  shingler->Shingle(text, tokens, out);
  return out;
}

TEST(ShinglerTest, CountsAndPositions) {
  const Shingles s = Shingle("a b c d e f g", 3);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s.tokens_per_shingle, 3u);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(s.first_token[i], i);
  EXPECT_EQ(std::set<uint64_t>(s.hashes.begin(), s.hashes.end()).size(), 5u);
}

TEST(ShinglerTest, ShortTextHasOneShingleEmptyHasNone) {
  const Shingles s = Shingle("only three words", 5);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.tokens_per_shingle, 3u);
  EXPECT_EQ(Shingle("", 5).size(), 0u);
  EXPECT_EQ(Shingle("!!! ???", 5).size(), 0u);
  // Two different short texts do not collapse to the same shingle.
  EXPECT_NE(Shingle("hello there", 5).hashes, Shingle("goodbye there", 5).hashes);
}

TEST(ShinglerTest, SameRunSameHashWhereverItIs) {
  const Shingles a = Shingle("x y one two three four five", 5);
  const Shingles b = Shingle("one two three four five z", 5);
  EXPECT_EQ(a.hashes[2], b.hashes[0]);
}

TEST(ShinglerTest, SeedChangesEveryHash) {
  const Shingles a = Shingle("one two three four five six", 5, 1);
  const Shingles b = Shingle("one two three four five six", 5, 2);
  EXPECT_NE(a.hashes[0], b.hashes[0]);
  EXPECT_NE(a.hashes[1], b.hashes[1]);
}

TEST(ShinglerTest, HashesAreStableAcrossBuilds) {
  // Persisted hashes must never change silently: a change here means old
  // snapshots no longer match, and the snapshot version must move. XXH3's
  // are those of snapshots of versions 3 and 4, which still load.
  const std::string text = "we are going to have to do more work";
  const Shingles old = Shingle(text, 5, 0x6d696d656fULL, TokenHash::kXxh3);
  ASSERT_EQ(old.size(), 5u);
  EXPECT_EQ(old.hashes[0], 0xf06bd833e232b89eULL);
  const Shingles s = Shingle(text, 5, 0x6d696d656fULL, TokenHash::kShortMix);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s.hashes[0], 0x0290c5095cc142b4ULL);
  // A word longer than 16 bytes is XXH3's in both.
  const std::string word = "internationalization";
  EXPECT_EQ(Shingle(word, 1, 3, TokenHash::kXxh3).hashes,
            Shingle(word, 1, 3, TokenHash::kShortMix).hashes);
}

TEST(ShinglerTest, ShortMixHashesAWordAlikeAtTheEndOfTheText) {
  // Within 16 bytes of the end the word is copied out before it is read;
  // elsewhere it is read in place and masked. Every length up to 17.
  for (size_t len = 1; len <= 17; ++len) {
    std::string word;
    for (size_t i = 0; i < len; ++i) word += static_cast<char>('a' + (i * 7) % 26);
    const Shingles middle = Shingle(word + " zzzzzzzzzzzzzzzzzzzzzzzzzzzz", 1);
    const Shingles end = Shingle("zz " + word, 1);
    ASSERT_EQ(middle.size(), 2u);
    ASSERT_EQ(end.size(), 2u);
    EXPECT_EQ(middle.hashes[0], end.hashes[1]) << word;
  }
}

TEST(ShinglerTest, ShortMixGivesDistinctWordsDistinctHashes) {
  // Every token of one to three letters or digits, and words that are one
  // another's prefixes across the 8- and 16-byte boundaries.
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string text;
  size_t tokens = 0;
  for (char a : alphabet) {
    text += std::string(1, a) + " ";
    ++tokens;
    for (char b : alphabet) {
      text += std::string{a, b} + " ";
      ++tokens;
      for (char c : alphabet) {
        text += std::string{a, b, c} + " ";
        ++tokens;
      }
    }
  }
  const std::string longest = "abcdefghijklmnopqrst";
  for (size_t len = 4; len <= longest.size(); ++len) {
    text += longest.substr(0, len) + " ";
    ++tokens;
  }
  const Shingles s = Shingle(text, 1);
  ASSERT_EQ(s.size(), tokens);
  EXPECT_EQ(std::set<uint64_t>(s.hashes.begin(), s.hashes.end()).size(),
            tokens);
  // The seed reaches every token's keys.
  EXPECT_NE(Shingle("abc", 1, 1).hashes, Shingle("abc", 1, 2).hashes);
}

TEST(ShinglerTest, ValidatesKAndTokenHash) {
  Shingler::Options o;
  o.k = 0;
  EXPECT_FALSE(Shingler::Create(o).ok());
  o.k = 65;
  EXPECT_FALSE(Shingler::Create(o).ok());
  o.k = 5;
  o.token_hash = static_cast<TokenHash>(2);
  EXPECT_FALSE(Shingler::Create(o).ok());
}

TEST(ShinglerTest, SortedSetIsSortedAndDistinct) {
  std::vector<uint64_t> out;
  SortedSet(std::vector<uint64_t>{5, 1, 5, 3, 1}, out);
  EXPECT_EQ(out, (std::vector<uint64_t>{1, 3, 5}));
  // Larger sets take the bucketed path: uniform values with repeats, a
  // value repeated thousands of times, values crowded into one bucket
  // (small numbers, all with the same top bits), and uniform values each
  // repeated up to 32 times (buckets as long as the one-pass insertion
  // sort takes, full of equal values) all agree with a plain sort.
  std::mt19937_64 rng(3);
  for (const int kind : {0, 1, 2, 3}) {
    for (const size_t n : {64u, 100u, 1000u, 70000u}) {
      std::vector<uint64_t> in(n);
      for (auto& x : in) {
        x = kind == 0   ? rng()
            : kind == 1 ? (rng() % 7 == 0 ? rng() : 42)
                        : rng() % 5000;
      }
      if (kind == 3) {
        for (size_t i = 0; i < n;) {
          const uint64_t v = rng();
          for (size_t r = 1 + rng() % 32; r > 0 && i < n; --r) in[i++] = v;
        }
        std::shuffle(in.begin(), in.end(), rng);
      }
      for (size_t i = 0; i < n / 10; ++i) in[rng() % n] = in[rng() % n];
      std::vector<uint64_t> want = in;
      std::sort(want.begin(), want.end());
      want.erase(std::unique(want.begin(), want.end()), want.end());
      SortedSet(in, out);
      EXPECT_EQ(out, want) << "kind " << kind << ", " << n << " values";
    }
  }
}

}  // namespace
}  // namespace mimeo
