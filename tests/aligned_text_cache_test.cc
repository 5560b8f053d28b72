#include "internal/aligned_text_cache.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo::internal {
namespace {

class AlignedTextCacheTest : public ::testing::Test {
 protected:
  AlignedTextCacheTest() {
    auto made = Aligner::Create({}, {}, {}, {});
    EXPECT_TRUE(made.ok());
    aligner_.emplace(std::move(*made));
  }

  // Text `key` of `words` words, counting each preparation.
  absl::StatusOr<const AlignedText*> Get(AlignedTextCache& cache, uint32_t key,
                                         int words = 20) {
    return cache.Get(key, [&](AlignedText& out) {
      prepared_.push_back(key);
      std::string text;
      for (int i = 0; i < words; ++i) {
        text += "word" + std::to_string(key) + "x" + std::to_string(i) + " ";
      }
      return aligner_->Prepare(text, out);
    });
  }

  std::optional<Aligner> aligner_;
  std::vector<uint32_t> prepared_;
};

TEST_F(AlignedTextCacheTest, PreparesEachTextOnceWhileKept) {
  AlignedTextCache cache(3, 1 << 20);
  for (int round = 0; round < 3; ++round) {
    for (uint32_t key : {1, 2, 3}) {
      auto text = Get(cache, key);
      ASSERT_TRUE(text.ok());
      EXPECT_EQ((*text)->tokens.size(), 20u);
      EXPECT_EQ((*text)->normalized.text.substr(0, 6),
                "word" + std::to_string(key) + "x");
    }
  }
  EXPECT_EQ(prepared_, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_GT(cache.bytes(), 0u);
}

TEST_F(AlignedTextCacheTest, EvictsTheLeastRecentlyUsed) {
  AlignedTextCache cache(2, 1 << 20);
  ASSERT_TRUE(Get(cache, 1).ok());
  ASSERT_TRUE(Get(cache, 2).ok());
  ASSERT_TRUE(Get(cache, 1).ok());  // 2 is now the oldest
  ASSERT_TRUE(Get(cache, 3).ok());  // evicts 2
  ASSERT_TRUE(Get(cache, 1).ok());
  ASSERT_TRUE(Get(cache, 2).ok());  // prepared again
  EXPECT_EQ(prepared_, (std::vector<uint32_t>{1, 2, 3, 2}));
}

TEST_F(AlignedTextCacheTest, KeepsWithinTheByteBudget) {
  AlignedTextCache probe(8, 1 << 20);
  ASSERT_TRUE(Get(probe, 1, 100).ok());
  const size_t one = probe.bytes();
  // Room for two texts of this size, not three.
  AlignedTextCache cache(8, 2 * one + one / 2);
  for (uint32_t key : {1, 2, 3}) ASSERT_TRUE(Get(cache, key, 100).ok());
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_LE(cache.bytes(), 2 * one + one / 2);
  // A text over the whole budget is prepared, returned, and not kept.
  prepared_.clear();
  auto big = Get(cache, 9, 1000);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)->tokens.size(), 1000u);
  EXPECT_EQ(cache.size(), 2u);
  ASSERT_TRUE(Get(cache, 9, 1000).ok());
  EXPECT_EQ(prepared_, (std::vector<uint32_t>{9, 9}));
}

TEST_F(AlignedTextCacheTest, AFailureIsReturnedAndNotKept) {
  AlignedTextCache cache(4, 1 << 20);
  int calls = 0;
  const auto failing = [&](AlignedText&) {
    ++calls;
    return absl::UnavailableError("source gone");
  };
  EXPECT_EQ(cache.Get(7, failing).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.Get(7, failing).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace mimeo::internal
