#include "mimeo/fingerprint_index.h"

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
