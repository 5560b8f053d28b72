#include "mimeo/hashing_params.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>
#include <string>

#include "gtest/gtest.h"
#include "mimeo/engine.h"

namespace mimeo {
namespace {

TEST(HashingParamsTest, DefaultsAreTheStagesDefaults) {
  EXPECT_EQ(HashingParams{}, Engine::Options{}.hashing());
}

TEST(HashingParamsTest, RoundTripsThroughEngineOptions) {
  HashingParams p;
  p.fold_punctuation = false;
  p.tokenizer_mode = Tokenizer::Mode::kCharNgrams;
  p.char_ngram = 7;
  p.shingle_k = 3;
  p.shingle_seed = 99;
  p.token_hash = TokenHash::kXxh3;
  p.num_perm = 64;
  p.minhash_scheme = MinHashScheme::kOnePermutation;
  p.minhash_seed = 5;
  Engine::Options o;
  o.verify.jaccard_threshold = 0.4;  // not a hashing parameter: kept
  o.SetHashing(p);
  EXPECT_EQ(o.hashing(), p);
  EXPECT_EQ(o.verify.jaccard_threshold, 0.4);
  EXPECT_EQ(o.tokenize.char_ngram, 7);
  // In word mode the n-gram length is unused, and not compared.
  Engine::Options words;
  words.tokenize.char_ngram = 9;
  EXPECT_EQ(words.hashing(), HashingParams{});
}

TEST(HashingParamsTest, FieldsNameEveryParameterOnce) {
  std::set<std::string> names;
  for (const auto& [name, value] : HashingParams{}.Fields()) {
    EXPECT_TRUE(names.insert(std::string(name)).second) << name;
  }
  EXPECT_EQ(names.size(), 12u);
  EXPECT_TRUE(names.contains("minhash.seed"));
  EXPECT_TRUE(names.contains("shingle.token_hash"));
}

TEST(HashingParamsTest, DifferenceNamesTheFirstParameterThatDiffers) {
  HashingParams a, b;
  EXPECT_EQ(a.Difference(b, "x", "y"), "");
  b.shingle_k = 4;
  b.minhash_seed = 8;
  EXPECT_EQ(a.Difference(b, "the file", "the options"),
            "shingle.k is 5 in the file but 4 in the options");
}

TEST(HashingParamsTest, FromFieldsReadsBackFieldsInAnyOrder) {
  HashingParams p;
  p.case_fold = false;
  p.tokenizer_mode = Tokenizer::Mode::kCharNgrams;
  p.char_ngram = 4;
  p.shingle_seed = 77;
  p.num_perm = 256;
  p.minhash_scheme = MinHashScheme::kOnePermutation;
  std::vector<std::pair<std::string, uint64_t>> fields;
  for (const auto& [name, value] : p.Fields()) {
    fields.emplace_back(std::string(name), value);
  }
  std::reverse(fields.begin(), fields.end());
  const std::optional<HashingParams> back = HashingParams::FromFields(fields);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, p);
  // A name missing, twice, unknown, or a value that does not fit.
  auto missing = fields;
  missing.pop_back();
  EXPECT_FALSE(HashingParams::FromFields(missing).has_value());
  auto two_missing = fields;
  std::erase_if(two_missing,
                [](const auto& f) { return f.first == "shingle.token_hash"; });
  two_missing.pop_back();
  EXPECT_FALSE(HashingParams::FromFields(two_missing).has_value());
  auto twice = fields;
  twice[0] = twice[1];
  EXPECT_FALSE(HashingParams::FromFields(twice).has_value());
  auto unknown = fields;
  unknown[0].first = "shingle.size";
  EXPECT_FALSE(HashingParams::FromFields(unknown).has_value());
  auto too_big = fields;
  for (auto& [name, value] : too_big) {
    if (name == "shingle.k") value = uint64_t{1} << 40;
  }
  EXPECT_FALSE(HashingParams::FromFields(too_big).has_value());
  for (auto& [name, value] : too_big) {
    if (name == "shingle.k") value = 5;
    if (name == "shingle.token_hash") value = 256;
  }
  EXPECT_FALSE(HashingParams::FromFields(too_big).has_value());
}

TEST(HashingParamsTest, ListsWithoutTheTokenHashMeanXxh3) {
  // Indexes written before shingle.token_hash existed lack the field:
  // their tokens were hashed with XXH3, the only hash of then.
  HashingParams p;
  ASSERT_EQ(p.token_hash, TokenHash::kShortMix);
  std::vector<std::pair<std::string, uint64_t>> fields;
  for (const auto& [name, value] : p.Fields()) {
    if (name != "shingle.token_hash") {
      fields.emplace_back(std::string(name), value);
    }
  }
  const std::optional<HashingParams> old = HashingParams::FromFields(fields);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->token_hash, TokenHash::kXxh3);
  EXPECT_EQ(old->Difference(p, "the index", "the options"),
            "shingle.token_hash is 0 in the index but 1 in the options");
}

}  // namespace
}  // namespace mimeo
