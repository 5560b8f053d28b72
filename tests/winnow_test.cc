#include "mimeo/winnow.h"

#include <cstring>
#include <random>
#include <set>

#include "gtest/gtest.h"
#include "mimeo/normalize.h"
#include "mimeo/shingle.h"
#include "mimeo/tokenize.h"
#include "test_util.h"

namespace mimeo {
namespace {

std::vector<uint64_t> ShingleHashes(const std::string& text, int k = 5) {
  auto n = Normalizer::Create({});
  auto t = Tokenizer::Create({});
  Shingler::Options so;
  so.k = k;
  auto s = Shingler::Create(so);
  NormalizedText norm;
  EXPECT_TRUE(n->Normalize(text, norm).ok());
  std::vector<Token> tokens;
  t->Tokenize(norm.text, tokens);
  Shingles sh;
  s->Shingle(norm.text, tokens, sh);
  return sh.hashes;
}

std::vector<Fingerprint> Winnow(const std::vector<uint64_t>& h, int window) {
  Winnower::Options o;
  o.window = window;
  auto w = Winnower::Create(o);
  EXPECT_TRUE(w.ok());
  std::vector<Fingerprint> out;
  w->Winnow(h, out);
  return out;
}

// The definition, by brute force: the rightmost minimum of every window.
std::vector<Fingerprint> Reference(const std::vector<uint64_t>& h, size_t w) {
  std::vector<Fingerprint> out;
  if (h.empty()) return out;
  w = std::min(w, h.size());
  for (size_t i = 0; i + w <= h.size(); ++i) {
    size_t best = i;
    for (size_t j = i; j < i + w; ++j) {
      if (h[j] <= h[best]) best = j;
    }
    if (out.empty() || out.back().position != best) {
      out.push_back({h[best], static_cast<uint32_t>(best)});
    }
  }
  return out;
}

TEST(WinnowTest, MatchesTheDefinition) {
  std::mt19937_64 rng(1);
  for (int window : {1, 2, 4, 7, 16}) {
    for (size_t n : {0, 1, 3, 4, 5, 50, 1000}) {
      std::vector<uint64_t> h(n);
      // Small values so that ties happen.
      for (auto& x : h) x = rng() % 20;
      const auto got = Winnow(h, window), want = Reference(h, window);
      ASSERT_EQ(got.size(), want.size()) << window << " " << n;
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].hash(), want[i].hash());
        EXPECT_EQ(got[i].position, want[i].position);
      }
    }
  }
}

TEST(WinnowTest, DensityIsAboutTwoOverWindowPlusOne) {
  std::mt19937_64 rng(2);
  std::vector<uint64_t> h = testing::RandomSet(rng, 100000);
  for (int window : {4, 8}) {
    const double density = double(Winnow(h, window).size()) / h.size();
    EXPECT_NEAR(density, 2.0 / (window + 1), 0.02) << window;
  }
  EXPECT_EQ(Winnow(h, 1).size(), h.size());
}

// The guarantee: any shared run of window + k - 1 tokens yields a shared
// fingerprint, wherever it sits in two otherwise unrelated texts.
TEST(WinnowTest, EverySharedRunOfWindowPlusKMinusOneTokensIsSeen) {
  std::mt19937_64 rng(3);
  for (int window : {2, 4, 6}) {
    const size_t run = window + 5 - 1;
    for (int trial = 0; trial < 200; ++trial) {
      // A passage of exactly `run` distinct words, planted in two texts.
      std::string passage;
      for (size_t i = 0; i < run; ++i) {
        passage += " planted" + std::to_string(trial) + "x" + std::to_string(i);
      }
      const std::string a = testing::RandomText(rng, rng() % 300) + passage +
                            " " + testing::RandomText(rng, rng() % 300);
      const std::string b = testing::RandomText(rng, rng() % 300) + passage +
                            " " + testing::RandomText(rng, rng() % 300);
      std::set<uint64_t> fa;
      for (const auto& f : Winnow(ShingleHashes(a), window)) fa.insert(f.hash());
      bool shared = false;
      for (const auto& f : Winnow(ShingleHashes(b), window)) {
        shared |= fa.contains(f.hash());
      }
      ASSERT_TRUE(shared) << "window " << window << " trial " << trial;
    }
  }
}

// A fingerprint is 12 bytes, keeps all 64 bits of its hash, and survives
// being copied as bytes (the store's columns grow by realloc, the index
// directory's records are read with memcpy).
TEST(WinnowTest, FingerprintKeepsItsWholeHashInTwelveBytes) {
  static_assert(sizeof(Fingerprint) == 12);
  std::mt19937_64 rng(18);
  std::vector<Fingerprint> fps;
  std::vector<uint64_t> hashes = {0, 1, 0xFFFFFFFFull, 0x100000000ull,
                                  0x8000000000000000ull, ~uint64_t{0}};
  for (int i = 0; i < 200; ++i) hashes.push_back(rng());
  for (size_t i = 0; i < hashes.size(); ++i) {
    fps.emplace_back(hashes[i], static_cast<uint32_t>(UINT32_MAX - i));
  }
  std::vector<unsigned char> bytes(fps.size() * sizeof(Fingerprint));
  std::memcpy(bytes.data(), fps.data(), bytes.size());
  // Read back from an offset that is 4 but not 8-aligned.
  std::vector<Fingerprint> back(fps.size() + 1);
  std::memcpy(back.data() + 1, bytes.data(), bytes.size());
  for (size_t i = 0; i < hashes.size(); ++i) {
    const Fingerprint& f = back[i + 1];
    EXPECT_EQ(f.hash(), hashes[i]) << i;
    EXPECT_EQ(f.position, UINT32_MAX - i) << i;
  }
  Fingerprint f;
  EXPECT_EQ(f.hash(), 0u);
  f.set_hash(0x0123456789ABCDEFull);
  EXPECT_EQ(f.hash(), 0x0123456789ABCDEFull);
  EXPECT_EQ(f.hash_lo, 0x89ABCDEFu);
  EXPECT_EQ(f.hash_hi, 0x01234567u);
}

TEST(WinnowTest, ValidatesTheWindow) {
  Winnower::Options o;
  o.window = 0;
  EXPECT_FALSE(Winnower::Create(o).ok());
  o.window = 257;
  EXPECT_FALSE(Winnower::Create(o).ok());
}

}  // namespace
}  // namespace mimeo
