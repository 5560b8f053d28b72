#include "mimeo/copy_family.h"

#include <cmath>

#include "gtest/gtest.h"

namespace mimeo {
namespace {

Passage P(uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1, bool bp = false) {
  Passage p;
  p.a_begin = a0;
  p.a_end = a1;
  p.b_begin = b0;
  p.b_end = b1;
  p.boilerplate = bp;
  return p;
}

CopyPair Pair(DocId a, DocId b, std::vector<Passage> passages) {
  CopyPair p;
  p.a = a;
  p.b = b;
  p.passages = std::move(passages);
  return p;
}

// A wire story (0) reprinted in part by 1 and 2; 2 also reprints a
// different story from 3. Two families.
TEST(CopyFamilyTest, GroupsPassagesThroughTheDocumentsThatHoldThem) {
  const std::vector<CopyPair> pairs = {
      Pair(0, 1, {P(100, 900, 50, 850)}),
      Pair(0, 2, {P(300, 700, 1000, 1400)}),
      Pair(1, 2, {P(250, 650, 1000, 1400)}),
      Pair(2, 3, {P(2000, 2300, 0, 300), P(10, 30, 10, 30, /*bp=*/true)}),
  };
  const auto f = GroupCopyFamilies(pairs, {});
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].origin, 0u);  // holds the longest span, 800 bytes
  EXPECT_EQ(f[0].origin_begin, 100u);
  EXPECT_EQ(f[0].origin_end, 900u);
  EXPECT_EQ(f[0].num_docs, 3u);
  ASSERT_EQ(f[0].members.size(), 3u);
  EXPECT_EQ(f[0].members[1].doc, 1u);
  EXPECT_EQ(f[0].members[1].begin, 50u);
  EXPECT_EQ(f[0].members[1].end, 850u);
  EXPECT_EQ(f[1].num_docs, 2u);  // the boilerplate passage joined nothing
  EXPECT_EQ(f[1].origin, 2u);    // tie on length: smaller DocId
}

TEST(CopyFamilyTest, EarliestDateNamesTheOriginWhenAllMembersHaveOne) {
  const std::vector<CopyPair> pairs = {Pair(0, 1, {P(0, 500, 0, 300)})};
  auto dated = [](DocId d) -> std::optional<int64_t> { return d == 0 ? 20 : 10; };
  EXPECT_EQ(GroupCopyFamilies(pairs, dated)[0].origin, 1u);
  EXPECT_EQ(GroupCopyFamilies(pairs, dated)[0].origin_end, 300u);
  auto partly = [](DocId d) -> std::optional<int64_t> {
    if (d == 0) return std::nullopt;
    return 10;
  };
  EXPECT_EQ(GroupCopyFamilies(pairs, partly)[0].origin, 0u);
  EXPECT_TRUE(GroupCopyFamilies({}, {}).empty());
}

// Copy clusters: documents around the source they share copy with. 0 is a
// wire story 1 and 2 reprint most of; 3 shares a sliver of 2 (a share far
// below min_share), so it stays out, however the edges chain.
TEST(CopyFamilyTest, CopyClustersGroupAroundTheSource) {
  const auto pair = [](DocId a, DocId b, uint64_t copied, uint64_t size) {
    CopyPair p = Pair(a, b, {P(0, 100, 0, 100)});
    p.copied_tokens_a = p.copied_tokens_b = copied;
    p.similarity.size_a = p.similarity.size_b = size;
    return p;
  };
  const std::vector<CopyPair> pairs = {
      pair(0, 1, 300, 400), pair(0, 2, 280, 400), pair(1, 2, 260, 400),
      pair(2, 3, 4, 400)};
  const std::vector<CopyFamily> families = GroupCopyFamilies(pairs, {});
  const auto c = ClusterCopies(pairs, families, 4, 0.05);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].members, (std::vector<DocId>{0, 1, 2}));
  // min_share outside [0, 1] is clamped: above 1 nothing can join; 0,
  // below 0 and NaN turn the guard off, so the sliver chains 3 in.
  EXPECT_TRUE(ClusterCopies(pairs, families, 4, 2.0).empty());
  for (const double off : {0.0, -1.0, std::nan("")}) {
    const auto all = ClusterCopies(pairs, families, 4, off);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].members.size(), 4u);
  }
}

}  // namespace
}  // namespace mimeo
