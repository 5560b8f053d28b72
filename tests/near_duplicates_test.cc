#include "mimeo/near_duplicates.h"

#include <algorithm>
#include <map>
#include <random>

#include "gtest/gtest.h"
#include "mimeo/engine.h"

namespace mimeo {
namespace {

// Documents drawn as families: each family shares a core of shingles, each
// member keeps a random part of it and adds its own; a few shingles are on
// most documents (boilerplate).
struct Corpus {
  std::vector<std::vector<uint64_t>> sets;
  std::vector<std::vector<uint32_t>> signatures;
  std::vector<std::vector<uint64_t>> common;
};

Corpus MakeCorpus(size_t families, size_t per_family, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Corpus c;
  const std::vector<uint64_t> boiler = {rng(), rng(), rng(), rng()};
  MinHasher::Options mo;
  auto hasher = MinHasher::Create(mo);
  EXPECT_TRUE(hasher.ok());
  for (size_t f = 0; f < families; ++f) {
    std::vector<uint64_t> core(60 + rng() % 80);
    for (uint64_t& h : core) h = rng();
    for (size_t m = 0; m < per_family; ++m) {
      std::vector<uint64_t> set;
      const double keep = 0.3 + 0.7 * static_cast<double>(rng() % 100) / 100;
      for (uint64_t h : core) {
        if (static_cast<double>(rng() % 1000) / 1000 < keep) set.push_back(h);
      }
      for (size_t i = rng() % 40; i > 0; --i) set.push_back(rng());
      set.insert(set.end(), boiler.begin(), boiler.end());
      std::sort(set.begin(), set.end());
      set.erase(std::unique(set.begin(), set.end()), set.end());
      c.signatures.push_back(std::vector<uint32_t>(mo.num_perm));
      hasher->Sketch(set, absl::MakeSpan(c.signatures.back()));
      std::vector<uint64_t> common;
      for (uint64_t h : set) {
        if (std::find(boiler.begin(), boiler.end(), h) != boiler.end()) {
          common.push_back(h);
        }
      }
      c.sets.push_back(std::move(set));
      c.common.push_back(std::move(common));
    }
  }
  return c;
}

NearDuplicatePolicy MakePolicy() {
  NearDuplicatePolicy::Options o;
  o.verify = Engine::Options::DefaultVerify();
  o.member = Engine::Options::DefaultMember();
  o.cluster = Engine::Options::DefaultCluster();
  auto p = NearDuplicatePolicy::Create(o);
  EXPECT_TRUE(p.ok());
  return *p;
}

// Document i of the corpus at DocId `at[i]`.
NearDuplicateDocs DocsAt(const Corpus& c, const std::map<DocId, size_t>& of) {
  NearDuplicateDocs d;
  d.signature = [&c, &of](DocId x) -> absl::Span<const uint32_t> {
    return c.signatures[of.at(x)];
  };
  d.set = [&c, &of](DocId x) -> absl::Span<const uint64_t> {
    return c.sets[of.at(x)];
  };
  d.size = [&c, &of](DocId x) -> uint64_t { return c.sets[of.at(x)].size(); };
  d.common = [&c, &of](DocId x,
                       std::vector<uint64_t>&) -> absl::Span<const uint64_t> {
    return c.common[of.at(x)];
  };
  return d;
}

// A corpus's documents under ids 0, 1, ... in order: where each id's
// sketches are (for DocsAt), and the ids.
struct InOrder {
  std::map<DocId, size_t> of;
  std::vector<DocId> ids;
};
InOrder NumberInOrder(const Corpus& c) {
  InOrder n;
  for (size_t i = 0; i < c.sets.size(); ++i) {
    n.of[static_cast<DocId>(i)] = i;
    n.ids.push_back(static_cast<DocId>(i));
  }
  return n;
}

std::vector<CandidatePair> AllPairs(const std::vector<DocId>& ids) {
  std::vector<CandidatePair> out;
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t j = i + 1; j < ids.size(); ++j)
      out.push_back({ids[i], ids[j], 1});
  }
  return out;
}

// mimeo-mpi clusters the endpoints of the verified pairs numbered 0, 1, ...
// in DocId order: the clusters must be those of the DocIds themselves.
TEST(NearDuplicatePolicyTest, ClustersDependOnlyOnTheOrderOfDocIds) {
  const Corpus c = MakeCorpus(12, 6, 7);
  const NearDuplicatePolicy policy = MakePolicy();
  // Spread out: document i at DocId 5 i + 3, in a space of 5 n + 3.
  std::map<DocId, size_t> spread, dense;
  std::vector<DocId> spread_ids;
  for (size_t i = 0; i < c.sets.size(); ++i) {
    spread[static_cast<DocId>(5 * i + 3)] = i;
    spread_ids.push_back(static_cast<DocId>(5 * i + 3));
  }
  const NearDuplicateDocs spread_docs = DocsAt(c, spread);
  const std::vector<VerifiedPair> pairs =
      policy.Verify(AllPairs(spread_ids), spread_docs);
  ASSERT_GT(pairs.size(), 20u);
  const std::vector<Cluster> want =
      policy.ClusterPairs(5 * c.sets.size() + 3, pairs, spread_docs);
  ASSERT_GT(want.size(), 3u);

  std::vector<DocId> ends;
  for (const VerifiedPair& p : pairs) {
    ends.push_back(p.a);
    ends.push_back(p.b);
  }
  std::sort(ends.begin(), ends.end());
  ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  std::map<DocId, DocId> compact;
  for (size_t i = 0; i < ends.size(); ++i) {
    compact[ends[i]] = static_cast<DocId>(i);
    dense[static_cast<DocId>(i)] = spread.at(ends[i]);
  }
  std::vector<VerifiedPair> renumbered = pairs;
  for (VerifiedPair& p : renumbered) {
    p.a = compact.at(p.a);
    p.b = compact.at(p.b);
  }
  std::vector<Cluster> got =
      policy.ClusterPairs(ends.size(), renumbered, DocsAt(c, dense));
  for (Cluster& k : got) {
    k.representative = ends[k.representative];
    for (DocId& m : k.members) m = ends[m];
  }
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].id, want[i].id);
    EXPECT_EQ(got[i].representative, want[i].representative);
    EXPECT_EQ(got[i].members, want[i].members);
  }
}

// A caller that fetches sets only where NeedsSets() says so verifies the
// same pairs as one holding every set.
TEST(NearDuplicatePolicyTest, NeedsSetsIsExactlyWhatVerifyReads) {
  const Corpus c = MakeCorpus(10, 5, 11);
  const NearDuplicatePolicy policy = MakePolicy();
  const InOrder in_order = NumberInOrder(c);
  const NearDuplicateDocs full = DocsAt(c, in_order.of);
  const std::vector<CandidatePair> candidates = AllPairs(in_order.ids);
  size_t refused = 0;
  for (const CandidatePair& p : candidates) {
    refused += !policy.NeedsSets(p.a, p.b, full);
  }
  // Most pairs of different families are refused by their estimate.
  EXPECT_GT(refused, candidates.size() / 2);
  std::vector<CandidatePair> pending;
  for (const CandidatePair& p : candidates) {
    if (policy.NeedsSets(p.a, p.b, full)) pending.push_back(p);
  }
  const std::vector<VerifiedPair> all = policy.Verify(candidates, full);
  ASSERT_GT(all.size(), 10u);
  // A pair the estimate refuses is never kept...
  for (const VerifiedPair& p : all) {
    EXPECT_TRUE(policy.NeedsSets(p.a, p.b, full)) << p.a << " " << p.b;
  }
  // ...so verifying only the pairs that need their sets keeps the same.
  const std::vector<VerifiedPair> only_pending = policy.Verify(pending, full);
  ASSERT_EQ(only_pending.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(only_pending[i].a, all[i].a);
    EXPECT_EQ(only_pending[i].b, all[i].b);
    EXPECT_EQ(only_pending[i].score, all[i].score);
  }
}

// The chaining guard looks up the verified pairs' similarities and, when
// members are held to no stricter bounds than pairs, does not take their
// estimates again: the clusters are those of the plain guard, which takes
// every estimate and measures every pair it does not refuse. With members
// stricter than pairs, the estimate is taken for every pair.
TEST(NearDuplicatePolicyTest, GuardAgreesWithEstimateThenMeasure) {
  const Corpus c = MakeCorpus(30, 8, 17);
  const InOrder in_order = NumberInOrder(c);
  const std::vector<DocId>& ids = in_order.ids;
  const NearDuplicateDocs docs = DocsAt(c, in_order.of);
  for (const double member_jaccard : {0.3, 0.2, 0.6}) {
    NearDuplicatePolicy::Options o;
    o.verify = Engine::Options::DefaultVerify();
    o.member = Engine::Options::DefaultMember();
    o.member.jaccard_threshold = member_jaccard;
    o.member.containment_threshold = member_jaccard == 0.6 ? 0.9 : 0.5;
    o.cluster = Engine::Options::DefaultCluster();
    auto policy = NearDuplicatePolicy::Create(o);
    ASSERT_TRUE(policy.ok());
    const std::vector<VerifiedPair> pairs = policy->Verify(AllPairs(ids), docs);
    ASSERT_GT(pairs.size(), 50u);
    const std::vector<Cluster> got =
        policy->ClusterPairs(ids.size(), pairs, docs);

    auto member = Verifier::Create(o.member);
    auto clusterer = Clusterer::Create(o.cluster);
    ASSERT_TRUE(member.ok() && clusterer.ok());
    std::vector<Edge> edges;
    for (const VerifiedPair& p : pairs) {
      edges.push_back({p.a, p.b, p.similarity.jaccard});
    }
    std::vector<uint64_t> weight(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      weight[i] = c.sets[i].size() - c.common[i].size();
    }
    const std::vector<Cluster> want = clusterer->Run(
        ids.size(), edges,
        [&](DocId a, DocId b) {
          if (member->ClearlyRejects(
                  EstimateJaccard(c.signatures[a], c.signatures[b]),
                  o.num_perm, c.sets[a].size(), c.sets[b].size())) {
            return 0.0;
          }
          const Similarity s = ExactSimilarity(c.sets[a], c.sets[b],
                                               c.common[a], c.common[b]);
          return member->Accept(s) ? member->Score(s) : 0.0;
        },
        weight);
    ASSERT_GT(want.size(), 5u);
    ASSERT_EQ(got.size(), want.size()) << member_jaccard;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].representative, want[i].representative);
      EXPECT_EQ(got[i].members, want[i].members) << member_jaccard;
    }
  }
}

}  // namespace
}  // namespace mimeo
