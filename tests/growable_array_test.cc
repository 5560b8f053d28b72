#include "internal/growable_array.h"

#include <cstdint>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo::internal {
namespace {

// Appends, resizes, copies and moves agree with a std::vector doing the
// same, across many growths.
TEST(GrowableArrayTest, AgreesWithAVector) {
  GrowableArray<uint64_t> a;
  std::vector<uint64_t> want;
  EXPECT_TRUE(a.empty());
  for (uint64_t round = 0; round < 2000; ++round) {
    std::vector<uint64_t> chunk(round % 37);
    std::iota(chunk.begin(), chunk.end(), round * 1000);
    a.append(chunk.data(), chunk.size());
    want.insert(want.end(), chunk.begin(), chunk.end());
  }
  ASSERT_EQ(a.size(), want.size());
  EXPECT_GE(a.capacity(), a.size());
  EXPECT_TRUE(std::equal(a.begin(), a.end(), want.begin()));
  a.resize(want.size() + 5);  // new values are zero
  for (size_t i = want.size(); i < a.size(); ++i) EXPECT_EQ(a[i], 0u);
  a.resize(10);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(a[9], want[9]);

  GrowableArray<uint64_t> copy = a;
  EXPECT_TRUE(std::equal(copy.begin(), copy.end(), a.begin(), a.end()));
  GrowableArray<uint64_t> moved = std::move(copy);
  EXPECT_EQ(moved.size(), 10u);
  EXPECT_TRUE(copy.empty());
  copy = moved;
  EXPECT_EQ(copy.size(), 10u);
  moved.release();
  EXPECT_TRUE(moved.empty());
  EXPECT_EQ(moved.capacity(), 0u);
  EXPECT_EQ(copy[3], want[3]);
}

}  // namespace
}  // namespace mimeo::internal
