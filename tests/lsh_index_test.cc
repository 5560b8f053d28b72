#include "mimeo/lsh_index.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "internal/buckets.h"
#include "mimeo/lsh_params.h"
#include "mimeo/minhash.h"
#include "test_util.h"

namespace mimeo {
namespace {

using testing::RandomSet;

// The bucket tables against a plain map, through inserts, erases (which
// shift probe runs back), growth and reserve: few distinct keys, so that
// probe runs are long, wrap around the table's end and fill up again.
TEST(BucketsTest, MatchesAPlainMapThroughInsertsErasesAndGrowth) {
  internal::Buckets buckets(2);
  std::map<uint64_t, std::vector<DocId>> want[2];  // most recent last
  std::mt19937_64 rng(3);
  // Keys that differ only in high bits, as SimHash masks make them, and
  // keys that differ only in low bits.
  std::vector<uint64_t> keys;
  for (uint64_t i = 0; i < 300; ++i) {
    keys.push_back(i % 2 == 0 ? i << 50 : 0xABCD0000ULL + i);
  }
  const auto check = [&] {
    for (size_t t = 0; t < 2; ++t) {
      for (uint64_t key : keys) {
        std::vector<DocId> got;
        const uint32_t n =
            buckets.ForEach(t, key, [&](DocId d) { got.push_back(d); });
        std::vector<DocId> expected;
        auto it = want[t].find(key);
        if (it != want[t].end()) {
          expected.assign(it->second.rbegin(), it->second.rend());
        }
        ASSERT_EQ(got, expected) << "table " << t << " key " << key;
        ASSERT_EQ(n, expected.size());
      }
      // Walking the whole table gives the same buckets.
      std::map<uint64_t, std::vector<DocId>> walked;
      buckets.ForEachBucket(t, [&](uint64_t key, std::vector<DocId>& docs) {
        ASSERT_FALSE(walked.contains(key));
        walked[key].assign(docs.rbegin(), docs.rend());
      });
      ASSERT_EQ(walked, want[t]) << "table " << t;
    }
  };
  DocId next = 0;
  for (int round = 0; round < 20000; ++round) {
    const size_t t = rng() % 2;
    const uint64_t key = keys[rng() % (round < 10000 ? keys.size() : 40)];
    if (rng() % 3 != 0 || want[t].empty()) {
      // Some ids too large to sit in a slot by themselves.
      const DocId doc = next % 7 == 0 ? 0x7FFFFFFFu + next : next;
      ++next;
      buckets.Insert(t, key, doc);
      want[t][key].push_back(doc);
    } else {
      // Erase a random document of a random present key.
      auto it = want[t].begin();
      std::advance(it, rng() % want[t].size());
      std::vector<DocId>& docs = it->second;
      const size_t i = rng() % docs.size();
      buckets.Erase(t, it->first, docs[i]);
      docs.erase(docs.begin() + i);
      if (docs.empty()) want[t].erase(it);
    }
    buckets.Erase(t, key, 0xFFFFFFF0u);  // absent: changes nothing
    if (round == 5000) buckets.Reserve(0, 100000);
    if (round % 997 == 0) check();
  }
  check();
  // Emptied completely, every key is gone.
  for (size_t t = 0; t < 2; ++t) {
    for (auto& [key, docs] : want[t]) {
      for (DocId d : docs) buckets.Erase(t, key, d);
    }
    want[t].clear();
  }
  check();
}

LshIndex MakeIndex(uint32_t bands, uint32_t rows, uint32_t large = 128) {
  LshIndex::Options o;
  o.bands = bands;
  o.rows = rows;
  o.large_bucket = large;
  auto idx = LshIndex::Create(o);
  EXPECT_TRUE(idx.ok());
  return std::move(*idx);
}

MinHasher Hasher() {
  auto m = MinHasher::Create({});
  EXPECT_TRUE(m.ok());
  return *m;
}

// For pairs of sets with Jaccard s, the share that land in a common bucket
// is within 0.03 of 1 - (1 - s^r)^b (4,000 pairs per s: the sampling error
// alone is at most 0.008).
TEST(LshIndexTest, PassRateFollowsTheSCurve) {
  const MinHasher m = Hasher();
  for (auto [bands, rows] : {std::pair{20u, 5u}, std::pair{32u, 4u}}) {
    const LshIndex idx = MakeIndex(bands, rows);
    std::mt19937_64 rng(11 + bands);
    for (double s : {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}) {
      const size_t total = 200;
      const size_t common = static_cast<size_t>(std::lround(2 * s * total / (1 + s)));
      const size_t only = (total - common) / 2;
      const double exact = double(common) / (common + 2 * only);
      const int trials = 4000;
      int passed = 0;
      for (int t = 0; t < trials; ++t) {
        std::vector<uint64_t> a = RandomSet(rng, common + only);
        std::vector<uint64_t> b(a.begin(), a.begin() + common);
        for (uint64_t x : RandomSet(rng, only)) b.push_back(x);
        const Signature sa = m.Sketch(a), sb = m.Sketch(b);
        for (uint32_t band = 0; band < bands; ++band) {
          if (idx.BandKey(sa.values, band) == idx.BandKey(sb.values, band)) {
            ++passed;
            break;
          }
        }
      }
      EXPECT_NEAR(double(passed) / trials,
                  LshCandidateProbability(exact, bands, rows), 0.03)
          << bands << "x" << rows << " at s = " << exact;
    }
  }
}

TEST(LshIndexTest, AddQueryRemove) {
  const MinHasher m = Hasher();
  LshIndex idx = MakeIndex(16, 8);
  std::mt19937_64 rng(1);
  const std::vector<uint64_t> base = RandomSet(rng, 300);
  std::vector<uint64_t> near = base;
  near[0] = rng();  // Jaccard ~0.99
  const std::vector<uint64_t> other = RandomSet(rng, 300);
  ASSERT_TRUE(idx.Add(10, m.Sketch(base).values).ok());
  ASSERT_TRUE(idx.Add(20, m.Sketch(other).values).ok());
  EXPECT_EQ(idx.size(), 2u);

  LshQueryResult r = idx.Query(m.Sketch(near).values);
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0].id, 10u);
  EXPECT_GE(r.candidates[0].bands, 12u);
  EXPECT_EQ(r.stats.bands_probed, 16u);
  EXPECT_EQ(r.stats.postings_scanned, r.candidates[0].bands);

  EXPECT_EQ(idx.Add(10, m.Sketch(base).values).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(idx.Add(30, std::vector<uint32_t>(5)).code(),
            absl::StatusCode::kInvalidArgument);
  // Removing needs the signature the document was filed with.
  EXPECT_EQ(idx.Remove(10, m.Sketch(other).values).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(idx.Remove(10, std::vector<uint32_t>(5)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(idx.size(), 2u);
  EXPECT_EQ(idx.Query(m.Sketch(near).values).candidates.size(), 1u);
  ASSERT_TRUE(idx.Remove(10, m.Sketch(base).values).ok());
  EXPECT_EQ(idx.Remove(10, m.Sketch(base).values).code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(idx.Query(m.Sketch(near).values).candidates.empty());
  // The id can be added again, and slots are reused.
  ASSERT_TRUE(idx.Add(10, m.Sketch(base).values).ok());
  EXPECT_EQ(idx.Query(m.Sketch(near).values).candidates.size(), 1u);
}

// The free functions an index kept elsewhere (on disk) files and ranks
// with: the same keys as BandKey(), and Query()'s ranking of the hits of
// every bucket a signature falls in.
TEST(LshIndexTest, FreeBandKeyAndRankingAgreeWithTheIndex) {
  const MinHasher m = Hasher();
  LshIndex idx = MakeIndex(16, 8);
  std::mt19937_64 rng(4);
  std::vector<std::vector<uint32_t>> sigs;
  const std::vector<uint64_t> base = RandomSet(rng, 200);
  for (DocId d = 0; d < 60; ++d) {
    std::vector<uint64_t> set = base;
    for (DocId i = 0; i < d; ++i) set[i] = rng();  // ever further from base
    sigs.push_back(m.Sketch(set).values);
    ASSERT_TRUE(idx.Add(d, sigs.back()).ok());
  }
  for (DocId q = 0; q < 60; q += 7) {
    std::vector<DocId> hits;
    for (uint32_t band = 0; band < 16; ++band) {
      const uint64_t key = LshBandKey(sigs[q], band, 8);
      ASSERT_EQ(key, idx.BandKey(sigs[q], band));
      for (int d = 59; d >= 0; --d) {  // any order
        if (LshBandKey(sigs[d], band, 8) == key) {
          hits.push_back(static_cast<DocId>(d));
        }
      }
    }
    LshQueryResult ranked;
    LshRankHits(hits, ranked);
    const LshQueryResult expected = idx.Query(sigs[q]);
    ASSERT_EQ(ranked.candidates.size(), expected.candidates.size());
    ASSERT_GT(expected.candidates.size(), 1u);
    for (size_t i = 0; i < ranked.candidates.size(); ++i) {
      EXPECT_EQ(ranked.candidates[i].id, expected.candidates[i].id);
      EXPECT_EQ(ranked.candidates[i].bands, expected.candidates[i].bands);
    }
  }
}

// AddBatch files a batch (bands in parallel above a few thousand postings)
// exactly as Add one by one would, and refuses a bad batch whole.
TEST(LshIndexTest, AddBatchEqualsAddingOneByOne) {
  const MinHasher m = Hasher();
  std::mt19937_64 rng(5);
  // Families of near copies, so that buckets hold several documents.
  std::vector<uint32_t> flat;
  std::vector<DocId> ids;
  for (DocId family = 0; family < 300; ++family) {
    const std::vector<uint64_t> base = RandomSet(rng, 60);
    for (int copy = 0; copy < 4; ++copy) {
      std::vector<uint64_t> set = base;
      set[copy] = rng();
      const Signature sig = m.Sketch(set);
      flat.insert(flat.end(), sig.values.begin(), sig.values.end());
      ids.push_back(family * 10 + copy);
    }
  }
  LshIndex one = MakeIndex(32, 4), batch = MakeIndex(32, 4);
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(one.Add(ids[i], absl::MakeConstSpan(flat).subspan(i * 128, 128)).ok());
  }
  // Two batches: a small one (serial) and a large one (parallel).
  ASSERT_TRUE(batch.AddBatch(absl::MakeConstSpan(ids).subspan(0, 10),
                             absl::MakeConstSpan(flat).subspan(0, 10 * 128))
                  .ok());
  ASSERT_TRUE(batch.AddBatch(absl::MakeConstSpan(ids).subspan(10),
                             absl::MakeConstSpan(flat).subspan(10 * 128))
                  .ok());
  EXPECT_EQ(batch.size(), one.size());
  for (size_t i = 0; i < ids.size(); i += 7) {
    const auto sig = absl::MakeConstSpan(flat).subspan(i * 128, 128);
    const LshQueryResult a = one.Query(sig), b = batch.Query(sig);
    ASSERT_EQ(a.candidates.size(), b.candidates.size());
    EXPECT_GE(a.candidates.size(), 1u);
    for (size_t c = 0; c < a.candidates.size(); ++c) {
      EXPECT_EQ(a.candidates[c].id, b.candidates[c].id);
      EXPECT_EQ(a.candidates[c].bands, b.candidates[c].bands);
    }
  }
  const auto pairs_one = one.AllPairs(), pairs_batch = batch.AllPairs();
  ASSERT_EQ(pairs_one.size(), pairs_batch.size());
  EXPECT_GT(pairs_one.size(), 0u);
  for (size_t i = 0; i < pairs_one.size(); ++i) {
    EXPECT_EQ(pairs_one[i].a, pairs_batch[i].a);
    EXPECT_EQ(pairs_one[i].b, pairs_batch[i].b);
    EXPECT_EQ(pairs_one[i].bands, pairs_batch[i].bands);
  }

  // All or nothing: an id already filed, or twice in the batch, or a wrong
  // number of values files none of the batch.
  const std::vector<DocId> fresh_then_old = {5000, ids[0]};
  const auto two = absl::MakeConstSpan(flat).subspan(0, 2 * 128);
  EXPECT_EQ(batch.AddBatch(fresh_then_old, two).code(),
            absl::StatusCode::kAlreadyExists);
  const std::vector<DocId> twice = {6000, 6000};
  EXPECT_EQ(batch.AddBatch(twice, two).code(), absl::StatusCode::kAlreadyExists);
  const std::vector<DocId> pair = {7000, 7001};
  EXPECT_EQ(batch.AddBatch(pair, two.subspan(1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(batch.Contains(5000));
  EXPECT_FALSE(batch.Contains(6000));
  EXPECT_FALSE(batch.Contains(7000));
  EXPECT_EQ(batch.size(), one.size());
}

// AllPairs (sort-and-scan) finds exactly the pairs that querying each
// document finds, and the batch form agrees with the index.
TEST(LshIndexTest, AllPairsEqualsQueryingEachDocument) {
  const MinHasher m = Hasher();
  LshIndex idx = MakeIndex(32, 2);
  std::mt19937_64 rng(2);
  std::vector<uint32_t> flat;
  std::vector<std::vector<uint32_t>> sigs;
  // Families of related sets so that there are pairs to find.
  for (int family = 0; family < 20; ++family) {
    const std::vector<uint64_t> base = RandomSet(rng, 100);
    for (int member = 0; member < 5; ++member) {
      std::vector<uint64_t> v = base;
      for (int i = 0; i < member * 12; ++i) v[rng() % v.size()] = rng();
      sigs.push_back(m.Sketch(v).values);
    }
  }
  for (DocId d = 0; d < sigs.size(); ++d) {
    ASSERT_TRUE(idx.Add(d, sigs[d]).ok());
    flat.insert(flat.end(), sigs[d].begin(), sigs[d].end());
  }
  std::set<std::tuple<DocId, DocId, uint32_t>> by_query, by_join, by_batch;
  for (DocId d = 0; d < sigs.size(); ++d) {
    for (const LshCandidate& c : idx.Query(sigs[d]).candidates) {
      if (c.id > d) by_query.insert({d, c.id, c.bands});
    }
  }
  for (const CandidatePair& p : idx.AllPairs()) by_join.insert({p.a, p.b, p.bands});
  auto batch = LshAllPairs(flat, idx.options());
  ASSERT_TRUE(batch.ok());
  for (const CandidatePair& p : *batch) by_batch.insert({p.a, p.b, p.bands});
  EXPECT_GT(by_query.size(), 100u);
  EXPECT_EQ(by_query, by_join);
  EXPECT_EQ(by_query, by_batch);
}

// The join keys bands of one or two rows by their values rather than by
// XXH3: at 1, 2 and 3 rows (and a large bucket of copies hubbed), its
// pairs and band counts are those of the index's join on XXH3 keys, and
// each is a pair of documents whose rows are equal in that many bands
// (fewer for two copies in a hubbed bucket: family 30, DocIds 120-135).
TEST(LshIndexTest, AllPairsAtFewRowsPairsEqualRows) {
  const MinHasher m = Hasher();
  for (const uint32_t rows : {1u, 2u, 3u}) {
    const uint32_t bands = 128 / rows / 2;
    LshIndex idx = MakeIndex(bands, rows, /*large=*/8);
    std::mt19937_64 rng(11 + rows);
    std::vector<uint32_t> flat;
    std::vector<std::vector<uint32_t>> sigs;
    for (int family = 0; family < 60; ++family) {
      const std::vector<uint64_t> base = RandomSet(rng, 40);
      for (int member = 0; member < 4; ++member) {
        std::vector<uint64_t> v = base;
        for (int i = 0; i < member * 8; ++i) v[rng() % v.size()] = rng();
        sigs.push_back(m.Sketch(v).values);
      }
      if (family == 30) {
        for (int copy = 0; copy < 12; ++copy) sigs.push_back(sigs.back());
      }
    }
    for (DocId d = 0; d < sigs.size(); ++d) {
      ASSERT_TRUE(idx.Add(d, sigs[d]).ok());
      flat.insert(flat.end(), sigs[d].begin(), sigs[d].end());
    }
    // The index's join, on its XXH3 band keys, hubs large buckets alike.
    std::set<std::tuple<DocId, DocId, uint32_t>> by_index, by_batch;
    std::map<std::pair<DocId, DocId>, uint32_t> shared_rows;
    for (const CandidatePair& p : idx.AllPairs()) {
      by_index.insert({p.a, p.b, p.bands});
    }
    auto batch = LshAllPairs(flat, idx.options());
    ASSERT_TRUE(batch.ok());
    for (const CandidatePair& p : *batch) by_batch.insert({p.a, p.b, p.bands});
    // Without buckets past the large one's size, every pair sharing rows.
    size_t pairs_sharing = 0;
    for (DocId a = 0; a < sigs.size(); ++a) {
      for (DocId b = a + 1; b < sigs.size(); ++b) {
        uint32_t shared = 0;
        for (uint32_t band = 0; band < bands; ++band) {
          shared += std::equal(sigs[a].begin() + band * rows,
                               sigs[a].begin() + (band + 1) * rows,
                               sigs[b].begin() + band * rows);
        }
        if (shared > 0) shared_rows[{a, b}] = shared;
        pairs_sharing += shared > 0;
      }
    }
    EXPECT_GT(by_index.size(), 100u) << rows << " rows";
    EXPECT_EQ(by_index, by_batch) << rows << " rows";
    // The copies' bucket (13 documents) is hubbed: fewer pairs than share.
    EXPECT_LT(by_batch.size(), pairs_sharing) << rows << " rows";
    for (const auto& [a, b, n] : by_batch) {
      // A pair inside a hubbed bucket is not counted for that band.
      const auto it = shared_rows.find({a, b});
      ASSERT_NE(it, shared_rows.end()) << a << "~" << b;
      EXPECT_LE(n, it->second) << a << "~" << b << " at " << rows << " rows";
      if (a < 120 || a >= 120 + 16) {
        EXPECT_EQ(n, it->second) << a << "~" << b << " at " << rows << " rows";
      }
    }
  }
}

// The same at a size where the join sorts band records and pairs by
// buckets (a few thousand records), with a run of identical signatures
// longer than a bucket's insertion sort takes.
TEST(LshIndexTest, AllPairsEqualsQueryingEachDocumentAtScale) {
  const MinHasher m = Hasher();
  LshIndex idx = MakeIndex(16, 4);
  std::mt19937_64 rng(5);
  std::vector<uint32_t> flat;
  std::vector<std::vector<uint32_t>> sigs;
  for (int family = 0; family < 400; ++family) {
    const std::vector<uint64_t> base = RandomSet(rng, 60);
    for (int member = 0; member < 5; ++member) {
      std::vector<uint64_t> v = base;
      for (int i = 0; i < member * 6; ++i) v[rng() % v.size()] = rng();
      sigs.push_back(m.Sketch(v).values);
    }
    if (family == 200) {
      for (int copy = 0; copy < 40; ++copy) sigs.push_back(sigs.back());
    }
  }
  for (DocId d = 0; d < sigs.size(); ++d) {
    ASSERT_TRUE(idx.Add(d, sigs[d]).ok());
    flat.insert(flat.end(), sigs[d].begin(), sigs[d].end());
  }
  std::set<std::tuple<DocId, DocId, uint32_t>> by_query, by_batch;
  for (DocId d = 0; d < sigs.size(); ++d) {
    for (const LshCandidate& c : idx.Query(sigs[d]).candidates) {
      if (c.id > d) by_query.insert({d, c.id, c.bands});
    }
  }
  auto batch = LshAllPairs(flat, idx.options());
  ASSERT_TRUE(batch.ok());
  for (size_t i = 1; i < batch->size(); ++i) {
    const CandidatePair& x = (*batch)[i - 1];
    const CandidatePair& y = (*batch)[i];
    ASSERT_TRUE(x.a < y.a || (x.a == y.a && x.b < y.b)) << "not sorted at " << i;
  }
  for (const CandidatePair& p : *batch) by_batch.insert({p.a, p.b, p.bands});
  EXPECT_GT(by_query.size(), 3000u);
  EXPECT_EQ(by_query, by_batch);
  std::set<std::tuple<DocId, DocId, uint32_t>> by_join;
  for (const CandidatePair& p : idx.AllPairs()) by_join.insert({p.a, p.b, p.bands});
  EXPECT_EQ(by_query, by_join);

  // After removing every third document (buckets shrink back to one
  // document, or empty), the index joins as the batch join of the rest.
  std::vector<DocId> kept;
  for (DocId d = 0; d < sigs.size(); ++d) {
    if (d % 3 == 1) {
      ASSERT_TRUE(idx.Remove(d, sigs[d]).ok());
    } else {
      kept.push_back(d);
    }
  }
  EXPECT_EQ(idx.size(), kept.size());
  auto rest = LshAllPairs(flat, kept, idx.options());
  ASSERT_TRUE(rest.ok());
  const std::vector<CandidatePair> joined = idx.AllPairs();
  ASSERT_EQ(joined.size(), rest->size());
  for (size_t i = 0; i < joined.size(); ++i) {
    EXPECT_EQ(joined[i].a, (*rest)[i].a);
    EXPECT_EQ(joined[i].b, (*rest)[i].b);
    EXPECT_EQ(joined[i].bands, (*rest)[i].bands);
  }
}

TEST(LshIndexTest, LargeBucketsArePairedWithTheirSmallestMember) {
  const MinHasher m = Hasher();
  LshIndex idx = MakeIndex(4, 4, /*large=*/3);
  const std::vector<uint32_t> sig = m.Sketch(std::vector<uint64_t>{1, 2, 3}).values;
  for (DocId d : {7, 3, 9, 5, 8}) ASSERT_TRUE(idx.Add(d, sig).ok());
  const std::vector<CandidatePair> pairs = idx.AllPairs();
  ASSERT_EQ(pairs.size(), 4u);  // a star, not all 10 pairs
  for (const CandidatePair& p : pairs) {
    EXPECT_EQ(p.a, 3u);
    EXPECT_EQ(p.bands, 4u);
  }
}

TEST(LshIndexTest, ValidatesOptions) {
  LshIndex::Options o;
  o.bands = 20;
  o.rows = 7;
  EXPECT_FALSE(LshIndex::Create(o).ok());
  o.rows = 6;
  o.large_bucket = 1;
  EXPECT_FALSE(LshIndex::Create(o).ok());
  EXPECT_FALSE(LshAllPairs(std::vector<uint32_t>(5), LshIndex::Options{}).ok());
}

}  // namespace
}  // namespace mimeo
